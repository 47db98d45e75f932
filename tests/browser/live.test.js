// Two people in two browser contexts talk live; sends settle in place;
// unread counts, edit and delete reach the other side.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, nav, log, send, message, makeChannel, openChannel, until, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;
let bo;

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  await makeChannel(server, ana, 'live-room', { members: [bo] });
  await makeChannel(server, ana, 'live-other', { members: [bo] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('two people exchange messages live, with unread counts, edits and deletes', async () => {
  const A = await newPage(browser);
  const B = await newPage(browser);
  await signIn(A.page, server, ana);
  await signIn(B.page, server, bo);
  await openChannel(A.page, 'live-room');
  await openChannel(B.page, 'live-room');

  // Ana's send shows at once as pending, then settles in the same element.
  await send(A.page, 'hello from ana');
  const mine = message(A.page, 'hello from ana');
  const handle = await mine.elementHandle();
  await until(async () => (await handle.getAttribute('data-id')) !== null, { what: 'ack' });
  assert.equal(await mine.count(), 1);
  assert.equal(await handle.evaluate((el) => el.classList.contains('pending')), false);
  assert.equal(await mine.evaluate((el) => el === document.querySelector(`[data-id="${el.dataset.id}"]`)), true);

  await message(B.page, 'hello from ana').waitFor();
  const bHead = message(B.page, 'hello from ana');
  assert.match(await bHead.textContent(), /Ana Bell/);

  await send(B.page, 'hi ana, bo here');
  await message(A.page, 'hi ana, bo here').waitFor();
  await message(B.page, 'hi ana, bo here').and(B.page.locator('[data-id]')).waitFor();

  // Consecutive messages by the same author group under one header.
  await send(B.page, 'second line from bo');
  const second = message(A.page, 'second line from bo');
  await second.waitFor();
  assert.equal(await second.evaluate((el) => el.classList.contains('continued')), true);

  // A message in another channel shows as unread in Bo's sidebar.
  const other = nav(A.page).getByRole('link', { name: /live-other/ });
  await openChannel(A.page, 'live-other');
  await send(A.page, 'over in the other room');
  await message(A.page, 'over in the other room').and(A.page.locator('[data-id]')).waitFor();
  await nav(B.page).getByRole('link', { name: /live-other.*1 unread/ }).waitFor();
  await openChannel(B.page, 'live-other');
  await message(B.page, 'over in the other room').waitFor();
  await until(async () => !/unread/.test(await nav(B.page).getByRole('link', { name: /live-other/ }).textContent()), { what: 'unread cleared' });
  assert.ok(other);

  // Ana edits and then deletes her message; Bo sees both.
  const msg = message(A.page, 'over in the other room');
  await msg.getByRole('button', { name: 'More actions' }).click();
  await A.page.getByRole('menu').getByRole('menuitem', { name: 'Edit' }).click();
  const editBox = A.page.getByRole('textbox', { name: 'Edit message' });
  await editBox.fill('over in the other room (edited text)');
  await editBox.press('Enter');
  await message(B.page, 'over in the other room (edited text)').waitFor();
  assert.match(await message(B.page, 'over in the other room (edited text)').textContent(), /\(edited\)/);

  const edited = message(A.page, 'over in the other room (edited text)');
  await edited.getByRole('button', { name: 'More actions' }).click();
  await A.page.getByRole('menuitem', { name: 'Delete' }).click();
  await A.page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
  await until(async () => (await message(B.page, 'over in the other room').count()) === 0, { what: 'delete reaches bo' });
  assert.equal(await message(A.page, 'over in the other room').count(), 0);

  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});
