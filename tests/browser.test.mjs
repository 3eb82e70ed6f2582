// Loads the served page in headless Chromium and uses it as a person would:
// reads the charts' data, drags the K slider and the cusp point, and types
// invalid values.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { test } from 'node:test';

import { openPage, useServedPage } from './helpers/browser.mjs';
import { nativeTool, projectRoot } from './helpers/paths.mjs';

const CHART_IDS = ['phase-chart', 'trajectories-chart', 'bifurcation-k-chart', 'bifurcation-h-chart', 'cusp-chart'];

const site = useServedPage();

/** Point counts of every dataset of every chart. */
function chartSummary(page) {
  return page.evaluate((ids) => Object.fromEntries(ids.map((id) => {
    const chart = globalThis.Chart.getChart(document.getElementById(id));
    return [id, chart.data.datasets.map((dataset) => ({ label: dataset.label, points: dataset.data.length,
      finite: dataset.data.every((point) => Number.isFinite(point.x) && Number.isFinite(point.y)) }))];
  })), CHART_IDS);
}

function stableCount(page) {
  return page.locator('#equilibria-table tbody tr[data-stability="stable"]').count();
}

async function typeValue(page, name, text) {
  await page.fill(`#${name}-input`, text);
  await page.press(`#${name}-input`, 'Enter');
}

/** Waits until the page has drawn a state whose parameter lies in [min, max]. */
async function waitForRendered(page, name, min, max = min) {
  await page.waitForFunction(([key, low, high]) => {
    const value = Number(document.body.dataset[key]);
    return value >= low && value <= high;
  }, [`rendered${name}`, min, max]);
}

