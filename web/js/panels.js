// explore.html's drawings. Each renderer takes plain data (a scene built by explore.js
// from core results) and a theme (canvas.js readTheme) and draws; none reads the form,
// the URL or the core. Renderers return what hit tests need (a view, cell geometry).
import { fitCanvas, View, fmt } from './canvas.js';

const font = (theme, px = 11) => `${px}px ${theme.font}`;

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
  if (kind === 'circle') { ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, 2 * Math.PI); }
  else if (kind === 'square') ctx.rect(x - r, y - r, 2 * r, 2 * r);
  else if (kind === 'diamond') {
    ctx.moveTo(x, y - r * 1.3); ctx.lineTo(x + r * 1.3, y); ctx.lineTo(x, y + r * 1.3); ctx.lineTo(x - r * 1.3, y); ctx.closePath();
  } else if (kind === 'cross') {
    ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.moveTo(x - r, y + r); ctx.lineTo(x + r, y - r);
  }
}

/** Draws all `points` ([[x, y], …] in screen px) as one path of one colour and shape. */
export function markers(ctx, kind, pts, r, colour) {
  if (pts.length === 0) return;
  ctx.beginPath();
  for (const [x, y] of pts) shape(ctx, kind, x, y, r);
  if (kind === 'cross') { ctx.strokeStyle = colour; ctx.lineWidth = 2.5; ctx.stroke(); }
  else { ctx.fillStyle = colour; ctx.fill(); }
}

// Numbered discs (the tokens): one fill, then the labels.
function numberedDiscs(ctx, pts, r, theme) {
  markers(ctx, 'circle', pts, r, theme.query);
  ctx.fillStyle = theme.bg;
  ctx.font = font(theme);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  pts.forEach(([x, y], i) => ctx.fillText(String(i), x, y + 0.5));
}

/**
 * Tokens x_i (drag handles) with their q_i, k_i, v_i and o_i.
 * scene: {tokens, q, k, v, o (each [[x, y], …]), extent}. `frame`: a previous {view,
 * extent} to reuse (kept still during a drag) or null. Returns the {view, extent} used.
 */
export function drawTokenPlot(canvas, scene, theme, frame = null) {
  const { ctx, w, h } = fitCanvas(canvas);
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
  ctx.font = font(theme);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'bottom';
  for (const [kind, pts, r, colour, name] of series) {
    markers(ctx, kind, pts, r, colour);
    ctx.fillStyle = colour;
    pts.forEach(([x, y], i) => ctx.fillText(`${name}${i}`, x + 6, y - 3));
  }
  numberedDiscs(ctx, T, 9, theme);
  return { view, extent };
}

/**
 * Heatmap of an m×m row-major matrix. `masked` (m·m, 1 = hidden by the mask, from the
 * core) cells are grey and hatched. Returns {pad, cell, m} for hit tests.
 */
export function drawHeatmap(canvas, { weights, masked, m }, theme, { labels = true, colour } = {}) {
  const { ctx, w, h } = fitCanvas(canvas);
  const pad = labels ? 20 : 2;
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
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  if (labels && m <= 8 && cell >= 28) {
    for (let idx = 0; idx < m * m; idx++) {
      if (masked[idx]) continue;
      const a = weights[idx];
      ctx.fillStyle = a > 0.55 ? '#ffffff' : theme.fg;
      ctx.fillText(a.toFixed(2), pad + ((idx % m) + 0.5) * cell, pad + (Math.floor(idx / m) + 0.5) * cell);
    }
  }
  ctx.strokeStyle = theme.border;
  ctx.strokeRect(pad, pad, size, size);
  if (labels) {
    ctx.fillStyle = theme.muted;
    for (let i = 0; i < m; i++) {
      ctx.fillText(String(i), pad + (i + 0.5) * cell, pad / 2);
      ctx.fillText(String(i), pad / 2, pad + (i + 0.5) * cell);
    }
  }
  return { pad, cell, m };
}

/** Attention as a network: an arrow i → j, width ∝ A_ij; masked edges are absent. */
export function drawNetwork(canvas, { weights, masked, m }, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
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
  numberedDiscs(ctx, pos, nodeR, theme);
}

/** Tokens and each head's output rows, in the head's colour. scene: {tokens, outs, colours, extent}. */
export function drawHeadOutputs(canvas, { tokens, outs, colours, extent }, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const view = new View().fit(w, h, extent);
  drawAxes(ctx, w, h, view, extent, theme);
  outs.forEach((rows, i) => markers(ctx, 'cross', rows.map(([x, y]) => view.toScreen(x, y)), 4.5, colours[i]));
  numberedDiscs(ctx, tokens.map(([x, y]) => view.toScreen(x, y)), 8, theme);
}

/**
 * Histogram of `values` in `bins` equal bins over [lo, hi]. Returns the counts (the
 * page exposes them as data).
 */
