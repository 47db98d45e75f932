// chlist: what one `channel.list` costs on a server with thousands of
// channels (review finding 4: 4 users made 3,000 channels in 12 s, and each
// channel.list then took 61-67 ms and returned 635 KB).
//
//   node tests/bench/chlist.mjs [--weftd PATH] [--channels 3000] [--iterations 200]
//                               [--json FILE] [--keep DIR] [--only list|page100|mine|walk]
//
// Starts `weftd serve --channels-per-day 0` on a temporary data directory
// (or on --keep DIR, reused when it already holds the channels), has 4 users
// create --channels channels (a third each open cohorts, request caucuses
// and invite-only teams, each with a 60-character topic), and gives one
// reader 20 open channels with unread messages, 20 pending join requests and
// 20 invitations. Then the reader, alone on the server, sends requests one
// at a time and times each from send to the whole reply received (loopback
// TLS, client-side: an upper bound of the server's time):
//
//   list        {"type":"channel.list"}: what a client that never pages gets
//   page100     {"type":"channel.list","limit":100}: the browse dialog's page
//   mine        {"type":"channel.list","mine":true}: the web client's catch-up
//               after a reconnect (servers that page only; 60 channels)
//   walk        every page of 500, following `more` (servers that page only)
//
// and reports p50/p99/max ms, bytes and channels per reply, and the server's
// CPU per request (/proc/PID/stat utime+stime over the run, 10 ms ticks:
// meaningful over the whole run, not per request). Node is in the measured
// path here (TLS and WebSocket framing of the reply, not its JSON parse:
// the time is taken on the raw message), unlike weft-load; that costs well
// under a millisecond for 100 KB on this machine, and both sides of a
// comparison pay it alike.
//
// Wall-clock times on a shared machine are noisy; instructions are not.
// With --weftd pointing at a script that runs weftd under
// `valgrind --tool=callgrind --separate-threads=yes`, two runs of --only
// list with different --iterations give the service thread's instructions
// per request as (difference of the totals) / (difference of the counts):
// tests/bench/README.md, "channel.list".
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
if (opt('weftd')) process.env.WEFTD = path.resolve(opt('weftd'));
const CHANNELS = Number(opt('channels', 3000));
const ITER = Number(opt('iterations', 200));
const JSON_OUT = opt('json');
const KEEP = opt('keep');
const ONLY = opt('only'); // one of list, page100, mine, walk
const CREATORS = 4;
const TOPIC = 'Peer support for practitioners working on budget equity tools.'.slice(0, 60);

// After --weftd: the harness reads WEFTD when it loads.
const { Server, tempDir, WEFTD } = await import('../lib/harness.js');
const dataDir = KEEP ? path.resolve(KEEP) : tempDir('weft-chlist-');
fs.mkdirSync(dataDir, { recursive: true });
const fresh = !fs.existsSync(path.join(dataDir, 'weft.db'));
const server = new Server({ dataDir, args: ['--channels-per-day', '0', '--rate', '100000', '--burst', '100000'] });

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
// [utime, stime] of pid in clock ticks (fields 14 and 15 of /proc/PID/stat).
const cpuTicks = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return [Number(rest[11]), Number(rest[12])];
};

// One request on the raw socket: resolves {ms, bytes, reply} once the reply
// with this req has arrived, timing the raw frame (before JSON.parse).
let reqN = 0;
function timed(client, obj) {
  const req = `b${++reqN}`;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const onMsg = (data) => {
      const t1 = process.hrtime.bigint();
      const text = data.toString();
      if (!text.includes(`"req":"${req}"`)) return;
      client.ws.off('message', onMsg);
      const reply = JSON.parse(text);
      if (reply.type === 'error') reject(new Error(`${JSON.stringify(obj)}: ${text}`));
      else resolve({ ms: Number(t1 - t0) / 1e6, bytes: data.length, reply });
    };
    client.ws.on('message', onMsg);
    client.send({ ...obj, req });
  });
}

