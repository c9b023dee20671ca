// Types for `import { AttentionCore, mount } from 'attention-plot'` (dist/index.js in
// browsers and bundlers, dist/node.js in node). Written by hand from docs/js-api.md;
// tests/package/types.test.mjs checks the plot's fields against web/js/state/schema.js and
// compiles a strict consumer against this file.

// ----------------------------------------------------------------------------- the core

/** A vector: an array of numbers or a typed array. */
export type Vector = readonly number[] | Float32Array | Float64Array;
/** Points `[[x, y], …]`, or a flat row-major array (then pass `d` / `dv`). */
export type Matrix = ReadonlyArray<Vector> | Vector;
/** `'window:3'` / `'topk:2'` are the command line's spelling of the same masks. */
export type Mask = 'none' | 'causal' | { window: number } | { topK: number } | `window:${number}` | `topk:${number}`;
export type LayoutKind = 'even' | 'random' | 'clusters' | 'sphere' | 'values' | 'gaussian';

/** RoPE: key i turned by positions[i]·θ_j, the query by queryPosition·θ_j, θ_j = theta·base^(−2j/d); d even. */
export interface RopeOptions {
  theta?: number;
  base?: number;
  /** One per key; default 0 … n−1. */
  positions?: Vector | null;
  /** attend only; default n. */
  queryPosition?: number;
  /** attentionMatrix only; one per query, default 0 … m−1. */
  queryPositions?: Vector | null;
}

export type Kernel = 'softmax' | 'elu+1' | 'favor+';

/** The options beyond softmax, composable (docs/js-api.md "Beyond softmax"). */
export interface BeyondOptions {
  /** α-entmax, 1 (softmax) … 2 (sparsemax); default 1. */
  alpha?: number;
  /** An attention sink's logit (an extra slot without a value); null: none. */
  sink?: number | null;
  rope?: RopeOptions | null;
  kernel?: Kernel;
  /** favor+'s random features r (1…65,536); default 64. */
  features?: number;
  /** favor+'s seed; default 1. */
  seed?: number | bigint;
}

export interface AttendOptions extends BeyondOptions {
  query: Vector;
  keys: Matrix;
  values?: Matrix | null;
  /** Multiplies the logits (κ = |q|·scale); default 1. */
  scale?: number;
  normalizeKeys?: boolean;
  d?: number;
  dv?: number;
}

export interface AttendResult {
  logits: Float32Array;
  weights: Float32Array;
  output: Float32Array;
  entropy: number;
  effectiveKeys: number;
  argmax: number;
  /** null for alpha > 1. */
  logSumExp: number | null;
  maxLogit: number;
  /** The sink's share (0 without one). */
  sinkWeight: number;
  /** α-entmax's τ: weight_i = [(α−1)·logit_i − τ]₊^(1/(α−1)); null for alpha = 1. */
  threshold: number | null;
  /** With rope: the turned query (d) and keys (n·d, after normalisation); else null. */
  rotatedQuery: Float32Array | null;
  rotatedKeys: Float32Array | null;
}

/** unitKeyCurve: the strip's curve for any normaliser (d = 2). */
export interface UnitKeyCurveOptions extends BeyondOptions {
  query: Vector;
  scale?: number;
  /** attend's logSumExp (alpha = 1). */
  logSumExp?: number | null;
  /** attend's threshold (alpha > 1). */
  threshold?: number | null;
  angles: Vector;
}

export interface MatrixOptions extends BeyondOptions {
  queries: Matrix;
  keys: Matrix;
  values?: Matrix | null;
  scale?: number;
  normalizeKeys?: boolean;
  mask?: Mask;
  d?: number;
  dv?: number;
}

export interface MatrixResult {
  /** m·n, row-major. */
  weights: Float32Array;
  logits: Float32Array;
  /** m·dv. */
  output: Float32Array;
  entropy: Float32Array;
  /** 1 where every key of the row is masked. */
  emptyRows: Uint8Array;
  /** m·n, 1 where the mask hides the key. */
  masked: Uint8Array;
  m: number;
  n: number;
  dv: number;
}

