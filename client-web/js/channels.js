// Which channel is open and which channels I am in: routing (#/c/ID), joining
// and leaving, the channel list from the server, the names of direct
// messages, join requests waiting for a moderator, and read markers.
import {
  state, on, emit, save, savePendingJoins, channelData, upsertChannel, sortedChannels, clearUnread, limit,
} from './state.js';
import * as net from './net.js';
import * as messages from './messages.js';
import * as people from './people.js';
import { authorName, isPendingFlag, isModerator } from './util.js';

// A channel whose loaded messages were dropped opens again from its latest page.
on('reload', (id) => { if (id === state.current) open(id, { keepFocus: true }); });

// ---------------------------------------------------------------- routing

// #/c/ID, or a link to one of its messages: #/c/ID/m/MSG (permalink.js).
export function routeChannel() {
  const m = /^#\/c\/(\d+)(?:\/m\/\d+)?$/.exec(location.hash);
  return m ? Number(m[1]) : null;
}

export function go(id, { replace = false } = {}) {
  const hash = `#/c/${id}`;
  if (location.hash === hash) { open(id); return; }
  if (replace) { history.replaceState(null, '', hash); open(id); } else location.hash = hash;
}

export function onHashChange() {
  const id = routeChannel();
  if (!state.me) return;
  if (id && state.channels.has(id)) open(id);
  else if (id && net.current() && !net.ready()) state.wantChannel = id;
}

export function open(id, { keepFocus = false } = {}) {
  const c = state.channels.get(id);
  if (!c) { emit('empty'); return; }
  const prev = state.current;
  if (prev && prev !== id) emit('leaving', prev);
  const switching = prev !== id;
  state.current = id;
  save('channel', id);
  const d = channelData(id);
  emit('current', { id, prev, switching, keepFocus });
  if (!d.loaded && !d.loading && net.ready()) messages.loadLatest(id);
  if (switching) loadRequesters(c);
  emit('opened', { id, keepFocus });
}

// Marks the open channel read up to its newest message (the view calls this
// once the reader is at the bottom of the log).
export function markRead() {
  const c = state.channels.get(state.current);
  if (!c || !net.ready()) return;
  const d = channelData(c.id);
  const seq = Math.max(c.last_seq || 0, d.order.length ? d.order[d.order.length - 1] : 0);
  clearUnread(c.id);
  if (!seq || seq <= (c.read_sent || 0)) return;
  c.read_sent = seq;
  net.send({ type: 'read', channel: c.id, seq });
}

// My channels in the order the channel list shows them: by kind, then by
// name, archived ones last in their kind.
export const NAV_KINDS = ['caucus', 'cohort', 'team', 'dm'];
export function navOrder() {
  const all = sortedChannels();
  const out = [];
  for (const kind of NAV_KINDS) {
    const mine = all.filter((c) => (c.kind || 'cohort') === kind);
    out.push(...mine.filter((c) => !c.archived), ...mine.filter((c) => c.archived));
  }
  return out;
}

// The channel n steps from the open one in that order (wrapping around).
export function step(n) {
  const list = navOrder();
  if (!list.length) return;
  const i = list.findIndex((c) => c.id === state.current);
  const next = list[((i === -1 ? 0 : i + n) % list.length + list.length) % list.length];
  if (next && next.id !== state.current) go(next.id);
}

// ---------------------------------------------------------------- joining and leaving

// I joined or opened a channel (a dialog, an approval, an invitation).
export function add(c, openIt = true) {
  upsertChannel(c);
  if (c.kind === 'dm' && !c.display) labelDms();
  state.pendingJoins.delete(c.id);
  savePendingJoins();
  emit('channels');
  if (openIt) go(c.id);
}

export function markPending(c) {
  state.pendingJoins.set(c.id, { id: c.id, name: c.name, kind: c.kind });
  savePendingJoins();
  emit('channels');
}

export async function acceptInvite(c) {
  const r = await net.request({ type: 'channel.join', channel: c.id });
  add(r.type === 'channel' && r.channel ? r.channel : { ...c, role: 'member' });
}

