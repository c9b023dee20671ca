// The sizes README.md quotes come from the build: the element scripts dist/attention-plot.js
// and dist/attention-head.js
// ("~N kB, ~M kB gzip") and a notebook output (AttentionPlot(...)._repr_html_(), "about N kB
// per output"), each within 10 % (kB = 1000 bytes; gzip at level 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const TOLERANCE = 0.10;

function near(measuredBytes, statedKB, what) {
  const kB = measuredBytes / 1000;
  assert.ok(Math.abs(kB - statedKB) <= statedKB * TOLERANCE,
    `${what}: README.md says ${statedKB} kB, the build gives ${kB.toFixed(1)} kB; update README.md`);
}

test('README: the element script\'s size and gzip size', () => {
  const m = readme.match(/~(\d+(?:\.\d+)?) kB, ~(\d+(?:\.\d+)?) kB gzip/);
  assert.ok(m, 'README.md states the element\'s size as "~N kB, ~M kB gzip"');
  const js = readFileSync(path.join(root, 'dist', 'attention-plot.js'));
  near(js.length, Number(m[1]), 'dist/attention-plot.js');
  near(gzipSync(js, { level: 9 }).length, Number(m[2]), 'dist/attention-plot.js gzip -9');
});

// The budget the issues set for the single-file element: 100 KiB gzip (level 9). What stays out
// of it to fit: the trainer, the readers and the query's gradient (full module and page only).
test('the element script stays within its 100 KiB gzip budget', () => {
  const js = readFileSync(path.join(root, 'dist', 'attention-plot.js'));
  const gz = gzipSync(js, { level: 9 }).length;
  assert.ok(gz <= 100 * 1024, `dist/attention-plot.js is ${gz} bytes gzip; the budget is ${100 * 1024}`);
});

test('README: a notebook output\'s size', (t) => {
  const m = readme.match(/about (\d+(?:\.\d+)?) kB per output/);
  assert.ok(m, 'README.md states a notebook output as "about N kB per output"');
  const py = spawnSync('python3', ['-c',
    'import sys; from attention_plot import AttentionPlot; sys.stdout.write(str(len(AttentionPlot(n=12, controls="compact")._repr_html_().encode())))'],
  { cwd: path.join(root, 'python'), encoding: 'utf8' });
  if (py.error) { t.skip('python3 is not installed'); return; }
  assert.equal(py.status, 0, py.stderr);
  near(Number(py.stdout), Number(m[1]), 'a notebook output (_repr_html_)');
});

test('README: the head element\'s gzip size (AttentionPlot.from_tensors outputs)', () => {
  const m = readme.match(/`<attention-head>` and its own lean core \(about (\d+(?:\.\d+)?) kB gzip\)/);
  assert.ok(m, 'README.md states the head element as "`<attention-head>` and its own lean core (about N kB gzip)"');
  const js = readFileSync(path.join(root, 'dist', 'attention-head.js'));
  near(gzipSync(js, { level: 9 }).length, Number(m[1]), 'dist/attention-head.js gzip -9');
});
