// Canvas helpers every drawing shares: DPR sizing, the theme read from CSS custom
// properties, and a world↔screen transform. The palette lives in CSS (style.css
// :root and its dark variant); nothing here hard-codes a colour except the fallback.
// The label placer is labels.js (re-exported here for explore's panels).

export { Labels, overlaps } from './labels.js';

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
  /** @type {Record<string, string>} */
  const theme = {};
  for (const [name, cssVar] of Object.entries(THEME_VARS)) theme[name] = cs.getPropertyValue(cssVar).trim() || '#888';
  theme.font = cs.getPropertyValue('--font').trim() || 'sans-serif';
  theme.mono = cs.getPropertyValue('--mono').trim() || 'monospace';
  return theme;
}

/**
 * The page palette (css/palette.css, as text) scoped to one box of a shadow root: its light
 * colours on `selector`, its dark ones on `selector.dark`.
 */
function scopedPalette(palette, selector) {
  const light = /:root\s*{([^}]*)}/.exec(palette)?.[1] ?? '';
  const dark = /prefers-color-scheme:\s*dark\)\s*{\s*:root\s*{([^}]*)}/.exec(palette)?.[1] ?? '';
  return `${selector} {${light}}\n${selector}.dark {${dark}}`;
}

const sheets = new Map();
/**
 * The stylesheet an element adopts in its shadow roots: the page palette scoped to its `.wrap`
 * box (light, and dark with .dark), then `css`; one constructed sheet per text, shared by every
 * instance.
 */
export function wrapSheet(palette, ...css) {
  const text = [scopedPalette(palette, '.wrap'), ...css].join('\n');
  let sheet = sheets.get(text);
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
    sheets.set(text, sheet);
  }
  return sheet;
}

/**
 * Whether an element's plot is dark: theme 'dark' or 'light' as given; 'auto' follows the host
 * page's color-scheme where it chose one (`color-scheme: dark` on the page or an ancestor),
 * else the system's (`media`: the prefers-color-scheme: dark query, or null).
 */
export function wantsDark(host, theme, media) {
  if (theme !== 'auto') return theme === 'dark';
  const scheme = host && host.isConnected ? getComputedStyle(host).colorScheme || '' : '';
  const saysDark = /\bdark\b/.test(scheme), saysLight = /\blight\b/.test(scheme);
  return saysDark && !saysLight ? true : saysLight && !saysDark ? false : !!media?.matches;
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
