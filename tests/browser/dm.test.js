// Direct messages with two and three people. A group of three from the
// picker (issue 13, defect 4: one person only before), seen by each of them;
// and leaving a one-to-one conversation (defect 3): the dialog says what
// happens, the other person is told and can bring them back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, waitForConn, nav, send, message, makeChannel, openChannel, until, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;
let bo;
let cy;

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  cy = await server.user('cy', { display: 'Cy Okafor' });
  await makeChannel(server, ana, 'commons', { members: [bo, cy] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const dms = (page) => nav(page).getByRole('list', { name: 'Direct messages' });

test('a group conversation of three, picked by keyboard', async () => {
  const [A, B, C] = [await newPage(browser), await newPage(browser), await newPage(browser)];
  await signIn(A.page, server, ana);
  await signIn(B.page, server, bo);
  await signIn(C.page, server, cy);

  await A.page.getByRole('button', { name: 'New direct message' }).click();
  const dlg = A.page.getByRole('dialog', { name: 'New direct message' });
  await dlg.getByText(/up to 8/).waitFor();
  const chosen = dlg.getByRole('list', { name: 'People in this conversation' });
  await dlg.getByLabel('Find people').fill('bo');
  await dlg.getByRole('button', { name: 'Add Bo Chen' }).press('Enter');
  // Focus goes back to the search box, and a status says who was added.
  assert.equal(await A.page.evaluate(() => document.activeElement?.type), 'search');
  await dlg.getByRole('status').filter({ hasText: 'Bo Chen added. 1 of 8 chosen.' }).waitFor();
  await A.page.keyboard.type('cy');
  await dlg.getByRole('button', { name: 'Add Cy Okafor' }).press('Enter');
  await chosen.getByRole('button', { name: 'Remove Cy Okafor' }).waitFor();
  assert.deepEqual(await chosen.getByRole('listitem').allTextContents(), ['Bo Chen×', 'Cy Okafor×']);
  // Added people cannot be added twice.
  assert.equal(await dlg.getByRole('button', { name: 'Add Cy Okafor' }).isDisabled(), true);
  await dlg.getByRole('button', { name: 'Open group conversation (3 people)' }).click();
  await A.page.getByRole('heading', { level: 1, name: 'Bo Chen, Cy Okafor' }).waitFor();
  await send(A.page, 'hello both of you');

  // Each of them sees the same conversation, named after the two others.
  for (const [X, name] of [[B, 'Ana Bell, Cy Okafor'], [C, 'Ana Bell, Bo Chen']]) {
    await dms(X.page).getByRole('link', { name: new RegExp(name) }).click();
    await message(X.page, 'hello both of you').waitFor();
  }
  await send(C.page, 'hi from Cy');
  await message(A.page, 'hi from Cy').waitFor();
  await message(B.page, 'hi from Cy').waitFor();
  // Opening the same three again finds the same conversation.
  await A.page.getByRole('button', { name: 'New direct message' }).click();
  await dlg.getByLabel('Find people').fill('cy');
  await dlg.getByRole('button', { name: 'Add Cy Okafor' }).click();
  await dlg.getByLabel('Find people').fill('bo');
  await dlg.getByRole('button', { name: 'Add Bo Chen' }).click();
  await dlg.getByRole('button', { name: /Open group conversation/ }).click();
  await message(A.page, 'hi from Cy').waitFor();
  assert.equal(await dms(A.page).getByRole('link').count(), 1);
  for (const X of [A, B, C]) assertNoProblems(X.page);
  for (const X of [A, B, C]) await X.context.close();
});

test('leaving a one-to-one conversation tells the other, who can bring them back', async () => {
  // Two people with no other conversation between them.
  const dee = await server.user('dee', { display: 'Dee Park' });
  const A = await newPage(browser);
  const B = await newPage(browser);
  await signIn(A.page, server, ana);
  await signIn(B.page, server, dee);
  const c = await server.connect(dee.token);
  await c.request({ type: 'dm.open', users: [ana.id] });
  await c.close();
  await openChannel(A.page, 'Dee Park');
  await openChannel(B.page, 'Ana Bell');
  await send(A.page, 'before I go');
  await message(B.page, 'before I go').waitFor();

  await A.page.getByRole('button', { name: 'Channel options' }).click();
  await A.page.getByRole('menuitem', { name: 'Leave conversation' }).click();
  const confirm = A.page.getByRole('dialog', { name: 'Leave this conversation?' });
  const text = await confirm.textContent();
  assert.doesNotMatch(text, /ask or be invited/);
  assert.match(text, /Dee Park will see that you left/);
  assert.match(text, /Either of you can open this conversation again/);
  await confirm.getByRole('button', { name: 'Leave', exact: true }).click();
  await until(async () => (await dms(A.page).getByRole('link', { name: /Dee Park/ }).count()) === 0, { what: 'the DM gone for Ana' });

  // Bo is told, above his message box, also after a reload (the
  // conversation keeps Ana's name), and brings Ana back.
  const left = B.page.getByRole('status').filter({ hasText: 'Ana Bell left this conversation. New messages here won’t reach them.' });
  await left.waitFor();
  await B.page.reload();
  await waitForConn(B.page, 'Live');
  await B.page.getByRole('heading', { level: 1, name: 'Ana Bell' }).waitFor();
  await left.waitFor();
  await B.page.getByRole('button', { name: 'Invite Ana Bell back' }).click();
  await until(async () => (await B.page.getByRole('status').filter({ hasText: 'left this conversation' }).count()) === 0, { what: 'notice gone' });
  await dms(A.page).getByRole('link', { name: /Dee Park/ }).waitFor();
  await send(B.page, 'welcome back');
  await openChannel(A.page, 'Dee Park');
  await message(A.page, 'welcome back').waitFor();
  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});
