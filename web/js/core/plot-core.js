// AttentionCore with what one plot calls: upload, attend, layout, vonMises, queryGeometry,
// keyPositions, topK, unitKeyWeights, invSqrtD. core.js adds the rest of the glossary to
// this same class and is what everything imports (docs/js-api.md), except the
// <attention-plot> element's own bundle, which scripts/bundle.mjs builds with this file
// in core.js's place. These two are the ONLY files that know about the WASM heap.
//
// How a call works: every entry point sizes all of its inputs and outputs first,
// makes sure one scratch arena in the heap is big enough (malloc'd once, grown
// geometrically, never freed per call), writes the inputs, calls the extern "C"
// function from src/wasm/binding.cpp, and copies the outputs into fresh typed
// arrays. Heap views are re-read from the module after every malloc and every
// call into WASM (memory growth detaches the old ArrayBuffer).
//
// Errors: shape problems only JavaScript can see (ragged rows, non-numbers, a flat
// array that does not divide into rows, unknown option names) throw here, naming the
// argument. Everything numeric (NaN/Infinity, mismatched dimensions, bad mask or block
// sizes, zero keys under normalisation) is the core's job: we pass it through and
// throw `new Error(<core message>)`.

const LAYOUT_CODE = { even: 0, random: 1, clusters: 2, sphere: 3, values: 4, gaussian: 5 };
const STATS_LEN = 5;     // [maxLogit, logSumExp, entropy, effectiveKeys, argmax]
const STATS_EX_LEN = 7;  // attn_attend_ex: the same, then sinkWeight, threshold
// attn_attend_ex's options array (binding.cpp, enum ExOption), one double each.
export const EX = { alpha: 0, hasSink: 1, sink: 2, kernel: 3, features: 4, seedLo: 5, seedHi: 6, hasRope: 7,
  ropeTheta: 8, ropeBase: 9, hasQueryPosition: 10, queryPosition: 11, count: 12 };
const KERNEL_CODE = { softmax: 0, 'elu+1': 1, 'favor+': 2 };
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
// Layout outputs larger than this are not allocated up front: the core rejects such
// sizes anyway (n·d <= 2^24), and the binding refuses to overrun a smaller buffer.
export const MAX_LAYOUT_NUMBERS = 2 ** 25;

const isNode = typeof process === 'object' && process !== null &&
  typeof process.versions === 'object' && process.versions !== null && !!process.versions.node;

// ---------------------------------------------------------------------------------
// Argument helpers (JS-side shape checks; the messages name the argument).

export function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return typeof v;
}

