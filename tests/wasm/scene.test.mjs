// The one-query plot's scene builder (web/js/plot/scene.js) in node, with no DOM, against the
// WASM core: for each state, the weights, the largest key, the output and the sink's share
// the scene shows are the ones core.attend gives for the same keys and options; RoPE's turned
// keys, the comparison with softmax and long context's bins agree with the core too; and the
// scene is plain data whose every number is finite and whose per-key arrays have n entries.
//   node --test tests/wasm/scene.test.mjs
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { AttentionCore } from '../../web/js/core/attention-core.js';
import { SceneBuilder, beyondOptions, scaleOf } from '../../web/js/plot/scene.js';
import { PLAYGROUND } from '../../web/js/state/schema.js';
import { applyPatch, defaults } from '../../web/js/state/codec.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let core;
before(async () => {
  const wasm = path.join(ROOT, 'web', 'generated', 'attention_wasm.wasm');
  core = await AttentionCore.load({ wasmBinary: readFileSync(wasm) });
});

const STATES = {
  default: {},
  'long context': { longContext: 4096, layout: 'random', seed: 7, scaleMode: 'custom', customScale: 4, showGaussian: true },
  'entmax + sink': { n: 10, alpha: 1.5, sinkOn: true, sink: 0.5, compare: true, query: [2, 1] },
  sparsemax: { n: 12, alpha: 2, layout: 'random', seed: 3, compare: true },
  rope: { n: 8, rope: true, ropeTheta: 0.6, queryPosition: 5, query: [3, 0] },
  'long context + rope': { longContext: 3000, rope: true, queryPosition: 40 },
  'favor+': { n: 12, kernel: 'favor+', features: 16, compare: true },
  'elu+1': { n: 9, kernel: 'elu+1', scaleMode: 'invsqrt' },
  'explicit keys': { keys: [[1, 0], [0, 1.2], [-1, 0.2], [0.3, -0.9], [1.5, 1.1]], values: [[0.5, 0.5], [-0.2, 0.1]],
    normalizeKeys: false },
  'random lengths, von Mises': { n: 20, layout: 'clusters', clusters: 3, randomLengths: true, normalizeKeys: false,
    curve: 'vonmises', showGaussian: true },
  'zero query': { query: [0, 0] },
  'negative scale': { n: 5, scaleMode: 'custom', customScale: -2 },
};

const stateOf = (patch) => applyPatch(PLAYGROUND, defaults(PLAYGROUND), patch).state;
const flat = (points) => Float64Array.from(points.flat());

/** Asserts `v` is plain data (no functions, no class instances but typed arrays) with finite numbers. */
function assertPlainAndFinite(v, where) {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') { assert.ok(Number.isFinite(v), `${where} is ${v}`); return; }
  if (ArrayBuffer.isView(v)) {
    v.forEach((x, i) => assert.ok(Number.isFinite(x), `${where}[${i}] is ${x}`));
    return;
  }
  if (Array.isArray(v)) { v.forEach((x, i) => assertPlainAndFinite(x, `${where}[${i}]`)); return; }
  assert.equal(typeof v, 'object', `${where} is a ${typeof v}`);
  assert.equal(Object.getPrototypeOf(v), Object.prototype, `${where} is a plain object`);
  for (const [k, x] of Object.entries(v)) assertPlainAndFinite(x, `${where}.${k}`);
}

