// Bundles the pages' scripts with esbuild into classic scripts (IIFE) with the WASM
// inlined, so every page opens from file:// (ES modules do not) and runs under the
// strict CSP; then the npm package's files (dist/) and the standalone playground.html.
// Needs web/generated/attention{,_plot,_head}_wasm.{mjs,wasm} (./build_wasm.sh).
//
// The .wasm goes in deflate-compressed (core/loader.js inflates it with the browser's
// DecompressionStream): base64 of the raw module gzips to ~1.33x the module's own
// gzip size, base64 of the deflated module to ~1.0x. Which module and which core class a
// bundle gets is its entry's own import: the element (entries/attention-plot.js, and
// embed.js, which is the element) imports core/wasm-plot.js (attention_plot_wasm, PlotCore);
// <attention-head> (entries/attention-head.js) core/wasm-head.js (attention_head_wasm);
// app, explore, train, the package and the widget import core/wasm.js (attention_wasm, AttentionCore).
//
//   node scripts/bundle.mjs            -> everything below
//   node scripts/bundle.mjs NAME ...   only the named targets
//   ATTN_NO_MINIFY=1 node scripts/bundle.mjs app   readable names in a profile (do not ship)
//
//   app, explore, train, model, element, head, embed
//              web/generated/{app,explore,train,model,attention-plot,attention-head,embed}.js
//   package    dist/index.js (ESM, WASM inlined: browsers and bundlers), dist/node.js (ESM for
//              node: reads dist/attention_wasm.wasm), dist/attention-plot.js and
//              dist/attention-head.js (the classic element scripts), dist/attention_wasm.wasm;
//              types/ ships as written
//   widget     dist/widget.js (the anywidget front end, ESM, WASM inlined)
//   playground dist/playground.html (page + explore + WASM in one file; also web/generated/)
//   python     python/attention_plot/static/{attention-plot.js,attention-head.js,widget.js} (for the wheel)
import { build, transform } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import vm from 'node:vm';
import { deflateRawSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'web/generated');
const dist = path.join(root, 'dist');
const at = (...p) => path.join(root, ...p);

const common = {
  bundle: true,
  format: 'iife',
  target: ['es2022'],
  minify: !process.env.ATTN_NO_MINIFY,
  legalComments: 'none',
  loader: { '.css': 'text' },
  // PlotCore.load reads the .wasm from disk in node only; bundles use core/wasm.js or wasm-plot.js.
  external: ['node:*'],
  // The Emscripten factory reads import.meta.url to find its .wasm; we pass the bytes
  // instead, so any base URL will do in a classic script.
  define: { 'import.meta.url': '__attnBaseUrl' },
  banner: { js: "var __attnBaseUrl = typeof document !== 'undefined' ? document.baseURI : 'file:///';" },
  logLevel: 'warning',
  logOverride: { 'empty-import-meta': 'silent', 'unsupported-dynamic-import': 'silent' },
};

// The .wasm a bundle imports (core/wasm.js: attention_wasm; core/wasm-plot.js, the element's
// lean core: attention_plot_wasm), inlined as deflate-raw bytes (a Uint8Array; esbuild's
// binary loader writes it as base64).
const wasmModule = {
  name: 'attention-wasm',
  setup(b) {
    b.onLoad({ filter: /\.wasm$/ }, async (args) => ({
      contents: deflateRawSync(await readFile(args.path), { level: 9 }),
      loader: 'binary',
    }));
  },
};

// CSS a script imports (the element's palette.css) goes in minified: it is text in the bundle,
// and its comments and spaces cost the element's budget ~0.4 KB gzip.
const minifiedCss = {
  name: 'minified-css',
  setup(b) {
    b.onLoad({ filter: /\.css$/ }, async (args) => ({
      contents: (await transform(await readFile(args.path, 'utf8'), { loader: 'css', minify: true })).code.trim(),
      loader: 'text',
    }));
  },
};

