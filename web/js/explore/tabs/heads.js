// Heads: MHA / GQA / MQA over the self-attention tab's tokens, mask and scale. One heatmap
// per query head (hover, tap or arrow to read a cell), and each head's outputs on one plot.
import { EXPLORE } from '../../state/explore-schema.js';
import { SERIES, fmt } from '../../plot/canvas.js';
import * as panels from '../panels.js';
import { $, setOut, options, showFields, localPx } from '../dom.js';
import { defineTab, settingsOf } from '../tab.js';
import { layoutTokens, tokensOf, rowsOf, seededMatrix } from './seeded.js';
import { maskSpec, extentOf } from './self.js';

const F = EXPLORE.fields;
const FIELDS = Object.freeze({ heads: 'h', kvHeads: 'kv', seed: 'hseed',
  tokenCount: 'm', tokens: 'tokens', mask: 'mask', window: 'w', topK: 'k', scale: 'scale' });

const divisors = (h) => Array.from({ length: h }, (_, i) => i + 1).filter((k) => h % k === 0);

/** @param {object} state @param {import('../tab.js').Core} core */
function scene(state, core) {
  const p = settingsOf(FIELDS, state);
  const tokens = tokensOf(p.tokens, p.tokenCount, layoutTokens(core));
  /** @type {import('../../core/args.js').SelfAttentionOptions} */
  const config = {
    tokens,
    wq: Array.from({ length: p.heads }, (_, h) => seededMatrix(core, p.seed, 0, h)),
    wk: Array.from({ length: p.kvHeads }, (_, h) => seededMatrix(core, p.seed, 1, h)),
    wv: Array.from({ length: p.kvHeads }, (_, h) => seededMatrix(core, p.seed, 2, h)),
    heads: p.heads, kvHeads: p.kvHeads, scale: p.scale, mask: maskSpec(p),
  };
  const result = core.selfAttention(config);
  const outs = result.heads.map((hd) => rowsOf(hd.output));
  return {
    config, result,
    m: p.tokenCount, tokens, outs, colours: result.heads.map((_, h) => SERIES[h % SERIES.length]),
    extent: extentOf([...tokens, ...outs.flat()], 2.5, 20),
  };
}

function form(state) {
  const p = settingsOf(FIELDS, state);
  options($('heads-h'), Array.from({ length: F.h.max - F.h.min + 1 }, (_, i) => F.h.min + i));
  /** @type {HTMLSelectElement} */ ($('heads-h')).value = String(p.heads);
  options($('heads-kv'), divisors(p.heads), (k) => `${k}${k === p.heads ? ' (MHA)' : k === 1 ? ' (MQA)' : ' (GQA)'}`);
  /** @type {HTMLSelectElement} */ ($('heads-kv')).value = String(p.kvHeads);
  showFields('panel-heads', state);
}

// "h:idx" (a cell of head h) → [h, idx]; anything else → [-1, -1].
const cellOf = (key) => (typeof key === 'string' ? key.split(':').map(Number) : [-1, -1]);

/** The cell of head h to read out and outline: the one under the pointer wins over a tap or the arrow keys'. */
function cursorOf(ui, h) {
  const [hoverHead, hoverIdx] = cellOf(ui.headHover);
  const [pickHead, pickIdx] = cellOf(ui.headPick);
  return hoverHead === h ? hoverIdx : pickHead === h ? pickIdx : -1;
}

function figure(h) {
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
}

function readOut(readout, hd, idx, m) {
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
}

