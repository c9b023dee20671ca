// The strip: the same weights along a line (x = key angle in [−π, π], y = weight), with the
// strip's curve (and its Gaussian approximation) on the same axis, plain softmax's weights
// beside them (compare), the query's direction and the sink's own bar. Returns the axis and
// each dot's place, for the next hit test.

import { withAlpha } from './canvas.js';

/** @typedef {import('./scene.js').Scene} Scene */
/** @typedef {import('./scene.js').Curve} Curve */
/** @typedef {import('./renderer.js').Pen} Pen */

const TAU = Math.PI * 2;
const LEGEND_LINE = 16;   // px between the strip legend's lines (the labels keep a gap between them)

/**
 * @typedef {object} StripAxes  the strip's scales in one frame
 * @property {number} yMax
 * @property {(angle: number) => number} x   angle → CSS px
 * @property {(value: number) => number} y   weight → CSS px
 */

/**
 * @typedef {object} StripFrame  what the strip leaves for the hit test
 * @property {number} yMax           the weight at the top of the axis
 * @property {Float64Array} dots     each key's dot (CSS px, x, y per key); empty in long context or without weights
 */

/**
 * Draws the strip. `gutter`: px kept at its right end for the sink's bar (0: none).
 * @param {Pen} pen
 * @param {Scene} scene
 * @returns {StripFrame}
 */
export function drawStrip(pen, scene, gutter) {
  const { ctx, layout: g } = pen;
  const s = g.strip;
  pen.labels.bounds = { x: s.left, y: s.top - 4, w: g.w - s.left, h: g.h - s.top + 4 };
  const yMax = axisMax(scene, gutter);
  const axes = {
    yMax,
    x: (angle) => s.x0 + ((angle + Math.PI) / TAU) * (s.x1 - gutter - s.x0),
    y: (value) => s.y1 - (value / yMax) * (s.y1 - s.y0),
  };
  ctx.save();
  drawGrid(pen, axes);
  drawLegend(pen, scene);
  drawQueryMarker(pen, scene, axes);
  drawCurve(pen, axes, scene.strip.curve, pen.theme.curve, [], 1.5);
  drawCurve(pen, axes, scene.strip.gaussian, pen.theme.gauss, [6, 4], 2);
  const dots = drawDots(pen, scene, axes);
  if (gutter) drawSinkBar(pen, scene, axes);
  ctx.restore();
  return { yMax, dots };
}

/** The y axis' top: the weights and the curves share one axis. @param {Scene} scene */
function axisMax(scene, gutter) {
  const { n } = scene;
  const weights = scene.weights.byKey, softmax = scene.weights.softmax, { curve, gaussian, curveKind } = scene.strip;
  let ymax = 0;
  const pts = scene.long ? scene.long.binMeans : null;
  if (scene.long && pts) {
    for (let i = 0; i < pts.y.length; i++) if (pts.y[i] > ymax) ymax = pts.y[i];
  } else if (weights) {
    for (let i = 0; i < n; i++) if (weights[i] > ymax) ymax = weights[i];
    if (softmax) for (let i = 0; i < n; i++) if (softmax[i] > ymax) ymax = softmax[i];
    if (gutter && scene.weights.sink > ymax) ymax = scene.weights.sink;
  }
  const dotMax = ymax;
  // The axis fits the curves as well as the dots, so the curve's peak (where the query looks)
  // stays in the frame. Only the unit-key curve can pass 1 (a key there would take more than
  // all the others together); the axis stops at 1 and such a peak is drawn flat along the top.
  for (const c of [curve, gaussian]) {
    if (c) for (let i = 0; i < c.y.length; i++) if (c.y[i] > ymax && Number.isFinite(c.y[i])) ymax = c.y[i];
  }
  if (curveKind !== 'vonmises') ymax = Math.min(ymax, Math.max(1, dotMax));
  if (!(ymax > 0) && curve) ymax = 1;
  // weights never exceed 1: a top weight near 1 gets the axis [0, 1]
  return ymax <= 1 && ymax > 0.9 ? 1 : niceCeil(ymax * 1.08 || 1);
}

