// <attention-plot> and AttentionPlot.mount(el, options): the drop-in embed.
// Bundled by scripts/bundle-embed.mjs into web/generated/attention-plot.js (a classic
// script with the WASM inlined); `__createAttentionModule` and `__wasmDataUri` are
// defined by that bundle. No heap logic here: the math goes through AttentionCore,
// the pixels through Plot, the settings through state.js (FIELDS/coerce/applyPatch).
import { AttentionCore } from './core.js';
import { Plot } from './plot.js';
import { FIELDS, defaults, coerce, applyPatch } from './state.js';

const TAU = Math.PI * 2;
const Q_MAX = 1.95;
const CURVE_POINTS = 181;
const TAG = 'attention-plot';

const LIGHT = {
  bg: '#ffffff', surface: '#f5f6f8', fg: '#1a1c1f', muted: '#555b63', border: '#d5d9df', grid: '#e3e6ea',
  axis: '#9aa1aa', circle: '#8b929b', query: '#000000', key: '#009e73', keyStroke: '#00684b',
  weight: '#0072b2', strip: '#e69f00', stripStroke: '#8a5d00', curve: '#1a1c1f', gauss: '#cc79a7',
  value: '#7a4a9e', output: '#d55e00', hull: '#7a4a9e', highlight: '#d55e00', select: '#d55e00',
};
const DARK = {
  bg: '#121417', surface: '#1b1e23', fg: '#e8eaed', muted: '#a4abb4', border: '#343941', grid: '#23272d',
  axis: '#6b727c', circle: '#7c848e', query: '#f4f4f4', key: '#1fb58a', keyStroke: '#9be3cb',
  weight: '#56b4e9', strip: '#e69f00', stripStroke: '#ffd27a', curve: '#e8eaed', gauss: '#e09ac4',
  value: '#c39be0', output: '#ff7a2f', hull: '#c39be0', highlight: '#ff9a52', select: '#ff9a52',
};
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
const MONO = 'ui-monospace, Menlo, Consolas, monospace';

const CSS = `
:host { display: block; font: 14px/1.4 ${FONT}; color: #1a1c1f; max-width: 40rem; }
:host([hidden]) { display: none; }
.wrap { border: 1px solid #d5d9df; border-radius: .4rem; padding: .4rem; background: #fff; }
.wrap.dark { background: #121417; color: #e8eaed; border-color: #343941; }
canvas { display: block; width: 100%; height: 26rem; touch-action: none; cursor: crosshair; }
.notice { margin: 0 0 .4rem; padding: .3rem .5rem; border-left: 3px solid #d55e00; background: #fff4ec; color: #1a1c1f; }
.notice:empty { display: none; }
.summary { margin: .3rem 0 0; font-family: ${MONO}; font-size: 12px; }
.controls { display: flex; gap: .6rem; align-items: center; margin-top: .3rem; }
.controls[hidden] { display: none; }
`;

// Attribute name → field: the field itself (lower-cased by HTML) and its kebab form.
const ATTRS = new Map();
for (const name of Object.keys(FIELDS)) {
  ATTRS.set(name.toLowerCase(), name);
  ATTRS.set(name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), name);
}

// One WASM instance for the whole page (each plot keeps its own state).
let corePromise = null;
function loadCore() {
  if (!corePromise) {
    corePromise = (async () => {
      /* global __createAttentionModule, __wasmDataUri */
      if (typeof __createAttentionModule !== 'function' || typeof __wasmDataUri !== 'string') {
        throw new Error('the WASM module is not bundled (use web/generated/attention-plot.js)');
      }
      const b64 = __wasmDataUri.slice(__wasmDataUri.indexOf(',') + 1);
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const module = await __createAttentionModule({ wasmBinary: bytes });
      return AttentionCore.fromModule(module);
    })();
  }
  return corePromise;
}

let sheet = null;
function styleSheet() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}

function cloneState(s) {
  const out = {};
  for (const [k, v] of Object.entries(s)) out[k] = Array.isArray(v) ? v.map((p) => (Array.isArray(p) ? p.slice() : p)) : v;
  return out;
}

