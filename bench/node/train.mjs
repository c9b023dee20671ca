// Training steps per second at web/train.html's defaults (task "cycle", n = 16: V = T = C = 16,
// d_model 16, 1 head, d_head 16, scale 1/4, softmax, no mask; Adam lr 0.005, β 0.9 / 0.999,
// ε 1e-8; batch 32), in ONE node process:
//   wasm      the WASM core through the documented API: core.trainer({task: 'cycle'}).step(200)
//             (float; each step makes its batch inside the core, as the page's steps do)
//   tfjs-wasm the same model written in TensorFlow.js (@tensorflow/tfjs-backend-wasm, 1 thread,
//             float32): tf.train.adam(...).minimize(), whose gradients are tf.variableGrads
//   tfjs-cpu  the same code on @tensorflow/tfjs-backend-cpu (plain JavaScript kernels)
// and, spawned from here, the same Trainer<T> natively and as a WASM program built from the same
// source (bench/native/train_bench.cpp: float and double, with the split of a step into
// make_batch / forward / backward / Adam).
//
// Every measurement: a fresh run (seed 1), 20 warm-up steps, then 200 timed steps; 7 repetitions
// (3 with --quick), ours / tfjs-wasm / tfjs-cpu taking turns, median steps per second. The tfjs
// batches (random permutations, their successor targets one-hot) are made before the timed region
// and reused round robin, so tfjs is timed without batch generation while ours includes it
// (natively make_batch is ~1 % of a step; see split_ms). tfjs reads each step's loss back
// (dataSync), as the page plots every step's loss; ours returns every loss too.
//
//   node bench/node/train.mjs [--native build/bench/bench/train_bench]
//        [--wasm-program build/wasm-bench/train_bench.cjs] [--out bench/results/train.json] [--quick]
//        [--init-seed 1]   (the tfjs init's seed; ours always uses seed 1)
//
// Benchmark, not a test: nothing here asserts a time. It does check that the tfjs model starts
// at ≈ ln 16 like ours and that its loss falls.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const require = createRequire(import.meta.url);

const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const QUICK = argv.includes('--quick');
const NATIVE = opt('--native', path.join(root, 'build/bench/bench/train_bench'));
const WASM_PROGRAM = opt('--wasm-program', path.join(root, 'build/wasm-bench/train_bench.cjs'));
const OUT = opt('--out', path.join(root, 'bench/results/train.json'));
const REPS = QUICK ? 3 : 7, STEPS = 200, WARM = 20;
const log = (m) => process.stderr.write(`${m}\n`);

const N = 16, D = 16, B = 32, LR = 0.005, INIT_SEED = Number(opt('--init-seed', 1));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b), n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

// ---- ours: the WASM core through core.trainer -----------------------------------------
async function makeOurs() {
  const { AttentionCore } = await import(path.join(root, 'web/js/core/attention-core.js'));
  const core = await AttentionCore.load({ wasmBinary: readFileSync(path.join(root, 'web/generated/attention_wasm.wasm')) });
  const sps = [];
  let first = NaN, last = NaN, info = null, curve = null;
  return {
    once(r) {
      const t = core.trainer({ task: 'cycle' });
      info = t.info();
      const w = t.step(WARM);
      const t0 = performance.now();
      const out = t.step(STEPS);
      sps.push(STEPS / ((performance.now() - t0) / 1000));
      if (r === 0) {
        first = w.loss[0];
        curve = [...w.loss, ...out.loss].filter((_, i) => i % 20 === 0);
      }
      last = out.loss[STEPS - 1];
      t.free();
    },
    result: () => ({ steps_per_second: median(sps), reps: sps, first_loss: first, last_batch_loss: last,
      curve_every_20: curve, info }),
  };
}

// ---- TensorFlow.js: the same model ------------------------------------------------------
// xorshift32 uniforms and Box-Muller normals: the init's distributions (E, P, W_Q, W_K, W_V,
// U ~ N(0, 1/D); W_O ~ N(0, 1/(H·d))), not the core's bits.
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return (x + 0.5) / 4294967296;
  };
}
function normals(u, count, sd) {
  const a = new Float32Array(count);
  for (let i = 0; i < count; i++) a[i] = sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return a;
}
// A cycle batch: B random permutations x of 0..N-1; the target of position t is the position j
// with x_j = (x_t + 1) mod N (classes are positions).
function cycleBatch(u) {
  const tokens = new Int32Array(B * N), targets = new Int32Array(B * N);
  for (let b = 0; b < B; b++) {
    const x = Array.from({ length: N }, (_, i) => i);
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(u() * (i + 1));
      [x[i], x[j]] = [x[j], x[i]];
    }
    const pos = new Int32Array(N);
    x.forEach((v, t) => { pos[v] = t; });
    for (let t = 0; t < N; t++) {
      tokens[b * N + t] = x[t];
      targets[b * N + t] = pos[(x[t] + 1) % N];
    }
  }
  return { tokens, targets };
}

