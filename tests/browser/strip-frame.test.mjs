// "The first hour", item 1: the strip's y-axis fits the curve as well as the dots, so the
// curve's peak (where the query looks, between two keys) never leaves the strip's frame; and
// no two labels overlap at the four common sizes, in the page and in the element.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve, launch, frames, webRoot } from './helpers.mjs';

const SIZES = [[390, 844], [820, 1180], [1366, 768], [1920, 1080]];
const ISSUE = 'v=1&n=12&layout=clusters&seed=3&query=-0.5121,1.042';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await srv?.close(); });

/** Every curve point's y in CSS px against the frame's strip box, and the label boxes that overlap. */
function measure(pg) {
  const f = pg.frame, s = f.layout.strip, sc = pg.scene;
  const y = (v) => s.y1 - (Math.min(v, f.stripYMax * 1.0000001) / f.stripYMax) * (s.y1 - s.y0);
  let curveMax = 0, top = Infinity, bottom = -Infinity;
  for (const c of [sc.strip.curve, sc.strip.gaussian]) {
    if (!c) continue;
    for (const v of c.y) {
      curveMax = Math.max(curveMax, v);
      top = Math.min(top, y(v)); bottom = Math.max(bottom, y(v));
    }
  }
  const boxes = pg.plot.labels.boxes, overlaps = [], outside = [];
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i];
    if (a.x < -0.5 || a.y < -0.5 || a.x + a.w > f.layout.w + 0.5 || a.y + a.h > f.layout.h + 0.5) outside.push(a.text);
    for (let j = i + 1; j < boxes.length; j++) {
      const b = boxes[j];
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) overlaps.push(`${a.text} / ${b.text}`);
    }
  }
  return { curveMax, yMax: f.stripYMax, top, bottom, y0: s.y0, y1: s.y1, overlaps, outside, labels: boxes.length };
}

for (const [width, height] of SIZES) {
  test(`the strip's curve stays in its frame, and labels do not overlap (${width}×${height})`, async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width, height });
    await page.goto(`${srv.url}index.html#${ISSUE}`);
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    await frames(page);
    for (const query of [[-0.5121, 1.042], [-1.2, 2.5], [0.4, 0.2], [-30, 60]]) {
      await page.evaluate((query) => window.playground.setState({ query }), query);
      await frames(page);
      const m = await page.evaluate(`(${measure})(window.playground)`);
      const where = `${width}×${height} q=${query}`;
      if (m.curveMax <= 1) assert.ok(m.curveMax <= m.yMax + 1e-12, `${where}: curve peak ${m.curveMax} above the axis ${m.yMax}`);
      assert.ok(m.top >= m.y0 - 0.01 && m.bottom <= m.y1 + 0.01, `${where}: curve y in [${m.top}, ${m.bottom}], frame [${m.y0}, ${m.y1}]`);
      assert.ok(m.labels > 5, `${where}: labels drawn`);
      assert.deepEqual(m.overlaps, [], `${where}: overlapping labels`);
      assert.deepEqual(m.outside, [], `${where}: labels outside the canvas`);
    }
    await page.close();
  });
}

test('the element at 390 and 1366 px: the curve in its frame, no overlapping labels', async () => {
  const page = await browser.context.newPage();
  for (const [width, height] of [SIZES[0], SIZES[2]]) {
    await page.setViewportSize({ width, height });
    await page.goto(pathToFileURL(path.join(webRoot, 'examples/element.html')).href);
    await page.waitForFunction(() => !!document.getElementById('a')?.plot?.getWeights());
    await page.evaluate(() => document.getElementById('a').plot.setState({ n: 12, layout: 'clusters', seed: 3,
      query: [-0.5121, 1.042] }));
    await frames(page);
    const m = await page.evaluate(() => {
      const plot = document.getElementById('a').plot.renderer;
      const f = plot.lastFrame, s = f.layout.strip, sc = plot.lastScene;
      let curveMax = 0;
      for (const v of sc.strip.curve.y) curveMax = Math.max(curveMax, v);
      const boxes = plot.labels.boxes, overlaps = [];
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) overlaps.push(`${a.text} / ${b.text}`);
      }
      return { curveMax, yMax: f.stripYMax, y0: s.y0, overlaps };
    });
    assert.ok(m.curveMax <= m.yMax, `element ${width}: curve peak ${m.curveMax} above the axis ${m.yMax}`);
    assert.deepEqual(m.overlaps, [], `element ${width}`);
  }
  await page.close();
});
