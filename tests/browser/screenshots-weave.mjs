// Screenshots of weaving (issue 17) on the seeded demo network
// (tests/fixtures/seed-network.mjs: 13,000 people, 40 jurisdictions, a year
// of traffic), for review by eye (not a test):
//   node tests/browser/screenshots-weave.mjs [outdir]     (default /tmp/shots-17)
// The People directory filtered by region and focus, the Introduce dialog,
// an introduction waiting in Introductions, Network health, and the profile
// editor in Settings; at 390x844
// (a phone) and 1280x800, light and dark.
import fs from 'node:fs';
import path from 'node:path';
import { startServer, tempDir } from '../lib/harness.js';
import { launch, newPage, signIn } from './lib.js';
import { seedNetwork, SEED_PASSWORD } from '../fixtures/seed-network.mjs';

const out = process.argv[2] || '/tmp/shots-17';
fs.mkdirSync(out, { recursive: true });
const dir = tempDir('weft-shots-');
seedNetwork(dir);
const server = await startServer({ dataDir: dir, args: ['--rate', '5000', '--burst', '5000'] });
const browser = await launch();
const maria = { name: 'maria', password: SEED_PASSWORD };
const sam = { name: 'sam', password: SEED_PASSWORD };
try {
  // An introduction for sam to answer.
  const m = await server.connect((await server.login('maria', SEED_PASSWORD)).token);
  const samU = (await m.request({ type: 'user.find', q: 'sam', jurisdiction: 'Atlanta', limit: 100 })).users.find((u) => u.name === 'sam');
  const other = (await m.request({ type: 'user.find', region: 'West', focus: 'budgeting', limit: 5 })).users.find((u) => u.name !== 'maria');
  const proposed = await m.request({ type: 'intro.propose', a: samU.id, b: other.id, note: `Sam, meet ${other.display}: you both run participatory budgeting pilots. I think you would enjoy comparing notes.` });
  if (proposed.type !== 'ok') throw new Error(`intro.propose: ${JSON.stringify(proposed)}`);
  m.ws.terminate();

  for (const [vw, vh, tag] of [[390, 844, 'phone'], [1280, 800, 'desktop']]) {
    for (const scheme of ['light', 'dark']) {
      const name = (what) => path.join(out, `${what}-${tag}-${scheme}.png`);
      let { context, page } = await newPage(browser, { viewport: { width: vw, height: vh }, colorScheme: scheme, deviceScaleFactor: 1 });
      await signIn(page, server, maria);
      await page.getByRole('button', { name: 'People' }).click();
      const people = page.getByRole('region', { name: 'People' });
      await people.getByRole('combobox', { name: 'Region' }).selectOption('West');
      await people.getByRole('combobox', { name: 'Focus' }).selectOption('housing');
      await people.getByRole('status').filter({ hasText: /found/ }).waitFor();
      await page.waitForTimeout(300);
      await page.screenshot({ path: name('directory') });
      await people.getByRole('button', { name: 'Introduce' }).first().click();
      const dlg = page.getByRole('dialog', { name: 'Introduce' });
      await dlg.getByRole('combobox', { name: 'Introduce to' }).fill('sam');
      await dlg.getByRole('textbox', { name: 'Note' }).fill('You both work on housing budgets; worth a call.');
      await page.waitForTimeout(400);
      await page.screenshot({ path: name('introduce') });
      await dlg.getByRole('button', { name: 'Close' }).click();
      await people.getByRole('button', { name: 'Close' }).click();
      await page.getByRole('button', { name: 'Network health' }).click();
      const health = page.getByRole('region', { name: 'Network health' });
      await health.getByRole('table').first().waitFor({ timeout: 60000 });
      await page.waitForTimeout(300);
      await page.screenshot({ path: name('health') });
      await page.screenshot({ path: name('health-full'), fullPage: true });
      await health.locator('.chart-card').first().screenshot({ path: name('health-chart') });
      await context.close();

      ({ context, page } = await newPage(browser, { viewport: { width: vw, height: vh }, colorScheme: scheme, deviceScaleFactor: 1 }));
      await signIn(page, server, sam);
      await page.getByRole('button', { name: /^Introductions/ }).click();
      await page.getByRole('region', { name: 'Introductions' }).getByRole('button', { name: 'Accept' }).waitFor();
      await page.waitForTimeout(300);
      await page.screenshot({ path: name('introductions') });
      await page.getByRole('region', { name: 'Introductions' }).getByRole('button', { name: 'Close' }).click();
      await page.getByRole('button', { name: 'Settings' }).click();
      const about = page.getByRole('dialog', { name: 'Settings' }).getByRole('region', { name: 'About you' });
      await about.getByRole('textbox', { name: 'Focus' }).waitFor();
      await page.waitForFunction(() => [...document.querySelectorAll('dialog input')].some((i) => i.value === 'Atlanta'));
      await about.scrollIntoViewIfNeeded();
      await page.screenshot({ path: name('settings-profile') });
      await context.close();
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
console.log(`screenshots in ${out}`);
