// Screenshots of the standup and action item views (issue 16) for review by
// eye, not a test:  node tests/browser/screenshots-coord.mjs [outdir] [filter]
// The Standup panel (open standup with answers, a past one with its summary,
// the schedule editor), the Action items panel, the New item dialog and a
// message with its item, at 1280x800 and 390x844, light and dark.
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, makeChannel } from './lib.js';

const out = process.argv[2] || '/tmp/weft-shots-coord';
const only = process.argv[3] || '';
fs.mkdirSync(out, { recursive: true });
const server = await startServer({ args: ['--tz', 'UTC'] });
const browser = await launch();
try {
  const ana = await server.user('ana', { display: 'Ana Bell' });
  const bo = await server.user('bo', { display: 'Bo Chen' });
  const cy = await server.user('cy', { display: 'Cy Okafor' });
  const ch = await makeChannel(server, ana, 'transit-equity-team', { kind: 'cohort', members: [bo, cy] });
  const a = await server.connect(ana.token);
  const b = await server.connect(bo.token);
  const req = async (c, r) => { const x = await c.request(r); if (x.type === 'error') throw new Error(JSON.stringify(x)); return x; };
  await req(a, { type: 'standup.set', channel: ch.id, questions: ['What did you finish?', 'What is next?'], days: ['mon', 'wed', 'fri'], time: '09:30', tz: 'America/Chicago', window: 60 });
  const s1 = await req(a, { type: 'standup.open', channel: ch.id });
  await req(b, { type: 'standup.answer', channel: ch.id, standup: s1.standup, answers: ['Mapped the bus routes', 'Ridership survey'], blocker: 'Need the 2025 ridership data from the county' });
  await req(a, { type: 'standup.close', channel: ch.id });
  const s2 = await req(a, { type: 'standup.open', channel: ch.id });
  await req(b, { type: 'standup.answer', channel: ch.id, standup: s2.standup, answers: ['Drafted the survey questions', 'Pilot with two neighborhoods'], blocker: '' });
  const m = await req(a, { type: 'send', channel: ch.id, body: 'Can someone book the community room for the listening session?', client_id: 'shot-1' });
  await req(a, { type: 'item.create', channel: ch.id, title: 'Book the community room', owner: bo.id, due: '2099-03-01', message: m.id });
  await req(a, { type: 'item.create', channel: ch.id, title: 'Send the budget memo to the council', owner: ana.id, due: '2020-01-10' });
  const done = await req(a, { type: 'item.create', channel: ch.id, title: 'Collect feedback forms', owner: cy.id });
  await req(a, { type: 'item.update', channel: ch.id, id: done.item.id, status: 'done' });
  await a.close();
  await b.close();

  for (const [vw, vh, tag] of [[1280, 800, 'desktop'], [390, 844, 'phone']]) {
    for (const scheme of ['light', 'dark']) {
      if (only && !`${tag}-${scheme}`.includes(only)) continue;
      const name = (what) => path.join(out, `${what}-${tag}-${scheme}.png`);
      const { context, page } = await newPage(browser, { viewport: { width: vw, height: vh }, colorScheme: scheme, deviceScaleFactor: 1, timezoneId: 'America/Chicago' });
      await signIn(page, server, ana);
      await page.goto(`${server.origin}/#/c/${ch.id}`);
      await page.getByText('Can someone book the community room').waitFor();
      await page.getByRole('list', { name: 'Action items from this message' }).waitFor();
      await page.screenshot({ path: name('message-item') });
      await page.getByRole('button', { name: 'Standup', exact: true }).click();
      await page.getByRole('button', { name: 'Submit answers' }).waitFor();
      await page.screenshot({ path: name('standup') });
      await page.getByRole('region', { name: 'Past standups' }).scrollIntoViewIfNeeded();
      await page.getByText('Schedule', { exact: true }).click();
      await page.getByRole('region', { name: 'Past standups' }).getByText('Answered (1)').scrollIntoViewIfNeeded();
      await page.screenshot({ path: name('standup-past') });
      await page.getByRole('button', { name: 'Save schedule' }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: name('standup-schedule') });
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Action items' }).click();
      await page.getByRole('checkbox', { name: 'Book the community room' }).waitFor();
      await page.getByRole('combobox', { name: 'Status' }).selectOption('all');
      await page.screenshot({ path: name('items') });
      await page.getByRole('button', { name: 'New item' }).click();
      await page.getByRole('dialog', { name: 'New item' }).waitFor();
      await page.screenshot({ path: name('new-item') });
      await context.close();
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
console.log(`screenshots in ${out}`);
