// core.readTensors, core.queryView and core.jointMap (web/js/core/model.js over
// src/wasm/model_binding.cpp) against the native CLI (modes view and joint, double) and the
// hostile tensor corpus.   node --test tests/wasm/
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { ROOT, cliResult, loadCore, requireCli, rng } from './harness.mjs';

let core;
before(async () => { requireCli(); core = await loadCore(); });

const f = Math.fround;
const gaussian = (rand, n, d) => Array.from({ length: n }, () => Array.from({ length: d }, () => f(rand() * 2 - 1)));

test('queryView: the d-dimensional weights, the CLI\'s view, for d from 2 to 256', () => {
  const rand = rng(7);
  for (const d of [2, 3, 16, 64, 256]) {
    const keys = gaussian(rand, 40, d), query = gaussian(rand, 1, d)[0], scale = 1 / Math.sqrt(d);
    const v = core.queryView({ query, keys, scale });
    const cli = cliResult({ mode: 'view', query, keys, scale });
    const plainWeights = core.attend({ query, keys, scale }).weights;
    for (let i = 0; i < 40; i++) {
      assert.ok(Math.abs(v.weights[i] - cli.weights[i]) < 1e-6, `d ${d} weight ${i}`);
      assert.ok(Math.abs(v.weights[i] - plainWeights[i]) < 1e-5, `d ${d} weight ${i} vs attend`);
      assert.ok(Math.abs(v.x[i] - cli.x[i]) < 1e-5 && Math.abs(v.y[i] - cli.y[i]) < 1e-5, `d ${d} key ${i}`);
      // every logit is read off the x axis
      assert.ok(Math.abs(v.logits[i] - scale * v.queryNorm * v.x[i]) < 1e-5 * Math.max(1, Math.abs(v.logits[i])));
    }
    assert.equal(v.basis.length, 2 * d);
    assert.ok(v.explained > 0 && v.explained <= 1 + 1e-6);
  }
});

test('jointMap: the CLI\'s map, and correlations in [-1, 1]', () => {
  const rand = rng(11);
  const queries = gaussian(rand, 12, 32), keys = gaussian(rand, 20, 32);
  const j = core.jointMap({ queries, keys });
  const cli = cliResult({ mode: 'joint', queries, keys });
  assert.equal(j.queries.length, 24);
  assert.equal(j.keys.length, 40);
  assert.ok(Math.abs(j.ratio - cli.ratio) < 1e-5);
  assert.ok(Math.abs(j.correlation.full - cli.correlation.full) < 1e-5);
  assert.ok(Math.abs(j.correlation.map - cli.correlation.map) < 1e-5);
  for (let i = 0; i < 12; i++) {
    assert.ok(Math.abs(j.queries[2 * i] - cli.queries[i][0]) < 1e-4, `query ${i} x`);
    assert.ok(Math.abs(j.queries[2 * i + 1] - cli.queries[i][1]) < 1e-4, `query ${i} y`);
  }
});

test('readTensors: every seed reads, every hostile file is an Error naming the file', () => {
  const dir = path.join(ROOT, 'tests/fuzz/tensors');
  const seeds = readdirSync(path.join(dir, 'seeds')), hostile = readdirSync(path.join(dir, 'hostile'));
  assert.ok(seeds.length >= 20 && hostile.length >= 50);
  for (const name of seeds) {
    const tensors = core.readTensors(readFileSync(path.join(dir, 'seeds', name)), { name });
    assert.ok(tensors.length >= 1, name);
    for (const t of tensors) assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1), `${name}: ${t.name}`);
  }
  for (const name of hostile) {
    assert.throws(() => core.readTensors(readFileSync(path.join(dir, 'hostile', name)), { name }),
      (e) => e instanceof Error && e.message.startsWith(name), name);
  }
  // The heap is fine afterwards.
  assert.equal(core.attend({ query: [1, 0], keys: [[1, 0], [-1, 0]] }).weights.length, 2);
});

test('readTensors: a safetensors file written by hand, Fortran .npy order undone', () => {
  const header = JSON.stringify({ a: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } });
  const pad = ' '.repeat((8 - ((8 + header.length) % 8)) % 8);
  const bytes = new Uint8Array(8 + header.length + pad.length + 16);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length + pad.length), true);
  bytes.set(new TextEncoder().encode(header + pad), 8);
  new Float32Array(bytes.buffer, 8 + header.length + pad.length, 4).set([1, 2, 3, 4]);
  const [t] = core.readTensors(bytes, { name: 'hand.safetensors' });
  assert.deepEqual({ name: t.name, shape: t.shape, dtype: t.dtype, data: Array.from(t.data) },
    { name: 'a', shape: [2, 2], dtype: 'float32', data: [1, 2, 3, 4] });
  assert.throws(() => core.readTensors(bytes.slice(0, 20), { name: 'cut.safetensors' }), /^Error: cut\.safetensors/);
  assert.throws(() => core.readTensors('nope'), /^Error: bytes: is "nope"/);
});
