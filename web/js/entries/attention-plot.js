// The single-file <attention-plot> (web/generated/attention-plot.js, dist/attention-plot.js:
// one classic script with the WASM inlined; it opens from file:// and runs under the strict
// CSP). Its plots use the lean core: PlotCore over attention_plot_wasm, only what one plot
// calls.
import { loadPlotCore } from '../core/wasm-plot.js';
import { defineAttentionPlot } from '../page/element.js';

defineAttentionPlot(loadPlotCore);