// Requests in flight at once while seeding (the rate limit is lifted).
async function pipelined(client, reqs, window = 64) {
  const out = [];
  let next = 0;
  const worker = async () => {
    while (next < reqs.length) {
      const i = next++;
      out[i] = await client.request(reqs[i], { timeout: 60000 });
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return out;
}

async function seed() {
  const users = [];
  for (let i = 0; i < CREATORS; i++) users.push(await server.user(`maker${i}`));
  const reader = await server.user('reader');
  const makers = await Promise.all(users.map((u) => server.connect(u.token, { since: -1 })));
  const kinds = [['cohort', 'open'], ['caucus', 'request'], ['team', 'invite']];
  const t0 = Date.now();
  const made = await Promise.all(makers.map((m, k) => {
    const reqs = [];
    for (let i = k; i < CHANNELS; i += CREATORS) {
      const [kind, access] = kinds[i % 3];
      reqs.push({ type: 'channel.create', name: `bench-${kind}-${i}`, kind, access, topic: TOPIC });
    }
    return pipelined(m, reqs);
  }));
  const chans = made.flatMap((list, k) => list.map((r) => {
    if (r.type !== 'channel') throw new Error(`channel.create: ${JSON.stringify(r)}`);
    return { ...r.channel, maker: makers[k] };
  }));
  console.error(`chlist: ${chans.length} channels created in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const rc = await server.connect(reader.token, { since: -1 });
  const byAccess = (a) => chans.filter((c) => c.access === a).slice(0, 20);
  for (const c of byAccess('open')) await rc.request({ type: 'channel.join', channel: c.id });
  for (const c of byAccess('request')) await rc.request({ type: 'channel.join', channel: c.id, note: 'hello' });
  for (const c of byAccess('invite')) await c.maker.request({ type: 'channel.invite', channel: c.id, user: reader.id });
  // Unread messages in the reader's open channels: 50 each in five of them.
  for (const c of byAccess('open').slice(0, 5)) {
    await pipelined(c.maker, Array.from({ length: 50 }, (_, i) => ({ type: 'send', channel: c.id, body: `unread ${i}`, client_id: `u${c.id}-${i}` })));
  }
  for (const k of [...makers, rc]) await k.close();
  return reader;
}

function summary(name, samples) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  return {
    name, n: samples.length,
    p50_ms: +pct(ms, 0.5).toFixed(2), p99_ms: +pct(ms, 0.99).toFixed(2), max_ms: +ms[ms.length - 1].toFixed(2),
    bytes: samples[0].bytes, channels: samples[0].channels, pages: samples[0].pages ?? 1,
  };
}

async function measure(reader) {
  const c = await server.connect(reader.token, { since: -1 });
  const pages = Boolean(c.welcome.limits?.max_channel_page);
  const results = [];
  const run = async (name, once) => {
    if (ONLY && name !== ONLY) return;
    for (let i = 0; i < 5; i++) await once(); // warm up (and the lazy unread counts)
    const before = cpuTicks(server.proc.pid);
    const samples = [];
    for (let i = 0; i < ITER; i++) samples.push(await once());
    const [user, sys] = cpuTicks(server.proc.pid).map((t, i) => ((t - before[i]) * 10) / ITER);
    results.push({
      ...summary(name, samples),
      server_cpu_ms_per_req: +(user + sys).toFixed(2), server_user_ms: +user.toFixed(2), server_sys_ms: +sys.toFixed(2),
    });
  };
  const one = (extra) => async () => {
    const r = await timed(c, { type: 'channel.list', ...extra });
    return { ms: r.ms, bytes: r.bytes, channels: r.reply.channels.length };
  };
  await run('list', one({}));
  await run('page100', one({ limit: 100 }));
  if (pages) {
    await run('mine', one({ mine: true }));
    await run('walk', async () => {
      let after = 0; let ms = 0; let bytes = 0; let n = 0; let pagesSeen = 0;
      for (;;) {
        const r = await timed(c, { type: 'channel.list', after, limit: 500 });
        ms += r.ms; bytes += r.bytes; n += r.reply.channels.length; pagesSeen++;
        if (!r.reply.more) break;
        after = r.reply.channels[r.reply.channels.length - 1].id;
      }
      return { ms, bytes, channels: n, pages: pagesSeen };
    });
  }
  await c.close();
  return { pages, results };
}

let out;
try {
  await server.start();
  let reader;
  if (fresh) {
    reader = await seed();
  } else {
    const r = await server.login('reader', 'pw-reader-secret');
    reader = { token: r.token };
  }
  out = await measure(reader);
} finally {
  await server.stop();
  if (!KEEP) fs.rmSync(dataDir, { recursive: true, force: true });
}

console.log(`weftd ${WEFTD}; ${CHANNELS} channels; ${ITER} requests each; paging ${out.pages ? 'yes' : 'no'}`);
console.log('what        n    p50 ms   p99 ms   max ms   bytes     channels  pages  server CPU ms/req (user + sys)');
for (const r of out.results) {
  console.log(`${r.name.padEnd(10)} ${String(r.n).padStart(4)} ${String(r.p50_ms).padStart(8)} ${String(r.p99_ms).padStart(8)} `
    + `${String(r.max_ms).padStart(8)}   ${String(r.bytes).padEnd(9)} ${String(r.channels).padStart(8)}  ${String(r.pages).padStart(5)}  `
    + `${r.server_cpu_ms_per_req} (${r.server_user_ms} + ${r.server_sys_ms})`);
}
if (JSON_OUT) fs.writeFileSync(JSON_OUT, `${JSON.stringify({ weftd: WEFTD, channels: CHANNELS, iterations: ITER, ...out }, null, 2)}\n`);
