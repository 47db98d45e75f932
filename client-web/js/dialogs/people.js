// Finding people (user.find) and opening a direct message with one of them
// (a group: dialogs/newdm.js).
import { h, clear, nextId } from '../dom.js';
import { openDialog, alertLine, noteLine } from '../dialog.js';
import { state } from '../state.js';
import * as net from '../net.js';
import * as channels from '../channels.js';
import { errText, userName, personInfo } from './common.js';

// Runs search() 250 ms after the person stops typing in input; each search
// gets a number, and an answer that is not the latest one is dropped.
export function searchAsYouType(input, search) {
  let timer = null;
  let seq = 0;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { const mine = ++seq; search(() => mine === seq); }, 250);
  });
}

// Asks user.find for q: resolves with the users, or with null when a newer
// search took over or the request failed (then status and alert say so).
export async function findUsers(q, latest, status, alert) {
  status.show('Searching…');
  try {
    const r = await net.request({ type: 'user.find', q });
    return latest() ? r.users || [] : null;
  } catch (e) {
    if (latest()) {
      status.show('');
      alert.show(errText(e));
    }
    return null;
  }
}

export const peopleFound = (n, none) => (n ? `${n} ${n === 1 ? 'person' : 'people'} found` : none);

// A search box backed by user.find; onPick(user, button, alert) acts on a result.
export function peopleSearch({ label, actionLabel, onPick }) {
  const alert = alertLine();
  const id = nextId('find');
  const input = h('input', { id, type: 'search', class: 'input', autocomplete: 'off', spellcheck: 'false' });
  const results = h('ul', { class: 'people-list', 'aria-label': 'Search results' });
  const status = noteLine();
  searchAsYouType(input, async (latest) => {
    const q = input.value.trim();
    clear(results);
    alert.show('');
    if (!q) { status.show(''); return; }
    const found = await findUsers(q, latest, status, alert);
    if (!found) return;
    const users = found.filter((u) => u.id !== state.me.id);
    status.show(peopleFound(users.length, 'Nobody matches that name.'));
    for (const u of users) {
      const btn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `${actionLabel} ${userName(u)}` }, actionLabel);
      btn.addEventListener('click', () => onPick(u, btn, alert));
      results.append(h('li', { class: 'person' }, personInfo(u), h('div', { class: 'person-actions' }, btn)));
    }
  });
  return [h('div', { class: 'field' }, h('label', { for: id }, label), input,
    h('p', { class: 'hint' }, 'Search by name or username.')), status, alert, results];
}

export async function openDm(user, dlg, alert) {
  try {
    const r = await net.request({ type: 'dm.open', users: [user.id] });
    const ch = r.channel || r;
    dlg.close();
    channels.add({ kind: 'dm', display: ch.display || userName(user), ...ch, people: [user.id] });
  } catch (e) {
    alert.show(`Couldn’t open a conversation with ${userName(user)}: ${errText(e)}`);
  }
}
