// The JavaScript side of every core call's arguments: shape checks only JavaScript can
// see (ragged rows, non-numbers, a flat array that does not divide into rows, unknown option
// names), each naming the argument, and the copies of arrays into heap views. Everything
// numeric (NaN/Infinity, mismatched dimensions, ranges) is the core's job.

import { Resident } from './heap.js';

// The options every call takes, for tsc (docs/js-api.md; types/index.d.ts publishes the same).
/** @typedef {ArrayLike<number>} Vector  an array of numbers or a typed array */
/** @typedef {Vector | ReadonlyArray<Vector> | Resident} Matrix  points, flat row-major (then d / dv), or an upload */
/** @typedef {ReadonlyArray<Vector> | ReadonlyArray<ReadonlyArray<Vector>>} Weights  a matrix's rows, or one per head */
/** @typedef {'none' | 'causal' | `window:${number}` | `topk:${number}` | {window: number} | {topK: number}} Mask */
/** @typedef {{window?: number, stride?: number, global?: Vector, causal?: boolean}} SparsePattern */
/**
 * @typedef {object} RopeOptions  key i turned by positions[i]·θ_j, the query by queryPosition·θ_j
 * @property {number} [theta]
 * @property {number} [base]
 * @property {Vector | null} [positions]       one per key; default 0 … n−1
 * @property {number} [queryPosition]          attend only; default n
 * @property {Vector | null} [queryPositions]  attentionMatrix only; one per query, default 0 … m−1
 */
/**
 * @typedef {object} BeyondOptions  the options beyond softmax, composable
 * @property {number} [alpha]          α-entmax, 1 (softmax) … 2 (sparsemax)
 * @property {number | null} [sink]    an attention sink's logit; null: none
 * @property {RopeOptions | null} [rope]
 * @property {'softmax' | 'elu+1' | 'favor+'} [kernel]
 * @property {number} [features]       favor+'s random features
 * @property {number | bigint} [seed]  favor+'s seed
 */
/**
 * @typedef {BeyondOptions & {query: Vector, keys: Matrix, values?: Matrix | null, scale?: number,
 *   normalizeKeys?: boolean, d?: number, dv?: number}} AttendOptions
 */
/**
 * @typedef {{kind: 'even' | 'random' | 'clusters' | 'sphere' | 'values' | 'gaussian', n: number,
 *   seed?: number | bigint, d?: number, clusters?: number, spread?: number, phase?: number}} LayoutOptions
 */
/** @typedef {{kappa: number, phi: number, angles: Vector, gaussian?: boolean}} VonMisesOptions */
/** @typedef {{kappa: number, phi: number, logSumExp: number, angles: Vector}} UnitKeyWeightsOptions */
/**
 * @typedef {BeyondOptions & {query: Vector, scale?: number, logSumExp?: number | null, threshold?: number | null,
 *   angles: Vector}} UnitKeyCurveOptions
 */
/**
 * @typedef {BeyondOptions & {queries: Matrix, keys: Matrix, values?: Matrix | null, scale?: number,
 *   normalizeKeys?: boolean, mask?: Mask | {sparse: SparsePattern}, d?: number, dv?: number}} MatrixOptions
 */
/**
 * @typedef {{query: Vector, keys: Matrix, values: Matrix, scale?: number, normalizeKeys?: boolean, blockSize: number,
 *   d?: number, dv?: number}} StreamOptions
 */
/**
 * @typedef {{tokens: Matrix, wq: Weights, wk: Weights, wv: Weights, heads?: number, kvHeads?: number, scale?: number,
 *   mask?: Mask}} SelfAttentionOptions
 */
/**
 * @typedef {{tokens: Matrix, source: Matrix, wq: Weights, wk: Weights, wv: Weights, scale?: number,
 *   mask?: Mask}} CrossOptions
 */
/**
 * @typedef {{keys: Matrix, queries?: Matrix, values?: Matrix, blockSize?: number, sharedPrefix?: number,
 *   keysB?: Matrix | null, queriesB?: Matrix | null, valuesB?: Matrix | null, steps?: number, scale?: number,
 *   normalizeKeys?: boolean}} PagedOptions
 */
/**
 * @typedef {{tokens: Matrix, wq: Weights, wk: Weights, wv: Weights, rank?: number, ropeDim?: number, kvHeads?: number,
 *   scale?: number, mask?: Mask}} MlaOptions
 */
/** @typedef {{d: number, n: number, seed?: number | bigint, scaled?: boolean}} DimensionOptions */

