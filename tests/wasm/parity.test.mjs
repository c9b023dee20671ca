// WASM (through web/js/core/attention-core.js) == native attention-cli, case by case.
//   node --test tests/wasm/
// Needs web/generated/ (./build_wasm.sh) and the native CLI (build/release/attention-cli,
// or ATTN_CLI=/path/to/attention-cli).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  close, closeArray, closeEach, errorBudget, exactArray, flat, loadCore, points, requireCli, rng, runCli, tol,
  cliResult,
} from './harness.mjs';

let core;
before(async () => {
  requireCli();
  core = await loadCore();
});

const cli = cliResult;

// The WASM call must throw an Error whose message is exactly the CLI's.
function sameError(problem, wasmCall) {
  const r = runCli(problem);
  assert.ok(!r.ok, `CLI accepted a bad problem: ${JSON.stringify(problem)}`);
  let thrown;
  try {
    wasmCall();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof Error, `WASM did not throw an Error (CLI said: ${r.message}); got ${thrown}`);
  assert.equal(thrown.message, r.message);
}

const F = (problem) => ({ ...problem, precision: 'float' });

// ---------------------------------------------------------------------------------
// attend

function attendJs(p, form) {
  const args = { scale: p.scale, normalizeKeys: p.normalize_keys };
  if (form === 'flat') {
    Object.assign(args, { query: Float32Array.from(p.query), keys: flat(p.keys), d: p.query.length });
    if (p.values) Object.assign(args, { values: flat(p.values), dv: p.values[0].length });
  } else {
    Object.assign(args, { query: p.query, keys: p.keys, values: p.values });
  }
  return core.attend(args);
}

function checkAttend(p, form) {
  const want = cli(F(p));
  const got = attendJs(p, form);
  const b = errorBudget({ query: p.query, keys: p.keys, values: p.values, scale: p.scale,
    normalize: p.normalize_keys });
  closeEach(got.logits, want.logits, 'logits', (i) => tol.logit(b, i));
  closeEach(got.weights, want.weights, 'weights', () => tol.weight(b));
  closeEach(got.output, want.output, 'output', () => tol.output(b));
  close(got.entropy, want.entropy, 'entropy', ...tol.entropy(b, want.entropy));
  close(got.effectiveKeys, want.effective_keys, 'effectiveKeys', ...tol.effective(b, want.entropy));
  close(got.logSumExp, want.log_sum_exp, 'logSumExp', ...tol.shift(b));
  close(got.maxLogit, want.max_logit, 'maxLogit', ...tol.shift(b));
  assert.equal(got.argmax, want.argmax, 'argmax');
}

describe('attend: WASM == CLI (float)', () => {
  const rand = rng(11);
  for (const d of [2, 8]) {
    for (const normalize_keys of [false, true]) {
      for (const scale of [1, 1 / Math.sqrt(d), -2.5, 12]) {
        for (const dv of [0, 1, 3]) {
          const n = d === 2 ? 7 : 19;
          const p = { mode: 'attend', query: points(rand, 1, d, -2, 2)[0], keys: points(rand, n, d, -2, 2), scale,
            normalize_keys };
          if (dv) p.values = points(rand, n, dv, -3, 3);
          const name = `d=${d} n=${n} normalize=${normalize_keys} scale=${scale.toFixed(3)} dv=${dv}`;
          test(name, () => checkAttend(p, 'points'));
          if (scale === -2.5) test(`${name} (flat typed arrays)`, () => checkAttend(p, 'flat'));
        }
      }
    }
  }
  test('ties share weight evenly; one key', () => {
    checkAttend({ mode: 'attend', query: [1, 0], keys: [[0, 1], [0, -1], [0, 1]], values: [[1], [2], [3]], scale: 3,
      normalize_keys: false }, 'points');
    checkAttend({ mode: 'attend', query: [0.5, -2], keys: [[3, 4]], values: [[7, 8, 9]], scale: 1,
      normalize_keys: true }, 'points');
  });
  test('huge logits saturate instead of overflowing', () => {
    checkAttend({ mode: 'attend', query: [3e38, 3e38], keys: [[3e38, 3e38], [-3e38, 1]], values: [[1], [2]],
      scale: 1e10, normalize_keys: false }, 'points');
  });
});

// ---------------------------------------------------------------------------------
// matrix

