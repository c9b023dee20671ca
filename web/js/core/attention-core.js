// AttentionCore: PlotCore (plot-core.js: what one plot calls) and the rest of the glossary
// (attentionMatrix, stream, selfAttention, crossAttention, pagedDecode, mla, dimensionStats).
// Everything but the <attention-plot> element's own bundle uses this class (docs/js-api.md).
// Each method sizes its call, reserves it in the core's Heap (heap.js), writes the inputs,
// calls the extern "C" function from src/wasm/binding.cpp and copies the outputs off. Shape
// problems only JavaScript can see throw here, naming the argument (args.js); everything
// numeric is the core's job, passed through as `new Error(<core message>)`.

import { PlotCore } from './plot-core.js';
import { Trainer } from './trainer.js';
import { queryGradient } from './gradient.js';
import { readTensors, queryView, jointMap } from './model.js';
import { Heap, Resident, pad } from './heap.js';
import { EX, MAX_LAYOUT_NUMBERS, typeName, isVectorLike, int32, optionalDim, number, describe, matrixShape, pointsCols,
  writeVector, writeMatrix, seedHalves, PLAIN, beyondOptions, plain, singleQueryShapes } from './args.js';

export { Resident };

/** @typedef {import('./args.js').MatrixOptions} MatrixOptions */
/** @typedef {import('./args.js').StreamOptions} StreamOptions */
/** @typedef {import('./args.js').SelfAttentionOptions} SelfAttentionOptions */
/** @typedef {import('./args.js').CrossOptions} CrossOptions */
/** @typedef {import('./args.js').PagedOptions} PagedOptions */
/** @typedef {import('./args.js').MlaOptions} MlaOptions */
/** @typedef {import('./args.js').DimensionOptions} DimensionOptions */

const MASK_CODE = { none: 0, causal: 1, window: 2, topk: 3 };
const STATE_HEADER = 6;  // doubles per stream block record before partial_output (binding.cpp)

function parseMask(mask) {
  if (mask === undefined || mask === null || mask === 'none') return { code: MASK_CODE.none, size: 0 };
  if (mask === 'causal') return { code: MASK_CODE.causal, size: 0 };
  if (typeof mask === 'string') {
    // Also accept the CLI/URL spelling "window:3" / "topk:2".
    const m = /^(window|topk|top_k):(-?\d+)$/.exec(mask);
    if (m) {
      return { code: m[1] === 'window' ? MASK_CODE.window : MASK_CODE.topk, size: int32('mask', Number(m[2])) };
    }
  } else if (typeof mask === 'object') {
    const keys = Object.keys(mask);
    if (keys.length === 1 && keys[0] === 'window') return { code: MASK_CODE.window, size: int32('mask.window', mask.window) };
    if (keys.length === 1 && keys[0] === 'topK') return { code: MASK_CODE.topk, size: int32('mask.topK', mask.topK) };
  }
  throw new Error(`mask: is ${describeMask(mask)}; ` +
    `expected 'none', 'causal', {window: w} or {topK: k}`);
}

// An object mask as the user wrote it, without JSON.stringify (a BigInt or a cycle would throw).
function describeMask(mask) {
  if (mask === null || typeof mask !== 'object' || Array.isArray(mask) || ArrayBuffer.isView(mask)) return describe(mask);
  const fields = Object.keys(mask).slice(0, 4).map((k) => `${describe(k)}: ${describe(mask[k])}`);
  return `{${fields.join(', ')}${Object.keys(mask).length > 4 ? ', …' : ''}}`;
}

// {sparse: {...}}: the sparse-pattern mask (attentionMatrix hands it to sparseMatrix).
/** @param {*} mask @returns {mask is {sparse: import('./args.js').SparsePattern}} */
function isSparseMask(mask) {
  return mask !== null && typeof mask === 'object' && !Array.isArray(mask) && Object.hasOwn(mask, 'sparse');
}

// The fields of a sparse pattern, with the CLI's defaults; the core checks the ranges.
function sparseFields(p) {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) {
    throw new Error(`mask.sparse: is ${describe(p)}; expected {window, stride, global, causal}`);
  }
  for (const key of Object.keys(p)) {
    if (!['window', 'stride', 'global', 'causal'].includes(key)) {
      throw new Error(`${key}: is not a field of the sparse mask; expected window, stride, global or causal`);
    }
  }
  const window = p.window === undefined ? 1 : int32('window', p.window);
  const stride = p.stride === undefined ? 0 : int32('stride', p.stride);
  const global = p.global === undefined ? [] : p.global;
  if (!isVectorLike(global)) throw new Error(`global: is ${typeName(global)}; expected an array of token indices`);
  Array.from(global).forEach((g, i) => int32(`global: entry ${i}`, g));
  const causal = p.causal === undefined ? true : p.causal;
  if (typeof causal !== 'boolean') throw new Error(`causal: is ${describe(causal)}; expected true or false`);
  return { window, stride, global, causal };
}

// A list of `count` (d_head, d_model) matrices, or one matrix for one head.
function matrixList(name, w, count) {
  if (!Array.isArray(w)) throw new Error(`${name}: is ${typeName(w)}; expected an array of ${count ?? 'one or more'} matrices`);
  if (w.length > 0 && Array.isArray(w[0]) && w[0].length > 0 && typeof w[0][0] === 'number') w = [w];
  if (count !== undefined && w.length !== count) throw new Error(`${name}: has ${w.length} matrices; expected ${count}`);
  if (w.length === 0) throw new Error(`${name}: has 0 matrices; expected at least one`);
  return w;
}

