// JS-side input handling of web/js/core/attention-core.js: accepted forms, and Errors that name the argument.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { loadCore } from './harness.mjs';

let core;
before(async () => {
  core = await loadCore();
});

const K = [[1, 0], [0, 1], [-1, 0]];
const V = [[1], [2], [3]];

// assert.throws with an Error (not a number, not a RuntimeError/abort) whose message matches.
function throwsError(fn, pattern) {
  let thrown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown !== undefined, `expected an Error matching ${pattern}`);
  assert.equal(Object.getPrototypeOf(thrown), Error.prototype, `expected a plain Error, got ${thrown}`);
  assert.match(thrown.message, pattern);
}

describe('accepted input forms give the same numbers', () => {
  test('points, flat arrays, Float32Array and Float64Array', () => {
    const a = core.attend({ query: [1, 0.5], keys: K, values: V, scale: 2 });
    const b = core.attend({ query: new Float32Array([1, 0.5]), keys: new Float32Array(K.flat()), d: 2,
      values: Float32Array.from(V.flat()), dv: 1, scale: 2 });
    const c = core.attend({ query: [1, 0.5], keys: K.flat(), values: new Float64Array(V.flat()), dv: 1, scale: 2 });
    const e = core.attend({ query: [1, 0.5], keys: K.map((r) => Float32Array.from(r)), values: V, scale: 2 });
    assert.deepEqual(b, a);
    assert.deepEqual(c, a);
    assert.deepEqual(e, a);
    assert.ok(a.weights instanceof Float32Array && a.logits instanceof Float32Array &&
      a.output instanceof Float32Array);
  });
  test('flat keys take d from the query when d is not given', () => {
    const a = core.attend({ query: [1, 0.5], keys: K });
    const b = core.attend({ query: [1, 0.5], keys: new Float32Array(K.flat()) });
    assert.deepEqual(b, a);
  });
  test('no values: empty output', () => {
    const a = core.attend({ query: [1, 0], keys: K });
    assert.equal(a.output.length, 0);
    const m = core.attentionMatrix({ queries: K, keys: K });
    assert.equal(m.output.length, 0);
  });
  test('outputs are copies, not views of the heap', () => {
    const a = core.attend({ query: [1, 0], keys: K, values: V });
    assert.notEqual(a.weights.buffer.byteLength, core.heapBytes);
    const w = Array.from(a.weights);
    core.attend({ query: [0, 1], keys: K, values: V });
    assert.deepEqual(Array.from(a.weights), w);
  });
  test('mask spellings', () => {
    const q = [[1, 0], [0, 1], [1, 1]];
    assert.deepEqual(core.attentionMatrix({ queries: q, keys: K, mask: 'window:2' }),
      core.attentionMatrix({ queries: q, keys: K, mask: { window: 2 } }));
    assert.deepEqual(core.attentionMatrix({ queries: q, keys: K, mask: 'topk:2' }),
      core.attentionMatrix({ queries: q, keys: K, mask: { topK: 2 } }));
  });
  test('layout seeds: number and BigInt agree; the returned d', () => {
    const a = core.layout({ kind: 'random', n: 5, seed: 2 ** 40 + 3 });
    const b = core.layout({ kind: 'random', n: 5, seed: 2n ** 40n + 3n });
    assert.deepEqual(a, b);
    assert.equal(a.d, 2);
    assert.equal(a.angles.length, 5);
    const s = core.layout({ kind: 'sphere', n: 5, d: 3 });
    assert.equal(s.d, 3);
    assert.equal(s.points.length, 15);
    assert.equal(s.angles, undefined);
    const e = core.layout({ kind: 'even', n: 4, d: 3 });  // d only matters for sphere/gaussian
    assert.equal(e.d, 2);
  });
});

