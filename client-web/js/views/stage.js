// The live session bar at the top of the channel (region "Live session"):
// title, facilitator, elapsed time, the "Confidential" badge with what it
// means, the queue in raise order (per entry "Give floor" for moderators),
// who has the floor with a countdown when timed, and the buttons that apply
// (Raise hand / Lower hand; for moderators Next, Clear floor, Start round,
// Start session, End session). Under the log: the floor-mode notice by the
// composer, the note of erased confidential messages, and the slow-mode
// countdown. Alt+R raises or lowers my hand.
import { h, $, clear, nextId, append } from '../dom.js';
import { state, on, emit, isMe } from '../state.js';
import { alertLine, confirmDialog } from '../dialog.js';
import { authorName, isModerator } from '../util.js';
import * as stage from '../stage.js';
import { startSessionDialog } from '../dialogs/stage-start.js';
import { SHORTCUTS } from '../dialogs/shortcuts.js';

let timer = null;
let slowUntil = 0; // my slow-mode wait in the open channel (ms)
const err = alertLine();

const current = () => state.channels.get(state.current);
const clock = (ms) => {
  const s = Math.max(0, Math.round(ms / 1000));
  const h2 = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h2 ? 2 : 1, '0');
  return `${h2 ? `${h2}:` : ''}${mm}:${String(s % 60).padStart(2, '0')}`;
};

async function act(label, fn) {
  err.show('');
  try { await fn(); } catch (e) { err.show(`${label}: ${e.message}`); }
}

const button = (text, onclick, cls = 'btn-secondary', attrs = {}) =>
  h('button', { type: 'button', class: `btn ${cls} btn-small`, onclick, ...attrs }, text);

function queueList(c, mod) {
  const q = stage.queue(c.id);
  if (!q.length) return h('p', { class: 'stage-empty' }, 'No hands raised.');
  return h('ol', { class: 'stage-queue', 'aria-label': 'Queue' }, q.map((u) => {
    const nameId = nextId('q');
    return h('li', { class: `stage-entry${isMe(u) ? ' is-me' : ''}` },
      h('span', { id: nameId, class: 'stage-name' }, isMe(u) ? `${authorName(u)} (you)` : authorName(u)),
      mod ? button('Give floor', () => act('Give floor', () => stage.give(c.id, u.id)), 'btn-ghost', { 'aria-describedby': nameId }) : null);
  }));
}

function floorLine(c) {
  const f = stage.floor(c.id);
  if (!f) return h('p', { class: 'stage-floor' }, c.session.mode === 'floor' ? 'Nobody has the floor.' : 'Open discussion: anyone may write.');
  return h('p', { class: 'stage-floor has-floor' },
    h('span', { class: 'floor-dot', 'aria-hidden': 'true' }),
    h('strong', null, isMe(f.user) ? 'You have the floor' : `${authorName(f.user)} has the floor`),
    f.until ? [' · ', h('span', { class: 'stage-countdown', 'data-until': f.until }, `${clock(Date.parse(f.until) - Date.now())} left`)] : null);
}

function liveBar(bar, c) {
  const s = c.session;
  const mod = isModerator(c) && !c.archived;
  const member = Boolean(c.role) && !c.archived;
  const raised = stage.handRaised(c.id);
  const confId = nextId('conf');
  const head = h('div', { class: 'stage-head' },
    h('span', { class: 'stage-live' }, 'Live'),
    h('h2', { class: 'stage-title' }, s.title),
    h('span', { class: 'stage-meta' }, 'with ', authorName(s.facilitator), ' · ',
      h('span', { class: 'stage-elapsed', 'data-since': s.started }, clock(Date.now() - Date.parse(s.started))),
      s.mode === 'floor' ? ' · Floor mode' : null));
  const conf = s.confidential ? h('p', { class: 'stage-conf', id: confId },
    h('span', { class: 'conf-badge' }, 'Confidential'),
    ' What is said here stays here: these messages are erased for everyone when the session ends.') : null;
  const actions = h('div', { class: 'stage-actions' },
    member && !stage.hasFloor(c.id) ? button(raised ? 'Lower hand' : 'Raise hand',
      () => act(raised ? 'Lower hand' : 'Raise hand', () => (raised ? stage.lower(c.id) : stage.raise(c.id))),
      raised || mod ? 'btn-secondary' : 'btn-primary', { 'aria-keyshortcuts': 'Alt+R' }) : null,
    mod ? button('Next', () => act('Next', () => stage.next(c.id))) : null,
    mod && stage.floor(c.id) ? button('Clear floor', () => act('Clear floor', () => stage.clearFloor(c.id))) : null,
    mod ? button('Start round', () => act('Start round', () => stage.round(c.id, 'random')), 'btn-ghost') : null,
    mod ? button('End session', () => endSession(c), 'btn-danger-quiet') : null);
  append(bar, [head, conf, floorLine(c), queueList(c, mod), actions, err]); // conf and lines may be null
}

