// Beyond softmax (alpha-entmax, sink, rope, elu+1 / favor+ kernels): the JS API through WASM
// == the native attention-cli, option by option and all together, and the same error messages.
//   ATTN_CLI=$PWD/build/release/attention-cli node --test tests/wasm/
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { close, closeArray, closeEach, cliResult, errorBudget, loadCore, points, requireCli, rng, runCli, tol } from './harness.mjs';

let core;
before(async () => {
  requireCli();
  core = await loadCore();
});

// The CLI's attend problem (float precision) -> the JS API's arguments.
function jsArgs(p) {
  const args = { query: p.query, keys: p.keys, values: p.values, scale: p.scale, normalizeKeys: p.normalize_keys };
  for (const k of ['alpha', 'sink', 'rope', 'kernel', 'features', 'seed']) if (k in p) args[k] = p[k];
  return args;
}

// Both sides run the same float code on the same float inputs. Differences come from the
// dot products' summation order and libm (glibc vs musl: exp, log1p, pow in RoPE's θ_j), each
// a few float ulps; entmax and sparsemax are Lipschitz in the logits, so a logit error δ moves
// a weight by at most ~2δ. The budget is the plain attend's, widened by the rotation (d ulps).
function check(p) {
  const want = cliResult({ ...p, precision: 'float' });
  const got = core.attend(jsArgs(p));
  const b = errorBudget({ query: p.query, keys: p.keys, values: p.values, scale: p.scale,
    normalize: p.normalize_keys });
  const slack = 4 * b.delta + 4 * p.query.length * 2 ** -24 * Math.max(1, Math.abs(p.scale ?? 1)) * 8;
  closeEach(got.logits, want.logits, 'logits', (i) => [1e-6, 1e-7 + b.logitSlack[i] + slack]);
  closeEach(got.weights, want.weights, 'weights', () => [1e-6 + slack, 1e-7 + slack]);
  closeEach(got.output, want.output, 'output', () => [1e-6, 1e-7 + b.outSlack + slack * (b.vmax + 1)]);
  close(got.entropy, want.entropy, 'entropy', 1e-6, 1e-6 + 20 * slack);
  close(got.sinkWeight, want.sink_weight, 'sinkWeight', 1e-6 + slack, 1e-7 + slack);
  close(got.maxLogit, want.max_logit, 'maxLogit', ...tol.shift(b));
  if (want.log_sum_exp === null) assert.equal(got.logSumExp, null, 'logSumExp is null beyond softmax');
  else close(got.logSumExp, want.log_sum_exp, 'logSumExp', 1e-6, 1e-7 + slack);
  // Exact zeros are exact on both sides (entmax / sparsemax), wherever the CLI has one.
  want.weights.forEach((w, i) => {
    if (w === 0 && Math.abs(want.logits[i] - want.max_logit) > 1e-3) assert.equal(got.weights[i], 0, `weights[${i}] is exactly 0`);
  });
  if (p.rope) {
    closeArray(got.rotatedQuery, want.rotated_query, 'rotatedQuery', 1e-6, 1e-6);
    closeArray(got.rotatedKeys, want.rotated_keys.flat(), 'rotatedKeys', 1e-6, 1e-6);
  } else {
    assert.equal(got.rotatedQuery, null);
    assert.equal(got.rotatedKeys, null);
  }
  return { got, want };
}

const rand = rng(1212);
const base = (n, d, dv = 2) => ({ mode: 'attend', query: points(rand, 1, d, -2, 2)[0], keys: points(rand, n, d, -2, 2),
  values: points(rand, n, dv, -3, 3), scale: 1, normalize_keys: false });

describe('entmax and sparsemax: WASM == CLI', () => {
  for (const alpha of [1.000001, 1.05, 1.5, 1.8, 1.999, 2]) {
    for (const [scale, normalize_keys] of [[1, false], [4, true], [-2.5, false]]) {
      test(`alpha=${alpha} scale=${scale} normalize=${normalize_keys}`, () => {
        const { want } = check({ ...base(9, 4), alpha, scale, normalize_keys });
        assert.ok(Math.abs(want.weights.reduce((a, w) => a + w, 0) - 1) < 1e-6, 'sum 1');
      });
    }
  }
  test('sparsemax: ties and exact zeros', () => {
    const { got } = check({ mode: 'attend', query: [1, 0], keys: [[1, 0], [1, 0], [-1, 0], [0, 1]], alpha: 2, scale: 3,
      normalize_keys: false });
    assert.deepEqual(Array.from(got.weights), [0.5, 0.5, 0, 0]);
  });
});