// attn_attend_ex's options array (binding.cpp, enum ExOption), one double each.
export const EX = { alpha: 0, hasSink: 1, sink: 2, kernel: 3, features: 4, seedLo: 5, seedHi: 6, hasRope: 7,
  ropeTheta: 8, ropeBase: 9, hasQueryPosition: 10, queryPosition: 11, count: 12 };
const KERNEL_CODE = { softmax: 0, 'elu+1': 1, 'favor+': 2 };
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
// Layout outputs larger than this are not allocated up front: the core rejects such
// sizes anyway (n·d <= 2^24), and the binding refuses to overrun a smaller buffer.
export const MAX_LAYOUT_NUMBERS = 2 ** 25;

// ---------------------------------------------------------------------------------
// Argument helpers (JS-side shape checks; the messages name the argument).

export function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return typeof v;
}

// A typed array we can copy numbers from (not DataView, not BigInt64Array).
export function isNumericView(v) {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) &&
    !(typeof BigInt64Array !== 'undefined' && (v instanceof BigInt64Array || v instanceof BigUint64Array));
}

export function isVectorLike(v) {
  return Array.isArray(v) || isNumericView(v);
}

export function int32(name, v) {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) {
    throw new Error(`${name}: is ${describe(v)}; expected an integer`);
  }
  return v;
}

export function optionalDim(name, v) {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > INT32_MAX) {
    throw new Error(`${name}: is ${describe(v)}; expected a positive integer`);
  }
  return v;
}

export function number(name, v) {
  // NaN and ±Infinity are numbers: the core decides whether they are allowed.
  if (typeof v !== 'number') throw new Error(`${name}: is ${describe(v)}; expected a number`);
  return v;
}

export function describe(v) {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return typeName(v);
}

function badEntry(name, where, v) {
  return new Error(`${name}: ${where} is ${describe(v)}; expected a number`);
}

// Shape of a vector argument (query, angles): { src, length }.
export function vectorShape(name, v) {
  if (!isVectorLike(v)) {
    throw new Error(`${name}: is ${typeName(v)}; expected an array of numbers or a Float32Array`);
  }
  checkAttached(name, v);
  return v.length;
}

// Shape of a matrix argument given as an array of points ([[x, y], ...]) or as a flat
// row-major array / typed array with `cols` numbers per row.
//   returns { rows, cols, points: boolean }
// colsHint: the dimension from the option (d/dv) or from a sibling argument.
export function matrixShape(name, v, colsHint, colsName) {
  if (v instanceof Resident) {
    if (v.freed) throw new Error(`${name}: the uploaded matrix was freed`);
    // (which core it belongs to is checked by the core: #bytes)
    if (colsHint !== undefined && v.cols !== colsHint) throw new Error(`${name}: the uploaded matrix has ${v.cols} columns but ${colsName} = ${colsHint}`);
    return { rows: v.rows, cols: v.cols, points: false, resident: v, name };
  }
  if (isNumericView(v) || (Array.isArray(v) && v.length > 0 && !isVectorLike(v[0]))) {
    // Flat.
    checkAttached(name, v);
    if (v.length === 0) return { rows: 0, cols: colsHint ?? 0, points: false };
    if (colsHint === undefined) {
      throw new Error(`${colsName}: is required when ${name} is a flat array (row-major, ${colsName} numbers per row)`);
    }
    if (v.length % colsHint !== 0) {
      throw new Error(`${name}: flat length ${v.length} is not a multiple of ${colsName} = ${colsHint}`);
    }
    return { rows: v.length / colsHint, cols: colsHint, points: false };
  }
  if (!Array.isArray(v)) {
    throw new Error(`${name}: is ${typeName(v)}; expected an array of points ([[x, y], ...]) or a flat typed array`);
  }
  if (v.length === 0) return { rows: 0, cols: colsHint ?? 0, points: true };
  const cols = v[0].length;
  if (colsHint !== undefined && cols !== colsHint) {
    // Only reached when the caller passed d/dv explicitly and the points disagree.
    throw new Error(`${name}: rows have length ${cols} but ${colsName} = ${colsHint}`);
  }
  return { rows: v.length, cols, points: true };
}

// Calls that copy their own inputs (double or projections) take plain arrays only.
export function plain(name, shape) {
  if (shape.resident) throw new Error(`${name}: an uploaded (resident) matrix is accepted by attend, attentionMatrix and stream only`);
  return shape;
}

// The number of columns a points array would imply, if it is one (used as a hint).
export function pointsCols(v) {
  if (v instanceof Resident) return v.cols;
  if (Array.isArray(v) && v.length > 0 && isVectorLike(v[0])) return v[0].length;
  return undefined;
}

