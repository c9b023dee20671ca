// <attention-head>: one real head's picture as an element (what a notebook's
// AttentionPlot.from_tensors shows, and what a blog post can carry). It holds its data: the
// `tensors` attribute is a base64 .safetensors file with q and k (and v), shapes (T, d),
// (H, T, d) or (1, H, T, d), read by the core's own reader (data.js fromFiles: the same rules
// and sentences as model.html's files); `tokens` labels them (a JSON list, or comma/line
// separated). The view settings are the HEAD table's fields as attributes (head, query, scale,
// causal, theme). One flow, as on the page: attributes and controls → the store → HeadPanel
// (panel.js: the scene from the core, drawn) once per frame. A bad attribute or a bad file is a
// notice that keeps what is shown.
import { HEAD } from '../state/model-schema.js';
import { Store } from '../state/store.js';
import { Notices } from '../state/notices.js';
import { attributeMap } from '../state/codec.js';
import { wantsDark, wrapSheet } from '../plot/canvas.js';
import palette from '../../css/palette.css';
import noticeCss from '../../css/notice.css';
import { fromFiles, labelsNotice, parseLabels, shapeOf } from './data.js';
import { HeadPanel } from './panel.js';
import { MAX_HEATMAP } from './scene.js';

const TAG = 'attention-head';
const ATTRS = attributeMap(HEAD);
const DATA_ATTRS = ['tensors', 'tokens'];

const CSS = `
:host { display: block; }
:host([hidden]) { display: none; }
.wrap { font: 14px/1.4 var(--font); color: var(--fg); background: var(--bg); border: 1px solid var(--border);
  border-radius: .4rem; padding: .5rem; color-scheme: light; }
.wrap.dark { color-scheme: dark; }
.notices { display: flex; flex-direction: column; gap: .25rem; margin-bottom: .4rem; }
.notices[hidden] { display: none; }
.bar { display: flex; flex-wrap: wrap; gap: .3rem .9rem; align-items: center; font-size: 13px; }
.bar select, .bar button { font: inherit; max-width: 100%; }
.bar button { padding: .15rem .6rem; border: 1px solid var(--border); border-radius: .3rem; background: var(--surface);
  color: var(--fg); }
.shape { color: var(--muted); font-size: 12px; flex-basis: 100%; margin: 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(300px, 100%), 1fr)); gap: .6rem; margin-top: .4rem; }
figure { margin: 0; min-width: 0; }
canvas { display: block; width: 100%; aspect-ratio: 1; touch-action: manipulation; }
canvas.strip { aspect-ratio: 2 / 1; }
canvas[hidden] { display: none; }
figcaption { font-size: 12px; color: var(--muted); margin-top: .2rem; }
table { border-collapse: collapse; margin-top: .3rem; font-size: 12px; font-variant-numeric: tabular-nums; }
th, td { padding: .1rem .5rem; text-align: right; border-bottom: 1px solid var(--border); }
.t-token { text-align: left; }
.loading { margin: .4rem 0; color: var(--muted); }
/* A phone: the controls stay on screen above what they change, and are big enough for a finger. */
@media (max-width: 700px) {
  .bar { position: sticky; top: 0; z-index: 1; background: var(--bg); padding: .3rem 0; border-bottom: 1px solid var(--border); }
  .bar select, .bar button { min-height: 2.4rem; }
  .bar input[type=checkbox] { width: 1.4rem; height: 1.4rem; }
}
`;

