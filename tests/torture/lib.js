// What the torture scripts (tests/torture/*.js) share: options with a short
// and a long default, a seeded random source, invariant failures and the
// counts printed at the end, the server's log and memory, reads of the data
// directory with sqlite3 and the event log as the database holds it. The
// clients are in clients.js. Built on tests/lib/harness.js; no mocks.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Server, WEFTD, request } from '../lib/harness.js';

export { Server, request, WEFTD };

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
    servers: [],               // their logs are shown when the run fails
    cleanup: (f) => cleanups.push(f),
    log: (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a),
    fail: (msg) => { if (!stopper.failure) stopper.failure = new Violation(msg); },
    // Throws the first violation a callback reported.
    failed: () => { if (stopper.failure) throw stopper.failure; },
  };
  try {
    check(fs.existsSync(WEFTD), `no weftd at ${WEFTD}: build it, or name it with WEFTD=`);
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
      for (const s of ctx.servers) {
        const tail = s.log.split('\n').slice(-40).join('\n');
        console.error(`--- the last lines of weftd's log (${s.dataDir}):\n${tail}`);
      }
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
  try { return fs.readFileSync(WEFTD).includes(Buffer.from('__asan_init')); } catch { return false; }
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

// ---- Helpers.

// Runs fn on every item, at most n at a time.
export async function inBatches(items, n, fn) {
  const q = [...items];
  await Promise.all(Array.from({ length: n }, async () => { while (q.length) await fn(q.shift()); }));
}
