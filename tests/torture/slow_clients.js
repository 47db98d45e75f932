#!/usr/bin/env node
// Slow and hostile clients at scale (issue 19, "Proofs to add"). Chatters
// talk in channels of 50 for a while; then as many sockets join who ask for
// pages of large messages and never read again (their TCP sockets paused),
// and the chat goes on. Checked:
//   - weftd's RSS (VmRSS) stays within the bound the byte cap makes:
//     baseline + slow sockets × send_queue_bytes (× what the allocator
//     adds, see BOUND below);
//   - every chatter receives every message of its channel, in order, and
//     is never cut off;
//   - weftd still answers at the end, and exits 0 on SIGTERM.
// Printed, never asserted: the chatters' delivery latency (p50, p99, max)
// without and with the slow sockets, and what /metrics says of them.
import {
  options, main, rng, sleep, check, Server, NO_RATE_LIMIT, inBatches, dbFile, Log, sanitizerReport,
  rssKiB, weftdHasAsan, request,
} from './lib.js';
import { accounts, requests, Reader, Writer, openSocket } from './clients.js';

const o = options('slow_clients.js', 'Sockets that never read beside chatting clients: bounded server memory, no lost message; prints p99 latency.', {
  slow: { short: 40, long: 1000, help: 'sockets that ask for large pages and never read' },
  chatters: { short: 40, long: 1000, help: 'chatting connections' },
  'per-channel': { short: 20, long: 50, help: 'chatters per channel (and 2 speakers)' },
  rate: { short: 20, long: 50, help: 'chat messages per second, in all' },
  phase: { short: 6, long: 60, help: 'seconds of chat without the slow sockets, then as long with them (once they are all stalled)' },
  'send-queue-bytes': { short: 1048576, help: "weftd's send_queue_bytes: the per-connection cap the bound is made of (1 MiB is its minimum)" },
  history: { short: 10, help: 'history pages (about 512 KiB each) each slow socket asks for before it stops reading: more than the kernel\'s socket buffers take (about 3.5 MiB on loopback) and the cap' },
  accounts: { short: 10, long: 50, help: 'accounts the chatters share, and as many for the slow sockets' },
});

// What the bound allows per byte of the cap: with ASan each byte held costs
// more (redzones, size classes, an eighth of shadow) and freed blocks wait in
// a quarantine (cut to 64 MiB here), so a sanitized weftd gets more room than
// a release build. Measured (100 slow sockets, 1 MiB cap): release 17 -> 123
// MiB; ASan 209 -> 497 MiB.
const ASAN = weftdHasAsan();
const BOUND = { factor: ASAN ? 2.5 : 1.25, slackMiB: ASAN ? 96 : 32 };