describe('attention sink: WASM == CLI', () => {
  for (const sink of [0, -3, 2.5]) {
    for (const alpha of [1, 1.5, 2]) {
      test(`sink=${sink} alpha=${alpha}`, () => {
        const { got } = check({ ...base(6, 2), sink, alpha, scale: 2 });
        const total = got.weights.reduce((a, w) => a + w, 0) + got.sinkWeight;
        assert.ok(Math.abs(total - 1) < 1e-5, `weights + sinkWeight = ${total}`);
      });
    }
  }
  test('softmax + 1 for known logits', () => {
    const { got } = check({ mode: 'attend', query: [1, 0], keys: [[1, 0], [0, 1], [-1, 0]], sink: 0, scale: 1,
      normalize_keys: false });
    const sum = Math.E + 2 + 1 / Math.E;
    close(got.sinkWeight, 1 / sum, 'sinkWeight', 1e-6, 1e-7);
  });
});

describe('RoPE: WASM == CLI', () => {
  test('defaults (positions 0..n-1, query at n)', () => check({ ...base(7, 4), rope: {} }));
  test('custom theta, base, positions and query position; normalised keys', () =>
    check({ ...base(5, 6), normalize_keys: true, scale: 3,
      rope: { theta: 0.8, base: 100, positions: [3, 1, 4, 1, 5], queryPosition: 9 } }));
  test('shifting every position changes no weight', () => {
    const p = { ...base(6, 4), rope: { positions: [0, 1, 2, 3, 4, 5], queryPosition: 6 } };
    const a = core.attend(jsArgs(p));
    const b = core.attend(jsArgs({ ...p, rope: { positions: [10, 11, 12, 13, 14, 15], queryPosition: 16 } }));
    closeArray(b.weights, Array.from(a.weights), 'weights', 1e-4, 1e-6);
  });
  test('with alpha, sink and a linear kernel', () =>
    check({ ...base(8, 4), alpha: 1.5, sink: 0.5, rope: { theta: 0.5 } }));
});

describe('linear kernels: WASM == CLI', () => {
  for (const scale of [1, 0.25, -3]) {
    test(`elu+1 scale=${scale}`, () => check({ ...base(10, 4), kernel: 'elu+1', scale }));
    test(`favor+ r=32 seed=7 scale=${scale}`, () => check({ ...base(10, 4), kernel: 'favor+', features: 32, seed: 7, scale }));
  }
  test('favor+ with every other option', () =>
    check({ ...base(6, 4), kernel: 'favor+', features: 64, seed: 3, sink: -1, alpha: 1.2, normalize_keys: true,
      rope: { positions: [5, 4, 3, 2, 1, 0], queryPosition: 2 } }));
  test('elu+1 with a sink and sparsemax', () => check({ ...base(6, 2), kernel: 'elu+1', sink: 0, alpha: 2 }));
});

describe('the default options keep the plain result shape', () => {
  test('sinkWeight 0, no rotation, logSumExp a number', () => {
    const got = core.attend({ query: [1, 0], keys: [[1, 0], [0, 1]] });
    assert.equal(got.sinkWeight, 0);
    assert.equal(got.rotatedQuery, null);
    assert.equal(got.rotatedKeys, null);
    assert.equal(typeof got.logSumExp, 'number');
  });
});

// The WASM call throws an Error whose message is exactly the CLI's.
function sameError(p) {
  const r = runCli(p);
  assert.ok(!r.ok, `CLI accepted a bad problem: ${JSON.stringify(p)}`);
  assert.throws(() => core.attend(jsArgs(p)), (e) => {
    assert.equal(e.message, r.message);
    return true;
  });
}

