// The one front end: every page opens from disk and over http with zero console
// errors, fresh pages keep a clean URL, commits coalesce into one render per frame,
// every problem gets its own notice, and the element draws every playground field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch, serve, swipe, webRoot } from './helpers.mjs';

let browser, srv;
before(async () => { browser = await launch(); srv = await serve(); });
after(async () => { await browser?.close(); await srv?.close(); });

function watch(page) {
  const list = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') list.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => list.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => list.push(`requestfailed: ${r.url()}`));
  return list;
}

// How each page says it is drawn.
const READY = {
  'index.html': () => document.body.dataset.ready === '1',
  'embed.html': () => document.body.dataset.ready === '1',
  'explore.html': () => document.body.dataset.ready === '1',
  'train.html': () => document.body.dataset.ready === '1',
  'model.html': () => document.body.dataset.ready === '1',
  'examples/element.html': () => !!document.getElementById('b')?.plot?.getWeights() && !!window.demoHandle?.getWeights(),
  'examples/blog.html': () => !!window.blogPlots?.sharp.getWeights()
    && Number(document.getElementById('frame-unnormalised')?.dataset.sized) > 0,
};

for (const [file, ready] of Object.entries(READY)) {
  for (const where of ['file', 'http']) {
    test(`${file} over ${where}: draws, zero console errors`, async () => {
      const page = await browser.context.newPage();
      const problems = watch(page);
      const url = where === 'file' ? pathToFileURL(path.join(webRoot, file)).href : new URL(file, srv.url).href;
      await page.goto(url);
      await page.waitForFunction(ready, null, { timeout: 20000 });
      await page.waitForTimeout(300);
      // nothing the page shows is a blank canvas
      const blank = await page.evaluate(() => {
        const canvases = [...document.querySelectorAll('canvas'),
          ...[...document.querySelectorAll('attention-plot')].flatMap((e) => [...e.shadowRoot.querySelectorAll('canvas')])];
        return canvases.filter((c) => c.getClientRects().length && c.width > 0).filter((c) => {
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          const seen = new Set();
          for (let i = 0; i < d.length; i += 4 * 97) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
          return seen.size < 3;
        }).length;
      });
      assert.equal(blank, 0, 'a visible canvas is blank');
      assert.deepEqual(problems, []);
      await page.close();
    });
  }
}

for (const file of ['index.html', 'embed.html']) {
  test(`a fresh ${file} keeps a clean URL, also after a change and back`, async () => {
    const page = await browser.context.newPage();
    await page.goto(new URL(file, srv.url).href);
    await page.waitForFunction(READY[file]);
    await page.waitForTimeout(400);
    assert.equal(await page.evaluate(() => location.hash), '');
    await page.evaluate(() => window.playground.setState({ n: 5 }));
    await page.waitForFunction(() => location.hash === '#v=1&n=5');
    await page.evaluate(() => window.playground.setState({ n: 8 }));
    await page.waitForFunction(() => location.hash === '' && !location.href.includes('#'));
    await page.close();
  });
}

test('a burst of 2,000 setState calls renders a handful of frames and ends in the last state', async () => {
  const page = await browser.context.newPage();
  await page.goto(srv.url);
  await page.waitForFunction(READY['index.html']);
  const r = await page.evaluate(async () => {
    const pg = window.playground;
    const frames0 = pg.store.frames;
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) pg.setState({ query: [Math.cos(i / 100), Math.sin(i / 100)] });
    const ms = performance.now() - t0;
    await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
    return { frames: pg.store.frames - frames0, ms, query: pg.getState().query, list: document.querySelector('#weight-list tr').dataset.weight };
  });
  assert.ok(r.frames >= 1 && r.frames <= 3, `${r.frames} renders`);
  assert.deepEqual(r.query, [Math.round(Math.cos(19.99) * 1e4) / 1e4, Math.round(Math.sin(19.99) * 1e4) / 1e4]);
  await page.close();
});

test('two problems show two notices; dismissing one keeps the other; the plot does not move', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${srv.url}#v=1&seed=abc&keys=0,0;1,0`);
  await page.waitForFunction(READY['index.html']);
  await page.waitForFunction(() => document.querySelectorAll('#notices .notice').length === 2);
  const texts = await page.$$eval('#notices .notice', (els) => els.map((e) => e.textContent));
  assert.match(texts[0], /seed: "abc" is not a whole number/);
  assert.match(texts[1], /keys: row 0 has length 0/);
  const top0 = await page.evaluate(() => document.getElementById('plot').getBoundingClientRect().top);
  await page.click('#notices .notice:first-child .notice-dismiss');
  assert.equal(await page.locator('#notices .notice').count(), 1);
  const top1 = await page.evaluate(() => document.getElementById('plot').getBoundingClientRect().top);
  assert.equal(top1, top0, 'notices overlay the plot, never push it');
  await page.close();
});