test('page loads with four views holding data', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  const summary = await chartSummary(page);
  for (const id of CHART_IDS) {
    const withData = summary[id].filter((dataset) => dataset.points >= 2);
    assert.ok(withData.length >= 1, `${id} has no dataset with data: ${JSON.stringify(summary[id])}`);
    assert.ok(summary[id].every((dataset) => dataset.finite), `${id} has non-finite points`);
  }
  assert.ok(summary['trajectories-chart'].length >= 11, 'a fan of trajectories');
  assert.ok(summary['cusp-chart'].some((dataset) => dataset.label.startsWith('fold curves') && dataset.points > 100));
  assert.ok((await page.locator('#equilibria-table tbody tr').count()) >= 1);
  assert.equal(await page.locator('#input-error').isHidden(), true);
  mkdirSync(`${projectRoot}build/screenshots`, { recursive: true });
  await page.screenshot({ path: `${projectRoot}build/screenshots/explorer.png`, fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('K slider past the pitchfork splits the state', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  await typeValue(page, 'H', '0');
  await typeValue(page, 'K', '0.5');
  await waitForRendered(page, 'K', 0.5);
  assert.equal(await stableCount(page), 1);

  const slider = page.locator('#K-slider');
  const box = await slider.boundingBox();
  const xFor = (K) => box.x + 8 + (K / 4) * (box.width - 16); // the thumb is about 16 px wide
  const y = box.y + box.height / 2;
  await page.mouse.move(xFor(0.5), y);
  await page.mouse.down();
  await page.mouse.move(xFor(0.8), y, { steps: 5 });
  await waitForRendered(page, 'K', 0.6, 0.999);
  assert.equal(await stableCount(page), 1, 'below K = 1: one stable state');
  await page.mouse.move(xFor(1.6), y, { steps: 10 });
  await page.mouse.up();
  await waitForRendered(page, 'K', 1.2, 4);
  assert.equal(await stableCount(page), 2, 'above K = 1: two stable states');
  assert.equal(await page.locator('#equilibria-table tbody tr[data-stability="unstable"]').count(), 1);

  const summary = await chartSummary(page);
  const branchPoints = summary['bifurcation-k-chart'].find((dataset) => dataset.label === 'branch point');
  assert.ok(branchPoints, 'the K diagram has a branch point dataset');
  assert.ok(branchPoints.points >= 1, 'the pitchfork is marked');
  assert.deepEqual(problems, []);
  await context.close();
});

test('invalid input shows an error and keeps the figure', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  const before = await chartSummary(page);
  const beforeData = await page.evaluate(() => JSON.stringify(
    globalThis.Chart.getChart(document.getElementById('phase-chart')).data.datasets.map((d) => d.data)));

  const cases = [
    ['K', 'abc', /K: "abc" is not a number/],
    ['K', '-1', /K = -1 is out of range: K must be in \[0, 1000000\]/],
    ['K', 'NaN', /K: "NaN" is not a number/],
    ['H', '1e9', /H = 1000000000 is out of range: H must be in \[-100, 100\]/],
    ['H', '<img src=x onerror=alert(1)>', /H: "<img src=x onerror=alert\(1\)>" is not a number/],
  ];
  for (const [name, text, pattern] of cases) {
    await typeValue(page, name, text);
    const error = page.locator('#input-error');
    await error.waitFor({ state: 'visible' });
    assert.match(await error.textContent(), pattern);
    assert.equal(await page.getAttribute(`#${name}-input`, 'aria-invalid'), 'true');
  }
  assert.equal(await page.locator('#input-error img').count(), 0, 'error text is not parsed as HTML');
  const afterData = await page.evaluate(() => JSON.stringify(
    globalThis.Chart.getChart(document.getElementById('phase-chart')).data.datasets.map((d) => d.data)));
  assert.equal(afterData, beforeData, 'the last valid figure stays');
  assert.deepEqual(await chartSummary(page), before);

  await typeValue(page, 'K', '2');
  await typeValue(page, 'H', '0.25');
  await waitForRendered(page, 'H', 0.25);
  assert.equal(await page.locator('#input-error').isHidden(), true);
  assert.equal(await page.getAttribute('#K-input', 'aria-invalid'), null);
  assert.deepEqual(problems, []);
  await context.close();
});

test('extreme values inside the range draw finite charts', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  for (const [K, H] of [['1e6', '50'], ['0', '-100'], ['1', '0']]) {
    await typeValue(page, 'K', K);
    await typeValue(page, 'H', H);
    await waitForRendered(page, 'K', Number(K));
    await waitForRendered(page, 'H', Number(H));
    assert.equal(await page.locator('#input-error').isHidden(), true, `K=${K} H=${H}`);
    const summary = await chartSummary(page);
    for (const id of CHART_IDS) assert.ok(summary[id].every((dataset) => dataset.finite), `${id} at K=${K} H=${H}`);
  }
  await page.selectOption('#link', 'erf');
  await waitForRendered(page, 'K', 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test('dragging the cusp point moves K and H', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  await page.locator('#cusp-chart').scrollIntoViewIfNeeded();
  const target = await page.evaluate(() => {
    const chart = globalThis.Chart.getChart(document.getElementById('cusp-chart'));
    const rect = chart.canvas.getBoundingClientRect();
    return { x: rect.left + chart.scales.x.getPixelForValue(2.2), y: rect.top + chart.scales.y.getPixelForValue(-0.4),
      x2: rect.left + chart.scales.x.getPixelForValue(0.7), y2: rect.top + chart.scales.y.getPixelForValue(0.3) };
  });
  await page.mouse.move(target.x, target.y);
  await page.mouse.down();
  await waitForRendered(page, 'K', 2.18, 2.22);
  assert.equal(await stableCount(page), 2, 'K = 2.2, H = -0.4 lies inside the bistable region');
  await page.mouse.move(target.x2, target.y2, { steps: 8 });
  await page.mouse.up();
  await waitForRendered(page, 'K', 0.68, 0.72);
  assert.ok(Math.abs(Number(await page.inputValue('#H-input')) - 0.3) < 0.02);
  assert.equal(await stableCount(page), 1);

  await page.focus('#cusp-chart');
  const before = Number(await page.inputValue('#K-input'));
  await page.keyboard.press('ArrowRight');
  await waitForRendered(page, 'K', before + 1e-9, 4);
  assert.deepEqual(problems, []);
  await context.close();
});

async function setRouterField(page, name, value) {
  await page.fill(`#router-form [name="${name}"]`, value);
}

test('router run streams progress and fills its charts', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  await setRouterField(page, 'replicas', '1000');
  await setRouterField(page, 'steps', '4000');
  await page.click('#router-run');
  await page.waitForFunction(() => document.getElementById('router').dataset.result === 'done', null, { timeout: 30000 });
  assert.match(await page.textContent('#router-status-text'), /^Done in/);
  assert.equal(await page.getAttribute('#router-progress', 'value'), '1');

  const traces = await page.evaluate(() => globalThis.Chart.getChart(document.getElementById('router-traces-chart'))
    .data.datasets.map((dataset) => ({ label: dataset.label, points: dataset.data.length })));
  const median = traces.find((dataset) => dataset.label === 'median');
  assert.ok(median, 'median dataset');
  assert.equal(median.points, 1000, 'one point per recorded window, as in moe-bif simulate');
  assert.ok(traces.some((dataset) => dataset.label === 'mean field' && dataset.points === 200));
  const histogram = await page.evaluate(() => {
    const chart = globalThis.Chart.getChart(document.getElementById('router-histogram-chart'));
    const data = chart.data.datasets[0].data;
    const width = data[1].x - data[0].x;
    return { bins: data.length, mass: data.reduce((sum, point) => sum + point.y * width, 0) };
  });
  assert.equal(histogram.bins, 40);
  assert.ok(Math.abs(histogram.mass - 1) < 1e-9, `histogram integrates to ${histogram.mass}`);
  const histogramLabels = await page.evaluate(() => globalThis.Chart.getChart(
    document.getElementById('router-histogram-chart')).data.datasets.map((dataset) => dataset.label));
  assert.deepEqual(histogramLabels, ['simulation', 'Fokker–Planck']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('long router run cancels and page stays responsive', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  await setRouterField(page, 'replicas', '1000');
  await setRouterField(page, 'steps', '10000000');
  await page.click('#router-run');
  await page.waitForFunction(() => Number(document.getElementById('router').dataset.stepsDone ?? 0) > 0, null, { timeout: 30000 });
  // The mean-field views still respond while the worker runs.
  await typeValue(page, 'K', '2.5');
  await waitForRendered(page, 'K', 2.5);
  await page.click('#router-cancel');
  await page.waitForFunction(() => document.getElementById('router').dataset.result === 'cancelled', null, { timeout: 30000 });
  const stepsDone = Number(await page.evaluate(() => document.getElementById('router').dataset.stepsDone));
  assert.ok(stepsDone > 0, `cancelled at step ${stepsDone}`);
  assert.ok(stepsDone < 10000000, `cancelled at step ${stepsDone}, after the end`);
  assert.match(await page.textContent('#router-status-text'), /^Cancelled at step/);
  // The histogram followed the run up to the cancel.
  const bins = await page.evaluate(() => globalThis.Chart.getChart(
    document.getElementById('router-histogram-chart')).data.datasets[0]?.data.length ?? 0);
  assert.equal(bins, 40);
  assert.equal(await page.isDisabled('#router-run'), false);
  assert.deepEqual(problems, []);
  await context.close();
});

test('hysteresis sweep draws both directions', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  await setRouterField(page, 'replicas', '500');
  await page.click('#router-sweep');
  await page.waitForFunction(() => document.getElementById('router').dataset.result === 'done', null, { timeout: 60000 });
  const labels = await page.evaluate(() => globalThis.Chart.getChart(document.getElementById('router-hysteresis-chart'))
    .data.datasets.map((dataset) => `${dataset.label}:${dataset.data.length}`));
  assert.ok(labels.includes('H increasing:31'), labels.join(' '));
  assert.ok(labels.includes('H decreasing:31'), labels.join(' '));
  assert.ok(labels.some((label) => label.startsWith('fold:2')));
  assert.deepEqual(problems, []);
  await context.close();
});

test('invalid router input shows an error and runs nothing', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  await setRouterField(page, 'eta', '0.5');
  await setRouterField(page, 'lambda', '4');
  await setRouterField(page, 'h', '0, 1, 2');
  await page.click('#router-run');
  const error = page.locator('#router-error');
  await error.waitFor({ state: 'visible' });
  const text = await error.textContent();
  assert.match(text, /h must have N = 2 values/);
  assert.match(text, /eta\*lambda = 2 is out of range/);
  assert.equal(await page.evaluate(() => document.getElementById('router').dataset.running), 'false');

  // A run over the work limit is rejected by the worker before it starts.
  await setRouterField(page, 'eta', '0.02');
  await setRouterField(page, 'lambda', '1');
  await setRouterField(page, 'h', '0, 0');
  await setRouterField(page, 'replicas', '100000');
  await setRouterField(page, 'steps', '10000000');
  await page.click('#router-run');
  await page.waitForFunction(() => document.getElementById('router').dataset.result === 'error');
  assert.match(await error.textContent(), /The run is too long: replicas × steps × N = 2,000,000,000,000 exceeds 40,000,000,000/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('router run in the page matches the native tool', async () => {
  // The defaults of the form, run natively with the same seed.
  const native = spawnSync(nativeTool, ['simulate', '--N', '2', '--mode', 'sample', '--beta', '3', '--eta', '0.02',
    '--lambda', '1', '--h', '0.05, 0', '--m0', '0', '--replicas', '2000', '--steps', '10000', '--seed', '1', '--bins', '40'],
  { encoding: 'utf8' });
  assert.equal(native.status, 0, native.stderr);
  const expected = JSON.parse(native.stdout).histogram.counts;

  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  await page.click('#router-run');
  await page.waitForFunction(() => document.getElementById('router').dataset.result === 'done', null, { timeout: 30000 });
  const counts = await page.evaluate(() => {
    const data = globalThis.Chart.getChart(document.getElementById('router-histogram-chart')).data.datasets[0].data;
    const width = data[1].x - data[0].x;
    return data.map((point) => Math.round(point.y * 2000 * width));
  });
  assert.deepEqual(counts, expected);
  assert.deepEqual(problems, []);
  await context.close();
});

test('scripts that fail to load leave a notice', async () => {
  const context = await site.browser.newContext();
  const page = await context.newPage();
  // As in a sandboxed frame whose server sends no CORS header: app.js never runs.
  await page.route('**/js/app.js', (route) => route.abort());
  await page.goto(site.baseUrl);
  const notice = page.locator('#boot-failure');
  assert.equal(await notice.isVisible(), false, 'hidden while the page may still be starting');
  await page.waitForFunction(() => getComputedStyle(document.getElementById('boot-failure')).visibility === 'visible',
    null, { timeout: 10000 });
  assert.match(await notice.textContent(), /scripts did not start.*Access-Control-Allow-Origin/s);
  await context.close();

  const working = await openPage(site.browser, site.baseUrl);
  assert.equal(await working.page.locator('#boot-failure').count(), 0, 'a page that starts removes the notice');
  await working.context.close();
});
