// The TypeScript declarations (types/*.d.ts): a strict consumer of the installed package
// compiles against them under both module resolutions users pick (nodenext, bundler),
// and mistakes a user could make are type errors (each `@ts-expect-error` fails the
// compile if the types let the mistake through). The plot's fields and attributes in the
// declarations are the PLAYGROUND fields of web/js/state/schema.js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { installPackage, repoRoot } from './helpers.mjs';
import { PLAYGROUND } from '../../web/js/state/schema.js';
import { kebab } from '../../web/js/state/codec.js';

const TSC = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
let pkg;

const CONSUMER = `
import { AttentionCore, mount, type AttendResult, type AttentionPlotAttributes, type PlotHandle, type PlotState } from 'attention-plot';
import 'attention-plot/element';
import 'attention-plot/head';
import type { AttentionHeadAttributes, HeadState } from 'attention-plot/head';
import widget, { type WidgetModel } from 'attention-plot/widget';

export async function main(): Promise<number> {
  const core: AttentionCore = await AttentionCore.load();
  const r: AttendResult = core.attend({ query: [1, 0], keys: [[1, 0], [0, 1]], values: new Float32Array(4), dv: 2, scale: 1.5 });
  const w: Float32Array = r.weights;
  const m = core.attentionMatrix({ queries: new Float32Array(4), keys: [[1, 0], [0, 1]], mask: { window: 1 }, d: 2 });
  const empty: Uint8Array = m.emptyRows;
  const heads = core.selfAttention({ tokens: [[1, 0], [0, 1]], wq: [[1, 0], [0, 1]], wk: [[1, 0], [0, 1]], wv: [[1, 0], [0, 1]], mask: 'causal' });
  const variant: 'MHA' | 'GQA' | 'MQA' = heads.variant;
  const blocks = core.stream({ query: [1, 0], keys: [[1, 0]], values: [[0, 1]], blockSize: 1 }).blocks;
  const kappa: number = core.queryGeometry({ query: [1, 1], scale: 2 }).kappa;
  const view = core.queryView({ query: new Float32Array(64), keys: new Float32Array(640), d: 64, scale: 0.125 });
  const method: 'plane' | 'lanczos' | 'fallback' = view.method;
  const joint: number = core.jointMap({ queries: [[1, 0, 0]], keys: [[0, 1, 0]] }).correlation.map;
  const read: Float32Array = core.readTensors(new Uint8Array(8), { name: 'q.npy' })[0]?.data ?? new Float32Array(0);
  const g: Float32Array = core.queryGradient({ query: [1, 0], keys: [[1, 0], [0, 1]], target: 1 }).ofLogWeight;
  const trainer = core.trainer({ task: 'cycle', tie: true, learningRate: 0.01 });
  const losses: Float64Array = trainer.step(10).loss;
  const wq: [number, number] = trainer.tensor('layer0.head0.W_Q').shape;
  trainer.free();

  const handle: PlotHandle = mount(document.body, { n: 12, query: [1, 0.5], layout: 'clusters', normalizeKeys: false });
  await handle.ready;
  const state: PlotState = handle.setState({ scaleMode: 'custom', customScale: 2, keys: null });
  const keys: Array<[number, number]> = state.keys;
  const off: () => void = handle.on('change', ({ state: s, weights }) => { console.log(s.n, weights?.length ?? 0); });
  off();
  const png: string = handle.toPNG();

  const el = document.createElement('attention-plot');
  const ws: number[] | null | undefined = el.plot?.getWeights();
  el.addEventListener('change', (e) => { const n: number = e.detail.state.n; console.log(n); });
  const viaGlobal: PlotHandle = window.AttentionPlot.mount(document.body, { theme: 'dark', controls: 'none' });
  const attrs: AttentionPlotAttributes = { 'normalize-keys': '0', query: '1.2,0.4', n: 12 };

  const head = document.createElement('attention-head');
  await head.head?.ready;
  const headWeights: Float32Array | undefined = head.head?.scene?.weights;
  const headState: HeadState | undefined = head.head?.getState();
  head.head?.setState({ head: 1, scale: 'one', causal: false });
  const tokensOf: string[] = head.head?.data?.labels ?? [];
  const headAttrs: AttentionHeadAttributes = { tensors: 'AAAA', head: '0', scale: 'inv_sqrt', theme: 'dark' };

  const model: WidgetModel = { get: () => undefined, set: () => {}, on: () => {}, off: () => {}, save_changes: () => {} };
  const cleanup: () => void = widget.render({ model, el: document.body });

  // @ts-expect-error a layout the plot does not have
  mount(document.body, { layout: 'spiral' });
  // @ts-expect-error a field the plot does not have
  mount(document.body, { nKeys: 3 });
  // @ts-expect-error the query is a point [x, y]
  handle.setState({ query: 1 });
  // @ts-expect-error attend needs keys
  core.attend({ query: [1, 0] });
  // @ts-expect-error the weights are numbers, not text
  const notText: string = r.weights;
  // @ts-expect-error the handle only has 'change' events
  handle.on('click', () => {});
  // @ts-expect-error attributes are spelled in kebab case
  const camel: AttentionPlotAttributes = { normalizeKeys: '0' };
  // @ts-expect-error mount needs an element
  mount('here');
  // @ts-expect-error the training setting is learningRate
  core.trainer({ lr: 0.1 });
  // @ts-expect-error a head's scale is 'inv_sqrt' or 'one'
  head.head?.setState({ scale: 0.5 });
  // @ts-expect-error the element needs its tensors
  const noTensors: AttentionHeadAttributes = { head: '0' };

  return w.length + empty.length + variant.length + blocks.length + kappa + keys.length + png.length + (ws?.length ?? 0) +
    (viaGlobal ? 1 : 0) + Object.keys(attrs).length + cleanup.length + notText.length + Object.keys(camel).length +
    method.length + joint + read.length + g.length + losses.length + wq[0] + (headWeights?.length ?? 0) +
    (headState?.head ?? 0) + tokensOf.length + Object.keys(headAttrs).length + Object.keys(noTensors).length;
}
`;

