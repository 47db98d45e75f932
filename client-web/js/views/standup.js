// The "Standup" panel beside the channel (header button "Standup", shown
// where the channel has a schedule and to its moderators): the open
// standup's questions, one box each named by its question, a Blocker box
// and "Submit answers"; others' answers as they arrive; past standups with
// their summaries (answered, missed with runs of missed standups, blockers
// highlighted); for moderators "Open standup now", "Close now" and the
// schedule editor. Parts are redrawn only when what they show changed, so
// typing an answer survives others' answers arriving.
import { h, $, clear, nextId } from '../dom.js';
import { state, on, limit } from '../state.js';
import { alertLine, noteLine } from '../dialog.js';
import * as standups from '../standups.js';
import { authorName, isModerator } from '../util.js';
import { formatTime, formatFull } from '../timefmt.js';
import { scheduleEditor, describe } from './standup-schedule.js';
import * as panel from './sidepanel.js';

let shownFor = null;
let parts = null; // {head, form, answers, history, schedule} and what each was drawn for

// Names in a line: "; " between them when one holds a comma ("Dev Patel, PhD").
const joinNames = (arr) => arr.join(arr.some((n) => n.includes(',')) ? '; ' : ', ');
const names = (list) => joinNames((list || []).map(authorName)) || 'nobody';
const timeEl = (iso) => {
  const t = new Date(iso);
  return h('time', { datetime: t.toISOString(), title: formatFull(t) }, formatTime(t));
};
// A time to come: "at 10:30" today, else with its day.
const atEl = (iso) => {
  const t = new Date(iso);
  const today = t.toDateString() === new Date().toDateString();
  const text = t.toLocaleString([], today ? { hour: '2-digit', minute: '2-digit' } : { weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return h('time', { datetime: t.toISOString(), title: formatFull(t) }, `at ${text}`);
};

function answerForm(chId, s) {
  const mine = standups.myAnswer(s);
  const err = alertLine();
  const note = noteLine();
  const boxes = s.questions.map((q, i) => {
    const id = nextId('su-a');
    const t = h('textarea', { id, rows: '2', maxlength: String(limit('max_answer') || 2000) });
    t.value = mine?.answers?.[i] || '';
    return { field: h('div', { class: 'field' }, h('label', { for: id }, q), t), t };
  });
  const bId = nextId('su-b');
  const bHint = nextId('su-bh');
  const blocker = h('input', { id: bId, type: 'text', maxlength: String(limit('max_blocker') || 1000), 'aria-describedby': bHint, value: mine?.blocker || '' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Submit answers');
  const form = h('form', { class: 'stack standup-form', novalidate: true },
    boxes.map((b) => b.field),
    h('div', { class: 'field' }, h('label', { for: bId }, 'Blocker'), blocker,
      h('p', { id: bHint, class: 'hint' }, 'Optional: anything in your way that someone could help with.')),
    err, note, h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.show('');
    if (boxes.every((b) => !b.t.value.trim()) && !blocker.value.trim()) {
      err.show('Answer at least one question, or name a blocker.');
      boxes[0]?.t.focus();
      return;
    }
    submit.disabled = true;
    try {
      await standups.answer(chId, s.id, boxes.map((b) => b.t.value.trim()), blocker.value.trim());
      note.show('Answers sent. You can change them until the standup closes.');
    } catch (x) {
      err.show(`Couldn’t send your answers: ${x.message}`);
    } finally {
      submit.disabled = false;
    }
  });
  // Ctrl+Enter sends from any box.
  form.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); } });
  return form;
}

function answerList(s, withEmpty = true) {
  const list = s.answers || [];
  if (!list.length) return withEmpty ? h('p', { class: 'thread-note' }, 'No answers yet.') : null;
  return h('ul', { class: 'answer-list' }, list.map((a) => h('li', { class: 'answer' },
    h('p', { class: 'answer-head' }, h('strong', null, authorName(a.user)), ' ', a.ts ? timeEl(a.ts) : null),
    h('dl', { class: 'answer-qa' }, s.questions.map((q, i) => [h('dt', null, q), h('dd', null, a.answers?.[i] || '—')])),
    a.blocker ? h('p', { class: 'blocker' }, h('strong', null, 'Blocker: '), a.blocker) : null)));
}

function summary(s) {
  const sum = s.summary || {};
  const runs = new Map((sum.streaks || []).map((r) => [r.user?.id, r.missed]));
  const missed = (sum.missed || []).map((u) => {
    const n = runs.get(u.id) || 1;
    return n > 1 ? `${authorName(u)} (${n} in a row)` : authorName(u);
  });
  return h('div', { class: 'standup-summary' },
    h('p', null, h('strong', null, `Answered (${(sum.answered || []).length}): `), names(sum.answered)),
    h('p', { class: missed.length ? 'missed' : '' }, h('strong', null, `Missed (${missed.length}): `), joinNames(missed) || 'nobody'),
    (sum.blockers || []).length ? h('ul', { class: 'blocker-list', 'aria-label': 'Blockers' }, sum.blockers.map((b) =>
      h('li', { class: 'blocker' }, h('strong', null, `${authorName(b.user)}: `), b.text))) : h('p', null, h('strong', null, 'Blockers: '), 'none'));
}

