// For tsc only: the globals web/js publishes for tests and the console, and the little of
// node that PlotCore.load reads (tsconfig.json loads no @types/node: the pages run in browsers).

interface Window {
  /** index.html's API (entries/app.js), embed.html's plot handle (entries/embed.js). */
  playground: object;
  /** explore.html's API (explore/explore.js). */
  explore: object;
  /** train.html's API (train/train.js). */
  train: object;
  /** model.html's API (model/model.js). */
  model: object;
  /** The element's mount() (page/element.js), as types/index.d.ts publishes it; that file
   *  also types `<attention-plot>` (its `plot` handle) for document.querySelector and friends. */
  AttentionPlot: { readonly mount: typeof import('../../../types/index.js').mount };
}

/** Read only behind `typeof process === 'object'` (core/plot-core.js: running in node?). */
declare var process: { versions?: { node?: string } } | undefined;

/** PlotCore.load reads the .wasm from disk in node. */
declare module 'node:fs/promises' {
  export function readFile(path: string | URL): Promise<Uint8Array>;
}