export async function leave(c) {
  await net.request({ type: 'channel.leave', channel: c.id });
  left(c.id);
}

export function left(chId) {
  state.channels.delete(chId);
  dmLabelAsked.delete(chId); // back in it one day, it needs its name again
  state.data.delete(chId);
  emit('channels');
  if (state.current === chId) {
    state.current = null;
    const next = sortedChannels()[0];
    if (next) go(next.id, { replace: true }); else { emit('empty'); history.replaceState(null, '', location.pathname); }
  }
}

// A channel's own fields changed by a request of mine (its event follows).
export function update(info) {
  if (!state.channels.has(info.id)) return;
  upsertChannel(info);
  emit('channel', info.id);
}

// ---------------------------------------------------------------- from the server

// Every page of my channels, pending requests and invitations (channel.list
// `mine`), following `more`; a server that does not page answers every
// channel at once, without `more`, which comes to the same here.
async function listMine() {
  const out = [];
  let after = 0;
  for (;;) {
    const r = await net.request({ type: 'channel.list', mine: true, after, limit: limit('max_channel_page') });
    const page = r.channels || [];
    out.push(...page);
    if (!r.more || !page.length) return out;
    after = page[page.length - 1].id;
  }
}

export async function refresh() {
  if (!net.ready()) return;
  let listed;
  try { listed = await listMine(); } catch { return; }
  state.listed = new Map(listed.map((c) => [c.id, c]));
  let changed = false;
  for (const c of listed) {
    if (c.role) {
      if (!state.channels.has(c.id)) changed = true;
      const old = state.channels.get(c.id);
      // Keep locally counted unread numbers and mentions; the list may be
      // older than live events and read markers.
      upsertChannel(old ? { ...c, unread: old.unread, mentions: old.mentions ?? c.mentions, last_seq: Math.max(old.last_seq || 0, c.last_seq || 0) } : c);
      if (state.pendingJoins.delete(c.id)) { changed = true; savePendingJoins(); }
    } else if (isPendingFlag(c) && !state.pendingJoins.has(c.id)) {
      state.pendingJoins.set(c.id, { id: c.id, name: c.name, kind: c.kind });
      changed = true;
    }
  }
  emit('channels');
  if (changed) labelDms();
  if (changed && state.wantChannel && state.channels.has(state.wantChannel)) { go(state.wantChannel); state.wantChannel = null; }
}

// While a join request is pending, look for its approval now and then (the
// join event covers the live case; this covers approvals missed meanwhile).
export function refreshWhilePending() {
  if (state.pendingJoins.size) refresh();
}

// DM channel objects carry no names; label them with the other people in
// them (those who left too: the conversation is still with them).
const dmLabelAsked = new Set();
export async function labelDms() {
  for (const c of state.channels.values()) {
    if (c.kind !== 'dm' || c.display || dmLabelAsked.has(c.id) || !net.ready()) continue;
    dmLabelAsked.add(c.id);
    try {
      await people.members(c.id);
      const others = people.dmOthers(c.id);
      const label = others.map((m) => authorName(m)).join(', ') || authorName(state.me);
      const cur = state.channels.get(c.id);
      if (cur) cur.display = label;
      emit('label', c.id);
    } catch {
      dmLabelAsked.delete(c.id);
    }
  }
}

export function setRequesters(id, userIds) {
  const c = state.channels.get(id);
  if (!c) return;
  c.requesters = new Set(userIds);
  emit('requests', id);
}

export const requestUserId = (x) => (typeof x.user === 'object' && x.user ? x.user.id : x.user);

export async function loadRequesters(c) {
  if (!isModerator(c) || c.access !== 'request' || !net.ready()) return;
  try {
    const r = await net.request({ type: 'channel.requests', channel: c.id });
    setRequesters(c.id, (r.requests || []).map(requestUserId));
  } catch { /* not supported: the button still opens the dialog, which explains */ }
}
