// model.html ("Your model"): a real head's queries and keys, in any dimension. One flow: the
// data (examples made by the core, or the reader's files read by the core) is held here; the
// settings (example, head, query token, scale, mask) go through the store (the MODEL table,
// state/model-schema.js) and the URL; each frame builds the scene (scene.js, every number
// from the core) and draws it (charts.js). Handlers only commit, set the data or set ui.
import { loadCore } from '../core/wasm.js';
import { MODEL } from '../state/model-schema.js';
import { Store } from '../state/store.js';
import { Notices } from '../state/notices.js';
import { bootPage } from '../state/boot.js';
import { readTheme, fmt } from '../plot/canvas.js';
import { drawGrid } from '../plot/grid.js';
import { example, fromFiles, parseLabels } from './data.js';
import { buildScene } from './scene.js';
import { drawView } from '../plot/headview.js';
import { drawJoint, drawStrip, fillList } from './charts.js';

const $ = (id) => document.getElementById(id);
const HANDLE_PX = 22;   // a pointer this close to the query grabs it (a touch elsewhere scrolls)

class ModelPage {
  constructor(core, notices) {
    this.core = core;
    this.data = null;       // the head set shown (data.js)
    this.dataKey = '';      // which example it is ('files' for the reader's)
    this.files = null;      // the reader's last good head set
    this.scene = null;
    this.frame = { view: null, joint: null };
    this.drawnSig = '';     // what the joint map and the heatmap last drew
    this.ids = 0;
    this.store = new Store(MODEL, { render: (s, ui) => this.render(s, ui), notices, url: true });
    this.store.ui = { drag: null };
  }

  // The data the state asks for: an example (made once), or the reader's files.
  ensureData(state) {
    const want = state.example === 'files' && this.files ? 'files' : state.example === 'files' ? 'rope' : state.example;
    if (want === this.dataKey) return;
    this.data = want === 'files' ? this.files : { ...example(this.core, want), id: ++this.ids };
    this.dataKey = want;
    this.store.ui.drag = null;
  }

  render(state, ui) {
    this.ensureData(state);
    try {
      this.scene = buildScene(this.core, state, this.data, ui, this.scene);
      this.store.notices.clear('core');
    } catch (e) {
      this.store.notices.set('core', [`The attention core: ${e.message}`]);
      return;
    }
    this.draw(state, this.scene);
  }

  draw(state, sc) {
    const theme = readTheme();
    this.frame.view = drawView(/** @type {HTMLCanvasElement} */ ($('m-view')), sc, theme);
    drawStrip(/** @type {HTMLCanvasElement} */ ($('m-strip')), sc, theme);
    // The joint map and the heatmap do not change while the query is dragged: drawn again only
    // when what they show (or the canvas size, or the theme) changed.
    const joint = /** @type {HTMLCanvasElement} */ ($('m-joint'));
    const heat = /** @type {HTMLCanvasElement} */ ($('m-heatmap'));
    const sig = `${sc.key}|${sc.query}|${joint.clientWidth}|${heat.clientWidth}|${theme.bg}|${theme.query}`;
    if (sig !== this.drawnSig) {
      this.drawnSig = sig;
      this.frame.joint = drawJoint(joint, sc, theme);
      heat.hidden = !sc.matrix;
      if (sc.matrix) {
        const { weights, masked } = sc.matrix;
        drawGrid(heat, { weights, masked, rows: sc.tokens, cols: sc.tokens }, theme);
      }
    }
    fillList(/** @type {HTMLTableElement} */ ($('m-list')), sc);
    this.readouts(state, sc);
  }

  readouts(state, sc) {
    const v = sc.view;
    $('m-source').textContent = sc.source;
    $('m-shape').textContent = `${this.data.heads} head(s) × ${sc.tokens} tokens × d = ${sc.d}` +
      (this.data.v ? `, values of dv = ${this.data.dv}` : '');
    $('m-plane').textContent = `The plane shows ${(v.explained * 100).toFixed(1)}% of the keys' squared length ` +
      `(mean share of a key in it: ${(100 * v.captured.reduce((a, b) => a + b, 0) / v.captured.length).toFixed(1)}%); ` +
      `every weight is the ${sc.d}-dimensional one. ` + (sc.moved ? 'The query was dragged within the plane.' : '');
    $('m-output').textContent = sc.output && sc.output.length
      ? `output Σ w_i v_i: [${Array.from(sc.output.slice(0, 6), (x) => fmt(x, 3)).join(', ')}${sc.output.length > 6 ? ', …' : ''}]`
      : '';
    this.syncForm(state);
  }

