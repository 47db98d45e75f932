// The parts of a message that are not its text: its tools (add a reaction,
// reply, the "More actions" menu, a long press on touch screens), the
// "N replies" line under a thread's root, the pinned mark, and the lines
// the stream shows between messages (joined, left, "New messages").
import { h } from '../dom.js';
import { state, emit, isMe } from '../state.js';
import * as messages from '../messages.js';
import * as convo from '../convo.js';
import * as permalink from '../permalink.js';
import { authorName, isModerator } from '../util.js';
import { formatTime, formatFull } from '../timefmt.js';
import { menuButton } from './menu.js';
import { pickReaction } from './reactions.js';
import * as stage from '../stage.js';
import { reportDialog } from '../dialogs/report.js';

const icon = (name) => h('span', { class: `icon icon-${name}`, 'aria-hidden': 'true' });

// What this person may do with a message here, as menu items.
function actionItems(view, vm, fns) {
  const { d, inThread } = view;
  const c = state.channels.get(d.id);
  const writable = Boolean(c && !c.archived);
  const mod = isModerator(c);
  const items = [];
  if (!inThread) items.push({ label: 'Reply in thread', run: () => openThread(d.id, vm.id, true) });
  if (writable) items.push({ label: 'Add reaction', run: () => pickReaction(d.id, vm.id) });
  if (writable && vm.mine) items.push({ label: 'Edit', run: () => messages.startEdit(d, vm.id, inThread ? 'thread' : 'log') });
  // Moderators and owners may delete anyone's message (the server allows it).
  if (writable && (vm.mine || mod)) items.push({ label: 'Delete', danger: true, run: () => fns.deleteMessage(view, vm) });
  items.push({ label: 'Copy link', run: () => permalink.copy(d.id, vm.id) });
  if (writable && mod) items.push({ label: vm.pinned ? 'Unpin' : 'Pin', run: () => convo.setPinned(d.id, vm.id, !vm.pinned) });
  // Moderation (issue 15): anyone reports someone else's message; moderators mute its author.
  if (vm.id && !vm.mine) items.push({ label: 'Report', run: () => reportDialog(d.id, vm) });
  if (writable && mod && vm.id && !vm.mine) {
    for (const [label, seconds] of MUTES) {
      items.push({ label: `Mute author for ${label}`, run: () => muteAuthor(d.id, vm.author, seconds, label) });
    }
  }
  // UI.md's order: Create action item before Mark as unread.
  if (writable) items.push({ label: 'Create action item', run: () => emit('create-item', { channel: d.id, message: { id: vm.id, body: vm.body } }) });
  if (!inThread) items.push({ label: 'Mark as unread', run: () => convo.markUnread(d.id, vm.id) });
  return items;
}

export function openThread(chId, root, focus = false) {
  emit('panel', { kind: 'thread', channel: chId, root, focus });
}

// Pointer users get two shortcuts beside the menu; they repeat menu items,
// so they stay out of the tab order and out of the accessibility tree (the
// menu is the one way in for keyboards and screen readers).
export function messageTools(view, vm, fns) {
  const { d, inThread } = view;
  const c = state.channels.get(d.id);
  const writable = Boolean(c && !c.archived);
  const quick = (name, label, run) => h('button', { type: 'button', class: `msg-tool tool-${name}`, tabindex: '-1', 'aria-hidden': 'true', title: label, onclick: run }, icon(name));
  return h('div', { class: 'msg-tools' },
    writable ? quick('react', 'Add reaction', () => pickReaction(d.id, vm.id)) : null,
    inThread ? null : quick('reply', 'Reply in thread', () => openThread(d.id, vm.id, true)),
    menuButton({ class: 'msg-tool msg-more', 'aria-label': 'More actions', title: 'More actions' }, icon('more'),
      () => actionItems(view, vm, fns), { label: 'Message actions' }));
}

