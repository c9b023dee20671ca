// explore.html: self-attention + masks, heads (MHA/GQA/MQA), dimension and √d, streaming softmax.
// Every number drawn here comes from the attention core (web/js/core.js -> WebAssembly);
// this file only validates settings, keeps them in the URL hash and draws.
import { AttentionCore } from './core.js';

const MODES = ['self', 'heads', 'dim', 'stream'];
const MASKS = ['none', 'causal', 'window', 'topk'];
const HEAD_COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#7a4a9e', '#8a5d00'];
const TOKEN_LIMIT = 10;   // |coordinate| of a token
const W_LIMIT = 10;       // |entry| of a projection
const DEFAULTS = {
  mode: 'self',
  self: { m: 5, tokens: null, wq: [1, 0.5, -0.3, 1], wk: [0.6, -0.8, 0.9, 0.4], wv: [1, 0, 0, 1], tie: false,
    mask: 'none', w: 2, k: 2, scale: 1 },
  heads: { h: 4, kv: 2, seed: 1 },
  dim: { d: 64, n: 64, seed: 1 },
  stream: { n: 12, block: 4, seed: 3, qx: 2, qy: 1, step: 0 },
};

let core = null;
let state = structuredClone(DEFAULTS);
let lastResult = null;
let defaultTokens = [];  // 16 seeded points from the core; tokens default to a prefix
const $ = (id) => document.getElementById(id);
const round2 = (x) => Math.round(x * 100) / 100;

// ---------------------------------------------------------------------------------
// Notices (textContent only: a bad value is never interpreted as HTML).

const notices = [];
function note(message) { notices.push(message); }
function flushNotices() {
  const list = $('notice-list');
  if (notices.length === 0) return;
  list.replaceChildren(...notices.map((m) => { const li = document.createElement('li'); li.textContent = m; return li; }));
  $('notice').hidden = false;
  notices.length = 0;
}
function showError(where, err) {
  note(`${where}: the core said: ${err.message}`);
  flushNotices();
}

const shown = (raw) => JSON.stringify(String(raw).length > 40 ? String(raw).slice(0, 40) + '…' : String(raw));

// Reads one setting: a number in [lo, hi] (whole when `whole`); anything else gets a notice
// naming the field, the bad value and the value used.
function checkedValue(field, raw, lo, hi, fallback, whole) {
  const v = typeof raw === 'number' ? raw : (String(raw).trim() === '' ? NaN : Number(raw));
  if (whole ? !Number.isInteger(v) : !Number.isFinite(v)) {
    note(`${field}: ${shown(raw)} is not a ${whole ? 'whole number' : 'number'}; using ${fallback}`);
    return fallback;
  }
  if (v < lo || v > hi) {
    const c = Math.min(hi, Math.max(lo, v));
    note(`${field}: ${v} is outside ${lo}…${hi}; using ${c}`);
    return c;
  }
  return v;
}
const intValue = (field, raw, lo, hi, fallback) => checkedValue(field, raw, lo, hi, fallback, true);
const numValue = (field, raw, lo, hi, fallback) => checkedValue(field, raw, lo, hi, fallback, false);
function numList(field, raw, count, lo, hi, fallback) {
  const parts = String(raw).split(',');
  if (parts.length !== count) {
    note(`${field}: ${shown(raw)} does not have ${count} comma-separated numbers; using ${fallback.join(',')}`);
    return fallback.slice();
  }
  return parts.map((p, i) => numValue(`${field}[${i}]`, p, lo, hi, fallback[i]));
}
const divisors = (h) => Array.from({ length: h }, (_, i) => i + 1).filter((k) => h % k === 0);

// ---------------------------------------------------------------------------------
// URL hash <-> state.

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const s = structuredClone(DEFAULTS);
  const has = (k) => p.has(k);
  if (has('mode')) {
    const m = p.get('mode');
    if (MODES.includes(m)) s.mode = m; else note(`mode: ${shown(m)} is not one of ${MODES.join(', ')}; using self`);
  }
  const S = s.self;
  if (has('m')) S.m = intValue('m', p.get('m'), 2, 16, DEFAULTS.self.m);
  if (has('tokens')) {
    const rows = p.get('tokens').split(';');
    const toks = [];
    rows.forEach((r, i) => toks.push(numList(`tokens[${i}]`, r, 2, -TOKEN_LIMIT, TOKEN_LIMIT, defaultTokens[i % 16])));
    if (!has('m')) {
      S.m = Math.min(16, Math.max(2, toks.length));
      if (S.m !== toks.length) note(`tokens: ${toks.length} tokens given; using ${S.m}`);
    } else if (toks.length !== S.m) {
      note(`tokens: ${toks.length} tokens given but m = ${S.m}; using ${S.m} (${toks.length > S.m ? 'dropped the rest' : 'filled in defaults'})`);
    }
    S.tokens = Array.from({ length: S.m }, (_, i) => toks[i] ?? defaultTokens[i].slice());
  }
  for (const w of ['wq', 'wk', 'wv']) if (has(w)) S[w] = numList(w, p.get(w), 4, -W_LIMIT, W_LIMIT, DEFAULTS.self[w]);
  if (has('tie')) {
    const t = p.get('tie');
    if (t === '1' || t === '0') S.tie = t === '1'; else note(`tie: ${shown(t)} is not 0 or 1; using 0`);
  }
  if (has('mask')) {
    let m = p.get('mask');
    const colon = /^(window|topk):(.*)$/.exec(m);
    if (colon) { m = colon[1]; p.set(colon[1] === 'window' ? 'w' : 'k', colon[2]); }
    if (MASKS.includes(m)) S.mask = m; else note(`mask: ${shown(m)} is not one of ${MASKS.join(', ')}; using none`);
  }
  if (p.has('w')) S.w = intValue('w', p.get('w'), 1, 16, DEFAULTS.self.w);
  if (p.has('k')) S.k = intValue('k', p.get('k'), 1, S.m, Math.min(DEFAULTS.self.k, S.m));
  if (S.k > S.m) { note(`k: ${S.k} is more than m = ${S.m}; using ${S.m}`); S.k = S.m; }
  if (has('scale')) S.scale = numValue('scale', p.get('scale'), -10, 10, DEFAULTS.self.scale);

  const H = s.heads;
  if (has('h')) H.h = intValue('h', p.get('h'), 1, 8, DEFAULTS.heads.h);
  if (has('kv')) H.kv = intValue('kv', p.get('kv'), 1, 8, Math.min(DEFAULTS.heads.kv, H.h));
  if (H.h % H.kv !== 0) {
    const fixed = Math.max(...divisors(H.h).filter((k) => k <= H.kv));
    note(`kv: ${H.kv} does not divide h = ${H.h}; using ${fixed}`);
    H.kv = fixed;
  }
  if (has('hseed')) H.seed = intValue('hseed', p.get('hseed'), 0, 2 ** 31 - 1, DEFAULTS.heads.seed);

  const D = s.dim;
  if (has('d')) {
    const d = intValue('d', p.get('d'), 2, 1024, DEFAULTS.dim.d);
    const pow = 2 ** Math.min(10, Math.max(1, Math.round(Math.log2(d))));
    if (pow !== d) note(`d: ${d} is not a power of 2; using ${pow}`);
    D.d = pow;
  }
  if (has('n')) D.n = intValue('n', p.get('n'), 2, 4096, DEFAULTS.dim.n);
  if (has('dseed')) D.seed = intValue('dseed', p.get('dseed'), 0, 2 ** 31 - 1, DEFAULTS.dim.seed);

  const T = s.stream;
  if (has('sn')) T.n = intValue('sn', p.get('sn'), 2, 64, DEFAULTS.stream.n);
  if (has('block')) T.block = intValue('block', p.get('block'), 1, T.n, Math.min(DEFAULTS.stream.block, T.n));
  if (T.block > T.n) { note(`block: ${T.block} is more than sn = ${T.n}; using ${T.n}`); T.block = T.n; }
  if (has('sseed')) T.seed = intValue('sseed', p.get('sseed'), 0, 2 ** 31 - 1, DEFAULTS.stream.seed);
  if (has('qx')) T.qx = numValue('qx', p.get('qx'), -5, 5, DEFAULTS.stream.qx);
  if (has('qy')) T.qy = numValue('qy', p.get('qy'), -5, 5, DEFAULTS.stream.qy);
  const nb = Math.ceil(T.n / T.block);
  if (has('step')) T.step = intValue('step', p.get('step'), 0, nb, 0);
  if (!S.tokens) S.tokens = defaultTokens.slice(0, S.m).map((t) => t.slice());
  return s;
}

