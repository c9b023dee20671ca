// "The first hour", items 4 and 5: the query's radius on the picture (the arc it gathers
// from, its width and σ ≈ 1/√κ beside it, a tour step quoting the comment), a drag whose
// gain does not jump where the drawn length turns logarithmic, a legend line saying what
// distance means for each kind of dot, and the winning blue dot clear of the query dot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPlayground, queryToPage, frames } from './helpers.mjs';
import { TOUR } from '../../web/js/state/tour-steps.js';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await srv?.close(); });

const RADIUS_STEP = TOUR.findIndex((s) => s.title === 'The radius of the query');

/** The arc the scene gives, the label the frame drew for it, and κ. */
const arcNow = (page) => page.evaluate(() => {
  const pg = window.playground, sc = pg.scene;
  const label = pg.plot.labels.boxes.find((b) => b.text.startsWith('½-weight arc'));
  return { arc: sc.strip.halfArc, kappa: sc.query.kappa, label: label?.text ?? null };
});

test('the tour step quotes the comment and its arc narrows as the query is dragged outward', async () => {
  assert.ok(RADIUS_STEP > 0, 'the tour has the step');
  assert.match(TOUR[RADIUS_STEP].text, /“the vector magnitude describes the radius of the query”/);
  const { page, problems } = await openPlayground(browser.context, `${srv.url}#v=1&tour=${RADIUS_STEP + 1}`);
  await page.waitForFunction((want) => {
    const q = window.playground.getState().query;
    return Math.abs(q[0] - want[0]) < 1e-9 && Math.abs(q[1] - want[1]) < 1e-9;
  }, TOUR[RADIUS_STEP].state.query, { timeout: 20000 });
  assert.equal(await page.textContent('#tour-title'), TOUR[RADIUS_STEP].title);
  await frames(page);
  const widths = [];
  let [qx, qy] = await queryToPage(page);
  const [cx, cy] = await page.evaluate(() => {
    const pg = window.playground, r = pg.plot.canvas.getBoundingClientRect();
    return [r.left + pg.frame.layout.cx, r.top + pg.frame.layout.cy];
  });
  const ux = (qx - cx) / Math.hypot(qx - cx, qy - cy), uy = (qy - cy) / Math.hypot(qx - cx, qy - cy);
  await page.mouse.move(qx, qy);
  await page.mouse.down();
  for (let i = 0; i < 6; i++) {
    qx += ux * 15; qy += uy * 15;
    await page.mouse.move(qx, qy, { steps: 2 });
    await frames(page);
    const a = await arcNow(page);
    assert.ok(a.arc && a.arc.width > 0 && a.arc.width < 2 * Math.PI, `an arc at κ ${a.kappa}`);
    assert.ok(a.label, `its label is drawn at κ ${a.kappa}`);
    const deg = Math.round(a.arc.width * 180 / Math.PI), sigma = Math.round(180 / Math.PI / Math.sqrt(a.kappa));
    assert.equal(a.label, `½-weight arc ${deg}°, σ ≈ 1/√κ = ${sigma}°`);
    widths.push([a.kappa, a.arc.width]);
  }
  await page.mouse.up();
  const seen = widths.map(([k, w]) => `κ ${k.toFixed(1)}: ${w.toFixed(3)}`).join(', ');
  for (let i = 1; i < widths.length; i++) {
    assert.ok(widths[i][0] > widths[i - 1][0] || widths[i][0] === 1000, `κ grows: ${seen}`);
    if (widths[i][0] > widths[i - 1][0]) assert.ok(widths[i][1] < widths[i - 1][1], `narrows: ${seen}`);
  }
  assert.ok(widths.at(-1)[1] < widths[0][1] / 4, seen);
  // a short query gathers from the whole circle
  await page.evaluate(() => window.playground.setState({ query: [0.1, 0.1] }));
  await frames(page);
  const blunt = await arcNow(page);
  assert.equal(blunt.arc.width, 2 * Math.PI);
  assert.equal(blunt.label, '½-weight arc: the whole circle');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the drag past |q| = 1.5 does not jump: the same gain on both sides of the break, a steady ratio beyond', async () => {
  const { page } = await openPlayground(browser.context, srv.url);
  const r = await page.evaluate(() => {
    const plot = window.playground.plot, g = plot.geom;
    const lengthAt = (px) => Math.hypot(...plot.screenToQuery(g.cx + px, g.cy));
    const edge = 1.5 * g.ppu;   // the break (|q| = 1.5) in px from the centre
    const inside = (lengthAt(edge) - lengthAt(edge - 0.1)) * 10, outside = (lengthAt(edge + 0.1) - lengthAt(edge)) * 10;
    const ratios = [];
    for (let px = edge + 0.5 * g.ppu; px < 2.3 * g.ppu; px += 10) ratios.push(lengthAt(px + 10) / lengthAt(px));
    return { inside, outside, ratios, ppu: g.ppu, edgeLen: lengthAt(2.4 * g.ppu) };
  });
  assert.ok(Math.abs(r.outside / r.inside - 1) < 0.05, `gain ${r.inside} inside, ${r.outside} outside the break`);
  const lo = Math.min(...r.ratios), hi = Math.max(...r.ratios);
  assert.ok(hi / lo < 1.04, `a steady ratio per 10 px past the ease: ${r.ratios.map((x) => x.toFixed(3))}`);
  assert.ok(Math.abs(r.edgeLen - 1000) < 1, `the panel's edge is |q| = 1000 (${r.edgeLen})`);
  // the break's tick is labelled, and the legend says what distance means for each dot
  const texts = await page.evaluate(() => window.playground.plot.labels.boxes.map((b) => b.text));
  assert.ok(texts.includes('log'), 'the tick where the log scale starts');
  assert.ok(texts.includes('from 0: key = its length, blue = key + weight'), texts.join(' | '));
  assert.ok(texts.includes('q: |q| up to 1.5, log scale beyond (ticks: κ)'));
  await page.close();
});

