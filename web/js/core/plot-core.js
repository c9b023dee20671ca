// PlotCore: the JavaScript face of the C++ attention core with what one plot calls (upload,
// attend, layout, vonMises, queryGeometry, keyPositions, topK, unitKeyWeights,
// unitKeyCurve, invSqrtD). AttentionCore (attention-core.js) extends it with the rest of the
// glossary; the <attention-plot> element's bundle uses this class alone with the lean WASM
// module (core/wasm-plot.js), everything else AttentionCore (docs/js-api.md).
//
// A method sizes its inputs and outputs, reserves them in the heap (heap.js: the only code
// that allocates there), writes the inputs, calls the extern "C" function from
// src/wasm/binding.cpp and copies the outputs into fresh typed arrays. Shape errors only
// JavaScript can see throw here (args.js); numeric ones are the core's message.

import { Heap, pad } from './heap.js';
import { EX, MAX_LAYOUT_NUMBERS, PLAIN, beyondOptions, describe, int32, matrixShape, number, optionalDim, plain,
  seedHalves, singleQueryShapes, vectorShape, writeMatrix, writeVector } from './args.js';

/** @typedef {import('./args.js').Vector} Vector */
/** @typedef {import('./args.js').Matrix} Matrix */
/** @typedef {import('./args.js').AttendOptions} AttendOptions */
/** @typedef {import('./args.js').LayoutOptions} LayoutOptions */
/** @typedef {import('./args.js').VonMisesOptions} VonMisesOptions */
/** @typedef {import('./args.js').UnitKeyWeightsOptions} UnitKeyWeightsOptions */
/** @typedef {import('./args.js').UnitKeyCurveOptions} UnitKeyCurveOptions */
/** @typedef {{moduleUrl?: string | URL, wasmBinary?: ArrayBuffer | Uint8Array, wasmUrl?: string | URL}} LoadOptions */

const LAYOUT_CODE = { even: 0, random: 1, clusters: 2, sphere: 3, values: 4, gaussian: 5 };
const STATS_EX_LEN = 7;  // attn_attend_ex: the same, then sinkWeight, threshold

const isNode = typeof process === 'object' && process !== null &&
  typeof process.versions === 'object' && process.versions !== null && !!process.versions.node;

export class PlotCore {
  #heap;

  /** module: an instantiated Emscripten module, or (from a subclass) the Heap it made of one. */
  constructor(module) {
    this.#heap = module instanceof Heap ? module : new Heap(module);
  }

