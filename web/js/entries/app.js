// index.html: the playground page. The plot itself (store, scene, renderer, input) is
// playground.js; this file adds the page around it: the weight list and stats, the
// form, presets, sharing, the live region and window.playground for tests.
import { loadCore } from '../core/wasm.js';
import { Playground, contentDefaults } from '../page/playground.js';
import { WeightList, setStat, bindForm, buildControls, followFold } from '../page/controls.js';
import { PLAYGROUND, usesBeyond } from '../state/schema.js';
import { format, kebab, serialize, escapeHtml } from '../state/codec.js';
import { hitTest } from '../plot/pointer.js';
import { GRADIENT } from '../plot/gradient.js';
import { Tour } from '../page/tour.js';
import { bindRecordButton, download, recordGIF, recordVideo } from '../page/record.js';

const KEY_MAX = PLAYGROUND.fields.keys.maxLength;   // the "long key" preset's length
const $ = (id) => document.getElementById(id);

function polar(r, deg) {
  const a = deg * Math.PI / 180;
  return [r * Math.cos(a), r * Math.sin(a)];
}

// Presets: patches over the defaults (the page's controls and theme are kept).
const PRESETS = {
  sharp: { n: 8, scaleMode: 'custom', customScale: 4, query: polar(1.9, 35) },
  blunt: { n: 8, scaleMode: 'one', query: polar(0.35, 35) },
  farside: { n: 12, scaleMode: 'custom', customScale: -2, query: polar(1.5, 30) },
  clusters: { n: 24, layout: 'clusters', clusters: 2, spread: 0.25, seed: 3, scaleMode: 'custom', customScale: 2, aimAtKey: 0 },
  longkey: { n: 8, normalizeKeys: false, query: polar(1.5, 55), longKey: 2 },
  long: { longContext: 65536, layout: 'random', seed: 7, scaleMode: 'custom', customScale: 4, query: polar(1.9, 60), showGaussian: true },
};

let pg = null;
let weightList = null;
/** @type {(state: object) => void} */
let syncForm = () => {};
/** @type {(state: object) => void} */
let syncQuick = () => {};
let tour = null;
/** @type {(state: object) => void} opens "Beyond softmax" when the state uses it */
let syncFold = () => {};

// The controls next to the plot beyond scale, shown while they matter: α while entmax is
// on, the query position while RoPE is, the kernel and favor+'s features while a linear
// kernel is; and while the reader is using one (it keeps focus when slid back to the default).
let quickEls = null;   // the [data-quick] labels, found once
function quickShown(state) {
  const want = { alpha: state.alpha !== 1, queryPosition: state.rope, kernel: state.kernel !== 'softmax', features: state.kernel === 'favor+' };
  quickEls ??= Array.from(document.querySelectorAll('[data-quick]'));
  for (const el of quickEls) {
    const hidden = !want[el.dataset.quick] && !el.contains(document.activeElement);
    if (el.hidden !== hidden) el.hidden = hidden;
  }
}

// The query-length slider: 0 … 1000 ↔ |q| from 0.05 to 1000 on a log scale (4.3 decades across
// the plot's width: a step of about 1 % per pixel at 1366 px, 3 % on a phone; the drag's log
// zone takes 5–10 % per pixel).
const LEN_MIN = 0.05, LEN_LO = Math.log10(LEN_MIN), LEN_HI = Math.log10(PLAYGROUND.fields.query.max), SLIDER_MAX = 1000;
const sliderToLength = (v) => 10 ** (LEN_LO + ((LEN_HI - LEN_LO) * v) / SLIDER_MAX);
const lengthToSlider = (len) => {
  const v = ((Math.log10(Math.max(len, 1e-9)) - LEN_LO) / (LEN_HI - LEN_LO)) * SLIDER_MAX;
  return Math.round(Math.max(0, Math.min(SLIDER_MAX, v)));
};

// ---------------------------------------------------------------- each frame: the page around the plot

