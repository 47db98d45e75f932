// Message text is text: markup renders literally, no dialog fires, and only
// http(s) links become links (opened safely in a new tab).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, log, send, message, makeChannel, openChannel, assertNoProblems, renderCases } from './lib.js';

let server;
let browser;
let ana;
let bo;
let channel;

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: '<b>Bo</b> <img src=x onerror=alert(2)>' });
  channel = await makeChannel(server, ana, 'xss-room', { members: [bo] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('markup in messages renders as literal text and runs nothing', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server, ana);
  await openChannel(page, 'xss-room');
  const evil = '<img src=x onerror=alert(1)>';
  await send(page, evil);
  await message(page, evil).and(page.locator('[data-id]')).waitFor();

  // Another author's message (and display name) with markup, sent over the wire.
  const c = await server.connect(bo.token);
  await c.request({ type: 'send', channel: channel.id, client_id: 'x1',
    body: '<script>alert(3)</script> **bold** *it* `<i>code</i>` javascript:alert(4) https://example.org/a?b=1&c=2.' });
  await c.close();
  const theirs = message(page, '<script>alert(3)</script>', { exact: false });
  await theirs.waitFor();
  await page.waitForTimeout(300);

  const mine = message(page, evil);
  assert.equal(await mine.locator('.msg-body').textContent(), evil);
  assert.equal(await log(page).locator('img, script, iframe, object').count(), 0);
  assert.match(await theirs.textContent(), /<b>Bo<\/b> <img src=x onerror=alert\(2\)>/);
  assert.equal(await theirs.locator('strong').textContent(), 'bold');
  assert.equal(await theirs.locator('em').textContent(), 'it');
  assert.equal(await theirs.locator('code').textContent(), '<i>code</i>');
  const links = theirs.getByRole('link');
  assert.equal(await links.count(), 1);
  assert.equal(await links.getAttribute('href'), 'https://example.org/a?b=1&c=2');
  assert.equal(await links.getAttribute('target'), '_blank');
  assert.equal(await links.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await page.evaluate(() => document.querySelectorAll('[onerror], [onclick]').length), 0);
  assertNoProblems(page); // no dialog fired, no CSP violation, no page error
  await context.close();
});

test('the formatting subset is built from DOM nodes', async () => {
  const { context, page } = await newPage(browser);
  await page.goto(server.origin);
  await page.getByLabel('Username').waitFor();
  const cases = {
    'plain <b>text</b>': '<p>plain &lt;b&gt;text&lt;/b&gt;</p>',
    '**bold** and *it* and `a*b*c`': '<p><strong>bold</strong> and <em>it</em> and <code>a*b*c</code></p>',
    '> quoted <i>\n> two\nafter': '<blockquote>quoted &lt;i&gt;<br>two</blockquote><p>after</p>',
    '```\n<script>x</script>\n**no**\n```': '<pre class="code-block"><code>&lt;script&gt;x&lt;/script&gt;\n**no**</code></pre>',
    'see https://example.org/x_(y). ok': '<p>see <a href="https://example.org/x_(y)" target="_blank" rel="noopener noreferrer">https://example.org/x_(y)</a>. ok</p>',
    'javascript:alert(1) data:text/html,x ftp://x': '<p>javascript:alert(1) data:text/html,x ftp://x</p>',
    '**https://example.org**': '<p><strong><a href="https://example.org/" target="_blank" rel="noopener noreferrer">https://example.org</a></strong></p>',
    'a\nb': '<p>a<br>b</p>',
    '2 * 3 * 4': '<p>2 * 3 * 4</p>',
  };
  const got = await renderCases(page, Object.keys(cases));
  for (const [input, html] of Object.entries(cases)) assert.equal(got[input], html, `formatting ${JSON.stringify(input)}`);
  assertNoProblems(page);
  await context.close();
});
