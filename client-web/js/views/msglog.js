// Renders one channel's messages into the role="log" element. Elements are
// keyed and reused: a pending send becomes its acknowledged message in the
// same element, and older pages are inserted above without disturbing the
// elements already on screen.
import { h, clear } from '../dom.js';
import { renderBody } from '../format.js';
import { formatTime, formatFull, formatDay, sameDay, isRecent } from '../timefmt.js';
import { confirmDialog } from '../dialog.js';
import { state, emit, isMe, meAuthor, channelName } from '../state.js';
import * as net from '../net.js';
import * as outbox from '../outbox.js';
import * as messages from '../messages.js';
import { authorName } from '../util.js';
import { replyTime } from '../threads.js';
import { namesVersion } from '../convo.js';
import { messageTools, threadSummary, pinnedMark, confidentialMark, memberLine, newMessagesLine } from './msgparts.js';
import { reactionsRow } from './reactions.js';
import { messageItems } from './items.js';
import { itemsVersion } from '../items.js';
import { mentionsIn } from '../mentions.js';
import { authorButton } from './person.js';
import { messageFiles } from './filecards.js';

const GROUP_WINDOW_MS = 5 * 60e3;

// "#lobby", "your conversation with Ana", as the top of the log names it.
function channelPhrase(id) {
  const c = state.channels.get(id);
  if (!c) return 'this channel';
  return c.kind === 'dm' ? `your conversation with ${channelName(c)}` : `#${c.name}`;
}

// A confirmed message's view model (also for the thread panel).
export function messageVM(d, m) {
  return { key: `m${m.id}`, id: m.id, author: m.author, body: m.body, ts: m.ts, edited: m.edited, client_id: m.client_id,
    mine: isMe(m.author), thread: m.thread || null, reactions: m.reactions || [], pinned: Boolean(m.pinned),
    files: m.files || [], reply_count: m.reply_count || 0, last_reply: m.last_reply || null, lastReplyTs: m.reply_count ? replyTime(d, m) : null,
    confidential: Boolean(m.confidential) };
}

// A send still in the outbox.
export function pendingVM(e) {
  return { key: `p${e.client_id}`, id: null, author: meAuthor(), body: e.body, ts: e.created, edited: null,
    client_id: e.client_id, mine: true, pending: !e.failed, failed: e.failed || null, entry: e, thread: e.thread || null,
    reactions: [], pinned: false, files: e.files || [], reply_count: 0 };
}

// View models: confirmed messages first (by id), with the joined and left
// lines among them, then this channel's outbox. Replies live in their
// thread's panel: under its root the stream shows how many there are.
function viewModels(d) {
  const out = [];
  const sys = [...d.sys.keys()].sort((a, b) => a - b);
  let s = 0;
  let hole = Boolean(d.hole);
  for (const id of d.order) {
    while (s < sys.length && sys[s] < id) out.push({ sys: d.sys.get(sys[s++]) });
    if (hole && id > d.hole.after) { out.push({ hole: true }); hole = false; }
    const m = d.msgs.get(id);
    if (!m.thread) out.push(messageVM(d, m));
  }
  while (s < sys.length) out.push({ sys: d.sys.get(sys[s++]) });
  if (hole) out.push({ hole: true });
  for (const e of outbox.forChannel(d.id)) out.push(pendingVM(e));
  return out;
}

export function isAtBottom(el) {
  return el.scrollHeight - el.scrollTop - el.clientHeight < 48;
}

// The line above the first message: the beginning of the channel, or none yet.
function topLine(d, count) {
  if (count) return `This is the beginning of ${channelPhrase(d.id)}.`;
  return state.channels.get(d.id)?.archived ? `No messages in ${channelPhrase(d.id)}.` : `No messages yet in ${channelPhrase(d.id)}. Say hello!`;
}

