// The WebGL views in headless Chromium. With the launcher's flags
// (--disable-gpu, no others for WebGL) Chromium 156 renders WebGL 2 with
// SwiftShader, its software renderer. The tests read the canvases back and
// compare pixels with the core, rotate and pick by keyboard and pointer,
// reopen the surface's camera from a link, check a phone-sized screen, and
// check the page without WebGL.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';

import { loadCore } from '../web/js/core.js';
import { PLANE_COLORS } from '../web/js/gl/plane-view.js';
import { openPage, useServedPage } from './helpers/browser.mjs';
import { decodePng } from './helpers/png.mjs';
import { wasmModule } from './helpers/paths.mjs';

const site = useServedPage();
let core;

before(async () => {
  core = await loadCore({ bytes: readFileSync(wasmModule) });
});

function hexToRgb(hex) {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/**
 * Copies the canvas with the given id onto a 2D canvas in the page. Returns
 * its size, the number of distinct colours, the eight most common colours
 * with their pixel counts, and the RGB of the requested pixels, given as
 * [column, row] with rows counted from the top.
 */
function readCanvas(page, id, pixels = []) {
  return page.evaluate(([canvasId, wanted]) => {
    const source = document.getElementById(canvasId);
    const copy = document.createElement('canvas');
    copy.width = source.width;
    copy.height = source.height;
    const context = copy.getContext('2d');
    context.drawImage(source, 0, 0);
    const { data } = context.getImageData(0, 0, copy.width, copy.height);
    const counts = new Map();
    for (let i = 0; i < data.length; i += 4) {
      const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const pixel = ([column, row]) => {
      const i = 4 * (row * copy.width + column);
      return [data[i], data[i + 1], data[i + 2]];
    };
    return {
      width: copy.width,
      height: copy.height,
      distinct: counts.size,
      counts: [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8),
      samples: wanted.map(pixel),
      all: canvasId === 'gpu-surface' ? Array.from(data) : null,
    };
  }, [id, pixels]);
}

async function gpuWindow(page) {
  return page.evaluate(() => {
    const canvas = document.getElementById('gpu-plane');
    return { KMax: Number(canvas.dataset.kMax), HMax: Number(canvas.dataset.hMax), link: canvas.dataset.link };
  });
}

// (K, H) at the centre of a drawing-buffer pixel, as the shader computes it.
function pixelParameters([column, row], { width, height }, { KMax, HMax }) {
  const K = KMax * (column + 0.5) / width;
  const H = HMax * (2 * (height - row - 0.5) / height - 1);
  return { K, H };
}

function gridPixels({ width, height }, columns, rows) {
  const pixels = [];
  for (let i = 0; i < columns; i++) {
    for (let j = 0; j < rows; j++) {
      pixels.push([Math.floor((i + 0.5) * width / columns), Math.floor((j + 0.5) * height / rows)]);
    }
  }
  return pixels;
}

// True when `expected` returns the same value at the pixel and at pixels
// `reach` away in each direction, so the pixel is clear of any boundary.
function clearOfBoundary(expected, [column, row], size, window, reach = 3) {
  const centre = expected(pixelParameters([column, row], size, window));
  for (const [dx, dy] of [[reach, 0], [-reach, 0], [0, reach], [0, -reach]]) {
    if (expected(pixelParameters([column + dx, row + dy], size, window)) !== centre) return false;
  }
  return true;
}

function assertColor(actual, expected, tolerance, description) {
  const difference = Math.max(...actual.map((value, i) => Math.abs(value - expected[i])));
  assert.ok(difference <= tolerance, `${description}: pixel ${actual} differs from expected ${expected.map(Math.round)} by ${difference}`);
}

async function waitForPlane(page, { link, mode, start }) {
  await page.waitForFunction(([wantedLink, wantedMode, wantedStart]) => {
    const canvas = document.getElementById('gpu-plane');
    return canvas.dataset.link === wantedLink && canvas.dataset.mode === wantedMode
      && (wantedStart === null || canvas.dataset.start === wantedStart);
  }, [link, mode, start ?? null]);
}

async function typeValue(page, name, text) {
  await page.fill(`#${name}-input`, text);
  await page.press(`#${name}-input`, 'Enter');
}

for (const link of ['tanh', 'erf']) {
  test(`GPU plane count matches core: ${link}`, async () => {
    const { context, page, problems } = await openPage(site.browser, site.baseUrl);
    assert.equal(await page.getAttribute('#gpu-views', 'data-webgl'), 'on', 'WebGL 2 starts in headless Chromium');
    await page.selectOption('#link', link);
    await waitForPlane(page, { link, mode: 'count' });
    const window = await gpuWindow(page);
    const size = await page.evaluate(() => ({ width: document.getElementById('gpu-plane').width, height: document.getElementById('gpu-plane').height }));
    const pixels = gridPixels(size, 24, 16);
    const image = await readCanvas(page, 'gpu-plane', pixels);

    const oneColor = hexToRgb(PLANE_COLORS.one);
    const threeColor = hexToRgb(PLANE_COLORS.three);
    assert.equal(image.distinct, 2, `count mode draws exactly two colours, found ${JSON.stringify(image.counts)}`);
    const total = image.width * image.height;
    for (const [key, pixelsOfColour] of image.counts) {
      assert.ok(pixelsOfColour > 0.05 * total, `colour ${key.toString(16)} covers only ${pixelsOfColour} of ${total} pixels`);
    }

    const count = ({ K, H }) => core.equilibria(link, K, H).length;
    let compared = 0;
    pixels.forEach((pixel, i) => {
      if (!clearOfBoundary(count, pixel, size, window)) return;
      const { K, H } = pixelParameters(pixel, size, window);
      const expected = count({ K, H }) === 3 ? threeColor : oneColor;
      assertColor(image.samples[i], expected, 1, `${link} K=${K.toFixed(4)} H=${H.toFixed(4)} with ${count({ K, H })} equilibria`);
      compared++;
    });
    assert.ok(compared > 300, `only ${compared} pixels lie clear of the fold curves`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('GPU plane basin matches core', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  const modeSelect = page.getByLabel('Colour by');
  const startSlider = page.getByRole('slider', { name: /Start m/ });
  assert.equal(await startSlider.isDisabled(), true, 'the start is disabled while colouring by count');
  await modeSelect.selectOption('basin');
  assert.equal(await startSlider.isDisabled(), false);
  // Keyboard only: ten steps of 0.01 down from 0.30.
  await startSlider.focus();
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft');
  await waitForPlane(page, { link: 'tanh', mode: 'basin', start: '0.2' });
  assert.equal(await page.textContent('#gpu-start-value'), '0.20');

  const start = 0.2;
  const window = await gpuWindow(page);
  const size = await page.evaluate(() => ({ width: document.getElementById('gpu-plane').width, height: document.getElementById('gpu-plane').height }));
  const pixels = gridPixels(size, 24, 16);
  const image = await readCanvas(page, 'gpu-plane', pixels);
  assert.ok(image.distinct > 50, `basin mode shades by |m*|, but only ${image.distinct} colours are drawn`);

  // The flow from m0 ends at the lowest equilibrium unless three exist and
  // m0 lies above the unstable middle one; the core lists them sorted.
  const reached = ({ K, H }) => {
    const equilibria = core.equilibria('tanh', K, H);
    return equilibria.length === 3 && start > equilibria[1].m ? equilibria[2].m : equilibria[0].m;
  };
  const side = (point) => Math.sign(reached(point));
  const pale = hexToRgb(PLANE_COLORS.pale);
  let compared = 0;
  pixels.forEach((pixel, i) => {
    if (!clearOfBoundary(side, pixel, size, window)) return;
    const point = pixelParameters(pixel, size, window);
    const m = reached(point);
    const hue = hexToRgb(m < 0 ? PLANE_COLORS.lower : PLANE_COLORS.upper);
    const weight = 0.25 + 0.75 * Math.abs(m);
    const expected = pale.map((value, channel) => value + (hue[channel] - value) * weight);
    assertColor(image.samples[i], expected, 1.5, `K=${point.K.toFixed(4)} H=${point.H.toFixed(4)} reaching m*=${m.toFixed(4)}`);
    compared++;
  });
  assert.ok(compared > 300, `only ${compared} pixels lie clear of the basin boundary`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('GPU plane click and keys move the point', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  const plane = page.locator('#gpu-plane');
  await plane.scrollIntoViewIfNeeded();
  const box = await plane.boundingBox();
  const { KMax, HMax } = await gpuWindow(page);
  const x = box.x + (2.2 / KMax) * box.width;
  const y = box.y + (1 - (-0.4 + HMax) / (2 * HMax)) * box.height;
  await page.mouse.click(x, y);
  await page.waitForFunction(() => Math.abs(Number(document.body.dataset.renderedK) - 2.2) < 0.02
    && Math.abs(Number(document.body.dataset.renderedH) + 0.4) < 0.02);
  assert.equal(await page.locator('#equilibria-table tbody tr[data-stability="stable"]').count(), 2,
    'K = 2.2, H = -0.4 lies inside the bistable region');

  const before = Number(await page.evaluate(() => document.body.dataset.renderedH));
  await plane.focus();
  await page.keyboard.press('ArrowUp');
  await page.waitForFunction((previous) => Number(document.body.dataset.renderedH) > previous + 1e-9, before);
  assert.deepEqual(problems, []);
  await context.close();
});

function fractionDifferent(first, second) {
  let different = 0;
  for (let i = 0; i < first.length; i += 4) {
    if (first[i] !== second[i] || first[i + 1] !== second[i + 1] || first[i + 2] !== second[i + 2]) different++;
  }
  return different / (first.length / 4);
}

test('GPU surface renders and rotates by keys', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const first = await readCanvas(page, 'gpu-surface');
  const pixelCount = first.width * first.height;
  let blue = 0;
  let orange = 0;
  let white = 0;
  for (let i = 0; i < first.all.length; i += 4) {
    const [r, g, b] = first.all.slice(i, i + 3);
    if (r === 255 && g === 255 && b === 255) white++;
    else if (b > r + 60) blue++;
    else if (r > b + 60) orange++;
  }
  assert.ok(white < 0.9 * pixelCount, `the surface covers only ${pixelCount - white} of ${pixelCount} pixels`);
  assert.ok(blue > 0.01 * pixelCount, `lower stable sheet (blue) covers ${blue} pixels`);
  assert.ok(orange > 0.01 * pixelCount, `upper stable sheet (orange) covers ${orange} pixels`);
  assert.ok(first.distinct > 30, `a lit surface has many shades, found ${first.distinct}`);

  const surface = page.locator('#gpu-surface');
  const startYaw = await surface.getAttribute('data-yaw');
  await surface.focus();
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  assert.notEqual(await surface.getAttribute('data-yaw'), startYaw, 'arrow keys turn the surface');
  const turned = await readCanvas(page, 'gpu-surface');
  assert.ok(fractionDifferent(first.all, turned.all) > 0.02, 'the image changes when the surface turns');

  // With reduced motion, Home jumps back to the starting view at once.
  await page.keyboard.press('Home');
  assert.equal(await surface.getAttribute('data-yaw'), startYaw, 'Home restores the view without animation');
  assert.deepEqual(problems, []);
  await context.close();
});

function surfaceCamera(page) {
  return page.evaluate(() => {
    const { yaw, pitch } = document.getElementById('gpu-surface').dataset;
    return { yaw, pitch };
  });
}

// The surface canvas as a decoded PNG. A data URL crosses to Node much
// faster than readCanvas's array of every channel.
async function surfaceImage(page) {
  const url = await page.evaluate(() => document.getElementById('gpu-surface').toDataURL('image/png'));
  return decodePng(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
}

function fractionOfPixelsDifferent(first, second) {
  assert.deepEqual([second.width, second.height], [first.width, first.height], 'images of the same size');
  let different = 0;
  for (let row = 0; row < first.height; row++) {
    for (let column = 0; column < first.width; column++) {
      const a = first.pixel(column, row);
      const b = second.pixel(column, row);
      if (a[0] !== b[0] || a[1] !== b[1] || a[2] !== b[2]) different++;
    }
  }
  return different / (first.width * first.height);
}

test('GPU surface camera round-trips a link', async () => {
  const { context, page, problems } = await openPage(site.browser, `${site.baseUrl}?gpu.yaw=1.2&gpu.pitch=1.3`);
  await page.waitForFunction(() => document.getElementById('gpu-surface').dataset.yaw !== undefined);
  assert.deepEqual(await surfaceCamera(page), { yaw: '1.200', pitch: '1.300' }, 'camera drawn against the link');

  // Turning by keys updates the address. Pitch stops at its limit of 1.5.
  const surface = page.locator('#gpu-surface');
  await surface.focus();
  await page.keyboard.press('ArrowRight');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
  const followed = await page.waitForFunction(() => {
    const query = new URLSearchParams(location.search);
    return query.get('gpu.yaw') === '1.28' && query.get('gpu.pitch') === '1.5';
  }, null, { timeout: 5000 }).then(() => true, () => false);
  const address = new URL(page.url()).searchParams;
  assert.ok(followed, `address bar has gpu.yaw=${address.get('gpu.yaw')}, gpu.pitch=${address.get('gpu.pitch')}, `
    + 'expected 1.28 and 1.5');
  assert.deepEqual(await surfaceCamera(page), { yaw: '1.280', pitch: '1.500' }, 'camera after one turn right and a clamped tilt');
  const turned = await surfaceImage(page);

  // A fresh page from that address draws the same picture.
  const fresh = await openPage(site.browser, page.url());
  await fresh.page.waitForFunction(() => document.getElementById('gpu-surface').dataset.yaw !== undefined);
  assert.deepEqual(await surfaceCamera(fresh.page), { yaw: '1.280', pitch: '1.500' }, 'camera of the copied address');
  const reopened = await surfaceImage(fresh.page);
  const changed = fractionOfPixelsDifferent(turned, reopened);
  assert.ok(changed < 0.001, `${(100 * changed).toFixed(3)} % of the pixels differ between the page and its link`);
  assert.deepEqual(fresh.problems, []);
  await fresh.context.close();
  assert.deepEqual(problems, []);
  await context.close();
});

test('GPU views fit a phone screen', async () => {
  const viewport = { width: 390, height: 844 };
  const { context, page, problems } = await openPage(site.browser, site.baseUrl, viewport);
  assert.equal(await page.getAttribute('#gpu-views', 'data-webgl'), 'on');
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= viewport.width, `page is ${scrollWidth} px wide on a ${viewport.width} px screen`);
  for (const id of ['gpu-plane', 'gpu-surface']) {
    const box = await page.locator(`#${id}`).boundingBox();
    assert.ok(box.x >= 0, `${id} starts at x = ${box.x}, left of the screen`);
    assert.ok(box.x + box.width <= viewport.width, `${id} ends at x = ${box.x + box.width}, right of the screen`);
    assert.ok(box.height >= 150, `${id} is only ${box.height} px high`);
    const image = await readCanvas(page, id);
    assert.ok(image.distinct >= 2, `${id} is blank: ${JSON.stringify(image.counts)}`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('page without WebGL says so and keeps 2D views', async () => {
  const context = await site.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  // Every WebGL context request fails, as with WebGL disabled in the site.browser.
  await context.addInitScript(() => {
    const original = HTMLCanvasElement.prototype.getContext;
    HTMLCanvasElement.prototype.getContext = function getContext(type, ...rest) {
      if (/webgl/i.test(String(type))) return null;
      return original.call(this, type, ...rest);
    };
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(site.baseUrl);
  await page.waitForFunction(() => document.body.dataset.ready === 'true' || !document.getElementById('input-error').hidden);

  assert.equal(await page.evaluate(() => document.createElement('canvas').getContext('webgl2')), null, 'WebGL is off');
  const notice = page.locator('#gpu-views .gpu-notice');
  assert.equal(await notice.isVisible(), true, 'the notice is shown');
  assert.match(await notice.textContent(), /WebGL 2 is not available/);
  assert.equal(await page.locator('#gpu-views .gpu-content').isHidden(), true, 'the GPU canvases are hidden');
  assert.equal(await page.getAttribute('#gpu-views', 'data-webgl'), 'off');
  assert.equal(await page.isHidden('#input-error'), true);

  const datasets = await page.evaluate(() => ['phase-chart', 'cusp-chart'].map((id) => globalThis.Chart
    .getChart(document.getElementById(id)).data.datasets.filter((dataset) => dataset.data.length >= 2).length));
  assert.ok(datasets.every((count) => count >= 1), `2D charts with data: ${datasets}`);
  await typeValue(page, 'K', '2.5');
  await page.waitForFunction(() => document.body.dataset.renderedK === '2.5');
  assert.ok((await page.locator('#equilibria-table tbody tr').count()) === 3, 'the readout follows the controls');
  assert.deepEqual(problems, []);
  await context.close();
});
