// Property tests over every JS API function (fast-check): finite input gives finite
// output or an Error whose message starts with the name of a real argument; and the heap
// stays flat over 10,000 calls of each.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { finiteOrNamed, loadCore } from './harness.mjs';

let core;
before(async () => { core = await loadCore(); });

// Finite numbers of every size, the tails included.
const num = fc.oneof(
  fc.double({ min: -10, max: 10, noNaN: true }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e-300, -1e-300, 1e300, -1e300, 3.4e38, -3.4e38, 1e39, Number.MAX_VALUE, -Number.MAX_VALUE),
);
const vec = (d) => fc.array(num, { minLength: d, maxLength: d });
const pts = (n, d) => fc.array(vec(d), { minLength: n, maxLength: n });
const dims = fc.record({ n: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 6 }),
  dv: fc.integer({ min: 1, max: 4 }) });

const RUNS = 300;

test('attend: finite in, finite out or a named error', () => {
  fc.assert(fc.property(dims, fc.integer(), num, fc.boolean(), (s, seed, scale, normalizeKeys) => {
    return fc.assert(fc.property(vec(s.d), pts(s.n, s.d), pts(s.n, s.dv), (query, keys, values) => {
      finiteOrNamed(() => core.attend({ query, keys, values, scale, normalizeKeys }), ['query', 'keys', 'values', 'scale']);
    }), { numRuns: 3, seed }) ?? true;
  }), { numRuns: RUNS / 3 });
});

test('attentionMatrix and stream: finite in, finite out or a named error', () => {
  fc.assert(fc.property(dims, fc.integer({ min: 1, max: 5 }), fc.constantFrom('none', 'causal', 'window:2', 'topk:1'),
    fc.integer({ min: 1, max: 6 }), num, fc.integer(), (s, m, mask, blockSize, scale, seed) => {
      fc.assert(fc.property(pts(m, s.d), pts(s.n, s.d), pts(s.n, s.dv), vec(s.d), (queries, keys, values, query) => {
        finiteOrNamed(() => core.attentionMatrix({ queries, keys, values, scale, mask }), ['queries', 'keys', 'values', 'scale', 'mask', 'window', 'topk']);
        finiteOrNamed(() => core.stream({ query, keys, values, scale, blockSize }), ['query', 'keys', 'values', 'scale', 'blockSize']);
      }), { numRuns: 2, seed });
    }), { numRuns: RUNS / 3 });
});

test('layout, vonMises, queryGeometry, keyPositions, topK, unitKeyWeights, unitKeyCurve, invSqrtD', () => {
  fc.assert(fc.property(fc.constantFrom('even', 'random', 'clusters', 'sphere', 'values', 'gaussian'),
    fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 5 }), num, num, fc.integer({ min: 0, max: 2 ** 31 }),
    vec(8), fc.integer({ min: -2, max: 10 }), (kind, n, d, a, b, seed, xs, k) => {
      finiteOrNamed(() => core.layout({ kind, n, d, seed, spread: Math.abs(a) % 1e6, phase: b }), ['kind', 'n', 'd', 'clusters', 'spread', 'phase', 'seed']);
      finiteOrNamed(() => core.vonMises({ kappa: a, phi: b, angles: xs }), ['kappa', 'phi', 'angles']);
      finiteOrNamed(() => core.queryGeometry({ query: xs, scale: a }), ['query', 'scale']);
      finiteOrNamed(() => core.keyPositions({ keys: xs, d: 2, normalizeKeys: b > 0 }), ['keys', 'd']);
      finiteOrNamed(() => core.topK(xs.map((x) => Math.fround(x) === x ? x : 0), k), ['weights', 'k']);
      finiteOrNamed(() => core.unitKeyWeights({ kappa: a, phi: b, logSumExp: xs[0], angles: xs }), ['kappa', 'phi', 'logSumExp', 'angles']);
      finiteOrNamed(() => core.unitKeyCurve({ query: xs.slice(0, d), scale: a, alpha: 1 + (seed % 3) / 2, kernel: ['softmax', 'elu+1', 'favor+'][seed % 3], features: 1 + (k & 7), logSumExp: xs[1] ?? 0, threshold: b, angles: xs }), ['query', 'scale', 'alpha', 'logSumExp', 'threshold', 'angles', 'features', 'kernel']);
      finiteOrNamed(() => core.invSqrtD(k), ['d']);
    }), { numRuns: RUNS });
});

test('selfAttention and dimensionStats: finite in, finite out or a named error', () => {
  const mat2 = fc.tuple(vec(2), vec(2));
  fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), mat2, mat2, mat2, num, fc.constantFrom('none', 'causal'), fc.integer(), (m, wq, wk, wv, scale, mask, seed) => {
    fc.assert(fc.property(pts(m, 2), (tokens) => {
      finiteOrNamed(() => core.selfAttention({ tokens, wq, wk, wv, scale, mask }), ['tokens', 'wq', 'wk', 'wv', 'W_Q', 'W_K', 'W_V', 'scale', 'mask', 'heads', 'kvHeads']);
    }), { numRuns: 2, seed });
  }), { numRuns: RUNS / 3 });
  fc.assert(fc.property(fc.integer({ min: -1, max: 64 }), fc.integer({ min: -1, max: 64 }),
    fc.integer({ min: 0, max: 1000 }), fc.boolean(), (d, n, seed, scaled) => {
      finiteOrNamed(() => core.dimensionStats({ d, n, seed, scaled }), ['d', 'n', 'seed']);
    }), { numRuns: 100 });
});

test('the heap stays flat over 10,000 calls of each API function', () => {
  const q = [0.3, -1.2], K = [[1, 0], [0, 1], [-1, 0.5]], V = [[1, 2], [3, 4], [5, 6]];
  const calls = [
    () => core.attend({ query: q, keys: K, values: V }),
    () => core.attentionMatrix({ queries: K, keys: K, values: V, mask: 'causal' }),
    () => core.stream({ query: q, keys: K, values: V, blockSize: 2 }),
    () => core.layout({ kind: 'random', n: 16 }),
    () => core.vonMises({ kappa: 2, phi: 1, angles: [0, 1, 2] }),
    () => core.selfAttention({ tokens: K, wq: [[1, 0], [0, 1]], wk: [[1, 0], [0, 1]], wv: [[1, 0], [0, 1]] }),
    () => core.queryGeometry({ query: q, scale: 2 }),
    () => core.keyPositions({ keys: K, normalizeKeys: true }),
    () => core.topK([0.1, 0.5, 0.4], 2),
    () => core.unitKeyWeights({ kappa: 2, phi: 0, logSumExp: 1, angles: [0, 1] }),
    () => core.unitKeyCurve({ query: q, alpha: 1.5, threshold: 0.2, angles: [0, 1] }),
    () => { try { core.attend({ query: q, keys: [[0, 0]], normalizeKeys: true }); } catch { /* a named error */ } },
  ];
  for (const call of calls) {
    call();
    const before = core.heapBytes;
    for (let i = 0; i < 10000; i++) call();
    assert.equal(core.heapBytes, before, call.toString());
  }
});
