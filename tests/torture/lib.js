// What the torture scripts (tests/torture/*.js) share: options with a short
// and a long default, a seeded random source, invariant failures and the
// counts printed at the end, reads of the data directory with sqlite3, the
// event log as the database holds it, and clients that reconnect and record
// exactly what they receive. Built on tests/lib/harness.js; no mocks.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { Server, FAST_ARGS, WEFTD, login, request } from '../lib/harness.js';

export { Server, login, request, WEFTD };

// Rate limits far above anything a torture client sends.
export const NO_RATE_LIMIT = ['--rate', '100000', '--burst', '100000'];

// ---- Options.

// spec: { name: { short, long, help } } (name as the flag, without --).
// --long takes every option's long value; a flag given wins over both.
// --help prints the options and exits 0. Values are numbers unless the
// short default is a string.
export function options(script, about, spec, argv = process.argv.slice(2)) {
  const all = {
    ...spec,
    seed: { short: 0, help: 'random seed (0: from the clock); printed, so a run can be repeated' },
    keep: { short: 0, help: '1: keep the data directory and print where it is' },
  };
  const usage = () => {
    const lines = [`usage: node tests/torture/${script} [--long] [--option value ...]`, '', about, '',
      'options (short default / --long default):'];
    for (const [k, v] of Object.entries(all)) {
      const d = v.long === undefined || v.long === v.short ? `${v.short}` : `${v.short} / ${v.long}`;
      lines.push(`  --${k.padEnd(20)} ${v.help} (${d})`);
    }
    lines.push('', 'WEFTD names the weftd binary (default: build/weftd); exit status 0 when every invariant held,',
      '1 with a FAIL line naming the broken one.');
    return lines.join('\n');
  };
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage());
    process.exit(0);
  }
  const long = argv.includes('--long');
  const o = { long };
  for (const [k, v] of Object.entries(all)) o[k] = long && v.long !== undefined ? v.long : v.short;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--long') continue;
    const k = argv[i].startsWith('--') ? argv[i].slice(2) : null;
    if (!k || !(k in all) || i + 1 >= argv.length) {
      console.error(`${script}: bad option ${argv[i]}\n\n${usage()}`);
      process.exit(2);
    }
    const raw = argv[++i];
    o[k] = typeof all[k].short === 'string' ? raw : Number(raw);
    if (typeof o[k] === 'number' && !Number.isFinite(o[k])) {
      console.error(`${script}: --${k} needs a number`);
      process.exit(2);
    }
  }
  if (!o.seed) o.seed = (Date.now() % 2147483647) || 1;
  return o;
}

// mulberry32: small, fast and good enough to pick delays and channels.
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.between = (lo, hi) => lo + next() * (hi - lo);
  next.int = (n) => Math.floor(next() * n);
  next.pick = (arr) => arr[Math.floor(next() * arr.length)];
  return next;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- Failures and the end of a run.

// A broken invariant (the message says which and where).
export class Violation extends Error {}
// The run cannot happen here (and says why); exit 0.
export class Skip extends Error {}

export function check(cond, msg) {
  if (!cond) throw new Violation(typeof msg === 'function' ? msg() : msg);
}

// Runs fn({cleanup, log}); prints "<script>: PASS …" and the counts fn
// returns, or "<script>: FAIL: …" and exits 1. cleanup(f) registers what
// must run in any case (servers killed, mounts undone), last first. A
// violation found by a client callback is reported through fail(), which
// makes the run stop at the next await of failed().
export async function main(script, fn) {
  const t0 = Date.now();
  const cleanups = [];
  let code = 0;
  const stopper = { failure: null };
  const ctx = {
    cleanup: (f) => cleanups.push(f),
    log: (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a),
    fail: (msg) => { if (!stopper.failure) stopper.failure = new Violation(msg); },
    // Throws the first violation a callback reported.
    failed: () => { if (stopper.failure) throw stopper.failure; },
  };
  try {
    const counts = await fn(ctx);
    ctx.failed();
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    console.log(`${script}: PASS in ${secs} s`);
    for (const [k, v] of Object.entries(counts || {})) console.log(`  ${k}: ${v}`);
  } catch (e) {
    if (e instanceof Skip) {
      console.log(`${script}: SKIP: ${e.message}`);
    } else {
      code = 1;
      const err = stopper.failure || e;
      console.error(`${script}: FAIL: ${err.message}`);
      if (!(err instanceof Violation)) console.error(err.stack);
    }
  }
  for (const f of cleanups.reverse()) {
    try { await f(); } catch (e) { console.error(`${script}: cleanup: ${e.message}`); code = code || 1; }
  }
  process.exit(code);
}

