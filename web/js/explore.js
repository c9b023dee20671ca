// explore.html: self-attention + masks, heads (MHA/GQA/MQA), dimension and √d, streaming
// softmax. One flow: a handler commits a patch to the store (validated against the
// EXPLORE table, explore-schema.js) → the store writes the URL and asks for one render
// per frame → render builds the open tab's scene from core results → panels.js draws it.
// Every number drawn comes from the attention core (WebAssembly); this file only wires.
import { loadCore } from './wasm.js';
import { EXPLORE, upgradeHash } from './explore-schema.js';
import { coerce } from './codec.js';
import { Store } from './store.js';
import { Notices } from './notices.js';
import { readTheme, SERIES, fmt } from './canvas.js';
import * as panels from './panels.js';

const F = EXPLORE.fields;
const MODES = F.mode.values;
const MASK_LABELS = { none: 'none', causal: 'causal', window: 'window w', topk: 'top-k k' };
const SWEEP_DS = [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
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

// The sweep over d changes only with n and seed: one pair of core calls per d, cached.
let sweepCache = null;
function dimensionSweep(n, seed) {
  if (sweepCache?.n === n && sweepCache.seed === seed) return sweepCache.rows;
  const rows = SWEEP_DS.map((d) => ({
    d,
    raw: core.dimensionStats({ d, n, seed, scaled: false }),
    scaled: core.dimensionStats({ d, n, seed, scaled: true }),
  }));
  sweepCache = { n, seed, rows };
  return rows;
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

const SCENES = { self: selfScene, heads: headsScene, dim: dimScene, stream: streamScene };

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

function drawSelf(sc, s, ui, theme) {
  syncSelfForm(s);
  const h = sc.head;
  setOut($('self-logit-asym'), h.logitAsymmetry, fmt(h.logitAsymmetry, 4));
  setOut($('self-weight-asym'), h.weightAsymmetry, fmt(h.weightAsymmetry, 4));
  const plot = $('self-plot');
  selfFrame = panels.drawTokenPlot(plot, sc, theme, ui.drag >= 0 ? selfFrame : null);
  const { cx, cy, ppu } = selfFrame.view;
  plot.dataset.view = `${cx},${cy},${ppu}`;   // world → canvas px, for tests and tools
  const heat = $('self-heatmap');
  selfGeom = panels.drawHeatmap(heat, sc, theme);
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
    maps.replaceChildren(...r.heads.map(() => {
      const fig = document.createElement('figure');
      fig.className = 'x-head';
      const canvas = document.createElement('canvas');
      canvas.className = 'x-canvas x-small';
      fig.append(canvas, document.createElement('figcaption'));
      return fig;
    }));
  }
  r.heads.forEach((hd, h) => {
    const fig = maps.children[h];
    fig.style.setProperty('--head-colour', sc.colours[h]);
    if (tableScene !== sc) {
      Object.assign(fig.dataset, { head: h, kvHead: hd.kvHead, weights: Array.from(hd.weights).join(','),
        masked: Array.from(hd.masked).join(''), logitAsymmetry: hd.logitAsymmetry });
      fig.querySelector('canvas').setAttribute('aria-label', `head ${h} attention matrix`);
      fig.querySelector('figcaption').textContent = `head ${h} · K/V head ${hd.kvHead}`;
    }
    panels.drawHeatmap(fig.querySelector('canvas'), { weights: hd.weights, masked: hd.masked, m: sc.m }, theme,
      { labels: false, colour: sc.colours[h] });
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
  const sweep = $('dim-sweep');
  panels.drawSweep(sweep, sc.sweep, sc.n, sc.d, theme);
  sweep.dataset.maxWeightRaw = sc.sweep.map((r) => r.raw.maxWeight).join(',');
  sweep.dataset.maxWeightScaled = sc.sweep.map((r) => r.scaled.maxWeight).join(',');
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
    for (const t of [String(i), `${b.begin}…${b.end - 1}`, fmt(b.blockMax, 4), fmt(b.runningMax, 4),
      i === 0 ? '— (first)' : fmt(b.rescale, 4), fmt(b.runningSum, 4),
      `(${fmt(b.partialOutput[0], 4)}, ${fmt(b.partialOutput[1], 4)})`]) {
      const td = document.createElement('td'); td.textContent = t; tr.append(td);
    }
    return tr;
  }));
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

const DRAW = { self: drawSelf, heads: drawHeads, dim: drawDim, stream: drawStream };

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
  canvas.addEventListener('pointerdown', (ev) => {
    if (!selfFrame) return;
    const [px, py] = local(ev);
    let best = -1, bestD = 16;
    tokensOf(store.state).forEach(([x, y], i) => {
      const [sx, sy] = selfFrame.view.toScreen(x, y);
      const d = Math.hypot(sx - px, sy - py);
      if (d < bestD) { bestD = d; best = i; }
    });
    if (best < 0) return;
    store.setUi({ drag: best });
    canvas.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });
  canvas.addEventListener('pointermove', (ev) => {
    const i = store.ui.drag;
    if (!(i >= 0) || !selfFrame) return;
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
  };
  store.loadHash(location.hash);
  status.hidden = true;
  region.removeAttribute('aria-busy');
  store.renderNow();
}

main();
