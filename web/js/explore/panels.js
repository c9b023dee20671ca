// explore.html's drawings. Each renderer takes plain data (from a tab's scene, tabs/*.js,
// built from core results) and a theme (canvas.js readTheme) and draws; none reads the form,
// the URL or the core. Renderers return what hit tests need (a view, cell geometry).
// Every text goes through a Labels (canvas.js): a label that would meet an earlier one is
// left out, and `canvas.labels.boxes` keeps what was drawn (tests check no two meet).
import { fitCanvas, View } from '../plot/canvas.js';
import { font, labelsOf, at, drawGrid } from '../plot/grid.js';

// font, labelsOf, at and drawGrid live in plot/grid.js (train.html draws its grids with them too).
export { font, labelsOf, at, drawGrid };

// Positions around a marker at (x, y), nearest first.
const around = (x, y, r = 6) => [at(x + r, y - 2, 'left', 'bottom'), at(x + r, y + 2, 'left', 'top'),
  at(x - r, y - 2, 'right', 'bottom'), at(x - r, y + 2, 'right', 'top'),
  at(x, y - r, 'center', 'bottom'), at(x, y + r, 'center', 'top')];

/** Grid lines every unit and the two axes of a square world [−extent, extent]². */
export function drawAxes(ctx, w, h, view, extent, theme) {
  ctx.strokeStyle = theme.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let g = -Math.floor(extent); g <= Math.floor(extent); g++) {
    const [gx] = view.toScreen(g, 0), [, gy] = view.toScreen(0, g);
    ctx.moveTo(gx, 0); ctx.lineTo(gx, h);
    ctx.moveTo(0, gy); ctx.lineTo(w, gy);
  }
  ctx.stroke();
  ctx.strokeStyle = theme.axis;
  const [ox, oy] = view.toScreen(0, 0);
  ctx.beginPath(); ctx.moveTo(0, oy); ctx.lineTo(w, oy); ctx.moveTo(ox, 0); ctx.lineTo(ox, h); ctx.stroke();
}

/** Adds one marker to the current path (circle, square, diamond) or strokes a cross. */
function shape(ctx, kind, x, y, r) {
  if (kind === 'circle') {
    ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, 2 * Math.PI);
  } else if (kind === 'square') {
    ctx.rect(x - r, y - r, 2 * r, 2 * r);
  } else if (kind === 'diamond') {
    const s = r * 1.3;
    ctx.moveTo(x, y - s); ctx.lineTo(x + s, y); ctx.lineTo(x, y + s); ctx.lineTo(x - s, y); ctx.closePath();
  } else if (kind === 'cross') {
    ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.moveTo(x - r, y + r); ctx.lineTo(x + r, y - r);
  }
}

/** Draws all `points` ([[x, y], …] in screen px) as one path of one colour and shape. */
export function markers(ctx, kind, pts, r, colour) {
  if (pts.length === 0) return;
  ctx.beginPath();
  for (const [x, y] of pts) shape(ctx, kind, x, y, r);
  if (kind === 'cross') {
    ctx.strokeStyle = colour; ctx.lineWidth = 2.5; ctx.stroke();
  } else {
    ctx.fillStyle = colour; ctx.fill();
  }
}

// Numbered discs (the tokens): one fill, then a number in each disc that has room for it
// (`first`: the disc numbered before the others, the one under the hand). Afterwards every
// disc is reserved, so no later label covers one.
function numberedDiscs(ctx, pts, r, theme, labels, first = -1) {
  markers(ctx, 'circle', pts, r, theme.query);
  ctx.fillStyle = theme.bg;
  ctx.font = font(theme);
  const order = pts.map((_, i) => i);
  if (first >= 0 && first < pts.length) order.unshift(...order.splice(first, 1));
  for (const i of order) labels.place(ctx, String(i), [at(pts[i][0], pts[i][1] + 0.5, 'center', 'middle')]);
  for (const [x, y] of pts) labels.avoidDot(x, y, r);
}

