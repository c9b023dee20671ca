// explore.html: self-attention + masks, heads (MHA/GQA/MQA), dimension and √d, streaming
// softmax, cross-attention, sparse patterns, paged KV cache and MLA. One flow: a handler
// commits a patch to the store (validated against the EXPLORE table, explore-schema.js) →
// the store writes the URL and asks for one render per frame → render builds the open
// tab's scene from core results → panels.js draws it.
// Every number drawn comes from the attention core (WebAssembly); this file only wires.
import { loadCore } from '../core/wasm.js';
import { EXPLORE, upgradeHash } from '../state/explore-schema.js';
import { coerce } from '../state/codec.js';
import { Store } from '../state/store.js';
import { Notices } from '../state/notices.js';
import { readTheme, SERIES, fmt } from '../plot/canvas.js';
import * as panels from './panels.js';

const F = EXPLORE.fields;
const MODES = F.mode.values;
const MASK_LABELS = { none: 'none', causal: 'causal', window: 'window w', topk: 'top-k k' };
const SWEEP_DS = [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
// The √d sweep averages draws with seeds dseed … dseed + draws − 1. A draw costs about
// n · d, so fewer draws are taken for large n (32 up to n = 256, 4 at n = 4,096).
const sweepDraws = (n) => Math.max(4, Math.min(32, Math.floor(8192 / n)));
const SWEEP_BAND = [0.1, 0.9];   // the band: 10th … 90th percentile of the draws
const SWEEP_SLICE_MS = 24;       // work per frame while the sweep fills in
const $ = (id) => document.getElementById(id);
const round2 = (x) => Math.round(x * 100) / 100;

let core = null;
let store = null;
let layoutTokens = [];   // the core's 16 seeded tokens: `tokens: null` means the first m of these
let lastResult = null;   // the open tab's config and core result (tests and the console read it)

// ---------------------------------------------------------------------------------
// Committing. Raising m with moved tokens takes the extra tokens from the layout (the
// core's points), so a settled state always has exactly m tokens or none.

const tokensOf = (s, m = s.m) => Array.from({ length: m }, (_, i) => (s.tokens?.[i] ?? layoutTokens[i]).slice());

function withLayoutTokens(patch) {
  if (!patch || typeof patch !== 'object' || !Object.hasOwn(patch, 'm') || Object.hasOwn(patch, 'tokens')) return patch;
  const s = store.state;
  if (!s.tokens) return patch;
  const { value: m } = coerce(EXPLORE, 'm', patch.m);
  return { ...patch, tokens: tokensOf(s, m) };
}

function commit(patch, source, options) {
  return store.commit(withLayoutTokens(patch), source, options);
}

// ---------------------------------------------------------------------------------
// Scenes: (state) → the core's results as plain data for panels.js.

const rowsOf = (flat, cols = 2) => Array.from({ length: flat.length / cols }, (_, i) => Array.from(flat.slice(i * cols, (i + 1) * cols)));
const mat2 = (a) => [[a[0], a[1]], [a[2], a[3]]];
const maskSpec = (s) => (s.mask === 'window' ? `window:${s.w}` : s.mask === 'topk' ? `topk:${s.k}` : s.mask);

// Half-width of a square world that shows every point (whole units, capped).
function extentOf(points, least, most) {
  let ext = least;
  for (const [x, y] of points) ext = Math.max(ext, Math.abs(x), Math.abs(y));
  return Math.min(most, Math.ceil(ext * 1.1 + 0.2));
}

function selfScene(s) {
  const tokens = tokensOf(s);
  const config = { tokens, wq: [mat2(s.wq)], wk: [mat2(s.tie ? s.wq : s.wk)], wv: [mat2(s.wv)],
    heads: 1, kvHeads: 1, scale: s.scale, mask: maskSpec(s) };
  const result = core.selfAttention(config);
  const h = result.heads[0];
  const q = rowsOf(h.q), k = rowsOf(h.k), v = rowsOf(h.v), o = rowsOf(h.output);
  return {
    last: { mode: 'self', config, result, masked: h.masked },
    m: s.m, tokens, q, k, v, o, head: h, weights: h.weights, masked: h.masked,
    extent: extentOf([...tokens, ...q, ...k, ...v, ...o], 1.5, 12),
  };
}

// A head's 2×2 projection: seeded points from the core's layout, rounded for display.
function seededMatrix(seed, which, h) {
  const p = core.layout({ kind: 'gaussian', n: 2, d: 2, seed: seed * 64 + which * 8 + h }).points;
  return [[round2(p[0]), round2(p[1])], [round2(p[2]), round2(p[3])]];
}

function headsScene(s) {
  const tokens = tokensOf(s);
  const config = {
    tokens,
    wq: Array.from({ length: s.h }, (_, h) => seededMatrix(s.hseed, 0, h)),
    wk: Array.from({ length: s.kv }, (_, h) => seededMatrix(s.hseed, 1, h)),
    wv: Array.from({ length: s.kv }, (_, h) => seededMatrix(s.hseed, 2, h)),
    heads: s.h, kvHeads: s.kv, scale: s.scale, mask: maskSpec(s),
  };
  const result = core.selfAttention(config);
  const outs = result.heads.map((hd) => rowsOf(hd.output));
  return {
    last: { mode: 'heads', config, result },
    m: s.m, tokens, result, outs, colours: result.heads.map((_, h) => SERIES[h % SERIES.length]),
    extent: extentOf([...tokens, ...outs.flat()], 2.5, 20),
  };
}

// The sweep over d changes only with n and seed. It is filled in a few core calls per
// frame (a draw at d = 1024 with many keys takes a while) and kept: {n, seed, draws,
// next (core calls made: draw-major, then d), samples[d index][draw] = {raw, scaled} stats}.
let sweepJob = null;
function dimensionSweep(n, seed) {
  if (sweepJob?.n !== n || sweepJob.seed !== seed) {
    sweepJob = { n, seed, draws: sweepDraws(n), next: 0, samples: SWEEP_DS.map(() => []) };
  }
  return sweepJob;
}

// Runs the sweep's next core calls, draw by draw, d by d, for about `ms`. True when done.
function advanceSweep(job, ms) {
  const total = job.draws * SWEEP_DS.length;
  const t0 = performance.now();
  // The first draw is finished whatever it costs, so there is always a line to draw.
  while (job.next < total && (job.next < SWEEP_DS.length || performance.now() - t0 < ms)) {
    const draw = Math.floor(job.next / SWEEP_DS.length), at = job.next % SWEEP_DS.length;
    const q = { d: SWEEP_DS[at], n: job.n, seed: job.seed + draw };
    const raw = core.dimensionStats({ ...q, scaled: false }), scaled = core.dimensionStats({ ...q, scaled: true });
    const pick = (r) => ({ maxWeight: r.maxWeight, effectiveKeys: r.effectiveKeys });
    job.samples[at].push({ raw: pick(raw), scaled: pick(scaled) });
    job.next++;
  }
  return job.next >= total;
}

// Mean and percentile band of each stat over the draws taken so far (statistics of core
// results; no attention math). Rows: [{d, draws, raw: {maxWeight: {mean, lo, hi}, …}, scaled}].
function sweepRows(job) {
  const quantile = (sorted, p) => {
    const at = p * (sorted.length - 1), i = Math.floor(at);
    return i + 1 < sorted.length ? sorted[i] + (at - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
  };
  const summary = (xs) => {
    const sorted = xs.slice().sort((a, b) => a - b);
    return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, lo: quantile(sorted, SWEEP_BAND[0]), hi: quantile(sorted, SWEEP_BAND[1]) };
  };
  const draws = Math.min(...job.samples.map((s) => s.length));
  return SWEEP_DS.map((d, at) => {
    const s = job.samples[at].slice(0, draws);
    const side = (which) => ({
      maxWeight: summary(s.map((x) => x[which].maxWeight)),
      effectiveKeys: summary(s.map((x) => x[which].effectiveKeys)),
    });
    return { d, draws, raw: side('raw'), scaled: side('scaled') };
  });
}

function dimScene(s) {
  const config = { d: s.d, n: s.n, seed: s.dseed };
  const raw = core.dimensionStats({ ...config, scaled: false });
  const scaled = core.dimensionStats({ ...config, scaled: true });
  // Both histograms of logits share one range, so the two spreads compare at a glance.
  let lo = Infinity, hi = -Infinity;
  for (const r of [raw, scaled]) for (const x of r.logits) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  return { last: { mode: 'dim', config, result: { raw, scaled } }, ...config, raw, scaled, lo, hi,
    sweep: dimensionSweep(s.n, s.dseed) };
}

function streamScene(s) {
  const config = {
    query: [s.qx, s.qy],
    keys: core.layout({ kind: 'random', n: s.sn, seed: s.sseed }).points,
    values: core.layout({ kind: 'values', n: s.sn, seed: s.sseed + 1 }).points,
    d: 2, dv: 2, blockSize: s.block,
  };
  const stream = core.stream(config);
  const full = core.attend({ query: config.query, keys: config.keys, values: config.values, d: 2, dv: 2 });
  return { last: { mode: 'stream', config, result: { stream, full } }, stream, full,
    logits: full.logits, blocks: stream.blocks, step: Math.min(s.step, stream.blocks.length) };
}

// Seeded (rows, cols) points from the core's layout, as rows.
const gaussianRows = (n, d, seed) => rowsOf(core.layout({ kind: 'gaussian', n, d, seed }).points, d);

function crossScene(s) {
  const config = {
    tokens: gaussianRows(s.cm, 2, s.cseed), source: gaussianRows(s.cn, 2, s.cseed + 1000),
    wq: seededMatrix(s.cseed, 0, 0), wk: seededMatrix(s.cseed, 1, 0), wv: seededMatrix(s.cseed, 2, 0),
  };
  const result = core.crossAttention(config);
  return { last: { mode: 'cross', config, result }, result, m: result.m, n: result.n };
}

const sparseGlobals = (s) => Array.from({ length: s.spg }, (_, i) => i);
function sparseScene(s) {
  const x = gaussianRows(s.spn, 2, s.spseed);
  const pattern = { window: s.spw, stride: s.sps, global: sparseGlobals(s), causal: s.spc };
  const config = { queries: x, keys: x, values: x, mask: { sparse: pattern } };
  const result = core.attentionMatrix(config);
  return { last: { mode: 'sparse', config, result }, result, n: s.spn, globals: pattern.global };
}

// A's and B's tokens: keys from the core's layout, values from its value layout; queries = keys.
function pagedScene(s) {
  const config = {
    blockSize: s.pbs, keys: gaussianRows(s.pna, 2, s.pseed), values: rowsOf(core.layout({ kind: 'values', n: s.pna, seed: s.pseed + 1 }).points),
    sharedPrefix: s.ppre, steps: s.pstep,
  };
  if (s.pnb > 0) {
    config.keysB = gaussianRows(s.pnb, 2, s.pseed + 2);
    config.valuesB = rowsOf(core.layout({ kind: 'values', n: s.pnb, seed: s.pseed + 3 }).points);
  }
  const result = core.pagedDecode(config);
  // Who reads each physical block (from the core's block tables): A, B or both.
  const owners = result.blocks.map(() => new Set());
  result.sequences.forEach((seq, q) => seq.blockTable.forEach((b) => owners[b].add(q === 0 ? 'A' : 'B')));
  return { last: { mode: 'paged', config, result }, result, owners };
}

// MLA: tokens and MHA weights (d_head 2, one matrix per head) from the core's gaussian layout.
function mlaScene(s) {
  const W = (which) => Array.from({ length: s.mheads }, (_, h) => gaussianRows(2, s.mdm, s.mseed * 64 + which * 16 + h)
    .map((row) => row.map(round2)));
  const config = { tokens: gaussianRows(s.mm, s.mdm, s.mseed), wq: W(0), wk: W(1), wv: W(2), rank: s.mrank,
    ropeDim: s.mrope, kvHeads: s.mkv, scale: 1 / Math.sqrt(2) };
  const result = core.mla(config);
  return { last: { mode: 'mla', config, result }, result };
}

const SCENES = { self: selfScene, heads: headsScene, dim: dimScene, stream: streamScene, cross: crossScene,
  sparse: sparseScene, paged: pagedScene, mla: mlaScene };

// ---------------------------------------------------------------------------------
// Form ↔ state. Inputs take their limits from the table.

function setOut(el, value, text) {
  el.dataset.value = String(value);
  el.textContent = text ?? fmt(value, 4);
}
// Writes a value into an input when the state's value changed since it was last shown,
// so a render for a hover never overwrites what the reader is typing. A handler that
// commits calls forget(input): its corrected value is shown even when unchanged.
function show(input, value) {
  const text = String(value);
  if (input.dataset.shown !== text) { input.value = text; input.dataset.shown = text; }
}
const forget = (input) => { delete input.dataset.shown; };
function limit(input, field) {
  const f = F[field];
  input.min = String(f.min);
  input.max = String(f.max);
  if (!input.getAttribute('step')) input.step = String(f.step ?? 'any');
}
const options = (select, values, label = String) => {
  const want = values.map(String).join(',');
  if (select.dataset.options === want) return;
  select.dataset.options = want;
  select.replaceChildren(...values.map((v) => new Option(label(v), String(v))));
};
const divisors = (h) => Array.from({ length: h }, (_, i) => i + 1).filter((k) => h % k === 0);

function syncTabs(s) {
  for (const mode of MODES) {
    const tab = $(`tab-${mode}`);
    tab.setAttribute('aria-selected', String(mode === s.mode));
    tab.tabIndex = mode === s.mode ? 0 : -1;
    $(`panel-${mode}`).hidden = mode !== s.mode;
  }
  document.body.dataset.mode = s.mode;
}

function syncSelfForm(s) {
  show($('self-m'), s.m);
  $('self-mask').value = s.mask;
  const sized = s.mask === 'window' || s.mask === 'topk';
  $('self-size-label').hidden = !sized;
  $('self-size-name').textContent = s.mask === 'topk' ? 'k' : 'w';
  $('self-size').max = String(s.mask === 'topk' ? s.m : F.w.max);
  show($('self-size'), s.mask === 'topk' ? s.k : s.w);
  show($('self-scale'), s.scale);
  $('self-tie').checked = s.tie;
  for (const name of ['wq', 'wk', 'wv']) {
    const src = name === 'wk' && s.tie ? s.wq : s[name];
    for (let e = 0; e < 4; e++) {
      const input = $(`self-${name}-${e}`);
      input.disabled = name === 'wk' && s.tie;
      show(input, src[e]);
    }
  }
}

// ---------------------------------------------------------------------------------
// Drawing the open tab (scene → panels.js; tables and readouts as text).

let selfFrame = null;   // {view, extent} of the token plot: hit tests, and kept still during a drag
let selfGeom = null;    // heatmap cells: hover hit tests
let tableScene = null;  // the scene the tables were last built for
let headGeoms = [];     // each head's heatmap cells: hover and tap hit tests

function drawSelf(sc, s, ui, theme) {
  syncSelfForm(s);
  const h = sc.head;
  setOut($('self-logit-asym'), h.logitAsymmetry, fmt(h.logitAsymmetry, 4));
  setOut($('self-weight-asym'), h.weightAsymmetry, fmt(h.weightAsymmetry, 4));
  const plot = $('self-plot');
  const focus = ui.drag >= 0 ? ui.drag : ui.token ?? -1;
  selfFrame = panels.drawTokenPlot(plot, sc, theme, ui.drag >= 0 ? selfFrame : null, focus);
  const { cx, cy, ppu } = selfFrame.view;
  plot.dataset.view = `${cx},${cy},${ppu}`;   // world → canvas px, for tests and tools
  const heat = $('self-heatmap');
  selfGeom = panels.drawHeatmap(heat, sc, theme, { cursor: ui.hover ?? -1 });
  heat.dataset.masked = Array.from(sc.masked).join('');
  panels.drawNetwork($('self-network'), sc, theme);

  const m = sc.m, idx = ui.hover;
  $('self-hover').textContent = !(idx >= 0 && idx < m * m) ? 'hover a cell'
    : sc.masked[idx] ? `A[${Math.floor(idx / m)},${idx % m}] masked (logit ${fmt(h.logits[idx])})`
      : `A[${Math.floor(idx / m)},${idx % m}] = ${fmt(h.weights[idx], 4)} (logit ${fmt(h.logits[idx])})`;
  if (tableScene !== sc) { tableScene = sc; selfTable(sc); }
}

// The numbers under the plots (also the data the tests read).
function selfTable(sc) {
  const { m, head: h, masked } = sc;
  const cell = (tag, text, data) => {
    const c = document.createElement(tag);
    c.textContent = text;
    if (data) Object.assign(c.dataset, data);
    return c;
  };
  const head = document.createElement('tr');
  for (const t of ['i', ...Array.from({ length: m }, (_, j) => `A[i,${j}]`), 'entropy', 'q', 'k', 'v', 'o']) head.append(cell('th', t));
  const rows = [head];
  for (let i = 0; i < m; i++) {
    const tr = document.createElement('tr');
    tr.dataset.row = i;
    tr.append(cell('th', String(i)));
    for (let j = 0; j < m; j++) {
      const at = i * m + j, a = h.weights[at];
      const td = cell('td', masked[at] ? '—' : a.toFixed(3), { i, j, weight: a, logit: h.logits[at], masked: masked[at] ? '1' : '0' });
      if (masked[at]) td.className = 'is-masked';
      tr.append(td);
    }
    tr.append(cell('td', h.entropy[i].toFixed(3), { entropy: h.entropy[i] }));
    for (const name of ['q', 'k', 'v', 'o']) {
      const p = sc[name][i];
      tr.append(cell('td', `(${p[0].toFixed(2)}, ${p[1].toFixed(2)})`, { [name]: p.join(',') }));
    }
    rows.push(tr);
  }
  $('self-table').replaceChildren(...rows);
}

function drawHeads(sc, s, ui, theme) {
  options($('heads-h'), Array.from({ length: F.h.max - F.h.min + 1 }, (_, i) => F.h.min + i));
  $('heads-h').value = String(s.h);
  options($('heads-kv'), divisors(s.h), (k) => `${k}${k === s.h ? ' (MHA)' : k === 1 ? ' (MQA)' : ' (GQA)'}`);
  $('heads-kv').value = String(s.kv);
  show($('heads-seed'), s.hseed);

  const r = sc.result;
  setOut($('heads-variant'), r.variant, r.variant);
  setOut($('heads-kv-entries'), r.kvCacheEntries, String(r.kvCacheEntries));
  setOut($('heads-kv-mha'), r.kvCacheEntriesMHA,
    `${r.kvCacheEntriesMHA} (×${(r.kvCacheEntries / r.kvCacheEntriesMHA).toFixed(3)}: 2 · tokens · kv heads · d_head)`);

  const maps = $('heads-maps');
  if (maps.children.length !== r.heads.length) {
    maps.replaceChildren(...r.heads.map((_, h) => {
      const fig = document.createElement('figure');
      fig.className = 'x-head';
      const title = document.createElement('div');
      title.className = 'x-head-title';
      const canvas = document.createElement('canvas');
      canvas.className = 'x-canvas x-small';
      canvas.id = `heads-map-${h}`;
      canvas.tabIndex = 0;
      canvas.dataset.head = h;
      const readout = document.createElement('output');
      readout.className = 'x-head-readout x-num';
      readout.id = `heads-readout-${h}`;
      const axes = document.createElement('figcaption');
      axes.textContent = 'rows: query i · columns: key j';
      fig.append(title, canvas, readout, axes);
      return fig;
    }));
  }
  // The cell under the pointer wins over the one picked by a tap or the arrow keys.
  const cellOf = (key) => (typeof key === 'string' ? key.split(':').map(Number) : [-1, -1]);
  const [hoverHead, hoverIdx] = cellOf(ui.headHover);
  const [pickHead, pickIdx] = cellOf(ui.headPick);
  const m = sc.m;
  headGeoms = r.heads.map((hd, h) => {
    const fig = maps.children[h];
    fig.style.setProperty('--head-colour', sc.colours[h]);
    if (tableScene !== sc) {
      Object.assign(fig.dataset, { head: h, kvHead: hd.kvHead, weights: Array.from(hd.weights).join(','),
        masked: Array.from(hd.masked).join(''), logitAsymmetry: hd.logitAsymmetry });
      fig.querySelector('canvas').setAttribute('aria-label',
        `head ${h} (K/V head ${hd.kvHead}) attention matrix; arrow keys move across cells, the weight is read out below`);
      fig.querySelector('.x-head-title').textContent = `head ${h} · K/V head ${hd.kvHead}`;
    }
    const idx = hoverHead === h ? hoverIdx : pickHead === h ? pickIdx : -1;
    const readout = fig.querySelector('output');
    if (idx >= 0 && idx < m * m) {
      const i = Math.floor(idx / m), j = idx % m;
      readout.dataset.i = i; readout.dataset.j = j;
      readout.dataset.value = String(hd.weights[idx]);
      readout.dataset.masked = hd.masked[idx] ? '1' : '0';
      readout.textContent = hd.masked[idx] ? `A[${i},${j}] masked` : `A[${i},${j}] = ${fmt(hd.weights[idx], 4)}`;
    } else {
      for (const k of ['i', 'j', 'value', 'masked']) delete readout.dataset[k];
      readout.textContent = 'hover or tap a cell';
    }
    return panels.drawHeatmap(fig.querySelector('canvas'), { weights: hd.weights, masked: hd.masked, m }, theme,
      { values: false, colour: sc.colours[h], cursor: idx });
  });
  tableScene = sc;
  panels.drawHeadOutputs($('heads-plot'), sc, theme);
}

const STATS = [['logitStd', 'logit std'], ['maxWeight', 'max weight'], ['entropy', 'entropy (nats)'], ['effectiveKeys', 'effective keys e^H']];

function drawDim(sc, s, ui, theme) {
  show($('dim-d'), Math.log2(s.d));
  $('dim-d-out').textContent = String(s.d);
  show($('dim-n'), s.n);
  show($('dim-seed'), s.dseed);
  for (const [id, r] of [['dim-raw', sc.raw], ['dim-scaled', sc.scaled]]) {
    const col = $(id);
    col.querySelector('h2').textContent = r.scale === 1 ? 'without 1/√d (scale 1)' : `with 1/√d (scale ${fmt(r.scale, 4)})`;
    const logits = col.querySelector('canvas[data-kind="logits"]');
    const weights = col.querySelector('canvas[data-kind="weights"]');
    logits.dataset.counts = panels.drawHistogram(logits, { values: r.logits, lo: sc.lo, hi: sc.hi }, theme.key,
      `logits (n = ${sc.n})`, theme).join(',');
    weights.dataset.counts = panels.drawHistogram(weights, { values: r.weights, lo: 0, hi: r.maxWeight }, theme.weight,
      'softmax weights (0 … max weight)', theme).join(',');
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
  // The sweep fills in over a few frames; each frame draws the average of the draws so far.
  const job = sc.sweep;
  const first = job.next === 0;
  const done = advanceSweep(job, first ? 4 * SWEEP_SLICE_MS : SWEEP_SLICE_MS);
  if (!done) store.schedule();
  const rows = sweepRows(job);
  const sweep = $('dim-sweep');
  panels.drawSweep(sweep, rows, sc.n, sc.d, theme);
  const draws = rows[0].draws;
  Object.assign(sweep.dataset, {
    draws, done: done ? '1' : '0', seeds: `${job.seed}…${job.seed + job.draws - 1}`,
    maxWeightRaw: rows.map((r) => r.raw.maxWeight.mean).join(','),
    maxWeightScaled: rows.map((r) => r.scaled.maxWeight.mean).join(','),
    effectiveKeysRaw: rows.map((r) => r.raw.effectiveKeys.mean).join(','),
    effectiveKeysScaled: rows.map((r) => r.scaled.effectiveKeys.mean).join(','),
  });
  const seeds = job.draws === 1 ? `seed ${job.seed}` : `seeds ${job.seed} … ${job.seed + job.draws - 1}`;
  $('dim-sweep-what').textContent = done
    ? `Each point is the mean over ${job.draws} draws (${seeds}) of a query and n = ${sc.n} keys; the band around each max weight line spans the 10th to 90th percentile of those draws.`
    : `Averaging: ${draws} of ${job.draws} draws (${seeds}) so far…`;
}

function drawStream(sc, s, ui, theme) {
  show($('stream-n'), s.sn);
  options($('stream-block'), Array.from({ length: s.sn }, (_, i) => i + 1));
  $('stream-block').value = String(s.block);
  show($('stream-seed'), s.sseed);
  show($('stream-qx'), s.qx);
  show($('stream-qy'), s.qy);
  const { stream, full, blocks, step } = sc;
  const nb = blocks.length;
  setOut($('stream-progress'), step, `${step} / ${nb} blocks`);
  $('stream-step').disabled = step >= nb;
  panels.drawStream($('stream-plot'), sc, theme);
  if (tableScene === sc) return;
  tableScene = sc;

  $('stream-rows').replaceChildren(...blocks.slice(0, step).map((b, i) => {
    const tr = document.createElement('tr');
    Object.assign(tr.dataset, { block: i, begin: b.begin, end: b.end, blockMax: b.blockMax, runningMax: b.runningMax,
      rescale: b.rescale, runningSum: b.runningSum, partial: Array.from(b.partialOutput).join(',') });
    if (i === step - 1) tr.className = 'is-current';
    const rescaled = i > 0 && b.rescale < 1;
    [String(i), `${b.begin}…${b.end - 1}`, fmt(b.blockMax, 4), fmt(b.runningMax, 4),
      i === 0 ? '— (first)' : rescaled ? `× ${fmt(b.rescale, 4)} ↓` : fmt(b.rescale, 4), fmt(b.runningSum, 4),
      `(${fmt(b.partialOutput[0], 4)}, ${fmt(b.partialOutput[1], 4)})`].forEach((t, c) => {
      const td = document.createElement('td'); td.textContent = t;
      if (c === 4 && rescaled) { td.className = 'is-rescale'; td.title = 'the running max rose: everything so far shrinks by this factor'; }
      tr.append(td);
    });
    return tr;
  }));
  const note = $('stream-note');
  const cur = blocks[step - 1];
  note.classList.toggle('is-rescale', step > 1 && cur.rescale < 1);
  if (step === 0) {
    note.dataset.rescale = '';
    note.textContent = 'Press Step to read the first block.';
  } else if (step === 1) {
    note.dataset.rescale = '';
    note.textContent = `Block 0 (keys ${cur.begin}…${cur.end - 1}): its max ${fmt(cur.blockMax, 3)} starts the running max m; nothing to rescale yet.`;
  } else {
    const prev = blocks[step - 2];
    note.dataset.rescale = String(cur.rescale);
    note.textContent = cur.rescale < 1
      ? `Block ${step - 1} (keys ${cur.begin}…${cur.end - 1}) raised the running max from ${fmt(prev.runningMax, 3)} to ${fmt(cur.runningMax, 3)}: ` +
        `the sum and the partial output so far were multiplied by exp(${fmt(prev.runningMax, 3)} − ${fmt(cur.runningMax, 3)}) = ${fmt(cur.rescale, 4)} before this block was added.`
      : `Block ${step - 1} (keys ${cur.begin}…${cur.end - 1}): its max ${fmt(cur.blockMax, 3)} is not above m = ${fmt(cur.runningMax, 3)}, so nothing is rescaled (factor 1).`;
  }
  const diffOut = $('stream-diff');
  if (step >= nb) {
    // The check only: how far apart two core results are (streaming vs one-pass softmax).
    let diff = 0;
    for (let j = 0; j < full.output.length; j++) diff = Math.max(diff, Math.abs(stream.output[j] - full.output[j]));
    setOut(diffOut, diff, `${diff.toExponential(2)} (streaming (${fmt(stream.output[0], 5)}, ${fmt(stream.output[1], 5)}) vs full ` +
      `(${fmt(full.output[0], 5)}, ${fmt(full.output[1], 5)}): rounding level)`);
  } else {
    delete diffOut.dataset.value;
    diffOut.textContent = '(step to the end)';
  }
}

function drawCross(sc, s, ui, theme) {
  show($('cross-m'), s.cm);
  show($('cross-n'), s.cn);
  show($('cross-seed'), s.cseed);
  const r = sc.result;
  setOut($('cross-shape'), `${r.m}x${r.n}`, `A is ${r.m} × ${r.n} (m target tokens × n source tokens)`);
  const heat = $('cross-heatmap');
  panels.drawGrid(heat, { weights: r.weights, masked: r.masked, rows: r.m, cols: r.n }, theme, { values: true });
  heat.dataset.weights = Array.from(r.weights).join(',');
  panels.drawBipartite($('cross-network'), r, theme);
  if (tableScene === sc) return;
  tableScene = sc;
  const head = document.createElement('tr');
  for (const t of ['i', ...Array.from({ length: r.n }, (_, j) => `A[i,${j}]`), 'entropy']) {
    const th = document.createElement('th'); th.textContent = t; head.append(th);
  }
  const rows = [head];
  for (let i = 0; i < r.m; i++) {
    const tr = document.createElement('tr');
    const th = document.createElement('th'); th.textContent = String(i); tr.append(th);
    for (let j = 0; j < r.n; j++) {
      const td = document.createElement('td');
      td.textContent = r.weights[i * r.n + j].toFixed(3);
      Object.assign(td.dataset, { i, j, weight: r.weights[i * r.n + j] });
      tr.append(td);
    }
    const td = document.createElement('td'); td.textContent = r.entropy[i].toFixed(3); tr.append(td);
    rows.push(tr);
  }
  $('cross-table').replaceChildren(...rows);
}

function drawSparse(sc, s, ui, theme) {
  $('sparse-preset').value = s.preset;
  show($('sparse-n'), s.spn);
  show($('sparse-w'), s.spw);
  show($('sparse-s'), s.sps);
  show($('sparse-g'), s.spg);
  show($('sparse-seed'), s.spseed);
  $('sparse-causal').checked = s.spc;
  const r = sc.result, n = sc.n;
  setOut($('sparse-computed'), r.computedFraction,
    `${r.scoresComputed} of ${n * n} (${(100 * r.computedFraction).toFixed(1)}%)`);
  setOut($('sparse-saved'), 1 - r.computedFraction, `${(100 * (1 - r.computedFraction)).toFixed(1)}% of the dense n² scores`);
  const grid = { weights: r.weights, masked: r.masked, rows: n, cols: n };
  const pat = $('sparse-pattern');
  panels.drawGrid(pat, grid, theme, { pattern: true, colour: theme.key, highlight: sc.globals });
  pat.dataset.masked = Array.from(r.masked).join('');
  const wts = $('sparse-weights');
  panels.drawGrid(wts, grid, theme, { highlight: sc.globals });
  wts.dataset.weights = Array.from(r.weights).join(',');
}

const PAGED_COLOURS = { A: SERIES[0], B: SERIES[1], both: SERIES[2] };
function drawPaged(sc, s, ui, theme) {
  show($('paged-bs'), s.pbs);
  show($('paged-na'), s.pna);
  show($('paged-pre'), s.ppre);
  show($('paged-nb'), s.pnb);
  show($('paged-seed'), s.pseed);
  const r = sc.result;
  setOut($('paged-progress'), r.steps, `${r.steps} / ${r.totalSteps} steps`);
  $('paged-step').disabled = r.steps >= r.totalSteps;
  const pool = $('paged-pool');
  panels.drawPagedPool(pool, { blocks: r.blocks, owners: sc.owners, blockSize: s.pbs, colours: PAGED_COLOURS }, theme);
  pool.dataset.blocks = r.blocks.map((b) => `${b.refCount}:${b.filled}`).join(',');
  setOut($('paged-used'), r.blocksUsed, `${r.blocksUsed} (${r.slotsFilled} tokens stored in ${r.blocksUsed * s.pbs} slots)`);
  setOut($('paged-wasted'), r.wastedSlots, String(r.wastedSlots));
  setOut($('paged-unshared'), r.blocksWithoutSharing, String(r.blocksWithoutSharing));
  setOut($('paged-saved'), r.blocksSaved, String(r.blocksSaved));
  setOut($('paged-diff'), r.maxAbsDiff, r.steps === 0 ? '(no step yet)' : r.maxAbsDiff.toExponential(2));
  if (tableScene === sc) return;
  tableScene = sc;
  $('paged-tables').replaceChildren(...r.sequences.map((seq, q) => {
    const line = document.createElement('div');
    line.dataset.seq = q === 0 ? 'A' : 'B';
    line.dataset.table = Array.from(seq.blockTable).join(',');
    line.append(`${q === 0 ? 'A' : 'B'} (${seq.length} tokens): `);
    for (const b of seq.blockTable) {
      const chip = document.createElement('span');
      chip.className = `x-chip${sc.owners[b].size > 1 ? ' is-shared' : ''}`;
      chip.textContent = `#${b}`;
      line.append(chip);
    }
    return line;
  }));
  const note = $('paged-note');
  const last = r.last;
  if (!last) note.textContent = 'Press Step: A decodes its first token into a new block.';
  else {
    const who = last.seq === 0 ? 'A' : 'B';
    const slot = last.position % s.pbs;
    note.textContent = `Step ${r.steps}: ${who} wrote token ${last.position} into slot ${slot} of block #${r.sequences[last.seq].blockTable[Math.floor(last.position / s.pbs)]}` +
      `${slot === 0 ? ' (a new block)' : ''} and attended over its ${last.position + 1} tokens through its block table;` +
      ` |paged − contiguous| = ${last.maxAbsDiff.toExponential(2)}.` +
      (r.forked && r.sequences.length > 1 ? ` B forked from A's first ${s.ppre} tokens.` : ` B forks once A holds ${s.ppre} tokens.`);
  }
}

function drawMla(sc, s, ui, theme) {
  const rank = $('mla-rank');
  rank.max = String(s.mdm);
  show(rank, s.mrank);
  $('mla-rank-out').textContent = `r = ${s.mrank} of d_model = ${s.mdm}`;
  show($('mla-dm'), s.mdm);
  show($('mla-heads'), s.mheads);
  show($('mla-kv'), s.mkv);
  show($('mla-rope'), s.mrope);
  show($('mla-m'), s.mm);
  show($('mla-seed'), s.mseed);
  const r = sc.result;
  const bars = [
    { label: 'MHA', value: r.cache.mha, colour: theme.muted },
    { label: `GQA ${s.mkv}`, value: r.cache.gqa, colour: SERIES[0] },
    { label: 'MQA', value: r.cache.mqa, colour: SERIES[1] },
    { label: 'MLA', value: r.cache.mla, colour: SERIES[2] },
  ];
  const cache = $('mla-cache');
  panels.drawBars(cache, bars, theme, `entries for m = ${r.m} tokens`);
  cache.dataset.cache = JSON.stringify(r.cache);
  const drift = $('mla-drift');
  panels.drawDrift(drift, r.driftByRank, r.rank, theme);
  drift.dataset.maxWeightDiff = r.driftByRank.map((d) => d.maxWeightDiff).join(',');
  drift.dataset.projectionError = r.driftByRank.map((d) => d.projectionError).join(',');
  const h0 = r.perHead[0], none = new Uint8Array(r.m * r.m);
  panels.drawHeatmap($('mla-weights'), { weights: h0.weights, masked: none, m: r.m }, theme, { colour: SERIES[2] });
  panels.drawHeatmap($('mla-mha'), { weights: h0.mhaWeights, masked: none, m: r.m }, theme);
  setOut($('mla-diff'), r.drift.maxWeightDiff, r.drift.maxWeightDiff.toExponential(2));
  setOut($('mla-proj'), r.drift.projectionError, fmt(r.drift.projectionError, 4));
}

const DRAW = { self: drawSelf, heads: drawHeads, dim: drawDim, stream: drawStream, cross: drawCross, sparse: drawSparse,
  paged: drawPaged, mla: drawMla };

let scene = null, sceneState = null;

function render(state, ui) {
  syncTabs(state);
  try {
    // Hover and drag-end renders reuse the scene: only a commit asks the core again.
    if (state !== sceneState) {
      scene = SCENES[state.mode](state);
      sceneState = state;
      lastResult = scene.last;
    }
    DRAW[state.mode](scene, state, ui, readTheme());
    store.notices.set('core', []);
  } catch (err) {
    sceneState = null;
    store.notices.set('core', [`${state.mode}: the core said: ${err.message}`]);
  }
  document.body.dataset.ready = '1';
}

// ---------------------------------------------------------------------------------
// Wiring: every handler commits; nothing else changes the state.

function wireForm() {
  // Plain fields: the input's text goes to the store, which validates it.
  for (const input of document.querySelectorAll('input[data-field]')) {
    const field = input.dataset.field;
    limit(input, field);
    input.addEventListener('change', () => { forget(input); commit({ [field]: input.value }, 'form'); });
  }

  const mask = $('self-mask');
  mask.replaceChildren(...F.mask.values.map((v) => new Option(MASK_LABELS[v] ?? v, v)));
  mask.addEventListener('change', () => commit({ mask: mask.value }, 'form'));
  const size = $('self-size');
  size.min = String(Math.min(F.w.min, F.k.min));
  size.step = '1';
  size.addEventListener('change', () => { forget(size); commit({ [store.state.mask === 'topk' ? 'k' : 'w']: size.value }, 'form'); });
  $('self-tie').addEventListener('change', (ev) => commit({ tie: ev.target.checked }, 'form'));
  $('self-reset-tokens').addEventListener('click', () => commit({ tokens: null }, 'form'));

  for (const name of ['wq', 'wk', 'wv']) {
    const fs = $(`self-${name}`);
    for (let e = 0; e < 4; e++) {
      const input = document.createElement('input');
      input.type = 'number';
      input.step = '0.1';
      input.min = String(F[name].min);
      input.max = String(F[name].max);
      input.id = `self-${name}-${e}`;
      input.setAttribute('aria-label', `${F[name].label} row ${e >> 1} column ${e & 1}`);
      input.addEventListener('change', () => {
        const entries = store.state[name].slice();
        // An emptied entry is no number at all: keep the old one rather than reset the matrix.
        forget(input);
        if (input.value.trim() === '') { store.schedule(); return; }
        entries[e] = input.value;
        commit({ [name]: entries }, 'form');
      });
      fs.append(input);
    }
  }

  $('heads-h').addEventListener('change', (ev) => commit({ h: ev.target.value }, 'form'));
  $('heads-kv').addEventListener('change', (ev) => commit({ kv: ev.target.value }, 'form'));

  const dIn = $('dim-d');
  dIn.min = String(Math.log2(F.d.min));
  dIn.max = String(Math.log2(F.d.max));
  dIn.addEventListener('input', () => commit({ d: 2 ** Number(dIn.value) }, 'form'));

  $('stream-block').addEventListener('change', (ev) => commit({ block: ev.target.value }, 'form'));
  $('stream-step').addEventListener('click', () => commit({ step: store.state.step + 1 }, 'form'));
  $('stream-reset').addEventListener('click', () => commit({ step: 0 }, 'form'));

  const preset = $('sparse-preset');
  preset.replaceChildren(...F.preset.values.map((v) => new Option(
    { local: 'local', strided: 'strided', global: 'global + local', custom: 'custom' }[v], v)));
  preset.addEventListener('change', () => commit({ preset: preset.value }, 'form'));
  $('sparse-causal').addEventListener('change', (ev) => commit({ spc: ev.target.checked }, 'form'));
  $('paged-step').addEventListener('click', () => commit({ pstep: store.state.pstep + 1 }, 'form'));
  $('paged-reset').addEventListener('click', () => commit({ pstep: 0 }, 'form'));
  $('mla-rank').addEventListener('input', (ev) => commit({ mrank: ev.target.value }, 'form'));

  for (const mode of MODES) $(`tab-${mode}`).addEventListener('click', () => commit({ mode }, 'form'));
  document.querySelector('.x-tabs').addEventListener('keydown', (ev) => {
    if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
    const i = MODES.indexOf(store.state.mode) + (ev.key === 'ArrowRight' ? 1 : MODES.length - 1);
    const mode = MODES[i % MODES.length];
    commit({ mode }, 'form');
    $(`tab-${mode}`).focus();
  });
}

// Tokens are dragged on the token plot; the heatmap reports the cell under the pointer.
function wirePointer() {
  const canvas = $('self-plot');
  // Canvas px are counted from inside the border (fitCanvas draws in the client box).
  const local = (ev, el = canvas) => {
    const r = el.getBoundingClientRect();
    return [ev.clientX - r.left - el.clientLeft, ev.clientY - r.top - el.clientTop];
  };
  // The token nearest (px, py) within `reach` canvas px, or -1 (a finger gets more reach).
  const tokenAt = (px, py, reach = 16) => {
    if (!selfFrame || store.state.mode !== 'self') return -1;
    let best = -1, bestD = reach;
    tokensOf(store.state).forEach(([x, y], i) => {
      const [sx, sy] = selfFrame.view.toScreen(x, y);
      const d = Math.hypot(sx - px, sy - py);
      if (d < bestD) { bestD = d; best = i; }
    });
    return best;
  };
  canvas.addEventListener('pointerdown', (ev) => {
    const best = tokenAt(...local(ev), ev.pointerType === 'touch' ? 24 : 16);
    if (best < 0) return;
    store.setUi({ drag: best });
    canvas.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });
  // A touch that starts on a token drags it; any other swipe scrolls the page
  // (explore.css: touch-action manipulation). Cancelling that touchstart stops the pan.
  canvas.addEventListener('touchstart', (ev) => {
    if (ev.touches.length === 1 && tokenAt(...local(ev.touches[0]), 24) >= 0) ev.preventDefault();
  }, { passive: false });
  canvas.addEventListener('pointerleave', () => store.setUi({ token: -1 }));
  canvas.addEventListener('pointermove', (ev) => {
    const i = store.ui.drag;
    if (!(i >= 0)) { if (ev.pointerType === 'mouse') store.setUi({ token: tokenAt(...local(ev)) }); return; }
    if (!selfFrame) return;
    const [wx, wy] = selfFrame.view.toWorld(...local(ev));
    const lim = Math.min(F.tokens.max, selfFrame.extent);
    const clamp = (v) => Math.max(-lim, Math.min(lim, v));
    const tokens = tokensOf(store.state);
    tokens[i] = [clamp(wx), clamp(wy)];
    commit({ tokens }, 'drag');
  });
  const end = () => store.setUi({ drag: -1 });
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  const heat = $('self-heatmap');
  heat.addEventListener('mousemove', (ev) => {
    if (!selfGeom) return;
    const [px, py] = local(ev, heat);
    const { pad, cell, m } = selfGeom;
    const j = Math.floor((px - pad) / cell), i = Math.floor((py - pad) / cell);
    store.setUi({ hover: i >= 0 && j >= 0 && i < m && j < m ? i * m + j : -1 });
  });
  heat.addEventListener('mouseleave', () => store.setUi({ hover: -1 }));

  // Heads: hover shows a cell's weight next to its map; a tap or the arrow keys pick one.
  const maps = $('heads-maps');
  const headCell = (ev) => {
    const canvas = ev.target.closest?.('canvas[data-head]');
    const h = Number(canvas?.dataset.head), g = headGeoms[h];
    if (!g) return null;
    const [px, py] = local(ev, canvas);
    const j = Math.floor((px - g.pad) / g.cell), i = Math.floor((py - g.pad) / g.cell);
    return i >= 0 && j >= 0 && i < g.m && j < g.m ? `${h}:${i * g.m + j}` : -1;
  };
  maps.addEventListener('pointermove', (ev) => { if (ev.pointerType === 'mouse') store.setUi({ headHover: headCell(ev) ?? -1 }); });
  maps.addEventListener('pointerleave', () => store.setUi({ headHover: -1 }));
  maps.addEventListener('click', (ev) => {
    const key = headCell(ev);
    if (key === null) return;
    store.setUi({ headPick: key === store.ui.headPick ? -1 : key });
  });
  maps.addEventListener('keydown', (ev) => {
    const canvas = ev.target.closest?.('canvas[data-head]');
    const h = Number(canvas?.dataset.head), g = headGeoms[h];
    const step = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] }[ev.key];
    if (!g) return;
    if (ev.key === 'Escape') { store.setUi({ headPick: -1 }); return; }
    if (!step) return;
    ev.preventDefault();
    const [ph, pidx] = typeof store.ui.headPick === 'string' ? store.ui.headPick.split(':').map(Number) : [-1, -1];
    let i = 0, j = 0;
    if (ph === h && pidx < g.m * g.m) {
      i = Math.max(0, Math.min(g.m - 1, Math.floor(pidx / g.m) + step[0]));
      j = Math.max(0, Math.min(g.m - 1, (pidx % g.m) + step[1]));
    }
    store.setUi({ headPick: `${h}:${i * g.m + j}` });
  });
}

