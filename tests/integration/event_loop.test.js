// --event-loop epoll: the same server on libev's epoll loop instead of lws's
// poll loop. Messages flow live and on resume, timers run (the 2 s sweep that
// closes sockets of users deactivated from the command line), a history page
// is served, and SIGTERM still drains the writer and exits 0.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, runWeftd } from '../lib/harness.js';
import { NO_RATE_LIMIT, makeChannel, sendMsg, sendBurst, closedWithin, stopWithin } from './support.js';

let server;

before(async () => {
  server = await startServer({ args: [...NO_RATE_LIMIT, '--event-loop', 'epoll'] });
});
after(async () => {
  await stopWithin(server);
});

test('live fan-out, resume and history on the epoll loop', async () => {
  const ana = await connect(server, (await server.user('ana')).token);
  const boUser = await server.user('bo');
  const bo = await connect(server, boUser.token);
  const chan = await makeChannel(ana, [bo]);
  const live = await sendMsg(ana, chan.id, 'over epoll');
  const ev = await bo.next((f) => f.type === 'event' && f.seq === live.id);
  assert.equal(ev.message.body, 'over epoll');
  const since = live.id;
  await bo.close();

  const acks = await sendBurst(ana, chan.id, 200);
  const bo2 = await connect(server, boUser.token, { since });
  const replayed = bo2.frames.filter((f) => f.type === 'event' && f.kind === 'message').map((f) => f.seq);
  assert.deepEqual(replayed, acks.map((a) => a.id), 'the 200 missed messages, in order, once');

  const page = await bo2.request({ type: 'history', channel: chan.id, limit: 50 });
  assert.equal(page.messages.length, 50);
  assert.equal(page.messages.at(-1).id, acks.at(-1).id);
  ana.ws.terminate();
  bo2.ws.terminate();
});

test('timers run on the epoll loop: a command-line deactivation closes the socket within a sweep', async () => {
  const cy = await server.user('cy');
  const k = await connect(server, cy.token);
  const d = runWeftd(['user', 'deactivate', 'cy', '--data', server.dataDir]);
  assert.equal(d.status, 0, d.stderr);
  const closed = await closedWithin(k, 3500);
  assert.equal(closed.code, 1008);
});

test('SIGTERM drains and exits 0 on the epoll loop; what was acked is there after a restart', async () => {
  const dee = await server.user('dee');
  const c = await connect(server, dee.token);
  const chan = await makeChannel(c);
  const ack = await sendMsg(c, chan.id, 'before stop');
  const r = await stopWithin(server);
  assert.equal(r.timedOut, false, 'stopped within 10 s');
  assert.equal(r.code, 0);
  await server.start();
  const again = await connect(server, dee.token);
  const page = await again.request({ type: 'history', channel: chan.id, limit: 10 });
  assert.deepEqual(page.messages.map((m) => [m.id, m.body]), [[ack.id, 'before stop']]);
  again.ws.terminate();
});
