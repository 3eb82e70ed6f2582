// The discrete router through the native tool and the WebAssembly module:
// the same seed must give identical results, kernels must agree, and
// invalid runs must be rejected with the parameter and its range.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';

import { CoreError, loadCore } from '../web/js/core.js';
import { nativeTool, wasmModule } from './helpers/paths.mjs';

let core;
before(async () => {
  core = await loadCore({ bytes: readFileSync(wasmModule) });
});

function simulateNative(args) {
  const result = spawnSync(nativeTool, ['simulate', ...args], { encoding: 'utf8' });
  assert.equal(result.status, 0, `moe-bif simulate ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

const cases = [
  { experts: 2, mode: 'sample', beta: 4, eta: 0.01, lambda: 1, sigma: 1, bias: [0, 0], replicas: 301, steps: 3000, seed: 7 },
  { experts: 3, mode: 'gumbel-top1', beta: 2.5, eta: 0.05, lambda: 0.5, sigma: 1, bias: [0.1, 0, -0.2], replicas: 77, steps: 1200, seed: 4294967295 },
  { experts: 2, mode: 'noisy-top1', beta: 3, eta: 0.02, lambda: 1, sigma: 0.7, bias: [0.3, 0], replicas: 130, steps: 2000, seed: 0 },
  { experts: 17, mode: 'sample', beta: 20, eta: 0.03, lambda: 1, sigma: 1, bias: new Array(17).fill(0), replicas: 9, steps: 500, seed: 99 },
];

function nativeArgs(c) {
  return ['--N', String(c.experts), '--mode', c.mode, '--beta', String(c.beta), '--eta', String(c.eta),
    '--lambda', String(c.lambda), '--sigma', String(c.sigma), '--h', c.bias.join(','), '--replicas', String(c.replicas),
    '--steps', String(c.steps), '--seed', String(c.seed), '--record-every', String(c.steps / 10)];
}

test('native tool and WASM give identical runs', () => {
  for (const c of cases) {
    const native = simulateNative(nativeArgs(c));
    const meanField = core.routerMeanField(c);
    const run = core.createRouter({ ...c, recordEvery: c.steps / 10, threshold: native.switching.threshold,
      switchAfter: native.switching.after_tau });
    try {
      run.advance(c.steps);
      const records = run.records();
      const n = c.experts;
      const last = records.count - 1;
      assert.equal(records.count, native.records, `${c.mode} N=${n}`);
      assert.deepEqual(Array.from(records.meanWindowLoads.slice(last * n)), native.final_loads, `${c.mode} N=${n} final loads`);
      assert.deepEqual(Array.from(records.meanLoads.slice(last * n)), native.final_score_loads);
      assert.deepEqual(Array.from(records.quantiles.slice(last * 5)), native.quantiles);
      const low = n === 2 ? -1 : 0;
      assert.deepEqual(Array.from(run.histogram(native.histogram.counts.length, low, 1)), native.histogram.counts);
      const switching = run.switching();
      assert.equal(switching.events, native.switching.events);
      assert.equal(switching.exposure, native.switching.time_in_states);
      assert.equal(meanField.K, native.K);
      if (n === 2) assert.equal(meanField.H, native.H);
    } finally {
      run.dispose();
    }
  }
});

test('WASM vector and scalar kernels agree bit for bit', () => {
  for (const c of cases) {
    const vector = core.createRouter({ ...c, vector: true });
    const scalar = core.createRouter({ ...c, vector: false });
    vector.advance(c.steps);
    scalar.advance(c.steps);
    assert.deepEqual(vector.scores(), scalar.scores(), `${c.mode} N=${c.experts}`);
    vector.dispose();
    scalar.dispose();
  }
});

test('a run split into chunks matches one call', () => {
  const c = cases[1];
  const whole = core.createRouter(c);
  const pieces = core.createRouter(c);
  whole.advance(c.steps);
  for (let done = 0; done < c.steps; done += 97) pieces.advance(97);
  assert.deepEqual(whole.scores(), pieces.scores());
  const total = whole.recordCount;
  assert.throws(() => whole.records(-2), new RegExp(`from must be a whole number in \\[0, ${total}\\]`));
  assert.throws(() => whole.records(total + 1), /from must be a whole number/);
  assert.equal(whole.records(total).count, 0);
  whole.dispose();
  pieces.dispose();
  assert.throws(() => whole.advance(1), /disposed/);
});

test('derived K and H follow the mode', () => {
  const tanh = core.routerMeanField({ experts: 2, mode: 'sample', beta: 4, lambda: 2, bias: [0.6, 0] });
  assert.equal(tanh.K, 1);
  assert.equal(tanh.H, 0.3);
  const erf = core.routerMeanField({ experts: 2, mode: 'noisy-top1', beta: 2, lambda: 1, sigma: 0.5, bias: [0.2, 0] });
  assert.ok(Math.abs(erf.K - 2 / (Math.sqrt(Math.PI) * 0.5)) < 1e-12);
  assert.ok(Math.abs(erf.H - 0.2) < 1e-15);
  const many = core.routerMeanField({ experts: 4, mode: 'sample', beta: 8, lambda: 1 });
  assert.equal(many.K, 2);
  assert.ok(Number.isNaN(many.H));
});

const badRuns = [
  [{ beta: 1, eta: 0.5, lambda: 4, steps: 10 }, 'eta*lambda', /eta\*lambda = 2 is out of range/],
  [{ beta: 1, eta: 1e-7, lambda: 1, steps: 10 }, 'eta*lambda', /eta\*lambda = 1e-7 is out of range/],
  [{ experts: 300, beta: 1, eta: 0.1, steps: 10 }, 'N', /N = 300 is out of range: N must be a whole number in \[2, 256\]/],
  [{ experts: 3, bias: [0, 1], beta: 1, eta: 0.1, steps: 10 }, 'h', /h must have N = 3 values/],
  [{ replicas: 200000, beta: 1, eta: 0.1, steps: 10 }, 'replicas', /replicas = 200000 is out of range/],
  [{ beta: 1, eta: 0.1, steps: 2e7 }, 'steps', /steps = 20000000 is out of range/],
  [{ experts: 256, replicas: 100000, beta: 1, eta: 0.1, steps: 10 }, 'replicas', /more than the limit of 128 MiB/],
  [{ beta: 1, eta: 0.1, steps: 100000, recordEvery: 1 }, 'record-every', /use at least 5/],
  [{ beta: -1, eta: 0.1, steps: 10 }, 'beta', /beta = -1 is out of range/],
  [{ mode: 'noisy-top1', sigma: 0, beta: 1, eta: 0.1, steps: 10 }, 'sigma', /sigma = 0 is out of range/],
  [{ experts: 3, bias: [0, 0, 0], initialScores: [0.3], beta: 1, eta: 0.1, steps: 10 }, 'initial score', /must have N = 3 values, not 1/],
  [{ experts: 2, initialScores: new Array(128).fill(0.5), beta: 1, eta: 0.1, steps: 10 }, 'initial score', /not 128/],
];

test('invalid runs are rejected before they start', () => {
  for (const [config, parameter, pattern] of badRuns) {
    assert.throws(() => core.createRouter(config), (error) => error instanceof CoreError
      && error.parameter === parameter && pattern.test(error.message), JSON.stringify(config));
  }
});

const badCli = [
  [['--beta', '1', '--eta', '0.5', '--lambda', '4', '--steps', '10'], /eta\*lambda = 2 is out of range; it must be in \[1e-05, 1\)/],
  [['--N', '3', '--h', '0,1', '--beta', '1', '--eta', '0.1', '--steps', '10'], /--h: 2 values given, but --N 3 needs 3/],
  [['--N', '1', '--beta', '1', '--eta', '0.1', '--steps', '10'], /--N: 1 is out of range; N must be a whole number in \[2, 256\]/],
  // Just past the work limit: the message must not round the product to the limit.
  [['--N', '2', '--beta', '1', '--eta', '0.01', '--replicas', '100000', '--steps', '200001'],
    /replicas \* steps \* N = 40000200000 exceeds 40000000000/],
  [['--replicas', '100001', '--beta', '1', '--eta', '0.1', '--steps', '10'], /--replicas: 100001 is out of range/],
  [['--beta', '1', '--eta', '0.1', '--steps', '10000001'], /--steps: 10000001 is out of range/],
  [['--N', '256', '--replicas', '100000', '--beta', '1', '--eta', '0.1', '--steps', '10'], /more than the limit of 128 MiB/],
  [['--beta', '1', '--eta', '0.1', '--steps', '10', '--mode', 'top2'], /--mode: 'top2'; expected one of sample\|gumbel-top1\|noisy-top1/],
  [['--beta', '1', '--eta', '0.1', '--steps', '10', '--h', '0,x'], /--h: 'x' is not a decimal number/],
  [['--N', '3', '--beta', '1', '--eta', '0.1', '--steps', '10', '--m0', '0.5'], /--m0 needs --N 2/],
  [['--replicas', '3', '--traced', '5', '--beta', '1', '--eta', '0.1', '--steps', '10'], /--traced: 5 is more than --replicas 3/],
];

test('CLI simulate rejects invalid runs', () => {
  for (const [args, pattern] of badCli) {
    const result = spawnSync(nativeTool, ['simulate', ...args], { encoding: 'utf8' });
    assert.equal(result.status, 2, args.join(' '));
    assert.equal(result.stdout, '');
    assert.match(result.stderr, pattern);
  }
});

test('CLI simulate takes histograms at chosen times', () => {
  const args = ['--beta', '3', '--eta', '0.02', '--replicas', '500', '--steps', '1000', '--seed', '3', '--bins', '20'];
  const result = simulateNative([...args, '--histogram-at', '0, 4.01, 20']);
  assert.deepEqual(result.histograms_at.map((entry) => entry.tau), [0, 4, 20]);
  for (const entry of result.histograms_at) assert.equal(entry.counts.reduce((a, b) => a + b, 0), 500);
  assert.equal(result.histograms_at[0].counts[10], 500, 'all replicas start at m = 0');
  assert.deepEqual(result.histograms_at[2].counts, result.histogram.counts, 'the last one is the end of the run');
  // Stopping at the chosen times does not change the run.
  assert.deepEqual(simulateNative(args).histogram.counts, result.histogram.counts);
  const bad = spawnSync(nativeTool, ['simulate', ...args, '--histogram-at', '5, 1'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--histogram-at: 1; times must increase and lie in \[0, 20\]/);
});

test('CLI simulate writes CSV', () => {
  const result = spawnSync(nativeTool, ['simulate', '--beta', '1', '--eta', '0.1', '--steps', '50', '--record-every', '10',
    '--csv'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines[0], 'tau,score_load_1,score_load_2,window_load_1,window_load_2,q05,q25,q50,q75,q95,mean_abs_m');
  assert.equal(lines.length, 6);
  assert.equal(lines[5].split(',').length, 11);
  assert.equal(Number(lines[5].split(',')[0]), 5);

  const traced = spawnSync(nativeTool, ['simulate', '--N', '3', '--beta', '1', '--eta', '0.1', '--steps', '50',
    '--record-every', '10', '--traced', '2', '--replicas', '5', '--csv'], { encoding: 'utf8' });
  assert.equal(traced.status, 0, traced.stderr);
  const header = traced.stdout.split('\n')[0].split(',');
  assert.ok(header.includes('replica_2_window_load_3'), header.join(','));
  const row = traced.stdout.trim().split('\n')[1].split(',').map(Number);
  assert.equal(row.length, header.length);
  const windowLoads = [1, 2, 3].map((i) => row[header.indexOf(`replica_1_window_load_${i}`)]);
  assert.equal(windowLoads.reduce((a, b) => a + b, 0), 1, 'a replica routes every token to one expert');
});
