/* Bracketed scalar root finding, shared by the equilibrium search, the
 * branch tracer and the inverse of the erf link.
 */
#ifndef MB_ROOTS_H
#define MB_ROOTS_H

#include "mb_status.h"

/* Returns f(x) and, when derivative is not NULL, writes f'(x) there. */
typedef double (*mb_root_function)(double x, double *derivative, void *params);

/* Finds a root of f in [a, b] (a < b), where f(a) and f(b) have opposite
 * signs or one of them is 0. Newton steps are taken while they stay inside
 * the bracket and bisection otherwise, until the bracket is as narrow as
 * rounding allows; the end of the final bracket with the smaller |f| is
 * returned. Errors: MB_ERR_NO_CONVERGENCE when f(a) and f(b) have the same
 * sign or a value is not finite. */
mb_status mb_root_bracketed(mb_root_function f, void *params, double a, double b, double *root);

#endif
