// One plot: the store, the scene builder, the renderer and the input of the one-query
// picture, wired as one flow (input → store → scene → renderer, once per frame).
// The page (app.js), embed.html and <attention-plot> / AttentionPlot.mount
// (element.js) each make one of these and add only their own surroundings.
import { Store } from '../state/store.js';
import { PLAYGROUND } from '../state/schema.js';
import { SceneBuilder } from '../plot/scene.js';
import { Plot } from '../plot/renderer.js';
import { QUERY_MAX, queryRadius, queryLength } from '../plot/geometry.js';
import { applyPatch, defaults } from '../state/codec.js';
import { Pointer } from '../plot/pointer.js';
import { Notices } from '../state/notices.js';

/** @typedef {import('../plot/scene.js').Scene} Scene */
/** @typedef {import('../plot/renderer.js').Frame} Frame */

const KEY_MAX = PLAYGROUND.fields.keys.maxLength;   // the longest key a hand places (drag, click)
const SNAP_TO_ORIGIN = 0.05;
const MAX_KEYS = PLAYGROUND.fields.keys.maxCount;
const FRAME_MEASURES = 600;   // 'attention-plot:frame' entries kept in the timeline (10 s at 60 fps)
const READ_ONLY = ['scale', 'selected', 'hovered'];  // getState reports them; setState reads scale and the selection
const PRESENTATION = ['controls', 'theme', 'tour'];  // how the plot is shown, not what it shows

const clone = (v) => (Array.isArray(v) ? v.map(clone) : v);

/**
 * Every field's default but the presentation's (controls, theme, tour): what the page's
 * reset, its presets and the tour's steps start from, so they keep how the plot is shown.
 */
export function contentDefaults() {
  const base = defaults(PLAYGROUND);
  for (const f of PRESENTATION) delete base[f];
  return base;
}

export class Playground {
  /**
   * @param {object} o
   *   canvas       the plot's canvas
   *   noticesRoot  an empty element for the notice overlay
   *   url          true: the state lives in location.hash (the page, embed.html)
   *   beforeFrame(state)         before each frame (theme, controls that follow the state)
   *   onFrame(scene, state, ui)  after each drawn frame (lists, summaries)
   *   announce(text)             a polite live-region message
   *   overlays                   what the page adds to the plot (plot/overlay.js; the element: none)
   */
  constructor({ canvas, noticesRoot, url = false, beforeFrame = null, onFrame = null, announce = null,
    overlays = [] }) {
    this.overlays = overlays;
    this.canvas = canvas;
    this.notices = new Notices(noticesRoot);
    this.beforeFrame = beforeFrame;
    this.onFrame = onFrame;
    this.announce = announce ?? (() => {});
    this.listeners = new Set();
    this.onChange = null;     // (detail) => void: one more listener, set by the element
    this.editable = true;
    this.core = null;
    this.builder = null;
    this.measures = 0;        // frame measures in the timeline since the last clear
    this.memo = null;
    /** @type {Frame|null} the last drawn frame's geometry: all the input reads */
    this.frame = null;
    /** @type {Scene|null} the scene the last frame drew (an edit of layout keys starts from its keys) */
    this.drawnScene = null;
    this.store = new Store(PLAYGROUND, {
      render: () => this.draw(),
      notices: this.notices,
      url,
      onCommit: (state, source) => { if (source !== 'attr' && source !== 'link') this.emit(); },
    });
    // phi0: where a zero query points; added: keys added on this plot (each new value has its own seed)
    this.store.ui = { hovered: -1, selected: -1, queryActive: false, phi0: 50 * Math.PI / 180, added: 0 };
    this.plot = new Plot(canvas, overlays);
    this.pointer = new Pointer(canvas, this);
    this.resizeObserver = typeof ResizeObserver === 'function' ? new ResizeObserver(() => this.store.schedule()) : null;
    this.resizeObserver?.observe(canvas);
  }