function onFrame(sc, state, ui) {
  if (!sc) return;
  syncForm(state);
  syncQuick(state);
  quickShown(state);
  syncFold(state);
  tour?.sync(state);
  const q = sc.query;
  $('quick-kappa').textContent = q.kappa.toFixed(2);
  $('quick-qlen').textContent = q.length.toFixed(2);
  const slider = /** @type {HTMLInputElement} */ ($('quick-qlen-range'));
  if (document.activeElement !== slider) slider.value = String(lengthToSlider(q.length));
  setStat($('stat-kappa'), q.kappa.toFixed(3), q.kappa);
  setStat($('stat-angle'), `${q.angleDeg.toFixed(1)}°`, q.angle);
  setStat($('stat-qnorm'), q.length.toFixed(3), q.length);
  setStat($('stat-n'), sc.n.toLocaleString('en-US'), sc.n);
  const r = sc.result;
  setStat($('stat-entropy'), r ? `${r.entropy.toFixed(3)} nats` : '–', r ? r.entropy : '');
  setStat($('stat-effective'), r ? r.effectiveKeys.toFixed(r.effectiveKeys >= 100 ? 0 : 2) : '–', r ? r.effectiveKeys : '');
  let indices;
  if (sc.long) {
    indices = Array.from(sc.weights.top);
    $('list-caption').textContent = `Long context: the top ${indices.length} of ${sc.n.toLocaleString('en-US')} keys by weight (weight, logit); bar = weight ÷ the largest.`;
  } else {
    indices = Array.from({ length: sc.n }, (_, i) => i);
    $('list-caption').textContent = 'Every key: weight (3 decimals) and logit; ★ = largest, bar = weight ÷ the largest. Hover or click a row.';
  }
  weightList.update(indices, r, sc.keys.angles, ui.hovered, ui.selected, !!sc.long);
  weightList.updateSink(state.sinkOn && !!r, state.sink, sc.weights.sink);
  document.querySelector('.legend')?.classList.toggle('no-values', !state.showValues);
  setHtml($('legend-weight'), sc.long
    ? '<b>weights</b>: blue ring = weight per 2° bin of keys, the largest bin drawn 1 unit out; green ring = key density'
    : '<b>weight w<sub>i</sub></b>: blue offset from its key = w<sub>i</sub> × 1 unit');
  const curve = state.curve === 'vonmises'
    ? 'curve = von Mises density · 2π/n (matches evenly spaced unit keys only)'
    : `curve = the weight a unit key would get at that angle (every unit key sits on it${state.normalizeKeys ? '' : '; longer keys sit above, shorter below'})`;
  setHtml($('legend-strip'), sc.long
    ? `<b>strip</b>: mean weight per 2° bin along a line (x = key angle, y = weight); ${curve}`
    : `<b>strip</b>: the same weights along a line (x = key angle, y = weight); ${curve}`);
  scheduleSummary(sc);
  if (document.body.dataset.ready !== '1') document.body.dataset.ready = '1';
}

// Our own fixed markup (no user text): rewritten only when it changes, not every frame.
function setHtml(el, html) {
  if (el.dataset.html !== html) { el.innerHTML = html; el.dataset.html = html; }
}

// ---------------------------------------------------------------- live region

let announceTimer = 0;
let pending = '';
function announce(text) {
  $('plot-status').textContent = text;
  pending = text;
}
// A polite summary after each change (debounced): query angle, κ and the top 3 keys.
function scheduleSummary(sc) {
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => {
    const w = sc.result?.weights;
    const top = w ? ` Top keys: ${Array.from(sc.weights.top.slice(0, 3), (i) => `key ${i} weight ${w[i].toFixed(3)}`).join(', ')}.` : '';
    const prefix = pending ? `${pending} ` : '';
    pending = '';
    $('plot-status').textContent = `${prefix}Query angle ${sc.query.angleDeg.toFixed(0)} degrees, κ ${sc.query.kappa.toFixed(2)}.${top}`;
  }, 300);
}

// ---------------------------------------------------------------- presets

function applyPreset(name) {
  const preset = PRESETS[name];
  if (!preset) return;
  const { aimAtKey, longKey, ...fields } = preset;
  pg.notices.clear('ui');
  pg.commit({ ...contentDefaults(), ...fields }, 'ui');
  // The keys the layout made for the preset come from the API (getState: the keys drawn).
  const made = pg.getState().keys;
  if (aimAtKey !== undefined && made.length) {
    const [x, y] = made[aimAtKey];
    const a = Math.atan2(y, x);
    pg.commit({ query: [1.5 * Math.cos(a), 1.5 * Math.sin(a)] }, 'ui');
  }
  if (longKey !== undefined) {
    const { keys, values } = pg.getState();
    const [x, y] = keys[longKey];
    const len = Math.hypot(x, y) || 1;
    keys[longKey] = [x / len * KEY_MAX, y / len * KEY_MAX];
    pg.commit({ keys, values }, 'ui');
    pg.setUi({ selected: longKey });
  }
}

