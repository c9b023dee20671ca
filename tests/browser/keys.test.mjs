// Keys: the nearest key wins (largest blue offset, highlighted row); keys can be
// added (click empty space), dragged and removed (double-click, Delete).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPlayground, worldToPage, readWeightRows, attendForState, frames, canvasPixels, worldToCanvas } from './helpers.mjs';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await srv?.close(); });

function wrap(a) {
  while (a > Math.PI) a -= 2 * Math.PI;
  while (a < -Math.PI) a += 2 * Math.PI;
  return a;
}

/** Canvas pixel (RGBA) at a world point. */
async function pixelAt(page, x, y) {
  return (await canvasPixels(page, [await worldToCanvas(page, x, y)]))[0];
}

function cssColor(page, name) {
  return page.evaluate((name) => {
    const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    const m = /^#([0-9a-f]{6})$/i.exec(v);
    return [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16));
  }, name);
}

const close = (a, b, tol = 40) => a.slice(0, 3).every((v, i) => Math.abs(v - b[i]) <= tol);

for (const [label, angleDeg, n, layout] of [['even 8 keys', 100, 8, 'even'], ['random 13 keys', -140, 13, 'random']]) {
  test(`nearest key has the largest blue offset and the highlighted row (${label})`, async () => {
    const { page, problems } = await openPlayground(browser.context, srv.url);
    const a = angleDeg * Math.PI / 180;
    // |q| = 0.8: the query's dot inside the circle, clear of the blue dots (a blue dot the query's dot
    // would cover is drawn beside it, not at key + weight)
    await page.evaluate(([a, n, layout]) => window.playground.setState({
      n, layout, seed: 5, query: [0.8 * Math.cos(a), 0.8 * Math.sin(a)],
    }), [a, n, layout]);
    await frames(page);
    const { weights, state } = await attendForState(page);
    let nearest = -1, best = Infinity;
    state.keys.forEach(([x, y], i) => {
      const d = Math.abs(wrap(Math.atan2(y, x) - a));
      if (d < best) { best = d; nearest = i; }
    });
    const maxW = Math.max(...weights);
    assert.equal(weights[nearest], maxW, 'the nearest key has the largest weight');
    const rows = await readWeightRows(page);
    assert.deepEqual(rows.filter((r) => r.argmax).map((r) => r.index), [nearest]);
    // the blue dot of that key is drawn at key + weight × (unit radial) — check the pixel
    const [kx, ky] = state.keys[nearest];
    const len = Math.hypot(kx, ky);
    const blue = await cssColor(page, '--weight');
    const px = await pixelAt(page, kx / len * (1 + maxW), ky / len * (1 + maxW));
    assert.ok(close(px, blue), `pixel ${px} is the weight colour ${blue}`);
    // and every other key's blue offset is shorter
    for (let i = 0; i < weights.length; i++) if (i !== nearest) assert.ok(weights[i] < maxW);
    assert.deepEqual(problems, []);
  });
}

test('hovering a key highlights its row and hovering a row highlights the key', async () => {
  const { page } = await openPlayground(browser.context, srv.url);
  const s = await page.evaluate(() => window.playground.getState());
  const [x, y] = await worldToPage(page, s.keys[2][0], s.keys[2][1]);
  await page.mouse.move(x, y);
  await frames(page);
  assert.equal(await page.$eval('#weight-list tr.is-hover', (r) => r.dataset.keyIndex), '2');
  await page.hover('#weight-list tr[data-key-index="5"]');
  await frames(page);
  assert.equal(await page.evaluate(() => window.playground.getState().hovered), 5);
  assert.equal(await page.$eval('#weight-list tr.is-hover', (r) => r.dataset.keyIndex), '5');
});

