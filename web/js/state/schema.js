import { TOUR } from './tour-steps.js';

// The settings of each view as one table: name → type, range, default, step, the
// precision numbers are written with, and what the field means. The URL hash, element
// attributes, the JS API, the forms and the stores all read these tables (through
// codec.js); no limit is written anywhere else.
//
// `controls` lists the control sets a field appears in (the element's controls="full" and
// "compact"; the page's form shows every 'full' field): a new field with it gets a control
// everywhere without more code. `group: 'beyond'` puts a field's control under the folded
// "Beyond softmax" (α, sink, kernels, RoPE), opened when a state uses one (usesBeyond).
//
// Field constructors are exported for explore-schema.js (explore.html's table).
//
// Attribute spelling: the field name in kebab case (`normalizeKeys` → `normalize-keys`);
// the lower-cased name (`normalizekeys`) is accepted too.

export const int = (min, max, def, extra = {}) => ({ type: 'int', min, max, def, step: 1, ...extra });
export const num = (min, max, def, precision, extra = {}) => ({ type: 'number', min, max, def, precision, step: 10 ** -precision, ...extra });
export const bool = (def, extra = {}) => ({ type: 'bool', def, ...extra });
export const oneOf = (values, def, extra = {}) => ({ type: 'enum', values, def, ...extra });
// A point "x,y": coordinates in [−max, max], written with `precision` decimals.
export const point = (max, def, precision, extra = {}) => ({ type: 'point', max, def, precision, ...extra });
// A list of points "x,y;x,y" (null: made by the layout).
/**
 * @template {Record<string, any>} E
 * @param {E} [extra]  label, maxLength (the longest point placed by hand), …
 */
export const points = (max, maxCount, precision, extra = /** @type {E} */ ({})) => ({ type: 'points', max, maxCount, precision, def: null, ...extra });
// A fixed-length list of numbers "a,b,c,d".
export const numbers = (count, min, max, def, precision, extra = {}) => ({ type: 'numbers', count, min, max, def, precision, ...extra });

/** True when a state's normaliser is not plain softmax (entmax, a sink or a linear kernel). */
export const changesNormaliser = (s) => s.alpha !== 1 || s.sinkOn || s.kernel !== 'softmax';

/** True when a state uses anything beyond plain softmax attention (the folded controls). */
export const usesBeyond = (s) => changesNormaliser(s) || !!s.rope;

/** Fields that make the keys: changing one regenerates keys and values from the layout. */
export const LAYOUT_FIELDS = Object.freeze(['n', 'layout', 'seed', 'clusters', 'spread', 'randomLengths', 'longContext']);

