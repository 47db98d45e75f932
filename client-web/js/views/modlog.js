// Two panels beside the channel (issue 15): "Moderation log" (header button
// of the same name, for every member: what moderators did, newest first,
// with "Older entries"), and "Reports" (moderators: reported messages with
// Dismiss, Delete message, Mute author, Remove author).
import { h, $, clear } from '../dom.js';
import { state, on } from '../state.js';
import { alertLine } from '../dialog.js';
import { authorName, isModerator } from '../util.js';
import { formatTime, formatFull } from '../timefmt.js';
import * as stage from '../stage.js';
import * as panel from './sidepanel.js';

const WORDS = {
  remove: 'removed', ban: 'banned', unban: 'unbanned', mute: 'muted', unmute: 'unmuted', role: 'changed the role of',
  update: 'edited the channel', archive: 'archived the channel', unarchive: 'unarchived the channel',
  delete: 'deleted a message by', 'session.start': 'started the session', 'session.end': 'ended the session',
  'report.resolve': 'resolved a report about',
};
const RESOLVE = [['dismiss', 'Dismiss'], ['delete', 'Delete message'], ['mute', 'Mute author'], ['remove', 'Remove author']];

let shown = null; // {kind: 'modlog'|'reports', chId, entries, more}
const timeEl = (iso) => {
  const t = new Date(iso);
  return h('time', { datetime: t.toISOString(), title: formatFull(t) }, formatTime(t));
};

function entryText(e) {
  const who = e.actor ? authorName(e.actor) : 'The server';
  const what = WORDS[e.action] || e.action;
  const target = e.target && !/channel|session/.test(what) ? ` ${authorName(e.target)}` : '';
  const extra = e.action === 'role' ? ` (now ${e.reason})`
    : e.action === 'session.start' ? ` “${e.reason}”`
      : e.action === 'report.resolve' ? ` (${e.reason})`
        : e.reason ? `: ${e.reason}` : '';
  return `${who} ${what}${target}${extra}`;
}

async function loadLog(older = false) {
  const s = shown;
  try {
    const before = older && s.entries.length ? s.entries[s.entries.length - 1].id : 0;
    const r = await stage.modlog(s.chId, before);
    if (shown !== s) return;
    s.entries = older ? [...s.entries, ...(r.entries || [])] : r.entries || [];
    s.more = Boolean(r.more);
    s.error = null;
  } catch (e) {
    s.error = e.message;
  }
  s.loaded = true;
  render();
}

function renderLog(body) {
  const s = shown;
  if (!s.loaded) { body.append(h('p', { class: 'thread-note' }, 'Loading the moderation log…')); return; }
  if (s.error) body.append(h('p', { class: 'form-error', role: 'alert' }, `Couldn’t load the log: ${s.error}`));
  body.append(h('p', { class: 'thread-note' }, 'Every member can see what the moderators of this channel did.'));
  if (!s.entries.length) { body.append(h('p', { class: 'thread-note' }, 'No moderator actions yet.')); return; }
  body.append(h('ol', { class: 'modlog-list', 'aria-label': 'Moderator actions' }, s.entries.map((e) =>
    h('li', { class: `modlog-entry modlog-${e.action.replace('.', '-')}` }, h('span', null, entryText(e)), ' ', timeEl(e.ts)))));
  if (s.more) body.append(h('button', { type: 'button', class: 'btn btn-secondary btn-small', onclick: () => loadLog(true) }, 'Older entries'));
}

function reportItem(chId, r, err) {
  const open = r.state === 'open';
  const act = (action, label) => h('button', {
    type: 'button', class: `btn btn-small ${action === 'dismiss' ? 'btn-secondary' : 'btn-danger-quiet'}`,
    onclick: async () => {
      err.show('');
      try { await stage.resolve(chId, r.id, action); } catch (e) { err.show(`${label}: ${e.message}`); }
    },
  }, label);
  return h('li', { class: `report-item${open ? ' is-open' : ''}` },
    h('p', { class: 'report-head' }, h('strong', null, authorName(r.reporter)), ' reported ',
      h('strong', null, authorName(r.message?.author)), ' ', timeEl(r.ts)),
    h('blockquote', { class: 'report-quote' }, r.message?.body ?? 'This message was deleted.'),
    h('p', { class: 'report-reason' }, 'Reason: ', r.reason),
    open ? h('div', { class: 'form-actions', role: 'group', 'aria-label': 'Resolve report' }, RESOLVE.map(([a, l]) => act(a, l)))
      : h('p', { class: 'report-state' }, `Resolved: ${r.action}${r.resolved_by ? ` by ${authorName(r.resolved_by)}` : ''}`));
}

