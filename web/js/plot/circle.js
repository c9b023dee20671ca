// The circle panel's keys and weights: the unit circle and its guides, the keys (green),
// each weight as a radial blue offset from its key, long context's density and weight
// rings, RoPE's turns, the key numbers and the lines of text at the top left.
// (The query is query.js; the values and the output values.js.)

import { withAlpha } from './canvas.js';
import { WORLD_EXTENT, queryToScreen, toScreen } from './geometry.js';

/** @typedef {import('./scene.js').Scene} Scene */
/** @typedef {import('./renderer.js').Pen} Pen */

const TAU = Math.PI * 2;
const ROPE_ARC = 0.86;
const LINE = 16;           // px between lines of text    // RoPE's turn arcs, as a fraction of the raw key's radius

/** The radius of a key's dot: smaller as keys get many. */
export const keyDotRadius = (n) => (n > 40 ? 3.5 : n > 20 ? 4.5 : 5.5);

/** The axes, the dashed radius-2 guide and the unit circle. @param {Pen} pen */
export function drawCircleBackground(pen) {
  const { ctx, theme: t, layout: g } = pen;
  const r1 = g.ppu;
  ctx.save();
  // axes
  ctx.strokeStyle = t.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  const ext = WORLD_EXTENT * g.ppu;
  ctx.moveTo(g.cx - ext, g.cy); ctx.lineTo(g.cx + ext, g.cy);
  ctx.moveTo(g.cx, g.cy - ext); ctx.lineTo(g.cx, g.cy + ext);
  ctx.stroke();
  // radius-2 guide: where a weight of 1 puts the blue dot of a unit key
  ctx.setLineDash([3, 5]);
  ctx.strokeStyle = t.grid;
  ctx.beginPath();
  ctx.arc(g.cx, g.cy, 2 * r1, 0, TAU);
  ctx.stroke();
  ctx.setLineDash([]);
  // unit circle
  ctx.strokeStyle = t.circle;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.arc(g.cx, g.cy, r1, 0, TAU);
  ctx.stroke();
  ctx.restore();
}

/** Names the dashed circle of radius 2 (where weight 1 puts a unit key's blue dot). @param {Pen} pen */
export function drawGuideLabel(pen) {
  const { ctx, theme: t, layout: g } = pen;
  const r2 = 2 * g.ppu;
  ctx.save();
  ctx.fillStyle = t.muted;
  ctx.font = `11px ${t.font}`;
  const text = 'r = 2: unit key + weight 1';
  pen.labels.place(ctx, text, [
    { x: g.cx + 5, y: g.cy + r2 - 3, align: 'left', baseline: 'bottom' },
    { x: g.cx - 5, y: g.cy + r2 - 3, align: 'right', baseline: 'bottom' },
    { x: g.cx + 5, y: g.cy - r2 + 3, align: 'left', baseline: 'top' },
    { x: g.cx - 5, y: g.cy - r2 + 3, align: 'right', baseline: 'top' },
  ]);
  ctx.restore();
}

/**
 * RoPE: each raw key (a hollow ring: the handle) with an arc to where the logits see it,
 * turned by position·θ (query.js draws the query's turned copy).
 * @param {Pen} pen
 * @param {Scene} scene
 */
export function drawRopeTurns(pen, scene) {
  const { ctx, theme: t, layout: g } = pen;
  const { n } = scene;
  const raw = scene.rope.givenKeys, keyPos = scene.keys.positions;
  const dotR = keyDotRadius(n);
  ctx.save();
  ctx.strokeStyle = withAlpha(t.key, 0.55);
  ctx.lineWidth = 1;
  ctx.setLineDash([2, 3]);
  ctx.beginPath();
  for (let i = 0; i < n; i++) {
    // the arc from the raw key's angle to the turned key's, just inside the raw key
    // (at its own radius it would hide in the unit circle)
    const r = Math.hypot(raw[2 * i], raw[2 * i + 1]) * g.ppu * ROPE_ARC;
    if (!(r > 0)) continue;
    const a0 = Math.atan2(raw[2 * i + 1], raw[2 * i]);
    // θ >= 0 turns counter-clockwise: the arc goes that way, however far (mod 2π)
    let turn = Math.atan2(keyPos[2 * i + 1], keyPos[2 * i]) - a0;
    while (turn < 0) turn += TAU;
    ctx.moveTo(g.cx + r * Math.cos(a0), g.cy - r * Math.sin(a0));
    ctx.arc(g.cx, g.cy, r, -a0, -(a0 + turn), true);   // canvas y points down: anticlockwise
  }
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.lineWidth = 1.25;
  ctx.strokeStyle = t.key;
  ctx.beginPath();
  for (let i = 0; i < n; i++) {
    const [sx, sy] = toScreen(g, raw[2 * i], raw[2 * i + 1]);
    ctx.moveTo(sx + dotR, sy);
    ctx.arc(sx, sy, dotR, 0, TAU);
    pen.labels.avoidDot(sx, sy, dotR);
  }
  ctx.stroke();
  ctx.restore();
}

