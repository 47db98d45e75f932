// Moderation (docs/PROTOCOL.md "Channels"): leaving and removal stop live
// delivery at once, who may remove whom, roles, channel.update and
// channel.archive, and what a moderator who was offline receives on resume.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import { uid, sendMsg, stopWithin, NO_RATE_LIMIT, show, isEv, assertErr } from './support.js';

let server;
const u = {};
const c = {};
let side; // an open channel everyone is in: carries barrier messages

before(async () => {
  server = await startServer({ args: NO_RATE_LIMIT });
  for (const n of ['ana', 'mo', 'bo', 'cy', 'di']) {
    u[n] = await server.user(n, { display: `${n[0].toUpperCase()}${n.slice(1)} Mod` });
    c[n] = await connect(server, u[n].token);
    c[n].ws.on('error', () => {});
  }
  side = (await c.ana.request({ type: 'channel.create', name: 'side', kind: 'cohort' })).channel;
  for (const n of ['mo', 'bo', 'cy', 'di']) assert.equal((await c[n].request({ type: 'channel.join', channel: side.id })).type, 'channel');
});
after(async () => {
  for (const x of Object.values(c)) x.ws.terminate();
  await stopWithin(server);
});

// A team owned by ana: mo moderator; bo, cy, di members.
async function team(kind = 'team') {
  const r = await c.ana.request({ type: 'channel.create', name: uid('mod').toLowerCase(), kind, topic: 'start' });
  assert.equal(r.type, 'channel', show(r));
  const ch = r.channel;
  for (const n of ['mo', 'bo', 'cy', 'di']) {
    if (ch.access !== 'open') assert.equal((await c.ana.request({ type: 'channel.invite', channel: ch.id, user: u[n].id })).type, 'ok');
    assert.equal((await c[n].request({ type: 'channel.join', channel: ch.id })).type, 'channel');
  }
  assert.equal((await c.ana.request({ type: 'channel.role', channel: ch.id, user: u.mo.id, role: 'moderator' })).type, 'ok');
  return ch;
}

// A message in `side` sent after everything else: once `who` has it, every
// earlier event meant for `who` has arrived too.
async function sideMarker(...who) {
  const m = await sendMsg(c.ana, side.id, uid('marker'));
  for (const k of who) await k.next((f) => f.seq === m.id);
  return m.id;
}

test('channel.leave: the leaver gets its own leave event and nothing of the channel after it, while others keep sending', async () => {
  const ch = await team();
  const from = c.cy.frames.length;
  const sending = Promise.all(Array.from({ length: 30 }, (_, i) => sendMsg(c.ana, ch.id, `busy ${i}`)));
  const r = await c.cy.request({ type: 'channel.leave', channel: ch.id, req: 'lv' });
  assert.deepEqual({ type: r.type, req: r.req }, { type: 'ok', req: 'lv' }, show(r));
  const acks = await sending;
  const more = await sendMsg(c.bo, ch.id, 'after cy left');
  await sideMarker(c.cy);
  const mine = c.cy.frames.slice(from).filter((f) => f.channel === ch.id);
  const li = mine.findIndex(isEv(ch.id, 'leave', (f) => f.user?.id === u.cy.id));
  assert.ok(li >= 0, `cy never got its leave event: ${show(mine.slice(-3))}`);
  assert.equal(mine[li].by, undefined, `a leave by oneself carries no by: ${show(mine[li])}`);
  assert.deepEqual(mine.slice(li + 1), [], 'events after the leave event reached the leaver');
  const leaveSeq = mine[li].seq;
  assert.ok(mine.every((f) => f.seq <= leaveSeq));
  assert.ok(more.id > leaveSeq && acks.length === 30);
  assertErr(await c.cy.request({ type: 'history', channel: ch.id }), 'forbidden', 'history of a team after leaving');
  assertErr(await c.cy.request({ type: 'channel.leave', channel: ch.id }), 'not_found', 'leave twice');
});

