// Writes docs/performance.md from bench/results/{node,browser,machine}.json.
//   node bench/report.mjs [--results bench/results] [--out docs/performance.md]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const dir = opt('--results', path.join(root, 'bench/results'));
const OUT = opt('--out', path.join(root, 'docs/performance.md'));

const read = (f) => (existsSync(path.join(dir, f)) ? JSON.parse(readFileSync(path.join(dir, f), 'utf8')) : null);
const node = read('node.json');
const browser = read('browser.json');
const machine = read('machine.json') ?? {};
if (!node) throw new Error(`no ${dir}/node.json: run bench/node/harness.mjs first`);
const nativeJson = read('native.json');

const ms = (x) => (x === undefined || x === null ? '–' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x >= 0.01 ? x.toFixed(3) : x.toFixed(4));
const ratio = (x) => (Number.isFinite(x) ? `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×` : '–');
const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;
const w1 = (n, d) => node.w1.find((r) => r.n === n && r.d === d);
const w2 = (m, causal) => node.w2.find((r) => r.m === m && r.causal === causal);
const t = (row, impl) => row?.impl[impl]?.median_ms;

const readFloor = nativeJson?.benchmarks?.find((b) => b.run_name?.startsWith('BM_read_floor') && b.aggregate_name === 'median');
const floorMs = readFloor ? readFloor.real_time / 1000 : null;

// ---- targets --------------------------------------------------------------------
const targets = [];
const add = (target, measured, value, met, bound = '') => targets.push({ target, measured, value, met, bound });
{
  const r = w1(65536, 64);
  const wasm = t(r, 'wasm_raw'), nat = t(r, 'native'), tf = t(r, 'tfjs'), js = t(r, 'plain_js');
  add('W1 n=65536 d=64: WASM ≤ 1.2× native (-O3 -march=native)', `WASM ${ms(wasm)} ms, native ${ms(nat)} ms`,
    ratio(wasm / nat), wasm / nat <= 1.2);
  add('W1 n=65536 d=64: ≥ 3× faster than tfjs-wasm', `tfjs ${ms(tf)} ms / WASM ${ms(wasm)} ms`, ratio(tf / wasm), tf / wasm >= 3,
    `Memory traffic: one query must stream K and V (2 · 65536 · 64 floats = 32 MiB, as large as the L3) once per ` +
    `call. Just reading 32 MiB takes ${ms(floorMs)} ms natively here (BM_read_floor: one sequential integer pass), ` +
    `so 3× tfjs (${ms(tf / 3)} ms) leaves ~${ms(tf / 3 - floorMs)} ms for 8 M multiply-adds, a softmax and two passes ` +
    `whose access patterns the prefetcher follows less well than one linear read. With the data in cache the same ` +
    `kernels take about 0.75 ms natively; streamed from memory, ${ms(nat)} ms native and ${ms(wasm)} ms WASM (WASM is ` +
    `already at native speed). tfjs-wasm measured ${ms(tf)} ms here, faster than the prototype's 5.3 ms.`);
  add('W1 n=65536 d=64: ≥ 8× faster than plain JS', `plain JS ${ms(js)} ms / WASM ${ms(wasm)} ms`, ratio(js / wasm), js / wasm >= 8);
}
for (const m of [1024, 2048]) {
  const r = w2(m, false);
  const wasm = t(r, 'wasm_raw'), ort = t(r, 'ort');
  add(`W2 m=${m}, no mask: faster than onnxruntime-web (1 thread)`, `ORT ${ms(ort)} ms / WASM ${ms(wasm)} ms`,
    ratio(ort / wasm), ort / wasm > 1,
    'WASM SIMD is 4 lanes and has no FMA (relaxed-simd is not available in emscripten 3.1.6 / node 20 by default): ' +
    'the 4×8 register tile already issues ~5 instructions per cycle natively; what is left is V8 code generation.');
}
for (const m of [1024, 2048]) {
  const r = w2(m, true);
  const wasm = t(r, 'wasm_raw'), ort = t(r, 'ort');
  add(`W2 m=${m}, causal: ≥ 1.5× faster than ORT with an additive mask`, `ORT ${ms(ort)} ms / WASM ${ms(wasm)} ms`,
    ratio(ort / wasm), ort / wasm >= 1.5);
}
if (browser) {
  const run = browser.runs.find((x) => x.n === 4096);
  add('Browser drag at n=4096: p95 of core+draw ≤ 16.7 ms', `p95 ${ms(run.total.p95)} ms (p50 ${ms(run.total.p50)} ms; core alone p95 ${ms(run.core.p95)} ms)`,
    `${ms(run.total.p95)} ms`, run.total.p95 <= 16.7,
    `Drawing, not the core: core.attend is ${ms(run.core.p95)} ms (p95) of the frame; the rest is the canvas ` +
    'work in web/js/plot.js drawing 4096 individual keys and weight bars (at 65,536 keys the page switches to ' +
    'binned drawing and the frame is faster). Fix belongs to the page (bin or batch the path above ~1000 keys).');
  const heapFlat = browser.heap.after === browser.heap.before;
  add(`No allocation per frame: WASM heap flat over ${browser.heap.updates.toLocaleString('en')} updates (n=${browser.heap.n}, browser)`,
    `${browser.heap.before} → ${browser.heap.after} bytes`, heapFlat ? 'flat' : 'grew', heapFlat);
}
{
  const s = node.size;
  add('Single-file embed ≤ 60 KB gzip', `embed ${kb(s.single_file_embed_gzip)} gzip; .wasm + .mjs ${kb(s.wasm_gzip + s.mjs_gzip)} gzip`,
    kb(s.single_file_embed_gzip), s.single_file_embed_gzip <= 60 * 1000,
    `Base64: embedding the .wasm in the .mjs (what -sSINGLE_FILE does) inflates it by 4/3 and gzip only wins part of ` +
    `that back. Served as two files (.wasm + .mjs), as the page does, the core is ${kb(s.wasm_gzip + s.mjs_gzip)} gzip, ` +
    'within the budget. Shrinking the embed means a smaller .wasm (-Os/-Oz are not an option: Eigen becomes 8-38× slower).');
}
add('Every fast kernel checked against the double reference', 'tests/kernels.test.cpp ([kernels]) in the native suite', 'yes', true);

