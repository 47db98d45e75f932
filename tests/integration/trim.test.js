// After a wave of connections, weftd hands freed heap pages back to the
// system (malloc_trim), but only once a whole 2 s sweep went by with no
// traffic: the hand-back holds the heap's lock for up to ~0.1 s, which would
// stall the fan-out of a live session. weft_malloc_trims_total counts them.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import { NO_RATE_LIMIT, metric, stopWithin } from './support.js';

let server;

before(async () => {
  server = await startServer({ args: NO_RATE_LIMIT });
});
after(async () => {
  await stopWithin(server);
});

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

test('memory goes back after a wave of connections, never while frames flow', async () => {
  const ana = await server.user('ana');
  assert.equal(await metric(server, 'weft_malloc_trims_total'), 0);

  // A wave: 80 connections come and go (the threshold is 64).
  for (let i = 0; i < 8; i++) {
    const wave = await Promise.all(Array.from({ length: 10 }, () => connect(server, ana.token)));
    await Promise.all(wave.map((c) => c.close()));
  }

  // One connection stays busy: a frame every 300 ms for three sweeps.
  const busy = await connect(server, ana.token);
  const until = Date.now() + 6500;
  while (Date.now() < until) {
    const pong = await busy.request({ type: 'ping' });
    assert.equal(pong.type, 'pong');
    await sleep(300);
  }
  assert.equal(await metric(server, 'weft_malloc_trims_total'), 0, 'trimmed while frames were flowing');

  // Quiet now: within two sweeps (the quiet one and the one that sees it).
  let trims = 0;
  for (let waited = 0; waited < 7000 && trims === 0; waited += 250) {
    await sleep(250);
    trims = await metric(server, 'weft_malloc_trims_total');
  }
  assert.equal(trims, 1, 'no trim once the server was quiet');

  // And not again without another wave.
  await sleep(4500);
  assert.equal(await metric(server, 'weft_malloc_trims_total'), 1);
  await busy.close();
});
