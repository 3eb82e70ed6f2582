// Benchmark cases and the timing loop shared by Node and the browser page.
import { runRouterJs } from './router-js.mjs';

export const CASES = [
  { name: 'N=2 sample', experts: 2, mode: 'sample', replicas: 4096, steps: 2000 },
  { name: 'N=8 sample', experts: 8, mode: 'sample', replicas: 2048, steps: 1000 },
  { name: 'N=2 gumbel-top1', experts: 2, mode: 'gumbel-top1', replicas: 4096, steps: 1000 },
];

function configOf(benchmarkCase) {
  const { experts, mode, replicas, steps } = benchmarkCase;
  return { experts, mode, beta: 3, eta: 0.01, lambda: 1, sigma: 1, bias: new Array(experts).fill(0),
    replicas, steps, recordEvery: steps, seed: 1 };
}

// Runs body `repeats` times after one warm-up and returns the fastest time in
// seconds. Enough repeats let the engine tier the code up to its optimizing
// compiler: in Chromium 156 the fastest of 5 runs was still about 25 % slower.
export function fastest(body, repeats) {
  body();
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    body();
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return best;
}

/** Measures replica-steps per second for each case and path. */
export function runBenchmarks(core, repeats = 5) {
  const results = [];
  for (const benchmarkCase of CASES) {
    const config = configOf(benchmarkCase);
    const work = config.replicas * config.steps;
    const timeWasm = (vector) => fastest(() => {
      const run = core.createRouter({ ...config, vector });
      run.advance(config.steps);
      run.dispose();
    }, repeats);
    const simd = work / timeWasm(true);
    const scalar = work / timeWasm(false);
    const javascript = benchmarkCase.mode === 'sample' ? work / fastest(() => runRouterJs(config), repeats) : null;
    results.push({ case: benchmarkCase.name, simd, scalar, javascript,
      simdOverScalar: simd / scalar, simdOverJavascript: javascript ? simd / javascript : null });
  }
  return results;
}