test('channel.remove: the removed member gets its leave event with by, then nothing more, even while others keep sending', async () => {
  const ch = await team();
  const from = Object.fromEntries(Object.keys(c).map((n) => [n, c[n].frames.length]));
  const sending = Promise.all(Array.from({ length: 30 }, (_, i) => sendMsg(i % 2 ? c.ana : c.bo, ch.id, `during ${i}`)));
  const r = await c.mo.request({ type: 'channel.remove', channel: ch.id, user: u.di.id, req: 'rm' });
  assert.deepEqual({ type: r.type, req: r.req }, { type: 'ok', req: 'rm' }, show(r));
  await sending;
  const later = await sendMsg(c.ana, ch.id, 'di is out');
  await sideMarker(c.di);
  for (const n of ['ana', 'mo', 'bo', 'cy']) {
    const ev = await c[n].next(isEv(ch.id, 'leave', (f) => f.user?.id === u.di.id), { from: from[n] });
    assert.equal(ev.by?.id, u.mo.id, `${n}: leave by removal names the moderator: ${show(ev)}`);
  }
  const mine = c.di.frames.slice(from.di).filter((f) => f.channel === ch.id);
  const li = mine.findIndex(isEv(ch.id, 'leave', (f) => f.user?.id === u.di.id));
  assert.ok(li >= 0, `removed member never got its leave event: ${show(mine.slice(-3))}`);
  assert.equal(mine[li].by?.id, u.mo.id, show(mine[li]));
  assert.equal(mine[li].by?.name, 'mo');
  assert.deepEqual(mine.slice(li + 1).map((f) => [f.kind, f.seq]), [], 'events after removal reached the removed member');
  assert.ok(!mine.some((f) => f.seq === later.id));
  assertErr(await c.di.request({ type: 'send', channel: ch.id, body: 'still here?', client_id: uid('c') }), 'forbidden', 'send after removal');
  assertErr(await c.di.request({ type: 'history', channel: ch.id }), 'forbidden', 'history after removal');
  assert.equal((await c.di.request({ type: 'channel.list' })).channels.find((x) => x.id === ch.id), undefined);
  const mem = await c.ana.request({ type: 'channel.members', channel: ch.id });
  assert.equal(mem.members.find((x) => x.id === u.di.id), undefined, show(mem));
  // A removed member of a team cannot simply join again.
  assertErr(await c.di.request({ type: 'channel.join', channel: ch.id }), 'forbidden', 'join after removal');
});

test('removal rules: members remove nobody, moderators remove members only, nobody removes the owner, not yourself', async () => {
  const ch = await team();
  // Second moderator so that moderator-vs-moderator can be tried.
  assert.equal((await c.ana.request({ type: 'channel.role', channel: ch.id, user: u.cy.id, role: 'moderator' })).type, 'ok');
  assertErr(await c.di.request({ type: 'channel.remove', channel: ch.id, user: u.bo.id }), 'forbidden', 'member removes member');
  assertErr(await c.di.request({ type: 'channel.remove', channel: ch.id, user: u.ana.id }), 'forbidden', 'member removes owner');
  assertErr(await c.mo.request({ type: 'channel.remove', channel: ch.id, user: u.ana.id }), 'forbidden', 'moderator removes owner');
  assertErr(await c.mo.request({ type: 'channel.remove', channel: ch.id, user: u.cy.id }), 'forbidden', 'moderator removes moderator');
  assertErr(await c.mo.request({ type: 'channel.remove', channel: ch.id, user: u.mo.id }), 'bad_request', 'moderator removes itself');
  const self = await c.ana.request({ type: 'channel.remove', channel: ch.id, user: u.ana.id });
  assert.equal(self.type, 'error', `owner removed itself: ${show(self)}`);
  assert.ok(['bad_request', 'forbidden'].includes(self.code), show(self));
  const outsider = await c.bo.request({ type: 'channel.leave', channel: ch.id });
  assert.equal(outsider.type, 'ok');
  assertErr(await c.bo.request({ type: 'channel.remove', channel: ch.id, user: u.di.id }), 'forbidden', 'outsider removes member');
  // Nothing changed so far.
  const before = await c.ana.request({ type: 'channel.members', channel: ch.id });
  assert.deepEqual(before.members.map((x) => [x.name, x.role]), [['ana', 'owner'], ['cy', 'moderator'], ['mo', 'moderator'], ['di', 'member']], show(before));
  // The owner removes a moderator.
  const from = c.cy.frames.length;
  assert.equal((await c.ana.request({ type: 'channel.remove', channel: ch.id, user: u.cy.id })).type, 'ok');
  const ev = await c.cy.next(isEv(ch.id, 'leave', (f) => f.user?.id === u.cy.id), { from });
  assert.equal(ev.by?.id, u.ana.id);
  // A moderator removes a member.
  assert.equal((await c.mo.request({ type: 'channel.remove', channel: ch.id, user: u.di.id })).type, 'ok');
  const after = await c.ana.request({ type: 'channel.members', channel: ch.id });
  assert.deepEqual(after.members.map((x) => [x.name, x.role]), [['ana', 'owner'], ['mo', 'moderator']]);
});

