// A person's profile card: name, whether they are online, title,
// jurisdiction and region, and a way to write to them. It follows their
// presence and profile changes while it is open.
import { h, clear } from '../dom.js';
import { openDialog, alertLine } from '../dialog.js';
import { state, on, emit, isMe } from '../state.js';
import * as net from '../net.js';
import * as people from '../people.js';
import { authorName } from '../util.js';
import { presenceDot } from '../views/person.js';
import { openConversation } from './newdm.js';
import { errText } from './common.js';
import { profileExtra } from '../views/weavefmt.js';

// The whole profile (title, jurisdiction, region, pronouns, focus, bio):
// user.get (weaving, issue 17).
async function lookUp(u) {
  if (!net.ready()) return;
  try {
    const r = await net.request({ type: 'user.get', user: u.id });
    if (r.user) people.userFrame({ user: r.user });
  } catch { /* the card shows what is known */ }
}

const DETAILS = [['pronouns', 'Pronouns'], ['title', 'Title'], ['jurisdiction', 'Jurisdiction'], ['region', 'Region']];

function details(u) {
  const rows = DETAILS.filter(([k]) => typeof u[k] === 'string' && u[k].trim());
  const focus = Array.isArray(u.focus) ? u.focus : [];
  if (!rows.length && !focus.length && !u.bio) return h('p', { class: 'hint' }, u.looked ? 'No title, jurisdiction or region given.' : 'Loading profile…');
  return [
    rows.length ? h('dl', { class: 'profile-details' }, rows.map(([k, label]) => [h('dt', null, label), h('dd', null, u[k])])) : null,
    ...profileExtra(u),
  ];
}

function presenceLine(u) {
  const known = typeof u.online === 'boolean';
  return h('p', { class: 'profile-presence' }, presenceDot(u.id), known ? (u.online ? 'Online' : 'Offline') : '');
}

export function openProfile(u0) {
  if (!u0 || typeof u0.id !== 'number') return;
  const id = u0.id;
  const me = isMe(u0);
  const get = () => ({ ...u0, ...(state.people.get(id) || {}) });
  const alert = alertLine();
  const body = h('div', { class: 'profile-card' });
  const message = h('button', { type: 'button', class: 'btn btn-primary' }, 'Message');
  const actions = h('div', { class: 'dialog-actions dialog-actions-start' });
  if (me) {
    actions.append(h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => { dlg.close(); emit('open-settings'); } }, 'Edit your profile'));
  } else {
    message.setAttribute('aria-label', `Message ${authorName(get())}`);
    actions.append(message);
  }
  const unsubs = [];
  const dlg = openDialog({
    title: authorName(get()),
    className: 'dialog-small profile-dialog',
    content: [body, alert, actions],
    onClose: () => { unsubs.forEach((f) => f()); people.unwatch('card'); },
  });
  const titleEl = dlg.querySelector('.dialog-title');
  let looked = false;
  const render = () => {
    const u = { ...get(), looked };
    titleEl.textContent = authorName(u);
    if (!me) message.setAttribute('aria-label', `Message ${authorName(u)}`);
    clear(body);
    body.append(
      h('p', { class: 'profile-handle' }, `@${u.name || ''}`, me ? ' (you)' : null),
      me ? null : presenceLine(u),
      ...[details(u)].flat().filter(Boolean));
  };
  message.addEventListener('click', async () => {
    alert.show('');
    message.disabled = true;
    try {
      await openConversation([get()]);
      dlg.close();
    } catch (e) {
      alert.show(`Couldn’t open a conversation with ${authorName(get())}: ${errText(e)}`);
      message.disabled = false;
    }
  });
  unsubs.push(on('people', (ids) => { if (ids.includes(id)) render(); }));
  render();
  (me ? dlg.querySelector('.dialog-actions button') : message).focus();
  if (!me) people.watch('card', [id]);
  lookUp(get()).finally(() => { looked = true; if (dlg.open) render(); });
}
