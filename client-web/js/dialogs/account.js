// My own settings (the dialog "Settings", from the top bar): my display name
// (profile.update), my password (POST /api/password, which signs out my
// other sessions) and notifications (what to be told about, and the
// browser's permission, asked for only with the button here).
import { h, nextId } from '../dom.js';
import { openDialog, alertLine, noteLine } from '../dialog.js';
import { state, on, limit } from '../state.js';
import * as net from '../net.js';
import * as api from '../api.js';
import * as people from '../people.js';
import * as notify from '../notify.js';
import { errText, radioGroup } from './common.js';
import { weaveProfileForm } from './weave-profile.js';

function field(label, input, hint) {
  const hintId = hint ? `${input.id}-hint` : null;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input,
    hint ? h('p', { id: hintId, class: 'hint' }, hint) : null);
}

function section(title, ...content) {
  const id = nextId('sec');
  return h('section', { class: 'stack settings-section', 'aria-labelledby': id },
    h('h3', { id, class: 'section-title' }, title), ...content);
}

function nameSection() {
  const input = h('input', { id: nextId('display'), class: 'input', type: 'text', autocomplete: 'name', maxlength: String(limit('max_display')) });
  input.value = state.me?.display || state.me?.name || '';
  const alert = alertLine();
  const done = noteLine();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save name');
  const form = h('form', { class: 'stack', novalidate: true },
    field('Display name', input, `How others see you, next to your messages. Your username stays @${state.me?.name || ''}.`),
    alert, done, h('div', { class: 'dialog-actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    alert.show('');
    done.show('');
    const display = input.value.trim();
    const max = limit('max_display');
    if (!display) { alert.show('Type the name others should see.'); input.focus(); return; }
    if ([...display].length > max) { alert.show(`A display name can be at most ${max} characters.`); input.focus(); return; }
    if (display === state.me?.display) { done.show('Nothing to save: that is already your name.'); return; }
    submit.disabled = true;
    try {
      const r = await net.request({ type: 'profile.update', display });
      people.userFrame({ user: r.user || { ...state.me, display } });
      done.show(`Saved. Others now see you as ${display}.`);
    } catch (ex) {
      alert.show(`Couldn’t save your name: ${errText(ex)}`);
    } finally {
      submit.disabled = false;
    }
  });
  return section('Profile', form);
}

function passwordSection() {
  const min = limit('min_password');
  const current = h('input', { id: nextId('pw-old'), class: 'input', type: 'password', autocomplete: 'current-password' });
  const fresh = h('input', { id: nextId('pw-new'), class: 'input', type: 'password', autocomplete: 'new-password', minlength: String(min) });
  const alert = alertLine();
  const done = noteLine();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Change password');
  const form = h('form', { class: 'stack', novalidate: true },
    field('Current password', current),
    field('New password', fresh, `At least ${min} characters. Changing it signs you out on your other devices and browsers.`),
    alert, done, h('div', { class: 'dialog-actions' }, submit));
  const problem = (text, input) => {
    alert.show(text);
    for (const x of [current, fresh]) if (x === input) x.setAttribute('aria-invalid', 'true'); else x.removeAttribute('aria-invalid');
    input?.focus();
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    alert.show('');
    done.show('');
    if (!current.value) { problem('Type your current password.', current); return; }
    const n = [...fresh.value].length;
    if (n < min) { problem(fresh.value ? `The new password is too short: use at least ${min} characters (it has ${n}).` : 'Type a new password.', fresh); return; }
    problem('', null);
    submit.disabled = true;
    try {
      await api.changePassword(current.value, fresh.value, min);
      current.value = '';
      fresh.value = '';
      done.show('Password changed. You were signed out everywhere else; this window stays signed in.');
    } catch (ex) {
      problem(ex.message, ex.status === 401 ? current : ex.status === 400 ? fresh : null);
      if (ex.status === 429) {
        setTimeout(() => { submit.disabled = false; }, ex.retryAfter * 1000);
        return;
      }
    }
    submit.disabled = false;
  });
  return section('Password', form);
}

const PERMISSION_TEXT = {
  granted: 'This browser may show Weft’s notifications.',
  denied: 'Notifications are blocked for Weft in this browser. Allow them in the browser’s site settings to get them.',
  default: 'This browser hasn’t been asked yet. Press the button to allow notifications.',
  unsupported: 'This browser can’t show notifications.',
};

function notifySection() {
  const group = radioGroup('Notify me about', 'notify', [
    ['mentions', 'Mentions and direct messages', 'A notification when someone mentions you or writes to you directly, while Weft is in the background.'],
    ['off', 'Nothing', 'No notifications. Unread counts still show in the channel list.'],
  ], notify.preference());
  const state2 = h('p', { class: 'hint', role: 'status' });
  const ask = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Allow browser notifications');
  const render = () => {
    const p = notify.permission();
    state2.textContent = PERMISSION_TEXT[p] || '';
    ask.hidden = p !== 'default' || notify.preference() === 'off';
  };
  group.addEventListener('change', () => {
    notify.setPreference(group.querySelector('input:checked')?.value);
    render();
  });
  ask.addEventListener('click', async () => {
    await notify.askPermission();
    render();
    if (ask.hidden) group.querySelector('input:checked')?.focus();
  });
  render();
  return {
    el: section('Notifications', group, state2, h('div', { class: 'dialog-actions dialog-actions-start' }, ask),
      h('p', { class: 'hint' }, 'To silence one channel, choose Mute notifications in its Channel options menu.')),
    render,
  };
}

export function accountSettings() {
  if (!state.me) return;
  const notes = notifySection();
  const unsubs = [];
  openDialog({
    title: 'Settings',
    className: 'dialog-wide account-settings',
    content: [nameSection(), weaveProfileForm(section), passwordSection(), notes.el],
    onClose: () => unsubs.forEach((u) => u()),
  });
  unsubs.push(on('notify-pref', notes.render));
}