function writeHash() {
  const S = state.self, H = state.heads, D = state.dim, T = state.stream;
  const p = new URLSearchParams();
  p.set('mode', state.mode);
  p.set('m', S.m);
  p.set('tokens', S.tokens.map((t) => t.join(',')).join(';'));
  p.set('wq', S.wq.join(','));
  p.set('wk', S.wk.join(','));
  p.set('wv', S.wv.join(','));
  p.set('tie', S.tie ? '1' : '0');
  p.set('mask', S.mask);
  p.set('w', S.w);
  p.set('k', S.k);
  p.set('scale', S.scale);
  p.set('h', H.h);
  p.set('kv', H.kv);
  p.set('hseed', H.seed);
  p.set('d', D.d);
  p.set('n', D.n);
  p.set('dseed', D.seed);
  p.set('sn', T.n);
  p.set('block', T.block);
  p.set('sseed', T.seed);
  p.set('qx', T.qx);
  p.set('qy', T.qy);
  p.set('step', T.step);
  history.replaceState(null, '', `#${p.toString().replace(/%2C/g, ',').replace(/%3B/g, ';')}`);
}

// ---------------------------------------------------------------------------------
// Drawing helpers.

function colours() {
  const cs = getComputedStyle(document.documentElement);
  const get = (n) => cs.getPropertyValue(n).trim();
  return { bg: get('--bg'), fg: get('--fg'), muted: get('--muted'), grid: get('--grid'), axis: get('--axis'),
    border: get('--border'), query: get('--query'), key: get('--key'), weight: get('--weight'),
    value: get('--value'), output: get('--output'), accent: get('--accent'), surface: get('--surface') };
}

// Sizes the backing store to the CSS size × devicePixelRatio; returns {ctx, w, h} in CSS px.
function prepare(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 300, h = canvas.clientHeight || 300;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}

const fmt = (x, digits = 3) => (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(digits) : x.toExponential(2));
function setOut(el, value, text) {
  el.dataset.value = String(value);
  el.textContent = text ?? fmt(value, 4);
}

// Heatmap of an m×m row-major matrix; masked cells (weight exactly 0 under a mask: the core
// zeroes masked entries) are grey and hatched. Returns the geometry for hit tests.
function drawHeatmap(canvas, weights, m, masked, { labels = true, colour } = {}) {
  const { ctx, w, h } = prepare(canvas);
  const c = colours();
  const pad = labels ? 20 : 2;
  const size = Math.min(w, h) - pad - 2;
  const cell = size / m;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const x = pad + j * cell, y = pad + i * cell;
      const a = weights[i * m + j];
      if (masked[i * m + j]) {
        ctx.fillStyle = c.grid;
        ctx.fillRect(x, y, cell, cell);
        ctx.strokeStyle = c.axis;
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(x + 2, y + cell - 2);
        ctx.lineTo(x + cell - 2, y + 2);
        ctx.stroke();
      } else {
        ctx.fillStyle = c.bg;
        ctx.fillRect(x, y, cell, cell);
        ctx.globalAlpha = Math.max(0, Math.min(1, a));
        ctx.fillStyle = colour ?? c.weight;
        ctx.fillRect(x, y, cell, cell);
        ctx.globalAlpha = 1;
        if (labels && m <= 8) {
          ctx.fillStyle = a > 0.55 ? '#ffffff' : c.fg;
          ctx.fillText(a.toFixed(2), x + cell / 2, y + cell / 2);
        }
      }
    }
  }
  ctx.strokeStyle = c.border;
  ctx.lineWidth = 1;
  ctx.strokeRect(pad, pad, size, size);
  if (labels) {
    ctx.fillStyle = c.muted;
    for (let i = 0; i < m; i++) {
      ctx.fillText(String(i), pad + (i + 0.5) * cell, pad / 2);
      ctx.fillText(String(i), pad / 2, pad + (i + 0.5) * cell);
    }
  }
  return { pad, cell, m };
}