test('at the tour step on sharpness the winning blue dot is clear of the query dot', async () => {
  const step = TOUR.findIndex((s) => s.title === 'Its length is sharpness');
  for (const viewport of [{ width: 390, height: 844 }, { width: 1366, height: 768 }]) {
    const page = await browser.context.newPage();
    await page.setViewportSize(viewport);
    await page.goto(`${srv.url}#v=1&tour=${step + 1}`);
    await page.waitForFunction((want) => {
      const q = window.playground.getState?.().query;
      return q && Math.abs(q[0] - want[0]) < 1e-9 && Math.abs(q[1] - want[1]) < 1e-9;
    }, TOUR[step].state.query, { timeout: 20000 });
    await frames(page);
    // the blue dot is drawn at its distance from the centre (key + weight); the frame's pixels say where
    const px = await page.evaluate(() => {
      const c = document.getElementById('plot'), dpr = c.width / c.clientWidth, f = window.playground.frame;
      const copy = document.createElement('canvas');
      copy.width = c.width; copy.height = c.height;
      const ctx = copy.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(c, 0, 0);
      const weight = getComputedStyle(c).getPropertyValue('--weight').trim();
      const probe = document.createElement('canvas').getContext('2d');
      probe.fillStyle = weight; probe.fillRect(0, 0, 1, 1);
      const want = probe.getImageData(0, 0, 1, 1).data;
      let nearest = Infinity;
      for (let dy = -40; dy <= 40; dy++) for (let dx = -40; dx <= 40; dx++) {
        const d = Math.hypot(dx, dy);
        if (d < 9 || d > 40) continue;
        const x = Math.round((f.query[0] + dx) * dpr), y = Math.round((f.query[1] + dy) * dpr);
        const p = ctx.getImageData(x, y, 1, 1).data;
        const off = Math.abs(p[0] - want[0]) + Math.abs(p[1] - want[1]) + Math.abs(p[2] - want[2]);
        if (off < 30) nearest = Math.min(nearest, d);
      }
      return nearest;
    });
    // no blue pixel touches the query dot (8 px and its 2 px outline): the winner is drawn beside it
    assert.ok(px > 11, `${viewport.width}: a blue pixel ${px} px from the query dot's centre`);
    await page.close();
  }
});

