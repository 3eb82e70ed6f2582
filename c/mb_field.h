/* The one-dimensional mean-field model of two experts.
 *
 *   dm/dtau = F(m) = g(kappa*m + H) - m,   m in (-1, 1)
 *   V(m)    = m^2/2 - (G(kappa*m + H) - G(H))/kappa,  so F = -V'   (G' = g)
 *
 * m is the load imbalance pi_1 - pi_2, tau = lambda*t the time in units of
 * the decay time, K = kappa*g'(0) the feedback strength and H the external
 * asymmetry; see mb_link.h for g and kappa. The constant G(H)/kappa makes
 * V(0) = 0 and keeps V finite as kappa -> 0, where it tends to m^2/2 - g(H)*m.
 * The Jacobian of the 1-D flow is F'(m) = kappa*g'(kappa*m + H) - 1.
 */
#ifndef MB_FIELD_H
#define MB_FIELD_H

#include "mb_link.h"
#include "mb_params.h"
#include "mb_status.h"

typedef struct {
    mb_link link;
    double K;
    double H;
    double kappa; /* K / g'(0) */
} mb_model;

/* Validates K and H and fills *model. On MB_ERR_OUT_OF_RANGE, *bad_param
 * (when not NULL) names the offending parameter; *model is left unchanged
 * on any error. */
mb_status mb_model_init(mb_model *model, mb_link link, double K, double H,
                        mb_param *bad_param);

/* F(m), F'(m), F''(m), and the parameter derivatives dF/dK and dF/dH. */
double mb_field(const mb_model *model, double m);
double mb_field_dm(const mb_model *model, double m);
double mb_field_dm2(const mb_model *model, double m);
double mb_field_dK(const mb_model *model, double m);
double mb_field_dH(const mb_model *model, double m);

/* Mixed derivatives d(F')/dK and d(F')/dH, used to locate folds. */
double mb_field_dm_dK(const mb_model *model, double m);
double mb_field_dm_dH(const mb_model *model, double m);

/* V(m). */
double mb_potential(const mb_model *model, double m);

/* Samples F and V at count points spaced evenly on [-1, 1], ends included.
 * Writes count values to each of m_out, field_out and potential_out. */
mb_status mb_field_sample(const mb_model *model, int count, double *m_out,
                          double *field_out, double *potential_out);

#endif
