// One head's picture, wherever it is shown: model.html (model.js, with its examples and files)
// and the <attention-head> element (element.js, with the tensors it carries). It draws a scene
// (scene.js: every number from the core) onto the canvases and readouts it is given, keeps the
// head, token, scale and mask controls in step with the state, and turns the reader's gestures
// into commits (a control, a click on the joint map) or ui (a drag of the query): the store is
// the only way back.
import { readTheme, fmt } from '../plot/canvas.js';
import { drawGrid } from '../plot/grid.js';
import { drawView } from '../plot/headview.js';
import { buildScene } from './scene.js';
import { fitHead, shortLabel } from './data.js';
import { drawJoint, drawStrip, fillList } from './charts.js';

const HANDLE_PX = 22;   // a pointer this close to the query grabs it (a touch elsewhere scrolls)

/**
 * @typedef {object} PanelElements
 * @property {HTMLCanvasElement} view
 * @property {HTMLCanvasElement} strip
 * @property {HTMLCanvasElement} joint
 * @property {HTMLCanvasElement} heatmap
 * @property {HTMLTableElement} list
 * @property {HTMLSelectElement} head
 * @property {HTMLSelectElement} query
 * @property {HTMLSelectElement} scale
 * @property {HTMLInputElement} causal
 * @property {HTMLElement} reset      puts a dragged query back
 * @property {HTMLElement} plane      what the plane shows (a sentence)
 * @property {HTMLElement} output     the output Σ w_i v_i, when there are values
 * @property {HTMLElement} [themeFrom]  where the palette's CSS variables are read (default: the page)
 */

export class HeadPanel {
  /**
   * @param {any} core
   * @param {PanelElements} els
   * @param {import('../state/store.js').Store} store  its ui holds {drag}
   */
  constructor(core, els, store) {
    this.core = core;
    this.els = els;
    this.store = store;
    this.scene = null;
    this.frame = { view: null, joint: null };
    this.dragR = null;      // the view's scale while the query is dragged (fixed until the drag ends)
    this.drawnSig = '';     // what the joint map and the heatmap last drew
  }

  /**
   * render(), with a core error as the store's 'core' notice instead (what was shown stays).
   * Returns whether the frame was drawn.
   */
  show(state, ui, data) {
    try {
      this.render(state, ui, data);
      this.store.notices?.clear('core');
      return true;
    } catch (e) {
      this.store.notices?.set('core', [`The attention core: ${e.message}`]);
      return false;
    }
  }

  /**
   * A head or query token past `data` (a link, an attribute or a script can ask for one), for
   * the fields in `changed`: a notice each, and a commit of the last one instead. A field back
   * in range clears its notice unless `keep` (new data: what was said about the old stays).
   */
  fitToData(data, changed, { keep = false } = {}) {
    if (!data) return;
    const { patch, notices } = fitHead(this.store.state, data, changed);
    for (const [field, text] of Object.entries(notices)) {
      if (text || !keep) this.store.notices?.set(`fit:${field}`, [text]);
    }
    if (Object.keys(patch).length) this.store.commit(patch, 'data', { notify: false });
  }

  /** Builds and draws the scene of `data` (a head set, data.js); a core error throws. */
  render(state, ui, data) {
    this.scene = buildScene(this.core, state, data, ui, this.scene);
    this.draw(state, this.scene, data);
    return this.scene;
  }

  draw(state, sc, data) {
    const e = this.els, theme = readTheme(e.themeFrom);
    this.frame.view = drawView(e.view, sc, theme, { R: this.dragR });
    drawStrip(e.strip, sc, theme);
    // The joint map and the heatmap do not change while the query is dragged: drawn again only
    // when what they show (or the canvas size, or the theme) changed.
    const sig = `${sc.key}|${sc.query}|${e.joint.clientWidth}|${e.heatmap.clientWidth}|${theme.bg}|${theme.query}`;
    if (sig !== this.drawnSig) {
      this.drawnSig = sig;
      this.frame.joint = drawJoint(e.joint, sc, theme);
      // past MAX_HEATMAP tokens there is no heatmap: its figure (and caption) goes too
      const figure = e.heatmap.closest('figure') ?? e.heatmap;
      figure.hidden = !sc.matrix;
      if (sc.matrix) {
        const { weights, masked } = sc.matrix;
        drawGrid(e.heatmap, { weights, masked, rows: sc.tokens, cols: sc.tokens }, theme, { row: sc.query });
      }
    }
    fillList(e.list, sc);
    const v = sc.view;
    e.plane.textContent = `The plane shows ${(v.explained * 100).toFixed(1)}% of the keys' squared length ` +
      `(mean share of a key in it: ${(100 * v.captured.reduce((a, b) => a + b, 0) / v.captured.length).toFixed(1)}%); ` +
      `every weight is the ${sc.d}-dimensional one. ` + (sc.moved ? 'The query was dragged within the plane.' : '');
    e.output.textContent = sc.output && sc.output.length
      ? `output Σ w_i v_i: [${Array.from(sc.output.slice(0, 6), (x) => fmt(x, 3)).join(', ')}${sc.output.length > 6 ? ', …' : ''}]`
      : '';
    this.syncForm(state, data);
  }

