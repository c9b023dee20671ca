// "An explorable that teaches, and never fights the hand": the query's length has no
// wall, the strip's curve goes through every unit key, labels never overlap, and the
// tour steps animate to their states and can be linked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve, launch, openPlayground, queryToPage, webRoot } from './helpers.mjs';
import { TOUR } from '../../web/js/tour-steps.js';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await srv?.close(); });

const topWeight = (page) => page.evaluate(() => Math.max(...window.playground.lastResult.weights));

test('dragging the query to the edge of the plot gives a near one-hot softmax; the keyboard reaches κ 1000 and back', async () => {
  const { page, problems } = await openPlayground(browser.context, srv.url);
  const [qx, qy] = await queryToPage(page);
  const edge = await page.evaluate(() => {
    const pg = window.playground, g = pg.plot.geom, r = pg.plot.canvas.getBoundingClientRect();
    const q = pg.getState().query, len = Math.hypot(q[0], q[1]);
    // the edge of the circle panel along the query's direction
    const R = (g.size / 2) - 3;
    return [r.left + g.cx + (q[0] / len) * R, r.top + g.cy - (q[1] / len) * R];
  });
  await page.mouse.move(qx, qy);
  await page.mouse.down();
  await page.mouse.move(edge[0], edge[1], { steps: 10 });
  await page.mouse.up();
  const s = await page.evaluate(() => window.playground.getState());
  assert.ok(Math.hypot(...s.query) > 500, `|q| = ${Math.hypot(...s.query)} at the edge`);
  assert.ok(await topWeight(page) > 0.999, 'near one-hot');
  // keyboard: PageDown all the way back to the circle, then up again past 1000 (clamped there)
  await page.focus('#plot');
  for (let i = 0; i < 4; i++) await page.keyboard.press('PageDown');
  const back = await page.evaluate(() => Math.hypot(...window.playground.getState().query));
  assert.ok(back < 1.5, `back to |q| = ${back}`);
  for (let i = 0; i < 6; i++) await page.keyboard.press('PageUp');
  const far = await page.evaluate(() => window.playground.getState());
  assert.ok(Math.abs(Math.hypot(...far.query) - 1000) < 0.01, `|q| = ${Math.hypot(...far.query)}`);
  assert.equal(await page.evaluate(() => document.getElementById('stat-kappa').textContent), '1000.000');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the strip curve goes through every unit key, for every layout', async () => {
  const { page } = await openPlayground(browser.context, srv.url);
  for (const layout of ['even', 'random', 'clusters']) {
    await page.evaluate((layout) => window.playground.setState({ layout, n: 12, seed: 5, query: [2.2, 1.1] }), layout);
    const r = await page.evaluate(() => {
      const pg = window.playground, s = pg.getState(), res = pg.lastResult;
      const angles = s.keys.map((k) => Math.atan2(k[1], k[0]));
      const g = pg.core.queryGeometry({ query: s.query, scale: s.scale });
      const curve = pg.core.unitKeyWeights({ kappa: g.kappa, phi: g.phi, logSumExp: res.logSumExp, angles });
      return { curve: Array.from(curve), weights: Array.from(res.weights) };
    });
    r.weights.forEach((w, i) => assert.ok(Math.abs(w - r.curve[i]) < 1e-5, `${layout} key ${i}: ${w} vs ${r.curve[i]}`));
  }
  await page.close();
});

// Every label box the renderer drew in the last frame; no two may intersect.
async function assertNoOverlap(page, where) {
  const boxes = await page.evaluate(() => window.playground.plot.labels.boxes);
  assert.ok(boxes.length > 5, `${where}: labels were drawn`);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      const hit = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      assert.ok(!hit, `${where}: "${a.text}" overlaps "${b.text}"`);
    }
  }
}

for (const viewport of [{ width: 1366, height: 768 }, { width: 390, height: 844 }]) {
  test(`no two labels overlap in any preset (${viewport.width}×${viewport.height})`, async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize(viewport);
    await page.goto(srv.url);
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    const frame = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await frame();
    await assertNoOverlap(page, 'default');
    for (const preset of ['sharp', 'blunt', 'farside', 'clusters', 'longkey', 'long']) {
      await page.click(`[data-preset="${preset}"]`);
      await frame();
      await assertNoOverlap(page, preset);
    }
    await page.evaluate(() => window.playground.setState({ longContext: 0, n: 64, layout: 'clusters', clusters: 2 }));
    await frame();
    await assertNoOverlap(page, '64 keys in 2 clusters');
    await page.close();
  });
}

