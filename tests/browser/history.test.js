// Opening a channel shows the latest page; scrolling up loads older pages
// without moving the view; new messages are followed only at the bottom.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, log, message, makeChannel, openChannel, until, assertNoProblems } from './lib.js';

const TOTAL = 130;
let server;
let browser;
let ana;
let bo;
let channel;
let boClient;

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  channel = await makeChannel(server, bo, 'history-room', { members: [ana] });
  boClient = await server.connect(bo.token);
  for (let i = 1; i <= TOTAL; i++) {
    const r = await boClient.request({ type: 'send', channel: channel.id, body: `seed message ${i}`, client_id: `seed-${i}` });
    assert.equal(r.type, 'ack', JSON.stringify(r));
  }
});
after(async () => {
  await boClient?.close();
  await browser?.close();
  await server?.stop();
});

const articles = (page) => log(page).getByRole('article');
const bodies = (page) => articles(page).evaluateAll((els) => els.map((e) => e.querySelector('.msg-body')?.textContent));

test('scrolling up pages older history and keeps the view in place', async () => {
  const { context, page } = await newPage(browser, { viewport: { width: 1000, height: 700 } });
  await signIn(page, server, ana);
  await openChannel(page, 'history-room');
  await message(page, `seed message ${TOTAL}`).waitFor();
  let got = await bodies(page);
  assert.ok(got.length >= 20 && got.length < TOTAL, `first page has ${got.length} messages`);
  assert.equal(got[got.length - 1], `seed message ${TOTAL}`);
  assert.equal(await message(page, 'seed message 1').count(), 0);
  // Opened at the bottom.
  assert.ok(await log(page).evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 48));

  // Scroll to the top: an older page loads and the message that was at the
  // top stays where it was on screen.
  const firstBefore = got[0];
  // What the reader sees: the body of the message at the top.
  const anchor = message(page, firstBefore).locator('.msg-body');
  const yBefore = await log(page).evaluate((el) => { el.scrollTop = 0; return 0; })
    .then(() => anchor.evaluate((el) => el.getBoundingClientRect().top));
  await until(async () => (await articles(page).count()) > got.length, { what: 'older page' });
  await page.waitForTimeout(100);
  const yAfter = await anchor.evaluate((el) => el.getBoundingClientRect().top);
  assert.ok(Math.abs(yAfter - yBefore) < 12, `anchor moved from ${yBefore} to ${yAfter}`);

  // Keep going to the very beginning.
  await until(async () => {
    await log(page).evaluate((el) => { el.scrollTop = 0; });
    return (await message(page, 'seed message 1').count()) === 1;
  }, { what: 'beginning of history', timeout: 15000 });
  await log(page).getByText(/This is the beginning of #history-room/).waitFor();
  got = await bodies(page);
  assert.equal(got.length, TOTAL);
  assert.deepEqual(got, Array.from({ length: TOTAL }, (_, i) => `seed message ${i + 1}`));

  // While reading old messages a new one does not yank the view...
  const topBefore = await log(page).evaluate((el) => el.scrollTop);
  await boClient.request({ type: 'send', channel: channel.id, body: 'live while scrolled up', client_id: 'live-1' });
  await message(page, 'live while scrolled up').waitFor();
  const jump = page.getByRole('button', { name: 'New messages below' });
  await jump.waitFor();
  assert.ok(Math.abs((await log(page).evaluate((el) => el.scrollTop)) - topBefore) < 5);
  // ...and at the bottom the view follows new messages.
  await jump.click();
  await boClient.request({ type: 'send', channel: channel.id, body: 'live at the bottom', client_id: 'live-2' });
  await message(page, 'live at the bottom').waitFor();
  await until(() => log(page).evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 48), { what: 'follows new' });
  assertNoProblems(page);
  await context.close();
});
