/* Trajectories m(tau) of the two-expert mean-field model, integrated with the
 * adaptive Dormand-Prince 5(4) driver of mb_ode.h.
 *
 * The interval (-1, 1) is invariant under the exact flow, because F(-1) >= 0
 * >= F(1); the integrator keeps it to within its tolerance.
 */
#ifndef MB_TRAJECTORY_H
#define MB_TRAJECTORY_H

#include "mb_field.h"
#include "mb_ode.h"

/* Integrates from m(0) = m0 to tau and writes samples values at evenly spaced
 * times 0, tau/(samples-1), ..., tau to tau_out and m_out. The integrator
 * lands on every sample time, so each sample meets the tolerances.
 * stats (may be NULL) receives the step counts.
 * Errors: MB_ERR_OUT_OF_RANGE with *bad_param set (when not NULL) for m0, tau,
 * samples, rtol or atol outside their ranges in mb_params.h; MB_ERR_MAX_STEPS
 * after 10^6 steps, with the samples before the failure written. */
mb_status mb_trajectory_compute(const mb_model *model, double m0, double tau, int samples,
                                double rtol, double atol, double *tau_out, double *m_out,
                                mb_ode_stats *stats, mb_param *bad_param);

#endif
