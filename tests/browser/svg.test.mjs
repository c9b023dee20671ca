// SVG export: the main page's Download SVG and the element handle's toSVG(); toPNG is a real PNG.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { serve, launch, webRoot } from './helpers.mjs';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await srv?.close(); });

function watch(page) {
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return problems;
}

// Parses svg text in the page with DOMParser and summarises it.
function inspect(page, svg) {
  return page.evaluate((svg) => {
    const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
    const root = doc.documentElement;
    return {
      error: doc.getElementsByTagName('parsererror').length > 0,
      root: root.localName,
      width: root.getAttribute('width'), height: root.getAttribute('height'), viewBox: root.getAttribute('viewBox'),
      paths: doc.getElementsByTagName('path').length + doc.getElementsByTagName('circle').length,
      texts: [...doc.getElementsByTagName('text')].map((t) => t.textContent),
    };
  }, svg);
}

function check(info, n) {
  assert.equal(info.error, false);
  assert.equal(info.root, 'svg');
  assert.ok(Number(info.width) > 0 && Number(info.height) > 0, `${info.width}x${info.height}`);
  assert.match(info.viewBox, /^0 0 [\d.]+ [\d.]+$/);
  assert.ok(info.paths >= n, `${info.paths} paths for ${n} keys`);
  assert.ok(info.texts.length > 0);
  assert.ok(info.texts.some((t) => /k\s*\d|r = 2/.test(t)), info.texts.join('|'));
}

test('the main page downloads an SVG that parses, with a sized root, paths and text', async () => {
  const page = await browser.context.newPage();
  const problems = watch(page);
  await page.goto(srv.url);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 20000 });
  await page.evaluate(() => window.playground.setState({ n: 6 }));
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download-svg')]);
  assert.equal(dl.suggestedFilename(), 'attention-plot.svg');
  const svg = await readFile(await dl.path(), 'utf8');
  check(await inspect(page, svg), 6);
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#download-png')]);
  const bytes = await readFile(await png.path());
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the element handle: toSVG() parses likewise and toPNG() is a PNG', async () => {
  const page = await browser.context.newPage();
  const problems = watch(page);
  await page.goto(pathToFileURL(path.join(webRoot, 'examples', 'element.html')).href);
  await page.waitForFunction(() => document.getElementById('a')?.plot?.getWeights(), null, { timeout: 20000 });
  await page.evaluate(() => document.getElementById('a').plot.setState({ n: 5 }));
  const { svg, png } = await page.evaluate(() => {
    const h = document.getElementById('a').plot;
    return { svg: h.toSVG(), png: h.toPNG() };
  });
  check(await inspect(page, svg), 5);
  const bytes = Buffer.from(png.replace(/^data:image\/png;base64,/, ''), 'base64');
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.deepEqual(problems, []);
  await page.close();
});
