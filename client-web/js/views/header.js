// The open channel's header: its name, kind, members and topic (a long
// topic opens in full on request), the buttons that apply to it, and the
// menu of rarer actions (settings, mute, leave). It also switches between
// the channel and the empty state: a first-run page when I am in no
// channel yet.
import { h, $, clear } from '../dom.js';
import { state, on, channelName } from '../state.js';
import * as notify from '../notify.js';
import { leaveChannel } from '../dialogs/leave.js';
import { cap, accessLabel, isModerator, authorName } from '../util.js';
import { menuButton } from './menu.js';

let menu = null;

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
  $('leave-channel').textContent = c.kind === 'dm' ? 'Leave conversation' : 'Leave channel';
  $('show-settings').closest('li').hidden = !(mod && c.kind !== 'dm');
  $('mute-channel').textContent = notify.isMuted(c.id) ? 'Unmute notifications' : 'Mute notifications';
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

function toggleMute() {
  const c = state.channels.get(state.current);
  if (!c) return;
  const muted = !notify.isMuted(c.id);
  notify.setMuted(c.id, muted);
}

export function init() {
  menu = menuButton($('channel-menu-button'), $('channel-menu'));
  $('leave-channel').addEventListener('click', () => leaveChannel(state.channels.get(state.current)));
  $('mute-channel').addEventListener('click', toggleMute);
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
    if (switching) menu.close(false);
    render();
  });
  for (const kind of ['channel', 'label', 'members', 'requests', 'muted']) on(kind, renderIfCurrent);
}
