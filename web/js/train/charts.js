// train.html's drawings: curves over steps (loss on a log axis with accuracy, gradient norms on
// a log axis), a signed matrix, and bars by position. Each takes plain data from the scene
// (scene.js) and a theme and draws; none reads the form, the URL or the core. Text goes
// through a Labels (plot/grid.js labelsOf), so no two labels meet.
import { fitCanvas, fmt, SERIES, withAlpha } from '../plot/canvas.js';
import { at, font, labelsOf } from '../plot/grid.js';

const M = { left: 44, right: 40, top: 20, bottom: 28 };

// Ticks of a log axis over [lo, hi] (lo, hi > 0): the powers of ten, with 2 and 5 between
// them when fewer than three powers fall inside.
function logTicks(lo, hi) {
  const inside = (t) => t >= lo * 0.999 && t <= hi * 1.001;
  const powers = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) powers.push(10 ** e);
  if (powers.filter(inside).length >= 3) return powers.filter(inside);
  return powers.flatMap((p) => [p, 2 * p, 5 * p]).filter(inside);
}

function tickText(v) {
  if (v >= 1000 || v < 0.01) return v.toExponential(0).replace('e+', 'e');
  return String(+v.toPrecision(2));
}

// The plot area and x scale for steps 0 … maxStep.
function frame(w, h, maxStep) {
  const x0 = M.left, x1 = w - M.right, y0 = M.top, y1 = h - M.bottom;
  const x = (s) => x0 + (maxStep > 0 ? s / maxStep : 0) * (x1 - x0);
  return { x0, x1, y0, y1, x };
}

function stepAxis(ctx, labels, f, maxStep, theme) {
  ctx.fillStyle = theme.muted;
  ctx.font = font(theme, 10);
  const n = Math.max(1, Math.min(5, Math.floor((f.x1 - f.x0) / 70)));
  for (let i = 0; i <= n; i++) {
    const s = Math.round((maxStep * i) / n);
    labels.place(ctx, String(s), [at(f.x(s), f.y1 + 4, 'center', 'top')]);
  }
  labels.place(ctx, 'step', [at(f.x1, f.y1 + 16, 'right', 'top')]);
}

function polyline(ctx, xs, ys) {
  ctx.beginPath();
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(ys[i])) { pen = false; continue; }
    if (pen) ctx.lineTo(xs[i], ys[i]); else ctx.moveTo(xs[i], ys[i]);
    pen = true;
  }
  ctx.stroke();
}

/**
 * Loss (log axis, left) and accuracy (0 … 1, right) over steps: held-out as solid lines, the
 * training batches' mean as a thin line. points: the run's history.
 */