// The element's parts, built once in its shadow root.
function build(shadow) {
  const make = (tag, props = {}, children = []) => {
    const e = Object.assign(document.createElement(tag), props);
    e.append(...children);
    return e;
  };
  const label = (text, control) => make('label', {}, [`${text} `, control]);
  const parts = {
    wrap: make('div', { className: 'wrap' }),
    notices: make('div'),
    loading: make('p', { className: 'loading', textContent: 'Loading the attention core…' }),
    head: make('select'), query: make('select'),
    scale: make('select', {}, [new Option('1/√d', 'inv_sqrt'), new Option('1', 'one')]),
    causal: make('input', { type: 'checkbox' }),
    reset: make('button', { type: 'button', textContent: 'Put the query back' }),
    shape: make('p', { className: 'shape' }),
    view: make('canvas'), strip: make('canvas', { className: 'strip' }), joint: make('canvas'), heatmap: make('canvas'),
    list: make('table', {}, [make('thead', {}, [make('tr', {}, ['key', 'token', 'logit', 'weight']
      .map((t) => make('th', { textContent: t })))])]),
    plane: make('span'), output: make('span'),
  };
  parts.view.setAttribute('aria-label', 'The query\'s view: the keys in the plane of the query and the strongest ' +
    'direction beside it; drag the query, or use the arrow keys (Shift: finer; Escape puts it back)');
  parts.strip.setAttribute('aria-label', 'Each key\'s weight against its length along the query, on the exact curve');
  parts.joint.setAttribute('aria-label', 'The joint map of the head\'s queries and keys; click a query to select it');
  parts.heatmap.setAttribute('aria-label', 'The head\'s attention weights, row i = query token i');
  const bar = make('form', { className: 'bar' }, [label('head', parts.head), label('query token', parts.query),
    label('scale', parts.scale), make('label', {}, [parts.causal, ' causal']), parts.reset, parts.shape]);
  bar.setAttribute('aria-label', 'What is shown');
  bar.addEventListener('submit', (e) => e.preventDefault());
  const fig = (canvas, caption, ...extra) => make('figure', {}, [canvas, ...extra, make('figcaption', {}, caption)]);
  const grid = make('div', { className: 'grid' }, [
    fig(parts.view, ['The query’s view: x along q, y the keys’ strongest direction beside it; drag the query. ',
      parts.plane, ' ', parts.output]),
    fig(parts.strip, ['Every key’s weight over its length along q, on the one exact curve.'], parts.list),
    fig(parts.joint, ['All queries (round dots) and keys (green squares), no weight changed; click a query.']),
    fig(parts.heatmap, [`softmax(scale·Q Kᵀ), row i = query token i (outlined: the query shown; up to ${MAX_HEATMAP} tokens).`]),
  ]);
  parts.wrap.append(parts.notices, parts.loading, bar, grid);
  shadow.adoptedStyleSheets = [wrapSheet(palette, noticeCss, CSS)];
  shadow.replaceChildren(parts.wrap);
  return parts;
}

