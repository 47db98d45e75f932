// Review finding 4 (first part): channel creation is bounded per user and
// day (channels_per_day; administrators are exempt). Four users once made
// 3,000 channels in 12 s.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import { uid, stopWithin, show } from './support.js';

let server;
after(async () => { await stopWithin(server); });

test('past channels_per_day a user gets rate_limited with retry_after_ms; an admin does not; DMs do not count', async () => {
  server = await startServer({ args: ['--channels-per-day', '3'] });
  const ana = await connect(server, (await server.user('ana')).token);
  const root = await connect(server, (await server.user('root', { admin: true })).token);
  const bo = await server.user('bo');
  const create = (k) => k.request({ type: 'channel.create', name: uid('q'), kind: 'cohort' });
  assert.equal((await ana.request({ type: 'dm.open', users: [bo.id] })).type, 'channel');
  for (let i = 0; i < 3; i++) assert.equal((await create(ana)).type, 'channel');
  const r = await create(ana);
  assert.equal(r.code, 'rate_limited', show(r));
  assert.ok(r.retry_after_ms > 23 * 3600 * 1000 && r.retry_after_ms <= 24 * 3600 * 1000, show(r));
  assert.match(r.message, /at most 3 channels a day/);
  for (let i = 0; i < 5; i++) assert.equal((await create(root)).type, 'channel', 'admins are exempt');
  // The count survives a restart: it is read from the store.
  ana.ws.terminate(); root.ws.terminate();
  await server.restart();
  const again = await connect(server, (await server.login('ana', 'pw-ana-secret')).token);
  assert.equal((await create(again)).code, 'rate_limited');
  again.ws.terminate();
});
