// The W1/W2 workloads, shared by the node harness (bench/node/harness.mjs) and the
// browser one (bench/browser/kernels.mjs, the same code in headless Chromium): the WASM
// core (documented API and raw exports), plain JavaScript, TensorFlow.js (wasm backend)
// and onnxruntime-web on the same inputs, every output checked against a float64
// reference. No node or DOM APIs here. Benchmarks, not tests: nothing asserts a time.
//
// Timing: warm-up (>= 3 calls and >= 150 ms), then BATCHES batches; each batch runs k
// calls (k calibrated so a batch lasts >= ~25 ms) and yields time/k; the result is the
// median over batches.
import { sdpaModel } from './node/onnx.mjs';

// ---- inputs: xorshift32, bit-identical to bench/native/attn_bench.cpp -------------
export function benchInputs(seed, count) {
  const out = new Float32Array(count);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = (x >>> 8) * (1 / 16777216) * 2 - 1;
  }
  return out;
}
const SEED_Q = 1, SEED_K = 2, SEED_V = 3;

// ---- timing -----------------------------------------------------------------------
let QUICK = false, BATCHES = 15, BATCH_MS = 25;
async function measure(fn, { maxCallsPerBatch = 1e6, batches = BATCHES } = {}) {
  // warm-up
  let calls = 0;
  const t0 = performance.now();
  while (calls < 3 || performance.now() - t0 < 150) {
    await fn();
    calls++;
    if (calls >= 3 && performance.now() - t0 > 2000) break;
  }
  const per = (performance.now() - t0) / calls;
  const k = Math.max(1, Math.min(maxCallsPerBatch, Math.ceil(BATCH_MS / Math.max(per, 1e-4))));
  const samples = [];
  for (let b = 0; b < batches; b++) {
    const s = performance.now();
    for (let i = 0; i < k; i++) await fn();
    samples.push((performance.now() - s) / k);
  }
  samples.sort((a, b) => a - b);
  const med = samples.length % 2 ? samples[(samples.length - 1) / 2]
    : (samples[samples.length / 2 - 1] + samples[samples.length / 2]) / 2;
  return { median_ms: med, min_ms: samples[0], max_ms: samples[samples.length - 1], batches, calls_per_batch: k };
}
// Slow peers (plain JS self-attention at m = 2048 takes ~1 s a call): fewer batches.
const slowBatches = (estimateMs) => (estimateMs > 300 ? (QUICK ? 2 : 5) : BATCHES);

function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

// ---- float64 references -------------------------------------------------------------
function refAttend(q, K, V, n, d, dv, scale) {
  const l = new Float64Array(n);
  let mx = -Infinity;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += K[i * d + k] * q[k];
    l[i] = s * scale;
    if (l[i] > mx) mx = l[i];
  }
  let sum = 0;
  for (let i = 0; i < n; i++) { l[i] = Math.exp(l[i] - mx); sum += l[i]; }
  const out = new Float64Array(dv);
  for (let i = 0; i < n; i++) for (let c = 0; c < dv; c++) out[c] += (l[i] / sum) * V[i * dv + c];
  return out;
}
function refSelf(Q, K, V, m, n, d, dv, scale, causal) {
  const O = new Float64Array(m * dv), row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const len = causal ? Math.min(i + 1, n) : n;
    let mx = -Infinity;
    for (let j = 0; j < len; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += Q[i * d + k] * K[j * d + k];
      row[j] = s * scale;
      if (row[j] > mx) mx = row[j];
    }
    let sum = 0;
    for (let j = 0; j < len; j++) { row[j] = Math.exp(row[j] - mx); sum += row[j]; }
    for (let j = 0; j < len; j++) {
      const w = row[j] / sum;
      for (let c = 0; c < dv; c++) O[i * dv + c] += w * V[j * dv + c];
    }
  }
  return O;
}