  /** Gives the plot its core (after the WASM loaded) and draws. */
  attach(core) {
    this.core = core;
    this.builder = new SceneBuilder(core, this.overlays);
    this.memo = null;
    this.store.schedule();
  }

  get state() { return this.store.state; }
  get ui() { return this.store.ui; }
  setUi(patch) { this.store.setUi(patch); }

  /** Validates and applies fields (see codec.applyPatch); notices show under `source`. */
  commit(patch, source = 'ui', options) { return this.store.commit(patch, source, options); }

  /**
   * The scene of the current state (built once per state/ui change; null before the core):
   * what a frame draws and the API reads. Input handlers read this.frame instead.
   * @returns {Scene|null}
   */
  get scene() {
    if (!this.builder) return null;
    const s = this.store.state, v = this.store.uiVersion;
    if (!this.memo || this.memo.state !== s || this.memo.ui !== v) {
      this.memo = { state: s, ui: v, scene: this.builder.build(s, this.store.ui) };
    }
    return this.memo.scene;
  }

  draw() {
    performance.mark('attention-plot:frame-start');
    this.beforeFrame?.(this.store.state);
    this.plot.resize();
    const sc = this.scene;
    if (sc) {
      this.notices.set('core', sc.problem ? [`${sc.problem}${sc.weights.stale ? ' The plot keeps the last valid weights.' : ''}`] : []);
    }
    this.frame = this.plot.draw(sc);
    this.drawnScene = sc;
    this.onFrame?.(sc, this.store.state, this.store.ui);
    performance.measure('attention-plot:frame', 'attention-plot:frame-start');
    // The timeline keeps every entry until cleared (a leak of ~300 bytes a frame): drop the
    // mark, and the measures every FRAME_MEASURES frames. DevTools' recorder and a
    // PerformanceObserver still see every one.
    performance.clearMarks('attention-plot:frame-start');
    if (++this.measures >= FRAME_MEASURES) {
      performance.clearMeasures('attention-plot:frame');
      this.measures = 0;
    }
  }

  // ------------------------------------------------------------ edits (pointer, keyboard, lists)

  setQuery(x, y) {
    const len = Math.hypot(x, y);
    if (len > QUERY_MAX) { x *= QUERY_MAX / len; y *= QUERY_MAX / len; }
    if (len > 1e-9) this.setUi({ phi0: Math.atan2(y, x) });
    this.commit({ query: [x, y] }, 'pointer');
  }

  /**
   * [|q|, φ] of the current query (a zero query points at ui.phi0): what the keyboard, the
   * wheel and a pinch turn and stretch. From the state, so events within one frame add up.
   */
  queryPolar() {
    const [x, y] = this.state.query;
    const r = Math.hypot(x, y);
    return [r, r > 0 ? Math.atan2(y, x) : this.ui.phi0];
  }

  setQueryPolar(r, a) {
    r = Math.max(0, Math.min(QUERY_MAX, r));
    this.setUi({ phi0: a });
    this.commit({ query: [r * Math.cos(a), r * Math.sin(a)] }, 'pointer');
  }

  /**
   * Copies of the keys and values an edit starts from: the state's once they are explicit
   * (`held`), else the ones the last frame drew (made by the layout). Null before a frame.
   */
  keysToEdit() {
    const s = this.state;
    if (s.keys && s.values && s.values.length === s.keys.length) {
      return { keys: s.keys.map(clone), values: s.values.map(clone), held: true };
    }
    const sc = this.drawnScene;
    return sc ? { keys: sc.keys.list.map(clone), values: sc.values.list.map(clone), held: false } : null;
  }

  /**
   * Moves key i to (x, y). The first move of a drag makes the drawn keys and values the
   * state's (one commit of both); every later move commits the keys with only key i changed.
   */
  moveKey(i, x, y) {
    const edit = this.keysToEdit();
    if (!edit || i < 0 || i >= edit.keys.length) return;
    const { keys, values } = edit;
    const old = keys[i];
    let p;
    if (this.state.normalizeKeys) {
      // On the circle only the direction matters: keep the stored length, change the angle.
      const len = Math.hypot(old[0], old[1]) || 1;
      const a = Math.atan2(y, x);
      p = [len * Math.cos(a), len * Math.sin(a)];
    } else {
      p = clampLength([x, y], KEY_MAX);
      if (Math.hypot(p[0], p[1]) < SNAP_TO_ORIGIN) p = [0, 0]; // a zero key: fine unless normalising
    }
    keys[i] = p;
    this.commit(edit.held ? { keys } : { keys, values }, 'pointer');
  }

