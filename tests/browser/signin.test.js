import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request } from '../lib/harness.js';
import { launch, newPage, signIn, waitForConn, nav, log, makeChannel, assertNoProblems, composer } from './lib.js';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('wrong password shows an error and stays on the sign-in form', async () => {
  const ana = await server.user('ana', { display: 'Ana Bell' });
  const { context, page } = await newPage(browser);
  await page.goto(server.origin);
  await page.getByLabel('Username').fill(ana.name);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /don’t match/);
  assert.equal(await page.getByRole('button', { name: 'Sign in', exact: true }).isVisible(), true);
  // An unknown user gets the same answer.
  await page.getByLabel('Username').fill('nobody-here');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: /don’t match/ }).waitFor();
  assertNoProblems(page);
  await context.close();
});

test('sign in shows the channel list, survives a reload, and signs out', async () => {
  const bo = await server.user('bo', { display: 'Bo Chen' });
  await makeChannel(server, bo, 'signin-lobby', { kind: 'cohort' });
  await makeChannel(server, bo, 'signin-caucus', { kind: 'caucus', access: 'open' });
  const { context, page } = await newPage(browser);
  await signIn(page, server, bo);
  const channels = nav(page);
  for (const heading of ['Caucuses', 'Cohorts', 'Teams', 'Direct messages']) {
    await channels.getByRole('heading', { name: heading }).waitFor();
  }
  await channels.getByRole('link', { name: /signin-lobby/ }).waitFor();
  await log(page).waitFor();
  assert.equal(await composer(page).isVisible(), true);

  // The cookie is HttpOnly; /api/me tells the reloaded page who is signed in.
  await page.reload();
  await waitForConn(page, 'Live');
  await nav(page).getByRole('link', { name: /signin-caucus/ }).waitFor();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  await page.reload();
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  assertNoProblems(page);
  await context.close();
});

test('a session revoked elsewhere returns the page to sign-in with a notice', async () => {
  const cy = await server.user('cy');
  await makeChannel(server, cy, 'signin-revoke');
  const { context, page } = await newPage(browser);
  await signIn(page, server, cy);
  const cookie = (await context.cookies()).find((c) => c.name === '__Host-weft');
  assert.ok(cookie, 'session cookie set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.secure, true);
  const r = await request(server, 'POST', '/api/logout', { headers: { cookie: `__Host-weft=${cookie.value}`, origin: server.origin } });
  assert.equal(r.status < 300, true, `logout: ${r.status} ${r.text}`);
  await page.getByRole('alert').filter({ hasText: /session has ended/ }).waitFor({ timeout: 15000 });
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  assertNoProblems(page);
  await context.close();
});
