// The README's notebook cell run for real: its lines written to a .ipynb (one cell each, the
// import with the first), executed by `jupyter nbconvert --to html --execute` with a kernel on
// the tests' Python (PYTHONPATH=python/, as an installed wheel), and the HTML opened offline in
// Chromium. Every <attention-plot> in the outputs draws (a canvas with a size) and computes the
// core's weights for its fields; the console stays clean. The README's real head (from_tensors
// of a captured nn.TransformerEncoderLayer) shows the weights the layer itself returns. Skipped
// when nbconvert or ipykernel is missing for that Python (CI: scripts/install_deps.sh installs
// them) or Chromium is absent.
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

// A README block's lines of code (comments dropped): the block after `heading`.
async function readmeBlock(heading) {
  const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
  const block = readme.split(heading)[1].match(/```python\n([\s\S]*?)```/)[1];
  return block.split('\n').map((l) => l.replace(/\s+#.*$/, '')).filter((l) => l.trim());
}

// The README's "A notebook cell" block: one cell per line, the import with the first.
async function readmeCells() {
  const lines = await readmeBlock('**A notebook cell**');
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

// Writes `cells` as <name>.ipynb, executes it with nbconvert on a kernel of the tests' Python
// and returns the HTML file's path, after checking that every cell ran.
async function execute(cells, name) {
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
  await writeFile(path.join(dir, `${name}.ipynb`), JSON.stringify(notebook));
  // Debian's nbconvert links require.js and MathJax from /usr/share/javascript, which its
  // Recommends would install; empty stand-ins keep the page's own missing files out of the console.
  await writeFile(path.join(dir, 'empty.js'), '');
  const empty = pathToFileURL(path.join(dir, 'empty.js')).href;
  execFileSync(PYTHON, ['-m', 'jupyter', 'nbconvert', '--to', 'html', '--execute', `${name}.ipynb`,
    `--HTMLExporter.require_js_url=${empty}`, `--HTMLExporter.mathjax_url=${empty}`], {
    cwd: dir, stdio: 'pipe', timeout: 120000,
    env: { ...process.env, JUPYTER_PATH: path.join(dir, 'jupyter'), PYTHONPATH: path.join(repoRoot, 'python'), PYDEVD_DISABLE_FILE_VALIDATION: '1' },
  });
  const file = path.join(dir, `${name}.html`);
  const html = await readFile(file, 'utf8');
  assert.doesNotMatch(html, /Traceback|Error<\/span>/, 'every cell ran');
  return file;
}

// Problems a page reports: console errors and warnings, page errors, failed requests.
function watch(page) {
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url().slice(0, 120)}`));
  return problems;
}

test('the README\'s notebook cells, executed by nbconvert, show every plot in Chromium with a clean console', { skip }, async () => {
  const file = await execute(await readmeCells(), 'readme');
  const page = await browser.context.newPage();
  const problems = watch(page);
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

test('the README\'s real head: from_tensors of a captured nn.TransformerEncoderLayer shows the layer\'s own weights', { skip }, async (t) => {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe' });
  } catch {
    t.skip(`${PYTHON} has no torch (apt-get install python3-torch)`);
    return;
  }
  const lines = await readmeBlock('**A real head in a notebook**');
  // The block as one cell (its last line is the output), then the layer's own weights, every
  // head and query, printed for the test (need_weights: what torch computes, not the recipe).
  const oracle = 'import json\nwith torch.no_grad():\n' +
    '    _, want = layer.self_attn(x, x, x, need_weights=True, average_attn_weights=False)\n' +
    'print("TORCH_WEIGHTS" + json.dumps(want[0].tolist()))';
  const file = await execute([lines.join('\n'), oracle], 'head');
  const page = await browser.context.newPage();
  const problems = watch(page);
  await page.goto(pathToFileURL(file).href);
  try {
    await page.waitForFunction(() => document.querySelector('attention-head')?.head?.scene, null, { timeout: 30000 });
  } catch (e) {
    assert.fail(`the head did not show (${problems.join('; ')}): ${e.message}`);
  }
  const printed = await page.evaluate(() => document.body.innerText.match(/TORCH_WEIGHTS(\[.*\])/)[1]);
  const want = JSON.parse(printed);   // (H, T, T)
  const shown = async (patch) => page.evaluate(async (p) => {
    const el = document.querySelector('attention-head');
    if (p) el.head.setState(p);
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const sc = el.head.scene;
    const canvas = el.shadowRoot.querySelector('canvas');
    return { head: sc.head, query: sc.query, d: sc.d, weights: Array.from(sc.weights), tokens: el.head.data.labels,
      canvas: [canvas.width, canvas.height], output: el.closest('[data-mime-type]')?.getAttribute('data-mime-type') ?? null };
  }, patch);
  const first = await shown(null);
  assert.equal(first.output, 'text/html', 'the head is in an HTML output');
  assert.ok(first.canvas[0] > 0 && first.canvas[1] > 0, 'the query\'s view has a size');
  assert.deepEqual([first.head, first.query, first.d], [2, 7, 16]);
  assert.deepEqual(first.tokens, 'The cat sat on the mat , then'.split(' '));
  for (const [h, q] of [[2, 7], [0, 3], [3, 0]]) {
    const got = h === 2 && q === 7 ? first : await shown({ head: h, query: q });
    assert.deepEqual([got.head, got.query], [h, q]);
    assert.equal(got.weights.length, want[h][q].length, 'causal=False: every key');
    got.weights.forEach((w, j) => assert.ok(Math.abs(w - want[h][q][j]) < 1e-5,
      `head ${h}, query ${q}, key ${j}: the plot shows ${w}, torch ${want[h][q][j]}`));
  }
  assert.deepEqual(problems, []);
  await page.close();
});
