// explore.html: each mode loaded from a URL hash; the numbers the page exposes (data
// attributes) must be what the core (here, in node) and the native CLI give.
//   node --test --test-concurrency=1 tests/browser/
// CLI parity uses a relative tolerance of 1e-5 with a small absolute floor: the CLI runs
// self-attention in double, the WASM core in float (see tests/wasm/modes.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPlayground, frames, screenshot } from './helpers.mjs';
import { loadCore, runCli, requireCli } from '../wasm/harness.mjs';

let srv, browser, core;
before(async () => {
  requireCli();
  core = await loadCore();
  srv = await serve();
  browser = await launch();
});
after(async () => { await browser?.close(); await srv?.close(); });

const REL = 1e-5, ABS = 1e-6;
function near(a, b, where, rel = REL, abs = ABS) {
  assert.ok(Number.isFinite(a) && Number.isFinite(b), `${where}: ${a} vs ${b}`);
  assert.ok(Math.abs(a - b) <= Math.max(abs, rel * Math.abs(b)), `${where}: page ${a} vs expected ${b}`);
}
function cli(problem) {
  const r = runCli(problem);
  assert.ok(r.ok, r.message);
  return r.result;
}
async function open(hash) {
  const { page, problems } = await openPlayground(browser.context, new URL(`explore.html#${hash}`, srv.url).href);
  await frames(page);
  return { page, problems };
}
const tokens = [[1, 0], [0, 1], [-1, 0.5], [0.3, -0.8], [1.2, 1.1]];
const tokenHash = tokens.map((t) => t.join(',')).join(';');
const f32 = (rows) => rows.map((r) => r.map(Math.fround));
const WQ = [[1, 0.5], [-0.3, 1]], WK = [[0.6, -0.8], [0.9, 0.4]], WV = [[1, 0], [0, 1]];

async function readSelfCells(page) {
  return page.$$eval('#self-table td[data-i]', (tds) => tds.map((td) => ({
    i: Number(td.dataset.i), j: Number(td.dataset.j), weight: Number(td.dataset.weight),
    logit: Number(td.dataset.logit), masked: td.dataset.masked === '1',
  })));
}

test('self-attention with a causal mask: A, masks and asymmetries match the core and the CLI', async () => {
  const { page, problems } = await open(`mode=self&m=5&tokens=${tokenHash}&wq=1,0.5,-0.3,1&wk=0.6,-0.8,0.9,0.4&wv=1,0,0,1&tie=0&mask=causal&scale=1`);
  const exp = cli({ mode: 'self', tokens: f32(tokens), wq: f32(WQ), wk: f32(WK), wv: f32(WV), mask: 'causal' }).heads[0];
  const mine = core.selfAttention({ tokens, wq: [WQ], wk: [WK], wv: [WV], mask: 'causal' }).heads[0];
  const cells = await readSelfCells(page);
  assert.equal(cells.length, 25);
  for (const c of cells) {
    const idx = c.i * 5 + c.j;
    assert.equal(c.weight, mine.weights[idx], `A[${c.i},${c.j}] == core (same float)`);
    near(c.weight, exp.weights[c.i][c.j], `A[${c.i},${c.j}] vs CLI`);
    near(c.logit, exp.logits[c.i][c.j], `L[${c.i},${c.j}] vs CLI`);
    assert.equal(c.masked, c.j > c.i, `causal mask greys exactly the upper triangle at (${c.i},${c.j})`);
  }
  assert.equal(await page.$eval('#self-heatmap', (c) => c.dataset.masked),
    Array.from({ length: 25 }, (_, k) => (k % 5 > Math.floor(k / 5) ? 1 : 0)).join(''));
  const la = await page.$eval('#self-logit-asym', (e) => Number(e.dataset.value));
  const wa = await page.$eval('#self-weight-asym', (e) => Number(e.dataset.value));
  near(la, exp.logit_asymmetry, 'logit asymmetry');
  near(wa, exp.weight_asymmetry, 'weight asymmetry');
  const state = await page.evaluate(() => window.explore.getState());
  assert.equal(state.mode, 'self');
  assert.equal(state.self.mask, 'causal');
  // Output rows drawn = A V from the core.
  const o = await page.$$eval('#self-table td[data-o]', (tds) => tds.map((td) => td.dataset.o.split(',').map(Number)));
  o.forEach((row, i) => row.forEach((x, j) => near(x, exp.output[i][j], `o[${i}][${j}]`)));
  await screenshot(page, 'explore-self.png');
  assert.deepEqual(problems, []);
});