test('channel.role: the owner makes a moderator (role event with by to every member); others may not; not on oneself', async () => {
  const ch = await team();
  const from = Object.fromEntries(Object.keys(c).map((n) => [n, c[n].frames.length]));
  const r = await c.ana.request({ type: 'channel.role', channel: ch.id, user: u.bo.id, role: 'moderator', req: 'ro' });
  assert.deepEqual({ type: r.type, req: r.req }, { type: 'ok', req: 'ro' }, show(r));
  for (const n of ['ana', 'mo', 'bo', 'cy', 'di']) {
    const ev = await c[n].next(isEv(ch.id, 'role', (f) => f.user?.id === u.bo.id), { from: from[n] });
    assert.equal(ev.role, 'moderator', show(ev));
    assert.equal(ev.user.name, 'bo');
    assert.equal(ev.by?.id, u.ana.id, show(ev));
    assert.equal(typeof ev.seq, 'number');
  }
  const mem = await c.di.request({ type: 'channel.members', channel: ch.id });
  assert.deepEqual(mem.members.map((x) => [x.name, x.role]), [['ana', 'owner'], ['bo', 'moderator'], ['mo', 'moderator'], ['cy', 'member'], ['di', 'member']], show(mem));
  assert.equal(mem.channel, ch.id);
  assert.equal(mem.members[0].display, 'Ana Mod');
  // The new moderator may now remove a member.
  assert.equal((await c.bo.request({ type: 'channel.remove', channel: ch.id, user: u.di.id })).type, 'ok');
  // Only owners set roles.
  assertErr(await c.mo.request({ type: 'channel.role', channel: ch.id, user: u.cy.id, role: 'moderator' }), 'forbidden', 'moderator sets a role');
  assertErr(await c.cy.request({ type: 'channel.role', channel: ch.id, user: u.cy.id, role: 'moderator' }), 'forbidden', 'member promotes itself');
  const own = await c.ana.request({ type: 'channel.role', channel: ch.id, user: u.ana.id, role: 'member' });
  assert.equal(own.type, 'error', `owner changed its own role: ${show(own)}`);
  assert.ok(['forbidden', 'bad_request'].includes(own.code), show(own));
  assertErr(await c.ana.request({ type: 'channel.role', channel: ch.id, user: u.cy.id, role: 'emperor' }), 'bad_request', 'unknown role');
  const mem2 = await c.ana.request({ type: 'channel.members', channel: ch.id });
  assert.equal(mem2.members.find((x) => x.id === u.ana.id).role, 'owner');
  assert.equal(mem2.members.find((x) => x.id === u.cy.id).role, 'member');
  // Demotion is an event too.
  const f2 = c.mo.frames.length;
  assert.equal((await c.ana.request({ type: 'channel.role', channel: ch.id, user: u.bo.id, role: 'member' })).type, 'ok');
  const dem = await c.mo.next(isEv(ch.id, 'role', (f) => f.user?.id === u.bo.id), { from: f2 });
  assert.equal(dem.role, 'member');
});

test('channel.update: channel event with channel_info and by; members may not; a taken name -> conflict', async () => {
  const ch = await team();
  const newName = uid('renamed').toLowerCase();
  const from = Object.fromEntries(Object.keys(c).map((n) => [n, c[n].frames.length]));
  const r = await c.mo.request({ type: 'channel.update', channel: ch.id, name: newName, topic: 'new topic', req: 'up' });
  assert.deepEqual({ type: r.type, req: r.req }, { type: 'ok', req: 'up' }, show(r));
  for (const n of ['ana', 'mo', 'bo', 'cy', 'di']) {
    const ev = await c[n].next(isEv(ch.id, 'channel'), { from: from[n] });
    assert.deepEqual(ev.channel_info, { id: ch.id, name: newName, kind: 'team', access: 'invite', topic: 'new topic', archived: false }, show(ev));
    assert.equal(ev.by?.id, u.mo.id, show(ev));
  }
  const l = (await c.di.request({ type: 'channel.list' })).channels.find((x) => x.id === ch.id);
  assert.equal(l.name, newName);
  assert.equal(l.topic, 'new topic');
  assertErr(await c.di.request({ type: 'channel.update', channel: ch.id, topic: 'mine now' }), 'forbidden', 'member updates');
  assertErr(await c.mo.request({ type: 'channel.update', channel: ch.id, name: 'side' }), 'conflict', 'rename to a taken name');
  assertErr(await c.mo.request({ type: 'channel.update', channel: ch.id, name: 'Bad Name' }), 'bad_request', 'rename to an invalid name');
  assertErr(await c.mo.request({ type: 'channel.update', channel: ch.id, access: 'secret' }), 'bad_request', 'unknown access');
  const still = (await c.ana.request({ type: 'channel.list' })).channels.find((x) => x.id === ch.id);
  assert.equal(still.name, newName);
  assert.equal(still.topic, 'new topic');
});

