// The channel list (my channels by kind, with unread counts, requests
// pending and invitations), the tab title, and the drawer that holds the
// list on narrow screens.
import { h, $, clear } from '../dom.js';
import { openDialog, alertLine } from '../dialog.js';
import { state, on, emit, channelName } from '../state.js';
import * as channels from '../channels.js';
import { navOrder } from '../channels.js';
import { isInvited, isModerator } from '../util.js';
import * as notify from '../notify.js';
import { presenceDot, presenceText } from './person.js';

const GROUPS = [
  ['caucus', 'Caucuses'],
  ['cohort', 'Cohorts'],
  ['team', 'Teams'],
  ['dm', 'Direct messages'],
];
const WIDE = '(min-width: 48em)';

// The counts on a channel link. Their words are part of the link's name:
// "N unread", "N mentions" (as the contract spells them), "N join requests".
function badges(c) {
  const wrap = h('span', { class: 'nav-badges' });
  const waiting = isModerator(c) && c.access === 'request' ? (c.requesters ? c.requesters.size : (c.pending_requests || 0)) : 0;
  if (waiting) {
    wrap.append(h('span', { class: 'badge badge-requests', title: `${waiting} ${waiting === 1 ? 'join request' : 'join requests'} waiting` },
      h('span', { 'aria-hidden': 'true' }, `${waiting} to review`),
      h('span', { class: 'sr-only' }, `, ${waiting} ${waiting === 1 ? 'join request' : 'join requests'}`)));
  }
  if (notify.isMuted(c.id)) return wrap;
  const mentions = c.mentions || 0;
  const unread = c.unread || 0;
  if (mentions) {
    wrap.append(h('span', { class: 'badge badge-mention' },
      h('span', { 'aria-hidden': 'true' }, `@${mentions}`), h('span', { class: 'sr-only' }, `, ${mentions} mentions`)));
  }
  if (unread) {
    wrap.append(h('span', { class: 'badge' },
      h('span', { 'aria-hidden': 'true' }, String(unread)), h('span', { class: 'sr-only' }, ` ${unread} unread`)));
  }
  return wrap;
}

const prefix = (text) => h('span', { class: 'nav-prefix', 'aria-hidden': 'true' }, text);

// A conversation with one other person shows whether they are online.
function dmPrefix(c) {
  const others = c.people || [];
  if (others.length !== 1) return prefix('@');
  return h('span', { class: 'nav-prefix' }, presenceDot(others[0]));
}

function channelLink(c, kind) {
  const muted = notify.isMuted(c.id);
  const loud = !muted && ((c.unread || 0) > 0 || (c.mentions || 0) > 0);
  const cls = ['nav-link', loud ? 'has-unread' : '', c.archived ? 'is-archived' : '', muted ? 'is-muted' : ''].filter(Boolean).join(' ');
  return h('li', null, h('a', {
    href: `#/c/${c.id}`,
    class: cls,
    'data-key': `c${c.id}`,
    'aria-current': c.id === state.current ? 'page' : null,
  },
  kind === 'dm' ? dmPrefix(c) : prefix('#'),
  h('span', { class: 'nav-name' }, channelName(c)),
  kind === 'dm' && (c.people || []).length === 1 ? presenceText(c.people[0]) : null,
  c.archived ? h('span', { class: 'nav-flag' }, h('span', { class: 'sr-only' }, ', '), 'archived') : null,
  muted ? h('span', { class: 'nav-flag' }, h('span', { class: 'sr-only' }, ', '), 'muted') : null,
  badges(c)));
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
  const all = navOrder();
  const invites = [...state.listed.values()].filter((c) => !c.role && isInvited(c) && !state.channels.has(c.id));
  for (const [kind, label] of GROUPS) nav.append(group(kind, label, all, invites));
  if (focusedKey) nav.querySelector(`[data-key="${focusedKey}"]`)?.focus();
  if (state.me) updateTitle();
}

function updateBadge(id) {
  const a = $('channel-nav').querySelector(`[data-key="c${id}"]`);
  const c = state.channels.get(id);
  if (!a || !c) { render(); return; }
  const focused = document.activeElement === a;
  const fresh = channelLink(c, c.kind || 'cohort').firstChild;
  a.replaceWith(fresh);
  if (focused) fresh.focus();
  updateTitle();
}

// "(3 · 1 mention) #lobby · Weft": unread messages and mentions elsewhere
// (not in muted channels) show in the tab title.
function updateTitle() {
  const c = state.channels.get(state.current);
  const base = c ? `${c.kind === 'dm' ? '' : '#'}${channelName(c)} · Weft` : 'Weft';
  let unread = 0;
  let mentions = 0;
  for (const x of state.channels.values()) {
    if (notify.isMuted(x.id)) continue;
    unread += x.unread || 0;
    mentions += x.mentions || 0;
  }
  const counts = [unread ? String(unread) : null, mentions ? `${mentions} ${mentions === 1 ? 'mention' : 'mentions'}` : null].filter(Boolean);
  document.title = counts.length ? `(${counts.join(' · ')}) ${base}` : base;
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
  on('requests', updateBadge);
  on('muted', updateBadge);
  // A channel picked in the drawer: close it and go on in the message box.
  on('opened', ({ keepFocus }) => {
    if (!keepFocus && drawerOpen()) {
      closeDrawer(false);
      emit('focus', 'composer');
    }
  });
}
