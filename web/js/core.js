// The only module that touches the WebAssembly core's memory.
//
// loadCore() instantiates build/wasm/moe_bif.wasm (the flat ABI of
// c/wasm_api.c) without Emscripten's generated loader, so the same code runs
// in browsers, workers and Node: pass { url } to fetch the module or
// { bytes } to use bytes read elsewhere. Every call copies its results out
// of the module's memory into plain arrays and frees its buffers, and heap
// views are created after each call because a call may grow the memory.

export const ABI_VERSION = 2;

export const LINKS = Object.freeze(['tanh', 'erf']);
export const VARY = Object.freeze(['K', 'H']);
export const STABILITY = Object.freeze(['stable', 'unstable', 'marginal']);
export const POINT_KINDS = Object.freeze(['regular', 'boundary', 'fold', 'branch']);
export const ROUTE_MODES = Object.freeze(['sample', 'gumbel-top1', 'noisy-top1']);
export const QUANTILE_LEVELS = Object.freeze([0.05, 0.25, 0.5, 0.75, 0.95]);
export const MOE_ROUTING = Object.freeze(['dense', 'top1', 'topk', 'sample']);
export const MOE_LOSSES = Object.freeze(['cross-entropy', 'squared-error']);
export const MOE_OPTIMIZERS = Object.freeze(['adam', 'sgd']);
export const PREPROCESSING = Object.freeze(['scale', 'standardise']);
// The order of the settings array of mb_wasm_trainer_create.
const TRAINER_FIELDS = Object.freeze(['inputs', 'classes', 'experts', 'hidden', 'k', 'routing', 'loss', 'optimizer',
  'beta', 'learningRate', 'momentum', 'auxLoss', 'zLoss', 'capacityFactor', 'balanceRate', 'routerDecay', 'batch',
  'seed', 'reference']);
// The names of the core's parameter table for the trainer's settings.
const TRAINER_PARAMETER_NAMES = Object.freeze({ inputs: 'inputs', classes: 'classes', experts: 'experts',
  hidden: 'expert-hidden', k: 'k', beta: 'beta', learningRate: 'learning-rate', momentum: 'momentum',
  auxLoss: 'aux-loss', zLoss: 'z-loss', capacityFactor: 'capacity-factor', balanceRate: 'balance-rate',
  routerDecay: 'router-decay', batch: 'batch', seed: 'seed' });
const METRIC_NAMES = Object.freeze(['epoch', 'trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy', 'auxLoss',
  'zLoss', 'routerEntropy', 'dropped', 'droppedFraction', 'imbalance']);
const STATUS_PARSE = 12;
const STATUS_EMPTY_INTERVAL = 8;
export const STATUS_DIVERGED = 13;

const STATUS_LENGTH_MISMATCH = 9;
const MAX_BUFFER_VALUES = 2 ** 26; // 512 MiB of doubles, below the 2 GiB the module can address
const STATUS_MEMORY_LIMIT = 10;

const STATUS_OUT_OF_RANGE = 3;
const EQUILIBRIA_MAX = 3;

/** An error from the core or from argument checks, with a message for people. */
export class CoreError extends Error {
  constructor(message, { status = null, parameter = null, value = undefined } = {}) {
    super(message);
    this.name = 'CoreError';
    this.status = status;
    this.parameter = parameter;
    this.value = value;
  }
}

/** Formats a parameter range as "[0, 1000000]" or "(-1, 1)". */
export function formatRange(info) {
  return `${info.minInclusive ? '[' : '('}${info.min}, ${info.max}${info.maxInclusive ? ']' : ')'}`;
}

/**
 * Instantiates the core. source is { url } (fetched) or { bytes } (an
 * ArrayBuffer or typed array of the .wasm file).
 */
export async function loadCore(source) {
  let bytes = source?.bytes;
  if (bytes === undefined) {
    if (!source?.url) throw new TypeError('loadCore needs { url } or { bytes }');
    const response = await fetch(source.url);
    if (!response.ok) {
      throw new CoreError(`Failed to load the WebAssembly core from ${source.url}: HTTP ${response.status}`);
    }
    bytes = await response.arrayBuffer();
  }
  const imports = { env: { emscripten_notify_memory_growth: () => {} } };
  const { instance } = await WebAssembly.instantiate(bytes, imports);
  const wasm = instance.exports;
  if (typeof wasm._initialize === 'function') wasm._initialize();
  const version = wasm.mb_wasm_abi_version();
  if (version !== ABI_VERSION) {
    throw new CoreError(`The WebAssembly core has ABI version ${version}, but this page expects ${ABI_VERSION}. Rebuild with 'bash build.sh'.`);
  }
  return new Core(wasm);
}

class Core {
  #wasm;
  #params;

  constructor(wasm) {
    this.#wasm = wasm;
    this.#params = this.#readParameterTable();
  }

  /** The parameter table of the core: name, min, max, inclusivity, integer. */
  get parameters() {
    return this.#params;
  }

  /** Returns null when value is valid for the named parameter, else a message. */
  checkParameter(name, value) {
    const info = this.#params.find((entry) => entry.name === name);
    if (!info) throw new TypeError(`unknown parameter '${name}'`);
    if (typeof value !== 'number' || Number.isNaN(value)) {
      return `${name} must be a number${info.integer ? ' (a whole number)' : ''} in ${formatRange(info)}, not ${describe(value)}.`;
    }
    if (this.#wasm.mb_wasm_param_check(info.id, value) !== 0) {
      const kind = info.integer ? 'a whole number in' : 'in';
      return `${name} = ${value} is out of range: ${name} must be ${kind} ${formatRange(info)}.`;
    }
    return null;
  }