// A world -> screen map for a square canvas showing [-R, R]².
function worldView(w, h, R) {
  const s = Math.min(w, h) / (2 * R);
  return { R, s, toScreen: (x, y) => [w / 2 + x * s, h / 2 - y * s], toWorld: (px, py) => [(px - w / 2) / s, (h / 2 - py) / s] };
}
function drawAxes(ctx, w, h, view, c) {
  ctx.strokeStyle = c.grid;
  ctx.lineWidth = 1;
  for (let g = -Math.floor(view.R); g <= Math.floor(view.R); g++) {
    const [gx] = view.toScreen(g, 0), [, gy] = view.toScreen(0, g);
    ctx.beginPath(); ctx.moveTo(gx, 0); ctx.lineTo(gx, h); ctx.stroke();
    ctx.beginPath(); ctx.moveTo(0, gy); ctx.lineTo(w, gy); ctx.stroke();
  }
  ctx.strokeStyle = c.axis;
  const [ox, oy] = view.toScreen(0, 0);
  ctx.beginPath(); ctx.moveTo(0, oy); ctx.lineTo(w, oy); ctx.moveTo(ox, 0); ctx.lineTo(ox, h); ctx.stroke();
}
function marker(ctx, kind, x, y, r, fill) {
  ctx.fillStyle = fill;
  ctx.strokeStyle = fill;
  ctx.beginPath();
  if (kind === 'circle') ctx.arc(x, y, r, 0, 2 * Math.PI);
  else if (kind === 'square') ctx.rect(x - r, y - r, 2 * r, 2 * r);
  else if (kind === 'diamond') { ctx.moveTo(x, y - r * 1.3); ctx.lineTo(x + r * 1.3, y); ctx.lineTo(x, y + r * 1.3); ctx.lineTo(x - r * 1.3, y); ctx.closePath(); }
  else if (kind === 'cross') {
    ctx.lineWidth = 2.5;
    ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.moveTo(x - r, y + r); ctx.lineTo(x + r, y - r);
    ctx.stroke();
    return;
  }
  ctx.fill();
}
const rowsOf = (flat, cols) => Array.from({ length: flat.length / cols }, (_, i) => Array.from(flat.slice(i * cols, (i + 1) * cols)));
const mat2 = (a) => [[a[0], a[1]], [a[2], a[3]]];

// ---------------------------------------------------------------------------------
// a. Self-attention.

let selfView = null;   // frozen during a drag
let dragging = -1;
let selfGeom = null;   // heatmap geometry

function maskString(S) {
  if (S.mask === 'window') return `window:${S.w}`;
  if (S.mask === 'topk') return `topk:${S.k}`;
  return S.mask;
}
function maskedOf(weights, maskName) {
  return Array.from(weights, (a) => maskName !== 'none' && a === 0);
}

function selfConfig() {
  const S = state.self;
  return { tokens: S.tokens.map((t) => t.slice()), wq: [mat2(S.wq)], wk: [mat2(S.tie ? S.wq : S.wk)], wv: [mat2(S.wv)],
    heads: 1, kvHeads: 1, scale: S.scale, mask: maskString(S) };
}

function renderSelf() {
  const S = state.self;
  const cfg = selfConfig();
  const r = core.selfAttention(cfg);
  const h = r.heads[0];
  const m = S.m;
  const masked = maskedOf(h.weights, S.mask);
  lastResult = { mode: 'self', config: cfg, result: r, masked };
  syncSelfInputs();

  setOut($('self-logit-asym'), h.logitAsymmetry, fmt(h.logitAsymmetry, 4));
  setOut($('self-weight-asym'), h.weightAsymmetry, fmt(h.weightAsymmetry, 4));

  // Tokens, Q, K, V, O.
  const canvas = $('self-plot');
  const { ctx, w, h: ch } = prepare(canvas);
  const c = colours();
  const q = rowsOf(h.q, 2), k = rowsOf(h.k, 2), v = rowsOf(h.v, 2), o = rowsOf(h.output, 2);
  if (!selfView || dragging < 0) {
    let ext = 1.5;
    for (const p of [...S.tokens, ...q, ...k, ...v, ...o]) ext = Math.max(ext, Math.abs(p[0]), Math.abs(p[1]));
    selfView = worldView(w, ch, Math.min(12, Math.ceil(ext * 1.1 + 0.2)));
  }
  const view = selfView;
  drawAxes(ctx, w, ch, view, c);
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'bottom';
  const label = (text, x, y, col) => { ctx.fillStyle = col; ctx.fillText(text, x + 6, y - 3); };
  for (let i = 0; i < m; i++) {
    const [tx, ty] = view.toScreen(...S.tokens[i]);
    const [ox, oy] = view.toScreen(...o[i]);
    ctx.strokeStyle = c.output; ctx.globalAlpha = 0.35; ctx.lineWidth = 1; ctx.setLineDash([3, 3]);
    ctx.beginPath(); ctx.moveTo(tx, ty); ctx.lineTo(ox, oy); ctx.stroke();
    ctx.setLineDash([]); ctx.globalAlpha = 1;
  }
  for (let i = 0; i < m; i++) {
    const [qx, qy] = view.toScreen(...q[i]);
    marker(ctx, 'circle', qx, qy, 3.5, c.accent); label(`q${i}`, qx, qy, c.accent);
    const [kx, ky] = view.toScreen(...k[i]);
    marker(ctx, 'square', kx, ky, 3.5, c.key); label(`k${i}`, kx, ky, c.key);
    const [vx, vy] = view.toScreen(...v[i]);
    marker(ctx, 'diamond', vx, vy, 3.5, c.value); label(`v${i}`, vx, vy, c.value);
    const [ox, oy] = view.toScreen(...o[i]);
    marker(ctx, 'cross', ox, oy, 4.5, c.output); label(`o${i}`, ox, oy, c.output);
  }
  for (let i = 0; i < m; i++) {
    const [tx, ty] = view.toScreen(...S.tokens[i]);
    marker(ctx, 'circle', tx, ty, 9, c.query);
    ctx.fillStyle = c.bg;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(String(i), tx, ty + 0.5);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'bottom';
  }

  // Heatmap and network.
  selfGeom = drawHeatmap($('self-heatmap'), h.weights, m, masked);
  $('self-heatmap').dataset.masked = masked.map((x) => (x ? 1 : 0)).join('');
  drawNetwork($('self-network'), h.weights, m, c);

  // Numbers table (also the data the tests read).
  const table = $('self-table');
  const head = document.createElement('tr');
  for (const t of ['i', ...Array.from({ length: m }, (_, j) => `A[i,${j}]`), 'entropy', 'q', 'k', 'v', 'o']) {
    const th = document.createElement('th'); th.textContent = t; head.append(th);
  }
  const rows = [head];
  for (let i = 0; i < m; i++) {
    const tr = document.createElement('tr');
    tr.dataset.row = i;
    const td0 = document.createElement('th'); td0.textContent = String(i); tr.append(td0);
    for (let j = 0; j < m; j++) {
      const td = document.createElement('td');
      const a = h.weights[i * m + j];
      Object.assign(td.dataset, { i, j, weight: a, logit: h.logits[i * m + j], masked: masked[i * m + j] ? '1' : '0' });
      td.textContent = masked[i * m + j] ? '—' : a.toFixed(3);
      if (masked[i * m + j]) td.className = 'is-masked';
      tr.append(td);
    }
    const te = document.createElement('td'); te.textContent = h.entropy[i].toFixed(3); te.dataset.entropy = h.entropy[i]; tr.append(te);
    for (const [name, arr] of [['q', q], ['k', k], ['v', v], ['o', o]]) {
      const td = document.createElement('td');
      td.dataset[name] = arr[i].join(',');
      td.textContent = `(${arr[i][0].toFixed(2)}, ${arr[i][1].toFixed(2)})`;
      tr.append(td);
    }
    rows.push(tr);
  }
  table.replaceChildren(...rows);
}

