// Loads the attention core for the pages' bundles (web/generated/*.js, built by
// scripts/bundle.mjs): the Emscripten factory and the .wasm bytes are inlined by
// esbuild, so a page works from file:// and under `script-src 'self' 'wasm-unsafe-eval'`
// (no fetch, no eval). One instance per page, shared by every plot on it.
// scripts/bundle.mjs inlines the .wasm deflate-compressed (a quarter fewer bytes after
// the page's own gzip) and gives the element the lean module (attention_plot_wasm).
import createAttentionModule from '../../generated/attention_wasm.mjs';
import packed from '../../generated/attention_wasm.wasm';
import { AttentionCore } from './attention-core.js';

let promise = null;

/** Resolves to the page's AttentionCore; rejects with a sentence a reader understands. */
export function loadCore() {
  promise ??= inflate(packed)
    .then((wasmBinary) => createAttentionModule({ wasmBinary, printErr: () => {} }))
    .then((module) => AttentionCore.fromModule(module), (e) => { throw new Error(explain(e)); });
  return promise;
}

// deflate-raw bytes -> the .wasm bytes. A Blob's stream needs no fetch, so this works
// from file:// and under the CSP. DecompressionStream('deflate-raw'): Chromium 103,
// Firefox 113, Safari 16.4 (Safari's first with the WebAssembly SIMD the core needs).
export async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Emscripten reports "Aborted(CompileError: …). Build with -s ASSERTIONS=1 for more info.".
export function explain(e) {
  const raw = String(e && e.message ? e.message : e)
    .replace(/\.?\s*Build with -s ASSERTIONS=1 for more info\.?/, '')
    .replace(/^Aborted\((.*)\)$/s, '$1')
    .trim();
  const why = raw ? ` (the browser said: ${raw.replace(/\.$/, '')})` : '';
  return `This browser could not start the WebAssembly attention core${why}. Try another browser or enable WebAssembly; nothing can be computed without it.`;
}