test('tie W_Q = W_K: logit asymmetry 0, weight asymmetry not 0; top-k mask', async () => {
  const { page, problems } = await open(`mode=self&m=5&tokens=${tokenHash}&wq=1,0.5,-0.3,1&wk=0.6,-0.8,0.9,0.4&wv=1,0,0,1&tie=1&mask=none`);
  assert.equal(await page.$eval('#self-logit-asym', (e) => Number(e.dataset.value)), 0);
  assert.ok(await page.$eval('#self-weight-asym', (e) => Number(e.dataset.value)) > 1e-3);
  assert.ok(await page.$eval('#self-wk-0', (e) => e.disabled));
  // Untie with the switch: the asymmetry comes back.
  await page.click('#self-tie');
  await frames(page);
  assert.ok(await page.$eval('#self-logit-asym', (e) => Number(e.dataset.value)) > 1e-3);
  assert.match(page.url(), /tie=0/);
  // top-k 2: exactly 2 unmasked keys per row.
  await page.selectOption('#self-mask', 'topk');
  await page.fill('#self-size', '2');
  await page.press('#self-size', 'Enter');
  await frames(page);
  const cells = await readSelfCells(page);
  for (let i = 0; i < 5; i++) assert.equal(cells.filter((c) => c.i === i && !c.masked).length, 2, `row ${i}`);
  assert.match(page.url(), /mask=topk&w=2&k=2/);
  assert.deepEqual(problems, []);
});

test('heads: GQA 4/2 heatmaps and KV cache match the core and the CLI', async () => {
  const { page, problems } = await open(`mode=heads&m=5&tokens=${tokenHash}&h=4&kv=2&hseed=3&mask=none&scale=1`);
  assert.equal(await page.$eval('#heads-variant', (e) => e.dataset.value), 'GQA');
  assert.equal(await page.$eval('#heads-kv-entries', (e) => Number(e.dataset.value)), 2 * 5 * 2 * 2);
  assert.equal(await page.$eval('#heads-kv-mha', (e) => Number(e.dataset.value)), 2 * 5 * 4 * 2);
  const cfg = await page.evaluate(() => window.explore.lastResult.config);
  const mine = core.selfAttention(cfg);
  const exp = cli({ mode: 'self', tokens: f32(cfg.tokens), wq: cfg.wq.map(f32), wk: cfg.wk.map(f32), wv: cfg.wv.map(f32),
    heads: 4, kv_heads: 2, scale: cfg.scale, mask: cfg.mask });
  assert.equal(exp.variant, 'GQA');
  const figs = await page.$$eval('#heads-maps figure', (fs) => fs.map((f) => ({
    head: Number(f.dataset.head), kv: Number(f.dataset.kvHead), weights: f.dataset.weights.split(',').map(Number) })));
  assert.equal(figs.length, 4);
  for (const f of figs) {
    assert.equal(f.kv, Math.floor(f.head / 2));
    f.weights.forEach((w, k) => {
      assert.equal(w, mine.heads[f.head].weights[k]);
      near(w, exp.heads[f.head].weights[Math.floor(k / 5)][k % 5], `head ${f.head} A[${k}]`);
    });
  }
  await screenshot(page, 'explore-heads.png');
  // MQA via the selector
  await page.selectOption('#heads-kv', '1');
  await frames(page);
  assert.equal(await page.$eval('#heads-variant', (e) => e.dataset.value), 'MQA');
  assert.deepEqual(problems, []);
});

test('dimension: stats with and without 1/√d match the CLI', async () => {
  const { page, problems } = await open('mode=dim&d=256&n=64&dseed=2');
  for (const [id, scaled] of [['dim-raw', false], ['dim-scaled', true]]) {
    const exp = cli({ mode: 'dimension', d: 256, n: 64, seed: 2, scaled });
    const stats = await page.$$eval(`#${id} dd[data-stat]`, (dds) => Object.fromEntries(dds.map((d) => [d.dataset.stat, Number(d.dataset.value)])));
    near(stats.logitStd, exp.logit_std, `${id} logit std`, 1e-12, 1e-12);
    near(stats.maxWeight, exp.max_weight, `${id} max weight`, 1e-12, 1e-15);
    near(stats.entropy, exp.entropy, `${id} entropy`, 1e-12, 1e-12);
    near(stats.effectiveKeys, exp.effective_keys, `${id} effective keys`, 1e-12, 1e-12);
    const counts = await page.$eval(`#${id} canvas[data-kind="logits"]`, (c) => c.dataset.counts.split(',').map(Number));
    assert.equal(counts.reduce((a, b) => a + b, 0), 64);
  }
  // Without the scale, the softmax is far more peaked at d = 256.
  const raw = await page.$eval('#dim-raw dd[data-stat="maxWeight"]', (d) => Number(d.dataset.value));
  const scaled = await page.$eval('#dim-scaled dd[data-stat="maxWeight"]', (d) => Number(d.dataset.value));
  assert.ok(raw > scaled);
  // The sweep over d: each point is the CLI's max weight for that d; unscaled saturates, scaled does not.
  const sweep = await page.$eval('#dim-sweep', (c) => ({
    raw: c.dataset.maxWeightRaw.split(',').map(Number), scaled: c.dataset.maxWeightScaled.split(',').map(Number) }));
  [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024].forEach((d, i) => {
    for (const [key, isScaled] of [['raw', false], ['scaled', true]]) {
      const exp = cli({ mode: 'dimension', d, n: 64, seed: 2, scaled: isScaled }).max_weight;
      assert.ok(Math.abs(sweep[key][i] - exp) <= 1e-12 * Math.max(1, exp), `sweep ${key} d=${d}: ${sweep[key][i]} vs ${exp}`);
    }
  });
  assert.ok(sweep.raw[9] > 0.9, `unscaled d=1024 saturates: ${sweep.raw[9]}`);
  assert.ok(sweep.scaled[9] < 0.5, `scaled d=1024 stays spread: ${sweep.scaled[9]}`);
  await screenshot(page, 'explore-dim.png');
  assert.deepEqual(problems, []);
});

