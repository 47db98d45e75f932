// Mentions from end to end, with two people: "@" in the message box offers
// the channel's members (keyboard only), the mention is highlighted for
// both (stronger for the one mentioned), the other channel's link counts it
// ("N mentions") and so does the tab title, and a hidden page shows a
// browser notification, which is asked for only from Settings, never on
// load. A muted channel neither notifies nor shows badges.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, nav, log, composer, send, message, makeChannel, openChannel, until, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;
let bo;

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  await server.user('bob', { display: 'Bob Diaz' });
  await makeChannel(server, ana, 'lobby', { members: [bo] });
  await makeChannel(server, bo, 'quiet', { members: [ana] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// Records every Notification the page constructs and every permission
// request, and lets the test hide the page (document.hidden).
function fakeNotifications() {
  window.__notes = [];
  window.__asked = 0;
  const Real = window.Notification;
  class Recorded {
    constructor(title, opts = {}) { window.__notes.push({ title, body: opts.body, tag: opts.tag }); }
    close() {}
    static get permission() { return Real ? Real.permission : 'default'; }
    static requestPermission() { window.__asked += 1; return Real ? Real.requestPermission() : Promise.resolve('default'); }
  }
  window.Notification = Recorded;
  let hidden = false;
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  window.__setHidden = (v) => { hidden = v; document.dispatchEvent(new Event('visibilitychange')); };
}

test('@ completion by keyboard, highlighted mentions, badge, title and a notification', async () => {
  const A = await newPage(browser);
  const B = await newPage(browser);
  await B.context.grantPermissions(['notifications'], { origin: server.origin });
  await B.context.addInitScript(fakeNotifications);
  await signIn(A.page, server, ana);
  await signIn(B.page, server, bo);
  await openChannel(A.page, 'lobby');
  await openChannel(B.page, 'quiet');
  assert.equal(await B.page.evaluate(() => window.__asked), 0, 'no permission asked on load');

  // "@b" offers Bo Chen and Bob Diaz? Only members: Bob is not in #lobby.
  const box = composer(A.page);
  await box.pressSequentially('thanks @b');
  const list = A.page.getByRole('listbox', { name: 'People to mention' });
  await list.waitFor();
  assert.deepEqual(await list.getByRole('option').allTextContents(), ['Bo Chen@bo']);
  assert.equal(await box.getAttribute('aria-activedescendant'), await list.getByRole('option').first().getAttribute('id'));
  assert.equal(await list.getByRole('option', { selected: true }).count(), 1);
  // Escape closes the list and keeps the text; typing on opens it again.
  await A.page.keyboard.press('Escape');
  await list.waitFor({ state: 'hidden' });
  assert.equal(await box.inputValue(), 'thanks @b');
  await A.page.keyboard.press('Backspace');
  await A.page.keyboard.type('B');
  await list.waitFor();
  await A.page.keyboard.press('ArrowDown');
  await A.page.keyboard.press('Tab');
  assert.equal(await box.inputValue(), 'thanks @bo ');
  await list.waitFor({ state: 'hidden' });
  assert.equal(await A.page.evaluate(() => document.activeElement?.id), 'composer-input', 'focus stays in the box');

  // Sent while Bo's page is hidden: a notification, the badge, the title.
  await B.page.evaluate(() => window.__setHidden(true));
  await A.page.keyboard.type('for the notes');
  await A.page.keyboard.press('Enter');
  const sent = message(A.page, 'thanks @bo for the notes').and(A.page.locator('[data-id]'));
  await sent.waitFor();
  // Highlighted for the author too, but not as "me".
  await sent.locator('.mention').filter({ hasText: '@bo' }).waitFor();
  assert.equal(await sent.locator('mark.mention-me').count(), 0);

  const link = nav(B.page).getByRole('link', { name: /lobby/ });
  await until(async () => /1 mentions/.test(await link.evaluate((el) => el.textContent)), { what: 'mention badge' });
  assert.match(await link.evaluate((el) => el.textContent.replace(/\s+/g, ' ')), /lobby.*1 mentions.* 1 unread/);
  await nav(B.page).getByRole('link', { name: /lobby.*1 mentions/ }).waitFor();
  await until(async () => /1 mention\b/.test(await B.page.title()), { what: 'title counts the mention' });
  const notes = await until(async () => { const n = await B.page.evaluate(() => window.__notes); return n.length ? n : null; }, { what: 'a notification' });
  assert.equal(notes.length, 1);
  assert.equal(notes[0].title, 'Ana Bell mentioned you in #lobby');

  // Opening the channel reads it: the badge and the title count go.
  await B.page.evaluate(() => window.__setHidden(false));
  await openChannel(B.page, 'lobby');
  const got = message(B.page, 'thanks @bo for the notes');
  await got.locator('mark.mention-me').filter({ hasText: '@bo' }).waitFor();
  await until(async () => !/mention/.test(await link.evaluate((el) => el.textContent)), { what: 'badge cleared' });
  await until(async () => !/mention/.test(await B.page.title()), { what: 'title cleared' });

  // Muted (from the channel's menu): no notification, no badge.
  await B.page.getByRole('button', { name: 'Channel options' }).click();
  await B.page.getByRole('menuitem', { name: 'Mute notifications' }).click();
  await nav(B.page).getByRole('link', { name: /lobby.*muted/ }).waitFor();
  await openChannel(B.page, 'quiet');
  await B.page.evaluate(() => window.__setHidden(true));
  await send(A.page, '@bo one more thing');
  await message(A.page, '@bo one more thing').and(A.page.locator('[data-id]')).waitFor();
  await B.page.waitForTimeout(800);
  assert.equal((await B.page.evaluate(() => window.__notes)).length, 1, 'a muted channel does not notify');
  assert.doesNotMatch(await link.evaluate((el) => el.textContent), /mentions|unread/);
  assert.doesNotMatch(await B.page.title(), /mention|\(/);

  assert.equal(await B.page.evaluate(() => window.__asked), 0, 'still never asked without the button');
  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});

test('Settings asks for permission only with its button; DMs notify when hidden', async () => {
  const A = await newPage(browser);
  const B = await newPage(browser);
  await B.context.addInitScript(fakeNotifications);
  await signIn(A.page, server, ana);
  await signIn(B.page, server, bo);
  // A direct message from Ana to Bo.
  const c = await server.connect(ana.token);
  const dm = await c.request({ type: 'dm.open', users: [bo.id] });
  await c.close();
  await nav(B.page).getByRole('link', { name: /Ana Bell/ }).waitFor();

  await B.page.getByRole('button', { name: 'Settings', exact: true }).click();
  const dlg = B.page.getByRole('dialog', { name: 'Settings' });
  await dlg.getByRole('radio', { name: /Mentions and direct messages/ }).waitFor();
  assert.equal(await dlg.getByRole('radio', { name: /Mentions and direct messages/ }).isChecked(), true);
  assert.equal(await B.page.evaluate(() => window.__asked), 0);
  await dlg.getByRole('button', { name: 'Allow browser notifications' }).click();
  await until(() => B.page.evaluate(() => window.__asked === 1), { what: 'permission asked' });
  await dlg.getByRole('button', { name: 'Close' }).click();

  await B.context.grantPermissions(['notifications'], { origin: server.origin });
  await B.page.evaluate(() => window.__setHidden(true));
  await openChannel(A.page, 'Bo Chen');
  await send(A.page, 'are you free at 3?');
  const notes = await until(async () => { const n = await B.page.evaluate(() => window.__notes); return n.length ? n : null; }, { what: 'a DM notification' });
  assert.deepEqual(notes.map((n) => [n.title, n.body]), [['Ana Bell', 'are you free at 3?']]);
  assert.ok(dm.channel.id);

  // "Nothing" turns them off.
  await B.page.evaluate(() => window.__setHidden(false));
  await B.page.getByRole('button', { name: 'Settings', exact: true }).click();
  await dlg.getByRole('radio', { name: /Nothing/ }).check();
  await dlg.getByRole('button', { name: 'Close' }).click();
  await B.page.evaluate(() => window.__setHidden(true));
  await send(A.page, 'never mind');
  await message(A.page, 'never mind').and(A.page.locator('[data-id]')).waitFor();
  await B.page.waitForTimeout(800);
  assert.equal((await B.page.evaluate(() => window.__notes)).length, 1);
  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});

test('mentions render only as DOM nodes, and only for those mentioned', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server, ana);
  await log(page).waitFor();
  const out = await page.evaluate(async () => {
    const { renderBody } = await import('/js/format.js');
    const mention = (name) => ({ bo: 'other', ana: 'me' }[name] || null);
    const cases = ['hi @bo.', 'mail ana@bo.org', '**@ana** and `@bo`', '@nobody @Bo', '<b>@bo</b>'];
    const res = {};
    for (const c of cases) {
      const div = document.createElement('div');
      div.append(renderBody(c, { mention }));
      res[c] = div.innerHTML;
    }
    // Linear: a long run of "@" and name characters.
    const t0 = performance.now();
    for (let n = 0; n < 50; n++) renderBody('@a'.repeat(2000), { mention });
    for (let n = 0; n < 50; n++) renderBody(`@${'a.'.repeat(2000)}`, { mention });
    res.ms = performance.now() - t0;
    return res;
  });
  assert.equal(out['hi @bo.'], '<p>hi <span class="mention">@bo</span>.</p>');
  assert.equal(out['mail ana@bo.org'], '<p>mail ana@bo.org</p>');
  assert.equal(out['**@ana** and `@bo`'], '<p><strong><mark class="mention mention-me">@ana</mark></strong> and <code>@bo</code></p>');
  assert.equal(out['@nobody @Bo'], '<p>@nobody <span class="mention">@Bo</span></p>');
  assert.equal(out['<b>@bo</b>'], '<p>&lt;b&gt;<span class="mention">@bo</span>&lt;/b&gt;</p>');
  assert.ok(out.ms < 2000, `took ${Math.round(out.ms)} ms`);
  assertNoProblems(page);
  await context.close();
});
