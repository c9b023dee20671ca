// <attention-plot> and AttentionPlot.mount(el, options): the drop-in embed. Each plot is a
// Playground (playground.js) in its own shadow root; the settings are the PLAYGROUND
// schema's fields, as attributes (kebab case) or as setState/options. defineAttentionPlot
// takes the core loader, so each surface says which core its plots use:
// entries/attention-plot.js the lean one (the single-file element and embed.html),
// entries/element.js the full one (the npm package and the notebook widget).
import { Playground } from '../page/playground.js';
import { PLAYGROUND, usesBeyond } from '../state/schema.js';
import { attributeMap } from '../state/codec.js';
import { bindForm, buildControls, followFold } from '../page/controls.js';
import palette from '../../css/palette.css';
import noticeCss from '../../css/notice.css';
import CSS from '../../css/plot-element.css';
import { wantsDark, wrapSheet } from '../plot/canvas.js';
import { bindRecordButton, recordGIF, recordVideo } from '../page/record.js';
import '../page/story.js';   // <attention-story>, in the same bundle

const TAG = 'attention-plot';
const ATTRS = attributeMap(PLAYGROUND);
// Attributes every element may carry; anything else that is not a field is named in a notice.
const GLOBAL_ATTRS = /^(id|class|style|hidden|title|lang|dir|tabindex|slot|part|role|is|nonce|autofocus|inert|translate|draggable|spellcheck|contenteditable|enterkeyhint|inputmode|popover|exportparts|height|data-.*|aria-.*|on.*)$/;

/** The known attribute closest to a misspelled one (at most 2 edits away), or null. */
function suggest(name) {
  let best = null, bestD = 3;
  for (const known of [...ATTRS.keys(), 'height']) {
    const d = editDistance(name, known);
    if (d < bestD) { best = known; bestD = d; }
  }
  return best;
}

