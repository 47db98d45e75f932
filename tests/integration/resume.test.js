// Resume with hello since=<cursor>: exact replay, commits racing the replay,
// and the gap frame when a channel's backlog exceeds --replay-max.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import { NO_RATE_LIMIT, uid, waitCount, makeChannel, sendMsg, sendBurst, allHistory, stopWithin, metric } from './support.js';

let server;
let ana, rec, sender, chan;

before(async () => {
  server = await startServer({ args: NO_RATE_LIMIT });
  ana = await server.user('ana');
  rec = await server.user('rec');
  sender = await connect(server, ana.token);
});
after(async () => {
  sender?.ws.terminate();
  await stopWithin(server);
});

// Highest seq a client has seen: events and the synced cursor.
function cursor(client) {
  let s = client.synced?.seq ?? 0;
  for (const f of client.frames) if (f.type === 'event' && f.seq > s) s = f.seq;
  return s;
}

// Frames between welcome and synced, checking their framing.
function replayed(client) {
  const i = client.frames.findIndex((f) => f.type === 'synced');
  assert.equal(client.frames[0].type, 'welcome');
  assert.ok(i > 0);
  assert.equal(client.frames.filter((f) => f.type === 'synced').length, 1, 'one synced frame');
  return client.frames.slice(1, i);
}

test('reconnect with since=<last seq seen> replays exactly the 50 missed messages, then synced', async () => {
  const r1 = await connect(server, rec.token);
  chan = await makeChannel(sender, [r1]);
  const warm = await sendBurst(sender, chan.id, 5);
  await r1.next((f) => f.seq === warm[4].id);
  const since = cursor(r1);
  await r1.close();

  const acks = [];
  for (let i = 0; i < 50; i++) acks.push(await sendMsg(sender, chan.id, `missed ${i}`));

  const r2 = await connect(server, rec.token, { since });
  const got = replayed(r2);
  assert.deepEqual(got.map((f) => `${f.type}/${f.kind}/${f.seq}`), acks.map((a) => `event/message/${a.id}`),
    'exactly the missed events in seq order, nothing else');
  assert.deepEqual(got.map((f) => f.message.body), acks.map((_, i) => `missed ${i}`));
  assert.ok(r2.synced.seq >= acks[49].id);
  const since2 = cursor(r2);
  await r2.close();

  // Nothing missed: nothing replayed.
  const r3 = await connect(server, rec.token, { since: since2 });
  assert.deepEqual(replayed(r3), []);
  // Live events follow synced.
  const live = await sendMsg(sender, chan.id, 'live');
  const ev = await r3.next((f) => f.type === 'event' && f.seq === live.id);
  assert.equal(ev.message.body, 'live');
  await r3.close();
});

test('events committed while the replay runs are neither lost nor duplicated', async (t) => {
  const r1 = await connect(server, rec.token);
  const since = cursor(r1);
  await r1.close();
  const tag = uid('race');
  const before = [];
  for (let i = 0; i < 600; i += 100) before.push(...await sendBurst(sender, chan.id, 100, (j) => `${tag} a${i + j}`));
  // Four lanes keep sending from before the reconnect until well after synced.
  const during = [];
  let stopAt = Infinity;
  let n = 0;
  let started;
  const running = new Promise((resolve) => { started = resolve; });
  const lane = async () => {
    while (during.length < stopAt) {
      during.push(await sendMsg(sender, chan.id, `${tag} b${n++}`));
      if (during.length === 20) started();
    }
  };
  const lanes = Promise.all([lane(), lane(), lane(), lane()]);
  await running;
  const r2 = await connect(server, rec.token, { since });
  stopAt = during.length + 40;
  await lanes;
  const all = [...before, ...during].map((a) => a.id).sort((x, y) => x - y);
  const mine = (f) => f.type === 'event' && f.channel === chan.id;
  await waitCount(r2, (f) => mine(f) && f.message?.body?.startsWith(tag), all.length, { timeout: 20000 });
  const seqs = r2.frames.filter(mine).map((f) => f.seq);
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], `seq ${seqs[i]} after ${seqs[i - 1]} (dup or out of order)`);
  assert.deepEqual(seqs, all, 'exactly every event after the cursor, once each');
  const si = r2.frames.findIndex((f) => f.type === 'synced');
  t.diagnostic(`welcome.seq ${r2.welcome.seq}, synced.seq ${r2.synced.seq}, replayed ${r2.frames.slice(0, si).filter(mine).length}, live ${r2.frames.slice(si).filter(mine).length}`);
  await r2.close();
});

