// The rest of the conversation around messages: the "New messages" line at
// the first unread message (and "Mark as unread"), a copied link opened by
// someone else scrolls to and highlights the message, a moderator deletes
// someone else's message (issue 13, defect 1), the phone layout has no
// permanent Edit/Delete but a menu (defect 12), joined/left lines, and ↑ in
// the empty message box edits my last message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, log, nav, send, message, makeChannel, openChannel, until, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;
let bo;
let cy;
const rooms = {};

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  cy = await server.user('cy', { display: 'Cy Okafor' });
  for (const name of ['aaa-elsewhere', 'news-room', 'burst-room', 'link-room', 'mod-room', 'phone-room', 'member-room', 'sync-room']) {
    rooms[name] = await makeChannel(server, ana, name, { members: name === 'member-room' ? [] : [bo] });
  }
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function say(who, room, body) {
  const c = await server.connect(who.token);
  try {
    const r = await c.request({ type: 'send', channel: rooms[room].id, body, client_id: `t-${Math.random().toString(36).slice(2)}` });
    assert.equal(r.type, 'ack', JSON.stringify(r));
    return r.id;
  } finally {
    await c.close();
  }
}

const menuItem = (page, name) => page.getByRole('menu').getByRole('menuitem', { name, exact: true });

// The text of the first message after the "New messages" separator.
const afterDivider = (page) => log(page).evaluate((el) => {
  const sep = el.querySelector('[role="separator"][aria-label="New messages"]');
  let n = sep && sep.nextElementSibling;
  while (n && n.tagName !== 'ARTICLE') n = n.nextElementSibling;
  return n ? n.querySelector('.msg-body').textContent : null;
});

test('the New messages line sits at the first unread message; Mark as unread moves it back', async () => {
  await say(ana, 'news-room', 'already read 1');
  await say(bo, 'news-room', 'already read 2');
  const { context, page } = await newPage(browser, { viewport: { width: 1100, height: 700 } });
  await signIn(page, server, ana);
  await openChannel(page, 'news-room');
  await message(page, 'already read 2').waitFor();
  await until(async () => !/unread/.test(await nav(page).getByRole('link', { name: /news-room/ }).textContent()), { what: 'read' });
  await openChannel(page, 'aaa-elsewhere');

  for (let i = 1; i <= 3; i++) await say(bo, 'news-room', `new one ${i}`);
  await nav(page).getByRole('link', { name: /news-room.*3 unread/ }).waitFor();
  await openChannel(page, 'news-room');
  await message(page, 'new one 3').waitFor();
  await log(page).getByRole('separator', { name: 'New messages' }).waitFor();
  assert.equal(await afterDivider(page), 'new one 1');
  assert.equal(await log(page).getByRole('separator', { name: 'New messages' }).count(), 1);

  // Mark an older message unread: the channel counts it, and opening the
  // channel again puts the line there.
  await message(page, 'already read 2').getByRole('button', { name: 'More actions' }).click();
  await menuItem(page, 'Mark as unread').click();
  await nav(page).getByRole('link', { name: /news-room.*4 unread/ }).waitFor();
  await page.waitForTimeout(500);
  await nav(page).getByRole('link', { name: /news-room.*4 unread/ }).waitFor(); // not read again while open
  await openChannel(page, 'aaa-elsewhere');
  await openChannel(page, 'news-room');
  await until(async () => (await afterDivider(page)) === 'already read 2', { what: 'line at the marked message' });
  // Read now: the count goes, and a reload keeps it read.
  await until(async () => !/unread/.test(await nav(page).getByRole('link', { name: /news-room/ }).textContent()), { what: 'read again' });
  await page.reload();
  await page.getByRole('heading', { level: 1, name: /news-room/ }).waitFor();
  await message(page, 'new one 3').waitFor();
  assert.equal(await log(page).getByRole('separator', { name: 'New messages' }).count(), 0);
  assertNoProblems(page);
  await context.close();
});

test('Mark as unread reaches my other devices, and reading there clears it here', async () => {
  for (let i = 1; i <= 3; i++) await say(bo, 'sync-room', `sync ${i}`);
  const one = await newPage(browser, { viewport: { width: 1100, height: 700 } });
  const two = await newPage(browser, { viewport: { width: 1100, height: 700 } });
  await signIn(one.page, server, ana);
  await signIn(two.page, server, ana);
  await openChannel(one.page, 'sync-room');
  await message(one.page, 'sync 3').waitFor();
  await until(async () => !/unread/.test(await nav(two.page).getByRole('link', { name: /sync-room/ }).textContent()),
    { what: 'read on one device, read on the other' });
  await openChannel(two.page, 'aaa-elsewhere');

  await message(one.page, 'sync 2').getByRole('button', { name: 'More actions' }).click();
  await menuItem(one.page, 'Mark as unread').click();
  await nav(two.page).getByRole('link', { name: /sync-room.*2 unread/ }).waitFor();
  // Reading it on the second device: the line sits at the marked message,
  // and the first device's badge goes.
  await openChannel(two.page, 'sync-room');
  await until(async () => (await afterDivider(two.page)) === 'sync 2', { what: 'line at the message marked elsewhere' });
  await until(async () => !/unread/.test(await nav(one.page).getByRole('link', { name: /sync-room/ }).textContent()),
    { what: 'read elsewhere clears the badge here' });
  assertNoProblems(one.page);
  assertNoProblems(two.page);
  await one.context.close();
  await two.context.close();
});

