// Conversation around messages: reactions (set operations, mine toggled at
// once and put back if the server refuses), pins, the "joined" and "left"
// lines of the stream, the names of people who reacted, and "Mark as unread".
import { state, emit, load, save, channelData, updateMessage, isMe } from './state.js';
import * as net from './net.js';
import { authorName } from './util.js';

// ---------------------------------------------------------------- people's names

// Who reacted is a list of ids: names come from the people this client has
// seen (authors, events) and, when one is missing, the channel's members.
const people = new Map();
const membersAsked = new Set();
let version = 0;

// Changes when names were learnt (reaction buttons name who reacted).
export const namesVersion = () => version;

export function remember(u) {
  if (u && typeof u.id === 'number' && (u.display || u.name)) people.set(u.id, u);
}

export function nameOf(id) {
  if (state.me && id === state.me.id) return 'you';
  const u = people.get(id);
  return u ? authorName(u) : null;
}

// Resolves once the channel's members are known (asked once per session).
export async function learnNames(chId) {
  if (membersAsked.has(chId) || !net.ready()) return;
  membersAsked.add(chId);
  try {
    const r = await net.request({ type: 'channel.members', channel: chId });
    for (const m of r.members || []) remember(m);
    version++;
    emit('messages', { id: chId });
  } catch { membersAsked.delete(chId); }
}

// ---------------------------------------------------------------- reactions

function withReaction(m, emoji, uid, on) {
  const list = Array.isArray(m.reactions) ? m.reactions : [];
  const i = list.findIndex((r) => r.emoji === emoji);
  const users = i === -1 ? [] : (list[i].users || []);
  if (on === users.includes(uid)) return m;
  const nextUsers = on ? [...users, uid].sort((a, b) => a - b) : users.filter((u) => u !== uid);
  const next = list.slice();
  if (!nextUsers.length) next.splice(i, 1);
  else if (i === -1) next.push({ emoji, count: 1, users: nextUsers });
  else next[i] = { emoji, count: nextUsers.length, users: nextUsers };
  return { ...m, reactions: next };
}

// A reaction event: add or take back this user under this emoji.
export function reaction(chId, f) {
  if (typeof f.id !== 'number' || typeof f.emoji !== 'string' || !f.user) return;
  remember(f.user);
  updateMessage(chId, f.id, (m) => withReaction(m, f.emoji, f.user.id, f.on !== false));
}

export const reacted = (m, emoji) => Boolean(state.me && (m.reactions || []).some((r) => r.emoji === emoji && (r.users || []).includes(state.me.id)));

export async function react(chId, id, emoji, on) {
  const me = state.me.id;
  updateMessage(chId, id, (m) => withReaction(m, emoji, me, on));
  remember(state.me);
  recent(emoji);
  try {
    await net.request({ type: 'react', channel: chId, id, emoji, on });
  } catch (e) {
    updateMessage(chId, id, (m) => withReaction(m, emoji, me, !on));
    emit('alert', `Couldn’t ${on ? 'add' : 'remove'} the reaction: ${e.message}`);
  }
}

// Emoji I used lately come first in the picker.
export function recentEmoji() {
  const r = load('emoji', []);
  return Array.isArray(r) ? r.filter((x) => typeof x === 'string') : [];
}

function recent(emoji) {
  save('emoji', [emoji, ...recentEmoji().filter((x) => x !== emoji)].slice(0, 16));
}

// ---------------------------------------------------------------- pins

export function pin(chId, f) {
  if (typeof f.id !== 'number') return;
  remember(f.by);
  updateMessage(chId, f.id, (m) => (Boolean(m.pinned) === Boolean(f.pinned) ? m : { ...m, pinned: Boolean(f.pinned) }));
  const d = state.data.get(chId);
  // The pins list, once shown, is asked for again: the message may not be here.
  if (d && d.pins && !state.syncing) loadPins(chId);
  else if (d && d.pins && !f.pinned && d.pins.delete(f.id)) emit('pins', chId);
}

export async function loadPins(chId) {
  const d = channelData(chId);
  d.pinsError = null;
  try {
    const r = await net.request({ type: 'channel.pins', channel: chId });
    d.pins = new Map((r.messages || []).map((m) => [m.id, m]));
    for (const m of r.messages || []) remember(m.author);
  } catch (e) {
    if (!d.pins) d.pinsError = e.message;
  }
  emit('pins', chId);
}

