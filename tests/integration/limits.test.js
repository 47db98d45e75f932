// Connection limits per peer address: the next handshake past the limit is
// refused with 429, and a slot frees when a socket closes.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer } from '../lib/harness.js';

let server, ana;

before(async () => {
  server = await startServer({ args: ['--max-conns-per-addr', '2'] });
  ana = await server.user('ana');
});

after(async () => {
  await server.stop();
});

test('a third connection from one address is refused with 429 until one closes', async () => {
  const a = await server.connect(ana.token);
  const b = await server.connect(ana.token);
  await assert.rejects(server.connect(ana.token), (e) => e.status === 429);
  await a.close();
  // The slot is released once the server has seen the close.
  let c;
  for (let i = 0; i < 50 && !c; i++) {
    try { c = await server.connect(ana.token); } catch (e) {
      if (e.status !== 429) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assert.ok(c, 'a new connection is accepted after one closed');
  const pong = await c.request({ type: 'ping' });
  assert.equal(pong.type, 'pong');
  await Promise.all([b.close(), c.close()]);
});

test('refused handshakes (bad credentials) do not use up the limit', async () => {
  for (let i = 0; i < 5; i++)
    await assert.rejects(server.connect('x'.repeat(43)), (e) => e.status === 401);
  const a = await server.connect(ana.token);
  const b = await server.connect(ana.token);
  await Promise.all([a.close(), b.close()]);
});

test('a server started with --max-conns-per-addr 0 has no per-address limit', async () => {
  const s = await startServer({ args: ['--max-conns-per-addr', '0'] });
  try {
    const u = await s.user('ben');
    const conns = await Promise.all(Array.from({ length: 5 }, () => s.connect(u.token)));
    assert.equal(conns.length, 5);
    await Promise.all(conns.map((c) => c.close()));
  } finally {
    await s.stop();
  }
});

// Listening sockets of this port, from the kernel's tables: [address, family].
function listeners(port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const out = [];
  for (const [file, family] of [['/proc/net/tcp', 4], ['/proc/net/tcp6', 6]]) {
    let text = '';
    try { text = fs.readFileSync(file, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== '0A') continue; // 0A: LISTEN
      const [addr, p] = f[1].split(':');
      if (p === hexPort) out.push([addr, family]);
    }
  }
  return out;
}

test('the default bind address 127.0.0.1 listens on loopback only (no IPv6 wildcard)', async () => {
  const found = listeners(server.port);
  assert.deepEqual(found, [['0100007F', 4]], `listening sockets: ${JSON.stringify(found)}`);
});