// A value under a token's disc (W_V = I puts v_i on x_i) stays in sight: a hollow diamond in
// the value colour around the disc, over a halo in the background colour, centred on v_i so it
// still marks v_i's place. The ringed indices go on the canvas as data (tests read them); returns them.
function valueRings(ctx, canvas, V, T, discR, theme, labels) {
  const under = ([x, y]) => T.some(([tx, ty]) => Math.hypot(x - tx, y - ty) < discR + 3.5);
  const hidden = V.map((_, i) => i).filter((i) => under(V[i]));
  canvas.dataset.valueRings = hidden.join(',');
  if (hidden.length === 0) return new Set();
  const ring = (colour, width) => {
    ctx.beginPath();
    for (const i of hidden) shape(ctx, 'diamond', V[i][0], V[i][1], discR + 2);
    ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.stroke();
  };
  ring(theme.bg, 4.5);
  ring(theme.value, 2);
  for (const i of hidden) labels.avoidDot(V[i][0], V[i][1], discR + 2);
  return new Set(hidden);
}

/**
 * Tokens x_i (drag handles) with their q_i, k_i, v_i and o_i.
 * scene: {tokens, q, k, v, o (each [[x, y], …]), extent}. `frame`: a previous {view,
 * extent} to reuse (kept still during a drag) or null. `focus`: the token under the hand
 * (hovered or dragged), always labelled; with more than 8 tokens only it gets q/k/v/o labels.
 * Returns the {view, extent} used.
 */
export function drawTokenPlot(canvas, scene, theme, frame = null, focus = -1) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const extent = frame?.extent ?? scene.extent;
  const view = frame?.view ?? new View().fit(w, h, extent);
  drawAxes(ctx, w, h, view, extent, theme);
  const screen = (rows) => rows.map(([x, y]) => view.toScreen(x, y));
  const T = screen(scene.tokens), Q = screen(scene.q), K = screen(scene.k), V = screen(scene.v), O = screen(scene.o);

  // x_i → o_i, dashed.
  ctx.strokeStyle = theme.output; ctx.globalAlpha = 0.35; ctx.lineWidth = 1; ctx.setLineDash([3, 3]);
  ctx.beginPath();
  T.forEach(([tx, ty], i) => { ctx.moveTo(tx, ty); ctx.lineTo(O[i][0], O[i][1]); });
  ctx.stroke();
  ctx.setLineDash([]); ctx.globalAlpha = 1;

  const series = [['circle', Q, 3.5, theme.accent, 'q'], ['square', K, 3.5, theme.key, 'k'],
    ['diamond', V, 3.5, theme.value, 'v'], ['cross', O, 4.5, theme.output, 'o']];
  for (const [kind, pts, r, colour] of series) markers(ctx, kind, pts, r, colour);
  numberedDiscs(ctx, T, 9, theme, labels, focus);
  const ringed = valueRings(ctx, canvas, V, T, 9, theme, labels);
  for (const [, pts, r] of series) for (const [x, y] of pts) labels.avoidDot(x, y, r + 1);

  // q/k/v/o labels: the focused token's first, then (8 tokens or fewer) the rest that fit.
  const bounds = { x: 0, y: 0, w, h };
  const order = T.map((_, i) => i).filter((i) => i !== focus && T.length <= 8);
  if (focus >= 0 && focus < T.length) order.unshift(focus);
  ctx.font = font(theme);
  for (const i of order) {
    for (const [, pts, r, colour, name] of series) {
      ctx.fillStyle = colour;
      // The focused token also tries farther rings, so a crowd around it does not hide its labels.
      const spots = around(pts[i][0], pts[i][1], name === 'v' && ringed.has(i) ? 16 : r + 2);
      if (i === focus) for (const far of [12, 24, 40]) spots.push(...around(pts[i][0], pts[i][1], r + far));
      labels.place(ctx, `${name}${i}`, spots, { bounds });
    }
  }
  return { view, extent };
}

/**
 * Heatmap of an m×m row-major matrix: row i = query i, column j = key j. `masked` (m·m,
 * 1 = hidden by the mask, from the core) cells are grey and hatched. `ticks`: index labels
 * along the top (j) and left (i), those that fit; `values`: each weight in its cell when
 * cells are large enough; `colour`: the cells' (the weight colour by default); `cursor`: a
 * cell index to outline (hovered or selected). Returns {pad, cell, m} for hit tests.
 * @param {HTMLCanvasElement} canvas
 * @param {{weights: ArrayLike<number>, masked: ArrayLike<number>, m: number}} matrix
 * @param {Record<string, string>} theme
 * @param {{ticks?: boolean, values?: boolean, colour?: string, cursor?: number}} [options]
 */
