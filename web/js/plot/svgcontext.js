// A recorder for the subset of CanvasRenderingContext2D the plot's renderer uses; toString() gives SVG.
import { escapeHtml as escapeXml } from '../state/codec.js';  // the one escaper (also valid XML)

// "600 11px system-ui, sans-serif" → presentation attributes (no style attribute: strict CSP).
function fontAttrs(font) {
  const m = /^(.*?)(\d+(?:\.\d+)?)px(?:\/\S+)?\s+(.*)$/.exec(String(font).trim());
  if (!m) return `font-family="${escapeXml(font)}"`;
  const weight = /\b(bold|[1-9]00)\b/.exec(m[1]);
  return `font-family="${escapeXml(m[3])}" font-size="${m[2]}"${weight ? ` font-weight="${weight[1]}"` : ''}`;
}

// SVG collapses white space: keep leading, trailing and repeated spaces as no-break spaces.
const keepSpaces = (t) => String(t).replace(/^ +| +$| {2,}/g, (m) => '\u00a0'.repeat(m.length));

const n = (v) => (Math.round(v * 100) / 100).toString();

export class SvgContext {
  constructor(width, height, measure = null) {
    this.width = width;
    this.height = height;
    this.measure = measure;
    this.items = [];
    this.stack = [];
    this.d = '';
    this.fillStyle = '#000';
    this.strokeStyle = '#000';
    this.lineWidth = 1;
    this.lineCap = 'butt';
    this.font = '10px sans-serif';
    this.textAlign = 'start';
    this.textBaseline = 'alphabetic';
    this.globalAlpha = 1;
    this.dash = [];
  }
  save() {
    const { fillStyle, strokeStyle, lineWidth, lineCap, font, textAlign, textBaseline, globalAlpha, dash } = this;
    this.stack.push({ fillStyle, strokeStyle, lineWidth, lineCap, font, textAlign, textBaseline, globalAlpha, dash });
  }
  restore() { const s = this.stack.pop(); if (s) Object.assign(this, s); }
  setTransform() {}
  setLineDash(d) { this.dash = [...d]; }
  getLineDash() { return [...this.dash]; }
  beginPath() { this.d = ''; }
  moveTo(x, y) { this.d += `M${n(x)} ${n(y)}`; }
  lineTo(x, y) { this.d += `L${n(x)} ${n(y)}`; }
  closePath() { this.d += 'Z'; }
  arc(x, y, r, a0, a1, ccw = false) {
    let sweep = ccw ? a0 - a1 : a1 - a0;
    const full = Math.abs(sweep) >= 2 * Math.PI - 1e-9;
    const sx = x + r * Math.cos(a0), sy = y + r * Math.sin(a0);
    this.d += `${this.d ? 'L' : 'M'}${n(sx)} ${n(sy)}`;
    if (full) {
      const mx = x - r * Math.cos(a0), my = y - r * Math.sin(a0);
      const f = ccw ? 0 : 1;
      this.d += `A${n(r)} ${n(r)} 0 1 ${f} ${n(mx)} ${n(my)}A${n(r)} ${n(r)} 0 1 ${f} ${n(sx)} ${n(sy)}`;
      this.lastCircle = { x, y, r };
      return;
    }
    if (sweep < 0) sweep += 2 * Math.PI;
    const ex = x + r * Math.cos(a1), ey = y + r * Math.sin(a1);
    this.d += `A${n(r)} ${n(r)} 0 ${sweep > Math.PI ? 1 : 0} ${ccw ? 0 : 1} ${n(ex)} ${n(ey)}`;
  }
  alpha() { return this.globalAlpha < 1 ? ` opacity="${n(this.globalAlpha)}"` : ''; }
  fill() {
    if (this.d) this.items.push(`<path d="${this.d}" fill="${escapeXml(this.fillStyle)}"${this.alpha()}/>`);
  }
  stroke() {
    if (!this.d) return;
    const dash = this.dash.length ? ` stroke-dasharray="${this.dash.map(n).join(' ')}"` : '';
    this.items.push(`<path d="${this.d}" fill="none" stroke="${escapeXml(this.strokeStyle)}" stroke-width="${n(this.lineWidth)}" stroke-linecap="${escapeXml(this.lineCap)}"${dash}${this.alpha()}/>`);
  }
  clearRect() {}
  fillRect(x, y, w, h) {
    this.items.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="${escapeXml(this.fillStyle)}"${this.alpha()}/>`);
  }
  strokeRect(x, y, w, h) {
    this.items.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="none" stroke="${escapeXml(this.strokeStyle)}" stroke-width="${n(this.lineWidth)}"${this.alpha()}/>`);
  }
  measureText(text) {
    if (this.measure) { this.measure.font = this.font; return this.measure.measureText(text); }
    const px = parseFloat(/(\d+(?:\.\d+)?)px/.exec(this.font)?.[1] ?? '10');
    return { width: String(text).length * px * 0.6 };
  }
  // A text outline (the labels' halo in the background colour).
  strokeText(text, x, y) {
    const anchor = { center: 'middle', right: 'end', end: 'end' }[this.textAlign] ?? 'start';
    const base = { top: 'hanging', hanging: 'hanging', middle: 'middle', bottom: 'text-after-edge', ideographic: 'text-after-edge' }[this.textBaseline] ?? 'alphabetic';
    this.items.push(`<text x="${n(x)}" y="${n(y)}" fill="none" stroke="${escapeXml(this.strokeStyle)}" stroke-width="${n(this.lineWidth)}" stroke-linejoin="round" ${fontAttrs(this.font)} text-anchor="${anchor}" dominant-baseline="${base}"${this.alpha()}>${escapeXml(keepSpaces(text))}</text>`);
  }
  fillText(text, x, y) {
    const anchor = { center: 'middle', right: 'end', end: 'end' }[this.textAlign] ?? 'start';
    const base = { top: 'hanging', hanging: 'hanging', middle: 'middle', bottom: 'text-after-edge', ideographic: 'text-after-edge' }[this.textBaseline] ?? 'alphabetic';
    this.items.push(`<text x="${n(x)}" y="${n(y)}" fill="${escapeXml(this.fillStyle)}" ${fontAttrs(this.font)} text-anchor="${anchor}" dominant-baseline="${base}"${this.alpha()}>${escapeXml(keepSpaces(text))}</text>`);
  }
  toString() {
    const w = n(this.width), h = n(this.height);
    return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" xml:space="preserve" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">\n${this.items.join('\n')}\n</svg>\n`;
  }
}