  syncForm(state, data) {
    const { head, query, scale, causal } = this.els;
    const sig = `${data.id}|${data.heads}|${data.tokens}`;
    if (head.dataset.sig !== sig) {
      head.dataset.sig = query.dataset.sig = sig;
      head.replaceChildren(...Array.from({ length: data.heads }, (_, h) => new Option(`head ${h}`, String(h))));
      query.replaceChildren(...data.labels.map((l, t) => new Option(`${t}: ${shortLabel(l)}`, String(t))));
    }
    head.value = String(this.scene.head);
    query.value = String(this.scene.query);
    scale.value = state.scale;
    causal.checked = state.causal;
  }

  /** The controls, the drag and the joint map's click, into the store. */
  wire() {
    const { head, query, scale, causal, reset, joint } = this.els;
    const commit = (patch) => this.store.commit(patch, 'form');
    head.addEventListener('change', () => commit({ head: head.value }));
    query.addEventListener('change', () => {
      this.store.setUi({ drag: null });
      commit({ query: query.value });
    });
    scale.addEventListener('change', () => commit({ scale: scale.value }));
    causal.addEventListener('change', () => commit({ causal: causal.checked }));
    reset.addEventListener('click', () => this.store.setUi({ drag: null }));
    joint.addEventListener('click', (e) => this.pickQuery(e));
    this.wireView();
  }

  // Dragging the query within the view plane (a pointer that starts on it; elsewhere a touch scrolls).
  wireView() {
    const canvas = this.els.view;
    let dragging = false;
    const local = (e) => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    const onQuery = (e) => {
      const f = this.frame.view;
      if (!f) return false;
      const [x, y] = local(e);
      return Math.hypot(x - f.query[0], y - f.query[1]) <= HANDLE_PX;
    };
    canvas.addEventListener('pointerdown', (e) => {
      if (!onQuery(e)) return;
      dragging = true;
      this.dragR = this.frame.view.R;
      canvas.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!dragging) return;
      // within the square the view shows (its scale is held while dragging)
      const { world } = this.frame.view, [x, y] = local(e), lim = this.dragR * 1.1;
      const clamp = (v) => Math.max(-lim, Math.min(lim, v));
      this.store.setUi({ drag: [clamp((x - world.cx) / world.s), clamp((world.cy - y) / world.s)] });
    });
    const end = () => {
      if (!dragging) return;
      dragging = false;
      this.dragR = null;
      this.store.schedule();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    // The keyboard: arrows move the query within the plane (Shift: finer), Escape puts it back.
    canvas.tabIndex = 0;
    canvas.addEventListener('keydown', (e) => {
      const f = this.frame.view, sc = this.scene;
      if (!f || !sc) return;
      if (e.key === 'Escape') { this.store.setUi({ drag: null }); e.preventDefault(); return; }
      const dir = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[e.key];
      if (!dir) return;
      e.preventDefault();
      const step = (e.shiftKey ? 0.01 : 0.05) * f.R, lim = f.R * 1.1;
      const clamp = (v) => Math.max(-lim, Math.min(lim, v));
      this.store.setUi({ drag: [clamp(sc.at[0] + dir[0] * step), clamp(sc.at[1] + dir[1] * step)] });
    });
    // A touch that starts on the query drags it (cancelling the touchstart keeps the browser from
    // panning: its own hit test, since touchstart may come before pointerdown); elsewhere it scrolls.
    canvas.addEventListener('touchstart', (e) => {
      if (e.touches.length === 1 && onQuery(e.touches[0])) e.preventDefault();
    }, { passive: false });
  }

  pickQuery(e) {
    const f = this.frame.joint;
    if (!f) return;
    const r = /** @type {HTMLElement} */ (e.currentTarget).getBoundingClientRect();
    const x = e.clientX - r.left, y = e.clientY - r.top;
    let best = -1, dist = Infinity;
    f.points.forEach(([px, py], i) => { const d = Math.hypot(px - x, py - y); if (d < dist) { dist = d; best = i; } });
    if (best >= 0 && dist < 24) {
      this.store.setUi({ drag: null });
      this.store.commit({ query: best }, 'form');
    }
  }
}
