// Shared helpers for the browser tests: a static server of web/ and a headless
// Chromium with a fresh profile, plus page utilities.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const webRoot = path.join(repoRoot, 'web');
export const artifactsDir = path.join(repoRoot, 'test-artifacts');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Starts the static server on a free port. Returns {url, close()}. */
export async function serve() {
  const { server, url } = await startServer({ root: webRoot, port: 0, quiet: true });
  return {
    url,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

/**
 * Launches Chromium with a fresh user-data-dir (a persistent context).
 * options: viewport, deviceScaleFactor, colorScheme, hasTouch, isMobile.
 * Returns {context, close()}.
 */
export async function launch(options = {}) {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'agp-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: options.viewport ?? { width: 1280, height: 900 },
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
    colorScheme: options.colorScheme ?? 'light',
    hasTouch: options.hasTouch ?? false,
    isMobile: options.isMobile ?? false,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    reducedMotion: options.reducedMotion ?? 'no-preference',
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
    },
  };
}

/**
 * Opens the playground and waits for the first frame. Collects console errors,
 * page errors and failed requests into `problems`.
 */
export async function openPlayground(context, url) {
  const page = context.pages()[0] ?? await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => {
    // The browser drops its own favicon fetch when the page reloads under it: not the page's fault.
    if (req.url().endsWith('/favicon.svg') && req.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`requestfailed: ${req.url()} ${req.failure()?.errorText}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`http ${res.status()}: ${res.url()}`);
  });
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 20000 });
  return { page, problems };
}

/**
 * A one-finger swipe by CDP touch events (what a phone sends): down at (x, y), 8 moves to
 * (x, y + dy) a frame apart, up; then 300 ms for a fling to settle. dy < 0 moves the finger up.
 */
export async function swipe(cdp, page, x, y, dy) {
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
  for (let i = 1; i <= 8; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y: y + (dy * i) / 8 }] });
    await page.waitForTimeout(16);
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await page.waitForTimeout(300);
}

/** Waits two animation frames (the app coalesces redraws to one per frame). */
export function frames(page, count = 2) {
  return page.evaluate((count) => new Promise((resolve) => {
    let left = count;
    const tick = () => (--left <= 0 ? resolve() : requestAnimationFrame(tick));
    requestAnimationFrame(tick);
  }), count);
}

/** Page (CSS px, viewport) coordinates of a world point in the circle panel. */
export async function worldToPage(page, x, y) {
  return page.evaluate(([x, y]) => {
    const canvas = document.getElementById('plot');
    const r = canvas.getBoundingClientRect();
    const [sx, sy] = window.playground.plot.toScreen(x, y);
    return [r.left + sx, r.top + sy];
  }, [x, y]);
}

/** Page coordinates of the query dot (drawn to scale up to |q| = 1.5, logarithmically beyond). */
export async function queryToPage(page) {
  return page.evaluate(() => {
    const pg = window.playground;
    const r = pg.plot.canvas.getBoundingClientRect();
    const [sx, sy] = pg.plot.queryToScreen(pg.getState().query);
    return [r.left + sx, r.top + sy];
  });
}

/** The weight list as rendered: [{index, weight, logit, argmax}] in row order. */
export function readWeightRows(page) {
  return page.$$eval('#weight-list tr[data-key-index]', (rows) => rows.map((r) => ({
    index: Number(r.dataset.keyIndex),
    weight: Number(r.dataset.weight),
    logit: Number(r.dataset.logit),
    text: r.querySelector('.col-weight').textContent,
    argmax: r.classList.contains('is-argmax'),
  })));
}

/** Calls core.attend in the page for the current state (what the display must show). */
export function attendForState(page) {
  return page.evaluate(() => {
    const pg = window.playground;
    const s = pg.getState();
    const r = pg.core.attend({ query: s.query, keys: s.keys, values: s.values, scale: s.scale,
      normalizeKeys: s.normalizeKeys });
    return { weights: Array.from(r.weights), logits: Array.from(r.logits), argmax: r.argmax,
      output: Array.from(r.output), state: s };
  });
}

export async function screenshot(page, name) {
  await mkdir(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * RGBA of canvas pixels at CSS-pixel points [[x, y], ...] (copied to a scratch canvas
 * first, so the page's own canvas is never read back).
 */
export function canvasPixels(page, points) {
  return page.evaluate((points) => {
    const c = document.getElementById('plot');
    const dpr = c.width / c.clientWidth;
    const copy = document.createElement('canvas');
    copy.width = c.width;
    copy.height = c.height;
    const ctx = copy.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(c, 0, 0);
    return points.map(([x, y]) => Array.from(ctx.getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data));
  }, points);
}

/** CSS-pixel canvas coordinates of a world point. */
export function worldToCanvas(page, x, y) {
  return page.evaluate(([x, y]) => window.playground.plot.toScreen(x, y), [x, y]);
}
