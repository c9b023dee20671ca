// One head's query's view on a canvas (core.queryView's plane): the keys as dots sized and
// coloured by weight, the query as a handle on its line from the origin, the heaviest keys
// labelled. model.html draws it with a draggable query; train.html draws the trained head.
// A renderer: plain data in (the plane's x, y per key, the weights, the query's place), pixels out.
import { fitCanvas, withAlpha } from './canvas.js';
import { at, font, labelsOf } from './grid.js';

const PAD = 14;

// A square world [−R, R]² centred in the canvas: world → canvas px.
export function square(w, h, R) {
  const s = (Math.min(w, h) / 2 - PAD) / R, cx = w / 2, cy = h / 2;
  return { s, cx, cy, R, px: (x, y) => [cx + x * s, cy - y * s] };
}

/**
 * The query's view; returns {world, query: [px, py], R} for the pointer (R: the half-width shown,
 * before the margin; give it back as `R` to hold the scale while the query is dragged).
 * sc: {plane (n·2), weights (n), n, at ([x, y] of the query), labels (token names), query (its
 * token index), top (the heaviest keys, heaviest first)}.
 */
export function drawView(canvas, sc, theme, { R: fixed = null } = {}) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  labels.bounds = { x: 0, y: 0, w, h };
  labels.halo = theme.bg;   // token labels stay readable over the dots and the query's line
  const { plane, weights, n, at: q } = sc;
  let R = Math.hypot(q[0], q[1]);
  for (let i = 0; i < n; i++) R = Math.max(R, Math.abs(plane[2 * i]), Math.abs(plane[2 * i + 1]));
  // A drag holds the scale it started with (else the view zooms out under the pointer as the
  // query grows, and the query runs away).
  if (fixed) R = fixed;
  const world = square(w, h, (R || 1) * 1.1);
  ctx.strokeStyle = theme.grid;
  ctx.lineWidth = 1;
  const [ox, oy] = world.px(0, 0);
  ctx.beginPath(); ctx.moveTo(0, oy); ctx.lineTo(w, oy); ctx.moveTo(ox, 0); ctx.lineTo(ox, h); ctx.stroke();
  let wmax = 0;
  for (let i = 0; i < n; i++) wmax = Math.max(wmax, weights[i]);
  const radius = (i) => 3 + 9 * Math.sqrt(wmax > 0 ? weights[i] / wmax : 0);
  // One path per band of weight, lightest first so the keys that matter are on top: thousands of
  // keys cost a few fills, not one each.
  const BANDS = 8, bands = Array.from({ length: BANDS }, () => []);
  for (let i = 0; i < n; i++) {
    const share = wmax > 0 ? weights[i] / wmax : 0;
    bands[Math.min(BANDS - 1, Math.floor(share * BANDS))].push(i);
  }
  ctx.strokeStyle = theme.key;
  bands.forEach((keys, b) => {
    if (!keys.length) return;
    ctx.fillStyle = withAlpha(theme.weight, 0.25 + (0.75 * (b + 1)) / BANDS);
    ctx.beginPath();
    for (const i of keys) {
      const [x, y] = world.px(plane[2 * i], plane[2 * i + 1]);
      const r = radius(i);
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      if (n <= 512) labels.avoidDot(x, y, r);
    }
    ctx.fill();
    if (n <= 512) ctx.stroke();
  });
  const [qx, qy] = world.px(q[0], q[1]);
  ctx.strokeStyle = theme.query;
  ctx.lineWidth = 2;
  ctx.beginPath(); ctx.moveTo(ox, oy); ctx.lineTo(qx, qy); ctx.stroke();
  ctx.fillStyle = theme.query;
  ctx.beginPath(); ctx.arc(qx, qy, 8, 0, 2 * Math.PI); ctx.fill();
  labels.avoidDot(qx, qy, 9);
  ctx.font = font(theme, 12);
  ctx.fillStyle = theme.fg;
  labels.place(ctx, `q (${sc.labels[sc.query]})`, [at(qx + 12, qy - 4, 'left', 'bottom'), at(qx - 12, qy - 4, 'right', 'bottom'),
    at(qx, qy - 12, 'center', 'bottom'), at(qx, qy + 14, 'center', 'top'), at(qx - 12, qy - 18, 'right', 'bottom'),
    at(qx - 12, qy + 18, 'right', 'top')]);
  for (const i of Array.from(sc.top).slice(0, 5)) {
    // Beside its own dot, whatever its size (a label at a fixed offset would sit on a large one).
    const [x, y] = world.px(plane[2 * i], plane[2 * i + 1]), g = radius(i) + 3;
    labels.place(ctx, sc.labels[i], [at(x + g, y, 'left', 'middle'), at(x - g, y, 'right', 'middle'),
      at(x, y - g, 'center', 'bottom'), at(x, y + g, 'center', 'top')]);
  }
  ctx.fillStyle = theme.muted;
  ctx.font = font(theme, 11);
  labels.place(ctx, 'x: along q (e1)', [at(w - 6, oy - 4, 'right', 'bottom'), at(w - 6, oy + 4, 'right', 'top'),
    at(6, oy - 4, 'left', 'bottom'), at(6, oy + 4, 'left', 'top')]);
  labels.place(ctx, 'y: e2 ⟂ q', [at(ox + 6, 6, 'left', 'top'), at(ox - 6, 6, 'right', 'top')]);
  return { world, query: [qx, qy], R };
}
