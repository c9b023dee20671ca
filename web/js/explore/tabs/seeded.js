// The tabs' inputs made from the core's seeded layouts (tokens, 2×2 projections, rows of
// points), so every number a scene starts from is the core's too. No DOM.

export const round2 = (x) => Math.round(x * 100) / 100;

/** A flat row-major array as rows of `cols` numbers. */
export const rowsOf = (flat, cols = 2) => Array.from({ length: flat.length / cols },
  (_, i) => Array.from(flat.slice(i * cols, (i + 1) * cols)));

/** [a, b, c, d] as the 2×2 matrix [[a, b], [c, d]]. */
export const mat2 = (a) => [[a[0], a[1]], [a[2], a[3]]];

/** Seeded (n, d) points from the core's gaussian layout, as rows. */
export const gaussianRows = (core, n, d, seed) => rowsOf(core.layout({ kind: 'gaussian', n, d, seed }).points, d);

/** Seeded values (n, 2) from the core's value layout, as rows. */
export const valueRows = (core, n, seed) => rowsOf(core.layout({ kind: 'values', n, seed }).points);

/** A head's 2×2 projection (`which`: 0 W_Q, 1 W_K, 2 W_V): seeded points, rounded for display. */
export function seededMatrix(core, seed, which, h) {
  const p = core.layout({ kind: 'gaussian', n: 2, d: 2, seed: seed * 64 + which * 8 + h }).points;
  return [[round2(p[0]), round2(p[1])], [round2(p[2]), round2(p[3])]];
}

// The layout's 16 tokens, once per core.
const LAYOUTS = new WeakMap();

/** The core's 16 seeded tokens (gaussian, seed 7, rounded): `tokens: null` means the first m of these. */
export function layoutTokens(core) {
  if (!LAYOUTS.has(core)) {
    const p = core.layout({ kind: 'gaussian', n: 16, d: 2, seed: 7 }).points;
    const tokens = Array.from({ length: 16 }, (_, i) => Object.freeze([round2(p[2 * i]), round2(p[2 * i + 1])]));
    LAYOUTS.set(core, Object.freeze(tokens));
  }
  return LAYOUTS.get(core);
}

/** m tokens: the moved ones (`given`, or null) first, the rest from the layout; fresh arrays. */
export const tokensOf = (given, m, layout) => Array.from({ length: m }, (_, i) => (given?.[i] ?? layout[i]).slice());
