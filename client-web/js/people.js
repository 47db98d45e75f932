// People: what is known of each person (names, profile, whether they are
// online), the member lists of channels, the people in each direct message,
// and which people this connection watches for presence (presence.watch):
// the people in my direct messages, the open member list and open profile
// cards, never more than the server follows.
import { state, on, emit, limit, putUser, isMe, load, save } from './state.js';
import * as net from './net.js';

// ---------------------------------------------------------------- frames

// {"type":"user"}: someone's profile changed (my own, or someone I watch).
export function userFrame(f) {
  const u = putUser(f.user);
  if (!u) return;
  if (isMe(u)) {
    state.me = { ...state.me, name: u.name, display: u.display };
    emit('me');
  }
  emit('people', [u.id]);
}

// {"type":"presence"}: watched people came online or went offline.
export function presenceFrame(f) {
  const ids = [];
  for (const p of f.users || []) {
    if (typeof p.id !== 'number') continue;
    const old = state.people.get(p.id);
    if (old && old.online === Boolean(p.online)) continue;
    putUser({ id: p.id, online: Boolean(p.online) });
    ids.push(p.id);
  }
  if (ids.length) emit('people', ids);
}

export const person = (id) => state.people.get(id) || null;

// The id of the person with this user name (lowercase), when known.
let byName = null;
export function idByName(name) {
  if (!byName) {
    byName = new Map();
    for (const u of state.people.values()) if (typeof u.name === 'string') byName.set(u.name.toLowerCase(), u.id);
  }
  return byName.get(name);
}

// ---------------------------------------------------------------- member lists

const loading = new Map(); // channel id -> Promise

// The channel's members as channel.members last said ({id, role}), loaded
// when not known or when force. Rejects like net.request.
export function members(chId, { force = false } = {}) {
  if (!force && state.members.has(chId)) return Promise.resolve(state.members.get(chId));
  if (loading.has(chId)) return loading.get(chId);
  const p = (async () => {
    try {
      const r = await net.request({ type: 'channel.members', channel: chId });
      const list = [];
      const ids = [];
      for (const m of r.members || []) {
        const { role, online, ...u } = m;
        putUser({ ...u, ...(typeof online === 'boolean' ? { online } : {}) });
        list.push({ id: m.id, role });
        ids.push(m.id);
      }
      state.members.set(chId, list);
      const c = state.channels.get(chId);
      if (c && c.kind === 'dm') rememberDm(chId, ids.filter((id) => !isMe({ id })));
      emit('people', ids);
      return list;
    } finally {
      loading.delete(chId);
    }
  })();
  loading.set(chId, p);
  return p;
}

// Someone joined, left or changed role: the list is stale. The open
// channel's list is loaded again at once (its @ completions and the people
// of a direct message depend on it).
let reloadTimer = null;
function membersChanged(chId) {
  state.members.delete(chId);
  if (chId !== state.current) return;
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => { if (net.ready()) members(chId).catch(() => {}); }, 150);
}

// ---------------------------------------------------------------- direct messages

// Everyone ever seen in each direct message on this device, so that the
// conversation keeps its name, and says who left, after someone leaves.
let dmPeople = null; // channel id -> [user ids]
const dmStore = () => { dmPeople ??= new Map(Object.entries(load('dmpeople', {}) || {}).map(([k, v]) => [Number(k), v])); return dmPeople; };

function rememberDm(chId, ids) {
  const all = dmStore();
  const had = all.get(chId) || [];
  const union = [...new Set([...had, ...ids])];
  const c = state.channels.get(chId);
  if (c) c.people = ids;
  if (union.length === had.length) return;
  all.set(chId, union);
  const names = load('dmnames', {}) || {};
  for (const id of union) {
    const u = state.people.get(id);
    if (u) names[id] = { id, name: u.name, display: u.display };
  }
  save('dmnames', names);
  save('dmpeople', Object.fromEntries(all));
  syncWatch();
}

// The other people of a direct message: everyone seen in it on this device.
export function dmOthers(chId) {
  const ids = dmStore().get(chId) || state.channels.get(chId)?.people || [];
  const names = load('dmnames', {}) || {};
  return ids.map((id) => ({ id, ...names[id], ...state.people.get(id) }));
}

// Those of them who are no longer in it (they left): [] until its members are known.
export function dmLeft(chId) {
  const now = state.members.get(chId);
  if (!now) return [];
  const inIt = new Set(now.map((m) => m.id));
  return dmOthers(chId).filter((u) => !inIt.has(u.id));
}

// ---------------------------------------------------------------- presence.watch

const watchSets = new Map(); // who wants them ('card', 'panel') -> [ids]
let sent = null; // the set last sent, as a sorted, comma-joined string

// Watch these people for as long as `key` wants them ([] or unwatch stops).
export function watch(key, ids) {
  watchSets.set(key, ids.filter((id) => typeof id === 'number' && !isMe({ id })));
  syncWatch();
}

export function unwatch(key) {
  if (watchSets.delete(key)) syncWatch();
}

// Open cards first, then the open member list, then my direct messages;
// cut at the server's limit.
function wanted() {
  const ids = new Set();
  const keys = [...watchSets.keys()].sort((a, b) => (a === 'card' ? -1 : b === 'card' ? 1 : 0));
  for (const key of keys) for (const id of watchSets.get(key)) ids.add(id);
  for (const c of state.channels.values()) {
    if (c.kind !== 'dm') continue;
    for (const id of c.people || dmStore().get(c.id) || []) if (!isMe({ id })) ids.add(id);
  }
  return [...ids].slice(0, limit('max_watch')).sort((a, b) => a - b);
}

let watchTimer = null;
function syncWatch() {
  clearTimeout(watchTimer);
  watchTimer = setTimeout(sendWatch, 50);
}

async function sendWatch(force = false) {
  if (!net.ready() || !state.me) return;
  const ids = wanted();
  const key = ids.join(',');
  if (!force && key === sent) return;
  sent = key;
  try {
    presenceFrame(await net.request({ type: 'presence.watch', users: ids }));
  } catch {
    sent = null; // try again with the next change or connection
  }
}

export function init() {
  on('people', () => { byName = null; });
  on('me', () => { if (state.me) { putUser({ id: state.me.id, name: state.me.name, display: state.me.display }); byName = null; } });
  on('members', membersChanged);
  on('current', ({ id, switching }) => { if (switching && net.ready()) members(id).catch(() => {}); });
  on('channels', syncWatch);
  // A new connection watches nothing until told again; the member list of
  // the open channel may have changed meanwhile.
  on('conn', (s) => {
    if (s !== 'live') return;
    sent = null;
    sendWatch(true);
    if (state.current) members(state.current, { force: true }).catch(() => {});
  });
  on('session', ({ signedIn }) => {
    if (signedIn) return;
    state.people.clear();
    state.members.clear();
    byName = null;
    watchSets.clear();
    dmPeople = null;
    sent = null;
  });
}
