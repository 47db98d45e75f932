// The "New messages" line: where a channel opened with unread messages
// starts being new (counted back from the newest by the channel's unread
// count, or from a message marked unread on this device), a button to jump
// to it while it is out of sight, and "Mark as unread" keeping the channel
// unread until it is opened again.
import { $ } from '../dom.js';
import { state, on, emit, limit, channelData } from '../state.js';
import * as convo from '../convo.js';
import * as messages from '../messages.js';
import { flash } from './reveal.js';

let pending = null; // {channel, count, marker, tries}: a line still to place

function place() {
  if (!pending || pending.channel !== state.current) return;
  const d = channelData(pending.channel);
  if (!d.loaded) return;
  const { count, marker } = pending;
  let at = marker ? marker.id : null;
  if (at === null) {
    const r = convo.firstUnread(d, count);
    if (r && r.more && pending.tries < 3) {
      pending.tries++;
      messages.loadOlder(d.id, limit('history_max'));
      return;
    }
    at = r && r.id ? r.id : null;
  }
  pending = null;
  if (at === null) return;
  d.divider = at;
  emit('messages', { id: d.id });
  queueMicrotask(updateJump);
}

// The line's first message, once drawn.
function firstNew(d) {
  const line = d.els.get('divider');
  if (!line || !line.isConnected) return null;
  let el = line.nextElementSibling;
  while (el && !el.matches('article')) el = el.nextElementSibling;
  return { line, msg: el };
}

export function updateJump() {
  const btn = $('jump-unread');
  const d = state.current && state.data.get(state.current);
  const f = d && d.divider && firstNew(d);
  if (!f) { btn.hidden = true; return; }
  const log = $('log');
  btn.hidden = f.line.getBoundingClientRect().bottom > log.getBoundingClientRect().top;
}

function jump() {
  const d = state.data.get(state.current);
  const f = d && firstNew(d);
  $('jump-unread').hidden = true;
  if (f && f.msg) flash(f.msg, { highlight: false });
}

// The view asks before marking the open channel read: not while it was
// just marked unread.
export const holdsRead = (id) => Boolean(state.data.get(id)?.holdRead);

export function init() {
  $('jump-unread').addEventListener('click', jump);
  $('log').addEventListener('scroll', updateJump, { passive: true });
  on('channels', convo.applyMarkers);
  on('current', ({ id, switching }) => {
    if (!switching) return;
    const d = channelData(id);
    const c = state.channels.get(id);
    d.divider = null;
    d.holdRead = false;
    d.els.get('divider')?.remove();
    d.els.delete('divider');
    pending = { channel: id, count: c?.unread || 0, marker: convo.markerFor(id), tries: 0 };
    if (!pending.count && !pending.marker) pending = null;
    place();
    updateJump();
  });
  on('messages', ({ id, latest, older }) => {
    if (id !== state.current) return;
    if (pending && (latest || older)) place();
    updateJump();
  });
}
