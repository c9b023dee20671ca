// model.html ("Your model"): a real head's queries and keys, in any dimension. One flow: the
// data (examples made by the core, or the reader's files read by the core) is held here; the
// settings (example, head, query token, scale, mask) go through the store (the MODEL table,
// state/model-schema.js) and the URL; each frame the head's picture (panel.js) builds the
// scene (scene.js, every number from the core) and draws it. Handlers only commit, set the
// data or set ui.
import { loadCore } from '../core/wasm.js';
import { MODEL } from '../state/model-schema.js';
import { Store } from '../state/store.js';
import { Notices } from '../state/notices.js';
import { bootPage } from '../state/boot.js';
import { example, fromFiles, labelsNotice, parseLabels, shapeOf } from './data.js';
import { HeadPanel } from './panel.js';
import { MAX_HEATMAP } from './scene.js';

const $ = (id) => document.getElementById(id);

class ModelPage {
  constructor(core, notices) {
    this.core = core;
    this.data = null;       // the head set shown (data.js)
    this.dataKey = '';      // which example it is ('files' for the reader's)
    this.files = null;      // the reader's last good head set
    this.ids = 0;
    this.store = new Store(MODEL, {
      render: (s, ui) => this.render(s, ui), notices, url: true,
      onCommit: (state, source, changed) => {
        this.ensureData(state);
        if (source !== 'data') this.panel?.fitToData(this.data, changed);
      },
    });
    this.store.ui = { drag: null };
    this.panel = new HeadPanel(core, /** @type {any} */ ({
      view: $('m-view'), strip: $('m-strip'), joint: $('m-joint'), heatmap: $('m-heatmap'), list: $('m-list'),
      head: $('m-head'), query: $('m-query'), scale: $('m-scale'), causal: $('m-causal'), reset: $('m-reset-drag'),
      plane: $('m-plane'), output: $('m-output'),
    }), this.store);
  }

  get scene() { return this.panel.scene; }

  wireText() {
    $('m-heatmap-max').textContent = String(MAX_HEATMAP);
  }

  // The data the state asks for: an example (made once), or the reader's files.
  ensureData(state) {
    const want = state.example === 'files' && this.files ? 'files' : state.example === 'files' ? 'rope' : state.example;
    if (want === this.dataKey) return;
    this.data = want === 'files' ? this.files : { ...example(this.core, want), id: ++this.ids };
    this.dataKey = want;
    this.store.setUi({ drag: null });
  }

  render(state, ui) {
    if (!this.panel.show(state, ui, this.data)) return;
    $('m-source').textContent = this.data.source;
    $('m-shape').textContent = shapeOf(this.data);
    /** @type {HTMLSelectElement} */ ($('m-example')).value = state.example;
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
      this.store.notices.set('files', [labelsNotice(labels, this.files.tokens)]);
      this.store.commit({ example: 'files', head: 0, query: -1 }, 'form');
    } catch (e) {
      this.store.notices.set('files', [`${e.message}. Kept what was shown.`]);
    }
  }

  wire() {
    $('m-example').addEventListener('change', (e) =>
      this.store.commit({ example: /** @type {HTMLSelectElement} */ (e.target).value }, 'form'));
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
    this.panel.wire();
    this.wireText();
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
      get frame() { return page.panel.frame; },
      getState: () => structuredClone(store.state),
      setState: (patch) => store.commit(patch, 'api', { strict: true }),
      /** Uses files given as [{name, bytes: Uint8Array}] (tests, tools). */
      useFiles: (files) => page.setFiles(files),
      drag: (at) => store.setUi({ drag: at }),
    };
  },
});
