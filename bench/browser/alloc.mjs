// Browser benchmark: JavaScript allocation per frame at steady state, in the real page
// (headless Chromium, Debian's /usr/bin/chromium, fresh profile). For n = 8 and 4,096 keys it
// moves the query as a drag does and renders FRAMES frames synchronously (store.commit +
// render: the scene,
// the core and the drawing, exactly what an animation frame runs), and measures
//   bytes/frame  V8's sampling heap profiler with the objects the GC already collected
//                counted too (HeapProfiler.startSampling includeObjectsCollectedBy*GC),
//                so it is what the frames allocated, not what survived; sampled every
//                INTERVAL bytes, so small totals are estimates to ± INTERVAL / FRAMES
//   top          the functions that allocate most (self bytes)
//   heap         usedJSHeapSize after a full GC, every FRAMES / 10 frames: flat = no leak
//
//   node bench/browser/alloc.mjs [--out bench/results/alloc.json] [--frames 10000]
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { openChromium, writeResults } from './session.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const OUT = opt('--out', path.join(root, 'bench/results/alloc.json'));
const FRAMES = Number(opt('--frames', 10000));
const INTERVAL = 1024;
const { url, context, close } = await openChromium(path.join(root, 'web'), {
  extraArgs: ['--js-flags=--expose-gc', '--enable-precise-memory-info'], viewport: { width: 1280, height: 900 },
});
const results = { frames: FRAMES, interval: INTERVAL, chromium: context.browser()?.version() ?? null, runs: [] };
try {
  const page = context.pages()[0] ?? await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready === '1' && window.playground, null, { timeout: 30000 });
  const cdp = await context.newCDPSession(page);
  await cdp.send('HeapProfiler.enable');

  // FRAMES frames of a query circling at |q| = 2: a commit + a synchronous render each.
  const run = (frames, heapEvery) => page.evaluate(([frames, heapEvery]) => {
    const pg = window.playground, heap = [];
    for (let i = 0; i < frames; i++) {
      const a = (i / 360) * 2 * Math.PI;
      pg.store.commit({ query: [2 * Math.cos(a), 2 * Math.sin(a)] }, 'pointer');   // what a drag does
      pg.render();
      if (heapEvery && (i + 1) % heapEvery === 0) { window.gc(); heap.push(performance.memory.usedJSHeapSize); }
    }
    return heap;
  }, [frames, heapEvery]);

  for (const [name, patch] of [['n = 8', { n: 8, longContext: 0 }], ['n = 4,096', { longContext: 4096 }]]) {
    await page.evaluate((p) => { window.playground.setState(p); window.playground.render(); }, patch);
    await run(500, 0);   // warm up: code compiled, caches built
    await page.evaluate(() => window.gc());
    await cdp.send('HeapProfiler.startSampling', {
      samplingInterval: INTERVAL, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
    });
    await run(FRAMES, 0);
    const { profile } = await cdp.send('HeapProfiler.stopSampling');
    const byFn = new Map();
    let total = 0;
    const walk = (node) => {
      const self = node.selfSize;
      total += self;
      const f = node.callFrame;
      const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
      if (self) byFn.set(key, (byFn.get(key) ?? 0) + self);
      for (const c of node.children) walk(c);
    };
    walk(profile.head);
    const heap = await run(FRAMES, FRAMES / 10);
    const top = [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 8)
      .map(([fn, bytes]) => ({ fn, bytesPerFrame: bytes / FRAMES }));
    results.runs.push({ name, bytesPerFrame: total / FRAMES, top, heap });
    console.error(`${name}: ${(total / FRAMES).toFixed(0)} B/frame; heap after GC ${heap.map((h) => (h / 1e6).toFixed(2)).join(' ')} MB`);
    for (const t of top.slice(0, 5)) console.error(`   ${t.bytesPerFrame.toFixed(0).padStart(6)} B  ${t.fn}`);
  }
  results.problems = problems;
} finally {
  await close();
}
await writeResults(OUT, results);
