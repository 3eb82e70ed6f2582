// The "Trainable MoE" section in headless Chromium: training streams epochs
// into the charts and tables and ends with the native tool's numbers,
// pause, resume and cancel work while the page stays responsive, bad input
// starts nothing, the sweep fits the mean-field curve, and links, a
// sandboxed frame and the single-file bundle reproduce a training.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';

import { openAnyPage, openPage, useServedPage } from './helpers/browser.mjs';
import { nativeTool } from './helpers/paths.mjs';

const site = useServedPage();

async function setField(page, selector, value) {
  await page.fill(`#moe-form [name="${selector}"]`, value);
}

/** Each chart's datasets as { label, ys } for the trainer's charts. */
function trainerCharts(page) {
  return page.evaluate(() => Object.fromEntries(['moe-loss-chart', 'moe-accuracy-chart', 'moe-loads-chart'].map((id) => [id,
    globalThis.Chart.getChart(document.getElementById(id)).data.datasets.map((d) => ({ label: d.label, ys: d.data.map((p) => p.y) }))])));
}

function tableCounts(page, id) {
  return page.evaluate((tableId) => Array.from(document.querySelectorAll(`#${tableId} tbody tr`),
    (row) => Array.from(row.querySelectorAll('td'), (cell) => Number(cell.textContent))), id);
}

test('training on digits fills the charts and tables and matches the native tool', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  await setField(page, 'epochs', '12');
  await setField(page, 'seed', '5');
  await page.click('#moe-train');
  await page.waitForFunction(() => document.getElementById('moe').dataset.result === 'done', null, { timeout: 60000 });
  const charts = await trainerCharts(page);
  const [training, testLoss] = charts['moe-loss-chart'];
  assert.equal(training.ys.length, 12, 'one training loss per epoch');
  assert.ok(training.ys[11] < training.ys[0], `the training loss falls: ${training.ys[0]} -> ${training.ys[11]}`);
  assert.equal(charts['moe-loads-chart'].length, 2, 'one load curve per expert');

  const native = JSON.parse(spawnSync(nativeTool, ['train', '--epochs', '12', '--seed', '5'], { encoding: 'utf8' }).stdout);
  const accuracy = charts['moe-accuracy-chart'][1].ys;
  assert.deepEqual(accuracy, native.epochs.map((e) => e.test_accuracy), 'test accuracy per epoch, page against CLI');
  assert.deepEqual(testLoss.ys, native.epochs.map((e) => e.test_loss), 'test loss per epoch, page against CLI');
  assert.deepEqual(charts['moe-loads-chart'].map((d) => d.ys.at(-1)), native.final.loads, 'final loads');
  assert.deepEqual(await tableCounts(page, 'moe-routing'), native.final.routing_matrix);
  assert.deepEqual(await tableCounts(page, 'moe-confusion'), native.final.confusion);

  // The digit grid: white background, grey digits, frames in expert colours.
  const colours = await page.evaluate(() => {
    const canvas = document.getElementById('moe-digits');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4 * 7) seen.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
    return seen.size;
  });
  assert.ok(colours > 10, `the digit grid shows ${colours} colours`);
  assert.match(await page.textContent('#moe-status-text'), /Trained 12 epochs in [\d.]+ s of compute: test accuracy/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a long training pauses, resumes and cancels while the page responds', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  await setField(page, 'epochs', '5000');
  await page.click('#moe-train');
  const epochs = () => page.evaluate(() => Number(document.getElementById('moe').dataset.epochs ?? 0));
  await page.waitForFunction(() => Number(document.getElementById('moe').dataset.epochs ?? 0) >= 2);
  await page.click('#moe-pause');
  await page.waitForFunction(() => /Paused after epoch/.test(document.getElementById('moe-status-text').textContent));
  const atPause = await epochs();
  await page.waitForTimeout(400);
  assert.equal(await epochs(), atPause, 'no epoch runs while paused');
  assert.equal(await page.getAttribute('#moe-pause', 'aria-pressed'), 'true');
  // The main thread is free: the mean-field controls still redraw.
  await page.fill('#K-input', '2.5');
  await page.press('#K-input', 'Enter');
  await page.waitForFunction(() => Number(document.body.dataset.renderedK) === 2.5);
  await page.click('#moe-pause');
  await page.waitForFunction((before) => Number(document.getElementById('moe').dataset.epochs) > before + 1, atPause);
  await page.click('#moe-cancel');
  await page.waitForFunction(() => document.getElementById('moe').dataset.result === 'cancelled');
  assert.match(await page.textContent('#moe-status-text'), /Cancelled after epoch \d+/);
  assert.equal(await page.isDisabled('#moe-train'), false);
  assert.deepEqual(problems, []);
  await context.close();
});

