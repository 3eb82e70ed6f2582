#include "mb_link.h"

#include <math.h>
#include <string.h>

#include "mb_roots.h"

#define MB_TWO_OVER_SQRT_PI 1.1283791670955126
#define MB_ONE_OVER_SQRT_PI 0.5641895835477563
#define MB_LN2 0.6931471805599453

const char *mb_link_name(mb_link link)
{
    switch (link) {
    case MB_LINK_TANH: return "tanh";
    case MB_LINK_ERF: return "erf";
    case MB_LINK_COUNT: break;
    }
    return NULL;
}

mb_status mb_link_parse(const char *name, mb_link *link)
{
    if (name == NULL || link == NULL)
        return MB_ERR_NULL_POINTER;
    if (strcmp(name, "tanh") == 0) {
        *link = MB_LINK_TANH;
        return MB_OK;
    }
    if (strcmp(name, "erf") == 0) {
        *link = MB_LINK_ERF;
        return MB_OK;
    }
    return MB_ERR_INVALID_ENUM;
}

/* sech^2(z) written with exp(-2|z|), so that it underflows to 0 for large |z|
 * where 1/cosh^2(z) would first overflow cosh. */
static double sech_squared(double z)
{
    double e = exp(-2.0 * fabs(z));
    return 4.0 * e / ((1.0 + e) * (1.0 + e));
}

double mb_link_g(mb_link link, double z)
{
    return link == MB_LINK_ERF ? erf(z) : tanh(z);
}

double mb_link_dg(mb_link link, double z)
{
    if (link == MB_LINK_ERF)
        return MB_TWO_OVER_SQRT_PI * exp(-z * z);
    return sech_squared(z);
}

double mb_link_d2g(mb_link link, double z)
{
    if (link == MB_LINK_ERF)
        return -2.0 * z * MB_TWO_OVER_SQRT_PI * exp(-z * z);
    return -2.0 * tanh(z) * sech_squared(z);
}

double mb_link_d3g(mb_link link, double z)
{
    if (link == MB_LINK_ERF)
        return (4.0 * z * z - 2.0) * MB_TWO_OVER_SQRT_PI * exp(-z * z);
    double t = tanh(z);
    return sech_squared(z) * (6.0 * t * t - 2.0);
}

static double erf_minus_target(double x, double *derivative, void *params)
{
    double target = *(const double *)params;
    if (derivative != NULL)
        *derivative = MB_TWO_OVER_SQRT_PI * exp(-x * x);
    return erf(x) - target;
}

double mb_link_inverse(mb_link link, double y)
{
    if (!(fabs(y) <= 1.0))
        return NAN;
    if (fabs(y) == 1.0)
        return y * INFINITY;
    if (link != MB_LINK_ERF)
        return atanh(y);
    /* erf(6) rounds to 1, so every |y| < 1 has its inverse in [0, 6]. */
    double target = fabs(y);
    double x = 0.0;
    if (mb_root_bracketed(erf_minus_target, &target, 0.0, 6.0, &x) != MB_OK)
        return NAN;
    return y < 0.0 ? -x : x;
}

double mb_link_integral(mb_link link, double z)
{
    if (link == MB_LINK_ERF)
        return z * erf(z) + expm1(-z * z) * MB_ONE_OVER_SQRT_PI;
    /* log(cosh(z)) = |z| + log(1 + exp(-2|z|)) - log(2), finite for every z. */
    double a = fabs(z);
    return a + log1p(exp(-2.0 * a)) - MB_LN2;
}

double mb_link_slope_at_zero(mb_link link)
{
    return link == MB_LINK_ERF ? MB_TWO_OVER_SQRT_PI : 1.0;
}

double mb_link_critical_z(mb_link link, double K)
{
    if (!(K > 1.0))
        return 0.0;
    /* K - 1 is exact for K near 1, so both forms keep full relative
     * precision at the cusp. */
    if (link == MB_LINK_ERF)
        return sqrt(log1p(K - 1.0));
    return asinh(sqrt(K - 1.0));
}
