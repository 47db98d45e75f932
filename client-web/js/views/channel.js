// The open channel's message log: draws the model's messages and pending
// sends, keeps the reader's place (per channel, while older pages load, as
// new messages arrive), and marks the channel read once its newest message
// is in view.
import { $, clear } from '../dom.js';
import { state, on, emit, channelData, channelName, addUnread } from '../state.js';
import * as channels from '../channels.js';
import * as messages from '../messages.js';
import * as outbox from '../outbox.js';
import { renderLog, isAtBottom, refreshTimes } from './msglog.js';
import { enableLongPress } from './msgparts.js';
import { enableReactionTips } from './reactions.js';
import { holdsRead } from './unread.js';
import { clearMarker } from '../convo.js';

const logEl = () => $('log');

function render() {
  if (!state.current) return;
  const d = channelData(state.current);
  const el = logEl();
  el.setAttribute('aria-busy', d.loading || d.loadingOlder ? 'true' : 'false');
  renderLog(el, d);
}

function scrollToBottom() {
  const el = logEl();
  el.scrollTop = el.scrollHeight;
  $('jump-latest').hidden = true;
}

// Keep loading older pages until the log can scroll (so scrolling up works).
function fillViewport(id) {
  const el = logEl();
  const d = channelData(id);
  if (id === state.current && d.moreOlder && el.scrollHeight <= el.clientHeight + 8) messages.loadOlder(id);
}

let readTimer = null;
function markRead() {
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    if (document.hidden || !isAtBottom(logEl()) || holdsRead(state.current)) return;
    channels.markRead();
    clearMarker(state.current);
  }, 300);
}

function setLabel() {
  const c = state.channels.get(state.current);
  if (c) logEl().setAttribute('aria-label', c.kind === 'dm' ? `Messages with ${channelName(c)}` : `Messages in #${channelName(c)}`);
}

function leaving(prev) {
  const d = state.data.get(prev);
  const el = logEl();
  if (d) d.scroll = isAtBottom(el) ? null : el.scrollTop;
}

function draw({ id, switching }) {
  const el = logEl();
  const d = channelData(id);
  setLabel();
  if (switching) {
    clear(el);
    $('jump-latest').hidden = true;
  }
  render();
  if (switching) {
    if (d.scroll === null || d.scroll === undefined) scrollToBottom(); else el.scrollTop = d.scroll;
  }
  markRead();
}

// Anchor on the body of the message that was oldest on screen, so the view
// stays put while the page above it appears.
function olderPage(id, oldest) {
  const el = logEl();
  const d = channelData(id);
  const a = d.els.get(`m${oldest}`)?.querySelector('.msg-body') || d.els.get(`m${oldest}`);
  const offsetOf = (x) => (x ? x.getBoundingClientRect().top - el.getBoundingClientRect().top : 0);
  const before = offsetOf(a);
  render();
  if (a && a.isConnected) el.scrollTop += offsetOf(a) - before;
  fillViewport(id);
}

function messagesChanged({ id, latest, older }) {
  if (id !== state.current) return;
  if (older) { olderPage(id, older); return; }
  const bottom = isAtBottom(logEl());
  render();
  if (latest) {
    scrollToBottom();
    markRead();
    fillViewport(id);
  } else if (bottom) {
    // A reader at the bottom stays there (a gap filled, a reaction added).
    scrollToBottom();
  }
}

// A live message: follow it when the reader was at the bottom; otherwise it
// counts as unread and the "New messages below" button offers the way down.
function arrived({ id, mine, thread }) {
  if (id !== state.current) return;
  // A reply shows in its thread; here only its root's count changes.
  if (thread) { messagesChanged({ id }); return; }
  const wasBottom = isAtBottom(logEl());
  if (!state.syncing && !mine && (!wasBottom || document.hidden)) addUnread(id);
  render();
  if (wasBottom || mine) scrollToBottom();
  else $('jump-latest').hidden = false;
  markRead();
}

function outboxChanged({ channel, thread, queued, settled }) {
  if (channel !== state.current || thread) return;
  const bottom = isAtBottom(logEl());
  render();
  if (queued || (settled && bottom)) scrollToBottom();
  if (settled) markRead();
}

// ↑ in the empty message box edits my newest message here.
function editLast(e) {
  const input = $('composer-input');
  if (e.key !== 'ArrowUp' || input.value || e.shiftKey || e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
  const d = state.current && state.data.get(state.current);
  if (!d || state.channels.get(d.id)?.archived) return;
  for (let i = d.order.length - 1; i >= 0; i--) {
    const m = d.msgs.get(d.order[i]);
    if (m && !m.thread && state.me && m.author?.id === state.me.id) {
      e.preventDefault();
      messages.startEdit(d, m.id);
      d.editReturn = 'composer';
      return;
    }
  }
}

export function init() {
  enableLongPress(logEl());
  enableReactionTips(logEl());
  $('composer-input').addEventListener('keydown', editLast);
  logEl().addEventListener('scroll', () => {
    if (!state.current) return;
    if (logEl().scrollTop < 200) messages.loadOlder(state.current);
    if (isAtBottom(logEl())) { $('jump-latest').hidden = true; markRead(); }
  }, { passive: true });
  $('jump-latest').addEventListener('click', () => { scrollToBottom(); markRead(); emit('focus', 'composer'); });
  document.addEventListener('visibilitychange', () => { if (!document.hidden) markRead(); });
  setInterval(() => { if (state.current) refreshTimes(logEl()); }, 30000);
  on('session', ({ signedIn }) => { if (!signedIn) clear(logEl()); });
  on('leaving', leaving);
  on('current', draw);
  on('channel', (id) => { if (id === state.current) { setLabel(); render(); } });
  on('label', (id) => { if (id === state.current) setLabel(); });
  on('messages', messagesChanged);
  on('message', arrived);
  on('outbox', outboxChanged);
  // Pending messages say whether they are waiting for the connection.
  on('conn', () => { if (state.current && outbox.forChannel(state.current).length) render(); });
  on('focus', (target) => { if (target === 'log') logEl().focus(); });
}
