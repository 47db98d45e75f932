// HTTP surface: health, static client with security headers, login/logout,
// cookie attributes, Origin check on POST, TLS versions and ALPN.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { startServer, request, login, connect } from '../lib/harness.js';
import { closedWithin, stopWithin } from './support.js';

let server;
const PW = 'correct horse battery';

before(async () => {
  server = await startServer();
  server.addUser('ana', PW, { display: 'Ana B' });
});
after(async () => { await stopWithin(server); });

test('GET /healthz answers 200 {"status":"ok"}', async () => {
  const r = await request(server, 'GET', '/healthz');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { status: 'ok' });
});

test('GET / serves the web client as HTML with security headers', async () => {
  const r = await request(server, 'GET', '/');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'] || '', /^text\/html/);
  assert.match(r.text, /<html|<!doctype html/i);
  assert.ok(r.headers['strict-transport-security'], 'Strict-Transport-Security missing');
  assert.match(r.headers['strict-transport-security'], /max-age=\d+/);
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.ok(r.headers['content-security-policy'], 'Content-Security-Policy missing');
  assert.equal(r.headers['referrer-policy'], 'no-referrer');
});

test('login: 200, user object and __Host-weft cookie with exact attributes', async () => {
  const r = await login(server, 'ana', PW);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.user.name, 'ana');
  assert.equal(r.body.user.display, 'Ana B');
  assert.equal(r.body.user.admin, false);
  assert.equal(typeof r.body.user.id, 'number');
  const cookies = [].concat(r.headers['set-cookie'] || []);
  assert.equal(cookies.length, 1, `Set-Cookie: ${JSON.stringify(cookies)}`);
  const parts = cookies[0].split(';').map((s) => s.trim());
  const [nv, ...attrs] = parts;
  assert.match(nv, /^__Host-weft=[A-Za-z0-9_\-.~+/=]{32,}$/, `cookie value: ${nv}`);
  assert.deepEqual(attrs.map((a) => a.toLowerCase()).sort(),
    ['httponly', 'path=/', 'samesite=strict', 'secure'], `cookie attributes: ${cookies[0]}`);
  // The session works for /api/me.
  const me = await request(server, 'GET', '/api/me', { headers: { cookie: `__Host-weft=${r.token}` } });
  assert.equal(me.status, 200);
  assert.equal(me.body.user.name, 'ana');
});

test('wrong password and unknown user: both 401 with an identical body', async () => {
  const wrong = await login(server, 'ana', 'not the password');
  const unknown = await login(server, 'nobody-here', 'whatever pw');
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.deepEqual(wrong.body, { error: 'unauthorized' });
  assert.equal(wrong.text, unknown.text);
  assert.equal(wrong.cookie, undefined);
  assert.equal(unknown.cookie, undefined);
});

test('bad JSON to /api/login answers 400', async () => {
  const r = await request(server, 'POST', '/api/login', { body: '{"username": "ana", ' });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.headers['set-cookie'], undefined);
});

// Found by tests/fuzz/fuzz_http_body: cJSON cut strings at an escaped NUL,
// so the password plus "\u0000" and anything signed in.
test('a login body with \\u0000 or a raw control byte in a string, or bytes after the JSON, answers 400', async () => {
  const nul = await login(server, 'ana', `${PW}\u0000anything`);
  assert.equal(nul.status, 400, nul.text);
  assert.deepEqual(nul.body, { error: 'bad_request' });
  assert.equal(nul.cookie, undefined);
  const raw = await request(server, 'POST', '/api/login', { body: `{"username":"ana","password":"${PW}\u0001"}` });
  assert.equal(raw.status, 400, raw.text);
  const after = await request(server, 'POST', '/api/login', { body: `${JSON.stringify({ username: 'ana', password: PW })} x` });
  assert.equal(after.status, 400, after.text);
  assert.equal((await login(server, 'ana', PW)).status, 200, 'the real password still signs in');
});

test('GET /api/me without a cookie answers 401', async () => {
  const r = await request(server, 'GET', '/api/me');
  assert.equal(r.status, 401);
});

test('logout revokes the session: its socket closes within a second and the token is refused', async () => {
  const s = await login(server, 'ana', PW);
  assert.equal(s.status, 200);
  const other = await login(server, 'ana', PW); // a second session must be unaffected
  const c = await connect(server, s.token);
  const keep = await connect(server, other.token);
  c.ws.on('error', () => {});
  const out = await request(server, 'POST', '/api/logout', { headers: { cookie: `__Host-weft=${s.token}` } });
  assert.ok(out.status >= 200 && out.status < 300, `logout: ${out.status} ${out.text}`);
  const { code } = await closedWithin(c, 1500);
  assert.equal(code, 1008, 'closed as a policy matter (signed out)');
  await assert.rejects(connect(server, s.token), (e) => e.status === 401);
  await assert.rejects(connect(server, s.token, { cookie: true }), (e) => e.status === 401);
  const me = await request(server, 'GET', '/api/me', { headers: { cookie: `__Host-weft=${s.token}` } });
  assert.equal(me.status, 401);
  // The other session of the same user is still live.
  const pong = await keep.request({ type: 'ping' });
  assert.equal(pong.type, 'pong');
  await keep.close();
});