/** The one-query playground (index.html, embed.html, <attention-plot>, AttentionPlot.mount). */
export const PLAYGROUND = Object.freeze({
  name: 'playground',
  version: 1,
  fields: Object.freeze({
    n: int(1, 64, 8, { controls: ['full', 'compact'], label: 'number of keys', enabledWhen: (s) => s.longContext === 0 }),
    layout: oneOf(['even', 'random', 'clusters'], 'even', { controls: ['full'], label: 'layout' }),
    seed: int(0, 2147483647, 1, { controls: ['full'], label: 'seed' }),
    clusters: int(1, 16, 3, { controls: ['full'], label: 'clusters', enabledWhen: (s) => s.layout === 'clusters' }),
    spread: num(0, 3, 0.3, 3, { controls: ['full'], label: 'cluster spread (radians)', enabledWhen: (s) => s.layout === 'clusters' }),
    normalizeKeys: bool(true, { controls: ['full'], label: 'normalise keys (unit length)' }),
    randomLengths: bool(false, { controls: ['full'], label: 'random key lengths' }),
    scaleMode: oneOf(['one', 'invsqrt', 'custom'], 'one', { controls: ['full'], label: 'scale', labels: { one: '1', invsqrt: '1/√d', custom: 'custom' } }),
    customScale: num(-100, 100, 1, 3, { controls: ['full', 'compact'], label: 'custom scale', slider: [-8, 8], sets: { scaleMode: 'custom' } }),
    query: point(1000, [0.9642, 1.1491], 4, { label: 'query' }),  // |q| 1.5 at 50°; |q| up to 1000 (κ = |q|·scale)
    longContext: int(0, 65536, 0, { controls: ['full'], label: 'long context (keys; 0 = off)' }),
    showValues: bool(true, { controls: ['full'], label: 'values, hull and output' }),
    showGaussian: bool(false, { controls: ['full'], label: 'Gaussian approximation on the strip' }),
    // The query's gradient toward one key (attn/gradient.hpp): an arrow on the query, off at −1.
    // controls 'page': the page's form only. The page draws it (plot/gradient.js, an overlay);
    // the element leaves it out (its lean core has no gradient, and its bundle stays in budget).
    target: int(-1, 65535, -1, { controls: ['page'], label: 'gradient toward key (−1 = off)', slider: [-1, 16],
      enabledWhen: (s) => s.longContext === 0 }),
    // Beyond softmax (the core's attend options): α-entmax (1 softmax … 2 sparsemax), an
    // attention sink with its logit, linear attention's kernels (elu+1, favor+) and RoPE;
    // `compare` draws plain softmax's weights beside them on the strip.
    alpha: num(1, 2, 1, 2, { controls: ['full'], group: 'beyond', label: 'normaliser α', valueText: (a) => `${a} (${a === 1 ? 'softmax' : a === 2 ? 'sparsemax' : 'entmax'})` }),
    sinkOn: bool(false, { controls: ['full'], group: 'beyond', label: 'attention sink' }),
    sink: num(-20, 20, 0, 2, { controls: ['full'], group: 'beyond', label: 'sink logit', enabledWhen: (s) => s.sinkOn }),
    kernel: oneOf(['softmax', 'elu+1', 'favor+'], 'softmax', { controls: ['full'], group: 'beyond', label: 'kernel', labels: { softmax: 'softmax', 'elu+1': 'linear (elu+1)', 'favor+': 'linear (favor+ random features)' } }),
    features: int(1, 4096, 16, { controls: ['full'], group: 'beyond', label: 'favor+ random features r', slider: [1, 1024], enabledWhen: (s) => s.kernel === 'favor+' }),
    featureSeed: int(0, 2147483647, 1, { controls: ['full'], group: 'beyond', label: 'favor+ feature seed', enabledWhen: (s) => s.kernel === 'favor+' }),
    // RoPE (d = 2, one pair): key i sits at position i and turns by i·θ, the query at
    // queryPosition turns by queryPosition·θ; the weights see only the difference.
    rope: bool(false, { controls: ['full'], group: 'beyond', label: 'RoPE (key i at position i)' }),
    ropeTheta: num(0, 3.141, 0.5, 3, { controls: ['full'], group: 'beyond', label: 'RoPE angle per position θ (radians)', enabledWhen: (s) => s.rope }),
    queryPosition: int(0, 65536, 8, { controls: ['full'], group: 'beyond', label: 'query position', slider: [0, 32], enabledWhen: (s) => s.rope }),
    compare: bool(false, { controls: ['full'], group: 'beyond', label: 'compare with softmax on the strip', enabledWhen: changesNormaliser }),
    curve: oneOf(['unit', 'vonmises'], 'unit', { controls: ['full'], label: 'strip curve', labels: { unit: 'weight of a unit key', vonmises: 'von Mises density · 2π/n' } }),
    // Keys from a link, an attribute or the API have coordinates within ±1.8; a key placed by
    // hand (dragged or added on the plot, the "long key" preset) is at most maxLength long.
    keys: points(1.8, 64, 4, { label: 'keys', maxLength: 1.6 }),
    values: points(1.0, 64, 4, { label: 'values' }),
    tour: int(0, TOUR.length, 0, { label: 'tour step (0: no tour)' }),   // the page's guided tour (tour-steps.js)
    controls: oneOf(['full', 'compact', 'none'], 'full', { label: 'controls' }),
    theme: oneOf(['auto', 'light', 'dark'], 'auto', { label: 'theme' }),
  }),
  /** Cross-field rules after a patch: returns notices. `patch` is what was asked for. */
  settle(state, patch) {
    const notices = [];
    const asked = (k) => Object.hasOwn(patch, k);
    // Keys come from the layout unless given: a layout field without keys regenerates them.
    if (!asked('keys') && LAYOUT_FIELDS.some(asked)) {
      state.keys = null;
      if (!asked('values')) state.values = null;
    }
    if (state.keys && state.longContext > 0) {
      notices.push('keys: explicit keys are ignored in long context; the layout makes them.');
      state.keys = null; state.values = null;
    }
    if (state.keys) {
      if (asked('n') && state.n !== state.keys.length && asked('keys')) {
        notices.push(`n: ${state.n} disagrees with the ${state.keys.length} keys given; using ${state.keys.length}.`);
      }
      state.n = state.keys.length;
      // Fewer values than keys is fine: the layout makes the rest (so such a link round-trips).
      if (state.values && state.values.length > state.keys.length) {
        notices.push(`values: ${state.values.length} values for ${state.keys.length} keys; the extra values were dropped.`);
        state.values = state.values.slice(0, state.keys.length);
      }
    } else if (state.values) {
      notices.push('values: explicit values need explicit keys too; the layout makes them.');
      state.values = null;
    }
    return notices;
  },
});
