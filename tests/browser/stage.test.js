// A live session in Chromium with a facilitator and two participants (three
// people, three contexts): the facilitator starts a confidential floor-mode
// session from the "Start session" dialog; both participants raise hands
// (one with the button, one with Alt+R); the facilitator gives the floor
// from the queue; the participant with the floor speaks, the other is
// refused; ending the session makes the confidential messages vanish from
// every screen with the "erased" note. Then a report reaches the
// facilitator's Reports panel and the Moderation log shows the session.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, makeChannel, message, send, composer, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;
let bo;
let cy;
let ch;

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  cy = await server.user('cy', { display: 'Cy Diaz' });
  ch = await makeChannel(server, ana, 'healing-circle', { kind: 'caucus', access: 'open', members: [bo, cy] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const bar = (page) => page.getByRole('region', { name: 'Live session' });

test('confidential floor-mode session: hands, the floor, a refused turn, and the messages vanish for everyone at the end', async () => {
  const A = await newPage(browser);
  const B = await newPage(browser);
  const C = await newPage(browser);
  for (const [x, u] of [[A, ana], [B, bo], [C, cy]]) {
    await signIn(x.page, server, u);
    await x.page.goto(`${server.origin}/#/c/${ch.id}`);
    await x.page.getByRole('heading', { level: 1, name: /healing-circle/ }).waitFor();
  }
  await send(A.page, 'Before we begin: the usual agreements apply.');
  await message(C.page, 'Before we begin: the usual agreements apply.').waitFor();

  // Participants see no session bar; the facilitator starts one.
  assert.equal(await bar(B.page).isVisible(), false);
  await bar(A.page).getByRole('button', { name: 'Start session' }).click();
  const dlg = A.page.getByRole('dialog', { name: 'Start session' });
  await dlg.getByRole('textbox', { name: 'Title' }).fill('Monday circle');
  await dlg.getByRole('checkbox', { name: 'Confidential' }).check();
  await dlg.getByRole('checkbox', { name: 'Floor mode' }).check();
  await dlg.getByRole('button', { name: 'Start', exact: true }).click();
  await dlg.waitFor({ state: 'detached' });
  for (const x of [A, B, C]) {
    await bar(x.page).getByText('Monday circle').waitFor();
    await bar(x.page).getByText('Confidential', { exact: true }).waitFor();
    await bar(x.page).getByText('with Ana Bell').waitFor();
  }
  // Floor mode: the participants' composer says they wait their turn.
  await C.page.getByText('Floor mode: wait for the facilitator to give you the floor.').waitFor();

  // Bo raises a hand with the button, Cy with the keyboard shortcut.
  await bar(B.page).getByRole('button', { name: 'Raise hand' }).click();
  await bar(B.page).getByRole('button', { name: 'Lower hand' }).waitFor();
  await C.page.getByRole('log').focus();
  await C.page.keyboard.press('Alt+r');
  await bar(C.page).getByRole('button', { name: 'Lower hand' }).waitFor();
  const queue = bar(A.page).getByRole('list', { name: 'Queue' });
  await queue.getByRole('listitem').nth(1).waitFor();
  assert.deepEqual(await queue.getByRole('listitem').allInnerTexts().then((t) => t.map((s) => s.replace(/\s+Give floor$/, '').trim())),
    ['Bo Chen', 'Cy Diaz'], 'raise order');
  // Everyone sees the queue.
  await bar(C.page).getByRole('list', { name: 'Queue' }).getByText('Bo Chen').waitFor();

  // The facilitator gives Bo the floor from the queue.
  await queue.getByRole('listitem').filter({ hasText: 'Bo Chen' }).getByRole('button', { name: 'Give floor' }).click();
  await bar(B.page).getByText('You have the floor').waitFor();
  await bar(C.page).getByText('Bo Chen has the floor').waitFor();
  await C.page.getByText('Floor mode: it is Bo Chen’s turn.').waitFor();
  await send(B.page, 'What I carry this week is heavy.');
  for (const x of [A, B, C]) {
    const m = message(x.page, 'What I carry this week is heavy.');
    await m.waitFor();
    await m.getByText('Confidential', { exact: true }).waitFor();
  }
  // Cy is refused: the message is not sent, and nobody else gets it.
  await send(C.page, 'Can I add something?');
  await C.page.getByText(/Not sent: floor mode/).waitFor();
  assert.equal(await message(A.page, 'Can I add something?').count(), 0);
  assert.equal(await composer(C.page).isEnabled(), true, 'the composer stays usable');

  // The end: a confirmation, then the confidential message vanishes everywhere.
  await bar(A.page).getByRole('button', { name: 'End session' }).click();
  await A.page.getByRole('dialog', { name: 'End the session?' }).getByRole('button', { name: 'End session' }).click();
  for (const x of [A, B, C]) {
    await message(x.page, 'What I carry this week is heavy.').waitFor({ state: 'detached' });
    await x.page.getByText('1 confidential message was erased when the session ended.').waitFor();
    await message(x.page, 'Before we begin: the usual agreements apply.').waitFor();
    assert.equal(await bar(x.page).getByText('Monday circle').count(), 0);
  }
  for (const x of [A, B, C]) assertNoProblems(x.page);
  await Promise.all([A, B, C].map((x) => x.context.close()));
});

test('a member reports a message; the facilitator sees it in Reports; the Moderation log shows what moderators did', async () => {
  const A = await newPage(browser);
  const B = await newPage(browser);
  await signIn(A.page, server, ana);
  await signIn(B.page, server, bo);
  for (const x of [A, B]) await x.page.goto(`${server.origin}/#/c/${ch.id}`);
  await send(A.page, 'A remark that could land badly');
  const m = message(B.page, 'A remark that could land badly');
  await m.waitFor();
  await m.hover();
  await m.getByRole('button', { name: 'More actions' }).click();
  await B.page.getByRole('menuitem', { name: 'Report' }).click();
  const dlg = B.page.getByRole('dialog', { name: 'Report message' });
  await dlg.getByRole('textbox', { name: 'Reason' }).fill('This felt dismissive of the group');
  await dlg.getByRole('button', { name: 'Send report' }).click();
  await dlg.waitFor({ state: 'detached' });

  // Ana moderates: the Reports panel lists it with its four actions.
  await A.page.getByRole('button', { name: /^Reports/ }).click();
  const reports = A.page.getByRole('region', { name: 'Reports' });
  await reports.getByText('This felt dismissive of the group').waitFor();
  await reports.getByRole('button', { name: 'Dismiss' }).click();
  await reports.getByText(/Resolved: dismiss/).waitFor();
  assert.equal(await B.page.getByRole('button', { name: /^Reports/ }).isVisible(), false, 'members have no Reports panel');

  // Any member opens the Moderation log.
  await B.page.getByRole('button', { name: 'Moderation log' }).click();
  const logPanel = B.page.getByRole('region', { name: 'Moderation log' });
  await logPanel.getByText('Ana Bell ended the session').waitFor();
  await logPanel.getByText('Ana Bell started the session “Monday circle”').waitFor();
  await logPanel.getByText(/Ana Bell resolved a report about Ana Bell \(dismiss\)/).waitFor();
  for (const x of [A, B]) assertNoProblems(x.page);
  await Promise.all([A, B].map((x) => x.context.close()));
});

test('moderators mute and ban from the members panel; slow mode from channel settings; the muted member is told', async () => {
  const dee = await server.user('dee', { display: 'Dee Ramos' });
  const room = await makeChannel(server, ana, 'slow-room', { kind: 'cohort', members: [bo, dee] });
  const A = await newPage(browser);
  const B = await newPage(browser);
  await signIn(A.page, server, ana);
  await signIn(B.page, server, bo);
  for (const x of [A, B]) await x.page.goto(`${server.origin}/#/c/${room.id}`);
  await B.page.getByRole('heading', { level: 1, name: /slow-room/ }).waitFor();

  await A.page.getByRole('button', { name: 'Members' }).click();
  const dlg = A.page.getByRole('dialog', { name: /Members of/ });
  await dlg.getByRole('button', { name: 'Mute Bo Chen' }).click();
  await A.page.getByRole('menuitem', { name: '10 minutes' }).click();
  await dlg.getByText('Bo Chen is muted for 10 minutes.').waitFor();
  await B.page.getByText(/^You are muted here until/).waitFor();
  await dlg.getByRole('button', { name: 'Ban Dee Ramos' }).click();
  await A.page.getByRole('dialog', { name: /Ban Dee Ramos/ }).getByRole('button', { name: 'Ban' }).click();
  await dlg.getByText(/Dee Ramos was banned/).waitFor();
  await dlg.getByRole('button', { name: 'Mute Bo Chen' }).click();
  await A.page.getByRole('menuitem', { name: 'Unmute' }).click();
  await B.page.getByText(/^You are muted here until/).waitFor({ state: 'hidden' });
  await A.page.keyboard.press('Escape');

  // Slow mode: the setting, then a second message waits its turn with a countdown.
  await A.page.getByRole('button', { name: 'Channel options' }).click();
  await A.page.getByRole('menuitem', { name: 'Channel settings' }).click();
  const settings = A.page.getByRole('dialog', { name: /Channel settings/ });
  await settings.getByLabel('Slow mode').selectOption('30');
  await settings.getByRole('button', { name: 'Save changes' }).click();
  await settings.getByText(/^Saved/).waitFor();
  await A.page.keyboard.press('Escape');
  await send(B.page, 'first under slow mode');
  await message(A.page, 'first under slow mode').waitFor();
  await send(B.page, 'second under slow mode');
  await B.page.getByText(/^Slow mode: your message goes out in \d+ s\.$/).waitFor();
  assert.equal(await message(A.page, 'second under slow mode').count(), 0, 'not before its turn');
  for (const x of [A, B]) assertNoProblems(x.page);
  await Promise.all([A, B].map((x) => x.context.close()));
});
