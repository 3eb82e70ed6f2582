// Runs the router benchmark in the browser page bench/index.html and
// publishes the results on window.benchmarkResults for bench/run.mjs.
import { loadCore } from '../js/core.js';
import { runBenchmarks } from './cases.mjs';

const status = document.getElementById('status');
try {
  const core = await loadCore({ url: new URL('../moe_bif.wasm', import.meta.url) });
  window.benchmarkResults = runBenchmarks(core, 15);
  status.textContent = 'Done.';
} catch (error) {
  window.benchmarkError = error.message;
  status.textContent = `Failed: ${error.message}`;
}
