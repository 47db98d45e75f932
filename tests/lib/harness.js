// Shared test harness: runs the real weftd binary on a loopback port with a
// temporary data directory and drives it with real HTTPS and WebSocket
// clients. Used by tests/integration and tests/browser.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = process.env.WEFT_SOURCE_DIR || path.resolve(here, '..', '..');
export const WEFTD = process.env.WEFTD || path.join(SOURCE_DIR, 'build', 'weftd');

// Cheap password hashing keeps tests fast; production defaults are untouched.
export const FAST_ARGS = ['--argon2-iterations', '1', '--argon2-memory', '1024'];

export function tempDir(prefix = 'weft-test-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export class Server {
  constructor({ dataDir, args = [], port = 0 } = {}) {
    this.dataDir = dataDir || tempDir();
    this.args = args;
    this.port = port;
    this.proc = null;
    this.log = '';
  }

  get origin() { return `https://127.0.0.1:${this.port}`; }
  get wsUrl() { return `wss://127.0.0.1:${this.port}/ws`; }

  // Starts weftd and resolves once it prints its ready line.
  start(timeoutMs = 20000) {
    const argv = ['serve', '--data', this.dataDir, '--bind', '127.0.0.1',
      '--port', String(this.port), ...FAST_ARGS, ...this.args];
    const proc = spawn(WEFTD, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    // The log keeps every run's output; only this run's ready line counts
    // (after a restart the previous one is still in it).
    const from = this.log.length;
    this.exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`weftd did not become ready:\n${this.log}`)), timeoutMs);
      const onData = (chunk) => {
        this.log += chunk.toString();
        // The ready event, as key=value text or as JSON (log_format).
        const m = /(?:event=ready url=|"event":"ready","url":")https:\/\/[^\s:"]+:(\d+)/.exec(this.log.slice(from));
        if (m) {
          clearTimeout(timer);
          this.port = Number(m[1]);
          resolve(this);
        }
      };
      proc.stderr.on('data', onData);
      proc.stdout.on('data', (c) => { this.log += c.toString(); });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`weftd exited (${code ?? signal}) before ready:\n${this.log}`));
      });
    });
  }

  // SIGTERM and wait; resolves with {code, signal}.
  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode) return this.exited;
    this.proc.kill('SIGTERM');
    return this.exited;
  }

  async kill9() {
    if (!this.proc) return;
    this.proc.kill('SIGKILL');
    return this.exited;
  }

  // Restarts on the same port and data directory.
  async restart() {
    await this.stop();
    return this.start();
  }

  addUser(name, password, { admin = false, display } = {}) {
    return addUser(this.dataDir, name, password, { admin, display });
  }

  async login(name, password, headers = {}) {
    return login(this, name, password, headers);
  }

  async connect(token, opts = {}) {
    return connect(this, token, opts);
  }

  // Creates an account, signs it in and opens a WebSocket that has done hello.
  async user(name, { admin = false, display, password = `pw-${name}-secret` } = {}) {
    this.addUser(name, password, { admin, display });
    const res = await this.login(name, password);
    if (res.status !== 200) throw new Error(`login ${name}: ${res.status} ${res.text}`);
    return { name, password, token: res.token, id: res.body.user.id, user: res.body.user };
  }
}

export async function startServer(opts = {}) {
  const s = new Server(opts);
  await s.start();
  return s;
}

export function runWeftd(args, { input = '', timeout = 30000 } = {}) {
  return spawnSync(WEFTD, args, { input, timeout, encoding: 'utf8' });
}

export function addUser(dataDir, name, password, { admin = false, display } = {}) {
  const args = ['user', 'add', name, '--data', dataDir, ...FAST_ARGS];
  if (admin) args.push('--admin');
  if (display) args.push('--display', display);
  const r = runWeftd(args, { input: `${password}\n` });
  if (r.status !== 0) throw new Error(`weftd user add ${name} failed (${r.status}): ${r.stderr}`);
  return r;
}

// One HTTPS request to the server; resolves with {status, headers, text, body}.
export function request(server, method, urlPath, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body));
    const req = https.request({
      host: '127.0.0.1', port: server.port, method, path: urlPath, rejectUnauthorized: false,
      headers: { ...(data !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}), ...headers },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let parsed;
        try { parsed = JSON.parse(text); } catch { parsed = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, body: parsed });
      });
    });
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

export async function login(server, username, password, headers = {}) {
  const res = await request(server, 'POST', '/api/login', { body: { username, password }, headers });
  const cookie = [].concat(res.headers['set-cookie'] || []).find((c) => c.startsWith('__Host-weft='));
  res.cookie = cookie;
  res.token = cookie ? cookie.split(';')[0].slice('__Host-weft='.length) : undefined;
  return res;
}

// A WebSocket client that records every frame and lets tests await frames.
export class Client {
  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.waiters = [];
    this.reqCounter = 0;
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      this.frames.push(frame);
      for (const w of [...this.waiters]) {
        if (w.pred(frame)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          clearTimeout(w.timer);
          w.resolve(frame);
        }
      }
    });
  }

  send(obj) { this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); }

  // Resolves with the first frame (already received after index `from`, or
  // future) that matches pred.
  next(pred, { timeout = 10000, from = 0 } = {}) {
    const seen = this.frames.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`timed out waiting for frame; last frames: ${JSON.stringify(this.frames.slice(-5))}`));
      }, timeout);
      this.waiters.push(w);
    });
  }

  // Sends a request with a fresh req id and resolves with its direct reply.
  request(obj, opts) {
    const req = obj.req || `r${++this.reqCounter}`;
    const from = this.frames.length;
    this.send({ ...obj, req });
    return this.next((f) => f.req === req, { ...opts, from });
  }

  events(channel) {
    return this.frames.filter((f) => f.type === 'event' && (channel === undefined || f.channel === channel));
  }

  close() { this.ws.close(); return this.closed; }
}

// Opens /ws with a bearer token (or cookie with {cookie:true}); performs hello
// unless {hello:false}; resolves with the Client once `synced` arrives.
export function connect(server, token, { origin, cookie = false, hello = true, since = 0, headers = {} } = {}) {
  const h = { ...headers };
  if (token && cookie) h.cookie = `__Host-weft=${token}`;
  else if (token) h.authorization = `Bearer ${token}`;
  if (origin) h.origin = origin;
  const ws = new WebSocket(server.wsUrl, 'weft.v1', { rejectUnauthorized: false, headers: h });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      const err = new Error(`handshake refused: ${res.statusCode}`);
      err.status = res.statusCode;
      reject(err);
    });
    ws.once('error', reject);
    ws.once('open', async () => {
      const c = new Client(ws);
      if (!hello) return resolve(c);
      c.send({ type: 'hello', since });
      try {
        c.welcome = await c.next((f) => f.type === 'welcome');
        c.synced = await c.next((f) => f.type === 'synced');
        resolve(c);
      } catch (e) { reject(e); }
    });
  });
}
