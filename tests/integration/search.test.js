// Message search (docs/PROTOCOL.md "Search"): prefix words, phrases, accents
// and case, from:/in: filters and fields, paging with before, and above all
// that a user finds only what they may read now — never an invite-only team
// they are not in, never a request channel they left, never what was said
// before they joined a non-open channel, never a deleted message, and an
// edited one only by its current words. Bad queries get bad_request with a
// message, never an SQLite error.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer, connect } from '../lib/harness.js';
import { uid, sendMsg, makeChannel, stopWithin, show, assertErr, NO_RATE_LIMIT } from './support.js';

let server;
const u = {};
const c = {};

before(async () => {
  server = await startServer({ args: NO_RATE_LIMIT });
  for (const n of ['ana', 'bo', 'cy']) {
    u[n] = await server.user(n, { display: `${n[0].toUpperCase()}${n.slice(1)} Search` });
    c[n] = await connect(server, u[n].token);
    c[n].ws.on('error', () => {});
  }
});
after(async () => {
  for (const x of Object.values(c)) x.ws.terminate();
  const r = await stopWithin(server);
  assert.equal(r.code, 0, `weftd exit: ${show(r)}`);
  assert.doesNotMatch(server.log, /Sanitizer|runtime error/, 'sanitizer report in the server log');
});

// A word no other test (or message) contains: letters only, so that every
// prefix of it is a prefix of this word alone.
function word(stem = 'w') {
  const letters = [...crypto.randomBytes(8)].map((b) => String.fromCharCode(97 + (b % 26))).join('');
  return `${stem}${letters}`;
}

async function search(client, q, extra = {}) {
  const r = await client.request({ type: 'search', q, ...extra });
  assert.equal(r.type, 'results', `search ${show(q)}: ${show(r)}`);
  return r;
}

const ids = (r) => r.messages.map((m) => m.id);

test('welcome.limits announces max_search (50) and max_search_query (256)', () => {
  assert.equal(c.ana.welcome.limits.max_search, 50);
  assert.equal(c.ana.welcome.limits.max_search_query, 256);
});

test('a prefix of a word finds it, with the match marked in the snippet and the channel named', async () => {
  const ch = await makeChannel(c.ana, [c.bo]);
  const w = word('equit');
  const a = await sendMsg(c.ana, ch.id, `The ${w} rubric, revised for March`);
  await sendMsg(c.ana, ch.id, 'nothing to find here');
  const r = await search(c.bo, w.slice(0, 7), { req: 's1' });
  assert.equal(r.req, 's1');
  assert.deepEqual(ids(r), [a.id], show(r));
  const m = r.messages[0];
  assert.equal(m.channel, ch.id);
  assert.equal(m.author.name, 'ana');
  assert.equal(m.body, `The ${w} rubric, revised for March`);
  assert.equal(m.snippet, `The [[${w}]] rubric, revised for March`);
  assert.deepEqual(m.snippet_parts, ['The ', w, ' rubric, revised for March']);
  assert.equal(typeof m.ts, 'string');
  assert.equal(r.more, false);
  assert.deepEqual(r.channels, [{ id: ch.id, name: ch.name, kind: 'cohort' }]);
  // Every word must match (each a prefix): one that matches nothing empties it.
  assert.deepEqual(ids(await search(c.bo, `${w.slice(0, 6)} rubr marc`)), [a.id]);
  assert.deepEqual(ids(await search(c.bo, `${w.slice(0, 6)} rubrique`)), []);
  // A prefix matches the start of a word, not its middle.
  assert.deepEqual(ids(await search(c.bo, w.slice(2))), []);
});

test('a non-member finds nothing of an invite-only team, by word, by in: or by channel', async () => {
  const r0 = await c.ana.request({ type: 'channel.create', name: uid('team').toLowerCase(), kind: 'team' });
  assert.equal(r0.type, 'channel', show(r0));
  const team = r0.channel;
  const w = word('team');
  const a = await sendMsg(c.ana, team.id, `the ${w} plan`);
  assert.deepEqual(ids(await search(c.ana, w)), [a.id], 'the member finds it');
  assert.deepEqual(ids(await search(c.cy, w)), [], 'a non-member found a team message');
  assert.deepEqual(ids(await search(c.cy, `in:${team.name} ${w}`)), []);
  assertErr(await c.cy.request({ type: 'search', q: w, channel: team.id }), 'forbidden', 'channel field of a team');
  // Nor a DM between others.
  const dm = await c.ana.request({ type: 'dm.open', users: [u.bo.id] });
  assert.equal(dm.type, 'channel', show(dm));
  const w2 = word('dm');
  const d = await sendMsg(c.ana, dm.channel.id, `psst ${w2}`);
  assert.deepEqual(ids(await search(c.bo, w2)), [d.id]);
  assert.deepEqual(ids(await search(c.cy, w2)), [], 'an outsider found a DM');
});