// ---------------------------------------------------------------- share

function shareLink() {
  return `${location.origin === 'null' ? '' : location.origin}${location.pathname}#${pg.store.hash()}`;
}

/** The <attention-plot> and iframe snippets for the current state. */
function embedSnippets() {
  const s = pg.state;
  const attrs = [];
  for (const [name, f] of Object.entries(PLAYGROUND.fields)) {
    const text = format(PLAYGROUND, name, s[name]);
    if (text === format(PLAYGROUND, name, f.def)) continue;
    attrs.push(` ${kebab(name)}="${escapeHtml(text)}"`);
  }
  const element = `<script src="attention-plot.js"></script>\n<attention-plot${attrs.join('')}></attention-plot>`;
  const dir = location.pathname.replace(/[^/]*$/, '');
  const src = `${location.origin}${dir}embed.html#${serialize(PLAYGROUND, s)}`;
  const iframe = `<iframe class="attention-plot-frame" title="Attention plot" sandbox="allow-scripts" style="width:100%;border:0"\n        src="${escapeHtml(src)}"></iframe>\n`
    + '<script>\n  // Each frame posts its height; size the frame that sent it.\n'
    + "  addEventListener('message', (e) => {\n    if (e.data?.type !== 'attention-plot:height' || !Number.isFinite(e.data.height)) return;\n"
    + "    for (const f of document.querySelectorAll('iframe.attention-plot-frame'))\n"
    + '      if (f.contentWindow === e.source) f.style.height = `${e.data.height}px`;\n  });\n</script>';
  return { element, iframe };
}

function exportJson() {
  const sc = pg.scene;
  const r = sc?.result;
  const s = pg.getState();
  return {
    version: PLAYGROUND.version,
    link: shareLink(),
    state: { ...pg.state, keys: s.keys, values: s.values },
    scale: sc?.query.scale ?? null,
    weights: r ? Array.from(r.weights) : null,
    logits: r ? Array.from(r.logits) : null,
    argmax: r ? r.argmax : null,
    entropy: r ? r.entropy : null,
    output: r && r.output ? Array.from(r.output) : null,
  };
}

const setShareStatus = (text) => { const el = $('share-status'); if (el) el.textContent = text; };

// Recordings take the canvas as it is, after drawing a pending frame.
const flush = () => { if (pg.store.frame) pg.store.renderNow(); };

function bindShare() {
  if ($('record')) bindRecordButton($('record'), { canvas: pg.canvas, render: flush, status: $('share-status') });
  $('copy-link')?.addEventListener('click', async () => {
    const link = shareLink();
    try {
      await navigator.clipboard.writeText(link);
      setShareStatus('Link copied.');
    } catch {
      setShareStatus(`Copy this link: ${link}`);
    }
  });
  $('download-png')?.addEventListener('click', () => {
    pg.store.renderNow();
    pg.canvas.toBlob((blob) => {
      if (blob) { download(blob, 'attention-plot.png'); setShareStatus('PNG saved.'); } else setShareStatus('The browser could not make a PNG of the plot.');
    }, 'image/png');
  });
  $('copy-embed')?.addEventListener('click', async () => {
    const { element, iframe } = embedSnippets();
    const text = `<!-- Element (one script, no iframe) -->\n${element}\n\n<!-- Or an iframe -->\n${iframe}\n`;
    const box = /** @type {HTMLTextAreaElement} */ ($('embed-code'));
    try {
      await navigator.clipboard.writeText(text);
      if (box) box.hidden = true;
      setShareStatus('Embed code copied.');
    } catch {
      if (box) { box.value = text; box.hidden = false; box.select(); }
      setShareStatus('Copy the embed code below.');
    }
  });
  $('download-svg')?.addEventListener('click', () => {
    download(new Blob([pg.toSVG()], { type: 'image/svg+xml' }), 'attention-plot.svg');
    setShareStatus('SVG saved.');
  });
  $('download-json')?.addEventListener('click', () => {
    download(new Blob([JSON.stringify(exportJson(), null, 2)], { type: 'application/json' }), 'attention-state.json');
    setShareStatus('JSON saved.');
  });
}

// ---------------------------------------------------------------- boot

