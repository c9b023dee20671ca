// The playground: state, input handlers and the one redraw path.
// All attention numbers come from the WASM core (core.attend / core.vonMises /
// core.layout); this file only moves points around and hands data to Plot.

import { AttentionCore } from './core.js';
import { Plot } from './plot.js';
import { WeightList, setStat, Notice } from './controls.js';
import { parseHash, serialize, format, FIELDS } from './state.js';

const TAU = Math.PI * 2;
const Q_MAX = 1.95;         // largest |q| reachable by dragging / keyboard
const KEY_MAX = 1.6;        // largest key length reachable by dragging
const SNAP_TO_ORIGIN = 0.05;
const MAX_EDITABLE = 64;
const TOP_KEYS = 20;        // rows in the weight list in long-context mode
const BINS = 180;           // 2° bins for long context
const CURVE_POINTS = 361;
const LONG_PRESS_MS = 600;
const DOUBLE_TAP_MS = 400;
const MOVE_SLOP = 5;        // CSS px before a press becomes a drag

const DEFAULTS = Object.freeze({
  n: 8,
  layout: 'even',
  seed: 1,
  clusters: 3,
  spread: 0.3,
  normalizeKeys: true,
  randomLengths: false,
  scaleMode: 'one',
  customScale: 1,
  query: polar(1.5, 50),
  longContext: 0,
  showValues: true,
  showGaussian: false,
});

function polar(r, deg) {
  const a = deg * Math.PI / 180;
  return [r * Math.cos(a), r * Math.sin(a)];
}

// ---------------------------------------------------------------- state

const state = {
  ...DEFAULTS,
  query: [...DEFAULTS.query],
  keys: [],       // [[x, y], ...] as stored (the core normalises them when asked)
  values: [],     // [[x, y], ...], one per key
  selected: -1,
  hovered: -1,
};

let core = null;
let plot = null;
let weightList = null;
let notice = null;
let lastResult = null;       // last successful core.attend result
let lastGood = null;         // {result, n}
let scene = null;            // last drawn scene (for hit-testing)
let lastQueryAngle = 50 * Math.PI / 180;
let addCount = 0;
let keysEdited = false;      // true once the user edited keys: the link then carries them
let shareExtras = { controls: 'full', theme: 'auto' }; // fields the main page keeps but does not use

// caches derived from keys/values, rebuilt when they change
let cache = null;
function invalidate() { cache = null; }

function ensureCache() {
  if (cache) return cache;
  const n = state.keys.length;
  const keysFlat = new Float64Array(2 * n);
  const valuesFlat = new Float64Array(2 * n);
  const keyPos = new Float64Array(2 * n);   // positions as the core sees them (drawing)
  const keyAngles = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [x, y] = state.keys[i];
    keysFlat[2 * i] = x; keysFlat[2 * i + 1] = y;
    const v = state.values[i] || [0, 0];
    valuesFlat[2 * i] = v[0]; valuesFlat[2 * i + 1] = v[1];
    const len = Math.hypot(x, y);
    if (state.normalizeKeys && len > 0) {
      keyPos[2 * i] = x / len; keyPos[2 * i + 1] = y / len;
    } else {
      keyPos[2 * i] = x; keyPos[2 * i + 1] = y;
    }
    keyAngles[i] = Math.atan2(y, x);
  }
  let bins = null;
  if (isLong()) {
    const binOf = new Uint16Array(n);
    const count = new Float64Array(BINS);
    for (let i = 0; i < n; i++) {
      let b = Math.floor(((keyAngles[i] + Math.PI) / TAU) * BINS);
      if (b >= BINS) b = BINS - 1;
      if (b < 0) b = 0;
      binOf[i] = b;
      count[b]++;
    }
    bins = { B: BINS, binOf, count, wsum: new Float64Array(BINS) };
  }
  const hull = convexHull(valuesFlat, n);
  cache = { keysFlat, valuesFlat, keyPos, keyAngles, bins, hull, n };
  return cache;
}

const isLong = () => state.longContext > 0;

function currentScale() {
  if (state.scaleMode === 'invsqrt') return 1 / Math.sqrt(2);
  if (state.scaleMode === 'custom') return state.customScale;
  return 1;
}

// ---------------------------------------------------------------- geometry helpers (drawing only)

/** Andrew's monotone chain; returns the hull as [[x, y], ...] counter-clockwise. */
function convexHull(flat, n) {
  if (n === 0) return [];
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => flat[2 * a] - flat[2 * b] || flat[2 * a + 1] - flat[2 * b + 1]);
  const cross = (o, a, b) =>
    (flat[2 * a] - flat[2 * o]) * (flat[2 * b + 1] - flat[2 * o + 1]) -
    (flat[2 * a + 1] - flat[2 * o + 1]) * (flat[2 * b] - flat[2 * o]);
  const lower = [], upper = [];
  for (const i of idx) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], i) <= 0) lower.pop();
    lower.push(i);
  }
  for (let k = idx.length - 1; k >= 0; k--) {
    const i = idx[k];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], i) <= 0) upper.pop();
    upper.push(i);
  }
  upper.pop(); lower.pop();
  return lower.concat(upper).map((i) => [flat[2 * i], flat[2 * i + 1]]);
}

