// The one scene builder of the one-query plot: (state, core) → the plain data the
// renderer (renderer.js and the modules it calls), the weight list and the summaries draw.
// The page, embed.html, <attention-plot> and AttentionPlot.mount all call this; none
// computes its own copy. Every attention number comes from the core; what is left here is
// drawing arithmetic (a convex hull, angle bins, a curve's x positions).
//
// A scene is grouped by what it describes (query, keys, weights, values, strip, …); the
// @typedef's below are the contract every consumer reads (checked by tsconfig.json).

import { changesNormaliser, PLAYGROUND } from '../state/schema.js';

/**
 * @typedef {object} Scene  everything one frame of the one-query plot shows
 * @property {number} n                 the number of keys: every per-key array below has n (or n·2) entries
 * @property {SceneQuery} query
 * @property {SceneKeys} keys
 * @property {SceneWeights} weights
 * @property {SceneValues} values
 * @property {SceneStrip} strip
 * @property {SceneNormaliser} normaliser
 * @property {SceneRope|null} rope      RoPE, when on
 * @property {SceneLong|null} long      long context, when on (keys drawn as a density ring)
 * @property {Record<string, any>} extras  what each overlay the page added computed (plot/overlay.js), by name
 * @property {SceneUi} ui
 * @property {AttendResult|null} result the core's result the frame shows (the last valid one while
 *   weights.stale): what the weight list and the summaries read
 * @property {string|null} problem      the core's error for this state, if any
 */

/**
 * @typedef {object} SceneQuery  the query, as the labels and the κ ray show it
 * @property {number[]} vector    [x, y] as set
 * @property {number} length      |q|
 * @property {number} kappa       κ = |q|·scale
 * @property {number} scale       the scale the core used (1, 1/√d or the custom value)
 * @property {number} angle       φ in radians (a zero query keeps the angle it last had: ui.phi0)
 * @property {number} angleDeg    φ in degrees
 * @property {number} seenAngle   φ where the logits see it (RoPE: turned by its position)
 */

/**
 * @typedef {object} SceneKeys
 * @property {Float64Array|Float32Array} positions  (n·2) where the logits see the keys: unit length when
 *   normalising, turned by their positions under RoPE (the green dots)
 * @property {Float64Array} angles     (n) the angle of each position (the strip's x)
 * @property {number[][]} list         the keys as set or made by the layout, [[x, y], …]:
 *   what getState reports and an edit starts from
 * @property {boolean} normalized      keys are scaled to unit length before the dot product
 */

/**
 * @typedef {object} SceneWeights
 * @property {Float32Array|null} byKey   (n) each key's weight; null until the core accepted an input
 * @property {number} argmax             the key with the largest weight (-1 without weights)
 * @property {Int32Array} top            the keys with the largest weights, largest first (3; 20 in long context)
 * @property {number} sink               the sink's share of the weight (0 without a sink)
 * @property {Float32Array|null} softmax (n) plain softmax on the same keys, beside the weights on
 *   the strip (compare on and a normaliser other than softmax)
 * @property {boolean} stale             the core rejected this state: byKey are the last valid weights
 * @property {AttendResult|null} current this state's own result (null when the core rejected it)
 */

/**
 * @typedef {object} SceneValues
 * @property {Float64Array} positions  (n·2) the values (the diamonds)
 * @property {number[][]} list         the values as set or made by the layout, [[x, y], …]
 * @property {number[][]|null} hull    their convex hull, counter-clockwise (null in long context)
 * @property {number[]|null} output    [x, y] = Σ w_i v_i
 * @property {boolean} visible         draw the values, their hull and the output
 * @property {number[]|null} next      [x, y]: the value a key added now gets (null in long context)
 */

/**
 * @typedef {object} SceneStrip  the strip's curves (its dots are weights.byKey at keys.angles)
 * @property {Curve|null} curve          the unit-key curve, or the von Mises density (curveKind)
 * @property {'unit'|'vonmises'} curveKind
 * @property {string} curveNote          replaces the curve's legend when it does not fit the normaliser ('' none)
 * @property {Curve|null} gaussian       the Gaussian approximation (showGaussian)
 * @property {string} gaussianNote       why the Gaussian approximation is missing ('' none)
 * @property {HalfArc|null} halfArc      where the curve is at least half its peak (null: no curve)
 */

/**
 * @typedef {object} HalfArc  the arc of the circle the query gathers from: the angles where the
 *   strip's curve (a unit key's weight, from the core) is at least half its largest value
 * @property {number} from        its first angle (radians, counter-clockwise from `from` to `to`)
 * @property {number} to          its last angle (may pass π: to − from = width)
 * @property {number} width       its width in radians (2π: the whole circle)
 * @property {number} peak        the angle of the curve's largest value
 */

