// Account administration for admins (the People dialog): create accounts
// (each gets a one-time sign-up link), find people, issue new links, reset
// passwords, deactivate and reactivate. The server checks every request;
// its messages are shown as they come.
import { h, clear, nextId } from '../dom.js';
import { openDialog, alertLine, noteLine } from '../dialog.js';
import { userName } from './common.js';
import { searchAsYouType, findUsers, peopleFound } from './people.js';
import { createForm, linkPanel } from './admin-create.js';
import { accountRow } from './admin-account.js';
import { importSection } from './admin-import.js';

// "Create an account": a button that opens the form in place, and after
// creating, the new person's sign-up link.
function createSection(known) {
  const area = h('div', { class: 'stack' });
  const toggle = h('button', { type: 'button', class: 'btn btn-secondary', 'aria-expanded': 'false' }, 'Create an account');
  const hide = () => {
    clear(area);
    toggle.hidden = false;
    toggle.setAttribute('aria-expanded', 'false');
    toggle.focus();
  };
  const created = (r) => {
    const u = r.user || {};
    known.set(u.id, { ...u });
    clear(area);
    const again = h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => { show(); } }, 'Create another account');
    const done = h('button', { type: 'button', class: 'btn btn-ghost', onclick: hide }, 'Done');
    const panel = linkPanel({
      heading: `Account created for ${userName(u)}${u.display ? ` (@${u.name})` : ''}${u.admin ? ', an administrator' : ''}. Send them this link to set their password.`,
      url: r.signup_url,
      expires: r.expires,
      who: userName(u),
    });
    area.append(h('div', { class: 'result', role: 'status' }, panel), h('div', { class: 'dialog-actions' }, done, again));
    panel.querySelector('button').focus();
  };
  const show = () => {
    clear(area);
    const form = createForm(created, hide);
    area.append(h('h3', { class: 'section-title' }, 'Create an account'), form);
    toggle.hidden = true;
    toggle.setAttribute('aria-expanded', 'true');
    form.querySelector('input').focus();
  };
  toggle.addEventListener('click', show);
  return { toggle, area };
}

// "Find people": user.find, which for admins also lists deactivated accounts.
function findSection(known) {
  const findId = nextId('find');
  const input = h('input', { id: findId, type: 'search', class: 'input', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': `${findId}-hint` });
  const status = noteLine();
  const alert = alertLine();
  const results = h('ul', { class: 'people-list', 'aria-label': 'People found' });
  let found = [];
  const render = () => {
    clear(results);
    const ids = new Set(found.map((u) => u.id));
    // Deactivated here: still listed under the search that found them.
    const q = input.value.trim().toLowerCase();
    const extra = [...known.values()].filter((u) => u.active === false && !ids.has(u.id) && q
      && ((u.name || '').toLowerCase().includes(q) || (u.display || '').toLowerCase().includes(q)));
    for (const u of [...found, ...extra]) results.append(accountRow(u, known));
  };
  searchAsYouType(input, async (latest) => {
    const q = input.value.trim();
    alert.show('');
    if (!q) { found = []; clear(results); status.show(''); return; }
    const users = await findUsers(q, latest, status, alert);
    if (!users) return;
    found = users;
    render();
    status.show(peopleFound(results.children.length, 'Nobody matches that.'));
  });
  const content = [
    h('h3', { class: 'section-title' }, 'Find people'),
    h('div', { class: 'field' },
      h('label', { for: findId }, 'Search people'),
      input,
      h('p', { id: `${findId}-hint`, class: 'hint' }, 'By name or username. Deactivated accounts are listed too, marked “Deactivated”, so you can reactivate them.')),
    status, alert, results,
  ];
  return { input, content };
}

export function peopleAdmin() {
  // Accounts this dialog changed, so a row keeps its state between searches
  // (for admins, user.find also lists deactivated accounts, marked active:false).
  const known = new Map();
  const create = createSection(known);
  const find = findSection(known);
  const roster = importSection();
  openDialog({
    title: 'People',
    className: 'dialog-wide',
    content: [
      h('p', { class: 'hint' }, 'Create accounts and manage who can sign in. Only administrators see this.'),
      h('div', { class: 'dialog-actions dialog-actions-start' }, create.toggle, roster.toggle, roster.input),
      roster.hint,
      create.area,
      roster.area,
      ...find.content,
    ],
  });
  // Start on the search box: the most common task.
  find.input.focus();
}
