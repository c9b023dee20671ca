// The label placer every plot shares: labels that never overlap each other or the marks
// they describe, each at the first of its candidate places that is free.

/**
 * Labels that never overlap: each label tries its candidate positions in order and is
 * drawn at the first whose box meets no box placed before (and no obstacle); if none
 * fits it is left out. `boxes` keeps every drawn label's box (tests assert that no two
 * intersect).
 */
export class Labels {
  constructor() { this.boxes = []; this.obstacles = []; this.bounds = null; this.halo = null; }

  reset() { this.boxes = []; this.obstacles = []; }

  /** Reserves a rectangle (a dot, the query, a legend) that labels must avoid. */
  avoid(x, y, w, h) { this.obstacles.push({ x, y, w, h }); }

  /** Reserves the square of radius r around (x, y). */
  avoidDot(x, y, r) { this.avoid(x - r, y - r, 2 * r, 2 * r); }

  /**
   * candidates: [{x, y, align: 'left'|'center'|'right', baseline: 'top'|'middle'|'bottom'|'alphabetic'}];
   * the context's font and fill are used. A label must lie inside `bounds` (default: the
   * `bounds` property, e.g. the panel being labelled). Returns the box drawn, or null.
   */
  place(ctx, text, candidates, { bounds = this.bounds } = {}) {
    const m = ctx.measureText(text);
    const w = m.width;
    const h = (m.fontBoundingBoxAscent ?? 9) + (m.fontBoundingBoxDescent ?? 3);
    for (const c of candidates) {
      const box = boxOf(c, w, h, m);
      if (bounds && !inside(box, bounds)) continue;
      // a gap of PAD px keeps neighbours from reading as one label ("1" "14" → "114")
      const padded = { x: box.x - PAD, y: box.y - PAD, w: box.w + 2 * PAD, h: box.h + 2 * PAD };
      if (this.boxes.some((b) => overlaps(b, padded)) || this.obstacles.some((b) => overlaps(b, box))) continue;
      ctx.textAlign = c.align ?? 'left';
      ctx.textBaseline = c.baseline ?? 'alphabetic';
      if (this.halo) {
        // a halo in the background colour keeps lines drawn under a label from crossing it
        ctx.save();
        ctx.strokeStyle = this.halo;
        ctx.lineWidth = 3;
        ctx.lineJoin = 'round';
        ctx.strokeText(text, c.x, c.y);
        ctx.restore();
      }
      ctx.fillText(text, c.x, c.y);
      box.text = text;
      this.boxes.push(box);
      return box;
    }
    return null;
  }
}

const PAD = 1.5;

function boxOf(c, w, h, m) {
  const align = c.align ?? 'left', baseline = c.baseline ?? 'alphabetic';
  const x = align === 'center' ? c.x - w / 2 : align === 'right' ? c.x - w : c.x;
  const ascent = m.fontBoundingBoxAscent ?? 9;
  const y = baseline === 'top' ? c.y : baseline === 'middle' ? c.y - h / 2 : baseline === 'bottom' ? c.y - h : c.y - ascent;
  return { x, y, w, h };
}

/** True when box a lies within box b (edges may touch). */
function inside(a, b) {
  return !(a.x < b.x || a.y < b.y || a.x + a.w > b.x + b.w || a.y + a.h > b.y + b.h);
}

/** True when two boxes {x, y, w, h} share area (touching edges do not count). */
export function overlaps(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}