function drawNetwork(canvas, weights, m, c) {
  const { ctx, w, h } = prepare(canvas);
  const cx = w / 2, cy = h / 2, R = Math.min(w, h) * 0.36, nodeR = 11;
  const pos = Array.from({ length: m }, (_, i) => {
    const t = Math.PI / 2 - (2 * Math.PI * i) / m;
    return [cx + R * Math.cos(t), cy - R * Math.sin(t)];
  });
  ctx.strokeStyle = c.weight;
  ctx.fillStyle = c.weight;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const a = weights[i * m + j];
      if (!(a > 0)) continue;  // masked (or underflowed) edges are absent
      ctx.globalAlpha = 0.25 + 0.65 * a;
      ctx.lineWidth = 0.5 + 9 * a;
      const [x0, y0] = pos[i], [x1, y1] = pos[j];
      if (i === j) {
        const dx = x0 - cx, dy = y0 - cy, len = Math.hypot(dx, dy) || 1;
        ctx.beginPath();
        ctx.arc(x0 + (dx / len) * (nodeR + 8), y0 + (dy / len) * (nodeR + 8), 8, 0, 2 * Math.PI);
        ctx.stroke();
        continue;
      }
      const dx = x1 - x0, dy = y1 - y0, len = Math.hypot(dx, dy);
      const nx = -dy / len, ny = dx / len, bend = 0.12 * len;
      const mx = (x0 + x1) / 2 + nx * bend, my = (y0 + y1) / 2 + ny * bend;
      // End the curve at the target node's rim, with an arrowhead.
      const ex = x1 - ((x1 - mx) / Math.hypot(x1 - mx, y1 - my)) * (nodeR + 2);
      const ey = y1 - ((y1 - my) / Math.hypot(x1 - mx, y1 - my)) * (nodeR + 2);
      ctx.beginPath(); ctx.moveTo(x0, y0); ctx.quadraticCurveTo(mx, my, ex, ey); ctx.stroke();
      const ang = Math.atan2(ey - my, ex - mx), ah = 5 + 6 * a;
      ctx.beginPath();
      ctx.moveTo(ex, ey);
      ctx.lineTo(ex - ah * Math.cos(ang - 0.45), ey - ah * Math.sin(ang - 0.45));
      ctx.lineTo(ex - ah * Math.cos(ang + 0.45), ey - ah * Math.sin(ang + 0.45));
      ctx.closePath(); ctx.fill();
    }
  }
  ctx.globalAlpha = 1;
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (let i = 0; i < m; i++) {
    marker(ctx, 'circle', pos[i][0], pos[i][1], nodeR, c.query);
    ctx.fillStyle = c.bg;
    ctx.fillText(String(i), pos[i][0], pos[i][1] + 0.5);
  }
}

function buildMatrixInputs() {
  for (const name of ['wq', 'wk', 'wv']) {
    const fs = $(`self-${name}`);
    for (let e = 0; e < 4; e++) {
      const input = document.createElement('input');
      input.type = 'number';
      input.step = '0.1';
      input.id = `self-${name}-${e}`;
      input.setAttribute('aria-label', `${name.toUpperCase()} row ${e >> 1} column ${e & 1}`);
      input.addEventListener('change', () => {
        state.self[name][e] = numValue(`${name}[${e}]`, input.value, -W_LIMIT, W_LIMIT, state.self[name][e]);
        changed();
      });
      fs.append(input);
    }
  }
}

function syncSelfInputs() {
  const S = state.self;
  $('self-m').value = S.m;
  $('self-mask').value = S.mask;
  $('self-size-label').hidden = S.mask === 'none' || S.mask === 'causal';
  $('self-size-label').firstChild.textContent = S.mask === 'topk' ? 'k ' : 'w ';
  $('self-size').value = S.mask === 'topk' ? S.k : S.w;
  $('self-size').max = S.mask === 'topk' ? S.m : 16;
  $('self-scale').value = S.scale;
  $('self-tie').checked = S.tie;
  for (const name of ['wq', 'wk', 'wv']) {
    for (let e = 0; e < 4; e++) {
      const input = $(`self-${name}-${e}`);
      const src = name === 'wk' && S.tie ? S.wq : S[name];
      if (document.activeElement !== input || input.disabled) input.value = src[e];
      input.disabled = name === 'wk' && S.tie;
    }
  }
}

