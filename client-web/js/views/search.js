// The header's message search: the searchbox `Search messages` and the
// region `Search results` under the top bar, results grouped by channel
// with author, time and the snippet (its [[matches]] drawn as <mark>
// elements, text nodes only). Results are links to the message
// (#/c/CH/m/ID, permalink.js), so Enter or a click opens the channel there
// and highlights the message. Keys: ↓ from the box to the results, ↑ ↓
// Home End among them, Escape back to the box (and again to close).
import { h, $, clear } from '../dom.js';
import { state, on, emit, channelLabel } from '../state.js';
import * as search from '../search.js';
import * as net from '../net.js';
import * as channels from '../channels.js';
import * as permalink from '../permalink.js';
import { formatTime, formatFull } from '../timefmt.js';
import { authorName } from '../util.js';

const DEBOUNCE_MS = 300;
let typingTimer = null;

const panel = () => $('search-results');
const input = () => $('search-input');
const hits = () => [...panel().querySelectorAll('.search-hit')];

function setOpen(open) {
  panel().hidden = !open;
}

export function close({ refocus = false } = {}) {
  setOpen(false);
  if (refocus) input().focus();
}

function snippet(m) {
  const parts = search.snippetParts(m);
  return h('span', { class: 'search-snippet' },
    parts.map((p) => (p.mark ? h('mark', null, p.text) : p.text)));
}

function groupTitle(c) {
  if (c.kind === 'dm') return c.member ? channelLabel(c) : 'Direct message';
  return `#${c.name}`;
}

function hitLink(m, c) {
  const href = `#/c/${m.channel}/m/${m.id}`;
  return h('a', {
    class: 'search-hit', href, 'data-channel': m.channel, 'data-id': m.id,
    onclick: (e) => { e.preventDefault(); openHit(m, c); },
  },
  h('span', { class: 'search-meta' },
    h('span', { class: 'search-author' }, authorName(m.author)),
    h('time', { class: 'search-time', datetime: m.ts, title: formatFull(m.ts) }, formatTime(m.ts)),
    m.thread ? h('span', { class: 'search-tag' }, 'in a thread') : null),
  snippet(m));
}

function render({ appended = false } = {}) {
  const cur = search.current;
  const status = $('search-status');
  const list = $('search-list');
  const focusedId = document.activeElement?.closest?.('.search-hit')?.dataset.id;
  if (!cur.q) { close(); return; }
  clear(list);
  if (cur.error) status.textContent = cur.error;
  else if (cur.loading && !cur.hits.length) status.textContent = 'Searching…';
  else if (!cur.hits.length) status.textContent = `No messages match “${cur.q}”.`;
  else status.textContent = `${cur.hits.length}${cur.more ? '+' : ''} ${cur.hits.length === 1 ? 'message' : 'messages'} match “${cur.q}”.`;
  search.groups().forEach((g, i) => {
    const titleId = `search-group-${i}`;
    list.append(h('section', { class: 'search-group', 'aria-labelledby': titleId },
      h('h2', { class: 'search-channel', id: titleId }, groupTitle(g.channel),
        g.channel.member ? null : h('span', { class: 'search-tag' }, 'not joined')),
      h('ul', { class: 'search-items' }, g.hits.map((m) => h('li', null, hitLink(m, g.channel))))));
  });
  const more = $('search-more');
  more.hidden = !cur.more;
  more.disabled = cur.loading;
  more.textContent = cur.loading && cur.hits.length ? 'Loading…' : 'More results';
  setOpen(true);
  // After "More results" the focus stays on the result it was on.
  if (appended && focusedId) list.querySelector(`.search-hit[data-id="${focusedId}"]`)?.focus();
}

// Opens the channel at the message: the link route, which permalink.js
// follows (history around the message, scroll, highlight). A result from
// an open channel I have not joined offers to join it first.
function openHit(m, c) {
  const route = `#/c/${m.channel}/m/${m.id}`;
  if (!state.channels.has(m.channel)) {
    emit('notice', {
      text: `You haven’t joined #${c.name}. Join it to read this message in its conversation.`,
      action: { label: `Join #${c.name}`, run: () => joinThenOpen(m.channel, route) },
    });
    return;
  }
  close();
  $('app').classList.remove('drawer-open');
  if (location.hash === route) {
    // Already the address (the same result opened twice): follow it again.
    state.wantMessage = { channel: m.channel, id: m.id };
    channels.open(m.channel);
    permalink.follow();
  } else {
    location.hash = route;
  }
}

async function joinThenOpen(chId, route) {
  try {
    const r = await net.request({ type: 'channel.join', channel: chId });
    if (r.type !== 'channel' || !r.channel) {
      emit('notice', 'Your request to join was sent to the channel’s moderators.');
      return;
    }
    channels.add(r.channel, false);
    close();
    location.hash = route;
  } catch (e) {
    emit('notice', `Couldn’t join: ${e.message}`);
  }
}

function moveFocus(e) {
  const list = hits();
  if (!list.length) return;
  const i = list.indexOf(document.activeElement);
  let next = null;
  if (e.key === 'ArrowDown') next = list[Math.min(i + 1, list.length - 1)];
  else if (e.key === 'ArrowUp') next = i <= 0 ? null : list[i - 1];
  else if (e.key === 'Home') next = list[0];
  else if (e.key === 'End') next = list[list.length - 1];
  else return;
  e.preventDefault();
  if (next) next.focus();
  else input().focus();
}

function onInputKey(e) {
  // (Alt+↓ is the next channel: views/keys.js.)
  if (e.key === 'ArrowDown' && !e.altKey && !panel().hidden) {
    const first = hits()[0];
    if (first) { e.preventDefault(); first.focus(); }
  } else if (e.key === 'Escape') {
    e.preventDefault();
    if (!panel().hidden) close();
    else { input().value = ''; search.clear(); }
  }
}

function onPanelKey(e) {
  if (e.key === 'Escape') { e.preventDefault(); close({ refocus: true }); return; }
  if (e.target.classList?.contains('search-hit')) moveFocus(e);
}

export function init() {
  const box = input();
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(typingTimer);
    search.run(box.value);
    if (search.current.q) setOpen(true);
  });
  box.addEventListener('input', () => {
    clearTimeout(typingTimer);
    // Search as one types, once a word has two characters; a box emptied
    // closes the results.
    if (!box.value.trim()) { search.clear(); return; }
    if ([...box.value.trim()].length < 2) return;
    typingTimer = setTimeout(() => search.run(box.value), DEBOUNCE_MS);
  });
  box.addEventListener('keydown', onInputKey);
  box.addEventListener('focus', () => { if (search.current.q && search.current.q === box.value.trim()) setOpen(true); });
  panel().addEventListener('keydown', onPanelKey);
  $('search-close').addEventListener('click', () => close({ refocus: true }));
  $('search-more').addEventListener('click', () => search.more());
  // A click outside the box and the panel closes the panel.
  document.addEventListener('pointerdown', (e) => {
    if (panel().hidden || panel().contains(e.target) || $('search-form').contains(e.target)) return;
    close();
  });
  on('search', render);
  // The quick switcher's "Search messages for …": as if typed here and Enter.
  on('search.ask', (q) => {
    clearTimeout(typingTimer);
    box.value = q;
    search.run(q);
    if (search.current.q) setOpen(true);
    box.focus();
  });
  on('session', ({ signedIn }) => { if (!signedIn) { box.value = ''; search.clear(); } });
  // Channel names change (a DM labelled, a channel joined): redraw.
  on('channels', () => { if (!panel().hidden) render(); });
}
