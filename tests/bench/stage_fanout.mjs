#!/usr/bin/env node
// Fan-out cost of a live session (issue 15): in one channel of N members
// (default 1,000 sockets, one account each) with a live session, how many
// frames one hand raise costs. The contract's answer: one `queue` frame per
// online member (encoded once, shared). Counts come from the server's
// weft_frames_sent_total and from what each socket received; the time is
// printed, never asserted (a busy machine changes it, not the counts).
//
//   WEFTD=build-rel/weftd node tests/bench/stage_fanout.mjs [--members 1000]
import WebSocket from 'ws';
import { startServer, request, FAST_ARGS } from '../lib/harness.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const MEMBERS = arg('members', 1000);

const server = await startServer({
  args: ['--max-conns-per-addr', '0', '--channels-per-day', '0', '--rate', '100000', '--burst', '100000',
    '--log-level', 'warn', ...FAST_ARGS],
});
const metric = async (name) => {
  const r = await request(server, 'GET', '/metrics');
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(r.text)?.[1]);
};

function open(token) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.wsUrl, 'weft.v1', { rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` } });
    const s = { ws, frames: [], queue: 0 };
    ws.on('message', (d) => {
      const f = JSON.parse(d);
      s.frames.push(f);
      if (f.type === 'queue') { s.queue++; if (s.got) { const g = s.got; s.got = null; g(performance.now()); } }
      if (f.type === 'synced') resolve(s);
    });
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', since: -1 })));
  });
}
let n = 0;
const req = (s, obj) => new Promise((resolve) => {
  const id = `r${++n}`;
  const before = s.frames.length;
  const t = setInterval(() => {
    const f = s.frames.slice(before).find((x) => x.req === id);
    if (f) { clearInterval(t); resolve(f); }
  }, 2);
  s.ws.send(JSON.stringify({ ...obj, req: id }));
});

const accounts = [];
for (let i = 0; i < MEMBERS; i++) accounts.push(await server.user(`m${i}`));
const owner = await open(accounts[0].token);
const ch = (await req(owner, { type: 'channel.create', name: 'stage', kind: 'cohort' })).channel.id;
const socks = [owner];
for (const a of accounts.slice(1)) {
  const s = await open(a.token);
  await req(s, { type: 'channel.join', channel: ch });
  socks.push(s);
}
const started = await req(owner, { type: 'session.start', channel: ch, title: 'Bench', mode: 'floor' });
if (started.type !== 'ok') throw new Error(JSON.stringify(started));
await new Promise((r) => setTimeout(r, 500));

for (const s of socks) s.queue = 0;
const f0 = await metric('weft_frames_sent_total');
const t0 = performance.now();
const all = Promise.all(socks.map((s) => new Promise((resolve) => { s.got = resolve; })));
const raiser = socks[socks.length - 1];
const r = await req(raiser, { type: 'hand.raise', channel: ch });
if (r.type !== 'ok') throw new Error(JSON.stringify(r));
const times = await Promise.race([all, new Promise((res) => setTimeout(() => res(null), 15000))]);
await new Promise((res) => setTimeout(res, 500));
const f1 = await metric('weft_frames_sent_total');
const per = socks.map((s) => s.queue);
const received = per.reduce((a, b) => a + b, 0);
console.log(`one hand raise, ${socks.length} members online: ${received} queue frames received ` +
  `(per member min ${Math.min(...per)}, max ${Math.max(...per)}); ${f1 - f0} frames sent in all ` +
  `(the queue frames and the raiser's ok); all delivered in ${times ? (Math.max(...times) - t0).toFixed(1) : 'n/a'} ms`);
for (const s of socks) s.ws.terminate();
await server.stop();
