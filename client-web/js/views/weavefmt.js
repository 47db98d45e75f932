import { h } from '../dom.js';

// Small formatting helpers of the weaving views (issue 17).
export function formatTime(iso) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  return new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export const formatCount = (n) => (typeof n === 'number' ? n.toLocaleString() : '–');

// "Dec 1" for a week's Monday (YYYY-MM-DD, UTC).
export function weekLabel(day) {
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(t) ? new Date(t).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' }) : day;
}

// The focus tags and bio of u, for a card.
export function profileExtra(u) {
  const focus = Array.isArray(u.focus) ? u.focus : [];
  return [
    focus.length ? h('ul', { class: 'focus-tags', 'aria-label': 'Focus' }, focus.map((t) => h('li', { class: 'tag' }, t))) : null,
    u.bio ? h('p', { class: 'person-bio' }, u.bio) : null,
  ];
}
