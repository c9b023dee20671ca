// train.html's scene: (state, run) → plain data the charts draw. Every number is the core's
// (the run's history, the trainer's tensors and samples); nothing here computes attention or
// gradients. The sample and the tensors are read once per parameter change (run.version).

import { layersOf } from '../state/train-schema.js';

// Tensor groups for the gradient-norm chart: each line is the norm over its tensors, √Σ‖g‖².
/** @type {Array<[string, RegExp]>} */
const GROUPS = [
  ['W_Q', /\.W_Q$/], ['W_K', /\.W_K$/], ['W_V', /\.W_V$/], ['W_O', /\.W_O$/],
  ['embeddings', /_embedding$/], ['U', /^unembedding$/],
];

/** Which tensors each group holds (indices into run.names); empty groups are left out. */
export function groupsOf(names) {
  const members = (re) => names.map((n, i) => (re.test(n) ? i : -1)).filter((i) => i >= 0);
  return GROUPS
    .map(([label, re], colour) => ({ label, colour, members: members(re) }))
    .filter((g) => g.members.length);
}

/** The matrices shown for the head in view: W_Q and W_K (W_K is W_Q when tied; none without projections). */
function headMatrices(run, state) {
  const prefix = `layer${state.layer}.head${state.head}.`;
  const out = [];
  for (const w of ['W_Q', 'W_K']) {
    const name = prefix + w;
    if (run.names.includes(name)) out.push({ label: w, ...run.trainer.tensor(name) });
  }
  return out;
}

// The trained head's query's view (core.queryView, in d_head dimensions): the last position the
// task scores looks at the keys it may see (every key without a mask).
function viewOf(core, sample, state, causal) {
  const T = sample.seqLen, d = sample.dHead;
  let t = T - 1;
  while (t > 0 && sample.answerAt[t] < 0) t--;
  const n = causal ? t + 1 : T;
  const scale = state.scale === 'one' ? 1 : core.invSqrtD(d);
  const query = sample.queries.subarray(t * d, (t + 1) * d), keys = sample.keys.subarray(0, n * d);
  const v = core.queryView({ query, keys, d, scale });
  const plane = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) { plane[2 * i] = v.x[i]; plane[2 * i + 1] = v.y[i]; }
  return { plane, weights: v.weights, n, at: [v.queryNorm, 0], query: t, top: core.topK(v.weights, Math.min(3, n)),
    labels: Array.from({ length: T }, (_, i) => `${i}`), explained: v.explained, answer: sample.answerAt[t] };
}

/**
 * @param {Record<string, any>} state
 * @param {import('./run.js').Run} run
 * @param {object} [memo]  the last scene: its sample and tensors are kept while parameters and view are unchanged
 */
export function buildScene(state, run, memo = null) {
  const key = `${run.version}|${state.layer}|${state.head}|${state.sample}`;
  const reuse = memo && memo.key === key && memo.run === run;
  const which = { layer: state.layer, head: state.head, index: state.sample };
  const sample = reuse ? memo.sample : run.trainer.sample(which);
  const matrices = reuse ? memo.matrices : headMatrices(run, state);
  const causal = state.mask === 'causal' || (state.mask === 'task' && state.task !== 'cycle');
  const view = reuse ? memo.view : viewOf(run.core, sample, state, causal);
  const groups = groupsOf(run.names);
  const last = run.points[run.points.length - 1];
  return {
    key, run, sample, matrices, view,
    info: run.info,
    step: run.step,
    until: state.until,
    error: run.error,
    stepsPerSecond: run.stepsPerSecond,
    points: run.points,
    groups: groups.map((g) => ({
      label: g.label, colour: g.colour,
      values: run.points.map((p) => Math.sqrt(g.members.reduce((s, i) => s + p.norms[i] ** 2, 0))),
    })),
    last,
    tied: state.tie,
    causal,
    layers: layersOf(state),
    task: state.task,
  };
}