const pct = (arr, p) => {
  if (!arr.length) return NaN;
  const s = [...arr].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const ms = (x) => `${x.toFixed(1)} ms`;

main('slow_clients.js', async (ctx) => {
  const rand = rng(o.seed);
  const cap = o['send-queue-bytes'];
  const nch = Math.max(1, Math.ceil(o.chatters / o['per-channel']));
  ctx.log(`seed ${o.seed}, ${o.chatters} chatters in ${nch} channels, ${o.slow} slow sockets, cap ${cap} bytes, ${o.phase} s per phase`);
  if (ASAN) process.env.ASAN_OPTIONS = `${process.env.ASAN_OPTIONS || ''}:quarantine_size_mb=64`;
  const server = new Server({
    args: [...NO_RATE_LIMIT, '--max-conns-per-addr', '0', '--channels-per-day', '0', '--send-queue-bytes', String(cap)],
  });
  ctx.servers.push(server);
  ctx.cleanup(async () => {
    await server.kill9();
    if (o.keep) console.log(`data directory kept: ${server.dataDir}`);
    else (await import('node:fs')).rmSync(server.dataDir, { recursive: true, force: true });
  });
  await server.start();
  const port = () => server.port;

  // Accounts: a poster of large messages, 2 speakers per channel, the
  // chatters' accounts and the slow sockets' accounts.
  const names = ['poster', ...Array.from({ length: 2 * nch }, (_, i) => `sp${i}`),
    ...Array.from({ length: o.accounts }, (_, i) => `ca${i}`), ...Array.from({ length: o.accounts }, (_, i) => `sa${i}`)];
  const users = await accounts(server, names, { admin: ['poster'] });
  const by = new Map(users.map((u) => [u.name, u]));
  const made = await requests(server.port, by.get('poster').token, [
    { type: 'channel.create', name: 'heavy', kind: 'cohort' },
    ...Array.from({ length: nch }, (_, i) => ({ type: 'channel.create', name: `chat-${i}`, kind: 'cohort' }))]);
  const [heavy, ...chats] = made.map((r) => r.channel.id);
  const chanOf = (name) => chats[Number(name.slice(2)) % nch];
  await inBatches(users.slice(1), 4, async (u) => {
    const want = u.name.startsWith('sp') ? [chats[Number(u.name.slice(2)) >> 1]]
      : u.name.startsWith('sa') ? [heavy, chanOf(u.name)] : [chanOf(u.name)];
    for (const r of await requests(server.port, u.token, want.map((ch) => ({ type: 'channel.join', channel: ch })))) {
      check(r.type === 'channel', `join: ${JSON.stringify(r)}`);
    }
  });
  // 200 messages of 4,000 characters: a history page of them is cut to
  // about 512 KiB. (Bytes that need escaping would make each page cost
  // the server more to encode, not more to hold.)
  const HEAVY = 'x'.repeat(4000);
  const acks = await requests(server.port, by.get('poster').token, Array.from({ length: 200 }, (_, k) => ({
    type: 'send', channel: heavy, body: HEAVY, client_id: `heavy-${k}`,
  })));
  for (const a of acks) check(a.type === 'ack', `heavy send: ${JSON.stringify(a).slice(0, 200)}`);
  ctx.log(`${users.length} accounts, ${nch} chat channels, the heavy channel filled`);

  // The chat: speakers take turns; each chatter records each message's
  // delivery latency (from when its speaker sent it) in the current phase.
  const speakers = users.filter((u) => u.name.startsWith('sp')).map((u, i) => new Writer(ctx, {
    name: u.name, token: u.token, userId: u.id, channels: [chats[i >> 1]], port, rand, window: 8, prefix: u.name, bodyMax: 400,
  }));
  const speakerOf = new Map(speakers.map((w) => [w.prefix, w]));
  const lat = { without: [], with: [] };
  let phase = null;
  const chatters = Array.from({ length: o.chatters }, (_, i) => {
    const u = by.get(`ca${i % o.accounts}`);
    const r = new Reader(ctx, { name: `chatter ${i} (${u.name})`, token: u.token, channels: [chanOf(u.name)], port });
    r.onEvent = (f) => {
      const cid = f.message?.client_id;
      const w = cid && speakerOf.get(cid.slice(0, cid.lastIndexOf('-')));
      const at = w?.sent.get(cid)?.at;
      if (phase && at !== undefined) lat[phase].push(performance.now() - at);
    };
    return r;
  });
  await inBatches(chatters, 8, (r) => r.connect());
  for (const w of speakers) await w.connect();
  for (const c of [...chatters, ...speakers]) {
    c.ws.once('close', () => ctx.fail(`${c.name} was disconnected`));
  }
  let owed = 0;
  const gen = setInterval(() => {
    for (owed += o.rate / 20; owed >= 1; owed--) rand.pick(speakers).add();
  }, 50);

  // RSS, sampled all along.
  const pid = server.proc.pid;
  const rss = { without: 0, with: 0, setup: rssKiB(pid) };
  const sampler = setInterval(() => {
    const v = rssKiB(pid);
    if (v && phase) rss[phase] = Math.max(rss[phase], v);
  }, 100);

  phase = 'without';
  await sleep(o.phase * 1000);
  ctx.failed();
  ctx.log(`without slow sockets: ${lat.without.length} deliveries, p99 ${ms(pct(lat.without, 0.99))}, RSS up to ${(rss.without / 1024).toFixed(1)} MiB`);

  // The slow sockets: hello, then pages of large messages asked for, then
  // their TCP sockets are never read again.
  phase = 'with';
  const slow = [];
  const tSlow = Date.now();
  await inBatches(Array.from({ length: o.slow }, (_, i) => i), 8, async (i) => {
    const u = by.get(`sa${i % o.accounts}`);
    const ws = await openSocket(server.port, u.token);
    ws.on('error', () => {});
    await new Promise((resolve) => {
      ws.on('message', (d) => { if (JSON.parse(d.toString()).type === 'synced') resolve(); });
      ws.send(JSON.stringify({ type: 'hello', since: -1 }));
    });
    for (let k = 0; k < o.history; k++) ws.send(JSON.stringify({ type: 'history', channel: heavy, limit: 200, req: `h${k}` }));
    ws._socket.pause();
    ws.removeAllListeners('message');
    slow.push(ws);
  });
  ctx.log(`${slow.length} slow sockets connected and stalled in ${((Date.now() - tSlow) / 1000).toFixed(1)} s`);
  await sleep(2000); // what queued up meanwhile is delivered
  lat.arriving = lat.with;
  lat.with = [];
  await sleep(o.phase * 1000);
  phase = null;
  clearInterval(gen);
  ctx.failed();
  const metrics = (await request(server, 'GET', '/metrics')).text;
  const metric = (n) => Number(new RegExp(`^${n} (\\S+)$`, 'm').exec(metrics)?.[1]);

  // Every chatter got every message of its channel.
  const end = Date.now() + 60000;
  while (speakers.some((w) => w.pending() > 0)) {
    check(Date.now() < end, 'every chat message acked within 60 s');
    await sleep(100);
  }
  const log = await Log.read(dbFile(server));
  while (chatters.some((r) => r.cursor < log.lastOf(r.channels))) {
    check(Date.now() < end, 'every chatter caught up within 60 s');
    await sleep(100);
  }
  for (const r of chatters) r.verify(log, log.max);
  const pong = await requests(server.port, by.get('poster').token, [{ type: 'ping' }]);
  check(pong[0].type === 'pong', `weftd does not answer at the end: ${JSON.stringify(pong)}`);
  clearInterval(sampler);
  for (const ws of slow) ws.terminate();
  for (const c of [...chatters, ...speakers]) { c.ws.removeAllListeners('close'); c.close(); }

  const base = Math.max(rss.setup, rss.without);
  const bound = base + (o.slow * cap * BOUND.factor) / 1024 + BOUND.slackMiB * 1024;
  const exit = await server.stop();
  const report = sanitizerReport(server.log);
  check(!report, `weftd: ${report}`);
  check(exit.code === 0, `weftd did not exit 0 on SIGTERM: ${JSON.stringify(exit)}`);
  const mib = (k) => `${(k / 1024).toFixed(1)} MiB`;
  check(rss.with <= bound, `weftd's RSS reached ${mib(rss.with)} with ${o.slow} slow sockets, over the bound ${mib(bound)}` +
    ` (baseline ${mib(base)} + ${o.slow} × ${cap} bytes × ${BOUND.factor} + ${BOUND.slackMiB} MiB)`);
  const line = (a) => `${a.length} deliveries, p50 ${ms(pct(a, 0.5))}, p99 ${ms(pct(a, 0.99))}, max ${ms(pct(a, 1))}`;
  return {
    seed: o.seed,
    'weftd build': ASAN ? 'AddressSanitizer (quarantine 64 MiB)' : 'no sanitizer',
    'RSS after setup': mib(rss.setup),
    'RSS max, chat only': mib(rss.without),
    [`RSS max, chat + ${o.slow} slow sockets`]: mib(rss.with),
    'RSS bound (asserted)': `${mib(bound)} = baseline + ${o.slow} × ${(cap / 1048576).toFixed(0)} MiB × ${BOUND.factor} + ${BOUND.slackMiB} MiB`,
    'latency without slow sockets (printed only)': line(lat.without),
    'latency while the slow sockets arrive and stall, and 2 s after (printed only)': line(lat.arriving),
    'latency with the slow sockets stalled (printed only)': line(lat.with),
    'slow connections dropped by weftd (weft_slow_drops_total)': metric('weft_slow_drops_total'),
    'connections held, not read (weft_connections_held)': metric('weft_connections_held'),
    'bytes queued at the end (weft_send_queue_bytes)': metric('weft_send_queue_bytes'),
    'chat messages, each received by every chatter of its channel': speakers.reduce((n, w) => n + w.stats.acks, 0),
  };
});
