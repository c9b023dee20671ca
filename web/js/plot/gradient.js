// The query's gradient toward one key, as an overlay of the one-query plot (plot/overlay.js):
// pick a target key (the `target` field) and an arrow on the query shows the way that gives it
// more weight; its length is the learning signal left, which falls to 0 as the weights settle
// on the target. The numbers come from core.queryGradient (src/attn/gradient.hpp). The page
// adds it (entries/app.js); the element leaves it out (its lean core has no gradient).
import { queryToScreen, toScreen } from './geometry.js';

const TAU = Math.PI * 2;

/**
 * @typedef {object} SceneGradient  how moving the query changes one key's weight (core.queryGradient)
 * @property {number} target        the key
 * @property {number} weight        w_t
 * @property {number[]} arrow       [x, y] = ∂log w_t/∂q ÷ scale (softmax: k_t − Σ w_j k_j), drawn on the query
 * @property {number} logNorm       |∂log w_t/∂q|: the signal left; 0 once the weights settle on the target
 * @property {number} norm          |∂w_t/∂q| = w_t·|∂log w_t/∂q| for softmax
 * @property {string} note          why there is no arrow ('' when there is one)
 */

/** @type {import('./overlay.js').Overlay} */
export const GRADIENT = {
  name: 'gradient',
  scene: gradientOf,
  draw: drawGradient,
};

/** The query's gradient toward key state.target (null when off). @returns {SceneGradient|null} */
function gradientOf({ core, state, keys: c, scale, beyond, fail }) {
  const t = state.target;
  if (t < 0) return null;
  const off = (note) => ({ target: t, weight: 0, arrow: [0, 0], logNorm: 0, norm: 0, note });
  if (t >= c.n) return off(`no key ${t} (there are ${c.n})`);
  if (state.longContext > 0) return off('not in long context');
  if (beyond.rope || (beyond.kernel && beyond.kernel !== 'softmax')) return off('softmax and α-entmax only');
  try {
    const keys = c.residentKeys ?? c.keysFlat;
    const g = core.queryGradient({ query: state.query, keys, d: 2, target: t, scale,
      normalizeKeys: state.normalizeKeys, alpha: beyond.alpha, sink: beyond.sink });
    const s = scale === 0 ? 1 : scale;
    return { target: t, weight: g.weight, arrow: [g.ofLogWeight[0] / s, g.ofLogWeight[1] / s],
      logNorm: Math.hypot(g.ofLogWeight[0], g.ofLogWeight[1]), norm: Math.hypot(g.ofWeight[0], g.ofWeight[1]), note: '' };
  } catch (e) {
    fail('The attention core could not compute the gradient', e);
    return null;
  }
}

/**
 * The query's gradient toward the target key: an arrow from the query dot along ∂log w_t/∂q
 * (÷ scale: for softmax k_t minus the weights' mean key, in world units), which shrinks to
 * nothing as the weights settle on the target; a ring on the target; and the numbers.
 * @param {import('./renderer.js').Pen} pen
 * @param {SceneGradient|null} gr
 * @param {import('./scene.js').Scene} scene
 */
function drawGradient(pen, gr, scene) {
  if (!gr) return;
  const { ctx, theme: t, layout: g } = pen;
  const [qx, qy] = queryToScreen(g, scene.query.vector);
  ctx.save();
  ctx.font = `12px ${t.font}`;
  ctx.fillStyle = t.fg;
  if (gr.note) {
    const corner = { x: g.circle.x + 8, y: g.circle.y + g.circle.h - 8, align: 'left', baseline: 'bottom' };
    pen.labels.place(ctx, `gradient: ${gr.note}`, [corner]);
    ctx.restore();
    return;
  }
  const i = gr.target, pos = scene.keys.positions;
  const [kx, ky] = toScreen(g, pos[2 * i], pos[2 * i + 1]);
  ctx.strokeStyle = t.highlight;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.arc(kx, ky, 11, 0, TAU);
  ctx.stroke();
  const dx = gr.arrow[0] * g.ppu, dy = -gr.arrow[1] * g.ppu, len = Math.hypot(dx, dy);
  if (len > 1) {
    const ex = qx + dx, ey = qy + dy, ux = dx / len, uy = dy / len, head = Math.min(9, len / 2);
    ctx.beginPath();
    ctx.moveTo(qx, qy);
    ctx.lineTo(ex, ey);
    ctx.moveTo(ex - head * (ux - 0.5 * uy), ey - head * (uy + 0.5 * ux));
    ctx.lineTo(ex, ey);
    ctx.lineTo(ex - head * (ux + 0.5 * uy), ey - head * (uy - 0.5 * ux));
    ctx.stroke();
  }
  const text = `|∂log w${i}/∂q| = ${gr.logNorm.toFixed(3)}   w${i} = ${gr.weight.toFixed(3)}`;
  pen.labels.place(ctx, text, [
    { x: qx + dx / 2 + 8, y: qy + dy / 2 - 8, align: 'left', baseline: 'bottom' },
    { x: qx + dx / 2 - 8, y: qy + dy / 2 + 8, align: 'right', baseline: 'top' },
    { x: g.circle.x + 8, y: g.circle.y + g.circle.h - 8, align: 'left', baseline: 'bottom' },
  ], { bounds: { x: g.circle.x + 2, y: 2, w: g.circle.w - 4, h: g.circle.h - 4 } });
  ctx.restore();
}
