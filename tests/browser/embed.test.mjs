// web/embed.html inside a sandboxed iframe on another origin (a second server port).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer } from '../../scripts/serve.mjs';
import { launch, webRoot } from './helpers.mjs';

let embedSrv, parentSrv, parentUrl, browser;

// The parent page: a sandboxed iframe (scripts only, so the embed runs in an opaque origin)
// that follows the height the embed posts.
const parentHtml = (src) => `<!doctype html><html><head><meta charset="utf-8"><title>parent</title></head><body>
<h1>Someone else's page</h1>
<iframe id="embed" title="Attention plot" sandbox="allow-scripts" src="${src}" style="width:420px;height:150px;border:0"></iframe>
<script>
  window.__messages = [];
  window.addEventListener('message', (e) => {
    window.__messages.push({ origin: e.origin, data: e.data });
    if (e.data && e.data.type === 'attention-plot:height' && Number.isFinite(e.data.height)) {
      document.getElementById('embed').style.height = e.data.height + 'px';
    }
  });
</script></body></html>`;

before(async () => {
  const s = await startServer({ root: webRoot, port: 0, quiet: true });
  // A sandboxed frame has an opaque origin, so its script is a cross-origin request:
  // serve.mjs answers it with Access-Control-Allow-Origin: *.
  embedSrv = s;
  parentSrv = http.createServer((req, res) => {
    const src = `${embedSrv.url}embed.html${decodeURIComponent(new URL(req.url, 'http://x').searchParams.get('hash') ?? '')}`;
    const body = parentHtml(src.replace(/"/g, '&quot;'));
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(body);
  });
  await new Promise((resolve) => parentSrv.listen(0, '127.0.0.1', resolve));
  parentUrl = `http://127.0.0.1:${parentSrv.address().port}/`;
  browser = await launch();
});
after(async () => {
  await browser?.close();
  for (const srv of [embedSrv?.server, parentSrv]) {
    srv?.closeAllConnections?.();
    await new Promise((resolve) => (srv ? srv.close(() => resolve()) : resolve()));
  }
});

async function openParent(hash) {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(`${parentUrl}?hash=${encodeURIComponent(hash)}`);
  await page.waitForFunction(() => window.__messages.some((m) => m.data?.type === 'attention-plot:height'), null, { timeout: 20000 });
  const frame = page.frames().find((f) => f.url().includes('embed.html'));
  await frame.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 20000 });
  return { page, frame, problems };
}

test('compact embed: state from the hash, plot and compact controls, height posted to the parent', async () => {
  const { page, frame, problems } = await openParent('#n=5&seed=3&layout=random&controls=compact');
  const s = await frame.evaluate(() => ({
    ...window.playground.getState(),
    origin: window.origin,
  }));
  assert.equal(s.n, 5);
  assert.equal(s.seed, 3);
  assert.equal(s.layout, 'random');
  assert.equal(s.origin, 'null');   // really sandboxed
  // embed.html is the <attention-plot> element: compact controls are the number of keys and the scale
  const vis = await frame.evaluate(() => {
    const root = document.querySelector('attention-plot').shadowRoot;
    const shown = (sel) => { const el = root.querySelector(sel); return !!el && el.getClientRects().length > 0; };
    return {
      plot: shown('canvas'), n: shown('[name="n"]'), scale: shown('[name="customScale"]'), layout: shown('[name="layout"]'),
      summary: shown('.summary'),
    };
  });
  assert.deepEqual(vis, { plot: true, n: true, scale: true, layout: false, summary: true });
  // the parent followed the posted height, and it matches the embed's document
  await page.waitForTimeout(300);
  const msgs = await page.evaluate(() => window.__messages);
  const last = msgs.filter((m) => m.data?.type === 'attention-plot:height').at(-1);
  assert.equal(last.origin, 'null');
  const docHeight = await frame.evaluate(() => document.body.getBoundingClientRect().bottom);
  assert.ok(Math.abs(last.data.height - docHeight) <= 1, `${last.data.height} vs ${docHeight}`);
  const iframeHeight = await page.evaluate(() => document.getElementById('embed').getBoundingClientRect().height);
  assert.ok(Math.abs(iframeHeight - last.data.height) <= 1);
  assert.ok(last.data.height > 300);
  assert.deepEqual(problems, []);
  await page.close();
});

test('controls=none shows only the plot; a resize posts a new height', async () => {
  const { page, frame, problems } = await openParent('#controls=none');
  const controlsShown = await frame.evaluate(() => document.querySelector('attention-plot').shadowRoot.querySelector('.controls').getClientRects().length > 0);
  assert.equal(controlsShown, false);
  const first = await page.evaluate(() => window.__messages.at(-1).data.height);
  await page.evaluate(() => { document.getElementById('embed').style.width = '300px'; });
  await page.waitForFunction((h) => window.__messages.at(-1).data.height < h - 20, first);
  assert.deepEqual(problems, []);
  await page.close();
});
