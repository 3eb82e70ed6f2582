// Exports of the page's figures. A Chart.js chart gives a PNG on a white
// background and its plotted data as CSV and JSON. A WebGL canvas with its
// 2D overlay, or a plain 2D canvas, gives a PNG, and a table of counts
// gives CSV and JSON. Each file is offered as a download through an anchor
// with a Blob URL.

/**
 * Draws canvases in order on a white canvas of width x height device pixels
 * and returns a PNG Blob. Each layer is { canvas, x, y }: a canvas drawn at
 * its own buffer size with its top-left corner at (x, y).
 */
export function layersToPng(width, height, layers) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  // Chart.js and the overlays leave the background transparent, so the PNG
  // would otherwise take the background of whatever displays it, black in
  // some viewers.
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, width, height);
  for (const { canvas: layer, x, y } of layers) context.drawImage(layer, x, y);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The browser could not encode the PNG.'))), 'image/png');
  });
}

/** Draws the chart on a white canvas and returns a PNG Blob. */
export async function chartToPng(chart) {
  // Redraw at three times the CSS size, whatever the screen, so the picture
  // stays sharp on slides; then draw the chart back at the screen's ratio.
  const screenRatio = chart.options.devicePixelRatio;
  chart.options.devicePixelRatio = EXPORT_PIXEL_RATIO;
  chart.resize();
  try {
    const source = chart.canvas;
    return await layersToPng(source.width, source.height, [{ canvas: source, x: 0, y: 0 }]);
  } finally {
    chart.options.devicePixelRatio = screenRatio;
    chart.resize();
  }
}

const EXPORT_PIXEL_RATIO = 3;

/**
 * Returns a PNG Blob of a WebGL canvas under its 2D overlay, which covers
 * the canvas's positioned parent. Both are sized for the same device pixel
 * ratio (gl/webgl.js fitCanvas), so the canvas sits at its CSS offset times
 * that ratio.
 *
 * The WebGL image is read at the time of the call, which works because
 * gl/webgl.js creates every context with preserveDrawingBuffer. The flag
 * is already on for reading the canvases back (the WebGL tests do), so this
 * export adds no cost. The alternative, a redraw right before the capture,
 * would let the flag go, but it would add a full redraw per export (up to
 * 40 bisection steps per pixel of the plane) and break that readback. The
 * flag's own cost, a possible buffer copy where the browser could swap,
 * falls only on drawn frames, and both views draw on input only.
 */
export function webglToPng(canvas, overlay) {
  const ratio = overlay.width / Math.max(1, overlay.clientWidth);
  return layersToPng(overlay.width, overlay.height, [
    { canvas, x: Math.round(canvas.offsetLeft * ratio), y: Math.round(canvas.offsetTop * ratio) },
    { canvas: overlay, x: 0, y: 0 },
  ]);
}

/**
 * Returns the chart's data: { title, xTitle, yTitle, datasets: [{ label,
 * yTitle, points: [[x, y], …] }] }. A dataset's yTitle is the title of its
 * own y axis (a chart may have two). Datasets without points are left out.
 */
export function chartData(chart) {
  const { scales } = chart.options;
  const datasets = [];
  for (const dataset of chart.data.datasets) {
    const points = dataset.data.map((point) => [point.x, point.y]);
    const yTitle = scales?.[dataset.yAxisID ?? 'y']?.title?.text ?? scales?.y?.title?.text ?? 'y';
    // exportLabel names a dataset whose legend label describes something else (a band's edge).
    if (points.length > 0) datasets.push({ label: dataset.exportLabel ?? dataset.label ?? '', yTitle, points });
  }
  return {
    title: chart.canvas.getAttribute('aria-label') ?? '',
    xTitle: scales?.x?.title?.text ?? 'x',
    yTitle: scales?.y?.title?.text ?? 'y',
    datasets,
  };
}

/**
 * Returns the counts of a table with a header row and one header cell per
 * row: { title, corner, columns, rows: [{ label, values }] }. title is the
 * caption of the table's figure with white space collapsed. Cells that are
 * not numbers become null.
 */
export function tableData(table) {
  const headers = Array.from(table.querySelectorAll('thead th'), (cell) => cell.textContent);
  const rows = Array.from(table.querySelectorAll('tbody tr'), (row) => ({
    label: row.querySelector('th')?.textContent ?? '',
    values: Array.from(row.querySelectorAll('td'), (cell) => {
      const value = Number(cell.textContent);
      return cell.textContent.trim() !== '' && Number.isFinite(value) ? value : null;
    }),
  }));
  const caption = table.closest('figure')?.querySelector('figcaption')?.textContent ?? '';
  return { title: caption.replace(/\s+/g, ' ').trim(), corner: headers[0] ?? '', columns: headers.slice(1), rows };
}

/** Formats table data as CSV: the header row, then each row's label and values. */
export function tableDataToCsv(data) {
  const lines = [[data.corner, ...data.columns].map(csvText).join(',')];
  for (const row of data.rows) lines.push([csvText(row.label), ...row.values.map(csvNumber)].join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * Formats chart data as CSV in long form: one row per point, with its
 * dataset's label. When datasets use different y axes, the y column is
 * named 'y' and a last column gives each row's quantity (its axis title).
 */
export function chartDataToCsv(data) {
  const quantities = new Set(data.datasets.map((dataset) => dataset.yTitle ?? data.yTitle));
  const mixed = quantities.size > 1;
  const header = mixed ? ['dataset', data.xTitle, 'y', 'quantity'] : ['dataset', data.xTitle, data.yTitle];
  const rows = [header.map(csvText).join(',')];
  for (const dataset of data.datasets) {
    const label = csvText(dataset.label);
    const quantity = mixed ? `,${csvText(dataset.yTitle ?? data.yTitle)}` : '';
    for (const [x, y] of dataset.points) rows.push(`${label},${csvNumber(x)},${csvNumber(y)}${quantity}`);
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

/**
 * Exports a table of counts as 'csv' or 'json', as exportChart does a
 * chart. Throws when the table has no rows yet.
 */
export function exportTable(table, format, fileStem, describeState) {
  const data = tableData(table);
  if (data.rows.length === 0) throw new Error('the table has no rows yet. Train the model first.');
  if (format === 'csv') {
    downloadBlob(new Blob([tableDataToCsv(data)], { type: 'text/csv' }), `${fileStem}.csv`);
    return;
  }
  const exported = { generator: 'moe-bifurcation', table: fileStem, ...describeState(), ...data };
  downloadBlob(new Blob([JSON.stringify(exported, null, 1)], { type: 'application/json' }), `${fileStem}.json`);
}
