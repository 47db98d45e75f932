// Access and layout: every control has a name, landmarks are labelled, the
// 360 px layout turns the sidebar into a drawer with a labelled toggle,
// nothing scrolls sideways, focus is visible and motion respects the setting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, nav, log, makeChannel, message, send, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  await makeChannel(server, ana, 'a11y-room');
  await makeChannel(server, ana, 'b-room', { kind: 'caucus', access: 'open' });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// Lines of an aria snapshot for interactive roles that have no name.
function unnamed(snapshot) {
  return snapshot.split('\n').filter((l) => /^\s*- (button|link|textbox|radio|checkbox|combobox|searchbox|dialog|navigation|log)\s*(\[.*\])?:?\s*$/.test(l));
}

test('names, landmarks and the narrow-screen drawer', async () => {
  const { context, page } = await newPage(browser, { viewport: { width: 360, height: 740 }, reducedMotion: 'reduce', colorScheme: 'dark' });
  await page.goto(server.origin);
  await page.getByLabel('Username').waitFor();
  assert.deepEqual(unnamed(await page.locator('body').ariaSnapshot()), []);
  await signIn(page, server, ana);
  await log(page).waitFor();
  await send(page, 'a message with **some** formatting');
  await message(page, 'a message with some formatting').and(page.locator('[data-id]')).waitFor();

  // Narrow: the channel list is a closed drawer behind a labelled button.
  const toggle = page.getByRole('button', { name: 'Show channels' });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await nav(page).isVisible(), false);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling');
  await toggle.click();
  await nav(page).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Hide channels' }).getAttribute('aria-expanded'), 'true');
  assert.ok(await nav(page).evaluate((el) => el.contains(document.activeElement)), 'focus moves into the drawer');
  // Reduced motion: no slide animation.
  assert.equal(await page.locator('#sidebar').evaluate((el) => getComputedStyle(el).transitionDuration.split(',').every((d) => parseFloat(d) === 0)), true);
  assert.deepEqual(unnamed(await page.locator('body').ariaSnapshot()), []);
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Show channels' }).waitFor();
  assert.equal(await nav(page).isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-controls')), 'sidebar', 'focus back on the toggle');

  // Choosing a channel closes the drawer and lands in the composer.
  await page.getByRole('button', { name: 'Show channels' }).click();
  await nav(page).getByRole('link', { name: /b-room/ }).click();
  await page.getByRole('heading', { level: 1, name: /b-room/ }).waitFor();
  assert.equal(await nav(page).isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'composer-input');

  // Dialogs are labelled, contain focus, close on Escape and give focus back.
  await page.getByRole('button', { name: 'Show channels' }).click();
  await page.getByRole('button', { name: 'New channel' }).click();
  const dlg = page.getByRole('dialog', { name: 'Create a channel' });
  await dlg.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.labels?.[0]?.textContent), 'Name');
  assert.deepEqual(unnamed(await dlg.ariaSnapshot()), []);
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(ring, 'none');
  await page.keyboard.press('Escape');
  await dlg.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'New channel');
  assertNoProblems(page);
  await context.close();
});

test('desktop: landmarks, headings, status and log', async () => {
  const { context, page } = await newPage(browser, { viewport: { width: 1280, height: 800 } });
  await signIn(page, server, ana);
  await page.getByRole('banner').waitFor();
  await page.getByRole('main').waitFor();
  assert.equal(await nav(page).isVisible(), true);
  assert.equal(await page.getByRole('button', { name: 'Show channels' }).isVisible(), false);
  for (const h of ['Caucuses', 'Cohorts', 'Teams', 'Direct messages']) await nav(page).getByRole('heading', { name: h }).waitFor();
  assert.match(await log(page).getAttribute('aria-label'), /Messages in #/);
  assert.equal(await page.getByRole('button', { name: 'Send', exact: true }).isVisible(), true);
  assert.deepEqual(unnamed(await page.locator('body').ariaSnapshot()), []);
  assertNoProblems(page);
  await context.close();
});
