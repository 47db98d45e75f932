// Session start, sending, fanout, ordering, idempotency, threads, authorization.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import { NO_RATE_LIMIT, uid, waitCount, makeChannel, sendMsg, rawConnect, stopWithin } from './support.js';

let server;
const u = {};
const c = {};
let chan; // ana (owner), bo, cy, di
let evech; // eve (owner), ana

before(async () => {
  server = await startServer({ args: NO_RATE_LIMIT });
  for (const n of ['ana', 'bo', 'cy', 'di', 'eve']) {
    u[n] = await server.user(n);
    c[n] = await connect(server, u[n].token);
  }
  chan = await makeChannel(c.ana, [c.bo, c.cy, c.di]);
  evech = await makeChannel(c.eve, [c.ana]);
});
after(async () => {
  for (const x of Object.values(c)) x.ws.terminate();
  await stopWithin(server);
});

const isMsg = (ch) => (f) => f.type === 'event' && f.kind === 'message' && f.channel === ch;

test('hello -> welcome (user, channels, seq, limits.max_body) -> synced', async () => {
  const r = await rawConnect(server, { headers: { authorization: `Bearer ${u.ana.token}` } });
  const k = r.client;
  k.send({ type: 'hello', since: 0 });
  const synced = await k.next((f) => f.type === 'synced');
  const w = k.frames[0];
  assert.equal(w.type, 'welcome', `first frame: ${JSON.stringify(w)}`);
  assert.equal(w.user.id, u.ana.id);
  assert.equal(w.user.name, 'ana');
  assert.equal(typeof w.seq, 'number');
  assert.equal(w.limits.max_body, 4000);
  assert.ok(Array.isArray(w.channels));
  const mine = w.channels.find((x) => x.id === chan.id);
  assert.ok(mine, `welcome.channels lacks ${chan.id}: ${JSON.stringify(w.channels)}`);
  assert.equal(mine.name, chan.name);
  assert.equal(mine.kind, 'cohort');
  assert.equal(mine.access, 'open');
  assert.equal(mine.role, 'owner');
  assert.equal(typeof mine.last_seq, 'number');
  assert.equal(typeof mine.unread, 'number');
  assert.ok(w.channels.find((x) => x.id === evech.id && x.role === 'member'));
  assert.equal(typeof synced.seq, 'number');
  assert.ok(synced.seq >= w.seq);
  // hello since 0 replays the channel's history of events in seq order.
  const seqs = k.frames.filter((f) => f.type === 'event').map((f) => f.seq);
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1]);
  await k.close();
});

