// Action items (docs/PROTOCOL.md "Action items"): create (also from a
// message), reassign, complete, who may change an item, item.list filters
// and overdue in the server's tz, live events and replay, a team's items
// hidden from outsiders, and the daily digest from the system account
// `weft`: once per day per person, never for someone who opted out.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, login, tempDir, Server } from '../lib/harness.js';
import { uid, sendMsg, stopWithin, NO_RATE_LIMIT, show, isEv, assertErr } from './support.js';

const TEST = ['--test-clock', '1', '--tz', 'UTC', '--digest-time', '08:30', ...NO_RATE_LIMIT];
let server;
const u = {};
const c = {};

before(async () => {
  server = await startServer({ args: TEST });
  for (const n of ['ana', 'bo', 'cy', 'out']) {
    u[n] = await server.user(n);
    c[n] = await connect(server, u[n].token);
  }
  // Far from any digest time of the tests below (which use 2027).
  assert.equal((await c.ana.request({ type: 'test.clock', at: Date.parse('2027-01-10T12:00:00Z') })).type, 'ok');
});
after(async () => {
  for (const x of Object.values(c)) x.ws.terminate();
  await stopWithin(server);
  assert.doesNotMatch(server.log, /Sanitizer|runtime error/, 'the server ran clean');
});

async function team(members) {
  const r = await c.ana.request({ type: 'channel.create', name: uid('it').toLowerCase(), kind: 'team' });
  for (const n of members) {
    assert.equal((await c.ana.request({ type: 'channel.invite', channel: r.channel.id, user: u[n].id })).type, 'ok');
    assert.equal((await c[n].request({ type: 'channel.join', channel: r.channel.id })).type, 'channel');
  }
  return r.channel;
}

test('item.create: checked fields; from a message it links to it; everyone in the channel sees it live', async () => {
  const ch = await team(['bo', 'cy']);
  const other = await team([]);
  assertErr(await c.bo.request({ type: 'item.create', channel: ch.id }), 'bad_request', 'no title');
  assertErr(await c.bo.request({ type: 'item.create', channel: ch.id, title: '   ' }), 'bad_request', 'blank');
  assertErr(await c.bo.request({ type: 'item.create', channel: ch.id, title: 'x', due: '2027-02-30' }), 'bad_request', 'date');
  assertErr(await c.bo.request({ type: 'item.create', channel: ch.id, title: 'x', owner: u.out.id }), 'bad_request', 'owner outside');
  assertErr(await c.out.request({ type: 'item.create', channel: ch.id, title: 'x' }), 'forbidden', 'outsider');
  const m = await sendMsg(c.ana, ch.id, 'Someone should draft the memo');
  const elsewhere = await sendMsg(c.ana, other.id, 'not in ch');
  assertErr(await c.bo.request({ type: 'item.create', channel: ch.id, title: 'x', message: elsewhere.id }), 'not_found', 'message of another channel');
  const r = await c.bo.request({ type: 'item.create', channel: ch.id, title: 'Draft the memo', owner: u.cy.id, due: '2027-01-20', message: m.id });
  assert.equal(r.type, 'item', show(r));
  const it = r.item;
  assert.equal(it.title, 'Draft the memo');
  assert.equal(it.owner.id, u.cy.id);
  assert.equal(it.by.id, u.bo.id);
  assert.equal(it.due, '2027-01-20');
  assert.equal(it.status, 'open');
  assert.equal(it.message, m.id);
  assert.equal(it.channel, ch.id);
  const ev = await c.cy.next(isEv(ch.id, 'item', (f) => f.item.id === it.id));
  assert.deepEqual(ev.item, it);
  const me = await c.bo.request({ type: 'item.create', channel: ch.id, title: 'Mine', owner: 'me' });
  assert.equal(me.item.owner.id, u.bo.id);
  const none = await c.bo.request({ type: 'item.create', channel: ch.id, title: 'Unowned' });
  assert.equal(none.item.owner, null);
  assert.equal(none.item.due, null);
});

