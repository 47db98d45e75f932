// The Debian package: built with cpack from this build directory, checked
// (control fields, files, modes, conffile), installed into a clean
// directory tree with `dpkg --root --force-script-chrootless` (the
// maintainer scripts honor $DPKG_ROOT: nothing outside the tree is touched,
// no service starts), then: the user weft, /var/lib/weft (weft, 0750), the
// unit enabled and passing `systemd-analyze verify`, the installed weftd
// serving the installed client by default, a changed conffile kept on
// reinstall, and a purge that keeps the data. Needs root, dpkg-dev and
// systemd (tests/run.sh installs them); skipped without.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import https from 'node:https';
import { spawn, spawnSync } from 'node:child_process';
import { WEFTD, tempDir } from '../lib/harness.js';

const BUILD = path.dirname(WEFTD);
const T = tempDir('weft-package-');
const R = path.join(T, 'root');
const missing = ['cpack', 'dpkg', 'dpkg-deb', 'systemd-analyze', 'systemd-sysusers', 'systemd-tmpfiles']
  .filter((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);
const skip = process.getuid() !== 0 ? 'needs root (dpkg --root)'
  : missing.length ? `missing ${missing.join(', ')}`
  : !fs.existsSync(path.join(BUILD, 'CPackConfig.cmake')) ? `no CPackConfig.cmake in ${BUILD}` : false;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0 && !opts.allowFail) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

const dpkgRoot = (...args) => run('dpkg', [`--root=${R}`, '--force-script-chrootless', ...args]);
let deb;

before(() => {
  if (skip) return;
  run('cpack', ['--config', path.join(BUILD, 'CPackConfig.cmake'), '-G', 'DEB', '-B', path.join(T, 'out')]);
  deb = fs.readdirSync(path.join(T, 'out')).filter((f) => f.endsWith('.deb')).map((f) => path.join(T, 'out', f))[0];
  assert.ok(deb, 'a .deb was made');
  // A clean tree: an empty dpkg database and a passwd with root alone.
  for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'etc']) fs.mkdirSync(path.join(R, d), { recursive: true });
  fs.writeFileSync(path.join(R, 'var/lib/dpkg/status'), '');
  fs.writeFileSync(path.join(R, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  fs.writeFileSync(path.join(R, 'etc/group'), 'root:x:0:\n');
});
after(() => { fs.rmSync(T, { recursive: true, force: true }); });

test('control: name, section, Debian 12 runtime dependencies, conffile, maintainer scripts', { skip }, () => {
  const field = (f) => run('dpkg-deb', ['-f', deb, f]).stdout.trim();
  assert.equal(field('Package'), 'weft');
  assert.equal(field('Section'), 'net');
  const depends = field('Depends');
  for (const lib of ['libc6', 'libwebsockets17', 'libwebsockets-evlib-ev', 'libsqlite3-0', 'libssl3', 'libcjson1',
    'libargon2-1', 'libev4']) {
    assert.match(depends, new RegExp(`(^|, )${lib} \\(>= `), `Depends names ${lib}`);
  }
  assert.equal(run('dpkg-deb', ['-I', deb, 'conffiles']).stdout, '/etc/weft/weft.conf\n');
  const ctrl = run('dpkg-deb', ['-I', deb]).stdout;
  for (const s of ['postinst', 'prerm', 'postrm']) assert.match(ctrl, new RegExp(`\\*\\s+${s}\\s`), `${s} is executable`);
});

test('files: binary, client, config, unit, sysusers and tmpfiles entries, with their modes', { skip }, () => {
  const files = {};
  for (const line of run('dpkg-deb', ['-c', deb]).stdout.split('\n').filter(Boolean)) {
    const [mode, owner, , , , name] = line.split(/\s+/);
    files[name.replace(/^\./, '')] = { mode, owner };
  }
  const want = {
    '/usr/bin/weftd': '-rwxr-xr-x',
    '/etc/weft/weft.conf': '-rw-r-----',
    '/lib/systemd/system/weft.service': '-rw-r--r--',
    '/usr/lib/sysusers.d/weft.conf': '-rw-r--r--',
    '/usr/lib/tmpfiles.d/weft.conf': '-rw-r--r--',
    '/usr/share/weft/client-web/index.html': '-rw-r--r--',
    '/usr/share/doc/weft/README.md': '-rw-r--r--',
    '/usr/share/doc/weft/grafana-weft.json': '-rw-r--r--',
  };
  for (const [f, mode] of Object.entries(want)) {
    assert.ok(files[f], `${f} is in the package`);
    assert.equal(files[f].mode, mode, f);
    assert.equal(files[f].owner, 'root/root', f);
  }
  assert.ok(Object.keys(files).some((f) => f.startsWith('/usr/share/weft/client-web/js/')), 'the client modules');
});

