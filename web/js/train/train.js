// train.html ("Learn it live"): one flow. Handlers commit settings to the store (validated
// against the TRAIN table, state/train-schema.js) or set ui-only state (play, pending steps,
// reset); the store writes the URL and asks for one render per animation frame; render
// makes a new run when the run's settings changed, trains one slice of at most BUDGET_MS,
// builds the scene (scene.js) from the run and draws it (charts.js). While playing, each
// render asks for the next frame, so dragging and scrolling never wait for training.
import { loadCore } from '../core/wasm.js';
import { TRAIN, RUN_FIELDS, trainSettings } from '../state/train-schema.js';
import { Store } from '../state/store.js';
import { Notices } from '../state/notices.js';
import { bootPage } from '../state/boot.js';
import { readTheme, fmt } from '../plot/canvas.js';
import { drawGrid } from '../plot/grid.js';
import { drawView } from '../plot/headview.js';
import { Run } from './run.js';
import { buildScene } from './scene.js';
import { drawAnswers, drawCurves, drawMatrix, drawNorms, drawPositionNorms } from './charts.js';
import { Form } from './form.js';
import { download, safetensors } from './export.js';
import { explain } from './why.js';

/** The most one frame spends training (ms); the page's budget is 8. */
export const BUDGET_MS = 6;
// Steps per press of "Step".
const STEP = 25;
// The page's held-out set: 2 batches of 64 sequences (cheap enough to measure every 25 steps
// inside a frame's budget; docs/experiments.md uses 4 × 128).
const HELD_OUT = { evalBatches: 2, evalSize: 64 };

const $ = (id) => document.getElementById(id);

class TrainPage {
  constructor(core, notices) {
    this.core = core;
    this.run = null;
    this.runSettings = null;  // the settings the run was made with (JSON)
    this.scene = null;
    this.done = { reset: 0, steps: 0 };  // the ui requests already carried out
    this.active = false;                 // training on every frame (playing, not finished, no error)
    this.store = new Store(TRAIN, { render: (state, ui) => this.render(state, ui), notices, url: true });
    // ui: playing (the id of the run Train was pressed for, 0 when paused: a new run starts
    // paused), steps (Step presses so far), reset (Reset presses so far).
    this.store.ui = { playing: 0, steps: 0, reset: 0 };
    this.runs = 0;  // runs made so far (each run's id)
    this.form = new Form(/** @type {HTMLFormElement} */ ($('t-form')), (patch) => this.store.commit(patch, 'form'));
  }

  // A new run when the run's settings changed (or Reset was pressed). A setting the core
  // refuses keeps the old run and puts its settings back, with the core's sentence.
  ensureRun(state, ui) {
    const settings = { ...trainSettings(state), ...HELD_OUT };
    const key = JSON.stringify(settings);
    if (this.run && key === this.runSettings && ui.reset === this.done.reset) return;
    this.done.reset = ui.reset;
    let run;
    try {
      run = new Run(this.core, settings);
    } catch (e) {
      if (!this.run) throw e;
      const old = JSON.parse(this.runSettings);
      const back = Object.fromEntries(RUN_FIELDS.map((k) => [k, this.lastState[k]]));
      this.store.notices.set('core', [`${e.message}. Kept the previous settings (${old.task}, d_model ${old.dModel}).`]);
      this.store.commit(back, 'core', { notify: false });
      return;
    }
    this.store.notices.clear('core');
    this.run?.free();
    this.run = run;
    this.runId = ++this.runs;
    this.runSettings = key;
    this.lastState = { ...state };
    this.scene = null;
  }

  render(state, ui) {
    this.ensureRun(state, ui);
    const run = this.run;
    const left = () => (state.until > 0 ? state.until - run.step : Infinity);
    if (ui.steps !== this.done.steps) {
      run.advance(Infinity, STEP * Math.max(0, ui.steps - this.done.steps));
      this.done.steps = ui.steps;
    } else if (ui.playing === this.runId && left() > 0) {
      run.advance(BUDGET_MS, left());
    }
    this.active = ui.playing === this.runId && !run.error && left() > 0;
    this.scene = buildScene(state, run, this.scene);
    this.draw(state, this.scene);
    if (this.active) this.store.schedule();
  }

