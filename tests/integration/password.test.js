// POST /api/password (contract v1.1, "Own account"): the current password
// proves it is the person; the change signs out every other session and
// closes its sockets, and keeps this one.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request, connect } from '../lib/harness.js';
import { closedWithin, stopWithin, assertAlive } from './support.js';

let server, ana;
before(async () => {
  server = await startServer();
  ana = await server.user('ana', { password: 'first-password-1' });
});
after(async () => { await stopWithin(server); });

const post = (token, body, cookie = false) => request(server, 'POST', '/api/password', {
  body,
  headers: cookie ? { cookie: `__Host-weft=${token}`, origin: `https://127.0.0.1:${server.port}` }
    : { authorization: `Bearer ${token}` },
});

test('a password change keeps this session and ends the others', async () => {
  const other = await server.login('ana', 'first-password-1');
  const here = await connect(server, ana.token), there = await connect(server, other.token);
  there.ws.on('error', () => {});

  let r = await post(ana.token, { old: 'not-the-password', new: 'second-password-2' }, true);
  assert.equal(r.status, 401);
  assert.deepEqual(r.body, { error: 'unauthorized' });
  r = await post(ana.token, { old: 'first-password-1', new: 'short' }, true);
  assert.equal(r.status, 400);
  assert.equal(r.body.error, 'bad_request');
  assert.match(r.body.message, /at least 10 characters/);
  r = await post(ana.token, { old: 'first-password-1' }, true);
  assert.equal(r.status, 400);

  r = await post(ana.token, { old: 'first-password-1', new: 'second-password-2' }, true);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { ok: true });
  assert.deepEqual(await closedWithin(there, 5000), { code: 1008, reason: 'signed out' });
  await assertAlive(here, assert);
  const me = (t) => request(server, 'GET', '/api/me', { headers: { authorization: `Bearer ${t}` } });
  assert.equal((await me(other.token)).status, 401);
  assert.equal((await me(ana.token)).status, 200);
  assert.equal((await server.login('ana', 'first-password-1')).status, 401);
  assert.equal((await server.login('ana', 'second-password-2')).status, 200);
  here.ws.terminate();
});

test('no credential → 401; a foreign Origin → 403; guessing is throttled', async () => {
  assert.equal((await request(server, 'POST', '/api/password', { body: { old: 'a', new: 'bbbbbbbbbbbb' } })).status, 401);
  const foreign = await request(server, 'POST', '/api/password', {
    body: { old: 'a', new: 'bbbbbbbbbbbb' },
    headers: { cookie: `__Host-weft=${ana.token}`, origin: 'https://evil.example' },
  });
  assert.equal(foreign.status, 403);
  const bob = await server.user('bob', { password: 'bobs-password-1' });
  const codes = [];
  for (let i = 0; i < 7; i++) codes.push((await post(bob.token, { old: `guess-${i}`, new: 'whatever-new-1' })).status);
  assert.deepEqual(codes.slice(0, 5), [401, 401, 401, 401, 401]);
  assert.equal(codes[6], 429, `codes ${codes}`);
});
