// Creating an account (admins): the form, and the one-time sign-up link the
// new person sets their password with.
import { h, nextId } from '../dom.js';
import { alertLine, noteLine } from '../dialog.js';
import { limit } from '../state.js';
import * as net from '../net.js';
import { formatFull } from '../timefmt.js';
import { errText } from './common.js';

// User names: a letter or digit, then letters, digits, ".", "_" or "-".
const validUserName = (v) => new RegExp(`^[a-z0-9][a-z0-9._-]{0,${limit('max_username') - 1}}$`).test(v);

function textField(label, { id = nextId('f'), hint, ...attrs } = {}) {
  const input = h('input', { id, class: 'input', type: 'text', autocomplete: 'off', maxlength: String(limit('max_profile')),
    'aria-describedby': hint ? `${id}-hint` : null, ...attrs });
  const field = h('div', { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('p', { id: `${id}-hint`, class: 'hint' }, hint) : null);
  return { input, field };
}

function expiryText(expires) {
  const d = new Date(expires);
  if (!expires || Number.isNaN(d.getTime())) return 'It works once.';
  return `It works once, until ${formatFull(d)}.`;
}

// The one-time link, a Copy button and when it expires.
export function linkPanel({ heading, url, expires, note, who }) {
  const id = nextId('link');
  const input = h('input', { id, class: 'input link-input', type: 'text', readonly: true, value: url, spellcheck: 'false',
    'aria-describedby': `${id}-exp` });
  const copied = noteLine();
  const copy = h('button', { type: 'button', class: 'btn btn-primary', 'aria-describedby': id }, 'Copy link');
  copy.addEventListener('click', async () => {
    let ok = false;
    try {
      await navigator.clipboard.writeText(url);
      ok = true;
    } catch {
      input.focus();
      input.select();
      try { ok = document.execCommand('copy'); } catch { ok = false; }
    }
    copied.show(ok ? 'Link copied. Send it to them privately, for example by direct email.' : 'Couldn’t copy automatically: the link is selected, press Ctrl+C (or ⌘C) to copy it.');
  });
  input.addEventListener('focus', () => input.select());
  return h('div', { class: 'link-panel' },
    heading ? h('p', { class: 'link-heading' }, heading) : null,
    h('div', { class: 'field' },
      h('label', { for: id }, who ? `Sign-up link for ${who}` : 'Sign-up link'),
      h('div', { class: 'link-row' }, input, copy),
      h('p', { id: `${id}-exp`, class: 'hint' }, `${expiryText(expires)} ${note || 'Anyone with this link can set the password, so share it only with this person.'}`)),
    copied);
}

function accountFields() {
  const maxName = limit('max_username');
  const username = textField('Username', { hint: `What they sign in with: lowercase letters, numbers, “.”, “_” or “-”, up to ${maxName}.`, maxlength: String(maxName), spellcheck: 'false', autocapitalize: 'none', required: true });
  const display = textField('Display name', { hint: 'How others see them, like “Ana Bell”.', maxlength: String(limit('max_display')) });
  const jurisdiction = textField('Jurisdiction', { hint: 'For example, “City of Oakland”.' });
  const region = textField('Region');
  const title = textField('Role title', { hint: 'For example, “Equity Program Manager”.' });
  const adminId = nextId('admin');
  const adminBox = h('input', { id: adminId, type: 'checkbox', 'aria-describedby': `${adminId}-hint` });
  username.input.addEventListener('input', () => {
    const v = username.input.value.toLowerCase().replace(/\s+/g, '.');
    if (v !== username.input.value) username.input.value = v;
  });
  const adminField = h('div', { class: 'check' },
    adminBox,
    h('label', { for: adminId }, 'Administrator'),
    h('p', { id: `${adminId}-hint`, class: 'hint check-hint' }, 'Administrators can create accounts, reset passwords and deactivate people.'));
  return { username, display, jurisdiction, region, title, adminBox, adminField };
}

// The request for the form's values, or null (after saying why) when the
// username can't be used.
function createRequest(f, alert) {
  const name = f.username.input.value.trim();
  if (!validUserName(name)) {
    alert.show(name ? `That username can’t be used: start with a letter or number, then letters, numbers, “.”, “_” or “-” (at most ${limit('max_username')}).` : 'Enter a username.');
    f.username.input.setAttribute('aria-invalid', 'true');
    f.username.input.focus();
    return null;
  }
  f.username.input.removeAttribute('aria-invalid');
  const msg = { type: 'admin.user.create', name };
  for (const k of ['display', 'jurisdiction', 'region', 'title']) {
    const v = f[k].input.value.trim();
    if (v) msg[k] = v;
  }
  if (f.adminBox.checked) msg.admin = true;
  return msg;
}

export function createForm(onCreated, onCancel) {
  const alert = alertLine();
  const f = accountFields();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create account');
  const form = h('form', { class: 'stack', novalidate: true, 'aria-label': 'Create an account' },
    f.username.field,
    f.display.field,
    h('div', { class: 'field-row' }, f.jurisdiction.field, f.region.field),
    f.title.field,
    f.adminField,
    alert,
    h('div', { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'btn btn-secondary', onclick: onCancel }, 'Cancel'),
      submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    alert.show('');
    const msg = createRequest(f, alert);
    if (!msg) return;
    submit.disabled = true;
    submit.textContent = 'Creating…';
    try {
      onCreated(await net.request(msg));
    } catch (ex) {
      alert.show(ex.code === 'conflict' ? `The username “${msg.name}” is taken. Pick another.` : `Couldn’t create the account: ${errText(ex)}`);
      if (ex.code === 'conflict') f.username.input.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Create account';
    }
  });
  return form;
}
