// Computes everything the four views draw from one parameter state, through
// the WebAssembly core. No DOM access here, so the same code can move into a
// worker later.

const TRAJECTORY_STARTS = Array.from({ length: 11 }, (_, i) => -0.95 + 0.19 * i);
const TRAJECTORY_SAMPLES = 161;
const FIELD_SAMPLES = 241;
const FOLD_CURVE_SAMPLES = 240;
const MAX_SPAN = 400;

/** Rounds up to 1, 2 or 5 times a power of ten. */
export function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

/**
 * Axis windows. They depend on the state only through coarse steps, so they
 * stay put while a slider or the cusp point is dragged inside them.
 */
export function computeWindows(state, criticalH) {
  const KMax = Math.min(1e6, state.K <= 3 ? 3 : niceCeiling(1.25 * state.K));
  const HCusp = Math.min(100, Math.abs(state.H) <= 1 ? 1 : niceCeiling(1.25 * Math.abs(state.H)));
  const HBifurcation = Math.min(100, Math.max(HCusp, niceCeiling(1.25 * criticalH)));
  return { KMax, HCusp, HBifurcation };
}

/**
 * Time span for the trajectories: long enough that every start settles, at
 * 6 relaxation times of the slowest stable equilibrium (clamped to [8, MAX_SPAN]).
 */
function trajectorySpan(equilibria) {
  let slowest = Infinity;
  for (const equilibrium of equilibria) {
    if (equilibrium.stability !== 'unstable') slowest = Math.min(slowest, Math.abs(equilibrium.eigenvalue));
  }
  if (!(slowest > 0)) return MAX_SPAN;
  return Math.min(MAX_SPAN, Math.max(8, 6 / slowest));
}

/** Computes the snapshot that every view reads. Throws CoreError on bad input. */
export function computeSnapshot(core, state) {
  const { link, K, H } = state;
  const equilibria = core.equilibria(link, K, H);
  const { criticalH, mFold } = core.criticalH(link, K);
  const windows = computeWindows(state, criticalH);
  const field = core.field(link, K, H, FIELD_SAMPLES);

  const span = trajectorySpan(equilibria);
  const spanCapped = span >= MAX_SPAN;
  const starts = [...TRAJECTORY_STARTS];
  for (const equilibrium of equilibria) {
    if (equilibrium.stability === 'unstable') {
      starts.push(Math.max(-0.999, equilibrium.m - 0.02), Math.min(0.999, equilibrium.m + 0.02));
    }
  }
  const trajectories = starts.map((m0) => ({ m0, ...core.trajectory(link, K, H, m0, span, TRAJECTORY_SAMPLES) }));

  const branchesK = core.branches(link, 'K', 0, windows.KMax, { H });
  const branchesH = core.branches(link, 'H', -windows.HBifurcation, windows.HBifurcation, { K });
  const foldCurve = core.foldCurve(link, windows.KMax, FOLD_CURVE_SAMPLES);
  const normalFormCurve = {
    K: foldCurve.K,
    H: Float64Array.from(foldCurve.K, (value) => core.normalForm(link, value, 0).criticalH),
  };

  return {
    state: { ...state },
    equilibria,
    criticalH,
    mFold,
    windows,
    field,
    span,
    spanCapped,
    trajectories,
    branchesK,
    branchesH,
    foldCurve,
    normalFormCurve,
  };
}
