// Reactions under a message (one toggle button each: emoji and count,
// pressed when mine, who reacted in its title and, on keyboard focus, in a
// tooltip), and the "Add reaction" picker: a few suggestions, my recent
// ones, and search by name over the emoji list shipped with the client.
import { h, clear } from '../dom.js';
import { openDialog } from '../dialog.js';
import { state } from '../state.js';
import * as convo from '../convo.js';
import { SUGGESTED, ALL, search as searchEmoji, named, nameOf as emojiName } from '../emoji.js';

// "Ana Bell, Bo Chen and you reacted with thumbs up".
function whoReacted(users, emoji) {
  const names = [];
  let missing = 0;
  let me = false;
  for (const id of users) {
    if (state.me && id === state.me.id) { me = true; continue; }
    const n = convo.nameOf(id);
    if (n) names.push(n); else missing++;
  }
  if (missing) names.push(`${missing} ${missing === 1 ? 'other' : 'others'}`);
  if (me) names.push('you');
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : (names[0] || 'Nobody');
  const what = emojiName(emoji);
  return { text: `${list[0].toUpperCase()}${list.slice(1)} reacted with ${what || emoji}`, missing };
}

export function reactionsRow(chId, vm) {
  const c = state.channels.get(chId);
  const writable = Boolean(c && !c.archived);
  const row = h('div', { class: 'reactions', role: 'group', 'aria-label': 'Reactions' });
  let missing = 0;
  for (const r of vm.reactions) {
    const users = r.users || [];
    const mine = Boolean(state.me && users.includes(state.me.id));
    const who = whoReacted(users, r.emoji);
    missing += who.missing;
    row.append(h('button', {
      type: 'button', class: 'reaction', 'aria-pressed': mine ? 'true' : 'false', title: who.text, disabled: !writable,
      onclick: () => convo.react(chId, vm.id, r.emoji, !mine),
    }, h('span', { class: 'reaction-emoji' }, r.emoji), ' ', h('span', { class: 'reaction-count' }, String(users.length || r.count || 0))));
  }
  if (writable) {
    row.append(h('button', { type: 'button', class: 'reaction reaction-add', 'aria-label': 'Add reaction', title: 'Add reaction',
      onclick: () => pickReaction(chId, vm.id) }, h('span', { class: 'icon icon-react', 'aria-hidden': 'true' })));
  }
  if (missing) convo.learnNames(chId);
  return row;
}

// Keyboard focus shows who reacted (the mouse has the title); the tooltip is
// a picture of the button's description, so screen readers skip it.
export function enableReactionTips(container) {
  container.addEventListener('focusin', (e) => {
    const b = e.target.closest?.('.reaction[title]:not(.reaction-add)');
    if (!b || !b.matches(':focus-visible')) return;
    b.querySelector('.reaction-tip')?.remove();
    b.append(h('span', { class: 'reaction-tip', 'aria-hidden': 'true' }, b.title));
  });
  container.addEventListener('focusout', (e) => {
    e.target.closest?.('.reaction')?.querySelector('.reaction-tip')?.remove();
  });
}

// ---------------------------------------------------------------- picker

export function pickReaction(chId, msgId) {
  openPicker((emoji) => convo.react(chId, msgId, emoji, true));
}

function emojiButton(e, name, pick) {
  return h('button', { type: 'button', class: 'emoji-btn', 'aria-label': name, title: name, tabindex: '-1', onclick: () => pick(e) }, e);
}

function section(title, list, pick) {
  return h('section', { class: 'emoji-section' },
    h('h3', { class: 'emoji-heading' }, title),
    h('div', { class: 'emoji-grid', role: 'group', 'aria-label': title }, list.map(([e, name]) => emojiButton(e, name, pick))));
}

// Arrow keys move within the results as in a grid; one Tab stop for all.
function gridKeys(results, search) {
  results.addEventListener('keydown', (e) => {
    const all = [...results.querySelectorAll('.emoji-btn')];
    const i = all.indexOf(document.activeElement);
    if (i === -1) return;
    const row = (b) => Math.round(b.getBoundingClientRect().top);
    const cols = all.filter((b) => row(b) === row(all[i]) && b.parentElement === all[i].parentElement).length || 1;
    let j = null;
    if (e.key === 'ArrowRight') j = Math.min(all.length - 1, i + 1);
    else if (e.key === 'ArrowLeft') j = Math.max(0, i - 1);
    else if (e.key === 'ArrowDown') j = Math.min(all.length - 1, i + cols);
    else if (e.key === 'ArrowUp') { if (i - cols < 0) { e.preventDefault(); search.focus(); return; } j = i - cols; }
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = all.length - 1;
    if (j === null) return;
    e.preventDefault();
    all[i].tabIndex = -1;
    all[j].tabIndex = 0;
    all[j].focus();
  });
}

function openPicker(onPick) {
  const search = h('input', { type: 'search', class: 'input emoji-search', 'aria-label': 'Search emoji', placeholder: 'Search by name, e.g. thumbs',
    autocomplete: 'off', spellcheck: 'false' });
  const status = h('p', { class: 'sr-only', role: 'status' });
  const results = h('div', { class: 'emoji-results' });
  let dlg = null;
  const pick = (e) => { dlg.close(); onPick(e); };
  const render = () => {
    clear(results);
    const q = search.value.trim();
    if (!q) {
      // Each emoji once (outside tests and screen readers find it by name).
      const recent = convo.recentEmoji();
      const suggested = SUGGESTED.filter((e) => !recent.includes(e));
      const shown = new Set([...recent, ...suggested]);
      if (recent.length) results.append(section('Recently used', named(recent), pick));
      results.append(section('Suggestions', named(suggested), pick));
      results.append(section('All emoji', ALL.filter(([e]) => !shown.has(e)), pick));
      status.textContent = '';
    } else {
      const found = searchEmoji(q);
      if (found.length) results.append(section('Results', found, pick));
      else results.append(h('p', { class: 'hint emoji-none' }, `No emoji match “${q}”.`));
      status.textContent = found.length ? `${found.length} emoji found.` : 'No emoji found.';
    }
    const first = results.querySelector('.emoji-btn');
    if (first) first.tabIndex = 0;
  };
  search.addEventListener('input', render);
  search.addEventListener('keydown', (e) => {
    const first = results.querySelector('.emoji-btn');
    if (e.key === 'Enter' && first && search.value.trim()) { e.preventDefault(); first.click(); }
    if (e.key === 'ArrowDown' && first) { e.preventDefault(); first.focus(); }
  });
  gridKeys(results, search);
  render();
  dlg = openDialog({ title: 'Add reaction', className: 'dialog-small emoji-dialog', content: [search, status, results] });
}
