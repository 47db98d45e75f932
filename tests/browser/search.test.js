// Message search from the header, as a keyboard and screen-reader user
// drives it: the searchbox `Search messages`, results in the region
// `Search results` grouped by channel with the matches marked (<mark>, never
// HTML from the message), ↓ and Enter to open a result: the channel opens at
// that message, paged back to it, focused and highlighted. Also at phone
// width, by click.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, message, makeChannel, openChannel, until, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;
let bo;
const rooms = {};

async function say(user, room, body) {
  const c = await server.connect(user.token);
  try {
    const r = await c.request({ type: 'send', channel: rooms[room].id, body, client_id: `c-${Math.random()}` });
    assert.equal(r.type, 'ack', JSON.stringify(r));
  } finally {
    await c.close();
  }
}

// Bo, signed in (in `channel` when given), types q into the header's box
// and presses Enter.
async function searchAsBo(q, { channel } = {}) {
  const { page, context } = await newPage(browser);
  await signIn(page, server, bo);
  if (channel) await openChannel(page, channel);
  const box = page.getByRole('searchbox', { name: 'Search messages' });
  await box.fill(q);
  await box.press('Enter');
  return { page, context, box, results: page.getByRole('region', { name: 'Search results' }) };
}

before(async () => {
  server = await startServer({ args: ['--rate', '5000', '--burst', '5000'] });
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  rooms['grants-room'] = await makeChannel(server, ana, 'grants-room', { members: [bo] });
  rooms['lobby-room'] = await makeChannel(server, ana, 'lobby-room', { members: [bo] });
  await say(ana, 'grants-room', 'The budget équité rubric for March <img src=x onerror=alert(1)>');
  // Enough after it that it is not on the channel's first page.
  const c = await server.connect(bo.token);
  for (let i = 1; i <= 120; i++) {
    const r = await c.request({ type: 'send', channel: rooms['grants-room'].id, body: `later message ${i}`, client_id: `l-${i}` });
    assert.equal(r.type, 'ack');
  }
  await c.close();
  await say(bo, 'lobby-room', 'Has anyone seen the equity rubric?');
  // A message further back than paging goes (the latest page, two pages of 200, the window after it: 450 + 100).
  rooms['deep-room'] = await makeChannel(server, ana, 'deep-room', { members: [bo] });
  await say(ana, 'deep-room', 'the old procurement checklist');
  const k = await server.connect(ana.token);
  const sends = [];
  for (let i = 1; i <= 700; i++) {
    sends.push(k.request({ type: 'send', channel: rooms['deep-room'].id, body: `deep later ${i}`, client_id: `d-${i}` }));
  }
  for (const r of await Promise.all(sends)) assert.equal(r.type, 'ack');
  await k.close();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('search from the header, arrow to a result, Enter: the channel opens at the message, highlighted', async () => {
  const { page, context, box, results } = await searchAsBo('equit rubr', { channel: 'lobby-room' });
  await results.waitFor();
  const hits = results.getByRole('link');
  await until(async () => (await hits.count()) === 2, { what: 'two results' });
  // Grouped by channel, newest first: the lobby's question, then the rubric.
  const groups = results.getByRole('heading', { level: 2 });
  assert.deepEqual(await groups.allTextContents(), ['#lobby-room', '#grants-room']);
  const rubric = hits.filter({ hasText: 'for March' });
  assert.match(await rubric.textContent(), /Ana Bell/);
  // The matches are <mark> elements; the message's markup is only text.
  assert.deepEqual(await rubric.locator('mark').allTextContents(), ['équité', 'rubric']);
  assert.equal(await results.locator('img').count(), 0, 'message HTML was rendered');
  assert.match(await rubric.textContent(), /<img src=x onerror=alert\(1\)>/);
  assert.doesNotMatch(await results.textContent(), /\[\[|\]\]/);
  // From the box, ↓ to the first result, ↓ to the second, Enter opens it.
  await box.press('ArrowDown');
  await until(() => hits.first().evaluate((el) => el === document.activeElement), { what: 'focus on the first result' });
  await page.keyboard.press('ArrowDown');
  await until(() => rubric.evaluate((el) => el === document.activeElement), { what: 'focus on the second result' });
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: /grants-room/ }).waitFor();
  await results.waitFor({ state: 'hidden' });
  const shown = message(page, 'The budget équité rubric for March <img src=x onerror=alert(1)>');
  await shown.waitFor();
  await until(() => shown.evaluate((el) => el.classList.contains('flash') && el === document.activeElement),
    { what: 'the message highlighted and focused' });
  // Escape from the box closes nothing left open and keeps the page usable.
  assertNoProblems(page);
  await context.close();
});

