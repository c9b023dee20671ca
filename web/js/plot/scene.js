// The one scene builder of the one-query plot: (state, core) → the plain data the
// renderer (plot.js), the weight list and the summaries draw. The page, embed.html,
// <attention-plot> and AttentionPlot.mount all call this; none computes its own copy.
// Every attention number comes from the core; what is left here is drawing arithmetic
// (a convex hull, angle bins, a curve's x positions).

import { changesNormaliser } from '../state/schema.js';

const TAU = Math.PI * 2;
const BINS = 180;             // 2° bins for long context
const CURVE_POINTS = 361;
const TOP_KEYS = 20;          // keys listed in long context

const CURVE_ANGLES = Float64Array.from({ length: CURVE_POINTS }, (_, i) => -Math.PI + (i / (CURVE_POINTS - 1)) * TAU);

/** The scale the core uses for a state: 1, 1/√d (d = 2) or the custom value. */
export function scaleOf(state, core) {
  if (state.scaleMode === 'invsqrt') return core.invSqrtD(2);
  if (state.scaleMode === 'custom') return state.customScale;
  return 1;
}

/** The core's attend options beyond softmax that a state asks for (none: the fast path). */
export function beyondOptions(state) {
  const o = {};
  if (state.alpha !== 1) o.alpha = state.alpha;
  if (state.sinkOn) o.sink = state.sink;
  if (state.kernel !== 'softmax') o.kernel = state.kernel;
  if (state.kernel === 'favor+') { o.features = state.features; o.seed = state.featureSeed; }
  // d = 2 has one pair, turned by θ_0 = theta · base^0 = θ per position: base does not matter.
  if (state.rope) o.rope = { theta: state.ropeTheta, queryPosition: state.queryPosition };
  return o;
}

export class SceneBuilder {
  constructor(core) {
    // (keyCache.residentKeys/residentValues: the current keys and values, uploaded once)
    this.core = core;
    this.keyCache = null;     // keys, values and what derives from them, by layout signature
    this.lastGood = null;     // {result, n}: the last weights the core accepted
  }

  /** Gives the uploaded keys and values back to the heap. */
  dispose() {
    this.keyCache?.residentKeys?.free();
    this.keyCache?.residentValues?.free();
    this.keyCache = null;
  }