/** Frame, grid lines and tick labels. @param {Pen} pen @param {StripAxes} axes */
function drawGrid(pen, axes) {
  const { ctx, theme: t } = pen;
  const s = pen.layout.strip, yMax = axes.yMax;
  ctx.strokeStyle = t.grid;
  ctx.lineWidth = 1;
  ctx.font = `11px ${t.font}`;
  ctx.fillStyle = t.muted;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const f of [0, 0.5, 1]) {
    const yv = yMax * f;
    const y = Math.round(axes.y(yv)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(s.x0, y); ctx.lineTo(s.x1, y);
    ctx.stroke();
    pen.labels.place(ctx, formatTick(yv), [{ x: s.x0 - 5, y, align: 'right', baseline: 'middle' }]);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  /** @type {[number, string][]} */
  const ticks = [[-Math.PI, '−π'], [-Math.PI / 2, '−π/2'], [0, '0'], [Math.PI / 2, 'π/2'], [Math.PI, 'π']];
  for (const [a, label] of ticks) {
    const x = Math.round(axes.x(a)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, s.y0); ctx.lineTo(x, s.y1 + 3);
    ctx.stroke();
    pen.labels.place(ctx, label, [{ x, y: s.y1 + 10, align: 'center', baseline: 'top' }]);
  }
}

/**
 * The title, then the legend flowing after it like text: each piece on the current line if
 * it fits, else on the next; a piece that finds no room above the plot is left out.
 * @param {Pen} pen
 * @param {Scene} scene
 */
function drawLegend(pen, scene) {
  const { ctx, theme: t, layout: g } = pen;
  const s = g.strip, { curveKind, curveNote, gaussian, gaussianNote } = scene.strip;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillStyle = t.fg;
  ctx.font = `600 12px ${t.font}`;
  const title = scene.long ? 'weights along a line (mean per bin)' : 'weights along a line';
  pen.labels.place(ctx, title, [{ x: s.x0, y: s.top, align: 'left', baseline: 'top' }]);
  const tw = ctx.measureText(title).width;
  ctx.font = `11px ${t.font}`;
  ctx.fillStyle = t.muted;
  const pieces = [
    scene.rope ? 'x = turned key angle, y = weight' : 'x = key angle, y = weight',
    curveKind === 'vonmises' ? '— von Mises density · 2π/n' : '— weight of a unit key at that angle',
  ];
  if (curveNote) pieces[1] = curveNote;
  if (scene.weights.softmax && !scene.long) pieces.splice(1, 0, '○ softmax');   // before the curve: it may not fit
  else if (curveKind !== 'vonmises' && !scene.keys.normalized) pieces.push('(longer keys sit above it)');
  if (gaussian) pieces.push('- - Gaussian approx.');
  else if (gaussianNote) pieces.push(gaussianNote);
  const bounds = { x: s.left, y: s.top - 2, w: g.w - s.left, h: s.y0 - s.top - 2 };
  let cx = s.x0 + tw + 10, cy = s.top + 1;
  for (const text of pieces) {
    const box = pen.labels.place(ctx, text, [
      { x: cx, y: cy, align: 'left', baseline: 'top' },
      { x: s.x0, y: cy + LEGEND_LINE, align: 'left', baseline: 'top' },
    ], { bounds });
    if (!box) continue;
    if (box.y >= cy + LEGEND_LINE - 1) cy += LEGEND_LINE;   // it went to the next line
    cx = box.x + box.w + 8;
  }
}

/** A dashed line at the angle the query looks at. @param {Pen} pen @param {Scene} scene @param {StripAxes} axes */
function drawQueryMarker(pen, scene, axes) {
  const { ctx, theme: t } = pen;
  const s = pen.layout.strip;
  const phi = scene.query.seenAngle;
  const markAngle = scene.query.scale < 0 ? wrapAngle(phi + Math.PI) : phi;
  const mx = axes.x(markAngle);
  ctx.strokeStyle = withAlpha(t.query === '#000000' ? '#000000' : t.query, 0.45);
  ctx.setLineDash([2, 3]);
  ctx.beginPath();
  ctx.moveTo(mx, s.y0 - 4); ctx.lineTo(mx, s.y1);
  ctx.stroke();
  ctx.setLineDash([]);
}

/** @param {Pen} pen @param {StripAxes} axes @param {Curve|null} c */
function drawCurve(pen, axes, c, color, dash, width) {
  if (!c) return;
  const { ctx } = pen;
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.beginPath();
  let started = false;
  for (let i = 0; i < c.angles.length; i++) {
    const v = c.y[i];
    if (!Number.isFinite(v)) { started = false; continue; }
    // past the axis' top (a unit-key curve above 1): along the frame's top edge, never outside
    const x = axes.x(c.angles[i]), y = axes.y(Math.min(v, axes.yMax));
    if (!started) { ctx.moveTo(x, y); started = true; } else ctx.lineTo(x, y);
  }
  ctx.stroke();
  ctx.setLineDash([]);
}

/**
 * The orange dots: one per key (hollow where entmax gave exactly 0), or one per bin in long
 * context; the selection and hover rings. Returns each key's dot (empty for the bins).
 * @param {Pen} pen
 * @param {Scene} scene
 * @param {StripAxes} axes
 */
function drawDots(pen, scene, axes) {
  const { ctx, theme: t } = pen;
  const { n } = scene;
  const weights = scene.weights.byKey, angles = scene.keys.angles;
  ctx.fillStyle = t.strip;
  ctx.strokeStyle = t.stripStroke;
  ctx.lineWidth = 1;
  const pts = scene.long ? scene.long.binMeans : null;
  if (scene.long && pts) {
    const r = 2.2;
    for (let i = 0; i < pts.x.length; i++) {
      if (!(pts.y[i] >= 0)) continue;
      ctx.beginPath();
      ctx.arc(axes.x(pts.x[i]), axes.y(pts.y[i]), r, 0, TAU);
      ctx.fill();
      ctx.stroke();
    }
    return new Float64Array(0);
  }
  if (!weights) return new Float64Array(0);
  const r = n > 40 ? 3.5 : 4.5;
  const dots = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) { dots[2 * i] = axes.x(angles[i]); dots[2 * i + 1] = axes.y(weights[i]); }
  // One path for the dots with weight and one for the keys entmax and sparsemax gave
  // exactly 0 (hollow: an empty slot on the line).
  for (const hollow of [false, true]) {
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      if ((weights[i] === 0) !== hollow) continue;
      const x = dots[2 * i], y = dots[2 * i + 1], rr = i === scene.weights.argmax ? r + 1 : r;
      ctx.moveTo(x + rr, y);
      ctx.arc(x, y, rr, 0, TAU);
    }
    if (!hollow) ctx.fill();
    ctx.stroke();
  }
  if (scene.weights.softmax) drawCompare(pen, scene, axes, r);
  /** @type {[number, string][]} */
  const rings = [[scene.ui.selected, t.select], [scene.ui.hovered, t.highlight]];
  for (const [idx, color] of rings) {
    if (idx == null || idx < 0 || idx >= n) continue;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(dots[2 * idx], dots[2 * idx + 1], r + 4, 0, TAU);
    ctx.stroke();
    ctx.restore();
  }
  return dots;
}