test('add (click empty space), drag and remove a key', async () => {
  const { page, problems } = await openPlayground(browser.context, srv.url);
  const s0 = await page.evaluate(() => window.playground.getState());
  assert.equal(s0.n, 8);

  // add: click empty space at 200° → a new key on the circle there (normalised)
  const a = 200 * Math.PI / 180;
  const [cx, cy] = await worldToPage(page, 1.5 * Math.cos(a), 1.5 * Math.sin(a));
  await page.mouse.click(cx, cy);
  await frames(page);
  const s1 = await page.evaluate(() => window.playground.getState());
  assert.equal(s1.n, 9);
  const added = s1.keys[8];
  assert.ok(Math.abs(wrap(Math.atan2(added[1], added[0]) - a)) < 0.02);
  assert.ok(Math.abs(Math.hypot(...added) - 1) < 1e-4, 'on the unit circle (keys are kept to 4 decimals)');
  let rows = await readWeightRows(page);
  assert.equal(rows.length, 9);
  let exp = await attendForState(page);
  rows.forEach((r) => assert.ok(Math.abs(r.weight - exp.weights[r.index]) < 1e-7));

  // drag key 0 (at 0°) to 50°, next to the query: it must take the largest weight
  const [k0x, k0y] = await worldToPage(page, 1, 0);
  const b = 50 * Math.PI / 180;
  const [tx, ty] = await worldToPage(page, Math.cos(b), Math.sin(b));
  await page.mouse.move(k0x, k0y);
  await page.mouse.down();
  await page.mouse.move(tx, ty, { steps: 8 });
  await page.mouse.up();
  await frames(page);
  const s2 = await page.evaluate(() => window.playground.getState());
  assert.equal(s2.n, 9);
  assert.ok(Math.abs(Math.atan2(s2.keys[0][1], s2.keys[0][0]) - b) < 0.02);
  exp = await attendForState(page);
  assert.equal(exp.argmax, 0);
  rows = await readWeightRows(page);
  rows.forEach((r) => assert.ok(Math.abs(r.weight - exp.weights[r.index]) < 1e-7));
  assert.ok(rows[0].argmax);

  // remove by double-click on key 8 (the one we added)
  const [dx, dy] = await worldToPage(page, added[0], added[1]);
  await page.mouse.dblclick(dx, dy);
  await frames(page);
  const s3 = await page.evaluate(() => window.playground.getState());
  assert.equal(s3.n, 8);
  assert.equal((await readWeightRows(page)).length, 8);

  // remove by selecting (click) and pressing Delete
  const [ex, ey] = await worldToPage(page, s3.keys[4][0], s3.keys[4][1]);
  await page.mouse.click(ex, ey);
  await page.waitForTimeout(450); // not a double-click
  assert.equal(await page.evaluate(() => window.playground.getState().selected), 4);
  await page.keyboard.press('Delete');
  await frames(page);
  const s4 = await page.evaluate(() => window.playground.getState());
  assert.equal(s4.n, 7);
  exp = await attendForState(page);
  rows = await readWeightRows(page);
  assert.equal(rows.length, 7);
  const sum = exp.weights.reduce((p, w) => p + w, 0);
  assert.ok(Math.abs(sum - 1) < 1e-5);
  rows.forEach((r) => assert.ok(Math.abs(r.weight - exp.weights[r.index]) < 1e-7));
  assert.deepEqual(problems, []);
});

test('with normalisation off, a long key grabs attention', async () => {
  const { page } = await openPlayground(browser.context, srv.url);
  await page.click('[data-preset="longkey"]');
  await frames(page);
  const { state, argmax } = await attendForState(page);
  assert.equal(state.normalizeKeys, false);
  const q = Math.atan2(state.query[1], state.query[0]);
  const angularNearest = state.keys
    .map(([x, y], i) => [Math.abs(wrap(Math.atan2(y, x) - q)), i]).sort((u, v) => u[0] - v[0])[0][1];
  const longest = state.keys.map(([x, y], i) => [Math.hypot(x, y), i]).sort((u, v) => v[0] - u[0])[0][1];
  assert.notEqual(angularNearest, longest);
  assert.equal(argmax, longest);
});

// Keys the user edited are kept (and linked) to 4 decimals.
function assertKeysClose(a, b) {
  assert.equal(a.length, b.length);
  a.forEach((k, i) => assert.ok(Math.abs(k[0] - b[i][0]) <= 5e-5 && Math.abs(k[1] - b[i][1]) <= 5e-5, `key ${i}: ${k} vs ${b[i]}`));
}

test('long-press on a key (touch) and Delete on a focused row remove keys', async () => {
  const { page, problems } = await openPlayground(browser.context, srv.url);
  const cdp = await browser.context.newCDPSession(page);
  const s0 = await page.evaluate(() => window.playground.getState());
  const [x, y] = await worldToPage(page, s0.keys[5][0], s0.keys[5][1]);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
  await page.waitForTimeout(800);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await frames(page);
  const s1 = await page.evaluate(() => window.playground.getState());
  assert.equal(s1.n, s0.n - 1);
  assertKeysClose(s1.keys, s0.keys.filter((_, i) => i !== 5));

  await page.focus('#weight-list tr[data-key-index="0"]');
  await page.keyboard.press('Delete');
  await frames(page);
  const s2 = await page.evaluate(() => window.playground.getState());
  assert.equal(s2.n, s0.n - 2);
  const exp = await attendForState(page);
  const rows = await readWeightRows(page);
  assert.equal(rows.length, s2.n);
  rows.forEach((r) => assert.ok(Math.abs(r.weight - exp.weights[r.index]) < 1e-7));
  assert.deepEqual(problems, []);
});
