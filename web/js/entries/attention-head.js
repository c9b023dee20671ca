// The single-file <attention-head> (web/generated/attention-head.js, dist/attention-head.js:
// one classic script with the WASM inlined; it opens from file:// and runs under the strict
// CSP): one real head's picture, what a notebook's AttentionPlot.from_tensors shows. Its
// core is the head's lean one (attention_head_wasm).
import { loadHeadCore } from '../core/wasm-head.js';
import { defineAttentionHead } from '../model/element.js';

defineAttentionHead(loadHeadCore);
