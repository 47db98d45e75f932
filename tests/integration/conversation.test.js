// Conversation (contract v1.1, "Conversation"): threads, reactions, pins,
// mentions, typing and presence, through the real server with several people.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';
import { NO_RATE_LIMIT, makeChannel, sendMsg, isEv, assertErr, barrier, show, uid, stopWithin } from './support.js';

let server, ana, bob, cy, dee;
const clients = [];
before(async () => {
  server = await startServer({ args: NO_RATE_LIMIT });
  [ana, bob, cy, dee] = await Promise.all(['ana', 'bob', 'cy', 'dee'].map((n) => server.user(n)));
});
after(async () => {
  for (const c of clients) c.ws.terminate();
  await stopWithin(server);
});

async function open(who, opts) {
  const c = await server.connect(who.token, opts);
  clients.push(c);
  return c;
}

const ok = (r, what) => assert.equal(r.type, 'ok', `${what}: ${show(r)}`);

test('threads: replies attach to the root, summaries travel with events, history pages a thread', async () => {
  const a = await open(ana), b = await open(bob);
  const ch = await makeChannel(a, [b]);
  const root = await sendMsg(a, ch.id, 'root question');
  const r1 = await sendMsg(b, ch.id, 'first answer', { thread: root.id });
  const ev1 = await a.next(isEv(ch.id, 'message', (f) => f.message.id === r1.id));
  assert.equal(ev1.message.thread, root.id);
  assert.deepEqual(ev1.root, { id: root.id, reply_count: 1, last_reply: r1.id, last_reply_ts: ev1.message.ts });
  // A reply to a reply joins the root's thread.
  const r2 = await sendMsg(a, ch.id, 'nested', { thread: r1.id });
  const ev2 = await b.next(isEv(ch.id, 'message', (f) => f.message.id === r2.id));
  assert.equal(ev2.message.thread, root.id);
  assert.deepEqual(ev2.root, { id: root.id, reply_count: 2, last_reply: r2.id, last_reply_ts: ev2.message.ts });

  const h = await a.request({ type: 'history', channel: ch.id });
  const top = h.messages.find((m) => m.id === root.id);
  assert.equal(top.reply_count, 2);
  assert.equal(top.last_reply, r2.id);
  assert.equal(top.last_reply_ts, ev2.message.ts);
  assert.equal(h.messages.find((m) => m.id === r1.id)?.last_reply_ts ?? null, null);
  const t = await b.request({ type: 'history', channel: ch.id, thread: root.id });
  assert.equal(t.type, 'history', show(t));
  assert.deepEqual(t.messages.map((m) => m.id), [root.id, r1.id, r2.id]);
  assert.equal(t.more, false);
  // Paged: the root stays first, then the page of replies.
  const p = await b.request({ type: 'history', channel: ch.id, thread: r2.id, limit: 1 });
  assert.deepEqual(p.messages.map((m) => m.id), [root.id, r2.id]);
  assert.equal(p.more, true);

  // Deleting a reply: the delete event carries the root's new summary,
  // the time of the reply that is now the newest included.
  ok(await a.request({ type: 'delete', channel: ch.id, id: r2.id }), 'delete newest reply');
  const del = await b.next(isEv(ch.id, 'delete', (f) => f.id === r2.id));
  assert.deepEqual(del.root, { id: root.id, reply_count: 1, last_reply: r1.id, last_reply_ts: ev1.message.ts });
  ok(await b.request({ type: 'delete', channel: ch.id, id: r1.id }), 'delete last reply');
  const del2 = await a.next(isEv(ch.id, 'delete', (f) => f.id === r1.id));
  assert.deepEqual(del2.root, { id: root.id, reply_count: 0, last_reply: null, last_reply_ts: null });

  assertErr(await a.request({ type: 'send', channel: ch.id, body: 'x', client_id: uid(), thread: 999999 }),
    'bad_request', 'reply to nothing');
  assertErr(await a.request({ type: 'history', channel: ch.id, thread: 999999 }), 'not_found', 'no thread');
});

