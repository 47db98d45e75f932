// Standups (docs/PROTOCOL.md "Standups"): schedules validated and stored as
// events, standups opened at the scheduled local time in two zones (the
// server's clock moved by test.clock, which only a --test-clock server
// takes), answers replaced while open, the summary with answered, missed
// (members who joined later are not missed), blockers and runs of missed
// standups, standup.list, and restarts before, inside and after a window:
// exactly one standup and one summary per date.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, Server, tempDir } from '../lib/harness.js';
import { uid, stopWithin, NO_RATE_LIMIT, show, isEv, assertErr } from './support.js';

const TEST = ['--test-clock', '1', '--tz', 'UTC', ...NO_RATE_LIMIT];
const at = (iso) => Date.parse(iso);

let server;
const u = {};
const c = {};

before(async () => {
  server = await startServer({ args: TEST });
  for (const n of ['ana', 'bo', 'cy', 'di']) {
    u[n] = await server.user(n);
    c[n] = await connect(server, u[n].token);
  }
});
after(async () => {
  for (const x of Object.values(c)) x.ws.terminate();
  await stopWithin(server);
  assert.doesNotMatch(server.log, /Sanitizer|runtime error/, 'the server ran clean');
});

async function clock(client, iso) {
  const r = await client.request({ type: 'test.clock', at: at(iso) });
  assert.equal(r.type, 'ok', show(r));
}

// A team owned by ana with the given members.
async function team(members) {
  const r = await c.ana.request({ type: 'channel.create', name: uid('su').toLowerCase(), kind: 'team' });
  assert.equal(r.type, 'channel', show(r));
  for (const n of members) {
    assert.equal((await c.ana.request({ type: 'channel.invite', channel: r.channel.id, user: u[n].id })).type, 'ok');
    assert.equal((await c[n].request({ type: 'channel.join', channel: r.channel.id })).type, 'channel');
  }
  return r.channel;
}

test('standup.set: moderators only, checked fields, a known zone; a standup.config event; channel objects carry the schedule', async () => {
  const ch = await team(['bo']);
  const good = { type: 'standup.set', channel: ch.id, questions: ['Done?', 'Next?'], days: ['mon', 'wed'], time: '09:30', tz: 'America/Chicago', window: 45 };
  assertErr(await c.bo.request(good), 'forbidden', 'a member');
  assertErr(await c.ana.request({ ...good, tz: 'Mars/Olympus_Mons' }), 'bad_request', 'unknown zone');
  assertErr(await c.ana.request({ ...good, tz: '../../etc/passwd' }), 'bad_request', 'a path');
  assertErr(await c.ana.request({ ...good, time: '24:00' }), 'bad_request', 'time');
  assertErr(await c.ana.request({ ...good, days: ['mon', 'mon'] }), 'bad_request', 'days twice');
  assertErr(await c.ana.request({ ...good, days: ['monday'] }), 'bad_request', 'day name');
  assertErr(await c.ana.request({ ...good, questions: [] }), 'bad_request', 'no question');
  assertErr(await c.ana.request({ ...good, questions: ['1', '2', '3', '4', '5', '6'] }), 'bad_request', 'six');
  assertErr(await c.ana.request({ ...good, window: 0 }), 'bad_request', 'window');
  assertErr(await c.ana.request({ type: 'standup.set', channel: ch.id, days: ['mon'] }), 'bad_request', 'missing');
  const r = await c.ana.request(good);
  assert.equal(r.type, 'ok', show(r));
  const ev = await c.bo.next(isEv(ch.id, 'standup.config'));
  assert.deepEqual(ev.config, { questions: ['Done?', 'Next?'], days: ['mon', 'wed'], time: '09:30', tz: 'America/Chicago', window: 45 });
  assert.equal(ev.by.id, u.ana.id);
  const list = await c.bo.request({ type: 'channel.list', mine: true });
  assert.deepEqual(list.channels.find((x) => x.id === ch.id).standup, ev.config);
  assert.equal((await c.ana.request({ type: 'standup.set', channel: ch.id, off: true })).type, 'ok');
  const off = await c.bo.next(isEv(ch.id, 'standup.config', (f) => f.config === null));
  assert.equal(off.config, null);
  const list2 = await c.bo.request({ type: 'channel.list', mine: true });
  assert.equal(list2.channels.find((x) => x.id === ch.id).standup, undefined);
  // An archived channel holds no standups.
  assert.equal((await c.ana.request({ type: 'channel.archive', channel: ch.id, archived: true })).type, 'ok');
  assertErr(await c.ana.request({ type: 'standup.open', channel: ch.id }), 'forbidden', 'archived');
  assertErr(await c.ana.request(good), 'forbidden', 'archived schedule');
});