function clampLength([x, y], max) {
  const len = Math.hypot(x, y);
  if (len > max) return [x * max / len, y * max / len];
  return [x, y];
}

// ---------------------------------------------------------------- key generation (core.layout)

function generateKeys() {
  const n = isLong() ? state.longContext : state.n;
  const lay = core.layout({
    kind: state.layout, n, seed: state.seed,
    clusters: Math.min(state.clusters, n), spread: state.spread,
  });
  const pts = lay.points;
  let lengths = null;
  if (state.randomLengths) {
    // Lengths in [0.5, 1.5] from a seeded 'values' layout (uniform in [-1, 1]²).
    lengths = core.layout({ kind: 'values', n, seed: state.seed + 7919 }).points;
  }
  const vals = core.layout({ kind: 'values', n, seed: state.seed }).points;
  const keys = new Array(n), values = new Array(n);
  for (let i = 0; i < n; i++) {
    const f = lengths ? 1 + 0.5 * lengths[2 * i] : 1;
    keys[i] = [pts[2 * i] * f, pts[2 * i + 1] * f];
    values[i] = [vals[2 * i], vals[2 * i + 1]];
  }
  state.keys = keys;
  state.values = values;
  keysEdited = false;
  state.selected = -1;
  state.hovered = -1;
  invalidate();
}

/** A value for key number `index` (0-based) from a fresh seeded 'values' layout. */
function newValue(index = state.keys.length) {
  addCount++;
  const n = index + 1;
  const p = core.layout({ kind: 'values', n, seed: state.seed + 101 * addCount }).points;
  return [p[2 * n - 2], p[2 * n - 1]];
}

// ---------------------------------------------------------------- key editing

function addKey(x, y) {
  if (isLong()) return;
  if (state.keys.length >= MAX_EDITABLE) {
    notice.show(`Cannot add a key: the editable plot holds at most ${MAX_EDITABLE} keys (use “long context” for more).`, 'ui');
    return;
  }
  let p = clampLength([x, y], KEY_MAX);
  if (Math.hypot(p[0], p[1]) < SNAP_TO_ORIGIN) p = [SNAP_TO_ORIGIN, 0];
  if (state.normalizeKeys) {
    const len = Math.hypot(p[0], p[1]);
    p = [p[0] / len, p[1] / len];
  }
  state.keys.push(p);
  keysEdited = true;
  state.values.push(newValue());
  state.n = state.keys.length;
  state.selected = state.keys.length - 1;
  invalidate();
  syncForm();
  scheduleRender();
  announce(`Added key ${state.selected}. ${state.keys.length} keys.`);
}

function removeKey(i) {
  if (isLong() || i < 0 || i >= state.keys.length) return;
  if (state.keys.length <= 1) {
    notice.show('Cannot remove the last key: softmax needs at least one key.', 'ui');
    return;
  }
  state.keys.splice(i, 1);
  keysEdited = true;
  state.values.splice(i, 1);
  state.n = state.keys.length;
  const fix = (j) => (j === i ? -1 : j > i ? j - 1 : j);
  state.selected = fix(state.selected);
  state.hovered = fix(state.hovered);
  invalidate();
  syncForm();
  scheduleRender();
  announce(`Removed key ${i}. ${state.keys.length} keys.`);
}

function moveKey(i, x, y) {
  const old = state.keys[i];
  let p;
  if (state.normalizeKeys) {
    // On the circle only the direction matters: keep the stored length, change the angle.
    const len = Math.hypot(old[0], old[1]) || 1;
    const a = Math.atan2(y, x);
    p = [len * Math.cos(a), len * Math.sin(a)];
  } else {
    p = clampLength([x, y], KEY_MAX);
    if (Math.hypot(p[0], p[1]) < SNAP_TO_ORIGIN) p = [0, 0]; // a zero key: fine unless normalising
  }
  state.keys[i] = [round4(p[0]), round4(p[1])];
  keysEdited = true;
  invalidate();
}

function round4(v) {
  return Math.round(v * 1e4) / 1e4 + 0;
}

function setQuery(x, y) {
  state.query = clampLength([x, y], Q_MAX);
  const len = Math.hypot(state.query[0], state.query[1]);
  if (len > 1e-9) lastQueryAngle = Math.atan2(state.query[1], state.query[0]);
}

function setQueryPolar(r, a) {
  r = Math.max(0, Math.min(Q_MAX, r));
  lastQueryAngle = a;
  state.query = [r * Math.cos(a), r * Math.sin(a)];
}

// ---------------------------------------------------------------- the one redraw path

let frameRequested = false;
function scheduleRender() {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(() => {
    frameRequested = false;
    render();
  });
}

let curveAngles = null;
function getCurveAngles() {
  if (!curveAngles) {
    curveAngles = new Float64Array(CURVE_POINTS);
    for (let i = 0; i < CURVE_POINTS; i++) curveAngles[i] = -Math.PI + (i / (CURVE_POINTS - 1)) * TAU;
  }
  return curveAngles;
}

function describeError(e) {
  return (e && e.message) ? e.message : String(e);
}