export interface LayoutOptions {
  kind: LayoutKind;
  n: number;
  seed?: number | bigint;
  d?: number;
  clusters?: number;
  spread?: number;
  phase?: number;
}

export interface LayoutResult {
  /** n·d, row-major. */
  points: Float64Array;
  d: number;
  /** For d = 2: the angle of each point. */
  angles?: Float64Array;
}

export interface VonMisesOptions {
  kappa: number;
  phi: number;
  angles: Vector;
  gaussian?: boolean;
}

export interface SelfAttentionOptions {
  tokens: Matrix;
  /** `heads` matrices (rows), or one matrix for one head. */
  wq: ReadonlyArray<ReadonlyArray<Vector>> | ReadonlyArray<Vector>;
  /** `kvHeads` matrices (rows), or one matrix. */
  wk: ReadonlyArray<ReadonlyArray<Vector>> | ReadonlyArray<Vector>;
  wv: ReadonlyArray<ReadonlyArray<Vector>> | ReadonlyArray<Vector>;
  heads?: number;
  kvHeads?: number;
  scale?: number;
  mask?: Mask;
}

export interface HeadResult {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  logits: Float32Array;
  weights: Float32Array;
  output: Float32Array;
  entropy: Float32Array;
  emptyRows: Uint8Array;
  masked: Uint8Array;
  /** The key/value head this query head reads. */
  kvHead: number;
  logitAsymmetry: number;
  weightAsymmetry: number;
}

export interface SelfAttentionResult {
  heads: HeadResult[];
  /** The heads side by side (m · heads·dHead). */
  output: Float32Array;
  variant: 'MHA' | 'GQA' | 'MQA';
  kvCacheEntries: number;
  kvCacheEntriesMHA: number;
  m: number;
  dHead: number;
  dModel: number;
}

export interface DimensionOptions {
  d: number;
  n: number;
  seed?: number | bigint;
  scaled?: boolean;
}

export interface DimensionResult {
  logits: Float64Array;
  weights: Float64Array;
  scale: number;
  logitMean: number;
  logitStd: number;
  maxWeight: number;
  entropy: number;
  effectiveKeys: number;
  /** ‖∂w/∂z‖_F = ‖diag(w) − w wᵀ‖_F: the softmax's Jacobian, what reaches the logits. */
  gradientNorm: number;
}

export interface QueryGradientOptions {
  query: Vector;
  keys: Matrix;
  /** The key whose weight the gradient is of (0 ≤ target < n). */
  target: number;
  scale?: number;
  normalizeKeys?: boolean;
  d?: number;
  alpha?: number;
  sink?: number | null;
}

export interface QueryGradient {
  /** w_t */
  weight: number;
  /** Σ w_j k_j (d) */
  meanKey: Float32Array;
  /** ∂w_t/∂q (d) */
  ofWeight: Float32Array;
  /** ∂log w_t/∂q (d); softmax: scale · (k_t − Σ w_j k_j) */
  ofLogWeight: Float32Array;
}

/** A tensor read from a .npy, .safetensors or JSON file (core.readTensors). */
export interface TensorRead {
  name: string;
  /** As stored. */
  shape: number[];
  dtype: 'float16' | 'bfloat16' | 'float32' | 'float64';
  /** Row-major, whatever the file's order. */
  data: Float32Array;
}

export interface QueryViewOptions {
  query: Vector;
  keys: Matrix;
  values?: Matrix | null;
  scale?: number;
  normalizeKeys?: boolean;
  d?: number;
  dv?: number;
  alpha?: number;
  sink?: number | null;
}

/** The keys in the plane of q and their strongest direction beside it (docs/cli.md, mode view). */
export interface QueryView {
  x: Float32Array;
  y: Float32Array;
  weights: Float32Array;
  /** scale · queryNorm · x_i: the d-dimensional logits. */
  logits: Float32Array;
  /** |(x_i, y_i)| / |k_i| */
  captured: Float32Array;
  output: Float32Array;
  /** e1 then e2, 2·d numbers. */
  basis: Float32Array;
  explained: number;
  queryNorm: number;
  logSumExp: number | null;
  sinkWeight: number;
  method: 'plane' | 'lanczos' | 'fallback';
  residual: number;
}

