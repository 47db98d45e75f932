// Invitations on `invite` channels (docs/PROTOCOL.md "Channels"):
// channel.invite / channel.uninvite, the live `invited` and `invite.revoked`
// frames, how an invitation shows in channel.list, that it is used up by the
// join, and who may invite whom.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, runWeftd } from '../lib/harness.js';
import { uid, sendMsg, stopWithin, show, isEv, assertErr, barrier } from './support.js';

let server;
const u = {};
const c = {};

before(async () => {
  server = await startServer();
  for (const n of ['ana', 'mo', 'bo', 'cy', 'di']) {
    u[n] = await server.user(n, { display: `${n[0].toUpperCase()}${n.slice(1)} Invite` });
    c[n] = await connect(server, u[n].token);
    c[n].ws.on('error', () => {});
  }
});
after(async () => {
  for (const x of Object.values(c)) x.ws.terminate();
  await stopWithin(server);
});

// A team (invite tier) owned by ana with mo as a moderator and di as a member.
async function team(topic = 'the project') {
  const r = await c.ana.request({ type: 'channel.create', name: uid('team').toLowerCase(), kind: 'team', topic });
  assert.equal(r.type, 'channel', show(r));
  const ch = r.channel;
  for (const n of ['mo', 'di']) {
    assert.equal((await c.ana.request({ type: 'channel.invite', channel: ch.id, user: u[n].id })).type, 'ok');
    assert.equal((await c[n].request({ type: 'channel.join', channel: ch.id })).type, 'channel');
  }
  assert.equal((await c.ana.request({ type: 'channel.role', channel: ch.id, user: u.mo.id, role: 'moderator' })).type, 'ok');
  return ch;
}

test('channel.invite: every socket of the invitee gets `invited` live; channel.list shows invited:true; join then works', async () => {
  const ch = await team('invite test');
  const second = await connect(server, u.bo.token);
  second.ws.on('error', () => {});
  try {
    const from = { bo: c.bo.frames.length, b2: second.frames.length, cy: c.cy.frames.length };
    // Before: bo is refused and does not see the channel.
    assertErr(await c.bo.request({ type: 'channel.join', channel: ch.id }), 'forbidden', 'join before invitation');
    assert.equal((await c.bo.request({ type: 'channel.list' })).channels.find((x) => x.id === ch.id), undefined);
    const r = await c.mo.request({ type: 'channel.invite', channel: ch.id, user: u.bo.id, req: 'iv' });
    assert.deepEqual({ type: r.type, req: r.req }, { type: 'ok', req: 'iv' }, show(r));
    for (const k of [c.bo, second]) {
      const inv = await k.next((f) => f.type === 'invited' && f.channel?.id === ch.id, { from: k === c.bo ? from.bo : from.b2 });
      assert.equal(inv.channel.name, ch.name);
      assert.equal(inv.channel.kind, 'team');
      assert.equal(inv.channel.access, 'invite');
      assert.equal(inv.channel.role, null);
      assert.equal(inv.channel.last_seq, 0, `invited shows an invitee more than a non-member may see: ${show(inv.channel)}`);
      assert.equal(inv.by?.id, u.mo.id, `invited names the moderator: ${show(inv)}`);
      assert.equal(inv.by?.name, 'mo');
    }
    // Only the invitee hears of it.
    await barrier(c.cy);
    assert.deepEqual(c.cy.frames.slice(from.cy).filter((f) => f.type === 'invited'), []);
    assert.equal((await c.cy.request({ type: 'channel.list' })).channels.find((x) => x.id === ch.id), undefined, 'team listed to an uninvited user');
    const l = await c.bo.request({ type: 'channel.list' });
    const seen = l.channels.find((x) => x.id === ch.id);
    assert.ok(seen, `invited channel missing from channel.list: ${show(l)}`);
    assert.equal(seen.invited, true, show(seen));
    assert.equal(seen.role, null);
    assert.equal(seen.last_seq, 0, show(seen));
    assert.equal(seen.topic, 'invite test');
    assert.equal(seen.member_count, 3);
    // Invited is not a member yet: no history, no member list.
    assertErr(await c.bo.request({ type: 'history', channel: ch.id }), 'forbidden', 'history while only invited');
    assertErr(await c.bo.request({ type: 'channel.members', channel: ch.id }), 'forbidden', 'members while only invited');
    const fromAna = c.ana.frames.length;
    const j = await c.bo.request({ type: 'channel.join', channel: ch.id });
    assert.equal(j.type, 'channel', show(j));
    assert.equal(j.channel.role, 'member');
    assert.equal(j.channel.member_count, 4);
    const ev = await c.ana.next(isEv(ch.id, 'join', (f) => f.user?.id === u.bo.id), { from: fromAna });
    assert.equal(ev.role, 'member');
    assert.equal(ev.by, undefined, `the invitee joined by itself: ${show(ev)}`);
    assertErr(await c.ana.request({ type: 'channel.uninvite', channel: ch.id, user: u.bo.id }), 'not_found', 'uninvite after the invitation was used');
    const m = await sendMsg(c.ana, ch.id, 'welcome to the team');
    await c.bo.next((f) => f.seq === m.id, { from: from.bo });
    await second.next((f) => f.seq === m.id, { from: from.b2 });
    // The invitation was used up: after leaving, bo cannot come back alone.
    assert.equal((await c.bo.request({ type: 'channel.leave', channel: ch.id })).type, 'ok');
    assertErr(await c.bo.request({ type: 'channel.join', channel: ch.id }), 'forbidden', 'join again after leaving (invitation used up)');
    const l2 = await c.bo.request({ type: 'channel.list' });
    assert.equal(l2.channels.find((x) => x.id === ch.id), undefined, `left team still listed: ${show(l2.channels.find((x) => x.id === ch.id))}`);
  } finally {
    second.ws.terminate();
  }
});

