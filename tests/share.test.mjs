// Links, embed mode, the single-file bundle and the exports, in headless
// Chromium: a copied link reproduces the charts in a fresh context, hostile
// links fall back with a notice and inject nothing, embedded views work in
// a sandboxed frame, the bundle works from file://, the CSP reports no
// violation, and a PNG export decodes.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';

import { buildBundle, bundlePath } from '../scripts/bundle.mjs';
import { contentSecurityPolicy } from '../scripts/serve.mjs';
import { openAnyPage, openPage, useServedPage } from './helpers/browser.mjs';
import { decodePng } from './helpers/png.mjs';
import { projectRoot } from './helpers/paths.mjs';

const CHART_IDS = ['phase-chart', 'trajectories-chart', 'bifurcation-k-chart', 'bifurcation-h-chart', 'cusp-chart',
  'router-traces-chart', 'router-histogram-chart', 'router-hysteresis-chart'];
const ROUTER_QUERY = 'router.replicas=300&router.steps=3000&router.seed=42&router.beta=3.4&router.run=simulate';

const site = useServedPage();

/** Returns the data of every chart in a page or frame, as JSON text. */
function chartData(target, ids = CHART_IDS) {
  return target.evaluate((chartIds) => JSON.stringify(Object.fromEntries(chartIds.map((id) => {
    const chart = globalThis.Chart.getChart(document.getElementById(id));
    return [id, chart ? chart.data.datasets.map((dataset) => ({ label: dataset.label, data: dataset.data })) : null];
  }))), ids);
}

function waitForRouter(target, result = 'done') {
  return target.waitForFunction((expected) => document.getElementById('router').dataset.result === expected,
    result, { timeout: 60000 });
}

test('copied link reproduces the charts in a fresh context', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.fill('#K-input', '2.3');
  await page.press('#K-input', 'Enter');
  await page.selectOption('#link', 'erf');
  for (const [name, value] of [['replicas', '400'], ['steps', '3000'], ['seed', '12345'], ['h', '0.02, 0']]) {
    await page.fill(`#router-form [name="${name}"]`, value);
  }
  await page.click('#router-run');
  await waitForRouter(page);
  await page.click('.page-share button:has-text("Copy link")');
  await page.waitForFunction(() => document.querySelector('.page-share .share-status')?.textContent !== '');
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(link, await page.inputValue('.page-share textarea'), 'the clipboard has the link shown in the panel');
  assert.match(link, /[?&]K=2\.3(&|$)/);
  assert.match(link, /[?&]link=erf(&|$)/);
  assert.match(link, /[?&]router\.seed=12345(&|$)/);
  assert.match(link, /[?&]router\.run=simulate(&|$)/);
  const expected = await chartData(page);
  assert.deepEqual(problems, []);
  await context.close();

  const fresh = await openPage(site.browser, link);
  await waitForRouter(fresh.page);
  const actual = await chartData(fresh.page);
  assert.ok(actual.includes('"median"'), 'the fresh page ran the router');
  assert.equal(actual, expected, 'the fresh context draws the same data in every chart');
  assert.equal(await fresh.page.locator('#link-notice').count(), 0, 'a valid link shows no notice');
  assert.deepEqual(fresh.problems, []);
  await fresh.context.close();
});

test('address bar follows the state', async () => {
  const { context, page, problems } = await openPage(site.browser, `${site.baseUrl}?K=0.5`);
  assert.equal(await page.inputValue('#K-input'), '0.5', 'the link sets K');
  await page.fill('#H-input', '-0.25');
  await page.press('#H-input', 'Enter');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('H') === '-0.25');
  await page.fill('#router-form [name="seed"]', '77');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('router.seed') === '77');
  const search = await page.evaluate(() => location.search);
  assert.match(search, /^\?v=1&/);
  assert.match(search, /[?&]K=0\.5(&|$)/);
  assert.deepEqual(problems, []);
  await context.close();
});

