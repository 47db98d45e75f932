// kill -9 in the middle of a send storm: every acked message survives exactly
// once, nothing is duplicated, resends with the same client_id are idempotent.
// SIGTERM drains and exits 0.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/harness.js';
import { NO_RATE_LIMIT, uid, makeChannel, allHistory, stopWithin } from './support.js';

let server;
const users = [];
let chan;

before(async () => {
  server = await startServer({ args: NO_RATE_LIMIT });
  for (let i = 0; i < 4; i++) users.push(await server.user(`s${i}`));
  const clients = [];
  for (const x of users) clients.push(await connect(server, x.token));
  chan = await makeChannel(clients[0], clients.slice(1));
  for (const k of clients) await k.close();
});
after(async () => { await stopWithin(server); });

// Sends `total` messages keeping `window` in flight; stops when the socket
// closes. Resolves with {sent: [client_id], acked: Map(client_id -> id), errors}.
function storm(client, channel, prefix, total, window, onAck) {
  const st = { sent: [], acked: new Map(), errors: [] };
  return new Promise((resolve) => {
    let next = 0;
    let inflight = 0;
    let dead = false;
    const pump = () => {
      while (!dead && inflight < window && next < total) {
        const cid = `${prefix}-${next++}`;
        client.send({ type: 'send', req: cid, channel, body: `body of ${cid}`, client_id: cid });
        st.sent.push(cid);
        inflight++;
      }
      if (!dead && inflight === 0 && next >= total) resolve(st);
    };
    client.ws.on('message', (data) => {
      const f = JSON.parse(data.toString());
      if (typeof f.req !== 'string' || !f.req.startsWith(prefix)) return;
      inflight--;
      if (f.type === 'ack') { st.acked.set(f.client_id, f.id); onAck(); } else st.errors.push(f);
      pump();
    });
    client.ws.on('close', () => { dead = true; resolve(st); });
    pump();
  });
}

function byCid(messages) {
  const m = new Map();
  for (const msg of messages) {
    const key = `${msg.author.id}/${msg.client_id}`;
    m.set(key, [...(m.get(key) || []), msg]);
  }
  return m;
}

test('SIGKILL mid-stream loses no acked message and duplicates none; resends are idempotent', async (t) => {
  const tag = uid('k');
  const clients = [];
  for (const x of users) {
    const k = await connect(server, x.token);
    k.ws.on('error', () => {});
    clients.push(k);
  }
  let acks = 0;
  let killed = null;
  const onAck = () => {
    if (++acks === 800 && !killed) killed = server.kill9();
  };
  const results = await Promise.all(clients.map((k, i) => storm(k, chan.id, `${tag}-s${i}`, 500, 8, onAck)));
  assert.ok(killed, `the server was never killed (only ${acks} acks)`);
  const exit = await killed;
  assert.equal(exit.signal, 'SIGKILL');
  for (const r of results) assert.deepEqual(r.errors, [], 'no send was refused before the kill');
  const totalAcked = results.reduce((n, r) => n + r.acked.size, 0);
  const totalSent = results.reduce((n, r) => n + r.sent.length, 0);
  assert.ok(totalAcked >= 800 && totalSent < 2000, `kill was not mid-stream: ${totalAcked} acked, ${totalSent} sent`);

  await server.start();
  const reader = await connect(server, users[0].token);
  const msgs = (await allHistory(reader, chan.id)).filter((m) => m.client_id?.startsWith(tag));
  const groups = byCid(msgs);
  for (const [key, list] of groups) assert.equal(list.length, 1, `${key} stored ${list.length} times`);
  const ids = msgs.map((m) => m.id);
  assert.equal(new Set(ids).size, ids.length, 'no id appears twice');
  const preKillMax = Math.max(0, ...ids);
  results.forEach((r, i) => {
    const sent = new Set(r.sent);
    for (const [cid, id] of r.acked) {
      const got = groups.get(`${users[i].id}/${cid}`);
      assert.ok(got, `acked message ${cid} (id ${id}) lost after kill -9`);
      assert.equal(got[0].id, id);
      assert.equal(got[0].body, `body of ${cid}`);
    }
    for (const m of msgs.filter((x) => x.author.id === users[i].id)) assert.ok(sent.has(m.client_id), `never sent: ${m.client_id}`);
  });

  // Resend every unacked message with its client_id: each ends up stored once.
  let dupAcks = 0;
  await Promise.all(results.map(async (r, i) => {
    const k = await connect(server, users[i].token);
    const unacked = r.sent.filter((cid) => !r.acked.has(cid));
    const replies = await Promise.all(unacked.map((cid) => k.request({ type: 'send', channel: chan.id, body: `body of ${cid}`, client_id: cid })));
    replies.forEach((a, j) => {
      assert.equal(a.type, 'ack', JSON.stringify(a));
      const had = groups.get(`${users[i].id}/${unacked[j]}`);
      if (had) {
        assert.equal(a.duplicate, true, `${unacked[j]} was committed before the kill; resend must be a duplicate`);
        assert.equal(a.id, had[0].id);
        dupAcks++;
      } else {
        assert.ok(!a.duplicate);
        assert.ok(a.id > preKillMax, `new id ${a.id} reuses a seq at or below ${preKillMax}`);
      }
    });
    await k.close();
  }));
  const final = byCid((await allHistory(reader, chan.id)).filter((m) => m.client_id?.startsWith(tag)));
  results.forEach((r, i) => {
    for (const cid of r.sent) assert.equal(final.get(`${users[i].id}/${cid}`)?.length, 1, `${cid} not stored exactly once`);
  });
  assert.equal(final.size, totalSent);
  await reader.close();
  t.diagnostic(`acked ${totalAcked}, sent ${totalSent}, committed-but-unacked ${dupAcks}`);
});

test('SIGTERM while a client sends: every acked message is kept; exit 0 within 10 s', async () => {
  const k = await connect(server, users[1].token);
  k.ws.on('error', () => {});
  const tag = uid('t');
  let stopping = null;
  let acks = 0;
  let signalled;
  const sent = new Promise((resolve) => { signalled = resolve; });
  const stormP = storm(k, chan.id, tag, 300, 8, () => {
    if (++acks === 50) { stopping = stopWithin(server, 10000); signalled(); }
  });
  await sent;
  const exit = await stopping;
  k.ws.terminate();
  const st = await stormP;
  await server.start();
  const reader = await connect(server, users[1].token);
  const g = byCid((await allHistory(reader, chan.id)).filter((m) => m.client_id?.startsWith(tag)));
  for (const [cid, id] of st.acked) assert.equal(g.get(`${users[1].id}/${cid}`)?.[0].id, id, `acked ${cid} lost on SIGTERM`);
  for (const [, list] of g) assert.equal(list.length, 1);
  await reader.close();
  assert.equal(exit.timedOut, false, 'weftd had not exited 10 s after SIGTERM');
  assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}`);
});

test('SIGTERM with idle clients connected: sockets closed and exit 0 within 10 s', async () => {
  const ks = [];
  for (const x of users) {
    const k = await connect(server, x.token);
    k.ws.on('error', () => {});
    ks.push(k);
  }
  const t0 = Date.now();
  const exit = await stopWithin(server, 10000);
  const ms = Date.now() - t0;
  for (const k of ks) k.ws.terminate();
  await server.start(); // leave a running server for after()
  assert.equal(exit.timedOut, false, 'weftd had not exited 10 s after SIGTERM');
  assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}`);
  assert.ok(ms < 10000, `exit took ${ms} ms`);
});
