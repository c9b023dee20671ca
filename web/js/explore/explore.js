// explore.html: self-attention + masks, heads (MHA/GQA/MQA), dimension and √d, streaming
// softmax, cross-attention, sparse patterns, paged KV cache and MLA, one module per tab
// (tabs/*.js) keeping one contract (tab.js). One flow: a handler commits a patch to the
// store (validated against the EXPLORE table, explore-schema.js) → the store writes the URL
// and asks for one render per frame → render has the open tab build its scene from core
// results, write its form and text, and draw (panels.js, charts.js).
// This file only loads the core, makes the store and dispatches to the open tab.
import { loadCore } from '../core/wasm.js';
import { EXPLORE, upgradeHash } from '../state/explore-schema.js';
import { coerce } from '../state/codec.js';
import { Store } from '../state/store.js';
import { Notices } from '../state/notices.js';
import { bootPage } from '../state/boot.js';
import { readTheme } from '../plot/canvas.js';
import { $, bindFields } from './dom.js';
import { TABS } from './tabs/index.js';
/** @typedef {HTMLCanvasElement & {labels?: import('../plot/canvas.js').Labels}} LabelledCanvas  (panels.js labelsOf) */
import { layoutTokens, tokensOf } from './tabs/seeded.js';

const MODES = EXPLORE.fields.mode.values;
const TAB = Object.fromEntries(TABS.map((tab) => [tab.id, tab]));
for (const mode of MODES) if (!TAB[mode]) throw new Error(`explore.js: the mode ${mode} has no tab in tabs/index.js.`);

function syncTabs(open) {
  if (document.body.dataset.mode !== open) showTab($(`tab-${open}`));
  for (const mode of MODES) {
    const button = $(`tab-${mode}`);
    button.setAttribute('aria-selected', String(mode === open));
    button.tabIndex = mode === open ? 0 : -1;
    $(`panel-${mode}`).hidden = mode !== open;
  }
  document.body.dataset.mode = open;
}

// A narrow window scrolls the one-row tab bar sideways: keep the open tab in it (without
// scrolling the page, as scrollIntoView would).
function showTab(button) {
  const bar = button.parentElement;
  const b = button.getBoundingClientRect(), r = bar.getBoundingClientRect();
  if (b.left < r.left) bar.scrollLeft += b.left - r.left - 16;
  else if (b.right > r.right) bar.scrollLeft += b.right - r.right + 16;
}

class Explore {
  constructor(core, notices) {
    this.core = core;
    this.layout = layoutTokens(core);   // `tokens: null` means the first m of these
    this.scene = null;                  // the open tab's scene …
    this.sceneState = null;             // … and the state it was built for
    this.frames = new Map();            // tab id → what its last draw returned (hit tests)
    this.lastResult = null;             // the open tab's config and core result (tests and the console read it)
    // Old links spelled the mask `mask=window:3`; upgradeHash reads them as `mask=window&w=3`.
    this.store = new Store(EXPLORE, { render: (state, ui) => this.render(state, ui), notices, url: true,
      upgrade: upgradeHash });
  }

  tokens(state, m = state.m) {
    return tokensOf(state.tokens, m, this.layout);
  }

  // Raising m with moved tokens takes the extra tokens from the layout (the core's points),
  // so a settled state always has exactly m tokens or none.
  commit(patch, source, options) {
    const s = this.store.state;
    if (patch && typeof patch === 'object' && Object.hasOwn(patch, 'm') && !Object.hasOwn(patch, 'tokens') && s.tokens) {
      patch = { ...patch, tokens: this.tokens(s, coerce(EXPLORE, 'm', patch.m).value) };
    }
    return this.store.commit(patch, source, options);
  }

  /** What a tab's handlers may do (tab.js, Host). */
  host(tab) {
    return {
      state: () => this.store.state,
      ui: () => this.store.ui,
      commit: (patch, source = 'form') => this.commit(patch, source),
      setUi: (patch) => this.store.setUi(patch),
      schedule: () => this.store.schedule(),
      frame: () => this.frames.get(tab?.id) ?? null,
      tokens: (state) => this.tokens(state),
    };
  }

  // Hover and drag-end renders reuse the scene: only a commit asks the core again.
  render(state, ui) {
    syncTabs(state.mode);
    const tab = TAB[state.mode];
    try {
      if (state !== this.sceneState) {
        this.scene = tab.scene(state, this.core);
        this.sceneState = state;
        this.lastResult = { mode: tab.id, config: this.scene.config, result: this.scene.result };
      }
      if (tab.refine && !tab.refine(this.scene, this.core)) this.store.schedule();
      tab.form(state);
      tab.text(this.scene, ui);
      this.frames.set(tab.id, tab.draw(this.scene, tab.canvases(), readTheme(), ui, this.frames.get(tab.id) ?? null));
      this.store.notices.set('core', []);
    } catch (err) {
      this.sceneState = null;
      this.store.notices.set('core', [`${state.mode}: the core said: ${err.message}`]);
    }
    document.body.dataset.ready = '1';
  }

  // Every handler commits; nothing else changes the state.
  wire() {
    bindFields(this.host(null));
    for (const tab of TABS) tab.wire(this.host(tab));
    for (const mode of MODES) $(`tab-${mode}`).addEventListener('click', () => this.commit({ mode }, 'form'));
    /** @type {HTMLElement} */ (document.querySelector('.x-tabs')).addEventListener('keydown', (ev) => {
      if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
      const i = MODES.indexOf(this.store.state.mode) + (ev.key === 'ArrowRight' ? 1 : MODES.length - 1);
      const mode = MODES[i % MODES.length];
      this.commit({ mode }, 'form');
      $(`tab-${mode}`).focus();
    });
  }
}

bootPage({
  loadCore, region: $('x-main'), status: $('x-status'), errorClass: 'x-error',
  make: (core) => {
    const page = new Explore(core, new Notices($('notices')));
    page.wire();
    return page;
  },
  expose: (page, core) => {
    const { store } = page;
    window.explore = {
      core,
      store,
      getState: () => structuredClone(store.state),
      /** Applies a patch of EXPLORE fields; throws (changing nothing) on a bad field. */
      setState: (patch) => page.commit(patch, 'api', { strict: true }),
      get lastResult() { return page.lastResult; },
      /** The label boxes drawn on each canvas of the open tab: {canvas id: [{x, y, w, h, text}]}. */
      labelBoxes: () => Object.fromEntries(Array.from(
        /** @type {NodeListOf<LabelledCanvas>} */ (document.querySelectorAll('.x-panel:not([hidden]) canvas')),
        (c, k) => [c.id || `${c.closest('[id]')?.id ?? 'canvas'}-${c.dataset.kind ?? k}`, (c.labels?.boxes ?? []).map((b) => ({ ...b }))])),
    };
  },
});
