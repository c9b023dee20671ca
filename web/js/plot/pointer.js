// Pointer and keyboard input on the one-query plot: drag the query or a key, click to
// add a key, double-click / double-tap / long-press or Delete to remove one, arrows to
// rotate and stretch the query. Handlers read the last drawn frame's geometry (what the
// renderer returned) and the state, and ask the playground to commit; they never draw,
// never build a scene and never call the core.

import { queryRadius, queryLength, toWorld, screenToQuery, inBox } from './geometry.js';

/** @typedef {import('./renderer.js').Frame} Frame */

const LONG_PRESS_MS = 600;
const DOUBLE_TAP_MS = 400;
const MOVE_SLOP = 5;        // CSS px before a press becomes a drag

/**
 * What is under a CSS-pixel point in a drawn frame: {type:'query'} | {type:'key', index}
 * (inStrip: true for a key's dot on the strip) | null. The radii grow for touch.
 * @param {Frame|null} frame
 */
export function hitTest(frame, px, py, pointerType = 'mouse') {
  if (!frame?.query) return null;
  const touch = pointerType === 'touch' || pointerType === 'pen';
  const qr = touch ? 26 : 16;
  const kr = touch ? 22 : 12;
  const [qx, qy] = frame.query;
  if (Math.hypot(px - qx, py - qy) <= qr) return { type: 'query' };
  if (frame.long) return null;
  const key = nearest(frame.keys, px, py, kr);
  if (key >= 0) return { type: 'key', index: key };
  // Orange dots in the strip count as their key too (hover / select).
  const dot = nearest(frame.stripDots, px, py, kr);
  if (dot >= 0) return { type: 'key', index: dot, inStrip: true };
  return null;
}

/** The index of the point (x, y pairs) nearest to (px, py) within r, or -1. */
function nearest(points, px, py, r) {
  let best = -1, bestD = Infinity;
  for (let i = 0; 2 * i < points.length; i++) {
    const d = Math.hypot(px - points[2 * i], py - points[2 * i + 1]);
    if (d <= r && d < bestD) { best = i; bestD = d; }
  }
  return best;
}

