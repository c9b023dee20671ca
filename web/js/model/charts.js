// model.html's drawings beside the query's view (plot/headview.js, shared with train.html): the
// strip (each key's weight over its component along the query, on the exact curve), the joint
// map of queries and keys, and the weight list. Each takes the scene's plain data and a theme
// and draws; those a pointer reads return their geometry.
import { fitCanvas, fmt, withAlpha } from '../plot/canvas.js';
import { at, font, labelsOf } from '../plot/grid.js';
import { square } from '../plot/headview.js';

/** The strip: each key's weight over u = its component along the query, on the exact curve. */
export function drawStrip(canvas, sc, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  labels.bounds = { x: 0, y: 0, w, h };
  const { u, weights, lo, hi, curve } = sc.strip;
  let top = 0;
  for (const v of weights) top = Math.max(top, v);
  if (curve) for (const v of curve.y) top = Math.max(top, v);
  top = top > 0 ? top * 1.1 : 1;
  const left = 40, right = 10, up = 18, down = 24;
  const x = (v) => left + ((v - lo) / (hi - lo)) * (w - left - right);
  const y = (v) => h - down - (v / top) * (h - up - down);
  ctx.strokeStyle = theme.border;
  ctx.strokeRect(left, up, w - left - right, h - up - down);
  ctx.font = font(theme, 10);
  ctx.fillStyle = theme.muted;
  labels.place(ctx, fmt(top, 3), [at(left - 4, up, 'right', 'middle')]);
  labels.place(ctx, '0', [at(left - 4, h - down, 'right', 'middle')]);
  labels.place(ctx, fmt(lo, 2), [at(left, h - down + 4, 'left', 'top')]);
  labels.place(ctx, fmt(hi, 2), [at(w - right, h - down + 4, 'right', 'top')]);
  labels.place(ctx, 'u = logit ÷ (scale·|q|): a key’s length along q', [at((left + w - right) / 2, h - down + 4, 'center', 'top')]);
  if (curve) {
    ctx.strokeStyle = theme.curve;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    curve.x.forEach((v, i) => (i ? ctx.lineTo(x(v), y(curve.y[i])) : ctx.moveTo(x(v), y(curve.y[i]))));
    ctx.stroke();
  }
  ctx.fillStyle = theme.strip;
  ctx.strokeStyle = theme.stripStroke;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let i = 0; i < u.length; i++) {
    ctx.moveTo(x(u[i]) + 4, y(weights[i]));
    ctx.arc(x(u[i]), y(weights[i]), 4, 0, 2 * Math.PI);
  }
  ctx.fill();
  if (u.length <= 512) ctx.stroke();
  ctx.fillStyle = theme.fg;
  ctx.font = font(theme, 11);
  labels.place(ctx, 'weight', [at(left + 4, up - 3, 'left', 'bottom')]);
}

/** The joint map: queries (query colour) and keys (key colour); returns geometry for a click. */
export function drawJoint(canvas, sc, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  labels.bounds = { x: 0, y: 0, w, h };
  const { queries, keys } = sc.joint, T = sc.tokens;
  let R = 0;
  for (const v of queries) R = Math.max(R, Math.abs(v));
  for (const v of keys) R = Math.max(R, Math.abs(v));
  const world = square(w, h, (R || 1) * 1.1);
  const points = [];
  ctx.fillStyle = withAlpha(theme.key, 0.7);
  ctx.beginPath();
  for (let j = 0; j < T; j++) {
    const [x, y] = world.px(keys[2 * j], keys[2 * j + 1]);
    ctx.rect(x - 3, y - 3, 6, 6);
  }
  ctx.fill();
  ctx.fillStyle = withAlpha(theme.query, 0.45);
  ctx.beginPath();
  for (let i = 0; i < T; i++) {
    const [x, y] = world.px(queries[2 * i], queries[2 * i + 1]);
    points.push([x, y]);
    ctx.moveTo(x + 4, y);
    ctx.arc(x, y, 4, 0, 2 * Math.PI);
  }
  ctx.fill();
  ctx.fillStyle = theme.query;
  ctx.beginPath();
  ctx.arc(points[sc.query][0], points[sc.query][1], 7, 0, 2 * Math.PI);
  ctx.fill();
  ctx.font = font(theme, 11);
  ctx.fillStyle = theme.fg;
  const [sx, sy] = points[sc.query];
  labels.halo = theme.bg;   // readable over a crowd of dots
  labels.place(ctx, `q ${sc.labels[sc.query]}`, [at(sx + 9, sy, 'left', 'middle'), at(sx - 9, sy, 'right', 'middle'),
    at(sx, sy - 9, 'center', 'bottom'), at(sx, sy + 9, 'center', 'top')]);
  ctx.fillStyle = theme.muted;
  labels.place(ctx, `correlation of q·k with −distance: ${fmt(sc.joint.correlation.full, 2)} in d, ` +
    `${fmt(sc.joint.correlation.map, 2)} here`, [at(6, h - 6, 'left', 'bottom')]);
  return { points };
}

/** The weight list: the keys with the largest weights, their tokens, logits and weights. */
export function fillList(table, sc) {
  const body = document.createElement('tbody');
  for (const i of sc.top) {
    const tr = document.createElement('tr');
    for (const [text, cls] of [[String(i), ''], [sc.labels[i], 't-token'], [fmt(sc.logits[i], 3), 't-num'],
      [sc.weights[i].toFixed(4), 't-num']]) {
      const td = document.createElement('td');
      td.textContent = text;
      if (cls) td.className = cls;
      tr.append(td);
    }
    tr.dataset.key = String(i);
    tr.dataset.weight = String(sc.weights[i]);
    body.append(tr);
  }
  table.tBodies[0]?.remove();
  table.append(body);
}