test('the element: κ without walls too, and labels that never overlap at 280 px', async () => {
  const page = await browser.context.newPage();
  await page.goto(pathToFileURL(path.join(webRoot, 'examples/element.html')).href);
  await page.waitForFunction(() => !!document.getElementById('a')?.plot?.getWeights());
  const r = await page.evaluate(async () => {
    const host = document.createElement('div');
    host.style.width = '280px';
    document.body.prepend(host);
    const el = document.createElement('attention-plot');
    el.setAttribute('controls', 'compact');
    host.append(el);
    await el.plot.ready;
    el.plot.setState({ query: [700, 0] });
    await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
    const boxes = el.plot.renderer.labels.boxes;
    const overlaps = [];
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) overlaps.push(`${a.text} / ${b.text}`);
    }
    const w = el.plot.renderer.geom.w;
    const outside = boxes.filter((b) => b.x < 0 || b.x + b.w > w + 0.5).map((b) => b.text);
    const wrap = el.shadowRoot.querySelector('.wrap');
    return { top: Math.max(...el.plot.getWeights()), overlaps, outside, scrollW: wrap.scrollWidth, clientW: wrap.clientWidth };
  });
  assert.ok(r.top > 0.999);
  assert.deepEqual(r.overlaps, []);
  assert.deepEqual(r.outside, [], 'no label is cut at the canvas edge');
  assert.ok(r.scrollW <= r.clientW + 1, `nothing overflows sideways (${r.scrollW} > ${r.clientW})`);
  await page.close();
});

test('the tour: a step link animates to its state; next, back, leave and resume', async () => {
  const { page, problems } = await openPlayground(browser.context, `${srv.url}#v=1&tour=3`);
  await page.waitForFunction((want) => {
    const q = window.playground.getState().query;
    return Math.abs(q[0] - want[0]) < 1e-9 && Math.abs(q[1] - want[1]) < 1e-9;
  }, TOUR[2].state.query, { timeout: 5000 });
  assert.equal(await page.textContent('#tour-title'), TOUR[2].title);
  assert.equal(await page.textContent('#tour-try'), TOUR[2].tryThis);
  assert.equal(await page.isVisible('#tour'), true);
  await page.click('#tour-next');
  await page.waitForFunction(() => document.getElementById('tour-count').textContent.startsWith('4 of'));
  await page.waitForFunction((want) => Math.abs(Math.hypot(...window.playground.getState().query) - Math.hypot(...want)) < 1e-6,
    TOUR[3].state.query, { timeout: 5000 });
  assert.match(await page.evaluate(() => location.hash), /tour=4/);
  await page.click('#tour-prev');
  await page.waitForFunction(() => document.getElementById('tour-count').textContent.startsWith('3 of'));
  await page.click('#tour-leave');
  await page.waitForFunction(() => document.getElementById('tour').hidden);
  assert.match(await page.textContent('#tour-start'), /Resume the tour \(step 3\)/);
  await page.click('#tour-start');
  await page.waitForFunction(() => !document.getElementById('tour').hidden);
  assert.equal(await page.textContent('#tour-title'), TOUR[2].title);
  assert.deepEqual(problems, []);
  await page.close();
});

test('animateTo lands exactly on the target; a drag cancels it; reduced motion jumps', async () => {
  const { page } = await openPlayground(browser.context, srv.url);
  const r = await page.evaluate(async () => {
    const pg = window.playground;
    const t0 = performance.now();
    const landed = await pg.animateTo({ query: [-2, 0.5], customScale: 3, scaleMode: 'custom' }, { duration: 300 });
    const took = performance.now() - t0;
    const s = pg.getState();
    const first = pg.animateTo({ query: [0, -1] }, { duration: 2000 });
    await new Promise((res) => setTimeout(res, 100));
    const mid = pg.getState().query;
    const second = pg.animateTo({ query: [1, 1] }, { duration: 50 });
    return { landed, took, query: s.query, scale: s.customScale, mid, first: await first, second: await second, end: pg.getState().query };
  });
  assert.equal(r.landed, true);
  assert.ok(r.took >= 250, `took ${r.took} ms`);
  assert.deepEqual(r.query, [-2, 0.5]);
  assert.equal(r.scale, 3);
  assert.notDeepEqual(r.mid, [0, -1], 'it moves over time');
  assert.equal(r.first, false, 'a newer call cancels');
  assert.equal(r.second, true);
  assert.deepEqual(r.end, [1, 1]);
  // a drag on the query cancels a running animation
  await page.evaluate(() => { window.__anim = window.playground.animateTo({ query: [-1.4, 0] }, { duration: 3000 }); });
  const [qx, qy] = await queryToPage(page);
  await page.mouse.move(qx, qy);
  await page.mouse.down();
  await page.mouse.move(qx + 20, qy + 20, { steps: 3 });
  await page.mouse.up();
  assert.equal(await page.evaluate(() => window.__anim), false);
  await page.close();
  const reduced = await launch({ reducedMotion: 'reduce' });
  try {
    const p = reduced.context.pages()[0] ?? await reduced.context.newPage();
    await p.goto(srv.url);
    await p.waitForFunction(() => document.body.dataset.ready === '1');
    const jumped = await p.evaluate(async () => {
      const t0 = performance.now();
      await window.playground.animateTo({ query: [0.5, 0.5] }, { duration: 5000 });
      return { ms: performance.now() - t0, q: window.playground.getState().query };
    });
    assert.ok(jumped.ms < 1000, `reduced motion jumps (${jumped.ms} ms)`);
    assert.deepEqual(jumped.q, [0.5, 0.5]);
  } finally {
    await reduced.close();
  }
});
