// Makes the no-JavaScript fallback images of web/examples/blog.html (fig-*.png) by
// screenshotting its three live figures. Run once after ./build_wasm.sh:
//   node scripts/make-blog-figures.mjs
import path from 'node:path';
import { stat } from 'node:fs/promises';
import { serve, launch, webRoot } from '../tests/browser/helpers.mjs';

const outDir = path.join(webRoot, 'examples');
const srv = await serve();
const browser = await launch({ viewport: { width: 700, height: 1000 } });
try {
  const page = await browser.context.newPage();
  await page.goto(new URL('examples/blog.html', srv.url).href);
  await page.waitForFunction(() => document.getElementById('plot-default')?.plot?.getWeights()
    && window.blogPlots?.sharp.getWeights() && window.blogPlots?.blunt.getWeights()
    && document.getElementById('frame-unnormalised').dataset.sized, null, { timeout: 20000 });
  const frame = page.frames().find((f) => f.url().includes('embed.html'));
  await frame.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 20000 });
  await page.locator('#frame-unnormalised').scrollIntoViewIfNeeded();
  await page.waitForTimeout(800);
  const shots = [
    ['fig-default.png', '#plot-default'],
    ['fig-sharp-blunt.png', '#fig-sharp-blunt .side-by-side'],
    ['fig-unnormalised.png', '#frame-unnormalised'],
  ];
  for (const [file, selector] of shots) {
    const out = path.join(outDir, file);
    await page.locator(selector).screenshot({ path: out, animations: 'disabled' });
    console.log(`${file}: ${(await stat(out)).size} bytes`);
  }
} finally {
  await browser.close();
  await srv.close();
}