test('an open channel is searchable by anyone, member or not', async () => {
  const ch = await makeChannel(c.ana, []);
  const w = word('open');
  const a = await sendMsg(c.ana, ch.id, `open to all ${w}`);
  assert.deepEqual(ids(await search(c.cy, w)), [a.id]);
  assert.deepEqual(ids(await search(c.cy, w, { channel: ch.id })), [a.id]);
});

test('snippet_parts: brackets a body holds itself are text; a long body comes as an excerpt', async () => {
  const ch = await makeChannel(c.ana, [c.bo]);
  const w = word('brk');
  await sendMsg(c.ana, ch.id, `see [[not a match]] and ${w} ]] then [[`);
  let m = (await search(c.bo, w)).messages[0];
  // The contract's snippet cannot tell them apart; the parts can.
  assert.equal(m.snippet, `see [[not a match]] and [[${w}]] ]] then [[`);
  assert.deepEqual(m.snippet_parts, ['see [[not a match]] and ', w, ' ]] then [[']);
  // Over 300 bytes: about 40 words around the match, with "…" where cut.
  const filler = Array.from({ length: 120 }, (_, i) => `filler${i}`).join(' ');
  await sendMsg(c.ana, ch.id, `${filler} ${w}x end`);
  m = (await search(c.bo, `${w}x`)).messages[0];
  assert.equal(m.snippet_parts.length, 3, show(m));
  assert.match(m.snippet_parts[0], /^…/);
  assert.equal(m.snippet_parts[1], `${w}x`);
  assert.equal(m.snippet_parts[2], ' end');
  assert.equal(m.snippet, m.snippet_parts.map((p, i) => (i % 2 ? `[[${p}]]` : p)).join(''));
});

test('an edited message is found by its new words, not its old', async () => {
  const ch = await makeChannel(c.ana, [c.bo]);
  const old = word('old');
  const neu = word('new');
  const a = await sendMsg(c.ana, ch.id, `first draft ${old}`);
  assert.deepEqual(ids(await search(c.bo, old)), [a.id]);
  assert.equal((await c.ana.request({ type: 'edit', channel: ch.id, id: a.id, body: `second draft ${neu}` })).type, 'ok');
  assert.deepEqual(ids(await search(c.bo, old)), [], 'found by a word the edit removed');
  const r = await search(c.bo, neu);
  assert.deepEqual(ids(r), [a.id]);
  assert.equal(r.messages[0].body, `second draft ${neu}`);
  assert.equal(r.messages[0].snippet, `second draft [[${neu}]]`);
  assert.notEqual(r.messages[0].edited, null);
  // Words the edit kept still find it.
  assert.deepEqual(ids(await search(c.bo, `draft ${neu.slice(0, 5)}`)), [a.id]);
});

test('a deleted message is found by nothing', async () => {
  const ch = await makeChannel(c.ana, [c.bo]);
  const w = word('gone');
  const keep = word('keep');
  const a = await sendMsg(c.ana, ch.id, `secret ${w} ${keep}`);
  const b = await sendMsg(c.ana, ch.id, `still here ${keep}`);
  assert.deepEqual(ids(await search(c.bo, keep)), [b.id, a.id], 'newest first');
  assert.equal((await c.ana.request({ type: 'delete', channel: ch.id, id: a.id })).type, 'ok');
  for (const q of [w, keep, `secret ${keep}`, `"secret ${w}"`]) {
    const r = await search(c.bo, q);
    assert.ok(!ids(r).includes(a.id), `deleted message found by ${q}: ${show(r)}`);
    assert.ok(!JSON.stringify(r).includes(w), 'a deleted word came back');
  }
  assert.deepEqual(ids(await search(c.bo, keep)), [b.id]);
});

