// Resident inputs (core.upload): the same numbers as copied inputs, in place updates,
// free, and a heap that stays flat.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { AttentionCore } from '../../web/js/core/attention-core.js';

let core;
before(async () => { core = await AttentionCore.load(); });

const rand = (n, seed) => {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1);
};

test('attend, attentionMatrix and stream give the same result with uploaded keys and values', () => {
  const n = 300, d = 16, dv = 8;
  const K = rand(n * d, 1), V = rand(n * dv, 2), q = rand(d, 3), Q = rand(5 * d, 4);
  const rk = core.upload(K, { d }), rv = core.upload(V, { d: dv });
  const a = core.attend({ query: q, keys: K, values: V, d, dv, scale: 0.7 });
  const b = core.attend({ query: q, keys: rk, values: rv, scale: 0.7 });
  assert.deepEqual(Array.from(b.weights), Array.from(a.weights));
  assert.deepEqual(Array.from(b.output), Array.from(a.output));
  const m1 = core.attentionMatrix({ queries: Q, keys: K, values: V, d, dv, mask: 'causal' });
  const rq = core.upload(Q, { d });
  const m2 = core.attentionMatrix({ queries: rq, keys: rk, values: rv, mask: 'causal' });
  assert.deepEqual(Array.from(m2.weights), Array.from(m1.weights));
  const s1 = core.stream({ query: q, keys: K, values: V, d, dv, blockSize: 64 });
  const s2 = core.stream({ query: q, keys: rk, values: rv, blockSize: 64 });
  assert.deepEqual(Array.from(s2.output), Array.from(s1.output));
  for (const r of [rk, rv, rq]) r.free();
});

test('update rewrites in place; a freed or mismatched matrix is a named error', () => {
  const rk = core.upload([[1, 0], [0, 1]]);
  assert.equal(rk.rows, 2);
  assert.equal(rk.cols, 2);
  const w1 = core.attend({ query: [2, 0], keys: rk }).weights;
  rk.update([0, 1, 1, 0]);
  const w2 = core.attend({ query: [2, 0], keys: rk }).weights;
  assert.ok(Math.abs(w1[0] - w2[1]) < 1e-7 && w1[0] > 0.8);
  assert.throws(() => rk.update([1, 2, 3]), /update: expected 4 numbers \(2 × 2\), got 3/);
  assert.throws(() => core.attend({ query: [1, 0, 0], keys: rk }), /keys/);
  assert.throws(() => core.keyPositions({ keys: rk }), /keys: an uploaded \(resident\) matrix is accepted by attend, attentionMatrix and stream only/);
  rk.free();
  assert.throws(() => core.attend({ query: [1, 0], keys: rk }), /keys: the uploaded matrix was freed/);
  assert.throws(() => rk.update([1, 0, 0, 1]), /freed/);
  rk.free();  // twice is harmless
});

test('the heap stays flat over 10,000 calls with resident keys', () => {
  const n = 4096, d = 2;
  const rk = core.upload(rand(n * d, 9), { d }), rv = core.upload(rand(n * 2, 10), { d: 2 });
  core.attend({ query: [1, 0], keys: rk, values: rv });
  const before = core.heapBytes;
  for (let i = 0; i < 10000; i++) core.attend({ query: [Math.cos(i), Math.sin(i)], keys: rk, values: rv });
  assert.equal(core.heapBytes, before);
  rk.free(); rv.free();
});
