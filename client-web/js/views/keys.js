// Shortcuts that work anywhere in the app: Ctrl+K (⌘K) the quick switcher,
// Alt+↑ / Alt+↓ the previous or next channel, ? the shortcut sheet. None of
// them act while a dialog is open, and ? only outside text fields.
import { state } from '../state.js';
import * as channels from '../channels.js';
import { quickSwitcher } from '../dialogs/switcher.js';
import { shortcutSheet } from '../dialogs/shortcuts.js';

const dialogOpen = () => Boolean(document.querySelector('dialog[open]'));

function typingInField(el) {
  if (!el) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  return el.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit'].includes(el.type);
}

function onKey(e) {
  if (!state.me || e.defaultPrevented || e.isComposing || document.getElementById('app').hidden) return;
  const mod = e.ctrlKey || e.metaKey;
  if (mod && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k') {
    e.preventDefault();
    if (!dialogOpen()) quickSwitcher();
    return;
  }
  if (e.altKey && !mod && !e.shiftKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
    if (dialogOpen()) return;
    e.preventDefault();
    channels.step(e.key === 'ArrowUp' ? -1 : 1);
    return;
  }
  if (e.key === '?' && !mod && !e.altKey && !typingInField(document.activeElement) && !dialogOpen()) {
    e.preventDefault();
    shortcutSheet();
  }
}

export function init() {
  document.addEventListener('keydown', onKey);
}