describe('JS-side shape errors name the argument', () => {
  test('ragged rows', () => {
    throwsError(() => core.attend({ query: [1, 0], keys: [[1, 0], [0, 1, 2]] }), /^keys: row 1 has length 3/);
    throwsError(() => core.attend({ query: [1, 0], keys: K, values: [[1], [2, 3], [4]] }), /^values: row 1 has length 2/);
    throwsError(() => core.attentionMatrix({ queries: [[1, 0], [1]], keys: K }), /^queries: row 1 /);
  });
  test('non-numeric entries', () => {
    throwsError(() => core.attend({ query: [1, '0'], keys: K }), /^query: entry 1 is "0"; expected a number/);
    throwsError(() => core.attend({ query: [1, 0], keys: [[1, 0], [null, 1]] }), /^keys: row 1, column 0 is null/);
    throwsError(() => core.attend({ query: [1, 0], keys: [1, 0, undefined, 1] }), /^keys: entry 2 is undefined/);
    throwsError(() => core.vonMises({ kappa: 1, phi: 0, angles: [0, {}] }), /^angles: entry 1 is object/);
    throwsError(() => core.attend({ query: [1, 0], keys: [[1, 0], 5] }), /^keys: row 1 is number/);
  });
  test('wrong argument types', () => {
    throwsError(() => core.attend({ query: 3, keys: K }), /^query: is number/);
    throwsError(() => core.attend({ keys: K }), /^query: is undefined/);
    throwsError(() => core.attend({ query: [1, 0] }), /^keys: is undefined/);
    throwsError(() => core.attend({ query: [1, 0], keys: K, scale: '2' }), /^scale: is "2"; expected a number/);
    throwsError(() => core.attend({ query: [1, 0], keys: new BigInt64Array(4) }), /^keys: is a BigInt64Array/);
  });
  test('flat arrays that do not divide into rows', () => {
    throwsError(() => core.attend({ query: [1, 0], keys: new Float32Array(5) }), /^keys: flat length 5 is not a multiple of d = 2/);
    throwsError(() => core.attend({ query: [1, 0], keys: K, values: new Float32Array(3) }), /^dv: is required/);
    throwsError(() => core.attentionMatrix({ queries: new Float32Array(4), keys: new Float32Array(4) }), /^d: is required/);
    throwsError(() => core.attend({ query: [1, 0], keys: K, d: 3 }), /^keys: rows have length 2 but d = 3/);
    throwsError(() => core.attend({ query: [1, 0], keys: K, d: 0 }), /^d: is 0; expected a positive integer/);
  });
  test('options', () => {
    throwsError(() => core.attentionMatrix({ queries: K, keys: K, mask: 'diagonal' }), /^mask: is "diagonal"/);
    throwsError(() => core.attentionMatrix({ queries: K, keys: K, mask: { window: 1.5 } }), /^mask.window: is 1.5/);
    throwsError(() => core.attentionMatrix({ queries: K, keys: K, mask: { topk: 2 } }), /^mask: .*topK/);
    throwsError(() => core.layout({ kind: 'spiral', n: 4 }), /^kind: is "spiral"/);
    throwsError(() => core.layout({ kind: 'random', n: 4.5 }), /^n: is 4.5/);
    throwsError(() => core.layout({ kind: 'random', n: 4, seed: -1 }), /^seed: is -1/);
    throwsError(() => core.layout({ kind: 'random', n: 4, seed: 2 ** 60 }), /^seed: /);
    throwsError(() => core.stream({ query: [1, 0], keys: K, values: V }), /^blockSize: is undefined/);
    throwsError(() => core.stream({ query: [1, 0], keys: K, values: V, blockSize: 2.5 }), /^blockSize: is 2.5/);
  });
});

describe('numeric problems are the core\'s: its message arrives as an Error', () => {
  test('NaN and Infinity (which JSON cannot carry to the CLI)', () => {
    throwsError(() => core.attend({ query: [1, NaN], keys: K }), /^query: entry 1 is -?nan; expected a finite number$/);
    throwsError(() => core.attend({ query: [1, 0], keys: [[1, 0], [Infinity, 0]] }), /^keys: entry \(1, 0\) is inf; expected a finite number$/);
    throwsError(() => core.attend({ query: [1, 0], keys: K, scale: NaN }), /^scale: is -?nan; expected a finite number$/);
    throwsError(() => core.attend({ query: [1, 0], keys: K, scale: -Infinity }), /^scale: is -inf; expected a finite number$/);
    throwsError(() => core.vonMises({ kappa: Infinity, phi: 0, angles: [0] }), /^kappa: is inf/);
    throwsError(() => core.vonMises({ kappa: 1, phi: NaN, angles: [0] }), /^phi: is -?nan/);
    throwsError(() => core.vonMises({ kappa: 1, phi: 0, angles: [0, NaN] }), /^angles: entry 1 is nan; expected a finite number$/);
    throwsError(() => core.layout({ kind: 'clusters', n: 4, spread: NaN }), /^spread: is -?nan/);
  });
  test('empty inputs', () => {
    throwsError(() => core.attend({ query: [], keys: [] }), /^keys: got n = 0 keys/);
    throwsError(() => core.attentionMatrix({ queries: [], keys: K }), /^queries: got m = 0 queries/);
    throwsError(() => core.stream({ query: [1, 0], keys: K, blockSize: 2 }), /^values: are missing/);
  });
  test('the core keeps working after an error', () => {
    assert.throws(() => core.attend({ query: [1, 0, 0], keys: K }));
    const r = core.attend({ query: [1, 0], keys: K });
    assert.equal(r.argmax, 0);
  });
});
