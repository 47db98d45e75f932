// Account administration in the People dialog: deactivating someone closes
// their open session at once (their page returns to sign-in with a notice),
// reactivating lets them back in, and a password reset signs them out and
// hands the admin a new sign-up link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, waitForConn, assertNoProblems } from './lib.js';

let server;
let browser;
let root;
let bo;

before(async () => {
  server = await startServer();
  browser = await launch();
  root = await server.user('root', { display: 'Rae Admin', admin: true });
  bo = await server.user('bo', { display: 'Bo Chen' });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('everyone sees People (the directory, issue 17); only admins find the account tools in it', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server, bo);
  await page.getByRole('button', { name: 'People', exact: true }).click();
  await page.getByRole('region', { name: 'People' }).getByRole('searchbox', { name: 'Search people' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Account tools' }).count(), 0);
  assertNoProblems(page);
  await context.close();
});

test('deactivate closes the other session; reactivate lets them back; reset issues a new link', async () => {
  const A = await newPage(browser);
  const B = await newPage(browser);
  await signIn(A.page, server, root);
  await signIn(B.page, server, bo);

  await A.page.getByRole('button', { name: 'People', exact: true }).click();

  // People is the directory (issue 17); an admin's account tools are inside it.

  await A.page.getByRole('region', { name: 'People' }).getByRole('button', { name: 'Account tools' }).click();
  const people = A.page.getByRole('dialog', { name: 'People' });
  // The search box has focus when the dialog opens.
  assert.equal(await people.getByLabel('Search people').evaluate((el) => el === document.activeElement), true);
  await people.getByLabel('Search people').fill('bo');
  await people.getByText('1 person found').waitFor();
  // Admins cannot deactivate themselves: their own row offers no such button.
  await people.getByLabel('Search people').fill('r');
  await people.getByText(/This is you/).waitFor();
  assert.equal(await people.getByRole('button', { name: 'Deactivate Rae Admin' }).count(), 0);
  await people.getByLabel('Search people').fill('bo');
  await people.getByText('1 person found').waitFor();

  // Deactivate, after confirming.
  await people.getByRole('button', { name: 'Deactivate Bo Chen' }).click();
  const confirm = A.page.getByRole('dialog', { name: 'Deactivate Bo Chen?' });
  await confirm.getByRole('button', { name: 'Deactivate', exact: true }).click();
  await people.getByText(/Bo Chen is deactivated/).waitFor();
  await people.getByText('Deactivated', { exact: true }).waitFor();

  // Bo's page returns to sign-in and says why.
  await B.page.getByRole('alert').filter({ hasText: /account has been deactivated/ }).waitFor({ timeout: 15000 });
  await B.page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  // Signing in is refused while deactivated.
  await B.page.getByLabel('Username').fill(bo.name);
  await B.page.getByLabel('Password').fill(bo.password);
  await B.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await B.page.getByRole('alert').filter({ hasText: /don’t match/ }).waitFor();

  // Reactivate (focus went to the row's remaining button).
  await people.getByRole('button', { name: 'Reactivate Bo Chen' }).click();
  await A.page.getByRole('dialog', { name: 'Reactivate Bo Chen?' }).getByRole('button', { name: 'Reactivate', exact: true }).click();
  await people.getByText(/Bo Chen is active again/).waitFor();
  await B.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await waitForConn(B.page, 'Live');

  // Reset password: confirmed, signs Bo out, shows a new link.
  await people.getByRole('button', { name: 'Reset password for Bo Chen' }).click();
  await A.page.getByRole('dialog', { name: 'Reset Bo Chen’s password?' }).getByRole('button', { name: 'Reset password', exact: true }).click();
  await people.getByText(/password was reset and they were signed out/).waitFor();
  const url = await people.getByRole('textbox', { name: 'Sign-up link for Bo Chen' }).inputValue();
  assert.match(url, /#signup=/);
  await B.page.getByRole('alert').filter({ hasText: /password was reset/ }).waitFor({ timeout: 15000 });

  // Bo sets a new password from the link.
  await B.page.goto(server.origin + new URL(url).hash);
  await B.page.getByRole('heading', { name: 'Set your password' }).waitFor();
  await B.page.getByLabel('New password').fill('a brand new passphrase');
  await B.page.getByLabel('Confirm password').fill('a brand new passphrase');
  await B.page.getByRole('button', { name: 'Set password' }).click();
  await waitForConn(B.page, 'Live');

  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});
