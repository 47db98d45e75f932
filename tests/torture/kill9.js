#!/usr/bin/env node
// kill -9 torture (issue 19, "Proofs to add"). Writers send with client ids
// (and send again, with the same ids, what a dead connection left
// unanswered); readers resume with their cursors; the server is SIGKILLed
// at random and restarted on the same data directory and port, again and
// again. After every restart and at the end, against the database file:
//   - every acked message is there exactly once, with the id its ack gave;
//   - the log has no hole (seq 1, 2, 3, … in commit order) and every
//     earlier snapshot of it is a prefix of the later ones;
//   - every reader received exactly the log of its channels from its first
//     cursor: no gap, no duplicate, same order, nothing the log lost;
//   - PRAGMA integrity_check is ok.
// At the end every message sent is stored exactly once with its body.
import {
  options, main, rng, sleep, check, Server, NO_RATE_LIMIT, inBatches, sqlite, dbFile, Log,
  sanitizerReport,
} from './lib.js';
import { accounts, requests, Reader, Writer, keepConnected } from './clients.js';

const o = options('kill9.js', 'SIGKILLs weftd at random while writers send and readers resume; checks that nothing acked is lost.', {
  duration: { short: 60, long: 600, help: 'seconds of killing' },
  writers: { short: 20, help: 'writing accounts, one connection each' },
  readers: { short: 200, help: 'reading connections' },
  'reader-accounts': { short: 20, help: 'accounts the readers share (each with its own channels)' },
  channels: { short: 8, help: 'channels; each account is in 3 of them' },
  rate: { short: 4, long: 8, help: 'messages per second per writer' },
  window: { short: 4, help: 'sends in flight per writer' },
  'kill-min': { short: 0.3, help: 'shortest time the server runs before a kill, seconds (from when half the writers are back)' },
  'kill-max': { short: 3, help: 'longest time the server runs before a kill, seconds' },
});

