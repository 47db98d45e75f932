// Weft web client: sign-in, the channel list, the message log, the composer
// and the offline outbox. Plain ES modules, no framework, no build step.
import { h, $, clear } from './dom.js';
import * as api from './api.js';
import { Connection, RequestError } from './conn.js';
import { renderLog, isAtBottom, refreshTimes, authorName } from './msglog.js';
import { confirmDialog } from './dialog.js';
import * as dialogs from './dialogs.js';
import * as admin from './admin.js';
import { cap, accessLabel, isPendingFlag, isInvited } from './util.js';

const GROUPS = [
  ['caucus', 'Caucuses'],
  ['cohort', 'Cohorts'],
  ['team', 'Teams'],
  ['dm', 'Direct messages'],
];
const PAGE = 50;
const ROLE_WORDS = { owner: 'an owner', moderator: 'a moderator', member: 'a member' };
const STATE_TEXT = { connecting: 'Connecting…', live: 'Live', offline: 'Offline' };

// ---------------------------------------------------------------- state

const S = {
  me: null,
  limits: { max_body: 4000 },
  channels: new Map(), // id -> channel object (channels I belong to)
  listed: new Map(), // id -> channel object from channel.list (includes joinable)
  pendingJoins: new Map(), // id -> {id, name, kind} join requests I filed
  data: new Map(), // id -> per-channel message data
  current: null,
  lastSeq: 0,
  outbox: [], // {client_id, channel, body, created, failed?}
  done: new Set(), // client_ids delivered or discarded (for the shared outbox)
  syncing: false,
  conn: null,
};

// Per-user persistence: the resume cursor, unsent messages, pending requests.
const key = (what) => `weft:${what}:${S.me ? S.me.id : 'anon'}`;
function loadJSON(what, fallback) {
  try {
    const v = localStorage.getItem(key(what));
    return v === null ? fallback : JSON.parse(v);
  } catch { return fallback; }
}
function saveJSON(what, value) {
  try { localStorage.setItem(key(what), JSON.stringify(value)); } catch { /* storage full or disabled */ }
}
let seqSaveTimer = null;
function flushSeq() {
  if (seqSaveTimer === null) return;
  clearTimeout(seqSaveTimer);
  seqSaveTimer = null;
  if (S.me) saveJSON('seq', S.lastSeq);
}
function bumpSeq(seq) {
  if (typeof seq !== 'number' || seq < 0 || seq <= S.lastSeq) return;
  S.lastSeq = seq;
  clearTimeout(seqSaveTimer);
  seqSaveTimer = setTimeout(flushSeq, 250);
}
// A reload or a closed tab must not lose the cursor still waiting to be saved.
window.addEventListener('pagehide', flushSeq);
// Another tab of the same person may share this storage: keep its unsent
// entries (unless this tab saw them delivered) instead of overwriting them.
function saveOutbox() {
  const mine = S.outbox.map(({ client_id, channel, body, created, failed }) => ({ client_id, channel, body, created, failed }));
  const known = new Set(mine.map((e) => e.client_id));
  const stored = loadJSON('outbox', []);
  const others = Array.isArray(stored) ? stored.filter((e) => e && !known.has(e.client_id) && !S.done.has(e.client_id)) : [];
  saveJSON('outbox', mine.concat(others));
}
function doneWith(clientId) {
  S.done.add(clientId);
  if (S.done.size > 5000) S.done = new Set([...S.done].slice(-1000));
}
function savePendingJoins() { saveJSON('pending', [...S.pendingJoins.values()]); }

function channelData(id) {
  let d = S.data.get(id);
  if (!d) {
    d = { id, msgs: new Map(), order: [], deleted: new Set(), els: new Map(), loaded: false, loading: false,
      loadingOlder: false, moreOlder: true, editing: null, scroll: null };
    S.data.set(id, d);
  }
  return d;
}

function insertId(order, id) {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (order[mid] < id) lo = mid + 1; else hi = mid;
  }
  if (order[lo] !== id) order.splice(lo, 0, id);
}

function putMessage(d, m) {
  if (!m || typeof m.id !== 'number' || d.deleted.has(m.id)) return false;
  const had = d.msgs.has(m.id);
  d.msgs.set(m.id, m);
  if (!had) insertId(d.order, m.id);
  return !had;
}

// ---------------------------------------------------------------- the app object handed to views