test('send -> ack (id, ts) and the event fans out to every member including the sender', async () => {
  const from = Object.fromEntries(Object.entries(c).map(([n, x]) => [n, x.frames.length]));
  const client_id = uid('c');
  const ack = await c.ana.request({ type: 'send', channel: chan.id, body: 'hello there', client_id, req: 'send-1' });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  assert.equal(ack.req, 'send-1');
  assert.equal(ack.client_id, client_id);
  assert.equal(typeof ack.id, 'number');
  assert.ok(ack.id > 0);
  assert.match(ack.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.equal(ack.duplicate ?? false, false);
  assert.equal(ack.message, undefined, 'ack carries only id and ts, not the message');
  for (const n of ['ana', 'bo', 'cy', 'di']) {
    const ev = await c[n].next((f) => isMsg(chan.id)(f) && f.seq === ack.id, { from: from[n] });
    assert.equal(ev.seq, ack.id);
    assert.equal(ev.message.id, ack.id);
    assert.equal(ev.channel, chan.id);
    assert.equal(typeof ev.ts, 'string');
    assert.equal(ev.message.body, 'hello there');
    assert.equal(ev.message.client_id, client_id);
    assert.equal(ev.message.thread, null);
    assert.equal(ev.message.author.id, u.ana.id);
    assert.equal(ev.message.author.name, 'ana');
  }
  // eve is not a member: a later event in her channel arrives, this one never did.
  const barrier = await sendMsg(c.ana, evech.id, 'barrier');
  await c.eve.next((f) => isMsg(evech.id)(f) && f.seq === barrier.id, { from: from.eve });
  assert.ok(barrier.id > ack.id);
  assert.equal(c.eve.frames.slice(from.eve).filter((f) => f.seq === ack.id).length, 0);
});

test('two senders interleave 200 messages each; receivers see one identical strictly increasing order', async () => {
  const fromCy = c.cy.frames.length;
  const fromDi = c.di.frames.length;
  const tag = uid('il');
  const burst = (who) => {
    const ps = [];
    for (let i = 0; i < 200; i++) {
      ps.push(c[who].request({ type: 'send', channel: chan.id, body: `${tag} ${who} ${i}`, client_id: `${tag}-${who}-${i}` }, { timeout: 30000 }));
    }
    return Promise.all(ps);
  };
  const [a, b] = await Promise.all([burst('ana'), burst('bo')]);
  const acks = [...a, ...b];
  for (const k of acks) assert.equal(k.type, 'ack', JSON.stringify(k));
  const ids = new Set(acks.map((k) => k.id));
  assert.equal(ids.size, 400, 'every send got its own id');
  const mine = (f) => isMsg(chan.id)(f) && f.message.body.startsWith(tag);
  await waitCount(c.cy, mine, 400, { timeout: 30000 });
  await waitCount(c.di, mine, 400, { timeout: 30000 });
  const seqCy = c.cy.frames.slice(fromCy).filter(mine).map((f) => f.seq);
  const seqDi = c.di.frames.slice(fromDi).filter(mine).map((f) => f.seq);
  assert.equal(seqCy.length, 400);
  for (let i = 1; i < seqCy.length; i++) assert.ok(seqCy[i] > seqCy[i - 1], `order broken at ${i}: ${seqCy[i - 1]} then ${seqCy[i]}`);
  assert.deepEqual(seqDi, seqCy);
  assert.deepEqual([...seqCy].sort((x, y) => x - y), [...ids].sort((x, y) => x - y));
  // And every event's seq matches the ack of the same client_id.
  const byCid = new Map(acks.map((k) => [k.client_id, k.id]));
  for (const f of c.cy.frames.slice(fromCy).filter(mine)) assert.equal(byCid.get(f.message.client_id), f.seq);
});

test('repeated client_id returns the original ack with duplicate:true and creates nothing', async () => {
  const from = c.bo.frames.length;
  const client_id = uid('dup');
  const first = await sendMsg(c.ana, chan.id, 'once only', { client_id });
  const again = await c.ana.request({ type: 'send', channel: chan.id, body: 'once only', client_id, req: 'again' });
  assert.equal(again.type, 'ack', JSON.stringify(again));
  assert.equal(again.req, 'again');
  assert.equal(again.duplicate, true);
  assert.equal(again.id, first.id);
  assert.equal(again.ts, first.ts);
  assert.equal(again.client_id, client_id);
  // Even with a different body the original stands.
  const third = await c.ana.request({ type: 'send', channel: chan.id, body: 'changed my mind', client_id });
  assert.equal(third.type, 'ack');
  assert.equal(third.duplicate, true);
  assert.equal(third.id, first.id);
  // Another author may use the same client_id: a new message.
  const other = await sendMsg(c.bo, chan.id, 'bo too', { client_id });
  assert.notEqual(other.id, first.id);
  assert.ok(!other.duplicate);
  await c.bo.next((f) => f.seq === other.id, { from });
  const withCid = c.bo.frames.slice(from).filter((f) => isMsg(chan.id)(f) && f.message.client_id === client_id);
  assert.deepEqual(withCid.map((f) => f.seq), [first.id, other.id]);
  const h = await c.bo.request({ type: 'history', channel: chan.id, after: first.id - 1, limit: 200 });
  assert.equal(h.messages.filter((m) => m.client_id === client_id && m.author.id === u.ana.id).length, 1);
  assert.equal(h.messages.find((m) => m.id === first.id).body, 'once only');
});

test('thread field round-trips through ack, event and history', async () => {
  const from = c.bo.frames.length;
  const root = await sendMsg(c.ana, chan.id, 'thread root');
  const reply = await sendMsg(c.bo, chan.id, 'a reply', { thread: root.id });
  const ev = await c.bo.next((f) => isMsg(chan.id)(f) && f.seq === reply.id, { from });
  assert.equal(ev.message.thread, root.id);
  const h = await c.ana.request({ type: 'history', channel: chan.id, after: root.id - 1 });
  assert.equal(h.messages.find((m) => m.id === reply.id).thread, root.id);
  assert.equal(h.messages.find((m) => m.id === root.id).thread, null);
});

test('a thread naming a message of another channel -> bad_request', async () => {
  const elsewhere = await sendMsg(c.ana, evech.id, 'in eve\'s channel');
  const r = await c.ana.request({ type: 'send', channel: chan.id, body: 'cross', client_id: uid('c'), thread: elsewhere.id, req: 'xt' });
  assert.deepEqual({ type: r.type, code: r.code, req: r.req }, { type: 'error', code: 'bad_request', req: 'xt' }, JSON.stringify(r));
});

test('the sender receives its own event before its ack (documented order)', async () => {
  const from = c.ana.frames.length;
  const ack = await sendMsg(c.ana, chan.id, 'order check');
  const frames = c.ana.frames.slice(from);
  const ei = frames.findIndex((f) => f.type === 'event' && f.seq === ack.id);
  const ai = frames.findIndex((f) => f.type === 'ack' && f.id === ack.id);
  assert.ok(ei >= 0 && ei < ai, `event at ${ei}, ack at ${ai}`);
});

test('read marks a channel read; unread in welcome counts the messages after it', async () => {
  const last = await sendMsg(c.ana, chan.id, 'read up to here');
  const r = await c.di.request({ type: 'read', channel: chan.id, seq: last.id, req: 'rd' });
  assert.deepEqual({ type: r.type, req: r.req }, { type: 'ok', req: 'rd' }, JSON.stringify(r));
  const more = [];
  for (let i = 0; i < 3; i++) more.push(await sendMsg(c.ana, chan.id, `unread ${i}`));
  const k = await connect(server, u.di.token, { since: more[2].id });
  const entry = k.welcome.channels.find((x) => x.id === chan.id);
  assert.equal(entry.unread, 3);
  assert.equal(entry.last_seq, more[2].id);
  await k.close();
});

test('send by a non-member -> forbidden; to an unknown channel -> not_found', async () => {
  const from = c.ana.frames.length;
  const r = await c.eve.request({ type: 'send', channel: chan.id, body: 'let me in', client_id: uid('c'), req: 'nm' });
  assert.equal(r.type, 'error');
  assert.equal(r.code, 'forbidden');
  assert.equal(r.req, 'nm');
  const r2 = await c.ana.request({ type: 'send', channel: 987654321, body: 'void', client_id: uid('c'), req: 'nf' });
  assert.equal(r2.type, 'error');
  assert.equal(r2.code, 'not_found');
  assert.equal(r2.req, 'nf');
  // Nothing was fanned out for the refused send.
  const barrier = await sendMsg(c.bo, chan.id, 'after refusal');
  await c.ana.next((f) => f.seq === barrier.id, { from });
  assert.equal(c.ana.frames.slice(from).filter((f) => f.type === 'event' && f.message?.body === 'let me in').length, 0);
});
