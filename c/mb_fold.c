#include "mb_fold.h"

#include <math.h>
#include <stddef.h>

#define MB_SQRT_PI_OVER_2 0.88622692545275801

/* (sinh(x) - x)/2 summed as sum_{k>=1} x^(2k+1)/(2k+1)!/2 for |x| < 1. */
static double half_sinh_minus_identity_series(double x)
{
    double term = x * x * x / 6.0;
    double sum = 0.0;
    for (int k = 1; k < 30 && fabs(term) > 1e-18 * fabs(sum); k++) {
        sum += term;
        term *= x * x / ((2.0 * k + 2.0) * (2.0 * k + 3.0));
    }
    return 0.5 * sum;
}

/* (sqrt(pi)/2)*exp(z^2)*erf(z) - z = sum_{n>=1} 2^n z^(2n+1)/(2n+1)!!,
 * for |z| < 1. */
static double erf_fold_series(double z)
{
    double term = 2.0 * z * z * z / 3.0;
    double sum = 0.0;
    for (int n = 1; n < 60 && fabs(term) > 1e-18 * fabs(sum); n++) {
        sum += term;
        term *= 2.0 * z * z / (2.0 * n + 3.0);
    }
    return sum;
}

/* H(z) = z - g(z)/g'(z) on the fold set. Near z = 0 both terms are about z
 * and their difference is O(z^3), so it is summed as a series there. */
static double fold_h_of_z(mb_link link, double z)
{
    double a = fabs(z);
    double h;
    if (link == MB_LINK_ERF)
        h = a < 1.0 ? -erf_fold_series(a) : a - MB_SQRT_PI_OVER_2 * exp(a * a) * erf(a);
    else
        h = 2.0 * a < 1.0 ? -half_sinh_minus_identity_series(2.0 * a) : a - sinh(a) * cosh(a);
    return z >= 0.0 ? h : -h;
}

mb_status mb_fold_point(mb_link link, double z, double *K, double *H, double *m)
{
    if (K == NULL || H == NULL || m == NULL)
        return MB_ERR_NULL_POINTER;
    if (mb_link_name(link) == NULL)
        return MB_ERR_INVALID_ENUM;
    if (!isfinite(z))
        return MB_ERR_OUT_OF_RANGE;
    double slope = mb_link_dg(link, z);
    double K_value = mb_link_slope_at_zero(link) / slope;
    if (!(slope > 0.0) || mb_param_check(MB_PARAM_K, K_value) != MB_OK)
        return MB_ERR_OUT_OF_RANGE;
    *K = K_value;
    *m = mb_link_g(link, z);
    *H = fold_h_of_z(link, z);
    return MB_OK;
}

mb_status mb_fold_critical_h(mb_link link, double K, double *critical_h, double *m_fold)
{
    if (critical_h == NULL || m_fold == NULL)
        return MB_ERR_NULL_POINTER;
    if (mb_link_name(link) == NULL)
        return MB_ERR_INVALID_ENUM;
    if (mb_param_check(MB_PARAM_K, K) != MB_OK)
        return MB_ERR_OUT_OF_RANGE;
    if (K <= 1.0) {
        *critical_h = 0.0;
        *m_fold = 0.0;
        return MB_OK;
    }
    /* The fold with z > 0 lies at H = -H_c. */
    double z = mb_link_critical_z(link, K);
    *m_fold = mb_link_g(link, z);
    *critical_h = -fold_h_of_z(link, z);
    return MB_OK;
}

mb_status mb_fold_curve(mb_link link, double K_max, int count, double *K_out, double *H_out)
{
    if (K_out == NULL || H_out == NULL)
        return MB_ERR_NULL_POINTER;
    if (mb_param_check(MB_PARAM_K, K_max) != MB_OK || K_max <= 1.0)
        return MB_ERR_OUT_OF_RANGE;
    if (mb_param_check(MB_PARAM_SAMPLES, count) != MB_OK)
        return MB_ERR_OUT_OF_RANGE;
    for (int i = 0; i < count; i++) {
        double K = i == count - 1 ? K_max : 1.0 + (K_max - 1.0) * i / (count - 1);
        double m_fold;
        mb_status status = mb_fold_critical_h(link, K, &H_out[i], &m_fold);
        if (status != MB_OK)
            return status;
        K_out[i] = K;
    }
    return MB_OK;
}