function wireSelf() {
  buildMatrixInputs();
  $('self-m').addEventListener('change', (ev) => {
    const S = state.self;
    const m = intValue('m', ev.target.value, 2, 16, S.m);
    while (S.tokens.length < m) S.tokens.push(defaultTokens[S.tokens.length].slice());
    S.tokens.length = m;
    S.m = m;
    if (S.k > m) S.k = m;
    changed();
  });
  $('self-mask').addEventListener('change', (ev) => { state.self.mask = ev.target.value; changed(); });
  $('self-size').addEventListener('change', (ev) => {
    const S = state.self;
    if (S.mask === 'topk') S.k = intValue('k', ev.target.value, 1, S.m, S.k);
    else S.w = intValue('w', ev.target.value, 1, 16, S.w);
    changed();
  });
  $('self-scale').addEventListener('change', (ev) => { state.self.scale = numValue('scale', ev.target.value, -10, 10, state.self.scale); changed(); });
  $('self-tie').addEventListener('change', (ev) => { state.self.tie = ev.target.checked; changed(); });
  $('self-reset-tokens').addEventListener('click', () => {
    state.self.tokens = defaultTokens.slice(0, state.self.m).map((t) => t.slice());
    changed();
  });

  const canvas = $('self-plot');
  const local = (ev) => { const r = canvas.getBoundingClientRect(); return [ev.clientX - r.left, ev.clientY - r.top]; };
  canvas.addEventListener('pointerdown', (ev) => {
    if (!selfView) return;
    const [px, py] = local(ev);
    let best = -1, bestD = 16;
    state.self.tokens.forEach((t, i) => {
      const [sx, sy] = selfView.toScreen(...t);
      const d = Math.hypot(sx - px, sy - py);
      if (d < bestD) { bestD = d; best = i; }
    });
    if (best < 0) return;
    dragging = best;
    canvas.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });
  canvas.addEventListener('pointermove', (ev) => {
    if (dragging < 0) return;
    const [wx, wy] = selfView.toWorld(...local(ev));
    const lim = Math.min(TOKEN_LIMIT, selfView.R);
    state.self.tokens[dragging] = [round2(Math.max(-lim, Math.min(lim, wx))), round2(Math.max(-lim, Math.min(lim, wy)))];
    changed();
  });
  const end = () => { if (dragging >= 0) { dragging = -1; changed(); } };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  const heat = $('self-heatmap');
  heat.addEventListener('mousemove', (ev) => {
    if (!selfGeom || !lastResult || lastResult.mode !== 'self') return;
    const r = heat.getBoundingClientRect();
    const j = Math.floor((ev.clientX - r.left - selfGeom.pad) / selfGeom.cell);
    const i = Math.floor((ev.clientY - r.top - selfGeom.pad) / selfGeom.cell);
    const m = selfGeom.m, out = $('self-hover');
    if (i < 0 || j < 0 || i >= m || j >= m) { out.textContent = 'hover a cell'; return; }
    const hd = lastResult.result.heads[0];
    const idx = i * m + j;
    out.textContent = lastResult.masked[idx]
      ? `A[${i},${j}] masked (logit ${fmt(hd.logits[idx])})`
      : `A[${i},${j}] = ${fmt(hd.weights[idx], 4)} (logit ${fmt(hd.logits[idx])})`;
  });
  heat.addEventListener('mouseleave', () => { $('self-hover').textContent = 'hover a cell'; });
}

// ---------------------------------------------------------------------------------
// b. Heads.

function seededMatrix(seed, which, h) {
  const p = core.layout({ kind: 'gaussian', n: 2, d: 2, seed: seed * 64 + which * 8 + h }).points;
  return [[round2(p[0]), round2(p[1])], [round2(p[2]), round2(p[3])]];
}

function headsConfig() {
  const S = state.self, H = state.heads;
  return {
    tokens: S.tokens.map((t) => t.slice()),
    wq: Array.from({ length: H.h }, (_, h) => seededMatrix(H.seed, 0, h)),
    wk: Array.from({ length: H.kv }, (_, h) => seededMatrix(H.seed, 1, h)),
    wv: Array.from({ length: H.kv }, (_, h) => seededMatrix(H.seed, 2, h)),
    heads: H.h, kvHeads: H.kv, scale: S.scale, mask: maskString(S),
  };
}

