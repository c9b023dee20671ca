// Loads the core the <attention-head> element ships: AttentionCore over attention_head_wasm,
// the module with only what one real head's picture calls (attend, the strip's curve, Q Kᵀ's
// weights, the tensor readers, the query's view, the joint map); inlined by scripts/bundle.mjs
// like the others. A method outside it throws an Error that says so (heap.js).
import createHeadModule from '../../generated/attention_head_wasm.mjs';
import packed from '../../generated/attention_head_wasm.wasm';
import { AttentionCore } from './attention-core.js';
import { coreLoader } from './loader.js';

/** Resolves to the element's AttentionCore; rejects with a sentence a reader understands. */
export const loadHeadCore = coreLoader(createHeadModule, packed, AttentionCore);
