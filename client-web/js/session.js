// A signed-in session: it starts from a user object (sign-in, sign-up or an
// existing cookie), restores what this device kept for that person, opens the
// connection and ends when the person signs out or the server ends it.
import * as api from './api.js';
import { Connection } from './conn.js';
import { state, emit, load, save, forget, dropSeqSave } from './state.js';
import * as net from './net.js';
import * as sync from './sync.js';
import * as outbox from './outbox.js';
import { routeChannel } from './channels.js';

// Why the server closed the socket, in words for the sign-in page.
const CLOSE_NOTICES = {
  'account deactivated': 'Your account has been deactivated, so you were signed out. If you think this is a mistake, contact your administrator.',
  'your password was reset': 'Your password was reset by an administrator, so you were signed out. Use the new sign-up link you were sent to set a password.',
};

export function start(user) {
  state.me = user;
  // No saved cursor for this person on this device: start live without
  // replay (since -1) and load each channel's history when it is opened.
  const saved = load('seq', null);
  state.lastSeq = typeof saved === 'number' && saved >= 0 ? saved : -1;
  outbox.restore();
  state.pendingJoins = new Map((load('pending', []) || []).map((c) => [c.id, c]));
  const wanted = routeChannel() ?? Number(load('channel', 0));
  state.current = null;
  state.wantChannel = wanted || null;
  emit('session', { signedIn: true });
  const conn = new Connection({
    url: `wss://${location.host}/ws`,
    since: () => { state.helloSince = state.lastSeq; return state.lastSeq; },
    onState: (s) => emit('conn', s),
    onWelcome: sync.welcome,
    onSynced: sync.synced,
    onFrame: (f) => {
      if (f.type === 'error') { if (f.code === 'unauthorized') closed(); } else sync.frame(f);
    },
    onClose: closed,
  });
  net.setCurrent(conn);
  conn.start();
}

export async function signOut() {
  // Stop first so the server closing the socket is not taken for an expired session.
  net.current()?.stop();
  await api.logout();
  end();
}

// Signing out clears this device; a session that ended by itself (expired,
// revoked) keeps unsent messages so they go out after signing in again.
function end({ forget: forgetDevice = true, notice } = {}) {
  net.current()?.stop();
  net.setCurrent(null);
  dropSeqSave();
  if (forgetDevice) forget('seq', 'outbox', 'pending', 'channel');
  else save('seq', state.lastSeq);
  state.me = null;
  state.channels.clear();
  state.listed.clear();
  state.data.clear();
  outbox.reset();
  state.current = null;
  if (location.hash) history.replaceState(null, '', location.pathname);
  emit('session', { signedIn: false, notice });
}

async function closed(info = {}) {
  const conn = net.current();
  // A retry refused with 401 carries no reason: keep the first one heard.
  if (CLOSE_NOTICES[info.reason]) state.closeReason = info.reason;
  const notice = CLOSE_NOTICES[state.closeReason] || 'Your session has ended. Please sign in again.';
  // A closed socket may mean the session ended (signed out elsewhere,
  // expired). Only a definite 401 signs this tab out; anything else retries.
  try {
    const user = await api.me();
    if (!user && state.me && net.current() === conn && conn && !conn.stopped) end({ forget: false, notice });
  } catch { /* server unreachable: the connection keeps retrying */ }
}

export const reconnectNow = () => net.current()?.connectNow();
