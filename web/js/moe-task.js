// The trainable MoE's tasks and settings, shared by the page's worker, the
// Node tests and the benchmark: reading the digits, the seeded split and
// preprocessing, and the defaults of each task. Calls the core, never its
// memory.

export const DIGITS = Object.freeze({ inputs: 64, classes: 10, maxValue: 16, side: 8 });

/** Defaults of the digits experiment; a 2-expert model trains in well under a second. */
export const DEFAULT_TRAINING = Object.freeze({
  task: 'digits', preprocess: 'scale', testFraction: 0.25,
  examples: 2000, syntheticInputs: 8, syntheticClasses: 4,
  experts: 2, hidden: 32, k: 2, routing: 'top1', loss: 'cross-entropy', optimizer: 'adam',
  beta: 1, learningRate: 0.003, momentum: 0.9, auxLoss: 0, zLoss: 0, capacityFactor: null,
  balanceRate: 0, routerDecay: 0, batch: 32, epochs: 30, seed: 1,
});

/** Settings the synthetic task changes: linear experts, which solve it exactly, and a faster rate. */
export const SYNTHETIC_OVERRIDES = Object.freeze({ hidden: 0, learningRate: 0.01, epochs: 20 });

/** Decompresses gzip bytes to text, in browsers and in Node 18 or later. */
export async function gunzipText(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).text();
}

/**
 * Builds the train and test sets of a task. settings: { task, preprocess,
 * testFraction, seed, examples, syntheticInputs, syntheticClasses };
 * digitsText is the digits CSV (only for task 'digits'). Returns { train,
 * test, rawTest, testLabels, dispose }: rawTest contains the test inputs before
 * preprocessing (pixels 0-16 for digits), for drawing.
 */
export function prepareTask(core, settings, digitsText) {
  let all;
  if (settings.task === 'digits') {
    if (typeof digitsText !== 'string') throw new Error('The digits data is not loaded.');
    all = core.parseDataset(digitsText, DIGITS);
  } else if (settings.task === 'synthetic') {
    all = core.syntheticDataset({ examples: settings.examples, inputs: settings.syntheticInputs,
      classes: settings.syntheticClasses, seed: settings.seed });
  } else {
    throw new Error(`task must be 'digits' or 'synthetic', not '${String(settings.task).slice(0, 40)}'.`);
  }
  let split;
  try {
    split = all.split(settings.testFraction, settings.seed);
  } finally {
    all.dispose();
  }
  const { train, test } = split;
  try {
    const rawTest = test.features();
    const testLabels = test.labels();
    if (settings.task === 'digits') core.preprocess(train, test, settings.preprocess, DIGITS.maxValue);
    return { train, test, rawTest, testLabels, dispose: () => { train.dispose(); test.dispose(); } };
  } catch (error) {
    train.dispose();
    test.dispose();
    throw error;
  }
}

/** Picks the createTrainer settings out of a full settings object. */
export function trainerSettings(settings) {
  const { experts, hidden, k, routing, loss, optimizer, beta, learningRate, momentum, auxLoss, zLoss,
    capacityFactor, balanceRate, routerDecay, batch, seed, reference = false } = settings;
  return { experts, hidden, k, routing, loss, optimizer, beta, learningRate, momentum, auxLoss, zLoss,
    capacityFactor, balanceRate, routerDecay, batch, seed, reference };
}
