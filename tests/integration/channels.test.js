// Channels, open tier: create (name and kind rules), list, join, members, leave.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import { uid, sendMsg, makeChannel, stopWithin } from './support.js';

let server;
const u = {};
const c = {};

before(async () => {
  server = await startServer();
  for (const n of ['ana', 'bo', 'cy']) {
    u[n] = await server.user(n);
    c[n] = await connect(server, u[n].token);
  }
});
after(async () => {
  for (const x of Object.values(c)) x.ws.terminate();
  await stopWithin(server);
});

const name = () => uid('ch').toLowerCase();

test('channel.create: reply type channel, creator is owner, cohort defaults to open', async () => {
  const n = name();
  const from = c.ana.frames.length;
  const r = await c.ana.request({ type: 'channel.create', name: n, kind: 'cohort', topic: 'talk', req: 'cc' });
  assert.equal(r.type, 'channel', JSON.stringify(r));
  assert.equal(r.req, 'cc');
  const ch = r.channel;
  assert.equal(typeof ch.id, 'number');
  assert.equal(ch.name, n);
  assert.equal(ch.kind, 'cohort');
  assert.equal(ch.access, 'open');
  assert.equal(ch.topic, 'talk');
  assert.equal(ch.role, 'owner');
  assert.equal(ch.archived, false);
  assert.equal(ch.member_count, 1);
  // The creator's own join is an event too.
  const j = await c.ana.next((f) => f.type === 'event' && f.kind === 'join' && f.channel === ch.id, { from });
  assert.equal(j.user.id, u.ana.id);
  assert.equal(j.role, 'owner');
  const m = await c.ana.request({ type: 'channel.members', channel: ch.id });
  assert.deepEqual(m.members.map((x) => [x.id, x.name, x.role]), [[u.ana.id, 'ana', 'owner']]);
});

test('channel.create: default access by kind (caucus -> request, team -> invite)', async () => {
  const ca = await c.ana.request({ type: 'channel.create', name: name(), kind: 'caucus' });
  assert.equal(ca.type, 'channel', JSON.stringify(ca));
  assert.equal(ca.channel.kind, 'caucus');
  assert.equal(ca.channel.access, 'request');
  const te = await c.ana.request({ type: 'channel.create', name: name(), kind: 'team' });
  assert.equal(te.type, 'channel', JSON.stringify(te));
  assert.equal(te.channel.kind, 'team');
  assert.equal(te.channel.access, 'invite');
  const open = await c.ana.request({ type: 'channel.create', name: name(), kind: 'caucus', access: 'open' });
  assert.equal(open.type, 'channel', JSON.stringify(open));
  assert.equal(open.channel.access, 'open');
});

test('channel.create: name rules and kind are enforced', async () => {
  const okNames = ['a', 'z'.repeat(64), 'dev-chat-2', '0-9', name()];
  for (const n of okNames) {
    const r = await c.ana.request({ type: 'channel.create', name: n, kind: 'cohort' });
    assert.equal(r.type, 'channel', `${n}: ${JSON.stringify(r)}`);
    assert.equal(r.channel.name, n);
  }
  const badNames = ['', 'z'.repeat(65), 'Upper', 'has space', 'under_score', 'dot.name', 'caf\u00e9', 'slash/x', 7, null];
  for (const n of badNames) {
    const r = await c.ana.request({ type: 'channel.create', name: n, kind: 'cohort', req: 'bn' });
    assert.deepEqual({ type: r.type, code: r.code, req: r.req }, { type: 'error', code: 'bad_request', req: 'bn' }, `name ${JSON.stringify(n)}: ${JSON.stringify(r)}`);
  }
  const noName = await c.ana.request({ type: 'channel.create', kind: 'cohort' });
  assert.equal(noName.code, 'bad_request');
  const noKind = await c.ana.request({ type: 'channel.create', name: name() });
  assert.equal(noKind.code, 'bad_request', `kind is required: ${JSON.stringify(noKind)}`);
  for (const kind of ['bogus', 'Cohort', '', 3]) {
    const r = await c.ana.request({ type: 'channel.create', name: name(), kind });
    assert.equal(r.code, 'bad_request', `kind ${JSON.stringify(kind)}: ${JSON.stringify(r)}`);
  }
  const badAccess = await c.ana.request({ type: 'channel.create', name: name(), kind: 'cohort', access: 'secret' });
  assert.equal(badAccess.code, 'bad_request');
});

test('channel.create: a duplicate name -> conflict (also from another user)', async () => {
  const n = name();
  assert.equal((await c.ana.request({ type: 'channel.create', name: n, kind: 'cohort' })).type, 'channel');
  const d1 = await c.ana.request({ type: 'channel.create', name: n, kind: 'cohort', req: 'dup' });
  assert.deepEqual({ type: d1.type, code: d1.code, req: d1.req }, { type: 'error', code: 'conflict', req: 'dup' });
  const d2 = await c.bo.request({ type: 'channel.create', name: n, kind: 'team' });
  assert.equal(d2.code, 'conflict');
});

