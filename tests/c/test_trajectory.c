#include <math.h>
#include <stdlib.h>

#include "../../c/mb_equilibria.h"
#include "../../c/mb_ode.h"
#include "../../c/mb_trajectory.h"
#include "check.h"

static const mb_link links[] = {MB_LINK_TANH, MB_LINK_ERF};

static mb_status decay(double t, const double *y, double *dydt, void *params)
{
    (void)t;
    (void)params;
    dydt[0] = -y[0];
    dydt[1] = -10.0 * y[1];
    return MB_OK;
}

/* f = -y up to t = 0.5 and NaN after it, a region no step can enter. */
static mb_status nan_window(double t, const double *y, double *dydt, void *params)
{
    (void)params;
    dydt[0] = t > 0.5 ? NAN : -y[0];
    return MB_OK;
}

static mb_status failing(double t, const double *y, double *dydt, void *params)
{
    (void)y;
    (void)params;
    dydt[0] = 0.0;
    return t > 0.25 ? MB_ERR_OUT_OF_RANGE : MB_OK;
}

void test_ode_exponential(void)
{
    mb_ode_system system = {decay, 2, NULL};
    double errors[2];
    const double rtols[2] = {1e-6, 1e-11};
    for (int r = 0; r < 2; r++) {
        mb_ode_options options = {rtols[r], 1e-14, 100000};
        mb_ode_driver *driver = mb_ode_driver_alloc(&system, &options);
        CHECK(driver != NULL);
        double y[2] = {1.0, 1.0};
        double t = 0.0;
        CHECK_INT(mb_ode_driver_apply(driver, &t, 3.0, y), MB_OK);
        CHECK_CLOSE(t, 3.0, 0.0, 0.0);
        CHECK_CLOSE(y[0], exp(-3.0), 100 * rtols[r], 0.0);
        CHECK_CLOSE(y[1], exp(-30.0), 1e-3, 1e-13);
        errors[r] = fabs(y[0] - exp(-3.0));
        mb_ode_stats stats = mb_ode_driver_stats(driver);
        CHECK(stats.accepted_steps > 0);
        CHECK(stats.evaluations >= 6 * stats.accepted_steps);
        mb_ode_driver_free(driver);
    }
    /* Tighter tolerances give a smaller error. */
    CHECK(errors[1] < errors[0] / 100.0);
    mb_ode_driver_free(NULL);
    CHECK(mb_ode_driver_alloc(&(mb_ode_system){decay, 0, NULL}, &(mb_ode_options){1e-6, 1e-9, 10}) == NULL);
}

void test_ode_hostile_systems(void)
{
    mb_ode_options options = {1e-8, 1e-10, 10000};
    mb_ode_system system = {nan_window, 1, NULL};
    mb_ode_driver *driver = mb_ode_driver_alloc(&system, &options);
    double y[1] = {1.0};
    double t = 0.0;
    mb_status status = mb_ode_driver_apply(driver, &t, 1.0, y);
    CHECK(status == MB_ERR_NO_CONVERGENCE || status == MB_ERR_MAX_STEPS);
    CHECK(t <= 0.5);
    CHECK(isfinite(y[0]));
    CHECK_CLOSE(y[0], exp(-t), 1e-6, 0.0); /* the last accepted state */
    mb_ode_driver_free(driver);

    mb_ode_system failing_system = {failing, 1, NULL};
    driver = mb_ode_driver_alloc(&failing_system, &options);
    t = 0.0;
    CHECK_INT(mb_ode_driver_apply(driver, &t, 1.0, y), MB_ERR_OUT_OF_RANGE);
    mb_ode_driver_free(driver);

    mb_ode_options tiny_budget = {1e-12, 1e-14, 5};
    mb_ode_system decay_system = {decay, 2, NULL};
    driver = mb_ode_driver_alloc(&decay_system, &tiny_budget);
    double y2[2] = {1.0, 1.0};
    t = 0.0;
    CHECK_INT(mb_ode_driver_apply(driver, &t, 100.0, y2), MB_ERR_MAX_STEPS);
    t = 0.0;
    CHECK_INT(mb_ode_driver_apply(driver, &t, -1.0, y2), MB_ERR_OUT_OF_RANGE);
    mb_ode_driver_free(driver);
}

void test_trajectory_closed_form(void)
{
    /* K = 0: dm/dtau = g(H) - m, so m = g(H) + (m0 - g(H))*exp(-tau). */
    for (int l = 0; l < 2; l++) {
        mb_model model;
        mb_model_init(&model, links[l], 0.0, 0.4, NULL);
        double tau[41], m[41];
        CHECK_INT(mb_trajectory_compute(&model, -0.9, 8.0, 41, 1e-10, 1e-12, tau, m, NULL, NULL), MB_OK);
        double target = mb_link_g(links[l], 0.4);
        for (int i = 0; i < 41; i++) {
            CHECK_CLOSE(tau[i], 8.0 * i / 40.0, 1e-15, 0.0);
            CHECK_CLOSE(m[i], target + (-0.9 - target) * exp(-tau[i]), 0.0, 1e-9);
        }
    }
}

/* tau(m1) = integral from m0 to m1 of dm/F(m), by composite Gauss-Legendre
 * quadrature with 5 nodes on 400 panels: an independent reference for the
 * integrator on the way to, but not at, an equilibrium. */
