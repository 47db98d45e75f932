// The thread panel: a root message and its replies (older ones on request),
// live; its own message box (textbox "Reply", button "Send reply") that
// sends through the outbox like the channel's, with files attached as in the
// channel (button "Attach to reply", drop, paste); ↑ in an empty box edits
// my last reply. New replies from others are announced politely.
import { h, $ } from '../dom.js';
import { state, on, limit, channelData } from '../state.js';
import * as threads from '../threads.js';
import * as outbox from '../outbox.js';
import * as uploads from '../uploads.js';
import { mount as mountAttach } from './attach.js';
import * as messages from '../messages.js';
import { authorName } from '../util.js';
import * as panel from './sidepanel.js';
import { messageElement, messageVM, pendingVM, reconcile, isAtBottom } from './msglog.js';
import { enableLongPress } from './msgparts.js';
import { enableReactionTips } from './reactions.js';
import { flash } from './reveal.js';

let cur = null; // {channel, root, els, parts: {log, more, box, send, err, status, form, closed}}

const isOpen = (chId, root) => cur && cur.channel === chId && (root === undefined || cur.root === root);

function build() {
  const log = h('div', { class: 'thread-log', tabindex: '-1' });
  const more = h('button', { type: 'button', class: 'btn btn-small btn-secondary thread-more', hidden: true,
    onclick: () => threads.loadOlder(cur.channel, cur.root) }, 'Show earlier replies');
  const status = h('p', { class: 'sr-only', role: 'status' });
  const box = h('textarea', { id: 'reply-input', class: 'composer-input reply-input', rows: '1', placeholder: 'Reply…', 'aria-describedby': 'reply-error' });
  const send = h('button', { type: 'submit', class: 'btn btn-primary', 'aria-label': 'Send reply' }, 'Send');
  const err = h('p', { id: 'reply-error', class: 'form-error', role: 'alert', hidden: true });
  const attach = h('button', { type: 'button', class: 'btn btn-ghost attach-button', 'aria-label': 'Attach to reply', title: 'Attach to reply' },
    h('span', { class: 'attach-glyph', 'aria-hidden': 'true' }));
  const input = h('input', { class: 'sr-only', type: 'file', multiple: true, tabindex: '-1', 'aria-hidden': 'true' });
  const files = h('ul', { class: 'attach-list', 'aria-label': 'Files for the reply', hidden: true });
  const filesStatus = h('p', { class: 'sr-only', role: 'status' });
  const form = h('form', { class: 'composer reply-composer', novalidate: true, onsubmit: (e) => { e.preventDefault(); submit(); } },
    attach, input, h('label', { for: 'reply-input', class: 'sr-only' }, 'Reply'), box, send, files, filesStatus, err);
  const closed = h('p', { class: 'archived-notice', hidden: true }, 'This channel is archived: nobody can reply.');
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) { e.preventDefault(); submit(); }
    if (e.key === 'ArrowUp' && !box.value && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) editLast(e);
  });
  box.addEventListener('input', () => { if (!err.hidden) showError(''); });
  enableLongPress(log);
  enableReactionTips(log);
  return { log, more, box, send, err, status, form, closed, attach, input, files, filesStatus };
}

function showError(text) {
  if (!cur) return;
  cur.parts.err.textContent = text;
  cur.parts.err.hidden = !text;
}

function submit() {
  const { box } = cur.parts;
  const body = box.value;
  const sl = uploads.slot(cur.channel, cur.root);
  if (uploads.busy(sl)) { showError('Wait for the files to finish uploading, or cancel them.'); return; }
  if (!body.trim() && !uploads.ready(sl).length) return;
  const len = [...body].length;
  const max = limit('max_body');
  if (len > max) { showError(`This reply is ${len - max} character${len - max === 1 ? '' : 's'} too long (the limit is ${max}).`); return; }
  showError('');
  box.value = '';
  threads.send(cur.channel, cur.root, body.trim() ? body : '', uploads.take(sl));
}

// ↑ in an empty reply box: edit my newest reply in this thread.
function editLast(e) {
  const t = channelData(cur.channel).threads.get(cur.root);
  if (!t) return;
  for (let i = t.order.length - 1; i >= 0; i--) {
    const m = t.msgs.get(t.order[i]);
    if (m && state.me && m.author?.id === state.me.id) {
      e.preventDefault();
      messages.startEdit(channelData(cur.channel), m.id, 'thread');
      channelData(cur.channel).editReturn = 'reply';
      return;
    }
  }
}

