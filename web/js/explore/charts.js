// explore.html's charts: histograms, the √d sweep, the streaming logits, the paged block
// pool, bars and the MLA drift. Like panels.js (whose label helpers they share), each takes
// plain data from a tab's scene and a theme and draws; none reads the form, the URL or the core.
import { fitCanvas, fmt } from '../plot/canvas.js';
import { labelsOf, at, font, markers } from './panels.js';

/**
 * Histogram of `values` in `bins` equal bins over [lo, hi]. Returns the counts (the
 * page exposes them as data).
 */
export function drawHistogram(canvas, { values, lo, hi, bins = 24 }, colour, title, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const counts = new Array(bins).fill(0);
  const span = hi - lo || 1;
  for (const x of values) counts[Math.min(bins - 1, Math.max(0, Math.floor(((x - lo) / span) * bins)))] += 1;
  const top = Math.max(...counts, 1);
  const left = 8, right = 8, bottom = 18, head = 18;
  const bw = (w - left - right) / bins;
  ctx.fillStyle = colour;
  ctx.beginPath();
  counts.forEach((n, b) => {
    const bh = ((h - bottom - head) * n) / top;
    ctx.rect(left + b * bw + 1, h - bottom - bh, Math.max(0.5, bw - 2), bh);
  });
  ctx.fill();
  ctx.strokeStyle = theme.axis;
  ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(left, h - bottom); ctx.lineTo(w - right, h - bottom); ctx.stroke();
  const bounds = { x: 0, y: 0, w, h };
  ctx.font = font(theme);
  ctx.fillStyle = theme.fg;
  labels.place(ctx, title, [at(left, 3, 'left', 'top')], { bounds });
  ctx.fillStyle = theme.muted;
  labels.place(ctx, fmt(lo, 2), [at(left, h - bottom + 3, 'left', 'top')], { bounds });
  labels.place(ctx, fmt(hi, 2), [at(w - right, h - bottom + 3, 'right', 'top')], { bounds });
  labels.place(ctx, `max count ${top}`, [at(w - right, 3, 'right', 'top'), at(w - right, 17, 'right', 'top')], { bounds });
  return counts;
}

/**
 * Max weight (solid, left axis 0 … 1) and effective keys / n (dashed, right axis 0 … n)
 * over d, without (weight colour) and with (key colour) the 1/√d scale; a line marks
 * `currentD`. rows: [{d, raw, scaled}], each side {maxWeight, effectiveKeys} as
 * {mean, lo, hi} over the draws: the line is the mean; the max weight has a band lo … hi.
 */
