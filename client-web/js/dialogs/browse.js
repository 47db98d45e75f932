// Browse channels: every channel I may see, with a way in for each (open,
// join, request to join with a note, accept an invitation).
import { h, clear, nextId } from '../dom.js';
import { openDialog, alertLine, noteLine } from '../dialog.js';
import { state, limit } from '../state.js';
import * as net from '../net.js';
import * as channels from '../channels.js';
import { accessLabel, cap, isPendingFlag, isInvited } from '../util.js';
import { errText, countLabel } from './common.js';
import { formatFull } from '../timefmt.js';

const actionButton = (text, label, cls, onclick) =>
  h('button', { type: 'button', class: `btn ${cls} btn-small`, 'aria-label': label, onclick }, text);

// "Request to join" opens a short form for an optional note to the moderators.
function requestButton(c, li, join) {
  const btn = h('button', { type: 'button', class: 'btn btn-primary btn-small', 'aria-label': `Request to join ${c.name}`, 'aria-expanded': 'false' }, 'Request to join');
  btn.addEventListener('click', () => {
    btn.hidden = true;
    const ta = h('textarea', { class: 'input', rows: '2', maxlength: String(limit('max_note')) });
    const id = nextId('note');
    ta.id = id;
    const form = h('form', { class: 'request-form', onsubmit: (e) => { e.preventDefault(); join(c, ta.value.trim()); } },
      h('div', { class: 'field' }, h('label', { for: id }, `Note to the moderators of ${c.name} (optional)`), ta,
        h('p', { class: 'hint' }, 'Say a little about who you are and why you’d like to join.')),
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => { form.remove(); btn.hidden = false; btn.focus(); } }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn btn-primary btn-small' }, 'Send request')));
    li.append(form);
    ta.focus();
  });
  return btn;
}

// One channel and what I can do about it; ui: {dlg, join}.
function row(c, ui) {
  const actions = h('div', { class: 'browse-actions' });
  const li = h('li', { class: 'browse-item' },
    h('div', { class: 'browse-info' },
      h('h3', { class: 'browse-name', tabindex: '-1' }, h('span', { 'aria-hidden': 'true' }, '#'), c.name),
      h('p', { class: 'browse-meta' }, [cap(c.kind), accessLabel(c.access), countLabel(c.member_count)].filter(Boolean).join(' · ')),
      c.topic ? h('p', { class: 'browse-topic' }, c.topic) : null),
    actions);
  const pending = state.pendingJoins.has(c.id) || isPendingFlag(c);
  if (c.role || state.channels.has(c.id)) {
    actions.append(actionButton('Open', `Open ${c.name}`, 'btn-secondary', () => { ui.dlg.close(); channels.go(c.id); }));
  } else if (pending) {
    actions.append(h('span', { class: 'tag' }, 'Request pending'));
  } else if (isInvited(c)) {
    actions.append(actionButton('Accept invitation', `Accept invitation to ${c.name}`, 'btn-primary', () => ui.join(c)));
  } else if (c.access === 'open') {
    actions.append(actionButton('Join', `Join ${c.name}`, 'btn-primary', () => ui.join(c)));
  } else if (c.access === 'request') {
    actions.append(requestButton(c, li, ui.join));
  } else {
    actions.append(h('span', { class: 'tag' }, 'Invite only'));
  }
  return li;
}

// "in about 5 hours (Tuesday 3:40 PM)": when a declined request may be filed again.
export function askAgainWhen(ms, now = Date.now()) {
  const at = new Date(now + ms);
  const mins = Math.ceil(ms / 60000);
  let span;
  if (mins < 2) span = 'in a minute';
  else if (mins < 60) span = `in ${mins} minutes`;
  else if (mins < 48 * 60) { const hrs = Math.round(mins / 60); span = `in about ${hrs} ${hrs === 1 ? 'hour' : 'hours'}`; } else { const days = Math.round(mins / 1440); span = `in about ${days} days`; }
  return `${span} (${formatFull(at)})`;
}

// Channels come a page at a time (channel.list `after`/`limit`, in id
// order): a big network can hold thousands. Each page is shown sorted as a
// block below the ones before, so rows never move under the reader when more
// arrive. The page is the client's choice, at most limits.max_channel_page.
const pageSize = () => Math.min(100, limit('max_channel_page'));

const matches = (c, q) => c.kind !== 'dm' && (!q || c.name.toLowerCase().includes(q) || (c.topic || '').toLowerCase().includes(q));
const byTierThenName = (a, b) => Number(Boolean(a.role)) - Number(Boolean(b.role)) || a.name.localeCompare(b.name);

