// Review finding 9: protocol laxness. A frame that stops halfway (in its
// header or its payload) is closed after frame_timeout, as is a client that
// never answers the ping sent after frame_timeout of silence; a quiet client
// that answers pings stays. Handshake refusals are HTTP/1.1 with the JSON
// error body of the HTTP endpoints, not lws's HTTP/1.0 HTML page.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import WebSocket from 'ws';
import { startServer } from '../lib/harness.js';
import { closedWithin, stopWithin } from './support.js';

const TIMEOUT_S = 2;
let server, ana;
before(async () => {
  server = await startServer({ args: ['--frame-timeout', String(TIMEOUT_S)] });
  ana = await server.user('ana');
});
after(async () => { await stopWithin(server); });

// A WebSocket that is open and said hello, built by hand so that tests can
// choose ws options (autoPong) and write raw bytes under it.
async function open({ autoPong = true } = {}) {
  const ws = new WebSocket(server.wsUrl, 'weft.v1', {
    rejectUnauthorized: false, autoPong, headers: { authorization: `Bearer ${ana.token}` },
  });
  ws.on('error', () => {});
  const closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('unexpected-response', reject); });
  const synced = new Promise((resolve) => ws.on('message', (d) => { if (JSON.parse(d).type === 'synced') resolve(); }));
  ws.send(JSON.stringify({ type: 'hello', since: 0 }));
  await synced;
  return { ws, closed, closedWithin: (ms) => closedWithin({ closed }, ms) };
}

// Writes bytes below ws's framing, on its TLS socket.
const raw = (ws, bytes) => ws._socket.write(Buffer.from(bytes));
const MASK = [1, 2, 3, 4];

test('a frame header that stops halfway is closed after frame_timeout', { timeout: 30000 }, async () => {
  // Stuck halfway, the client can send nothing more: not even a pong,
  // which would be read as the rest of the header.
  const k = await open({ autoPong: false });
  raw(k.ws, [0x81]); // FIN + text opcode, then nothing
  const t0 = Date.now();
  const closed = await k.closedWithin(5 * TIMEOUT_S * 1000 + 5000);
  assert.deepEqual(closed, { code: 1008, reason: 'no answer to ping within frame_timeout' });
  assert.ok(Date.now() - t0 >= TIMEOUT_S * 1000, 'not before frame_timeout');
});

test('a frame claiming 2^62 bytes that never come is closed after frame_timeout', { timeout: 30000 }, async () => {
  const k = await open();
  // 127 = 64-bit length follows: 2^62, masked, then a few payload bytes.
  raw(k.ws, [0x81, 0x80 | 127, 0x40, 0, 0, 0, 0, 0, 0, 0, ...MASK, 0x7b ^ 1, 0x22 ^ 2]);
  const closed = await k.closedWithin(5 * TIMEOUT_S * 1000 + 5000);
  assert.equal(closed.code, 1008);
  assert.equal(closed.reason, 'frame not finished within frame_timeout');
});

test('a payload that stops halfway is closed after frame_timeout', { timeout: 30000 }, async () => {
  const k = await open();
  const body = Buffer.from(JSON.stringify({ type: 'ping', req: 'half' }));
  const masked = [...body].map((b, i) => b ^ MASK[i % 4]);
  raw(k.ws, [0x81, 0x80 | body.length, ...MASK, ...masked.slice(0, 5)]);
  const closed = await k.closedWithin(5 * TIMEOUT_S * 1000 + 5000);
  assert.deepEqual(closed, { code: 1008, reason: 'frame not finished within frame_timeout' });
});

test('a client that never answers pings is closed; one that does stays', { timeout: 30000 }, async () => {
  const [deaf, quiet] = await Promise.all([open({ autoPong: false }), open()]);
  let pings = 0;
  quiet.ws.on('ping', () => { pings++; });
  const closed = await deaf.closedWithin(5 * TIMEOUT_S * 1000 + 5000);
  assert.deepEqual(closed, { code: 1008, reason: 'no answer to ping within frame_timeout' });
  // The quiet one, silent as long, answered its pings and is still here.
  await new Promise((r) => setTimeout(r, TIMEOUT_S * 1000));
  assert.ok(pings >= 1, 'the quiet client was pinged');
  assert.equal(quiet.ws.readyState, WebSocket.OPEN);
  const pong = new Promise((resolve) => quiet.ws.on('message', (d) => { if (JSON.parse(d).req === 'p') resolve(); }));
  quiet.ws.send(JSON.stringify({ type: 'ping', req: 'p' }));
  await pong;
  quiet.ws.terminate();
});

// The raw answer to a WebSocket upgrade request.
function upgrade(path, headers = {}) {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false }, () => {
      const lines = [`GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${server.port}`, 'Upgrade: websocket',
        'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Protocol: weft.v1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      sock.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    let text = '';
    sock.setEncoding('utf8');
    sock.on('data', (d) => { text += d; });
    sock.on('end', () => resolve(text));
    sock.on('close', () => resolve(text));
    sock.on('error', reject);
  });
}

function parse(text) {
  const [head, body] = text.split('\r\n\r\n');
  const [status, ...rest] = head.split('\r\n');
  const headers = Object.fromEntries(rest.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status, headers, body };
}

test('handshake refusals are HTTP/1.1 with a JSON error body', async () => {
  const cases = [
    ['/ws', {}, 'HTTP/1.1 401 Unauthorized', 'unauthorized'],
    ['/ws', { authorization: `Bearer ${ana.token}`, origin: 'https://evil.example' }, 'HTTP/1.1 403 Forbidden', 'forbidden'],
    ['/nope', { authorization: `Bearer ${ana.token}` }, 'HTTP/1.1 404 Not Found', 'not_found'],
  ];
  for (const [path, headers, status, error] of cases) {
    const r = parse(await upgrade(path, headers));
    assert.equal(r.status, status, `${path} ${JSON.stringify(headers)}`);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body));
    assert.deepEqual(JSON.parse(r.body), { error });
  }
});
