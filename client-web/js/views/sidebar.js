// The channel list (my channels by kind, with unread counts, requests
// pending and invitations), the tab title, and the drawer that holds the
// list on narrow screens.
import { h, $, clear } from '../dom.js';
import { openDialog, alertLine } from '../dialog.js';
import { state, on, emit, channelName, sortedChannels } from '../state.js';
import * as channels from '../channels.js';
import { isInvited } from '../util.js';

const GROUPS = [
  ['caucus', 'Caucuses'],
  ['cohort', 'Cohorts'],
  ['team', 'Teams'],
  ['dm', 'Direct messages'],
];
const WIDE = '(min-width: 48em)';

function badge(n) {
  return h('span', { class: 'badge' }, h('span', { 'aria-hidden': 'true' }, String(n)), h('span', { class: 'sr-only' }, ` ${n} unread`));
}

const prefix = (text) => h('span', { class: 'nav-prefix', 'aria-hidden': 'true' }, text);

function channelLink(c, kind) {
  const unread = c.unread || 0;
  return h('li', null, h('a', {
    href: `#/c/${c.id}`,
    class: `nav-link${unread ? ' has-unread' : ''}`,
    'data-key': `c${c.id}`,
    'aria-current': c.id === state.current ? 'page' : null,
  },
  prefix(kind === 'dm' ? '@' : '#'),
  h('span', { class: 'nav-name' }, channelName(c)),
  unread ? badge(unread) : null));
}

async function acceptInvite(c) {
  try {
    await channels.acceptInvite(c);
  } catch (e) {
    const alert = alertLine();
    openDialog({ title: 'Couldn’t accept the invitation', className: 'dialog-small', content: [alert] });
    alert.show(e && e.message ? e.message : 'Something went wrong. Try again.');
  }
}

function group(kind, label, all, invites) {
  const headingId = `nav-${kind}`;
  const list = h('ul', { class: 'nav-list', 'aria-labelledby': headingId });
  for (const c of all.filter((x) => (x.kind || 'cohort') === kind)) list.append(channelLink(c, kind));
  for (const p of state.pendingJoins.values()) {
    if ((p.kind || 'caucus') !== kind || state.channels.has(p.id)) continue;
    list.append(h('li', { class: 'nav-pending' }, prefix('#'), h('span', { class: 'nav-name' }, p.name),
      h('span', { class: 'tag' }, 'Request pending')));
  }
  for (const c of invites.filter((x) => x.kind === kind)) {
    list.append(h('li', { class: 'nav-pending' }, prefix('#'), h('span', { class: 'nav-name' }, channelName(c)),
      h('button', { type: 'button', class: 'btn btn-small btn-secondary', 'data-key': `i${c.id}`, 'aria-label': `Accept invitation to ${channelName(c)}`, onclick: () => acceptInvite(c) }, 'Accept invitation')));
  }
  if (!list.firstChild) {
    list.append(h('li', { class: 'nav-empty' }, kind === 'dm' ? 'No conversations yet' : `No ${label.toLowerCase()} yet`));
  }
  return h('section', { class: 'nav-group' }, h('h2', { id: headingId, class: 'nav-heading' }, label), list);
}

function render() {
  const nav = $('channel-nav');
  const focusedKey = nav.contains(document.activeElement) ? document.activeElement.dataset.key : null;
  clear(nav);
  const all = sortedChannels();
  const invites = [...state.listed.values()].filter((c) => !c.role && isInvited(c) && !state.channels.has(c.id));
  for (const [kind, label] of GROUPS) nav.append(group(kind, label, all, invites));
  if (focusedKey) nav.querySelector(`[data-key="${focusedKey}"]`)?.focus();
  if (state.me) updateTitle();
}

function updateBadge(id) {
  const a = $('channel-nav').querySelector(`[data-key="c${id}"]`);
  if (!a) { render(); return; }
  const c = state.channels.get(id);
  a.querySelector('.badge')?.remove();
  const n = c?.unread || 0;
  a.classList.toggle('has-unread', n > 0);
  if (n) a.append(badge(n));
  updateTitle();
}

// "(3) #lobby · Weft": unread messages elsewhere show in the tab title.
function updateTitle() {
  const c = state.channels.get(state.current);
  const base = c ? `${c.kind === 'dm' ? '' : '#'}${channelName(c)} · Weft` : 'Weft';
  let unread = 0;
  for (const x of state.channels.values()) unread += x.unread || 0;
  document.title = unread ? `(${unread}) ${base}` : base;
}

// ---------------------------------------------------------------- drawer (narrow screens)

const drawerOpen = () => document.body.classList.contains('drawer-open');

function openDrawer() {
  document.body.classList.add('drawer-open');
  $('drawer-toggle').setAttribute('aria-expanded', 'true');
  $('drawer-toggle').querySelector('.drawer-toggle-label').textContent = 'Hide channels';
  $('drawer-backdrop').hidden = false;
  const target = $('channel-nav').querySelector('[aria-current="page"]') || $('channel-nav').querySelector('a, button');
  (target || $('browse-channels')).focus();
}

function closeDrawer(refocus = true) {
  if (!drawerOpen()) return;
  document.body.classList.remove('drawer-open');
  $('drawer-toggle').setAttribute('aria-expanded', 'false');
  $('drawer-toggle').querySelector('.drawer-toggle-label').textContent = 'Show channels';
  $('drawer-backdrop').hidden = true;
  if (refocus) $('drawer-toggle').focus();
}

function wireDrawer() {
  $('drawer-toggle').addEventListener('click', () => { if (drawerOpen()) closeDrawer(); else openDrawer(); });
  $('drawer-backdrop').addEventListener('click', () => closeDrawer());
  $('drawer-close').addEventListener('click', () => closeDrawer());
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && drawerOpen() && !document.querySelector('dialog[open]')) closeDrawer();
  });
  $('channel-nav').addEventListener('click', (e) => {
    const a = e.target.closest('a.nav-link');
    if (a && a.getAttribute('href') === location.hash) closeDrawer(false);
  });
  // Leaving the narrow layout with the drawer open would leave the backdrop up.
  matchMedia(WIDE).addEventListener('change', (e) => { if (e.matches) closeDrawer(false); });
}

export function init() {
  wireDrawer();
  on('session', ({ signedIn }) => { if (signedIn) render(); else clear($('channel-nav')); });
  for (const kind of ['channels', 'channel', 'label', 'current']) on(kind, render);
  on('unread', updateBadge);
  // A channel picked in the drawer: close it and go on in the message box.
  on('opened', ({ keepFocus }) => {
    if (!keepFocus && drawerOpen()) {
      closeDrawer(false);
      emit('focus', 'composer');
    }
  });
}
