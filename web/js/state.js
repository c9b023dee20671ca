// The playground's state as one table of fields. The same table drives parsing,
// validation and serialisation for the URL hash, element attributes, the iframe
// and the JS API, so a setting means the same thing everywhere.
//
// Every problem is reported, never fatal: a bad value is clamped or replaced by
// the default, and a notice names the field, the bad value and the value used.
// Nothing read here is ever interpreted as HTML: values are numbers, booleans,
// members of a fixed list, or numbers in a fixed shape.

export const VERSION = 1;
const MAX_RAW = 2048;      // longer raw values are rejected outright
const SHOW_RAW = 40;       // characters of a bad value quoted in a notice

const int = (min, max, def) => ({ type: 'int', min, max, def });
const num = (min, max, def) => ({ type: 'number', min, max, def });
const bool = (def) => ({ type: 'bool', def });
const oneOf = (values, def) => ({ type: 'enum', values, def });
const point = (max, def) => ({ type: 'point', max, def });
const points = (max, maxCount) => ({ type: 'points', max, maxCount, def: null });

// name → spec. Order is the URL order. `def` is the default.
export const FIELDS = Object.freeze({
  n: int(1, 64, 8),                                   // keys in the editable plot
  layout: oneOf(['even', 'random', 'clusters'], 'even'),
  seed: int(0, 2147483647, 1),
  clusters: int(1, 16, 3),
  spread: num(0, 3, 0.3),                             // radians
  normalizeKeys: bool(true),
  randomLengths: bool(false),
  scaleMode: oneOf(['one', 'invsqrt', 'custom'], 'one'),
  customScale: num(-100, 100, 1),
  query: point(2.2, [0.9642, 1.1491]),                // |q| 1.5 at 50°
  longContext: int(0, 65536, 0),                      // 0: off; else the number of keys
  showValues: bool(true),
  showGaussian: bool(false),
  keys: points(1.8, 64),                              // explicit keys (null: from layout)
  values: points(1.0, 64),                            // explicit values (null: from layout)
  controls: oneOf(['full', 'compact', 'none'], 'full'),
  theme: oneOf(['auto', 'light', 'dark'], 'auto'),
});

export function defaults() {
  const s = {};
  for (const [name, f] of Object.entries(FIELDS)) s[name] = clone(f.def);
  return s;
}

function clone(v) {
  return Array.isArray(v) ? v.map(clone) : v;
}

function quote(raw) {
  let s = typeof raw === 'string' ? raw : safeString(raw);
  if (s.length > SHOW_RAW) s = `${s.slice(0, SHOW_RAW)}…`;
  return JSON.stringify(s);
}