/**
 * Plain softmax's weights beside the current ones: a grey ring per key, a line to its dot.
 * @param {Pen} pen
 * @param {Scene} scene
 * @param {StripAxes} axes
 */
function drawCompare(pen, scene, axes, r) {
  const { ctx, theme: t } = pen;
  const { n } = scene;
  const compare = scene.weights.softmax, weights = scene.weights.byKey, angles = scene.keys.angles;
  ctx.save();
  ctx.strokeStyle = withAlpha(t.muted, 0.8);
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let i = 0; i < n; i++) {
    const x = axes.x(angles[i]), y0 = axes.y(weights[i]), y1 = axes.y(compare[i]);
    if (Math.abs(y1 - y0) > r + 2) {
      ctx.moveTo(x, y0 + Math.sign(y1 - y0) * r);
      ctx.lineTo(x, y1 - Math.sign(y1 - y0) * (r - 1));
    }
  }
  ctx.stroke();
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  for (let i = 0; i < n; i++) {
    const x = axes.x(angles[i]), y = axes.y(compare[i]);
    ctx.moveTo(x + r - 1, y);
    ctx.arc(x, y, r - 1, 0, TAU);
  }
  ctx.stroke();
  ctx.restore();
}

/**
 * The sink's share as its own bar at the strip's right end, on the weights' axis.
 * @param {Pen} pen
 * @param {Scene} scene
 * @param {StripAxes} axes
 */
function drawSinkBar(pen, scene, axes) {
  const { ctx, theme: t } = pen;
  const s = pen.layout.strip, yMax = axes.yMax, sink = scene.weights.sink;
  const x = s.x1 - 16, w = 12;
  const y0 = axes.y(0), y1 = axes.y(Math.min(sink, yMax));
  ctx.save();
  ctx.fillStyle = withAlpha(t.output, 0.85);
  ctx.fillRect(x - w / 2, y1, w, Math.max(1, y0 - y1));
  ctx.fillStyle = t.output;
  ctx.font = `11px ${t.font}`;
  pen.labels.place(ctx, 'sink', [{ x, y: s.y1 + 10, align: 'center', baseline: 'top' }]);
  pen.labels.place(ctx, sink.toFixed(2), [
    { x, y: y1 - 3, align: 'center', baseline: 'bottom' },
    { x, y: y1 + 3, align: 'center', baseline: 'top' },
  ]);
  ctx.restore();
}

/** "Nice" upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten. */
function niceCeil(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v * (1 - 1e-9)) return m * p;
  return 10 * p;
}

function formatTick(v) {
  if (v === 0) return '0';
  if (v >= 0.1) return v.toFixed(v >= 1 ? 0 : (Math.abs(v * 10 - Math.round(v * 10)) < 1e-9 ? 1 : 2));
  const digits = Math.max(0, -Math.floor(Math.log10(v)) + 1);
  return v.toFixed(Math.min(digits, 6));
}

function wrapAngle(a) {
  while (a > Math.PI) a -= TAU;
  while (a < -Math.PI) a += TAU;
  return a;
}