// The sparse-pattern branch of attentionMatrix (same outputs + scoresComputed, computedFraction).
function sparseMatrix(heap, queries, keys, values, qs, ks, vs, scale, normalizeKeys, pattern) {
  const { window, stride, global, causal } = sparseFields(pattern);
  const m = qs.rows, n = ks.rows, outDim = vs.rows > 0 ? vs.cols : 0, ng = global.length;
  heap.reserve('attentionMatrix', heap.bytes(qs) + heap.bytes(ks) + heap.bytes(vs) + pad(ng * 4) +
    pad(m * n * 4) * 2 + pad(m * outDim * 4) + pad(m * 4) + pad(m) + pad(m * n) + pad(16));
  const pq = heap.place(qs), pk = heap.place(ks), pv = heap.place(vs), pg = heap.take(ng * 4);
  const pw = heap.take(m * n * 4), pl = heap.take(m * n * 4), po = heap.take(m * outDim * 4);
  const pe = heap.take(m * 4), pz = heap.take(m), pmk = heap.take(m * n), pc = heap.take(16);
  const f32 = heap.f32();
  writeMatrix('queries', queries, qs, f32, pq >> 2);
  writeMatrix('keys', keys, ks, f32, pk >> 2);
  if (vs.rows > 0) writeMatrix('values', values, vs, f32, pv >> 2);
  heap.i32().set(Array.from(global), pg >> 2);
  heap.check(heap.export('attentionMatrix', '_attn_matrix_sparse')(pq, qs.rows, qs.cols, pk, ks.rows, ks.cols, pv, vs.rows, vs.cols, scale,
    normalizeKeys ? 1 : 0, window, stride, pg, ng, causal ? 1 : 0, pw, pl, po, pe, pz, pmk, pc));
  const h64 = heap.f64();
  return {
    ...heap.matrixOutputs({ pw, pl, po, pe, pz, pmk }, m, n, outDim),
    m,
    n,
    dv: outDim,
    scoresComputed: h64[pc >> 3],
    computedFraction: h64[(pc >> 3) + 1],
  };
}

// selfAttention's result read off the heap: per head Q, K, V, logits, weights, masks and
// asymmetries, then the concatenated output and the KV-cache sizes (attn_self_attention).
function selfResult(heap, { pq, pk, pv, po, pl, pw, pe, pz, pmk, phk, pa, pc, pkv, pvar }, heads, m, dHead) {
  const md = m * dHead, mm = m * m;
  const h = heap.f32(), u8 = heap.u8(), h64 = heap.f64(), i32 = heap.i32();
  const at = (p, i, len) => h.slice((p >> 2) + i * len, (p >> 2) + (i + 1) * len);
  const out = [];
  for (let i = 0; i < heads; i++) {
    out.push({
      q: at(pq, i, md), k: at(pk, i, md), v: at(pv, i, md), output: at(po, i, md),
      logits: at(pl, i, mm), weights: at(pw, i, mm), entropy: at(pe, i, m),
      emptyRows: u8.slice(pz + i * m, pz + (i + 1) * m),
      masked: u8.slice(pmk + i * mm, pmk + (i + 1) * mm),
      kvHead: i32[(phk >> 2) + i],
      logitAsymmetry: h[(pa >> 2) + 2 * i], weightAsymmetry: h[(pa >> 2) + 2 * i + 1],
    });
  }
  return {
    heads: out,
    output: h.slice(pc >> 2, (pc >> 2) + heads * md),
    kvCacheEntries: h64[pkv >> 3],
    kvCacheEntriesMHA: h64[(pkv >> 3) + 1],
    variant: ['MHA', 'MQA', 'GQA'][i32[pvar >> 2]],
    m,
    dHead,
  };
}

// pagedDecode's result read off the heap: the step counts, block tables, blocks and the
// last step's weights and outputs (binding.cpp's attn_paged_decode writes them).
function pagedResult(heap, { pinfo, ptab, pblk, pw, pcw, po, pco, pd }, blockSize, dv) {
  const i32 = heap.i32(), h = heap.f32(), h64 = heap.f64();
  const info = Array.from(i32.subarray(pinfo >> 2, (pinfo >> 2) + 13));
  const [stepsDone, totalSteps, forked, seqCount, allocated, blocksUsed, slotsFilled, wastedSlots,
    blocksWithoutSharing, lastSeq, lastPos, lenA, lenB] = info;
  const tabA = Math.ceil(lenA / blockSize), tabB = Math.ceil(lenB / blockSize);
  const sequences = [{ length: lenA, blockTable: i32.slice(ptab >> 2, (ptab >> 2) + tabA) }];
  if (seqCount > 1) {
    sequences.push({ length: lenB, blockTable: i32.slice((ptab >> 2) + tabA, (ptab >> 2) + tabA + tabB) });
  }
  const blocks = [];
  for (let b = 0; b < allocated; b++) {
    blocks.push({ refCount: i32[(pblk >> 2) + 2 * b], filled: i32[(pblk >> 2) + 2 * b + 1] });
  }
  let last = null;
  if (stepsDone > 0) {
    const len = lastPos + 1;
    last = {
      seq: lastSeq, position: lastPos,
      weights: h.slice(pw >> 2, (pw >> 2) + len), contiguousWeights: h.slice(pcw >> 2, (pcw >> 2) + len),
      output: h.slice(po >> 2, (po >> 2) + dv), contiguousOutput: h.slice(pco >> 2, (pco >> 2) + dv),
      maxAbsDiff: h64[pd >> 3],
    };
  }
  return {
    steps: stepsDone, totalSteps, forked: forked === 1, sequences, blocks, blocksUsed, slotsFilled, wastedSlots,
    blocksWithoutSharing, blocksSaved: blocksWithoutSharing - blocksUsed, maxAbsDiff: h64[(pd >> 3) + 1], last,
  };
}