function editDistance(a, b) {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
/** Unknown (often misspelled) attributes of `el`, and contradictory ones, as notices. */
function attributeNotices(el) {
  const notices = [];
  for (const attr of el.getAttributeNames()) {
    if (ATTRS.has(attr) || GLOBAL_ATTRS.test(attr)) continue;
    const near = suggest(attr);
    notices.push(`Unknown attribute "${attr}" was ignored${near ? ` (did you mean "${near}"?)` : ''}.`);
  }
  const keys = el.getAttribute('keys'), n = el.getAttribute('n');
  if (keys && n !== null) {
    const count = keys.split(';').length;
    if (String(count) !== n.trim()) notices.push(`n="${n}" and keys (${count} points) disagree; the plot has the ${count} keys given.`);
  }
  return notices;
}

// What each `controls` value shows under the plot: the fields the schema puts in that set.
const controlsFor = (mode) => Object.keys(PLAYGROUND.fields)
  .filter((k) => PLAYGROUND.fields[k].controls?.includes(mode));

/** One plot in a shadow root: the Playground plus the element's summary and controls. */
class Instance {
  constructor(shadow, host, loadCore) {
    this.host = host;
    shadow.adoptedStyleSheets = [wrapSheet(palette, noticeCss, CSS)];
    const el = (tag, cls) => { const e = document.createElement(tag); if (cls) e.className = cls; return e; };
    this.wrap = el('div', 'wrap');
    const box = el('div', 'plot-box');
    this.canvas = el('canvas');
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Attention weights of the query over the keys');
    const noticesRoot = el('div');
    this.loading = el('p', 'loading');
    this.loading.textContent = 'Loading the attention core…';
    box.append(this.canvas, noticesRoot, this.loading);
    this.summary = el('p', 'summary');
    this.summary.setAttribute('aria-live', 'polite');
    this.controls = el('form', 'controls');
    this.controls.setAttribute('aria-label', 'Plot settings');
    this.wrap.append(box, this.summary, this.controls);
    this.wrap.setAttribute('aria-busy', 'true');
    shadow.replaceChildren(this.wrap);
    this.controlsMode = null;
    /** @type {(state: object) => void} the form's sync (buildControls) */
    this.sync = () => {};
    /** @type {(state: object) => void} opens "Beyond softmax" when the state uses it */
    this.syncFold = () => {};

    this.pg = new Playground({
      canvas: this.canvas, noticesRoot, beforeFrame: (state) => this.prepare(state), onFrame: (sc) => this.frame(sc),
    });
    this.pg.onChange = host ? (detail) => host.dispatchEvent(new CustomEvent('change', { detail })) : null;
    this.dark = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
    this.onScheme = () => this.pg.store.schedule();
    this.dark?.addEventListener('change', this.onScheme);
    this.ready = loadCore().then((core) => {
      if (this.destroyed) return;
      this.pg.attach(core);
    }, (e) => {
      this.pg.notices.set('load', [e.message]);
      this.summary.textContent = '';
    }).finally(() => {
      this.loading.remove();
      this.wrap.removeAttribute('aria-busy');
    });
  }

  /** Before each frame: theme and controls follow the state. */
  prepare(state) {
    this.theme(state.theme);
    this.buildControls(state.controls);
    this.pg.editable = state.controls === 'full';
    this.sync(state);
    this.syncFold(state);
  }

  /** After each frame: the one-line summary. */
  frame(sc) {
    const r = sc?.result;
    this.summary.textContent = r
      ? `${sc.n} keys · largest weight ${r.weights[r.argmax].toFixed(3)} on key ${r.argmax} · ` +
        `entropy ${r.entropy.toFixed(3)} · effective keys ${r.effectiveKeys.toFixed(2)}`
      : '';
  }

  // auto: the host page's color-scheme where it chose one (`color-scheme: dark` on the page
  // or an ancestor), else the system's.
  theme(theme) {
    const dark = wantsDark(this.host, theme, this.dark);
    if (this.appliedDark !== dark || !this.canvas.isConnected) {
      this.appliedDark = dark;
      this.wrap.classList.toggle('dark', dark);
      this.pg.plot.refreshTheme();
    }
  }

  buildControls(mode) {
    if (mode === this.controlsMode) return;
    this.controlsMode = mode;
    this.controls.replaceChildren();
    buildControls(this.controls, PLAYGROUND, controlsFor(mode), { fold: true });
    this.syncFold = followFold(this.controls.querySelector('details.beyond'), usesBeyond);
    this.controls.hidden = mode === 'none';
    this.controls.dataset.mode = mode;
    this.sync = bindForm(this.controls, PLAYGROUND, (patch) => this.pg.commit(patch, 'form'));
    this.recorder?.stop();
    this.recorder = null;
    if (mode === 'full') {
      // Record what the reader does with the plot (record.js): a WebM download on Stop.
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'record';
      button.textContent = 'Record';
      const status = document.createElement('p');
      status.className = 'record-status';
      status.setAttribute('role', 'status');
      this.controls.append(button, status);
      this.recorder = bindRecordButton(button, { canvas: this.canvas, render: () => this.flush(), status });
    }
  }

  /** Draws a pending frame now (recordings take the canvas as it is). */
  flush() {
    if (this.pg.store.frame) this.pg.store.renderNow();
  }

  handle() {
    const pg = this.pg;
    return {
      ready: this.ready.then(() => undefined),
      getState: () => pg.getState(),
      setState: (partial) => pg.setState(partial),
      animateTo: (patch, options) => pg.animateTo(patch, options),
      getWeights: () => pg.getWeights(),
      on: (type, fn) => pg.on(type, fn),
      toPNG: () => pg.toPNG(),
      toSVG: () => pg.toSVG(),
      /** Records `duration` ms of the plot: a Promise of a WebM Blob. */
      record: (options) => recordVideo(this.canvas, () => this.flush(), options),
      /** Records `duration` ms of the plot at `fps`: a Promise of an animated GIF Blob. */
      toGIF: (options) => recordGIF(this.canvas, () => this.flush(), options),
      /** Shows `texts` as the plot's notices under `source` (an empty list clears them). */
      notice: (source, texts) => pg.notices.set(`page:${String(source)}`, (Array.isArray(texts) ? texts : [texts]).map(String)),
      destroy: () => this.destroy(),
      /** The renderer (world↔screen: renderer.toScreen(x, y) in canvas CSS pixels). */
      renderer: pg.plot,
      /** Replaces the state from a URL hash ("#v=1&n=…"); its problems show as notices. */
      loadHash: (hash) => pg.store.loadHash(hash),
      /** Reads the state from this page's location.hash and keeps the two in step. */
      followUrl: () => { pg.store.bindUrl(); if (location.hash.length > 1) pg.store.loadHash(location.hash); },
    };
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.dark?.removeEventListener('change', this.onScheme);
    this.pg.destroy();
    this.wrap.remove();
  }
}

function defineElement(loadCore) {
  if (typeof customElements === 'undefined' || customElements.get(TAG)) return;
  class AttentionPlotElement extends HTMLElement {
    static get observedAttributes() { return [...ATTRS.keys(), 'height']; }

    #inst = null;
    #handle = null;
    #saved = null;        // the state while the element is out of the document (torn down)
    #subscriptions = [];  // [type, fn] given to plot.on(), carried to a rebuilt plot

    /**
     * The plot's handle (same as AttentionPlot.mount returns); null before connection and
     * while the element is out of the document. Back in it, it is a new handle with the same
     * state and the same on() listeners.
     */
    get plot() { return this.#handle; }

    #init() {
      if (this.#inst) return;
      const shadow = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
      this.#inst = new Instance(shadow, this, loadCore);
      const handle = this.#inst.handle();
      this.#handle = {
        ...handle,
        on: (type, fn) => {
          const entry = [type, fn];
          this.#subscriptions.push(entry);
          const off = handle.on(type, fn);
          return () => { this.#subscriptions = this.#subscriptions.filter((e) => e !== entry); off(); };
        },
      };
      for (const [type, fn] of this.#subscriptions) handle.on(type, fn);
      for (const attr of this.getAttributeNames()) this.#readAttr(attr);
      if (this.#saved) this.#inst.pg.commit(this.#saved, 'restore');
      this.#saved = null;
      this.#checkAttrs();
      // attributes the element does not observe (misspellings) are caught as they change
      this.#watch = new MutationObserver(() => this.#checkAttrs());
      this.#watch.observe(this, { attributes: true });
    }

    // Out of the document for good (not a move, which reconnects in the same task): drop the
    // plot, its observers, listeners and frames, keeping only its state for a return.
    #teardown() {
      const inst = this.#inst;
      if (!inst || inst.destroyed) return;
      this.#saved = { ...inst.pg.state };
      inst.destroy();
      this.#watch?.disconnect();
      this.#watch = null;
      this.#inst = null;
      this.#handle = null;
    }

    #watch = null;

    /** Names unknown (often misspelled) attributes and contradictory ones. */
    #checkAttrs() {
      this.#inst.pg.notices.set('attributes', attributeNotices(this));
    }

    #readAttr(attr) {
      if (attr === 'height') {
        // a number is pixels, anything else a CSS length ("30rem", "60vh")
        const h = this.getAttribute('height');
        if (h === null || h.trim() === '') this.style.removeProperty('--attention-plot-height');
        else this.style.setProperty('--attention-plot-height', /^\d+(\.\d+)?$/.test(h.trim()) ? `${h.trim()}px` : h.trim());
        return;
      }
      const field = ATTRS.get(attr);
      if (!field || !this.#inst) return;
      const raw = this.getAttribute(attr);
      this.#inst.pg.commit({ [field]: raw === null ? PLAYGROUND.fields[field].def : raw }, `attr:${field}`);
    }

    connectedCallback() {
      if (this.#inst && this.#inst.destroyed) return;  // destroy() was called: stays empty
      this.#init();
      this.#inst.pg.store.schedule();
    }

    disconnectedCallback() {
      queueMicrotask(() => { if (!this.isConnected) this.#teardown(); });
    }

    attributeChangedCallback(attr, oldValue, newValue) {
      if (oldValue === newValue) return;
      // Torn down: the attribute, set since, wins over the state kept for the return.
      if (!this.#inst && this.#saved) delete this.#saved[ATTRS.get(attr)];
      if (this.#inst) this.#readAttr(attr);
    }
  }
  customElements.define(TAG, AttentionPlotElement);
}

/**
 * Defines <attention-plot> (once per page) and window.AttentionPlot, with plots whose core
 * comes from `loadCore` (a function resolving to a PlotCore or AttentionCore). Returns
 * { mount }: mount(element, options) puts a plot into `element` (its own shadow root);
 * `options` are state fields (as in setState); a bad one is corrected and shown as a notice
 * in the plot. mount returns the handle {ready, getState, setState, animateTo, getWeights, on,
 * toPNG, toSVG, record, toGIF, notice, loadHash, followUrl, destroy}.
 */
export function defineAttentionPlot(loadCore) {
  function mount(element, options = {}) {
    if (!element || typeof element.attachShadow !== 'function') throw new Error('mount: expected an element');
    if (element.shadowRoot) throw new Error('mount: the element already has a shadow root');
    const inst = new Instance(element.attachShadow({ mode: 'open' }), element, loadCore);
    if (options && Object.keys(options).length) inst.pg.commit(options, 'options');
    return inst.handle();
  }
  if (typeof window !== 'undefined') {
    defineElement(loadCore);
    if (!window.AttentionPlot) window.AttentionPlot = Object.freeze({ mount });
  }
  return { mount };
}
