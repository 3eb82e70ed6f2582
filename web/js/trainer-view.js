// The "Trainable MoE" section: a form for the architecture and training,
// training in a Web Worker with progress, pause and cancel, live charts of
// loss, accuracy and loads, the routing and confusion tables, the test
// digits coloured by expert, and the symmetry-breaking sweep over beta run
// on a pool of workers with the mean-field fit.
import { createTrainerWorker } from './assets.js';
import { parseDecimal, parseDecimalList } from './input.js';
import { DEFAULT_TRAINING, DIGITS, SYNTHETIC_OVERRIDES } from './moe-task.js';
import { colors, withAlpha } from './palette.js';
import { baseOptions, chartClass, formatNumber, lineDataset, replaceDatasets } from './views/common.js';

export const EXPERT_COLORS = Object.freeze([colors.blue, colors.orange, colors.green, colors.vermillion,
  colors.purple, colors.sky, colors.yellow, colors.black]);
const GRID_DIGITS = 100;
const SWEEP_LIMIT = 400; // training runs per sweep
const SWEEP_COLORS = Object.freeze([colors.blue, colors.vermillion, colors.green, colors.purple, colors.orange]);

/** Returns the colour of expert i, repeating the palette beyond eight experts. */
export function expertColor(i) {
  return EXPERT_COLORS[i % EXPERT_COLORS.length];
}

// Text fields of the form with the core parameter that checks each.
const NUMBER_FIELDS = Object.freeze([
  ['experts', 'experts'], ['hidden', 'expert-hidden'], ['k', 'k'], ['beta', 'beta'],
  ['learningRate', 'learning-rate'], ['momentum', 'momentum'], ['auxLoss', 'aux-loss'], ['zLoss', 'z-loss'],
  ['balanceRate', 'balance-rate'], ['routerDecay', 'router-decay'], ['batch', 'batch'], ['epochs', 'epochs'],
  ['seed', 'seed'],
]);

/**
 * Wires the section. options.onStart(kind) is called when a training
 * ('train') or a sweep ('sweep') starts. Returns { start, startSweep }.
 */
