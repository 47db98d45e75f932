// Direct messages (docs/PROTOCOL.md "Direct messages"): dm.open finds or
// creates the one DM of a set of people, DMs are private to that set, have no
// moderators, and bad sets are refused.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, runWeftd } from '../lib/harness.js';
import { sendMsg, stopWithin, show, isEv, assertErr, barrier } from './support.js';

let server;
const u = {};
const c = {};
const extra = []; // accounts that only fill a DM past its limit

before(async () => {
  server = await startServer();
  for (const n of ['ana', 'bo', 'cy', 'di']) {
    u[n] = await server.user(n, { display: `${n[0].toUpperCase()}${n.slice(1)} Direct` });
    c[n] = await connect(server, u[n].token);
    c[n].ws.on('error', () => {});
  }
  for (let i = 0; i < 9; i++) extra.push(await server.user(`filler${i}`));
});
after(async () => {
  for (const x of Object.values(c)) x.ws.terminate();
  await stopWithin(server);
});

let pair; // the ana+bo DM

test('dm.open with one other person creates the DM; opening it again from either side finds the same one', async () => {
  const from = { ana: c.ana.frames.length, bo: c.bo.frames.length };
  const r = await c.ana.request({ type: 'dm.open', users: [u.bo.id], req: 'dm1' });
  assert.equal(r.type, 'channel', show(r));
  assert.equal(r.req, 'dm1');
  assert.equal(r.created, true, show(r));
  pair = r.channel;
  assert.equal(pair.kind, 'dm');
  assert.equal(pair.access, 'invite');
  assert.match(pair.name, /^dm:\d+$/);
  assert.equal(pair.role, 'member', 'a DM has no owner');
  assert.equal(pair.member_count, 2);
  // The other person is added by someone else: joined plus the join event.
  const joined = await c.bo.next((f) => f.type === 'joined' && f.channel?.id === pair.id, { from: from.bo });
  assert.equal(joined.channel.kind, 'dm');
  assert.equal(joined.channel.role, 'member');
  await c.bo.next(isEv(pair.id, 'join', (f) => f.user?.id === u.bo.id), { from: from.bo });
  const mem = await c.bo.request({ type: 'channel.members', channel: pair.id });
  assert.deepEqual(mem.members.map((x) => [x.id, x.role]), [[u.ana.id, 'member'], [u.bo.id, 'member']], show(mem));
  const m = await sendMsg(c.ana, pair.id, 'hi bo');
  await c.bo.next((f) => f.seq === m.id, { from: from.bo });
  const again = await c.ana.request({ type: 'dm.open', users: [u.bo.id] });
  assert.equal(again.type, 'channel', show(again));
  assert.equal(again.created, false, show(again));
  assert.equal(again.channel.id, pair.id);
  const other = await c.bo.request({ type: 'dm.open', users: [u.ana.id] });
  assert.equal(other.created, false, show(other));
  assert.equal(other.channel.id, pair.id, 'the other side found a different DM');
  const dup = await c.bo.request({ type: 'dm.open', users: [u.ana.id, u.ana.id] });
  if (dup.type === 'channel') assert.equal(dup.channel.id, pair.id, `a repeated id made another DM: ${show(dup)}`);
  // Exactly one DM between them in each listing.
  for (const n of ['ana', 'bo']) {
    const l = await c[n].request({ type: 'channel.list' });
    assert.equal(l.channels.filter((x) => x.kind === 'dm').length, 1, `${n}: ${show(l.channels.filter((x) => x.kind === 'dm'))}`);
  }
  const h = await c.bo.request({ type: 'history', channel: pair.id });
  assert.deepEqual(h.messages.map((x) => x.body), ['hi bo']);
});

