// The rest of the glossary through WASM (web/js/core/attention-core.js) == the native attention-cli:
//   attentionMatrix with a sparse mask == mode matrix, crossAttention == mode cross,
//   pagedDecode == mode paged, mla == mode mla.          node --test tests/wasm/
//
// Tolerance: as modes.test.mjs. Inputs are rounded to float32 first (Math.fround), the CLI
// computes in double and WASM in float, so results differ by float rounding of O(1) sums:
// 1e-5 relative, 1e-6 absolute (weights near 0). Counts (scores computed, block tables,
// blocks used, wasted slots, cache sizes) are integers and must match exactly.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';

import { cliResult, closeArray, close, finiteOrNamed, loadCore, requireCli, rng, runCli } from './harness.mjs';

const REL = 1e-5;
const ABS = 1e-6;
const f = Math.fround;

let core;
before(async () => {
  requireCli();
  core = await loadCore();
});

const pts = (rand, n, d) => Array.from({ length: n }, () => Array.from({ length: d }, () => f(rand())));
const flat = (rows) => rows.flat();

test('attentionMatrix with a sparse mask matches the CLI cell by cell, with the scores computed', () => {
  const rand = rng(11);
  for (const pattern of [
    { window: 2, stride: 0, global: [], causal: true },     // local
    { window: 1, stride: 3, global: [], causal: false },    // strided
    { window: 2, stride: 0, global: [0, 5], causal: false },  // global + local
    { window: 3, stride: 4, global: [2], causal: true },
  ]) {
    const x = pts(rand, 9, 3), v = pts(rand, 9, 2);
    const exp = cliResult({ mode: 'matrix', queries: x, keys: x, values: v, mask: { sparse: pattern } });
    const got = core.attentionMatrix({ queries: x, keys: x, values: v, mask: { sparse: pattern } });
    const where = JSON.stringify(pattern);
    closeArray(got.weights, flat(exp.weights), `${where} weights`, REL, ABS);
    closeArray(got.output, flat(exp.output), `${where} output`, REL, ABS);
    assert.deepEqual(Array.from(got.masked), flat(exp.masked), `${where} masked`);
    assert.equal(got.scoresComputed, exp.scores_computed, `${where} scores computed`);
    assert.equal(got.computedFraction, exp.computed_fraction, `${where} fraction`);
    assert.ok(got.computedFraction < 1);
  }
});

test('sparse mask errors name the setting, word for word as the CLI', () => {
  const x = [[1, 0], [0, 1]];
  for (const [pattern, name] of [[{ window: 0 }, 'window'], [{ stride: -1 }, 'stride'], [{ global: [2] }, 'global']]) {
    const cli = runCli({ mode: 'matrix', queries: x, keys: x, mask: { sparse: pattern } });
    assert.equal(cli.ok, false);
    assert.throws(() => core.attentionMatrix({ queries: x, keys: x, mask: { sparse: pattern } }),
      (e) => e.message === cli.message && e.message.startsWith(`${name}:`));
  }
  const typo = runCli({ mode: 'matrix', queries: x, keys: x, mask: { sparse: { wndow: 1 } } });
  assert.throws(() => core.attentionMatrix({ queries: x, keys: x, mask: { sparse: { wndow: 1 } } }),
    (e) => e.message === typo.message && e.message.startsWith('wndow: is not a field of the sparse mask'));
});

test('crossAttention matches mode cross for m != n', () => {
  const rand = rng(12);
  for (const [m, n] of [[2, 5], [4, 3], [1, 7]]) {
    const tokens = pts(rand, m, 3), source = pts(rand, n, 3);
    const wq = pts(rand, 2, 3), wk = pts(rand, 2, 3), wv = pts(rand, 3, 3);
    const exp = cliResult({ mode: 'cross', tokens, source, wq, wk, wv, scale: 0.8 });
    const got = core.crossAttention({ tokens, source, wq, wk, wv, scale: 0.8 });
    assert.equal(got.m, m);
    assert.equal(got.n, n);
    closeArray(got.weights, flat(exp.weights), `cross ${m}x${n} weights`, REL, ABS);
    closeArray(got.output, flat(exp.output), `cross ${m}x${n} output`, REL, ABS);
    closeArray(got.k, flat(exp.k), `cross ${m}x${n} k`, REL, ABS);
  }
  const bad = { tokens: [[1, 0]], source: [[1, 0, 0]], wq: [[1, 0]], wk: [[1, 0]], wv: [[1, 0]] };
  const cli = runCli({ mode: 'cross', ...bad });
  assert.throws(() => core.crossAttention(bad), (e) => e.message === cli.message);
});