// ---- The server.

// Sanitizer reports in a weftd log (a killed process reports nothing, but
// one that crashed on its own or at exit does).
export function sanitizerReport(log) {
  const m = /(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: \w+Sanitizer)[^\n]*/.exec(log);
  return m ? m[0] : null;
}

// Resident set size of a process in KiB (VmRSS), or null once it is gone.
export function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch { return null; }
}

// Was weftd built with AddressSanitizer (its RSS then holds shadow memory
// and a quarantine of freed blocks)?
export function weftdHasAsan() {
  try { return fs.readFileSync(WEFTD).includes(Buffer.from('AddressSanitizer')); } catch { return false; }
}

// Creates accounts with `weftd user add` (a few at a time), then signs each
// in. Returns [{name, token, id}] in the order of names.
export async function accounts(server, names, { admin = [] } = {}) {
  const add = (name) => new Promise((resolve, reject) => {
    const args = ['user', 'add', name, '--data', server.dataDir, ...FAST_ARGS];
    if (admin.includes(name)) args.push('--admin');
    const p = spawn(WEFTD, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (c) => { err += c; });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`user add ${name}: ${code} ${err}`))));
    p.stdin.end(`pw-${name}-secret\n`);
  });
  const queue = [...names];
  await Promise.all([0, 1, 2].map(async () => { while (queue.length) await add(queue.shift()); }));
  const out = new Map();
  await inBatches(names, 4, async (name) => {
    const r = await login(server, name, `pw-${name}-secret`);
    if (r.status !== 200) throw new Error(`login ${name}: ${r.status} ${r.text}`);
    out.set(name, { name, token: r.token, id: r.body.user.id });
  });
  return names.map((n) => out.get(n));
}

// ---- Reading the database.

// Runs sql with the sqlite3 shell on a database (read-only; beside a
// running server too: WAL readers do not block it). Resolves with rows of
// fields (strings).
export function sqlite(file, sql, { timeout = 120000 } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn('sqlite3', ['-readonly', '-batch', '-cmd', '.timeout 10000', '-separator', '\t', file, sql],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), timeout);
    p.stdout.on('data', (c) => out.push(c));
    p.stderr.on('data', (c) => { err += c; });
    p.on('error', reject);
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`sqlite3 ${path.basename(file)} "${sql.slice(0, 60)}": ${code} ${err}`));
      const text = Buffer.concat(out).toString('utf8');
      resolve(text === '' ? [] : text.replace(/\n$/, '').split('\n').map((l) => l.split('\t')));
    });
  });
}

export function dbFile(server) {
  return path.join(server.dataDir, 'weft.db');
}

