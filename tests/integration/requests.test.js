// Join requests on `request` channels (docs/PROTOCOL.md "Channels"): live
// request frames to moderators, channel.requests, channel.decide (approve and
// decline), the decline cool-down (a second server with --request-cooldown 1),
// who may decide, and what a moderator who was offline finds on return.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import { uid, sendMsg, stopWithin, show, isEv, assertErr, barrier } from './support.js';

let server;
const u = {};
const c = {};

before(async () => {
  server = await startServer();
  for (const n of ['ana', 'mo', 'bo', 'cy', 'di']) {
    u[n] = await server.user(n, { display: `${n[0].toUpperCase()}${n.slice(1)} Example` });
    c[n] = await connect(server, u[n].token);
    c[n].ws.on('error', () => {});
  }
});
after(async () => {
  for (const x of Object.values(c)) x.ws.terminate();
  await stopWithin(server);
});

// A caucus (request tier) owned by ana, with mo as moderator and di as a
// plain member (both brought in by invitation).
async function caucus(cl = c, users = u) {
  const r = await cl.ana.request({ type: 'channel.create', name: uid('cau').toLowerCase(), kind: 'caucus', topic: 'a caucus' });
  assert.equal(r.type, 'channel', show(r));
  const ch = r.channel;
  assert.equal(ch.access, 'request');
  for (const n of ['mo', 'di']) {
    if (!cl[n]) continue;
    assert.equal((await cl.ana.request({ type: 'channel.invite', channel: ch.id, user: users[n].id })).type, 'ok');
    const j = await cl[n].request({ type: 'channel.join', channel: ch.id });
    assert.equal(j.type, 'channel', `${n} joins by invitation: ${show(j)}`);
  }
  if (cl.mo) {
    const rr = await cl.ana.request({ type: 'channel.role', channel: ch.id, user: users.mo.id, role: 'moderator' });
    assert.equal(rr.type, 'ok', show(rr));
  }
  return ch;
}

