// The message box under the log: writing and sending (through the outbox),
// its error line, and the notice that takes its place in an archived channel.
import { $ } from '../dom.js';
import { state, on, emit, limit, channelName } from '../state.js';
import { isModerator } from '../util.js';
import * as outbox from '../outbox.js';
import * as uploads from '../uploads.js';

const WIDE = '(min-width: 48em)';

function showError(text) {
  const el = $('composer-error');
  el.textContent = text;
  el.hidden = !text;
}

function submit() {
  const input = $('composer-input');
  const body = input.value;
  const ch = state.current;
  if (!ch) return;
  if (uploads.busy(ch)) {
    showError('Wait for the files to finish uploading, or cancel them.');
    return;
  }
  const hasFiles = uploads.ready(ch).length > 0;
  if (!body.trim() && !hasFiles) return;
  const len = [...body].length;
  const max = limit('max_body');
  if (len > max) {
    const over = len - max;
    showError(`This message is ${over} character${over === 1 ? '' : 's'} too long (the limit is ${max}).`);
    return;
  }
  showError('');
  input.value = '';
  outbox.queue(ch, body.trim() ? body : '', null, uploads.take(ch));
}

// An archived channel is read-only: a notice takes the composer's place.
function render() {
  const c = state.channels.get(state.current);
  if (!c) return;
  const mod = isModerator(c);
  const archived = Boolean(c.archived);
  const input = $('composer-input');
  const hadFocus = document.activeElement === input;
  input.disabled = archived;
  $('composer-send').disabled = archived;
  $('composer').hidden = archived;
  const notice = $('archived-notice');
  notice.hidden = !archived;
  notice.textContent = archived
    ? `This channel is archived: you can read its history, but nobody can post.${mod ? ' Unarchive it from Settings to reopen it.' : ''}`
    : '';
  if (archived && hadFocus) emit('focus', 'log');
  input.placeholder = c.kind === 'dm' ? `Message ${channelName(c)}` : `Message #${channelName(c)}`;
}

function renderIfCurrent(id) {
  if (id === state.current) render();
}

// Once a channel is on screen: right after sign-in nothing has focus, so
// start in the message box (not on phones, where focusing it would pop up
// the keyboard).
function opened() {
  const idle = !document.activeElement || document.activeElement === document.body;
  if (idle && matchMedia(WIDE).matches) $('composer-input').focus();
}

export function init() {
  $('composer').addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  $('composer-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      submit();
    }
  });
  $('composer-input').addEventListener('input', () => { if (!$('composer-error').hidden) showError(''); });
  // Before the log fills the channel: the box's height must be settled
  // before the log scrolls to its place.
  on('current', ({ switching }) => {
    render();
    if (switching) showError('');
  });
  on('opened', opened);
  on('channel', renderIfCurrent);
  on('label', renderIfCurrent);
  on('alert', showError);
  on('focus', (target) => { if (target === 'composer') $('composer-input').focus(); });
}