test('POST /api/login with a foreign Origin is refused 403; an allowed Origin works', async () => {
  const bad = await login(server, 'ana', PW, { origin: 'https://evil.example' });
  assert.equal(bad.status, 403);
  assert.equal(bad.cookie, undefined);
  const good = await login(server, 'ana', PW, { origin: server.origin });
  assert.equal(good.status, 200);
});

function tlsConnect(opts) {
  return new Promise((resolve) => {
    const sock = tls.connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false, servername: undefined, ...opts });
    const done = (r) => { sock.destroy(); resolve(r); };
    sock.once('secureConnect', () => done({ ok: true, protocol: sock.getProtocol(), alpn: sock.alpnProtocol }));
    sock.once('error', (e) => done({ ok: false, error: e }));
    sock.setTimeout(5000, () => done({ ok: false, error: new Error('timeout') }));
  });
}

test('TLS 1.1 is refused', async () => {
  // SECLEVEL=0 lets this client really offer TLS 1.1, so a refusal comes from the server.
  const r = await tlsConnect({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
  assert.equal(r.ok, false, `TLS 1.1 handshake succeeded (${r.protocol})`);
  assert.notEqual(r.error.code, 'ERR_SSL_NO_PROTOCOLS_AVAILABLE', 'client could not offer TLS 1.1; test is void');
});

test('TLS 1.2 is accepted', async () => {
  const r = await tlsConnect({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
  assert.equal(r.ok, true, `TLS 1.2 refused: ${r.error?.message}`);
  assert.equal(r.protocol, 'TLSv1.2');
});

test('ALPN offering h2 and http/1.1 never negotiates h2', async () => {
  const r = await tlsConnect({ ALPNProtocols: ['h2', 'http/1.1'] });
  assert.equal(r.ok, true, `handshake failed: ${r.error?.message}`);
  assert.notEqual(r.alpn, 'h2');
  assert.ok(r.alpn === 'http/1.1' || r.alpn === false, `alpn: ${r.alpn}`);
});

test('security headers are on every response, not only static files', async () => {
  const rs = [
    await request(server, 'GET', '/healthz'),
    await login(server, 'ana', 'wrong one'),
    await request(server, 'GET', '/api/no-such-endpoint'),
  ];
  for (const r of rs) {
    assert.match(r.headers['strict-transport-security'] || '', /max-age=\d+/, `status ${r.status}`);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.ok(r.headers['content-security-policy']);
    assert.equal(r.headers['referrer-policy'], 'no-referrer');
  }
  assert.equal(rs[2].status, 404);
});

test('POST /api/tokens issues a bearer token (shown once) that opens /ws and can be revoked', async () => {
  const s = await login(server, 'ana', PW);
  const none = await request(server, 'POST', '/api/tokens', { body: { name: 'bot' } });
  assert.equal(none.status, 401);
  const r = await request(server, 'POST', '/api/tokens', { body: { name: 'standup-bot' }, headers: { cookie: `__Host-weft=${s.token}` } });
  assert.equal(r.status, 200, r.text);
  assert.equal(typeof r.body.token, 'string');
  assert.notEqual(r.body.token, s.token);
  assert.equal(r.headers['set-cookie'], undefined, 'a bot token is not a cookie');
  const bot = await connect(server, r.body.token);
  assert.equal(bot.welcome.user.name, 'ana');
  bot.ws.on('error', () => {});
  const out = await request(server, 'POST', '/api/logout', { headers: { authorization: `Bearer ${r.body.token}` } });
  assert.equal(out.status, 200);
  await closedWithin(bot, 1500);
  await assert.rejects(connect(server, r.body.token), (e) => e.status === 401);
  // The browser session that made it is unaffected.
  const me = await request(server, 'GET', '/api/me', { headers: { cookie: `__Host-weft=${s.token}` } });
  assert.equal(me.status, 200);
});

test('GET /metrics from loopback answers Prometheus text', async () => {
  const r = await request(server, 'GET', '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'] || '', /^text\/plain/);
  assert.match(r.text, /^# (HELP|TYPE) \w+/m);
});

// Review finding 9 (in part): behind a reverse proxy on the same host every
// request comes from loopback, so an open /metrics would be open to anyone.
test('--metrics-open-loopback 0: /metrics needs an admin session even from loopback', async () => {
  const s = await startServer({ args: ['--metrics-open-loopback', '0'] });
  try {
    assert.equal((await request(s, 'GET', '/metrics')).status, 403);
    const ana = await s.user('ana');
    const asAna = await request(s, 'GET', '/metrics', { headers: { authorization: `Bearer ${ana.token}` } });
    assert.equal(asAna.status, 403);
    const root = await s.user('root', { admin: true });
    const asRoot = await request(s, 'GET', '/metrics', { headers: { authorization: `Bearer ${root.token}` } });
    assert.equal(asRoot.status, 200);
    assert.match(asRoot.text, /^weft_connections \d+$/m);
  } finally {
    await stopWithin(s);
  }
});
