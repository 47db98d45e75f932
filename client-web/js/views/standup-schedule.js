// The standup schedule editor (moderators): days of the week, the local
// time, the time zone (the browser's preselected for a new schedule), how
// long a standup stays open, and the questions, one per line. Also the
// sentence that describes a schedule to everyone.
import { h, nextId } from '../dom.js';
import { limit } from '../state.js';
import { alertLine, noteLine } from '../dialog.js';
import * as standups from '../standups.js';

const DAYS = [['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'], ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday']];
const SHORT = Object.fromEntries(DAYS.map(([k, v]) => [k, v.slice(0, 3)]));
const DEFAULT_QUESTIONS = ['What did you get done since the last standup?', 'What will you do next?'];

export const browserZone = () => {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; }
};

function zones(selected) {
  let list = [];
  try { list = Intl.supportedValuesOf('timeZone'); } catch { list = []; }
  if (!list.includes('UTC')) list = ['UTC', ...list];
  if (selected && !list.includes(selected)) list = [selected, ...list];
  return list;
}

// "Mon, Wed and Fri at 09:30 (America/Chicago), open for 45 minutes".
export function describe(cfg) {
  if (!cfg) return '';
  const days = (cfg.days || []).map((d) => SHORT[d] || d);
  const list = days.length > 1 ? `${days.slice(0, -1).join(', ')} and ${days[days.length - 1]}` : days[0];
  const every = days.length === 7 ? 'Every day' : days.length === 5 && !cfg.days.includes('sat') && !cfg.days.includes('sun') ? 'Weekdays' : `Every ${list}`;
  return `${every} at ${cfg.time} (${cfg.tz}), open for ${cfg.window} minutes`;
}

// The editor for channel chId, filled from cfg (null: a new schedule).
export function scheduleEditor(chId, cfg) {
  const err = alertLine();
  const note = noteLine();
  const ids = { time: nextId('sch-time'), tz: nextId('sch-tz'), win: nextId('sch-win'), q: nextId('sch-q'), qh: nextId('sch-qh') };
  const dayBoxes = DAYS.map(([k, label]) => {
    const id = nextId('sch-day');
    const on = cfg ? cfg.days.includes(k) : !['sat', 'sun'].includes(k);
    return { k, box: h('input', { type: 'checkbox', id, checked: on }), label: h('label', { for: id }, label) };
  });
  const time = h('input', { id: ids.time, type: 'time', class: 'input', required: true, value: cfg?.time || '09:00' });
  const zone = cfg?.tz || browserZone();
  const tz = h('select', { id: ids.tz, class: 'input' }, zones(zone).map((z) => h('option', { value: z }, z.replace(/_/g, ' '))));
  tz.value = zone;
  const win = h('input', { id: ids.win, type: 'number', class: 'input', min: '1', max: String(limit('max_window') || 1440), value: String(cfg?.window || 60), inputmode: 'numeric' });
  const questions = h('textarea', { id: ids.q, rows: '3', 'aria-describedby': ids.qh });
  questions.value = (cfg?.questions || DEFAULT_QUESTIONS).join('\n');
  const save = h('button', { type: 'submit', class: 'btn btn-primary btn-small' }, 'Save schedule');
  const off = h('button', { type: 'button', class: 'btn btn-secondary btn-small', hidden: !cfg, onclick: async () => {
    err.show('');
    note.show('');
    try { await standups.stopSchedule(chId); note.show('The schedule is off.'); } catch (e) { err.show(`Couldn’t turn it off: ${e.message}`); }
  } }, 'Turn off schedule');
  const form = h('form', { class: 'stack schedule-form', novalidate: true },
    h('fieldset', { class: 'day-set' }, h('legend', null, 'Days'), h('div', { class: 'day-grid' },
      dayBoxes.map((d) => h('div', { class: 'check' }, d.box, d.label)))),
    h('div', { class: 'field-row' },
      h('div', { class: 'field' }, h('label', { for: ids.time }, 'Time'), time),
      h('div', { class: 'field' }, h('label', { for: ids.win }, 'Open for (minutes)'), win)),
    h('div', { class: 'field' }, h('label', { for: ids.tz }, 'Time zone'), tz),
    h('div', { class: 'field' }, h('label', { for: ids.q }, 'Questions'), questions,
      h('p', { id: ids.qh, class: 'hint' }, `One per line, at most ${limit('max_questions') || 5}.`)),
    err, note,
    h('div', { class: 'form-actions' }, save, off));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.show('');
    note.show('');
    const days = dayBoxes.filter((d) => d.box.checked).map((d) => d.k);
    const qs = questions.value.split('\n').map((q) => q.trim()).filter(Boolean);
    const minutes = Number(win.value);
    if (!days.length) { err.show('Pick at least one day.'); dayBoxes[0].box.focus(); return; }
    if (!/^\d{2}:\d{2}$/.test(time.value)) { err.show('Give the time as HH:MM.'); time.focus(); return; }
    if (!qs.length || qs.length > (limit('max_questions') || 5)) { err.show(`Write 1 to ${limit('max_questions') || 5} questions, one per line.`); questions.focus(); return; }
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) { err.show('Keep it open 1 to 1440 minutes.'); win.focus(); return; }
    save.disabled = true;
    try {
      await standups.setSchedule(chId, { questions: qs, days, time: time.value, tz: tz.value, window: minutes });
      note.show('Schedule saved.');
    } catch (x) {
      err.show(`Couldn’t save the schedule: ${x.message}`);
    } finally {
      save.disabled = false;
    }
  });
  // The editor stays as the moderator left it when the schedule changes
  // (their own save, or another moderator's): only whether there is one to
  // turn off follows.
  form.update = (now) => {
    if (!now && off.contains(document.activeElement)) save.focus();
    off.hidden = !now;
  };
  return form;
}
