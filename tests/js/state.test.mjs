// Property tests of the state codec (web/js/state.js) with fast-check.
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FIELDS, defaults, parseHash, serialize, applyPatch, coerce } from '../../web/js/state.js';

// An arbitrary for every valid value of one field, generated from the same table.
function arbitraryFor(f) {
  const coord = (max) => fc.double({ min: -max, max, noNaN: true }).map((x) => x + 0);
  switch (f.type) {
    case 'int': return fc.integer({ min: f.min, max: f.max });
    case 'number': return fc.double({ min: f.min, max: f.max, noNaN: true }).map((x) => x + 0);
    case 'bool': return fc.boolean();
    case 'enum': return fc.constantFrom(...f.values);
    case 'point': return fc.tuple(coord(f.max), coord(f.max));
    case 'points':
      return fc.option(fc.array(fc.tuple(coord(f.max), coord(f.max)), { minLength: 1, maxLength: f.maxCount }),
        { nil: null });
    default: throw new Error(`no arbitrary for ${f.type}`);
  }
}

const validState = fc.record(Object.fromEntries(Object.entries(FIELDS).map(([k, f]) => [k, arbitraryFor(f)])));

test('parse(serialise(s)) equals s for every valid state, with no notices', () => {
  fc.assert(fc.property(validState, (s) => {
    const { state, notices } = parseHash(`#${serialize(s)}`);
    assert.deepEqual(notices, []);
    assert.deepEqual(state, s);
  }), { numRuns: 500 });
});

test('the default state serialises to just the version', () => {
  assert.equal(serialize(defaults()), 'v=1');
  assert.deepEqual(parseHash('').state, defaults());
});

test('parseHash never throws and always returns a complete, valid state', () => {
  const names = Object.keys(FIELDS);
  const junkHash = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom(...names, 'v', '__proto__', 'constructor'), fc.string()),
      fc.oneof(fc.string(), fc.fullUnicodeString(), fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999',
        '-1e308', '%', '%zz', '', '1,2,3', ';;', '<script>', '0x10'))),
    { maxLength: 12 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
  fc.assert(fc.property(fc.oneof(fc.string(), fc.fullUnicodeString(), junkHash), (hash) => {
    const { state, notices } = parseHash(hash);
    assert.ok(Array.isArray(notices));
    for (const [name] of Object.entries(FIELDS)) {
      // Each field holds a value the table accepts as-is.
      assert.equal(coerce(name, state[name]).notice, null, `${name} = ${JSON.stringify(state[name])}`);
    }
    assert.equal(Object.getPrototypeOf(state), Object.prototype);
  }), { numRuns: 2000 });
});

test('a bad field is named with its value and the value used; other fields survive', () => {
  const { state, notices } = parseHash('#v=1&n=abc&seed=42&spread=Infinity&query=9,0&zzz=1');
  assert.equal(state.n, 8);
  assert.equal(state.seed, 42);
  assert.equal(state.spread, 0.3);
  assert.deepEqual(state.query, [2.2, 0]);
  assert.equal(notices.length, 4);
  assert.match(notices[0], /^n: "abc" is not a whole number; using "8" instead\.$/);
  assert.match(notices[1], /^spread: "Infinity" is not a finite number; using "0\.3" instead\.$/);
  assert.match(notices[2], /^query: "9,0" is outside ±2\.2; using "2\.2,0" instead\.$/);
  assert.match(notices[3], /Unknown field "zzz"/);
});

test('huge, empty and overlong values are clamped or rejected with a notice', () => {
  assert.deepEqual(coerce('n', '1e300'), { value: 64, notice: 'n: "1e300" is outside 1…64; using "64" instead.' });
  assert.deepEqual(coerce('customScale', '-1e308'),
    { value: -100, notice: 'customScale: "-1e308" is outside -100…100; using "-100" instead.' });
  assert.equal(coerce('n', '100000').value, 64);
  assert.match(coerce('n', '100000').notice, /outside 1…64; using "64"/);
  assert.equal(coerce('seed', '').value, 1);
  const long = 'x'.repeat(5000);
  assert.match(coerce('layout', long).notice, /too long \(5000 characters\)/);
  assert.ok(coerce('layout', long).notice.length < 200, 'the notice quotes only the start of the value');
  assert.match(parseHash(`#n=${'9'.repeat(70000)}`).notices[0], /too long/);
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
