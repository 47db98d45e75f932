// Screenshots of the web client for review by eye (not a test).
//   node tests/browser/screenshots.mjs [outdir]     (default /tmp/weft-shots)
// Starts a real weftd (WEFTD or build/weftd), seeds a few channels and
// messages, and captures sign-in, sign-up (set a password from a one-time
// link, and a used link), a channel with messages, the create-channel dialog,
// the People (admin) dialog with a new sign-up link, the members list with
// moderation tools, channel settings, an archived channel and the mobile
// drawer at 1280x800 and 360x780, light and dark.
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, waitForConn, log, makeChannel } from './lib.js';

const out = process.argv[2] || '/tmp/weft-shots';
fs.mkdirSync(out, { recursive: true });

const server = await startServer();
const browser = await launch();
try {
  const ana = await server.user('ana', { display: 'Ana Bell', admin: true });
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
  await makeChannel(server, ana, 'archive-2025', { kind: 'cohort', access: 'open', members: [bo] });
  const admin = await server.connect(ana.token);
  const profiles = [
    ['dana', 'Dana Ortiz', 'City of Oakland', 'Bay Area', 'Equity Program Manager'],
    ['eli', 'Eli Nakamura', 'King County', 'Pacific Northwest', 'Senior Policy Analyst, Office of Equity and Social Justice'],
    ['marisol', 'Marisol Vega-Alvarado', 'State of New Mexico', 'Southwest', 'Racial Equity Coordinator'],
  ];
  for (const [name, display, jurisdiction, region, title] of profiles) {
    await admin.request({ type: 'admin.user.create', name, display, jurisdiction, region, title });
  }
  {
    const l = await admin.request({ type: 'channel.list' });
    const arch = l.channels.find((c) => c.name === 'archive-2025');
    await admin.request({ type: 'channel.archive', channel: arch.id, archived: true });
  }
  for (const [who, body] of script) {
    const c = await server.connect(who.token);
    await c.request({ type: 'send', channel: lobby.id, body, client_id: `shot-${Math.random().toString(36).slice(2)}` });
    await c.close();
  }

  for (const [vw, vh, tag] of [[1280, 800, 'desktop'], [360, 780, 'mobile']]) {
    for (const scheme of ['light', 'dark']) {
      const name = (what) => path.join(out, `${what}-${tag}-${scheme}.png`);
      const { context, page } = await newPage(browser, { viewport: { width: vw, height: vh }, colorScheme: scheme, deviceScaleFactor: 1 });
      // Sign-up from a one-time link: the form, a validation error, a used link.
      const made = await admin.request({ type: 'admin.user.create', name: `new-${tag}-${scheme}`, display: 'Jo Rivera' });
      await page.goto(`${server.origin}/${new URL(made.signup_url).hash}`);
      await page.getByRole('heading', { name: 'Set your password' }).waitFor();
      await page.screenshot({ path: name('signup') });
      await page.getByLabel('New password').fill('a long passphrase');
      await page.getByLabel('Confirm password').fill('a long passfrase');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByRole('alert').waitFor();
      await page.screenshot({ path: name('signup-mismatch') });
      await page.goto('about:blank');
      await page.goto(`${server.origin}/#signup=not-a-real-token`);
      await page.getByLabel('New password').fill('a long passphrase');
      await page.getByLabel('Confirm password').fill('a long passphrase');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByRole('button', { name: 'Go to sign in' }).waitFor();
      await page.screenshot({ path: name('signup-used') });
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

      // Members with moderation tools, and channel settings (Ana owns the lobby).
      if (tag === 'mobile') { await page.keyboard.press('Escape'); await page.waitForTimeout(300); }
      await page.getByRole('button', { name: 'Members' }).click();
      await page.getByRole('dialog', { name: /Members of/ }).getByText('3 members').waitFor();
      await page.waitForTimeout(200);
      await page.screenshot({ path: name('members') });
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Channel options' }).click();
      await page.getByRole('menuitem', { name: 'Channel settings' }).click();
      await page.getByRole('dialog', { name: /Channel settings/ }).waitFor();
      await page.waitForTimeout(200);
      await page.screenshot({ path: name('settings') });
      await page.keyboard.press('Escape');

      // An archived channel: a notice instead of the composer.
      await page.goto(`${server.origin}/#/c/${(await (async () => { const l = await admin.request({ type: 'channel.list' }); return l.channels.find((c) => c.name === 'archive-2025').id; })())}`);
      await page.getByText(/This channel is archived/).waitFor();
      await page.waitForTimeout(500);
      await page.screenshot({ path: name('archived') });

      // The People (admin) dialog: search, then create an account.
      await page.getByRole('button', { name: 'People', exact: true }).click();
      // People is the directory (issue 17); an admin's account tools are inside it.
      await page.getByRole('region', { name: 'People' }).getByRole('button', { name: 'Account tools' }).click();
      const people = page.getByRole('dialog', { name: 'People' });
      await people.getByLabel('Search people').fill('a');
      await people.getByText(/people found/).waitFor();
      await page.waitForTimeout(200);
      await page.screenshot({ path: name('admin') });
      await people.getByRole('button', { name: 'Create an account' }).click();
      await people.getByLabel('Username').fill(`kay-${tag}-${scheme}`);
      await people.getByLabel('Display name').fill('Kay Osei');
      await people.getByLabel('Jurisdiction').fill('City of Durham');
      await people.getByLabel('Region').fill('Southeast');
      await people.getByLabel('Role title').fill('Budget Equity Lead');
      await page.screenshot({ path: name('admin-create') });
      await people.getByRole('button', { name: 'Create account' }).click();
      await people.getByText(/Account created/).waitFor();
      await page.waitForTimeout(200);
      await page.screenshot({ path: name('admin-link') });
      await page.keyboard.press('Escape');
      await waitForConn(page, 'Live');
      await context.close();
    }
  }
  console.log(`screenshots in ${out}: ${fs.readdirSync(out).filter((f) => f.endsWith('.png')).join(' ')}`);
  await admin.close();
} finally {
  await browser.close();
  await server.stop();
}
