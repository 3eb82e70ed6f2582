// The page state in the URL query: one schema table, parse and serialize.
//
// The state is grouped in blocks: `page` (which view, embed flags), one
// block per part of the page (`explorer` for the mean-field views, `gpu`
// for the WebGL views' own settings, `router` for the discrete router and
// `trainer` for the trainable MoE). A block lists its fields with a type and a
// default. A numeric field that is a model parameter names an entry of the
// core's parameter table, which gives its range; a setting of the page alone
// (the surface view's camera) carries its range inline instead. A new view
// adds one block with its own key prefix.
//
// No DOM and no `location` here: the caller passes the query string and
// the core's parameter table (core.parameters), so Node tests can drive it.
import { MOE_LOSSES, MOE_OPTIMIZERS, MOE_ROUTING, PREPROCESSING, ROUTE_MODES, formatRange } from './core.js';
import { CAMERA_RANGES, DEFAULT_CAMERA } from './gl/camera.js';
import { NUMBER_PATTERN } from './input.js';
import { DEFAULT_TRAINING } from './moe-task.js';

export const URL_STATE_VERSION = 1;
export const VERSION_KEY = 'v';

/** Views that a link can point at or embed. */
export const VIEW_NAMES = Object.freeze(['phase', 'trajectories', 'bifurcation', 'cusp', 'gpu', 'router', 'moe']);
export const RUN_KINDS = Object.freeze(['none', 'simulate', 'sweep']);
export const TRAINER_RUN_KINDS = Object.freeze(['none', 'train', 'sweep']);
// The text of an optional number's "no value", as in moe.capacityFactor=none.
export const NONE_TEXT = 'none';

// Limits on hostile input. A query longer than MAX_QUERY_LENGTH is ignored
// whole, and fields past the first MAX_KEYS are ignored. A value longer than
// its field's limit is rejected before it is parsed.
export const MAX_QUERY_LENGTH = 16384;
export const MAX_KEYS = 64;
const NUMBER_MAX_LENGTH = 64;
const LIST_MAX_LENGTH = 8192;
const LIST_MAX_VALUES = 256;

/**
 * The schema. Field types: 'number' (with `optional`, also null, written
 * 'none'), 'list' (comma-separated numbers, each in the field's range),
 * 'enum' (one of `values`) and 'boolean' ('1' or '0'). A number or list
 * field takes its range from exactly one of `parameter`, the name of a core
 * parameter, or `range`, an inline entry shaped like the core's
 * { name, min, max, minInclusive, maxInclusive, integer }.
 * `views` lists the views that draw from a block; an embed link carries
 * only those blocks.
 */
