// Threads, reactions and pins between two people in two browser contexts,
// driven by role and name as a screen reader user would: a reply in the
// thread panel reaches the other person and their count under the root; a
// reaction toggles for both; a pin shows in the other person's Pins.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, log, send, message, makeChannel, openChannel, until, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;
let bo;

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  await makeChannel(server, ana, 'memo-room', { members: [bo] });
  await makeChannel(server, ana, 'react-room', { members: [bo] });
  await makeChannel(server, ana, 'pin-room', { members: [bo] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const menuItem = (page, name) => page.getByRole('menu').getByRole('menuitem', { name, exact: true });

async function act(page, text, item) {
  await message(page, text).getByRole('button', { name: 'More actions' }).click();
  await menuItem(page, item).click();
}

async function twoPeople(room) {
  const A = await newPage(browser);
  const B = await newPage(browser);
  await signIn(A.page, server, ana);
  await signIn(B.page, server, bo);
  await openChannel(A.page, room);
  await openChannel(B.page, room);
  return [A, B];
}

test('a reply in the thread panel reaches the other person, and counts update live', async () => {
  const [A, B] = await twoPeople('memo-room');
  await send(B.page, 'Can someone review the budget memo?');
  await message(A.page, 'Can someone review the budget memo?').waitFor();

  // Ana replies from the thread panel, opened from the message's menu.
  await act(A.page, 'Can someone review the budget memo?', 'Reply in thread');
  const threadA = A.page.getByRole('region', { name: 'Thread', exact: true });
  await threadA.waitFor();
  const reply = threadA.getByRole('textbox', { name: 'Reply' });
  assert.equal(await A.page.evaluate(() => document.activeElement?.id), 'reply-input', 'focus in the reply box');
  await reply.fill('I will, by Friday.');
  await threadA.getByRole('button', { name: 'Send reply' }).click();
  await threadA.getByRole('article').filter({ hasText: 'I will, by Friday.' }).and(A.page.locator('[data-id]')).waitFor();
  // The root heads the panel; the reply is not in the channel's stream.
  assert.match(await threadA.getByRole('article').first().textContent(), /budget memo/);
  assert.equal(await message(A.page, 'I will, by Friday.').count(), 0);

  // Bo sees "1 reply" under his message, live, and opens the thread.
  const rootB = message(B.page, 'Can someone review the budget memo?');
  await rootB.getByRole('button', { name: '1 reply', exact: true }).click();
  const threadB = B.page.getByRole('region', { name: 'Thread', exact: true });
  await threadB.getByRole('article').filter({ hasText: 'I will, by Friday.' }).waitFor();
  assert.equal(await message(B.page, 'I will, by Friday.').count(), 0, 'replies stay out of the stream');

  // Bo answers with Enter; Ana's open panel and her count under the root follow.
  await threadB.getByRole('textbox', { name: 'Reply' }).fill('Thanks!');
  await threadB.getByRole('textbox', { name: 'Reply' }).press('Enter');
  await threadA.getByRole('article').filter({ hasText: 'Thanks!' }).waitFor();
  await message(A.page, 'Can someone review the budget memo?').getByRole('button', { name: '2 replies', exact: true }).waitFor();
  await message(B.page, 'Can someone review the budget memo?').getByRole('button', { name: '2 replies', exact: true }).waitFor();

  // Escape closes the panel and gives focus back to where it was opened from.
  await threadB.getByRole('textbox', { name: 'Reply' }).press('Escape');
  await threadB.waitFor({ state: 'hidden' });
  assert.match(await B.page.evaluate(() => document.activeElement?.textContent || ''), /repl/);

  // Ana deletes her reply (from its menu in the panel): Bo's count goes down.
  await threadA.getByRole('article').filter({ hasText: 'I will, by Friday.' }).getByRole('button', { name: 'More actions' }).click();
  await menuItem(A.page, 'Delete').click();
  await A.page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
  await message(B.page, 'Can someone review the budget memo?').getByRole('button', { name: '1 reply', exact: true }).waitFor();
  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});

test('reactions toggle for both people, with who reacted', async () => {
  const [A, B] = await twoPeople('react-room');
  await send(B.page, 'Draft is up for comments');
  await message(A.page, 'Draft is up for comments').waitFor();

  // Ana picks 👍 from the picker by searching its name.
  await act(A.page, 'Draft is up for comments', 'Add reaction');
  const picker = A.page.getByRole('dialog', { name: 'Add reaction' });
  await picker.getByRole('searchbox', { name: 'Search emoji' }).fill('thumbs');
  await picker.getByRole('button', { name: 'thumbs up', exact: true }).click();
  await picker.waitFor({ state: 'detached' });

  const thumbs = (page) => message(page, 'Draft is up for comments').getByRole('button', { name: /^👍/ });
  await until(async () => (await thumbs(A.page).getAttribute('aria-pressed')) === 'true', { what: 'mine pressed' });
  assert.match(await thumbs(A.page).innerText(), /1/);
  await until(async () => /1/.test(await thumbs(B.page).innerText().catch(() => '')), { what: 'bo sees 1' });
  assert.equal(await thumbs(B.page).getAttribute('aria-pressed'), 'false');
  assert.match(await thumbs(B.page).getAttribute('title'), /Ana Bell reacted with thumbs up/);

  // Bo adds his: 2 for both, pressed for Bo only.
  await thumbs(B.page).click();
  await until(async () => /2/.test(await thumbs(A.page).innerText()), { what: 'ana sees 2' });
  assert.equal(await thumbs(B.page).getAttribute('aria-pressed'), 'true');
  assert.equal(await thumbs(A.page).getAttribute('aria-pressed'), 'true');
  assert.match(await thumbs(A.page).getAttribute('title'), /Bo Chen and you reacted/);

  // Ana takes hers back with the keyboard.
  await thumbs(A.page).focus();
  await A.page.keyboard.press('Enter');
  await until(async () => /1/.test(await thumbs(B.page).innerText()), { what: 'bo sees 1 again' });
  await until(async () => (await thumbs(A.page).getAttribute('aria-pressed')) === 'false', { what: 'ana unpressed' });
  assert.equal(await thumbs(B.page).getAttribute('aria-pressed'), 'true');

  // The picker: suggestions without a search, arrow keys, Enter picks.
  await act(B.page, 'Draft is up for comments', 'Add reaction');
  const pickerB = B.page.getByRole('dialog', { name: 'Add reaction' });
  await pickerB.getByRole('button', { name: 'party popper' }).waitFor();
  const names = await pickerB.locator('.emoji-btn').evaluateAll((els) => els.map((b) => b.getAttribute('aria-label')));
  assert.ok(names.length > 300, `${names.length} emoji to browse`);
  assert.equal(new Set(names).size, names.length, 'each emoji once, named uniquely');
  await B.page.keyboard.press('ArrowDown');
  assert.equal(await B.page.evaluate(() => document.activeElement?.textContent), '👍', 'recently used first');
  await B.page.keyboard.press('ArrowRight');
  assert.equal(await B.page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'red heart');
  await B.page.keyboard.press('Enter');
  await message(A.page, 'Draft is up for comments').getByRole('button', { name: /^❤️ 1/ }).waitFor();
  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});

test('a pin shows in the other person’s Pins, live, and goes when unpinned', async () => {
  const [A, B] = await twoPeople('pin-room');
  await send(B.page, 'Meeting notes: https://example.org/notes');
  await message(A.page, 'Meeting notes: https://example.org/notes').waitFor();

  // Bo (a member) cannot pin; Ana (the owner) can.
  await message(B.page, 'Meeting notes: https://example.org/notes').getByRole('button', { name: 'More actions' }).click();
  await B.page.getByRole('menu').waitFor();
  assert.equal(await menuItem(B.page, 'Pin').count(), 0);
  await B.page.keyboard.press('Escape');
  await B.page.getByRole('menu').waitFor({ state: 'detached' });
  assert.equal(await B.page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'More actions');

  // Bo opens Pins first: empty; Ana pins; it appears there live.
  await B.page.getByRole('button', { name: 'Pins', exact: true }).click();
  const pinsB = B.page.getByRole('region', { name: 'Pins' });
  await pinsB.getByText(/No pinned messages yet/).waitFor();
  await act(A.page, 'Meeting notes: https://example.org/notes', 'Pin');
  await pinsB.getByRole('listitem').filter({ hasText: 'Meeting notes' }).waitFor();
  await message(B.page, 'Meeting notes: https://example.org/notes').getByText('Pinned').waitFor();
  assert.equal(await pinsB.getByRole('button', { name: 'Unpin' }).count(), 0, 'members cannot unpin');

  // Ana unpins from her menu: it leaves Bo's Pins.
  await act(A.page, 'Meeting notes: https://example.org/notes', 'Unpin');
  await pinsB.getByText(/No pinned messages yet/).waitFor();
  assert.equal(await message(B.page, 'Meeting notes: https://example.org/notes').getByText('Pinned').count(), 0);
  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});