function checkMatrix(p, jsMask, form) {
  const want = cli(F(p));
  const args = { scale: p.scale, normalizeKeys: p.normalize_keys, mask: jsMask };
  if (form === 'flat') {
    Object.assign(args, { queries: flat(p.queries), keys: flat(p.keys), d: p.keys[0].length });
    if (p.values) Object.assign(args, { values: flat(p.values), dv: p.values[0].length });
  } else {
    Object.assign(args, { queries: p.queries, keys: p.keys, values: p.values });
  }
  const got = core.attentionMatrix(args);
  const m = p.queries.length, n = p.keys.length;
  assert.equal(got.m, m);
  assert.equal(got.n, n);
  // One error budget per query row; a masked row only sees some keys, but the full-row
  // budget bounds it.
  const budgets = p.queries.map((query) =>
    errorBudget({ query, keys: p.keys, values: p.values, scale: p.scale, normalize: p.normalize_keys }));
  const dv = got.output.length / m;
  closeEach(got.weights, want.weights.flat(), 'weights', (k) => tol.weight(budgets[Math.floor(k / n)]));
  closeEach(got.logits, want.logits.flat(), 'logits', (k) => tol.logit(budgets[Math.floor(k / n)], k % n));
  closeEach(got.output, want.output.flat(), 'output', (k) => tol.output(budgets[Math.floor(k / dv)]));
  closeEach(got.entropy, want.entropy, 'entropy', (i) => tol.entropy(budgets[i], want.entropy[i]));
  assert.deepEqual(Array.from(got.emptyRows, Boolean), want.empty_rows, 'emptyRows');
  return got;
}

describe('attentionMatrix: WASM == CLI (float)', () => {
  const rand = rng(23);
  const masks = [
    ['none', 'none'],
    ['causal', 'causal'],
    [{ window: 2 }, { window: 2 }],
    ['window:1', { window: 1 }],
    [{ window: 50 }, { window: 50 }],
    [{ topk: 1 }, { topK: 1 }],
    ['topk:3', { topK: 3 }],
    [{ topk: 6 }, { topK: 6 }],  // k = n: same as no mask
  ];
  for (const [cliMask, jsMask] of masks) {
    for (const dv of [0, 3]) {
      const p = { mode: 'matrix', queries: points(rand, 5, 4), keys: points(rand, 6, 4), scale: 1.7,
        normalize_keys: dv === 3, mask: cliMask };
      if (dv) p.values = points(rand, 6, dv, -2, 2);
      test(`mask ${JSON.stringify(cliMask)} dv=${dv}`, () => checkMatrix(p, jsMask, 'points'));
    }
  }
  test('flat typed arrays, causal', () => {
    const p = { mode: 'matrix', queries: points(rand, 4, 3), keys: points(rand, 4, 3), values: points(rand, 4, 2),
      scale: -1, normalize_keys: false, mask: 'causal' };
    checkMatrix(p, 'causal', 'flat');
  });
  test('window past the last key: all-masked rows are empty, zero, never NaN', () => {
    // m = 6 queries, n = 4 keys, window 2: query 5 sees keys 4..5, which do not exist.
    const p = { mode: 'matrix', queries: points(rand, 6, 2), keys: points(rand, 4, 2), values: points(rand, 4, 2),
      scale: 1, normalize_keys: false, mask: { window: 2 } };
    const got = checkMatrix(p, { window: 2 }, 'points');
    assert.deepEqual(Array.from(got.emptyRows), [0, 0, 0, 0, 0, 1]);
    assert.deepEqual(Array.from(got.weights.subarray(20, 24)), [0, 0, 0, 0]);
    assert.deepEqual(Array.from(got.output.subarray(10, 12)), [0, 0]);
    assert.equal(got.entropy[5], 0);
  });
  test('top-k ties go to the lower key index', () => {
    const p = { mode: 'matrix', queries: [[1, 0]], keys: [[0, 1], [1, 0], [0, -1], [1, 0]], scale: 1,
      normalize_keys: false, mask: { topk: 3 } };
    checkMatrix(p, { topK: 3 }, 'points');
  });
});

// ---------------------------------------------------------------------------------
// layout: bit-identical doubles

describe('layout: WASM and CLI bit-identical', () => {
  const cases = [
    { kind: 'even', n: 1 }, { kind: 'even', n: 12, phase: 0.3 }, { kind: 'even', n: 257, phase: -40.5 },
    { kind: 'random', n: 64, seed: 1 }, { kind: 'random', n: 33, seed: 0 },
    { kind: 'random', n: 10, seed: 2 ** 53 - 1 }, { kind: 'random', n: 10, seed: 2 ** 40 + 12345 },
    { kind: 'clusters', n: 50, clusters: 4, spread: 0.5, seed: 9 }, { kind: 'clusters', n: 7, clusters: 7, spread: 0, seed: 3 },
    { kind: 'clusters', n: 20, clusters: 1, spread: 2.5, seed: 77 },
    { kind: 'sphere', n: 30, d: 3, seed: 5 }, { kind: 'sphere', n: 16, d: 2, seed: 6 }, { kind: 'sphere', n: 5, d: 64, seed: 8 },
    { kind: 'values', n: 40, seed: 12 },
    { kind: 'gaussian', n: 25, d: 5, seed: 4 }, { kind: 'gaussian', n: 9, d: 1, seed: 4 },
  ];
  for (const c of cases) {
    test(JSON.stringify(c), () => {
      const want = cli({ mode: 'layout', ...c });
      const got = core.layout(c);
      const cols = want.points[0].length;
      assert.equal(got.d, cols);
      exactArray(got.points, want.points.flat(), 'points');
      if (want.angles) {
        // angles_of uses std::atan2 (glibc natively, musl in WASM): the header says it is for
        // display, not bit-exactness, so compare to double rounding, not bits.
        closeArray(got.angles, want.angles, 'angles', 1e-15, 1e-15);
      } else {
        assert.equal(got.angles, undefined);
      }
    });
  }
});

