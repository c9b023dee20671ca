// Reads and writes settings with a schema (schema.js): the URL hash, element
// attributes and API patches all go through here, so a setting means the same thing
// everywhere and every view reports problems the same way.
//
// Every problem is reported, never fatal: a bad value is clamped or replaced by the
// default, and a notice names the field, the bad value and the value used. Nothing
// read here is ever interpreted as HTML: values are numbers, booleans, members of a
// fixed list, or numbers in a fixed shape.

const MAX_RAW = 4096;      // longer raw values are rejected outright
const SHOW_RAW = 40;       // characters of a bad value quoted in a notice
const MAX_NOTICES = 12;    // a hash with more problems lists the first ones and a count

export function defaults(schema) {
  const s = {};
  for (const [name, f] of Object.entries(schema.fields)) s[name] = clone(f.def);
  return s;
}

function clone(v) {
  return Array.isArray(v) ? v.map(clone) : v;
}

/** Quotes a value for a notice: bounded, control and line-separator characters escaped. */
export function quote(raw) {
  let s = typeof raw === 'string' ? raw : show(raw);
  if (s.length > SHOW_RAW) s = `${s.slice(0, SHOW_RAW)}…`;
  return JSON.stringify(s).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// A readable rendering of any value: NaN and Infinity stay visible inside arrays.
function show(v, depth = 0) {
  try {
    if (typeof v === 'number') return Object.is(v, -0) ? '0' : String(v);
    if (typeof v === 'string') return JSON.stringify(v);
    if (Array.isArray(v)) return depth > 2 ? '[…]' : `[${Array.from(v.slice(0, 8), (x) => show(x, depth + 1)).join(',')}${v.length > 8 ? ',…' : ''}]`;
    if (v === null || v === undefined || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
    if (typeof v === 'symbol' || typeof v === 'function') return typeof v;
    return JSON.stringify(v) ?? Object.prototype.toString.call(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** Escapes text for an HTML attribute or element body (the one escaper). */
export function escapeHtml(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const round = (v, p) => (p === undefined ? v : Math.round(v * 10 ** p) / 10 ** p + 0);

/** A field's value as text (URL and attribute form); '' for null. */
export function format(schema, name, value) {
  const f = schema.fields[name];
  if (value === null || value === undefined) return '';
  const n = (v) => String(round(v, f.precision));
  switch (f.type) {
    case 'bool': return value ? '1' : '0';
    case 'point': return `${n(value[0])},${n(value[1])}`;
    case 'points': return value.map((p) => `${n(p[0])},${n(p[1])}`).join(';');
    case 'numbers': return value.map(n).join(',');
    case 'number': return n(value);
    default: return String(value);
  }
}

// Number, String and Boolean objects read as their primitive value.
function unwrap(raw) {
  return raw instanceof Number || raw instanceof String || raw instanceof Boolean ? raw.valueOf() : raw;
}

// A finite number from a string or number, else null. Accepts what Number() does,
// minus the surprises: empty strings, hex, and whitespace-only are not numbers here.
function toNumber(raw) {
  raw = unwrap(raw);
  // `+ 0` turns -0 into 0, so "-0" and "0" are the same setting.
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw + 0 : null;
  if (typeof raw !== 'string') return null;
  const t = raw.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v + 0 : null;
}

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

// Parses "x,y" (or an [x, y] array). Returns [x, y] or null.
/** The entries of an array, a typed array or comma-separated text; null for anything else. */
function listOf(raw) {
  if (Array.isArray(raw) || ArrayBuffer.isView(raw)) return Array.from(/** @type {ArrayLike<unknown>} */ (raw));
  return typeof raw === 'string' ? raw.split(',') : null;
}

function toPoint(raw) {
  raw = unwrap(raw);
  const parts = listOf(raw);
  if (!parts || parts.length !== 2) return null;
  const x = toNumber(parts[0]), y = toNumber(parts[1]);
  return x === null || y === null ? null : [x, y];
}

/**
 * Validates one field. Returns {value, notice} where notice is null when the raw
 * value was used as given (up to the field's precision), or a sentence naming the
 * field, the bad value and the value used.
 */
export function coerce(schema, name, raw) {
  const f = Object.hasOwn(schema.fields, name) ? schema.fields[name] : null;
  if (!f) return { value: undefined, notice: `Unknown field ${quote(name)} was ignored.` };
  const fallback = (why, used = f.def) => ({
    value: clone(used),
    notice: `${name}: ${quote(raw)} ${why}; using ${quote(format(schema, name, used) || 'none')} instead.`,
  });
  raw = unwrap(raw);
  if (typeof raw === 'string' && raw.length > MAX_RAW) return fallback(`is too long (${raw.length} characters)`);
  if (raw === undefined) return fallback('is missing');
  const p = f.precision;

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
      return { value: round(v, p), notice: null };
    }
    case 'bool': {
      if (raw === true || raw === false) return { value: raw, notice: null };
      if (raw === 1 || raw === 0) return { value: raw === 1, notice: null };
      const t = typeof raw === 'string' ? raw.trim().toLowerCase() : null;
      if (['1', 'true', 'on', 'yes', ''].includes(t)) return { value: true, notice: null };
      if (['0', 'false', 'off', 'no'].includes(t)) return { value: false, notice: null };
      return fallback('is not true/false (1/0)');
    }
    case 'enum': {
      // Numeric members (e.g. long context sizes) accept their number or its text.
      const hit = f.values.find((v) => v === raw || (typeof v === 'number' && toNumber(raw) === v));
      if (hit !== undefined) return { value: hit, notice: null };
      return fallback(`is not one of ${f.values.join(', ')}`);
    }
    case 'point': {
      const pt = toPoint(raw);
      if (!pt) return fallback('is not a point "x,y"');
      const c = [round(clamp(pt[0], -f.max, f.max), p), round(clamp(pt[1], -f.max, f.max), p)];
      if (Math.abs(pt[0]) > f.max || Math.abs(pt[1]) > f.max) return fallback(`is outside ±${f.max}`, c);
      return { value: c, notice: null };
    }
    case 'points': {
      if (raw === null || raw === '') return { value: null, notice: null };
      const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(';') : null;
      if (!list || list.length === 0) return fallback('is not a list of points "x,y;x,y"');
      if (list.length > f.maxCount) return fallback(`has ${list.length} points; at most ${f.maxCount} are allowed`);
      const out = [];
      let clamped = false;
      for (const item of list) {
        const pt = toPoint(item);
        if (!pt) return fallback(`has ${quote(show(item))}, which is not a point "x,y"`);
        clamped ||= Math.abs(pt[0]) > f.max || Math.abs(pt[1]) > f.max;
        out.push([round(clamp(pt[0], -f.max, f.max), p), round(clamp(pt[1], -f.max, f.max), p)]);
      }
      if (clamped) return fallback(`has coordinates outside ±${f.max}`, out);
      return { value: out, notice: null };
    }
    case 'numbers': {
      const list = listOf(raw);
      if (!list || list.length !== f.count) return fallback(`is not ${f.count} comma-separated numbers`);
      const out = list.map(toNumber);
      if (out.some((v) => v === null)) return fallback('has an entry that is not a finite number');
      const c = out.map((v) => round(clamp(v, f.min, f.max), p));
      if (out.some((v) => v < f.min || v > f.max)) return fallback(`has entries outside ${f.min}…${f.max}`, c);
      return { value: c, notice: null };
    }
    default:
      return fallback('has an unknown type');
  }
}

// Caps a notice list so one bad link cannot flood the page.
function capped(notices) {
  if (notices.length <= MAX_NOTICES) return notices;
  return [...notices.slice(0, MAX_NOTICES - 1), `…and ${notices.length - MAX_NOTICES + 1} more problems with the link's settings.`];
}

/**
 * Reads a URL hash ("#v=1&n=8&…", with or without '#'). Never throws. Unknown,
 * repeated, corrected and future-version fields are named; the good ones are kept.
 * Returns {state, notices, given} (given: the fields the hash set).
 */
export function parseHash(schema, hash) {
  const state = defaults(schema);
  const notices = [];
  const given = {};
  let text = typeof hash === 'string' ? hash : '';
  if (text.startsWith('#')) text = text.slice(1);
  if (text.trim() === '') return { state, notices, given };
  const seen = new Set();
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
      const v = toNumber(raw);
      if (v !== schema.version) {
        notices.push(v !== null && v > schema.version
          ? `Link version v=${quote(raw)} is newer than this page (v=${schema.version}); reading what it can.`
          : `Link version v=${quote(raw)} is not ${schema.version}; reading it as v=${schema.version}.`);
      }
      continue;
    }
    if (!Object.hasOwn(schema.fields, key)) {
      notices.push(`Unknown field ${quote(key)} was ignored.`);
      continue;
    }
    if (seen.has(key)) notices.push(`${key}: given more than once; using the last one.`);
    seen.add(key);
    const { value, notice } = coerce(schema, key, raw);
    state[key] = value;
    given[key] = value;
    if (notice) notices.push(notice);
  }
  if (schema.settle) notices.push(...schema.settle(state, given));
  return { state, notices: capped(notices), given };
}

/** Writes the state as "v=1&field=value&…": only fields that differ from their default. */
/** A formatted value as it goes into a link: escaped (a '+' would read as a space), with the
 *  lists' ',' and ';' kept readable. */
export function encodeValue(text) {
  return encodeURIComponent(text).replace(/%2C/g, ',').replace(/%3B/g, ';');
}

export function serialize(schema, state) {
  const parts = [`v=${schema.version}`];
  for (const [name, f] of Object.entries(schema.fields)) {
    const text = format(schema, name, state[name]);
    if (text === format(schema, name, f.def)) continue;
    parts.push(`${name}=${encodeValue(text)}`);
  }
  return parts.join('&');
}

/**
 * Applies a partial state (from the API, element attributes or a form). With strict,
 * a bad field throws an Error carrying the notice (the API's contract) and nothing
 * changes; otherwise the corrected value is used and the notice returned. Other fields
 * are never lost. Returns {state, notices}.
 */
export function applyPatch(schema, state, patch, { strict = false } = {}) {
  const next = { ...state };
  const notices = [];
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    const msg = `setState expects an object of fields; got ${quote(show(patch))}.`;
    if (strict) throw new Error(msg);
    return { state: next, notices: [msg] };
  }
  const given = {};
  for (const key of Object.keys(patch)) {
    if (!Object.hasOwn(schema.fields, key)) {
      const msg = `Unknown field ${quote(key)} was ignored.`;
      if (strict) throw new Error(msg);
      notices.push(msg);
      continue;
    }
    const { value, notice } = coerce(schema, key, patch[key]);
    if (notice && strict) throw new Error(notice);
    next[key] = value;
    given[key] = value;
    if (notice) notices.push(notice);
  }
  if (schema.settle) notices.push(...schema.settle(next, given));
  return { state: next, notices };
}

/** Attribute name → field: the kebab form and the lower-cased name. */
export function attributeMap(schema) {
  const map = new Map();
  for (const name of Object.keys(schema.fields)) {
    map.set(name.toLowerCase(), name);
    map.set(kebab(name), name);
  }
  return map;
}

export const kebab = (name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
