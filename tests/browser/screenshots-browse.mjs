// Screenshots of the channel browser with more than one page, for review by
// eye (not a test).
//   node tests/browser/screenshots-browse.mjs [outdir]     (default /tmp/weft-shots)
// Starts a real weftd (WEFTD or build/weftd) with 250 channels of every
// tier (one the viewer is in, one with a request pending, one invitation)
// and captures the dialog at 390x844 (a phone) and 1280x800, light and dark:
// the first page, and after "Show more channels" (focus on the first new
// channel).
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn } from './lib.js';

const out = process.argv[2] || '/tmp/weft-shots';
fs.mkdirSync(out, { recursive: true });

const server = await startServer({ args: ['--channels-per-day', '0', '--rate', '5000', '--burst', '5000'] });
const browser = await launch();
try {
  const ana = await server.user('ana', { display: 'Ana Bell' });
  const bo = await server.user('bo', { display: 'Bo Chen' });
  const a = await server.connect(ana.token, { since: -1 });
  const topics = ['Budget equity tools and templates', '', 'Monthly peer support for new equity officers',
    'Data disaggregation working group: sharing methods, pitfalls and code across jurisdictions'];
  const tiers = [['cohort', 'open'], ['caucus', 'request'], ['team', 'invite']];
  const made = await Promise.all(Array.from({ length: 250 }, (_, i) => {
    const [kind, access] = tiers[i % 3];
    return a.request({ type: 'channel.create', name: `${kind}-${['transit', 'housing', 'health', 'parks', 'water'][i % 5]}-${i}`, kind, access, topic: topics[i % 4] }, { timeout: 60000 });
  }));
  const ch = made.map((r) => r.channel);
  const b = await server.connect(bo.token, { since: -1 });
  await b.request({ type: 'channel.join', channel: ch[0].id });
  await b.request({ type: 'channel.join', channel: ch[1].id, note: 'hello' });
  await a.request({ type: 'channel.invite', channel: ch[2].id, user: bo.id });
  await a.request({ type: 'channel.invite', channel: ch[119].id, user: bo.id });
  await b.close();
  await a.close();

  for (const [vw, vh, tag] of [[390, 844, 'phone'], [1280, 800, 'desktop']]) {
    for (const scheme of ['light', 'dark']) {
      const name = (what) => path.join(out, `${what}-${tag}-${scheme}.png`);
      const { context, page } = await newPage(browser, { viewport: { width: vw, height: vh }, colorScheme: scheme, deviceScaleFactor: 1 });
      await signIn(page, server, bo);
      if (tag === 'phone') await page.getByRole('button', { name: 'Show channels' }).click();
      await page.getByRole('button', { name: 'Browse channels' }).click();
      const dlg = page.getByRole('dialog', { name: 'Browse channels' });
      const more = dlg.getByRole('button', { name: 'Show more channels' });
      await more.waitFor();
      await page.waitForTimeout(200);
      await page.screenshot({ path: name('browse') });
      await more.scrollIntoViewIfNeeded();
      await page.waitForTimeout(100);
      await page.screenshot({ path: name('browse-more-button') });
      await more.focus();
      await page.keyboard.press('Enter');
      await dlg.getByRole('status').filter({ hasText: /Showing all/ }).waitFor();
      await page.waitForTimeout(200);
      await page.screenshot({ path: name('browse-page2') });
      await context.close();
    }
  }
  console.log(`screenshots in ${out}: ${fs.readdirSync(out).filter((f) => f.startsWith('browse')).join(' ')}`);
} finally {
  await browser.close();
  await server.stop();
}