// Browser ESM for the package (index.js, widget.js): no import.meta (so no asset URL for a
// bundler to chase: the Emscripten loader's own .wasm URL is built from a plain variable) and
// no node: imports, so esbuild, Vite, webpack and a plain <script type="module"> take it as
// it is. PlotCore.load's node-only branch (reading the .wasm from a file) is dead
// code here (package.js overrides load); its `node:` import becomes a stub that says so.
const noNodeBuiltins = {
  name: 'no-node-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'no-node' }));
    b.onLoad({ filter: /.*/, namespace: 'no-node' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`attention-plot: ${args.path} is not available in this build`)});`,
    }));
  },
};
const browserEsm = { ...common, format: 'esm', external: [], plugins: [noNodeBuiltins, wasmModule, minifiedCss] };

// Node ESM: the .wasm stays a file next to dist/node.js and is read on the first load(),
// so importing the package costs nothing until a core is asked for.
const wasmFromPackage = {
  name: 'wasm-from-package',
  setup(b) {
    const factory = at('web/generated/attention_wasm.mjs');
    b.onResolve({ filter: /attention_wasm\.wasm$/ }, () => ({ path: 'wasm-bytes', namespace: 'pkg' }));
    b.onResolve({ filter: /attention_wasm\.mjs$/ }, (args) =>
      (args.namespace === 'pkg' ? { path: factory } : { path: 'factory', namespace: 'pkg' }));
    b.onLoad({ filter: /^wasm-bytes$/, namespace: 'pkg' }, () => ({ contents: 'export default undefined;' }));
    b.onLoad({ filter: /^factory$/, namespace: 'pkg' }, () => ({
      resolveDir: root,
      contents: `
        import factory from './web/generated/attention_wasm.mjs';
        import { readFile } from 'node:fs/promises';
        import { fileURLToPath } from 'node:url';
        export default async function createAttentionModule(args = {}) {
          if (args.wasmBinary === undefined) {
            const url = new URL('./attention_wasm.wasm', import.meta.url);
            try {
              args = { ...args, wasmBinary: await readFile(url) };
            } catch (e) {
              throw new Error('attention-plot: could not read ' + fileURLToPath(url) + ' (' + (e.code ?? e.message) +
                '); it ships next to dist/node.js. If a bundler moved this file, pass the bytes: AttentionCore.load({ wasmBinary }).');
            }
          }
          return factory(args);
        }`,
    }));
  },
};
const nodeEsm = {
  ...common, format: 'esm', platform: 'node', minify: false, define: {}, banner: {},
  external: ['node:*'], plugins: [wasmFromPackage, minifiedCss],
};

// A classic script made safe to inline in <script>: "</script" would end it early and "<!--"
// can change how the HTML parser finds its end, so both get a backslash (an identity escape
// in the strings and templates where they occur); the result must still parse.
function inlineSafe(code, what) {
  const safe = code.replace(/<(\/script|!--)/gi, '<\\$1');
  try {
    new vm.Script(safe);
  } catch (e) {
    throw new Error(`bundle.mjs: ${what} does not parse once made safe to inline (${e.message})`);
  }
  return safe;
}

const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const between = (html, open, close) => {
  const i = html.indexOf(open), j = html.lastIndexOf(close);
  if (i < 0 || j < 0) throw new Error(`bundle.mjs: ${open}…${close} not found`);
  return html.slice(html.indexOf('>', i) + 1, j);
};
const escapeAttr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

// One file: both pages' markup as templates, their CSS and the standalone bundle inline,
// under a CSP of hashes (no network at all: default-src 'none').
async function playground() {
  const bundle = await build({ ...common, entryPoints: [at('web/js/entries/standalone.js')], write: false,
    plugins: [wasmModule, minifiedCss] });
  const script = inlineSafe(bundle.outputFiles[0].text, 'the standalone bundle');
  const palette = await readFile(at('web/css/palette.css'), 'utf8');
  const style = (await readFile(at('web/css/style.css'), 'utf8')).replace(/@import url\("palette\.css"\);/, () => palette);
  if (style.includes('@import')) throw new Error('bundle.mjs: style.css has an @import this build does not inline');
  const exploreCss = await readFile(at('web/css/explore.css'), 'utf8');
  const icon = `data:image/svg+xml;base64,${(await readFile(at('web/favicon.svg'))).toString('base64')}`;
  const page = await readFile(at('web/index.html'), 'utf8');
  const explore = await readFile(at('web/explore.html'), 'utf8');
  const title = (html) => /<title>([^<]*)<\/title>/.exec(html)[1];
  const description = /<meta name="description" content="([^"]*)"/.exec(page)[1];
  // Links between the two views stay inside this file.
  const body = (html) => between(html, '<body', '</body>').replace(/href="explore\.html"/g, 'href="?explore"').replace(/href="index\.html"/g, 'href="?"');
  const csp = [
    "default-src 'none'", `script-src ${sha256(script)} 'wasm-unsafe-eval'`, `style-src ${sha256(style)} ${sha256(exploreCss)}`,
    'img-src data: blob:', "object-src 'none'", "base-uri 'none'", "form-action 'none'",
  ].join('; ');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${title(page)}</title>
<meta name="description" content="${description}">
<meta name="generator" content="attention-plot scripts/bundle.mjs: web/index.html + web/explore.html, WASM inlined">
<link rel="icon" href="${icon}" type="image/svg+xml">
<style>${style}</style>
</head>
<body>
<noscript><p>This page needs JavaScript and WebAssembly: every number on it is computed by the attention core.</p></noscript>
<template id="view-page" data-title="${escapeAttr(title(page))}">${body(page)}</template>
<template id="view-explore" data-title="${escapeAttr(title(explore))}"><style>${exploreCss}</style>${body(explore)}</template>
<script>${script}</script>
</body>
</html>
`;
  await writeFile(path.join(dist, 'playground.html'), html);
  await writeFile(path.join(out, 'playground.html'), html);
}

