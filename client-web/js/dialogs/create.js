// Create a channel: its name, kind, who can join and an optional topic.
import { h } from '../dom.js';
import { openDialog, alertLine } from '../dialog.js';
import { limit } from '../state.js';
import * as net from '../net.js';
import * as channels from '../channels.js';
import { KIND_HELP, DEFAULT_ACCESS } from '../util.js';
import { errText, radioGroup, accessGroup, channelFields, validChannelName, NAME_PROBLEM, conflictText } from './common.js';

// The access tier follows the kind's default until the person picks one.
function kindAndAccess() {
  const kinds = radioGroup('Kind', 'kind', [
    ['caucus', 'Caucus', KIND_HELP.caucus],
    ['cohort', 'Cohort', KIND_HELP.cohort],
    ['team', 'Team', KIND_HELP.team],
  ], 'cohort');
  const access = accessGroup(DEFAULT_ACCESS.cohort);
  let accessTouched = false;
  access.addEventListener('change', () => { accessTouched = true; });
  kinds.addEventListener('change', () => {
    if (accessTouched) return;
    const kind = kinds.querySelector('input:checked').value;
    access.querySelector(`input[value="${DEFAULT_ACCESS[kind]}"]`).checked = true;
  });
  return { kinds, access };
}

export function createChannel() {
  const alert = alertLine();
  const { name, nameId, topic, topicId } = channelFields({ pattern: `[a-z0-9-]{1,${limit('max_name')}}` });
  const { kinds, access } = kindAndAccess();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create channel');
  const form = h('form', { class: 'stack', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: nameId }, 'Name'),
      name,
      h('p', { id: `${nameId}-help`, class: 'hint' }, 'Lowercase letters, numbers and hyphens, like “housing-equity”.')),
    kinds,
    access,
    h('div', { class: 'field' }, h('label', { for: topicId }, 'Topic (optional)'), topic),
    alert,
    h('div', { class: 'dialog-actions dialog-footer' },
      h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => dlg.close() }, 'Cancel'),
      submit));
  const dlg = openDialog({ title: 'Create a channel', content: form });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    alert.show('');
    if (!validChannelName(name.value)) {
      alert.show(NAME_PROBLEM);
      name.focus();
      return;
    }
    const msg = {
      type: 'channel.create',
      name: name.value,
      kind: kinds.querySelector('input:checked').value,
      access: access.querySelector('input:checked').value,
    };
    if (topic.value.trim()) msg.topic = topic.value.trim();
    submit.disabled = true;
    try {
      const r = await net.request(msg);
      dlg.close();
      if (r.channel) channels.add({ role: 'owner', member_count: 1, unread: 0, ...r.channel });
    } catch (ex) {
      alert.show(ex.code === 'conflict' ? conflictText(msg.name) : `Couldn’t create the channel: ${errText(ex)}`);
    } finally {
      submit.disabled = false;
    }
  });
}