function safeString(v) {
  try {
    if (typeof v === 'number') return String(v);
    return JSON.stringify(v) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

export function format(name, value) {
  const f = FIELDS[name];
  if (value === null || value === undefined) return '';
  switch (f.type) {
    case 'bool': return value ? '1' : '0';
    case 'point': return `${value[0]},${value[1]}`;
    case 'points': return value.map((p) => `${p[0]},${p[1]}`).join(';');
    default: return String(value);
  }
}

// A finite number from a string or number, else null. Accepts what Number() does,
// minus the surprises: empty strings, hex, and whitespace-only are not numbers here.
function toNumber(raw) {
  // `+ 0` turns -0 into 0, so "-0" and "0" are the same setting.
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw + 0 : null;
  if (typeof raw !== 'string') return null;
  const t = raw.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v + 0 : null;
}

function clampPoint(p, max) {
  return [Math.min(max, Math.max(-max, p[0])), Math.min(max, Math.max(-max, p[1]))];
}

// Parses "x,y" (or an [x, y] array). Returns [x, y] or null.
function toPoint(raw) {
  const parts = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : null;
  if (!parts || parts.length !== 2) return null;
  const x = toNumber(parts[0]), y = toNumber(parts[1]);
  return x === null || y === null ? null : [x, y];
}

/**
 * Validates one field. Returns {value, notice} where notice is null when the raw
 * value was used as given, or a sentence naming field, bad value and value used.
 */
export function coerce(name, raw) {
  const f = FIELDS[name];
  if (!f) return { value: undefined, notice: `Unknown field ${quote(name)} was ignored.` };
  const fallback = (why, used = f.def) => ({
    value: clone(used),
    notice: `${name}: ${quote(raw)} ${why}; using ${quote(format(name, used) || 'none')} instead.`,
  });
  if (typeof raw === 'string' && raw.length > MAX_RAW) return fallback(`is too long (${raw.length} characters)`);
  if (raw === undefined) return fallback('is missing');

  switch (f.type) {
    case 'int': {
      const v = toNumber(raw);
      if (v === null || !Number.isInteger(v)) return fallback('is not a whole number');
      if (v < f.min || v > f.max) return fallback(`is outside ${f.min}…${f.max}`, v < f.min ? f.min : f.max);
      return { value: v, notice: null };
    }
    case 'number': {
      const v = toNumber(raw);
      if (v === null) return fallback('is not a finite number');
      if (v < f.min || v > f.max) return fallback(`is outside ${f.min}…${f.max}`, v < f.min ? f.min : f.max);
      return { value: v, notice: null };
    }
    case 'bool': {
      if (raw === true || raw === false) return { value: raw, notice: null };
      const t = typeof raw === 'string' ? raw.trim().toLowerCase() : null;
      if (['1', 'true', 'on', 'yes', ''].includes(t)) return { value: true, notice: null };
      if (['0', 'false', 'off', 'no'].includes(t)) return { value: false, notice: null };
      return fallback('is not true/false (1/0)');
    }
    case 'enum': {
      if (typeof raw === 'string' && f.values.includes(raw)) return { value: raw, notice: null };
      return fallback(`is not one of ${f.values.join(', ')}`);
    }
    case 'point': {
      const p = toPoint(raw);
      if (!p) return fallback('is not a point "x,y"');
      const c = clampPoint(p, f.max);
      if (c[0] !== p[0] || c[1] !== p[1]) return fallback(`is outside ±${f.max}`, c);
      return { value: p, notice: null };
    }
    case 'points': {
      if (raw === null || raw === '') return { value: null, notice: null };
      const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(';') : null;
      if (!list || list.length === 0) return fallback('is not a list of points "x,y;x,y"');
      if (list.length > f.maxCount) return fallback(`has ${list.length} points; at most ${f.maxCount} are allowed`);
      const out = [];
      let clamped = false;
      for (const item of list) {
        const p = toPoint(item);
        if (!p) return fallback(`has ${quote(safeString(item))}, which is not a point "x,y"`);
        const c = clampPoint(p, f.max);
        clamped ||= c[0] !== p[0] || c[1] !== p[1];
        out.push(c);
      }
      if (clamped) return fallback(`has coordinates outside ±${f.max}`, out);
      return { value: out, notice: null };
    }
    default:
      return fallback('has an unknown type');
  }
}

/** Reads a URL hash ("#v=1&n=8&…", with or without '#'). Never throws. */
export function parseHash(hash) {
  const state = defaults();
  const notices = [];
  let text = typeof hash === 'string' ? hash : '';
  if (text.startsWith('#')) text = text.slice(1);
  if (text.length > 64 * 1024) {
    notices.push(`The link's settings are too long (${text.length} characters); using the defaults.`);
    return { state, notices };
  }
  if (text.trim() === '') return { state, notices };
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let key, raw;
    try {
      key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
      raw = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      notices.push(`The setting ${quote(part)} is not valid URL text and was ignored.`);
      continue;
    }
    if (key === 'v') {
      if (raw !== String(VERSION)) notices.push(`Link version v=${quote(raw)} is not ${VERSION}; reading it as v=${VERSION}.`);
      continue;
    }
    if (!Object.hasOwn(FIELDS, key)) {
      notices.push(`Unknown field ${quote(key)} was ignored.`);
      continue;
    }
    const { value, notice } = coerce(key, raw);
    state[key] = value;
    if (notice) notices.push(notice);
  }
  return { state, notices };
}

/** Writes the state as "v=1&field=value&…", only fields that differ from their default. */
export function serialize(state) {
  const parts = [`v=${VERSION}`];
  for (const [name, f] of Object.entries(FIELDS)) {
    const text = format(name, state[name]);
    if (text === format(name, f.def)) continue;
    parts.push(`${name}=${encodeURIComponent(text).replace(/%2C/g, ',').replace(/%3B/g, ';')}`);
  }
  return parts.join('&');
}

/**
 * Applies a partial state (from the API or element attributes). With strict, a
 * bad field throws an Error carrying the notice (the API's contract); otherwise the
 * corrected value is used and the notice returned. Other fields are never lost.
 */
export function applyPatch(state, patch, { strict = false } = {}) {
  const next = { ...state };
  const notices = [];
  if (patch === null || typeof patch !== 'object') {
    const msg = `setState expects an object of fields; got ${quote(safeString(patch))}.`;
    if (strict) throw new Error(msg);
    return { state: next, notices: [msg] };
  }
  for (const key of Object.keys(patch)) {
    if (!Object.hasOwn(FIELDS, key)) {
      const msg = `Unknown field ${quote(key)} was ignored.`;
      if (strict) throw new Error(msg);
      notices.push(msg);
      continue;
    }
    const { value, notice } = coerce(key, patch[key]);
    if (notice && strict) throw new Error(notice);
    next[key] = value;
    if (notice) notices.push(notice);
  }
  return { state: next, notices };
}
