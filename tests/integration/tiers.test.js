// Channel tiers (docs/PROTOCOL.md "Channels"): one test per row of the access
// table with two users, and the privacy rules that follow from the tiers.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import { uid, sendMsg, stopWithin, show, isEv, assertErr, barrier } from './support.js';

let server;
const u = {};
const c = {};

before(async () => {
  server = await startServer();
  for (const n of ['ana', 'bo', 'cy']) {
    u[n] = await server.user(n, { display: `${n.toUpperCase()} Person` });
    c[n] = await connect(server, u[n].token);
    c[n].ws.on('error', () => {});
  }
});
after(async () => {
  for (const x of Object.values(c)) x.ws.terminate();
  await stopWithin(server);
});

const name = () => uid('t').toLowerCase();

// A ping round trip: every frame the server queued for this client before it
// handled the ping has arrived once the pong is here.

async function create(owner, kind, extra = {}) {
  const r = await owner.request({ type: 'channel.create', name: name(), kind, ...extra });
  assert.equal(r.type, 'channel', show(r));
  return r.channel;
}

test('open tier: a non-member reads history at once; channel.join joins at once with a join event to both', async () => {
  const ch = await create(c.ana, 'cohort');
  assert.equal(ch.access, 'open');
  const m = await sendMsg(c.ana, ch.id, 'open to all');
  // bo is not a member and still reads the history of an open channel.
  const h = await c.bo.request({ type: 'history', channel: ch.id });
  assert.equal(h.type, 'history', show(h));
  assert.deepEqual(h.messages.map((x) => [x.id, x.body]), [[m.id, 'open to all']]);
  // Listed to bo with its real last_seq (open channels are not hidden).
  const l = await c.bo.request({ type: 'channel.list' });
  const seen = l.channels.find((x) => x.id === ch.id);
  assert.ok(seen, show(l));
  assert.equal(seen.role, null);
  assert.equal(seen.last_seq, m.id);
  const from = { ana: c.ana.frames.length, bo: c.bo.frames.length };
  const j = await c.bo.request({ type: 'channel.join', channel: ch.id });
  assert.equal(j.type, 'channel', show(j));
  assert.equal(j.channel.role, 'member');
  assert.equal(j.channel.member_count, 2);
  for (const n of ['ana', 'bo']) {
    const ev = await c[n].next(isEv(ch.id, 'join', (f) => f.user?.id === u.bo.id), { from: from[n] });
    assert.equal(ev.role, 'member');
    assert.equal(ev.user.name, 'bo');
    assert.equal(ev.by, undefined, `a self-join carries no by: ${show(ev)}`);
  }
  // Joining again is idempotent: a channel reply, no second join event.
  const again = await c.bo.request({ type: 'channel.join', channel: ch.id });
  assert.equal(again.type, 'channel', show(again));
  assert.equal(again.channel.role, 'member');
  const later = await sendMsg(c.ana, ch.id, 'after join');
  await c.bo.next((f) => f.seq === later.id, { from: from.bo });
  assert.equal(c.bo.frames.slice(from.bo).filter(isEv(ch.id, 'join', (f) => f.user?.id === u.bo.id)).length, 1);
});