test('reactions: toggle, idempotent, in history and in replay after a restart', async () => {
  const a = await open(ana), b = await open(bob);
  const ch = await makeChannel(a, [b]);
  const m = await sendMsg(a, ch.id, 'react to me');
  ok(await b.request({ type: 'react', channel: ch.id, id: m.id, emoji: '👍', on: true }), 'react');
  const ev = await a.next(isEv(ch.id, 'reaction'));
  assert.equal(ev.id, m.id);
  assert.equal(ev.emoji, '👍');
  assert.equal(ev.user.id, bob.id);
  assert.equal(ev.on, true);
  // Twice: ok and nothing emitted.
  const seen = await barrier(a);
  ok(await b.request({ type: 'react', channel: ch.id, id: m.id, emoji: '👍' }), 'react again');
  ok(await a.request({ type: 'react', channel: ch.id, id: m.id, emoji: '🎉' }), 'a reacts');
  await a.next(isEv(ch.id, 'reaction', (f) => f.emoji === '🎉'), { from: seen });
  assert.equal(a.frames.slice(seen).filter((f) => f.kind === 'reaction').length, 1, 'the repeat emitted nothing');
  ok(await a.request({ type: 'react', channel: ch.id, id: m.id, emoji: '👍' }), 'a +1');
  ok(await a.request({ type: 'react', channel: ch.id, id: m.id, emoji: '🎉', on: false }), 'a takes back');
  ok(await a.request({ type: 'react', channel: ch.id, id: m.id, emoji: '🎉', on: false }), 'not there: ok');

  const h = await b.request({ type: 'history', channel: ch.id });
  assert.deepEqual(h.messages.find((x) => x.id === m.id).reactions,
    [{ emoji: '👍', count: 2, users: [ana.id, bob.id].sort((x, y) => x - y) }]);

  // Replay after a restart brings the reactions, as events and on the message.
  const since = ch.last_seq;
  for (const c of clients) c.ws.terminate();
  clients.length = 0;
  await server.restart();
  const b2 = await open(bob, { since });
  const replayed = b2.events(ch.id);
  assert.equal(replayed.filter((f) => f.kind === 'reaction').length, 4, show(replayed.map((f) => f.kind)));
  const msg = replayed.find((f) => f.kind === 'message' && f.message.id === m.id).message;
  assert.equal(msg.reactions[0].count, 2);

  assertErr(await b2.request({ type: 'react', channel: ch.id, id: m.id, emoji: '' }), 'bad_request', 'empty emoji');
  assertErr(await b2.request({ type: 'react', channel: ch.id, id: m.id, emoji: 'x'.repeat(33) }), 'bad_request', 'long');
  assertErr(await b2.request({ type: 'react', channel: ch.id, id: 999999, emoji: '👍' }), 'not_found', 'no message');
  for (let i = 0; i < 50 - 1; i++)
    ok(await b2.request({ type: 'react', channel: ch.id, id: m.id, emoji: `e${i}` }), `emoji ${i}`);
  assertErr(await b2.request({ type: 'react', channel: ch.id, id: m.id, emoji: 'one-too-many' }), 'too_large', '51st');
  ok(await b2.request({ type: 'react', channel: ch.id, id: m.id, emoji: 'e3' }), 'an existing one still works');
});

test('reactions and pins in an invite channel reveal nothing to outsiders', async () => {
  const a = await open(ana), c = await open(cy);
  const ch = await makeChannel(a, [], { kind: 'team', access: 'invite' });
  const m = await sendMsg(a, ch.id, 'team only');
  assertErr(await c.request({ type: 'react', channel: ch.id, id: m.id, emoji: '👍' }), 'not_found', 'outsider react');
  assertErr(await c.request({ type: 'react', channel: ch.id, id: 999999, emoji: '👍' }), 'not_found', 'outsider probe');
  assertErr(await c.request({ type: 'pin', channel: ch.id, id: m.id }), 'not_found', 'outsider pin');
});

