// 2D canvas overlays for the GPU views: sizing for the device pixel ratio,
// tick positions and labelled axes around a plot area.
import { formatNumber } from '../views/common.js';
import { fitCanvas } from './webgl.js';

const TEXT_COLOR = '#1f2328';
const FONT = '12px system-ui, sans-serif';

/** Sizes and clears overlay, and returns its 2D context in CSS pixels. */
export function prepareOverlay(overlay) {
  const { width, height, ratio } = fitCanvas(overlay);
  const context = overlay.getContext('2d');
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  context.font = FONT;
  context.fillStyle = TEXT_COLOR;
  return context;
}

/** Returns about `count` round tick values in [min, max]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(min, max, count = 5) {
  const span = max - min;
  if (!(span > 0)) return [min];
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= raw);
  const ticks = [];
  for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step) {
    ticks.push(Math.abs(value) < step * 1e-9 ? 0 : value);
  }
  return ticks;
}

/**
 * Draws a border around area ({ left, top, width, height } in CSS pixels)
 * with ticks, tick labels and axis titles for the given ranges.
 */
export function drawFrame(context, area, { xMin, xMax, yMin, yMax, xTitle, yTitle }) {
  const { left, top, width, height } = area;
  context.strokeStyle = TEXT_COLOR;
  context.lineWidth = 1;
  context.strokeRect(left - 0.5, top - 0.5, width + 1, height + 1);

  context.textAlign = 'center';
  context.textBaseline = 'top';
  const xTickCount = Math.max(2, Math.floor(width / 70));
  for (const value of niceTicks(xMin, xMax, xTickCount)) {
    const x = left + ((value - xMin) / (xMax - xMin)) * width;
    context.beginPath();
    context.moveTo(x, top + height);
    context.lineTo(x, top + height + 4);
    context.stroke();
    context.fillText(formatNumber(value), x, top + height + 6);
  }
  context.fillText(xTitle, left + width / 2, top + height + 22);

  context.textAlign = 'right';
  context.textBaseline = 'middle';
  const yTickCount = Math.max(2, Math.floor(height / 50));
  for (const value of niceTicks(yMin, yMax, yTickCount)) {
    const y = top + (1 - (value - yMin) / (yMax - yMin)) * height;
    context.beginPath();
    context.moveTo(left - 4, y);
    context.lineTo(left, y);
    context.stroke();
    context.fillText(formatNumber(value), left - 6, y);
  }
  context.save();
  context.translate(12, top + height / 2);
  context.rotate(-Math.PI / 2);
  context.textAlign = 'center';
  context.fillText(yTitle, 0, 0);
  context.restore();
}
