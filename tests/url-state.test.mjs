// The URL state module in Node: random valid states survive a round trip
// through the query string, and a table of hostile queries falls back to
// the defaults for the bad fields only, with one error naming each.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';

import { loadCore } from '../web/js/core.js';
import { CAMERA_RANGES, normalizeCamera, roundCamera } from '../web/js/gl/camera.js';
import {
  MAX_KEYS, MAX_QUERY_LENGTH, STATE_BLOCKS, URL_STATE_VERSION, blocksOfView, checkRange, createUrlState, defaults,
} from '../web/js/url-state.js';
import { wasmModule } from './helpers/paths.mjs';

let core;
let urlState;
before(async () => {
  core = await loadCore({ bytes: readFileSync(wasmModule) });
  urlState = createUrlState(core.parameters);
});

// mulberry32: a small seeded generator, so a failing state can be replayed.
function createRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Draws a value in a parameter's range: a bound, a whole number or a
// uniform or log-uniform real, so short and long decimal forms both occur.
function randomInRange(random, range) {
  const low = range.minInclusive ? range.min : range.min + Math.max(1e-12, Math.abs(range.min) * 1e-9);
  const high = range.maxInclusive ? range.max : range.max - Math.max(1e-12, Math.abs(range.max) * 1e-9);
  const pick = random();
  let value;
  if (pick < 0.1) value = low;
  else if (pick < 0.2) value = high;
  else if (pick < 0.5 && low > 0) value = Math.exp(Math.log(low) + random() * (Math.log(high) - Math.log(low)));
  else if (pick < 0.7) value = Math.round(low + random() * (high - low));
  else value = low + random() * (high - low);
  if (range.integer) value = Math.min(range.max, Math.max(range.min, Math.round(value)));
  value = Math.min(high, Math.max(low, value));
  return value + 0;
}

function randomState(random) {
  const state = defaults();
  for (const block of STATE_BLOCKS) {
    for (const field of block.fields) {
      const { range } = urlState.fieldsByKey.get(block.prefix + field.name);
      let value;
      if (field.type === 'enum') value = field.values[Math.floor(random() * field.values.length)];
      else if (field.type === 'boolean') value = random() < 0.5;
      else if (field.type === 'number') value = field.optional && random() < 0.3 ? null : randomInRange(random, range);
      else value = [randomInRange(random, range)];
      state[block.block][field.name] = value;
    }
  }
  // The router's two-field rules: h has one or N values, eta*lambda in [1e-5, 1).
  const router = state.router;
  const hRange = core.parameters.find((entry) => entry.name === 'h');
  if (random() < 0.5) router.h = Array.from({ length: router.N }, () => randomInRange(random, hRange));
  const epsilon = Math.exp(Math.log(1e-5) + random() * (Math.log(0.999) - Math.log(1e-5)));
  router.lambda = Math.min(1e6, Math.max(1e-3, router.lambda));
  router.eta = epsilon / router.lambda;
  if (!(router.eta < 1)) router.eta = 0.5;
  if (core.checkParameter('eta*lambda', router.eta * router.lambda) !== null) router.lambda = epsilon / router.eta;
  // The trainer's: k <= experts for topk, learning rate times each decay below 1.
  const trainer = state.trainer;
  if (trainer.routing === 'topk') trainer.k = 1 + Math.floor(random() * trainer.experts);
  if (!(trainer.learningRate * trainer.routerDecay < 1)) trainer.routerDecay = random() * 0.99 / trainer.learningRate;
  trainer.sweepDecays = trainer.sweepDecays.map((decay) => (trainer.learningRate * decay < 1 ? decay
    : random() * 0.99 / trainer.learningRate));
  return state;
}