  addKey(x, y) {
    const edit = this.keysToEdit();
    if (!edit) return;
    const { keys, values } = edit;
    if (keys.length >= MAX_KEYS) {
      this.notices.set('ui', [`Cannot add a key: the editable plot holds at most ${MAX_KEYS} keys (use “long context” for more).`]);
      return;
    }
    const value = this.drawnScene?.values.next;   // the value the frame's scene made for a new key
    if (!value) return;
    let p = clampLength([x, y], KEY_MAX);
    if (Math.hypot(p[0], p[1]) < SNAP_TO_ORIGIN) p = [SNAP_TO_ORIGIN, 0];
    if (this.state.normalizeKeys) {
      const len = Math.hypot(p[0], p[1]);
      p = [p[0] / len, p[1] / len];
    }
    keys.push(p);
    values.push([value[0], value[1]]);
    this.notices.clear('ui');
    this.commit({ keys, values }, 'pointer');
    this.setUi({ selected: keys.length - 1, added: this.ui.added + 1 });
    this.announce(`Added key ${keys.length - 1}. ${keys.length} keys.`);
  }

  removeKey(i) {
    const edit = this.keysToEdit();
    if (!edit || i < 0 || i >= edit.keys.length || this.state.longContext > 0) return;
    const { keys, values } = edit;
    if (keys.length <= 1) {
      this.notices.set('ui', ['Cannot remove the last key: softmax needs at least one key.']);
      return;
    }
    keys.splice(i, 1);
    values.splice(i, 1);
    this.notices.clear('ui');
    this.commit({ keys, values }, 'pointer');
    const fix = (j) => (j === i ? -1 : j > i ? j - 1 : j);
    this.setUi({ selected: fix(this.ui.selected), hovered: fix(this.ui.hovered) });
    this.announce(`Removed key ${i}. ${keys.length} keys.`);
  }

  // ------------------------------------------------------------ animation

