// Trainer: one training run of the core's attention model (src/attn/trainer.hpp) living in
// the WASM heap, in float. core.trainer(settings) makes one (attention-core.js); every number
// it returns comes from the core (src/wasm/train_binding.cpp). Settings are checked for type
// here, naming the field; their ranges and the task's own rules are the core's, passed
// through as `new Error(<core message>)`. free() gives the run back.

import { describe } from './args.js';
import { pad } from './heap.js';

/** The tasks, in the binding's order (attn::Task). */
export const TASKS = ['lookup', 'previous', 'cycle', 'induction'];

/**
 * @typedef {object} TrainSettings
 * @property {'lookup'|'previous'|'cycle'|'induction'} [task]
 * @property {number} [size]       the task's n (0: its default, 8 for lookup, else 16)
 * @property {number} [dModel]
 * @property {number} [heads]
 * @property {number} [layers]     1 or 2 (0: the task's own, 2 for induction)
 * @property {boolean} [tie]       W_K ≡ W_Q
 * @property {'learned'|'none'} [projections]
 * @property {'task'|'causal'|'none'} [mask]
 * @property {'inv_sqrt'|'one'|number} [scale]  1/√d, 1, or a custom c > 0
 * @property {number} [alpha]      1 softmax, (1, 2) entmax, 2 sparsemax
 * @property {'small'|'unit'} [init]
 * @property {'adam'|'sgd'} [optimizer]
 * @property {number} [learningRate]
 * @property {number} [batch]
 * @property {number} [seed]
 * @property {number} [evalBatches]
 * @property {number} [evalSize]
 */

/** docs/experiments.md's defaults; every task learns with them untied. */
export const TRAIN_DEFAULTS = Object.freeze({
  task: 'previous', size: 0, dModel: 16, heads: 1, layers: 0, tie: false, projections: 'learned', mask: 'task',
  scale: 'inv_sqrt', alpha: 1, init: 'small', optimizer: 'adam', learningRate: 0.005, batch: 32, seed: 1,
  evalBatches: 4, evalSize: 128,
});

const INFO = ['seqLen', 'vocab', 'classes', 'dModel', 'heads', 'dHead', 'layers', 'tensors', 'parameters', 'steps'];
const NAME_BYTES = 64;

function pick(name, v, options) {
  const i = options.indexOf(v);
  if (i < 0) throw new Error(`${name}: is ${describe(v)}; expected ${options.map((o) => describe(o)).join(', ')}`);
  return i;
}

function num(name, v) {
  if (typeof v !== 'number') throw new Error(`${name}: is ${describe(v)}; expected a number`);
  return v;
}

// settings -> the binding's 18 doubles (train_binding.cpp's order).
function encode(settings) {
  if (settings === null || typeof settings !== 'object') throw new Error(`settings: is ${describe(settings)}; expected an object`);
  for (const key of Object.keys(settings)) {
    if (!Object.hasOwn(TRAIN_DEFAULTS, key)) {
      throw new Error(`${key}: is not a training setting; expected one of ${Object.keys(TRAIN_DEFAULTS).join(', ')}`);
    }
  }
  const s = { ...TRAIN_DEFAULTS, ...settings };
  const scaleMode = s.scale === 'one' ? 0 : s.scale === 'inv_sqrt' ? 1 : typeof s.scale === 'number' ? 2 : -1;
  if (scaleMode < 0) throw new Error(`scale: is ${describe(s.scale)}; expected 'inv_sqrt', 'one' or a number > 0`);
  const layers = num('layers', s.layers) === 0 ? (s.task === 'induction' ? 2 : 1) : s.layers;
  return [
    pick('task', s.task, TASKS), num('size', s.size), num('dModel', s.dModel), num('heads', s.heads), layers,
    pick('tie', s.tie, [false, true]), pick('projections', s.projections, ['learned', 'none']),
    pick('mask', s.mask, ['none', 'causal', 'task']) === 2 ? -1 : pick('mask', s.mask, ['none', 'causal']),
    scaleMode, scaleMode === 2 ? s.scale : 1, num('alpha', s.alpha), pick('init', s.init, ['small', 'unit']),
    pick('optimizer', s.optimizer, ['sgd', 'adam']), num('learningRate', s.learningRate), num('batch', s.batch),
    num('seed', s.seed), num('evalBatches', s.evalBatches), num('evalSize', s.evalSize),
  ];
}

export class Trainer {
  #heap;
  #handle = 0;
  /** @type {string[]} */
  #names = [];
  /** @type {Array<[number, number]>} */
  #shapes = [];
  settings;

