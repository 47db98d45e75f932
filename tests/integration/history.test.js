// history: latest page, before/after (exclusive), limits, `more` at both
// ends, oldest-first order, edited bodies, deleted messages omitted.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import { NO_RATE_LIMIT, makeChannel, sendBurst, sendMsg, stopWithin } from './support.js';

let server, ana, bo, chan;
let ids; // message ids oldest first
const N = 250;

before(async () => {
  server = await startServer({ args: NO_RATE_LIMIT });
  ana = await connect(server, (await server.user('ana')).token);
  bo = await connect(server, (await server.user('bo')).token);
  chan = await makeChannel(ana, [bo]);
  // Interleave a second channel so ids are not contiguous.
  const other = await makeChannel(ana);
  const acks = [];
  for (let i = 0; i < N; i += 50) {
    acks.push(...await sendBurst(ana, chan.id, 50, (j) => `h${i + j}`));
    await sendMsg(ana, other.id, `elsewhere ${i}`);
  }
  ids = acks.map((a) => a.id);
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1]);
});
after(async () => {
  ana?.ws.terminate(); bo?.ws.terminate();
  await stopWithin(server);
});

async function hist(q) {
  const r = await bo.request({ type: 'history', channel: chan.id, ...q });
  assert.equal(r.type, 'history', JSON.stringify(r));
  assert.equal(r.channel, chan.id);
  assert.equal(typeof r.more, 'boolean');
  for (const m of r.messages) assert.equal(m.channel ?? chan.id, chan.id);
  return r;
}
const idsOf = (r) => r.messages.map((m) => m.id);

test('latest page: default limit 50, oldest first, more:true', async () => {
  const r = await hist({ req: 'h-latest' });
  assert.equal(r.req, 'h-latest');
  assert.deepEqual(idsOf(r), ids.slice(-50));
  assert.deepEqual(r.messages.map((m) => m.body), ids.slice(-50).map((_, i) => `h${N - 50 + i}`));
  assert.equal(r.more, true);
  const m = r.messages[0];
  assert.equal(m.author.name, 'ana');
  assert.equal(typeof m.ts, 'string');
  assert.equal(m.thread, null);
  assert.equal(m.edited, null);
  assert.equal(typeof m.client_id, 'string');
});

test('latest page with a limit; a short channel yields everything with more:false', async () => {
  const r = await hist({ limit: 200 });
  assert.deepEqual(idsOf(r), ids.slice(-200));
  assert.equal(r.more, true);
  const small = await makeChannel(ana, [bo]);
  const a = await sendBurst(ana, small.id, 3);
  const r2 = await bo.request({ type: 'history', channel: small.id });
  assert.deepEqual(r2.messages.map((m) => m.id), a.map((x) => x.id));
  assert.equal(r2.more, false);
});

test('before is exclusive; more says whether older messages exist', async () => {
  let r = await hist({ before: ids[60], limit: 50 });
  assert.deepEqual(idsOf(r), ids.slice(10, 60));
  assert.equal(r.more, true);
  r = await hist({ before: ids[10], limit: 50 });
  assert.deepEqual(idsOf(r), ids.slice(0, 10));
  assert.equal(r.more, false);
  r = await hist({ before: ids[10], limit: 10 });
  assert.deepEqual(idsOf(r), ids.slice(0, 10));
  assert.equal(r.more, false, 'exactly the oldest 10: nothing older');
  r = await hist({ before: ids[0] });
  assert.deepEqual(idsOf(r), []);
  assert.equal(r.more, false);
  r = await hist({ before: ids[11], limit: 10 });
  assert.deepEqual(idsOf(r), ids.slice(1, 11));
  assert.equal(r.more, true, 'one message older than the page');
});

test('after is exclusive; more says whether newer messages exist', async () => {
  let r = await hist({ after: ids[100], limit: 50 });
  assert.deepEqual(idsOf(r), ids.slice(101, 151));
  assert.equal(r.more, true);
  r = await hist({ after: ids[N - 11], limit: 50 });
  assert.deepEqual(idsOf(r), ids.slice(N - 10));
  assert.equal(r.more, false);
  r = await hist({ after: ids[N - 11], limit: 10 });
  assert.deepEqual(idsOf(r), ids.slice(N - 10));
  assert.equal(r.more, false, 'exactly the newest 10: nothing newer');
  r = await hist({ after: ids[N - 12], limit: 10 });
  assert.deepEqual(idsOf(r), ids.slice(N - 11, N - 1));
  assert.equal(r.more, true);
  r = await hist({ after: ids[N - 1] });
  assert.deepEqual(idsOf(r), []);
  assert.equal(r.more, false);
});

test('after:0 pages from the oldest message (it is an after, not the latest page)', async () => {
  const r = await hist({ after: 0 });
  assert.deepEqual(idsOf(r), ids.slice(0, 50), 'after:0 pages from the oldest');
  assert.equal(r.more, true);
});

test('limit: 200 allowed; above 200 never returns more than 200', async () => {
  const r = await hist({ after: 0, limit: 200 });
  assert.deepEqual(idsOf(r), ids.slice(0, 200));
  assert.equal(r.more, true);
  const big = await bo.request({ type: 'history', channel: chan.id, after: 0, limit: 500 });
  if (big.type === 'error') {
    assert.equal(big.code, 'bad_request');
  } else {
    assert.equal(big.type, 'history');
    assert.ok(big.messages.length <= 200, `limit 500 returned ${big.messages.length}`);
    assert.deepEqual(idsOf(big), ids.slice(0, big.messages.length));
  }
  for (const limit of [0, -1, 'ten']) {
    const e = await bo.request({ type: 'history', channel: chan.id, limit });
    assert.ok(e.type === 'error' ? e.code === 'bad_request' : e.messages.length <= 200, `limit ${limit}: ${JSON.stringify(e).slice(0, 200)}`);
  }
});

test('history of an unknown channel -> not_found', async () => {
  const r = await bo.request({ type: 'history', channel: 987654321 });
  assert.equal(r.type, 'error');
  assert.equal(r.code, 'not_found');
});

test('edited messages show their current body; deleted ones are omitted', async () => {
  const ed = await ana.request({ type: 'edit', channel: chan.id, id: ids[N - 3], body: 'edited body' });
  assert.equal(ed.type, 'ok', JSON.stringify(ed));
  const del = await ana.request({ type: 'delete', channel: chan.id, id: ids[N - 2] });
  assert.equal(del.type, 'ok', JSON.stringify(del));
  const r = await hist({ limit: 5 });
  assert.deepEqual(idsOf(r), [ids[N - 6], ids[N - 5], ids[N - 4], ids[N - 3], ids[N - 1]]);
  const e = r.messages.find((m) => m.id === ids[N - 3]);
  assert.equal(e.body, 'edited body');
  assert.match(e.edited, /^\d{4}-\d\d-\d\dT/);
  assert.equal(r.messages.find((m) => m.id === ids[N - 4]).edited, null);
  const r2 = await hist({ after: ids[N - 4] });
  assert.deepEqual(idsOf(r2), [ids[N - 3], ids[N - 1]]);
  assert.equal(r2.more, false);
});
