// People on screen: presence dots (with words for screen readers) that follow
// presence frames wherever they are drawn, and names that open a person's
// profile card.
import { h } from '../dom.js';
import { state, on, emit } from '../state.js';
import { authorName } from '../util.js';

const WORDS = { true: 'online', false: 'offline' };

function paint(el, online) {
  const known = typeof online === 'boolean';
  if (el.dataset.presence !== undefined) {
    el.classList.toggle('is-online', online === true);
    el.classList.toggle('is-offline', online === false);
    el.hidden = !known;
    const word = known ? WORDS[online] : '';
    if (el.title !== word) el.title = word;
  }
  if (el.dataset.presenceText !== undefined) {
    const text = known ? `${el.dataset.prefix || ''}${WORDS[online]}` : '';
    if (el.textContent !== text) el.textContent = text;
  }
}

// A dot saying whether person id is online (hidden while unknown). Screen
// readers hear nothing of it: put presenceText() where the word belongs.
export function presenceDot(id) {
  const el = h('span', { class: 'presence', 'data-presence': String(id), 'aria-hidden': 'true' }, h('span', { class: 'presence-dot' }));
  paint(el, state.people.get(id)?.online);
  return el;
}

// The same in words for screen readers ("online", after prefix).
export function presenceText(id, prefix = ', ') {
  const el = h('span', { class: 'sr-only', 'data-presence-text': String(id), 'data-prefix': prefix });
  paint(el, state.people.get(id)?.online);
  return el;
}

// Every dot and word on the page follows the people it shows.
function repaint(ids) {
  const wanted = new Set(ids);
  for (const el of document.querySelectorAll('[data-presence], [data-presence-text]')) {
    const id = Number(el.dataset.presence ?? el.dataset.presenceText);
    if (wanted.has(id)) paint(el, state.people.get(id)?.online);
  }
}

// A person's name as a button that opens their card.
export function personButton(u, cls = 'person-link') {
  return h('button', { type: 'button', class: cls, 'aria-haspopup': 'dialog', onclick: () => emit('profile', u) }, authorName(u));
}

// A message's author: the name opens the card. A message that continues
// the one above shows no name; screen readers still hear it (the plain
// copy), and the keyboard skips the hidden button.
export function authorButton(u) {
  if (!u) return h('span', { class: 'msg-author' }, authorName(u));
  return h('span', { class: 'msg-author-wrap' },
    personButton(u, 'msg-author'),
    h('span', { class: 'msg-author-plain' }, authorName(u)));
}

export function init() {
  on('people', repaint);
}
