// The npm package: what the tarball holds, that it installs offline with no dependencies,
// that `import { AttentionCore, mount } from 'attention-plot'` works in node (reading the
// package's .wasm) and after esbuild bundles it for a browser page under the strict CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { installPackage, runNode } from './helpers.mjs';
import { AttentionCore as RepoCore } from '../../web/js/core/attention-core.js';
import { startServer } from '../../scripts/serve.mjs';
import { launch } from '../browser/helpers.mjs';

let pkg, repoCore;
const PROBLEM = { query: [1.2, 0.4], keys: [[1, 0], [0, 1], [-1, 0], [0.6, -0.8]],
  values: [[0, 1], [1, 0], [1, 1], [-1, 0]], scale: 1.5 };

before(async () => {
  pkg = await installPackage();
  repoCore = await RepoCore.load();
});
after(async () => { await pkg?.cleanup(); });

test('the tarball ships the built files, the types and the license, and nothing else', () => {
  const want = ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/node.js', 'dist/attention-plot.js',
    'dist/attention-head.js', 'dist/widget.js', 'dist/attention_wasm.wasm', 'dist/playground.html', 'types/index.d.ts',
    'types/element.d.ts', 'types/head.d.ts', 'types/widget.d.ts'];
  for (const f of want) assert.ok(pkg.files.includes(f), `${f} is in the tarball`);
  const extra = pkg.files.filter((f) => !want.includes(f));
  assert.deepEqual(extra, [], 'no sources, tests, benchmarks or node_modules');
});