export function drawSweep(canvas, rows, n, currentD, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const left = 36, right = 40, top = 10, bottom = 26;
  const x = (i) => left + (i / (rows.length - 1)) * (w - left - right);
  const y = (v) => h - bottom - v * (h - top - bottom);  // v in [0, 1]
  ctx.strokeStyle = theme.grid;
  ctx.fillStyle = theme.muted;
  ctx.lineWidth = 1;
  ctx.font = font(theme);
  for (const v of [0, 0.5, 1]) {
    ctx.beginPath(); ctx.moveTo(left, y(v)); ctx.lineTo(w - right, y(v)); ctx.stroke();
    labels.place(ctx, v.toFixed(1), [at(left - 4, y(v), 'right', 'middle')]);
    labels.place(ctx, `${Math.round(v * n)}`, [at(w - right + 4, y(v), 'left', 'middle')]);
  }
  // d ticks: the chosen d first, then every other one that fits.
  const marked = rows.findIndex((r) => r.d === currentD);
  const order = rows.map((_, i) => i);
  if (marked >= 0) order.unshift(...order.splice(marked, 1));
  for (const i of order) labels.place(ctx, String(rows[i].d), [at(x(i), h - bottom + 9, 'center', 'top')]);
  const series = [
    ['raw', 'maxWeight', theme.weight, []], ['scaled', 'maxWeight', theme.key, []],
    ['raw', 'effectiveKeys', theme.weight, [5, 4]], ['scaled', 'effectiveKeys', theme.key, [5, 4]],
  ];
  const share = (stat, v) => (stat === 'maxWeight' ? v : v / n);
  // Bands first (under every line): lo … hi of the draws, for the max weight only (four
  // overlapping bands would hide each other).
  ctx.globalAlpha = 0.18;
  for (const [which, stat, colour] of series.filter((sr) => sr[1] === 'maxWeight')) {
    ctx.fillStyle = colour;
    ctx.beginPath();
    rows.forEach((r, i) => {
      const p = y(share(stat, r[which][stat].hi));
      if (i === 0) ctx.moveTo(x(i), p); else ctx.lineTo(x(i), p);
    });
    for (let i = rows.length - 1; i >= 0; i--) ctx.lineTo(x(i), y(share(stat, rows[i][which][stat].lo)));
    ctx.closePath();
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  ctx.lineWidth = 2;
  for (const [which, stat, colour, dash] of series) {
    ctx.strokeStyle = colour;
    ctx.setLineDash(dash);
    ctx.beginPath();
    rows.forEach((r, i) => {
      const v = share(stat, r[which][stat].mean);
      if (i === 0) ctx.moveTo(x(i), y(v)); else ctx.lineTo(x(i), y(v));
    });
    ctx.stroke();
  }
  ctx.setLineDash([]);
  if (marked >= 0) {
    ctx.strokeStyle = theme.accent || theme.fg;
    ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(x(marked), top); ctx.lineTo(x(marked), h - bottom); ctx.stroke();
  }
}

/**
 * Streaming softmax: a bar per key logit; blocks done in colour, the latest outlined,
 * its running max as a dashed line. When the latest block raised the max, the old max is
 * drawn too and the rescale factor e^(m_old − m) < 1 is called out.
 * scene: {logits, blocks, step}.
 */
export function drawStream(canvas, { logits, blocks, step }, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const n = logits.length;
  let lo = 0, hi = 0;
  for (const x of logits) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  const left = 10, right = 10, top = 34, bottom = 18;
  const bw = (w - left - right) / n;
  const yOf = (v) => top + ((hi - v) / (hi - lo || 1)) * (h - top - bottom);
  const done = step > 0 ? blocks[step - 1].end : 0;
  // keys not yet streamed: the axis grey (the grid colour vanishes on a dark background)
  for (const [from, to, colour] of [[0, done, theme.key], [done, n, theme.axis]]) {
    ctx.fillStyle = colour;
    ctx.beginPath();
    for (let i = from; i < to; i++) {
      const y0 = yOf(0), y1 = yOf(logits[i]);
      ctx.rect(left + i * bw + 2, Math.min(y0, y1), Math.max(0.5, bw - 4), Math.abs(y1 - y0) || 1);
    }
    ctx.fill();
  }
  ctx.lineWidth = 1;
  ctx.strokeStyle = theme.axis;
  ctx.beginPath(); ctx.moveTo(left, yOf(0)); ctx.lineTo(w - right, yOf(0)); ctx.stroke();
  ctx.strokeStyle = theme.border;
  ctx.beginPath();
  for (const b of blocks) {
    const x = left + b.begin * bw;
    ctx.moveTo(x, top - 6); ctx.lineTo(x, h - bottom + 4);
  }
  ctx.stroke();
  const bounds = { x: 0, y: 0, w, h };
  ctx.font = font(theme);
  ctx.fillStyle = theme.muted;
  labels.place(ctx, 'logit of each key (full softmax, core.attend)', [at(left, 2, 'left', 'top')], { bounds });
  if (step > 0) {
    const b = blocks[step - 1];
    const rescaled = step > 1 && b.rescale < 1;
    if (rescaled) {
      // The max before this block, faint: the distance down to it is what e^(m_old − m) undoes.
      const old = blocks[step - 2].runningMax;
      ctx.strokeStyle = theme.muted;
      ctx.setLineDash([2, 3]);
      ctx.beginPath(); ctx.moveTo(left, yOf(old)); ctx.lineTo(w - right, yOf(old)); ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.strokeStyle = theme.output;
    ctx.lineWidth = 2;
    ctx.strokeRect(left + b.begin * bw, top - 4, (b.end - b.begin) * bw, h - top - bottom + 6);
    ctx.setLineDash([5, 4]);
    ctx.beginPath(); ctx.moveTo(left, yOf(b.runningMax)); ctx.lineTo(w - right, yOf(b.runningMax)); ctx.stroke();
    ctx.setLineDash([]);
    ctx.lineWidth = 1;
    ctx.fillStyle = theme.output;
    const text = rescaled ? `max rose ${fmt(blocks[step - 2].runningMax, 2)} → ${fmt(b.runningMax, 2)}: earlier sum and output × ${fmt(b.rescale, 3)}`
      : `running max m = ${fmt(b.runningMax)}`;
    const short = rescaled ? `m ${fmt(blocks[step - 2].runningMax, 2)} → ${fmt(b.runningMax, 2)}: × ${fmt(b.rescale, 3)}` : null;
    if (!labels.place(ctx, text, [at(w - right, 18, 'right', 'top')], { bounds }) && short) {
      labels.place(ctx, short, [at(w - right, 18, 'right', 'top')], { bounds });
    }
  }
  ctx.fillStyle = theme.muted;
  for (let i = 0; i < n; i++) labels.place(ctx, String(i), [at(left + (i + 0.5) * bw, h - bottom + 3, 'center', 'top')], { bounds });
}

/**
 * The paged KV cache's block pool: one box per physical block, block_size slots each,
 * filled slots coloured by who reads them (A, B or both), "#id ×refs" above each block.
 * scene: {blocks: [{refCount, filled}], readers: 'A', 'B' or 'AB' per block, blockSize, colours: {A, B, both}}.
 */
export function drawPagedPool(canvas, { blocks, readers, blockSize, colours }, theme) {
  const { ctx, w } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const count = Math.max(blocks.length, 1);
  const perRow = Math.max(1, Math.min(count, Math.floor((w - 8) / 70)));
  const bw = Math.min(150, (w - 8) / perRow - 8), slot = bw / blockSize, bh = Math.min(40, slot * 1.5 + 8);
  const rowH = bh + 30;
  ctx.font = font(theme);
  if (blocks.length === 0) {
    ctx.fillStyle = theme.muted;
    labels.place(ctx, 'no blocks yet: press Step', [at(8, 20, 'left', 'middle')]);
    return;
  }
  blocks.forEach((b, id) => {
    const x = 4 + (id % perRow) * (bw + 8), y = 22 + Math.floor(id / perRow) * rowH;
    const who = readers[id];
    const colour = b.refCount === 0 ? theme.grid : who.length > 1 ? colours.both : who.includes('B') ? colours.B : colours.A;
    ctx.fillStyle = colour;
    ctx.globalAlpha = b.refCount === 0 ? 0.4 : 0.85;
    for (let s = 0; s < b.filled; s++) ctx.fillRect(x + s * slot + 1, y + 1, slot - 2, bh - 2);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = theme.border;
    ctx.lineWidth = 1;
    ctx.strokeRect(x, y, bw, bh);
    ctx.strokeStyle = theme.grid;
    ctx.beginPath();
    for (let s = 1; s < blockSize; s++) { ctx.moveTo(x + s * slot, y); ctx.lineTo(x + s * slot, y + bh); }
    ctx.stroke();
    ctx.fillStyle = theme.fg;
    const text = b.refCount === 0 ? `#${id} free` : b.refCount > 1 ? `#${id} ×${b.refCount}` : `#${id}`;
    labels.place(ctx, text, [at(x + bw / 2, y - 3, 'center', 'bottom')]);
  });
}

/** Bars with a value label each: [{label, value, colour}] (the KV-cache sizes). */
export function drawBars(canvas, bars, theme, title) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const left = 48, right = 70, top = 22, rowH = (h - top - 6) / bars.length;
  const max = Math.max(...bars.map((b) => b.value), 1);
  ctx.font = font(theme);
  ctx.fillStyle = theme.muted;
  labels.place(ctx, title, [at(left, 12, 'left', 'middle')]);
  bars.forEach((b, i) => {
    const y = top + i * rowH, bh = Math.max(4, rowH * 0.6), len = (b.value / max) * (w - left - right);
    ctx.fillStyle = b.colour;
    ctx.fillRect(left, y + (rowH - bh) / 2, Math.max(1, len), bh);
    ctx.fillStyle = theme.fg;
    labels.place(ctx, b.label, [at(left - 6, y + rowH / 2, 'right', 'middle')]);
    labels.place(ctx, String(b.value), [at(left + len + 6, y + rowH / 2, 'left', 'middle')]);
  });
}

/**
 * MLA's drift from MHA by rank: the projection error ‖W − W_r‖/‖W‖ and the largest weight
 * change max|A_mla − A_mha|, r = 1 … d_model; the chosen rank marked.
 */
export function drawDrift(canvas, rows, rank, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const left = 36, right = 16, top = 14, bottom = 26;
  const x = (i) => left + (rows.length > 1 ? i / (rows.length - 1) : 0.5) * (w - left - right);
  const y = (v) => h - bottom - Math.max(0, Math.min(1, v)) * (h - top - bottom);
  ctx.font = font(theme);
  ctx.strokeStyle = theme.grid;
  ctx.fillStyle = theme.muted;
  ctx.lineWidth = 1;
  for (const v of [0, 0.5, 1]) {
    ctx.beginPath(); ctx.moveTo(left, y(v)); ctx.lineTo(w - right, y(v)); ctx.stroke();
    labels.place(ctx, v.toFixed(1), [at(left - 4, y(v), 'right', 'middle')]);
  }
  const marked = rows.findIndex((r) => r.rank === rank);
  const order = rows.map((_, i) => i);
  if (marked >= 0) order.unshift(...order.splice(marked, 1));
  for (const i of order) labels.place(ctx, `r=${rows[i].rank}`, [at(x(i), h - bottom + 8, 'center', 'top')]);
  if (marked >= 0) {
    ctx.strokeStyle = theme.fg;
    ctx.setLineDash([3, 3]);
    ctx.beginPath(); ctx.moveTo(x(marked), top); ctx.lineTo(x(marked), h - bottom); ctx.stroke();
    ctx.setLineDash([]);
  }
  let legend = 0;
  for (const [key, colour, name] of [['projectionError', theme.key, '‖W − W_r‖/‖W‖'], ['maxWeightDiff', theme.weight, 'max|A − A_MHA|']]) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    rows.forEach((r, i) => (i ? ctx.lineTo(x(i), y(r[key])) : ctx.moveTo(x(i), y(r[key]))));
    ctx.stroke();
    markers(ctx, 'circle', rows.map((r, i) => [x(i), y(r[key])]), 3, colour);
    ctx.fillStyle = colour;
    // The legend: top right, one line per curve, in its colour (with a halo over the lines).
    labels.halo = theme.bg;
    labels.place(ctx, name, [at(w - right, top + 2 + 16 * legend, 'right', 'top'), at(w - right, top + 2 + 16 * (legend + 1), 'right', 'top')]);
    labels.halo = null;
    legend++;
  }
}

