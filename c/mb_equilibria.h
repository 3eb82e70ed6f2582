/* All equilibria of dm/dtau = F(m) = g(kappa*m + H) - m, with their stability.
 *
 * F'' = kappa^2 * g''(kappa*m + H) changes sign once, at m = -H/kappa, so F has
 * at most two critical points, where kappa*g'(kappa*m + H) = 1 (only for K > 1).
 * They split [-1, 1] into at most three intervals on which F is monotone, so
 * one bracketed root search per interval finds every equilibrium. None is
 * lost near a fold, where a grid search would miss a pair of close roots.
 *
 * An equilibrium is stable when F'(m*) < 0 and unstable when F'(m*) > 0.
 * At a fold (a double root, where F'(m*) = 0 to rounding) it is reported
 * once, as marginal, and so is the triple root m* = 0 at the cusp (1, 0).
 * Roots within rounding of +-1 (for example m* = tanh(50) at K = 0, H = 50)
 * are reported as +-1.
 */
#ifndef MB_EQUILIBRIA_H
#define MB_EQUILIBRIA_H

#include "mb_field.h"

#define MB_EQUILIBRIA_MAX 3

typedef enum {
    MB_STABLE = 0,
    MB_UNSTABLE = 1,
    MB_MARGINAL = 2 /* a fold point: F'(m*) = 0 to rounding */
} mb_stability;

typedef struct {
    double m;          /* the equilibrium imbalance m* */
    double eigenvalue; /* F'(m*), the linearised growth rate */
    mb_stability stability;
} mb_equilibrium;

/* Writes the equilibria, sorted by m, to out[0 .. *count - 1].
 * out must hold MB_EQUILIBRIA_MAX entries; *count is 1, 2 (only exactly at a
 * fold) or 3. */
mb_status mb_equilibria_find(const mb_model *model, mb_equilibrium *out, int *count);

/* Returns "stable", "unstable" or "marginal". */
const char *mb_stability_name(mb_stability stability);

#endif
