// People, seen by another person: typing under the message box (a polite
// status that expires and clears when the message arrives), presence dots
// in the member list and the direct message that follow the other person
// closing their page, and profile cards from an author's name (details,
// presence, live renames, and Message).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, nav, composer, send, message, makeChannel, openChannel, until, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;
let bo;

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  const admin = await server.user('root', { admin: true });
  const a = await server.connect(admin.token);
  const r = await a.request({ type: 'admin.user.create', name: 'cy', display: 'Cy Okafor', jurisdiction: 'King County', region: 'Pacific Northwest', title: 'Equity Analyst' });
  assert.equal(r.type, 'user');
  await a.close();
  await makeChannel(server, ana, 'talk', { members: [bo] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const typingStatus = (page) => page.getByRole('status').filter({ hasText: /typing…$/ });

test('typing shows for the other person, expires, and clears with the message', async () => {
  const A = await newPage(browser);
  const B = await newPage(browser);
  await signIn(A.page, server, ana);
  await signIn(B.page, server, bo);
  await openChannel(A.page, 'talk');
  await openChannel(B.page, 'talk');
  assert.equal(await B.page.locator('#typing-status').getAttribute('role'), 'status');

  await composer(A.page).pressSequentially('I am writing', { delay: 20 });
  await typingStatus(B.page).filter({ hasText: 'Ana Bell is typing…' }).waitFor();
  // The author never sees their own.
  assert.equal(await typingStatus(A.page).count(), 0);
  // Without more keystrokes it goes after about five seconds.
  await until(async () => (await typingStatus(B.page).count()) === 0, { timeout: 9000, what: 'typing expired' });

  // Typing again, then sending: the line goes with the message.
  await composer(A.page).pressSequentially(' a reply', { delay: 20 });
  await typingStatus(B.page).waitFor();
  await composer(A.page).press('Enter');
  await message(B.page, 'I am writing a reply').waitFor();
  await until(async () => (await typingStatus(B.page).count()) === 0, { timeout: 2000, what: 'cleared by the message' });
  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});

test('presence dots follow the other person; profile cards open from names', async () => {
  const A = await newPage(browser);
  let B = await newPage(browser);
  await signIn(A.page, server, ana);
  await signIn(B.page, server, bo);
  await openChannel(A.page, 'talk');

  // The member list says who is online, in words as well as a dot.
  await A.page.getByRole('button', { name: 'Members' }).click();
  const members = A.page.getByRole('dialog', { name: 'Members of #talk' });
  const boRow = members.getByRole('listitem').filter({ hasText: 'Bo Chen' });
  await boRow.getByText('online', { exact: false }).waitFor();
  assert.match(await boRow.locator('.person-name').textContent(), /Bo Chen, online/);
  assert.equal(await boRow.locator('.presence.is-online').count(), 1);
  // Bo closes his page: the dot and the words change while the list is open.
  await B.context.close();
  await until(async () => /Bo Chen, offline/.test(await boRow.locator('.person-name').textContent()), { what: 'Bo offline in the member list' });
  assert.equal(await boRow.locator('.presence.is-offline').count(), 1);
  await members.getByRole('button', { name: 'Close' }).click();

  // A direct message with Bo shows his presence in the channel list.
  B = await newPage(browser);
  await signIn(B.page, server, bo);
  await send(B.page, 'back again');
  const c = await server.connect(ana.token);
  await c.request({ type: 'dm.open', users: [bo.id] });
  await c.close();
  const dmLink = nav(A.page).getByRole('link', { name: /^Bo Chen\s*, online$/ });
  await dmLink.waitFor();
  await B.context.close();
  await nav(A.page).getByRole('link', { name: /^Bo Chen\s*, offline$/ }).waitFor();

  // Profile card from an author's name: details, presence, Message.
  B = await newPage(browser);
  await signIn(B.page, server, bo);
  await openChannel(A.page, 'talk');
  const msg = message(A.page, 'back again');
  await msg.getByRole('button', { name: 'Bo Chen' }).click();
  const card = A.page.getByRole('dialog', { name: 'Bo Chen' });
  await card.getByText('@bo').waitFor();
  await card.getByText('Online').waitFor();
  // Bo renames himself: the card follows.
  await B.page.getByRole('button', { name: 'Settings', exact: true }).click();
  const settings = B.page.getByRole('dialog', { name: 'Settings' });
  await settings.getByRole('textbox', { name: 'Display name' }).fill('Bo Chen-Ruiz');
  await settings.getByRole('button', { name: 'Save name' }).click();
  await settings.getByText(/Saved/).waitFor();
  await A.page.getByRole('dialog', { name: 'Bo Chen-Ruiz' }).waitFor();
  await B.context.close();
  await A.page.getByRole('dialog', { name: 'Bo Chen-Ruiz' }).getByText('Offline').waitFor();
  await A.page.getByRole('dialog', { name: 'Bo Chen-Ruiz' }).getByRole('button', { name: 'Close' }).click();

  // A card from the member list shows jurisdiction, region and title, and
  // Message opens the conversation.
  // Cy has no password yet, but can be found and written to.
  await A.page.getByRole('button', { name: 'New direct message' }).click();
  const find = A.page.getByRole('dialog', { name: 'New direct message' });
  await find.getByLabel('Find people').fill('cy');
  await find.getByRole('button', { name: 'Add Cy Okafor' }).click();
  await find.getByRole('button', { name: 'Open conversation' }).click();
  await A.page.getByRole('heading', { level: 1, name: 'Cy Okafor' }).waitFor();
  await A.page.getByRole('button', { name: 'Members' }).click();
  const people = A.page.getByRole('dialog', { name: 'People in this conversation' });
  await people.getByRole('button', { name: 'Cy Okafor', exact: true }).click();
  const cyCard = A.page.getByRole('dialog', { name: 'Cy Okafor' });
  await cyCard.getByText('King County').waitFor();
  await cyCard.getByText('Pacific Northwest').waitFor();
  await cyCard.getByText('Equity Analyst').waitFor();
  await cyCard.getByRole('button', { name: 'Message Cy Okafor' }).click();
  await cyCard.waitFor({ state: 'detached' });
  await A.page.getByRole('heading', { level: 1, name: 'Cy Okafor' }).waitFor();
  assertNoProblems(A.page);
  await A.context.close();
});
