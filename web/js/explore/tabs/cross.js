// Cross-attention: m target tokens ask n source tokens (A is m × n), each side through its
// own projection.
import * as panels from '../panels.js';
import { $, setOut, element, showFields } from '../dom.js';
import { defineTab, settingsOf } from '../tab.js';
import { gaussianRows, seededMatrix } from './seeded.js';

const FIELDS = Object.freeze({ targetTokens: 'cm', sourceTokens: 'cn', seed: 'cseed' });

/** @param {object} state @param {import('../tab.js').Core} core */
function scene(state, core) {
  const p = settingsOf(FIELDS, state);
  /** @type {import('../../core/args.js').CrossOptions} */
  const config = {
    tokens: gaussianRows(core, p.targetTokens, 2, p.seed), source: gaussianRows(core, p.sourceTokens, 2, p.seed + 1000),
    wq: seededMatrix(core, p.seed, 0, 0), wk: seededMatrix(core, p.seed, 1, 0), wv: seededMatrix(core, p.seed, 2, 0),
  };
  const result = core.crossAttention(config);
  return { config, result, m: result.m, n: result.n };
}

function table(r) {
  const head = document.createElement('tr');
  for (const t of ['i', ...Array.from({ length: r.n }, (_, j) => `A[i,${j}]`), 'entropy']) head.append(element('th', t));
  const rows = [head];
  for (let i = 0; i < r.m; i++) {
    const tr = document.createElement('tr');
    tr.append(element('th', String(i)));
    for (let j = 0; j < r.n; j++) {
      const w = r.weights[i * r.n + j];
      tr.append(element('td', w.toFixed(3), { i, j, weight: w }));
    }
    tr.append(element('td', r.entropy[i].toFixed(3)));
    rows.push(tr);
  }
  $('cross-table').replaceChildren(...rows);
}

// `tab.tabled`: the scene the table was last built for.
function text(tab, sc) {
  const r = sc.result;
  setOut($('cross-shape'), `${r.m}x${r.n}`, `A is ${r.m} × ${r.n} (m target tokens × n source tokens)`);
  $('cross-heatmap').dataset.weights = Array.from(r.weights).join(',');
  if (tab.tabled === sc) return;
  tab.tabled = sc;
  table(r);
}

function draw(sc, c, theme) {
  const r = sc.result;
  panels.drawGrid(c.heatmap, { weights: r.weights, masked: r.masked, rows: r.m, cols: r.n }, theme, { values: true });
  panels.drawBipartite(c.network, r, theme);
  return null;
}

export const cross = defineTab({
  id: 'cross',
  title: 'Cross-attention',
  fields: FIELDS,
  scene,
  form: (state) => showFields('panel-cross', state),
  tabled: null,
  text(sc) { text(this, sc); },
  canvases: () => ({ heatmap: $('cross-heatmap'), network: $('cross-network') }),
  draw,
  wire() {},
});