describe('bad options: the same message as the CLI', () => {
  const ok = { mode: 'attend', query: [1, 0], keys: [[1, 0], [0, 1]], values: [[1], [2]] };
  for (const [name, extra] of [
    ['alpha above 2', { alpha: 2.5 }],
    ['alpha below 1', { alpha: 0.5 }],
    ['alpha not a number', { alpha: 'sparse' }],
    ['sink not a number', { sink: 'high' }],
    ['unknown kernel', { kernel: 'relu' }],
    ['kernel not a string', { kernel: 3 }],
    ['features 0 with favor+', { kernel: 'favor+', features: 0 }],
    ['features not whole', { kernel: 'favor+', features: 2.5 }],
    ['rope positions of the wrong length', { rope: { positions: [1] } }],
    ['rope position not a number', { rope: { positions: [1, 'x'] } }],
    ['rope unknown field', { rope: { tehta: 1 } }],
    ['rope not an object', { rope: 3 }],
    ['rope base 0', { rope: { base: 0 } }],
    ['rope positions empty', { rope: { positions: [] } }],
  ]) {
    test(name, () => sameError({ ...ok, ...extra }));
  }
  test('odd d with rope', () => sameError({ mode: 'attend', query: [1, 0, 0], keys: [[1, 0, 0]], rope: {} }));
  test('non-finite values JSON cannot carry: the core names them', () => {
    assert.throws(() => core.attend({ query: [1, 0], keys: [[1, 0]], sink: Infinity }),
      { message: 'sink: is inf; expected a finite number' });
    assert.throws(() => core.attend({ query: [1, 0], keys: [[1, 0]], alpha: NaN }),
      { message: 'alpha: is nan; expected 1 <= alpha <= 2 (1 softmax, 2 sparsemax)' });
  });
});

// ---------------------------------------------------------------------------------
// attentionMatrix with the same options (rope: positions per key and queryPositions per query).

function checkMatrix(p, jsMask) {
  const want = cliResult({ ...p, precision: 'float' });
  const args = { queries: p.queries, keys: p.keys, values: p.values, scale: p.scale, normalizeKeys: p.normalize_keys,
    mask: jsMask };
  for (const k of ['alpha', 'sink', 'rope', 'kernel', 'features', 'seed']) if (k in p) args[k] = p[k];
  const got = core.attentionMatrix(args);
  const m = p.queries.length, n = p.keys.length;
  const budgets = p.queries.map((query) =>
    errorBudget({ query, keys: p.keys, values: p.values, scale: p.scale, normalize: p.normalize_keys }));
  const slack = (i) => 4 * budgets[i].delta + 4 * p.keys[0].length * 2 ** -24 * Math.max(1, Math.abs(p.scale)) * 8;
  closeEach(got.weights, want.weights.flat(), 'weights', (k) => [1e-6 + slack(Math.floor(k / n)), 1e-7 + slack(Math.floor(k / n))]);
  closeEach(got.sinkWeight, want.sink_weight, 'sinkWeight', (i) => [1e-6 + slack(i), 1e-7 + slack(i)]);
  const dv = got.output.length / m;
  closeEach(got.output, want.output.flat(), 'output',
    (k) => [1e-6, 1e-7 + budgets[Math.floor(k / dv)].outSlack + slack(Math.floor(k / dv)) * (budgets[0].vmax + 1)]);
  closeEach(got.entropy, want.entropy, 'entropy', (i) => [1e-6, 1e-6 + 20 * slack(i)]);
  assert.deepEqual(Array.from(got.emptyRows, Boolean), want.empty_rows, 'emptyRows');
  if (p.rope) {
    closeArray(got.rotatedQueries, want.rotated_queries.flat(), 'rotatedQueries', 1e-6, 1e-6);
    closeArray(got.rotatedKeys, want.rotated_keys.flat(), 'rotatedKeys', 1e-6, 1e-6);
  } else {
    assert.equal(got.rotatedQueries, null);
  }
  return got;
}