export function lowerBound(arr, x) {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// The event log as the database holds it: seq -> channel, and each
// channel's seqs in order.
export class Log {
  constructor(rows) {
    this.seqs = [];
    this.channelOf = new Map();
    this.byChannel = new Map();
    for (const [s, c] of rows) {
      const seq = Number(s);
      const ch = Number(c);
      this.seqs.push(seq);
      this.channelOf.set(seq, ch);
      if (!this.byChannel.has(ch)) this.byChannel.set(ch, []);
      this.byChannel.get(ch).push(seq);
    }
    this.max = this.seqs.length ? this.seqs[this.seqs.length - 1] : 0;
  }

  static async read(file) {
    return new Log(await sqlite(file, 'SELECT seq, channel_id FROM events ORDER BY seq'));
  }

  // The contract: seq strictly increases in commit order and is never
  // reused. Weft's one writer also hands back the seq of a refused send, so
  // the log is dense: 1, 2, 3, … A hole is a commit that was lost.
  checkDense() {
    for (let i = 0; i < this.seqs.length; i++) {
      check(this.seqs[i] === i + 1, () => `the event log has a hole: position ${i + 1} holds seq ${this.seqs[i]}`);
    }
  }

  // An earlier snapshot must be a prefix of this one: a committed event
  // never disappears or changes channel (a lost commit whose seq was then
  // reused would).
  checkExtends(prev) {
    if (!prev) return;
    check(this.max >= prev.max, () => `the log shrank from seq ${prev.max} to ${this.max}`);
    for (const seq of prev.seqs) {
      check(this.channelOf.get(seq) === prev.channelOf.get(seq),
        () => `seq ${seq} was in channel ${prev.channelOf.get(seq)}, now ${this.channelOf.get(seq)}`);
    }
  }

  // The seqs of channels with after < seq <= upto, in order.
  between(channels, after, upto) {
    const out = [];
    for (const c of channels) {
      const l = this.byChannel.get(c) || [];
      for (let i = lowerBound(l, after + 1); i < l.length && l[i] <= upto; i++) out.push(l[i]);
    }
    return out.sort((a, b) => a - b);
  }

  // The newest seq of any of channels (0 if none).
  lastOf(channels) {
    let m = 0;
    for (const c of channels) {
      const l = this.byChannel.get(c);
      if (l && l.length && l[l.length - 1] > m) m = l[l.length - 1];
    }
    return m;
  }
}

// Compares what a stream received (seqs in order) with what the log says it
// should have: exactly expected, no gap, no duplicate, same order.
export function compareStream(what, got, expected) {
  const n = Math.max(got.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (got[i] === expected[i]) continue;
    if (got[i] === undefined) throw new Violation(`${what}: missing seq ${expected[i]} (and ${expected.length - i - 1} after it)`);
    if (expected[i] === undefined) throw new Violation(`${what}: received seq ${got[i]} that the log does not hold for it`);
    const dup = got.indexOf(got[i]) < i;
    throw new Violation(`${what}: at position ${i} received seq ${got[i]}, the log has ${expected[i]}` +
      (dup ? ' (a duplicate)' : got[i] > expected[i] ? ' (a gap)' : ' (not in the log)'));
  }
}

// ---- Clients.

// Opens /ws with a bearer token; resolves with the open socket.
export function openSocket(port, token, { timeout = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, 'weft.v1', {
      rejectUnauthorized: false, perMessageDeflate: false, handshakeTimeout: timeout,
      headers: { authorization: `Bearer ${token}` },
    });
    ws.on('error', (e) => reject(e));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(new Error(`handshake refused: ${res.statusCode}`));
      ws.terminate();
    });
    ws.once('open', () => resolve(ws));
  });
}

// A member reading its channels' events through connections that end (the
// server killed, or the client hanging up) and resume with the cursor.
// What it received is checked against the log two ways:
//   - cumulative (got, per channel): every event of its channels after its
//     first cursor, once, in order, across all its connections;
//   - per connection (conns, when keepConns): each connection received
//     exactly the log of its channels from the `since` it sent.
// Violations seen on the spot (an event out of order or from a channel it
// is not in, a gap frame) go to ctx.fail.
export class Reader {
  constructor(ctx, { name, token, channels, port, keepConns = false }) {
    this.ctx = ctx;
    this.name = name;
    this.token = token;
    this.channels = new Set(channels);
    this.port = port;
    this.keepConns = keepConns;
    this.cursor = null;        // highest seq known complete (events, synced)
    this.start = null;         // the cursor of the first synced
    this.got = new Map();      // channel -> seqs received, in order
    this.checked = new Map();  // channel -> [index in got, index in the log's channel] verified
    this.conns = [];
    this.ws = null;
    this.live = false;
    this.stats = { connects: 0, resumes: 0, replayed: 0, events: 0, failedConnects: 0 };
  }

