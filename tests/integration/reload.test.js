// SIGHUP (systemctl reload weft): a new certificate for new connections while
// the open ones go on working; a bad certificate keeps the old one and says
// why; the options that can change at run time come from the config file
// again, the others wait for a restart.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { spawnSync } from 'node:child_process';
import { startServer, connect, tempDir } from '../lib/harness.js';
import { makeChannel, sendMsg, assertAlive, stopWithin, metric } from './support.js';

const dir = tempDir('weft-reload-');
const certFile = path.join(dir, 'cert.pem');
const keyFile = path.join(dir, 'key.pem');
const confFile = path.join(dir, 'weft.conf');

// A self-signed certificate (P-256, or RSA with rsa) with the given serial
// (hex), into prefix.{crt,key}.
function makeCert(prefix, serial, { rsa = false } = {}) {
  const key = rsa ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  const r = spawnSync('openssl', ['req', '-x509', ...key, '-nodes',
    '-keyout', `${prefix}.key`, '-out', `${prefix}.crt`, '-days', '30', '-subj', '/CN=localhost',
    '-set_serial', `0x${serial}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { cert: `${prefix}.crt`, key: `${prefix}.key` };
}

function install(pair) {
  // Written beside and renamed, the way certbot's deploy hooks do.
  fs.copyFileSync(pair.cert, `${certFile}.new`);
  fs.copyFileSync(pair.key, `${keyFile}.new`);
  fs.renameSync(`${keyFile}.new`, keyFile);
  fs.renameSync(`${certFile}.new`, certFile);
}

// The serial (upper-case hex) of the certificate a new TLS handshake gets.
function servedSerial(port) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'localhost' }, () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.end();
      resolve(serial);
    });
    s.once('error', reject);
  });
}

// Resolves once the server's log (from index `from`) matches re.
async function logged(server, re, from, timeout = 10000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    const m = re.exec(server.log.slice(from));
    if (m) return m;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`log never matched ${re}:\n${server.log.slice(from)}`);
}

async function reload(server) {
  const from = server.log.length;
  server.proc.kill('SIGHUP');
  await logged(server, /event=reload phase=done result=(ok|failed)/, from);
  return server.log.slice(from);
}

let server, ana, chan, first, second;

before(async () => {
  first = makeCert(path.join(dir, 'first'), '1111AA');
  second = makeCert(path.join(dir, 'second'), '2222BB');
  install(first);
  fs.writeFileSync(confFile, 'max_body = 4000\n');
  server = await startServer({ args: ['--cert', certFile, '--key', keyFile, '--config', confFile] });
  ana = await connect(server, (await server.user('ana')).token);
  chan = await makeChannel(ana);
});
after(async () => {
  ana?.ws.terminate();
  // A clean exit: what reloads replaced is freed (LeakSanitizer would say).
  const r = await stopWithin(server);
  assert.equal(r.code, 0, server.log.slice(-3000));
});

test('a new certificate serves new connections; an open socket keeps working', async () => {
  assert.equal(await servedSerial(server.port), '1111AA');
  await sendMsg(ana, chan.id, 'before the reload');
  install(second);
  const log = await reload(server);
  assert.match(log, /event=tls\.reloaded serial=2222BB /);
  assert.equal(await servedSerial(server.port), '2222BB', 'a new handshake gets the new certificate');
  // The socket opened before the reload: same TLS session, still served.
  assert.equal(ana.ws._socket.getPeerCertificate().serialNumber, '1111AA');
  await assertAlive(ana, assert);
  await sendMsg(ana, chan.id, 'after the reload');
  const other = await connect(server, (await server.user('bo')).token);
  assert.equal(other.ws._socket.getPeerCertificate().serialNumber, '2222BB');
  other.ws.terminate();
  assert.equal(await metric(server, 'weft_reloads_total'), 1);
});

test('a bad certificate keeps the current one and logs why', async () => {
  const failures = await metric(server, 'weft_reload_failures_total');
  // A key that is not the certificate's.
  fs.copyFileSync(first.cert, certFile);
  let log = await reload(server);
  assert.match(log, /level=error event=tls\.reload_failed error="the key .* does not belong to the certificate/);
  assert.match(log, /result=failed/);
  assert.equal(await servedSerial(server.port), '2222BB');
  // Not a certificate at all.
  fs.writeFileSync(certFile, 'not a certificate\n');
  log = await reload(server);
  assert.match(log, /event=tls\.reload_failed error="cannot read the certificate/);
  assert.equal(await servedSerial(server.port), '2222BB');
  await assertAlive(ana, assert);
  assert.equal(await metric(server, 'weft_reload_failures_total'), failures + 2);
  install(second);
  await reload(server);
});

test('an RSA certificate replaces an ECDSA one, also for clients that prefer ECDSA', async () => {
  const third = makeCert(path.join(dir, 'third'), '3333CC', { rsa: true });
  install(third);
  const log = await reload(server);
  assert.match(log, /event=tls\.reloaded serial=3333CC /);
  assert.equal(await servedSerial(server.port), '3333CC');
  install(second);
  await reload(server);
  assert.equal(await servedSerial(server.port), '2222BB');
  await assertAlive(ana, assert);
});

test('run-time options come from the config file again; the others wait for a restart', async () => {
  fs.writeFileSync(confFile, 'max_body = 10\nauth_threads = 3\n');
  const log = await reload(server);
  assert.match(log, /event=config\.changed option=max_body from=4000 to=10/);
  assert.match(log, /level=warn event=config\.restart_needed option=auth_threads from=2 to=3/);
  // The open connection is held to the new limit at once...
  const r = await ana.request({ type: 'send', channel: chan.id, body: 'eleven char', client_id: 'long-1' });
  assert.equal(r.type, 'error');
  assert.equal(r.code, 'too_large');
  await sendMsg(ana, chan.id, 'ten chars!');
  // ...and a new one is told it in welcome.limits.
  const again = await connect(server, (await server.login('ana', 'pw-ana-secret')).token);
  assert.equal(again.welcome.limits.max_body, 10);
  again.ws.terminate();
});

test('a config file that does not parse changes nothing', async () => {
  fs.writeFileSync(confFile, 'max_body = 20\nno equals sign here\n');
  const log = await reload(server);
  assert.match(log, /event=config\.reload_failed error=".*weft\.conf:2: expected `key = value`"/);
  assert.doesNotMatch(log, /option=max_body/);
  const r = await ana.request({ type: 'send', channel: chan.id, body: 'fifteen chars!!', client_id: 'long-2' });
  assert.equal(r.code, 'too_large', 'max_body is still 10');
  await assertAlive(ana, assert);
});
