// The element's lean module (attention_plot_wasm): what one plot calls gives the same
// numbers as the full module, and what it leaves out fails with a sentence naming
// the missing function, not a TypeError.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { AttentionCore } from '../../web/js/core/attention-core.js';
import { ROOT, loadCore } from './harness.mjs';

let full, lean;
before(async () => {
  full = await loadCore();
  const gen = path.join(ROOT, 'web', 'generated');
  lean = await AttentionCore.load({
    moduleUrl: pathToFileURL(path.join(gen, 'attention_plot_wasm.mjs')).href,
    wasmBinary: readFileSync(path.join(gen, 'attention_plot_wasm.wasm')),
  });
});

test('the lean module gives the plot the same numbers as the full one', () => {
  const keys = full.layout({ kind: 'clusters', n: 50, seed: 3 }).points;
  const values = full.layout({ kind: 'random', n: 50, seed: 4 }).points;
  assert.deepEqual(lean.layout({ kind: 'clusters', n: 50, seed: 3 }).points, keys);
  for (const normalizeKeys of [false, true]) {
    const args = { query: [0.8, -1.1], keys, values, d: 2, dv: 2, scale: 0.9, normalizeKeys };
    const a = full.attend(args), b = lean.attend(args);
    assert.deepEqual(Array.from(b.weights), Array.from(a.weights));
    assert.deepEqual(Array.from(b.output), Array.from(a.output));
  }
  const angles = [0, 1, 2, 3];
  assert.deepEqual(lean.vonMises({ kappa: 2, phi: 0.5, angles }), full.vonMises({ kappa: 2, phi: 0.5, angles }));
  assert.deepEqual(lean.topK(new Float32Array([0.1, 0.5, 0.4]), 2), full.topK(new Float32Array([0.1, 0.5, 0.4]), 2));
  // the strip's curve for every normaliser the plot offers
  for (const opts of [{}, { alpha: 1.5 }, { alpha: 2, sink: 0.5 }, { kernel: 'elu+1' }, { kernel: 'favor+', features: 8, seed: 3 }]) {
    const a = full.attend({ query: [0.8, -1.1], keys, d: 2, ...opts });
    const args = { query: [0.8, -1.1], ...opts, logSumExp: a.logSumExp, threshold: a.threshold, angles };
    assert.deepEqual(lean.unitKeyCurve(args), full.unitKeyCurve(args), JSON.stringify(opts));
  }
});

test('a function the lean module leaves out throws an Error that names it', () => {
  const keys = [[1, 0], [0, 1]];
  const cases = [
    ['attentionMatrix', 'attn_matrix', () => lean.attentionMatrix({ queries: [[1, 0]], keys })],
    ['stream', 'attn_stream', () => lean.stream({ query: [1, 0], keys, blockSize: 1 })],
    ['selfAttention', 'attn_self_attention', () => lean.selfAttention({ tokens: [[1, 0]], wq: [[1, 0], [0, 1]], wk: [[1, 0], [0, 1]], wv: [[1, 0], [0, 1]] })],
    ['dimensionStats', 'attn_dimension_stats', () => lean.dimensionStats({ d: 4, n: 8 })],
  ];
  for (const [method, name, call] of cases) {
    assert.throws(call, (e) => e instanceof Error && !(e instanceof TypeError) &&
      e.message.startsWith(`${method}: `) && e.message.includes(name), method);
  }
  // and the core still works afterwards
  assert.equal(lean.attend({ query: [1, 0], keys }).weights.length, 2);
});