/**
 * @typedef {object} Curve  y at each angle in [−π, π]
 * @property {Float64Array} angles
 * @property {Float64Array} y
 */

/**
 * @typedef {object} SceneNormaliser  what turns logits into weights, for the labels
 * @property {number} alpha        1 softmax … 2 sparsemax
 * @property {boolean} sink        an attention sink takes part of the weight
 * @property {string} kernel       'softmax', 'elu+1' or 'favor+'
 * @property {number} features     favor+'s random features
 */

/**
 * @typedef {object} SceneRope
 * @property {number} theta            the angle per position
 * @property {number} queryPosition
 * @property {Float64Array|null} givenKeys  (n·2) the keys before their turn (hollow rings: the
 *   handles); null when the core gave no turned keys
 * @property {number[]|null} turnedQuery    [x, y]: the query as the logits see it
 */

/**
 * @typedef {object} SceneLong  long context: keys binned by angle
 * @property {AngleBins|null} bins
 * @property {{x: number[], y: number[]}|null} binMeans  the strip's dots: mean weight per non-empty bin
 */

/**
 * @typedef {object} AngleBins  2° bins of the key angles
 * @property {number} B              the number of bins
 * @property {Uint16Array} binOf     (n) each key's bin
 * @property {Float64Array} count    (B) keys per bin
 * @property {Float64Array} wsum     (B) weight per bin
 */

/**
 * @typedef {object} SceneUi  what is not a setting: hover, selection, drag
 * @property {number} hovered      a key index or -1
 * @property {number} selected     a key index or -1
 * @property {boolean} queryActive the query is being dragged
 */

/**
 * @typedef {object} AttendResult  core.attend's answer (docs/js-api.md)
 * @property {Float32Array} weights
 * @property {Float32Array} logits
 * @property {Float32Array} output
 * @property {number} entropy
 * @property {number} effectiveKeys
 * @property {number} argmax
 * @property {number|null} logSumExp
 * @property {number} maxLogit
 * @property {number} sinkWeight
 * @property {number|null} threshold
 * @property {Float32Array|null} rotatedQuery
 * @property {Float32Array|null} rotatedKeys
 */

/**
 * @typedef {object} UiInput  the store's ui, as build reads it
 * @property {number} [hovered]
 * @property {number} [selected]
 * @property {boolean} [queryActive]
 * @property {number} [phi0]    the angle a zero query points at
 * @property {number} [added]   keys added on this plot so far (each new value has its own seed)
 */

const TAU = Math.PI * 2;
const BINS = 180;             // 2° bins for long context
const CURVE_POINTS = 361;
const TOP_KEYS = 20;          // keys listed in long context
const MAX_KEYS = PLAYGROUND.fields.keys.maxCount;   // the editable plot's most keys

const CURVE_ANGLES = Float64Array.from({ length: CURVE_POINTS }, (_, i) => -Math.PI + (i / (CURVE_POINTS - 1)) * TAU);

/**
 * The arc around the curve's peak where it stays at least half the peak (reading the core's
 * curve only: the samples' angles, walking out from the largest one both ways, the circle
 * wrapping at ±π). The whole circle when no sample falls below half.
 * @param {Curve|null} curve
 * @returns {HalfArc|null}
 */
export function halfArc(curve) {
  if (!curve) return null;
  const { angles, y } = curve;
  const m = y.length - 1;   // the last sample repeats the first (−π and π)
  let top = -1;
  for (let i = 0; i < m; i++) if (Number.isFinite(y[i]) && (top < 0 || y[i] > y[top])) top = i;
  if (top < 0 || !(y[top] > 0)) return null;
  const half = y[top] / 2, step = TAU / m;
  let lo = 0, hi = 0;
  while (lo < m && y[(top - lo - 1 + m) % m] >= half) lo++;
  while (hi < m && y[(top + hi + 1) % m] >= half) hi++;
  if (lo + hi + 1 >= m) return { from: -Math.PI, to: Math.PI, width: TAU, peak: angles[top] };
  // the crossing, linearly between the last sample at or above half and the next one
  const cross = (k, dir) => {
    const a = y[(top + dir * k + m) % m], b = y[(top + dir * (k + 1) + 2 * m) % m];
    return k + (Number.isFinite(b) && a > b ? (a - half) / (a - b) : 0.5);
  };
  const from = angles[top] - cross(lo, -1) * step, to = angles[top] + cross(hi, 1) * step;
  return { from, to, width: to - from, peak: angles[top] };
}

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

const NONE = new Float64Array(0);
const EMPTY_KEYS = {
  n: 0, keys: [], values: [], keysFlat: NONE, valuesFlat: NONE, keyPos: NONE, keyAngles: NONE, hull: [], bins: null,
};

