// Paged KV cache: A decodes, then B forks from A's prefix and shares its blocks; the core
// decodes `step` tokens through block tables and checks each against a contiguous cache.
import { SERIES } from '../../plot/canvas.js';
import * as charts from '../charts.js';
import { $, setOut, showFields } from '../dom.js';
import { defineTab, settingsOf } from '../tab.js';
import { gaussianRows, valueRows } from './seeded.js';

const FIELDS = Object.freeze({ blockSize: 'pbs', tokensA: 'pna', tokensB: 'pnb', sharedPrefix: 'ppre', seed: 'pseed', step: 'pstep' });
const COLOURS = { A: SERIES[0], B: SERIES[1], both: SERIES[2] };
const NAMES = ['A', 'B'];

// A's and B's tokens: keys from the core's layout, values from its value layout.
/** @param {object} state @param {import('../tab.js').Core} core */
function scene(state, core) {
  const p = settingsOf(FIELDS, state);
  /** @type {import('../../core/args.js').PagedOptions} */
  const config = {
    blockSize: p.blockSize,
    keys: gaussianRows(core, p.tokensA, 2, p.seed), values: valueRows(core, p.tokensA, p.seed + 1),
    sharedPrefix: p.sharedPrefix, steps: p.step,
  };
  if (p.tokensB > 0) {
    config.keysB = gaussianRows(core, p.tokensB, 2, p.seed + 2);
    config.valuesB = valueRows(core, p.tokensB, p.seed + 3);
  }
  const result = core.pagedDecode(config);
  // Who reads each physical block (from the core's block tables): 'A', 'B', 'AB' or ''.
  const readers = result.blocks.map(() => '');
  result.sequences.forEach((seq, q) => new Set(seq.blockTable).forEach((b) => { readers[b] += NAMES[q]; }));
  return { config, result, readers, blockSize: p.blockSize, sharedPrefix: p.sharedPrefix };
}

function tables(sc) {
  $('paged-tables').replaceChildren(...sc.result.sequences.map((seq, q) => {
    const line = document.createElement('div');
    line.dataset.seq = NAMES[q];
    line.dataset.table = Array.from(seq.blockTable).join(',');
    line.append(`${NAMES[q]} (${seq.length} tokens): `);
    for (const b of seq.blockTable) {
      const chip = document.createElement('span');
      chip.className = `x-chip${sc.readers[b].length > 1 ? ' is-shared' : ''}`;
      chip.textContent = `#${b}`;
      line.append(chip);
    }
    return line;
  }));
}

function note(sc) {
  const r = sc.result, last = r.last, bs = sc.blockSize;
  if (!last) return 'Press Step: A decodes its first token into a new block.';
  const slot = last.position % bs;
  return `Step ${r.steps}: ${NAMES[last.seq]} wrote token ${last.position} into slot ${slot} of block #${r.sequences[last.seq].blockTable[Math.floor(last.position / bs)]}` +
    `${slot === 0 ? ' (a new block)' : ''} and attended over its ${last.position + 1} tokens through its block table;` +
    ` |paged − contiguous| = ${last.maxAbsDiff.toExponential(2)}.` +
    (r.forked && r.sequences.length > 1 ? ` B forked from A's first ${sc.sharedPrefix} tokens.` : ` B forks once A holds ${sc.sharedPrefix} tokens.`);
}

// Progress, the Step button and the counts follow the scene; the block tables and the note
// are rebuilt only for a new scene (`tab.tabled`).
function text(tab, sc) {
  const r = sc.result;
  setOut($('paged-progress'), r.steps, `${r.steps} / ${r.totalSteps} steps`);
  /** @type {HTMLButtonElement} */ ($('paged-step')).disabled = r.steps >= r.totalSteps;
  $('paged-pool').dataset.blocks = r.blocks.map((b) => `${b.refCount}:${b.filled}`).join(',');
  setOut($('paged-used'), r.blocksUsed, `${r.blocksUsed} (${r.slotsFilled} tokens stored in ${r.blocksUsed * sc.blockSize} slots)`);
  setOut($('paged-wasted'), r.wastedSlots, String(r.wastedSlots));
  setOut($('paged-unshared'), r.blocksWithoutSharing, String(r.blocksWithoutSharing));
  setOut($('paged-saved'), r.blocksSaved, String(r.blocksSaved));
  setOut($('paged-diff'), r.maxAbsDiff, r.steps === 0 ? '(no step yet)' : r.maxAbsDiff.toExponential(2));
  if (tab.tabled === sc) return;
  tab.tabled = sc;
  tables(sc);
  $('paged-note').textContent = note(sc);
}

function draw(sc, c, theme) {
  const { readers, blockSize } = sc;
  charts.drawPagedPool(c.pool, { blocks: sc.result.blocks, readers, blockSize, colours: COLOURS }, theme);
  return null;
}

function wire(host) {
  $('paged-step').addEventListener('click', () => host.commit({ pstep: host.state().pstep + 1 }));
  $('paged-reset').addEventListener('click', () => host.commit({ pstep: 0 }));
}

export const paged = defineTab({
  id: 'paged',
  title: 'Paged KV cache',
  fields: FIELDS,
  scene,
  form: (state) => showFields('panel-paged', state),
  tabled: null,
  text(sc) { text(this, sc); },
  canvases: () => ({ pool: $('paged-pool') }),
  draw,
  wire,
});
