// WebSocket handshake: credentials (bearer, cookie), Origin allow-list,
// subprotocol, sessions surviving a restart.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, login, request } from '../lib/harness.js';
import { spawnSync } from 'node:child_process';
import { rawConnect, stopWithin } from './support.js';

let server;
let ana;

before(async () => {
  server = await startServer();
  ana = await server.user('ana');
});
after(async () => { await stopWithin(server); });

async function assertWorks(c) {
  assert.equal(c.welcome.type, 'welcome');
  assert.equal(c.welcome.user.id, ana.id);
  assert.equal(c.synced.type, 'synced');
  const pong = await c.request({ type: 'ping' });
  assert.equal(pong.type, 'pong');
  await c.close();
}

test('bearer token opens /ws with subprotocol weft.v1', async () => {
  const r = await rawConnect(server, { headers: { authorization: `Bearer ${ana.token}` } });
  assert.ok(r.client, `refused with ${r.status}`);
  assert.equal(r.protocol, 'weft.v1');
  r.client.send({ type: 'hello', since: 0 });
  const w = await r.client.next((f) => f.type === 'welcome');
  assert.equal(w.user.id, ana.id);
  await r.client.next((f) => f.type === 'synced');
  await r.client.close();
});

test('cookie opens /ws', async () => {
  await assertWorks(await connect(server, ana.token, { cookie: true }));
});

test('no credential: 401', async () => {
  const r = await rawConnect(server);
  assert.equal(r.status, 401);
});

test('bad token: 401 (bearer and cookie)', async () => {
  const bogus = 'A'.repeat(43);
  assert.equal((await rawConnect(server, { headers: { authorization: `Bearer ${bogus}` } })).status, 401);
  assert.equal((await rawConnect(server, { headers: { cookie: `__Host-weft=${bogus}` } })).status, 401);
  // A valid token with one character changed is no token at all.
  const flipped = ana.token.slice(0, -1) + (ana.token.endsWith('A') ? 'B' : 'A');
  assert.equal((await rawConnect(server, { headers: { authorization: `Bearer ${flipped}` } })).status, 401);
});

test('foreign Origin: 403 even with a valid credential', async () => {
  const r = await rawConnect(server, { headers: { authorization: `Bearer ${ana.token}`, origin: 'https://evil.example' } });
  assert.equal(r.status, 403);
  const r2 = await rawConnect(server, { headers: { cookie: `__Host-weft=${ana.token}`, origin: 'https://evil.example' } });
  assert.equal(r2.status, 403);
  // Same host, other port: not the server's origin.
  const r3 = await rawConnect(server, { headers: { cookie: `__Host-weft=${ana.token}`, origin: `https://127.0.0.1:${server.port + 1}` } });
  assert.equal(r3.status, 403);
  // Plain http scheme is not the server's origin either.
  const r4 = await rawConnect(server, { headers: { cookie: `__Host-weft=${ana.token}`, origin: `http://127.0.0.1:${server.port}` } });
  assert.equal(r4.status, 403);
});

test('own Origins https://127.0.0.1:PORT and https://localhost:PORT are accepted', async () => {
  await assertWorks(await connect(server, ana.token, { cookie: true, origin: server.origin }));
  await assertWorks(await connect(server, ana.token, { cookie: true, origin: `https://localhost:${server.port}` }));
});

test('--allowed-origins adds origins to the allow-list', async () => {
  const s2 = await startServer({ args: ['--allowed-origins', 'https://chat.example.org,https://b.example'] });
  try {
    const u = await s2.user('bo');
    for (const origin of ['https://chat.example.org', 'https://b.example', s2.origin]) {
      const c = await connect(s2, u.token, { origin });
      assert.equal(c.welcome.user.id, u.id);
      await c.close();
    }
    const r = await rawConnect(s2, { headers: { authorization: `Bearer ${u.token}`, origin: 'https://evil.example' } });
    assert.equal(r.status, 403);
  } finally {
    await stopWithin(s2);
  }
});

test('a session survives a server restart', async () => {
  const c = await connect(server, ana.token);
  await c.close(); // SIGTERM with open sockets is covered in durability.test.js
  // A second session, revoked before the restart, must stay revoked.
  const gone = await login(server, 'ana', ana.password);
  const out = await request(server, 'POST', '/api/logout', { headers: { cookie: `__Host-weft=${gone.token}` } });
  assert.equal(out.status, 200);
  const st = await stopWithin(server);
  assert.equal(st.code, 0);
  await server.start();
  await assertWorks(await connect(server, ana.token));
  await assertWorks(await connect(server, ana.token, { cookie: true }));
  assert.equal((await rawConnect(server, { headers: { authorization: `Bearer ${gone.token}` } })).status, 401);
});

// A peer that vanished without a FIN (a phone out of coverage) is found by
// TCP keepalive on the server's side of the socket: probes after 60 s idle.
// weftd turns off lws's own WebSocket ping timer (see server.c), so this is
// what frees those connections.
test('accepted /ws sockets carry a TCP keepalive timer of at most 60 s', async (t) => {
  if (spawnSync('ss', ['-V']).status !== 0) return t.skip('ss (iproute2) is not installed');
  const c = await connect(server, ana.token);
  const peer = c.ws._socket.localPort;
  // While sent bytes wait for their ACK, ss shows the retransmission timer
  // instead ("timer:(on,...)"): look again until the socket is idle.
  let r;
  let m;
  for (let i = 0; i < 50 && !m; i++) {
    if (i) await new Promise((res) => setTimeout(res, 100));
    r = spawnSync('ss', ['-Htno', 'state', 'established', `( sport = :${server.port} and dport = :${peer} )`],
      { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    m = r.stdout.match(/timer:\(keepalive,(\d+)(min|sec|ms)/);
  }
  assert.ok(m, `no keepalive timer on the server's socket: ${r.stdout}`);
  const secs = Number(m[1]) * { min: 60, sec: 1, ms: 0.001 }[m[2]];
  assert.ok(secs <= 60, `keepalive fires in ${secs} s`);
  await c.close();
});

test('a WebSocket ping frame from the client is answered with a pong carrying its payload', async () => {
  const c = await connect(server, ana.token);
  const pong = new Promise((resolve) => c.ws.once('pong', (data) => resolve(data.toString())));
  c.ws.ping('are-you-there');
  assert.equal(await pong, 'are-you-there');
  await c.close();
});
