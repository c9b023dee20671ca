// Dimension and √d: one draw of a query and n keys in d dimensions, with and without the
// 1/√d scale (histograms and stats), and a sweep over d averaged over many draws.
import { EXPLORE } from '../../state/explore-schema.js';
import { fmt } from '../../plot/canvas.js';
import * as charts from '../charts.js';
import { $, setOut, show, showFields } from '../dom.js';
import { defineTab, settingsOf } from '../tab.js';

const FIELDS = Object.freeze({ d: 'd', keys: 'n', seed: 'dseed' });
const SWEEP_DS = [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
// The √d sweep averages draws with seeds seed … seed + draws − 1. A draw costs about
// n · d, so fewer draws are taken for large n (32 up to n = 256, 4 at n = 4,096).
const sweepDraws = (n) => Math.max(4, Math.min(32, Math.floor(8192 / n)));
const SWEEP_BAND = [0.1, 0.9];   // the band: 10th … 90th percentile of the draws
const SWEEP_SLICE_MS = 24;       // work per frame while the sweep fills in
const STATS = [['logitStd', 'logit std'], ['maxWeight', 'max weight'], ['entropy', 'entropy (nats)'],
  ['effectiveKeys', 'effective keys e^H'], ['gradientNorm', 'softmax gradient ‖∂w/∂z‖']];

// Mean and percentile band of each stat over the draws taken so far (statistics of core
// results; no attention math). Rows: [{d, draws, raw: {maxWeight: {mean, lo, hi}, …}, scaled}].
function sweepRows(job) {
  const quantile = (sorted, p) => {
    const at = p * (sorted.length - 1), i = Math.floor(at);
    return i + 1 < sorted.length ? sorted[i] + (at - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
  };
  const summary = (xs) => {
    const sorted = xs.slice().sort((a, b) => a - b);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const at = (p) => quantile(sorted, p);
    return { mean, median: at(0.5), lo: at(SWEEP_BAND[0]), hi: at(SWEEP_BAND[1]) };
  };
  const draws = Math.min(...job.samples.map((s) => s.length));
  return SWEEP_DS.map((d, at) => {
    const s = job.samples[at].slice(0, draws);
    const side = (which) => ({
      maxWeight: summary(s.map((x) => x[which].maxWeight)),
      effectiveKeys: summary(s.map((x) => x[which].effectiveKeys)),
      gradientNorm: summary(s.map((x) => x[which].gradientNorm)),
    });
    return { d, draws, raw: side('raw'), scaled: side('scaled') };
  });
}

// Runs the sweep's next core calls, draw by draw, d by d, for about `ms`. True when done.
function advance(job, core, ms) {
  const total = job.draws * SWEEP_DS.length;
  const t0 = performance.now();
  // The first draw is finished whatever it costs, so there is always a line to draw.
  while (job.next < total && (job.next < SWEEP_DS.length || performance.now() - t0 < ms)) {
    const draw = Math.floor(job.next / SWEEP_DS.length), at = job.next % SWEEP_DS.length;
    const q = { d: SWEEP_DS[at], n: job.n, seed: job.seed + draw };
    const raw = core.dimensionStats({ ...q, scaled: false }), scaled = core.dimensionStats({ ...q, scaled: true });
    const pick = (r) => ({ maxWeight: r.maxWeight, effectiveKeys: r.effectiveKeys, gradientNorm: r.gradientNorm });
    job.samples[at].push({ raw: pick(raw), scaled: pick(scaled) });
    job.next++;
  }
  return job.next >= total;
}

// The sweep changes only with n and seed, so the tab keeps it (`tab.job`) across scenes:
// {n, seed, draws, next (core calls made: draw-major, then d), samples[d index][draw] = {raw, scaled}}.
/** @param {object} tab @param {object} state @param {import('../tab.js').Core} core */
function scene(tab, state, core) {
  const p = settingsOf(FIELDS, state);
  /** @type {import('../../core/args.js').DimensionOptions} */
  const config = { d: p.d, n: p.keys, seed: p.seed };
  const raw = core.dimensionStats({ ...config, scaled: false });
  const scaled = core.dimensionStats({ ...config, scaled: true });
  // Both histograms of logits share one range, so the two spreads compare at a glance.
  let lo = Infinity, hi = -Infinity;
  for (const r of [raw, scaled]) for (const x of r.logits) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  if (tab.job?.n !== p.keys || tab.job.seed !== p.seed) {
    tab.job = { n: p.keys, seed: p.seed, draws: sweepDraws(p.keys), next: 0, samples: SWEEP_DS.map(() => []) };
  }
  return { config, result: { raw, scaled }, d: p.d, n: p.keys, raw, scaled, lo, hi,
    sweep: tab.job, rows: null, done: false };   // rows, done: refine's
}

// The sweep fills in over a few frames (the first one takes longer); each frame draws the
// average of the draws so far.
function refine(sc, core, ms) {
  const job = sc.sweep;
  sc.done = advance(job, core, ms ?? (job.next === 0 ? 4 * SWEEP_SLICE_MS : SWEEP_SLICE_MS));
  sc.rows = sweepRows(job);
  return sc.done;
}

function form(state) {
  const p = settingsOf(FIELDS, state);
  show($('dim-d'), Math.log2(p.d));
  $('dim-d-out').textContent = String(p.d);
  showFields('panel-dim', state);
}

const COLUMNS = [['dim-raw', 'raw'], ['dim-scaled', 'scaled']];

function text(sc) {
  for (const [id, which] of COLUMNS) {
    const col = $(id), r = sc[which];
    col.querySelector('h2').textContent = r.scale === 1 ? 'without 1/√d (scale 1)' : `with 1/√d (scale ${fmt(r.scale, 4)})`;
    const dl = col.querySelector('dl');
    if (dl.children.length === 0) {
      for (const [key, label] of STATS) {
        const dt = document.createElement('dt'); dt.textContent = label;
        const dd = document.createElement('dd'); dd.dataset.stat = key;
        dl.append(dt, dd);
      }
    }
    for (const dd of dl.querySelectorAll('dd')) setOut(dd, r[dd.dataset.stat], fmt(r[dd.dataset.stat], 4));
  }
  const { sweep: job, rows, done } = sc;
  const draws = rows[0].draws;
  Object.assign($('dim-sweep').dataset, {
    draws, done: done ? '1' : '0', seeds: `${job.seed}…${job.seed + job.draws - 1}`,
    maxWeightRaw: rows.map((r) => r.raw.maxWeight.mean).join(','),
    maxWeightScaled: rows.map((r) => r.scaled.maxWeight.mean).join(','),
    effectiveKeysRaw: rows.map((r) => r.raw.effectiveKeys.mean).join(','),
    effectiveKeysScaled: rows.map((r) => r.scaled.effectiveKeys.mean).join(','),
  });
  Object.assign($('dim-grad').dataset, {
    draws, gradientRaw: rows.map((r) => r.raw.gradientNorm.median).join(','),
    gradientScaled: rows.map((r) => r.scaled.gradientNorm.median).join(','),
  });
  const seeds = job.draws === 1 ? `seed ${job.seed}` : `seeds ${job.seed} … ${job.seed + job.draws - 1}`;
  $('dim-sweep-what').textContent = done
    ? `Each point is the mean over ${job.draws} draws (${seeds}) of a query and n = ${sc.n} keys; the band around each max weight line spans the 10th to 90th percentile of those draws.`
    : `Averaging: ${draws} of ${job.draws} draws (${seeds}) so far…`;
}

function canvases() {
  const column = (id) => ({ logits: $(id).querySelector('canvas[data-kind="logits"]'), weights: $(id).querySelector('canvas[data-kind="weights"]') });
  return { raw: column('dim-raw'), scaled: column('dim-scaled'), sweep: $('dim-sweep'), grad: $('dim-grad') };
}

// One colour per column, as in the sweep and the text: blue = scale 1, green = 1/√d.
const COLOUR = { raw: 'weight', scaled: 'key' };

function draw(sc, c, theme) {
  for (const [, which] of COLUMNS) {
    const r = sc[which], { logits, weights } = c[which], colour = theme[COLOUR[which]];
    logits.dataset.colour = weights.dataset.colour = colour;
    logits.dataset.counts = charts.drawHistogram(logits, { values: r.logits, lo: sc.lo, hi: sc.hi }, colour,
      `logits (n = ${sc.n})`, theme).join(',');
    weights.dataset.counts = charts.drawHistogram(weights, { values: r.weights, lo: 0, hi: r.maxWeight }, colour,
      'softmax weights (0 … max weight)', theme).join(',');
  }
  charts.drawSweep(c.sweep, sc.rows, sc.n, sc.d, theme);
  charts.drawGradientSweep(c.grad, sc.rows, sc.d, theme);
  return null;
}

function wire(host) {
  const dIn = /** @type {HTMLInputElement} */ ($('dim-d')), d = EXPLORE.fields.d;
  dIn.min = String(Math.log2(d.min));
  dIn.max = String(Math.log2(d.max));
  dIn.addEventListener('input', () => host.commit({ d: 2 ** Number(dIn.value) }));
}

export const dim = defineTab({
  id: 'dim',
  title: 'Dimension & √d',
  fields: FIELDS,
  job: null,
  scene(state, core) { return scene(this, state, core); },
  refine,
  form,
  text,
  canvases,
  draw,
  wire,
});
