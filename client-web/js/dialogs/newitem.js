// The "New item" dialog (and "Edit item", the same form filled in): title,
// owner (the channel's members, me first), due date (YYYY-MM-DD, with a
// calendar button where the browser has one), and Create. From a message's
// "Create action item" the title starts as the message's first line and
// the item links to the message.
import { h, nextId } from '../dom.js';
import { state, limit, isMe } from '../state.js';
import { openDialog, alertLine } from '../dialog.js';
import * as people from '../people.js';
import * as items from '../items.js';
import { authorName } from '../util.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(s) {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

// The first line of a message, cut to the title's limit.
export function titleFrom(body) {
  const line = String(body || '').split('\n').find((l) => l.trim()) || '';
  const max = limit('max_item_title') || 200;
  const chars = [...line.trim()];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}

// chId: the channel; item: the item to edit (or none); message: {id, body}.
export function itemDialog(chId, { item = null, message = null } = {}) {
  const ids = { title: nextId('it-title'), owner: nextId('it-owner'), due: nextId('it-due'), hint: nextId('it-hint') };
  const err = alertLine();
  const title = h('input', { id: ids.title, type: 'text', required: true, maxlength: String(limit('max_item_title') || 200), autocomplete: 'off',
    value: item ? item.title : titleFrom(message?.body) });
  const owner = h('select', { id: ids.owner, class: 'input' },
    h('option', { value: '' }, 'Nobody yet'),
    state.me ? h('option', { value: String(state.me.id) }, `Me (${authorName(state.me)})`) : null);
  const due = h('input', { id: ids.due, type: 'text', inputmode: 'numeric', placeholder: 'YYYY-MM-DD', autocomplete: 'off',
    'aria-describedby': ids.hint, value: item?.due || '' });
  const picker = h('input', { type: 'date', class: 'date-picker', tabindex: '-1', 'aria-hidden': 'true', title: 'Pick a date',
    onchange: () => { due.value = picker.value; } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, item ? 'Save' : 'Create');
  const form = h('form', { class: 'stack', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: ids.title }, 'Title'), title),
    h('div', { class: 'field' }, h('label', { for: ids.owner }, 'Owner'), owner),
    h('div', { class: 'field' }, h('label', { for: ids.due }, 'Due date'),
      h('div', { class: 'due-row' }, due, picker),
      h('p', { id: ids.hint, class: 'hint' }, 'Optional. Year-month-day, e.g. 2027-03-14.')),
    err,
    h('div', { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => dlg.close() }, 'Cancel'), submit));
  const setOwners = (list) => {
    const keep = owner.value || (item?.owner ? String(item.owner.id) : '');
    for (const m of list) {
      if (isMe({ id: m.id }) || owner.querySelector(`option[value="${m.id}"]`)) continue;
      const p = people.person(m.id);
      owner.append(h('option', { value: String(m.id) }, p ? authorName(p) : `user ${m.id}`));
    }
    if (item?.owner && !owner.querySelector(`option[value="${item.owner.id}"]`)) owner.append(h('option', { value: String(item.owner.id) }, authorName(item.owner)));
    owner.value = keep;
  };
  setOwners([]);
  people.members(chId).then(setOwners).catch(() => {});
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.show('');
    const t = title.value.trim();
    const d = due.value.trim();
    if (!t) { err.show('Give the item a title.'); title.focus(); return; }
    if (d && !validDate(d)) { err.show('Write the due date as year-month-day, e.g. 2027-03-14.'); due.focus(); return; }
    submit.disabled = true;
    try {
      const o = owner.value ? Number(owner.value) : null;
      if (item) {
        await items.update(chId, item.id, { title: t, owner: o, due: d || null });
      } else {
        await items.create(chId, { title: t, owner: o, due: d || null, message: message?.id });
      }
      dlg.close('ok');
    } catch (x) {
      err.show(`Couldn’t ${item ? 'save' : 'create'} the item: ${x.message}`);
      submit.disabled = false;
    }
  });
  const dlg = openDialog({ title: item ? 'Edit item' : 'New item', content: form, className: 'dialog-small' });
  return dlg;
}