test('at phone width: the box and the results fit, a click opens the result', async () => {
  const { page, context } = await newPage(browser, { viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  await signIn(page, server, bo);
  const box = page.getByRole('searchbox', { name: 'Search messages' });
  await box.fill('rubric march');
  const results = page.getByRole('region', { name: 'Search results' });
  const hit = results.getByRole('link').filter({ hasText: 'for March' });
  await hit.waitFor(); // as one types, without Enter
  const fits = await results.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.left >= 0 && r.right <= window.innerWidth && document.documentElement.scrollWidth <= window.innerWidth;
  });
  assert.ok(fits, 'the results panel overflows the phone screen');
  // No match: said so.
  await box.fill('zzyzx-nothing');
  await results.getByText(/No messages match/).waitFor();
  await box.fill('rubric march');
  await hit.click();
  await page.getByRole('heading', { level: 1, name: /grants-room/ }).waitFor();
  await message(page, 'The budget équité rubric for March <img src=x onerror=alert(1)>').waitFor();
  assertNoProblems(page);
  await context.close();
});

test('brackets a message holds itself are text, never taken for a match', async () => {
  await say(ana, 'lobby-room', 'Notes [[draft]] on the tracker ]] for [[ Q3');
  const { page, context, results } = await searchAsBo('tracker');
  const hit = results.getByRole('link').filter({ hasText: 'tracker' });
  await hit.waitFor();
  assert.deepEqual(await hit.locator('mark').allTextContents(), ['tracker']);
  assert.match(await hit.textContent(), /Notes \[\[draft\]\] on the tracker \]\] for \[\[ Q3/);
  assertNoProblems(page);
  await context.close();
});

test('a bad query shows the server\'s reason, not a failure', async () => {
  const { page, context, box, results } = await searchAsBo('"unclosed phrase');
  await results.getByRole('status').filter({ hasText: /quote is not closed/ }).waitFor();
  await box.press('Escape');
  await results.waitFor({ state: 'hidden' });
  assertNoProblems(page);
  await context.close();
});

test('a result far back opens in a window of history around it; the newer messages load on request', async () => {
  const { page, context, results } = await searchAsBo('procurement checkl');
  await results.getByRole('link').filter({ hasText: 'old procurement checklist' }).click();
  await page.getByRole('heading', { level: 1, name: /deep-room/ }).waitFor();
  const shown = message(page, 'the old procurement checklist');
  await shown.waitFor();
  await until(() => shown.evaluate((el) => el.classList.contains('flash') && el === document.activeElement),
    { what: 'the message highlighted and focused' });
  // Its neighbours are there (history after it), the newest too, and
  // between them a button for what was left out.
  await message(page, 'deep later 1').waitFor();
  await message(page, 'deep later 700').waitFor({ state: 'attached' });
  assert.equal(await message(page, 'deep later 200').count(), 0, 'the whole history was loaded');
  const more = page.getByRole('log').getByRole('button', { name: 'Load newer messages' });
  await more.click();
  await message(page, 'deep later 200').waitFor({ state: 'attached' });
  await until(async () => (await more.count()) === 0, { what: 'the hole filled' });
  assert.equal(await page.getByRole('log').getByRole('article').count(), 701);
  assertNoProblems(page);
  await context.close();
});
