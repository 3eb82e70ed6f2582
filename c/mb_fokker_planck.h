/* Finite-step fluctuations of the two-expert router in the diffusion
 * approximation: the stationary Fokker-Planck density, mean first-passage
 * times and the Kramers estimate of the switching time.
 *
 * With step size eta and decay lambda, epsilon = eta*lambda. For small
 * epsilon the imbalance m is, per unit of tau, the Ito diffusion
 *
 *   dm = A(m) dtau + sqrt(epsilon*D(m)) dW,
 *   A(m) = g(z) - m,  D(m) = 1 - g(z)^2,  z = kappa*m + H,
 *
 * with generator L f = A f' + (epsilon*D/2) f''. A is the field F of
 * mb_field.h. With U(m) = integral_{-1}^{m} 2A(x)/D(x) dx and the effective
 * potential Phi = -U:
 *
 *   stationary density   P(m) = exp(U(m)/epsilon) / D(m) / Z
 *                             = exp(-Phi(m)/epsilon) / D(m) / Z
 *   scale density        psi(m) = exp(-U(m)/epsilon)
 *
 * P has zero probability flux: A*P = (epsilon/2) * (D*P)'.
 *
 * Mean first-passage time. T(x) solves L T = -1 with T(to) = 0 and
 * T'(-1) = 0 for from < to (reflecting at -1). Writing L T = (epsilon*D/2)
 * * psi * (T'/psi)' and integrating twice gives
 *
 *   T = (2/epsilon) * integral_{from}^{to} dy  psi(y) * integral_{-1}^{y} dx / (D(x)*psi(x))
 *     = (2/epsilon) * integral_{from}^{to} dy  J(y),
 *   J(y) = integral_{-1}^{y} exp((U(x) - U(y))/epsilon) / D(x) dx.
 *
 * For from > to (reflecting at +1) the inner integral runs over [y, 1] and
 * the outer one over [to, from]. The code reduces that case to the first by
 * the mirror symmetry m -> -m, H -> -H, under which A changes sign and D is
 * unchanged.
 *
 * Kramers estimate. Let a < s be the lower stable equilibrium and the
 * unstable one. Laplace's method on the inner integral at a, where
 * Phi''(a) = 2|F'(a)|/D(a), and on the outer integral at s, where
 * |Phi''(s)| = 2 F'(s)/D(s), gives the mean time from a to a point beyond s:
 *
 *   T_K = 2*pi / sqrt(|F'(a)| * F'(s)) * sqrt(D(s)/D(a)) * exp(dPhi/epsilon),
 *   dPhi = Phi(s) - Phi(a) = -integral_{a}^{s} 2A(x)/D(x) dx > 0.
 *
 * For constant D this is the usual 2*pi/sqrt(V''(a)*|V''(s)|) * exp(dV/theta)
 * with theta = epsilon*D/2. Its relative error is O(epsilon/dPhi): against
 * the exact passage time to halfway between s and the upper well, T/T_K is
 * 0.88 at dPhi/epsilon = 20 and 0.96 at 40 for tanh, K = 2, H = 0.1.
 *
 * Numerical method. All integrals run over one set of nodes: spacing 2^-12,
 * refined geometrically (each step 1/10 of the distance) toward every
 * equilibrium, toward +-1 and toward from and to, down to 8 ulp of 1, and
 * kept below 1/(2*kappa) where D still varies (1/(2*kappa*(|z| + 1)) for erf).
 * On each node interval the increment of U comes from 5-point Gauss-Legendre
 * quadrature. An integral of exp(f) uses the cubic Hermite interpolant of f
 * through the values and exact derivatives at both ends, integrated by
 * 8-point Gauss-Legendre panels that double in width away from its maximum.
 * That rule stays accurate where exp(f) changes by many orders of magnitude
 * inside one interval, which happens wherever the drift dominates the noise
 * at small epsilon. Every sum is kept as a logarithm, so nothing overflows.
 *
 * Small D. D is replaced by max(D, D_min) with
 * D_min = max(1e-250, 1e-290/epsilon), which keeps |U|/epsilon below about
 * 1e291. For epsilon >= 1e-40 this changes the model only where
 * D < 1e-250, that is |z| > 288 for tanh and |z| > 23.9 for erf. There g(z)
 * rounds to +-1 and the stationary mass near the equilibrium sits within
 * 1e-250 of +-1, where no double can resolve it.
 *
 * Left out: the diffusion approximation itself, whose error in the discrete
 * router is O(epsilon); no correction of that order is applied.
 *
 * Errors. epsilon must be finite with 0 < epsilon < 1 and from and to must
 * lie in the open interval (-1, 1); otherwise the functions return
 * MB_ERR_OUT_OF_RANGE. On every error the outputs are left unwritten, except
 * where a function below documents otherwise.
 */
#ifndef MB_FOKKER_PLANCK_H
#define MB_FOKKER_PLANCK_H

#include "mb_field.h"
#include "mb_status.h"

/* Writes the stationary density on count cells of width h = 2/count that
 * tile [-1, 1]. m_out[i] = -1 + (i + 1/2)*h is the cell midpoint and
 * density_out[i] is the mean of P over the cell, that is the probability of
 * the cell divided by h, so that sum_i density_out[i] * h = 1 to rounding.
 * Where the grid resolves P this equals P(m_i) up to h^2 * P''(m_i)/24.
 * Where P is narrower than a cell (small epsilon or tiny D) the mass still
 * lands in the right cell. Cells with a mass below about 1e-308 times the
 * largest one hold 0.
 * Errors: MB_ERR_NULL_POINTER, MB_ERR_OUT_OF_RANGE for epsilon or for count
 * outside [2, 100000], and any error of mb_equilibria_find. */
mb_status mb_fokker_planck_density(const mb_model *model, double epsilon, int count,
                                   double *m_out, double *density_out);

/* Writes the mean first-passage time, in units of tau, from `from` to `to`:
 * reflecting at -1 when from < to and at +1 when from > to; 0 when they are
 * equal. When the time exceeds the largest double, *time_out is set to
 * +INFINITY and the function returns MB_ERR_OUT_OF_RANGE;
 * mb_fokker_planck_log_passage_time then still gives its logarithm. */
mb_status mb_fokker_planck_passage_time(const mb_model *model, double epsilon, double from,
                                        double to, double *time_out);

/* Writes log T for the time of mb_fokker_planck_passage_time. It is finite
 * for every valid input except from == to, which gives -INFINITY. */
mb_status mb_fokker_planck_log_passage_time(const mb_model *model, double epsilon, double from,
                                            double to, double *log_time_out);

/* Writes the Kramers estimate T_K above, in units of tau, for a bistable
 * model. It returns MB_ERR_OUT_OF_RANGE when the model does not have exactly
 * three equilibria (stable, unstable, stable), for example at a fold. It
 * also returns MB_ERR_OUT_OF_RANGE when T_K exceeds the largest double. Then
 * *time_out is set to +INFINITY, and mb_fokker_planck_log_kramers gives the
 * logarithm. */
mb_status mb_fokker_planck_kramers(const mb_model *model, double epsilon, double *time_out);

/* Writes log T_K, with the errors of mb_fokker_planck_kramers except the
 * overflow: dPhi/epsilon <= 8e290 by the clamp on D, so log T_K is finite. */
mb_status mb_fokker_planck_log_kramers(const mb_model *model, double epsilon,
                                       double *log_time_out);

#endif
