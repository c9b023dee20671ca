// Browser benchmark: how long the main thread is busy at once (the whole task, not only the
// frame's own measure) when the page opens, is resized and changes theme, at n = 8, 4,096 and
// 65,536 keys. A requestAnimationFrame loop, installed before the page's scripts, records the
// gap between consecutive frames: everything the page did between two frames (the WASM core,
// the scene, drawing, layers built outside the frame measure, garbage collection, the
// browser's own raster) shows as one long gap. At 60 Hz a gap of 16.7 ms is one frame.
//
//   node bench/browser/tasks.mjs [--out bench/results/tasks.json]
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { openChromium, writeResults } from './session.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const argv = process.argv.slice(2);
const OUT = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : path.join(root, 'bench/results/tasks.json');

const SIZES = [{ name: '1366×768 @1x', width: 1366, height: 768, dpr: 1 }, { name: '390×844 @3x', width: 390, height: 844, dpr: 3 }];
const LINKS = [['8 keys', '#v=1&n=8'], ['4,096 keys', '#v=1&longContext=4096'], ['65,536 keys', '#v=1&longContext=65536']];

const results = { runs: [] };
for (const size of SIZES) {
  const { url, context, close } = await openChromium(path.join(root, 'web'), {
    viewport: { width: size.width, height: size.height }, deviceScaleFactor: size.dpr,
  });
  try {
    results.chromium ??= context.browser()?.version() ?? null;
    for (const [label, hash] of LINKS) {
      const page = await context.newPage();
      await page.addInitScript(() => {
        window.__gaps = [];
        let last = performance.now();
        const loop = () => {
          const now = performance.now();
          window.__gaps.push(now - last);
          last = now;
          requestAnimationFrame(loop);
        };
        requestAnimationFrame(loop);
      });
      const take = () => page.evaluate(() => Math.max(0, ...window.__gaps.splice(0)));
      await page.goto(url + 'index.html' + hash, { waitUntil: 'load' });
      await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 120000 });
      await page.waitForTimeout(1500);
      const load = await take();
      await page.setViewportSize({ width: size.width - 60, height: size.height });
      await page.waitForTimeout(1000);
      const resize = await take();
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.waitForTimeout(1000);
      const theme = await take();
      await page.waitForTimeout(1000);
      const idle = await take();
      results.runs.push({ size: size.name, keys: label, load, resize, theme, idle });
      process.stderr.write(`${size.name} ${label}: longest gap load ${load.toFixed(0)} ms, resize ${resize.toFixed(0)}, theme ${theme.toFixed(0)}, idle ${idle.toFixed(0)}\n`);
      await page.close();
    }
  } finally {
    await close();
  }
}
await writeResults(OUT, results);
