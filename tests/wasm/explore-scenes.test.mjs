// explore.html's tabs (web/js/explore/tabs/*.js, one contract: web/js/explore/tab.js) build
// their scenes here in node, with no DOM, against the WASM core. For each tab, from the
// default state and a few hand-picked ones:
//   - the scene is plain data: every number in it is finite; nothing but arrays, typed
//     arrays and plain objects; building it never writes into the state;
//   - it reads only the fields it declares (changing any other field gives the same scene);
//   - what it repeats from the core is the core's answer for inputs built here independently
//     (same float, no tolerance), and the properties a reader relies on hold (rows of A sum
//     to 1 over the visible keys, masked cells weigh 0, streaming equals one-pass softmax…).
//   node --test tests/wasm/explore-scenes.test.mjs
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { loadCore, ROOT } from './harness.mjs';
import { applyPatch, defaults } from '../../web/js/state/codec.js';
import { EXPLORE, SPARSE_PRESETS } from '../../web/js/state/explore-schema.js';
import { TABS } from '../../web/js/explore/tabs/index.js';

const TAB = Object.fromEntries(TABS.map((t) => [t.id, t]));
const FIELDS = EXPLORE.fields;
const SUM_TOL = 1e-5;   // a row of float32 weights sums to 1 within a few ulps per entry

let core;
before(async () => { core = await loadCore(); });

// ---- helpers ----------------------------------------------------------------------

function deepFreeze(v) {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** A settled state: the defaults with `patch` applied through the codec (strict: a typo throws). */
const stateOf = (patch = {}) => deepFreeze(applyPatch(EXPLORE, defaults(EXPLORE), patch, { strict: true }).state);

// Asserts a scene is plain data with only finite numbers; names the first path that is not.
function assertPlain(v, path) {
  if (typeof v === 'number') { assert.ok(Number.isFinite(v), `${path} = ${v} is not finite`); return; }
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'boolean') return;
  assert.equal(typeof v, 'object', `${path} is a ${typeof v}, not data`);
  if (ArrayBuffer.isView(v)) { v.forEach((x, i) => assert.ok(Number.isFinite(x), `${path}[${i}] = ${x} is not finite`)); return; }
  const proto = Object.getPrototypeOf(v);
  assert.ok(Array.isArray(v) || proto === Object.prototype || proto === null, `${path} is a ${v.constructor?.name}, not plain data`);
  for (const [k, x] of Object.entries(v)) assertPlain(x, `${path}.${k}`);
}

/** The tab's scene for a state, refined to the end (the √d sweep), checked plain and finite. */
function sceneOf(tab, state) {
  const scene = tab.scene(state, core);
  if (tab.refine) while (!tab.refine(scene, core, Infinity));
  assertPlain(scene, `${tab.id}(${JSON.stringify(state).slice(0, 60)}…)`);
  assert.ok(scene.config && scene.result, `${tab.id}: a scene carries the core's config and result`);
  return scene;
}

const round2 = (x) => Math.round(x * 100) / 100;
const rows = (flat, cols) => Array.from({ length: flat.length / cols },
  (_, i) => Array.from(flat.slice(i * cols, (i + 1) * cols)));
const gaussian = (n, d, seed) => rows(core.layout({ kind: 'gaussian', n, d, seed }).points, d);
// A 2×2 projection as the tabs seed it: head h's W_Q (which 0), W_K (1) or W_V (2).
const seeded = (seed, which, h) => gaussian(2, 2, seed * 64 + which * 8 + h).map((r) => r.map(round2));