async function endSession(c) {
  const s = c.session;
  const ok = await confirmDialog({
    title: 'End the session?',
    message: s.confidential
      ? 'Everyone’s confidential messages from this session are erased for good, from every screen and from the server.'
      : 'The queue and the floor are cleared. Messages stay.',
    confirmLabel: 'End session',
    danger: s.confidential,
  });
  if (ok) await act('End session', () => stage.end(c.id));
}

function renderBar() {
  const bar = $('stage-bar');
  const c = current();
  const hadFocus = bar.contains(document.activeElement) ? document.activeElement.textContent : null;
  clear(bar);
  const live = Boolean(c && c.session);
  const mod = Boolean(c) && isModerator(c) && !c.archived && c.kind !== 'dm';
  bar.hidden = !live && !mod;
  bar.classList.toggle('is-live', live);
  bar.classList.toggle('is-confidential', Boolean(live && c.session.confidential));
  if (live) liveBar(bar, c);
  else if (mod) {
    bar.append(h('p', { class: 'stage-idle' }, 'No live session.'),
      button('Start session', () => startSessionDialog(c), 'btn-secondary'), err);
  }
  if (hadFocus) {
    const again = [...bar.querySelectorAll('button')].find((b) => b.textContent === hadFocus)
      || bar.querySelector('.stage-actions button') || bar.querySelector('button');
    again?.focus();
  }
  tick();
}

// The composer in floor mode, and the erased note, and slow mode.
function renderNotes() {
  const c = current();
  const floorNote = $('floor-notice');
  const s = c?.session;
  const blocked = Boolean(s && s.mode === 'floor' && !isModerator(c) && !stage.hasFloor(c.id));
  floorNote.hidden = !blocked;
  clear(floorNote);
  if (blocked) {
    const f = stage.floor(c.id);
    floorNote.append(f ? `Floor mode: it is ${authorName(f.user)}’s turn. ` : 'Floor mode: wait for the facilitator to give you the floor. ',
      stage.handRaised(c.id) ? 'Your hand is raised.' : 'Raise your hand to speak.');
  }
  const muted = c ? stage.mutedUntil(c.id) : 0;
  const mutedNote = $('mute-notice');
  mutedNote.hidden = !muted;
  mutedNote.textContent = muted ? `You are muted here until ${new Date(muted).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}.` : '';
  const note = c ? stage.erasedNote(c.id) : null;
  const erasedEl = $('stage-erased');
  erasedEl.hidden = !note;
  erasedEl.textContent = note
    ? `${note.count} confidential ${note.count === 1 ? 'message was' : 'messages were'} erased when the session ended.` : '';
}

// Once a second while something counts: elapsed time, the floor's countdown, slow mode.
function tick() {
  const bar = $('stage-bar');
  for (const el of bar.querySelectorAll('.stage-elapsed')) el.textContent = clock(Date.now() - Date.parse(el.dataset.since));
  for (const el of bar.querySelectorAll('.stage-countdown')) el.textContent = `${clock(Date.parse(el.dataset.until) - Date.now())} left`;
  const slow = $('slow-notice');
  const wait = slowUntil - Date.now();
  const c = current();
  const every = c && c.slow && !isModerator(c) && c.role && !c.archived ? c.slow : 0;
  slow.hidden = wait <= 0 && !every;
  slow.textContent = wait > 0 ? `Slow mode: your message goes out in ${Math.ceil(wait / 1000)} s.`
    : every ? `Slow mode: one message every ${every < 60 ? `${every} seconds` : `${Math.round(every / 60)} min`}.` : '';
  const busy = !bar.hidden && bar.classList.contains('is-live') || wait > 0;
  if (busy && !timer) timer = setInterval(tick, 1000);
  else if (!busy && timer) { clearInterval(timer); timer = null; }
}

function render() {
  renderBar();
  renderNotes();
}

// Alt+R: raise or lower my hand in the open channel's live session.
function onKey(e) {
  if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.code !== 'KeyR' || document.querySelector('dialog[open]')) return;
  const c = current();
  if (!c || !c.session || !c.role || stage.hasFloor(c.id)) return;
  e.preventDefault();
  const raised = stage.handRaised(c.id);
  act(raised ? 'Lower hand' : 'Raise hand', async () => {
    await (raised ? stage.lower(c.id) : stage.raise(c.id));
    emit('notice', raised ? 'Hand lowered.' : 'Hand raised.');
  });
}

export function init() {
  SHORTCUTS.push([[h('kbd', null, 'Alt'), ' + ', h('kbd', null, 'R')], 'Raise or lower your hand in a live session']);
  document.addEventListener('keydown', onKey);
  on('stage', (id) => { if (id === state.current) render(); });
  on('channel', (id) => { if (id === state.current) render(); });
  on('current', ({ prev }) => {
    if (prev) stage.forgetErased(prev);
    slowUntil = 0;
    err.show('');
    render();
  });
  on('channels', render);
  on('slow', ({ channel, until }) => { if (channel === state.current) { slowUntil = until; tick(); } });
  on('session', ({ signedIn }) => { if (!signedIn) stage.reset(); });
}
