// /metrics weft_history_seconds: every history page served is counted once,
// the histogram is a well-formed Prometheus histogram (cumulative buckets,
// +Inf equal to _count), and refused history requests are not counted.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, request } from '../lib/harness.js';
import { NO_RATE_LIMIT, makeChannel, sendBurst, stopWithin } from './support.js';

let server, ana, bo, chan, ids;

before(async () => {
  server = await startServer({ args: NO_RATE_LIMIT });
  ana = await connect(server, (await server.user('ana')).token);
  bo = await connect(server, (await server.user('bo')).token);
  chan = await makeChannel(ana, [bo]);
  ids = (await sendBurst(ana, chan.id, 120)).map((a) => a.id);
});
after(async () => {
  ana?.ws.terminate(); bo?.ws.terminate();
  await stopWithin(server);
});

// The weft_history_seconds family from /metrics: {help, type, buckets:
// [{le, count}] in the order served, sum, count}.
async function historyMetrics() {
  const r = await request(server, 'GET', '/metrics');
  assert.equal(r.status, 200, r.text);
  const h = { buckets: [] };
  for (const line of r.text.split('\n')) {
    let m;
    if ((m = /^# HELP weft_history_seconds (.+)$/.exec(line))) h.help = m[1];
    else if ((m = /^# TYPE weft_history_seconds (\w+)$/.exec(line))) h.type = m[1];
    else if ((m = /^weft_history_seconds_bucket\{le="([^"]+)"\} (\d+)$/.exec(line))) {
      h.buckets.push({ le: m[1] === '+Inf' ? Infinity : Number(m[1]), count: Number(m[2]) });
    } else if ((m = /^weft_history_seconds_sum (\S+)$/.exec(line))) h.sum = Number(m[1]);
    else if ((m = /^weft_history_seconds_count (\d+)$/.exec(line))) h.count = Number(m[1]);
  }
  return h;
}

function assertWellFormed(h) {
  assert.ok(h.help, 'HELP line');
  assert.equal(h.type, 'histogram');
  assert.ok(h.buckets.length >= 10, `buckets: ${JSON.stringify(h.buckets)}`);
  for (let i = 1; i < h.buckets.length; i++) {
    assert.ok(h.buckets[i].le > h.buckets[i - 1].le, `le ascending at ${i}`);
    assert.ok(h.buckets[i].count >= h.buckets[i - 1].count, `cumulative at le=${h.buckets[i].le}`);
  }
  assert.ok(h.buckets.some((b) => b.le === 0.001), 'a bucket bound at 1 ms');
  assert.equal(h.buckets.at(-1).le, Infinity, 'last bucket is +Inf');
  assert.equal(h.buckets.at(-1).count, h.count, '+Inf bucket equals _count');
  assert.ok(Number.isFinite(h.sum) && h.sum >= 0);
}

test('weft_history_seconds is a Prometheus histogram', async () => {
  assertWellFormed(await historyMetrics());
});

test('N history pages served: _count grows by exactly N, buckets stay consistent', async () => {
  const h0 = await historyMetrics();
  assertWellFormed(h0);
  const queries = [
    {}, { limit: 1 }, { limit: 200 }, { before: ids[60] }, { before: ids[10], limit: 10 },
    { after: ids[5] }, { after: ids[100], before: ids[110] }, { before: ids[0] },
  ];
  const N = 40;
  const replies = await Promise.all(Array.from({ length: N },
    (_, i) => bo.request({ type: 'history', channel: chan.id, ...queries[i % queries.length] })));
  for (const r of replies) assert.equal(r.type, 'history', JSON.stringify(r));
  const h1 = await historyMetrics();
  assertWellFormed(h1);
  assert.equal(h1.count - h0.count, N);
  assert.equal(h1.buckets.length, h0.buckets.length);
  let grew = 0;
  for (let i = 0; i < h1.buckets.length; i++) {
    assert.equal(h1.buckets[i].le, h0.buckets[i].le);
    const d = h1.buckets[i].count - h0.buckets[i].count;
    assert.ok(d >= grew && d <= N, `bucket delta at le=${h1.buckets[i].le}: ${d}`);
    grew = d;
  }
  assert.equal(grew, N, '+Inf bucket grew by N');
  assert.ok(h1.sum > h0.sum, 'time was spent');
  assert.ok(h1.sum - h0.sum < N * 10, 'sum is in seconds');
});

test('refused history requests are not counted', async () => {
  const h0 = await historyMetrics();
  const missing = await bo.request({ type: 'history', channel: 987654321 });
  assert.equal(missing.type, 'error', JSON.stringify(missing));
  const priv = await makeChannel(ana, [], { access: 'invite' });
  const denied = await bo.request({ type: 'history', channel: priv.id });
  assert.equal(denied.type, 'error', JSON.stringify(denied));
  const ok = await bo.request({ type: 'history', channel: chan.id, limit: 5 });
  assert.equal(ok.type, 'history');
  const h1 = await historyMetrics();
  assert.equal(h1.count - h0.count, 1, 'only the page served');
  assert.equal(h1.buckets.at(-1).count, h1.count);
});
