// Introductions (issue 17): those waiting for my answer, each with who
// proposed it, whom it is to, the note, and Accept / Not now; then the ones
// I answered and the ones I proposed, with where they stand. The header's
// button "Introductions" shows how many wait.
import { h, $, clear, append } from '../dom.js';
import { alertLine } from '../dialog.js';
import { on } from '../state.js';
import * as weave from '../weave.js';
import * as channels from '../channels.js';
import { errText, userName } from '../dialogs/common.js';
import { personLabel } from '../dialogs/introduce.js';
import * as view from './weaveview.js';
import { formatTime } from './weavefmt.js';

const STATE_TEXT = {
  pending: 'Waiting for answers',
  accepted: 'Both said yes: their conversation is open',
  declined: 'Declined',
  expired: 'Expired unanswered',
};

function incoming(i) {
  const alert = alertLine();
  const card = h('li', { class: 'intro-card' },
    h('p', { class: 'intro-line' }, h('strong', null, userName(i.by)), ' would like you to meet ', h('strong', null, personLabel(i.other))),
    h('blockquote', { class: 'intro-note' }, i.note),
    h('p', { class: 'hint' }, formatTime(i.created)));
  if (i.state === 'accepted') {
    const open = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, 'Open conversation');
    open.addEventListener('click', () => channels.go(i.channel));
    append(card, [h('p', { class: 'intro-state' }, 'You both said yes.'), i.channel ? open : null]);
  } else if (i.answer == null && i.state === 'pending') {
    const act = (accept) => async () => {
      alert.show('');
      try { await weave.answer(i.id, accept); } catch (e) { alert.show(`Couldn’t answer: ${errText(e)}`); }
    };
    card.append(h('div', { class: 'person-actions' },
      h('button', { type: 'button', class: 'btn btn-primary btn-small', onclick: act(true) }, 'Accept'),
      h('button', { type: 'button', class: 'btn btn-secondary btn-small', onclick: act(false) }, 'Not now')), alert);
  } else {
    card.append(h('p', { class: 'intro-state' }, i.state === 'expired' ? STATE_TEXT.expired
      : i.answer ? `You said yes. ${userName(i.other)} has not said yes yet.` : 'You said not now.'));
  }
  return card;
}

function proposed(i) {
  return h('li', { class: 'intro-card' },
    h('p', { class: 'intro-line' }, 'You introduced ', h('strong', null, personLabel(i.a)), ' and ', h('strong', null, personLabel(i.b))),
    h('blockquote', { class: 'intro-note' }, i.note),
    h('p', { class: `intro-state intro-${i.state}` }, STATE_TEXT[i.state] || i.state));
}

function list(title, items, render, empty) {
  return h('section', { class: 'intro-section', 'aria-label': title },
    h('h2', { class: 'section-title' }, title),
    items.length ? h('ul', { class: 'intro-list' }, items.map(render)) : h('p', { class: 'hint' }, empty));
}

function build(body) {
  clear(body);
  const mine = weave.weave.intros.filter((i) => i.other);
  const waiting = weave.waiting();
  body.append(
    list('Waiting for you', waiting, incoming, 'No introductions wait for your answer.'),
    list('Answered', mine.filter((i) => !waiting.includes(i)), incoming, 'None yet.'),
    list('You proposed', weave.weave.intros.filter((i) => i.a), proposed,
      'Introduce two people from People: find someone, then Introduce.'));
}

function renderCount() {
  const n = weave.waiting().length;
  const badge = $('intros-count');
  badge.textContent = n ? String(n) : '';
  badge.hidden = !n;
  $('intros-open').setAttribute('aria-label', n ? `Introductions, ${n} waiting` : 'Introductions');
  if (view.showing() === 'Introductions') build($('weave-body'));
}

export const showIntros = () => view.show('Introductions', build);

export function init() {
  on('intros', renderCount);
}
