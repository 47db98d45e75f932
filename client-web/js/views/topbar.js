// The top bar: who is signed in, the connection's state, passing notices and
// signing out.
import { $ } from '../dom.js';
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
function notify(text) {
  const el = $('notice');
  el.textContent = text;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { el.textContent = ''; }, 10000);
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
    if (!signedIn) return;
    $('me-name').textContent = authorName(state.me);
    $('admin-people').hidden = true; // shown once welcome.user says admin
    document.title = 'Weft';
  });
  on('me', () => {
    $('me-name').textContent = authorName(state.me);
    $('admin-people').hidden = !(state.me && state.me.admin === true);
  });
  on('conn', renderConnState);
  on('notice', notify);
}
