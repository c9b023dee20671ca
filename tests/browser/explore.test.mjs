// explore.html: each mode loaded from a URL hash; the numbers the page exposes (data
// attributes) must be what the core (here, in node) and the native CLI give. Links are
// read and written by the shared codec (v=1, only non-defaults); old links (no v=) load.
//   node --test --test-concurrency=1 tests/browser/
// CLI parity uses a relative tolerance of 1e-5 with a small absolute floor: the CLI runs
// self-attention in double, the WASM core in float (see tests/wasm/modes.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { serve, launch, openPlayground, frames, screenshot, webRoot } from './helpers.mjs';
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
// A fresh load each time (a goto that only changes the hash would not reload the page).
async function open(hash) {
  await browser.context.pages()[0]?.goto('about:blank');
  const { page, problems } = await openPlayground(browser.context, new URL(`explore.html#${hash}`, srv.url).href);
  await frames(page);
  return { page, problems };
}
const tokens = [[1, 0], [0, 1], [-1, 0.5], [0.3, -0.8], [1.2, 1.1]];
const tokenHash = tokens.map((t) => t.join(',')).join(';');
const f32 = (rows) => rows.map((r) => r.map(Math.fround));
const WQ = [[1, 0.5], [-0.3, 1]], WK = [[0.6, -0.8], [0.9, 0.4]], WV = [[1, 0], [0, 1]];

// The store writes the URL a little after a commit (throttled): wait for it.
async function urlMatches(page, re) {
  await page.waitForFunction((src) => new RegExp(src).test(location.hash.slice(1)), re.source, { timeout: 5000 })
    .catch(() => {});
  assert.match(new URL(page.url()).hash.slice(1), re);
}
const noticeTexts = (page) => page.$$eval('#notices .notice-text', (ps) => ps.map((p) => p.textContent));

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
  assert.equal(state.mask, 'causal');
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
  // The link now holds only what differs from the defaults: tie=0 is the default.
  await urlMatches(page, /^v=1&tokens=[^&]+$/);
  // top-k 2: exactly 2 unmasked keys per row.
  await page.selectOption('#self-mask', 'topk');
  await page.fill('#self-size', '2');
  await page.press('#self-size', 'Enter');
  await frames(page);
  const cells = await readSelfCells(page);
  for (let i = 0; i < 5; i++) assert.equal(cells.filter((c) => c.i === i && !c.masked).length, 2, `row ${i}`);
  await urlMatches(page, /^v=1&tokens=[^&]+&mask=topk$/);
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
  // The sweep over d: each point is the mean over 32 draws (seeds 2 … 33) of the core's stats;
  // unscaled saturates, scaled does not.
  await page.waitForFunction(() => document.getElementById('dim-sweep').dataset.done === '1', null, { timeout: 90000 });
  const sweep = await page.$eval('#dim-sweep', (c) => ({ draws: Number(c.dataset.draws), seeds: c.dataset.seeds,
    raw: c.dataset.maxWeightRaw.split(',').map(Number), scaled: c.dataset.maxWeightScaled.split(',').map(Number),
    effRaw: c.dataset.effectiveKeysRaw.split(',').map(Number) }));
  assert.equal(sweep.draws, 32);
  assert.equal(sweep.seeds, '2…33');
  assert.match(await page.$eval('#dim-sweep-what', (p) => p.textContent), /mean over 32 draws \(seeds 2 … 33\).*10th to 90th percentile/);
  const mean = (f) => Array.from({ length: 32 }, (_, k) => f(2 + k)).reduce((a, b) => a + b, 0) / 32;
  [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024].forEach((d, i) => {
    for (const [key, scaled] of [['raw', false], ['scaled', true]]) {
      const exp = mean((seed) => core.dimensionStats({ d, n: 64, seed, scaled }).maxWeight);
      assert.ok(Math.abs(sweep[key][i] - exp) <= 1e-12, `sweep ${key} d=${d}: ${sweep[key][i]} vs mean ${exp}`);
    }
    const eff = mean((seed) => core.dimensionStats({ d, n: 64, seed, scaled: false }).effectiveKeys);
    assert.ok(Math.abs(sweep.effRaw[i] - eff) <= 1e-9, `effective keys d=${d}`);
  });
  // One point against the native CLI too: d = 256 without the scale, the mean of 32 runs.
  const cliMean = mean((seed) => cli({ mode: 'dimension', d: 256, n: 64, seed, scaled: false }).max_weight);
  assert.ok(Math.abs(sweep.raw[7] - cliMean) <= 1e-12, `sweep raw d=256 ${sweep.raw[7]} vs CLI mean ${cliMean}`);
  assert.ok(sweep.raw[9] > 0.9, `unscaled d=1024 saturates on average: ${sweep.raw[9]}`);
  assert.ok(sweep.scaled[9] < 0.5, `scaled d=1024 stays spread on average: ${sweep.scaled[9]}`);
  // Averaged, the curves no longer wobble: unscaled max weight rises with d at every step.
  sweep.raw.slice(1).forEach((v, i) => assert.ok(v >= sweep.raw[i] - 0.02, `raw sweep rises at d index ${i + 1}`));
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
  await urlMatches(page, /^v=1&mode=stream&sn=10&block=3&sseed=4&qx=1\.5&qy=0\.5&step=4$/);
  await screenshot(page, 'explore-stream.png');
  await page.click('#stream-reset');
  await frames(page);
  assert.equal(await page.$$eval('#stream-rows tr', (r) => r.length), 0);
  assert.deepEqual(problems, []);
});