  /** Finds all equilibria at (K, H), sorted by m: [{ m, eigenvalue, stability }]. */
  equilibria(link, K, H) {
    const linkId = linkIndex(link);
    return this.#withBuffers({ m: ['f64', EQUILIBRIA_MAX], eigenvalue: ['f64', EQUILIBRIA_MAX],
      stability: ['i32', EQUILIBRIA_MAX], count: ['i32', 1], bad: ['i32', 1] }, (buffers) => {
      const status = this.#wasm.mb_wasm_equilibria(linkId, K, H, buffers.m, buffers.eigenvalue,
        buffers.stability, buffers.count, buffers.bad);
      this.#throwOnStatus(status, 'equilibria', buffers.bad, { K, H });
      const count = this.#read('i32', buffers.count, 1)[0];
      const m = this.#read('f64', buffers.m, count);
      const eigenvalue = this.#read('f64', buffers.eigenvalue, count);
      const stability = this.#read('i32', buffers.stability, count);
      return Array.from(m, (value, i) => ({
        m: value, eigenvalue: eigenvalue[i], stability: STABILITY[stability[i]],
      }));
    });
  }

  /** Samples F(m) and V(m) at samples values of m spaced evenly on [-1, 1]. */
  field(link, K, H, samples = 201) {
    const linkId = linkIndex(link);
    return this.#withBuffers({ m: ['f64', samples], F: ['f64', samples], V: ['f64', samples], bad: ['i32', 1] },
      (buffers) => {
        const status = this.#wasm.mb_wasm_field_sample(linkId, K, H, samples, buffers.m, buffers.F,
          buffers.V, buffers.bad);
        this.#throwOnStatus(status, 'field', buffers.bad, { K, H, samples });
        return {
          m: this.#read('f64', buffers.m, samples),
          F: this.#read('f64', buffers.F, samples),
          V: this.#read('f64', buffers.V, samples),
        };
      }, samples);
  }

  /** Integrates m(tau) from m0 and samples it at evenly spaced times on [0, tau]. */
  trajectory(link, K, H, m0, tau, samples = 201, { rtol = 1e-8, atol = 1e-10 } = {}) {
    const linkId = linkIndex(link);
    return this.#withBuffers({ tau: ['f64', samples], m: ['f64', samples], steps: ['f64', 3], bad: ['i32', 1] },
      (buffers) => {
        const status = this.#wasm.mb_wasm_trajectory(linkId, K, H, m0, tau, samples, rtol, atol,
          buffers.tau, buffers.m, buffers.steps, buffers.bad);
        this.#throwOnStatus(status, 'trajectory', buffers.bad, { K, H, m0, tau, samples, rtol, atol });
        const steps = this.#read('f64', buffers.steps, 3);
        return {
          tau: this.#read('f64', buffers.tau, samples),
          m: this.#read('f64', buffers.m, samples),
          steps: { accepted: steps[0], rejected: steps[1], evaluations: steps[2] },
        };
      }, samples);
  }

  /** Computes H_c(K), the half-width of the bistable interval, and |m| at its folds. */
  criticalH(link, K) {
    const linkId = linkIndex(link);
    return this.#withBuffers({ out: ['f64', 2] }, (buffers) => {
      const status = this.#wasm.mb_wasm_fold_critical_h(linkId, K, buffers.out);
      this.#throwOnStatus(status, 'criticalH', null, { K }, 'K');
      const [criticalH, mFold] = this.#read('f64', buffers.out, 2);
      return { criticalH, mFold };
    });
  }

  /** Samples the upper fold curve H = H_c(K) at samples values of K on [1, KMax]. */
  foldCurve(link, KMax, samples = 200) {
    const linkId = linkIndex(link);
    return this.#withBuffers({ K: ['f64', samples], H: ['f64', samples] }, (buffers) => {
      const status = this.#wasm.mb_wasm_fold_curve(linkId, KMax, samples, buffers.K, buffers.H);
      this.#throwOnStatus(status, 'foldCurve', null, { KMax, samples }, 'K');
      return { K: this.#read('f64', buffers.K, samples), H: this.#read('f64', buffers.H, samples) };
    }, samples);
  }

  /** Computes the fold point with parameter z = kappa*m + H: { K, H, m }. */
  foldPoint(link, z) {
    const linkId = linkIndex(link);
    return this.#withBuffers({ out: ['f64', 3] }, (buffers) => {
      const status = this.#wasm.mb_wasm_fold_point(linkId, z, buffers.out);
      this.#throwOnStatus(status, 'foldPoint', null, { z }, 'z');
      const [K, H, m] = this.#read('f64', buffers.out, 3);
      return { K, H, m };
    });
  }

  /** Computes the normal-form coefficients near the cusp, with the amplitude and H_c estimates. */
  normalForm(link, K, H) {
    const linkId = linkIndex(link);
    return this.#withBuffers({ out: ['f64', 8], bad: ['i32', 1] }, (buffers) => {
      const status = this.#wasm.mb_wasm_normal_form(linkId, K, H, buffers.out, buffers.bad);
      this.#throwOnStatus(status, 'normalForm', buffers.bad, { K, H });
      const [hCoefficient, mu, cubic, mScale, a, b, amplitude, criticalH] = this.#read('f64', buffers.out, 8);
      return { hCoefficient, mu, cubic, mScale, a, b, amplitude, criticalH };
    });
  }

  /**
   * Branches of equilibria as `vary` ('K' or 'H') runs over [from, to] with
   * the other parameter fixed. Returns { points, branchCount, segments,
   * folds, branchPoints }; see splitSegments for the segments.
   */
  branches(link, vary, from, to, { K = 2, H = 0, maxPoints = 100000 } = {}) {
    const linkId = linkIndex(link);
    const varyId = VARY.indexOf(vary);
    if (varyId < 0) throw new CoreError(`vary must be 'K' or 'H', not ${describe(vary)}.`);
    if (from >= to) {
      throw new CoreError(`The window of ${vary} is empty: from (${from}) must be less than to (${to}).`,
        { parameter: 'from', value: from });
    }
    const wasm = this.#wasm;
    return this.#withBuffers({ status: ['i32', 1], bad: ['i32', 1] }, (buffers) => {
      const handle = wasm.mb_wasm_branches_compute(linkId, varyId, from, to, K, H, maxPoints,
        buffers.status, buffers.bad);
      if (handle === 0) {
        const status = this.#read('i32', buffers.status, 1)[0];
        const values = vary === 'K' ? { K: [from, to], H } : { H: [from, to], K };
        this.#throwOnStatus(status, 'branches', buffers.bad, { ...values, maxPoints, from, to });
      }
      try {
        const count = wasm.mb_wasm_branches_point_count(handle);
        const branchCount = wasm.mb_wasm_branches_branch_count(handle);
        return this.#withBuffers({ p: ['f64', count], m: ['f64', count], jump: ['f64', count],
          stability: ['i32', count], kind: ['i32', count], branch: ['i32', count] }, (arrays) => {
          wasm.mb_wasm_branches_copy(handle, arrays.p, arrays.m, arrays.jump, arrays.stability,
            arrays.kind, arrays.branch);
          const p = this.#read('f64', arrays.p, count);
          const m = this.#read('f64', arrays.m, count);
          const jump = this.#read('f64', arrays.jump, count);
          const stability = this.#read('i32', arrays.stability, count);
          const kind = this.#read('i32', arrays.kind, count);
          const branch = this.#read('i32', arrays.branch, count);
          const points = Array.from(p, (value, i) => ({
            p: value, m: m[i], stability: STABILITY[stability[i]], kind: POINT_KINDS[kind[i]],
            branch: branch[i], jump: Number.isNaN(jump[i]) ? null : jump[i],
          }));
          return {
            points,
            branchCount,
            segments: splitSegments(points),
            folds: points.filter((point) => point.kind === 'fold'),
            branchPoints: points.filter((point) => point.kind === 'branch'),
          };
        });
      } finally {
        wasm.mb_wasm_branches_free(handle);
      }
    });
  }

  /**
   * Computes the stationary Fokker-Planck density of the imbalance for step
   * size epsilon = eta*lambda on `count` cells of [-1, 1]: { m, density }.
   */
  fokkerPlanckDensity(link, K, H, epsilon, count = 400) {
    const linkId = linkIndex(link);
    this.#checkEpsilon(epsilon);
    const message = this.checkParameter('samples', count);
    if (message) throw new CoreError(message, { parameter: 'samples', value: count });
    return this.#withBuffers({ m: ['f64', count], density: ['f64', count], bad: ['i32', 1] }, (buffers) => {
      const status = this.#wasm.mb_wasm_fokker_planck_density(linkId, K, H, epsilon, count, buffers.m, buffers.density, buffers.bad);
      this.#throwOnStatus(status, 'fokkerPlanckDensity', buffers.bad, { K, H, samples: count });
      return { m: this.#read('f64', buffers.m, count), density: this.#read('f64', buffers.density, count) };
    }, count);
  }

  /** Returns the natural logarithm of the mean first-passage time from `from` to `to`, in tau. */
  logPassageTime(link, K, H, epsilon, from, to) {
    const linkId = linkIndex(link);
    this.#checkEpsilon(epsilon);
    return this.#withBuffers({ out: ['f64', 1], bad: ['i32', 1] }, (buffers) => {
      const status = this.#wasm.mb_wasm_fokker_planck_log_passage_time(linkId, K, H, epsilon, from, to, buffers.out, buffers.bad);
      this.#throwOnStatus(status, 'logPassageTime', buffers.bad, { K, H });
      return this.#read('f64', buffers.out, 1)[0];
    });
  }

  /** Returns the logarithm of the Kramers estimate of the switching time, or null when not bistable. */
  logKramersTime(link, K, H, epsilon) {
    const linkId = linkIndex(link);
    this.#checkEpsilon(epsilon);
    return this.#withBuffers({ out: ['f64', 1], bad: ['i32', 1] }, (buffers) => {
      const status = this.#wasm.mb_wasm_fokker_planck_log_kramers(linkId, K, H, epsilon, buffers.out, buffers.bad);
      if (status === STATUS_OUT_OF_RANGE && this.checkParameter('K', K) === null && this.checkParameter('H', H) === null) {
        return null;
      }
      this.#throwOnStatus(status, 'logKramersTime', buffers.bad, { K, H });
      return this.#read('f64', buffers.out, 1)[0];
    });
  }

  #checkEpsilon(epsilon) {
    if (!(epsilon > 0 && epsilon < 1)) {
      throw new CoreError(`epsilon must be a number in (0, 1), not ${describe(epsilon)}.`, { parameter: 'epsilon', value: epsilon });
    }
  }

  /** Returns the mean-field K and H of a router configuration (H is NaN for N > 2). */
  routerMeanField({ experts = 2, mode = 'sample', beta, lambda = 1, sigma = 1, bias = null }) {
    const modeId = modeIndex(mode);
    const values = bias ?? new Array(experts).fill(0);
    return this.#withBuffers({ bias: ['f64', values.length], out: ['f64', 2] }, (buffers) => {
      this.#write('f64', buffers.bias, values);
      this.#wasm.mb_wasm_router_mean_field(experts, modeId, beta, lambda, sigma, buffers.bias, values.length, buffers.out);
      const [K, H] = this.#read('f64', buffers.out, 2);
      return { K, H };
    });
  }

  /**
   * Starts a run of the discrete router. config: { experts, mode, beta, eta,
   * lambda, sigma, bias (experts values), initialScores (optional),
   * replicas, steps, recordEvery, traced, threshold, seed, vector }.
   * Returns a RouterRun; call dispose() when done with it.
   */
  createRouter(config) {
    const {
      experts = 2, mode = 'sample', beta, eta, lambda = 1, sigma = 1, bias = null, initialScores = null,
      replicas = 1000, steps, recordEvery = Math.max(1, Math.ceil(steps / 1000)), traced = 0,
      threshold = 0, switchAfter = 0, seed = 1, vector = true,
    } = config;
    const modeId = modeIndex(mode);
    const biasValues = bias ?? new Array(experts).fill(0);
    this.#checkRouterShape({ experts, biasValues, initialScores, replicas, steps, seed, recordEvery, traced });

    const wasm = this.#wasm;
    const handle = this.#withBuffers({ bias: ['f64', experts], initial: ['f64', experts], status: ['i32', 1], bad: ['i32', 1] },
      (buffers) => {
        this.#write('f64', buffers.bias, biasValues);
        if (initialScores) this.#write('f64', buffers.initial, initialScores);
        const pointer = wasm.mb_wasm_router_create(experts, modeId, beta, eta, lambda, sigma, buffers.bias, experts,
          initialScores ? buffers.initial : 0, replicas, steps, recordEvery, traced, threshold, switchAfter, seed,
          vector ? 1 : 0, buffers.status, buffers.bad);
        if (pointer === 0) {
          const status = this.#read('i32', buffers.status, 1)[0];
          const values = { beta, eta, lambda, sigma, replicas, steps, seed, traced, threshold, N: experts,
            'switch-after': switchAfter,
            'record-every': recordEvery, 'eta*lambda': eta * lambda,
            h: biasValues.find((value) => this.checkParameter('h', value) !== null),
            'initial score': initialScores?.find((value) => this.checkParameter('initial score', value) !== null) };
          this.#throwRouterError(status, buffers.bad, values);
        }
        return pointer;
      });
    return new RouterRun(this, wasm, handle, { experts, replicas, traced, steps, recordEvery });
  }

  // Checks the sizes of a router run that the core takes as separate
  // arguments, so that no buffer is written past its end.
  #checkRouterShape({ experts, biasValues, initialScores, replicas, steps, seed, recordEvery, traced }) {
    if (!Number.isInteger(experts) || experts < 2 || experts > 256) {
      const message = this.checkParameter('N', experts) ?? `N must be a whole number in [2, 256].`;
      throw new CoreError(message, { parameter: 'N', value: experts });
    }
    if (biasValues.length !== experts) {
      throw new CoreError(`h must have N = ${experts} values, not ${biasValues.length}.`, { parameter: 'h', value: biasValues });
    }
    if (initialScores && initialScores.length !== experts) {
      throw new CoreError(`The initial scores must have N = ${experts} values, not ${initialScores.length}.`,
        { parameter: 'initial score', value: initialScores });
    }
    for (const [name, value] of [['replicas', replicas], ['steps', steps], ['seed', seed],
      ['record-every', recordEvery], ['traced', traced]]) {
      const message = this.checkParameter(name, value);
      if (message) throw new CoreError(message, { parameter: name, value });
    }
    if (recordEvery > steps) {
      throw new CoreError(`record-every (${recordEvery}) must not exceed steps (${steps}).`, { parameter: 'record-every', value: recordEvery });
    }
    if (traced > replicas) {
      throw new CoreError(`traced (${traced}) must not exceed replicas (${replicas}).`, { parameter: 'traced', value: traced });
    }
  }

  // Turns a failed mb_wasm_router_create into a CoreError; values maps the
  // parameter names of the core's table to what the caller passed.
  #throwRouterError(status, badPointer, values) {
    const { N: experts, replicas, steps, traced } = values;
    const recordEvery = values['record-every'];
    if (status === STATUS_MEMORY_LIMIT) {
      const needed = this.#wasm.mb_wasm_router_memory_estimate(experts, replicas, steps, recordEvery, traced);
      const limit = this.#wasm.mb_wasm_router_memory_limit();
      throw new CoreError(`The run would need ${(needed / 1048576).toFixed(0)} MiB, more than the limit of `
        + `${(limit / 1048576).toFixed(0)} MiB. Use fewer replicas or experts.`, { status, parameter: 'replicas' });
    }
    if (status === STATUS_LENGTH_MISMATCH) {
      throw new CoreError(`h must have N = ${experts} values.`, { status, parameter: 'h' });
    }
    if (status === STATUS_OUT_OF_RANGE) {
      const id = this.#read('i32', badPointer, 1)[0];
      const info = this.#params.find((entry) => entry.id === id);
      if (info?.name === 'record-every') {
        throw new CoreError(`record-every = ${recordEvery} would record ${Math.floor(steps / recordEvery)} windows; `
          + `use at least ${Math.ceil(steps / 20000)}.`, { status, parameter: 'record-every', value: recordEvery });
      }
      if (info?.name === 'steps' && this.checkParameter('steps', steps) === null) {
        // Every digit, because rounding to a few can print the limit itself.
        throw new CoreError(`The run is too long: replicas × steps × N = ${(replicas * steps * experts).toLocaleString('en')} `
          + 'exceeds 40,000,000,000. Use fewer replicas or steps.', { status, parameter: 'steps', value: steps });
      }
    }
    this.#throwOnStatus(status, 'createRouter', badPointer, values);
  }

  /**
   * Parses a data set from CSV text (one example per line: `inputs` values
   * in [0, maxValue], then a label in [0, classes)). Returns a Dataset;
   * a malformed file gives a CoreError that names the line.
   */
  parseDataset(text, { inputs, classes, maxValue }) {
    const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    const handle = this.#withBuffers({ text: ['u8', bytes.length], status: ['i32', 1], line: ['f64', 1] }, (buffers) => {
      this.#write('u8', buffers.text, bytes);
      const pointer = this.#wasm.mb_wasm_dataset_parse(buffers.text, bytes.length, inputs, classes, maxValue,
        buffers.status, buffers.line);
      if (pointer === 0) {
        const status = this.#read('i32', buffers.status, 1)[0];
        const line = this.#read('f64', buffers.line, 1)[0];
        if (status === STATUS_PARSE) {
          throw new CoreError(line === 0 ? 'The data file contains no example.'
            : `The data file is malformed at line ${line}: expected ${inputs} numbers in [0, ${maxValue}] and a label `
              + `0 to ${classes - 1}, separated by commas.`, { status });
        }
        this.#throwOnStatus(status, 'parseDataset', null, {});
      }
      return pointer;
    });
    return new Dataset(this, this.#wasm, handle);
  }

  /** Draws the synthetic task: a linear teacher that every expert can learn alone. */
  syntheticDataset({ examples, inputs, classes, seed }) {
    for (const [name, value] of [['examples', examples], ['inputs', inputs], ['classes', classes], ['seed', seed]]) {
      const message = this.checkParameter(name, value);
      if (message) throw new CoreError(message, { parameter: name, value });
    }
    const handle = this.#withBuffers({ status: ['i32', 1] }, (buffers) => {
      const pointer = this.#wasm.mb_wasm_dataset_synthetic(examples, inputs, classes, seed, buffers.status);
      if (pointer === 0) this.#throwOnStatus(this.#read('i32', buffers.status, 1)[0], 'syntheticDataset', null, {});
      return pointer;
    });
    return new Dataset(this, this.#wasm, handle);
  }

  /** Preprocesses train and test in place ('scale' or 'standardise'), with statistics of train. */
  preprocess(train, test, mode, maxValue) {
    const index = PREPROCESSING.indexOf(mode);
    if (index < 0) throw new CoreError(`preprocess must be one of ${PREPROCESSING.join(', ')}, not ${describe(mode)}.`);
    const status = this.#wasm.mb_wasm_dataset_preprocess(train._handle(), test._handle(), index, maxValue);
    this.#throwOnStatus(status, 'preprocess', null, {});
  }

  /**
   * Creates a trainer. settings: { experts, hidden, k, routing, loss,
   * optimizer, beta, learningRate, momentum, auxLoss, zLoss,
   * capacityFactor (null: no limit), balanceRate, routerDecay, batch, seed,
   * reference (true: the reference kernels) }; inputs and classes come from
   * the data. Returns a Trainer; call dispose() when done with it.
   */
  createTrainer(settings, train, test) {
    const full = { ...settings, inputs: train.inputs, classes: train.classes };
    const values = TRAINER_FIELDS.map((name) => {
      const value = full[name];
      if (name === 'routing') return enumIndex(MOE_ROUTING, 'routing', value);
      if (name === 'loss') return enumIndex(MOE_LOSSES, 'loss', value);
      if (name === 'optimizer') return enumIndex(MOE_OPTIMIZERS, 'optimizer', value);
      if (name === 'reference') return value ? 1 : 0;
      if (name === 'capacityFactor' && (value === null || value === undefined)) return -1;
      if (name === 'k' && full.routing !== 'topk') return value ?? 1;
      const parameter = TRAINER_PARAMETER_NAMES[name];
      const message = parameter ? this.checkParameter(parameter, value) : null;
      if (message) throw new CoreError(message, { parameter, value });
      return value;
    });
    if (full.routing === 'topk' && full.k > full.experts) {
      throw new CoreError(`k = ${full.k} is more than the ${full.experts} experts: topk routing needs k <= experts.`,
        { parameter: 'k', value: full.k });
    }
    const wasm = this.#wasm;
    const handle = this.#withBuffers({ fields: ['f64', values.length], status: ['i32', 1], bad: ['i32', 1] }, (buffers) => {
      this.#write('f64', buffers.fields, values);
      const pointer = wasm.mb_wasm_trainer_create(buffers.fields, values.length, train._handle(), test._handle(),
        buffers.status, buffers.bad);
      if (pointer === 0) {
        const status = this.#read('i32', buffers.status, 1)[0];
        if (status === STATUS_MEMORY_LIMIT) {
          const needed = wasm.mb_wasm_trainer_memory_estimate(buffers.fields);
          throw new CoreError(`The model would need ${(needed / 1048576).toFixed(0)} MiB, more than the limit of `
            + `${(wasm.mb_wasm_trainer_memory_limit() / 1048576).toFixed(0)} MiB. Use fewer experts or hidden units.`,
          { status, parameter: 'experts' });
        }
        const named = Object.fromEntries(Object.entries(TRAINER_PARAMETER_NAMES).map(([key, name]) => [name, full[key]]));
        named['learning-rate*router-decay'] = full.learningRate * full.routerDecay;
        this.#throwOnStatus(status, 'createTrainer', buffers.bad, named);
      }
      return pointer;
    });
    return new Trainer(this, wasm, handle, { experts: full.experts, classes: full.classes });
  }

  /** Returns the mean-field |m| of two experts at H = 0: the positive root of m = tanh(K m), 0 for K <= 1. */
  meanFieldImbalance(K) {
    return this.#wasm.mb_wasm_mean_field_imbalance(K);
  }

  /** Returns K_eff = artanh(m)/m, or NaN for m outside [0.05, 0.95], where it is not pinned down. */
  effectiveFeedback(imbalance) {
    return this.#wasm.mb_wasm_effective_feedback(imbalance);
  }

  /**
   * Fits K_eff = gain * x by least squares in log K_eff over the settings
   * whose imbalance pins K_eff down. Returns { gain, rms, used }: rms is the
   * residual in log K_eff; gain and rms are NaN when no setting was used.
   */
  fitGain(x, imbalance) {
    if (x.length !== imbalance.length || x.length === 0) {
      throw new CoreError(`fitGain needs as many settings as imbalances, at least one; got ${x.length} and ${imbalance.length}.`);
    }
    return this.#withBuffers({ x: ['f64', x.length], m: ['f64', x.length], out: ['f64', 3] }, (buffers) => {
      this.#write('f64', buffers.x, x);
      this.#write('f64', buffers.m, imbalance);
      const status = this.#wasm.mb_wasm_fit_gain(buffers.x, buffers.m, x.length, buffers.out);
      if (status !== STATUS_EMPTY_INTERVAL) this.#throwOnStatus(status, 'fitGain', null, {});
      const [gain, rms, used] = this.#read('f64', buffers.out, 3);
      return { gain, rms, used };
    });
  }

  // Package-private helpers for RouterRun, Dataset and Trainer.
  _read(type, pointer, length) {
    return this.#read(type, pointer, length);
  }

  _withBuffers(spec, body) {
    return this.#withBuffers(spec, body);
  }

  _write(type, pointer, values) {
    this.#write(type, pointer, values);
  }

  _throwOnStatus(status, operation) {
    this.#throwOnStatus(status, operation, null, {});
  }

  #readParameterTable() {
    const count = this.#wasm.mb_wasm_param_count();
    const table = [];
    for (let id = 0; id < count; id++) {
      this.#withBuffers({ out: ['f64', 5] }, (buffers) => {
        const namePointer = this.#wasm.mb_wasm_param_info(id, buffers.out);
        const [min, max, minInclusive, maxInclusive, integer] = this.#read('f64', buffers.out, 5);
        table.push(Object.freeze({ id, name: this.#readString(namePointer), min, max,
          minInclusive: minInclusive === 1, maxInclusive: maxInclusive === 1, integer: integer === 1 }));
      });
    }
    return Object.freeze(table);
  }

  // Allocates one buffer per entry of spec ({ name: [type, length] }), calls
  // body with their addresses and frees them in a finally block. sizeHint is
  // the caller's sample count, checked against the samples range before
  // anything is allocated. Every length is checked too, because a byte count
  // beyond 2^31 would wrap in the module's int argument.
  #withBuffers(spec, body, sizeHint = null) {
    if (sizeHint !== null) {
      const message = this.checkParameter('samples', sizeHint);
      if (message) throw new CoreError(message, { parameter: 'samples', value: sizeHint });
    }
    const pointers = {};
    try {
      for (const [name, [type, length]] of Object.entries(spec)) {
        if (!Number.isInteger(length) || length < 0 || length > MAX_BUFFER_VALUES) {
          throw new CoreError(`Invalid buffer length ${describe(length)} for ${name}: at most ${MAX_BUFFER_VALUES} values.`);
        }
        const bytes = Math.max(1, length) * VIEWS[type].BYTES_PER_ELEMENT;
        const pointer = this.#wasm.mb_wasm_alloc(bytes);
        if (pointer === 0) throw new CoreError(`Out of memory: could not allocate ${bytes} bytes.`);
        pointers[name] = pointer;
      }
      return body(pointers);
    } finally {
      for (const pointer of Object.values(pointers)) this.#wasm.mb_wasm_free(pointer);
    }
  }

  #read(type, pointer, length) {
    return new VIEWS[type](this.#wasm.memory.buffer, pointer, length).slice();
  }

  #write(type, pointer, values) {
    new VIEWS[type](this.#wasm.memory.buffer, pointer, values.length).set(values);
  }

  #readString(pointer) {
    if (pointer === 0) return null;
    const bytes = new Uint8Array(this.#wasm.memory.buffer);
    let end = pointer;
    while (bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(pointer, end));
  }

  // Turns a non-zero status into a CoreError. A range error names the
  // parameter from *bad (or fallbackParameter) with its value and range.
  #throwOnStatus(status, operation, badPointer, values, fallbackParameter = null) {
    if (status === 0) return;
    if (status === STATUS_OUT_OF_RANGE) {
      const id = badPointer !== null ? this.#read('i32', badPointer, 1)[0] : -1;
      const info = this.#params.find((entry) => entry.id === id)
        ?? this.#params.find((entry) => entry.name === fallbackParameter);
      if (info) {
        const value = values[info.name];
        const shown = Array.isArray(value) ? value.find((v) => this.checkParameter(info.name, v) !== null) : value;
        const message = this.checkParameter(info.name, shown) ?? `${info.name} is out of range ${formatRange(info)}.`;
        throw new CoreError(message, { status, parameter: info.name, value: shown });
      }
    }
    const text = this.#readString(this.#wasm.mb_wasm_status_string(status));
    throw new CoreError(`${operation} failed: ${text}.`, { status });
  }
}