// ---------------------------------------------------------------------------------
// von Mises (double; libm exp/cos differ by an ulp between glibc and musl)

describe('vonMises: WASM == CLI (double)', () => {
  const angles = Array.from({ length: 73 }, (_, i) => -Math.PI + (2 * Math.PI * i) / 72).concat([10, -7.5, 100]);
  for (const [kappa, phi] of [[0.5, 0], [4, 1.2], [80, -2.9], [700, 0.1], [-3, 0.5], [0, 0], [1e-9, 3]]) {
    test(`kappa=${kappa} phi=${phi}`, () => {
      const want = cli({ mode: 'vonmises', kappa, phi, angles });
      closeArray(core.vonMises({ kappa, phi, angles }), want.density, 'density', 1e-12, 1e-300);
      if (kappa > 0) {
        closeArray(core.vonMises({ kappa, phi, angles, gaussian: true }), want.gaussian, 'gaussian', 1e-12, 1e-300);
      } else {
        assert.equal(want.gaussian, undefined);
        assert.throws(() => core.vonMises({ kappa, phi, angles, gaussian: true }),
          { message: `kappa: is ${kappa}; the Gaussian approximation needs kappa > 0` });
      }
    });
  }
});

// ---------------------------------------------------------------------------------
// stream

describe('stream: WASM == CLI (float)', () => {
  const rand = rng(37);
  for (const [d, dv, normalize_keys, scale] of [[2, 1, false, 1], [8, 3, true, 2.5], [4, 2, false, -3]]) {
    const n = 13;
    const p = { mode: 'stream', query: points(rand, 1, d, -2, 2)[0], keys: points(rand, n, d, -2, 2),
      values: points(rand, n, dv, -2, 2), scale, normalize_keys };
    for (const block_size of [1, 3, 5, 13, 20]) {
      test(`d=${d} dv=${dv} normalize=${normalize_keys} scale=${scale} block=${block_size}`, () => {
        const want = cli(F({ ...p, block_size }));
        const got = core.stream({ query: p.query, keys: p.keys, values: p.values, scale, normalizeKeys: normalize_keys,
          blockSize: block_size });
        const b = errorBudget({ query: p.query, keys: p.keys, values: p.values, scale, normalize: normalize_keys });
        closeEach(got.output, want.output, 'output', () => tol.output(b));
        close(got.logSumExp, want.log_sum_exp, 'logSumExp', ...tol.shift(b));
        assert.equal(got.blocks.length, want.blocks.length, 'number of blocks');
        got.blocks.forEach((s, i) => {
          const w = want.blocks[i];
          assert.equal(s.begin, w.begin, `blocks[${i}].begin`);
          assert.equal(s.end, w.end, `blocks[${i}].end`);
          close(s.blockMax, w.block_max, `blocks[${i}].blockMax`, ...tol.shift(b));
          close(s.runningMax, w.running_max, `blocks[${i}].runningMax`, ...tol.shift(b));
          // rescale = exp(m_old - m_new) and running_sum = Σ exp(l - m): relative error ~ 2·delta.
          close(s.rescale, w.rescale, `blocks[${i}].rescale`, ...tol.weight(b));
          close(s.runningSum, w.running_sum, `blocks[${i}].runningSum`, ...tol.weight(b));
          assert.ok(s.partialOutput instanceof Float32Array);
          closeEach(s.partialOutput, w.partial_output, `blocks[${i}].partialOutput`, () => tol.output(b));
        });
        // Streaming equals the two-pass softmax up to rounding.
        closeArray(got.output, want.two_pass_output, 'two-pass output', 1e-5, 1e-6);
      });
    }
  }
});

// ---------------------------------------------------------------------------------
// Errors: the JS Error carries exactly the core's message, as the CLI prints it.