/** The base64 text of a file → its bytes, or an Error naming the attribute. */
function bytesOf(text) {
  let raw;
  try {
    raw = atob(text);
  } catch {
    throw new Error('tensors: is not base64 (expected a .safetensors file in base64, as AttentionPlot.from_tensors writes)');
  }
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

class Instance {
  constructor(host, loadCore) {
    this.host = host;
    this.parts = build(host.shadowRoot ?? host.attachShadow({ mode: 'open' }));
    this.data = null;
    this.core = null;
    this.panel = null;
    this.dataDirty = true;  // the tensors or tokens attribute changed since the data was read
    this.store = new Store(HEAD, {
      render: (s, ui) => this.render(s, ui), notices: new Notices(this.parts.notices),
      onCommit: (state, source, changed) => { if (source !== 'data') this.panel?.fitToData(this.data, changed); },
    });
    this.store.ui = { drag: null };
    this.dark = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
    this.onScheme = () => this.store.schedule();
    this.dark?.addEventListener('change', this.onScheme);
    this.resize = new ResizeObserver(() => this.store.schedule());
    this.resize.observe(this.parts.wrap);
    this.ready = loadCore().then((core) => {
      if (this.destroyed) return;
      this.core = core;
      this.panel = new HeadPanel(core, { ...this.parts, themeFrom: this.parts.wrap }, this.store);
      this.panel.wire();
      this.readData();
    }, (e) => this.store.notices.set('load', [e.message])).finally(() => this.parts.loading.remove());
  }

  // The head set the tensors and tokens attributes hold, read by the core when they changed (an
  // input, not a frame's work); a bad one is a notice that keeps what was shown.
  readData() {
    if (!this.core || !this.dataDirty) return;
    this.dataDirty = false;
    const tensors = this.host.getAttribute('tensors'), tokens = this.host.getAttribute('tokens');
    const notices = this.store.notices;
    if (!tensors || !tensors.trim()) {
      notices.set('data', ['No tensors: give the element a tensors attribute (a base64 .safetensors file with q and k), ' +
        `as AttentionPlot.from_tensors does. ${this.data ? 'Kept what was shown.' : 'Nothing to show.'}`]);
      return;
    }
    let labels = null;
    const said = [];
    try {
      labels = tokens ? parseLabels(tokens) : null;
    } catch (e) {
      said.push(`${e.message.startsWith('tokens:') ? '' : 'tokens: '}${e.message}; used t0, t1, … instead.`);
    }
    try {
      const file = { name: 'the tensors attribute', format: 'safetensors', bytes: bytesOf(tensors.trim()) };
      this.data = { ...fromFiles(this.core, [file], labels), id: (this.data?.id ?? 0) + 1 };
      notices.clear('data');
      said.push(labelsNotice(labels, this.data.tokens));
      this.store.setUi({ drag: null });
      this.panel.fitToData(this.data, ['head', 'query'], { keep: true });
    } catch (e) {
      notices.set('data', [`${e.message}. ${this.data ? 'Kept what was shown.' : 'Nothing to show.'}`]);
    }
    notices.set('tokens', said);
    this.store.schedule();
  }

  render(state, ui) {
    this.parts.wrap.classList.toggle('dark', wantsDark(this.host, state.theme, this.dark));
    if (!this.panel || !this.data || !this.panel.show(state, ui, this.data)) return;
    this.parts.shape.textContent = `${shapeOf(this.data)}; every number from the C++ core (WebAssembly).`;
  }

  readAttr(attr) {
    if (DATA_ATTRS.includes(attr)) {
      // once per task: tensors and tokens set together are read (and the tensors decoded) once
      if (!this.dataDirty) queueMicrotask(() => this.readData());
      this.dataDirty = true;
      return;
    }
    const field = ATTRS.get(attr);
    if (!field) return;
    const raw = this.host.getAttribute(attr);
    this.store.commit({ [field]: raw === null ? HEAD.fields[field].def : raw }, `attr:${field}`);
  }

  // Out of the document: its observers, listeners and frames go (the element keeps its attributes).
  destroy() {
    this.destroyed = true;
    this.resize.disconnect();
    this.dark?.removeEventListener('change', this.onScheme);
    this.store.destroy();
  }
}

/** Defines <attention-head> once per page, its plots' core from `loadCore`. */
export function defineAttentionHead(loadCore) {
  if (typeof customElements === 'undefined' || customElements.get(TAG)) return;
  class AttentionHeadElement extends HTMLElement {
    static get observedAttributes() { return [...ATTRS.keys(), ...DATA_ATTRS]; }

    #inst = null;
    #saved = null;   // the state while the element is out of the document

    /** {ready, getState, setState, scene, data, frame, drag}: for scripts and tests; null while out of the document. */
    get head() {
      const inst = this.#inst;
      if (!inst) return null;
      return {
        ready: inst.ready,
        getState: () => structuredClone(inst.store.state),
        setState: (patch) => inst.store.commit(patch, 'api', { strict: true }),
        get scene() { return inst.panel?.scene ?? null; },
        get data() { return inst.data; },
        get frame() { return inst.panel?.frame ?? null; },
        drag: (at) => inst.store.setUi({ drag: at }),
      };
    }

    connectedCallback() {
      if (!this.#inst) {
        this.#inst = new Instance(this, loadCore);
        for (const attr of this.getAttributeNames()) this.#inst.readAttr(attr);
        if (this.#saved) this.#inst.store.commit(this.#saved, 'restore');
        this.#saved = null;
      }
      this.#inst.store.schedule();
    }

    // Out for good (not a move, which reconnects in the same task): keep only the state.
    disconnectedCallback() {
      queueMicrotask(() => {
        if (this.isConnected || !this.#inst) return;
        this.#saved = { ...this.#inst.store.state };
        this.#inst.destroy();
        this.#inst = null;
      });
    }

    attributeChangedCallback(attr, oldValue, newValue) {
      if (oldValue === newValue) return;
      if (!this.#inst && this.#saved) delete this.#saved[ATTRS.get(attr)];   // set since: the attribute wins
      this.#inst?.readAttr(attr);
    }
  }
  customElements.define(TAG, AttentionHeadElement);
}