const app = {
  isMe: (a) => Boolean(a && S.me && a.id === S.me.id),
  meAuthor: () => ({ id: S.me.id, name: S.me.name, display: S.me.display }),
  outboxFor: (ch) => S.outbox.filter((e) => e.channel === ch),
  connState: () => (S.conn ? S.conn.state : 'offline'),
  channelLabel: (id) => {
    const c = S.channels.get(id);
    if (!c) return 'this channel';
    return c.kind === 'dm' ? `your conversation with ${channelName(c)}` : `#${c.name}`;
  },
  request: (obj) => S.conn.request(obj),
  me: () => S.me,
  channels: () => S.channels,
  isMember: (id) => S.channels.has(id),
  pendingJoins: () => S.pendingJoins,
  retrySend(entry) {
    delete entry.failed;
    saveOutbox();
    renderCurrent();
    sendEntry(entry);
  },
  discardSend(entry) {
    doneWith(entry.client_id);
    S.outbox = S.outbox.filter((e) => e !== entry);
    saveOutbox();
    renderCurrent();
  },
  startEdit(d, id) {
    d.editing = id;
    renderCurrent();
  },
  cancelEdit(d) {
    const id = d.editing;
    d.editing = null;
    renderCurrent();
    d.els.get(`m${id}`)?.querySelector('button')?.focus();
  },
  async saveEdit(d, id, body) {
    if ([...body].length > S.limits.max_body) throw new Error(`Messages can be at most ${S.limits.max_body} characters.`);
    await S.conn.request({ type: 'edit', channel: d.id, id, body });
    const m = d.msgs.get(id);
    if (m) d.msgs.set(id, { ...m, body, edited: m.edited || new Date().toISOString() });
    d.editing = null;
    renderCurrent();
    d.els.get(`m${id}`)?.querySelector('button')?.focus();
  },
  async deleteMessage(d, id) {
    const ok = await confirmDialog({ title: 'Delete message?', message: 'This removes the message for everyone. It can’t be undone.', confirmLabel: 'Delete', danger: true });
    if (!ok) return;
    try {
      await S.conn.request({ type: 'delete', channel: d.id, id });
      removeMessage(d.id, id);
      $('composer-input').focus();
    } catch (e) {
      showComposerError(`Couldn’t delete the message: ${e.message}`);
    }
  },
  // Called by dialogs when the user joined or opened a channel.
  addChannel(c, open = true) {
    upsertChannel(c);
    if (c.kind === 'dm' && !c.display) labelDms();
    S.pendingJoins.delete(c.id);
    savePendingJoins();
    renderSidebar();
    if (open) go(c.id);
  },
  markPending(c) {
    S.pendingJoins.set(c.id, { id: c.id, name: c.name, kind: c.kind });
    savePendingJoins();
    renderSidebar();
  },
  refreshChannels: () => refreshChannels(),
  setRequesters(id, userIds) {
    const c = S.channels.get(id);
    if (!c) return;
    c.requesters = new Set(userIds);
    if (id === S.current) renderHeader();
  },
  listed: () => S.listed,
  go: (id) => go(id),
  current: () => S.channels.get(S.current),
  channel: (id) => S.channels.get(id),
  isArchived: (id) => Boolean(S.channels.get(id)?.archived),
  // Dialogs listen for live changes: on('members', fn(channelId)) for
  // joins, leaves and role changes; on('channel', fn(channelId)) for
  // channel_info updates and my own role. Returns an unsubscribe function.
  on(what, fn) {
    if (!listeners.has(what)) listeners.set(what, new Set());
    listeners.get(what).add(fn);
    return () => listeners.get(what).delete(fn);
  },
  notify: (text) => notify(text),
  // A channel's own fields changed by a request of mine (its event follows).
  updateChannel(info) {
    if (!S.channels.has(info.id)) return;
    upsertChannel(info);
    renderSidebar();
    if (info.id === S.current) { renderHeader(); renderCurrent(); }
    emit('channel', info.id);
  },
};

const listeners = new Map();
function emit(what, id) {
  for (const fn of listeners.get(what) || []) {
    try { fn(id); } catch (e) { console.warn(e); }
  }
}

// ---------------------------------------------------------------- boot and sign-in

// "#signup=TOKEN": the one-time link an administrator sent.
function signupToken() {
  const m = /^#signup=([^&]+)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

async function boot() {
  const token = signupToken();
  if (token) {
    $('boot').hidden = true;
    showSignUp(token);
    return;
  }
  let delay = 1000;
  for (;;) {
    try {
      const user = await api.me();
      $('boot').hidden = true;
      if (user) startApp(user); else showSignIn();
      return;
    } catch {
      $('boot').textContent = 'Can’t reach Weft right now. Retrying…';
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15000);
    }
  }
}

function showSignIn(message) {
  $('app').hidden = true;
  hideSignUp();
  $('signin').hidden = false;
  document.title = 'Sign in · Weft';
  const err = $('signin-error');
  err.textContent = message || '';
  err.hidden = !message;
  $('signin-username').focus();
}

$('signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const username = $('signin-username').value.trim();
  const password = $('signin-password').value;
  const err = $('signin-error');
  if (!username || !password) {
    err.textContent = !username ? 'Enter your username.' : 'Enter your password.';
    err.hidden = false;
    (!username ? $('signin-username') : $('signin-password')).focus();
    return;
  }
  const btn = $('signin-submit');
  btn.disabled = true;
  btn.textContent = 'Signing in…';
  err.hidden = true;
  try {
    const user = await api.login(username, password);
    $('signin-password').value = '';
    startApp(user);
  } catch (ex) {
    err.textContent = ex.message;
    err.hidden = false;
    $('signin-password').select();
    $('signin-password').focus();
  } finally {
    btn.disabled = false;
    btn.textContent = 'Sign in';
  }
});

// ---------------------------------------------------------------- sign-up (set a password from a one-time link)

let signupTokenValue = null;
const SIGNUP_MIN = 10;

function hideSignUp() {
  $('signup')?.remove();
}

function showSignUp(token) {
  signupTokenValue = token;
  $('app').hidden = true;
  $('signin').hidden = true;
  hideSignUp();
  const page = $('signup-template').content.firstElementChild.cloneNode(true);
  $('app').before(page);
  document.title = 'Set your password · Weft';
  wireSignUp();
  $('signup-password').focus();
}

function showSignupError(text, field) {
  const err = $('signup-error');
  err.textContent = text;
  err.hidden = !text;
  for (const id of ['signup-password', 'signup-confirm']) {
    if (id === field) $(id).setAttribute('aria-invalid', 'true'); else $(id).removeAttribute('aria-invalid');
  }
  if (field) $(field).focus();
}

function forgetSignupFragment() {
  if (signupToken()) history.replaceState(null, '', location.pathname + location.search);
}

function wireSignUp() {
  $('signup-show').addEventListener('change', () => {
    const type = $('signup-show').checked ? 'text' : 'password';
    $('signup-password').type = type;
    $('signup-confirm').type = type;
  });
  $('signup-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const pw = $('signup-password').value;
    const confirm = $('signup-confirm').value;
    if ([...pw].length < SIGNUP_MIN) {
      showSignupError(pw ? `This password is too short: use at least ${SIGNUP_MIN} characters (it has ${[...pw].length}).` : 'Enter a new password.', 'signup-password');
      return;
    }
    if (pw !== confirm) {
      showSignupError(confirm ? 'The two passwords don’t match. Type the same password in both fields.' : 'Type the password again to confirm it.', 'signup-confirm');
      return;
    }
    showSignupError('');
    const btn = $('signup-submit');
    btn.disabled = true;
    btn.textContent = 'Setting password…';
    try {
      const user = await api.signup(signupTokenValue, pw);
      signupTokenValue = null;
      forgetSignupFragment();
      hideSignUp();
      startApp(user);
    } catch (ex) {
      btn.disabled = false;
      btn.textContent = 'Set password';
      if (ex.status === 401) {
        signupTokenValue = null;
        forgetSignupFragment();
        $('signup-password').value = '';
        $('signup-confirm').value = '';
        $('signup-form').hidden = true;
        $('signup-lede').hidden = true;
        $('signup-title').textContent = 'This link can’t be used';
        document.title = 'Sign-up link can’t be used · Weft';
        $('signup-dead').hidden = false;
        $('signup-dead-text').textContent = ex.message;
        $('signup-to-signin').focus();
      } else {
        showSignupError(ex.message, ex.status === 400 ? 'signup-password' : null);
      }
    }
  });
  $('signup-to-signin').addEventListener('click', () => {
    forgetSignupFragment();
    showSignIn();
  });
}