export function createTrainerView(core, root, { onStart = () => {} } = {}) {
  const form = root.querySelector('#moe-form');
  const sweepForm = root.querySelector('#moe-sweep-form');
  const elements = {
    train: root.querySelector('#moe-train'),
    pause: root.querySelector('#moe-pause'),
    cancel: root.querySelector('#moe-cancel'),
    progress: root.querySelector('#moe-progress'),
    status: root.querySelector('#moe-status-text'),
    error: root.querySelector('#moe-error'),
    routing: root.querySelector('#moe-routing'),
    confusion: root.querySelector('#moe-confusion'),
    digits: root.querySelector('#moe-digits'),
    legend: root.querySelector('#moe-grid-legend'),
    sweepRun: root.querySelector('#moe-sweep-run'),
    sweepCancel: root.querySelector('#moe-sweep-cancel'),
    sweepProgress: root.querySelector('#moe-sweep-progress'),
    sweepStatus: root.querySelector('#moe-sweep-status'),
    sweepError: root.querySelector('#moe-sweep-error'),
    sweepFit: root.querySelector('#moe-sweep-fit'),
  };
  const Chart = chartClass();
  const lossChart = new Chart(root.querySelector('#moe-loss-chart'), { type: 'scatter', data: { datasets: [] },
    options: baseOptions({ xTitle: 'epoch', yTitle: 'loss per token', xMin: 0, yMin: 0 }) });
  const accuracyChart = new Chart(root.querySelector('#moe-accuracy-chart'), { type: 'scatter', data: { datasets: [] },
    options: baseOptions({ xTitle: 'epoch', yTitle: 'accuracy', xMin: 0, yMin: 0, yMax: 1 }) });
  const loadsChart = new Chart(root.querySelector('#moe-loads-chart'), { type: 'scatter', data: { datasets: [] },
    options: baseOptions({ xTitle: 'epoch', yTitle: 'load (share of tokens)', xMin: 0, yMin: 0, yMax: 1 }) });
  for (const chart of [lossChart, accuracyChart, loadsChart]) chart.options.scales.x.ticks = { precision: 0 };
  const sweepOptions = baseOptions({ xTitle: 'router inverse temperature β', yTitle: 'final imbalance |f₁ − f₂|',
    yMin: 0, yMax: 1.05 });
  sweepOptions.scales.x.type = 'logarithmic';
  sweepOptions.scales.x.min = 0.1;
  sweepOptions.scales.x.max = 30;
  // Only 1, 2 and 5 times a power of ten, so that labels do not overlap.
  sweepOptions.scales.x.ticks = { autoSkip: true, callback: (value) => {
    const mantissa = value / 10 ** Math.floor(Math.log10(value) + 1e-9);
    return [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6) ? formatNumber(value) : '';
  } };
  const sweepChart = new Chart(root.querySelector('#moe-sweep-chart'), { type: 'scatter', data: { datasets: [] },
    options: sweepOptions });

  let worker = null;
  let generation = 0;
  let active = null; // { id, settings, history, test, paused, started }
  let frameRequested = false;

  function showError(target, message) {
    target.textContent = message ?? '';
    target.hidden = !message;
  }

  /** Reads and checks the form; returns { settings } or { errors }. */
  function readForm() {
    const data = new FormData(form);
    const settings = { ...DEFAULT_TRAINING };
    const errors = [];
    for (const key of ['task', 'preprocess', 'routing', 'loss', 'optimizer']) settings[key] = String(data.get(key));
    for (const [field, parameter] of NUMBER_FIELDS) {
      const result = parseDecimal(core, parameter, String(data.get(field) ?? ''));
      markField(form, field, result.error);
      if (result.error) errors.push(result.error);
      else settings[field] = result.value;
    }
    const capacity = String(data.get('capacityFactor') ?? '').trim();
    if (capacity === '' || capacity.toLowerCase() === 'none') {
      settings.capacityFactor = null;
      markField(form, 'capacityFactor', null);
    } else {
      const result = parseDecimal(core, 'capacity-factor', capacity);
      markField(form, 'capacityFactor', result.error);
      if (result.error) errors.push(`${result.error} Leave it empty for no limit.`);
      else settings.capacityFactor = result.value;
    }
    if (settings.routing === 'topk' && settings.k > settings.experts) {
      errors.push(`k = ${settings.k} is more than the ${settings.experts} experts: topk routing needs k <= experts.`);
    }
    const decay = settings.learningRate * settings.routerDecay;
    const message = errors.length === 0 ? core.checkParameter('learning-rate*router-decay', decay) : null;
    if (message) errors.push(`${message} Lower the learning rate or the router decay.`);
    return errors.length > 0 ? { errors } : { settings };
  }

  function ensureWorker() {
    if (worker) return worker;
    worker = createTrainerWorker(core);
    root.dataset.worker = worker.runsOnMainThread ? 'main-thread' : 'worker';
    if (worker.runsOnMainThread) {
      root.querySelector('.router-intro')?.append(' In this frame, training uses the page\'s main thread, because it cannot start a worker.');
    }
    worker.addEventListener('message', (event) => handleMessage(event.data));
    worker.addEventListener('error', (event) => {
      worker.terminate();
      worker = null;
      showError(elements.error, `The training worker failed: ${event.message ?? 'unknown error'}. Try again, or reload the page.`);
      finish('Failed.', 'error');
    });
    return worker;
  }

  function setRunning(running) {
    elements.train.disabled = running;
    elements.pause.disabled = !running;
    elements.cancel.disabled = !running;
    elements.pause.textContent = 'Pause';
    elements.pause.setAttribute('aria-pressed', 'false');
    root.dataset.training = String(running);
  }

  function finish(text, result) {
    setRunning(false);
    elements.status.textContent = text;
    root.dataset.result = result;
    active = null;
  }

  function start() {
    showError(elements.error, null);
    const parsed = readForm();
    if (parsed.errors) {
      showError(elements.error, parsed.errors.join('\n'));
      elements.status.textContent = `Not started: fix the input above.${active || root.dataset.result ? ' The charts show the last run.' : ''}`;
      return;
    }
    const id = ++generation;
    active = { id, settings: parsed.settings, history: [], test: null, paused: false, started: performance.now(),
      latest: null };
    setRunning(true);
    elements.progress.value = 0;
    elements.status.textContent = 'Preparing the data…';
    root.dataset.result = '';
    ensureWorker().postMessage({ type: 'train', id, settings: parsed.settings });
    onStart('train');
  }

  function handleMessage(message) {
    if (!active || message.id !== active.id) return; // a stale run's message
    const run = active;
    if (message.type === 'ready') {
      run.test = message;
    } else if (message.type === 'epoch') {
      run.history.push(message.metrics);
      run.latest = message;
      const epochs = run.settings.epochs;
      const done = message.metrics.epoch;
      elements.progress.value = done / epochs;
      const left = message.elapsed / done * (epochs - done) / 1000;
      elements.status.textContent = `Epoch ${done} of ${epochs}: test accuracy `
        + `${(100 * message.metrics.testAccuracy).toFixed(1)} %${droppedText(message.metrics)}, about `
        + `${left.toFixed(1)} s left.`;
      root.dataset.epochs = String(done);
      scheduleDraw();
    } else if (message.type === 'done') {
      const last = run.history.at(-1);
      draw(run);
      elements.progress.value = 1;
      // Within 1.5 times the accuracy of guessing: the model learned nothing.
      const classes = run.latest.confusion.length;
      const chance = last.testAccuracy <= 1.5 / classes
        ? ` That is near chance (${(100 / classes).toFixed(0)} %): try a lower learning rate.` : '';
      finish(`Trained ${plural(run.history.length, 'epoch')} in ${(message.elapsed / 1000).toFixed(2)} s of compute: `
        + `test accuracy ${(100 * last.testAccuracy).toFixed(1)} %${droppedText(last)}, `
        + `${loadsText(last.loads)}, router entropy ${last.routerEntropy.toFixed(3)} nats.${chance}`, 'done');
    } else if (message.type === 'diverged') {
      draw(run);
      showError(elements.error, `${message.message} ${run.history.length === 0 ? 'No epoch finished.'
        : `The charts keep the ${plural(run.history.length, 'epoch')} before it.`}`);
      finish(`Stopped: diverged in epoch ${message.epoch}.`, 'diverged');
    } else if (message.type === 'paused') {
      elements.status.textContent = `Paused after epoch ${run.history.length}.`;
    } else if (message.type === 'cancelled') {
      draw(run);
      finish(`Cancelled after epoch ${run.history.length}.`, 'cancelled');
    } else if (message.type === 'error') {
      showError(elements.error, message.message);
      finish('Failed.', 'error');
    }
  }

  function scheduleDraw() {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(() => {
      frameRequested = false;
      if (active) draw(active);
    });
  }

  function draw(run) {
    const history = run.history;
    const epochs = history.map((m) => m.epoch);
    const xMax = Math.max(run.settings.epochs, 1);
    for (const chart of [lossChart, accuracyChart, loadsChart]) chart.options.scales.x.max = xMax;
    replaceDatasets(lossChart, [
      lineDataset('training', epochs, history.map((m) => m.trainLoss), colors.blue, { pointRadius: 2 }),
      lineDataset('test', epochs, history.map((m) => m.testLoss), colors.orange, { pointRadius: 2, borderDash: [6, 3] }),
    ]);
    replaceDatasets(accuracyChart, [
      lineDataset('training', epochs, history.map((m) => m.trainAccuracy), colors.blue, { pointRadius: 2 }),
      lineDataset('test', epochs, history.map((m) => m.testAccuracy), colors.orange, { pointRadius: 2, borderDash: [6, 3] }),
    ]);
    const experts = run.settings.experts;
    const loadSets = Array.from({ length: experts }, (_, i) => lineDataset(`expert ${i + 1}`, epochs,
      history.map((m) => m.loads[i]), expertColor(i), { pointRadius: experts > 8 ? 0 : 2 }));
    if (run.settings.capacityFactor !== null && run.settings.routing !== 'dense') {
      loadSets.push(lineDataset('dropped tokens', epochs, history.map((m) => m.droppedFraction), colors.grey,
        { borderDash: [4, 3], pointRadius: 0 }));
    }
    replaceDatasets(loadsChart, loadSets);
    if (!run.latest) return;
    const classes = run.latest.confusion.length;
    fillTable(elements.routing, run.latest.routingMatrix, 'class', Array.from({ length: experts }, (_, i) => `expert ${i + 1}`),
      (i) => expertColor(i), classes);
    fillTable(elements.confusion, run.latest.confusion, 'true \\ predicted',
      Array.from({ length: classes }, (_, c) => String(c)), null, classes);
    drawDigits(run);
  }

  // Writes a count matrix into a table, each cell shaded in blue by its
  // share of the row: text content only, never markup. headerColor, when
  // given, underlines each column's header in its expert's colour.
  function fillTable(table, rows, corner, columns, headerColor, classes) {
    const head = document.createElement('thead');
    const headRow = head.insertRow();
    const cornerCell = document.createElement('th');
    cornerCell.scope = 'col';
    cornerCell.textContent = corner;
    headRow.append(cornerCell);
    columns.forEach((name, j) => {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = name;
      if (headerColor) th.style.borderBottom = `4px solid ${headerColor(j)}`;
      headRow.append(th);
    });
    const body = document.createElement('tbody');
    for (let c = 0; c < classes; c++) {
      const row = body.insertRow();
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = String(c);
      row.append(th);
      const total = rows[c].reduce((a, b) => a + b, 0) || 1;
      for (const count of rows[c]) {
        const cell = row.insertCell();
        cell.textContent = String(count);
        const share = count / total;
        cell.style.backgroundColor = withAlpha(colors.blue, 0.06 + 0.85 * share);
        cell.style.color = share > 0.55 ? '#ffffff' : '';
      }
    }
    table.replaceChildren(head, body);
  }

  function drawDigits(run) {
    const canvas = elements.digits;
    const context = canvas.getContext('2d');
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    const test = run.test;
    const experts = run.latest.testExperts;
    const shown = Math.min(run.settings.experts, EXPERT_COLORS.length);
    elements.legend.textContent = `Colours: ${Array.from({ length: shown }, (_, i) => `expert ${i + 1} `
      + colorName(expertColor(i))).join(', ')}${run.settings.experts > EXPERT_COLORS.length
      ? `; they repeat from expert ${EXPERT_COLORS.length + 1} on, and the routing table gives each expert` : ''}.`;
    if (!test || test.side === 0) {
      context.fillStyle = colors.grey;
      context.font = '14px system-ui, sans-serif';
      context.fillText('The synthetic task has no images.', 20, 40);
      return;
    }
    const side = test.side;
    const cell = canvas.width / 10;
    const pixel = Math.floor((cell - 8) / side);
    const count = Math.min(GRID_DIGITS, test.testCount);
    for (let n = 0; n < count; n++) {
      const x0 = (n % 10) * cell;
      const y0 = Math.floor(n / 10) * cell;
      const expert = experts[n];
      context.fillStyle = expert >= 0 ? expertColor(expert) : colors.lightGrey;
      context.fillRect(x0 + 1, y0 + 1, cell - 2, cell - 2);
      const offset = (cell - pixel * side) / 2;
      for (let p = 0; p < side * side; p++) {
        const value = test.rawTest[n * DIGITS.inputs + p] / DIGITS.maxValue;
        const shade = Math.round(255 * (1 - value));
        context.fillStyle = `rgb(${shade}, ${shade}, ${shade})`;
        context.fillRect(x0 + offset + (p % side) * pixel, y0 + offset + Math.floor(p / side) * pixel, pixel, pixel);
      }
    }
    canvas.setAttribute('aria-label', `The first ${count} test digits; ${Array.from({ length: run.settings.experts },
      (_, i) => `${Array.from(experts.slice(0, count)).filter((e) => e === i).length} went to expert ${i + 1}`).join(', ')}.`);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    start();
  });
  // A sandboxed frame without allow-forms blocks form submission, so Enter
  // in a field starts here instead of through submit.
  for (const [target, action, button] of [[form, start, elements.train], [sweepForm, startSweep, elements.sweepRun]]) {
    target.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' || event.target.tagName !== 'INPUT' || button.disabled) return;
      event.preventDefault();
      action();
    });
  }
  form.elements.task.addEventListener('change', () => {
    // Each task starts from its own defaults for what they change.
    const synthetic = form.elements.task.value === 'synthetic';
    const defaults = synthetic ? { ...DEFAULT_TRAINING, ...SYNTHETIC_OVERRIDES } : DEFAULT_TRAINING;
    for (const key of Object.keys(SYNTHETIC_OVERRIDES)) form.elements[key].value = String(defaults[key]);
  });
  elements.pause.addEventListener('click', () => {
    if (!active) return;
    active.paused = !active.paused;
    worker?.postMessage({ type: active.paused ? 'pause' : 'resume', id: active.id });
    elements.pause.textContent = active.paused ? 'Resume' : 'Pause';
    elements.pause.setAttribute('aria-pressed', String(active.paused));
    if (!active.paused) elements.status.textContent = 'Resumed…';
    root.dataset.paused = String(active.paused);
  });
  elements.cancel.addEventListener('click', () => {
    if (!active) return;
    worker?.postMessage({ type: 'cancel', id: active.id });
  });

  // ---- The sweep ----
  let sweep = null; // { id, jobs, results, pool }

  // The sweep takes the trainer form's settings when that form is on the
  // sweep's task, and that task's defaults otherwise. It always trains two
  // experts, because K_eff and the mean-field curve are those of two.
  function readSweepForm() {
    const data = new FormData(sweepForm);
    const task = String(data.get('task'));
    let base = { ...DEFAULT_TRAINING, ...(task === 'synthetic' ? SYNTHETIC_OVERRIDES : {}) };
    if (form.elements.task.value === task) {
      const parsed = readForm();
      if (parsed.errors) return { errors: parsed.errors.map((error) => `Trainer form: ${error}`) };
      base = parsed.settings;
    }
    const errors = [];
    const betas = parseDecimalList(core, 'beta', String(data.get('betas')));
    const seeds = parseDecimalList(core, 'seed', String(data.get('seeds')));
    const decays = parseDecimalList(core, 'router-decay', String(data.get('routerDecays')));
    const epochs = parseDecimal(core, 'epochs', String(data.get('epochs')));
    for (const [field, result] of [['betas', betas], ['seeds', seeds], ['routerDecays', decays], ['epochs', epochs]]) {
      markField(sweepForm, field, result.error);
      if (result.error) errors.push(result.error);
    }
    if (errors.length > 0) return { errors };
    const settings = { ...base, task, routing: String(data.get('routing')), experts: 2, epochs: epochs.value };
    for (const decay of decays.value) {
      const message = core.checkParameter('learning-rate*router-decay', settings.learningRate * decay);
      if (message) return { errors: [`Router decay ${decay}: ${message}`] };
    }
    const unique = (values) => [...new Set(values)].sort((a, b) => a - b);
    const runs = unique(betas.value).length * seeds.value.length * unique(decays.value).length;
    if (runs > SWEEP_LIMIT) {
      return { errors: [`The sweep has ${runs} runs; use at most ${SWEEP_LIMIT} (β values × seeds × decays).`] };
    }
    return { settings, betas: unique(betas.value), seeds: seeds.value, decays: unique(decays.value) };
  }

  function startSweep() {
    showError(elements.sweepError, null);
    const parsed = readSweepForm();
    if (parsed.errors) {
      showError(elements.sweepError, parsed.errors.join('\n'));
      elements.sweepStatus.textContent = `Not started: fix the input above.${root.dataset.sweep ? ' The chart shows the last sweep.' : ''}`;
      return;
    }
    const id = ++generation;
    const jobs = [];
    for (const decay of parsed.decays) {
      for (const beta of parsed.betas) for (const seed of parsed.seeds) jobs.push({ decay, beta, seed });
    }
    const size = Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 4, jobs.length));
    sweep = { id, jobs, next: 0, results: [], pool: [], settings: parsed.settings, betas: parsed.betas,
      decays: parsed.decays, started: performance.now() };
    elements.sweepRun.disabled = true;
    elements.sweepCancel.disabled = false;
    elements.sweepProgress.value = 0;
    elements.sweepFit.textContent = '';
    root.dataset.sweep = 'running';
    for (let w = 0; w < size; w++) {
      const poolWorker = createTrainerWorker(core);
      poolWorker.addEventListener('message', (event) => handleSweepMessage(poolWorker, event.data));
      poolWorker.addEventListener('error', (event) => endSweep(`A sweep worker failed: ${event.message ?? 'unknown error'}.`));
      sweep.pool.push(poolWorker);
      dispatch(poolWorker);
    }
    elements.sweepStatus.textContent = `Running ${jobs.length} trainings on ${size} workers…`;
    onStart('sweep');
  }

  function dispatch(poolWorker) {
    if (!sweep || sweep.next >= sweep.jobs.length) return;
    const job = sweep.jobs[sweep.next++];
    poolWorker.postMessage({ type: 'sweep-job', id: sweep.id, job,
      settings: { ...sweep.settings, beta: job.beta, seed: job.seed, routerDecay: job.decay } });
  }

  function handleSweepMessage(poolWorker, message) {
    if (!sweep || message.id !== sweep.id) return;
    if (message.type === 'error') {
      endSweep(`Training for β = ${message.job?.beta}, seed ${message.job?.seed}, router decay `
        + `${message.job?.decay} failed: ${message.message}`);
      return;
    }
    if (message.type !== 'sweep-result') return;
    sweep.results.push(message);
    elements.sweepProgress.value = sweep.results.length / sweep.jobs.length;
    elements.sweepStatus.textContent = `${sweep.results.length} of ${sweep.jobs.length} trainings done.`;
    drawSweep(sweep, false);
    if (sweep.results.length === sweep.jobs.length) {
      drawSweep(sweep, true);
      const seconds = (performance.now() - sweep.started) / 1000;
      endSweep(null, `Sweep done: ${sweep.jobs.length} trainings in ${seconds.toFixed(1)} s.`);
    } else {
      dispatch(poolWorker);
    }
  }

  function endSweep(error, text = 'Sweep stopped.') {
    if (!sweep) return;
    for (const poolWorker of sweep.pool) poolWorker.terminate();
    showError(elements.sweepError, error);
    elements.sweepStatus.textContent = error ? 'Sweep failed.' : text;
    elements.sweepRun.disabled = false;
    elements.sweepCancel.disabled = true;
    root.dataset.sweep = error ? 'error' : text.startsWith('Sweep done') ? 'done' : 'cancelled';
    sweep = null;
  }

  // One colour per router decay: each seed's point, the means and, at the
  // end, the mean-field curve of that decay's fit.
  function drawSweep(run, final) {
    const datasets = [];
    const fits = [];
    run.decays.forEach((decay, d) => {
      const color = SWEEP_COLORS[d % SWEEP_COLORS.length];
      const name = `λr = ${formatNumber(decay)}`;
      const results = run.results.filter((r) => r.job.decay === decay && Number.isFinite(r.imbalance));
      const measured = run.betas.map((beta) => {
        const values = results.filter((r) => r.job.beta === beta).map((r) => r.imbalance);
        return { beta, mean: values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN };
      }).filter((p) => Number.isFinite(p.mean));
      datasets.push({ label: `${name}: each seed`, data: results.map((r) => ({ x: r.job.beta, y: r.imbalance })),
        showLine: false, pointRadius: 3, borderColor: withAlpha(color, 0.6), backgroundColor: withAlpha(color, 0.3),
        hiddenFromLegend: true });
      datasets.push(lineDataset(`${name}: mean over seeds`, measured.map((p) => p.beta), measured.map((p) => p.mean),
        color, { pointRadius: 4, pointStyle: 'rectRot' }));
      if (!final || measured.length === 0) return;
      const { gain, rms, used } = core.fitGain(measured.map((p) => p.beta), measured.map((p) => p.mean));
      const perSetting = measured.map((p) => {
        const K = core.effectiveFeedback(p.mean);
        let reading = `K_eff = ${formatNumber(K)}`;
        if (!Number.isFinite(K)) reading = p.mean < 0.5 ? 'balanced' : 'collapsed';
        return `β = ${formatNumber(p.beta)}: ${reading}`;
      });
      if (used === 0) {
        fits.push(`${name}: no mean between 0.05 and 0.95, so no K_eff to fit (${perSetting.join(', ')}).`);
        return;
      }
      const low = run.betas[0] / 1.5;
      const high = run.betas.at(-1) * 1.5;
      const xs = Array.from({ length: 200 }, (_, i) => low * (high / low) ** (i / 199));
      datasets.push(lineDataset(`${name}: mean field, K_eff = ${formatNumber(gain)} β`, xs,
        xs.map((beta) => core.meanFieldImbalance(gain * beta)), color, { borderDash: [6, 3], borderWidth: 1.5 }));
      // A residual of 0.3 in log K_eff is a factor of 1.35 either way.
      const quality = rms <= 0.3 ? 'K_eff grows about in proportion to β'
        : `K_eff does not grow in proportion to β (a factor of ${formatNumber(Math.exp(rms))} off on average)`;
      fits.push(`${name}: ${perSetting.join(', ')}; fit over ${plural(used, 'setting')}: K_eff = ${formatNumber(gain)} × β, `
        + `residual ${formatNumber(rms)} in log K_eff, so ${quality}.`);
    });
    sweepChart.options.scales.x.min = run.betas[0] / 1.5;
    sweepChart.options.scales.x.max = run.betas.at(-1) * 1.5;
    if (final) {
      elements.sweepFit.textContent = fits.join(' ');
      root.dataset.sweepFits = String(fits.length);
    }
    replaceDatasets(sweepChart, datasets);
  }

  sweepForm.addEventListener('submit', (event) => {
    event.preventDefault();
    startSweep();
  });
  elements.sweepCancel.addEventListener('click', () => endSweep(null, 'Sweep cancelled.'));
  return { start, startSweep };
}

/** Marks a form field invalid (with its message for assistive technology) or valid. */
function markField(form, name, error) {
  const field = form.elements[name];
  if (!field) return;
  if (error) field.setAttribute('aria-invalid', 'true');
  else field.removeAttribute('aria-invalid');
}

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function droppedText(metrics) {
  return metrics.dropped > 0 ? `, ${(100 * metrics.droppedFraction).toFixed(1)} % of training tokens dropped` : '';
}

// The loads of a few experts in full; of many, only the largest and smallest.
function loadsText(loads) {
  if (loads.length <= 8) return `loads ${loads.map((f) => f.toFixed(2)).join(' / ')}`;
  return `largest load ${Math.max(...loads).toFixed(2)}, smallest ${Math.min(...loads).toFixed(2)}`;
}

function colorName(color) {
  const names = { [colors.blue]: 'blue', [colors.orange]: 'orange', [colors.green]: 'green',
    [colors.vermillion]: 'vermillion', [colors.purple]: 'pink', [colors.sky]: 'sky blue', [colors.yellow]: 'yellow',
    [colors.black]: 'black' };
  return names[color] ?? color;
}
