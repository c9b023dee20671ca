// Draws one frame of the attention picture on a canvas. No state, no attention math: it
// receives a scene (scene.js: the numbers the core computed) and turns it into pixels, and
// returns the frame's geometry for the next hit test. It never writes into the scene.
//
// The canvas holds two panels (geometry.js places them):
//   * the circle panel (world coordinates, y up): unit circle, keys and weights (circle.js),
//     the query (query.js), and optionally the values, their hull and the output (values.js);
//   * the strip (strip.js): the same weights along a line, with the strip's curve.
// Labels never overlap (labels.js): marks are drawn first and reserve their place, then the
// labels, most important first.

import { SvgContext } from './svgcontext.js';
import { fitCanvas, readTheme, Labels } from './canvas.js';
import { panelLayout, toScreen, toWorld, queryToScreen, screenToQuery } from './geometry.js';
import { drawCircleBackground, drawCircleLabels, drawDistanceLegend, drawGuideLabel, drawKeyLabels, drawKeysAndWeights,
  drawLongRing, drawRopeTurns } from './circle.js';
import { drawHalfArc, drawHalfArcLabel, drawKappaLabels, drawKappaRay, drawQuery, drawQueryLabel, drawQueryLine,
  drawTurnedQuery } from './query.js';
import { ValuesPainter, drawOutput, drawOutputLabel } from './values.js';
import { drawStrip } from './strip.js';

/** @typedef {import('./scene.js').Scene} Scene */
/** @typedef {import('./geometry.js').Layout} Layout */
/** @typedef {import('./geometry.js').Box} Box */

/**
 * @typedef {object} Pen  what every drawing function gets for one frame
 * @property {CanvasRenderingContext2D} ctx  the canvas's context (or an SvgContext recording the frame)
 * @property {Record<string, string>} theme  colours and fonts from the CSS (canvas.js readTheme)
 * @property {Layout} layout
 * @property {Labels} labels                 the label placer (its boxes: every label drawn)
 * @property {number} dpr
 * @property {boolean} recording             drawing into SVG: no raster layers
 */

/**
 * @typedef {object} Frame  what a drawn frame leaves for the input: the next hit test reads
 *   this, never the scene (CSS pixels of the canvas)
 * @property {Layout} layout         the panels and world ↔ screen (cx, cy, ppu) of this frame
 * @property {number[]|null} query   the query dot; null while there is no scene
 * @property {Float64Array} keys     the key handles (x, y per key; the keys as given under RoPE);
 *   empty in long context
 * @property {Float64Array} stripDots  each key's dot on the strip (x, y per key); empty in long
 *   context and without weights
 * @property {number} stripYMax      the weight at the top of the strip's axis (0: no strip)
 * @property {boolean} long          long context: keys are no handles and a click adds none
 */

const SINK_GUTTER = 52;   // px at the strip's right end for the sink's bar
const NONE = new Float64Array(0);

export class Plot {
  /** @param {HTMLCanvasElement} canvas @param {import('./overlay.js').Overlay[]} [overlays] */
  constructor(canvas, overlays = []) {
    this.canvas = canvas;
    this.overlays = overlays;
    this.ctx = canvas.getContext('2d');
    this.theme = readTheme(canvas);
    this.cssWidth = 0;
    this.cssHeight = 0;
    this.dpr = 1;
    this.sinkGutter = 0;   // px kept at the strip's right end for the sink's bar in the last frame
    /** @type {Layout} */
    this.geom = null;
    this.labels = new Labels();   // every label drawn in the last frame (no two overlap)
    this.valuesPainter = new ValuesPainter();   // keeps the many-values layer between frames
    /** @type {Scene|null} */
    this.lastScene = null;
    /** @type {Frame|null} the last drawn frame's geometry (for tools and tests) */
    this.lastFrame = null;
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
    this.geom = panelLayout(w, h);
    return changed;
  }

  // ----- coordinate transforms (CSS pixels), for tools and tests (docs/js-api.md: renderer)

