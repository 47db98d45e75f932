// Live sessions (docs/PROTOCOL.md "Live sessions"): who starts and ends
// them, one per channel, the hand-raise queue (ephemeral, across
// reconnects, in welcome for a late joiner), the floor and floor mode, a
// timed floor, check-in rounds, and confidential sessions: replayed to
// members who were there, never to later joiners, never searched, and
// erased from the database file and its WAL when the session ends (also
// after a kill -9 and restart).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, connect, WEFTD } from '../lib/harness.js';
import { uid, sendMsg, makeChannel, stopWithin, NO_RATE_LIMIT, show, isEv, assertErr, barrier } from './support.js';

let server;
const u = {};
const c = {};

before(async () => {
  server = await startServer({ args: NO_RATE_LIMIT });
  for (const n of ['ana', 'bo', 'cy', 'dee', 'eve']) {
    u[n] = await server.user(n);
    c[n] = await connect(server, u[n].token);
  }
});
after(async () => {
  for (const x of Object.values(c)) x.ws.terminate();
  await stopWithin(server);
  assert.doesNotMatch(server.log, /Sanitizer|runtime error/, 'the server ran clean');
});

// A channel ana owns with bo and cy in it (bo a moderator when asked).
async function room({ modBo = false } = {}) {
  const ch = await makeChannel(c.ana, [c.bo, c.cy]);
  if (modBo) assert.equal((await c.ana.request({ type: 'channel.role', channel: ch.id, user: u.bo.id, role: 'moderator' })).type, 'ok');
  return ch;
}

async function start(ch, extra = {}) {
  const r = await c.ana.request({ type: 'session.start', channel: ch.id, title: 'Caucus check-in', ...extra });
  assert.equal(r.type, 'ok', show(r));
  return r.session;
}

const queueOf = (ch, pred = () => true) => (f) => f.type === 'queue' && f.channel === ch && pred(f);
const ids = (q) => q.map((x) => x.id);

// The bytes of the database file and of its WAL (when there is one).
function dbBytes(dir) {
  const out = [];
  for (const f of ['weft.db', 'weft.db-wal']) {
    const p = path.join(dir, f);
    if (fs.existsSync(p)) out.push([f, fs.readFileSync(p)]);
  }
  return out;
}
function onDisk(dir, marker) {
  return dbBytes(dir).filter(([, b]) => b.includes(Buffer.from(marker))).map(([f]) => f);
}
// The WAL is checkpointed and truncated once the writer is idle after the
// erasure; wait for that state (bounded), then assert on the bytes.
async function gone(dir, marker) {
  for (let i = 0; i < 200 && onDisk(dir, marker).length; i++) await new Promise((r) => setTimeout(r, 50));
  return onDisk(dir, marker);
}

test('only moderators start and end a session; one at a time; channel objects carry it', async () => {
  const ch = await room({ modBo: true });
  assertErr(await c.cy.request({ type: 'session.start', channel: ch.id, title: 'x' }), 'forbidden', 'a member');
  assertErr(await c.ana.request({ type: 'session.start', channel: ch.id }), 'bad_request', 'no title');
  assertErr(await c.ana.request({ type: 'session.start', channel: ch.id, title: 'x', mode: 'stage' }), 'bad_request', 'mode');
  assertErr(await c.ana.request({ type: 'session.end', channel: ch.id }), 'not_found', 'none live');
  const from = c.cy.frames.length;
  const id = await start(ch, { mode: 'floor' });
  const ev = await c.cy.next(isEv(ch.id, 'session'), { from });
  assert.equal(ev.session.id, id);
  assert.equal(ev.session.state, 'live');
  assert.equal(ev.session.mode, 'floor');
  assert.equal(ev.session.confidential, false);
  assert.equal(ev.session.facilitator.id, u.ana.id);
  assertErr(await c.bo.request({ type: 'session.start', channel: ch.id, title: 'second' }), 'conflict', 'a second session');
  const list = await c.cy.request({ type: 'channel.list' });
  const mine = list.channels.find((x) => x.id === ch.id);
  assert.equal(mine.session.id, id, show(mine));
  assert.deepEqual(mine.queue, []);
  assert.equal(mine.floor, null);
  assertErr(await c.cy.request({ type: 'session.end', channel: ch.id }), 'forbidden', 'a member ends');
  assert.equal((await c.bo.request({ type: 'session.end', channel: ch.id })).type, 'ok', 'a peer moderator ends it');
  const end = await c.cy.next(isEv(ch.id, 'session', (f) => f.session.state === 'ended'), { from });
  assert.equal(end.session.id, id);
  assert.ok(end.session.ended);
  const again = (await c.cy.request({ type: 'channel.list' })).channels.find((x) => x.id === ch.id);
  assert.equal(again.session, null);
  assert.equal(again.queue, undefined);
});

