// Issue 4: share by link, survive bad input, accessibility, strict CSP, WASM load failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, frames, worldToPage, readWeightRows } from './helpers.mjs';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await srv?.close(); });

const POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

/** Opens a fresh tab at url, recording console errors, page errors and CSP violations. */
async function open(url, { waitReady = true, route } = {}) {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  if (route) await route(page);
  const response = await page.goto(url);
  if (waitReady) await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 20000 });
  return { page, problems, response };
}

async function hashNow(page) {
  await page.waitForTimeout(150);   // hash writes are spaced >= 100 ms apart
  await frames(page, 3);
  return page.evaluate(() => location.hash);
}

test('a link round-trips the state, including edited keys and a dragged query', async () => {
  const { page, problems } = await open(srv.url);
  // change settings through the form
  await page.selectOption('#layout', 'random');
  await page.fill('#seed', '42');
  await page.press('#seed', 'Enter');
  await page.locator('#seed').blur();
  await page.check('input[name="scaleMode"][value="custom"]');
  // move the query with the keyboard, then drag it
  await page.focus('#plot');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowUp');
  const q = await page.evaluate(() => window.playground.getState().query);
  const [qx, qy] = await worldToPage(page, q[0], q[1]);
  await page.mouse.move(qx, qy);
  await page.mouse.down();
  await page.mouse.move(qx - 20, qy + 15, { steps: 4 });
  await page.mouse.up();
  // drag a key (the link must then carry explicit keys and values)
  const k = await page.evaluate(() => window.playground.getState().keys[2]);
  const [kx, ky] = await worldToPage(page, k[0], k[1]);
  await page.mouse.move(kx, ky);
  await page.mouse.down();
  await page.mouse.move(kx + 25, ky + 25, { steps: 4 });
  await page.mouse.up();

  const hash = await hashNow(page);
  assert.match(hash, /^#v=1&/);
  assert.match(hash, /layout=random/);
  assert.match(hash, /seed=42/);
  assert.match(hash, /scaleMode=custom/);
  assert.match(hash, /keys=/);
  assert.match(hash, /values=/);
  const qText = decodeURIComponent(/query=([^&]*)/.exec(hash)[1]);
  for (const part of qText.split(',')) assert.ok((part.split('.')[1] ?? '').length <= 4, `query ${qText} rounded`);

  const original = await page.evaluate(() => window.playground.getState());
  const originalRows = await readWeightRows(page);

  const copy = await open(srv.url + hash);
  const restored = await copy.page.evaluate(() => window.playground.getState());
  for (const f of ['n', 'layout', 'seed', 'clusters', 'spread', 'normalizeKeys', 'randomLengths', 'scaleMode',
    'customScale', 'longContext', 'showValues', 'showGaussian', 'query', 'keys', 'values']) {
    assert.deepEqual(restored[f], original[f], f);
  }
  const rows = await readWeightRows(copy.page);
  assert.deepEqual(rows.map((r) => [r.index, r.weight, r.logit]),
    originalRows.map((r) => [r.index, r.weight, r.logit]));
  assert.equal(await copy.page.locator('#notices').isHidden(), true);
  // the restored page writes back the same link
  assert.equal(await hashNow(copy.page), hash);
  assert.deepEqual(problems, []);
  assert.deepEqual(copy.problems, []);
  await copy.page.close();
  await page.close();
});

test('layout-only state is linked without explicit keys and regenerates them', async () => {
  const { page } = await open(srv.url);
  await page.evaluate(() => window.playground.setState({ n: 12, layout: 'clusters', clusters: 2, seed: 9 }));
  const hash = await hashNow(page);
  assert.doesNotMatch(hash, /keys=/);
  assert.match(hash, /n=12/);
  const a = await page.evaluate(() => window.playground.getState());
  const copy = await open(srv.url + hash);
  const b = await copy.page.evaluate(() => window.playground.getState());
  assert.deepEqual(b.keys, a.keys);
  assert.deepEqual(b.values, a.values);
  await copy.page.close();
  await page.close();
});

test('bad fields show a notice naming field, value and default; good fields are kept', async () => {
  const { page, problems } = await open(`${srv.url}#n=abc&seed=5`);
  const notice = page.locator('#notices');
  await notice.waitFor({ state: 'visible' });
  const text = await page.locator('#notices').textContent();
  assert.match(text, /\bn\b/);
  assert.match(text, /"abc"/);
  assert.match(text, /\b8\b/);
  const s = await page.evaluate(() => window.playground.getState());
  assert.equal(s.seed, 5);
  assert.equal(s.n, 8);
  // hashchange applies a new link in place
  await page.evaluate(() => { location.hash = '#n=5&layout=bogus'; });
  await page.waitForFunction(() => window.playground.getState().n === 5);
  assert.match(await page.locator('#notices').textContent(), /layout.*"bogus"/);
  await page.click('#notices .notice-dismiss');
  await notice.waitFor({ state: 'hidden' });
  assert.deepEqual(problems, []);
  await page.close();
});

const XSS = [
  '<img src=x onerror=window.__xss=1>',
  '"><script>window.__xss=1</script>',
  'javascript:window.__xss=1',
  "'><svg onload=window.__xss=1>",
  '</p><iframe srcdoc="<script>parent.__xss=1</script>">',
  '${window.__xss=1}',
  '1,1;<img src=x onerror=window.__xss=1>',
];

test('script in any field is never run or injected', async () => {
  const clean = await open(srv.url);
  await clean.page.waitForTimeout(400);
  const cleanCount = await clean.page.evaluate(() => [...document.querySelectorAll('*')].filter((e) => !e.closest('#notices')).length);
  await clean.page.close();
  const names = ['n', 'layout', 'seed', 'clusters', 'spread', 'normalizeKeys', 'randomLengths', 'scaleMode',
    'customScale', 'query', 'longContext', 'showValues', 'showGaussian', 'keys', 'values', 'controls', 'theme'];
  for (const payload of XSS) {
    const hash = names.map((f) => `${f}=${encodeURIComponent(payload)}`).join('&') + `&${encodeURIComponent(payload)}=1`;
    const { page, problems } = await open(`${srv.url}#${hash}`);
    await page.locator('#notices').waitFor({ state: 'visible' });
    await page.waitForTimeout(400);
    const r = await page.evaluate(() => ({
      xss: window.__xss,
      count: [...document.querySelectorAll('*')].filter((e) => !e.closest('#notices')).length,
      bad: document.querySelectorAll('img, script:not([src]), svg, iframe, [onerror], [onload]').length,
      text: document.getElementById('notices').textContent,
    }));
    assert.equal(r.xss, undefined, payload);
    assert.equal(r.bad, 0, payload);
    assert.equal(r.count, cleanCount, payload);
    assert.ok(r.text.length > 0);
    assert.deepEqual(problems, [], payload);
    await page.close();
  }
});

test('the live region summarises angle, κ and the top 3 keys after a keyboard move', async () => {
  const { page } = await open(srv.url);
  const region = page.locator('#plot-status');
  assert.equal(await region.getAttribute('aria-live'), 'polite');
  await page.focus('#plot');
  await page.waitForTimeout(400);
  const before = await region.textContent();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction((b) => document.getElementById('plot-status').textContent !== b, before);
  const text = await region.textContent();
  const s = await page.evaluate(() => window.playground.getState());
  const angle = Math.atan2(s.query[1], s.query[0]) * 180 / Math.PI;
  assert.match(text, new RegExp(`Query angle ${angle.toFixed(0)} degrees`));
  assert.match(text, /κ 1\.50/);
  const top = (await page.evaluate(() => {
    const w = Array.from(window.playground.lastResult.weights);
    return w.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, 3);
  }));
  for (const [w, i] of top) assert.ok(text.includes(`key ${i} weight ${w.toFixed(3)}`), `${text} has key ${i}`);
  // a focus ring is visible on the focused plot
  const outline = await page.evaluate(() => getComputedStyle(document.getElementById('plot')).outlineStyle);
  assert.notEqual(outline, 'none');
  await page.close();
});

