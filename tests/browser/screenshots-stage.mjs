// Screenshots of live sessions and moderation (issue 15) for review by eye,
// not a test:  node tests/browser/screenshots-stage.mjs [outdir] [filter]
// The session bar of a confidential floor-mode session with a queue and a
// timed floor (as the facilitator and as a participant waiting), the
// Start session dialog, and the Moderation log and Reports panels, at
// 1280x800 and 390x844, light and dark.
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, makeChannel } from './lib.js';

const out = process.argv[2] || '/tmp/shots-15';
const only = process.argv[3] || '';
fs.mkdirSync(out, { recursive: true });
const server = await startServer();
const browser = await launch();
try {
  const ana = await server.user('ana', { display: 'Ana Bell' });
  const bo = await server.user('bo', { display: 'Bo Chen' });
  const cy = await server.user('cy', { display: 'Cy Okafor' });
  const dee = await server.user('dee', { display: 'Dee Ramos' });
  const ch = await makeChannel(server, ana, 'healing-circle', { kind: 'caucus', access: 'open', members: [bo, cy, dee] });
  const other = await makeChannel(server, ana, 'planning', { kind: 'cohort', members: [bo, cy] });
  const c = {};
  for (const [k, u] of [['a', ana], ['b', bo], ['c', cy], ['d', dee]]) c[k] = await server.connect(u.token);
  const req = async (x, r) => { const y = await x.request(r); if (y.type === 'error') throw new Error(JSON.stringify(y)); return y; };
  // The moderation log of the planning channel: a few actions.
  await req(c.a, { type: 'channel.update', channel: other.id, topic: 'Quarterly planning' });
  await req(c.a, { type: 'channel.role', channel: other.id, user: bo.id, role: 'moderator' });
  const m = await req(c.c, { type: 'send', channel: other.id, body: 'That idea will never work, as usual.', client_id: 'p1' });
  await req(c.b, { type: 'report', channel: other.id, id: m.id, reason: 'Dismissive; please remind us of the agreements' });
  await req(c.b, { type: 'channel.mute', channel: other.id, user: cy.id, seconds: 600, reason: 'Take a breath' });
  await req(c.a, { type: 'session.start', channel: other.id, title: 'Planning check-in' });
  await req(c.a, { type: 'session.end', channel: other.id });
  // The live session.
  await req(c.a, { type: 'send', channel: ch.id, body: 'Welcome, everyone. We start in a minute.', client_id: 's0' });
  await req(c.a, { type: 'session.start', channel: ch.id, title: 'Monday circle: what we carry', confidential: true, mode: 'floor' });
  await req(c.b, { type: 'hand.raise', channel: ch.id });
  await req(c.c, { type: 'hand.raise', channel: ch.id });
  await req(c.d, { type: 'hand.raise', channel: ch.id });
  await req(c.a, { type: 'floor.give', channel: ch.id, user: bo.id, seconds: 180 });
  await req(c.b, { type: 'send', channel: ch.id, body: 'Thank you. This week was a lot: the budget hearing, and then my team’s news.', client_id: 's1' });

  for (const [vw, vh, tag] of [[1280, 800, 'desktop'], [390, 844, 'phone']]) {
    for (const scheme of ['light', 'dark']) {
      if (only && !`${tag}-${scheme}`.includes(only)) continue;
      const name = (what) => path.join(out, `${what}-${tag}-${scheme}.png`);
      const opts = { viewport: { width: vw, height: vh }, colorScheme: scheme, deviceScaleFactor: 1 };
      const A = await newPage(browser, opts);
      await signIn(A.page, server, ana);
      await A.page.goto(`${server.origin}/#/c/${ch.id}`);
      await A.page.getByRole('list', { name: 'Queue' }).waitFor();
      await A.page.screenshot({ path: name('session-facilitator') });
      const C = await newPage(browser, opts);
      await signIn(C.page, server, cy);
      await C.page.goto(`${server.origin}/#/c/${ch.id}`);
      await C.page.getByText(/Floor mode: it is/).waitFor();
      await C.page.screenshot({ path: name('session-participant') });
      await C.context.close();
      await A.page.goto(`${server.origin}/#/c/${other.id}`);
      await A.page.getByRole('region', { name: 'Live session' }).getByRole('button', { name: 'Start session' }).click();
      await A.page.getByRole('dialog', { name: 'Start session' }).waitFor();
      await A.page.screenshot({ path: name('start-dialog') });
      await A.page.keyboard.press('Escape');
      await A.page.getByRole('button', { name: 'Moderation log' }).click();
      await A.page.getByRole('region', { name: 'Moderation log' }).getByText(/ended the session/).waitFor();
      await A.page.screenshot({ path: name('modlog') });
      await A.page.keyboard.press('Escape'); // on a phone the panel covers the header
      await A.page.getByRole('button', { name: /^Reports/ }).click();
      await A.page.getByRole('region', { name: 'Reports' }).getByText(/Dismissive/).waitFor();
      await A.page.mouse.move(1, vh - 1); // no hover left on a button from the click
      await A.page.waitForTimeout(300);
      await A.page.screenshot({ path: name('reports') });
      await A.context.close();
    }
  }
  for (const x of Object.values(c)) await x.close();
} finally {
  await browser.close();
  await server.stop();
}
console.log(`screenshots in ${out}`);