export async function setPinned(chId, id, pinned) {
  try {
    await net.request({ type: 'pin', channel: chId, id, pinned });
  } catch (e) {
    emit('alert', `Couldn’t ${pinned ? 'pin' : 'unpin'} the message: ${e.message}`);
  }
}

// ---------------------------------------------------------------- joined and left lines

// Shown where they happened, among the messages this client holds; history
// pages carry messages only, so lines older than this session are not shown.
export function memberLine(chId, f) {
  const d = state.data.get(chId);
  if (!d || !f.user || typeof f.seq !== 'number') return;
  if (!(d.loaded || (d.loading && !state.syncing))) return;
  if (d.moreOlder && d.order.length && f.seq < d.order[0]) return;
  remember(f.user);
  d.sys.set(f.seq, { seq: f.seq, kind: f.kind, user: f.user, by: f.by && !isMe(f.by) && f.by.id !== f.user.id ? f.by : null, ts: f.ts });
  emit('messages', { id: chId });
}

// ---------------------------------------------------------------- unread: the "New messages" line

// "Mark as unread" moves the server's read position back (read with
// unread:true), so every device of mine and the next sign-in show the channel
// unread. The marker kept here places the "New messages" line at the message
// chosen, and keeps the channel unread on this device when the request could
// not be sent (offline) until the channel is read again.
const markers = () => {
  const m = load('unread-from', {});
  return m && typeof m === 'object' ? m : {};
};

export const markerFor = (chId) => markers()[chId] || null;

export function clearMarker(chId) {
  const all = markers();
  if (!all[chId]) return;
  delete all[chId];
  save('unread-from', all);
}

export function markUnread(chId, id) {
  const d = channelData(chId);
  const c = state.channels.get(chId);
  if (!c) return;
  let count = 0;
  for (const x of d.order) if (x >= id && !isMe(d.msgs.get(x)?.author)) count++;
  count = Math.max(1, count);
  const sent = net.ready();
  if (sent) {
    net.send({ type: 'read', channel: chId, seq: id - 1, unread: true });
    c.read_sent = id - 1;
  }
  save('unread-from', { ...markers(), [chId]: { id, count, sent } });
  d.divider = id;
  d.holdRead = true;
  c.unread = Math.max(c.unread || 0, count);
  emit('unread', chId);
  emit('messages', { id: chId });
  emit('notice', 'Marked as unread.');
}

// After welcome and channel lists. A marker the server knows of stands
// while the server counts the channel unread (read on another device since:
// dropped); one it never heard of keeps the channel unread here.
export function applyMarkers() {
  for (const [key, mk] of Object.entries(markers())) {
    const c = state.channels.get(Number(key));
    if (!c || !mk) continue;
    if (mk.sent) {
      if (!c.unread) clearMarker(c.id);
    } else if ((c.unread || 0) < mk.count) {
      c.unread = mk.count;
      emit('unread', c.id);
    }
  }
}

// {"type":"read"}: another device of mine stored a read position (read
// there, or marked unread there). Badges follow; the open view is left as
// it is (its "New messages" line stays until the channel is left).
export function readElsewhere(f) {
  const c = state.channels.get(f.channel);
  if (!c || typeof f.seq !== 'number') return;
  c.unread = Math.max(0, Number(f.unread) || 0);
  c.mentions = Math.max(0, Number(f.mentions) || 0);
  c.read_sent = f.seq;
  if (!c.unread) clearMarker(c.id);
  emit('unread', c.id);
}

// The first unread message of a channel opened with `unread` messages from
// others: counted back from the newest. {id} when found, {more: true} when
// older pages must be loaded first, null when there is none.
export function firstUnread(d, unread) {
  if (!unread) return null;
  let seen = 0;
  for (let i = d.order.length - 1; i >= 0; i--) {
    const m = d.msgs.get(d.order[i]);
    if (m && !isMe(m.author) && ++seen === unread) return { id: m.id };
  }
  return d.moreOlder ? { more: true } : (d.order.length ? { id: d.order[0] } : null);
}