test('the query-length slider: a log scale as wide as the plot, finer than the drag, keeping the direction', async () => {
  for (const viewport of [{ width: 1366, height: 768 }, { width: 390, height: 844 }]) {
    const b = await launch({ viewport });
    try {
      const { page, problems } = await openPlayground(b.context, `${srv.url}#v=1&query=0.9642,1.1491`);   // |q| 1.5 at 50°
      const slider = await page.$eval('#quick-qlen-range', (e) => ({ ...e.getBoundingClientRect().toJSON(), value: Number(e.value) }));
      const plot = await page.$eval('#plot', (e) => e.getBoundingClientRect().width);
      assert.ok(slider.width >= 0.85 * plot - 40, `${viewport.width}: the slider (${slider.width} px) spans the plot (${plot} px)`);
      // A real drag of the thumb, 230 px to the right (fewer on a phone, where the slider is narrower).
      const px = Math.min(230, slider.width * 0.55);
      const x0 = slider.x + (slider.value / 1000) * slider.width, y = slider.y + slider.height / 2;
      await page.mouse.move(x0, y);
      await page.mouse.down();
      for (let i = 1; i <= 10; i++) await page.mouse.move(x0 + (px * i) / 10, y);
      await page.mouse.up();
      await frames(page);
      const s = await page.evaluate(() => {
        const [x, yy] = window.playground.getState().query;
        return { len: Math.hypot(x, yy), deg: (Math.atan2(yy, x) * 180) / Math.PI,
          shown: document.getElementById('quick-qlen').textContent, kappa: document.getElementById('quick-kappa').textContent };
      });
      // 230 px of the plot's log zone took κ from 1.5 to 201; the slider's pixels go ~4× further apart.
      // (the thumb travels the slider's width less its own, ~16 px)
      const perPx = Math.log10(s.len / 1.5) / px, want = Math.log10(1000 / 0.05) / slider.width;
      assert.ok(perPx > 0.9 * want && perPx < 1.15 * want, `${viewport.width}: ${perPx} decades per px, expected about ${want}`);
      if (viewport.width === 1366) assert.ok(s.len < 201 / 2, `230 px of slider stay well below κ 201 (${s.len})`);
      assert.ok(Math.abs(s.deg - 50) < 0.05, `the direction stays (${s.deg}°)`);
      assert.equal(s.shown, s.len.toFixed(2));
      assert.equal(s.kappa, s.len.toFixed(2), 'scale 1: κ = |q|');
      // Its ends: the keyboard's End reaches |q| = 1000.
      await page.focus('#quick-qlen-range');
      await page.keyboard.press('End');
      await frames(page);
      const end = await page.evaluate(() => Math.hypot(...window.playground.getState().query));
      assert.ok(Math.abs(end - 1000) < 0.01, `End: |q| = ${end}`);
      assert.deepEqual(problems, []);
    } finally {
      await b.close();
    }
  }
});

test('390 px: the κ ray and its tick labels keep clear of the plot\'s header lines', async () => {
  const b = await launch({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  try {
    const { page } = await openPlayground(b.context, `${srv.url}#v=1&n=12&layout=clusters&seed=3&query=-0.5121,1.042`);
    await frames(page);
    const r = await page.evaluate(() => {
      const boxes = window.playground.plot.labels.boxes;
      const header = boxes.filter((x) => /^κ = \|q\|·scale|^query angle/.test(x.text));
      const ticks = boxes.filter((x) => ['10', '100', '1000', 'log'].includes(x.text));
      const gap = (a, c) => Math.max(c.x - (a.x + a.w), a.x - (c.x + c.w), c.y - (a.y + a.h), a.y - (c.y + c.h));
      return { header: header.length, ticks: ticks.map((t) => t.text),
        gaps: ticks.flatMap((t) => header.map((h) => gap(t, h))) };
    });
    assert.equal(r.header, 2, 'both header lines are drawn');
    assert.ok(r.ticks.length >= 2, `tick labels drawn: ${r.ticks}`);
    for (const g of r.gaps) assert.ok(g >= 2, `a tick label ${g.toFixed(1)} px from a header line`);
  } finally {
    await b.close();
  }
});

test('the ½-weight label sits off both axes from 820 px up, for any query direction and length', async () => {
  // (At 390 px the label is wider than half the circle panel, so it must cross the vertical axis;
  // its halo keeps it readable there.)
  for (const viewport of [{ width: 820, height: 1180 }, { width: 1366, height: 768 }, { width: 1920, height: 1080 }]) {
    const b = await launch({ viewport });
    try {
      const { page } = await openPlayground(b.context, srv.url);
      const bad = await page.evaluate(() => {
        const pg = window.playground, out = [];
        for (let deg = 0; deg < 360; deg += 10) {
          for (const r of [0.4, 1, 1.5, 3, 20]) {
            const a = (deg * Math.PI) / 180;
            pg.store.commit({ query: [r * Math.cos(a), r * Math.sin(a)] }, 'api');
            pg.store.renderNow();
            const g = pg.frame.layout, box = pg.plot.labels.boxes.find((x) => x.text.startsWith('½-weight'));
            if (!box) out.push(`${deg}° |q| ${r}: no label`);
            else if ((box.y < g.cy && g.cy < box.y + box.h) || (box.x < g.cx && g.cx < box.x + box.w)) out.push(`${deg}° |q| ${r}`);
          }
        }
        return out;
      });
      assert.deepEqual(bad, [], `${viewport.width} px: the label is on an axis or missing`);
    } finally {
      await b.close();
    }
  }
});
