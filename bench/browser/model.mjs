// model.html at scale: a head of 4,096 tokens at d = 128 (issue #22: "stays interactive", at most
// 8 ms p95 per frame while the query is dragged). Loads random q and k through the page's own
// file path (core.readTensors), then drags the query for 120 frames and reports the time each
// frame's render took (scene + drawing, measured around the store's render) and the gaps
// between animation frames.   node bench/browser/model.mjs
import { serve, launch } from '../../tests/browser/helpers.mjs';

const srv = await serve();
const browser = await launch({ viewport: { width: 1366, height: 900 } });
const page = await browser.context.newPage();
await page.goto(`${srv.url}model.html`);
await page.waitForFunction(() => document.body.dataset.ready === '1');
const result = await page.evaluate(async () => {
  const T = 4096, d = 128, m = window.model;
  const rand = (seed) => () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 - 0.5; };
  const r = rand(7);
  const make = () => Float32Array.from({ length: T * d }, r);
  const rowsOf = (a) => Array.from({ length: T }, (_, t) => Array.from(a.subarray(t * d, (t + 1) * d)));
  const json = (name, a) => new TextEncoder().encode(JSON.stringify({ [name]: rowsOf(a) }));
  const t0 = performance.now();
  m.useFiles([{ name: 'q.json', bytes: json('q', make()) }, { name: 'k.json', bytes: json('k', make()) }]);
  await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
  const load = performance.now() - t0;
  const store = m.store, render = store.renderFn, times = [], gaps = [];
  store.renderFn = (s, ui) => { const a = performance.now(); render(s, ui); times.push(performance.now() - a); };
  let last = performance.now();
  for (let i = 0; i < 120; i++) {
    m.drag([10 + Math.cos(i / 10) * 5, Math.sin(i / 10) * 5]);
    await new Promise((res) => requestAnimationFrame(res));
    const now = performance.now(); gaps.push(now - last); last = now;
  }
  store.renderFn = render;
  const p = (xs, q) => {
    const s = xs.slice().sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(q * s.length))];
  };
  return { tokens: T, d, load, renderP50: p(times, 0.5), renderP95: p(times, 0.95), gapP95: p(gaps, 0.95),
    frames: times.length };
});
console.log(JSON.stringify(result));
await browser.close();
await srv.close();