export function drawHistogram(canvas, { values, lo, hi, bins = 24 }, colour, title, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
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
  ctx.fillStyle = theme.muted;
  ctx.font = font(theme);
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ctx.fillText(fmt(lo, 2), left, h - bottom + 3);
  ctx.textAlign = 'right';
  ctx.fillText(fmt(hi, 2), w - right, h - bottom + 3);
  ctx.fillText(`max count ${top}`, w - right, 3);
  ctx.textAlign = 'left';
  ctx.fillStyle = theme.fg;
  ctx.fillText(title, left, 3);
  return counts;
}

/**
 * Max weight (solid, left axis 0 … 1) and effective keys / n (dashed, right axis 0 … n)
 * over d, without (weight colour) and with (key colour) the 1/√d scale; a line marks
 * `currentD`. rows: [{d, raw, scaled}] with dimensionStats results.
 */
export function drawSweep(canvas, rows, n, currentD, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const left = 36, right = 40, top = 10, bottom = 22;
  const x = (i) => left + (i / (rows.length - 1)) * (w - left - right);
  const y = (v) => h - bottom - v * (h - top - bottom);  // v in [0, 1]
  ctx.strokeStyle = theme.grid;
  ctx.fillStyle = theme.muted;
  ctx.lineWidth = 1;
  ctx.font = font(theme);
  for (const v of [0, 0.5, 1]) {
    ctx.beginPath(); ctx.moveTo(left, y(v)); ctx.lineTo(w - right, y(v)); ctx.stroke();
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    ctx.fillText(v.toFixed(1), left - 4, y(v));
    ctx.textAlign = 'left';
    ctx.fillText(`${Math.round(v * n)}`, w - right + 4, y(v));
  }
  ctx.textAlign = 'center'; ctx.textBaseline = 'top';
  const every = (w - left - right) / (rows.length - 1) < 26 ? 2 : 1;  // thin the labels on a phone
  rows.forEach((r, i) => { if (i % every === 0 || r.d === currentD) ctx.fillText(String(r.d), x(i), h - bottom + 4); });
  const series = [
    ['raw', 'maxWeight', theme.weight, []], ['scaled', 'maxWeight', theme.key, []],
    ['raw', 'effectiveKeys', theme.weight, [5, 4]], ['scaled', 'effectiveKeys', theme.key, [5, 4]],
  ];
  ctx.lineWidth = 2;
  for (const [which, stat, colour, dash] of series) {
    ctx.strokeStyle = colour;
    ctx.setLineDash(dash);
    ctx.beginPath();
    rows.forEach((r, i) => {
      const v = stat === 'maxWeight' ? r[which].maxWeight : r[which].effectiveKeys / n;
      if (i === 0) ctx.moveTo(x(i), y(v)); else ctx.lineTo(x(i), y(v));
    });
    ctx.stroke();
  }
  ctx.setLineDash([]);
  const at = rows.findIndex((r) => r.d === currentD);
  if (at >= 0) {
    ctx.strokeStyle = theme.accent || theme.fg;
    ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(x(at), top); ctx.lineTo(x(at), h - bottom); ctx.stroke();
  }
}

/**
 * Streaming softmax: a bar per key logit; blocks done in colour, the latest outlined,
 * its running max as a dashed line. scene: {logits, blocks, step}.
 */
export function drawStream(canvas, { logits, blocks, step }, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
  const n = logits.length;
  let lo = 0, hi = 0;
  for (const x of logits) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  const left = 10, right = 10, top = 30, bottom = 18;
  const bw = (w - left - right) / n;
  const yOf = (v) => top + ((hi - v) / (hi - lo || 1)) * (h - top - bottom);
  const done = step > 0 ? blocks[step - 1].end : 0;
  for (const [from, to, colour] of [[0, done, theme.key], [done, n, theme.grid]]) {
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
  ctx.font = font(theme);
  ctx.textBaseline = 'top';
  if (step > 0) {
    const b = blocks[step - 1];
    ctx.strokeStyle = theme.output;
    ctx.lineWidth = 2;
    ctx.strokeRect(left + b.begin * bw, top - 4, (b.end - b.begin) * bw, h - top - bottom + 6);
    ctx.setLineDash([5, 4]);
    ctx.beginPath(); ctx.moveTo(left, yOf(b.runningMax)); ctx.lineTo(w - right, yOf(b.runningMax)); ctx.stroke();
    ctx.setLineDash([]);
    ctx.lineWidth = 1;
    ctx.fillStyle = theme.output;
    ctx.textAlign = 'right';
    ctx.fillText(`running max m = ${fmt(b.runningMax)}`, w - right, 16);
  }
  ctx.fillStyle = theme.muted;
  ctx.textAlign = 'center';
  if (bw >= 12) for (let i = 0; i < n; i++) ctx.fillText(String(i), left + (i + 0.5) * bw, h - bottom + 3);
  ctx.textAlign = 'left';
  ctx.fillText('logit of each key (full softmax, core.attend)', left, 2);
}
