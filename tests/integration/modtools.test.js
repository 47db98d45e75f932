// Moderation tools (docs/PROTOCOL.md "Moderation"): slow mode, mutes (send,
// react and hand raise refused until the end, across a restart), bans on
// channel.remove (no rejoin, request or invitation until channel.unban),
// reports (to the online moderators only) and their four resolutions, and
// the moderation log every member can read. Administrators are not
// moderators of channels they are not in.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import { uid, sendMsg, makeChannel, stopWithin, NO_RATE_LIMIT, show, isEv, assertErr, barrier } from './support.js';

let server;
const u = {};
const c = {};

before(async () => {
  server = await startServer({ args: NO_RATE_LIMIT });
  for (const n of ['ana', 'bo', 'cy', 'dee', 'root']) {
    u[n] = await server.user(n, { admin: n === 'root' });
    c[n] = await connect(server, u[n].token);
  }
});
after(async () => {
  for (const x of Object.values(c)) x.ws.terminate();
  await stopWithin(server);
  assert.doesNotMatch(server.log, /Sanitizer|runtime error/, 'the server ran clean');
});

// ana owns; bo a moderator; cy and dee members.
async function room(opts = {}) {
  const ch = await makeChannel(c.ana, [c.bo, c.cy, c.dee], opts);
  assert.equal((await c.ana.request({ type: 'channel.role', channel: ch.id, user: u.bo.id, role: 'moderator' })).type, 'ok');
  return ch;
}
const send = (k, ch, body = 'hi') => c[k].request({ type: 'send', channel: ch, body, client_id: uid('c') });
const modlog = async (k, ch, extra = {}) => {
  const r = await c[k].request({ type: 'channel.modlog', channel: ch, ...extra });
  assert.equal(r.type, 'modlog', show(r));
  return r;
};

test('slow mode: a member’s second send within the window is rate_limited with retry_after_ms; moderators are exempt', async () => {
  const ch = await room();
  assertErr(await c.cy.request({ type: 'channel.update', channel: ch.id, slow: 30 }), 'forbidden', 'a member sets it');
  assertErr(await c.ana.request({ type: 'channel.update', channel: ch.id, slow: 4000 }), 'bad_request', 'too long');
  const from = c.cy.frames.length;
  assert.equal((await c.ana.request({ type: 'channel.update', channel: ch.id, slow: 30 })).type, 'ok');
  const ev = await c.cy.next(isEv(ch.id, 'channel', (f) => f.slow === 30), { from });
  assert.equal(ev.channel_info.id, ch.id, 'members learn of slow mode live');
  const list = (await c.cy.request({ type: 'channel.list' })).channels.find((x) => x.id === ch.id);
  assert.equal(list.slow, 30);
  assert.equal((await send('cy', ch.id, 'first')).type, 'ack');
  const r = await send('cy', ch.id, 'second');
  assertErr(r, 'rate_limited', 'within the window');
  assert.ok(r.retry_after_ms > 25000 && r.retry_after_ms <= 30000, show(r));
  assert.equal((await send('dee', ch.id, 'another member')).type, 'ack', 'per member');
  assert.equal((await send('bo', ch.id, 'a')).type, 'ack');
  assert.equal((await send('bo', ch.id, 'b')).type, 'ack', 'moderators are exempt');
  assert.equal((await c.ana.request({ type: 'channel.update', channel: ch.id, slow: 0 })).type, 'ok');
  assert.equal((await send('cy', ch.id, 'off again')).type, 'ack');
});