test('streaming: stepping shows the core blocks; at the end |streaming − full| is at rounding level', async () => {
  const { page, problems } = await open('mode=stream&sn=10&block=3&sseed=4&qx=1.5&qy=0.5&step=0');
  assert.equal(await page.$$eval('#stream-rows tr', (r) => r.length), 0);
  const cfg = await page.evaluate(() => window.explore.lastResult.config);
  const keys = Array.from({ length: 10 }, (_, i) => [cfg.keys[2 * i], cfg.keys[2 * i + 1]]);
  const values = Array.from({ length: 10 }, (_, i) => [cfg.values[2 * i], cfg.values[2 * i + 1]]);
  const exp = cli({ mode: 'stream', query: cfg.query, keys: f32(keys), values: f32(values), block_size: 3 });
  assert.equal(exp.blocks.length, 4);
  for (let step = 1; step <= 4; step++) {
    await page.click('#stream-step');
    await frames(page);
    const rows = await page.$$eval('#stream-rows tr', (rs) => rs.map((r) => ({ ...r.dataset })));
    assert.equal(rows.length, step);
    const r = rows[step - 1], e = exp.blocks[step - 1];
    assert.equal(Number(r.begin), e.begin);
    assert.equal(Number(r.end), e.end);
    near(Number(r.runningMax), e.running_max, `block ${step - 1} running max`);
    near(Number(r.runningSum), e.running_sum, `block ${step - 1} running sum`);
    near(Number(r.rescale), e.rescale, `block ${step - 1} rescale`);
    r.partial.split(',').map(Number).forEach((x, j) => near(x, e.partial_output[j], `block ${step - 1} partial[${j}]`));
  }
  assert.ok(await page.$eval('#stream-step', (b) => b.disabled));
  const diff = await page.$eval('#stream-diff', (e) => Number(e.dataset.value));
  assert.ok(diff >= 0 && diff < 1e-6, `|streaming − full| = ${diff}`);
  assert.match(page.url(), /step=4/);
  await screenshot(page, 'explore-stream.png');
  await page.click('#stream-reset');
  await frames(page);
  assert.equal(await page.$$eval('#stream-rows tr', (r) => r.length), 0);
  assert.deepEqual(problems, []);
});

test('bad hash values are replaced with a visible notice, never interpreted as HTML', async () => {
  const evil = encodeURIComponent('<img src=x id=evil>');
  const { page, problems } = await open(`mode=self&m=99&mask=${evil}&wq=1,2,zz,4&tie=maybe`);
  const items = await page.$$eval('#notice-list li', (lis) => lis.map((l) => l.textContent));
  assert.ok(!(await page.$eval('#notice', (n) => n.hidden)));
  assert.ok(items.some((t) => t.startsWith('m: 99') && t.includes('16')), items.join(' | '));
  assert.ok(items.some((t) => t.startsWith('mask:') && t.includes('<img src=x id=evil>') && t.includes('none')), items.join(' | '));
  assert.ok(items.some((t) => t.startsWith('wq[2]:') && t.includes('"zz"')), items.join(' | '));
  assert.ok(items.some((t) => t.startsWith('tie:')), items.join(' | '));
  assert.equal(await page.$('#evil'), null);
  const s = await page.evaluate(() => window.explore.getState());
  assert.equal(s.self.m, 16);
  assert.equal(s.self.mask, 'none');
  assert.deepEqual(s.self.wq, [1, 2, -0.3, 4]);
  assert.match(page.url(), /m=16/);
  // hashchange: a new hash is read and rendered.
  await page.evaluate(() => { location.hash = 'mode=dim&d=8&n=16&dseed=1'; });
  await page.waitForFunction(() => window.explore.getState().mode === 'dim');
  await frames(page);
  assert.equal(await page.$eval('#dim-d-out', (e) => e.textContent), '8');
  assert.deepEqual(problems, []);
});
