// The quick switcher (Ctrl+K, ⌘K on a Mac): type part of a channel's or a
// person's name, move with ↑ and ↓, Enter opens it (a person: the
// conversation with them); the last option searches the messages for what
// was typed (the header's search, views/search.js). A combobox with a listbox, as the WAI-ARIA
// pattern has it: focus stays in the box, the active option is
// aria-activedescendant.
import { h, clear, nextId } from '../dom.js';
import { openDialog, alertLine } from '../dialog.js';
import { state, limit, channelName, isMe, emit } from '../state.js';
import * as net from '../net.js';
import * as channels from '../channels.js';
import { authorName, cap } from '../util.js';
import { openConversation } from './newdm.js';
import { errText } from './common.js';

const MAX_SHOWN = 12;
const FIND_AFTER_MS = 200;

// How well text matches q: 0 starts with it, 1 a word starts with it, 2
// contains it, -1 not at all.
function score(text, q) {
  const t = (text || '').toLowerCase();
  if (!q) return 0;
  if (t.startsWith(q)) return 0;
  if (t.includes(` ${q}`) || t.includes(`-${q}`)) return 1;
  return t.includes(q) ? 2 : -1;
}

function channelItems(q) {
  const out = [];
  for (const c of channels.navOrder()) {
    const s = score(channelName(c), q);
    if (s < 0) continue;
    const kind = c.kind === 'dm' ? 'Direct message' : `${cap(c.kind)}${c.archived ? ', archived' : ''}`;
    const unread = c.unread ? `, ${c.unread} unread` : '';
    out.push({ key: `c${c.id}`, score: s, unread: c.unread || 0, label: c.kind === 'dm' ? channelName(c) : `#${channelName(c)}`, detail: `${kind}${unread}`, channel: c });
  }
  return out;
}

function personItems(q, found) {
  const seen = new Set();
  const out = [];
  // A person I already share a one-to-one conversation with is that conversation.
  const dmWith = new Set([...state.channels.values()].filter((c) => c.kind === 'dm' && (c.people || []).length === 1).map((c) => c.people[0]));
  for (const u of [...found, ...state.people.values()]) {
    if (!u || typeof u.id !== 'number' || typeof u.name !== 'string' || seen.has(u.id) || isMe(u) || dmWith.has(u.id) || u.active === false) continue;
    seen.add(u.id);
    const s = Math.min(...[score(u.display, q), score(u.name, q)].map((x) => (x < 0 ? 9 : x)));
    if (s === 9 || !q) continue;
    out.push({ key: `u${u.id}`, score: s + 0.5, label: authorName(u), detail: `Person, @${u.name}`, user: u });
  }
  return out;
}

export function quickSwitcher() {
  const listId = nextId('qs-list');
  const inputId = nextId('qs-input');
  const alert = alertLine();
  const input = h('input', {
    id: inputId, type: 'text', class: 'input', autocomplete: 'off', spellcheck: 'false', role: 'combobox',
    'aria-autocomplete': 'list', 'aria-expanded': 'true', 'aria-controls': listId, 'aria-describedby': `${inputId}-hint`,
  });
  const list = h('ul', { id: listId, class: 'switcher-list', role: 'listbox', 'aria-label': 'Channels and people' });
  const count = h('p', { class: 'sr-only', role: 'status' });
  let items = [];
  let active = 0;
  let found = [];
  let searchFor = '';

  const paint = () => {
    for (const [i, li] of [...list.children].entries()) li.setAttribute('aria-selected', String(i === active));
    const el = list.children[active];
    if (el && el.id) {
      input.setAttribute('aria-activedescendant', el.id);
      el.scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  };
  const render = () => {
    const q = input.value.trim().toLowerCase().replace(/^[#@]/, '');
    items = [...channelItems(q), ...personItems(q, found)]
      .sort((a, b) => a.score - b.score || (q ? 0 : b.unread - a.unread))
      .slice(0, MAX_SHOWN);
    const typed = input.value.trim();
    if (typed && [...typed].length <= limit('max_search_query')) {
      items.push({ key: 'search', label: `Search messages for “${typed}”`, search: typed });
    }
    active = 0;
    clear(list);
    items.forEach((it, i) => {
      list.append(h('li', { id: `${listId}-${i}`, role: 'option', class: 'switcher-option', 'aria-selected': 'false', onclick: () => choose(i), onmousemove: () => { if (active !== i) { active = i; paint(); } } },
        h('span', { class: 'switcher-label' }, it.label),
        it.detail ? h('span', { class: 'switcher-detail' }, it.detail) : null));
    });
    if (!items.length) list.append(h('li', { class: 'switcher-empty', role: 'presentation' }, q ? 'Nothing matches. Try part of a name.' : 'No channels yet.'));
    const matched = items.filter((it) => !it.search).length;
    count.textContent = matched ? `${matched} ${matched === 1 ? 'match' : 'matches'}` : 'No channels or people match';
    paint();
  };

  let findTimer = null;
  let asked = 0;
  const findPeople = () => {
    clearTimeout(findTimer);
    const q = input.value.trim().replace(/^[#@]/, '');
    if (!q || [...q].length > limit('max_query') || !net.ready()) { found = []; return; }
    findTimer = setTimeout(async () => {
      const mine = ++asked;
      try {
        const r = await net.request({ type: 'user.find', q });
        if (mine !== asked) return;
        found = r.users || [];
        const keep = items[active]?.key;
        render();
        // The option one had moved to stays chosen; the search, always
        // last, gives way to the people just found.
        const again = keep === 'search' ? -1 : items.findIndex((it) => it.key === keep);
        if (again > 0) { active = again; paint(); }
      } catch { /* people I know still show */ }
    }, FIND_AFTER_MS);
  };

  async function choose(i) {
    const it = items[i];
    if (!it) return;
    alert.show('');
    if (it.search) {
      searchFor = it.search; // once the dialog is gone (onClose below)
      dlg.close();
      return;
    }
    if (it.channel) {
      dlg.close();
      channels.go(it.channel.id);
      return;
    }
    try {
      await openConversation([it.user]);
      dlg.close();
    } catch (e) {
      alert.show(`Couldn’t open a conversation with ${authorName(it.user)}: ${errText(e)}`);
    }
  }

  input.addEventListener('input', () => { render(); findPeople(); });
  input.addEventListener('keydown', (e) => {
    const n = items.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (n) { active = (active + (e.key === 'ArrowDown' ? 1 : -1) + n) % n; paint(); }
    } else if (e.key === 'Home' && e.ctrlKey) {
      e.preventDefault(); active = 0; paint();
    } else if (e.key === 'End' && e.ctrlKey) {
      e.preventDefault(); active = Math.max(0, n - 1); paint();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      choose(active);
    }
  });
  const dlg = openDialog({
    title: 'Go to a channel or person',
    className: 'dialog-small switcher',
    // The header's search takes the focus, not the element that opened this.
    onClose: () => {
      if (!searchFor) return false;
      emit('search.ask', searchFor);
      return true;
    },
    content: [
      h('div', { class: 'field' },
        h('label', { for: inputId, class: 'sr-only' }, 'Channel or person'),
        input,
        h('p', { id: `${inputId}-hint`, class: 'hint' }, '↑ and ↓ to choose, Enter to open, Escape to close.')),
      list, count, alert,
    ],
  });
  render();
  input.focus();
  return dlg;
}