function history(chId) {
  const closed = standups.standupsOf(chId).filter((s) => s.state === 'closed');
  const d = standups.data(chId);
  if (!closed.length) return h('p', { class: 'thread-note' }, 'No past standups yet.');
  return [h('ol', { class: 'standup-history' }, closed.map((s) => h('li', { class: 'past-standup' },
    h('h4', null, `Standup of ${s.date}`),
    summary(s),
    (s.answers || []).length ? h('details', null, h('summary', null, `Answers (${s.answers.length})`), answerList(s, false)) : null))),
  d.more ? h('button', { type: 'button', class: 'btn btn-small btn-secondary', onclick: () => standups.load(chId, { older: true }) }, 'Older standups') : null];
}

function head(chId, s, c) {
  const d = standups.data(chId);
  const mod = isModerator(c) && !c.archived;
  const err = alertLine();
  const act = (label, fn) => h('button', { type: 'button', class: 'btn btn-small btn-secondary', onclick: async () => {
    err.show('');
    try { await fn(chId); } catch (e) { err.show(`${label}: ${e.message}`); }
  } }, label);
  return h('div', { class: 'standup-head' },
    h('p', { class: 'standup-schedule' }, d.config ? describe(d.config) : 'No schedule: standups open only when a moderator opens one.'),
    s ? h('p', { class: 'standup-open' }, h('strong', null, `Standup of ${s.date} is open`), ', closes ', atEl(s.closes), '.')
      : h('p', { class: 'thread-note' }, 'No standup is open right now.'),
    mod ? h('div', { class: 'form-actions' }, s ? act('Close now', standups.closeNow) : act('Open standup now', standups.openNow)) : null,
    err);
}

// Draws part `name` into its box when its key changed (and no keyboard is in it, unless forced).
function part(name, key, build, force = false) {
  const box = parts[name];
  if (box._key === key) return;
  if (!force && box.contains(document.activeElement) && box._key !== undefined && name !== 'history' && name !== 'answers') return;
  const had = box.contains(document.activeElement);
  box._key = key;
  clear(box);
  const made = build();
  if (made) box.append(...[made].flat().filter(Boolean));
  // A button that redrew its own part (Open standup now) keeps the keyboard here.
  if (had) (box.querySelector('button, input, textarea, select') || $('side-title')).focus();
}

function render() {
  if (shownFor === null || panel.kind() !== 'standup') return;
  const chId = shownFor;
  const c = state.channels.get(chId);
  const d = standups.data(chId);
  if (!parts) {
    const body = panel.body();
    clear(body);
    parts = { status: h('div'), head: h('div'), form: h('div'), answers: h('div'), history: h('section', { 'aria-label': 'Past standups' }), schedule: h('div') };
    body.append(parts.status, parts.head, parts.form, parts.answers,
      h('h3', { class: 'side-sub' }, 'Past standups'), parts.history, parts.schedule);
  }
  parts.status.textContent = '';
  if (!d.loaded) { parts.status.append(h('p', { class: 'thread-note' }, d.error ? `Couldn’t load standups: ${d.error}` : 'Loading standups…')); return; }
  const s = standups.openStandup(chId);
  const member = Boolean(c && c.role && !c.archived);
  part('head', JSON.stringify([d.config, s?.id, s?.closes, c?.role, c?.archived]), () => head(chId, s, c), true);
  part('form', JSON.stringify([s?.id, s?.questions, member]), () => (s && member ? [h('h3', { class: 'side-sub' }, 'Your answers'), answerForm(chId, s)] : null));
  part('answers', JSON.stringify([s?.id, s?.answers]), () => (s ? [h('h3', { class: 'side-sub' }, 'Answers so far'), answerList(s)] : null));
  part('history', JSON.stringify([standups.standupsOf(chId).filter((x) => x.state === 'closed').map((x) => [x.id, (x.answers || []).length]), d.more]), () => history(chId));
  part('schedule', JSON.stringify([isModerator(c), c?.archived]), () => (isModerator(c) && c.kind !== 'dm' && !c.archived
    ? h('details', { class: 'schedule-box', open: d.config ? undefined : true }, h('summary', null, 'Schedule'), scheduleEditor(chId, d.config))
    : null), true);
  parts.schedule.querySelector('form')?.update(d.config);
}

function toggle() {
  if (panel.kind() === 'standup') { panel.close(); return; }
  if (!state.current) return;
  shownFor = state.current;
  parts = null;
  panel.show({
    kind: 'standup', label: 'Standup', title: 'Standup',
    onClose: () => { shownFor = null; parts = null; $('show-standup').setAttribute('aria-expanded', 'false'); },
    returnFocus: () => $('show-standup'),
  });
  $('show-standup').setAttribute('aria-expanded', 'true');
  render();
  $('side-title').focus();
  standups.load(shownFor);
}

// The header button: where there is a schedule, and for moderators.
function button() {
  const c = state.channels.get(state.current);
  $('show-standup').hidden = !c || c.kind === 'dm' || !(c.standup || isModerator(c));
}

export function init() {
  $('show-standup').addEventListener('click', toggle);
  on('standup', (id) => { if (id === shownFor) render(); if (id === state.current) button(); });
  on('channel', (id) => { if (id === shownFor) render(); if (id === state.current) button(); });
  on('current', button);
  on('channels', button);
  on('session', ({ signedIn }) => { if (!signedIn) standups.reset(); });
}
