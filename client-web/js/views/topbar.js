// The top bar: who is signed in, the connection's state, notices (passing
// ones, and those that offer something to do, which stay until done or
// dismissed) and signing out.
import { h, $, clear } from '../dom.js';
import { confirmDialog } from '../dialog.js';
import { state, on } from '../state.js';
import * as session from '../session.js';
import * as outbox from '../outbox.js';
import { authorName } from '../util.js';

const STATE_TEXT = { connecting: 'Connecting…', live: 'Live', offline: 'Offline' };

function renderConnState(s) {
  $('conn-status').dataset.state = s;
  $('conn-text').textContent = STATE_TEXT[s];
  $('reconnect-now').hidden = s !== 'offline';
}

let noticeTimer = null;

function dismissNotice() {
  clearTimeout(noticeTimer);
  $('notice').textContent = '';
  clear($('notice-actions'));
  $('notice-actions').hidden = true;
}

// A notice is text, or {text, action: {label, run}}: one with an action
// stays until it is used or dismissed.
function notify(detail) {
  const { text, action } = typeof detail === 'string' ? { text: detail } : detail;
  const el = $('notice');
  const actions = $('notice-actions');
  clearTimeout(noticeTimer);
  clear(actions);
  el.textContent = text;
  actions.hidden = !action;
  if (action) {
    actions.append(
      h('button', { type: 'button', class: 'btn btn-primary btn-small', onclick: () => { dismissNotice(); action.run(); } }, action.label),
      h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: dismissNotice }, 'Dismiss'));
  } else {
    noticeTimer = setTimeout(dismissNotice, 10000);
  }
}

async function signOut() {
  const all = outbox.all();
  if (all.some((e) => !e.failed)) {
    const ok = await confirmDialog({
      title: 'Sign out with unsent messages?',
      message: `${all.length === 1 ? 'One message has' : `${all.length} messages have`} not been sent yet. Signing out removes them from this device.`,
      confirmLabel: 'Sign out anyway',
      danger: true,
    });
    if (!ok) return;
  }
  await session.signOut();
}

export function init() {
  $('signout').addEventListener('click', signOut);
  $('reconnect-now').addEventListener('click', session.reconnectNow);
  on('session', ({ signedIn }) => {
    if (!signedIn) { dismissNotice(); return; }
    $('me-name').textContent = authorName(state.me);
    document.title = 'Weft';
  });
  on('me', () => {
    $('me-name').textContent = authorName(state.me);
  });
  on('conn', renderConnState);
  on('notice', notify);
}