test('request tier: join files a request (pending), the moderator approves, then the requester is a member', async () => {
  const ch = await create(c.ana, 'caucus', { topic: 'peer caucus' });
  assert.equal(ch.access, 'request');
  const from = { ana: c.ana.frames.length, bo: c.bo.frames.length };
  const p = await c.bo.request({ type: 'channel.join', channel: ch.id, note: 'I lead the equity team in Metro', req: 'rq' });
  assert.deepEqual({ type: p.type, channel: p.channel, req: p.req }, { type: 'pending', channel: ch.id, req: 'rq' }, show(p));
  const live = await c.ana.next((f) => f.type === 'request' && f.channel === ch.id, { from: from.ana });
  assert.equal(live.request.user.id, u.bo.id);
  assert.equal(live.request.note, 'I lead the equity team in Metro');
  // Still not a member: sending and reading are refused.
  assertErr(await c.bo.request({ type: 'send', channel: ch.id, body: 'early', client_id: uid('c') }), 'forbidden', 'send while pending');
  assertErr(await c.bo.request({ type: 'history', channel: ch.id }), 'forbidden', 'history while pending');
  const ok = await c.ana.request({ type: 'channel.decide', channel: ch.id, user: u.bo.id, approve: true });
  assert.equal(ok.type, 'ok', show(ok));
  const dec = await c.bo.next((f) => f.type === 'request.decided' && f.channel === ch.id, { from: from.bo });
  assert.equal(dec.approved, true);
  const j = await c.bo.next(isEv(ch.id, 'join', (f) => f.user?.id === u.bo.id), { from: from.bo });
  assert.equal(j.role, 'member');
  const m = await sendMsg(c.ana, ch.id, 'welcome to the caucus');
  await c.bo.next((f) => f.seq === m.id, { from: from.bo });
  const h = await c.bo.request({ type: 'history', channel: ch.id });
  assert.equal(h.type, 'history', show(h));
  assert.ok(h.messages.some((x) => x.id === m.id));
});

test('invite tier: join without an invitation -> forbidden; after channel.invite the join works', async () => {
  const ch = await create(c.ana, 'team');
  assert.equal(ch.access, 'invite');
  assertErr(await c.bo.request({ type: 'channel.join', channel: ch.id, note: 'please' }), 'forbidden', 'join invite-only without invitation');
  const from = c.bo.frames.length;
  const r = await c.ana.request({ type: 'channel.invite', channel: ch.id, user: u.bo.id });
  assert.equal(r.type, 'ok', show(r));
  const inv = await c.bo.next((f) => f.type === 'invited', { from });
  assert.equal(inv.channel.id, ch.id);
  const j = await c.bo.request({ type: 'channel.join', channel: ch.id });
  assert.equal(j.type, 'channel', show(j));
  assert.equal(j.channel.role, 'member');
  await c.bo.next(isEv(ch.id, 'join', (f) => f.user?.id === u.bo.id), { from });
});

test('privacy: a non-member cannot read a team\'s history or members, and the team is not listed to them', async () => {
  const ch = await create(c.ana, 'team', { topic: 'secret project' });
  await sendMsg(c.ana, ch.id, 'team only');
  assertErr(await c.bo.request({ type: 'history', channel: ch.id }), 'forbidden', 'team history by non-member');
  assertErr(await c.bo.request({ type: 'history', channel: ch.id, after: 0 }), 'forbidden', 'team history after:0 by non-member');
  assertErr(await c.bo.request({ type: 'channel.members', channel: ch.id }), 'forbidden', 'team members by non-member');
  assertErr(await c.bo.request({ type: 'send', channel: ch.id, body: 'x', client_id: uid('c') }), 'forbidden', 'team send by non-member');
  const l = await c.bo.request({ type: 'channel.list' });
  assert.equal(l.channels.find((x) => x.id === ch.id), undefined, `team listed to a non-member: ${show(l.channels.find((x) => x.id === ch.id))}`);
  // Nor does it appear in a fresh welcome.
  const k = await connect(server, u.bo.token);
  k.ws.on('error', () => {});
  assert.equal(k.welcome.channels.find((x) => x.id === ch.id), undefined);
  assert.equal(k.frames.filter((f) => f.channel === ch.id).length, 0, 'replay leaked team events');
  k.ws.terminate();
});

