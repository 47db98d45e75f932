// Attaching files in a message box: an attach button (a file input), files
// dropped on the view, images pasted into the box. Each starts uploading at
// once (uploads.js); the list under the box shows its progress with a
// cancel button, then the file ready to go with the next message (or a
// reason it could not be uploaded). The channel's composer (index.html) and
// a thread's reply box (thread.js) each mount one, with their own slot.
import { h, $, clear } from '../dom.js';
import { state, on, emit } from '../state.js';
import * as uploads from '../uploads.js';
import { typeIcon } from './filecards.js';

function item(m, sl, a) {
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
      onclick: () => { uploads.remove(sl, a.key); m.box.focus(); } },
    a.status === 'uploading' ? 'Cancel' : 'Remove'));
}

// Rebuilt on each change but for the progress of items already drawn, so
// that a focused Cancel button keeps its focus while the bar moves.
function render(m) {
  const sl = m.slot();
  const { list } = m;
  const items = sl ? uploads.list(sl) : [];
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
  for (const a of items) list.append(item(m, sl, a));
  list.hidden = !items.length;
  if (focusedKey) list.querySelector(`[data-key="${focusedKey}"] button`)?.focus();
  m.status.textContent = items.length
    ? `${items.length} ${items.length === 1 ? 'file' : 'files'} attached${uploads.busy(sl) ? ', uploading' : ''}`
    : '';
}

const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes('Files');

// Wires a message box's attach controls: slot() names its uploads (null:
// none now); button, input, list, status and box are its elements; files
// dropped on dropTarget go to it while accepts() says the box is usable.
// Returns { render, stop }: stop unsubscribes (a thread panel closing).
export function mount({ slot, button, input, list, status, box, dropTarget, accepts = () => true }) {
  const m = { slot, list, status, box };
  const add = (files, opts) => {
    const sl = slot();
    if (!sl || !files || !files.length) return;
    const problems = uploads.add(sl, [...files], opts);
    if (problems.length) emit('alert', problems.join(' '));
  };
  button.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    add(input.files);
    input.value = '';
  });
  let depth = 0;
  dropTarget.addEventListener('dragenter', (e) => {
    if (!hasFiles(e) || !accepts()) return;
    e.stopPropagation();
    depth++;
    dropTarget.classList.add('dropping');
  });
  dropTarget.addEventListener('dragleave', (e) => {
    if (!depth) return;
    e.stopPropagation();
    if (--depth === 0) dropTarget.classList.remove('dropping');
  });
  dropTarget.addEventListener('dragover', (e) => {
    if (hasFiles(e) && accepts()) { e.preventDefault(); e.stopPropagation(); }
  });
  dropTarget.addEventListener('drop', (e) => {
    depth = 0;
    dropTarget.classList.remove('dropping');
    if (!hasFiles(e) || !accepts()) return;
    e.preventDefault();
    e.stopPropagation();
    add(e.dataTransfer.files);
  });
  // A pasted image (a screenshot) becomes an attachment; pasted text stays text.
  box.addEventListener('paste', (e) => {
    const files = [...(e.clipboardData?.files || [])].filter((f) => f.type.startsWith('image/'));
    if (!files.length) return;
    e.preventDefault();
    add(files, { pasted: true });
  });
  const offs = [on('attachments', (sl) => { if (sl === slot()) render(m); })];
  render(m);
  return { render: () => render(m), stop: () => { for (const off of offs) off?.(); } };
}

export function init() {
  const composer = mount({
    slot: () => state.current,
    button: $('attach-button'), input: $('attach-input'), list: $('attach-list'), status: $('attach-status'),
    box: $('composer-input'), dropTarget: $('channel-view'), accepts: () => !$('composer').hidden,
  });
  on('current', composer.render);
  on('session', ({ signedIn }) => { if (!signedIn) { uploads.reset(); composer.render(); } });
}
