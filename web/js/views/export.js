// Exports of any Chart.js chart: the picture as PNG on a white background,
// and the plotted data as CSV and JSON. Each file is offered as a download
// through an anchor with a Blob URL.

/** Draws the chart on a white canvas and returns a PNG Blob. */
export function chartToPng(chart) {
  const source = chart.canvas;
  const canvas = document.createElement('canvas');
  canvas.width = source.width;
  canvas.height = source.height;
  const context = canvas.getContext('2d');
  // Chart.js leaves the background transparent, so the PNG would otherwise
  // take the background of whatever displays it, black in some viewers.
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(source, 0, 0);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The browser could not encode the PNG.'))), 'image/png');
  });
}

/**
 * Returns the chart's data: { title, xTitle, yTitle, datasets: [{ label,
 * points: [[x, y], …] }] }. Datasets without points are left out.
 */
export function chartData(chart) {
  const { scales } = chart.options;
  const datasets = [];
  for (const dataset of chart.data.datasets) {
    const points = dataset.data.map((point) => [point.x, point.y]);
    if (points.length > 0) datasets.push({ label: dataset.label ?? '', points });
  }
  return {
    title: chart.canvas.getAttribute('aria-label') ?? '',
    xTitle: scales?.x?.title?.text ?? 'x',
    yTitle: scales?.y?.title?.text ?? 'y',
    datasets,
  };
}

/** Formats chart data as CSV in long form: one row per point, with its dataset's label. */
export function chartDataToCsv(data) {
  const rows = [['dataset', data.xTitle, data.yTitle].map(csvText).join(',')];
  for (const dataset of data.datasets) {
    const label = csvText(dataset.label);
    for (const [x, y] of dataset.points) rows.push(`${label},${csvNumber(x)},${csvNumber(y)}`);
  }
  return `${rows.join('\r\n')}\r\n`;
}

// Quotes a text cell. A cell that starts with = + - @ gets a leading
// apostrophe, so that spreadsheets do not read it as a formula.
function csvText(text) {
  const guarded = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${guarded.replace(/"/g, '""')}"`;
}

function csvNumber(value) {
  return Number.isFinite(value) ? String(value) : '';
}

/** Offers a Blob as a download named fileName. */
export function downloadBlob(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.hidden = true;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // The download has started from the URL by now; a minute leaves slow browsers time.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/**
 * Exports a chart in one format ('png', 'csv' or 'json') as fileStem plus
 * the extension. describeState() returns { link, state } for the JSON file,
 * so the data can be traced back to the figure.
 */
export async function exportChart(chart, format, fileStem, describeState) {
  if (format === 'png') {
    downloadBlob(await chartToPng(chart), `${fileStem}.png`);
    return;
  }
  const data = chartData(chart);
  if (format === 'csv') {
    downloadBlob(new Blob([chartDataToCsv(data)], { type: 'text/csv' }), `${fileStem}.csv`);
    return;
  }
  const exported = { generator: 'moe-bifurcation', chart: fileStem, ...describeState(), ...data };
  downloadBlob(new Blob([JSON.stringify(exported, null, 1)], { type: 'application/json' }), `${fileStem}.json`);
}