test('channel.archive: channel event; sends refused, history still readable by members; unarchive restores', async () => {
  const ch = await team('cohort');
  const before = await sendMsg(c.bo, ch.id, 'before archive');
  const from = Object.fromEntries(Object.keys(c).map((n) => [n, c[n].frames.length]));
  assertErr(await c.di.request({ type: 'channel.archive', channel: ch.id }), 'forbidden', 'member archives');
  const r = await c.mo.request({ type: 'channel.archive', channel: ch.id, req: 'ar' });
  assert.deepEqual({ type: r.type, req: r.req }, { type: 'ok', req: 'ar' }, show(r));
  for (const n of ['ana', 'bo', 'di']) {
    const ev = await c[n].next(isEv(ch.id, 'channel'), { from: from[n] });
    assert.equal(ev.channel_info.archived, true, show(ev));
    assert.equal(ev.by?.id, u.mo.id);
  }
  const s = await c.bo.request({ type: 'send', channel: ch.id, body: 'too late', client_id: uid('c') });
  assertErr(s, 'forbidden', 'send to an archived channel');
  assertErr(await c.ana.request({ type: 'send', channel: ch.id, body: 'owner too', client_id: uid('c') }), 'forbidden', 'owner sends to an archived channel');
  assertErr(await c.bo.request({ type: 'edit', channel: ch.id, id: before.id, body: 'edited' }), 'forbidden', 'edit in an archived channel');
  const h = await c.di.request({ type: 'history', channel: ch.id });
  assert.equal(h.type, 'history', show(h));
  assert.ok(h.messages.some((m) => m.id === before.id && m.body === 'before archive'));
  // Nobody joins or is invited while archived.
  assert.equal((await c.cy.request({ type: 'channel.leave', channel: ch.id })).type, 'ok');
  assertErr(await c.cy.request({ type: 'channel.join', channel: ch.id }), 'forbidden', 'join an archived (open) channel');
  assertErr(await c.ana.request({ type: 'channel.invite', channel: ch.id, user: u.cy.id }), 'forbidden', 'invite into an archived channel');
  const upd = await c.ana.request({ type: 'channel.update', channel: ch.id, topic: 'while archived' });
  assert.equal(upd.type, 'error', `update of an archived channel: ${show(upd)}`);
  const l = (await c.bo.request({ type: 'channel.list' })).channels.find((x) => x.id === ch.id);
  assert.equal(l.archived, true);
  // Unarchive.
  const f2 = c.bo.frames.length;
  assert.equal((await c.ana.request({ type: 'channel.archive', channel: ch.id, archived: false })).type, 'ok');
  const ev2 = await c.bo.next(isEv(ch.id, 'channel'), { from: f2 });
  assert.equal(ev2.channel_info.archived, false);
  await sendMsg(c.bo, ch.id, 'back again');
});

