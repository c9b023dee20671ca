// explore.html's drawings. Each renderer takes plain data (a scene built by explore.js
// from core results) and a theme (canvas.js readTheme) and draws; none reads the form,
// the URL or the core. Renderers return what hit tests need (a view, cell geometry).
// Every text goes through a Labels (canvas.js): a label that would meet an earlier one is
// left out, and `canvas.labels.boxes` keeps what was drawn (tests check no two meet).
import { fitCanvas, View, Labels, fmt } from '../plot/canvas.js';

const font = (theme, px = 11) => `${px}px ${theme.font}`;

/** The canvas's Labels, emptied for a new frame (kept on the canvas for tests and tools). */
function labelsOf(canvas) {
  canvas.labels ??= new Labels();
  canvas.labels.reset();
  return canvas.labels;
}
const at = (x, y, align = 'left', baseline = 'alphabetic') => ({ x, y, align, baseline });
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
      const spots = around(pts[i][0], pts[i][1], r + 2);
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
 * cells are large enough; `cursor`: a cell index to outline (hovered or selected).
 * Returns {pad, cell, m} for hit tests.
 */
export function drawHeatmap(canvas, { weights, masked, m }, theme, { ticks = true, values = true, colour, cursor = -1 } = {}) {
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
    rows.forEach((r, i) => { const p = y(share(stat, r[which][stat].hi)); if (i === 0) ctx.moveTo(x(i), p); else ctx.lineTo(x(i), p); });
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

// ---- the rest of the glossary: cross-attention, sparse patterns, paged KV, MLA ----

/**
 * A rows × cols grid: `weights` as opacity (the pattern alone when `pattern`: visible cells
 * solid), masked cells grey. Tick labels along the top (j) and left (i), those that fit.
 * Returns {pad, cell, rows, cols} for hit tests.
 */
export function drawGrid(canvas, { weights, masked, rows, cols }, theme, { colour, pattern = false, values = false, highlight = [] } = {}) {
  const { ctx, w, h } = fitCanvas(canvas);
  const labels = labelsOf(canvas);
  const pad = 20;
  const cell = Math.max(1, Math.min((w - pad - 2) / cols, (h - pad - 2) / rows));
  ctx.fillStyle = theme.bg;
  ctx.fillRect(pad, pad, cell * cols, cell * rows);
  ctx.fillStyle = theme.grid;
  ctx.beginPath();
  for (let idx = 0; idx < rows * cols; idx++) {
    if (masked[idx]) ctx.rect(pad + (idx % cols) * cell, pad + Math.floor(idx / cols) * cell, cell, cell);
  }
  ctx.fill();
  ctx.fillStyle = colour ?? theme.weight;
  for (let idx = 0; idx < rows * cols; idx++) {
    if (masked[idx]) continue;
    ctx.globalAlpha = pattern ? 0.85 : Math.max(0, Math.min(1, weights[idx]));
    ctx.fillRect(pad + (idx % cols) * cell, pad + Math.floor(idx / cols) * cell, cell, cell);
  }
  ctx.globalAlpha = 1;
  // Global tokens: their row and column outlined.
  ctx.strokeStyle = theme.fg;
  ctx.lineWidth = 1.5;
  for (const g of highlight) {
    if (g < rows) ctx.strokeRect(pad + 0.5, pad + g * cell + 0.5, cell * cols - 1, cell - 1);
    if (g < cols) ctx.strokeRect(pad + g * cell + 0.5, pad + 0.5, cell - 1, cell * rows - 1);
  }
  ctx.strokeStyle = theme.border;
  ctx.lineWidth = 1;
  ctx.strokeRect(pad, pad, cell * cols, cell * rows);
  ctx.font = font(theme, Math.max(rows, cols) > 9 ? 9 : 11);
  if (values && cell >= 30) {
    for (let idx = 0; idx < rows * cols; idx++) {
      if (masked[idx]) continue;
      const a = weights[idx];
      ctx.fillStyle = a > 0.55 ? '#ffffff' : theme.fg;
      labels.place(ctx, a.toFixed(2), [at(pad + ((idx % cols) + 0.5) * cell, pad + (Math.floor(idx / cols) + 0.5) * cell, 'center', 'middle')]);
    }
  }
  ctx.fillStyle = theme.muted;
  labels.place(ctx, 'i\\j', [at(pad / 2, pad / 2, 'center', 'middle')]);
  for (let j = 0; j < cols; j++) labels.place(ctx, String(j), [at(pad + (j + 0.5) * cell, pad / 2, 'center', 'middle')]);
  for (let i = 0; i < rows; i++) labels.place(ctx, String(i), [at(pad / 2, pad + (i + 0.5) * cell, 'center', 'middle')]);
  return { pad, cell, rows, cols };
}

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

/**
 * The paged KV cache's block pool: one box per physical block, block_size slots each,
 * filled slots coloured by who reads them (A, B or both), "#id ×refs" above each block.
 * scene: {blocks: [{refCount, filled}], owners: [Set of 'A'|'B'] per block, blockSize, colours: {A, B, both}}.
 */
export function drawPagedPool(canvas, { blocks, owners, blockSize, colours }, theme) {
  const { ctx, w, h } = fitCanvas(canvas);
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
    const who = owners[id];
    const colour = b.refCount === 0 ? theme.grid : who.size > 1 ? colours.both : who.has('B') ? colours.B : colours.A;
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