test('a muted member cannot send, react or raise a hand until the mute ends, also after a restart', async () => {
  const ch = await room();
  const m = await sendMsg(c.ana, ch.id, 'react to me');
  assertErr(await c.cy.request({ type: 'channel.mute', channel: ch.id, user: u.dee.id, seconds: 60 }), 'forbidden', 'a member mutes');
  assertErr(await c.bo.request({ type: 'channel.mute', channel: ch.id, user: u.ana.id, seconds: 60 }), 'forbidden', 'the owner');
  assertErr(await c.ana.request({ type: 'channel.mute', channel: ch.id, user: u.cy.id }), 'bad_request', 'no seconds');
  const from = c.dee.frames.length;
  assert.equal((await c.bo.request({ type: 'channel.mute', channel: ch.id, user: u.cy.id, seconds: 3600, reason: 'cool down' })).type, 'ok');
  const ev = await c.dee.next(isEv(ch.id, 'mute'), { from });
  assert.equal(ev.user.id, u.cy.id);
  assert.equal(ev.by.id, u.bo.id);
  assert.equal(ev.reason, 'cool down');
  assert.ok(Date.parse(ev.until) > Date.now() + 3500 * 1000, show(ev));
  assert.equal((await c.ana.request({ type: 'session.start', channel: ch.id, title: 'Circle' })).type, 'ok');
  const refusals = async () => {
    const s = await send('cy', ch.id, 'let me talk');
    assertErr(s, 'forbidden', 'send');
    assert.match(s.message, /^muted until \d{4}-/);
    assertErr(await c.cy.request({ type: 'react', channel: ch.id, id: m.id, emoji: '👍' }), 'forbidden', 'react');
    assertErr(await c.cy.request({ type: 'hand.raise', channel: ch.id }), 'forbidden', 'hand.raise');
  };
  await refusals();
  assert.equal((await send('dee', ch.id, 'others still can')).type, 'ack');
  // Mutes are persisted: a restart keeps it (the live session's queue does not matter here).
  for (const x of Object.values(c)) x.ws.terminate();
  await server.restart();
  for (const n of Object.keys(u)) c[n] = await connect(server, u[n].token);
  const seen = c.cy.welcome.channels.find((x) => x.id === ch.id);
  assert.equal(seen.muted_until, ev.until, 'the muted member’s welcome says until when');
  assert.equal(c.dee.welcome.channels.find((x) => x.id === ch.id).muted_until, undefined);
  await refusals();
  // Unmuted (seconds 0): allowed again.
  assert.equal((await c.ana.request({ type: 'channel.mute', channel: ch.id, user: u.cy.id, seconds: 0 })).type, 'ok');
  assert.equal((await send('cy', ch.id, 'back')).type, 'ack');
  // A short mute ends by itself.
  assert.equal((await c.ana.request({ type: 'channel.mute', channel: ch.id, user: u.cy.id, seconds: 1 })).type, 'ok');
  assertErr(await send('cy', ch.id, 'too soon'), 'forbidden', 'short mute');
  const ends = Date.parse((await c.dee.next(isEv(ch.id, 'mute', (f) => f.until && Date.parse(f.until) < Date.now() + 2000))).until);
  await new Promise((r) => setTimeout(r, Math.max(0, ends - Date.now()) + 50));
  assert.equal((await send('cy', ch.id, 'after the end')).type, 'ack');
  assert.equal((await c.ana.request({ type: 'session.end', channel: ch.id })).type, 'ok');
});