test('bad hash values are replaced with a visible notice, never interpreted as HTML', async () => {
  const evil = encodeURIComponent('<img src=x id=evil>');
  const { page, problems } = await open(`mode=self&m=99&mask=${evil}&wq=1,2,zz,4&tie=maybe`);
  const items = await noticeTexts(page);
  assert.ok(await page.$eval('#notices', (n) => !n.hidden && getComputedStyle(n).position === 'absolute'));
  const has = (re) => assert.ok(items.some((t) => re.test(t)), `${re} in ${items.join(' | ')}`);
  has(/m: "99" is outside 2…16; using "16"/);
  has(/mask: "<img src=x id=evil>" is not one of none, causal, window, topk; using "none"/);
  has(/wq: "1,2,zz,4" has an entry that is not a finite number; using "1,0\.5,-0\.3,1"/);
  has(/tie: "maybe"/);
  assert.equal(items.length, 4);
  assert.equal(await page.$('#evil'), null);
  const s = await page.evaluate(() => window.explore.getState());
  assert.equal(s.m, 16);
  assert.equal(s.mask, 'none');
  assert.deepEqual(s.wq, [1, 0.5, -0.3, 1]);
  // The link is written back as what is shown.
  await urlMatches(page, /^v=1&m=16$/);
  // Each notice has its own dismiss button.
  await page.click('#notices .notice:first-child .notice-dismiss');
  assert.equal((await noticeTexts(page)).length, 3);
  // hashchange: a new hash is read and rendered.
  await page.evaluate(() => { location.hash = 'mode=dim&d=8&n=16&dseed=1'; });
  await page.waitForFunction(() => window.explore.getState().mode === 'dim');
  await frames(page);
  assert.equal(await page.$eval('#dim-d-out', (e) => e.textContent), '8');
  assert.deepEqual(await noticeTexts(page), [], 'a good link clears the old link\'s notices');
  assert.deepEqual(problems, []);
});

test('two bad fields in a link show two notices, each naming its field; old mask spelling still reads', async () => {
  const { page, problems } = await open('v=1&mode=heads&h=zz&sn=1000');
  const items = await noticeTexts(page);
  assert.equal(items.length, 2, items.join(' | '));
  assert.match(items[0], /h: "zz" is not a whole number; using "4" instead/);
  assert.match(items[1], /sn: "1000" is outside 2…64; using "64" instead/);
  assert.equal(await page.$$eval('#notices .notice-dismiss', (b) => b.length), 2);
  // Notices float over the panel: the tab strip is where it would be without them.
  const withNotices = await page.$eval('.x-tabs', (t) => t.getBoundingClientRect().top);
  await page.click('#notices .notice-dismiss');
  await page.click('#notices .notice-dismiss');
  assert.ok(await page.$eval('#notices', (n) => n.hidden));
  assert.equal(await page.$eval('.x-tabs', (t) => t.getBoundingClientRect().top), withNotices);

  const old = await open('mode=self&m=5&mask=window:1&scale=1');
  assert.deepEqual(await noticeTexts(old.page), []);
  const s = await old.page.evaluate(() => window.explore.getState());
  assert.equal(s.mask, 'window');
  assert.equal(s.w, 1);
  await urlMatches(old.page, /^v=1&mask=window&w=1$/);
  assert.deepEqual(problems, []);
  assert.deepEqual(old.problems, []);
});

