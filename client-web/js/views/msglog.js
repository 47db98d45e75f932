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
import { mentionOptions } from '../mentions.js';
import { authorButton } from './person.js';

const GROUP_WINDOW_MS = 5 * 60e3;

// "#lobby", "your conversation with Ana", as the top of the log names it.
function channelPhrase(id) {
  const c = state.channels.get(id);
  if (!c) return 'this channel';
  return c.kind === 'dm' ? `your conversation with ${channelName(c)}` : `#${c.name}`;
}

// View models: confirmed messages first (by id), then this channel's outbox.
function viewModels(d) {
  const out = [];
  for (const id of d.order) {
    const m = d.msgs.get(id);
    out.push({ key: `m${id}`, id, author: m.author, body: m.body, ts: m.ts, edited: m.edited, client_id: m.client_id,
      mine: isMe(m.author) });
  }
  for (const e of outbox.forChannel(d.id)) {
    out.push({ key: `p${e.client_id}`, id: null, author: meAuthor(), body: e.body, ts: e.created, edited: null,
      client_id: e.client_id, mine: true, pending: !e.failed, failed: e.failed || null, entry: e });
  }
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
  const now = new Date();
  for (const vm of vms) {
    const t = new Date(vm.ts);
    if (!prev || !sameDay(new Date(prev.ts), t)) {
      const dayKey = `d${t.getFullYear()}-${t.getMonth()}-${t.getDate()}`;
      let div = d.els.get(dayKey);
      if (!div) { div = h('h2', { class: 'day-divider' }, h('span')); d.els.set(dayKey, div); }
      const label = formatDay(t, now);
      if (div.firstChild.textContent !== label) div.firstChild.textContent = label;
      wanted.push(div);
    }
    const el = elementFor(d, vm);
    const continued = prev && !prev.failed && !vm.failed && prev.author?.id === vm.author?.id
      && t - new Date(prev.ts) < GROUP_WINDOW_MS && sameDay(new Date(prev.ts), t);
    el.classList.toggle('continued', Boolean(continued));
    wanted.push(el);
    prev = vm;
  }

  // Reconcile children with the wanted order, moving (never recreating) nodes.
  let cursor = logEl.firstChild;
  for (const node of wanted) {
    if (node === cursor) { cursor = cursor.nextSibling; continue; }
    logEl.insertBefore(node, cursor);
  }
  while (cursor) {
    const next = cursor.nextSibling;
    cursor.remove();
    cursor = next;
  }
  // Drop cached elements that are no longer shown (deleted messages).
  const live = new Set(wanted);
  for (const [k, el] of d.els) if (!live.has(el)) d.els.delete(k);
}

function elementFor(d, vm) {
  let el = d.els.get(vm.key);
  if (!el && vm.id && vm.client_id) {
    // The acknowledged form of a pending send: keep its element.
    const pk = `p${vm.client_id}`;
    el = d.els.get(pk);
    if (el) { d.els.delete(pk); d.els.set(vm.key, el); }
  }
  if (!el) {
    el = h('article', { class: 'msg' });
    d.els.set(vm.key, el);
  }
  const editing = vm.id !== null && d.editing === vm.id;
  const sig = [vm.key, vm.ts, vm.body, vm.edited, vm.pending, vm.failed, editing, authorName(vm.author), vm.mine, vm.pending ? net.connState() : ''].join('\u0001');
  if (el._sig !== sig) {
    el._sig = sig;
    buildMessage(el, d, vm, editing);
  }
  return el;
}

function buildMessage(el, d, vm, editing) {
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
    vm.edited ? h('span', { class: 'msg-edited', title: `Edited ${formatFull(vm.edited)}` }, '(edited)') : null);
  el.append(head);

  if (editing) {
    el.append(editForm(d, vm));
  } else {
    el.append(h('div', { class: 'msg-body' }, renderBody(vm.body, mentionOptions(d.msgs.get(vm.id)))));
  }

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
  } else if (vm.mine && vm.id && !editing) {
    el.append(h('div', { class: 'msg-actions' },
      h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'aria-label': 'Edit message', onclick: () => messages.startEdit(d, vm.id) }, 'Edit'),
      h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'aria-label': 'Delete message', onclick: () => deleteMessage(d, vm.id) }, 'Delete')));
  }
}

// The message's first button (its menu of actions), once it is drawn again.
function focusMessage(d, id) {
  d.els.get(`m${id}`)?.querySelector('button')?.focus();
}

function cancelEdit(d) {
  const id = d.editing;
  messages.cancelEdit(d);
  focusMessage(d, id);
}

async function deleteMessage(d, id) {
  const ok = await confirmDialog({ title: 'Delete message?', message: 'This removes the message for everyone. It can’t be undone.', confirmLabel: 'Delete', danger: true });
  if (!ok) return;
  try {
    await messages.remove(d, id);
    emit('focus', 'composer');
  } catch (e) {
    emit('alert', `Couldn’t delete the message: ${e.message}`);
  }
}

function editForm(d, vm) {
  const ta = h('textarea', { class: 'edit-input', 'aria-label': 'Edit message', rows: '2' });
  ta.value = vm.body;
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const save = async () => {
    const body = ta.value;
    if (!body.trim()) { err.textContent = 'A message can’t be empty. Delete it instead.'; err.hidden = false; return; }
    try {
      await messages.saveEdit(d, vm.id, body);
      focusMessage(d, vm.id);
    } catch (e) {
      err.textContent = e.message; err.hidden = false;
    }
  };
  ta.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); save(); }
    if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); cancelEdit(d); }
  });
  const form = h('form', { class: 'msg-edit', onsubmit: (e) => { e.preventDefault(); save(); } },
    ta,
    err,
    h('div', { class: 'msg-edit-actions' },
      h('span', { class: 'hint', text: 'Enter to save, Escape to cancel' }),
      h('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: () => cancelEdit(d) }, 'Cancel'),
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

