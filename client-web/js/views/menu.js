// A popup menu (WAI-ARIA menu button pattern): opened by a button, arrow
// keys, Home and End move between items, Escape closes it and gives focus
// back to the button, Tab closes it and moves on. On narrow screens it is a
// sheet at the bottom of the screen with large targets. One menu at a time.
import { h, nextId } from '../dom.js';

const NARROW = '(max-width: 600px)';
let current = null; // {menu, backdrop, anchor}

export const isOpen = () => current !== null;

export function close({ refocus = true } = {}) {
  if (!current) return;
  const { menu, backdrop, anchor, fallback } = current;
  current = null;
  menu.remove();
  backdrop?.remove();
  anchor.setAttribute('aria-expanded', 'false');
  anchor.removeAttribute('aria-controls');
  document.removeEventListener('pointerdown', outside, true);
  window.removeEventListener('resize', onResize);
  document.removeEventListener('scroll', onScroll, true);
  // The button may have been drawn anew meanwhile (a live change to its message).
  const target = anchor.isConnected ? anchor : fallback?.();
  if (refocus && target && target.isConnected) target.focus();
}

function outside(e) {
  if (!current) return;
  if (current.menu.contains(e.target) || current.anchor.contains(e.target)) return;
  close({ refocus: false });
}

const onResize = () => close({ refocus: false });
// The list under the menu moved (a new message, the reader scrolled): the
// menu follows its button, or closes when the button is gone.
function onScroll(e) {
  if (!current || current.menu.contains(e.target)) return;
  if (!current.anchor.isConnected) close({ refocus: false });
  else place(current.menu, current.anchor);
}

function place(menu, anchor) {
  if (matchMedia(NARROW).matches) return; // a bottom sheet, placed by CSS
  const r = anchor.getBoundingClientRect();
  const gap = 4;
  // A long menu (a moderator's, on a short screen) scrolls inside the room
  // on the roomier side of its button rather than running off the screen.
  const below = window.innerHeight - 8 - (r.bottom + gap);
  const above = r.top - gap - 8;
  menu.style.maxHeight = '';
  let m = menu.getBoundingClientRect();
  if (m.height > below && m.height > above) {
    menu.style.maxHeight = `${Math.max(below, above)}px`;
    m = menu.getBoundingClientRect();
  }
  let top = r.bottom + gap;
  if (m.height > below && above > below) top = r.top - gap - m.height;
  let left = r.right - m.width;
  left = Math.max(8, Math.min(left, window.innerWidth - m.width - 8));
  menu.style.top = `${Math.max(8, top)}px`;
  menu.style.left = `${left}px`;
}

function onKey(e) {
  const items = [...current.menu.querySelectorAll('[role="menuitem"]')];
  const i = items.indexOf(document.activeElement);
  let next = null;
  if (e.key === 'ArrowDown') next = items[(i + 1) % items.length];
  else if (e.key === 'ArrowUp') next = items[(i - 1 + items.length) % items.length];
  else if (e.key === 'Home') next = items[0];
  else if (e.key === 'End') next = items[items.length - 1];
  else if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); close(); return; }
  else if (e.key === 'Tab') { close(); return; }
  else if (e.key.length === 1 && /\S/.test(e.key)) {
    // Type-ahead: the next item starting with that letter.
    const k = e.key.toLowerCase();
    const order = [...items.slice(i + 1), ...items.slice(0, i + 1)];
    next = order.find((b) => b.textContent.trim().toLowerCase().startsWith(k)) || null;
  }
  if (next) { e.preventDefault(); next.focus(); }
}

// items: [{label, run, danger?}]. The menu's button gets aria-expanded; the
// action runs after the menu closed and focus went back to the button (so a
// dialog it opens gives focus back there too).
export function open(anchor, items, { label = 'Actions', focusLast = false, fallback = null } = {}) {
  close({ refocus: false });
  const id = nextId('menu');
  const menu = h('div', { id, role: 'menu', class: 'menu', 'aria-label': label, tabindex: '-1' });
  for (const it of items) {
    menu.append(h('button', {
      type: 'button', role: 'menuitem', tabindex: '-1', class: `menu-item${it.danger ? ' menu-item-danger' : ''}`,
      onclick: () => { close(); it.run(); },
    }, it.label));
  }
  menu.addEventListener('keydown', onKey);
  const narrow = matchMedia(NARROW).matches;
  const backdrop = narrow ? h('div', { class: 'menu-backdrop', 'aria-hidden': 'true' }) : null;
  // Inside a modal dialog (the members panel's Mute) the menu must live in
  // the dialog: everything outside it is inert and drawn below it.
  const host = anchor.closest('dialog[open]') || document.body;
  if (backdrop) host.append(backdrop);
  host.append(menu);
  menu.classList.toggle('menu-sheet', narrow);
  current = { menu, backdrop, anchor, fallback };
  anchor.setAttribute('aria-expanded', 'true');
  anchor.setAttribute('aria-controls', id);
  place(menu, anchor);
  const first = menu.querySelectorAll('[role="menuitem"]');
  (focusLast ? first[first.length - 1] : first[0])?.focus();
  document.addEventListener('pointerdown', outside, true);
  window.addEventListener('resize', onResize);
  document.addEventListener('scroll', onScroll, true);
  return menu;
}

// A button that opens a menu: Enter, Space, click and ArrowDown open it at
// the first item, ArrowUp at the last.
export function menuButton(attrs, content, itemsFn, opts) {
  const btn = h('button', { type: 'button', 'aria-haspopup': 'menu', 'aria-expanded': 'false', ...attrs }, content);
  // Focus returns to the same place in the item the button sits in.
  const withFallback = (o) => {
    const host = btn.closest('[data-key]');
    const cls = btn.classList[btn.classList.length - 1];
    return { ...opts, ...o, fallback: () => host?.querySelector(`.${cls}`) };
  };
  btn.addEventListener('click', () => {
    if (current && current.anchor === btn) { close(); return; }
    open(btn, itemsFn(), withFallback());
  });
  btn.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      open(btn, itemsFn(), withFallback({ focusLast: e.key === 'ArrowUp' }));
    }
  });
  return btn;
}
