// `attention-plot/element` (dist/attention-plot.js): the classic script that defines
// <attention-plot> and window.AttentionPlot. Importing it is for its side effects:
//   import 'attention-plot/element';
// The element and handle types are those of the main entry.
import type { AttentionPlotElement, PlotHandle, PlotOptions } from './index.js';

export type { AttentionPlotAttributes, AttentionPlotElement, ChangeDetail, PlotHandle, PlotOptions, PlotState } from './index.js';

export interface AttentionPlotGlobal {
  mount(element: HTMLElement, options?: PlotOptions): PlotHandle;
}

declare global {
  interface Window {
    AttentionPlot: AttentionPlotGlobal;
  }
  var AttentionPlot: AttentionPlotGlobal;
  interface HTMLElementTagNameMap {
    'attention-plot': AttentionPlotElement;
  }
}