test('the element draws long context and the Gaussian, and every controls mode differs', async () => {
  const page = await browser.context.newPage();
  const problems = watch(page);
  await page.goto(pathToFileURL(path.join(webRoot, 'examples/element.html')).href);
  await page.waitForFunction(READY['examples/element.html']);
  const r = await page.evaluate(async () => {
    const el = document.createElement('attention-plot');
    el.setAttribute('long-context', '4096');
    el.setAttribute('show-gaussian', '1');
    el.setAttribute('layout', 'random');
    document.body.append(el);
    await el.plot.ready;
    await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
    const svg = el.plot.toSVG();
    const modes = {};
    for (const mode of ['full', 'compact', 'none']) {
      el.setAttribute('controls', mode);
      await new Promise((res) => requestAnimationFrame(res));
      modes[mode] = [...el.shadowRoot.querySelectorAll('.controls [name]')].filter((c) => c.getClientRects().length).map((c) => c.name);
    }
    return { n: el.plot.getWeights().length, svg, modes };
  });
  assert.equal(r.n, 4096);
  assert.match(r.svg, /Gaussian approx/);
  assert.match(r.svg, /mean per bin/);
  assert.ok(r.modes.full.includes('layout') && r.modes.full.includes('showGaussian') && r.modes.full.length >= 10, r.modes.full.join());
  assert.deepEqual(r.modes.compact, ['n', 'customScale']);
  assert.deepEqual(r.modes.none, []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('phone: a swipe over the plot scrolls the page; a swipe that starts on the query drags it', async () => {
  const phone = await launch({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true,
    deviceScaleFactor: 2 });
  try {
    const page = phone.context.pages()[0] ?? await phone.context.newPage();
    await page.goto(srv.url);
    await page.waitForFunction(READY['index.html']);
    await page.waitForTimeout(300);   // layout settled (fonts, the first frames)
    const cdp = await phone.context.newCDPSession(page);
    const box = await page.evaluate(() => document.getElementById('plot').getBoundingClientRect().toJSON());
    const s0 = await page.evaluate(() => window.playground.getState());
    await swipe(cdp, page, box.left + 20, box.top + 120, -150);   // an empty corner of the plot
    const s1 = await page.evaluate(() => ({ y: scrollY, state: window.playground.getState() }));
    assert.ok(s1.y > 50, `the page scrolled (${s1.y}px)`);
    assert.deepEqual(s1.state.query, s0.query, 'the query did not move');
    assert.equal(s1.state.n, s0.n, 'no key was added');
    await page.evaluate(() => scrollTo(0, 0));
    await page.waitForTimeout(200);
    const [qx, qy] = await page.evaluate(() => {
      const pg = window.playground, q = pg.getState().query;
      const [x, y] = pg.plot.queryToScreen(q);
      const r = pg.plot.canvas.getBoundingClientRect();
      return [r.left + x, r.top + y];
    });
    await swipe(cdp, page, qx, qy, -40);
    const s2 = await page.evaluate(() => ({ y: scrollY, query: window.playground.getState().query }));
    assert.equal(s2.y, 0, 'dragging the query does not scroll');
    assert.notDeepEqual(s2.query, s0.query, 'the query moved');
  } finally {
    await phone.close();
  }
});

test('every frame is a User Timing measure, and the timeline does not grow without bound', async () => {
  const page = await browser.context.newPage();
  try {
    await page.goto(srv.url);
    await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 20000 });
    const r = await page.evaluate(async () => {
      const seen = [];
      new PerformanceObserver((list) => { for (const e of list.getEntriesByName('attention-plot:frame')) seen.push(e.duration); }).observe({ type: 'measure' });
      const pg = window.playground;
      for (let i = 0; i < 1500; i++) { pg.store.commit({ query: [Math.cos(i / 50), Math.sin(i / 50)] }, 'pointer'); pg.render(); }
      await new Promise((res) => setTimeout(res, 50));
      return { seen: seen.length, kept: performance.getEntriesByName('attention-plot:frame', 'measure').length,
        marks: performance.getEntriesByName('attention-plot:frame-start', 'mark').length, finite: seen.every((d) => d >= 0) };
    });
    assert.ok(r.seen >= 1500, `an observer sees every frame (${r.seen})`);
    assert.ok(r.finite);
    assert.ok(r.kept <= 600, `the timeline keeps the recent measures only (${r.kept})`);
    assert.equal(r.marks, 0, 'no start marks pile up');
  } finally {
    await page.close();
  }
});
