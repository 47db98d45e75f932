// Importing a roster in the People dialog (issue 18): Import CSV opens the
// file picker, the server's check shows a preview with each row's problem,
// Import creates the accounts, Download links saves username,signup_url,
// and a link from that file signs the person up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, request, connect } from '../lib/harness.js';
import { launch, newPage, signIn, assertNoProblems } from './lib.js';

let server;
let browser;
let root;

before(async () => {
  server = await startServer();
  browser = await launch();
  root = await server.user('root', { display: 'Rae Admin', admin: true });
  await server.user('taken', { display: 'Already Here' });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const ROSTER = '\uFEFFusername,display,email,jurisdiction,notes\r\n' +
  'dana,"Ortiz, Dana",dana@example.org,City of Oakland,x\r\n' +
  'eli,Eli Nakamura,eli@example.org,King County,\r\n' +
  'taken,Someone,,,\r\n' +
  'Bad Name,Nope,,,\r\n' +
  'fay,"Fay ""F"" Lin",not-an-email,,\r\n';

test('Import CSV: preview with per-row problems, import, download the links, sign up with one', async () => {
  const { context, page } = await newPage(browser, { acceptDownloads: true });
  await signIn(page, server, root);
  await page.getByRole('button', { name: 'People', exact: true }).click();
  // People is the directory (issue 17); an admin's account tools are inside it.
  await page.getByRole('region', { name: 'People' }).getByRole('button', { name: 'Account tools' }).click();
  const people = page.getByRole('dialog', { name: 'People' });

  const chooser = page.waitForEvent('filechooser');
  await people.getByRole('button', { name: 'Import CSV' }).click();
  await (await chooser).setFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(ROSTER) });

  // The preview: the server's check, row by row.
  await people.getByRole('heading', { name: 'Preview of roster.csv' }).waitFor();
  await people.getByRole('status').filter({ hasText: '2 new accounts, 1 already exists (skipped), 2 rows have problems (not imported).' }).waitFor();
  await people.getByText('Columns not used: notes.').waitFor();
  const table = people.getByRole('table');
  const rowText = async (line) => (await table.getByRole('row').filter({ has: page.getByRole('cell', { name: String(line), exact: true }) }).innerText()).replace(/\s+/g, ' ');
  assert.match(await rowText(2), /dana Ortiz, Dana dana@example\.org Will be created/);
  assert.match(await rowText(4), /taken Someone Already exists: skipped/);
  assert.match(await rowText(5), /bad name Nope Not imported: username "bad name" must be 1 to 32 characters/);
  assert.match(await rowText(6), /fay Fay "F" Lin not-an-email Not imported: email "not-an-email" is not an e-mail address/);
  // Nothing was written by the check.
  const admin = await connect(server, root.token);
  assert.equal((await admin.request({ type: 'user.find', q: 'dana' })).users.length, 0);

  // Import.
  await people.getByRole('button', { name: 'Import 2 accounts' }).click();
  await people.getByRole('heading', { name: 'Imported roster.csv' }).waitFor();
  await people.getByRole('status').filter({ hasText: '2 accounts created, 1 already exists (skipped), 2 rows have problems (not imported).' }).waitFor();
  assert.match(await rowText(2), /Created/);
  const found = (await admin.request({ type: 'user.find', q: 'dana' })).users;
  assert.equal(found.length, 1);
  assert.equal(found[0].display, 'Ortiz, Dana');
  assert.equal(found[0].has_password, false);

  // Download links: username,signup_url.
  const download = page.waitForEvent('download');
  await people.getByRole('button', { name: 'Download links' }).click();
  const file = await (await download).path();
  const csv = fs.readFileSync(file, 'utf8').trim().split(/\r\n/);
  assert.equal(csv[0], 'username,signup_url');
  assert.deepEqual(csv.slice(1).map((l) => l.split(',')[0]).sort(), ['dana', 'eli']);
  const eliUrl = csv.find((l) => l.startsWith('eli,')).split(',')[1];
  assert.match(eliUrl, /#signup=/);
  const token = /#signup=(.+)$/.exec(eliUrl)[1];
  const su = await request(server, 'POST', '/api/signup', { body: { token, password: 'eli-password-1' } });
  assert.equal(su.status, 200, su.text);

  // A second try of the same file imports nothing new.
  const chooser2 = page.waitForEvent('filechooser');
  await people.getByRole('button', { name: 'Choose another file' }).click();
  await (await chooser2).setFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(ROSTER) });
  await people.getByRole('status').filter({ hasText: '0 new accounts, 3 already exist (skipped), 2 rows have problems (not imported).' }).waitFor();
  assert.equal(await people.getByRole('button', { name: 'Nothing to import' }).isDisabled(), true);

  // A file that is not a roster says why.
  const chooser3 = page.waitForEvent('filechooser');
  await people.getByRole('button', { name: 'Choose another file' }).click();
  await (await chooser3).setFiles({ name: 'other.csv', mimeType: 'text/csv', buffer: Buffer.from('name,phone\nx,1\n') });
  await people.getByRole('alert').filter({ hasText: /can’t be imported: line 1: the header has no username column/ }).waitFor();
  admin.ws.terminate();
  assertNoProblems(page);
  await context.close();
});

test('the endpoint is for administrators only', async () => {
  const bo = await server.user('bo');
  const r = await request(server, 'POST', '/api/import', { body: 'username\nx1\n', headers: { authorization: `Bearer ${bo.token}`, 'content-type': 'text/csv' } });
  assert.equal(r.status, 403);
  const anon = await request(server, 'POST', '/api/import', { body: 'username\nx1\n', headers: { 'content-type': 'text/csv' } });
  assert.equal(anon.status, 401);
  const big = await request(server, 'POST', '/api/import', { body: 'x'.repeat(9 << 20), headers: { authorization: `Bearer ${root.token}`, 'content-type': 'text/csv' } });
  assert.equal(big.status, 413);
});
