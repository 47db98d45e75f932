// The client takes every limit from the server's welcome.limits, never from
// a literal of its own: a server started with smaller limits gets a client
// that enforces those.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, send, makeChannel, openChannel, message, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;

before(async () => {
  server = await startServer({ args: ['--max-body', '20', '--max-name', '12'] });
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  await makeChannel(server, ana, 'small-room');
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the composer and the channel form follow the limits the server announced', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server, ana);
  await openChannel(page, 'small-room');

  // 21 characters: one past --max-body; the client says so and keeps the text.
  await send(page, 'x'.repeat(21));
  await page.getByText('This message is 1 character too long (the limit is 20).').waitFor();
  assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), 'x'.repeat(21));
  await send(page, 'twenty characters ok');
  await message(page, 'twenty characters ok').waitFor();

  await page.getByRole('button', { name: 'New channel' }).click();
  const dlg = page.getByRole('dialog', { name: 'Create a channel' });
  assert.equal(await dlg.getByLabel('Name').getAttribute('maxlength'), '12');
  assert.equal(await dlg.getByLabel(/^Topic/).getAttribute('maxlength'), '250');
  assertNoProblems(page);
  await context.close();
});