function render() {
  const c = ensureCache();
  const n = c.n;
  const scale = currentScale();
  const qNorm = Math.hypot(state.query[0], state.query[1]);
  const kappa = qNorm * scale; // the geometry of the query, displayed (not used for weights)
  const phi = qNorm > 1e-12 ? Math.atan2(state.query[1], state.query[0]) : lastQueryAngle;

  let result = null;
  let problem = null;
  try {
    result = core.attend({
      query: state.query, keys: c.keysFlat, values: c.valuesFlat, d: 2, dv: 2,
      scale, normalizeKeys: state.normalizeKeys,
    });
  } catch (e) {
    problem = `The attention core rejected the input: ${describeError(e)}. The plot keeps the last valid weights.`;
  }
  if (result) {
    lastResult = result;
    lastGood = { result, n };
  }
  const shown = result ?? (lastGood && lastGood.n === n ? lastGood.result : null);

  // von Mises curve on the weights' scale (density · 2π / n), from the core.
  let curve = null, gauss = null, gaussNote = '';
  const angles = getCurveAngles();
  try {
    const dens = core.vonMises({ kappa, phi, angles });
    const y = new Float64Array(dens.length);
    for (let i = 0; i < dens.length; i++) y[i] = dens[i] * TAU / n;
    curve = { angles, y };
    if (state.showGaussian) {
      if (kappa > 0) {
        const g = core.vonMises({ kappa, phi, angles, gaussian: true });
        const gy = new Float64Array(g.length);
        for (let i = 0; i < g.length; i++) gy[i] = g[i] * TAU / n;
        gauss = { angles, y: gy };
      } else {
        gaussNote = 'Gaussian approx. needs κ > 0';
      }
    }
  } catch (e) {
    problem = problem ?? `The attention core rejected the von Mises curve: ${describeError(e)}.`;
  }
  if (problem) notice.show(problem, 'core');
  else notice.clear('core');

  // long context: per-bin sums for the ring and the strip
  let stripPoints = null;
  if (c.bins && shown) {
    const { binOf, count, wsum, B } = c.bins;
    wsum.fill(0);
    const w = shown.weights;
    for (let i = 0; i < n; i++) wsum[binOf[i]] += w[i];
    const xs = [], ys = [];
    for (let b = 0; b < B; b++) {
      if (!count[b]) continue;
      xs.push(-Math.PI + ((b + 0.5) / B) * TAU);
      ys.push(wsum[b] / count[b]);
    }
    stripPoints = { x: xs, y: ys };
  }

  scene = {
    query: state.query, qNorm, kappa, scale, phiDeg: phi * 180 / Math.PI,
    n, keyPos: c.keyPos, keyAngles: c.keyAngles,
    weights: shown ? shown.weights : null,
    argmax: shown ? shown.argmax : -1,
    values: c.valuesFlat, hull: c.hull,
    output: shown && shown.output && shown.output.length >= 2 ? [shown.output[0], shown.output[1]] : null,
    showValues: state.showValues,
    curve, gauss, gaussNote,
    hovered: state.hovered, selected: state.selected,
    long: isLong(), bins: c.bins, stripPoints,
    stale: !result && !!shown,
    normalizeKeys: state.normalizeKeys,
    queryActive: drag?.type === 'query',
  };
  plot.draw(scene);
  updateReadout(shown, c, { kappa, phi, qNorm });

  scheduleHashWrite();
  scheduleSummary(shown, c, kappa, phi);
  if (document.body.dataset.ready !== '1') document.body.dataset.ready = '1';
}

function topIndices(weights, k) {
  // one pass, keeping the k largest (ties: lower index first)
  const top = [];
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (top.length === k && w <= weights[top[k - 1]]) continue;
    let j = top.length < k ? top.length : k - 1;
    if (top.length < k) top.push(i);
    while (j > 0 && weights[top[j - 1]] < w) { top[j] = top[j - 1]; j--; }
    top[j] = i;
  }
  return top;
}

function updateReadout(shown, c, { kappa, phi, qNorm }) {
  const $ = (id) => document.getElementById(id);
  setStat($('stat-kappa'), kappa.toFixed(3), kappa);
  setStat($('stat-angle'), `${(phi * 180 / Math.PI).toFixed(1)}°`, phi);
  setStat($('stat-qnorm'), qNorm.toFixed(3), qNorm);
  setStat($('stat-n'), c.n.toLocaleString('en-US'), c.n);
  if (shown) {
    setStat($('stat-entropy'), `${shown.entropy.toFixed(3)} nats`, shown.entropy);
    setStat($('stat-effective'), shown.effectiveKeys.toFixed(2), shown.effectiveKeys);
  } else {
    setStat($('stat-entropy'), '–', '');
    setStat($('stat-effective'), '–', '');
  }
  let indices;
  if (isLong()) {
    indices = shown ? topIndices(shown.weights, Math.min(TOP_KEYS, c.n)) : [];
    $('list-caption').textContent = `Long context: the top ${indices.length} of ${c.n.toLocaleString('en-US')} keys by weight (weight, logit).`;
  } else {
    indices = Array.from({ length: c.n }, (_, i) => i);
    $('list-caption').textContent = 'Every key: weight (3 decimals) and logit; ★ = largest. Hover or click a row.';
  }
  weightList.update(indices, shown, c.keyAngles, state.hovered, state.selected, isLong());
}