function renderReports(body) {
  const s = shown;
  const err = alertLine();
  if (!s.loaded) { body.append(h('p', { class: 'thread-note' }, 'Loading reports…')); return; }
  if (s.error) body.append(h('p', { class: 'form-error', role: 'alert' }, `Couldn’t load reports: ${s.error}`));
  const list = stage.reportsOf(s.chId);
  body.append(err);
  if (!list.length) { body.append(h('p', { class: 'thread-note' }, 'No reports. Members report a message from its “More actions” menu.')); return; }
  body.append(h('ul', { class: 'report-list', 'aria-label': 'Reports' }, list.map((r) => reportItem(s.chId, r, err))));
}

function render() {
  if (!shown || panel.kind() !== shown.kind) return;
  const body = panel.body();
  const focusText = body.contains(document.activeElement) ? document.activeElement.textContent : null;
  clear(body);
  if (shown.kind === 'modlog') renderLog(body); else renderReports(body);
  if (focusText) ([...body.querySelectorAll('button')].find((b) => b.textContent === focusText) || $('side-title')).focus();
}

function toggle(kind) {
  const btn = $(kind === 'modlog' ? 'show-modlog' : 'show-reports');
  if (panel.kind() === kind) { panel.close(); return; }
  if (!state.current) return;
  const s = { kind, chId: state.current, entries: [], more: false, loaded: false };
  const label = kind === 'modlog' ? 'Moderation log' : 'Reports';
  // The other of the two panels may be open: its close must not forget this one.
  panel.show({
    kind, label, title: label,
    onClose: () => { if (shown === s) shown = null; btn.setAttribute('aria-expanded', 'false'); },
    returnFocus: () => btn,
  });
  shown = s;
  btn.setAttribute('aria-expanded', 'true');
  render();
  $('side-title').focus();
  if (kind === 'modlog') loadLog();
  else stage.loadReports(shown.chId).then(() => { if (shown) { shown.loaded = true; render(); } }, (e) => { if (shown) { shown.loaded = true; shown.error = e.message; render(); } });
}

function buttons() {
  const c = state.channels.get(state.current);
  $('show-modlog').hidden = !c || c.kind === 'dm' || !c.role;
  $('show-reports').hidden = !c || c.kind === 'dm' || !isModerator(c);
  const open = c ? stage.reportsOf(c.id).filter((r) => r.state === 'open').length : 0;
  $('show-reports').textContent = open ? `Reports (${open})` : 'Reports';
}

export function init() {
  $('show-modlog').addEventListener('click', () => toggle('modlog'));
  $('show-reports').addEventListener('click', () => toggle('reports'));
  on('reports', (id) => { if (shown?.chId === id && shown.kind === 'reports') render(); if (id === state.current) buttons(); });
  // A moderator action shows up in the open log.
  on('modlog', (id) => { if (shown?.chId === id && shown.kind === 'modlog') loadLog(); });
  on('members', (id) => { if (shown?.chId === id && shown.kind === 'modlog') loadLog(); });
  on('channel', (id) => { if (id === state.current) buttons(); });
  on('current', buttons);
  // A moderator sees how many reports wait on the header's button.
  on('current', () => {
    const c = state.channels.get(state.current);
    if (c && isModerator(c) && c.kind !== 'dm') stage.loadReports(c.id).catch(() => {});
  });
  on('channels', buttons);
  on('show-reports', (id) => { if (id === state.current && panel.kind() !== 'reports') toggle('reports'); });
}
