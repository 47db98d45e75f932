// Files: POST /api/files, send's `files`, GET /api/files/ID, the resource
// library (channel.files), deletion of the bytes with the message, expiry
// of uploads never attached, the quota, and backups that carry the bytes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { startServer, tempDir, runWeftd } from '../lib/harness.js';
import { makeChannel, sendMsg, uid, show, assertErr, NO_RATE_LIMIT, sqlite3, haveSqlite3 } from './support.js';

const MAX_FILE = 2 * 1024 * 1024;
const QUOTA = 6 * 1024 * 1024;
let server;

before(async () => {
  server = await startServer({
    args: [...NO_RATE_LIMIT, '--max-file', String(MAX_FILE), '--file-quota', String(QUOTA),
      '--file-unattached-ttl', '3'],
  });
});
after(async () => { await server?.stop(); if (process.env.SHOWLOG) console.log(server.log); });

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

// POST /api/files with the raw bytes; resolves {status, headers, body}.
function upload(srv, token, channel, name, bytes, { type = 'application/octet-stream', headers = {} } = {}) {
  const q = `channel=${encodeURIComponent(channel)}&name=${encodeURIComponent(name)}`;
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: srv.port, method: 'POST', path: `/api/files?${q}`, rejectUnauthorized: false,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        'content-type': type, 'content-length': bytes.length, ...headers,
      },
    }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString();
        let body;
        try { body = JSON.parse(text); } catch { body = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, body, text });
      });
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

// GET /api/files/ID; resolves {status, headers, bytes}.
function download(srv, token, id, headers = {}) {
  return new Promise((resolve, reject) => {
    https.get({
      host: '127.0.0.1', port: srv.port, path: `/api/files/${id}`, rejectUnauthorized: false,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, bytes: Buffer.concat(parts) }));
    }).on('error', reject);
  });
}

// Every blob in the data directory's store (files/ab/cdef…), and the
// temporary uploads (files/tmp).
function blobs(srv) {
  const dir = path.join(srv.dataDir, 'files');
  const out = [];
  for (const d of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!/^[0-9a-f]{2}$/.test(d)) continue;
    for (const f of fs.readdirSync(path.join(dir, d))) out.push(d + f);
  }
  return out;
}
const tmpFiles = (srv) => fs.readdirSync(path.join(srv.dataDir, 'files', 'tmp'));

