// model.html ("Your model") as its users meet it: the examples show a head's d-dimensional
// weights (the core's attend in d dims agrees), the reader's files are read by the core and a
// bad file keeps what was shown, dragging the query keeps the weights exact, a click on the joint
// map picks a query, and the link keeps the example, head and query (not the data).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch } from './helpers.mjs';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch({ viewport: { width: 1366, height: 900 } }); });
after(async () => { await browser?.close(); await srv?.close(); });

const open = async (hash = '') => {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${srv.url}model.html${hash}`);
  await page.waitForFunction(() => document.body.dataset.ready === '1');
  return { page, problems };
};
const frame = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

// The weights model.html shows for its state, against core.attend on the same d-dimensional rows.
const check = (page) => page.evaluate(() => {
  const m = window.model, s = m.scene, data = m.data, st = m.getState();
  const d = data.d, T = data.tokens, h = s.head, t = s.query, n = st.causal ? t + 1 : T;
  const q = data.q.slice((h * T + t) * d, (h * T + t + 1) * d), k = data.k.slice(h * T * d, (h * T + n) * d);
  const ref = m.core.attend({ query: q, keys: k, d, scale: s.scale }).weights;
  const max = Math.max(...Array.from(ref, (w, i) => Math.abs(w - s.weights[i])));
  return { d, n, max, rows: document.querySelectorAll('#m-list tbody tr').length };
});

test('the examples show the head\'s d-dimensional weights, and the link keeps example, head and query', async () => {
  for (const [example, d] of [['rope', 64], ['content', 32], ['trained', 16]]) {
    const { page, problems } = await open(`#v=1&example=${example}&query=7`);
    const r = await check(page);
    assert.equal(r.d, d, example);
    assert.equal(r.n, 8, `${example}: causal, query 7 sees 8 keys`);
    assert.ok(r.max < 1e-5, `${example}: max |weight − attend's| = ${r.max}`);
    assert.ok(r.rows >= 8);
    await page.waitForFunction(() => /query=7/.test(location.hash) && /example=/.test(location.hash) || location.hash.includes('query=7'));
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('positional and trained heads look at the previous token; the content head at the same word', async () => {
  const { page } = await open('#v=1&example=rope&query=12');
  assert.equal(await page.evaluate(() => window.model.scene.top[0]), 11);
  await page.evaluate(() => window.model.setState({ example: 'trained', query: 9 }));
  await frame(page);
  assert.equal(await page.evaluate(() => window.model.scene.top[0]), 8);
  await page.evaluate(() => window.model.setState({ example: 'content', query: 12 }));   // "cat": also at 1
  await frame(page);
  const top = await page.evaluate(() => Array.from(window.model.scene.top).slice(0, 2).sort((a, b) => a - b));
  assert.deepEqual(top, [1, 12]);
  await page.close();
});

test('your files: a .safetensors with q, k, v in (H, T, d) is read by the core; a bad one keeps what was shown', async () => {
  const { page, problems } = await open();
  await page.evaluate(() => {
    const H = 2, T = 5, d = 3, dv = 2;
    const fill = (n, f) => Float32Array.from({ length: n }, (_, i) => f(i));
    const q = fill(H * T * d, (i) => Math.sin(i + 1)), k = fill(H * T * d, (i) => Math.cos(i * 0.7));
    const v = fill(H * T * dv, (i) => i % 3);
    const header = {}; let off = 0;
    for (const [name, a, shape] of [['q', q, [H, T, d]], ['k', k, [H, T, d]], ['v', v, [H, T, dv]]]) {
      header[name] = { dtype: 'F32', shape, data_offsets: [off, off + a.length * 4] }; off += a.length * 4;
    }
    let json = JSON.stringify(header); json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
    const bytes = new Uint8Array(8 + json.length + off), view = new DataView(bytes.buffer);
    view.setBigUint64(0, BigInt(json.length), true);
    bytes.set(new TextEncoder().encode(json), 8);
    let at = 8 + json.length;
    for (const a of [q, k, v]) for (const x of a) { view.setFloat32(at, x, true); at += 4; }
    window.model.useFiles([{ name: 'head.safetensors', bytes }]);
  });
  await frame(page);
  const shape = await page.evaluate(() => ({ ...window.model.getState(), H: window.model.data.heads,
    T: window.model.data.tokens,
    dv: window.model.data.dv, out: window.model.scene.output.length }));
  assert.equal(shape.example, 'files');
  assert.deepEqual([shape.H, shape.T, shape.dv, shape.out], [2, 5, 2, 2]);
  await page.evaluate(() => window.model.setState({ head: 1, query: 3 }));
  await frame(page);
  assert.ok((await check(page)).max < 1e-5);
  // A truncated file: a notice naming it, and the head set stays.
  await page.evaluate(() => window.model.useFiles([{ name: 'cut.npy', bytes: new Uint8Array([0x93, 0x4e, 0x55]) }]));
  await frame(page);
  assert.match(await page.textContent('#notices'), /^.*cut\.npy.*Kept what was shown\./s);
  assert.equal(await page.evaluate(() => window.model.data.tokens), 5);
  assert.deepEqual(problems, []);
  await page.close();
});

test('dragging the query in the plane keeps every weight exact; the joint map picks a query', async () => {
  const { page, problems } = await open('#v=1&example=content&query=10');
  // A real drag from the query handle (the last frame's geometry) moves it within the plane.
  const [hx, hy] = await page.evaluate(() => {
    const r = document.getElementById('m-view').getBoundingClientRect(), [x, y] = window.model.frame.view.query;
    return [r.left + x, r.top + y];
  });
  await page.mouse.move(hx, hy);
  await page.mouse.down();
  await page.mouse.move(hx - 40, hy - 60, { steps: 4 });
  await page.mouse.up();
  await frame(page);
  assert.ok(await page.evaluate(() => window.model.scene.moved), 'the drag moved the query');
  await page.evaluate(() => window.model.drag([1.5, 2]));
  await frame(page);
  const r = await page.evaluate(() => {
    const m = window.model, s = m.scene, data = m.data, d = data.d, n = s.n;
    const e1 = s.view.basis.slice(0, d), e2 = s.view.basis.slice(d, 2 * d);
    const q = Array.from(e1, (x, i) => 1.5 * x + 2 * e2[i]);   // the dragged query, q' = x'·e1 + y'·e2
    const ref = m.core.attend({ query: q, keys: data.k.slice(0, n * d), d, scale: s.scale }).weights;
    return { moved: s.moved, max: Math.max(...Array.from(ref, (w, i) => Math.abs(w - s.weights[i]))) };
  });
  assert.ok(r.moved);
  assert.ok(r.max < 1e-5, `dragged: max |weight − attend's| = ${r.max}`);
  // A click on a query of the joint map selects it.
  const target = await page.evaluate(() => {
    const c = document.getElementById('m-joint'), rect = c.getBoundingClientRect();
    const s = window.model.scene;
    const R = Math.max(...Array.from(s.joint.queries, Math.abs), ...Array.from(s.joint.keys, Math.abs)) * 1.1;
    const w = c.clientWidth, h = c.clientHeight, k = (Math.min(w, h) / 2 - 14) / R;
    return [rect.left + w / 2 + s.joint.queries[2 * 4] * k, rect.top + h / 2 - s.joint.queries[2 * 4 + 1] * k];
  });
  await page.mouse.click(target[0], target[1]);
  await frame(page);
  const picked = await page.evaluate(() => window.model.getState().query);
  assert.ok(picked >= 0, `a query was picked (${picked})`);
  assert.deepEqual(problems, []);
  await page.close();
});
