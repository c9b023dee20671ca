// web/examples/blog.html: three live figures (element, mount, iframe) over http with no
// console errors; with JavaScript off, the three <noscript> fallback images load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch } from './helpers.mjs';

// Distinct colours on the canvas in the shadow root of the element with this id.
function nonBlank(page, id) {
  return page.evaluate((id) => {
    const c = document.getElementById(id).shadowRoot.querySelector('canvas');
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4 * 97) seen.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
    return seen.size;
  }, id);
}

test('the blog page renders its three figures with no console errors', async () => {
  const srv = await serve();
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    const problems = [];
    page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('response', (res) => { if (res.status() >= 400) problems.push(`http ${res.status()}: ${res.url()}`); });
    await page.goto(new URL('examples/blog.html', srv.url).href);
    await page.waitForFunction(() => document.getElementById('plot-default')?.plot?.getWeights()
      && window.blogPlots?.sharp.getWeights() && window.blogPlots?.blunt.getWeights(), null, { timeout: 20000 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.ok(await nonBlank(page, 'plot-default') > 3, 'element canvas is blank');
    assert.ok(await nonBlank(page, 'plot-sharp') > 3, 'mounted canvas is blank');
    assert.ok(await nonBlank(page, 'plot-blunt') > 3, 'mounted canvas is blank');
    const sharp = await page.evaluate(() => Math.max(...window.blogPlots.sharp.getWeights()));
    const blunt = await page.evaluate(() => Math.max(...window.blogPlots.blunt.getWeights()));
    assert.ok(sharp > blunt, `sharp ${sharp} vs blunt ${blunt}`);
    await page.waitForFunction(() => Number(document.getElementById('frame-unnormalised').dataset.sized) > 0, null, { timeout: 20000 });
    const { posted, height } = await page.evaluate(() => {
      const f = document.getElementById('frame-unnormalised');
      return { posted: Number(f.dataset.sized), height: f.getBoundingClientRect().height };
    });
    assert.ok(Math.abs(height - posted) < 1, `iframe ${height}px, posted ${posted}px`);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await srv.close();
  }
});

test('with JavaScript disabled, the three fallback images are shown and load', async () => {
  const srv = await serve();
  const browser = await launch({ javaScriptEnabled: false });
  try {
    const page = await browser.context.newPage();
    await page.goto(new URL('examples/blog.html', srv.url).href);
    await page.waitForLoadState('load');
    const imgs = await page.$$eval('figure noscript + *, figure img', (els) => els
      .filter((el) => el.localName === 'img')
      .map((img) => ({ src: img.getAttribute('src'), alt: img.alt, w: img.naturalWidth, complete: img.complete })));
    assert.deepEqual(imgs.map((i) => i.src).sort(), ['fig-default.png', 'fig-sharp-blunt.png', 'fig-unnormalised.png']);
    for (const img of imgs) {
      assert.ok(img.complete && img.w > 0, `${img.src} did not load`);
      assert.ok(img.alt.length > 10, `${img.src} has no alt text`);
    }
  } finally {
    await browser.close();
    await srv.close();
  }
});