function startApp(user) {
  S.me = user;
  // No saved cursor for this person on this device: start live without
  // replay (since -1) and load each channel's history when it is opened.
  const saved = loadJSON('seq', null);
  S.lastSeq = typeof saved === 'number' && saved >= 0 ? saved : -1;
  S.outbox = (loadJSON('outbox', []) || []).filter((e) => e && e.client_id && e.channel && typeof e.body === 'string');
  S.pendingJoins = new Map((loadJSON('pending', []) || []).map((c) => [c.id, c]));
  $('signin').hidden = true;
  hideSignUp();
  $('app').hidden = false;
  $('me-name').textContent = authorName(user);
  $('admin-people').hidden = true; // shown once welcome.user says admin
  document.title = 'Weft';
  renderSidebar();
  const wanted = routeChannel() ?? Number(loadJSON('channel', 0));
  S.current = null;
  S.wantChannel = wanted || null;
  showEmpty();
  S.conn = new Connection({
    url: `wss://${location.host}/ws`,
    since: () => { S.helloSince = S.lastSeq; return S.lastSeq; },
    onState: renderConnState,
    onWelcome,
    onSynced,
    onFrame,
    onClose,
  });
  S.conn.start();
}

async function signOut() {
  if (S.outbox.some((e) => !e.failed)) {
    const ok = await confirmDialog({
      title: 'Sign out with unsent messages?',
      message: `${S.outbox.length === 1 ? 'One message has' : `${S.outbox.length} messages have`} not been sent yet. Signing out removes them from this device.`,
      confirmLabel: 'Sign out anyway',
      danger: true,
    });
    if (!ok) return;
  }
  // Stop first so the server closing the socket is not taken for an expired session.
  S.conn?.stop();
  await api.logout();
  endSession();
  showSignIn();
}

// Signing out clears this device; a session that ended by itself (expired,
// revoked) keeps unsent messages so they go out after signing in again.
function endSession({ forget = true } = {}) {
  S.conn?.stop();
  S.conn = null;
  clearTimeout(seqSaveTimer);
  seqSaveTimer = null;
  if (forget) {
    for (const what of ['seq', 'outbox', 'pending', 'channel']) {
      try { localStorage.removeItem(key(what)); } catch { /* ignore */ }
    }
  } else {
    saveJSON('seq', S.lastSeq);
  }
  S.me = null;
  S.channels.clear();
  S.listed.clear();
  S.data.clear();
  S.outbox = [];
  S.done = new Set();
  S.current = null;
  clear($('log'));
  clear($('channel-nav'));
  if (location.hash) history.replaceState(null, '', location.pathname);
}

// ---------------------------------------------------------------- connection callbacks

function renderConnState(state) {
  const el = $('conn-status');
  el.dataset.state = state;
  $('conn-text').textContent = STATE_TEXT[state];
  $('reconnect-now').hidden = state !== 'offline';
  // Pending messages say whether they are waiting for the connection.
  if (S.current && S.outbox.some((e) => e.channel === S.current)) renderCurrent();
}

function upsertChannel(c) {
  const old = S.channels.get(c.id) || {};
  S.channels.set(c.id, { ...old, ...c, display: c.display || old.display });
}

function onWelcome(f) {
  S.syncing = true;
  if (f.user) {
    S.me = { ...S.me, ...f.user };
    $('me-name').textContent = authorName(S.me);
  }
  $('admin-people').hidden = !(S.me && S.me.admin === true);
  // A first connection (since -1) replays nothing: the cursor starts here.
  if (S.helloSince === -1) bumpSeq(f.seq);
  if (f.limits && f.limits.max_body) S.limits = f.limits;
  const fresh = new Map();
  for (const c of f.channels || []) {
    const old = S.channels.get(c.id) || {};
    fresh.set(c.id, { ...old, ...c, display: c.display || old.display });
  }
  // Channels I left elsewhere disappear; their cached messages go too.
  for (const id of S.channels.keys()) if (!fresh.has(id)) S.data.delete(id);
  S.channels = fresh;
  let approved = false;
  for (const id of fresh.keys()) approved = S.pendingJoins.delete(id) || approved;
  if (approved) savePendingJoins();
  renderSidebar();
  const want = S.wantChannel ?? S.current;
  S.wantChannel = null;
  if (want && S.channels.has(want)) openChannel(want, { keepFocus: true });
  else if (S.current && !S.channels.has(S.current)) showEmpty();
  else if (!S.current && S.channels.size) {
    const first = sortedChannels().find((c) => c.kind !== 'dm') || sortedChannels()[0];
    go(first.id, { replace: true });
  }
}

function onSynced(f) {
  S.syncing = false;
  S.closeReason = null;
  bumpSeq(f.seq);
  // Channels cached from before a disconnect are current again; reload the
  // ones that were never loaded or were reset by a gap.
  if (S.current) {
    const d = channelData(S.current);
    if (!d.loaded && !d.loading) loadLatest(S.current);
  }
  flushOutbox();
  refreshChannels();
  renderCurrent();
  fillGaps();
  labelDms();
}

// Why the server closed the socket, in words for the sign-in page.
const CLOSE_NOTICES = {
  'account deactivated': 'Your account has been deactivated, so you were signed out. If you think this is a mistake, contact your administrator.',
  'your password was reset': 'Your password was reset by an administrator, so you were signed out. Use the new sign-up link you were sent to set a password.',
};

