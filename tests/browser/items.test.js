// Action items in Chromium with two people: an item created from a message's
// "Create action item" (the New item dialog: Title, Owner, Due date,
// Create) shows under the message and in the assignee's My items; ticking
// its checkbox completes it for both; an overdue item is marked; the
// keyboard reaches all of it.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, makeChannel, send, message, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;
let bo;
let ch;

before(async () => {
  server = await startServer({ args: ['--tz', 'UTC'] });
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  ch = await makeChannel(server, ana, 'housing-team', { kind: 'cohort', members: [bo] });
  await makeChannel(server, bo, 'other-team', { kind: 'cohort', members: [ana] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const itemsPanel = (page) => page.getByRole('region', { name: 'Action items' });

test('an item created from a message appears under it and in the assignee’s My items; done for both when ticked; overdue marked', async () => {
  const A = await newPage(browser);
  const B = await newPage(browser);
  await signIn(A.page, server, ana);
  await signIn(B.page, server, bo);
  await A.page.goto(`${server.origin}/#/c/${ch.id}`);
  await B.page.goto(`${server.origin}/#/c/${ch.id}`);
  await send(A.page, 'Could someone draft the tenant survey by Friday?');
  const msg = message(A.page, 'Could someone draft the tenant survey by Friday?');
  await msg.getByRole('button', { name: 'More actions' }).click();
  await A.page.getByRole('menuitem', { name: 'Create action item' }).click();
  const dlg = A.page.getByRole('dialog', { name: 'New item' });
  assert.equal(await dlg.getByRole('textbox', { name: 'Title' }).inputValue(), 'Could someone draft the tenant survey by Friday?');
  await dlg.getByRole('textbox', { name: 'Title' }).fill('Draft the tenant survey');
  await dlg.getByRole('combobox', { name: 'Owner' }).selectOption({ label: 'Bo Chen' });
  await dlg.getByRole('textbox', { name: 'Due date' }).fill('2027-02-30');
  await dlg.getByRole('button', { name: 'Create' }).click();
  await dlg.getByRole('alert').filter({ hasText: 'year-month-day' }).waitFor();
  await dlg.getByRole('textbox', { name: 'Due date' }).fill('2099-01-15');
  await dlg.getByRole('button', { name: 'Create' }).click();
  await dlg.waitFor({ state: 'detached' });
  // Under the message, for both.
  for (const page of [A.page, B.page]) {
    await message(page, 'Could someone draft the tenant survey by Friday?')
      .getByRole('list', { name: 'Action items from this message' }).getByText('Draft the tenant survey').waitFor();
  }
  // Bo's My items (across channels).
  await B.page.getByRole('button', { name: 'Action items' }).click();
  const bp = itemsPanel(B.page);
  await bp.getByRole('combobox', { name: 'Show' }).selectOption('mine');
  const box = bp.getByRole('checkbox', { name: 'Draft the tenant survey' });
  await box.waitFor();
  assert.match(await bp.locator('[data-item]').first().innerText(), /Due 2099-01-15 · in #housing-team/);
  // Ana's board of the channel follows live.
  await A.page.getByRole('button', { name: 'Action items' }).click();
  const ap = itemsPanel(A.page);
  const abox = ap.getByRole('checkbox', { name: 'Draft the tenant survey' });
  await abox.waitFor();
  assert.equal(await abox.isChecked(), false);
  // Keyboard: Space on the focused checkbox completes it.
  await box.focus();
  await B.page.keyboard.press('Space');
  await bp.getByRole('combobox', { name: 'Status' }).selectOption('all');
  await until(async () => (await bp.getByRole('checkbox', { name: 'Draft the tenant survey' }).isChecked()));
  await ap.getByRole('combobox', { name: 'Status' }).selectOption('all');
  await until(async () => (await ap.getByRole('checkbox', { name: 'Draft the tenant survey' }).isChecked()));

  // New item from the panel: overdue is marked in words.
  await ap.getByRole('button', { name: 'New item' }).click();
  const d2 = A.page.getByRole('dialog', { name: 'New item' });
  await d2.getByRole('textbox', { name: 'Title' }).fill('File the grant report');
  await d2.getByRole('combobox', { name: 'Owner' }).selectOption({ label: 'Me (Ana Bell)' });
  await d2.getByRole('textbox', { name: 'Due date' }).fill('2020-01-01');
  await d2.getByRole('button', { name: 'Create' }).click();
  const row = ap.locator('[data-item]').filter({ hasText: 'File the grant report' });
  await row.getByText('Overdue', { exact: true }).waitFor();
  assert.match(await row.getAttribute('class'), /is-overdue/);
  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});

async function until(fn, timeout = 10000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out');
}
