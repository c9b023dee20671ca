// A model's heads for model.html: read from the reader's files with the core's readers
// (core.readTensors: .npy, .safetensors, JSON) or made by the project's own code (the examples).
// A head set is {q, k, v (null or H·T·dv), heads H, tokens T, d, dv, labels (T strings), source}:
// q and k are Float32Arrays of H·T·d, head-major, token rows. Shapes are read as the core's
// heads rule (attn/tensors.hpp): (T, d), (H, T, d) or (1, H, T, d).

/** Every example, with how it was made (shown on the page). */
export const EXAMPLES = Object.freeze({
  rope: 'A positional head made with the core\'s RoPE: one vector u (d = 64, N(0, 1) from the core\'s layout, seed 5, ' +
    'times 2) is every query and every key; query t turns by position t and key j by j + 1, so q_t·k_j depends on ' +
    'j + 1 − t only and is largest at j = t − 1: the previous-token pattern, from position alone.',
  content: 'A head that retrieves by content: the 13 words of a sentence, each word one vector (d = 32, the core\'s ' +
    'Gaussian layout by word), keys are the words\' vectors, queries the same vectors times 2.5: each token looks ' +
    'back at earlier copies of its own word, wherever they stand.',
  trained: 'A head trained here: the core\'s trainer (train.html) learns "previous token" for 400 steps (d_model 16, ' +
    'one head, seed 1); the example is its queries and keys on one sequence. The same export comes from train.html.',
});

const SENTENCE = 'the cat sat on the mat and the dog sat on the cat'.split(' ');

/** An example head set, made by the core. @param {any} core @param {string} which */
export function example(core, which) {
  if (which === 'rope') {
    const T = 24, d = 64;
    const u = core.layout({ kind: 'gaussian', n: 1, d, seed: 5 }).points.map((x) => 2 * x);
    const rows = Array.from({ length: T }, () => Array.from(u));
    const positions = Array.from({ length: T }, (_, j) => j + 1), queryPositions = positions.map((p) => p - 1);
    const rope = { theta: 1, base: 10000, positions, queryPositions };
    const r = core.attentionMatrix({ queries: rows, keys: rows, rope });
    return { q: r.rotatedQueries, k: r.rotatedKeys, v: null, heads: 1, tokens: T, d, dv: 0,
      labels: Array.from({ length: T }, (_, t) => `p${t}`), source: EXAMPLES.rope };
  }
  if (which === 'content') {
    const words = [...new Set(SENTENCE)], d = 32, T = SENTENCE.length;
    const table = core.layout({ kind: 'gaussian', n: words.length, d, seed: 3 }).points;
    const k = new Float32Array(T * d), q = new Float32Array(T * d);
    SENTENCE.forEach((w, t) => {
      const row = words.indexOf(w);
      for (let c = 0; c < d; c++) { k[t * d + c] = table[row * d + c]; q[t * d + c] = 2.5 * table[row * d + c]; }
    });
    return { q, k, v: null, heads: 1, tokens: T, d, dv: 0, labels: SENTENCE.slice(), source: EXAMPLES.content };
  }
  const trainer = core.trainer({ task: 'previous' });
  try {
    trainer.step(400);
    const s = trainer.sample({ layer: 0, head: 0, index: 0 });
    return { q: s.queries, k: s.keys, v: null, heads: 1, tokens: s.seqLen, d: s.dHead, dv: 0,
      labels: Array.from(s.tokens, (x) => `#${x}`), source: EXAMPLES.trained };
  } finally {
    trainer.free();
  }
}

// (T, d), (H, T, d) or (1, H, T, d) → {H, T, d}, or an error naming the file and the tensor.
function headsOf(t, file) {
  const s = t.shape;
  const shape = `(${s.join(', ')})`;
  const what = `${file}: tensor ${JSON.stringify(t.name || 'the array')}`;
  if (s.length === 2) return { H: 1, T: s[0], d: s[1] };
  if (s.length === 3) return { H: s[0], T: s[1], d: s[2] };
  if (s.length === 4 && s[0] === 1) return { H: s[1], T: s[2], d: s[3] };
  throw new Error(`${what} has shape ${shape}; expected (T, d), (H, T, d) or (1, H, T, d)`);
}

// Which role a tensor or file name plays: q, k, v or none.
function roleOf(name) {
  const n = name.toLowerCase().replace(/\.(npy|json|safetensors)$/, '').split(/[/\\]/).pop();
  if (/^(q|query|queries)(\b|_|$)/.test(n) || /(^|[._])(q|q_proj|query)$/.test(n)) return 'q';
  if (/^(k|key|keys)(\b|_|$)/.test(n) || /(^|[._])(k|k_proj|key)$/.test(n)) return 'k';
  if (/^(v|value|values)(\b|_|$)/.test(n) || /(^|[._])(v|v_proj|value)$/.test(n)) return 'v';
  return null;
}

