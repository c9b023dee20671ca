// docs/architecture.md draws web/js file by file: every file there has a row in its tables
// (a newcomer finds a file's layer from its path and its one job from that row), every row
// names a file that exists, and the size limits of "Layers you can see" hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const doc = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const files = walk(path.join(root, 'web/js')).filter((f) => f.endsWith('.js')).map((f) => path.relative(root, f));

// The table rows: "| `web/js/...` | ... |" (the first cell may name several files).
const rows = doc.split('\n').filter((l) => l.startsWith('| `web/js/'));
const named = new Set(rows.flatMap((l) => [...l.split('|')[1].matchAll(/`(web\/js\/[^`]+\.js)`/g)].map((m) => m[1])));

test('every file under web/js has a row in docs/architecture.md', () => {
  const missing = files.filter((f) => !named.has(f));
  assert.deepEqual(missing, [], `add a row to docs/architecture.md for: ${missing.join(', ')}`);
});

test('every file docs/architecture.md names exists', () => {
  const gone = [...named].filter((f) => !files.includes(f));
  assert.deepEqual(gone, [], `docs/architecture.md names files that are not there: ${gone.join(', ')}`);
});

test('web/js files stay small: at most 600 lines each', () => {
  const long = files.map((f) => [f, readFileSync(path.join(root, f), 'utf8').split('\n').length]).filter(([, n]) => n > 600);
  assert.deepEqual(long, [], long.map(([f, n]) => `${f}: ${n} lines`).join('; '));
});

test('web/js classes stay small: at most 400 lines each', () => {
  const big = [];
  for (const f of files) {
    const lines = readFileSync(path.join(root, f), 'utf8').split('\n');
    lines.forEach((line, i) => {
      const m = /^(\s*)(?:export )?class (\w+)/.exec(line);
      if (!m) return;
      const end = lines.findIndex((l, j) => j > i && l === `${m[1]}}`);
      if (end - i + 1 > 400) big.push(`${f}: class ${m[2]} ${end - i + 1} lines`);
    });
  }
  assert.deepEqual(big, []);
});

// What each folder may import (docs/architecture.md, "The folders are the layers").
const MAY_IMPORT = {
  core: ['core'],
  state: ['state'],
  plot: ['plot', 'state'],
  explore: ['explore', 'plot', 'state', 'core'],
  page: ['page', 'plot', 'state', 'core'],
  train: ['train', 'plot', 'state', 'core'],
  model: ['model', 'plot', 'state', 'core'],
  entries: ['entries', 'page', 'explore', 'train', 'model', 'plot', 'state', 'core'],
};

test('imports run one way between the folders of web/js', () => {
  const wrong = [];
  for (const f of files) {
    const layer = f.split('/')[2];
    assert.ok(MAY_IMPORT[layer], `${f}: web/js/${layer}/ is not a layer of docs/architecture.md`);
    const text = readFileSync(path.join(root, f), 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const target = path.relative(path.join(root, 'web/js'), path.resolve(path.dirname(path.join(root, f)), m[1]));
      if (target.startsWith('..')) continue;  // ../generated, ../css: not a layer
      const to = target.split(path.sep)[0];
      if (!MAY_IMPORT[layer].includes(to)) wrong.push(`${f} imports ${m[1]}`);
    }
  }
  assert.deepEqual(wrong, []);
});