export class Pointer {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {object} pg  the playground: frame (the last drawn frame's geometry), ui,
   *   editable, setQuery(x, y), setQueryPolar(r, a), queryPolar(), moveKey(i, x, y),
   *   addKey(x, y), removeKey(i), setUi(patch), cancelAnimation()
   */
  constructor(canvas, pg) {
    this.canvas = canvas;
    this.pg = pg;
    this.drag = null;
    this.lastTap = null;
    /** @type {ReturnType<typeof setTimeout> | 0} */
    this.longPressTimer = 0;
    const on = (type, fn) => canvas.addEventListener(type, fn);
    on('pointerdown', (e) => this.down(e));
    on('pointermove', (e) => this.move(e));
    on('pointerup', (e) => this.up(e));
    on('pointercancel', (e) => this.cancel(e));
    on('pointerleave', () => this.leave());
    on('lostpointercapture', (e) => { if (this.drag && e.pointerId === this.drag.id) this.cancel(e); });
    on('keydown', (e) => this.key(e));
    on('contextmenu', (e) => e.preventDefault());
    // Wheel over the focused plot, or a trackpad pinch (ctrl+wheel), stretches the query;
    // an unfocused plot lets the wheel scroll the page.
    canvas.addEventListener('wheel', (e) => {
      const root = /** @type {Document|ShadowRoot} */ (canvas.getRootNode());
      if (!e.ctrlKey && document.activeElement !== canvas && root.activeElement !== canvas) return;
      e.preventDefault();
      const [r, a] = this.pg.queryPolar();
      const dr = -Math.max(-0.3, Math.min(0.3, e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.002)));
      this.pg.setQueryPolar(queryLength(Math.max(0, queryRadius(r) + dr)), a);
    }, { passive: false });
    // Two fingers on the plot pinch the query's length.
    canvas.addEventListener('touchmove', (e) => {
      if (e.touches.length !== 2) { this.pinch = null; return; }
      e.preventDefault();
      const [a, b] = e.touches;
      const dist = Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY);
      if (!this.pinch) { this.pinch = { dist, r: queryRadius(this.pg.queryPolar()[0]) }; return; }
      if (!this.pg.frame) return;
      const ppu = this.pg.frame.layout.ppu;
      const r = Math.max(0, this.pinch.r + (dist - this.pinch.dist) / ppu);
      this.pg.setQueryPolar(queryLength(r), this.pg.queryPolar()[1]);
    }, { passive: false });
    canvas.addEventListener('touchend', () => { this.pinch = null; });
    // Touch: the page scrolls (CSS touch-action: manipulation) unless the finger starts on
    // a handle; cancelling that touchstart keeps the browser from panning, so it drags.
    canvas.addEventListener('touchstart', (e) => {
      if (e.touches.length === 2) { e.preventDefault(); return; }  // a pinch on the plot
      if (e.touches.length !== 1) return;
      const [px, py] = this.local(e.touches[0]);
      if (hitTest(this.pg.frame, px, py, 'touch')) e.preventDefault();
    }, { passive: false });
  }

  local(e) {
    const r = this.canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  cancelLongPress() {
    if (this.longPressTimer) clearTimeout(this.longPressTimer);
    this.longPressTimer = 0;
  }

  down(e) {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    if (this.drag) return; // one pointer at a time
    const pg = this.pg;
    pg.cancelAnimation();   // the hand wins over a running animation
    this.canvas.focus({ preventScroll: true });
    const [px, py] = this.local(e);
    const frame = pg.frame;
    const hit = hitTest(frame, px, py, e.pointerType);
    const d = {
      id: e.pointerId, pointerType: e.pointerType, type: hit ? hit.type : 'empty',
      index: hit && hit.type === 'key' ? hit.index : -1, inStrip: !!(hit && hit.inStrip),
      startX: px, startY: py, moved: false, consumed: false, offset: [0, 0],
    };
    this.drag = d;
    if (d.type === 'query') {
      // Keep the grab point: the dot follows the finger at the offset it was taken with.
      const [qx, qy] = frame.query;
      d.offset = [qx - px, qy - py];
      pg.setUi({ queryActive: true });
    }
    if (d.type === 'key') {
      pg.setUi({ selected: d.index, hovered: d.index });
      if (e.pointerType !== 'mouse' && pg.editable) {
        this.longPressTimer = setTimeout(() => {
          this.longPressTimer = 0;
          if (this.drag === d && !d.moved) {
            d.consumed = true;
            pg.removeKey(d.index);
          }
        }, LONG_PRESS_MS);
      }
    }
    try { this.canvas.setPointerCapture(e.pointerId); } catch { /* pointer already gone */ }
    this.canvas.classList.add('is-dragging');
    e.preventDefault();
  }

  move(e) {
    const pg = this.pg;
    const [px, py] = this.local(e);
    const d = this.drag;
    if (d && e.pointerId === d.id) {
      if (!d.moved && Math.hypot(px - d.startX, py - d.startY) > MOVE_SLOP) {
        d.moved = true;
        this.cancelLongPress();
      }
      if (!d.moved || d.consumed || d.type === 'empty') return;
      const view = pg.frame.layout;   // (a query or key was hit, so a frame was drawn)
      if (d.type === 'query') pg.setQuery(...screenToQuery(view, px + d.offset[0], py + d.offset[1]));
      else if (d.type === 'key' && !d.inStrip && pg.editable) pg.moveKey(d.index, ...toWorld(view, px, py));
      return;
    }
    if (d) return;
    const hit = hitTest(pg.frame, px, py, e.pointerType);
    this.canvas.classList.toggle('is-over-handle', !!hit);
    pg.setUi({ hovered: hit && hit.type === 'key' ? hit.index : -1 });
  }

  up(e) {
    const d = this.drag;
    if (!d || e.pointerId !== d.id) return;
    const pg = this.pg;
    this.cancelLongPress();
    this.drag = null;
    this.canvas.classList.remove('is-dragging');
    try { this.canvas.releasePointerCapture(e.pointerId); } catch { /* released */ }
    pg.setUi({ queryActive: false });
    if (d.consumed) return;
    if (!d.moved) {
      const [px, py] = this.local(e);
      if (d.type === 'empty') {
        const frame = pg.frame;
        if (frame && inBox(frame.layout.circle, px, py) && pg.editable && !frame.long) {
          const [wx, wy] = toWorld(frame.layout, px, py);
          pg.addKey(wx, wy);
        } else {
          pg.setUi({ selected: -1 });
        }
      } else if (d.type === 'key' && pg.editable) {
        const now = performance.now();
        if (this.lastTap && this.lastTap.index === d.index && now - this.lastTap.time < DOUBLE_TAP_MS) {
          this.lastTap = null;
          pg.removeKey(d.index);
        } else {
          this.lastTap = { index: d.index, time: now };
        }
      }
    }
    if (d.pointerType !== 'mouse') pg.setUi({ hovered: -1 });
  }

  cancel(e) {
    if (!this.drag || e.pointerId !== this.drag.id) return;
    this.cancelLongPress();
    this.drag = null;
    this.canvas.classList.remove('is-dragging');
    this.pg.setUi({ queryActive: false });
  }

  leave() {
    if (this.drag) return;
    this.canvas.classList.remove('is-over-handle');
    this.pg.setUi({ hovered: -1 });
  }

  key(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const pg = this.pg;
    pg.cancelAnimation();
    const fine = e.shiftKey;
    const [r, a] = pg.queryPolar();
    const dA = (fine ? 1 : 5) * Math.PI / 180;
    // Length steps are even on screen: 0.1 of |q| near the circle, ever larger beyond.
    const dR = fine ? 0.02 : 0.1;
    const stretch = (dr) => pg.setQueryPolar(queryLength(Math.max(0, queryRadius(r) + dr)), a);
    switch (e.key) {
      case 'ArrowLeft': pg.setQueryPolar(r, a + dA); break;    // counter-clockwise
      case 'ArrowRight': pg.setQueryPolar(r, a - dA); break;   // clockwise
      case 'ArrowUp': case '+': case '=': stretch(dR); break;
      case 'ArrowDown': case '-': case '_': stretch(-dR); break;
      case 'PageUp': stretch(0.5); break;
      case 'PageDown': stretch(-0.5); break;
      case 'Delete': case 'Backspace':
        if (pg.ui.selected >= 0 && pg.editable) pg.removeKey(pg.ui.selected);
        break;
      case 'Escape': pg.setUi({ selected: -1 }); break;
      default: return;
    }
    e.preventDefault();
  }
}
