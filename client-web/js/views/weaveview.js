// The weaving region (issue 17) over the main area: People (the
// directory), Introductions or Network health, one at a time. Its name is
// the view's; Close (or Escape) puts the page back as it was and focus on
// the button that opened it.
import { $, clear } from '../dom.js';
import { on } from '../state.js';

let opener = null;
let current = null;

export const showing = () => current;

// Shows the view called title, built by build(body) into the region.
export function show(title, build) {
  const view = $('weave-view');
  if (!current) opener = document.activeElement;
  current = title;
  $('weave-title').textContent = title;
  for (const id of ['admin-people', 'intros-open', 'health-open'])
    $(id).setAttribute('aria-expanded', String($(id).textContent.startsWith(title)));
  const body = $('weave-body');
  clear(body);
  build(body);
  view.hidden = false;
  $('weave-title').focus();
}

export function close() {
  if (!current) return;
  current = null;
  $('weave-view').hidden = true;
  clear($('weave-body'));
  for (const id of ['admin-people', 'intros-open', 'health-open']) $(id).setAttribute('aria-expanded', 'false');
  if (opener && opener.isConnected) opener.focus();
  opener = null;
}

export function init() {
  $('weave-close').addEventListener('click', close);
  $('weave-view').addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !e.defaultPrevented && !document.querySelector('dialog[open]')) { e.preventDefault(); close(); }
  });
  // Opening a channel (from the directory's Message, a link) leaves the region.
  on('current', () => { if (current) close(); });
  on('session', ({ signedIn }) => { if (!signedIn) close(); });
}
