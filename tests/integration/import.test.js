// `weftd user import` (issue 18): RFC 4180 rosters with a header in any
// order, accounts without passwords and their sign-up links on stdout, a
// summary on stderr, bad rows reported by line and never stopping the
// others, idempotence, --dry-run, and a running server that sees the
// accounts at once.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Server, runWeftd, request, connect, tempDir, addUser, WEFTD } from '../lib/harness.js';
import { stopWithin, show, haveSqlite3, sqlite3 } from './support.js';

const servers = [];
after(async () => { for (const s of servers) await stopWithin(s); });

function importCsv(dir, csv, args = []) {
  const file = path.join(tempDir('weft-roster-'), 'roster.csv');
  fs.writeFileSync(file, csv);
  return spawnSync(WEFTD, ['user', 'import', file, '--data', dir, ...args],
    { encoding: 'utf8', timeout: 120000, maxBuffer: 64 << 20 });
}

// username -> signup token from import's stdout (`username,signup_url`).
function links(stdout) {
  const lines = stdout.trim().split('\n');
  assert.equal(lines[0], 'username,signup_url', `stdout starts with the header: ${show(stdout.slice(0, 200))}`);
  const out = new Map();
  for (const l of lines.slice(1)) {
    const m = /^([a-z0-9._-]+),(https:\/\/\S+#signup=([A-Za-z0-9_-]+))$/.exec(l);
    assert.ok(m, `a link line: ${show(l)}`);
    out.set(m[1], m[3]);
  }
  return out;
}

test('a roster with the CSV edge cases: created, rejected by line with reasons, a summary', () => {
  const dir = tempDir();
  addUser(dir, 'root', 'root-password-1', { admin: true });
  const csv = '\uFEFFTitle,email,Username,display,Phone,jurisdiction\r\n' +
    'Analyst,ana@example.org,Ana.Brown,"Brown, Ana",555-1,King County\r\n' + // 2: quoted comma, case
    ',,lee,"Lee ""Coach"" Chen",,\r\n' +                                    // 3: doubled quotes
    ',,kai,"Kai\r\nKim",,\r\n' +                                            // 4-5: a line break: rejected
    ',,-bad,Bad,,\r\n' +                                                    // 6: bad name
    ',,ANA.brown,Again,,\r\n' +                                             // 7: duplicate of line 2
    ',,root,Root again,,\r\n' +                                             // 8: exists
    ',,mo,Mo,,,extra\r\n' +                                                 // 9: too many fields
    ',not-an-email,zed,Zed,,\r\n' +                                         // 10: bad e-mail
    '\r\n' +                                                                // 11: empty line
    'Lead,,"uma",Uma,,"Multnomah County, OR"\n' +                           // 12: LF ending, quoted name
    ',,"bo"x,Bo,,\r\n' +                                                    // 13: text after a quote
    ',,nia,' + 'N'.repeat(65) + ',,\r\n';                                   // 14: display too long
  const r = importCsv(dir, csv);
  assert.equal(r.status, 1, `rejected rows make the exit status 1: ${r.stderr}`);
  const made = links(r.stdout);
  assert.deepEqual([...made.keys()].sort(), ['ana.brown', 'lee', 'uma']);
  assert.match(r.stderr, /ignoring the columns Phone/);
  const want = [
    [4, /line break/], [6, /must be 1 to 32 characters/], [7, /username ana\.brown is also on line 2/],
    [8, /skipped: root exists/], [9, /the row has 7 fields and the header 6/], [10, /not an e-mail address/],
    [13, /text follows a closing quote/], [14, /display is longer than 64 characters/],
  ];
  for (const [line, re] of want) {
    const l = r.stderr.split('\n').find((x) => x.startsWith(`weftd: line ${line}: `));
    assert.ok(l, `line ${line} is reported: ${r.stderr}`);
    assert.match(l, re);
  }
  assert.match(r.stderr, /import of .*roster\.csv: 3 created, 1 skipped \(they exist\), 7 rejected/);
  if (haveSqlite3()) {
    const rows = sqlite3(path.join(dir, 'weft.db'),
      "SELECT name, display, email, jurisdiction, title, pw_hash IS NULL FROM users WHERE name != 'root' AND system = 0 ORDER BY name");
    assert.equal(rows, 'ana.brown|Brown, Ana|ana@example.org|King County|Analyst|1\n' +
      'lee|Lee "Coach" Chen||||1\n' +
      'uma|Uma||Multnomah County, OR|Lead|1\n');
  }

  // A second run creates nothing new.
  const again = importCsv(dir, csv);
  assert.equal(links(again.stdout).size, 0);
  assert.match(again.stderr, /0 created, 4 skipped \(they exist\), 7 rejected/);

  // A file that cannot be a roster: exit 1 with the reason.
  const bad = importCsv(dir, 'name,display\nana,Ana\n');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /no username column/);
  assert.equal(bad.stdout, '');
  assert.equal(runWeftd(['user', 'import', '--data', dir]).status, 2, 'no file: usage');
  const missing = runWeftd(['user', 'import', path.join(dir, 'nope.csv'), '--data', dir]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read/);
});

