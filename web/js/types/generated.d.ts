// For tsc only: what our imports of built and non-JavaScript files are (scripts/bundle.mjs
// decides what esbuild hands each one). web/generated/ is built by ./build_wasm.sh.

/** A .wasm: its bytes, deflate-compressed (core/loader.js inflates them); undefined in the
 *  npm package's node build, whose factory reads the file itself (entries/package.js). */
declare module '*.wasm' {
  const bytes: Uint8Array | undefined;
  export default bytes;
}

/** A .css: its text (esbuild's text loader); page/element.js scopes the palette to each plot. */
declare module '*.css' {
  const text: string;
  export default text;
}

/** The Emscripten factory that instantiates the core (what its module holds: core/heap.js).
 *  Once web/generated/ is built, tsc reads the factory itself and this is not used. */
type AttentionModuleFactory = (moduleArg?: { wasmBinary?: ArrayBuffer | Uint8Array,
  printErr?: (text: string) => void }) => Promise<any>;
declare module '*/generated/attention_wasm.mjs' {
  const factory: AttentionModuleFactory;
  export default factory;
}
declare module '*/generated/attention_plot_wasm.mjs' {
  const factory: AttentionModuleFactory;
  export default factory;
}

/** The built factory is checked with our files: its glue reads `document.currentScript.src`,
 *  which an SVG <script> does not have (undefined at run time; lib.dom leaves it out). */
interface SVGScriptElement {
  readonly src?: undefined;
}
