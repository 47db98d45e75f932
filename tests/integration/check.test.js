// `weftd check` (issue 18): integrity, foreign keys and the event log. The
// log's seqs run without a gap (the writer assigns them one transaction at
// a time and a refused send hands its seq back), so a missing seq is a
// problem the report names, and the exit status is 1.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Server, connect, tempDir, addUser, runWeftd, request } from '../lib/harness.js';
import { stopWithin, sendMsg, makeChannel, haveSqlite3 } from './support.js';

let server;
after(async () => { await stopWithin(server); });

function sql(file, text) {
  const r = spawnSync('sqlite3', [file, text], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('a healthy database passes, also while served; a gap made by hand is named and exits 1', { skip: !haveSqlite3() && 'needs the sqlite3 tool' }, async () => {
  const dir = tempDir();
  addUser(dir, 'ana', 'ana-password-1', { admin: true });
  server = new Server({ dataDir: dir });
  await server.start();
  const ana = await connect(server, (await server.login('ana', 'ana-password-1')).token);
  const ch = await makeChannel(ana);
  const acks = [];
  for (let i = 0; i < 6; i++) acks.push(await sendMsg(ana, ch.id, `m${i}`));
  // A send refused after its event was written (a repeated client_id)
  // hands its seq back: no gap.
  const dup = await ana.request({ type: 'send', channel: ch.id, body: 'again', client_id: 'same' });
  const dup2 = await ana.request({ type: 'send', channel: ch.id, body: 'again', client_id: 'same' });
  assert.equal(dup2.duplicate, true);
  assert.equal((await sendMsg(ana, ch.id, 'after')).id, dup.id + 1);

  let r = runWeftd(['check', '--data', dir]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /no problems found/);
  ana.ws.terminate();
  await server.stop();

  // Take two events out of the middle of the log, by hand.
  const db = path.join(dir, 'weft.db');
  const gapAt = acks[2].id;
  sql(db, `DELETE FROM events WHERE seq IN (${gapAt}, ${gapAt + 1})`);
  r = runWeftd(['check', '--data', dir]);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, new RegExp(`problem: event log: gap: seqs ${gapAt} to ${gapAt + 1} are missing`));
  assert.match(r.stdout, new RegExp(`problem: messages: message ${gapAt} has no message event in its channel`));
  assert.match(r.stderr, /check found \d+ problems/);

  // A counter behind the log would hand out a seq again.
  sql(db, "UPDATE sqlite_sequence SET seq = 1 WHERE name = 'events'");
  r = runWeftd(['check', '--data', dir]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /the seq counter \(1\) is behind the newest event/);

  // A membership of a user who does not exist.
  sql(db, 'INSERT INTO members(channel_id, user_id, role) VALUES (1, 999, 1)');
  r = runWeftd(['check', '--data', dir]);
  assert.match(r.stdout, /channel 1 lists user 999, who does not exist/);

  // A damaged page: integrity_check speaks.
  const hurt = tempDir();
  const bytes = fs.readFileSync(db);
  const page = bytes.readUInt16BE(16) || 65536;
  for (let p = 2; p * page < bytes.length; p++) bytes.fill(0x5a, p * page + 8, p * page + 64);
  fs.writeFileSync(path.join(hurt, 'weft.db'), bytes);
  r = runWeftd(['check', '--data', hurt]);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout + r.stderr, /integrity|malformed|corrupt/i);

  const empty = tempDir();
  assert.equal(runWeftd(['check', '--data', empty]).status, 1, 'no database');
});

test('a file whose bytes are gone or cut short is named', async () => {
  const dir = tempDir();
  addUser(dir, 'ana', 'ana-password-1', { admin: true });
  server = new Server({ dataDir: dir });
  await server.start();
  const { token } = await server.login('ana', 'ana-password-1');
  const ana = await connect(server, token);
  const ch = await makeChannel(ana);
  const ids = [];
  for (const text of ['the rubric, v1', 'the budget tool']) {
    const up = await request(server, 'POST', `/api/files?channel=${ch.id}&name=f.txt`,
      { body: text, headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' } });
    assert.equal(up.status, 200, up.text);
    ids.push(up.body.file);
  }
  const sent = await ana.request({ type: 'send', channel: ch.id, body: 'both files', client_id: 'f1', files: ids.map((f) => f.id) });
  assert.equal(sent.type, 'ack', JSON.stringify(sent));
  let r = runWeftd(['check', '--data', dir]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  ana.ws.terminate();
  await server.stop();

  const blob = (sha) => path.join(dir, 'files', sha.slice(0, 2), sha.slice(2));
  fs.rmSync(blob(ids[0].sha256));
  fs.writeFileSync(blob(ids[1].sha256), 'cut');
  r = runWeftd(['check', '--data', dir]);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, new RegExp(`problem: files: the bytes of 1 file\\(s\\) with SHA-256 ${ids[0].sha256} are missing`));
  assert.match(r.stdout, new RegExp(`problem: files: the bytes of SHA-256 ${ids[1].sha256} are 3 bytes, not ${ids[1].size}`));
});