// ---------------------------------------------------------------- pointer input

let drag = null;
let lastTap = null;
let longPressTimer = 0;

function localPoint(e) {
  const r = plot.canvas.getBoundingClientRect();
  return [e.clientX - r.left, e.clientY - r.top];
}

function cancelLongPress() {
  if (longPressTimer) clearTimeout(longPressTimer);
  longPressTimer = 0;
}

function onPointerDown(e) {
  if (e.pointerType === 'mouse' && e.button !== 0) return;
  if (drag) return; // one pointer at a time
  const canvas = plot.canvas;
  canvas.focus({ preventScroll: true });
  const [px, py] = localPoint(e);
  const hit = plot.hitTest(px, py, scene, e.pointerType);
  drag = {
    id: e.pointerId, pointerType: e.pointerType, type: hit ? hit.type : 'empty',
    index: hit && hit.type === 'key' ? hit.index : -1, inStrip: !!(hit && hit.inStrip),
    startX: px, startY: py, moved: false, consumed: false, offset: [0, 0],
  };
  if (drag.type === 'query') {
    const [wx, wy] = plot.toWorld(px, py);
    drag.offset = [wx - state.query[0], wy - state.query[1]];
  }
  if (drag.type === 'key') {
    state.selected = drag.index;
    state.hovered = drag.index;
    if (e.pointerType !== 'mouse' && !isLong()) {
      const index = drag.index;
      longPressTimer = setTimeout(() => {
        longPressTimer = 0;
        if (drag && !drag.moved && drag.index === index) {
          drag.consumed = true;
          removeKey(index);
        }
      }, LONG_PRESS_MS);
    }
  }
  try { canvas.setPointerCapture(e.pointerId); } catch { /* pointer already gone */ }
  canvas.classList.add('is-dragging');
  e.preventDefault();
  scheduleRender();
}

function onPointerMove(e) {
  const [px, py] = localPoint(e);
  if (drag && e.pointerId === drag.id) {
    if (!drag.moved && Math.hypot(px - drag.startX, py - drag.startY) > MOVE_SLOP) {
      drag.moved = true;
      cancelLongPress();
    }
    if (!drag.moved || drag.consumed) return;
    const [wx, wy] = plot.toWorld(px, py);
    if (drag.type === 'query') {
      setQuery(wx - drag.offset[0], wy - drag.offset[1]);
      state.query = [round4(state.query[0]), round4(state.query[1])];
      scheduleRender();
    } else if (drag.type === 'key' && !drag.inStrip && !isLong()) {
      moveKey(drag.index, wx, wy);
      scheduleRender();
    }
    return;
  }
  if (drag) return;
  // hover
  const hit = plot.hitTest(px, py, scene, e.pointerType);
  const hovered = hit && hit.type === 'key' ? hit.index : -1;
  plot.canvas.classList.toggle('is-over-handle', !!hit);
  if (hovered !== state.hovered) {
    state.hovered = hovered;
    scheduleRender();
  }
}

function onPointerUp(e) {
  if (!drag || e.pointerId !== drag.id) return;
  cancelLongPress();
  const d = drag;
  drag = null;
  plot.canvas.classList.remove('is-dragging');
  try { plot.canvas.releasePointerCapture(e.pointerId); } catch { /* released */ }
  if (d.consumed) { scheduleRender(); return; }
  if (!d.moved) {
    const [px, py] = localPoint(e);
    if (d.type === 'empty') {
      if (plot.inCirclePanel(px, py) && !isLong()) {
        const [wx, wy] = plot.toWorld(px, py);
        addKey(wx, wy);
      } else {
        state.selected = -1;
      }
    } else if (d.type === 'key') {
      const now = performance.now();
      if (lastTap && lastTap.index === d.index && now - lastTap.time < DOUBLE_TAP_MS) {
        lastTap = null;
        removeKey(d.index);
      } else {
        lastTap = { index: d.index, time: now };
      }
    }
  }
  if (d.pointerType !== 'mouse') state.hovered = -1;
  scheduleRender();
}

function onPointerCancel(e) {
  if (!drag || e.pointerId !== drag.id) return;
  cancelLongPress();
  drag = null;
  plot.canvas.classList.remove('is-dragging');
  scheduleRender();
}

function onPointerLeave() {
  if (drag) return;
  plot.canvas.classList.remove('is-over-handle');
  if (state.hovered !== -1) {
    state.hovered = -1;
    scheduleRender();
  }
}

// ---------------------------------------------------------------- keyboard