  /** The keys and values a state stands for (explicit, or made by the core's layouts). */
  keysOf(state) {
    const long = state.longContext > 0;
    const sig = JSON.stringify([state.keys, state.values, long ? state.longContext : state.n, state.layout, state.seed,
      state.clusters, state.spread, state.randomLengths, state.normalizeKeys]);
    if (this.keyCache && this.keyCache.sig === sig) return this.keyCache;
    const core = this.core;
    const n = state.keys && !long ? state.keys.length : long ? state.longContext : state.n;
    let keys = state.keys && !long ? state.keys : null;
    if (!keys) {
      const pts = core.layout({ kind: state.layout, n, seed: state.seed, clusters: Math.min(state.clusters, n), spread: state.spread }).points;
      // Random lengths in [0.5, 1.5] from a seeded 'values' layout (uniform in [−1, 1]²).
      const lengths = state.randomLengths ? core.layout({ kind: 'values', n, seed: state.seed + 7919 }).points : null;
      keys = new Array(n);
      for (let i = 0; i < n; i++) {
        const f = lengths ? 1 + 0.5 * lengths[2 * i] : 1;
        keys[i] = [pts[2 * i] * f, pts[2 * i + 1] * f];
      }
    }
    let values = state.values && !long ? state.values.slice(0, n) : [];
    if (values.length < n) {
      const v = core.layout({ kind: 'values', n, seed: state.seed }).points;
      for (let i = values.length; i < n; i++) values.push([v[2 * i], v[2 * i + 1]]);
    }
    const keysFlat = new Float64Array(2 * n), valuesFlat = new Float64Array(2 * n), keyAngles = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      keysFlat[2 * i] = keys[i][0]; keysFlat[2 * i + 1] = keys[i][1];
      valuesFlat[2 * i] = values[i][0]; valuesFlat[2 * i + 1] = values[i][1];
      keyAngles[i] = Math.atan2(keys[i][1], keys[i][0]);
    }
    const keyPos = core.keyPositions({ keys: keysFlat, d: 2, normalizeKeys: state.normalizeKeys });
    // Keys and values stay in the WASM heap until they change: a frame sends only the query.
    this.keyCache?.residentKeys?.free();
    this.keyCache?.residentValues?.free();
    this.keyCache = {
      sig, n, keys, values, keysFlat, valuesFlat, keyPos, keyAngles,
      residentKeys: n > 0 ? core.upload(keysFlat, { d: 2 }) : null,
      residentValues: n > 0 ? core.upload(valuesFlat, { d: 2 }) : null,
      hull: long ? null : convexHull(valuesFlat, n),
      bins: long ? binAngles(keyAngles) : null,
    };
    return this.keyCache;
  }

  /**
   * Everything one frame draws. `ui`: {hovered, selected, queryActive, phi0 (angle of a
   * zero query)}. Returns the scene; scene.problem is the core's error, if any.
   */
  build(state, ui = {}) {
    const core = this.core;
    let problem = null;
    const fail = (what, e) => { problem ??= `${what}: ${e && e.message ? e.message : e}`; };
    let c;
    try {
      c = this.keysOf(state);
    } catch (e) {
      fail('The attention core could not make that layout', e);
      c = this.keyCache ?? { n: 0, keys: [], values: [], keysFlat: new Float64Array(0), valuesFlat: new Float64Array(0), keyPos: new Float64Array(0), keyAngles: new Float64Array(0), hull: [], bins: null };
    }
    const n = c.n;
    const scale = scaleOf(state, core);
    const g = core.queryGeometry({ query: state.query, scale });
    const phi = g.norm > 0 ? g.phi : (ui.phi0 ?? g.phi);

    let result = null;
    const beyond = beyondOptions(state);
    try {
      result = core.attend({ query: state.query, keys: c.residentKeys ?? c.keysFlat, values: c.residentValues ?? c.valuesFlat, d: 2, dv: 2, scale, normalizeKeys: state.normalizeKeys, ...beyond });
      this.lastGood = { result, n };
    } catch (e) {
      fail('The attention core rejected the input', e);
    }
    const shown = result ?? (this.lastGood && this.lastGood.n === n ? this.lastGood.result : null);

    // RoPE: the keys and the query where the logits see them (turned by their positions);
    // the circle and the strip draw those, the raw keys stay as handles.
    let keyPos = c.keyPos, keyAngles = c.keyAngles, rawKeyPos = null, rotatedQuery = null, phiSeen = phi;
    if (beyond.rope && shown?.rotatedKeys) {
      rawKeyPos = c.keyPos;
      keyPos = shown.rotatedKeys;
      keyAngles = new Float64Array(n);
      for (let i = 0; i < n; i++) keyAngles[i] = Math.atan2(keyPos[2 * i + 1], keyPos[2 * i]);
      rotatedQuery = [shown.rotatedQuery[0], shown.rotatedQuery[1]];
      if (g.norm > 0) phiSeen = core.queryGeometry({ query: rotatedQuery, scale }).phi;
    }

    // Plain softmax on the same keys (and the same RoPE), for the strip's comparison.
    let compare = null;
    const otherNormaliser = changesNormaliser(state);
    if (state.compare && otherNormaliser && shown) {
      try {
        compare = core.attend({ query: state.query, keys: c.residentKeys ?? c.keysFlat, d: 2, scale, normalizeKeys: state.normalizeKeys, ...(beyond.rope ? { rope: beyond.rope } : {}) }).weights;
      } catch (e) {
        fail('The attention core rejected the comparison', e);
      }
    }

    // The strip's curve: by default the weight a unit key at each angle would get with the
    // current normaliser and kernel (every unit key's dot lies on it, for any layout; with
    // RoPE, at its turned angle); or the von Mises density on the weights' scale
    // (density · 2π / n: right for evenly spaced unit keys and softmax).
    let curve = null, gauss = null, gaussNote = '', curveNote = '';
    try {
      const toWeights = (dens) => { const y = new Float64Array(dens.length); for (let i = 0; i < dens.length; i++) y[i] = dens[i] * TAU / Math.max(1, n); return y; };
      if (state.curve === 'vonmises') {
        curve = { angles: CURVE_ANGLES, y: toWeights(core.vonMises({ kappa: g.kappa, phi: phiSeen, angles: CURVE_ANGLES })) };
        if (otherNormaliser) curveNote = '— von Mises density: softmax\'s, not this normaliser\'s';
      } else if (shown) {
        const { rope, ...normaliser } = beyond;
        curve = { angles: CURVE_ANGLES, y: core.unitKeyCurve({ query: rotatedQuery ?? state.query, scale, ...normaliser, logSumExp: shown.logSumExp, threshold: shown.threshold, angles: CURVE_ANGLES }) };
      }
      if (state.showGaussian) {
        if (g.kappa > 0) gauss = { angles: CURVE_ANGLES, y: toWeights(core.vonMises({ kappa: g.kappa, phi: phiSeen, angles: CURVE_ANGLES, gaussian: true })) };
        else gaussNote = 'Gaussian approx. needs κ > 0';
      }
    } catch (e) {
      fail('The attention core rejected the strip\'s curve', e);
    }

    // Long context: per-bin weight sums for the ring and the strip.
    let stripPoints = null;
    const bins = c.bins && rawKeyPos ? binAngles(keyAngles) : c.bins;   // RoPE: by the turned angles
    if (bins && shown) {
      const { binOf, count, wsum, B } = bins;
      wsum.fill(0);
      const w = shown.weights;
      for (let i = 0; i < n; i++) wsum[binOf[i]] += w[i];
      const xs = [], ys = [];
      for (let b = 0; b < B; b++) {
        if (!count[b]) continue;
        xs.push(-Math.PI + ((b + 0.5) / B) * TAU);
        ys.push(wsum[b] / count[b]);
      }
      stripPoints = { x: xs, y: ys };
    }
    const long = state.longContext > 0;
    const top = shown && n > 0 ? core.topK(shown.weights, Math.min(long ? TOP_KEYS : 3, n)) : new Int32Array(0);

    return {
      // what the renderer draws
      query: state.query, qNorm: g.norm, kappa: g.kappa, scale, phi, phiDeg: phi * 180 / Math.PI,
      n, keyPos, keyAngles, rawKeyPos, rotatedQuery, phiSeen, queryPosition: state.queryPosition, ropeTheta: state.ropeTheta,
      weights: shown ? shown.weights : null,
      argmax: shown ? shown.argmax : -1,
      values: c.valuesFlat, hull: c.hull,
      output: shown && shown.output && shown.output.length >= 2 ? [shown.output[0], shown.output[1]] : null,
      showValues: state.showValues,
      curve, curveKind: state.curve, curveNote, gauss, gaussNote,
      sinkWeight: shown?.sinkWeight ?? 0, sinkOn: state.sinkOn, alpha: state.alpha, kernel: state.kernel,
      features: state.features, rope: !!beyond.rope, compare,
      hovered: ui.hovered ?? -1, selected: ui.selected ?? -1,
      long, bins, stripPoints,
      stale: !result && !!shown,
      normalizeKeys: state.normalizeKeys,
      queryActive: !!ui.queryActive,
      // what the lists and summaries read
      result: shown, fresh: result, top, keys: c.keys, values2: c.values, problem,
    };
  }
}

