// hello since:-1 (a first sign-in with no cursor) replays nothing and goes
// live at once; unread counts only what others wrote.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';

let server, ana, bo, chan;

before(async () => {
  server = await startServer();
  ana = await server.user('ana');
  bo = await server.user('bo');
  const a = await server.connect(ana.token);
  chan = (await a.request({ type: 'channel.create', name: 'lobby', kind: 'cohort' })).channel;
  const b = await server.connect(bo.token);
  await b.request({ type: 'channel.join', channel: chan.id });
  for (let i = 0; i < 5; i++) await a.request({ type: 'send', channel: chan.id, body: `old ${i}` });
  await b.request({ type: 'send', channel: chan.id, body: 'from bo' });
  await Promise.all([a.close(), b.close()]);
});

after(async () => {
  await server.stop();
});

test('since:-1 replays nothing, syncs at the current seq, then delivers live events', async () => {
  const c = await server.connect(ana.token, { since: -1 });
  assert.equal(c.events().length, 0, 'no replayed events');
  assert.equal(c.synced.seq, c.welcome.seq);
  const from = c.frames.length;
  const b = await server.connect(bo.token, { since: -1 });
  const ack = await b.request({ type: 'send', channel: chan.id, body: 'live one' });
  const ev = await c.next((f) => f.type === 'event' && f.kind === 'message', { from });
  assert.equal(ev.seq, ack.id);
  assert.equal(ev.seq, c.synced.seq + 1);
  await Promise.all([c.close(), b.close()]);
});

test('since:0 still replays everything; since below -1 is a bad request', async () => {
  const c = await server.connect(ana.token, { since: 0 });
  assert.ok(c.events(chan.id).filter((e) => e.kind === 'message').length >= 6);
  const r = await c.request({ type: 'ping' });
  assert.equal(r.type, 'pong');
  await c.close();
  const d = await server.connect(ana.token, { hello: false });
  const e = await d.request({ type: 'hello', since: -2 });
  assert.deepEqual([e.type, e.code], ['error', 'bad_request']);
  await d.close();
});

test('unread counts only messages written by others', async () => {
  const c = await server.connect(ana.token, { since: -1 });
  const mine = c.welcome.channels.find((x) => x.id === chan.id);
  // ana wrote 5, bo wrote 2 (one in the first test): only bo's count.
  assert.equal(mine.unread, 2);
  await c.close();
});

test('the only owner cannot leave a channel that has other members', async () => {
  const a = await server.connect(ana.token, { since: -1 });
  const r = await a.request({ type: 'channel.leave', channel: chan.id });
  assert.deepEqual([r.type, r.code], ['error', 'forbidden']);
  const solo = (await a.request({ type: 'channel.create', name: 'solo', kind: 'cohort' })).channel;
  const ok = await a.request({ type: 'channel.leave', channel: solo.id });
  assert.equal(ok.type, 'ok', 'an owner alone may leave');
  await a.close();
});
