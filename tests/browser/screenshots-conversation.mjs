// Screenshots of the conversation views for review by eye (not a test):
//   node tests/browser/screenshots-conversation.mjs [outdir]   (default /tmp/weft-shots-convo)
// A channel with reactions, a thread, pins, the New messages line and a
// joined line; the thread panel, the reaction picker, the Pins panel and the
// message menu, at 1280x800 and 390x844, light and dark.
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, log, makeChannel } from './lib.js';

const out = process.argv[2] || '/tmp/weft-shots-convo';
fs.mkdirSync(out, { recursive: true });

const server = await startServer();
const browser = await launch();
try {
  const ana = await server.user('ana', { display: 'Ana Bell' });
  const bo = await server.user('bo', { display: 'Bo Chen' });
  const cy = await server.user('cy', { display: 'Cy Okafor' });
  const lobby = await makeChannel(server, ana, 'practice-lobby', { members: [bo] });
  const conns = { ana: await server.connect(ana.token), bo: await server.connect(bo.token), cy: await server.connect(cy.token) };
  let n = 0;
  const say = async (who, body, extra = {}) => (await conns[who].request({ type: 'send', channel: lobby.id, body, client_id: `s${++n}`, ...extra })).id;
  const react = (who, id, emoji) => conns[who].request({ type: 'react', channel: lobby.id, id, emoji, on: true });
  await conns.cy.request({ type: 'channel.join', channel: lobby.id });
  const agenda = await say('ana', 'Agenda for Thursday is in the shared folder: https://example.org/agenda');
  await react('bo', agenda, '👍');
  await react('cy', agenda, '👍');
  await react('bo', agenda, '🙏');
  await conns.ana.request({ type: 'pin', channel: lobby.id, id: agenda, pinned: true });
  const q = await say('bo', 'I pulled the **equity impact** numbers for the transit budget. Which neighborhoods should we start with?');
  await say('ana', 'East side first: that is where service hours dropped the most.', { thread: q });
  await say('bo', 'Agreed. I will draft the summary table tonight.', { thread: q });
  const hi = await say('cy', 'Hi all, Cy here from the fellows cohort. Glad to join!');
  await react('ana', hi, '🎉');
  await react('bo', hi, '👋');
  const notes = await say('bo', 'Notes from the last session: `rider_income` by tract is now in the table.');
  await conns.ana.request({ type: 'pin', channel: lobby.id, id: notes, pinned: true });

  for (const [vw, vh, tag] of [[1280, 800, 'desktop'], [390, 844, 'phone']]) {
    for (const scheme of ['light', 'dark']) {
      const shot = (what) => path.join(out, `${what}-${tag}-${scheme}.png`);
      const { context, page } = await newPage(browser, { viewport: { width: vw, height: vh }, colorScheme: scheme, deviceScaleFactor: 1, hasTouch: tag === 'phone', isMobile: tag === 'phone' });
      await signIn(page, server, ana);
      await page.goto(`${server.origin}/#/c/${lobby.id}`);
      await log(page).getByText('Glad to join').waitFor();
      // Something new since Ana last read, so the New messages line shows.
      await say('bo', `New since you looked (${tag} ${scheme}): the draft table is attached to the thread.`);
      await page.goto(`${server.origin}/#/c/${lobby.id}`);
      await page.reload();
      await log(page).getByText(`(${tag} ${scheme})`).waitFor();
      await page.waitForTimeout(800);
      await page.screenshot({ path: shot('stream') });

      // The message menu.
      const msg = log(page).getByRole('article').filter({ hasText: 'Glad to join' });
      await msg.hover().catch(() => {});
      await msg.getByRole('button', { name: 'More actions' }).click();
      await page.getByRole('menu').waitFor();
      await page.waitForTimeout(200);
      await page.screenshot({ path: shot('menu') });
      await page.keyboard.press('Escape');

      // The thread panel.
      await log(page).getByRole('button', { name: '2 replies' }).click();
      const thread = page.getByRole('region', { name: 'Thread', exact: true });
      await thread.getByText('summary table tonight').waitFor();
      await thread.getByRole('textbox', { name: 'Reply' }).fill('Thanks, both!');
      await page.waitForTimeout(300);
      await page.screenshot({ path: shot('thread') });
      await thread.getByRole('textbox', { name: 'Reply' }).fill('');
      await page.keyboard.press('Escape');

      // The reaction picker, searched.
      await msg.getByRole('button', { name: 'More actions' }).click();
      await page.getByRole('menuitem', { name: 'Add reaction' }).click();
      const picker = page.getByRole('dialog', { name: 'Add reaction' });
      await picker.waitFor();
      await page.waitForTimeout(200);
      await page.screenshot({ path: shot('picker') });
      await picker.getByRole('searchbox', { name: 'Search emoji' }).fill('heart');
      await page.waitForTimeout(200);
      await page.screenshot({ path: shot('picker-search') });
      await picker.getByRole('button', { name: 'Close' }).click();

      // Pins.
      await page.getByRole('button', { name: 'Pins', exact: true }).click();
      await page.getByRole('region', { name: 'Pins' }).getByText('rider_income').waitFor();
      await page.waitForTimeout(300);
      await page.screenshot({ path: shot('pins') });
      await context.close();
    }
  }
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  await server.stop();
}