/** A run of the discrete router inside the WebAssembly module. */
class RouterRun {
  #core;
  #wasm;
  #handle;

  constructor(core, wasm, handle, shape) {
    this.#core = core;
    this.#wasm = wasm;
    this.#handle = handle;
    this.experts = shape.experts;
    this.replicas = shape.replicas;
    this.traced = shape.traced;
    this.steps = shape.steps;
    this.recordEvery = shape.recordEvery;
  }

  #live() {
    if (this.#handle === 0) throw new CoreError('This router run has been disposed.');
    return this.#handle;
  }

  /** Advances every replica by up to `steps` steps; returns the steps done so far. */
  advance(steps) {
    const status = this.#wasm.mb_wasm_router_advance(this.#live(), steps);
    if (status !== 0) this.#core._throwOnStatus(status, 'advance');
    return this.stepsDone;
  }

  get stepsDone() {
    return this.#wasm.mb_wasm_router_steps_done(this.#live());
  }

  get recordCount() {
    return this.#wasm.mb_wasm_router_record_count(this.#live());
  }

  /**
   * Copies records [from, recordCount) out of the module: tau, meanLoads and
   * meanWindowLoads (N per record), quantiles (5 per record), meanAbsM, and
   * traces and traceWindowLoads (traced * N per record).
   */
  records(from = 0) {
    const handle = this.#live();
    const total = this.recordCount;
    if (!Number.isInteger(from) || from < 0 || from > total) {
      throw new CoreError(`records(from): from must be a whole number in [0, ${total}], not ${from}.`);
    }
    const count = total - from;
    const n = this.experts;
    const k = this.traced;
    const read = (pointer, width) => this.#core._read('f64', pointer + from * width * 8, count * width);
    return {
      from,
      count,
      tau: read(this.#wasm.mb_wasm_router_record_tau(handle), 1),
      meanLoads: read(this.#wasm.mb_wasm_router_record_mean_loads(handle), n),
      meanWindowLoads: read(this.#wasm.mb_wasm_router_record_mean_window_loads(handle), n),
      quantiles: read(this.#wasm.mb_wasm_router_record_quantiles(handle), QUANTILE_LEVELS.length),
      meanAbsM: read(this.#wasm.mb_wasm_router_record_mean_abs_m(handle), 1),
      traces: read(this.#wasm.mb_wasm_router_record_traces(handle), k * n),
      traceWindowLoads: read(this.#wasm.mb_wasm_router_record_trace_window_loads(handle), k * n),
    };
  }

  /** Counts replicas by m (N = 2) or max_i x_i (N > 2) in `bins` bins on [low, high]. */
  histogram(bins, low, high) {
    return this.#core._withBuffers({ counts: ['f64', bins] }, (buffers) => {
      const status = this.#wasm.mb_wasm_router_histogram(this.#live(), bins, low, high, buffers.counts);
      if (status !== 0) this.#core._throwOnStatus(status, 'histogram');
      return this.#core._read('f64', buffers.counts, bins);
    });
  }

  /**
   * Returns { events, exposure, meanWaitingTime }: switches between the
   * collapsed states (N = 2), the time replicas spent in them, and the ratio.
   */
  switching() {
    return this.#core._withBuffers({ out: ['f64', 3] }, (buffers) => {
      this.#wasm.mb_wasm_router_switching(this.#live(), buffers.out);
      const [events, exposure, meanWaitingTime] = this.#core._read('f64', buffers.out, 3);
      return { events, exposure, meanWaitingTime };
    });
  }

  /** Copies the scores of every replica, replica-major: out[r*N + i]. */
  scores() {
    const length = this.replicas * this.experts;
    return this.#core._withBuffers({ out: ['f32', length] }, (buffers) => {
      const status = this.#wasm.mb_wasm_router_scores(this.#live(), buffers.out, length);
      if (status !== 0) this.#core._throwOnStatus(status, 'scores');
      return new Float32Array(this.#wasm.memory.buffer, buffers.out, length).slice();
    });
  }

  setBias(bias) {
    this.#core._withBuffers({ bias: ['f64', bias.length] }, (buffers) => {
      this.#core._write('f64', buffers.bias, bias);
      const status = this.#wasm.mb_wasm_router_set_bias(this.#live(), buffers.bias, bias.length);
      if (status !== 0) this.#core._throwOnStatus(status, 'setBias');
    });
  }

