// <attention-head> (web/generated/attention-head.js) as a notebook output or a blog post meets
// it: a page under the strict CSP with the element and a base64 .safetensors in its `tensors`
// attribute, over http and from file://. The weights it shows are softmax(scale·q·k) of the
// carried rows (computed here in double, an independent oracle); a drag keeps them exact in the
// plane; a bad attribute, bad tensors or bad tokens are notices that keep what was shown; on a
// phone a swipe on the plot scrolls the page unless it starts on the query.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve, launch, swipe, webRoot } from './helpers.mjs';

const H = 2, T = 9, d = 48, dv = 3;
const fill = (n, f) => Float32Array.from({ length: n }, (_, i) => f(i));
const Q = fill(H * T * d, (i) => 1.5 * Math.sin(0.37 * i + 1)), K = fill(H * T * d, (i) => Math.cos(0.71 * i));
const V = fill(H * T * dv, (i) => (i % 5) - 2);
const TOKENS = ['the', 'cat', 'sat', 'on', 'the', 'mat', 'and', 'then', 'slept'];

/** A .safetensors file of float32 tensors (written by hand: the format is 8 bytes, JSON, data). */
function safetensors(tensors) {
  const header = {};
  let off = 0;
  for (const [name, a, shape] of tensors) {
    header[name] = { dtype: 'F32', shape, data_offsets: [off, off + a.length * 4] };
    off += a.length * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const bytes = Buffer.alloc(8 + json.length + off);
  bytes.writeBigUInt64LE(BigInt(json.length), 0);
  bytes.write(json, 8, 'utf8');
  let at = 8 + json.length;
  for (const [, a] of tensors) for (const x of a) { bytes.writeFloatLE(x, at); at += 4; }
  return bytes.toString('base64');
}

const TENSORS = safetensors([['q', Q, [H, T, d]], ['k', K, [1, H, T, d]], ['v', V, [H, T, dv]]]);
const PAGE = 'head-element-test.html';
const HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'">
<title>attention-head</title><link rel="icon" href="../favicon.svg"><script src="attention-head.js"></script></head>
<body>${'<p>A post about one head, before it.</p>'.repeat(8)}
<attention-head tensors="${TENSORS}" tokens='${JSON.stringify(TOKENS)}' head="1" query="6">fallback</attention-head>
${'<p>More of the post.</p>'.repeat(60)}</body></html>`;

let srv, browser;
const file = path.join(webRoot, 'generated', PAGE);
before(async () => {
  await writeFile(file, HTML);
  srv = await serve();
  browser = await launch({ viewport: { width: 1366, height: 900 } });
});
after(async () => {
  await browser?.close();
  await srv?.close();
  await rm(file, { force: true });
});

async function open(url, b = browser) {
  const page = await b.context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => document.querySelector('attention-head')?.head?.scene);
  return { page, problems };
}
const frame = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
const shown = (page) => page.evaluate(() => {
  const el = document.querySelector('attention-head');
  const sc = el.head.scene;
  return { head: sc.head, query: sc.query, n: sc.n, weights: Array.from(sc.weights), moved: sc.moved, labels: sc.labels,
    x: Array.from(sc.view.x), y: Array.from(sc.view.y), scale: sc.scale, state: el.head.getState(),
    notices: [...el.shadowRoot.querySelectorAll('.notice-text')].map((n) => n.textContent) };
});

// softmax(scale · q_t · k_j) over j ≤ t (causal), in double from the float32 rows.
function oracle(h, t, causal = true, scale = 1 / Math.sqrt(d)) {
  const n = causal ? t + 1 : T, z = [];
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += Q[(h * T + t) * d + c] * K[(h * T + j) * d + c];
    z.push(scale * s);
  }
  const m = Math.max(...z), e = z.map((x) => Math.exp(x - m)), sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}
const close = (got, want, what) => {
  assert.equal(got.length, want.length, what);
  got.forEach((w, j) => assert.ok(Math.abs(w - want[j]) < 2e-6, `${what}, key ${j}: ${w} vs ${want[j]}`));
};

for (const [how, url] of [['http', () => `${srv.url}generated/${PAGE}`], ['file://', () => pathToFileURL(file).href]]) {
  test(`over ${how} under the CSP: the element shows the carried head's weights, from its attributes`, async () => {
    const { page, problems } = await open(url());
    const s = await shown(page);
    assert.deepEqual([s.head, s.query, s.n], [1, 6, 7]);
    assert.deepEqual(s.labels, TOKENS);
    close(s.weights, oracle(1, 6), 'head 1, query 6');
    // An attribute changed later, and the controls, go through the same store.
    await page.evaluate(() => document.querySelector('attention-head').setAttribute('causal', 'false'));
    await frame(page);
    close((await shown(page)).weights, oracle(1, 6, false), 'causal="false"');
    await page.evaluate(() => {
      const sel = document.querySelector('attention-head').shadowRoot.querySelectorAll('select')[0];
      sel.value = '0';
      sel.dispatchEvent(new Event('change'));
    });
    await frame(page);
    close((await shown(page)).weights, oracle(0, 6, false), 'the head control');
    assert.equal(await page.evaluate(() => document.querySelector('attention-head').shadowRoot
      .querySelector('table tbody tr td:nth-child(2)')?.textContent.length > 0), true, 'the list names tokens');
    assert.deepEqual(problems, []);
    await page.close();
  });
}

