// The shortcut sheet (press ?): every keyboard shortcut, in one table.
import { h } from '../dom.js';
import { openDialog } from '../dialog.js';

const MAC = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent || '');
const key = (...keys) => keys.map((k, i) => [i ? ' + ' : '', h('kbd', null, k)]);

// [keys, what they do]; other parts of the client add their own rows.
export const SHORTCUTS = [
  [key(MAC ? '⌘' : 'Ctrl', 'K'), 'Go to a channel or person, or search messages (quick switcher)'],
  [[...key('Alt', '↑'), ' / ', ...key('Alt', '↓')], 'Previous or next channel in the list'],
  [key('?'), 'Show this list of shortcuts'],
  [key('Enter'), 'Send the message'],
  [key('Shift', 'Enter'), 'New line in the message'],
  [[h('kbd', null, '@'), ' then a name'], 'Mention someone: ↑ and ↓ to choose, Enter or Tab to insert, Escape to close'],
  [key('Escape'), 'Close a dialog, menu or list'],
];

export function shortcutSheet() {
  const rows = SHORTCUTS.map(([keys, what]) => h('tr', null, h('th', { scope: 'row' }, keys), h('td', null, what)));
  return openDialog({
    title: 'Keyboard shortcuts',
    className: 'shortcuts',
    content: h('table', { class: 'shortcut-table' },
      h('caption', { class: 'sr-only' }, 'Keyboard shortcuts'),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Keys'), h('th', { scope: 'col' }, 'What they do'))),
      h('tbody', null, rows)),
  });
}
