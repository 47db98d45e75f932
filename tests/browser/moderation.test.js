// Moderation from the members list and channel settings, seen live by the
// other person: a new moderator gets the tools at once, a topic edit shows in
// their header, archiving replaces their composer with a notice, and a
// removed member's sidebar drops the channel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, nav, composer, makeChannel, openChannel, until, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;
let bo;

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  await makeChannel(server, ana, 'mod-room', { kind: 'cohort', access: 'open', members: [bo] });
  await makeChannel(server, ana, 'rm-room', { kind: 'caucus', access: 'request', members: [] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('roles, topic, archive and removal show live for the other person', async () => {
  // Bo joins rm-room by invitation (a request-tier caucus).
  {
    const a = await server.connect(ana.token);
    const list = await a.request({ type: 'channel.list' });
    const rm = list.channels.find((c) => c.name === 'rm-room');
    assert.equal((await a.request({ type: 'channel.invite', channel: rm.id, user: bo.id })).type, 'ok');
    await a.close();
    const b = await server.connect(bo.token);
    assert.equal((await b.request({ type: 'channel.join', channel: rm.id })).type, 'channel');
    await b.close();
  }
  const A = await newPage(browser);
  const B = await newPage(browser);
  await signIn(A.page, server, ana);
  await signIn(B.page, server, bo);
  await openChannel(A.page, 'mod-room');
  await openChannel(B.page, 'mod-room');
  // Channel settings sit in the channel's menu, for moderators only.
  const settingsB = B.page.getByRole('menuitem', { name: 'Channel settings' });
  await B.page.getByRole('button', { name: 'Channel options' }).click();
  await B.page.getByRole('menuitem', { name: 'Leave channel' }).waitFor();
  assert.equal(await settingsB.isVisible(), false, 'members have no settings');
  await B.page.keyboard.press('Escape');

  // The owner makes Bo a moderator from the member list.
  await A.page.getByRole('button', { name: 'Members' }).click();
  const members = A.page.getByRole('dialog', { name: 'Members of #mod-room' });
  await members.getByRole('button', { name: 'Make moderator: Bo Chen' }).click();
  await members.getByText('Bo Chen is now a moderator.').waitFor();
  await members.getByRole('listitem').filter({ hasText: 'Bo Chen' }).getByText('Moderator', { exact: true }).waitFor();
  // Focus stays in the row that was acted on.
  assert.match(await A.page.evaluate(() => document.activeElement.getAttribute('aria-label') || ''), /Bo Chen/);
  await members.getByRole('button', { name: 'Close' }).click();

  // Bo's page shows moderator tools at once, and says why.
  await B.page.getByRole('button', { name: 'Channel options' }).click();
  await settingsB.waitFor();
  await B.page.keyboard.press('Escape');
  await B.page.getByRole('status').filter({ hasText: 'Ana Bell made you a moderator of #mod-room.' }).waitFor();
  await B.page.getByRole('button', { name: 'Members' }).click();
  const bMembers = B.page.getByRole('dialog', { name: 'Members of #mod-room' });
  await bMembers.getByLabel('Find people to invite').waitFor();
  // A moderator cannot remove or re-role the owner.
  assert.equal(await bMembers.getByRole('button', { name: /Remove Ana Bell|Make .*: Ana Bell/ }).count(), 0);
  await bMembers.getByRole('button', { name: 'Close' }).click();

  // The owner edits the topic; Bo's header follows.
  await A.page.getByRole('button', { name: 'Channel options' }).click();
  await A.page.getByRole('menuitem', { name: 'Channel settings' }).click();
  const settings = A.page.getByRole('dialog', { name: 'Channel settings for #mod-room' });
  await settings.getByLabel('Topic').fill('Budget season prep');
  await settings.getByRole('button', { name: 'Save changes' }).click();
  await settings.getByText(/^Saved/).waitFor();
  await B.page.locator('#channel-topic').getByText(/Budget season prep/).waitFor();

  // Archiving (confirmed) replaces Bo's composer with a read-only notice.
  await settings.getByRole('button', { name: 'Archive channel' }).click();
  await A.page.getByRole('dialog', { name: 'Archive #mod-room?' }).getByRole('button', { name: 'Archive', exact: true }).click();
  await settings.getByRole('button', { name: 'Unarchive channel' }).waitFor();
  assert.equal(await settings.getByLabel('Topic').isDisabled(), true);
  await B.page.getByRole('status').filter({ hasText: /This channel is archived/ }).waitFor();
  await until(async () => !(await composer(B.page).isVisible()), { what: 'composer hidden' });
  assert.equal(await B.page.getByRole('button', { name: 'Send' }).isVisible(), false);
  assert.equal(await composer(A.page).isVisible(), false);
  // Unarchiving brings it back.
  await settings.getByRole('button', { name: 'Unarchive channel' }).click();
  await settings.getByRole('button', { name: 'Archive channel' }).waitFor();
  await composer(B.page).waitFor();
  await settings.getByRole('button', { name: 'Close' }).click();

  // The owner removes Bo from rm-room (confirmed); Bo's sidebar drops it.
  await nav(B.page).getByRole('link', { name: /rm-room/ }).waitFor();
  await openChannel(A.page, 'rm-room');
  await A.page.getByRole('button', { name: 'Members' }).click();
  const rm = A.page.getByRole('dialog', { name: 'Members of #rm-room' });
  await rm.getByRole('button', { name: 'Remove Bo Chen' }).click();
  await A.page.getByRole('dialog', { name: 'Remove Bo Chen from #rm-room?' }).getByRole('button', { name: 'Remove', exact: true }).click();
  await rm.getByText('Bo Chen was removed from #rm-room.').waitFor();
  await rm.getByText('1 member', { exact: true }).waitFor();
  await until(async () => (await nav(B.page).getByRole('link', { name: /rm-room/ }).count()) === 0, { what: 'rm-room gone from Bo’s sidebar' });
  await B.page.getByRole('status').filter({ hasText: 'Ana Bell removed you from #rm-room' }).waitFor();
  // Bo's open channel is untouched.
  await B.page.getByRole('heading', { level: 1, name: /mod-room/ }).waitFor();

  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});
