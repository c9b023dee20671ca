// The README's notebook cell run for real: its lines written to a .ipynb (one cell each, the
// import with the first), executed by `jupyter nbconvert --to html --execute` with a kernel on
// the tests' Python (PYTHONPATH=python/, as an installed wheel), and the HTML opened offline in
// Chromium. Every <attention-plot> in the outputs draws (a canvas with a size) and computes the
// core's weights for its fields; the console stays clean. Skipped when nbconvert or ipykernel
// is missing for that Python (CI: scripts/install_deps.sh installs them) or Chromium is absent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch } from '../browser/helpers.mjs';
import { repoRoot } from './helpers.mjs';
import { AttentionCore } from '../../web/js/core/attention-core.js';

const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function missing() {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing`;
  try {
    execFileSync(PYTHON, ['-c', 'import nbconvert, ipykernel'], { stdio: 'pipe' });
  } catch {
    return `${PYTHON} has no nbconvert or ipykernel (apt-get install jupyter-nbconvert python3-ipykernel)`;
  }
  return false;
}
const skip = missing();

// The README's "A notebook cell" block: its lines of code, comments dropped.
async function readmeCells() {
  const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
  const block = readme.split('**A notebook cell**')[1].match(/```python\n([\s\S]*?)```/)[1];
  const lines = block.split('\n').map((l) => l.replace(/\s+#.*$/, '')).filter((l) => l.trim());
  const [imports, ...rest] = lines;
  assert.match(imports, /^from attention_plot import/);
  return [`${imports}\n${rest[0]}`, ...rest.slice(1)];
}

let dir, browser, core;
before(async () => {
  if (skip) return;
  core = await AttentionCore.load();
  dir = await mkdtemp(path.join(tmpdir(), 'attention-notebook-'));
  browser = await launch();
  await browser.context.setOffline(true);
});
after(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the README\'s notebook cells, executed by nbconvert, show every plot in Chromium with a clean console', { skip }, async () => {
  const cells = await readmeCells();
  // A kernel on the tests' Python, whatever `python3` is first on PATH.
  const kernels = path.join(dir, 'jupyter', 'kernels', 'attention-test');
  await mkdir(kernels, { recursive: true });
  await writeFile(path.join(kernels, 'kernel.json'), JSON.stringify({
    argv: [PYTHON, '-m', 'ipykernel_launcher', '-f', '{connection_file}'], display_name: 'attention-test', language: 'python' }));
  const notebook = {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: 'attention-test', display_name: 'attention-test', language: 'python' } },
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `cell${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  };
  await writeFile(path.join(dir, 'readme.ipynb'), JSON.stringify(notebook));
  // Debian's nbconvert links require.js and MathJax from /usr/share/javascript, which its
  // Recommends would install; empty stand-ins keep the page's own missing files out of the console.
  await writeFile(path.join(dir, 'empty.js'), '');
  const empty = pathToFileURL(path.join(dir, 'empty.js')).href;
  execFileSync(PYTHON, ['-m', 'jupyter', 'nbconvert', '--to', 'html', '--execute', 'readme.ipynb',
    `--HTMLExporter.require_js_url=${empty}`, `--HTMLExporter.mathjax_url=${empty}`], {
    cwd: dir, stdio: 'pipe', timeout: 120000,
    env: { ...process.env, JUPYTER_PATH: path.join(dir, 'jupyter'), PYTHONPATH: path.join(repoRoot, 'python'), PYDEVD_DISABLE_FILE_VALIDATION: '1' },
  });
  const file = path.join(dir, 'readme.html');
  const html = await readFile(file, 'utf8');
  assert.doesNotMatch(html, /Traceback|Error<\/span>/, 'every cell ran');

  const page = await browser.context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url().slice(0, 120)}`));
  await page.goto(pathToFileURL(file).href);
  // Cell 1: one plot; cell 2: html(a, b), two plots in one output; cell 3: to_html(full_page=True).
  const want = [{ n: 12, query: [1, 0.5], layout: 'clusters' }, { n: 4 }, { n: 16, theme: 'dark' }, { n: 12 }];
  try {
    await page.waitForFunction((count) => {
      const els = [...document.querySelectorAll('attention-plot')];
      return els.length === count && els.every((e) => e.plot?.getWeights());
    }, want.length, { timeout: 30000 });
  } catch (e) {
    const shown = await page.evaluate(() => document.querySelectorAll('attention-plot').length);
    assert.fail(`${shown} of ${want.length} plots shown (an output shown as text, not HTML?); ${problems.join('; ')}: ${e.message}`);
  }
  const got = await page.evaluate(() => [...document.querySelectorAll('attention-plot')].map((e) => {
    const canvas = e.shadowRoot?.querySelector('canvas');
    return {
      state: e.plot.getState(), weights: Array.from(e.plot.getWeights()),
      canvas: canvas ? [canvas.width, canvas.height] : null,
      output: e.closest('[data-mime-type]')?.getAttribute('data-mime-type') ?? null,
    };
  }));
  got.forEach((p, i) => {
    for (const [k, v] of Object.entries(want[i])) assert.deepEqual(p.state[k], v, `plot ${i}: ${k}`);
    assert.equal(p.output, 'text/html', `plot ${i} is in an HTML output`);
    assert.ok(p.canvas && p.canvas[0] > 0 && p.canvas[1] > 0, `plot ${i} has a canvas with a size`);
    const { query, keys, scale, normalizeKeys } = p.state;
    const w = core.attend({ query, keys, scale, normalizeKeys }).weights;
    assert.equal(p.weights.length, w.length);
    for (let j = 0; j < w.length; j++) assert.ok(Math.abs(p.weights[j] - w[j]) < 1e-6, `plot ${i}, weight ${j}`);
  });
  assert.deepEqual(problems, []);
  await page.close();
});
