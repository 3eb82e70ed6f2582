/* Branches of equilibria of dm/dtau = g(kappa*m + H) - m as one parameter p
 * (K or H) varies over a window [from, to] and the other stays fixed.
 *
 * The equilibrium set is the graph of a function p = P(m), because G(p, m) =
 * g(kappa*m + H) - m = 0 can be solved for p:
 *
 *   H varies: P(m) = g^-1(m) - kappa*m
 *   K varies: P(m) = g'(0) * (g^-1(m) - H) / m   (m != 0), plus the line m = 0
 *             for all K when H = 0
 *
 * So each branch is traced by its own coordinate m, which passes through folds
 * (the turning points of P, where F'(m) = 0) like any other point. Between
 * its folds P is monotone. There the branch is sampled evenly in p, with each
 * m found by a bracketed root search that stays exact where m rounds to +-1.
 * It is also sampled evenly in m, with p = P(m), which resolves the folds.
 * A general-purpose pseudo-arclength tracer was tried first and left out: at
 * an imperfect pitchfork (H near 0) it jumped between the two nearby
 * components of the curve.
 *
 * The folds are known in closed form: at fixed K they lie at z = kappa*m + H
 * = +-z_c with g'(z_c) = 1/kappa; at fixed H at the z where the fold set
 * H(z) = z - g(z)/g'(z) (see mb_fold.h) equals H. At H = 0 the pitchfork
 * (K, m) = (1, 0) is a branch point.
 *
 * Special points are part of the point list. They are the folds, each with
 * the stable m that a jump at the fold reaches, the branch points, and the
 * window edges.
 */
#ifndef MB_BRANCHES_H
#define MB_BRANCHES_H

#include "mb_equilibria.h"

typedef enum {
    MB_VARY_K = 0,
    MB_VARY_H = 1
} mb_vary;

typedef enum {
    MB_POINT_REGULAR = 0,
    MB_POINT_BOUNDARY = 1, /* on the window edge p = from or p = to */
    MB_POINT_FOLD = 2,
    MB_POINT_BRANCH = 3
} mb_point_kind;

typedef struct {
    double p;          /* the varied parameter, K or H */
    double m;
    double eigenvalue; /* F'(m) */
    mb_stability stability;
    mb_point_kind kind;
    int branch;        /* index of the branch, 0-based; each branch in order of m */
    double jump_m;     /* for a fold: the stable m reached after a jump at p; NaN otherwise */
} mb_branch_point;

typedef struct {
    mb_link link;
    mb_vary vary;
    double fixed;      /* the other parameter: H when K varies, K when H varies */
    double from;
    double to;
    int branch_count;
    int point_count;
    mb_branch_point *points; /* branches one after another */
} mb_branches;

/* Computes all branches over [from, to]. K is used when H varies and H when K
 * varies. *out is set to a new result, to be freed with mb_branches_free, or
 * to NULL on error.
 * Errors: MB_ERR_OUT_OF_RANGE with *bad_param (when not NULL) for K, H, from,
 * to (checked against the range of the varied parameter) or max_points;
 * MB_ERR_EMPTY_INTERVAL when from >= to; MB_ERR_MAX_STEPS when the branches
 * need more than max_points points; MB_ERR_NO_CONVERGENCE when a root search
 * fails, which would be a bug. */
mb_status mb_branches_compute(mb_link link, mb_vary vary, double from, double to, double K,
                              double H, int max_points, mb_branches **out, mb_param *bad_param);

/* Frees a result. Accepts NULL. */
void mb_branches_free(mb_branches *branches);

/* Returns "K" or "H", or NULL for an id outside mb_vary. */
const char *mb_vary_name(mb_vary vary);

/* Returns "regular", "boundary", "fold" or "branch". */
const char *mb_point_kind_name(mb_point_kind kind);

#endif
