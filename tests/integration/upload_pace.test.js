// upload_rate: the bodies of all uploads together are read at most at that
// many MiB per second, so large files arriving leave the chat its share of the
// cores (tests/bench/README.md, "Uploads beside the chat"). Here at
// 1 MiB/s: uploads share the rate and arrive whole, the chat is not paced,
// an upload cut off while it waits leaves nothing behind and does not hold
// up the others, and a reload lifts the limit for an upload under way.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { startServer, connect, tempDir } from '../lib/harness.js';
import { makeChannel, NO_RATE_LIMIT, stopWithin } from './support.js';

const MiB = 1024 * 1024;
const conf = path.join(tempDir('weft-pace-'), 'weft.conf');
let server, ana, chan, token;

before(async () => {
  fs.writeFileSync(conf, 'upload_rate = 1\n');
  server = await startServer({ args: [...NO_RATE_LIMIT, '--config', conf, '--max-file', String(8 * MiB), '--file-quota', '0'] });
  token = (await server.user('ana')).token;
  ana = await connect(server, token);
  chan = await makeChannel(ana, []);
});
after(async () => {
  ana?.ws.terminate();
  await stopWithin(server);
});

const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');

function upload(bytes, name = 'paced.bin') {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: server.port, method: 'POST', rejectUnauthorized: false,
      path: `/api/files?channel=${chan.id}&name=${name}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': bytes.length },
    }, (res) => {
      let t = '';
      res.on('data', (c) => { t += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(t) }));
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

const tmpFiles = () => fs.readdirSync(path.join(server.dataDir, 'files', 'tmp'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('two uploads share 1 MiB/s, arrive whole, and the chat is not paced meanwhile', async () => {
  const one = crypto.randomBytes(MiB), two = crypto.randomBytes(MiB);
  const t0 = Date.now();
  let done = 0;
  const ups = [upload(one, 'one.bin'), upload(two, 'two.bin')].map((p) => p.then((r) => { done++; return r; }));
  await sleep(300);
  // While both wait their turns, a message is sent, committed and acked.
  const ack = await ana.request({ type: 'send', channel: chan.id, body: 'chat goes on', client_id: 'pace-1' });
  assert.equal(ack.type, 'ack');
  assert.equal(done, 0, 'the uploads were still under way when the message was acked');
  const [r1, r2] = await Promise.all(ups);
  const took = Date.now() - t0;
  assert.equal(r1.status, 200);
  assert.equal(r2.status, 200);
  assert.equal(r1.body.file.sha256, sha256(one));
  assert.equal(r2.body.file.sha256, sha256(two));
  // 2 MiB at 1 MiB/s, less the bucket's first 64 KiB: at least 1.8 s.
  assert.ok(took >= 1800, `2 MiB took ${took} ms at upload_rate = 1`);
});

test('an upload cut off while it waits leaves nothing behind, and the next one is read', async () => {
  const sock = tls.connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false });
  await new Promise((r) => sock.once('secureConnect', r));
  sock.write(`POST /api/files?channel=${chan.id}&name=cut.bin HTTP/1.1\r\nHost: x\r\n` +
    `Authorization: Bearer ${token}\r\nContent-Length: ${4 * MiB}\r\n\r\n`);
  sock.write(crypto.randomBytes(2 * MiB));
  // 2 MiB cannot be read in 600 ms at 1 MiB/s: it is in the line when cut.
  await sleep(600);
  assert.equal(tmpFiles().length, 1, 'a temporary file while the body comes');
  sock.destroy();
  const end = Date.now() + 10000;
  while (tmpFiles().length && Date.now() < end) await sleep(50);
  assert.deepEqual(tmpFiles(), [], 'the temporary file removed');
  const small = crypto.randomBytes(100 * 1024);
  const r = await upload(small, 'after.bin');
  assert.equal(r.status, 200);
  assert.equal(r.body.file.sha256, sha256(small));
});

test('a reload with upload_rate = 0 lifts the limit for the upload under way', async () => {
  const big = crypto.randomBytes(8 * MiB);
  const t0 = Date.now();
  const up = upload(big, 'big.bin');
  await sleep(500);
  const from = server.log.length;
  fs.writeFileSync(conf, 'upload_rate = 0\n');
  server.proc.kill('SIGHUP');
  const r = await up;
  assert.match(server.log.slice(from), /event=reload phase=done result=ok/);
  assert.equal(r.status, 200);
  assert.equal(r.body.file.sha256, sha256(big));
  // At 1 MiB/s it would take 8 s; unpaced after the reload, far less.
  assert.ok(Date.now() - t0 < 6000, `took ${Date.now() - t0} ms after the reload`);
});
