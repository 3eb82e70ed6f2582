// View 4: the cusp diagram in the (K, H) plane, with a draggable current point.
import { colors, withAlpha } from '../palette.js';
import { baseOptions, chartClass, formatNumber, lineDataset, replaceDatasets } from './common.js';

/**
 * onMove({ K, H }) is called while the point is dragged or moved with the
 * arrow keys; the caller validates and applies it.
 */
export function createCuspView(canvas, onMove) {
  const Chart = chartClass();
  const options = baseOptions({ xTitle: 'feedback strength K', yTitle: 'asymmetry H' });
  options.plugins.tooltip.enabled = false;
  const chart = new Chart(canvas, { type: 'scatter', data: { datasets: [] }, options });
  let current = { K: 0, H: 0 };
  let dragging = false;

  function valueAt(event) {
    const rect = canvas.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top;
    const area = chart.chartArea;
    const clampedX = Math.min(area.right, Math.max(area.left, x));
    const clampedY = Math.min(area.bottom, Math.max(area.top, y));
    const K = chart.scales.x.getValueForPixel(clampedX);
    const H = chart.scales.y.getValueForPixel(clampedY);
    return { K: Math.max(0, round(K)), H: round(H) };
  }

  canvas.addEventListener('pointerdown', (event) => {
    const area = chart.chartArea;
    const rect = canvas.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top;
    if (x < area.left || x > area.right || y < area.top || y > area.bottom) return;
    dragging = true;
    canvas.setPointerCapture(event.pointerId);
    onMove(valueAt(event));
  });
  canvas.addEventListener('pointermove', (event) => {
    if (dragging) onMove(valueAt(event));
  });
  const stop = () => { dragging = false; };
  canvas.addEventListener('pointerup', stop);
  canvas.addEventListener('pointercancel', stop);
  canvas.addEventListener('keydown', (event) => {
    const stepK = (chart.scales.x.max - chart.scales.x.min) / 200;
    const stepH = (chart.scales.y.max - chart.scales.y.min) / 200;
    const moves = { ArrowRight: [stepK, 0], ArrowLeft: [-stepK, 0], ArrowUp: [0, stepH], ArrowDown: [0, -stepH] };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    // Steps add to the last requested point, which may not be drawn yet.
    current = { K: Math.max(0, round(current.K + move[0])), H: round(current.H + move[1]) };
    onMove(current);
  });

  function update(snapshot) {
    const { state, windows, foldCurve, normalFormCurve } = snapshot;
    current = { K: state.K, H: state.H };
    chart.options.scales.x.min = 0;
    chart.options.scales.x.max = windows.KMax;
    chart.options.scales.y.min = -windows.HCusp;
    chart.options.scales.y.max = windows.HCusp;
    const negative = Float64Array.from(foldCurve.H, (value) => -value);
    const negativeNormal = Float64Array.from(normalFormCurve.H, (value) => -value);
    replaceDatasets(chart, [
      lineDataset('fold curves ±H_c(K); bistable between', foldCurve.K, foldCurve.H, colors.blue,
        { fill: '+1', backgroundColor: withAlpha(colors.sky, 0.3) }),
      lineDataset('fold curve H = −H_c(K)', foldCurve.K, negative, colors.blue, { hiddenFromLegend: true }),
      lineDataset('normal form ±(2/3)(K−1)^(3/2)', normalFormCurve.K, normalFormCurve.H, colors.purple,
        { borderDash: [6, 4], borderWidth: 1.5 }),
      lineDataset('normal form lower', normalFormCurve.K, negativeNormal, colors.purple,
        { borderDash: [6, 4], borderWidth: 1.5, hiddenFromLegend: true }),
      { label: 'cusp (1, 0)', data: [{ x: 1, y: 0 }], showLine: false, pointStyle: 'rectRot', pointRadius: 6,
        backgroundColor: colors.black, borderColor: colors.black, order: -1 },
      { label: `current (K, H) = (${formatNumber(state.K)}, ${formatNumber(state.H)})`, data: [{ x: state.K, y: state.H }],
        showLine: false, pointRadius: 8, pointHoverRadius: 8, backgroundColor: colors.vermillion,
        borderColor: '#ffffff', borderWidth: 2, order: -2, clip: false },
    ]);
  }

  return { chart, update };
}

function round(value) {
  return Math.round(value * 1000) / 1000;
}
