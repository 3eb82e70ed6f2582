/* Adaptive explicit Runge-Kutta integration of dy/dt = f(t, y).
 *
 * The stepper is Dormand-Prince 5(4): a fifth-order solution with an embedded
 * fourth-order estimate of the local error, and first-same-as-last reuse of
 * the last stage. A step is accepted when the error norm
 *
 *   err = sqrt( mean_i ( e_i / (atol + rtol * max(|y_i|, |y_new_i|)) )^2 )
 *
 * is at most 1, and the next step is h * clamp(0.9 * err^(-1/5), 0.2, 5).
 * A step whose stages produce a NaN or an infinity is rejected and retried
 * with a quarter of its length, so a right-hand side may signal an invalid
 * region by returning NaN.
 *
 * The driver is a workspace: mb_ode_driver_alloc, then mb_ode_driver_apply
 * once per output time (each call ends exactly on its target time, so output
 * samples carry the full error control), then mb_ode_driver_free.
 * Not included: stiff methods and event location.
 */
#ifndef MB_ODE_H
#define MB_ODE_H

#include "mb_status.h"

/* Writes f(t, y) to dydt. Returns MB_OK, or a status that aborts the run. */
typedef mb_status (*mb_ode_function)(double t, const double *y, double *dydt, void *params);

typedef struct {
    mb_ode_function function;
    int dimension;
    void *params;
} mb_ode_system;

typedef struct {
    double rtol;
    double atol;
    long max_steps; /* accepted plus rejected steps per driver, over all apply calls */
} mb_ode_options;

typedef struct {
    long accepted_steps;
    long rejected_steps;
    long evaluations;
} mb_ode_stats;

typedef struct mb_ode_driver mb_ode_driver;

/* Allocates a driver for system, which must stay valid while the driver is
 * used. Returns NULL when dimension < 1 or memory is short. */
mb_ode_driver *mb_ode_driver_alloc(const mb_ode_system *system, const mb_ode_options *options);

/* Advances y from *t to t_end (t_end >= *t) and sets *t = t_end.
 * On an error *t and y hold the last accepted step, so the run can be
 * inspected up to the failure. Errors: MB_ERR_MAX_STEPS when the step budget
 * runs out, MB_ERR_NO_CONVERGENCE when the step size underflows. */
mb_status mb_ode_driver_apply(mb_ode_driver *driver, double *t, double t_end, double *y);

/* Returns the counters accumulated since the driver was allocated. */
mb_ode_stats mb_ode_driver_stats(const mb_ode_driver *driver);

/* Frees the driver. Accepts NULL. */
void mb_ode_driver_free(mb_ode_driver *driver);

#endif
