// The npm package's ES module entry: `import { AttentionCore, mount } from 'attention-plot'`.
// scripts/bundle.mjs builds it twice from this one file:
//   dist/index.js  (the "default" export condition: browsers and bundlers) with the .wasm
//                  inlined, so no bundler needs a WebAssembly or asset rule;
//   dist/node.js   (the "node" condition) where the Emscripten factory reads
//                  dist/attention_wasm.wasm from the installed package on first use.
// Importing it in a browser also defines <attention-plot> (element.js does that).
import createAttentionModule from '../../generated/attention_wasm.mjs';
import wasmBinary from '../../generated/attention_wasm.wasm';
import { AttentionCore as Core } from '../core/attention-core.js';
import { inflate } from '../core/loader.js';

export { mount } from './element.js';

/** The attention core; `load()` instantiates this package's own WebAssembly. */
export class AttentionCore extends Core {
  /**
   * A new core (its own WASM instance). options.wasmBinary: the .wasm bytes to use
   * instead of the package's (e.g. when a bundler for node moved the file).
   */
  static async load(options = {}) {
    // The browser build inlines the .wasm deflate-compressed (scripts/bundle.mjs); the node
    // build leaves it undefined here and the factory reads dist/attention_wasm.wasm.
    const bytes = options?.wasmBinary ?? (wasmBinary === undefined ? undefined : await inflate(wasmBinary));
    const module = await createAttentionModule({ ...(bytes === undefined ? {} : { wasmBinary: bytes }),
      printErr: () => {} });
    return new AttentionCore(module);
  }

  static fromModule(module) {
    return new AttentionCore(module);
  }
}
