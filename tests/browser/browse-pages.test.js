// The channel browser pages channel.list (review finding 4): the first page
// on open, more with the keyboard-accessible "Show more channels" button,
// focus on the first new channel, the count announced in a status line;
// a short list shows no button at all.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, assertNoProblems } from './lib.js';

const server = await startServer({ args: ['--channels-per-day', '0', '--rate', '5000', '--burst', '5000'] });
let browser;
const ana = await server.user('ana', { display: 'Ana Bell' });
const bo = await server.user('bo', { display: 'Bo Chen' });

after(async () => {
  await browser?.close();
  await server.stop();
});

// Channels named prefix-000 … created by ana over the protocol, pipelined.
async function makeMany(prefix, n, extra = {}) {
  const c = await server.connect(ana.token, { since: -1 });
  try {
    const rs = await Promise.all(Array.from({ length: n }, (_, i) => c.request(
      { type: 'channel.create', name: `${prefix}-${String(i).padStart(3, '0')}`, kind: 'cohort', access: 'open', ...extra },
      { timeout: 60000 })));
    for (const r of rs) assert.equal(r.type, 'channel', JSON.stringify(r));
    return rs.map((r) => r.channel);
  } finally {
    await c.close();
  }
}

const rows = (dlg) => dlg.locator('.browse-item');

test('a short list is one page; a long one pages: "Show more channels" by keyboard, focus on the first new channel, the count announced', async () => {
  // While the list is short: one page, no button, nothing to announce.
  await makeMany('small', 3);
  browser = await launch();
  {
    const { context, page } = await newPage(browser);
    await signIn(page, server, bo);
    await page.getByRole('button', { name: 'Browse channels' }).click();
    const dlg = page.getByRole('dialog', { name: 'Browse channels' });
    await dlg.getByRole('button', { name: 'Join small-002' }).waitFor();
    assert.equal(await rows(dlg).count(), 3);
    assert.equal(await dlg.getByRole('button', { name: 'Show more channels' }).count(), 0);
    assert.equal(await dlg.getByRole('status').filter({ hasText: /Showing/ }).count(), 0);
    assertNoProblems(page);
    await context.close();
  }

  await makeMany('bulk', 200);
  const [team] = await makeMany('late-team', 1, { kind: 'team', access: 'invite' });
  const c = await server.connect(ana.token, { since: -1 });
  assert.equal((await c.request({ type: 'channel.invite', channel: team.id, user: bo.id })).type, 'ok');
  await c.close();

  // At phone width, where the dialog fills the screen: behind the drawer.
  const { context, page } = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await signIn(page, server, bo);
  await page.getByRole('button', { name: 'Show channels' }).click();
  await page.getByRole('button', { name: 'Browse channels' }).click();
  const dlg = page.getByRole('dialog', { name: 'Browse channels' });
  const more = dlg.getByRole('button', { name: 'Show more channels' });
  await more.waitFor();
  assert.equal(await rows(dlg).count(), 100, 'the first page');
  await dlg.getByRole('status').filter({ hasText: 'Showing 100 channels. There are more.' }).waitFor();
  // The filter searches what is loaded, and says so.
  await dlg.getByLabel('Filter channels').fill('bulk-19');
  await dlg.getByRole('status').filter({ hasText: 'Searching the 100 channels loaded so far' }).waitFor();
  assert.equal(await rows(dlg).count(), 0);
  await dlg.getByLabel('Filter channels').fill('');

  const firstRow = await rows(dlg).nth(0).locator('.browse-name').textContent();
  await more.focus();
  await page.keyboard.press('Enter');
  await dlg.getByRole('status').filter({ hasText: 'Showing 200 channels. There are more.' }).waitFor();
  assert.equal(await rows(dlg).count(), 200);
  const focused = await page.evaluate(() => ({ cls: document.activeElement.className, text: document.activeElement.textContent }));
  assert.equal(focused.cls, 'browse-name', `focus went to ${JSON.stringify(focused)}`);
  const secondPage = await rows(dlg).nth(100).locator('.browse-name').textContent();
  assert.equal(focused.text, secondPage, 'focus is on the first channel of the new page');
  // Rows already shown stay where they were.
  assert.equal(await rows(dlg).nth(0).locator('.browse-name').textContent(), firstRow);

  await more.click();
  await dlg.getByRole('status').filter({ hasText: /^Showing all 204 channels\.$/ }).waitFor();
  assert.equal(await more.count(), 0, 'no button once everything is shown');
  assert.equal(await rows(dlg).count(), 204);
  // The last page works like the first: the invitation, and a join.
  await dlg.getByRole('button', { name: 'Accept invitation to late-team-000' }).waitFor();
  await dlg.getByRole('button', { name: 'Join bulk-199' }).click();
  await page.getByRole('heading', { level: 1, name: /bulk-199/ }).waitFor();
  assertNoProblems(page);
  await context.close();
});