  /**
   * Moves to `patch` over `duration` ms: the query turns along the shorter arc and
   * stretches evenly on screen, numbers glide, other fields switch at the start. Resolves
   * true when it lands exactly on the target, false if a newer animation or a drag
   * cancelled it. A bad patch throws (like setState) and nothing moves. With
   * prefers-reduced-motion it jumps.
   */
  animateTo(patch, { duration = 700, easing = easeInOut } = {}) {
    const target = applyPatch(PLAYGROUND, this.state, patch, { strict: true }).state;
    this.cancelAnimation();
    const reduce = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
    if (reduce || !(duration > 0)) {
      this.commit(patch, 'animate');
      return Promise.resolve(true);
    }
    const from = this.state;
    const glide = {};
    for (const k of ['customScale', 'spread']) if (k in patch && from[k] !== target[k]) glide[k] = [from[k], target[k]];
    const moveQuery = 'query' in patch && (from.query[0] !== target.query[0] || from.query[1] !== target.query[1]);
    const at0 = { ...patch };
    delete at0.query;
    for (const k of Object.keys(glide)) delete at0[k];
    if (Object.keys(at0).length) this.commit(at0, 'animate');
    const l0 = Math.hypot(...from.query), l1 = Math.hypot(...target.query);
    const a0 = l0 > 0 ? Math.atan2(from.query[1], from.query[0]) : this.ui.phi0;
    const a1 = l1 > 0 ? Math.atan2(target.query[1], target.query[0]) : a0;
    const da = Math.atan2(Math.sin(a1 - a0), Math.cos(a1 - a0));
    const r0 = queryRadius(l0), r1 = queryRadius(l1);
    return new Promise((resolve) => {
      const anim = { resolve };
      this.anim = anim;
      const t0 = performance.now();
      const step = (now) => {
        if (this.anim !== anim || this.store.destroyed) return;
        const f = Math.min(1, (now - t0) / duration);
        if (f >= 1) {
          this.anim = null;
          this.commit(patch, 'animate');  // exactly the target
          resolve(true);
          return;
        }
        const e = easing(f);
        const p = {};
        for (const [k, [a, b]] of Object.entries(glide)) p[k] = a + (b - a) * e;
        if (moveQuery) {
          const a = a0 + da * e, l = queryLength(r0 + (r1 - r0) * e);
          p.query = [l * Math.cos(a), l * Math.sin(a)];
        }
        this.commit(p, 'animate');
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });
  }

  /** Stops a running animateTo where it is (its promise resolves false). */
  cancelAnimation() {
    const anim = this.anim;
    this.anim = null;
    anim?.resolve(false);
  }

  // ------------------------------------------------------------ the API handle

  /** The settings, with the keys and values actually drawn, plus scale and the selection. */
  getState() {
    const s = /** @type {import('../../../types/index.js').PlotState} */ ({});
    for (const [k, v] of Object.entries(this.state)) s[k] = clone(v);
    const sc = this.scene;
    if (sc) {
      s.keys = sc.keys.list.map((k) => [k[0], k[1]]);
      s.values = sc.values.list.map((v) => [v[0], v[1]]);
      s.n = sc.n;
      s.scale = sc.query.scale;
    }
    s.selected = this.ui.selected;
    s.hovered = this.ui.hovered;
    return s;
  }

  /**
   * Applies fields; a bad one throws an Error with the notice and nothing changes.
   * `scale` (a number) selects the custom scale; `selected` / `hovered` set the selection.
   */
  setState(partial) {
    const p = partial && typeof partial === 'object' && !Array.isArray(partial) ? { ...partial } : partial;
    if (p && typeof p === 'object') {
      if ('scale' in p) {
        if (!('scaleMode' in p)) p.scaleMode = 'custom';
        p.customScale = p.scale;
      }
      const ui = {};
      for (const k of ['selected', 'hovered']) if (k in p) ui[k] = Number.isInteger(p[k]) ? p[k] : -1;
      for (const k of READ_ONLY) delete p[k];
      this.commit(p, 'api', { strict: true });
      if (Object.keys(ui).length) this.setUi(ui);
    } else {
      this.commit(p, 'api', { strict: true });
    }
    return this.getState();
  }

  getWeights() {
    const r = this.scene?.result;
    return r ? Array.from(r.weights) : null;
  }

  // Tells listeners a commit happened. The detail is lazy: nothing is computed unless read,
  // so a burst of commits costs no core calls beyond the one render per frame.
  emit() {
    if (!this.listeners.size && !this.onChange) return;
    const pg = this, memo = {};
    const detail = {
      get state() { return (memo.state ??= pg.getState()); },
      get weights() { return (memo.weights ??= pg.getWeights()); },
    };
    for (const fn of this.listeners) {
      try { fn(detail); } catch (err) { setTimeout(() => { throw err; }); }
    }
    this.onChange?.(detail);
  }

  on(type, fn) {
    if (type !== 'change') throw new Error(`on: unknown event ${JSON.stringify(String(type))}; expected "change"`);
    if (typeof fn !== 'function') throw new Error('on: expected a function');
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  toPNG() { this.store.renderNow(); return this.canvas.toDataURL('image/png'); }
  toSVG() { this.store.renderNow(); return this.plot.toSVG(); }

  destroy() {
    this.cancelAnimation();
    this.builder?.dispose();
    this.store.destroy();
    this.resizeObserver?.disconnect();
    this.listeners.clear();
  }
}

const easeInOut = (t) => (t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2);

function clampLength([x, y], max) {
  const len = Math.hypot(x, y);
  return len > max ? [x * max / len, y * max / len] : [x, y];
}
