// `attention-plot/head` (dist/attention-head.js): the classic script that defines
// <attention-head>, one real head of a model in any dimension (what a notebook's
// AttentionPlot.from_tensors shows). Importing it is for its side effects:
//   import 'attention-plot/head';
// Its data is the `tensors` attribute: a .safetensors file in base64 holding q and k (and v),
// each (T, d), (H, T, d) or (1, H, T, d), read by the core's reader.

/** The element's attributes (all text, as in HTML). */
export interface AttentionHeadAttributes {
  /** base64 of a .safetensors file with tensors named q and k (and v) */
  tensors: string;
  /** one label per token: a JSON list, or comma or line separated */
  tokens?: string;
  /** which head (0 …) */
  head?: string;
  /** which query token; −1 = the last */
  query?: string;
  /** 'inv_sqrt' (1/√d, the default) or 'one' */
  scale?: 'inv_sqrt' | 'one';
  /** each token sees itself and earlier ones ('true', the default, or 'false') */
  causal?: string;
  theme?: 'auto' | 'light' | 'dark';
}

export interface HeadState {
  head: number;
  query: number;
  scale: 'inv_sqrt' | 'one';
  causal: boolean;
  theme: 'auto' | 'light' | 'dark';
}

/** What the element shows, as the core computed it (model/scene.js). */
export interface HeadScene {
  head: number;
  /** the query token */
  query: number;
  tokens: number;
  d: number;
  /** the keys the query sees (all T, or query + 1 when causal) */
  n: number;
  scale: number;
  labels: string[];
  logits: Float32Array;
  weights: Float32Array;
  /** the query dragged within the plane (its weights are then those of the dragged query) */
  moved: boolean;
}

/** The tensors the element shows, as the core read them (head-major, token rows). */
export interface HeadData {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array | null;
  heads: number;
  tokens: number;
  d: number;
  dv: number;
  /** one label per token, as given (t0, t1, … where none was) */
  labels: string[];
}

export interface HeadHandle {
  /** resolves once the core is loaded (rejects never: a failure is a notice) */
  readonly ready: Promise<void>;
  getState(): HeadState;
  /** a bad field throws an Error naming it; nothing changes */
  setState(patch: Partial<HeadState>): void;
  /** the last frame's scene; null before the first */
  readonly scene: HeadScene | null;
  /** the head set read from the attributes; null before it is read (or when it could not be) */
  readonly data: HeadData | null;
  /** the last frame's geometry: where the query is drawn (CSS pixels of the view) and its scale */
  readonly frame: { view: { query: [number, number]; R: number } | null } | null;
  /** drags the query to (x, y) in the view's plane; null puts it back */
  drag(at: [number, number] | null): void;
}

export interface AttentionHeadElement extends HTMLElement {
  /** null before the element is connected */
  readonly head: HeadHandle | null;
}

declare global {
  interface HTMLElementTagNameMap {
    'attention-head': AttentionHeadElement;
  }
}