before(async () => {
  pkg = await installPackage();
  await writeFile(path.join(pkg.dir, 'consumer.ts'), CONSUMER);
});
after(async () => { await pkg?.cleanup(); });

function tsc(resolution) {
  const module = resolution === 'bundler' ? 'esnext' : 'nodenext';
  const config = path.join(pkg.dir, `tsconfig.${resolution}.json`);
  return writeFile(config, JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: 'es2022', module, moduleResolution: resolution, lib: ['es2022', 'dom'],
      types: [], skipLibCheck: false, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true,
      noImplicitOverride: true, noPropertyAccessFromIndexSignature: true,
    },
    files: ['consumer.ts'],
  })).then(() => {
    try {
      execFileSync(process.execPath, [TSC, '-p', config], { cwd: pkg.dir, encoding: 'utf8', stdio: 'pipe' });
      return '';
    } catch (e) {
      return `${e.stdout}${e.stderr}`;
    }
  });
}

for (const resolution of ['nodenext', 'bundler']) {
  test(`a strict TypeScript consumer compiles against the installed package (moduleResolution ${resolution}), and its mistakes do not`, async () => {
    assert.equal(await tsc(resolution), '');
  });
}

test('the compile check can fail: a consumer with a type error is rejected', async () => {
  await writeFile(path.join(pkg.dir, 'consumer.ts'), `${CONSUMER}\nexport const wrong: number = (await import('attention-plot')).mount;\n`);
  try {
    assert.match(await tsc('nodenext'), /consumer\.ts\(\d+,\d+\): error TS2322/);
  } finally {
    await writeFile(path.join(pkg.dir, 'consumer.ts'), CONSUMER);
  }
});

// The names inside `interface NAME { … }` of a declaration file.
function members(source, name) {
  const body = new RegExp(`interface ${name} (?:extends [^{]+)?\\{([\\s\\S]*?)\\n\\}`).exec(source)?.[1];
  assert.ok(body, `interface ${name} found`);
  return [...body.matchAll(/^\s*'?([A-Za-z-]+)'?\??:/gm)].map((m) => m[1]);
}

test('the declared fields and attributes are exactly the schema\'s (PLAYGROUND in web/js/state/schema.js)', async () => {
  const dts = await readFile(path.join(repoRoot, 'types/index.d.ts'), 'utf8');
  const fields = Object.keys(PLAYGROUND.fields);
  assert.deepEqual(members(dts, 'PlotFields').sort(), [...fields].sort());
  assert.deepEqual(members(dts, 'AttentionPlotAttributes').sort(), fields.map(kebab).sort());
  for (const [name, f] of Object.entries(PLAYGROUND.fields)) {
    if (f.type !== 'enum') continue;
    const union = f.values.map((v) => `'${v}'`).join(' | ');
    assert.ok(dts.includes(union), `${name}: the declarations spell out ${union}`);
  }
});
