// Checks the main-thread maths of the GPU views against the WebAssembly
// core: the erf used for the surface mesh, and that every mesh vertex inside
// the box is an equilibrium with the stability the core gives it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';

import { loadCore } from '../web/js/core.js';
import { erf } from '../web/js/gl/link-math.js';
import { buildSurfaceMesh, columnBreakpoints } from '../web/js/gl/surface-mesh.js';
import { wasmModule } from './helpers/paths.mjs';

let core;
before(async () => {
  core = await loadCore({ bytes: readFileSync(wasmModule) });
});

test('mesh erf matches the core erf', () => {
  // field() returns F(m) = erf(kappa*m) - m at H = 0, so F + m is the core's
  // erf at z = kappa*m. K = 8 puts z on [-7.09, 7.09], which covers both the
  // series (|z| < 2.5) and the continued fraction of the JavaScript erf.
  const K = 8;
  const kappa = K * Math.sqrt(Math.PI) / 2;
  const { m, F } = core.field('erf', K, 0, 801);
  let worst = 0;
  for (let i = 0; i < m.length; i++) {
    worst = Math.max(worst, Math.abs(erf(kappa * m[i]) - (F[i] + m[i])));
  }
  assert.ok(worst < 1e-13, `largest difference from the core's erf: ${worst}`);
});

const WINDOWS = [
  { KMax: 3, HMax: 1 },
  { KMax: 200, HMax: 1 },
  { KMax: 1e6, HMax: 100 },
];

for (const link of ['tanh', 'erf']) {
  for (const { KMax, HMax } of WINDOWS) {
    test(`mesh vertices are equilibria: ${link}, K <= ${KMax}, |H| <= ${HMax}`, () => {
      const mesh = buildSurfaceMesh(link, { KMax, HMax });
      let checked = 0;
      for (let i = 0; i < mesh.K.length; i += 5) {
        if (Math.abs(mesh.H[i]) > HMax) continue;
        checked++;
        const equilibria = core.equilibria(link, mesh.K[i], mesh.H[i]);
        const nearest = equilibria.reduce((best, e) => (Math.abs(e.m - mesh.m[i]) < Math.abs(best.m - mesh.m[i]) ? e : best));
        const where = `vertex ${i} at K=${mesh.K[i]}, H=${mesh.H[i]}, m=${mesh.m[i]}`;
        assert.ok(Math.abs(nearest.m - mesh.m[i]) < 1e-9, `${where}: nearest core equilibrium ${nearest.m}`);
        if (Math.abs(mesh.slope[i]) > 1e-6) {
          assert.equal(nearest.stability, mesh.slope[i] < 0 ? 'stable' : 'unstable', `${where}: slope ${mesh.slope[i]}`);
        }
      }
      assert.ok(checked > 1000, `only ${checked} sampled vertices lie inside the box`);
    });
  }
}

test('mesh covers the box in every column', () => {
  // The upper sheet must reach H = HBox, and, where the middle sheet leaves
  // the box, it must leave at H = -HBox on both sides of the gap.
  for (const link of ['tanh', 'erf']) {
    for (const K of [0, 0.5, 1, 1.0001, 2, 40, 5e5]) {
      const { z1, z2, z3 } = columnBreakpoints(link, K, 1);
      const kappa = K * (link === 'erf' ? Math.sqrt(Math.PI) / 2 : 1);
      const sheetH = (z) => z - kappa * (link === 'erf' ? erf(z) : Math.tanh(z));
      const where = `${link} K=${K}`;
      assert.ok(z1 <= z2, `${where}: breakpoint z1 = ${z1} lies above z2 = ${z2}`);
      assert.ok(z2 <= z3, `${where}: breakpoint z2 = ${z2} lies above z3 = ${z3}`);
      assert.ok(Math.abs(sheetH(z3) - 1) < 1e-6 * Math.max(1, kappa), `${where}: H(z3) = ${sheetH(z3)}`);
      if (z2 > z1) {
        assert.ok(Math.abs(sheetH(z1) + 1) < 1e-6 * Math.max(1, kappa), `${where}: H(z1) = ${sheetH(z1)}`);
        assert.ok(Math.abs(sheetH(z2) + 1) < 1e-6 * Math.max(1, kappa), `${where}: H(z2) = ${sheetH(z2)}`);
      }
    }
  }
});
