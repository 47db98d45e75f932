// The message formatter (client-web/js/format.js) in Chromium: crafted
// bodies render in time linear in their length (review finding 8: the old
// per-token regular expressions took 0.2-0.7 s for one 4,000-character body,
// so a page of them froze every member's tab), and the subset's edge cases
// render as they always did.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { launch, newPage, assertNoProblems, renderCases } from './lib.js';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('50 crafted 4,000-character bodies render in linear time', async () => {
  const { context, page } = await newPage(browser);
  await page.goto(server.origin);
  await page.getByLabel('Username').waitFor();
  const ms = await page.evaluate(async () => {
    const { renderBody } = await import('/js/format.js');
    // Many tokens, each with an opener whose close never comes after it: the
    // old renderer rescanned the rest of the body for every token.
    const crafted = ['`a` **b '.repeat(500), '`x` *y **z '.repeat(360)];
    const t0 = performance.now();
    for (let n = 0; n < 50; n++) {
      const div = document.createElement('div');
      div.append(renderBody(crafted[n % crafted.length]));
    }
    return performance.now() - t0;
  });
  // Measured here: 0.22 s; the old renderer took 4.2 s for the same bodies.
  assert.ok(ms < 2000, `50 bodies took ${Math.round(ms)} ms`);
  assertNoProblems(page);
  await context.close();
});

// Long runs of one delimiter, unclosed fences, a URL of closing parens.
test('edge cases of the subset render as before, in linear time', async () => {
  const { context, page } = await newPage(browser);
  await page.goto(server.origin);
  await page.getByLabel('Username').waitFor();
  const cases = {
    '***a***': '<p><strong>*a</strong>*</p>',
    '*a**b*': '<p>*a**b*</p>',
    '`a`b`': '<p><code>a</code>b`</p>',
    'x*y*z': '<p>x*y*z</p>',
    '*a *b*': '<p>*a <em>b</em></p>',
    '**a** **b**': '<p><strong>a</strong> <strong>b</strong></p>',
    'see http://e.org/p)).': '<p>see <a href="http://e.org/p" target="_blank" rel="noopener noreferrer">http://e.org/p</a>)).</p>',
    'HTTPS://E.ORG/x': '<p><a href="https://e.org/x" target="_blank" rel="noopener noreferrer">HTTPS://E.ORG/x</a></p>',
    'a`b\nc`': '<p>a`b<br>c`</p>',
    '**`x`**': '<p><strong><code>x</code></strong></p>',
    '*a`b`c*': '<p><em>a<code>b</code>c</em></p>',
    '```\nx\n```\n```\ny': '<pre class="code-block"><code>x</code></pre><p>```<br>y</p>',
    '> *q*\n`c`': '<blockquote><em>q</em></blockquote><p><code>c</code></p>',
    [`http://x/${')'.repeat(3990)}`]: `<p><a href="http://x/" target="_blank" rel="noopener noreferrer">http://x/</a>${')'.repeat(3990)}</p>`,
    ['```x\n'.repeat(800)]: `<p>${'```x<br>'.repeat(799)}\`\`\`x</p>`,
  };
  const got = await renderCases(page, Object.keys(cases));
  for (const [input, html] of Object.entries(cases)) assert.equal(got[input], html, `formatting ${JSON.stringify(input)}`);
  assertNoProblems(page);
  await context.close();
});
