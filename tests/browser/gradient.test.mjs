// The query's gradient on the page (plot/gradient.js, an overlay): pick a target key and an arrow
// on the query shows the way that gives it more weight, with |∂log w_t/∂q| beside it. The numbers
// are core.queryGradient's; the arrow shrinks as the weights settle on the target (κ grows).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPlayground } from './helpers.mjs';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await srv?.close(); });

const frame = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

test('the arrow is the core\'s ∂log w_t/∂q, labelled, and it shrinks as κ grows toward the target', async () => {
  const { page, problems } = await openPlayground(browser.context, `${srv.url}#v=1&n=6&target=2`);
  const read = () => page.evaluate(() => {
    const pg = window.playground, s = pg.getState(), gr = pg.scene.extras.gradient;
    const keys = s.keys ?? pg.scene.keys.list;
    const g = pg.core.queryGradient({ query: s.query, keys: keys.flat(), d: 2, target: 2 });
    return { gr, g: { weight: g.weight, log: Array.from(g.ofLogWeight) },
      labels: pg.plot.labels.boxes.map((b) => b.text), key: pg.scene.keys.positions.slice(4, 6) };
  });
  const first = await read();
  assert.equal(first.gr.target, 2);
  assert.equal(first.gr.note, '');
  assert.ok(Math.abs(first.gr.weight - first.g.weight) < 1e-7);
  assert.ok(Math.abs(first.gr.arrow[0] - first.g.log[0]) < 1e-6 && Math.abs(first.gr.arrow[1] - first.g.log[1]) < 1e-6);
  assert.ok(first.labels.some((t) => t.startsWith('|∂log w2/∂q| = ')), `labels: ${first.labels.join(' | ')}`);
  // Point the query at key 2 and lengthen it: the signal left falls.
  const [kx, ky] = [first.key['0'] ?? first.key[0], first.key['1'] ?? first.key[1]];
  let last = Infinity;
  for (const r of [1, 3, 6, 12]) {
    await page.evaluate(([x, y]) => window.playground.setState({ query: [x, y] }), [kx * r, ky * r]);
    await frame(page);
    const { gr } = await read();
    assert.ok(gr.logNorm < last, `|∂log w/∂q| at |q| = ${r}: ${gr.logNorm} (before ${last})`);
    last = gr.logNorm;
  }
  assert.ok(last < 0.05, `nearly nothing left to learn at |q| = 12: ${last}`);
  // Off, and a key that does not exist says so on the plot (no core error).
  await page.evaluate(() => window.playground.setState({ target: 9 }));
  await frame(page);
  assert.match((await read()).gr.note, /no key 9/);
  await page.evaluate(() => window.playground.setState({ target: -1 }));
  await frame(page);
  assert.equal((await read()).gr, null);
  assert.deepEqual(problems, []);
});
