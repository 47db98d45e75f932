// Review finding 7: a socket does not outlive its session. With
// --session-max 60 (the smallest allowed), a WebSocket opened on a new
// session is closed with 1008 "session expired" once the session's 60 s are
// up, as /api/me starts answering 401; a fresh sign-in works again.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, request } from '../lib/harness.js';
import { closedWithin, stopWithin } from './support.js';

let server;
after(async () => { await stopWithin(server); });

test('a WebSocket is closed when its session reaches session_max', { timeout: 120000 }, async () => {
  server = await startServer({ args: ['--session-max', '60'] });
  const ana = await server.user('ana');
  const t0 = Date.now();
  const k = await connect(server, ana.token);
  k.ws.on('error', () => {});
  assert.equal((await k.request({ type: 'ping' })).type, 'pong');
  const closed = await closedWithin(k, 75000);
  const after = (Date.now() - t0) / 1000;
  assert.deepEqual(closed, { code: 1008, reason: 'session expired' });
  assert.ok(after >= 55 && after < 70, `closed after ${after} s`);
  const me = await request(server, 'GET', '/api/me', { headers: { authorization: `Bearer ${ana.token}` } });
  assert.equal(me.status, 401);
  // A new sign-in is a new session with its own 60 s.
  const again = await server.login('ana', ana.password);
  assert.equal(again.status, 200);
  const k2 = await connect(server, again.token);
  assert.equal((await k2.request({ type: 'ping' })).type, 'pong');
  k2.ws.terminate();
});
