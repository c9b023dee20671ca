// Grids of numbers on a canvas and the text helpers every chart page shares (explore's
// panels.js and train.html's charts): a font string, a canvas's Labels for one frame, a
// label's candidate place, and drawGrid, a rows × cols grid of weights as opacity.
// Renderers only: they take plain data and a theme and draw.
import { fitCanvas, Labels } from './canvas.js';

export const font = (theme, px = 11) => `${px}px ${theme.font}`;

/** The canvas's Labels, emptied for a new frame (kept on the canvas for tests and tools). */
export function labelsOf(canvas) {
  canvas.labels ??= new Labels();
  canvas.labels.reset();
  return canvas.labels;
}
export const at = (x, y, align = 'left', baseline = 'alphabetic') => ({ x, y, align, baseline });

/**
 * A rows × cols grid: `weights` as opacity (the pattern alone when `pattern`: visible cells
 * solid), masked cells grey. Tick labels along the top (j) and left (i), those that fit.
 * Returns {pad, cell, rows, cols} for hit tests.
 * @param {HTMLCanvasElement} canvas
 * @param {{weights: ArrayLike<number>, masked: ArrayLike<number>, rows: number, cols: number}} grid
 * @param {Record<string, string>} theme
 * @param {{colour?: string, pattern?: boolean, values?: boolean, highlight?: number[], row?: number}} [options]
 *   highlight: tokens whose row and column are outlined; row: one row outlined (the query shown)
 */
export function drawGrid(canvas, { weights, masked, rows, cols }, theme,
  { colour, pattern = false, values = false, highlight = [], row = -1 } = {}) {
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
  if (row >= 0 && row < rows) {
    ctx.strokeStyle = theme.query;
    ctx.lineWidth = 2;
    ctx.strokeRect(pad + 1, pad + row * cell + 1, cell * cols - 2, Math.max(1, cell - 2));
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
