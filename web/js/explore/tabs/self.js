// Self-attention and masks: m tokens, one head with 2×2 projections W_Q, W_K, W_V; the
// token plot (drag a token), the weights A as a heatmap and as a network, the numbers.
import { EXPLORE } from '../../state/explore-schema.js';
import { fmt } from '../../plot/canvas.js';
import * as panels from '../panels.js';
import { $, setOut, show, forget, element, showFields, localPx } from '../dom.js';
import { defineTab, settingsOf } from '../tab.js';
import { layoutTokens, tokensOf, rowsOf, mat2 } from './seeded.js';

const F = EXPLORE.fields;
const MASK_LABELS = { none: 'none', causal: 'causal', window: 'window w', topk: 'top-k k' };
const MATRICES = ['wq', 'wk', 'wv'];

// tokens, mask and scale are shared with the heads tab.
const FIELDS = Object.freeze({ tokenCount: 'm', tokens: 'tokens', wq: 'wq', wk: 'wk', wv: 'wv', tie: 'tie',
  mask: 'mask', window: 'w', topK: 'k', scale: 'scale' });

/** The core's spelling of the mask: 'none', 'causal', 'window:w' or 'topk:k'. */
export const maskSpec = (p) => (p.mask === 'window' ? `window:${p.window}` : p.mask === 'topk' ? `topk:${p.topK}` : p.mask);

/** Half-width of a square world that shows every point (whole units, capped). */
export function extentOf(points, least, most) {
  let ext = least;
  for (const [x, y] of points) ext = Math.max(ext, Math.abs(x), Math.abs(y));
  return Math.min(most, Math.ceil(ext * 1.1 + 0.2));
}

/** @param {object} state @param {import('../tab.js').Core} core */
function scene(state, core) {
  const p = settingsOf(FIELDS, state);
  const tokens = tokensOf(p.tokens, p.tokenCount, layoutTokens(core));
  /** @type {import('../../core/args.js').SelfAttentionOptions} */
  const config = { tokens, wq: [mat2(p.wq)], wk: [mat2(p.tie ? p.wq : p.wk)], wv: [mat2(p.wv)],
    heads: 1, kvHeads: 1, scale: p.scale, mask: maskSpec(p) };
  const result = core.selfAttention(config);
  const h = result.heads[0];
  const q = rowsOf(h.q), k = rowsOf(h.k), v = rowsOf(h.v), o = rowsOf(h.output);
  return {
    config, result,
    m: p.tokenCount, tokens, q, k, v, o, head: h, weights: h.weights, masked: h.masked,
    extent: extentOf([...tokens, ...q, ...k, ...v, ...o], 1.5, 12),
  };
}

function form(state) {
  const p = settingsOf(FIELDS, state);
  /** @type {HTMLSelectElement} */ ($('self-mask')).value = p.mask;
  const sized = p.mask === 'window' || p.mask === 'topk';
  $('self-size-label').hidden = !sized;
  $('self-size-name').textContent = p.mask === 'topk' ? 'k' : 'w';
  /** @type {HTMLInputElement} */ ($('self-size')).max = String(p.mask === 'topk' ? p.tokenCount : F.w.max);
  show($('self-size'), p.mask === 'topk' ? p.topK : p.window);
  /** @type {HTMLInputElement} */ ($('self-tie')).checked = p.tie;
  $('self-tied-why').hidden = !p.tie;
  for (const name of MATRICES) {
    const src = name === 'wk' && p.tie ? p.wq : p[name];
    for (let e = 0; e < 4; e++) {
      const input = /** @type {HTMLInputElement} */ ($(`self-${name}-${e}`));
      input.disabled = name === 'wk' && p.tie;
      show(input, src[e]);
    }
  }
  showFields('panel-self', state);
}

// The numbers under the plots (also the data the tests read).
function table({ m, head: h, masked, ...sc }) {
  const head = document.createElement('tr');
  for (const t of ['i', ...Array.from({ length: m }, (_, j) => `A[i,${j}]`), 'entropy', 'q', 'k', 'v', 'o']) head.append(element('th', t));
  const rows = [head];
  for (let i = 0; i < m; i++) {
    const tr = document.createElement('tr');
    tr.dataset.row = String(i);
    tr.append(element('th', String(i)));
    for (let j = 0; j < m; j++) {
      const at = i * m + j, a = h.weights[at];
      const td = element('td', masked[at] ? '—' : a.toFixed(3), { i, j, weight: a, logit: h.logits[at], masked: masked[at] ? '1' : '0' });
      if (masked[at]) td.className = 'is-masked';
      tr.append(td);
    }
    tr.append(element('td', h.entropy[i].toFixed(3), { entropy: h.entropy[i] }));
    for (const name of ['q', 'k', 'v', 'o']) {
      const p = sc[name][i];
      tr.append(element('td', `(${p[0].toFixed(2)}, ${p[1].toFixed(2)})`, { [name]: p.join(',') }));
    }
    rows.push(tr);
  }
  $('self-table').replaceChildren(...rows);
}

// `tab.tabled`: the scene the table was last built for (a hover render keeps the table).
function text(tab, sc, ui) {
  const h = sc.head, m = sc.m, idx = ui.hover;
  setOut($('self-logit-asym'), h.logitAsymmetry, fmt(h.logitAsymmetry, 4));
  setOut($('self-weight-asym'), h.weightAsymmetry, fmt(h.weightAsymmetry, 4));
  $('self-heatmap').dataset.masked = Array.from(sc.masked).join('');
  // Tied: the diagonal the note explains (u_i·u_j ≤ (|u_i|² + |u_j|²)/2).
  $('self-tied-diag').textContent = Array.from({ length: m }, (_, i) => h.weights[i * m + i].toFixed(2)).join(', ');
  $('self-hover').textContent = !(idx >= 0 && idx < m * m) ? 'hover a cell'
    : sc.masked[idx] ? `A[${Math.floor(idx / m)},${idx % m}] masked (logit ${fmt(h.logits[idx])})`
      : `A[${Math.floor(idx / m)},${idx % m}] = ${fmt(h.weights[idx], 4)} (logit ${fmt(h.logits[idx])})`;
  if (tab.tabled !== sc) { tab.tabled = sc; table(sc); }
}

