// Files in the web client, driven by role and name: "Attach file" opens the
// file chooser; the picked image and PDF upload with progress, go out with
// the message, and show inline (the image, lazy-loaded, alt text = its name)
// and as a card (the PDF) — also after a reload and for the other person;
// the channel's "Files" panel lists both with who shared them and a
// download link; an upload can be cancelled; a reply in a thread carries
// files of its own; a pinned message shows its files in Pins; a file dropped
// on the channel and an image pasted into the box attach.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, log, composer, send, message, makeChannel, openChannel, until, assertNoProblems } from './lib.js';

let server;
let browser;
let ana;
let bo;

before(async () => {
  server = await startServer();
  browser = await launch();
  ana = await server.user('ana', { display: 'Ana Bell' });
  bo = await server.user('bo', { display: 'Bo Chen' });
  await makeChannel(server, ana, 'resources', { members: [bo] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// A real PNG of w×h pixels of one colour.
function png(w, h, rgb = [11, 106, 97]) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const image = (page, name) => log(page).getByRole('img', { name, exact: true });
const loaded = (loc) => loc.evaluate((img) => img.complete && img.naturalWidth);

// Ana and Bo, each in a context of their own, in #resources.
async function twoPeople() {
  const people = [];
  for (const who of [ana, bo]) {
    const P = await newPage(browser);
    await signIn(P.page, server, who);
    await openChannel(P.page, 'resources');
    people.push(P);
  }
  return people;
}

test('attach an image and a PDF by the file input; inline after reload; the Files panel lists them', async () => {
  const [A, B] = await twoPeople();

  const chooser = A.page.waitForEvent('filechooser');
  await A.page.getByRole('button', { name: 'Attach file' }).click();
  await (await chooser).setFiles([
    { name: 'equity chart.png', mimeType: 'image/png', buffer: png(48, 32) },
    { name: 'Budget rubric.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% not really\n'.repeat(200)) },
  ]);
  const attached = A.page.getByRole('list', { name: 'Attached files' });
  await until(async () => (await attached.getByText('Ready to send').count()) === 2, { what: 'both uploads done' });
  await composer(A.page).fill('Here is the chart and the rubric');
  await composer(A.page).press('Enter');
  await attached.waitFor({ state: 'hidden' });

  // Inline for both people: the image (its alt text the name) and the PDF as a card.
  for (const page of [A.page, B.page]) {
    const img = image(page, 'equity chart.png');
    await img.waitFor();
    assert.equal(await img.getAttribute('loading'), 'lazy');
    assert.equal(await until(() => loaded(img), { what: 'the image loaded' }), 48);
    const card = log(page).locator('.file-card', { hasText: 'Budget rubric.pdf' });
    await card.getByRole('link', { name: 'Download Budget rubric.pdf' }).waitFor();
    assert.match(await card.textContent(), /4\.\d KB/);
  }

  // After a reload, from history.
  await A.page.reload();
  await A.page.getByRole('heading', { level: 1, name: /resources/ }).waitFor();
  const again = image(A.page, 'equity chart.png');
  await again.waitFor();
  assert.equal(await until(() => loaded(again), { what: 'the image loaded after reload' }), 48);

  // The Files panel: both, with who shared them and a download link.
  await A.page.getByRole('button', { name: 'Files', exact: true }).click();
  const panel = A.page.getByRole('region', { name: 'Files' });
  await panel.getByText('equity chart.png').waitFor();
  assert.match(await panel.textContent(), /Budget rubric\.pdf/);
  assert.match(await panel.textContent(), /shared by Ana Bell/);
  // The cards sit inside the panel, not against its edges.
  const [outer, card] = await Promise.all([panel.boundingBox(), panel.getByRole('listitem').first().boundingBox()]);
  assert.ok(card.x - outer.x >= 8 && outer.x + outer.width - (card.x + card.width) >= 8, `card ${JSON.stringify(card)} in ${JSON.stringify(outer)}`);
  const dl = panel.getByRole('link', { name: 'Download equity chart.png' });
  const href = await dl.getAttribute('href');
  const res = await A.page.request.get(new URL(href, server.origin).href);
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['content-type'], 'image/png');
  await A.page.keyboard.press('Escape');
  await panel.waitFor({ state: 'hidden' });
  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});

test('a pinned message shows its files in the Pins panel', async () => {
  const A = await newPage(browser);
  await signIn(A.page, server, ana);
  await openChannel(A.page, 'resources');
  const msg = message(A.page, 'Here is the chart and the rubric');
  await msg.getByRole('button', { name: 'More actions' }).click();
  await A.page.getByRole('menu').getByRole('menuitem', { name: 'Pin', exact: true }).click();
  await A.page.getByRole('button', { name: 'Pins', exact: true }).click();
  const pins = A.page.getByRole('region', { name: 'Pins' });
  const img = pins.getByRole('img', { name: 'equity chart.png', exact: true });
  await img.waitFor();
  assert.equal(await until(() => loaded(img), { what: 'the pinned image' }), 48);
  await pins.getByRole('link', { name: 'Download Budget rubric.pdf' }).waitFor();
  assertNoProblems(A.page);
  await A.context.close();
});

test('an upload can be cancelled; a file over max_file is refused before it is sent', async () => {
  const A = await newPage(browser);
  await signIn(A.page, server, ana);
  await openChannel(A.page, 'resources');
  // Slow the upload down so that Cancel finds it under way.
  await A.page.route('**/api/files?**', async (route) => { await new Promise((r) => setTimeout(r, 1500)); await route.continue(); });
  await A.page.locator('#attach-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('notes '.repeat(1000)) });
  const attached = A.page.getByRole('list', { name: 'Attached files' });
  // While it goes, a progress bar named by the file counts its bytes.
  const bar = attached.getByRole('progressbar', { name: 'Uploading notes.txt' });
  await bar.waitFor();
  assert.equal(await bar.getAttribute('max'), String('notes '.length * 1000));
  await attached.getByRole('button', { name: 'Cancel upload of notes.txt' }).click();
  await attached.waitFor({ state: 'hidden' });
  // The limit is the server's (welcome.limits); a smaller one here keeps the file small.
  const max = await A.page.evaluate(async () => (await import('/js/state.js')).limit('max_file'));
  assert.equal(max, 25 * 1024 * 1024);
  await A.page.evaluate(async () => { (await import('/js/state.js')).state.limits.max_file = 1000; });
  await A.page.locator('#attach-input').setInputFiles({ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(1001) });
  await A.page.getByRole('alert').filter({ hasText: /huge\.bin is 1001 B; the limit is 1000 B/ }).waitFor();
  assert.equal(await A.page.getByRole('list', { name: 'Attached files' }).isHidden(), true);
  assertNoProblems(A.page);
  await A.context.close();
});

test('a reply in a thread carries a file; the channel\'s message box keeps its own', async () => {
  const [A, B] = await twoPeople();
  await send(B.page, 'Who has the county rubric?');
  const root = message(A.page, 'Who has the county rubric?');
  await root.getByRole('button', { name: 'More actions' }).click();
  await A.page.getByRole('menu').getByRole('menuitem', { name: 'Reply in thread', exact: true }).click();
  const thread = A.page.getByRole('region', { name: 'Thread', exact: true });
  await thread.waitFor();

  // A file waiting in the channel's box stays there, out of the reply.
  await A.page.locator('#attach-input').setInputFiles({ name: 'draft.txt', mimeType: 'text/plain', buffer: Buffer.from('draft') });
  const channelFiles = A.page.getByRole('list', { name: 'Attached files' });
  await channelFiles.getByText('Ready to send').waitFor();

  const chooser = A.page.waitForEvent('filechooser');
  await thread.getByRole('button', { name: 'Attach to reply' }).click();
  await (await chooser).setFiles({ name: 'county rubric.png', mimeType: 'image/png', buffer: png(40, 20) });
  const replyFiles = thread.getByRole('list', { name: 'Files for the reply' });
  await replyFiles.getByText('Ready to send').waitFor();
  assert.equal(await replyFiles.getByText('draft.txt').count(), 0);
  await thread.getByRole('textbox', { name: 'Reply' }).fill('Here it is');
  await thread.getByRole('button', { name: 'Send reply' }).click();
  await replyFiles.waitFor({ state: 'hidden' });
  const img = thread.getByRole('img', { name: 'county rubric.png', exact: true });
  await img.waitFor();
  assert.equal(await until(() => loaded(img), { what: 'the image in the reply' }), 40);
  // The channel's box still holds its file; the reply is not in the stream.
  assert.equal(await channelFiles.getByText('draft.txt').count(), 1);
  assert.equal(await image(A.page, 'county rubric.png').count(), 0);

  // Bo opens the thread and sees the image.
  await message(B.page, 'Who has the county rubric?').getByRole('button', { name: '1 reply', exact: true }).click();
  const threadB = B.page.getByRole('region', { name: 'Thread', exact: true });
  const imgB = threadB.getByRole('img', { name: 'county rubric.png', exact: true });
  await imgB.waitFor();
  assert.equal(await until(() => loaded(imgB), { what: 'the image for the other person' }), 40);
  // A reply of files alone goes too.
  const chooser2 = B.page.waitForEvent('filechooser');
  await threadB.getByRole('button', { name: 'Attach to reply' }).click();
  await (await chooser2).setFiles({ name: 'second.png', mimeType: 'image/png', buffer: png(10, 10) });
  await threadB.getByRole('list', { name: 'Files for the reply' }).getByText('Ready to send').waitFor();
  await threadB.getByRole('button', { name: 'Send reply' }).click();
  await thread.getByRole('img', { name: 'second.png', exact: true }).waitFor();
  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});

// A DataTransfer in the page holding one file of these bytes.
function transfer(page, name, type, bytes) {
  return page.evaluateHandle(([n, t, b64]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], n, { type: t }));
    return dt;
  }, [name, type, bytes.toString('base64')]);
}

