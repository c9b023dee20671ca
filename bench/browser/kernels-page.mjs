// The page side of bench/browser/kernels.mjs (a file: the server sends the strict CSP).
import { AttentionCore } from '/web/js/core/attention-core.js';
import { runWorkloads } from '/bench/workloads.mjs';

window.runBench = async ({ quick }) => {
  const log = (m) => console.log(m);
  const core = await AttentionCore.load();   // the full module: core.raw has the bench exports
  const tf = window.tf;
  tf.wasm.setThreadsCount(1);
  tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  await tf.setBackend('wasm');
  await tf.ready();
  const ort = window.ort;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  ort.env.logLevel = 'error';
  const peers = {
    tfjs: `@tensorflow/tfjs-core ${tf.version_core} + tfjs-backend-wasm, threads = ${tf.wasm.getThreadsCount()}`,
    ort: `onnxruntime-web ${ort.env.versions?.web ?? '?'} (wasm, numThreads = 1)`,
  };
  const { w1, w2 } = await runWorkloads({ core, tf, ort, quick, log });
  return { peers, w1, w2 };
};
document.body.dataset.ready = '1';