test('resume: a moderator who was offline receives the role, channel, join and leave events they missed, in order', async () => {
  const ch = await team('cohort'); // open: bo may re-join on its own
  assert.equal((await c.bo.request({ type: 'channel.leave', channel: ch.id })).type, 'ok');
  const since = (await sendMsg(c.ana, ch.id, 'before mo goes offline')).id;
  await c.mo.next((f) => f.seq === since);
  c.mo.ws.terminate();
  await c.mo.closed;
  const seqs = {};
  assert.equal((await c.ana.request({ type: 'channel.role', channel: ch.id, user: u.cy.id, role: 'moderator' })).type, 'ok');
  assert.equal((await c.ana.request({ type: 'channel.update', channel: ch.id, topic: 'while mo was away' })).type, 'ok');
  assert.equal((await c.bo.request({ type: 'channel.join', channel: ch.id })).type, 'channel');
  assert.equal((await c.ana.request({ type: 'channel.remove', channel: ch.id, user: u.di.id })).type, 'ok');
  assert.equal((await c.bo.request({ type: 'channel.leave', channel: ch.id })).type, 'ok');
  const last = await sendMsg(c.ana, ch.id, 'latest');
  for (const f of c.ana.frames.filter((x) => x.type === 'event' && x.channel === ch.id && x.seq > since)) seqs[f.seq] = f;
  const expected = Object.values(seqs).sort((a, b) => a.seq - b.seq);
  assert.deepEqual(expected.map((f) => f.kind), ['role', 'channel', 'join', 'leave', 'leave', 'message']);
  c.mo = await connect(server, u.mo.token, { since });
  c.mo.ws.on('error', () => {});
  const entry = c.mo.welcome.channels.find((x) => x.id === ch.id);
  assert.equal(entry.topic, 'while mo was away', show(entry));
  assert.equal(entry.role, 'moderator');
  const replayed = c.mo.frames.filter((f) => f.type === 'event' && f.channel === ch.id);
  assert.deepEqual(replayed.map((f) => [f.seq, f.kind]), expected.map((f) => [f.seq, f.kind]), 'replay differs from what the owner saw live');
  const [role, chan, join, rem, leave] = replayed;
  assert.equal(role.user.id, u.cy.id);
  assert.equal(role.role, 'moderator');
  assert.equal(role.by?.id, u.ana.id);
  assert.equal(chan.channel_info.topic, 'while mo was away');
  assert.equal(chan.by?.id, u.ana.id);
  assert.equal(join.user.id, u.bo.id);
  assert.equal(join.role, 'member');
  assert.equal(rem.user.id, u.di.id);
  assert.equal(rem.by?.id, u.ana.id, `replayed removal keeps its by: ${show(rem)}`);
  assert.equal(leave.user.id, u.bo.id);
  assert.equal(leave.by, undefined);
  assert.equal(c.mo.synced.seq >= last.id, true);
  // And the removed member, resuming from before its removal, gets nothing after it.
  const diSince = since;
  const k = await connect(server, u.di.token, { since: diSince });
  k.ws.on('error', () => {});
  const got = k.frames.filter((f) => f.type === 'event' && f.channel === ch.id);
  assert.ok(got.every((f) => f.seq <= rem.seq), `removed member replayed events after its removal: ${show(got.filter((f) => f.seq > rem.seq).map((f) => [f.seq, f.kind]))}`);
  assert.equal(k.welcome.channels.find((x) => x.id === ch.id), undefined);
  k.ws.terminate();
});

test('the actor receives the event of its own change before the ok (remove, role, update, archive, leave)', async () => {
  const ch = await team('cohort');
  const check = async (who, req, kind, pred) => {
    const from = who.frames.length;
    const r = await who.request(req);
    assert.equal(r.type, 'ok', `${req.type}: ${show(r)}`);
    const frames = who.frames.slice(from);
    const ei = frames.findIndex(isEv(ch.id, kind, pred));
    const oi = frames.findIndex((f) => f.req === r.req);
    assert.ok(ei >= 0 && ei < oi, `${req.type}: event at ${ei}, ok at ${oi}: ${show(frames)}`);
  };
  await check(c.ana, { type: 'channel.role', channel: ch.id, user: u.bo.id, role: 'moderator' }, 'role', (f) => f.user?.id === u.bo.id);
  await check(c.mo, { type: 'channel.remove', channel: ch.id, user: u.di.id }, 'leave', (f) => f.user?.id === u.di.id);
  await check(c.bo, { type: 'channel.update', channel: ch.id, topic: 'ordered' }, 'channel', (f) => f.channel_info?.topic === 'ordered');
  await check(c.cy, { type: 'channel.leave', channel: ch.id }, 'leave', (f) => f.user?.id === u.cy.id);
  await check(c.ana, { type: 'channel.archive', channel: ch.id }, 'channel', (f) => f.channel_info?.archived === true);
});

test('removal stops delivery to every socket of the removed member', async () => {
  const ch = await team();
  const second = await connect(server, u.di.token);
  second.ws.on('error', () => {});
  try {
    const from = { a: c.di.frames.length, b: second.frames.length };
    assert.equal((await c.ana.request({ type: 'channel.remove', channel: ch.id, user: u.di.id })).type, 'ok');
    await Promise.all(Array.from({ length: 10 }, (_, i) => sendMsg(c.bo, ch.id, `after ${i}`)));
    const mark = await sendMsg(c.ana, side.id, 'two-socket marker');
    for (const [k, f] of [[c.di, from.a], [second, from.b]]) {
      await k.next((x) => x.seq === mark.id, { from: f });
      const mine = k.frames.slice(f).filter((x) => x.channel === ch.id);
      assert.deepEqual(mine.map((x) => [x.kind, x.user?.id, x.by?.id]), [['leave', u.di.id, u.ana.id]], show(mine));
    }
  } finally {
    second.ws.terminate();
  }
});