test('a join request reaches every online moderator and the owner live, not plain members; channel.requests lists it', async () => {
  const ch = await caucus();
  const from = Object.fromEntries(Object.keys(c).map((n) => [n, c[n].frames.length]));
  const p = await c.bo.request({ type: 'channel.join', channel: ch.id, note: 'County equity lead, joining from Ramsey', req: 'p1' });
  assert.deepEqual({ type: p.type, channel: p.channel, req: p.req }, { type: 'pending', channel: ch.id, req: 'p1' }, show(p));
  for (const n of ['ana', 'mo']) {
    const f = await c[n].next((x) => x.type === 'request' && x.channel === ch.id, { from: from[n] });
    assert.equal(f.request.user.id, u.bo.id, show(f));
    assert.equal(f.request.user.name, 'bo');
    assert.equal(f.request.note, 'County equity lead, joining from Ramsey');
    assert.match(f.request.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  }
  await barrier(c.di);
  assert.deepEqual(c.di.frames.slice(from.di).filter((x) => x.type === 'request'), [], 'a plain member received a join request');
  // A request is not an event: no seq, nothing in the channel's log.
  assert.deepEqual(c.ana.frames.slice(from.ana).filter(isEv(ch.id, 'join', (f) => f.user?.id === u.bo.id)), []);
  const q = await c.mo.request({ type: 'channel.requests', channel: ch.id, req: 'lq' });
  assert.equal(q.type, 'requests', show(q));
  assert.equal(q.req, 'lq');
  assert.equal(q.channel, ch.id);
  assert.deepEqual(q.requests.map((x) => [x.user.id, x.note]), [[u.bo.id, 'County equity lead, joining from Ramsey']]);
  assert.equal(typeof q.requests[0].ts, 'string');
  // A second requester comes after the first (oldest first).
  assert.equal((await c.cy.request({ type: 'channel.join', channel: ch.id })).type, 'pending');
  const q2 = await c.ana.request({ type: 'channel.requests', channel: ch.id });
  assert.deepEqual(q2.requests.map((x) => x.user.id), [u.bo.id, u.cy.id], show(q2));
  // Filing again while pending updates the note, and keeps one request.
  const again = await c.bo.request({ type: 'channel.join', channel: ch.id, note: 'updated note' });
  assert.equal(again.type, 'pending', show(again));
  const q3 = await c.ana.request({ type: 'channel.requests', channel: ch.id });
  assert.equal(q3.requests.filter((x) => x.user.id === u.bo.id).length, 1, show(q3));
  assert.equal(q3.requests.find((x) => x.user.id === u.bo.id).note, 'updated note');
  const mine = (await c.mo.request({ type: 'channel.list' })).channels.find((x) => x.id === ch.id);
  assert.equal(mine.pending_requests, 2, `moderator's channel object: ${show(mine)}`);
});

test('only moderators and owners see and decide requests (members and outsiders -> forbidden)', async () => {
  const ch = await caucus();
  assert.equal((await c.bo.request({ type: 'channel.join', channel: ch.id, note: 'n' })).type, 'pending');
  assertErr(await c.di.request({ type: 'channel.requests', channel: ch.id }), 'forbidden', 'member lists requests');
  assertErr(await c.cy.request({ type: 'channel.requests', channel: ch.id }), 'forbidden', 'outsider lists requests');
  assertErr(await c.di.request({ type: 'channel.decide', channel: ch.id, user: u.bo.id, approve: true }), 'forbidden', 'member decides');
  assertErr(await c.cy.request({ type: 'channel.decide', channel: ch.id, user: u.bo.id, approve: true }), 'forbidden', 'outsider decides');
  assertErr(await c.bo.request({ type: 'channel.decide', channel: ch.id, user: u.bo.id, approve: true }), 'forbidden', 'requester approves itself');
  // Still pending, nobody joined.
  const q = await c.ana.request({ type: 'channel.requests', channel: ch.id });
  assert.deepEqual(q.requests.map((x) => x.user.id), [u.bo.id]);
  const mem = await c.ana.request({ type: 'channel.members', channel: ch.id });
  assert.equal(mem.members.find((x) => x.id === u.bo.id), undefined);
  // No pending request from that user -> not_found.
  assertErr(await c.ana.request({ type: 'channel.decide', channel: ch.id, user: u.cy.id, approve: true }), 'not_found', 'decide without a request');
});

test('approve: request.decided (with channel_info) and joined to the requester, join event with by, then live events', async () => {
  const ch = await caucus();
  assert.equal((await c.bo.request({ type: 'channel.join', channel: ch.id, note: 'let me in' })).type, 'pending');
  const from = Object.fromEntries(Object.keys(c).map((n) => [n, c[n].frames.length]));
  const r = await c.mo.request({ type: 'channel.decide', channel: ch.id, user: u.bo.id, approve: true, req: 'ap' });
  assert.deepEqual({ type: r.type, req: r.req }, { type: 'ok', req: 'ap' }, show(r));
  const dec = await c.bo.next((f) => f.type === 'request.decided' && f.channel === ch.id, { from: from.bo });
  assert.equal(dec.approved, true, show(dec));
  assert.equal(dec.user.id, u.bo.id);
  assert.ok(dec.channel_info, `requester's request.decided lacks channel_info: ${show(dec)}`);
  assert.equal(dec.channel_info.id, ch.id);
  assert.equal(dec.channel_info.role, 'member', show(dec.channel_info));
  const joined = await c.bo.next((f) => f.type === 'joined', { from: from.bo });
  assert.equal(joined.channel.id, ch.id);
  assert.equal(joined.channel.role, 'member');
  for (const n of ['ana', 'mo']) {
    const d = await c[n].next((f) => f.type === 'request.decided' && f.channel === ch.id, { from: from[n] });
    assert.equal(d.approved, true);
    assert.equal(d.user.id, u.bo.id);
  }
  for (const n of ['ana', 'mo', 'di', 'bo']) {
    const j = await c[n].next(isEv(ch.id, 'join', (f) => f.user?.id === u.bo.id), { from: from[n] });
    assert.equal(j.role, 'member');
    assert.equal(j.by?.id, u.mo.id, `join by approval names the moderator: ${show(j)}`);
    assert.equal(j.by?.name, 'mo');
  }
  // From now on bo receives the channel's events and may send.
  const m = await sendMsg(c.di, ch.id, 'hello bo');
  await c.bo.next((f) => f.type === 'event' && f.seq === m.id, { from: from.bo });
  const mine = await sendMsg(c.bo, ch.id, 'thanks');
  await c.ana.next((f) => f.seq === mine.id, { from: from.ana });
  const q = await c.ana.request({ type: 'channel.requests', channel: ch.id });
  assert.deepEqual(q.requests, []);
  // A second decision finds nothing.
  assertErr(await c.ana.request({ type: 'channel.decide', channel: ch.id, user: u.bo.id, approve: false }), 'not_found', 'decide twice');
  // And a join now is idempotent.
  const j2 = await c.bo.request({ type: 'channel.join', channel: ch.id });
  assert.equal(j2.type, 'channel', show(j2));
  assert.equal(j2.channel.role, 'member');
});

test('decline: request.decided approved:false, no join, and a retry is refused with forbidden + retry_after_ms', async () => {
  const ch = await caucus();
  assert.equal((await c.cy.request({ type: 'channel.join', channel: ch.id, note: 'pls' })).type, 'pending');
  const from = Object.fromEntries(Object.keys(c).map((n) => [n, c[n].frames.length]));
  const r = await c.ana.request({ type: 'channel.decide', channel: ch.id, user: u.cy.id, approve: false });
  assert.equal(r.type, 'ok', show(r));
  const dec = await c.cy.next((f) => f.type === 'request.decided' && f.channel === ch.id, { from: from.cy });
  assert.equal(dec.approved, false, show(dec));
  if (dec.channel_info) {
    assert.equal(dec.channel_info.role, null, `declined requester's channel_info: ${show(dec.channel_info)}`);
    assert.equal(dec.channel_info.last_seq, 0, `declined requester's channel_info: ${show(dec.channel_info)}`);
  } else {
    assert.fail(`declined requester's request.decided lacks channel_info: ${show(dec)}`);
  }
  const d2 = await c.mo.next((f) => f.type === 'request.decided' && f.channel === ch.id, { from: from.mo });
  assert.equal(d2.approved, false);
  assert.equal(d2.user.id, u.cy.id);
  const marker = await sendMsg(c.ana, ch.id, 'after decline');
  await c.di.next((f) => f.seq === marker.id, { from: from.di });
  assert.deepEqual(c.di.frames.slice(from.di).filter(isEv(ch.id, 'join')), [], 'a declined request produced a join');
  await barrier(c.cy);
  assert.deepEqual(c.cy.frames.slice(from.cy).filter((f) => f.type === 'event' && f.channel === ch.id), []);
  const retry = await c.cy.request({ type: 'channel.join', channel: ch.id, note: 'again?', req: 'rt' });
  assertErr(retry, 'forbidden', 'retry inside the cool-down');
  assert.equal(retry.req, 'rt');
  assert.equal(typeof retry.retry_after_ms, 'number', `retry_after_ms missing: ${show(retry)}`);
  assert.ok(retry.retry_after_ms > 3600 * 1000 && retry.retry_after_ms <= 86400 * 1000, `default cool-down is a day: ${show(retry)}`);
  const q = await c.ana.request({ type: 'channel.requests', channel: ch.id });
  assert.deepEqual(q.requests, [], 'the refused retry filed nothing');
  const l = (await c.cy.request({ type: 'channel.list' })).channels.find((x) => x.id === ch.id);
  assert.equal(l.pending, false, show(l));
  assert.equal(l.role, null);
});

test('a member promoted to moderator can list and decide requests at once', async () => {
  const ch = await caucus();
  const from = c.di.frames.length;
  const rr = await c.ana.request({ type: 'channel.role', channel: ch.id, user: u.di.id, role: 'moderator' });
  assert.equal(rr.type, 'ok', show(rr));
  const ev = await c.di.next(isEv(ch.id, 'role', (f) => f.user?.id === u.di.id), { from });
  assert.equal(ev.role, 'moderator');
  const fromDi = c.di.frames.length;
  assert.equal((await c.bo.request({ type: 'channel.join', channel: ch.id, note: 'for di' })).type, 'pending');
  const live = await c.di.next((f) => f.type === 'request' && f.channel === ch.id, { from: fromDi });
  assert.equal(live.request.user.id, u.bo.id);
  const q = await c.di.request({ type: 'channel.requests', channel: ch.id });
  assert.equal(q.type, 'requests', show(q));
  const r = await c.di.request({ type: 'channel.decide', channel: ch.id, user: u.bo.id, approve: true });
  assert.equal(r.type, 'ok', show(r));
  const j = await c.bo.next(isEv(ch.id, 'join', (f) => f.user?.id === u.bo.id));
  assert.equal(j.by?.id, u.di.id, show(j));
  // Demoted again, di can no longer decide.
  assert.equal((await c.ana.request({ type: 'channel.role', channel: ch.id, user: u.di.id, role: 'member' })).type, 'ok');
  assert.equal((await c.cy.request({ type: 'channel.join', channel: ch.id })).type, 'pending');
  assertErr(await c.di.request({ type: 'channel.decide', channel: ch.id, user: u.cy.id, approve: true }), 'forbidden', 'demoted moderator decides');
  assertErr(await c.di.request({ type: 'channel.requests', channel: ch.id }), 'forbidden', 'demoted moderator lists requests');
  // A demoted moderator no longer hears of new requests, nor does a removed one.
  assert.equal((await c.ana.request({ type: 'channel.remove', channel: ch.id, user: u.mo.id })).type, 'ok');
  const f3 = { di: c.di.frames.length, mo: c.mo.frames.length, ana: c.ana.frames.length };
  const fresh = await connect(server, (await server.user(uid('req').toLowerCase().slice(0, 16))).token);
  fresh.ws.on('error', () => {});
  assert.equal((await fresh.request({ type: 'channel.join', channel: ch.id, note: 'secret note' })).type, 'pending');
  fresh.ws.terminate();
  await c.ana.next((f) => f.type === 'request' && f.channel === ch.id && f.request?.note === 'secret note', { from: f3.ana });
  await barrier(c.di);
  await barrier(c.mo);
  assert.deepEqual(c.di.frames.slice(f3.di).filter((f) => f.type === 'request'), [], 'a demoted moderator got a join request');
  assert.deepEqual(c.mo.frames.slice(f3.mo).filter((f) => f.type === 'request'), [], 'a removed moderator got a join request');
});

test('a moderator who was offline finds the pending request on return (welcome pending_requests, channel.requests)', async () => {
  const ch = await caucus();
  const seq = c.mo.frames.filter((f) => f.seq).reduce((a, f) => Math.max(a, f.seq), 0);
  c.mo.ws.terminate();
  assert.equal((await c.bo.request({ type: 'channel.join', channel: ch.id, note: 'while you were out' })).type, 'pending');
  c.mo = await connect(server, u.mo.token, { since: seq });
  c.mo.ws.on('error', () => {});
  const entry = c.mo.welcome.channels.find((x) => x.id === ch.id);
  assert.equal(entry.role, 'moderator');
  assert.equal(entry.pending_requests, 1, `welcome channel object: ${show(entry)}`);
  const q = await c.mo.request({ type: 'channel.requests', channel: ch.id });
  assert.deepEqual(q.requests.map((x) => [x.user.id, x.note]), [[u.bo.id, 'while you were out']]);
  assert.equal((await c.mo.request({ type: 'channel.decide', channel: ch.id, user: u.bo.id, approve: true })).type, 'ok');
});

test('a note longer than 500 characters is refused; 500 is fine', async () => {
  const ch = await caucus();
  const long = await c.bo.request({ type: 'channel.join', channel: ch.id, note: 'n'.repeat(501) });
  assert.equal(long.type, 'error', show(long));
  assert.ok(['bad_request', 'too_large'].includes(long.code), show(long));
  const ok = await c.bo.request({ type: 'channel.join', channel: ch.id, note: '\u00e9'.repeat(500) });
  assert.equal(ok.type, 'pending', show(ok));
});

test('--request-cooldown 1: a declined requester may file again once the cool-down has passed', async () => {
  const s2 = await startServer({ args: ['--request-cooldown', '1'] });
  const k = {};
  try {
    const v = {};
    for (const n of ['ana', 'bo']) {
      v[n] = await s2.user(n);
      k[n] = await connect(s2, v[n].token);
      k[n].ws.on('error', () => {});
    }
    const ch = (await k.ana.request({ type: 'channel.create', name: 'cool', kind: 'caucus' })).channel;
    assert.equal((await k.bo.request({ type: 'channel.join', channel: ch.id, note: 'one' })).type, 'pending');
    assert.equal((await k.ana.request({ type: 'channel.decide', channel: ch.id, user: v.bo.id, approve: false })).type, 'ok');
    const refused = await k.bo.request({ type: 'channel.join', channel: ch.id, note: 'two' });
    assertErr(refused, 'forbidden', 'retry at once');
    assert.ok(refused.retry_after_ms > 0 && refused.retry_after_ms <= 1000, show(refused));
    // Waiting out the cool-down is the setup, not the assertion.
    await new Promise((r) => setTimeout(r, refused.retry_after_ms + 250));
    const from = k.ana.frames.length;
    const p = await k.bo.request({ type: 'channel.join', channel: ch.id, note: 'three' });
    assert.equal(p.type, 'pending', `retry after the cool-down: ${show(p)}`);
    const live = await k.ana.next((f) => f.type === 'request' && f.channel === ch.id, { from });
    assert.equal(live.request.note, 'three');
    assert.equal((await k.ana.request({ type: 'channel.decide', channel: ch.id, user: v.bo.id, approve: true })).type, 'ok');
    await k.bo.next(isEv(ch.id, 'join', (f) => f.user?.id === v.bo.id));
  } finally {
    for (const x of Object.values(k)) x.ws.terminate();
    await stopWithin(s2);
  }
});

test('every socket of the requester gets request.decided and joined', async () => {
  const ch = await caucus();
  const second = await connect(server, u.cy.token);
  second.ws.on('error', () => {});
  try {
    const from = { cy: c.cy.frames.length, c2: second.frames.length };
    assert.equal((await second.request({ type: 'channel.join', channel: ch.id, note: 'from my phone' })).type, 'pending');
    assert.equal((await c.ana.request({ type: 'channel.decide', channel: ch.id, user: u.cy.id, approve: true })).type, 'ok');
    for (const [k, f] of [[c.cy, from.cy], [second, from.c2]]) {
      const d = await k.next((x) => x.type === 'request.decided' && x.channel === ch.id, { from: f });
      assert.equal(d.approved, true);
      assert.equal(d.channel_info?.role, 'member', show(d));
      await k.next((x) => x.type === 'joined' && x.channel?.id === ch.id, { from: f });
      await k.next(isEv(ch.id, 'join', (x) => x.user?.id === u.cy.id), { from: f });
    }
  } finally {
    second.ws.terminate();
  }
});

test('two moderators deciding the same request at once: one ok, the other not_found, exactly one join', async () => {
  const ch = await caucus();
  assert.equal((await c.bo.request({ type: 'channel.join', channel: ch.id })).type, 'pending');
  const from = c.di.frames.length;
  const [a, b] = await Promise.all([
    c.ana.request({ type: 'channel.decide', channel: ch.id, user: u.bo.id, approve: true }),
    c.mo.request({ type: 'channel.decide', channel: ch.id, user: u.bo.id, approve: false }),
  ]);
  const types = [a, b].map((r) => (r.type === 'ok' ? 'ok' : r.code)).sort();
  assert.deepEqual(types, ['not_found', 'ok'], `${show(a)} ${show(b)}`);
  const marker = await sendMsg(c.ana, ch.id, 'after the race');
  await c.di.next((f) => f.seq === marker.id, { from });
  const joins = c.di.frames.slice(from).filter(isEv(ch.id, 'join', (f) => f.user?.id === u.bo.id));
  assert.equal(joins.length, a.type === 'ok' ? 1 : 0, show(joins));
  const mem = await c.ana.request({ type: 'channel.members', channel: ch.id });
  assert.equal(Boolean(mem.members.find((x) => x.id === u.bo.id)), a.type === 'ok');
});

test('a requester who was offline when approved finds the channel and its events on resume', async () => {
  const ch = await caucus();
  assert.equal((await c.bo.request({ type: 'channel.join', channel: ch.id, note: 'back soon' })).type, 'pending');
  const since = c.bo.frames.filter((f) => f.seq).reduce((m, f) => Math.max(m, f.seq), c.bo.synced.seq);
  c.bo.ws.terminate();
  await c.bo.closed;
  const before = await sendMsg(c.ana, ch.id, 'before approval');
  assert.equal((await c.mo.request({ type: 'channel.decide', channel: ch.id, user: u.bo.id, approve: true })).type, 'ok');
  const afterMsg = await sendMsg(c.ana, ch.id, 'after approval');
  c.bo = await connect(server, u.bo.token, { since });
  c.bo.ws.on('error', () => {});
  const entry = c.bo.welcome.channels.find((x) => x.id === ch.id);
  assert.ok(entry, 'approved channel missing from welcome.channels');
  assert.equal(entry.role, 'member');
  const evs = c.bo.frames.filter((f) => f.type === 'event' && f.channel === ch.id);
  const join = evs.find((f) => f.kind === 'join' && f.user?.id === u.bo.id);
  assert.ok(join, `replay lacks bo's join: ${show(evs.map((f) => [f.seq, f.kind]))}`);
  assert.equal(join.by?.id, u.mo.id, show(join));
  assert.ok(evs.some((f) => f.seq === afterMsg.id), 'replay lacks the message after the join');
  // Live, an approved requester gets "the channel's events from then on";
  // resume must deliver exactly what the live socket would have had, and a
  // non-member never receives a request channel's events.
  assert.ok(evs.every((f) => f.seq >= join.seq), `replay gave bo events from before its join (join seq ${join.seq}): ${show(evs.filter((f) => f.seq < join.seq).map((f) => [f.seq, f.kind]))}`);
  // History, which bo may now read, has the earlier message.
  const h = await c.bo.request({ type: 'history', channel: ch.id });
  assert.ok(h.messages.some((m) => m.id === before.id));
});
