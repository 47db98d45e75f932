// Account administration for admins: create accounts (each gets a one-time
// sign-up link), find people, issue new links, reset passwords, deactivate
// and reactivate. The server checks every request; its messages are shown
// as they come.
import { h, clear, nextId } from './dom.js';
import { openDialog, alertLine, noteLine, confirmDialog } from './dialog.js';
import { personInfo, userName, errText } from './dialogs.js';
import { formatFull } from './timefmt.js';

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,31}$/;

function textField(label, { id = nextId('f'), hint, ...attrs } = {}) {
  const input = h('input', { id, class: 'input', type: 'text', autocomplete: 'off', maxlength: '80',
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
function linkPanel({ heading, url, expires, note, who }) {
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

function createForm(app, onCreated, onCancel) {
  const alert = alertLine();
  const username = textField('Username', { hint: 'What they sign in with: lowercase letters, numbers, “.”, “_” or “-”, up to 32.', maxlength: '32', spellcheck: 'false', autocapitalize: 'none', required: true });
  const display = textField('Display name', { hint: 'How others see them, like “Ana Bell”.', maxlength: '64' });
  const jurisdiction = textField('Jurisdiction', { hint: 'For example, “City of Oakland”.' });
  const region = textField('Region');
  const title = textField('Role title', { hint: 'For example, “Equity Program Manager”.' });
  const adminId = nextId('admin');
  const adminBox = h('input', { id: adminId, type: 'checkbox', 'aria-describedby': `${adminId}-hint` });
  username.input.addEventListener('input', () => {
    const v = username.input.value.toLowerCase().replace(/\s+/g, '.');
    if (v !== username.input.value) username.input.value = v;
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create account');
  const form = h('form', { class: 'stack', novalidate: true, 'aria-label': 'Create an account' },
    username.field,
    display.field,
    h('div', { class: 'field-row' }, jurisdiction.field, region.field),
    title.field,
    h('div', { class: 'check' },
      adminBox,
      h('label', { for: adminId }, 'Administrator'),
      h('p', { id: `${adminId}-hint`, class: 'hint check-hint' }, 'Administrators can create accounts, reset passwords and deactivate people.')),
    alert,
    h('div', { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'btn btn-secondary', onclick: onCancel }, 'Cancel'),
      submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    alert.show('');
    const name = username.input.value.trim();
    if (!NAME_RE.test(name)) {
      alert.show(name ? 'That username can’t be used: start with a letter or number, then letters, numbers, “.”, “_” or “-” (at most 32).' : 'Enter a username.');
      username.input.setAttribute('aria-invalid', 'true');
      username.input.focus();
      return;
    }
    username.input.removeAttribute('aria-invalid');
    const msg = { type: 'admin.user.create', name };
    for (const [k, f] of [['display', display], ['jurisdiction', jurisdiction], ['region', region], ['title', title]]) {
      const v = f.input.value.trim();
      if (v) msg[k] = v;
    }
    if (adminBox.checked) msg.admin = true;
    submit.disabled = true;
    submit.textContent = 'Creating…';
    try {
      const r = await app.request(msg);
      onCreated(r);
    } catch (ex) {
      alert.show(ex.code === 'conflict' ? `The username “${name}” is taken. Pick another.` : `Couldn’t create the account: ${errText(ex)}`);
      if (ex.code === 'conflict') username.input.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Create account';
    }
  });
  return form;
}

export function peopleAdmin(app) {
  const me = app.me();
  // Accounts this dialog changed, so a row keeps its state between searches
  // (for admins, user.find also lists deactivated accounts, marked active:false).
  const known = new Map();

  // --- create
  const createArea = h('div', { class: 'stack' });
  const createToggle = h('button', { type: 'button', class: 'btn btn-secondary', 'aria-expanded': 'false' }, 'Create an account');
  const hideCreate = () => {
    clear(createArea);
    createToggle.hidden = false;
    createToggle.setAttribute('aria-expanded', 'false');
    createToggle.focus();
  };
  const showCreate = () => {
    clear(createArea);
    const form = createForm(app, (r) => {
      const u = r.user || {};
      known.set(u.id, { ...u });
      clear(createArea);
      const again = h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => { showCreate(); } }, 'Create another account');
      const done = h('button', { type: 'button', class: 'btn btn-ghost', onclick: hideCreate }, 'Done');
      const panel = linkPanel({
        heading: `Account created for ${userName(u)}${u.display ? ` (@${u.name})` : ''}${u.admin ? ', an administrator' : ''}. Send them this link to set their password.`,
        url: r.signup_url,
        expires: r.expires,
        who: userName(u),
      });
      createArea.append(h('div', { class: 'result', role: 'status' }, panel), h('div', { class: 'dialog-actions' }, done, again));
      panel.querySelector('button').focus();
    }, hideCreate);
    createArea.append(h('h3', { class: 'section-title' }, 'Create an account'), form);
    createToggle.hidden = true;
    createToggle.setAttribute('aria-expanded', 'true');
    form.querySelector('input').focus();
  };
  createToggle.addEventListener('click', showCreate);

  // --- find and manage
  const findId = nextId('find');
  const input = h('input', { id: findId, type: 'search', class: 'input', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': `${findId}-hint` });
  const status = noteLine();
  const alert = alertLine();
  const results = h('ul', { class: 'people-list', 'aria-label': 'People found' });
  let found = [];
  let seq = 0;
  let timer = null;

  const row = (u0) => {
    const u = { ...u0, ...(known.get(u0.id) || {}) };
    const self = me && u.id === me.id;
    const inactive = u.active === false;
    const rowAlert = alertLine();
    const rowNote = noteLine();
    const extra = h('div', { class: 'person-extra' });
    const actions = h('div', { class: 'person-actions' });
    const li = h('li', { class: 'person person-admin', 'data-user': String(u.id) },
      personInfo(u, { me: self, tags: [u.admin ? 'Administrator' : null, inactive ? { text: 'Deactivated', cls: 'tag-warn' } : null, u.has_password === false ? 'No password yet' : null] }),
      actions, rowNote, rowAlert, extra);
    const who = userName(u);
    const button = (text, label, onclick, cls = 'btn-secondary') => {
      const b = h('button', { type: 'button', class: `btn ${cls} btn-small`, 'aria-label': label, onclick: () => onclick(b) }, text);
      actions.append(b);
      return b;
    };
    const run = async (b, req, after) => {
      rowAlert.show('');
      rowNote.show('');
      b.disabled = true;
      try {
        const r = await app.request(req);
        after(r);
      } catch (e) {
        rowAlert.show(errText(e));
        b.disabled = false;
        b.focus();
      }
    };
    const showLink = (r, heading, note) => {
      clear(extra);
      const panel = linkPanel({ heading, url: r.signup_url, expires: r.expires, note, who });
      extra.append(panel);
      panel.querySelector('button').focus();
    };

    if (!inactive && !self) {
      button('New sign-up link', `New sign-up link for ${who}`, (b) => run(b, { type: 'admin.user.invite', user: u.id }, (r) => {
        b.disabled = false;
        showLink(r, `A new sign-up link for ${who}. Earlier links stay valid until they are used or expire.`);
      }));
    }
    if (!self && !inactive) {
      button('Reset password', `Reset password for ${who}`, async (b) => {
        const ok = await confirmDialog({
          title: `Reset ${who}’s password?`,
          message: `Their current password stops working and they are signed out everywhere right away. You’ll get a new sign-up link to send them.`,
          confirmLabel: 'Reset password',
          danger: true,
        });
        if (!ok) return;
        run(b, { type: 'admin.user.reset', user: u.id }, (r) => {
          b.disabled = false;
          known.set(u.id, { ...(known.get(u.id) || {}), id: u.id, has_password: false });
          showLink(r, `${who}’s password was reset and they were signed out. Send them this link to set a new one.`);
        });
      });
    }
    if (!self) {
      if (inactive) {
        button('Reactivate', `Reactivate ${who}`, async (b) => {
          const ok = await confirmDialog({
            title: `Reactivate ${who}?`,
            message: 'They can sign in again with their password, and others can find and message them.',
            confirmLabel: 'Reactivate',
          });
          if (!ok) return;
          run(b, { type: 'admin.user.reactivate', user: u.id }, () => {
            known.set(u.id, { ...(known.get(u.id) || {}), ...u, active: true });
            replaceRow(li, u, `${who} is active again and can sign in.`);
          });
        }, 'btn-primary');
      } else {
        button('Deactivate', `Deactivate ${who}`, async (b) => {
          const ok = await confirmDialog({
            title: `Deactivate ${who}?`,
            message: 'They are signed out everywhere right away and can’t sign in until an administrator reactivates the account. Their messages stay.',
            confirmLabel: 'Deactivate',
            danger: true,
          });
          if (!ok) return;
          run(b, { type: 'admin.user.deactivate', user: u.id }, () => {
            known.set(u.id, { ...(known.get(u.id) || {}), ...u, active: false });
            replaceRow(li, u, `${who} is deactivated and was signed out.`);
          });
        }, 'btn-danger-quiet');
      }
    } else {
      actions.append(h('p', { class: 'hint' }, 'This is you: change your own account from the command line or ask another administrator.'));
    }
    return li;
  };

  const replaceRow = (li, u, note) => {
    const fresh = row(u);
    li.replaceWith(fresh);
    fresh.querySelector('.form-note').textContent = note;
    fresh.querySelector('.person-actions button')?.focus();
  };

  const render = () => {
    clear(results);
    const ids = new Set(found.map((u) => u.id));
    // Deactivated here: still listed under the search that found them.
    const q = input.value.trim().toLowerCase();
    const extra = [...known.values()].filter((u) => u.active === false && !ids.has(u.id) && q
      && ((u.name || '').toLowerCase().includes(q) || (u.display || '').toLowerCase().includes(q)));
    for (const u of [...found, ...extra]) results.append(row(u));
  };

  const search = async () => {
    const q = input.value.trim();
    const mine = ++seq;
    alert.show('');
    if (!q) { found = []; clear(results); status.show(''); return; }
    status.show('Searching…');
    try {
      const r = await app.request({ type: 'user.find', q });
      if (mine !== seq) return;
      found = r.users || [];
      render();
      const n = results.children.length;
      status.show(n ? `${n} ${n === 1 ? 'person' : 'people'} found` : 'Nobody matches that.');
    } catch (e) {
      if (mine !== seq) return;
      status.show('');
      alert.show(errText(e));
    }
  };
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 250); });

  openDialog({
    title: 'People',
    className: 'dialog-wide',
    content: [
      h('p', { class: 'hint' }, 'Create accounts and manage who can sign in. Only administrators see this.'),
      h('div', { class: 'dialog-actions dialog-actions-start' }, createToggle),
      createArea,
      h('h3', { class: 'section-title' }, 'Find people'),
      h('div', { class: 'field' },
        h('label', { for: findId }, 'Search people'),
        input,
        h('p', { id: `${findId}-hint`, class: 'hint' }, 'By name or username. Active accounts only.')),
      status, alert, results,
    ],
  });
  // Start on the search box: the most common task.
  input.focus();
}