test('a file dropped on the channel and an image pasted into the box attach; pasted text stays text', async () => {
  const [A, B] = await twoPeople();
  const view = A.page.locator('#channel-view');
  const attached = A.page.getByRole('list', { name: 'Attached files' });

  // Dragging files over the channel marks it as a drop target; the drop attaches.
  const dropped = await transfer(A.page, 'site map.png', 'image/png', png(30, 20));
  await view.dispatchEvent('dragenter', { dataTransfer: dropped });
  assert.equal(await view.evaluate((el) => el.classList.contains('dropping')), true);
  await view.dispatchEvent('dragover', { dataTransfer: dropped });
  await view.dispatchEvent('drop', { dataTransfer: dropped });
  assert.equal(await view.evaluate((el) => el.classList.contains('dropping')), false);
  await attached.getByText('site map.png').waitFor();
  await until(async () => (await attached.getByText('Ready to send').count()) === 1, { what: 'the dropped file uploaded' });

  // A pasted image (a screenshot: no name of its own) gets one and attaches.
  const box = composer(A.page);
  await box.focus();
  const clip = await transfer(A.page, 'image.png', 'image/png', png(12, 12, [200, 80, 40]));
  const pasteDefault = await box.evaluate((el, dt) => el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true })), clip);
  assert.equal(pasteDefault, false, 'the paste of an image is taken, not inserted');
  const pastedName = attached.getByText(/^pasted-image-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.png$/);
  await pastedName.waitFor();
  await until(async () => (await attached.getByText('Ready to send').count()) === 2, { what: 'the pasted image uploaded' });
  const name = (await pastedName.textContent()).trim();

  // Pasted text is left to the browser: nothing more is attached.
  const text = await A.page.evaluateHandle(() => { const dt = new DataTransfer(); dt.setData('text/plain', 'hello'); return dt; });
  assert.equal(await box.evaluate((el, dt) => el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true })), text), true);
  assert.equal(await attached.getByRole('listitem').count(), 2);

  await send(A.page, 'Map and screenshot');
  await attached.waitFor({ state: 'hidden' });
  for (const page of [A.page, B.page]) {
    for (const [n, w] of [['site map.png', 30], [name, 12]]) {
      const img = image(page, n);
      await img.waitFor();
      assert.equal(await until(() => loaded(img), { what: `${n} loaded` }), w);
    }
  }
  assertNoProblems(A.page);
  assertNoProblems(B.page);
  await A.context.close();
  await B.context.close();
});
