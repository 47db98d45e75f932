// directory: what a `user.find` with the directory's filters costs on the
// seeded demo network (tests/fixtures/seed-network.mjs: 13,000 people over
// 40 jurisdictions and 8 regions, 24 focus tags), and directory.facets.
//
//   WEFTD=build/weftd node tests/bench/directory.mjs [--iterations 300] [--keep DIR] [--json FILE]
//
// Seeds a temporary data directory (or reuses --keep DIR when it holds the
// network), starts weftd on it, signs in one member and sends requests one
// at a time, timing each from send to the whole reply (loopback TLS,
// client-side: an upper bound of the server's time). Cases:
//
//   q           {"q":"ana"}: a name search (the v1 directory)
//   jurisdiction {"jurisdiction": one of the 40, rotating}
//   region      {"region": one of the 8}
//   focus       {"focus": one of the 24 tags}
//   combined    {"q":"a","region","focus"}: every filter at once
//   page2       the second page of a region (after the first's last name)
//   facets      {"type":"directory.facets"} (a worker's read)
//
// Reports p50/p99/max ms per case. Wall-clock times on a shared machine are
// noisy: run it on a quiet one for figures to quote.
import fs from 'node:fs';
import { startServer, connect, tempDir } from '../lib/harness.js';
import { seedNetwork, SEED_PASSWORD, JURISDICTIONS, REGIONS, TAGS } from '../fixtures/seed-network.mjs';

const args = process.argv.slice(2);
const arg = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const iterations = Number(arg('iterations', 300));
const keep = arg('keep', null);
const jsonOut = arg('json', null);

const dir = keep || tempDir('weft-dir-bench-');
if (!fs.existsSync(`${dir}/weft.db`)) seedNetwork(dir);
const server = await startServer({ dataDir: dir, args: ['--rate', '100000', '--burst', '100000'] });
const c = await connect(server, (await server.login('sam', SEED_PASSWORD)).token);

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
async function time(req) {
  const t0 = process.hrtime.bigint();
  const r = await c.request(req, { timeout: 60000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.type === 'error') throw new Error(`${JSON.stringify(req)}: ${JSON.stringify(r)}`);
  return { ms, r };
}

const first = (await time({ type: 'user.find', region: 'West' })).r;
const cases = {
  q: () => ({ type: 'user.find', q: 'ana' }),
  jurisdiction: (i) => ({ type: 'user.find', jurisdiction: JURISDICTIONS[i % JURISDICTIONS.length][0] }),
  region: (i) => ({ type: 'user.find', region: REGIONS[i % REGIONS.length] }),
  focus: (i) => ({ type: 'user.find', focus: TAGS[i % TAGS.length] }),
  combined: (i) => ({ type: 'user.find', q: 'a', region: REGIONS[i % REGIONS.length], focus: TAGS[i % TAGS.length] }),
  page2: () => ({ type: 'user.find', region: 'West', after: first.users[first.users.length - 1].name }),
  facets: () => ({ type: 'directory.facets' }),
};
const report = {};
for (const [name, make] of Object.entries(cases)) {
  for (let i = 0; i < 10; i++) await time(make(i)); // warm
  const xs = [];
  for (let i = 0; i < iterations; i++) xs.push((await time(make(i))).ms);
  xs.sort((a, b) => a - b);
  report[name] = { p50: +pct(xs, 50).toFixed(3), p99: +pct(xs, 99).toFixed(3), max: +xs[xs.length - 1].toFixed(3) };
  console.log(`${name.padEnd(13)} p50 ${report[name].p50.toFixed(2)} ms  p99 ${report[name].p99.toFixed(2)} ms  max ${report[name].max.toFixed(2)} ms`);
}
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ iterations, report }, null, 2));
c.ws.terminate();
await server.stop();
