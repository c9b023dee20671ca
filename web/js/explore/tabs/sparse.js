// Sparse patterns: which scores are computed at all (local window, stride, global tokens,
// causal), the weights under the pattern and the compute saved.
import { EXPLORE } from '../../state/explore-schema.js';
import * as panels from '../panels.js';
import { $, setOut, showFields } from '../dom.js';
import { defineTab, settingsOf } from '../tab.js';
import { gaussianRows } from './seeded.js';

const PRESET_LABELS = { local: 'local', strided: 'strided', global: 'global + local', custom: 'custom' };
const FIELDS = Object.freeze({ tokens: 'spn', preset: 'preset', window: 'spw', stride: 'sps', globals: 'spg',
  causal: 'spc', seed: 'spseed' });

/** @param {object} state @param {import('../tab.js').Core} core */
function scene(state, core) {
  const p = settingsOf(FIELDS, state);
  const x = gaussianRows(core, p.tokens, 2, p.seed);
  const global = Array.from({ length: p.globals }, (_, i) => i);   // the first tokens are the global ones
  const pattern = { window: p.window, stride: p.stride, global, causal: p.causal };
  /** @type {import('../../core/args.js').MatrixOptions} */
  const config = { queries: x, keys: x, values: x, mask: { sparse: pattern } };
  const result = core.attentionMatrix(config);
  return { config, result, n: p.tokens, globals: pattern.global };
}

function form(state) {
  const p = settingsOf(FIELDS, state);
  /** @type {HTMLSelectElement} */ ($('sparse-preset')).value = p.preset;
  /** @type {HTMLInputElement} */ ($('sparse-causal')).checked = p.causal;
  showFields('panel-sparse', state);
}

function text(sc) {
  const r = sc.result, n = sc.n;
  setOut($('sparse-computed'), r.computedFraction,
    `${r.scoresComputed} of ${n * n} (${(100 * r.computedFraction).toFixed(1)}%)`);
  setOut($('sparse-saved'), 1 - r.computedFraction, `${(100 * (1 - r.computedFraction)).toFixed(1)}% of the dense n² scores`);
  $('sparse-pattern').dataset.masked = Array.from(r.masked).join('');
  $('sparse-weights').dataset.weights = Array.from(r.weights).join(',');
}

function draw(sc, c, theme) {
  const r = sc.result, n = sc.n;
  const grid = { weights: r.weights, masked: r.masked, rows: n, cols: n };
  panels.drawGrid(c.pattern, grid, theme, { pattern: true, colour: theme.key, highlight: sc.globals });
  panels.drawGrid(c.weights, grid, theme, { highlight: sc.globals });
  return null;
}

function wire(host) {
  const preset = /** @type {HTMLSelectElement} */ ($('sparse-preset'));
  preset.replaceChildren(...EXPLORE.fields.preset.values.map((v) => new Option(PRESET_LABELS[v], v)));
  preset.addEventListener('change', () => host.commit({ preset: preset.value }));
  $('sparse-causal').addEventListener('change', (ev) =>
    host.commit({ spc: /** @type {HTMLInputElement} */ (ev.target).checked }));
}

export const sparse = defineTab({
  id: 'sparse',
  title: 'Sparse patterns',
  fields: FIELDS,
  scene,
  form,
  text,
  canvases: () => ({ pattern: $('sparse-pattern'), weights: $('sparse-weights') }),
  draw,
  wire,
});
