#!/usr/bin/env node
// `npm pack` / `npm publish` run this first (prepack): every file the package's `files`
// lists must exist, or the tarball would silently ship without it. dist/ is build output:
// ./build_wasm.sh makes it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const missing = pkg.files.filter((f) => !existsSync(path.join(root, f)));
if (missing.length) {
  console.error(`check-dist: ${missing.join(', ')} missing; run ./build_wasm.sh first (it builds dist/).`);
  process.exit(1);
}
