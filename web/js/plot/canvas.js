// Canvas helpers every drawing shares: DPR sizing, the theme read from CSS custom
// properties, and a world↔screen transform. The palette lives in CSS (style.css
// :root and its dark variant); nothing here hard-codes a colour except the fallback.

const THEME_VARS = {
  bg: '--bg', fg: '--fg', muted: '--muted', grid: '--grid', axis: '--axis', circle: '--circle',
  query: '--query', key: '--key', keyStroke: '--key-stroke', weight: '--weight',
  strip: '--strip', stripStroke: '--strip-stroke', curve: '--curve', gauss: '--gauss',
  value: '--value', output: '--output', hull: '--hull', highlight: '--highlight',
  select: '--select', surface: '--surface', border: '--border', accent: '--accent',
};

/** Colours of categorical series (heads), Okabe–Ito. */
export const SERIES = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#7a4a9e', '#8a5d00'];

/** Reads the plot colours from the CSS custom properties that apply to `el`. */
export function readTheme(el = document.documentElement) {
  const cs = getComputedStyle(el);
  const theme = {};
  for (const [name, cssVar] of Object.entries(THEME_VARS)) theme[name] = cs.getPropertyValue(cssVar).trim() || '#888';
  theme.font = cs.getPropertyValue('--font').trim() || 'sans-serif';
  theme.mono = cs.getPropertyValue('--mono').trim() || 'monospace';
  return theme;
}

/**
 * Matches the backing store to the CSS size × devicePixelRatio (crisp lines) and
 * returns {ctx, w, h, dpr, changed} with the context scaled to CSS pixels.
 */
export function fitCanvas(canvas, { clear = true } = {}) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 300, h = canvas.clientHeight || 150;
  const bw = Math.max(1, Math.round(w * dpr)), bh = Math.max(1, Math.round(h * dpr));
  const changed = canvas.width !== bw || canvas.height !== bh;
  if (canvas.width !== bw) canvas.width = bw;
  if (canvas.height !== bh) canvas.height = bh;
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (clear) ctx.clearRect(0, 0, w, h);
  return { ctx, w, h, dpr, changed };
}

/** A square world [−extent, extent]² (y up) centred at (cx, cy) with `ppu` pixels per unit. */
export class View {
  constructor(cx = 0, cy = 0, ppu = 1) { this.set(cx, cy, ppu); }
  set(cx, cy, ppu) { this.cx = cx; this.cy = cy; this.ppu = ppu; return this; }
  /** Fits a world of half-width `extent` into a w×h box with `pad` pixels spare. */
  fit(w, h, extent, pad = 0) { return this.set(w / 2, h / 2, Math.max(1, (Math.min(w, h) / 2 - pad) / extent)); }
  toScreen(x, y) { return [this.cx + x * this.ppu, this.cy - y * this.ppu]; }
  toWorld(px, py) { return [(px - this.cx) / this.ppu, (this.cy - py) / this.ppu]; }
}

/** Accepts #rgb / #rrggbb; anything else is returned unchanged. */
export function withAlpha(color, alpha) {
  // Memoised by colour, then alpha: a frame asks for the same few styles again and again,
  // and a lookup builds no string.
  let byAlpha = ALPHA_CACHE.get(color);
  if (!byAlpha) ALPHA_CACHE.set(color, (byAlpha = new Map()));
  let style = byAlpha.get(alpha);
  if (style === undefined) {
    if (byAlpha.size >= 1024) byAlpha.clear();
    style = rgba(color, alpha);
    byAlpha.set(alpha, style);
  }
  return style;
}
const ALPHA_CACHE = new Map();

function rgba(color, alpha) {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color);
  if (!m) return color;
  let hex = m[1];
  if (hex.length === 3) hex = hex.split('').map((c) => c + c).join('');
  const r = parseInt(hex.slice(0, 2), 16), g = parseInt(hex.slice(2, 4), 16), b = parseInt(hex.slice(4, 6), 16);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** A number for a label: 3 decimals, or exponent form when tiny. */
export const fmt = (x, digits = 3) => (!Number.isFinite(x) ? '–' : Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(digits) : x.toExponential(2));

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
      if (bounds && (box.x < bounds.x || box.y < bounds.y || box.x + box.w > bounds.x + bounds.w || box.y + box.h > bounds.y + bounds.h)) continue;
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

/** True when two boxes {x, y, w, h} share area (touching edges do not count). */
export function overlaps(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}
