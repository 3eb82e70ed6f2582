// Trains the MoE, for the worker (trainer-worker.js) or, where no worker
// can start, on the page itself. Message protocol:
//
//   in:  { type: 'train', id, settings }        epochs stream out as they finish
//        { type: 'sweep-job', id, job, settings } one full training; job is echoed back
//        { type: 'pause', id } / { type: 'resume', id } / { type: 'cancel', id }
//   out: { type: 'ready', id, testCount, rawTest, testLabels, side }
//        { type: 'epoch', id, metrics, routingMatrix, confusion, testExperts, balanceBias, elapsed }
//        { type: 'done', id, elapsed }            after the last epoch
//        { type: 'diverged', id, epoch, message } the epochs before it stand
//        { type: 'sweep-result', id, job, imbalance, testAccuracy, loads, diverged }
//        { type: 'paused', id } / { type: 'cancelled', id } / { type: 'error', id, message }
//
// A macrotask between epochs lets pause and cancel messages in; elapsed
// counts training time only, not time spent paused. The caller passes
// { corePromise, loadDigits } (the digits CSV text) and a reply function.
import { DIGITS, prepareTask, trainerSettings } from './moe-task.js';

const STATUS_DIVERGED = 13;
const cancelled = new Set();
const paused = new Set();
const resumers = new Map();

const yieldToMessages = () => new Promise((resolve) => setTimeout(resolve, 0));

async function prepare(settings, { corePromise, loadDigits }) {
  const core = await corePromise;
  const text = settings.task === 'digits' ? await loadDigits() : null;
  const task = prepareTask(core, settings, text);
  try {
    return { core, task, trainer: core.createTrainer(trainerSettings(settings), task.train, task.test) };
  } catch (error) {
    task.dispose();
    throw error;
  }
}

async function waitWhilePaused(id, postMessage) {
  if (!paused.has(id)) return;
  postMessage({ type: 'paused', id });
  await new Promise((resolve) => resumers.set(id, resolve));
}

async function train({ id, settings }, context, postMessage) {
  const { task, trainer } = await prepare(settings, context);
  try {
    postMessage({ type: 'ready', id, testCount: trainer.testCount, rawTest: task.rawTest, testLabels: task.testLabels,
      side: settings.task === 'digits' ? DIGITS.side : 0 });
    let elapsed = 0;
    for (let e = 0; e < settings.epochs; e++) {
      await yieldToMessages();
      await waitWhilePaused(id, postMessage);
      if (cancelled.has(id)) return { type: 'cancelled', id };
      const started = performance.now();
      let metrics;
      try {
        metrics = trainer.epoch();
      } catch (error) {
        if (error.status === STATUS_DIVERGED) return { type: 'diverged', id, epoch: e + 1, message: error.message };
        throw error;
      }
      elapsed += performance.now() - started;
      postMessage({ type: 'epoch', id, metrics, routingMatrix: trainer.routingMatrix(), confusion: trainer.confusion(),
        testExperts: trainer.testExperts(), balanceBias: trainer.balanceBias(), elapsed });
    }
    return { type: 'done', id, elapsed };
  } finally {
    trainer.dispose();
    task.dispose();
  }
}

async function sweepJob({ id, job, settings }, context) {
  const { task, trainer } = await prepare(settings, context);
  try {
    let last = null;
    let diverged = false;
    for (let e = 0; e < settings.epochs && !diverged; e++) {
      if (cancelled.has(id)) return { type: 'cancelled', id };
      try {
        last = trainer.epoch();
      } catch (error) {
        if (error.status !== STATUS_DIVERGED) throw error;
        diverged = true;
      }
    }
    return { type: 'sweep-result', id, job, imbalance: last?.imbalance ?? Number.NaN,
      testAccuracy: last?.testAccuracy ?? Number.NaN, loads: last?.loads ?? [], diverged };
  } finally {
    trainer.dispose();
    task.dispose();
  }
}

/** Handles one message; replies go through postMessage. */
export async function handleTrainerMessage(message, context, postMessage) {
  if (message.type === 'cancel' || message.type === 'pause' || message.type === 'resume') {
    if (message.type === 'cancel') cancelled.add(message.id);
    if (message.type === 'pause') paused.add(message.id);
    if (message.type !== 'pause') {
      paused.delete(message.id);
      resumers.get(message.id)?.();
      resumers.delete(message.id);
    }
    return;
  }
  try {
    const result = message.type === 'sweep-job' ? await sweepJob(message, context)
      : await train(message, context, postMessage);
    postMessage(result);
  } catch (error) {
    postMessage({ type: 'error', id: message.id, job: message.job, message: error.message });
  } finally {
    cancelled.delete(message.id);
    paused.delete(message.id);
  }
}