test('the queue: raise order, survives the raiser reconnecting, reaches a late joiner in welcome', async () => {
  const ch = await room();
  await start(ch);
  let from = c.ana.frames.length;
  assert.equal((await c.cy.request({ type: 'hand.raise', channel: ch.id })).type, 'ok');
  let q = await c.ana.next(queueOf(ch.id, (f) => f.queue.length === 1), { from });
  assert.deepEqual(ids(q.queue), [u.cy.id]);
  assert.equal((await c.bo.request({ type: 'hand.raise', channel: ch.id })).type, 'ok');
  assert.equal((await c.cy.request({ type: 'hand.raise', channel: ch.id })).type, 'ok', 'raising twice is ok');
  q = await c.ana.next(queueOf(ch.id, (f) => f.queue.length === 2), { from });
  assert.deepEqual(ids(q.queue), [u.cy.id, u.bo.id], 'raise order');
  // cy reconnects: the hand stays up, and the new socket's welcome says so.
  c.cy.ws.terminate();
  c.cy = await connect(server, u.cy.token);
  let mine = c.cy.welcome.channels.find((x) => x.id === ch.id);
  assert.deepEqual(ids(mine.queue), [u.cy.id, u.bo.id], show(mine));
  // dee joins now: the welcome of dee's next connection carries the queue.
  assert.equal((await c.dee.request({ type: 'channel.join', channel: ch.id })).type, 'channel');
  const dee2 = await connect(server, u.dee.token);
  mine = dee2.welcome.channels.find((x) => x.id === ch.id);
  assert.equal(mine.session.title, 'Caucus check-in');
  assert.deepEqual(ids(mine.queue), [u.cy.id, u.bo.id]);
  dee2.ws.terminate();
  // Lowering: one's own hand; someone else's only as a moderator.
  from = c.ana.frames.length;
  assertErr(await c.bo.request({ type: 'hand.lower', channel: ch.id, user: u.cy.id }), 'forbidden', 'lower another');
  assert.equal((await c.bo.request({ type: 'hand.lower', channel: ch.id })).type, 'ok');
  q = await c.ana.next(queueOf(ch.id, (f) => f.queue.length === 1), { from });
  assert.deepEqual(ids(q.queue), [u.cy.id]);
  assert.equal((await c.ana.request({ type: 'hand.lower', channel: ch.id, user: u.cy.id })).type, 'ok');
  await c.ana.next(queueOf(ch.id, (f) => f.queue.length === 0), { from });
  // Ending the session clears the queue and floor.
  assert.equal((await c.cy.request({ type: 'hand.raise', channel: ch.id })).type, 'ok');
  assert.equal((await c.ana.request({ type: 'session.end', channel: ch.id })).type, 'ok');
  assertErr(await c.cy.request({ type: 'hand.raise', channel: ch.id }), 'not_found', 'no session');
  const fresh = await connect(server, u.cy.token);
  assert.equal(fresh.welcome.channels.find((x) => x.id === ch.id).queue, undefined);
  fresh.ws.terminate();
});

test('floor mode: only moderators and the floor holder send; the floor comes from the queue', async () => {
  const ch = await room();
  await start(ch, { mode: 'floor' });
  const refused = await c.bo.request({ type: 'send', channel: ch.id, body: 'may I?', client_id: uid('c') });
  assertErr(refused, 'forbidden', 'no floor');
  assert.match(refused.message, /floor/);
  await sendMsg(c.ana, ch.id, 'welcome, everyone');
  assert.equal((await c.bo.request({ type: 'hand.raise', channel: ch.id })).type, 'ok');
  assert.equal((await c.cy.request({ type: 'hand.raise', channel: ch.id })).type, 'ok');
  const from = c.cy.frames.length;
  assertErr(await c.cy.request({ type: 'floor.give', channel: ch.id, user: u.bo.id }), 'forbidden', 'a member gives');
  assertErr(await c.ana.request({ type: 'floor.give', channel: ch.id, user: u.eve.id }), 'not_found', 'not a member');
  assert.equal((await c.ana.request({ type: 'floor.give', channel: ch.id, user: u.bo.id })).type, 'ok');
  const q = await c.cy.next(queueOf(ch.id, (f) => f.floor), { from });
  assert.equal(q.floor.user.id, u.bo.id);
  assert.equal(q.floor.until, null);
  assert.deepEqual(ids(q.queue), [u.cy.id], 'the floor holder leaves the queue');
  await sendMsg(c.bo, ch.id, 'thank you; my point is…');
  const other = await c.cy.request({ type: 'send', channel: ch.id, body: 'me too', client_id: uid('c') });
  assertErr(other, 'forbidden', 'the other participant');
  assert.match(other.message, /bo has the floor/);
  // Next: the floor moves to the head of the queue.
  assert.equal((await c.ana.request({ type: 'floor.next', channel: ch.id })).type, 'ok');
  await c.cy.next(queueOf(ch.id, (f) => f.floor?.user.id === u.cy.id && f.queue.length === 0), { from });
  await sendMsg(c.cy, ch.id, 'now me');
  assertErr(await c.bo.request({ type: 'send', channel: ch.id, body: 'again', client_id: uid('c') }), 'forbidden', 'no longer');
  assert.equal((await c.ana.request({ type: 'floor.clear', channel: ch.id })).type, 'ok');
  await c.cy.next(queueOf(ch.id, (f) => f.floor === null), { from: c.cy.frames.length - 1 });
  assertErr(await c.cy.request({ type: 'send', channel: ch.id, body: 'still?', client_id: uid('c') }), 'forbidden', 'cleared');
  assert.equal((await c.ana.request({ type: 'session.end', channel: ch.id })).type, 'ok');
  await sendMsg(c.cy, ch.id, 'the session is over: anyone may write');
});

