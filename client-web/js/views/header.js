// The open channel's header: its name, kind, members and topic (a long
// topic opens in full on request), the buttons that apply to it, and the
// menu of rarer actions (settings, mute, leave). It also switches between
// the channel and the empty state: a first-run page when I am in no
// channel yet.
import { h, $, clear } from '../dom.js';
import { state, on, channelName } from '../state.js';
import * as notify from '../notify.js';
import { leaveChannel } from '../dialogs/leave.js';
import { channelSettings } from '../dialogs/settings.js';
import { cap, accessLabel, isModerator, authorName } from '../util.js';
import * as menu from './menu.js';

function showEmpty() {
  $('channel-view').hidden = true;
  $('empty-state').hidden = false;
  renderEmpty();
}

// No channel at all: say so and point to the ways in.
function renderEmpty() {
  const none = state.channels.size === 0;
  $('empty-text').hidden = none;
  $('first-run').hidden = !none;
  if (!none) return;
  const admin = Boolean(state.me && state.me.admin);
  $('first-people-item').hidden = !admin;
  $('first-run-text').textContent = admin
    ? `You’re not in any channels yet${state.me ? `, ${authorName(state.me)}` : ''}. Start with a channel, and add your colleagues from People.`
    : `You’re not in any channels yet${state.me ? `, ${authorName(state.me)}` : ''}. Here is how to start:`;
}

function render() {
  const c = state.channels.get(state.current);
  if (!c) return;
  const title = $('channel-title');
  clear(title);
  if (c.kind === 'dm') title.append(channelName(c));
  else title.append(h('span', { class: 'hash', 'aria-hidden': 'true' }, '#'), channelName(c));
  const bits = [];
  if (c.kind && c.kind !== 'dm') bits.push(`${cap(c.kind)} · ${accessLabel(c.access)}${c.archived ? ' · Archived' : ''}`);
  if (typeof c.member_count === 'number') bits.push(`${c.member_count} ${c.member_count === 1 ? 'member' : 'members'}`);
  if (c.topic) bits.push(c.topic);
  const topic = $('channel-topic');
  const text = bits.join(' · ');
  if (topic.textContent !== text) {
    topic.textContent = text;
    setTopicOpen(false);
  }
  fitTopic();
  const mod = isModerator(c);
  $('show-requests').hidden = !(mod && c.access === 'request');
  const waiting = c.requesters ? c.requesters.size : (c.pending_requests || 0);
  $('show-requests').textContent = waiting ? `Join requests (${waiting})` : 'Join requests';
}

// The rarer actions: settings (moderators), mute, leave.
function menuItems() {
  const c = state.channels.get(state.current);
  if (!c) return [];
  const items = [];
  if (isModerator(c) && c.kind !== 'dm') items.push({ label: 'Channel settings', run: () => channelSettings(state.channels.get(c.id)) });
  const muted = notify.isMuted(c.id);
  items.push({ label: muted ? 'Unmute notifications' : 'Mute notifications', run: () => notify.setMuted(c.id, !muted) });
  items.push({ label: c.kind === 'dm' ? 'Leave conversation' : 'Leave channel', danger: true, run: () => leaveChannel(state.channels.get(c.id)) });
  return items;
}

function openMenu(focusLast = false) {
  if (menu.isOpen()) { menu.close(); return; }
  menu.open($('channel-menu-button'), menuItems(), { label: 'Channel options', focusLast });
}

// ---------------------------------------------------------------- the topic

function setTopicOpen(open) {
  $('channel-topic').classList.toggle('is-open', open);
  $('topic-toggle').setAttribute('aria-expanded', String(open));
}

// The toggle shows only when the line is cut short (or is open).
function fitTopic() {
  const p = $('channel-topic');
  const open = p.classList.contains('is-open');
  $('topic-toggle').hidden = !open && p.scrollWidth <= p.clientWidth + 1;
}

function renderIfCurrent(id) {
  if (id === state.current) render();
}

export function init() {
  const btn = $('channel-menu-button');
  btn.addEventListener('click', () => openMenu());
  btn.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') { e.preventDefault(); openMenu(e.key === 'ArrowUp'); }
  });
  $('topic-toggle').addEventListener('click', () => {
    setTopicOpen($('topic-toggle').getAttribute('aria-expanded') !== 'true');
    fitTopic();
  });
  new ResizeObserver(() => fitTopic()).observe($('channel-topic'));
  on('session', ({ signedIn }) => { if (signedIn) showEmpty(); });
  on('empty', showEmpty);
  on('channels', () => { if (!$('empty-state').hidden) renderEmpty(); });
  on('me', () => { if (!$('empty-state').hidden) renderEmpty(); });
  on('current', ({ switching }) => {
    $('empty-state').hidden = true;
    $('channel-view').hidden = false;
    if (switching) menu.close({ refocus: false });
    render();
  });
  for (const kind of ['channel', 'label', 'members', 'requests', 'muted']) on(kind, renderIfCurrent);
}
