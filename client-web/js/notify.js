// What asks for my attention: messages that mention me (the unread-mention
// count of each channel) and browser notifications for mentions and direct
// messages while the page is hidden. Channels muted on this device neither
// notify nor show badges. Permission to notify is asked for only when the
// person presses the button in Settings, never on its own.
import { state, on, emit, load, save, addMention, channelLabel } from './state.js';
import * as channels from './channels.js';
import { authorName } from './util.js';

const BODY_CHARS = 140; // of a message shown in a notification

// ---------------------------------------------------------------- preferences

// 'mentions' (mentions and direct messages) or 'off'.
export const preference = () => (load('notify', 'mentions') === 'off' ? 'off' : 'mentions');
export function setPreference(value) {
  save('notify', value === 'off' ? 'off' : 'mentions');
  emit('notify-pref');
}

const api = () => (typeof window.Notification === 'function' ? window.Notification : null);

// 'granted', 'denied', 'default' (not asked yet) or 'unsupported'.
export const permission = () => (api() ? api().permission : 'unsupported');

export async function askPermission() {
  const N = api();
  if (!N) return 'unsupported';
  try {
    await N.requestPermission();
  } catch { /* an old browser's callback form: the permission below says */ }
  emit('notify-pref');
  return N.permission;
}

export const isMuted = (id) => state.muted.has(id);

export function setMuted(id, muted) {
  if (muted) state.muted.add(id); else state.muted.delete(id);
  save('muted', [...state.muted]);
  emit('muted', id);
}

// ---------------------------------------------------------------- mentions

// {"type":"mention","channel","id","by"}: a message mentions me.
export function mention(f) {
  const c = state.channels.get(f.channel);
  // The open channel, on screen with its newest message read: already seen
  // (the message itself came first and counted nothing).
  const seen = c && f.channel === state.current && !document.hidden && !c.unread;
  if (c && !seen) addMention(f.channel);
  const where = c ? channelLabel(c) : 'a channel';
  show({
    channel: f.channel,
    id: f.id,
    title: `${authorName(f.by)} mentioned you in ${where}`,
    body: bodyOf(f.channel, f.id),
  });
}

function bodyOf(chId, id) {
  const m = state.data.get(chId)?.msgs.get(id);
  if (!m || typeof m.body !== 'string') return 'Open Weft to read it.';
  const chars = [...m.body.replace(/\s+/g, ' ').trim()];
  return chars.length > BODY_CHARS ? `${chars.slice(0, BODY_CHARS - 1).join('')}…` : chars.join('');
}

// A live message in a direct message, from someone else.
function directMessage({ id, mine, message }) {
  if (mine || state.syncing || !message) return;
  const c = state.channels.get(id);
  if (!c || c.kind !== 'dm') return;
  const who = authorName(message.author);
  const group = (c.people || []).length > 1;
  const chars = [...String(message.body ?? '').replace(/\s+/g, ' ').trim()];
  show({
    channel: id,
    id: message.id,
    title: group ? `${who} in ${channelLabel(c)}` : who,
    body: chars.length > BODY_CHARS ? `${chars.slice(0, BODY_CHARS - 1).join('')}…` : chars.join(''),
  });
}

// ---------------------------------------------------------------- notifications

const shown = new Set(); // channel:id already notified (a DM that mentions me: once)

function show({ channel, id, title, body }) {
  const N = api();
  if (!N || N.permission !== 'granted' || preference() === 'off') return;
  if (!document.hidden || isMuted(channel)) return;
  const key = `${channel}:${id}`;
  if (shown.has(key)) return;
  shown.add(key);
  if (shown.size > 200) shown.delete(shown.values().next().value);
  let n;
  try {
    n = new N(title, { body, tag: `weft-${key}` });
  } catch {
    return; // some browsers allow notifications only from a service worker
  }
  n.onclick = () => {
    window.focus();
    if (state.channels.has(channel)) channels.go(channel);
    n.close();
  };
}

export function init() {
  on('session', ({ signedIn }) => {
    state.muted = new Set(signedIn ? (load('muted', []) || []).filter((x) => typeof x === 'number') : []);
    shown.clear();
  });
  on('message', directMessage);
}