function render({ older } = {}) {
  if (!cur) return;
  const d = channelData(cur.channel);
  const t = threads.threadData(cur.channel, cur.root);
  const { log, more } = cur.parts;
  const view = { d, els: cur.els, inThread: true };
  const bottom = isAtBottom(log);
  const anchor = older ? cur.els.get(`m${older}`) : null;
  const before = anchor ? anchor.getBoundingClientRect().top : 0;
  const wanted = [];
  const line = (key, cls, text) => {
    let el = cur.els.get(key);
    if (!el) { el = h('p', { class: cls }); cur.els.set(key, el); }
    if (el.textContent !== text) el.textContent = text;
    return el;
  };
  if (t.gone) wanted.push(line('gone', 'thread-note', 'This message was deleted.'));
  else if (t.root) wanted.push(messageElement(view, messageVM(d, t.root)));
  else if (t.error) wanted.push(line('error', 'form-error', `Couldn’t load this thread: ${t.error}`));
  else wanted.push(line('loading', 'thread-note', 'Loading the thread…'));
  if (t.root) {
    const n = t.root.reply_count || 0;
    wanted.push(line('count', 'thread-count', n ? (n === 1 ? '1 reply' : `${n} replies`) : 'No replies yet'));
  }
  more.hidden = !(t.loaded && t.moreOlder);
  more.disabled = t.loadingOlder;
  wanted.push(more);
  for (const id of t.order) wanted.push(messageElement(view, messageVM(d, t.msgs.get(id))));
  for (const e of outbox.forThread(cur.channel, cur.root)) wanted.push(messageElement(view, pendingVM(e)));
  reconcile(log, wanted, cur.els);
  log.setAttribute('aria-busy', t.loading || t.loadingOlder ? 'true' : 'false');
  const c = state.channels.get(cur.channel);
  cur.parts.form.hidden = Boolean(c?.archived) || t.gone;
  cur.parts.closed.hidden = !c?.archived;
  if (anchor && anchor.isConnected) log.scrollTop += anchor.getBoundingClientRect().top - before;
  else if (bottom) log.scrollTop = log.scrollHeight;
}

function open({ channel, root, focus, reveal }) {
  if (channel !== state.current || !state.channels.has(channel)) return;
  if (isOpen(channel, root) && panel.kind() === 'thread') {
    if (focus) cur.parts.box.focus();
    if (reveal) revealReply(reveal);
    return;
  }
  const d = channelData(channel);
  const returnTo = document.activeElement;
  const body = panel.show({
    kind: 'thread', label: 'Thread', title: 'Thread',
    onClose: () => { cur?.attachCtl.stop(); cur = null; },
    returnFocus: () => (returnTo && returnTo.isConnected ? returnTo
      : d.els.get(`m${root}`)?.querySelector('.thread-link, .msg-more')),
  });
  cur?.attachCtl.stop(); // another thread was open in the panel
  cur = { channel, root, els: new Map(), parts: build(), reveal: reveal || null };
  const p = cur.parts;
  cur.attachCtl = mountAttach({
    slot: () => (cur ? uploads.slot(cur.channel, cur.root) : null),
    button: p.attach, input: p.input, list: p.files, status: p.filesStatus, box: p.box,
    dropTarget: body, accepts: () => !p.form.hidden,
  });
  body.append(p.log, p.status, p.closed, p.form);
  const t = threads.threadData(channel, root);
  if (!t.root && d.msgs.get(root)) t.root = d.msgs.get(root);
  render();
  cur.parts.log.scrollTop = cur.parts.log.scrollHeight;
  if (!t.loaded && !t.loading) threads.load(channel, root);
  else if (cur.reveal) revealReply(cur.reveal);
  if (focus) cur.parts.box.focus(); else if (!reveal) $('side-title').focus();
}

function revealReply(id) {
  const el = cur && cur.els.get(`m${id}`);
  if (!el) return;
  cur.reveal = null;
  flash(el);
}

function threadChanged({ channel, root, older }) {
  if (!isOpen(channel, root)) return;
  render({ older });
  if (cur.reveal) revealReply(cur.reveal);
}

// A reply from someone else while the thread is open: say so, politely.
function arrived({ id, mine, thread }) {
  if (!thread || mine || !isOpen(id, thread)) return;
  const t = channelData(id).threads.get(thread);
  const last = t && t.msgs.get(t.order[t.order.length - 1]);
  if (last) cur.parts.status.textContent = `New reply from ${authorName(last.author)}.`;
}

export function init() {
  on('panel', (p) => { if (p.kind === 'thread') open(p); });
  on('thread', threadChanged);
  on('messages', ({ id }) => { if (isOpen(id)) render(); });
  on('channel', (id) => { if (isOpen(id)) render(); });
  on('message', arrived);
  on('outbox', ({ channel, thread, queued }) => {
    if (!isOpen(channel, thread)) return;
    render();
    if (queued) cur.parts.log.scrollTop = cur.parts.log.scrollHeight;
  });
  on('conn', () => { if (cur && outbox.forThread(cur.channel, cur.root).length) render(); });
  on('focus', (target) => { if (target === 'reply' && cur) cur.parts.box.focus(); });
}
