// A connection's send queue is bounded in bytes, not only in frames: the
// requests of a client that asks for more than it reads wait (and one that
// goes on asking is closed), a history page of large messages is cut to fit,
// and a member who stops reading while others talk is dropped with 1008 once
// its queue passes send_queue_bytes. (Security
// review, finding 1: 60 history pages of escaped control characters on a
// socket that never read took the server from 17 MB to 299 MB.)
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import { NO_RATE_LIMIT, makeChannel, uid, metric, stopWithin, show, barrier } from './support.js';

const CAP = 8 << 20; // send_queue_bytes' default, 8 MiB
const HEAVY = '\u0001'.repeat(4000); // 4,000 characters, 24,000 bytes once escaped

let server, ana, bo, chan;

before(async () => {
  server = await startServer({ args: NO_RATE_LIMIT });
  ana = await connect(server, (await server.user('ana')).token);
  bo = await connect(server, (await server.user('bo')).token);
  chan = await makeChannel(ana, [bo]);
  // 200 messages of 24 KB each on the wire: one full page would be 4.8 MB.
  for (let i = 0; i < 4; i++) await sendHeavy(50);
});
after(async () => {
  ana?.ws.terminate(); bo?.ws.terminate();
  await stopWithin(server);
});

// Sends n heavy messages from ana at once and checks every one was acked.
async function sendHeavy(n) {
  const acks = await Promise.all(Array.from({ length: n }, () =>
    ana.request({ type: 'send', channel: chan.id, body: HEAVY, client_id: uid('h') }, { timeout: 30000 })));
  const bad = acks.find((a) => a.type !== 'ack');
  assert.ok(!bad, String(show(bad)).slice(0, 300));
}

test('a history page of large messages is cut to fit, newest kept, with more: true', async () => {
  const r = await bo.request({ type: 'history', channel: chan.id, limit: 200 });
  assert.equal(r.type, 'history', show(r).slice(0, 200));
  const bytes = Buffer.byteLength(JSON.stringify(r));
  assert.ok(r.messages.length > 0 && r.messages.length < 200, `${r.messages.length} messages`);
  assert.ok(bytes <= 600 * 1024, `${bytes} bytes`);
  assert.equal(r.more, true);
  // The newest of the channel is on it; paging back from its oldest continues.
  const latest = await bo.request({ type: 'history', channel: chan.id, limit: 1 });
  assert.equal(r.messages.at(-1).id, latest.messages[0].id);
  const older = await bo.request({ type: 'history', channel: chan.id, limit: 200, before: r.messages[0].id });
  assert.ok(older.messages.length > 0 && older.messages.at(-1).id < r.messages[0].id);
  // An `after` page keeps the oldest after the anchor instead.
  const fwd = await bo.request({ type: 'history', channel: chan.id, limit: 200, after: 0 });
  assert.equal(fwd.more, true);
  assert.ok(fwd.messages.length < 200);
  const first = await bo.request({ type: 'history', channel: chan.id, limit: 1, after: 0 });
  assert.equal(fwd.messages[0].id, first.messages[0].id);
});

// A reader of the channel that has stopped reading its socket.
async function stalledReader(name) {
  const k = await connect(server, (await server.user(uid(name))).token);
  k.ws.on('error', () => {});
  await ana.request({ type: 'channel.invite', channel: chan.id, user: k.welcome.user.id });
  await k.request({ type: 'channel.join', channel: chan.id });
  k.ws._socket.pause(); // the kernel's buffers fill, then the server's queue
  return k;
}

async function waitMetric(name, pred) {
  let v;
  for (let t = 0; t < 100; t++) {
    if (pred((v = await metric(server, name)))) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  return v;
}

test('requests from a client that does not read wait until it has read, then are answered in order', async () => {
  const held0 = await metric(server, 'weft_connections_held');
  const k = await stalledReader('cy');
  for (let i = 0; i < 20; i++) k.send({ type: 'history', channel: chan.id, limit: 200, req: `h${i}` });
  assert.equal(await waitMetric('weft_connections_held', (v) => v > held0), held0 + 1, 'its requests are held');
  const queued = await metric(server, 'weft_send_queue_bytes');
  assert.ok(queued <= CAP, `${queued} bytes queued`);
  await barrier(ana); // everyone else is served as before
  k.ws._socket.resume();
  const last = await k.next((f) => f.req === 'h19', { timeout: 30000 });
  assert.equal(last.type, 'history');
  const reqs = k.frames.filter((f) => f.type === 'history').map((f) => f.req);
  assert.deepEqual(reqs, Array.from({ length: 20 }, (_, i) => `h${i}`));
  assert.equal(await metric(server, 'weft_connections_held'), held0);
  assert.equal((await k.request({ type: 'ping' })).type, 'pong');
  k.ws.terminate();
});

test('a client that goes on asking without reading is closed, and the server holds little', async () => {
  const drops0 = await metric(server, 'weft_slow_drops_total');
  const conns0 = await metric(server, 'weft_connections');
  const k = await stalledReader('dee');
  // The review's attack: 60 pages of 4.8 MB each, on a socket that never reads.
  for (let i = 0; i < 60; i++) k.send({ type: 'history', channel: chan.id, limit: 200, req: `h${i}` });
  assert.equal(await waitMetric('weft_slow_drops_total', (v) => v > drops0), drops0 + 1);
  assert.equal(await waitMetric('weft_connections', (v) => v === conns0), conns0);
  assert.ok(await metric(server, 'weft_send_queue_bytes') <= CAP);
  k.ws.terminate();
});

test('a member who stops reading while others talk is dropped once send_queue_bytes are queued', async () => {
  const drops0 = await metric(server, 'weft_slow_drops_total');
  const conns0 = await metric(server, 'weft_connections');
  const k = await stalledReader('di');
  // Up to 3,000 events of 24 KB (72 MB): past the kernel's buffers and the
  // 8 MiB cap, yet fewer than send_queue's 4,096 frames.
  for (let round = 0; round < 30; round++) {
    await sendHeavy(100);
    if (await metric(server, 'weft_slow_drops_total') > drops0) break;
  }
  assert.equal(await metric(server, 'weft_slow_drops_total'), drops0 + 1);
  assert.equal(await waitMetric('weft_connections', (v) => v === conns0), conns0);
  assert.ok(await metric(server, 'weft_send_queue_bytes') <= 2 * CAP);
  k.ws.terminate();
});