// tfjs-core's node entry (dist/tf-core.node.js) has no gradients: they are registered by
// dist/register_all_gradients.js, an ES module with extension-less imports node cannot load.
// So esbuild (the pages' bundler) bundles tfjs-core's ES modules, the gradients and both
// backends into one file, one engine: build/wasm-bench/tfjs.mjs.
let tfBundle = null;
async function loadTf() {
  if (tfBundle) return tfBundle;
  const out = path.join(root, 'build/wasm-bench/tfjs.mjs');
  mkdirSync(path.dirname(out), { recursive: true });
  const { buildSync } = require('esbuild');
  buildSync({
    stdin: {
      contents: "export * as tf from '@tensorflow/tfjs-core'; import '@tensorflow/tfjs-core/dist/register_all_gradients';\n" +
        "export * as wasm from '@tensorflow/tfjs-backend-wasm'; import '@tensorflow/tfjs-backend-cpu';\n",
      resolveDir: root, loader: 'js',
    },
    bundle: true, format: 'esm', platform: 'node', mainFields: ['module', 'main'], outfile: out, logLevel: 'warning',
    // the wasm backend's Emscripten glue expects CommonJS's require and __dirname
    banner: { js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url';\n" +
      'const require = __cr(import.meta.url); const __filename = __fu(import.meta.url);\n' +
      "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));" },
  });
  tfBundle = await import(out);
  return tfBundle;
}

async function makeTf(backend) {
  const { tf, wasm } = await loadTf();
  if (backend === 'wasm') {
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setThreadsCount(1);
    wasm.setWasmPaths(dist + path.sep);
  }
  await tf.setBackend(backend);
  await tf.ready();
  const u = rng(12345);
  // Batches made up front (outside the timed steps) on this backend, reused round robin.
  const batches = Array.from({ length: 16 }, () => {
    const { tokens, targets } = cycleBatch(u);
    return {
      x: tf.cast(tf.oneHot(tf.tensor1d(tokens, 'int32'), N), 'float32'),
      y: tf.cast(tf.oneHot(tf.tensor1d(targets, 'int32'), N), 'float32'),
    };
  });
  const sps = [], curves = [];
  const once = async () => {
    await tf.setBackend(backend);  // the backends take turns with ours, repetition by repetition
    const ui = rng(INIT_SEED);  // the same init every repetition (ours: seed 1 every repetition)
    const v = (shape, sd) => tf.variable(tf.tensor2d(normals(ui, shape[0] * shape[1], sd), shape, 'float32'));
    const sd = 1 / Math.sqrt(D);
    const E = v([N, D], sd), P = v([N, D], sd), Wq = v([D, D], sd), Wk = v([D, D], sd), Wv = v([D, D], sd);
    const Wo = v([D, D], sd), U = v([N, D], sd);
    const vars = [E, P, Wq, Wk, Wv, Wo, U];
    const opt = tf.train.adam(LR, 0.9, 0.999, 1e-8);
    const loss = (x, y) => {
      // E[x] as onehot(x) · E: the gradient of tf.gather needs UnsortedSegmentSum, which the
      // wasm backend does not have (tfjs 4.22); x is the batch's one-hot tokens (B·T, V).
      const H0 = tf.add(tf.reshape(tf.matMul(x, E), [B, N, D]), P);  // (B, T, D)
      const flat = tf.reshape(H0, [B * N, D]);
      const proj = (W) => tf.reshape(tf.matMul(flat, W, false, true), [B, N, D]);
      const Q = proj(Wq), K = proj(Wk), V = proj(Wv);
      const S = tf.mul(tf.matMul(Q, K, false, true), 1 / Math.sqrt(D));  // (B, T, T), no mask
      const A = tf.softmax(S);
      const O = tf.reshape(tf.matMul(A, V), [B * N, D]);
      const H1 = tf.add(flat, tf.matMul(O, Wo, false, true));
      const Z = tf.matMul(H1, U, false, true);                    // (B·T, C)
      return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(Z)), -1)));
    };
    const step = (k) => {
      const { x, y } = batches[k % batches.length];
      const l = opt.minimize(() => loss(x, y), true, vars);
      const value = l.dataSync()[0];
      l.dispose();
      return value;
    };
    const curve = [];
    for (let k = 0; k < WARM; k++) curve.push(step(k));
    const t0 = performance.now();
    for (let k = 0; k < STEPS; k++) curve.push(step(WARM + k));
    sps.push(STEPS / ((performance.now() - t0) / 1000));
    curves.push(curve);
    opt.dispose();
    vars.forEach((t) => t.dispose());
  };
  const result = () => {
    const first = median(curves.map((c) => c[0]));
    const last = median(curves.map((c) => c.slice(-10).reduce((a, b) => a + b, 0) / 10));
    return {
      steps_per_second: median(sps), reps: sps, first_loss: first, last10_loss: last,
      curve_every_20: curves[0].filter((_, i) => i % 20 === 0), init_seed: INIT_SEED,
      // sanity: starts at ≈ ln 16 like ours, and learns (the cycle task sits on a plateau near
      // ln 16 for an init-dependent number of steps before it drops)
      loss_falls: last < first - 0.3, starts_near_ln16: Math.abs(first - Math.log(16)) < 0.3,
      version: tf.version_core, backend, tensors_alive: tf.memory().numTensors,
    };
  };
  return { once, result };
}

