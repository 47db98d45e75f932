// The open channel's header: its name, kind, members and topic, and the
// buttons that apply to it. It also switches between the channel and the
// empty state ("Welcome to Weft").
import { h, $, clear } from '../dom.js';
import { confirmDialog } from '../dialog.js';
import { state, on, emit, channelName } from '../state.js';
import * as channels from '../channels.js';
import { cap, accessLabel, isModerator } from '../util.js';

function showEmpty() {
  $('channel-view').hidden = true;
  $('empty-state').hidden = false;
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
  $('channel-topic').textContent = bits.join(' · ');
  const mod = isModerator(c);
  $('show-requests').hidden = !(mod && c.access === 'request');
  const waiting = c.requesters ? c.requesters.size : (c.pending_requests || 0);
  $('show-requests').textContent = waiting ? `Join requests (${waiting})` : 'Join requests';
  $('leave-channel').textContent = c.kind === 'dm' ? 'Leave conversation' : 'Leave channel';
  $('show-settings').hidden = !(mod && c.kind !== 'dm');
}

function renderIfCurrent(id) {
  if (id === state.current) render();
}

async function leave() {
  const c = state.channels.get(state.current);
  if (!c) return;
  const ok = await confirmDialog({
    title: c.kind === 'dm' ? 'Leave this conversation?' : `Leave #${channelName(c)}?`,
    message: c.access === 'open' ? 'You can join again any time from Browse channels.' : 'To come back you will need to ask or be invited again.',
    confirmLabel: 'Leave',
    danger: true,
  });
  if (!ok) return;
  try {
    await channels.leave(c);
  } catch (e) {
    emit('alert', `Couldn’t leave: ${e.message}`);
  }
}

export function init() {
  $('leave-channel').addEventListener('click', leave);
  on('session', ({ signedIn }) => { if (signedIn) showEmpty(); });
  on('empty', showEmpty);
  on('current', () => {
    $('empty-state').hidden = true;
    $('channel-view').hidden = false;
    render();
  });
  for (const kind of ['channel', 'label', 'members', 'requests']) on(kind, renderIfCurrent);
}