function onKeyDown(e) {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  const fine = e.shiftKey;
  const r = Math.hypot(state.query[0], state.query[1]);
  const a = r > 1e-9 ? Math.atan2(state.query[1], state.query[0]) : lastQueryAngle;
  const dA = (fine ? 1 : 5) * Math.PI / 180;
  const dR = fine ? 0.02 : 0.1;
  let handled = true;
  switch (e.key) {
    case 'ArrowLeft': setQueryPolar(r, a + dA); break;    // counter-clockwise
    case 'ArrowRight': setQueryPolar(r, a - dA); break;   // clockwise
    case 'ArrowUp': case '+': case '=': setQueryPolar(r + dR, a); break;
    case 'ArrowDown': case '-': case '_': setQueryPolar(r - dR, a); break;
    case 'Delete': case 'Backspace':
      if (state.selected >= 0) removeKey(state.selected);
      break;
    case 'Escape': state.selected = -1; break;
    default: handled = false;
  }
  if (!handled) return;
  e.preventDefault();
  scheduleRender();
}

let announceTimer = 0;
function setStatus(text) {
  const el = document.getElementById('plot-status');
  if (el) el.textContent = text;
}
function announce(text) {
  setStatus(text);
  pendingAnnouncement = text;
}
// A polite summary after each change (debounced): query angle, κ and the top 3 keys.
let pendingAnnouncement = '';
function scheduleSummary(shown, c, kappa, phi) {
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => {
    let top = '';
    if (shown) {
      const idx = topIndices(shown.weights, Math.min(3, c.n));
      top = ` Top keys: ${idx.map((i) => `key ${i} weight ${shown.weights[i].toFixed(3)}`).join(', ')}.`;
    }
    const prefix = pendingAnnouncement ? `${pendingAnnouncement} ` : '';
    pendingAnnouncement = '';
    setStatus(`${prefix}Query angle ${(phi * 180 / Math.PI).toFixed(0)} degrees, κ ${kappa.toFixed(2)}.${top}`);
  }, 300);
}

// ---------------------------------------------------------------- the form

const form = () => document.getElementById('controls');

function syncForm() {
  const f = form();
  const el = (name) => f.elements.namedItem(name);
  el('n').value = String(Math.min(MAX_EDITABLE, Math.max(1, isLong() ? state.n : state.keys.length || state.n)));
  document.getElementById('n-out').textContent = el('n').value;
  el('n').disabled = isLong();
  el('long').value = String(state.longContext);
  if (el('long').value !== String(state.longContext)) el('long').value = '0';
  el('layout').value = state.layout;
  el('seed').value = String(state.seed);
  el('clusters').value = String(state.clusters);
  el('clusters').disabled = state.layout !== 'clusters';
  el('normalize').checked = state.normalizeKeys;
  el('randomLengths').checked = state.randomLengths;
  for (const radio of f.querySelectorAll('input[name="scaleMode"]')) radio.checked = radio.value === state.scaleMode;
  el('scale').value = String(state.customScale);
  document.getElementById('scale-out').textContent = currentScale().toFixed(2);
  el('showValues').checked = state.showValues;
  el('showGaussian').checked = state.showGaussian;
  document.querySelector('.legend').classList.toggle('no-values', !state.showValues);
  const lw = document.getElementById('legend-weight');
  lw.innerHTML = isLong()
    ? '<b>weights</b>: blue ring = weight per 2° bin of keys, the largest bin drawn 1 unit out; green ring = key density'
    : '<b>weight w<sub>i</sub></b>: blue offset from its key = w<sub>i</sub> × 1 unit';
  const ls = document.getElementById('legend-strip');
  ls.innerHTML = isLong()
    ? '<b>strip</b>: mean weight per 2° bin along a line (x = key angle, y = weight); curve = von Mises density · 2π/n'
    : '<b>strip</b>: the same weights along a line (x = key angle, y = weight); curve = von Mises density · 2π/n';
}

function bindForm() {
  const f = form();
  f.addEventListener('submit', (e) => e.preventDefault());
  f.addEventListener('input', (e) => {
    const t = e.target;
    switch (t.name) {
      case 'n': setState({ n: Number(t.value), longContext: 0 }); break;
      case 'scale': setState({ scaleMode: 'custom', customScale: Number(t.value) }); break;
      default: return;
    }
  });
  f.addEventListener('change', (e) => {
    const t = e.target;
    switch (t.name) {
      case 'long': setState({ longContext: Number(t.value) }); break;
      case 'layout': setState({ layout: t.value }); break;
      case 'seed': {
        const v = Math.max(1, Math.min(99999, Math.round(Number(t.value) || 1)));
        setState({ seed: v });
        break;
      }
      case 'clusters': {
        const v = Math.max(1, Math.min(8, Math.round(Number(t.value) || 1)));
        setState({ clusters: v });
        break;
      }
      case 'normalize': setState({ normalizeKeys: t.checked }); break;
      case 'randomLengths': setState({ randomLengths: t.checked }); break;
      case 'scaleMode': setState({ scaleMode: t.value }); break;
      case 'showValues': setState({ showValues: t.checked }); break;
      case 'showGaussian': setState({ showGaussian: t.checked }); break;
      default: break;
    }
  });
  f.querySelectorAll('[data-preset]').forEach((btn) => {
    btn.addEventListener('click', () => applyPreset(btn.dataset.preset));
  });
  document.getElementById('reset').addEventListener('click', () => {
    notice.clear('ui');
    setState({ ...DEFAULTS, query: [...DEFAULTS.query], regenerate: true });
  });
}

