// Introductions, double opt-in (docs/PROTOCOL.md "Weaving"): both people
// get the introduction live and in intro.list; once both accept, their DM
// opens (both get `joined`) with the note as its first message from the
// proposer; a decline by either tells the proposer only `declined`, never
// by whom, and tells the other nothing; only the two may answer, once; the
// daily limit; expiry after 14 days; a decline also keeps each out of the
// other's suggestions.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { stopWithin, NO_RATE_LIMIT, show, assertErr, allHistory, barrier, haveSqlite3, sqlite3 } from './support.js';

let server;
const u = {};
const c = {};

before(async () => {
  server = await startServer({ args: [...NO_RATE_LIMIT, '--intro-daily', '3'] });
  for (const n of ['wen', 'ana', 'bo', 'cy', 'dee', 'eli', 'fay']) {
    u[n] = await server.user(n);
    c[n] = await connect(server, u[n].token);
  }
  await c.ana.request({ type: 'profile.update', jurisdiction: 'Tacoma', focus: ['housing'] });
  await c.eli.request({ type: 'profile.update', jurisdiction: 'Austin', focus: ['housing'] });
});
after(async () => {
  for (const x of Object.values(c)) x.ws.terminate();
  await stopWithin(server);
  assert.doesNotMatch(server.log, /Sanitizer|runtime error/, 'the server ran clean');
});

const introFrame = (id) => (f) => f.type === 'intro' && f.intro.id === id;

async function propose(by, a, b, note) {
  const r = await c[by].request({ type: 'intro.propose', a: u[a].id, b: u[b].id, note });
  assert.equal(r.type, 'ok', show(r));
  assert.equal(typeof r.intro, 'number');
  return r.intro;
}

test('accepted by both: the DM opens for both with the note as its first message, from the proposer', async () => {
  const fromA = c.ana.frames.length, fromB = c.bo.frames.length;
  const id = await propose('wen', 'ana', 'bo', 'Ana, meet Bo: you both work on eviction data.');
  const fa = await c.ana.next(introFrame(id), { from: fromA });
  assert.equal(fa.intro.by.id, u.wen.id);
  assert.equal(fa.intro.other.id, u.bo.id);
  assert.equal(fa.intro.note, 'Ana, meet Bo: you both work on eviction data.');
  const fb = await c.bo.next(introFrame(id), { from: fromB });
  assert.equal(fb.intro.other.id, u.ana.id);
  const listed = (await c.ana.request({ type: 'intro.list' })).intros.find((x) => x.id === id);
  assert.equal(listed.state, 'pending');
  assert.equal(listed.answer, null);
  assert.equal(listed.other.id, u.bo.id);

  assert.equal((await c.ana.request({ type: 'intro.answer', intro: id, accept: true })).type, 'ok');
  // Bo learns nothing of Ana's answer.
  const boView = (await c.bo.request({ type: 'intro.list' })).intros.find((x) => x.id === id);
  assert.equal(boView.state, 'pending');
  assert.equal('a' in boView && boView.a !== null, false, show(boView));
  const before = [c.ana.frames.length, c.bo.frames.length];
  assert.equal((await c.bo.request({ type: 'intro.answer', intro: id, accept: true })).type, 'ok');
  const ja = await c.ana.next((f) => f.type === 'joined' && f.channel.kind === 'dm', { from: before[0] });
  const jb = await c.bo.next((f) => f.type === 'joined' && f.channel.kind === 'dm', { from: before[1] });
  assert.equal(ja.channel.id, jb.channel.id);
  const msgs = await allHistory(c.ana, ja.channel.id);
  assert.equal(msgs.length, 1);
  assert.equal(msgs[0].body, 'Ana, meet Bo: you both work on eviction data.');
  assert.equal(msgs[0].author.id, u.wen.id);
  const members = await c.bo.request({ type: 'channel.members', channel: ja.channel.id });
  assert.deepEqual(members.members.map((m) => m.name).sort(), ['ana', 'bo']);
  const wenSees = (await c.wen.request({ type: 'intro.list' })).intros.find((x) => x.id === id);
  assert.equal(wenSees.state, 'accepted');
  assert.equal((await c.ana.request({ type: 'intro.list' })).intros.find((x) => x.id === id).channel, ja.channel.id);
  assertErr(await c.bo.request({ type: 'intro.answer', intro: id, accept: false }), 'conflict', 'answered twice');
});

test('a decline by either never reveals who declined; the other hears nothing', async () => {
  for (const decliner of ['cy', 'dee']) {
    const other = decliner === 'cy' ? 'dee' : 'cy';
    const id = await propose('wen', 'cy', 'dee', 'Two budget people.');
    await c[other].next(introFrame(id)); // the proposal itself
    const fromWen = c.wen.frames.length, fromOther = c[other].frames.length;
    assert.equal((await c[other].request({ type: 'intro.answer', intro: id, accept: true })).type, 'ok');
    assert.equal((await c[decliner].request({ type: 'intro.answer', intro: id, accept: false })).type, 'ok');
    const told = await c.wen.next(introFrame(id), { from: fromWen });
    assert.equal(told.intro.state, 'declined');
    // Nothing in what the proposer gets names an answer of either.
    const text = JSON.stringify(told) + JSON.stringify((await c.wen.request({ type: 'intro.list' })).intros.find((x) => x.id === id));
    assert.doesNotMatch(text, /answer|accepted|declined_by|by_/, 'no answer of a person');
    assert.deepEqual(Object.keys(told.intro).sort(), ['a', 'b', 'by', 'created', 'id', 'note', 'state']);
    // The one who accepted still sees it waiting.
    await barrier(c[other]);
    assert.equal(c[other].frames.slice(fromOther).some(introFrame(id)), false, 'no frame to the other');
    const view = (await c[other].request({ type: 'intro.list' })).intros.find((x) => x.id === id);
    assert.equal(view.state, 'pending');
    assert.equal(view.answer, true);
  }
});

