// The defects issue 13 found trying the client as a new user, each with a
// test that failed before its fix: 2 (the only owner leaving), 6 (People's
// search hint), 7 (a long topic), 8 (join request notices), 9 (when a
// declined person may ask again), 10 (archived channels in the list), 11
// (the header on a phone; Leave in a menu), 14 (the first-run page).
// Defects 3, 4 and 13 are in dm.test.js and settings.test.js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, nav, makeChannel, openChannel, until, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;
let bo;
let root;

const LONG_TOPIC = 'Monthly peer exchange on participatory budgeting: share drafts of equity screens, '
  + 'compare community engagement plans across jurisdictions, and bring one question you are stuck on for the group to work through together.';

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  root = await server.user('root', { display: 'Rae Admin', admin: true });
  await makeChannel(server, ana, 'owned', { members: [bo] });
  const c = await server.connect(ana.token);
  await c.request({ type: 'channel.create', name: 'long-topic', kind: 'cohort', access: 'open', topic: LONG_TOPIC });
  const req = await c.request({ type: 'channel.create', name: 'req-circle', kind: 'caucus', access: 'request' });
  assert.equal(req.type, 'channel');
  const old = await c.request({ type: 'channel.create', name: 'old-stuff', kind: 'cohort', access: 'open' });
  await c.request({ type: 'channel.archive', channel: old.channel.id, archived: true });
  await c.close();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('defect 2: the only owner leaving is told first and picks the next owner', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server, ana);
  await openChannel(page, 'owned');
  await page.getByRole('button', { name: 'Channel options' }).click();
  await page.getByRole('menuitem', { name: 'Leave channel' }).click();
  const dlg = page.getByRole('dialog', { name: 'Leave #owned?' });
  await dlg.getByText(/You’re the only owner of #owned\. Before you go, choose someone to look after it/).waitFor();
  assert.doesNotMatch(await dlg.textContent(), /channel\.role/);
  const pick = dlg.getByRole('combobox', { name: 'New owner' });
  assert.deepEqual(await pick.locator('option').allTextContents(), ['Bo Chen']);
  await dlg.getByRole('button', { name: 'Make owner and leave' }).click();
  await dlg.waitFor({ state: 'detached' });
  await until(async () => (await nav(page).getByRole('link', { name: /owned/ }).count()) === 0, { what: 'left #owned' });
  await page.getByRole('status').filter({ hasText: 'Bo Chen now owns #owned, and you left it.' }).waitFor();
  assert.equal(await page.locator('#composer-error').isVisible(), false);
  const b = await server.connect(bo.token);
  const list = await b.request({ type: 'channel.list' });
  assert.equal(list.channels.find((x) => x.name === 'owned').role, 'owner');
  await b.close();
  assertNoProblems(page);
  await context.close();
});

test('defect 6: the admin search hint says deactivated accounts are listed', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server, root);
  await page.getByRole('button', { name: 'People', exact: true }).click();
  // People is the directory (issue 17); an admin's account tools are inside it.
  await page.getByRole('region', { name: 'People' }).getByRole('button', { name: 'Account tools' }).click();
  const box = page.getByRole('dialog', { name: 'People' }).getByRole('searchbox', { name: 'Search people' });
  const hint = await page.locator(`#${await box.getAttribute('aria-describedby')}`).textContent();
  assert.doesNotMatch(hint, /Active accounts only/);
  assert.match(hint, /Deactivated accounts are listed too/);
  assertNoProblems(page);
  await context.close();
});

test('defect 7 and 11 on a phone: the full topic on request; one row of header buttons, Leave in a menu', async () => {
  const { context, page } = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await signIn(page, server, ana);
  await page.goto(`${server.origin}/#/c/${(await idOf('long-topic'))}`);
  await page.getByRole('heading', { level: 1, name: /long-topic/ }).waitFor();
  const topic = page.locator('#channel-topic');
  const toggle = page.getByRole('button', { name: 'Full topic' });
  await toggle.waitFor();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.ok(await topic.evaluate((el) => el.scrollWidth > el.clientWidth), 'cut short at first');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.ok(await topic.evaluate((el) => el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().height > 40), 'shown in full');
  assert.ok((await topic.textContent()).endsWith('work through together.'));
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');

  // The owner of a request-to-join caucus with a request waiting.
  const b = await server.connect(bo.token);
  await b.request({ type: 'channel.join', channel: await idOf('req-circle'), note: 'hello' });
  await b.close();
  await page.goto(`${server.origin}/#/c/${(await idOf('req-circle'))}`);
  await page.getByRole('button', { name: 'Join requests (1)' }).waitFor();
  const tops = await page.locator('.channel-actions > *').evaluateAll((els) => els.filter((e) => e.offsetParent).map((e) => Math.round(e.getBoundingClientRect().top)));
  assert.equal(new Set(tops).size, 1, `one row of buttons (tops ${tops})`);
  assert.equal(await page.getByRole('button', { name: /Leave/ }).count(), 0, 'no Leave button on the header');
  await page.getByRole('button', { name: 'Channel options' }).click();
  for (const item of ['Channel settings', 'Mute notifications', 'Leave channel']) await page.getByRole('menuitem', { name: item }).waitFor();
  // The menu works by keyboard: arrows move, Escape closes and gives focus back.
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Channel settings');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Mute notifications');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Leave channel');
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Channel options');
  assert.equal(await page.getByRole('menu').count(), 0);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling');
  assertNoProblems(page);
  await context.close();
});