// Each row: a query, a text the notice must contain, and the K and router
// seed the page must use. Values that look like markup set
// window.injected if they ever run.
const HOSTILE_LINKS = [
  ['K=abc&H=0.3', "'abc' is not a number", '1.6', '1'],
  ['K=NaN&router.seed=5', "'NaN' is not a number", '1.6', '5'],
  ['K=-1', '-1 is out of range', '1.6', '1'],
  ['K=1e400', "'1e400' is too large", '1.6', '1'],
  ['K=%3Cimg%20src%3Dx%20onerror%3D%22window.injected%3D1%22%3E', '<img src=x onerror=', '1.6', '1'],
  ['router.h=%3Cscript%3Ewindow.injected%3D1%3C%2Fscript%3E&K=2', 'router.h', '2', '1'],
  ['link=%22%3E%3Csvg%20onload%3Dwindow.injected%3D1%3E', 'link', '1.6', '1'],
  ['%3Cb%3Ebold%3C%2Fb%3E=1&K=3', "Unknown parameter '<b>bold</b>'", '3', '1'],
  ['router.seed=1.5', 'seed must be a whole number', '1.6', '1'],
  ['router.eta=0.5&router.lambda=4', 'router.eta × router.lambda', '1.6', '1'],
  ['v=2&K=2', 'up to version 1', '2', '1'],
  [`K=${'7'.repeat(200)}`, 'more than 64', '1.6', '1'],
  [`router.h=${'1,'.repeat(3000)}1`, '3001 values are more than 256', '1.6', '1'],
  // Past the URL state's 16,384 characters; the server takes request heads up to 64 KiB.
  [`K=2&pad=${'x'.repeat(20000)}`, 'more than 16384; all were ignored', '1.6', '1'],
  // 301 parameters: the first line of the notice reports that most were not read.
  [Array.from({ length: 301 }, (_, i) => `x${i}=1`).join('&'), 'those after the first 64 were ignored', '1.6', '1'],
];