test('a schedule opens at its local time in two zones (Chicago on its spring-forward day, Kolkata), once', async () => {
  const chi = await team(['bo']);
  const kol = await team(['bo']);
  await clock(c.ana, '2027-03-14T00:00:00Z');
  assert.equal((await c.ana.request({ type: 'standup.set', channel: chi.id, questions: ['Q1'], days: ['sun'], time: '09:00', tz: 'America/Chicago', window: 60 })).type, 'ok');
  assert.equal((await c.ana.request({ type: 'standup.set', channel: kol.id, questions: ['Q1'], days: ['mon', 'tue', 'wed', 'thu', 'fri'], time: '09:00', tz: 'Asia/Kolkata', window: 60 })).type, 'ok');
  // 08:59 CDT is 13:59Z (CST would be 14:59Z): not yet.
  await clock(c.ana, '2027-03-14T13:59:00Z');
  let l = await c.bo.request({ type: 'standup.list', channel: chi.id });
  assert.equal(l.standups.length, 0, show(l));
  await clock(c.ana, '2027-03-14T14:00:30Z');
  const opened = await c.bo.next(isEv(chi.id, 'standup', (f) => f.standup.state === 'open'));
  assert.equal(opened.standup.date, '2027-03-14');
  assert.deepEqual(opened.standup.questions, ['Q1']);
  assert.equal(opened.standup.scheduled, true);
  assert.equal(opened.standup.closes, '2027-03-14T15:00:00.000Z');
  assert.equal(opened.standup.by, null);
  // Kolkata: Monday 09:00 IST is 03:30Z.
  await clock(c.ana, '2027-03-15T03:29:00Z');
  l = await c.bo.request({ type: 'standup.list', channel: kol.id });
  assert.equal(l.standups.length, 0, show(l));
  await clock(c.ana, '2027-03-15T03:30:10Z');
  const k = await c.bo.next(isEv(kol.id, 'standup', (f) => f.standup.state === 'open'));
  assert.equal(k.standup.date, '2027-03-15');
  // The Chicago one closed at 15:00Z with its summary; the date never opens again.
  const closed = await c.bo.next(isEv(chi.id, 'standup', (f) => f.standup.state === 'closed'));
  assert.deepEqual(closed.standup.summary.missed.map((x) => x.name).sort(), ['ana', 'bo']);
  await clock(c.ana, '2027-03-14T14:30:00Z'); // back inside the window: not again
  await clock(c.ana, '2027-03-15T04:00:00Z');
  l = await c.bo.request({ type: 'standup.list', channel: chi.id });
  assert.equal(l.standups.length, 1, show(l));
  assert.equal(l.config.tz, 'America/Chicago');
});

