// The query on the circle panel: its line from the origin, the κ scale along its ray, the
// dot and its label, and (RoPE) the query as the logits see it.

import { QUERY_LINEAR, WORLD_EXTENT, queryRadius, queryToScreen, toScreen } from './geometry.js';
import { fmtKappa } from './circle.js';
import { withAlpha } from './canvas.js';

/** @typedef {import('./scene.js').Scene} Scene */
/** @typedef {import('./renderer.js').Pen} Pen */

const TAU = Math.PI * 2;
const KAPPA_TICKS = [2, 10, 100, 1000];
const LINE_STEP = 10;     // px between the obstacles that keep labels off the query's line

/**
 * The query's line from the origin (and, for a negative scale, the direction softmax looks
 * at, dashed); labels keep off it.
 * @param {Pen} pen
 * @param {Scene} scene
 */
export function drawQueryLine(pen, scene) {
  const { ctx, theme: t, layout: g } = pen;
  const q = scene.query;
  const [qx, qy] = queryToScreen(g, q.vector);
  ctx.save();
  ctx.strokeStyle = t.query;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(g.cx, g.cy);
  ctx.lineTo(qx, qy);
  ctx.stroke();
  // Labels keep off the query's line: small obstacles every LINE_STEP px along it.
  const len = Math.hypot(qx - g.cx, qy - g.cy), steps = Math.floor(len / LINE_STEP);
  for (let i = 0; i < steps; i++) {
    pen.labels.avoidDot(g.cx + ((qx - g.cx) * i) / steps, g.cy + ((qy - g.cy) * i) / steps, 1.5);
  }
  // For a negative scale the softmax looks the other way: show that direction dashed.
  if (q.scale < 0 && q.length > 0) {
    const ux = q.vector[0] / q.length, uy = q.vector[1] / q.length;
    const [fx, fy] = toScreen(g, -ux * 1.0, -uy * 1.0);
    ctx.setLineDash([4, 4]);
    ctx.lineWidth = 1.25;
    ctx.beginPath();
    ctx.moveTo(g.cx, g.cy);
    ctx.lineTo(fx, fy);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.restore();
}

/**
 * κ ticks along the query's ray (the length scale is linear to |q| = 1.5, log beyond):
 * the dotted ray and the tick marks, drawn under the labels (whose halo keeps them readable).
 * Returns where each tick's label may go, for drawKappaLabels.
 * @param {Pen} pen
 * @param {Scene} scene
 * @param {{x: number, y: number, w: number, h: number}[]} [headerBoxes]  the panel's header lines (kept clear)
 */
export function drawKappaRay(pen, scene, headerBoxes = []) {
  const { ctx, theme: t, layout: g } = pen;
  const q = scene.query;
  const len = q.length;
  const ux = len > 0 ? q.vector[0] / len : Math.cos(q.angle), uy = len > 0 ? q.vector[1] / len : Math.sin(q.angle);
  ctx.save();
  ctx.strokeStyle = t.muted;
  ctx.lineWidth = 1;
  // the ray past the dot, dotted: how far the query can still go
  const [ex, ey] = toScreen(g, ux * (WORLD_EXTENT - 0.05), uy * (WORLD_EXTENT - 0.05));
  const [qx, qy] = queryToScreen(g, q.vector);
  // Dotted (a dot every 5 px), and not across the panel's header lines: on a small plot the ray
  // runs under them.
  const inHeader = (x, y) => headerBoxes.some((b) => x > b.x - 3 && x < b.x + b.w + 3 &&
    y > b.y - 2 && y < b.y + b.h + 2);
  const L = Math.hypot(ex - qx, ey - qy) || 1, dx = (ex - qx) / L, dy = (ey - qy) / L;
  ctx.beginPath();
  for (let s = 0; s < L; s += 5) {
    const x = qx + dx * s, y = qy + dy * s;
    if (!inHeader(x, y)) { ctx.moveTo(x, y); ctx.lineTo(x + dx, y + dy); }
  }
  ctx.stroke();
  ctx.setLineDash([]);
  const nx = -uy, ny = ux;   // perpendicular (world), for the tick marks
  const spots = [];
  ctx.beginPath();
  for (const v of KAPPA_TICKS) {
    const r = queryRadius(v);
    const [sx, sy] = toScreen(g, ux * r, uy * r);
    const [ax, ay] = toScreen(g, ux * r + nx * 0.035, uy * r + ny * 0.035);
    const [bx, by] = toScreen(g, ux * r - nx * 0.035, uy * r - ny * 0.035);
    if (inHeader(sx, sy)) continue;
    ctx.moveTo(ax, ay);
    ctx.lineTo(bx, by);
    const k = v * q.scale;
    const tl = Math.hypot(ax - sx, ay - sy) || 1, off = 9;
    spots.push({
      text: `${Math.abs(k) >= 10 ? k.toFixed(0) : +k.toFixed(2)}`,
      at: [
        { x: sx + ((ax - sx) / tl) * off, y: sy + ((ay - sy) / tl) * off, align: 'center', baseline: 'middle' },
        { x: sx - ((ax - sx) / tl) * off, y: sy - ((ay - sy) / tl) * off, align: 'center', baseline: 'middle' },
      ],
    });
  }
  // the break where the drawn length turns logarithmic: a longer tick, "log" beside it
  {
    const r = queryRadius(QUERY_LINEAR), d = 0.06;
    const [sx, sy] = toScreen(g, ux * r, uy * r);
    const [ax, ay] = toScreen(g, ux * r + nx * d, uy * r + ny * d);
    const [bx, by] = toScreen(g, ux * r - nx * d, uy * r - ny * d);
    ctx.moveTo(ax, ay);
    ctx.lineTo(bx, by);
    const tl = Math.hypot(ax - sx, ay - sy) || 1, along = (off) => [((ax - sx) / tl) * off, ((ay - sy) / tl) * off];
    const at = [];
    for (const off of [14, -14, 22, -22]) {
      const [ox, oy] = along(off);
      at.push({ x: sx + ox, y: sy + oy, align: 'center', baseline: 'middle' });
    }
    spots.unshift({ text: 'log', at });
  }
  ctx.stroke();
  ctx.restore();
  return spots;
}

/** Each tick's κ, where a label still fits (after the more important labels). @param {Pen} pen */
export function drawKappaLabels(pen, spots) {
  const { ctx, theme: t } = pen;
  ctx.save();
  ctx.fillStyle = t.muted;
  ctx.font = `10px ${t.font}`;
  for (const spot of spots) pen.labels.place(ctx, spot.text, spot.at);
  ctx.restore();
}

/**
 * RoPE: the query as the logits see it, turned by its position (a ring on the unit circle, over the keys).
 * @param {Pen} pen
 * @param {Scene} scene
 */
export function drawTurnedQuery(pen, scene) {
  const { ctx, theme: t, layout: g } = pen;
  const [x, y] = scene.rope.turnedQuery, len = Math.hypot(x, y);
  if (!(len > 0)) return;
  const [rx, ry] = toScreen(g, x / len, y / len);
  ctx.save();
  ctx.strokeStyle = t.query;
  ctx.lineWidth = 1.25;
  ctx.setLineDash([3, 3]);
  ctx.beginPath();
  ctx.moveTo(g.cx, g.cy);
  ctx.lineTo(rx, ry);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.strokeStyle = t.bg;       // a halo, so the ring reads on top of a key
  ctx.lineWidth = 4.5;
  ctx.beginPath();
  ctx.arc(rx, ry, 9, 0, TAU);
  ctx.stroke();
  ctx.strokeStyle = t.query;
  ctx.lineWidth = 2;
  ctx.stroke();
  pen.labels.avoidDot(rx, ry, 9);
  ctx.restore();
}

/** The query's dot (with a ring while dragged). @param {Pen} pen @param {Scene} scene */
export function drawQuery(pen, scene) {
  const { ctx, theme: t } = pen;
  const [qx, qy] = queryToScreen(pen.layout, scene.query.vector);
  ctx.save();
  ctx.fillStyle = t.query;
  ctx.strokeStyle = t.bg;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.arc(qx, qy, 8, 0, TAU);
  ctx.fill();
  ctx.stroke();
  if (scene.ui.queryActive) {
    ctx.strokeStyle = t.query;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.arc(qx, qy, 13, 0, TAU);
    ctx.stroke();
  }
  ctx.restore();
  pen.labels.avoidDot(qx, qy, 9);
}

/**
 * "q  κ = …" beside the query dot, pushed away from the origin where there is room.
 * @param {Pen} pen
 * @param {Scene} scene
 */
export function drawQueryLabel(pen, scene) {
  const { ctx, theme: t, layout: g } = pen;
  const q = scene.query;
  const [qx, qy] = queryToScreen(g, q.vector);
  const len = q.length || 1;
  const ux = q.length > 0 ? q.vector[0] / len : 1, uy = q.length > 0 ? q.vector[1] / len : 0;
  ctx.save();
  ctx.font = `600 13px ${t.font}`;
  ctx.fillStyle = t.fg;
  const k = `κ = ${fmtKappa(q.kappa)}`;
  const out = ux >= 0 ? 'left' : 'right';
  const text = ux >= 0 ? `q   ${k}` : `${k}   q`;
  pen.labels.place(ctx, text, [
    { x: qx + ux * 18, y: qy - uy * 18, align: out, baseline: 'middle' },
    { x: qx, y: qy - 16, align: 'center', baseline: 'bottom' },
    { x: qx, y: qy + 16, align: 'center', baseline: 'top' },
    { x: qx - ux * 18, y: qy + uy * 18, align: out === 'left' ? 'right' : 'left', baseline: 'middle' },
    { x: qx + 14, y: qy + 14, align: 'left', baseline: 'top' },
    { x: qx - 14, y: qy + 14, align: 'right', baseline: 'top' },
    { x: qx + 14, y: qy - 14, align: 'left', baseline: 'bottom' },
    { x: qx - 14, y: qy - 14, align: 'right', baseline: 'bottom' },
    { x: qx, y: qy + 30, align: 'center', baseline: 'top' },
    { x: qx, y: qy - 30, align: 'center', baseline: 'bottom' },
  ], { bounds: { x: g.circle.x + 2, y: 2, w: g.circle.w - 4, h: g.circle.h - 4 } });
  ctx.restore();
}

/**
 * The query's radius on the circle: the arc it gathers from (where a unit key's weight is at
 * least half the largest: the scene's halfArc, read off the core's curve), shaded along the
 * unit circle under the keys, with a mark at each end.
 * @param {Pen} pen
 * @param {Scene} scene
 */
export function drawHalfArc(pen, scene) {
  const arc = scene.strip.halfArc;
  if (!arc) return;
  const { ctx, theme: t, layout: g } = pen;
  const r = g.ppu;
  ctx.save();
  ctx.strokeStyle = withAlpha(t.query, 0.2);
  ctx.lineWidth = 9;
  ctx.lineCap = 'butt';
  ctx.beginPath();
  // world angles run counter-clockwise, the canvas' clockwise (y down)
  if (arc.width >= TAU) ctx.arc(g.cx, g.cy, r, 0, TAU);
  else ctx.arc(g.cx, g.cy, r, -arc.from, -arc.to, true);
  ctx.stroke();
  if (arc.width < TAU) {
    ctx.strokeStyle = withAlpha(t.query, 0.7);
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (const a of [arc.from, arc.to]) {
      const [ax, ay] = toScreen(g, 0.9 * Math.cos(a), 0.9 * Math.sin(a));
      const [bx, by] = toScreen(g, 1.1 * Math.cos(a), 1.1 * Math.sin(a));
      ctx.moveTo(ax, ay);
      ctx.lineTo(bx, by);
    }
    ctx.stroke();
  }
  ctx.restore();
}

/** The arc's width and the Gaussian's σ ≈ 1/√κ (both in degrees), as the label says them. @param {Scene} scene */
export function halfArcText(scene) {
  const arc = scene.strip.halfArc;
  if (!arc) return '';
  if (arc.width >= TAU) return '½-weight arc: the whole circle';
  const deg = (v) => `${Math.round(v * 180 / Math.PI)}°`;
  const k = scene.query.kappa;
  return `½-weight arc ${deg(arc.width)}${k > 0 ? `, σ ≈ 1/√κ = ${deg(1 / Math.sqrt(k))}` : ''}`;
}

/**
 * The arc's label: beside one of its ends or its middle, inside the circle or just outside.
 * @param {Pen} pen
 * @param {Scene} scene
 */
export function drawHalfArcLabel(pen, scene) {
  const arc = scene.strip.halfArc;
  if (!arc) return;
  const { ctx, theme: t, layout: g } = pen;
  const text = halfArcText(scene);
  const mid = arc.width >= TAU ? scene.query.seenAngle : (arc.from + arc.to) / 2;
  const outer = [], inner = [];
  for (const rr of [1.3, 1.55, 0.72, 0.45]) {
    for (const a of [arc.to, arc.from, mid + Math.PI / 2, mid - Math.PI / 2, mid + Math.PI]) {
      const [x, y] = toScreen(g, rr * Math.cos(a), rr * Math.sin(a));
      // outside the circle: beside the point, away from the centre; inside: centred on it
      const side = Math.abs(Math.cos(a)) < 0.35 ? 'center' : Math.cos(a) > 0 ? 'left' : 'right';
      (rr > 1 ? outer : inner).push({ x, y, align: rr > 1 ? side : 'center', baseline: 'middle' });
    }
  }
  // the circle panel's corners
  const b = g.circle, y = Math.min(b.y + b.h - 6, g.cy + g.size / 2 - 4), right = b.x + b.w - g.pad - 2;
  const corners = [{ x: right, y, align: 'right', baseline: 'bottom' }, { x: right, y: y - 34, align: 'right', baseline: 'bottom' },
    { x: right, y: b.y + g.pad, align: 'right', baseline: 'top' }, { x: b.x + g.pad + 2, y, align: 'left', baseline: 'bottom' }];
  ctx.save();
  ctx.font = `11px ${t.font}`;
  ctx.fillStyle = t.fg;
  // First a place outside the circle and off both axes, beside the arc; then a corner of the
  // panel; only then on an axis or inside the circle (the text reads better off the lines).
  const w = ctx.measureText(text).width;
  const offAxes = (c) => {
    const x0 = c.x - (c.align === 'center' ? w / 2 : c.align === 'right' ? w : 0);
    return Math.abs(c.y - g.cy) > 9 && (x0 > g.cx + 2 || x0 + w < g.cx - 2);   // (each spot is ~14 px high, centred)
  };
  pen.labels.place(ctx, text, [...outer.filter(offAxes), ...corners, ...outer.filter((c) => !offAxes(c)), ...inner]);
  ctx.restore();
}
