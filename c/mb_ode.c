#include "mb_ode.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

/* Dormand-Prince 5(4) tableau (J. R. Dormand, P. J. Prince, "A family of
 * embedded Runge-Kutta formulae", J. Comput. Appl. Math. 6, 1980). */
static const double c2 = 1.0 / 5.0, c3 = 3.0 / 10.0, c4 = 4.0 / 5.0, c5 = 8.0 / 9.0;
static const double a21 = 1.0 / 5.0;
static const double a31 = 3.0 / 40.0, a32 = 9.0 / 40.0;
static const double a41 = 44.0 / 45.0, a42 = -56.0 / 15.0, a43 = 32.0 / 9.0;
static const double a51 = 19372.0 / 6561.0, a52 = -25360.0 / 2187.0, a53 = 64448.0 / 6561.0,
                    a54 = -212.0 / 729.0;
static const double a61 = 9017.0 / 3168.0, a62 = -355.0 / 33.0, a63 = 46732.0 / 5247.0,
                    a64 = 49.0 / 176.0, a65 = -5103.0 / 18656.0;
/* Fifth-order weights, which are also the last stage's coefficients (FSAL). */
static const double b1 = 35.0 / 384.0, b3 = 500.0 / 1113.0, b4 = 125.0 / 192.0,
                    b5 = -2187.0 / 6784.0, b6 = 11.0 / 84.0;
/* Fifth- minus fourth-order weights: the local error estimate. */
static const double e1 = 71.0 / 57600.0, e3 = -71.0 / 16695.0, e4 = 71.0 / 1920.0,
                    e5 = -17253.0 / 339200.0, e6 = 22.0 / 525.0, e7 = -1.0 / 40.0;

struct mb_ode_driver {
    mb_ode_system system;
    mb_ode_options options;
    mb_ode_stats stats;
    double step;      /* proposed size of the next step; 0 before the first */
    int have_first;   /* 1 when k[0] contains f at the current point */
    double *k[7];     /* stage derivatives */
    double *stage;    /* argument of the next stage */
    double *y_new;
};

mb_ode_driver *mb_ode_driver_alloc(const mb_ode_system *system, const mb_ode_options *options)
{
    if (system == NULL || options == NULL || system->function == NULL || system->dimension < 1)
        return NULL;
    mb_ode_driver *driver = calloc(1, sizeof *driver);
    if (driver == NULL)
        return NULL;
    double *slab = calloc((size_t)system->dimension * 9, sizeof *slab);
    if (slab == NULL) {
        free(driver);
        return NULL;
    }
    driver->system = *system;
    driver->options = *options;
    for (int i = 0; i < 7; i++)
        driver->k[i] = slab + (size_t)i * system->dimension;
    driver->stage = slab + (size_t)7 * system->dimension;
    driver->y_new = slab + (size_t)8 * system->dimension;
    return driver;
}

void mb_ode_driver_free(mb_ode_driver *driver)
{
    if (driver == NULL)
        return;
    free(driver->k[0]); /* the slab */
    free(driver);
}

mb_ode_stats mb_ode_driver_stats(const mb_ode_driver *driver)
{
    mb_ode_stats none = {0, 0, 0};
    return driver == NULL ? none : driver->stats;
}

static mb_status evaluate(mb_ode_driver *driver, double t, const double *y, double *dydt)
{
    driver->stats.evaluations++;
    return driver->system.function(t, y, dydt, driver->system.params);
}