describe('bad input: JS Error message == CLI message', () => {
  const K = [[1, 0], [0, 1], [-1, 0]];
  const V = [[1], [2], [3]];
  const cases = [
    ['attend: query/key dimension mismatch',
      { mode: 'attend', query: [1, 0, 0], keys: K },
      () => core.attend({ query: [1, 0, 0], keys: K })],
    ['attend: values rows != keys',
      { mode: 'attend', query: [1, 0], keys: K, values: [[1], [2]] },
      () => core.attend({ query: [1, 0], keys: K, values: [[1], [2]] })],
    // JSON cannot carry NaN or Infinity (nlohmann rejects 1e999 as "number overflow"), but
    // 1e39 is a finite double that becomes +inf in float32, in both the CLI and Float32Array.
    ['attend: key entry overflows float32 (inf)',
      { mode: 'attend', query: [1, 0], keys: [[1, 0], [0, 1e39]] },
      () => core.attend({ query: [1, 0], keys: [[1, 0], [0, 1e39]] })],
    ['attend: query entry -inf in float32',
      { mode: 'attend', query: [-1e39, 0], keys: K },
      () => core.attend({ query: [-1e39, 0], keys: K })],
    ['attend: value entry inf in float32',
      { mode: 'attend', query: [1, 0], keys: K, values: [[1], [1e40], [3]] },
      () => core.attend({ query: [1, 0], keys: K, values: [[1], [1e40], [3]] })],
    ['attend: zero key with normalize_keys',
      { mode: 'attend', query: [1, 0], keys: [[1, 0], [0, 0]], normalize_keys: true },
      () => core.attend({ query: [1, 0], keys: [[1, 0], [0, 0]], normalizeKeys: true })],
    ['matrix: window 0',
      { mode: 'matrix', queries: K, keys: K, mask: { window: 0 } },
      () => core.attentionMatrix({ queries: K, keys: K, mask: { window: 0 } })],
    ['matrix: window -2',
      { mode: 'matrix', queries: K, keys: K, mask: 'window:-2' },
      () => core.attentionMatrix({ queries: K, keys: K, mask: 'window:-2' })],
    ['matrix: topk > n',
      { mode: 'matrix', queries: K, keys: K, mask: { topk: 4 } },
      () => core.attentionMatrix({ queries: K, keys: K, mask: { topK: 4 } })],
    ['matrix: topk 0',
      { mode: 'matrix', queries: K, keys: K, mask: 'topk:0' },
      () => core.attentionMatrix({ queries: K, keys: K, mask: { topK: 0 } })],
    ['matrix: queries/keys dimension mismatch',
      { mode: 'matrix', queries: [[1, 2, 3]], keys: K },
      () => core.attentionMatrix({ queries: [[1, 2, 3]], keys: K })],
    ['matrix: zero key with normalize_keys',
      { mode: 'matrix', queries: K, keys: [[0, 0], [1, 1]], normalize_keys: true },
      () => core.attentionMatrix({ queries: K, keys: [[0, 0], [1, 1]], normalizeKeys: true })],
    ['stream: block size 0',
      { mode: 'stream', query: [1, 0], keys: K, values: V, block_size: 0 },
      () => core.stream({ query: [1, 0], keys: K, values: V, blockSize: 0 })],
    ['stream: block size -3',
      { mode: 'stream', query: [1, 0], keys: K, values: V, block_size: -3 },
      () => core.stream({ query: [1, 0], keys: K, values: V, blockSize: -3 })],
    ['stream: dimension mismatch',
      { mode: 'stream', query: [1], keys: K, values: V, block_size: 2 },
      () => core.stream({ query: [1], keys: K, values: V, blockSize: 2 })],
    ['layout: n 0',
      { mode: 'layout', kind: 'random', n: 0 },
      () => core.layout({ kind: 'random', n: 0 })],
    ['layout: clusters > n',
      { mode: 'layout', kind: 'clusters', n: 4, clusters: 5 },
      () => core.layout({ kind: 'clusters', n: 4, clusters: 5 })],
    ['layout: negative spread',
      { mode: 'layout', kind: 'clusters', n: 4, spread: -1 },
      () => core.layout({ kind: 'clusters', n: 4, spread: -1 })],
    ['layout: sphere d 0',
      { mode: 'layout', kind: 'sphere', n: 4, d: 0 },
      () => core.layout({ kind: 'sphere', n: 4, d: 0 })],
    ['layout: n · d too large',
      { mode: 'layout', kind: 'gaussian', n: 2 ** 24, d: 3 },
      () => core.layout({ kind: 'gaussian', n: 2 ** 24, d: 3 })],
  ];
  for (const [name, problem, call] of cases) {
    const p = problem.mode === 'layout' ? problem : F(problem);
    test(name, () => sameError(p, call));
  }
});