test('invalid trainer input shows the parameter and starts nothing', async () => {
  const { context, page } = await openPage(site.browser, site.baseUrl);
  const table = [
    [{ experts: '0' }, /experts = 0 is out of range: experts must be a whole number in \[2, 64\]/],
    [{ experts: '3', k: '4' }, /k = 4 is more than the 3 experts/, 'topk'],
    [{ capacityFactor: '0' }, /capacity-factor = 0 is out of range.*Leave it empty for no limit/],
    [{ learningRate: '-1' }, /learning-rate = -1 is out of range/],
    [{ beta: 'NaN' }, /beta: "NaN" is not a number/],
  ];
  for (const [fields, message, routing] of table) {
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    for (const [name, value] of Object.entries(fields)) await setField(page, name, value);
    if (routing) await page.selectOption('#moe-form [name="routing"]', routing);
    await page.click('#moe-train');
    await page.waitForSelector('#moe-error:not([hidden])');
    assert.match(await page.textContent('#moe-error'), message);
    assert.equal(await page.evaluate(() => document.getElementById('moe').dataset.training ?? 'false'), 'false');
  }
  await context.close();
});

test('the sweep trains on several workers and fits the mean-field curve', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  // The form on the sweep's task, so that its settings apply to the sweep.
  await page.selectOption('#moe-form [name="task"]', 'synthetic');
  await page.fill('#moe-sweep-form [name="epochs"]', '4');
  await page.fill('#moe-sweep-form [name="betas"]', '0.5, 8');
  await page.fill('#moe-sweep-form [name="seeds"]', '1, 2');
  await page.fill('#moe-sweep-form [name="routerDecays"]', '0.5, 2');
  await page.click('#moe-sweep-run');
  await page.waitForFunction(() => document.getElementById('moe').dataset.sweep === 'done', null, { timeout: 60000 });
  const datasets = await page.evaluate(() => globalThis.Chart.getChart(document.getElementById('moe-sweep-chart'))
    .data.datasets.map((d) => ({ label: d.label, points: d.data.length })));
  for (const decay of ['0.5', '2']) {
    const named = datasets.filter((dataset) => dataset.label.startsWith(`λr = ${decay}: `));
    assert.equal(named[0].points, 4, `λr = ${decay}: one point per run`);
    assert.equal(named[1].points, 2, `λr = ${decay}: one mean per beta`);
    assert.ok(named.length === 2 || /mean field, K_eff = /.test(named[2].label), `λr = ${decay}: ${named.map((d) => d.label)}`);
  }
  // The page's runs are the CLI's: same settings, same seeds, same numbers.
  const native = JSON.parse(spawnSync(nativeTool, ['sweep', '--betas', '0.5,8', '--seeds', '1,2', '--router-decays',
    '0.5,2', '--epochs', '4'], { encoding: 'utf8' }).stdout);
  const pagePoints = await page.evaluate(() => globalThis.Chart.getChart(document.getElementById('moe-sweep-chart'))
    .data.datasets.filter((d) => d.label.endsWith('each seed')).map((d) => d.data.map((p) => [p.x, p.y])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])));
  const nativePoints = native.sweeps.map((sweep) => sweep.settings.flatMap((setting) => setting.imbalance
    .map((m) => [setting.beta, m])).sort((a, b) => a[0] - b[0] || a[1] - b[1]));
  assert.deepEqual(pagePoints, nativePoints, 'each run of the page equals the CLI run');
  // Each decay gets a line: the K_eff of each beta and the fit, or why there is none.
  const fits = await page.textContent('#moe-sweep-fit');
  for (const decay of ['0.5', '2']) {
    assert.match(fits, new RegExp(`λr = ${decay}: (β = 0\\.5: .*fit over \\d settings?: K_eff = [\\d.e+-]+ × β, residual|no mean between 0\\.05 and 0\\.95)`));
  }
  assert.deepEqual(problems, []);
  await context.close();
});

/** The trainer charts' data as JSON text, for comparing two pages. */
function trainerChartText(target) {
  return target.evaluate(() => JSON.stringify(['moe-loss-chart', 'moe-accuracy-chart', 'moe-loads-chart'].map((id) =>
    globalThis.Chart.getChart(document.getElementById(id)).data.datasets.map((d) => d.data))));
}

function waitForTraining(target) {
  return target.waitForFunction(() => document.getElementById('moe').dataset.result === 'done', null, { timeout: 60000 });
}

test('a training link reruns the same training in a fresh context', async () => {
  const first = await openPage(site.browser, site.baseUrl);
  await setField(first.page, 'epochs', '6');
  await setField(first.page, 'seed', '11');
  await first.page.selectOption('#moe-form [name="routing"]', 'dense');
  await first.page.click('#moe-train');
  await waitForTraining(first.page);
  await first.page.waitForFunction(() => location.search.includes('moe.run=train'));
  const link = await first.page.evaluate(() => location.href);
  assert.match(link, /moe\.routing=dense/);
  assert.match(link, /moe\.seed=11/);

  const second = await openPage(site.browser, link);
  await waitForTraining(second.page);
  assert.equal(await trainerChartText(second.page), await trainerChartText(first.page), 'the same charts from the link');
  assert.equal(await second.page.inputValue('#moe-form [name="epochs"]'), '6');
  assert.deepEqual([...first.problems, ...second.problems], []);
  await first.context.close();
  await second.context.close();
});

