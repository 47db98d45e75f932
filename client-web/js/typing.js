// Typing, both ways (ephemeral, never in the log): my keystrokes tell the
// server at most once per SEND_EVERY_MS per channel (it forwards one per
// 3 s anyway), and others' typing frames show for SHOW_FOR_MS unless a new
// frame renews them or their message arrives.
import { state, on, emit, isMe, putUser } from './state.js';
import * as net from './net.js';

const SEND_EVERY_MS = 3000;
const SHOW_FOR_MS = 5000;

let last = { channel: null, at: 0 };

// The person typed in the message box of channel chId.
export function keystroke(chId) {
  const c = state.channels.get(chId);
  if (!c || c.archived || !net.ready()) return;
  const now = Date.now();
  if (last.channel === chId && now - last.at < SEND_EVERY_MS) return;
  last = { channel: chId, at: now };
  net.send({ type: 'typing', channel: chId });
}

// My message went out: the next keystroke is news again.
export function sent() { last = { channel: null, at: 0 }; }

// {"type":"typing","channel","user"}
export function frame(f) {
  if (!f.user || typeof f.user.id !== 'number' || isMe(f.user)) return;
  putUser(f.user);
  let who = state.typing.get(f.channel);
  if (!who) { who = new Map(); state.typing.set(f.channel, who); }
  const fresh = !who.has(f.user.id);
  who.set(f.user.id, Date.now() + SHOW_FOR_MS);
  if (fresh) emit('typing', f.channel);
  schedule();
}

function stop(chId, userId) {
  const who = state.typing.get(chId);
  if (!who || !who.delete(userId)) return;
  if (!who.size) state.typing.delete(chId);
  emit('typing', chId);
}

let timer = null;
function schedule() {
  clearTimeout(timer);
  let next = Infinity;
  for (const who of state.typing.values()) for (const until of who.values()) next = Math.min(next, until);
  if (next !== Infinity) timer = setTimeout(expire, Math.max(0, next - Date.now()) + 20);
}

function expire() {
  const now = Date.now();
  for (const [chId, who] of [...state.typing]) {
    for (const [id, until] of [...who]) if (until <= now) stop(chId, id);
  }
  schedule();
}

// Those typing in channel chId, in the order they started.
export const typists = (chId) => [...(state.typing.get(chId)?.keys() || [])].map((id) => state.people.get(id) || { id });

export function init() {
  // Their message arrived: they are done typing it.
  on('message', ({ id, message }) => { if (message?.author) stop(id, message.author.id); });
  on('session', ({ signedIn }) => { if (!signedIn) { state.typing.clear(); clearTimeout(timer); sent(); } });
  on('conn', (s) => { if (s !== 'live') { for (const id of [...state.typing.keys()]) { state.typing.delete(id); emit('typing', id); } } });
}
