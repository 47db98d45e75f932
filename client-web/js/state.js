// The client's model: who I am, the server's limits, my channels and those I
// may join, each channel's messages, unread counts, the open channel and the
// resume cursor. Controllers (session, sync, messages, channels, outbox)
// change it and announce each change with emit(kind, detail); views read it
// and subscribe with on(kind, fn), and write only what they alone can tell
// (a message the reader has not scrolled to is unread). Views never call
// each other: what one view wants from another (focus, a line of error)
// also goes through here.
//
// Change kinds and their detail:
//   session {signedIn, notice}   signed in, or out (notice: why, for the sign-in page)
//   me                           my own user object changed (welcome)
//   conn state                   connecting | live | offline
//   channels                     the channel list, invitations or pending requests changed
//   channel id                   a channel's own fields or my role in it changed
//   label id                     a direct message got its name (the people in it)
//   members id                   someone joined, left or changed role
//   requests id                  the count of join requests waiting changed
//   removed id                   I am no longer in that channel
//   unread id                    its unread or mention count changed
//   leaving id                   the open channel is about to change (its place is saved)
//   current {id, prev, switching, keepFocus}   a channel is being opened: draw it
//   opened {id, keepFocus}       it is on screen and loading (focus settles here)
//   empty                        no channel to show
//   messages {id, latest, older, filled}       a channel's messages changed
//   reload id                    its messages were dropped (a gap too large to fill): load them again
//   message {id, mine, thread, message}   a live message arrived
//   outbox {channel, queued, settled}          a pending send changed
//   notice text | {text, action: {label, run}}   an announcement (one with an action stays)
//   show-requests id             open the join requests of that channel
//   alert text                   a problem to show by the message box
//   focus 'composer' | 'log'     where the keyboard should go next
//   thread {channel, root}       a thread's replies, or its root, changed
//   pins id                      a channel's pinned messages changed
//   panel {kind, ...}            open a side panel (thread, pins); kind null closes it
//   reveal {channel, id}         scroll to a message and highlight it (a link to it was opened)
//   people [ids]                 what is known of these people changed (name, profile, online)
//   typing id                    who is typing in that channel changed
//   muted id                     I muted or unmuted that channel (on this device)
//   profile user                 show this person's profile card
//   open-settings                show my own settings
//   notify-pref                  my notification preference or the browser's permission changed
//   search {appended?}           the message search's results changed (search.js)
//   attachments channel          files waiting in the composer changed (uploads.js)
//   files channel                the channel's resource library (Files panel) changed

// The server announces its limits in welcome.limits. These stand in only
// until it has (the sign-up page is shown before any connection).
export const DEFAULT_LIMITS = Object.freeze({
  max_body: 4000,
  max_name: 64,
  history_max: 200,
  max_topic: 250,
  max_note: 500,
  min_password: 10,
  max_display: 64,
  max_profile: 80,
  max_username: 32,
  max_channel_page: 500,
  max_dm_members: 8,
  max_query: 64,
  max_search: 50,
  max_search_query: 256,
  // Not announced by the server yet (it follows at most 500 per connection).
  max_watch: 500,
  max_mention_all: 500,
  max_file: 26214400,
  max_files: 10,
  max_file_name: 255,
  // Weaving (issue 17).
  max_bio: 500,
  max_pronouns: 40,
  max_focus: 10,
  max_tag: 40,
  max_find_page: 100,
});

export const state = {
  me: null,
  limits: { ...DEFAULT_LIMITS },
  channels: new Map(), // id -> channel object (channels I belong to)
  listed: new Map(), // id -> channel object from channel.list (includes joinable)
  pendingJoins: new Map(), // id -> {id, name, kind} join requests I filed
  data: new Map(), // id -> per-channel message data
  current: null,
  wantChannel: null, // the channel to open once the connection is ready
  wantMessage: null, // {channel, id}: a link to a message, shown once its channel is open
  lastSeq: 0,
  helloSince: 0,
  syncing: false,
  closeReason: null,
  people: new Map(), // user id -> {id, name, display, jurisdiction?, region?, title?, online?}
  members: new Map(), // channel id -> [{id, role}] as channel.members last said
  typing: new Map(), // channel id -> Map(user id -> expiry time in ms)
  muted: new Set(), // channel ids muted on this device
};

export const limit = (name) => state.limits[name] ?? DEFAULT_LIMITS[name];

export function setLimits(limits) {
  if (limits && typeof limits === 'object') state.limits = { ...DEFAULT_LIMITS, ...limits };
}

// ---------------------------------------------------------------- changes

const listeners = new Map();

// Returns an unsubscribe function.
export function on(kind, fn) {
  if (!listeners.has(kind)) listeners.set(kind, new Set());
  listeners.get(kind).add(fn);
  return () => listeners.get(kind).delete(fn);
}

export function emit(kind, detail) {
  for (const fn of [...(listeners.get(kind) || [])]) {
    // One failing subscriber must not keep the others from hearing the change.
    try { fn(detail); } catch (e) { setTimeout(() => { throw e; }); }
  }
}

// ---------------------------------------------------------------- per-user storage

// The resume cursor, unsent messages, pending requests and the open channel.
const key = (what) => `weft:${what}:${state.me ? state.me.id : 'anon'}`;

export function load(what, fallback) {
  try {
    const v = localStorage.getItem(key(what));
    return v === null ? fallback : JSON.parse(v);
  } catch { return fallback; }
}

export function save(what, value) {
  try { localStorage.setItem(key(what), JSON.stringify(value)); } catch { /* storage full or disabled */ }
}

