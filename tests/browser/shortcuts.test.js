// Keyboard shortcuts, keyboard only: Ctrl+K opens the quick switcher, typing
// filters channels and people, ↓ and Enter open one, its last option
// searches the messages for what was typed; Alt+↑ and Alt+↓ walk
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
  const housing = await makeChannel(server, ana, 'housing', { kind: 'caucus', access: 'open' });
  const c = await server.connect(ana.token);
  const r = await c.request({ type: 'send', channel: housing.id, body: 'The zoning variance memo is out', client_id: 'sw-1' });
  assert.equal(r.type, 'ack');
  await c.close();
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
  assert.deepEqual((await options.allTextContents()).map((t) => t.split(/Cohort|Team/)[0]),
    ['#budget-review', '#budget-tools', 'Search messages for “budget”']);
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

  // The last option searches the messages: the header's results open, focus in its box.
  await page.keyboard.press('Control+k');
  await dlg.waitFor();
  await page.keyboard.type('varian');
  const searchOption = options.filter({ hasText: 'Search messages for “varian”' });
  await searchOption.waitFor();
  assert.equal(await options.count(), 1, 'no channel or person matches');
  await page.keyboard.press('Enter');
  await dlg.waitFor({ state: 'detached' });
  const results = page.getByRole('region', { name: 'Search results' });
  const hit = results.getByRole('link').filter({ hasText: 'zoning variance memo' });
  await hit.waitFor();
  assert.deepEqual(await hit.locator('mark').allTextContents(), ['variance']);
  assert.equal(await page.getByRole('searchbox', { name: 'Search messages' }).inputValue(), 'varian');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'search-input');
  await page.keyboard.press('Escape');
  await results.waitFor({ state: 'hidden' });
  await composer(page).focus();

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
  await sheet.getByRole('row', { name: /Ctrl \+ K.*search messages.*quick switcher/ }).waitFor();
  await sheet.getByRole('row', { name: /Alt \+ ↑.*Previous or next channel/ }).waitFor();
  await page.keyboard.press('Escape');
  await sheet.waitFor({ state: 'detached' });
  assertNoProblems(page);
  await context.close();
});
