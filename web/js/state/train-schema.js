// train.html's settings as one table (see schema.js for what a table holds). codec.js reads
// and writes it for the URL hash; train/form.js builds the form from it. The settings make the
// run (the same settings give the same curves); the weights never go into the URL.

import { int, num, bool, oneOf } from './schema.js';

/** Fields that make a different run: changing one starts training again from the seed. */
export const RUN_FIELDS = Object.freeze(['task', 'size', 'dModel', 'heads', 'layers', 'tie', 'projections', 'mask',
  'scale', 'alpha', 'init', 'optimizer', 'lr', 'batch', 'seed']);

export const TRAIN = Object.freeze({
  name: 'train',
  version: 1,
  fields: Object.freeze({
    task: oneOf(['lookup', 'previous', 'cycle', 'induction'], 'cycle', { label: 'task',
      labels: { lookup: 'lookup (key → value)', previous: 'previous token', cycle: 'cycle (successor)', induction: 'induction (A B … A → B)' } }),
    // 0: the task's own size (8 pairs for lookup, else 16 tokens)
    size: int(0, 32, 0, { label: 'task size n (0 = default)' }),
    dModel: int(2, 128, 16, { label: 'd_model' }),
    heads: int(1, 8, 1, { label: 'heads' }),
    layers: oneOf(['task', '1', '2'], 'task', { label: 'layers', labels: { task: 'task’s (2 if induction)', 1: '1', 2: '2' } }),
    tie: bool(false, { label: 'tie W_K = W_Q' }),
    projections: oneOf(['learned', 'none'], 'learned', { label: 'projections', labels: { learned: 'learned', none: 'none (identity)' } }),
    mask: oneOf(['task', 'causal', 'none'], 'task', { label: 'mask', labels: { task: 'the task’s', causal: 'causal', none: 'none' } }),
    scale: oneOf(['inv_sqrt', 'one'], 'inv_sqrt', { label: 'scale c', labels: { inv_sqrt: '1/√d', one: '1' } }),
    alpha: num(1, 2, 1, 2, { label: 'normaliser α (1 softmax, 2 sparsemax)' }),
    init: oneOf(['small', 'unit'], 'small', { label: 'embedding init', labels: { small: 'small, N(0, 1/D)', unit: 'unit, N(0, 1/2)' } }),
    optimizer: oneOf(['adam', 'sgd'], 'adam', { label: 'optimizer', labels: { adam: 'Adam', sgd: 'SGD' } }),
    lr: num(0.0001, 2, 0.005, 4, { label: 'learning rate' }),
    batch: int(1, 256, 32, { label: 'batch' }),
    seed: int(0, 2147483647, 1, { label: 'seed' }),
    // what is shown (not the run)
    layer: int(0, 1, 0, { label: 'layer shown' }),
    head: int(0, 7, 0, { label: 'head shown' }),
    sample: int(0, 999, 0, { label: 'sample sequence' }),
    until: int(0, 100000, 4000, { label: 'stop at step (0 = never)' }),
  }),
  /** Cross-field rules after a patch: returns notices. */
  settle(state, patch) {
    const notices = [];
    const asked = (k) => Object.hasOwn(patch, k);
    if (state.projections === 'learned' && state.dModel % state.heads !== 0) {
      let h = state.heads;
      while (state.dModel % h !== 0) h--;
      notices.push(asked('heads')
        ? `heads: ${state.heads} does not divide d_model = ${state.dModel}; using ${h}.`
        : `d_model: ${state.dModel} is not a multiple of heads = ${state.heads}; using ${h} heads.`);
      state.heads = h;
    }
    if (state.tie && state.projections === 'none') {
      notices.push('tie: needs learned projections (without them W_Q = W_K = I already); using untied.');
      state.tie = false;
    }
    const layers = layersOf(state);
    if (state.layer >= layers) {
      if (asked('layer')) notices.push(`layer: ${state.layer} is past the model's ${layers} layer(s); using ${layers - 1}.`);
      state.layer = layers - 1;
    }
    if (state.head >= state.heads) {
      if (asked('head')) notices.push(`head: ${state.head} is past the model's ${state.heads} head(s); using ${state.heads - 1}.`);
      state.head = state.heads - 1;
    }
    return notices;
  },
});

/** The number of layers a state trains: its own, or the task's (2 for induction). */
export function layersOf(state) {
  return state.layers === 'task' ? (state.task === 'induction' ? 2 : 1) : Number(state.layers);
}

/** A state's run as core.trainer settings (web/js/core/trainer.js). */
export function trainSettings(state) {
  return {
    task: state.task, size: state.size, dModel: state.dModel, heads: state.heads, layers: layersOf(state),
    tie: state.tie, projections: state.projections, mask: state.mask, scale: state.scale, alpha: state.alpha,
    init: state.init, optimizer: state.optimizer, learningRate: state.lr, batch: state.batch, seed: state.seed,
  };
}