// pages: arrays of channels, each sorted; returns the first row of the page
// at index `from` (to move focus there), if it has one.
function renderList(list, pages, q, ui, from = -1) {
  clear(list);
  let first = null;
  pages.forEach((page, i) => {
    page.filter((x) => matches(x, q)).forEach((c, k) => {
      const li = row(c, ui);
      // Where a later page's block starts (its sort starts over): a rule.
      if (i > 0 && k === 0) li.classList.add('browse-page-start');
      if (i === from && !first) first = li;
      list.append(li);
    });
  });
  if (!list.firstChild) {
    const none = q ? 'No channels match.' : 'There are no other channels yet. Create one!';
    const text = ui.more ? (q ? 'No channels loaded so far match.' : null) : none;
    if (text) list.append(h('li', { class: 'browse-empty' }, text));
  }
  return first;
}

export async function browseChannels() {
  const alert = alertLine();
  const note = noteLine();
  const list = h('ul', { class: 'browse-list', 'aria-label': 'Channels you can join' });
  const filterId = nextId('filter');
  const filter = h('input', { type: 'search', class: 'input', autocomplete: 'off', id: filterId });
  const moreBtn = h('button', { type: 'button', class: 'btn btn-secondary browse-more', hidden: true }, 'Show more channels');
  const pages = [];
  let after = 0;
  let loading = false;
  const dlg = openDialog({
    title: 'Browse channels',
    className: 'dialog-wide',
    content: [h('div', { class: 'field' }, h('label', { for: filterId }, 'Filter channels'), filter), alert, note, list, moreBtn],
  });
  const shown = () => pages.reduce((n, p) => n + p.filter((c) => c.kind !== 'dm').length, 0);
  // What the list holds, for everyone and for screen readers (a status):
  // nothing to say when one page held everything.
  const showCount = () => {
    if (ui.more && filter.value.trim()) note.show(`Searching the ${shown()} channels loaded so far. Show more channels to search further.`);
    else if (ui.more) note.show(`Showing ${shown()} channels. There are more.`);
    else note.show(pages.length > 1 ? `Showing all ${shown()} channels.` : '');
  };
  const render = (from) => {
    const first = renderList(list, pages, filter.value.trim().toLowerCase(), ui, from);
    moreBtn.hidden = !ui.more;
    return first;
  };
  const ui = {
    dlg,
    more: false,
    async join(c, noteText) {
      alert.show('');
      try {
        const msg = { type: 'channel.join', channel: c.id };
        if (noteText) msg.note = noteText;
        const r = await net.request(msg);
        if (r.type === 'pending') {
          channels.markPending(c);
          note.show(`Request sent to the moderators of ${c.name}. You’ll see the channel here once they approve it.`);
          render();
          return;
        }
        dlg.close();
        channels.add(r.type === 'channel' && r.channel ? r.channel : { ...c, role: 'member' });
      } catch (e) {
        const wait = e.frame && typeof e.frame.retry_after_ms === 'number' ? e.frame.retry_after_ms : null;
        alert.show(e.code === 'forbidden' && wait !== null && c.access === 'request'
          ? `The moderators of ${c.name} declined your last request. You can ask again ${askAgainWhen(wait)}.`
          : `Couldn’t join ${c.name}: ${errText(e)}`);
      }
    },
  };
  // The next page; with focus (the button was used), focus moves to the
  // first new channel and the count is announced.
  async function loadMore(focus) {
    if (loading) return;
    loading = true;
    moreBtn.setAttribute('aria-disabled', 'true');
    moreBtn.textContent = 'Loading more channels…';
    list.setAttribute('aria-busy', 'true');
    try {
      const r = await net.request({ type: 'channel.list', after, limit: pageSize() });
      const page = r.channels || [];
      // A server that does not page sends everything and no `more`.
      ui.more = Boolean(r.more) && page.length > 0;
      if (page.length) after = page[page.length - 1].id;
      pages.push([...page].sort(byTierThenName));
      const first = render(pages.length - 1);
      if (focus) {
        if (first) {
          // The new block from its top, as much of it as fits.
          first.querySelector('.browse-name').focus({ preventScroll: true });
          first.scrollIntoView({ block: 'start' });
        }
        else if (!moreBtn.hidden) moreBtn.focus();
        else filter.focus();
      }
      showCount();
    } catch (e) {
      alert.show(`Couldn’t load channels: ${errText(e)}`);
      if (!pages.length) note.show('');
    } finally {
      loading = false;
      moreBtn.removeAttribute('aria-disabled');
      moreBtn.textContent = 'Show more channels';
      list.removeAttribute('aria-busy');
    }
  }
  moreBtn.addEventListener('click', () => loadMore(true));
  filter.addEventListener('input', () => { render(); showCount(); });
  note.show('Loading channels…');
  await loadMore(false);
}