  setBeta(beta) {
    const status = this.#wasm.mb_wasm_router_set_beta(this.#live(), beta);
    if (status !== 0) this.#core._throwOnStatus(status, 'setBeta');
  }

  /** Frees the run's memory in the module. Safe to call twice. */
  dispose() {
    if (this.#handle !== 0) this.#wasm.mb_wasm_router_free(this.#handle);
    this.#handle = 0;
  }
}

/** A data set inside the module: count examples of `inputs` features and a label. */
class Dataset {
  #core;
  #wasm;
  #handle;

  constructor(core, wasm, handle) {
    this.#core = core;
    this.#wasm = wasm;
    this.#handle = handle;
    this.count = wasm.mb_wasm_dataset_count(handle);
    this.inputs = wasm.mb_wasm_dataset_inputs(handle);
    this.classes = wasm.mb_wasm_dataset_classes(handle);
  }

  _handle() {
    if (this.#handle === 0) throw new CoreError('This data set has been disposed.');
    return this.#handle;
  }

  /** Splits into new { train, test } data sets, stratified by class and seeded. */
  split(testFraction, seed) {
    for (const [name, value] of [['test-fraction', testFraction], ['seed', seed]]) {
      const message = this.#core.checkParameter(name, value);
      if (message) throw new CoreError(message, { parameter: name, value });
    }
    return this.#core._withBuffers({ out: ['i32', 2] }, (buffers) => {
      const status = this.#wasm.mb_wasm_dataset_split(this._handle(), testFraction, seed, buffers.out);
      if (status !== 0) this.#core._throwOnStatus(status, 'split');
      const [train, test] = this.#core._read('i32', buffers.out, 2);
      return { train: new Dataset(this.#core, this.#wasm, train), test: new Dataset(this.#core, this.#wasm, test) };
    });
  }

  /** Copies the features out, example-major: x[i * inputs + j]. */
  features() {
    return this.#core._read('f32', this.#wasm.mb_wasm_dataset_x(this._handle()), this.count * this.inputs);
  }

  labels() {
    return this.#core._read('i32', this.#wasm.mb_wasm_dataset_labels(this._handle()), this.count);
  }

  dispose() {
    if (this.#handle !== 0) this.#wasm.mb_wasm_dataset_free(this.#handle);
    this.#handle = 0;
  }
}

/** Training of the MoE inside the module, one epoch per call. */
class Trainer {
  #core;
  #wasm;
  #handle;

  constructor(core, wasm, handle, shape) {
    this.#core = core;
    this.#wasm = wasm;
    this.#handle = handle;
    this.experts = shape.experts;
    this.classes = shape.classes;
  }

  #live() {
    if (this.#handle === 0) throw new CoreError('This trainer has been disposed.');
    return this.#handle;
  }

  /**
   * Runs one epoch and returns its metrics: { epoch, trainLoss,
   * trainAccuracy, testLoss, testAccuracy, auxLoss, zLoss, routerEntropy,
   * dropped, droppedFraction, imbalance, loads, testLoads }. A diverged
   * run throws a CoreError with status STATUS_DIVERGED and keeps its state.
   */
  epoch() {
    const n = this.experts;
    const width = METRIC_NAMES.length + 2 * n;
    return this.#core._withBuffers({ out: ['f64', width] }, (buffers) => {
      const status = this.#wasm.mb_wasm_trainer_epoch(this.#live(), buffers.out);
      if (status === STATUS_DIVERGED) {
        throw new CoreError(`Training diverged in epoch ${this.epochsDone + 1}: the loss is not finite. `
          + 'Lower the learning rate.', { status });
      }
      if (status !== 0) this.#core._throwOnStatus(status, 'epoch');
      const values = this.#core._read('f64', buffers.out, width);
      const metrics = Object.fromEntries(METRIC_NAMES.map((name, i) => [name, values[i]]));
      metrics.loads = Array.from(values.subarray(METRIC_NAMES.length, METRIC_NAMES.length + n));
      metrics.testLoads = Array.from(values.subarray(METRIC_NAMES.length + n));
      return metrics;
    });
  }

