// Browser benchmark: the real page in headless Chromium (playwright-core, Debian's
// /usr/bin/chromium, fresh profile). For n = 8, 4096 and 65,536 keys it drags the
// query with 300 pointer moves and times every frame:
//   frame      the page's own performance.measure('attention-plot:frame') entries
//              (playground.js wraps every render: scene, core, drawing)
//   core+draw  from the start of core.attend to the end of plot.draw (the page's
//              own objects window.playground.core / .plot, wrapped from outside)
//   core       core.attend alone
// It also reports the page weight (every response, bytes and gzip -9) and the WASM
// heap size before/after the drag and after 10,000 synchronous updates at n = 4096.
//
//   node bench/browser/drag.mjs [--out bench/results/browser.json] [--moves 300]
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

import { openChromium, writeResults } from './session.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const OUT = opt('--out', path.join(root, 'bench/results/browser.json'));
const MOVES = Number(opt('--moves', 300));
const UPDATES = Number(opt('--updates', 10000));

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { count: s.length, p50: pct(s, 50), p95: pct(s, 95), max: s[s.length - 1] };
}

const { url, context, close } = await openChromium(path.join(root, 'web'), { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
const results = { moves: MOVES, chromium: context.browser()?.version() ?? null, runs: [], weight: null, heap: {} };
try {
  const page = context.pages()[0] ?? await context.newPage();
  const responses = [];
  page.on('response', (r) => responses.push(r));
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });

  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready === '1' && window.playground, null, { timeout: 30000 });
  results.chromium = results.chromium ?? await page.evaluate(() => navigator.userAgent);

  // page weight: everything the first load fetched
  const files = [];
  for (const r of responses) {
    try {
      const body = await r.body();
      files.push({ url: r.url().replace(url, '/'), bytes: body.length, gzip: zlib.gzipSync(body, { level: 9 }).length });
    } catch { /* redirects etc. have no body */ }
  }
  results.weight = {
    files, bytes: files.reduce((a, f) => a + f.bytes, 0), gzip: files.reduce((a, f) => a + f.gzip, 0),
  };

  // instrument the page's own core and plot objects
  await page.evaluate(() => {
    const pg = window.playground;
    const core = pg.core, plot = pg.plot;
    const attend = core.attend.bind(core), draw = plot.draw.bind(plot);
    // The page keeps only its recent frame measures in the timeline: an observer sees them all.
    const b = { frames: [], t0: 0, core: 0, on: false, durations: [], measured: () => b.durations };
    new PerformanceObserver((list) => {
      if (b.on) for (const e of list.getEntriesByName('attention-plot:frame')) b.durations.push(e.duration);
    }).observe({ type: 'measure' });
    window.__bench = b;
    core.attend = (args) => {
      b.t0 = performance.now();
      const r = attend(args);
      b.core = performance.now() - b.t0;
      return r;
    };
    plot.draw = (scene) => {
      const r = draw(scene);
      if (b.on) b.frames.push({ total: performance.now() - b.t0, core: b.core });
      return r;
    };
  });

  for (const n of [8, 4096, 65536]) {
    const patch = n <= 64 ? { n, longContext: 0 } : { longContext: n };
    await page.evaluate((p) => window.playground.setState({ ...p, query: [0.9642, 1.1491] }), patch);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const st = await page.evaluate(() => window.playground.getState());
    // the query's position on screen
    const pos = await page.evaluate(() => {
      const pg = window.playground, q = pg.getState().query;
      const [x, y] = pg.plot.toScreen(q[0], q[1]);
      const rect = pg.plot.canvas.getBoundingClientRect();
      return { x: rect.left + x, y: rect.top + y, ppu: pg.plot.geom.ppu,
        cx: rect.left + pg.plot.geom.cx, cy: rect.top + pg.plot.geom.cy };
    });
    const heapBefore = await page.evaluate(() => window.playground.core.heapBytes);
    await page.evaluate(() => { window.__bench.frames = []; window.__bench.durations = []; window.__bench.on = true; });
    await page.mouse.move(pos.x, pos.y);
    await page.mouse.down();
    const r0 = Math.hypot(pos.x - pos.cx, pos.y - pos.cy), a0 = Math.atan2(pos.cy - pos.y, pos.x - pos.cx);
    const t0 = Date.now();
    for (let i = 1; i <= MOVES; i++) {
      const a = a0 + (i / MOVES) * 4 * Math.PI;               // two turns
      const r = r0 * (0.75 + 0.25 * Math.cos(i / 17));        // and in/out: κ changes too
      await page.mouse.move(pos.cx + r * Math.cos(a), pos.cy - r * Math.sin(a));
      await page.evaluate(() => new Promise((res) => requestAnimationFrame(() => res())));
    }
    await page.mouse.up();
    const wall = Date.now() - t0;
    // one more frame lets the observer's last callback run before collection stops
    await page.evaluate(() => new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0))));
    const frames = await page.evaluate(() => { window.__bench.on = false; return window.__bench.frames; });
    const measured = await page.evaluate(() => window.__bench.measured());
    const heapAfter = await page.evaluate(() => window.playground.core.heapBytes);
    const moved = await page.evaluate(() => window.playground.getState().query);
    results.runs.push({
      n, keys: st.longContext || st.n, frames: frames.length, wall_ms: wall,
      frame: stats(measured), total: stats(frames.map((f) => f.total)), core: stats(frames.map((f) => f.core)),
      heap_before: heapBefore, heap_after: heapAfter, query_after: moved,
    });
    process.stderr.write(`browser n=${n}: ${measured.length} frames, p50 ${stats(measured).p50.toFixed(2)} ms, p95 ${stats(measured).p95.toFixed(2)} ms\n`);
  }

  // heap flatness: 10,000 updates at n = 4096, synchronously through setState + render
  results.heap = await page.evaluate((updates) => {
    const pg = window.playground;
    pg.setState({ longContext: 4096 });
    pg.render();
    const before = pg.core.heapBytes;
    for (let i = 0; i < updates; i++) {
      const a = (i / updates) * 20 * Math.PI;
      pg.setState({ query: [1.5 * Math.cos(a), 1.5 * Math.sin(a)] });
      pg.render();
    }
    return { updates, n: 4096, before, after: pg.core.heapBytes };
  }, UPDATES);
  results.problems = problems;
  results.loadavg = loadavg();   // the machine is shared: how busy it was at the end
} finally {
  await close();
}
await writeResults(OUT, results);
