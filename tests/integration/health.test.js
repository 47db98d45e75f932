// Network health (docs/PROTOCOL.md "Weaving"): admins and weavers only;
// on a small network built here the figures are computed by hand (ties:
// pairs who both wrote in one DM or channel of at most 12 members; cross
// ties between jurisdictions; isolated jurisdictions); on the seeded demo
// network (tests/fixtures/seed-network.mjs: 13,000 people, 40
// jurisdictions, a year of traffic) the totals, the isolated jurisdictions
// built into it and the 12 weeks. Counts only: no names in the reply.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, tempDir } from '../lib/harness.js';
import { stopWithin, NO_RATE_LIMIT, show, assertErr, sendMsg, makeChannel, haveSqlite3 } from './support.js';
import { seedNetwork, SEED_PASSWORD, ISOLATED } from '../fixtures/seed-network.mjs';

const servers = [];
after(async () => {
  for (const s of servers) {
    await stopWithin(s);
    assert.doesNotMatch(s.log, /Sanitizer|runtime error/, 'the server ran clean');
  }
});

const WEEK = 7 * 86400000;
function mondays(now) {
  const monday = 4 * 86400000;
  const start = monday + Math.floor((now - monday) / WEEK) * WEEK - 11 * WEEK;
  return Array.from({ length: 12 }, (_, k) => new Date(start + k * WEEK).toISOString().slice(0, 10));
}

test('a small network: ties, cross ties and isolated jurisdictions as computed by hand', async () => {
  const server = await startServer({ args: NO_RATE_LIMIT });
  servers.push(server);
  const u = {}, c = {};
  const J = { a1: 'A', a2: 'A', b1: 'B', c1: 'C', d1: 'D', e1: 'E', e2: 'E', f1: 'F', f2: 'F', f3: 'F', f4: 'F', f5: 'F' };
  u.root = await server.user('root', { admin: true });
  c.root = await connect(server, u.root.token);
  for (const [n, j] of Object.entries(J)) {
    u[n] = await server.user(n);
    c[n] = await connect(server, u[n].token);
    assert.equal((await c[n].request({ type: 'profile.update', jurisdiction: j })).type, 'user');
  }
  const dm = async (by, others) => (await c[by].request({ type: 'dm.open', users: others.map((o) => u[o].id) })).channel.id;
  // Ties: a1-b1 (DM), a1-a2, a1-c1, a2-c1 (group DM), e1-e2 (DM). Cross: 3.
  const ab = await dm('a1', ['b1']);
  await sendMsg(c.a1, ab, 'hi b');
  await sendMsg(c.b1, ab, 'hi a');
  const g = await dm('a1', ['a2', 'c1']);
  for (const n of ['a1', 'a2', 'c1']) await sendMsg(c[n], g, `from ${n}`);
  const ee = await dm('e1', ['e2']);
  await sendMsg(c.e1, ee, 'hello');
  await sendMsg(c.e2, ee, 'hello back');
  // One-sided: no tie.
  const ad = await dm('a2', ['d1']);
  await sendMsg(c.a2, ad, 'anyone?');
  // 13 members: too big to tie anyone, though everyone writes.
  const names = Object.keys(J);
  const big = (await makeChannel(c.root, names.map((n) => c[n]))).id;
  for (const n of ['root', ...names]) await sendMsg(c[n], big, `hello all from ${n}`);

  assertErr(await c.a1.request({ type: 'network.health' }), 'forbidden', 'a member');
  const h = await c.root.request({ type: 'network.health' });
  assert.equal(h.type, 'health', show(h));
  assert.equal(h.members, 13);
  assert.equal(h.active, 13);
  assert.equal(h.jurisdictions, 6);
  assert.equal(h.ties, 5);
  assert.equal(h.ties_cross, 3);
  assert.deepEqual(h.isolated, ['D', 'E', 'F']);
  assert.equal(h.weekly.length, 12);
  assert.deepEqual(h.weekly.map((w) => w.week), mondays(Date.now()));
  const last = h.weekly[11];
  assert.deepEqual({ active: last.active, messages: last.messages, ties_cross: last.ties_cross },
    { active: 13, messages: 2 + 3 + 2 + 1 + 13, ties_cross: 3 });
  assert.ok(h.weekly.slice(0, 11).every((w) => w.messages === 0 && w.active === 0 && w.ties_cross === 0));
  // Counts only: no one's name, no body.
  const text = JSON.stringify(h);
  for (const n of names) assert.equal(text.includes(`"${n}"`), false, `${n} named`);
  assert.equal(text.includes('hello'), false);
  // A weaver sees it too; granted by an admin.
  assertErr(await c.b1.request({ type: 'network.health' }), 'forbidden', 'before the role');
  assert.equal((await c.root.request({ type: 'admin.user.role', user: u.b1.id, weaver: true })).type, 'user');
  assert.equal((await c.b1.request({ type: 'network.health' })).ties_cross, 3);
  assertErr(await c.b1.request({ type: 'network.health', days: 0 }), 'bad_request', 'days 0');
  assertErr(await c.b1.request({ type: 'network.health', days: 366 }), 'bad_request', 'days 366');
  for (const x of Object.values(c)) x.ws.terminate();
});

test('the seeded demo network: 13,000 people, 40 jurisdictions, the isolated ones it was built with',
  { skip: !haveSqlite3() && 'the seed needs the sqlite3 tool' }, async () => {
  const dir = tempDir('weft-seed-');
  const seeded = seedNetwork(dir);
  const server = await startServer({ dataDir: dir, args: NO_RATE_LIMIT });
  servers.push(server);
  const token = async (n) => (await server.login(n, SEED_PASSWORD)).token;
  const maria = await connect(server, await token('maria'));
  const dev = await connect(server, await token('dev'));
  const sam = await connect(server, await token('sam'));
  assertErr(await sam.request({ type: 'network.health' }), 'forbidden', 'a member');
  const h = await maria.request({ type: 'network.health' }, { timeout: 60000 });
  assert.equal(h.type, 'health', show(h));
  assert.equal(h.members, seeded.users + 3);
  assert.equal(h.jurisdictions, 40);
  assert.deepEqual(h.isolated, [...ISOLATED].sort());
  assert.ok(h.ties_cross > 1000 && h.ties >= h.ties_cross, show(h));
  assert.ok(h.active > 1000 && h.active <= h.members, show(h));
  assert.deepEqual(h.weekly.map((w) => w.week), mondays(Date.now()));
  assert.ok(h.weekly.every((w) => w.messages > 0 && w.active > 0 && w.active <= w.messages), show(h.weekly));
  // The weaver gets the same figures (kept: computed at most every 10 minutes).
  const again = await dev.request({ type: 'network.health' });
  assert.deepEqual({ ...again, req: undefined }, { ...h, req: undefined });
  for (const x of [maria, dev, sam]) x.ws.terminate();
});