// ---- the plain-JavaScript peer: what a web developer would write --------------------
function plainAttend(q, K, V, n, d, dv, scale, logits, weights, out) {
  let mx = -Infinity;
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * d;
    for (let k = 0; k < d; k++) s += K[o + k] * q[k];
    s *= scale;
    logits[i] = s;
    if (s > mx) mx = s;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(logits[i] - mx);
    weights[i] = e;
    sum += e;
  }
  out.fill(0);
  for (let i = 0; i < n; i++) {
    const w = weights[i] / sum;
    weights[i] = w;
    const o = i * dv;
    for (let c = 0; c < dv; c++) out[c] += w * V[o + c];
  }
  return out;
}
function plainSelf(Q, K, V, m, n, d, dv, scale, causal, O, row) {
  O.fill(0);
  for (let i = 0; i < m; i++) {
    const len = causal ? Math.min(i + 1, n) : n;
    const qo = i * d;
    let mx = -Infinity;
    for (let j = 0; j < len; j++) {
      let s = 0;
      const ko = j * d;
      for (let k = 0; k < d; k++) s += Q[qo + k] * K[ko + k];
      s *= scale;
      row[j] = s;
      if (s > mx) mx = s;
    }
    let sum = 0;
    for (let j = 0; j < len; j++) {
      const e = Math.exp(row[j] - mx);
      row[j] = e;
      sum += e;
    }
    const oo = i * dv;
    for (let j = 0; j < len; j++) {
      const w = row[j] / sum;
      const vo = j * dv;
      for (let c = 0; c < dv; c++) O[oo + c] += w * V[vo + c];
    }
  }
  return O;
}