// ---- tables ---------------------------------------------------------------------
const lines = [];
const P = (s = '') => lines.push(s);
const cpu = machine.cpu ?? node.machine?.cpu ?? '?';
P('# Performance');
P();
P(`Generated by \`./bench/run.sh\` on ${node.date.slice(0, 10)}${node.quick ? ' (**--quick run: fewer batches**)' : ''}. ` +
  'Benchmarks, not tests: the test suite asserts no timing. Re-run to refresh this page.');
P();
P('## Targets');
P();
P('| target | measured | ratio / value | met |');
P('|---|---|---|---|');
for (const x of targets) P(`| ${x.target} | ${x.measured} | ${x.value} | ${x.met ? 'yes' : '**no**'} |`);
P();
const unmet = targets.filter((x) => !x.met);
if (unmet.length) {
  P('What bounds the targets not met:');
  P();
  for (const x of unmet) P(`* **${x.target}** — ${x.bound || 'see the tables below.'}`);
  P();
}

P('## W1: one query against n keys (logits, softmax + statistics, output; dv = d)');
P();
P('Speed-up of the WASM core (raw export) over each peer: peer time / WASM time (> 1: WASM is faster).');
P();
P('| n | d | native | WASM via core.js | core.js, resident K/V | plain JS (peer) | tfjs-wasm | onnxruntime-web |');
P('|---|---|---|---|---|---|---|---|');
for (const r of node.w1) {
  const base = t(r, 'wasm_raw');
  const res = r.impl.wasm_api_resident ? ratio(t(r, 'wasm_api_resident') / base) : '–';
  P(`| ${r.n} | ${r.d} | ${ratio(t(r, 'native') / base)} | ${ratio(t(r, 'wasm_api') / base)} | ${res} | ${ratio(t(r, 'plain_js') / base)} | ${ratio(t(r, 'tfjs') / base)} | ${ratio(t(r, 'ort') / base)} |`);
}
P();
P('Medians in milliseconds:');
P();
P('| n | d | WASM raw | WASM via core.js | core.js, resident K/V | native core | native Eigen (old path) | plain JS | tfjs-wasm | ORT-web | max \\|Δ\\| vs float64 |');
P('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of node.w1) {
  const diff = Math.max(...['wasm_raw', 'wasm_api', 'plain_js', 'tfjs', 'ort'].map((k) => r.impl[k].max_abs_diff));
  P(`| ${r.n} | ${r.d} | ${ms(t(r, 'wasm_raw'))} | ${ms(t(r, 'wasm_api'))} | ${r.impl.wasm_api_resident ? ms(t(r, 'wasm_api_resident')) : '–'} | ${ms(t(r, 'native'))} | ${ms(t(r, 'native_eigen'))} | ${ms(t(r, 'plain_js'))} | ${ms(t(r, 'tfjs'))} | ${ms(t(r, 'ort'))} | ${diff.toExponential(1)} |`);
}
P();
P('## W2: self-attention, d = dv = 64, m = n (output O = softmax(QKᵀ/8 [+ mask]) V)');
P();
P('Speed-up of the WASM blocked kernel (raw export, output only) over each peer (peer / WASM).');
P();
P('| m | mask | native kernel | WASM via core.js (full matrix) | plain JS (peer) | tfjs-wasm | onnxruntime-web |');
P('|---|---|---|---|---|---|---|');
for (const r of node.w2) {
  const base = t(r, 'wasm_raw');
  P(`| ${r.m} | ${r.causal ? 'causal' : 'none'} | ${ratio(t(r, 'native') / base)} | ${ratio(t(r, 'wasm_api') / base)} | ${ratio(t(r, 'plain_js') / base)} | ${ratio(t(r, 'tfjs') / base)} | ${ratio(t(r, 'ort') / base)} |`);
}
P();
P('Medians in milliseconds:');
P();
P('| m | mask | WASM raw | WASM via core.js | native kernel | native attention_matrix | native Eigen (generic) | plain JS | tfjs-wasm | ORT-web | max \\|Δ\\| vs float64 |');
P('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of node.w2) {
  const diff = Math.max(...['wasm_raw', 'wasm_api', 'plain_js', 'tfjs', 'ort'].map((k) => r.impl[k].max_abs_diff));
  P(`| ${r.m} | ${r.causal ? 'causal' : 'none'} | ${ms(t(r, 'wasm_raw'))} | ${ms(t(r, 'wasm_api'))} | ${ms(t(r, 'native'))} | ${ms(t(r, 'native_matrix'))} | ${ms(t(r, 'native_eigen'))} | ${ms(t(r, 'plain_js'))} | ${ms(t(r, 'tfjs'))} | ${ms(t(r, 'ort'))} | ${diff.toExponential(1)} |`);
}
P();
if (browser) {
  P('## Browser: dragging the query (headless Chromium)');
  P();
  P(`${browser.moves} pointer moves per size, one frame each. core+draw = from the start of \`core.attend\` to the end ` +
    'of `plot.draw` in the page\'s own render (the von Mises curve and long-context bin sums included); core = ' +
    '`core.attend` alone. Chromium coarsens `performance.now()` to 0.1 ms.');
  P();
  P('| keys | frames | core+draw p50 | core+draw p95 | core p50 | core p95 | WASM heap before → after |');
  P('|---|---|---|---|---|---|---|');
  for (const r of browser.runs) {
    P(`| ${r.keys.toLocaleString('en')} | ${r.frames} | ${ms(r.total.p50)} ms | ${ms(r.total.p95)} ms | ${ms(r.core.p50)} ms | ${ms(r.core.p95)} ms | ${r.heap_before} → ${r.heap_after} |`);
  }
  P();
  P(`Page weight (first load, every response): ${kb(browser.weight.bytes)} raw, ${kb(browser.weight.gzip)} gzip -9.`);
  P();
  P('| file | bytes | gzip -9 |');
  P('|---|---|---|');
  for (const f of browser.weight.files) P(`| ${f.url} | ${f.bytes} | ${f.gzip} |`);
  P();
}
{
  const s = node.size;
  P('## Size of the core');
  P();
  P('| artefact | bytes | gzip -9 |');
  P('|---|---|---|');
  P(`| web/generated/attention_wasm.wasm | ${s.wasm} | ${s.wasm_gzip} |`);
  P(`| web/generated/attention_wasm.mjs | ${s.mjs} | ${s.mjs_gzip} |`);
  P(`| .wasm + .mjs | ${s.wasm + s.mjs} | ${s.wasm_gzip + s.mjs_gzip} |`);
  P(`| single-file embed (base64 .wasm inside the .mjs) | ${s.single_file_embed} | ${s.single_file_embed_gzip} |`);
  P();
}
P('## Machine');
P();
P(`* CPU: ${cpu}, ${machine.cores ?? node.machine?.cores} cores${machine.flags ? ` (${machine.flags})` : ''}${machine.caches ? `; caches ${machine.caches}` : ''}`);
P(`* ${machine.os ?? 'Debian 12'}; node ${node.node}; ${machine.gcc ?? 'g++'}; ${machine.emcc ?? 'emscripten'}; Chromium ${browser?.chromium ?? '?'}`);
P(`* peers: ${node.peers.tfjs}; ${node.peers.ort}`);
P();
P('## Method');
P();
P('* **Inputs**: the same for every implementation: xorshift32 uniform floats in [-1, 1) with 24-bit resolution, ' +
  'generated bit-identically in C++ (bench/native/attn_bench.cpp) and JavaScript (bench/node/harness.mjs); ' +
  'W1 query × 4, scale 1/√d; W2 scale 1/8. Seeds: Q = 1, K = 2, V = 3.');
