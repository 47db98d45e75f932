// channel.list pages (review finding 4, second part): `after` (a channel id,
// exclusive) and `limit` (1..limits.max_channel_page, default the max), in
// channel id order, with `more`; `mine` keeps only the user's channels,
// pending requests and invitations. Channel objects come from the server's
// memory, so the request and invitation state they show must follow every
// request, invitation, decision, join, leave and deactivation, and be the
// same after a restart.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import { uid, stopWithin, show, assertErr, sendMsg, NO_RATE_LIMIT } from './support.js';

let server;
const u = {};
const c = {};

async function connectAll() {
  for (const n of Object.keys(u)) {
    c[n] = await connect(server, (await server.login(n, u[n].password)).token);
    c[n].ws.on('error', () => {});
  }
}

before(async () => {
  server = await startServer({ args: ['--channels-per-day', '0', ...NO_RATE_LIMIT] });
  for (const n of ['ana', 'bo', 'cy']) u[n] = await server.user(n);
  u.root = await server.user('root', { admin: true });
  await connectAll();
});
after(async () => {
  for (const x of Object.values(c)) x.ws.terminate();
  await stopWithin(server);
});

const create = async (k, kind, access) => {
  const r = await k.request({ type: 'channel.create', name: uid(kind).toLowerCase(), kind, access });
  assert.equal(r.type, 'channel', show(r));
  return r.channel;
};

// Every page with this limit, following `more`: {channels, pages}.
async function walk(k, limit, extra = {}) {
  let afterId = 0;
  const out = [];
  for (let pages = 1; pages < 1000; pages++) {
    const r = await k.request({ type: 'channel.list', after: afterId, limit, ...extra });
    assert.equal(r.type, 'channels', show(r));
    assert.equal(typeof r.more, 'boolean', `more is missing: ${show(r).slice(0, 200)}`);
    assert.ok(r.channels.length <= limit, `a page of ${r.channels.length} > limit ${limit}`);
    out.push(...r.channels);
    if (!r.more) return { channels: out, pages };
    assert.equal(r.channels.length, limit, 'a page with more:true is full');
    afterId = r.channels[r.channels.length - 1].id;
  }
  throw new Error('paging did not end');
}

// The channel as k sees it in channel.list (undefined when not listed).
async function seen(k, id, extra = {}) {
  const r = await k.request({ type: 'channel.list', after: id - 1, limit: 1, ...extra });
  assert.equal(r.type, 'channels', show(r));
  assert.ok(r.channels.length <= 1, `a page of limit 1 held ${r.channels.length} channels`);
  return r.channels.find((x) => x.id === id);
}