export const STATE_BLOCKS = Object.freeze([
  {
    block: 'page',
    prefix: '',
    views: [],
    omitDefaults: true,
    fields: [
      { name: 'view', type: 'enum', values: ['', ...VIEW_NAMES], default: '' },
      { name: 'embed', type: 'enum', values: ['', ...VIEW_NAMES], default: '' },
      { name: 'controls', type: 'boolean', default: true },
      { name: 'caption', type: 'boolean', default: true },
      { name: 'tools', type: 'boolean', default: false },
    ],
  },
  {
    block: 'explorer',
    prefix: '',
    views: ['phase', 'trajectories', 'bifurcation', 'cusp', 'gpu'],
    fields: [
      { name: 'link', type: 'enum', values: ['tanh', 'erf'], default: 'tanh' },
      { name: 'K', type: 'number', parameter: 'K', default: 1.6 },
      { name: 'H', type: 'number', parameter: 'H', default: 0.1 },
    ],
  },
  {
    block: 'gpu',
    prefix: 'gpu.',
    views: ['gpu'],
    fields: [
      // The plane's colouring and the start m0 of the "state reached" colouring.
      { name: 'colour', type: 'enum', values: ['count', 'basin'], default: 'count' },
      { name: 'm0', type: 'number', parameter: 'm0', default: 0.3 },
      // The surface view's camera in radians. The core has no such parameter,
      // so the ranges come from the view (gl/camera.js).
      { name: 'yaw', type: 'number', range: CAMERA_RANGES.yaw, default: DEFAULT_CAMERA.yaw },
      { name: 'pitch', type: 'number', range: CAMERA_RANGES.pitch, default: DEFAULT_CAMERA.pitch },
    ],
  },
  {
    block: 'router',
    prefix: 'router.',
    views: ['router'],
    fields: [
      { name: 'N', type: 'number', parameter: 'N', default: 2 },
      { name: 'mode', type: 'enum', values: [...ROUTE_MODES], default: 'sample' },
      { name: 'beta', type: 'number', parameter: 'beta', default: 3 },
      { name: 'eta', type: 'number', parameter: 'eta', default: 0.02 },
      { name: 'lambda', type: 'number', parameter: 'lambda', default: 1 },
      { name: 'sigma', type: 'number', parameter: 'sigma', default: 1 },
      { name: 'h', type: 'list', parameter: 'h', default: [0.05, 0] },
      { name: 'm0', type: 'number', parameter: 'm0', default: 0 },
      { name: 'replicas', type: 'number', parameter: 'replicas', default: 2000 },
      { name: 'steps', type: 'number', parameter: 'steps', default: 10000 },
      { name: 'seed', type: 'number', parameter: 'seed', default: 1 },
      // The run the link reproduces when it is opened: none, a simulation or
      // a hysteresis sweep. With the seed above it gives the same numbers.
      { name: 'run', type: 'enum', values: [...RUN_KINDS], default: 'none' },
    ],
    check: checkRouterBlock,
  },
  {
    block: 'trainer',
    prefix: 'moe.',
    views: ['moe'],
    fields: [
      { name: 'task', type: 'enum', values: ['digits', 'synthetic'], default: DEFAULT_TRAINING.task },
      { name: 'preprocess', type: 'enum', values: [...PREPROCESSING], default: DEFAULT_TRAINING.preprocess },
      { name: 'experts', type: 'number', parameter: 'experts', default: DEFAULT_TRAINING.experts },
      { name: 'hidden', type: 'number', parameter: 'expert-hidden', default: DEFAULT_TRAINING.hidden },
      { name: 'routing', type: 'enum', values: [...MOE_ROUTING], default: DEFAULT_TRAINING.routing },
      { name: 'k', type: 'number', parameter: 'k', default: DEFAULT_TRAINING.k },
      { name: 'beta', type: 'number', parameter: 'beta', default: DEFAULT_TRAINING.beta },
      { name: 'loss', type: 'enum', values: [...MOE_LOSSES], default: DEFAULT_TRAINING.loss },
      { name: 'optimizer', type: 'enum', values: [...MOE_OPTIMIZERS], default: DEFAULT_TRAINING.optimizer },
      { name: 'learningRate', type: 'number', parameter: 'learning-rate', default: DEFAULT_TRAINING.learningRate },
      { name: 'momentum', type: 'number', parameter: 'momentum', default: DEFAULT_TRAINING.momentum },
      { name: 'auxLoss', type: 'number', parameter: 'aux-loss', default: DEFAULT_TRAINING.auxLoss },
      { name: 'zLoss', type: 'number', parameter: 'z-loss', default: DEFAULT_TRAINING.zLoss },
      { name: 'capacityFactor', type: 'number', parameter: 'capacity-factor', optional: true,
        default: DEFAULT_TRAINING.capacityFactor },
      { name: 'balanceRate', type: 'number', parameter: 'balance-rate', default: DEFAULT_TRAINING.balanceRate },
      { name: 'routerDecay', type: 'number', parameter: 'router-decay', default: DEFAULT_TRAINING.routerDecay },
      { name: 'batch', type: 'number', parameter: 'batch', default: DEFAULT_TRAINING.batch },
      { name: 'epochs', type: 'number', parameter: 'epochs', default: DEFAULT_TRAINING.epochs },
      { name: 'seed', type: 'number', parameter: 'seed', default: DEFAULT_TRAINING.seed },
      // The symmetry-breaking sweep; the other settings come from the fields above.
      { name: 'sweepBetas', type: 'list', parameter: 'beta', default: [0.25, 0.5, 1, 2, 4, 8, 16] },
      { name: 'sweepSeeds', type: 'list', parameter: 'seed', default: [1, 2, 3, 4, 5, 6] },
      { name: 'sweepRouting', type: 'enum', values: ['sample', 'top1'], default: 'sample' },
      { name: 'sweepDecays', type: 'list', parameter: 'router-decay', default: [0.25, 1, 4] },
      { name: 'sweepTask', type: 'enum', values: ['synthetic', 'digits'], default: 'synthetic' },
      { name: 'sweepEpochs', type: 'number', parameter: 'epochs', default: 20 },
      // The run the link reproduces when it is opened; the seeds above make
      // it the same run.
      { name: 'run', type: 'enum', values: [...TRAINER_RUN_KINDS], default: 'none' },
    ],
    check: checkTrainerBlock,
  },
]);

