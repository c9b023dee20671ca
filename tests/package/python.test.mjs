// The Python package's HTML in Chromium: the page to_html(full_page=True) writes, the
// way JupyterLab / VS Code show outputs (each output's HTML set as innerHTML, its scripts
// re-created so they run, several outputs in one document), and the way Colab does (each
// output in its own frame). Every plot computes the core's weights for its fields, offline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch } from '../browser/helpers.mjs';
import { repoRoot } from './helpers.mjs';
import { AttentionCore } from '../../web/js/core/attention-core.js';

let dir, browser, core;
const python = (code) => execFileSync(process.env.PYTHON ?? '/usr/bin/python3', ['-c', code], {
  cwd: repoRoot, encoding: 'utf8', env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'python') }, maxBuffer: 64 << 20,
});

before(async () => {
  core = await AttentionCore.load();
  dir = await mkdtemp(path.join(tmpdir(), 'attention-python-'));
  browser = await launch();
  await browser.context.setOffline(true);
});
after(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

async function open(file) {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(pathToFileURL(file).href);
  return { page, problems };
}

// Every <attention-plot> in `frame` once drawn: its state and weights.
async function plots(frame, count) {
  await frame.waitForFunction((count) => {
    const els = [...document.querySelectorAll('attention-plot')];
    return els.length === count && els.every((e) => e.plot?.getWeights());
  }, count, { timeout: 20000 });
  return frame.evaluate(() => [...document.querySelectorAll('attention-plot')].map((e) => ({ state: e.plot.getState(), weights: e.plot.getWeights() })));
}

function assertComputed({ state, weights }) {
  const want = core.attend({ query: state.query, keys: state.keys, scale: state.scale,
    normalizeKeys: state.normalizeKeys }).weights;
  assert.equal(weights.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(weights[i] - want[i]) < 1e-6, `weight ${i}`);
}

test('to_html(full_page=True) with two plots opens from file:// offline; each plot has its fields and the core\'s weights', async () => {
  const file = path.join(dir, 'page.html');
  await writeFile(file, python(`
from attention_plot import AttentionPlot, html
print(html(AttentionPlot(n=12, query=(1, 0.5)), AttentionPlot(n=5, layout="random", seed=4, normalize_keys=False, controls="none"), full_page=True))`));
  const { page, problems } = await open(file);
  const got = await plots(page, 2);
  assert.equal(got[0].state.n, 12);
  assert.deepEqual(got[0].state.query, [1, 0.5]);
  assert.equal(got[1].state.n, 5);
  assert.equal(got[1].state.layout, 'random');
  assert.equal(got[1].state.normalizeKeys, false);
  got.forEach(assertComputed);
  assert.deepEqual(problems, []);
  await page.close();
});

test('notebook outputs (JupyterLab, VS Code): three _repr_html_ outputs in one document, scripts run as those front ends run them', async () => {
  const outputs = JSON.parse(python(`
import json
from attention_plot import AttentionPlot
print(json.dumps([AttentionPlot(n=3, query=(-1, 0.2))._repr_html_(), AttentionPlot(n=7, theme="dark")._repr_html_(),
                  AttentionPlot(n=9, layout="clusters", seed=2, controls="compact")._repr_html_()]))`));
  const file = path.join(dir, 'notebook.html');
  await writeFile(file, `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>notebook</title></head>
    <body><div id="cells"></div></body></html>`);
  const { page, problems } = await open(file);
  await page.evaluate(async (outputs) => {
    for (const html of outputs) {
      const cell = document.createElement('div');
      cell.className = 'output';
      cell.innerHTML = html;  // innerHTML never runs scripts: the front end re-creates them
      for (const old of cell.querySelectorAll('script')) {
        const s = document.createElement('script');
        s.textContent = old.textContent;
        old.replaceWith(s);
      }
      document.getElementById('cells').append(cell);
      await new Promise((r) => setTimeout(r, 50));
    }
  }, outputs);
  const got = await plots(page, 3);
  assert.deepEqual(got.map((p) => p.state.n), [3, 7, 9]);
  assert.equal(got[1].state.theme, 'dark');
  got.forEach(assertComputed);
  assert.deepEqual(problems, []);
  await page.close();
});

test('notebook outputs (Colab): each output in its own frame', async () => {
  const outputs = JSON.parse(python(`
import json
from attention_plot import AttentionPlot
print(json.dumps([AttentionPlot(n=4)._repr_html_(), AttentionPlot(n=6, scale_mode="invsqrt")._repr_html_()]))`));
  const file = path.join(dir, 'colab.html');
  await writeFile(file, `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>colab</title></head><body></body></html>`);
  const { page, problems } = await open(file);
  await page.evaluate((outputs) => {
    for (const html of outputs) {
      const f = document.createElement('iframe');
      f.srcdoc = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">${html}`;
      f.style.cssText = 'width:700px;height:600px';
      document.body.append(f);
    }
  }, outputs);
  await page.waitForFunction(() => document.querySelectorAll('iframe').length === 2);
  const frames = page.frames().filter((f) => f !== page.mainFrame());
  assert.equal(frames.length, 2);
  const got = [];
  for (const f of frames) got.push(...await plots(f, 1));
  assert.deepEqual(got.map((p) => p.state.n).sort(), [4, 6]);
  got.forEach(assertComputed);
  assert.deepEqual(problems, []);
  await page.close();
});
