// `weftd export` (issue 18): a channel's record as JSON lines or Markdown,
// with current bodies, authors, times and threads, and never a deleted
// message; `--user` for a data-subject request. Runs beside a live server.
// (Confidential messages, issue 15, are not built yet: the store's one
// EXPORTABLE condition is where they are kept out; their test comes with
// them.)
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Server, connect, tempDir, addUser, runWeftd, request, WEFTD } from '../lib/harness.js';
import { stopWithin, show, sendMsg } from './support.js';

let server;
after(async () => { await stopWithin(server); });

const exportOf = (dir, args) => spawnSync(WEFTD, ['export', '--data', dir, ...args], { encoding: 'utf8', timeout: 30000 });

test('a channel and a person exported while the server runs: no deleted message, edits current, threads kept', async () => {
  const dir = tempDir();
  addUser(dir, 'ana', 'ana-password-1', { admin: true, display: 'Ana Brown' });
  const imp = runWeftd(['user', 'import', '-', '--data', dir], { input: 'username,display,email\nlee,Lee Chen,lee@example.org\n' });
  assert.equal(imp.status, 0, imp.stderr);
  server = new Server({ dataDir: dir });
  await server.start();
  const ana = await connect(server, (await server.login('ana', 'ana-password-1')).token);
  const token = /#signup=(\S+)/.exec(imp.stdout)[1];
  assert.equal((await request(server, 'POST', '/api/signup', { body: { token, password: 'lee-password-1' } })).status, 200);
  const lee = await connect(server, (await server.login('lee', 'lee-password-1')).token);

  const ch = (await ana.request({ type: 'channel.create', name: 'records', kind: 'cohort', topic: 'Minutes' })).channel;
  assert.equal((await lee.request({ type: 'channel.join', channel: ch.id })).type, 'channel');
  const root = await sendMsg(ana, ch.id, 'Agenda:\n1. budget, equity lens');
  const other = await sendMsg(lee, ch.id, 'typo vesion');
  const reply = await sendMsg(lee, ch.id, 'a reply about "the budget"', { thread: root.id });
  const gone = await sendMsg(ana, ch.id, 'SECRET-DELETED-BODY');
  const goneRoot = await sendMsg(ana, ch.id, 'ROOT-DELETED-BODY');
  const orphan = await sendMsg(lee, ch.id, 'reply to a deleted root', { thread: goneRoot.id });
  const late = await sendMsg(ana, ch.id, 'a second reply', { thread: root.id });
  assert.equal((await lee.request({ type: 'edit', channel: ch.id, id: other.id, body: 'fixed version' })).type, 'ok');
  assert.equal((await ana.request({ type: 'delete', channel: ch.id, id: gone.id })).type, 'ok');
  assert.equal((await ana.request({ type: 'delete', channel: ch.id, id: goneRoot.id })).type, 'ok');
  const dm = (await lee.request({ type: 'dm.open', users: [ana.welcome.user.id] })).channel;
  const dmMsg = await sendMsg(lee, dm.id, 'a direct message from lee');

  // JSON lines, in seq order.
  let r = exportOf(dir, ['--channel', 'records']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /exported 5 messages/);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines[0].type, 'channel');
  assert.equal(lines[0].name, 'records');
  assert.equal(lines[0].topic, 'Minutes');
  const msgs = lines.slice(1);
  assert.deepEqual(msgs.map((m) => m.id), [root.id, other.id, reply.id, orphan.id, late.id]);
  for (const m of msgs) {
    assert.equal(m.type, 'message');
    assert.equal(m.channel, 'records');
    assert.match(m.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  assert.deepEqual(msgs[0].author, { id: ana.welcome.user.id, name: 'ana', display: 'Ana Brown' });
  assert.equal(msgs[0].body, 'Agenda:\n1. budget, equity lens');
  assert.equal(msgs[0].thread, null);
  assert.equal(msgs[0].reply_count, 2);
  assert.equal(msgs[1].body, 'fixed version');
  assert.ok(msgs[1].edited, 'an edit time');
  assert.equal(msgs[2].thread, root.id);
  assert.equal(msgs[3].thread, goneRoot.id);
  assert.ok(!r.stdout.includes('SECRET-DELETED-BODY') && !r.stdout.includes('ROOT-DELETED-BODY'), 'no deleted body');
  assert.ok(!r.stdout.includes('typo vesion'), 'no earlier version of an edited body');
  assert.ok(!r.stdout.includes('direct message'), 'another channel stays out');

  // Markdown: replies under their root, quoted.
  r = exportOf(dir, ['--channel', 'records', '--format', 'md']);
  assert.equal(r.status, 0, r.stderr);
  const md = r.stdout;
  assert.match(md, /^# #records\n/);
  assert.ok(!md.includes('SECRET-DELETED-BODY') && !md.includes('ROOT-DELETED-BODY'));
  const at = (s) => { const i = md.indexOf(s); assert.ok(i >= 0, `${s} in ${md}`); return i; };
  assert.ok(at('Agenda:') < at('> a reply about "the budget"'));
  assert.ok(at('> a reply about "the budget"') < at('> a second reply'));
  assert.ok(at('> a second reply') < at('fixed version'), 'a thread stays together, before later roots');
  assert.ok(at('(deleted message)') < at('> reply to a deleted root'));
  assert.match(md, /### Ana Brown \(@ana\) · \d{4}-\d\d-\d\d \d\d:\d\d UTC · #\d+\n\nAgenda:\n1\. budget, equity lens\n/);

  // A person: profile (with the e-mail the import gave), channels, every message they wrote.
  r = exportOf(dir, ['--user', 'lee']);
  assert.equal(r.status, 0, r.stderr);
  const ul = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(ul[0].type, 'user');
  assert.equal(ul[0].name, 'lee');
  assert.equal(ul[0].email, 'lee@example.org');
  assert.equal(ul[0].display, 'Lee Chen');
  assert.deepEqual(ul.filter((l) => l.type === 'membership').map((l) => l.channel).sort(), [dm.name, 'records'].sort());
  const mine = ul.filter((l) => l.type === 'message');
  assert.deepEqual(mine.map((m) => m.id), [other.id, reply.id, orphan.id, dmMsg.id]);
  assert.ok(mine.every((m) => m.author.name === 'lee'));
  r = exportOf(dir, ['--user', 'lee', '--format', 'md']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^# Lee Chen \(@lee\)\n/);
  assert.match(r.stdout, /- E-mail: lee@example\.org/);
  assert.match(r.stdout, /a direct message from lee/);

  // Bad usage, unknown names.
  assert.equal(exportOf(dir, []).status, 2);
  assert.equal(exportOf(dir, ['--channel', 'records', '--user', 'lee']).status, 2);
  assert.equal(exportOf(dir, ['--channel', 'records', '--format', 'pdf']).status, 2);
  r = exportOf(dir, ['--channel', 'nope']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no channel nope/);
  assert.equal(exportOf(tempDir(), ['--channel', 'records']).status, 1, 'no database');

  // The server kept serving throughout.
  assert.equal((await sendMsg(ana, ch.id, 'still here')).type, 'ack');
  ana.ws.terminate();
  lee.ws.terminate();
});