export function drawHeatmap(canvas, { weights, masked, m }, theme,
  { ticks = true, values = true, colour, cursor = -1 } = {}) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const pad = ticks ? 20 : 2;
  const size = Math.max(1, Math.min(w, h) - pad - 2);
  const cell = size / m;
  ctx.fillStyle = theme.bg;
  ctx.fillRect(pad, pad, size, size);
  // Masked cells: one grey fill and one hatch path.
  ctx.fillStyle = theme.grid;
  ctx.beginPath();
  for (let idx = 0; idx < m * m; idx++) {
    if (masked[idx]) ctx.rect(pad + (idx % m) * cell, pad + Math.floor(idx / m) * cell, cell, cell);
  }
  ctx.fill();
  ctx.strokeStyle = theme.axis;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let idx = 0; idx < m * m; idx++) {
    if (!masked[idx]) continue;
    const x = pad + (idx % m) * cell, y = pad + Math.floor(idx / m) * cell;
    ctx.moveTo(x + 2, y + cell - 2); ctx.lineTo(x + cell - 2, y + 2);
  }
  ctx.stroke();
  // Visible cells: opacity = weight.
  ctx.fillStyle = colour ?? theme.weight;
  for (let idx = 0; idx < m * m; idx++) {
    if (masked[idx]) continue;
    ctx.globalAlpha = Math.max(0, Math.min(1, weights[idx]));
    ctx.fillRect(pad + (idx % m) * cell, pad + Math.floor(idx / m) * cell, cell, cell);
  }
  ctx.globalAlpha = 1;
  ctx.font = font(theme);
  if (values && m <= 8 && cell >= 28) {
    for (let idx = 0; idx < m * m; idx++) {
      if (masked[idx]) continue;
      const a = weights[idx];
      ctx.fillStyle = a > 0.55 ? '#ffffff' : theme.fg;
      labels.place(ctx, a.toFixed(2), [at(pad + ((idx % m) + 0.5) * cell, pad + (Math.floor(idx / m) + 0.5) * cell, 'center', 'middle')]);
    }
  }
  ctx.strokeStyle = theme.border;
  ctx.strokeRect(pad, pad, size, size);
  if (ticks) {
    ctx.fillStyle = theme.muted;
    ctx.font = font(theme, m > 9 ? 9 : 11);
    // Corner first (what the axes are), then the indices that fit.
    labels.place(ctx, 'i\\j', [at(pad / 2, pad / 2, 'center', 'middle')]);
    for (let i = 0; i < m; i++) {
      labels.place(ctx, String(i), [at(pad + (i + 0.5) * cell, pad / 2, 'center', 'middle')]);
      labels.place(ctx, String(i), [at(pad / 2, pad + (i + 0.5) * cell, 'center', 'middle')]);
    }
  }
  if (cursor >= 0 && cursor < m * m) {
    ctx.strokeStyle = theme.fg;
    ctx.lineWidth = 2;
    ctx.strokeRect(pad + (cursor % m) * cell + 1, pad + Math.floor(cursor / m) * cell + 1, cell - 2, cell - 2);
  }
  return { pad, cell, m };
}