test('a fresh page keeps a clean URL; tabs and drags write only what changed', async () => {
  const { page, problems } = await open('');
  assert.equal(await page.$eval('#x-main', (m) => m.getAttribute('aria-busy')), null);
  assert.ok(await page.$eval('#x-status', (s) => s.hidden));
  await page.hover('#self-heatmap');
  await page.waitForTimeout(400);
  assert.equal(await page.evaluate(() => location.hash), '');
  await page.click('#tab-heads');
  await urlMatches(page, /^v=1&mode=heads$/);
  await page.click('#tab-self');
  await urlMatches(page, /^$/);   // back to every default: no hash at all
  // Drag token 0 by (+30, −20) px: the tokens now differ from the layout's and are written.
  const before = await page.evaluate(() => window.explore.getState());
  assert.equal(before.tokens, null);
  const layout = await page.evaluate(() => window.explore.lastResult.config.tokens);
  const t0 = layout[0];
  // The plot publishes its world → screen map (data-view: cx, cy, pixels per unit).
  const plot = await page.$eval('#self-plot', (c) => {
    const r = c.getBoundingClientRect();
    const [cx, cy, ppu] = c.dataset.view.split(',').map(Number);
    return { left: r.left + c.clientLeft, top: r.top + c.clientTop, cx, cy, ppu };
  });
  const sx = plot.left + plot.cx + t0[0] * plot.ppu, sy = plot.top + plot.cy - t0[1] * plot.ppu;
  await page.mouse.move(sx, sy);
  await page.mouse.down();
  await page.mouse.move(sx + 15, sy - 10, { steps: 3 });
  await page.mouse.move(sx + 30, sy - 20, { steps: 3 });
  await page.mouse.up();
  await frames(page);
  const after = await page.evaluate(() => window.explore.getState());
  assert.equal(after.tokens.length, 5);
  const moved = after.tokens[0];
  const want = [t0[0] + 30 / plot.ppu, t0[1] + 20 / plot.ppu];
  assert.ok(Math.abs(moved[0] - want[0]) < 0.011 && Math.abs(moved[1] - want[1]) < 0.011, `token 0 moved to ${moved}, expected ${want}`);
  assert.deepEqual(after.tokens.slice(1), layout.slice(1), 'the other tokens stay where the layout put them');
  await urlMatches(page, /^v=1&tokens=[^&]+$/);
  // The drawn result is for the new tokens.
  assert.deepEqual(await page.evaluate(() => window.explore.lastResult.config.tokens[0]), moved);
  // Raising m keeps the moved token and takes the new ones from the layout.
  await page.fill('#self-m', '7');
  await page.press('#self-m', 'Enter');
  await frames(page);
  const seven = await page.evaluate(() => window.explore.getState());
  assert.equal(seven.m, 7);
  assert.deepEqual(seven.tokens[0], moved);
  assert.equal(seven.tokens.length, 7);
  await page.click('#self-reset-tokens');
  await frames(page);
  assert.equal(await page.evaluate(() => window.explore.getState().tokens), null);
  assert.deepEqual(problems, []);
});

test('masked heatmap cells are the core\'s: core.attentionMatrix(...).masked for each mask', async () => {
  const { page, problems } = await open(`m=6&mask=causal`);
  for (const [mask, extra] of [['causal', {}], ['window', { w: 2 }], ['topk', { k: 3 }], ['none', {}]]) {
    await page.evaluate((patch) => window.explore.setState(patch), { mask, ...extra });
    await frames(page);
    const { shown, table, expected } = await page.evaluate(() => {
      const { config, result } = window.explore.lastResult;
      const h = result.heads[0];
      const r = window.explore.core.attentionMatrix({ queries: h.q, keys: h.k, d: 2, scale: config.scale,
        mask: config.mask });
      return {
        shown: document.getElementById('self-heatmap').dataset.masked,
        table: Array.from(document.querySelectorAll('#self-table td[data-i]'), (td) => td.dataset.masked).join(''),
        expected: Array.from(r.masked).join(''),
      };
    });
    assert.equal(shown, expected, `${mask}: heatmap`);
    assert.equal(table, expected, `${mask}: table`);
    if (mask === 'none') assert.ok(!expected.includes('1'));
    else assert.ok(expected.includes('1'), `${mask} hides something`);
  }
  // Heads: each head's map is masked like attentionMatrix over its queries and its K/V head's keys.
  await page.evaluate(() => window.explore.setState({ mode: 'heads', mask: 'topk', k: 2, h: 4, kv: 2 }));
  await frames(page);
  const heads = await page.evaluate(() => {
    const { config, result } = window.explore.lastResult;
    return result.heads.map((h, i) => {
      const kvOwner = result.heads.findIndex((o) => o.kvHead === h.kvHead);
      const r = window.explore.core.attentionMatrix({ queries: h.q, keys: result.heads[kvOwner].k, d: 2,
        scale: config.scale, mask: config.mask });
      return { kvHead: h.kvHead, shown: document.querySelector(`#heads-maps figure[data-head="${i}"]`).dataset.masked,
        expected: Array.from(r.masked).join('') };
    });
  });
  assert.deepEqual(heads.map((h) => h.kvHead), [0, 0, 1, 1]);
  for (const h of heads) assert.equal(h.shown, h.expected);
  assert.deepEqual(problems, []);
});

