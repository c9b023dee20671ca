// The values on the circle panel: a diamond per value shaded by its key's weight, their
// convex hull, and the output Σ w_i v_i. Many values (long context) are drawn once into a
// layer that is reused until they change.

import { withAlpha } from './canvas.js';
import { toScreen } from './geometry.js';

/** @typedef {import('./scene.js').Scene} Scene */
/** @typedef {import('./renderer.js').Pen} Pen */

const TAU = Math.PI * 2;
const SHADES = 8;   // opacity steps for the values (one path each)
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Draws the values; keeps what it can reuse (the many-values layer, the shades) between frames. */
export class ValuesPainter {
  constructor() {
    this.layerCache = null;   // {values, key, canvas}
    this.styleCache = null;   // {color, styles}
  }

  /** @param {Pen} pen @param {Scene} scene */
  draw(pen, scene) {
    const { ctx, theme: t, layout: g } = pen;
    const { n } = scene;
    const values = scene.values.positions, weights = scene.weights.byKey, hull = scene.values.hull;
    ctx.save();
    if (hull && hull.length >= 2) drawHull(pen, hull);
    const ppu = g.ppu;
    const s = n > 256 ? 1.6 : n > 40 ? 3 : 4;
    const diamond = (i) => {
      const sx = g.cx + values[2 * i] * ppu, sy = g.cy - values[2 * i + 1] * ppu;
      ctx.moveTo(sx, sy - s - 1); ctx.lineTo(sx + s, sy); ctx.lineTo(sx, sy + s + 1); ctx.lineTo(sx - s, sy);
      ctx.closePath();
    };
    let wmax = 0;
    if (weights) for (let i = 0; i < n; i++) if (weights[i] > wmax) wmax = weights[i];
    const styles = this.styles(t.value);
    if (n > 256 && !pen.recording) {
      // Many values: they do not move with the query, so they are drawn once into a layer
      // (redrawn only when the values, the size or the theme change); the top keys' values
      // are shaded on top. A frame then costs the same at 4,096 values as at 8.
      ctx.drawImage(this.layer(pen, scene, s, styles[1]), 0, 0, g.w, g.h);
      ctx.beginPath();
      for (const i of scene.weights.top ?? []) diamond(i);
      ctx.fillStyle = styles[SHADES - 1];
      ctx.fill();
    } else {
      // One path per shade (8 shades of the weight): no per-value allocation or style change.
      for (let shade = 0; shade < SHADES; shade++) {
        ctx.beginPath();
        let any = false;
        for (let i = 0; i < n; i++) {
          const f = weights && wmax > 0 ? weights[i] / wmax : 0.5;
          if (Math.min(SHADES - 1, Math.floor(f * SHADES)) !== shade) continue;
          diamond(i);
          any = true;
        }
        if (!any) continue;
        ctx.fillStyle = styles[shade];
        ctx.fill();
      }
    }
    if (n <= 64) {
      for (let i = 0; i < n; i++) pen.labels.avoidDot(g.cx + values[2 * i] * ppu, g.cy - values[2 * i + 1] * ppu, s);
    }
    const h = scene.ui.hovered;
    if (h >= 0 && h < n) {
      ctx.beginPath();
      diamond(h);
      ctx.strokeStyle = t.highlight;
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
    ctx.restore();
  }

  /**
   * The values as one static layer (an offscreen canvas at the plot's resolution), written
   * pixel by pixel: one canvas path of 65,536 diamonds took Chromium's rasteriser ~19 s (its
   * cost grows faster than the path), while this is linear, a few ms at 65,536 values.
   * Each diamond covers the pixels whose centres lie inside it, in one colour (the union, as
   * one path's fill would be; no anti-aliasing at this size).
   * @param {Pen} pen
   * @param {Scene} scene
   */
  layer(pen, scene, size, style) {
    const g = pen.layout, dpr = pen.dpr;
    const key = `${g.w}x${g.h}@${dpr} ${style} ${size}`;
    const c = this.layerCache;
    const values = scene.values.positions;
    if (c && c.values === values && c.key === key) return c.canvas;
    const canvas = c?.canvas ?? document.createElement('canvas');
    const W = (canvas.width = Math.max(1, Math.round(g.w * dpr)));
    const H = (canvas.height = Math.max(1, Math.round(g.h * dpr)));
    const x = canvas.getContext('2d', { willReadFrequently: true });
    // The style as RGBA bytes: let the canvas parse it, then read the one pixel back.
    x.setTransform(1, 0, 0, 1, 0, 0);
    x.clearRect(0, 0, W, H);
    x.fillStyle = style;
    x.fillRect(0, 0, 1, 1);
    const [r, gr, b, a] = x.getImageData(0, 0, 1, 1).data;
    const img = x.createImageData(W, H);
    const px = new Uint32Array(img.data.buffer);
    const colour = LITTLE_ENDIAN
      ? ((a << 24) | (b << 16) | (gr << 8) | r) >>> 0
      : ((r << 24) | (gr << 16) | (b << 8) | a) >>> 0;
    // One stamp, the diamond's rows around a pixel centre: each value is snapped to its pixel
    // (half a device pixel at most) and stamped, clipped at the edges.
    const hw = size * dpr, hh = (size + 1) * dpr;  // half width and half height, as draw's diamond
    const stamp = [];  // [dy, dx0, dx1] per row
    for (let dy = -Math.floor(hh); dy <= Math.floor(hh); dy++) {
      const half = hw * (1 - Math.abs(dy) / hh);
      const dx = Math.floor(half);
      stamp.push(dy, -dx, dx);
    }
    const ppu = g.ppu * dpr, ox = g.cx * dpr, oy = g.cy * dpr;
    for (let i = 0; i < scene.n; i++) {
      const cx = Math.floor(ox + values[2 * i] * ppu), cy = Math.floor(oy - values[2 * i + 1] * ppu);
      for (let k = 0; k < stamp.length; k += 3) {
        const y = cy + stamp[k];
        if (y < 0 || y >= H) continue;
        const x0 = Math.max(0, cx + stamp[k + 1]), x1 = Math.min(W - 1, cx + stamp[k + 2]), row = y * W;
        for (let j = row + x0; j <= row + x1; j++) px[j] = colour;
      }
    }
    x.putImageData(img, 0, 0);
    this.layerCache = { values, key, canvas };
    return canvas;
  }

  /** The value colour at SHADES opacities (0.22 … 1), made once per colour. */
  styles(color) {
    if (this.styleCache?.color !== color) {
      const styles = Array.from({ length: SHADES }, (_, k) => withAlpha(color, 0.22 + 0.78 * ((k + 0.5) / SHADES)));
      this.styleCache = { color, styles };
    }
    return this.styleCache.styles;
  }
}

/** The values' convex hull, dashed and faintly filled. @param {Pen} pen */
function drawHull(pen, hull) {
  const { ctx, theme: t, layout: g } = pen;
  ctx.strokeStyle = withAlpha(t.hull, 0.55);
  ctx.lineWidth = 1.25;
  ctx.setLineDash([5, 4]);
  ctx.beginPath();
  hull.forEach(([x, y], i) => {
    const [sx, sy] = toScreen(g, x, y);
    if (i === 0) ctx.moveTo(sx, sy); else ctx.lineTo(sx, sy);
  });
  ctx.closePath();
  ctx.stroke();
  ctx.fillStyle = withAlpha(t.hull, 0.05);
  ctx.fill();
  ctx.setLineDash([]);
}

/** The output Σ w_i v_i: a haloed ring with a cross. @param {Pen} pen @param {Scene} scene */
export function drawOutput(pen, scene) {
  const { ctx, theme: t } = pen;
  const [ox, oy] = toScreen(pen.layout, scene.values.output[0], scene.values.output[1]);
  ctx.save();
  ctx.strokeStyle = t.bg;
  ctx.lineWidth = 5;
  ctx.beginPath();
  ctx.arc(ox, oy, 7, 0, TAU);
  ctx.stroke();
  ctx.strokeStyle = t.output;
  ctx.lineWidth = 2.5;
  ctx.beginPath();
  ctx.arc(ox, oy, 7, 0, TAU);
  ctx.moveTo(ox - 11, oy); ctx.lineTo(ox - 4, oy);
  ctx.moveTo(ox + 4, oy); ctx.lineTo(ox + 11, oy);
  ctx.moveTo(ox, oy - 11); ctx.lineTo(ox, oy - 4);
  ctx.moveTo(ox, oy + 4); ctx.lineTo(ox, oy + 11);
  ctx.stroke();
  ctx.restore();
  pen.labels.avoidDot(ox, oy, 11);
}

/** "output" beside the output's ring. @param {Pen} pen @param {Scene} scene */
export function drawOutputLabel(pen, scene) {
  const { ctx, theme: t } = pen;
  const [ox, oy] = toScreen(pen.layout, scene.values.output[0], scene.values.output[1]);
  ctx.save();
  ctx.fillStyle = t.output;
  ctx.font = `600 11px ${t.font}`;
  pen.labels.place(ctx, 'output', [
    { x: ox + 13, y: oy + 1, align: 'left', baseline: 'middle' },
    { x: ox - 13, y: oy + 1, align: 'right', baseline: 'middle' },
    { x: ox, y: oy - 13, align: 'center', baseline: 'bottom' },
    { x: ox, y: oy + 13, align: 'center', baseline: 'top' },
  ]);
  ctx.restore();
}