// C's "%.17g" for the numbers beyond float32 (always in exponent form), so the page's
// message is the CLI's word for word.
function g17(x) {
  let [mant, exp] = x.toPrecision(17).split('e');
  if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
  if (exp === undefined) return mant;
  const e = Number(exp);
  return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}
const FLT_MAX = 3.4028234663852886e38;

// A finite number that float32 cannot hold would become inf in the heap: say so (the
// core would only see "inf", which is not what the user wrote).
function beyondFloat32(name, where, x) {
  return new Error(`${name}: ${where} is ${g17(x)}, beyond float32 (|x| <= ${g17(FLT_MAX)})`);
}

// Copies a vector into heap view `heap` at element offset `at`, checking entry types.
// `cols` (a flat matrix) names entries as (row, column).
export function writeVector(name, v, heap, at, cols = 0) {
  const f32 = heap instanceof Float32Array;
  const where = (i) => (cols ? `entry (${Math.floor(i / cols)}, ${i % cols})` : `entry ${i}`);
  if (isNumericView(v)) {
    if (f32 && !(v instanceof Float32Array)) {
      for (let i = 0; i < v.length; i++) {
        if (Number.isFinite(v[i]) && !Number.isFinite(Math.fround(v[i]))) throw beyondFloat32(name, where(i), v[i]);
      }
    }
    heap.set(v, at);
    return;
  }
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number') throw badEntry(name, `entry ${i}`, x);
    if (f32 && Number.isFinite(x) && !Number.isFinite(Math.fround(x))) throw beyondFloat32(name, where(i), x);
    heap[at + i] = x;
  }
}

// Copies a matrix (points or flat) row-major into `heap` at element offset `at`
// (nothing for a resident matrix: it is already there).
export function writeMatrix(name, v, shape, heap, at) {
  if (shape.resident) return;
  if (!shape.points) {
    writeVector(name, v, heap, at, shape.cols);
    return;
  }
  const { rows, cols } = shape;
  for (let i = 0; i < rows; i++) {
    const row = v[i];
    if (!isVectorLike(row)) {
      throw new Error(`${name}: row ${i} is ${typeName(row)}; expected a point (an array of ${cols} numbers)`);
    }
    if (row.length !== cols) {
      throw new Error(`${name}: row ${i} has length ${row.length}, but row 0 has length ${cols} (ragged rows)`);
    }
    const base = at + i * cols;
    if (isNumericView(row)) {
      if (heap instanceof Float32Array && !(row instanceof Float32Array)) {
        for (let j = 0; j < cols; j++) {
          if (Number.isFinite(row[j]) && !Number.isFinite(Math.fround(row[j]))) throw beyondFloat32(name, `entry (${i}, ${j})`, row[j]);
        }
      }
      heap.set(row, base);
      continue;
    }
    for (let j = 0; j < cols; j++) {
      const x = row[j];
      if (typeof x !== 'number') throw badEntry(name, `row ${i}, column ${j}`, x);
      if (heap instanceof Float32Array && Number.isFinite(x) && !Number.isFinite(Math.fround(x))) throw beyondFloat32(name, `entry (${i}, ${j})`, x);
      heap[base + j] = x;
    }
  }
}

export function seedHalves(seed) {
  if (typeof seed === 'bigint') {
    if (seed < 0n || seed > 0xFFFFFFFFFFFFFFFFn) throw new Error(`seed: is ${seed}; expected 0 <= seed < 2^64`);
    return [Number(seed & 0xFFFFFFFFn), Number(seed >> 32n)];
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`seed: is ${describe(seed)}; expected an integer 0 <= seed <= 2^53 - 1 (or a BigInt)`);
  }
  return [seed % 4294967296, Math.floor(seed / 4294967296)];
}

// The options beyond softmax (alpha, sink, rope, kernel, features, seed) as attn_attend_ex's
// options array and rope positions. Only types are checked here, with the CLI's words;
// ranges (alpha in [1, 2], a finite sink, even d, one position per key, features >= 1) are
// the core's. plain: the defaults, so the caller can take the fast path.
export const PLAIN = { plain: true, opts: null, positions: null, queryPositions: null, rope: false };

