// dist/playground.html: one self-contained file (the page, explore and the WASM inlined).
// Copied alone into an empty folder and opened from file:// with the browser offline, it
// runs with zero console errors, asks for nothing but itself, and both views compute.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch } from '../browser/helpers.mjs';
import { repoRoot } from './helpers.mjs';
import { AttentionCore } from '../../web/js/core/attention-core.js';

let dir, file, browser, page, problems, requests, core;

before(async () => {
  core = await AttentionCore.load();
  dir = await mkdtemp(path.join(tmpdir(), 'attention-playground-'));
  file = path.join(dir, 'playground.html');
  await copyFile(path.join(repoRoot, 'dist/playground.html'), file);
  browser = await launch();
  await browser.context.setOffline(true);
  page = browser.context.pages()[0] ?? await browser.context.newPage();
  problems = [];
  requests = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
});
after(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

const own = () => requests.filter((u) => !u.startsWith(`${pathToFileURL(file).href}`) && !u.startsWith('data:'));

test('it is one file with its policy inline: no network source of any kind, scripts and styles pinned by hash', async () => {
  const html = await readFile(file, 'utf8');
  const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1];
  assert.ok(csp, 'a CSP meta tag');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/=]+' 'wasm-unsafe-eval'/);
  // The one inline script runs from its first <script> to the last </script> (its own
  // text holds none: bundle.mjs escapes them).
  const markup = html.replace(/<script>[\s\S]*<\/script>/, '<script></script>');
  assert.deepEqual(markup.match(/<script[^>]*>/g), ['<script>'], 'one inline script');
  assert.equal(html.indexOf('</script'), html.lastIndexOf('</script'), 'the script holds no "</script"');
  assert.ok(!/<link[^>]+rel="stylesheet"|@import|\ssrc="(?!data:)/.test(markup), 'nothing loaded from elsewhere');
});

test('the page opens offline from file:// with zero console errors, and its weights are the core\'s', async () => {
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 20000 });
  const rows = await page.$$eval('#weight-list tr[data-key-index]', (rs) => rs.map((r) => Number(r.dataset.weight)));
  const state = await page.evaluate(() => window.playground.getState());
  const want = core.attend({ query: state.query, keys: state.keys, scale: state.scale,
    normalizeKeys: state.normalizeKeys }).weights;
  assert.equal(rows.length, 8);
  for (let i = 0; i < rows.length; i++) assert.ok(Math.abs(rows[i] - want[i]) < 1e-3, `row ${i}: ${rows[i]} vs ${want[i]}`);
  assert.equal(await page.title(), 'Attention Geometry Playground');
  // It responds: a new state is drawn and listed.
  await page.evaluate(() => window.playground.setState({ n: 5, query: [-1, 0.2] }));
  await page.waitForFunction(() => document.querySelectorAll('#weight-list tr[data-key-index]').length === 5);
  assert.deepEqual(problems, []);
  assert.deepEqual(own(), [], 'no request but the file itself');
});

test('its link to explore stays in the file; explore computes with the same inlined core; the way back works', async () => {
  await page.click('a[href="?explore"]');
  await page.waitForFunction(() => document.body.dataset.ready === '1' && !!window.explore, null, { timeout: 20000 });
  assert.match(page.url(), /playground\.html\?explore$/);
  assert.match(await page.title(), /^Beyond one query/);
  const got = await page.evaluate(() => {
    const r = window.explore.core.attend({ query: [1.2, 0.4], keys: [[1, 0], [0, 1], [-1, 0]] });
    return { weights: Array.from(r.weights), panels: document.querySelectorAll('canvas').length };
  });
  assert.deepEqual(got.weights,
    Array.from(core.attend({ query: [1.2, 0.4], keys: [[1, 0], [0, 1], [-1, 0]] }).weights));
  assert.ok(got.panels >= 2, 'explore drew its panels');
  await page.click('a[href="?"]');
  await page.waitForFunction(() => document.body.dataset.ready === '1' && !!window.playground, null, { timeout: 20000 });
  assert.deepEqual(problems, []);
  assert.deepEqual(own(), [], 'no request but the file itself');
});