/** Every query and key of a head in one plane, AttentionViz's way (docs/cli.md, mode joint). */
export interface JointMap {
  /** m·2 */
  queries: Float32Array;
  /** n·2 */
  keys: Float32Array;
  shift: Float32Array;
  ratio: number;
  explained: number;
  pairs: number;
  correlation: { full: number; map: number };
}

/** docs/experiments.md's settings; every field has a default that makes the task learnable untied. */
export interface TrainSettings {
  task?: 'lookup' | 'previous' | 'cycle' | 'induction';
  /** The task's n (0: its default, 8 for lookup, else 16). */
  size?: number;
  dModel?: number;
  heads?: number;
  /** 1 or 2 (0: the task's own, 2 for induction). */
  layers?: number;
  tie?: boolean;
  projections?: 'learned' | 'none';
  mask?: 'task' | 'causal' | 'none';
  scale?: 'inv_sqrt' | 'one' | number;
  alpha?: number;
  init?: 'small' | 'unit';
  optimizer?: 'adam' | 'sgd';
  learningRate?: number;
  batch?: number;
  seed?: number;
  evalBatches?: number;
  evalSize?: number;
}

/** One training run of the core's model, in the WASM heap (float). */
export interface Trainer {
  readonly settings: Readonly<TrainSettings>;
  /** Tensor names in the core's order (token_embedding, position_embedding, layer0.head0.W_Q, …). */
  readonly names: string[];
  info(): { seqLen: number; vocab: number; classes: number; dModel: number; heads: number; dHead: number;
    layers: number; tensors: number; parameters: number; steps: number };
  /** `count` steps: each step's batch loss and accuracy, before its update. */
  step(count?: number): { loss: Float64Array; accuracy: Float64Array };
  /** Held-out loss and accuracy. */
  evaluate(): { loss: number; accuracy: number };
  gradientNorms(): { name: string; norm: number }[];
  tensor(which: string | number): { name: string; shape: [number, number]; data: Float32Array };
  tensors(): { name: string; shape: [number, number]; data: Float32Array }[];
  sample(options?: { layer?: number; head?: number; index?: number }): { seqLen: number; weights: Float32Array;
    tokens: Int32Array; targets: Int32Array; answerAt: Int32Array; queryNorms: Float32Array; keyNorms: Float32Array;
    dHead: number; queries: Float32Array; keys: Float32Array };
  free(): void;
}

export interface StreamOptions {
  query: Vector;
  keys: Matrix;
  values: Matrix;
  scale?: number;
  normalizeKeys?: boolean;
  blockSize: number;
  d?: number;
  dv?: number;
}

export interface StreamBlock {
  begin: number;
  end: number;
  blockMax: number;
  runningMax: number;
  rescale: number;
  runningSum: number;
  partialOutput: Float32Array;
}

export interface StreamResult {
  output: Float32Array;
  logSumExp: number;
  blocks: StreamBlock[];
}

export interface QueryGeometry {
  /** |q| */
  norm: number;
  /** |q|·scale */
  kappa: number;
  /** atan2(q₁, q₀) */
  phi: number;
}

export interface LoadOptions {
  /** The .wasm bytes to use instead of the package's own (e.g. after a bundler moved it). */
  wasmBinary?: ArrayBuffer | Uint8Array;
}