/** @param {BeyondOptions} options @param {boolean} [many] @param {boolean} [array] */
export function beyondOptions({ alpha = 1, sink = null, rope = null, kernel = 'softmax', features = 64, seed = 1 },
  many = false, array = false) {
  const qname = many ? 'queryPositions' : 'queryPosition';
  number('alpha', alpha);
  if (sink !== null && sink !== undefined) number('sink', sink);
  const hasSink = sink !== null && sink !== undefined;
  if (typeof kernel !== 'string') throw new Error(`kernel: is ${describe(kernel)}; expected a string`);
  if (!Object.hasOwn(KERNEL_CODE, kernel)) {
    throw new Error(`kernel: is ${describe(kernel)}; expected softmax, elu+1 or favor+`);
  }
  if (typeof features !== 'number') throw new Error(`features: is ${describe(features)}; expected a number`);
  if (!Number.isInteger(features) || Math.abs(features) > 2 ** 53) {
    throw new Error(`features: is ${features}; expected a whole number (at most 2^53 in size)`);
  }
  const [seedLo, seedHi] = seedHalves(seed);
  // The defaults (every per-frame call of the plots): nothing to build.
  // (array: an entry point that always takes the options array gets one for the defaults too)
  if (!array && alpha === 1 && !hasSink && (rope === null || rope === undefined) && kernel === 'softmax') return PLAIN;
  const opts = new Float64Array(EX.count);
  opts[EX.alpha] = alpha;
  opts[EX.hasSink] = hasSink ? 1 : 0;
  opts[EX.sink] = hasSink ? sink : 0;
  opts[EX.kernel] = KERNEL_CODE[kernel];
  // Out of range: the core's words (an Index is 32-bit in WASM, so the number never reaches it).
  const featuresOk = features >= 1 && features <= 65536;
  if (!featuresOk && kernel === 'favor+') throw new Error(`features: is ${features}; expected 1 <= features <= 65536`);
  opts[EX.features] = featuresOk ? features : 64;  // unused by other kernels
  opts[EX.seedLo] = seedLo;
  opts[EX.seedHi] = seedHi;
  let positions = null, queryPositions = null;
  if (rope !== null && rope !== undefined) {
    if (typeof rope !== 'object' || Array.isArray(rope) || ArrayBuffer.isView(rope)) {
      throw new Error(`rope: is ${describe(rope)}; expected null or an object {theta, base, positions, ${qname}}`);
    }
    for (const key of Object.keys(rope)) {
      if (!['theta', 'base', 'positions', qname].includes(key)) {
        throw new Error(`rope.${key}: is not a field of rope; expected theta, base, positions or ${qname}`);
      }
    }
    const { theta = 1, base = 10000, positions: pos = null } = rope;
    const queryPosition = many ? null : rope.queryPosition ?? null;
    number('rope.theta', theta ?? 1);
    number('rope.base', base ?? 10000);
    if (queryPosition !== null) number('rope.queryPosition', queryPosition);
    const list = (name, v) => {
      if (v === null || v === undefined) return null;
      if (!isVectorLike(v)) throw new Error(`${name}: is ${describe(v)}; expected an array of numbers`);
      if (v.length === 0) throw new Error(`${name}: is empty; expected one number per row (or null for 0, 1, 2, ...)`);
      for (let i = 0; i < v.length; i++) {
        if (typeof v[i] !== 'number') throw new Error(`${name}: has ${describe(v[i])} at ${i}; expected a number`);
      }
      return v;
    };
    positions = list('rope.positions', pos);
    if (many) queryPositions = list('rope.queryPositions', rope.queryPositions);
    opts[EX.hasRope] = 1;
    opts[EX.ropeTheta] = theta ?? 1;
    opts[EX.ropeBase] = base ?? 10000;
    opts[EX.hasQueryPosition] = queryPosition !== null ? 1 : 0;
    opts[EX.queryPosition] = opts[EX.hasQueryPosition] ? queryPosition : 0;
  }
  const plain = alpha === 1 && !hasSink && !opts[EX.hasRope] && kernel === 'softmax';
  return { plain, opts, positions, queryPositions, rope: !!opts[EX.hasRope] };
}

// A detached typed array (its buffer transferred, e.g. to a worker) reads as empty; say so
// rather than fail later inside TypedArray.prototype.set.
export function checkAttached(name, v) {
  if (v.length !== 0 || !ArrayBuffer.isView(v)) return;
  try {
    new Uint8Array(v.buffer, 0, 0);
  } catch {
    throw new Error(`${name}: is a detached ${v.constructor.name} (its buffer was transferred); pass a live copy`);
  }
}

// Query, keys and optional values for attend / stream; fills d/dv defaults.
export function singleQueryShapes({ query, keys, values, d, dv }) {
  const dq = vectorShape('query', query);
  d = optionalDim('d', d);
  dv = optionalDim('dv', dv);
  const ks = matrixShape('keys', keys, d ?? (isNumericView(keys) || !pointsCols(keys) ? dq : undefined), 'd');
  const vs = values === undefined || values === null
    ? { rows: 0, cols: 0, points: false }
    : matrixShape('values', values, dv, 'dv');
  return { dq, ks, vs };
}