  draw(state, scene) {
    const theme = readTheme();
    const maxStep = Math.max(scene.step, state.until || 0, 100);
    drawCurves(/** @type {HTMLCanvasElement} */ ($('t-curves')), scene.points, maxStep, theme);
    drawNorms(/** @type {HTMLCanvasElement} */ ($('t-norms')), scene.points, scene.groups, maxStep, theme);
    const T = scene.sample.seqLen;
    const heat = /** @type {HTMLCanvasElement} */ ($('t-heatmap'));
    const masked = Uint8Array.from({ length: T * T }, (_, i) => (scene.causal && i % T > Math.floor(i / T) ? 1 : 0));
    const geometry = drawGrid(heat, { weights: scene.sample.weights, masked, rows: T, cols: T }, theme);
    drawAnswers(heat, geometry, scene.sample.answerAt, theme);
    drawPositionNorms(/** @type {HTMLCanvasElement} */ ($('t-positions')), scene.sample, scene.tied, theme);
    drawView(/** @type {HTMLCanvasElement} */ ($('t-view')), scene.view, theme);
    $('t-view-text').textContent = `Position ${scene.view.query} looks at the keys it may see` +
      (scene.view.answer >= 0 ? `; its answer stands at ${scene.view.answer}` : '') +
      `. The plane shows ${(scene.view.explained * 100).toFixed(0)}% of the keys' squared length; ` +
      `every weight is the ${scene.sample.dHead}-dimensional one.`;
    const [wq, wk] = scene.matrices;
    for (const [id, m] of [['t-wq', wq], ['t-wk', wk]]) {
      const canvas = /** @type {HTMLCanvasElement} */ ($(id));
      canvas.hidden = !m;
      if (m) drawMatrix(canvas, m, theme);
    }
    this.readouts(state, scene);
    this.form.show(state);
  }

  readouts(state, scene) {
    const last = scene.last;
    $('t-steps').textContent = String(scene.step);
    $('t-steps').dataset.value = String(scene.step);
    $('t-loss').textContent = fmt(last.heldLoss, 3);
    $('t-loss').dataset.value = String(last.heldLoss);
    $('t-accuracy').textContent = `${(last.heldAccuracy * 100).toFixed(1)}%`;
    $('t-accuracy').dataset.value = String(last.heldAccuracy);
    $('t-speed').textContent = scene.stepsPerSecond ? String(Math.round(scene.stepsPerSecond)) : '–';
    $('t-which').textContent = `layer ${state.layer}, head ${state.head}`;
    $('t-why').textContent = scene.error ? `Training stopped: ${scene.error}` : explain(state, scene);
    const play = $('t-play');
    const finished = state.until > 0 && scene.step >= state.until;
    play.textContent = this.active ? 'Pause' : finished ? 'Train on' : scene.step ? 'Resume' : 'Train';
    play.setAttribute('aria-pressed', String(this.active));
  }

  wire() {
    const ui = this.store.ui;
    $('t-play').addEventListener('click', () => {
      const s = this.store.state;
      if (this.active) { this.store.setUi({ playing: 0 }); return; }
      // Past the stop step, another press trains on without a limit.
      if (s.until > 0 && this.run.step >= s.until) this.store.commit({ until: 0 }, 'form');
      this.store.setUi({ playing: this.runId });
      this.store.schedule();
    });
    $('t-step').addEventListener('click', () => this.store.setUi({ steps: ui.steps + 1, playing: 0 }));
    $('t-reset').addEventListener('click', () => this.store.setUi({ reset: ui.reset + 1, playing: 0 }));
    $('t-export').addEventListener('click', () => {
      const s = this.store.state;
      const bytes = safetensors(this.run.trainer.tensors(), {
        format: 'attention-geometry-playground/train', step: String(this.run.step), link: this.store.hash(),
      });
      download(bytes, `attention-${s.task}-step${this.run.step}.safetensors`);
    });
  }
}

bootPage({
  loadCore, region: $('t-main'), status: $('t-status'), errorClass: 't-error',
  make: (core) => {
    const page = new TrainPage(core, new Notices($('notices')));
    page.wire();
    return page;
  },
  expose: (page, core) => {
    const { store } = page;
    window.train = {
      core, store,
      get run() { return page.run; },
      getState: () => structuredClone(store.state),
      setState: (patch) => store.commit(patch, 'api', { strict: true }),
      play: (on = true) => store.setUi({ playing: on ? page.runId : 0 }),
    };
  },
});