const PRESETS = {
  sharp: () => ({ ...DEFAULTS, n: 8, scaleMode: 'custom', customScale: 4, query: polar(1.9, 35) }),
  blunt: () => ({ ...DEFAULTS, n: 8, scaleMode: 'one', query: polar(0.35, 35) }),
  farside: () => ({ ...DEFAULTS, n: 12, scaleMode: 'custom', customScale: -2, query: polar(1.5, 30) }),
  clusters: () => ({ ...DEFAULTS, n: 24, layout: 'clusters', clusters: 2, spread: 0.25, seed: 3, scaleMode: 'custom', customScale: 2, query: polar(1.5, 0) }),
  longkey: () => ({ ...DEFAULTS, n: 8, normalizeKeys: false, query: polar(1.5, 55), longKey: { index: 2, length: KEY_MAX } }),
  long: () => ({ ...DEFAULTS, longContext: 65536, layout: 'random', seed: 7, scaleMode: 'custom', customScale: 4, query: polar(1.9, 60), showGaussian: true }),
};

function applyPreset(name) {
  const make = PRESETS[name];
  if (!make) return;
  notice.clear('ui');
  const p = make();
  const longKey = p.longKey;
  delete p.longKey;
  setState({ ...p, regenerate: true });
  if (name === 'clusters' && state.keys.length) {
    // aim the query at the first cluster
    const [x, y] = state.keys[0];
    setQueryPolar(1.5, Math.atan2(y, x));
  }
  if (longKey) {
    const [x, y] = state.keys[longKey.index];
    const len = Math.hypot(x, y) || 1;
    state.keys[longKey.index] = [x / len * longKey.length, y / len * longKey.length];
    state.selected = longKey.index;
    keysEdited = true;
    invalidate();
  }
  render();
}

// ---------------------------------------------------------------- public API (tests)

function getState() {
  return {
    query: [state.query[0], state.query[1]],
    keys: state.keys.map((k) => [k[0], k[1]]),
    values: state.values.map((v) => [v[0], v[1]]),
    n: state.keys.length,
    layout: state.layout,
    seed: state.seed,
    clusters: state.clusters,
    spread: state.spread,
    normalizeKeys: state.normalizeKeys,
    randomLengths: state.randomLengths,
    scaleMode: state.scaleMode,
    customScale: state.customScale,
    scale: currentScale(),
    longContext: state.longContext,
    showValues: state.showValues,
    showGaussian: state.showGaussian,
    selected: state.selected,
    hovered: state.hovered,
  };
}

const REGEN_FIELDS = ['n', 'layout', 'seed', 'clusters', 'spread', 'randomLengths', 'longContext'];

/**
 * Merges a partial state and redraws synchronously. Giving n / layout / seed /
 * clusters / spread / randomLengths / longContext regenerates the keys and values
 * (unless `keys` is given too). `scale` (a number) selects the custom scale.
 */
function setState(partial = {}) {
  const p = { ...partial };
  let regen = !!p.regenerate && !('keys' in p);
  delete p.regenerate;
  if ('scale' in p) {
    if (!('scaleMode' in p)) p.scaleMode = 'custom';
    p.customScale = Number(p.scale);
    delete p.scale;
  }
  if (!('keys' in p)) {
    for (const k of REGEN_FIELDS) if (k in p && p[k] !== state[k]) regen = true;
  }
  const prev = { ...state };
  for (const key of ['n', 'layout', 'seed', 'clusters', 'spread', 'normalizeKeys', 'randomLengths',
    'scaleMode', 'customScale', 'longContext', 'showValues', 'showGaussian', 'selected', 'hovered']) {
    if (key in p) state[key] = p[key];
  }
  state.n = Math.max(1, Math.min(MAX_EDITABLE, Math.round(Number(state.n) || 1)));
  if ('query' in p) setQuery(Number(p.query[0]), Number(p.query[1]));
  if ('keys' in p) {
    const keys = Array.from(p.keys, (k) => [Number(k[0]), Number(k[1])]);
    let values;
    if ('values' in p) values = Array.from(p.values, (v) => [Number(v[0]), Number(v[1])]);
    else {
      values = state.values.slice(0, keys.length);
      while (values.length < keys.length) values.push(newValue(values.length));
    }
    state.keys = keys;
    state.values = values;
    keysEdited = true;
    if (!isLong()) state.n = Math.max(1, Math.min(MAX_EDITABLE, keys.length));
    invalidate();
  }
  if (regen) {
    try {
      generateKeys();
    } catch (e) {
      Object.assign(state, prev);
      notice.show(`The attention core could not make that layout: ${describeError(e)}`, 'ui');
    }
  }
  if ('normalizeKeys' in p) invalidate();
  if (state.selected >= state.keys.length) state.selected = -1;
  if (state.hovered >= state.keys.length) state.hovered = -1;
  syncForm();
  render();
  return getState();
}

// ---------------------------------------------------------------- share: URL hash, link, downloads

