// Property tests of explore.html's links: the EXPLORE table (web/js/state/explore-schema.js)
// read and written by the shared codec (web/js/state/codec.js), with fast-check.
//   node --test tests/js/explore-codec.test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaults, parseHash, serialize, applyPatch, coerce } from '../../web/js/state/codec.js';
import { EXPLORE, upgradeHash } from '../../web/js/state/explore-schema.js';
import { arbitraryFor } from './lib/arbitraries.mjs';

const FIELDS = EXPLORE.fields;
const DEFAULTS = defaults(EXPLORE);

// Any subset of fields with valid values (a link need not give them all).
const validPatch = fc.record(Object.fromEntries(Object.entries(FIELDS).map(([k, f]) => [k, arbitraryFor(f)])),
  { requiredKeys: [] });

// A state the page can be in: a valid patch on the defaults, cross-field rules applied.
const settled = validPatch.map((p) => applyPatch(EXPLORE, DEFAULTS, p).state);

// The rules every settled state keeps (explore-schema.js settle).
function assertConsistent(s) {
  if (s.tokens !== null) assert.equal(s.tokens.length, s.m, 'tokens: exactly m, or none (the layout\'s)');
  assert.ok(s.k <= s.m, `k ${s.k} <= m ${s.m}`);
  assert.equal(s.h % s.kv, 0, `kv ${s.kv} divides h ${s.h}`);
  assert.ok(Number.isInteger(Math.log2(s.d)), `d ${s.d} is a power of 2`);
  assert.ok(s.block <= s.sn, `block ${s.block} <= sn ${s.sn}`);
  assert.ok(s.step <= Math.ceil(s.sn / s.block), `step ${s.step} <= blocks`);
}

test('parse(serialise(s)) gives s back, with no notices, for every settled state', () => {
  fc.assert(fc.property(settled, (s) => {
    assertConsistent(s);
    const text = serialize(EXPLORE, s);
    assert.match(text, /^v=1(&|$)/);
    const { state, notices } = parseHash(EXPLORE, `#${text}`);
    assert.deepEqual(notices, [], text);
    assert.deepEqual(state, s, text);
  }), { numRuns: 1000 });
});

test('the default state serialises to just the version, and an empty hash reads as the defaults', () => {
  assert.equal(serialize(EXPLORE, DEFAULTS), 'v=1');
  for (const hash of ['', '#', '#v=1']) {
    const { state, notices } = parseHash(EXPLORE, hash);
    assert.deepEqual(state, DEFAULTS, hash);
    assert.deepEqual(notices, [], hash);
  }
});

test('parseHash never throws and always yields a state every field of which the table accepts', () => {
  const names = Object.keys(FIELDS);
  const junkHash = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom(...names, 'v', '__proto__', 'constructor'), fc.string()),
      fc.oneof(fc.string(), fc.fullUnicodeString(), fc.integer({ min: -5, max: 5000 }).map(String),
        fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '-1e308', '%', '%zz', '', '1,2,3', ';;',
          '<script>', '0x10', 'window:3', 'topk:99', '1,2;3,4;5,6', '9,9;-11,0'))),
    { maxLength: 14 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
  fc.assert(fc.property(fc.oneof(fc.string(), fc.fullUnicodeString(), junkHash), (hash) => {
    const { state, notices } = parseHash(EXPLORE, upgradeHash(hash));
    assert.ok(Array.isArray(notices));
    assert.equal(Object.getPrototypeOf(state), Object.prototype);
    for (const name of Object.keys(FIELDS)) {
      assert.equal(coerce(EXPLORE, name, state[name]).notice, null, `${name} = ${JSON.stringify(state[name])}`);
    }
    assertConsistent(state);
  }), { numRuns: 2000 });
});

test('a bad field is named with its value and the value used; the good ones survive', () => {
  const { state, notices } = parseHash(EXPLORE, '#v=1&mode=heads&m=99&h=abc&kv=3&zzz=1');
  assert.equal(state.mode, 'heads');
  assert.equal(state.m, 16);
  assert.equal(state.h, 4);
  assert.equal(state.kv, 2);
  assert.deepEqual(notices, [
    'm: "99" is outside 2…16; using "16" instead.',
    'h: "abc" is not a whole number; using "4" instead.',
    'Unknown field "zzz" was ignored.',
    'kv: 3 does not divide h = 4; using 2.',
  ]);
  assert.match(parseHash(EXPLORE, '#v=2&m=6').notices[0], /newer than this page/);
  assert.match(parseHash(EXPLORE, '#m=6&m=7').notices[0], /m: given more than once; using the last one/);
});

test('old links: no v=, the mask size after a colon, every field written', () => {
  assert.equal(upgradeHash('#mode=self&mask=window:3&scale=1'), '#mode=self&mask=window&w=3&scale=1');
  assert.equal(upgradeHash('mask=topk%3A2'), 'mask=topk&k=2');
  const old = 'mode=self&m=5&tokens=1,0;0,1;-1,0.5;0.3,-0.8;1.2,1.1&wq=1,0.5,-0.3,1&wk=0.6,-0.8,0.9,0.4&wv=1,0,0,1' +
    '&tie=0&mask=topk:3&w=2&scale=1&h=4&kv=2&hseed=1&d=64&n=64&dseed=1&sn=12&block=4&sseed=3&qx=2&qy=1&step=0';
  const { state, notices } = parseHash(EXPLORE, upgradeHash(old));
  assert.deepEqual(notices, []);
  assert.equal(state.mask, 'topk');
  assert.equal(state.k, 3);
  assert.deepEqual(state.tokens[4], [1.2, 1.1]);
  // Written back in today's form: only what differs from the defaults.
  // (sseed=3 was the stream's old default; the default now shows a rescale, so the link keeps it)
  assert.equal(serialize(EXPLORE, state), 'v=1&tokens=1,0;0,1;-1,0.5;0.3,-0.8;1.2,1.1&mask=topk&k=3&sseed=3');
});

test('cross-field rules: m follows the tokens given; a stream change starts the stepper again', () => {
  let s = applyPatch(EXPLORE, DEFAULTS, { tokens: [[0, 0], [1, 1], [2, 2]] }).state;
  assert.equal(s.m, 3);
  const r = applyPatch(EXPLORE, s, { m: 2 });
  assert.deepEqual(r.state.tokens, [[0, 0], [1, 1]], 'lowering m drops the last tokens');
  assert.deepEqual(r.notices, []);
  assert.equal(applyPatch(EXPLORE, DEFAULTS, { k: 9 }).state.k, 5);
  s = applyPatch(EXPLORE, DEFAULTS, { step: 3 }).state;
  assert.equal(s.step, 3);
  for (const field of ['sn', 'block', 'sseed', 'qx', 'qy']) {
    const value = { sn: 20, block: 2, sseed: 9, qx: 0.5, qy: -1 }[field];
    assert.equal(applyPatch(EXPLORE, s, { [field]: value }).state.step, 0, `${field} resets step`);
  }
  assert.equal(applyPatch(EXPLORE, s, { mode: 'self' }).state.step, 3, 'other fields keep the step');
  assert.throws(() => applyPatch(EXPLORE, DEFAULTS, { d: 'x' }, { strict: true }), /d: "x" is not a whole number/);
});
