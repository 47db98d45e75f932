// The panel beside the channel (a thread, the pins): one at a time, a
// labelled region with a heading and a close button; the whole screen on a
// phone. Escape closes it and focus goes back to where it was opened from.
import { $, clear } from '../dom.js';
import { on } from '../state.js';

let open = null; // {kind, onClose, returnFocus}

export const kind = () => (open ? open.kind : null);
export const body = () => $('side-body');

// The panel takes width from the channel: a reader at the bottom of the
// messages stays there while the lines rewrap.
function keepBottom(change) {
  const log = $('log');
  const bottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
  change();
  if (bottom) log.scrollTop = log.scrollHeight;
}

// Draws a panel: label names the region ("Thread"), title is its heading.
export function show({ kind: k, label, title, closeLabel, onClose, returnFocus }) {
  if (open && open.kind !== k) close({ refocus: false });
  const panel = $('side-panel');
  const opener = document.activeElement;
  open = { kind: k, onClose, returnFocus: returnFocus || (() => opener) };
  panel.setAttribute('aria-label', label);
  panel.dataset.kind = k;
  $('side-title').textContent = title;
  $('side-close').setAttribute('aria-label', closeLabel || `Close ${label.toLowerCase()}`);
  clear(body());
  keepBottom(() => { panel.hidden = false; document.body.classList.add('side-open'); });
  return body();
}

export function close({ refocus = true } = {}) {
  if (!open) return;
  const { onClose, returnFocus } = open;
  open = null;
  keepBottom(() => { $('side-panel').hidden = true; document.body.classList.remove('side-open'); });
  delete $('side-panel').dataset.kind;
  clear(body());
  onClose?.();
  if (refocus) {
    const el = returnFocus?.();
    if (el && el.isConnected && el.offsetParent !== null) el.focus(); else $('log').focus();
  }
}

export function init() {
  $('side-close').addEventListener('click', () => close());
  $('side-panel').addEventListener('keydown', (e) => {
    // Editors and menus inside take their own Escape first.
    if (e.key === 'Escape' && !e.defaultPrevented) { e.preventDefault(); close(); }
  });
  // Another channel, or signing out: the panel belonged to the last one.
  on('current', ({ switching }) => { if (switching) close({ refocus: false }); });
  on('empty', () => close({ refocus: false }));
  on('session', () => close({ refocus: false }));
}
