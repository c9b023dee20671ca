// Crisp at any size and devicePixelRatio, phone width without horizontal
// overflow, dark theme, and screenshots for a human to look at.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPlayground, screenshot, frames, canvasPixels, worldToCanvas } from './helpers.mjs';

let srv;
const browsers = [];
async function open(options) {
  srv ??= await serve();
  const b = await launch(options);
  browsers.push(b);
  return openPlayground(b.context, srv.url);
}
after(async () => {
  for (const b of browsers) await b.close();
  await srv?.close();
});

function canvasSize(page) {
  return page.evaluate(() => {
    const c = document.getElementById('plot');
    return { w: c.width, h: c.height, cw: c.clientWidth, ch: c.clientHeight, dpr: window.devicePixelRatio };
  });
}

async function assertCrisp(page) {
  // ResizeObserver runs before the next paint
  await frames(page, 3);
  const s = await canvasSize(page);
  assert.equal(s.w, Math.round(s.cw * s.dpr), JSON.stringify(s));
  assert.equal(s.h, Math.round(s.ch * s.dpr), JSON.stringify(s));
  return s;
}

for (const dpr of [1, 2]) {
  test(`canvas backing store follows resizes (deviceScaleFactor ${dpr})`, async () => {
    const { page, problems } = await open({ deviceScaleFactor: dpr, viewport: { width: 1280, height: 900 } });
    const s0 = await assertCrisp(page);
    assert.equal(s0.dpr, dpr);
    for (const [w, h] of [[1000, 760], [700, 900], [1600, 1000], [420, 800]]) {
      await page.setViewportSize({ width: w, height: h });
      const s = await assertCrisp(page);
      assert.ok(s.cw > 0 && s.cw <= w);
    }
    // still drawing after the resizes
    assert.equal(await page.evaluate(() => document.body.dataset.ready), '1');
    assert.deepEqual(problems, []);
  });
}

test('desktop light: screenshot', async () => {
  const { page, problems } = await open({ viewport: { width: 1280, height: 900 } });
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(255, 255, 255)');
  await screenshot(page, 'desktop-light.png');
  assert.deepEqual(problems, []);
});

test('desktop dark: dark background, light query dot, screenshot', async () => {
  const { page, problems } = await open({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await frames(page);
  const s = await page.evaluate(() => window.playground.getState());
  const midY = await page.evaluate(() => document.getElementById('plot').clientHeight / 2);
  const [px, q] = await canvasPixels(page, [[3, midY], await worldToCanvas(page, s.query[0], s.query[1])]);
  const info = { body: await page.evaluate(() => getComputedStyle(document.body).backgroundColor), px, q };
  assert.equal(info.body, 'rgb(18, 20, 23)');
  assert.deepEqual(info.px.slice(0, 3), [18, 20, 23], 'canvas background is dark');
  assert.ok(info.q[0] > 200 && info.q[1] > 200 && info.q[2] > 200, `query dot is near-white: ${info.q}`);
  await screenshot(page, 'desktop-dark.png');
  // and back to light at run time
  await page.emulateMedia({ colorScheme: 'light' });
  await frames(page);
  const [light] = await canvasPixels(page, [[3, midY]]);
  assert.deepEqual(light.slice(0, 3), [255, 255, 255]);
  assert.deepEqual(problems, []);
});

test('phone width 375×740: no horizontal overflow, list under the plot, screenshot', async () => {
  const { page, problems } = await open({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 2,
    isMobile: true, hasTouch: true });
  const m = await page.evaluate(() => {
    const plot = document.getElementById('plot').getBoundingClientRect();
    const list = document.querySelector('.readout').getBoundingClientRect();
    return {
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
      plotRight: plot.right, plotBottom: plot.bottom, listTop: list.top, listRight: list.right,
    };
  });
  assert.ok(m.scrollWidth <= m.clientWidth, `scrollWidth ${m.scrollWidth} > ${m.clientWidth}`);
  assert.ok(m.plotRight <= 375 && m.listRight <= 375);
  assert.ok(m.listTop >= m.plotBottom, 'the weight list is stacked under the plot');
  await assertCrisp(page);
  await screenshot(page, 'phone.png');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: 'test-artifacts/phone-viewport.png' });
  assert.deepEqual(problems, []);
});

test('long context and presets: screenshots', async () => {
  const { page, problems } = await open({ viewport: { width: 1280, height: 900 } });
  for (const p of ['long', 'farside', 'clusters', 'sharp']) {
    await page.click(`[data-preset="${p}"]`);
    await frames(page);
    await screenshot(page, `preset-${p}.png`);
  }
  assert.deepEqual(problems, []);
});