test('pins: moderators pin, pins list, pinned in history and events', async () => {
  const a = await open(ana), b = await open(bob);
  const ch = await makeChannel(a, [b]);
  const m1 = await sendMsg(b, ch.id, 'the rubric');
  const m2 = await sendMsg(b, ch.id, 'the agenda');
  assertErr(await b.request({ type: 'pin', channel: ch.id, id: m1.id }), 'forbidden', 'member pins');
  ok(await a.request({ type: 'pin', channel: ch.id, id: m1.id, pinned: true }), 'pin');
  const ev = await b.next(isEv(ch.id, 'pin'));
  assert.equal(ev.id, m1.id);
  assert.equal(ev.pinned, true);
  assert.equal(ev.by.id, ana.id);
  ok(await a.request({ type: 'pin', channel: ch.id, id: m2.id }), 'pin 2');
  ok(await a.request({ type: 'pin', channel: ch.id, id: m2.id }), 'pin 2 again: ok');
  let pins = await b.request({ type: 'channel.pins', channel: ch.id });
  assert.equal(pins.type, 'pins', show(pins));
  assert.deepEqual(pins.messages.map((m) => m.id), [m2.id, m1.id]);
  assert.ok(pins.messages.every((m) => m.pinned));
  ok(await a.request({ type: 'pin', channel: ch.id, id: m2.id, pinned: false }), 'unpin');
  await b.next(isEv(ch.id, 'pin', (f) => f.pinned === false));
  pins = await b.request({ type: 'channel.pins', channel: ch.id });
  assert.deepEqual(pins.messages.map((m) => m.id), [m1.id]);
  const h = await b.request({ type: 'history', channel: ch.id });
  assert.equal(h.messages.find((m) => m.id === m1.id).pinned, true);
  assert.equal(h.messages.find((m) => m.id === m2.id).pinned, false);
  // A deleted message leaves the pins.
  ok(await a.request({ type: 'delete', channel: ch.id, id: m1.id }), 'delete pinned');
  pins = await b.request({ type: 'channel.pins', channel: ch.id });
  assert.deepEqual(pins.messages, []);
});

test('mentions: notify members, count until read, never leak to outsiders', async () => {
  const a = await open(ana), b = await open(bob), c = await open(cy);
  const ch = await makeChannel(a, [], { kind: 'team', access: 'invite' });
  ok(await a.request({ type: 'channel.invite', channel: ch.id, user: bob.id }), 'invite');
  assert.equal((await b.request({ type: 'channel.join', channel: ch.id })).type, 'channel');
  const fromC = c.frames.length;
  const m = await sendMsg(a, ch.id, 'ping @Bob. and @cy and ana@example.org and @nobody');
  const mention = await b.next((f) => f.type === 'mention' && f.id === m.id);
  assert.equal(mention.channel, ch.id);
  assert.equal(mention.by.id, ana.id);
  const ev = await b.next(isEv(ch.id, 'message', (f) => f.message.id === m.id));
  assert.deepEqual(ev.message.mentions, [bob.id], 'cy is not a member of the invite channel');
  await barrier(c);
  assert.equal(c.frames.slice(fromC).filter((f) => f.type === 'mention' || f.channel === ch.id).length, 0,
    'the outsider learns nothing');
  // The unread-mention count, until read.
  let list = await b.request({ type: 'channel.list' });
  assert.equal(list.channels.find((x) => x.id === ch.id).mentions, 1);
  ok(await b.request({ type: 'read', channel: ch.id, seq: ev.seq }), 'read');
  list = await b.request({ type: 'channel.list' });
  assert.equal(list.channels.find((x) => x.id === ch.id).mentions, 0);
  // An edit that adds a mention notifies the newly mentioned only.
  const b0 = b.frames.length;
  ok(await a.request({ type: 'edit', channel: ch.id, id: m.id, body: '@bob see this, @ana' }), 'edit');
  const edited = await b.next(isEv(ch.id, 'edit'), { from: b0 });
  assert.deepEqual(edited.message.mentions, [bob.id], 'the author is never mentioned');
  await barrier(b);
  assert.equal(b.frames.slice(b0).filter((f) => f.type === 'mention').length, 0, 'bob was mentioned already');
  // The count follows edits and deletions of unread messages.
  const m2 = await sendMsg(a, ch.id, 'and again @bob');
  const m3 = await sendMsg(a, ch.id, 'once more @bob');
  await b.next((f) => f.type === 'mention' && f.id === m3.id);
  const count = async () => (await b.request({ type: 'channel.list', mine: true })).channels.find((x) => x.id === ch.id).mentions;
  assert.equal(await count(), 2);
  ok(await a.request({ type: 'edit', channel: ch.id, id: m2.id, body: 'and again, nobody' }), 'edit out');
  assert.equal(await count(), 1);
  ok(await a.request({ type: 'delete', channel: ch.id, id: m3.id }), 'delete');
  assert.equal(await count(), 0);
});