test('when the first unread message is further back than the first page, a button jumps to it', async () => {
  await say(ana, 'burst-room', 'before the burst');
  const { context, page } = await newPage(browser, { viewport: { width: 1100, height: 700 } });
  await signIn(page, server, ana);
  await openChannel(page, 'aaa-elsewhere');
  for (let i = 1; i <= 80; i++) await say(bo, 'burst-room', `burst ${i}`);
  await openChannel(page, 'burst-room');
  await message(page, 'burst 80').waitFor();
  const jump = page.getByRole('button', { name: 'Jump to new messages' });
  await jump.waitFor();
  assert.equal(await message(page, 'burst 1').count(), 0, 'only the first page is loaded');
  await jump.click();
  await log(page).getByRole('separator', { name: 'New messages' }).waitFor();
  assert.equal(await afterDivider(page), 'burst 1');
  await until(() => message(page, 'burst 1').evaluate((el) => el === document.activeElement), { what: 'focus on the first new message' });
  await jump.waitFor({ state: 'hidden' });
  assertNoProblems(page);
  await context.close();
});

test('a copied link, opened by someone else, loads the message and highlights it', async () => {
  const target = 'the decision we made about the grant';
  await say(ana, 'link-room', target);
  for (let i = 1; i <= 120; i++) await say(bo, 'link-room', `later message ${i}`);
  const A = await newPage(browser, { permissions: ['clipboard-read', 'clipboard-write'] });
  await signIn(A.page, server, ana);
  await openChannel(A.page, 'link-room');
  await message(A.page, 'later message 120').waitFor();
  // Ana pages back to the message and copies its link.
  await until(async () => {
    await log(A.page).evaluate((el) => { el.scrollTop = 0; });
    return (await message(A.page, target).count()) === 1;
  }, { what: 'the target message', timeout: 15000 });
  await message(A.page, target).getByRole('button', { name: 'More actions' }).click();
  await menuItem(A.page, 'Copy link').click();
  await A.page.getByRole('status').filter({ hasText: 'Link copied.' }).waitFor();
  const url = await A.page.evaluate(() => navigator.clipboard.readText());
  assert.match(url, new RegExp(`#/c/${rooms['link-room'].id}/m/\\d+$`));

  // Bo opens it in his browser (signed in, another channel open).
  const B = await newPage(browser, { viewport: { width: 1000, height: 600 }, reducedMotion: 'reduce' });
  await signIn(B.page, server, bo);
  await B.page.goto(url);
  await B.page.getByRole('heading', { level: 1, name: /link-room/ }).waitFor();
  const shown = message(B.page, target);
  await shown.waitFor();
  await until(() => shown.evaluate((el) => el.classList.contains('flash') && el === document.activeElement), { what: 'highlighted and focused' });
  const inView = await shown.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const l = el.closest('[role="log"]').getBoundingClientRect();
    return r.top >= l.top && r.bottom <= l.bottom;
  });
  assert.ok(inView, 'the message is scrolled into view');
  // Reduced motion: a plain highlight, no animation.
  assert.equal(await shown.evaluate((el) => getComputedStyle(el).animationName), 'none');
  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});

test('moderators delete other people’s messages; members do not (defect 1)', async () => {
  await say(bo, 'mod-room', 'an off-topic message from bo');
  await say(ana, 'mod-room', 'the owner speaks');
  const A = await newPage(browser);
  const B = await newPage(browser);
  await signIn(A.page, server, ana);
  await signIn(B.page, server, bo);
  await openChannel(A.page, 'mod-room');
  await openChannel(B.page, 'mod-room');
  await message(B.page, 'the owner speaks').getByRole('button', { name: 'More actions' }).click();
  await B.page.getByRole('menu').waitFor();
  // Report (issue 15): anyone may report someone else's message.
  assert.deepEqual(await B.page.getByRole('menuitem').allTextContents(), ['Reply in thread', 'Add reaction', 'Copy link', 'Report', 'Create action item', 'Mark as unread']);
  await B.page.keyboard.press('Escape');

  await message(A.page, 'an off-topic message from bo').getByRole('button', { name: 'More actions' }).click();
  assert.equal(await menuItem(A.page, 'Edit').count(), 0, 'no editing of others’ words');
  await menuItem(A.page, 'Delete').click();
  const confirm = A.page.getByRole('dialog', { name: 'Delete message?' });
  await confirm.getByText(/Bo Chen’s message/).waitFor();
  await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
  await until(async () => (await message(B.page, 'an off-topic message from bo').count()) === 0, { what: 'deleted for bo' });
  assert.equal(await message(A.page, 'an off-topic message from bo').count(), 0);
  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});

