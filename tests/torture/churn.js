#!/usr/bin/env node
// Resume under churn (issue 19, "Proofs to add"). A few senders talk in a
// few channels (W1-like: small channels, senders taking turns) while
// hundreds of clients come and go at random: each stays a random while
// (sometimes not even until synced), leaves by a close or by dropping the
// socket, and comes back with hello since = its cursor (mostly), an older
// cursor, or -1. At the end every connection's stream — replay, then live
// events, until it ended — must equal the log of its channels from the
// since it sent: no gap, no duplicate, same order.
import {
  options, main, rng, sleep, check, Server, NO_RATE_LIMIT, inBatches, dbFile, Log, sanitizerReport,
} from './lib.js';
import { accounts, requests, Reader, Writer, keepConnected } from './clients.js';

const o = options('churn.js', 'Clients disconnect and resume at random during chat; every connection\'s stream must equal the log from its cursor.', {
  duration: { short: 30, long: 300, help: 'seconds of churn' },
  clients: { short: 200, long: 500, help: 'churning connections' },
  accounts: { short: 20, long: 50, help: 'accounts they share (each in 2 channels)' },
  channels: { short: 10, help: 'channels' },
  senders: { short: 4, help: 'sending accounts (in every channel, one connection each)' },
  rate: { short: 10, help: 'messages per second per sender' },
  'life-max': { short: 4, help: 'longest a connection stays after synced, seconds (uniform from 0; one in five leaves within 0.3 s of connecting instead)' },
  'away-max': { short: 1, help: 'longest a client stays away, seconds' },
});

