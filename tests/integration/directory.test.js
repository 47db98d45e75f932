// The directory: members find active people; admins also find deactivated
// accounts (to reactivate them), with their status.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.js';

let server, admin, ana, gone;

before(async () => {
  server = await startServer();
  admin = await server.user('root', { admin: true });
  ana = await server.user('ana');
  gone = await server.user('gone-user', { display: 'Gone Person' });
  const a = await server.connect(admin.token);
  const r = await a.request({ type: 'admin.user.deactivate', user: gone.id });
  assert.equal(r.type, 'ok');
  await a.close();
});

after(async () => {
  await server.stop();
});

test('a member does not find a deactivated account, nor sees account status', async () => {
  const c = await server.connect(ana.token, { since: -1 });
  const r = await c.request({ type: 'user.find', q: 'gone' });
  assert.deepEqual(r.users, []);
  const me = await c.request({ type: 'user.find', q: 'ana' });
  assert.equal(me.users.length, 1);
  assert.equal(me.users[0].active, undefined);
  await c.close();
});

test('an admin finds the deactivated account marked inactive and can reactivate it', async () => {
  const c = await server.connect(admin.token, { since: -1 });
  const r = await c.request({ type: 'user.find', q: 'Gone' });
  assert.equal(r.users.length, 1);
  assert.equal(r.users[0].id, gone.id);
  assert.equal(r.users[0].active, false);
  assert.equal(r.users[0].has_password, true);
  assert.equal((await c.request({ type: 'admin.user.reactivate', user: gone.id })).type, 'ok');
  const again = await c.request({ type: 'user.find', q: 'gone' });
  assert.equal(again.users[0].active, true);
  await c.close();
  const back = await server.login('gone-user', gone.password);
  assert.equal(back.status, 200);
});
