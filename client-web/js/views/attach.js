// Attaching files in the composer: the "Attach file" button (a file
// input), files dropped on the channel, images pasted into the message box.
// Each starts uploading at once (uploads.js); the list under the box shows
// its progress with a cancel button, then the file ready to go with the
// next message (or a reason it could not be uploaded).
import { h, $, clear } from '../dom.js';
import { state, on, emit } from '../state.js';
import * as uploads from '../uploads.js';
import { typeIcon } from './filecards.js';

function add(files, opts) {
  const ch = state.current;
  if (!ch || !files || !files.length) return;
  const problems = uploads.add(ch, [...files], opts);
  if (problems.length) emit('alert', problems.join(' '));
}

function item(ch, a) {
  const pct = a.size ? Math.round((100 * a.loaded) / a.size) : 0;
  const status = a.status === 'uploading' ? `Uploading, ${pct}%` : a.status === 'done' ? 'Ready to send' : a.error;
  return h('li', { class: `attach-item attach-${a.status}`, 'data-key': a.key },
    typeIcon(a),
    h('span', { class: 'attach-meta' },
      h('span', { class: 'attach-name' }, a.name),
      a.status === 'uploading'
        ? h('progress', { class: 'attach-progress', max: String(a.size || 1), value: String(a.loaded), 'aria-label': `Uploading ${a.name}` })
        : null,
      h('span', { class: a.status === 'failed' ? 'attach-status form-error' : 'attach-status' }, `${uploads.formatSize(a.size)} · ${status}`)),
    h('button', { type: 'button', class: 'btn btn-ghost btn-small attach-remove',
      'aria-label': a.status === 'uploading' ? `Cancel upload of ${a.name}` : `Remove ${a.name}`,
      onclick: () => { uploads.remove(ch, a.key); $('composer-input').focus(); } },
    a.status === 'uploading' ? 'Cancel' : 'Remove'));
}

// Rebuilt on each change but for the progress of items already drawn, so
// that a focused Cancel button keeps its focus while the bar moves.
function render() {
  const ch = state.current;
  const list = $('attach-list');
  const items = ch ? uploads.list(ch) : [];
  const drawn = [...list.children].map((li) => li.dataset.key).join();
  const statuses = [...list.children].map((li) => li.className).join();
  const now = items.map((a) => a.key).join();
  const nowStatuses = items.map((a) => `attach-item attach-${a.status}`).join();
  if (drawn === now && statuses === nowStatuses) {
    for (const a of items) {
      const li = list.querySelector(`[data-key="${a.key}"]`);
      const bar = li?.querySelector('progress');
      if (bar) bar.value = a.loaded;
      const st = li?.querySelector('.attach-status');
      if (st && a.status === 'uploading') st.textContent = `${uploads.formatSize(a.size)} · Uploading, ${a.size ? Math.round((100 * a.loaded) / a.size) : 0}%`;
    }
    return;
  }
  const focusedKey = list.contains(document.activeElement) ? document.activeElement.closest('li')?.dataset.key : null;
  clear(list);
  for (const a of items) list.append(item(ch, a));
  list.hidden = !items.length;
  if (focusedKey) list.querySelector(`[data-key="${focusedKey}"] button`)?.focus();
  $('attach-status').textContent = items.length
    ? `${items.length} ${items.length === 1 ? 'file' : 'files'} attached${uploads.busy(ch) ? ', uploading' : ''}`
    : '';
}

const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes('Files');

export function init() {
  const input = $('attach-input');
  $('attach-button').addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    add(input.files);
    input.value = '';
  });
  const view = $('channel-view');
  let depth = 0;
  view.addEventListener('dragenter', (e) => {
    if (!hasFiles(e) || $('composer').hidden) return;
    depth++;
    view.classList.add('dropping');
  });
  view.addEventListener('dragleave', () => {
    if (depth && --depth === 0) view.classList.remove('dropping');
  });
  view.addEventListener('dragover', (e) => {
    if (hasFiles(e) && !$('composer').hidden) e.preventDefault();
  });
  view.addEventListener('drop', (e) => {
    depth = 0;
    view.classList.remove('dropping');
    if (!hasFiles(e) || $('composer').hidden) return;
    e.preventDefault();
    add(e.dataTransfer.files);
  });
  // A pasted image (a screenshot) becomes an attachment; pasted text stays text.
  $('composer-input').addEventListener('paste', (e) => {
    const files = [...(e.clipboardData?.files || [])].filter((f) => f.type.startsWith('image/'));
    if (!files.length) return;
    e.preventDefault();
    add(files, { pasted: true });
  });
  on('attachments', (ch) => { if (ch === state.current) render(); });
  on('current', render);
  on('session', ({ signedIn }) => { if (!signedIn) { uploads.reset(); render(); } });
}
