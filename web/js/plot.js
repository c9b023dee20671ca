// Draws one frame of the attention picture on a canvas. No state, no attention
// math: it receives the numbers the core computed and turns them into pixels.
//
// The canvas holds two panels:
//   * the circle panel (world coordinates, y up): unit circle, keys (green),
//     weights as radial blue offsets, the query (black) with its line from the
//     origin, and optionally the values, their convex hull and the output;
//   * the strip below: the same weights along a line (x = key angle in
//     [−π, π], y = weight), with the von Mises curve (and its Gaussian
//     approximation) on the same scale.

import { SvgContext } from './svgcontext.js';
import { fitCanvas, readTheme, withAlpha } from './canvas.js';

const TAU = Math.PI * 2;

/** World half-width of the circle panel (the unit circle has radius 1). */
export const WORLD_EXTENT = 2.1;

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

export class Plot {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.theme = readTheme(canvas);
    this.cssWidth = 0;
    this.cssHeight = 0;
    this.dpr = 1;
    this.geom = null;
    this.resize();
  }

  /** Re-reads the colours from the CSS custom properties that apply to the canvas. */
  refreshTheme() {
    this.theme = readTheme(this.canvas);
  }

  /**
   * Matches the backing store to the CSS size × devicePixelRatio (crisp lines)
   * and recomputes the panel geometry. Returns true if anything changed.
   */
  resize() {
    const { w, h, dpr, changed } = fitCanvas(this.canvas, { clear: false });
    this.cssWidth = w;
    this.cssHeight = h;
    this.dpr = dpr;
    this.geom = this.computeGeometry(w, h);
    return changed;
  }

  computeGeometry(w, h) {
    const pad = Math.max(8, Math.min(18, w * 0.03));
    const stripH = Math.round(Math.max(120, Math.min(230, h * 0.27)));
    const gap = 10;
    const circleAreaH = Math.max(60, h - stripH - gap - pad);
    const size = Math.max(40, Math.min(w - 2 * pad, circleAreaH));
    const cx = w / 2;
    const cy = pad + circleAreaH / 2;
    const ppu = size / 2 / WORLD_EXTENT; // pixels per world unit
    const stripTop = pad + circleAreaH + gap;
    const left = pad + 42, right = w - pad - 10;
    const strip = { x0: left, x1: Math.max(left + 10, right), y0: stripTop + 22, y1: h - pad - 20, top: stripTop };
    return { w, h, pad, cx, cy, ppu, size, strip, circleBottom: pad + circleAreaH };
  }

  // ----- coordinate transforms (CSS pixels) -----

  toScreen(x, y) {
    const g = this.geom;
    return [g.cx + x * g.ppu, g.cy - y * g.ppu];
  }

  toWorld(px, py) {
    const g = this.geom;
    return [(px - g.cx) / g.ppu, (g.cy - py) / g.ppu];
  }

  /** True when a CSS-pixel point lies in the circle panel (not the strip). */
  inCirclePanel(px, py) {
    return py < this.geom.strip.top - 2;
  }

  stripX(angle) {
    const s = this.geom.strip;
    return s.x0 + ((angle + Math.PI) / TAU) * (s.x1 - s.x0);
  }

  stripY(value, yMax) {
    const s = this.geom.strip;
    return s.y1 - (value / yMax) * (s.y1 - s.y0);
  }

  /**
   * What is under a CSS-pixel point: {type:'query'} | {type:'key', index} | null.
   * `scene` is the last scene drawn; radius grows for touch.
   */
  hitTest(px, py, scene, pointerType = 'mouse') {
    if (!scene) return null;
    const touch = pointerType === 'touch' || pointerType === 'pen';
    const qr = touch ? 26 : 16;
    const kr = touch ? 22 : 12;
    const [qx, qy] = this.toScreen(scene.query[0], scene.query[1]);
    const dq = Math.hypot(px - qx, py - qy);
    if (dq <= qr) return { type: 'query' };
    if (scene.long) return null;
    let best = null, bestD = Infinity;
    const pos = scene.keyPos;
    for (let i = 0; i < scene.n; i++) {
      const [sx, sy] = this.toScreen(pos[2 * i], pos[2 * i + 1]);
      const d = Math.hypot(px - sx, py - sy);
      if (d <= kr && d < bestD) { best = i; bestD = d; }
    }
    if (best !== null) return { type: 'key', index: best };
    // Orange dots in the strip count as their key too (hover / select).
    if (scene.weights && scene.stripYMax) {
      for (let i = 0; i < scene.n; i++) {
        const sx = this.stripX(scene.keyAngles[i]);
        const sy = this.stripY(scene.weights[i], scene.stripYMax);
        const d = Math.hypot(px - sx, py - sy);
        if (d <= kr && d < bestD) { best = i; bestD = d; }
      }
      if (best !== null) return { type: 'key', index: best, inStrip: true };
    }
    return null;
  }

  // ----- drawing -----

  /**
   * scene: {
   *   query:[x,y], n, keyPos: Float64Array(2n) (as the core sees them), keyAngles: Float64Array(n),
   *   weights: Float32Array|null, argmax, values: Float64Array(2n)|null, hull: [[x,y]...]|null,
   *   output: [x,y]|null, showValues, curve: {angles, y}|null, gauss: {angles, y}|null, gaussNote,
   *   kappa, phiDeg, scale, qNorm, hovered, selected, long, bins: {count, wsum, B}|null, stale,
   *   normalizeKeys
   * }
   * Also sets scene.stripYMax for hit-testing.
   */
  /** The last drawn scene as an SVG document (string). */
  toSVG() {
    const g = this.geom;
    const svg = new SvgContext(g.w, g.h, this.ctx);
    const { ctx, dpr } = this;
    this.ctx = svg; this.dpr = 1;
    try { this.draw(this.lastScene); } finally { this.ctx = ctx; this.dpr = dpr; }
    return svg.toString();
  }

  draw(scene) {
    this.lastScene = scene;
    const { ctx, theme: t, geom: g } = this;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, g.w, g.h);
    ctx.fillStyle = t.bg;
    ctx.fillRect(0, 0, g.w, g.h);
    if (!scene) return;

    this.drawCircleBackground(scene);
    if (scene.showValues && scene.values) this.drawValues(scene);
    this.drawQueryLine(scene);
    if (scene.long) this.drawLongRing(scene);
    else this.drawKeysAndWeights(scene);
    if (scene.showValues && scene.output) this.drawOutput(scene);
    this.drawQuery(scene);
    this.drawCircleLabels(scene);
    this.drawStrip(scene);
  }

  drawCircleBackground(scene) {
    const { ctx, theme: t, geom: g } = this;
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
    // label the dashed guide circle (radius 2) at its bottom, right of the axis
    ctx.fillStyle = t.muted;
    ctx.font = `11px ${t.font}`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'bottom';
    ctx.fillText('r = 2: unit key + weight 1', g.cx + 5, g.cy + 2 * r1 - 3);
    ctx.restore();
  }

  drawQueryLine(scene) {
    const { ctx, theme: t, geom: g } = this;
    const [qx, qy] = this.toScreen(scene.query[0], scene.query[1]);
    ctx.save();
    ctx.strokeStyle = t.query;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(g.cx, g.cy);
    ctx.lineTo(qx, qy);
    ctx.stroke();
    // For a negative scale the softmax looks the other way: show that direction dashed.
    if (scene.scale < 0 && scene.qNorm > 0) {
      const ux = scene.query[0] / scene.qNorm, uy = scene.query[1] / scene.qNorm;
      const [fx, fy] = this.toScreen(-ux * 1.0, -uy * 1.0);
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

  drawKeysAndWeights(scene) {
    const { ctx, theme: t } = this;
    const { n, keyPos, weights, argmax } = scene;
    const dotR = n > 40 ? 3.5 : n > 20 ? 4.5 : 5.5;
    ctx.save();
    // blue: radial offset = weight × 1 unit, with a thin connector from the key
    if (weights) {
      ctx.lineWidth = 1.25;
      for (let i = 0; i < n; i++) {
        const kx = keyPos[2 * i], ky = keyPos[2 * i + 1];
        const len = Math.hypot(kx, ky);
        if (!(len > 0)) continue;
        const w = weights[i];
        const bx = kx + (kx / len) * w, by = ky + (ky / len) * w;
        const [sx, sy] = this.toScreen(kx, ky);
        const [ex, ey] = this.toScreen(bx, by);
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
      const [sx, sy] = this.toScreen(keyPos[2 * i], keyPos[2 * i + 1]);
      ctx.fillStyle = t.key;
      ctx.strokeStyle = t.keyStroke;
      ctx.lineWidth = 1.25;
      ctx.beginPath();
      ctx.arc(sx, sy, dotR, 0, TAU);
      ctx.fill();
      ctx.stroke();
    }
    // key index labels (small n only), inside the circle
    if (n <= 24) {
      ctx.fillStyle = t.muted;
      ctx.font = `10px ${t.font}`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      const placed = [];
      for (let i = 0; i < n; i++) {
        const kx = keyPos[2 * i], ky = keyPos[2 * i + 1];
        const len = Math.hypot(kx, ky);
        if (!(len > 0)) continue;
        const off = 14 / this.geom.ppu;
        const [lx, ly] = this.toScreen(kx - (kx / len) * off, ky - (ky / len) * off);
        // skip labels that would overlap one already drawn (crowded clusters)
        if (placed.some(([px, py]) => Math.abs(px - lx) < 13 && Math.abs(py - ly) < 11)) continue;
        placed.push([lx, ly]);
        ctx.fillText(String(i), lx, ly);
      }
    }
    // hover / selection rings
    this.ringKey(scene, scene.selected, t.select, dotR + 5, [3, 2]);
    this.ringKey(scene, scene.hovered, t.highlight, dotR + 4, []);
    ctx.restore();
  }

  ringKey(scene, index, color, radius, dash) {
    if (index == null || index < 0 || index >= scene.n) return;
    const { ctx } = this;
    const [sx, sy] = this.toScreen(scene.keyPos[2 * index], scene.keyPos[2 * index + 1]);
    ctx.save();
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.setLineDash(dash);
    ctx.beginPath();
    ctx.arc(sx, sy, radius, 0, TAU);
    ctx.stroke();
    ctx.restore();
  }

  /** Long context: keys as a density ring, weights as a blue ring per angle bin. */
  drawLongRing(scene) {
    const { ctx, theme: t, geom: g } = this;
    const { bins } = scene;
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
    if (scene.weights && maxW > 0) {
      ctx.beginPath();
      for (let b = 0; b <= B; b++) {
        const bb = b % B;
        const a = -Math.PI + ((bb + 0.5) / B) * TAU;
        const r = 1 + bins.wsum[bb] / maxW;
        const [x, y] = this.toScreen(r * Math.cos(a), r * Math.sin(a));
        if (b === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
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
      const [sx, sy] = this.toScreen(scene.keyPos[2 * index], scene.keyPos[2 * index + 1]);
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(sx, sy, 7, 0, TAU);
      ctx.stroke();
    };
    mark(scene.argmax, t.weight);
    mark(scene.hovered, t.highlight);
    ctx.restore();
  }

  drawValues(scene) {
    const { ctx, theme: t } = this;
    const { values, n, weights, hull } = scene;
    ctx.save();
    if (hull && hull.length >= 2) {
      ctx.strokeStyle = withAlpha(t.hull, 0.55);
      ctx.lineWidth = 1.25;
      ctx.setLineDash([5, 4]);
      ctx.beginPath();
      hull.forEach(([x, y], i) => {
        const [sx, sy] = this.toScreen(x, y);
        if (i === 0) ctx.moveTo(sx, sy); else ctx.lineTo(sx, sy);
      });
      ctx.closePath();
      ctx.stroke();
      ctx.fillStyle = withAlpha(t.hull, 0.05);
      ctx.fill();
      ctx.setLineDash([]);
    }
    if (n <= 4096) {
      let wmax = 0;
      if (weights) for (let i = 0; i < n; i++) if (weights[i] > wmax) wmax = weights[i];
      const s = n > 256 ? 1.6 : n > 40 ? 3 : 4;
      for (let i = 0; i < n; i++) {
        const [sx, sy] = this.toScreen(values[2 * i], values[2 * i + 1]);
        const a = weights && wmax > 0 ? 0.22 + 0.78 * (weights[i] / wmax) : 0.6;
        ctx.fillStyle = withAlpha(t.value, a);
        ctx.beginPath();
        ctx.moveTo(sx, sy - s - 1); ctx.lineTo(sx + s, sy); ctx.lineTo(sx, sy + s + 1); ctx.lineTo(sx - s, sy);
        ctx.closePath();
        ctx.fill();
        if (scene.hovered === i) {
          ctx.strokeStyle = t.highlight;
          ctx.lineWidth = 1.5;
          ctx.stroke();
        }
      }
    }
    ctx.restore();
  }

  drawOutput(scene) {
    const { ctx, theme: t } = this;
    const [ox, oy] = this.toScreen(scene.output[0], scene.output[1]);
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
    ctx.fillStyle = t.output;
    ctx.font = `600 11px ${t.font}`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText('output', ox + 13, oy + 1);
    ctx.restore();
  }

  drawQuery(scene) {
    const { ctx, theme: t } = this;
    const [qx, qy] = this.toScreen(scene.query[0], scene.query[1]);
    ctx.save();
    ctx.fillStyle = t.query;
    ctx.strokeStyle = t.bg;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(qx, qy, 8, 0, TAU);
    ctx.fill();
    ctx.stroke();
    if (scene.queryActive) {
      ctx.strokeStyle = t.query;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(qx, qy, 13, 0, TAU);
      ctx.stroke();
    }
    // label beside the dot, pushed away from the origin
    const len = scene.qNorm || 1;
    const ux = scene.qNorm > 0 ? scene.query[0] / len : 1, uy = scene.qNorm > 0 ? scene.query[1] / len : 0;
    let lx = qx + ux * 18;
    let ly = qy - uy * 18;
    ctx.font = `600 13px ${t.font}`;
    ctx.fillStyle = t.fg;
    ctx.textBaseline = 'middle';
    const k = `κ = ${scene.kappa.toFixed(2)}`;
    const width = ctx.measureText(`q   ${k}`).width;
    const W = this.geom.w;
    let text = `q   ${k}`;
    if (ux >= 0 && lx + width <= W - 4) {
      ctx.textAlign = 'left';
    } else if (ux < 0 && lx - width >= 4) {
      ctx.textAlign = 'right';
      text = `${k}   q`;
    } else {
      // no room beside the dot: put the label above (or below) it, inside the canvas
      ctx.textAlign = 'center';
      lx = Math.min(W - 4 - width / 2, Math.max(4 + width / 2, qx));
      ly = qy > 40 ? qy - 20 : qy + 20;
    }
    ctx.fillText(text, lx, ly);
    ctx.restore();
  }

  drawCircleLabels(scene) {
    const { ctx, theme: t, geom: g } = this;
    ctx.save();
    ctx.font = `12px ${t.font}`;
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    const x = g.pad + 2;
    let y = g.pad;
    const lines = [
      [t.fg, `κ = |q|·scale = ${scene.qNorm.toFixed(2)} × ${fmtScale(scene.scale)} = ${scene.kappa.toFixed(2)}`],
      [t.muted, `query angle φ = ${scene.phiDeg.toFixed(1)}°   n = ${scene.n.toLocaleString('en-US')}`],
    ];
    if (scene.long) lines.push([t.weight, `blue ring: weight per ${(360 / scene.bins.B).toFixed(0)}° bin, largest bin = 1 unit`]);
    else lines.push([t.weight, 'blue offset = weight × 1 unit']);
    if (!scene.normalizeKeys) lines.push([t.muted, 'keys not normalised: length counts']);
    if (scene.scale < 0) lines.push([t.muted, 'scale < 0: q looks the other way (dashed)']);
    if (scene.stale) lines.push([t.output, 'core error: showing the last valid weights']);
    for (const [color, text] of lines) {
      ctx.fillStyle = color;
      ctx.fillText(text, x, y);
      y += 16;
    }
    ctx.restore();
  }

  drawStrip(scene) {
    const { ctx, theme: t, geom: g } = this;
    const s = g.strip;
    const n = scene.n;
    // y range: the weights and the curves share one axis
    let ymax = 0;
    const pts = scene.long ? scene.stripPoints : null;
    if (scene.long && pts) {
      for (let i = 0; i < pts.y.length; i++) if (pts.y[i] > ymax) ymax = pts.y[i];
    } else if (scene.weights) {
      for (let i = 0; i < n; i++) if (scene.weights[i] > ymax) ymax = scene.weights[i];
    }
    for (const c of [scene.curve, scene.gauss]) {
      if (c) for (let i = 0; i < c.y.length; i++) if (c.y[i] > ymax && Number.isFinite(c.y[i])) ymax = c.y[i];
    }
    const yMax = niceCeil(ymax * 1.08 || 1);
    scene.stripYMax = yMax;

    ctx.save();
    // frame and grid
    ctx.strokeStyle = t.grid;
    ctx.lineWidth = 1;
    ctx.font = `11px ${t.font}`;
    ctx.fillStyle = t.muted;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const f of [0, 0.5, 1]) {
      const yv = yMax * f;
      const y = Math.round(this.stripY(yv, yMax)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(s.x0, y); ctx.lineTo(s.x1, y);
      ctx.stroke();
      ctx.fillText(formatTick(yv), s.x0 - 5, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const ticks = [[-Math.PI, '−π'], [-Math.PI / 2, '−π/2'], [0, '0'], [Math.PI / 2, 'π/2'], [Math.PI, 'π']];
    for (const [a, label] of ticks) {
      const x = Math.round(this.stripX(a)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, s.y0); ctx.lineTo(x, s.y1 + 3);
      ctx.stroke();
      ctx.fillText(label, x, s.y1 + 5);
    }
    // title
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillStyle = t.fg;
    ctx.font = `600 12px ${t.font}`;
    const title = scene.long ? 'weights along a line (mean per bin)' : 'weights along a line';
    ctx.fillText(title, s.x0, s.top);
    const tw = ctx.measureText(title).width;
    ctx.font = `11px ${t.font}`;
    ctx.fillStyle = t.muted;
    let note = '   — von Mises · 2π/n';
    if (scene.gauss) note += ',  - - Gaussian approx.';
    else if (scene.gaussNote) note += `,  ${scene.gaussNote}`;
    const full = `   x = key angle, y = weight;${note}`;
    const room = s.x1 - s.x0 - tw;
    ctx.fillText(ctx.measureText(full).width <= room ? full : note, s.x0 + tw, s.top + 1);

    // query direction marker
    const phi = scene.phiDeg * Math.PI / 180;
    const markAngle = scene.scale < 0 ? wrapAngle(phi + Math.PI) : phi;
    const mx = this.stripX(markAngle);
    ctx.strokeStyle = withAlpha(t.query === '#000000' ? '#000000' : t.query, 0.45);
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(mx, s.y0 - 4); ctx.lineTo(mx, s.y1);
    ctx.stroke();
    ctx.setLineDash([]);

    // curves
    const drawCurve = (c, color, dash, width) => {
      if (!c) return;
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.setLineDash(dash);
      ctx.beginPath();
      let started = false;
      for (let i = 0; i < c.angles.length; i++) {
        const v = c.y[i];
        if (!Number.isFinite(v)) { started = false; continue; }
        const x = this.stripX(c.angles[i]), y = this.stripY(Math.min(v, yMax * 1.05), yMax);
        if (!started) { ctx.moveTo(x, y); started = true; } else ctx.lineTo(x, y);
      }
      ctx.stroke();
      ctx.setLineDash([]);
    };
    drawCurve(scene.curve, t.curve, [], 1.5);
    drawCurve(scene.gauss, t.gauss, [6, 4], 2);

    // orange dots
    ctx.fillStyle = t.strip;
    ctx.strokeStyle = t.stripStroke;
    ctx.lineWidth = 1;
    if (scene.long && pts) {
      const r = 2.2;
      for (let i = 0; i < pts.x.length; i++) {
        if (!(pts.y[i] >= 0)) continue;
        ctx.beginPath();
        ctx.arc(this.stripX(pts.x[i]), this.stripY(pts.y[i], yMax), r, 0, TAU);
        ctx.fill();
        ctx.stroke();
      }
    } else if (scene.weights) {
      const r = n > 40 ? 3.5 : 4.5;
      for (let i = 0; i < n; i++) {
        const x = this.stripX(scene.keyAngles[i]), y = this.stripY(scene.weights[i], yMax);
        ctx.beginPath();
        ctx.arc(x, y, i === scene.argmax ? r + 1 : r, 0, TAU);
        ctx.fill();
        ctx.stroke();
      }
      for (const [idx, color] of [[scene.selected, t.select], [scene.hovered, t.highlight]]) {
        if (idx == null || idx < 0 || idx >= n) continue;
        ctx.save();
        ctx.strokeStyle = color;
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(this.stripX(scene.keyAngles[idx]), this.stripY(scene.weights[idx], yMax), r + 4, 0, TAU);
        ctx.stroke();
        ctx.restore();
      }
    }
    ctx.restore();
  }
}

function wrapAngle(a) {
  while (a > Math.PI) a -= TAU;
  while (a < -Math.PI) a += TAU;
  return a;
}

function fmtScale(s) {
  if (Math.abs(s - Math.SQRT1_2) < 1e-12) return '0.71 (1/√2)';
  return s.toFixed(2);
}
