// A rejected call leaves the heap as it was: the reproductions of "Robustness, round 2" and a
// seeded fuzz run over every JS API function with sizes up to 2^40 bytes. After every call a
// resident matrix and a plain call still give the reference answer, and free() works.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { AttentionCore } from '../../web/js/core/attention-core.js';

let core;
before(async () => { core = await AttentionCore.load(); });

// A small seeded generator (xorshift32): the same cases on every run.
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
}
const unit = (n, next) => Float32Array.from({ length: n }, () => next() * 2 - 1);

// The witnesses: 1,000 keys in d = 2, resident and as a plain array, with their weights.
function witnesses() {
  const K = unit(2000, rng(7));
  const R = core.upload(K, { d: 2 });
  const query = [0.3, 0.8];
  const ref = Array.from(core.attend({ query, keys: K, d: 2 }).weights);
  const check = (after) => {
    assert.deepEqual(Array.from(core.attend({ query, keys: R }).weights), ref, `resident keys after ${after}`);
    assert.deepEqual(Array.from(core.attend({ query, keys: K, d: 2 }).weights), ref, `plain keys after ${after}`);
  };
  return { R, check };
}

// A call must either succeed or throw an Error with a sentence (never a RuntimeError from
// WASM, a TypeError from a typed array, or a RangeError from an allocation).
function attempt(label, fn) {
  try {
    fn();
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof Error && e.constructor === Error, `${label}: threw ${e?.constructor?.name}: ${e?.message}`);
    assert.match(e.message, /^[A-Za-z][\w.[\]]*: /, `${label}: the message names no argument: ${e.message}`);
    return e.message;
  }
}

test('the issue\'s reproduction: a matrix past 2^32 bytes is refused and the heap stays intact', () => {
  const { R, check } = witnesses();
  const msg = attempt('attentionMatrix', () => core.attentionMatrix({ queries: new Float32Array(21715), keys: new Float32Array(21975), d: 1 }));
  assert.match(msg, /^attentionMatrix: needs \d+ bytes \(\d+\.\d GiB\) of WASM memory .*at most 2147483648 bytes/);
  core.attend({ query: [0.3, 0.8], keys: new Float32Array(4e5), d: 2 });
  check('a refused 3.8 GB attentionMatrix');
  assert.match(attempt('selfAttention', () => core.selfAttention({
    tokens: new Float32Array(21844), wq: [[1]], wk: [[1]], wv: [[1]],
  })), /^selfAttention: needs/);
  check('a refused selfAttention of 21,844 tokens');
  R.free();
});

test('a request the heap can hold but not at twice the arena is retried at its own size', () => {
  const { R, check } = witnesses();
  // Holey arrays: the sizes are real, the entries are not (the call fails on entry 0 after
  // the arena is made), so nothing of this size is ever written.
  const keys = (bytes) => new Array(Math.floor(bytes / 12));
  assert.match(attempt('600 MB', () => core.attend({ query: [1], keys: keys(600e6), d: 1 })), /^keys: entry 0 is undefined/);
  assert.match(attempt('1.1 GB', () => core.attend({ query: [1], keys: keys(1.1e9), d: 1 })), /^keys: entry 0 is undefined/);
  check('a 1.1 GB arena');
  R.free();
});

test('a resident matrix is read-only and tied to its core', async () => {
  const other = await AttentionCore.load();
  const R = core.upload([[1, 0], [0, 1]]);
  for (const field of ['rows', 'cols', 'ptr', 'freed']) {
    const before = R[field];
    assert.throws(() => { 'use strict'; R[field] = 1e6; }, TypeError);
    assert.equal(R[field], before);
  }
  assert.throws(() => other.attend({ query: [1, 0], keys: R }), /^Error: keys: the uploaded matrix belongs to another AttentionCore/);
  assert.ok(core.attend({ query: [50, 0], keys: R }).weights[0] > 0.999);
  R.free();
});

test('a detached typed array and a BigInt in a mask are named errors', () => {
  const detached = new Float32Array(8);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  assert.throws(() => core.attend({ query: detached, keys: [[1, 0]] }), /^Error: query: is a detached Float32Array/);
  assert.throws(() => core.attend({ query: [1, 0], keys: detached, d: 2 }), /^Error: keys: is a detached Float32Array/);
  const R = core.upload([[1, 0]]);
  assert.throws(() => R.update(detached), /^Error: update: expected 2 numbers/);
  R.free();
  assert.throws(() => core.attentionMatrix({ queries: [[1, 0]], keys: [[1, 0]], mask: { foo: 1n } }),
    /^Error: mask: is \{"foo": 1\}; expected/);
});

// ---- the fuzz run ------------------------------------------------------------------