const canvases = () => ({ plot: $('self-plot'), heatmap: $('self-heatmap'), network: $('self-network') });

// Frame: {plot: {view, extent} of the token plot (kept still during a drag), heat: heatmap cells}.
function draw(sc, c, theme, ui, previous) {
  const focus = ui.drag >= 0 ? ui.drag : ui.token ?? -1;
  const plot = panels.drawTokenPlot(c.plot, sc, theme, ui.drag >= 0 ? previous?.plot : null, focus);
  const { cx, cy, ppu } = plot.view;
  c.plot.dataset.view = `${cx},${cy},${ppu}`;   // world → canvas px, for tests and tools
  const heat = panels.drawHeatmap(c.heatmap, sc, theme, { cursor: ui.hover ?? -1 });
  panels.drawNetwork(c.network, sc, theme);
  return { plot, heat };
}

function wireControls(host) {
  const mask = /** @type {HTMLSelectElement} */ ($('self-mask'));
  mask.replaceChildren(...F.mask.values.map((v) => new Option(MASK_LABELS[v] ?? v, v)));
  mask.addEventListener('change', () => host.commit({ mask: mask.value }));
  const size = /** @type {HTMLInputElement} */ ($('self-size'));
  size.min = String(Math.min(F.w.min, F.k.min));
  size.step = '1';
  size.addEventListener('change', () => { forget(size); host.commit({ [host.state().mask === 'topk' ? 'k' : 'w']: size.value }); });
  $('self-tie').addEventListener('change', (ev) =>
    host.commit({ tie: /** @type {HTMLInputElement} */ (ev.target).checked }));
  $('self-reset-tokens').addEventListener('click', () => host.commit({ tokens: null }));

  for (const name of MATRICES) {
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
        const entries = host.state()[name].slice();
        // An emptied entry is no number at all: keep the old one rather than reset the matrix.
        forget(input);
        if (input.value.trim() === '') { host.schedule(); return; }
        entries[e] = input.value;
        host.commit({ [name]: entries });
      });
      fs.append(input);
    }
  }
}

// Tokens are dragged on the token plot; the heatmap reports the cell under the pointer.
function wirePointer(host) {
  const canvas = $('self-plot');
  const local = (ev) => localPx(ev, canvas);
  // The token nearest (px, py) within `reach` canvas px, or -1 (a finger gets more reach).
  const tokenAt = (px, py, reach = 16) => {
    const frame = host.frame()?.plot;
    if (!frame || host.state().mode !== 'self') return -1;
    let best = -1, bestD = reach;
    host.tokens(host.state()).forEach(([x, y], i) => {
      const [sx, sy] = frame.view.toScreen(x, y);
      const d = Math.hypot(sx - px, sy - py);
      if (d < bestD) { bestD = d; best = i; }
    });
    return best;
  };
  canvas.addEventListener('pointerdown', (ev) => {
    const best = tokenAt(...local(ev), ev.pointerType === 'touch' ? 24 : 16);
    if (best < 0) return;
    host.setUi({ drag: best });
    canvas.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });
  // A touch that starts on a token drags it; any other swipe scrolls the page
  // (explore.css: touch-action manipulation). Cancelling that touchstart stops the pan.
  canvas.addEventListener('touchstart', (ev) => {
    if (ev.touches.length === 1 && tokenAt(...local(ev.touches[0]), 24) >= 0) ev.preventDefault();
  }, { passive: false });
  canvas.addEventListener('pointerleave', () => host.setUi({ token: -1 }));
  canvas.addEventListener('pointermove', (ev) => {
    const i = host.ui().drag;
    if (!(i >= 0)) { if (ev.pointerType === 'mouse') host.setUi({ token: tokenAt(...local(ev)) }); return; }
    const frame = host.frame()?.plot;
    if (!frame) return;
    const [wx, wy] = frame.view.toWorld(...local(ev));
    const lim = Math.min(F.tokens.max, frame.extent);
    const clamp = (v) => Math.max(-lim, Math.min(lim, v));
    const tokens = host.tokens(host.state());
    tokens[i] = [clamp(wx), clamp(wy)];
    host.commit({ tokens }, 'drag');
  });
  const end = () => host.setUi({ drag: -1 });
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  const heat = $('self-heatmap');
  heat.addEventListener('mousemove', (ev) => {
    const geom = host.frame()?.heat;
    if (!geom) return;
    const [px, py] = localPx(ev, heat);
    const { pad, cell, m } = geom;
    const j = Math.floor((px - pad) / cell), i = Math.floor((py - pad) / cell);
    host.setUi({ hover: i >= 0 && j >= 0 && i < m && j < m ? i * m + j : -1 });
  });
  heat.addEventListener('mouseleave', () => host.setUi({ hover: -1 }));
}

export const self = defineTab({
  id: 'self',
  title: 'Self-attention & masks',
  fields: FIELDS,
  scene,
  form,
  tabled: null,
  text(sc, ui) { text(this, sc, ui); },
  canvases,
  draw,
  wire(host) { wireControls(host); wirePointer(host); },
});