test('from: and in: filters, in the query and as the from and channel fields', async () => {
  const one = await makeChannel(c.ana, [c.bo]);
  const two = await makeChannel(c.ana, [c.bo]);
  const w = word('filt');
  const a1 = await sendMsg(c.ana, one.id, `${w} by ana in one`);
  const b1 = await sendMsg(c.bo, one.id, `${w} by bo in one`);
  const a2 = await sendMsg(c.ana, two.id, `${w} by ana in two`);
  const b2 = await sendMsg(c.bo, two.id, `${w} by bo in two`);
  assert.deepEqual(ids(await search(c.cy, w)), [b2.id, a2.id, b1.id, a1.id]);
  assert.deepEqual(ids(await search(c.cy, `from:ana ${w}`)), [a2.id, a1.id]);
  assert.deepEqual(ids(await search(c.cy, `${w} FROM:@Bo`)), [b2.id, b1.id]);
  assert.deepEqual(ids(await search(c.cy, `in:${two.name} ${w}`)), [b2.id, a2.id]);
  assert.deepEqual(ids(await search(c.cy, `in:#${one.name} from:bo ${w}`)), [b1.id]);
  assert.deepEqual(ids(await search(c.cy, w, { from: u.ana.id })), [a2.id, a1.id]);
  assert.deepEqual(ids(await search(c.cy, w, { channel: one.id })), [b1.id, a1.id]);
  assert.deepEqual(ids(await search(c.cy, w, { channel: one.id, from: u.bo.id })), [b1.id]);
  // Names that match nothing find nothing (and say nothing of what exists).
  assert.deepEqual(ids(await search(c.cy, `from:nobody-here ${w}`)), []);
  assert.deepEqual(ids(await search(c.cy, `in:no-such-channel ${w}`)), []);
  assertErr(await c.cy.request({ type: 'search', q: w, channel: 999999 }), 'not_found', 'unknown channel id');
});

test('a request channel: nothing from before joining; everything gone after leaving', async () => {
  const ch = await makeChannel(c.ana, [], { kind: 'caucus' });
  assert.equal(ch.access, 'request');
  const w = word('cauc');
  const early = await sendMsg(c.ana, ch.id, `before bo ${w}`);
  assert.deepEqual(ids(await search(c.bo, w)), [], 'a non-member found a request channel message');
  assert.equal((await c.bo.request({ type: 'channel.join', channel: ch.id })).type, 'pending');
  assert.equal((await c.ana.request({ type: 'channel.decide', channel: ch.id, user: u.bo.id, approve: true })).type, 'ok');
  const late = await sendMsg(c.ana, ch.id, `after bo ${w}`);
  assert.deepEqual(ids(await search(c.bo, w)), [late.id], 'a new member found what was said before they joined');
  assert.deepEqual(ids(await search(c.ana, w)), [late.id, early.id]);
  assert.equal((await c.bo.request({ type: 'channel.leave', channel: ch.id })).type, 'ok');
  assert.deepEqual(ids(await search(c.bo, w)), [], 'a user who left still finds the channel');
});

test('paging newest first with before and limit; more says when a page is not the last', async () => {
  const ch = await makeChannel(c.ana, []);
  const w = word('page');
  const acks = [];
  for (let i = 0; i < 5; i++) acks.push(await sendMsg(c.ana, ch.id, `${w} number ${i}`));
  const want = acks.map((a) => a.id).reverse();
  const p1 = await search(c.cy, w, { limit: 2 });
  assert.deepEqual(ids(p1), want.slice(0, 2));
  assert.equal(p1.more, true);
  const p2 = await search(c.cy, w, { limit: 2, before: p1.messages[1].id });
  assert.deepEqual(ids(p2), want.slice(2, 4));
  assert.equal(p2.more, true);
  const p3 = await search(c.cy, w, { limit: 2, before: p2.messages[1].id });
  assert.deepEqual(ids(p3), want.slice(4));
  assert.equal(p3.more, false);
  const all = await search(c.cy, w);
  assert.deepEqual(ids(all), want, 'default limit holds all five');
  assert.equal(all.more, false);
});