  // Connects with hello since (default: the cursor, or -1 the first time:
  // no replay). Resolves once synced; rejects when the connection fails
  // or ends first.
  async connect({ since } = {}) {
    const ws = await openSocket(this.port(), this.token);
    this.ws = ws;
    this.live = false;
    this.stats.connects++;
    const s = since ?? (this.cursor === null ? -1 : this.cursor);
    const conn = { since: s, got: [], synced: null, ended: false };
    if (this.keepConns) this.conns.push(conn);
    let last = s < 0 ? 0 : s; // this connection's own order check
    return new Promise((resolve, reject) => {
      ws.on('message', (data) => {
        let f;
        try { f = JSON.parse(data.toString()); } catch { return this.ctx.fail(`${this.name}: a frame that is not JSON`); }
        if (f.type === 'event') {
          if (!this.channels.has(f.channel)) return this.ctx.fail(`${this.name}: event ${f.seq} of channel ${f.channel}, not one of its channels`);
          if (!(f.seq > last)) return this.ctx.fail(`${this.name}: seq ${f.seq} after ${last} on one connection (since ${s}): duplicate or out of order`);
          last = f.seq;
          conn.got.push(f.seq);
          this.stats.events++;
          if (!conn.synced) this.stats.replayed++;
          if (!this.keepConns) {
            // Across connections too: resumed from the cursor, every
            // event is one never received.
            if (this.cursor !== null && f.seq <= this.cursor) {
              return this.ctx.fail(`${this.name}: seq ${f.seq} again or out of order (cursor ${this.cursor}, since ${s})`);
            }
            if (!this.got.has(f.channel)) this.got.set(f.channel, []);
            this.got.get(f.channel).push(f.seq);
          }
          if (this.cursor === null || f.seq > this.cursor) this.cursor = f.seq;
        } else if (f.type === 'synced') {
          conn.synced = f.seq;
          if (f.seq > last) last = f.seq;
          if (this.start === null) this.start = s >= 0 ? s : f.seq;
          if (this.cursor === null || f.seq > this.cursor) this.cursor = f.seq;
          if (s >= 0) this.stats.resumes++;
          this.live = true;
          resolve();
        } else if (f.type === 'gap') {
          this.ctx.fail(`${this.name}: gap frame ${JSON.stringify(f)} (replay_max is raised so that none is due)`);
        } else if (f.type === 'error') {
          this.ctx.fail(`${this.name}: error frame ${JSON.stringify(f)}`);
        }
      });
      ws.once('close', () => {
        conn.ended = true;
        this.live = false;
        if (this.ws === ws) this.ws = null;
        reject(new Error('closed before synced'));
      });
      ws.send(JSON.stringify({ type: 'hello', since: s }));
    });
  }

  // Checks the cumulative stream against the log up to bound (incrementally:
  // what was verified stays verified).
  verify(log, bound) {
    if (this.start === null) return;
    for (const c of this.channels) {
      const l = log.byChannel.get(c) || [];
      const got = this.got.get(c) || [];
      let [i, j] = this.checked.get(c) || [0, lowerBound(l, this.start + 1)];
      while (j < l.length && l[j] <= bound) {
        if (got[i] !== l[j]) {
          throw new Violation(`${this.name} (channel ${c}, from cursor ${this.start}): ` + (got[i] === undefined || got[i] > l[j]
            ? `never received seq ${l[j]} (a gap; next received: ${got[i]})` : `received seq ${got[i]} where the log has ${l[j]}`));
        }
        i++;
        j++;
      }
      if (i < got.length && got[i] <= bound) {
        throw new Violation(`${this.name} (channel ${c}): received seq ${got[i]}, which the log (up to ${bound}) does not hold: delivered, then lost`);
      }
      this.checked.set(c, [i, j]);
    }
  }

  // Checks every recorded connection: from its since, exactly the log.
  verifyConns(log, floor) {
    for (const [k, c] of this.conns.entries()) {
      const bound = Math.max(c.got.length ? c.got[c.got.length - 1] : 0, c.synced ?? 0);
      const from = c.since < 0 ? (c.synced ?? bound) : c.since;
      check(from >= floor, `${this.name} connection ${k}: since ${from} is below the first cursor ${floor}`);
      compareStream(`${this.name} connection ${k} (since ${c.since}, replay + live up to ${bound})`, c.got,
        log.between(this.channels, from, bound));
    }
  }

  close() {
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.terminate();
  }
}

// An author sending with client ids: every message is sent until it is
// acked, and a message whose connection ended unanswered is sent again with
// the same client_id on the next one (the contract makes that idempotent).
export class Writer {
  constructor(ctx, { name, token, userId, channels, port, rand, window = 4, prefix }) {
    this.ctx = ctx;
    this.name = name;
    this.token = token;
    this.userId = userId;
    this.channels = channels;
    this.port = port;
    this.rand = rand;
    this.window = window;
    this.prefix = prefix;
    this.n = 0;
    this.sent = new Map();     // client_id -> {channel, body}
    this.acked = new Map();    // client_id -> id
    this.queue = [];           // client_ids to send (again)
    this.inflight = new Set(); // client_ids sent on the open connection
    this.ws = null;
    this.live = false;
    this.stats = { acks: 0, duplicates: 0, resends: 0, unavailable: 0, connects: 0 };
  }

