// Channel management from the UI: create (kind and tier), browse and join,
// leave, members and direct messages. Features the server does not have yet
// must fail gracefully with the server's own error text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, nav, send, message, makeChannel, openChannel, until, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;
let bo;

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  await makeChannel(server, bo, 'open-cohort', { kind: 'cohort', access: 'open' });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('create, browse, join and leave channels; members and direct messages', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server, ana);

  // Create a team channel: the tier follows the kind until chosen by hand.
  await page.getByRole('button', { name: 'New channel' }).click();
  const dlg = page.getByRole('dialog', { name: 'Create a channel' });
  await dlg.getByLabel('Name').fill('Budget Tools');
  assert.equal(await dlg.getByLabel('Name').inputValue(), 'budget-tools');
  await dlg.getByRole('radio', { name: /^Team/ }).check();
  assert.equal(await dlg.getByRole('radio', { name: /^Invite only/ }).isChecked(), true);
  await dlg.getByRole('radio', { name: /^Caucus/ }).check();
  assert.equal(await dlg.getByRole('radio', { name: /^Request to join/ }).isChecked(), true);
  await dlg.getByRole('radio', { name: /^Open/ }).check();
  await dlg.getByRole('radio', { name: /^Team/ }).check();
  assert.equal(await dlg.getByRole('radio', { name: /^Open/ }).isChecked(), true, 'a hand-picked tier sticks');
  // Each tier is explained in one sentence.
  for (const tier of ['Open', 'Request to join', 'Invite only']) {
    const desc = await dlg.getByRole('radio', { name: new RegExp(`^${tier}`) }).getAttribute('aria-describedby');
    assert.ok((await page.locator(`#${desc}`).textContent()).length > 20);
  }
  await dlg.getByLabel('Topic (optional)').fill('Shared budgeting tools');
  await dlg.getByRole('button', { name: 'Create channel' }).click();
  await page.getByRole('heading', { level: 1, name: /budget-tools/ }).waitFor();
  const teams = nav(page).getByRole('list', { name: 'Teams' });
  await teams.getByRole('link', { name: /budget-tools/ }).waitFor();
  assert.match(await page.getByText('Shared budgeting tools').textContent(), /Team · Open/);

  // A duplicate name explains itself.
  await page.getByRole('button', { name: 'New channel' }).click();
  await dlg.getByLabel('Name').fill('budget-tools');
  await dlg.getByRole('button', { name: 'Create channel' }).click();
  await dlg.getByRole('alert').waitFor();
  await dlg.getByRole('button', { name: 'Cancel' }).click();

  // Browse and join an open cohort.
  await page.getByRole('button', { name: 'Browse channels' }).click();
  const browse = page.getByRole('dialog', { name: 'Browse channels' });
  await browse.getByRole('button', { name: 'Join open-cohort' }).click();
  await page.getByRole('heading', { level: 1, name: /open-cohort/ }).waitFor();
  await nav(page).getByRole('list', { name: 'Cohorts' }).getByRole('link', { name: /open-cohort/ }).waitFor();
  await send(page, 'glad to be here');
  await message(page, 'glad to be here').and(page.locator('[data-id]')).waitFor();

  // Members, and a direct message from the member list (dm.open may not be
  // on the server yet: then its error text shows in the dialog).
  await page.getByRole('button', { name: 'Members' }).click();
  const members = page.getByRole('dialog', { name: /Members of #open-cohort/ });
  await members.getByText('2 members').waitFor();
  await members.getByRole('button', { name: 'Message Bo Chen' }).click();
  const outcome = await Promise.race([
    members.getByRole('alert').waitFor().then(() => 'error'),
    nav(page).getByRole('list', { name: 'Direct messages' }).getByRole('link').first().waitFor().then(() => 'dm'),
  ]);
  if (outcome === 'dm') {
    // The conversation is named after the other person and opens at once.
    await nav(page).getByRole('list', { name: 'Direct messages' }).getByRole('link', { name: /Bo Chen/ }).waitFor();
    await page.getByRole('heading', { level: 1, name: 'Bo Chen' }).waitFor();
    await send(page, 'a direct hello');
    await message(page, 'a direct hello').and(page.locator('[data-id]')).waitFor();
    // The directory finds people; opening the same pair again finds the same DM.
    await openChannel(page, 'open-cohort');
    await page.getByRole('button', { name: 'New direct message' }).click();
    const find = page.getByRole('dialog', { name: 'New direct message' });
    await find.getByLabel('Find people').fill('bo');
    await find.getByRole('button', { name: 'Add Bo Chen' }).click();
    await find.getByRole('button', { name: 'Open conversation' }).click();
    await page.getByRole('heading', { level: 1, name: 'Bo Chen' }).waitFor();
    await message(page, 'a direct hello').waitFor();
    assert.equal(await nav(page).getByRole('list', { name: 'Direct messages' }).getByRole('link').count(), 1);
  } else {
    assert.match(await members.getByRole('alert').textContent(), /Couldn’t open a conversation with Bo Chen: \S+/);
    await members.getByRole('button', { name: 'Close' }).click();
  }

  // An archived channel stays readable but takes no new messages.
  await openChannel(page, 'budget-tools');
  const owner = await server.connect(ana.token);
  const list = await owner.request({ type: 'channel.list' });
  const bt = list.channels.find((c) => c.name === 'budget-tools');
  const arch = await owner.request({ type: 'channel.archive', channel: bt.id, archived: true });
  await owner.close();
  if (arch.type === 'ok') {
    await page.getByText(/This channel is archived/).waitFor();
    assert.equal(await page.getByLabel('Message', { exact: true }).isDisabled(), true);
  }

  // Leave the cohort.
  await openChannel(page, 'open-cohort');
  await page.getByRole('button', { name: 'Channel options' }).click();
  await page.getByRole('menuitem', { name: 'Leave channel' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Leave', exact: true }).click();
  await until(async () => (await nav(page).getByRole('link', { name: /open-cohort/ }).count()) === 0, { what: 'left' });
  assertNoProblems(page);
  await context.close();
});