/** The C++ attention core compiled to WebAssembly. Errors are `Error`s with the core's message. */
export declare class AttentionCore {
  /** A new core with its own WebAssembly instance. */
  static load(options?: LoadOptions): Promise<AttentionCore>;
  /** Current size of the WASM heap in bytes. */
  readonly heapBytes: number;
  attend(options: AttendOptions): AttendResult;
  attentionMatrix(options: MatrixOptions): MatrixResult;
  layout(options: LayoutOptions): LayoutResult;
  vonMises(options: VonMisesOptions): Float64Array;
  selfAttention(options: SelfAttentionOptions): SelfAttentionResult;
  dimensionStats(options: DimensionOptions): DimensionResult;
  /** How moving the query changes one key's weight (docs/js-api.md). */
  queryGradient(options: QueryGradientOptions): QueryGradient;
  /** Every tensor of one .npy, .safetensors or JSON file; a bad file throws an Error naming it. */
  readTensors(bytes: ArrayBuffer | ArrayBufferView, options?: { format?: 'detect' | 'npy' | 'safetensors' | 'json';
    name?: string }): TensorRead[];
  /** One query's view of its keys in any dimension. */
  queryView(options: QueryViewOptions): QueryView;
  /** All queries and keys of a head in one plane. */
  jointMap(options: { queries: Matrix; keys: Matrix; d?: number }): JointMap;
  /** A training run of the core's attention model (docs/experiments.md). */
  trainer(settings?: TrainSettings): Trainer;
  stream(options: StreamOptions): StreamResult;
  queryGeometry(options: { query: Vector; scale?: number }): QueryGeometry;
  keyPositions(options: { keys: Matrix; normalizeKeys?: boolean; d?: number }): Float64Array;
  /** Indices of the k largest weights, largest first (ties: lower index first). */
  topK(weights: Vector, k: number): Int32Array;
  /** 1/√d, the transformer's default scale. */
  invSqrtD(d: number): number;
  /** The weight a unit key at each angle would get with softmax: exp(κ cos(θ − φ) − log Σ). */
  unitKeyWeights(options: { kappa: number; phi: number; logSumExp: number; angles: Vector }): Float64Array;
  /** The same for every normaliser and kernel: pass attend's logSumExp or threshold. */
  unitKeyCurve(options: UnitKeyCurveOptions): Float64Array;
}

// ----------------------------------------------------------------------------- the plot

export type Layout = 'even' | 'random' | 'clusters';
export type ScaleMode = 'one' | 'invsqrt' | 'custom';
export type Controls = 'full' | 'compact' | 'none';
export type Theme = 'auto' | 'light' | 'dark';
/** The strip's curve: the weight of a unit key at each angle, or the von Mises density · 2π/n. */
export type Curve = 'unit' | 'vonmises';
/** The plot's kernel: softmax, or linear attention (φ = elu + 1, or favor+'s random features). */
export type PlotKernel = 'softmax' | 'elu+1' | 'favor+';
export type XY = readonly [number, number];

/**
 * The plot's settings: the PLAYGROUND fields of web/js/state/schema.js (ranges in
 * docs/js-api.md). A bad value is corrected and named in a notice (mount options,
 * attributes) or rejected with an Error (setState).
 */
export interface PlotFields {
  /** Number of keys, 1…64 (default 8). */
  n: number;
  layout: Layout;
  /** 0…2³¹−1. */
  seed: number;
  /** 1…16, for layout 'clusters'. */
  clusters: number;
  /** 0…3 radians, for layout 'clusters'. */
  spread: number;
  normalizeKeys: boolean;
  randomLengths: boolean;
  scaleMode: ScaleMode;
  /** −100…100, used when scaleMode is 'custom'. */
  customScale: number;
  /** [x, y], each in ±1000 (|q| up to 1000: drawn to scale up to 1.5, logarithmically beyond). */
  query: XY;
  /** 0 (off) or 1…65,536 keys drawn as a density ring. */
  longContext: number;
  showValues: boolean;
  showGaussian: boolean;
  /** −1 (off) or a key: the page draws the query's gradient toward it (the element leaves it out). */
  target: number;
  curve: Curve;
  /** The normaliser: 1 softmax … 2 sparsemax (α-entmax between). */
  alpha: number;
  /** An attention sink (an extra slot with logit `sink`, −20…20, and no value). */
  sinkOn: boolean;
  sink: number;
  kernel: PlotKernel;
  /** favor+'s random features, 1…4,096 (default 16), and their seed. */
  features: number;
  featureSeed: number;
  /** RoPE: key i at position i turns by i·θ, the query by queryPosition·θ. */
  rope: boolean;
  /** θ, 0…3.141 radians per position (default 0.5). */
  ropeTheta: number;
  /** 0…65,536 (default 8). */
  queryPosition: number;
  /** Draw plain softmax's weights beside the current ones on the strip. */
  compare: boolean;
  /** Up to 64 points in ±1.8; null: made by the layout. */
  keys: ReadonlyArray<XY> | null;
  /** Up to 64 points in ±1; null: made by the layout. */
  values: ReadonlyArray<XY> | null;
  /** The page's guided tour step (0: none). */
  tour: number;
  controls: Controls;
  theme: Theme;
}