test('installs into a clean tree: user, data directory, config group, unit enabled', { skip }, () => {
  dpkgRoot('--force-depends', '-i', deb);
  const status = run('dpkg', [`--root=${R}`, '-s', 'weft']).stdout;
  assert.match(status, /^Status: install ok installed$/m);
  assert.match(status, /^Conffiles:\n \/etc\/weft\/weft\.conf [0-9a-f]{32}$/m);
  const pw = fs.readFileSync(path.join(R, 'etc/passwd'), 'utf8').split('\n').find((l) => l.startsWith('weft:'));
  assert.ok(pw, 'the user weft');
  const [, , uid, gid, , home, shell] = pw.split(':');
  assert.equal(home, '/var/lib/weft');
  assert.equal(shell, '/usr/sbin/nologin');
  assert.ok(Number(uid) > 0 && Number(uid) < 1000, `a system uid: ${uid}`);
  const data = fs.statSync(path.join(R, 'var/lib/weft'));
  assert.ok(data.isDirectory());
  assert.equal(data.uid, Number(uid));
  assert.equal(data.gid, Number(gid));
  assert.equal(data.mode & 0o777, 0o750);
  const conf = fs.statSync(path.join(R, 'etc/weft/weft.conf'));
  assert.equal(conf.uid, 0);
  assert.equal(conf.gid, Number(gid), 'the config is readable by the group weft');
  assert.equal(conf.mode & 0o777, 0o640);
  assert.equal(fs.readlinkSync(path.join(R, 'etc/systemd/system/multi-user.target.wants/weft.service')),
    '/lib/systemd/system/weft.service');
});

test('the unit: hardened, and systemd-analyze verify passes', { skip }, () => {
  const unit = fs.readFileSync(path.join(R, 'lib/systemd/system/weft.service'), 'utf8');
  for (const line of ['User=weft', 'ExecStart=/usr/bin/weftd serve --config /etc/weft/weft.conf',
    'ExecReload=/bin/kill -HUP $MAINPID', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/weft',
    'NoNewPrivileges=yes', 'PrivateTmp=yes', 'CapabilityBoundingSet=', 'SystemCallFilter=@system-service',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX', 'LimitNOFILE=65536', 'ProtectHome=yes',
    'PrivateDevices=yes', 'MemoryDenyWriteExecute=yes', 'LockPersonality=yes', 'RestrictNamespaces=yes']) {
    assert.ok(unit.split('\n').includes(line), `the unit has ${line}`);
  }
  // verify checks that ExecStart's binary exists: this copy names the one
  // installed in the tree (the unit itself says /usr/bin/weftd).
  const dir = path.join(T, 'units');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'weft.service'), unit.replace('/usr/bin/weftd', path.join(R, 'usr/bin/weftd')));
  const v = run('systemd-analyze', ['verify', path.join(dir, 'weft.service')], { allowFail: true });
  assert.equal(v.status, 0, `systemd-analyze verify:\n${v.stdout}${v.stderr}`);
  assert.equal(v.stderr.trim(), '', 'no warnings');
  const sec = run('systemd-analyze', ['security', '--offline=true', path.join(dir, 'weft.service')], { allowFail: true });
  const m = /Overall exposure level for weft\.service: ([\d.]+)/.exec(sec.stdout + sec.stderr);
  assert.ok(m, sec.stdout + sec.stderr);
  console.log(`systemd-analyze security: ${m[1]}`);
  assert.ok(Number(m[1]) <= 2.0, `exposure ${m[1]} (was 1.2 when written)`);
});

test('the installed weftd reads the packaged config and serves the installed client', { skip }, async () => {
  const dataDir = path.join(T, 'data');
  // Marked, so that the source tree's copy (the built-in default) would not pass.
  const index = path.join(R, 'usr/share/weft/client-web/index.html');
  fs.appendFileSync(index, '<!-- the installed client -->\n');
  const proc = spawn(path.join(R, 'usr/bin/weftd'), ['serve', '--config', path.join(R, 'etc/weft/weft.conf'),
    '--data', dataDir, '--port', '0', '--argon2-memory', '1024'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    proc.stderr.on('data', (c) => {
      log += c;
      const m = /event=ready url=https:\/\/[^\s:]+:(\d+)/.exec(log);
      if (m) resolve(Number(m[1]));
    });
    proc.once('exit', (code) => reject(new Error(`weftd exited ${code}:\n${log}`)));
  });
  const page = await new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    }).on('error', reject);
  });
  const exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  proc.kill('SIGTERM');
  assert.equal(await exited, 0, log);
  assert.equal(page.status, 200);
  assert.equal(page.text, fs.readFileSync(index, 'utf8'));
});

test('reinstall keeps a changed conffile; purge removes the files and keeps the data', { skip }, () => {
  const conf = path.join(R, 'etc/weft/weft.conf');
  fs.appendFileSync(conf, '\nmax_body = 2000\n');
  dpkgRoot('--force-depends', '--force-confold', '-i', deb);
  assert.match(fs.readFileSync(conf, 'utf8'), /\nmax_body = 2000\n/);
  fs.writeFileSync(path.join(R, 'var/lib/weft/weft.db'), 'a database');
  dpkgRoot('-P', 'weft');
  assert.ok(!fs.existsSync(path.join(R, 'usr/bin/weftd')));
  assert.ok(!fs.existsSync(path.join(R, 'lib/systemd/system/weft.service')));
  assert.ok(!fs.existsSync(path.join(R, 'etc/weft')), 'the purged conffile and its directory');
  assert.ok(!fs.existsSync(path.join(R, 'etc/systemd/system/multi-user.target.wants/weft.service')), 'disabled');
  assert.equal(fs.readFileSync(path.join(R, 'var/lib/weft/weft.db'), 'utf8'), 'a database', 'the data stays');
});
