// Review finding 2: sign-in is throttled per name and per address, and the
// password-check queue is bounded. Wrong passwords past the free ones get
// 429 with Retry-After, without a password check; the queue past auth_queue
// gets 503; others keep signing in.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, login } from '../lib/harness.js';
import { stopWithin } from './support.js';

const servers = [];
after(async () => { for (const s of servers) await stopWithin(s); });

test('wrong passwords back off per name: 401 five times, then 429 with Retry-After; others sign in', async () => {
  const server = await startServer();
  servers.push(server);
  const ana = await server.user('ana');
  const bo = await server.user('bo');
  const codes = [];
  for (let i = 0; i < 7; i++) codes.push((await login(server, 'ana', 'wrong password!')).status);
  assert.deepEqual(codes, [401, 401, 401, 401, 401, 429, 429]);
  const r = await login(server, 'ana', ana.password); // even the right one waits
  assert.equal(r.status, 429);
  const retry = Number(r.headers['retry-after']);
  assert.ok(retry >= 1 && retry <= 4, `Retry-After: ${r.headers['retry-after']}`);
  assert.ok(r.body.retry_after_ms > 0, r.text);
  assert.equal((await login(server, 'bo', bo.password)).status, 200, 'another name from the same address');
  await new Promise((res) => setTimeout(res, retry * 1000 + 100));
  assert.equal((await login(server, 'ana', ana.password)).status, 200, 'after the wait');
  // A success forgets the name's failures: five free ones again.
  for (let i = 0; i < 5; i++) assert.equal((await login(server, 'ana', 'wrong password!')).status, 401);
  const m = await server.login('ana', 'wrong password!');
  assert.equal(m.status, 429);
  assert.match(server.log, /event=login\.refused req=[0-9a-f]{16} peer=127\.0\.0\.1 /);
  assert.doesNotMatch(server.log, /wrong password/);
});

test('a burst of password checks past auth_queue gets 503 with Retry-After, not a growing queue', async () => {
  // Real argon2 costs (64 MiB, 3 passes), one worker, a queue of 2.
  const server = await startServer({ args: ['--argon2-iterations', '3', '--argon2-memory', '65536',
    '--auth-threads', '1', '--auth-queue', '2'] });
  servers.push(server);
  const names = Array.from({ length: 30 }, (_, i) => `guess${i}`); // unknown names: no name backs off
  const res = await Promise.all(names.map((n) => login(server, n, 'not the password')));
  const count = (s) => res.filter((r) => r.status === s).length;
  assert.ok(count(503) > 0, `statuses: ${res.map((r) => r.status)}`);
  assert.equal(count(401) + count(503), 30);
  assert.ok(res.filter((r) => r.status === 503).every((r) => r.headers['retry-after'] === '1'));
});