  syncForm(state) {
    const heads = /** @type {HTMLSelectElement} */ ($('m-head')), query = /** @type {HTMLSelectElement} */ ($('m-query'));
    const sig = `${this.data.id}|${this.data.heads}|${this.data.tokens}`;
    if (heads.dataset.sig !== sig) {
      heads.dataset.sig = query.dataset.sig = sig;
      heads.replaceChildren(...Array.from({ length: this.data.heads }, (_, h) => new Option(`head ${h}`, String(h))));
      query.replaceChildren(...this.data.labels.map((l, t) => new Option(`${t}: ${l}`, String(t))));
    }
    heads.value = String(this.scene.head);
    query.value = String(this.scene.query);
    /** @type {HTMLSelectElement} */ ($('m-example')).value = state.example;
    /** @type {HTMLSelectElement} */ ($('m-scale')).value = state.scale;
    /** @type {HTMLInputElement} */ ($('m-causal')).checked = state.causal;
  }

  // The reader's files (or pasted JSON) → a head set, or a notice that keeps what is shown.
  async useFiles(list) {
    try {
      const read = async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
      const files = await Promise.all(Array.from(list, read));
      this.setFiles(files);
    } catch (e) {
      this.store.notices.set('files', [`${e.message}. Kept what was shown.`]);
    }
  }

  setFiles(files) {
    try {
      const labels = parseLabels(/** @type {HTMLTextAreaElement} */ ($('m-tokens')).value);
      this.files = { ...fromFiles(this.core, files, labels), id: ++this.ids };
      this.dataKey = '';
      this.store.notices.clear('files');
      this.store.commit({ example: 'files', head: 0, query: -1 }, 'form');
    } catch (e) {
      this.store.notices.set('files', [`${e.message}. Kept what was shown.`]);
    }
  }

  wire() {
    const commit = (patch) => this.store.commit(patch, 'form');
    $('m-example').addEventListener('change', (e) => commit({ example: /** @type {HTMLSelectElement} */ (e.target).value }));
    $('m-head').addEventListener('change', (e) => commit({ head: /** @type {HTMLSelectElement} */ (e.target).value }));
    $('m-query').addEventListener('change', (e) => {
      this.store.setUi({ drag: null });
      commit({ query: /** @type {HTMLSelectElement} */ (e.target).value });
    });
    $('m-scale').addEventListener('change', (e) => commit({ scale: /** @type {HTMLSelectElement} */ (e.target).value }));
    $('m-causal').addEventListener('change', (e) => commit({ causal: /** @type {HTMLInputElement} */ (e.target).checked }));
    $('m-files').addEventListener('change', (e) => this.useFiles(/** @type {HTMLInputElement} */ (e.target).files));
    $('m-use-json').addEventListener('click', () => this.setFiles([{ name: 'pasted.json',
      bytes: new TextEncoder().encode(/** @type {HTMLTextAreaElement} */ ($('m-json')).value) }]));
    const drop = $('m-drop');
    drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('is-over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('is-over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('is-over');
      if (e.dataTransfer?.files.length) this.useFiles(e.dataTransfer.files);
    });
    this.wireView();
    $('m-joint').addEventListener('click', (e) => this.pickQuery(e));
    $('m-reset-drag').addEventListener('click', () => this.store.setUi({ drag: null }));
  }

  // Dragging the query within the view plane (a pointer that starts on it; elsewhere a touch scrolls).
  wireView() {
    const canvas = $('m-view');
    let dragging = false;
    const local = (e) => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    canvas.addEventListener('pointerdown', (e) => {
      const f = this.frame.view;
      if (!f) return;
      const [x, y] = local(e);
      if (Math.hypot(x - f.query[0], y - f.query[1]) > HANDLE_PX) return;
      dragging = true;
      canvas.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!dragging) return;
      const { world } = this.frame.view, [x, y] = local(e);
      this.store.setUi({ drag: [(x - world.cx) / world.s, (world.cy - y) / world.s] });
    });
    const end = () => { dragging = false; };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener('touchstart', (e) => { if (dragging) e.preventDefault(); }, { passive: false });
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

bootPage({
  loadCore, region: $('m-main'), status: $('m-status'), errorClass: 't-error',
  make: (core) => {
    const page = new ModelPage(core, new Notices($('notices')));
    page.wire();
    return page;
  },
  expose: (page, core) => {
    const { store } = page;
    window.model = {
      core, store,
      get scene() { return page.scene; },
      get data() { return page.data; },
      /** The last frame's geometry (what the pointer reads). */
      get frame() { return page.frame; },
      getState: () => structuredClone(store.state),
      setState: (patch) => store.commit(patch, 'api', { strict: true }),
      /** Uses files given as [{name, bytes: Uint8Array}] (tests, tools). */
      useFiles: (files) => page.setFiles(files),
      drag: (at) => store.setUi({ drag: at }),
    };
  },
});