test('only the two may answer, once; a bad id is not_found', async () => {
  const id = await propose('dee', 'ana', 'cy', 'Meet.');
  assertErr(await c.eli.request({ type: 'intro.answer', intro: id, accept: true }), 'forbidden', 'a stranger');
  assertErr(await c.dee.request({ type: 'intro.answer', intro: id, accept: true }), 'forbidden', 'the proposer');
  assertErr(await c.ana.request({ type: 'intro.answer', intro: 999999, accept: true }), 'not_found', 'no such intro');
  assertErr(await c.ana.request({ type: 'intro.answer', intro: id }), 'bad_request', 'no accept');
  assert.equal((await c.ana.request({ type: 'intro.answer', intro: id, accept: false })).type, 'ok');
  assertErr(await c.ana.request({ type: 'intro.answer', intro: id, accept: true }), 'conflict', 'twice');
});

test('intro.propose checks its people and note; one waiting introduction per pair', async () => {
  assertErr(await c.fay.request({ type: 'intro.propose', a: u.ana.id, b: u.ana.id, note: 'x' }), 'bad_request', 'same person');
  assertErr(await c.fay.request({ type: 'intro.propose', a: u.fay.id, b: u.ana.id, note: 'x' }), 'bad_request', 'oneself');
  assertErr(await c.fay.request({ type: 'intro.propose', a: u.ana.id, b: 999999, note: 'x' }), 'not_found', 'nobody');
  assertErr(await c.fay.request({ type: 'intro.propose', a: u.ana.id, b: u.bo.id, note: '  ' }), 'bad_request', 'blank note');
  assertErr(await c.fay.request({ type: 'intro.propose', a: u.ana.id, b: u.bo.id }), 'bad_request', 'no note');
  assertErr(await c.fay.request({ type: 'intro.propose', a: u.ana.id, b: u.bo.id, note: 'n'.repeat(501) }), 'too_large', 'long note');
  await propose('fay', 'bo', 'dee', 'Hello');
  assertErr(await c.fay.request({ type: 'intro.propose', a: u.dee.id, b: u.bo.id, note: 'again' }), 'conflict', 'pair waiting');
});

test('the daily limit (intro_daily, here 3)', async () => {
  await propose('eli', 'ana', 'fay', '1');
  await propose('eli', 'bo', 'fay', '2');
  await propose('eli', 'cy', 'fay', '3');
  assertErr(await c.eli.request({ type: 'intro.propose', a: u.dee.id, b: u.fay.id, note: '4' }), 'rate_limited', 'fourth');
});

test('who declined an introduction to someone is not suggested to them', async () => {
  assert.ok((await c.ana.request({ type: 'peers.suggest' })).users.some((x) => x.id === u.eli.id), 'eli suggested first');
  const id = await propose('bo', 'ana', 'eli', 'Housing both');
  assert.equal((await c.eli.request({ type: 'intro.answer', intro: id, accept: false })).type, 'ok');
  assert.equal((await c.ana.request({ type: 'peers.suggest' })).users.some((x) => x.id === u.eli.id), false);
});

test('an introduction not decided in 14 days expires: no answer, shown as expired', { skip: !haveSqlite3() && 'sqlite3 not installed' }, async () => {
  const s = await startServer({ args: NO_RATE_LIMIT });
  try {
    const x = {}, k = {};
    for (const n of ['px', 'qa', 'qb']) { x[n] = await s.user(n); k[n] = await connect(s, x[n].token); }
    const r = await k.px.request({ type: 'intro.propose', a: x.qa.id, b: x.qb.id, note: 'old one' });
    assert.equal(r.type, 'ok', show(r));
    const fresh = await k.px.request({ type: 'intro.propose', a: x.qb.id, b: x.qa.id, note: 'x' });
    assertErr(fresh, 'conflict', 'the pair waits');
    for (const c of Object.values(k)) c.ws.terminate();
    await s.stop();
    // Fifteen days older, as if time had passed (the server is stopped).
    const db = path.join(s.dataDir, 'weft.db');
    spawnSync('sqlite3', [db, `UPDATE intros SET created_ms = created_ms - 15 * 86400000 WHERE id = ${r.intro}`]);
    assert.match(sqlite3(db, `SELECT count(*) FROM intros WHERE id = ${r.intro} AND created_ms < ${Date.now() - 14 * 86400000}`), /^1/);
    await s.start();
    for (const n of ['px', 'qa']) k[n] = await connect(s, (await s.login(n, x[n].password)).token);
    assertErr(await k.qa.request({ type: 'intro.answer', intro: r.intro, accept: true }), 'conflict', 'expired');
    assert.equal((await k.qa.request({ type: 'intro.list' })).intros.find((i) => i.id === r.intro).state, 'expired');
    assert.equal((await k.px.request({ type: 'intro.list' })).intros.find((i) => i.id === r.intro).state, 'expired');
    // The pair may be introduced again.
    assert.equal((await k.px.request({ type: 'intro.propose', a: x.qa.id, b: x.qb.id, note: 'again' })).type, 'ok');
    for (const c of [k.px, k.qa]) c.ws.terminate();
  } finally {
    await stopWithin(s);
  }
});