/** attentionCore.mla's body (see the method). @param {Heap} heap @param {MlaOptions} options */
function mlaCall(heap, { tokens, wq, wk, wv, rank, ropeDim = 0, kvHeads, scale = 1, mask = 'none' } = /** @type {MlaOptions} */ ({})) {
  number('scale', scale);
  int32('ropeDim', ropeDim);
  const mk = parseMask(mask);
  const WQ = matrixList('wq', wq);
  const heads = WQ.length;
  const WK = matrixList('wk', wk, heads), WV = matrixList('wv', wv, heads);
  const w0 = plain('wq[0]', matrixShape('wq[0]', WQ[0], undefined, 'd_model'));
  const dHead = w0.rows, dModel = w0.cols;
  const ts = plain('tokens', matrixShape('tokens', tokens, pointsCols(tokens) ? undefined : dModel, 'd_model'));
  if (ts.cols !== dModel) throw new Error(`wq[0]: has ${dModel} columns but tokens have d_model = ${ts.cols}`);
  rank = rank === undefined ? dModel : int32('rank', rank);
  kvHeads = kvHeads === undefined ? (heads % 2 === 0 && heads > 1 ? heads / 2 : 1) : int32('kvHeads', kvHeads);
  const shapes = (name, W) => W.map((w, h) => {
    const sh = plain(`${name}[${h}]`, matrixShape(`${name}[${h}]`, w, dModel, 'd_model'));
    if (sh.rows !== dHead) throw new Error(`${name}[${h}]: has ${sh.rows} rows; expected d_head = ${dHead}`);
    return sh;
  });
  const sq = shapes('wq', WQ), sk = shapes('wk', WK), sv = shapes('wv', WV);
  const m = ts.rows, ws = dHead * dModel, md = m * dHead, mm = m * m;
  const r = rank >= 1 && rank <= dModel ? rank : 0;  // the core rejects any other rank
  heap.reserve('mla', pad(m * dModel * 4) + pad(heads * ws * 4) * 3 + pad(m * r * 4) + pad(r * dModel * 4) +
    pad(heads * md * 4) * 2 + pad(heads * mm * 4) * 2 + pad(heads * md * 4) * 2 + pad(dModel * 4 * 8) + pad(4 * 8));
  const px = heap.take(m * dModel * 4), pwq = heap.take(heads * ws * 4);
  const pwk = heap.take(heads * ws * 4), pwv = heap.take(heads * ws * 4);
  const plat = heap.take(m * r * 4), pdkv = heap.take(r * dModel * 4);
  const pk = heap.take(heads * md * 4), pv = heap.take(heads * md * 4);
  const pw = heap.take(heads * mm * 4), pmw = heap.take(heads * mm * 4);
  const po = heap.take(heads * md * 4), pmo = heap.take(heads * md * 4);
  const pdr = heap.take(dModel * 4 * 8), pc = heap.take(4 * 8);
  const f32 = heap.f32();
  writeMatrix('tokens', tokens, ts, f32, px >> 2);
  WQ.forEach((w, h) => writeMatrix(`wq[${h}]`, w, sq[h], f32, (pwq >> 2) + h * ws));
  WK.forEach((w, h) => writeMatrix(`wk[${h}]`, w, sk[h], f32, (pwk >> 2) + h * ws));
  WV.forEach((w, h) => writeMatrix(`wv[${h}]`, w, sv[h], f32, (pwv >> 2) + h * ws));
  const rc = heap.export('mla', '_attn_mla')(px, m, dModel, heads, pwq, pwk, pwv, dHead, rank, ropeDim,
    kvHeads, scale, mk.code, mk.size, plat, pdkv, pk, pv, pw, pmw, po, pmo, pdr, pc);
  try {
    heap.check(rc);
  } catch (e) {
    // The core names the stacked weights W_Q, W_K, W_V; the caller wrote wq, wk, wv (as the CLI says).
    throw new Error(e.message.replace(/^W_([QKV]): /, (_, x) => `w${x.toLowerCase()}: `));
  }
  const h = heap.f32(), h64 = heap.f64();
  const at = (p, i, len) => h.slice((p >> 2) + i * len, (p >> 2) + (i + 1) * len);
  const perHead = [];
  for (let i = 0; i < heads; i++) {
    perHead.push({ k: at(pk, i, md), v: at(pv, i, md), weights: at(pw, i, mm), mhaWeights: at(pmw, i, mm) });
  }
  const driftByRank = [];
  for (let i = 0; i < dModel; i++) {
    const o = (pdr >> 3) + 4 * i;
    driftByRank.push({ rank: h64[o], projectionError: h64[o + 1], maxWeightDiff: h64[o + 2],
      maxOutputDiff: h64[o + 3] });
  }
  const c = pc >> 3;
  return {
    rank, dModel, heads, kvHeads, ropeDim, dHead, m,
    latent: at(plat, 0, m * rank), wDkv: at(pdkv, 0, rank * dModel), perHead,
    output: at(po, 0, heads * md), mhaOutput: at(pmo, 0, heads * md),
    drift: driftByRank[rank - 1], driftByRank,
    cache: { mla: h64[c], mha: h64[c + 1], gqa: h64[c + 2], mqa: h64[c + 3] },
  };
}

