// The torture scripts' clients (tests/torture/*.js): sockets, accounts,
// setup requests, a reader that records exactly what it receives across
// connections that end and resume, a writer that sends with client ids
// until each is acked, and a loop that keeps either connected.
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { FAST_ARGS, WEFTD, login, request } from '../lib/harness.js';
import { Violation, check, lowerBound, compareStream, inBatches } from './lib.js';

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
    this.onEvent = null;       // called with every event frame
    this.ws = null;
    this.live = false;
    this.stats = { connects: 0, resumes: 0, replayed: 0, events: 0, failedConnects: 0 };
  }

  // Connects with hello since (default: the cursor, or -1 the first time:
  // no replay). Resolves once synced; rejects when the connection fails
  // or ends first.
  async connect({ since } = {}) {
    return (await this.begin({ since })).synced;
  }

  // Opens a connection and sends hello; resolves with {ws, synced, conn}
  // as soon as the socket is open (synced: as connect's promise).
  async begin({ since } = {}) {
    const ws = await openSocket(this.port(), this.token);
    this.ws = ws;
    this.live = false;
    this.stats.connects++;
    const s = since ?? (this.cursor === null ? -1 : this.cursor);
    const conn = { since: s, got: [], synced: null, ended: false };
    if (this.keepConns) this.conns.push(conn);
    let last = s < 0 ? 0 : s; // this connection's own order check
    const synced = new Promise((resolve, reject) => {
      ws.on('message', (data) => {
        let f;
        try { f = JSON.parse(data.toString()); } catch { return this.ctx.fail(`${this.name}: a frame that is not JSON`); }
        if (f.type === 'event') {
          this.onEvent?.(f);
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
    synced.catch(() => {}); // a connection may end before synced
    return { ws, synced, conn };
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
      if (c.since < 0 && c.synced === null) {
        // No replay asked for: nothing comes before synced.
        check(c.got.length === 0, `${this.name} connection ${k}: events before synced with since -1`);
        continue;
      }
      const from = c.since < 0 ? c.synced : c.since;
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
  constructor(ctx, { name, token, userId, channels, port, rand, window = 4, prefix, retryMs = 100, bodyMax = 390 }) {
    this.ctx = ctx;
    this.name = name;
    this.token = token;
    this.userId = userId;
    this.channels = channels;
    this.port = port;
    this.rand = rand;
    this.window = window;
    this.prefix = prefix;
    this.retryMs = retryMs;
    this.bodyMax = bodyMax;
    this.waiting = 0;          // refused as unavailable, to be sent again
    this.n = 0;
    this.sent = new Map();     // client_id -> {channel, body, at: performance.now() when first sent}
    this.acked = new Map();    // client_id -> id
    this.queue = [];           // client_ids to send (again)
    this.inflight = new Set(); // client_ids sent on the open connection
    this.ws = null;
    this.live = false;
    this.stats = { acks: 0, duplicates: 0, resends: 0, unavailable: 0, connects: 0 };
  }

  // A new message (its client_id and up to bodyMax more characters) to
  // the queue.
  add() {
    const cid = `${this.prefix}-${this.n++}`;
    const channel = this.rand.pick(this.channels);
    const pad = 'x'.repeat(this.rand.int(this.bodyMax));
    this.sent.set(cid, { channel, body: `${cid} ${pad}` });
    this.queue.push(cid);
    this.pump();
  }

  pending() { return this.queue.length + this.inflight.size + this.waiting; }

  pump() {
    while (this.live && this.queue.length && this.inflight.size < this.window) {
      const cid = this.queue.shift();
      const m = this.sent.get(cid);
      if (m.at === undefined) m.at = performance.now(); // first sent
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
      // Not stored: sent again a little later, with the same client_id.
      this.stats.unavailable++;
      this.waiting++;
      setTimeout(() => {
        this.waiting--;
        this.queue.push(cid);
        this.pump();
      }, this.retryMs);
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

// Creates accounts and signs each in; returns [{name, token, id}] in the
// order of names. One administrator comes from `weftd user add --admin`;
// the rest through it (admin.user.create, then /api/signup with the link),
// which costs no process each (a sanitized weftd takes 0.1 to 0.8 s to
// start and exit).
export async function accounts(server, names, { admin = [] } = {}) {
  const root = `root-${process.pid}`;
  await new Promise((resolve, reject) => {
    const p = spawn(WEFTD, ['user', 'add', root, '--admin', '--data', server.dataDir, ...FAST_ARGS],
      { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (c) => { err += c; });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`user add ${root}: ${code} ${err}`))));
    p.stdin.end(`pw-${root}-secret\n`);
  });
  const r = await login(server, root, `pw-${root}-secret`);
  if (r.status !== 200) throw new Error(`login ${root}: ${r.status} ${r.text}`);
  const made = await requests(server.port, r.token,
    names.map((name) => ({ type: 'admin.user.create', name, admin: admin.includes(name) })));
  const out = new Map();
  await inBatches(names.map((name, i) => [name, made[i]]), 4, async ([name, m]) => {
    if (m.type !== 'user') throw new Error(`admin.user.create ${name}: ${JSON.stringify(m)}`);
    const token = m.signup_url.slice(m.signup_url.indexOf('#signup=') + 8);
    const res = await request(server, 'POST', '/api/signup', { body: { token, password: `pw-${name}-secret` } });
    const cookie = [].concat(res.headers['set-cookie'] || []).find((c) => c.startsWith('__Host-weft='));
    if (res.status !== 200 || !cookie) throw new Error(`signup ${name}: ${res.status} ${res.text}`);
    out.set(name, { name, token: cookie.split(';')[0].slice('__Host-weft='.length), id: res.body.user.id });
  });
  return names.map((n) => out.get(n));
}
