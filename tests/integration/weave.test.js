// Weaving (docs/PROTOCOL.md "Weaving"): profiles (focus tags from a shared
// vocabulary, bio, pronouns; admins edit anyone's jurisdiction and region;
// watchers see changes live), user.get, the directory's filters (any
// combination, q optional then, paged by name), directory.facets counts,
// the weaver role, and suggested peers with their exclusions.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import { stopWithin, NO_RATE_LIMIT, show, assertErr } from './support.js';

let server;
const u = {};
const c = {};

// name: [jurisdiction, region, focus]
const PEOPLE = {
  ana: ['Tacoma', 'West', ['housing', 'budgeting']],
  bo: ['Tacoma', 'West', ['housing']],
  cy: ['Denver', 'West', ['housing', 'transit']],
  dee: ['Denver', 'Mountain', ['budgeting']],
  eli: ['Austin', 'South', ['transit']],
  fay: ['Austin', 'West', []],
  gus: ['Boston', 'East', ['Housing', 'data']],
};

before(async () => {
  server = await startServer({ args: NO_RATE_LIMIT });
  u.root = await server.user('root', { admin: true });
  c.root = await connect(server, u.root.token);
  for (const [n, [j, r, focus]] of Object.entries(PEOPLE)) {
    u[n] = await server.user(n);
    c[n] = await connect(server, u[n].token);
    const res = await c[n].request({ type: 'profile.update', jurisdiction: j, region: r, focus });
    assert.equal(res.type, 'user', show(res));
  }
});
after(async () => {
  for (const x of Object.values(c)) x.ws.terminate();
  await stopWithin(server);
  assert.doesNotMatch(server.log, /Sanitizer|runtime error/, 'the server ran clean');
});

const names = (r) => r.users.map((x) => x.name);

test('profile.update: focus tags, bio, pronouns; checked; the vocabulary keeps one spelling per tag', async () => {
  const r = await c.ana.request({ type: 'profile.update', bio: 'Budget analyst; equity lens.', pronouns: 'she/her', title: 'Analyst' });
  assert.equal(r.type, 'user', show(r));
  assert.equal(r.user.bio, 'Budget analyst; equity lens.');
  assert.equal(r.user.pronouns, 'she/her');
  assert.deepEqual(r.user.focus, ['budgeting', 'housing']);
  assert.equal(r.user.weaver, false);
  // gus wrote "Housing": the tag others use first is kept.
  assert.deepEqual((await c.ana.request({ type: 'user.get', user: u.gus.id })).user.focus, ['data', 'housing']);
  assertErr(await c.ana.request({ type: 'profile.update', focus: Array.from({ length: 11 }, (_, i) => `t${i}`) }), 'bad_request', '11 tags');
  assertErr(await c.ana.request({ type: 'profile.update', focus: ['x'.repeat(41)] }), 'bad_request', 'long tag');
  assertErr(await c.ana.request({ type: 'profile.update', focus: ['  '] }), 'bad_request', 'blank tag');
  assertErr(await c.ana.request({ type: 'profile.update', focus: 'housing' }), 'bad_request', 'a string');
  assertErr(await c.ana.request({ type: 'profile.update', bio: 'b'.repeat(501) }), 'too_large', 'bio 501');
  assertErr(await c.ana.request({ type: 'profile.update', pronouns: 'p'.repeat(41) }), 'bad_request', 'pronouns 41');
  assertErr(await c.ana.request({ type: 'profile.update' }), 'bad_request', 'nothing');
  assert.equal((await c.ana.request({ type: 'profile.update', bio: 'b'.repeat(500) })).user.bio.length, 500);
  // Repeats (case aside) count once; ten different tags are fine.
  const ten = await c.ana.request({ type: 'profile.update', focus: ['housing', 'HOUSING', ...Array.from({ length: 9 }, (_, i) => `t${i}`)] });
  assert.equal(ten.user.focus.length, 10, show(ten));
  assert.equal((await c.ana.request({ type: 'profile.update', focus: ['housing', 'budgeting'], bio: 'Budget analyst.' })).type, 'user');
});

test('profile changes reach whoever watches the card, live', async () => {
  assert.equal((await c.bo.request({ type: 'presence.watch', users: [u.cy.id] })).type, 'presence');
  const from = c.bo.frames.length;
  await c.cy.request({ type: 'profile.update', bio: 'Transit planner' });
  const f = await c.bo.next((x) => x.type === 'user' && x.user.id === u.cy.id && x.user.bio === 'Transit planner', { from });
  assert.deepEqual(f.user.focus, ['housing', 'transit']);
});

test('admins edit anyone\'s jurisdiction and region, nothing else; others edit only their own', async () => {
  const r = await c.root.request({ type: 'profile.update', user: u.fay.id, region: 'Southwest' });
  assert.equal(r.type, 'user', show(r));
  assert.equal(r.user.region, 'Southwest');
  assert.equal(r.user.id, u.fay.id);
  assertErr(await c.root.request({ type: 'profile.update', user: u.fay.id, bio: 'x' }), 'forbidden', 'admin, bio of another');
  assertErr(await c.root.request({ type: 'profile.update', user: u.fay.id, display: 'X' }), 'forbidden', 'admin, display of another');
  assertErr(await c.bo.request({ type: 'profile.update', user: u.fay.id, region: 'East' }), 'forbidden', 'member, another');
  assert.equal((await c.bo.request({ type: 'user.get', user: u.fay.id })).user.region, 'Southwest');
  assert.equal((await c.root.request({ type: 'profile.update', user: u.fay.id, region: 'West' })).user.region, 'West');
});