function renderHeads() {
  const H = state.heads, S = state.self, m = S.m;
  const hSel = $('heads-h'), kvSel = $('heads-kv');
  if (hSel.options.length === 0) {
    for (let h = 1; h <= 8; h++) hSel.append(new Option(String(h), String(h)));
  }
  hSel.value = String(H.h);
  kvSel.replaceChildren(...divisors(H.h).map((k) => new Option(`${k}${k === H.h ? ' (MHA)' : k === 1 ? ' (MQA)' : ' (GQA)'}`, String(k))));
  kvSel.value = String(H.kv);
  $('heads-seed').value = H.seed;

  const cfg = headsConfig();
  const r = core.selfAttention(cfg);
  lastResult = { mode: 'heads', config: cfg, result: r };
  setOut($('heads-variant'), r.variant, r.variant);
  setOut($('heads-kv-entries'), r.kvCacheEntries, String(r.kvCacheEntries));
  setOut($('heads-kv-mha'), r.kvCacheEntriesMHA,
    `${r.kvCacheEntriesMHA} (×${(r.kvCacheEntries / r.kvCacheEntriesMHA).toFixed(3)}: 2 · tokens · kv heads · d_head)`);

  const figs = r.heads.map((hd, h) => {
    const fig = document.createElement('figure');
    fig.className = 'x-head';
    fig.style.setProperty('--head-colour', HEAD_COLOURS[h]);
    const kvOf = Math.floor(h / (H.h / H.kv));
    Object.assign(fig.dataset, { head: h, kvHead: kvOf, weights: Array.from(hd.weights).join(','),
      logitAsymmetry: hd.logitAsymmetry });
    const canvas = document.createElement('canvas');
    canvas.className = 'x-canvas x-small';
    canvas.setAttribute('aria-label', `head ${h} attention matrix`);
    const cap = document.createElement('figcaption');
    cap.textContent = `head ${h} · K/V head ${kvOf}`;
    fig.append(canvas, cap);
    return fig;
  });
  $('heads-maps').replaceChildren(...figs);
  r.heads.forEach((hd, h) => drawHeatmap(figs[h].querySelector('canvas'), hd.weights, m, maskedOf(hd.weights, S.mask),
    { labels: false, colour: HEAD_COLOURS[h] }));

  // Tokens and per-head outputs.
  const { ctx, w, h: ch } = prepare($('heads-plot'));
  const c = colours();
  const outs = r.heads.map((hd) => rowsOf(hd.output, 2));
  let ext = 2.5;
  for (const p of [...S.tokens, ...outs.flat()]) ext = Math.max(ext, Math.abs(p[0]), Math.abs(p[1]));
  const view = worldView(w, ch, Math.min(20, Math.ceil(ext * 1.1 + 0.2)));
  drawAxes(ctx, w, ch, view, c);
  outs.forEach((rows, h) => rows.forEach((p) => { const [x, y] = view.toScreen(...p); marker(ctx, 'cross', x, y, 4.5, HEAD_COLOURS[h]); }));
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  S.tokens.forEach((t, i) => {
    const [x, y] = view.toScreen(...t);
    marker(ctx, 'circle', x, y, 8, c.query);
    ctx.fillStyle = c.bg;
    ctx.fillText(String(i), x, y + 0.5);
  });
}

function wireHeads() {
  $('heads-h').addEventListener('change', (ev) => {
    const H = state.heads;
    H.h = intValue('heads', ev.target.value, 1, 8, H.h);
    if (H.h % H.kv !== 0) H.kv = Math.max(...divisors(H.h).filter((k) => k <= H.kv));
    changed();
  });
  $('heads-kv').addEventListener('change', (ev) => { state.heads.kv = intValue('kv', ev.target.value, 1, state.heads.h, state.heads.kv); changed(); });
  $('heads-seed').addEventListener('change', (ev) => { state.heads.seed = intValue('seed', ev.target.value, 0, 2 ** 31 - 1, state.heads.seed); changed(); });
}

// ---------------------------------------------------------------------------------
// c. Dimension and √d.

const BINS = 24;

function drawHistogram(canvas, values, lo, hi, colour, title) {
  const { ctx, w, h } = prepare(canvas);
  const c = colours();
  const counts = new Array(BINS).fill(0);
  const span = hi - lo || 1;
  for (const x of values) counts[Math.min(BINS - 1, Math.max(0, Math.floor(((x - lo) / span) * BINS)))] += 1;
  const top = Math.max(...counts, 1);
  const left = 8, right = 8, bottom = 18, head = 18;
  const bw = (w - left - right) / BINS;
  ctx.fillStyle = colour;
  counts.forEach((n, b) => {
    const bh = ((h - bottom - head) * n) / top;
    ctx.fillRect(left + b * bw + 1, h - bottom - bh, bw - 2, bh);
  });
  ctx.strokeStyle = c.axis;
  ctx.beginPath(); ctx.moveTo(left, h - bottom); ctx.lineTo(w - right, h - bottom); ctx.stroke();
  ctx.fillStyle = c.muted;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ctx.fillText(fmt(lo, 2), left, h - bottom + 3);
  ctx.textAlign = 'right';
  ctx.fillText(fmt(hi, 2), w - right, h - bottom + 3);
  ctx.fillText(`max count ${top}`, w - right, 3);
  ctx.textAlign = 'left';
  ctx.fillStyle = c.fg;
  ctx.fillText(title, left, 3);
  canvas.dataset.counts = counts.join(',');
}

function renderDim() {
  const D = state.dim;
  $('dim-d').value = Math.round(Math.log2(D.d));
  $('dim-d-out').textContent = String(D.d);
  $('dim-n').value = D.n;
  $('dim-seed').value = D.seed;
  const raw = core.dimensionStats({ d: D.d, n: D.n, seed: D.seed, scaled: false });
  const scaled = core.dimensionStats({ d: D.d, n: D.n, seed: D.seed, scaled: true });
  lastResult = { mode: 'dim', config: { ...D }, result: { raw, scaled } };
  let lo = Infinity, hi = -Infinity;
  for (const r of [raw, scaled]) {
    for (const x of r.logits) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  }
  const c = colours();
  for (const [id, r] of [['dim-raw', raw], ['dim-scaled', scaled]]) {
    const col = $(id);
    const title = col.querySelector('h2');
    title.textContent = r.scale === 1 ? 'without 1/√d (scale 1)' : `with 1/√d (scale ${fmt(r.scale, 4)})`;
    const lc = document.createElement('canvas');
    lc.className = 'x-canvas';
    lc.dataset.kind = 'logits';
    lc.setAttribute('aria-label', 'histogram of logits');
    const wc = document.createElement('canvas');
    wc.className = 'x-canvas';
    wc.dataset.kind = 'weights';
    wc.setAttribute('aria-label', 'histogram of softmax weights');
    const dl = document.createElement('dl');
    dl.className = 'x-stats';
    for (const [key, label, v] of [['logitStd', 'logit std', r.logitStd], ['maxWeight', 'max weight', r.maxWeight],
      ['entropy', 'entropy (nats)', r.entropy], ['effectiveKeys', 'effective keys e^H', r.effectiveKeys]]) {
      const dt = document.createElement('dt'); dt.textContent = label;
      const dd = document.createElement('dd'); dd.dataset.stat = key; setOut(dd, v, fmt(v, 4));
      dl.append(dt, dd);
    }
    col.replaceChildren(title, lc, wc, dl);
    drawHistogram(lc, r.logits, lo, hi, c.key, `logits (n = ${D.n})`);
    drawHistogram(wc, r.weights, 0, r.maxWeight, c.weight, 'softmax weights (0 … max weight)');
  }
  drawSweep($('dim-sweep'), dimensionSweep(D.n, D.seed), D.n, D.d);
}