export function forget(...whats) {
  for (const what of whats) {
    try { localStorage.removeItem(key(what)); } catch { /* ignore */ }
  }
}

let seqSaveTimer = null;
export function flushSeq() {
  if (seqSaveTimer === null) return;
  clearTimeout(seqSaveTimer);
  seqSaveTimer = null;
  if (state.me) save('seq', state.lastSeq);
}

export function dropSeqSave() {
  clearTimeout(seqSaveTimer);
  seqSaveTimer = null;
}

export function bumpSeq(seq) {
  if (typeof seq !== 'number' || seq < 0 || seq <= state.lastSeq) return;
  state.lastSeq = seq;
  clearTimeout(seqSaveTimer);
  seqSaveTimer = setTimeout(flushSeq, 250);
}

export function savePendingJoins() { save('pending', [...state.pendingJoins.values()]); }

// ---------------------------------------------------------------- people and channels

export const isMe = (a) => Boolean(a && state.me && a.id === state.me.id);
export const meAuthor = () => ({ id: state.me.id, name: state.me.name, display: state.me.display });

export function channelName(c) {
  return c.display || c.title || c.name || `channel ${c.id}`;
}

// "#lobby", or a direct message's people, as notices name a channel.
export function channelLabel(c) {
  return c.kind === 'dm' ? channelName(c) : `#${channelName(c)}`;
}

export function sortedChannels() {
  return [...state.channels.values()].sort((a, b) => channelName(a).localeCompare(channelName(b)));
}

// A channel object from the server merged over what is known (a DM keeps its label).
export function merged(old, c) {
  return { ...old, ...c, display: c.display || old.display };
}

export function upsertChannel(c) {
  state.channels.set(c.id, merged(state.channels.get(c.id) || {}, c));
}

export function addUnread(id) {
  const c = state.channels.get(id);
  if (!c) return;
  c.unread = (c.unread || 0) + 1;
  emit('unread', id);
}

export function clearUnread(id) {
  const c = state.channels.get(id);
  if (!c || (!c.unread && !c.mentions)) return;
  c.unread = 0;
  c.mentions = 0;
  emit('unread', id);
}

// A message that mentions me arrived in a channel I have not read.
export function addMention(id) {
  const c = state.channels.get(id);
  if (!c) return;
  c.mentions = (c.mentions || 0) + 1;
  emit('unread', id);
}

// What is known of a person, merged over what was known; returns it.
export function putUser(u) {
  if (!u || typeof u.id !== 'number') return null;
  const old = state.people.get(u.id) || {};
  const now = { ...old, ...u };
  if (!u.display && old.display) now.display = old.display;
  state.people.set(u.id, now);
  return now;
}

// ---------------------------------------------------------------- messages

export function channelData(id) {
  let d = state.data.get(id);
  if (!d) {
    d = { id, msgs: new Map(), order: [], deleted: new Set(), els: new Map(), loaded: false, loading: false,
      loadingOlder: false, moreOlder: true, editing: null, scroll: null,
      // Threads opened here (root id -> thread data, see threads.js), join
      // and leave lines seen live (seq -> {kind, user, by, ts}), pinned
      // messages once asked for (null until then), and the first unread
      // message shown by the "New messages" line.
      threads: new Map(), sys: new Map(), pins: null, divider: null };
    state.data.set(id, d);
  }
  return d;
}

export function insertId(order, id) {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (order[mid] < id) lo = mid + 1; else hi = mid;
  }
  if (order[lo] !== id) order.splice(lo, 0, id);
}

export function putMessage(d, m) {
  if (!m || typeof m.id !== 'number' || d.deleted.has(m.id)) return false;
  const had = d.msgs.has(m.id);
  d.msgs.set(m.id, m);
  if (!had) insertId(d.order, m.id);
  return !had;
}

// Replaces a message wherever this channel holds it (its stream, the
// threads open here, its pins) with fn(message), and announces the change.
export function updateMessage(chId, id, fn) {
  const d = state.data.get(chId);
  if (!d) return;
  let changed = false;
  const roots = [];
  const swap = (map) => {
    const m = map.get(id);
    if (!m) return false;
    const next = fn(m);
    if (next && next !== m) { map.set(id, next); changed = true; return true; }
    return false;
  };
  swap(d.msgs);
  for (const t of d.threads.values()) {
    if (t.root && t.root.id === id) {
      const next = fn(t.root);
      if (next && next !== t.root) { t.root = next; changed = true; roots.push(t.root.id); }
    } else if (swap(t.msgs)) roots.push(t.rootId);
  }
  if (d.pins && swap(d.pins)) emit('pins', chId);
  if (!changed) return;
  emit('messages', { id: chId });
  for (const root of roots) emit('thread', { channel: chId, root });
}

export function removeMessage(chId, id) {
  const d = state.data.get(chId);
  if (!d || typeof id !== 'number') return;
  d.deleted.add(id);
  if (d.msgs.delete(id)) {
    const i = d.order.indexOf(id);
    if (i !== -1) d.order.splice(i, 1);
  }
  if (d.editing === id) d.editing = null;
  for (const t of d.threads.values()) {
    if (t.rootId === id) {
      t.root = null;
      t.gone = true;
      emit('thread', { channel: chId, root: t.rootId });
    } else if (t.msgs.delete(id)) {
      t.order = t.order.filter((x) => x !== id);
      emit('thread', { channel: chId, root: t.rootId });
    }
  }
  if (d.pins && d.pins.delete(id)) emit('pins', chId);
  emit('messages', { id: chId });
}
