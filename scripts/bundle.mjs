// Bundles the pages' scripts with esbuild into classic scripts (IIFE) with the WASM
// inlined, so every page opens from file:// (ES modules do not) and runs under the
// strict CSP. Needs web/generated/attention_wasm.{mjs,wasm} (./build_wasm.sh).
//
//   node scripts/bundle.mjs                 -> web/generated/{app,explore,attention-plot,embed}.js
//   node scripts/bundle.mjs explore ...     only the named bundles (app, explore, element, embed)
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'web/generated');

const common = {
  bundle: true,
  format: 'iife',
  target: ['es2022'],
  minify: true,
  legalComments: 'none',
  loader: { '.wasm': 'binary', '.css': 'text' },
  // core.js reads the .wasm from disk in node only (AttentionCore.load); bundles use wasm.js.
  external: ['node:*'],
  // The Emscripten factory reads import.meta.url to find its .wasm; we pass the bytes
  // instead, so any base URL will do in a classic script.
  define: { 'import.meta.url': '__attnBaseUrl' },
  banner: { js: "var __attnBaseUrl = typeof document !== 'undefined' ? document.baseURI : 'file:///';" },
  logLevel: 'warning',
  logOverride: { 'empty-import-meta': 'silent', 'unsupported-dynamic-import': 'silent' },
};

const bundles = {
  app: ['web/js/app.js', 'app.js'],
  explore: ['web/js/explore.js', 'explore.js'],
  element: ['web/js/element.js', 'attention-plot.js'],
  embed: ['web/js/embed.js', 'embed.js'],
};
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!Object.hasOwn(bundles, name)) {
    console.error(`bundle.mjs: unknown bundle '${name}' (expected: ${Object.keys(bundles).join(', ')})`);
    process.exit(2);
  }
}
for (const name of wanted.length ? wanted : Object.keys(bundles)) {
  const [entry, file] = bundles[name];
  await build({ ...common, entryPoints: [path.join(root, entry)], outfile: path.join(out, file) });
}