test('channel.list shows an open channel to others, with role null until they join', async () => {
  const n = name();
  const ch = (await c.ana.request({ type: 'channel.create', name: n, kind: 'cohort' })).channel;
  const team = (await c.ana.request({ type: 'channel.create', name: name(), kind: 'team' })).channel;
  const l = await c.bo.request({ type: 'channel.list', req: 'ls' });
  assert.equal(l.type, 'channels', JSON.stringify(l));
  assert.equal(l.req, 'ls');
  const seen = l.channels.find((x) => x.id === ch.id);
  assert.ok(seen, `bo's channel.list lacks ${n}`);
  assert.equal(seen.name, n);
  assert.equal(seen.access, 'open');
  assert.equal(seen.role, null);
  assert.equal(l.channels.find((x) => x.id === team.id), undefined, 'an invite-only channel is not listed to non-members');
  const mine = await c.ana.request({ type: 'channel.list' });
  assert.equal(mine.channels.find((x) => x.id === ch.id).role, 'owner');
  assert.equal(mine.channels.find((x) => x.id === team.id).role, 'owner');
});

test('channel.join on an open cohort: channel reply and a join event to the members', async () => {
  const ch = await makeChannel(c.ana);
  const from = { ana: c.ana.frames.length, bo: c.bo.frames.length };
  const r = await c.bo.request({ type: 'channel.join', channel: ch.id, req: 'j' });
  assert.equal(r.type, 'channel', JSON.stringify(r));
  assert.equal(r.req, 'j');
  assert.equal(r.channel.id, ch.id);
  assert.equal(r.channel.role, 'member');
  const ev = await c.ana.next((f) => f.type === 'event' && f.kind === 'join' && f.channel === ch.id && f.user?.id === u.bo.id, { from: from.ana });
  assert.equal(ev.user.name, 'bo');
  assert.equal(ev.role, 'member');
  assert.equal(typeof ev.seq, 'number');
  // The joiner now receives the channel's messages.
  const m = await sendMsg(c.ana, ch.id, 'welcome bo');
  await c.bo.next((f) => f.type === 'event' && f.seq === m.id, { from: from.bo });
  const mem = await c.cy.request({ type: 'channel.members', channel: ch.id, req: 'mm' });
  assert.equal(mem.type, 'members', JSON.stringify(mem));
  assert.equal(mem.req, 'mm');
  const roles = Object.fromEntries(mem.members.map((x) => [x.id, x.role]));
  assert.deepEqual(roles, { [u.ana.id]: 'owner', [u.bo.id]: 'member' });
  assert.equal(mem.members.find((x) => x.id === u.bo.id).name, 'bo');
  const bad = await c.bo.request({ type: 'channel.join', channel: 987654321 });
  assert.equal(bad.code, 'not_found');
});

test('channel.leave: ok, a leave event, and no further events of that channel for the leaver', async () => {
  const ch = await makeChannel(c.ana, [c.bo, c.cy]);
  const side = await makeChannel(c.ana, [c.bo]); // carries a later event as a barrier
  const from = { ana: c.ana.frames.length, bo: c.bo.frames.length, cy: c.cy.frames.length };
  const r = await c.bo.request({ type: 'channel.leave', channel: ch.id, req: 'lv' });
  assert.deepEqual({ type: r.type, req: r.req }, { type: 'ok', req: 'lv' }, JSON.stringify(r));
  for (const n of ['ana', 'cy']) {
    const ev = await c[n].next((f) => f.type === 'event' && f.kind === 'leave' && f.channel === ch.id, { from: from[n] });
    assert.equal(ev.user.id, u.bo.id);
    assert.equal(ev.user.name, 'bo');
  }
  const after1 = await sendMsg(c.ana, ch.id, 'bo is gone');
  await c.cy.next((f) => f.seq === after1.id, { from: from.cy });
  const barrier = await sendMsg(c.ana, side.id, 'barrier');
  assert.ok(barrier.id > after1.id);
  await c.bo.next((f) => f.seq === barrier.id, { from: from.bo });
  assert.deepEqual(c.bo.frames.slice(from.bo).filter((f) => f.type === 'event' && f.channel === ch.id && f.kind === 'message'), []);
  // No longer a member: sending is refused.
  const s = await c.bo.request({ type: 'send', channel: ch.id, body: 'still here?', client_id: uid('c') });
  assert.equal(s.code, 'forbidden');
  const mem = await c.ana.request({ type: 'channel.members', channel: ch.id });
  assert.deepEqual(mem.members.map((x) => x.id).sort(), [u.ana.id, u.cy.id].sort());
  // The channel is still listed to bo as open to join, with no role.
  const l = await c.bo.request({ type: 'channel.list' });
  assert.equal(l.channels.find((x) => x.id === ch.id)?.role, null);
});
