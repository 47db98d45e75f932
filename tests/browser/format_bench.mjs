// Timings of the message formatter in Chromium (not a test: the pass/fail
// checks count work instead, in format_fuzz.test.js). For each adversarial
// family of tests/browser/format_props.js, the time to render 50 bodies of
// 1,000 and of 4,000 characters (the best of 5 tries, the sizes taken in
// turn, since a shared machine is noisy); then random bodies per second.
//   WEFTD=build-tests/weftd node tests/browser/format_bench.mjs
import { startServer } from '../lib/harness.js';
import { launch, newPage } from './lib.js';
import { FAMILIES, familyBody, randomBody } from './format_props.js';

const server = await startServer();
const browser = await launch();
try {
  const { page } = await newPage(browser);
  await page.goto(server.origin);
  await page.getByLabel('Username').waitFor();
  const time = (bodies) => page.evaluate(async (list) => {
    const { renderBody } = await import('/js/format.js');
    const div = document.createElement('div');
    div.replaceChildren(renderBody(list[0])); // warm up
    const t0 = performance.now();
    for (const b of list) div.replaceChildren(renderBody(b));
    return performance.now() - t0;
  }, bodies);
  console.log('family                         50 x 1,000 ch   50 x 4,000 ch');
  for (const f of Object.keys(FAMILIES)) {
    let a = Infinity;
    let b = Infinity;
    for (let k = 0; k < 5; k++) {
      a = Math.min(a, await time(Array(50).fill(familyBody(f, 1000))));
      b = Math.min(b, await time(Array(50).fill(familyBody(f, 4000))));
    }
    console.log(`${f.padEnd(30)} ${a.toFixed(1).padStart(10)} ms ${b.toFixed(1).padStart(12)} ms`);
  }
  const bodies = Array.from({ length: 20000 }, (_, i) => randomBody(1, i));
  const ms = await time(bodies);
  const chars = bodies.reduce((s, b) => s + b.length, 0);
  console.log(`random: ${bodies.length} bodies (${chars} characters) in ${ms.toFixed(0)} ms: ` +
    `${Math.round(bodies.length / (ms / 1000))} bodies/s`);
} finally {
  await browser.close();
  await server.stop();
}