for (const [name, patch] of Object.entries(STATES)) {
  test(`scene (${name}): the core's weights, plain data, every number finite`, () => {
    const state = stateOf(patch);
    const builder = new SceneBuilder(core);
    const sc = builder.build(state, { hovered: 1, selected: 0, phi0: 0.5 });
    try {
      assert.equal(typeof globalThis.document, 'undefined', 'built with no DOM');
      assert.equal(sc.problem, null);
      const { n } = sc;
      const long = state.longContext > 0;
      assert.equal(n, long ? state.longContext : state.keys ? state.keys.length : state.n);
      assert.equal(sc.keys.list.length, n);
      assert.equal(sc.values.list.length, n);
      if (state.keys) assert.deepEqual(sc.keys.list, state.keys, 'explicit keys are the keys');
      if (state.values) assert.deepEqual(sc.values.list.slice(0, state.values.length), state.values);

      // The weights the frame shows are core.attend's for the keys, values and options it stands for.
      const beyond = beyondOptions(state);
      const want = core.attend({ query: state.query, keys: flat(sc.keys.list), values: flat(sc.values.list),
        d: 2, dv: 2, scale: scaleOf(state, core), normalizeKeys: state.normalizeKeys, ...beyond });
      assert.deepEqual(sc.weights.byKey, want.weights);
      assert.equal(sc.weights.argmax, want.argmax);
      assert.equal(sc.weights.sink, want.sinkWeight);
      assert.equal(sc.weights.stale, false);
      assert.equal(sc.weights.current, sc.result, 'a state the core accepts shows its own result');
      assert.deepEqual(sc.values.output, [want.output[0], want.output[1]]);
      assert.deepEqual(sc.weights.top, core.topK(want.weights, Math.min(long ? 20 : 3, n)));
      assert.equal(sc.query.scale, scaleOf(state, core));
      const g = core.queryGeometry({ query: state.query, scale: sc.query.scale });
      assert.equal(sc.query.length, g.norm);
      assert.equal(sc.query.kappa, g.kappa);
      assert.equal(sc.query.angle, g.norm > 0 ? g.phi : 0.5, 'a zero query points at ui.phi0');

      // Per-key arrays have n (or n·2) entries.
      assert.equal(sc.keys.positions.length, 2 * n);
      assert.equal(sc.keys.angles.length, n);
      assert.equal(sc.values.positions.length, 2 * n);
      assert.equal(sc.weights.byKey.length, n);

      // RoPE: the green dots are the keys the core turned, the rings the keys as given.
      if (state.rope) {
        assert.deepEqual(sc.keys.positions, want.rotatedKeys);
        assert.deepEqual(sc.rope.turnedQuery, Array.from(want.rotatedQuery));
        const given = core.keyPositions({ keys: flat(sc.keys.list), d: 2, normalizeKeys: state.normalizeKeys });
        assert.deepEqual(sc.rope.givenKeys, given);
      } else {
        assert.equal(sc.rope, null);
        assert.deepEqual(sc.keys.positions, core.keyPositions({ keys: flat(sc.keys.list), d: 2,
          normalizeKeys: state.normalizeKeys }));
      }
      // Compare: plain softmax on the same keys, beside the weights on the strip.
      if (state.compare) {
        const plain = core.attend({ query: state.query, keys: flat(sc.keys.list), d: 2, scale: sc.query.scale,
          normalizeKeys: state.normalizeKeys, ...(beyond.rope ? { rope: beyond.rope } : {}) });
        assert.deepEqual(sc.weights.softmax, plain.weights);
      } else {
        assert.equal(sc.weights.softmax, null);
      }
      // Long context: every key in one bin, the bins' weights add up to the keys'.
      if (long) {
        const { bins, binMeans } = sc.long;
        assert.equal(bins.count.reduce((a, b) => a + b, 0), n);
        const total = want.weights.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(bins.wsum.reduce((a, b) => a + b, 0) - total) < 1e-9);
        assert.equal(binMeans.x.length, bins.count.filter((c) => c > 0).length);
        assert.equal(sc.values.hull, null);
        assert.equal(sc.values.next, null, 'no key is added in long context');
      } else {
        assert.equal(sc.long, null);
        const p = core.layout({ kind: 'values', n: n + 1, seed: state.seed + 101 }).points;
        assert.deepEqual(sc.values.next, [p[2 * n], p[2 * n + 1]], 'the first added key gets its own seeded value');
      }
      assert.deepEqual(sc.ui, { hovered: 1, selected: 0, queryActive: false });
      assertPlainAndFinite({ ...sc, result: null, weights: { ...sc.weights, current: null } }, 'scene');
      assertPlainAndFinite({ ...sc.result }, 'scene.result');
    } finally {
      builder.dispose();
    }
  });
}

test('a key the core rejects keeps the last valid weights and names the problem', () => {
  const builder = new SceneBuilder(core);
  try {
    const good = builder.build(stateOf({ keys: [[1, 0], [0, 1], [-1, 0]] }));
    // A zero key cannot be normalised: the core says so, and the frame keeps the last weights.
    const bad = builder.build(stateOf({ keys: [[1, 0], [0, 0], [-1, 0]] }));
    assert.match(bad.problem, /attention core rejected the input/);
    assert.equal(bad.weights.stale, true);
    assert.equal(bad.weights.current, null);
    assert.deepEqual(bad.weights.byKey, good.weights.byKey);
  } finally {
    builder.dispose();
  }
});

// The query's radius on the circle ("The first hour", item 4): the scene's half-weight arc is
// read off the core's curve, so at its ends a unit key gets half the peak weight (the core's
// own unitKeyWeights at those angles), and it narrows as κ grows.
test('scene: the half-weight arc ends where the core gives a unit key half the peak weight', () => {
  const builder = new SceneBuilder(core);
  let last = Infinity;
  for (const len of [1.2, 2, 5, 20, 100, 800]) {
    const sc = builder.build(stateOf({ n: 12, layout: 'even', query: [len * Math.cos(1.1), len * Math.sin(1.1)] }), {});
    const arc = sc.strip.halfArc;
    assert.ok(arc && arc.width > 0 && arc.width < 2 * Math.PI, `|q| ${len}: an arc`);
    assert.ok(Math.abs(arc.to - arc.from - arc.width) < 1e-12);
    const [atFrom, atTo, atPeak] = core.unitKeyWeights({ kappa: sc.query.kappa, phi: sc.query.seenAngle,
      logSumExp: sc.result.logSumExp, angles: [arc.from, arc.to, sc.query.seenAngle] });
    // a 1° grid, crossings interpolated: half within a few per cent of the peak
    assert.ok(Math.abs(atFrom / atPeak - 0.5) < 0.03, `|q| ${len}: ${atFrom / atPeak} at the arc's start`);
    assert.ok(Math.abs(atTo / atPeak - 0.5) < 0.03, `|q| ${len}: ${atTo / atPeak} at the arc's end`);
    assert.ok(arc.width < last, `|q| ${len}: narrower than before`);
    last = arc.width;
  }
  const blunt = builder.build(stateOf({ n: 12, query: [0.1, 0.05] }), {}).strip.halfArc;
  assert.equal(blunt.width, 2 * Math.PI, 'a short query gathers from the whole circle');
});
