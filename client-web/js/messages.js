// A channel's messages from the server: the latest page, older pages as the
// reader scrolls up, the holes a resume could not replay (gap frames), and
// my own edits and deletions.
import { state, emit, limit, channelData, putMessage, removeMessage, updateMessage } from './state.js';
import * as net from './net.js';

const PAGE = 50;

export function loadLatest(id) {
  const d = channelData(id);
  d.loadingP = latest(id, d);
  return d.loadingP;
}

async function latest(id, d) {
  d.loading = true;
  emit('messages', { id });
  let r;
  try {
    r = await net.request({ type: 'history', channel: id, limit: PAGE });
  } catch (e) {
    d.loading = false;
    emit('messages', { id });
    if (id === state.current && e.code !== 'offline') emit('alert', `Couldn’t load messages: ${e.message}`);
    return;
  }
  d.loading = false;
  d.loaded = true;
  for (const m of r.messages || []) putMessage(d, m);
  d.moreOlder = Boolean(r.more);
  emit('messages', { id, latest: true });
}

// The page before the oldest message shown; `older` names that message, so
// the view keeps it where the reader saw it.
export async function loadOlder(id, pageSize = PAGE) {
  const d = channelData(id);
  if (d.loadingOlder || !d.loaded || !d.moreOlder || !d.order.length) return;
  d.loadingOlder = true;
  const oldest = d.order[0];
  emit('messages', { id });
  let r;
  try {
    r = await net.request({ type: 'history', channel: id, before: oldest, limit: pageSize });
  } catch {
    d.loadingOlder = false;
    emit('messages', { id });
    return;
  }
  for (const m of r.messages || []) putMessage(d, m);
  d.moreOlder = Boolean(r.more);
  d.loadingOlder = false;
  emit('messages', { id, older: oldest });
}

// Pages back until message `target` is loaded (a link to it was opened), in
// pages as large as the server allows, at most `pages` of them. Resolves
// with whether it is here.
export async function reach(id, target, pages = 10) {
  const d = channelData(id);
  if (d.loading && d.loadingP) await d.loadingP;
  for (let i = 0; i < pages && !d.msgs.has(target) && d.moreOlder && d.loaded; i++) {
    if (d.loadingOlder) await new Promise((r) => setTimeout(r, 100));
    else await loadOlder(id, limit('history_max'));
    if (state.current !== id) return false;
  }
  return d.msgs.has(target);
}

// The server could not replay everything a channel missed: it says so with a
// gap frame before the replay. Once synced, page forward through history
// from the newest message seen before the gap; if the hole is too big, start
// the channel over from its latest page.
export function gap(f) {
  const d = state.data.get(f.channel);
  if (!d || !d.loaded) return;
  const since = typeof f.since === 'number' ? f.since : state.helloSince;
  let after = 0;
  for (const id of d.order) if (id <= since) after = id;
  d.gap = { after, from: f.from };
}

export async function fillGaps() {
  for (const d of state.data.values()) {
    if (!d.gap) continue;
    const { from } = d.gap;
    let { after } = d.gap;
    d.gap = null;
    let done = false;
    for (let pages = 0; after && pages < 10 && !done; pages++) {
      let r;
      try {
        r = await net.request({ type: 'history', channel: d.id, after, limit: limit('history_max') });
      } catch { return; }
      const ms = r.messages || [];
      for (const m of ms) putMessage(d, m);
      if (!ms.length || !r.more || (from && ms[ms.length - 1].id >= from)) done = true;
      else after = ms[ms.length - 1].id;
    }
    if (!done) {
      state.data.delete(d.id);
      // Too much missed to fill: the channel starts over from its latest page.
      emit('reload', d.id);
    } else {
      emit('messages', { id: d.id, filled: true });
    }
  }
}

// ---------------------------------------------------------------- my edits and deletions

// where: 'log' or 'thread' (a thread's root shows in both; one edits it).
export function startEdit(d, id, where = 'log') {
  d.editing = id;
  d.editingIn = where;
  d.editReturn = null;
  emit('messages', { id: d.id });
}

export function cancelEdit(d) {
  d.editing = null;
  emit('messages', { id: d.id });
}

export async function saveEdit(d, id, body) {
  const max = limit('max_body');
  if ([...body].length > max) throw new Error(`Messages can be at most ${max} characters.`);
  await net.request({ type: 'edit', channel: d.id, id, body });
  d.editing = null;
  updateMessage(d.id, id, (m) => (m.body === body ? m : { ...m, body, edited: m.edited || new Date().toISOString() }));
  emit('messages', { id: d.id });
}

export async function remove(d, id) {
  await net.request({ type: 'delete', channel: d.id, id });
  removeMessage(d.id, id);
}