export class SceneBuilder {
  /** @param {object} core @param {import('./overlay.js').Overlay[]} [overlays] */
  constructor(core, overlays = []) {
    // (keyCache.residentKeys/residentValues: the current keys and values, uploaded once)
    this.core = core;
    this.overlays = overlays;
    this.keyCache = null;     // keys, values and what derives from them, by layout signature
    this.lastGood = null;     // {result, n}: the last weights the core accepted
    this.nextCache = null;    // {sig, value}: the value a key added now gets
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
      const clusters = Math.min(state.clusters, n);
      const pts = core.layout({ kind: state.layout, n, seed: state.seed, clusters, spread: state.spread }).points;
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
   * Everything one frame draws, for a settled PLAYGROUND state and the store's ui.
   * scene.problem is the core's error, if any (the scene then shows the last valid weights).
   * @param {object} state
   * @param {UiInput} [ui]
   * @returns {Scene}
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
      c = this.keyCache ?? EMPTY_KEYS;
    }
    const n = c.n;
    const long = state.longContext > 0;
    const scale = scaleOf(state, core);
    const g = core.queryGeometry({ query: state.query, scale });
    const phi = g.norm > 0 ? g.phi : (ui.phi0 ?? g.phi);

    let result = null;
    const beyond = beyondOptions(state);
    try {
      const keys = c.residentKeys ?? c.keysFlat, values = c.residentValues ?? c.valuesFlat;
      result = core.attend({ query: state.query, keys, values, d: 2, dv: 2, scale, normalizeKeys: state.normalizeKeys,
        ...beyond });
      this.lastGood = { result, n };
    } catch (e) {
      fail('The attention core rejected the input', e);
    }
    const shown = result ?? (this.lastGood && this.lastGood.n === n ? this.lastGood.result : null);
    const seen = this.seenByLogits(c, shown, beyond, g, scale, phi);
    const softmax = this.plainSoftmax(state, c, scale, beyond, shown, fail);
    const strip = this.stripCurves(state, n, g, seen, scale, beyond, shown, fail);
    const top = shown && n > 0 ? core.topK(shown.weights, Math.min(long ? TOP_KEYS : 3, n)) : new Int32Array(0);
    let next = null;
    try {
      next = long ? null : this.nextValue(state.seed, n, ui.added ?? 0);
    } catch (e) {
      fail('The attention core could not make a value for a new key', e);
    }

