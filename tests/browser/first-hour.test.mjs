// "The first hour": the tour on a phone (a sheet under the sticky plot, driven by touch),
// "Take the tour again" after the last step, "Beyond softmax" folded until a state uses it
// (the page and the element's controls="full"), explore's tabs on one row, and explore's
// small faults (the √d colours, the tied-weights note, the paged tab's first step, values
// in sight with W_V = I).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPlayground, frames } from './helpers.mjs';
import { TOUR } from '../../web/js/state/tour-steps.js';

let srv;
before(async () => { srv = await serve(); });
after(async () => { await srv?.close(); });

const rect = (page, sel) => page.$eval(sel, (e) => e.getBoundingClientRect().toJSON());

test('phone 390×844: the tour card is a sheet under the plot; Back and Next work by touch with the plot in view', async () => {
  const phone = await launch({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true,
    deviceScaleFactor: 2 });
  try {
    const { page, problems } = await openPlayground(phone.context, srv.url);
    await page.evaluate(() => localStorage.removeItem('attention-plot:tour'));
    await page.waitForTimeout(300);
    const cdp = await phone.context.newCDPSession(page);
    const tap = async (sel) => {
      const r = await rect(page, sel);
      const x = r.left + r.width / 2, y = r.top + r.height / 2;
      const hit = await page.evaluate(([x, y, sel]) => document.elementFromPoint(x, y)?.closest(sel) !== null,
        [x, y, sel]);
      assert.ok(hit, `${sel} is on top at its centre (${x}, ${y})`);
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      await page.waitForTimeout(150);
    };
    const step = () => page.evaluate(() => window.playground.getState().tour);
    // Both together on screen: the whole plot at the top, the card under it, Back and Next inside the window.
    const together = async (where) => {
      const plot = await rect(page, '#plot'), card = await rect(page, '#tour');
      assert.ok(plot.top >= -1 && plot.bottom <= card.top + 1, `${where}: the plot (${plot.top}…${plot.bottom}) is above the card (${card.top})`);
      assert.ok(card.bottom <= 844 + 1, `${where}: the card ends inside the window (${card.bottom})`);
      for (const sel of ['#tour-prev', '#tour-next']) {
        const b = await rect(page, sel);
        assert.ok(b.top >= plot.bottom - 1 && b.bottom <= 844 + 1 && b.height >= 30, `${where}: ${sel} in view (${b.top}…${b.bottom})`);
      }
    };

    assert.equal(await page.textContent('#tour-start'), 'Take the tour');
    await tap('#tour-start');
    await page.waitForFunction(() => !document.getElementById('tour').hidden);
    await page.waitForTimeout(300);
    assert.equal(await step(), 1);
    await together('step 1');
    await tap('#tour-next');
    await page.waitForFunction(() => window.playground.getState().tour === 2);
    await together('step 2');
    await tap('#tour-next');
    await page.waitForFunction(() => window.playground.getState().tour === 3);
    await tap('#tour-prev');
    await page.waitForFunction(() => window.playground.getState().tour === 2);
    assert.equal(await page.textContent('#tour-title'), TOUR[1].title);
    await together('back at step 2');
    // The page under the sheet still scrolls to its end (the body makes room for the sheet).
    await page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
    const share = await rect(page, '#copy-link'), card = await rect(page, '#tour');
    assert.ok(share.bottom <= card.top, `the last controls scroll out from under the sheet (${share.bottom} vs ${card.top})`);

    // The last step, then Finish: the button offers the tour again, from step 1.
    await page.evaluate((k) => window.playground.setState({ tour: k }), TOUR.length);
    await page.waitForFunction((k) => document.getElementById('tour-count').textContent.startsWith(`${k} of`), TOUR.length);
    assert.equal(await page.textContent('#tour-next'), 'Finish');
    await tap('#tour-next');
    await page.waitForFunction(() => document.getElementById('tour').hidden);
    assert.equal(await page.textContent('#tour-start'), 'Take the tour again');
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).paddingBottom), '0px', 'no room kept for a hidden sheet');
    await page.waitForFunction(() => !/tour=/.test(location.hash));   // the URL is written a little later
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    assert.equal(await page.textContent('#tour-start'), 'Take the tour again', 'remembered across a reload');
    await page.evaluate(() => scrollTo(0, 0));
    await page.waitForTimeout(300);
    await tap('#tour-start');
    await page.waitForFunction(() => window.playground.getState().tour === 1);
    await page.waitForTimeout(300);
    await together('step 1 again');
    assert.deepEqual(problems, []);
  } finally {
    await phone.close();
  }
});