  // A new message (body of 10 to 400 characters) to the queue.
  add() {
    const cid = `${this.prefix}-${this.n++}`;
    const channel = this.rand.pick(this.channels);
    const pad = 'x'.repeat(this.rand.int(390));
    this.sent.set(cid, { channel, body: `${cid} ${pad}` });
    this.queue.push(cid);
    this.pump();
  }

  pending() { return this.queue.length + this.inflight.size; }

  pump() {
    while (this.live && this.queue.length && this.inflight.size < this.window) {
      const cid = this.queue.shift();
      const m = this.sent.get(cid);
      this.inflight.add(cid);
      this.ws.send(JSON.stringify({ type: 'send', req: cid, channel: m.channel, body: m.body, client_id: cid }));
    }
  }

  async connect() {
    const ws = await openSocket(this.port(), this.token);
    this.ws = ws;
    this.stats.connects++;
    return new Promise((resolve, reject) => {
      ws.on('message', (data) => {
        const f = JSON.parse(data.toString());
        if (f.type === 'synced') {
          this.live = true;
          resolve();
          this.pump();
        } else if (f.req && this.inflight.has(f.req)) {
          this.answer(f);
          this.pump();
        }
      });
      ws.once('close', () => {
        this.live = false;
        if (this.ws === ws) this.ws = null;
        // Unanswered: sent again, with the same client_id, on the next one.
        const again = [...this.inflight];
        this.inflight.clear();
        this.stats.resends += again.length;
        this.queue.unshift(...again);
        reject(new Error('closed before synced'));
      });
      ws.send(JSON.stringify({ type: 'hello', since: -1 }));
    });
  }

  answer(f) {
    const cid = f.req;
    this.inflight.delete(cid);
    if (f.type === 'ack') {
      if (f.client_id !== cid) return this.ctx.fail(`${this.name}: ack for ${cid} names client_id ${f.client_id}`);
      if (!(f.id > 0)) return this.ctx.fail(`${this.name}: ack for ${cid} without an id: ${JSON.stringify(f)}`);
      const had = this.acked.get(cid);
      if (had !== undefined && had !== f.id) return this.ctx.fail(`${this.name}: ${cid} acked as ${had}, then as ${f.id}`);
      if (had === undefined) this.stats.acks++;
      if (f.duplicate) this.stats.duplicates++;
      this.acked.set(cid, f.id);
    } else if (f.type === 'error' && f.code === 'unavailable') {
      this.stats.unavailable++;
      this.queue.push(cid);
    } else {
      this.ctx.fail(`${this.name}: send ${cid} answered ${JSON.stringify(f).slice(0, 200)}`);
    }
  }

  close() {
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.terminate();
  }
}

// Keeps a client connected: connects, and after each end waits a little
// (delay(), ms) and connects again, until stop() is called.
export function keepConnected(client, { delay = () => 100, onError } = {}) {
  let stopped = false;
  let wake = null;
  const loop = async () => {
    while (!stopped) {
      let ended;
      const done = new Promise((r) => { ended = r; });
      try {
        await client.connect();
        client.ws.once('close', ended);
        await done;
      } catch (e) {
        client.stats.failedConnects = (client.stats.failedConnects || 0) + 1;
        onError?.(e);
      }
      if (stopped) break;
      await new Promise((r) => { wake = r; setTimeout(r, delay()); });
    }
  };
  const running = loop();
  return {
    running,
    stop() { stopped = true; wake?.(); client.close(); return running; },
  };
}

// Sends requests one after the other on a fresh connection of an account
// and resolves with their replies (for setup: channels, joins).
export async function requests(port, token, reqs) {
  const ws = await openSocket(port, token);
  const replies = [];
  return new Promise((resolve, reject) => {
    const next = () => ws.send(JSON.stringify({ ...reqs[replies.length], req: `q${replies.length}` }));
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString());
      if (f.type === 'synced') {
        if (reqs.length) next(); else ws.close();
      } else if (f.req === `q${replies.length}`) {
        replies.push(f);
        if (replies.length < reqs.length) next(); else ws.close();
      }
    });
    ws.once('close', () => (replies.length === reqs.length ? resolve(replies) : reject(new Error('closed before the replies'))));
    ws.send(JSON.stringify({ type: 'hello', since: -1 }));
  });
}

// Pulls at most n items from an async source at a time.
export async function inBatches(items, n, fn) {
  const q = [...items];
  await Promise.all(Array.from({ length: n }, async () => { while (q.length) await fn(q.shift()); }));
}