  // Loads and instantiates the WASM module.
  //   options.moduleUrl  URL of attention_wasm.mjs (default ../generated/ next to this file)
  //   options.wasmBinary the .wasm bytes (ArrayBuffer / Uint8Array); in node it is read
  //                      from disk next to the .mjs when not given
  //   options.wasmUrl    where to read the .wasm from in node (default: next to the .mjs)
  /** @param {LoadOptions} [options] */
  static async load(options = {}) {
    const moduleUrl = new URL(options.moduleUrl ?? '../../generated/attention_wasm.mjs', import.meta.url).href;
    const { default: createAttentionModule } = await import(moduleUrl);
    let wasmBinary = options.wasmBinary;
    if (wasmBinary === undefined && isNode) {
      // The generated loader would fetch() the .wasm, which node cannot do for file: URLs.
      const { readFile } = await import('node:fs/promises');
      const wasmUrl = new URL(options.wasmUrl ?? moduleUrl.replace(/\.mjs(?=$|[?#])/, '.wasm'), moduleUrl);
      wasmBinary = await readFile(wasmUrl);
    }
    const moduleArgs = {};
    if (wasmBinary !== undefined) moduleArgs.wasmBinary = wasmBinary;
    const module = await createAttentionModule(moduleArgs);
    return new this(module);
  }

  // Wraps an already-instantiated Emscripten module (e.g. the SINGLE_FILE factory's
  // result in web/generated/attention-plot.js, which cannot use load()).
  static fromModule(module) {
    return new this(module);
  }

  // Current size of the WASM heap in bytes (read-only; for leak/growth checks).
  get heapBytes() {
    return this.#heap.module.HEAP8.byteLength;
  }

  // The Emscripten module itself (raw exports + HEAP views), for bench/node/harness.mjs
  // only; the playground never needs it.
  get raw() {
    return this.#heap.module;
  }

  // upload(data, {d}) -> Resident: `data` (flat, row-major, d numbers per row, or points)
  // copied once into the heap as float32. Use it as keys / values / queries; free() it.
  /** @param {Matrix} data @param {{d?: number}} [options] */
  upload(data, options) {
    return this.#heap.upload(data, options);
  }

  // attend({query, keys, values?, scale=1, normalizeKeys=false, d?, dv?,
  //         alpha=1, sink=null, rope=null, kernel='softmax', features=64, seed=1})
  //   -> {logits, weights, output, entropy, effectiveKeys, argmax, logSumExp, maxLogit,
  //       sinkWeight, threshold, rotatedQuery, rotatedKeys}
  // threshold: α-entmax's τ (weight_i = [(α−1)·logit_i − τ]₊^(1/(α−1))), null for α = 1.
  // The default options take the allocation-free float fast path (attn_attend); any other
  // goes through attn_attend_ex. logSumExp is null for alpha > 1; rotatedQuery (d) and
  // rotatedKeys (n·d, row-major) are null without rope.
  /** @param {AttendOptions} options */
  attend({ query, keys, values, scale = 1, normalizeKeys = false, d, dv, alpha, sink, rope, kernel, features,
    seed } = /** @type {AttendOptions} */ ({})) {
    const { dq, ks, vs } = singleQueryShapes({ query, keys, values, d, dv });
    number('scale', scale);
    // None given (the plots' per-frame calls): no option parsing at all.
    const ex = alpha === undefined && sink === undefined && rope === undefined && kernel === undefined &&
      features === undefined && seed === undefined
      ? PLAIN : beyondOptions({ alpha, sink, rope, kernel, features, seed });
    const n = ks.rows;
    const outDim = vs.rows > 0 ? vs.cols : 0;
    const np = ex.positions ? ex.positions.length : 0;
    const rq = ex.rope ? dq : 0, rk = ex.rope ? n * ks.cols : 0;

    this.#heap.reserve('attend', pad(dq * 4) + this.#heap.bytes(ks) + this.#heap.bytes(vs) +
      pad(n * 4) * 2 + pad(outDim * 4) + pad(STATS_EX_LEN * 8) +
      (ex.plain ? 0 : pad(EX.count * 8) + pad(np * 8) + pad(rq * 4) + pad(rk * 4)));
    const pq = this.#heap.take(dq * 4), pk = this.#heap.place(ks), pv = this.#heap.place(vs);
    const pl = this.#heap.take(n * 4), pw = this.#heap.take(n * 4), po = this.#heap.take(outDim * 4);
    const ps = this.#heap.take(STATS_EX_LEN * 8);

    const f32 = this.#heap.f32();
    writeVector('query', query, f32, pq >> 2);
    writeMatrix('keys', keys, ks, f32, pk >> 2);
    if (vs.rows > 0) writeMatrix('values', values, vs, f32, pv >> 2);

    let prq = 0, prk = 0;
    if (ex.plain) {
      this.#heap.check(this.#heap.module._attn_attend(pq, dq, pk, ks.rows, ks.cols, pv, vs.rows, vs.cols, scale,
        normalizeKeys ? 1 : 0, pl, pw, po, ps));
    } else {
      const popts = this.#heap.take(EX.count * 8), ppos = this.#heap.take(np * 8);
      prq = this.#heap.take(rq * 4);
      prk = this.#heap.take(rk * 4);
      const f64 = this.#heap.f64();
      f64.set(ex.opts, popts >> 3);
      if (np > 0) writeVector('rope.positions', ex.positions, f64, ppos >> 3);
      this.#heap.check(this.#heap.module._attn_attend_ex(pq, dq, pk, ks.rows, ks.cols, pv, vs.rows, vs.cols, scale,
        normalizeKeys ? 1 : 0, popts, ppos, np, pl, pw, po, ps, prq, prk));
    }

