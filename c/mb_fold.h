/* The fold (saddle-node) set of dm/dtau = g(kappa*m + H) - m and the cusp.
 *
 * A fold is an equilibrium with F'(m) = 0. With z = kappa*m + H the fold set is
 * parametrised, for any odd link g, by
 *
 *   kappa(z) = 1/g'(z),  K(z) = g'(0)/g'(z),  m(z) = g(z),  H(z) = z - g(z)/g'(z).
 *
 * The bistable region is K > 1, |H| < H_c(K), with
 *
 *   tanh: H_c(K) = sqrt(K*(K - 1)) - artanh(sqrt(1 - 1/K))
 *   erf:  H_c(K) = (sqrt(pi)/2)*K*erf(sqrt(ln K)) - sqrt(ln K)
 *
 * and the cusp point is (K, H) = (1, 0), where H_c(K) ~ (2/3)*(K - 1)^(3/2).
 * Both differences cancel near the cusp, so H_c is summed as a power series
 * there and keeps full relative precision down to K - 1 ~ 1e-300.
 */
#ifndef MB_FOLD_H
#define MB_FOLD_H

#include "mb_link.h"
#include "mb_params.h"
#include "mb_status.h"

/* Writes the fold point with parameter z: K(z), H(z) and m(z) above.
 * Errors: MB_ERR_OUT_OF_RANGE when z is not finite or K(z) leaves the K range. */
mb_status mb_fold_point(mb_link link, double z, double *K, double *H, double *m);

/* Writes H_c(K), the half-width of the bistable interval of H at fixed K,
 * and m_fold, the |m| of its two fold points (the fold at H = -H_c has
 * m = +m_fold). Both are 0 for K <= 1. */
mb_status mb_fold_critical_h(mb_link link, double K, double *critical_h, double *m_fold);

/* Samples the upper fold curve H = H_c(K) at count values of K spaced evenly
 * on [1, K_max], ends included; the lower curve is its mirror image -H_c(K). */
mb_status mb_fold_curve(mb_link link, double K_max, int count, double *K_out, double *H_out);

#endif