test('item.update: reassign, complete, reopen; creator, owner and moderators only; unchanged makes no event', async () => {
  const ch = await team(['bo', 'cy']);
  const it = (await c.bo.request({ type: 'item.create', channel: ch.id, title: 'Call the county', owner: u.bo.id })).item;
  assertErr(await c.cy.request({ type: 'item.update', channel: ch.id, id: it.id, status: 'done' }), 'forbidden', 'neither');
  assertErr(await c.bo.request({ type: 'item.update', channel: ch.id, id: it.id }), 'bad_request', 'nothing');
  assertErr(await c.bo.request({ type: 'item.update', channel: ch.id, id: it.id, status: 'finished' }), 'bad_request', 'status');
  assertErr(await c.bo.request({ type: 'item.update', channel: ch.id, id: 999999, title: 'x' }), 'not_found', 'no item');
  let r = await c.bo.request({ type: 'item.update', channel: ch.id, id: it.id, owner: u.cy.id, due: '2027-03-01' });
  assert.equal(r.item.owner.id, u.cy.id, show(r));
  assert.equal(r.item.due, '2027-03-01');
  r = await c.cy.request({ type: 'item.update', channel: ch.id, id: it.id, status: 'done' });
  assert.equal(r.item.status, 'done');
  assert.ok(r.item.done);
  const seen = c.bo.frames.length;
  r = await c.cy.request({ type: 'item.update', channel: ch.id, id: it.id, status: 'done' });
  assert.equal(r.type, 'ok', 'unchanged');
  r = await c.ana.request({ type: 'item.update', channel: ch.id, id: it.id, status: 'open', due: null, title: 'Call the county again' });
  assert.equal(r.item.status, 'open');
  assert.equal(r.item.done, null);
  assert.equal(r.item.due, null);
  const evs = c.bo.frames.slice(seen);
  await c.bo.next(isEv(ch.id, 'item', (f) => f.item.title === 'Call the county again'));
  assert.equal(evs.filter((f) => f.kind === 'item' && f.item.status === 'done').length, 0, 'no event for no change');
});

test('item.list: filters (channel, owner me, status), overdue in the server tz, paging; outsiders see nothing of a team', async () => {
  const ch = await team(['bo', 'cy']);
  const mk = async (who, title, extra) => (await c[who].request({ type: 'item.create', channel: ch.id, title, ...extra })).item;
  const late = await mk('bo', 'Late', { owner: u.bo.id, due: '2027-01-09' });
  const today = await mk('bo', 'Today', { owner: u.bo.id, due: '2027-01-10' });
  const theirs = await mk('cy', 'Theirs', { owner: u.cy.id, due: '2027-01-01' });
  const done = await mk('bo', 'Done', { owner: u.bo.id, due: '2027-01-01' });
  await c.bo.request({ type: 'item.update', channel: ch.id, id: done.id, status: 'done' });
  let r = await c.bo.request({ type: 'item.list', channel: ch.id });
  assert.equal(r.type, 'items', show(r));
  assert.equal(r.today, '2027-01-10');
  assert.equal(r.tz, 'UTC');
  assert.deepEqual(r.items.map((i) => i.id), [done.id, theirs.id, today.id, late.id]);
  const over = Object.fromEntries(r.items.map((i) => [i.title, i.overdue]));
  assert.deepEqual(over, { Late: true, Today: false, Theirs: true, Done: false });
  r = await c.bo.request({ type: 'item.list', owner: 'me', status: 'open' });
  assert.deepEqual(r.items.filter((i) => i.channel === ch.id).map((i) => i.title), ['Today', 'Late']);
  r = await c.bo.request({ type: 'item.list', channel: ch.id, status: 'done' });
  assert.deepEqual(r.items.map((i) => i.title), ['Done']);
  r = await c.bo.request({ type: 'item.list', channel: ch.id, owner: u.cy.id });
  assert.deepEqual(r.items.map((i) => i.title), ['Theirs']);
  r = await c.bo.request({ type: 'item.list', channel: ch.id, limit: 2 });
  assert.equal(r.more, true);
  r = await c.bo.request({ type: 'item.list', channel: ch.id, limit: 2, before: r.items[1].id });
  assert.deepEqual(r.items.map((i) => i.title), ['Today', 'Late']);
  assert.equal(r.more, false);
  // An outsider: the team's items are forbidden by name, absent from the rest.
  assertErr(await c.out.request({ type: 'item.list', channel: ch.id }), 'forbidden', 'outsider');
  r = await c.out.request({ type: 'item.list' });
  assert.equal(r.items.filter((i) => i.channel === ch.id).length, 0, show(r));
  r = await c.out.request({ type: 'item.list', owner: u.bo.id });
  assert.equal(r.items.length, 0, show(r));
  assertErr(await c.out.request({ type: 'item.list', channel: 999999 }), 'not_found', 'no channel');
});

test('items replay on resume', async () => {
  const ch = await team(['cy']);
  const since = c.cy.welcome.seq;
  const it = (await c.ana.request({ type: 'item.create', channel: ch.id, title: 'While away', owner: u.cy.id })).item;
  await c.ana.request({ type: 'item.update', channel: ch.id, id: it.id, status: 'done' });
  const again = await connect(server, u.cy.token, { since });
  const items = again.events(ch.id).filter((f) => f.kind === 'item');
  assert.deepEqual(items.map((f) => f.item.status), ['open', 'done']);
  again.ws.terminate();
});

