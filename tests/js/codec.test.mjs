// Property tests of the settings codec (web/js/state/codec.js) over the playground's schema
// (web/js/state/schema.js) with fast-check. explore's table has its own file.
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PLAYGROUND } from '../../web/js/state/schema.js';
import * as codec from '../../web/js/state/codec.js';
import { arbitraryFor } from './lib/arbitraries.mjs';

const S = PLAYGROUND;
const defaults = () => codec.defaults(S);
const parseHash = (h) => codec.parseHash(S, h);
const serialize = (s) => codec.serialize(S, s);
const coerce = (name, raw) => codec.coerce(S, name, raw);
const applyPatch = (s, p, o) => codec.applyPatch(S, s, p, o);

// A valid state, settled by the schema's cross-field rules (what a store can hold).
const settledState = fc.record(Object.fromEntries(Object.entries(S.fields).map(([k, f]) => [k, arbitraryFor(f)])))
  .map((s) => applyPatch(defaults(), s).state);

test('parse(serialise(s)) equals s for every settled state, with no notices', () => {
  fc.assert(fc.property(settledState, (s) => {
    const { state, notices } = parseHash(`#${serialize(s)}`);
    assert.deepEqual(notices, []);
    assert.deepEqual(state, s);
    // and the link is stable: writing it again gives the same text
    assert.equal(serialize(state), serialize(s));
  }), { numRuns: 500 });
});

test('the default state serialises to just the version; defaults agree with the table', () => {
  assert.equal(serialize(defaults()), 'v=1');
  assert.deepEqual(parseHash('').state, defaults());
  for (const [name, f] of Object.entries(S.fields)) assert.equal(coerce(name, f.def).notice, null, name);
});

test('numbers are written rounded to their precision', () => {
  const s = applyPatch(defaults(), { query: [0.964181414529809, 1.149066664678467], spread: 0.123456 }).state;
  assert.deepEqual(s.query, [0.9642, 1.1491]);
  assert.equal(serialize(s), 'v=1&spread=0.123');
});

test('parseHash never throws and always returns a complete, valid state', () => {
  const names = Object.keys(S.fields);
  const junkHash = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom(...names, 'v', '__proto__', 'constructor'), fc.string()),
      fc.oneof(fc.string(), fc.fullUnicodeString(), fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999',
        '-1e308', '%', '%zz', '', '1,2,3', ';;', '<script>', '0x10'))),
    { maxLength: 12 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
  fc.assert(fc.property(fc.oneof(fc.string(), fc.fullUnicodeString(), junkHash), (hash) => {
    const { state, notices } = parseHash(hash);
    assert.ok(Array.isArray(notices));
    for (const name of names) {
      assert.equal(coerce(name, state[name]).notice, null, `${name} = ${JSON.stringify(state[name])}`);
    }
    assert.equal(Object.getPrototypeOf(state), Object.prototype);
  }), { numRuns: 2000 });
});

test('a bad field is named with its value and the value used; other fields survive', () => {
  const { state, notices } = parseHash('#v=1&n=abc&seed=42&spread=Infinity&query=2000,0&zzz=1');
  assert.equal(state.n, 8);
  assert.equal(state.seed, 42);
  assert.equal(state.spread, 0.3);
  assert.deepEqual(state.query, [1000, 0]);
  assert.equal(notices.length, 4);
  assert.match(notices[0], /^n: "abc" is not a whole number; using "8" instead\.$/);
  assert.match(notices[1], /^spread: "Infinity" is not a finite number; using "0\.3" instead\.$/);
  assert.match(notices[2], /^query: "2000,0" is outside ±1000; using "1000,0" instead\.$/);
  assert.match(notices[3], /Unknown field "zzz"/);
});

test('repeated, future-version and cross-field problems are named too', () => {
  const r = parseHash('#v=2&n=5&n=6&values=0,1');
  assert.equal(r.state.n, 6);
  assert.match(r.notices[0], /v="2" is newer than this page/);
  assert.match(r.notices[1], /^n: given more than once; using the last one\.$/);
  assert.match(r.notices[2], /values: explicit values need explicit keys/);
  const k = parseHash('#keys=1,0;0,1&n=7');
  assert.equal(k.state.n, 2);
  assert.deepEqual(k.state.keys, [[1, 0], [0, 1]]);
});

test('huge, empty and overlong values are clamped or rejected with a notice; a long hash keeps its good fields', () => {
  assert.deepEqual(coerce('n', '1e300'), { value: 64, notice: 'n: "1e300" is outside 1…64; using "64" instead.' });
  assert.deepEqual(coerce('customScale', '-1e308'),
    { value: -100, notice: 'customScale: "-1e308" is outside -100…100; using "-100" instead.' });
  assert.equal(coerce('seed', '').value, 1);
  const long = 'x'.repeat(5000);
  assert.match(coerce('layout', long).notice, /too long \(5000 characters\)/);
  assert.ok(coerce('layout', long).notice.length < 200, 'the notice quotes only the start of the value');
  const r = parseHash(`#seed=4&n=${'9'.repeat(70000)}`);
  assert.match(r.notices[0], /too long/);
  assert.equal(r.state.seed, 4, 'other fields are kept');
});

test('API values: NaN is quoted as NaN, 0/1 are booleans, Number objects are numbers, quotes are escaped', () => {
  assert.match(coerce('query', [NaN, 1]).notice, /^query: "\[NaN,1\]" is not a point/);
  assert.deepEqual(coerce('normalizeKeys', 0), { value: false, notice: null });
  assert.deepEqual(coerce('n', new Number(5)), { value: 5, notice: null });
  const weird = coerce('layout', 'a\u2028b\u0085c');
  assert.ok(!/[\u2028\u0085]/.test(weird.notice), 'line separators are escaped in a notice');
});

test('applyPatch strict throws an Error naming the field; lenient keeps the rest', () => {
  const s = defaults();
  assert.throws(() => applyPatch(s, { n: NaN }, { strict: true }), /n: "NaN" is not a whole number; using "8"/);
  assert.throws(() => applyPatch(s, { bogus: 1 }, { strict: true }), /Unknown field "bogus"/);
  assert.throws(() => applyPatch(s, 'n=3', { strict: true }), /expects an object/);
  const { state, notices } = applyPatch(s, { n: 12, layout: 'spiral' });
  assert.equal(state.n, 12);
  assert.equal(state.layout, 'even');
  assert.equal(notices.length, 1);
  assert.equal(s.n, 8, 'the input state is not mutated');
});