test('pagedDecode matches mode paged at every step: block tables, sharing, paged == contiguous', () => {
  const rand = rng(13);
  const keys = pts(rand, 7, 2), values = pts(rand, 7, 3), keysB = pts(rand, 4, 2), valuesB = pts(rand, 4, 3);
  for (const blockSize of [1, 2, 3, 4]) {
    for (let steps = 0; steps <= 11; steps++) {
      const exp = cliResult({ mode: 'paged', block_size: blockSize, keys, values, shared_prefix: 5, keys_b: keysB,
        values_b: valuesB, steps });
      const got = core.pagedDecode({ blockSize, keys, values, sharedPrefix: 5, keysB, valuesB, steps });
      const where = `block ${blockSize}, step ${steps}`;
      assert.equal(got.forked, exp.forked, where);
      assert.equal(got.totalSteps, 11);
      assert.deepEqual(got.sequences.map((s) => ({ length: s.length, block_table: Array.from(s.blockTable) })),
        exp.sequences, `${where} tables`);
      assert.deepEqual(got.blocks.map((b) => ({ ref_count: b.refCount, filled: b.filled })), exp.blocks, `${where} blocks`);
      for (const [a, b] of [['blocksUsed', 'blocks_used'], ['wastedSlots', 'wasted_slots'], ['slotsFilled', 'slots_filled'],
        ['blocksWithoutSharing', 'blocks_without_sharing'], ['blocksSaved', 'blocks_saved']]) {
        assert.equal(got[a], exp[b], `${where} ${a}`);
      }
      assert.ok(got.maxAbsDiff <= 1e-6, `${where}: paged vs contiguous ${got.maxAbsDiff}`);
      if (steps === 0) {
        assert.equal(got.last, null);
        continue;
      }
      assert.equal(got.last.seq, exp.last.seq);
      assert.equal(got.last.position, exp.last.position);
      closeArray(got.last.weights, exp.last.weights, `${where} weights`, REL, ABS);
      closeArray(got.last.output, exp.last.output, `${where} output`, REL, ABS);
    }
  }
  const cli = runCli({ mode: 'paged', keys, block_size: 0 });
  assert.throws(() => core.pagedDecode({ keys, blockSize: 0 }), (e) => e.message === cli.message);
});

test('mla matches mode mla: latent, weights, drift by rank, cache sizes', () => {
  const rand = rng(14);
  const tokens = pts(rand, 5, 4);
  const heads = 2;
  const W = () => Array.from({ length: heads }, () => pts(rand, 2, 4));
  const wq = W(), wk = W(), wv = W();
  for (const rank of [1, 2, 4]) {
    const exp = cliResult({ mode: 'mla', tokens, wq, wk, wv, rank, rope_dim: 1 });
    const got = core.mla({ tokens, wq, wk, wv, rank, ropeDim: 1 });
    assert.deepEqual(got.cache, exp.cache, `rank ${rank} cache`);
    assert.equal(got.kvHeads, exp.kv_heads);
    got.perHead.forEach((h, i) => {
      closeArray(h.weights, flat(exp.per_head[i].weights), `rank ${rank} head ${i} weights`, REL, ABS);
      closeArray(h.mhaWeights, flat(exp.per_head[i].mha_weights), `rank ${rank} head ${i} MHA weights`, REL, ABS);
    });
    closeArray(got.output, flat(exp.output), `rank ${rank} output`, REL, ABS);
    got.driftByRank.forEach((d, i) => {
      close(d.projectionError, exp.drift_by_rank[i].projection_error, `drift ${i + 1} projection`, 1e-4, 1e-5);
      close(d.maxWeightDiff, exp.drift_by_rank[i].max_weight_diff, `drift ${i + 1} weights`, 1e-3, 1e-5);
    });
  }
  const full = core.mla({ tokens, wq, wk, wv, rank: 4 });
  assert.ok(full.drift.maxWeightDiff < 1e-5, `full rank equals MHA: ${full.drift.maxWeightDiff}`);
  const cli = runCli({ mode: 'mla', tokens, wq, wk, wv, rank: 5 });
  assert.throws(() => core.mla({ tokens, wq, wk, wv, rank: 5 }), (e) => e.message === cli.message);
});

// ---- robustness: finite input gives finite output or an error naming a real argument; a flat heap ----

import fc from 'fast-check';