test('the daily digest: one DM from weft per person with items due today or overdue, once a day, never after opting out; weft cannot sign in', async () => {
  const dataDir = tempDir();
  const offsetTo = (iso) => String(Math.round((Date.parse(iso) - Date.now()) / 1000));
  const start = async (iso) => {
    const s = new Server({ dataDir, args: [...TEST, '--clock-offset', offsetTo(iso)] });
    await s.start();
    servers.push(s);
    return s;
  };
  const servers = [];
  after(() => { for (const x of servers) assert.doesNotMatch(x.log, /Sanitizer|runtime error/, 'the server ran clean'); });
  let s = await start('2027-02-01T07:00:00Z');
  const a = await s.user('ana');
  const b = await s.user('bo');
  const d = await s.user('di');
  let ca = await connect(s, a.token);
  let cb = await connect(s, b.token);
  const cd = await connect(s, d.token);
  const ch = (await ca.request({ type: 'channel.create', name: 'digest-team', kind: 'team' })).channel;
  for (const [who, cl] of [[b, cb], [d, cd]]) {
    await ca.request({ type: 'channel.invite', channel: ch.id, user: who.id });
    assert.equal((await cl.request({ type: 'channel.join', channel: ch.id })).type, 'channel');
  }
  const msg = await sendMsg(ca, ch.id, 'the source');
  await ca.request({ type: 'item.create', channel: ch.id, title: 'Overdue thing', owner: b.id, due: '2027-01-30', message: msg.id });
  await ca.request({ type: 'item.create', channel: ch.id, title: 'Due today thing', owner: b.id, due: '2027-02-01' });
  await ca.request({ type: 'item.create', channel: ch.id, title: 'Later thing', owner: b.id, due: '2027-02-05' });
  await ca.request({ type: 'item.create', channel: ch.id, title: 'Di overdue', owner: d.id, due: '2027-01-15' });
  // di opts out.
  const g = await cd.request({ type: 'digest.get' });
  assert.deepEqual({ on: g.on, time: g.time, tz: g.tz }, { on: true, time: '08:30', tz: 'UTC' });
  assert.equal((await cd.request({ type: 'digest.set', on: false })).on, false);
  assert.equal((await cd.request({ type: 'digest.get' })).on, false);
  // 08:29: nothing yet; 08:31: bo's DM.
  await ca.request({ type: 'test.clock', at: Date.parse('2027-02-01T08:29:00Z') });
  await ca.request({ type: 'ping' });
  assert.equal(cb.frames.filter((f) => f.type === 'joined').length, 0);
  await ca.request({ type: 'test.clock', at: Date.parse('2027-02-01T08:31:00Z') });
  const dm = await cb.next((f) => f.type === 'event' && f.kind === 'message' && f.message.author.name === 'weft');
  const body = dm.message.body;
  assert.match(body, /Overdue since 2027-01-30: Overdue thing \(#digest-team\) https:\/\/localhost:\d+\/#\/c\/\d+\/m\/\d+/);
  assert.match(body, new RegExp(`/#/c/${ch.id}/m/${msg.id}`));
  assert.match(body, /Due today: Due today thing \(#digest-team\) https:\/\/localhost:\d+\/#\/c\/\d+/);
  assert.doesNotMatch(body, /Later thing/);
  const joined = await cb.next((f) => f.type === 'joined');
  assert.equal(joined.channel.kind, 'dm');
  // Later the same day, and after a restart the same day: no second one.
  await ca.request({ type: 'test.clock', at: Date.parse('2027-02-01T15:00:00Z') });
  await ca.request({ type: 'ping' });
  ca.ws.terminate(); cb.ws.terminate(); cd.ws.terminate();
  await stopWithin(s);
  s = await start('2027-02-01T16:00:00Z');
  cb = await connect(s, b.token, { since: 0 });
  await cb.request({ type: 'ping' });
  await new Promise((r) => setTimeout(r, 500));
  const fromWeft = (cl) => cl.frames.filter((f) => f.type === 'event' && f.kind === 'message' && f.message.author.name === 'weft');
  assert.equal(fromWeft(cb).length, 1, 'one digest on the first day');
  // The next day, again (di never).
  ca = await connect(s, a.token);
  await ca.request({ type: 'test.clock', at: Date.parse('2027-02-02T08:31:00Z') });
  await cb.next((f) => f.type === 'event' && f.kind === 'message' && f.message.author.name === 'weft' && /2027-02-02/.test(f.message.body));
  assert.equal(fromWeft(cb).length, 2);
  const cd2 = await connect(s, d.token, { since: 0 });
  await cd2.request({ type: 'ping' });
  assert.equal(fromWeft(cd2).length, 0, 'opted out');
  // The system account cannot sign in.
  const l = await login(s, 'weft', 'anything at all');
  assert.equal(l.status, 401);
  // Nor is it someone to find in the directory (bo reaches it by its DM).
  const found = await ca.request({ type: 'user.find', q: 'weft' });
  assert.deepEqual(found.users, [], 'the system account is not in the directory');
  ca.ws.terminate(); cb.ws.terminate(); cd2.ws.terminate();
  await stopWithin(s);
  // Down at 08:30 on the third day: the digest goes out when it starts.
  s = await start('2027-02-03T13:00:00Z');
  cb = await connect(s, b.token, { since: 0 });
  await cb.next((f) => f.type === 'event' && f.kind === 'message' && f.message.author.name === 'weft' && /2027-02-03/.test(f.message.body));
  assert.equal(fromWeft(cb).length, 3);
  cb.ws.terminate();
  await stopWithin(s);
});