/** The state as state.js's fields (keys/values only when the user edited keys). */
function shareState() {
  const explicit = keysEdited && !isLong();
  return {
    n: Math.max(1, Math.min(MAX_EDITABLE, isLong() ? state.n : state.keys.length || state.n)),
    layout: state.layout,
    seed: state.seed,
    clusters: state.clusters,
    spread: state.spread,
    normalizeKeys: state.normalizeKeys,
    randomLengths: state.randomLengths,
    scaleMode: state.scaleMode,
    customScale: state.customScale,
    query: [state.query[0], state.query[1]],
    longContext: state.longContext,
    showValues: state.showValues,
    showGaussian: state.showGaussian,
    keys: explicit ? state.keys.map((k) => [k[0], k[1]]) : null,
    values: explicit ? state.values.map((v) => [v[0], v[1]]) : null,
    controls: shareExtras.controls,
    theme: shareExtras.theme,
  };
}

let hashWriteRequested = false;
let lastHashWrite = -Infinity;
// Chromium ignores (and warns about) more than ~200 history updates per 10 s, so on top of
// "once per frame" the writes are spaced at least this far apart; the last state always lands.
const HASH_MIN_INTERVAL_MS = 100;
/** Writes the state into the URL hash with replaceState, at most once per frame. */
function scheduleHashWrite() {
  if (hashWriteRequested) return;
  hashWriteRequested = true;
  const wait = Math.max(0, lastHashWrite + HASH_MIN_INTERVAL_MS - performance.now());
  const go = () => requestAnimationFrame(writeHash);
  if (wait > 0) setTimeout(go, wait); else go();
}

function writeHash() {
  hashWriteRequested = false;
  const hash = `#${serialize(shareState())}`;
  if (location.hash === hash) return;
  if (hash === '#v=1' && location.hash === '') return; // a clean page keeps a clean URL
  lastHashWrite = performance.now();
  try {
    history.replaceState(history.state, '', hash);
  } catch { /* some sandboxed contexts refuse; the link button still works */ }
}

/** Applies the URL hash (on load and on hashchange). Every notice is shown; good fields are kept. */
function applyHash(hash) {
  const { state: s, notices } = parseHash(hash);
  shareExtras = { controls: s.controls, theme: s.theme };
  if (EMBED) document.body.dataset.controls = s.controls;
  const patch = {
    n: s.n, layout: s.layout, seed: s.seed, clusters: s.clusters, spread: s.spread,
    normalizeKeys: s.normalizeKeys, randomLengths: s.randomLengths, scaleMode: s.scaleMode,
    customScale: s.customScale, query: s.query, longContext: s.longContext,
    showValues: s.showValues, showGaussian: s.showGaussian, regenerate: true,
  };
  if (s.keys && s.longContext === 0) {
    patch.keys = s.keys;
    if (s.values) {
      const values = s.values.slice(0, s.keys.length);
      if (values.length < s.keys.length) {
        notices.push(`values: ${s.values.length} values for ${s.keys.length} keys; the missing values were generated.`);
      }
      patch.values = values;
    }
  } else if (s.keys) {
    notices.push('keys: explicit keys are ignored in long context; the layout makes them.');
  }
  if (s.values && !s.keys) notices.push('values: explicit values need explicit keys too; the layout makes them.');
  if (notices.length) notice.show(`The link's settings: ${notices.join(' ')}`, 'hash');
  else notice.clear('hash');
  setState(patch);
  if (patch.values) {
    // pad missing values (setState keeps the given list as is)
    while (state.values.length < state.keys.length) state.values.push(newValue(state.values.length));
    invalidate();
    render();
  }
}

function shareLink() {
  return `${location.origin}${location.pathname}#${serialize(shareState())}`;
}

const escapeAttr = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The <attention-plot> and iframe snippets for the current state. */
function embedSnippets() {
  const s = shareState();
  const attrs = [];
  for (const [name, f] of Object.entries(FIELDS)) {
    if (s[name] === undefined) continue;
    const text = format(name, s[name]);
    if (text === format(name, f.def)) continue;
    attrs.push(` ${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${escapeAttr(text)}"`);
  }
  const element = `<script src="attention-plot.js"></script>\n<attention-plot${attrs.join('')}></attention-plot>`;
  const dir = location.pathname.replace(/[^/]*$/, '');
  const src = `${location.origin}${dir}embed.html#${serialize(s)}`;
  const iframe = `<iframe id="attention-plot" title="Attention plot" sandbox="allow-scripts" style="width:100%;border:0"\n        src="${escapeAttr(src)}"></iframe>\n`
    + `<script>\n  addEventListener('message', (e) => {\n    if (e.data?.type === 'attention-plot:height' && Number.isFinite(e.data.height))\n`
    + `      document.getElementById('attention-plot').style.height = \`\${e.data.height}px\`;\n  });\n</script>`;
  return { element, iframe };
}