main('kill9.js', async (ctx) => {
  const rand = rng(o.seed);
  ctx.log(`seed ${o.seed}, ${o.duration} s, ${o.writers} writers, ${o.readers} readers, kill every ${o['kill-min']}-${o['kill-max']} s`);
  const server = new Server({
    args: [...NO_RATE_LIMIT, '--replay-max', '1000000', '--max-conns-per-addr', '0', '--channels-per-day', '0'],
  });
  ctx.servers.push(server);
  ctx.cleanup(async () => {
    await server.kill9();
    if (o.keep) console.log(`data directory kept: ${server.dataDir}`);
    else (await import('node:fs')).rmSync(server.dataDir, { recursive: true, force: true });
  });
  await server.start();
  const port = () => server.port;

  // Accounts and channels: each account in 3 channels.
  const wNames = Array.from({ length: o.writers }, (_, i) => `w${i}`);
  const rNames = Array.from({ length: o['reader-accounts'] }, (_, i) => `r${i}`);
  const users = await accounts(server, [...wNames, ...rNames], { admin: ['w0'] });
  const created = await requests(server.port, users[0].token,
    Array.from({ length: o.channels }, (_, i) => ({ type: 'channel.create', name: `k9-${i}`, kind: 'cohort' })));
  const channels = created.map((r) => {
    check(r.type === 'channel', `channel.create: ${JSON.stringify(r)}`);
    return r.channel.id;
  });
  const member = new Map();
  await inBatches(users.slice(1), 4, async (u) => {
    const mine = new Set();
    while (mine.size < Math.min(3, channels.length)) mine.add(rand.pick(channels));
    const joined = await requests(server.port, u.token, [...mine].map((ch) => ({ type: 'channel.join', channel: ch })));
    for (const r of joined) check(r.type === 'channel', `join: ${JSON.stringify(r)}`);
    member.set(u.name, [...mine]);
  });
  // The creator is in every channel; it writes in 3 like the others.
  // The creator writes only in 3 channels like the others.
  member.set('w0', channels.slice(0, 3));

  ctx.log(`${users.length} accounts in ${channels.length} channels`);
  const writers = users.slice(0, o.writers).map((u, i) => new Writer(ctx, {
    name: u.name, token: u.token, userId: u.id, channels: member.get(u.name), port, rand, window: o.window, prefix: `k-${i}`,
  }));
  const readers = Array.from({ length: o.readers }, (_, i) => {
    const u = users[o.writers + (i % o['reader-accounts'])];
    return new Reader(ctx, { name: `reader ${i} (${u.name})`, token: u.token, channels: member.get(u.name), port });
  });
  const backoff = () => rand.between(20, 300);
  const loops = [];
  for (const r of readers) {
    loops.push(keepConnected(r, { delay: backoff }));
    await sleep(2); // not all 200 handshakes in one go at the start
  }
  for (const w of writers) loops.push(keepConnected(w, { delay: backoff }));
  // Each writer adds messages at its rate, a little at random, but never
  // piles up more than a few windows while the server is down.
  const gen = setInterval(() => {
    for (const w of writers) if (w.pending() < 3 * o.window && rand() < o.rate / 20) w.add();
  }, 50);

  const db = dbFile(server);
  let prevLog = null;
  let checks = 0;
  let checking = null;
  const ackedNow = () => {
    const all = [];
    for (const w of writers) for (const [cid, id] of w.acked) all.push([w.userId, cid, id]);
    return all;
  };
  // The checks made after a restart (and at the end): the database against
  // what clients were told and what they received.
  const verify = async (final) => {
    const acked = ackedNow();
    const cursors = readers.map((r) => r.cursor);
    const log = await Log.read(db);
    const rows = await sqlite(db, 'SELECT id, author_id, client_id FROM messages WHERE client_id IS NOT NULL');
    const integrity = await sqlite(db, 'PRAGMA integrity_check');
    check(integrity.length === 1 && integrity[0][0] === 'ok', `integrity_check: ${JSON.stringify(integrity).slice(0, 300)}`);
    log.checkDense();
    log.checkExtends(prevLog);
    prevLog = log;
    const stored = new Map();
    for (const [id, author, cid] of rows) {
      const k = `${author}/${cid}`;
      check(!stored.has(k), `message ${k} is stored twice (ids ${stored.get(k)} and ${id})`);
      stored.set(k, Number(id));
    }
    for (const [author, cid, id] of acked) {
      const got = stored.get(`${author}/${cid}`);
      check(got !== undefined, `acked message ${cid} (id ${id}) is not in the database`);
      check(got === id, `acked message ${cid} was acked as id ${id}, is stored as ${got}`);
      check(log.channelOf.has(id), `acked message ${cid}: no event of seq ${id}`);
    }
    readers.forEach((r, i) => r.verify(log, Math.min(log.max, cursors[i] ?? 0)));
    checks++;
    return { log, acked: acked.length };
  };

  // The killing.
  const t0 = Date.now();
  let kills = 0;
  let killsMidSend = 0;
  const restartMs = [];
  while (Date.now() - t0 < o.duration * 1000) {
    // The server runs 0.3-3 s with traffic on it: the clock starts once
    // half the writers are back. (On a loaded machine 220 handshakes with
    // a sanitized weftd can take longer than that: killing sooner would
    // only ever test reconnecting.)
    const back = Date.now() + 20000;
    while (writers.filter((w) => w.live).length < o.writers / 2 && Date.now() < back) await sleep(20);
    await sleep(rand.between(o['kill-min'], o['kill-max']) * 1000);
    // Every restart is checked, beside the traffic, before the next kill.
    if (checking) await checking;
    ctx.failed();
    if (writers.some((w) => w.inflight.size > 0)) killsMidSend++;
    const exit = await server.kill9();
    check(exit.signal === 'SIGKILL', `weftd exited on its own before the kill: ${JSON.stringify(exit)}\n${server.log.slice(-2000)}`);
    kills++;
    const t = Date.now();
    await server.start(30000);
    restartMs.push(Date.now() - t);
    checking = verify(false);
    checking.catch(() => {}); // awaited before the next kill
    if (kills % 10 === 0) {
      const acks = writers.reduce((n, w) => n + w.stats.acks, 0);
      ctx.log(`${kills} kills, ${acks} acks, ${checks} checks, ${readers.filter((r) => r.live).length} readers live`);
    }
  }
  clearInterval(gen);
  ctx.log(`${kills} kills; calm: waiting for every ack and every reader`);
  await checking;
  ctx.failed();

  // Calm: every message sent is acked; every reader catches up with its
  // channels' last event.
  const until = async (what, cond, ms = 180000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      ctx.failed();
      check(Date.now() < end, `${what} within ${ms / 1000} s after the last kill`);
      await sleep(100);
    }
  };
  await until('every message acked', () => writers.every((w) => w.pending() === 0));
  const settled = await Log.read(db);
  await until('every reader caught up', () => readers.every((r) => r.live && r.cursor >= settled.lastOf(r.channels)));
  ctx.log('everything acked and read; SIGTERM and the final check');
  for (const l of loops) await l.stop();
  const exit = await server.stop();
  const report = sanitizerReport(server.log);
  check(!report, `weftd: ${report}`);
  check(exit.code === 0, `weftd did not exit 0 on SIGTERM: ${JSON.stringify(exit)}`);

  const { log } = await verify(true);
  check(log.max === settled.max, `the log moved after every message was acked: ${settled.max} -> ${log.max}`);
  for (const r of readers) r.verify(log, log.max);
  // Every message sent: stored once, with its body, as acked.
  const bodies = new Map((await sqlite(db, 'SELECT author_id, client_id, id, body FROM messages WHERE client_id IS NOT NULL'))
    .map(([a, cid, id, body]) => [`${a}/${cid}`, { id: Number(id), body }]));
  let sent = 0;
  for (const w of writers) {
    for (const [cid, m] of w.sent) {
      sent++;
      const got = bodies.get(`${w.userId}/${cid}`);
      check(got, `${cid} was sent and acked but is not stored`);
      check(got.id === w.acked.get(cid), `${cid}: acked ${w.acked.get(cid)}, stored ${got.id}`);
      check(got.body === m.body, `${cid}: the stored body differs from the one sent`);
    }
  }
  check(bodies.size === sent, `${bodies.size} messages stored, ${sent} sent`);

  const sum = (arr, k) => arr.reduce((n, x) => n + x.stats[k], 0);
  restartMs.sort((a, b) => a - b);
  return {
    seed: o.seed,
    kills,
    'kills with sends in flight': killsMidSend,
    'restarts (ms, median / max)': `${restartMs[restartMs.length >> 1]} / ${restartMs[restartMs.length - 1]}`,
    'restarts checked (database against acks and streams)': checks - 1,
    'messages sent and acked': sent,
    'acks received': sum(writers, 'acks'),
    'resends after a kill (same client_id)': sum(writers, 'resends'),
    'of which already committed (duplicate: true)': sum(writers, 'duplicates'),
    'writer connections': sum(writers, 'connects'),
    'reader connections': sum(readers, 'connects'),
    'resumes (hello since cursor, synced)': sum(readers, 'resumes'),
    'events replayed on resume': sum(readers, 'replayed'),
    'events received by readers': sum(readers, 'events'),
    'log (last seq)': log.max,
  };
});
