// "Copy embed code": both snippets are shown when the clipboard is refused, and the
// element snippet's attributes parse back (codec.js coerce) to the page's state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch } from './helpers.mjs';
import { PLAYGROUND } from '../../web/js/state/schema.js';
import { coerce as coerceField } from '../../web/js/state/codec.js';

const FIELDS = PLAYGROUND.fields;
const coerce = (name, raw) => coerceField(PLAYGROUND, name, raw);

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await srv?.close(); });

const camel = (attr) => attr.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

test('Copy embed code shows the element and iframe snippets; attributes round-trip', async () => {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto(srv.url);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 20000 });
  await page.evaluate(() => {
    window.playground.setState({ n: 7, layout: 'clusters', seed: 5, query: [1.25, -0.5], normalizeKeys: false, scaleMode: 'invsqrt' });
    navigator.clipboard.writeText = () => Promise.reject(new Error('refused'));
  });
  await page.waitForTimeout(150);
  await page.click('#copy-embed');
  await page.waitForFunction(() => !document.getElementById('embed-code').hidden);
  const text = await page.inputValue('#embed-code');
  assert.match(text, /<script src="attention-plot\.js"><\/script>/);
  assert.match(text, /<iframe [^>]*src="[^"]*\/embed\.html#v=1&amp;[^"]*"[^>]*sandbox="allow-scripts"|<iframe [^>]*sandbox="allow-scripts"[^>]*src="[^"]*\/embed\.html#v=1[^"]*"/s);
  assert.match(text, /attention-plot:height/);
  const { attrs, share } = await page.evaluate((text) => {
    // Only the element tag: the iframe snippet's style attribute would trip the page's CSP.
    const tag = /<attention-plot[^>]*><\/attention-plot>/.exec(text)[0];
    const doc = new DOMParser().parseFromString(tag, 'text/html');
    const el = doc.querySelector('attention-plot');
    return {
      attrs: Object.fromEntries(el.getAttributeNames().map((a) => [a, el.getAttribute(a)])),
      share: window.playground.shareState(),
    };
  }, text);
  assert.ok(Object.keys(attrs).length >= 5, JSON.stringify(attrs));
  for (const [name, f] of Object.entries(FIELDS)) {
    if (!(name in share)) continue;
    const attr = Object.keys(attrs).find((a) => camel(a) === name);
    const got = attr === undefined ? f.def : coerce(name, attrs[attr]);
    if (attr !== undefined) assert.equal(got.notice, null, `${name}: ${got.notice}`);
    assert.deepEqual(attr === undefined ? got : got.value, share[name], name);
  }
  assert.equal(share.n, 7);
  assert.deepEqual(share.query, [1.25, -0.5]);
  assert.deepEqual(problems, []);
  await page.close();
});
