// The heap discipline of web/js/core/attention-core.js: no growth on the hot path, no stale views after growth.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';

import { loadCore, points, rng } from './harness.mjs';

let core;
before(async () => {
  core = await loadCore();
});

test('heapBytes is a read-only number', () => {
  assert.equal(typeof core.heapBytes, 'number');
  assert.ok(core.heapBytes >= 1 << 20);
  assert.throws(() => { 'use strict'; core.heapBytes = 1; }, TypeError);
});

test('no heap growth over 10,000 attend calls with the same shapes', () => {
  const rand = rng(5);
  const args = { query: points(rand, 1, 8)[0], keys: points(rand, 64, 8), values: points(rand, 64, 3), scale: 0.35 };
  const first = core.attend(args);
  const bytes = core.heapBytes;
  let last;
  for (let i = 0; i < 10000; i++) last = core.attend(args);
  assert.equal(core.heapBytes, bytes);
  assert.deepEqual(last.weights, first.weights);
  assert.deepEqual(last.output, first.output);
});

test('no heap growth over repeated matrix, stream, layout and vonMises calls', () => {
  const rand = rng(6);
  const Q = points(rand, 16, 4), K = points(rand, 32, 4), V = points(rand, 32, 2);
  const angles = Array.from({ length: 360 }, (_, i) => i / 57.3);
  const run = () => {
    core.attentionMatrix({ queries: Q, keys: K, values: V, mask: { topK: 5 } });
    core.stream({ query: Q[0], keys: K, values: V, blockSize: 7 });
    core.layout({ kind: 'clusters', n: 100, seed: 3 });
    core.vonMises({ kappa: 3, phi: 1, angles });
  };
  run();
  const bytes = core.heapBytes;
  for (let i = 0; i < 1000; i++) run();
  assert.equal(core.heapBytes, bytes);
});

// Reference in double precision from float32 inputs (tolerances: float32 rounding).
function jsAttend(q, K, d, scale) {
  const n = K.length / d;
  const logits = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += q[j] * K[i * d + j];
    logits[i] = s * scale;
  }
  let max = -Infinity, arg = 0;
  logits.forEach((l, i) => { if (l > max) { max = l; arg = i; } });
  let sum = 0;
  for (const l of logits) sum += Math.exp(l - max);
  return { logits, weights: logits.map((l) => Math.exp(l - max) / sum), argmax: arg };
}

test('views are not stale after the heap grows (n = 65,536, d = 64, then a small call)', () => {
  const rand = rng(7);
  const small = { query: [0.3, -0.8], keys: [[1, 0], [0, 1], [-1, 0.5]], values: [[1, 2], [3, 4], [5, 6]] };
  const before = core.attend(small);
  const bytesBefore = core.heapBytes;

  const n = 65536, d = 64;
  const keys = new Float32Array(n * d);
  for (let i = 0; i < keys.length; i++) keys[i] = rand(-1, 1);
  const query = Float32Array.from({ length: d }, () => rand(-1, 1));
  const big = core.attend({ query, keys, d, scale: 1 / 8 });
  assert.ok(core.heapBytes > bytesBefore, `the big call should have grown the heap (${core.heapBytes} bytes)`);
  assert.equal(big.weights.length, n);
  const ref = jsAttend(query, keys, d, 1 / 8);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += big.weights[i];
    assert.ok(Math.abs(big.logits[i] - ref.logits[i]) <= 1e-5, `logit ${i}: ${big.logits[i]} vs ${ref.logits[i]}`);
  }
  assert.ok(Math.abs(sum - 1) < 1e-3, `weights sum to ${sum}`);
  assert.equal(big.argmax, ref.argmax);
  for (const i of [0, 1, 12345, n - 1]) {
    assert.ok(Math.abs(big.weights[i] - ref.weights[i]) <= 1e-5 * ref.weights[i] + 1e-12, `weight ${i}`);
  }

  const after = core.attend(small);
  assert.deepEqual(after, before);
});

test('views are not stale when the core itself grows the heap during a call', () => {
  // The arena is sized for inputs and outputs; attention_matrix also allocates its own
  // (m, n) result matrices inside WASM, which can grow memory mid-call.
  const rand = rng(8);
  const m = 1024, n = 1024, d = 4;
  const queries = Float32Array.from({ length: m * d }, () => rand());
  const keys = Float32Array.from({ length: n * d }, () => rand());
  const bytes = core.heapBytes;
  const r = core.attentionMatrix({ queries, keys, d, mask: 'causal' });
  assert.ok(core.heapBytes >= bytes);
  for (const i of [0, 1, 511, 1023]) {
    let s = 0;
    for (let j = 0; j < n; j++) s += r.weights[i * n + j];
    assert.ok(Math.abs(s - 1) < 1e-4, `row ${i} sums to ${s}`);
    if (i + 1 < n) assert.equal(r.weights[i * n + i + 1], 0, 'causal: key i+1 is masked');
  }
  assert.equal(r.weights[0], 1, 'query 0 sees only key 0');
  const small = core.attend({ query: [1, 0], keys: [[1, 0], [0, 1]] });
  assert.ok(Math.abs(small.weights[0] - Math.E / (Math.E + 1)) < 1e-6);
});