    return {
      n,
      query: {
        vector: state.query, length: g.norm, kappa: g.kappa, scale,
        angle: phi, angleDeg: phi * 180 / Math.PI, seenAngle: seen.angle,
      },
      keys: { positions: seen.positions, angles: seen.angles, list: c.keys, normalized: state.normalizeKeys },
      weights: {
        byKey: shown ? shown.weights : null, argmax: shown ? shown.argmax : -1, top, sink: shown?.sinkWeight ?? 0,
        softmax, stale: !result && !!shown, current: result,
      },
      values: {
        positions: c.valuesFlat, list: c.values, hull: c.hull, visible: state.showValues, next,
        output: shown && shown.output && shown.output.length >= 2 ? [shown.output[0], shown.output[1]] : null,
      },
      strip,
      normaliser: { alpha: state.alpha, sink: state.sinkOn, kernel: state.kernel, features: state.features },
      rope: beyond.rope ? {
        theta: state.ropeTheta, queryPosition: state.queryPosition,
        givenKeys: seen.given, turnedQuery: seen.turnedQuery,
      } : null,
      long: long ? this.longBins(c, seen, shown) : null,
      extras: this.extras(state, c, scale, beyond, fail),
      ui: { hovered: ui.hovered ?? -1, selected: ui.selected ?? -1, queryActive: !!ui.queryActive },
      result: shown,
      problem,
    };
  }

  /**
   * RoPE: the keys and the query where the logits see them (turned by their positions); the
   * circle and the strip draw those, the keys as given stay as handles. Without RoPE, the keys.
   */
  seenByLogits(c, shown, beyond, g, scale, phi) {
    if (!(beyond.rope && shown?.rotatedKeys)) {
      return { positions: c.keyPos, angles: c.keyAngles, given: null, turnedQuery: null, angle: phi };
    }
    const positions = shown.rotatedKeys, angles = new Float64Array(c.n);
    for (let i = 0; i < c.n; i++) angles[i] = Math.atan2(positions[2 * i + 1], positions[2 * i]);
    const turnedQuery = [shown.rotatedQuery[0], shown.rotatedQuery[1]];
    const angle = g.norm > 0 ? this.core.queryGeometry({ query: turnedQuery, scale }).phi : phi;
    return { positions, angles, given: c.keyPos, turnedQuery, angle };
  }

  /** Each overlay's data for this frame (plot/overlay.js): what the page added to the plot. */
  extras(state, c, scale, beyond, fail) {
    /** @type {Record<string, any>} */
    const out = {};
    for (const o of this.overlays) out[o.name] = o.scene({ core: this.core, state, keys: c, scale, beyond, fail });
    return out;
  }

  /** Plain softmax on the same keys (and the same RoPE), for the strip's comparison. */
  plainSoftmax(state, c, scale, beyond, shown, fail) {
    if (!(state.compare && changesNormaliser(state) && shown)) return null;
    try {
      const keys = c.residentKeys ?? c.keysFlat, rope = beyond.rope ? { rope: beyond.rope } : {};
      return this.core.attend({ query: state.query, keys, d: 2, scale, normalizeKeys: state.normalizeKeys, ...rope })
        .weights;
    } catch (e) {
      fail('The attention core rejected the comparison', e);
      return null;
    }
  }

  /**
   * The strip's curve: by default the weight a unit key at each angle would get with the
   * current normaliser and kernel (every unit key's dot lies on it, for any layout; with
   * RoPE, at its turned angle); or the von Mises density on the weights' scale
   * (density · 2π / n: right for evenly spaced unit keys and softmax).
   * @returns {SceneStrip}
   */
  stripCurves(state, n, g, seen, scale, beyond, shown, fail) {
    const core = this.core;
    const strip = { curve: null, curveKind: state.curve, curveNote: '', gaussian: null, gaussianNote: '',
      halfArc: null };
    try {
      const toWeights = (dens) => {
        const y = new Float64Array(dens.length);
        for (let i = 0; i < dens.length; i++) y[i] = dens[i] * TAU / Math.max(1, n);
        return y;
      };
      const density = (gaussian) => toWeights(core.vonMises({ kappa: g.kappa, phi: seen.angle, angles: CURVE_ANGLES,
        gaussian }));
      if (state.curve === 'vonmises') {
        strip.curve = { angles: CURVE_ANGLES, y: density(false) };
        if (changesNormaliser(state)) strip.curveNote = '— von Mises density: softmax\'s, not this normaliser\'s';
      } else if (shown) {
        const { rope, ...normaliser } = beyond;
        const y = core.unitKeyCurve({ query: seen.turnedQuery ?? state.query, scale, ...normaliser,
          logSumExp: shown.logSumExp, threshold: shown.threshold, angles: CURVE_ANGLES });
        strip.curve = { angles: CURVE_ANGLES, y };
      }
      if (state.showGaussian) {
        if (g.kappa > 0) strip.gaussian = { angles: CURVE_ANGLES, y: density(true) };
        else strip.gaussianNote = 'Gaussian approx. needs κ > 0';
      }
    } catch (e) {
      fail('The attention core rejected the strip\'s curve', e);
    }
    strip.halfArc = halfArc(strip.curve);
    return strip;
  }

  /** Long context: per-bin weight sums for the ring, and the strip's mean per bin. @returns {SceneLong} */
  longBins(c, seen, shown) {
    const cached = c.bins && seen.given ? binAngles(seen.angles) : c.bins;   // RoPE: by the turned angles
    if (!cached) return { bins: null, binMeans: null };
    // Each scene its own sums: a scene stays as it was drawn when the next one is built.
    const bins = { ...cached, wsum: new Float64Array(cached.B) };
    let binMeans = null;
    if (shown) {
      const { binOf, count, wsum, B } = bins;
      const w = shown.weights;
      for (let i = 0; i < c.n; i++) wsum[binOf[i]] += w[i];
      const xs = [], ys = [];
      for (let b = 0; b < B; b++) {
        if (!count[b]) continue;
        xs.push(-Math.PI + ((b + 0.5) / B) * TAU);
        ys.push(wsum[b] / count[b]);
      }
      binMeans = { x: xs, y: ys };
    }
    return { bins, binMeans };
  }

  /**
   * The value a key added now gets: the last point of a 'values' layout one longer than the
   * keys, seeded afresh for every key added on this plot (so new values differ).
   */
  nextValue(seed, n, added) {
    if (n >= MAX_KEYS) return null;
    const sig = `${seed} ${n} ${added}`;
    if (this.nextCache?.sig !== sig) {
      const p = this.core.layout({ kind: 'values', n: n + 1, seed: seed + 101 * (added + 1) }).points;
      this.nextCache = { sig, value: [p[2 * n], p[2 * n + 1]] };
    }
    return this.nextCache.value;
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
  return { B: BINS, binOf, count };
}