test('a banned member cannot rejoin, request or be invited until unbanned', async () => {
  const open = await room();
  assertErr(await c.cy.request({ type: 'channel.remove', channel: open.id, user: u.dee.id, ban: true }), 'forbidden', 'a member bans');
  assert.equal((await c.bo.request({ type: 'channel.remove', channel: open.id, user: u.dee.id, ban: true, reason: 'harassment' })).type, 'ok');
  assertErr(await c.dee.request({ type: 'channel.join', channel: open.id }), 'forbidden', 'rejoin an open channel');
  // Request and invite channels: a ban of someone who is not a member.
  const req = await makeChannel(c.ana, [], { access: 'request' });
  const inv = await makeChannel(c.ana, [], { kind: 'team' });
  assert.equal((await c.ana.request({ type: 'channel.remove', channel: req.id, user: u.dee.id, ban: true })).type, 'ok');
  assert.equal((await c.ana.request({ type: 'channel.remove', channel: inv.id, user: u.dee.id, ban: true })).type, 'ok');
  assertErr(await c.dee.request({ type: 'channel.join', channel: req.id, note: 'please' }), 'forbidden', 'request');
  assertErr(await c.ana.request({ type: 'channel.invite', channel: inv.id, user: u.dee.id }), 'forbidden', 'invite');
  assertErr(await c.ana.request({ type: 'channel.unban', channel: open.id, user: u.cy.id }), 'not_found', 'not banned');
  assertErr(await c.cy.request({ type: 'channel.unban', channel: open.id, user: u.dee.id }), 'forbidden', 'a member unbans');
  for (const ch of [open, req, inv]) assert.equal((await c.ana.request({ type: 'channel.unban', channel: ch.id, user: u.dee.id })).type, 'ok');
  assert.equal((await c.dee.request({ type: 'channel.join', channel: open.id })).type, 'channel');
  assert.equal((await c.dee.request({ type: 'channel.join', channel: req.id })).type, 'pending');
  assert.equal((await c.ana.request({ type: 'channel.invite', channel: inv.id, user: u.dee.id })).type, 'ok');
});