test('URL keys are unique and ranges come from the core', () => {
  const keys = [...urlState.fieldsByKey.keys()];
  assert.equal(new Set(keys).size, keys.length, 'no key is defined twice');
  const coreNames = new Set(core.parameters.map((parameter) => parameter.name));
  for (const [key, entry] of urlState.fieldsByKey) {
    const numeric = entry.field.type === 'number' || entry.field.type === 'list';
    if (!numeric) {
      assert.equal(entry.range, null, `${key} is not a number and has no range`);
    } else if (entry.field.parameter) {
      const expected = core.parameters.find((parameter) => parameter.name === entry.field.parameter);
      assert.deepEqual(entry.range, expected, `range of ${key}, from the core`);
    } else {
      assert.equal(entry.range, entry.field.range, `range of ${key}, inline`);
      assert.ok(!coreNames.has(entry.range.name), `inline range of ${key} is named '${entry.range.name}', a core parameter`);
    }
  }
  assert.throws(() => createUrlState(core.parameters.filter((entry) => entry.name !== 'K')), /names parameter 'K'/);
  // A core parameter with the name of an inline range: the schema must then take it from the core.
  const shadowing = [...core.parameters, { ...CAMERA_RANGES.pitch }];
  assert.throws(() => createUrlState(shadowing), /inline range named 'camera pitch', a core parameter/);
});

test('camera ranges hold the angles the view uses', () => {
  assert.deepEqual(urlState.fieldsByKey.get('gpu.yaw').range, CAMERA_RANGES.yaw);
  assert.deepEqual(urlState.fieldsByKey.get('gpu.pitch').range, CAMERA_RANGES.pitch);
  const random = createRandom(7);
  for (let i = 0; i < 2000; i++) {
    // Angles of several turns either way, as a long drag produces.
    const camera = { yaw: (random() - 0.5) * 40, pitch: (random() - 0.5) * 8 };
    const normal = normalizeCamera(camera);
    assert.equal(checkRange(CAMERA_RANGES.yaw, normal.yaw), null, `yaw ${camera.yaw} normalized to ${normal.yaw}`);
    assert.equal(checkRange(CAMERA_RANGES.pitch, normal.pitch), null, `pitch ${camera.pitch} normalized to ${normal.pitch}`);
    const turns = (camera.yaw - normal.yaw) / (2 * Math.PI);
    assert.ok(Math.abs(turns - Math.round(turns)) < 1e-9, `yaw ${camera.yaw} -> ${normal.yaw} differs by whole turns`);
    const rounded = roundCamera(normal);
    assert.equal(urlState.checkValue('gpu.yaw', rounded.yaw), null, `rounded yaw ${rounded.yaw} of ${normal.yaw}`);
    assert.equal(urlState.checkValue('gpu.pitch', rounded.pitch), null, `rounded pitch ${rounded.pitch} of ${normal.pitch}`);
    assert.ok(Math.abs(rounded.yaw - normal.yaw) < 1e-3, `rounded yaw ${rounded.yaw} is within 1e-3 of ${normal.yaw}`);
  }
  const limits = normalizeCamera({ yaw: Math.PI, pitch: 2 });
  assert.equal(limits.pitch, CAMERA_RANGES.pitch.max, 'pitch clamps to its maximum');
  assert.equal(roundCamera({ yaw: Math.PI, pitch: -Math.PI }).yaw, 3.141, 'pi rounds toward zero');
  assert.ok(Object.is(roundCamera({ yaw: -0.0004, pitch: 0 }).yaw, 0), 'a tiny negative angle rounds to 0, not -0');
});

test('defaults are valid values of their fields', () => {
  const state = defaults();
  for (const [key, entry] of urlState.fieldsByKey) {
    assert.equal(urlState.checkValue(key, state[entry.block][entry.field.name]), null, `default of ${key}`);
  }
  assert.deepEqual(urlState.parse(''), { state, errors: [] }, 'an empty query gives the defaults');
  assert.equal(core.checkParameter('eta*lambda', state.router.eta * state.router.lambda), null);
});

test('range check agrees with the core', () => {
  const values = [-Infinity, -1e7, -100.5, -100, -1, -1e-300, 0, 1e-300, 1e-5, 0.5, 1, 1.5, 2, 100, 256, 257,
    1e6, 1e6 + 1, 4294967295, 4294967296, Infinity, NaN];
  for (const parameter of core.parameters) {
    for (const value of values) {
      const coreAccepts = core.checkParameter(parameter.name, value) === null;
      const moduleAccepts = checkRange(parameter, value) === null;
      assert.equal(moduleAccepts, coreAccepts, `${parameter.name} = ${value}: url-state says ${moduleAccepts}, the core ${coreAccepts}`);
    }
  }
});

