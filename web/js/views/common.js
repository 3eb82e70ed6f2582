// Chart.js settings shared by the views: no animation, pre-shaped {x, y}
// data with parsing off, fixed axes, and legends that skip helper datasets.
import { colors } from '../palette.js';

export function chartClass() {
  const chart = globalThis.Chart;
  if (!chart) throw new Error('Chart.js did not load (vendor/chart.umd.js).');
  return chart;
}

export function baseOptions({ xTitle, yTitle, xMin, xMax, yMin, yMax }) {
  return {
    animation: false,
    parsing: false,
    normalized: true,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'nearest', intersect: false, axis: 'xy' },
    scales: {
      x: { type: 'linear', min: xMin, max: xMax, title: { display: true, text: xTitle } },
      y: { type: 'linear', min: yMin, max: yMax, title: { display: true, text: yTitle },
        ticks: { includeBounds: false } },
    },
    plugins: {
      legend: {
        labels: {
          boxWidth: 18,
          usePointStyle: true,
          filter: (item, data) => !data.datasets[item.datasetIndex].hiddenFromLegend,
        },
      },
      tooltip: {
        callbacks: {
          label: (context) => `${context.dataset.label ?? ''}: (${formatNumber(context.parsed.x)}, ${formatNumber(context.parsed.y)})`,
        },
      },
    },
  };
}

/** Builds a line dataset through points given as two arrays. */
export function lineDataset(label, xs, ys, color, extra = {}) {
  const data = new Array(xs.length);
  for (let i = 0; i < xs.length; i++) data[i] = { x: xs[i], y: ys[i] };
  // pointStyle 'line' draws the legend entry as a line, dashed when the dataset is.
  return { label, data, borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 0,
    pointStyle: 'line', showLine: true, fill: false, ...extra };
}

/** Builds markers for equilibria: stable filled, unstable open, marginal as a diamond. */
export function equilibriumDataset(label, points, color) {
  return {
    label,
    data: points.map(({ x, y }) => ({ x, y })),
    order: -1, // Chart.js draws lower orders on top
    clip: false,
    showLine: false,
    pointRadius: 6,
    pointHoverRadius: 7,
    borderWidth: 2,
    borderColor: color,
    pointStyle: points.map(({ stability }) => (stability === 'marginal' ? 'rectRot' : 'circle')),
    backgroundColor: points.map(({ stability }) => (stability === 'stable' ? color : '#ffffff')),
  };
}

/** Builds a vertical guide line at x spanning [yMin, yMax]. */
export function verticalLine(label, x, yMin, yMax, color = colors.grey) {
  return { label, data: [{ x, y: yMin }, { x, y: yMax }], showLine: true, pointRadius: 0,
    borderColor: color, borderWidth: 1.5, borderDash: [3, 3], hiddenFromLegend: true };
}

export function formatNumber(value) {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e4 || magnitude < 1e-3) return value.toExponential(3);
  return value.toFixed(4).replace(/\.?0+$/, '');
}

/** Replaces the chart's datasets and redraws without animation. */
export function replaceDatasets(chart, datasets) {
  chart.data.datasets = datasets;
  chart.update('none');
}
