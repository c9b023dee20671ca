// train.html ("Learn it live") as its users meet it: it learns visibly, the same link gives the
// same curve, a setting the core refuses keeps the run with a notice, the export is a valid
// .safetensors of the core's tensors, and on a phone the page scrolls and the buttons stay in view.
// (Loading with zero console errors over http and file:// is in frontend.test.mjs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { serve, launch, openPlayground } from './helpers.mjs';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch({ viewport: { width: 1366, height: 768 } }); });
after(async () => { await browser?.close(); await srv?.close(); });

const open = (hash = '') => openPlayground(browser.context, `${srv.url}train.html${hash}`);
const trainTo = async (page, step) => {
  await page.click('#t-play');
  await page.waitForFunction((n) => window.train.run.step >= n || !!window.train.run.error, step, { timeout: 120000 });
  await page.click('#t-play');
};

test('the default run learns the cycle untied, and the tied link stays far below it', async () => {
  const { page, problems } = await open('#v=1&until=800');
  assert.equal(await page.textContent('#t-play'), 'Train');
  await page.click('#t-play');
  await page.waitForFunction(() => window.train.run.step >= 800, null, { timeout: 120000 });
  await page.waitForTimeout(100);
  const untied = await page.evaluate(() => window.train.run.points.at(-1));
  assert.equal(untied.step, 800, 'training stops at the stop step');
  assert.ok(untied.heldAccuracy >= 0.95, `untied accuracy ${untied.heldAccuracy}`);
  assert.equal(await page.textContent('#t-play'), 'Train on');
  assert.equal(Number(await page.getAttribute('#t-steps', 'data-value')), 800);
  // the tied experiment link, in the folded list of experiments (same page: a hash change makes a new run)
  await page.click('.t-experiments summary');
  await page.click('a[data-experiment="tied"]');
  await page.waitForFunction(() => window.train.getState().tie === true && window.train.run.step === 0);
  await page.evaluate(() => window.train.setState({ until: 800 }));
  await trainTo(page, 800);
  const tied = await page.evaluate(() => window.train.run.points.at(-1));
  assert.ok(tied.heldAccuracy < untied.heldAccuracy - 0.3, `tied ${tied.heldAccuracy} vs untied ${untied.heldAccuracy}`);
  assert.match(await page.textContent('#t-why'), /Tied W_K = W_Q/);
  assert.deepEqual(problems, []);
});

test('the same link gives the same curve; another seed another', async () => {
  const curve = async (hash) => {
    // A fresh page each time: a hash change on a reused page could land after the first Step press.
    const page = await browser.context.newPage();
    await page.goto(`${srv.url}train.html${hash}`);
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    await page.click('#t-step');
    await page.click('#t-step');
    await page.waitForFunction(() => window.train.run.step === 50);
    const c = await page.evaluate(() => window.train.run.points.map((p) => [p.step, p.heldLoss, p.heldAccuracy]));
    await page.close();
    return c;
  };
  const a = await curve('#v=1&task=previous&seed=3'), b = await curve('#v=1&task=previous&seed=3');
  const c = await curve('#v=1&task=previous&seed=4');
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(a.map((p) => p[0]), [0, 25, 50]);
});

test('settings live in the URL, are checked against the table, and a refused one keeps the run', async () => {
  const { page, problems } = await open('#v=1&task=lookup&heads=3&dModel=16');
  const state = await page.evaluate(() => window.train.getState());
  assert.equal(state.task, 'lookup');
  assert.equal(state.heads, 2, 'heads 3 does not divide d_model 16: the schema uses 2');
  assert.match(await page.textContent('#notices'), /heads: 3 does not divide d_model = 16; using 2/);
  await page.waitForFunction(() => /heads=2/.test(location.hash));
  // batch 256 at d_model 128 with 2 heads passes the table but not the core's memory bound
  await page.evaluate(() => window.train.setState({ dModel: 128, batch: 256, size: 32 }));
  await page.waitForFunction(() => /Kept the previous settings/.test(document.getElementById('notices').textContent));
  const after = await page.evaluate(() => ({ s: window.train.getState(), info: window.train.run.info }));
  assert.equal(after.s.dModel, 16, 'the state went back to the run it kept');
  assert.equal(after.info.dModel, 16);
  assert.match(await page.textContent('#notices'), /^.*batch: of 256 sequences/s);
  assert.deepEqual(problems, []);
});

test('Export downloads the core\'s tensors as a valid .safetensors file', async () => {
  const { page } = await open('#v=1&task=previous&heads=2');
  await page.click('#t-step');
  await page.waitForFunction(() => window.train.run.step === 25);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#t-export')]);
  assert.equal(download.suggestedFilename(), 'attention-previous-step25.safetensors');
  const bytes = await readFile(await download.path());
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + n) % 8, 0, 'data 8-byte aligned');
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  const expected = await page.evaluate(() => window.train.run.trainer.tensors()
    .map((t) => ({ ...t, data: Array.from(t.data) })));
  assert.deepEqual(Object.keys(header).filter((k) => k !== '__metadata__'), expected.map((t) => t.name));
  assert.equal(header.__metadata__.step, '25');
  let end = 0;
  for (const t of expected) {
    const h = header[t.name];
    assert.equal(h.dtype, 'F32');
    assert.deepEqual(h.shape, t.shape);
    assert.equal(h.data_offsets[0], end, `${t.name} follows the previous tensor`);
    end = h.data_offsets[1];
    const from = bytes.byteOffset + 8 + n;
    const data = new Float32Array(bytes.buffer.slice(from + h.data_offsets[0], from + end));
    assert.deepEqual(Array.from(data), t.data);
  }
  assert.equal(8 + n + end, bytes.length, 'no trailing bytes');
});

test('on a phone: a swipe over a chart scrolls, the buttons stay on screen while training', async () => {
  const phone = await launch({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true,
    deviceScaleFactor: 2 });
  try {
    const { page, problems } = await openPlayground(phone.context, `${srv.url}train.html`);
    const cdp = await phone.context.newCDPSession(page);
    const tap = async (sel) => {
      const r = await page.evaluate((s) => document.querySelector(s).getBoundingClientRect().toJSON(), sel);
      const x = r.left + r.width / 2, y = r.top + r.height / 2;
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      await page.waitForTimeout(100);
    };
    await tap('#t-play');
    await page.waitForFunction(() => window.train.run.step > 100);
    const box = await page.evaluate(() => document.getElementById('t-curves').getBoundingClientRect().toJSON());
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: box.left + 100, y: box.top + 60 }] });
    for (let i = 1; i <= 8; i++) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: box.left + 100, y: box.top + 60 - 40 * i }] });
      await page.waitForTimeout(16);
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await page.waitForTimeout(300);
    const after = await page.evaluate(() => ({ y: scrollY, play: document.getElementById('t-play').getBoundingClientRect().toJSON(),
      readout: document.getElementById('t-steps').getBoundingClientRect().toJSON() }));
    assert.ok(after.y > 100, `the page scrolled (${after.y}px)`);
    assert.ok(after.play.top >= 0 && after.play.bottom <= 844 && after.play.height >= 36, 'Pause is on screen and big enough to tap');
    assert.ok(after.readout.top >= 0 && after.readout.bottom <= 844, 'the step count is on screen');
    await tap('#t-play');
    const paused = await page.evaluate(() => window.train.run.step);
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.train.run.step), paused, 'paused from the sticky bar');
    assert.deepEqual(problems, []);
  } finally {
    await phone.close();
  }
});