/** Each row of an (m, n) row-major A sums to 1 over its visible keys (or is all masked); masked cells weigh 0. */
function assertRows(weights, masked, m, n, where) {
  for (let i = 0; i < m; i++) {
    let sum = 0, visible = 0;
    for (let j = 0; j < n; j++) {
      const w = weights[i * n + j];
      assert.ok(w >= 0 && w <= 1, `${where}: A[${i},${j}] = ${w}`);
      if (masked?.[i * n + j]) assert.equal(w, 0, `${where}: masked A[${i},${j}] weighs ${w}`);
      else { sum += w; visible++; }
    }
    if (visible > 0) assert.ok(Math.abs(sum - 1) <= SUM_TOL, `${where}: row ${i} sums to ${sum}`);
  }
}

// A valid value of a field other than its default (for "reads only its fields").
function otherValue(f) {
  switch (f.type) {
    case 'int': case 'number': return f.def + (f.def + (f.step ?? 1) <= f.max ? 1 : -1) * (f.step ?? 1);
    case 'bool': return !f.def;
    case 'enum': return f.values.find((v) => v !== f.def);
    case 'numbers': return f.def.map((x, i) => (i === 0 ? Math.min(f.max, x + 0.5) : x));
    default: return undefined;   // points: the tokens, left to their default (null)
  }
}

// ---- the contract -------------------------------------------------------------------

test('one tab per mode, in the tab bar\'s order, each with the contract\'s members and its own fields', () => {
  assert.deepEqual(TABS.map((t) => t.id), FIELDS.mode.values);
  const claimed = new Set();
  for (const tab of TABS) {
    assert.equal(typeof tab.title, 'string');
    for (const m of ['scene', 'form', 'text', 'canvases', 'draw', 'wire']) assert.equal(typeof tab[m], 'function', `${tab.id}.${m}`);
    for (const [name, field] of Object.entries(tab.fields)) {
      assert.ok(Object.hasOwn(FIELDS, field), `${tab.id}.fields.${name} = ${field} is an EXPLORE field`);
      assert.match(name, /^[a-z][A-Za-z]*$/, `${tab.id}: readable name ${name}`);
      claimed.add(field);
    }
  }
  const unclaimed = Object.keys(FIELDS).filter((f) => f !== 'mode' && !claimed.has(f));
  assert.deepEqual(unclaimed, [], 'every setting belongs to a tab');
  // Each title is what the tab's button in explore.html says.
  const html = readFileSync(path.join(ROOT, 'web', 'explore.html'), 'utf8');
  for (const tab of TABS) {
    const button = new RegExp(`<button[^>]* id="tab-${tab.id}"[^>]*>([^<]*)</button>`).exec(html);
    assert.equal(button?.[1].replace(/&amp;/g, '&'), tab.title, `${tab.id}: title`);
  }
  assert.equal(typeof globalThis.document, 'undefined', 'the scenes are built with no DOM');
});

test('a scene reads only the fields its tab declares: changing every other field gives the same scene', () => {
  for (const tab of TABS) {
    const own = new Set(Object.values(tab.fields));
    const patch = {};
    for (const [name, f] of Object.entries(FIELDS)) {
      const v = otherValue(f);
      if (!own.has(name) && v !== undefined) patch[name] = v;
    }
    patch.mode = FIELDS.mode.values.find((m) => m !== tab.id);
    assert.ok(Object.keys(patch).length > 10, `${tab.id}: other fields changed`);
    const base = stateOf({ mode: tab.id }), changed = stateOf(patch);
    assert.notEqual(changed.mode, tab.id, 'the mode is one of the other fields');
    assert.deepEqual(sceneOf(tab, changed), sceneOf(tab, base), `${tab.id}: ${JSON.stringify(patch)}`);
  }
});

// ---- each tab -----------------------------------------------------------------------

const TOKENS = [[1, 0], [0, 1], [-1, 0.5], [0.3, -0.8], [1.2, 1.1]];
const maskOf = (s) => (s.mask === 'window' ? `window:${s.w}` : s.mask === 'topk' ? `topk:${s.k}` : s.mask);
const mat = (a) => [[a[0], a[1]], [a[2], a[3]]];
const layoutTokens = () => gaussian(16, 2, 7).map((r) => r.map(round2));

