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
import { fitCanvas, readTheme, withAlpha, Labels } from './canvas.js';

const TAU = Math.PI * 2;

/** World half-width of the circle panel (the unit circle has radius 1). */
export const WORLD_EXTENT = 2.45;

// The query's length has no wall: it is drawn to scale up to |q| = QUERY_LINEAR and
// logarithmically beyond, so the edge of the panel is |q| = QUERY_MAX (κ up to 1000 at
// scale 1) while dragging near the circle stays precise. Ticks on the query's line
// label the κ scale.
export const QUERY_LINEAR = 1.5;
export const QUERY_MAX = 1000;
const LOG_GAIN = (WORLD_EXTENT - 0.05 - QUERY_LINEAR) / Math.log(QUERY_MAX / QUERY_LINEAR);

/** Where a query of length |q| is drawn (world radius). */
export function queryRadius(len) {
  return len <= QUERY_LINEAR ? len : QUERY_LINEAR + LOG_GAIN * Math.log(len / QUERY_LINEAR);
}

/** The query length drawn at world radius r (inverse of queryRadius). */
export function queryLength(r) {
  return r <= QUERY_LINEAR ? r : QUERY_LINEAR * Math.exp((r - QUERY_LINEAR) / LOG_GAIN);
}

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
    this.sinkGutter = 0;   // px kept at the strip's right end for the sink's bar (draw sets it)
    this.geom = null;
    this.labels = new Labels();   // every label drawn in the last frame (no two overlap)
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
    const gap = 10;
    const sideSize = Math.max(40, Math.min(h - 2 * pad, w * 0.56));
    if (w >= h * 1.3 && w - sideSize - 2 * pad >= 330) {
      // Wide: the circle on the left, the strip beside it (the same weights, side by side).
      const size = sideSize;
      const cx = pad + size / 2, cy = h / 2;
      const ppu = size / 2 / WORLD_EXTENT;
      const sx = pad + size + gap;
      // a narrow strip needs up to four lines of legend above it
      const legend = w - sx < 420 ? 64 : 50;
      const stripH = Math.round(Math.max(150 + legend - 36, Math.min(300 + legend - 36, h * 0.6)));
      const top = Math.max(pad, (h - stripH) / 2);
      const left = sx + 50, right = w - pad - 10;
      const strip = { x0: left, x1: Math.max(left + 10, right), y0: top + legend, y1: top + stripH - 20, top, left: sx };
      const circle = { x: 0, y: 0, w: sx - gap / 2, h };
      return { w, h, pad, cx, cy, ppu, size, strip, circle };
    }
    const stripH = Math.round(Math.max(120, Math.min(230, h * 0.27)));
    const circleAreaH = Math.max(60, h - stripH - gap - pad);
    const size = Math.max(40, Math.min(w - 2 * pad, circleAreaH));
    const cx = w / 2;
    const cy = pad + circleAreaH / 2;
    const ppu = size / 2 / WORLD_EXTENT; // pixels per world unit
    const stripTop = pad + circleAreaH + gap;
    const left = pad + 42, right = w - pad - 10;
    const strip = { x0: left, x1: Math.max(left + 10, right), y0: stripTop + 40, y1: h - pad - 20, top: stripTop, left: 0 };
    const circle = { x: 0, y: 0, w, h: stripTop - gap / 2 };
    return { w, h, pad, cx, cy, ppu, size, strip, circle };
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

  /** Where the query dot is drawn (CSS pixels): its direction, at radius queryRadius(|q|). */
  queryToScreen(q) {
    const len = Math.hypot(q[0], q[1]);
    const f = len > 0 ? queryRadius(len) / len : 0;
    return this.toScreen(q[0] * f, q[1] * f);
  }

  /** The query whose dot would be drawn at a CSS-pixel point (inverse of queryToScreen). */
  screenToQuery(px, py) {
    const [x, y] = this.toWorld(px, py);
    const r = Math.hypot(x, y);
    const f = r > 0 ? queryLength(r) / r : 0;
    return [x * f, y * f];
  }

  /** True when a CSS-pixel point lies in the circle panel (not the strip). */
  inCirclePanel(px, py) {
    const c = this.geom.circle;
    return px >= c.x && px < c.x + c.w && py >= c.y && py < c.y + c.h;
  }

  stripX(angle) {
    const s = this.geom.strip;
    return s.x0 + ((angle + Math.PI) / TAU) * (s.x1 - this.sinkGutter - s.x0);
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
    const [qx, qy] = this.queryToScreen(scene.query);
    const dq = Math.hypot(px - qx, py - qy);
    if (dq <= qr) return { type: 'query' };
    if (scene.long) return null;
    let best = null, bestD = Infinity;
    const pos = scene.rawKeyPos ?? scene.keyPos;   // under RoPE the raw keys are the handles
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
    this.ctx = svg; this.dpr = 1; this.recording = true;
    try { this.draw(this.lastScene); } finally { this.ctx = ctx; this.dpr = dpr; this.recording = false; }
    return svg.toString();
  }

  draw(scene) {
    this.lastScene = scene;
    // An attention sink gets its own bar at the strip's right end.
    this.sinkGutter = scene && scene.sinkOn && !scene.long ? SINK_GUTTER : 0;
    const { ctx, theme: t, geom: g } = this;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, g.w, g.h);
    ctx.fillStyle = t.bg;
    ctx.fillRect(0, 0, g.w, g.h);
    this.labels.reset();
    this.labels.halo = t.bg;
    this.labels.bounds = g.circle;   // circle labels stay in the circle panel; the strip sets its own
    if (!scene) return;

    // Geometry first (dots register themselves as obstacles), then the labels that must
    // avoid them, most important first: a label that finds no free place is left out.
    this.drawCircleLabels(scene);
    this.drawCircleBackground(scene);
    if (scene.showValues && scene.values) this.drawValues(scene);
    this.drawQueryLine(scene);
    const ticks = this.drawKappaRay(scene);
    if (scene.rawKeyPos && !scene.long) this.drawRopeTurns(scene);
    if (scene.long) this.drawLongRing(scene);
    else this.drawKeysAndWeights(scene);
    if (scene.rotatedQuery) this.drawTurnedQuery(scene);
    if (scene.showValues && scene.output) this.drawOutput(scene);
    this.drawQuery(scene);
    this.drawQueryLabel(scene);
    if (scene.showValues && scene.output) this.drawOutputLabel(scene);
    if (!scene.long) this.drawKeyLabels(scene);
    this.drawKappaLabels(scene, ticks);
    this.drawGuideLabel();
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
    ctx.restore();
  }

  /** Names the dashed circle of radius 2 (where weight 1 puts a unit key's blue dot). */
  drawGuideLabel() {
    const { ctx, theme: t, geom: g } = this;
    const r2 = 2 * g.ppu;
    ctx.save();
    ctx.fillStyle = t.muted;
    ctx.font = `11px ${t.font}`;
    const text = 'r = 2: unit key + weight 1';
    this.labels.place(ctx, text, [
      { x: g.cx + 5, y: g.cy + r2 - 3, align: 'left', baseline: 'bottom' },
      { x: g.cx - 5, y: g.cy + r2 - 3, align: 'right', baseline: 'bottom' },
      { x: g.cx + 5, y: g.cy - r2 + 3, align: 'left', baseline: 'top' },
      { x: g.cx - 5, y: g.cy - r2 + 3, align: 'right', baseline: 'top' },
    ]);
    ctx.restore();
  }

  /**
   * κ ticks along the query's ray (the length scale is linear to |q| = 1.5, log beyond):
   * the dotted ray and the tick marks, drawn under the labels (whose halo keeps them readable).
   * Returns where each tick's label may go, for drawKappaLabels.
   */
  drawKappaRay(scene) {
    const { ctx, theme: t } = this;
    const len = scene.qNorm;
    const ux = len > 0 ? scene.query[0] / len : Math.cos(scene.phi), uy = len > 0 ? scene.query[1] / len : Math.sin(scene.phi);
    ctx.save();
    ctx.strokeStyle = t.muted;
    ctx.lineWidth = 1;
    // the ray past the dot, dotted: how far the query can still go
    const [ex, ey] = this.toScreen(ux * (WORLD_EXTENT - 0.05), uy * (WORLD_EXTENT - 0.05));
    const [qx, qy] = this.queryToScreen(scene.query);
    ctx.setLineDash([1, 4]);
    ctx.beginPath();
    ctx.moveTo(qx, qy);
    ctx.lineTo(ex, ey);
    ctx.stroke();
    ctx.setLineDash([]);
    const nx = -uy, ny = ux;   // perpendicular (world), for the tick marks
    const spots = [];
    ctx.beginPath();
    for (const v of KAPPA_TICKS) {
      const r = queryRadius(v);
      const [sx, sy] = this.toScreen(ux * r, uy * r);
      const [ax, ay] = this.toScreen(ux * r + nx * 0.035, uy * r + ny * 0.035);
      const [bx, by] = this.toScreen(ux * r - nx * 0.035, uy * r - ny * 0.035);
      ctx.moveTo(ax, ay);
      ctx.lineTo(bx, by);
      const k = v * scene.scale;
      const tl = Math.hypot(ax - sx, ay - sy) || 1, off = 9;
      spots.push({
        text: `${Math.abs(k) >= 10 ? k.toFixed(0) : +k.toFixed(2)}`,
        at: [
          { x: sx + ((ax - sx) / tl) * off, y: sy + ((ay - sy) / tl) * off, align: 'center', baseline: 'middle' },
          { x: sx - ((ax - sx) / tl) * off, y: sy - ((ay - sy) / tl) * off, align: 'center', baseline: 'middle' },
        ],
      });
    }
    ctx.stroke();
    ctx.restore();
    return spots;
  }

  /** Each tick's κ, where a label still fits (after the more important labels). */
  drawKappaLabels(scene, spots) {
    const { ctx, theme: t } = this;
    ctx.save();
    ctx.fillStyle = t.muted;
    ctx.font = `10px ${t.font}`;
    for (const spot of spots) this.labels.place(ctx, spot.text, spot.at);
    ctx.restore();
  }

  drawQueryLine(scene) {
    const { ctx, theme: t, geom: g } = this;
    const [qx, qy] = this.queryToScreen(scene.query);
    ctx.save();
    ctx.strokeStyle = t.query;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(g.cx, g.cy);
    ctx.lineTo(qx, qy);
    ctx.stroke();
    // Labels keep off the query's line: small obstacles every LINE_STEP px along it.
    const len = Math.hypot(qx - g.cx, qy - g.cy), steps = Math.floor(len / LINE_STEP);
    for (let i = 1; i < steps; i++) this.labels.avoidDot(g.cx + ((qx - g.cx) * i) / steps, g.cy + ((qy - g.cy) * i) / steps, 1.5);
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

  /**
   * RoPE: each raw key (a hollow ring: the handle) with an arc to where the logits see it,
   * turned by position·θ (drawTurnedQuery draws the query's turned copy).
   */
  drawRopeTurns(scene) {
    const { ctx, theme: t, geom: g } = this;
    const { n, rawKeyPos: raw, keyPos } = scene;
    const dotR = n > 40 ? 3.5 : n > 20 ? 4.5 : 5.5;
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
      const [sx, sy] = this.toScreen(raw[2 * i], raw[2 * i + 1]);
      ctx.moveTo(sx + dotR, sy);
      ctx.arc(sx, sy, dotR, 0, TAU);
      this.labels.avoidDot(sx, sy, dotR);
    }
    ctx.stroke();
    ctx.restore();
  }

  /** RoPE: the query as the logits see it, turned by its position (a ring on the unit circle, over the keys). */
  drawTurnedQuery(scene) {
    const { ctx, theme: t, geom: g } = this;
    const [x, y] = scene.rotatedQuery, len = Math.hypot(x, y);
    if (!(len > 0)) return;
    const [rx, ry] = this.toScreen(x / len, y / len);
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
    this.labels.avoidDot(rx, ry, 9);
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
    // every dot is an obstacle for the labels drawn after it
    for (let i = 0; i < n; i++) {
      const kx = keyPos[2 * i], ky = keyPos[2 * i + 1];
      const [sx, sy] = this.toScreen(kx, ky);
      this.labels.avoidDot(sx, sy, dotR);
      const len = Math.hypot(kx, ky);
      if (weights && len > 0) {
        const [bx, by] = this.toScreen(kx + (kx / len) * weights[i], ky + (ky / len) * weights[i]);
        this.labels.avoidDot(bx, by, dotR);
      }
    }
    this.keyDotR = dotR;
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
        const r = (1 + bins.wsum[bb] / maxW) * g.ppu;   // toScreen, without an array per point
        const x = g.cx + r * Math.cos(a), y = g.cy - r * Math.sin(a);
        if (b === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
        if (b % 3 === 0 && r > 1.5 * g.ppu) this.labels.avoidDot(x, y, 3);   // labels keep off the ring's peaks
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
    const g = this.geom, ppu = g.ppu;
    const s = n > 256 ? 1.6 : n > 40 ? 3 : 4;
    const diamond = (i) => {
      const sx = g.cx + values[2 * i] * ppu, sy = g.cy - values[2 * i + 1] * ppu;
      ctx.moveTo(sx, sy - s - 1); ctx.lineTo(sx + s, sy); ctx.lineTo(sx, sy + s + 1); ctx.lineTo(sx - s, sy);
      ctx.closePath();
    };
    let wmax = 0;
    if (weights) for (let i = 0; i < n; i++) if (weights[i] > wmax) wmax = weights[i];
    const styles = this.valueStyles(t.value);
    if (n > 256 && !this.recording) {
      // Many values: they do not move with the query, so they are drawn once into a layer
      // (redrawn only when the values, the size or the theme change); the top keys' values
      // are shaded on top. A frame then costs the same at 4,096 values as at 8.
      ctx.drawImage(this.valueLayer(scene, s, styles[1]), 0, 0, g.w, g.h);
      ctx.beginPath();
      for (const i of scene.top ?? []) diamond(i);
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
    if (n <= 64) for (let i = 0; i < n; i++) this.labels.avoidDot(g.cx + values[2 * i] * ppu, g.cy - values[2 * i + 1] * ppu, s);
    const h = scene.hovered;
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
   */
  valueLayer(scene, size, style) {
    const g = this.geom, dpr = this.dpr;
    const key = `${g.w}x${g.h}@${dpr} ${style} ${size}`;
    const c = this.valueCache;
    if (c && c.values === scene.values && c.key === key) return c.canvas;
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
    const colour = LITTLE_ENDIAN ? ((a << 24) | (b << 16) | (gr << 8) | r) >>> 0 : ((r << 24) | (gr << 16) | (b << 8) | a) >>> 0;
    // One stamp, the diamond's rows around a pixel centre: each value is snapped to its pixel
    // (half a device pixel at most) and stamped, clipped at the edges.
    const hw = size * dpr, hh = (size + 1) * dpr;  // half width and half height, as drawValues' diamond
    const stamp = [];  // [dy, dx0, dx1] per row
    for (let dy = -Math.floor(hh); dy <= Math.floor(hh); dy++) {
      const half = hw * (1 - Math.abs(dy) / hh);
      const dx = Math.floor(half);
      stamp.push(dy, -dx, dx);
    }
    const v = scene.values, ppu = g.ppu * dpr, ox = g.cx * dpr, oy = g.cy * dpr;
    for (let i = 0; i < scene.n; i++) {
      const cx = Math.floor(ox + v[2 * i] * ppu), cy = Math.floor(oy - v[2 * i + 1] * ppu);
      for (let k = 0; k < stamp.length; k += 3) {
        const y = cy + stamp[k];
        if (y < 0 || y >= H) continue;
        const x0 = Math.max(0, cx + stamp[k + 1]), x1 = Math.min(W - 1, cx + stamp[k + 2]), row = y * W;
        for (let j = row + x0; j <= row + x1; j++) px[j] = colour;
      }
    }
    x.putImageData(img, 0, 0);
    this.valueCache = { values: scene.values, key, canvas };
    return canvas;
  }

  /** The value colour at SHADES opacities (0.22 … 1), made once per colour. */
  valueStyles(color) {
    if (this.valueStyleCache?.color !== color) {
      this.valueStyleCache = { color, styles: Array.from({ length: SHADES }, (_, k) => withAlpha(color, 0.22 + 0.78 * ((k + 0.5) / SHADES))) };
    }
    return this.valueStyleCache.styles;
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
    ctx.restore();
    this.labels.avoidDot(ox, oy, 11);
  }

  drawOutputLabel(scene) {
    const { ctx, theme: t } = this;
    const [ox, oy] = this.toScreen(scene.output[0], scene.output[1]);
    ctx.save();
    ctx.fillStyle = t.output;
    ctx.font = `600 11px ${t.font}`;
    this.labels.place(ctx, 'output', [
      { x: ox + 13, y: oy + 1, align: 'left', baseline: 'middle' },
      { x: ox - 13, y: oy + 1, align: 'right', baseline: 'middle' },
      { x: ox, y: oy - 13, align: 'center', baseline: 'bottom' },
      { x: ox, y: oy + 13, align: 'center', baseline: 'top' },
    ]);
    ctx.restore();
  }

  /** Key numbers (up to 24 keys, or only the hovered/selected one), just inside each key. */
  drawKeyLabels(scene) {
    const { ctx, theme: t } = this;
    const { n, keyPos } = scene;
    ctx.save();
    ctx.fillStyle = t.muted;
    ctx.font = `10px ${t.font}`;
    const one = (i) => {
      const kx = keyPos[2 * i], ky = keyPos[2 * i + 1];
      const len = Math.hypot(kx, ky);
      if (!(len > 0)) return;
      const [sx, sy] = this.toScreen(kx, ky);
      const ux = kx / len, uy = -ky / len;   // screen direction away from the origin
      const cands = [14, -16].map((d) => ({ x: sx - ux * d, y: sy - uy * d, align: 'center', baseline: 'middle' }));
      cands.push({ x: sx + 10, y: sy - 10, align: 'left', baseline: 'bottom' }, { x: sx - 10, y: sy + 10, align: 'right', baseline: 'top' });
      this.labels.place(ctx, String(i), cands);
    };
    for (const i of [scene.selected, scene.hovered]) if (i >= 0 && i < n) one(i);
    if (n <= 24) for (let i = 0; i < n; i++) if (i !== scene.selected && i !== scene.hovered) one(i);
    ctx.restore();
  }

  drawQuery(scene) {
    const { ctx, theme: t } = this;
    const [qx, qy] = this.queryToScreen(scene.query);
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
    ctx.restore();
    this.labels.avoidDot(qx, qy, 9);
  }

  /** "q  κ = …" beside the query dot, pushed away from the origin where there is room. */
  drawQueryLabel(scene) {
    const { ctx, theme: t } = this;
    const [qx, qy] = this.queryToScreen(scene.query);
    const len = scene.qNorm || 1;
    const ux = scene.qNorm > 0 ? scene.query[0] / len : 1, uy = scene.qNorm > 0 ? scene.query[1] / len : 0;
    ctx.save();
    ctx.font = `600 13px ${t.font}`;
    ctx.fillStyle = t.fg;
    const k = `κ = ${fmtKappa(scene.kappa)}`;
    const out = ux >= 0 ? 'left' : 'right';
    const text = ux >= 0 ? `q   ${k}` : `${k}   q`;
    const g = this.geom;
    this.labels.place(ctx, text, [
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

  drawCircleLabels(scene) {
    const { ctx, theme: t, geom: g } = this;
    ctx.save();
    ctx.font = `12px ${t.font}`;
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    const x = g.pad + 2;
    let y = g.pad;
    const lines = [
      [t.fg, `κ = |q|·scale = ${fmtKappa(scene.qNorm)} × ${fmtScale(scene.scale)} = ${fmtKappa(scene.kappa)}`],
      [t.muted, `query angle φ = ${scene.phiDeg.toFixed(1)}°   n = ${scene.n.toLocaleString('en-US')}`],
    ];
    if (scene.long) lines.push([t.weight, `blue ring: weight per ${(360 / scene.bins.B).toFixed(0)}° bin, largest bin = 1 unit`]);
    else lines.push([t.weight, 'blue offset = weight × 1 unit']);
    if (!scene.normalizeKeys) lines.push([t.muted, 'keys not normalised: length counts']);
    if (scene.scale < 0) lines.push([t.muted, 'scale < 0: q looks the other way (dashed)']);
    if (scene.alpha > 1) lines.push([t.muted, `${scene.alpha >= 2 ? 'sparsemax' : `${scene.alpha}-entmax`}: hollow dots get exactly 0`]);
    if (scene.kernel === 'elu+1') lines.push([t.muted, 'linear attention (elu+1): |q| barely sharpens it']);
    if (scene.kernel === 'favor+') lines.push([t.muted, `favor+: ${scene.features} random features approximate softmax`]);
    if (scene.rope) {
      lines.push([t.muted, `RoPE: key i turns i·θ, q turns ${scene.queryPosition}·θ, θ = ${scene.ropeTheta}`]);
      if (!scene.long) lines.push([t.muted, 'rings: keys as given; ◯: q turned']);
    }
    if (scene.sinkOn) lines.push([t.output, `sink takes ${scene.sinkWeight.toFixed(3)} of the weight`]);
    if (scene.stale) lines.push([t.output, 'core error: showing the last valid weights']);
    for (const [color, text] of lines) {
      ctx.fillStyle = color;
      this.labels.place(ctx, text, [{ x, y, align: 'left', baseline: 'top' }], { bounds: g.circle });
      y += 16;
    }
    ctx.restore();
  }

  drawStrip(scene) {
    const { ctx, theme: t, geom: g } = this;
    const s = g.strip;
    this.labels.bounds = { x: s.left, y: s.top - 4, w: g.w - s.left, h: g.h - s.top + 4 };
    const n = scene.n;
    // y range: the weights and the curves share one axis
    let ymax = 0;
    const pts = scene.long ? scene.stripPoints : null;
    if (scene.long && pts) {
      for (let i = 0; i < pts.y.length; i++) if (pts.y[i] > ymax) ymax = pts.y[i];
    } else if (scene.weights) {
      for (let i = 0; i < n; i++) if (scene.weights[i] > ymax) ymax = scene.weights[i];
      if (scene.compare) for (let i = 0; i < n; i++) if (scene.compare[i] > ymax) ymax = scene.compare[i];
      if (this.sinkGutter && scene.sinkWeight > ymax) ymax = scene.sinkWeight;
    }
    // The unit-key curve can rise above every key where there is no key (a key there would
    // take more than the current top weight); the axis follows the weights, the curve is clipped.
    const densities = scene.curveKind === 'vonmises' ? [scene.curve, scene.gauss] : [scene.gauss];
    for (const c of densities) {
      if (c) for (let i = 0; i < c.y.length; i++) if (c.y[i] > ymax && Number.isFinite(c.y[i])) ymax = c.y[i];
    }
    if (!(ymax > 0) && scene.curve) ymax = 1;
    // weights never exceed 1: a top weight near 1 gets the axis [0, 1]
    const yMax = ymax <= 1 && ymax > 0.9 ? 1 : niceCeil(ymax * 1.08 || 1);
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
      this.labels.place(ctx, formatTick(yv), [{ x: s.x0 - 5, y, align: 'right', baseline: 'middle' }]);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const ticks = [[-Math.PI, '−π'], [-Math.PI / 2, '−π/2'], [0, '0'], [Math.PI / 2, 'π/2'], [Math.PI, 'π']];
    for (const [a, label] of ticks) {
      const x = Math.round(this.stripX(a)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, s.y0); ctx.lineTo(x, s.y1 + 3);
      ctx.stroke();
      this.labels.place(ctx, label, [{ x, y: s.y1 + 10, align: 'center', baseline: 'top' }]);
    }
    // title
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillStyle = t.fg;
    ctx.font = `600 12px ${t.font}`;
    const title = scene.long ? 'weights along a line (mean per bin)' : 'weights along a line';
    this.labels.place(ctx, title, [{ x: s.x0, y: s.top, align: 'left', baseline: 'top' }]);
    const tw = ctx.measureText(title).width;
    ctx.font = `11px ${t.font}`;
    ctx.fillStyle = t.muted;
    // The legend flows after the title like text: each piece on the current line if it
    // fits, else on the next; a piece that finds no room above the plot is left out.
    const pieces = [
      scene.rope ? 'x = turned key angle, y = weight' : 'x = key angle, y = weight',
      scene.curveKind === 'vonmises' ? '— von Mises density · 2π/n' : '— weight of a unit key at that angle',
    ];
    if (scene.curveNote) pieces[1] = scene.curveNote;
    if (scene.compare && !scene.long) pieces.splice(1, 0, '○ softmax');   // before the curve: it may not fit
    else if (scene.curveKind !== 'vonmises' && !scene.normalizeKeys) pieces.push('(longer keys sit above it)');
    if (scene.gauss) pieces.push('- - Gaussian approx.');
    else if (scene.gaussNote) pieces.push(scene.gaussNote);
    const bounds = { x: s.left, y: s.top - 2, w: g.w - s.left, h: s.y0 - s.top - 2 };
    let cx = s.x0 + tw + 10, cy = s.top + 1;
    for (const text of pieces) {
      const box = this.labels.place(ctx, text, [
        { x: cx, y: cy, align: 'left', baseline: 'top' },
        { x: s.x0, y: cy + LEGEND_LINE, align: 'left', baseline: 'top' },
      ], { bounds });
      if (!box) continue;
      if (box.y >= cy + LEGEND_LINE - 1) cy += LEGEND_LINE;   // it went to the next line
      cx = box.x + box.w + 8;
    }

    // query direction marker
    const phi = scene.phiSeen ?? scene.phiDeg * Math.PI / 180;
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
        // above the chart (the unit-key curve where no key is): leave a gap, not a flat line
        if (!Number.isFinite(v) || v > yMax * 1.02) { started = false; continue; }
        const x = this.stripX(c.angles[i]), y = this.stripY(v, yMax);
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
      // One path for the dots with weight and one for the keys entmax and sparsemax gave
      // exactly 0 (hollow: an empty slot on the line).
      for (const hollow of [false, true]) {
        ctx.beginPath();
        for (let i = 0; i < n; i++) {
          if ((scene.weights[i] === 0) !== hollow) continue;
          const x = this.stripX(scene.keyAngles[i]), y = this.stripY(scene.weights[i], yMax), rr = i === scene.argmax ? r + 1 : r;
          ctx.moveTo(x + rr, y);
          ctx.arc(x, y, rr, 0, TAU);
        }
        if (!hollow) ctx.fill();
        ctx.stroke();
      }
      if (scene.compare) this.drawCompare(scene, yMax, r);
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
    if (this.sinkGutter) this.drawSinkBar(scene, yMax);
    ctx.restore();
  }

  /** Plain softmax's weights beside the current ones: a grey ring per key, a line to its dot. */
  drawCompare(scene, yMax, r) {
    const { ctx, theme: t } = this;
    const { n, compare, weights } = scene;
    ctx.save();
    ctx.strokeStyle = withAlpha(t.muted, 0.8);
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      const x = this.stripX(scene.keyAngles[i]), y0 = this.stripY(weights[i], yMax), y1 = this.stripY(compare[i], yMax);
      if (Math.abs(y1 - y0) > r + 2) { ctx.moveTo(x, y0 + Math.sign(y1 - y0) * r); ctx.lineTo(x, y1 - Math.sign(y1 - y0) * (r - 1)); }
    }
    ctx.stroke();
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      const x = this.stripX(scene.keyAngles[i]), y = this.stripY(compare[i], yMax);
      ctx.moveTo(x + r - 1, y);
      ctx.arc(x, y, r - 1, 0, TAU);
    }
    ctx.stroke();
    ctx.restore();
  }

  /** The sink's share as its own bar at the strip's right end, on the weights' axis. */
  drawSinkBar(scene, yMax) {
    const { ctx, theme: t, geom: g } = this;
    const s = g.strip;
    const x = s.x1 - 16, w = 12;
    const y0 = this.stripY(0, yMax), y1 = this.stripY(Math.min(scene.sinkWeight, yMax), yMax);
    ctx.save();
    ctx.fillStyle = withAlpha(t.output, 0.85);
    ctx.fillRect(x - w / 2, y1, w, Math.max(1, y0 - y1));
    ctx.fillStyle = t.output;
    ctx.font = `11px ${t.font}`;
    this.labels.place(ctx, 'sink', [{ x, y: s.y1 + 10, align: 'center', baseline: 'top' }]);
    this.labels.place(ctx, scene.sinkWeight.toFixed(2), [
      { x, y: y1 - 3, align: 'center', baseline: 'bottom' },
      { x, y: y1 + 3, align: 'center', baseline: 'top' },
    ]);
    ctx.restore();
  }
}

function wrapAngle(a) {
  while (a > Math.PI) a -= TAU;
  while (a < -Math.PI) a += TAU;
  return a;
}

const KAPPA_TICKS = [2, 10, 100, 1000];
const SINK_GUTTER = 52;
const ROPE_ARC = 0.86;
const LINE_STEP = 10;     // px between the obstacles that keep labels off the query's line    // RoPE's turn arcs, as a fraction of the raw key's radius
const LEGEND_LINE = 16;   // px between the strip legend's lines (the labels keep a gap between them)   // px at the strip's right end for the sink's bar
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const SHADES = 8;   // opacity steps for the values (one path each)

/** κ and |q| for labels: 2 decimals while small, whole numbers from 100. */
function fmtKappa(v) {
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
}

function fmtScale(s) {
  if (Math.abs(s - Math.SQRT1_2) < 1e-12) return '0.71 (1/√2)';
  return s.toFixed(2);
}