test('channel.uninvite: the invitee gets invite.revoked, the listing goes, join is forbidden again', async () => {
  const ch = await team();
  const from = c.cy.frames.length;
  assert.equal((await c.ana.request({ type: 'channel.invite', channel: ch.id, user: u.cy.id })).type, 'ok');
  await c.cy.next((f) => f.type === 'invited' && f.channel?.id === ch.id, { from });
  const r = await c.mo.request({ type: 'channel.uninvite', channel: ch.id, user: u.cy.id, req: 'un' });
  assert.deepEqual({ type: r.type, req: r.req }, { type: 'ok', req: 'un' }, show(r));
  const rev = await c.cy.next((f) => f.type === 'invite.revoked', { from });
  assert.equal(rev.channel, ch.id, show(rev));
  const l = await c.cy.request({ type: 'channel.list' });
  assert.equal(l.channels.find((x) => x.id === ch.id), undefined, `revoked invitation still listed: ${show(l.channels.find((x) => x.id === ch.id))}`);
  assertErr(await c.cy.request({ type: 'channel.join', channel: ch.id }), 'forbidden', 'join after uninvite');
  assertErr(await c.ana.request({ type: 'channel.uninvite', channel: ch.id, user: u.cy.id }), 'not_found', 'uninvite twice');
  // Members never saw cy join.
  const m = await sendMsg(c.ana, ch.id, 'marker');
  await c.di.next((f) => f.seq === m.id);
  assert.equal(c.di.frames.filter(isEv(ch.id, 'join', (f) => f.user?.id === u.cy.id)).length, 0);
});

test('who may invite: moderators and owners yes; members and outsiders -> forbidden; bad targets are refused', async () => {
  const ch = await team();
  assertErr(await c.di.request({ type: 'channel.invite', channel: ch.id, user: u.cy.id }), 'forbidden', 'member invites');
  assertErr(await c.bo.request({ type: 'channel.invite', channel: ch.id, user: u.cy.id }), 'forbidden', 'outsider invites');
  assertErr(await c.bo.request({ type: 'channel.invite', channel: ch.id, user: u.bo.id }), 'forbidden', 'outsider invites itself');
  assertErr(await c.di.request({ type: 'channel.uninvite', channel: ch.id, user: u.cy.id }), 'forbidden', 'member uninvites');
  assertErr(await c.ana.request({ type: 'channel.invite', channel: ch.id, user: 987654 }), 'not_found', 'invite an unknown user');
  assertErr(await c.ana.request({ type: 'channel.invite', channel: ch.id, user: u.di.id }), 'conflict', 'invite a member');
  assertErr(await c.ana.request({ type: 'channel.invite', channel: 987654, user: u.cy.id }), 'not_found', 'invite into an unknown channel');
  // A deactivated account cannot be invited.
  const gone = await server.user(uid('gone').toLowerCase().slice(0, 20));
  const d = runWeftd(['user', 'deactivate', gone.name, '--data', server.dataDir]);
  assert.equal(d.status, 0, d.stderr);
  assertErr(await c.ana.request({ type: 'channel.invite', channel: ch.id, user: gone.id }), 'not_found', 'invite a deactivated user');
});

