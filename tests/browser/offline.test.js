// Never lose a message: a send made while the server is down is kept (in
// memory and localStorage), goes out after the server restarts with the same
// client_id, and appears exactly once, also when the page was closed meanwhile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, waitForConn, send, message, makeChannel, openChannel, until, log } from './lib.js';

let server;
let browser;
let ana;
let channel;

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  channel = await makeChannel(server, ana, 'offline-room');
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function serverCount(body) {
  const c = await server.connect(ana.token);
  try {
    const r = await c.request({ type: 'history', channel: channel.id, limit: 200 });
    return r.messages.filter((m) => m.body === body).length;
  } finally {
    await c.close();
  }
}

const outboxHas = (page, body) => page.evaluate((b) => Object.keys(localStorage)
  .some((k) => k.startsWith('weft:outbox:') && localStorage.getItem(k).includes(b)), body);

test('a message sent while offline goes out after the server restarts, exactly once', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server, ana);
  await openChannel(page, 'offline-room');
  await send(page, 'before the outage');
  await message(page, 'before the outage').and(page.locator('[data-id]')).waitFor();

  await server.stop();
  await waitForConn(page, 'Offline');
  await send(page, 'written while offline');
  const pending = message(page, 'written while offline');
  await pending.waitFor();
  assert.match(await pending.textContent(), /Not sent yet/);
  assert.equal(await outboxHas(page, 'written while offline'), true);
  const handle = await pending.elementHandle();

  await server.start();
  await waitForConn(page, 'Live', 30000);
  await until(async () => (await handle.getAttribute('data-id')) !== null, { what: 'offline send acked', timeout: 15000 });
  assert.equal(await message(page, 'written while offline').count(), 1);
  assert.equal(await outboxHas(page, 'written while offline'), false);
  assert.equal(await serverCount('written while offline'), 1);
  assert.equal(await serverCount('before the outage'), 1);

  // Reloading loses nothing the server acked.
  await page.reload();
  await waitForConn(page, 'Live');
  await message(page, 'written while offline').waitFor();
  assert.equal(await message(page, 'written while offline').count(), 1);
  assert.equal(await message(page, 'before the outage').count(), 1);
  await context.close();
});

test('an unsent message survives closing the page and goes out from the next one', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server, ana);
  await openChannel(page, 'offline-room');
  // This time the server crashes rather than stopping cleanly.
  await server.kill9();
  await waitForConn(page, 'Offline');
  await send(page, 'kept across a reload');
  await until(() => outboxHas(page, 'kept across a reload'), { what: 'outbox saved' });
  await page.close();

  await server.start();
  const page2 = await context.newPage();
  await page2.goto(server.origin);
  await waitForConn(page2, 'Live', 20000);
  await log(page2).waitFor();
  await message(page2, 'kept across a reload').and(page2.locator('[data-id]')).waitFor({ timeout: 15000 });
  await until(async () => (await serverCount('kept across a reload')) === 1, { what: 'server has it once' });
  assert.equal(await message(page2, 'kept across a reload').count(), 1);
  assert.equal(await outboxHas(page2, 'kept across a reload'), false);
  await context.close();
});