test('a bad form value is corrected in the input, with a notice naming it', async () => {
  const { page, problems } = await open('');
  await page.fill('#self-m', '99');
  await page.press('#self-m', 'Enter');
  await frames(page);
  assert.equal(await page.$eval('#self-m', (i) => i.value), '16');
  assert.deepEqual(await noticeTexts(page), ['m: "99" is outside 2…16; using "16" instead.']);
  // Again: the state is already 16, the input still shows the corrected value.
  await page.fill('#self-m', '40');
  await page.press('#self-m', 'Enter');
  await frames(page);
  assert.equal(await page.$eval('#self-m', (i) => i.value), '16');
  assert.equal(await page.evaluate(() => window.explore.getState().m), 16);
  assert.equal(await page.$$eval('#self-table tr[data-row]', (r) => r.length), 16);
  assert.deepEqual(problems, []);
});

test('setState validates strictly: a bad field throws and changes nothing', async () => {
  const { page, problems } = await open('mode=stream&step=2');
  const err = await page.evaluate(() => { try { window.explore.setState({ sn: 'lots' }); return null; } catch (e) { return e.message; } });
  assert.match(err, /sn: "lots" is not a whole number/);
  assert.equal(await page.evaluate(() => window.explore.getState().step), 2);
  // A stream change starts the stepper again.
  await page.evaluate(() => window.explore.setState({ sseed: 9 }));
  await frames(page);
  assert.equal(await page.evaluate(() => window.explore.getState().step), 0);
  assert.equal(await page.$$eval('#stream-rows tr', (r) => r.length), 0);
  assert.deepEqual(problems, []);
});

test('while the core loads the page says so; a core that cannot start is explained in words', async () => {
  const page = await browser.context.newPage();
  let release;
  const gate = new Promise((r) => { release = r; });
  await page.route('**/generated/explore.js', async (route) => { await gate; await route.continue(); });
  await page.goto(new URL('explore.html', srv.url).href, { waitUntil: 'commit' });
  await page.waitForSelector('#x-status');
  assert.equal(await page.$eval('#x-main', (m) => m.getAttribute('aria-busy')), 'true');
  assert.equal(await page.$eval('#x-status', (s) => s.hidden ? '' : s.textContent), 'Loading the attention core…');
  release();
  await page.waitForFunction(() => document.body.dataset.ready === '1');
  assert.equal(await page.$eval('#x-main', (m) => m.getAttribute('aria-busy')), null);
  await page.close();

  const broken = await browser.context.newPage();
  await broken.addInitScript(() => {
    const fail = () => Promise.reject(new WebAssembly.CompileError('WebAssembly is switched off'));
    WebAssembly.instantiate = fail;
    WebAssembly.instantiateStreaming = fail;
  });
  await broken.goto(new URL('explore.html', srv.url).href);
  await broken.waitForFunction(() => document.getElementById('x-status').classList.contains('x-error'));
  const text = await broken.$eval('#x-status', (s) => (s.hidden ? '' : s.textContent));
  assert.match(text, /could not start the WebAssembly attention core/);
  assert.equal(await broken.$eval('#x-status', (s) => s.getAttribute('role')), 'alert');
  assert.equal(await broken.$eval('#x-main', (m) => m.getAttribute('aria-busy')), null);
  await broken.close();
});

test('opens from file:// with zero console errors and draws', async () => {
  const url = `${pathToFileURL(path.join(webRoot, 'explore.html')).href}#mode=heads&h=8&kv=2`;
  const { page, problems } = await openPlayground(browser.context, url);
  await frames(page);
  assert.equal(await page.evaluate(() => document.body.dataset.ready), '1');
  assert.equal(await page.$$eval('#heads-maps figure', (f) => f.length), 8);
  assert.equal(await page.$eval('#heads-variant', (e) => e.dataset.value), 'GQA');
  assert.deepEqual(problems, []);
});

