// <attention-plot> with the full attention core (AttentionCore, attention_wasm): the npm
// package's element (package.js) and the notebook widget (widget.js), whose pages may also
// call the glossary. The single-file element is attention-plot.js (the lean core).
import { loadCore } from '../core/wasm.js';
import { defineAttentionPlot } from '../page/element.js';

export const { mount } = defineAttentionPlot(loadCore);
