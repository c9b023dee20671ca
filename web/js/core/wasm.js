// Loads the attention core for the pages' bundles (web/generated/*.js, built by
// scripts/bundle.mjs): the Emscripten factory and the .wasm bytes are inlined by
// esbuild, so a page works from file:// and under `script-src 'self' 'wasm-unsafe-eval'`
// (no fetch, no eval). One instance per page, shared by every plot on it.
// scripts/bundle.mjs inlines the .wasm deflate-compressed (a quarter fewer bytes after
// the page's own gzip). This file loads the full core (AttentionCore, attention_wasm);
// wasm-plot.js loads the lean one the <attention-plot> element ships (PlotCore,
// attention_plot_wasm).
import createAttentionModule from '../../generated/attention_wasm.mjs';
import packed from '../../generated/attention_wasm.wasm';
import { AttentionCore } from './attention-core.js';
import { coreLoader } from './loader.js';

/** Resolves to the page's AttentionCore; rejects with a sentence a reader understands. */
export const loadCore = coreLoader(createAttentionModule, packed, AttentionCore);