/**
 * Builds the parser and serializer for a parameter table with entries
 * { name, min, max, minInclusive, maxInclusive, integer }, as core.parameters.
 * Throws when a field names a parameter the table lacks, or when a field's
 * range is missing, given twice, malformed or named like a core parameter.
 */
export function createUrlState(parameterTable) {
  const ranges = new Map(parameterTable.map((entry) => [entry.name, entry]));
  const fieldsByKey = new Map();
  for (const block of STATE_BLOCKS) {
    for (const field of block.fields) {
      const key = block.prefix + field.name;
      if (fieldsByKey.has(key) || key === VERSION_KEY) throw new Error(`URL state key '${key}' is defined twice`);
      fieldsByKey.set(key, { block: block.block, field, range: rangeOfField(key, field, ranges) });
    }
  }
  const context = { ranges, fieldsByKey };
  return {
    defaults,
    fieldsByKey,
    parse: (search) => parseState(context, search),
    serialize: (state, options) => serializeState(state, options),
    checkValue: (key, value) => checkValue(fieldsByKey.get(key), value),
    readField: (key, text) => readValue(fieldsByKey.get(key), text),
  };
}

// Returns the range that checks a field's values, or null for enum and
// boolean fields.
function rangeOfField(key, field, ranges) {
  const numeric = field.type === 'number' || field.type === 'list';
  if (!numeric) {
    if (field.parameter !== undefined || field.range !== undefined) {
      throw new Error(`URL state field '${key}' of type ${field.type} cannot have a range`);
    }
    return null;
  }
  if ((field.parameter === undefined) === (field.range === undefined)) {
    throw new Error(`URL state field '${key}' needs exactly one of 'parameter' and 'range'`);
  }
  if (field.parameter !== undefined) {
    if (!ranges.has(field.parameter)) {
      throw new Error(`URL state field '${key}' names parameter '${field.parameter}', which the core does not define`);
    }
    return ranges.get(field.parameter);
  }
  const { name, min, max, minInclusive, maxInclusive, integer } = field.range;
  const wellFormed = typeof name === 'string' && Number.isFinite(min) && Number.isFinite(max) && min < max
    && [minInclusive, maxInclusive, integer].every((flag) => typeof flag === 'boolean');
  if (!wellFormed) throw new Error(`URL state field '${key}' has a malformed inline range`);
  // A core parameter's range must come from the core, where the C checks use it.
  if (ranges.has(name)) {
    throw new Error(`URL state field '${key}' has an inline range named '${name}', a core parameter; use 'parameter'`);
  }
  return field.range;
}

/** Returns a fresh state with every field at its default. */
export function defaults() {
  const state = {};
  for (const block of STATE_BLOCKS) {
    state[block.block] = {};
    for (const field of block.fields) state[block.block][field.name] = copyValue(field.default);
  }
  return state;
}

/**
 * Parses a query string ('?a=1&b=2' or 'a=1&b=2'). Returns { state, errors }:
 * the state has every field, with the default wherever the query had no
 * valid value, and errors is a list of { key, message } for each ignored
 * part. Messages quote at most a short, cleaned excerpt of the input.
 */