test('a timed floor clears by itself', async () => {
  const ch = await room();
  await start(ch, { mode: 'floor' });
  assertErr(await c.ana.request({ type: 'floor.give', channel: ch.id, user: u.bo.id, seconds: 3601 }), 'bad_request', 'too long');
  const from = c.cy.frames.length;
  assert.equal((await c.ana.request({ type: 'floor.give', channel: ch.id, user: u.bo.id, seconds: 1 })).type, 'ok');
  const given = await c.cy.next(queueOf(ch.id, (f) => f.floor), { from });
  assert.ok(Date.parse(given.floor.until) > Date.now() - 5000, show(given));
  // No request from anyone: the server's timer clears it.
  const cleared = await c.cy.next(queueOf(ch.id, (f) => f.floor === null), { from, timeout: 10000 });
  assert.deepEqual(cleared.queue, []);
  assertErr(await c.bo.request({ type: 'send', channel: ch.id, body: 'late', client_id: uid('c') }), 'forbidden', 'after the timer');
  assert.equal((await c.ana.request({ type: 'session.end', channel: ch.id })).type, 'ok');
});

test('session.round puts every online member in the queue (alphabetical), and floor.next walks it', async () => {
  const ch = await room();
  await start(ch, { mode: 'floor' });
  assertErr(await c.bo.request({ type: 'session.round', channel: ch.id }), 'forbidden', 'a member');
  assertErr(await c.ana.request({ type: 'session.round', channel: ch.id, order: 'age' }), 'bad_request', 'order');
  const from = c.cy.frames.length;
  assert.equal((await c.ana.request({ type: 'session.round', channel: ch.id, order: 'alpha' })).type, 'ok');
  const q = await c.cy.next(queueOf(ch.id, (f) => f.queue.length === 3), { from });
  assert.deepEqual(q.queue.map((x) => x.name), ['ana', 'bo', 'cy']);
  assert.equal((await c.ana.request({ type: 'floor.next', channel: ch.id, seconds: 60 })).type, 'ok');
  const n1 = await c.cy.next(queueOf(ch.id, (f) => f.floor?.user.name === 'ana'), { from });
  assert.deepEqual(n1.queue.map((x) => x.name), ['bo', 'cy']);
  assert.ok(n1.floor.until);
  assert.equal((await c.ana.request({ type: 'floor.next', channel: ch.id })).type, 'ok');
  await c.cy.next(queueOf(ch.id, (f) => f.floor?.user.name === 'bo'), { from });
  assert.equal((await c.ana.request({ type: 'session.round', channel: ch.id })).type, 'ok', 'random order');
  const r = await c.cy.next(queueOf(ch.id, (f) => f.queue.length === 3 && f !== q), { from: c.cy.frames.length - 1 });
  assert.deepEqual(r.queue.map((x) => x.name).sort(), ['ana', 'bo', 'cy']);
  assert.equal((await c.ana.request({ type: 'session.end', channel: ch.id })).type, 'ok');
});

