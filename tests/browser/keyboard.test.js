// Sign in and send a message with the keyboard alone (Tab and Enter).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, waitForConn, message, makeChannel, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  await makeChannel(server, ana, 'aaa-first');
  await makeChannel(server, ana, 'kbd-room');
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// Presses Tab until pred(activeElement) holds; returns the number of presses.
async function tabTo(page, pred, what, max = 60) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(pred)) return i + 1;
  }
  throw new Error(`Tab never reached ${what}`);
}

test('keyboard-only sign-in and send', async () => {
  const { context, page } = await newPage(browser);
  await page.goto(server.origin);
  await page.getByLabel('Username').waitFor();
  await page.evaluate(() => document.activeElement?.blur());

  await tabTo(page, () => document.activeElement?.labels?.[0]?.textContent === 'Username', 'Username');
  await page.keyboard.type(ana.name);
  await tabTo(page, () => document.activeElement?.labels?.[0]?.textContent === 'Password', 'Password');
  await page.keyboard.type(ana.password);
  await page.keyboard.press('Enter');
  await waitForConn(page, 'Live');

  // Reach the channel link, open it, then reach the message box.
  await tabTo(page, () => document.activeElement?.matches('nav a') && document.activeElement.textContent.includes('kbd-room'), 'the kbd-room link');
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(ring, 'none', 'focused link shows a focus ring');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: /kbd-room/ }).waitFor();
  await tabTo(page, () => document.activeElement?.labels?.[0]?.textContent === 'Message', 'the Message box');
  await page.keyboard.type('typed without a mouse');
  await page.keyboard.press('Enter');
  await message(page, 'typed without a mouse').and(page.locator('[data-id]')).waitFor();
  // Enter sent it; the box is empty again and keeps focus.
  assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), '');

  // Shift+Enter adds a line instead of sending.
  await page.keyboard.type('line one');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('line two');
  assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), 'line one\nline two');
  await page.keyboard.press('Enter');
  await message(page, 'line two', { exact: false }).and(page.locator('[data-id]')).waitFor();
  assertNoProblems(page);
  await context.close();
});
