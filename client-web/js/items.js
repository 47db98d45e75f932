// Action items: what this client knows of them (each channel's, and mine
// across channels), kept live by `item` events, and the requests that
// change them. The server computes `overdue` in its own time zone for
// item.list; for items that arrived as events it is worked out here from
// the server's `today` of the latest list (the events do not carry it).
//
// Changes announced: items chId (a channel's items changed; null: my
// items across channels), messages {id} (a message's action items show
// under it), digest (my digest setting).
import { state, emit } from './state.js';
import * as net from './net.js';

const byChannel = new Map(); // channel id -> Map(item id -> item)
const loaded = new Set(); // channels whose list was asked for
let mine = null; // Map(item id -> item): mine across channels, once asked
let today = null; // "YYYY-MM-DD" in the server's zone
let digest = null; // {on, time, tz}
let version = 0;

export const itemsVersion = () => version;
export const serverToday = () => today;
export const digestSetting = () => digest;

// Open, with a due date before the server's today.
export function isOverdue(it) {
  if (typeof it.overdue === 'boolean' && it._today === today) return it.overdue;
  return it.status === 'open' && Boolean(it.due) && Boolean(today) && it.due < today;
}

const chMap = (chId) => {
  if (!byChannel.has(chId)) byChannel.set(chId, new Map());
  return byChannel.get(chId);
};

export const channelItems = (chId) => [...chMap(chId).values()];
export const myItems = () => (mine ? [...mine.values()] : null);
export const isLoaded = (chId) => loaded.has(chId);

// The items made from message id of channel chId.
export function itemsOfMessage(chId, id) {
  const m = byChannel.get(chId);
  if (!m || !m.size) return [];
  return [...m.values()].filter((it) => it.message === id);
}

function put(it) {
  chMap(it.channel).set(it.id, it);
  const meId = state.me && state.me.id;
  if (mine) {
    if (it.owner && it.owner.id === meId) mine.set(it.id, it);
    else mine.delete(it.id);
  }
}

function changed(chId, messageIds = []) {
  version++;
  emit('items', chId);
  emit('items', null);
  if (messageIds.some(Boolean)) emit('messages', { id: chId });
}

// An `item` event: the item as it now is.
export function event(chId, f) {
  if (!f.item || typeof f.item.id !== 'number') return;
  const before = chMap(chId).get(f.item.id);
  put({ ...f.item, channel: chId });
  changed(chId, [f.item.message, before && before.message]);
}

async function list(query) {
  const all = [];
  let before;
  // At most a few pages: a board of more than 400 items is paged by scrolling in no client.
  for (let page = 0; page < 4; page++) {
    const r = await net.request({ type: 'item.list', limit: 100, ...query, ...(before ? { before } : {}) });
    today = r.today || today;
    for (const it of r.items || []) all.push({ ...it, _today: r.today });
    if (!r.more || !r.items.length) break;
    before = r.items[r.items.length - 1].id;
  }
  return all;
}

// A channel's items (rejects like net.request).
export async function load(chId) {
  const got = await list({ channel: chId });
  const m = new Map(got.map((it) => [it.id, it]));
  byChannel.set(chId, m);
  loaded.add(chId);
  changed(chId, [1]);
  return got;
}

// Mine across every channel I am in.
export async function loadMine() {
  const got = await list({ owner: 'me' });
  mine = new Map();
  for (const it of got) {
    mine.set(it.id, it);
    if (loaded.has(it.channel)) chMap(it.channel).set(it.id, it);
  }
  changed(null);
  return got;
}

// Rejects with a RequestError (the caller shows it).
export async function create(chId, { title, owner, due, message }) {
  const req = { type: 'item.create', channel: chId, title };
  if (owner) req.owner = owner;
  if (due) req.due = due;
  if (message) req.message = message;
  const r = await net.request(req);
  if (r.item) event(chId, { item: r.item });
  return r.item;
}

export async function update(chId, id, fields) {
  const r = await net.request({ type: 'item.update', channel: chId, id, ...fields });
  if (r.item) event(chId, { item: r.item });
  return r.item;
}

export async function loadDigest() {
  digest = await net.request({ type: 'digest.get' });
  emit('digest');
  return digest;
}

export async function setDigest(on) {
  digest = await net.request({ type: 'digest.set', on });
  emit('digest');
  return digest;
}

// Signing out forgets everything.
export function reset() {
  byChannel.clear();
  loaded.clear();
  mine = null;
  today = null;
  digest = null;
  version++;
}
