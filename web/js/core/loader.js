// What both WASM loaders share (wasm.js: the full core; wasm-plot.js: the element's lean
// one): instantiate once from the inlined deflate-compressed bytes, and explain a failure.

/** A function that instantiates `Core` over the module `factory` makes of `packed`, once. */
export function coreLoader(factory, packed, Core) {
  let promise = null;
  return () => (promise ??= inflate(packed)
    .then((wasmBinary) => factory({ wasmBinary, printErr: () => {} }))
    .then((module) => Core.fromModule(module), (e) => { throw new Error(explain(e)); }));
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
