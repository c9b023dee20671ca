// The WASM heap, and the only code that allocates in it: one scratch arena per core
// (malloc'd once, grown geometrically, never freed per call; every size checked against the
// heap's limit first), the heap views (re-read after every malloc and every call into WASM:
// memory growth detaches the old ArrayBuffer), the core's error message, and Resident
// matrices that stay in the heap between calls. PlotCore and AttentionCore (plot-core.js,
// attention-core.js) each hold their own Heap; their methods size a call, reserve it here,
// write the inputs, call the extern "C" function from src/wasm/binding.cpp and copy the
// outputs off.

import { checkAttached, isVectorLike, matrixShape, optionalDim, pointsCols, typeName, writeMatrix, writeVector } from './args.js';

// Bytes rounded up to 16 so every buffer in the arena is aligned for floats,
// doubles and SIMD loads alike. Plain arithmetic, not `& ~15`: a size past 2^31 must stay
// itself so that checkHeapBytes can refuse it (a 32-bit mask would wrap it to a small one).
export const pad = (bytes) => Math.ceil(bytes / 16) * 16;

// The most one call may ask of the WASM heap: its maximum size (2 GiB, Emscripten's default
// MAXIMUM_MEMORY with memory growth). _malloc takes a 32-bit size, so a larger request would
// wrap to a small allocation that the call then overruns.
export const HEAP_LIMIT = 2 ** 31;

export function bytesText(bytes) {
  if (!Number.isFinite(bytes)) return 'more than 2^53 bytes';
  /** @type {Array<[string, number]>} */
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

/** One core's view of its Emscripten module: the scratch arena, the heap views and the errors. */
export class Heap {
  #m;          // the Emscripten module
  #base = 0;   // scratch arena: heap byte offset
  #cap = 0;    //   and its size in bytes
  #top = 0;    //   bump pointer during one call

  constructor(module) {
    this.#m = module;
  }

  /** The Emscripten module (its exports are the binding's extern "C" functions). */
  get module() { return this.#m; }

  // Fresh heap views: never cache these across a malloc or a call into WASM.
  f32() { return this.#m.HEAPF32; }
  f64() { return this.#m.HEAPF64; }
  i32() { return this.#m.HEAP32; }
  u8() { return this.#m.HEAPU8; }

  // Makes the arena at least `bytes` long and resets the bump pointer. A request the heap
  // cannot hold is refused before the arena is touched; one it cannot hold right now frees the
  // old arena and asks again for exactly `bytes` (doubling is only a guess at what comes next).
  reserve(method, bytes) {
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

  // Takes `bytes` (padded) from the arena; reserve() must have counted them.
  take(bytes) {
    const p = this.#top;
    this.#top += pad(bytes);
    return p;
  }

  // Arena bytes an argument needs (none when resident) and where it lives.
  bytes(shape) {
    if (!shape.resident) return pad(shape.rows * shape.cols * 4);
    if (!shape.resident.ownedBy(this.#m)) {
      throw new Error(`${shape.name}: the uploaded matrix belongs to another AttentionCore; upload it with this one`);
    }
    return 0;
  }
  place(shape) { return shape.resident ? shape.resident.ptr : this.take(shape.rows * shape.cols * 4); }

  // What attn_matrix, attn_matrix_ex and attn_matrix_sparse all write (binding.cpp's
  // copy_matrix_result), read off the heap: weights, logits, output, entropy, emptyRows, masked.
  matrixOutputs({ pw, pl, po, pe, pz, pmk }, m, n, outDim) {
    const h = this.f32(), u8 = this.u8();
    return {
      weights: h.slice(pw >> 2, (pw >> 2) + m * n),
      logits: h.slice(pl >> 2, (pl >> 2) + m * n),
      output: h.slice(po >> 2, (po >> 2) + m * outDim),
      entropy: h.slice(pe >> 2, (pe >> 2) + m),
      emptyRows: u8.slice(pz, pz + m),
      masked: u8.slice(pmk, pmk + m * n),
    };
  }

  // The export `name` of the module, or a sentence when this build left it out: the
  // element's lean module (attention_plot_wasm) has only what one plot calls.
  export(method, name) {
    const fn = this.#m[name];
    if (typeof fn !== 'function') {
      throw new Error(`${method}: this build of the attention core has no ${name.slice(1)} (each element ships ` +
        'a smaller core); load the full one (AttentionCore.load()) to call it');
    }
    return fn;
  }

  check(rc) {
    if (rc !== 0) {
      throw new Error(this.#m.UTF8ToString(this.#m._attn_last_error()));
    }
  }

  // upload(data, {d}) -> Resident: `data` (flat, row-major, d numbers per row, or points)
  // copied once into the heap as float32. Use it as keys / values / queries; free() it.
  /** @param {import('./args.js').Matrix} data @param {{d?: number}} [options] */
  upload(data, { d } = {}) {
    d = optionalDim('d', d);
    const sh = matrixShape('upload', data, d ?? pointsCols(data), 'd');
    if (sh.resident) throw new Error('upload: is already uploaded');
    const bytes = Math.max(16, pad(sh.rows * sh.cols * 4));
    checkHeapBytes('upload', bytes);
    const p = this.#m._malloc(bytes);
    if (!p) throw new Error(`upload: out of memory: the WASM heap could not provide ${bytesText(bytes)}`);
    writeMatrix('upload', data, sh, this.f32(), p >> 2);
    return new Resident(this.#m, p, sh.rows, sh.cols);
  }
}