test('self: A is core.selfAttention\'s for the layout\'s (or the moved) tokens and the form\'s W_Q, W_K, W_V', () => {
  for (const patch of [{}, { mask: 'causal' }, { m: 16, mask: 'window', w: 1 }, { mask: 'topk', k: 2, scale: 2.5 },
    { tie: true, m: 7 }, { tokens: TOKENS, wq: [2, 0.5, -0.3, 1], mask: 'causal', scale: -1 }]) {
    const s = stateOf(patch), sc = sceneOf(TAB.self, s), where = `self ${JSON.stringify(patch)}`;
    const tokens = s.tokens ?? layoutTokens().slice(0, s.m);
    const want = core.selfAttention({ tokens, wq: [mat(s.wq)], wk: [mat(s.tie ? s.wq : s.wk)], wv: [mat(s.wv)],
      scale: s.scale, mask: maskOf(s) }).heads[0];
    assert.deepEqual(sc.tokens, tokens, `${where}: tokens`);
    assert.equal(sc.m, s.m);
    assert.deepEqual(sc.weights, want.weights, `${where}: weights`);
    assert.deepEqual(sc.masked, want.masked, `${where}: mask`);
    assert.deepEqual(sc.head.logits, want.logits, `${where}: logits`);
    assert.deepEqual(sc.o, rows(want.output, 2), `${where}: outputs`);
    assert.deepEqual([sc.q, sc.k, sc.v], [rows(want.q, 2), rows(want.k, 2), rows(want.v, 2)], `${where}: q, k, v`);
    assertRows(sc.weights, sc.masked, s.m, s.m, where);
    // The grey cells are the core's mask over these queries and keys.
    const alone = core.attentionMatrix({ queries: want.q, keys: want.k, d: 2, scale: s.scale, mask: maskOf(s) });
    assert.deepEqual(sc.masked, alone.masked, `${where}: mask == attentionMatrix's`);
    if (s.tie) assert.equal(sc.head.logitAsymmetry, 0, `${where}: tied projections give symmetric logits`);
    // The plot's square world shows every point (up to its cap).
    const far = Math.max(...[sc.tokens, sc.q, sc.k, sc.v, sc.o].flat(2).map(Math.abs));
    assert.ok(sc.extent >= Math.min(12, far), `${where}: extent ${sc.extent} shows ${far}`);
  }
});

test('heads: each head\'s A is core.selfAttention\'s with the seeded projections; K/V heads shared in groups', () => {
  for (const patch of [{ mode: 'heads' }, { h: 8, kv: 2, m: 16 }, { h: 6, kv: 3, mask: 'causal', hseed: 7 }, { h: 4, kv: 1 }, { h: 3, kv: 3, mask: 'topk', k: 2 }]) {
    const s = stateOf(patch), sc = sceneOf(TAB.heads, s), where = `heads ${JSON.stringify(patch)}`;
    const want = core.selfAttention({ tokens: s.tokens ?? layoutTokens().slice(0, s.m),
      wq: Array.from({ length: s.h }, (_, h) => seeded(s.hseed, 0, h)),
      wk: Array.from({ length: s.kv }, (_, h) => seeded(s.hseed, 1, h)),
      wv: Array.from({ length: s.kv }, (_, h) => seeded(s.hseed, 2, h)),
      heads: s.h, kvHeads: s.kv, scale: s.scale, mask: maskOf(s) });
    assert.equal(sc.result.heads.length, s.h);
    sc.result.heads.forEach((hd, h) => {
      assert.deepEqual(hd.weights, want.heads[h].weights, `${where}: head ${h}`);
      assert.equal(hd.kvHead, Math.floor(h / (s.h / s.kv)), `${where}: head ${h}'s K/V head`);
      assert.deepEqual(sc.outs[h], rows(hd.output, 2), `${where}: head ${h}'s outputs`);
      assertRows(hd.weights, hd.masked, s.m, s.m, `${where} head ${h}`);
    });
    assert.equal(sc.result.variant, s.kv === s.h ? 'MHA' : s.kv === 1 ? 'MQA' : 'GQA');
    assert.equal(sc.result.kvCacheEntries, 2 * s.m * s.kv * 2, `${where}: KV cache = 2 · m · kv heads · d_head`);
    assert.equal(new Set(sc.colours).size, Math.min(s.h, 8), `${where}: a colour per head`);
  }
});