  get epochsDone() {
    return this.#wasm.mb_wasm_trainer_epochs_done(this.#live());
  }

  get testCount() {
    return this.#wasm.mb_wasm_trainer_test_count(this.#live());
  }

  /** Counts of test examples of class c whose first expert is i: rows of N. */
  routingMatrix() {
    const flat = this.#core._read('i32', this.#wasm.mb_wasm_trainer_routing_matrix(this.#live()), this.classes * this.experts);
    return Array.from({ length: this.classes }, (_, c) => Array.from(flat.subarray(c * this.experts, (c + 1) * this.experts)));
  }

  /** Returns the confusion matrix: rows are true classes, columns predicted ones. */
  confusion() {
    const flat = this.#core._read('i32', this.#wasm.mb_wasm_trainer_confusion(this.#live()), this.classes * this.classes);
    return Array.from({ length: this.classes }, (_, c) => Array.from(flat.subarray(c * this.classes, (c + 1) * this.classes)));
  }

  /** Per test example: its first expert (-1 when dropped). */
  testExperts() {
    return this.#core._read('i32', this.#wasm.mb_wasm_trainer_test_experts(this.#live()), this.testCount);
  }

  testPredictions() {
    return this.#core._read('i32', this.#wasm.mb_wasm_trainer_test_predictions(this.#live()), this.testCount);
  }

