// "An explorable that teaches, and never fights the hand": the query's length has no
// wall, the strip's curve goes through every unit key, labels never overlap, and the
// tour steps animate to their states and can be linked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve, launch, openPlayground, queryToPage, webRoot } from './helpers.mjs';
import { TOUR } from '../../web/js/state/tour-steps.js';

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
    return { top: Math.max(...el.plot.getWeights()), overlaps, outside, scrollW: wrap.scrollWidth,
      clientW: wrap.clientWidth };
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
  }, TOUR[2].state.query, { timeout: 20000 });
  assert.equal(await page.textContent('#tour-title'), TOUR[2].title);
  assert.equal(await page.textContent('#tour-try'), TOUR[2].tryThis);
  assert.equal(await page.isVisible('#tour'), true);
  await page.click('#tour-next');
  await page.waitForFunction(() => document.getElementById('tour-count').textContent.startsWith('4 of'));
  await page.waitForFunction(
    (want) => Math.abs(Math.hypot(...window.playground.getState().query) - Math.hypot(...want)) < 1e-6,
    TOUR[3].state.query, { timeout: 20000 });
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
    return { landed, took, query: s.query, scale: s.customScale, mid, first: await first, second: await second,
      end: pg.getState().query };
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

test('the element: misspelled and contradictory attributes are named; height is settable; auto theme follows the page', async () => {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  await page.goto(pathToFileURL(path.join(webRoot, 'examples/element.html')).href);
  await page.waitForFunction(() => !!document.getElementById('a')?.plot?.getWeights());
  const r = await page.evaluate(async () => {
    const el = document.createElement('attention-plot');
    el.setAttribute('sede', '4');              // misspelled seed
    el.setAttribute('keys', '1,0;0,1;-1,0');
    el.setAttribute('n', '8');
    el.setAttribute('height', '300');
    document.body.prepend(el);
    await el.plot.ready;
    await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
    const notices = [...el.shadowRoot.querySelectorAll('.notice-text')].map((p) => p.textContent);
    const h = el.shadowRoot.querySelector('canvas').getBoundingClientRect().height;
    // the host page says dark: theme="auto" follows it
    document.documentElement.style.colorScheme = 'dark';
    el.plot.setState({ n: 5 });
    await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
    const dark = el.shadowRoot.querySelector('.wrap').classList.contains('dark');
    document.documentElement.style.colorScheme = '';
    return { notices, h, dark, n: el.plot.getWeights().length };
  });
  assert.ok(r.notices.some((t) => /Unknown attribute "sede" was ignored \(did you mean "seed"\?\)/.test(t)), r.notices.join(' | '));
  assert.ok(r.notices.some((t) => /n="8" and keys \(3 points\) disagree/.test(t)), r.notices.join(' | '));
  assert.equal(Math.round(r.h), 300);
  assert.equal(r.dark, true);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the element is reached with the keyboard and answers the same keys as the page', async () => {
  const page = await browser.context.newPage();
  await page.goto(pathToFileURL(path.join(webRoot, 'examples/element.html')).href);
  await page.waitForFunction(() => !!document.getElementById('b')?.plot?.getWeights());
  await page.evaluate(() => document.getElementById('b').shadowRoot.querySelector('canvas').focus());
  const before = await page.evaluate(() => document.getElementById('b').plot.getState().query);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('PageUp');
  const after = await page.evaluate(() => document.getElementById('b').plot.getState().query);
  const ang = (q) => Math.atan2(q[1], q[0]) * 180 / Math.PI;
  assert.ok(Math.abs(ang(after) - ang(before) - 5) < 0.05, `rotated ${ang(after) - ang(before)}°`);
  assert.ok(Math.hypot(...after) > Math.hypot(...before) * 2, 'lengthened');
  await page.close();
});

test('embed.html whose script cannot run says so instead of a blank box', async () => {
  const page = await browser.context.newPage();
  await page.route('**/generated/embed.js', (r) => r.fulfill({ status: 404, body: '' }));
  await page.goto(new URL('embed.html#v=1&n=5', srv.url).href);
  await page.waitForTimeout(4500);
  const text = await page.evaluate(() => document.getElementById('embed-fallback')?.innerText ?? '');
  assert.match(text, /could not load its script/);
  assert.match(text, /Access-Control-Allow-Origin/);
  await page.close();
});