test('dim: the stats are core.dimensionStats\'s; the sweep is the mean of the core\'s over its seeds', () => {
  for (const patch of [{ mode: 'dim' }, { d: 1024, n: 16, dseed: 3 }, { d: 2, n: 300, dseed: 9 }]) {
    const s = stateOf(patch), sc = sceneOf(TAB.dim, s), where = `dim ${JSON.stringify(patch)}`;
    for (const [which, scaled] of [['raw', false], ['scaled', true]]) {
      assert.deepEqual(sc[which], core.dimensionStats({ d: s.d, n: s.n, seed: s.dseed, scaled }), `${where}: ${which}`);
      assert.equal(sc[which].logits.length, s.n);
      for (const x of sc[which].logits) assert.ok(sc.lo <= x && x <= sc.hi, `${where}: one range holds both histograms`);
    }
    assert.equal(sc.scaled.scale, 1 / Math.sqrt(s.d));
    const draws = Math.max(4, Math.min(32, Math.floor(8192 / s.n)));
    assert.equal(sc.done, true);
    assert.deepEqual(sc.rows.map((r) => r.d), [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]);
    for (const r of sc.rows) {
      assert.equal(r.draws, draws, `${where}: draws`);
      for (const [which, scaled] of [['raw', false], ['scaled', true]]) {
        const xs = Array.from({ length: draws },
          (_, k) => core.dimensionStats({ d: r.d, n: s.n, seed: s.dseed + k, scaled }));
        for (const stat of ['maxWeight', 'effectiveKeys']) {
          const v = xs.map((x) => x[stat]), mean = v.reduce((a, x) => a + x, 0) / draws, got = r[which][stat];
          assert.ok(Math.abs(got.mean - mean) <= 1e-12 * Math.max(1, mean), `${where}: d=${r.d} ${which} ${stat} ${got.mean} vs ${mean}`);
          assert.ok(Math.min(...v) <= got.lo && got.lo <= got.hi && got.hi <= Math.max(...v), `${where}: d=${r.d} ${which} ${stat} band`);
        }
      }
    }
  }
});

test('dim: the sweep fills in over frames, and the first frame always has a line', () => {
  const s = stateOf({ mode: 'dim', n: 128, dseed: 41 });
  const sc = TAB.dim.scene(s, core);
  assert.equal(TAB.dim.refine(sc, core, 0), false, 'no time: not done…');
  assert.equal(sc.rows[0].draws, 1, '…but the first draw is there');
  assertPlain(sc, 'dim after one frame');
  // A hover render reuses the scene; a new scene with the same n and seed keeps the draws made.
  const again = TAB.dim.scene(stateOf({ mode: 'dim', n: 128, dseed: 41, d: 8 }), core);
  assert.equal(again.sweep, sc.sweep);
  while (!TAB.dim.refine(again, core, 5));
  assert.equal(again.rows[0].draws, 32);
});