function setShareStatus(text) {
  const el = document.getElementById('share-status');
  if (el) el.textContent = text;
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function exportJson() {
  const r = lastResult;
  return {
    version: 1,
    link: shareLink(),
    state: { ...shareState(), keys: state.keys.map((k) => [k[0], k[1]]), values: state.values.map((v) => [v[0], v[1]]) },
    scale: currentScale(),
    weights: r ? Array.from(r.weights) : null,
    logits: r ? Array.from(r.logits) : null,
    argmax: r ? r.argmax : null,
    entropy: r ? r.entropy : null,
    output: r && r.output ? Array.from(r.output) : null,
  };
}

function bindShare() {
  document.getElementById('copy-link')?.addEventListener('click', async () => {
    const link = shareLink();
    try {
      await navigator.clipboard.writeText(link);
      setShareStatus('Link copied.');
    } catch {
      setShareStatus(`Copy this link: ${link}`);
    }
  });
  document.getElementById('download-png')?.addEventListener('click', () => {
    plot.canvas.toBlob((blob) => {
      if (blob) { download(blob, 'attention-plot.png'); setShareStatus('PNG saved.'); }
      else setShareStatus('The browser could not make a PNG of the plot.');
    }, 'image/png');
  });
  document.getElementById('copy-embed')?.addEventListener('click', async () => {
    const { element, iframe } = embedSnippets();
    const text = `<!-- Element (one script, no iframe) -->\n${element}\n\n<!-- Or an iframe -->\n${iframe}\n`;
    const box = document.getElementById('embed-code');
    try {
      await navigator.clipboard.writeText(text);
      if (box) box.hidden = true;
      setShareStatus('Embed code copied.');
    } catch {
      if (box) { box.value = text; box.hidden = false; box.select(); }
      setShareStatus('Copy the embed code below.');
    }
  });
  document.getElementById('download-svg')?.addEventListener('click', () => {
    download(new Blob([plot.toSVG()], { type: 'image/svg+xml' }), 'attention-plot.svg');
    setShareStatus('SVG saved.');
  });
  document.getElementById('download-json')?.addEventListener('click', () => {
    const blob = new Blob([JSON.stringify(exportJson(), null, 2)], { type: 'application/json' });
    download(blob, 'attention-state.json');
    setShareStatus('JSON saved.');
  });
  window.addEventListener('hashchange', () => applyHash(location.hash));
}

// ---------------------------------------------------------------- embed (web/embed.html in an iframe)

const EMBED = document.body.classList.contains('embed');

/** Tells the parent page how tall the embed is (it may live on another origin). */
function postHeight() {
  if (!EMBED || window.parent === window) return;
  // The body's own height: documentElement.scrollHeight never drops below the frame's height.
  const height = Math.ceil(document.body.getBoundingClientRect().bottom + window.scrollY);
  try {
    window.parent.postMessage({ type: 'attention-plot:height', height }, '*');
  } catch { /* no parent to tell */ }
}

function watchHeight() {
  if (!EMBED) return;
  new ResizeObserver(() => postHeight()).observe(document.body);
  postHeight();
}

// ---------------------------------------------------------------- boot

async function main() {
  const canvas = document.getElementById('plot');
  notice = new Notice(document.getElementById('notice'), document.getElementById('notice-message'),
    document.getElementById('notice-dismiss'));
  try {
    core = await AttentionCore.load();
  } catch (e) {
    const why = describeError(e);
    notice.show(`The WebAssembly core could not load, so nothing can be computed or drawn: ${why}`, 'load');
    const wrap = canvas.closest('.canvas-wrap');
    if (wrap) {
      const msg = document.createElement('p');
      msg.id = 'load-error';
      msg.className = 'load-error';
      msg.textContent = `The WebAssembly core could not load: ${why}. Try reloading the page; the plot needs a browser with WebAssembly enabled.`;
      wrap.prepend(msg);
      canvas.hidden = true;
    }
    document.body.dataset.ready = 'error';
    watchHeight();
    return;
  }
  plot = new Plot(canvas);
  weightList = new WeightList(document.getElementById('weight-list'), {
    onHover(i) {
      if (state.hovered !== i) { state.hovered = i; scheduleRender(); }
    },
    onSelect(i) {
      if (state.selected !== i) { state.selected = i; scheduleRender(); }
    },
    onDelete(i) {
      const next = Math.min(i, state.keys.length - 2);
      removeKey(i);
      render();
      if (next >= 0) weightList.focusRow(next);
    },
  });

  generateKeys();
  bindForm();
  bindShare();
  syncForm();

  canvas.addEventListener('pointerdown', onPointerDown);
  canvas.addEventListener('pointermove', onPointerMove);
  canvas.addEventListener('pointerup', onPointerUp);
  canvas.addEventListener('pointercancel', onPointerCancel);
  canvas.addEventListener('pointerleave', onPointerLeave);
  canvas.addEventListener('lostpointercapture', (e) => { if (drag && e.pointerId === drag.id) onPointerCancel(e); });
  canvas.addEventListener('keydown', onKeyDown);
  canvas.addEventListener('contextmenu', (e) => e.preventDefault());

  const ro = new ResizeObserver(() => {
    plot.resize();
    render();
  });
  ro.observe(canvas);
  const dark = window.matchMedia('(prefers-color-scheme: dark)');
  dark.addEventListener('change', () => { plot.refreshTheme(); render(); });

  window.playground = {
    core,
    getState,
    setState,
    get lastResult() { return lastResult; },
    render,
    plot,
    shareState,
    exportJson,
    embedSnippets,
    applyHash,
  };
  plot.resize();
  if (location.hash.length > 1) applyHash(location.hash);
  else render();
  watchHeight();
}

main();
