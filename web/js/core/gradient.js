// core.queryGradient (AttentionCore, full core only: the element's lean module leaves it out):
// how moving the query changes one key's weight, from the core's attn::query_gradient
// (src/attn/gradient.hpp) through src/wasm/binding.cpp's attn_query_gradient.

import { pad } from './heap.js';
import { EX, PLAIN, beyondOptions, int32, number, singleQueryShapes, writeMatrix, writeVector } from './args.js';

/**
 * @typedef {object} GradientOptions
 * @property {import('./args.js').Vector} query
 * @property {import('./args.js').Matrix} keys
 * @property {number} target           the key whose weight the gradient is of
 * @property {number} [scale]
 * @property {boolean} [normalizeKeys]
 * @property {number} [d]
 * @property {number} [alpha]
 * @property {number|null} [sink]
 */

// queryGradient({query, keys, target, scale=1, normalizeKeys=false, d?, alpha, sink})
//   -> {weight: w_t, meanKey: Σ w_j k_j, ofWeight: ∂w_t/∂q, ofLogWeight: ∂log w_t/∂q} (each d floats):
//   how moving the query changes key `target`'s weight (attn/gradient.hpp).
/** @param {import('./heap.js').Heap} heap @param {GradientOptions} options */
export function queryGradient(heap, { query, keys, target, scale = 1, normalizeKeys = false, d, alpha, sink } =
/** @type {GradientOptions} */ ({})) {
  const { dq, ks } = singleQueryShapes({ query, keys, values: undefined, d, dv: undefined });
  number('scale', scale);
  int32('target', target);
  const ex = alpha === undefined && sink === undefined ? PLAIN : beyondOptions({ alpha, sink });
  heap.reserve('queryGradient', pad(dq * 4) + heap.bytes(ks) + pad((3 * dq + 1) * 4) +
    (ex.plain ? 0 : pad(EX.count * 8)));
  const pq = heap.take(dq * 4), pk = heap.place(ks), po = heap.take((3 * dq + 1) * 4);
  const popts = ex.plain ? 0 : heap.take(EX.count * 8);
  const f32 = heap.f32();
  writeVector('query', query, f32, pq >> 2);
  writeMatrix('keys', keys, ks, f32, pk >> 2);
  if (popts) heap.f64().set(ex.opts, popts >> 3);
  const call = heap.export('queryGradient', '_attn_query_gradient');
  heap.check(call(pq, dq, pk, ks.rows, ks.cols, scale, normalizeKeys ? 1 : 0, popts, target, po));
  const h = heap.f32(), o = po >> 2;
  const part = (i) => h.slice(o + 1 + i * dq, o + 1 + (i + 1) * dq);
  return { weight: h[o], meanKey: part(0), ofWeight: part(1), ofLogWeight: part(2) };
}