async function onClose(info = {}) {
  const conn = S.conn;
  // A retry refused with 401 carries no reason: keep the first one heard.
  if (CLOSE_NOTICES[info.reason]) S.closeReason = info.reason;
  const notice = CLOSE_NOTICES[S.closeReason] || 'Your session has ended. Please sign in again.';
  // A closed socket may mean the session ended (signed out elsewhere,
  // expired). Only a definite 401 signs this tab out; anything else retries.
  try {
    const user = await api.me();
    if (!user && S.me && S.conn === conn && conn && !conn.stopped) {
      endSession({ forget: false });
      showSignIn(notice);
    }
  } catch { /* server unreachable: the connection keeps retrying */ }
}

let noticeTimer = null;
function notify(text) {
  const el = $('notice');
  el.textContent = text;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { el.textContent = ''; }, 10000);
}

function channelLabel(c) {
  return c.kind === 'dm' ? channelName(c) : `#${channelName(c)}`;
}

function onFrame(f) {
  switch (f.type) {
    case 'event': onEvent(f); break;
    case 'gap': onGap(f); break;
    case 'joined':
      // Added to a channel by someone else (approval, a direct message).
      if (f.channel && typeof f.channel === 'object') {
        const isNew = !S.channels.has(f.channel.id);
        app.addChannel(f.channel, false);
        if (isNew && f.channel.kind === 'dm') labelDms();
      }
      break;
    case 'invited':
      if (f.channel && typeof f.channel === 'object') {
        S.listed.set(f.channel.id, { ...f.channel, invited: true });
        renderSidebar();
        notify(`${f.by ? authorName(f.by) : 'A moderator'} invited you to #${f.channel.name}. Accept it from the channel list.`);
      }
      break;
    case 'invite.revoked': {
      const c = S.listed.get(f.channel);
      if (c) { S.listed.set(f.channel, { ...c, invited: false }); renderSidebar(); }
      break;
    }
    case 'request': {
      // A moderator hears about a new join request at once.
      const c = S.channels.get(f.channel);
      if (c) {
        if (c.requesters && f.request?.user) c.requesters.add(f.request.user.id);
        else c.pending_requests = (c.pending_requests || 0) + 1;
        if (f.channel === S.current) renderHeader();
        notify(`${authorName(f.request?.user)} asked to join #${c.name}.`);
      }
      break;
    }
    case 'request.decided': {
      if (S.me && f.user && f.user.id === S.me.id) {
        const p = S.pendingJoins.get(f.channel) || S.listed.get(f.channel);
        S.pendingJoins.delete(f.channel);
        savePendingJoins();
        if (f.approved && f.channel_info) {
          app.addChannel(f.channel_info, false);
          notify(`You’re in: your request to join #${f.channel_info.name} was approved.`);
        } else if (!f.approved) {
          notify(`Your request to join ${p ? `#${p.name}` : 'a channel'} was declined.`);
        }
        renderSidebar();
      } else {
        const c = S.channels.get(f.channel);
        if (c && f.user) {
          if (c.requesters) c.requesters.delete(f.user.id);
          else if (c.pending_requests) c.pending_requests -= 1;
          if (f.channel === S.current) renderHeader();
        }
      }
      break;
    }
    case 'error':
      if (f.code === 'unauthorized') onClose();
      break;
    default: break;
  }
}

function onEvent(f) {
  bumpSeq(f.seq);
  const chId = typeof f.channel === 'object' && f.channel ? f.channel.id : f.channel;
  const c = S.channels.get(chId);
  if (c && typeof f.seq === 'number' && f.seq > (c.last_seq || 0)) c.last_seq = f.seq;
  switch (f.kind) {
    case 'message': onMessage(chId, { ...f.message, channel: chId, ts: f.message?.ts || f.ts }); break;
    case 'edit': {
      const d = S.data.get(chId);
      if (d && f.message && d.msgs.has(f.message.id)) {
        d.msgs.set(f.message.id, { ...d.msgs.get(f.message.id), ...f.message });
        if (chId === S.current) renderCurrent();
      }
      break;
    }
    case 'delete': removeMessage(chId, f.id ?? f.message?.id); break;
    case 'join':
      if (f.user && S.me && f.user.id === S.me.id) {
        if (S.pendingJoins.delete(chId)) savePendingJoins();
        if (!S.channels.has(chId)) {
          const known = S.listed.get(chId);
          if (known) upsertChannel({ ...known, role: f.role || 'member' });
          refreshChannels();
        } else if (f.role) {
          S.channels.get(chId).role = f.role;
        }
        renderSidebar();
        if (chId === S.current) renderHeader();
      } else if (c) {
        if (!S.syncing) c.member_count = (c.member_count || 0) + 1;
        if (chId === S.current) renderHeader();
      }
      emit('members', chId);
      break;
    case 'leave':
      if (f.user && S.me && f.user.id === S.me.id) {
        if (f.by && f.by.id !== S.me.id && c) notify(`${authorName(f.by)} removed you from ${channelLabel(c)}. Its messages are no longer available to you.`);
        leftChannel(chId);
        emit('removed', chId);
      } else if (c) {
        if (c.member_count && !S.syncing) c.member_count -= 1;
        if (chId === S.current) renderHeader();
      }
      emit('members', chId);
      break;
    case 'role':
      if (f.user && S.me && f.user.id === S.me.id && c) {
        const was = c.role;
        c.role = f.role || c.role;
        if (was !== c.role) {
          if (!S.syncing && f.by) notify(`${authorName(f.by)} made you ${ROLE_WORDS[c.role] || c.role} of ${channelLabel(c)}.`);
          if (chId === S.current) { renderHeader(); loadRequesters(c); }
          emit('channel', chId);
        }
      }
      emit('members', chId);
      break;
    case 'channel': {
      // Renames, topic changes, archiving: the channel as it now is.
      const info = f.channel_info || (typeof f.channel === 'object' ? f.channel : null);
      if (info && S.channels.has(info.id ?? chId)) {
        const id = info.id ?? chId;
        const before = S.channels.get(id);
        const wasArchived = Boolean(before.archived);
        // Only the channel's own fields: never a per-user one (role, unread).
        const { role: _r, unread: _u, member_count: _m, last_seq: _l, ...own } = info;
        upsertChannel({ ...own, id });
        renderSidebar();
        if (id === S.current) { renderHeader(); renderCurrent(); }
        const now = S.channels.get(id);
        if (!S.syncing && f.by && !app.isMe(f.by) && wasArchived !== Boolean(now.archived)) {
          notify(`${authorName(f.by)} ${now.archived ? 'archived' : 'unarchived'} ${channelLabel(now)}.`);
        }
        emit('channel', id);
      }
      break;
    }
    default: break;
  }
}

function onMessage(chId, m) {
  // My own message coming back settles its pending send.
  if (app.isMe(m.author) && m.client_id) {
    doneWith(m.client_id);
    const e = S.outbox.find((x) => x.client_id === m.client_id);
    if (e) {
      S.outbox = S.outbox.filter((x) => x !== e);
      saveOutbox();
    }
  }
  const d = S.data.get(chId);
  const logEl = $('log');
  const viewing = chId === S.current;
  const wasBottom = viewing && isAtBottom(logEl);
  // Replayed events only matter for channels loaded before this connection;
  // a channel loading now gets them from its history page. A message older
  // than the oldest page shown would leave a hole: paging up brings it.
  if (d && (d.loaded || (d.loading && !S.syncing))) {
    if (!(d.moreOlder && d.order.length && m.id < d.order[0])) putMessage(d, m);
  }
  const c = S.channels.get(chId);
  if (!S.syncing && c && !app.isMe(m.author)) {
    if (!viewing || !wasBottom || document.hidden) {
      c.unread = (c.unread || 0) + 1;
      updateBadge(chId);
    }
  }
  if (viewing) {
    renderCurrent();
    if (wasBottom || app.isMe(m.author)) scrollToBottom();
    else if (!app.isMe(m.author)) $('jump-latest').hidden = false;
    markRead();
  }
}

function removeMessage(chId, id) {
  const d = S.data.get(chId);
  if (!d || typeof id !== 'number') return;
  d.deleted.add(id);
  if (d.msgs.delete(id)) {
    const i = d.order.indexOf(id);
    if (i !== -1) d.order.splice(i, 1);
  }
  if (d.editing === id) d.editing = null;
  if (chId === S.current) renderCurrent();
}

// The server could not replay everything a channel missed: it says so with a
// gap frame before the replay. Once synced, page forward through history
// from the newest message seen before the gap; if the hole is too big, start
// the channel over from its latest page.
function onGap(f) {
  const d = S.data.get(f.channel);
  if (!d || !d.loaded) return;
  const since = typeof f.since === 'number' ? f.since : S.helloSince;
  let after = 0;
  for (const id of d.order) if (id <= since) after = id;
  d.gap = { after, from: f.from };
}

async function fillGaps() {
  for (const d of S.data.values()) {
    if (!d.gap) continue;
    const { from } = d.gap;
    let { after } = d.gap;
    d.gap = null;
    let done = false;
    for (let pages = 0; after && pages < 10 && !done; pages++) {
      let r;
      try {
        r = await S.conn.request({ type: 'history', channel: d.id, after, limit: 200 });
      } catch { return; }
      const ms = r.messages || [];
      for (const m of ms) putMessage(d, m);
      if (!ms.length || !r.more || (from && ms[ms.length - 1].id >= from)) done = true;
      else after = ms[ms.length - 1].id;
    }
    if (!done) {
      S.data.delete(d.id);
      if (d.id === S.current) openChannel(d.id, { keepFocus: true });
    } else if (d.id === S.current) {
      const bottom = isAtBottom($('log'));
      renderCurrent();
      if (bottom) scrollToBottom();
    }
  }
}

function leftChannel(chId) {
  S.channels.delete(chId);
  S.data.delete(chId);
  renderSidebar();
  if (S.current === chId) {
    S.current = null;
    const next = sortedChannels()[0];
    if (next) go(next.id, { replace: true }); else { showEmpty(); history.replaceState(null, '', location.pathname); }
  }
}

async function refreshChannels() {
  if (!S.conn || !S.conn.isReady()) return;
  let r;
  try { r = await S.conn.request({ type: 'channel.list' }); } catch { return; }
  S.listed = new Map((r.channels || []).map((c) => [c.id, c]));
  let changed = false;
  for (const c of r.channels || []) {
    if (c.role) {
      if (!S.channels.has(c.id)) changed = true;
      const old = S.channels.get(c.id);
      // Keep locally counted unread numbers; the list may be older than live events.
      upsertChannel(old ? { ...c, unread: old.unread, last_seq: Math.max(old.last_seq || 0, c.last_seq || 0) } : c);
      if (S.pendingJoins.delete(c.id)) { changed = true; savePendingJoins(); }
    } else if (isPendingFlag(c) && !S.pendingJoins.has(c.id)) {
      S.pendingJoins.set(c.id, { id: c.id, name: c.name, kind: c.kind });
      changed = true;
    }
  }
  renderSidebar();
  if (changed && S.wantChannel && S.channels.has(S.wantChannel)) { go(S.wantChannel); S.wantChannel = null; }
}


// ---------------------------------------------------------------- the outbox

function newClientId() {
  return `c-${crypto.randomUUID()}`;
}

function flushOutbox() {
  for (const e of S.outbox) if (!e.failed && !e.inflight) sendEntry(e);
}

async function sendEntry(e) {
  if (!S.conn || !S.conn.isReady() || e.inflight) return;
  e.inflight = true;
  try {
    const ack = await S.conn.request({ type: 'send', channel: e.channel, body: e.body, client_id: e.client_id });
    e.inflight = false;
    settle(e, ack);
  } catch (err) {
    e.inflight = false;
    if (!S.outbox.includes(e)) return; // settled by its event meanwhile
    if (err.code === 'offline') return; // goes out again after reconnect, same client_id
    if (err.code === 'timeout' || err.code === 'unavailable' || err.code === 'internal') {
      setTimeout(() => sendEntry(e), 3000);
      return;
    }
    if (err.code === 'rate_limited') {
      setTimeout(() => sendEntry(e), Math.max(200, err.frame?.retry_after_ms || 1000));
      return;
    }
    e.failed = err.message || err.code;
    saveOutbox();
    if (e.channel === S.current) renderCurrent();
  }
}

function settle(e, ack) {
  doneWith(e.client_id);
  S.outbox = S.outbox.filter((x) => x !== e);
  saveOutbox();
  const d = S.data.get(e.channel);
  if (d && (d.loaded || d.loading) && typeof ack.id === 'number' && !d.msgs.has(ack.id)) {
    putMessage(d, { id: ack.id, channel: e.channel, author: app.meAuthor(), body: e.body, client_id: e.client_id,
      ts: ack.ts || new Date().toISOString(), edited: null, thread: null });
  }
  const c = S.channels.get(e.channel);
  if (c && typeof ack.id === 'number' && ack.id > (c.last_seq || 0)) c.last_seq = ack.id;
  if (e.channel === S.current) {
    const bottom = isAtBottom($('log'));
    renderCurrent();
    if (bottom) scrollToBottom();
    markRead();
  }
}

function submitComposer() {
  const input = $('composer-input');
  const body = input.value;
  if (!body.trim() || !S.current) return;
  const len = [...body].length;
  if (len > S.limits.max_body) {
    showComposerError(`This message is ${len - S.limits.max_body} characters too long (the limit is ${S.limits.max_body}).`);
    return;
  }
  showComposerError('');
  const e = { client_id: newClientId(), channel: S.current, body, created: new Date().toISOString() };
  S.outbox.push(e);
  saveOutbox();
  input.value = '';
  renderCurrent();
  scrollToBottom();
  sendEntry(e);
}

function showComposerError(text) {
  const el = $('composer-error');
  el.textContent = text;
  el.hidden = !text;
}

// ---------------------------------------------------------------- channels and history

// DM channel objects carry no names; label them with the other people in them.
const dmLabelAsked = new Set();
async function labelDms() {
  for (const c of S.channels.values()) {
    if (c.kind !== 'dm' || c.display || dmLabelAsked.has(c.id) || !S.conn?.isReady()) continue;
    dmLabelAsked.add(c.id);
    try {
      const r = await S.conn.request({ type: 'channel.members', channel: c.id });
      const others = (r.members || []).filter((m) => !app.isMe(m));
      const label = others.map((m) => authorName(m)).join(', ') || authorName(S.me);
      const cur = S.channels.get(c.id);
      if (cur) cur.display = label;
      renderSidebar();
      if (c.id === S.current) renderHeader();
    } catch {
      dmLabelAsked.delete(c.id);
    }
  }
}

function channelName(c) {
  return c.display || c.title || c.name || `channel ${c.id}`;
}

function sortedChannels() {
  return [...S.channels.values()].sort((a, b) => channelName(a).localeCompare(channelName(b)));
}

function routeChannel() {
  const m = /^#\/c\/(\d+)$/.exec(location.hash);
  return m ? Number(m[1]) : null;
}

function go(id, { replace = false } = {}) {
  const hash = `#/c/${id}`;
  if (location.hash === hash) { openChannel(id); return; }
  if (replace) { history.replaceState(null, '', hash); openChannel(id); } else location.hash = hash;
}

window.addEventListener('hashchange', () => {
  // A sign-up link pasted into this tab: start over on the sign-up page.
  if (signupToken()) { location.reload(); return; }
  const id = routeChannel();
  if (!S.me) return;
  if (id && S.channels.has(id)) openChannel(id);
  else if (id && S.conn && !S.conn.isReady()) S.wantChannel = id;
});

function showEmpty() {
  $('channel-view').hidden = true;
  $('empty-state').hidden = false;
}

function openChannel(id, { keepFocus = false } = {}) {
  const c = S.channels.get(id);
  if (!c) { showEmpty(); return; }
  const logEl = $('log');
  if (S.current && S.current !== id) {
    const prev = S.data.get(S.current);
    if (prev) prev.scroll = isAtBottom(logEl) ? null : logEl.scrollTop;
  }
  const switching = S.current !== id;
  S.current = id;
  saveJSON('channel', id);
  $('empty-state').hidden = true;
  $('channel-view').hidden = false;
  renderHeader();
  renderSidebar();
  const d = channelData(id);
  if (switching) {
    clear(logEl);
    $('jump-latest').hidden = true;
    showComposerError('');
  }
  renderCurrent();
  if (switching) {
    if (d.scroll === null || d.scroll === undefined) scrollToBottom(); else logEl.scrollTop = d.scroll;
  }
  if (!d.loaded && !d.loading && S.conn && S.conn.isReady()) loadLatest(id);
  if (switching) loadRequesters(c);
  markRead();
  if (!keepFocus && document.body.classList.contains('drawer-open')) {
    closeDrawer(false);
    $('composer-input').focus();
  } else if ((!document.activeElement || document.activeElement === document.body) && matchMedia('(min-width: 48em)').matches) {
    // Right after sign-in nothing has focus: start in the message box (not
    // on phones, where focusing it would pop up the keyboard).
    $('composer-input').focus();
  }
}

async function loadRequesters(c) {
  const mod = c.role === 'owner' || c.role === 'moderator';
  if (!mod || c.access !== 'request' || !S.conn || !S.conn.isReady()) return;
  try {
    const r = await S.conn.request({ type: 'channel.requests', channel: c.id });
    app.setRequesters(c.id, (r.requests || []).map((x) => (typeof x.user === 'object' && x.user ? x.user.id : x.user)));
  } catch { /* not supported: the button still opens the dialog, which explains */ }
}

function renderHeader() {
  const c = S.channels.get(S.current);
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
  const mod = c.role === 'owner' || c.role === 'moderator';
  $('show-requests').hidden = !(mod && c.access === 'request');
  const waiting = c.requesters ? c.requesters.size : (c.pending_requests || 0);
  $('show-requests').textContent = waiting ? `Join requests (${waiting})` : 'Join requests';
  $('leave-channel').textContent = c.kind === 'dm' ? 'Leave conversation' : 'Leave channel';
  $('show-settings').hidden = !(mod && c.kind !== 'dm');
  // An archived channel is read-only: a notice takes the composer's place.
  const archived = Boolean(c.archived);
  const input = $('composer-input');
  const hadFocus = document.activeElement === input;
  input.disabled = archived;
  $('composer-send').disabled = archived;
  $('composer').hidden = archived;
  const notice = $('archived-notice');
  notice.hidden = !archived;
  notice.textContent = archived
    ? `This channel is archived: you can read its history, but nobody can post.${mod ? ' Unarchive it from Settings to reopen it.' : ''}`
    : '';
  if (archived && hadFocus) $('log').focus();
  $('log').setAttribute('aria-label', c.kind === 'dm' ? `Messages with ${channelName(c)}` : `Messages in #${channelName(c)}`);
  $('composer-input').placeholder = c.kind === 'dm' ? `Message ${channelName(c)}` : `Message #${channelName(c)}`;
  updateTitle();
}

// "(3) #lobby · Weft": unread messages elsewhere show in the tab title.
function updateTitle() {
  const c = S.channels.get(S.current);
  const base = c ? `${c.kind === 'dm' ? '' : '#'}${channelName(c)} · Weft` : 'Weft';
  let unread = 0;
  for (const x of S.channels.values()) unread += x.unread || 0;
  document.title = unread ? `(${unread}) ${base}` : base;
}


function renderCurrent() {
  if (!S.current) return;
  const d = channelData(S.current);
  const logEl = $('log');
  logEl.setAttribute('aria-busy', d.loading || d.loadingOlder ? 'true' : 'false');
  renderLog(logEl, d, app);
}

function scrollToBottom() {
  const logEl = $('log');
  logEl.scrollTop = logEl.scrollHeight;
  $('jump-latest').hidden = true;
}

async function loadLatest(id) {
  const d = channelData(id);
  d.loading = true;
  if (id === S.current) renderCurrent();
  let r;
  try {
    r = await S.conn.request({ type: 'history', channel: id, limit: PAGE });
  } catch (e) {
    d.loading = false;
    if (id === S.current) { renderCurrent(); if (e.code !== 'offline') showComposerError(`Couldn’t load messages: ${e.message}`); }
    return;
  }
  d.loading = false;
  d.loaded = true;
  for (const m of r.messages || []) putMessage(d, m);
  d.moreOlder = Boolean(r.more);
  if (id !== S.current) return;
  renderCurrent();
  scrollToBottom();
  markRead();
  fillViewport(id);
}

// Keep loading older pages until the log can scroll (so scrolling up works).
function fillViewport(id) {
  const logEl = $('log');
  const d = channelData(id);
  if (id === S.current && d.moreOlder && logEl.scrollHeight <= logEl.clientHeight + 8) loadOlder(id);
}

async function loadOlder(id) {
  const d = channelData(id);
  if (d.loadingOlder || !d.loaded || !d.moreOlder || !d.order.length) return;
  d.loadingOlder = true;
  const logEl = $('log');
  // Anchor on the body of the oldest message on screen so the view stays put.
  const anchorKey = `m${d.order[0]}`;
  const anchorBody = () => d.els.get(anchorKey)?.querySelector('.msg-body') || d.els.get(anchorKey);
  const offsetOf = (el) => (el ? el.getBoundingClientRect().top - logEl.getBoundingClientRect().top : 0);
  renderCurrent();
  let r;
  try {
    r = await S.conn.request({ type: 'history', channel: id, before: d.order[0], limit: PAGE });
  } catch {
    d.loadingOlder = false;
    if (id === S.current) renderCurrent();
    return;
  }
  const a = anchorBody();
  const before = offsetOf(a);
  for (const m of r.messages || []) putMessage(d, m);
  d.moreOlder = Boolean(r.more);
  d.loadingOlder = false;
  if (id !== S.current) return;
  renderCurrent();
  if (a && a.isConnected) logEl.scrollTop += offsetOf(a) - before;
  fillViewport(id);
}

let readTimer = null;
function markRead() {
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    const c = S.channels.get(S.current);
    if (!c || document.hidden || !S.conn || !S.conn.isReady()) return;
    const logEl = $('log');
    if (!isAtBottom(logEl)) return;
    const d = channelData(c.id);
    const seq = Math.max(c.last_seq || 0, d.order.length ? d.order[d.order.length - 1] : 0);
    if (c.unread) { c.unread = 0; updateBadge(c.id); }
    if (!seq || seq <= (c.read_sent || 0)) return;
    c.read_sent = seq;
    S.conn.send({ type: 'read', channel: c.id, seq });
  }, 300);
}

