// Screenshots of the roster import in the People dialog (issue 18), for
// review by eye, not a test:
//   node tests/browser/screenshots-import.mjs [outdir]
// the preview with problems and the result, at 1280x800 and 390x844, light
// and dark.
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from '../lib/harness.js';
import { launch, newPage, signIn } from './lib.js';

const out = process.argv[2] || '/tmp/weft-shots-import';
fs.mkdirSync(out, { recursive: true });
const server = await startServer();
const browser = await launch();
const roster = ['username,display,email,jurisdiction,region,title'];
for (const [u, d, e, j] of [['dana', 'Ortiz, Dana', 'dana@example.org', 'City of Oakland'], ['eli', 'Eli Nakamura', 'eli@example.org', 'King County'],
  ['Bad Name', 'Nope', '', ''], ['fay', 'Fay Lin', 'not-an-email', ''], ['gus', 'Gus Park', 'gus@example.org', 'State of New Mexico']]) {
  roster.push(`${u},"${d}",${e},${j},West,Equity Analyst`);
}
try {
  const ana = await server.user('ana', { display: 'Ana Bell', admin: true });
  for (const size of [{ width: 1280, height: 800, tag: 'desktop' }, { width: 390, height: 844, tag: 'phone' }]) {
    for (const scheme of ['light', 'dark']) {
      const { context, page } = await newPage(browser, { viewport: { width: size.width, height: size.height }, colorScheme: scheme });
      await signIn(page, server, ana);
      await page.getByRole('button', { name: 'People', exact: true }).click();
      // People is the directory (issue 17); an admin's account tools are inside it.
      await page.getByRole('region', { name: 'People' }).getByRole('button', { name: 'Account tools' }).click();
      const people = page.getByRole('dialog', { name: 'People' });
      const chooser = page.waitForEvent('filechooser');
      await people.getByRole('button', { name: 'Import CSV' }).click();
      await (await chooser).setFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(roster.join('\n')) });
      await people.getByRole('heading', { name: 'Preview of roster.csv' }).waitFor();
      await page.screenshot({ path: path.join(out, `import-preview-${size.tag}-${scheme}.png`) });
      if (scheme === 'light' && size.tag === 'desktop') {
        await people.getByRole('button', { name: /^Import \d/ }).click();
        await people.getByRole('button', { name: 'Download links' }).waitFor();
        await page.screenshot({ path: path.join(out, `import-done-${size.tag}-${scheme}.png`) });
      }
      await context.close();
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
console.log(`screenshots in ${out}`);