function parseState(context, search) {
  const state = defaults();
  const errors = [];
  if (typeof search !== 'string') return { state, errors };
  const text = search.startsWith('?') ? search.slice(1) : search;
  if (text.length > MAX_QUERY_LENGTH) {
    errors.push({ key: '', message: `The link's parameters are ${text.length} characters long, more than ${MAX_QUERY_LENGTH}; all were ignored.` });
    return { state, errors };
  }

  const seen = new Set();
  const keysInLink = new Set();
  let count = 0;
  for (const [key, value] of new URLSearchParams(text)) {
    count += 1;
    if (count > MAX_KEYS) {
      // First, so that a notice that lists only the first lines still shows it.
      errors.unshift({ key: '', message: `The link has more than ${MAX_KEYS} parameters; those after the first ${MAX_KEYS} were ignored.` });
      break;
    }
    if (seen.has(key)) {
      errors.push({ key, message: `${quote(key)} appears more than once; the first value was used.` });
      continue;
    }
    seen.add(key);
    if (key === VERSION_KEY) {
      const message = checkVersion(value);
      if (message) errors.push({ key, message });
      continue;
    }
    const entry = context.fieldsByKey.get(key);
    if (!entry) {
      errors.push({ key, message: `Unknown parameter ${quote(key)} was ignored.` });
      continue;
    }
    const result = readValue(entry, value);
    if (result.error) {
      errors.push({ key, message: `${key}: ${result.error} Using the default, ${formatValue(entry.field.default)}.` });
      continue;
    }
    state[entry.block][entry.field.name] = result.value;
    keysInLink.add(key);
  }

  for (const block of STATE_BLOCKS) {
    if (!block.check) continue;
    const problems = block.check(state[block.block], { keysInLink, prefix: block.prefix, ranges: context.ranges });
    errors.push(...problems);
  }
  return { state, errors };
}

function checkVersion(value) {
  if (!/^\d{1,6}$/.test(value)) {
    return `${VERSION_KEY}: ${quote(value)} is not a version number; the link was read as version ${URL_STATE_VERSION}.`;
  }
  const version = Number(value);
  if (version < 1 || version > URL_STATE_VERSION) {
    return `${VERSION_KEY} = ${version}: this page reads links up to version ${URL_STATE_VERSION}; the link was read as version ${URL_STATE_VERSION}.`;
  }
  return null;
}

/** Parses one value of a field from its URL text: { value } or { error }. */
function readValue(entry, text) {
  const { field, range } = entry;
  const maxLength = field.type === 'list' ? LIST_MAX_LENGTH : NUMBER_MAX_LENGTH;
  if (text.length > maxLength) {
    return { error: `the value is ${text.length} characters long, more than ${maxLength}.` };
  }
  if (field.type === 'enum') {
    return field.values.includes(text) ? { value: text } : { error: `${quote(text)} is not one of ${field.values.filter(Boolean).join(', ')}.` };
  }
  if (field.type === 'boolean') {
    if (text === '1') return { value: true };
    if (text === '0') return { value: false };
    return { error: `${quote(text)} is not 1 or 0.` };
  }
  if (field.type === 'number') {
    if (field.optional && text === NONE_TEXT) return { value: null };
    return readNumber(text, range);
  }
  const parts = text.split(',');
  if (parts.length > LIST_MAX_VALUES) return { error: `${parts.length} values are more than ${LIST_MAX_VALUES}.` };
  const values = [];
  for (const part of parts) {
    const result = readNumber(part, range);
    if (result.error) return result;
    values.push(result.value);
  }
  return { value: values };
}

function readNumber(text, range) {
  const trimmed = text.trim();
  if (!NUMBER_PATTERN.test(trimmed)) return { error: `${quote(trimmed)} is not a number.` };
  // -0 becomes 0, so that serialize and parse are inverse.
  const value = Number(trimmed) + 0;
  if (!Number.isFinite(value)) return { error: `${quote(trimmed)} is too large to be a number here.` };
  const message = checkRange(range, value);
  return message ? { error: message } : { value };
}

