// Vite (Rollup) builds an app that imports the installed package, with no plugin and no
// config for WebAssembly; the built site runs in Chromium under the strict CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'vite';
import { installPackage } from './helpers.mjs';
import { startServer } from '../../scripts/serve.mjs';
import { launch } from '../browser/helpers.mjs';
import { AttentionCore } from '../../web/js/core.js';

let pkg;
before(async () => { pkg = await installPackage(); });
after(async () => { await pkg?.cleanup(); });

test('vite build of `import { AttentionCore, mount } from "attention-plot"` runs in Chromium under the strict CSP', async () => {
  const app = path.join(pkg.dir, 'vite-app');
  await mkdir(app, { recursive: true });
  await writeFile(path.join(app, 'index.html'), `<!doctype html><html><head><meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src data:">
    <link rel="icon" href="data:,"><title>vite consumer</title></head>
    <body><div id="here"></div><script type="module" src="./main.js"></script></body></html>`);
  await writeFile(path.join(app, 'main.js'), `
    import { AttentionCore, mount } from 'attention-plot';
    const handle = mount(document.getElementById('here'), { n: 9, layout: 'clusters', seed: 5, query: [-0.4, 1.3] });
    window.result = (async () => {
      await handle.ready;
      const core = await AttentionCore.load();
      const s = handle.getState();
      return { state: s, weights: handle.getWeights(), direct: Array.from(core.attend({ query: s.query, keys: s.keys, scale: s.scale, normalizeKeys: s.normalizeKeys }).weights) };
    })();`);
  await build({ root: app, base: './', logLevel: 'silent', build: { outDir: path.join(app, 'dist'), emptyOutDir: true } });
  const assets = await readdir(path.join(app, 'dist', 'assets'));
  assert.deepEqual(assets.filter((f) => !f.endsWith('.js')), [], 'no separate asset: the WASM travels inside the script');
  const built = await readFile(path.join(app, 'dist', 'index.html'), 'utf8');
  assert.match(built, /<script type="module" crossorigin src="\.\/assets\/index-[\w-]+\.js">/);

  const core = await AttentionCore.load();
  const { server, url } = await startServer({ root: path.join(app, 'dist'), port: 0, quiet: true });
  const browser = await launch();
  try {
    const page = browser.context.pages()[0] ?? await browser.context.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(new URL('index.html', url).href);
    await page.waitForFunction(() => window.result, null, { timeout: 20000 });
    const r = await page.evaluate(() => window.result);
    assert.equal(r.state.n, 9);
    assert.equal(r.state.layout, 'clusters');
    const want = core.attend({ query: r.state.query, keys: r.state.keys, scale: r.state.scale, normalizeKeys: r.state.normalizeKeys }).weights;
    for (let i = 0; i < 9; i++) {
      assert.ok(Math.abs(r.weights[i] - want[i]) < 1e-6, `weight ${i}`);
      assert.ok(Math.abs(r.direct[i] - want[i]) < 1e-6, `core weight ${i}`);
    }
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    server.closeAllConnections?.();
    await new Promise((r) => server.close(r));
  }
});