// Every tab at a phone and a laptop size, light and dark: nothing wider than the window.
for (const colorScheme of ['light', 'dark']) {
  test(`every tab fits at 390×844 and 1366×768 (${colorScheme}); screenshots`, async () => {
    for (const viewport of [{ width: 390, height: 844 }, { width: 1366, height: 768 }]) {
      const b = await launch({ viewport, colorScheme });
      try {
        for (const mode of ['self', 'heads', 'dim', 'stream']) {
          const { page, problems } = await openPlayground(b.context, new URL(`explore.html#mode=${mode}&step=2&mask=causal`, srv.url).href);
          await frames(page);
          const overflow = await page.evaluate(() => {
            const wide = [];
            // The tab bar fits; on a phone its one row of tabs scrolls inside it (first-hour.test.mjs).
            for (const el of document.querySelectorAll('.x-panel:not([hidden]) canvas, .x-panel:not([hidden]) .x-controls > *, .x-tabs')) {
              const r = el.getBoundingClientRect();
              if (r.width > 0 && (r.right > innerWidth + 0.5 || r.left < -0.5)) {
                wide.push(el.id || el.className || el.tagName);
              }
            }
            return { page: document.documentElement.scrollWidth - innerWidth, wide };
          });
          assert.ok(overflow.page <= 0, `${mode} ${viewport.width}px: page scrolls sideways by ${overflow.page}px`);
          assert.deepEqual(overflow.wide, [], `${mode} ${viewport.width}px: outside the window`);
          await screenshot(page, `explore-${mode}-${viewport.width}x${viewport.height}-${colorScheme}.png`);
          assert.deepEqual(problems, []);
        }
      } finally {
        await b.close();
      }
    }
  });
}

// ---------------------------------------------------------------------------------
// What each tab teaches (issue 10, item 7) and labels that never overlap (item 5).

test('streaming opens on a stream that rescales: a block with e^(m_old − m) < 1 within the first steps, highlighted', async () => {
  const { page, problems } = await open('mode=stream');
  const cfg = await page.evaluate(() => {
    const c = window.explore.lastResult.config;
    return { ...c, keys: Array.from(c.keys), values: Array.from(c.values), query: Array.from(c.query) };
  });
  const blocks = core.stream(cfg).blocks;
  const first = blocks.findIndex((b, i) => i > 0 && b.rescale < 1);
  assert.ok(first >= 1 && first <= 2, `the default stream rescales at block ${first} (rescales: ${blocks.map((b) => b.rescale)})`);
  assert.match(await page.$eval('#panel-stream .x-intro', (p) => p.textContent), /Notice:.*rescale|Notice:.*multiplied/s);
  for (let step = 1; step <= first + 1; step++) {
    await page.click('#stream-step');
    await frames(page);
  }
  const row = await page.$eval(`#stream-rows tr[data-block="${first}"]`, (tr) => ({
    rescale: Number(tr.dataset.rescale), cell: tr.querySelector('td.is-rescale')?.textContent ?? null }));
  assert.equal(row.rescale, blocks[first].rescale);
  assert.ok(row.cell?.includes(blocks[first].rescale.toFixed(4)), `the rescale cell is highlighted: ${row.cell}`);
  // Earlier rows that did not rescale are not highlighted.
  assert.equal(await page.$$eval('#stream-rows td.is-rescale', (tds) => tds.length), blocks.slice(1, first + 1).filter((b) => b.rescale < 1).length);
  const note = await page.$eval('#stream-note', (p) => ({ cls: p.className, text: p.textContent, rescale: Number(p.dataset.rescale) }));
  assert.match(note.cls, /is-rescale/);
  assert.equal(note.rescale, blocks[first].rescale);
  assert.match(note.text, new RegExp(`raised the running max .* = ${blocks[first].rescale.toFixed(4)}`));
  // The plot calls the factor out too.
  const texts = (await page.evaluate(() => window.explore.labelBoxes()))['stream-plot'].map((b) => b.text);
  assert.ok(texts.some((t) => t.includes(`× ${blocks[first].rescale.toFixed(3)}`)), texts.join(' | '));
  assert.deepEqual(problems, []);
});