/**
 * The keys (green) and each weight as a blue dot offset radially from its key by weight ×
 * 1 unit, with the hover and selection rings.
 * @param {Pen} pen
 * @param {Scene} scene
 */
export function drawKeysAndWeights(pen, scene) {
  const { ctx, theme: t, layout: g } = pen;
  const { n } = scene;
  const keyPos = scene.keys.positions, weights = scene.weights.byKey, argmax = scene.weights.argmax;
  const dotR = keyDotRadius(n);
  ctx.save();
  // blue: radial offset = weight × 1 unit, with a thin connector from the key; a blue dot
  // the query's dot would cover is drawn beside it (moved along the circle, not outward)
  const blue = weights ? blueDots(pen, scene, dotR) : null;
  if (weights) {
    ctx.lineWidth = 1.25;
    for (let i = 0; i < n; i++) {
      const kx = keyPos[2 * i], ky = keyPos[2 * i + 1];
      if (!(Math.hypot(kx, ky) > 0)) continue;
      const [sx, sy] = toScreen(g, kx, ky);
      const ex = blue[2 * i], ey = blue[2 * i + 1];
      ctx.strokeStyle = withAlpha(t.weight, 0.6);
      ctx.beginPath();
      ctx.moveTo(sx, sy);
      ctx.lineTo(ex, ey);
      ctx.stroke();
      ctx.fillStyle = t.weight;
      ctx.beginPath();
      ctx.arc(ex, ey, i === argmax ? dotR + 1 : dotR - 0.5, 0, TAU);
      ctx.fill();
      if (i === argmax) {
        ctx.strokeStyle = t.bg;
        ctx.lineWidth = 1.5;
        ctx.stroke();
        ctx.lineWidth = 1.25;
      }
    }
  }
  // green keys
  for (let i = 0; i < n; i++) {
    const [sx, sy] = toScreen(g, keyPos[2 * i], keyPos[2 * i + 1]);
    ctx.fillStyle = t.key;
    ctx.strokeStyle = t.keyStroke;
    ctx.lineWidth = 1.25;
    ctx.beginPath();
    ctx.arc(sx, sy, dotR, 0, TAU);
    ctx.fill();
    ctx.stroke();
  }
  // every dot is an obstacle for the labels drawn after it
  for (let i = 0; i < n; i++) {
    const kx = keyPos[2 * i], ky = keyPos[2 * i + 1];
    const [sx, sy] = toScreen(g, kx, ky);
    pen.labels.avoidDot(sx, sy, dotR);
    if (blue && Math.hypot(kx, ky) > 0) pen.labels.avoidDot(blue[2 * i], blue[2 * i + 1], dotR);
  }
  // hover / selection rings
  ringKey(pen, scene, scene.ui.selected, t.select, dotR + 5, [3, 2]);
  ringKey(pen, scene, scene.ui.hovered, t.highlight, dotR + 4, []);
  ctx.restore();
}

const QUERY_DOT = 8;   // px: the query dot's radius (query.js)

/**
 * Where each blue dot is drawn (CSS px, x, y per key): key + weight along the key's direction;
 * one the query's dot would cover is moved along its circle (same distance from the centre)
 * until it clears the query's dot.
 * @param {Pen} pen
 * @param {Scene} scene
 */
function blueDots(pen, scene, dotR) {
  const g = pen.layout, { n } = scene;
  const keyPos = scene.keys.positions, weights = scene.weights.byKey;
  const [qx, qy] = queryToScreen(g, scene.query.vector);
  const clear = QUERY_DOT + dotR + 4;
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const kx = keyPos[2 * i], ky = keyPos[2 * i + 1], len = Math.hypot(kx, ky);
    if (!(len > 0)) continue;
    const r = len + weights[i];
    let a = Math.atan2(ky, kx);
    let [x, y] = toScreen(g, r * Math.cos(a), r * Math.sin(a));
    const d = Math.hypot(x - qx, y - qy), rpx = r * g.ppu;
    if (d < clear && rpx > 0) {
      // turn away from the query's side by the angle that puts `clear` px between them
      const qa = Math.atan2(g.cy - qy, qx - g.cx);
      let side = Math.sign(Math.sin(a - qa));
      if (side === 0) side = 1;
      const need = Math.min(Math.PI / 4, 2 * Math.asin(Math.min(1, clear / (2 * rpx))));
      a = qa + side * need;
      [x, y] = toScreen(g, r * Math.cos(a), r * Math.sin(a));
    }
    out[2 * i] = x;
    out[2 * i + 1] = y;
  }
  return out;
}