// The readouts, and one figure per head (made when the number of heads changes; its title
// and data when the scene does: `tab.tabled`).
function text(tab, sc, ui) {
  const r = sc.result;
  setOut($('heads-variant'), r.variant, r.variant);
  setOut($('heads-kv-entries'), r.kvCacheEntries, String(r.kvCacheEntries));
  setOut($('heads-kv-mha'), r.kvCacheEntriesMHA,
    `${r.kvCacheEntriesMHA} (×${(r.kvCacheEntries / r.kvCacheEntriesMHA).toFixed(3)}: 2 · tokens · kv heads · d_head)`);
  const maps = $('heads-maps');
  if (maps.children.length !== r.heads.length) maps.replaceChildren(...r.heads.map((_, h) => figure(h)));
  r.heads.forEach((hd, h) => {
    const fig = /** @type {HTMLElement} */ (maps.children[h]);
    fig.style.setProperty('--head-colour', sc.colours[h]);
    if (tab.tabled !== sc) {
      Object.assign(fig.dataset, { head: h, kvHead: hd.kvHead, weights: Array.from(hd.weights).join(','),
        masked: Array.from(hd.masked).join(''), logitAsymmetry: hd.logitAsymmetry });
      fig.querySelector('canvas').setAttribute('aria-label',
        `head ${h} (K/V head ${hd.kvHead}) attention matrix; arrow keys move across cells, the weight is read out below`);
      fig.querySelector('.x-head-title').textContent = `head ${h} · K/V head ${hd.kvHead}`;
    }
    readOut(fig.querySelector('output'), hd, cursorOf(ui, h), sc.m);
  });
  tab.tabled = sc;
}

const canvases = () => ({ maps: Array.from($('heads-maps').querySelectorAll('canvas[data-head]')), plot: $('heads-plot') });

// Frame: {maps: each head's heatmap cells} for hover and tap hit tests.
function draw(sc, c, theme, ui) {
  const maps = sc.result.heads.map((hd, h) => {
    const cells = { weights: hd.weights, masked: hd.masked, m: sc.m }, colour = sc.colours[h];
    return panels.drawHeatmap(c.maps[h], cells, theme, { values: false, colour, cursor: cursorOf(ui, h) });
  });
  panels.drawHeadOutputs(c.plot, sc, theme);
  return { maps };
}

// Hover shows a cell's weight next to its map; a tap or the arrow keys pick one.
function wire(host) {
  $('heads-h').addEventListener('change', (ev) =>
    host.commit({ h: /** @type {HTMLSelectElement} */ (ev.target).value }));
  $('heads-kv').addEventListener('change', (ev) =>
    host.commit({ kv: /** @type {HTMLSelectElement} */ (ev.target).value }));
  const maps = $('heads-maps');
  const geomOf = (canvas) => host.frame()?.maps?.[Number(canvas?.dataset.head)];
  const headCell = (ev) => {
    const canvas = ev.target.closest?.('canvas[data-head]');
    const h = Number(canvas?.dataset.head), g = geomOf(canvas);
    if (!g) return null;
    const [px, py] = localPx(ev, canvas);
    const j = Math.floor((px - g.pad) / g.cell), i = Math.floor((py - g.pad) / g.cell);
    return i >= 0 && j >= 0 && i < g.m && j < g.m ? `${h}:${i * g.m + j}` : -1;
  };
  maps.addEventListener('pointermove', (ev) => { if (ev.pointerType === 'mouse') host.setUi({ headHover: headCell(ev) ?? -1 }); });
  maps.addEventListener('pointerleave', () => host.setUi({ headHover: -1 }));
  maps.addEventListener('click', (ev) => {
    const key = headCell(ev);
    if (key === null) return;
    host.setUi({ headPick: key === host.ui().headPick ? -1 : key });
  });
  maps.addEventListener('keydown', (ev) => {
    const canvas = /** @type {HTMLCanvasElement | null} */ (
      /** @type {Element} */ (ev.target).closest?.('canvas[data-head]'));
    const h = Number(canvas?.dataset.head), g = geomOf(canvas);
    const step = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] }[ev.key];
    if (!g) return;
    if (ev.key === 'Escape') { host.setUi({ headPick: -1 }); return; }
    if (!step) return;
    ev.preventDefault();
    const [ph, pidx] = cellOf(host.ui().headPick);
    let i = 0, j = 0;
    if (ph === h && pidx < g.m * g.m) {
      i = Math.max(0, Math.min(g.m - 1, Math.floor(pidx / g.m) + step[0]));
      j = Math.max(0, Math.min(g.m - 1, (pidx % g.m) + step[1]));
    }
    host.setUi({ headPick: `${h}:${i * g.m + j}` });
  });
}

export const heads = defineTab({
  id: 'heads',
  title: 'Heads: MHA/GQA/MQA',
  fields: FIELDS,
  scene,
  form,
  tabled: null,
  text(sc, ui) { text(this, sc, ui); },
  canvases,
  draw,
  wire,
});