test('heads: hovering, tapping or arrowing to a cell reads out the core\'s weight next to its map', async () => {
  const { page, problems } = await open('mode=heads');
  const cfg = await page.evaluate(() => window.explore.lastResult.config);
  const mine = core.selfAttention(cfg);
  const m = cfg.tokens.length;
  const show = (w) => (Math.abs(w) >= 1e-3 || w === 0 ? w.toFixed(4) : w.toExponential(2));
  // Axes and titles: each map says its head, its K/V head and what rows and columns are.
  const titles = await page.$$eval('#heads-maps .x-head-title', (ts) => ts.map((t) => t.textContent));
  assert.deepEqual(titles, mine.heads.map((h, i) => `head ${i} · K/V head ${h.kvHead}`));
  assert.match(await page.$eval('#heads-maps figcaption', (f) => f.textContent), /rows: query i · columns: key j/);
  const ticks = (await page.evaluate(() => window.explore.labelBoxes()))['heads-map-1'].map((b) => b.text);
  for (let i = 0; i < m; i++) assert.ok(ticks.filter((t) => t === String(i)).length === 2, `index ${i} on both axes`);
  const readout = (h) => page.$eval(`#heads-readout-${h}`, (o) => ({ text: o.textContent, ...o.dataset }));
  const cellCentre = (h, i, j) => page.$eval(`#heads-map-${h}`, (c, [i, j, m]) => {
    c.scrollIntoView({ block: 'center' });
    const r = c.getBoundingClientRect(), pad = 20, cell = (Math.min(c.clientWidth, c.clientHeight) - pad - 2) / m;
    return [r.left + c.clientLeft + pad + (j + 0.5) * cell, r.top + c.clientTop + pad + (i + 0.5) * cell];
  }, [i, j, m]);
  // Hover head 1, cell (2, 3).
  const [x, y] = await cellCentre(1, 2, 3);
  await page.mouse.move(x, y);
  await frames(page);
  let r = await readout(1);
  const w13 = mine.heads[1].weights[2 * m + 3];
  assert.equal(Number(r.value), w13);
  assert.equal(r.text, `A[2,3] = ${show(w13)}`);
  assert.equal((await readout(0)).text, 'hover or tap a cell');
  // Tap it: the readout stays when the pointer leaves.
  await page.mouse.click(x, y);
  await page.mouse.move(1, 1);
  await frames(page);
  r = await readout(1);
  assert.equal(Number(r.value), w13);
  // Keyboard: focus head 0's map; the arrows walk its cells.
  await page.focus('#heads-map-0');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  await frames(page);
  r = await readout(0);
  assert.equal(`${r.i},${r.j}`, '0,1');
  assert.equal(Number(r.value), mine.heads[0].weights[1]);
  assert.equal((await readout(1)).text, 'hover or tap a cell');
  await page.keyboard.press('Escape');
  await frames(page);
  assert.equal((await readout(0)).text, 'hover or tap a cell');
  assert.deepEqual(problems, []);
});

test('self-attention: with 16 tokens, the hovered token is labelled with its q, k, v and o', async () => {
  const { page, problems } = await open('mode=self&m=16');
  const labelled = async () => (await page.evaluate(() => window.explore.labelBoxes()))['self-plot'].map((b) => b.text);
  const before = await labelled();
  assert.ok(!before.some((t) => /^[qkvo]\d+$/.test(t)), `no q/k/v/o labels for 16 tokens until one is pointed at: ${before}`);
  // Token 13 sits in the crowd near the middle.
  const tokens = await page.evaluate(() => window.explore.lastResult.config.tokens);
  const plot = await page.$eval('#self-plot', (c) => {
    const r = c.getBoundingClientRect();
    const [cx, cy, ppu] = c.dataset.view.split(',').map(Number);
    return { left: r.left + c.clientLeft, top: r.top + c.clientTop, cx, cy, ppu };
  });
  const t = tokens[13];
  await page.mouse.move(plot.left + plot.cx + t[0] * plot.ppu, plot.top + plot.cy - t[1] * plot.ppu);
  await frames(page);
  const after = await labelled();
  for (const name of ['13', 'q13', 'k13', 'v13', 'o13']) assert.ok(after.includes(name), `${name} in ${after.join(' ')}`);
  assert.deepEqual(problems, []);
});

const meet = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
for (const viewport of [{ width: 390, height: 844 }, { width: 1366, height: 768 }]) {
  test(`no two labels overlap on any canvas of any tab (${viewport.width}×${viewport.height})`, async () => {
    const b = await launch({ viewport });
    try {
      for (const hash of ['mode=self', 'mode=self&m=16', 'mode=self&m=16&mask=causal', 'mode=heads&m=16&h=8&kv=2',
        'mode=heads', 'mode=dim', 'mode=dim&d=1024&n=16', 'mode=stream&step=2', 'mode=stream&sn=64&block=8&step=3',
        'mode=cross', 'mode=cross&cm=8&cn=12', 'mode=sparse', 'mode=sparse&spn=32&preset=strided', 'mode=paged',
        'mode=paged&pbs=1&pna=24&pnb=16&ppre=12&pstep=40', 'mode=mla', 'mode=mla&mm=12&mdm=8&mrank=7&mrope=8']) {
        const { page, problems } = await openPlayground(b.context, new URL(`explore.html#${hash}`, srv.url).href);
        await frames(page);
        if (hash.startsWith('mode=dim')) {
          await page.waitForFunction(() => document.getElementById('dim-sweep').dataset.done === '1', null, { timeout: 90000 });
          await frames(page);
        }
        if (hash.startsWith('mode=self&m=16')) {
          // Point at a token in the crowd: its labels join the others.
          const at = await page.$eval('#self-plot', (c) => {
            const r = c.getBoundingClientRect();
            const [cx, cy, ppu] = c.dataset.view.split(',').map(Number);
            const [x, y] = window.explore.lastResult.config.tokens[5];
            return [r.left + c.clientLeft + cx + x * ppu, r.top + c.clientTop + cy - y * ppu];
          });
          await page.mouse.move(...at);
          await frames(page);
        }
        const all = await page.evaluate(() => window.explore.labelBoxes());
        const ids = Object.keys(all);
        assert.ok(ids.length > 0, `${hash}: canvases`);
        for (const [id, boxes] of Object.entries(all)) {
          assert.ok(boxes.length > 0, `${hash} ${id}: has labels`);
          for (let i = 0; i < boxes.length; i++) {
            for (let j = i + 1; j < boxes.length; j++) {
              assert.ok(!meet(boxes[i], boxes[j]), `${hash} ${viewport.width}px ${id}: "${boxes[i].text}" meets "${boxes[j].text}"`);
            }
          }
        }
        assert.deepEqual(problems, []);
      }
    } finally {
      await b.close();
    }
  });
}