test('case and accents do not matter, either way round; phrases keep word order', async () => {
  const ch = await makeChannel(c.ana, []);
  const w = word('acc');
  const a = await sendMsg(c.ana, ch.id, `Équité budgétaire à Montréal ${w}`);
  const b = await sendMsg(c.ana, ch.id, `${w} equity budget, naive café`);
  assert.deepEqual(ids(await search(c.cy, `equite budgetaire ${w}`)), [a.id]);
  assert.deepEqual(ids(await search(c.cy, `ÉQUITÉ MONTRE ${w.toUpperCase()}`)), [a.id]);
  assert.deepEqual(ids(await search(c.cy, `naïve CAFE ${w}`)), [b.id]);
  assert.deepEqual(ids(await search(c.cy, `equit ${w}`)), [b.id, a.id]);
  const r = await search(c.cy, `montreal ${w}`);
  assert.equal(r.messages[0].snippet, `Équité budgétaire à [[Montréal]] [[${w}]]`);
  // A phrase: its words adjacent and in order, the last a prefix.
  assert.deepEqual(ids(await search(c.cy, `"equity budg" ${w}`)), [b.id]);
  assert.deepEqual(ids(await search(c.cy, `"budget equity" ${w}`)), []);
  assert.deepEqual(ids(await search(c.cy, `"équité budgétaire" ${w}`)), [a.id]);
});

test('user text is never FTS syntax: operators are plain words, punctuation separates', async () => {
  const ch = await makeChannel(c.ana, []);
  const w = word('ops');
  const a = await sendMsg(c.ana, ch.id, `${w} budget-equity NOT a tool OR a lens`);
  assert.deepEqual(ids(await search(c.cy, `${w} NOT lens`)), [a.id], 'NOT was read as an operator');
  assert.deepEqual(ids(await search(c.cy, `${w} OR`)), [a.id]);
  assert.deepEqual(ids(await search(c.cy, `${w} budget-equ`)), [a.id]);
  assert.deepEqual(ids(await search(c.cy, `${w} "budget equity NOT"`)), [a.id]);
  assert.deepEqual(ids(await search(c.cy, `${w} "a*b (c) col:x ^y"`)), []);
});

test('bad queries and fields get bad_request (or too_large) with a clear message', async () => {
  const cases = [
    [{ q: '"racial equity' }, 'bad_request', /quote is not closed/],
    [{ q: 'equit*' }, 'bad_request', /\* \^ \( \) \{ \}/],
    [{ q: '(a OR b)' }, 'bad_request', /cannot hold/],
    [{ q: 'body:equity' }, 'bad_request', /unknown filter/],
    [{ q: 'from:ana' }, 'bad_request', /at least one word/],
    [{ q: '   ' }, 'bad_request', /at least one word/],
    [{ q: '' }, 'bad_request', /at least one word/],
    [{ q: '- … —' }, 'bad_request', /at least one word/],
    [{ q: 'from:ana from:bo x' }, 'bad_request', /only one from:/],
    [{ q: 'in:Bad_Name! x' }, 'bad_request', /in: must be followed/],
    [{ q: 'x '.repeat(17) }, 'bad_request', /at most 16/],
    [{ q: 'x'.repeat(257) }, 'too_large', /256/],
    [{ q: 42 }, 'bad_request', /q must be a string/],
    [{}, 'bad_request', /q must be a string/],
    [{ q: 'x', limit: 51 }, 'bad_request', /limit/],
    [{ q: 'x', limit: 0 }, 'bad_request', /limit/],
    [{ q: 'x', before: 0 }, 'bad_request', /before/],
    [{ q: 'x', from: 'ana' }, 'bad_request', /from must be a user id/],
    [{ q: 'x', channel: -1 }, 'bad_request', /channel/],
  ];
  for (const [fields, code, re] of cases) {
    const r = await c.cy.request({ type: 'search', ...fields });
    assertErr(r, code, show(fields));
    assert.match(r.message, re, `${show(fields)}: ${show(r)}`);
    assert.doesNotMatch(r.message, /fts5|sqlite|syntax error/i, show(r));
  }
  // The connection is still served.
  assert.equal((await search(c.cy, 'x', { limit: 50 })).type, 'results');
});

test('a search does not hold up the connection: other requests are answered meanwhile', async () => {
  const ch = await makeChannel(c.ana, []);
  const w = word('conc');
  await sendMsg(c.ana, ch.id, `${w} one`);
  const [r, p] = await Promise.all([search(c.cy, w), c.cy.request({ type: 'ping' })]);
  assert.equal(r.messages.length, 1);
  assert.equal(p.type, 'pong');
});

// The backfill of migration 10 over an old database: tests/integration/upgrade.test.js.

