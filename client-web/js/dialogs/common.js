// Pieces the feature dialogs share: how people and errors are worded, a
// person's card, radio groups, and the fields of a channel's name and topic.
// Features the server does not support yet answer with an error; its text
// is shown as is.
import { h, nextId } from '../dom.js';
import { limit } from '../state.js';
import { ACCESS_HELP } from '../util.js';
import { presenceDot, presenceText, personButton } from '../views/person.js';

export const errText = (e) => (e && e.message ? e.message : 'Something went wrong. Try again.');
export const userName = (u) => (u ? u.display || u.name || `user ${u.id}` : 'someone');
export const countLabel = (n) => (typeof n === 'number' ? `${n} ${n === 1 ? 'member' : 'members'}` : null);

// "Ana Bell @ana" and, below, "Alameda County · Bay Area · Equity Officer";
// with presence, a dot saying whether they are online; with card, the name
// opens their profile card.
export function personInfo(u, { me = false, tags = [], presence = false, card = false } = {}) {
  const meta = [u.title, u.jurisdiction, u.region].filter((x) => typeof x === 'string' && x.trim()).join(' · ');
  return h('div', { class: 'person-info' },
    h('p', { class: 'person-name' }, presence && !me ? presenceDot(u.id) : null,
      card ? personButton(u) : userName(u), presence && !me ? presenceText(u.id) : null, me ? ' (you)' : null,
      u.display && u.name && u.display !== u.name ? h('span', { class: 'person-handle' }, ` @${u.name}`) : null,
      tags.filter(Boolean).map((t) => [' ', h('span', { class: `tag${t.cls ? ` ${t.cls}` : ''}` }, t.text || t)])),
    meta ? h('p', { class: 'person-meta' }, meta) : null);
}

export function radioGroup(legend, name, options, checked) {
  const fs = h('fieldset', { class: 'radio-group' }, h('legend', null, legend));
  for (const [value, label, help] of options) {
    const id = nextId(name);
    const helpId = `${id}-help`;
    fs.append(h('div', { class: 'radio-option' },
      h('input', { type: 'radio', id, name, value, checked: value === checked, 'aria-describedby': helpId }),
      h('label', { for: id }, h('span', { class: 'radio-label' }, label), h('span', { id: helpId, class: 'radio-help' }, help))));
  }
  return fs;
}

export const accessGroup = (checked) => radioGroup('Who can join', 'access', [
  ['open', 'Open', ACCESS_HELP.open],
  ['request', 'Request to join', ACCESS_HELP.request],
  ['invite', 'Invite only', ACCESS_HELP.invite],
], checked);

// Channel names are lowercase words joined by hyphens, at most max_name long.
export const validChannelName = (v) => new RegExp(`^[a-z0-9-]{1,${limit('max_name')}}$`).test(v);
export const NAME_PROBLEM = 'Give the channel a name: lowercase letters, numbers and hyphens.';

// The name and topic inputs of a channel, with their ids; the name field
// helps people type a valid name.
export function channelFields(extra = {}) {
  const nameId = nextId('name');
  const topicId = nextId('topic');
  const max = String(limit('max_name'));
  const name = h('input', { id: nameId, class: 'input', type: 'text', required: true, maxlength: max, autocomplete: 'off',
    spellcheck: 'false', 'aria-describedby': `${nameId}-help`, ...extra });
  const topic = h('input', { id: topicId, class: 'input', type: 'text', maxlength: String(limit('max_topic')), autocomplete: 'off' });
  name.addEventListener('input', () => {
    const v = name.value.toLowerCase().replace(/\s+/g, '-').replace(/[^a-z0-9-]/g, '');
    if (v !== name.value) name.value = v;
  });
  return { name, nameId, topic, topicId };
}

export const conflictText = (name) => `A channel called “${name}” already exists. Pick another name.`;