// A typed array we can copy numbers from (not DataView, not BigInt64Array).
function isNumericView(v) {
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
function vectorShape(name, v) {
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
    throw new Error(`features: is ${features}; expected a whole number`);
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

// Bytes rounded up to 16 so every buffer in the arena is aligned for floats,
// doubles and SIMD loads alike. Plain arithmetic, not `& ~15`: a size past 2^31 must stay
// itself so that checkHeapBytes can refuse it (a 32-bit mask would wrap it to a small one).
export const pad = (bytes) => Math.ceil(bytes / 16) * 16;

// The most one call may ask of the WASM heap: its maximum size (2 GiB, Emscripten's default
// MAXIMUM_MEMORY with memory growth). _malloc takes a 32-bit size, so a larger request would
// wrap to a small allocation that the call then overruns.
export const HEAP_LIMIT = 2 ** 31;

function bytesText(bytes) {
  if (!Number.isFinite(bytes)) return 'more than 2^53 bytes';
  const units = [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20]];
  const [unit, size] = units.find(([, u]) => bytes >= u) ?? ['KiB', 1024];
  return `${bytes} bytes (${(bytes / size).toFixed(1)} ${unit})`;
}

// Refuses a request the heap can never hold, before anything is allocated or written.
export function checkHeapBytes(method, bytes) {
  if (!(bytes <= HEAP_LIMIT)) {
    throw new Error(`${method}: needs ${bytesText(bytes)} of WASM memory for its inputs and outputs; ` +
      `the heap holds at most ${bytesText(HEAP_LIMIT)}: pass fewer or shorter rows`);
  }
}

// A detached typed array (its buffer transferred, e.g. to a worker) reads as empty; say so
// rather than fail later inside TypedArray.prototype.set.
function checkAttached(name, v) {
  if (v.length !== 0 || !ArrayBuffer.isView(v)) return;
  try {
    new Uint8Array(v.buffer, 0, 0);
  } catch {
    throw new Error(`${name}: is a detached ${v.constructor.name} (its buffer was transferred); pass a live copy`);
  }
}

// ---------------------------------------------------------------------------------

// A float32 matrix kept in the WASM heap between calls (core.upload): pass it wherever
// keys, values or queries are accepted and only the other arguments are copied per call.
// Its own allocation (not the scratch arena), so it survives any number of calls and
// heap growth (a pointer is an offset); free() gives it back.
export class Resident {
  #m;
  #ptr;
  #rows;
  #cols;
  #freed = false;
  constructor(module, ptr, rows, cols) {
    this.#m = module;
    this.#ptr = ptr;
    this.#rows = rows;
    this.#cols = cols;
  }

  // Read-only: a writable rows or ptr would let a call read past the allocation.
  get ptr() { return this.#ptr; }
  get rows() { return this.#rows; }
  get cols() { return this.#cols; }
  get freed() { return this.#freed; }

  /** True when this matrix lives in `module`'s heap (another core cannot read it). */
  ownedBy(module) { return this.#m === module; }

  /** Rewrites the matrix in place (same number of entries, row-major). */
  update(data) {
    if (this.#freed) throw new Error('update: the uploaded matrix was freed');
    const count = this.#rows * this.#cols;
    if (!isVectorLike(data) || data.length !== count) {
      throw new Error(`update: expected ${count} numbers (${this.#rows} × ${this.#cols}), got ${isVectorLike(data) ? data.length : typeName(data)}`);
    }
    if (ArrayBuffer.isView(data)) checkAttached('update', data);
    writeVector('update', data, this.#m.HEAPF32, this.#ptr >> 2);
    return this;
  }

  free() {
    if (this.#freed) return;
    this.#freed = true;
    this.#m._free(this.#ptr);
  }
}

// Set by AttentionCore's static block: core.js's access to its private members.
export let internals;

export class AttentionCore {
  #m;          // the Emscripten module
  #base = 0;   // scratch arena: heap byte offset
  #cap = 0;    //   and its size in bytes
  #top = 0;    //   bump pointer during one call

  constructor(module) {
    this.#m = module;
  }

  // Loads and instantiates the WASM module.
  //   options.moduleUrl  URL of attention_wasm.mjs (default ../generated/ next to this file)
  //   options.wasmBinary the .wasm bytes (ArrayBuffer / Uint8Array); in node it is read
  //                      from disk next to the .mjs when not given
  //   options.wasmUrl    where to read the .wasm from in node (default: next to the .mjs)
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
    return new AttentionCore(module);
  }

  // Wraps an already-instantiated Emscripten module (e.g. the SINGLE_FILE factory's
  // result in web/generated/attention-plot.js, which cannot use load()).
  static fromModule(module) {
    return new AttentionCore(module);
  }

  // Current size of the WASM heap in bytes (read-only; for leak/growth checks).
  get heapBytes() {
    return this.#m.HEAP8.byteLength;
  }

  // The Emscripten module itself (raw exports + HEAP views), for bench/node/harness.mjs
  // only; the playground never needs it.
  get raw() {
    return this.#m;
  }

  // Fresh heap views: never cache these across a malloc or a call into WASM.
  #f32() { return this.#m.HEAPF32; }
  #f64() { return this.#m.HEAPF64; }
  #i32() { return this.#m.HEAP32; }
  #u8() { return this.#m.HEAPU8; }

  // Makes the arena at least `bytes` long and resets the bump pointer. A request the heap
  // cannot hold is refused before the arena is touched; one it cannot hold right now frees the
  // old arena and asks again for exactly `bytes` (doubling is only a guess at what comes next).
  #reserve(method, bytes) {
    checkHeapBytes(method, bytes);
    if (bytes > this.#cap) {
      const want = Math.min(Math.max(bytes, this.#cap * 2, 64 * 1024), HEAP_LIMIT);
      if (this.#base !== 0) this.#m._free(this.#base);
      this.#base = 0;
      this.#cap = 0;
      let p = this.#m._malloc(want), got = want;
      if (!p && want > bytes) { p = this.#m._malloc(bytes); got = bytes; }
      if (!p) {
        throw new Error(`${method}: out of memory: the WASM heap could not provide ${bytesText(bytes)} ` +
          `(it holds ${bytesText(this.#m.HEAP8.byteLength)} now, at most ${bytesText(HEAP_LIMIT)})`);
      }
      this.#base = p;
      this.#cap = got;
    }
    this.#top = this.#base;
  }

  // Takes `bytes` (padded) from the arena; #reserve must have counted them.
  #take(bytes) {
    const p = this.#top;
    this.#top += pad(bytes);
    return p;
  }

  // What attn_matrix, attn_matrix_ex and attn_matrix_sparse all write (binding.cpp's
  // copy_matrix_result), read off the heap: weights, logits, output, entropy, emptyRows, masked.
  #matrixOutputs({ pw, pl, po, pe, pz, pmk }, m, n, outDim) {
    const h = this.#f32(), u8 = this.#u8();
    return {
      weights: h.slice(pw >> 2, (pw >> 2) + m * n),
      logits: h.slice(pl >> 2, (pl >> 2) + m * n),
      output: h.slice(po >> 2, (po >> 2) + m * outDim),
      entropy: h.slice(pe >> 2, (pe >> 2) + m),
      emptyRows: u8.slice(pz, pz + m),
      masked: u8.slice(pmk, pmk + m * n),
    };
  }

  // Arena bytes an argument needs (none when resident) and where it lives.
  #bytes(shape) {
    if (!shape.resident) return pad(shape.rows * shape.cols * 4);
    if (!shape.resident.ownedBy(this.#m)) {
      throw new Error(`${shape.name}: the uploaded matrix belongs to another AttentionCore; upload it with this one`);
    }
    return 0;
  }
  #place(shape) { return shape.resident ? shape.resident.ptr : this.#take(shape.rows * shape.cols * 4); }

  // upload(data, {d}) -> Resident: `data` (flat, row-major, d numbers per row, or points)
  // copied once into the heap as float32. Use it as keys / values / queries; free() it.
  upload(data, { d } = {}) {
    d = optionalDim('d', d);
    const sh = matrixShape('upload', data, d ?? pointsCols(data), 'd');
    if (sh.resident) throw new Error('upload: is already uploaded');
    const bytes = Math.max(16, pad(sh.rows * sh.cols * 4));
    checkHeapBytes('upload', bytes);
    const p = this.#m._malloc(bytes);
    if (!p) throw new Error(`upload: out of memory: the WASM heap could not provide ${bytesText(bytes)}`);
    writeMatrix('upload', data, sh, this.#f32(), p >> 2);
    return new Resident(this.#m, p, sh.rows, sh.cols);
  }

  // The export `name` of the module, or a sentence when this build left it out: the
  // element's lean module (attention_plot_wasm) has only what one plot calls.
  #export(method, name) {
    const fn = this.#m[name];
    if (typeof fn !== 'function') {
      throw new Error(`${method}: this build of the attention core does not include ${name.slice(1)} ` +
        '(the <attention-plot> element ships a smaller core with only what one plot needs); ' +
        'load the full core (AttentionCore.load(), or the page\'s app.js / explore.js) to call it');
    }
    return fn;
  }

  #check(rc) {
    if (rc !== 0) {
      throw new Error(this.#m.UTF8ToString(this.#m._attn_last_error()));
    }
  }

  // Query, keys and optional values for attend / stream; fills d/dv defaults.
  #singleQueryShapes({ query, keys, values, d, dv }) {
    const dq = vectorShape('query', query);
    d = optionalDim('d', d);
    dv = optionalDim('dv', dv);
    const ks = matrixShape('keys', keys, d ?? (isNumericView(keys) || !pointsCols(keys) ? dq : undefined), 'd');
    const vs = values === undefined || values === null
      ? { rows: 0, cols: 0, points: false }
      : matrixShape('values', values, dv, 'dv');
    return { dq, ks, vs };
  }

  // attend({query, keys, values?, scale=1, normalizeKeys=false, d?, dv?,
  //         alpha=1, sink=null, rope=null, kernel='softmax', features=64, seed=1})
  //   -> {logits, weights, output, entropy, effectiveKeys, argmax, logSumExp, maxLogit,
  //       sinkWeight, threshold, rotatedQuery, rotatedKeys}
  // threshold: α-entmax's τ (weight_i = [(α−1)·logit_i − τ]₊^(1/(α−1))), null for α = 1.
  // The default options take the allocation-free float fast path (attn_attend); any other
  // goes through attn_attend_ex. logSumExp is null for alpha > 1; rotatedQuery (d) and
  // rotatedKeys (n·d, row-major) are null without rope.
  attend({ query, keys, values, scale = 1, normalizeKeys = false, d, dv, alpha, sink, rope, kernel, features,
    seed } = {}) {
    const { dq, ks, vs } = this.#singleQueryShapes({ query, keys, values, d, dv });
    number('scale', scale);
    // None given (the plots' per-frame calls): no option parsing at all.
    const ex = alpha === undefined && sink === undefined && rope === undefined && kernel === undefined &&
      features === undefined && seed === undefined ? PLAIN : beyondOptions({ alpha, sink, rope, kernel, features, seed });
    const n = ks.rows;
    const outDim = vs.rows > 0 ? vs.cols : 0;
    const np = ex.positions ? ex.positions.length : 0;
    const rq = ex.rope ? dq : 0, rk = ex.rope ? n * ks.cols : 0;

    this.#reserve('attend', pad(dq * 4) + this.#bytes(ks) + this.#bytes(vs) +
      pad(n * 4) * 2 + pad(outDim * 4) + pad(STATS_EX_LEN * 8) +
      (ex.plain ? 0 : pad(EX.count * 8) + pad(np * 8) + pad(rq * 4) + pad(rk * 4)));
    const pq = this.#take(dq * 4), pk = this.#place(ks), pv = this.#place(vs);
    const pl = this.#take(n * 4), pw = this.#take(n * 4), po = this.#take(outDim * 4);
    const ps = this.#take(STATS_EX_LEN * 8);

    const f32 = this.#f32();
    writeVector('query', query, f32, pq >> 2);
    writeMatrix('keys', keys, ks, f32, pk >> 2);
    if (vs.rows > 0) writeMatrix('values', values, vs, f32, pv >> 2);

    let prq = 0, prk = 0;
    if (ex.plain) {
      this.#check(this.#m._attn_attend(pq, dq, pk, ks.rows, ks.cols, pv, vs.rows, vs.cols, scale,
        normalizeKeys ? 1 : 0, pl, pw, po, ps));
    } else {
      const popts = this.#take(EX.count * 8), ppos = this.#take(np * 8);
      prq = this.#take(rq * 4);
      prk = this.#take(rk * 4);
      const f64 = this.#f64();
      f64.set(ex.opts, popts >> 3);
      if (np > 0) writeVector('rope.positions', ex.positions, f64, ppos >> 3);
      this.#check(this.#m._attn_attend_ex(pq, dq, pk, ks.rows, ks.cols, pv, vs.rows, vs.cols, scale,
        normalizeKeys ? 1 : 0, popts, ppos, np, pl, pw, po, ps, prq, prk));
    }

    const h = this.#f32(), h64 = this.#f64(), s = ps >> 3;
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
  layout({ kind, n, seed = 1, d = 2, clusters = 3, spread = 0.3, phase = 0 } = {}) {
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

    this.#reserve('layout', pad(count * 8) + pad(angleCount * 8) + pad(4));
    const pp = this.#take(count * 8), pa = this.#take(angleCount * 8), pc = this.#take(4);

    this.#check(this.#m._attn_layout(LAYOUT_CODE[kind], n, d, clusters, spread, phase, lo, hi, pp, count,
      angleCount > 0 ? pa : 0, angleCount, pc));

    const outCols = this.#i32()[pc >> 2];
    const h = this.#f64();
    const result = { points: h.slice(pp >> 3, (pp >> 3) + n * outCols), d: outCols };
    if (outCols === 2) result.angles = h.slice(pa >> 3, (pa >> 3) + n);
    return result;
  }

  // vonMises({kappa, phi, angles, gaussian=false}) -> Float64Array
  vonMises({ kappa, phi, angles, gaussian = false } = {}) {
    number('kappa', kappa);
    number('phi', phi);
    const count = vectorShape('angles', angles);

    this.#reserve('vonMises', pad(count * 8) * 2);
    const pa = this.#take(count * 8), po = this.#take(count * 8);
    writeVector('angles', angles, this.#f64(), pa >> 3);

    this.#check(this.#m._attn_von_mises(pa, count, kappa, phi, gaussian ? 1 : 0, po));
    return this.#f64().slice(po >> 3, (po >> 3) + count);
  }

  // queryGeometry({query, scale=1}) -> {norm: |q|, kappa: |q|·scale, phi: atan2(q1, q0)}
  queryGeometry({ query, scale = 1 } = {}) {
    const dq = vectorShape('query', query);
    number('scale', scale);
    this.#reserve('queryGeometry', pad(dq * 8) + pad(3 * 8));
    const pq = this.#take(dq * 8), po = this.#take(3 * 8);
    writeVector('query', query, this.#f64(), pq >> 3);
    this.#check(this.#m._attn_query_geometry(pq, dq, scale, po));
    const h = this.#f64(), o = po >> 3;
    return { norm: h[o], kappa: h[o + 1], phi: h[o + 2] };
  }

  // keyPositions({keys, normalizeKeys=false, d?}) -> Float64Array (n·d): the keys where the
  // logits see them (unit length when normalising; a zero key stays at the origin).
  keyPositions({ keys, normalizeKeys = false, d } = {}) {
    d = optionalDim('d', d);
    const ks = plain('keys', matrixShape('keys', keys, d, 'd'));
    const count = ks.rows * ks.cols;
    this.#reserve('keyPositions', pad(count * 8) * 2);
    const pk = this.#take(count * 8), po = this.#take(count * 8);
    writeMatrix('keys', keys, ks, this.#f64(), pk >> 3);
    this.#check(this.#m._attn_key_positions(pk, ks.rows, ks.cols, normalizeKeys ? 1 : 0, po));
    return this.#f64().slice(po >> 3, (po >> 3) + count);
  }

  // topK(weights, k) -> Int32Array (k): indices of the k largest weights, largest first
  // (equal weights: lower index first).
  topK(weights, k) {
    const n = vectorShape('weights', weights);
    int32('k', k);
    const cap = k >= 1 && k <= n ? k : 0;
    this.#reserve('topK', pad(n * 4) + pad(cap * 4));
    const pw = this.#take(n * 4), po = this.#take(cap * 4);
    writeVector('weights', weights, this.#f32(), pw >> 2);
    this.#check(this.#m._attn_top_k(pw, n, k, po));
    return this.#i32().slice(po >> 2, (po >> 2) + cap);
  }

  // unitKeyWeights({kappa, phi, logSumExp, angles}) -> Float64Array: the weight a unit key at
  // each angle would get with the current normaliser, exp(κ cos(θ − φ) − log Σ).
  unitKeyWeights({ kappa, phi, logSumExp, angles } = {}) {
    number('kappa', kappa);
    number('phi', phi);
    number('logSumExp', logSumExp);
    const count = vectorShape('angles', angles);
    this.#reserve('unitKeyWeights', pad(count * 8) * 2);
    const pa = this.#take(count * 8), po = this.#take(count * 8);
    writeVector('angles', angles, this.#f64(), pa >> 3);
    this.#check(this.#m._attn_unit_key_weights(kappa, phi, logSumExp, pa, count, po));
    return this.#f64().slice(po >> 3, (po >> 3) + count);
  }
  // unitKeyCurve({query, scale=1, alpha=1, kernel='softmax', features=64, seed=1, logSumExp,
  //               threshold, angles}) -> Float64Array: unitKeyWeights for every normaliser and
  // kernel (d = 2): the weight a unit key at each angle would get beside the keys attend saw.
  // Pass attend's logSumExp (α = 1) or threshold (α > 1) from the same options.
  unitKeyCurve({ query, scale = 1, alpha, sink, rope, kernel, features, seed, logSumExp = null, threshold = null,
    angles } = {}) {
    const dq = vectorShape('query', query);
    number('scale', scale);
    const ex = beyondOptions({ alpha, sink, rope, kernel, features, seed }, false, true);
    const c = (name, v) => { if (v !== null) number(name, v); return v ?? NaN; };
    const lse = c('logSumExp', logSumExp), tau = c('threshold', threshold);
    const count = vectorShape('angles', angles);
    const call = this.#export('unitKeyCurve', '_attn_unit_key_curve');
    this.#reserve('unitKeyCurve', pad(dq * 8) + pad(EX.count * 8) + pad(count * 8) * 2);
    const pq = this.#take(dq * 8), popts = this.#take(EX.count * 8), pa = this.#take(count * 8), po = this.#take(count * 8);
    const f64 = this.#f64();
    writeVector('query', query, f64, pq >> 3);
    f64.set(ex.opts, popts >> 3);
    writeVector('angles', angles, f64, pa >> 3);
    this.#check(call(pq, dq, scale, popts, lse, tau, pa, count, po));
    return this.#f64().slice(po >> 3, (po >> 3) + count);
  }


  // invSqrtD(d) -> 1/√d, the transformer's default scale.
  invSqrtD(d) {
    int32('d', d);
    this.#reserve('invSqrtD', pad(8));
    const po = this.#take(8);
    this.#check(this.#m._attn_inv_sqrt_d(d, po));
    return this.#f64()[po >> 3];
  }

  // core.js's way in to the arena and the checks, for the methods it adds to this class
  // (attentionMatrix, stream, selfAttention, ...): private members stay private to users.
  static {
    internals = {
      m: (c) => c.#m, reserve: (c, method, bytes) => c.#reserve(method, bytes), take: (c, bytes) => c.#take(bytes),
      bytes: (c, shape) => c.#bytes(shape), place: (c, shape) => c.#place(shape), check: (c, rc) => c.#check(rc),
      f32: (c) => c.#f32(), f64: (c) => c.#f64(), i32: (c) => c.#i32(), u8: (c) => c.#u8(),
      export: (c, method, name) => c.#export(method, name), matrixOutputs: (c, ptrs, m, n, outDim) => c.#matrixOutputs(ptrs, m, n, outDim),
      singleQueryShapes: (c, args) => c.#singleQueryShapes(args),
    };
  }
}