test('a drag keeps every weight exact in the plane; bad attributes, tensors and tokens keep what was shown', async () => {
  const { page, problems } = await open(`${srv.url}generated/${PAGE}`);
  // The plane from the rows themselves: e1 = q/|q|, e2 the core's second axis checked to be a unit
  // vector ⟂ e1; each key at (e1·k, e2·k) computed here, not read from the view.
  const basis = await page.evaluate(() => Array.from(document.querySelector('attention-head').head.scene.view.basis));
  const qt = Q.slice((1 * T + 6) * d, (1 * T + 7) * d), qn = Math.hypot(...qt);
  const dot = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0);
  const e1 = Array.from(qt, (v) => v / qn), e2 = basis.slice(d, 2 * d);
  assert.ok(Math.abs(dot(e2, e2) - 1) < 1e-5 && Math.abs(dot(e1, e2)) < 1e-5, 'e2 is a unit vector ⟂ q');
  e1.forEach((v, i) => assert.ok(Math.abs(v - basis[i]) < 1e-5, 'e1 = q/|q|'));
  const rowK = (j) => Array.from(K.slice((1 * T + j) * d, (1 * T + j + 1) * d));
  const keys = Array.from({ length: 7 }, (_, j) => rowK(j));   // causal: query 6 sees tokens 0 … 6
  const before = { x: keys.map((k) => dot(e1, k)), y: keys.map((k) => dot(e2, k)), scale: 1 / Math.sqrt(d) };
  await page.evaluate(() => document.querySelector('attention-head').head.drag([0.4, 1.1]));
  await frame(page);
  const dragged = await shown(page);
  assert.equal(dragged.moved, true);
  const z = before.x.map((x, i) => before.scale * (0.4 * x + 1.1 * before.y[i]));
  const m = Math.max(...z), e = z.map((x) => Math.exp(x - m)), sum = e.reduce((a, b) => a + b, 0);
  close(dragged.weights, e.map((x) => x / sum), 'the dragged query');

  // A real mouse drag to the view's edge and a wiggle there: the scale holds, the query stays in view.
  const g = await page.evaluate(() => {
    const el = document.querySelector('attention-head'), r = el.shadowRoot.querySelector('canvas').getBoundingClientRect();
    el.head.drag(null);
    return new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(() => {
      const f = el.head.frame.view;
      res({ left: r.left, top: r.top, right: r.right, qx: r.left + f.query[0], qy: r.top + f.query[1], R: f.R });
    })));
  });
  await page.mouse.move(g.qx, g.qy);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(g.qx + ((g.right - 3 - g.qx) * i) / 10, g.qy);
  for (let i = 0; i < 20; i++) await page.mouse.move(g.right - 3 - (i % 2), g.qy);
  await page.mouse.move(g.right + 300, g.qy);
  const held = await page.evaluate(() => {
    const el = document.querySelector('attention-head');
    return { at: el.head.scene.at, R: el.head.frame.view.R };
  });
  await page.mouse.up();
  assert.equal(held.R, g.R, 'the scale holds during the drag');
  assert.ok(held.at[0] <= g.R * 1.1 + 1e-9 && held.at[0] > g.R, `the query stays within the view: ${held.at[0]} (R ${g.R})`);
  await page.evaluate(() => document.querySelector('attention-head').head.drag(null));

  await page.evaluate(() => document.querySelector('attention-head').setAttribute('head', 'seven'));
  await frame(page);
  let s = await shown(page);
  assert.ok(s.notices.some((n) => /head.*"seven"/.test(n) && n.includes(`using "${s.state.head}" instead`)), s.notices.join(' | '));
  assert.deepEqual(s.labels, TOKENS, 'the data stays');

  await page.evaluate(() => document.querySelector('attention-head').setAttribute('tensors', 'AAAAAAAAAAA='));
  await frame(page);
  s = await shown(page);
  assert.ok(s.notices.some((n) => /^the tensors attribute: /.test(n) && /Kept what was shown/.test(n)), s.notices.join(' | '));
  assert.deepEqual(s.labels, TOKENS, 'the head set shown stays');
  await page.evaluate(() => document.querySelector('attention-head').setAttribute('tensors', 'not base64!'));
  await frame(page);
  s = await shown(page);
  assert.ok(s.notices.some((n) => /^tensors: is not base64/.test(n)), s.notices.join(' | '));

  const reads = await page.evaluate(async (t) => {
    const el = document.querySelector('attention-head'), id = el.head.data.id;
    el.setAttribute('tensors', t);
    el.setAttribute('tokens', '["oops"');
    await new Promise((r) => setTimeout(r, 0));
    return el.head.data.id - id;
  }, TENSORS);
  assert.equal(reads, 1, 'tensors and tokens set in one task are read once');
  await frame(page);
  s = await shown(page);
  assert.ok(s.notices.some((n) => /^tokens: .*used t0, t1, … instead/.test(n)), s.notices.join(' | '));
  assert.equal(s.labels[0], 't0');

  // Past the data: a notice, and the last head (token) used; too few labels are named too.
  await page.evaluate(() => {
    const el = document.querySelector('attention-head');
    el.setAttribute('head', '5');
    el.setAttribute('query', '40');
    el.setAttribute('tokens', '["a", "b"]');
  });
  await frame(page);
  s = await shown(page);
  assert.deepEqual([s.state.head, s.state.query, s.head, s.query], [1, 8, 1, 8]);
  for (const want of [/^head: "5" is outside 0…1 \(the data has 2 heads\); using "1" instead/,
    /^query: "40" is outside -1…8 \(the data has 9 tokens\); using "8" instead/,
    /^tokens: 2 labels for 9 tokens; used t2, … for the rest/]) {
    assert.ok(s.notices.some((n) => want.test(n)), `${want} in ${s.notices.join(' | ')}`);
  }
  // New tensors of the same length whose change is in the middle are read again.
  const changed = await page.evaluate(async () => {
    const el = document.querySelector('attention-head'), t = el.getAttribute('tensors'), mid = t.length >> 1;
    const id = el.head.data.id;
    el.setAttribute('tensors', t.slice(0, mid) + (t[mid] === 'A' ? 'B' : 'A') + t.slice(mid + 1));
    await Promise.resolve();   // attributes are read once per task
    return el.head.data.id === id + 1;
  });
  assert.ok(changed, 'the changed tensors were read');
  // Out of the document and back: the same state, drawn again.
  const back = await page.evaluate(async () => {
    const el = document.querySelector('attention-head'), parent = el.parentNode;
    el.head.setState({ scale: 'one' });
    el.remove();
    await new Promise((r) => setTimeout(r, 20));
    const gone = el.head === null;
    parent.append(el);
    await el.head.ready;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return { gone, scale: el.head.getState().scale, drawn: !!el.head.scene };
  });
  assert.deepEqual(back, { gone: true, scale: 'one', drawn: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('on a phone a swipe on the plot scrolls the page; one that starts on the query drags it', async () => {
  const phone = await launch({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true,
    deviceScaleFactor: 2 });
  try {
    const { page, problems } = await open(`${srv.url}generated/${PAGE}`, phone);
    await page.evaluate(() => document.querySelector('attention-head').scrollIntoView());
    const cdp = await page.context().newCDPSession(page);
    const geometry = () => page.evaluate(() => {
      const el = document.querySelector('attention-head');
      const r = el.shadowRoot.querySelector('canvas').getBoundingClientRect(), q = el.head.frame.view.query;
      return { left: r.left, top: r.top, width: r.width, qx: r.left + q[0], qy: r.top + q[1], scrollY: window.scrollY };
    });
    let g = await geometry();
    // Far from the query (the left edge of the view, at its middle height): the page scrolls.
    await swipe(cdp, page, g.left + 12, g.top + g.width / 2, -200);
    const after = await geometry();
    assert.ok(after.scrollY > g.scrollY + 100, `the page scrolled: ${g.scrollY} → ${after.scrollY}`);
    assert.equal((await shown(page)).moved, false);
    await page.evaluate(() => document.querySelector('attention-head').shadowRoot.querySelector('canvas')
      .scrollIntoView({ block: 'center' }));
    await page.waitForTimeout(200);
    g = await geometry();
    await swipe(cdp, page, g.qx, g.qy, -60);
    const end = await geometry();
    assert.ok(Math.abs(end.scrollY - g.scrollY) < 2, 'a drag on the query does not scroll');
    assert.equal((await shown(page)).moved, true, 'the query moved');
    assert.deepEqual(problems, []);
  } finally {
    await phone.close();
  }
});

test('the keyboard moves the query within the plane (Shift: finer) and Escape puts it back', async () => {
  const { page, problems } = await open(`${srv.url}generated/${PAGE}`);
  await page.evaluate(() => document.querySelector('attention-head').shadowRoot.querySelector('canvas').focus());
  const at = () => page.evaluate(() => {
    const sc = document.querySelector('attention-head').head.scene;
    return { at: Array.from(sc.at), moved: sc.moved, R: document.querySelector('attention-head').head.frame.view.R };
  });
  const start = await at();
  await page.keyboard.press('ArrowUp');
  await frame(page);
  const up = await at();
  assert.equal(up.moved, true);
  assert.ok(Math.abs(up.at[1] - start.at[1] - 0.05 * start.R) < 1e-9 && up.at[0] === start.at[0], JSON.stringify(up));
  await page.keyboard.press('Shift+ArrowLeft');
  await frame(page);
  const left = await at();
  assert.ok(Math.abs(left.at[0] - up.at[0] + 0.01 * up.R) < 1e-9, JSON.stringify(left));
  await page.keyboard.press('Escape');
  await frame(page);
  const back = await at();
  assert.equal(back.moved, false);
  assert.deepEqual(back.at, start.at);
  assert.deepEqual(problems, []);
  await page.close();
});