test('pages follow `after` in channel id order; `more` says whether one follows; together they are the whole list', async () => {
  const made = [];
  for (let i = 0; i < 4; i++) {
    made.push(await create(c.ana, 'cohort', 'open'));
    made.push(await create(c.ana, 'caucus', 'request'));
    made.push(await create(c.ana, 'team', 'invite')); // invisible to bo
  }
  const dm = await c.ana.request({ type: 'dm.open', users: [u.cy.id] });
  assert.equal(dm.type, 'channel', show(dm));
  const whole = await c.bo.request({ type: 'channel.list' });
  assert.equal(whole.more, false, 'a short list is one page');
  const ids = whole.channels.map((x) => x.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in channel id order');
  for (const x of made) assert.equal(ids.includes(x.id), x.access !== 'invite', `${x.name}: ${show(ids)}`);
  assert.ok(!ids.includes(dm.channel.id), 'no DM of others');
  for (const limit of [1, 3, 5, 500]) {
    const w = await walk(c.bo, limit);
    assert.deepEqual(w.channels.map((x) => x.id), ids, `pages of ${limit}`);
    assert.equal(w.pages, Math.max(1, Math.ceil(ids.length / limit)));
  }
  // `after` is exclusive and need not be a channel the user can see.
  const team = made.find((x) => x.access === 'invite');
  const r = await c.bo.request({ type: 'channel.list', after: team.id, limit: 2 });
  assert.deepEqual(r.channels.map((x) => x.id), ids.filter((id) => id > team.id).slice(0, 2));
  const past = await c.bo.request({ type: 'channel.list', after: ids[ids.length - 1] });
  assert.deepEqual({ channels: past.channels, more: past.more }, { channels: [], more: false });
  const far = await c.bo.request({ type: 'channel.list', after: 2 ** 53 });
  assert.deepEqual({ channels: far.channels, more: far.more }, { channels: [], more: false });
});

test('welcome.limits.max_channel_page is 500, the default page: a client that never pages gets 500 and more:true', async () => {
  assert.equal(c.bo.welcome.limits.max_channel_page, 500, show(c.bo.welcome.limits));
  const before = (await walk(c.bo, 500)).channels.length;
  const want = 520 - before;
  const reqs = [];
  for (let i = 0; i < want; i++) reqs.push(c.cy.request({ type: 'channel.create', name: uid('bulk').toLowerCase(), kind: 'cohort' }, { timeout: 60000 }));
  for (const r of await Promise.all(reqs)) assert.equal(r.type, 'channel', show(r));
  const first = await c.bo.request({ type: 'channel.list' });
  assert.equal(first.channels.length, 500);
  assert.equal(first.more, true);
  const w = await walk(c.bo, 500);
  assert.equal(w.channels.length, 520);
  assert.equal(w.pages, 2);
  assert.equal(new Set(w.channels.map((x) => x.id)).size, 520, 'no channel twice');
});

test('bad paging values are bad_request with a message that names the rule', async () => {
  const cases = [
    [{ limit: 0 }, /limit must be an integer from 1 to 500/],
    [{ limit: 501 }, /limit must be an integer from 1 to 500/],
    [{ limit: 2.5 }, /limit must be an integer from 1 to 500/],
    [{ limit: '10' }, /limit must be an integer from 1 to 500/],
    [{ after: -1 }, /after must be a channel id/],
    [{ after: 'x' }, /after must be a channel id/],
    [{ after: 1.5 }, /after must be a channel id/],
    [{ mine: 'yes' }, /mine must be true or false/],
  ];
  for (const [extra, re] of cases) {
    const r = await c.bo.request({ type: 'channel.list', ...extra });
    assertErr(r, 'bad_request', show(extra));
    assert.match(r.message, re, show(r));
  }
  // null is absent, as everywhere.
  const ok = await c.bo.request({ type: 'channel.list', after: null, limit: null, mine: null });
  assert.equal(ok.type, 'channels', show(ok));
});

// What the state tests compare: a channel's per-user fields.
const state = (x) => (x ? { role: x.role, pending: x.pending, invited: x.invited, pending_requests: x.pending_requests } : undefined);

test('request, decide, invite, uninvite, join and leave show at once in the pages', async () => {
  const caucus = await create(c.ana, 'caucus', 'request');
  const caucus2 = await create(c.ana, 'caucus', 'request');
  const team = await create(c.ana, 'team', 'invite');
  assert.deepEqual(state(await seen(c.bo, caucus.id)), { role: null, pending: false, invited: false, pending_requests: undefined });
  assert.equal((await seen(c.ana, caucus.id)).pending_requests, 0);

  // A request: pending for bo, counted for the owner.
  assert.equal((await c.bo.request({ type: 'channel.join', channel: caucus.id, note: 'hi' })).type, 'pending');
  assert.equal((await c.cy.request({ type: 'channel.join', channel: caucus.id })).type, 'pending');
  assert.equal((await seen(c.bo, caucus.id)).pending, true);
  assert.equal((await seen(c.cy, caucus.id)).pending, true);
  assert.equal((await seen(c.ana, caucus.id)).pending_requests, 2);
  // Declined: no longer pending.
  assert.equal((await c.ana.request({ type: 'channel.decide', channel: caucus.id, user: u.cy.id, approve: false })).type, 'ok');
  assert.equal((await seen(c.cy, caucus.id)).pending, false);
  assert.equal((await seen(c.ana, caucus.id)).pending_requests, 1);
  // Approved: a member, the request gone.
  assert.equal((await c.ana.request({ type: 'channel.decide', channel: caucus.id, user: u.bo.id, approve: true })).type, 'ok');
  assert.deepEqual(state(await seen(c.bo, caucus.id)), { role: 'member', pending: undefined, invited: undefined, pending_requests: undefined });
  assert.equal((await seen(c.ana, caucus.id)).pending_requests, 0);
  // Leaving: a non-member again, with nothing pending.
  assert.equal((await c.bo.request({ type: 'channel.leave', channel: caucus.id })).type, 'ok');
  assert.deepEqual(state(await seen(c.bo, caucus.id)), { role: null, pending: false, invited: false, pending_requests: undefined });

  // An invitation: the team appears for bo only, invited; uninvited, it goes.
  assert.equal(await seen(c.bo, team.id), undefined);
  assert.equal((await c.ana.request({ type: 'channel.invite', channel: team.id, user: u.bo.id })).type, 'ok');
  assert.deepEqual(state(await seen(c.bo, team.id)), { role: null, pending: false, invited: true, pending_requests: undefined });
  assert.equal(await seen(c.cy, team.id), undefined);
  assert.equal((await c.ana.request({ type: 'channel.uninvite', channel: team.id, user: u.bo.id })).type, 'ok');
  assert.equal(await seen(c.bo, team.id), undefined);
  // Invited to a request channel with a request pending: joining uses both up.
  assert.equal((await c.bo.request({ type: 'channel.join', channel: caucus2.id })).type, 'pending');
  assert.equal((await c.ana.request({ type: 'channel.invite', channel: caucus2.id, user: u.bo.id })).type, 'ok');
  assert.deepEqual(state(await seen(c.bo, caucus2.id)), { role: null, pending: true, invited: true, pending_requests: undefined });
  assert.equal((await c.bo.request({ type: 'channel.join', channel: caucus2.id })).type, 'channel');
  assert.equal((await seen(c.bo, caucus2.id)).role, 'member');
  assert.equal((await seen(c.ana, caucus2.id)).pending_requests, 0);
  assert.equal((await c.bo.request({ type: 'channel.leave', channel: caucus2.id })).type, 'ok');
  assert.deepEqual(state(await seen(c.bo, caucus2.id)), { role: null, pending: false, invited: false, pending_requests: undefined });
  // The same with an invitation to the team: used up by the join.
  assert.equal((await c.ana.request({ type: 'channel.invite', channel: team.id, user: u.bo.id })).type, 'ok');
  assert.equal((await c.bo.request({ type: 'channel.join', channel: team.id })).type, 'channel');
  assert.equal((await c.bo.request({ type: 'channel.leave', channel: team.id })).type, 'ok');
  assert.equal(await seen(c.bo, team.id), undefined, 'the invitation was used up');
});

test('`mine` lists only my channels, my pending requests and my invitations, with unread counts', async () => {
  const open = await create(c.ana, 'cohort', 'open');
  const caucus = await create(c.ana, 'caucus', 'request');
  const team = await create(c.ana, 'team', 'invite');
  const other = await create(c.ana, 'cohort', 'open');
  const fresh = await connect(server, (await server.user(uid('mi').toLowerCase())).token);
  fresh.ws.on('error', () => {});
  const me = fresh.welcome.user.id;
  try {
    assert.equal((await fresh.request({ type: 'channel.join', channel: open.id })).type, 'channel');
    assert.equal((await fresh.request({ type: 'channel.join', channel: caucus.id })).type, 'pending');
    assert.equal((await c.ana.request({ type: 'channel.invite', channel: team.id, user: me })).type, 'ok');
    for (let i = 0; i < 3; i++) await sendMsg(c.ana, open.id, `unread ${i}`);
    const mine = await walk(fresh, 2, { mine: true });
    assert.deepEqual(mine.channels.map((x) => x.id), [open.id, caucus.id, team.id]);
    assert.ok(!mine.channels.some((x) => x.id === other.id));
    assert.equal(mine.channels[0].unread, 3);
    const all = await walk(fresh, 500);
    assert.ok(all.channels.some((x) => x.id === other.id), 'without mine: every open channel');
    // Unread follows reads and deletions.
    const last = await sendMsg(c.ana, open.id, 'fourth');
    assert.equal((await seen(fresh, open.id, { mine: true })).unread, 4);
    assert.equal((await fresh.request({ type: 'read', channel: open.id, seq: last.id - 1 })).type, 'ok');
    assert.equal((await seen(fresh, open.id)).unread, 1);
    assert.equal((await c.ana.request({ type: 'delete', channel: open.id, id: last.id })).type, 'ok');
    assert.equal((await seen(fresh, open.id)).unread, 0);
    await sendMsg(c.ana, open.id, 'fifth');
    await sendMsg(fresh, open.id, 'mine does not count');
    assert.equal((await seen(fresh, open.id)).unread, 1);
    const top = await sendMsg(c.ana, open.id, 'sixth');
    assert.equal((await fresh.request({ type: 'read', channel: open.id, seq: top.id })).type, 'ok');
    assert.equal((await seen(fresh, open.id)).unread, 0);
  } finally {
    fresh.ws.terminate();
  }
});

test('deactivation withdraws requests and invitations; every page is the same after a restart', async () => {
  const caucus = await create(c.ana, 'caucus', 'request');
  const team = await create(c.ana, 'team', 'invite');
  const dora = await server.user(uid('do').toLowerCase());
  const dc = await connect(server, dora.token);
  dc.ws.on('error', () => {});
  assert.equal((await dc.request({ type: 'channel.join', channel: caucus.id })).type, 'pending');
  assert.equal((await c.ana.request({ type: 'channel.invite', channel: team.id, user: dora.id })).type, 'ok');
  assert.equal((await c.bo.request({ type: 'channel.join', channel: caucus.id })).type, 'pending');
  assert.equal((await seen(c.ana, caucus.id)).pending_requests, 2);
  // Deactivated: the request and the invitation go (store and memory).
  assert.equal((await c.root.request({ type: 'admin.user.deactivate', user: dora.id })).type, 'ok');
  await dc.closed;
  assert.equal((await seen(c.ana, caucus.id)).pending_requests, 1);
  const reqs = await c.ana.request({ type: 'channel.requests', channel: caucus.id });
  assert.deepEqual(reqs.requests.map((x) => x.user.id), [u.bo.id]);
  assert.equal((await c.root.request({ type: 'admin.user.reactivate', user: dora.id })).type, 'ok');
  const back = await connect(server, (await server.login(dora.name, dora.password)).token);
  back.ws.on('error', () => {});
  assert.deepEqual(state(await seen(back, caucus.id)), { role: null, pending: false, invited: false, pending_requests: undefined });
  assert.equal(await seen(back, team.id), undefined);
  assert.equal((await back.request({ type: 'channel.join', channel: team.id })).code, 'forbidden');
  back.ws.terminate();
  // A pending invitation and request that stay, for the restart below.
  assert.equal((await c.ana.request({ type: 'channel.invite', channel: team.id, user: u.cy.id })).type, 'ok');
  const lobby = await create(c.ana, 'cohort', 'open');
  assert.equal((await c.bo.request({ type: 'channel.join', channel: lobby.id })).type, 'channel');
  await sendMsg(c.ana, lobby.id, 'unread one');
  await sendMsg(c.ana, lobby.id, 'unread two');

  const snapshot = async () => {
    const out = {};
    for (const n of ['ana', 'bo', 'cy']) out[n] = (await walk(c[n], 7)).channels;
    return out;
  };
  const beforeRestart = await snapshot();
  assert.equal(beforeRestart.cy.find((x) => x.id === team.id)?.invited, true);
  assert.equal(beforeRestart.bo.find((x) => x.id === caucus.id)?.pending, true);
  assert.equal(beforeRestart.bo.find((x) => x.id === lobby.id)?.unread, 2);
  for (const x of Object.values(c)) x.ws.terminate();
  await server.restart();
  await connectAll();
  assert.deepEqual(await snapshot(), beforeRestart, 'the same pages after a restart');
});
