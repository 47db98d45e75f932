#!/usr/bin/env node
// Do file uploads slow the chat down? (issue 14: "20 parallel 5 MiB uploads
// while 1,000 clients chat do not raise chat p99"). N chat clients (default
// 1,000 sockets in channels of 100) each send a message every --interval
// ms; each message's latency is the time from its send to its own message
// event coming back (committed, fanned out). Two phases of --seconds each:
// chat alone, then chat while --uploads parallel uploaders (default 20)
// each upload --mib MiB (default 5) again and again (POST /api/files, raw
// body, each then attached to a message; --rounds N: N each, then the
// chat goes on alone until the phase ends). Prints p50/p95/p99/max per phase,
// the uploads done and their throughput, and one JSON line. Nothing is
// asserted of the figures (measure them alone on a quiet machine); a run
// with a failed upload or attach, or a phase with nothing measured, exits 1.
//
//   WEFTD=build-rel/weftd node tests/bench/files_chat.mjs [--clients 1000] [--seconds 30]
//       [--interval 10000] [--uploads 20] [--mib 5] [--per-channel 100] [--rounds 0]
//   (smoke: --clients 50 --seconds 5 --uploads 4 --mib 1; WEFTD_ARGS="--event-loop epoll": more server flags)
import crypto from 'node:crypto';
import https from 'node:https';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { startServer, FAST_ARGS } from '../lib/harness.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const CLIENTS = arg('clients', 1000);
const SECONDS = arg('seconds', 30);
const INTERVAL = arg('interval', 10000);
const UPLOADERS = arg('uploads', 20);
const ROUNDS = arg('rounds', 0); // uploads per uploader in the phase (0: again and again until it ends)
const MIB = arg('mib', 5);
const PER_CHANNEL = arg('per-channel', 100);

// The worker thread: UPLOADERS loops of upload after upload from start to
// stop (or ROUNDS each), posting each file's id to the main thread.
async function uploaderThread() {
  const { port, uploaders, mib, rounds, who } = workerData;
  const agent = new https.Agent({ keepAlive: true, maxSockets: uploaders + 4, rejectUnauthorized: false });
  let going = false, n = 0;
  const upload = (token, channel, bytes) => new Promise((resolve, reject) => {
    const r = https.request({ host: '127.0.0.1', port, method: 'POST', agent,
      path: `/api/files?channel=${channel}&name=upload.bin`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': bytes.length } }, (res) => {
      let t = '';
      res.on('data', (c) => { t += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(t).file) : reject(new Error(`${res.statusCode} ${t}`))));
    });
    r.on('error', reject);
    r.end(bytes);
  });
  async function loop(k) {
    const bytes = crypto.randomBytes(mib * 1024 * 1024);
    for (let r = 0; going && (!rounds || r < rounds); r++) {
      bytes.writeUInt32BE(++n + k * 1000003, 0); // new bytes each time: no dedupe
      try {
        parentPort.postMessage({ k, file: (await upload(who[k].token, who[k].channel, bytes)).id });
      } catch (e) {
        parentPort.postMessage({ k, error: e.message });
        return;
      }
    }
  }
  parentPort.on('message', async (m) => {
    if (m.stop) going = false;
    if (!m.start) return;
    going = true;
    await Promise.all(Array.from({ length: uploaders }, (_, k) => loop(k)));
    agent.destroy();
    parentPort.postMessage({ over: true });
  });
  await new Promise(() => {}); // the main thread terminates this thread
}

if (!isMainThread) await uploaderThread();

const server = await startServer({
  args: ['--max-conns-per-addr', '0', '--channels-per-day', '0', '--rate', '100000', '--burst', '100000',
    '--file-quota', '0', '--max-file', String(Math.max(MIB, 1) * 1024 * 1024 + 1), '--log-level', 'warn', ...FAST_ARGS,
    ...(process.env.WEFTD_ARGS ? process.env.WEFTD_ARGS.split(/\s+/) : [])],
});

