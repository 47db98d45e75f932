// Join requests for moderators of a request-to-join channel: each with its
// note, to approve or decline.
import { h, clear } from '../dom.js';
import { openDialog, alertLine, noteLine } from '../dialog.js';
import * as net from '../net.js';
import * as channels from '../channels.js';
import { formatTime } from '../timefmt.js';
import { errText, userName } from './common.js';

// One request; ui: {c, alert, status, list, decided(r)}.
function requestItem(r, ui) {
  const u = typeof r.user === 'object' && r.user ? r.user : { id: r.user, name: r.name || `user ${r.user}` };
  const decide = async (approve, btn) => {
    ui.alert.show('');
    btn.disabled = true;
    try {
      await net.request({ type: 'channel.decide', channel: ui.c.id, user: u.id, approve });
      ui.decided(r);
      ui.status.show(approve ? `Approved ${userName(u)}. They’re now a member.` : `Declined ${userName(u)}’s request.`);
      ui.list.querySelector('button')?.focus();
    } catch (e) {
      btn.disabled = false;
      ui.alert.show(`Couldn’t decide: ${errText(e)}`);
    }
  };
  const approveBtn = h('button', { type: 'button', class: 'btn btn-primary btn-small', 'aria-label': `Approve ${userName(u)}` }, 'Approve');
  const declineBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Decline ${userName(u)}` }, 'Decline');
  approveBtn.addEventListener('click', () => decide(true, approveBtn));
  declineBtn.addEventListener('click', () => decide(false, declineBtn));
  return h('li', { class: 'request-item' },
    h('div', { class: 'request-info' },
      h('p', { class: 'person-name' }, userName(u), r.ts ? h('span', { class: 'hint' }, ` · asked ${formatTime(r.ts)}`) : null),
      r.note ? h('blockquote', { class: 'request-note' }, r.note) : h('p', { class: 'hint' }, 'No note.')),
    h('div', { class: 'browse-actions' }, declineBtn, approveBtn));
}

export async function joinRequests(c) {
  if (!c) return;
  const alert = alertLine();
  const status = noteLine();
  const list = h('ul', { class: 'request-list', 'aria-label': 'Join requests' });
  openDialog({ title: `Join requests for #${c.name}`, className: 'dialog-wide', content: [status, alert, list] });
  status.show('Loading requests…');
  let reqs = [];
  const render = () => {
    clear(list);
    if (!reqs.length) { list.append(h('li', { class: 'browse-empty' }, 'No pending requests.')); return; }
    for (const r of reqs) list.append(requestItem(r, ui));
  };
  const ui = {
    c, alert, status, list,
    decided(r) {
      reqs = reqs.filter((x) => x !== r);
      channels.setRequesters(c.id, reqs.map(channels.requestUserId));
      render();
    },
  };
  try {
    const r = await net.request({ type: 'channel.requests', channel: c.id });
    reqs = r.requests || [];
    channels.setRequesters(c.id, reqs.map(channels.requestUserId));
    status.show(`${reqs.length} pending ${reqs.length === 1 ? 'request' : 'requests'}`);
    render();
  } catch (e) {
    status.show('');
    alert.show(`Couldn’t load requests: ${errText(e)}`);
  }
}