  /** @param {import('./heap.js').Heap} heap @param {TrainSettings} settings */
  constructor(heap, settings = {}) {
    this.#heap = heap;
    const fields = encode(settings);
    this.settings = Object.freeze({ ...TRAIN_DEFAULTS, ...settings });
    heap.reserve('trainer', pad(fields.length * 8) + pad(4));
    const pf = heap.take(fields.length * 8), ph = heap.take(4);
    heap.f64().set(fields, pf >> 3);
    heap.check(heap.export('trainer', '_attn_trainer_new')(pf, fields.length, ph));
    this.#handle = heap.i32()[ph >> 2];
    const count = this.info().tensors;
    for (let i = 0; i < count; i++) {
      heap.reserve('trainer', pad(NAME_BYTES) + pad(8));
      const pn = heap.take(NAME_BYTES), ps = heap.take(8);
      heap.check(heap.module._attn_trainer_tensor_info(this.#handle, i, pn, NAME_BYTES, ps));
      this.#names.push(heap.module.UTF8ToString(pn));
      const i32 = heap.i32();
      this.#shapes.push([i32[ps >> 2], i32[(ps >> 2) + 1]]);
    }
  }

  #live() {
    if (!this.#handle) throw new Error('trainer: has been freed');
    return this.#handle;
  }

  /** @returns {{seqLen: number, vocab: number, classes: number, dModel: number, heads: number, dHead: number,
   *   layers: number, tensors: number, parameters: number, steps: number}} */
  info() {
    const heap = this.#heap;
    heap.reserve('trainer', pad(INFO.length * 8));
    const p = heap.take(INFO.length * 8);
    heap.check(heap.module._attn_trainer_info(this.#live(), p));
    const f = heap.f64();
    return /** @type {*} */ (Object.fromEntries(INFO.map((k, i) => [k, f[(p >> 3) + i]])));
  }

  /** The tensors' names and shapes, in the core's order. */
  get names() { return this.#names.slice(); }

  /**
   * `count` training steps. Returns each step's batch loss and accuracy (before its update). A run
   * that diverges throws the core's message with `done` steps' curves on the error.
   * @param {number} count
   */
  step(count = 1) {
    if (!Number.isInteger(count) || count < 1 || count > 100000) {
      throw new Error(`steps: is ${describe(count)}; expected an integer from 1 to 100000`);
    }
    const heap = this.#heap;
    heap.reserve('trainer', pad(count * 8) * 2 + pad(4));
    const pl = heap.take(count * 8), pa = heap.take(count * 8), pd = heap.take(4);
    const rc = heap.module._attn_trainer_step(this.#live(), count, pl, pa, pd);
    const done = heap.i32()[pd >> 2], f = heap.f64();
    const out = { loss: f.slice(pl >> 3, (pl >> 3) + done), accuracy: f.slice(pa >> 3, (pa >> 3) + done) };
    try {
      heap.check(rc);
    } catch (e) {
      throw Object.assign(e, out);
    }
    return out;
  }

  /** Held-out loss and accuracy of the current parameters. */
  evaluate() {
    const heap = this.#heap;
    heap.reserve('trainer', 16);
    const p = heap.take(16);
    heap.check(heap.module._attn_trainer_evaluate(this.#live(), p));
    const f = heap.f64();
    return { loss: f[p >> 3], accuracy: f[(p >> 3) + 1] };
  }

  /** Each tensor's gradient norm (Frobenius) from the last step: [{name, norm}]. */
  gradientNorms() {
    const heap = this.#heap, n = this.#names.length;
    heap.reserve('trainer', pad(n * 8));
    const p = heap.take(n * 8);
    heap.check(heap.module._attn_trainer_gradient_norms(this.#live(), p, n));
    const f = heap.f64();
    return this.#names.map((name, i) => ({ name, norm: f[(p >> 3) + i] }));
  }

  /** One tensor by name or index: {name, shape: [rows, cols], data: Float32Array (row-major)}. */
  tensor(which) {
    const i = typeof which === 'number' ? which : this.#names.indexOf(which);
    if (!Number.isInteger(i) || i < 0 || i >= this.#names.length) {
      throw new Error(`tensor: is ${describe(which)}; expected one of ${this.#names.join(', ')}`);
    }
    const [rows, cols] = this.#shapes[i], heap = this.#heap;
    heap.reserve('trainer', pad(rows * cols * 4));
    const p = heap.take(rows * cols * 4);
    heap.check(heap.module._attn_trainer_tensor(this.#live(), i, p, rows * cols));
    return { name: this.#names[i], shape: [rows, cols], data: heap.f32().slice(p >> 2, (p >> 2) + rows * cols) };
  }

  /** Every tensor, in order. */
  tensors() { return this.#names.map((_, i) => this.tensor(i)); }

  /**
   * One head's attention on sample sequence `index` (the same sequence for the same index and seed):
   * {seqLen, weights: Float32Array (T·T), tokens, targets, answerAt (the position whose token answers row t;
   * −1 where unscored), queryNorms, keyNorms, dHead, queries and keys (T·dHead each, the head's q_i and k_i)}.
   */
  sample({ layer = 0, head = 0, index = 0 } = {}) {
    const { seqLen: T, dHead: d } = this.info(), heap = this.#heap;
    heap.reserve('trainer', pad(T * T * 4) + pad(T * 4) * 5 + pad(T * d * 4) * 2);
    const pw = heap.take(T * T * 4), pt = heap.take(T * 4), py = heap.take(T * 4), pa = heap.take(T * 4);
    const pq = heap.take(T * 4), pk = heap.take(T * 4), pqs = heap.take(T * d * 4), pks = heap.take(T * d * 4);
    heap.check(heap.module._attn_trainer_sample(this.#live(), num('layer', layer), num('head', head), num('index', index),
      pw, pt, py, pa, pq, pk, pqs, pks));
    const f = heap.f32(), i32 = heap.i32();
    return {
      seqLen: T,
      weights: f.slice(pw >> 2, (pw >> 2) + T * T),
      tokens: i32.slice(pt >> 2, (pt >> 2) + T),
      targets: i32.slice(py >> 2, (py >> 2) + T),
      answerAt: i32.slice(pa >> 2, (pa >> 2) + T),
      queryNorms: f.slice(pq >> 2, (pq >> 2) + T),
      keyNorms: f.slice(pk >> 2, (pk >> 2) + T),
      dHead: d,
      queries: f.slice(pqs >> 2, (pqs >> 2) + T * d),
      keys: f.slice(pks >> 2, (pks >> 2) + T * d),
    };
  }

  /** Gives the run back to the core; the trainer cannot be used afterwards. */
  free() {
    if (!this.#handle) return;
    const h = this.#handle;
    this.#handle = 0;
    this.#heap.check(this.#heap.module._attn_trainer_free(h));
  }
}
