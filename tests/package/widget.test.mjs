// dist/widget.js, the anywidget front end (`attention-plot/widget`), in Chromium under the
// strict CSP with a stub model that behaves like anywidget's (Backbone): get, set (fires
// `change:<name>` only when the value really changes), on, off, save_changes. The kernel's
// updates are model.set calls; what the widget sends back is what save_changes saw.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launch } from '../browser/helpers.mjs';
import { repoRoot } from './helpers.mjs';
import { startServer } from '../../scripts/serve.mjs';
import { AttentionCore } from '../../web/js/core/attention-core.js';

let dir, server, url, browser, page, problems, core;

const HARNESS = `
import widget from './widget.js';
class StubModel {
  constructor(attrs) { this.attrs = structuredClone(attrs); this.handlers = new Map(); this.saved = []; }
  get(name) { return this.attrs[name]; }
  set(name, value) {
    const changed = JSON.stringify(this.attrs[name]) !== JSON.stringify(value);
    this.attrs[name] = value;
    if (changed) for (const fn of [...(this.handlers.get('change:' + name) ?? [])]) fn();
  }
  on(event, fn) { if (!this.handlers.has(event)) this.handlers.set(event, new Set()); this.handlers.get(event).add(fn); }
  off(event, fn) { this.handlers.get(event)?.delete(fn); }
  save_changes() { this.saved.push(structuredClone(this.attrs)); }
  listenerCount() { let n = 0; for (const s of this.handlers.values()) n += s.size; return n; }
}
window.harness = { widget, StubModel, views: {} };
window.render = (id, attrs) => {
  const model = new StubModel(attrs);
  const cleanup = widget.render({ model, el: document.getElementById(id) });
  window.harness.views[id] = { model, cleanup };
};
window.plotOf = (id) => document.getElementById(id).querySelector('attention-plot')?.plot ?? null;
`;

before(async () => {
  core = await AttentionCore.load();
  dir = await mkdtemp(path.join(tmpdir(), 'attention-widget-'));
  await copyFile(path.join(repoRoot, 'dist/widget.js'), path.join(dir, 'widget.js'));
  await writeFile(path.join(dir, 'harness.js'), HARNESS);
  await writeFile(path.join(dir, 'index.html'), `<!doctype html><html><head><meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src data:">
    <link rel="icon" href="data:,"><title>widget</title></head>
    <body><div id="w1"></div><div id="w2"></div><script type="module" src="harness.js"></script></body></html>`);
  ({ server, url } = await startServer({ root: dir, port: 0, quiet: true }));
  browser = await launch();
  page = browser.context.pages()[0] ?? await browser.context.newPage();
  problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(new URL('index.html', url).href);
  await page.waitForFunction(() => !!window.harness);
});
after(async () => {
  await browser?.close();
  server?.closeAllConnections?.();
  await new Promise((r) => (server ? server.close(r) : r()));
  await rm(dir, { recursive: true, force: true });
});

