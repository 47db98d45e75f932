// The weaving part of my profile in Settings (issue 17): pronouns, title,
// jurisdiction, region, focus tags (comma-separated, from the shared
// vocabulary) and a short bio, saved with profile.update; others see the
// change on my card at once.
import { h, nextId } from '../dom.js';
import { alertLine, noteLine } from '../dialog.js';
import { state, limit } from '../state.js';
import * as net from '../net.js';
import * as people from '../people.js';
import { errText } from './common.js';

function field(label, input, hint) {
  const hintId = hint ? `${input.id}-hint` : null;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input,
    hint ? h('p', { id: hintId, class: 'hint' }, hint) : null);
}

const text = (name, max, value) => {
  const el = h('input', { id: nextId(name), class: 'input', type: 'text', maxlength: String(max) });
  el.value = value || '';
  return el;
};

// Splits "housing, Data , housing" into distinct tags (case aside).
export function parseTags(value) {
  const seen = new Set();
  const out = [];
  for (const t of value.split(',').map((x) => x.trim()).filter(Boolean)) {
    if (seen.has(t.toLowerCase())) continue;
    seen.add(t.toLowerCase());
    out.push(t);
  }
  return out;
}

export function weaveProfileForm(section) {
  const me = state.people.get(state.me?.id) || state.me || {};
  const pronouns = text('pronouns', limit('max_pronouns'), me.pronouns);
  const title = text('title', limit('max_profile'), me.title);
  const jur = text('jurisdiction', limit('max_profile'), me.jurisdiction);
  const reg = text('region', limit('max_profile'), me.region);
  const focus = text('focus', 1000, (me.focus || []).join(', '));
  const bio = h('textarea', { id: nextId('bio'), class: 'input', rows: '3', maxlength: String(limit('max_bio')) });
  bio.value = me.bio || '';
  const alert = alertLine();
  const done = noteLine();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save profile');
  const form = h('form', { class: 'stack', novalidate: true },
    field('Pronouns', pronouns),
    field('Title', title),
    h('div', { class: 'field-row' }, field('Jurisdiction', jur), field('Region', reg)),
    field('Focus', focus, `Up to ${limit('max_focus')} topics you work on, separated by commas (for example: housing, budgeting). Others find you by them in People.`),
    field('Bio', bio, `A few words about your work, at most ${limit('max_bio')} characters.`),
    alert, done, h('div', { class: 'dialog-actions' }, submit));
  // Fill in what the server knows (the welcome's user has no profile).
  net.request({ type: 'user.get', user: state.me.id }).then((r) => {
    const u = r.user || {};
    for (const [el, v] of [[pronouns, u.pronouns], [title, u.title], [jur, u.jurisdiction], [reg, u.region], [bio, u.bio]])
      if (!el.value && v) el.value = v;
    if (!focus.value && u.focus?.length) focus.value = u.focus.join(', ');
  }).catch(() => {});
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    alert.show('');
    done.show('');
    const tags = parseTags(focus.value);
    const bad = tags.find((t) => [...t].length > limit('max_tag'));
    if (tags.length > limit('max_focus')) { alert.show(`Choose at most ${limit('max_focus')} focus topics.`); focus.focus(); return; }
    if (bad) { alert.show(`“${bad}” is too long for a focus topic: at most ${limit('max_tag')} characters.`); focus.focus(); return; }
    submit.disabled = true;
    try {
      const r = await net.request({
        type: 'profile.update', pronouns: pronouns.value.trim(), title: title.value.trim(),
        jurisdiction: jur.value.trim(), region: reg.value.trim(), focus: tags, bio: bio.value.trim(),
      });
      people.userFrame({ user: r.user });
      done.show('Saved. Your card shows it now.');
    } catch (ex) {
      alert.show(`Couldn’t save your profile: ${errText(ex)}`);
    } finally {
      submit.disabled = false;
    }
  });
  return section('About you', form);
}
