// Keyboard shortcuts, keyboard only: Ctrl+K opens the quick switcher, typing
// filters channels and people, ↓ and Enter open one; Alt+↑ and Alt+↓ walk
// the channel list; ? opens the shortcut sheet (but not while typing).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, nav, composer, makeChannel, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  await server.user('bo', { display: 'Bo Chen' });
  await makeChannel(server, ana, 'aaa-first');
  await makeChannel(server, ana, 'budget-tools', { kind: 'team', access: 'open' });
  await makeChannel(server, ana, 'budget-review');
  await makeChannel(server, ana, 'housing', { kind: 'caucus', access: 'open' });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const heading = (page) => page.getByRole('heading', { level: 1 });

test('quick switcher, Alt+arrows and the shortcut sheet by keyboard alone', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server, ana);
  await heading(page).waitFor();
  await composer(page).focus();

  // Ctrl+K from the message box: a combobox over channels and people.
  await page.keyboard.press('Control+k');
  const dlg = page.getByRole('dialog', { name: 'Go to a channel or person' });
  await dlg.waitFor();
  const box = dlg.getByRole('combobox');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'combobox');
  await page.keyboard.type('budget');
  const options = dlg.getByRole('listbox').getByRole('option');
  await options.filter({ hasText: '#budget-tools' }).waitFor();
  assert.deepEqual((await options.allTextContents()).map((t) => t.split(/Cohort|Team/)[0]), ['#budget-review', '#budget-tools']);
  assert.equal(await box.getAttribute('aria-activedescendant'), await options.first().getAttribute('id'));
  await page.keyboard.press('ArrowDown');
  assert.equal(await box.getAttribute('aria-activedescendant'), await options.nth(1).getAttribute('id'));
  assert.equal(await options.nth(1).getAttribute('aria-selected'), 'true');
  await page.keyboard.press('Enter');
  await dlg.waitFor({ state: 'detached' });
  await heading(page).filter({ hasText: 'budget-tools' }).waitFor();

  // People too: Enter on a person opens the conversation with them.
  await page.keyboard.press('Control+k');
  await dlg.waitFor();
  await page.keyboard.type('bo ch');
  await options.filter({ hasText: 'Bo Chen' }).waitFor();
  await page.keyboard.press('Enter');
  await heading(page).filter({ hasText: 'Bo Chen' }).waitFor();
  await nav(page).getByRole('link', { name: /Bo Chen/ }).waitFor();

  // Alt+↑ / Alt+↓ follow the channel list's order: caucuses, cohorts, teams, DMs.
  await page.keyboard.press('Control+k');
  await page.keyboard.type('housing');
  await page.keyboard.press('Enter');
  await heading(page).filter({ hasText: 'housing' }).waitFor();
  const order = [];
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Alt+ArrowDown');
    await page.waitForFunction((prev) => document.querySelector('#channel-title')?.textContent !== prev, order[order.length - 1] ?? '#housing');
    order.push(await page.locator('#channel-title').textContent());
  }
  assert.deepEqual(order, ['#aaa-first', '#budget-review', '#budget-tools', 'Bo Chen']);
  await page.keyboard.press('Alt+ArrowUp');
  await heading(page).filter({ hasText: 'budget-tools' }).waitFor();

  // ? opens the sheet from anywhere but a text field.
  await composer(page).focus();
  await page.keyboard.type('?');
  assert.equal(await page.getByRole('dialog').count(), 0);
  assert.equal(await composer(page).inputValue(), '?');
  await composer(page).fill('');
  await page.getByRole('log').focus();
  await page.keyboard.press('?');
  const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await sheet.waitFor();
  await sheet.getByRole('row', { name: /Ctrl \+ K.*quick switcher/ }).waitFor();
  await sheet.getByRole('row', { name: /Alt \+ ↑.*Previous or next channel/ }).waitFor();
  await page.keyboard.press('Escape');
  await sheet.waitFor({ state: 'detached' });
  assertNoProblems(page);
  await context.close();
});
