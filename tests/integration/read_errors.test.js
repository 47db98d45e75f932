// A read that fails is never "nothing found" (DESIGN rule 10). Tables are
// renamed away under the running server, so that its reads fail for real:
// without the event log, a resuming client is closed with 1011 and never
// told `synced`; without the memberships, `channel.members` answers
// `internal` instead of an empty list.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, connect } from '../lib/harness.js';
import { makeChannel, sendMsg, haveSqlite3, rawConnect, closedWithin, stopWithin } from './support.js';

let server, ana, c, chan;

// Runs sql on the server's database through the sqlite3 command line.
function damage(sql) {
  const db = path.join(server.dataDir, 'weft.db');
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 10000', db, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3 ${db}: ${r.stderr}`);
}

before(async () => {
  server = await startServer();
  ana = await server.user('ana');
  c = await connect(server, ana.token);
  chan = await makeChannel(c);
  await sendMsg(c, chan.id, 'before the damage');
});
after(async () => {
  c?.ws.terminate();
  await stopWithin(server);
});

test('resume closes with 1011 and never sends synced when the log cannot be read', { skip: !haveSqlite3() && 'no sqlite3' }, async () => {
  damage('ALTER TABLE events RENAME TO events_gone;');
  const r = await rawConnect(server, { headers: { authorization: `Bearer ${ana.token}` } });
  const k = r.client;
  k.ws.on('error', () => {});
  k.send({ type: 'hello', since: 0 });
  const closed = await closedWithin(k, 10000);
  assert.equal(closed.code, 1011, `closed with ${closed.code} ${closed.reason}`);
  assert.equal(closed.reason, 'cannot resume', 'the replay failed, not the welcome');
  assert.deepEqual(k.frames.filter((f) => f.type === 'synced' || f.type === 'event'), [],
    'no replayed event and no synced');
  damage('ALTER TABLE events_gone RENAME TO events;');
});

test('channel.members answers internal, not an empty list, when the memberships cannot be read', { skip: !haveSqlite3() && 'no sqlite3' }, async () => {
  damage('ALTER TABLE members RENAME TO members_gone;');
  const r = await c.request({ type: 'channel.members', channel: chan.id });
  assert.equal(r.type, 'error', JSON.stringify(r));
  assert.equal(r.code, 'internal');
  damage('ALTER TABLE members_gone RENAME TO members;');
  const ok = await c.request({ type: 'channel.members', channel: chan.id });
  assert.equal(ok.type, 'members');
  assert.equal(ok.members.length, 1);
});
