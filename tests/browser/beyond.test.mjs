// Beyond softmax on the plot (issue #12's page parts): RoPE's turned keys and query, favor+,
// the strip's curve for every normaliser, the "compare with softmax" rings, the sink's bar,
// the sliders that appear next to the plot, and the same options as element attributes.
// Every number checked against the core itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch, serve, openPlayground, frames, webRoot } from './helpers.mjs';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch({ viewport: { width: 1366, height: 768 } }); });
after(async () => { await browser?.close(); await srv?.close(); });

test('RoPE: the plot draws the keys and query the core turned, the handles stay where the keys are', async () => {
  const { page, problems } = await openPlayground(browser.context, `${srv.url}#v=1&rope=1&ropeTheta=0.6&queryPosition=5&query=3,0&n=8`);
  const r = await page.evaluate(() => {
    const pg = window.playground, s = pg.getState(), sc = pg.scene;
    const want = pg.core.attend({ query: s.query, keys: s.keys, values: s.values, scale: s.scale,
      normalizeKeys: s.normalizeKeys, rope: { theta: 0.6, queryPosition: 5 } });
    const labels = pg.plot.labels.boxes.map((b) => b.text);
    return { w: Array.from(sc.weights.byKey), want: Array.from(want.weights), keyPos: Array.from(sc.keys.positions),
      rot: Array.from(want.rotatedKeys), raw: Array.from(sc.rope.givenKeys), keys: s.keys.flat(),
      rq: sc.rope.turnedQuery, wantRq: Array.from(want.rotatedQuery), labels,
      hit: (() => {
        const [x, y] = pg.plot.toScreen(sc.rope.givenKeys[6], sc.rope.givenKeys[7]);
        return pg.hitTest(x, y);
      })(),
      quick: !document.querySelector('[data-quick="queryPosition"]').hidden };
  });
  assert.deepEqual(r.w, r.want);
  assert.deepEqual(r.keyPos, r.rot, 'green dots are the turned keys');
  assert.deepEqual(r.rq, r.wantRq);
  for (let i = 0; i < r.keys.length; i++) assert.ok(Math.abs(r.raw[i] - r.keys[i]) < 1e-6, 'rings are the keys as given');
  assert.deepEqual(r.hit, { type: 'key', index: 3 }, 'the raw key is the handle');
  assert.ok(r.labels.some((t) => t.startsWith('RoPE: key i turns i·θ, q turns 5·θ')), r.labels.join(' | '));
  assert.ok(r.quick, 'the query position slider sits next to the plot while RoPE is on');
  // Shifting every position by the same amount changes no weight: positions 0…7 with the
  // query at 5 equal the core's weights with every position moved by 3.
  const shifted = await page.evaluate(() => {
    const pg = window.playground, s = pg.getState();
    return Array.from(pg.core.attend({ query: s.query, keys: s.keys, normalizeKeys: true,
      rope: { theta: 0.6, positions: [3, 4, 5, 6, 7, 8, 9, 10], queryPosition: 8 } }).weights);
  });
  shifted.forEach((w, i) => assert.ok(Math.abs(w - r.w[i]) < 1e-5, `key ${i}`));
  // The query position slider next to the plot moves the largest weight.
  await page.evaluate(() => window.playground.setState({ queryPosition: 2 }));
  await frames(page);
  const argmax = await page.evaluate(() => window.playground.scene.weights.argmax);
  assert.notEqual(argmax, -1);
  await page.evaluate(() => window.playground.setState({ rope: false }));
  await frames(page);
  assert.equal(await page.evaluate(() => document.querySelector('[data-quick="queryPosition"]').hidden), true);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the strip curve passes through every unit key for entmax, the sink, elu+1 and favor+', async () => {
  const { page, problems } = await openPlayground(browser.context, `${srv.url}#v=1&n=12&layout=random&seed=3&query=2,1`);
  for (const patch of [{ alpha: 1.5 }, { alpha: 2, sinkOn: true, sink: 0.5 }, { alpha: 1, sinkOn: false, kernel: 'elu+1' }, { kernel: 'favor+', features: 32 }, { kernel: 'softmax', rope: true }]) {
    await page.evaluate((p) => window.playground.setState(p), patch);
    await frames(page);
    const r = await page.evaluate(() => {
      const sc = window.playground.scene;
      const out = [];
      for (let i = 0; i < sc.n; i++) {
        // the curve's value at the key's angle, by linear interpolation of the 361 samples
        const a = sc.keys.angles[i], c = sc.strip.curve, step = c.angles[1] - c.angles[0];
        const j = Math.min(c.angles.length - 2, Math.floor((a - c.angles[0]) / step));
        const f = (a - c.angles[j]) / step;
        out.push([sc.weights.byKey[i], c.y[j] * (1 - f) + c.y[j + 1] * f]);
      }
      return { out, problem: sc.problem };
    });
    assert.equal(r.problem, null);
    for (const [w, y] of r.out) assert.ok(Math.abs(w - y) < 0.02 * Math.max(w, 0.05), `${JSON.stringify(patch)}: ${w} vs ${y}`);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('compare with softmax draws the plain weights; the sink gets its own bar; α has a slider by the plot', async () => {
  const { page, problems } = await openPlayground(browser.context, `${srv.url}#v=1&alpha=2&compare=1&sinkOn=1&sink=1&query=2,1`);
  const r = await page.evaluate(() => {
    const pg = window.playground, s = pg.getState(), sc = pg.scene;
    const plain = pg.core.attend({ query: s.query, keys: s.keys, scale: s.scale, normalizeKeys: s.normalizeKeys });
    const labels = pg.plot.labels.boxes.map((b) => b.text);
    return { compare: Array.from(sc.weights.softmax), plain: Array.from(plain.weights), sink: sc.weights.sink, labels,
      gutter: pg.plot.sinkGutter, quickAlpha: !document.querySelector('[data-quick="alpha"]').hidden };
  });
  assert.deepEqual(r.compare, r.plain);
  assert.ok(r.labels.includes('○ softmax'), r.labels.join(' | '));
  assert.ok(r.labels.includes('sink') && r.labels.includes(r.sink.toFixed(2)), r.labels.join(' | '));
  assert.ok(r.gutter > 0);
  const sinkRow = await page.$eval('#weight-list tr.sink-row', (tr) => ({ weight: Number(tr.dataset.weight), text: tr.textContent }));
  assert.equal(sinkRow.weight, r.sink, 'the weight list has the sink as its last row');
  assert.match(sinkRow.text, /^sink/);
  assert.ok(r.quickAlpha, 'the α slider sits next to the plot once entmax is in use');
  assert.equal(await page.$eval('[data-quick="alpha"] output', (o) => o.textContent), '2 (sparsemax)', 'the slider names the normaliser');
  // sliding α back to 1 keeps the slider while the reader is using it (it has focus)
  await page.focus('[data-quick="alpha"] input');
  await page.evaluate(() => window.playground.setState({ alpha: 1 }));
  await frames(page);
  assert.equal(await page.evaluate(() => document.querySelector('[data-quick="alpha"]').hidden), false);
  await page.evaluate(() => { document.activeElement.blur(); window.playground.setState({ kernel: 'favor+' }); });
  await frames(page);
  assert.deepEqual(await page.evaluate(() => ['alpha', 'kernel', 'features'].map((k) => document.querySelector(`[data-quick="${k}"]`).hidden)),
    [true, false, false], 'α leaves once unused; the kernel and its features come in');
  // the κ ticks keep their labels
  const ticks = await page.evaluate(() => window.playground.plot.labels.boxes.map((b) => b.text).filter((t) => ['2', '10', '100', '1000'].includes(t)));
  assert.ok(ticks.length >= 2, ticks.join(','));
  assert.deepEqual(problems, []);
  await page.close();
});

test('the element takes the same options as attributes, from file://', async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  const html = `<!doctype html><meta charset="utf-8"><script src="${pathToFileURL(path.join(webRoot, 'generated', 'attention-plot.js')).href}"></script>
    <attention-plot id="p" rope query-position="3" rope-theta="0.4" kernel="favor+" features="8" compare controls="none" style="width:600px;height:420px"></attention-plot>`;
  const file = path.join(webRoot, 'generated', '_beyond-test.html');
  const { writeFile, rm } = await import('node:fs/promises');
  await writeFile(file, html);
  try {
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => document.getElementById('p')?.plot?.getWeights?.()?.length > 0, null, { timeout: 20000 });
    const r = await page.evaluate(() => {
      const plot = document.getElementById('p').plot, s = plot.getState();
      return { s: { rope: s.rope, queryPosition: s.queryPosition, ropeTheta: s.ropeTheta, kernel: s.kernel,
        features: s.features, compare: s.compare }, n: plot.getWeights().length };
    });
    assert.deepEqual(r.s, { rope: true, queryPosition: 3, ropeTheta: 0.4, kernel: 'favor+', features: 8, compare: true });
    assert.equal(r.n, 8);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await rm(file, { force: true });
  }
});