/**
 * The head set in the reader's files: one .safetensors or JSON file holding q, k (and v) by name,
 * or separate files named q…, k…, v… . tokens: optional labels. Throws an Error naming the file
 * and the tensor for anything it cannot use.
 * @param {any} core
 * @param {Array<{name: string, bytes: Uint8Array, format?: string}>} files
 * @param {string[]|null} labels
 */
export function fromFiles(core, files, labels = null) {
  /** @type {Record<string, {t: any, file: string}>} */
  const found = {};
  for (const f of files) {
    // The format given, else the extension's; without either the core detects it from the bytes.
    const format = f.format ?? /\.(npy|safetensors|json)$/i.exec(f.name)?.[1].toLowerCase() ?? 'detect';
    const tensors = core.readTensors(f.bytes, { name: f.name, format });
    for (const t of tensors) {
      const role = roleOf(t.name || f.name);
      if (role && !found[role]) found[role] = { t, file: f.name };
    }
  }
  if (!found.q || !found.k) {
    const names = files.map((f) => f.name).join(', ');
    throw new Error(`${names}: found no ${found.q ? 'keys' : 'queries'}; name the tensors (or files) q and k ` +
      '(and v), e.g. one .safetensors with q, k, v or q.npy and k.npy');
  }
  const q = headsOf(found.q.t, found.q.file), k = headsOf(found.k.t, found.k.file);
  if (q.H !== k.H || q.T !== k.T || q.d !== k.d) {
    throw new Error(`${found.k.file}: k has ${k.H} heads × ${k.T} tokens × d ${k.d} but q has ${q.H} × ${q.T} × ${q.d}; ` +
      'expected the same shape (self-attention)');
  }
  let v = null, dv = 0;
  if (found.v) {
    const s = headsOf(found.v.t, found.v.file);
    if (s.H !== q.H || s.T !== q.T) {
      throw new Error(`${found.v.file}: v has ${s.H} heads × ${s.T} tokens but q has ${q.H} × ${q.T}; expected the same`);
    }
    v = found.v.t.data;
    dv = s.d;
  }
  const given = labels && labels.length ? labels : null;
  return {
    q: found.q.t.data, k: found.k.t.data, v, heads: q.H, tokens: q.T, d: q.d, dv,
    labels: Array.from({ length: q.T }, (_, t) => (given && t < given.length ? given[t] : `t${t}`)),
    source: `Your files: ${files.map((f) => f.name).join(', ')} (q ${found.q.file}, k ${found.k.file}` +
      `${found.v ? `, v ${found.v.file}` : ''}).`,
  };
}

/** What became of token labels that do not match the tokens (a notice), or '' when they do. */
export function labelsNotice(labels, T) {
  if (!labels || labels.length === T) return '';
  return `tokens: ${labels.length} labels for ${T} tokens; ` + (labels.length < T
    ? `used t${labels.length}, … for the rest.` : `the last ${labels.length - T} were left out.`);
}

/**
 * A head or query token past a head set (a link, an attribute or a script can ask for one): the
 * patch that uses the last one instead, and a notice by field, for the fields in `changed`.
 */
export function fitHead(state, data, changed) {
  const patch = {}, notices = {};
  for (const [field, count, what] of [['head', data.heads, 'head'], ['query', data.tokens, 'token']]) {
    if (!changed.includes(field)) continue;
    notices[field] = '';
    if (state[field] < count) continue;
    patch[field] = count - 1;
    notices[field] = `${field}: "${state[field]}" is outside ${field === 'query' ? -1 : 0}…${count - 1} (the data has ` +
      `${count} ${what}${count === 1 ? '' : 's'}); using "${count - 1}" instead.`;
  }
  return { patch, notices };
}

const LABEL_CHARS = 16;
/** A token label as drawn and listed: long ones cut to LABEL_CHARS with "…" (the data keeps it whole). */
export const shortLabel = (label) => (label.length > LABEL_CHARS ? `${label.slice(0, LABEL_CHARS - 1)}…` : label);

/** A head set's shape in words: "2 head(s) × 9 tokens × d = 48, values of dv = 3". */
export function shapeOf(data) {
  return `${data.heads} head(s) × ${data.tokens} tokens × d = ${data.d}` + (data.v ? `, values of dv = ${data.dv}` : '');
}

/** Token labels from text: one per line, or comma separated, or a JSON array of strings. */
export function parseLabels(text) {
  const s = text.trim();
  if (!s) return null;
  if (s.startsWith('[')) {
    const a = JSON.parse(s);
    if (!Array.isArray(a)) throw new Error('tokens: the JSON is not an array');
    return a.map(String);
  }
  return (s.includes('\n') ? s.split('\n') : s.split(',')).map((x) => x.trim());
}
