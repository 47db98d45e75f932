// The Files panel: the open channel's resource library (channel.files),
// newest first — each file with its type, size, who shared it and when, a
// download link, and a way to the message it came with. Paged with "Show
// older files"; loaded again when a message with files arrives or one is
// deleted while it is open.
import { h, $, clear } from '../dom.js';
import { formatTime, formatFull } from '../timefmt.js';
import { state, on } from '../state.js';
import * as net from '../net.js';
import { authorName } from '../util.js';
import { formatSize } from '../uploads.js';
import { typeIcon, downloadLink, kindOf } from './filecards.js';
import * as panel from './sidepanel.js';

const PAGE = 50;
let shownFor = null;  // the channel whose files are on screen
let files = null;     // the files loaded, newest first; null while loading
let more = false;
let error = '';
let loading = 0;      // the load under way (a newer one wins)

async function load({ older = false } = {}) {
  const chId = shownFor;
  const mine = ++loading;
  const req = { type: 'channel.files', channel: chId, limit: PAGE };
  if (older && files?.length) req.before = files[files.length - 1].id;
  try {
    const r = await net.request(req);
    if (mine !== loading || chId !== shownFor) return;
    files = older ? [...(files || []), ...r.files] : r.files;
    more = Boolean(r.more);
    error = '';
  } catch (err) {
    if (mine !== loading || chId !== shownFor) return;
    error = err.message || err.code;
  }
  render();
}

function item(chId, f) {
  const t = new Date(f.ts);
  const k = kindOf(f);
  const show = () => {
    if (matchMedia('(max-width: 600px)').matches) panel.close({ refocus: false });
    location.hash = `#/c/${chId}/m/${f.message}`;
  };
  return h('li', { class: 'files-item' },
    typeIcon(f),
    h('div', { class: 'file-meta' },
      h('span', { class: 'file-name', title: f.name }, f.name),
      h('span', { class: 'file-size' },
        `${formatSize(f.size)} · ${k.words} · shared by ${authorName(f.author)}, `,
        h('time', { datetime: t.toISOString(), title: formatFull(t) }, formatTime(t))),
      h('span', { class: 'files-actions' },
        downloadLink(f),
        h('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: show,
          'aria-label': `Show the message with ${f.name}` }, 'Show message'))));
}

function render() {
  if (shownFor === null || panel.kind() !== 'files') return;
  const body = panel.body();
  const focused = body.contains(document.activeElement) ? [...body.querySelectorAll('a, button')].indexOf(document.activeElement) : -1;
  clear(body);
  if (!files) {
    body.append(error ? h('p', { class: 'form-error' }, `Couldn’t load the files: ${error}`) : h('p', { class: 'thread-note' }, 'Loading files…'));
    return;
  }
  body.append(h('p', { class: 'sr-only', role: 'status' }, `${files.length}${more ? ' or more' : ''} ${files.length === 1 ? 'file' : 'files'}`));
  if (!files.length) {
    body.append(h('p', { class: 'thread-note' }, 'No files shared here yet. Attach one to a message with “Attach file”, or drop it on the channel.'));
    return;
  }
  body.append(h('ul', { class: 'files-list' }, files.map((f) => item(shownFor, f))));
  if (more) body.append(h('button', { type: 'button', class: 'btn btn-secondary btn-small files-more', onclick: () => load({ older: true }) }, 'Show older files'));
  if (error) body.append(h('p', { class: 'form-error' }, error));
  if (focused !== -1) {
    const all = body.querySelectorAll('a, button');
    all[Math.min(focused, all.length - 1)]?.focus();
  }
}

function toggle() {
  if (panel.kind() === 'files') { panel.close(); return; }
  const chId = state.current;
  if (!chId) return;
  shownFor = chId;
  files = null;
  error = '';
  panel.show({
    kind: 'files', label: 'Files', title: 'Files',
    closeLabel: 'Close files',
    onClose: () => { shownFor = null; files = null; $('show-files').setAttribute('aria-expanded', 'false'); },
    returnFocus: () => $('show-files'),
  });
  $('show-files').setAttribute('aria-expanded', 'true');
  render();
  $('side-title').focus();
  load();
}

export function init() {
  $('show-files').addEventListener('click', toggle);
  on('message', ({ id, message }) => { if (id === shownFor && message?.files?.length) load(); });
  on('messages', ({ id }) => { if (id === shownFor && files?.length) load(); });
}
