// Modal dialogs built on <dialog>: showModal() gives focus containment and
// Escape for free; focus returns to whatever opened the dialog, unless
// onClose(returnValue) returns true: it has put the focus elsewhere.
import { h, nextId } from './dom.js';

export function openDialog({ title, content, className = '', onClose, describedBy }) {
  const titleId = nextId('dlg-title');
  const opener = document.activeElement;
  const body = h('div', { class: 'dialog-body' }, content);
  const dlg = h('dialog', { class: `dialog ${className}`, 'aria-labelledby': titleId, 'aria-describedby': describedBy },
    h('div', { class: 'dialog-head' },
      h('h2', { id: titleId, class: 'dialog-title', text: title }),
      h('button', { type: 'button', class: 'btn btn-ghost btn-icon', 'aria-label': 'Close', onclick: () => dlg.close() },
        h('span', { 'aria-hidden': 'true', text: '×' }))),
    body);
  dlg.addEventListener('close', () => {
    // Blur whatever the browser gave focus back to, then focus the opener
    // again: without it Chromium sometimes takes no typed text in the
    // message box after a dialog (found with the quick switcher).
    document.activeElement?.blur?.();
    dlg.remove();
    if (onClose?.(dlg.returnValue) === true) return;
    if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
  });
  document.body.append(dlg);
  dlg.showModal();
  // Start on the first field rather than the close button.
  const first = body.querySelector('input:not([type=hidden]):not([disabled]), textarea, select');
  if (first) first.focus();
  return dlg;
}

// Resolves true when confirmed.
export function confirmDialog({ title, message, confirmLabel = 'OK', danger = false }) {
  return new Promise((resolve) => {
    let ok = false;
    const msgId = nextId('dlg-msg');
    const dlg = openDialog({
      title,
      describedBy: msgId,
      className: 'dialog-small',
      content: [
        h('p', { id: msgId, text: message }),
        h('div', { class: 'dialog-actions' },
          h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => dlg.close() }, 'Cancel'),
          h('button', { type: 'button', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`, onclick: () => { ok = true; dlg.close(); } }, confirmLabel)),
      ],
      onClose: () => resolve(ok),
    });
    dlg.querySelector('.dialog-actions .btn-secondary').focus();
  });
}

// An error/notice line for use inside dialogs and forms.
export function alertLine() {
  const el = h('p', { class: 'form-error', role: 'alert', hidden: true });
  el.show = (text) => { el.textContent = text; el.hidden = !text; };
  return el;
}

export function noteLine() {
  const el = h('p', { class: 'form-note', role: 'status' });
  el.show = (text) => { el.textContent = text; };
  return el;
}
