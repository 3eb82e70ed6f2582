// The "Discrete router" section: a form in the model's own units and runs in
// a Web Worker with progress and cancel. Three charts show traces against the
// mean field, the final histogram against the Fokker-Planck density, and the
// hysteresis loop over the S-curve.
import { createRouterWorker } from './assets.js';
import { QUANTILE_LEVELS } from './core.js';
import { parseDecimal, parseDecimalList } from './input.js';
import { colors, withAlpha } from './palette.js';
import { niceCeiling } from './compute.js';
import { baseOptions, chartClass, formatNumber, lineDataset, replaceDatasets } from './views/common.js';

const TRACE_COLORS = [colors.orange, colors.green, colors.purple, colors.vermillion];
const HISTOGRAM_BINS = 40;
const SWEEP_POINTS = 31;

function linkOf(mode) {
  return mode === 'noisy-top1' ? 'erf' : 'tanh';
}

/** onStart(kind) is called when a run or sweep passes its checks and starts. */
export function createRouterView(core, root, { onStart = () => {} } = {}) {
  const form = root.querySelector('#router-form');
  const elements = {
    run: root.querySelector('#router-run'),
    sweep: root.querySelector('#router-sweep'),
    cancel: root.querySelector('#router-cancel'),
    progress: root.querySelector('#router-progress'),
    status: root.querySelector('#router-status-text'),
    derived: root.querySelector('#router-derived'),
    error: root.querySelector('#router-error'),
  };
  const Chart = chartClass();
  const traces = new Chart(root.querySelector('#router-traces-chart'), { type: 'scatter', data: { datasets: [] },
    options: baseOptions({ xTitle: 'time τ = ληn', yTitle: 'imbalance m', xMin: 0, yMin: -1, yMax: 1 }) });
  const histogram = new Chart(root.querySelector('#router-histogram-chart'), { type: 'scatter', data: { datasets: [] },
    options: baseOptions({ xTitle: 'imbalance m', yTitle: 'density', xMin: -1, xMax: 1, yMin: 0 }) });
  const hysteresis = new Chart(root.querySelector('#router-hysteresis-chart'), { type: 'scatter', data: { datasets: [] },
    options: baseOptions({ xTitle: 'asymmetry H', yTitle: 'ensemble mean m', yMin: -1.05, yMax: 1.05 }) });

  let worker = null;
  let generation = 0;
  let active = null; // { id, kind, config, records, started }
  let frameRequested = false;

  function readForm() {
    const data = new FormData(form);
    const fields = {};
    const errors = [];
    const read = (field, name) => {
      const result = parseDecimal(core, name, String(data.get(field)));
      if (result.error) errors.push(result.error);
      fields[field] = result.value;
    };
    read('N', 'N');
    read('beta', 'beta');
    read('eta', 'eta');
    read('lambda', 'lambda');
    read('sigma', 'sigma');
    read('replicas', 'replicas');
    read('steps', 'steps');
    read('seed', 'seed');
    const mode = String(data.get('mode'));
    const bias = parseDecimalList(core, 'h', String(data.get('h')));
    if (bias.error) errors.push(bias.error);
    let h = bias.value;
    if (h && h.length === 1 && fields.N > 1) h = new Array(fields.N).fill(h[0]);
    if (h && Number.isInteger(fields.N) && h.length !== fields.N) {
      errors.push(`h must have N = ${fields.N} values (or one for all), not ${h.length}.`);
    }
    let initialScores = null;
    const m0Text = String(data.get('m0')).trim();
    if (m0Text !== '' && fields.N === 2) {
      const m0 = parseDecimal(core, 'm0', m0Text);
      if (m0.error) errors.push(m0.error);
      else fields.m0 = m0.value;
    }
    if (fields.eta !== undefined && fields.lambda !== undefined) {
      const message = core.checkParameter('eta*lambda', fields.eta * fields.lambda);
      if (message) errors.push(message);
    }
    if (errors.length > 0) return { errors };
    if (fields.m0 !== undefined) {
      initialScores = [(1 + fields.m0) / (2 * fields.lambda), (1 - fields.m0) / (2 * fields.lambda)];
    }
    const config = {
      experts: fields.N, mode, beta: fields.beta, eta: fields.eta, lambda: fields.lambda, sigma: fields.sigma,
      bias: h, initialScores, replicas: fields.replicas, steps: fields.steps, seed: fields.seed,
      // The same recording as moe-bif simulate, so a seed gives the same numbers in both.
      recordEvery: Math.max(1, Math.ceil(fields.steps / 1000)), traced: Math.min(4, fields.replicas),
    };
    const meanField = core.routerMeanField(config);
    Object.assign(config, switchDefaults(config, meanField));
    return { config, meanField, m0: fields.m0 ?? 0 };
  }

  // The defaults of moe-bif simulate: the collapsed states lie beyond half of
  // the nearer |m*|, and switches count after ten relaxation times of the
  // slower stable state, once the start-up transient is over.
  function switchDefaults(config, { K, H }) {
    const none = { threshold: 0, switchAfter: 0 };
    if (config.experts !== 2 || !(K <= 1e6) || !(Math.abs(H) <= 100)) return none;
    const equilibria = core.equilibria(linkOf(config.mode), K, H);
    if (equilibria.length !== 3) return none;
    const slowest = Math.min(Math.abs(equilibria[0].eigenvalue), Math.abs(equilibria[2].eigenvalue));
    return {
      threshold: 0.5 * Math.min(Math.abs(equilibria[0].m), Math.abs(equilibria[2].m)),
      switchAfter: slowest > 0 ? Math.min(10 / slowest, 1e7) : 0,
    };
  }

  function showError(message) {
    elements.error.textContent = message ?? '';
    elements.error.hidden = !message;
  }

  function showDerived() {
    const parsed = readForm();
    elements.derived.classList.toggle('error', Boolean(parsed.errors));
    if (parsed.errors) {
      elements.derived.textContent = parsed.errors[0];
      return parsed;
    }
    const { config, meanField: { K, H } } = parsed;
    const epsilon = config.eta * config.lambda;
    const parts = [Number.isNaN(K) ? 'K: no mean field for noisy-top1 with N > 2' : `K = ${formatNumber(K)}`];
    if (config.experts === 2) parts.push(`H = ${formatNumber(H)}`);
    parts.push(`ε = ηλ = ${formatNumber(epsilon)}`, `run to τ = ${formatNumber(epsilon * config.steps)}`);
    if (config.experts === 2) {
      const link = linkOf(config.mode);
      const { criticalH } = K <= 1e6 ? core.criticalH(link, K) : { criticalH: NaN };
      parts.push(K > 1 && Math.abs(H) < criticalH ? 'mean field: bistable' : 'mean field: one stable state');
    }
    elements.derived.textContent = parts.join(' · ');
    return parsed;
  }

  function ensureWorker() {
    if (worker) return worker;
    worker = createRouterWorker(core);
    root.dataset.worker = worker.runsOnMainThread ? 'main-thread' : 'worker';
    if (worker.runsOnMainThread) {
      root.querySelector('.router-intro')?.append(' In this frame, though, runs use the page\'s main thread, because it cannot start a worker.');
    }
    worker.addEventListener('message', (event) => handleMessage(event.data));
    worker.addEventListener('error', (event) => {
      // A worker that failed to load or crashed is replaced on the next run.
      worker.terminate();
      worker = null;
      showError(`The simulation worker failed: ${event.message ?? 'unknown error'}. Try again, or reload the page.`);
      finish('Failed.');
      root.dataset.result = 'error';
    });
    return worker;
  }

  function setRunning(running) {
    elements.run.disabled = running;
    elements.sweep.disabled = running;
    elements.cancel.disabled = !running;
    root.dataset.running = String(running);
  }

  function finish(text) {
    setRunning(false);
    elements.status.textContent = text;
    active = null;
  }

  function start(kind) {
    showError(null);
    const parsed = showDerived();
    if (parsed.errors) {
      showError(parsed.errors.join('\n'));
      elements.status.textContent = 'Not started: fix the input above. The charts show the last run.';
      return;
    }
    const { config, meanField, m0 } = parsed;
    if (kind === 'hysteresis' && config.experts !== 2) {
      showError('The hysteresis sweep needs N = 2.');
      elements.status.textContent = 'Not started: fix the input above. The charts show the last run.';
      return;
    }
    if (kind === 'hysteresis' && config.steps < 2 * SWEEP_POINTS) {
      showError(`The hysteresis sweep needs at least ${2 * SWEEP_POINTS} steps: ${SWEEP_POINTS} values of H each way.`);
      elements.status.textContent = 'Not started: fix the input above. The charts show the last run.';
      return;
    }

    onStart(kind);
    const id = ++generation;
    active = { id, kind, config, meanField, m0, started: performance.now(), records: emptyRecords(), sweep: null };
    setRunning(true);
    elements.progress.value = 0;
    elements.status.textContent = 'Starting…';
    root.dataset.result = '';

    if (kind === 'simulate') {
      // About 4e6 replica-steps per chunk: tens of milliseconds, so progress
      // is smooth and a cancel takes effect quickly.
      const chunkSteps = Math.max(1, Math.min(Math.ceil(config.steps / 100),
        Math.floor(4e6 / (config.replicas * config.experts))));
      const bins = { bins: HISTOGRAM_BINS, low: config.experts === 2 ? -1 : 0, high: 1 };
      ensureWorker().postMessage({ type: 'simulate', id, config, chunkSteps, histogram: bins });
    } else {
      const link = linkOf(config.mode);
      const { criticalH } = core.criticalH(link, Math.min(meanField.K, 1e6));
      // The bias is H for tanh modes and sigma*H for noisy-top1, and |h| <= 100.
      const biasPerH = config.mode === 'noisy-top1' ? config.sigma : 1;
      const range = Math.min(100 / biasPerH, niceCeiling(Math.max(0.5, 1.6 * criticalH)));
      // The Steps field is the length of the whole sweep, up and down.
      const stepsPerPoint = Math.floor(config.steps / (2 * SWEEP_POINTS));
      active.sweepRange = range;
      ensureWorker().postMessage({ type: 'hysteresis', id, config,
        sweep: { from: -range, to: range, points: SWEEP_POINTS, stepsPerPoint } });
    }
  }

  function cancel() {
    if (!active || !worker) return;
    worker.postMessage({ type: 'cancel', id: active.id });
    elements.status.textContent = 'Cancelling…';
  }

  function handleMessage(message) {
    if (!active || message.id !== active.id) return; // a stale run's message
    if (message.type === 'progress') {
      elements.progress.value = message.stepsDone / message.steps;
      const epsilon = active.config.eta * active.config.lambda;
      const elapsed = (performance.now() - active.started) / 1000;
      const left = elapsed / message.stepsDone * (message.steps - message.stepsDone);
      elements.status.textContent = `Step ${message.stepsDone.toLocaleString('en')} of `
        + `${message.steps.toLocaleString('en')} (τ = ${formatNumber(epsilon * message.stepsDone)}), `
        + `about ${left < 60 ? `${left.toFixed(0)} s` : `${(left / 60).toFixed(1)} min`} left`;
      if (message.records) appendRecords(active.records, message.records, active.config);
      if (message.histogram) active.histogram = message.histogram;
      if (message.sweep) active.sweep = message.sweep;
      root.dataset.stepsDone = String(message.stepsDone);
      scheduleDraw();
    } else if (message.type === 'done') {
      const seconds = (performance.now() - active.started) / 1000;
      const run = active;
      if (message.result.sweep) {
        run.sweep = message.result.sweep;
        drawHysteresis(run);
        finish(`Sweep done in ${seconds.toFixed(1)} s.`);
      } else {
        drawTraces(run);
        drawHistogram(run, message.result.histogram);
        const { events, exposure, meanWaitingTime } = message.result.switching;
        const after = formatNumber(run.config.switchAfter);
        let switching = '';
        if (run.config.threshold > 0 && events > 0) {
          switching = ` After τ = ${after}: ${events} switches between the collapsed states, mean waiting time τ = ${formatNumber(meanWaitingTime)}.`;
        } else if (run.config.threshold > 0 && exposure > 0) {
          switching = ` After τ = ${after}: no switch in ${formatNumber(exposure)} replica-time units.`;
        }
        finish(`Done in ${seconds.toFixed(1)} s.${switching}${kramersNote(run)}`);
      }
      elements.progress.value = 1;
      root.dataset.result = 'done';
    } else if (message.type === 'cancelled') {
      finish(`Cancelled at step ${Number(root.dataset.stepsDone ?? 0).toLocaleString('en')}.`);
      root.dataset.result = 'cancelled';
    } else if (message.type === 'error') {
      showError(message.message);
      finish('Failed.');
      root.dataset.result = 'error';
    }
  }

  function scheduleDraw() {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(() => {
      frameRequested = false;
      if (!active) return;
      if (active.kind === 'simulate') {
        drawTraces(active);
        // The histogram evolves with the run; the theory is added at the end.
        if (active.histogram) drawHistogram(active, active.histogram, false);
      } else {
        drawHysteresis(active);
      }
    });
  }

  // The Kramers estimate of the mean switching time, for a bistable mean field.
  function kramersNote({ config, meanField: { K, H } }) {
    if (config.experts !== 2 || !(K <= 1e6) || !(Math.abs(H) <= 100)) return '';
    const logTime = core.logKramersTime(linkOf(config.mode), K, H, config.eta * config.lambda);
    if (logTime === null) return '';
    const estimate = logTime < 700 ? formatNumber(Math.exp(logTime)) : `exp(${formatNumber(logTime)})`;
    return ` Kramers estimate of the time to leave the lower state: τ ≈ ${estimate}.`;
  }

  function drawTraces(run) {
    const { records, config, meanField, m0 } = run;
    const epsilon = config.eta * config.lambda;
    traces.options.scales.x.max = epsilon * config.steps;
    const datasets = [];
    if (config.experts === 2) {
      traces.options.scales.y.min = -1;
      traces.options.scales.y.title.text = 'imbalance m';
      const q = (level) => records.quantiles.map((row) => row[level]);
      // The upper edge of each band carries the band's name in the legend and its own quantile in exports.
      datasets.push(lineDataset('5–95 %', records.tau, q(4), withAlpha(colors.sky, 0.5), { borderWidth: 0, fill: '+1', backgroundColor: withAlpha(colors.sky, 0.2), pointStyle: 'rect', exportLabel: '95 %' }));
      datasets.push(lineDataset('5 %', records.tau, q(0), withAlpha(colors.sky, 0.5), { borderWidth: 0, hiddenFromLegend: true }));
      datasets.push(lineDataset('25–75 %', records.tau, q(3), withAlpha(colors.sky, 0.7), { borderWidth: 0, fill: '+1', backgroundColor: withAlpha(colors.sky, 0.4), pointStyle: 'rect', exportLabel: '75 %' }));
      datasets.push(lineDataset('25 %', records.tau, q(1), withAlpha(colors.sky, 0.7), { borderWidth: 0, hiddenFromLegend: true }));
      datasets.push(lineDataset('median', records.tau, q(2), colors.blue, { borderWidth: 2 }));
      records.traces.forEach((trace, k) => {
        datasets.push(lineDataset(`replica ${k + 1}`, records.tau, trace, TRACE_COLORS[k % TRACE_COLORS.length],
          { borderWidth: 1 }));
      });
      const span = epsilon * config.steps;
      if (meanField.K <= 1e6 && Math.abs(meanField.H) <= 100 && span <= 1e4 && m0 > -1 && m0 < 1) {
        const trajectory = core.trajectory(linkOf(config.mode), meanField.K, meanField.H, m0, span, 200);
        datasets.push(lineDataset('mean field', trajectory.tau, trajectory.m, colors.black, { borderDash: [6, 4], borderWidth: 2 }));
      }
    } else {
      traces.options.scales.y.min = 0;
      traces.options.scales.y.title.text = `mean load λ sᵢ${config.experts > 8 ? ' (experts 1 to 8 of ' + config.experts + ')' : ''}`;
      const shown = Math.min(config.experts, 8);
      for (let i = 0; i < shown; i++) {
        datasets.push(lineDataset(`expert ${i + 1}`, records.tau, records.meanLoads.map((row) => row[i]),
          [colors.blue, colors.orange, colors.green, colors.purple, colors.vermillion, colors.sky, colors.yellow, colors.black][i]));
      }
    }
    replaceDatasets(traces, datasets);
  }

  function drawHistogram(run, counts, withTheory = true) {
    const { config, meanField } = run;
    const low = config.experts === 2 ? -1 : 0;
    const width = (1 - low) / counts.length;
    const centers = Array.from(counts, (_, b) => low + (b + 0.5) * width);
    const density = Array.from(counts, (count) => count / (config.replicas * width));
    histogram.options.scales.x.min = low;
    histogram.options.scales.x.title.text = config.experts === 2 ? 'imbalance m' : 'largest load maxᵢ λ sᵢ';
    const datasets = [lineDataset('simulation', centers, density, colors.blue,
      { stepped: 'middle', fill: 'origin', backgroundColor: withAlpha(colors.blue, 0.25) })];
    const epsilon = config.eta * config.lambda;
    if (withTheory && config.experts === 2 && meanField.K <= 1e6 && Math.abs(meanField.H) <= 100) {
      try {
        const theory = core.fokkerPlanckDensity(linkOf(config.mode), meanField.K, meanField.H, epsilon, 400);
        datasets.push(lineDataset('Fokker–Planck', theory.m, theory.density, colors.vermillion, { borderWidth: 2 }));
      } catch (error) {
        showError(`The Fokker–Planck density is not available here: ${error.message}`);
      }
    }
    replaceDatasets(histogram, datasets);
  }

  function drawHysteresis(run) {
    const { sweep, config, meanField, sweepRange } = run;
    hysteresis.options.scales.x.min = -sweepRange;
    hysteresis.options.scales.x.max = sweepRange;
    hysteresis.options.scales.x.ticks = { stepSize: sweepRange / 4 };
    const datasets = [];
    const link = linkOf(config.mode);
    if (meanField.K <= 1e6) {
      const branches = core.branches(link, 'H', -sweepRange, sweepRange, { K: meanField.K });
      let labelled = false;
      for (const segment of branches.segments) {
        const stable = segment.stability === 'stable';
        // Every segment is named for its stability, so exports name it too. The legend shows one of each.
        datasets.push(lineDataset(stable ? 'mean field (stable)' : 'mean field (unstable)', segment.points.map((p) => p.p),
          segment.points.map((p) => p.m), stable ? colors.grey : colors.lightGrey,
          { borderDash: stable ? [] : [6, 4], hiddenFromLegend: stable ? labelled : true }));
        if (stable) labelled = true;
      }
      if (branches.folds.length > 0) {
        datasets.push({ label: 'fold', data: branches.folds.map(({ p, m }) => ({ x: p, y: m })), showLine: false,
          pointStyle: 'rectRot', pointRadius: 5, backgroundColor: colors.black, borderColor: colors.black });
      }
    }
    if (sweep) {
      const up = Math.min(sweep.up, sweep.m.length);
      datasets.push({ label: 'H increasing', data: sweep.H.slice(0, up).map((H, i) => ({ x: H, y: sweep.m[i] })),
        showLine: true, borderColor: colors.blue, backgroundColor: colors.blue, pointStyle: 'triangle', pointRadius: 4, order: -1 });
      if (sweep.m.length > sweep.up) {
        datasets.push({ label: 'H decreasing', data: sweep.H.slice(up, sweep.m.length).map((H, i) => ({ x: H, y: sweep.m[up + i] })),
          showLine: true, borderColor: colors.orange, backgroundColor: colors.orange, pointStyle: 'triangle',
          pointRotation: 180, pointRadius: 4, order: -1 });
      }
    }
    replaceDatasets(hysteresis, datasets);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    start('simulate');
  });
  // A sandboxed frame without allow-forms blocks form submission, so Enter
  // in a field starts the run here instead of through submit.
  form.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.target.tagName !== 'INPUT' || elements.run.disabled) return;
    event.preventDefault();
    start('simulate');
  });
  elements.sweep.addEventListener('click', () => start('hysteresis'));
  elements.cancel.addEventListener('click', cancel);
  form.addEventListener('input', () => {
    showError(null);
    showDerived();
  });
  showDerived();
  setRunning(false);
  return { start, cancel };
}

function emptyRecords() {
  return { tau: [], quantiles: [], traces: [], meanLoads: [] };
}

// Appends a chunk of records from the worker, unpacked into per-record rows.
function appendRecords(records, chunk, config) {
  const n = config.experts;
  const k = config.traced;
  for (let w = 0; w < chunk.count; w++) {
    records.tau.push(chunk.tau[w]);
    records.quantiles.push(Array.from(chunk.quantiles.subarray(w * QUANTILE_LEVELS.length, (w + 1) * QUANTILE_LEVELS.length)));
    records.meanLoads.push(Array.from(chunk.meanLoads.subarray(w * n, (w + 1) * n)));
    for (let t = 0; t < k; t++) {
      if (!records.traces[t]) records.traces[t] = [];
      const base = (w * k + t) * n;
      records.traces[t].push(n === 2 ? chunk.traces[base] - chunk.traces[base + 1] : chunk.traces[base]);
    }
  }
}
