// The Pins panel: the open channel's pinned messages, newest first, kept
// live by pin events; each can be shown in the channel, and moderators can
// unpin from here.
import { h, $, clear } from '../dom.js';
import { renderBody } from '../format.js';
import { formatTime, formatFull } from '../timefmt.js';
import { state, on, emit, channelData } from '../state.js';
import * as convo from '../convo.js';
import { authorName, isModerator } from '../util.js';
import * as panel from './sidepanel.js';
import { messageFiles } from './filecards.js';

let shownFor = null; // the channel whose pins are on screen

function item(chId, m, mod) {
  const t = new Date(m.ts);
  const show = () => {
    if (m.thread) emit('panel', { kind: 'thread', channel: chId, root: m.thread, reveal: m.id });
    else {
      // On a phone the panel covers the channel: out of the way first.
      if (matchMedia('(max-width: 600px)').matches) panel.close({ refocus: false });
      location.hash = `#/c/${chId}/m/${m.id}`;
    }
  };
  return h('li', { class: 'pin-item' },
    h('article', { class: 'pin-msg' },
      h('p', { class: 'msg-head' },
        h('span', { class: 'msg-author' }, authorName(m.author)), h('span', { class: 'sr-only' }, ', '),
        h('time', { class: 'msg-time', datetime: t.toISOString(), title: formatFull(t) }, formatTime(t))),
      m.body ? h('div', { class: 'msg-body' }, renderBody(m.body)) : null,
      messageFiles(m.files),
      h('div', { class: 'pin-actions' },
        h('button', { type: 'button', class: 'btn btn-small btn-secondary', onclick: show }, 'Show in channel'),
        mod ? h('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: () => convo.setPinned(chId, m.id, false) }, 'Unpin') : null)));
}

function render() {
  if (shownFor === null || panel.kind() !== 'pins') return;
  const d = channelData(shownFor);
  const c = state.channels.get(shownFor);
  const body = panel.body();
  const focusedIndex = [...body.querySelectorAll('button')].indexOf(document.activeElement);
  clear(body);
  if (!d.pins) {
    body.append(d.pinsError ? h('p', { class: 'form-error' }, `Couldn’t load the pins: ${d.pinsError}`) : h('p', { class: 'thread-note' }, 'Loading pinned messages…'));
    return;
  }
  const list = [...d.pins.values()];
  body.append(h('p', { class: 'sr-only', role: 'status' }, `${list.length} pinned ${list.length === 1 ? 'message' : 'messages'}`));
  if (!list.length) {
    body.append(h('p', { class: 'thread-note' }, isModerator(c)
      ? 'No pinned messages yet. Pin one from its “More actions” menu.'
      : 'No pinned messages yet. Moderators pin messages worth keeping at hand.'));
    return;
  }
  body.append(h('ul', { class: 'pin-list' }, list.map((m) => item(shownFor, m, isModerator(c) && !c.archived))));
  // Unpinning from here keeps the keyboard in the list.
  if (focusedIndex !== -1) {
    const buttons = body.querySelectorAll('button');
    buttons[Math.min(focusedIndex, buttons.length - 1)]?.focus();
  }
}

function toggle() {
  if (panel.kind() === 'pins') { panel.close(); return; }
  const chId = state.current;
  if (!chId) return;
  shownFor = chId;
  panel.show({
    kind: 'pins', label: 'Pins', title: 'Pinned messages',
    onClose: () => { shownFor = null; $('show-pins').setAttribute('aria-expanded', 'false'); },
    returnFocus: () => $('show-pins'),
  });
  $('show-pins').setAttribute('aria-expanded', 'true');
  render();
  $('side-title').focus();
  convo.loadPins(chId);
}

export function init() {
  $('show-pins').addEventListener('click', toggle);
  on('pins', (id) => { if (id === shownFor) render(); });
  on('channel', (id) => { if (id === shownFor) render(); });
}
