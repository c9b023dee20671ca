// Bundles the pages' scripts with esbuild into classic scripts (IIFE) with the WASM
// inlined, so every page opens from file:// (ES modules do not) and runs under the
// strict CSP. Needs web/generated/attention{,_plot}_wasm.{mjs,wasm} (./build_wasm.sh).
//
// The .wasm goes in deflate-compressed (wasm.js inflates it with the browser's
// DecompressionStream): base64 of the raw module gzips to ~1.33x the module's own
// gzip size, base64 of the deflated module to ~1.0x. The element (and embed.js,
// which is the element) gets attention_plot_wasm, the module with only the exports
// one plot calls; app and explore get the full attention_wasm.
//
//   node scripts/bundle.mjs                 -> web/generated/{app,explore,attention-plot,embed}.js
//   node scripts/bundle.mjs explore ...     only the named bundles (app, explore, element, embed)
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'web/generated');

const common = {
  bundle: true,
  format: 'iife',
  target: ['es2022'],
  minify: true,
  legalComments: 'none',
  loader: { '.css': 'text' },
  // core.js reads the .wasm from disk in node only (AttentionCore.load); bundles use wasm.js.
  external: ['node:*'],
  // The Emscripten factory reads import.meta.url to find its .wasm; we pass the bytes
  // instead, so any base URL will do in a classic script.
  define: { 'import.meta.url': '__attnBaseUrl' },
  banner: { js: "var __attnBaseUrl = typeof document !== 'undefined' ? document.baseURI : 'file:///';" },
  logLevel: 'warning',
  logOverride: { 'empty-import-meta': 'silent', 'unsupported-dynamic-import': 'silent' },
};

// Which module a bundle's `../generated/attention_wasm.{mjs,wasm}` imports mean, and the
// .wasm as deflate-raw bytes (a Uint8Array; esbuild's binary loader writes it as base64).
function wasmModule(lean) {
  return {
    name: 'attention-wasm',
    setup(b) {
      b.onResolve({ filter: /generated\/attention_wasm\.(mjs|wasm)$/ }, (args) => ({
        path: path.join(out, lean ? args.path.replace(/.*attention_wasm/, 'attention_plot_wasm') : path.basename(args.path)),
      }));
      b.onLoad({ filter: /\.wasm$/ }, async (args) => ({
        contents: deflateRawSync(await readFile(args.path), { level: 9 }),
        loader: 'binary',
      }));
    },
  };
}

const bundles = {
  app: ['web/js/app.js', 'app.js', false],
  explore: ['web/js/explore.js', 'explore.js', false],
  element: ['web/js/element.js', 'attention-plot.js', true],
  embed: ['web/js/embed.js', 'embed.js', true],
};
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!Object.hasOwn(bundles, name)) {
    console.error(`bundle.mjs: unknown bundle '${name}' (expected: ${Object.keys(bundles).join(', ')})`);
    process.exit(2);
  }
}
for (const name of wanted.length ? wanted : Object.keys(bundles)) {
  const [entry, file, lean] = bundles[name];
  await build({ ...common, entryPoints: [path.join(root, entry)], outfile: path.join(out, file), plugins: [wasmModule(lean)] });
}
