// My own account in the client (issue 13, defect 13: before, nobody could
// change their own password or name without the command line): Settings
// changes the display name (others see it), and the password, with clear
// errors (wrong current password, too short, too many tries), signing out
// my other session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, send, message, makeChannel, openChannel, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;
let bo;

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell', password: 'first passphrase' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  await makeChannel(server, ana, 'desk', { members: [bo] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('display name and password from Settings; the other session is signed out', async () => {
  const A = await newPage(browser);
  const A2 = await newPage(browser);
  const B = await newPage(browser);
  await signIn(A.page, server, ana);
  await signIn(A2.page, server, ana);
  await signIn(B.page, server, bo);

  await A.page.getByRole('button', { name: 'Settings', exact: true }).click();
  const dlg = A.page.getByRole('dialog', { name: 'Settings' });
  // The display name, seen by others on new messages and in the top bar.
  const name = dlg.getByRole('textbox', { name: 'Display name' });
  assert.equal(await name.inputValue(), 'Ana Bell');
  await name.fill('Ana Bell-Ortiz');
  await dlg.getByRole('button', { name: 'Save name' }).click();
  await dlg.getByText('Saved. Others now see you as Ana Bell-Ortiz.').waitFor();
  await A.page.locator('#me-name').getByText('Ana Bell-Ortiz').waitFor();
  await A2.page.locator('#me-name').getByText('Ana Bell-Ortiz').waitFor();

  // Password: each problem said plainly, at the field it is about.
  const current = dlg.getByRole('textbox', { name: 'Current password' });
  const fresh = dlg.getByRole('textbox', { name: 'New password' });
  const change = dlg.getByRole('button', { name: 'Change password' });
  await current.fill('first passphrase');
  await fresh.fill('short');
  await change.click();
  await dlg.getByRole('alert').filter({ hasText: 'The new password is too short: use at least 10 characters (it has 5).' }).waitFor();
  assert.equal(await fresh.getAttribute('aria-invalid'), 'true');
  await current.fill('not my password');
  await fresh.fill('second passphrase');
  await change.click();
  await dlg.getByRole('alert').filter({ hasText: 'That isn’t your current password. Type it again.' }).waitFor();
  assert.equal(await current.getAttribute('aria-invalid'), 'true');
  assert.equal(await A.page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.labels?.[0]?.textContent), 'Current password');

  await current.fill('first passphrase');
  await change.click();
  await dlg.getByText(/Password changed\. You were signed out everywhere else/).waitFor();
  assert.equal(await current.inputValue(), '');
  // The other window of Ana's is signed out; this one stays.
  await A2.page.getByRole('button', { name: 'Sign in', exact: true }).waitFor({ timeout: 15000 });
  await dlg.getByRole('button', { name: 'Close' }).click();
  await openChannel(A.page, 'desk');
  await send(A.page, 'still here');
  await message(B.page, 'still here').waitFor();
  await message(B.page, 'still here').getByRole('button', { name: 'Ana Bell-Ortiz' }).waitFor();

  // The new password signs in; the old one does not.
  assert.equal((await server.login('ana', 'first passphrase')).status, 401);
  assert.equal((await server.login('ana', 'second passphrase')).status, 200);
  assertNoProblems(A.page);
  assertNoProblems(B.page);
  for (const X of [A, A2, B]) await X.context.close();
});

test('too many wrong current passwords: wait, for how long', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server, bo);
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const dlg = page.getByRole('dialog', { name: 'Settings' });
  let said = '';
  for (let i = 0; i < 8 && !/Too many/.test(said); i++) {
    await dlg.getByRole('textbox', { name: 'Current password' }).fill(`wrong guess ${i}`);
    await dlg.getByRole('textbox', { name: 'New password' }).fill('another long passphrase');
    await dlg.getByRole('button', { name: 'Change password' }).click();
    await dlg.getByRole('alert').waitFor();
    await page.waitForFunction(() => !document.querySelector('dialog .btn-primary:disabled'), null, { timeout: 5000 }).catch(() => {});
    said = await dlg.getByRole('alert').textContent();
  }
  assert.match(said, /^Too many wrong passwords\. Wait \d+ seconds? and try again\.$/);
  await context.close();
});