test('@here and @channel: moderators only', async () => {
  const a = await open(ana), b = await open(bob), d = await open(dee);
  const ch = await makeChannel(a, [b, d]);
  d.ws.terminate(); // dee is offline
  await new Promise((r) => setTimeout(r, 200));
  const here = await sendMsg(a, ch.id, 'standup @here');
  const ev = await b.next(isEv(ch.id, 'message', (f) => f.message.id === here.id));
  assert.deepEqual(ev.message.mentions, [bob.id], 'only online members');
  await b.next((f) => f.type === 'mention' && f.id === here.id);
  const all = await sendMsg(a, ch.id, 'everyone @channel');
  const ev2 = await b.next(isEv(ch.id, 'message', (f) => f.message.id === all.id));
  assert.deepEqual(ev2.message.mentions, [bob.id, dee.id].sort((x, y) => x - y));
  const byMember = await sendMsg(b, ch.id, 'hey @channel');
  const ev3 = await a.next(isEv(ch.id, 'message', (f) => f.message.id === byMember.id));
  assert.deepEqual(ev3.message.mentions, [], 'a member cannot mention everyone');
});

test('typing: forwarded to others, at most one per user per channel per 3 s', async () => {
  const a = await open(ana), b = await open(bob);
  const ch = await makeChannel(a, [b]);
  const from = b.frames.length, fromA = a.frames.length;
  for (let i = 0; i < 10; i++) a.send({ type: 'typing', channel: ch.id });
  await barrier(a);
  await new Promise((r) => setTimeout(r, 300));
  await barrier(b);
  const typing = b.frames.slice(from).filter((f) => f.type === 'typing');
  assert.equal(typing.length, 1, show(typing));
  assert.equal(typing[0].channel, ch.id);
  assert.equal(typing[0].user.id, ana.id);
  assert.equal(a.frames.slice(fromA).filter((f) => f.type === 'typing').length, 0, 'not echoed to the typist');
  assertErr(await (await open(cy)).request({ type: 'typing', channel: ch.id }), 'forbidden', 'non-member');
});

test('presence: watchers hear of the first socket and the last, and no one else does', async () => {
  const a = await open(ana), b = await open(bob);
  assert.equal(a.welcome.limits.max_watch, 500);
  assert.equal(a.welcome.limits.max_mention_all, 500);
  const w = await a.request({ type: 'presence.watch', users: [dee.id, bob.id, 424242] });
  assert.deepEqual(w.users, [{ id: bob.id, online: true }, { id: dee.id, online: false }]);
  const fromB = b.frames.length;
  const d1 = await open(dee);
  const on = await a.next((f) => f.type === 'presence' && !f.req);
  assert.deepEqual(on.users, [{ id: dee.id, online: true }]);
  const d2 = await open(dee);
  const n = a.frames.length;
  d1.ws.terminate();
  await new Promise((r) => setTimeout(r, 300));
  await barrier(a);
  assert.equal(a.frames.slice(n).filter((f) => f.type === 'presence').length, 0, 'dee still has a socket');
  d2.ws.terminate();
  const off = await a.next((f) => f.type === 'presence' && f.users[0].online === false, { from: n });
  assert.deepEqual(off.users, [{ id: dee.id, online: false }]);
  await barrier(b);
  assert.equal(b.frames.slice(fromB).filter((f) => f.type === 'presence').length, 0, 'bob watches no one');
  // Members lists say who is online.
  const ch = await makeChannel(a, [b]);
  const mem = await a.request({ type: 'channel.members', channel: ch.id });
  assert.ok(mem.members.every((m) => m.online === true), show(mem));
  // An empty set stops the frames; too many ids is refused.
  assert.deepEqual((await a.request({ type: 'presence.watch', users: [] })).users, []);
  assertErr(await a.request({ type: 'presence.watch', users: Array.from({ length: 501 }, (_, i) => i + 1) }),
    'bad_request', '501 ids');
});