test('every control shows a focus ring when focused from the keyboard', async () => {
  const { page } = await open(srv.url);
  const missing = [];
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const r = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const cs = getComputedStyle(el);
      return { id: el.id || el.name || el.tagName, outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth) };
    });
    if (r && (r.outline === 'none' || r.width < 1)) missing.push(r.id);
  }
  assert.deepEqual(missing, []);
  await page.close();
});

test('reduced motion turns transitions off', async () => {
  const { page } = await open(srv.url);
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const moving = await page.evaluate(() => Array.from(document.querySelectorAll('*')).filter((el) => {
    const cs = getComputedStyle(el);
    const t = cs.transitionDuration.split(',').some((d) => parseFloat(d) > 0);
    const a = cs.animationName !== 'none';
    return t || a;
  }).length);
  assert.equal(moving, 0);
  await page.close();
});

test('the page runs under the strict CSP with no console errors or violations', async () => {
  const { page, problems, response } = await open(srv.url);
  const meta = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  for (const directive of POLICY.split('; ')) assert.ok(meta.includes(directive), directive);
  assert.match(response.headers()['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/);
  // exercise the page a little
  await page.focus('#plot');
  await page.keyboard.press('ArrowRight');
  await page.click('[data-preset="sharp"]');
  await page.click('#download-json');
  await page.waitForTimeout(400);
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the share buttons make a link, a PNG and a JSON with the core weights', async () => {
  const { page, problems } = await open(srv.url);
  await page.evaluate(() => window.playground.setState({ n: 5 }));
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
  assert.equal(json.suggestedFilename(), 'attention-state.json');
  const data = JSON.parse(await (await import('node:fs/promises')).readFile(await json.path(), 'utf8'));
  const weights = await page.evaluate(() => Array.from(window.playground.lastResult.weights));
  assert.deepEqual(data.weights, weights);
  assert.equal(data.logits.length, 5);
  assert.equal(data.state.n, 5);
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#download-png')]);
  assert.equal(png.suggestedFilename(), 'attention-plot.png');
  const bytes = await (await import('node:fs/promises')).readFile(await png.path());
  assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  await page.evaluate(() => { document.getElementById('share-status').textContent = ''; });
  await page.click('#copy-link');
  await page.waitForFunction(() => document.getElementById('share-status').textContent.length > 0);
  const status = await page.textContent('#share-status');
  assert.ok(/Link copied|#v=1/.test(status), status);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a WebAssembly load failure shows a visible message', async () => {
  const { page } = await open(srv.url, {
    waitReady: false,
    // The .wasm is inlined in the page's script: make its instantiation fail instead.
    route: (p) => p.addInitScript(() => { WebAssembly.instantiate = () => Promise.reject(new Error('CompileError: blocked for the test')); }),
  });
  await page.waitForFunction(() => document.body.dataset.ready === 'error', null, { timeout: 20000 });
  const msg = page.locator('#load-error');
  await msg.waitFor({ state: 'visible' });
  const text = await msg.textContent();
  // plain words: what failed, what the browser said (once, no Emscripten "Aborted(…)"), what to do
  assert.match(text, /could not start the WebAssembly attention core \(the browser said: .*blocked for the test\)\. Try another browser/);
  assert.doesNotMatch(text, /Aborted|ASSERTIONS|\.\./);
  assert.match(await page.locator('#notices').textContent(), /could not start the WebAssembly attention core/);
  assert.equal(await page.locator('#notices').isVisible(), true);
  await page.close();
});
