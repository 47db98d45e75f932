// "Ana is typing…" under the message box of the open channel (a polite
// status), and my own typing, told to the server from the message box.
import { $ } from '../dom.js';
import { state, on } from '../state.js';
import * as typing from '../typing.js';
import { authorName } from '../util.js';

export function typingText(people) {
  const names = people.map((u) => authorName(u));
  if (!names.length) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  if (names.length === 3) return `${names[0]}, ${names[1]} and ${names[2]} are typing…`;
  return `${names[0]}, ${names[1]} and ${names.length - 2} others are typing…`;
}

function render() {
  const el = $('typing-status');
  const text = state.current ? typingText(typing.typists(state.current)) : '';
  if (el.textContent !== text) el.textContent = text;
}

export function init() {
  const input = $('composer-input');
  input.addEventListener('input', () => { if (input.value.trim() && state.current) typing.keystroke(state.current); });
  on('outbox', ({ queued }) => { if (queued) typing.sent(); });
  on('typing', (id) => { if (id === state.current) render(); });
  on('current', render);
  on('session', render);
}
