// Threads: a root message and its replies. The channel's stream keeps only
// roots on screen; a thread opened here is paged from the server (history
// with `thread`) into d.threads, follows live replies, edits and deletions,
// and takes the replies I write through the outbox (same client_id rules as
// the stream, so a reply goes out exactly once). Reply counts come from the
// server's `root` summaries on events, never from counting here.
import { state, emit, channelData, insertId, updateMessage } from './state.js';
import * as net from './net.js';
import * as outbox from './outbox.js';

const PAGE = 50;

export function threadData(chId, rootId) {
  const d = channelData(chId);
  let t = d.threads.get(rootId);
  if (!t) {
    t = { rootId, root: d.msgs.get(rootId) || null, msgs: new Map(), order: [], els: new Map(),
      loaded: false, loading: false, loadingOlder: false, moreOlder: false, gone: false, error: null };
    d.threads.set(rootId, t);
  }
  return t;
}

const changed = (chId, rootId) => emit('thread', { channel: chId, root: rootId });

function putReply(t, m) {
  if (!m || typeof m.id !== 'number' || m.id === t.rootId) return;
  if (!t.msgs.has(m.id)) insertId(t.order, m.id);
  t.msgs.set(m.id, m);
}

// Loads the newest page of a thread. `anyId` may name the root or one of its
// replies (a link to a reply): resolves with the root's id, or null when the
// message is gone or cannot be read.
export async function load(chId, anyId) {
  const d = channelData(chId);
  const known = d.threads.get(anyId);
  if (known && (known.loaded || known.loading)) return anyId;
  const t = known || null;
  if (t) { t.loading = true; t.error = null; changed(chId, anyId); }
  let r;
  try {
    r = await net.request({ type: 'history', channel: chId, thread: anyId, limit: PAGE });
  } catch (e) {
    if (t) {
      t.loading = false;
      if (e.code === 'not_found' || e.code === 'bad_request') t.gone = true; else t.error = e.message;
      changed(chId, anyId);
    }
    return e.code === 'offline' ? anyId : null;
  }
  const [root, ...replies] = r.messages || [];
  if (!root) return null;
  const th = threadData(chId, root.id);
  th.root = d.msgs.get(root.id) ? { ...d.msgs.get(root.id), ...root } : root;
  for (const m of replies) putReply(th, m);
  th.moreOlder = Boolean(r.more);
  th.loaded = true;
  th.loading = false;
  th.gone = false;
  if (t && t !== th) { t.loading = false; d.threads.delete(anyId); }
  changed(chId, root.id);
  return root.id;
}

export async function loadOlder(chId, rootId) {
  const t = channelData(chId).threads.get(rootId);
  if (!t || !t.loaded || t.loadingOlder || !t.moreOlder || !t.order.length) return;
  t.loadingOlder = true;
  const oldest = t.order[0];
  changed(chId, rootId);
  try {
    const r = await net.request({ type: 'history', channel: chId, thread: rootId, before: oldest, limit: PAGE });
    for (const m of (r.messages || []).slice(1)) putReply(t, m);
    t.moreOlder = Boolean(r.more);
  } catch { /* the "Load earlier replies" button stays */ }
  t.loadingOlder = false;
  emit('thread', { channel: chId, root: rootId, older: oldest });
}

// files: uploaded already, for this thread's box (uploads.js).
export function send(chId, rootId, body, files = []) {
  outbox.queue(chId, body, rootId, files);
}

// ---------------------------------------------------------------- from events (sync.js)

// The root's summary after a reply came or went: set, not counted.
export function summary(chId, root) {
  if (!root || typeof root.id !== 'number') return;
  updateMessage(chId, root.id, (m) => (m.reply_count === root.reply_count && m.last_reply === root.last_reply ? m
    : { ...m, reply_count: root.reply_count, last_reply: root.last_reply ?? null, last_reply_ts: root.last_reply_ts ?? null }));
}

// A live (or replayed) reply: into its thread when that thread is open here.
export function reply(chId, m) {
  const d = state.data.get(chId);
  const t = d && d.threads.get(m.thread);
  if (!t || !(t.loaded || t.loading)) return;
  if (m.deleted) return;
  putReply(t, m);
  changed(chId, m.thread);
}

// When the newest reply was written: from the server (last_reply_ts), else
// from the reply itself when this client holds it.
export function replyTime(d, root) {
  if (!root.last_reply) return null;
  if (root.last_reply_ts) return root.last_reply_ts;
  const m = d.msgs.get(root.last_reply) || d.threads.get(root.id)?.msgs.get(root.last_reply);
  return m ? m.ts : null;
}

// Drops threads of a channel no longer on screen but their data (kept small).
export function forget(chId, rootId) {
  const d = state.data.get(chId);
  if (d) d.threads.delete(rootId);
}