function program(cmd, args) {
  log(`${cmd} ${args.join(' ')}`);
  return JSON.parse(execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 }));
}

// ---- main ---------------------------------------------------------------------------------
const res = { date: new Date().toISOString(), quick: QUICK, node: process.version, reps: REPS, steps: STEPS, warm: WARM,
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadavg_start: os.loadavg() } };
const progArgs = ['--reps', String(REPS), '--steps', String(STEPS), '--warm', String(WARM)];
log('native Trainer<float>/<double> (train_bench)');
res.native = existsSync(NATIVE) ? program(NATIVE, progArgs) : null;
log('WASM Trainer<float>/<double> (train_bench.cjs, the same source)');
res.wasm_program = existsSync(WASM_PROGRAM) ? program(process.execPath, [WASM_PROGRAM, ...progArgs]) : null;
// One engine per process for tfjs: its two backends and ours take turns, repetition by
// repetition, so a change in the machine's load falls on all three alike.
const ours = await makeOurs(), tfw = await makeTf('wasm'), tfc = await makeTf('cpu');
for (let r = 0; r < REPS; r++) {
  log(`repetition ${r + 1}/${REPS}: ours, tfjs-wasm, tfjs-cpu`);
  ours.once(r);
  await tfw.once(r);
  await tfc.once(r);
}
res.wasm = ours.result();
res.tfjs_wasm = tfw.result();
res.tfjs_cpu = tfc.result();
for (const k of ['wasm', 'tfjs_wasm', 'tfjs_cpu']) {
  const x = res[k];
  log(`${k}: ${x.steps_per_second.toFixed(0)} steps/s; loss every 20 steps: ${x.curve_every_20.map((l) => l.toFixed(2)).join(' ')}`);
}
res.machine.loadavg_end = os.loadavg();

const oursSps = res.wasm.steps_per_second;
res.ratios = {
  ours_vs_tfjs_wasm: oursSps / res.tfjs_wasm.steps_per_second,
  ours_vs_tfjs_cpu: oursSps / res.tfjs_cpu.steps_per_second,
  native_float_vs_wasm: res.native ? res.native.float.steps_per_second / oursSps : null,
  native_float_vs_wasm_program: res.native && res.wasm_program
    ? res.native.float.steps_per_second / res.wasm_program.float.steps_per_second : null,
};
log(JSON.stringify(res.ratios));
for (const k of ['tfjs_wasm', 'tfjs_cpu']) {
  if (!res[k].loss_falls || !res[k].starts_near_ln16) log(`WARNING: ${k} sanity: first ${res[k].first_loss}, last ${res[k].last10_loss}`);
}
mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify(res, null, 1));
log(`wrote ${OUT}`);