function showLoadError(message) {
  const wrap = document.querySelector('.canvas-wrap');
  pg.notices.set('load', [message]);
  const msg = document.createElement('p');
  msg.id = 'load-error';
  msg.className = 'load-error';
  msg.textContent = message;
  wrap.prepend(msg);
  pg.canvas.hidden = true;
  document.body.dataset.ready = 'error';
}

async function main() {
  const canvas = $('plot');
  const panel = document.querySelector('.plot-panel');
  pg = new Playground({ canvas, noticesRoot: $('notices'), url: true, onFrame, announce, overlays: [GRADIENT] });
  weightList = new WeightList(/** @type {HTMLTableSectionElement} */ ($('weight-list')), {
    onHover(i) { pg.setUi({ hovered: i }); },
    onSelect(i) { pg.setUi({ selected: i }); },
    onDelete(i) {
      const next = Math.min(i, pg.drawnScene.n - 2);
      pg.removeKey(i);
      pg.store.renderNow();
      if (next >= 0) weightList.focusRow(next);
    },
  });
  syncQuick = bindForm($('quick-controls'), PLAYGROUND, (patch) => pg.commit(patch, 'form'));
  $('quick-qlen-lo').textContent = String(LEN_MIN);
  $('quick-qlen-hi').textContent = String(PLAYGROUND.fields.query.max);
  // The length slider keeps the query's direction (a commit like a drag's).
  $('quick-qlen-range').addEventListener('input', (e) => {
    pg.setQueryPolar(sliderToLength(Number(/** @type {HTMLInputElement} */ (e.target).value)), pg.queryPolar()[1]);
  });
  const form = /** @type {HTMLFormElement} */ ($('controls'));
  if (form) {
    // Fields in the schema's 'full' set that the hand-written form does not place yet.
    const more = Object.keys(PLAYGROUND.fields)
      .filter((k) => (PLAYGROUND.fields[k].controls?.includes('full') || PLAYGROUND.fields[k].controls?.includes('page'))
        && !form.elements.namedItem(k));
    if (more.length) buildControls($('more-controls'), PLAYGROUND, more);
    syncForm = bindForm(form, PLAYGROUND, (patch) => pg.commit(patch, 'form'));
    syncFold = followFold(/** @type {HTMLDetailsElement} */ ($('beyond')), usesBeyond);
    /** @type {NodeListOf<HTMLElement>} */ (form.querySelectorAll('[data-preset]'))
      .forEach((btn) => btn.addEventListener('click', () => applyPreset(btn.dataset.preset)));
    $('reset')?.addEventListener('click', () => {
      pg.notices.clear('ui');
      pg.commit(contentDefaults(), 'ui');
    });
    bindShare();
  }
  tour = new Tour(pg, {
    card: $('tour'), count: $('tour-count'), title: $('tour-title'), text: $('tour-text'), tryThis: $('tour-try'),
    prev: $('tour-prev'), next: $('tour-next'), leave: $('tour-leave'), link: $('tour-link'), start: $('tour-start'),
  });
  if (location.hash.length > 1) pg.store.loadHash(location.hash);

  window.playground = {
    get core() { return pg.core; },
    getState: () => pg.getState(),
    setState: (patch) => pg.setState(patch),
    animateTo: (patch, options) => pg.animateTo(patch, options),
    record: (options) => recordVideo(pg.canvas, flush, options),
    toGIF: (options) => recordGIF(pg.canvas, flush, options),
    get lastResult() { return pg.scene?.weights.current ?? null; },
    get scene() { return pg.scene; },
    /** The last drawn frame's geometry (what the pointer's hit tests read). */
    get frame() { return pg.frame; },
    /** What is under a canvas CSS-pixel point in the last drawn frame. */
    hitTest: (x, y, pointerType) => hitTest(pg.frame, x, y, pointerType),
    render: () => pg.store.renderNow(),
    get plot() { return pg.plot; },
    store: pg.store,
    notices: pg.notices,
    shareState: () => ({ ...pg.state }),
    exportJson,
    embedSnippets,
    applyHash: (hash) => pg.store.loadHash(hash),
  };

  panel?.setAttribute('aria-busy', 'true');
  try {
    pg.attach(await loadCore());
  } catch (e) {
    showLoadError(e.message);
    return;
  } finally {
    panel?.removeAttribute('aria-busy');
    $('loading')?.remove();
  }
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => { pg.plot.refreshTheme(); pg.store.schedule(); });
}

main();
