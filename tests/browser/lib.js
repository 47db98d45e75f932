// Shared helpers for the browser tests: Debian's Chromium driven by
// playwright-core against a real weftd started by tests/lib/harness.js.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const LAUNCH = {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
};

export function launch() {
  return chromium.launch(LAUNCH);
}

// A fresh context (separate cookies and storage: a separate person) and page.
// page.problems collects page errors, CSP violations and dialogs.
export async function newPage(browser, opts = {}) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, ...opts });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) page.problems.push(`csp: ${m.text()}`);
  });
  page.on('dialog', (d) => { page.problems.push(`dialog: ${d.type()} ${d.message()}`); d.dismiss().catch(() => {}); });
  return { context, page };
}

export const connStatus = (page) => page.getByRole('status').filter({ hasText: /^(Connecting…|Live|Offline)$/ });

export async function waitForConn(page, text, timeout = 15000) {
  await page.getByRole('status').filter({ hasText: new RegExp(`^${text}$`) }).waitFor({ timeout });
}

export async function signIn(page, server, user, { live = true } = {}) {
  await page.goto(server.origin);
  await page.getByLabel('Username').fill(user.name);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  if (live) await waitForConn(page, 'Live');
}

export const nav = (page) => page.getByRole('navigation', { name: 'Channels' });
export const log = (page) => page.getByRole('log');
export const composer = (page) => page.getByLabel('Message', { exact: true });

export async function openChannel(page, name) {
  await nav(page).getByRole('link', { name: new RegExp(`^#?\\s*${name}\\b`) }).click();
  await page.getByRole('heading', { level: 1, name: new RegExp(name) }).waitFor();
}

export async function send(page, text) {
  const box = composer(page);
  await box.fill(text);
  await box.press('Enter');
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The message(s) in the log whose body is exactly this text (or contains it,
// with {exact:false}).
export function message(page, text, { exact = true } = {}) {
  const hasText = exact ? new RegExp(`^\\s*${escapeRe(text)}\\s*$`) : text;
  return log(page).getByRole('article').filter({ has: page.locator('.msg-body', { hasText }) });
}

// Creates a channel owned by `owner` (a harness user) and adds members, over
// the real WebSocket protocol. Resolves with the channel object.
export async function makeChannel(server, owner, name, { kind = 'cohort', access = 'open', members = [] } = {}) {
  const c = await server.connect(owner.token);
  try {
    const r = await c.request({ type: 'channel.create', name, kind, access });
    assert.equal(r.type, 'channel', `channel.create: ${JSON.stringify(r)}`);
    for (const m of members) {
      const mc = await server.connect(m.token);
      const j = await mc.request({ type: 'channel.join', channel: r.channel.id });
      assert.equal(j.type, 'channel', `channel.join: ${JSON.stringify(j)}`);
      await mc.close();
    }
    return r.channel;
  } finally {
    await c.close();
  }
}

// Polls fn until it returns a truthy value.
export async function until(fn, { timeout = 10000, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

export function assertNoProblems(page) {
  assert.deepEqual(page.problems, [], `page problems: ${page.problems.join('\n')}`);
}

// Renders each input with the client's own renderBody (client-web/js/format.js)
// in the page and returns {input: innerHTML}.
export function renderCases(page, inputs) {
  return page.evaluate(async (list) => {
    const { renderBody } = await import('/js/format.js');
    const out = {};
    for (const input of list) {
      const div = document.createElement('div');
      div.append(renderBody(input));
      out[input] = div.innerHTML;
    }
    return out;
  }, inputs);
}
