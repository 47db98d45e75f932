// Screenshots of the files views for review by eye (not a test):
//   node tests/browser/screenshots-files.mjs [outdir]   (default /tmp/weft-shots-files)
// A channel with an inline image and file cards, the composer with files
// attached (one uploading), the Files and Pins panels, and a thread's reply with a
// file attached, at 1280x800 and 390x844,
// light and dark.
import fs from 'node:fs';
import path from 'node:path';
import https from 'node:https';
import zlib from 'node:zlib';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn, log, makeChannel } from './lib.js';

const out = process.argv[2] || '/tmp/weft-shots-files';
fs.mkdirSync(out, { recursive: true });

function png(w, h) {
  const t = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
  const crc = (b) => { let c = 0xffffffff; for (const x of b) c = t[(c ^ x) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, d) => { const l = Buffer.alloc(4); l.writeUInt32BE(d.length); const td = Buffer.concat([Buffer.from(type), d]); const c = Buffer.alloc(4); c.writeUInt32BE(crc(td)); return Buffer.concat([l, td, c]); };
  const ih = Buffer.alloc(13); ih.writeUInt32BE(w, 0); ih.writeUInt32BE(h, 4); ih[8] = 8; ih[9] = 2;
  const rows = [];
  for (let y = 0; y < h; y++) { const r = [0]; for (let x = 0; x < w; x++) r.push(20 + (x * 200) / w, 90 + (y * 120) / h, 140); rows.push(Buffer.from(r)); }
  return Buffer.concat([Buffer.from([0x89, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ih), chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

function upload(server, token, channel, name, bytes, type) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: server.port, method: 'POST', rejectUnauthorized: false,
      path: `/api/files?channel=${channel}&name=${encodeURIComponent(name)}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': type, 'content-length': bytes.length } }, (res) => {
      let t = ''; res.on('data', (c) => { t += c; }); res.on('end', () => resolve(JSON.parse(t).file));
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

const server = await startServer();
const browser = await launch();
try {
  const ana = await server.user('ana', { display: 'Ana Bell' });
  const bo = await server.user('bo', { display: 'Bo Chen' });
  const ch = await makeChannel(server, ana, 'budget-equity', { members: [bo] });
  const cb = await server.connect(bo.token);
  const img = await upload(server, bo.token, ch.id, 'transit-hours-by-tract.png', png(640, 360), 'image/png');
  const pdf = await upload(server, bo.token, ch.id, 'Budget Equity Tool – 2026 rubric (final).pdf', Buffer.alloc(1843200, 1), 'application/pdf');
  const xls = await upload(server, bo.token, ch.id, 'tract-data.xlsx', Buffer.alloc(48213, 2), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  await cb.request({ type: 'send', channel: ch.id, body: 'Here is the chart of service hours by tract.', files: [img.id], client_id: 's1' });
  await cb.request({ type: 'send', channel: ch.id, body: 'And the rubric plus the raw data.', files: [pdf.id, xls.id], client_id: 's2' });
  const ca = await server.connect(ana.token);
  const first = (await ca.request({ type: 'history', channel: ch.id })).messages.find((m) => m.files?.length === 1);
  await ca.request({ type: 'pin', channel: ch.id, id: first.id });
  for (const [vw, vh, tag] of [[1280, 800, 'desktop'], [390, 844, 'phone']]) {
    for (const scheme of ['light', 'dark']) {
      const shot = (what) => path.join(out, `${what}-${tag}-${scheme}.png`);
      const { context, page } = await newPage(browser, { viewport: { width: vw, height: vh }, colorScheme: scheme, deviceScaleFactor: 1, hasTouch: tag === 'phone', isMobile: tag === 'phone' });
      await signIn(page, server, ana);
      await page.goto(`${server.origin}/#/c/${ch.id}`);
      await log(page).getByRole('img', { name: 'transit-hours-by-tract.png' }).waitFor();
      await page.waitForTimeout(600);
      await page.route('**/api/files?**', async (route) => { await new Promise((r) => setTimeout(r, 60000)); await route.continue().catch(() => {}); });
      await page.locator('#attach-input').setInputFiles([{ name: 'site-visit-notes.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', buffer: Buffer.alloc(30000, 3) }]);
      await page.waitForTimeout(400);
      await page.screenshot({ path: shot('stream') });
      await page.getByRole('button', { name: 'Cancel upload of site-visit-notes.docx' }).click();
      await page.getByRole('button', { name: 'Files', exact: true }).click();
      await page.getByRole('region', { name: 'Files' }).getByText('tract-data.xlsx').waitFor();
      await page.waitForTimeout(300);
      await page.screenshot({ path: shot('files-panel') });
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Pins', exact: true }).click();
      await page.getByRole('region', { name: 'Pins' }).getByRole('img').waitFor();
      await page.waitForTimeout(300);
      await page.screenshot({ path: shot('pins-panel') });
      // A reply in a thread with a file waiting (uploads still held back).
      await page.keyboard.press('Escape');
      const root = log(page).getByRole('article').filter({ hasText: 'Here is the chart of service hours by tract.' });
      await root.getByRole('button', { name: 'More actions' }).click();
      await page.getByRole('menu').getByRole('menuitem', { name: 'Reply in thread', exact: true }).click();
      const thread = page.getByRole('region', { name: 'Thread', exact: true });
      await thread.waitFor();
      await thread.locator('input[type=file]').setInputFiles([{ name: 'tract-notes.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(52000, 4) }]);
      await thread.getByRole('textbox', { name: 'Reply' }).fill('Notes from the tract walk');
      await page.waitForTimeout(400);
      await page.screenshot({ path: shot('thread-attach') });
      await context.close();
    }
  }
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  await server.stop();
}