// ---- the rest of the glossary: cross-attention, sparse patterns, paged KV cache, MLA ----

test('cross-attention: the m × n weights are the core\'s and the CLI\'s for a short target over a longer source', async () => {
  const { page, problems } = await open('mode=cross&cm=3&cn=7&cseed=9');
  const { config } = await page.evaluate(() => window.explore.lastResult);
  assert.equal(config.tokens.length, 3);
  assert.equal(config.source.length, 7);
  const mine = core.crossAttention(config);
  const exp = cli({ mode: 'cross', tokens: f32(config.tokens), source: f32(config.source), wq: f32(config.wq),
    wk: f32(config.wk), wv: f32(config.wv) });
  const weights = (await page.$eval('#cross-heatmap', (c) => c.dataset.weights)).split(',').map(Number);
  assert.equal(weights.length, 21);
  weights.forEach((w, k) => {
    assert.equal(w, mine.weights[k], `A[${Math.floor(k / 7)},${k % 7}] == core`);
    near(w, exp.weights[Math.floor(k / 7)][k % 7], `A[${Math.floor(k / 7)},${k % 7}] vs CLI`);
  });
  assert.match(await page.$eval('#cross-shape', (e) => e.textContent), /3 × 7/);
  assert.match(await page.$eval('#panel-cross .x-intro', (e) => e.textContent), /Notice:/);
  assert.deepEqual(problems, []);
});

test('sparse patterns: presets set the pattern; the grid and compute saved are the core\'s and the CLI\'s', async () => {
  const { page, problems } = await open('mode=sparse');
  const state = await page.evaluate(() => window.explore.getState());
  assert.equal(state.preset, 'global', 'the default preset is global + local');
  for (const [preset, w, s, g] of [['local', 3, 0, 0], ['strided', 2, 4, 0], ['global', 2, 0, 1]]) {
    await page.selectOption('#sparse-preset', preset);
    await frames(page);
    const st = await page.evaluate(() => window.explore.getState());
    assert.deepEqual([st.spw, st.sps, st.spg], [w, s, g], `${preset}: w, s, globals`);
    const { config } = await page.evaluate(() => window.explore.lastResult);
    const mine = core.attentionMatrix(config);
    const exp = cli({ mode: 'matrix', queries: f32(config.queries), keys: f32(config.keys), values: f32(config.values), mask: config.mask });
    assert.equal(await page.$eval('#sparse-pattern', (c) => c.dataset.masked), Array.from(mine.masked).join(''), `${preset}: grid`);
    assert.equal(Array.from(mine.masked).join(''), exp.masked.flat().join(''), `${preset}: core vs CLI grid`);
    const fraction = await page.$eval('#sparse-computed', (e) => Number(e.dataset.value));
    assert.equal(fraction, mine.computedFraction);
    assert.equal(fraction, exp.computed_fraction);
    assert.ok(fraction < 0.5, `${preset}: saves compute (${fraction})`);
    const weights = (await page.$eval('#sparse-weights', (c) => c.dataset.weights)).split(',').map(Number);
    weights.forEach((x, k) => near(x, exp.weights[Math.floor(k / 16)][k % 16], `${preset} A[${k}]`));
    await urlMatches(page, preset === 'global' ? /^(?!.*preset=)/ : new RegExp(`preset=${preset}`));
  }
  // Editing w by hand makes the preset custom.
  await page.fill('#sparse-w', '5');
  await page.press('#sparse-w', 'Enter');
  await frames(page);
  assert.equal((await page.evaluate(() => window.explore.getState())).preset, 'custom');
  // A bad value is a named notice.
  const bad = await open('mode=sparse&spw=0');
  assert.ok((await noticeTexts(bad.page)).some((t) => /spw/.test(t)));
  assert.deepEqual(problems, []);
});

