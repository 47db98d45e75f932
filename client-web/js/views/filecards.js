// The files a message carries: images inline as lazy-loaded thumbnails
// (their alt text the file's name), other files as cards with a type badge,
// the name, the size and a download link. Also the badge the Files panel
// shows. Every name is text, never markup.
import { h } from '../dom.js';
import { formatSize } from '../uploads.js';

export const INLINE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export const fileUrl = (f) => `/api/files/${encodeURIComponent(f.id)}`;

const KINDS = [
  [/^image\//, 'IMG', 'image'],
  [/^video\//, 'VID', 'video'],
  [/^audio\//, 'AUD', 'audio'],
  [/pdf$/, 'PDF', 'PDF document'],
  [/(wordprocessing|msword|opendocument\.text|rtf)/, 'DOC', 'document'],
  [/(spreadsheet|ms-excel|csv)/, 'XLS', 'spreadsheet'],
  [/(presentation|powerpoint)/, 'PPT', 'presentation'],
  [/(zip|compressed|tar|gzip|7z|rar)/, 'ZIP', 'archive'],
  [/^text\//, 'TXT', 'text'],
];

// {badge, words}: a short label drawn in the icon and the kind in words.
export function kindOf(f) {
  const t = (f.type || '').toLowerCase();
  for (const [re, badge, words] of KINDS) if (re.test(t)) return { badge, words };
  const ext = /\.([a-z0-9]{1,4})$/i.exec(f.name || '');
  return { badge: ext ? ext[1].toUpperCase() : 'FILE', words: 'file' };
}

export function typeIcon(f) {
  const k = kindOf(f);
  return h('span', { class: 'file-icon', 'data-kind': k.badge, 'aria-hidden': 'true' }, k.badge);
}

export function downloadLink(f, { small = true } = {}) {
  return h('a', { class: `btn ${small ? 'btn-small ' : ''}btn-secondary file-download`, href: fileUrl(f), download: f.name,
    'aria-label': `Download ${f.name}` }, 'Download');
}

function thumb(f) {
  return h('a', { class: 'file-thumb', href: fileUrl(f), target: '_blank', rel: 'noopener', title: f.name },
    h('img', { src: fileUrl(f), alt: f.name, loading: 'lazy', decoding: 'async' }));
}

function card(f) {
  const k = kindOf(f);
  return h('div', { class: 'file-card' },
    typeIcon(f),
    h('span', { class: 'file-meta' },
      h('span', { class: 'file-name', title: f.name }, f.name),
      h('span', { class: 'file-size' }, `${formatSize(f.size)} · ${k.words}`)),
    downloadLink(f));
}

// The files of a message (null when it has none).
export function messageFiles(files) {
  if (!Array.isArray(files) || !files.length) return null;
  const images = files.filter((f) => INLINE.has(f.type));
  const others = files.filter((f) => !INLINE.has(f.type));
  return h('div', { class: 'msg-files' },
    images.length ? h('div', { class: 'file-thumbs' }, images.map(thumb)) : null,
    others.map(card));
}
