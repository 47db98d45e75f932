// Upgrade (issue 18): a database made by the first weftd with a schema
// (tests/fixtures/schema1.db, schema version 1, made by commit b9c331b; see
// tests/fixtures/README.md) opens in this weftd, which applies every
// migration and serves what the old one stored: accounts and passwords,
// sessions, channels, messages with their edits, deletions and threads.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server, connect, tempDir, runWeftd } from '../lib/harness.js';
import { stopWithin, show, sendMsg, allHistory, haveSqlite3, sqlite3 } from './support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(here, '..', 'fixtures', 'schema1.db');
// ana's session in the fixture (a test fixture's token: it opens nothing else).
const ANA_TOKEN = 'lqj3a1q6EytlWtjcHpZt6XtWGtK5Dw_WQTvZOqFo9mY';

let server;
after(async () => { await stopWithin(server); });

test('the first schema\'s database opens, migrates all the way and is served', async () => {
  const dir = tempDir();
  fs.copyFileSync(FIXTURE, path.join(dir, 'weft.db'));
  if (haveSqlite3()) assert.equal(sqlite3(path.join(dir, 'weft.db'), 'PRAGMA user_version').trim(), '1');
  // The fixture's session was made long ago: idle and absolute expiry are
  // the fixture's (ten years), not today's defaults.
  server = new Server({ dataDir: dir, args: ['--session-idle', '315360000', '--log-level', 'info'] });
  await server.start();
  const applied = [...server.log.matchAll(/event=store\.migration_applied version=(\d+)/g)].map((m) => Number(m[1]));
  assert.ok(applied.length >= 7, `migrations applied: ${show(applied)}`);
  assert.deepEqual(applied, applied.map((_, i) => i + 2), 'each migration after 1, in order');

  // The old session still signs in; so do the old passwords.
  const ana = await connect(server, ANA_TOKEN);
  assert.equal(ana.welcome.user.name, 'ana');
  assert.equal(ana.welcome.user.admin, true);
  const lobby = ana.welcome.channels.find((c) => c.name === 'lobby');
  assert.ok(lobby, show(ana.welcome.channels));
  const lee = await connect(server, (await server.login('lee', 'lee-password-1')).token);

  // The messages as the old server left them.
  const hist = await allHistory(ana, lobby.id);
  assert.deepEqual(hist.map((m) => [m.author.name, m.body]), [
    ['ana', 'hello lobby'], ['lee', 'hi ana'], ['ana', 'a reply in a thread'], ['lee', 'fixed message'],
  ]);
  assert.equal(hist[2].thread, hist[0].id);
  assert.equal(hist[0].reply_count, 1, 'migration 6 counted the thread');
  assert.equal(hist[0].last_reply, hist[2].id);
  // Replay from 0 carries the old log, the deletion included.
  assert.ok(ana.events(lobby.id).some((f) => f.kind === 'delete'), 'the delete event replays');
  // Migration 10 indexed what the old server stored (the search backfill):
  // current bodies, not deleted ones.
  const found = async (q) => {
    const r = await ana.request({ type: 'search', q });
    assert.equal(r.type, 'results', show(r));
    return r.messages.map((m) => m.body);
  };
  assert.deepEqual(await found('lobb'), ['hello lobby']);
  assert.deepEqual(await found('fixed'), ['fixed message']);

  // What later migrations added works on it.
  const ack = await sendMsg(lee, lobby.id, 'hello @ana from the new version');
  const r = await ana.request({ type: 'react', channel: lobby.id, id: ack.id, emoji: '👍', on: true });
  assert.equal(r.type, 'ok', show(r));
  const p = await lee.request({ type: 'profile.update', jurisdiction: 'King County' });
  assert.equal(p.type, 'user', show(p));
  ana.ws.terminate();
  lee.ws.terminate();
  await server.stop();

  const imp = runWeftd(['user', 'import', '-', '--data', dir], { input: 'username,email\nnew.person,new@example.org\n' });
  assert.equal(imp.status, 0, imp.stderr);
  const check = runWeftd(['check', '--data', dir]);
  assert.equal(check.status, 0, check.stdout + check.stderr);
  if (haveSqlite3()) {
    // Every migration's mark is there.
    const db = path.join(dir, 'weft.db');
    const has = (q) => sqlite3(db, q).trim();
    assert.equal(has("SELECT count(*) FROM pragma_table_info('users') WHERE name IN ('jurisdiction', 'email')"), '2');
    assert.equal(has("SELECT count(*) FROM pragma_table_info('members') WHERE name = 'joined_seq'"), '1');
    assert.equal(has("SELECT count(*) FROM sqlite_schema WHERE name IN ('signups_unused', 'channels_created', 'reactions', 'mentions', 'health')"), '5');
    assert.equal(has("SELECT email FROM users WHERE name = 'new.person'"), 'new@example.org');
  }
});