test('paged KV: stepping fills blocks through the block table; B shares A\'s prefix; tables match the CLI', async () => {
  const first = await open('mode=paged');
  assert.equal((await first.page.evaluate(() => window.explore.getState())).pstep, 0, 'the paged tab starts at step 0');
  assert.equal(await first.page.$eval('#paged-progress', (e) => e.textContent), '0 / 15 steps');
  assert.deepEqual(first.problems, []);
  const { page, problems } = await open('mode=paged&pstep=12');
  const st = await page.evaluate(() => window.explore.getState());
  assert.equal(st.pstep, 12, 'step 12 shows B sharing A\'s prefix');
  const check = async (where) => {
    const { config, result } = await page.evaluate(() => {
      const r = window.explore.lastResult;
      return { config: r.config, result: { ...r.result,
        sequences: r.result.sequences.map((q) => ({ length: q.length, blockTable: Array.from(q.blockTable) })) } };
    });
    const exp = cli({ mode: 'paged', block_size: config.blockSize, keys: f32(config.keys), values: f32(config.values),
      shared_prefix: config.sharedPrefix, steps: config.steps,
      ...(config.keysB ? { keys_b: f32(config.keysB), values_b: f32(config.valuesB) } : {}) });
    assert.deepEqual(result.sequences.map((q) => ({ length: q.length, block_table: q.blockTable })), exp.sequences, `${where}: tables`);
    const tables = await page.$$eval('#paged-tables [data-seq]', (ds) => ds.map((d) => d.dataset.table));
    assert.deepEqual(tables, exp.sequences.map((q) => q.block_table.join(',')), `${where}: shown tables`);
    assert.equal(await page.$eval('#paged-pool', (c) => c.dataset.blocks), exp.blocks.map((b) => `${b.ref_count}:${b.filled}`).join(','));
    for (const [id, key] of [['paged-used', 'blocks_used'], ['paged-wasted', 'wasted_slots'], ['paged-unshared', 'blocks_without_sharing'], ['paged-saved', 'blocks_saved']]) {
      assert.equal(await page.$eval(`#${id}`, (e) => Number(e.dataset.value)), exp[key], `${where}: ${key}`);
    }
    const diff = await page.$eval('#paged-diff', (e) => Number(e.dataset.value));
    assert.ok(diff <= 1e-6, `${where}: paged equals contiguous (${diff})`);
    return exp;
  };
  const at12 = await check('step 12');
  assert.equal(at12.forked, true);
  assert.ok(at12.blocks_saved >= 1, 'sharing the prefix saves a block');
  assert.equal(at12.sequences[0].block_table[0], at12.sequences[1].block_table[0], 'A and B share block 0');
  await page.click('#paged-reset');
  await frames(page);
  for (let k = 1; k <= 7; k++) {
    await page.click('#paged-step');
    await frames(page);
  }
  const at7 = await check('step 7');
  assert.equal(at7.steps, 7);
  await urlMatches(page, /pstep=7/);
  assert.deepEqual(problems, []);
});

test('MLA: the rank slider changes the cache and the drift; full rank equals MHA; numbers match the CLI', async () => {
  const { page, problems } = await open('mode=mla');
  const readCache = () => page.$eval('#mla-cache', (c) => JSON.parse(c.dataset.cache));
  const { config } = await page.evaluate(() => window.explore.lastResult);
  const exp = cli({ mode: 'mla', tokens: f32(config.tokens), wq: config.wq.map(f32), wk: config.wk.map(f32), wv: config.wv.map(f32),
    rank: config.rank, rope_dim: config.ropeDim, kv_heads: config.kvHeads, scale: config.scale });
  assert.deepEqual(await readCache(), exp.cache);
  const st = await page.evaluate(() => window.explore.getState());
  assert.ok(exp.cache.mla < exp.cache.mqa, 'the default rank caches less than MQA');
  const drift = (await page.$eval('#mla-drift', (c) => c.dataset.maxWeightDiff)).split(',').map(Number);
  drift.forEach((d, i) => near(d, exp.drift_by_rank[i].max_weight_diff, `drift at r = ${i + 1}`, 1e-3, 1e-5));
  assert.ok(drift[st.mdm - 1] < 1e-5, 'full rank: MLA equals MHA');
  assert.ok(drift[0] > 0.01, 'rank 1 drifts');
  near(await page.$eval('#mla-diff', (e) => Number(e.dataset.value)), exp.drift.max_weight_diff, 'drift at r', 1e-3, 1e-5);
  await page.$eval('#mla-rank', (el) => { el.value = String(el.max); el.dispatchEvent(new Event('input', { bubbles: true })); });
  await frames(page);
  assert.equal((await page.evaluate(() => window.explore.getState())).mrank, st.mdm);
  assert.ok(await page.$eval('#mla-diff', (e) => Number(e.dataset.value)) < 1e-5);
  assert.equal((await readCache()).mla, config.tokens.length * st.mdm);
  await urlMatches(page, /mrank=8/);
  assert.deepEqual(problems, []);
});