test('an invitation lets its holder join a request channel at once, without a request', async () => {
  const r = await c.ana.request({ type: 'channel.create', name: uid('cau').toLowerCase(), kind: 'caucus' });
  const ch = r.channel;
  assert.equal(ch.access, 'request');
  const from = { ana: c.ana.frames.length, bo: c.bo.frames.length };
  assert.equal((await c.ana.request({ type: 'channel.invite', channel: ch.id, user: u.bo.id })).type, 'ok');
  const inv = await c.bo.next((f) => f.type === 'invited' && f.channel?.id === ch.id, { from: from.bo });
  assert.equal(inv.channel.access, 'request');
  const l = (await c.bo.request({ type: 'channel.list' })).channels.find((x) => x.id === ch.id);
  assert.equal(l.invited, true, show(l));
  const j = await c.bo.request({ type: 'channel.join', channel: ch.id, note: 'ignored' });
  assert.equal(j.type, 'channel', `invited join on a request channel: ${show(j)}`);
  assert.equal(j.channel.role, 'member');
  await barrier(c.ana);
  assert.deepEqual(c.ana.frames.slice(from.ana).filter((f) => f.type === 'request'), [], 'an invited join filed a request');
  assert.deepEqual((await c.ana.request({ type: 'channel.requests', channel: ch.id })).requests, []);
});

test('an invited user who was offline finds the invitation in channel.list on return', async () => {
  const ch = await team();
  c.cy.ws.terminate();
  assert.equal((await c.ana.request({ type: 'channel.invite', channel: ch.id, user: u.cy.id })).type, 'ok');
  c.cy = await connect(server, u.cy.token);
  c.cy.ws.on('error', () => {});
  const l = (await c.cy.request({ type: 'channel.list' })).channels.find((x) => x.id === ch.id);
  assert.ok(l, 'invitation not listed after reconnect');
  assert.equal(l.invited, true, show(l));
  assert.equal((await c.cy.request({ type: 'channel.join', channel: ch.id })).type, 'channel');
});

test('resume after joining a team by invitation replays the team from the join on, not what came before it', async () => {
  const ch = await team();
  const since = c.cy.frames.filter((f) => f.seq).reduce((m, f) => Math.max(m, f.seq), c.cy.synced.seq);
  c.cy.ws.terminate();
  await c.cy.closed;
  const early = await sendMsg(c.ana, ch.id, 'before cy was invited');
  assert.equal((await c.ana.request({ type: 'channel.invite', channel: ch.id, user: u.cy.id })).type, 'ok');
  // cy joins from another device, then resumes this one from its old cursor.
  const phone = await connect(server, u.cy.token, { since: early.id });
  phone.ws.on('error', () => {});
  assert.equal((await phone.request({ type: 'channel.join', channel: ch.id })).type, 'channel');
  const late = await sendMsg(c.ana, ch.id, 'after cy joined');
  await phone.next((f) => f.seq === late.id);
  const livePhone = phone.frames.filter((f) => f.type === 'event' && f.channel === ch.id).map((f) => [f.seq, f.kind]);
  phone.ws.terminate();
  c.cy = await connect(server, u.cy.token, { since });
  c.cy.ws.on('error', () => {});
  const evs = c.cy.frames.filter((f) => f.type === 'event' && f.channel === ch.id);
  const join = evs.find((f) => f.kind === 'join' && f.user?.id === u.cy.id);
  assert.ok(join, `no join in replay: ${show(evs.map((f) => [f.seq, f.kind]))}`);
  assert.ok(evs.some((f) => f.seq === late.id));
  assert.deepEqual(evs.map((f) => [f.seq, f.kind]), livePhone,
    `resume differs from what a live socket received (events before the join seq ${join.seq} leak to the resumed socket)`);
});