/**
 * Returns null when value lies in the parameter's range, else a message.
 * It follows mb_param_check in the core: finite, bounds with their
 * inclusivity, and whole numbers for integer parameters.
 */
export function checkRange(range, value) {
  const inRange = Number.isFinite(value)
    && (value > range.min || (value === range.min && range.minInclusive))
    && (value < range.max || (value === range.max && range.maxInclusive))
    && (!range.integer || Number.isInteger(value));
  if (inRange) return null;
  const kind = range.integer ? 'a whole number in' : 'in';
  return `${value} is out of range: ${range.name} must be ${kind} ${formatRange(range)}.`;
}

// Checks a typed value against its field, for values that did not come
// from text (a state built in code). Returns null or a message.
function checkValue(entry, value) {
  if (!entry) return 'unknown field';
  const { field, range } = entry;
  if (field.type === 'enum') return field.values.includes(value) ? null : `not one of ${field.values.join(', ')}`;
  if (field.type === 'boolean') return typeof value === 'boolean' ? null : 'not a boolean';
  if (field.type === 'number') {
    if (field.optional && value === null) return null;
    return typeof value === 'number' ? checkRange(range, value) : 'not a number';
  }
  if (!Array.isArray(value) || value.length === 0 || value.length > LIST_MAX_VALUES) return 'not a list of 1 to 256 numbers';
  for (const item of value) {
    const message = typeof item === 'number' ? checkRange(range, item) : 'not a number';
    if (message) return message;
  }
  return null;
}

// Checks of the router block that involve two fields: the bias vector h
// must have one value or N values, and eta*lambda must lie in its range.
function checkRouterBlock(router, { keysInLink, prefix, ranges }) {
  const errors = [];
  const defaultOf = (name) => STATE_BLOCKS.find((entry) => entry.block === 'router')
    .fields.find((field) => field.name === name).default;
  if (router.h.length !== 1 && router.h.length !== router.N) {
    // Zero bias for all experts, unless the default fits N.
    const fallback = router.N === defaultOf('h').length ? [...defaultOf('h')] : [0];
    if (keysInLink.has(`${prefix}h`)) {
      errors.push({ key: `${prefix}h`, message: `${prefix}h has ${router.h.length} values, but ${prefix}N = ${router.N} `
        + `needs ${router.N} (or one for all). Using ${formatValue(fallback)}.` });
    }
    router.h = fallback;
  }
  const epsilonRange = ranges.get('eta*lambda');
  const message = checkRange(epsilonRange, router.eta * router.lambda);
  if (message) {
    // Reset the fields the link gave; if the product is still out of
    // range, reset both.
    let reset = ['eta', 'lambda'].filter((name) => keysInLink.has(prefix + name));
    for (const name of reset) router[name] = defaultOf(name);
    if (checkRange(epsilonRange, router.eta * router.lambda) !== null) {
      reset = ['eta', 'lambda'];
      for (const name of reset) router[name] = defaultOf(name);
    }
    errors.push({ key: `${prefix}${reset[0]}`, message: `${prefix}eta × ${prefix}lambda: ${message} `
      + `Using ${reset.map((name) => `${name} = ${router[name]}`).join(', ')}.` });
  }
  return errors;
}