  balanceBias() {
    return Array.from(this.#core._read('f32', this.#wasm.mb_wasm_trainer_balance_bias(this.#live()), this.experts));
  }

  dispose() {
    if (this.#handle !== 0) this.#wasm.mb_wasm_trainer_free(this.#handle);
    this.#handle = 0;
  }
}

/**
 * Splits branch points into segments of equal stability for drawing:
 * [{ branch, stability, points: [{ p, m }] }]. A fold or branch point ends
 * one segment and starts the next, so consecutive segments join up.
 */
export function splitSegments(points) {
  const segments = [];
  let start = 0;
  while (start < points.length - 1) {
    const branch = points[start].branch;
    let end = start + 1;
    if (points[end].branch !== branch) {
      start = end;
      continue;
    }
    // The start point may be a fold shared with the previous segment, so the
    // segment takes the stability of its first regular point.
    let stability = points[start + 1].stability;
    if (stability === 'marginal') stability = points[start].stability;
    for (let i = start + 1; stability === 'marginal' && i < points.length && points[i].branch === branch; i++) {
      stability = points[i].stability;
    }
    while (end < points.length && points[end].branch === branch && points[end].stability === stability) end++;
    let last;
    let next;
    if (end === points.length || points[end].branch !== branch) {
      last = end - 1;
      next = end;
    } else if (points[end].stability === 'marginal') {
      last = end;
      next = end;
    } else {
      // Stability changed between two regular points: the piece between
      // them goes to the next segment.
      last = end - 1;
      next = end - 1;
    }
    segments.push({ branch, stability, points: points.slice(start, last + 1).map(({ p, m }) => ({ p, m })) });
    start = next;
  }
  return segments;
}

const VIEWS = Object.freeze({ f64: Float64Array, f32: Float32Array, i32: Int32Array, u8: Uint8Array });

function modeIndex(mode) {
  const index = ROUTE_MODES.indexOf(mode);
  if (index < 0) {
    throw new CoreError(`mode must be one of ${ROUTE_MODES.join(', ')}, not ${describe(mode)}.`, { parameter: 'mode', value: mode });
  }
  return index;
}

function enumIndex(names, parameter, value) {
  const index = names.indexOf(value);
  if (index < 0) {
    throw new CoreError(`${parameter} must be one of ${names.join(', ')}, not ${describe(value)}.`, { parameter, value });
  }
  return index;
}

function linkIndex(link) {
  const index = LINKS.indexOf(link);
  if (index < 0) throw new CoreError(`link must be 'tanh' or 'erf', not ${describe(link)}.`, { parameter: 'link', value: link });
  return index;
}

function describe(value) {
  if (typeof value === 'string') return `'${value.length > 40 ? value.slice(0, 40) + '…' : value}'`;
  return String(value);
}
