// The W1/W2 harness in headless Chromium (playwright-core, Debian's /usr/bin/chromium,
// fresh profile): bench/workloads.mjs, the same code the node harness runs, on the page
// bench/browser/kernels.html (the full WASM module, tfjs-wasm and onnxruntime-web, one
// thread each). No native column: the browser has none.
//
//   node bench/browser/kernels.mjs [--out bench/results/browser-kernels.json] [--quick]
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { openChromium, writeResults } from './session.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const OUT = opt('--out', path.join(root, 'bench/results/browser-kernels.json'));
const QUICK = argv.includes('--quick');

const { url, context, close } = await openChromium(root);
let results;
try {
  const page = context.pages()[0] ?? await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('requestfailed', (q) => problems.push(`${q.url()}: ${q.failure()?.errorText}`));
  page.on('response', (q) => { if (q.status() >= 400 && !q.url().endsWith('/favicon.ico')) problems.push(`${q.url()}: HTTP ${q.status()}`); });
  page.on('console', (m) => {
    if (m.type() !== 'error') process.stderr.write(`browser: ${m.text()}\n`);
  });
  await page.goto(new URL('bench/browser/kernels.html', url).href, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 30000 });
  page.setDefaultTimeout(0);
  const r = await page.evaluate((quick) => window.runBench({ quick }), QUICK);
  results = { date: new Date().toISOString(), quick: QUICK,
    chromium: context.browser()?.version() ?? await page.evaluate(() => navigator.userAgent), ...r, problems };
} finally {
  await close();
}
await writeResults(OUT, results);
