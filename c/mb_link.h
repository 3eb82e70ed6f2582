/* Link functions g of the two-expert mean-field model dm/dtau = g(kappa*m + H) - m.
 *
 *   tanh: g(z) = tanh(z)   softmax sampling (modes sample, gumbel-top1)
 *   erf:  g(z) = erf(z)    hard top-1 routing of logits with Gaussian noise
 *
 * Both links are odd, increasing, saturate at +-1 and have g'' < 0 for z > 0.
 * The feedback strength is K = kappa * g'(0), so kappa = K for tanh and
 * kappa = K * sqrt(pi) / 2 for erf.
 *
 * Every function is finite for every finite z: sech^2 and exp(-z^2) underflow
 * to 0 instead of overflowing, and the antiderivative grows like |z|.
 */
#ifndef MB_LINK_H
#define MB_LINK_H

#include "mb_status.h"

typedef enum {
    MB_LINK_TANH = 0,
    MB_LINK_ERF = 1,
    MB_LINK_COUNT = 2
} mb_link;

/* Returns "tanh" or "erf", or NULL for an id outside mb_link. */
const char *mb_link_name(mb_link link);

/* Parses "tanh" or "erf" into *link. Returns MB_ERR_INVALID_ENUM otherwise. */
mb_status mb_link_parse(const char *name, mb_link *link);

/* g(z), g'(z), g''(z) and g'''(z). */
double mb_link_g(mb_link link, double z);
double mb_link_dg(mb_link link, double z);
double mb_link_d2g(mb_link link, double z);
double mb_link_d3g(mb_link link, double z);

/* g^-1(y) for -1 < y < 1: artanh(y), or erf^-1(y) found by bracketed Newton
 * iteration to full precision. Returns -+INFINITY for y = -+1 and NaN for
 * |y| > 1 or NaN. */
double mb_link_inverse(mb_link link, double y);

/* The antiderivative G(z) with G(0) = 0: log(cosh(z)) for tanh,
 * z*erf(z) + (exp(-z^2) - 1)/sqrt(pi) for erf. */
double mb_link_integral(mb_link link, double z);

/* g'(0): 1 for tanh, 2/sqrt(pi) for erf. */
double mb_link_slope_at_zero(mb_link link);

/* Returns the z >= 0 with g'(z) = g'(0)/K, where kappa*g'(z) = 1 and the
 * vector field has a critical point: asinh(sqrt(K - 1)) for tanh and
 * sqrt(log(K)) for erf. Only defined for K > 1; returns 0 for K <= 1. */
double mb_link_critical_z(mb_link link, double K);

#endif
