#!/usr/bin/env node
// A tiny static file server for the playground (no npm dependencies).
//
//   node scripts/serve.mjs [--root web] [--port 8000]
//
// Listens on 127.0.0.1 only, serves files under --root with correct MIME types
// (application/wasm for .wasm, text/javascript for .js/.mjs), refuses anything
// outside the root (.., encoded slashes, symlinks leading out), and sends the
// Content-Security-Policy the page is meant to run under.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HOST = '127.0.0.1';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.woff2': 'font/woff2',
};

// The page's intended script policy, enforced while developing so a regression shows up
// at once: no eval / new Function, WASM compilation allowed, scripts only from this origin.
// (Only scripts are restricted here; styles and images are the page's business.)
const CSP = "script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'";

function parseArgs(argv) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const opts = { root: path.resolve(here, '..', 'web'), port: 8000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--root') opts.root = path.resolve(value());
    else if (flag === '--port') {
      const p = Number(value());
      if (!Number.isInteger(p) || p < 0 || p > 65535) throw new Error(`--port must be 0..65535`);
      opts.port = p;
    } else throw new Error(`unknown argument ${a} (expected --root DIR --port N)`);
  }
  return opts;
}

function send(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

// Resolves a URL path to a file inside root, or null if it is not allowed.
async function resolveFile(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  // No NULs, no backslashes (Windows separators), no '..' segments at all.
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.split('/').some((seg) => seg === '..')) return null;
  let file = path.join(root, path.normalize(decoded));
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  let info;
  try {
    info = await stat(file);
    if (info.isDirectory()) {
      file = path.join(file, 'index.html');
      info = await stat(file);
    }
  } catch {
    return undefined;  // not found
  }
  if (!info.isFile()) return undefined;
  // Symlinks must not lead out of the root either.
  const real = await realpath(file);
  if (real !== root && !real.startsWith(root + path.sep)) return null;
  return { file: real, size: info.size };
}

export async function startServer({ root, port = 8000, host = HOST, quiet = false } = {}) {
  const realRoot = await realpath(root);
  const server = http.createServer(async (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return send(res, 405, 'method not allowed\n');
      }
      const urlPath = new URL(req.url, 'http://localhost').pathname;
      const found = await resolveFile(realRoot, urlPath);
      if (found === null) return send(res, 403, 'forbidden\n');
      if (found === undefined) return send(res, 404, 'not found\n');
      const type = MIME[path.extname(found.file).toLowerCase()] ?? 'application/octet-stream';
      res.writeHead(200, {
        'Content-Type': type,
        'Content-Length': found.size,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': CSP,
        // Public static files: a frame sandboxed with only allow-scripts has an opaque origin,
        // so its module scripts and .wasm are cross-origin requests and need this to load.
        'Access-Control-Allow-Origin': '*',
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(found.file).on('error', () => res.destroy()).pipe(res);
    } catch (err) {
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
      if (!quiet) console.error(`serve: ${err.message}`);
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actual = server.address().port;
  if (!quiet) console.log(`Serving ${realRoot} at http://${host}:${actual}/  (Ctrl+C to stop)`);
  return { server, url: `http://${host}:${actual}/` };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    await startServer(opts);
  } catch (err) {
    console.error(`serve: ${err.message}`);
    process.exit(2);
  }
}
