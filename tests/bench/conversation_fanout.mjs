#!/usr/bin/env node
// Fan-out cost of the conversation features (issue 13): in one channel of
// N members (default 1,000 sockets), how many frames the server sends for
// one reaction, one pin, ten keystrokes' typing within a second, one
// message with a mention, and how long until every member has the reaction.
// Counts come from the server's weft_frames_sent_total and from what each
// socket received; the time is printed, never asserted.
//
//   WEFTD=build-rel/weftd node tests/bench/conversation_fanout.mjs [--members 1000]
import WebSocket from 'ws';
import { startServer, FAST_ARGS } from '../lib/harness.js';

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
  const res = await fetch(`${server.origin}/metrics`).catch(() => null);
  if (res) return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await res.text())?.[1]);
  const { request } = await import('../lib/harness.js');
  const r = await request(server, 'GET', '/metrics');
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(r.text)?.[1]);
};

// Members: one account and one socket each (--per-account K: fewer accounts,
// K sockets each).
const PER = arg('per-account', 1);
const accounts = [];
for (let i = 0; i < Math.ceil(MEMBERS / PER); i++) accounts.push(await server.user(`m${i}`));
function open(token) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.wsUrl, 'weft.v1', { rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` } });
    const s = { ws, frames: [], seen: new Map() };
    ws.on('message', (d) => {
      const f = JSON.parse(d);
      s.frames.push(f);
      const k = f.type === 'event' ? `event:${f.kind}` : f.type;
      s.seen.set(k, (s.seen.get(k) || 0) + 1);
      if (s.want && s.want(f)) { s.want = null; s.got(performance.now()); }
      if (f.type === 'synced') resolve(s);
    });
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', since: -1 })));
  });
}
const req = (s, obj) => new Promise((resolve) => {
  const id = `r${Math.random()}`;
  const before = s.frames.length;
  const t = setInterval(() => {
    const f = s.frames.slice(before).find((x) => x.req === id);
    if (f) { clearInterval(t); resolve(f); }
  }, 2);
  s.ws.send(JSON.stringify({ ...obj, req: id }));
});

const owner = await open(accounts[0].token);
const ch = (await req(owner, { type: 'channel.create', name: 'fanout', kind: 'cohort' })).channel.id;
const socks = [owner];
for (const [i, a] of accounts.entries()) {
  for (let k = i === 0 ? 1 : 0; k < PER && socks.length < MEMBERS; k++) {
    const s = await open(a.token);
    if (k === 0) await req(s, { type: 'channel.join', channel: ch });
    socks.push(s);
  }
}
const others = socks.slice(1);
await new Promise((r) => setTimeout(r, 500));
const ack = await req(owner, { type: 'send', channel: ch, body: 'react to this', client_id: 'c1' });

async function measure(label, act, key) {
  for (const s of socks) s.seen.clear();
  const f0 = await metric('weft_frames_sent_total');
  const t0 = performance.now();
  const done = Promise.all(others.map((s) => new Promise((resolve) => {
    s.got = resolve;
    s.want = (f) => (f.type === 'event' ? `event:${f.kind}` : f.type) === key;
  })));
  await act();
  const times = key ? await Promise.race([done, new Promise((r) => setTimeout(() => r(null), 10000))]) : null;
  await new Promise((r) => setTimeout(r, 500));
  const f1 = await metric('weft_frames_sent_total');
  const per = others.map((s) => s.seen.get(key) || 0);
  const last = times ? Math.max(...times) - t0 : NaN;
  console.log(`${label}: ${f1 - f0} frames sent for ${socks.length} sockets; ${key} per other socket: min ${Math.min(...per)}, max ${Math.max(...per)}; all delivered in ${last.toFixed(1)} ms`);
  for (const s of others) s.want = null;
}

await measure('one reaction', () => req(owner, { type: 'react', channel: ch, id: ack.id, emoji: '👍' }), 'event:reaction');
await measure('one pin', () => req(owner, { type: 'pin', channel: ch, id: ack.id }), 'event:pin');
await measure('ten typing requests in one second', async () => {
  for (let i = 0; i < 10; i++) { owner.ws.send(JSON.stringify({ type: 'typing', channel: ch })); await new Promise((r) => setTimeout(r, 100)); }
}, 'typing');
await measure(`one message mentioning one member (${accounts[1].name})`, () => req(owner, { type: 'send', channel: ch, body: `over to you @${accounts[1].name}`, client_id: 'c2' }), 'event:message');
for (const s of socks) s.ws.terminate();
await server.stop();