/** Attention as a network: an arrow i → j, width ∝ A_ij; masked edges are absent. */
export function drawNetwork(canvas, { weights, masked, m }, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const cx = w / 2, cy = h / 2, R = Math.min(w, h) * 0.36, nodeR = 11;
  const pos = Array.from({ length: m }, (_, i) => {
    const t = Math.PI / 2 - (2 * Math.PI * i) / m;
    return [cx + R * Math.cos(t), cy - R * Math.sin(t)];
  });
  ctx.strokeStyle = theme.weight;
  ctx.fillStyle = theme.weight;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const a = weights[i * m + j];
      if (masked[i * m + j] || !(a > 0)) continue;  // masked (or underflowed) edges are absent
      ctx.globalAlpha = 0.25 + 0.65 * a;
      ctx.lineWidth = 0.5 + 9 * a;
      const [x0, y0] = pos[i], [x1, y1] = pos[j];
      if (i === j) {
        const dx = x0 - cx, dy = y0 - cy, len = Math.hypot(dx, dy) || 1;
        ctx.beginPath();
        ctx.arc(x0 + (dx / len) * (nodeR + 8), y0 + (dy / len) * (nodeR + 8), 8, 0, 2 * Math.PI);
        ctx.stroke();
        continue;
      }
      const dx = x1 - x0, dy = y1 - y0, len = Math.hypot(dx, dy);
      const nx = -dy / len, ny = dx / len, bend = 0.12 * len;
      const mx = (x0 + x1) / 2 + nx * bend, my = (y0 + y1) / 2 + ny * bend;
      // End the curve at the target node's rim, with an arrowhead.
      const el = Math.hypot(x1 - mx, y1 - my);
      const ex = x1 - ((x1 - mx) / el) * (nodeR + 2), ey = y1 - ((y1 - my) / el) * (nodeR + 2);
      ctx.beginPath(); ctx.moveTo(x0, y0); ctx.quadraticCurveTo(mx, my, ex, ey); ctx.stroke();
      const ang = Math.atan2(ey - my, ex - mx), ah = 5 + 6 * a;
      ctx.beginPath();
      ctx.moveTo(ex, ey);
      ctx.lineTo(ex - ah * Math.cos(ang - 0.45), ey - ah * Math.sin(ang - 0.45));
      ctx.lineTo(ex - ah * Math.cos(ang + 0.45), ey - ah * Math.sin(ang + 0.45));
      ctx.closePath(); ctx.fill();
    }
  }
  ctx.globalAlpha = 1;
  numberedDiscs(ctx, pos, nodeR, theme, labels);
}

/** Tokens and each head's output rows, in the head's colour. scene: {tokens, outs, colours, extent}. */
export function drawHeadOutputs(canvas, { tokens, outs, colours, extent }, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const view = new View().fit(w, h, extent);
  drawAxes(ctx, w, h, view, extent, theme);
  outs.forEach((rows, i) => markers(ctx, 'cross', rows.map(([x, y]) => view.toScreen(x, y)), 4.5, colours[i]));
  numberedDiscs(ctx, tokens.map(([x, y]) => view.toScreen(x, y)), 8, theme, labels);
}

// ---- cross-attention and sparse patterns: rectangular grids (plot/grid.js) and two rows of tokens ----

/** Cross-attention as two rows of tokens: target i (top) → source j (bottom), width ∝ A_ij. */
export function drawBipartite(canvas, { weights, masked, m, n }, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const r = 11, top = 34, bottom = h - 34;
  const xs = (count) => Array.from({ length: count }, (_, i) => ((i + 0.5) / count) * (w - 80) + 60);
  const tx = xs(m), sx = xs(n);
  ctx.strokeStyle = theme.weight;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const a = weights[i * n + j];
      if (masked[i * n + j] || !(a > 0)) continue;
      ctx.globalAlpha = 0.2 + 0.7 * a;
      ctx.lineWidth = 0.5 + 9 * a;
      ctx.beginPath(); ctx.moveTo(tx[i], top + r); ctx.lineTo(sx[j], bottom - r); ctx.stroke();
    }
  }
  ctx.globalAlpha = 1;
  ctx.fillStyle = theme.muted;
  ctx.font = font(theme);
  labels.place(ctx, 'target (queries)', [at(4, top - r - 4, 'left', 'bottom')]);
  labels.place(ctx, 'source (keys, values)', [at(4, bottom + r + 4, 'left', 'top')]);
  const discs = [...tx.map((x) => [x, top]), ...sx.map((x) => [x, bottom])];
  markers(ctx, 'circle', tx.map((x) => [x, top]), r, theme.query);
  markers(ctx, 'circle', sx.map((x) => [x, bottom]), r, theme.key);
  ctx.fillStyle = theme.bg;
  tx.forEach((x, i) => labels.place(ctx, String(i), [at(x, top + 0.5, 'center', 'middle')]));
  sx.forEach((x, j) => labels.place(ctx, String(j), [at(x, bottom + 0.5, 'center', 'middle')]));
  for (const [x, y] of discs) labels.avoidDot(x, y, r);
}