// The model as the kernel last received it (the last save_changes), once `ok(it)` holds.
async function savedWhen(id, ok, timeout = 20000) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await page.evaluate((id) => window.harness.views[id]?.model.saved.at(-1) ?? null, id);
    if (last && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${id}: the model never reached the expected state; last saved: ${JSON.stringify(last)?.slice(0, 300)}`);
}

// What the core gives for the plot's current state.
async function expected(id) {
  const s = await page.evaluate((id) => window.plotOf(id).getState(), id);
  const r = core.attend({ query: s.query, keys: s.keys, values: s.values, scale: s.scale,
    normalizeKeys: s.normalizeKeys });
  return { state: s, weights: Array.from(r.weights), entropy: r.entropy, output: Array.from(r.output) };
}

function assertOutputs(saved, want) {
  assert.equal(saved.weights.length, want.weights.length, 'one weight per key');
  for (let i = 0; i < want.weights.length; i++) assert.ok(Math.abs(saved.weights[i] - want.weights[i]) < 1e-6, `weight ${i}`);
  assert.ok(Math.abs(saved.entropy - want.entropy) < 1e-9, 'entropy');
  assert.deepEqual(saved.output, want.output, 'output');
}

test('render: the model\'s fields reach the plot, and the core\'s weights, entropy and output come back', async () => {
  await page.evaluate(() => window.render('w1', { n: 5, layout: 'random', seed: 2, query: [1, 0.5], controls: 'none', weights: [], entropy: 0, output: [] }));
  const saved = await savedWhen('w1', (m) => m.weights.length === 5);
  const want = await expected('w1');
  assert.equal(want.state.n, 5);
  assert.equal(want.state.layout, 'random');
  assert.deepEqual(want.state.query, [1, 0.5]);
  assertOutputs(saved, want);
  assert.equal(saved.keys, undefined, 'keys the model never had are not invented');
});

test('a kernel update (model.set) redraws the plot and sends back the new weights', async () => {
  await page.evaluate(() => window.harness.views.w1.model.set('n', 7));
  const saved = await savedWhen('w1', (m) => m.weights.length === 7);
  assert.equal((await expected('w1')).state.n, 7);
  assertOutputs(saved, await expected('w1'));
});

test('a drag of the query writes the query and the outputs back to the model', async () => {
  const before = await page.evaluate(() => window.harness.views.w1.model.saved.length);
  const [from, to] = await page.evaluate(() => {
    const plot = window.plotOf('w1');
    const r = document.querySelector('#w1 attention-plot').shadowRoot.querySelector('canvas').getBoundingClientRect();
    const at = ([x, y]) => { const [sx, sy] = plot.renderer.toScreen(x, y); return [r.left + sx, r.top + sy]; };
    return [at(plot.getState().query), at([-0.8, -0.9])];
  });
  await page.mouse.move(from[0], from[1]);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) {
    await page.mouse.move(from[0] + (to[0] - from[0]) * i / 8, from[1] + (to[1] - from[1]) * i / 8);
  }
  await page.mouse.up();
  const saved = await savedWhen('w1', (m) => m.query[0] < -0.5 && m.query[1] < -0.5);
  assert.ok(Math.abs(saved.query[0] + 0.8) < 0.05 && Math.abs(saved.query[1] + 0.9) < 0.05, `query ${saved.query}`);
  assert.ok(await page.evaluate((n) => window.harness.views.w1.model.saved.length > n, before), 'save_changes was called');
  const want = await expected('w1');
  assert.deepEqual(saved.query, want.state.query);
  assertOutputs(saved, want);
});

test('after a drag, the kernel can set the query back to the value the plot started with', async () => {
  await page.evaluate(() => window.harness.views.w1.model.set('query', [1, 0.5]));
  await page.waitForFunction(() => { const q = window.plotOf('w1').getState().query; return q[0] === 1 && q[1] === 0.5; }, null, { timeout: 5000 });
  const saved = await savedWhen('w1', (m) => m.query[0] === 1 && m.query[1] === 0.5);
  assertOutputs(saved, await expected('w1'));
});

test('a bad value from the model is named in a notice inside the plot, corrected, and the correction synced back', async () => {
  await page.evaluate(() => window.harness.views.w1.model.set('n', 'abc'));
  const saved = await savedWhen('w1', (m) => m.n === 8);
  const notices = await page.evaluate(() => [...document.querySelector('#w1 attention-plot').shadowRoot.querySelectorAll('.notice-text')].map((n) => n.textContent));
  assert.ok(notices.some((t) => t.startsWith('n: "abc" is not a whole number; using "8" instead.')), notices.join(' | '));
  assert.equal(saved.weights.length, 8);
});

test('two widgets are independent; cleanup removes the plot and every model listener', async () => {
  await page.evaluate(() => window.render('w2', { n: 3, query: [-1, 0], weights: [], entropy: 0, output: [] }));
  const saved = await savedWhen('w2', (m) => m.weights.length === 3);
  assertOutputs(saved, await expected('w2'));
  assert.equal((await expected('w1')).state.n, 8, 'the first plot is untouched');
  const after = await page.evaluate(() => {
    const { model, cleanup } = window.harness.views.w2;
    const listening = model.listenerCount();
    cleanup();
    return { listening, left: model.listenerCount(), plots: document.querySelectorAll('#w2 attention-plot').length };
  });
  assert.ok(after.listening > 0);
  assert.deepEqual({ left: after.left, plots: after.plots }, { left: 0, plots: 0 });
  assert.deepEqual(problems, []);
});

test('rendered into an element not yet in the page (as notebook front ends do), it starts once attached', async () => {
  await page.evaluate(() => {
    const el = document.createElement('div');
    el.id = 'w3';
    const model = new window.harness.StubModel({ n: 4, weights: [] });
    window.harness.views.w3 = { model, cleanup: window.harness.widget.render({ model, el }) };
    setTimeout(() => document.body.append(el), 200);
  });
  const saved = await savedWhen('w3', (m) => m.weights.length === 4);
  assertOutputs(saved, await expected('w3'));
  assert.deepEqual(problems, []);
});

test('a key added on the plot makes the keys explicit: keys, values and n go to the model; keys=None gives them back to the layout', async () => {
  await page.evaluate(() => {
    document.body.append(Object.assign(document.createElement('div'), { id: 'w4' }));
    window.render('w4', { n: 4, keys: null, weights: [] });
  });
  await savedWhen('w4', (m) => m.weights.length === 4);
  assert.equal((await page.evaluate(() => window.harness.views.w4.model.saved.at(-1))).keys, null, 'layout keys stay implicit');
  const at = await page.evaluate(() => {
    document.getElementById('w4').scrollIntoView({ block: 'center' });
    const plot = window.plotOf('w4');
    const r = document.querySelector('#w4 attention-plot').shadowRoot.querySelector('canvas').getBoundingClientRect();
    const [sx, sy] = plot.renderer.toScreen(0.25, -0.35);
    return [r.left + sx, r.top + sy];
  });
  await page.mouse.click(at[0], at[1]);
  const saved = await savedWhen('w4', (m) => Array.isArray(m.keys) && m.keys.length === 5);
  assert.equal(saved.n, 5);
  assert.equal(saved.values.length, 5);
  assertOutputs(saved, await expected('w4'));
  await page.evaluate(() => window.harness.views.w4.model.set('keys', null));
  await page.waitForFunction(() => window.plotOf('w4').getState().keys.every(([x, y]) => Math.abs(Math.hypot(x, y) - 1) < 1e-6));
  const notices = await page.evaluate(() => document.querySelector('#w4 attention-plot').shadowRoot.querySelectorAll('.notice-text').length);
  assert.equal(notices, 0, 'no notice: the layout takes keys and values back silently');
  assert.deepEqual(problems, []);
});
