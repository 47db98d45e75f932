// A channel's messages from the server: the latest page, older pages as the
// reader scrolls up, a window around a message far back (and the hole up to
// the newer ones), the holes a resume could not replay (gap frames), and my
// own edits and deletions.
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

// A window of history around message `target` (a link or a search result
// further back than paging reaches): the page up to it and the page after
// it, asked with `before` and `after`, beside what is loaded. Between the
// window and the newer messages already here stays a hole (d.hole: ids
// after `after` and before `before` not loaded), which loadNewer fills on
// request. Resolves with whether the target is here.
export async function around(id, target) {
  const d = channelData(id);
  const n = Math.max(1, Math.floor(limit('history_max') / 2));
  let older;
  let newer;
  try {
    [older, newer] = await Promise.all([
      net.request({ type: 'history', channel: id, before: target + 1, limit: n }),
      net.request({ type: 'history', channel: id, after: target, limit: n }),
    ]);
  } catch {
    return false;
  }
  if (state.data.get(id) !== d) return false; // dropped meanwhile (a reload)
  const loadedOldest = d.order.length ? d.order[0] : null;
  for (const m of [...(older.messages || []), ...(newer.messages || [])]) putMessage(d, m);
  const after = newer.messages?.length ? newer.messages[newer.messages.length - 1].id : target;
  if (newer.more && (loadedOldest === null || after < loadedOldest)) {
    d.hole = { after, before: loadedOldest ?? Number.MAX_SAFE_INTEGER };
  }
  d.moreOlder = Boolean(older.more);
  emit('messages', { id });
  return d.msgs.has(target);
}

// Fills the hole around() left, a page at a time from its older side.
export async function loadNewer(id) {
  const d = channelData(id);
  if (!d.hole || d.loadingNewer) return;
  d.loadingNewer = true;
  emit('messages', { id });
  let r;
  try {
    r = await net.request({ type: 'history', channel: id, after: d.hole.after, limit: limit('history_max') });
  } catch {
    d.loadingNewer = false;
    emit('messages', { id });
    return;
  }
  d.loadingNewer = false;
  const ms = r.messages || [];
  for (const m of ms) putMessage(d, m);
  const last = ms.length ? ms[ms.length - 1].id : null;
  d.hole = !d.hole || !r.more || last === null || last >= d.hole.before ? null : { ...d.hole, after: last };
  emit('messages', { id });
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