/**
 * The softmax's gradient norm ‖∂w/∂z‖ over d on a log axis, without (weight colour) and with
 * (key colour) the 1/√d scale: the median over the draws as a line, the 10th … 90th percentile
 * as a band; a line marks `currentD`. rows: drawSweep's, each side with gradientNorm {median, lo, hi}.
 */
export function drawGradientSweep(canvas, rows, currentD, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const left = 44, right = 16, top = 10, bottom = 26;
  const x = (i) => left + (i / (rows.length - 1)) * (w - left - right);
  const values = rows.flatMap((r) => [r.raw.gradientNorm.lo, r.raw.gradientNorm.hi, r.scaled.gradientNorm.lo,
    r.scaled.gradientNorm.hi]).filter((v) => v > 0);
  const lo = Math.max(1e-12, Math.min(...values) / 2), hi = Math.max(...values) * 1.5;
  const span = Math.log(hi) - Math.log(lo);
  const y = (v) => h - bottom - ((Math.log(Math.max(v, lo)) - Math.log(lo)) / span) * (h - top - bottom);
  ctx.strokeStyle = theme.grid;
  ctx.fillStyle = theme.muted;
  ctx.lineWidth = 1;
  ctx.font = font(theme);
  const step = Math.max(1, Math.ceil((Math.log10(hi) - Math.log10(lo)) / 5));
  for (let e = Math.ceil(Math.log10(lo)); e <= Math.floor(Math.log10(hi)); e += step) {
    const v = 10 ** e;
    ctx.beginPath(); ctx.moveTo(left, y(v)); ctx.lineTo(w - right, y(v)); ctx.stroke();
    labels.place(ctx, e === 0 ? '1' : `1e${e}`, [at(left - 4, y(v), 'right', 'middle')]);
  }
  const marked = rows.findIndex((r) => r.d === currentD);
  const order = rows.map((_, i) => i);
  if (marked >= 0) order.unshift(...order.splice(marked, 1));
  for (const i of order) labels.place(ctx, String(rows[i].d), [at(x(i), h - bottom + 9, 'center', 'top')]);
  const sides = [['raw', theme.weight], ['scaled', theme.key]];
  ctx.globalAlpha = 0.18;
  for (const [which, colour] of sides) {
    ctx.fillStyle = colour;
    ctx.beginPath();
    rows.forEach((r, i) => ctx[i === 0 ? 'moveTo' : 'lineTo'](x(i), y(r[which].gradientNorm.hi)));
    for (let i = rows.length - 1; i >= 0; i--) ctx.lineTo(x(i), y(rows[i][which].gradientNorm.lo));
    ctx.closePath();
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  ctx.lineWidth = 2;
  for (const [which, colour] of sides) {
    ctx.strokeStyle = colour;
    ctx.beginPath();
    rows.forEach((r, i) => {
      const p = y(r[which].gradientNorm.median);
      if (i === 0) ctx.moveTo(x(i), p); else ctx.lineTo(x(i), p);
    });
    ctx.stroke();
  }
  if (marked >= 0) {
    ctx.strokeStyle = theme.accent || theme.fg;
    ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(x(marked), top); ctx.lineTo(x(marked), h - bottom); ctx.stroke();
  }
}