test('hostile trainer links fall back per field', async () => {
  const query = 'moe.routing=topk&moe.k=9&moe.experts=3&moe.capacityFactor=0&moe.seed=<b>x</b>&moe.learningRate=0.5'
    + '&moe.routerDecay=5&moe.run=javascript:alert(1)';
  const { context, page, problems } = await openPage(site.browser, `${site.baseUrl}?${query}`);
  const notice = await page.textContent('#link-notice');
  assert.match(notice, /moe\.k = 9 is more than moe\.experts = 3/);
  assert.match(notice, /moe\.capacityFactor: 0 is out of range/);
  assert.match(notice, /moe\.seed: '<b>x<\/b>' is not a number/);
  assert.match(notice, /moe\.learningRate × moe\.routerDecay/);
  assert.match(notice, /moe\.run: 'javascript:alert\(1\)' is not one of none, train, sweep/);
  assert.equal(await page.inputValue('#moe-form [name="experts"]'), '3', 'a valid field keeps its value');
  assert.equal(await page.inputValue('#moe-form [name="k"]'), '2');
  assert.equal(await page.inputValue('#moe-form [name="capacityFactor"]'), '', 'no capacity limit');
  assert.equal(await page.inputValue('#moe-form [name="seed"]'), '1');
  assert.equal(await page.locator('#link-notice b').count(), 0, 'no markup from the link');
  assert.equal(await page.evaluate(() => document.getElementById('moe').dataset.training ?? 'false'), 'false');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the trainer trains inside a sandboxed frame and from the bundle', async () => {
  const native = JSON.parse(spawnSync(nativeTool, ['train', '--epochs', '8', '--seed', '7'], { encoding: 'utf8' }).stdout);
  const expected = native.epochs.map((e) => e.test_accuracy);
  const accuracy = (target) => target.evaluate(() => globalThis.Chart.getChart(document.getElementById('moe-accuracy-chart'))
    .data.datasets[1].data.map((p) => p.y));

  const { context, page, problems } = await openAnyPage(site.browser, `${site.baseUrl}embed-example.html`,
    { width: 1200, height: 1000 });
  const handle = await page.locator('#moe-frame').elementHandle();
  await handle.scrollIntoViewIfNeeded();
  const frame = await handle.contentFrame();
  await waitForTraining(frame);
  assert.equal(await frame.evaluate(() => self.origin), 'null', 'the frame has an opaque origin');
  assert.equal(await frame.evaluate(() => document.getElementById('moe').dataset.worker), 'main-thread');
  assert.equal(await frame.locator('#view-phase').isVisible(), false, 'only the trainer is shown');
  assert.deepEqual(await accuracy(frame), expected, 'the frame trains as the native tool does');
  // The frame lacks allow-forms, so Enter must start training without a form submission.
  await frame.evaluate(() => {
    document.getElementById('moe').dataset.result = '';
    document.querySelector('#moe-form [name="epochs"]').value = '2';
  });
  await frame.press('#moe-form [name="epochs"]', 'Enter');
  await waitForTraining(frame);
  assert.equal(await frame.evaluate(() => document.getElementById('moe').dataset.epochs), '2', 'Enter trained 2 epochs');
  assert.deepEqual(problems, []);
  await context.close();

  const { buildBundle, bundlePath } = await import('../scripts/bundle.mjs');
  writeFileSync(bundlePath, await buildBundle());
  const bundled = await openPage(site.browser, `${pathToFileURL(bundlePath).href}?moe.epochs=8&moe.seed=7&moe.run=train`);
  await waitForTraining(bundled.page);
  assert.equal(await bundled.page.evaluate(() => document.getElementById('moe').dataset.worker), 'worker');
  assert.deepEqual(await accuracy(bundled.page), expected, 'the bundle trains as the native tool does');
  assert.deepEqual(bundled.problems, []);
  await bundled.context.close();
});

test('a capacity limit shows the dropped tokens', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  await setField(page, 'epochs', '1');
  await setField(page, 'capacityFactor', '1');
  await page.click('#moe-train');
  await waitForTraining(page);
  const native = JSON.parse(spawnSync(nativeTool, ['train', '--epochs', '1', '--capacity-factor', '1'],
    { encoding: 'utf8' }).stdout);
  const dropped = native.epochs[0].dropped_fraction;
  assert.ok(dropped > 0.1, `the CLI drops ${dropped} of the tokens`);
  const status = await page.textContent('#moe-status-text');
  assert.match(status, new RegExp(`^Trained 1 epoch in .*, ${(100 * dropped).toFixed(1)} % of training tokens dropped`));
  const loads = await page.evaluate(() => globalThis.Chart.getChart(document.getElementById('moe-loads-chart'))
    .data.datasets.map((d) => ({ label: d.label, ys: d.data.map((p) => p.y) })));
  assert.deepEqual(loads.find((d) => d.label === 'dropped tokens').ys, [dropped]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a training at chance accuracy says so', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  await setField(page, 'epochs', '2');
  await setField(page, 'learningRate', '10');
  await page.click('#moe-train');
  await waitForTraining(page);
  assert.match(await page.textContent('#moe-status-text'), /That is near chance \(10 %\): try a lower learning rate\./);
  assert.deepEqual(problems, []);
  await context.close();
});