// ---------------------------------------------------------------- sidebar

function badge(n) {
  return h('span', { class: 'badge' }, h('span', { 'aria-hidden': 'true' }, String(n)), h('span', { class: 'sr-only' }, ` ${n} unread`));
}

function renderSidebar() {
  const nav = $('channel-nav');
  const focusedKey = nav.contains(document.activeElement) ? document.activeElement.dataset.key : null;
  clear(nav);
  const all = sortedChannels();
  const invites = [...S.listed.values()].filter((c) => !c.role && isInvited(c) && !S.channels.has(c.id));
  for (const [kind, label] of GROUPS) {
    const headingId = `nav-${kind}`;
    const list = h('ul', { class: 'nav-list', 'aria-labelledby': headingId });
    for (const c of all.filter((x) => (x.kind || 'cohort') === kind)) {
      const unread = c.unread || 0;
      const a = h('a', {
        href: `#/c/${c.id}`,
        class: `nav-link${unread ? ' has-unread' : ''}`,
        'data-key': `c${c.id}`,
        'aria-current': c.id === S.current ? 'page' : null,
      },
      kind === 'dm' ? h('span', { class: 'nav-prefix', 'aria-hidden': 'true' }, '@') : h('span', { class: 'nav-prefix', 'aria-hidden': 'true' }, '#'),
      h('span', { class: 'nav-name' }, channelName(c)),
      unread ? badge(unread) : null);
      list.append(h('li', null, a));
    }
    for (const p of S.pendingJoins.values()) {
      if ((p.kind || 'caucus') !== kind || S.channels.has(p.id)) continue;
      list.append(h('li', { class: 'nav-pending' },
        h('span', { class: 'nav-prefix', 'aria-hidden': 'true' }, '#'),
        h('span', { class: 'nav-name' }, p.name),
        h('span', { class: 'tag' }, 'Request pending')));
    }
    for (const c of invites.filter((x) => x.kind === kind)) {
      list.append(h('li', { class: 'nav-pending' },
        h('span', { class: 'nav-prefix', 'aria-hidden': 'true' }, '#'),
        h('span', { class: 'nav-name' }, channelName(c)),
        h('button', { type: 'button', class: 'btn btn-small btn-secondary', 'data-key': `i${c.id}`, 'aria-label': `Accept invitation to ${channelName(c)}`, onclick: () => dialogs.acceptInvite(app, c) }, 'Accept invitation')));
    }
    if (!list.firstChild) {
      list.append(h('li', { class: 'nav-empty' }, kind === 'dm' ? 'No conversations yet' : `No ${label.toLowerCase()} yet`));
    }
    nav.append(h('section', { class: 'nav-group' }, h('h2', { id: headingId, class: 'nav-heading' }, label), list));
  }
  if (focusedKey) nav.querySelector(`[data-key="${focusedKey}"]`)?.focus();
  if (S.me) updateTitle();
}

