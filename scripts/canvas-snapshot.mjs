// Captures every canvas of index.html and explore.html in fixed states (links) as PNG bytes,
// to check that a refactor keeps every pixel:
//
//   node scripts/canvas-snapshot.mjs save DIR      write DIR/<state>-<canvas>.png
//   node scripts/canvas-snapshot.mjs compare DIR   capture again; list every canvas that differs
//
// Needs the built pages (./build_wasm.sh). Each page is opened fresh at 1366×768, light theme,
// reduced motion, and read after its frames have settled.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { launch, serve } from '../tests/browser/helpers.mjs';

const [mode, dir] = process.argv.slice(2);
if (!['save', 'compare'].includes(mode) || !dir) {
  console.error('usage: node scripts/canvas-snapshot.mjs save|compare DIR');
  process.exit(2);
}

export const STATES = [
  ['default', 'index.html'],
  ['clusters', 'index.html#v=1&n=12&layout=clusters&seed=3&query=-0.5121,1.042'],
  ['sharp', 'index.html#v=1&n=16&query=3,1&normalizeKeys=1'],
  ['long', 'index.html#v=1&longContext=4096'],
  ['entmax-sink', 'index.html#v=1&n=10&alpha=2&sinkOn=1&sink=0.5'],
  ['rope', 'index.html#v=1&n=8&rope=1&queryPosition=3'],
  ['favor', 'index.html#v=1&n=12&kernel=favor%2B&features=16'],
  ['dark', 'index.html#v=1&n=6&theme=dark&showGaussian=1'],
  ['explore-self', 'explore.html'],
  ['explore-heads', 'explore.html#v=1&mode=heads'],
  ['explore-dim', 'explore.html#v=1&mode=dim'],
  ['explore-stream', 'explore.html#v=1&mode=stream'],
  ['explore-cross', 'explore.html#v=1&mode=cross'],
  ['explore-sparse', 'explore.html#v=1&mode=sparse'],
  ['explore-paged', 'explore.html#v=1&mode=paged'],
  ['explore-mla', 'explore.html#v=1&mode=mla'],
];

const srv = await serve();
const browser = await launch({ viewport: { width: 1366, height: 768 }, reducedMotion: 'reduce' });
const diffs = [];
let count = 0;
try {
  await mkdir(dir, { recursive: true });
  for (const [name, link] of STATES) {
    const page = await browser.context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(srv.url + link);
    await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60000 });
    await page.waitForTimeout(1200);
    const shots = await page.evaluate(() => Array.from(document.querySelectorAll('canvas'))
      .filter((c) => c.width > 0 && c.height > 0 && c.getClientRects().length > 0)
      .map((c, i) => [`${i}-${c.id || c.getAttribute('aria-label')?.slice(0, 24) || 'canvas'}`, c.toDataURL('image/png')]));
    if (errors.length) console.error(`${name}: ${errors.join(' | ')}`);
    for (const [id, url] of shots) {
      const file = path.join(dir, `${name}-${id.replace(/[^\w-]+/g, '_')}.png`);
      const bytes = Buffer.from(url.split(',')[1], 'base64');
      count++;
      if (mode === 'save') await writeFile(file, bytes);
      else {
        const before = await readFile(file).catch(() => null);
        if (!before || !before.equals(bytes)) {
          diffs.push(path.basename(file));
          await writeFile(file.replace(/\.png$/, '.after.png'), bytes);
        }
      }
    }
    await page.close();
  }
} finally {
  await browser.close();
  await srv.close();
}
if (mode === 'save') console.log(`saved ${count} canvases from ${STATES.length} states in ${dir}`);
else {
  console.log(diffs.length ? `${diffs.length} of ${count} canvases differ:\n${diffs.join('\n')}` : `all ${count} canvases identical`);
  process.exitCode = diffs.length ? 1 : 0;
}
