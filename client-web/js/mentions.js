// Mentions: who "@name" in a message names (for highlighting), and whom the
// message box offers after "@" (the open channel's members).
import { state, limit } from './state.js';
import * as people from './people.js';
import { isModerator } from './util.js';

// The options renderBody needs to highlight the mentions of message m (the
// server lists whom it mentions by id; a body names them by user name), or
// undefined when it mentions no one.
export function mentionOptions(m) {
  const ids = m && Array.isArray(m.mentions) ? m.mentions : null;
  if (!ids || !ids.length || !state.me) return undefined;
  const set = new Set(ids);
  const mine = set.has(state.me.id);
  // Mentioned people not known here yet: an unknown @name is taken for one.
  const unknown = ids.some((id) => !state.people.has(id));
  return {
    mention: (name) => {
      if (name === 'here' || name === 'channel') return mine ? 'me' : null;
      const id = people.idByName(name);
      if (id !== undefined) {
        if (!set.has(id)) return null;
        return id === state.me.id ? 'me' : 'other';
      }
      return unknown ? 'other' : null;
    },
  };
}

// The same for a message as a view shows it (vm): in the channel's
// messages, or among its thread's replies.
export function mentionsIn(d, vm) {
  if (!d || !vm || !vm.id) return undefined;
  return mentionOptions(d.msgs.get(vm.id) || d.threads?.get(vm.thread)?.msgs.get(vm.id));
}

const SPECIAL = [
  { name: 'here', display: 'Everyone online in this channel', special: true },
  { name: 'channel', display: 'Everyone in this channel', special: true },
];

// Whom "@query" may name in channel chId, best first: names that start with
// the query, then those that contain it; at most max.
export function candidates(chId, query, max = 8) {
  const q = query.toLowerCase();
  const list = state.members.get(chId) || [];
  const starts = [];
  const contains = [];
  for (const { id } of list) {
    if (state.me && id === state.me.id) continue;
    const u = state.people.get(id);
    if (!u || typeof u.name !== 'string') continue;
    const name = u.name.toLowerCase();
    const display = (u.display || '').toLowerCase();
    if (name.startsWith(q) || display.startsWith(q) || display.includes(` ${q}`)) starts.push(u);
    else if (q && (name.includes(q) || display.includes(q))) contains.push(u);
  }
  const byName = (a, b) => (a.display || a.name).localeCompare(b.display || b.name);
  const out = [...starts.sort(byName), ...contains.sort(byName)];
  // @here and @channel mean something only from a moderator, in a channel
  // of at most limits.max_mention_all members.
  const c = state.channels.get(chId);
  const small = (c?.member_count ?? 0) <= limit('max_mention_all');
  if (isModerator(c) && c.kind !== 'dm' && small) for (const s of SPECIAL) if (s.name.startsWith(q)) out.push(s);
  return out.slice(0, max);
}