/** One plot in a shadow root. Shared by the element and mount(). */
class Instance {
  constructor(shadow, host) {
    this.host = host;
    this.state = defaults();
    this.notices = new Map();     // source → text
    this.listeners = new Set();
    this.core = null;
    this.result = null;
    this.keys = null;
    this.frame = 0;
    this.dragging = false;
    this.destroyed = false;

    shadow.adoptedStyleSheets = [styleSheet()];
    const wrap = document.createElement('div');
    wrap.className = 'wrap';
    this.noticeEl = document.createElement('p');
    this.noticeEl.className = 'notice';
    this.noticeEl.setAttribute('role', 'status');
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Attention weights of the query over the keys');
    this.summary = document.createElement('p');
    this.summary.className = 'summary';
    this.summary.setAttribute('aria-live', 'polite');
    this.controls = document.createElement('div');
    this.controls.className = 'controls';
    const label = document.createElement('label');
    label.textContent = 'keys ';
    this.nInput = document.createElement('input');
    this.nInput.type = 'range';
    this.nInput.min = String(FIELDS.n.min);
    this.nInput.max = '32';
    label.append(this.nInput);
    this.controls.append(label);
    wrap.append(this.noticeEl, this.canvas, this.summary, this.controls);
    shadow.replaceChildren(wrap);
    this.wrap = wrap;
    this.plot = new Plot(this.canvas);

    this.nInput.addEventListener('input', () => this.update({ n: Number(this.nInput.value) }, 'ui'));
    this.canvas.addEventListener('pointerdown', (e) => this.pointer(e, 'down'));
    this.canvas.addEventListener('pointermove', (e) => this.pointer(e, 'move'));
    this.canvas.addEventListener('pointerup', (e) => this.pointer(e, 'up'));
    this.canvas.addEventListener('pointercancel', (e) => this.pointer(e, 'up'));
    this.resizeObserver = typeof ResizeObserver === 'function' ? new ResizeObserver(() => this.schedule()) : null;
    this.resizeObserver?.observe(this.canvas);

    this.ready = loadCore().then((core) => {
      if (this.destroyed) return;
      this.core = core;
      this.keys = null;
      this.render();
    }, (e) => {
      this.setNotice('wasm', `The attention core (WebAssembly) could not be loaded: ${e && e.message ? e.message : e}`);
      this.summary.textContent = '';
    });
  }

  setNotice(source, text) {
    if (text) this.notices.set(source, text); else this.notices.delete(source);
    this.noticeEl.textContent = [...this.notices.values()].join(' ');
  }

  /** Applies fields (strict: throws; else the notices are shown under `source`). */
  update(patch, source, strict = false) {
    const { state, notices } = applyPatch(this.state, patch, { strict });
    const regen = ['n', 'layout', 'seed', 'clusters', 'spread', 'randomLengths', 'keys', 'values']
      .some((k) => Object.hasOwn(patch, k));
    this.state = state;
    if (regen) this.keys = null;
    if (!strict && source) this.setNotice(source, notices.join(' '));
    this.render();
    return notices;
  }

  scale() {
    const s = this.state;
    if (s.scaleMode === 'invsqrt') return 1 / Math.sqrt(2);
    if (s.scaleMode === 'custom') return s.customScale;
    return 1;
  }

