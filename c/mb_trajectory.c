#include "mb_trajectory.h"

#include <stddef.h>

#define MAX_STEPS 1000000L

static mb_status field_rhs(double t, const double *y, double *dydt, void *params)
{
    (void)t;
    dydt[0] = mb_field((const mb_model *)params, y[0]);
    return MB_OK;
}

static mb_status check(mb_param param, double value, mb_param *bad_param)
{
    mb_status status = mb_param_check(param, value);
    if (status != MB_OK && bad_param != NULL)
        *bad_param = param;
    return status;
}

mb_status mb_trajectory_compute(const mb_model *model, double m0, double tau, int samples,
                                double rtol, double atol, double *tau_out, double *m_out,
                                mb_ode_stats *stats, mb_param *bad_param)
{
    if (model == NULL || tau_out == NULL || m_out == NULL)
        return MB_ERR_NULL_POINTER;
    mb_status status;
    if ((status = check(MB_PARAM_M0, m0, bad_param)) != MB_OK
        || (status = check(MB_PARAM_TAU, tau, bad_param)) != MB_OK
        || (status = check(MB_PARAM_SAMPLES, samples, bad_param)) != MB_OK
        || (status = check(MB_PARAM_RTOL, rtol, bad_param)) != MB_OK
        || (status = check(MB_PARAM_ATOL, atol, bad_param)) != MB_OK)
        return status;

    mb_ode_system system = {field_rhs, 1, (void *)model};
    mb_ode_options options = {rtol, atol, MAX_STEPS};
    mb_ode_driver *driver = mb_ode_driver_alloc(&system, &options);
    if (driver == NULL)
        return MB_ERR_NO_MEMORY;

    double t = 0.0;
    double m = m0;
    tau_out[0] = 0.0;
    m_out[0] = m0;
    status = MB_OK;
    for (int i = 1; i < samples; i++) {
        /* The last sample time is tau itself, not a rounded multiple. */
        double target = i == samples - 1 ? tau : tau * i / (samples - 1);
        status = mb_ode_driver_apply(driver, &t, target, &m);
        if (status != MB_OK)
            break;
        tau_out[i] = target;
        m_out[i] = m;
    }
    if (stats != NULL)
        *stats = mb_ode_driver_stats(driver);
    mb_ode_driver_free(driver);
    return status;
}
