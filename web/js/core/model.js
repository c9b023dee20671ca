// "Your own tensors" in the full core (AttentionCore; the element's lean core leaves them out):
// core.readTensors, core.queryView and core.jointMap over src/wasm/model_binding.cpp, the
// core's tensor readers (attn/tensors.hpp) and its pictures of a head in any dimension
// (attn/view.hpp). Shapes only JavaScript can see are checked here, naming the argument;
// everything else is the core's, passed through as `new Error(<core message>)`.

import { pad } from './heap.js';
import { describe, matrixShape, number, plain, vectorShape, writeMatrix, writeVector } from './args.js';

const FORMATS = ['detect', 'npy', 'safetensors', 'json'];
const NAME_BYTES = 256;
const METHODS = ['plane', 'lanczos', 'fallback'];

/**
 * readTensors(bytes, {format = 'detect', name = 'tensors'}) -> [{name, shape, dtype, data}]: every
 * tensor of one .npy, .safetensors or JSON file, data a Float32Array in row-major order whatever
 * the file's order. A bad file throws the core's sentence, which names the file and the tensor.
 * @param {import('./heap.js').Heap} heap
 * @param {ArrayBuffer | ArrayBufferView} bytes
 * @param {{format?: string, name?: string}} [options]
 */
export function readTensors(heap, bytes, { format = 'detect', name = 'tensors' } = {}) {
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes)
    : ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : null;
  if (!view) throw new Error(`bytes: is ${describe(bytes)}; expected an ArrayBuffer or a typed array of the file`);
  const code = FORMATS.indexOf(format);
  if (code < 0) throw new Error(`format: is ${describe(format)}; expected one of ${FORMATS.join(', ')}`);
  if (typeof name !== 'string') throw new Error(`name: is ${describe(name)}; expected the file's name`);
  const nameBytes = new TextEncoder().encode(`${name}\0`);
  heap.reserve('readTensors', pad(view.length) + pad(nameBytes.length) + pad(4));
  const pb = heap.take(view.length), pn = heap.take(nameBytes.length), pc = heap.take(4);
  heap.u8().set(view, pb);
  heap.u8().set(nameBytes, pn);
  heap.check(heap.export('readTensors', '_attn_read_tensors')(pb, view.length, pn, code, pc));
  const count = heap.i32()[pc >> 2], m = heap.module, out = [];
  try {
    for (let i = 0; i < count; i++) {
      heap.reserve('readTensors', pad(NAME_BYTES) * 2 + pad(4) + pad(8 * 8) + pad(8));
      const pname = heap.take(NAME_BYTES), pdt = heap.take(NAME_BYTES), pr = heap.take(4), ps = heap.take(64);
      const pe = heap.take(8);
      heap.check(m._attn_tensor_info(i, pname, pdt, NAME_BYTES, pr, ps, pe));
      const rank = heap.i32()[pr >> 2], f64 = heap.f64();
      const shape = Array.from(f64.subarray(ps >> 3, (ps >> 3) + rank)), elements = f64[pe >> 3];
      const info = { name: m.UTF8ToString(pname), dtype: m.UTF8ToString(pdt), shape };
      heap.reserve('readTensors', pad(elements * 4));
      const pd = heap.take(elements * 4);
      heap.check(m._attn_tensor_data(i, pd, elements));
      out.push({ ...info, data: heap.f32().slice(pd >> 2, (pd >> 2) + elements) });
    }
  } finally {
    m._attn_tensors_release();
  }
  return out;
}

/**
 * @typedef {object} QueryViewOptions
 * @property {import('./args.js').Vector} query    (d)
 * @property {import('./args.js').Matrix} keys     (n, d)
 * @property {import('./args.js').Matrix} [values] (n, dv)
 * @property {number} [scale]
 * @property {boolean} [normalizeKeys]
 * @property {number} [d]
 * @property {number} [dv]
 * @property {number} [alpha]
 * @property {number|null} [sink]
 */

/**
 * queryView({query, keys, values?, scale = 1, normalizeKeys = false, d, dv, alpha = 1, sink = null})
 *   -> {x, y, weights, logits, captured (n each), output (dv), basis (2·d: e1 then e2), explained,
 *       queryNorm, logSumExp, sinkWeight, method, residual}: the keys in the plane of q and the
 *   strongest direction beside it; every logit is scale·|q|·x_i, the d-dimensional one.
 * @param {import('./heap.js').Heap} heap @param {QueryViewOptions} options
 */
