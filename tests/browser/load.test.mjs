// The page loads cleanly, exposes the test API and shows every key in the list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPlayground, readWeightRows, attendForState } from './helpers.mjs';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await srv?.close(); });

test('loads with no console errors and no failed requests', async () => {
  const { page, problems } = await openPlayground(browser.context, srv.url);
  // give late requests / errors a moment to surface
  await page.waitForTimeout(300);
  assert.deepEqual(problems, []);

  const api = await page.evaluate(() => ({
    hasCore: typeof window.playground.core.attend === 'function',
    state: window.playground.getState(),
    hasResult: !!window.playground.lastResult,
    canvas: (() => {
      const c = document.getElementById('plot');
      return { tabIndex: c.tabIndex, role: c.getAttribute('role'), label: c.getAttribute('aria-label'), touchAction: getComputedStyle(c).touchAction };
    })(),
  }));
  assert.ok(api.hasCore);
  assert.ok(api.hasResult);
  assert.equal(api.canvas.tabIndex, 0);
  assert.ok(['img', 'application'].includes(api.canvas.role));
  assert.ok(api.canvas.label.length > 10);
  // a swipe scrolls the page; touches that start on a handle are kept by pointer.js
  assert.equal(api.canvas.touchAction, 'manipulation');

  const rows = await readWeightRows(page);
  assert.equal(rows.length, api.state.n);
  const expected = await attendForState(page);
  rows.forEach((r, i) => {
    assert.equal(r.index, i);
    assert.ok(Math.abs(r.weight - expected.weights[i]) < 1e-7, `row ${i}`);
    assert.equal(r.text, expected.weights[i].toFixed(3));
  });
  assert.equal(rows.filter((r) => r.argmax).map((r) => r.index)[0], expected.argmax);
});

test('a core error shows a dismissible notice and keeps the last valid weights', async () => {
  const { page, problems } = await openPlayground(browser.context, srv.url);
  const before = await page.evaluate(() => Array.from(window.playground.lastResult.weights));
  // a zero-length key while normalising is an error in the core
  await page.evaluate(() => {
    const s = window.playground.getState();
    const keys = s.keys.map((k) => [...k]);
    keys[3] = [0, 0];
    window.playground.setState({ keys, values: s.values, normalizeKeys: true });
  });
  const notice = page.locator('#notices');
  await notice.waitFor({ state: 'visible' });
  const text = await page.locator('#notices').textContent();
  assert.match(text, /keys/);
  assert.match(text, /row 3/);
  // the previous result is still what is drawn and listed
  const rows = await readWeightRows(page);
  assert.deepEqual(rows.map((r) => r.weight), before.map((w) => Number(String(w))));
  assert.equal(await page.evaluate(() => window.playground.getState().keys[3].join(',')), '0,0');
  await page.click('#notices .notice-dismiss');
  await notice.waitFor({ state: 'hidden' });
  // turning normalisation off makes the input valid again
  await page.evaluate(() => window.playground.setState({ normalizeKeys: false }));
  const after = await page.evaluate(() => Array.from(window.playground.lastResult.weights));
  assert.equal(after.length, before.length);
  assert.ok(await notice.isHidden());
  assert.deepEqual(problems, []);
});

test('long context draws 65,536 keys and lists the top keys only', async () => {
  const { page, problems } = await openPlayground(browser.context, srv.url);
  await page.click('[data-preset="long"]');
  const state = await page.evaluate(() => window.playground.getState());
  assert.equal(state.n, 65536);
  const rows = await readWeightRows(page);
  assert.ok(rows.length > 0 && rows.length <= 32, `${rows.length} rows`);
  const weights = await page.evaluate(() => Array.from(window.playground.lastResult.weights));
  const sorted = [...weights].sort((a, b) => b - a);
  rows.forEach((r, i) => assert.ok(Math.abs(r.weight - sorted[i]) < 1e-12, `row ${i}`));
  assert.equal(rows[0].argmax, true);
  assert.deepEqual(problems, []);
});
