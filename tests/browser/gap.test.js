// When a reader was away for longer than the server's replay window, the
// server sends a gap frame and the client pages the missing messages with
// history: nothing is lost, nothing is doubled, order holds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, waitForConn, log, message, makeChannel, openChannel, until, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;
let bo;
let channel;

before(async () => {
  server = await startServer({ args: ['--replay-max', '5'] });
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  channel = await makeChannel(server, bo, 'gap-room', { members: [ana] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('messages missed beyond the replay window are paged in after a gap', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server, ana);
  await openChannel(page, 'gap-room');
  const boc = await server.connect(bo.token);
  await boc.request({ type: 'send', channel: channel.id, body: 'before going away', client_id: 'g0' });
  await message(page, 'before going away').waitFor();

  // Ana's browser drops off the network while Bo keeps talking.
  const framesSeen = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => { if (typeof f.payload === 'string' && f.payload.includes('"gap"')) framesSeen.push(f.payload); }));
  await context.setOffline(true);
  await waitForConn(page, 'Offline');
  for (let i = 1; i <= 30; i++) {
    await boc.request({ type: 'send', channel: channel.id, body: `while away ${i}`, client_id: `g${i}` });
  }
  await boc.close();
  await context.setOffline(false);
  await waitForConn(page, 'Live', 20000);

  await message(page, 'while away 30').waitFor();
  await until(async () => (await message(page, 'while away 1').count()) === 1, { what: 'the gap filled' });
  const bodies = await log(page).getByRole('article').evaluateAll((els) => els.map((e) => e.querySelector('.msg-body').textContent));
  const away = bodies.filter((b) => b.startsWith('while away'));
  assert.deepEqual(away, Array.from({ length: 30 }, (_, i) => `while away ${i + 1}`));
  assert.equal(bodies.filter((b) => b === 'before going away').length, 1);
  assert.ok(framesSeen.length >= 1, 'the server sent a gap frame');
  assertNoProblems(page);
  await context.close();
});
