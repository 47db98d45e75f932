// Bringing in many people at once (admins, the People dialog): a roster CSV,
// the same file `weftd user import` takes (a header row naming username and
// any of display, email, jurisdiction, region, title). The server checks it
// first (POST /api/import?dry_run=1) and the preview shows each row's
// problem; Import creates the accounts, and Download links saves
// username,signup_url for the mail merge that sends each person theirs.
import { h, clear, nextId } from '../dom.js';
import { alertLine, noteLine } from '../dialog.js';
import { importRoster } from '../api.js';
import { formatFull } from '../timefmt.js';
import { errText } from './common.js';

// Rows drawn in the table: every problem, then the others up to the cap.
const SHOWN_MAX = 200;

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

const STATUS = {
  new: () => 'Will be created',
  exists: () => 'Already exists: skipped',
  rejected: (r) => `Not imported: ${r.reason}`,
  created: () => 'Created',
  failed: (r) => `Failed: ${r.reason || 'try again'}`,
};

function summary(res) {
  const parts = res.dry_run
    ? [plural(res.new, 'new account', 'new accounts')]
    : [`${plural(res.created, 'account', 'accounts')} created`];
  if (res.existing) parts.push(`${plural(res.existing, 'already exists', 'already exist')} (skipped)`);
  if (res.rejected) parts.push(`${plural(res.rejected, 'row has a problem', 'rows have problems')} (not imported)`);
  if (res.failed) parts.push(`${plural(res.failed, 'row', 'rows')} failed`);
  return `${parts.join(', ')}.`;
}

function previewTable(res, fileName) {
  const rows = res.rows;
  const bad = rows.filter((r) => r.status === 'rejected' || r.status === 'failed');
  const rest = rows.filter((r) => r.status !== 'rejected' && r.status !== 'failed');
  const shown = [...bad, ...rest].slice(0, Math.max(SHOWN_MAX, bad.length));
  shown.sort((a, b) => a.line - b.line);
  const body = h('tbody', null, shown.map((r) => {
    const problem = r.status === 'rejected' || r.status === 'failed';
    return h('tr', { class: problem ? 'import-problem' : null },
      h('td', { class: 'num', 'data-label': 'Line' }, String(r.line)),
      h('td', { class: 'mono', 'data-label': 'Username' }, r.username || '—'),
      h('td', { 'data-label': 'Name' }, r.display || '', r.email ? h('span', { class: 'import-email' }, r.email) : null),
      h('td', { 'data-label': 'Status' }, STATUS[r.status] ? STATUS[r.status](r) : r.status));
  }));
  const caption = shown.length < rows.length
    ? `Rows of ${fileName}: every row with a problem and ${plural(shown.length - bad.length, 'other', 'others')} of ${rows.length}`
    : `Rows of ${fileName}`;
  return h('div', { class: 'import-table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', { class: 'import-table' },
      h('caption', null, caption),
      h('colgroup', null, ['line', 'user', 'name', 'status'].map((c) => h('col', { class: `import-col-${c}` }))),
      h('thead', null, h('tr', null, ['Line', 'Username', 'Name and email', 'Status'].map((t) => h('th', { scope: 'col' }, t)))),
      body));
}

// username,signup_url for every account created, as a file to save.
function downloadLinks(res) {
  const lines = ['username,signup_url', ...res.rows.filter((r) => r.signup_url).map((r) => `${r.username},${r.signup_url}`)];
  const url = URL.createObjectURL(new Blob([`${lines.join('\r\n')}\r\n`], { type: 'text/csv' }));
  const a = h('a', { href: url, download: 'signup-links.csv', hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// The Import CSV button (it opens the file picker) and the area where the
// preview and the result appear.
export function importSection() {
  const area = h('div', { class: 'stack import-area' });
  const fileId = nextId('roster');
  const input = h('input', { id: fileId, type: 'file', accept: '.csv,text/csv', hidden: true, tabindex: '-1' });
  const toggle = h('button', { type: 'button', class: 'btn btn-secondary', 'aria-describedby': `${fileId}-hint` }, 'Import CSV');
  const hint = h('p', { id: `${fileId}-hint`, class: 'hint' },
    'Bring in many people at once from a spreadsheet saved as CSV. Its first row names the columns: username (required), and any of display, email, jurisdiction, region, title.');
  let file = null;

  const showResult = (res) => {
    clear(area);
    const status = h('p', { class: 'import-summary', role: 'status' }, summary(res));
    const parts = [h('h3', { class: 'section-title' }, res.dry_run ? `Preview of ${file.name}` : `Imported ${file.name}`), status];
    if (res.ignored) parts.push(h('p', { class: 'hint' }, `Columns not used: ${res.ignored}.`));
    parts.push(previewTable(res, file.name));
    const alert = alertLine();
    const note = noteLine();
    const actions = h('div', { class: 'dialog-actions' });
    const again = h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => input.click() }, 'Choose another file');
    if (res.dry_run) {
      const go = h('button', { type: 'button', class: 'btn btn-primary', disabled: !res.new }, res.new ? `Import ${plural(res.new, 'account', 'accounts')}` : 'Nothing to import');
      go.addEventListener('click', async () => {
        go.disabled = true;
        go.textContent = 'Importing…';
        alert.show('');
        try {
          showResult(await importRoster(file, false));
        } catch (e) {
          alert.show(errText(e));
          go.disabled = false;
          go.textContent = `Import ${plural(res.new, 'account', 'accounts')}`;
        }
      });
      actions.append(h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => { clear(area); toggle.focus(); } }, 'Cancel'), again, go);
    } else {
      if (res.created) {
        parts.push(h('p', { class: 'hint' }, `Each link works once${res.expires ? `, until ${formatFull(new Date(res.expires))}` : ''}. Anyone with a link can set that account’s password: send each person only their own, for example by a mail merge on the downloaded file.`));
        const dl = h('button', { type: 'button', class: 'btn btn-primary' }, 'Download links');
        dl.addEventListener('click', () => { downloadLinks(res); note.show('Saved signup-links.csv (username, signup_url).'); });
        actions.append(again, dl);
      } else {
        actions.append(again);
      }
    }
    area.append(...parts, alert, note, actions);
    (actions.querySelector('.btn-primary') || again).focus();
  };

  input.addEventListener('change', async () => {
    file = input.files && input.files[0];
    input.value = '';
    if (!file) return;
    clear(area);
    const status = noteLine();
    const alert = alertLine();
    area.append(status, alert);
    status.show(`Checking ${file.name}…`);
    try {
      showResult(await importRoster(file, true));
    } catch (e) {
      status.show('');
      alert.show(errText(e));
      toggle.focus();
    }
  });
  toggle.addEventListener('click', () => input.click());
  return { toggle, input, hint, area };
}