test('hostile links fall back with a notice', async () => {
  const context = await site.browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    dialog.dismiss();
  });
  for (const [query, noticeText, K, seed] of HOSTILE_LINKS) {
    const label = query.length > 50 ? `${query.slice(0, 50)}…` : query;
    await page.goto(`${site.baseUrl}?${query}`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    const notice = page.locator('#link-notice');
    assert.equal(await notice.isVisible(), true, `${label}: the notice is shown`);
    const text = await notice.textContent();
    assert.ok(text.includes(noticeText), `${label}: the notice contains ${JSON.stringify(noticeText)}: ${text}`);
    assert.equal(await notice.locator('li *').count(), 0, `${label}: notice lines are plain text`);
    assert.equal(await page.inputValue('#K-input'), K, `${label}: K`);
    assert.equal(await page.inputValue('#router-form [name="seed"]'), seed, `${label}: seed`);
    const injected = await page.evaluate(() => ({
      flag: globalThis.injected ?? null,
      elements: document.querySelectorAll('img, svg, iframe, object, embed, b, [onerror], [onload]').length,
      inlineScripts: document.querySelectorAll('script:not([src])').length,
    }));
    assert.deepEqual(injected, { flag: null, elements: 0, inlineScripts: 0 }, `${label}: nothing injected`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('embedded views work in a sandboxed iframe', async () => {
  const { context, page, problems } = await openAnyPage(site.browser, `${site.baseUrl}embed-example.html`,
    { width: 1000, height: 900 });
  const frames = {};
  for (const name of ['cusp', 'router']) {
    const handle = await page.locator(`#${name}-frame`).elementHandle();
    assert.equal(await handle.getAttribute('sandbox'), 'allow-scripts', `${name} frame is sandboxed`);
    await handle.scrollIntoViewIfNeeded();
    frames[name] = await handle.contentFrame();
    await frames[name].waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30000 });
  }
  const cusp = frames.cusp;
  assert.equal(await cusp.evaluate(() => self.origin), 'null', 'the frame has an opaque origin');
  assert.equal(await cusp.evaluate(() => document.body.dataset.embed), 'cusp');
  assert.equal(await cusp.locator('#view-phase').isVisible(), false, 'other views are hidden');
  assert.equal(await cusp.locator('.page-header').isVisible(), false, 'the page header is hidden');
  const cuspBox = await cusp.locator('#cusp-chart').boundingBox();
  const frameBox = await page.locator('#cusp-frame').boundingBox();
  assert.ok(cuspBox.width > 0.9 * frameBox.width - 20, `the chart is ${cuspBox.width} px wide in a ${frameBox.width} px frame`);
  const cuspData = JSON.parse(await chartData(cusp, ['cusp-chart']))['cusp-chart'];
  const current = cuspData.find((dataset) => dataset.label.startsWith('current'));
  assert.deepEqual(current.data, [{ x: 2, y: 0.2 }], 'the frame draws the linked point');

  const router = frames.router;
  await waitForRouter(router);
  assert.equal(await router.evaluate(() => document.getElementById('router').dataset.worker), 'main-thread');
  assert.equal(await router.locator('#router-form').isVisible(), false, 'controls=0 hides the form');
  assert.equal(await router.locator('#router-hysteresis-chart').isVisible(), false,
    'a simulation embed without controls leaves out the hysteresis chart it cannot fill');
  assert.equal(await router.locator('#router-histogram-chart').isVisible(), true);
  const histogram = JSON.parse(await chartData(router, ['router-histogram-chart']))['router-histogram-chart'];
  assert.equal(histogram[0].data.length, 40, 'the frame ran the router');

  // The same run on the full page, where it uses the worker, gives the same histogram.
  const full = await openPage(site.browser, `${site.baseUrl}?${new URL(await router.evaluate(() => location.href)).search.slice(1).replace(/(^|&)(embed|controls)=[^&]*/g, '')}`);
  await waitForRouter(full.page);
  assert.equal(await full.page.evaluate(() => document.getElementById('router').dataset.worker), 'worker');
  const fullHistogram = JSON.parse(await chartData(full.page, ['router-histogram-chart']))['router-histogram-chart'];
  assert.deepEqual(fullHistogram, histogram, 'main thread and worker give the same histogram');
  assert.deepEqual(full.problems, []);
  await full.context.close();
  assert.deepEqual(problems, []);
  await context.close();
});

test('bundle works opened from file://', async () => {
  const html = await buildBundle();
  writeFileSync(bundlePath, html);
  assert.doesNotMatch(html, /<script[^>]*\ssrc=/, 'no script file is referenced');
  assert.doesNotMatch(html, /<link rel="stylesheet"/, 'no stylesheet file is referenced');
  const query = `K=2.2&H=-0.1&${ROUTER_QUERY}`;
  const bundled = await openPage(site.browser, `${pathToFileURL(bundlePath).href}?${query}`);
  await waitForRouter(bundled.page);
  assert.equal(await bundled.page.evaluate(() => location.protocol), 'file:');
  assert.equal(await bundled.page.evaluate(() => document.getElementById('router').dataset.worker), 'worker');
  const served = await openPage(site.browser, `${site.baseUrl}?${query}`);
  await waitForRouter(served.page);
  assert.equal(await chartData(bundled.page), await chartData(served.page), 'the bundle draws what the served page draws');
  assert.deepEqual(bundled.problems, [], 'no error or CSP violation in the bundle');
  assert.deepEqual(served.problems, []);
  await bundled.context.close();
  await served.context.close();
});

test('served page has a strict CSP and no violation', async () => {
  assert.doesNotMatch(contentSecurityPolicy, /'unsafe-inline'|'unsafe-eval'/, 'no inline script or eval is allowed');
  const { context, page, problems } = await openPage(site.browser, `${site.baseUrl}?${ROUTER_QUERY}`);
  await waitForRouter(page);
  await page.click('#view-phase .view-tools button:has-text("Embed code")');
  await page.click('#view-cusp .view-tools button:has-text("Copy link")');
  assert.deepEqual(problems, [], 'no violation after a run and the share panels');
  // The listener reports violations: an inline script must be one.
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.inlineRan = true;';
    document.body.append(script);
  });
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => globalThis.inlineRan ?? false), false, 'the inline script did not run');
  assert.ok(problems.some((problem) => problem.includes('CSP violation: script-src')), `violation reported: ${problems.join('; ')}`);
  await context.close();
});