async function idOf(name) {
  const c = await server.connect(ana.token);
  const list = await c.request({ type: 'channel.list' });
  await c.close();
  return list.channels.find((x) => x.name === name).id;
}

test('defects 8 and 9: a request stays on the channel and opens the panel; a decline says when to ask again', async () => {
  const A = await newPage(browser);
  const B = await newPage(browser);
  await signIn(A.page, server, ana);
  await signIn(B.page, server, bo);
  await openChannel(A.page, 'long-topic');
  const caucus = await server.connect(ana.token);
  const made = await caucus.request({ type: 'channel.create', name: 'peer-support', kind: 'caucus', access: 'request' });
  await caucus.close();
  await nav(A.page).getByRole('link', { name: /peer-support/ }).waitFor();

  // Bo asks to join from Browse channels.
  await B.page.getByRole('button', { name: 'Browse channels' }).click();
  const browse = B.page.getByRole('dialog', { name: 'Browse channels' });
  await browse.getByRole('button', { name: 'Request to join peer-support' }).click();
  await browse.getByRole('button', { name: 'Send request' }).click();
  await browse.getByText(/Request sent/).waitFor();
  await browse.getByRole('button', { name: 'Close' }).click();

  // Ana: a notice that stays (past the 10 s a passing notice lasts), a count
  // on the channel's link, and a way to the requests.
  const notice = A.page.getByRole('status').filter({ hasText: 'Bo Chen asked to join #peer-support.' });
  await notice.waitFor();
  await nav(A.page).getByRole('link', { name: /peer-support.*1 join request/ }).waitFor();
  await A.page.waitForTimeout(11000);
  await notice.waitFor();
  await A.page.getByRole('button', { name: 'Review requests' }).click();
  const reqs = A.page.getByRole('dialog', { name: 'Join requests for #peer-support' });
  await reqs.getByRole('button', { name: 'Decline Bo Chen' }).click();
  await reqs.getByText(/Declined Bo Chen/).waitFor();
  await reqs.getByRole('button', { name: 'Close' }).click();
  await A.page.getByRole('heading', { level: 1, name: /peer-support/ }).waitFor();
  await until(async () => !/join request/.test(await nav(A.page).getByRole('link', { name: /peer-support/ }).textContent()), { what: 'count gone' });

  // Bo asks again at once: he is told when he can.
  await B.page.getByRole('status').filter({ hasText: /declined/ }).waitFor();
  await B.page.getByRole('button', { name: 'Browse channels' }).click();
  await browse.getByRole('button', { name: 'Request to join peer-support' }).click();
  await browse.getByRole('button', { name: 'Send request' }).click();
  const said = await browse.getByRole('alert').textContent();
  assert.match(said, /^The moderators of peer-support declined your last request\. You can ask again in about (23|24) hours \(.+\)\.$/);
  assert.ok(made.channel);
  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});

test('defect 10: archived channels look different in the list and say so', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server, ana);
  const link = nav(page).getByRole('link', { name: /old-stuff/ });
  await link.waitFor();
  assert.match(await link.evaluate((el) => el.textContent), /old-stuff.*archived/);
  await nav(page).getByRole('link', { name: /old-stuff.*archived/ }).waitFor();
  const style = await link.locator('.nav-name').evaluate((el) => getComputedStyle(el).fontStyle);
  assert.equal(style, 'italic');
  const live = nav(page).getByRole('link', { name: /long-topic/ });
  assert.equal(await live.locator('.nav-name').evaluate((el) => getComputedStyle(el).fontStyle), 'normal');
  // Last in their group.
  const cohorts = await nav(page).getByRole('list', { name: 'Cohorts' }).getByRole('link').allTextContents();
  assert.match(cohorts[cohorts.length - 1], /old-stuff/);
  assertNoProblems(page);
  await context.close();
});

test('defect 14: a first-run page points to creating a channel and adding people', async () => {
  const newbie = await server.user('newbie', { display: 'Nia Admin', admin: true });
  const { context, page } = await newPage(browser);
  await signIn(page, server, newbie);
  const main = page.getByRole('main');
  await main.getByText(/You’re not in any channels yet, Nia Admin\./).waitFor();
  assert.doesNotMatch(await main.innerText(), /Pick a channel from the list/);
  await main.getByRole('button', { name: 'Create a channel' }).click();
  await page.getByRole('dialog', { name: 'Create a channel' }).getByRole('button', { name: 'Cancel' }).click();
  await main.getByRole('button', { name: 'Add colleagues' }).click();
  await page.getByRole('dialog', { name: 'People' }).getByRole('button', { name: 'Close' }).click();
  await main.getByRole('button', { name: 'Find a channel' }).click();
  await page.getByRole('dialog', { name: 'Browse channels' }).getByRole('button', { name: 'Join long-topic' }).click();
  await page.getByRole('heading', { level: 1, name: /long-topic/ }).waitFor();
  assertNoProblems(page);
  await context.close();

  // Someone who is not an administrator is not sent to People.
  const plain = await server.user('plain', { display: 'Pat Lee' });
  const P = await newPage(browser);
  await signIn(P.page, server, plain);
  await P.page.getByRole('main').getByText(/You’re not in any channels yet/).waitFor();
  assert.equal(await P.page.getByRole('main').getByRole('button', { name: 'Add colleagues' }).count(), 0);
  await P.page.getByRole('main').getByRole('button', { name: 'Write to someone' }).click();
  await P.page.getByRole('dialog', { name: 'New direct message' }).waitFor();
  assertNoProblems(P.page);
  await P.context.close();
});
