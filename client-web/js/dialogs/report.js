// The "Report message" dialog: a reason (1–500 characters) sent to the
// channel's moderators. The author is never told who reported it.
import { h, nextId } from '../dom.js';
import { openDialog, alertLine } from '../dialog.js';
import { emit } from '../state.js';
import { authorName } from '../util.js';
import * as stage from '../stage.js';

const MAX = 500;

export function reportDialog(chId, vm) {
  const err = alertLine();
  const rId = nextId('rp-r');
  const hint = nextId('rp-h');
  const quote = (vm.body || '').length > 140 ? `${[...vm.body].slice(0, 140).join('')}…` : vm.body || '';
  const reason = h('textarea', { id: rId, rows: '3', maxlength: String(MAX), required: true, 'aria-describedby': hint });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Send report');
  const form = h('form', { class: 'stack', novalidate: true },
    h('blockquote', { class: 'report-quote' }, h('strong', null, authorName(vm.author)), ': ', quote),
    h('div', { class: 'field' }, h('label', { for: rId }, 'Reason'), reason,
      h('p', { id: hint, class: 'hint' }, 'Only the channel’s moderators see the report and your name. Up to 500 characters.')),
    err,
    h('div', { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => dlg.close() }, 'Cancel'), submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = reason.value.trim();
    if (!text) { err.show('Say what is wrong with this message.'); reason.focus(); return; }
    err.show('');
    submit.disabled = true;
    try {
      await stage.report(chId, vm.id, text);
      dlg.close();
      emit('notice', 'Thank you. The moderators have your report.');
    } catch (x) {
      err.show(`Couldn’t send the report: ${x.message}`);
      submit.disabled = false;
    }
  });
  const dlg = openDialog({ title: 'Report message', content: form, className: 'dialog-small' });
  return dlg;
}
