// Helpers shared by the integration test files (not a test file itself: the
// name does not match *.test.js). Built on tests/lib/harness.js.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Client, request } from '../lib/harness.js';

// Rate limits high enough that bulk senders in tests never hit them.
export const NO_RATE_LIMIT = ['--rate', '5000', '--burst', '5000'];

export function uid(prefix = 'x') {
  return `${prefix}-${crypto.randomBytes(6).toString('hex')}`;
}

// Resolves when `count` frames matching pred have been received (counting
// frames already received). Rejects on timeout.
export function waitCount(client, pred, count, { timeout = 15000 } = {}) {
  if (count <= 0) return Promise.resolve();
  let n = 0;
  return client.next((f) => pred(f) && ++n >= count, { timeout });
}

// Resolves with {code, reason} when the socket closes within ms, else rejects.
export function closedWithin(client, ms) {
  let timer;
  return Promise.race([
    client.closed,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

export function isOpen(client) {
  return client.ws.readyState === WebSocket.OPEN;
}

// A ping round trip proves the connection is open and still served.
export async function assertAlive(client, assert) {
  const pong = await client.request({ type: 'ping' }, { timeout: 5000 });
  assert.equal(pong.type, 'pong', `ping answered with ${JSON.stringify(pong)}`);
}

// Creates a channel as `owner` (a Client) and has every other client join it.
export async function makeChannel(owner, others = [], { name = uid('ch'), kind = 'cohort', access } = {}) {
  const req = { type: 'channel.create', name, kind };
  if (access) req.access = access;
  const r = await owner.request(req);
  if (r.type !== 'channel') throw new Error(`channel.create ${name}: ${JSON.stringify(r)}`);
  for (const c of others) {
    const j = await c.request({ type: 'channel.join', channel: r.channel.id });
    if (j.type !== 'channel') throw new Error(`channel.join ${name}: ${JSON.stringify(j)}`);
  }
  return r.channel;
}

// Sends one message and resolves with the ack (throws on any other reply).
export async function sendMsg(client, channel, body, extra = {}) {
  const client_id = extra.client_id || uid('c');
  const r = await client.request({ type: 'send', channel, body, client_id, ...extra });
  if (r.type !== 'ack') throw new Error(`send: ${JSON.stringify(r)}`);
  return r;
}

// Sends n messages without waiting between them, then awaits all acks.
// Returns the acks in send order.
export async function sendBurst(client, channel, n, bodyFn = (i) => `m${i}`) {
  const ps = [];
  for (let i = 0; i < n; i++) ps.push(sendMsg(client, channel, bodyFn(i), { client_id: uid(`b${i}`) }));
  return Promise.all(ps);
}

// Pages the whole history of a channel the way a client scrolls back: the
// latest page, then `before` the oldest seen until more:false. Returns the
// messages oldest first.
export async function allHistory(client, channel, { limit = 200 } = {}) {
  let out = [];
  let q = {};
  for (let guard = 0; guard < 10000; guard++) {
    const r = await client.request({ type: 'history', channel, limit, ...q });
    if (r.type !== 'history') throw new Error(`history: ${JSON.stringify(r)}`);
    out = [...r.messages, ...out];
    if (!r.more) return out;
    if (r.messages.length === 0) throw new Error('history said more:true with an empty page');
    q = { before: r.messages[0].id };
  }
  throw new Error('history paging did not terminate');
}

// Opens a raw /ws connection without hello. Resolves {client} on open or
// {status} when the handshake is refused.
export function rawConnect(server, { headers = {}, protocol = 'weft.v1', url } = {}) {
  const ws = new WebSocket(url || server.wsUrl, protocol, { rejectUnauthorized: false, headers });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ status: res.statusCode });
      ws.on('error', () => {});
      try { ws.terminate(); } catch { /* already gone */ }
    });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.removeListener('error', reject);
      ws.on('error', () => {}); // abrupt server death must not crash the test runner
      resolve({ client: new Client(ws), protocol: ws.protocol });
    });
  });
}

// Every file in dir (recursively) whose bytes contain needle.
export function filesContaining(dir, needle) {
  const hits = [];
  const buf = Buffer.from(needle, 'utf8');
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && fs.readFileSync(p).includes(buf)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

export function haveSqlite3() {
  return spawnSync('sqlite3', ['-version'], { encoding: 'utf8' }).status === 0;
}

export function sqlite3(file, sql) {
  const r = spawnSync('sqlite3', ['-readonly', file, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3 ${file}: ${r.stderr}`);
  return r.stdout;
}

// SIGTERM and wait at most ms for the exit; resolves with {code, signal,
// timedOut}. A server that hangs is killed so that cleanup stays bounded
// (the hang itself is asserted where it matters, in durability.test.js).
export async function stopWithin(server, ms = 10000) {
  if (!server?.proc) return { code: null, signal: null, timedOut: false };
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), ms); });
  const r = await Promise.race([server.stop(), timeout]);
  clearTimeout(timer);
  if (r !== 'timeout') return { ...r, timedOut: false };
  await server.kill9();
  return { code: null, signal: 'SIGKILL', timedOut: true };
}

// The value of one unlabelled metric from /metrics (loopback needs no login).
export async function metric(server, name) {
  const r = await request(server, 'GET', '/metrics');
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(r.text);
  if (!m) throw new Error(`${name} not in /metrics`);
  return Number(m[1]);
}

// Compact JSON for assertion messages.
export const show = (x) => JSON.stringify(x);

// A frame predicate: an event of kind in channel ch that also passes pred.
export const isEv = (ch, kind, pred = () => true) => (f) =>
  f.type === 'event' && f.channel === ch && f.kind === kind && pred(f);

// Asserts that r is an error reply with this code.
export function assertErr(r, code, what) {
  assert.equal(r.type, 'error', `${what}: expected error ${code}, got ${show(r)}`);
  assert.equal(r.code, code, `${what}: ${show(r)}`);
}

// A ping round trip: every frame the server sent this client before the pong
// has arrived. Returns how many frames the client holds so far.
export async function barrier(client) {
  const p = await client.request({ type: 'ping' });
  assert.equal(p.type, 'pong', show(p));
  return client.frames.length;
}
