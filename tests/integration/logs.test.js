// Logs: one line per event, key=value fields (or one JSON object per line
// with log_format = json), request ids on HTTP requests (the same id in the
// x-request-id header), and never a message body, a password or a token.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, request } from '../lib/harness.js';
import { makeChannel, sendMsg, stopWithin } from './support.js';

// key=value pairs of one logfmt line, or null when the line is not one.
export function parseLogfmt(line) {
  const re = /([A-Za-z_][\w.]*)=("(?:[^"\\]|\\.)*"|[^\s"=]+)(?: |$)/y;
  const out = {};
  let m;
  re.lastIndex = 0;
  while (re.lastIndex < line.length && (m = re.exec(line))) {
    out[m[1]] = m[2].startsWith('"') ? JSON.parse(m[2].replace(/\\x([0-9a-f]{2})/g, '\\u00$1')) : m[2];
  }
  return re.lastIndex === line.length && m ? out : null;
}

// The server's lines up to its ready line and after (LeakSanitizer's report,
// if any, is not ours to parse: the exit code covers it).
function lines(server) {
  return server.log.split('\n').filter((l) => l.length);
}

// Everything a run does that must stay out of the log: a password, a
// token, a message body, an edited body.
async function exercise(server) {
  const secretPw = 'pw-7f3a-correct-horse-battery';
  const body = 'BODY-e1d2c3-confidential words';
  const edited = 'EDIT-99aa-second secret';
  server.addUser('ana', secretPw);
  const res = await server.login('ana', secretPw);
  assert.equal(res.status, 200);
  const wrong = await server.login('ana', 'WRONGPW-5150-not-it');
  assert.equal(wrong.status, 401);
  const ana = await connect(server, res.token);
  const chan = await makeChannel(ana);
  const ack = await sendMsg(ana, chan.id, body);
  await ana.request({ type: 'edit', channel: chan.id, id: ack.id, body: edited });
  await ana.request({ type: 'send', channel: chan.id, body: 'x'.repeat(5000), client_id: 'too-long' });
  const pwc = await request(server, 'POST', '/api/password', {
    body: { old: secretPw, new: 'NEWPW-aa11-another-long-one' },
    headers: { authorization: `Bearer ${res.token}`, origin: server.origin },
  });
  ana.ws.terminate();
  return { secrets: [secretPw, body, edited, 'WRONGPW-5150', 'NEWPW-aa11', res.token, 'x'.repeat(100)], res, pwc };
}

test('text: every line is key=value with ts, level and event; HTTP requests carry an id', async () => {
  const server = await startServer({ args: ['--log-level', 'debug'] });
  const { secrets, res } = await exercise(server);
  const r = await stopWithin(server);
  assert.equal(r.code, 0, server.log.slice(-2000));
  const parsed = lines(server).map((l) => [l, parseLogfmt(l)]);
  for (const [l, p] of parsed) {
    assert.ok(p, `not key=value: ${l}`);
    assert.match(p.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, l);
    assert.ok(['error', 'warn', 'info', 'debug', 'notice'].includes(p.level), l);
    assert.ok(p.event, l);
  }
  const events = parsed.map(([, p]) => p);
  const ok = events.find((e) => e.event === 'login.ok');
  assert.ok(ok && /^[0-9a-f]{16}$/.test(ok.req) && ok.user === 'ana', JSON.stringify(ok));
  assert.equal(res.headers['x-request-id'], ok.req, 'the id in the header is the id in the log');
  const http = events.find((e) => e.event === 'http.request' && e.req === ok.req);
  assert.equal(http.route, '/api/login');
  assert.equal(http.status, '200');
  assert.ok(events.some((e) => e.event === 'login.refused' && e.peer === '127.0.0.1'));
  assert.ok(events.some((e) => e.event === 'password.changed' && e.user === 'ana'));
  for (const s of secrets) assert.ok(!server.log.includes(s), `the log holds ${s.slice(0, 20)}`);
});

test('json: every line is one JSON object; numbers are numbers', async () => {
  const server = await startServer({ args: ['--log-level', 'debug', '--log-format', 'json'] });
  const { secrets } = await exercise(server);
  const r = await stopWithin(server);
  assert.equal(r.code, 0, server.log.slice(-2000));
  const events = lines(server).map((l) => {
    try { return JSON.parse(l); } catch { assert.fail(`not JSON: ${l}`); }
  });
  for (const e of events) assert.ok(e.ts && e.level && e.event, JSON.stringify(e));
  const http = events.find((e) => e.event === 'http.request' && e.route === '/api/login' && e.status === 200);
  assert.ok(http, 'status is a number');
  assert.equal(typeof http.ms, 'number');
  assert.ok(events.some((e) => e.event === 'ready' && /^https:\/\//.test(e.url)));
  for (const s of secrets) assert.ok(!server.log.includes(s), `the log holds ${s.slice(0, 20)}`);
});

test('a value cannot forge a field or a line', async () => {
  // An origin the server refuses is logged as given: quotes, spaces, "=".
  const server = await startServer();
  const from = server.log.length;
  const evil = 'https://x" level=error event=forged a=b';
  await assert.rejects(connect(server, undefined, { origin: evil, hello: false }));
  await stopWithin(server);
  const line = server.log.slice(from).split('\n').find((l) => l.includes('event=ws.refused'));
  const p = parseLogfmt(line);
  assert.ok(p, line);
  assert.equal(p.origin, evil);
  assert.equal(p.level, 'info');
  assert.equal(p.event, 'ws.refused');
});