test('random valid states round-trip', () => {
  const random = createRandom(20261204);
  // Distinct serialized values per key, to show that every field was varied.
  const seen = new Map([...urlState.fieldsByKey.keys()].map((key) => [key, new Set()]));
  for (let i = 0; i < 400; i++) {
    const state = randomState(random);
    for (const [key, entry] of urlState.fieldsByKey) seen.get(key).add(JSON.stringify(state[entry.block][entry.field.name]));
    for (const [key, entry] of urlState.fieldsByKey) {
      assert.equal(urlState.checkValue(key, state[entry.block][entry.field.name]), null, `generated ${key} in state ${i}`);
    }
    const query = urlState.serialize(state);
    const { state: parsed, errors } = urlState.parse(`?${query}`);
    assert.deepEqual(errors, [], `state ${i}: ${query}`);
    assert.deepEqual(parsed, state, `state ${i} after the round trip of ${query}`);
    assert.equal(urlState.serialize(parsed), query, `state ${i} serializes the same twice`);
  }
  for (const [key, values] of seen) assert.ok(values.size >= 2, `the random states give ${key} only ${[...values]}`);
});

test('serialize writes the version and omits default page fields', () => {
  const state = defaults();
  const query = urlState.serialize(state);
  assert.match(query, new RegExp(`^v=${URL_STATE_VERSION}&`));
  assert.doesNotMatch(query, /(^|&)(view|embed|controls|caption|tools)=/);
  assert.match(query, /router\.h=0\.05,0(&|$)/, 'lists keep their commas');
  state.page.embed = 'cusp';
  state.page.controls = false;
  const embed = urlState.serialize(state, { blocks: blocksOfView('cusp') });
  assert.match(embed, /(^|&)embed=cusp(&|$)/);
  assert.match(embed, /(^|&)controls=0(&|$)/);
  assert.match(embed, /(^|&)K=1\.6(&|$)/);
  assert.doesNotMatch(embed, /router\./, 'an embed of the cusp view carries no router fields');
});