test('--replay-max: a larger backlog yields a gap frame for that channel; history pages the rest', async () => {
  const s2 = await startServer({ args: [...NO_RATE_LIMIT, '--replay-max', '10'] });
  try {
    const a = await s2.user('ana');
    const r = await s2.user('rec');
    const snd = await connect(s2, a.token);
    const r1 = await connect(s2, r.token);
    const big = await makeChannel(snd, [r1]);
    const small = await makeChannel(snd, [r1]);
    const w = await sendMsg(snd, small.id, 'seen');
    await r1.next((f) => f.seq === w.id);
    const since = cursor(r1);
    await r1.close();

    const bigAcks = [];
    for (let i = 0; i < 30; i++) bigAcks.push(await sendMsg(snd, big.id, `big ${i}`));
    const smallAcks = [];
    for (let i = 0; i < 5; i++) smallAcks.push(await sendMsg(snd, small.id, `small ${i}`));
    const bigIds = bigAcks.map((x) => x.id);

    const r2 = await connect(s2, r.token, { since });
    const got = replayed(r2);
    const gaps = got.filter((f) => f.type === 'gap');
    assert.equal(gaps.length, 1, `one gap frame expected; replay was ${JSON.stringify(got.map((f) => f.type + ':' + (f.channel ?? '')))}`);
    assert.equal(gaps[0].channel, big.id);
    assert.equal(typeof gaps[0].from, 'number');
    assert.ok(gaps[0].from >= since && gaps[0].from <= bigIds[29] + 1, `gap.from ${gaps[0].from}`);
    // The small channel was replayed in full.
    assert.deepEqual(got.filter((f) => f.type === 'event' && f.channel === small.id).map((f) => f.seq), smallAcks.map((x) => x.id));
    // Of the big channel at most the newest 10 were replayed, in order.
    const bigReplayed = got.filter((f) => f.type === 'event' && f.channel === big.id).map((f) => f.seq);
    assert.ok(bigReplayed.length <= 10, `replayed ${bigReplayed.length} > --replay-max`);
    assert.deepEqual(bigReplayed, bigIds.slice(30 - bigReplayed.length));
    // Documented detail: replay of the channel starts at gap.from, the gap
    // frame comes first, and history before:from holds the rest.
    const gi = got.indexOf(gaps[0]);
    assert.ok(got.findIndex((f) => f.type === 'event' && f.channel === big.id) === -1 || gi < got.findIndex((f) => f.type === 'event' && f.channel === big.id), 'gap precedes the channel\'s replay');
    for (const sq of bigReplayed) assert.ok(sq >= gaps[0].from);
    assert.equal(gaps[0].since, since);
    const hb = await r2.request({ type: 'history', channel: big.id, before: gaps[0].from, limit: 200 });
    assert.deepEqual(hb.messages.filter((m) => m.id > since).map((m) => m.id), bigIds.filter((x) => x < gaps[0].from));
    // History fills in the rest: together exactly the 30 missed messages.
    const h = (await allHistory(r2, big.id, { limit: 7 })).filter((m) => m.id > since);
    const union = [...new Set([...h.map((m) => m.id), ...bigReplayed])].sort((x, y) => x - y);
    assert.deepEqual(union, bigIds);
    assert.deepEqual(h.map((m) => m.body), bigAcks.map((_, i) => `big ${i}`));
    // The channel is live again after the gap.
    const live = await sendMsg(snd, big.id, 'after gap');
    await r2.next((f) => f.type === 'event' && f.seq === live.id);
    await r2.close();
    snd.ws.terminate();
  } finally {
    await stopWithin(s2);
  }
});

test('by default a backlog of 1000 messages is replayed in full, without a gap, in coalesced writes', async () => {
  const r1 = await connect(server, rec.token);
  const since = cursor(r1);
  await r1.close();
  const acks = [];
  for (let i = 0; i < 1000; i += 100) acks.push(...await sendBurst(sender, chan.id, 100, (j) => `k${i + j}`));
  const frames0 = await metric(server, 'weft_frames_sent_total');
  const writes0 = await metric(server, 'weft_ws_writes_total');
  const r2 = await connect(server, rec.token, { since });
  const got = replayed(r2);
  assert.deepEqual(got.filter((f) => f.type === 'gap'), []);
  assert.deepEqual(got.filter((f) => f.type === 'event').map((f) => f.seq), acks.map((a) => a.id));
  // Nothing else is sending: these are welcome, the replay and synced. A
  // replay queues frames faster than a socket write, so they share writes
  // (each write carries up to 16 KiB of frames: dozens of these).
  const frames = (await metric(server, 'weft_frames_sent_total')) - frames0;
  const writes = (await metric(server, 'weft_ws_writes_total')) - writes0;
  assert.ok(frames >= 1002, `frames ${frames}`);
  assert.ok(writes > 0 && writes * 5 < frames, `${frames} frames went out in ${writes} writes`);
  await r2.close();
});
