// Shared helpers for the WASM tests (not a test file itself: node --test only runs *.test.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import assert from 'node:assert/strict';

import { AttentionCore } from '../../web/js/core/attention-core.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const GENERATED = path.join(ROOT, 'web', 'generated');

// Loads the core exactly as a node user would: core.js + the .wasm bytes from disk.
export async function loadCore() {
  const wasm = path.join(GENERATED, 'attention_wasm.wasm');
  if (!existsSync(wasm) || !existsSync(path.join(GENERATED, 'attention_wasm.mjs'))) {
    throw new Error(`${wasm} (and .mjs) not found: run ./build_wasm.sh first`);
  }
  return AttentionCore.load({ wasmBinary: readFileSync(wasm) });
}

// ---- the native CLI --------------------------------------------------------------

export const CLI = process.env.ATTN_CLI
  ? path.resolve(process.env.ATTN_CLI)
  : path.join(ROOT, 'build', 'release', 'attention-cli');

export function requireCli() {
  if (!existsSync(CLI)) {
    throw new Error(`native CLI not found at ${CLI}: build it with ` +
      '`cmake --preset release && cmake --build --preset release -j2` (or set ATTN_CLI=/path/to/attention-cli)');
  }
}

const PREFIX = 'attention-cli: ';

// Runs one problem through the CLI: {ok: true, result} or {ok: false, message} (stderr minus the prefix).
// Runs a problem through the CLI, expecting success; the assertion names the problem.
export function cliResult(problem) {
  const r = runCli(problem);
  if (!r.ok) throw new Error(`CLI rejected ${JSON.stringify(problem).slice(0, 200)}: ${r.message}`);
  return r.result;
}

export function runCli(problem) {
  const r = spawnSync(CLI, ['-'], { input: JSON.stringify(problem), encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.error) throw r.error;
  if (r.status === 0) return { ok: true, result: JSON.parse(r.stdout) };
  assert.equal(r.status, 2, `CLI exit status ${r.status} (expected 0 or 2); stderr: ${r.stderr}`);
  const line = r.stderr.replace(/\n$/, '');
  assert.ok(!line.includes('\n'), `CLI stderr must be one line, got: ${JSON.stringify(r.stderr)}`);
  assert.ok(line.startsWith(PREFIX), `CLI stderr must start with "${PREFIX}": ${line}`);
  return { ok: false, message: line.slice(PREFIX.length) };
}

// ---- comparisons -----------------------------------------------------------------

// Float32 results: WASM and native run the same float code, but not the same machine
// code. The dot products K q are summed in a different order (Eigen's SSE packets on x86:
// lane-wise partial sums then a horizontal add; WASM: Eigen 3.4 has no wasm-SIMD packets,
// so a sequential loop), and expf/logf come from glibc natively and from musl in WASM.
// Each side is within a few float ulps (2^-24 ≈ 6e-8 relative) of the exact result, so we
// allow 1e-6 relative, with an absolute floor of 1e-7 (~1 ulp at magnitude 1) for results
// that are tiny by cancellation (an output coordinate or a logit near 0), where relative
// error is meaningless. Where the inputs are ill-conditioned, `delta` (see below) adds the
// standard forward-error bound of a reordered dot product.
export const F32_REL = 1e-6;
export const F32_ABS = 1e-7;
const U = 2 ** -24;  // float unit roundoff

// Error budget of one attention problem. A float dot product of length d is within
// d·u·Σ|q_j k_j| of exact in any summation order, so two orders differ by up to
// 2·d·u·Σ|q_j k_j| - which can be far above 1e-6·|logit| when the terms cancel.
//   logitSlack[i]: that bound for logit i (times |scale|, divided by |k_i| when normalising)
//   delta:         the largest logit slack; softmax turns it into a relative weight error
//                  of at most 2·delta, and log-sum-exp / max logit move by at most delta
//   vmax:          the largest |value| (output errors scale with it)
//   outSlack:      the resulting bound for an output coordinate
const b_delta = (slack) => slack.reduce((a, x) => Math.max(a, x), 0);

export function errorBudget({ query, keys, values, scale = 1, normalize = false }) {
  const f = Math.fround;
  const q = Array.from(query, f);
  const d = q.length;
  const logitSlack = keys.map((k) => {
    let s = 0, n2 = 0;
    for (let j = 0; j < d; j++) {
      s += Math.abs(q[j] * f(k[j]));
      n2 += f(k[j]) * f(k[j]);
    }
    const norm = normalize && n2 > 0 ? Math.sqrt(n2) : 1;
    return (2 * (d + 2) * U * Math.abs(scale) * s) / norm;  // +2: the scale and the norm roundings
  });
  let vmax = 0;
  for (const row of values ?? []) for (const v of row) vmax = Math.max(vmax, Math.abs(f(v)));
  // output = Σ_i w_i v_i: the weight errors (2·delta relative) plus a reordered sum of n terms.
  const outSlack = (2 * b_delta(logitSlack) + 2 * (keys.length + 1) * U) * vmax;
  return { logitSlack, delta: b_delta(logitSlack), vmax, outSlack };
}

// Tolerances per quantity given a budget b (all include the 1e-6 relative, 1e-7 absolute).
export const tol = {
  logit: (b, i) => [F32_REL, F32_ABS + b.logitSlack[i]],
  shift: (b) => [F32_REL, F32_ABS + b.delta],                        // max logit, log-sum-exp
  weight: (b) => [F32_REL + 2 * b.delta, F32_ABS],                   // relative, via softmax
  entropy: (b, h) => [F32_REL, F32_ABS + 2 * b.delta * (Math.abs(h) + 1)],
  effective: (b, h) => [F32_REL + 2 * b.delta * (Math.abs(h) + 1), F32_ABS],
  output: (b) => [F32_REL, F32_ABS + b.outSlack],
};

export function close(actual, expected, where, rel = F32_REL, abs = F32_ABS) {
  assert.equal(typeof actual, 'number', `${where}: WASM gave ${actual}`);
  assert.equal(typeof expected, 'number', `${where}: CLI gave ${expected}`);
  const t = Math.max(rel * Math.abs(expected), abs);
  assert.ok(Math.abs(actual - expected) <= t,
    `${where}: WASM ${actual} vs CLI ${expected} (diff ${Math.abs(actual - expected)}, tol ${t})`);
}

// closeArray with a tolerance per index: tolAt(i) -> [rel, abs].
export function closeEach(actual, expected, where, tolAt) {
  assert.equal(actual.length, expected.length, `${where}: length ${actual.length} vs CLI ${expected.length}`);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], `${where}[${i}]`, ...tolAt(i));
}

