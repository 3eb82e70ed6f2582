// Runs the discrete router in chunks, for the worker (router-worker.js) or,
// where no worker can start, on the page itself. Message protocol:
//
//   in:  { type: 'simulate', id, config, chunkSteps, histogram: { bins, low, high } }
//        { type: 'hysteresis', id, config, sweep: { from, to, points, stepsPerPoint } }
//        { type: 'cancel', id }
//   out: { type: 'progress', id, stepsDone, steps, records, histogram }
//        (records added since the last message; the histogram of m now)
//        { type: 'done', id, result }
//        { type: 'cancelled', id }
//        { type: 'error', id, message }
//
// Work proceeds in chunks with a macrotask between them, so a cancel
// message is handled within one chunk.
const cancelled = new Set();

const yieldToMessages = () => new Promise((resolve) => setTimeout(resolve, 0));

async function simulate({ id, config, chunkSteps, histogram }, core, postMessage) {
  const run = core.createRouter(config);
  try {
    let sent = 0;
    while (run.stepsDone < config.steps) {
      if (cancelled.has(id)) return { cancelled: true };
      run.advance(chunkSteps);
      const records = run.records(sent);
      sent += records.count;
      const counts = histogram ? run.histogram(histogram.bins, histogram.low, histogram.high) : null;
      postMessage({ type: 'progress', id, stepsDone: run.stepsDone, steps: config.steps, records, histogram: counts });
      await yieldToMessages();
    }
    return {
      histogram: histogram ? run.histogram(histogram.bins, histogram.low, histogram.high) : null,
      switching: run.switching(),
    };
  } finally {
    run.dispose();
  }
}

// Sweeps H up from `from` to `to` and back down, `points` values each way,
// and records the ensemble mean of m after each point.
async function hysteresis({ id, config, sweep }, core, postMessage) {
  const { from, to, points, stepsPerPoint } = sweep;
  const values = [];
  for (let i = 0; i < points; i++) values.push(from + (to - from) * i / (points - 1));
  const schedule = [...values, ...values.slice().reverse()];
  const steps = schedule.length * stepsPerPoint;
  // H is (h1 - h2)/2 for sample and gumbel-top1 and (h1 - h2)/(2 sigma) for noisy-top1.
  const scale = config.mode === 'noisy-top1' ? config.sigma : 1;
  const run = core.createRouter({ ...config, bias: [scale * schedule[0], -scale * schedule[0]], steps,
    recordEvery: stepsPerPoint });
  try {
    const m = [];
    for (let i = 0; i < schedule.length; i++) {
      if (cancelled.has(id)) return { cancelled: true };
      run.setBias([scale * schedule[i], -scale * schedule[i]]);
      run.advance(stepsPerPoint);
      const record = run.records(run.recordCount - 1);
      m.push(record.meanLoads[0] - record.meanLoads[1]);
      postMessage({ type: 'progress', id, stepsDone: run.stepsDone, steps,
        sweep: { H: schedule.slice(0, m.length), m: [...m], up: points } });
      await yieldToMessages();
    }
    return { sweep: { H: schedule, m, up: points } };
  } finally {
    run.dispose();
  }
}

/**
 * Handles one message of the protocol above. postMessage receives each
 * reply; corePromise resolves to the loaded core.
 */
export async function handleRouterMessage(message, corePromise, postMessage) {
  if (message.type === 'cancel') {
    cancelled.add(message.id);
    return;
  }
  try {
    const core = await corePromise;
    const result = message.type === 'hysteresis'
      ? await hysteresis(message, core, postMessage)
      : await simulate(message, core, postMessage);
    if (result.cancelled) postMessage({ type: 'cancelled', id: message.id });
    else postMessage({ type: 'done', id: message.id, result });
  } catch (error) {
    postMessage({ type: 'error', id: message.id, message: error.message });
  } finally {
    cancelled.delete(message.id);
  }
}