test('PNG, CSV and JSON exports of a chart', async () => {
  const { context, page, problems } = await openPage(site.browser, `${site.baseUrl}?K=2&H=0`);
  const tools = page.locator('#view-phase .view-tools');
  const download = async (format) => {
    const [file] = await Promise.all([page.waitForEvent('download'), tools.locator(`button:has-text("${format}")`).click()]);
    return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
  };
  const canvas = await page.evaluate(() => {
    const element = document.getElementById('phase-chart');
    return { width: element.width, height: element.height, cssWidth: element.clientWidth, cssHeight: element.clientHeight };
  });

  const png = await download('PNG');
  assert.equal(png.name, 'moe-bifurcation-phase-line.png');
  const image = decodePng(png.bytes);
  // Exported at three device pixels per CSS pixel, whatever the screen.
  assert.ok(Math.abs(image.width - 3 * canvas.cssWidth) <= 3,
    `the PNG is ${image.width} px wide for a chart of ${canvas.cssWidth} CSS pixels`);
  assert.ok(Math.abs(image.height - 3 * canvas.cssHeight) <= 3,
    `the PNG is ${image.height} px high for a chart of ${canvas.cssHeight} CSS pixels`);
  const after = await page.evaluate(() => {
    const element = document.getElementById('phase-chart');
    return { width: element.width, height: element.height };
  });
  assert.deepEqual(after, { width: canvas.width, height: canvas.height }, 'the chart on screen is back at its size');
  assert.deepEqual(image.pixel(0, 0), [255, 255, 255, 255], 'the corner is opaque white, not transparent');
  mkdirSync(`${projectRoot}build/screenshots`, { recursive: true });
  writeFileSync(`${projectRoot}build/screenshots/phase-export.png`, png.bytes);

  const chart = JSON.parse(await chartData(page, ['phase-chart']))['phase-chart'].filter((dataset) => dataset.data.length > 0);
  const pointCount = chart.reduce((sum, dataset) => sum + dataset.data.length, 0);
  const csv = await download('CSV');
  assert.equal(csv.name, 'moe-bifurcation-phase-line.csv');
  const lines = csv.bytes.toString('utf8').trimEnd().split('\r\n');
  // F and V have axes of their own, so each row names its quantity.
  assert.equal(lines[0], '"dataset","imbalance m","y","quantity"');
  assert.equal(lines.length - 1, pointCount, 'one CSV row per plotted point');
  assert.match(lines[1], /^"F\(m\)",-1,[-\d.e]+,"F\(m\) = dm\/dτ"$/);
  assert.ok(lines.some((line) => line.startsWith('"V(m)",') && !line.endsWith('"F(m) = dm/dτ"')),
    'the V(m) rows carry the quantity of their own axis');

  const json = await download('JSON');
  const exported = JSON.parse(json.bytes.toString('utf8'));
  assert.equal(exported.state.explorer.K, 2);
  assert.match(exported.link, /[?&]view=phase(&|$)/);
  assert.deepEqual(exported.datasets.map((dataset) => dataset.label), chart.map((dataset) => dataset.label));
  assert.deepEqual(exported.datasets[0].points, chart[0].data.map((point) => [point.x, point.y]));
  assert.deepEqual(problems, []);
  await context.close();
});

test('phone layout with labelled keyboard controls', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl, { width: 375, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than a 375 px screen`);
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('button, input, select, textarea')]
    .filter((element) => !element.hidden && element.type !== 'hidden')
    .filter((element) => !(element.labels?.length || element.getAttribute('aria-label') || element.textContent.trim()))
    .map((element) => element.outerHTML.slice(0, 80)));
  assert.deepEqual(unlabelled, [], 'every control has a label');
  const animated = await page.evaluate(() => Object.values(globalThis.Chart.instances)
    .filter((chart) => chart.options.animation !== false).map((chart) => chart.canvas.id));
  assert.deepEqual(animated, [], 'charts never animate');

  // Keyboard: focus the header's Copy link button, press Enter, and the panel opens.
  await page.focus('.page-share button');
  await page.keyboard.press('Enter');
  await page.locator('.page-share .share-panel').waitFor({ state: 'visible' });
  assert.match(await page.inputValue('.page-share textarea'), /^http:\/\/127\.0\.0\.1:\d+\/\?v=1&/);
  assert.deepEqual(problems, []);
  await context.close();
});
