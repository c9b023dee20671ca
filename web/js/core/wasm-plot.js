// Loads the lean attention core the <attention-plot> element ships: PlotCore over
// attention_plot_wasm, the module with only the exports one plot calls (inlined by
// scripts/bundle.mjs like the full one in wasm.js).
import createPlotModule from '../../generated/attention_plot_wasm.mjs';
import packed from '../../generated/attention_plot_wasm.wasm';
import { PlotCore } from './plot-core.js';
import { coreLoader } from './loader.js';

/** Resolves to the page's PlotCore; rejects with a sentence a reader understands. */
export const loadPlotCore = coreLoader(createPlotModule, packed, PlotCore);