function open(token) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.wsUrl, 'weft.v1', { rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` } });
    const s = { ws, waiting: new Map(), replies: new Map() };
    ws.on('message', (d) => {
      const f = JSON.parse(d);
      if (f.req && s.replies.has(f.req)) { s.replies.get(f.req)(f); s.replies.delete(f.req); }
      if (f.type === 'event' && f.kind === 'message') {
        const t0 = s.waiting.get(f.message.client_id);
        if (t0 !== undefined) { s.waiting.delete(f.message.client_id); s.onLatency(performance.now() - t0); }
      }
      if (f.type === 'synced') resolve(s);
    });
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', since: -1 })));
  });
}
let reqN = 0;
const req = (s, obj) => new Promise((resolve) => {
  const id = `r${++reqN}`;
  s.replies.set(id, resolve);
  s.ws.send(JSON.stringify({ ...obj, req: id }));
});

console.error(`setting up ${CLIENTS} clients…`);
const socks = [];
const channels = [];
for (let i = 0; i < CLIENTS; i++) {
  const u = await server.user(`c${i}`);
  const s = await open(u.token);
  s.token = u.token;
  if (i % PER_CHANNEL === 0) {
    const r = await req(s, { type: 'channel.create', name: `room-${i / PER_CHANNEL}`, kind: 'cohort' });
    channels.push(r.channel.id);
  } else {
    await req(s, { type: 'channel.join', channel: channels[channels.length - 1] });
  }
  s.channel = channels[channels.length - 1];
  socks.push(s);
}

let phase = 'warmup';
const lat = { warmup: [], chat: [], uploads: [] };
for (const s of socks) s.onLatency = (ms) => lat[phase].push(ms);

// Every client sends once per INTERVAL, spread evenly.
let sent = 0;
const timers = socks.map((s, i) => setTimeout(function tick() {
  const cid = `m${++sent}`;
  s.waiting.set(cid, performance.now());
  s.ws.send(JSON.stringify({ type: 'send', channel: s.channel, body: `message ${sent}`, client_id: cid }));
  timers[i] = setTimeout(tick, INTERVAL);
}, (i * INTERVAL) / socks.length));

// The uploads run in a worker thread with its own event loop: encrypting
// 100 MiB of request bodies on the chat clients' loop would delay their
// reading of the server's frames and count the bench's own stall as the
// server's. The worker posts each file's id; this thread attaches it.
const uploadWorker = new Worker(new URL(import.meta.url), {
  workerData: { port: server.port, uploaders: UPLOADERS, mib: MIB, rounds: ROUNDS,
    who: Array.from({ length: UPLOADERS }, (_, k) => {
      const s = socks[(k * PER_CHANNEL) % socks.length];
      return { token: s.token, channel: s.channel };
    }) },
});
let uploadsDone = 0;
let uploadBytes = 0;
const uploadsOver = new Promise((resolve) => uploadWorker.on('message', async (m) => {
  if (m.over) return resolve();
  if (m.error) { process.exitCode = 1; return console.error(`uploader ${m.k}: ${m.error}`); }
  const s = socks[(m.k * PER_CHANNEL) % socks.length];
  const r = await req(s, { type: 'send', channel: s.channel, body: 'a file', files: [m.file], client_id: `f${m.k}-${m.file}` });
  if (r.type === 'error') { process.exitCode = 1; console.error(`attach ${m.file}: ${JSON.stringify(r)}`); }
  uploadsDone++;
  uploadBytes += MIB * 1024 * 1024;
}));

// /metrics, for the server's own view of each phase: how late its loop ran
// timers (weft_loop_lag_seconds), how long commits took (weft_commit_seconds).
async function scrape() {
  const t = await new Promise((resolve, reject) => https.get({ host: '127.0.0.1', port: server.port, path: '/metrics',
    rejectUnauthorized: false }, (res) => { let b = ''; res.on('data', (c) => { b += c; }); res.on('end', () => resolve(b)); })
    .on('error', reject));
  const h = {};
  for (const [, name, le, v] of t.matchAll(/^(weft_loop_lag_seconds|weft_commit_seconds)_bucket\{le="([^"]+)"\} (\d+)$/gm))
    (h[name] ||= []).push({ le: le === '+Inf' ? Infinity : Number(le) * 1000, n: Number(v) });
  return h;
}
// The bound (ms) under which p of the phase's observations fell, from the
// difference of two scrapes' cumulative buckets.
function histoPct(a, b, name, p) {
  const d = b[name].map((x, i) => ({ le: x.le, n: x.n - a[name][i].n }));
  const total = d.at(-1).n;
  if (!total) return { n: 0 };
  const q = (pp) => d.find((x) => x.n >= (pp / 100) * total).le;
  return { n: total, p50: q(50), p99: q(p), max: d.find((x) => x.n === total).le };
}

const pct = (a, p) => {
  if (!a.length) return NaN;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const summary = (a) => ({ n: a.length, p50: pct(a, 50), p95: pct(a, 95), p99: pct(a, 99), max: Math.max(...a) });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await sleep(Math.min(INTERVAL, 5000));
phase = 'chat';
console.error(`chat alone for ${SECONDS} s…`);
const m0 = await scrape();
await sleep(SECONDS * 1000);
const m1 = await scrape();
phase = 'uploads';
console.error(`chat with ${UPLOADERS} parallel ${MIB} MiB uploads for ${SECONDS} s…`);
const t0 = performance.now();
uploadWorker.postMessage({ start: true });
await sleep(SECONDS * 1000);
uploadWorker.postMessage({ stop: true });
const upSeconds = (performance.now() - t0) / 1000;
const m2 = await scrape();
phase = 'warmup';
await uploadsOver;
await uploadWorker.terminate();
for (const t of timers) clearTimeout(t);

const chat = summary(lat.chat);
const withUploads = summary(lat.uploads);
const f = (x) => x.toFixed(1);
console.log(`clients ${CLIENTS} in ${channels.length} channels, a message per client every ${INTERVAL} ms`);
console.log(`chat alone:        n ${chat.n}  p50 ${f(chat.p50)} ms  p95 ${f(chat.p95)} ms  p99 ${f(chat.p99)} ms  max ${f(chat.max)} ms`);
console.log(`chat with uploads: n ${withUploads.n}  p50 ${f(withUploads.p50)} ms  p95 ${f(withUploads.p95)} ms  p99 ${f(withUploads.p99)} ms  max ${f(withUploads.max)} ms`);
const server1 = { lag: histoPct(m0, m1, 'weft_loop_lag_seconds', 99), commit: histoPct(m0, m1, 'weft_commit_seconds', 99) };
const server2 = { lag: histoPct(m1, m2, 'weft_loop_lag_seconds', 99), commit: histoPct(m1, m2, 'weft_commit_seconds', 99) };
const b = (h) => `p50 ≤ ${h.p50} ms  p99 ≤ ${h.p99} ms  max ≤ ${h.max} ms (n ${h.n})`;
console.log(`server, chat alone:        loop lag ${b(server1.lag)};  commit ${b(server1.commit)}`);
console.log(`server, chat with uploads: loop lag ${b(server2.lag)};  commit ${b(server2.commit)}`);
console.log(`uploads: ${uploadsDone} of ${MIB} MiB by ${UPLOADERS} in parallel, ${f(uploadBytes / 1048576 / upSeconds)} MiB/s`);
console.log(JSON.stringify({ clients: CLIENTS, interval_ms: INTERVAL, chat, with_uploads: withUploads, uploads: uploadsDone, mib: MIB, uploaders: UPLOADERS, mib_per_s: uploadBytes / 1048576 / upSeconds, server_chat: server1, server_uploads: server2 }));
for (const s of socks) s.ws.close();
await server.stop();
// A run that measured nothing is a failure (ctest's bench.files_chat smoke).
if (!chat.n || !withUploads.n || !uploadsDone || !server2.lag.n) {
  console.error('files_chat: a phase measured nothing');
  process.exitCode = 1;
}