/** @param {Pen} pen @param {Scene} scene */
function ringKey(pen, scene, index, color, radius, dash) {
  if (index == null || index < 0 || index >= scene.n) return;
  const { ctx } = pen;
  const [sx, sy] = toScreen(pen.layout, scene.keys.positions[2 * index], scene.keys.positions[2 * index + 1]);
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.setLineDash(dash);
  ctx.beginPath();
  ctx.arc(sx, sy, radius, 0, TAU);
  ctx.stroke();
  ctx.restore();
}

/**
 * Long context: keys as a density ring, weights as a blue ring per angle bin.
 * @param {Pen} pen
 * @param {Scene} scene
 */
export function drawLongRing(pen, scene) {
  const { ctx, theme: t, layout: g } = pen;
  const { bins } = scene.long;
  if (!bins) return;
  const B = bins.B;
  let maxCount = 0, maxW = 0;
  for (let b = 0; b < B; b++) {
    if (bins.count[b] > maxCount) maxCount = bins.count[b];
    if (bins.wsum[b] > maxW) maxW = bins.wsum[b];
  }
  ctx.save();
  // green density ring: opacity ∝ keys per bin
  ctx.lineWidth = 9;
  ctx.lineCap = 'butt';
  for (let b = 0; b < B; b++) {
    if (!bins.count[b]) continue;
    const a0 = -Math.PI + (b / B) * TAU, a1 = -Math.PI + ((b + 1) / B) * TAU;
    ctx.strokeStyle = withAlpha(t.key, 0.2 + 0.8 * (bins.count[b] / maxCount));
    ctx.beginPath();
    // canvas angles run clockwise (y down): negate
    ctx.arc(g.cx, g.cy, g.ppu, -a1, -a0);
    ctx.stroke();
  }
  // blue ring: weight per bin, the largest bin at 1 unit
  if (scene.weights.byKey && maxW > 0) {
    ctx.beginPath();
    for (let b = 0; b <= B; b++) {
      const bb = b % B;
      const a = -Math.PI + ((bb + 0.5) / B) * TAU;
      const r = (1 + bins.wsum[bb] / maxW) * g.ppu;   // toScreen, without an array per point
      const x = g.cx + r * Math.cos(a), y = g.cy - r * Math.sin(a);
      if (b === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      if (b % 3 === 0 && r > 1.5 * g.ppu) pen.labels.avoidDot(x, y, 3);   // labels keep off the ring's peaks
    }
    ctx.closePath();
    ctx.strokeStyle = t.weight;
    ctx.lineWidth = 2;
    ctx.stroke();
    // fill only the band between the unit circle and the blue curve
    ctx.moveTo(g.cx + g.ppu, g.cy);
    ctx.arc(g.cx, g.cy, g.ppu, 0, TAU, true);
    ctx.fillStyle = withAlpha(t.weight, 0.2);
    ctx.fill('evenodd');
  }
  // hovered / argmax key marker
  const mark = (index, color) => {
    if (index == null || index < 0 || index >= scene.n) return;
    const [sx, sy] = toScreen(g, scene.keys.positions[2 * index], scene.keys.positions[2 * index + 1]);
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(sx, sy, 7, 0, TAU);
    ctx.stroke();
  };
  mark(scene.weights.argmax, t.weight);
  mark(scene.ui.hovered, t.highlight);
  ctx.restore();
}

/**
 * Key numbers (up to 24 keys, or only the hovered/selected one), just inside each key.
 * @param {Pen} pen
 * @param {Scene} scene
 */
export function drawKeyLabels(pen, scene) {
  const { ctx, theme: t, layout: g } = pen;
  const { n } = scene;
  const keyPos = scene.keys.positions, { selected, hovered } = scene.ui;
  ctx.save();
  ctx.fillStyle = t.muted;
  ctx.font = `10px ${t.font}`;
  const one = (i) => {
    const kx = keyPos[2 * i], ky = keyPos[2 * i + 1];
    const len = Math.hypot(kx, ky);
    if (!(len > 0)) return;
    const [sx, sy] = toScreen(g, kx, ky);
    const ux = kx / len, uy = -ky / len;   // screen direction away from the origin
    const cands = [14, -16].map((d) => ({ x: sx - ux * d, y: sy - uy * d, align: 'center', baseline: 'middle' }));
    cands.push({ x: sx + 10, y: sy - 10, align: 'left', baseline: 'bottom' }, { x: sx - 10, y: sy + 10, align: 'right', baseline: 'top' });
    pen.labels.place(ctx, String(i), cands);
  };
  for (const i of [selected, hovered]) if (i >= 0 && i < n) one(i);
  if (n <= 24) for (let i = 0; i < n; i++) if (i !== selected && i !== hovered) one(i);
  ctx.restore();
}

/**
 * The lines of text at the circle panel's top left: κ, φ and n, how to read the weights,
 * and a line for each setting that changes the picture. Returns their boxes.
 * @param {Pen} pen
 * @param {Scene} scene
 */
export function drawCircleLabels(pen, scene) {
  const { ctx, theme: t, layout: g } = pen;
  const { query: q, normaliser: z, rope } = scene;
  ctx.save();
  ctx.font = `12px ${t.font}`;
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  const x = g.pad + 2;
  let y = g.pad;
  const lines = [
    [t.fg, `κ = |q|·scale = ${fmtKappa(q.length)} × ${fmtScale(q.scale)} = ${fmtKappa(q.kappa)}`],
    [t.muted, `query angle φ = ${q.angleDeg.toFixed(1)}°   n = ${scene.n.toLocaleString('en-US')}`],
  ];
  if (scene.long) lines.push([t.weight, `blue ring: weight per ${(360 / scene.long.bins.B).toFixed(0)}° bin, largest bin = 1 unit`]);

  if (!scene.keys.normalized) lines.push([t.muted, 'keys not normalised: length counts']);
  if (q.scale < 0) lines.push([t.muted, 'scale < 0: q looks the other way (dashed)']);
  if (z.alpha > 1) lines.push([t.muted, `${z.alpha >= 2 ? 'sparsemax' : `${z.alpha}-entmax`}: hollow dots get exactly 0`]);
  if (z.kernel === 'elu+1') lines.push([t.muted, 'linear attention (elu+1): |q| barely sharpens it']);
  if (z.kernel === 'favor+') lines.push([t.muted, `favor+: ${z.features} random features approximate softmax`]);
  if (rope) {
    lines.push([t.muted, `RoPE: key i turns i·θ, q turns ${rope.queryPosition}·θ, θ = ${rope.theta}`]);
    if (!scene.long) lines.push([t.muted, 'rings: keys as given; ◯: q turned']);
  }
  if (z.sink) lines.push([t.output, `sink takes ${scene.weights.sink.toFixed(3)} of the weight`]);
  if (scene.weights.stale) lines.push([t.output, 'core error: showing the last valid weights']);
  const placed = [];
  for (const [color, text] of lines) {
    ctx.fillStyle = color;
    const box = pen.labels.place(ctx, text, [{ x, y, align: 'left', baseline: 'top' }], { bounds: g.circle });
    if (box) placed.push(box);
    y += 16;
  }
  // a margin the plot's own labels keep from the header (tick labels read as part of it otherwise)
  for (const b of placed) pen.labels.avoid(b.x - 2, b.y - 2, b.w + 4, b.h + 4);
  ctx.restore();
  return placed;
}

/**
 * What distance from the centre means for each kind of dot, in two lines: under the circle
 * (bottom left, else bottom right) where they fit, else at the top left under the other lines.
 * @param {Pen} pen
 * @param {Scene} scene
 */
export function drawDistanceLegend(pen, scene) {
  const { ctx, theme: t, layout: g } = pen;
  const lines = [
    [t.weight, scene.long ? 'from 0: keys on the ring, blue = 1 + bin weight' : 'from 0: key = its length, blue = key + weight'],
    [t.muted, 'q: |q| up to 1.5, log scale beyond (ticks: κ)'],
  ];
  const b = g.circle, bottom = Math.min(b.y + b.h - 4, g.cy + g.size / 2 - 2);
  const left = g.pad + 2, right = b.x + b.w - g.pad - 2;
  ctx.save();
  ctx.font = `12px ${t.font}`;
  lines.forEach(([color, text], i) => {
    const up = (lines.length - 1 - i) * LINE;
    const at = [
      { x: left, y: bottom - up, align: 'left', baseline: 'bottom' },
      { x: right, y: bottom - up, align: 'right', baseline: 'bottom' },
    ];
    for (let k = 0; k < 10; k++) at.push({ x: left, y: g.pad + (k + i) * LINE, align: 'left', baseline: 'top' });
    ctx.fillStyle = color;
    pen.labels.place(ctx, text, at, { bounds: b });
  });
  ctx.restore();
}

/** κ and |q| for labels: 2 decimals while small, whole numbers from 100. */
export function fmtKappa(v) {
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
}

function fmtScale(s) {
  if (Math.abs(s - Math.SQRT1_2) < 1e-12) return '0.71 (1/√2)';
  return s.toFixed(2);
}
