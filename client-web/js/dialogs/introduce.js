// The dialog "Introduce" (issue 17): introduce one person (from a card in
// People) to another, found by name in the combobox "Introduce to", with a
// note both will read; each of them then accepts or not (double opt-in).
import { h, clear, nextId } from '../dom.js';
import { openDialog, alertLine, noteLine } from '../dialog.js';
import { state, limit } from '../state.js';
import * as net from '../net.js';
import * as weave from '../weave.js';
import { errText, userName } from './common.js';
import { searchAsYouType } from './people.js';

export const personLabel = (u) => `${userName(u)}${u.name && u.display && u.display !== u.name ? ` (@${u.name})` : ''}`;

// The person the text names among found (by label, user name or display
// name, case aside), else the one user.find finds by exactly that name.
async function resolve(text, found) {
  const t = text.trim().toLowerCase().replace(/^@/, '');
  const match = (u) => [personLabel(u), u.name, u.display].some((x) => x && x.toLowerCase() === t);
  const known = found.find(match);
  if (known) return known;
  const r = await net.request({ type: 'user.find', q: t.replace(/^.*\(@(.+)\)$/, '$1') });
  return (r.users || []).find(match) || null;
}

export function introduce(person) {
  const toId = nextId('intro-to');
  const listId = nextId('intro-list');
  const noteId = nextId('intro-note');
  const to = h('input', { id: toId, class: 'input', type: 'text', list: listId, autocomplete: 'off', spellcheck: 'false', role: 'combobox', 'aria-autocomplete': 'list' });
  const options = h('datalist', { id: listId });
  const note = h('textarea', { id: noteId, class: 'input', rows: '4', maxlength: String(limit('max_note') || 500) });
  const alert = alertLine();
  const status = noteLine();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Send introduction');
  let found = [];
  searchAsYouType(to, async (latest) => {
    const q = to.value.trim();
    if (!q || q.includes('(@')) return;
    try {
      const r = await net.request({ type: 'user.find', q });
      if (!latest()) return;
      found = (r.users || []).filter((u) => u.id !== person.id && u.id !== state.me?.id);
      clear(options);
      for (const u of found) options.append(h('option', { value: personLabel(u) }));
    } catch {
      // The name typed is still resolved on sending.
    }
  });
  const form = h('form', { class: 'stack', novalidate: true },
    h('p', null, `Introduce ${personLabel(person)} to someone they would want to know. Both are asked first; a conversation opens only if both say yes.`),
    h('div', { class: 'field' }, h('label', { for: toId }, 'Introduce to'), to, options,
      h('p', { class: 'hint' }, 'Type a name, then pick the person.')),
    h('div', { class: 'field' }, h('label', { for: noteId }, 'Note'), note,
      h('p', { class: 'hint' }, 'Why they should meet. It becomes the first message of their conversation.')),
    alert, status, h('div', { class: 'dialog-actions' }, submit));
  const dlg = openDialog({ title: 'Introduce', content: form, className: 'dialog-intro' });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    alert.show('');
    if (!to.value.trim()) { alert.show('Choose who to introduce them to.'); to.focus(); return; }
    if (!note.value.trim()) { alert.show('Write a short note for both of them.'); note.focus(); return; }
    submit.disabled = true;
    try {
      const other = await resolve(to.value, found);
      if (!other) { alert.show(`Nobody called “${to.value.trim()}” was found.`); to.focus(); return; }
      await weave.propose(person.id, other.id, note.value.trim());
      dlg.close();
      weave.notifySent?.(person, other);
    } catch (ex) {
      alert.show(`Couldn’t send the introduction: ${errText(ex)}`);
    } finally {
      submit.disabled = false;
    }
  });
}
