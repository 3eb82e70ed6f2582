// View 2: m(tau) from a fan of starts, coloured by the equilibrium reached.
import { colors, stateColor } from '../palette.js';
import { baseOptions, chartClass, formatNumber, lineDataset, replaceDatasets } from './common.js';

export function createTrajectoriesView(canvas, note) {
  const Chart = chartClass();
  const options = baseOptions({ xTitle: 'time τ = λt', yTitle: 'imbalance m', xMin: 0, yMin: -1, yMax: 1 });
  options.plugins.legend.display = true;
  const chart = new Chart(canvas, { type: 'scatter', data: { datasets: [] }, options });

  function update(snapshot) {
    const { trajectories, equilibria, span } = snapshot;
    chart.options.scales.x.max = span;
    const datasets = [];
    for (const equilibrium of equilibria) {
      const stable = equilibrium.stability !== 'unstable';
      datasets.push(lineDataset(`m* = ${formatNumber(equilibrium.m)} (${equilibrium.stability})`, [0, span],
        [equilibrium.m, equilibrium.m], stable ? stateColor(equilibrium.m) : colors.vermillion,
        { borderWidth: 1, borderDash: stable ? [] : [6, 4] }));
    }
    for (const trajectory of trajectories) {
      const end = trajectory.m[trajectory.m.length - 1];
      datasets.push(lineDataset(`m0 = ${formatNumber(trajectory.m0)}`, trajectory.tau, trajectory.m,
        stateColor(nearestStable(equilibria, end)), { borderWidth: 1.5, hiddenFromLegend: true }));
    }
    replaceDatasets(chart, datasets);
    note.textContent = snapshot.spanCapped
      ? `τ runs to ${span.toFixed(0)}, the cap: the slowest state relaxes slower than that, as at a fold or the cusp.`
      : `τ runs to ${span.toFixed(1)}, six relaxation times of the slowest stable state.`;
  }

  return { chart, update };
}

function nearestStable(equilibria, m) {
  let best = m;
  let distance = Infinity;
  for (const equilibrium of equilibria) {
    if (equilibrium.stability === 'unstable') continue;
    const d = Math.abs(equilibrium.m - m);
    if (d < distance) {
      distance = d;
      best = equilibrium.m;
    }
  }
  return best;
}
