#!/usr/bin/env node
// Disk full (issue 19, "Proofs to add"). weftd's data directory lives on a
// small tmpfs; while a writer sends steadily, a filler file takes every
// free byte (or all but a random margin, so that the disk fills in the
// middle of a commit). Each time:
//   - sends are refused with `unavailable` (never `internal`, never an ack
//     that is not durable, never a crash) and the writer sends them again
//     with the same client_id;
//   - /healthz answers 503 {"status":"unavailable"};
//   - reads go on, and every message acked before is there;
//   - a delete (its commit fails) leaves the idle writer a WAL scrub to do:
//     a TRUNCATE checkpoint that fails for want of room in the database;
//   - then the filler goes (every other time after a SIGKILL, with a
//     restart): /healthz is 200 again by itself, every refused message is
//     acked, and the database holds every ack once with its id, the log
//     has no hole, a reader's stream equals it and integrity_check is ok.
// Without root (no mount), --mode fsize injects the error instead: RLIMIT_FSIZE
// on the running weftd (prlimit) makes every write past the WAL's size fail.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  options, main, rng, sleep, check, Skip, Server, NO_RATE_LIMIT, request, sqlite, dbFile, Log,
  sanitizerReport,
} from './lib.js';
import { accounts, requests, Reader, Writer, keepConnected, openSocket } from './clients.js';

const o = options('diskfull.js', 'Fills the disk under weftd while it takes sends; checks unavailable, /healthz, recovery and that nothing acked is lost.', {
  cycles: { short: 4, long: 40, help: 'times the disk fills and empties' },
  mode: { short: 'auto', help: 'tmpfs (mount one and fill it; needs root), fsize (prlimit --fsize on weftd), auto: tmpfs when mount works' },
  'size-mb': { short: 24, long: 64, help: 'size of the tmpfs, MiB (the WAL alone may take 32 MiB before a checkpoint is due)' },
  'body-max': { short: 1500, long: 400, help: 'longest message body sent (the messages must fit on the tmpfs)' },
  rate: { short: 200, help: 'messages per second offered' },
});

// The data directory on a small tmpfs, filled by a file.
class Tmpfs {
  constructor(dir) { this.dir = dir; this.filler = path.join(dir, 'filler'); this.what = 'a full tmpfs'; }

  static mount(sizeMb) {
    const dir = fs.mkdtempSync('/tmp/weft-diskfull-');
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir], { encoding: 'utf8' });
    if (r.status !== 0) {
      fs.rmdirSync(dir);
      return { reason: (r.stderr || r.error?.message || `mount exited ${r.status}`).trim() };
    }
    return { disk: new Tmpfs(dir) };
  }

  // Writes the filler until no byte more fits, then gives back margin bytes.
  fill(margin) {
    const fd = fs.openSync(this.filler, 'a');
    let bytes = fs.fstatSync(fd).size;
    for (const size of [1 << 20, 64 << 10, 4096, 1]) {
      const buf = Buffer.alloc(size, 0x5a);
      for (;;) {
        let n;
        try { n = fs.writeSync(fd, buf); } catch (e) {
          if (e.code === 'ENOSPC') break;
          throw e;
        }
        bytes += n;
        if (n < size) break;
      }
    }
    if (margin) fs.ftruncateSync(fd, Math.max(0, bytes - margin));
    fs.closeSync(fd);
    return `filler ${(bytes / 1048576).toFixed(1)} MiB, ${margin} bytes left free`;
  }

  free() { fs.rmSync(this.filler, { force: true }); }

  unmount() {
    spawnSync('umount', [this.dir]);
    fs.rmdirSync(this.dir);
  }
}

// RLIMIT_FSIZE on the running weftd: writes past the limit fail (EFBIG;
// weftd ignores SIGXFSZ).
class Fsize {
  constructor(dir, server) { this.dir = dir; this.server = server; this.what = 'RLIMIT_FSIZE (prlimit)'; }