/** What mount() and setState() take: any of the fields, plus `scale` (selects a custom scale). */
export type PlotOptions = Partial<PlotFields> & {
  scale?: number;
  /** Index of the selected / hovered key, or −1. */
  selected?: number;
  hovered?: number;
};

/** getState(): the fields with the keys and values actually drawn, the effective scale and the selection. */
export interface PlotState extends PlotFields {
  keys: Array<[number, number]>;
  values: Array<[number, number]>;
  scale: number;
  selected: number;
  hovered: number;
}

export interface ChangeDetail {
  readonly state: PlotState;
  /** null before the core is loaded. */
  readonly weights: number[] | null;
}

export interface PlotRenderer {
  /** World coordinates → canvas CSS pixels. */
  toScreen(x: number, y: number): [number, number];
}

/** The handle of one plot (mount's result, `element.plot`). */
export interface PlotHandle {
  /** Resolves once the shared WASM instance is up. */
  readonly ready: Promise<void>;
  getState(): PlotState;
  /** Throws an Error carrying the notice on bad input, and changes nothing. */
  setState(partial: PlotOptions): PlotState;
  /** The core's weights for the current state (null before the core is loaded). */
  getWeights(): number[] | null;
  /** Returns an unsubscribe function. */
  on(type: 'change', listener: (detail: ChangeDetail) => void): () => void;
  /** A data:image/png URL of the plot. */
  toPNG(): string;
  /** An SVG document of the plot. */
  toSVG(): string;
  /** Reads the state from a `#v=1&…` link; its problems show as notices. */
  loadHash(hash: string): void;
  /** Keeps the state in step with this page's location.hash. */
  followUrl(): void;
  readonly renderer: PlotRenderer;
  destroy(): void;
}

/** Puts a plot into `element` (its own shadow root). */
export declare function mount(element: HTMLElement, options?: PlotOptions): PlotHandle;

/**
 * The element's attributes: the fields in kebab case, as text (`query="1.2,0.4"`,
 * `keys="x,y;x,y"`, booleans `1`/`0`). The lower-cased field name is accepted too.
 */
export interface AttentionPlotAttributes {
  'n'?: string | number;
  'layout'?: Layout;
  'seed'?: string | number;
  'clusters'?: string | number;
  'spread'?: string | number;
  'normalize-keys'?: string;
  'random-lengths'?: string;
  'scale-mode'?: ScaleMode;
  'custom-scale'?: string | number;
  'query'?: string;
  'long-context'?: string | number;
  'show-values'?: string;
  'show-gaussian'?: string;
  'target'?: string | number;
  'curve'?: Curve;
  'alpha'?: string | number;
  'sink-on'?: string;
  'sink'?: string | number;
  'kernel'?: PlotKernel;
  'features'?: string | number;
  'feature-seed'?: string | number;
  'rope'?: string;
  'rope-theta'?: string | number;
  'query-position'?: string | number;
  'compare'?: string;
  'tour'?: string | number;
  'keys'?: string;
  'values'?: string;
  'controls'?: Controls;
  'theme'?: Theme;
}

/** `<attention-plot>`: the same handle as `element.plot`; fires `change` with a ChangeDetail. */
export interface AttentionPlotElement extends HTMLElement {
  /**
   * null before the element is connected and while it is out of the document (removed, it
   * tears down; put back, it rebuilds with the same state and on() listeners, as a new handle).
   */
  readonly plot: PlotHandle | null;
  addEventListener<K extends keyof AttentionPlotElementEventMap>(type: K, listener: (this: AttentionPlotElement, ev: AttentionPlotElementEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

export interface AttentionPlotElementEventMap extends HTMLElementEventMap {
  change: CustomEvent<ChangeDetail>;
}

declare global {
  interface HTMLElementTagNameMap {
    'attention-plot': AttentionPlotElement;
  }
}
