// The offline outbox: messages written but not yet acknowledged. Each entry
// keeps its client_id from the moment it is written, so a send repeated after
// a reconnect or a reload is recognised by the server and happens once. The
// entries are saved per user and survive a reload or an expired session.
import { state, emit, load, save, putMessage, meAuthor } from './state.js';
import * as net from './net.js';
import * as stage from './stage.js';

let entries = []; // {client_id, channel, body, created, thread?, files?, failed?}
let done = new Set(); // client_ids delivered or discarded (for the shared outbox)

export const all = () => entries;
// The channel's own stream, and a thread's replies (thread: its root's id).
export const forChannel = (ch) => entries.filter((e) => e.channel === ch && !e.thread);
export const forThread = (ch, root) => entries.filter((e) => e.channel === ch && e.thread === root);

export function restore() {
  entries = (load('outbox', []) || []).filter((e) => e && e.client_id && e.channel && typeof e.body === 'string');
}

export function reset() {
  entries = [];
  done = new Set();
}

// Another tab of the same person may share this storage: keep its unsent
// entries (unless this tab saw them delivered) instead of overwriting them.
function persist() {
  const mine = entries.map(({ client_id, channel, body, created, thread, files, failed }) => ({ client_id, channel, body, created, thread, files, failed }));
  const known = new Set(mine.map((e) => e.client_id));
  const stored = load('outbox', []);
  const others = Array.isArray(stored) ? stored.filter((e) => e && !known.has(e.client_id) && !done.has(e.client_id)) : [];
  save('outbox', mine.concat(others));
}

function doneWith(clientId) {
  done.add(clientId);
  if (done.size > 5000) done = new Set([...done].slice(-1000));
}

function drop(e) {
  doneWith(e.client_id);
  entries = entries.filter((x) => x !== e);
  persist();
}

// My own message came back as an event: its pending send is settled.
export function delivered(clientId) {
  doneWith(clientId);
  const e = entries.find((x) => x.client_id === clientId);
  if (e) drop(e);
}

// files: [{id, name, size, type}] uploaded already (uploads.js).
export function queue(channel, body, thread = null, files = []) {
  const e = { client_id: `c-${crypto.randomUUID()}`, channel, body, created: new Date().toISOString() };
  if (thread) e.thread = thread;
  if (files.length) e.files = files;
  entries.push(e);
  persist();
  emit('outbox', { channel, thread: e.thread, queued: true });
  sendEntry(e);
}

export function retry(e) {
  delete e.failed;
  persist();
  emit('outbox', { channel: e.channel, thread: e.thread });
  sendEntry(e);
}

export function discard(e) {
  drop(e);
  emit('outbox', { channel: e.channel, thread: e.thread });
}

export function flush() {
  for (const e of entries) if (!e.failed && !e.inflight) sendEntry(e);
}

async function sendEntry(e) {
  if (!net.ready() || e.inflight) return;
  e.inflight = true;
  try {
    const req = { type: 'send', channel: e.channel, client_id: e.client_id };
    if (e.body) req.body = e.body;
    if (e.thread) req.thread = e.thread;
    if (e.files?.length) req.files = e.files.map((f) => f.id);
    const ack = await net.request(req);
    e.inflight = false;
    settle(e, ack);
  } catch (err) {
    e.inflight = false;
    if (!entries.includes(e)) return; // settled by its event meanwhile
    if (err.code === 'offline') return; // goes out again after reconnect, same client_id
    if (err.code === 'timeout' || err.code === 'unavailable' || err.code === 'internal') {
      setTimeout(() => sendEntry(e), 3000);
      return;
    }
    if (err.code === 'rate_limited') {
      const wait = Math.max(200, err.frame?.retry_after_ms || 1000);
      // Slow mode (issue 15): the composer counts down until it goes out.
      if (/^slow mode/.test(err.message || '')) emit('slow', { channel: e.channel, until: Date.now() + wait });
      setTimeout(() => sendEntry(e), wait);
      return;
    }
    if (err.code === 'forbidden') stage.learnMute(e.channel, err.message);
    e.failed = err.message || err.code;
    persist();
    emit('outbox', { channel: e.channel, thread: e.thread });
  }
}

function settle(e, ack) {
  drop(e);
  const d = state.data.get(e.channel);
  if (d && (d.loaded || d.loading) && typeof ack.id === 'number' && !d.msgs.has(ack.id)) {
    putMessage(d, { id: ack.id, channel: e.channel, author: meAuthor(), body: e.body, client_id: e.client_id,
      ts: ack.ts || new Date().toISOString(), edited: null, thread: e.thread || null, files: e.files || [] });
  }
  const c = state.channels.get(e.channel);
  if (c && typeof ack.id === 'number' && ack.id > (c.last_seq || 0)) c.last_seq = ack.id;
  emit('outbox', { channel: e.channel, thread: e.thread, settled: true });
}