// The inlined .wasm (base64 of deflate: nearly incompressible) goes last in the file, as a
// hoisted function the bundle calls: left in place it splits the JavaScript around it into
// two halves gzip cannot match across (its window is 32 KB). 1.1 KB less gzip for the element.
const WASM_LITERAL = /"([A-Za-z0-9+/]{20000,}={0,2})"/;
function wasmLast(code) {
  const m = WASM_LITERAL.exec(code);
  if (!m) return code;
  return `${code.slice(0, m.index)}__attnWasmBase64()${code.slice(m.index + m[0].length)}` +
    `function __attnWasmBase64(){return"${m[1]}"}\n`;
}

const classic = (entry, file) => async () => {
  const result = await build({ ...common, entryPoints: [at(entry)], write: false, plugins: [wasmModule, minifiedCss] });
  await writeFile(path.join(out, file), wasmLast(result.outputFiles[0].text));
};
const targets = {
  app: classic('web/js/entries/app.js', 'app.js'),
  explore: classic('web/js/explore/explore.js', 'explore.js'),
  train: classic('web/js/entries/train.js', 'train.js'),
  model: classic('web/js/entries/model.js', 'model.js'),
  element: classic('web/js/entries/attention-plot.js', 'attention-plot.js'),
  head: classic('web/js/entries/attention-head.js', 'attention-head.js'),
  embed: classic('web/js/entries/embed.js', 'embed.js'),
  package: async () => {
    await classic('web/js/entries/attention-plot.js', 'attention-plot.js')();
    await build({ ...browserEsm, entryPoints: [at('web/js/entries/package.js')], outfile: path.join(dist, 'index.js') });
    await build({ ...nodeEsm, entryPoints: [at('web/js/entries/package.js')], outfile: path.join(dist, 'node.js') });
    await copyFile(path.join(out, 'attention-plot.js'), path.join(dist, 'attention-plot.js'));
    await copyFile(path.join(out, 'attention-head.js'), path.join(dist, 'attention-head.js'));
    await copyFile(path.join(out, 'attention_wasm.wasm'), path.join(dist, 'attention_wasm.wasm'));
  },
  widget: () => build({ ...browserEsm, entryPoints: [at('web/js/entries/widget.js')], outfile: path.join(dist, 'widget.js') }),
  playground,
  python: async () => {
    const dir = at('python/attention_plot/static');
    await mkdir(dir, { recursive: true });
    // Python inlines it into <script> (the notebook's _repr_html_).
    const element = await readFile(path.join(dist, 'attention-plot.js'), 'utf8');
    await writeFile(path.join(dir, 'attention-plot.js'), inlineSafe(element, 'attention-plot.js'));
    const head = await readFile(path.join(dist, 'attention-head.js'), 'utf8');
    await writeFile(path.join(dir, 'attention-head.js'), inlineSafe(head, 'attention-head.js'));
    await copyFile(path.join(dist, 'widget.js'), path.join(dir, 'widget.js'));
  },
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!Object.hasOwn(targets, name)) {
    console.error(`bundle.mjs: unknown target '${name}' (expected: ${Object.keys(targets).join(', ')})`);
    process.exit(2);
  }
}
await mkdir(out, { recursive: true });
await mkdir(dist, { recursive: true });
// 'element' is built by 'package' too; the rest in dependency order ('head' before 'package',
// which copies it to dist/; python copies dist/).
const order = wanted.length ? wanted : Object.keys(targets).filter((t) => t !== 'element');
for (const name of order) await targets[name]();
