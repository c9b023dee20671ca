// Where things go on the one-query plot's canvas (CSS pixels): the two panels, world ↔ screen
// in the circle panel, and the query's length ↔ its drawn radius. Plain arithmetic; the
// renderer, the pointer and the animation all read it from here.

import { PLAYGROUND } from '../state/schema.js';

/** World half-width of the circle panel (the unit circle has radius 1). */
export const WORLD_EXTENT = 2.45;

// The query's length has no wall: it is drawn to scale up to |q| = QUERY_LINEAR and on a log
// scale beyond, so the edge of the panel is the longest query the schema allows (|q| = 1000:
// κ up to 1000 at scale 1) while dragging near the circle stays precise. Past the break the
// log's rate eases in over LOG_EASE world units: at the break a pixel adds as much |q| as a
// pixel inside it (no jump in the drag's gain), and from there on equal pixels multiply |q|
// by a steady ratio. Ticks on the query's line label the κ scale, and one marks the break.
export const QUERY_LINEAR = 1.5;
export const QUERY_MAX = PLAYGROUND.fields.query.max;
const LOG_EASE = 0.15;
const LOG_REACH = WORLD_EXTENT - 0.05 - QUERY_LINEAR;
const EASE = 1 - Math.exp(-LOG_REACH / LOG_EASE);
// ln(|q| / QUERY_LINEAR) = u / G − (1/G − 1/QUERY_LINEAR)·LOG_EASE·(1 − e^(−u/LOG_EASE)), u = r − QUERY_LINEAR:
// slope 1/QUERY_LINEAR at u = 0 (matching the linear part), 1/G far out; G puts QUERY_MAX at the edge.
const LOG_GAIN = (LOG_REACH - LOG_EASE * EASE)
  / (Math.log(QUERY_MAX / QUERY_LINEAR) - (LOG_EASE * EASE) / QUERY_LINEAR);

/** ln(|q| / QUERY_LINEAR) at u world units past the break. */
function logLength(u) {
  return u / LOG_GAIN - (1 / LOG_GAIN - 1 / QUERY_LINEAR) * LOG_EASE * (1 - Math.exp(-u / LOG_EASE));
}

/** Where a query of length |q| is drawn (world radius). */
export function queryRadius(len) {
  if (len <= QUERY_LINEAR) return len;
  // invert logLength (increasing and convex) by Newton's method from the pure-log guess
  const target = Math.log(len / QUERY_LINEAR);
  let u = LOG_GAIN * target;
  for (let i = 0; i < 30; i++) {
    const slope = 1 / LOG_GAIN - (1 / LOG_GAIN - 1 / QUERY_LINEAR) * Math.exp(-u / LOG_EASE);
    const step = (logLength(u) - target) / slope;
    u -= step;
    if (Math.abs(step) < 1e-13) break;
  }
  return QUERY_LINEAR + u;
}

/** The query length drawn at world radius r (inverse of queryRadius). */
export function queryLength(r) {
  return r <= QUERY_LINEAR ? r : QUERY_LINEAR * Math.exp(logLength(r - QUERY_LINEAR));
}

/**
 * @typedef {object} Box  a rectangle in CSS pixels
 * @property {number} x
 * @property {number} y
 * @property {number} w
 * @property {number} h
 */

/**
 * @typedef {object} StripBox  the strip's plot area and its surroundings (CSS pixels)
 * @property {number} x0    left end of the angle axis
 * @property {number} x1    right end (the sink's bar, when shown, takes its last px)
 * @property {number} y0    top of the weight axis
 * @property {number} y1    bottom (weight 0)
 * @property {number} top   top of the title and legend
 * @property {number} left  left edge of the strip's panel
 */

/**
 * @typedef {object} Layout  the panels of a w × h canvas (CSS pixels)
 * @property {number} w
 * @property {number} h
 * @property {number} pad
 * @property {number} cx     the circle's centre (world origin)
 * @property {number} cy
 * @property {number} ppu    pixels per world unit
 * @property {number} size   the circle panel's square side
 * @property {StripBox} strip
 * @property {Box} circle    the circle panel
 */

/**
 * The panels of a w × h canvas: wide, the strip beside the circle; otherwise below it.
 * @returns {Layout}
 */
export function panelLayout(w, h) {
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
  const strip = {
    x0: left, x1: Math.max(left + 10, right), y0: stripTop + 40, y1: h - pad - 20, top: stripTop, left: 0,
  };
  const circle = { x: 0, y: 0, w, h: stripTop - gap / 2 };
  return { w, h, pad, cx, cy, ppu, size, strip, circle };
}

/**
 * @typedef {object} View  world ↔ screen of the circle panel (a Layout is one)
 * @property {number} cx
 * @property {number} cy
 * @property {number} ppu
 */

/** World (y up) → CSS pixels. @param {View} v @returns {[number, number]} */
export function toScreen(v, x, y) {
  return [v.cx + x * v.ppu, v.cy - y * v.ppu];
}

/** CSS pixels → world. @param {View} v @returns {[number, number]} */
export function toWorld(v, px, py) {
  return [(px - v.cx) / v.ppu, (v.cy - py) / v.ppu];
}

/** Where the query dot is drawn (CSS pixels): its direction, at radius queryRadius(|q|). @param {View} v */
export function queryToScreen(v, q) {
  const len = Math.hypot(q[0], q[1]);
  const f = len > 0 ? queryRadius(len) / len : 0;
  return toScreen(v, q[0] * f, q[1] * f);
}

/** The query whose dot would be drawn at a CSS-pixel point (inverse of queryToScreen). @param {View} v */
export function screenToQuery(v, px, py) {
  const [x, y] = toWorld(v, px, py);
  const r = Math.hypot(x, y);
  const f = r > 0 ? queryLength(r) / r : 0;
  return [x * f, y * f];
}

/** True when a CSS-pixel point lies in a box. @param {Box} b */
export function inBox(b, px, py) {
  return px >= b.x && px < b.x + b.w && py >= b.y && py < b.y + b.h;
}