async function until(pred, what, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out: ${what}`);
}

async function twoUsers(kind = 'team', access) {
  const a = await server.user(uid('fa'));
  const b = await server.user(uid('fb'));
  const ca = await server.connect(a.token);
  const cb = await server.connect(b.token);
  const ch = await makeChannel(ca, [], { kind, access });
  if (access !== 'invite' && kind !== 'team') await cb.request({ type: 'channel.join', channel: ch.id });
  else {
    assert.equal((await ca.request({ type: 'channel.invite', channel: ch.id, user: b.id })).type, 'ok');
    assert.equal((await cb.request({ type: 'channel.join', channel: ch.id })).type, 'channel');
  }
  return { a, b, ca, cb, ch };
}

test('upload, attach and download: a member gets the same bytes and SHA-256; message objects carry files', async () => {
  const { a, b, ca, cb, ch } = await twoUsers();
  const bytes = crypto.randomBytes(700 * 1024 + 13);
  const up = await upload(server, a.token, ch.id, 'budget équité 2026.pdf', bytes, { type: 'Application/PDF; charset=x' });
  assert.equal(up.status, 200, up.text);
  const f = up.body.file;
  assert.deepEqual({ name: f.name, size: f.size, type: f.type, sha256: f.sha256 },
    { name: 'budget équité 2026.pdf', size: bytes.length, type: 'application/pdf', sha256: sha256(bytes) });
  assert.equal(ca.welcome.limits.max_file, MAX_FILE, show(ca.welcome.limits));
  assert.ok(blobs(server).includes(f.sha256), 'the blob is stored under its hash');

  // Before it is attached only its uploader sees it.
  assert.equal((await download(server, b.token, f.id)).status, 404);
  assert.equal((await download(server, a.token, f.id)).status, 200);

  const ack = await sendMsg(ca, ch.id, 'the rubric', { files: [f.id] });
  const ev = await cb.next((e) => e.type === 'event' && e.kind === 'message' && e.message.id === ack.id);
  assert.deepEqual(ev.message.files, [{ id: f.id, name: f.name, size: bytes.length, type: 'application/pdf' }]);
  const hist = await cb.request({ type: 'history', channel: ch.id });
  assert.deepEqual(hist.messages.find((m) => m.id === ack.id).files, ev.message.files);
  const plain = await sendMsg(ca, ch.id, 'no files');
  assert.deepEqual((await cb.request({ type: 'history', channel: ch.id })).messages.find((m) => m.id === plain.id).files, []);
  // Replay after a reconnect carries them too.
  const again = await server.connect(b.token, { since: ack.id - 1 });
  const rep = again.frames.find((e) => e.type === 'event' && e.message?.id === ack.id);
  assert.deepEqual(rep.message.files, ev.message.files);
  again.close();

  const got = await download(server, b.token, f.id);
  assert.equal(got.status, 200);
  assert.equal(sha256(got.bytes), sha256(bytes));
  assert.ok(got.bytes.equals(bytes));
  assert.equal(got.headers['content-type'], 'application/pdf');
  assert.equal(got.headers['x-content-type-options'], 'nosniff');
  assert.match(got.headers['content-security-policy'], /sandbox/);
  assert.equal(got.headers['content-disposition'],
    'attachment; filename="budget _quit_ 2026.pdf"; filename*=UTF-8\'\'budget%20%C3%A9quit%C3%A9%202026.pdf');

  // One byte range.
  const part = await download(server, b.token, f.id, { range: 'bytes=100-199' });
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-range'], `bytes 100-199/${bytes.length}`);
  assert.ok(part.bytes.equals(bytes.subarray(100, 200)));

  // A non-member, someone signed out, and an id that does not exist.
  const c = await server.user(uid('fc'));
  assert.equal((await download(server, c.token, f.id)).status, 404);
  assert.equal((await download(server, c.token, 999999)).status, 404);
  assert.equal((await download(server, c.token, 'abc')).status, 404);
  assert.equal((await download(server, null, f.id)).status, 401);
  ca.close(); cb.close();
});

test('uploads are refused clearly: no credential, not a member, bad origin, bad name, empty', async () => {
  const { a, ca, ch } = await twoUsers();
  const c = await server.user(uid('fc'));
  const one = Buffer.from('x');
  assert.equal((await upload(server, null, ch.id, 'a.txt', one)).status, 401);
  const nm = await upload(server, c.token, ch.id, 'a.txt', one);
  assert.equal(nm.status, 403, nm.text);
  assert.equal(nm.body.error, 'forbidden');
  assert.equal((await upload(server, a.token, ch.id, 'a.txt', one, { headers: { origin: 'https://evil.example' } })).status, 403);
  const bad = await upload(server, a.token, ch.id, '../etc/passwd', one);
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.body.message, /'\/'/);
  assert.equal((await upload(server, a.token, ch.id, 'empty.txt', Buffer.alloc(0))).status, 400);
  assert.equal((await upload(server, a.token, 987654, 'a.txt', one)).status, 404);
  ca.close();
});

test('an .html upload is served as an attachment with application/octet-stream; PNG inline', async () => {
  const { a, ca, cb, ch } = await twoUsers();
  const html = Buffer.from('<script>alert(1)</script>');
  const up = await upload(server, a.token, ch.id, 'page.html', html, { type: 'text/html' });
  assert.equal(up.status, 200, up.text);
  const svg = await upload(server, a.token, ch.id, 'pic.svg', Buffer.from('<svg/>'), { type: 'image/svg+xml' });
  const png = await upload(server, a.token, ch.id, 'pic.png', Buffer.from('\x89PNG fake'), { type: 'image/png' });
  await sendMsg(ca, ch.id, 'files', { files: [up.body.file.id, svg.body.file.id, png.body.file.id] });
  const r = await download(server, cb.token ?? a.token, up.body.file.id);
  for (const [id, type, disp] of [[up.body.file.id, 'application/octet-stream', /^attachment; filename="page.html"/],
    [svg.body.file.id, 'application/octet-stream', /^attachment;/], [png.body.file.id, 'image/png', /^inline; filename="pic.png"/]]) {
    const d = await download(server, a.token, id);
    assert.equal(d.status, 200);
    assert.equal(d.headers['content-type'], type, `file ${id}`);
    assert.match(d.headers['content-disposition'], disp);
    assert.equal(d.headers['x-content-type-options'], 'nosniff');
    assert.match(d.headers['content-security-policy'], /(^|, )sandbox/);
  }
  assert.equal(r.status, 200);
  ca.close(); cb.close();
});

test('oversize -> 413 before the body, nothing left on disk', async () => {
  const { a, ca, ch } = await twoUsers();
  const before = blobs(server).length;
  const big = crypto.randomBytes(MAX_FILE + 1);
  const r = await upload(server, a.token, ch.id, 'big.bin', big);
  assert.equal(r.status, 413, r.text);
  assert.equal(r.body.error, 'too_large');
  assert.equal(r.body.max_file, MAX_FILE);
  assert.equal(blobs(server).length, before);
  assert.deepEqual(tmpFiles(server), []);
  // The connection's next request is served.
  const ok = await upload(server, a.token, ch.id, 'small.bin', crypto.randomBytes(10));
  assert.equal(ok.status, 200, ok.text);
  ca.close();
});

test('an upload cut off halfway leaves nothing behind', async () => {
  const { a, ca, ch } = await twoUsers();
  const before = blobs(server).length;
  const sock = tls.connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false });
  await new Promise((r) => sock.once('secureConnect', r));
  sock.write(`POST /api/files?channel=${ch.id}&name=cut.bin HTTP/1.1\r\nHost: x\r\n` +
    `Authorization: Bearer ${a.token}\r\nContent-Length: ${MAX_FILE}\r\n\r\n`);
  sock.write(crypto.randomBytes(MAX_FILE / 2));
  // The worker has the temporary file once bytes arrived.
  await until(() => tmpFiles(server).length === 1, 'a temporary file while the body comes');
  sock.destroy();
  await until(() => tmpFiles(server).length === 0, 'the temporary file removed');
  assert.equal(blobs(server).length, before);
  ca.close();
});

test('same bytes are stored once; deleting a message removes bytes no other file names', async () => {
  const { a, ca, cb, ch } = await twoUsers();
  const bytes = crypto.randomBytes(50000);
  const u1 = await upload(server, a.token, ch.id, 'one.bin', bytes);
  const u2 = await upload(server, a.token, ch.id, 'two.bin', bytes);
  assert.notEqual(u1.body.file.id, u2.body.file.id);
  const sha = sha256(bytes);
  assert.equal(blobs(server).filter((b) => b === sha).length, 1);
  const m1 = await sendMsg(ca, ch.id, 'one', { files: [u1.body.file.id] });
  const m2 = await sendMsg(ca, ch.id, 'two', { files: [u2.body.file.id] });
  assert.equal((await ca.request({ type: 'delete', channel: ch.id, id: m1.id })).type, 'ok');
  assert.equal((await download(server, a.token, u1.body.file.id)).status, 404, 'the deleted message\'s file');
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(blobs(server).includes(sha), 'still named by the other file');
  assert.equal((await download(server, a.token, u2.body.file.id)).status, 200);
  // A moderator deleting it works the same way.
  assert.equal((await ca.request({ type: 'delete', channel: ch.id, id: m2.id })).type, 'ok');
  await until(() => !blobs(server).includes(sha), 'the bytes removed from disk');
  const lib = await cb.request({ type: 'channel.files', channel: ch.id });
  assert.deepEqual(lib.files, []);
  ca.close(); cb.close();
});

test('send with files: only my unattached uploads to that channel', async () => {
  const { a, b, ca, cb, ch } = await twoUsers();
  const other = await makeChannel(ca, [], { kind: 'cohort' });
  const mine = (await upload(server, a.token, ch.id, 'a.txt', Buffer.from('a'))).body.file;
  const elsewhere = (await upload(server, a.token, other.id, 'b.txt', Buffer.from('b'))).body.file;
  const theirs = (await upload(server, b.token, ch.id, 'c.txt', Buffer.from('c'))).body.file;
  const bad = 'files must name files you uploaded to this channel and did not attach yet';
  for (const id of [elsewhere.id, theirs.id, 424242]) {
    const r = await ca.request({ type: 'send', channel: ch.id, body: 'x', files: [id], client_id: uid('c') });
    assertErr(r, 'bad_request', `file ${id}`);
    assert.equal(r.message, bad);
  }
  assertErr(await ca.request({ type: 'send', channel: ch.id, body: 'x', files: 'nope' }), 'bad_request', 'not a list');
  assertErr(await ca.request({ type: 'send', channel: ch.id, files: Array.from({ length: 11 }, (_, i) => i + 1) }), 'bad_request', 'eleven');
  // Files alone, no body; a repeat with the same client_id gets the original.
  const cid = uid('c');
  const ack = await sendMsg(ca, ch.id, undefined, { files: [mine.id], client_id: cid });
  const dup = await ca.request({ type: 'send', channel: ch.id, files: [mine.id], client_id: cid });
  assert.equal(dup.type, 'ack', show(dup));
  assert.equal(dup.duplicate, true);
  assert.equal(dup.id, ack.id);
  // Attached once: not again.
  assertErr(await ca.request({ type: 'send', channel: ch.id, body: 'y', files: [mine.id] }), 'bad_request', 'attached');
  assertErr(await ca.request({ type: 'send', channel: ch.id }), 'bad_request', 'neither body nor files');
  ca.close(); cb.close();
});

test('channel.files: the library, newest first, paged, only for readers', async () => {
  const { a, b, ca, cb, ch } = await twoUsers();
  const ids = [];
  for (let i = 0; i < 5; i++) {
    const f = (await upload(server, a.token, ch.id, `f${i}.txt`, Buffer.from(`file ${i}`), { type: 'text/plain' })).body.file;
    const ack = await sendMsg(i % 2 ? cb : ca, ch.id, `m${i}`, { files: [] });
    assert.ok(ack.id);
    const m = await sendMsg(ca, ch.id, `with ${i}`, { files: [f.id] });
    ids.push({ id: f.id, message: m.id });
  }
  const page1 = await cb.request({ type: 'channel.files', channel: ch.id, limit: 3 });
  assert.equal(page1.type, 'files', show(page1));
  assert.equal(page1.channel, ch.id);
  assert.deepEqual(page1.files.map((f) => f.id), ids.slice(2).reverse().map((x) => x.id));
  assert.equal(page1.more, true);
  const f0 = page1.files[0];
  assert.deepEqual({ name: f0.name, size: f0.size, type: f0.type, message: f0.message, author: f0.author.id },
    { name: 'f4.txt', size: 6, type: 'text/plain', message: ids[4].message, author: a.id });
  assert.match(f0.ts, /^\d{4}-\d\d-\d\dT/);
  const page2 = await cb.request({ type: 'channel.files', channel: ch.id, limit: 3, before: page1.files[2].id });
  assert.deepEqual(page2.files.map((f) => f.id), ids.slice(0, 2).reverse().map((x) => x.id));
  assert.equal(page2.more, false);
  const c = await server.user(uid('fc'));
  const cc = await server.connect(c.token);
  assertErr(await cc.request({ type: 'channel.files', channel: ch.id }), 'forbidden', 'non-member of a team');
  void b;
  ca.close(); cb.close(); cc.close();
});

test('the daily quota: an upload past it -> 413 with a clear error', async () => {
  const a = await server.user(uid('fq'));
  const ca = await server.connect(a.token);
  const ch = await makeChannel(ca, [], { kind: 'cohort' });
  let used = 0;
  while (used + MAX_FILE <= QUOTA) {
    const r = await upload(server, a.token, ch.id, 'q.bin', crypto.randomBytes(MAX_FILE));
    assert.equal(r.status, 200, r.text);
    used += MAX_FILE;
  }
  const r = await upload(server, a.token, ch.id, 'over.bin', crypto.randomBytes(QUOTA - used + 1));
  assert.equal(r.status, 413, r.text);
  assert.equal(r.body.error, 'too_large');
  assert.equal(r.body.file_quota, QUOTA);
  assert.match(r.body.message, /quota/);
  // Someone else is not held back by it.
  const b = await server.user(uid('fq'));
  const cb = await server.connect(b.token);
  await cb.request({ type: 'channel.join', channel: ch.id });
  assert.equal((await upload(server, b.token, ch.id, 'ok.bin', Buffer.from('ok'))).status, 200);
  ca.close(); cb.close();
});

test('uploads never attached are removed after file_unattached_ttl', async () => {
  const { a, ca, ch } = await twoUsers();
  const bytes = crypto.randomBytes(3000);
  const up = await upload(server, a.token, ch.id, 'left.bin', bytes);
  assert.equal(up.status, 200);
  const kept = await upload(server, a.token, ch.id, 'kept.bin', crypto.randomBytes(3000));
  await sendMsg(ca, ch.id, 'kept', { files: [kept.body.file.id] });
  await until(() => !blobs(server).includes(sha256(bytes)), 'the unattached upload removed', 15000);
  assert.equal((await download(server, a.token, up.body.file.id)).status, 404);
  assert.equal((await download(server, a.token, kept.body.file.id)).status, 200);
  assertErr(await ca.request({ type: 'send', channel: ch.id, body: 'late', files: [up.body.file.id] }), 'bad_request', 'expired');
  ca.close();
});

test('weftd backup copies the bytes of every file with the database', async () => {
  const { a, ca, ch } = await twoUsers();
  const bytes = crypto.randomBytes(40000);
  const up = await upload(server, a.token, ch.id, 'keep.bin', bytes);
  await sendMsg(ca, ch.id, 'backed up', { files: [up.body.file.id] });
  const dir = tempDir('weft-backup-');
  const dest = path.join(dir, 'b.db');
  const r = runWeftd(['backup', dest, '--data', server.dataDir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /bytes of its files/);
  const copy = path.join(`${dest}.files`, up.body.file.sha256.slice(0, 2), up.body.file.sha256.slice(2));
  assert.ok(fs.readFileSync(copy).equals(bytes));
  if (haveSqlite3()) {
    // Every blob the copy names is in the copy.
    const named = sqlite3(dest, 'SELECT DISTINCT sha256 FROM files').trim().split('\n').filter(Boolean);
    for (const s of named) assert.ok(fs.existsSync(path.join(`${dest}.files`, s.slice(0, 2), s.slice(2))), s);
  }
  // A second backup to the same name is refused.
  assert.notEqual(runWeftd(['backup', dest, '--data', server.dataDir]).status, 0);
  ca.close();
});

test('many downloads at once, read slowly and quickly, each get the same bytes', { timeout: 120000 }, async () => {
  // A reader that stalls makes lws write part of a chunk and ask for
  // another writable callback while the worker reads the next: the chunk
  // must not be sent, nor the read asked for again, until the worker is done.
  const { a, b, ca, cb, ch } = await twoUsers();
  const bytes = crypto.randomBytes(MAX_FILE);
  const up = await upload(server, a.token, ch.id, 'big.bin', bytes);
  assert.equal(up.status, 200, up.text);
  await ca.request({ type: 'send', channel: ch.id, body: 'big', files: [up.body.file.id], client_id: uid('big') });
  const slow = (k) => new Promise((resolve, reject) => {
    https.get({
      host: '127.0.0.1', port: server.port, path: `/api/files/${up.body.file.id}`, rejectUnauthorized: false,
      headers: { authorization: `Bearer ${b.token}` },
    }, (res) => {
      const parts = [];
      res.on('data', (c) => {
        parts.push(c);
        if (k % 2 && parts.length % 4 === 0) { res.pause(); setTimeout(() => res.resume(), 5); }
      });
      res.on('end', () => resolve({ status: res.statusCode, bytes: Buffer.concat(parts) }));
    }).on('error', reject);
  });
  for (let round = 0; round < 3; round++) {
    const got = await Promise.all(Array.from({ length: 12 }, (_, k) => slow(k)));
    for (const g of got) {
      assert.equal(g.status, 200);
      assert.equal(sha256(g.bytes), sha256(bytes));
    }
  }
  // The server is whole: a further request is answered.
  assert.equal((await download(server, b.token, up.body.file.id, { range: 'bytes=0-9' })).status, 206);
  ca.close();
  cb.close();
});