test('profile.update: own display name, live to the user and to watchers, and on new messages', async () => {
  const a = await open(ana), b = await open(bob), a2 = await open(ana);
  const ch = await makeChannel(a, [b]);
  await b.request({ type: 'presence.watch', users: [ana.id] });
  const r = await a.request({ type: 'profile.update', display: 'Ana María', title: 'Equity lead' });
  assert.equal(r.type, 'user', show(r));
  assert.equal(r.user.display, 'Ana María');
  assert.equal(r.user.title, 'Equity lead');
  for (const c of [b, a2]) {
    const u = await c.next((f) => f.type === 'user' && !f.req);
    assert.equal(u.user.id, ana.id);
    assert.equal(u.user.display, 'Ana María');
  }
  // The writer's cache of names forgets the old one.
  const m = await sendMsg(a, ch.id, 'signed anew');
  const ev = await b.next(isEv(ch.id, 'message', (f) => f.message.id === m.id));
  assert.equal(ev.message.author.display, 'Ana María');
  const typing = b.frames.length;
  a.send({ type: 'typing', channel: ch.id });
  const t = await b.next((f) => f.type === 'typing', { from: typing });
  assert.equal(t.user.display, 'Ana María');
  assertErr(await a.request({ type: 'profile.update' }), 'bad_request', 'nothing to change');
  assertErr(await a.request({ type: 'profile.update', display: '   ' }), 'bad_request', 'blank display');
  assertErr(await a.request({ type: 'profile.update', display: 'x'.repeat(65) }), 'too_large', 'long display');
  // Restored for the other tests' expectations.
  await a.request({ type: 'profile.update', display: 'ana' });
});

test('read: other devices learn the read position; unread:true marks unread for every device, and it lasts', async () => {
  const a = await open(ana), a2 = await open(ana), b = await open(bob);
  const ch = await makeChannel(a, [b]);
  const m1 = await sendMsg(b, ch.id, 'one');
  const m2 = await sendMsg(b, ch.id, 'two');
  const m3 = await sendMsg(b, ch.id, 'three for @ana');
  await a.next(isEv(ch.id, 'message', (f) => f.message.id === m3.id));
  const mark = (c) => c.frames.length;
  const readFrame = (c, from, pred) => c.next((f) => f.type === 'read' && f.channel === ch.id && pred(f), { from });

  // Read on one device: the other hears where it stands and that nothing is unread.
  let at = mark(a2), atA = mark(a);
  ok(await a.request({ type: 'read', channel: ch.id, seq: m3.id }), 'read');
  let f = await readFrame(a2, at, () => true);
  assert.deepEqual({ seq: f.seq, unread: f.unread, mentions: f.mentions }, { seq: m3.id, unread: 0, mentions: 0 });
  await barrier(a);
  assert.equal(a.frames.slice(atA).filter((x) => x.type === 'read').length, 0, 'the device that read is not told');

  // A plain read never moves back.
  at = mark(a2);
  ok(await a.request({ type: 'read', channel: ch.id, seq: m1.id }), 'stale read');
  f = await readFrame(a2, at, () => true);
  assert.equal(f.seq, m3.id);

  // Mark as unread from m2: both later messages count again, the mention too.
  at = mark(a2);
  ok(await a.request({ type: 'read', channel: ch.id, seq: m2.id - 1, unread: true }), 'mark unread');
  f = await readFrame(a2, at, () => true);
  assert.deepEqual({ seq: f.seq, unread: f.unread, mentions: f.mentions }, { seq: m2.id - 1, unread: 2, mentions: 1 });
  // unread:true never moves forward.
  ok(await a.request({ type: 'read', channel: ch.id, seq: m3.id, unread: true }), 'unread ahead');
  assertErr(await a.request({ type: 'read', channel: ch.id, seq: 1, unread: 'yes' }), 'bad_request', 'unread not a bool');

  // Persisted: after a restart the channel is still unread from m2.
  await server.restart();
  const k = await open(ana);
  const entry = k.welcome.channels.find((x) => x.id === ch.id);
  assert.deepEqual({ unread: entry.unread, mentions: entry.mentions }, { unread: 2, mentions: 1 });
});