// One generator per function: given a target size in bytes and a random source, the call.
// Small targets use real data; large ones use holey arrays (their length is the size; their
// entries are never read when the size is refused, and are undefined when it is not).
const data = (count, next) => (count <= 1 << 20 ? unit(count, next) : new Array(Math.min(count, 2 ** 32 - 1)));
const side = (bytes, per) => Math.max(1, Math.round(Math.sqrt(bytes / per)));
const CALLS = {
  attend: (b, r) => {
    const d = 1 + Math.floor(r() * 4);
    return () => core.attend({ query: unit(d, r), keys: data(Math.ceil(b / 12 / d) * d, r), d });
  },
  attendEx: (b, r) => () => core.attend({ query: [1, 0], keys: data(Math.ceil(b / 16) * 2, r), d: 2,
    alpha: 1.5, sink: 0 }),
  favor: (b, r) => () => core.attend({ query: [1, 0], keys: data(Math.ceil(b / 16) * 2, r), d: 2, kernel: 'favor+', features: 1 + Math.floor(r() * 65536) }),
  attentionMatrix: (b, r) => { const m = side(b, 10); return () => core.attentionMatrix({ queries: data(m, r), keys: data(m, r), d: 1, mask: 'causal' }); },
  sparse: (b, r) => {
    const m = side(b, 10);
    return () => core.attentionMatrix({ queries: data(m, r), keys: data(m, r), d: 1, mask: { sparse: { window: 2 } } });
  },
  stream: (b, r) => () => core.stream({ query: [1], keys: data(Math.ceil(b / 12), r), d: 1,
    blockSize: 1 + Math.floor(r() * 64) }),
  selfAttention: (b, r) => {
    const m = side(b, 10);
    return () => core.selfAttention({ tokens: data(m, r), wq: [[1]], wk: [[1]], wv: [[1]], heads: 1 });
  },
  crossAttention: (b, r) => {
    const m = side(b, 10);
    return () => core.crossAttention({ tokens: data(m, r), source: data(m, r), wq: [[1]], wk: [[1]], wv: [[1]] });
  },
  pagedDecode: (b, r) => () => core.pagedDecode({ keys: data(Math.ceil(Math.sqrt(b / 8)) * 2, r),
    blockSize: 4, steps: 3 }),
  mla: (b, r) => {
    const m = side(b, 10);
    return () => core.mla({ tokens: data(m * 2, r),
      wq: [[1, 0], [0, 1]], wk: [[1, 0], [0, 1]], wv: [[1, 0], [0, 1]], rank: 1 });
  },
  dimensionStats: (b, r) => () => core.dimensionStats({ d: Math.min(2 ** 31 - 1, Math.ceil(b / 16)),
    n: 1 + Math.floor(r() * 64) }),
  layout: (b, r) => () => core.layout({ kind: r() < 0.5 ? 'even' : 'gaussian', n: Math.min(2 ** 31 - 1, Math.ceil(b / 24)), d: 2 }),
  vonMises: (b, r) => () => core.vonMises({ kappa: 2, phi: 0, angles: data(Math.ceil(b / 16), r) }),
  topK: (b, r) => () => core.topK(data(Math.ceil(b / 8), r), 1 + Math.floor(r() * 4)),
  unitKeyWeights: (b, r) => () => core.unitKeyWeights({ kappa: 1, phi: 0, logSumExp: 1,
    angles: data(Math.ceil(b / 16), r) }),
  unitKeyCurve: (b, r) => () => core.unitKeyCurve({ query: [1, 0], logSumExp: 1, angles: data(Math.ceil(b / 16), r) }),
  keyPositions: (b, r) => () => core.keyPositions({ keys: data(Math.ceil(b / 16) * 2, r), d: 2 }),
  queryGeometry: (b, r) => () => core.queryGeometry({ query: data(Math.ceil(b / 8), r) }),
  upload: (b, r) => () => { const u = core.upload(data(Math.ceil(b / 4), r), { d: 1 }); u.free(); },
};

test('fuzz: every function at sizes from 4 bytes to 2^40, the heap intact after each call', () => {
  const { R, check } = witnesses();
  const next = rng(20);
  const outcomes = {};
  let calls = 0;
  for (let round = 0; round < 12; round++) {
    for (const [name, make] of Object.entries(CALLS)) {
      const bytes = Math.round(2 ** (2 + next() * 38));
      const outcome = attempt(`${name} at ${bytes} bytes`, make(bytes, next));
      const kind = outcome === 'ok' ? 'ok' : /WASM memory|out of memory/.test(outcome) ? 'too big' : 'other error';
      outcomes[kind] = (outcomes[kind] ?? 0) + 1;
      check(`${name} at ${bytes} bytes`);
      calls++;
    }
  }
  R.free();
  assert.equal(calls, 12 * Object.keys(CALLS).length);
  // The run must reach both sides of the limit, or it tests nothing.
  assert.ok(outcomes.ok > 20 && outcomes['too big'] > 20, JSON.stringify(outcomes));
});