  prlimit(value) {
    const pid = this.server.proc?.pid;
    if (!pid || this.server.proc.exitCode !== null || this.server.proc.signalCode) return;
    const r = spawnSync('prlimit', ['--pid', String(pid), `--fsize=${value}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`prlimit: ${r.stderr || r.error?.message}`);
  }

  fill(margin) {
    let wal = 0;
    try { wal = fs.statSync(path.join(this.dir, 'weft.db-wal')).size; } catch { /* none yet */ }
    const limit = wal + margin;
    this.prlimit(`${limit}:unlimited`);
    return `file size limit ${limit} bytes (the WAL's size + ${margin})`;
  }

  free() { this.prlimit('unlimited:unlimited'); }

  unmount() { fs.rmSync(this.dir, { recursive: true, force: true }); }
}

main('diskfull.js', async (ctx) => {
  const rand = rng(o.seed);
  let disk;
  let dataDir;
  let mode = o.mode;
  if (mode !== 'fsize') {
    const m = Tmpfs.mount(o['size-mb']);
    if (m.disk) {
      disk = m.disk;
      dataDir = path.join(disk.dir, 'data');
      mode = 'tmpfs';
    } else if (mode === 'tmpfs') {
      throw new Skip(`cannot mount a tmpfs (${m.reason}); run as root, or use --mode fsize`);
    } else {
      ctx.log(`cannot mount a tmpfs (${m.reason}): injecting the error with prlimit --fsize instead`);
      mode = 'fsize';
    }
  }
  if (mode === 'fsize' && spawnSync('prlimit', ['--version']).status !== 0) {
    throw new Skip('neither a tmpfs (mount needs root) nor prlimit (util-linux) is available');
  }
  const server = new Server({ dataDir, args: [...NO_RATE_LIMIT, '--channels-per-day', '0'] });
  if (mode === 'fsize') disk = new Fsize(server.dataDir, server);
  ctx.servers.push(server);
  ctx.cleanup(async () => {
    await server.kill9();
    if (o.keep) console.log(`data directory kept: ${server.dataDir}`);
    else disk.unmount();
  });
  ctx.log(`seed ${o.seed}, ${o.cycles} cycles, ${disk.what} under ${server.dataDir}`);
  await server.start();
  const port = () => server.port;
  const [wu, ru] = await accounts(server, ['wri', 'rea']);
  const [created] = await requests(server.port, wu.token, [{ type: 'channel.create', name: 'full', kind: 'cohort' }]);
  const ch = created.channel.id;
  const [joined] = await requests(server.port, ru.token, [{ type: 'channel.join', channel: ch }]);
  check(joined.type === 'channel', `join: ${JSON.stringify(joined)}`);

  const writer = new Writer(ctx, { name: 'writer', token: wu.token, userId: wu.id, channels: [ch], port, rand, window: 8, prefix: 'df', bodyMax: o['body-max'] });
  const reader = new Reader(ctx, { name: 'reader', token: ru.token, channels: [ch], port });
  const loops = [keepConnected(reader, { delay: () => 100 }), keepConnected(writer, { delay: () => 100 })];
  const gen = setInterval(() => {
    for (let i = 0; i < o.rate / 20; i++) if (writer.pending() < 64) writer.add();
  }, 50);

  const until = async (what, cond, ms = 30000) => {
    const end = Date.now() + ms;
    for (;;) {
      ctx.failed();
      if (await cond()) return;
      check(Date.now() < end, `${what} within ${ms / 1000} s`);
      await sleep(100);
    }
  };
  const alive = () => check(server.proc.exitCode === null && !server.proc.signalCode,
    () => `weftd died while the disk was full: ${JSON.stringify({ code: server.proc.exitCode, signal: server.proc.signalCode })}\n${server.log.slice(-3000)}`);
  const health = () => request(server, 'GET', '/healthz');
  const db = dbFile(server);
  let prevLog = null;
  // The database against every ack so far and the reader's stream.
  const verify = async () => {
    const acked = [...writer.acked];
    const cursor = reader.cursor ?? 0;
    const log = await Log.read(db);
    const rows = await sqlite(db, `SELECT client_id, id FROM messages WHERE author_id = ${wu.id}`);
    const integrity = await sqlite(db, 'PRAGMA integrity_check');
    check(integrity.length === 1 && integrity[0][0] === 'ok', `integrity_check: ${JSON.stringify(integrity).slice(0, 300)}`);
    log.checkDense();
    log.checkExtends(prevLog);
    prevLog = log;
    const stored = new Map();
    for (const [cid, id] of rows) {
      check(!stored.has(cid), `${cid} stored twice`);
      stored.set(cid, Number(id));
    }
    for (const [cid, id] of acked) check(stored.get(cid) === id, `acked ${cid} as ${id}; the database has ${stored.get(cid)}`);
    reader.verify(log, Math.min(cursor, log.max));
    return log;
  };
  // A connection of the writer's account for deletes and history.
  const side = async () => {
    const ws = await openSocket(server.port, wu.token);
    let n = 0;
    const waiting = new Map();
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString());
      if (f.req && waiting.has(f.req)) { waiting.get(f.req)(f); waiting.delete(f.req); }
    });
    ws.send(JSON.stringify({ type: 'hello', since: -1 }));
    return {
      ask: (req) => new Promise((resolve, reject) => {
        const id = `s${++n}`;
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ ...req, req: id }));
        setTimeout(() => reject(new Error(`no reply to ${JSON.stringify(req)}`)), 20000);
      }),
      close: () => ws.terminate(),
    };
  };

  let healthBad = 0;
  let healthFits = 0;
  let deletesRefused = 0;
  let kills = 0;
  const deleted = new Set();
  await until('the first acks', () => writer.stats.acks >= 50);
  for (let cycle = 0; cycle < o.cycles; cycle++) {
    // The disk fills: at once, or after a little room the writer uses up
    // in the middle of a commit.
    const margin = cycle === 0 ? 0 : rand.int(256 << 10);
    const u0 = writer.stats.unavailable;
    const how = disk.fill(margin);
    await until(`sends refused as unavailable once the disk is full (${how})`, () => writer.stats.unavailable >= u0 + 3);
    // A batch of sends that did not fit may leave room for a smaller
    // write: the rest goes too.
    if (margin) disk.fill(0);
    alive();
    // Room the WAL took before a commit failed (its partial write) may
    // still take a smaller commit, such as the health check's one row when
    // it is alone in its batch: /healthz is 200 while one fits, then 503.
    await until('/healthz 503 while writes fail for want of space', async () => {
      const h = await health();
      if (h.status === 200) return (healthFits++, false);
      check(h.status === 503 && h.body?.status === 'unavailable', `/healthz while the disk is full: ${h.status} ${h.text}`);
      return true;
    }, 10000);
    healthBad++;
    // Reads go on; every message acked so far is there.
    const s = await side();
    const acked = [...writer.acked.values()].filter((id) => !deleted.has(id));
    const seen = new Set();
    for (let before; ;) {
      const page = await s.ask({ type: 'history', channel: ch, limit: 200, ...(before ? { before } : {}) });
      check(page.type === 'history', `history while the disk is full: ${JSON.stringify(page).slice(0, 200)}`);
      for (const m of page.messages) seen.add(m.id);
      if (!page.more) break;
      before = page.messages[0].id;
    }
    for (const id of acked) check(seen.has(id), `acked message ${id} is missing from history while the disk is full`);
    // A delete that cannot commit: the idle writer then scrubs the WAL, a
    // checkpoint that fails for want of room in the database file.
    const victim = acked[rand.int(acked.length)];
    const d = await s.ask({ type: 'delete', channel: ch, id: victim });
    if (d.type === 'ok') deleted.add(victim);
    else {
      check(d.type === 'error' && d.code === 'unavailable', `delete while the disk is full: ${JSON.stringify(d)}`);
      deletesRefused++;
    }
    s.close();
    await sleep(500);
    alive();

    // Room again: by itself, or through a SIGKILL and a restart.
    const n = writer.n;
    if (cycle % 2 === 1) {
      await server.kill9();
      kills++;
      disk.free();
      await server.start();
    } else {
      disk.free();
    }
    await until('/healthz 200 once there is room again', async () => (await health()).status === 200, 10000);
    await until('every refused message acked once there is room again',
      () => [...Array(n).keys()].every((k) => writer.acked.has(`df-${k}`)));
    const log = await verify();
    const size = (f) => { try { return `${(fs.statSync(path.join(server.dataDir, f)).size / 1048576).toFixed(1)} MiB`; } catch { return 'none'; } };
    ctx.log(`cycle ${cycle + 1}: ${how}; ${writer.stats.unavailable - u0} refused; recovered; log at ${log.max};` +
      ` database ${size('weft.db')}, WAL ${size('weft.db-wal')}`);
  }
  clearInterval(gen);
  await until('every message acked', () => writer.pending() === 0);
  const last = await verify();
  await until('the reader caught up', () => reader.live && reader.cursor >= last.lastOf([ch]));
  for (const l of loops) await l.stop();
  const exit = await server.stop();
  const report = sanitizerReport(server.log);
  check(!report, `weftd: ${report}`);
  check(exit.code === 0, `weftd did not exit 0 on SIGTERM: ${JSON.stringify(exit)}`);
  const log = await verify();
  reader.verify(log, log.max);
  const sent = writer.sent.size;
  check(writer.acked.size === sent, `${sent} sent, ${writer.acked.size} acked`);
  const stored = Number((await sqlite(db, `SELECT count(*) FROM messages WHERE author_id = ${wu.id}`))[0][0]);
  check(stored === sent, `${stored} stored, ${sent} sent`);
  return {
    seed: o.seed,
    mode,
    'times the disk filled': o.cycles,
    'of which ended by SIGKILL and restart': kills,
    'sends refused as unavailable': writer.stats.unavailable,
    'sent, each acked and stored once': sent,
    'acked as duplicate (committed, answer lost)': writer.stats.duplicates,
    '/healthz 503 seen while full': healthBad,
    '/healthz 200 while full (its row still fit in the WAL)': healthFits,
    'deletes refused (then a WAL scrub checkpoint failed)': deletesRefused,
    'reader events': reader.stats.events,
    'log (last seq)': log.max,
  };
});
