// model.html's settings as one table (see schema.js for what a table holds). The data (a
// model's queries, keys and values) never goes into the URL: the example, the head, the query
// token and how the weights are computed do.

import { int, bool, oneOf } from './schema.js';

// What one head's picture is asked: which head, which query token, and how the weights are made.
const VIEW_FIELDS = Object.freeze({
  head: int(0, 255, 0, { label: 'head' }),
  // −1: the last token
  query: int(-1, 65535, -1, { label: 'query token (−1 = last)' }),
  scale: oneOf(['inv_sqrt', 'one'], 'inv_sqrt', { label: 'scale', labels: { inv_sqrt: '1/√d', one: '1' } }),
  causal: bool(true, { label: 'causal (a token sees itself and earlier tokens)' }),
});

export const MODEL = Object.freeze({
  name: 'model',
  version: 1,
  fields: Object.freeze({
    // 'files': the reader's own files (not in a link: a link with it opens the default example)
    example: oneOf(['rope', 'content', 'trained', 'files'], 'rope', { label: 'data',
      labels: { rope: 'example: a positional head (RoPE, d = 64)', content: 'example: a head that retrieves by content',
        trained: 'example: a head trained here (previous token)', files: 'your files' } }),
    ...VIEW_FIELDS,
  }),
  settle(state) {
    return [];
  },
});

// <attention-head>'s attributes (model/element.js): the same view settings and a theme. Its
// data (the `tensors` and `tokens` attributes) is read by the core, not by this table.
export const HEAD = Object.freeze({
  name: 'head',
  version: 1,
  fields: Object.freeze({
    ...VIEW_FIELDS,
    theme: oneOf(['auto', 'light', 'dark'], 'auto', { label: 'theme' }),
  }),
  settle(state) {
    return [];
  },
});