main('churn.js', async (ctx) => {
  const rand = rng(o.seed);
  ctx.log(`seed ${o.seed}, ${o.duration} s, ${o.clients} clients on ${o.accounts} accounts, ${o.senders} senders at ${o.rate}/s`);
  const server = new Server({ args: [...NO_RATE_LIMIT, '--replay-max', '1000000', '--max-conns-per-addr', '0', '--channels-per-day', '0'] });
  ctx.servers.push(server);
  ctx.cleanup(async () => {
    await server.kill9();
    if (o.keep) console.log(`data directory kept: ${server.dataDir}`);
    else (await import('node:fs')).rmSync(server.dataDir, { recursive: true, force: true });
  });
  await server.start();
  const port = () => server.port;
  const sNames = Array.from({ length: o.senders }, (_, i) => `s${i}`);
  const cNames = Array.from({ length: o.accounts }, (_, i) => `c${i}`);
  const users = await accounts(server, [...sNames, ...cNames], { admin: ['s0'] });
  ctx.log(`${users.length} accounts`);
  const created = await requests(server.port, users[0].token,
    Array.from({ length: o.channels }, (_, i) => ({ type: 'channel.create', name: `churn-${i}`, kind: 'cohort' })));
  const channels = created.map((r) => {
    check(r.type === 'channel', `channel.create: ${JSON.stringify(r)}`);
    return r.channel.id;
  });
  const member = new Map([['s0', channels]]);
  await inBatches(users.slice(1), 4, async (u) => {
    const mine = new Set();
    const want = u.name.startsWith('s') ? channels.length : 2;
    while (mine.size < want) mine.add(rand.pick(channels));
    const joined = await requests(server.port, u.token, [...mine].map((ch) => ({ type: 'channel.join', channel: ch })));
    for (const r of joined) check(r.type === 'channel', `join: ${JSON.stringify(r)}`);
    member.set(u.name, [...mine]);
  });
  // Every cursor used below is at or after the last join: a connection's
  // expected stream is then simply the log of its channels after since.
  const floor = (await Log.read(dbFile(server))).max;
  ctx.log(`${channels.length} channels joined; the log is at ${floor}`);

  const senders = users.slice(0, o.senders).map((u, i) => new Writer(ctx, {
    name: u.name, token: u.token, userId: u.id, channels, port, rand, window: 4, prefix: `ch-${i}`,
  }));
  const sLoops = senders.map((w) => keepConnected(w, { delay: () => 100 }));
  // W1-like: each sender takes the channels in turn.
  let turn = 0;
  const gen = setInterval(() => {
    for (const w of senders) {
      if (w.pending() < 8 && rand() < o.rate / 20) {
        w.channels = [channels[turn++ % channels.length]];
        w.add();
      }
    }
  }, 50);

  const clients = Array.from({ length: o.clients }, (_, i) => {
    const u = users[o.senders + (i % o.accounts)];
    return new Reader(ctx, { name: `client ${i} (${u.name})`, token: u.token, channels: member.get(u.name), port, keepConns: true });
  });
  const how = { own: 0, older: 0, fresh: 0, closed: 0, dropped: 0, beforeSynced: 0, failed: 0 };
  let stopping = false;
  // One client's life: come, stay a while, leave, stay away, again.
  const live = async (c) => {
    await sleep(rand.between(0, 2000)); // not all at once at the start
    while (!stopping) {
      let since;
      const r = rand();
      if (c.cursor === null || r < 0.1) {
        since = -1;
        how.fresh++;
      } else if (r < 0.25) {
        since = floor + Math.floor(rand() * (c.cursor - floor + 1));
        how.older++;
      } else {
        since = c.cursor;
        how.own++;
      }
      try {
        const { ws, conn, synced } = await c.begin({ since });
        const ended = new Promise((res) => ws.once('close', res));
        // One in five leaves at once (in the middle of its replay, often);
        // the others stay a while after synced.
        if (rand() < 0.2) await Promise.race([sleep(rand.between(0, 300)), ended]);
        else {
          await Promise.race([synced.catch(() => {}), sleep(20000)]);
          await Promise.race([sleep(rand.between(0, o['life-max'] * 1000)), ended]);
        }
        if (conn.synced === null) how.beforeSynced++;
        if (rand() < 0.5) { ws.close(); how.closed++; } else { ws.terminate(); how.dropped++; }
        await ended;
      } catch {
        how.failed++;
      }
      await sleep(rand.between(0, o['away-max'] * 1000));
    }
  };
  const lives = clients.map(live);
  const t0 = Date.now();
  while (Date.now() - t0 < o.duration * 1000) {
    await sleep(5000);
    ctx.failed();
    const conns = clients.reduce((n, c) => n + c.stats.connects, 0);
    ctx.log(`${conns} connections, ${senders.reduce((n, w) => n + w.stats.acks, 0)} messages, ${clients.filter((c) => c.live).length} clients live`);
  }
  stopping = true;
  clearInterval(gen);
  await Promise.all(lives);
  const end = Date.now() + 60000;
  while (senders.some((w) => w.pending() > 0)) {
    check(Date.now() < end, 'every message acked within 60 s of the end');
    await sleep(100);
  }
  for (const l of sLoops) await l.stop();
  ctx.failed();

  const exit = await server.stop();
  const report = sanitizerReport(server.log);
  check(!report, `weftd: ${report}`);
  check(exit.code === 0, `weftd did not exit 0 on SIGTERM: ${JSON.stringify(exit)}`);
  const log = await Log.read(dbFile(server));
  log.checkDense();
  let verified = 0;
  let replayed = 0;
  let liveEvents = 0;
  for (const c of clients) {
    c.verifyConns(log, floor);
    for (const k of c.conns) {
      verified++;
      const n = k.synced === null ? k.got.length : k.got.filter((s) => s <= k.synced).length;
      replayed += n;
      liveEvents += k.got.length - n;
    }
  }
  const acks = senders.reduce((n, w) => n + w.stats.acks, 0);
  check(acks === senders.reduce((n, w) => n + w.sent.size, 0), 'a message was never acked');
  return {
    seed: o.seed,
    'connections, each stream checked against the log': verified,
    'resumed with their own cursor': how.own,
    'resumed with an older cursor': how.older,
    'fresh (since -1)': how.fresh,
    'left by close / by dropping the socket': `${how.closed} / ${how.dropped}`,
    'left before synced': how.beforeSynced,
    'connects that failed': how.failed,
    'events replayed / live': `${replayed} / ${liveEvents}`,
    'messages sent and acked': acks,
    'log (last seq)': log.max,
  };
});