  ensureKeys() {
    if (this.keys) return this.keys;
    const s = this.state, core = this.core;
    let keys = s.keys, values = s.values;
    if (!keys) {
      const n = s.n;
      const pts = core.layout({ kind: s.layout, n, seed: s.seed, clusters: Math.min(s.clusters, n), spread: s.spread }).points;
      const lengths = s.randomLengths ? core.layout({ kind: 'values', n, seed: s.seed + 7919 }).points : null;
      keys = [];
      for (let i = 0; i < n; i++) {
        const f = lengths ? 1 + 0.5 * lengths[2 * i] : 1;
        keys.push([pts[2 * i] * f, pts[2 * i + 1] * f]);
      }
    }
    const n = keys.length;
    if (!values || values.length !== n) {
      const v = core.layout({ kind: 'values', n, seed: s.seed }).points;
      values = [];
      for (let i = 0; i < n; i++) values.push([v[2 * i], v[2 * i + 1]]);
    }
    const keysFlat = new Float64Array(2 * n), valuesFlat = new Float64Array(2 * n);
    const keyPos = new Float64Array(2 * n), keyAngles = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const [x, y] = keys[i];
      keysFlat[2 * i] = x; keysFlat[2 * i + 1] = y;
      valuesFlat[2 * i] = values[i][0]; valuesFlat[2 * i + 1] = values[i][1];
      const len = Math.hypot(x, y);
      const k = s.normalizeKeys && len > 0 ? 1 / len : 1;
      keyPos[2 * i] = x * k; keyPos[2 * i + 1] = y * k;
      keyAngles[i] = Math.atan2(y, x);
    }
    this.keys = { n, keysFlat, valuesFlat, keyPos, keyAngles, normalizeKeys: s.normalizeKeys };
    return this.keys;
  }

  schedule() {
    if (this.frame || this.destroyed) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.render(); });
  }

  theme() {
    const t = this.state.theme;
    const dark = t === 'dark' || (t === 'auto' && typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches);
    return dark;
  }

  render() {
    if (this.destroyed) return;
    const s = this.state;
    this.controls.hidden = s.controls === 'none';
    this.nInput.value = String(s.n);
    const dark = this.theme();
    this.wrap.classList.toggle('dark', dark);
    this.plot.theme = { ...(dark ? DARK : LIGHT), font: FONT, mono: MONO };
    this.plot.resize();
    if (!this.core) { this.plot.draw(null); return; }
    if (this.keys && this.keys.normalizeKeys !== s.normalizeKeys) this.keys = null;
    const c = this.ensureKeys();
    const scale = this.scale();
    const qNorm = Math.hypot(s.query[0], s.query[1]);
    const kappa = qNorm * scale;
    const phi = Math.atan2(s.query[1], s.query[0]);
    let result = null, curve = null;
    try {
      result = this.core.attend({ query: s.query, keys: c.keysFlat, values: c.valuesFlat, d: 2, dv: 2, scale, normalizeKeys: s.normalizeKeys });
      const angles = new Float64Array(CURVE_POINTS);
      for (let i = 0; i < CURVE_POINTS; i++) angles[i] = -Math.PI + (i / (CURVE_POINTS - 1)) * TAU;
      const dens = this.core.vonMises({ kappa, phi, angles });
      const y = new Float64Array(dens.length);
      for (let i = 0; i < dens.length; i++) y[i] = dens[i] * TAU / c.n;
      curve = { angles, y };
      this.setNotice('core', '');
    } catch (e) {
      this.setNotice('core', `The attention core rejected the input: ${e.message}`);
    }
    this.result = result;
    this.plot.draw({
      query: s.query, qNorm, kappa, scale, phiDeg: phi * 180 / Math.PI,
      n: c.n, keyPos: c.keyPos, keyAngles: c.keyAngles,
      weights: result ? result.weights : null, argmax: result ? result.argmax : -1,
      values: c.valuesFlat, hull: null,
      output: result && result.output.length >= 2 ? [result.output[0], result.output[1]] : null,
      showValues: s.showValues, curve, gauss: null, gaussNote: '',
      hovered: -1, selected: -1, long: false, bins: null, stripPoints: null,
      stale: false, normalizeKeys: s.normalizeKeys, queryActive: this.dragging,
    });
    this.summary.textContent = result
      ? `${c.n} keys · largest weight ${result.weights[result.argmax].toFixed(3)} on key ${result.argmax} · ` +
        `entropy ${result.entropy.toFixed(3)} · effective keys ${result.effectiveKeys.toFixed(2)}`
      : '';
  }

  pointer(e, kind) {
    if (!this.core || this.destroyed) return;
    const r = this.canvas.getBoundingClientRect();
    const px = e.clientX - r.left, py = e.clientY - r.top;
    if (kind === 'down') {
      if (!this.plot.inCirclePanel(px, py)) return;
      this.dragging = true;
      this.canvas.setPointerCapture?.(e.pointerId);
    } else if (!this.dragging) {
      return;
    }
    if (kind === 'up') {
      this.dragging = false;
      this.canvas.releasePointerCapture?.(e.pointerId);
      this.schedule();
      return;
    }
    e.preventDefault();
    let [x, y] = this.plot.toWorld(px, py);
    const len = Math.hypot(x, y);
    if (len > Q_MAX) { x *= Q_MAX / len; y *= Q_MAX / len; }
    this.state = { ...this.state, query: [Math.round(x * 1e4) / 1e4, Math.round(y * 1e4) / 1e4] };
    this.render();
    this.emit();
  }

  emit() {
    const detail = { state: cloneState(this.state), weights: this.weights() };
    for (const fn of this.listeners) {
      try { fn(detail); } catch (err) { setTimeout(() => { throw err; }); }
    }
    this.host?.dispatchEvent(new CustomEvent('change', { detail }));
  }

  weights() {
    return this.result ? Array.from(this.result.weights) : null;
  }

  handle() {
    return {
      ready: this.ready.then(() => undefined),
      getState: () => cloneState(this.state),
      setState: (partial) => { this.update(partial, null, true); this.emit(); },
      getWeights: () => this.weights(),
      on: (type, fn) => {
        if (type !== 'change') throw new Error(`on: unknown event ${JSON.stringify(String(type))}; expected "change"`);
        if (typeof fn !== 'function') throw new Error('on: expected a function');
        this.listeners.add(fn);
        return () => this.listeners.delete(fn);
      },
      toPNG: () => this.canvas.toDataURL('image/png'),
      toSVG: () => this.plot.toSVG(),
      destroy: () => this.destroy(),
    };
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.frame) cancelAnimationFrame(this.frame);
    this.resizeObserver?.disconnect();
    this.listeners.clear();
    this.wrap.remove();
  }
}