test('confidential: replayed to members present, never to later joiners nor searched; erased from the database and WAL at the end', async () => {
  const ch = await room();
  const marker = `CONF${crypto.randomBytes(10).toString('hex')}`;
  const keep = `KEEP${crypto.randomBytes(10).toString('hex')}`;
  const kept = await sendMsg(c.ana, ch.id, `before the session ${keep}`);
  const from = c.cy.frames.length;
  const id = await start(ch, { confidential: true });
  const m = await sendMsg(c.bo, ch.id, `what is said here ${marker}`);
  const live = await c.cy.next(isEv(ch.id, 'message', (f) => f.message.id === m.id), { from });
  assert.equal(live.message.confidential, true);
  assert.ok(live.message.body.includes(marker));
  // Present: history and a replay from before the session show it.
  let h = await c.cy.request({ type: 'history', channel: ch.id });
  assert.ok(h.messages.some((x) => x.id === m.id && x.confidential), show(h));
  const back = await connect(server, u.cy.token, { since: live.seq - 1 });
  assert.ok(back.frames.some((f) => f.type === 'event' && f.message?.id === m.id), 'replayed to a member present');
  back.ws.terminate();
  // Never exported (weftd export reads the live database).
  const x = spawnSync(WEFTD, ['export', '--data', server.dataDir, '--channel', ch.name], { encoding: 'utf8', timeout: 30000 });
  assert.equal(x.status, 0, x.stderr);
  assert.ok(x.stdout.includes(keep), 'the export has the channel’s other messages');
  assert.ok(!x.stdout.includes(marker), 'never exported');
  // Never searched, not even by its author.
  const s = await c.bo.request({ type: 'search', q: marker.toLowerCase() });
  assert.equal(s.type, 'results', show(s));
  assert.deepEqual(s.messages, []);
  // dee joins mid-session: sees from the join on, but never the earlier
  // confidential message, in history or replay.
  assert.equal((await c.dee.request({ type: 'channel.join', channel: ch.id })).type, 'channel');
  h = await c.dee.request({ type: 'history', channel: ch.id });
  assert.ok(!JSON.stringify(h).includes(marker), 'history to a later joiner');
  assert.ok(JSON.stringify(h).includes(keep), 'the channel’s ordinary history is there');
  // Nor among the pins, when a facilitator pinned it.
  assert.equal((await c.ana.request({ type: 'pin', channel: ch.id, id: m.id })).type, 'ok');
  assert.ok((await c.cy.request({ type: 'channel.pins', channel: ch.id })).messages.some((x) => x.id === m.id));
  assert.deepEqual((await c.dee.request({ type: 'channel.pins', channel: ch.id })).messages, []);
  // A page that would hold only what dee may not see moves on past it.
  const one = await c.dee.request({ type: 'history', channel: ch.id, limit: 1 });
  assert.deepEqual(one.messages.map((x) => x.id), [kept.id], show(one));
  const dee2 = await connect(server, u.dee.token, { since: 0 });
  assert.ok(!JSON.stringify(dee2.frames).includes(marker), 'replay to a later joiner');
  dee2.ws.terminate();
  assert.ok(onDisk(server.dataDir, marker).length > 0, 'on disk while live (so the check below can fail)');
  // The end erases: delete events for everyone, and the count on the session event.
  assert.equal((await c.ana.request({ type: 'session.end', channel: ch.id })).type, 'ok');
  await c.cy.next(isEv(ch.id, 'delete', (f) => f.id === m.id), { from });
  const end = await c.cy.next(isEv(ch.id, 'session', (f) => f.session.state === 'ended'), { from });
  assert.equal(end.session.id, id);
  assert.equal(end.session.erased, 1);
  h = await c.cy.request({ type: 'history', channel: ch.id });
  assert.ok(!h.messages.some((x) => x.id === m.id), 'gone from history');
  assert.deepEqual(await gone(server.dataDir, marker), [], 'the body is in neither weft.db nor weft.db-wal');
  assert.ok(onDisk(server.dataDir, keep).length > 0, 'other messages stay');
  assert.doesNotMatch(server.log, new RegExp(marker), 'never logged');
});

test('kill -9 during a confidential session: the restart erases its messages', async () => {
  const dir = server.dataDir;
  const ch = await room();
  const marker = `CRASH${crypto.randomBytes(10).toString('hex')}`;
  await start(ch, { confidential: true });
  const m = await sendMsg(c.cy, ch.id, `confided ${marker}`);
  assert.ok(onDisk(dir, marker).length > 0);
  for (const x of Object.values(c)) x.ws.terminate();
  await server.kill9();
  await server.start();
  for (const n of Object.keys(u)) c[n] = await connect(server, u[n].token);
  const mine = c.cy.welcome.channels.find((x) => x.id === ch.id);
  assert.equal(mine.session, null, 'the session ended at start');
  const h = await c.cy.request({ type: 'history', channel: ch.id });
  assert.ok(!h.messages.some((x) => x.id === m.id), show(h));
  assert.deepEqual(await gone(dir, marker), [], 'erased from weft.db and weft.db-wal');
  await barrier(c.cy);
});
