#include "mb_field.h"

#include <stddef.h>

mb_status mb_model_init(mb_model *model, mb_link link, double K, double H,
                        mb_param *bad_param)
{
    if (model == NULL)
        return MB_ERR_NULL_POINTER;
    if (mb_link_name(link) == NULL)
        return MB_ERR_INVALID_ENUM;
    if (mb_param_check(MB_PARAM_K, K) != MB_OK) {
        if (bad_param != NULL)
            *bad_param = MB_PARAM_K;
        return MB_ERR_OUT_OF_RANGE;
    }
    if (mb_param_check(MB_PARAM_H, H) != MB_OK) {
        if (bad_param != NULL)
            *bad_param = MB_PARAM_H;
        return MB_ERR_OUT_OF_RANGE;
    }
    model->link = link;
    model->K = K;
    model->H = H;
    model->kappa = K / mb_link_slope_at_zero(link);
    return MB_OK;
}

static double argument(const mb_model *model, double m)
{
    return model->kappa * m + model->H;
}

double mb_field(const mb_model *model, double m)
{
    return mb_link_g(model->link, argument(model, m)) - m;
}

double mb_field_dm(const mb_model *model, double m)
{
    return model->kappa * mb_link_dg(model->link, argument(model, m)) - 1.0;
}

double mb_field_dm2(const mb_model *model, double m)
{
    return model->kappa * model->kappa * mb_link_d2g(model->link, argument(model, m));
}

/* kappa = K/g'(0), so d(kappa*m + H)/dK = m/g'(0). */
double mb_field_dK(const mb_model *model, double m)
{
    double z = argument(model, m);
    return mb_link_dg(model->link, z) * m / mb_link_slope_at_zero(model->link);
}

double mb_field_dH(const mb_model *model, double m)
{
    return mb_link_dg(model->link, argument(model, m));
}

double mb_field_dm_dK(const mb_model *model, double m)
{
    double z = argument(model, m);
    double slope0 = mb_link_slope_at_zero(model->link);
    return (mb_link_dg(model->link, z) + model->kappa * m * mb_link_d2g(model->link, z)) / slope0;
}

double mb_field_dm_dH(const mb_model *model, double m)
{
    return model->kappa * mb_link_d2g(model->link, argument(model, m));
}

double mb_potential(const mb_model *model, double m)
{
    double kappa = model->kappa;
    double H = model->H;
    mb_link link = model->link;

    /* For small kappa the difference quotient (G(H + kappa*m) - G(H))/kappa
     * cancels badly; its Taylor series to kappa^3 is exact to about
     * kappa^4/120 < 1e-14 there. */
    if (kappa < 1e-3) {
        double km = kappa * m;
        double integral = m * (mb_link_g(link, H) + km / 2.0 * (mb_link_dg(link, H)
                          + km / 3.0 * (mb_link_d2g(link, H) + km / 4.0 * mb_link_d3g(link, H))));
        return 0.5 * m * m - integral;
    }
    double integral = mb_link_integral(link, argument(model, m)) - mb_link_integral(link, H);
    return 0.5 * m * m - integral / kappa;
}

mb_status mb_field_sample(const mb_model *model, int count, double *m_out,
                          double *field_out, double *potential_out)
{
    if (model == NULL || m_out == NULL || field_out == NULL || potential_out == NULL)
        return MB_ERR_NULL_POINTER;
    if (mb_param_check(MB_PARAM_SAMPLES, count) != MB_OK)
        return MB_ERR_OUT_OF_RANGE;
    for (int i = 0; i < count; i++) {
        double m = -1.0 + 2.0 * i / (count - 1);
        m_out[i] = m;
        field_out[i] = mb_field(model, m);
        potential_out[i] = mb_potential(model, m);
    }
    return MB_OK;
}
