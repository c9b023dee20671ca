// core.trainer (web/js/core/trainer.js over src/wasm/train_binding.cpp): the page's training run.
//   node --test tests/wasm/
// The same seed gives the same curves; the tensors, samples and norms are the core's; bad
// settings name the field; a freed trainer says so. Parity with the native CLI's "train"
// mode is in trainer-parity.test.mjs.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';

import { loadCore } from './harness.mjs';

let core;
before(async () => { core = await loadCore(); });

test('the defaults learn previous in float WebAssembly, and the same seed repeats the curve', () => {
  const a = core.trainer(), b = core.trainer();
  const before = a.evaluate();
  const ca = a.step(400), cb = b.step(400);
  assert.deepEqual(Array.from(ca.loss), Array.from(cb.loss));
  assert.equal(ca.loss.length, 400);
  const after = a.evaluate();
  assert.ok(before.accuracy < 0.2, `accuracy at init ${before.accuracy}`);
  assert.ok(after.accuracy >= 0.95, `accuracy after 400 steps ${after.accuracy}`);
  assert.ok(after.loss < before.loss / 4);
  assert.equal(a.info().steps, 400);
  a.free();
  b.free();
});

test('info, tensor names and shapes follow the config', () => {
  const t = core.trainer({ task: 'cycle', dModel: 8, heads: 2, tie: true });
  const info = t.info();
  assert.deepEqual([info.seqLen, info.vocab, info.classes, info.dModel, info.heads, info.dHead, info.layers],
    [16, 16, 16, 8, 2, 4, 1]);
  assert.deepEqual(t.names, ['token_embedding', 'position_embedding', 'layer0.head0.W_Q', 'layer0.head0.W_V',
    'layer0.head1.W_Q', 'layer0.head1.W_V', 'layer0.W_O', 'unembedding']);
  const wq = t.tensor('layer0.head1.W_Q');
  assert.deepEqual(wq.shape, [4, 8]);
  assert.equal(wq.data.length, 32);
  const total = t.tensors().reduce((s, x) => s + x.data.length, 0);
  assert.equal(total, info.parameters);
  t.step(3);
  const norms = t.gradientNorms();
  assert.equal(norms.length, t.names.length);
  assert.ok(norms.every((n) => Number.isFinite(n.norm) && n.norm > 0));
  t.free();
});

test('a sample is one sequence with rows of weights summing to 1, causal where the task is', () => {
  const t = core.trainer({ task: 'previous', layers: 2, heads: 2 });
  t.step(5);
  const s = t.sample({ layer: 1, head: 1, index: 3 });
  const T = s.seqLen;
  assert.equal(s.weights.length, T * T);
  for (let i = 0; i < T; i++) {
    let sum = 0;
    for (let j = 0; j < T; j++) {
      sum += s.weights[i * T + j];
      if (j > i) assert.equal(s.weights[i * T + j], 0);
    }
    assert.ok(Math.abs(sum - 1) < 1e-5);
    assert.equal(s.targets[i], i === 0 ? -1 : s.tokens[i - 1]);
    assert.equal(s.answerAt[i], i - 1);
    assert.ok(s.queryNorms[i] > 0 && s.keyNorms[i] > 0);
  }
  assert.deepEqual(Array.from(t.sample({ layer: 1, head: 1, index: 3 }).tokens), Array.from(s.tokens));
  t.free();
});

test('bad settings name the field; the core names its ranges', () => {
  assert.throws(() => core.trainer({ task: 'sorting' }), /^Error: task: is "sorting"; expected "lookup", "previous"/);
  assert.throws(() => core.trainer({ lr: 0.1 }), /^Error: lr: is not a training setting/);
  assert.throws(() => core.trainer({ dModel: '16' }), /^Error: dModel: is "16"; expected a number/);
  assert.throws(() => core.trainer({ learningRate: -1 }), /^Error: learning_rate: is -1/);
  assert.throws(() => core.trainer({ heads: 3 }), /heads/);
  assert.throws(() => core.trainer({ dModel: 512, batch: 4096 }), /^Error: batch:/);
  assert.throws(() => core.trainer({ scale: 'big' }), /^Error: scale: is "big"/);
});

test('a freed trainer says so, and its handle is reused safely', () => {
  const t = core.trainer();
  t.free();
  assert.throws(() => t.step(1), /trainer: has been freed/);
  t.free();  // twice is harmless
  const u = core.trainer({ seed: 2 });
  assert.equal(u.step(1).loss.length, 1);
  u.free();
});

test('a diverging run stops with the core message and the steps it made', () => {
  const t = core.trainer({ task: 'cycle', optimizer: 'sgd', learningRate: 1e30, scale: 'one' });
  let error;
  try {
    t.step(50);
  } catch (e) {
    error = e;
  }
  assert.ok(error, 'expected divergence');
  assert.match(error.message, /^params: give a non-finite/);
  assert.ok(error.loss.length >= 1 && error.loss.length < 50);
  t.free();
});

test('the page\'s float trainer starts where the native CLI\'s double one does, and follows it', async () => {
  const { cliResult, requireCli } = await import('./harness.mjs');
  requireCli();
  for (const [settings, problem] of [
    [{ task: 'cycle', tie: true }, { task: 'cycle', tie: true }],
    [{ task: 'lookup', heads: 2, scale: 0.5 }, { task: 'lookup', heads: 2, scale: 0.5 }],
  ]) {
    const t = core.trainer(settings);
    const init = cliResult({ mode: 'train', ...problem, steps: 0 });
    // Init is drawn in double and rounded to float: the same numbers to float rounding.
    for (const { name, data } of t.tensors()) {
      const rows = init.params[name].flat();
      assert.equal(rows.length, data.length, name);
      rows.forEach((v, i) => assert.equal(Math.fround(v), data[i], `${name}[${i}]`));
    }
    const held = t.evaluate();
    assert.ok(Math.abs(held.loss - init.loss[0]) < 1e-5 * Math.max(1, init.loss[0]), `held-out loss ${held.loss} vs ${init.loss[0]}`);
    // 20 steps later, float and double still agree closely (Adam amplifies rounding only slowly).
    t.step(20);
    const later = cliResult({ mode: 'train', ...problem, steps: 20, eval_every: 20 });
    const e = t.evaluate();
    assert.ok(Math.abs(e.loss - later.loss[1]) < 1e-3 * Math.max(1, later.loss[1]), `after 20 steps ${e.loss} vs ${later.loss[1]}`);
    t.free();
  }
});