export function renderLog(logEl, d) {
  const vms = viewModels(d);
  const wanted = [];

  // Top of the log: loading indicator or the beginning of the channel.
  if (!d.els.has('top')) d.els.set('top', h('p', { class: 'log-top' }));
  const top = d.els.get('top');
  const topText = d.loadingOlder || (d.loading && !d.loaded) ? 'Loading messages…'
    : (!d.moreOlder && d.loaded) ? topLine(d, vms.length)
      : '';
  // The line always keeps its height, so "Loading messages…" appearing above
  // the reader never pushes the conversation down.
  if (top.textContent !== (topText || '\u00a0')) top.textContent = topText || '\u00a0';
  top.classList.toggle('is-empty', !topText);
  top.setAttribute('aria-hidden', topText ? 'false' : 'true');
  wanted.push(top);

  let prev = null;
  let dividerDone = !d.divider;
  let breakGroup = false;
  const view = { d, els: d.els, inThread: false };
  const now = new Date();
  for (const vm of vms) {
    // A joined or left line, and the "New messages" line, end a group of
    // messages by one author (the next one shows its name again).
    // Messages not loaded between a window around an old message and the
    // newer ones (messages.around): a button loads them.
    if (vm.hole) {
      if (!d.els.has('hole')) {
        d.els.set('hole', h('p', { class: 'log-hole' },
          h('button', { type: 'button', class: 'btn btn-secondary btn-small', onclick: () => messages.loadNewer(d.id) })));
      }
      const btn = d.els.get('hole').firstChild;
      const text = d.loadingNewer ? 'Loading newer messages…' : 'Load newer messages';
      if (btn.textContent !== text) btn.textContent = text;
      btn.disabled = Boolean(d.loadingNewer);
      wanted.push(d.els.get('hole'));
      breakGroup = true;
      continue;
    }
    if (vm.sys) {
      let line = d.els.get(`s${vm.sys.seq}`);
      if (!line) { line = memberLine(vm.sys); d.els.set(`s${vm.sys.seq}`, line); }
      wanted.push(line);
      breakGroup = true;
      continue;
    }
    const t = new Date(vm.ts);
    if (!prev || !sameDay(new Date(prev.ts), t)) {
      const dayKey = `d${t.getFullYear()}-${t.getMonth()}-${t.getDate()}`;
      let div = d.els.get(dayKey);
      if (!div) { div = h('h2', { class: 'day-divider' }, h('span')); d.els.set(dayKey, div); }
      const label = formatDay(t, now);
      if (div.firstChild.textContent !== label) div.firstChild.textContent = label;
      wanted.push(div);
    }
    if (!dividerDone && vm.id && vm.id >= d.divider) {
      dividerDone = true;
      if (!d.els.has('divider')) d.els.set('divider', newMessagesLine());
      wanted.push(d.els.get('divider'));
      breakGroup = true;
    }
    const el = messageElement(view, vm);
    const continued = prev && !breakGroup && !prev.failed && !vm.failed && prev.author?.id === vm.author?.id
      && t - new Date(prev.ts) < GROUP_WINDOW_MS && sameDay(new Date(prev.ts), t);
    el.classList.toggle('continued', Boolean(continued));
    wanted.push(el);
    prev = vm;
    breakGroup = false;
  }

  reconcile(logEl, wanted, d.els);
}

// Makes parent's children the wanted nodes, in order, moving (never
// recreating) them, and drops cached elements no longer shown (deleted
// messages) from els.
export function reconcile(parent, wanted, els) {
  let cursor = parent.firstChild;
  for (const node of wanted) {
    if (node === cursor) { cursor = cursor.nextSibling; continue; }
    parent.insertBefore(node, cursor);
  }
  while (cursor) {
    const next = cursor.nextSibling;
    cursor.remove();
    cursor = next;
  }
  const live = new Set(wanted);
  for (const [k, el] of els) if (!live.has(el)) els.delete(k);
}

// The element of one message, keyed in view.els and rebuilt only when what
// it shows changed. view: {d, els, inThread} (the stream or a thread panel).
export function messageElement(view, vm) {
  const { d, els } = view;
  let el = els.get(vm.key);
  if (!el && vm.id && vm.client_id) {
    // The acknowledged form of a pending send: keep its element.
    const pk = `p${vm.client_id}`;
    el = els.get(pk);
    if (el) { els.delete(pk); els.set(vm.key, el); }
  }
  if (!el) {
    el = h('article', { class: 'msg', tabindex: '-1' });
    els.set(vm.key, el);
  }
  const editing = vm.id !== null && d.editing === vm.id && (d.editingIn || 'log') === (view.inThread ? 'thread' : 'log');
  const c = state.channels.get(d.id);
  const reactions = vm.reactions.length ? `${JSON.stringify(vm.reactions)}${namesVersion()}` : '';
  const sig = [vm.key, vm.ts, vm.body, vm.edited, vm.pending, vm.failed, editing, authorName(vm.author), vm.mine, vm.pending ? net.connState() : '',
    reactions, vm.pinned, vm.files.map((f) => f.id).join(','), vm.reply_count, vm.last_reply, vm.lastReplyTs, c?.archived, c?.role, itemsVersion(),
    vm.confidential].join('\u0001');
  if (el._sig !== sig) {
    el._sig = sig;
    buildMessage(el, view, vm, editing);
  }
  return el;
}