// Checks of the trainer block that involve two fields: k at most the number
// of experts for topk routing, and the learning rate times each router decay
// (of training and of each of the sweep's) below 1.
function checkTrainerBlock(trainer, { keysInLink, prefix, ranges }) {
  const errors = [];
  const defaultOf = (name) => STATE_BLOCKS.find((entry) => entry.block === 'trainer')
    .fields.find((field) => field.name === name).default;
  if (trainer.routing === 'topk' && trainer.k > trainer.experts) {
    const k = Math.min(defaultOf('k'), trainer.experts);
    errors.push({ key: `${prefix}k`, message: `${prefix}k = ${trainer.k} is more than ${prefix}experts = `
      + `${trainer.experts}, and topk routing needs k <= experts. Using k = ${k}.` });
    trainer.k = k;
  }
  const decayRange = ranges.get('learning-rate*router-decay');
  const largestSweepDecay = Math.max(...trainer.sweepDecays);
  const sweepMessage = checkRange(decayRange, trainer.learningRate * largestSweepDecay);
  if (sweepMessage) {
    const fallback = defaultOf('sweepDecays').filter((decay) => checkRange(decayRange, trainer.learningRate * decay) === null);
    trainer.sweepDecays = fallback.length > 0 ? fallback : [0];
    errors.push({ key: `${prefix}sweepDecays`, message: `${prefix}learningRate × ${prefix}sweepDecays: ${sweepMessage} `
      + `Using sweepDecays = ${formatValue(trainer.sweepDecays)}.` });
  }
  for (const decay of ['routerDecay']) {
    const message = checkRange(decayRange, trainer.learningRate * trainer[decay]);
    if (!message) continue;
    // Reset what the link gave; if the product is still out of range, reset both.
    let reset = ['learningRate', decay].filter((name) => keysInLink.has(prefix + name));
    for (const name of reset) trainer[name] = defaultOf(name);
    if (checkRange(decayRange, trainer.learningRate * trainer[decay]) !== null) {
      reset = ['learningRate', decay];
      for (const name of reset) trainer[name] = defaultOf(name);
    }
    errors.push({ key: `${prefix}${reset[0]}`, message: `${prefix}learningRate × ${prefix}${decay}: ${message} `
      + `Using ${reset.map((name) => `${name} = ${trainer[name]}`).join(', ')}.` });
  }
  return errors;
}

/**
 * Writes a state as a query string without the leading '?'. Model fields
 * are always written, so a link keeps its meaning if a default changes;
 * page fields only when they differ from the default. options.blocks
 * limits the model blocks written (an embed link carries only the blocks
 * its view draws from).
 */
function serializeState(state, { blocks = null } = {}) {
  const parts = [`${VERSION_KEY}=${URL_STATE_VERSION}`];
  for (const block of STATE_BLOCKS) {
    if (blocks !== null && block.block !== 'page' && !blocks.includes(block.block)) continue;
    const values = state[block.block];
    if (!values) continue;
    for (const field of block.fields) {
      const value = values[field.name];
      if (value === undefined) continue;
      if (block.omitDefaults && sameValue(value, field.default)) continue;
      parts.push(`${encodeURIComponent(block.prefix + field.name)}=${encodeText(formatUrlValue(field, value))}`);
    }
  }
  return parts.join('&');
}

/** Returns the names of the blocks a view draws from. */
export function blocksOfView(view) {
  return STATE_BLOCKS.filter((block) => block.views.includes(view)).map((block) => block.block);
}

function formatUrlValue(field, value) {
  if (field.type === 'boolean') return value ? '1' : '0';
  if (value === null) return NONE_TEXT;
  if (field.type === 'list') return value.map(String).join(',');
  return String(value);
}

// Percent-encodes a value but keeps commas, which are legal in a query and
// keep lists readable.
function encodeText(text) {
  return encodeURIComponent(text).replace(/%2C/gi, ',');
}

function formatValue(value) {
  if (Array.isArray(value)) return value.join(', ');
  if (value === null) return NONE_TEXT;
  if (value === '') return 'none';
  return String(value);
}

function sameValue(a, b) {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((value, i) => value === b[i]);
  }
  return a === b;
}

function copyValue(value) {
  return Array.isArray(value) ? [...value] : value;
}

/**
 * Quotes a short excerpt of untrusted text for a message: control
 * characters become '?', and text past 24 characters is cut with '…'.
 * The caller still inserts the message as text, never as HTML.
 */
export function quote(text) {
  const cleaned = String(text).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return `'${cleaned.length > 24 ? `${cleaned.slice(0, 24)}…` : cleaned}'`;
}
