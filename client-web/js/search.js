// Message search: asks the server (`search`) and keeps the results of the
// current query, a page at a time (newest first, `before` the last one for
// the next page). The panel that shows them is views/search.js.
import { state, emit, limit } from './state.js';
import * as net from './net.js';

// The query whose results are shown, and where they stand. `seq` tells an
// answer to a query typed over since from the current one.
export const current = {
  q: '', hits: [], channels: new Map(), more: false, loading: false, error: '', done: false, seq: 0,
};

const PAGE = 20;

function reset(q) {
  Object.assign(current, { q, hits: [], channels: new Map(), more: false, loading: false, error: '', done: false });
  current.seq++;
}

async function page(before) {
  const seq = current.seq;
  current.loading = true;
  current.error = '';
  emit('search');
  const req = { type: 'search', q: current.q, limit: Math.min(PAGE, limit('max_search')) };
  if (before) req.before = before;
  let r;
  try {
    r = await net.request(req);
  } catch (e) {
    if (seq !== current.seq) return;
    current.loading = false;
    // bad_request carries the server's own words about the query.
    current.error = e.message || 'Search is unavailable.';
    emit('search');
    return;
  }
  if (seq !== current.seq) return;
  for (const c of r.channels || []) current.channels.set(c.id, c);
  current.hits.push(...(r.messages || []));
  current.more = Boolean(r.more);
  current.loading = false;
  current.done = true;
  emit('search', { appended: Boolean(before) });
}

// Searches for q from the newest message; nothing for an empty q.
export function run(q) {
  const text = q.trim();
  if (text === current.q && (current.loading || current.done)) return;
  reset(text);
  if (!text) { emit('search'); return; }
  if ([...text].length > limit('max_search_query')) {
    current.error = `Searches can be at most ${limit('max_search_query')} characters.`;
    emit('search');
    return;
  }
  page(0);
}

// The next page of the current query.
export function more() {
  if (!current.more || current.loading || !current.hits.length) return;
  page(current.hits[current.hits.length - 1].id);
}

export function clear() {
  reset('');
  emit('search');
}

// A result's snippet as parts [{text, mark}]. The server's snippet_parts
// alternate unmatched and matched text, so a body's own [[ ]] stays text;
// from a server without them, the [[…]] marks of snippet (an unmatched
// [[ or ]] stays text).
export function snippetParts(m) {
  if (Array.isArray(m.snippet_parts)) {
    return m.snippet_parts.map((text, i) => ({ text: String(text), mark: i % 2 === 1 })).filter((p) => p.text);
  }
  const out = [];
  let rest = String(m.snippet ?? m.body ?? '');
  for (;;) {
    const open = rest.indexOf('[[');
    const close = open < 0 ? -1 : rest.indexOf(']]', open + 2);
    if (open < 0 || close < 0) break;
    if (open) out.push({ text: rest.slice(0, open), mark: false });
    out.push({ text: rest.slice(open + 2, close), mark: true });
    rest = rest.slice(close + 2);
  }
  if (rest) out.push({ text: rest, mark: false });
  return out;
}

// The results grouped by channel, in the order each channel first appears
// (its newest result first): [{channel: {id, name, kind, member}, hits}].
export function groups() {
  const byId = new Map();
  for (const m of current.hits) {
    if (!byId.has(m.channel)) {
      const mine = state.channels.get(m.channel);
      const listed = current.channels.get(m.channel) || { id: m.channel, name: `channel ${m.channel}` };
      byId.set(m.channel, { channel: { ...listed, ...(mine || {}), member: Boolean(mine) }, hits: [] });
    }
    byId.get(m.channel).hits.push(m);
  }
  return [...byId.values()];
}
