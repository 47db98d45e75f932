// New direct message: pick one person or a few (up to the server's
// max_dm_members besides me) and open the one conversation of exactly that
// group (dm.open finds it again or creates it).
import { h, clear, nextId } from '../dom.js';
import { openDialog, alertLine, noteLine } from '../dialog.js';
import { state, limit, putUser } from '../state.js';
import * as net from '../net.js';
import * as channels from '../channels.js';
import { authorName } from '../util.js';
import { errText, personInfo } from './common.js';
import { searchAsYouType, findUsers, peopleFound } from './people.js';

// Opens (or creates) the conversation with these people and shows it.
export async function openConversation(users) {
  const r = await net.request({ type: 'dm.open', users: users.map((u) => u.id) });
  const ch = r.channel || r;
  for (const u of users) putUser(u);
  channels.add({
    kind: 'dm',
    display: ch.display || users.map((u) => authorName(u)).join(', '),
    ...ch,
    people: users.map((u) => u.id),
  });
}

export function newDirectMessage() {
  const max = limit('max_dm_members');
  const chosen = [];
  const alert = alertLine();
  const status = noteLine();
  const said = h('p', { class: 'sr-only', role: 'status' });
  const searchId = nextId('find');
  const input = h('input', { id: searchId, type: 'search', class: 'input', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': `${searchId}-hint` });
  const picked = h('ul', { class: 'chips', 'aria-label': 'People in this conversation' });
  const results = h('ul', { class: 'people-list', 'aria-label': 'Search results' });
  const openBtn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Open conversation');
  let found = [];

  const renderPicked = () => {
    clear(picked);
    if (!chosen.length) picked.append(h('li', { class: 'chips-empty hint' }, 'Nobody chosen yet.'));
    for (const u of chosen) {
      picked.append(h('li', { class: 'chip' }, h('span', null, authorName(u)),
        h('button', {
          type: 'button', class: 'chip-remove', 'aria-label': `Remove ${authorName(u)}`, 'data-user': String(u.id),
          onclick: () => remove(u),
        }, h('span', { 'aria-hidden': 'true' }, '×'))));
    }
    openBtn.textContent = chosen.length > 1 ? `Open group conversation (${chosen.length + 1} people)` : 'Open conversation';
  };
  const renderResults = () => {
    clear(results);
    const full = chosen.length >= max;
    for (const u of found) {
      const inIt = chosen.some((x) => x.id === u.id);
      const btn = h('button', {
        type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Add ${authorName(u)}`, 'data-user': String(u.id),
        disabled: inIt || full,
        onclick: () => add(u),
      }, inIt ? 'Added' : 'Add');
      results.append(h('li', { class: 'person' }, personInfo(u), h('div', { class: 'person-actions' }, btn)));
    }
  };
  const count = () => `${chosen.length} of ${max} chosen.`;
  function add(u) {
    if (chosen.length >= max || chosen.some((x) => x.id === u.id)) return;
    chosen.push(u);
    alert.show('');
    renderPicked();
    renderResults();
    said.textContent = `${authorName(u)} added. ${count()}${chosen.length >= max ? ' That’s the most one conversation can have.' : ''}`;
    input.focus();
    input.select();
  }
  function remove(u) {
    const i = chosen.findIndex((x) => x.id === u.id);
    if (i === -1) return;
    chosen.splice(i, 1);
    renderPicked();
    renderResults();
    said.textContent = `${authorName(u)} removed. ${count()}`;
    (picked.querySelector('.chip-remove') || input).focus();
  }

  searchAsYouType(input, async (latest) => {
    const q = input.value.trim();
    alert.show('');
    if (!q) { found = []; renderResults(); status.show(''); return; }
    const users = await findUsers(q, latest, status, alert);
    if (!users) return;
    found = users.filter((u) => u.id !== state.me.id && u.active !== false);
    status.show(peopleFound(found.length, 'Nobody matches that name.'));
    renderResults();
  });

  const form = h('form', { class: 'stack', novalidate: true },
    h('p', { class: 'hint' }, `Write to one person, or to a group of up to ${max}. The same people always share one conversation.`),
    h('div', { class: 'chips-field' }, h('h3', { class: 'chips-title' }, 'To'), picked),
    h('div', { class: 'field' },
      h('label', { for: searchId }, 'Find people'),
      input,
      h('p', { id: `${searchId}-hint`, class: 'hint' }, 'Search by name or username, then choose Add.')),
    status, results,
    alert, said,
    h('div', { class: 'dialog-actions dialog-footer' },
      h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => dlg.close() }, 'Cancel'),
      openBtn));
  // Enter in the search box searches; it must not open the conversation.
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') e.preventDefault(); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    alert.show('');
    if (!chosen.length) { alert.show('Choose at least one person: search for them, then press Add.'); input.focus(); return; }
    openBtn.disabled = true;
    try {
      await openConversation(chosen);
      dlg.close();
    } catch (ex) {
      alert.show(`Couldn’t open the conversation: ${errText(ex)}`);
      openBtn.disabled = false;
    }
  });
  const dlg = openDialog({ title: 'New direct message', content: form });
  renderPicked();
}
