// `weftd restore` (issue 18): a backup taken under load restores into a
// fresh directory, a server starts on it and clients resume with their
// sessions and messages. Restore refuses while a server runs on the
// directory (the data directory's lock), a file that is not a database, and
// a schema newer than this weftd.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFile, spawnSync } from 'node:child_process';
import { Server, connect, tempDir, addUser, runWeftd, WEFTD } from '../lib/harness.js';
import { stopWithin, makeChannel, sendMsg, allHistory, show, haveSqlite3, NO_RATE_LIMIT } from './support.js';

const servers = [];
after(async () => { for (const s of servers) await stopWithin(s); });

const runAsync = (args) => new Promise((resolve) => {
  execFile(WEFTD, args, { timeout: 60000 }, (err, stdout, stderr) =>
    resolve({ status: err ? err.code : 0, stdout, stderr }));
});

test('a backup taken under load restores into a fresh directory; clients resume with their sessions', async () => {
  const dir = tempDir();
  addUser(dir, 'ana', 'ana-password-1', { admin: true });
  addUser(dir, 'lee', 'lee-password-1');
  const a = new Server({ dataDir: dir, args: NO_RATE_LIMIT });
  servers.push(a);
  await a.start();
  const anaToken = (await a.login('ana', 'ana-password-1')).token;
  const leeToken = (await a.login('lee', 'lee-password-1')).token;
  const ana = await connect(a, anaToken);
  const lee = await connect(a, leeToken);
  const ch = await makeChannel(ana, [lee]);

  // Load: two senders without pause until told to stop.
  const acked = [];
  let stop = false;
  const sender = async (c, tag) => {
    for (let i = 0; !stop; i++) acked.push({ ...(await sendMsg(c, ch.id, `${tag}-${i}`)), body: `${tag}-${i}` });
  };
  const load = [sender(ana, 'ana'), sender(lee, 'lee')];
  while (acked.length < 100) await new Promise((r) => setTimeout(r, 20));

  const backup = path.join(tempDir('weft-bak-'), 'weft-backup.db');
  const before = acked.length;
  const ackedBefore = acked.slice(0, before);
  const b = await runAsync(['backup', backup, '--data', dir]);
  assert.equal(b.status, 0, b.stderr);
  const during = acked.length;
  while (acked.length < during + 50) await new Promise((r) => setTimeout(r, 20));
  stop = true;
  await Promise.all(load);

  // Not under a running server.
  let r = runWeftd(['restore', backup, '--data', dir]);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stderr, /a server is running on this data directory/);
  // Nor a second server on the same directory.
  r = runWeftd(['serve', '--data', dir, '--port', '0']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /another weftd serves/);

  // Into a fresh directory (made by restore).
  const fresh = path.join(tempDir(), 'restored');
  r = runWeftd(['restore', backup, '--data', fresh]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /restored .* into .*restored\/weft\.db/);
  assert.equal(runWeftd(['check', '--data', fresh]).status, 0);

  const bsrv = new Server({ dataDir: fresh, args: NO_RATE_LIMIT });
  servers.push(bsrv);
  await bsrv.start();
  // The sessions are back: the same bearer tokens sign in.
  const ana2 = await connect(bsrv, anaToken);
  const hist = await allHistory(ana2, ch.id);
  const ids = new Set(hist.map((m) => m.id));
  for (const m of ackedBefore) assert.ok(ids.has(m.id), `message ${m.id} acked before the backup is restored`);
  for (const m of hist) {
    const sent = acked.find((x) => x.id === m.id);
    assert.ok(sent, `restored message ${m.id} was acked`);
    assert.equal(m.body, sent.body);
  }
  // The backup is one consistent state: its messages are a prefix of what was acked.
  const restoredMax = Math.max(...hist.map((m) => m.id));
  for (const m of acked) if (m.id <= restoredMax) assert.ok(ids.has(m.id), `no hole at ${m.id}`);

  // Lee resumes from a cursor inside the backup: exactly what follows it.
  const cursor = ackedBefore[Math.floor(before / 2)].id;
  const lee2 = await connect(bsrv, leeToken, { since: cursor });
  const replayed = lee2.events(ch.id).filter((f) => f.kind === 'message').map((f) => f.seq);
  assert.deepEqual(replayed, hist.filter((m) => m.id > cursor).map((m) => m.id));
  // And the restored server takes new messages.
  const ack = await sendMsg(lee2, ch.id, 'after the restore');
  assert.ok(ack.id > restoredMax, show(ack));
  for (const c of [ana, lee, ana2, lee2]) c.ws.terminate();
  await bsrv.stop();

  // Over an existing database (the server stopped): the old one is kept.
  await a.stop();
  r = runWeftd(['restore', backup, '--data', dir]);
  assert.equal(r.status, 0, r.stderr);
  const kept = /kept as (\S+)/.exec(r.stdout);
  assert.ok(kept && fs.existsSync(kept[1]), r.stdout);
  assert.equal(runWeftd(['check', '--data', dir]).status, 0);
});

test('restore refuses what is not a database and a newer schema', { skip: !haveSqlite3() && 'needs the sqlite3 tool' }, () => {
  const work = tempDir();
  const junk = path.join(work, 'junk.db');
  fs.writeFileSync(junk, 'not a database at all, just text\n'.repeat(200));
  let r = runWeftd(['restore', junk, '--data', path.join(work, 'a')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not restored: .*not a SQLite database/);
  assert.ok(!fs.existsSync(path.join(work, 'a', 'weft.db')));

  const src = tempDir();
  addUser(src, 'ana', 'ana-password-1');
  const newer = path.join(work, 'newer.db');
  assert.equal(runWeftd(['backup', newer, '--data', src]).status, 0);
  spawnSync('sqlite3', [newer, 'PRAGMA user_version = 99']);
  r = runWeftd(['restore', newer, '--data', path.join(work, 'b')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /schema version 99, newer than this weftd knows/);

  r = runWeftd(['restore', path.join(work, 'missing.db'), '--data', path.join(work, 'c')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /does not exist/);
  assert.equal(runWeftd(['restore', '--data', work]).status, 2);
});