test('stream: the blocks are core.stream\'s; at the end streaming equals the one-pass softmax', () => {
  for (const patch of [{ mode: 'stream' }, { step: 2 }, { sn: 64, block: 8, step: 3 }, { sn: 10, block: 3, sseed: 4, qx: 1.5, qy: 0.5, step: 4 }, { sn: 7, block: 7, step: 1 }]) {
    const s = stateOf(patch), sc = sceneOf(TAB.stream, s), where = `stream ${JSON.stringify(patch)}`;
    const keys = core.layout({ kind: 'random', n: s.sn, seed: s.sseed }).points;
    const values = core.layout({ kind: 'values', n: s.sn, seed: s.sseed + 1 }).points;
    const full = core.attend({ query: [s.qx, s.qy], keys, values, d: 2, dv: 2 });
    assert.deepEqual(sc.stream, core.stream({ query: [s.qx, s.qy], keys, values, d: 2, dv: 2, blockSize: s.block }), `${where}: stream`);
    assert.deepEqual(sc.full, full, `${where}: one pass`);
    assert.deepEqual(sc.logits, full.logits);
    assert.equal(sc.blocks.length, Math.ceil(s.sn / s.block));
    assert.equal(sc.step, Math.min(s.step, sc.blocks.length));
    // The blocks tile the keys; the running max only rises, so each rescale is at most 1.
    sc.blocks.forEach((b, i) => {
      assert.equal(b.begin, i * s.block);
      assert.equal(b.end, Math.min(s.sn, (i + 1) * s.block));
      if (i > 0) assert.ok(b.runningMax >= sc.blocks[i - 1].runningMax && b.rescale <= 1, `${where}: block ${i}`);
    });
    const diff = Math.max(...Array.from(full.output, (x, j) => Math.abs(sc.stream.output[j] - x)));
    assert.equal(sc.diff, diff);
    assert.ok(diff < 1e-6, `${where}: |streaming − full| = ${diff}`);
  }
});

test('cross: A (m × n) is core.crossAttention\'s for the seeded target, source and projections', () => {
  for (const patch of [{ mode: 'cross' }, { cm: 8, cn: 12, cseed: 11 }, { cm: 1, cn: 2 }, { cm: 3, cn: 7, cseed: 9 }]) {
    const s = stateOf(patch), sc = sceneOf(TAB.cross, s), where = `cross ${JSON.stringify(patch)}`;
    const want = core.crossAttention({ tokens: gaussian(s.cm, 2, s.cseed), source: gaussian(s.cn, 2, s.cseed + 1000),
      wq: seeded(s.cseed, 0, 0), wk: seeded(s.cseed, 1, 0), wv: seeded(s.cseed, 2, 0) });
    assert.deepEqual(sc.result.weights, want.weights, where);
    assert.deepEqual([sc.m, sc.n], [s.cm, s.cn]);
    assertRows(sc.result.weights, sc.result.masked, s.cm, s.cn, where);
  }
});

test('sparse: the pattern and A are core.attentionMatrix\'s; the compute saved counts the hidden scores', () => {
  for (const patch of [{ mode: 'sparse' }, { preset: 'local' }, { spn: 32, preset: 'strided' }, { spc: true, spg: 3, spw: 1, spseed: 9 }, { spn: 4, spw: 4, sps: 3, spg: 4 }]) {
    const s = stateOf(patch), sc = sceneOf(TAB.sparse, s), where = `sparse ${JSON.stringify(patch)}`;
    if (s.preset !== 'custom') assert.deepEqual({ spw: s.spw, sps: s.sps, spg: s.spg }, SPARSE_PRESETS[s.preset], `${where}: preset`);
    const x = gaussian(s.spn, 2, s.spseed);
    const globals = Array.from({ length: s.spg }, (_, i) => i);
    const pattern = { window: s.spw, stride: s.sps, global: globals, causal: s.spc };
    const want = core.attentionMatrix({ queries: x, keys: x, values: x, mask: { sparse: pattern } });
    assert.deepEqual(sc.result.masked, want.masked, `${where}: pattern`);
    assert.deepEqual(sc.result.weights, want.weights, `${where}: weights`);
    assert.deepEqual(sc.globals, globals);
    const visible = Array.from(want.masked).filter((x) => !x).length;
    assert.equal(sc.result.scoresComputed, visible, `${where}: scores computed`);
    assert.equal(sc.result.computedFraction, visible / (s.spn * s.spn));
    assertRows(sc.result.weights, sc.result.masked, s.spn, s.spn, where);
  }
});