// runWorkloads({core, tf, ort, native?, quick?, log?}) -> {w1, w2}
//   core    an AttentionCore on the full module (core.raw has the bench exports)
//   tf, ort the peers' module objects, already set to one thread
//   native  medians from attn_bench (node only; the browser has none)
export async function runWorkloads({ core, tf, ort, native = null, quick = false, log = () => {} }) {
  QUICK = quick;
  BATCHES = quick ? 5 : 15;
  BATCH_MS = quick ? 10 : 25;
  const raw = core.raw;
  const w1 = [], w2 = [];
  const ortCache = new Map();
  async function ortSession(scale, withMask) {
    const k = `${scale}/${withMask}`;
    if (!ortCache.has(k)) {
      ortCache.set(k, await ort.InferenceSession.create(sdpaModel({ scale, withMask }), { executionProviders: ['wasm'] }));
    }
    return ortCache.get(k);
  }

  // Heap-resident copies for the raw exports (allocated once per workload, freed after).
  function heapF32(arr) {
    const p = raw._malloc(arr.length * 4);
    raw.HEAPF32.set(arr, p >> 2);
    return p;
  }

  const TOL = 1e-4;  // max |O - O_ref| for float32 implementations (|V| <= 1)
  function check(name, got, ref) {
    const diff = maxAbsDiff(got, ref);
    const ok = diff <= TOL;
    if (!ok) log(`MISMATCH ${name}: max |diff| = ${diff}`);
    return { max_abs_diff: diff, ok };
  }

  // ---- W1 -----------------------------------------------------------------------------
  for (const n of [16, 1024, 65536]) {
    for (const d of [2, 64]) {
      const dv = d, scale = 1 / Math.sqrt(d);
      const q = benchInputs(SEED_Q, d).map((x) => x * 4);
      const K = benchInputs(SEED_K, n * d), V = benchInputs(SEED_V, n * dv);
      const ref = refAttend(q, K, V, n, d, dv, scale);
      const row = { n, d, impl: {} };
      const label = `W1 n=${n} d=${d}`;
      log(label);

      if (native) {
        const nat = native.medians[`BM_W1_core/n:${n}/d:${d}`];
        const natEigen = native.medians[`BM_W1_eigen/n:${n}/d:${d}`];
        const natDiff = Math.abs(nat.checksum - ref.reduce((a, b) => a + b, 0));
        row.impl.native = { median_ms: nat.median_ms, checksum_diff: natDiff, ok: natDiff <= TOL * dv };
        row.impl.native_eigen = { median_ms: natEigen.median_ms };
      }

      // WASM through the documented API (copies inputs in and results out every call).
      let out;
      const api = () => { out = core.attend({ query: q, keys: K, values: V, d, dv, scale }).output; };
      row.impl.wasm_api = await measure(api);
      Object.assign(row.impl.wasm_api, check(`${label} wasm_api`, out, ref));

      // WASM through the documented API with resident keys and values (core.upload): like
      // TF.js's tensors, uploaded once; the query is copied and the result read every call.
      const rk = core.upload(K, { d }), rv = core.upload(V, { d: dv });
      row.impl.wasm_api_resident = await measure(() => {
        out = core.attend({ query: q, keys: rk, values: rv, scale }).output;
      });
      Object.assign(row.impl.wasm_api_resident, check(`${label} wasm_api_resident`, out, ref));
      rk.free();
      rv.free();

      // WASM raw export: inputs already on the heap; the call and nothing else.
      const pq = heapF32(q), pk = heapF32(K), pv = heapF32(V);
      const pl = raw._malloc(n * 4), pw = raw._malloc(n * 4), po = raw._malloc(dv * 4), ps = raw._malloc(5 * 8);
      const rawCall = () => {
        if (raw._attn_attend(pq, d, pk, n, d, pv, n, dv, scale, 0, pl, pw, po, ps) !== 0) throw new Error('attn_attend failed');
      };
      row.impl.wasm_raw = await measure(rawCall);
      Object.assign(row.impl.wasm_raw, check(`${label} wasm_raw`, raw.HEAPF32.slice(po >> 2, (po >> 2) + dv), ref));
      for (const p of [pq, pk, pv, pl, pw, po, ps]) raw._free(p);

      // plain JavaScript
      const logits = new Float32Array(n), weights = new Float32Array(n), pout = new Float32Array(dv);
      row.impl.plain_js = await measure(() => plainAttend(q, K, V, n, d, dv, scale, logits, weights, pout));
      Object.assign(row.impl.plain_js, check(`${label} plain_js`, pout, ref));

      // TensorFlow.js (wasm backend): inputs uploaded once, output read back every call.
      const tq = tf.tensor2d(q, [d, 1]), tk = tf.tensor2d(K, [n, d]), tvv = tf.tensor2d(V, [n, dv]);
      let tout;
      const tfCall = () => {
        tout = tf.tidy(() => {
          const l = tf.mul(tf.reshape(tf.matMul(tk, tq), [1, n]), scale);
          return tf.matMul(tf.softmax(l), tvv);
        });
        const data = tout.dataSync();
        tout.dispose();
        return data;
      };
      let tfOut;
      row.impl.tfjs = await measure(() => { tfOut = tfCall(); });
      Object.assign(row.impl.tfjs, check(`${label} tfjs`, tfOut, ref));
      tq.dispose(); tk.dispose(); tvv.dispose();

      // onnxruntime-web: the SDPA graph with m = 1.
      const sess = await ortSession(scale, false);
      const feeds = {
        Q: new ort.Tensor('float32', q, [1, d]), K: new ort.Tensor('float32', K, [n, d]), V: new ort.Tensor('float32', V, [n, dv]),
      };
      let ortOut;
      row.impl.ort = await measure(async () => { ortOut = (await sess.run(feeds)).O.data; });
      Object.assign(row.impl.ort, check(`${label} ort`, ortOut, ref));
      w1.push(row);
    }
  }

  // ---- W2 -----------------------------------------------------------------------------
  for (const m of [256, 1024, 2048]) {
    for (const causal of [false, true]) {
      const n = m, d = 64, dv = 64, scale = 1 / 8;
      const Q = benchInputs(SEED_Q, m * d), K = benchInputs(SEED_K, n * d), V = benchInputs(SEED_V, n * dv);
      const label = `W2 m=${m} ${causal ? 'causal' : 'none'}`;
      log(label);
      const ref = refSelf(Q, K, V, m, n, d, dv, scale, causal);
      const refSum = ref.reduce((a, b) => a + b, 0);
      const row = { m, causal, impl: {} };

      if (native) {
        const nat = native.medians[`BM_W2_kernel/m:${m}/causal:${causal ? 1 : 0}`];
        row.impl.native = { median_ms: nat.median_ms,
          checksum_diff: Math.abs(nat.checksum - refSum), ok: Math.abs(nat.checksum - refSum) <= TOL * m * dv };
        row.impl.native_matrix = { median_ms: native.medians[`BM_W2_matrix/m:${m}/causal:${causal ? 1 : 0}`].median_ms };
        row.impl.native_eigen = { median_ms: native.medians[`BM_W2_eigen/m:${m}/causal:${causal ? 1 : 0}`].median_ms };
      }

      // WASM raw export: the blocked kernel, output only.
      const pq = heapF32(Q), pk = heapF32(K), pv = heapF32(V), po = raw._malloc(m * dv * 4);
      const pws = raw._malloc(raw._attn_bench_workspace_floats(m, n, d) * 4);
      row.impl.wasm_raw = await measure(() => {
        if (raw._attn_bench_attention(pq, m, pk, n, d, pv, dv, scale, causal ? 1 : 0, po, pws) !== 0) throw new Error('failed');
      });
      Object.assign(row.impl.wasm_raw, check(`${label} wasm_raw`, raw.HEAPF32.slice(po >> 2, (po >> 2) + m * dv), ref));
      for (const p of [pq, pk, pv, po, pws]) raw._free(p);

      // WASM through the documented API: attentionMatrix also returns logits, weights
      // (m·n each) and entropy, copied off the heap.
      let apiOut;
      row.impl.wasm_api = await measure(() => {
        apiOut = core.attentionMatrix({ queries: Q, keys: K, values: V, d, dv, scale, mask: causal ? 'causal' : 'none' }).output;
      }, { batches: m >= 2048 ? (QUICK ? 3 : 7) : BATCHES });
      Object.assign(row.impl.wasm_api, check(`${label} wasm_api`, apiOut, ref));

      // plain JavaScript
      const O = new Float32Array(m * dv), srow = new Float32Array(n);
      const t = performance.now();
      plainSelf(Q, K, V, m, n, d, dv, scale, causal, O, srow);
      row.impl.plain_js = await measure(() => plainSelf(Q, K, V, m, n, d, dv, scale, causal, O, srow),
        { batches: slowBatches(performance.now() - t) });
      Object.assign(row.impl.plain_js, check(`${label} plain_js`, O, ref));

      // additive mask for the peers: 0 where visible, -1e9 above the diagonal
      let mask = null;
      if (causal) {
        mask = new Float32Array(m * n);
        for (let i = 0; i < m; i++) for (let j = i + 1; j < n; j++) mask[i * n + j] = -1e9;
      }

      // TensorFlow.js
      const tQ = tf.tensor2d(Q, [m, d]), tK = tf.tensor2d(K, [n, d]), tV = tf.tensor2d(V, [n, dv]);
      const tM = mask ? tf.tensor2d(mask, [m, n]) : null;
      let tfOut;
      row.impl.tfjs = await measure(() => {
        const o = tf.tidy(() => {
          let s = tf.mul(tf.matMul(tQ, tK, false, true), scale);
          if (tM) s = tf.add(s, tM);
          return tf.matMul(tf.softmax(s), tV);
        });
        tfOut = o.dataSync();
        o.dispose();
      }, { batches: m >= 2048 ? (QUICK ? 3 : 7) : BATCHES });
      Object.assign(row.impl.tfjs, check(`${label} tfjs`, tfOut, ref));
      for (const x of [tQ, tK, tV, tM]) x?.dispose();

      // onnxruntime-web (additive mask input when causal)
      const sess = await ortSession(scale, causal);
      const feeds = {
        Q: new ort.Tensor('float32', Q, [m, d]), K: new ort.Tensor('float32', K, [n, d]), V: new ort.Tensor('float32', V, [n, dv]),
      };
      if (mask) feeds.mask = new ort.Tensor('float32', mask, [m, n]);
      let ortOut;
      row.impl.ort = await measure(async () => { ortOut = (await sess.run(feeds)).O.data; },
        { batches: m >= 2048 ? (QUICK ? 3 : 9) : BATCHES });
      Object.assign(row.impl.ort, check(`${label} ort`, ortOut, ref));
      w2.push(row);
    }
  }
  return { w1, w2 };
}
