// "@" in the message box offers the open channel's members: ↑ and ↓ choose,
// Enter or Tab inserts "@name ", Escape closes the list. The box keeps the
// focus; the list is a listbox it controls, its active option named by
// aria-activedescendant, and a status says how many match.
import { h, $, clear } from '../dom.js';
import { state, on } from '../state.js';
import * as people from '../people.js';
import { candidates } from '../mentions.js';
import { authorName } from '../util.js';

// The "@query" that ends right before the caret, not inside a word.
const AT_QUERY = /(^|[^A-Za-z0-9._-])@([A-Za-z0-9._-]*)$/;

let items = [];
let active = 0;
let at = -1; // where the "@" is in the box
let closedAt = -1; // Escape closed the list for the "@" here (until more is typed)

const input = () => $('composer-input');
const list = () => $('mention-list');
const isOpen = () => !list().hidden;

function close() {
  if (!isOpen()) return;
  list().hidden = true;
  clear(list());
  input().removeAttribute('aria-activedescendant');
  $('mention-status').textContent = '';
  items = [];
}

function paint() {
  for (const [i, li] of [...list().children].entries()) li.setAttribute('aria-selected', String(i === active));
  const el = list().children[active];
  if (el) {
    input().setAttribute('aria-activedescendant', el.id);
    el.scrollIntoView({ block: 'nearest' });
  }
}

function show(found) {
  items = found;
  active = 0;
  const ul = list();
  clear(ul);
  found.forEach((u, i) => {
    const li = h('li', { id: `mention-opt-${i}`, role: 'option', class: 'mention-option', 'aria-selected': 'false' },
      h('span', { class: 'mention-option-name' }, u.special ? `@${u.name}` : authorName(u)),
      h('span', { class: 'mention-option-handle' }, u.special ? u.display : `@${u.name}`));
    // The box keeps the focus (and the caret) while the mouse picks.
    li.addEventListener('mousedown', (e) => { e.preventDefault(); accept(i); });
    ul.append(li);
  });
  ul.hidden = false;
  paint();
  const n = found.length;
  $('mention-status').textContent = `${n} ${n === 1 ? 'person matches' : 'people match'}. ↑ and ↓ to choose, Enter to insert.`;
}

// Looks at the text before the caret: open, update or close the list.
function update() {
  const el = input();
  if (!state.current || el.selectionStart !== el.selectionEnd) { close(); return; }
  const before = el.value.slice(0, el.selectionStart);
  const m = AT_QUERY.exec(before);
  if (!m) { close(); closedAt = -1; return; }
  at = before.length - m[2].length - 1;
  if (at === closedAt) return;
  const chId = state.current;
  const found = candidates(chId, m[2]);
  if (found.length) show(found); else close();
  // The members come once: the list opens when they are here.
  if (!state.members.has(chId)) {
    people.members(chId).then(() => { if (state.current === chId && document.activeElement === el) update(); }).catch(() => {});
  }
}

function accept(i) {
  const u = items[i];
  if (!u) return;
  const el = input();
  const end = el.selectionStart;
  el.setRangeText(`@${u.name} `, at, end, 'end');
  close();
  // Others listening to the box (typing, the error line) hear the change.
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

// Before the message box's own keys (Enter sends): capture on its form.
function onKey(e) {
  if (!isOpen() || e.target !== input()) return;
  const n = items.length;
  let handled = true;
  if (e.key === 'ArrowDown') active = (active + 1) % n;
  else if (e.key === 'ArrowUp') active = (active - 1 + n) % n;
  else if ((e.key === 'Enter' && !e.shiftKey) || (e.key === 'Tab' && !e.shiftKey)) { accept(active); return stop(e); }
  else if (e.key === 'Escape') { closedAt = at; close(); return stop(e); }
  else handled = false;
  if (handled) { paint(); stop(e); }
  return undefined;
}

function stop(e) {
  e.preventDefault();
  e.stopImmediatePropagation();
}

export function init() {
  const el = input();
  $('composer').addEventListener('keydown', onKey, true);
  // Typing on after Escape offers names again; moving the caret does not.
  el.addEventListener('input', () => { closedAt = -1; update(); });
  el.addEventListener('click', update);
  el.addEventListener('keyup', (e) => { if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End') update(); });
  el.addEventListener('blur', () => setTimeout(() => { if (document.activeElement !== el) close(); }, 0));
  on('current', () => { close(); closedAt = -1; });
}
