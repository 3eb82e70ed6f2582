// View 1: the phase line, F(m) with its equilibria and flow arrows, and V(m).
import { colors } from '../palette.js';
import { baseOptions, chartClass, equilibriumDataset, lineDataset, replaceDatasets } from './common.js';

export function createPhaseView(canvas) {
  const Chart = chartClass();
  const options = baseOptions({ xTitle: 'imbalance m', yTitle: 'F(m) = dm/dτ', xMin: -1, xMax: 1 });
  options.scales.y1 = { type: 'linear', position: 'right', title: { display: true, text: 'V(m)' },
    grid: { drawOnChartArea: false } };
  const chart = new Chart(canvas, { type: 'scatter', data: { datasets: [] }, options });

  function update(snapshot) {
    const { field, equilibria } = snapshot;
    const zero = lineDataset('F = 0', [-1, 1], [0, 0], colors.lightGrey, { borderWidth: 1, hiddenFromLegend: true });
    const flowArrows = arrowsAlongAxis(field);
    replaceDatasets(chart, [
      lineDataset('F(m)', field.m, field.F, colors.blue),
      lineDataset('V(m)', field.m, field.V, colors.orange, { borderDash: [6, 4], yAxisID: 'y1' }),
      zero,
      flowArrows,
      equilibriumDataset('equilibria', equilibria.map((e) => ({ x: e.m, y: 0, stability: e.stability })), colors.black),
    ]);
  }

  return { chart, update };
}

// Triangles on F = 0 pointing the way the flow moves: right where F > 0.
function arrowsAlongAxis(field) {
  const data = [];
  const rotation = [];
  const step = Math.max(1, Math.floor(field.m.length / 16));
  for (let i = Math.floor(step / 2); i < field.m.length; i += step) {
    const value = field.F[i];
    if (Math.abs(value) < 1e-3) continue;
    data.push({ x: field.m[i], y: 0 });
    rotation.push(value > 0 ? 90 : -90);
  }
  return { label: 'flow direction', data, showLine: false, pointStyle: 'triangle', pointRadius: 4,
    pointRotation: rotation, backgroundColor: colors.grey, borderColor: colors.grey, hiddenFromLegend: true };
}
