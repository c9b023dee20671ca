// explore.html's settings as one table (see schema.js for the playground's and for
// what a table holds). codec.js reads and writes it for the URL hash.

import { int, num, bool, oneOf, points, numbers } from './schema.js';

/** explore.html: self-attention, heads, √d and streaming. */
export const EXPLORE = Object.freeze({
  name: 'explore',
  version: 1,
  fields: Object.freeze({
    mode: oneOf(['self', 'heads', 'dim', 'stream'], 'self', { label: 'tab' }),
    // self-attention
    m: int(2, 16, 5, { label: 'tokens m' }),
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
    sseed: int(0, 2147483647, 3, { label: 'seed' }),
    qx: num(-5, 5, 2, 2, { label: 'query x' }),
    qy: num(-5, 5, 1, 2, { label: 'query y' }),
    step: int(0, 64, 0, { label: 'step' }),
  }),
  settle(state, patch) {
    const notices = [];
    const asked = (k) => Object.hasOwn(patch, k);
    if (state.tokens && state.tokens.length !== state.m) {
      if (asked('tokens') && !asked('m') && state.tokens.length >= 2) {
        state.m = state.tokens.length;
      } else {
        notices.push(`tokens: ${state.tokens.length} tokens given but m = ${state.m}; ${state.tokens.length > state.m ? 'dropped the rest' : 'the missing ones come from the layout'}.`);
        if (state.tokens.length > state.m) state.tokens = state.tokens.slice(0, state.m);
      }
    }
    if (state.k > state.m) { notices.push(`k: ${state.k} is more than m = ${state.m}; using ${state.m}.`); state.k = state.m; }
    if (state.h % state.kv !== 0) {
      let fixed = Math.min(state.kv, state.h);
      while (state.h % fixed !== 0) fixed--;
      notices.push(`kv: ${state.kv} does not divide h = ${state.h}; using ${fixed}.`);
      state.kv = fixed;
    }
    const pow = 2 ** Math.min(10, Math.max(1, Math.round(Math.log2(state.d))));
    if (pow !== state.d) { notices.push(`d: ${state.d} is not a power of 2; using ${pow}.`); state.d = pow; }
    if (state.block > state.sn) { notices.push(`block: ${state.block} is more than sn = ${state.sn}; using ${state.sn}.`); state.block = state.sn; }
    const blocks = Math.ceil(state.sn / state.block);
    if (state.step > blocks) { notices.push(`step: ${state.step} is more than the ${blocks} blocks; using ${blocks}.`); state.step = blocks; }
    return notices;
  },
});
