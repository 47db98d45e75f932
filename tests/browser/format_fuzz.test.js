// A property test of the message formatter (client-web/js/format.js) in
// Chromium, with random and adversarial bodies (tests/browser/format_props.js
// says which properties): it never throws, shows each line's text with only
// its markers removed, builds nothing outside an allow-list of elements and
// attributes, links only to http, https or mailto, and does work linear in
// the body (counted, not timed: timings are in format_bench.mjs).
//
// The run is reproducible: WEFT_FUZZ_SEED (default: a new one, printed)
// and WEFT_FUZZ_RUNS (default 3,000 bodies; the long mode is e.g.
// WEFT_FUZZ_RUNS=1000000). A failure prints the seed, the body's number,
// the body and a shortest failing form of it. WEFT_FORMAT_JS=path serves
// another format.js in its place (to check that the test catches a defect).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from '../lib/harness.js';
import { launch, newPage, assertNoProblems } from './lib.js';
import { randomBody, familyBody, FAMILIES, pageCheck, pageWork } from './format_props.js';

const SEED = process.env.WEFT_FUZZ_SEED ? Number(process.env.WEFT_FUZZ_SEED) >>> 0 : crypto.randomInt(2 ** 32);
const RUNS = Number(process.env.WEFT_FUZZ_RUNS || 3000);
const BATCH = 500;

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

async function formatterPage() {
  const { context, page } = await newPage(browser);
  if (process.env.WEFT_FORMAT_JS) await context.route('**/js/format.js', (r) => r.fulfill({ path: process.env.WEFT_FORMAT_JS }));
  await page.goto(server.origin);
  await page.getByLabel('Username').waitFor();
  return { context, page };
}

// A shorter body that still fails, by deleting ever smaller slices
// (delta debugging, one page round trip per slice size and pass).
async function shrink(page, body) {
  let cur = body;
  for (let size = Math.max(1, cur.length >> 1); size >= 1;) {
    const cands = [];
    for (let at = 0; at < cur.length; at += size) cands.push(cur.slice(0, at) + cur.slice(at + size));
    const { failures } = await page.evaluate(pageCheck, cands);
    if (failures.length) cur = cands[failures[0].i];
    else size >>= 1;
  }
  return cur;
}

const cut = (s) => JSON.stringify(s.length > 300 ? `${s.slice(0, 300)}…` : s);

test(`random and adversarial bodies keep the formatter's promises (seed ${SEED}, ${RUNS} bodies)`, async (t) => {
  t.diagnostic(`WEFT_FUZZ_SEED=${SEED} WEFT_FUZZ_RUNS=${RUNS}`);
  const { context, page } = await formatterPage();
  // The families at a few lengths, then the seeded random bodies.
  const fixed = Object.keys(FAMILIES).flatMap((f) => [1, 2, 3, 7, 64, 4000].map((n) => familyBody(f, n)));
  const first = await page.evaluate(pageCheck, fixed);
  for (const f of first.failures) assert.fail(`family body ${cut(fixed[f.i])}: ${f.message}`);
  let nodes = first.nodes;
  const t0 = Date.now();
  for (let done = 0; done < RUNS; done += BATCH) {
    const bodies = [];
    for (let i = done; i < Math.min(RUNS, done + BATCH); i++) bodies.push(randomBody(SEED, i));
    const r = await page.evaluate(pageCheck, bodies);
    nodes += r.nodes;
    if (r.failures.length) {
      const { i, message } = r.failures[0];
      const small = await shrink(page, bodies[i]);
      const again = (await page.evaluate(pageCheck, [small])).failures[0]?.message;
      assert.fail(`seed ${SEED}, body ${done + i} (replay: WEFT_FUZZ_SEED=${SEED} WEFT_FUZZ_RUNS=${done + i + 1}):\n` +
        `  body ${cut(bodies[i])}\n  ${message}\n  shortest failing form ${JSON.stringify(small)}: ${again}`);
    }
  }
  t.diagnostic(`${RUNS} random bodies in ${Date.now() - t0} ms, ${nodes} nodes checked`);
  assertNoProblems(page);
  await context.close();
});

// Work at 4,000 characters is at most 4.5 times the work at 1,000 (plus a
// constant), and at most WORK_PER_CHAR per character, for every family and
// for random bodies: linear, whatever the body holds.
const WORK_PER_CHAR = 20; // measured: at most 12.1 (links in emphasis)

test('the work of rendering grows linearly with the body (counted, not timed)', async (t) => {
  const { context, page } = await formatterPage();
  const rand = (n) => {
    let s = '';
    for (let i = 0; s.length < n; i++) s += randomBody(SEED, 1e6 + i).replace(/\n/g, ' ');
    return s.slice(0, n);
  };
  const cases = Object.keys(FAMILIES).map((f) => [f, familyBody(f, 1000), familyBody(f, 4000)]);
  cases.push(['random (no newlines)', rand(1000), rand(4000)]);
  const work = await page.evaluate(pageWork, cases.flatMap(([, a, b]) => [a, b]));
  const lines = [];
  cases.forEach(([name], k) => {
    const [w1, w4] = [work[2 * k], work[2 * k + 1]];
    lines.push(`${name}: ${w1} -> ${w4} (${(w4 / 4000).toFixed(1)} per character)`);
    assert.ok(w4 <= 4.5 * w1 + 200, `${name}: work ${w1} at 1,000 characters, ${w4} at 4,000: not linear`);
    assert.ok(w4 <= WORK_PER_CHAR * 4000, `${name}: work ${w4} at 4,000 characters (over ${WORK_PER_CHAR} per character)`);
  });
  t.diagnostic(lines.join('\n'));
  assertNoProblems(page);
  await context.close();
});
