// web/examples/element.html: the drop-in <attention-plot> element and AttentionPlot.mount()
// from web/generated/attention-plot.js (one classic script, WASM inlined), opened from
// file:// with no server, and the same page over http under the strict CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch, serve, webRoot } from './helpers.mjs';
import { AttentionCore } from '../../web/js/core/attention-core.js';

const pageFile = path.join(webRoot, 'examples', 'element.html');
let browser, page, problems, core;

function watch(p) {
  const list = [];
  p.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warning') list.push(`console ${msg.type()}: ${msg.text()}`); });
  p.on('pageerror', (err) => list.push(`pageerror: ${err.message}`));
  p.on('requestfailed', (req) => list.push(`requestfailed: ${req.url()} ${req.failure()?.errorText}`));
  p.on('response', (res) => { if (res.status() >= 400) list.push(`http ${res.status()}: ${res.url()}`); });
  return list;
}

async function waitReady(p) {
  await p.waitForFunction(() => {
    const a = document.getElementById('a'), b = document.getElementById('b');
    return a?.plot?.getWeights() && b?.plot?.getWeights() && window.demoHandle?.getWeights();
  }, null, { timeout: 20000 });
  await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

// The weights the parity-tested core gives for a plot's state (same key generation).
function expectedWeights(s) {
  let keys = s.keys;
  if (!keys) {
    const pts = core.layout({ kind: s.layout, n: s.n, seed: s.seed, clusters: Math.min(s.clusters, s.n),
      spread: s.spread }).points;
    const lengths = s.randomLengths ? core.layout({ kind: 'values', n: s.n, seed: s.seed + 7919 }).points : null;
    keys = [];
    for (let i = 0; i < s.n; i++) {
      const f = lengths ? 1 + 0.5 * lengths[2 * i] : 1;
      keys.push([pts[2 * i] * f, pts[2 * i + 1] * f]);
    }
  }
  const scale = s.scaleMode === 'invsqrt' ? 1 / Math.sqrt(2) : s.scaleMode === 'custom' ? s.customScale : 1;
  return Array.from(core.attend({ query: s.query, keys, scale, normalizeKeys: s.normalizeKeys }).weights);
}

async function checkWeights(p, id) {
  const { state, weights } = await p.evaluate((id) => {
    const h = id === 'c' ? window.demoHandle : document.getElementById(id).plot;
    return { state: h.getState(), weights: h.getWeights() };
  }, id);
  const want = expectedWeights(state);
  assert.equal(weights.length, want.length, `${id}: number of weights`);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(weights[i] - want[i]) < 1e-6, `${id}: weight ${i} ${weights[i]} vs ${want[i]}`);
  return { state, weights };
}

function distinctColours(p, id) {
  return p.evaluate((id) => {
    const host = id === 'c' ? document.getElementById('c') : document.getElementById(id);
    const canvases = host.shadowRoot.querySelectorAll('canvas');
    const c = canvases[0];
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4 * 97) seen.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
    return { colours: seen.size, canvases: canvases.length, w: c.width, h: c.height };
  }, id);
}

before(async () => {
  core = await AttentionCore.load();
  browser = await launch();
  page = browser.context.pages()[0] ?? await browser.context.newPage();
  problems = watch(page);
  await page.goto(pathToFileURL(pageFile).href);
  await waitReady(page);
});

after(async () => { await browser?.close(); });

test('from file://: both elements and the mounted plot draw, weights match the core', async () => {
  for (const id of ['a', 'b', 'c']) {
    const px = await distinctColours(page, id);
    assert.equal(px.canvases, 1, `${id}: one canvas`);
    assert.ok(px.w > 50 && px.h > 50, `${id}: canvas has a size`);
    assert.ok(px.colours > 3, `${id}: canvas is not blank (${px.colours} colours)`);
    await checkWeights(page, id);
  }
  const b = await page.evaluate(() => document.getElementById('b').plot.getState());
  assert.equal(b.scaleMode, 'custom');
  assert.equal(b.customScale, 2.5);
  assert.deepEqual(b.query, [-0.5, 1.2]);
  assert.equal(b.showValues, false);
  const summary = await page.evaluate(() => document.getElementById('a').shadowRoot.querySelector('.summary').textContent);
  assert.match(summary, /12 keys/);
  assert.deepEqual(problems, []);
});

test('setState on one plot leaves the other alone; bad input throws the notice', async () => {
  const before = await checkWeights(page, 'b');
  const res = await page.evaluate(() => {
    const a = document.getElementById('a').plot;
    let changes = 0;
    const off = a.on('change', () => changes++);
    a.setState({ n: 5, query: [1, 0] });
    off();
    let error = null;
    try { a.setState({ n: 'many' }); } catch (e) { error = e.message; }
    return { changes, error, n: a.getState().n, png: a.toPNG().slice(0, 22) };
  });
  assert.equal(res.changes, 1);
  assert.equal(res.n, 5);
  assert.match(res.error, /^n: "many" is not a whole number; using "8" instead\.$/);
  assert.equal(res.png, 'data:image/png;base64,');
  const a = await checkWeights(page, 'a');
  assert.equal(a.weights.length, 5);
  const after = await checkWeights(page, 'b');
  assert.deepEqual(after.weights, before.weights);
  assert.deepEqual(after.state, before.state);
});

