// Bad frames get error replies and leave the socket open; abuse closes it
// with the right code; req is echoed; limits count characters; rate limits.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import { uid, makeChannel, assertAlive, closedWithin, rawConnect, isOpen, stopWithin } from './support.js';

let server, ana, c, chan;

before(async () => {
  server = await startServer();
  ana = await server.user('ana');
  c = await connect(server, ana.token);
  chan = await makeChannel(c);
});
after(async () => {
  c?.ws.terminate();
  await stopWithin(server);
});

// Sends raw text and resolves with the next error frame after it.
async function sendRaw(client, text) {
  const from = client.frames.length;
  client.send(text);
  return client.next((f) => f.type === 'error', { from, timeout: 5000 });
}

async function fresh() {
  const k = await connect(server, ana.token);
  k.ws.on('error', () => {});
  return k;
}

test('a first frame other than hello -> bad_request; hello still works after it', async () => {
  const r = await rawConnect(server, { headers: { authorization: `Bearer ${ana.token}` } });
  const k = r.client;
  const e = await k.request({ type: 'ping', req: 'early' });
  assert.deepEqual({ type: e.type, code: e.code, req: e.req }, { type: 'error', code: 'bad_request', req: 'early' });
  k.send({ type: 'hello', since: 0 });
  await k.next((f) => f.type === 'welcome');
  await k.next((f) => f.type === 'synced');
  await assertAlive(k, assert);
  await k.close();
});

test('bad JSON -> bad_request and the socket stays open', async () => {
  for (const text of ['{"type":"ping",', 'not json at all', '', '[1,2,3]', '"ping"', '42', 'null']) {
    const e = await sendRaw(c, text);
    assert.equal(e.code, 'bad_request', `for ${JSON.stringify(text)}: ${JSON.stringify(e)}`);
    assert.ok(isOpen(c));
  }
  await assertAlive(c, assert);
});

test('a second hello and a binary frame -> bad_request; the socket stays open', async () => {
  const e = await c.request({ type: 'hello', since: 0, req: 'h2' });
  assert.deepEqual({ type: e.type, code: e.code, req: e.req }, { type: 'error', code: 'bad_request', req: 'h2' });
  const from = c.frames.length;
  c.ws.send(Buffer.from(JSON.stringify({ type: 'ping', req: 'bin' })), { binary: true });
  const b = await c.next((f) => f.type === 'error', { from, timeout: 5000 });
  assert.equal(b.code, 'bad_request');
  await assertAlive(c, assert);
});

test('empty or whitespace-only body -> bad_request', async () => {
  for (const body of ['', '   ', '\n\t ']) {
    const e = await c.request({ type: 'send', channel: chan.id, body, client_id: uid('c'), req: 'eb' });
    assert.deepEqual({ type: e.type, code: e.code, req: e.req }, { type: 'error', code: 'bad_request', req: 'eb' }, JSON.stringify(body));
  }
});

test('unknown or missing type -> bad_request with req echoed', async () => {
  const e = await c.request({ type: 'teleport', req: 'u1' });
  assert.deepEqual({ type: e.type, code: e.code, req: e.req }, { type: 'error', code: 'bad_request', req: 'u1' });
  assert.equal(typeof e.message, 'string');
  const e2 = await c.request({ req: 'u2', channel: chan.id });
  assert.deepEqual({ type: e2.type, code: e2.code, req: e2.req }, { type: 'error', code: 'bad_request', req: 'u2' });
  const e3 = await c.request({ type: 7, req: 'u3' });
  assert.deepEqual({ type: e3.type, code: e3.code, req: e3.req }, { type: 'error', code: 'bad_request', req: 'u3' });
  await assertAlive(c, assert);
});