// "3 replies · last reply 5 min ago": the button is named by its count.
export function threadSummary(chId, vm) {
  const n = vm.reply_count;
  const last = vm.lastReplyTs ? new Date(vm.lastReplyTs) : null;
  return h('div', { class: 'thread-summary' },
    h('button', { type: 'button', class: 'thread-link', onclick: () => openThread(chId, vm.id, true) }, n === 1 ? '1 reply' : `${n} replies`),
    last ? h('span', { class: 'thread-last' }, h('span', { 'aria-hidden': 'true' }, ' · '), 'last reply ',
      h('time', { class: 'msg-time', datetime: last.toISOString(), title: formatFull(last) }, formatTime(last))) : null);
}

export const pinnedMark = () => h('span', { class: 'msg-pin' }, icon('pin'), 'Pinned');
// Sent in a confidential live session: erased for everyone when it ends.
export const confidentialMark = () => h('span', { class: 'msg-conf', title: 'Erased for everyone when the session ends' }, 'Confidential');

const MUTES = [['10 min', 600], ['1 h', 3600], ['1 day', 86400]];

async function muteAuthor(chId, author, seconds, label) {
  try {
    await stage.mute(chId, author.id, seconds);
    emit('notice', `${authorName(author)} is muted here for ${label}.`);
  } catch (e) {
    emit('notice', `Couldn’t mute ${authorName(author)}: ${e.message}`);
  }
}

// "Ana Bell joined", "Bo Chen left", "Ana Bell removed Bo Chen".
export function memberLine(sys) {
  const who = (u) => (isMe(u) ? 'You' : authorName(u));
  let text;
  if (sys.kind === 'join') text = sys.by ? `${who(sys.user)} joined (added by ${authorName(sys.by)})` : `${who(sys.user)} joined`;
  else text = sys.by ? `${authorName(sys.by)} removed ${isMe(sys.user) ? 'you' : authorName(sys.user)}` : `${who(sys.user)} left`;
  const t = sys.ts ? new Date(sys.ts) : null;
  return h('p', { class: 'member-line' }, h('span', null, text),
    t ? h('time', { class: 'msg-time', datetime: t.toISOString(), title: formatFull(t) }, formatTime(t)) : null);
}

// A separator takes its name from aria-label; the visible word is a picture of it.
export const newMessagesLine = () => h('div', { class: 'new-divider', role: 'separator', 'aria-label': 'New messages' },
  h('span', { 'aria-hidden': 'true' }, 'New messages'));

// A long press on a message (touch screens) opens its menu, as the ⋯ does.
// The press that opened a menu is not also a click or a context menu
// wherever the finger lifts: the menu may have opened under it. One
// listener for the page (the menu is not inside the container); the next
// touch starts afresh, so a press that made no click eats no later tap.
let pressOpened = false;
let swallowing = false;
function swallowAfterPress() {
  if (swallowing) return;
  swallowing = true;
  const swallow = (e) => {
    if (!pressOpened) return;
    if (e.type === 'click') pressOpened = false;
    e.preventDefault();
    e.stopPropagation();
  };
  document.addEventListener('click', swallow, true);
  document.addEventListener('contextmenu', swallow, true);
  document.addEventListener('pointerdown', () => { pressOpened = false; }, true);
}

export function enableLongPress(container) {
  let timer = null;
  let start = null;
  swallowAfterPress();
  const cancel = () => { clearTimeout(timer); timer = null; };
  container.addEventListener('pointerdown', (e) => {
    if (e.pointerType !== 'touch') return;
    const msg = e.target.closest('article.msg');
    if (!msg || e.target.closest('button, a, textarea, input')) return;
    const more = msg.querySelector('.msg-more');
    if (!more) return;
    start = { x: e.clientX, y: e.clientY };
    cancel();
    timer = setTimeout(() => { timer = null; more.click(); pressOpened = true; }, 500);
  });
  container.addEventListener('pointermove', (e) => {
    if (timer && start && Math.hypot(e.clientX - start.x, e.clientY - start.y) > 10) cancel();
  });
  for (const type of ['pointerup', 'pointercancel', 'pointerleave']) container.addEventListener(type, cancel);
}
