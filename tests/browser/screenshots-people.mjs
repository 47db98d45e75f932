// Screenshots of the people views (issue 13) for review by eye, not a test:
//   node tests/browser/screenshots-people.mjs [outdir] [filter, e.g. phone-dark]
// someone typing and mentions, @ completion, the channel list's badges (the
// drawer on a phone), the channel menu, a profile card, members with presence,
// Settings, the quick switcher, the group DM picker, the shortcut sheet and the
// first-run page, at 1280x800 and 390x844, light and dark.
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, makeChannel, log, composer, message, nav } from './lib.js';

const out = process.argv[2] || '/tmp/weft-shots-people';
const only = process.argv[3] || '';
fs.mkdirSync(out, { recursive: true });
const server = await startServer();
const browser = await launch();
try {
  const ana = await server.user('ana', { display: 'Ana Bell', admin: true });
  const bo = await server.user('bo', { display: 'Bo Chen' });
  const cy = await server.user('cy', { display: 'Cy Okafor' });
  const admin = await server.connect(ana.token);
  for (const [name, display, jurisdiction, region, title] of [
    ['dana', 'Dana Ortiz', 'City of Oakland', 'Bay Area', 'Equity Program Manager'],
    ['eli', 'Eli Nakamura', 'King County', 'Pacific Northwest', 'Senior Policy Analyst, Office of Equity and Social Justice'],
    ['bob', 'Bob Diaz', 'State of New Mexico', 'Southwest', 'Racial Equity Coordinator'],
  ]) await admin.request({ type: 'admin.user.create', name, display, jurisdiction, region, title });
  const lobby = await makeChannel(server, ana, 'practice-lobby', { kind: 'cohort', members: [bo, cy] });
  await admin.request({ type: 'channel.update', channel: lobby.id, topic: 'Weekly practice lobby for the 2026 cohort: agendas, notes, questions between sessions, and links to the shared drive for every working group.' });
  await makeChannel(server, ana, 'housing-equity', { kind: 'caucus', access: 'request', members: [] });
  await makeChannel(server, bo, 'budget-tools', { kind: 'team', access: 'open', members: [ana] });
  const arch = await makeChannel(server, ana, 'archive-2025', { kind: 'cohort', access: 'open', members: [bo] });
  await admin.request({ type: 'channel.archive', channel: arch.id, archived: true });
  const script = [
    [ana, 'Good morning, everyone! Welcome to the practice lobby.'],
    [bo, 'Thanks Ana. I pulled the **equity impact** numbers for the transit budget.'],
    [cy, '@ana could you share the agenda before Thursday? @bo has the numbers.'],
    [bo, 'Sure, @cy. I will post them here.'],
  ];
  for (const [who, body] of script) {
    const c = await server.connect(who.token);
    await c.request({ type: 'send', channel: lobby.id, body, client_id: `shot-${Math.random().toString(36).slice(2)}` });
    await c.close();
  }
  // A group DM and a mention elsewhere for the badge.
  const b = await server.connect(bo.token);
  await b.request({ type: 'dm.open', users: [ana.id] });
  const budget = (await b.request({ type: 'channel.list' })).channels.find((c) => c.name === 'budget-tools');
  await b.request({ type: 'send', channel: budget.id, body: '@ana the draft is ready for review', client_id: 'm1' });
  await b.close();
  // Bo stays online for presence and typing.
  const B = await newPage(browser);
  await signIn(B.page, server, bo);

  for (const [vw, vh, tag] of [[1280, 800, 'desktop'], [390, 844, 'phone']]) {
    for (const scheme of ['light', 'dark']) {
      if (only && !`${tag}-${scheme}`.includes(only)) continue;
      const name = (what) => path.join(out, `${what}-${tag}-${scheme}.png`);
      const { context, page } = await newPage(browser, { viewport: { width: vw, height: vh }, colorScheme: scheme, deviceScaleFactor: 1 });
      await signIn(page, server, ana);
      await page.goto(`${server.origin}/#/c/${lobby.id}`);
      await log(page).getByText('has the numbers').waitFor();
      await page.waitForTimeout(500);
      // Someone typing, a mention of me.
      await B.page.goto(`${server.origin}/#/c/${lobby.id}`);
      await B.page.getByRole('heading', { level: 1 }).waitFor();
      await composer(B.page).pressSequentially('let me chec', { delay: 10 });
      await page.getByRole('status').filter({ hasText: /typing…/ }).waitFor();
      await page.screenshot({ path: name('mention-typing') });
      await composer(B.page).fill('');
      // Autocomplete.
      await composer(page).focus();
      await composer(page).pressSequentially('Thanks @b');
      await page.getByRole('listbox', { name: 'People to mention' }).waitFor();
      await page.screenshot({ path: name('autocomplete') });
      await page.keyboard.press('Escape');
      await composer(page).fill('');
      // Sidebar with badges (drawer on the phone).
      if (tag === 'phone') {
        await page.getByRole('button', { name: 'Show channels' }).click();
        await page.waitForTimeout(300);
        await page.screenshot({ path: name('sidebar') });
        await page.keyboard.press('Escape');
        await page.waitForTimeout(300);
      }
      // Channel menu and the full topic.
      await page.getByRole('button', { name: 'Full topic' }).click().catch(() => {});
      await page.getByRole('button', { name: 'Channel options' }).click();
      await page.waitForTimeout(100);
      await page.screenshot({ path: name('menu') });
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Full topic' }).click().catch(() => {});
      // Profile card.
      await message(page, 'Sure, @cy. I will post them here.').getByRole('button', { name: 'Bo Chen' }).click();
      await page.getByRole('dialog', { name: 'Bo Chen' }).getByText('Online').waitFor();
      await page.waitForTimeout(300);
      await page.screenshot({ path: name('profile') });
      await page.keyboard.press('Escape');
      // Members with presence.
      await page.getByRole('button', { name: 'Members' }).click();
      await page.getByRole('dialog', { name: /Members of/ }).getByText('3 members').waitFor();
      await page.waitForTimeout(300);
      await page.screenshot({ path: name('members') });
      await page.keyboard.press('Escape');
      // Settings.
      await page.getByRole('button', { name: 'Settings', exact: true }).click();
      await page.getByRole('dialog', { name: 'Settings' }).waitFor();
      await page.waitForTimeout(200);
      await page.screenshot({ path: name('settings') });
      await page.keyboard.press('Escape');
      // Quick switcher.
      await page.keyboard.press('Control+k');
      await page.keyboard.type('b');
      await page.getByRole('option').first().waitFor();
      await page.waitForTimeout(400);
      await page.screenshot({ path: name('switcher') });
      await page.keyboard.press('Escape');
      // Group DM picker.
      if (tag === 'phone') { await page.getByRole('button', { name: 'Show channels' }).click(); await page.waitForTimeout(300); }
      await page.getByRole('button', { name: 'New direct message' }).click();
      const dlg = page.getByRole('dialog', { name: 'New direct message' });
      await dlg.getByLabel('Find people').fill('bo');
      await dlg.getByRole('button', { name: 'Add Bo Chen' }).click();
      await dlg.getByLabel('Find people').fill('e');
      await dlg.getByRole('button', { name: 'Add Eli Nakamura' }).click();
      await page.waitForTimeout(300);
      await page.screenshot({ path: name('groupdm') });
      await dlg.getByRole('button', { name: 'Close' }).click();
      if (tag === 'phone') { await page.keyboard.press('Escape'); await page.waitForTimeout(300); }
      // Shortcut sheet.
      await page.getByRole('log').focus();
      await page.keyboard.press('?');
      await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
      await page.screenshot({ path: name('shortcuts') });
      await page.keyboard.press('Escape');
      await context.close();
    }
  }
  // First run.
  for (const [vw, vh, tag] of [[1280, 800, 'desktop'], [390, 844, 'phone']]) {
    for (const scheme of ['light', 'dark']) {
      if (only && !`${tag}-${scheme}`.includes(only)) continue;
      const u = await server.user(`new${tag}${scheme}`, { display: 'Nia Admin', admin: true });
      const { context, page } = await newPage(browser, { viewport: { width: vw, height: vh }, colorScheme: scheme, deviceScaleFactor: 1 });
      await signIn(page, server, u);
      await page.getByText(/not in any channels yet/).waitFor();
      await page.screenshot({ path: path.join(out, `firstrun-${tag}-${scheme}.png`) });
      await context.close();
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
