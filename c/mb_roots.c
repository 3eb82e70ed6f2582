#include "mb_roots.h"

#include <float.h>
#include <math.h>
#include <stddef.h>

mb_status mb_root_bracketed(mb_root_function f, void *params, double a, double b, double *root)
{
    if (f == NULL || root == NULL)
        return MB_ERR_NULL_POINTER;
    double fa = f(a, NULL, params);
    double fb = f(b, NULL, params);
    if (!isfinite(fa) || !isfinite(fb) || !(a <= b))
        return MB_ERR_NO_CONVERGENCE;
    if (fa == 0.0) {
        *root = a;
        return MB_OK;
    }
    if (fb == 0.0) {
        *root = b;
        return MB_OK;
    }
    if ((fa > 0.0) == (fb > 0.0))
        return MB_ERR_NO_CONVERGENCE;

    double x = 0.5 * (a + b);
    for (int iteration = 0; iteration < 300; iteration++) {
        double slope = 0.0;
        double fx = f(x, &slope, params);
        if (fx == 0.0) {
            *root = x;
            return MB_OK;
        }
        if (!isfinite(fx))
            return MB_ERR_NO_CONVERGENCE;
        if ((fx > 0.0) == (fa > 0.0)) {
            a = x;
            fa = fx;
        } else {
            b = x;
            fb = fx;
        }
        if (b - a <= 2.0 * DBL_EPSILON * fmax(fabs(a), fabs(b)) || b - a <= DBL_MIN)
            break;
        double next = slope != 0.0 && isfinite(slope) ? x - fx / slope : 0.5 * (a + b);
        /* Newton steps that leave the bracket or shrink it too little are
         * replaced by bisection, which halves it for certain. */
        if (!(next > a && next < b) || (iteration % 4 == 3))
            next = 0.5 * (a + b);
        if (next == x)
            next = 0.5 * (a + b);
        x = next;
    }
    *root = fabs(fa) <= fabs(fb) ? a : b;
    return MB_OK;
}
