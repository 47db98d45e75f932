// Command line: --version, --help, usage errors (exit 2), failures (exit 1),
// user add, and an online backup of a live server.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { startServer, connect, runWeftd, tempDir, login, FAST_ARGS, WEFTD } from '../lib/harness.js';
import { makeChannel, sendMsg, haveSqlite3, sqlite3, uid, stopWithin } from './support.js';

const servers = [];
after(async () => { for (const s of servers) await stopWithin(s); });

function run(args, opts = {}) {
  return runWeftd(args, { timeout: 15000, ...opts });
}

function runAsync(args) {
  return new Promise((resolve) => {
    execFile(WEFTD, args, { timeout: 30000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

function oneLine(s) {
  const t = s.trim();
  return t.length > 0 && !t.includes('\n');
}

test('--version prints a version and exits 0', () => {
  const r = run(['--version']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /\d+\.\d+\.\d+/);
});

test('--help lists the options and exits 0', () => {
  const r = run(['--help']);
  assert.equal(r.status, 0, r.stderr);
  const text = r.stdout + r.stderr;
  for (const opt of ['data', 'port', 'bind', 'max-body', 'max-frame', 'rate', 'burst', 'replay-max', 'allowed-origins', 'argon2-iterations']) {
    assert.match(text, new RegExp(`--${opt}\\b`), `--help does not list --${opt}`);
  }
  for (const cmd of ['serve', 'user add', 'backup']) assert.ok(text.includes(cmd), `--help does not mention ${cmd}`);
});

test('a bad option value exits 2 with a one-line message naming the option', () => {
  const dir = tempDir();
  const cases = [
    [['serve', '--data', dir, '--port', 'eighty'], /port/],
    [['serve', '--data', dir, '--port', '70000'], /port/],
    [['serve', '--data', dir, '--max-body', '0'], /max[-_]body/],
    [['serve', '--data', dir, '--rate', '-3'], /rate/],
    [['serve', '--data', dir, '--no-such-option', '1'], /no-such-option/],
  ];
  for (const [args, re] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status ?? r.signal}, stderr ${r.stderr}`);
    assert.ok(oneLine(r.stderr), `${args.join(' ')}: stderr is not one line: ${JSON.stringify(r.stderr)}`);
    assert.match(r.stderr, re);
  }
});

test('bad usage exits 2: unknown command, missing arguments', () => {
  for (const args of [['frobnicate'], ['user'], ['user', 'add'], ['backup'], []]) {
    const r = run(args);
    assert.equal(r.status, 2, `weftd ${args.join(' ')}: exit ${r.status ?? r.signal}`);
    assert.ok(r.stderr.trim().length > 0, `weftd ${args.join(' ')}: nothing on stderr`);
  }
});

test('user add creates a missing data directory; a duplicate name exits 1', async () => {
  const dir = path.join(tempDir(), 'not', 'yet');
  const r = run(['user', 'add', 'ana', '--data', dir, '--display', 'Ana B', ...FAST_ARGS], { input: 'first password\n' });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.statSync(dir).isDirectory());
  assert.ok(fs.existsSync(path.join(dir, 'weft.db')), 'weft.db created');
  const d = run(['user', 'add', 'ana', '--data', dir, ...FAST_ARGS], { input: 'other password\n' });
  assert.equal(d.status, 1, `duplicate: exit ${d.status}, ${d.stderr}`);
  assert.ok(oneLine(d.stderr), `stderr: ${JSON.stringify(d.stderr)}`);
  // The account works, with the first password only.
  const s = await startServer({ dataDir: dir });
  servers.push(s);
  const ok = await login(s, 'ana', 'first password');
  assert.equal(ok.status, 200);
  assert.equal(ok.body.user.display, 'Ana B');
  assert.equal((await login(s, 'ana', 'other password')).status, 401);
  // user add works while the server runs on the same directory.
  const r2 = run(['user', 'add', 'bo', '--data', dir, '--admin', ...FAST_ARGS], { input: 'bo password\n' });
  assert.equal(r2.status, 0, r2.stderr);
  const bo = await login(s, 'bo', 'bo password');
  assert.equal(bo.status, 200);
  assert.equal(bo.body.user.admin, true);
});

test('backup FILE --data DIR of a running server is a consistent SQLite copy with the messages', async () => {
  const s = await startServer();
  servers.push(s);
  const ana = await s.user('ana');
  const c = await connect(s, ana.token);
  const ch = await makeChannel(c);
  const marks = [];
  for (let i = 0; i < 20; i++) {
    const body = uid(`backup-body-${i}`);
    marks.push({ body, id: (await sendMsg(c, ch.id, body)).id });
  }
  const file = path.join(tempDir(), 'copy.db');
  // Keep the server busy while the backup runs.
  const busy = Promise.all(Array.from({ length: 50 }, (_, i) => sendMsg(c, ch.id, `during ${i}`)));
  const r = await runAsync(['backup', file, '--data', s.dataDir]);
  await busy;
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.statSync(file).size > 0);
  assert.equal(fs.readFileSync(file).subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
  if (haveSqlite3()) {
    assert.equal(sqlite3(file, 'PRAGMA integrity_check;').trim(), 'ok');
    const dump = sqlite3(file, '.dump');
    for (const m of marks) assert.ok(dump.includes(m.body), `backup lacks ${m.body}`);
  }
  // A server started on the copy serves the same messages and sessions.
  const dir2 = tempDir();
  fs.copyFileSync(file, path.join(dir2, 'weft.db'));
  const s2 = await startServer({ dataDir: dir2 });
  servers.push(s2);
  const again = await login(s2, 'ana', ana.password);
  assert.equal(again.status, 200);
  const c2 = await connect(s2, ana.token); // the session came along in the copy
  const h = await c2.request({ type: 'history', channel: ch.id, after: 0, limit: 200 });
  assert.equal(h.type, 'history', JSON.stringify(h));
  const got = new Map(h.messages.map((m) => [m.id, m.body]));
  for (const m of marks) assert.equal(got.get(m.id), m.body);
  await c2.close();
  await c.close();
});

test('backup to an unwritable place exits 1 with a one-line reason', async () => {
  const s = await startServer();
  servers.push(s);
  const r = run(['backup', '/nonexistent-dir/sub/copy.db', '--data', s.dataDir]);
  assert.equal(r.status, 1, `exit ${r.status}: ${r.stderr}`);
  assert.ok(oneLine(r.stderr), JSON.stringify(r.stderr));
});
