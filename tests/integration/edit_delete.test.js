// edit and delete: who may, the events they produce, and that a deleted body
// is gone from the store on disk.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer, connect } from '../lib/harness.js';
import { makeChannel, sendMsg, filesContaining, haveSqlite3, sqlite3, stopWithin } from './support.js';
import path from 'node:path';

let server;
const u = {};
const c = {};
let chan;

before(async () => {
  server = await startServer();
  for (const n of ['ana', 'bo', 'cy', 'eve']) {
    u[n] = await server.user(n);
    c[n] = await connect(server, u[n].token);
  }
  chan = await makeChannel(c.ana, [c.bo, c.cy]); // ana owns it
});
after(async () => {
  for (const x of Object.values(c)) x.ws.terminate();
  await stopWithin(server);
});

const members = ['ana', 'bo', 'cy'];
const marks = () => Object.fromEntries(Object.entries(c).map(([n, x]) => [n, x.frames.length]));

test('the author edits: ok reply and an edit event with the new body to every member', async () => {
  const m = await sendMsg(c.bo, chan.id, 'first draft');
  const from = marks();
  const r = await c.bo.request({ type: 'edit', channel: chan.id, id: m.id, body: 'second draft', req: 'e1' });
  assert.deepEqual({ type: r.type, req: r.req }, { type: 'ok', req: 'e1' }, JSON.stringify(r));
  for (const n of members) {
    const ev = await c[n].next((f) => f.type === 'event' && f.kind === 'edit' && f.message?.id === m.id, { from: from[n] });
    assert.equal(ev.channel, chan.id);
    assert.ok(ev.seq > m.id, 'an edit is a new event with a new seq');
    assert.equal(ev.message.body, 'second draft');
    assert.equal(ev.message.author.id, u.bo.id);
    assert.match(ev.message.edited, /^\d{4}-\d\d-\d\dT/);
  }
  const h = await c.cy.request({ type: 'history', channel: chan.id, after: m.id - 1 });
  assert.equal(h.messages.find((x) => x.id === m.id).body, 'second draft');
});

test("another member may neither edit nor delete someone else's message", async () => {
  const m = await sendMsg(c.bo, chan.id, 'mine, not yours');
  const e = await c.cy.request({ type: 'edit', channel: chan.id, id: m.id, body: 'hijacked', req: 'x1' });
  assert.deepEqual({ type: e.type, code: e.code, req: e.req }, { type: 'error', code: 'forbidden', req: 'x1' });
  const d = await c.cy.request({ type: 'delete', channel: chan.id, id: m.id, req: 'x2' });
  assert.deepEqual({ type: d.type, code: d.code, req: d.req }, { type: 'error', code: 'forbidden', req: 'x2' });
  const d2 = await c.eve.request({ type: 'delete', channel: chan.id, id: m.id });
  assert.equal(d2.type, 'error');
  assert.equal(d2.code, 'forbidden');
  const h = await c.bo.request({ type: 'history', channel: chan.id, after: m.id - 1 });
  const still = h.messages.find((x) => x.id === m.id);
  assert.equal(still?.body, 'mine, not yours');
  assert.equal(still.edited, null);
});

test("the channel owner may delete another member's message: ok and a delete event", async () => {
  const m = await sendMsg(c.bo, chan.id, 'moderate me');
  const from = marks();
  const r = await c.ana.request({ type: 'delete', channel: chan.id, id: m.id, req: 'd1' });
  assert.deepEqual({ type: r.type, req: r.req }, { type: 'ok', req: 'd1' }, JSON.stringify(r));
  for (const n of members) {
    const ev = await c[n].next((f) => f.type === 'event' && f.kind === 'delete' && f.id === m.id, { from: from[n] });
    assert.equal(ev.channel, chan.id);
    assert.ok(ev.seq > m.id);
    assert.ok(!JSON.stringify(ev).includes('moderate me'), 'delete event carries no body');
  }
  const h = await c.bo.request({ type: 'history', channel: chan.id, after: m.id - 1 });
  assert.equal(h.messages.find((x) => x.id === m.id), undefined);
});

test("the channel owner (a moderator) may edit another member's message (shared contract)", async () => {
  // Shared PROTOCOL.md: edit and delete "are allowed to the author and to the
  // channel's moderators".
  const m = await sendMsg(c.bo, chan.id, 'typo hre');
  const from = c.bo.frames.length;
  const r = await c.ana.request({ type: 'edit', channel: chan.id, id: m.id, body: 'typo here' });
  assert.equal(r.type, 'ok', `owner edit refused: ${JSON.stringify(r)}`);
  const ev = await c.bo.next((f) => f.type === 'event' && f.kind === 'edit' && f.message?.id === m.id, { from });
  assert.equal(ev.message.body, 'typo here');
  assert.equal(ev.message.author.id, u.bo.id, 'the author stays the author');
});

test('the author deletes their own message', async () => {
  const m = await sendMsg(c.cy, chan.id, 'oops');
  const from = c.bo.frames.length;
  const r = await c.cy.request({ type: 'delete', channel: chan.id, id: m.id });
  assert.equal(r.type, 'ok', JSON.stringify(r));
  await c.bo.next((f) => f.type === 'event' && f.kind === 'delete' && f.id === m.id, { from });
});

