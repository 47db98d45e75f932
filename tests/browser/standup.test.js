// The Standup panel in Chromium with two people: the coordinator sets a
// schedule (the zone picker starts on the browser's zone) and opens a
// standup now; both answer, one with a blocker, and each sees the other's
// answer arrive; closing shows the summary with the blocker highlighted.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, makeChannel, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;
let bo;
let ch;

before(async () => {
  server = await startServer({ args: ['--tz', 'UTC'] });
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  ch = await makeChannel(server, ana, 'budget-team', { kind: 'cohort', members: [bo] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const panel = (page) => page.getByRole('region', { name: 'Standup' });

test('a coordinator sets a schedule and opens a standup; two members answer (one with a blocker); closing shows the summary', async () => {
  const A = await newPage(browser, { timezoneId: 'America/Chicago' });
  const B = await newPage(browser);
  await signIn(A.page, server, ana);
  await signIn(B.page, server, bo);
  await A.page.goto(`${server.origin}/#/c/${ch.id}`);
  await B.page.goto(`${server.origin}/#/c/${ch.id}`);
  // A member sees no Standup button while there is no schedule.
  await B.page.getByRole('button', { name: 'Action items' }).waitFor();
  assert.equal(await B.page.getByRole('button', { name: 'Standup', exact: true }).isVisible(), false);

  // The moderator's editor: days, time, the browser's zone preselected, window, questions.
  await A.page.getByRole('button', { name: 'Standup', exact: true }).click();
  const p = panel(A.page);
  await p.getByText('No schedule').waitFor();
  assert.equal(await p.getByLabel('Time zone').inputValue(), 'America/Chicago');
  await p.getByRole('checkbox', { name: 'Saturday' }).check();
  // Six hours from now in Chicago: the schedule never opens one by itself
  // during the test (at 09:30 it did, run between 09:30 and 10:15 there).
  const at = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/Chicago', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .format(new Date(Date.now() + 6 * 3600e3));
  await p.getByLabel('Time', { exact: true }).fill(at);
  await p.getByLabel('Open for (minutes)').fill('45');
  await p.getByLabel('Questions').fill('What did you finish?\nWhat is next?');
  await p.getByRole('button', { name: 'Save schedule' }).click();
  await p.getByText('Schedule saved.').waitFor();
  await p.getByText(`Every Mon, Tue, Wed, Thu, Fri and Sat at ${at} (America/Chicago), open for 45 minutes`).waitFor();
  // The member's header now offers the panel (the schedule came as an event).
  await B.page.getByRole('button', { name: 'Standup', exact: true }).waitFor();

  await p.getByRole('button', { name: 'Open standup now' }).click();
  await p.getByRole('button', { name: 'Close now' }).waitFor();

  await B.page.getByRole('button', { name: 'Standup', exact: true }).click();
  const q = panel(B.page);
  // Nothing typed: said at once, in words, with focus on the first question.
  await q.getByRole('button', { name: 'Submit answers' }).click();
  await q.getByRole('alert').filter({ hasText: 'Answer at least one question, or name a blocker.' }).waitFor();
  assert.equal(await B.page.evaluate(() => document.activeElement?.labels?.[0]?.textContent), 'What did you finish?');
  await q.getByRole('textbox', { name: 'What did you finish?' }).fill('Drafted the transit memo');
  await q.getByRole('textbox', { name: 'What is next?' }).fill('Review with legal');
  await q.getByRole('textbox', { name: 'Blocker' }).fill('Waiting on the data sharing agreement');
  await q.getByRole('button', { name: 'Submit answers' }).click();
  await q.getByText('Answers sent.').waitFor();

  // Ana answers too, and sees Bo's answer with its blocker arrive.
  await p.getByText('Waiting on the data sharing agreement').waitFor();
  await p.getByRole('textbox', { name: 'What did you finish?' }).fill('Set up the standup');
  await p.getByRole('textbox', { name: 'What is next?' }).fill('Budget hearing prep');
  await p.getByRole('button', { name: 'Submit answers' }).click();
  await q.getByText('Budget hearing prep').waitFor();
  // Bo's typed answer stayed while Ana's arrived.
  assert.equal(await q.getByRole('textbox', { name: 'What is next?' }).inputValue(), 'Review with legal');

  await p.getByRole('button', { name: 'Close now' }).click();
  for (const page of [A.page, B.page]) {
    const past = panel(page).getByRole('region', { name: 'Past standups' });
    await past.getByText('Answered (2)').waitFor();
    await past.getByText('Missed (0)').waitFor();
    const blocker = past.getByRole('list', { name: 'Blockers' }).getByRole('listitem');
    assert.match(await blocker.innerText(), /Bo Chen: Waiting on the data sharing agreement/);
    assert.match(await blocker.getAttribute('class'), /blocker/);
  }
  await p.getByRole('button', { name: 'Open standup now' }).waitFor();
  // Keyboard: Escape closes the panel and gives focus back to its button.
  await A.page.keyboard.press('Escape');
  await A.page.getByRole('button', { name: 'Standup', exact: true }).waitFor();
  assert.equal(await A.page.evaluate(() => document.activeElement?.textContent), 'Standup');
  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});