  toScreen(x, y) { return toScreen(this.geom, x, y); }
  toWorld(px, py) { return toWorld(this.geom, px, py); }
  queryToScreen(q) { return queryToScreen(this.geom, q); }
  screenToQuery(px, py) { return screenToQuery(this.geom, px, py); }

  // ----- drawing

  /**
   * Draws a scene (null: an empty plot) and returns the frame's geometry.
   * @param {Scene|null} scene
   * @returns {Frame}
   */
  draw(scene) {
    this.lastScene = scene;
    this.lastFrame = this.paint(this.ctx, this.dpr, false, scene);
    return this.lastFrame;
  }

  /** The last drawn scene as an SVG document (string). */
  toSVG() {
    const g = this.geom;
    const svg = new SvgContext(g.w, g.h, this.ctx);
    this.paint(/** @type {any} */ (svg), 1, true, this.lastScene);
    return svg.toString();
  }

  /**
   * @param {CanvasRenderingContext2D} ctx
   * @param {Scene|null} scene
   * @returns {Frame}
   */
  paint(ctx, dpr, recording, scene) {
    // An attention sink gets its own bar at the strip's right end.
    this.sinkGutter = scene && scene.normaliser.sink && !scene.long ? SINK_GUTTER : 0;
    const { theme: t, geom: g, labels } = this;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, g.w, g.h);
    ctx.fillStyle = t.bg;
    ctx.fillRect(0, 0, g.w, g.h);
    labels.reset();
    labels.halo = t.bg;
    labels.bounds = g.circle;   // circle labels stay in the circle panel; the strip sets its own
    if (!scene) return { layout: g, query: null, keys: NONE, stripDots: NONE, stripYMax: 0, long: false };
    /** @type {Pen} */
    const pen = { ctx, theme: t, layout: g, labels, dpr, recording };

    // Geometry first (dots register themselves as obstacles), then the labels that must
    // avoid them, most important first: a label that finds no free place is left out.
    const showValues = scene.values.visible;
    drawCircleBackground(pen);
    const header = drawCircleLabels(pen, scene);   // over the rings and axes; placed first, so every label avoids it
    drawHalfArc(pen, scene);
    if (showValues && scene.values.positions) this.valuesPainter.draw(pen, scene);
    drawQueryLine(pen, scene);
    const ticks = drawKappaRay(pen, scene, header);
    if (scene.rope?.givenKeys && !scene.long) drawRopeTurns(pen, scene);
    if (scene.long) drawLongRing(pen, scene);
    else drawKeysAndWeights(pen, scene);
    if (scene.rope?.turnedQuery) drawTurnedQuery(pen, scene);
    if (showValues && scene.values.output) drawOutput(pen, scene);
    drawQuery(pen, scene);
    drawQueryLabel(pen, scene);
    for (const o of this.overlays) o.draw(pen, scene.extras[o.name], scene);
    drawDistanceLegend(pen, scene);
    drawHalfArcLabel(pen, scene);
    if (showValues && scene.values.output) drawOutputLabel(pen, scene);
    if (!scene.long) drawKeyLabels(pen, scene);
    drawKappaLabels(pen, ticks);
    drawGuideLabel(pen);
    const strip = drawStrip(pen, scene, this.sinkGutter);
    return {
      layout: g,
      query: queryToScreen(g, scene.query.vector),
      keys: scene.long ? NONE : keyHandles(g, scene),
      stripDots: strip.dots,
      stripYMax: strip.yMax,
      long: !!scene.long,
    };
  }
}

/**
 * Where each key's handle is drawn: the keys as given under RoPE (the rings), else the dots.
 * @param {Layout} g
 * @param {Scene} scene
 */
function keyHandles(g, scene) {
  const pos = scene.rope?.givenKeys ?? scene.keys.positions;
  const out = new Float64Array(2 * scene.n);
  for (let i = 0; i < scene.n; i++) {
    const [sx, sy] = toScreen(g, pos[2 * i], pos[2 * i + 1]);
    out[2 * i] = sx;
    out[2 * i + 1] = sy;
  }
  return out;
}