test('--dry-run validates and writes nothing; "-" reads standard input', () => {
  const dir = tempDir();
  addUser(dir, 'root', 'root-password-1', { admin: true });
  const csv = 'username,display\nroot,Root\nnew1,New One\nbad name,X\n';
  const dry = importCsv(dir, csv, ['--dry-run']);
  assert.equal(dry.status, 1, dry.stderr);
  assert.equal(dry.stdout, '');
  assert.match(dry.stderr, /line 2: would be skipped: root exists/);
  assert.match(dry.stderr, /line 4: rejected/);
  assert.match(dry.stderr, /1 would be created, 1 skipped \(they exist\), 1 rejected; nothing was written/);
  const ok = runWeftd(['user', 'import', '-', '--data', dir, '--dry-run'], { input: 'username\nfresh\n' });
  assert.equal(ok.status, 0, ok.stderr);
  const real = runWeftd(['user', 'import', '-', '--data', dir], { input: 'username\r\nfresh\r\n' });
  assert.equal(real.status, 0, real.stderr);
  assert.deepEqual([...links(real.stdout).keys()], ['fresh']);
  if (haveSqlite3()) {
    assert.equal(sqlite3(path.join(dir, 'weft.db'), "SELECT count(*) FROM users WHERE name = 'new1'").trim(), '0');
  }
});

test('while a server runs: the accounts are there at once, sign up through their links, join the default channels', async () => {
  const dir = tempDir();
  addUser(dir, 'root', 'root-password-1', { admin: true });
  assert.equal(runWeftd(['channel', 'add', 'welcome', '--owner', 'root', '--data', dir]).status, 0);
  const server = new Server({ dataDir: dir, args: ['--default-channels', 'welcome'] });
  servers.push(server);
  await server.start();
  const root = await connect(server, (await server.login('root', 'root-password-1')).token);
  const welcome = root.welcome.channels.find((c) => c.name === 'welcome');

  const rows = ['username,display,region'];
  for (let i = 0; i < 300; i++) rows.push(`p${i},"Person ${i}",West`);
  const r = importCsv(dir, rows.join('\r\n') + '\r\n', ['--default-channels', 'welcome']);
  assert.equal(r.status, 0, r.stderr);
  const made = links(r.stdout);
  assert.equal(made.size, 300);
  // The link names the running server's port (it left it in DIR/port).
  assert.match(r.stdout, new RegExp(`https://localhost:${server.port}/#signup=`));

  // The admin finds them at once (the server reads the database).
  const found = await root.request({ type: 'user.find', q: 'p29' });
  assert.deepEqual(found.users.map((u) => u.name).sort(), ['p29', 'p290', 'p291', 'p292', 'p293', 'p294', 'p295', 'p296', 'p297', 'p298', 'p299']);
  assert.equal(found.users[0].has_password, false);

  // A newcomer signs up through the link and is in welcome.
  const su = await request(server, 'POST', '/api/signup', { body: { token: made.get('p299'), password: 'p299-password' } });
  assert.equal(su.status, 200, su.text);
  assert.equal(su.body.user.name, 'p299');
  const p = await server.login('p299', 'p299-password');
  const c = await connect(server, p.token);
  assert.deepEqual(c.welcome.channels.map((x) => x.name), ['welcome']);
  // The members online saw every join (more than one batch of another process's events).
  await root.next((f) => f.type === 'event' && f.channel === welcome.id && f.kind === 'join' && f.user.name === 'p299', { timeout: 20000 });
  const joins = root.events(welcome.id).filter((f) => f.kind === 'join' && f.user.name !== 'root');
  assert.equal(joins.length, 300);
  const ack = await c.request({ type: 'send', channel: welcome.id, body: 'hello from an imported account', client_id: 'i1' });
  assert.equal(ack.type, 'ack', show(ack));
  root.ws.terminate();
  c.ws.terminate();
});

test('13,000 rows in one run (the figure is in the test log)', (t) => {
  const dir = tempDir();
  addUser(dir, 'root', 'root-password-1', { admin: true });
  const rows = ['username,display,email,jurisdiction,region,title'];
  for (let i = 0; i < 13000; i++) rows.push(`person${i},"Person ${i}, Jr.",p${i}@example.org,County ${i % 40},Region ${i % 7},Analyst`);
  const t0 = process.hrtime.bigint();
  const r = importCsv(dir, rows.join('\n') + '\n');
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(r.status, 0, r.stderr.slice(0, 2000));
  assert.match(r.stderr, /13000 created, 0 skipped/);
  assert.equal(r.stdout.trim().split('\n').length, 13001);
  t.diagnostic(`13,000 rows imported in ${Math.round(ms)} ms (this build: ${process.env.WEFTD || 'build/weftd'})`);
});