async function main() {
  const region = $('x-main'), status = $('x-status');
  try {
    core = await loadCore();
  } catch (err) {
    status.textContent = err.message;
    status.classList.add('x-error');
    status.setAttribute('role', 'alert');
    region.removeAttribute('aria-busy');
    return;
  }
  const p = core.layout({ kind: 'gaussian', n: 16, d: 2, seed: 7 }).points;
  layoutTokens = Array.from({ length: 16 }, (_, i) => [round2(p[2 * i]), round2(p[2 * i + 1])]);

  // Old links spelled the mask `mask=window:3`; upgradeHash reads them as `mask=window&w=3`.
  store = new Store(EXPLORE, { render, notices: new Notices($('notices')), url: true, upgrade: upgradeHash });
  wireForm();
  wirePointer();
  // Canvases follow their CSS width: redraw when the layout width or the colour scheme changes.
  let width = 0;
  new ResizeObserver(([e]) => {
    if (Math.round(e.contentRect.width) !== width) { width = Math.round(e.contentRect.width); store.schedule(); }
  }).observe(region);
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', () => store.schedule());

  window.explore = {
    core,
    store,
    getState: () => structuredClone(store.state),
    /** Applies a patch of EXPLORE fields; throws (changing nothing) on a bad field. */
    setState: (patch) => commit(patch, 'api', { strict: true }),
    get lastResult() { return lastResult; },
    /** The label boxes drawn on each canvas of the open tab: {canvas id: [{x, y, w, h, text}]}. */
    labelBoxes: () => Object.fromEntries(Array.from(document.querySelectorAll('.x-panel:not([hidden]) canvas'),
      (c, k) => [c.id || `${c.closest('[id]')?.id ?? 'canvas'}-${c.dataset.kind ?? k}`, (c.labels?.boxes ?? []).map((b) => ({ ...b }))])),
  };
  store.loadHash(location.hash);
  status.hidden = true;
  region.removeAttribute('aria-busy');
  store.renderNow();
}

main();
