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

// A line still to place: {channel, count, marker, more}. `more` says the
// first unread message is older than the pages loaded: the line appears
// when the reader scrolls up to it, or at once with "Jump to new messages"
// (which loads the pages between).
let pending = null;

function place() {
  if (!pending || pending.channel !== state.current) return;
  const d = channelData(pending.channel);
  if (!d.loaded) return;
  const { count, marker } = pending;
  let at = marker ? marker.id : null;
  if (at === null) {
    const r = convo.firstUnread(d, count);
    pending.more = Boolean(r && r.more);
    if (pending.more) return;
    at = r && r.id ? r.id : null;
  }
  pending = null;
  if (at === null) return;
  d.divider = at;
  // Drawn without moving what the reader sees: anchored on the first
  // message in view (as an older page is).
  const log = $('log');
  const top = log.getBoundingClientRect().top;
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
  const seen = !atBottom && [...log.querySelectorAll('article[data-id]')].find((el) => el.getBoundingClientRect().bottom > top);
  emit('messages', seen ? { id: d.id, older: Number(seen.dataset.id) } : { id: d.id });
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
  if (pending && pending.more && pending.channel === state.current) { btn.hidden = false; return; }
  const f = d && d.divider && firstNew(d);
  if (!f) { btn.hidden = true; return; }
  const log = $('log');
  btn.hidden = f.line.getBoundingClientRect().bottom > log.getBoundingClientRect().top;
}

async function jump() {
  const id = state.current;
  // Load back to the first unread message (ten pages at most).
  for (let i = 0; i < 10 && pending && pending.more && pending.channel === id; i++) {
    if (channelData(id).loadingOlder) await new Promise((r) => setTimeout(r, 150));
    else await messages.loadOlder(id, limit('history_max'));
    place();
    if (!channelData(id).moreOlder) break;
  }
  const d = state.data.get(id);
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
    pending = { channel: id, count: c?.unread || 0, marker: convo.markerFor(id), more: false };
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
