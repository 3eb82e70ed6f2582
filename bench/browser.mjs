// Runs the router and trainer benchmarks in the browser page bench/index.html and
// publishes the results on window.benchmarkResults for bench/run.mjs.
import { loadCore } from '../js/core.js';
import { runBenchmarks } from './cases.mjs';
import * as tasks from '../js/moe-task.js';
import { runTrainerBenchmarks } from './trainer-cases.mjs';

const status = document.getElementById('status');
try {
  const core = await loadCore({ url: new URL('../moe_bif.wasm', import.meta.url) });
  const router = runBenchmarks(core, 15);
  const response = await fetch(new URL('../data/digits.csv.gz', import.meta.url));
  const digitsText = await tasks.gunzipText(await response.arrayBuffer());
  window.benchmarkResults = { router, trainer: runTrainerBenchmarks(core, tasks, digitsText, 5) };
  status.textContent = 'Done.';
} catch (error) {
  window.benchmarkError = error.message;
  status.textContent = `Failed: ${error.message}`;
}