test('a bad attribute shows a notice naming it; the other fields are kept', async () => {
  const r = await page.evaluate(() => {
    const b = document.getElementById('b');
    b.setAttribute('n', 'lots');
    return { notice: b.shadowRoot.querySelector('.notices').textContent, state: b.plot.getState() };
  });
  assert.match(r.notice, /n: "lots" is not a whole number; using "8" instead\./);
  assert.equal(r.state.n, 8);
  assert.equal(r.state.scaleMode, 'custom');
  assert.equal(r.state.customScale, 2.5);
  await checkWeights(page, 'b');
  const cleared = await page.evaluate(() => {
    const b = document.getElementById('b');
    b.setAttribute('n', '6');
    return b.shadowRoot.querySelector('.notices').textContent;
  });
  assert.equal(cleared, '');
});

test('moving an element keeps it working, with one canvas', async () => {
  const r = await page.evaluate(async () => {
    const a = document.getElementById('a');
    const handle = a.plot;
    a.remove();
    document.body.append(a);
    await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
    a.plot.setState({ n: 9 });
    return { same: handle === a.plot, canvases: a.shadowRoot.querySelectorAll('canvas').length, n: a.plot.getWeights().length };
  });
  assert.ok(r.same);
  assert.equal(r.canvases, 1);
  assert.equal(r.n, 9);
  await checkWeights(page, 'a');
  const px = await distinctColours(page, 'a');
  assert.ok(px.colours > 3);
});

test('an element taken out of the page tears down; back in, it has its state and listeners', async () => {
  const r = await page.evaluate(async () => {
    const frames = () => new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
    const a = document.getElementById('a');
    a.plot.setState({ n: 7, query: [0.9, 0.2] });
    let heard = 0;
    a.plot.on('change', () => { heard++; });
    const parent = a.parentNode, next = a.nextSibling;
    a.remove();
    await frames();
    const away = a.plot;
    a.setAttribute('seed', '5');  // set while away: the attribute wins
    parent.insertBefore(a, next);
    await a.plot.ready;
    await frames();
    const s = a.plot.getState();
    a.plot.setState({ n: 6 });
    return { away, n: s.n, query: s.query, seed: s.seed, heard, canvases: a.shadowRoot.querySelectorAll('canvas').length };
  });
  assert.equal(r.away, null);
  assert.equal(r.n, 7);
  assert.deepEqual(r.query, [0.9, 0.2]);
  assert.equal(r.seed, 5);
  assert.ok(r.heard >= 1, 'the on() listener carried over');
  assert.equal(r.canvases, 1);
  await checkWeights(page, 'a');
});

test('1,000 elements created and removed leave a flat heap, node and listener count', async () => {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics: m } = await cdp.send('Performance.getMetrics');
    const get = (name) => m.find((x) => x.name === name).value;
    return { nodes: get('Nodes'), listeners: get('JSEventListeners'), heap: get('JSHeapUsedSize') };
  };
  const cycles = (count) => page.evaluate(async (count) => {
    for (let i = 0; i < count; i++) {
      const el = document.createElement('attention-plot');
      el.setAttribute('n', '12');
      document.body.append(el);
      if (i % 50 === 0) await el.plot.ready;
      el.remove();
      await null;  // the teardown runs after the removal's microtask
    }
    await new Promise((res) => setTimeout(res, 50));
  }, count);
  await cycles(100);  // warm up (code, caches, the shared style sheet)
  const before = await metrics();
  await cycles(1000);
  const after = await metrics();
  await cdp.detach();
  // Without teardown: +285,000 nodes, +18,000 listeners and +30 MB (the measurement).
  assert.ok(after.nodes - before.nodes < 500, `nodes ${before.nodes} -> ${after.nodes}`);
  assert.ok(after.listeners - before.listeners < 100, `listeners ${before.listeners} -> ${after.listeners}`);
  assert.ok(after.heap - before.heap < 3e6, `heap ${before.heap} -> ${after.heap} bytes`);
});

test('dragging the query handle changes the weights', async () => {
  const before = await page.evaluate(() => document.getElementById('b').plot.getState().query);
  // where the query dot is drawn: the canvas box plus the plot's own world→screen map
  const [x, y] = await page.evaluate(() => {
    const b = document.getElementById('b');
    const r = b.shadowRoot.querySelector('canvas').getBoundingClientRect();
    const q = b.plot.getState().query;
    const plot = b.plot.renderer;
    const [sx, sy] = plot.queryToScreen(q);
    return [r.left + sx, r.top + sy];
  });
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + 30, y + 25, { steps: 4 });
  await page.mouse.up();
  const after = await checkWeights(page, 'b');
  assert.notDeepEqual(after.state.query, before);
});

test('over http under the strict CSP: no console errors', async () => {
  const srv = await serve();
  const p = await browser.context.newPage();
  try {
    const list = watch(p);
    await p.goto(new URL('examples/element.html', srv.url).href);
    await waitReady(p);
    for (const id of ['a', 'b', 'c']) await checkWeights(p, id);
    assert.deepEqual(list, []);
  } finally {
    await p.close();
    await srv.close();
  }
});

test('when the WASM cannot be instantiated, the element says so', async () => {
  const p = await browser.context.newPage();
  try {
    await p.addInitScript(() => {
      WebAssembly.instantiate = () => Promise.reject(new Error('blocked for the test'));
    });
    await p.goto(pathToFileURL(pageFile).href);
    await p.waitForFunction(() => /could not start the WebAssembly attention core/.test(
      document.getElementById('a')?.shadowRoot?.querySelector('.notices')?.textContent ?? ''), null, { timeout: 20000 });
    const text = await p.evaluate(() => document.getElementById('b').shadowRoot.querySelector('.notices').textContent);
    assert.match(text, /This browser could not start the WebAssembly attention core \(the browser said: .*blocked for the test\)/);
  } finally {
    await p.close();
  }
});