export function drawCurves(canvas, points, maxStep, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const f = frame(w, h, Math.max(maxStep, 1));
  const losses = points.flatMap((p) => [p.loss, p.heldLoss]).filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.max(1e-4, Math.min(...losses, 1) * 0.8), hi = Math.max(...losses, 1) * 1.25;
  const yl = (v) => f.y1 - ((Math.log(Math.max(v, lo)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * (f.y1 - f.y0);
  const ya = (v) => f.y1 - v * (f.y1 - f.y0);
  ctx.strokeStyle = theme.grid;
  ctx.lineWidth = 1;
  ctx.font = font(theme, 10);
  ctx.fillStyle = theme.muted;
  ctx.beginPath();
  for (const t of logTicks(lo, hi)) {
    ctx.moveTo(f.x0, yl(t)); ctx.lineTo(f.x1, yl(t));
  }
  ctx.stroke();
  for (const t of logTicks(lo, hi)) labels.place(ctx, tickText(t), [at(f.x0 - 4, yl(t), 'right', 'middle')]);
  for (const a of [0, 0.5, 1]) labels.place(ctx, `${a * 100}%`, [at(f.x1 + 4, ya(a), 'left', 'middle')]);
  ctx.strokeStyle = theme.border;
  ctx.strokeRect(f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
  stepAxis(ctx, labels, f, maxStep, theme);
  const xs = points.map((p) => f.x(p.step));
  ctx.lineWidth = 1;
  ctx.strokeStyle = withAlpha(theme.weight, 0.45);
  polyline(ctx, xs, points.map((p) => yl(p.loss)));
  ctx.strokeStyle = withAlpha(theme.key, 0.45);
  polyline(ctx, xs, points.map((p) => ya(p.accuracy)));
  ctx.lineWidth = 2;
  ctx.strokeStyle = theme.weight;
  polyline(ctx, xs, points.map((p) => yl(p.heldLoss)));
  ctx.strokeStyle = theme.key;
  polyline(ctx, xs, points.map((p) => ya(p.heldAccuracy)));
  ctx.font = font(theme, 11);
  ctx.fillStyle = theme.weight;
  labels.place(ctx, 'loss (log scale)', [at(f.x0, f.y0 - 3, 'left', 'bottom')]);
  ctx.fillStyle = theme.key;
  labels.place(ctx, 'accuracy', [at(f.x1, f.y0 - 3, 'right', 'bottom')]);
}

/** Gradient norms over steps on a log axis, one line per tensor group ({label, colour: a SERIES index, values}). */
export function drawNorms(canvas, points, groups, maxStep, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const f = frame(w, h, Math.max(maxStep, 1));
  const all = groups.flatMap((g) => g.values).filter((v) => v > 0 && Number.isFinite(v));
  const lo = all.length ? Math.min(...all) * 0.7 : 1e-4, hi = all.length ? Math.max(...all) * 1.4 : 1;
  const y = (v) => f.y1 - ((Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo) || 1)) * (f.y1 - f.y0);
  ctx.strokeStyle = theme.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  const ticks = logTicks(lo, hi);
  for (const t of ticks) { ctx.moveTo(f.x0, y(t)); ctx.lineTo(f.x1, y(t)); }
  ctx.stroke();
  ctx.font = font(theme, 10);
  ctx.fillStyle = theme.muted;
  for (const t of ticks) labels.place(ctx, tickText(t), [at(f.x0 - 4, y(t), 'right', 'middle')]);
  ctx.strokeStyle = theme.border;
  ctx.strokeRect(f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
  stepAxis(ctx, labels, f, maxStep, theme);
  const xs = points.map((p) => f.x(p.step));
  ctx.lineWidth = 2;
  ctx.font = font(theme, 11);
  for (const g of groups) {
    ctx.strokeStyle = SERIES[g.colour % SERIES.length];
    polyline(ctx, xs, g.values.map((v) => (v > 0 ? y(v) : NaN)));
  }
  // The legend above the plot, right to left, each in its line's colour.
  let right = f.x1;
  for (let i = groups.length - 1; i >= 0; i--) {
    ctx.fillStyle = SERIES[groups[i].colour % SERIES.length];
    const box = labels.place(ctx, groups[i].label, [at(right, f.y0 - 3, 'right', 'bottom')]);
    if (box) right = box.x - 8;
  }
  ctx.fillStyle = theme.muted;
  labels.place(ctx, '‖gradient‖ (log scale)', [at(f.x0, f.y0 - 3, 'left', 'bottom')]);
}

/**
 * A signed matrix as cells: positive in the key colour, negative in the weight colour, opacity
 * |v| / max|v|. matrix: {label, shape: [rows, cols], data}.
 */
export function drawMatrix(canvas, { label, shape: [rows, cols], data }, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const top = 16;
  const cell = Math.max(1, Math.min((w - 2) / cols, (h - top - 2) / rows));
  let max = 0;
  for (const v of data) max = Math.max(max, Math.abs(v));
  ctx.fillStyle = theme.bg;
  ctx.fillRect(1, top, cell * cols, cell * rows);
  for (let i = 0; i < rows * cols; i++) {
    const v = data[i];
    ctx.fillStyle = v >= 0 ? theme.key : theme.weight;
    ctx.globalAlpha = max > 0 ? Math.abs(v) / max : 0;
    ctx.fillRect(1 + (i % cols) * cell, top + Math.floor(i / cols) * cell, cell, cell);
  }
  ctx.globalAlpha = 1;
  ctx.strokeStyle = theme.border;
  ctx.strokeRect(1, top, cell * cols, cell * rows);
  ctx.fillStyle = theme.fg;
  ctx.font = font(theme, 11);
  labels.place(ctx, `${label} (${rows}×${cols}), max |w| ${fmt(max, 2)}`, [at(1, top - 3, 'left', 'bottom')]);
}

/** |q_i| and |k_i| by position as paired bars (one bar when tied: q = k). */
export function drawPositionNorms(canvas, { queryNorms, keyNorms }, tied, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const T = queryNorms.length;
  const left = 30, bottom = 18, top = 16;
  const slot = (w - left - 4) / T;
  let max = 0;
  for (let i = 0; i < T; i++) max = Math.max(max, queryNorms[i], keyNorms[i]);
  const y = (v) => h - bottom - (max > 0 ? v / max : 0) * (h - bottom - top);
  const bars = tied ? [[queryNorms, theme.key]] : [[queryNorms, theme.query], [keyNorms, theme.key]];
  const bw = Math.max(1, (slot - 2) / bars.length);
  bars.forEach(([norms, colour], b) => {
    ctx.fillStyle = colour;
    for (let i = 0; i < T; i++) ctx.fillRect(left + i * slot + 1 + b * bw, y(norms[i]), bw, h - bottom - y(norms[i]));
  });
  ctx.strokeStyle = theme.axis;
  ctx.beginPath(); ctx.moveTo(left, h - bottom); ctx.lineTo(w - 4, h - bottom); ctx.stroke();
  ctx.font = font(theme, 10);
  ctx.fillStyle = theme.muted;
  labels.place(ctx, fmt(max, 2), [at(left - 3, top, 'right', 'middle')]);
  labels.place(ctx, '0', [at(left - 3, h - bottom, 'right', 'middle')]);
  for (let i = 0; i < T; i++) labels.place(ctx, String(i), [at(left + (i + 0.5) * slot, h - bottom + 3, 'center', 'top')]);
  ctx.font = font(theme, 11);
  ctx.fillStyle = theme.fg;
  labels.place(ctx, tied ? '|u_i| = |q_i| = |k_i| by position (tied)' : '|q_i| (query colour), |k_i| (key colour) by position',
    [at(left, top - 3, 'left', 'bottom')]);
}

/** Outlines, on a grid drawGrid drew, the cell of each row's answer (answerAt[i] = column, −1: none). */
export function drawAnswers(canvas, { pad, cell }, answerAt, theme) {
  const ctx = canvas.getContext('2d');
  ctx.strokeStyle = theme.fg;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  answerAt.forEach((j, i) => {
    if (j >= 0) ctx.rect(pad + j * cell + 1, pad + i * cell + 1, cell - 2, cell - 2);
  });
  ctx.stroke();
}
