// core.selfAttention and core.dimensionStats (WASM through web/js/core/attention-core.js) == native attention-cli
// modes `self` and `dimension`.   node --test tests/wasm/
//
// Tolerance: the CLI computes self-attention in double, the WASM binding in float (the
// playground's numbers are float32). Inputs are first rounded to float32 (Math.fround) so
// both sides see the same numbers; what remains is float rounding in the projections
// (2-term dot products), the logits and the softmax, each a few float ulps (2^-24 ≈ 6e-8)
// of the values involved. We allow 1e-5 relative with an absolute floor of 1e-6 (results
// that are small by cancellation, e.g. an asymmetry or a weight near 0, where relative
// error is meaningless). The inputs are O(1), so these bounds are ~100x the expected error.
// dimensionStats runs in double on both sides (same code, same seed stream): 1e-12.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';

import { cliResult, close, closeArray, loadCore, requireCli, rng } from './harness.mjs';

const REL = 1e-5;
const ABS = 1e-6;

let core;
before(async () => {
  requireCli();
  core = await loadCore();
});

const cli = cliResult;

const f = Math.fround;
const mat2 = (rand) => [[f(rand()), f(rand())], [f(rand()), f(rand())]];
const flatRows = (rows) => rows.flat();

function compareSelf(problem, where) {
  const { tokens, wq, wk, wv, heads, kvHeads, mask, scale } = problem;
  const exp = cli({ mode: 'self', tokens, wq, wk, wv, heads, kv_heads: kvHeads, scale, mask });
  const got = core.selfAttention({ tokens, wq, wk, wv, heads, kvHeads, scale, mask });
  assert.equal(got.variant, exp.variant, `${where}: variant`);
  assert.equal(got.kvCacheEntries, exp.kv_cache_entries, `${where}: kv cache`);
  assert.equal(got.kvCacheEntriesMHA, exp.kv_cache_entries_mha, `${where}: kv cache MHA`);
  assert.equal(got.heads.length, exp.heads.length);
  got.heads.forEach((h, i) => {
    const e = exp.heads[i], w = `${where} head ${i}`;
    for (const [key, ekey] of [['q', 'q'], ['k', 'k'], ['v', 'v'], ['logits', 'logits'], ['weights', 'weights'],
      ['output', 'output']]) {
      closeArray(Array.from(h[key]), flatRows(e[ekey]), `${w} ${key}`, REL, ABS);
    }
    closeArray(Array.from(h.entropy), e.entropy, `${w} entropy`, REL, ABS);
    assert.deepEqual(Array.from(h.emptyRows, Boolean), e.empty_rows, `${w} empty rows`);
    close(h.logitAsymmetry, e.logit_asymmetry, `${w} logit asymmetry`, REL, ABS);
    close(h.weightAsymmetry, e.weight_asymmetry, `${w} weight asymmetry`, REL, ABS);
  });
  closeArray(Array.from(got.output), flatRows(exp.output), `${where} concat output`, REL, ABS);
  return got;
}

test('selfAttention matches the CLI: one head, every mask', () => {
  const rand = rng(11);
  for (const mask of ['none', 'causal', 'window:2', 'topk:2']) {
    for (const m of [2, 5, 9]) {
      const tokens = Array.from({ length: m }, () => [f(2 * rand()), f(2 * rand())]);
      compareSelf({ tokens, wq: [mat2(rand)], wk: [mat2(rand)], wv: [mat2(rand)], heads: 1, kvHeads: 1,
        scale: 1, mask }, `m=${m} mask=${mask}`);
    }
  }
});

test('selfAttention matches the CLI: MHA, GQA, MQA', () => {
  const rand = rng(12);
  const tokens = Array.from({ length: 6 }, () => [f(rand()), f(rand())]);
  for (const [heads, kvHeads, variant] of [[4, 4, 'MHA'], [4, 2, 'GQA'], [8, 1, 'MQA'], [6, 3, 'GQA']]) {
    const mk = (c) => Array.from({ length: c }, () => mat2(rand));
    const got = compareSelf({ tokens, wq: mk(heads), wk: mk(kvHeads), wv: mk(kvHeads), heads, kvHeads,
      scale: f(0.7), mask: 'causal' }, `${variant} ${heads}/${kvHeads}`);
    assert.equal(got.variant, variant);
    assert.equal(got.kvCacheEntries, 2 * 6 * kvHeads * 2);
  }
});

test('selfAttention: tied W_Q = W_K gives zero logit asymmetry, nonzero weight asymmetry', () => {
  const w = [[f(0.9), f(-0.4)], [f(0.3), f(1.2)]];
  const tokens = [[1, 0], [0.2, 1.1], [-0.7, 0.4], [0.5, -0.9]];
  const r = compareSelf({ tokens, wq: [w], wk: [w], wv: [[[1, 0], [0, 1]]], heads: 1, kvHeads: 1, scale: 1,
    mask: 'none' }, 'tied');
  assert.equal(r.heads[0].logitAsymmetry, 0);
  assert.ok(r.heads[0].weightAsymmetry > 1e-3);
});

test('selfAttention errors carry the core message', () => {
  const I = [[1, 0], [0, 1]];
  assert.throws(() => core.selfAttention({ tokens: [[1, 0]], wq: [I, I, I], wk: [I, I], wv: [I, I],
    heads: 3, kvHeads: 2 }), /kv_heads/);
  assert.throws(() => core.selfAttention({ tokens: [[1, 0], [0, 1]], wq: [I], wk: [I], wv: [I], mask: 'topk:5' }),
    (e) => e instanceof Error && e.message.length > 0);
  assert.throws(() => core.selfAttention({ tokens: [[1, 0]], wq: [I, I], wk: [I], wv: [I], heads: 1 }), /wq: has 2 matrices/);
});

test('dimensionStats matches the CLI (double on both sides)', () => {
  for (const d of [2, 16, 256, 1024]) {
    for (const scaled of [true, false]) {
      const exp = cli({ mode: 'dimension', d, n: 32, seed: 5, scaled });
      const got = core.dimensionStats({ d, n: 32, seed: 5, scaled });
      const where = `d=${d} scaled=${scaled}`;
      closeArray(Array.from(got.logits), exp.logits, `${where} logits`, 1e-12, 1e-12);
      closeArray(Array.from(got.weights), exp.weights, `${where} weights`, 1e-12, 1e-15);
      close(got.logitMean, exp.logit_mean, `${where} mean`, 1e-12, 1e-12);
      close(got.logitStd, exp.logit_std, `${where} std`, 1e-12, 1e-12);
      close(got.maxWeight, exp.max_weight, `${where} max weight`, 1e-12, 1e-15);
      close(got.entropy, exp.entropy, `${where} entropy`, 1e-12, 1e-12);
      close(got.effectiveKeys, exp.effective_keys, `${where} effective keys`, 1e-12, 1e-12);
      close(got.scale, exp.scale, `${where} scale`, 1e-15, 0);
    }
  }
  assert.throws(() => core.dimensionStats({ d: 0, n: 4 }), (e) => e instanceof Error && /d/.test(e.message));
});