test('privacy: a request channel is listed to non-members with name, kind, topic and member count only', async () => {
  const ch = await create(c.ana, 'caucus', { topic: 'caucus topic' });
  const m = await sendMsg(c.ana, ch.id, 'members only');
  const l = await c.cy.request({ type: 'channel.list' });
  const seen = l.channels.find((x) => x.id === ch.id);
  assert.ok(seen, `request channel not listed to a non-member: ${show(l)}`);
  assert.equal(seen.name, ch.name);
  assert.equal(seen.kind, 'caucus');
  assert.equal(seen.access, 'request');
  assert.equal(seen.topic, 'caucus topic');
  assert.equal(seen.member_count, 1);
  assert.equal(seen.role, null);
  assert.equal(seen.last_seq, 0, `last_seq leaks to a non-member: ${show(seen)}`);
  assert.ok(!seen.unread, `unread leaks to a non-member: ${show(seen)}`);
  assert.equal(seen.pending, false, show(seen));
  assert.equal(seen.invited, false, show(seen));
  assert.ok(m.id > 0);
  assertErr(await c.cy.request({ type: 'history', channel: ch.id }), 'forbidden', 'request-channel history by non-member');
  assertErr(await c.cy.request({ type: 'channel.members', channel: ch.id }), 'forbidden', 'request-channel members by non-member');
  // The owner sees it with real values.
  const mine = (await c.ana.request({ type: 'channel.list' })).channels.find((x) => x.id === ch.id);
  assert.equal(mine.role, 'owner');
  assert.equal(mine.last_seq, m.id);
  // After filing a request, the requester's listing says pending:true.
  const p = await c.cy.request({ type: 'channel.join', channel: ch.id, note: 'hi' });
  assert.equal(p.type, 'pending', show(p));
  const l2 = await c.cy.request({ type: 'channel.list' });
  assert.equal(l2.channels.find((x) => x.id === ch.id).pending, true, show(l2.channels.find((x) => x.id === ch.id)));
  const own = (await c.ana.request({ type: 'channel.list' })).channels.find((x) => x.id === ch.id);
  assert.equal(own.pending_requests, 1, `moderator's channel object: ${show(own)}`);
});

test('privacy: a non-member (also a pending requester) never receives a request or invite channel\'s events', async () => {
  const caucus = await create(c.ana, 'caucus');
  const team = await create(c.ana, 'team');
  const open = await create(c.ana, 'cohort');
  assert.equal((await c.bo.request({ type: 'channel.join', channel: open.id })).type, 'channel');
  assert.equal((await c.cy.request({ type: 'channel.join', channel: caucus.id, note: 'waiting' })).type, 'pending');
  const from = { bo: c.bo.frames.length, cy: c.cy.frames.length };
  const a = await sendMsg(c.ana, caucus.id, 'caucus secret');
  const b = await sendMsg(c.ana, team.id, 'team secret');
  const t = await c.ana.request({ type: 'channel.update', channel: team.id, topic: 'new topic' });
  assert.equal(t.type, 'ok', show(t));
  // A later message in a channel bo is in marks the end.
  const marker = await sendMsg(c.ana, open.id, 'marker');
  await c.bo.next((f) => f.seq === marker.id, { from: from.bo });
  await barrier(c.cy);
  for (const n of ['bo', 'cy']) {
    const leaked = c[n].frames.slice(from[n]).filter((f) => f.channel === caucus.id || f.channel === team.id || f.seq === a.id || f.seq === b.id);
    assert.deepEqual(leaked, [], `${n} received events of channels it is not in`);
  }
  // Nor does a resume from 0 replay them.
  const k = await connect(server, u.cy.token, { since: 0 });
  k.ws.on('error', () => {});
  assert.deepEqual(k.frames.filter((f) => f.channel === caucus.id || f.channel === team.id), [], 'replay leaked events to a pending requester');
  k.ws.terminate();
});

test('access tier can be changed: a request channel made open lets a non-member join at once', async () => {
  const ch = await create(c.ana, 'caucus');
  const r = await c.ana.request({ type: 'channel.update', channel: ch.id, access: 'open' });
  assert.equal(r.type, 'ok', show(r));
  const j = await c.cy.request({ type: 'channel.join', channel: ch.id });
  assert.equal(j.type, 'channel', show(j));
  assert.equal(j.channel.access, 'open');
  assert.equal(j.channel.role, 'member');
});
