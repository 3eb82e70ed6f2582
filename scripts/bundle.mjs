// Writes build/moe-bifurcation.html: the whole page in one file that works
// opened from disk, with no server. The page's modules and the two workers
// (router and trainer) are bundled by esbuild, and Chart.js, the CSS, the
// WebAssembly core and the digits data (both as base64) are inlined. A Content-Security-Policy meta tag allows
// exactly these inline scripts and styles, by their SHA-256 hashes.
//
// Run after bash build.sh (npm run bundle does both).
import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const projectRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const webRoot = join(projectRoot, 'build', 'web');
export const bundlePath = join(projectRoot, 'build', 'moe-bifurcation.html');

// The bundle never reaches the served branches that resolve URLs against
// import.meta.url (see web/js/assets.js), but esbuild needs a value for it.
const BUNDLE_MODULE_URL = '"moe-bifurcation-bundle:/js/app.js"';

async function bundleScript(entry) {
  const result = await build({
    entryPoints: [join(projectRoot, 'web', 'js', entry)],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    write: false,
    minify: true,
    legalComments: 'none',
    define: { 'import.meta.url': BUNDLE_MODULE_URL },
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}

// Makes script text safe inside <script>…</script>: the HTML parser ends the
// element at the first "</script", whatever the JavaScript context.
function scriptText(text) {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function sha256(text) {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Builds the single-file page and returns its HTML text. */
export async function buildBundle() {
  const [html, chartJs, wasm, digits, favicon, appScript, routerWorker, trainerWorker] = await Promise.all([
    readFile(join(webRoot, 'index.html'), 'utf8'),
    readFile(join(webRoot, 'vendor', 'chart.umd.js'), 'utf8'),
    readFile(join(webRoot, 'moe_bif.wasm')),
    readFile(join(webRoot, 'data', 'digits.csv.gz')),
    readFile(join(webRoot, 'favicon.svg')),
    bundleScript('app.js'),
    bundleScript('router-worker.js'),
    bundleScript('trainer-worker.js'),
  ]);
  // Every stylesheet the page links, in its order.
  const sheets = [...html.matchAll(/<link rel="stylesheet" href="([^"]+)">/g)].map((match) => match[1]);
  const style = (await Promise.all(sheets.map((sheet) => readFile(join(webRoot, sheet), 'utf8')))).join('\n');
  const data = `globalThis.MOE_BIF_BUNDLE = ${JSON.stringify({ wasmBase64: wasm.toString('base64'),
    digitsBase64: digits.toString('base64'), workerSources: { router: routerWorker, trainer: trainerWorker } })};`;
  const scripts = [chartJs, data, appScript].map(scriptText);
  const policy = [
    "default-src 'none'",
    `script-src ${scripts.map(sha256).join(' ')} 'wasm-unsafe-eval'`,
    'worker-src blob:',
    `style-src ${sha256(style)}`,
    'img-src data: blob:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

  let page = html;
  const replaceOnce = (pattern, replacement) => {
    if (!pattern.test(page)) throw new Error(`bundle: index.html has no match for ${pattern}`);
    page = page.replace(pattern, replacement);
  };
  replaceOnce(/<link rel="icon"[^>]*>/, `<link rel="icon" href="data:image/svg+xml;base64,${favicon.toString('base64')}">`);
  page = page.replace(/\s*<link rel="stylesheet"[^>]*>/g, '');
  page = page.replace(/\s*<script[^>]*src="[^"]*"[^>]*><\/script>/g, '');
  if (/<script[^>]*src=/.test(page) || /<link rel="stylesheet"/.test(page)) {
    throw new Error('bundle: index.html still refers to a script or stylesheet file');
  }
  replaceOnce(/<meta charset="utf-8">/, `<meta charset="utf-8">\n  <meta http-equiv="Content-Security-Policy" content="${policy}">`);
  // Function replacements, because the inlined text contains '$' patterns.
  replaceOnce(/<\/head>/, () => `  <style>${style}</style>\n</head>`);
  replaceOnce(/<\/body>/, () => `${scripts.map((text) => `<script>${text}</script>`).join('\n')}\n</body>`);
  return page;
}

async function main() {
  try {
    await stat(join(webRoot, 'index.html'));
  } catch {
    console.error(`bundle: ${webRoot}/index.html not found. Run 'bash build.sh' first.`);
    process.exit(1);
  }
  const page = await buildBundle();
  await writeFile(bundlePath, page);
  const bytes = Buffer.byteLength(page);
  console.log(`bundle: wrote ${bundlePath} (${bytes} bytes, ${(bytes / 1024).toFixed(0)} KiB)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`bundle: failed: ${error.message}`);
    process.exit(1);
  });
}
