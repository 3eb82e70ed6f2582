// The link functions g = tanh and g = erf in double precision, for building
// the surface mesh on the main thread. JavaScript has no Math.erf, so erf is
// summed here: its Taylor series for |z| < 2.5 and the continued fraction of
// erfc beyond. Both reach about 1e-14 absolute error, far below a pixel.

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

// Series terms grow to about 10^2 at |z| = 2.5 before they shrink, so the
// alternating sum keeps about 14 significant digits there.
function erfSeries(z) {
  let term = z;
  let sum = z;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= -z * z / n;
    sum += term / (2 * n + 1);
  }
  return TWO_OVER_SQRT_PI * sum;
}

// erfc(z) = exp(-z^2)/sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))),
// evaluated from the tail; 80 levels converge for z >= 2.5.
function erfcContinuedFraction(z) {
  let tail = z;
  for (let n = 80; n >= 1; n--) tail = z + (n / 2) / tail;
  return Math.exp(-z * z) / (Math.sqrt(Math.PI) * tail);
}

/** Computes erf(z) to about 1e-14 absolute error. */
export function erf(z) {
  if (Number.isNaN(z)) return NaN;
  const magnitude = Math.abs(z);
  if (magnitude < 2.5) return erfSeries(z);
  const value = 1 - erfcContinuedFraction(magnitude);
  return z < 0 ? -value : value;
}

/** Computes g(z) for link 'tanh' or 'erf'. */
export function linkValue(link, z) {
  return link === 'erf' ? erf(z) : Math.tanh(z);
}

/** Computes g'(z); it underflows to 0 for large |z| instead of overflowing. */
export function linkSlope(link, z) {
  if (link === 'erf') return TWO_OVER_SQRT_PI * Math.exp(-z * z);
  const e = Math.exp(-2 * Math.abs(z));
  return 4 * e / ((1 + e) * (1 + e));
}

/** Returns kappa/K: 1 for tanh, sqrt(pi)/2 for erf, since K = kappa*g'(0). */
export function kappaPerK(link) {
  return link === 'erf' ? Math.sqrt(Math.PI) / 2 : 1;
}

/**
 * Returns the z >= 0 where kappa*g'(z) = 1, the parameter of the fold point
 * on the upper stable sheet: asinh(sqrt(K - 1)) for tanh, sqrt(ln K) for erf.
 * Returns 0 for K <= 1, where there is no fold.
 */
export function criticalZ(link, K) {
  if (!(K > 1)) return 0;
  return link === 'erf' ? Math.sqrt(Math.log1p(K - 1)) : Math.asinh(Math.sqrt(K - 1));
}
