// Runs the native C tests (plain and under AddressSanitizer + UBSan) and
// drives the moe-bif command-line tool as a user would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

import { nativeTests, nativeTool, sanitizedTests, sanitizedTool } from './helpers/paths.mjs';

function run(program, args = []) {
  const result = spawnSync(program, args, { encoding: 'utf8' });
  assert.equal(result.error, undefined, `could not start ${program}: ${result.error?.message}. Run 'bash build.sh'.`);
  return result;
}

function runTool(args, program = nativeTool) {
  const result = run(program, args);
  return { ...result, json: result.status === 0 ? JSON.parse(result.stdout) : null };
}

for (const [name, program, args] of [['native', nativeTests, []], ['sanitized', sanitizedTests, ['--skip-slow']]]) {
  test(`C core tests pass (${name} build)`, () => {
    const result = run(program, args);
    assert.equal(result.status, 0, `${program} failed:\n${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /# \d+ checks, 0 of \d+ tests failed/);
    assert.doesNotMatch(result.stdout, /^not ok/m);
    assert.equal(result.stderr, '', 'sanitizer reports on stderr');
  });
}

test('CLI equilibria matches the documented example', () => {
  const { status, json } = runTool(['equilibria', '--K', '2', '--H', '0.3']);
  assert.equal(status, 0);
  assert.equal(json.equilibria.length, 3);
  assert.ok(Math.abs(json.equilibria[0].m - -0.90799698722266686) < 1e-14);
  assert.deepEqual(json.equilibria.map((e) => e.stable), [true, false, true]);
  const sorted = json.equilibria.map((e) => e.m);
  assert.deepEqual(sorted, [...sorted].sort((a, b) => a - b));
});

test('CLI fold gives H_c and 0 below the cusp', () => {
  const two = runTool(['fold', '--K', '2']).json;
  assert.ok(Math.abs(two.H_c - (Math.sqrt(2) - Math.atanh(Math.sqrt(0.5)))) < 1e-15);
  assert.equal(two.folds.length, 2);
  const below = runTool(['fold', '--K', '0.5', '--link', 'erf']).json;
  assert.equal(below.H_c, 0);
  assert.equal(below.folds.length, 0);
});

test('CLI branches follow the S-curve through its folds', () => {
  const { status, json } = runTool(['branches', '--vary', 'H', '--from', '-1', '--to', '1', '--K', '2']);
  assert.equal(status, 0);
  assert.equal(json.branches.length, 1);
  assert.deepEqual(json.branches[0].segments.map((s) => s.stable), [true, false, true]);
  assert.equal(json.folds.length, 2);
  const H_c = runTool(['fold', '--K', '2']).json.H_c;
  for (const fold of json.folds) assert.ok(Math.abs(Math.abs(fold.H) - H_c) < 1e-13);
  // Segments join at the folds.
  const [lower, middle] = json.branches[0].segments;
  assert.deepEqual(lower.points.at(-1), middle.points[0]);
});

test('CLI trajectory returns samples from m0 to tau', () => {
  const { status, json } = runTool(['trajectory', '--K', '2', '--H', '0', '--m0', '0.1', '--tau', '5', '--samples', '11']);
  assert.equal(status, 0);
  assert.equal(json.tau.length, 11);
  assert.equal(json.m[0], 0.1);
  assert.equal(json.tau[10], 5);
  assert.ok(json.m[10] > 0.9, `m(5) = ${json.m[10]}`);
  assert.ok(json.m[10] < 0.958, `m(5) = ${json.m[10]} passed the stable state`);
});

test('CLI help for the tool and each command', () => {
  const top = run(nativeTool, ['--help']);
  assert.equal(top.status, 0);
  for (const command of ['equilibria', 'fold', 'branches', 'trajectory', 'field', 'normal-form']) {
    assert.match(top.stdout, new RegExp(`\\b${command}\\b`));
    const help = run(nativeTool, [command, '--help']);
    assert.equal(help.status, 0, `${command} --help`);
    assert.match(help.stdout, new RegExp(`Usage: moe-bif ${command}`));
    assert.match(help.stdout, /Range|Required|Default/);
  }
  assert.equal(run(nativeTool, []).status, 2);
});

const badInvocations = [
  [['equilibria', '--K', '-1'], /--K: -1 is out of range; K must be in \[0, 1000000\]/],
  [['equilibria', '--K', 'abc'], /--K: 'abc' is not a decimal number/],
  [['equilibria', '--K', 'nan'], /--K: 'nan' is not a decimal number/],
  [['equilibria', '--K', 'inf'], /--K: 'inf' is not a decimal number/],
  [['equilibria', '--K', '0x10'], /--K: '0x10' is not a decimal number/],
  [['equilibria', '--K', '1e'], /--K: '1e' is not a decimal number/],
  [['equilibria', '--K', '2', '--H', '1e3'], /--H: 1000 is out of range; H must be in \[-100, 100\]/],
  [['equilibria', '--K', '2', '--link', 'relu'], /--link: 'relu'; expected tanh or erf/],
  [['equilibria', '--H', '0'], /missing required option --K/],
  [['equilibria', '--K', '2', '--bogus', '1'], /unknown option '--bogus'/],
  [['equilibria', '--K', '2', '--K', '3'], /--K is given twice/],
  [['equilibria', '--K'], /missing value after --K/],
  [['trajectory', '--K', '2', '--m0', '1'], /--m0: 1 is out of range; m0 must be in \(-1, 1\)/],
  [['trajectory', '--K', '2', '--m0', '0.5', '--tau', '1e9'], /--tau: 1000000000 is out of range; tau must be in \(0, 10000\]/],
  [['trajectory', '--K', '2', '--m0', '0.5', '--samples', '2.5'], /--samples: '2.5' is not a whole number/],
  [['branches', '--vary', 'K', '--from', '2', '--to', '1'], /--from 2 must be less than --to 1/],
  [['branches', '--vary', 'H', '--from', '-500', '--to', '1'], /--from: -500 is out of range; H must be in \[-100, 100\]/],
  [['branches', '--vary', 'Q', '--from', '0', '--to', '1'], /--vary: 'Q'; expected one of K\|H/],
  [['nonsense'], /unknown command 'nonsense'/],
];

for (const [args, pattern] of badInvocations) {
  test(`CLI rejects ${args.join(' ')}`, () => {
    const result = run(nativeTool, args);
    assert.equal(result.status, 2);
    assert.equal(result.stdout, '', 'no JSON on stdout after an error');
    assert.match(result.stderr, pattern);
  });
}

test('CLI extreme values stay finite', () => {
  for (const link of ['tanh', 'erf']) {
    const large = runTool(['equilibria', '--K', '1e6', '--H', '50', '--link', link]).json;
    assert.equal(large.equilibria.length, 3);
    for (const e of large.equilibria) assert.ok(Number.isFinite(e.m) && Number.isFinite(e.eigenvalue));
    const skewed = runTool(['equilibria', '--K', '0', '--H', '-50', '--link', link]).json;
    assert.deepEqual(skewed.equilibria.map((e) => e.m), [-1]);
    const branches = runTool(['branches', '--vary', 'H', '--from', '-100', '--to', '100', '--K', '1e6', '--link', link]);
    assert.equal(branches.status, 0);
    assert.equal(branches.json.branches.length, 3);
  }
});

test('CLI under sanitizers runs cleanly', () => {
  for (const args of [['branches', '--vary', 'K', '--from', '0', '--to', '3', '--H', '0'],
    ['trajectory', '--K', '1e6', '--m0', '0.001', '--tau', '20'], ['field', '--K', '0', '--H', '3'],
    ['normal-form', '--K', '1.1', '--link', 'erf'], ['equilibria', '--K', 'x'],
    ['simulate', '--N', '5', '--beta', '4', '--eta', '0.05', '--mode', 'noisy-top1', '--h', '0.1', '--replicas', '37',
      '--steps', '300', '--histogram-at', '1,7'],
    ['simulate', '--beta', '3', '--eta', '0.02', '--steps', '500', '--csv']]) {
    const result = run(sanitizedTool, args);
    assert.ok(result.status === 0 || result.status === 2, `${args.join(' ')} exited ${result.status}`);
    assert.doesNotMatch(result.stderr, /Sanitizer|runtime error/, result.stderr);
  }
});