function updateBadge(id) {
  const a = $('channel-nav').querySelector(`[data-key="c${id}"]`);
  if (!a) { renderSidebar(); return; }
  const c = S.channels.get(id);
  a.querySelector('.badge')?.remove();
  const n = c?.unread || 0;
  a.classList.toggle('has-unread', n > 0);
  if (n) a.append(badge(n));
  updateTitle();
}

// ---------------------------------------------------------------- drawer (narrow screens)

function openDrawer() {
  document.body.classList.add('drawer-open');
  $('drawer-toggle').setAttribute('aria-expanded', 'true');
  $('drawer-toggle').querySelector('.drawer-toggle-label').textContent = 'Hide channels';
  $('drawer-backdrop').hidden = false;
  const target = $('channel-nav').querySelector('[aria-current="page"]') || $('channel-nav').querySelector('a, button');
  (target || $('browse-channels')).focus();
}

function closeDrawer(refocus = true) {
  if (!document.body.classList.contains('drawer-open')) return;
  document.body.classList.remove('drawer-open');
  $('drawer-toggle').setAttribute('aria-expanded', 'false');
  $('drawer-toggle').querySelector('.drawer-toggle-label').textContent = 'Show channels';
  $('drawer-backdrop').hidden = true;
  if (refocus) $('drawer-toggle').focus();
}

