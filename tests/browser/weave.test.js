// Weaving in Chromium (issue 17): a weaver filters the People directory by
// region and focus and introduces two people (the Introduce dialog); each
// of them, in their own browser, sees the introduction waiting (the
// header's count), accepts it, and the DM with the note appears for both;
// the Network health page renders its charts, each with a table; a member
// has no Network health button; the profile editor in Settings sets focus
// and bio, which the directory's card shows.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import { launch, newPage, signIn, nav, message, assertNoProblems } from './lib.js';

let server;
let browser;
const u = {};

before(async () => {
  server = await startServer({ args: ['--rate', '5000', '--burst', '5000'] });
  browser = await launch();
  u.root = await server.user('root', { admin: true, display: 'Root Admin' });
  u.wen = await server.user('wen', { display: 'Wen Weaver' });
  const people = {
    ana: ['Ana Bell', 'Tacoma', 'West', ['housing', 'budgeting']],
    bo: ['Bo Chen', 'Denver', 'Mountain', ['housing']],
    cy: ['Cy Diaz', 'Oakland', 'West', ['transit']],
    dee: ['Dee Evans', 'Seattle', 'West', ['housing']],
  };
  for (const [n, [display, jurisdiction, region, focus]] of Object.entries(people)) {
    u[n] = await server.user(n, { display });
    const c = await connect(server, u[n].token);
    const r = await c.request({ type: 'profile.update', jurisdiction, region, focus });
    assert.equal(r.type, 'user', JSON.stringify(r));
    c.ws.terminate();
  }
  const root = await connect(server, u.root.token);
  assert.equal((await root.request({ type: 'admin.user.role', user: u.wen.id, weaver: true })).user.weaver, true);
  // Some traffic for the health page: a DM between two jurisdictions.
  const a = await connect(server, u.ana.token);
  const dm = await a.request({ type: 'dm.open', users: [u.cy.id] });
  await a.request({ type: 'send', channel: dm.channel.id, body: 'hello', client_id: 'h1' });
  const cy = await connect(server, u.cy.token);
  await cy.request({ type: 'send', channel: dm.channel.id, body: 'hi', client_id: 'h2' });
  for (const c of [root, a, cy]) c.ws.terminate();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const region = (page, name) => page.getByRole('region', { name });

test('filter the directory and introduce two people; both accept in their own browsers and the DM appears', async () => {
  const W = await newPage(browser);
  const A = await newPage(browser);
  const B = await newPage(browser);
  await signIn(W.page, server, u.wen);
  await signIn(A.page, server, u.ana);
  await signIn(B.page, server, u.dee);

  await W.page.getByRole('button', { name: 'People', exact: true }).click();
  const people = region(W.page, 'People');
  await people.getByRole('combobox', { name: 'Region' }).selectOption({ label: 'West (3)' });
  await people.getByRole('combobox', { name: 'Focus' }).selectOption({ label: 'housing (3)' });
  const cards = people.getByRole('list', { name: 'People found' }).getByRole('listitem').filter({ has: W.page.getByRole('button', { name: 'Message' }) });
  await people.getByRole('status').filter({ hasText: '2 people found' }).waitFor();
  assert.deepEqual((await cards.locator('.person-name').allInnerTexts()).map((t) => t.split(' @')[0]), ['Ana Bell', 'Dee Evans']);
  await people.getByRole('searchbox', { name: 'Search people' }).fill('ana');
  await people.getByRole('status').filter({ hasText: '1 person found' }).waitFor();
  await people.getByRole('searchbox', { name: 'Search people' }).fill('');
  await people.getByRole('combobox', { name: 'Jurisdiction' }).selectOption({ label: 'Tacoma (1)' });
  await people.getByRole('status').filter({ hasText: '1 person found' }).waitFor();
  await cards.filter({ hasText: 'Ana Bell' }).getByRole('button', { name: 'Introduce' }).click();

  const dlg = W.page.getByRole('dialog', { name: 'Introduce' });
  await dlg.getByRole('combobox', { name: 'Introduce to' }).fill('dee');
  await dlg.getByRole('textbox', { name: 'Note' }).fill('You both work on housing in the West: meet!');
  await dlg.getByRole('button', { name: 'Send introduction' }).click();
  await dlg.waitFor({ state: 'detached' });

  for (const { page } of [A, B]) {
    await page.getByRole('button', { name: 'Introductions, 1 waiting' }).waitFor();
    await page.getByRole('button', { name: /^Introductions/ }).click();
    const box = region(page, 'Introductions');
    await box.getByText('You both work on housing in the West: meet!').waitFor();
    await box.getByRole('button', { name: 'Accept' }).click();
  }
  // The DM with the note from the proposer, for both.
  for (const [{ page }, other] of [[A, 'Dee Evans'], [B, 'Ana Bell']]) {
    const link = nav(page).getByRole('link', { name: new RegExp(other) });
    await link.waitFor();
    await link.click();
    await message(page, 'You both work on housing in the West: meet!').waitFor();
    await page.getByRole('log').getByText('Wen Weaver').first().waitFor();
  }
  assert.equal(await A.page.getByRole('button', { name: 'Introductions', exact: true }).count(), 1, 'nothing waits any more');
  for (const { page } of [W, A, B]) assertNoProblems(page);
  for (const x of [W, A, B]) await x.context.close();
});

test('network health renders its charts, each with a table; members see no Network health', async () => {
  const W = await newPage(browser);
  const M = await newPage(browser);
  await signIn(W.page, server, u.wen);
  await signIn(M.page, server, u.bo);
  await W.page.getByRole('button', { name: 'Network health' }).click();
  const health = region(W.page, 'Network health');
  await health.getByRole('table').first().waitFor();
  assert.equal(await health.getByRole('table').count(), 3);
  assert.equal(await health.locator('svg.chart').count(), 3);
  for (const name of ['Active members, by week', 'Messages, by week', 'Cross-jurisdiction ties, by week'])
    assert.equal(await health.getByRole('table', { name }).getByRole('row').count(), 13, name);
  assert.match(await health.getByRole('definition').nth(4).innerText(), /^1\b/); // the one cross tie: ana-cy
  assert.equal(await M.page.getByRole('button', { name: 'Network health' }).isVisible(), false);
  // Bo is in no channel yet: the first-run page suggests people to meet
  // (housing, other jurisdictions).
  const meet = M.page.getByRole('group', { name: 'People you might want to meet' });
  await meet.getByText('Ana Bell').waitFor();
  assert.deepEqual((await meet.locator('.person-name').allInnerTexts()).map((t) => t.split(' @')[0]).sort(), ['Ana Bell', 'Dee Evans']);
  await W.context.close();
  await M.context.close();
});

test('an admin makes someone a weaver from the account tools; their open page shows Network health at once', async () => {
  const R = await newPage(browser);
  const C = await newPage(browser);
  await signIn(R.page, server, u.root);
  await signIn(C.page, server, u.cy);
  assert.equal(await C.page.getByRole('button', { name: 'Network health' }).isVisible(), false);
  await R.page.getByRole('button', { name: 'People', exact: true }).click();
  await region(R.page, 'People').getByRole('button', { name: 'Account tools' }).click();
  const tools = R.page.getByRole('dialog', { name: 'People' });
  await tools.getByRole('searchbox', { name: 'Search people' }).fill('cy');
  await tools.getByRole('button', { name: 'Make Cy Diaz a weaver' }).click();
  await tools.getByText('Cy Diaz is a weaver: they see Network health.').waitFor();
  // Live: the role reaches Cy's open page as their profile's change.
  await C.page.getByRole('button', { name: 'Network health' }).waitFor();
  await R.context.close();
  await C.context.close();
});

test('the profile editor in Settings sets focus, pronouns and bio; the directory card shows them', async () => {
  const P = await newPage(browser);
  await signIn(P.page, server, u.bo);
  await P.page.getByRole('button', { name: 'Settings' }).click();
  const dlg = P.page.getByRole('dialog', { name: 'Settings' });
  await dlg.getByRole('textbox', { name: 'Focus' }).fill('housing, data, Data');
  await dlg.getByRole('textbox', { name: 'Pronouns' }).fill('he/him');
  await dlg.getByRole('textbox', { name: 'Bio' }).fill('Housing data in Denver.');
  await dlg.getByRole('button', { name: 'Save profile' }).click();
  await dlg.getByText('Saved. Your card shows it now.').waitFor();
  await dlg.getByRole('button', { name: 'Close' }).first().click();
  await P.page.getByRole('button', { name: 'People', exact: true }).click();
  const people = region(P.page, 'People');
  // A member's directory has no account tools and no stray text where they would be.
  await people.getByRole('searchbox', { name: 'Search people' }).waitFor();
  assert.doesNotMatch(await people.innerText(), /\bnull\b|\bundefined\b/);
  await people.getByRole('combobox', { name: 'Focus' }).selectOption({ label: 'data (1)' });
  const card = people.getByRole('listitem').filter({ hasText: 'Bo Chen' });
  await card.getByText('Housing data in Denver.').waitFor();
  assert.deepEqual(await card.getByRole('list', { name: 'Focus' }).getByRole('listitem').allInnerTexts(), ['data', 'housing']);
  await P.context.close();
});
