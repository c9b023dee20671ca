// The embedding snippets of docs/embedding.md on a nested page (the page two folders down,
// where a relative script path 404s) built by each generator: plain HTML, MkDocs, Hugo and
// Jekyll (Debian's mkdocs, hugo, jekyll; a test skips, saying so, when its generator is
// missing). Each page is served by a plain static server and opened in Chromium: the
// script loads (no 404), the plot draws, and the fallback text inside the element is not
// shown; with the script blocked the fallback text is what the reader sees.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launch, repoRoot } from './helpers.mjs';

const SCRIPT = path.join(repoRoot, 'dist', 'attention-plot.js');
const FALLBACK = 'Interactive plot (needs JavaScript and attention-plot.js).';
const ELEMENT = `<attention-plot n="12" layout="clusters" seed="3" query="1.2,0.4" controls="compact">${FALLBACK}</attention-plot>`;
const work = mkdtempSync(path.join(tmpdir(), 'agp-sites-'));
let browser;

before(async () => { browser = await launch(); });
after(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skipUnless = (cmd, pkg) => (has(cmd) ? false : `${cmd} is not installed (apt-get install ${pkg})`);

function write(file, text) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };

/** A plain static server of `root` (no CSP, index.html for folders). Returns {url, close()}. */
function serveDir(root) {
  const server = createServer((req, res) => {
    let file = path.join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
    if (existsSync(file) && !path.extname(file)) file = path.join(file, 'index.html');
    if (!existsSync(file)) { res.writeHead(404).end('not found'); return; }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  })));
}

/** Opens `url`: the plot draws, nothing 404s, the fallback is hidden; with the script blocked it shows. */
async function check(siteRoot, pagePath) {
  const srv = await serveDir(siteRoot);
  try {
    const page = await browser.context.newPage();
    const bad = [];
    page.on('response', (r) => { if (r.status() >= 400) bad.push(`http ${r.status()}: ${r.url()}`); });
    page.on('pageerror', (e) => bad.push(`pageerror: ${e.message}`));
    await page.goto(srv.url + pagePath);
    const drawn = await page.waitForFunction(async () => {
      const el = document.querySelector('attention-plot');
      if (!el?.plot) return false;
      await el.plot.ready;
      const canvas = el.shadowRoot?.querySelector('canvas');
      return canvas && canvas.width > 0 && el.plot.getWeights()?.length === 12 ? location.pathname : false;
    }, null, { timeout: 20000 });
    assert.equal(await drawn.jsonValue(), pagePath);
    assert.deepEqual(bad, []);
    const shown = await page.evaluate(() => {
      const el = document.querySelector('attention-plot');
      const range = document.createRange();
      range.selectNodeContents(el);
      return { rects: range.getClientRects().length, height: el.getBoundingClientRect().height };
    });
    assert.equal(shown.rects, 0, 'the fallback text is not rendered once the element runs');
    assert.ok(shown.height > 100, `the plot is ${shown.height}px high`);
    await page.close();

    const blocked = await browser.context.newPage();
    await blocked.route('**/attention-plot.js', (r) => r.abort());
    await blocked.goto(srv.url + pagePath);
    const text = await blocked.evaluate(() => {
      const el = document.querySelector('attention-plot');
      return el && !el.shadowRoot && el.getClientRects().length ? el.innerText.trim() : null;
    });
    assert.equal(text, FALLBACK, 'without the script the reader sees the fallback');
    await blocked.close();
  } finally {
    await srv.close();
  }
}

test('plain HTML: a root-absolute script path on a nested page', async () => {
  const root = path.join(work, 'plain');
  copyFileSync(SCRIPT, (mkdirSync(path.join(root, 'assets'), { recursive: true }), path.join(root, 'assets', 'attention-plot.js')));
  write(path.join(root, 'guide', 'attention', 'index.html'), `<!doctype html><meta charset="utf-8"><title>t</title>
<script src="/assets/attention-plot.js"></script>
${ELEMENT}
`);
  await check(root, '/guide/attention/');
});

test('MkDocs: extra_javascript on guide/attention/', { skip: skipUnless('mkdocs', 'mkdocs') }, async () => {
  const root = path.join(work, 'mkdocs');
  write(path.join(root, 'mkdocs.yml'), 'site_name: Test\ntheme:\n  name: mkdocs\n  highlightjs: false\nextra_javascript:\n  - js/attention-plot.js\n');
  write(path.join(root, 'docs', 'index.md'), '# Home\n');
  write(path.join(root, 'docs', 'guide', 'attention.md'), `# Attention\n\nSome prose.\n\n${ELEMENT}\n\nMore prose.\n`);
  mkdirSync(path.join(root, 'docs', 'js'), { recursive: true });
  copyFileSync(SCRIPT, path.join(root, 'docs', 'js', 'attention-plot.js'));
  execFileSync('mkdocs', ['build', '--quiet', '--site-dir', 'site'], { cwd: root, stdio: 'pipe' });
  await check(path.join(root, 'site'), '/guide/attention/');
});

test('Hugo: a shortcode with relURL on posts/x/', { skip: skipUnless('hugo', 'hugo') }, async () => {
  const root = path.join(work, 'hugo');
  write(path.join(root, 'config.toml'), 'baseURL = "http://example.org/"\ntitle = "Test"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n');
  write(path.join(root, 'layouts', '_default', 'single.html'),
    '<!doctype html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>{{ .Content }}</body></html>\n');
  write(path.join(root, 'layouts', '_default', 'list.html'), '<!doctype html><title>{{ .Title }}</title>\n');
  write(path.join(root, 'layouts', 'shortcodes', 'attention-plot.html'),
    readFileSync(path.join(repoRoot, 'web', 'examples', 'hugo', 'layouts', 'shortcodes', 'attention-plot.html'), 'utf8'));
  write(path.join(root, 'content', 'posts', 'x.md'), `---\ntitle: X\n---\nSome prose.\n\n{{< attention-plot n="12" layout="clusters" seed="3" query="1.2,0.4" controls="compact" >}}\n\nMore prose.\n`);
  mkdirSync(path.join(root, 'static', 'js'), { recursive: true });
  copyFileSync(SCRIPT, path.join(root, 'static', 'js', 'attention-plot.js'));
  execFileSync('hugo', ['--quiet', '--destination', 'public'], { cwd: root, stdio: 'pipe' });
  await check(path.join(root, 'public'), '/posts/x/');
});

test('Jekyll: relative_url on a post', { skip: skipUnless('jekyll', 'jekyll') }, async () => {
  const root = path.join(work, 'jekyll');
  write(path.join(root, '_config.yml'), 'title: Test\npermalink: /posts/:title/\n');
  write(path.join(root, '_layouts', 'default.html'),
    '<!doctype html><html><head><meta charset="utf-8"><title>{{ page.title }}</title></head><body>{{ content }}</body></html>\n');
  write(path.join(root, '_posts', '2026-01-02-x.md'), `---\nlayout: default\ntitle: X\n---\nSome prose.\n\n<script src="{{ '/assets/attention-plot.js' | relative_url }}"></script>\n${ELEMENT}\n\nMore prose.\n`);
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  copyFileSync(SCRIPT, path.join(root, 'assets', 'attention-plot.js'));
  execFileSync('jekyll', ['build', '--quiet', '--destination', '_site'], { cwd: root, stdio: 'pipe' });
  await check(path.join(root, '_site'), '/posts/x/');
});