static double time_to_reach(const mb_model *model, double m0, double m1)
{
    static const double nodes[5] = {-0.9061798459386640, -0.5384693101056831, 0.0,
                                    0.5384693101056831, 0.9061798459386640};
    static const double weights[5] = {0.2369268850561891, 0.4786286704993665, 0.5688888888888889,
                                      0.4786286704993665, 0.2369268850561891};
    const int panels = 400;
    double width = (m1 - m0) / panels;
    double sum = 0.0;
    for (int p = 0; p < panels; p++) {
        double center = m0 + (p + 0.5) * width;
        for (int i = 0; i < 5; i++)
            sum += weights[i] / mb_field(model, center + 0.5 * width * nodes[i]);
    }
    return 0.5 * width * sum;
}

void test_trajectory_quadrature_reference(void)
{
    const struct { double K, H, m0, tau; } cases[] = {
        {2.0, 0.0, 0.05, 2.0}, {2.0, 0.3, -0.2, 1.5}, {0.5, -0.4, 0.8, 1.0},
        {4.0, -0.1, -0.01, 0.8}, {1.2, 0.02, 0.3, 1.5},
    };
    for (int l = 0; l < 2; l++) {
        for (int c = 0; c < 5; c++) {
            mb_model model;
            mb_model_init(&model, links[l], cases[c].K, cases[c].H, NULL);
            double tau[3], m[3];
            mb_ode_stats stats;
            CHECK_INT(mb_trajectory_compute(&model, cases[c].m0, cases[c].tau, 3, 1e-11, 1e-13,
                                            tau, m, &stats, NULL), MB_OK);
            CHECK_CLOSE(time_to_reach(&model, cases[c].m0, m[2]), cases[c].tau, 1e-7, 0.0);
            CHECK_CLOSE(time_to_reach(&model, cases[c].m0, m[1]), tau[1], 1e-7, 0.0);
        }
        /* Long runs settle on the stable equilibrium of their basin. */
        mb_model model;
        mb_model_init(&model, links[l], 2.0, 0.3, NULL);
        mb_equilibrium equilibria[3];
        int count;
        mb_equilibria_find(&model, equilibria, &count);
        double tau[2], m[2];
        CHECK_INT(mb_trajectory_compute(&model, equilibria[1].m + 1e-3, 60.0, 2, 1e-10, 1e-12, tau, m, NULL, NULL), MB_OK);
        CHECK_CLOSE(m[1], equilibria[2].m, 0.0, 1e-8);
        CHECK_INT(mb_trajectory_compute(&model, equilibria[1].m - 1e-3, 60.0, 2, 1e-10, 1e-12, tau, m, NULL, NULL), MB_OK);
        CHECK_CLOSE(m[1], equilibria[0].m, 0.0, 1e-8);
    }
    /* A very stiff start at K = 1e6 still ends on the equilibrium. */
    mb_model model;
    mb_model_init(&model, MB_LINK_TANH, 1e6, 0.0, NULL);
    double tau[2], m[2];
    CHECK_INT(mb_trajectory_compute(&model, 1e-3, 40.0, 2, 1e-9, 1e-12, tau, m, NULL, NULL), MB_OK);
    CHECK_CLOSE(m[1], 1.0, 0.0, 1e-8);
}

void test_trajectory_sample_grid(void)
{
    /* Sample times that are not exact multiples of the steps leave slivers of
     * rounding between the integrator's time and the target. Every start of
     * the page's fan must still finish. */
    const double Ks[] = {0.5, 1.6, 2.0};
    for (int k = 0; k < 3; k++) {
        mb_model model;
        mb_model_init(&model, MB_LINK_TANH, Ks[k], 0.0, NULL);
        for (int i = 0; i < 11; i++) {
            double m0 = -0.95 + 0.19 * i;
            double tau[161], m[161];
            CHECK_INT(mb_trajectory_compute(&model, m0, 12.0, 161, 1e-8, 1e-10, tau, m, NULL, NULL), MB_OK);
            CHECK_CLOSE(tau[160], 12.0, 0.0, 0.0);
            CHECK(fabs(m[160]) < 1.0);
        }
    }
}

void test_trajectory_rejects_bad_parameters(void)
{
    mb_model model;
    mb_model_init(&model, MB_LINK_TANH, 2.0, 0.0, NULL);
    double tau[4], m[4];
    const struct { double m0, tau; int samples; double rtol, atol; mb_param expected; } cases[] = {
        {1.0, 1.0, 4, 1e-8, 1e-10, MB_PARAM_M0},
        {-1.5, 1.0, 4, 1e-8, 1e-10, MB_PARAM_M0},
        {NAN, 1.0, 4, 1e-8, 1e-10, MB_PARAM_M0},
        {0.1, 0.0, 4, 1e-8, 1e-10, MB_PARAM_TAU},
        {0.1, 1e9, 4, 1e-8, 1e-10, MB_PARAM_TAU},
        {0.1, INFINITY, 4, 1e-8, 1e-10, MB_PARAM_TAU},
        {0.1, 1.0, 1, 1e-8, 1e-10, MB_PARAM_SAMPLES},
        {0.1, 1.0, 4, 0.5, 1e-10, MB_PARAM_RTOL},
        {0.1, 1.0, 4, 1e-8, -1.0, MB_PARAM_ATOL},
    };
    for (int c = 0; c < 9; c++) {
        mb_param bad = MB_PARAM_COUNT;
        CHECK_INT(mb_trajectory_compute(&model, cases[c].m0, cases[c].tau, cases[c].samples,
                                        cases[c].rtol, cases[c].atol, tau, m, NULL, &bad),
                  MB_ERR_OUT_OF_RANGE);
        CHECK_INT(bad, cases[c].expected);
    }
    CHECK_INT(mb_trajectory_compute(&model, 0.1, 1.0, 4, 1e-8, 1e-10, NULL, m, NULL, NULL), MB_ERR_NULL_POINTER);
}
