// The page: the mean-field controls, the equilibrium readout and the
// mean-field views (redrawn once per animation frame while a control moves),
// then the GPU, discrete-router and trainable-MoE sections.
import { wasmSource } from './assets.js';
import { computeSnapshot } from './compute.js';
import { loadCore } from './core.js';
import { applyEmbedMode, showLinkedView } from './embed.js';
import { parseDecimal } from './input.js';
import { createGpuViews } from './gl/gpu-views.js';
import { createRouterView } from './router-view.js';
import { createTrainerView } from './trainer-view.js';
import { createSharing } from './share.js';
import { formatNumber } from './views/common.js';
import { createBifurcationView } from './views/bifurcation.js';
import { createCuspView } from './views/cusp.js';
import { createPhaseView } from './views/phase.js';
import { createTrajectoriesView } from './views/trajectories.js';

const DEFAULT_STATE = Object.freeze({ link: 'tanh', K: 1.6, H: 0.1 });

const elements = {
  link: document.getElementById('link'),
  KSlider: document.getElementById('K-slider'),
  KInput: document.getElementById('K-input'),
  HSlider: document.getElementById('H-slider'),
  HInput: document.getElementById('H-input'),
  reset: document.getElementById('reset'),
  error: document.getElementById('input-error'),
  regime: document.getElementById('regime'),
  table: document.querySelector('#equilibria-table tbody'),
  trajectoryNote: document.getElementById('trajectory-note'),
};

let core = null;
let sharing = null;
let views = [];
let state = { ...DEFAULT_STATE };
let frameRequested = false;
// Inputs whose current text is invalid, with their messages.
const inputErrors = new Map();

function parseNumber(name, text) {
  return parseDecimal(core, name, text);
}

function showErrors() {
  const messages = [...inputErrors.values()];
  elements.error.textContent = messages.join('\n');
  elements.error.hidden = messages.length === 0;
}

function setInputError(input, message) {
  if (message) {
    inputErrors.set(input.id, message);
    input.setAttribute('aria-invalid', 'true');
  } else {
    inputErrors.delete(input.id);
    input.removeAttribute('aria-invalid');
  }
  showErrors();
}

/** Applies a validated change and schedules one redraw. */
function applyState(change) {
  state = { ...state, ...change };
  sharing?.explorerChanged(state);
  syncControls(change);
  scheduleRender();
}

// Writes the state into the controls, except the one being edited.
function syncControls(change) {
  if ('link' in change) elements.link.value = state.link;
  if ('K' in change) {
    elements.KSlider.value = String(Math.min(4, state.K));
    if (document.activeElement !== elements.KInput) elements.KInput.value = String(state.K);
    setInputError(elements.KInput, null);
  }
  if ('H' in change) {
    elements.HSlider.value = String(Math.max(-1, Math.min(1, state.H)));
    if (document.activeElement !== elements.HInput) elements.HInput.value = String(state.H);
    setInputError(elements.HInput, null);
  }
}

function scheduleRender() {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(() => {
    frameRequested = false;
    render();
  });
}

function render() {
  let snapshot;
  try {
    snapshot = computeSnapshot(core, state);
  } catch (error) {
    // The last valid figure stays on screen.
    inputErrors.set('computation', `Could not compute the figure: ${error.message}`);
    showErrors();
    return;
  }
  inputErrors.delete('computation');
  showErrors();
  for (const view of views) view.update(snapshot);
  renderReadout(snapshot);
  document.body.dataset.renderedK = String(snapshot.state.K);
  document.body.dataset.renderedH = String(snapshot.state.H);
}

function renderReadout(snapshot) {
  const { equilibria, criticalH, state: { K, H } } = snapshot;
  const rows = equilibria.map((equilibrium) => {
    const row = document.createElement('tr');
    row.dataset.stability = equilibrium.stability;
    for (const text of [formatNumber(equilibrium.m), formatNumber(equilibrium.eigenvalue), equilibrium.stability]) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.append(cell);
    }
    return row;
  });
  elements.table.replaceChildren(...rows);
  const stableCount = equilibria.filter((e) => e.stability === 'stable').length;
  let regime;
  if (K <= 1) {
    regime = 'K ≤ 1: a single equilibrium, no bistability.';
  } else if (Math.abs(H) < criticalH) {
    regime = `Bistable: |H| < H_c(K) = ${formatNumber(criticalH)}, ${stableCount} stable states.`;
  } else {
    regime = `Monostable: |H| ≥ H_c(K) = ${formatNumber(criticalH)}.`;
  }
  elements.regime.textContent = regime;
}

function wireControls() {
  elements.link.addEventListener('change', () => applyState({ link: elements.link.value }));
  for (const name of ['K', 'H']) {
    const slider = elements[`${name}Slider`];
    const input = elements[`${name}Input`];
    slider.addEventListener('input', () => applyState({ [name]: Number(slider.value) }));
    const commit = () => {
      const result = parseNumber(name, input.value);
      if (result.error) {
        setInputError(input, result.error);
        return;
      }
      applyState({ [name]: result.value });
    };
    input.addEventListener('change', commit);
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        commit();
      }
    });
  }
  elements.reset.addEventListener('click', () => applyState({ ...DEFAULT_STATE }));
}

function moveFromCusp({ K, H }) {
  const problems = [core.checkParameter('K', K), core.checkParameter('H', H)].filter(Boolean);
  if (problems.length > 0) return;
  applyState({ K, H });
}

async function main() {
  document.getElementById('boot-failure')?.remove();
  try {
    core = await loadCore(wasmSource());
  } catch (error) {
    elements.error.textContent = `Failed to start: ${error.message}`;
    elements.error.hidden = false;
    return;
  }
  // The link's state replaces the defaults before anything is drawn.
  sharing = createSharing(core);
  applyEmbedMode(sharing.state.page);
  state = { ...sharing.state.explorer };
  const gpuSection = document.getElementById('gpu-views');
  const gpuViews = createGpuViews(gpuSection, { core, onMove: moveFromCusp });
  views = [
    createPhaseView(document.getElementById('phase-chart')),
    createTrajectoriesView(document.getElementById('trajectories-chart'), elements.trajectoryNote),
    createBifurcationView(document.getElementById('bifurcation-k-chart'), document.getElementById('bifurcation-h-chart')),
    createCuspView(document.getElementById('cusp-chart'), moveFromCusp),
    gpuViews,
  ];
  wireControls();
  applyState({ ...state });
  const routerRoot = document.getElementById('router');
  const router = createRouterView(core, routerRoot, { onStart: sharing.routerStarted });
  sharing.attachRouter(router, routerRoot.querySelector('#router-form'));
  const trainerRoot = document.getElementById('moe');
  const trainer = createTrainerView(core, trainerRoot, { onStart: sharing.trainerStarted });
  sharing.attachTrainer(trainer, trainerRoot.querySelector('#moe-form'), trainerRoot.querySelector('#moe-sweep-form'));
  sharing.attachGpu(gpuSection, gpuViews);
  sharing.addToolbars();
  showLinkedView(sharing.state.page);
  document.body.dataset.ready = 'true';
}

// Chart.js is a deferred classic script; module scripts run after it.
main();