test('a three-person DM is its own channel, found again in any order by any of the three', async () => {
  const from = c.cy.frames.length;
  const r = await c.ana.request({ type: 'dm.open', users: [u.bo.id, u.cy.id] });
  assert.equal(r.type, 'channel', show(r));
  assert.equal(r.created, true);
  const trio = r.channel;
  assert.notEqual(trio.id, pair?.id);
  assert.equal(trio.member_count, 3);
  await c.cy.next((f) => f.type === 'joined' && f.channel?.id === trio.id, { from });
  const again = await c.cy.request({ type: 'dm.open', users: [u.bo.id, u.ana.id] });
  assert.equal(again.created, false, show(again));
  assert.equal(again.channel.id, trio.id);
  const m = await sendMsg(c.cy, trio.id, 'all three');
  for (const n of ['ana', 'bo']) await c[n].next((f) => f.seq === m.id);
  const mem = await c.ana.request({ type: 'channel.members', channel: trio.id });
  assert.deepEqual(mem.members.map((x) => x.id).sort((a, b) => a - b), [u.ana.id, u.bo.id, u.cy.id].sort((a, b) => a - b));
  assert.ok(mem.members.every((x) => x.role === 'member'), show(mem));
});

test('a non-member cannot read, list, join or hear a DM', async () => {
  const r = await c.ana.request({ type: 'dm.open', users: [u.cy.id] });
  const dm = r.channel;
  const from = c.di.frames.length;
  const m = await sendMsg(c.ana, dm.id, 'private');
  assertErr(await c.di.request({ type: 'history', channel: dm.id }), 'forbidden', 'history of a DM by a non-member');
  assertErr(await c.di.request({ type: 'channel.members', channel: dm.id }), 'forbidden', 'members of a DM by a non-member');
  assertErr(await c.di.request({ type: 'send', channel: dm.id, body: 'hey', client_id: 'dm-intrude' }), 'forbidden', 'send to a DM by a non-member');
  assertErr(await c.di.request({ type: 'channel.join', channel: dm.id }), 'forbidden', 'join a DM');
  assertErr(await c.cy.request({ type: 'channel.join', channel: pair.id }), 'forbidden', 'join another pair\'s DM');
  const l = await c.di.request({ type: 'channel.list' });
  assert.equal(l.channels.find((x) => x.kind === 'dm'), undefined, `DMs listed to an outsider: ${show(l.channels.filter((x) => x.kind === 'dm'))}`);
  await barrier(c.di);
  assert.deepEqual(c.di.frames.slice(from).filter((f) => f.channel === dm.id || f.seq === m.id), []);
});

test('a DM has no moderators: invite, remove, role, update and archive are refused', async () => {
  assertErr(await c.ana.request({ type: 'channel.invite', channel: pair.id, user: u.di.id }), 'forbidden', 'invite into a DM');
  assertErr(await c.ana.request({ type: 'channel.remove', channel: pair.id, user: u.bo.id }), 'forbidden', 'remove from a DM');
  assertErr(await c.ana.request({ type: 'channel.role', channel: pair.id, user: u.bo.id, role: 'moderator' }), 'forbidden', 'role in a DM');
  assertErr(await c.ana.request({ type: 'channel.update', channel: pair.id, topic: 'ours' }), 'forbidden', 'update a DM');
  const ar = await c.ana.request({ type: 'channel.archive', channel: pair.id });
  assertErr(ar, 'forbidden', 'archive a DM');
  assertErr(await c.ana.request({ type: 'channel.requests', channel: pair.id }), 'forbidden', 'requests of a DM');
  const mem = await c.ana.request({ type: 'channel.members', channel: pair.id });
  assert.deepEqual(mem.members.map((x) => x.id).sort((a, b) => a - b), [u.ana.id, u.bo.id].sort((a, b) => a - b));
  // DMs are not created with channel.create.
  assertErr(await c.ana.request({ type: 'channel.create', name: 'my-dm', kind: 'dm' }), 'bad_request', 'channel.create kind dm');
});

