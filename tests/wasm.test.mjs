// Drives the real WebAssembly module through web/js/core.js in Node: closed
// forms, bad input, and agreement with the native tool on a table of cases.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';

import { CoreError, loadCore, splitSegments } from '../web/js/core.js';
import { nativeTool, wasmModule } from './helpers/paths.mjs';

let core;
before(async () => {
  core = await loadCore({ bytes: readFileSync(wasmModule) });
});

function nativeJson(args) {
  const result = spawnSync(nativeTool, args, { encoding: 'utf8' });
  assert.equal(result.status, 0, `moe-bif ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

function assertClose(actual, expected, relative, absolute = 0, what = '') {
  const tolerance = absolute + relative * Math.abs(expected);
  assert.ok(Math.abs(actual - expected) <= tolerance,
    `${what} ${actual} differs from ${expected} by more than ${tolerance}`);
}

// erf by its Taylor series, independent of the core; accurate to about
// 1e-14 for |z| <= 2.2, where the terms stay below 1e2.
function erfSeries(z) {
  let term = z;
  let sum = z;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-18; n++) {
    term *= -z * z / n;
    sum += term / (2 * n + 1);
  }
  return 2 / Math.sqrt(Math.PI) * sum;
}

test('H_c(K) matches its closed forms', () => {
  for (const K of [1.5, 2, 3, 10, 100]) {
    const tanhClosed = Math.sqrt(K * (K - 1)) - Math.atanh(Math.sqrt(1 - 1 / K));
    assertClose(core.criticalH('tanh', K).criticalH, tanhClosed, 1e-12, 0, `tanh K=${K}`);
    const z = Math.sqrt(Math.log(K));
    const erfClosed = Math.sqrt(Math.PI) / 2 * K * erfSeries(z) - z;
    assertClose(core.criticalH('erf', K).criticalH, erfClosed, 1e-12, 0, `erf K=${K}`);
  }
  assert.equal(core.criticalH('tanh', 0.9).criticalH, 0);
});

test('near the cusp H_c approaches the normal form', () => {
  for (const link of ['tanh', 'erf']) {
    for (const mu of [1e-2, 1e-4, 1e-6]) {
      const K = 1 + mu;
      const exact = core.criticalH(link, K).criticalH;
      const normal = core.normalForm(link, K, 0).criticalH;
      assertClose(normal, 2 / 3 * (K - 1) ** 1.5, 1e-13, 0, `${link} normal form`);
      assertClose(exact, normal, mu, 0, `${link} mu=${mu}`);
    }
  }
});

test('pitchfork amplitude near onset is sqrt(3(K-1))', () => {
  for (const mu of [1e-3, 1e-4, 1e-5]) {
    const equilibria = core.equilibria('tanh', 1 + mu, 0);
    assert.equal(equilibria.length, 3);
    assertClose(equilibria[2].m, Math.sqrt(3 * mu), 2 * mu, 0, `mu=${mu}`);
    assert.equal(equilibria[1].stability, 'unstable');
  }
});

test('number of equilibria inside and outside the cusp', () => {
  for (const link of ['tanh', 'erf']) {
    for (const K of [0.5, 1.5, 3]) {
      const { criticalH } = core.criticalH(link, K);
      for (const H of [-1, -0.2, 0.05, 0.3, 2]) {
        const expected = K > 1 && Math.abs(H) < criticalH ? 3 : 1;
        const equilibria = core.equilibria(link, K, H);
        assert.equal(equilibria.length, expected, `${link} K=${K} H=${H}`);
        assert.ok(equilibria.every((e) => (e.stability === 'stable') === (e.eigenvalue < 0)));
      }
    }
  }
});

test('trajectory at K = 0 matches exp decay', () => {
  const result = core.trajectory('erf', 0, -0.7, 0.5, 6, 13, { rtol: 1e-10, atol: 1e-12 });
  const target = core.equilibria('erf', 0, -0.7)[0].m;
  result.tau.forEach((tau, i) => {
    assertClose(result.m[i], target + (0.5 - target) * Math.exp(-tau), 0, 1e-9, `tau=${tau}`);
  });
  assert.ok(result.steps.accepted > 0);
});

test('bad parameters raise CoreError naming the parameter', () => {
  const cases = [
    [() => core.equilibria('tanh', -1, 0), 'K', /K = -1 is out of range: K must be in \[0, 1000000\]/],
    [() => core.equilibria('tanh', NaN, 0), 'K', /K must be a number/],
    [() => core.equilibria('tanh', 1, Infinity), 'H', /H = Infinity is out of range/],
    [() => core.trajectory('tanh', 1, 0, 1, 5), 'm0', /m0 = 1 is out of range: m0 must be in \(-1, 1\)/],
    [() => core.trajectory('tanh', 1, 0, 0.2, 1e6), 'tau', /tau = 1000000 is out of range/],
    [() => core.field('tanh', 1, 0, 1), 'samples', /samples = 1 is out of range/],
    [() => core.branches('tanh', 'H', -500, 1), 'H', /H = -500 is out of range/],
    [() => core.branches('tanh', 'K', 2, 1), 'from', /from \(2\) must be less than to \(1\)/],
    [() => core.equilibria('softmax', 1, 0), 'link', /link must be 'tanh' or 'erf'/],
    [() => core.fokkerPlanckDensity('tanh', 2, 0, 0.01, 1), 'samples', /samples = 1 is out of range/],
    [() => core.field('tanh', 1, 0, 2 ** 29 + 1), 'samples', /samples = 536870913 is out of range/],
  ];
  for (const [call, parameter, pattern] of cases) {
    assert.throws(call, (error) => error instanceof CoreError && error.parameter === parameter && pattern.test(error.message));
  }
  assert.equal(core.checkParameter('K', 2), null);
  assert.match(core.checkParameter('K', '2'), /must be a number/);
});

test('memory is reused, not leaked, across many calls', () => {
  const before = core.equilibria('tanh', 2, 0.1);
  for (let i = 0; i < 2000; i++) core.branches('tanh', 'H', -1, 1, { K: 2 });
  assert.deepEqual(core.equilibria('tanh', 2, 0.1), before);
});

test('splitSegments joins segments at folds', () => {
  const points = [
    { p: 0, m: -1, stability: 'stable', branch: 0 },
    { p: 1, m: -0.5, stability: 'marginal', branch: 0 },
    { p: 0.5, m: 0, stability: 'unstable', branch: 0 },
    { p: 0, m: 0, stability: 'stable', branch: 1 },
    { p: 1, m: 0, stability: 'marginal', branch: 1 },
    { p: 2, m: 0, stability: 'unstable', branch: 1 },
  ];
  const segments = splitSegments(points);
  assert.deepEqual(segments.map((s) => [s.branch, s.stability, s.points.length]),
    [[0, 'stable', 2], [0, 'unstable', 2], [1, 'stable', 2], [1, 'unstable', 2]]);
});

// The same computation through the native tool and the WebAssembly module.
const agreementCases = [
  ['tanh', 2, 0.3], ['tanh', 0.5, -0.2], ['tanh', 1.0001, 0], ['tanh', 1e6, 50], ['tanh', 3, -0.9],
  ['erf', 2, 0.3], ['erf', 0.2, 1.5], ['erf', 1e6, -50], ['erf', 4, 0.01], ['tanh', 0, 100],
];

test('native tool and WASM agree on equilibria', () => {
  for (const [link, K, H] of agreementCases) {
    const native = nativeJson(['equilibria', '--K', String(K), '--H', String(H), '--link', link]);
    const wasm = core.equilibria(link, K, H);
    assert.equal(wasm.length, native.equilibria.length, `${link} K=${K} H=${H}`);
    wasm.forEach((e, i) => {
      assertClose(e.m, native.equilibria[i].m, 1e-12, 1e-15, `${link} K=${K} H=${H} m`);
      assert.equal(e.stability, native.equilibria[i].stability);
    });
  }
});

test('native tool and WASM agree on folds, trajectories and branches', () => {
  for (const [link, K, H] of agreementCases) {
    const nativeFold = nativeJson(['fold', '--K', String(K), '--link', link]);
    assertClose(core.criticalH(link, K).criticalH, nativeFold.H_c, 1e-13, 0, `${link} H_c(${K})`);

    if (K <= 100) {
      const nativeTrajectory = nativeJson(['trajectory', '--K', String(K), '--H', String(H), '--m0', '0.3',
        '--tau', '4', '--samples', '9', '--rtol', '1e-10', '--atol', '1e-12', '--link', link]);
      const wasmTrajectory = core.trajectory(link, K, H, 0.3, 4, 9, { rtol: 1e-10, atol: 1e-12 });
      wasmTrajectory.m.forEach((m, i) => assertClose(m, nativeTrajectory.m[i], 0, 1e-9, `${link} K=${K} tau=${i}`));
    }

    const nativeBranches = nativeJson(['branches', '--vary', 'H', '--from', '-1', '--to', '1',
      '--K', String(K), '--link', link]);
    const wasmBranches = core.branches(link, 'H', -1, 1, { K });
    assert.equal(wasmBranches.branchCount, nativeBranches.branches.length);
    assert.equal(wasmBranches.folds.length, nativeBranches.folds.length);
    wasmBranches.folds.forEach((fold, i) => assertClose(fold.p, nativeBranches.folds[i].H, 1e-12, 1e-15));
    const nativeSegments = nativeBranches.branches.flatMap((b) => b.segments);
    assert.equal(wasmBranches.segments.length, nativeSegments.length);
    wasmBranches.segments.forEach((segment, i) => {
      assert.equal(segment.stability === 'stable', nativeSegments[i].stable);
      assert.equal(segment.points.length, nativeSegments[i].points.length);
    });
  }
});