test('a report reaches the online moderators and never the other members; the four resolutions', async () => {
  const ch = await room();
  const bad = await sendMsg(c.dee, ch.id, 'something hurtful');
  assertErr(await c.cy.request({ type: 'report', channel: ch.id, id: bad.id }), 'bad_request', 'no reason');
  assertErr(await c.cy.request({ type: 'report', channel: ch.id, id: bad.id, reason: '   ' }), 'bad_request', 'blank');
  assertErr(await c.cy.request({ type: 'report', channel: ch.id, id: bad.id, reason: 'x'.repeat(501) }), 'bad_request', 'long');
  assertErr(await c.cy.request({ type: 'report', channel: ch.id, id: 99999999, reason: 'x' }), 'not_found', 'no message');
  const marks = { ana: c.ana.frames.length, bo: c.bo.frames.length, dee: c.dee.frames.length, cy: c.cy.frames.length };
  assert.equal((await c.cy.request({ type: 'report', channel: ch.id, id: bad.id, reason: 'this hurts people' })).type, 'ok');
  for (const k of ['ana', 'bo']) {
    const r = await c[k].next((f) => f.type === 'report', { from: marks[k] });
    assert.equal(r.report.message.id, bad.id);
    assert.equal(r.report.reporter.id, u.cy.id);
    assert.equal(r.report.reason, 'this hurts people');
    assert.equal(r.report.state, 'open');
  }
  await barrier(c.dee);
  await barrier(c.cy);
  assert.ok(!c.dee.frames.slice(marks.dee).some((f) => f.type === 'report'), 'the author is not told');
  assert.ok(!c.cy.frames.slice(marks.cy).some((f) => f.type === 'report'), 'members are not told');
  assertErr(await c.cy.request({ type: 'channel.reports', channel: ch.id }), 'forbidden', 'a member lists');
  const list = await c.bo.request({ type: 'channel.reports', channel: ch.id });
  assert.equal(list.type, 'reports', show(list));
  const rep = list.reports.find((x) => x.message.id === bad.id);
  assert.ok(rep);
  assertErr(await c.cy.request({ type: 'report.resolve', channel: ch.id, report: rep.id, action: 'dismiss' }), 'forbidden', 'a member resolves');
  assertErr(await c.bo.request({ type: 'report.resolve', channel: ch.id, report: rep.id, action: 'ban' }), 'bad_request', 'action');
  // delete: the message goes for everyone.
  const from = c.cy.frames.length;
  assert.equal((await c.bo.request({ type: 'report.resolve', channel: ch.id, report: rep.id, action: 'delete' })).type, 'ok');
  await c.cy.next(isEv(ch.id, 'delete', (f) => f.id === bad.id), { from });
  assertErr(await c.bo.request({ type: 'report.resolve', channel: ch.id, report: rep.id, action: 'dismiss' }), 'conflict', 'twice');
  // mute: the author is muted.
  const m2 = await sendMsg(c.dee, ch.id, 'again');
  await c.cy.request({ type: 'report', channel: ch.id, id: m2.id, reason: 'again' });
  let id = (await c.bo.request({ type: 'channel.reports', channel: ch.id })).reports.find((x) => x.message.id === m2.id).id;
  assert.equal((await c.bo.request({ type: 'report.resolve', channel: ch.id, report: id, action: 'mute' })).type, 'ok');
  assertErr(await send('dee', ch.id, 'muted?'), 'forbidden', 'muted by the report');
  await c.ana.request({ type: 'channel.mute', channel: ch.id, user: u.dee.id, seconds: 0 });
  // dismiss: nothing else happens.
  const m3 = await sendMsg(c.dee, ch.id, 'a third');
  await c.cy.request({ type: 'report', channel: ch.id, id: m3.id, reason: 'meh' });
  id = (await c.bo.request({ type: 'channel.reports', channel: ch.id })).reports.find((x) => x.message.id === m3.id).id;
  assert.equal((await c.bo.request({ type: 'report.resolve', channel: ch.id, report: id, action: 'dismiss' })).type, 'ok');
  // remove: the author leaves the channel.
  await c.cy.request({ type: 'report', channel: ch.id, id: m3.id, reason: 'still' });
  id = (await c.bo.request({ type: 'channel.reports', channel: ch.id })).reports.find((x) => x.message.id === m3.id && x.state === 'open').id;
  assert.equal((await c.bo.request({ type: 'report.resolve', channel: ch.id, report: id, action: 'remove' })).type, 'ok');
  await c.cy.next(isEv(ch.id, 'leave', (f) => f.user.id === u.dee.id), { from });
  // A moderator cannot mute or remove the owner through a report.
  const own = await sendMsg(c.ana, ch.id, 'the owner speaks');
  await c.cy.request({ type: 'report', channel: ch.id, id: own.id, reason: 'hm' });
  id = (await c.bo.request({ type: 'channel.reports', channel: ch.id })).reports.find((x) => x.message.id === own.id).id;
  assertErr(await c.bo.request({ type: 'report.resolve', channel: ch.id, report: id, action: 'mute' }), 'forbidden', 'mute the owner');
  assertErr(await c.bo.request({ type: 'report.resolve', channel: ch.id, report: id, action: 'remove' }), 'forbidden', 'remove the owner');
  assert.equal((await c.bo.request({ type: 'report.resolve', channel: ch.id, report: id, action: 'dismiss' })).type, 'ok');
  const states = (await c.ana.request({ type: 'channel.reports', channel: ch.id })).reports;
  assert.ok(states.every((x) => x.state === 'resolved'), show(states));
});