test('a deleted body is gone from the database files, not hidden', async () => {
  const marker = `MARK${crypto.randomBytes(12).toString('hex')}`;
  const keep = `KEEP${crypto.randomBytes(12).toString('hex')}`;
  const m = await sendMsg(c.bo, chan.id, `secret ${marker} secret`);
  await sendMsg(c.bo, chan.id, `kept ${keep}`);
  // Sanity: the marker is on disk before the delete, so the search below can fail.
  assert.ok(filesContaining(server.dataDir, marker).length > 0, 'marker not found on disk before delete');
  const del = await c.ana.request({ type: 'delete', channel: chan.id, id: m.id });
  assert.equal(del.type, 'ok', JSON.stringify(del));
  // A full replay from the start carries no trace of it either.
  const fresh = await connect(server, u.cy.token, { since: 0 });
  assert.ok(!JSON.stringify(fresh.frames).includes(marker), 'replay still carries the deleted body');
  const orig = fresh.frames.find((f) => f.type === 'event' && f.kind === 'message' && f.seq === m.id);
  if (orig) assert.equal(orig.message.body, null);
  assert.ok(fresh.frames.some((f) => f.type === 'event' && f.kind === 'delete' && f.id === m.id), 'replay carries the delete event');
  assert.ok(JSON.stringify(fresh.frames).includes(keep));
  await fresh.close();
  // Stopping checkpoints the WAL into the main file; nothing may remain anywhere.
  for (const x of Object.values(c)) x.ws.terminate(); // SIGTERM with open sockets: durability.test.js
  const st = await stopWithin(server);
  assert.equal(st.code, 0);
  assert.deepEqual(filesContaining(server.dataDir, marker), [], 'deleted body still present on disk');
  assert.ok(filesContaining(server.dataDir, keep).length > 0, 'the kept message must still be on disk');
  if (haveSqlite3()) {
    const db = path.join(server.dataDir, 'weft.db');
    assert.equal(sqlite3(db, 'PRAGMA integrity_check;').trim(), 'ok');
    assert.ok(!sqlite3(db, '.dump').includes(marker));
  }
});

test('edit or delete of a missing or deleted message -> not_found; oversize edit -> too_large', async () => {
  // Runs last: a server that crashes here must not take the other tests with it.
  if (server.proc.exitCode !== null || server.proc.signalCode) await server.start(); // stopped by the test above
  c.bo = await connect(server, u.bo.token);
  const m = await sendMsg(c.bo, chan.id, 'short lived');
  assert.equal((await c.bo.request({ type: 'delete', channel: chan.id, id: m.id })).type, 'ok');
  const e = await c.bo.request({ type: 'edit', channel: chan.id, id: m.id, body: 'resurrect' });
  assert.equal(e.code, 'not_found', JSON.stringify(e));
  const d = await c.bo.request({ type: 'delete', channel: chan.id, id: m.id });
  assert.equal(d.code, 'not_found', JSON.stringify(d));
  const live = await sendMsg(c.bo, chan.id, 'fine');
  const big = await c.bo.request({ type: 'edit', channel: chan.id, id: live.id, body: 'y'.repeat(4001), req: 'big' });
  assert.deepEqual({ type: big.type, code: big.code, req: big.req }, { type: 'error', code: 'too_large', req: 'big' });
  const y = await c.bo.request({ type: 'delete', channel: chan.id, id: 987654321 });
  assert.equal(y.code, 'not_found', JSON.stringify(y));
  const x = await c.bo.request({ type: 'edit', channel: chan.id, id: 987654321, body: 'nothing' });
  assert.equal(x.code, 'not_found', JSON.stringify(x));
});

// Review finding 6: someone who cannot read a channel learns nothing of its
// message ids: an existing id and one that never existed get the same answer.
test('edit or delete in a channel one cannot read -> not_found, the same as for no message', async () => {
  if (server.proc.exitCode !== null || server.proc.signalCode) await server.start();
  for (const n of ['ana', 'eve']) c[n] = await connect(server, u[n].token); // closed by the durability test
  const team = await makeChannel(c.ana, [], { kind: 'team', access: 'invite' }); // eve is not in it
  assert.equal((await c.ana.request({ type: 'channel.invite', channel: team.id, user: u.bo.id })).type, 'ok');
  assert.equal((await c.bo.request({ type: 'channel.join', channel: team.id })).type, 'channel');
  const m = await sendMsg(c.bo, team.id, 'team only');
  const answers = [];
  for (const id of [m.id, m.id + 100000]) {
    for (const type of ['edit', 'delete']) {
      const r = await c.eve.request({ type, channel: team.id, id, ...(type === 'edit' ? { body: 'x' } : {}) });
      answers.push({ type: r.type, code: r.code, message: r.message });
    }
  }
  for (const a of answers) assert.deepEqual(a, answers[0], JSON.stringify(answers));
  assert.equal(answers[0].code, 'not_found');
  // The message is untouched.
  const h = await c.bo.request({ type: 'history', channel: team.id, limit: 1 });
  assert.equal(h.messages[0].body, 'team only');
});