/** Andrew's monotone chain; returns the hull as [[x, y], ...] counter-clockwise. */
function convexHull(flat, n) {
  if (n === 0) return [];
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => flat[2 * a] - flat[2 * b] || flat[2 * a + 1] - flat[2 * b + 1]);
  const cross = (o, a, b) =>
    (flat[2 * a] - flat[2 * o]) * (flat[2 * b + 1] - flat[2 * o + 1]) -
    (flat[2 * a + 1] - flat[2 * o + 1]) * (flat[2 * b] - flat[2 * o]);
  const lower = [], upper = [];
  for (const i of idx) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], i) <= 0) lower.pop();
    lower.push(i);
  }
  for (let k = idx.length - 1; k >= 0; k--) {
    const i = idx[k];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], i) <= 0) upper.pop();
    upper.push(i);
  }
  upper.pop(); lower.pop();
  return lower.concat(upper).map((i) => [flat[2 * i], flat[2 * i + 1]]);
}

/** Long context: which 2° bin each key falls in, and how many keys each bin holds. */
function binAngles(angles) {
  const n = angles.length;
  const binOf = new Uint16Array(n);
  const count = new Float64Array(BINS);
  for (let i = 0; i < n; i++) {
    const b = Math.min(BINS - 1, Math.max(0, Math.floor(((angles[i] + Math.PI) / TAU) * BINS)));
    binOf[i] = b;
    count[b]++;
  }
  return { B: BINS, binOf, count, wsum: new Float64Array(BINS) };
}