    const h = this.#heap.f32(), h64 = this.#heap.f64(), s = ps >> 3;
    const lse = h64[s + 1];
    return {
      logits: h.slice(pl >> 2, (pl >> 2) + n),
      weights: h.slice(pw >> 2, (pw >> 2) + n),
      output: h.slice(po >> 2, (po >> 2) + outDim),
      entropy: h64[s + 2],
      effectiveKeys: h64[s + 3],
      argmax: h64[s + 4],
      logSumExp: Number.isNaN(lse) ? null : lse,
      maxLogit: h64[s],
      sinkWeight: ex.plain ? 0 : h64[s + 5],
      threshold: ex.plain || Number.isNaN(h64[s + 6]) ? null : h64[s + 6],
      rotatedQuery: ex.rope ? h.slice(prq >> 2, (prq >> 2) + rq) : null,
      rotatedKeys: ex.rope ? h.slice(prk >> 2, (prk >> 2) + rk) : null,
    };
  }

  // layout({kind, n, seed=1, d=2, clusters=3, spread=0.3, phase=0})
  //   -> {points: Float64Array (n·d), d, angles?: Float64Array (n, when d = 2)}
  /** @param {LayoutOptions} options */
  layout({ kind, n, seed = 1, d = 2, clusters = 3, spread = 0.3, phase = 0 } = /** @type {LayoutOptions} */ ({})) {
    if (!Object.hasOwn(LAYOUT_CODE, kind)) {
      throw new Error(`kind: is ${describe(kind)}; expected one of ${Object.keys(LAYOUT_CODE).join(', ')}`);
    }
    int32('n', n);
    int32('d', d);
    int32('clusters', clusters);
    number('spread', spread);
    number('phase', phase);
    const [lo, hi] = seedHalves(seed);
    const cols = kind === 'sphere' || kind === 'gaussian' ? d : 2;
    let count = n > 0 && cols > 0 ? n * cols : 0;
    if (count > MAX_LAYOUT_NUMBERS) count = 0;  // the core rejects it; never allocate it
    const angleCount = cols === 2 ? count / 2 : 0;

    this.#heap.reserve('layout', pad(count * 8) + pad(angleCount * 8) + pad(4));
    const pp = this.#heap.take(count * 8), pa = this.#heap.take(angleCount * 8), pc = this.#heap.take(4);

    this.#heap.check(this.#heap.module._attn_layout(LAYOUT_CODE[kind], n, d, clusters, spread, phase, lo, hi, pp, count,
      angleCount > 0 ? pa : 0, angleCount, pc));

    const outCols = this.#heap.i32()[pc >> 2];
    const h = this.#heap.f64();
    const result = { points: h.slice(pp >> 3, (pp >> 3) + n * outCols), d: outCols };
    if (outCols === 2) result.angles = h.slice(pa >> 3, (pa >> 3) + n);
    return result;
  }

  // vonMises({kappa, phi, angles, gaussian=false}) -> Float64Array
  /** @param {VonMisesOptions} options */
  vonMises({ kappa, phi, angles, gaussian = false } = /** @type {VonMisesOptions} */ ({})) {
    number('kappa', kappa);
    number('phi', phi);
    const count = vectorShape('angles', angles);

    this.#heap.reserve('vonMises', pad(count * 8) * 2);
    const pa = this.#heap.take(count * 8), po = this.#heap.take(count * 8);
    writeVector('angles', angles, this.#heap.f64(), pa >> 3);

    this.#heap.check(this.#heap.module._attn_von_mises(pa, count, kappa, phi, gaussian ? 1 : 0, po));
    return this.#heap.f64().slice(po >> 3, (po >> 3) + count);
  }

  // queryGeometry({query, scale=1}) -> {norm: |q|, kappa: |q|·scale, phi: atan2(q1, q0)}
  /** @param {{query: Vector, scale?: number}} options */
  queryGeometry({ query, scale = 1 } = /** @type {{query: Vector}} */ ({})) {
    const dq = vectorShape('query', query);
    number('scale', scale);
    this.#heap.reserve('queryGeometry', pad(dq * 8) + pad(3 * 8));
    const pq = this.#heap.take(dq * 8), po = this.#heap.take(3 * 8);
    writeVector('query', query, this.#heap.f64(), pq >> 3);
    this.#heap.check(this.#heap.module._attn_query_geometry(pq, dq, scale, po));
    const h = this.#heap.f64(), o = po >> 3;
    return { norm: h[o], kappa: h[o + 1], phi: h[o + 2] };
  }

  // keyPositions({keys, normalizeKeys=false, d?}) -> Float64Array (n·d): the keys where the
  // logits see them (unit length when normalising; a zero key stays at the origin).
  /** @param {{keys: Matrix, normalizeKeys?: boolean, d?: number}} options */
  keyPositions({ keys, normalizeKeys = false, d } = /** @type {{keys: Matrix}} */ ({})) {
    d = optionalDim('d', d);
    const ks = plain('keys', matrixShape('keys', keys, d, 'd'));
    const count = ks.rows * ks.cols;
    this.#heap.reserve('keyPositions', pad(count * 8) * 2);
    const pk = this.#heap.take(count * 8), po = this.#heap.take(count * 8);
    writeMatrix('keys', keys, ks, this.#heap.f64(), pk >> 3);
    this.#heap.check(this.#heap.module._attn_key_positions(pk, ks.rows, ks.cols, normalizeKeys ? 1 : 0, po));
    return this.#heap.f64().slice(po >> 3, (po >> 3) + count);
  }

  // topK(weights, k) -> Int32Array (k): indices of the k largest weights, largest first
  // (equal weights: lower index first).
  /** @param {Vector} weights @param {number} k */
  topK(weights, k) {
    const n = vectorShape('weights', weights);
    int32('k', k);
    const cap = k >= 1 && k <= n ? k : 0;
    this.#heap.reserve('topK', pad(n * 4) + pad(cap * 4));
    const pw = this.#heap.take(n * 4), po = this.#heap.take(cap * 4);
    writeVector('weights', weights, this.#heap.f32(), pw >> 2);
    this.#heap.check(this.#heap.module._attn_top_k(pw, n, k, po));
    return this.#heap.i32().slice(po >> 2, (po >> 2) + cap);
  }

  // unitKeyWeights({kappa, phi, logSumExp, angles}) -> Float64Array: the weight a unit key at
  // each angle would get with the current normaliser, exp(κ cos(θ − φ) − log Σ).
  /** @param {UnitKeyWeightsOptions} options */
  unitKeyWeights({ kappa, phi, logSumExp, angles } = /** @type {UnitKeyWeightsOptions} */ ({})) {
    number('kappa', kappa);
    number('phi', phi);
    number('logSumExp', logSumExp);
    const count = vectorShape('angles', angles);
    this.#heap.reserve('unitKeyWeights', pad(count * 8) * 2);
    const pa = this.#heap.take(count * 8), po = this.#heap.take(count * 8);
    writeVector('angles', angles, this.#heap.f64(), pa >> 3);
    this.#heap.check(this.#heap.module._attn_unit_key_weights(kappa, phi, logSumExp, pa, count, po));
    return this.#heap.f64().slice(po >> 3, (po >> 3) + count);
  }
  // unitKeyCurve({query, scale=1, alpha=1, kernel='softmax', features=64, seed=1, logSumExp,
  //               threshold, angles}) -> Float64Array: unitKeyWeights for every normaliser and
  // kernel (d = 2): the weight a unit key at each angle would get beside the keys attend saw.
  // Pass attend's logSumExp (α = 1) or threshold (α > 1) from the same options.
  /** @param {UnitKeyCurveOptions} options */
  unitKeyCurve({ query, scale = 1, alpha, sink, rope, kernel, features, seed, logSumExp = null, threshold = null,
    angles } = /** @type {UnitKeyCurveOptions} */ ({})) {
    const dq = vectorShape('query', query);
    number('scale', scale);
    const ex = beyondOptions({ alpha, sink, rope, kernel, features, seed }, false, true);
    const c = (name, v) => { if (v !== null) number(name, v); return v ?? NaN; };
    const lse = c('logSumExp', logSumExp), tau = c('threshold', threshold);
    const count = vectorShape('angles', angles);
    const call = this.#heap.export('unitKeyCurve', '_attn_unit_key_curve');
    this.#heap.reserve('unitKeyCurve', pad(dq * 8) + pad(EX.count * 8) + pad(count * 8) * 2);
    const pq = this.#heap.take(dq * 8), popts = this.#heap.take(EX.count * 8);
    const pa = this.#heap.take(count * 8), po = this.#heap.take(count * 8);
    const f64 = this.#heap.f64();
    writeVector('query', query, f64, pq >> 3);
    f64.set(ex.opts, popts >> 3);
    writeVector('angles', angles, f64, pa >> 3);
    this.#heap.check(call(pq, dq, scale, popts, lse, tau, pa, count, po));
    return this.#heap.f64().slice(po >> 3, (po >> 3) + count);
  }

  // invSqrtD(d) -> 1/√d, the transformer's default scale.
  /** @param {number} d */
  invSqrtD(d) {
    int32('d', d);
    this.#heap.reserve('invSqrtD', pad(8));
    const po = this.#heap.take(8);
    this.#heap.check(this.#heap.module._attn_inv_sqrt_d(d, po));
    return this.#heap.f64()[po >> 3];
  }

}
