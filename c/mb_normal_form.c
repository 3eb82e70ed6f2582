#include "mb_normal_form.h"

#include <math.h>
#include <stddef.h>

static double cubic_coefficient(mb_link link)
{
    double slope = mb_link_slope_at_zero(link);
    return mb_link_d3g(link, 0.0) / (6.0 * slope * slope * slope);
}

mb_status mb_normal_form_compute(const mb_model *model, mb_normal_form *out)
{
    if (model == NULL || out == NULL)
        return MB_ERR_NULL_POINTER;
    double cubic = cubic_coefficient(model->link);
    out->h_coefficient = mb_link_slope_at_zero(model->link);
    out->mu = model->K - 1.0;
    out->cubic = cubic;
    out->m_scale = 1.0 / sqrt(-cubic);
    out->a = out->h_coefficient * model->H / out->m_scale;
    out->b = out->mu;
    return MB_OK;
}

double mb_normal_form_critical_h(mb_link link, double K)
{
    if (!(K > 1.0))
        return 0.0;
    /* 27*a^2 = 4*b^3 gives |a| = 2*(b/3)^(3/2); then H = |a|*s/g'(0). */
    double mu = K - 1.0;
    double scaled = 2.0 * pow(mu / 3.0, 1.5);
    double s = 1.0 / sqrt(-cubic_coefficient(link));
    return scaled * s / mb_link_slope_at_zero(link);
}

double mb_normal_form_amplitude(mb_link link, double K)
{
    if (!(K > 1.0))
        return 0.0;
    return sqrt(-(K - 1.0) / cubic_coefficient(link));
}