test('answers: members only, one per question, replaced while open; the summary: answered, missed, blockers, runs; late joiners not missed', async () => {
  const ch = await team(['bo', 'cy']);
  await clock(c.ana, '2027-04-05T12:00:00Z');
  const o = await c.ana.request({ type: 'standup.open', channel: ch.id, questions: ['Yesterday?', 'Today?'], window: 30 });
  assert.equal(o.type, 'ok', show(o));
  const sid = o.standup;
  assertErr(await c.ana.request({ type: 'standup.open', channel: ch.id }), 'conflict', 'a second open');
  assertErr(await c.bo.request({ type: 'standup.open', channel: ch.id }), 'forbidden', 'a member opens');
  const ev = await c.cy.next(isEv(ch.id, 'standup', (f) => f.standup.id === sid));
  assert.equal(ev.standup.by.id, u.ana.id);
  assert.equal(ev.standup.scheduled, false);
  assertErr(await c.bo.request({ type: 'standup.answer', channel: ch.id, standup: sid, answers: ['only one'] }), 'bad_request', 'one answer for two');
  assertErr(await c.di.request({ type: 'standup.answer', channel: ch.id, standup: sid, answers: ['a', 'b'] }), 'forbidden', 'not a member');
  assertErr(await c.bo.request({ type: 'standup.answer', channel: ch.id, standup: 999999, answers: ['a', 'b'] }), 'not_found', 'no such');
  // Nothing said (blank answers, no blocker) is not an answer: cy stays missing.
  const blank = await c.cy.request({ type: 'standup.answer', channel: ch.id, standup: sid, answers: [' ', ''], blocker: '  ' });
  assertErr(blank, 'bad_request', 'blank answers');
  assert.match(blank.message, /answer at least one question/);
  assertErr(await c.cy.request({ type: 'standup.answer', channel: ch.id, standup: sid, answers: ['', ''] }), 'bad_request', 'blank, no blocker');
  assert.equal((await c.bo.request({ type: 'standup.answer', channel: ch.id, standup: sid, answers: ['wrote', 'review'] })).type, 'ok');
  assert.equal((await c.bo.request({ type: 'standup.answer', channel: ch.id, standup: sid, answers: ['wrote the memo', 'review'], blocker: 'waiting on legal' })).type, 'ok');
  const ans = await c.cy.next(isEv(ch.id, 'standup.answer', (f) => f.answer.blocker === 'waiting on legal'));
  assert.equal(ans.standup, sid);
  assert.deepEqual(ans.answer.answers, ['wrote the memo', 'review']);
  assert.equal(ans.answer.user.id, u.bo.id);
  // di joins after it opened: not expected, not missed.
  assert.equal((await c.ana.request({ type: 'channel.invite', channel: ch.id, user: u.di.id })).type, 'ok');
  assert.equal((await c.di.request({ type: 'channel.join', channel: ch.id })).type, 'channel');
  const l = await c.cy.request({ type: 'standup.list', channel: ch.id });
  assert.equal(l.open, sid);
  assert.equal(l.standups[0].answers.length, 1, 'replaced, not added');
  // The window ends: closed with the summary.
  await clock(c.ana, '2027-04-05T12:31:00Z');
  const closed = await c.cy.next(isEv(ch.id, 'standup', (f) => f.standup.id === sid && f.standup.state === 'closed'));
  const sum = closed.standup.summary;
  assert.deepEqual(sum.answered.map((x) => x.name), ['bo']);
  assert.deepEqual(sum.missed.map((x) => x.name).sort(), ['ana', 'cy']);
  assert.deepEqual(sum.blockers, [{ user: { id: u.bo.id, name: 'bo', display: 'bo' }, text: 'waiting on legal' }]);
  assert.deepEqual(sum.streaks.map((x) => [x.user.name, x.missed]).sort(), [['ana', 1], ['cy', 1]]);
  assertErr(await c.bo.request({ type: 'standup.answer', channel: ch.id, standup: sid, answers: ['late', 'x'] }), 'conflict', 'closed');
  // A second one: cy misses again (a run of 2), bo misses for the first time,
  // di (a member now) is expected; closed early by a moderator.
  const o2 = await c.ana.request({ type: 'standup.open', channel: ch.id, questions: ['Q'] });
  assert.equal((await c.ana.request({ type: 'standup.answer', channel: ch.id, standup: o2.standup, answers: ['ok'] })).type, 'ok');
  assert.equal((await c.ana.request({ type: 'standup.close', channel: ch.id })).type, 'ok');
  const c2 = await c.cy.next(isEv(ch.id, 'standup', (f) => f.standup.id === o2.standup && f.standup.state === 'closed'));
  assert.deepEqual(c2.standup.summary.streaks.map((x) => [x.user.name, x.missed]).sort(), [['bo', 1], ['cy', 2], ['di', 1]]);
  assertErr(await c.ana.request({ type: 'standup.close', channel: ch.id }), 'not_found', 'none open');
  // The history, newest first, paged.
  const p1 = await c.di.request({ type: 'standup.list', channel: ch.id, limit: 1 });
  assert.equal(p1.standups[0].id, o2.standup);
  assert.equal(p1.more, true);
  const p2 = await c.di.request({ type: 'standup.list', channel: ch.id, limit: 1, before: o2.standup });
  assert.equal(p2.standups[0].id, sid);
  assert.equal(p2.standups[0].answers[0].blocker, 'waiting on legal');
  assert.equal(p2.more, false);
  // Outsiders of an invite-only team see nothing.
  const outsider = await server.user(uid('out').toLowerCase());
  const oc = await connect(server, outsider.token);
  assertErr(await oc.request({ type: 'standup.list', channel: ch.id }), 'forbidden', 'outsider');
  oc.ws.terminate();
});

