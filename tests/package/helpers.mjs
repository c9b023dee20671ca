// The npm package as a user gets it: `npm pack` at the repository root (after
// ./build_wasm.sh), then `npm install --offline <tarball>` into a scratch project under
// the system temp dir. Nothing is downloaded: the package has no dependencies, and the
// tools the tests use (esbuild, typescript, playwright-core) come from the repository's
// own node_modules.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const npm = (args, cwd) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'],
  { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * Packs the repository and installs the tarball into a fresh scratch project.
 * Returns {dir, pkgDir, tarball, files (paths in the tarball), cleanup()}.
 */
export async function installPackage() {
  const dir = await mkdtemp(path.join(tmpdir(), 'attention-plot-consumer-'));
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], repoRoot));
  const tarball = path.join(dir, packed[0].filename);
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  npm(['install', '--offline', tarball], dir);
  return {
    dir,
    pkgDir: path.join(dir, 'node_modules', 'attention-plot'),
    tarball,
    files: packed[0].files.map((f) => f.path),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Runs a node ES module script in `cwd` (so bare imports resolve like a user's). */
export function runNode(cwd, source) {
  return execFileSync(process.execPath, ['--input-type=module', '-e', source], { cwd, encoding: 'utf8' });
}