static int all_finite(const double *v, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* Takes one trial step of size h from (t, y), writing the fifth-order result
 * to y_new and the k[6] stage at the new point. Returns the error norm, or
 * INFINITY when a stage is not finite. */
static double try_step(mb_ode_driver *driver, double t, const double *y, double h, mb_status *status)
{
    int n = driver->system.dimension;
    double **k = driver->k;
    double *s = driver->stage;
    double *y_new = driver->y_new;
    *status = MB_OK;

    for (int i = 0; i < n; i++) s[i] = y[i] + h * a21 * k[0][i];
    if ((*status = evaluate(driver, t + c2 * h, s, k[1])) != MB_OK) return INFINITY;
    for (int i = 0; i < n; i++) s[i] = y[i] + h * (a31 * k[0][i] + a32 * k[1][i]);
    if ((*status = evaluate(driver, t + c3 * h, s, k[2])) != MB_OK) return INFINITY;
    for (int i = 0; i < n; i++) s[i] = y[i] + h * (a41 * k[0][i] + a42 * k[1][i] + a43 * k[2][i]);
    if ((*status = evaluate(driver, t + c4 * h, s, k[3])) != MB_OK) return INFINITY;
    for (int i = 0; i < n; i++)
        s[i] = y[i] + h * (a51 * k[0][i] + a52 * k[1][i] + a53 * k[2][i] + a54 * k[3][i]);
    if ((*status = evaluate(driver, t + c5 * h, s, k[4])) != MB_OK) return INFINITY;
    for (int i = 0; i < n; i++)
        s[i] = y[i] + h * (a61 * k[0][i] + a62 * k[1][i] + a63 * k[2][i] + a64 * k[3][i]
                           + a65 * k[4][i]);
    if ((*status = evaluate(driver, t + h, s, k[5])) != MB_OK) return INFINITY;
    for (int i = 0; i < n; i++)
        y_new[i] = y[i] + h * (b1 * k[0][i] + b3 * k[2][i] + b4 * k[3][i] + b5 * k[4][i]
                               + b6 * k[5][i]);
    if ((*status = evaluate(driver, t + h, y_new, k[6])) != MB_OK) return INFINITY;
    if (!all_finite(y_new, n) || !all_finite(k[6], n))
        return INFINITY;

    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        double error = h * (e1 * k[0][i] + e3 * k[2][i] + e4 * k[3][i] + e5 * k[4][i]
                            + e6 * k[5][i] + e7 * k[6][i]);
        double scale = driver->options.atol
                       + driver->options.rtol * fmax(fabs(y[i]), fabs(y_new[i]));
        sum += (error / scale) * (error / scale);
    }
    return sqrt(sum / n);
}

mb_status mb_ode_driver_apply(mb_ode_driver *driver, double *t, double t_end, double *y)
{
    if (driver == NULL || t == NULL || y == NULL)
        return MB_ERR_NULL_POINTER;
    if (!isfinite(*t) || !isfinite(t_end) || t_end < *t)
        return MB_ERR_OUT_OF_RANGE;
    int n = driver->system.dimension;
    mb_status status;

    if (!driver->have_first) {
        if ((status = evaluate(driver, *t, y, driver->k[0])) != MB_OK)
            return status;
        if (!all_finite(driver->k[0], n))
            return MB_ERR_OUT_OF_RANGE;
        driver->have_first = 1;
    }
    if (driver->step <= 0.0) {
        /* A small first step; the controller grows it by up to 5x per step. */
        double norm = 0.0;
        for (int i = 0; i < n; i++)
            norm = fmax(norm, fabs(driver->k[0][i]));
        double span = t_end - *t;
        driver->step = norm > 0.0 ? fmin(1e-3 / norm, 1e-2) : 1e-2;
        if (span > 0.0)
            driver->step = fmin(driver->step, span);
    }

    while (*t < t_end) {
        if (driver->stats.accepted_steps + driver->stats.rejected_steps >= driver->options.max_steps)
            return MB_ERR_MAX_STEPS;
        double remaining = t_end - *t;
        /* A sliver left by rounding, below the resolution of t, is done. */
        if (remaining <= 8.0 * DBL_EPSILON * fmax(1.0, fabs(t_end))) {
            *t = t_end;
            break;
        }
        double h = driver->step;
        int last = 0;
        if (h >= remaining) {
            h = remaining;
            last = 1;
        }
        if (h <= 8.0 * DBL_EPSILON * fmax(1.0, fabs(*t)))
            return MB_ERR_NO_CONVERGENCE;

        double error = try_step(driver, *t, y, h, &status);
        if (status != MB_OK)
            return status;
        if (!(error <= 1.0)) {
            driver->stats.rejected_steps++;
            double factor = isfinite(error) ? fmax(0.2, 0.9 * pow(error, -0.2)) : 0.25;
            driver->step = h * factor;
            continue;
        }

        driver->stats.accepted_steps++;
        for (int i = 0; i < n; i++) {
            y[i] = driver->y_new[i];
            driver->k[0][i] = driver->k[6][i];
        }
        *t = last ? t_end : *t + h;
        double factor = error > 0.0 ? fmin(5.0, fmax(0.2, 0.9 * pow(error, -0.2))) : 5.0;
        /* A step cut short to land on t_end is no guide to the next one, so
         * the proposal from before it is kept unless it shrank. */
        double proposal = h * factor;
        if (!last || proposal < driver->step)
            driver->step = proposal;
    }
    return MB_OK;
}