test('wide screens keep the card in the side panel (not a sheet)', async () => {
  const b = await launch({ viewport: { width: 1366, height: 768 } });
  try {
    const { page, problems } = await openPlayground(b.context, `${srv.url}#v=1&tour=2`);
    await page.waitForFunction(() => !document.getElementById('tour').hidden);
    assert.equal(await page.$eval('#tour', (e) => getComputedStyle(e).position), 'static');
    const plot = await rect(page, '#plot'), card = await rect(page, '#tour');
    assert.ok(card.left >= plot.right, 'the card is beside the plot');
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
  }
});

test('"Beyond softmax" is folded under the basic controls until a state uses it (page and element)', async () => {
  const b = await launch({ viewport: { width: 1366, height: 768 } });
  try {
    const { page, problems } = await openPlayground(b.context, srv.url);
    await frames(page);
    assert.equal(await page.$eval('#beyond', (d) => d.open), false, 'closed by default');
    assert.equal(await page.isVisible('#controls [name="alpha"]'), false);
    assert.ok(await page.$eval('#beyond', (d) => d.querySelectorAll('[name]').length >= 10), 'α, sink, kernels and RoPE are inside');
    // A state that uses one opens it: the API here, a link below.
    await page.evaluate(() => window.playground.setState({ rope: true }));
    await page.waitForFunction(() => document.getElementById('beyond').open);
    // The reader may close it again; it stays closed while the state keeps using it.
    await page.evaluate(() => { document.getElementById('beyond').open = false; });
    await page.evaluate(() => window.playground.setState({ ropeTheta: 0.7 }));
    await frames(page);
    assert.equal(await page.$eval('#beyond', (d) => d.open), false);
    await page.goto('about:blank');   // a fresh load (a hash change alone would not reload)
    const linked = await openPlayground(b.context, `${srv.url}#v=1&kernel=favor%2B`);
    await frames(linked.page);
    assert.equal(await linked.page.$eval('#beyond', (d) => d.open), true, 'a link using favor+ opens it');
    assert.equal(await linked.page.isVisible('#controls [name="features"]'), true);
    assert.deepEqual([...problems, ...linked.problems], []);

    // The element's controls="full": the same fold in its shadow root.
    const fold = async (html) => {
      await page.setContent(`<!doctype html><body>${html}</body>`);
      await page.addScriptTag({ url: `${srv.url}generated/attention-plot.js` });
      await page.waitForFunction(() => document.getElementById('p')?.plot?.getWeights());
      await frames(page);
      return page.evaluate(() => {
        const root = document.getElementById('p').shadowRoot;
        const d = root.querySelector('details.beyond');
        const outside = [...root.querySelectorAll('.controls > label [name]')].map((e) => e.getAttribute('name'));
        return { open: d?.open, inside: [...(d?.querySelectorAll('[name]') ?? [])].map((e) => e.getAttribute('name')), outside };
      });
    };
    const plain = await fold('<attention-plot id="p" controls="full"></attention-plot>');
    assert.equal(plain.open, false);
    assert.deepEqual(plain.inside.sort(), ['alpha', 'compare', 'featureSeed', 'features', 'kernel', 'queryPosition', 'rope', 'ropeTheta', 'sink', 'sinkOn']);
    assert.ok(plain.outside.includes('n') && plain.outside.includes('customScale') && !plain.outside.includes('alpha'));
    assert.equal((await fold('<attention-plot id="p" controls="full" alpha="1.5"></attention-plot>')).open, true);
    const compact = await fold('<attention-plot id="p" controls="compact"></attention-plot>');
    assert.equal(compact.open, undefined, 'compact has no fold');
  } finally {
    await b.close();
  }
});