test('resume replays standup events to a member who was away', async () => {
  const ch = await team(['cy']);
  const since = c.cy.welcome.seq;
  const o = await c.ana.request({ type: 'standup.open', channel: ch.id, questions: ['Q'] });
  assert.equal((await c.ana.request({ type: 'standup.answer', channel: ch.id, standup: o.standup, answers: ['a'], blocker: 'b' })).type, 'ok');
  const again = await connect(server, u.cy.token, { since });
  const kinds = again.events(ch.id).map((f) => f.kind);
  assert.ok(kinds.includes('standup') && kinds.includes('standup.answer'), show(kinds));
  again.ws.terminate();
  assert.equal((await c.ana.request({ type: 'standup.close', channel: ch.id })).type, 'ok');
});

test('restarts: before the time nothing opens; inside the window it opens at start, once; a standup whose window passed while down closes at start', async () => {
  const dataDir = tempDir();
  // 2027-05-03 is a Monday; the schedule is 10:00 UTC for 60 minutes.
  const offsetTo = (iso) => String(Math.round((at(iso) - Date.now()) / 1000));
  const start = async (iso, extra = TEST) => {
    const s = new Server({ dataDir, args: [...extra, '--clock-offset', offsetTo(iso)] });
    await s.start();
    servers.push(s);
    return s;
  };
  const servers = [];
  after(() => { for (const x of servers) assert.doesNotMatch(x.log, /Sanitizer|runtime error/, 'the server ran clean'); });
  let s = await start('2027-05-03T09:00:00Z');
  const a = await s.user('ana');
  await s.user('bo');
  let ca = await connect(s, a.token);
  const ch = (await ca.request({ type: 'channel.create', name: 'restart-team', kind: 'team' })).channel;
  assert.equal((await ca.request({ type: 'standup.set', channel: ch.id, questions: ['Q'], days: ['mon'], time: '10:00', tz: 'UTC', window: 60 })).type, 'ok');
  ca.ws.terminate();
  await stopWithin(s);
  // Before the time: nothing.
  s = await start('2027-05-03T09:30:00Z');
  ca = await connect(s, a.token);
  assert.equal((await ca.request({ type: 'standup.list', channel: ch.id })).standups.length, 0);
  ca.ws.terminate();
  await stopWithin(s);
  // Down at 10:00, up at 10:20: it opens at start, closing at 11:00.
  s = await start('2027-05-03T10:20:00Z');
  ca = await connect(s, a.token);
  const opened = await ca.next(isEv(ch.id, 'standup', (f) => f.standup.state === 'open'));
  assert.equal(opened.standup.closes, '2027-05-03T11:00:00.000Z');
  ca.ws.terminate();
  await stopWithin(s);
  // Up again at 10:40: the same one, not a second.
  s = await start('2027-05-03T10:40:00Z');
  ca = await connect(s, a.token);
  let l = await ca.request({ type: 'standup.list', channel: ch.id });
  assert.equal(l.standups.length, 1, show(l));
  assert.equal(l.standups[0].state, 'open');
  ca.ws.terminate();
  await stopWithin(s);
  // Down across 11:00: it closes at start with its summary, once.
  s = await start('2027-05-03T12:00:00Z');
  ca = await connect(s, a.token);
  const closed = await ca.next(isEv(ch.id, 'standup', (f) => f.standup.state === 'closed'));
  assert.deepEqual(closed.standup.summary.missed.map((x) => x.name), ['ana']);
  ca.ws.terminate();
  await stopWithin(s);
  // Next Monday, down at 10:00 and up after the window: nothing opens.
  s = await start('2027-05-10T11:30:00Z');
  ca = await connect(s, a.token);
  l = await ca.request({ type: 'standup.list', channel: ch.id });
  assert.equal(l.standups.length, 1, show(l));
  assert.equal(ca.events(ch.id).filter((f) => f.kind === 'standup' && f.standup.state === 'closed').length, 1, 'one summary');
  ca.ws.terminate();
  await stopWithin(s);
  // Without --test-clock, test.clock is refused and clock_offset is a usage error.
  s = new Server({ dataDir, args: NO_RATE_LIMIT });
  await s.start();
  ca = await connect(s, a.token);
  assertErr(await ca.request({ type: 'test.clock', at: 0 }), 'forbidden', 'no test clock');
  ca.ws.terminate();
  await stopWithin(s);
  const bad = new Server({ dataDir, args: ['--clock-offset', '60'] });
  await assert.rejects(bad.start(), /clock_offset/);
});