function buildMessage(el, view, vm, editing) {
  const { d } = view;
  clear(el);
  el.dataset.key = vm.key;
  if (vm.id) el.dataset.id = vm.id; else delete el.dataset.id;
  el.classList.toggle('pending', Boolean(vm.pending));
  el.classList.toggle('failed', Boolean(vm.failed));
  el.classList.toggle('mine', vm.mine);
  const t = new Date(vm.ts);
  const time = h('time', { class: 'msg-time', datetime: t.toISOString(), title: formatFull(t) }, formatTime(t));
  const head = h('div', { class: 'msg-head' },
    authorButton(vm.author),
    h('span', { class: 'sr-only', text: ', ' }),
    time,
    vm.edited ? h('span', { class: 'msg-edited', title: `Edited ${formatFull(vm.edited)}` }, '(edited)') : null,
    vm.pinned ? pinnedMark() : null,
    vm.confidential ? confidentialMark() : null);
  el.append(head);
  el.classList.toggle('pinned', vm.pinned);
  el.classList.toggle('confidential', Boolean(vm.confidential));

  if (editing) {
    el.append(editForm(view, vm));
  } else if (vm.body || !vm.files.length) {
    el.append(h('div', { class: 'msg-body' }, renderBody(vm.body, mentionsIn(d, vm))));
  }
  const files = editing ? null : messageFiles(vm.files);
  if (files) el.append(files);
  if (vm.id && vm.reactions.length) el.append(reactionsRow(d.id, vm));
  const its = vm.id ? messageItems(d.id, vm.id) : null;
  if (its) el.append(its);
  if (vm.id && vm.reply_count && !view.inThread) el.append(threadSummary(d.id, vm));

  if (vm.pending) {
    const offline = net.connState() !== 'live';
    el.append(h('p', { class: 'msg-status' },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }),
      offline ? 'Not sent yet. It will go out when the connection is back.' : 'Sending…'));
  } else if (vm.failed) {
    el.append(h('p', { class: 'msg-status msg-status-error' }, `Not sent: ${vm.failed}`),
      h('div', { class: 'msg-actions msg-actions-visible' },
        h('button', { type: 'button', class: 'btn btn-small btn-secondary', onclick: () => outbox.retry(vm.entry) }, 'Try again'),
        h('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: () => outbox.discard(vm.entry) }, 'Discard')));
  } else if (vm.id && !editing) {
    el.append(messageTools(view, vm, { deleteMessage, focusMessage }));
  }
}

// After an edit: back to the message's menu of actions, once it is drawn
// again, or to the message box it was started from (↑ in an empty box).
export function focusMessage(view, id) {
  const back = view.d.editReturn;
  view.d.editReturn = null;
  if (back) { emit('focus', back); return; }
  view.els.get(`m${id}`)?.querySelector('.msg-more')?.focus();
}

function cancelEdit(view) {
  const id = view.d.editing;
  messages.cancelEdit(view.d);
  focusMessage(view, id);
}

async function deleteMessage(view, vm) {
  const { d } = view;
  const whose = vm.mine ? 'the message' : `${authorName(vm.author)}’s message`;
  const ok = await confirmDialog({ title: 'Delete message?', message: `This removes ${whose} for everyone. It can’t be undone.`, confirmLabel: 'Delete', danger: true });
  if (!ok) return;
  try {
    await messages.remove(d, vm.id);
    emit('focus', view.inThread ? 'reply' : 'composer');
  } catch (e) {
    emit('alert', `Couldn’t delete the message: ${e.message}`);
  }
}

function editForm(view, vm) {
  const { d } = view;
  const ta = h('textarea', { class: 'edit-input', 'aria-label': 'Edit message', rows: '2' });
  ta.value = vm.body;
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const save = async () => {
    const body = ta.value;
    if (!body.trim()) { err.textContent = 'A message can’t be empty. Delete it instead.'; err.hidden = false; return; }
    try {
      await messages.saveEdit(d, vm.id, body);
      focusMessage(view, vm.id);
    } catch (e) {
      err.textContent = e.message; err.hidden = false;
    }
  };
  ta.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); save(); }
    if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); cancelEdit(view); }
  });
  const form = h('form', { class: 'msg-edit', onsubmit: (e) => { e.preventDefault(); save(); } },
    ta,
    err,
    h('div', { class: 'msg-edit-actions' },
      h('span', { class: 'hint', text: 'Enter to save, Escape to cancel' }),
      h('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: () => cancelEdit(view) }, 'Cancel'),
      h('button', { type: 'submit', class: 'btn btn-small btn-primary' }, 'Save')));
  queueMicrotask(() => { ta.focus(); ta.setSelectionRange(ta.value.length, ta.value.length); });
  return form;
}

// Refreshes relative time labels ("5 min ago") in place.
export function refreshTimes(logEl) {
  const now = new Date();
  for (const t of logEl.querySelectorAll('time.msg-time')) {
    const d = new Date(t.getAttribute('datetime'));
    if (isRecent(d, now) || !sameDay(d, now)) {
      const s = formatTime(d, now);
      if (t.textContent !== s) t.textContent = s;
    }
  }
}