describe('attentionMatrix beyond softmax: WASM == CLI', () => {
  const mat = (m, n, d) => ({ mode: 'matrix', queries: points(rand, m, d, -2, 2), keys: points(rand, n, d, -2, 2),
    values: points(rand, n, 2, -3, 3), scale: 1.3, normalize_keys: false });
  for (const [mask, jsMask] of [['none', 'none'], ['causal', 'causal'], ['window:2', { window: 2 }], ['topk:3', { topK: 3 }]]) {
    test(`sparsemax + sink, mask ${mask}`, () => checkMatrix({ ...mat(5, 6, 4), mask, alpha: 2, sink: 0.2 }, jsMask));
    test(`entmax 1.5 + rope, mask ${mask}`, () =>
      checkMatrix({ ...mat(5, 5, 4), mask, alpha: 1.5, rope: { theta: 0.7, queryPositions: [5, 6, 7, 8, 9] } },
        jsMask));
    test(`favor+ and elu+1, mask ${mask}`, () => {
      checkMatrix({ ...mat(4, 6, 4), mask, kernel: 'favor+', features: 24, seed: 9 }, jsMask);
      checkMatrix({ ...mat(4, 6, 4), mask, kernel: 'elu+1', sink: -1 }, jsMask);
    });
  }
  test('an empty window row gives the sink everything', () => {
    const got = checkMatrix({ ...mat(6, 3, 2), mask: 'window:1', sink: 0.5 }, { window: 1 });
    assert.equal(got.sinkWeight[5], 1);
  });
  test('the default options: sinkWeight all 0, no rotation', () => {
    const got = core.attentionMatrix({ queries: [[1, 0]], keys: [[1, 0], [0, 1]] });
    assert.deepEqual(Array.from(got.sinkWeight), [0]);
    assert.equal(got.rotatedKeys, null);
  });
  const ok = { mode: 'matrix', queries: [[1, 0], [0, 1]], keys: [[1, 0], [0, 1], [1, 1]] };
  for (const [name, extra] of [
    ['alpha above 2', { alpha: 2.5 }],
    ['queryPositions of the wrong length', { rope: { queryPositions: [1, 2, 3] } }],
    ['queryPosition is attend\'s field', { rope: { queryPosition: 3 } }],
    ['unknown kernel', { kernel: 'linear' }],
  ]) {
    test(`bad option, same message: ${name}`, () => {
      const r = runCli(ok);
      assert.ok(r.ok);
      const bad = runCli({ ...ok, ...extra });
      assert.ok(!bad.ok, `CLI accepted ${JSON.stringify(extra)}`);
      assert.throws(() => core.attentionMatrix({ queries: ok.queries, keys: ok.keys, ...extra }), (e) => {
        assert.equal(e.message, bad.message);
        return true;
      });
    });
  }
});

describe('the strip curve for every normaliser (unitKeyCurve)', () => {
  // Unit keys at uneven angles: each key's weight must lie on the curve at its angle.
  const angles = [0.1, 0.35, 0.5, 2.0, -2.5, 3.0];
  const keys = angles.map((a) => [Math.cos(a), Math.sin(a)]);
  const query = [2.4, 1.1];
  const cases = [{}, { alpha: 1.5 }, { alpha: 2 }, { sink: 0.5 }, { alpha: 1.3, sink: -1 }, { kernel: 'elu+1' },
    { kernel: 'favor+', features: 16, seed: 7 }, { alpha: 2, sink: 0.5, kernel: 'favor+', features: 16, seed: 7 }];
  for (const opts of cases) {
    test(JSON.stringify(opts), () => {
      const r = core.attend({ query, keys, scale: 1.3, normalizeKeys: true, ...opts });
      assert.equal(r.threshold === null, (opts.alpha ?? 1) === 1);
      const y = core.unitKeyCurve({ query, scale: 1.3, ...opts,
        logSumExp: r.logSumExp, threshold: r.threshold, angles });
      // float weights against the double curve
      for (let i = 0; i < angles.length; i++) assert.ok(Math.abs(y[i] - r.weights[i]) <= 2e-7, `key ${i}: ${y[i]} vs ${r.weights[i]}`);
      if ((opts.alpha ?? 1) > 1) assert.ok(y.some((v, i) => v === 0 && r.weights[i] === 0) || y.every((v) => v > 0));
    });
  }
  test('RoPE has no single curve; missing constants are named', () => {
    assert.throws(() => core.unitKeyCurve({ query, rope: {}, logSumExp: 0, angles }), /^Error: rope: /);
    assert.throws(() => core.unitKeyCurve({ query, alpha: 1.5, angles }), /threshold: is nan; expected a finite number/i);
    assert.throws(() => core.unitKeyCurve({ query: [1, 0, 0], logSumExp: 0, angles }), /query: .*d = 2/);
  });
});