export function closeArray(actual, expected, where, rel, abs) {
  assert.equal(actual.length, expected.length, `${where}: length ${actual.length} vs CLI ${expected.length}`);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], `${where}[${i}]`, rel, abs);
}

// Exact equality of doubles (Object.is would separate +0/-0, which JSON cannot carry anyway).
export function exactArray(actual, expected, where) {
  assert.equal(actual.length, expected.length, `${where}: length ${actual.length} vs CLI ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(actual[i] === expected[i], `${where}[${i}]: WASM ${actual[i]} !== CLI ${expected[i]} (must be bit-identical)`);
  }
}

// ---- data ------------------------------------------------------------------------

// Deterministic test data (mulberry32); numbers in [lo, hi).
export function rng(seed) {
  let a = seed >>> 0;
  return (lo = -1, hi = 1) => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return lo + (hi - lo) * u;
  };
}

export function points(rand, n, d, lo = -1, hi = 1) {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rand(lo, hi)));
}

export function flat(rows) {
  return Float32Array.from(rows.flat());
}

// Everything numeric in a result, flattened.
export function numbersIn(x, out = []) {
  if (typeof x === 'number') out.push(x);
  else if (ArrayBuffer.isView(x)) out.push(...x);
  else if (Array.isArray(x)) for (const v of x) numbersIn(v, out);
  else if (x && typeof x === 'object') for (const v of Object.values(x)) numbersIn(v, out);
  return out;
}

/** Runs fn: a result must be all finite; an error must name one of `fields` first. */
export function finiteOrNamed(fn, fields) {
  let r;
  try {
    r = fn();
  } catch (e) {
    assert.ok(e instanceof Error, `threw a non-Error: ${e}`);
    const field = /^([A-Za-z_][\w[\]]*?)(\[\d+\])?:/.exec(e.message)?.[1];
    assert.ok(field && fields.includes(field), `error does not start with a real field: ${e.message}`);
    return;
  }
  const bad = numbersIn(r).filter((v) => !Number.isFinite(v));
  assert.deepEqual(bad, [], 'non-finite output for finite input');
}
