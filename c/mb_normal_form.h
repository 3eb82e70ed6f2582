/* Local normal form of dm/dtau = g(kappa*m + H) - m near the cusp (K, H) = (1, 0).
 *
 * With mu = K - 1 small, m of order mu^(1/2) and H of order mu^(3/2), a Taylor
 * expansion of the odd link g gives, up to terms of order mu^(5/2),
 *
 *   dm/dtau = g'(0)*H + mu*m + c3*m^3,   c3 = g'''(0) / (6*g'(0)^3),
 *
 * so c3 = -1/3 for tanh and -pi/12 for erf. With m = s*y, s = 1/sqrt(-c3),
 *
 *   dy/dtau = a + b*y - y^3,   a = g'(0)*H/s,   b = mu,
 *
 * whose fold set 27*a^2 = 4*b^3 gives the fold curves H = +-H_nf(K) with
 * H_nf(K) = (2/3)*(K - 1)^(3/2) for both links (in each link's own H), and
 * whose pitchfork at a = 0 has the amplitude y = sqrt(b), m = sqrt(-mu/c3):
 * sqrt(3*(K - 1)) for tanh.
 */
#ifndef MB_NORMAL_FORM_H
#define MB_NORMAL_FORM_H

#include "mb_field.h"

typedef struct {
    double h_coefficient; /* g'(0), the coefficient of H */
    double mu;            /* K - 1, the coefficient of m */
    double cubic;         /* c3, the coefficient of m^3 */
    double m_scale;       /* s in m = s*y */
    double a;             /* constant term of the scaled form */
    double b;             /* linear coefficient of the scaled form */
} mb_normal_form;

/* Computes the coefficients at the model's K and H. */
mb_status mb_normal_form_compute(const mb_model *model, mb_normal_form *out);

/* Returns H_nf(K), the normal-form estimate of H_c(K); 0 for K <= 1. */
double mb_normal_form_critical_h(mb_link link, double K);

/* Returns sqrt(-(K - 1)/c3), the normal-form estimate of the pitchfork
 * amplitude m*(K) at H = 0; 0 for K <= 1. */
double mb_normal_form_amplitude(mb_link link, double K);

#endif
