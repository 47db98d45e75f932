// /metrics for operators: requests by type and HTTP route (counts and
// latency histograms), events per resume, the writer's queue depth and
// commit times, searches, uploads and downloads; every histogram well formed.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, request } from '../lib/harness.js';
import { NO_RATE_LIMIT, makeChannel, sendBurst, stopWithin } from './support.js';

let server, ana, bo, chan, boToken;

before(async () => {
  server = await startServer({ args: NO_RATE_LIMIT });
  ana = await connect(server, (await server.user('ana')).token);
  boToken = (await server.user('bo')).token;
  bo = await connect(server, boToken);
  chan = await makeChannel(ana, [bo]);
});
after(async () => {
  ana?.ws.terminate(); bo?.ws.terminate();
  await stopWithin(server);
});

// Every sample of /metrics: [{name, labels: {...}, value}], and the TYPE of each family.
async function scrape() {
  const r = await request(server, 'GET', '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const samples = [], types = {};
  for (const line of r.text.split('\n')) {
    if (!line) continue;
    let m;
    if ((m = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line))) { types[m[1]] = m[2]; continue; }
    if (line.startsWith('# HELP ')) continue;
    m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample: ${line}`);
    const labels = {};
    for (const [, k, v] of (m[2] || '').matchAll(/(\w+)="([^"]*)"/g)) labels[k] = v;
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { samples, types };
}

const get = (s, name, labels = {}) => s.samples.find((x) => x.name === name &&
  Object.entries(labels).every(([k, v]) => x.labels[k] === v) &&
  Object.keys(x.labels).filter((k) => k !== 'le').length === Object.keys(labels).length)?.value;

function histogram(s, name, labels = {}) {
  const keys = Object.entries(labels);
  const mine = (x) => keys.every(([k, v]) => x.labels[k] === v);
  const buckets = s.samples.filter((x) => x.name === `${name}_bucket` && mine(x))
    .map((x) => ({ le: x.labels.le === '+Inf' ? Infinity : Number(x.labels.le), count: x.value }));
  const count = s.samples.find((x) => x.name === `${name}_count` && mine(x))?.value;
  const sum = s.samples.find((x) => x.name === `${name}_sum` && mine(x))?.value;
  assert.equal(s.types[name], 'histogram', name);
  assert.ok(buckets.length >= 10, `${name} buckets`);
  for (let i = 1; i < buckets.length; i++) {
    assert.ok(buckets[i].le > buckets[i - 1].le, `${name}: le ascending`);
    assert.ok(buckets[i].count >= buckets[i - 1].count, `${name}: cumulative`);
  }
  assert.equal(buckets.at(-1).le, Infinity);
  assert.equal(buckets.at(-1).count, count, `${name}: +Inf is _count`);
  assert.ok(sum >= 0);
  return { buckets, count, sum };
}

test('requests by type: each dispatched request counted once, with its latency', async () => {
  const s0 = await scrape();
  const sends0 = get(s0, 'weft_requests_total', { type: 'send' }) || 0;
  await sendBurst(ana, chan.id, 25);
  for (let i = 0; i < 3; i++) await ana.request({ type: 'history', channel: chan.id });
  ana.send('{"type":"no.such.request"}');
  await ana.next((f) => f.type === 'error' && f.code === 'bad_request');
  const s = await scrape();
  assert.equal(get(s, 'weft_requests_total', { type: 'send' }), sends0 + 25);
  assert.ok(get(s, 'weft_requests_total', { type: 'history' }) >= 3);
  assert.ok(get(s, 'weft_requests_total', { type: 'invalid' }) >= 1);
  const h = histogram(s, 'weft_request_seconds', { type: 'send' });
  assert.equal(h.count, sends0 + 25);
  histogram(s, 'weft_request_seconds', { type: 'history' });
});

test('HTTP by route and status class, with latency', async () => {
  const before = await scrape();
  const ok0 = get(before, 'weft_http_requests_total', { route: '/api/login', code: '2xx' }) || 0;
  const bad0 = get(before, 'weft_http_requests_total', { route: '/api/login', code: '4xx' }) || 0;
  assert.equal((await server.login('ana', 'pw-ana-secret')).status, 200);
  assert.equal((await server.login('ana', 'not the password')).status, 401);
  assert.equal((await request(server, 'GET', '/healthz')).status, 200);
  const s = await scrape();
  assert.equal(get(s, 'weft_http_requests_total', { route: '/api/login', code: '2xx' }), ok0 + 1);
  assert.equal(get(s, 'weft_http_requests_total', { route: '/api/login', code: '4xx' }), bad0 + 1);
  assert.ok(get(s, 'weft_http_requests_total', { route: '/healthz', code: '2xx' }) >= 1);
  const h = histogram(s, 'weft_http_request_seconds', { route: '/api/login' });
  assert.ok(h.count >= 2);
});

test('a resume is counted with the number of events it replayed', async () => {
  const s0 = await scrape();
  const h0 = histogram(s0, 'weft_replay_events');
  const since = bo.synced.seq;
  await sendBurst(ana, chan.id, 12);
  const again = await connect(server, boToken, { since });
  const replayed = again.events(chan.id).length;
  assert.ok(replayed >= 12, `replayed ${replayed}`);
  again.ws.terminate();
  const h = histogram(await scrape(), 'weft_replay_events');
  assert.equal(h.count, h0.count + 1);
  assert.equal(h.sum - h0.sum, replayed);
  // 12..49 events: the first bucket that holds it is le=50.
  const grew = h.buckets.filter((b, i) => b.count > h0.buckets[i].count).map((b) => b.le);
  assert.ok(grew.includes(50) && !grew.includes(10), JSON.stringify(grew));
});

test('the writer: queue depth gauge, commit histogram counting every commit', async () => {
  await sendBurst(ana, chan.id, 40);
  const s = await scrape();
  assert.equal(s.types.weft_writer_queue_depth, 'gauge');
  assert.ok(get(s, 'weft_writer_queue_depth') >= 0);
  const h = histogram(s, 'weft_commit_seconds');
  const commits = get(s, 'weft_store_commits_total');
  assert.ok(h.count >= 1 && h.count <= commits + 1 && h.count >= commits - 1, `${h.count} vs ${commits}`);
  assert.ok(h.sum > 0);
});

test('the service loop: a timer due every 20 ms notes how late it ran', async () => {
  const h0 = histogram(await scrape(), 'weft_loop_lag_seconds');
  await new Promise((r) => setTimeout(r, 500));
  const s = await scrape();
  assert.equal(s.types.weft_loop_lag_seconds, 'histogram');
  const h = histogram(s, 'weft_loop_lag_seconds');
  // 25 probes in 500 ms on an idle loop; a loaded test machine runs fewer.
  assert.ok(h.count - h0.count >= 5 && h.count - h0.count <= 30, `${h.count - h0.count} probes`);
});

test('searches in a latency histogram; uploads, their bytes and downloads counted', async () => {
  const s0 = await scrape();
  const h0 = histogram(s0, 'weft_search_seconds');
  const up0 = get(s0, 'weft_file_uploads_total'), bytes0 = get(s0, 'weft_file_upload_bytes_total');
  const down0 = get(s0, 'weft_file_downloads_total');
  for (const name of ['weft_file_uploads_total', 'weft_file_upload_bytes_total', 'weft_file_downloads_total'])
    assert.equal(s0.types[name], 'counter', name);
  await ana.request({ type: 'send', channel: chan.id, body: 'metrics of a searchable word', client_id: 'ms1' });
  const r = await ana.request({ type: 'search', q: 'searchab' });
  assert.equal(r.type, 'results');
  assert.equal(histogram(await scrape(), 'weft_search_seconds').count, h0.count + 1);
  // An upload of 1,000 bytes, then a download of it.
  const bytes = Buffer.alloc(1000, 7);
  const up = await request(server, 'POST', `/api/files?channel=${chan.id}&name=m.bin`,
    { body: bytes.toString('latin1'), headers: { authorization: `Bearer ${boToken}`, 'content-type': 'application/octet-stream', 'content-length': 1000 } });
  assert.equal(up.status, 200, up.text);
  const s1 = await scrape();
  assert.equal(get(s1, 'weft_file_uploads_total'), up0 + 1);
  assert.equal(get(s1, 'weft_file_upload_bytes_total'), bytes0 + 1000);
  assert.equal(get(s1, 'weft_file_downloads_total'), down0);
  const dl = await request(server, 'GET', `/api/files/${up.body.file.id}`, { headers: { authorization: `Bearer ${boToken}` } });
  assert.equal(dl.status, 200);
  assert.equal(get(await scrape(), 'weft_file_downloads_total'), down0 + 1);
});

test('every metric the Grafana dashboard (deploy/grafana-weft.json) queries is served', async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { SOURCE_DIR } = await import('../lib/harness.js');
  const dash = JSON.parse(fs.readFileSync(path.join(SOURCE_DIR, 'deploy/grafana-weft.json'), 'utf8'));
  const exprs = dash.panels.flatMap((p) => (p.targets || []).map((t) => t.expr));
  assert.ok(exprs.length >= 15);
  const { types } = await scrape();
  const names = new Set(exprs.flatMap((e) => e.match(/weft_[a-z_]+/g) || [])
    .map((n) => n.replace(/_(bucket|count|sum)$/, '')));
  for (const n of names) assert.ok(types[n], `${n} is not in /metrics`);
});
