// explore.html's settings as one table (see schema.js for the playground's and for
// what a table holds). codec.js reads and writes it for the URL hash.

import { int, num, bool, oneOf, points, numbers } from './schema.js';

// Changing one of these makes a different stream: the stepper starts again.
const STREAM_FIELDS = ['sn', 'block', 'sseed', 'qx', 'qy'];
// Changing one of these makes a different decode: the paged stepper starts again.
const PAGED_FIELDS = ['pbs', 'pna', 'pnb', 'ppre', 'pseed'];
// The sparse presets: (window, stride, global tokens). Longformer / BigBird style global + local,
// Sparse Transformer style local + strided.
export const SPARSE_PRESETS = Object.freeze({
  local: { spw: 3, sps: 0, spg: 0 },
  strided: { spw: 2, sps: 4, spg: 0 },
  global: { spw: 2, sps: 0, spg: 1 },
});

// The paged stepper starts empty: Step fills the pool token by token.
const EXPLORE_PSTEP_DEFAULT = 0;

/**
 * explore.html: self-attention, heads, √d, streaming, cross, sparse, paged KV and MLA. Each
 * tab (explore/tabs/*.js) names the fields it reads and gives them readable names there.
 */
export const EXPLORE = Object.freeze({
  name: 'explore',
  version: 1,
  fields: Object.freeze({
    mode: oneOf(['self', 'heads', 'dim', 'stream', 'cross', 'sparse', 'paged', 'mla'], 'self', { label: 'tab' }),
    // self-attention (tokens, mask and scale are shared with the heads tab)
    m: int(2, 16, 5, { label: 'tokens m' }),
    // null: the first m of 16 seeded points from the core's layout (explore/tabs/seeded.js).
    tokens: points(10, 16, 2, { label: 'tokens' }),
    wq: numbers(4, -10, 10, [1, 0.5, -0.3, 1], 2, { label: 'W_Q' }),
    wk: numbers(4, -10, 10, [0.6, -0.8, 0.9, 0.4], 2, { label: 'W_K' }),
    wv: numbers(4, -10, 10, [1, 0, 0, 1], 2, { label: 'W_V' }),
    tie: bool(false, { label: 'tie W_K = W_Q' }),
    mask: oneOf(['none', 'causal', 'window', 'topk'], 'none', { label: 'mask' }),
    w: int(1, 16, 2, { label: 'window w' }),
    k: int(1, 16, 2, { label: 'top-k k' }),
    scale: num(-10, 10, 1, 2, { label: 'scale' }),
    // heads
    h: int(1, 8, 4, { label: 'query heads' }),
    kv: int(1, 8, 2, { label: 'key/value heads' }),
    hseed: int(0, 2147483647, 1, { label: 'seed' }),
    // dimension
    d: int(2, 1024, 64, { label: 'd' }),
    n: int(2, 4096, 64, { label: 'keys n' }),
    dseed: int(0, 2147483647, 1, { label: 'seed' }),
    // streaming
    sn: int(2, 64, 12, { label: 'keys n' }),
    block: int(1, 64, 4, { label: 'block size' }),
    // Seed 2 with the default query: blocks 1 and 2 each raise the running max (rescale < 1).
    sseed: int(0, 2147483647, 2, { label: 'seed' }),
    qx: num(-5, 5, 2, 2, { label: 'query x' }),
    qy: num(-5, 5, 1, 2, { label: 'query y' }),
    step: int(0, 64, 0, { label: 'step' }),
    // cross-attention: a short target asks a longer source
    cm: int(1, 8, 3, { label: 'target tokens m' }),
    cn: int(2, 12, 6, { label: 'source tokens n' }),
    cseed: int(0, 2147483647, 3, { label: 'seed' }),
    // sparse patterns (defaults: the global + local preset)
    spn: int(4, 32, 16, { label: 'tokens n' }),
    preset: oneOf(['local', 'strided', 'global', 'custom'], 'global', { label: 'preset' }),
    spw: int(1, 32, 2, { label: 'window w' }),
    sps: int(0, 32, 0, { label: 'stride s' }),
    spg: int(0, 4, 1, { label: 'global tokens' }),
    spc: bool(false, { label: 'causal' }),
    spseed: int(0, 2147483647, 5, { label: 'seed' }),
    // paged KV cache: from step 0, A decodes; B forks from A's 6-token prefix once A holds it
    pbs: int(1, 8, 4, { label: 'block size' }),
    pna: int(1, 24, 10, { label: 'tokens of A' }),
    pnb: int(0, 16, 5, { label: "B's own tokens" }),
    ppre: int(0, 24, 6, { label: 'shared prefix' }),
    pseed: int(0, 2147483647, 4, { label: 'seed' }),
    pstep: int(0, 40, EXPLORE_PSTEP_DEFAULT, { label: 'step' }),
    // multi-head latent attention
    mm: int(2, 12, 6, { label: 'tokens m' }),
    mdm: int(2, 8, 8, { label: 'd_model' }),
    mheads: int(1, 8, 4, { label: 'heads' }),
    mkv: int(1, 8, 2, { label: 'GQA key/value heads' }),
    mrank: int(1, 8, 2, { label: 'latent rank r' }),
    mrope: int(0, 8, 0, { label: 'RoPE key size' }),
    mseed: int(0, 2147483647, 6, { label: 'seed' }),
  }),
  /**
   * Cross-field rules after a patch (`patch`: the fields asked for). A rule that only
   * follows another field's change (m lowered below k) corrects silently; one that
   * overrides what was asked for says so.
   */
  settle(state, patch) {
    const notices = [];
    const asked = (k) => Object.hasOwn(patch, k);
    if (state.tokens) {
      const n = state.tokens.length;
      if (n < 2) {
        notices.push(`tokens: ${n} token is too few (at least 2); using the layout's tokens.`);
        state.tokens = null;
      } else if (asked('tokens') && !asked('m')) {
        state.m = n;   // m follows the tokens given
      } else if (n > state.m) {
        if (asked('tokens')) notices.push(`tokens: ${n} tokens given but m = ${state.m}; dropped the last ${n - state.m}.`);
        state.tokens = state.tokens.slice(0, state.m);
      } else if (n < state.m) {
        // The layout's tokens are the core's (explore.js fills them in before a commit);
        // here, without them, the given tokens win.
        notices.push(`m: ${state.m} needs ${state.m} tokens but ${n} are given; using m = ${n}.`);
        state.m = n;
      }
    }
    if (state.k > state.m) {
      if (asked('k')) notices.push(`k: ${state.k} is more than m = ${state.m}; using ${state.m}.`);
      state.k = state.m;
    }
    if (state.h % state.kv !== 0) {
      let fixed = Math.min(state.kv, state.h);
      while (state.h % fixed !== 0) fixed--;
      if (asked('kv')) notices.push(`kv: ${state.kv} does not divide h = ${state.h}; using ${fixed}.`);
      state.kv = fixed;
    }
    const pow = 2 ** Math.min(10, Math.max(1, Math.round(Math.log2(state.d))));
    if (pow !== state.d) { notices.push(`d: ${state.d} is not a power of 2; using ${pow}.`); state.d = pow; }
    if (state.block > state.sn) {
      if (asked('block')) notices.push(`block: ${state.block} is more than sn = ${state.sn}; using ${state.sn}.`);
      state.block = state.sn;
    }
    if (!asked('step') && STREAM_FIELDS.some(asked)) state.step = 0;
    const blocks = Math.ceil(state.sn / state.block);
    if (state.step > blocks) {
      if (asked('step')) notices.push(`step: ${state.step} is more than the ${blocks} blocks; using ${blocks}.`);
      state.step = blocks;
    }
    // sparse: a preset sets (w, s, globals); setting one of those by hand makes it custom.
    if (asked('preset') && state.preset !== 'custom') Object.assign(state, SPARSE_PRESETS[state.preset]);
    else if (['spw', 'sps', 'spg'].some(asked) && state.preset !== 'custom') {
      const p = SPARSE_PRESETS[state.preset];
      if (p.spw !== state.spw || p.sps !== state.sps || p.spg !== state.spg) state.preset = 'custom';
    }
    for (const [k, most] of [['spw', state.spn], ['sps', state.spn - 1], ['spg', Math.min(4, state.spn)]]) {
      if (state[k] > most) {
        if (asked(k)) notices.push(`${k}: ${state[k]} is more than ${most} for n = ${state.spn}; using ${most}.`);
        state[k] = most;
        state.preset = 'custom';   // no longer the preset's numbers (a link then round-trips)
      }
    }
    // paged: the prefix is part of A; the step stays within the decode.
    if (state.ppre > state.pna) {
      if (asked('ppre')) notices.push(`ppre: ${state.ppre} is more than A's ${state.pna} tokens; using ${state.pna}.`);
      state.ppre = state.pna;
    }
    // a new paged setup starts again at the default step (0), capped below
    if (!asked('pstep') && PAGED_FIELDS.some(asked)) state.pstep = EXPLORE_PSTEP_DEFAULT;
    if (state.pstep > state.pna + state.pnb) {
      if (asked('pstep')) notices.push(`pstep: ${state.pstep} is more than the ${state.pna + state.pnb} steps; using ${state.pna + state.pnb}.`);
      state.pstep = state.pna + state.pnb;
    }
    // mla: r <= d_model; the GQA comparison needs a divisor of the heads.
    if (state.mrank > state.mdm) {
      if (asked('mrank')) notices.push(`mrank: ${state.mrank} is more than d_model = ${state.mdm}; using ${state.mdm}.`);
      state.mrank = state.mdm;
    }
    if (state.mheads % state.mkv !== 0) {
      let fixed = Math.min(state.mkv, state.mheads);
      while (state.mheads % fixed !== 0) fixed--;
      if (asked('mkv')) notices.push(`mkv: ${state.mkv} does not divide mheads = ${state.mheads}; using ${fixed}.`);
      state.mkv = fixed;
    }
    return notices;
  },
});

/**
 * Rewrites spellings older links used into today's: `mask=window:3` → `mask=window&w=3`,
 * `mask=topk:2` → `mask=topk&k=2`. Everything else is passed through unchanged.
 */
export function upgradeHash(hash) {
  if (typeof hash !== 'string') return hash;
  return hash.replace(/(^|[#&])mask=(window|topk)(?::|%3A)([^&]*)/gi,
    (_, lead, kind, size) => `${lead}mask=${kind.toLowerCase()}&${kind.toLowerCase() === 'window' ? 'w' : 'k'}=${size}`);
}
