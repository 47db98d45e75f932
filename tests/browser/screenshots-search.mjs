// Screenshots of message search (issue 14) for review by eye, not a test:
//   node tests/browser/screenshots-search.mjs [outdir] [filter, e.g. phone-dark]
// the header's box and the results panel (grouped by channel, matches
// marked), the message opened and highlighted, and one far back opened in a
// window of history with the button for the newer messages left out, at
// 1280x800 and 390x844, light and dark.
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, makeChannel } from './lib.js';

const out = process.argv[2] || '/tmp/weft-shots-search';
const only = process.argv[3] || '';
fs.mkdirSync(out, { recursive: true });
const server = await startServer({ args: ['--rate', '5000', '--burst', '5000'] });
const browser = await launch();
try {
  const ana = await server.user('ana', { display: 'Ana Bell' });
  const bo = await server.user('bo', { display: 'Bo Chen' });
  const lobby = await makeChannel(server, ana, 'practice-lobby', { members: [bo] });
  const budget = await makeChannel(server, bo, 'budget-tools', { kind: 'team', access: 'invite' });
  const script = [
    [ana, lobby, 'Here is the racial equity rubric we used in March for the transit budget review.'],
    [bo, budget, 'Draft of the budget equity tool is in the shared drive; the rubric section still needs the housing numbers.'],
    [ana, lobby, 'Could someone compare the equity rubric with the one from King County? Theirs weighs community engagement much more heavily than ours, and I think we should discuss that at the next session before we adopt it for the procurement pilot.'],
    [bo, lobby, 'Équité: the French version of the rubric is attached.'],
  ];
  for (let i = 0; i < 12; i++) script.push([ana, lobby, `Equity rubric note ${i}: follow-up on item ${i}.`]);
  for (const [who, ch, body] of script) {
    const c = await server.connect(who.token);
    await c.request({ type: 'send', channel: ch.id, body, client_id: `shot-${Math.random().toString(36).slice(2)}` });
    await c.close();
  }
  // A result far back: opened in a window, with the hole up to the newer ones.
  const deep = await makeChannel(server, ana, 'deep-archive', { members: [bo] });
  const k = await server.connect(ana.token);
  await k.request({ type: 'send', channel: deep.id, body: 'The 2024 procurement checklist, for the record.', client_id: 'deep-0' });
  const sends = [];
  for (let i = 1; i <= 700; i++) sends.push(k.request({ type: 'send', channel: deep.id, body: `Later message ${i}`, client_id: `deep-${i}` }));
  await Promise.all(sends);
  await k.close();
  for (const [vw, vh, tag] of [[1280, 800, 'desktop'], [390, 844, 'phone']]) {
    for (const scheme of ['light', 'dark']) {
      if (only && !`${tag}-${scheme}`.includes(only)) continue;
      const name = (what) => path.join(out, `${what}-${tag}-${scheme}.png`);
      const { context, page } = await newPage(browser, { viewport: { width: vw, height: vh }, colorScheme: scheme, deviceScaleFactor: 1 });
      await signIn(page, server, bo);
      await page.goto(`${server.origin}/#/c/${lobby.id}`);
      const box = page.getByRole('searchbox', { name: 'Search messages' });
      await box.fill('equit rubr');
      await box.press('Enter');
      const results = page.getByRole('region', { name: 'Search results' });
      await results.getByRole('link').first().waitFor();
      await page.screenshot({ path: name('results') });
      await box.press('ArrowDown');
      await page.screenshot({ path: name('results-focus') });
      await results.getByRole('link').filter({ hasText: 'King County' }).click();
      await page.getByRole('heading', { level: 1, name: /practice-lobby/ }).waitFor();
      await page.waitForTimeout(400);
      await page.screenshot({ path: name('opened') });
      await box.fill('procurement checklist');
      await box.press('Enter');
      await results.getByRole('link').filter({ hasText: '2024' }).click();
      await page.getByRole('heading', { level: 1, name: /deep-archive/ }).waitFor();
      await page.getByRole('log').getByRole('button', { name: 'Load newer messages' }).waitFor();
      await page.waitForTimeout(400);
      await page.getByRole('log').evaluate((el) => { el.scrollTop += 200; });
      await page.screenshot({ path: name('opened-far-back') });
      await context.close();
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
console.log(`screenshots in ${out}`);
