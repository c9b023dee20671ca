// model.html's settings as one table (see schema.js for what a table holds). The data (a
// model's queries, keys and values) never goes into the URL: the example, the head, the query
// token and how the weights are computed do.

import { int, bool, oneOf } from './schema.js';

export const MODEL = Object.freeze({
  name: 'model',
  version: 1,
  fields: Object.freeze({
    // 'files': the reader's own files (not in a link: a link with it opens the default example)
    example: oneOf(['rope', 'content', 'trained', 'files'], 'rope', { label: 'data',
      labels: { rope: 'example: a positional head (RoPE, d = 64)', content: 'example: a head that retrieves by content',
        trained: 'example: a head trained here (previous token)', files: 'your files' } }),
    head: int(0, 255, 0, { label: 'head' }),
    // −1: the last token
    query: int(-1, 65535, -1, { label: 'query token (−1 = last)' }),
    scale: oneOf(['inv_sqrt', 'one'], 'inv_sqrt', { label: 'scale', labels: { inv_sqrt: '1/√d', one: '1' } }),
    causal: bool(true, { label: 'causal (a token sees itself and earlier tokens)' }),
  }),
  settle(state) {
    return [];
  },
});