test('user.get: a profile; not_found for an id of nobody and for the system account', async () => {
  const r = await c.bo.request({ type: 'user.get', user: u.ana.id });
  assert.equal(r.user.name, 'ana');
  assert.equal(r.user.jurisdiction, 'Tacoma');
  assert.equal(r.user.bio, 'Budget analyst.');
  assert.equal('admin' in r.user, false, 'members do not see admin fields');
  assertErr(await c.bo.request({ type: 'user.get', user: 999999 }), 'not_found', 'no such id');
  // The system account (weft, id 1: made by migration 11 before anyone) is no one's profile.
  assertErr(await c.bo.request({ type: 'user.get', user: 1 }), 'not_found', 'the system account');
  assertErr(await c.bo.request({ type: 'user.get' }), 'bad_request', 'no user');
});

test('user.find: jurisdiction, region and focus filters combine; q is optional with a filter', async () => {
  assert.deepEqual(names(await c.bo.request({ type: 'user.find', region: 'West' })), ['ana', 'bo', 'cy', 'fay']);
  assert.deepEqual(names(await c.bo.request({ type: 'user.find', focus: 'housing' })), ['ana', 'bo', 'cy', 'gus']);
  assert.deepEqual(names(await c.bo.request({ type: 'user.find', focus: 'HOUSING', region: 'West' })), ['ana', 'bo', 'cy']);
  assert.deepEqual(names(await c.bo.request({ type: 'user.find', focus: 'housing', region: 'West', jurisdiction: 'Denver' })), ['cy']);
  assert.deepEqual(names(await c.bo.request({ type: 'user.find', q: '', jurisdiction: 'Austin' })), ['eli', 'fay']);
  assert.deepEqual(names(await c.bo.request({ type: 'user.find', q: 'a', region: 'West' })), ['ana', 'fay']);
  assert.deepEqual(names(await c.bo.request({ type: 'user.find', focus: 'nobody-uses-this' })), []);
  assertErr(await c.bo.request({ type: 'user.find', q: '' }), 'bad_request', 'no q, no filter');
  assertErr(await c.bo.request({ type: 'user.find' }), 'bad_request', 'nothing');
  assertErr(await c.bo.request({ type: 'user.find', focus: ['a', 'b'] }), 'bad_request', 'two tags');
  assertErr(await c.bo.request({ type: 'user.find', region: 5 }), 'bad_request', 'region a number');
});

test('user.find pages by name: limit, more, after', async () => {
  const p1 = await c.bo.request({ type: 'user.find', region: 'West', limit: 2 });
  assert.deepEqual(names(p1), ['ana', 'bo']);
  assert.equal(p1.more, true);
  const p2 = await c.bo.request({ type: 'user.find', region: 'West', limit: 2, after: 'bo' });
  assert.deepEqual(names(p2), ['cy', 'fay']);
  assert.equal(p2.more, false);
  assertErr(await c.bo.request({ type: 'user.find', region: 'West', limit: 101 }), 'bad_request', 'limit 101');
});

test('directory.facets: jurisdictions, regions and focus tags in use, counted', async () => {
  const f = await c.eli.request({ type: 'directory.facets' });
  assert.equal(f.type, 'facets', show(f));
  assert.deepEqual(f.jurisdictions, [
    { name: 'Austin', count: 2 }, { name: 'Boston', count: 1 }, { name: 'Denver', count: 2 }, { name: 'Tacoma', count: 2 },
  ]);
  assert.deepEqual(f.regions, [
    { name: 'East', count: 1 }, { name: 'Mountain', count: 1 }, { name: 'South', count: 1 }, { name: 'West', count: 4 },
  ]);
  assert.deepEqual(f.focus, [
    { name: 'budgeting', count: 2 }, { name: 'data', count: 1 }, { name: 'housing', count: 4 }, { name: 'transit', count: 2 },
  ]);
});

test('admin.user.role grants weaver; user objects carry it; admin.user.create takes it too', async () => {
  assertErr(await c.bo.request({ type: 'admin.user.role', user: u.dee.id, weaver: true }), 'forbidden', 'member');
  assertErr(await c.root.request({ type: 'admin.user.role', user: u.dee.id }), 'bad_request', 'no weaver');
  const r = await c.root.request({ type: 'admin.user.role', user: u.dee.id, weaver: true });
  assert.equal(r.type, 'user', show(r));
  assert.equal(r.user.weaver, true);
  assert.equal((await c.bo.request({ type: 'user.get', user: u.dee.id })).user.weaver, true);
  const made = await c.root.request({ type: 'admin.user.create', name: 'wendy', weaver: true });
  assert.equal(made.user.weaver, true, show(made));
  assertErr(await c.root.request({ type: 'admin.user.role', user: 999999, weaver: true }), 'not_found', 'nobody');
  assert.equal((await c.root.request({ type: 'admin.user.role', user: u.dee.id, weaver: false })).user.weaver, false);
});

test('peers.suggest: other jurisdictions sharing focus or region, ranked; no DM partners, no one of my jurisdiction', async () => {
  // For ana (Tacoma, West, housing+budgeting): cy shares housing and West,
  // gus housing, dee budgeting, fay only West. bo is of Tacoma.
  const r = await c.ana.request({ type: 'peers.suggest' });
  assert.equal(r.type, 'users', show(r));
  assert.deepEqual(names(r), ['cy', 'dee', 'gus', 'fay']);
  assert.equal(names(r).includes('bo'), false, 'same jurisdiction');
  assert.equal(names(r).includes('eli'), false, 'nothing shared');
  const dm = await c.ana.request({ type: 'dm.open', users: [u.cy.id] });
  assert.equal(dm.type, 'channel', show(dm));
  assert.deepEqual(names(await c.ana.request({ type: 'peers.suggest' })), ['dee', 'gus', 'fay']);
  assert.deepEqual(names(await c.ana.request({ type: 'peers.suggest', limit: 1 })), ['dee']);
});