function defineElement() {
  if (typeof customElements === 'undefined' || customElements.get(TAG)) return;
  class AttentionPlotElement extends HTMLElement {
    static get observedAttributes() { return [...ATTRS.keys()]; }

    #inst = null;
    #handle = null;

    /** The plot's handle (same as AttentionPlot.mount returns); null before connection. */
    get plot() { return this.#handle; }

    #init() {
      if (this.#inst) return;
      const shadow = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
      this.#inst = new Instance(shadow, this);
      this.#handle = this.#inst.handle();
      for (const attr of this.getAttributeNames()) this.#readAttr(attr);
    }

    #readAttr(attr) {
      const field = ATTRS.get(attr);
      if (!field || !this.#inst) return;
      const raw = this.getAttribute(attr);
      const patch = {};
      if (raw === null) patch[field] = FIELDS[field].def;
      else patch[field] = raw;
      this.#inst.update(patch, `attr:${field}`);
    }

    connectedCallback() {
      if (this.#inst && this.#inst.destroyed) return;
      this.#init();
      this.#inst.schedule();
    }

    attributeChangedCallback(attr, oldValue, newValue) {
      if (!this.#inst || oldValue === newValue) return;
      this.#readAttr(attr);
    }
  }
  customElements.define(TAG, AttentionPlotElement);
}

/**
 * Puts a plot into `element` (its own shadow root). `options` are state fields
 * (as in setState); a bad one is corrected and shown as a notice in the plot.
 * Returns the handle {ready, getState, setState, getWeights, on, toPNG, destroy}.
 */
export function mount(element, options = {}) {
  if (!element || typeof element.attachShadow !== 'function') throw new Error('mount: expected an element');
  if (element.shadowRoot) throw new Error('mount: the element already has a shadow root');
  const inst = new Instance(element.attachShadow({ mode: 'open' }), element);
  if (options && Object.keys(options).length) inst.update(options, 'options');
  return inst.handle();
}

if (typeof window !== 'undefined') {
  defineElement();
  if (!window.AttentionPlot) window.AttentionPlot = Object.freeze({ mount });
}
