// Trainer benchmark, shared by Node and the browser page: the wall time of
// the default digits training (create the model, then every epoch, each
// with its test evaluation) with the SIMD kernels and with their reference
// twins, and the training samples per second that it implies. The caller
// passes web/js/moe-task.js in, as its path differs between Node and the page.
import { fastest } from './cases.mjs';

export const TRAINER_CASES = [
  { name: 'digits top1, 2 experts x 32 hidden (default)', settings: {} },
  { name: 'digits dense, 2 experts x 32 hidden', settings: { routing: 'dense' } },
  { name: 'digits top1, 8 experts x 64 hidden', settings: { experts: 8, hidden: 64 } },
];

/** Times each case with both kernel sets; digitsText is the digits CSV. */
export function runTrainerBenchmarks(core, tasks, digitsText, repeats = 5) {
  const { DEFAULT_TRAINING, prepareTask, trainerSettings } = tasks;
  const results = [];
  for (const benchmarkCase of TRAINER_CASES) {
    const settings = { ...DEFAULT_TRAINING, ...benchmarkCase.settings };
    const task = prepareTask(core, settings, digitsText);
    try {
      const time = (reference) => fastest(() => {
        const trainer = core.createTrainer(trainerSettings({ ...settings, reference }), task.train, task.test);
        try {
          for (let e = 0; e < settings.epochs; e++) trainer.epoch();
        } finally {
          trainer.dispose();
        }
      }, repeats);
      const simd = time(false);
      const scalar = time(true);
      const samples = task.train.count * settings.epochs;
      results.push({ case: benchmarkCase.name, epochs: settings.epochs, simdSeconds: simd, scalarSeconds: scalar,
        simdSamplesPerSecond: samples / simd, scalarSamplesPerSecond: samples / scalar, simdOverScalar: scalar / simd });
    } finally {
      task.dispose();
    }
  }
  return results;
}
