// Multi-head latent attention: one latent of rank r per token rebuilds every head's keys
// and values; the KV cache it needs beside MHA, GQA and MQA, and how far it drifts from MHA.
import { SERIES, fmt } from '../../plot/canvas.js';
import * as panels from '../panels.js';
import * as charts from '../charts.js';
import { $, setOut, showFields } from '../dom.js';
import { defineTab, settingsOf } from '../tab.js';
import { gaussianRows, round2 } from './seeded.js';

const FIELDS = Object.freeze({ tokens: 'mm', dModel: 'mdm', heads: 'mheads', kvHeads: 'mkv', rank: 'mrank',
  ropeDim: 'mrope', seed: 'mseed' });

// Tokens and MHA weights (d_head 2, one matrix per head) from the core's gaussian layout.
/** @param {object} state @param {import('../tab.js').Core} core */
function scene(state, core) {
  const p = settingsOf(FIELDS, state);
  const W = (which) => Array.from({ length: p.heads },
    (_, h) => gaussianRows(core, 2, p.dModel, p.seed * 64 + which * 16 + h).map((row) => row.map(round2)));
  /** @type {import('../../core/args.js').MlaOptions} */
  const config = { tokens: gaussianRows(core, p.tokens, p.dModel, p.seed), wq: W(0), wk: W(1), wv: W(2), rank: p.rank,
    ropeDim: p.ropeDim, kvHeads: p.kvHeads, scale: 1 / Math.sqrt(2) };
  const result = core.mla(config);
  return { config, result, kvHeads: p.kvHeads, unmasked: new Uint8Array(result.m * result.m) };
}

function form(state) {
  const p = settingsOf(FIELDS, state);
  // before its value: a range clamps to its max
  /** @type {HTMLInputElement} */ ($('mla-rank')).max = String(p.dModel);
  $('mla-rank-out').textContent = `r = ${p.rank} of d_model = ${p.dModel}`;
  showFields('panel-mla', state);
}

function text(sc) {
  const r = sc.result;
  $('mla-cache').dataset.cache = JSON.stringify(r.cache);
  const drift = $('mla-drift');
  drift.dataset.maxWeightDiff = r.driftByRank.map((d) => d.maxWeightDiff).join(',');
  drift.dataset.projectionError = r.driftByRank.map((d) => d.projectionError).join(',');
  setOut($('mla-diff'), r.drift.maxWeightDiff, r.drift.maxWeightDiff.toExponential(2));
  setOut($('mla-proj'), r.drift.projectionError, fmt(r.drift.projectionError, 4));
}

function draw(sc, c, theme) {
  const r = sc.result;
  const bars = [
    { label: 'MHA', value: r.cache.mha, colour: theme.muted },
    { label: `GQA ${sc.kvHeads}`, value: r.cache.gqa, colour: SERIES[0] },
    { label: 'MQA', value: r.cache.mqa, colour: SERIES[1] },
    { label: 'MLA', value: r.cache.mla, colour: SERIES[2] },
  ];
  charts.drawBars(c.cache, bars, theme, `entries for m = ${r.m} tokens`);
  charts.drawDrift(c.drift, r.driftByRank, r.rank, theme);
  const h0 = r.perHead[0];
  panels.drawHeatmap(c.weights, { weights: h0.weights, masked: sc.unmasked, m: r.m }, theme, { colour: SERIES[2] });
  panels.drawHeatmap(c.mha, { weights: h0.mhaWeights, masked: sc.unmasked, m: r.m }, theme);
  return null;
}

export const mla = defineTab({
  id: 'mla',
  title: 'Latent (MLA)',
  fields: FIELDS,
  scene,
  form,
  text,
  canvases: () => ({ cache: $('mla-cache'), drift: $('mla-drift'), weights: $('mla-weights'), mha: $('mla-mha') }),
  draw,
  wire(host) {
    $('mla-rank').addEventListener('input', (ev) =>
      host.commit({ mrank: /** @type {HTMLInputElement} */ (ev.target).value }));
  },
});
