// Files on their way into a message: each picked, dropped or pasted file is
// uploaded at once (POST /api/files, raw body, XMLHttpRequest for its upload
// progress) and waits in the composer until the message goes out with its
// id. Per message box (a slot: the channel's, or a thread's in it); not kept
// across a reload (an upload never attached is removed by the server after a
// day).
import { emit, limit } from './state.js';

let seq = 0;
const byChannel = new Map(); // slot -> [{key, name, size, type, loaded, status, id?, error?, xhr?}]

// The slot of a message box: the channel's own (its id), or a thread's.
export const slot = (ch, root = null) => (root ? `${ch}:${root}` : ch);
const channelOf = (sl) => (typeof sl === 'number' ? sl : Number(String(sl).split(':')[0]));

export const list = (ch) => byChannel.get(ch) || [];
// Uploaded and ready to attach.
export const ready = (ch) => list(ch).filter((a) => a.status === 'done');
export const busy = (ch) => list(ch).some((a) => a.status === 'uploading');

function changed(ch) {
  emit('attachments', ch);
}

export function formatSize(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(1)} GB`;
}

// Why the server refused, in words (its JSON message when it gave one).
function refusal(xhr) {
  let body = null;
  try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
  if (xhr.status === 413) return body?.message || `The file is larger than ${formatSize(limit('max_file'))}.`;
  if (xhr.status === 401) return 'Your session ended. Sign in again to upload.';
  if (xhr.status === 403) return body?.message || 'You can’t post files in this channel.';
  return body?.message || `The upload failed (${xhr.status || 'no connection'}).`;
}

function start(ch, a, file) {
  const xhr = new XMLHttpRequest();
  a.xhr = xhr;
  xhr.open('POST', `/api/files?channel=${encodeURIComponent(channelOf(ch))}&name=${encodeURIComponent(a.name)}`);
  xhr.withCredentials = true;
  if (file.type) xhr.setRequestHeader('content-type', file.type);
  xhr.upload.addEventListener('progress', (e) => {
    if (!e.lengthComputable) return;
    a.loaded = e.loaded;
    changed(ch);
  });
  xhr.addEventListener('load', () => {
    delete a.xhr;
    let body = null;
    try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
    if (xhr.status === 200 && body?.file) {
      Object.assign(a, { status: 'done', id: body.file.id, type: body.file.type, loaded: a.size });
    } else {
      Object.assign(a, { status: 'failed', error: refusal(xhr) });
    }
    changed(ch);
  });
  xhr.addEventListener('error', () => {
    delete a.xhr;
    Object.assign(a, { status: 'failed', error: 'The upload was cut off. Check your connection and try again.' });
    changed(ch);
  });
  xhr.send(file);
}

// A file's name as the server takes it: no slashes or control characters.
function cleanName(name) {
  const n = [...(name || 'file').replace(/[\u0000-\u001f\u007f/\\]/g, '_')].slice(0, limit('max_file_name')).join('');
  return n === '.' || n === '..' || !n ? 'file' : n;
}

// Starts uploading files (a FileList or array) for slot ch; returns the
// problems found before any byte went out (too large, too many).
export function add(ch, files, { pasted = false } = {}) {
  const problems = [];
  const items = byChannel.get(ch) || [];
  for (const file of files) {
    if (items.length >= limit('max_files')) {
      problems.push(`A message can carry at most ${limit('max_files')} files.`);
      break;
    }
    let name = file.name;
    if (pasted || !name) name = `pasted-image-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.${(file.type.split('/')[1] || 'png').replace(/[^a-z0-9]/g, '')}`;
    if (file.size > limit('max_file')) {
      problems.push(`${name} is ${formatSize(file.size)}; the limit is ${formatSize(limit('max_file'))}.`);
      continue;
    }
    if (!file.size) {
      problems.push(`${name} is empty.`);
      continue;
    }
    const a = { key: `u${++seq}`, name: cleanName(name), size: file.size, type: file.type || 'application/octet-stream', loaded: 0, status: 'uploading' };
    items.push(a);
    byChannel.set(ch, items);
    start(ch, a, file);
  }
  changed(ch);
  return problems;
}

// Cancels an upload under way, or takes a finished one out of the message.
export function remove(ch, key) {
  const items = list(ch);
  const a = items.find((x) => x.key === key);
  if (!a) return;
  a.xhr?.abort();
  byChannel.set(ch, items.filter((x) => x !== a));
  changed(ch);
}

// The message went out with them: the composer starts empty again.
export function take(ch) {
  const done = ready(ch);
  byChannel.set(ch, list(ch).filter((a) => a.status !== 'done'));
  changed(ch);
  return done.map(({ id, name, size, type }) => ({ id, name, size, type }));
}

export function reset() {
  for (const items of byChannel.values()) for (const a of items) a.xhr?.abort();
  byChannel.clear();
}