test('missing or mistyped required fields -> bad_request with req echoed', async () => {
  const cases = [
    { type: 'send', body: 'no channel', client_id: uid('c') },
    { type: 'send', channel: chan.id, client_id: uid('c') },
    { type: 'send', channel: String(chan.id), body: 'string channel', client_id: uid('c') },
    { type: 'send', channel: chan.id, body: 42, client_id: uid('c') },
    { type: 'send', channel: chan.id, body: 'long client id', client_id: 'k'.repeat(65) },
    { type: 'history' },
    { type: 'edit', channel: chan.id, body: 'no id' },
    { type: 'delete', channel: chan.id },
    { type: 'channel.join' },
  ];
  let i = 0;
  for (const req of cases) {
    const tag = `m${i++}`;
    const e = await c.request({ ...req, req: tag });
    assert.deepEqual({ type: e.type, code: e.code, req: e.req }, { type: 'error', code: 'bad_request', req: tag },
      `for ${JSON.stringify(req).slice(0, 120)}: ${JSON.stringify(e)}`);
  }
  await assertAlive(c, assert);
});

test('unknown fields are ignored', async () => {
  const p = await c.request({ type: 'ping', req: 'extra', whatever: { nested: [1, 2] } });
  assert.equal(p.type, 'pong');
  assert.equal(p.req, 'extra');
});

test('body length counts characters: max_body emoji pass, max_body+1 -> too_large, socket open', async () => {
  const emoji = '\u{1F600}'; // 4 bytes in UTF-8, 2 UTF-16 units, 1 character
  const ok = await c.request({ type: 'send', channel: chan.id, body: emoji.repeat(4000), client_id: uid('c') });
  assert.equal(ok.type, 'ack', `4000 emoji refused: ${JSON.stringify(ok)}`);
  const ok2 = await c.request({ type: 'send', channel: chan.id, body: '\u00e9'.repeat(4000), client_id: uid('c') });
  assert.equal(ok2.type, 'ack', `4000 two-byte chars refused: ${JSON.stringify(ok2)}`);
  const h = await c.request({ type: 'history', channel: chan.id, after: ok.id - 1, limit: 1 });
  assert.equal(h.messages[0].body, emoji.repeat(4000), 'emoji body round-trips intact');
  for (const body of ['x'.repeat(4001), emoji.repeat(4001)]) {
    const e = await c.request({ type: 'send', channel: chan.id, body, client_id: uid('c'), req: 'big' });
    assert.deepEqual({ type: e.type, code: e.code, req: e.req }, { type: 'error', code: 'too_large', req: 'big' });
    assert.ok(isOpen(c));
  }
  await assertAlive(c, assert);
});

test('a frame over --max-frame -> too_large and the socket stays open', async () => {
  const k = await fresh();
  const big = JSON.stringify({ type: 'ping', req: 'huge', pad: 'p'.repeat(70000) });
  const e = await sendRaw(k, big);
  assert.equal(e.code, 'too_large', JSON.stringify(e));
  assert.ok(isOpen(k));
  await assertAlive(k, assert);
  await k.close();
});

test('--max-body and --max-frame set the limits (announced in welcome.limits)', async () => {
  const s4 = await startServer({ args: ['--max-body', '10', '--max-frame', '2048'] });
  try {
    const u = await s4.user('ana');
    const k = await connect(s4, u.token);
    assert.equal(k.welcome.limits.max_body, 10);
    const ch = await makeChannel(k);
    const ok = await k.request({ type: 'send', channel: ch.id, body: '\u{1F600}'.repeat(10), client_id: uid('c') });
    assert.equal(ok.type, 'ack', JSON.stringify(ok));
    const e = await k.request({ type: 'send', channel: ch.id, body: 'x'.repeat(11), client_id: uid('c'), req: 'b11' });
    assert.deepEqual({ type: e.type, code: e.code, req: e.req }, { type: 'error', code: 'too_large', req: 'b11' });
    const f = await sendRaw(k, JSON.stringify({ type: 'ping', pad: 'p'.repeat(3000) }));
    assert.equal(f.code, 'too_large');
    await assertAlive(k, assert);
    k.ws.terminate();
  } finally {
    await stopWithin(s4);
  }
});