test('package.json: no runtime dependencies; every export, types and CDN entry points at a shipped file', async () => {
  const meta = JSON.parse(await readFile(path.join(pkg.pkgDir, 'package.json'), 'utf8'));
  assert.equal(meta.name, 'attention-plot');
  assert.equal(meta.private, undefined);
  assert.equal(meta.license, 'MIT');
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) assert.equal(meta[field], undefined, field);
  const targets = [meta.types, meta.main, meta.unpkg, meta.jsdelivr];
  for (const v of Object.values(meta.exports)) targets.push(...(typeof v === 'string' ? [v] : Object.values(v)));
  for (const t of targets) assert.ok(pkg.files.includes(t.replace(/^\.\//, '')), `${t} ships`);
});

test('node: the entry resolves to the node build, which reads the package\'s .wasm and computes like the core', () => {
  const out = JSON.parse(runNode(pkg.dir, `
    import { AttentionCore, mount } from 'attention-plot';
    const core = await AttentionCore.load();
    const r = core.attend(${JSON.stringify(PROBLEM)});
    console.log(JSON.stringify({
      resolved: import.meta.resolve('attention-plot'),
      weights: Array.from(r.weights), output: Array.from(r.output), entropy: r.entropy,
      layout: Array.from(core.layout({ kind: 'clusters', n: 6, seed: 3 }).points),
      instance: core instanceof AttentionCore, mount: typeof mount,
    }));`));
  assert.match(out.resolved, /node_modules\/attention-plot\/dist\/node\.js$/);
  assert.equal(out.instance, true);
  assert.equal(out.mount, 'function');
  const want = repoCore.attend(PROBLEM);
  assert.deepEqual(out.weights, Array.from(want.weights));
  assert.deepEqual(out.output, Array.from(want.output));
  assert.equal(out.entropy, want.entropy);
  assert.deepEqual(out.layout, Array.from(repoCore.layout({ kind: 'clusters', n: 6, seed: 3 }).points));
});

test('node: a core error arrives as an Error with the core\'s message; mount without a DOM says what it expected', () => {
  const out = JSON.parse(runNode(pkg.dir, `
    import { AttentionCore, mount } from 'attention-plot';
    const core = await AttentionCore.load();
    const msg = (f) => { try { f(); return null; } catch (e) { return e.message; } };
    console.log(JSON.stringify({
      core: msg(() => core.attend({ query: [1, 0], keys: [[1, 0], [0, 0]], normalizeKeys: true })),
      mount: msg(() => mount(null)),
    }));`));
  assert.match(out.core, /^keys: row 1/);
  assert.equal(out.mount, 'mount: expected an element');
});

test('node: with the .wasm missing (a bundler moved the code), load() names the file and the way out', async () => {
  const moved = path.join(pkg.dir, 'moved');
  await mkdir(moved, { recursive: true });
  await copyFile(path.join(pkg.pkgDir, 'dist/node.js'), path.join(moved, 'node.js'));
  const out = runNode(pkg.dir, `
    import { AttentionCore } from './moved/node.js';
    import { readFile } from 'node:fs/promises';
    const why = await AttentionCore.load().then(() => 'loaded', (e) => e.message);
    const bytes = await readFile('node_modules/attention-plot/dist/attention_wasm.wasm');
    const core = await AttentionCore.load({ wasmBinary: bytes });
    console.log(JSON.stringify({ why, w: Array.from(core.attend({ query: [1, 0], keys: [[1, 0], [-1, 0]] }).weights) }));`);
  const { why, w } = JSON.parse(out);
  assert.match(why, /could not read .*moved\/attention_wasm\.wasm \(ENOENT\).*AttentionCore\.load\(\{ wasmBinary \}\)/);
  assert.ok(Math.abs(w[0] - 0.8807970285415649) < 1e-7);
});

test('the browser build has nothing a bundler must be taught: no import.meta (so no asset URL), no node: imports', async () => {
  for (const f of ['dist/index.js', 'dist/widget.js']) {
    const code = await readFile(path.join(pkg.pkgDir, f), 'utf8');
    // assert.ok, not assert.match: a failure must not print 300 kB of bundle.
    assert.ok(!/import\.meta/.test(code), `${f} mentions import.meta (a bundler would look for an asset)`);
    assert.ok(!/from\s*["']node:|import\(\s*["']node:|require\(/.test(code), `${f} imports a node built-in`);
    assert.ok(/export\s*\{[^}]*\}\s*;?\s*$/.test(code), `${f} is an ES module`);
  }
});

test('esbuild bundles `import { AttentionCore, mount } from "attention-plot"` for a page; in Chromium under the strict CSP it mounts and computes', async () => {
  const site = path.join(pkg.dir, 'site');
  await mkdir(site, { recursive: true });
  await writeFile(path.join(pkg.dir, 'main.js'), `
    import { AttentionCore, mount } from 'attention-plot';
    const handle = mount(document.getElementById('here'), { n: 6, layout: 'random', seed: 4, query: [1.1, 0.3], controls: 'compact' });
    window.result = (async () => {
      const core = await AttentionCore.load();
      await handle.ready;
      const s = handle.getState();
      const direct = core.attend({ query: s.query, keys: s.keys, scale: s.scale, normalizeKeys: s.normalizeKeys });
      return { weights: handle.getWeights(), direct: Array.from(direct.weights), n: s.n,
               defined: !!customElements.get('attention-plot'), svg: handle.toSVG().slice(0, 5) };
    })();`);
  const result = await build({
    entryPoints: [path.join(pkg.dir, 'main.js')], bundle: true, format: 'iife', platform: 'browser',
    outfile: path.join(site, 'main.js'), absWorkingDir: pkg.dir, logLevel: 'silent', metafile: true,
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((i) => i.endsWith('node_modules/attention-plot/dist/index.js')), `esbuild took the browser build: ${inputs}`);
  await writeFile(path.join(site, 'index.html'), `<!doctype html><html><head><meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src data:">
    <link rel="icon" href="data:,"><title>consumer</title></head><body><div id="here"></div><script src="main.js"></script></body></html>`);
  const { server, url } = await startServer({ root: site, port: 0, quiet: true });
  const browser = await launch();
  try {
    const page = browser.context.pages()[0] ?? await browser.context.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(new URL('index.html', url).href);
    const r = await page.evaluate(() => window.result);
    assert.ok(r, `the bundle ran: ${problems.join('; ')}`);
    assert.equal(r.defined, true, 'importing the package defines <attention-plot>');
    assert.equal(r.n, 6);
    assert.equal(r.svg, '<?xml');
    assert.equal(r.weights.length, 6);
    for (let i = 0; i < 6; i++) assert.ok(Math.abs(r.weights[i] - r.direct[i]) < 1e-6, `weight ${i}`);
    const drawn = await page.evaluate(() => {
      const c = document.getElementById('here').shadowRoot.querySelector('canvas');
      return c.width > 0 && c.height > 0;
    });
    assert.ok(drawn, 'the plot has a canvas');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    server.closeAllConnections?.();
    await new Promise((r) => server.close(r));
  }
});