$('drawer-toggle').addEventListener('click', () => {
  if (document.body.classList.contains('drawer-open')) closeDrawer(); else openDrawer();
});
$('drawer-backdrop').addEventListener('click', () => closeDrawer());
$('drawer-close').addEventListener('click', () => closeDrawer());
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && document.body.classList.contains('drawer-open') && !document.querySelector('dialog[open]')) closeDrawer();
});
$('channel-nav').addEventListener('click', (e) => {
  const a = e.target.closest('a.nav-link');
  if (a && a.getAttribute('href') === location.hash) closeDrawer(false);
});
// Leaving the narrow layout with the drawer open would leave the backdrop up.
matchMedia('(min-width: 48em)').addEventListener('change', (e) => { if (e.matches) closeDrawer(false); });

// ---------------------------------------------------------------- wiring

$('composer').addEventListener('submit', (e) => { e.preventDefault(); submitComposer(); });
$('composer-input').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
    e.preventDefault();
    submitComposer();
  }
});
$('composer-input').addEventListener('input', () => { if (!$('composer-error').hidden) showComposerError(''); });

$('log').addEventListener('scroll', () => {
  const logEl = $('log');
  if (!S.current) return;
  if (logEl.scrollTop < 200) loadOlder(S.current);
  if (isAtBottom(logEl)) { $('jump-latest').hidden = true; markRead(); }
}, { passive: true });
$('jump-latest').addEventListener('click', () => { scrollToBottom(); markRead(); $('composer-input').focus(); });
document.addEventListener('visibilitychange', () => { if (!document.hidden) markRead(); });