test('every moderator action is in the moderation log, newest first, paged; members read it, outsiders do not', async () => {
  const ch = await room();
  const other = await sendMsg(c.cy, ch.id, 'to be deleted by a moderator');
  const own = await sendMsg(c.bo, ch.id, 'my own, deleted by me');
  const steps = [
    () => c.ana.request({ type: 'channel.update', channel: ch.id, topic: 'New topic' }),
    () => c.ana.request({ type: 'channel.role', channel: ch.id, user: u.cy.id, role: 'moderator' }),
    () => c.ana.request({ type: 'channel.role', channel: ch.id, user: u.cy.id, role: 'member' }),
    () => c.bo.request({ type: 'delete', channel: ch.id, id: other.id }),
    () => c.bo.request({ type: 'delete', channel: ch.id, id: own.id }),
    () => c.bo.request({ type: 'channel.mute', channel: ch.id, user: u.cy.id, seconds: 600, reason: 'breathe' }),
    () => c.bo.request({ type: 'session.start', channel: ch.id, title: 'Round' }),
    () => c.bo.request({ type: 'session.end', channel: ch.id }),
    () => c.bo.request({ type: 'channel.remove', channel: ch.id, user: u.dee.id, reason: 'left the group' }),
    () => c.bo.request({ type: 'channel.remove', channel: ch.id, user: u.dee.id, ban: true }),
    () => c.bo.request({ type: 'channel.unban', channel: ch.id, user: u.dee.id }),
    () => c.ana.request({ type: 'channel.archive', channel: ch.id }),
    () => c.ana.request({ type: 'channel.archive', channel: ch.id, archived: false }),
  ];
  for (const s of steps) assert.equal((await s()).type, 'ok');
  const r = await modlog('cy', ch.id);
  const want = ['unarchive', 'archive', 'unban', 'ban', 'remove', 'session.end', 'session.start', 'mute', 'delete',
    'role', 'role', 'update', 'role'];
  assert.deepEqual(r.entries.map((e) => e.action), want, show(r.entries));
  const byAction = (a) => r.entries.find((e) => e.action === a);
  assert.equal(byAction('delete').target.id, u.cy.id, 'the moderator deleted cy’s message (bo’s own is not logged)');
  assert.equal(byAction('delete').actor.id, u.bo.id);
  assert.equal(byAction('mute').reason, 'breathe');
  assert.equal(byAction('remove').reason, 'left the group');
  assert.equal(byAction('ban').target.id, u.dee.id);
  assert.equal(byAction('session.start').reason, 'Round');
  for (const e of r.entries) assert.ok(e.ts && e.actor, show(e));
  // Paged with before; an outsider is refused.
  const page = await modlog('cy', ch.id, { before: r.entries[2].id });
  assert.deepEqual(page.entries.map((e) => e.action), want.slice(3));
  assertErr(await c.dee.request({ type: 'channel.modlog', channel: ch.id }), 'forbidden', 'not a member');
  // A report's resolution is logged too.
  assert.equal((await c.ana.request({ type: 'channel.mute', channel: ch.id, user: u.cy.id, seconds: 0 })).type, 'ok');
  const m = await sendMsg(c.cy, ch.id, 'hm');
  await c.bo.request({ type: 'report', channel: ch.id, id: m.id, reason: 'check' });
  const rep = (await c.ana.request({ type: 'channel.reports', channel: ch.id })).reports[0];
  assert.equal((await c.ana.request({ type: 'report.resolve', channel: ch.id, report: rep.id, action: 'dismiss' })).type, 'ok');
  const top = (await modlog('bo', ch.id)).entries[0];
  assert.equal(top.action, 'report.resolve');
  assert.equal(top.reason, 'dismiss');
  assert.equal(top.target.id, u.cy.id);
});

test('administrators are not moderators of channels they are not in', async () => {
  const ch = await room();
  const m = await sendMsg(c.cy, ch.id, 'hello');
  assertErr(await c.root.request({ type: 'session.start', channel: ch.id, title: 'x' }), 'forbidden', 'session.start');
  assertErr(await c.root.request({ type: 'channel.mute', channel: ch.id, user: u.cy.id, seconds: 60 }), 'forbidden', 'mute');
  assertErr(await c.root.request({ type: 'channel.reports', channel: ch.id }), 'forbidden', 'reports');
  assertErr(await c.root.request({ type: 'channel.remove', channel: ch.id, user: u.cy.id, ban: true }), 'forbidden', 'ban');
  assertErr(await c.root.request({ type: 'report.resolve', channel: ch.id, report: 1, action: 'dismiss' }), 'forbidden', 'resolve');
  assert.equal((await c.cy.request({ type: 'report', channel: ch.id, id: m.id, reason: 'test' })).type, 'ok');
});