P('* **Cross-check**: every output is compared with a float64 JavaScript reference (max |Δ| in the tables; the ' +
  'harness flags anything above 1e-4). The native runs are checked through their Σ output counter.');
P('* **Timing (node)**: warm-up (≥ 3 calls and ≥ 150 ms), then 15 batches (fewer for calls > 300 ms); each batch ' +
  'repeats the call until it lasts ≥ 25 ms; the table shows the median over batches of time per call. ' +
  'Native: Google Benchmark, 11 repetitions, median (Debian\'s libbenchmark reports itself as a DEBUG build; ' +
  'that is the library\'s own flag, the measured code is -O3 -march=native).');
P('* **WASM raw** = the exported C function called on inputs already in the WASM heap (W1: `_attn_attend`, the ' +
  'playground\'s allocation-free entry; W2: `_attn_bench_attention`, the blocked kernel computing O only, like the ' +
  'peers). **WASM via core.js** = the documented API, which also copies inputs into the heap and results out ' +
  '(W2: `attentionMatrix` returns the full m×n logits and weights as well, so it does far more than the peers).');
P('* **Peers**: plain JS = Float32Array loops with Math.exp, as a web developer would write them (causal: loops ' +
  'stop at the diagonal). tfjs: tensors uploaded once, output read back with dataSync() every call. ' +
  'onnxruntime-web: an ONNX graph written by bench/node/onnx.mjs (Transpose, MatMul, Mul, [Add mask], Softmax, ' +
  'MatMul; opset 13), inputs as ort.Tensor, await session.run() per call; causal uses an additive (m, n) mask of ' +
  '0 / -1e9, which is what a generic runtime does (no skipping).');
P('* **Kernels**: src/attn/kernels.cpp, one 4-lane algorithm written with <wasm_simd128.h> for WASM and GCC vector ' +
  'extensions natively (same lanes, same summation order, same exp polynomial, -ffp-contract=off: the two builds are ' +
  'meant to agree bit for bit, which the bench does not verify beyond the cross-check); ' +
  'W2 packs K into 8-key panels, computes 4×8 logit tiles, a row softmax with a polynomial exp, then 4×8 tiles of ' +
  'P·V; causal skips whole panels above the diagonal. Native numbers are therefore 128-bit SIMD too, while ' +
  '"native Eigen" uses AVX-512 through Eigen\'s generic path.');
P('* **Browser**: bench/browser/drag.mjs, playwright-core driving /usr/bin/chromium (headless, fresh profile, ' +
  '--disable-gpu), page served by scripts/serve.mjs, page defaults otherwise; the heap check calls setState + render ' +
  '10,000 times at n = 4096 and compares `core.heapBytes`. The page\'s default normalizeKeys = true is not covered ' +
  'by the float fast path yet, so its frames run the reference (Eigen) path of attn::attend_into.');
P();
writeFileSync(OUT, lines.join('\n'));
process.stderr.write(`wrote ${OUT}\n`);
