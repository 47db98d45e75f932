// The "Start session" dialog (moderators): a title, whether it is
// confidential, and floor mode.
import { h, nextId } from '../dom.js';
import { openDialog, alertLine } from '../dialog.js';
import * as stage from '../stage.js';

export function startSessionDialog(c) {
  const err = alertLine();
  const tId = nextId('ss-t');
  const cId = nextId('ss-c');
  const cHint = nextId('ss-ch');
  const fId = nextId('ss-f');
  const fHint = nextId('ss-fh');
  const title = h('input', { id: tId, type: 'text', maxlength: '200', required: true, autocomplete: 'off' });
  const conf = h('input', { id: cId, type: 'checkbox', 'aria-describedby': cHint });
  const floor = h('input', { id: fId, type: 'checkbox', 'aria-describedby': fHint });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Start');
  const form = h('form', { class: 'stack', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: tId }, 'Title'), title),
    h('div', { class: 'field' }, h('div', { class: 'check' }, conf, h('label', { for: cId }, 'Confidential')),
      h('p', { id: cHint, class: 'hint' }, 'What is said stays here: the session’s messages are erased for everyone when it ends, never searched or exported, and not shown to people who join later.')),
    h('div', { class: 'field' }, h('div', { class: 'check' }, floor, h('label', { for: fId }, 'Floor mode')),
      h('p', { id: fHint, class: 'hint' }, 'Only facilitators and the person given the floor can write; others raise a hand.')),
    err,
    h('div', { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => dlg.close() }, 'Cancel'), submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const t = title.value.trim();
    if (!t) { err.show('Give the session a title.'); title.focus(); return; }
    err.show('');
    submit.disabled = true;
    try {
      await stage.start(c.id, { title: t, confidential: conf.checked, floorMode: floor.checked });
      dlg.close();
    } catch (x) {
      err.show(`Couldn’t start the session: ${x.message}`);
      submit.disabled = false;
    }
  });
  const dlg = openDialog({ title: 'Start session', content: form, className: 'dialog-small' });
  return dlg;
}