test('paged: the decode is core.pagedDecode\'s at the chosen step; who reads each block follows the block tables', () => {
  for (const patch of [{ mode: 'paged' }, { pstep: 0 }, { pbs: 1, pna: 24, pnb: 16, ppre: 12, pstep: 40 }, { pnb: 0, pstep: 5 }, { pbs: 3, ppre: 0, pstep: 15 }]) {
    const s = stateOf(patch), sc = sceneOf(TAB.paged, s), where = `paged ${JSON.stringify(patch)}`;
    const values = (n, seed) => rows(core.layout({ kind: 'values', n, seed }).points, 2);
    const want = core.pagedDecode({ blockSize: s.pbs,
      keys: gaussian(s.pna, 2, s.pseed), values: values(s.pna, s.pseed + 1), sharedPrefix: s.ppre, steps: s.pstep,
      ...(s.pnb > 0 ? { keysB: gaussian(s.pnb, 2, s.pseed + 2), valuesB: values(s.pnb, s.pseed + 3) } : {}) });
    assert.deepEqual(sc.result, want, where);
    assert.equal(sc.result.steps, s.pstep, `${where}: the stepper's step`);
    assert.ok(sc.result.maxAbsDiff <= 1e-6, `${where}: paged equals contiguous (${sc.result.maxAbsDiff})`);
    assert.equal(sc.readers.length, sc.result.blocks.length);
    sc.result.blocks.forEach((b, id) => {
      const readers = sc.result.sequences.map((q, i) => (Array.from(q.blockTable).includes(id) ? 'AB'[i] : '')).join('');
      assert.equal(sc.readers[id], readers, `${where}: block ${id}'s readers`);
      assert.equal(b.refCount, readers.length, `${where}: block ${id}: refCount = the tables that hold it`);
    });
  }
});

test('mla: the cache, the drift and head 0\'s weights are core.mla\'s; at full rank MLA is MHA', () => {
  for (const patch of [{ mode: 'mla' }, { mm: 12, mdm: 8, mrank: 7, mrope: 8 }, { mheads: 8, mkv: 4, mdm: 4, mrank: 1 }, { mrank: 8 }, { mdm: 2, mrank: 2, mheads: 1, mkv: 1 }]) {
    const s = stateOf(patch), sc = sceneOf(TAB.mla, s), where = `mla ${JSON.stringify(patch)}`;
    const W = (which) => Array.from({ length: s.mheads },
      (_, h) => gaussian(2, s.mdm, s.mseed * 64 + which * 16 + h).map((r) => r.map(round2)));
    const want = core.mla({ tokens: gaussian(s.mm, s.mdm, s.mseed), wq: W(0), wk: W(1), wv: W(2), rank: s.mrank,
      ropeDim: s.mrope, kvHeads: s.mkv, scale: 1 / Math.sqrt(2) });
    assert.deepEqual(sc.result, want, where);
    const { cache } = sc.result;
    assert.deepEqual(cache, { mla: s.mm * (s.mrank + s.mrope), mha: 2 * s.mm * s.mheads * 2, gqa: 2 * s.mm * s.mkv * 2, mqa: 2 * s.mm * 2 }, `${where}: cache`);
    assert.equal(sc.result.driftByRank.length, s.mdm);
    assert.equal(sc.kvHeads, s.mkv);
    assert.deepEqual(sc.unmasked, new Uint8Array(s.mm * s.mm));
    for (const hd of sc.result.perHead) {
      assertRows(hd.weights, null, s.mm, s.mm, `${where} MLA`);
      assertRows(hd.mhaWeights, null, s.mm, s.mm, `${where} MHA`);
    }
    if (s.mrank === s.mdm) assert.ok(sc.result.drift.maxWeightDiff < 1e-5, `${where}: full rank is MHA (${sc.result.drift.maxWeightDiff})`);
  }
});