test('repeated oversize frames close the socket with 1009', async () => {
  const k = await fresh();
  const big = JSON.stringify({ type: 'ping', pad: 'p'.repeat(70000) });
  // One at a time, each after the server's answer to the previous one.
  let closed = null;
  k.closed.then((x) => { closed = x; });
  for (let i = 0; i < 20 && !closed; i++) {
    const from = k.frames.length;
    k.send(big);
    await Promise.race([k.closed, k.next((f) => f.type === 'error', { from, timeout: 5000 })]);
  }
  const { code } = await closedWithin(k, 5000);
  assert.equal(code, 1009);
});

test('invalid UTF-8 closes the socket with 1007', async () => {
  const k = await fresh();
  // A text frame with bytes that are not UTF-8 (inside a JSON string and bare).
  k.ws.send(Buffer.concat([Buffer.from('{"type":"ping","req":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]), { binary: false });
  const { code } = await closedWithin(k, 5000);
  assert.equal(code, 1007);
  const k2 = await fresh();
  k2.ws.send(Buffer.from([0x7b, 0xed, 0xa0, 0x80, 0x7d]), { binary: false }); // encoded surrogate: invalid
  assert.equal((await closedWithin(k2, 5000)).code, 1007);
});

test('req: echoed on replies and errors; longer than 64 characters -> bad_request', async () => {
  const r64 = 'q'.repeat(64);
  const p = await c.request({ type: 'ping', req: r64 });
  assert.equal(p.type, 'pong');
  assert.equal(p.req, r64);
  const e = await sendRaw(c, JSON.stringify({ type: 'ping', req: 'q'.repeat(65) }));
  assert.equal(e.code, 'bad_request');
  const e2 = await sendRaw(c, JSON.stringify({ type: 'ping', req: 17 }));
  assert.equal(e2.code, 'bad_request', 'req must be a string');
  // A 64-character req made of multi-byte characters is still 64 characters.
  const rU = '\u00e9'.repeat(64);
  const p2 = await c.request({ type: 'ping', req: rU });
  assert.equal(p2.type, 'pong', JSON.stringify(p2));
  assert.equal(p2.req, rU);
  await assertAlive(c, assert);
});

test('default limits allow a burst of 200 requests', async () => {
  const k = await fresh(); // hello was request 1
  const ps = [];
  for (let i = 0; i < 199; i++) ps.push(k.request({ type: 'ping' }));
  const replies = await Promise.all(ps);
  const bad = replies.filter((r) => r.type !== 'pong');
  assert.deepEqual(bad, [], 'no request within the default burst is refused');
  await k.close();
});

test('past --rate/--burst: rate_limited with retry_after_ms; moderate overage keeps the socket open', async () => {
  const s2 = await startServer({ args: ['--rate', '5', '--burst', '10'] });
  try {
    const u = await s2.user('ana');
    const k = await connect(s2, u.token);
    const ps = [];
    for (let i = 0; i < 20; i++) ps.push(k.request({ type: 'ping', req: `f${i}` }));
    const replies = await Promise.all(ps);
    replies.forEach((r, i) => assert.equal(r.req, `f${i}`));
    const limited = replies.filter((r) => r.type === 'error');
    assert.ok(limited.length >= 5, `expected rate_limited replies, got ${JSON.stringify(replies.map((r) => r.code || r.type))}`);
    assert.ok(replies.filter((r) => r.type === 'pong').length >= 5);
    for (const r of limited) {
      assert.equal(r.code, 'rate_limited');
      assert.equal(typeof r.retry_after_ms, 'number');
      assert.ok(r.retry_after_ms > 0);
      assert.ok(r.retry_after_ms <= 60000);
    }
    assert.ok(isOpen(k));
    // Waiting as told lets the client go on.
    const wait = Math.max(...limited.map((r) => r.retry_after_ms));
    await new Promise((res) => setTimeout(res, wait + 50));
    await assertAlive(k, assert);
    await k.close();
  } finally {
    await stopWithin(s2);
  }
});

test('flooding far past the limit closes the socket with 1008', async () => {
  const s3 = await startServer({ args: ['--rate', '5', '--burst', '10'] });
  try {
    const u = await s3.user('ana');
    const k = await connect(s3, u.token);
    k.ws.on('error', () => {});
    for (let i = 0; i < 100 && isOpen(k); i++) k.send({ type: 'ping', req: `x${i}` });
    const { code } = await closedWithin(k, 5000);
    assert.equal(code, 1008);
  } finally {
    await stopWithin(s3);
  }
});

// Every limit a client must respect is announced, and is the one enforced:
// one past each announced bound is refused, the bound itself is not.
test('welcome.limits announces each limit the server enforces', async () => {
  const L = c.welcome.limits;
  for (const key of ['max_body', 'max_frame', 'max_name', 'history_max', 'rate', 'burst', 'max_topic',
    'max_note', 'min_password', 'max_username', 'max_display', 'max_profile', 'max_dm_members', 'max_query']) {
    assert.ok(Number.isInteger(L[key]) && L[key] > 0, `limits.${key}: ${JSON.stringify(L)}`);
  }
  const refused = async (frame, what) => {
    const r = await c.request({ ...frame, req: uid('r') });
    assert.equal(r.type, 'error', `${what}: ${JSON.stringify(r)}`);
    assert.ok(['bad_request', 'too_large'].includes(r.code), `${what}: ${JSON.stringify(r)}`);
  };
  const accepted = async (frame, what) => {
    const r = await c.request({ ...frame, req: uid('r') });
    assert.notEqual(r.type, 'error', `${what}: ${JSON.stringify(r)}`);
  };
  await refused({ type: 'channel.update', channel: chan.id, topic: 't'.repeat(L.max_topic + 1) }, 'topic');
  await accepted({ type: 'channel.update', channel: chan.id, topic: 't'.repeat(L.max_topic) }, 'topic');
  await refused({ type: 'channel.create', name: 'n'.repeat(L.max_name + 1), kind: 'team' }, 'name');
  await refused({ type: 'user.find', q: 'a'.repeat(L.max_query + 1) }, 'query');
  await accepted({ type: 'user.find', q: 'a'.repeat(L.max_query) }, 'query');
  await refused({ type: 'dm.open', users: Array.from({ length: L.max_dm_members + 1 }, (_, i) => i + 1) }, 'dm');
  await refused({ type: 'channel.join', channel: chan.id, note: 'n'.repeat(L.max_note + 1) }, 'note');
  await refused({ type: 'history', channel: chan.id, limit: L.history_max + 1 }, 'history');
  await accepted({ type: 'history', channel: chan.id, limit: L.history_max }, 'history');
});

// Review finding 5: raw control bytes inside strings. A body with a raw NUL
// was stored cut short, and a client_id "dup\0bbbb" was acked as a duplicate
// of "dup\0aaaa" (a different message silently dropped).
test('frames with raw control bytes inside strings are refused; nothing is stored', async () => {
  const k = await fresh();
  const before = await k.request({ type: 'history', channel: chan.id, limit: 1 });
  const bodies = ['visible\u0000HIDDEN', 'a\u0001b', 'tab\there'];
  for (const body of bodies) {
    const e = await sendRaw(k, `{"type":"send","channel":${chan.id},"client_id":"${uid('z')}","body":"${body}","req":"raw"}`);
    assert.deepEqual({ code: e.code, req: e.req }, { code: 'bad_request', req: 'raw' }, JSON.stringify(e));
  }
  const e = await sendRaw(k, `{"type":"send","channel":${chan.id},"client_id":"dup\u0000aaaa","body":"first"}`);
  assert.equal(e.code, 'bad_request');
  const after = await k.request({ type: 'history', channel: chan.id, limit: 1 });
  assert.deepEqual(after.messages.map((m) => m.id), before.messages.map((m) => m.id));
  // Escaped, the same characters are text like any other.
  const ok = await k.request({ type: 'send', channel: chan.id, body: 'a\u0001b\tc', client_id: uid('z') });
  assert.equal(ok.type, 'ack', JSON.stringify(ok));
  await assertAlive(k, assert);
  k.ws.terminate();
});