const num = fc.oneof(
  fc.double({ min: -10, max: 10, noNaN: true }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e-300, 1e300, -1e300, 3.4e38, -3.4e38, 1e39, Number.MAX_VALUE, -Number.MAX_VALUE),
);
const vecOf = (d) => fc.array(num, { minLength: d, maxLength: d });
const ptsOf = (n, d) => fc.array(vecOf(d), { minLength: n, maxLength: n });

test('sparse, cross, paged and mla: finite in, finite out or a named error', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: -1, max: 5 }),
    fc.integer({ min: -1, max: 5 }), fc.array(fc.integer({ min: -1, max: 9 }), { maxLength: 3 }), fc.boolean(),
    fc.integer(), (n, window, stride, global, causal, seed) => {
      fc.assert(fc.property(ptsOf(n, 2), ptsOf(n, 2), num, (x, v, scale) => {
        finiteOrNamed(() => core.attentionMatrix({
          queries: x, keys: x, values: v, scale, mask: { sparse: { window, stride, global, causal } },
        }), ['queries', 'keys', 'values', 'scale', 'window', 'stride', 'global']);
      }), { numRuns: 2, seed });
    }), { numRuns: 100 });
  const mat2 = fc.tuple(vecOf(2), vecOf(2));
  fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), mat2, mat2, mat2, fc.integer(),
    (m, n, wq, wk, wv, seed) => {
      fc.assert(fc.property(ptsOf(m, 2), ptsOf(n, 2), (tokens, source) => {
        finiteOrNamed(() => core.crossAttention({ tokens, source, wq, wk, wv }),
          ['tokens', 'source', 'wq', 'wk', 'wv', 'W_Q', 'W_K', 'W_V', 'scale', 'mask']);
      }), { numRuns: 2, seed });
    }), { numRuns: 100 });
  fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: -1, max: 4 }),
    fc.integer({ min: -1, max: 7 }), fc.integer({ min: -1, max: 11 }), fc.integer(),
    (na, nb, blockSize, sharedPrefix, steps, seed) => {
      fc.assert(fc.property(ptsOf(na, 2), ptsOf(na, 2), ptsOf(nb, 2), (keys, values, keysB) => {
        finiteOrNamed(() => core.pagedDecode({
          keys, values, blockSize, sharedPrefix, steps, ...(nb > 0 ? { keysB } : {}),
        }), ['keys', 'values', 'queries', 'keys_b', 'values_b', 'queries_b', 'keysB', 'valuesB', 'queriesB', 'blockSize', 'block_size', 'shared_prefix', 'sharedPrefix', 'steps', 'seq', 'query']);
      }), { numRuns: 2, seed });
    }), { numRuns: 100 });
  fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 2 }),
    fc.integer({ min: 0, max: 5 }), fc.integer({ min: -1, max: 2 }), fc.integer({ min: 0, max: 3 }), fc.integer(),
    (m, dm, heads, rank, ropeDim, kvHeads, seed) => {
      const W = fc.array(ptsOf(2, dm), { minLength: heads, maxLength: heads });
      fc.assert(fc.property(ptsOf(m, dm), W, W, W, (tokens, wq, wk, wv) => {
        finiteOrNamed(() => core.mla({ tokens, wq, wk, wv, rank, ropeDim, kvHeads }),
          ['tokens', 'wq', 'wk', 'wv', 'rank', 'rope_dim', 'ropeDim', 'kv_heads', 'kvHeads', 'heads']);
      }), { numRuns: 2, seed });
    }), { numRuns: 100 });
});

test('the heap stays flat over 10,000 calls of each glossary function', () => {
  const K = [[1, 0], [0, 1], [-1, 0.5]], V = [[1, 2], [3, 4], [5, 6]], I = [[1, 0], [0, 1]];
  const calls = [
    () => core.attentionMatrix({ queries: K, keys: K, values: V, mask: { sparse: { window: 1, global: [0] } } }),
    () => core.crossAttention({ tokens: K.slice(0, 2), source: K, wq: I, wk: I, wv: I }),
    () => core.pagedDecode({ keys: K, values: V, blockSize: 2, sharedPrefix: 1, keysB: K }),
    () => core.mla({ tokens: K, wq: [I], wk: [I], wv: [I], rank: 1 }),
    () => { try { core.mla({ tokens: K, wq: [I], wk: [I], wv: [I], rank: 3 }); } catch { /* a named error */ } },
  ];
  for (const call of calls) {
    call();
    const before = core.heapBytes;
    for (let i = 0; i < 10000; i++) call();
    assert.equal(core.heapBytes, before, call.toString());
  }
});
