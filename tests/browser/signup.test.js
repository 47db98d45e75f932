// Sign-up links: an admin creates an account in the People dialog and copies
// its one-time link; the new person opens it in another browser, sets a
// password, is signed in (first connect without replay) and can post; the
// link then no longer works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, waitForConn, nav, send, message, makeChannel, assertNoProblems } from './lib.js';

let server;
let browser;
let root;

before(async () => {
  server = await startServer();
  browser = await launch();
  root = await server.user('root', { display: 'Rae Admin', admin: true });
  await makeChannel(server, root, 'welcome-cohort', { kind: 'cohort', access: 'open' });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// The hello frames a page sends, in order.
function recordHellos(page) {
  const hellos = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => {
    try {
      const o = JSON.parse(f.payload);
      if (o.type === 'hello') hellos.push(o);
    } catch { /* not JSON */ }
  }));
  return hellos;
}

test('an admin creates an account; its sign-up link signs the person in once', async () => {
  const A = await newPage(browser);
  await A.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
  await signIn(A.page, server, root);

  // Create the account from the People dialog.
  await A.page.getByRole('button', { name: 'People', exact: true }).click();
  // People is the directory (issue 17); an admin's account tools are inside it.
  await A.page.getByRole('region', { name: 'People' }).getByRole('button', { name: 'Account tools' }).click();
  const people = A.page.getByRole('dialog', { name: 'People' });
  await people.getByRole('button', { name: 'Create an account' }).click();
  await people.getByLabel('Username').fill('dee');
  await people.getByLabel('Display name').fill('Dee Park');
  await people.getByLabel('Jurisdiction').fill('City of Oakland');
  await people.getByLabel('Region').fill('Bay Area');
  await people.getByLabel('Role title').fill('Equity Analyst');
  assert.equal(await people.getByRole('checkbox', { name: 'Administrator' }).isChecked(), false);
  await people.getByRole('button', { name: 'Create account' }).click();
  await people.getByText(/Account created for Dee Park/).waitFor();
  const linkBox = people.getByLabel('Sign-up link');
  const url = await linkBox.inputValue();
  assert.match(url, /^https:\/\/[^/]+\/#signup=[^&\s]+$/);
  assert.match(await people.getByText(/It works once, until/).textContent(), /\d/);
  await people.getByRole('button', { name: 'Copy link' }).click();
  await people.getByText(/Link copied/).waitFor();
  const copied = await A.page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, url);

  // A taken username explains itself.
  await people.getByRole('button', { name: 'Create another account' }).click();
  await people.getByLabel('Username').fill('dee');
  await people.getByRole('button', { name: 'Create account' }).click();
  await people.getByRole('alert').filter({ hasText: /“dee” is taken/ }).waitFor();
  await people.getByRole('button', { name: 'Close' }).click();

  // The link names the server's public URL; open its fragment here.
  const link = server.origin + new URL(copied).pathname + new URL(copied).hash;

  // Dee opens the link in another browser.
  const B = await newPage(browser);
  const hellos = recordHellos(B.page);
  await B.page.goto(link);
  await B.page.getByRole('heading', { name: 'Set your password' }).waitFor();
  assert.match(await B.page.getByText(/At least 10 characters/).textContent(), /10/);
  // Caught before sending: too short, then a mismatch.
  await B.page.getByLabel('New password').fill('short');
  await B.page.getByLabel('Confirm password').fill('short');
  await B.page.getByRole('button', { name: 'Set password' }).click();
  await B.page.getByRole('alert').filter({ hasText: /at least 10 characters/ }).waitFor();
  await B.page.getByLabel('New password').fill('a long enough passphrase');
  await B.page.getByLabel('Confirm password').fill('a long enough passphrasE');
  await B.page.getByRole('button', { name: 'Set password' }).click();
  await B.page.getByRole('alert').filter({ hasText: /don’t match/ }).waitFor();
  await B.page.getByLabel('Confirm password').fill('a long enough passphrase');
  await B.page.getByRole('button', { name: 'Set password' }).click();
  await waitForConn(B.page, 'Live');
  assert.equal(new URL(B.page.url()).hash, '', 'the sign-up fragment is gone');
  assert.ok((await B.context.cookies()).some((c) => c.name === '__Host-weft' && c.httpOnly), 'signed in with a cookie');
  // First sign-in on this device: no replay.
  assert.equal(hellos[0]?.since, -1, `first hello: ${JSON.stringify(hellos)}`);

  // Dee joins a channel and posts; the admin sees it.
  await B.page.getByRole('button', { name: 'Browse channels' }).click();
  await B.page.getByRole('dialog', { name: 'Browse channels' }).getByRole('button', { name: 'Join welcome-cohort' }).click();
  await B.page.getByRole('heading', { level: 1, name: /welcome-cohort/ }).waitFor();
  await send(B.page, 'hello from my new account');
  await nav(A.page).getByRole('link', { name: /welcome-cohort/ }).click();
  await message(A.page, 'hello from my new account').waitFor();

  // Later connects resume from the saved cursor.
  await B.page.reload();
  await waitForConn(B.page, 'Live');
  const last = hellos[hellos.length - 1];
  assert.ok(hellos.length >= 2 && last.since > 0, `resumed hello: ${JSON.stringify(hellos)}`);

  // The link is single use: a third browser sees a clear error and a way to sign in.
  const C = await newPage(browser);
  await C.page.goto(link);
  await C.page.getByLabel('New password').fill('another long passphrase');
  await C.page.getByLabel('Confirm password').fill('another long passphrase');
  await C.page.getByRole('button', { name: 'Set password' }).click();
  await C.page.getByRole('alert').filter({ hasText: /invalid, has already been used, or has expired/ }).waitFor();
  assert.equal(new URL(C.page.url()).hash, '');
  await C.page.getByRole('button', { name: 'Go to sign in' }).click();
  await C.page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  // ...and Dee signs in there with the new password.
  await C.page.getByLabel('Username').fill('dee');
  await C.page.getByLabel('Password').fill('a long enough passphrase');
  await C.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await waitForConn(C.page, 'Live');

  // The directory shows where people work, and opens a direct message.
  await A.page.getByRole('button', { name: 'New direct message' }).click();
  const find = A.page.getByRole('dialog', { name: 'New direct message' });
  await find.getByLabel('Find people').fill('dee');
  await find.getByText('Equity Analyst · City of Oakland · Bay Area').waitFor();
  await find.getByRole('button', { name: 'Add Dee Park' }).click();
  await find.getByRole('button', { name: 'Open conversation' }).click();
  await A.page.getByRole('heading', { level: 1, name: 'Dee Park' }).waitFor();
  await send(A.page, 'welcome aboard, Dee');
  await nav(C.page).getByRole('link', { name: /Rae Admin/ }).click();
  await message(C.page, 'welcome aboard, Dee').waitFor();

  for (const X of [A, B, C]) assertNoProblems(X.page);
  for (const X of [A, B, C]) await X.context.close();
});
