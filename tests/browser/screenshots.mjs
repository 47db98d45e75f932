// Screenshots of the web client for review by eye (not a test).
//   node tests/browser/screenshots.mjs [outdir]     (default /tmp/weft-shots)
// Starts a real weftd (WEFTD or build/weftd), seeds a few channels and
// messages, and captures sign-in, a channel with messages, the create-channel
// dialog and the mobile drawer at 1280x800 and 390x844, light and dark.
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, waitForConn, log, makeChannel } from './lib.js';

const out = process.argv[2] || '/tmp/weft-shots';
fs.mkdirSync(out, { recursive: true });

const server = await startServer();
const browser = await launch();
try {
  const ana = await server.user('ana', { display: 'Ana Bell' });
  const bo = await server.user('bo', { display: 'Bo Chen' });
  const cy = await server.user('cy', { display: 'Cy Okafor' });
  const lobby = await makeChannel(server, ana, 'practice-lobby', { kind: 'cohort', members: [bo, cy] });
  await makeChannel(server, ana, 'housing-equity', { kind: 'caucus', access: 'open', members: [bo] });
  await makeChannel(server, bo, 'budget-tools', { kind: 'team', access: 'open', members: [ana] });
  await makeChannel(server, cy, 'fellows-2026', { kind: 'cohort', access: 'open', members: [ana] });

  const script = [
    [ana, 'Good morning, everyone! Welcome to the practice lobby.'],
    [ana, 'Agenda for Thursday is in the shared folder: https://example.org/agenda'],
    [bo, 'Thanks Ana. I pulled the **equity impact** numbers for the transit budget.'],
    [bo, '> Which neighborhoods lost service hours?\nMostly the east side, see the table below.'],
    [bo, '```\nroute  hours_before  hours_after\n12     1,840         1,210\n47     2,020         1,950\n```'],
    [cy, 'This is *really* helpful. Could we add the `rider_income` column next time?'],
    [ana, 'Yes, I will ask the data team.'],
  ];
  for (const [who, body] of script) {
    const c = await server.connect(who.token);
    await c.request({ type: 'send', channel: lobby.id, body, client_id: `shot-${Math.random().toString(36).slice(2)}` });
    await c.close();
  }

  for (const [vw, vh, tag] of [[1280, 800, 'desktop'], [390, 844, 'mobile']]) {
    for (const scheme of ['light', 'dark']) {
      const name = (what) => path.join(out, `${what}-${tag}-${scheme}.png`);
      const { context, page } = await newPage(browser, { viewport: { width: vw, height: vh }, colorScheme: scheme, deviceScaleFactor: 1 });
      await page.goto(server.origin);
      await page.getByLabel('Username').waitFor();
      await page.screenshot({ path: name('signin') });
      await page.getByLabel('Username').fill('ana');
      await page.getByLabel('Password').fill('wrong');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('alert').waitFor();
      await page.screenshot({ path: name('signin-error') });
      await signIn(page, server, ana);
      if (tag === 'mobile') {
        await page.getByRole('button', { name: 'Show channels' }).click();
        await page.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name: /practice-lobby/ }).waitFor();
        await page.waitForTimeout(300);
        await page.screenshot({ path: name('drawer') });
        await page.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name: /practice-lobby/ }).click();
      } else {
        await page.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name: /practice-lobby/ }).click();
      }
      await log(page).getByText('rider_income').waitFor();
      await page.getByLabel('Message', { exact: true }).fill('Drafting a reply…');
      // Let the read marker settle so the open channel shows no unread badge.
      await page.waitForTimeout(700);
      await page.screenshot({ path: name('channel') });
      await page.getByLabel('Message', { exact: true }).fill('');
      if (tag === 'mobile') {
        await page.getByRole('button', { name: 'Show channels' }).click();
        await page.waitForTimeout(300);
      }
      await page.getByRole('button', { name: 'New channel' }).click();
      await page.getByRole('dialog').waitFor();
      await page.waitForTimeout(200);
      await page.screenshot({ path: name('create-channel') });
      await page.keyboard.press('Escape');
      await waitForConn(page, 'Live');
      await context.close();
    }
  }
  console.log(`screenshots in ${out}: ${fs.readdirSync(out).filter((f) => f.endsWith('.png')).join(' ')}`);
} finally {
  await browser.close();
  await server.stop();
}
