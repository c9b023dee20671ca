// model.html's scene: (state, head set, ui, core) → the plain data the charts draw. Every number
// is the core's: the query's view (core.queryView), the weights of a dragged query
// (core.attend on the view's plane coordinates: exact, since a query in the plane has
// q'·k_i = x'·x_i + y'·y_i), the strip's curve (core.unitKeyWeights), the joint map
// (core.jointMap) and Q Kᵀ's weights (core.attentionMatrix). What is left here is slicing
// arrays and drawing arithmetic.

import { shortLabel } from './data.js';

const TOP = 12;               // rows of the weight list
export const MAX_HEATMAP = 256;   // tokens up to which the T × T heatmap is drawn
const CURVE_POINTS = 181;

/** Rows [from, to) of head h of a head-major H·T·width array, as a flat Float32Array. */
function rows(a, h, T, width, from, to) {
  return a.subarray((h * T + from) * width, (h * T + to) * width);
}

/** The token a state asks about: −1 and anything past the end are the last one. */
export function queryIndex(state, data) {
  return state.query < 0 || state.query >= data.tokens ? data.tokens - 1 : state.query;
}

// The strip: each key at u_i = logit_i / (s·|q|) (its component along the query), and the exact
// curve w(u) = exp(s·|q|·u − log Σ) every key lies on, read from the core's unit-key weights.
function stripOf(core, logits, weights, scale, qNorm, logSumExp) {
  const k = scale * qNorm, n = logits.length;
  const u = Float64Array.from(logits, (z) => (k !== 0 ? z / k : 0));
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) { lo = Math.min(lo, u[i]); hi = Math.max(hi, u[i]); }
  const margin = 0.05 * (hi - lo || Math.abs(hi) || 1);
  lo -= margin;
  hi += margin;
  // The core's unit-key weight at angle θ is exp(κ cos θ − log Σ): with κ = k·R and cos θ = u / R
  // it is the weight a key at u would get.
  const R = Math.max(Math.abs(lo), Math.abs(hi));
  let curve = null;
  if (logSumExp !== null && Number.isFinite(logSumExp) && k !== 0) {
    const xs = Float64Array.from({ length: CURVE_POINTS }, (_, i) => lo + ((hi - lo) * i) / (CURVE_POINTS - 1));
    const angles = Float64Array.from(xs, (x) => Math.acos(Math.max(-1, Math.min(1, x / R))));
    curve = { x: xs, y: core.unitKeyWeights({ kappa: k * R, phi: 0, logSumExp, angles }) };
  }
  return { u, weights, lo, hi, curve };
}

/**
 * @param {any} core
 * @param {Record<string, any>} state
 * @param {any} data   the head set (data.js)
 * @param {{drag?: number[]|null}} ui
 * @param {any} memo   the last scene (joint map and heatmap are kept while head and mask stay)
 */
export function buildScene(core, state, data, ui, memo) {
  const h = Math.min(state.head, data.heads - 1), T = data.tokens, d = data.d, t = queryIndex(state, data);
  const scale = state.scale === 'one' ? 1 : core.invSqrtD(d);
  const n = state.causal ? t + 1 : T;
  const query = rows(data.q, h, T, d, t, t + 1), keys = rows(data.k, h, T, d, 0, n);
  const values = data.v ? rows(data.v, h, T, data.dv, 0, n) : null;
  // The view changes with the query token, not with a drag (the plane stays put while the query
  // moves in it): a drag costs one 2-D attend per frame, whatever d is.
  const viewKey = `${h}|${t}|${state.scale}|${state.causal}|${data.id}`;
  const view = memo && memo.viewKey === viewKey ? memo.view
    : core.queryView({ query, keys, d, scale, ...(values ? { values, dv: data.dv } : {}) });
  // The query as drawn: dragged within the plane, or where it is (|q|, 0).
  const at = ui.drag ?? [view.queryNorm, 0];
  let plane = memo && memo.viewKey === viewKey ? memo.plane : null;
  if (!plane) {
    plane = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) { plane[2 * i] = view.x[i]; plane[2 * i + 1] = view.y[i]; }
  }
  const moved = !!ui.drag;
  const now = moved ? core.attend({ query: at, keys: plane, d: 2, scale }) : null;
  const logits = moved ? now.logits : view.logits, weights = moved ? now.weights : view.weights;
  const qNorm = moved ? Math.hypot(at[0], at[1]) : view.queryNorm;
  const lse = moved ? now.logSumExp : view.logSumExp;
  const key = `${h}|${state.scale}|${state.causal}|${data.id}`;
  const keep = memo && memo.key === key;
  const all = rows(data.k, h, T, d, 0, T), allQ = rows(data.q, h, T, d, 0, T);
  const joint = keep ? memo.joint : core.jointMap({ queries: allQ, keys: all, d });
  const matrix = keep ? memo.matrix : T <= MAX_HEATMAP
    ? core.attentionMatrix({ queries: allQ, keys: all, d, scale, mask: state.causal ? 'causal' : 'none' }) : null;
  const top = core.topK(weights, Math.min(TOP, n));
  const labels = memo?.labelsOf === data.labels ? memo.labels : data.labels.map(shortLabel);
  return {
    key, viewKey, head: h, query: t, tokens: T, d, n, scale, labels, labelsOf: data.labels, source: data.source,
    view, plane, at, moved, logits, weights, top,
    output: moved ? null : view.output,
    strip: stripOf(core, logits, weights, scale, qNorm, lse),
    joint, matrix,
  };
}
