// default_channels (contract v1.1, "Default channels"): every new account
// joins them, whichever command creates it; `weftd channel add` makes one
// before anyone signs in, as ./deploy/run.sh does with `welcome`.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, runWeftd, request, connect, FAST_ARGS, tempDir, addUser } from '../lib/harness.js';
import { stopWithin, show } from './support.js';

let server;
after(async () => { await stopWithin(server); });

test('new accounts join the default channels, from the command line and from an admin', async () => {
  const dir = tempDir();
  addUser(dir, 'root', 'root-password-1', { admin: true });
  let r = runWeftd(['channel', 'add', 'welcome', '--owner', 'root', '--topic', 'Say hello', '--data', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /created channel welcome \(cohort, open\) owned by root/);
  r = runWeftd(['channel', 'add', 'welcome', '--owner', 'root', '--data', dir]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the name is taken/);
  assert.equal(runWeftd(['channel', 'add', 'x', '--data', dir]).status, 2, 'no owner');
  assert.equal(runWeftd(['channel', 'add', 'x', '--owner', 'root', '--kind', 'dm', '--data', dir]).status, 2);
  assert.equal(runWeftd(['channel', 'add', 'x', '--owner', 'nobody', '--data', dir]).status, 1);

  // On the command line ("gone" does not exist: skipped).
  r = runWeftd(['user', 'add', 'lee', '--data', dir, '--default-channels', 'gone, welcome', ...FAST_ARGS],
    { input: 'lee-password-1\n' });
  assert.equal(r.status, 0, r.stderr);

  server = new Server({ dataDir: dir, args: ['--default-channels', 'welcome'] });
  await server.start();
  const lee = await server.login('lee', 'lee-password-1');
  const k = await connect(server, lee.token);
  assert.deepEqual(k.welcome.channels.map((c) => c.name), ['welcome']);
  assert.equal(k.welcome.channels[0].role, 'member');

  // By an admin on a running server: the members see the join.
  const root = await connect(server, (await server.login('root', 'root-password-1')).token);
  const made = await root.request({ type: 'admin.user.create', name: 'nia', display: 'Nia' });
  assert.equal(made.type, 'user', show(made));
  const join = await k.next((f) => f.type === 'event' && f.kind === 'join' && f.user.name === 'nia');
  assert.equal(join.channel, k.welcome.channels[0].id);
  const token = /#signup=(\S+)/.exec(made.signup_url)[1];
  const su = await request(server, 'POST', '/api/signup', { body: { token, password: 'nia-password-1' } });
  assert.equal(su.status, 200, su.text);
  const nia = await connect(server, su.headers['set-cookie'][0].split(';')[0].split('=')[1]);
  assert.deepEqual(nia.welcome.channels.map((c) => c.name), ['welcome']);

  // On the command line while the server runs: the server picks up the
  // events another process committed, so members see the join and the
  // newcomer can post at once.
  r = runWeftd(['user', 'add', 'kai', '--data', dir, '--default-channels', 'welcome', ...FAST_ARGS],
    { input: 'kai-password-1\n' });
  assert.equal(r.status, 0, r.stderr);
  const kaiJoin = await k.next((f) => f.type === 'event' && f.kind === 'join' && f.user.name === 'kai');
  assert.equal(kaiJoin.channel, join.channel);
  const kai = await connect(server, (await server.login('kai', 'kai-password-1')).token);
  assert.deepEqual(kai.welcome.channels.map((c) => c.name), ['welcome']);
  const ack = await kai.request({ type: 'send', channel: join.channel, body: 'hello from kai', client_id: 'k1' });
  assert.equal(ack.type, 'ack', show(ack));
  // A channel made on the command line reaches its owner too.
  r = runWeftd(['channel', 'add', 'team-x', '--owner', 'root', '--kind', 'team', '--data', dir]);
  assert.equal(r.status, 0, r.stderr);
  const teamJoin = await root.next((f) => f.type === 'event' && f.kind === 'join' && f.user.name === 'root');
  const team = await root.request({ type: 'send', channel: teamJoin.channel, body: 'first', client_id: 't1' });
  assert.equal(team.type, 'ack', show(team));
  for (const c of [k, root, nia, kai]) c.ws.terminate();
});
