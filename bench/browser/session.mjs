// What the browser benchmarks share: a static server and headless Chromium (playwright-core,
// Debian's /usr/bin/chromium, a fresh profile), torn down together, and the results file.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { startServer } from '../../scripts/serve.mjs';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Serves `root` and launches Chromium. options: extraArgs (Chromium flags), and anything
 * launchPersistentContext takes (viewport, deviceScaleFactor). Returns {url, server,
 * context, close()}; close() ends both and removes the profile.
 */
export async function openChromium(root, { extraArgs = [], ...options } = {}) {
  const { server, url } = await startServer({ root, port: 0, quiet: true });
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'agp-bench-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium', headless: true, args: [...ARGS, ...extraArgs], ...options,
  });
  return {
    url, server, context,
    async close() {
      await context.close().catch(() => {});
      await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
      server.closeAllConnections?.();
      server.close();
    },
  };
}

/** Writes a benchmark's results as JSON (making its folder) and says where. */
export async function writeResults(out, results) {
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(results, null, 1));
  process.stderr.write(`wrote ${out}\n`);
}
