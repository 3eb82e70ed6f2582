// npm run bench: replica-steps per second of the discrete router for the
// SIMD kernel, its scalar twin and plain JavaScript, in Node and in
// headless Chromium. Prints the machine, then one table per runtime.
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import { startServer } from '../scripts/serve.mjs';
import { launchBrowser } from '../tests/helpers/browser.mjs';
import { projectRoot, wasmModule, webRoot } from '../tests/helpers/paths.mjs';
import { loadCore } from '../web/js/core.js';
import { runBenchmarks } from './cases.mjs';
import { runTrainerBenchmarks } from './trainer-cases.mjs';
import * as tasks from '../web/js/moe-task.js';

function format(rate) {
  return rate === null ? 'n/a' : `${(rate / 1e6).toFixed(1)} M/s`;
}

function printTable(title, results) {
  console.log(`\n${title}`);
  console.log('| case | SIMD | scalar | plain JS | SIMD / scalar | SIMD / JS |');
  console.log('|---|---|---|---|---|---|');
  for (const row of results) {
    const ratio = (value) => (value === null ? 'n/a' : `${value.toFixed(1)}x`);
    console.log(`| ${row.case} | ${format(row.simd)} | ${format(row.scalar)} | ${format(row.javascript)} | `
      + `${ratio(row.simdOverScalar)} | ${ratio(row.simdOverJavascript)} |`);
  }
}

function printTrainerTable(title, results) {
  console.log(`\n${title}`);
  console.log('| case | SIMD time | scalar time | SIMD samples/s | scalar samples/s | SIMD / scalar |');
  console.log('|---|---|---|---|---|---|');
  for (const row of results) {
    console.log(`| ${row.case} | ${row.simdSeconds.toFixed(3)} s | ${row.scalarSeconds.toFixed(3)} s | `
      + `${(row.simdSamplesPerSecond / 1e3).toFixed(0)} k/s | ${(row.scalarSamplesPerSecond / 1e3).toFixed(0)} k/s | `
      + `${row.simdOverScalar.toFixed(1)}x |`);
  }
}

console.log(`Machine: ${cpus()[0].model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}`);

const core = await loadCore({ bytes: readFileSync(wasmModule) });
printTable('Node (replica-steps per second, fastest of 15 runs)', runBenchmarks(core, 15));
const digitsText = await tasks.gunzipText(readFileSync(join(projectRoot, 'data', 'digits.csv.gz')));
printTrainerTable('Node: trainer, 30 epochs with a test evaluation after each (fastest of 5 runs)',
  runTrainerBenchmarks(core, tasks, digitsText, 5));

// The page needs the built web root and the bench files under one root.
const root = join(projectRoot, 'build', 'bench-web');
rmSync(root, { recursive: true, force: true });
mkdirSync(root, { recursive: true });
cpSync(webRoot, root, { recursive: true });
mkdirSync(join(root, 'bench'));
for (const file of ['index.html', 'browser.mjs', 'cases.mjs', 'router-js.mjs', 'trainer-cases.mjs']) {
  cpSync(join(projectRoot, 'bench', file), join(root, 'bench', file));
}
const { server, url } = await startServer({ root, port: 0 });
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  await page.goto(new URL('bench/index.html', url).href);
  await page.waitForFunction(() => window.benchmarkResults || window.benchmarkError, null, { timeout: 300000 });
  const error = await page.evaluate(() => window.benchmarkError);
  if (error) throw new Error(`benchmark page failed: ${error}`);
  const { router, trainer } = await page.evaluate(() => window.benchmarkResults);
  printTable(`Chromium ${browser.version()} (headless)`, router);
  printTrainerTable(`Chromium ${browser.version()}: trainer (fastest of 5 runs)`, trainer);
} finally {
  await browser.close();
  server.close();
}
