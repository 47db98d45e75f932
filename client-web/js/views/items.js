// The "Action items" panel beside the channel: the channel's items, or mine
// across every channel ("My items"), open or done; each a checkbox named by
// its title (checked: done), with its owner and due date, overdue ones
// marked in a calm amber with words, not colour alone. "New item" opens
// the dialog; the message menu's "Create action item" opens it for that
// message, and a message shows the items made from it. The daily digest
// is turned on and off here.
import { h, $, clear, nextId } from '../dom.js';
import { state, on } from '../state.js';
import * as items from '../items.js';
import { authorName, isModerator } from '../util.js';
import { itemDialog } from '../dialogs/newitem.js';
import * as panel from './sidepanel.js';

let shownFor = null; // channel id while the panel is open
let scope = 'channel'; // 'channel' | 'mine'
let show = 'open'; // 'open' | 'done' | 'all'
let error = null;

const dueText = (it) => {
  if (!it.due) return null;
  if (items.isOverdue(it)) return `was due ${it.due}`;
  return it.due === items.serverToday() ? 'Due today' : `Due ${it.due}`;
};

function channelOf(it) {
  const c = state.channels.get(it.channel);
  return c ? (c.kind === 'dm' ? 'a direct message' : `#${c.name}`) : `channel ${it.channel}`;
}

// Who may change it: its creator, its owner, the channel's moderators.
function mayChange(it) {
  const c = state.channels.get(it.channel);
  if (!c || c.archived || !state.me) return false;
  return it.by?.id === state.me.id || it.owner?.id === state.me.id || isModerator(c);
}

async function setDone(it, box) {
  box.disabled = true;
  try {
    await items.update(it.channel, it.id, { status: box.checked ? 'done' : 'open' });
  } catch (e) {
    box.checked = !box.checked;
    error = `Couldn’t update “${it.title}”: ${e.message}`;
    render();
  } finally {
    box.disabled = false;
  }
}

function row(it) {
  const id = nextId('item');
  const overdue = items.isOverdue(it);
  const box = h('input', { type: 'checkbox', id, checked: it.status === 'done', disabled: !mayChange(it) });
  box.addEventListener('change', () => setDone(it, box));
  const meta = [
    it.owner ? `Owner: ${authorName(it.owner)}` : 'No owner',
    dueText(it),
    scope === 'mine' ? `in ${channelOf(it)}` : null,
  ].filter(Boolean).join(' · ');
  const goMessage = () => {
    if (matchMedia('(max-width: 600px)').matches) panel.close({ refocus: false });
    location.hash = `#/c/${it.channel}/m/${it.message}`;
  };
  return h('li', { class: `item-row${overdue ? ' is-overdue' : ''}${it.status === 'done' ? ' is-done' : ''}`, 'data-item': String(it.id) },
    h('div', { class: 'item-main' }, box, h('label', { for: id, class: 'item-title' }, it.title)),
    h('p', { class: 'item-meta' }, overdue ? h('span', { class: 'overdue-badge' }, 'Overdue') : null, meta),
    h('div', { class: 'item-actions' },
      it.message ? h('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: goMessage, 'aria-label': `Show the message of ${it.title}` }, 'Show message') : null,
      mayChange(it) ? h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'aria-label': `Edit ${it.title}`,
        onclick: () => itemDialog(it.channel, { item: it }) }, 'Edit') : null));
}

// Open first by due date (no date last), then done ones, newest first.
function sorted(list) {
  const key = (it) => it.due || '9999-99-99';
  return list.sort((a, b) => (a.status !== b.status ? (a.status === 'open' ? -1 : 1)
    : a.status === 'open' ? key(a).localeCompare(key(b)) || a.id - b.id : b.id - a.id));
}

function controls() {
  const c = state.channels.get(shownFor);
  const sel = (label, value, options, set) => {
    const id = nextId('sel');
    const s = h('select', { id, class: 'input' }, options.map(([v, t]) => h('option', { value: v, selected: v === value ? true : undefined }, t)));
    s.value = value;
    s.addEventListener('change', () => { set(s.value); refresh(); });
    return h('div', { class: 'field field-inline' }, h('label', { for: id }, label), s);
  };
  const digest = items.digestSetting();
  const dId = nextId('digest');
  const dBox = h('input', { type: 'checkbox', id: dId, checked: Boolean(digest?.on), disabled: !digest });
  dBox.addEventListener('change', async () => {
    try { await items.setDigest(dBox.checked); } catch (e) { error = `Couldn’t change the digest: ${e.message}`; render(); }
  });
  return h('div', { class: 'items-controls' },
    c && !c.archived ? h('button', { type: 'button', class: 'btn btn-primary btn-small', onclick: () => itemDialog(shownFor) }, 'New item') : null,
    h('div', { class: 'items-filters' },
      sel('Show', scope, [['channel', 'This channel'], ['mine', 'My items, all channels']], (v) => { scope = v; }),
      sel('Status', show, [['open', 'Open'], ['done', 'Done'], ['all', 'All']], (v) => { show = v; })),
    h('div', { class: 'check' }, dBox, h('label', { for: dId },
      digest ? `Daily digest of my due items (${digest.time}, ${digest.tz})` : 'Daily digest of my due items')));
}

