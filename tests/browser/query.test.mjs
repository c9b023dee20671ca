// Moving the query with a mouse, a finger and the keyboard; the weight display
// must then show exactly what core.attend gives for the new state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { queryRadius } from '../../web/js/plot/geometry.js';
import { serve, launch, openPlayground, worldToPage, readWeightRows, attendForState, frames } from './helpers.mjs';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch({ hasTouch: true }); });
after(async () => { await browser?.close(); await srv?.close(); });

const angleOf = ([x, y]) => Math.atan2(y, x);

/** The list, the stats and the core agree for the current state. */
async function assertDisplayMatchesCore(page) {
  await frames(page);
  const expected = await attendForState(page);
  const rows = await readWeightRows(page);
  assert.equal(rows.length, expected.weights.length);
  for (const r of rows) {
    assert.ok(Math.abs(r.weight - expected.weights[r.index]) < 1e-7, `weight of key ${r.index}`);
    assert.ok(Math.abs(r.logit - expected.logits[r.index]) < 1e-6, `logit of key ${r.index}`);
    assert.equal(r.text, expected.weights[r.index].toFixed(3));
    assert.equal(r.argmax, r.index === expected.argmax, `argmax highlight on key ${r.index}`);
  }
  const kappa = await page.$eval('#stat-kappa', (el) => Number(el.dataset.value));
  const s = expected.state;
  assert.ok(Math.abs(kappa - Math.hypot(...s.query) * s.scale) < 1e-9);
  return expected;
}

test('mouse drag moves the query and the weights follow', async () => {
  const { page, problems } = await openPlayground(browser.context, srv.url);
  const before = await page.evaluate(() => window.playground.getState());
  const [qx, qy] = await worldToPage(page, before.query[0], before.query[1]);
  const target = [-1.2, 0.4];
  const [tx, ty] = await worldToPage(page, target[0], target[1]);
  await page.mouse.move(qx, qy);
  await page.mouse.down();
  await page.mouse.move(tx, ty, { steps: 12 });
  await page.mouse.up();
  const after = await page.evaluate(() => window.playground.getState());
  assert.ok(Math.hypot(after.query[0] - target[0], after.query[1] - target[1]) < 0.03, `query at ${after.query}`);
  const expected = await assertDisplayMatchesCore(page);
  // the query now points between keys 3 (135°) and 4 (180°): key 4 (162° away from 0) wins
  assert.equal(expected.argmax, 4);
  assert.deepEqual(problems, []);
});

test('touch drag moves the query (CDP touch events)', async () => {
  const { page, problems } = await openPlayground(browser.context, srv.url);
  const cdp = await browser.context.newCDPSession(page);
  const before = await page.evaluate(() => window.playground.getState());
  const [qx, qy] = await worldToPage(page, before.query[0], before.query[1]);
  const target = [0.3, -1.1];
  const [tx, ty] = await worldToPage(page, target[0], target[1]);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: qx, y: qy }] });
  for (let i = 1; i <= 10; i++) {
    const f = i / 10;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: qx + (tx - qx) * f, y: qy + (ty - qy) * f }] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await frames(page);
  const after = await page.evaluate(() => window.playground.getState());
  assert.ok(Math.hypot(after.query[0] - target[0], after.query[1] - target[1]) < 0.03, `query at ${after.query}`);
  assert.equal(after.n, before.n, 'a drag adds no key');
  const expected = await assertDisplayMatchesCore(page);
  assert.equal(expected.argmax, 6); // -75°: nearest key is 6 at -90°
  assert.deepEqual(problems, []);
});

test('keyboard rotates and lengthens the query', async () => {
  const { page, problems } = await openPlayground(browser.context, srv.url);
  await page.focus('#plot');
  const s0 = await page.evaluate(() => window.playground.getState());
  await page.keyboard.press('ArrowLeft');   // +5° (counter-clockwise)
  await page.keyboard.press('ArrowLeft');
  const s1 = await page.evaluate(() => window.playground.getState());
  const dA = (angleOf(s1.query) - angleOf(s0.query)) * 180 / Math.PI;
  // the query is kept to 4 decimals, so angles are exact to about 0.005°
  assert.ok(Math.abs(dA - 10) < 0.01, `rotated by ${dA}°`);
  await page.keyboard.press('ArrowRight');
  const s2 = await page.evaluate(() => window.playground.getState());
  assert.ok(Math.abs((angleOf(s2.query) - angleOf(s0.query)) * 180 / Math.PI - 5) < 0.01);
  const r0 = Math.hypot(...s2.query);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('-');
  const s3 = await page.evaluate(() => window.playground.getState());
  assert.ok(Math.abs(Math.hypot(...s3.query) - (r0 - 0.2)) < 1e-3);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('+');
  await page.keyboard.press('+');
  const s4 = await page.evaluate(() => window.playground.getState());
  // steps are even on screen: 0.1 of |q| up to 1.5, and the same distance on the log scale beyond
  assert.ok(Math.abs(queryRadius(Math.hypot(...s4.query)) - (r0 + 0.1)) < 1e-3, `|q| = ${Math.hypot(...s4.query)}`);
  assert.ok(Math.hypot(...s4.query) > r0 + 0.1);
  await assertDisplayMatchesCore(page);
  assert.deepEqual(problems, []);
});

test('a burst of pointer moves costs one core call and one draw per frame', async () => {
  const { page, problems } = await openPlayground(browser.context, srv.url);
  const counts = await page.evaluate(async () => {
    const pg = window.playground;
    const canvas = document.getElementById('plot');
    const rect = canvas.getBoundingClientRect();
    const s = pg.getState();
    const [qx, qy] = pg.plot.toScreen(s.query[0], s.query[1]);
    const fire = (type, x, y) => canvas.dispatchEvent(new PointerEvent(type, {
      pointerId: 7, pointerType: 'mouse', isPrimary: true, button: 0, buttons: type === 'pointerup' ? 0 : 1,
      clientX: rect.left + x, clientY: rect.top + y, bubbles: true, cancelable: true,
    }));
    await new Promise((r) => requestAnimationFrame(() => r()));
    let calls = 0;
    const attend = pg.core.attend.bind(pg.core);
    pg.core.attend = (args) => { calls++; return attend(args); };
    fire('pointerdown', qx, qy);
    for (let i = 1; i <= 25; i++) fire('pointermove', qx - 4 * i, qy + 2 * i);
    const during = calls;
    await new Promise((r) => requestAnimationFrame(() => r()));
    await new Promise((r) => setTimeout(r, 0));
    const afterFrame = calls;
    fire('pointerup', qx - 100, qy + 50);
    delete pg.core.attend;
    return { during, afterFrame, moved: pg.getState().query };
  });
  assert.equal(counts.during, 0, 'no core call inside the event handlers');
  assert.equal(counts.afterFrame, 1, 'one core call for the whole burst');
  assert.deepEqual(problems, []);
});