export function queryView(heap, { query, keys, values, scale = 1, normalizeKeys = false, d, dv, alpha = 1,
  sink = null } = /** @type {QueryViewOptions} */ ({})) {
  const dq = vectorShape('query', query);
  const ks = plain('keys', matrixShape('keys', keys, d ?? dq, 'd'));
  if (ks.cols !== dq) throw new Error(`query: has length ${dq} but keys have d = ${ks.cols}; expected equal lengths`);
  const vs = values === undefined || values === null ? { rows: 0, cols: 0 }
    : plain('values', matrixShape('values', values, dv, 'dv'));
  number('scale', scale);
  number('alpha', alpha);
  if (sink !== null) number('sink', sink);
  const n = ks.rows;
  heap.reserve('queryView', pad(dq * 4) + pad(n * dq * 4) + pad(vs.rows * vs.cols * 4) + pad(2 * dq * 4) +
    pad(n * 4) * 5 + pad(vs.cols * 4) + pad(6 * 8));
  const pq = heap.take(dq * 4), pk = heap.take(n * dq * 4), pv = heap.take(vs.rows * vs.cols * 4);
  const pb = heap.take(2 * dq * 4), px = heap.take(n * 4), py = heap.take(n * 4), pl = heap.take(n * 4);
  const pw = heap.take(n * 4), pc = heap.take(n * 4), po = heap.take(vs.cols * 4), ps = heap.take(6 * 8);
  const f32 = heap.f32();
  writeVector('query', query, f32, pq >> 2);
  writeMatrix('keys', keys, ks, f32, pk >> 2);
  if (vs.rows > 0) writeMatrix('values', values, vs, f32, pv >> 2);
  heap.check(heap.export('queryView', '_attn_query_view')(pq, dq, pk, n, pv, vs.rows, vs.cols, scale,
    normalizeKeys ? 1 : 0, alpha, sink === null ? 0 : 1, sink ?? 0, pb, px, py, pl, pw, pc, po, ps));
  const h = heap.f32(), h64 = heap.f64(), s = ps >> 3;
  const at = (p, len) => h.slice(p >> 2, (p >> 2) + len);
  return {
    x: at(px, n), y: at(py, n), logits: at(pl, n), weights: at(pw, n), captured: at(pc, n), output: at(po, vs.cols),
    basis: at(pb, 2 * dq), explained: h64[s], queryNorm: h64[s + 1],
    logSumExp: Number.isNaN(h64[s + 2]) ? null : h64[s + 2], residual: h64[s + 3], sinkWeight: h64[s + 4],
    method: METHODS[h64[s + 5]],
  };
}

/**
 * jointMap({queries, keys, d}) -> {queries (m·2), keys (n·2), shift (d), ratio, explained, pairs,
 *   correlation: {full, map}}: every query and key of a head in one plane, AttentionViz's way (keys
 *   shifted and both rescaled so no row's weights change, then PCA).
 * @param {import('./heap.js').Heap} heap
 * @param {{queries: import('./args.js').Matrix, keys: import('./args.js').Matrix, d?: number}} options
 */
export function jointMap(heap, { queries, keys, d } = /** @type {*} */ ({})) {
  const qs = plain('queries', matrixShape('queries', queries, d, 'd'));
  const ks = plain('keys', matrixShape('keys', keys, d ?? qs.cols, 'd'));
  if (ks.cols !== qs.cols) throw new Error(`keys: have d = ${ks.cols} but queries have d = ${qs.cols}; expected one d`);
  const m = qs.rows, n = ks.rows, dd = qs.cols;
  heap.reserve('jointMap', pad(m * dd * 4) + pad(n * dd * 4) + pad(m * 8) + pad(n * 8) + pad(dd * 4) + pad(5 * 8));
  const pq = heap.take(m * dd * 4), pk = heap.take(n * dd * 4), pmq = heap.take(m * 8), pmk = heap.take(n * 8);
  const psh = heap.take(dd * 4), ps = heap.take(5 * 8);
  const f32 = heap.f32();
  writeMatrix('queries', queries, qs, f32, pq >> 2);
  writeMatrix('keys', keys, ks, f32, pk >> 2);
  heap.check(heap.export('jointMap', '_attn_joint_map')(pq, m, pk, n, dd, pmq, pmk, psh, ps));
  const h = heap.f32(), h64 = heap.f64(), s = ps >> 3;
  return {
    queries: h.slice(pmq >> 2, (pmq >> 2) + 2 * m), keys: h.slice(pmk >> 2, (pmk >> 2) + 2 * n),
    shift: h.slice(psh >> 2, (psh >> 2) + dd), ratio: h64[s], explained: h64[s + 3], pairs: h64[s + 4],
    correlation: { full: h64[s + 1], map: h64[s + 2] },
  };
}