function render() {
  if (shownFor === null || panel.kind() !== 'items') return;
  const body = panel.body();
  const focused = document.activeElement;
  const focusKey = focused && body.contains(focused) ? (focused.closest('[data-item]')?.dataset.item ?? null) : null;
  const focusTag = focused?.tagName;
  clear(body);
  body.append(controls());
  if (error) body.append(h('p', { class: 'form-error', role: 'alert' }, error));
  const source = scope === 'mine' ? items.myItems() : (items.isLoaded(shownFor) ? items.channelItems(shownFor) : null);
  if (!source) { body.append(h('p', { class: 'thread-note' }, 'Loading action items…')); return; }
  const list = sorted(source.filter((it) => show === 'all' || it.status === show));
  body.append(h('p', { class: 'sr-only', role: 'status' }, `${list.length} ${list.length === 1 ? 'item' : 'items'}`));
  if (!list.length) {
    body.append(h('p', { class: 'thread-note' }, show === 'done' ? 'Nothing done yet.'
      : scope === 'mine' ? 'Nothing on your plate. Items you own in any channel show here.'
        : 'No open items. Create one with New item, or from a message’s “More actions” menu.'));
    return;
  }
  body.append(h('ul', { class: 'item-list', 'aria-label': 'Action items' }, list.map(row)));
  // Ticking a box redraws the list: the keyboard stays on that item.
  if (focusKey) body.querySelector(`[data-item="${focusKey}"] ${focusTag === 'BUTTON' ? 'button' : 'input'}`)?.focus();
}

async function refresh() {
  error = null;
  render();
  try {
    if (scope === 'mine') await items.loadMine(); else await items.load(shownFor);
  } catch (e) {
    error = `Couldn’t load the items: ${e.message}`;
  }
  render();
}

function toggle() {
  if (panel.kind() === 'items') { panel.close(); return; }
  if (!state.current) return;
  shownFor = state.current;
  panel.show({
    kind: 'items', label: 'Action items', title: 'Action items',
    onClose: () => { shownFor = null; $('show-items').setAttribute('aria-expanded', 'false'); },
    returnFocus: () => $('show-items'),
  });
  $('show-items').setAttribute('aria-expanded', 'true');
  render();
  $('side-title').focus();
  items.loadDigest().catch(() => {});
  refresh();
}

// The items made from a message, shown under it (msglog.js).
export function messageItems(chId, id) {
  const list = items.itemsOfMessage(chId, id);
  if (!list.length) return null;
  return h('ul', { class: 'msg-items', 'aria-label': 'Action items from this message' }, list.map((it) =>
    h('li', { class: `msg-item${it.status === 'done' ? ' is-done' : ''}${items.isOverdue(it) ? ' is-overdue' : ''}` },
      h('span', { class: 'msg-item-mark', 'aria-hidden': 'true' }, it.status === 'done' ? '☑' : '☐'),
      h('span', { class: 'sr-only' }, it.status === 'done' ? 'Done action item: ' : 'Action item: '),
      it.title,
      h('span', { class: 'msg-item-meta' }, [it.owner ? ` · ${authorName(it.owner)}` : '', dueText(it) ? ` · ${items.isOverdue(it) ? 'overdue, ' : ''}${dueText(it)}` : ''].join('')))));
}

export function init() {
  $('show-items').addEventListener('click', toggle);
  on('items', (chId) => { if (chId === null || chId === shownFor) render(); });
  on('digest', render);
  on('channel', (id) => { if (id === shownFor) render(); });
  // The open channel's items, so that its messages show theirs.
  on('opened', ({ id }) => { if (!items.isLoaded(id)) items.load(id).catch(() => {}); });
  on('session', ({ signedIn }) => { if (!signedIn) items.reset(); });
  on('create-item', ({ channel, message }) => itemDialog(channel, { message }));
}