$('signout').addEventListener('click', signOut);
$('reconnect-now').addEventListener('click', () => S.conn?.connectNow());
$('browse-channels').addEventListener('click', () => dialogs.browseChannels(app));
$('new-channel').addEventListener('click', () => dialogs.createChannel(app));
$('new-dm').addEventListener('click', () => dialogs.newDirectMessage(app));
$('show-members').addEventListener('click', () => dialogs.members(app, S.channels.get(S.current)));
$('show-requests').addEventListener('click', () => dialogs.joinRequests(app, S.channels.get(S.current)));
$('show-settings').addEventListener('click', () => dialogs.channelSettings(app, S.channels.get(S.current)));
$('admin-people').addEventListener('click', () => admin.peopleAdmin(app));
$('leave-channel').addEventListener('click', async () => {
  const c = S.channels.get(S.current);
  if (!c) return;
  const ok = await confirmDialog({
    title: c.kind === 'dm' ? 'Leave this conversation?' : `Leave #${channelName(c)}?`,
    message: c.access === 'open' ? 'You can join again any time from Browse channels.' : 'To come back you will need to ask or be invited again.',
    confirmLabel: 'Leave',
    danger: true,
  });
  if (!ok) return;
  try {
    await S.conn.request({ type: 'channel.leave', channel: c.id });
    leftChannel(c.id);
  } catch (e) {
    showComposerError(`Couldn’t leave: ${e.message}`);
  }
});

setInterval(() => { if (S.current) refreshTimes($('log')); }, 30000);
// While a join request is pending, look for its approval now and then (the
// join event covers the live case; this covers approvals missed meanwhile).
setInterval(() => { if (S.pendingJoins.size) refreshChannels(); }, 20000);

export { RequestError };
boot();