test('explore: the tabs are one row at 1366 and 1920 px, and one sideways-scrolling row on a phone', async () => {
  for (const [width, height] of [[1366, 768], [1920, 1080], [820, 1180], [390, 844]]) {
    const b = await launch({ viewport: { width, height } });
    try {
      const { page, problems } = await openPlayground(b.context, new URL('explore.html#mode=paged', srv.url).href);
      await frames(page);
      const bar = await page.$eval('.x-tabs', (t) => ({
        tops: [...new Set([...t.querySelectorAll('button')].map((x) => Math.round(x.getBoundingClientRect().top)))],
        scroll: t.scrollWidth - t.clientWidth, page: document.documentElement.scrollWidth - innerWidth,
        open: (() => { const r = t.querySelector('[aria-selected="true"]').getBoundingClientRect(), o = t.getBoundingClientRect(); return r.left >= o.left - 1 && r.right <= o.right + 1; })(),
      }));
      assert.equal(bar.tops.length, 1, `${width}px: the tabs are one row`);
      assert.ok(bar.page <= 0, `${width}px: the page does not scroll sideways`);
      assert.ok(bar.open, `${width}px: the open tab is in view`);
      if (width >= 1366) assert.equal(bar.scroll, 0, `${width}px: all eight fit`);
      else assert.ok(bar.scroll > 0, `${width}px: the row scrolls sideways`);
      assert.deepEqual(problems, []);
    } finally {
      await b.close();
    }
  }
});

test('explore: √d colours agree with the text; the tied note explains the diagonal; paged starts at 0; values show with W_V = I', async () => {
  const b = await launch({ viewport: { width: 1366, height: 768 } });
  try {
    const { page, problems } = await openPlayground(b.context, new URL('explore.html#mode=dim', srv.url).href);
    await frames(page);
    const colours = await page.evaluate(() => {
      const css = getComputedStyle(document.documentElement);
      const col = (id) => [...document.querySelectorAll(`#${id} canvas`)].map((c) => c.dataset.colour);
      return { raw: col('dim-raw'), scaled: col('dim-scaled'), blue: css.getPropertyValue('--weight').trim(), green: css.getPropertyValue('--key').trim() };
    });
    assert.deepEqual(colours.raw, [colours.blue, colours.blue], 'without 1/√d: blue, as the text and the sweep say');
    assert.deepEqual(colours.scaled, [colours.green, colours.green], 'with 1/√d: green');
    assert.match(await page.textContent('#panel-dim .x-intro'), /without the 1\/√d scale \(blue\).*with it \(green\)/s);

    // Tied under a causal mask: the note and the diagonal it explains.
    const tied = await openPlayground(b.context, new URL('explore.html#mode=self&tie=1&mask=causal', srv.url).href);
    await frames(tied.page);
    assert.equal(await tied.page.isVisible('#self-tied-why'), true);
    const why = await tied.page.textContent('#self-tied-why');
    assert.match(why, /u\s*i\s*·\s*u\s*j\s*≤\s*\(\|u\s*i\s*\|² \+ \|u\s*j\s*\|²\)\/2/);
    assert.match(why, /only if \|u\s*j\s*\| > \|u\s*i\s*\|/);
    const diag = await tied.page.evaluate(() => {
      const s = window.explore.lastResult.result.heads[0], m = Math.round(Math.sqrt(s.weights.length));
      return { shown: document.getElementById('self-tied-diag').textContent, want: Array.from({ length: m }, (_, i) => s.weights[i * m + i].toFixed(2)).join(', ') };
    });
    assert.equal(diag.shown, diag.want);
    await tied.page.evaluate(() => { document.getElementById('self-tie').click(); });
    await frames(tied.page);
    assert.equal(await tied.page.isVisible('#self-tied-why'), false, 'untied: no note');
    // W_V = I (the default): v_i sits on x_i, under its disc; a diamond ring keeps it in sight.
    const rings = await tied.page.$eval('#self-plot', (c) => c.dataset.valueRings);
    assert.equal(rings, '0,1,2,3,4');
    const moved = await openPlayground(b.context, new URL('explore.html#mode=self&wv=2,0,0,2', srv.url).href);
    await frames(moved.page);
    assert.equal(await moved.page.$eval('#self-plot', (c) => c.dataset.valueRings), '', 'values away from the tokens need no ring');

    const paged = await openPlayground(b.context, new URL('explore.html#mode=paged', srv.url).href);
    await frames(paged.page);
    assert.equal(await paged.page.evaluate(() => window.explore.getState().pstep), 0);
    // the note is written with the tab's frame: on a loaded machine that can be after two frames
    await paged.page.waitForFunction(() => document.getElementById('paged-note').textContent !== '', null, { timeout: 10000 });
    assert.match(await paged.page.textContent('#paged-note'), /Press Step/);
    assert.deepEqual([...problems, ...tied.problems, ...moved.problems, ...paged.problems], []);
  } finally {
    await b.close();
  }
});
