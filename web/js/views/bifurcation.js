// View 3: bifurcation diagrams, equilibria against K (at the current H) and
// against H (at the current K), drawn from the core's branches.
import { colors } from '../palette.js';
import { baseOptions, chartClass, equilibriumDataset, lineDataset, replaceDatasets, verticalLine } from './common.js';

export function createBifurcationView(canvasK, canvasH) {
  const Chart = chartClass();
  const chartK = new Chart(canvasK, { type: 'scatter', data: { datasets: [] },
    options: baseOptions({ xTitle: 'feedback strength K', yTitle: 'equilibrium m*', yMin: -1.05, yMax: 1.05 }) });
  const chartH = new Chart(canvasH, { type: 'scatter', data: { datasets: [] },
    options: baseOptions({ xTitle: 'asymmetry H', yTitle: 'equilibrium m*', yMin: -1.05, yMax: 1.05 }) });

  function update(snapshot) {
    const { state, equilibria, windows, branchesK, branchesH } = snapshot;
    chartK.options.scales.x.min = 0;
    chartK.options.scales.x.max = windows.KMax;
    chartK.options.plugins.title = { display: true, text: `H = ${state.H}` };
    replaceDatasets(chartK, diagramDatasets(branchesK, state.K, equilibria, false));
    chartH.options.scales.x.min = -windows.HBifurcation;
    chartH.options.scales.x.max = windows.HBifurcation;
    chartH.options.plugins.title = { display: true, text: `K = ${state.K}` };
    replaceDatasets(chartH, diagramDatasets(branchesH, state.H, equilibria, true));
  }

  return { chartK, chartH, update };
}

function diagramDatasets(branches, current, equilibria, withJumps) {
  const datasets = [];
  let stableLabelled = false;
  let unstableLabelled = false;
  for (const segment of branches.segments) {
    const stable = segment.stability === 'stable';
    const label = stable ? 'stable' : 'unstable';
    const firstOfKind = stable ? !stableLabelled : !unstableLabelled;
    if (stable) stableLabelled = true;
    else unstableLabelled = true;
    datasets.push(lineDataset(label, segment.points.map((point) => point.p), segment.points.map((point) => point.m),
      stable ? colors.blue : colors.vermillion,
      { borderDash: stable ? [] : [6, 4], hiddenFromLegend: !firstOfKind }));
  }
  if (branches.folds.length > 0) {
    datasets.push({ label: 'fold', data: branches.folds.map(({ p, m }) => ({ x: p, y: m })), showLine: false,
      pointStyle: 'rectRot', pointRadius: 6, backgroundColor: colors.black, borderColor: colors.black });
  }
  if (branches.branchPoints.length > 0) {
    datasets.push({ label: 'branch point', data: branches.branchPoints.map(({ p, m }) => ({ x: p, y: m })),
      showLine: false, pointStyle: 'rect', pointRadius: 5, backgroundColor: colors.purple, borderColor: colors.purple });
  }
  if (withJumps) {
    let labelled = false;
    for (const fold of branches.folds) {
      if (fold.jump === null) continue;
      datasets.push({
        label: 'hysteresis jump',
        data: [{ x: fold.p, y: fold.m }, { x: fold.p, y: fold.jump }],
        showLine: true, borderColor: colors.green, borderWidth: 2, borderDash: [2, 3],
        pointStyle: ['circle', 'triangle'], pointRadius: [0, 6],
        pointRotation: [0, fold.jump > fold.m ? 0 : 180],
        backgroundColor: colors.green, hiddenFromLegend: labelled,
      });
      labelled = true;
    }
  }
  datasets.push(verticalLine('current value', current, -1.05, 1.05));
  datasets.push(equilibriumDataset('current equilibria',
    equilibria.map((e) => ({ x: current, y: e.m, stability: e.stability })), colors.black));
  datasets[datasets.length - 1].hiddenFromLegend = true;
  return datasets;
}
