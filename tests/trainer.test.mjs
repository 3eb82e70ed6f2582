// The trainable MoE through the native tool and the WebAssembly module: the
// same seed must give the same metrics, the digits bars must hold, and bad
// settings and data must be rejected with a message that names them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';

import { CoreError, STATUS_DIVERGED, loadCore } from '../web/js/core.js';
import { DEFAULT_TRAINING, SYNTHETIC_OVERRIDES, gunzipText, prepareTask, trainerSettings } from '../web/js/moe-task.js';
import { nativeTool, projectRoot, wasmModule } from './helpers/paths.mjs';

let core;
let digitsText;
before(async () => {
  core = await loadCore({ bytes: readFileSync(wasmModule) });
  digitsText = await gunzipText(readFileSync(`${projectRoot}data/digits.csv.gz`));
});

function trainNative(args) {
  const result = spawnSync(nativeTool, ['train', ...args], { encoding: 'utf8' });
  assert.equal(result.status, 0, `moe-bif train ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

function trainWasm(settings) {
  const task = prepareTask(core, settings, digitsText);
  const trainer = core.createTrainer(trainerSettings(settings), task.train, task.test);
  try {
    const epochs = [];
    for (let e = 0; e < settings.epochs; e++) epochs.push(trainer.epoch());
    return { epochs, routingMatrix: trainer.routingMatrix(), confusion: trainer.confusion(),
      testExperts: trainer.testExperts(), testLabels: task.testLabels };
  } finally {
    trainer.dispose();
    task.dispose();
  }
}

const cases = [
  { name: 'digits, top1, hidden experts', args: [], settings: {} },
  { name: 'digits, dense, standardised, SGD', args: ['--routing', 'dense', '--preprocess', 'standardise', '--optimizer', 'sgd', '--learning-rate', '0.05', '--epochs', '4', '--seed', '9'],
    settings: { routing: 'dense', preprocess: 'standardise', optimizer: 'sgd', learningRate: 0.05, epochs: 4, seed: 9 } },
  { name: 'synthetic, topk of 3, every loss term, capacity, balancing', args: ['--task', 'synthetic', '--experts', '3', '--routing', 'topk', '--k', '2', '--aux-loss', '0.01', '--z-loss', '0.001', '--capacity-factor', '1.1', '--balance-rate', '0.01', '--router-decay', '0.5', '--epochs', '5', '--seed', '4294967295'],
    settings: { task: 'synthetic', ...SYNTHETIC_OVERRIDES, experts: 3, routing: 'topk', k: 2, auxLoss: 0.01, zLoss: 0.001, capacityFactor: 1.1, balanceRate: 0.01, routerDecay: 0.5, epochs: 5, seed: 4294967295 } },
  { name: 'synthetic, sample routing, squared error', args: ['--task', 'synthetic', '--routing', 'sample', '--loss', 'squared-error', '--beta', '3', '--epochs', '5', '--seed', '3'],
    settings: { task: 'synthetic', ...SYNTHETIC_OVERRIDES, routing: 'sample', loss: 'squared-error', beta: 3, epochs: 5, seed: 3 } },
];

const METRIC_KEYS = [['train_loss', 'trainLoss'], ['train_accuracy', 'trainAccuracy'], ['test_loss', 'testLoss'],
  ['test_accuracy', 'testAccuracy'], ['aux_loss', 'auxLoss'], ['z_loss', 'zLoss'], ['router_entropy', 'routerEntropy'],
  ['dropped', 'dropped'], ['imbalance', 'imbalance']];

for (const c of cases) {
  test(`native tool and WebAssembly give the same metrics: ${c.name}`, () => {
    const settings = { ...DEFAULT_TRAINING, ...c.settings };
    const native = trainNative(c.args);
    const wasm = trainWasm(settings);
    assert.equal(native.epochs.length, settings.epochs);
    assert.equal(wasm.epochs.length, settings.epochs);
    native.epochs.forEach((epoch, e) => {
      for (const [nativeKey, wasmKey] of METRIC_KEYS) {
        // Every training step uses the core's own exp and log and IEEE
        // operations, so the two builds agree exactly.
        assert.equal(wasm.epochs[e][wasmKey], epoch[nativeKey], `epoch ${e + 1} ${nativeKey}`);
      }
      assert.deepEqual(wasm.epochs[e].loads, epoch.loads, `epoch ${e + 1} loads`);
    });
    assert.deepEqual(wasm.routingMatrix, native.final.routing_matrix);
    assert.deepEqual(wasm.confusion, native.final.confusion);
  });
}

// Bars: dense at least 95 % and top1 at least 94 % test accuracy, seeds 1 to 3.
test('digits accuracy with default settings', () => {
  for (const seed of [1, 2, 3]) {
    const dense = trainNative(['--routing', 'dense', '--seed', String(seed)]);
    const top1 = trainNative(['--routing', 'top1', '--seed', String(seed)]);
    assert.ok(dense.final.test_accuracy >= 0.95, `dense, seed ${seed}: ${dense.final.test_accuracy}`);
    assert.ok(top1.final.test_accuracy >= 0.94, `top1, seed ${seed}: ${top1.final.test_accuracy}`);
    const total = top1.final.confusion.flat().reduce((a, b) => a + b, 0);
    assert.equal(total, top1.test_examples, 'the confusion matrix counts every test digit once');
  }
});

test('the auxiliary loss reduces the imbalance of a collapsed top1 router', () => {
  // Without it, top1 on digits collapses onto one expert for these seeds.
  for (const seed of [1, 2, 3]) {
    const plain = trainNative(['--seed', String(seed)]);
    const balanced = trainNative(['--aux-loss', '0.3', '--seed', String(seed)]);
    assert.ok(plain.final.imbalance > 0.9, `seed ${seed}: imbalance without the aux loss ${plain.final.imbalance}`);
    assert.ok(balanced.final.imbalance < 0.25,
      `seed ${seed}: ${balanced.final.imbalance} with the aux loss against ${plain.final.imbalance} without`);
    assert.ok(balanced.final.test_accuracy >= 0.93, `seed ${seed}: accuracy ${balanced.final.test_accuracy}`);
  }
});

test('the SIMD and reference kernels train to nearly the same model', () => {
  const settings = { ...DEFAULT_TRAINING, epochs: 5 };
  const vector = trainWasm(settings).epochs.at(-1);
  const reference = trainWasm({ ...settings, reference: true }).epochs.at(-1);
  // Sums in another order drift apart slowly; five epochs stay close.
  assert.ok(Math.abs(vector.testAccuracy - reference.testAccuracy) <= 0.02,
    `test accuracy ${vector.testAccuracy} (SIMD) against ${reference.testAccuracy} (reference)`);
  assert.ok(Math.abs(vector.trainLoss - reference.trainLoss) <= 0.02 * reference.trainLoss,
    `train loss ${vector.trainLoss} (SIMD) against ${reference.trainLoss} (reference)`);
});

test('a diverging run stops, names the epoch and keeps the epochs before it', () => {
  const settings = { ...DEFAULT_TRAINING, task: 'synthetic', ...SYNTHETIC_OVERRIDES, loss: 'squared-error',
    optimizer: 'sgd', learningRate: 10, momentum: 0.99 };
  const task = prepareTask(core, settings, digitsText);
  const trainer = core.createTrainer(trainerSettings(settings), task.train, task.test);
  try {
    let error = null;
    let kept = 0;
    for (let e = 0; e < 50 && !error; e++) {
      try {
        trainer.epoch();
        kept++;
      } catch (caught) {
        error = caught;
      }
    }
    assert.ok(error instanceof CoreError, 'the run diverges');
    assert.equal(error.status, STATUS_DIVERGED);
    assert.match(error.message, new RegExp(`diverged in epoch ${kept + 1}`));
    assert.equal(trainer.epochsDone, kept);
  } finally {
    trainer.dispose();
    task.dispose();
  }
  const native = spawnSync(nativeTool, ['train', '--task', 'synthetic', '--loss', 'squared-error', '--optimizer', 'sgd',
    '--learning-rate', '10', '--momentum', '0.99'], { encoding: 'utf8' });
  assert.equal(native.status, 1);
  const report = JSON.parse(native.stdout);
  assert.equal(report.diverged, report.epochs.length + 1);
  assert.match(native.stderr, /diverged in epoch \d+; the epochs before it are kept/);
});

const badSettings = [
  [{ experts: 0 }, 'experts', /experts = 0 is out of range: experts must be a whole number in \[2, 64\]/],
  [{ routing: 'topk', k: 3 }, 'k', /k = 3 is more than the 2 experts/],
  [{ learningRate: -0.1 }, 'learning-rate', /learning-rate = -0.1 is out of range: learning-rate must be in \(0, 10\]/],
  [{ capacityFactor: 0 }, 'capacity-factor', /capacity-factor = 0 is out of range/],
  [{ learningRate: 0.5, routerDecay: 3 }, 'learning-rate*router-decay', /learning-rate\*router-decay = 1.5 is out of range/],
  [{ beta: Number.NaN }, 'beta', /beta must be a number/],
  [{ routing: 'top2' }, 'routing', /routing must be one of dense, top1, topk, sample/],
  [{ batch: 1e9 }, 'batch', /batch = 1000000000 is out of range/],
];

for (const [change, parameter, message] of badSettings) {
  test(`createTrainer rejects ${JSON.stringify(change)}`, () => {
    const settings = { ...DEFAULT_TRAINING, task: 'synthetic', ...SYNTHETIC_OVERRIDES, ...change };
    const task = prepareTask(core, { ...settings, examples: 100 }, digitsText);
    try {
      assert.throws(() => core.createTrainer(trainerSettings(settings), task.train, task.test),
        (error) => error instanceof CoreError && error.parameter === parameter && message.test(error.message));
    } finally {
      task.dispose();
    }
  });
}

test('the CLI rejects bad settings with the option and its range', () => {
  const table = [
    [['--experts', '0'], /--experts: 0 is out of range; experts must be a whole number in \[2, 64\]/],
    [['--routing', 'topk', '--k', '3'], /--k: 3 is more than the 2 experts/],
    [['--learning-rate', '-0.1'], /--learning-rate/],
    [['--capacity-factor', '0'], /--capacity-factor: 0 is out of range/],
    [['--data', '/nonexistent/digits.csv'], /cannot read the digits data/],
  ];
  for (const [args, message] of table) {
    const result = spawnSync(nativeTool, ['train', ...args], { encoding: 'utf8' });
    assert.equal(result.status, 2, `${args.join(' ')} exits with 2`);
    assert.match(result.stderr, message);
    assert.equal(result.stdout, '');
  }
});

test('malformed digits data is refused with the line at fault', () => {
  const lines = digitsText.split('\n');
  const table = [
    [[...lines.slice(0, 3), lines[3].replace(/^\d+/, '17'), ...lines.slice(4)].join('\n'), /line 4/],
    ['1,2,3\n', /line 1: expected 64 numbers in \[0, 16\] and a label 0 to 9/],
    ['', /contains no example/],
    [`${lines[0]}\n<img src=x onerror=alert(1)>\n`, /line 2/],
  ];
  for (const [text, message] of table) {
    assert.throws(() => core.parseDataset(text, { inputs: 64, classes: 10, maxValue: 16 }),
      (error) => error instanceof CoreError && message.test(error.message));
  }
});

test('the mean-field fit recovers a known gain through the module', () => {
  const beta = [0.5, 1, 2, 2.5, 3, 16];
  const m = beta.map((b) => core.meanFieldImbalance(0.6 * b));
  assert.equal(m[0], 0);
  assert.ok(Math.abs(m[4] - Math.tanh(1.8 * m[4])) < 1e-12);
  const { gain, rms, used } = core.fitGain(beta, m);
  assert.ok(Math.abs(gain - 0.6) < 1e-9, `gain ${gain}`);
  assert.ok(rms < 1e-9);
  assert.equal(used, 3, 'beta = 2, 2.5 and 3 pin K_eff down; the others give m = 0 or m near 1');
  assert.ok(Math.abs(core.effectiveFeedback(m[2]) - 1.2) < 1e-9);
  assert.ok(Number.isNaN(core.effectiveFeedback(0.01)));
  const none = core.fitGain([1, 2], [0, 0.02]);
  assert.deepEqual([Number.isNaN(none.gain), none.used], [true, 0], 'no setting to fit');
});

test('sweep prints one fit per router decay', () => {
  const result = spawnSync(nativeTool, ['sweep', '--betas', '0.5,8', '--seeds', '1,2', '--router-decays', '1,2',
    '--epochs', '3'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal(report.task, 'synthetic');
  assert.equal(report.routing, 'sample');
  assert.deepEqual(report.sweeps.map((sweep) => sweep.router_decay), [1, 2]);
  for (const sweep of report.sweeps) {
    assert.deepEqual(sweep.settings.map((setting) => setting.beta), [0.5, 8]);
    for (const setting of sweep.settings) {
      assert.equal(setting.imbalance.length, 2, 'one imbalance per seed');
      const mean = (setting.imbalance[0] + setting.imbalance[1]) / 2;
      assert.ok(Math.abs(setting.mean_imbalance - mean) < 1e-12, 'the mean is over the seeds');
    }
    assert.ok(sweep.fit.settings_used <= 2, JSON.stringify(sweep.fit));
    if (sweep.fit.settings_used > 0) assert.ok(sweep.fit.gain > 0 && Number.isFinite(sweep.fit.rms_log_residual));
  }
  for (const [args, message] of [
    [['--experts', '3'], /--experts: 3; the sweep trains two experts/],
    [['--betas', '1,x'], /--betas: 'x' is not a decimal number/],
    [['--betas', '0'], /--betas: 0 is out of range/],
    [['--router-decays', '1,200'], /learning-rate\*router-decay: 2 is out of range/],
  ]) {
    const bad = spawnSync(nativeTool, ['sweep', ...args], { encoding: 'utf8' });
    assert.equal(bad.status, 2, args.join(' '));
    assert.match(bad.stderr, message);
  }
});
