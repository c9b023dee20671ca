// Node benchmark harness: the WASM core (documented JS API and raw exports), the
// native core (Google Benchmark, spawned from here), a plain-JavaScript
// Float32Array peer, TensorFlow.js (wasm backend, 1 thread) and onnxruntime-web
// (wasm, numThreads = 1) on the same inputs, with every output cross-checked
// against a float64 JavaScript reference. The workloads themselves live in
// bench/workloads.mjs (shared with the browser harness, bench/browser/kernels.mjs).
//
//   node bench/node/harness.mjs [--native build/bench/bench/attn_bench] [--out bench/results/node.json] [--quick]
//
// Benchmarks, not tests: nothing here asserts a time.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { runWorkloads } from '../workloads.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const require = createRequire(import.meta.url);

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const QUICK = argv.includes('--quick');
const NATIVE = opt('--native', path.join(root, 'build/bench/bench/attn_bench'));
const OUT = opt('--out', path.join(root, 'bench/results/node.json'));

// ---- loaders ------------------------------------------------------------------------
async function loadCore() {
  const { AttentionCore } = await import(path.join(root, 'web/js/core/attention-core.js'));
  return AttentionCore.load();
}
async function loadTf() {
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  wasm.setThreadsCount(1);
  wasm.setWasmPaths(dist + path.sep);
  await tf.setBackend('wasm');
  await tf.ready();
  return { tf, threads: wasm.getThreadsCount(), version: tf.version_core };
}
async function loadOrt() {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  ort.env.logLevel = 'error';
  return ort;
}

function nativeRun() {
  const outFile = path.join(path.dirname(OUT), 'native.json');
  mkdirSync(path.dirname(outFile), { recursive: true });
  const args = [`--benchmark_out=${outFile}`, '--benchmark_out_format=json', '--benchmark_format=console',
    `--benchmark_repetitions=${QUICK ? 3 : 11}`, '--benchmark_report_aggregates_only=true',
    `--benchmark_min_time=${QUICK ? 0.02 : 0.05}`];
  process.stderr.write(`native: ${NATIVE} ${args.join(' ')}\n`);
  execFileSync(NATIVE, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const json = JSON.parse(readFileSync(outFile, 'utf8'));
  const toMs = { ns: 1e-6, us: 1e-3, ms: 1, s: 1e3 };
  const med = {};
  for (const b of json.benchmarks) {
    if (b.aggregate_name !== 'median') continue;
    med[b.run_name] = { median_ms: b.real_time * toMs[b.time_unit], checksum: b.checksum };
  }
  return { context: json.context, medians: med };
}

// ---- main ---------------------------------------------------------------------------
const results = { date: new Date().toISOString(), quick: QUICK, node: process.version, w1: [], w2: [], peers: {} };

const native = nativeRun();
results.native_context = {
  host: native.context.host_name, cpus: native.context.num_cpus, mhz: native.context.mhz_per_cpu,
  build: native.context.library_build_type,
};

const core = await loadCore();
const { tf, threads: tfThreads, version: tfVersion } = await loadTf();
const ort = await loadOrt();
results.peers = {
  tfjs: `@tensorflow/tfjs-core ${tfVersion} + tfjs-backend-wasm, threads = ${tfThreads}`,
  ort: `onnxruntime-web ${ort.env.versions?.web ?? '?'} (wasm, numThreads = 1)`,
};
const { w1, w2 } = await runWorkloads({ core, tf, ort, native, quick: QUICK, log: (m) => process.stderr.write(`${m}\n`) });
results.w1 = w1;
results.w2 = w2;

// ---- sizes --------------------------------------------------------------------------
// The modules and the shipped single-file element (its .wasm inlined deflate-compressed).
const gz = (file) => execFileSync('gzip', ['-9', '-c', file], { maxBuffer: 1 << 28 }).length;
const gen = (f) => path.join(root, 'web/generated', f);
const sized = (f) => ({ bytes: readFileSync(gen(f)).length, gzip: gz(gen(f)) });
results.size = Object.fromEntries(['attention_wasm.wasm', 'attention_wasm.mjs', 'attention_plot_wasm.wasm',
  'attention_plot_wasm.mjs', 'attention-plot.js', 'embed.js', 'app.js', 'explore.js'].map((f) => [f, sized(f)]));
results.machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length };

mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify(results, null, 1));
process.stderr.write(`wrote ${OUT}\n`);
const bad = [...results.w1, ...results.w2]
  .flatMap((r) => Object.entries(r.impl).filter(([, v]) => v.ok === false).map(([k]) => k));
if (bad.length) process.stderr.write(`WARNING: outputs disagree for ${bad.join(', ')}\n`);
