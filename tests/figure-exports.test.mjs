// Downloads of the figures that are not Chart.js charts, in headless
// Chromium: PNG of the WebGL plane and surface with their overlays, and
// CSV, JSON and PNG of the trainer's tables and digit grid after a short
// training. Each file is compared with what the page shows.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { PLANE_COLORS } from '../web/js/gl/plane-view.js';
import { openPage, useServedPage } from './helpers/browser.mjs';
import { decodePng } from './helpers/png.mjs';

const site = useServedPage();

/** Clicks a download button of a view's toolbar, in the group named groupName. */
async function download(page, viewId, groupName, format) {
  const buttonLocator = page.locator(`#${viewId} .view-tools .export-group`)
    .filter({ has: page.locator(`span:text-is("${groupName}:")`) })
    .locator(`button:text-is("${format}")`);
  const [file] = await Promise.all([page.waitForEvent('download'), buttonLocator.click()]);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

function hexToRgb(hex) {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

// Counts the pixels of image in a rectangle of device pixels that are
// white, near each of the given colours (within 3 per channel), or other.
function countColours(image, { left, top, width, height }, named) {
  const counts = { white: 0, other: 0, total: 0, ...Object.fromEntries(Object.keys(named).map((name) => [name, 0])) };
  for (let row = top; row < top + height; row++) {
    for (let column = left; column < left + width; column++) {
      const [r, g, b] = image.pixel(column, row);
      counts.total += 1;
      if (r === 255 && g === 255 && b === 255) {
        counts.white += 1;
        continue;
      }
      const name = Object.keys(named).find((key) => named[key].every((value, i) => Math.abs(value - [r, g, b][i]) <= 3));
      counts[name ?? 'other'] += 1;
    }
  }
  return counts;
}

test('GPU plane and surface export as PNG', async () => {
  const { context, page, problems } = await openPage(site.browser, `${site.baseUrl}?K=2&H=0&gpu.colour=count`);
  await page.waitForFunction(() => document.getElementById('gpu-plane').dataset.mode === 'count'
    && document.getElementById('gpu-surface').dataset.yaw !== undefined);
  // Device-pixel boxes: the overlay is the whole picture, the plane canvas the plot area in it.
  const boxes = await page.evaluate(() => {
    const overlay = document.getElementById('gpu-plane-overlay');
    const plane = document.getElementById('gpu-plane');
    const ratio = overlay.width / overlay.clientWidth;
    return {
      plane: { width: overlay.width, height: overlay.height },
      area: { left: Math.round(plane.offsetLeft * ratio), top: Math.round(plane.offsetTop * ratio), width: plane.width,
        height: plane.height },
      surface: { width: document.getElementById('gpu-surface-overlay').width,
        height: document.getElementById('gpu-surface-overlay').height },
    };
  });

  const planeFile = await download(page, 'gpu-views', 'Plane', 'PNG');
  assert.equal(planeFile.name, 'moe-bifurcation-gpu-plane.png');
  const plane = decodePng(planeFile.bytes);
  assert.deepEqual({ width: plane.width, height: plane.height }, boxes.plane, 'the plane PNG has the overlay size');
  assert.deepEqual(plane.pixel(0, 0), [255, 255, 255, 255], 'the corner outside the plot is opaque white');
  const colours = countColours(plane, boxes.area, {
    one: hexToRgb(PLANE_COLORS.one), three: hexToRgb(PLANE_COLORS.three), black: [0, 0, 0],
  });
  const shaded = (colours.one + colours.three) / colours.total;
  assert.ok(shaded > 0.8, `shader colours cover ${(100 * shaded).toFixed(1)} % of the plot area: ${JSON.stringify(colours)}`);
  assert.ok(colours.one > 0, `the plot shows the one-equilibrium colour: ${JSON.stringify(colours)}`);
  assert.ok(colours.three > 0, `the plot shows the three-equilibria colour: ${JSON.stringify(colours)}`);
  assert.ok(colours.black > 0, `the overlay's black fold curves are in the PNG: ${JSON.stringify(colours)}`);

  const surfaceFile = await download(page, 'gpu-views', 'Surface', 'PNG');
  assert.equal(surfaceFile.name, 'moe-bifurcation-gpu-surface.png');
  const surface = decodePng(surfaceFile.bytes);
  assert.deepEqual({ width: surface.width, height: surface.height }, boxes.surface, 'the surface PNG has the overlay size');
  assert.deepEqual(surface.pixel(0, 0), [255, 255, 255, 255], 'the surface background is opaque white');
  const surfaceColours = countColours(surface, { left: 0, top: 0, ...boxes.surface }, {});
  const drawn = surfaceColours.other / surfaceColours.total;
  assert.ok(drawn > 0.1, `the surface covers ${(100 * drawn).toFixed(1)} % of the PNG`);
  assert.deepEqual(problems, []);
  await context.close();
});

/** Returns the header cells and the body rows (header cell, then data cells) of a table as text. */
function tableText(page, id) {
  return page.evaluate((tableId) => {
    const table = document.getElementById(tableId);
    return {
      head: Array.from(table.querySelectorAll('thead th'), (cell) => cell.textContent),
      rows: Array.from(table.querySelectorAll('tbody tr'), (row) => Array.from(row.cells, (cell) => cell.textContent)),
    };
  }, id);
}

// Splits CSV of quoted text cells and bare numbers, as tableDataToCsv writes it.
function parseCsv(text) {
  return text.trimEnd().split('\r\n').map((line) => line.split(',').map((cell) => cell.replace(/^"|"$/g, '')));
}

test('trainer tables export as CSV and JSON, digits as PNG', async () => {
  const { context, page, problems } = await openPage(site.browser, site.baseUrl);
  // Before any training the tables are empty: the export reports it and downloads nothing.
  await page.locator('#moe .view-tools .export-group').filter({ has: page.locator('span:text-is("Confusion:")') })
    .locator('button:text-is("CSV")').click();
  const message = page.locator('#moe .view-tools .share-status');
  await message.waitFor({ state: 'visible' });
  assert.match(await message.textContent(), /The CSV export failed: the table has no rows yet/);

  await page.fill('#moe-form [name="epochs"]', '3');
  await page.click('#moe-train');
  await page.waitForFunction(() => document.getElementById('moe').dataset.result === 'done', null, { timeout: 60000 });

  for (const [group, id] of [['Confusion', 'moe-confusion'], ['Routing', 'moe-routing']]) {
    const table = await tableText(page, id);
    assert.ok(table.rows.length > 0, `${id} has rows after training`);
    const csv = await download(page, 'moe', group, 'CSV');
    assert.equal(csv.name, `moe-bifurcation-${id}.csv`);
    const [head, ...rows] = parseCsv(csv.bytes.toString('utf8'));
    assert.deepEqual(head, table.head, `CSV header of ${id} against the table header`);
    assert.deepEqual(rows, table.rows, `CSV rows of ${id} against the table rows`);
  }

  const json = JSON.parse((await download(page, 'moe', 'Confusion', 'JSON')).bytes.toString('utf8'));
  const confusion = await tableText(page, 'moe-confusion');
  assert.equal(json.table, 'moe-bifurcation-moe-confusion');
  assert.match(json.link, /[?&]view=moe(&|$)/, 'the JSON link points at the trainer');
  assert.match(json.link, /[?&]moe\.epochs=3(&|$)/, 'the JSON link carries the trained epochs');
  assert.equal(json.state.trainer.epochs, 3, 'the JSON state has the trained epochs');
  assert.deepEqual([json.corner, ...json.columns], confusion.head, 'JSON columns against the table header');
  assert.deepEqual(json.rows.map((row) => [row.label, ...row.values.map(String)]), confusion.rows,
    'JSON rows against the table rows');

  const digitsFile = await download(page, 'moe', 'Digits', 'PNG');
  assert.equal(digitsFile.name, 'moe-bifurcation-moe-digits.png');
  const digits = decodePng(digitsFile.bytes);
  const canvasSize = await page.evaluate(() => {
    const canvas = document.getElementById('moe-digits');
    return { width: canvas.width, height: canvas.height };
  });
  assert.deepEqual({ width: digits.width, height: digits.height }, canvasSize, 'the digits PNG has the canvas size');
  const digitColours = countColours(digits, { left: 0, top: 0, ...canvasSize }, {});
  assert.ok(digitColours.other > digitColours.total / 10,
    `frames and digits cover ${digitColours.other} of ${digitColours.total} pixels`);
  assert.deepEqual(problems, []);
  await context.close();
});
