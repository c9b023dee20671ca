// Streaming softmax: the core's online softmax over n keys a block at a time, stepped
// through (the `step` field), beside the one-pass softmax it must equal.
import { fmt } from '../../plot/canvas.js';
import * as charts from '../charts.js';
import { $, setOut, options, showFields } from '../dom.js';
import { defineTab, settingsOf } from '../tab.js';

const FIELDS = Object.freeze({ keys: 'sn', blockSize: 'block', seed: 'sseed', queryX: 'qx', queryY: 'qy', step: 'step' });

/** @param {object} state @param {import('../tab.js').Core} core */
function scene(state, core) {
  const p = settingsOf(FIELDS, state);
  /** @type {import('../../core/args.js').StreamOptions} */
  const config = {
    query: [p.queryX, p.queryY],
    keys: core.layout({ kind: 'random', n: p.keys, seed: p.seed }).points,
    values: core.layout({ kind: 'values', n: p.keys, seed: p.seed + 1 }).points,
    d: 2, dv: 2, blockSize: p.blockSize,
  };
  const stream = core.stream(config);
  const full = core.attend({ query: config.query, keys: config.keys, values: config.values, d: 2, dv: 2 });
  // The check only: how far apart two core results are (streaming vs one-pass softmax).
  let diff = 0;
  for (let j = 0; j < full.output.length; j++) diff = Math.max(diff, Math.abs(stream.output[j] - full.output[j]));
  return { config, result: { stream, full }, stream, full, diff,
    logits: full.logits, blocks: stream.blocks, step: Math.min(p.step, stream.blocks.length) };
}

function form(state) {
  const p = settingsOf(FIELDS, state);
  options($('stream-block'), Array.from({ length: p.keys }, (_, i) => i + 1));
  /** @type {HTMLSelectElement} */ ($('stream-block')).value = String(p.blockSize);
  showFields('panel-stream', state);
}

function row(b, i, step) {
  const tr = document.createElement('tr');
  Object.assign(tr.dataset, { block: i, begin: b.begin, end: b.end, blockMax: b.blockMax, runningMax: b.runningMax,
    rescale: b.rescale, runningSum: b.runningSum, partial: Array.from(b.partialOutput).join(',') });
  if (i === step - 1) tr.className = 'is-current';
  const rescaled = i > 0 && b.rescale < 1;
  [String(i), `${b.begin}…${b.end - 1}`, fmt(b.blockMax, 4), fmt(b.runningMax, 4),
    i === 0 ? '— (first)' : rescaled ? `× ${fmt(b.rescale, 4)} ↓` : fmt(b.rescale, 4), fmt(b.runningSum, 4),
    `(${fmt(b.partialOutput[0], 4)}, ${fmt(b.partialOutput[1], 4)})`].forEach((t, c) => {
    const td = document.createElement('td'); td.textContent = t;
    if (c === 4 && rescaled) { td.className = 'is-rescale'; td.title = 'the running max rose: everything so far shrinks by this factor'; }
    tr.append(td);
  });
  return tr;
}

function note(el, blocks, step) {
  const cur = blocks[step - 1];
  el.classList.toggle('is-rescale', step > 1 && cur.rescale < 1);
  if (step === 0) {
    el.dataset.rescale = '';
    el.textContent = 'Press Step to read the first block.';
  } else if (step === 1) {
    el.dataset.rescale = '';
    el.textContent = `Block 0 (keys ${cur.begin}…${cur.end - 1}): its max ${fmt(cur.blockMax, 3)} starts the running max m; nothing to rescale yet.`;
  } else {
    const prev = blocks[step - 2];
    el.dataset.rescale = String(cur.rescale);
    el.textContent = cur.rescale < 1
      ? `Block ${step - 1} (keys ${cur.begin}…${cur.end - 1}) raised the running max from ${fmt(prev.runningMax, 3)} to ${fmt(cur.runningMax, 3)}: ` +
        `the sum and the partial output so far were multiplied by exp(${fmt(prev.runningMax, 3)} − ${fmt(cur.runningMax, 3)}) = ${fmt(cur.rescale, 4)} before this block was added.`
      : `Block ${step - 1} (keys ${cur.begin}…${cur.end - 1}): its max ${fmt(cur.blockMax, 3)} is not above m = ${fmt(cur.runningMax, 3)}, so nothing is rescaled (factor 1).`;
  }
}

// Progress and the Step button follow the scene (the blocks the core made); the table,
// the note and the final check are rebuilt only for a new scene (`tab.tabled`).
function text(tab, sc) {
  const { stream, full, blocks, step, diff } = sc;
  const nb = blocks.length;
  setOut($('stream-progress'), step, `${step} / ${nb} blocks`);
  /** @type {HTMLButtonElement} */ ($('stream-step')).disabled = step >= nb;
  if (tab.tabled === sc) return;
  tab.tabled = sc;
  $('stream-rows').replaceChildren(...blocks.slice(0, step).map((b, i) => row(b, i, step)));
  note($('stream-note'), blocks, step);
  const diffOut = $('stream-diff');
  if (step >= nb) {
    setOut(diffOut, diff, `${diff.toExponential(2)} (streaming (${fmt(stream.output[0], 5)}, ${fmt(stream.output[1], 5)}) vs full ` +
      `(${fmt(full.output[0], 5)}, ${fmt(full.output[1], 5)}): rounding level)`);
  } else {
    delete diffOut.dataset.value;
    diffOut.textContent = '(step to the end)';
  }
}

function wire(host) {
  $('stream-block').addEventListener('change', (ev) =>
    host.commit({ block: /** @type {HTMLSelectElement} */ (ev.target).value }));
  $('stream-step').addEventListener('click', () => host.commit({ step: host.state().step + 1 }));
  $('stream-reset').addEventListener('click', () => host.commit({ step: 0 }));
}

export const stream = defineTab({
  id: 'stream',
  title: 'Streaming softmax',
  fields: FIELDS,
  scene,
  form,
  tabled: null,
  text(sc) { text(this, sc); },
  canvases: () => ({ plot: $('stream-plot') }),
  draw(sc, c, theme) { charts.drawStream(c.plot, sc, theme); return null; },
  wire,
});