test("README's iframe snippet, used twice on one page, sizes each frame to its own height", async () => {
  const { readFile } = await import('node:fs/promises');
  const http = await import('node:http');
  const readme = await readFile(path.join(webRoot, '..', 'README.md'), 'utf8');
  const snippet = /```html\n(<iframe class="attention-plot-frame"[\s\S]*?)```/.exec(readme)[1];
  const [frame, script] = [snippet.slice(0, snippet.indexOf('<script>')), snippet.slice(snippet.indexOf('<script>'))];
  const host = srv.url.replace(/\/$/, '');
  const two = frame.replace('https://YOUR-HOST', host)
    + frame.replace('https://YOUR-HOST', host).replace('controls=compact', 'controls=none');
  const parent = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><meta charset="utf-8"><title>two frames</title><body style="width:500px">${two}${script}</body>`);
  });
  await new Promise((r) => parent.listen(0, '127.0.0.1', r));
  const page = await browser.context.newPage();
  try {
    await page.goto(`http://127.0.0.1:${parent.address().port}/`);
    await page.waitForFunction(() => [...document.querySelectorAll('iframe.attention-plot-frame')].every((f) => parseFloat(f.style.height) > 100), null, { timeout: 20000 });
    await page.waitForTimeout(500);
    const heights = await page.evaluate(() => [...document.querySelectorAll('iframe.attention-plot-frame')].map((f) => parseFloat(f.style.height)));
    const own = [];
    for (const f of page.frames().filter((f) => f.url().includes('embed.html'))) {
      own.push(await f.evaluate(() => Math.ceil(document.body.getBoundingClientRect().bottom)));
    }
    assert.equal(heights.length, 2);
    assert.ok(Math.abs(heights[0] - own[0]) <= 1 && Math.abs(heights[1] - own[1]) <= 1, `${heights} vs ${own}`);
    assert.ok(heights[0] > heights[1], 'the compact frame (with controls) is taller than the bare one');
  } finally {
    await page.close();
    parent.closeAllConnections?.();
    await new Promise((r) => parent.close(r));
  }
});

test('beyond softmax on the plot: sparsemax gives hollow exact zeros, a sink takes its share, all from the core', async () => {
  const { page, problems } = await openPlayground(browser.context, `${srv.url}#v=1&alpha=2&query=2,1&n=12`);
  const r = await page.evaluate(() => {
    const pg = window.playground, s = pg.getState(), res = pg.lastResult;
    const want = pg.core.attend({ query: s.query, keys: s.keys, values: s.values, scale: s.scale,
      normalizeKeys: s.normalizeKeys, alpha: 2 });
    return { got: Array.from(res.weights), want: Array.from(want.weights) };
  });
  assert.deepEqual(r.got, r.want);
  assert.ok(r.got.filter((w) => w === 0).length >= 6, 'sparsemax puts exact zeros');
  const rows = await page.$$eval('#weight-list tr[data-key-index]', (trs) => trs.map((t) => Number(t.dataset.weight)));
  assert.deepEqual(rows, r.got);
  await page.evaluate(() => window.playground.setState({ alpha: 1, sinkOn: true, sink: 2, query: [0.3, 0.1] }));
  await page.waitForFunction(() => window.playground.lastResult.sinkWeight > 0);
  // lastResult builds the scene on demand; the labels come with the next frame: draw it now
  await page.evaluate(() => window.playground.render());
  const sink = await page.evaluate(() => {
    const pg = window.playground, s = pg.getState();
    const want = pg.core.attend({ query: s.query, keys: s.keys, values: s.values, scale: s.scale,
      normalizeKeys: s.normalizeKeys, sink: 2 });
    const sum = Array.from(pg.lastResult.weights).reduce((a, b) => a + b, 0);
    return { got: pg.lastResult.sinkWeight, want: want.sinkWeight, sum,
      labels: pg.plot.labels.boxes.map((b) => b.text) };
  });
  assert.equal(sink.got, sink.want);
  assert.ok(Math.abs(sink.sum + sink.got - 1) < 1e-5, 'the keys share what the sink leaves');
  assert.ok(sink.labels.some((t) => t === `sink takes ${sink.got.toFixed(3)} of the weight`), sink.labels.join(' | '));
  assert.deepEqual(problems, []);
  await page.close();
});