/** The whole glossary: PlotCore's methods and the many-query ones below. */
export class AttentionCore extends PlotCore {
  #heap;

  /** module: an instantiated Emscripten module (the full one: attention_wasm). */
  constructor(module) {
    const heap = module instanceof Heap ? module : new Heap(module);
    super(heap);
    this.#heap = heap;
  }

  // attentionMatrix({queries, keys, values?, scale=1, normalizeKeys=false, mask='none', d?, dv?,
  //                  alpha=1, sink=null, rope=null, kernel='softmax', features=64, seed=1})
  //   -> {weights (m·n), logits (m·n), output (m·dv), entropy (m), emptyRows (m, Uint8Array 0/1),
  //       masked (m·n, Uint8Array: 1 where the mask hides the key), sinkWeight (m),
  //       rotatedQueries (m·d) and rotatedKeys (n·d) or null without rope, m, n, dv}
  //   rope here is {theta, base, positions (n), queryPositions (m)}: query i defaults to position i.
  //   mask {sparse: {window, stride, global, causal}} adds {scoresComputed, computedFraction}.
  /** @param {MatrixOptions} options */
  attentionMatrix({ queries, keys, values, scale = 1, normalizeKeys = false, mask = 'none', d, dv, alpha, sink, rope,
    kernel, features, seed } = /** @type {MatrixOptions} */ ({})) {
    this.#heap.export('attentionMatrix', '_attn_matrix');
    d = optionalDim('d', d);
    dv = optionalDim('dv', dv);
    // d for a flat argument defaults to the other argument's point length.
    const qs = matrixShape('queries', queries, d ?? (pointsCols(queries) ? undefined : pointsCols(keys)), 'd');
    const ks = matrixShape('keys', keys, d ?? (pointsCols(keys) ? undefined : pointsCols(queries)), 'd');
    const vs = values === undefined || values === null
      ? { rows: 0, cols: 0, points: false }
      : matrixShape('values', values, dv, 'dv');
    number('scale', scale);
    if (isSparseMask(mask)) {
      const given = Object.entries({ alpha, sink, rope, kernel, features, seed })
        .filter(([, v]) => v !== undefined).map(([k]) => k);
      if (given.length) throw new Error(`mask: a sparse pattern is computed by its own kernel, which does not take ${given.join(', ')}; use a plain mask with them`);
      return sparseMatrix(this.#heap, queries, keys, values, qs, ks, vs, scale, normalizeKeys, mask.sparse);
    }
    const mk = parseMask(mask);
    const ex = alpha === undefined && sink === undefined && rope === undefined && kernel === undefined &&
      features === undefined && seed === undefined
      ? PLAIN : beyondOptions({ alpha, sink, rope, kernel, features, seed }, true);
    const m = qs.rows, n = ks.rows, outDim = vs.rows > 0 ? vs.cols : 0;
    const np = ex.positions ? ex.positions.length : 0, nqp = ex.queryPositions ? ex.queryPositions.length : 0;
    const rq = ex.rope ? m * qs.cols : 0, rk = ex.rope ? n * ks.cols : 0;

    this.#heap.reserve('attentionMatrix', this.#heap.bytes(qs) + this.#heap.bytes(ks) + this.#heap.bytes(vs) +
      pad(m * n * 4) * 2 + pad(m * outDim * 4) + pad(m * 4) + pad(m) + pad(m * n) +
      (ex.plain ? 0 : pad(m * 4) + pad(EX.count * 8) + pad(np * 8) + pad(nqp * 8) + pad(rq * 4) + pad(rk * 4)));
    const pq = this.#heap.place(qs), pk = this.#heap.place(ks);
    const pv = this.#heap.place(vs);
    const pw = this.#heap.take(m * n * 4), pl = this.#heap.take(m * n * 4), po = this.#heap.take(m * outDim * 4);
    const pe = this.#heap.take(m * 4), pz = this.#heap.take(m), pmk = this.#heap.take(m * n);

    const f32 = this.#heap.f32();
    writeMatrix('queries', queries, qs, f32, pq >> 2);
    writeMatrix('keys', keys, ks, f32, pk >> 2);
    if (vs.rows > 0) writeMatrix('values', values, vs, f32, pv >> 2);

    let psk = 0, prq = 0, prk = 0;
    if (ex.plain) {
      this.#heap.check(this.#heap.module._attn_matrix(pq, qs.rows, qs.cols, pk, ks.rows, ks.cols, pv, vs.rows, vs.cols,
        scale, normalizeKeys ? 1 : 0, mk.code, mk.size, pw, pl, po, pe, pz, pmk));
    } else {
      psk = this.#heap.take(m * 4);
      const popts = this.#heap.take(EX.count * 8), ppos = this.#heap.take(np * 8), pqpos = this.#heap.take(nqp * 8);
      prq = this.#heap.take(rq * 4);
      prk = this.#heap.take(rk * 4);
      const f64 = this.#heap.f64();
      f64.set(ex.opts, popts >> 3);
      if (np > 0) writeVector('rope.positions', ex.positions, f64, ppos >> 3);
      if (nqp > 0) writeVector('rope.queryPositions', ex.queryPositions, f64, pqpos >> 3);
      this.#heap.check(this.#heap.export('attentionMatrix', '_attn_matrix_ex')(pq, qs.rows, qs.cols, pk, ks.rows, ks.cols, pv, vs.rows, vs.cols, scale,
        normalizeKeys ? 1 : 0, mk.code, mk.size, popts, ppos, np, pqpos, nqp, pw, pl, po, pe, pz, pmk, psk, prq, prk));
    }

    const h = this.#heap.f32();
    return {
      ...this.#heap.matrixOutputs({ pw, pl, po, pe, pz, pmk }, m, n, outDim),
      sinkWeight: ex.plain ? new Float32Array(m) : h.slice(psk >> 2, (psk >> 2) + m),
      rotatedQueries: ex.rope ? h.slice(prq >> 2, (prq >> 2) + rq) : null,
      rotatedKeys: ex.rope ? h.slice(prk >> 2, (prk >> 2) + rk) : null,
      m,
      n,
      dv: outDim,
    };
  }

  // stream({query, keys, values, scale=1, normalizeKeys=false, blockSize, d?, dv?})
  //   -> {output, logSumExp, blocks: [{begin, end, blockMax, runningMax, rescale, runningSum, partialOutput}]}
  /** @param {StreamOptions} options */
  stream({ query, keys, values, scale = 1, normalizeKeys = false, blockSize, d, dv } =
  /** @type {StreamOptions} */ ({})) {
    const call = this.#heap.export('stream', '_attn_stream');
    const { dq, ks, vs } = singleQueryShapes({ query, keys, values, d, dv });
    number('scale', scale);
    int32('blockSize', blockSize);
    const n = ks.rows, dvOut = vs.cols;
    const capBlocks = blockSize >= 1 && n >= 1 ? Math.ceil(n / blockSize) : 0;
    const stride = STATE_HEADER + dvOut;

    this.#heap.reserve('stream', pad(dq * 4) + this.#heap.bytes(ks) + this.#heap.bytes(vs) + pad(dvOut * 4) +
      pad(4) + pad(capBlocks * stride * 8) + pad(4));
    const pq = this.#heap.take(dq * 4), pk = this.#heap.place(ks), pv = this.#heap.place(vs);
    const po = this.#heap.take(dvOut * 4), plse = this.#heap.take(4), ps = this.#heap.take(capBlocks * stride * 8);
    const pnb = this.#heap.take(4);

    const f32 = this.#heap.f32();
    writeVector('query', query, f32, pq >> 2);
    writeMatrix('keys', keys, ks, f32, pk >> 2);
    if (vs.rows > 0) writeMatrix('values', values, vs, f32, pv >> 2);

    this.#heap.check(call(pq, dq, pk, ks.rows, ks.cols, pv, vs.rows, vs.cols, scale,
      normalizeKeys ? 1 : 0, blockSize, po, plse, ps, capBlocks, pnb));

    const h = this.#heap.f32(), h64 = this.#heap.f64();
    const nb = this.#heap.i32()[pnb >> 2];
    const blocks = new Array(nb);
    for (let b = 0; b < nb; b++) {
      const r = (ps >> 3) + b * stride;
      blocks[b] = {
        begin: h64[r],
        end: h64[r + 1],
        blockMax: h64[r + 2],
        runningMax: h64[r + 3],
        rescale: h64[r + 4],
        runningSum: h64[r + 5],
        partialOutput: new Float32Array(h64.subarray(r + STATE_HEADER, r + STATE_HEADER + dvOut)),
      };
    }
    return { output: h.slice(po >> 2, (po >> 2) + dvOut), logSumExp: h[plse >> 2], blocks };
  }
  // selfAttention({tokens, wq, wk, wv, heads=1, kvHeads=heads, scale=1, mask='none'})
  //   tokens: points [[x, y], ...] (m, d_model). wq: `heads` matrices, wk / wv: `kvHeads`
  //   matrices, each (d_head, d_model) given as rows ([[a, b], [c, d]] for 2×2); a single
  //   matrix (not wrapped in an array) is accepted for one head.
  //   -> {heads: [{q, k, v, logits, weights, output, entropy, emptyRows, masked (m·m, 1 = hidden),
  //       kvHead (the key/value head this query head reads), logitAsymmetry, weightAsymmetry}],
  //       output (m·heads·d_head), kvCacheEntries, kvCacheEntriesMHA,
  //       variant ('MHA' | 'MQA' | 'GQA'), m, dHead, dModel}. Matrices are flat row-major.
  /** @param {SelfAttentionOptions} options */
  selfAttention({ tokens, wq, wk, wv, heads = 1, kvHeads = heads, scale = 1, mask = 'none' } =
  /** @type {SelfAttentionOptions} */ ({})) {
    const call = this.#heap.export('selfAttention', '_attn_self_attention');
    int32('heads', heads);
    int32('kvHeads', kvHeads);
    if (heads < 1) throw new Error(`heads: is ${heads}; expected an integer >= 1`);
    if (kvHeads < 1) throw new Error(`kvHeads: is ${kvHeads}; expected an integer >= 1`);
    number('scale', scale);
    const mk = parseMask(mask);
    // d_model for flat tokens: the row length of the first W_Q.
    const firstRow = Array.isArray(wq?.[0]?.[0]) ? wq[0][0] : Array.isArray(wq?.[0]) ? wq[0] : undefined;
    const ts = plain('tokens', matrixShape('tokens', tokens, pointsCols(tokens) ? undefined : firstRow?.length, 'd_model'));
    const m = ts.rows, dModel = ts.cols;
    const WQ = matrixList('wq', wq, heads), WK = matrixList('wk', wk, kvHeads), WV = matrixList('wv', wv, kvHeads);
    const w0 = matrixShape('wq[0]', WQ[0], undefined, 'd_model');
    const dHead = w0.rows;
    if (w0.cols !== dModel) throw new Error(`wq[0]: has ${w0.cols} columns but tokens have d_model = ${dModel}`);
    const shapes = (name, W) => W.map((w, h) => {
      const sh = matrixShape(`${name}[${h}]`, w, dModel, 'd_model');
      if (sh.rows !== dHead) throw new Error(`${name}[${h}]: has ${sh.rows} rows; expected d_head = ${dHead}`);
      return sh;
    });
    const sq = shapes('wq', WQ), sk = shapes('wk', WK), sv = shapes('wv', WV);
    const ws = dHead * dModel, md = m * dHead, mm = m * m;

    this.#heap.reserve('selfAttention', pad(m * dModel * 4) + pad(heads * ws * 4) + pad(kvHeads * ws * 4) * 2 +
      pad(heads * md * 4) * 4 + pad(heads * mm * 4) * 2 + pad(heads * m * 4) + pad(heads * m) +
      pad(heads * 2 * 4) + pad(heads * md * 4) + pad(2 * 8) + pad(4) + pad(heads * mm) + pad(heads * 4));
    const px = this.#heap.take(m * dModel * 4), pwq = this.#heap.take(heads * ws * 4);
    const pwk = this.#heap.take(kvHeads * ws * 4), pwv = this.#heap.take(kvHeads * ws * 4);
    const pq = this.#heap.take(heads * md * 4), pk = this.#heap.take(heads * md * 4);
    const pv = this.#heap.take(heads * md * 4), po = this.#heap.take(heads * md * 4);
    const pl = this.#heap.take(heads * mm * 4), pw = this.#heap.take(heads * mm * 4);
    const pe = this.#heap.take(heads * m * 4), pz = this.#heap.take(heads * m), pa = this.#heap.take(heads * 2 * 4);
    const pc = this.#heap.take(heads * md * 4), pkv = this.#heap.take(2 * 8), pvar = this.#heap.take(4);
    const pmk = this.#heap.take(heads * mm), phk = this.#heap.take(heads * 4);

    const f32 = this.#heap.f32();
    writeMatrix('tokens', tokens, ts, f32, px >> 2);
    WQ.forEach((w, h) => writeMatrix(`wq[${h}]`, w, sq[h], f32, (pwq >> 2) + h * ws));
    WK.forEach((w, h) => writeMatrix(`wk[${h}]`, w, sk[h], f32, (pwk >> 2) + h * ws));
    WV.forEach((w, h) => writeMatrix(`wv[${h}]`, w, sv[h], f32, (pwv >> 2) + h * ws));

    this.#heap.check(call(px, m, dModel, heads, kvHeads, pwq, pwk, pwv, dHead, scale,
      mk.code, mk.size, pq, pk, pv, pl, pw, po, pe, pz, pa, pc, pkv, pvar, pmk, phk));

    const ptrs = { pq, pk, pv, po, pl, pw, pe, pz, pmk, phk, pa, pc, pkv, pvar };
    return { ...selfResult(this.#heap, ptrs, heads, m, dHead), dModel };
  }

  // crossAttention({tokens, source, wq, wk, wv, scale=1, mask='none'})
  //   tokens (m, d_model) ask, source (n, d_model) is read (m ≠ n allowed); wq, wk (d_head, d_model),
  //   wv (dv, d_model), each as rows. -> {q (m·d_head), k (n·d_head), v (n·dv), logits, weights,
  //   masked (m·n), output (m·dv), entropy (m), emptyRows (m), m, n, dHead, dv, dModel}. Flat row-major.
  /** @param {CrossOptions} options */
  crossAttention({ tokens, source, wq, wk, wv, scale = 1, mask = 'none' } = /** @type {CrossOptions} */ ({})) {
    number('scale', scale);
    const mk = parseMask(mask);
    const [WQ] = matrixList('wq', wq, 1), [WK] = matrixList('wk', wk, 1), [WV] = matrixList('wv', wv, 1);
    const sq = plain('wq', matrixShape('wq', WQ, undefined, 'd_model'));
    const dModel = sq.cols, dHead = sq.rows;
    const ts = plain('tokens', matrixShape('tokens', tokens, pointsCols(tokens) ? undefined : dModel, 'd_model'));
    const ys = plain('source', matrixShape('source', source, pointsCols(source) ? undefined : dModel, 'd_model'));
    if (ts.cols !== dModel) throw new Error(`wq: has ${dModel} columns but tokens have d_model = ${ts.cols}`);
    if (ys.cols !== dModel) {
      throw new Error(`source: has d_model = ${ys.cols} but tokens have ${dModel}; expected one d_model for both sequences`);
    }
    const sk = plain('wk', matrixShape('wk', WK, dModel, 'd_model'));
    const sv = plain('wv', matrixShape('wv', WV, dModel, 'd_model'));
    if (sk.rows !== dHead) throw new Error(`wk: has ${sk.rows} rows; expected d_head = ${dHead} (as wq)`);
    const m = ts.rows, n = ys.rows, dv = sv.rows;
    this.#heap.reserve('crossAttention', pad(m * ts.cols * 4) + pad(n * ys.cols * 4) + pad(dHead * dModel * 4) * 2 + pad(dv * dModel * 4) +
      pad(m * dHead * 4) + pad(n * dHead * 4) + pad(n * dv * 4) + pad(m * n * 4) * 2 + pad(m * dv * 4) +
      pad(m * 4) + pad(m) + pad(m * n));
    const px = this.#heap.take(m * ts.cols * 4), py = this.#heap.take(n * ys.cols * 4);
    const pwq = this.#heap.take(dHead * dModel * 4), pwk = this.#heap.take(dHead * dModel * 4);
    const pwv = this.#heap.take(dv * dModel * 4);
    const pq = this.#heap.take(m * dHead * 4), pk = this.#heap.take(n * dHead * 4), pv = this.#heap.take(n * dv * 4);
    const pl = this.#heap.take(m * n * 4), pw = this.#heap.take(m * n * 4), po = this.#heap.take(m * dv * 4);
    const pe = this.#heap.take(m * 4), pz = this.#heap.take(m), pmk = this.#heap.take(m * n);
    const f32 = this.#heap.f32();
    writeMatrix('tokens', tokens, ts, f32, px >> 2);
    writeMatrix('source', source, ys, f32, py >> 2);
    writeMatrix('wq', WQ, sq, f32, pwq >> 2);
    writeMatrix('wk', WK, sk, f32, pwk >> 2);
    writeMatrix('wv', WV, sv, f32, pwv >> 2);
    this.#heap.check(this.#heap.export('crossAttention', '_attn_cross_attention')(px, m, py, n, dModel, pwq, pwk, dHead,
      pwv, dv, scale, mk.code, mk.size, pq, pk, pv, pl, pw, po, pe, pz, pmk));
    const h = this.#heap.f32(), u8 = this.#heap.u8();
    const at = (p, len) => h.slice(p >> 2, (p >> 2) + len);
    return {
      q: at(pq, m * dHead), k: at(pk, n * dHead), v: at(pv, n * dv),
      logits: at(pl, m * n), weights: at(pw, m * n), output: at(po, m * dv), entropy: at(pe, m),
      emptyRows: u8.slice(pz, pz + m), masked: u8.slice(pmk, pmk + m * n),
      m, n, dHead, dv, dModel,
    };
  }

  // pagedDecode({keys, queries=keys, values=keys, blockSize=4, sharedPrefix=0, keysB?, queriesB=keysB,
  //              valuesB=keysB, steps=all, scale=1, normalizeKeys=false})
  //   A paged KV cache after `steps` decode steps (docs/cli.md, mode paged): A decodes alone until it
  //   holds sharedPrefix tokens, then B forks from it and the two alternate.
  //   -> {steps, totalSteps, forked, sequences: [{length, blockTable: Int32Array}], blocks: [{refCount,
  //       filled}], blocksUsed, slotsFilled, wastedSlots, blocksWithoutSharing, blocksSaved, maxAbsDiff,
  //       last: {seq, position, weights, contiguousWeights, output, contiguousOutput, maxAbsDiff} | null}
  /** @param {PagedOptions} options */
  pagedDecode({ keys, queries, values, blockSize = 4, sharedPrefix = 0, keysB, queriesB, valuesB, steps,
    scale = 1, normalizeKeys = false } = /** @type {PagedOptions} */ ({})) {
    int32('blockSize', blockSize);
    int32('sharedPrefix', sharedPrefix);
    number('scale', scale);
    queries ??= keys;
    values ??= keys;
    const ka = plain('keys', matrixShape('keys', keys, undefined, 'd'));
    const d = ka.cols;
    const qa = plain('queries', matrixShape('queries', queries, d, 'd'));
    const va = plain('values', matrixShape('values', values, pointsCols(values) ? undefined : d, 'dv'));
    const dv = va.cols;
    const hasB = keysB !== undefined && keysB !== null;
    if (!hasB && ((queriesB ?? null) !== null || (valuesB ?? null) !== null)) {
      throw new Error('keysB: is missing; queriesB and valuesB need it');
    }
    if (hasB) {
      queriesB ??= keysB;
      valuesB ??= keysB;
    }
    const none = { rows: 0, cols: 0, points: false };
    const kb = hasB ? plain('keysB', matrixShape('keysB', keysB, d, 'd')) : none;
    const qb = hasB ? plain('queriesB', matrixShape('queriesB', queriesB, d, 'd')) : none;
    const vb = hasB ? plain('valuesB', matrixShape('valuesB', valuesB, dv, 'dv')) : none;
    const nA = ka.rows, nB = kb.rows, total = nA + nB;
    steps = steps === undefined ? total : int32('steps', steps);
    const bs = Math.max(1, blockSize), prefix = Math.min(Math.max(0, sharedPrefix), nA);
    const capTables = Math.ceil(nA / bs) + Math.ceil((prefix + nB) / bs) + 1;
    const capLen = Math.max(nA, prefix + nB, 1);
    const bytes = (sh) => pad(sh.rows * sh.cols * 4);
    this.#heap.reserve('pagedDecode', bytes(qa) + bytes(ka) + bytes(va) + bytes(qb) + bytes(kb) + bytes(vb) + pad(13 * 4) +
      pad(capTables * 4) * 3 + pad(capLen * 4) * 2 + pad(dv * 4) * 2 + pad(16));
    const place = (sh) => this.#heap.take(sh.rows * sh.cols * 4);
    const pqa = place(qa), pka = place(ka), pva = place(va), pqb = place(qb), pkb = place(kb), pvb = place(vb);
    const pinfo = this.#heap.take(13 * 4), ptab = this.#heap.take(capTables * 4), pblk = this.#heap.take(capTables * 8);
    const pw = this.#heap.take(capLen * 4), pcw = this.#heap.take(capLen * 4);
    const po = this.#heap.take(dv * 4), pco = this.#heap.take(dv * 4);
    const pd = this.#heap.take(16);
    const f32 = this.#heap.f32();
    // Keys first: queries and values default to them, so a bad entry is named as the user gave it.
    writeMatrix('keys', keys, ka, f32, pka >> 2);
    writeMatrix('values', values, va, f32, pva >> 2);
    writeMatrix('queries', queries, qa, f32, pqa >> 2);
    if (hasB) {
      writeMatrix('keysB', keysB, kb, f32, pkb >> 2);
      writeMatrix('valuesB', valuesB, vb, f32, pvb >> 2);
      writeMatrix('queriesB', queriesB, qb, f32, pqb >> 2);
    }
    this.#heap.check(this.#heap.export('pagedDecode', '_attn_paged_decode')(blockSize, pqa, pka, pva, nA, d, dv, sharedPrefix, pqb, pkb, pvb, nB,
      steps, scale, normalizeKeys ? 1 : 0, pinfo, ptab, pblk, capTables, pw, pcw, capLen, po, pco, pd));
    return pagedResult(this.#heap, { pinfo, ptab, pblk, pw, pcw, po, pco, pd }, blockSize, dv);
  }

  // mla({tokens, wq, wk, wv, rank=d_model, ropeDim=0, kvHeads=heads/2 (1 when odd), scale=1, mask='none'})
  //   Multi-head latent attention at rank r from the MHA weights (one (d_head, d_model) matrix per
  //   head in each of wq, wk, wv), beside MHA itself.
  //   -> {rank, dModel, heads, kvHeads, ropeDim, dHead, m, latent (m·r), wDkv (r·d_model),
  //       perHead: [{k, v, weights, mhaWeights}], output, mhaOutput (m·heads·d_head),
  //       drift: {rank, projectionError, maxWeightDiff, maxOutputDiff}, driftByRank: [... r = 1..d_model],
  //       cache: {mla, mha, gqa, mqa}}
  /** @param {MlaOptions} options */
  mla(options) { return mlaCall(this.#heap, options); }

  // queryGradient({query, keys, target, scale=1, normalizeKeys=false, d?, alpha, sink}) (gradient.js)
  /** @param {import('./gradient.js').GradientOptions} options */
  queryGradient(options) { return queryGradient(this.#heap, options); }

  // readTensors(bytes, {format, name}), queryView({query, keys, …}), jointMap({queries, keys}) (model.js)
  /** @param {ArrayBuffer | ArrayBufferView} bytes @param {{format?: string, name?: string}} [options] */
  readTensors(bytes, options) { return readTensors(this.#heap, bytes, options); }
  /** @param {import('./model.js').QueryViewOptions} options */
  queryView(options) { return queryView(this.#heap, options); }
  /** @param {{queries: import('./args.js').Matrix, keys: import('./args.js').Matrix, d?: number}} options */
  jointMap(options) { return jointMap(this.#heap, options); }

  // trainer(settings) -> Trainer (trainer.js): a training run of the core's model in the heap.
  /** @param {import('./trainer.js').TrainSettings} settings */
  trainer(settings = {}) { return new Trainer(this.#heap, settings); }

  // dimensionStats({d, n, seed=1, scaled=true})
  //   -> {logits: Float64Array (n), weights: Float64Array (n), logitMean, logitStd, maxWeight,
  //       entropy, effectiveKeys, scale, gradientNorm: ‖∂w/∂z‖_F, the softmax's Jacobian}
  /** @param {DimensionOptions} options */
  dimensionStats({ d, n, seed = 1, scaled = true } = /** @type {DimensionOptions} */ ({})) {
    const call = this.#heap.export('dimensionStats', '_attn_dimension_stats');
    int32('d', d);
    int32('n', n);
    const [lo, hi] = seedHalves(seed);
    const count = n > 0 && n <= MAX_LAYOUT_NUMBERS ? n : 0;  // the core rejects what we do not allocate

    this.#heap.reserve('dimensionStats', pad(count * 8) * 2 + pad(7 * 8));
    const pl = this.#heap.take(count * 8), pw = this.#heap.take(count * 8), ps = this.#heap.take(7 * 8);

    this.#heap.check(call(d, n, lo, hi, scaled ? 1 : 0, pl, pw, count, ps));

    const h = this.#heap.f64(), s = ps >> 3;
    return {
      logits: h.slice(pl >> 3, (pl >> 3) + n),
      weights: h.slice(pw >> 3, (pw >> 3) + n),
      logitMean: h[s],
      logitStd: h[s + 1],
      maxWeight: h[s + 2],
      entropy: h[s + 3],
      effectiveKeys: h[s + 4],
      scale: h[s + 5],
      gradientNorm: h[s + 6],
    };
  }
}