// One core.dimensionStats call per d: the sweep only changes with n and seed, so it is cached.
const SWEEP_DS = [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
let sweepCache = null;
function dimensionSweep(n, seed) {
  if (sweepCache && sweepCache.n === n && sweepCache.seed === seed) return sweepCache.rows;
  const rows = SWEEP_DS.map((d) => ({
    d,
    raw: core.dimensionStats({ d, n, seed, scaled: false }),
    scaled: core.dimensionStats({ d, n, seed, scaled: true }),
  }));
  sweepCache = { n, seed, rows };
  return rows;
}

function drawSweep(canvas, rows, n, currentD) {
  const { ctx, w, h } = prepare(canvas);
  const c = colours();
  const left = 36, right = 40, top = 10, bottom = 22;
  const x = (i) => left + (i / (rows.length - 1)) * (w - left - right);
  const y = (v) => h - bottom - v * (h - top - bottom);  // v in [0, 1]
  ctx.strokeStyle = c.grid;
  ctx.fillStyle = c.muted;
  ctx.font = '11px system-ui, sans-serif';
  for (const v of [0, 0.5, 1]) {
    ctx.beginPath(); ctx.moveTo(left, y(v)); ctx.lineTo(w - right, y(v)); ctx.stroke();
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    ctx.fillText(v.toFixed(1), left - 4, y(v));
    ctx.textAlign = 'left';
    ctx.fillText(`${Math.round(v * n)}`, w - right + 4, y(v));
  }
  ctx.textAlign = 'center'; ctx.textBaseline = 'top';
  rows.forEach((r, i) => ctx.fillText(String(r.d), x(i), h - bottom + 4));
  const series = [
    ['raw', 'maxWeight', c.weight, []], ['scaled', 'maxWeight', c.key, []],
    ['raw', 'effectiveKeys', c.weight, [5, 4]], ['scaled', 'effectiveKeys', c.key, [5, 4]],
  ];
  ctx.lineWidth = 2;
  for (const [which, stat, colour, dash] of series) {
    ctx.strokeStyle = colour;
    ctx.setLineDash(dash);
    ctx.beginPath();
    rows.forEach((r, i) => {
      const v = stat === 'maxWeight' ? r[which].maxWeight : r[which].effectiveKeys / n;
      if (i === 0) ctx.moveTo(x(i), y(v)); else ctx.lineTo(x(i), y(v));
    });
    ctx.stroke();
  }
  ctx.setLineDash([]);
  const at = rows.findIndex((r) => r.d === currentD);
  if (at >= 0) {
    ctx.strokeStyle = c.accent || c.fg;
    ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(x(at), top); ctx.lineTo(x(at), h - bottom); ctx.stroke();
  }
  canvas.dataset.maxWeightRaw = rows.map((r) => r.raw.maxWeight).join(',');
  canvas.dataset.maxWeightScaled = rows.map((r) => r.scaled.maxWeight).join(',');
}

function wireDim() {
  $('dim-d').addEventListener('input', (ev) => { state.dim.d = 2 ** intValue('d exponent', ev.target.value, 1, 10, 6); changed(); });
  $('dim-n').addEventListener('change', (ev) => { state.dim.n = intValue('n', ev.target.value, 2, 4096, state.dim.n); changed(); });
  $('dim-seed').addEventListener('change', (ev) => { state.dim.seed = intValue('seed', ev.target.value, 0, 2 ** 31 - 1, state.dim.seed); changed(); });
}

// ---------------------------------------------------------------------------------
// d. Streaming softmax.

function streamConfig() {
  const T = state.stream;
  return {
    query: [T.qx, T.qy],
    keys: core.layout({ kind: 'random', n: T.n, seed: T.seed }).points,
    values: core.layout({ kind: 'values', n: T.n, seed: T.seed + 1 }).points,
    d: 2, dv: 2, blockSize: T.block,
  };
}

function renderStream() {
  const T = state.stream;
  $('stream-n').value = T.n;
  const bs = $('stream-block');
  bs.replaceChildren(...Array.from({ length: T.n }, (_, i) => new Option(String(i + 1), String(i + 1))));
  bs.value = String(T.block);
  $('stream-seed').value = T.seed;
  $('stream-qx').value = T.qx;
  $('stream-qy').value = T.qy;
  const cfg = streamConfig();
  const s = core.stream(cfg);
  const full = core.attend({ query: cfg.query, keys: cfg.keys, values: cfg.values, d: 2, dv: 2 });
  const nb = s.blocks.length;
  if (T.step > nb) T.step = nb;
  lastResult = { mode: 'stream', config: cfg, result: { stream: s, full } };
  setOut($('stream-progress'), T.step, `${T.step} / ${nb} blocks`);
  $('stream-step').disabled = T.step >= nb;

  // Logit bars; blocks done in colour, the latest outlined, the running max as a line.
  const { ctx, w, h } = prepare($('stream-plot'));
  const c = colours();
  const L = full.logits;
  let lo = 0, hi = 0;
  for (const x of L) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  const left = 10, right = 10, top = 30, bottom = 18;
  const bw = (w - left - right) / T.n;
  const yOf = (v) => top + ((hi - v) / (hi - lo || 1)) * (h - top - bottom);
  const done = T.step > 0 ? s.blocks[T.step - 1].end : 0;
  for (let i = 0; i < T.n; i++) {
    ctx.fillStyle = i < done ? c.key : c.grid;
    const y0 = yOf(0), y1 = yOf(L[i]);
    ctx.fillRect(left + i * bw + 2, Math.min(y0, y1), bw - 4, Math.abs(y1 - y0) || 1);
  }
  ctx.strokeStyle = c.axis;
  ctx.beginPath(); ctx.moveTo(left, yOf(0)); ctx.lineTo(w - right, yOf(0)); ctx.stroke();
  for (const b of s.blocks) {
    const x = left + b.begin * bw;
    ctx.strokeStyle = c.border;
    ctx.beginPath(); ctx.moveTo(x, top - 6); ctx.lineTo(x, h - bottom + 4); ctx.stroke();
  }
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  if (T.step > 0) {
    const b = s.blocks[T.step - 1];
    ctx.strokeStyle = c.output;
    ctx.lineWidth = 2;
    ctx.strokeRect(left + b.begin * bw, top - 4, (b.end - b.begin) * bw, h - top - bottom + 6);
    ctx.setLineDash([5, 4]);
    ctx.beginPath(); ctx.moveTo(left, yOf(b.runningMax)); ctx.lineTo(w - right, yOf(b.runningMax)); ctx.stroke();
    ctx.setLineDash([]);
    ctx.lineWidth = 1;
    ctx.fillStyle = c.output;
    ctx.textAlign = 'right';
    ctx.fillText(`running max m = ${fmt(b.runningMax)}`, w - right, 2);
  }
  ctx.fillStyle = c.muted;
  ctx.textAlign = 'center';
  if (bw >= 12) for (let i = 0; i < T.n; i++) ctx.fillText(String(i), left + (i + 0.5) * bw, h - bottom + 3);
  ctx.textAlign = 'left';
  ctx.fillText('logit of each key (full softmax, core.attend)', left, 2);

  const rows = s.blocks.slice(0, T.step).map((b, i) => {
    const tr = document.createElement('tr');
    Object.assign(tr.dataset, { block: i, begin: b.begin, end: b.end, blockMax: b.blockMax, runningMax: b.runningMax,
      rescale: b.rescale, runningSum: b.runningSum, partial: Array.from(b.partialOutput).join(',') });
    if (i === T.step - 1) tr.className = 'is-current';
    for (const t of [String(i), `${b.begin}…${b.end - 1}`, fmt(b.blockMax, 4), fmt(b.runningMax, 4),
      i === 0 ? '— (first)' : fmt(b.rescale, 4), fmt(b.runningSum, 4),
      `(${fmt(b.partialOutput[0], 4)}, ${fmt(b.partialOutput[1], 4)})`]) {
      const td = document.createElement('td'); td.textContent = t; tr.append(td);
    }
    return tr;
  });
  $('stream-rows').replaceChildren(...rows);

  const diffOut = $('stream-diff');
  if (T.step >= nb) {
    // The check only: the difference of two core results (streaming vs one-pass softmax).
    let diff = 0;
    for (let j = 0; j < full.output.length; j++) diff = Math.max(diff, Math.abs(s.output[j] - full.output[j]));
    setOut(diffOut, diff, `${diff.toExponential(2)} (streaming (${fmt(s.output[0], 5)}, ${fmt(s.output[1], 5)}) vs full ` +
      `(${fmt(full.output[0], 5)}, ${fmt(full.output[1], 5)}): rounding level)`);
  } else {
    delete diffOut.dataset.value;
    diffOut.textContent = '(step to the end)';
  }
}

function wireStream() {
  $('stream-n').addEventListener('change', (ev) => {
    const T = state.stream;
    T.n = intValue('keys n', ev.target.value, 2, 64, T.n);
    if (T.block > T.n) T.block = T.n;
    T.step = 0;
    changed();
  });
  $('stream-block').addEventListener('change', (ev) => { state.stream.block = intValue('block', ev.target.value, 1, state.stream.n, state.stream.block); state.stream.step = 0; changed(); });
  $('stream-seed').addEventListener('change', (ev) => { state.stream.seed = intValue('seed', ev.target.value, 0, 2 ** 31 - 1, state.stream.seed); state.stream.step = 0; changed(); });
  $('stream-qx').addEventListener('change', (ev) => { state.stream.qx = numValue('query x', ev.target.value, -5, 5, state.stream.qx); state.stream.step = 0; changed(); });
  $('stream-qy').addEventListener('change', (ev) => { state.stream.qy = numValue('query y', ev.target.value, -5, 5, state.stream.qy); state.stream.step = 0; changed(); });
  $('stream-step').addEventListener('click', () => { state.stream.step += 1; changed(); });
  $('stream-reset').addEventListener('click', () => { state.stream.step = 0; changed(); });
}

// ---------------------------------------------------------------------------------
// Rendering and wiring.

const RENDER = { self: renderSelf, heads: renderHeads, dim: renderDim, stream: renderStream };
let pending = false;

function render() {
  pending = false;
  for (const mode of MODES) {
    const tab = $(`tab-${mode}`);
    tab.setAttribute('aria-selected', String(mode === state.mode));
    tab.tabIndex = mode === state.mode ? 0 : -1;
    $(`panel-${mode}`).hidden = mode !== state.mode;
  }
  document.body.dataset.mode = state.mode;
  try {
    RENDER[state.mode]();
  } catch (err) {
    showError(state.mode, err);
  }
  flushNotices();
  document.body.dataset.ready = '1';
}
function schedule() {
  if (!pending) { pending = true; requestAnimationFrame(render); }
}
function changed() {
  writeHash();
  schedule();
}

async function main() {
  try {
    core = await AttentionCore.load();
  } catch (err) {
    note(`core: could not load the WebAssembly module: ${err.message}`);
    flushNotices();
    return;
  }
  const p = core.layout({ kind: 'gaussian', n: 16, d: 2, seed: 7 }).points;
  defaultTokens = Array.from({ length: 16 }, (_, i) => [round2(p[2 * i]), round2(p[2 * i + 1])]);

  wireSelf();
  wireHeads();
  wireDim();
  wireStream();
  $('notice-dismiss').addEventListener('click', () => { $('notice').hidden = true; });
  for (const mode of MODES) $(`tab-${mode}`).addEventListener('click', () => { state.mode = mode; changed(); });
  document.querySelector('.x-tabs').addEventListener('keydown', (ev) => {
    if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
    const i = MODES.indexOf(state.mode) + (ev.key === 'ArrowRight' ? 1 : MODES.length - 1);
    state.mode = MODES[i % MODES.length];
    $(`tab-${state.mode}`).focus();
    changed();
  });
  window.addEventListener('hashchange', () => { state = readHash(); writeHash(); schedule(); });
  window.addEventListener('resize', schedule);

  window.explore = {
    core,
    getState: () => structuredClone(state),
    get lastResult() { return lastResult; },
  };
  state = readHash();
  writeHash();
  render();
}

main();