// Each row: a query, the keys that must have an error, and fields that
// must have a given value after parsing (the default for bad fields, the
// link's value for good ones).
const HOSTILE = [
  { query: 'K=abc&H=0.3', keys: ['K'], expect: { 'explorer.K': 1.6, 'explorer.H': 0.3 } },
  { query: 'K=NaN', keys: ['K'], expect: { 'explorer.K': 1.6 } },
  { query: 'K=Infinity&H=-Infinity', keys: ['K', 'H'], expect: { 'explorer.K': 1.6, 'explorer.H': 0.1 } },
  { query: 'K=-1&H=100.5', keys: ['K', 'H'], expect: { 'explorer.K': 1.6, 'explorer.H': 0.1 } },
  { query: 'K=1e400', keys: ['K'], expect: { 'explorer.K': 1.6 } },
  { query: 'H=0x10&K=2', keys: ['H'], expect: { 'explorer.H': 0.1, 'explorer.K': 2 } },
  { query: 'K=%202%20', keys: [], expect: { 'explorer.K': 2 } },
  { query: 'K=2%00', keys: ['K'], expect: { 'explorer.K': 1.6 } },
  { query: 'link=%3Cscript%3Ealert(1)%3C%2Fscript%3E', keys: ['link'], expect: { 'explorer.link': 'tanh' } },
  { query: 'router.h=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&router.seed=9', keys: ['router.h'],
    expect: { 'router.h': [0.05, 0], 'router.seed': 9 } },
  { query: 'router.h=1,2,abc', keys: ['router.h'], expect: { 'router.h': [0.05, 0] } },
  { query: 'router.N=3&router.h=0.1,0.2', keys: ['router.h'], expect: { 'router.N': 3, 'router.h': [0] } },
  { query: 'router.N=3', keys: [], expect: { 'router.N': 3, 'router.h': [0] } },
  { query: 'router.eta=0.5&router.lambda=4', keys: ['router.eta'], expect: { 'router.eta': 0.02, 'router.lambda': 1 } },
  { query: 'router.lambda=1000000', keys: ['router.lambda'], expect: { 'router.eta': 0.02, 'router.lambda': 1 } },
  { query: 'router.seed=1.5&router.replicas=0', keys: ['router.seed', 'router.replicas'],
    expect: { 'router.seed': 1, 'router.replicas': 2000 } },
  { query: 'router.seed=4294967296', keys: ['router.seed'], expect: { 'router.seed': 1 } },
  { query: 'router.run=%22%3E%3Csvg%20onload%3Dalert(1)%3E', keys: ['router.run'], expect: { 'router.run': 'none' } },
  { query: 'gpu.yaw=3.2&gpu.pitch=-1.5', keys: ['gpu.yaw'], expect: { 'gpu.yaw': -0.6, 'gpu.pitch': -1.5 } },
  { query: 'gpu.yaw=-3.141&gpu.pitch=1.6', keys: ['gpu.pitch'], expect: { 'gpu.yaw': -3.141, 'gpu.pitch': 0.35 } },
  { query: 'gpu.yaw=NaN&gpu.pitch=1e-400', keys: ['gpu.yaw'], expect: { 'gpu.yaw': -0.6, 'gpu.pitch': 0 } },
  { query: 'embed=evil&controls=yes', keys: ['embed', 'controls'], expect: { 'page.embed': '', 'page.controls': true } },
  { query: 'foo=bar&K=2', keys: ['foo'], expect: { 'explorer.K': 2 } },
  { query: '__proto__=1&constructor=x&K=2', keys: ['__proto__', 'constructor'], expect: { 'explorer.K': 2 } },
  { query: 'K=2&K=3', keys: ['K'], expect: { 'explorer.K': 2 } },
  { query: 'v=99&K=2', keys: ['v'], expect: { 'explorer.K': 2 } },
  { query: 'v=one', keys: ['v'], expect: {} },
  { query: '%E0%A4%A&K=2', keys: ['\ufffd%A'], expect: { 'explorer.K': 2 } },
  { query: `K=${'1'.repeat(100)}&H=0.2`, keys: ['K'], expect: { 'explorer.K': 1.6, 'explorer.H': 0.2 } },
  { query: `router.h=${'1,'.repeat(300)}1`, keys: ['router.h'], expect: { 'router.h': [0.05, 0] } },
  { query: `K=2&H=${'9'.repeat(MAX_QUERY_LENGTH)}`, keys: [''], expect: { 'explorer.K': 1.6, 'explorer.H': 0.1 } },
  { query: `${Array.from({ length: MAX_KEYS + 5 }, (_, i) => `x${i}=1`).join('&')}&K=2`, keys: [''], expect: { 'explorer.K': 1.6 } },
];

function valueAt(state, path) {
  const [block, name] = path.split('.');
  return state[block][name];
}

test('hostile queries fall back per field', () => {
  for (const { query, keys, expect } of HOSTILE) {
    const label = query.length > 60 ? `${query.slice(0, 60)}…` : query;
    const { state, errors } = urlState.parse(`?${query}`);
    for (const key of keys) {
      assert.ok(errors.some((error) => error.key === key), `${label}: an error for '${key}' in ${JSON.stringify(errors)}`);
    }
    if (keys.length === 0) assert.deepEqual(errors, [], `${label}: no error`);
    for (const [path, value] of Object.entries(expect)) {
      assert.deepEqual(valueAt(state, path), value, `${label}: ${path}`);
    }
    for (const error of errors) {
      assert.ok(error.message.length <= 240, `${label}: message of ${error.message.length} characters`);
      assert.doesNotMatch(error.message, /[\u0000-\u001f]/, `${label}: control characters in the message`);
    }
    for (const [key, entry] of urlState.fieldsByKey) {
      assert.equal(urlState.checkValue(key, state[entry.block][entry.field.name]), null, `${label}: ${key} is valid`);
    }
  }
  assert.equal(Object.prototype.polluted, undefined);
});

test('parse ignores a query that is not a string', () => {
  assert.deepEqual(urlState.parse(undefined), { state: defaults(), errors: [] });
});