test('dm.open refuses unknown and deactivated users, an empty set and more than 8 others', async () => {
  assertErr(await c.ana.request({ type: 'dm.open', users: [987654] }), 'not_found', 'unknown user');
  assertErr(await c.ana.request({ type: 'dm.open', users: [u.bo.id, 987654] }), 'not_found', 'one unknown user among known');
  assertErr(await c.ana.request({ type: 'dm.open', users: [] }), 'bad_request', 'no users');
  assertErr(await c.ana.request({ type: 'dm.open' }), 'bad_request', 'users missing');
  assertErr(await c.ana.request({ type: 'dm.open', users: extra.map((x) => x.id) }), 'bad_request', '9 other users');
  const eight = await c.ana.request({ type: 'dm.open', users: extra.slice(0, 8).map((x) => x.id) });
  assert.equal(eight.type, 'channel', `8 other users is allowed: ${show(eight)}`);
  assert.equal(eight.channel.member_count, 9);
  const d = runWeftd(['user', 'deactivate', extra[8].name, '--data', server.dataDir]);
  assert.equal(d.status, 0, d.stderr);
  assertErr(await c.ana.request({ type: 'dm.open', users: [extra[8].id] }), 'not_found', 'deactivated user');
});

test('leaving a DM and opening it again re-adds the person who left', async () => {
  const from = c.bo.frames.length;
  assert.equal((await c.bo.request({ type: 'channel.leave', channel: pair.id })).type, 'ok');
  await c.bo.next(isEv(pair.id, 'leave', (f) => f.user?.id === u.bo.id), { from });
  assertErr(await c.bo.request({ type: 'history', channel: pair.id }), 'forbidden', 'history after leaving a DM');
  const f2 = c.bo.frames.length;
  const r = await c.ana.request({ type: 'dm.open', users: [u.bo.id] });
  assert.equal(r.created, false, show(r));
  assert.equal(r.channel.id, pair.id);
  assert.equal(r.channel.member_count, 2);
  await c.bo.next((f) => f.type === 'joined' && f.channel?.id === pair.id, { from: f2 });
  const m = await sendMsg(c.ana, pair.id, 'welcome back');
  await c.bo.next((f) => f.seq === m.id, { from: f2 });
});

test('a DM opened while the other person is offline arrives on resume', async () => {
  const since = c.di.frames.filter((f) => f.seq).reduce((a, f) => Math.max(a, f.seq), c.di.synced.seq);
  c.di.ws.terminate();
  const r = await c.bo.request({ type: 'dm.open', users: [u.di.id] });
  assert.equal(r.created, true, show(r));
  const m = await sendMsg(c.bo, r.channel.id, 'for when you are back');
  c.di = await connect(server, u.di.token, { since });
  c.di.ws.on('error', () => {});
  const entry = c.di.welcome.channels.find((x) => x.id === r.channel.id);
  assert.ok(entry, 'the new DM is missing from welcome.channels');
  assert.equal(entry.kind, 'dm');
  const evs = c.di.frames.filter((f) => f.type === 'event' && f.channel === r.channel.id);
  assert.ok(evs.some((f) => f.kind === 'join' && f.user?.id === u.di.id), show(evs));
  assert.ok(evs.some((f) => f.seq === m.id && f.message.body === 'for when you are back'), show(evs));
});

test('both people opening their DM at the same moment get one channel, created exactly once', async () => {
  const [x, y] = await Promise.all([
    c.cy.request({ type: 'dm.open', users: [u.di.id] }),
    c.di.request({ type: 'dm.open', users: [u.cy.id] }),
  ]);
  assert.equal(x.type, 'channel', show(x));
  assert.equal(y.type, 'channel', show(y));
  assert.equal(x.channel.id, y.channel.id, `two DMs for one pair: ${show(x)} ${show(y)}`);
  assert.deepEqual([x.created, y.created].sort(), [false, true]);
  const l = await c.cy.request({ type: 'channel.list' });
  const mine = l.channels.filter((ch) => ch.kind === 'dm' && ch.member_count === 2);
  const withDi = [];
  for (const ch of mine) {
    const m = await c.cy.request({ type: 'channel.members', channel: ch.id });
    if (m.members.some((p) => p.id === u.di.id)) withDi.push(ch.id);
  }
  assert.deepEqual(withDi, [x.channel.id]);
});