test('on a phone: no permanent Edit or Delete, a ⋯ menu and a long press (defect 12)', async () => {
  const { context, page } = await newPage(browser, { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  await signIn(page, server, ana);
  await page.getByRole('button', { name: 'Show channels' }).click();
  await nav(page).getByRole('link', { name: /phone-room/ }).click();
  await page.getByRole('heading', { level: 1, name: /phone-room/ }).waitFor();
  await send(page, 'typed on a phone');
  const mine = message(page, 'typed on a phone').and(page.locator('[data-id]'));
  await mine.waitFor();
  // Nothing called Edit or Delete on screen under the message.
  assert.equal(await mine.getByRole('button', { name: /Edit|Delete/ }).count(), 0);
  assert.equal(await mine.getByText(/^(Edit|Delete)$/).count(), 0);
  const more = mine.getByRole('button', { name: 'More actions' });
  assert.equal(await more.isVisible(), true);
  const box = await more.boundingBox();
  assert.ok(box.width >= 32 && box.height >= 32, `a touch target of ${box.width}×${box.height}`);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling');

  // The ⋯ opens a sheet along the bottom of the screen.
  await more.tap();
  const sheet = page.getByRole('menu');
  await sheet.waitFor();
  assert.deepEqual(await sheet.getByRole('menuitem').allTextContents(),
    ['Reply in thread', 'Add reaction', 'Edit', 'Delete', 'Copy link', 'Pin', 'Create action item', 'Mark as unread']);
  const r = await sheet.boundingBox();
  assert.ok(r.width >= 380 && Math.abs(r.y + r.height - 844) < 2, `sheet at ${JSON.stringify(r)}`);
  await menuItem(page, 'Edit').tap();
  await page.getByRole('textbox', { name: 'Edit message' }).fill('typed on a phone, then fixed');
  await page.getByRole('button', { name: 'Save' }).tap();
  await message(page, 'typed on a phone, then fixed').waitFor();

  // A long press on the message opens the same menu.
  const cdp = await context.newCDPSession(page);
  const body = await message(page, 'typed on a phone, then fixed').locator('.msg-body').boundingBox();
  const point = { x: body.x + 20, y: body.y + body.height / 2 };
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
  await page.waitForTimeout(700);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await page.getByRole('menu').waitFor();
  await menuItem(page, 'Reply in thread').tap();
  // The thread takes the whole screen.
  const thread = page.getByRole('region', { name: 'Thread', exact: true });
  await thread.waitFor();
  const t = await thread.boundingBox();
  assert.ok(t.width === 390 && t.x === 0, `thread panel at ${JSON.stringify(t)}`);
  await thread.getByRole('button', { name: 'Close thread' }).tap();
  await thread.waitFor({ state: 'hidden' });
  assertNoProblems(page);
  await context.close();
});

test('joined and left lines, and ↑ in the empty box edits my last message', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server, ana);
  await openChannel(page, 'member-room');
  await send(page, 'first words');
  await send(page, 'my last words');
  await message(page, 'my last words').and(page.locator('[data-id]')).waitFor();

  const c = await server.connect(cy.token);
  await c.request({ type: 'channel.join', channel: rooms['member-room'].id });
  await log(page).getByText('Cy Okafor joined').waitFor();
  await c.request({ type: 'channel.leave', channel: rooms['member-room'].id });
  await log(page).getByText('Cy Okafor left').waitFor();
  await c.close();

  const box = page.getByLabel('Message', { exact: true });
  await box.focus();
  await box.press('ArrowUp');
  const edit = page.getByRole('textbox', { name: 'Edit message' });
  await edit.waitFor();
  assert.equal(await edit.inputValue(), 'my last words');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Edit message');
  await edit.fill('my last words, edited');
  await edit.press('Enter');
  await message(page, 'my last words, edited').waitFor();
  // Back in the message box, as before the edit.
  await until(() => page.evaluate(() => document.activeElement?.id === 'composer-input'), { what: 'focus back in the box' });
  assertNoProblems(page);
  await context.close();
});
