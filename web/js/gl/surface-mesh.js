// The equilibrium surface {(K, H, m): g(kappa*m + H) = m} as a triangle mesh
// for the 3D view. No DOM and no WebGL here, so tests run it in Node.
//
// With z = kappa*m + H the surface is the graph m = g(z), H = z - kappa*g(z)
// over (K, z), so every vertex lies exactly on it (to double precision).
// Each column of fixed K spends its rows on the parts of z where |H| stays
// inside the box: the middle sheet from z = 0 out to where H leaves the box
// or the fold z_c, a gap that lies outside the box, and the stable sheet
// from there to where H leaves the box on the far side. Odd symmetry
// (z, H, m) -> (-z, -H, -m) gives the negative half. The breakpoints move
// continuously with K, so neighbouring columns join without tears.
import { criticalZ, kappaPerK, linkSlope, linkValue } from './link-math.js';

const MIDDLE_END = 0.45;
const GAP_END = 0.55;
const BOX_MARGIN = 1.05;

// H(z) = z - kappa*g(z) at fixed K.
function sheetH(link, kappa, z) {
  return z - kappa * linkValue(link, z);
}

// Solves H(z) = target for z in [low, high], where H is monotone and the
// target lies between H(low) and H(high), by bisection to double precision.
function solveZ(link, kappa, target, low, high) {
  const increasing = sheetH(link, kappa, high) > sheetH(link, kappa, low);
  let a = low;
  let b = high;
  for (let i = 0; i < 200 && b - a > 1e-15 * Math.max(1, Math.abs(b)); i++) {
    const mid = 0.5 * (a + b);
    const below = sheetH(link, kappa, mid) < target;
    if (below === increasing) a = mid;
    else b = mid;
  }
  return 0.5 * (a + b);
}

/**
 * Computes the z breakpoints 0 <= z1 <= z2 <= z3 of one column: H is inside
 * [-HBox, HBox] for z in [0, z1] (middle sheet) and [z2, z3] (upper sheet).
 */
export function columnBreakpoints(link, K, HBox) {
  const kappa = K * kappaPerK(link);
  const zFold = criticalZ(link, K);
  // H rises from -H_c at z_fold, and g < 1 gives H(HBox + kappa + 1) > HBox.
  const z3 = solveZ(link, kappa, HBox, zFold, HBox + kappa + 1);
  const criticalH = -sheetH(link, kappa, zFold);
  if (!(criticalH > HBox)) return { z1: zFold, z2: zFold, z3 };
  return {
    z1: solveZ(link, kappa, -HBox, 0, zFold),
    z2: solveZ(link, kappa, -HBox, zFold, z3),
    z3,
  };
}

// Maps a row coordinate s in [0, 1] to z >= 0, piecewise linear through the breakpoints.
function rowZ(s, { z1, z2, z3 }) {
  if (s <= MIDDLE_END) return z1 * (s / MIDDLE_END);
  if (s <= GAP_END) return z1 + (z2 - z1) * ((s - MIDDLE_END) / (GAP_END - MIDDLE_END));
  return z2 + (z3 - z2) * ((s - GAP_END) / (1 - GAP_END));
}

/**
 * Builds the surface over K in [0, KMax] and H in [-HMax, HMax].
 * Returns { columns, rows, K, H, m, slope, normal, indices }: per-vertex
 * Float64Arrays, with slope = F'(m) = kappa*g'(z) - 1 (negative on the stable
 * sheets); normal is a Float32Array of unit normals in box coordinates
 * (x = K, y = m, z = H, each scaled to [-1, 1], and y by mScale); indices is
 * a Uint32Array of triangles.
 */
export function buildSurfaceMesh(link, { KMax, HMax, columns = 97, halfRows = 120, mScale = 0.8 }) {
  const rows = 2 * halfRows + 1;
  const count = columns * rows;
  const K = new Float64Array(count);
  const H = new Float64Array(count);
  const m = new Float64Array(count);
  const slope = new Float64Array(count);
  const normal = new Float32Array(3 * count);
  const perK = kappaPerK(link);

  for (let i = 0; i < columns; i++) {
    const columnK = KMax * i / (columns - 1);
    const kappa = columnK * perK;
    const breakpoints = columnBreakpoints(link, columnK, BOX_MARGIN * HMax);
    for (let j = 0; j < rows; j++) {
      const s = (j - halfRows) / halfRows;
      const z = Math.sign(s) * rowZ(Math.abs(s), breakpoints);
      const value = linkValue(link, z);
      const gSlope = linkSlope(link, z);
      const index = i * rows + j;
      K[index] = columnK;
      m[index] = value;
      H[index] = z - kappa * value;
      slope[index] = kappa * gSlope - 1;
      // Gradient of Phi = z(m) - kappa*m - H, times g'(z) so that it stays
      // finite where g' underflows, mapped into box coordinates.
      const nx = -gSlope * perK * value * (KMax / 2);
      const ny = (1 - kappa * gSlope) / mScale;
      const nz = -gSlope * HMax;
      const length = Math.hypot(nx, ny, nz) || 1;
      normal[3 * index] = nx / length;
      normal[3 * index + 1] = ny / length;
      normal[3 * index + 2] = nz / length;
    }
  }

  const indices = new Uint32Array(6 * (columns - 1) * (rows - 1));
  let n = 0;
  for (let i = 0; i < columns - 1; i++) {
    for (let j = 0; j < rows - 1; j++) {
      const a = i * rows + j;
      const b = a + rows;
      indices.set([a, b, a + 1, a + 1, b, b + 1], n);
      n += 6;
    }
  }
  return { columns, rows, K, H, m, slope, normal, indices };
}
