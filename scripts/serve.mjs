// Serves the built web root (build/web) on localhost with a strict
// Content-Security-Policy. Run directly, it listens on PORT (default 8080)
// and prints the URL; tests import startServer and listen on port 0.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const defaultWebRoot = join(projectRoot, 'build', 'web');

const contentTypes = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.md': 'text/markdown; charset=utf-8',
};

// No inline script or style, no eval; WebAssembly compilation needs
// 'wasm-unsafe-eval', which allows only that.
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

/** Resolves a request path inside root, or returns null for paths that leave it. */
function resolveInside(root, requestPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const candidate = normalize(join(root, decoded));
  return candidate === root || candidate.startsWith(root + sep) ? candidate : null;
}

const MAX_REQUEST_HEAD_BYTES = 64 * 1024;

/**
 * Starts the static server. Resolves to { server, url } once it listens.
 * host defaults to 127.0.0.1: the app is for the local machine only.
 */
export function startServer({ root = defaultWebRoot, port = 8080, host = '127.0.0.1' } = {}) {
  const webRoot = resolve(root);
  // With Node's default limit on the request head (16 KiB), a long link
  // would get status 431 before the page could show its notice about it.
  const server = createServer({ maxHeaderSize: MAX_REQUEST_HEAD_BYTES }, async (request, response) => {
    const headers = {
      'Content-Security-Policy': contentSecurityPolicy,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
      // A page in <iframe sandbox="allow-scripts"> has an opaque origin, so
      // its module scripts and its fetch of the .wasm are cross-origin
      // requests; the files are public, so any origin may read them.
      'Access-Control-Allow-Origin': '*',
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end('Method not allowed\n');
      return;
    }
    const path = new URL(request.url, 'http://localhost').pathname;
    let file = resolveInside(webRoot, path.endsWith('/') ? path + 'index.html' : path);
    if (file === null) {
      response.writeHead(400, headers).end('Bad request path\n');
      return;
    }
    try {
      const info = await stat(file);
      if (info.isDirectory()) {
        file = join(file, 'index.html');
        await stat(file);
      }
    } catch {
      response.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' })
        .end(`Not found: ${path}\n`);
      return;
    }
    const type = contentTypes[extname(file)] ?? 'application/octet-stream';
    response.writeHead(200, { ...headers, 'Content-Type': type });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(file)
      .on('error', (error) => {
        console.error(`serve: failed to read ${file}: ${error.message}`);
        response.destroy(error);
      })
      .pipe(response);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolvePromise({ server, url: `http://${host}:${address.port}/` });
    });
  });
}

async function main() {
  const text = process.env.PORT || '8080';
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 0 || port > 65535) {
    console.error(`serve: invalid PORT '${text}': expected a whole number from 0 to 65535`);
    process.exit(2);
  }
  try {
    await stat(join(defaultWebRoot, 'index.html'));
  } catch {
    console.error(`serve: ${defaultWebRoot}/index.html not found. Run 'bash build.sh' first.`);
    process.exit(1);
  }
  try {
    const { url } = await startServer({ port });
    console.log(`moe-bifurcation is running at ${url}  (Ctrl+C stops it)`);
  } catch (error) {
    if (error.code === 'EADDRINUSE') {
      console.error(`serve: port ${port} is already in use. Start with another port, e.g. PORT=8081 npm start`);
    } else {
      console.error(`serve: failed to start: ${error.message}`);
    }
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}
