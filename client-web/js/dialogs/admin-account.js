// One account in the People dialog (admins): new sign-up link, password
// reset, the weaver role, deactivate and reactivate. `known` remembers accounts this dialog
// changed, so a row keeps its state between searches.
import { h, clear } from '../dom.js';
import { alertLine, noteLine, confirmDialog } from '../dialog.js';
import { state } from '../state.js';
import * as net from '../net.js';
import { errText, userName, personInfo } from './common.js';
import { linkPanel } from './admin-create.js';

const remember = (known, id, fields) => known.set(id, { ...(known.get(id) || {}), ...fields });

// Asks first; then runs the request and, on success, after(reply).
function confirmed(question, req, after) {
  return async (row, b) => {
    if (!(await confirmDialog(question))) return;
    row.run(b, req, after);
  };
}

function inviteAction(u, row) {
  return ['New sign-up link', `New sign-up link for ${row.who}`, (b) => row.run(b, { type: 'admin.user.invite', user: u.id }, (r) => {
    b.disabled = false;
    row.showLink(r, `A new sign-up link for ${row.who}. Earlier links stay valid until they are used or expire.`);
  })];
}

function resetAction(u, row, known) {
  const go = confirmed({
    title: `Reset ${row.who}’s password?`,
    message: 'Their current password stops working and they are signed out everywhere right away. You’ll get a new sign-up link to send them.',
    confirmLabel: 'Reset password',
    danger: true,
  }, { type: 'admin.user.reset', user: u.id }, (r, b) => {
    b.disabled = false;
    remember(known, u.id, { id: u.id, has_password: false });
    row.showLink(r, `${row.who}’s password was reset and they were signed out. Send them this link to set a new one.`);
  });
  return ['Reset password', `Reset password for ${row.who}`, (b) => go(row, b)];
}

function activeAction(u, row, known) {
  if (u.active === false) {
    const go = confirmed({
      title: `Reactivate ${row.who}?`,
      message: 'They can sign in again with their password, and others can find and message them.',
      confirmLabel: 'Reactivate',
    }, { type: 'admin.user.reactivate', user: u.id }, () => {
      remember(known, u.id, { ...u, active: true });
      row.replace(`${row.who} is active again and can sign in.`);
    });
    return ['Reactivate', `Reactivate ${row.who}`, (b) => go(row, b), 'btn-primary'];
  }
  const go = confirmed({
    title: `Deactivate ${row.who}?`,
    message: 'They are signed out everywhere right away and can’t sign in until an administrator reactivates the account. Their messages stay.',
    confirmLabel: 'Deactivate',
    danger: true,
  }, { type: 'admin.user.deactivate', user: u.id }, () => {
    remember(known, u.id, { ...u, active: false });
    row.replace(`${row.who} is deactivated and was signed out.`);
  });
  return ['Deactivate', `Deactivate ${row.who}`, (b) => go(row, b), 'btn-danger-quiet'];
}

// Weaving (issue 17): the network role weaver (sees Network health).
function weaverAction(u, row, known) {
  const on = !u.weaver;
  return [on ? 'Make weaver' : 'Remove weaver', `${on ? 'Make' : 'Remove'} ${row.who} ${on ? 'a weaver' : 'as weaver'}`,
    (b) => row.run(b, { type: 'admin.user.role', user: u.id, weaver: on }, () => {
      remember(known, u.id, { ...u, weaver: on });
      row.replace(on ? `${row.who} is a weaver: they see Network health.` : `${row.who} is no longer a weaver.`);
    })];
}

export function accountRow(u0, known) {
  const u = { ...u0, ...(known.get(u0.id) || {}) };
  const self = state.me && u.id === state.me.id;
  const inactive = u.active === false;
  const rowAlert = alertLine();
  const rowNote = noteLine();
  const extra = h('div', { class: 'person-extra' });
  const actions = h('div', { class: 'person-actions' });
  const li = h('li', { class: 'person person-admin', 'data-user': String(u.id) },
    personInfo(u, { me: self, tags: [u.admin ? 'Administrator' : null, u.weaver ? 'Weaver' : null, inactive ? { text: 'Deactivated', cls: 'tag-warn' } : null, u.has_password === false ? 'No password yet' : null] }),
    actions, rowNote, rowAlert, extra);
  const row = {
    who: userName(u),
    async run(b, req, after) {
      rowAlert.show('');
      rowNote.show('');
      b.disabled = true;
      try {
        after(await net.request(req), b);
      } catch (e) {
        rowAlert.show(errText(e));
        b.disabled = false;
        b.focus();
      }
    },
    showLink(r, heading) {
      clear(extra);
      const panel = linkPanel({ heading, url: r.signup_url, expires: r.expires, who: row.who });
      extra.append(panel);
      panel.querySelector('button').focus();
    },
    replace(note) {
      const fresh = accountRow(u, known);
      li.replaceWith(fresh);
      fresh.querySelector('.form-note').textContent = note;
      fresh.querySelector('.person-actions button')?.focus();
    },
  };
  if (self) {
    actions.append(h('p', { class: 'hint' }, 'This is you: change your own account from the command line or ask another administrator.'));
    return li;
  }
  const wanted = inactive ? [activeAction(u, row, known)]
    : [inviteAction(u, row), resetAction(u, row, known), weaverAction(u, row, known), activeAction(u, row, known)];
  for (const [text, label, onclick, cls = 'btn-secondary'] of wanted) {
    const b = h('button', { type: 'button', class: `btn ${cls} btn-small`, 'aria-label': label, onclick: () => onclick(b) }, text);
    actions.append(b);
  }
  return li;
}
