#include "mb_branches.h"

#include <math.h>
#include <stdlib.h>

#include "mb_fold.h"
#include "mb_roots.h"

#define SAMPLES_IN_P 48 /* evenly spaced values of p per monotone piece */
#define SAMPLES_IN_M 48 /* evenly spaced values of m per monotone piece */
#define MAX_BREAKS 5

typedef enum {
    BREAK_END,      /* m = -1 or 1, where |P| grows without bound */
    BREAK_POLE,     /* m = 0 with K varying and H != 0, where |P| grows without bound */
    BREAK_FOLD,
    BREAK_PITCHFORK /* m = 0 with K varying and H = 0: P(0) = 1 */
} break_kind;

typedef struct {
    double m;
    break_kind kind;
    double p; /* P at this m, where finite */
} break_t;

typedef struct {
    mb_link link;
    mb_vary vary;
    double fixed;
    double from;
    double to;
} curve_t;

typedef struct {
    mb_branches *result;
    int capacity;
    int max_points;
} builder_t;

static mb_model model_at(const curve_t *curve, double p)
{
    mb_model model;
    model.link = curve->link;
    model.K = curve->vary == MB_VARY_K ? p : curve->fixed;
    model.H = curve->vary == MB_VARY_K ? curve->fixed : p;
    model.kappa = model.K / mb_link_slope_at_zero(curve->link);
    return model;
}

/* P(m), the parameter value at which m is an equilibrium, for 0 < |m| < 1. */
static double parameter_of_m(const curve_t *curve, double m)
{
    double z = mb_link_inverse(curve->link, m);
    double slope0 = mb_link_slope_at_zero(curve->link);
    if (curve->vary == MB_VARY_H)
        return z - curve->fixed / slope0 * m;
    return slope0 * (z - curve->fixed) / m;
}

/* The limit of P at a break approached from the side given by sign. */
static double parameter_at_break(const curve_t *curve, const break_t *point, double side)
{
    switch (point->kind) {
    case BREAK_END:
        if (curve->vary == MB_VARY_H)
            return point->m > 0.0 ? INFINITY : -INFINITY;
        return INFINITY;
    case BREAK_POLE:
        /* P = g'(0)*(z - H)/m with z -> 0: the sign of -H/m. */
        return (curve->fixed > 0.0) == (side > 0.0) ? -INFINITY : INFINITY;
    case BREAK_FOLD:
    case BREAK_PITCHFORK:
        return point->p;
    }
    return NAN;
}

typedef struct {
    const curve_t *curve;
    double p;
    int divide_by_m;
} root_problem;

/* G(p, m) as a function of m; divided by m next to the pitchfork, where
 * m = 0 solves G = 0 for every K and would hide the root on the branch.
 * G/m tends to K - 1 at m = 0 when H = 0. */
static double field_in_m(double m, double *derivative, void *params)
{
    const root_problem *problem = params;
    mb_model model = model_at(problem->curve, problem->p);
    double g = mb_field(&model, m);
    double g_m = mb_field_dm(&model, m);
    if (!problem->divide_by_m) {
        if (derivative != NULL)
            *derivative = g_m;
        return g;
    }
    if (m == 0.0) {
        if (derivative != NULL)
            *derivative = 0.0;
        return model.K - 1.0;
    }
    if (derivative != NULL)
        *derivative = (g_m * m - g) / (m * m);
    return g / m;
}

/* Finds the m in [m_low, m_high] at which p is an equilibrium. The callers
 * pass the m-range of one monotone piece of P, so G(p, .) changes sign there
 * exactly once; mb_root_bracketed reports a missing sign change. */
static mb_status m_of_parameter(const curve_t *curve, double p, double m_low, double m_high,
                                int divide_by_m, double *m)
{
    root_problem problem = {curve, p, divide_by_m};
    return mb_root_bracketed(field_in_m, &problem, m_low, m_high, m);
}

/* The breaks of the curve in m, sorted: its ends, its folds and, with K
 * varying, m = 0. */
static mb_status find_breaks(const curve_t *curve, break_t *breaks, int *count)
{
    int n = 0;
    breaks[n++] = (break_t){-1.0, BREAK_END, NAN};
    double slope0 = mb_link_slope_at_zero(curve->link);

    if (curve->vary == MB_VARY_H) {
        double K = curve->fixed;
        if (K > 1.0) {
            /* Folds at z = +-z_c; the one at m > 0 lies at H = -H_c. */
            double critical_h, m_fold;
            mb_status status = mb_fold_critical_h(curve->link, K, &critical_h, &m_fold);
            if (status != MB_OK)
                return status;
            if (m_fold > 0.0 && m_fold < 1.0) {
                breaks[n++] = (break_t){-m_fold, BREAK_FOLD, critical_h};
                breaks[n++] = (break_t){m_fold, BREAK_FOLD, -critical_h};
            }
        }
        (void)slope0;
    } else {
        double H = curve->fixed;
        if (H == 0.0) {
            breaks[n++] = (break_t){0.0, BREAK_PITCHFORK, 1.0};
        } else {
            /* The fold at H lies at the z with H(z) = H, on the side of m
             * opposite to H; H(z) is decreasing, so bisection in z finds it. */
            double K_fold = 1.0, H_fold = 0.0, m_fold = 0.0;
            double low = 0.0;
            double high = mb_link_critical_z(curve->link, 1e6);
            double target = -fabs(H);
            for (int iteration = 0; iteration < 200; iteration++) {
                double middle = 0.5 * (low + high);
                if (middle == low || middle == high)
                    break;
                if (mb_fold_point(curve->link, middle, &K_fold, &H_fold, &m_fold) != MB_OK)
                    high = middle;
                else if (H_fold > target)
                    low = middle;
                else
                    high = middle;
            }
            mb_status status = mb_fold_point(curve->link, low, &K_fold, &H_fold, &m_fold);
            if (status != MB_OK)
                return status;
            break_t fold = {H > 0.0 ? -m_fold : m_fold, BREAK_FOLD, K_fold};
            break_t pole = {0.0, BREAK_POLE, NAN};
            if (fold.m > 0.0 && fold.m < 1.0 && m_fold > 0.0) {
                breaks[n++] = pole;
                breaks[n++] = fold;
            } else if (fold.m < 0.0 && fold.m > -1.0) {
                breaks[n++] = fold;
                breaks[n++] = pole;
            } else {
                breaks[n++] = pole;
            }
        }
    }
    breaks[n++] = (break_t){1.0, BREAK_END, NAN};
    *count = n;
    return MB_OK;
}

static mb_status append(builder_t *builder, const curve_t *curve, double p, double m,
                        mb_point_kind kind, mb_stability stability, int branch)
{
    mb_branches *result = builder->result;
    if (result->point_count >= builder->max_points)
        return MB_ERR_MAX_STEPS;
    if (result->point_count == builder->capacity) {
        int capacity = builder->capacity == 0 ? 256 : 2 * builder->capacity;
        if (capacity > builder->max_points)
            capacity = builder->max_points;
        mb_branch_point *points = realloc(result->points, (size_t)capacity * sizeof *points);
        if (points == NULL)
            return MB_ERR_NO_MEMORY;
        result->points = points;
        builder->capacity = capacity;
    }
    mb_model model = model_at(curve, p);
    mb_branch_point *point = &result->points[result->point_count++];
    point->p = p;
    point->m = m;
    point->eigenvalue = mb_field_dm(&model, m);
    point->stability = stability;
    point->kind = kind;
    point->branch = branch;
    point->jump_m = NAN;
    return MB_OK;
}

/* The stable equilibrium farthest from the fold at (p, m_fold): where the
 * state jumps when p moves past the fold. NaN when there is none. */
static double jump_target(const curve_t *curve, double p, double m_fold)
{
    mb_model model = model_at(curve, p);
    mb_equilibrium equilibria[MB_EQUILIBRIA_MAX];
    int count = 0;
    if (mb_equilibria_find(&model, equilibria, &count) != MB_OK)
        return NAN;
    double best = NAN;
    double best_distance = 1e-6;
    for (int i = 0; i < count; i++) {
        double distance = fabs(equilibria[i].m - m_fold);
        if (equilibria[i].stability == MB_STABLE && distance > best_distance) {
            best = equilibria[i].m;
            best_distance = distance;
        }
    }
    return best;
}

/* Orders (p, m) pairs by m. Ties, where m is within rounding of +-1 while p
 * still varies, follow p up (increasing pieces) or down (decreasing ones). */
static int compare_by_m_then_p_up(const void *left, const void *right)
{
    const double *a = left;
    const double *b = right;
    if (a[1] != b[1])
        return a[1] < b[1] ? -1 : 1;
    return (a[0] > b[0]) - (a[0] < b[0]);
}

static int compare_by_m_then_p_down(const void *left, const void *right)
{
    const double *a = left;
    const double *b = right;
    if (a[1] != b[1])
        return a[1] < b[1] ? -1 : 1;
    return (a[0] < b[0]) - (a[0] > b[0]);
}

/* Samples one monotone piece of the curve between breaks a and b, clipped to
 * the window, and appends its points in order of m. Sets *joined when the
 * piece ends on break b inside the window, so the next piece continues the
 * same branch. */
static mb_status trace_piece(builder_t *builder, const curve_t *curve, const break_t *a,
                             const break_t *b, int *branch, int *joined)
{
    double p_a = parameter_at_break(curve, a, 1.0);
    double p_b = parameter_at_break(curve, b, -1.0);
    int increasing = p_b > p_a;
    double p_low = fmax(fmin(p_a, p_b), curve->from);
    double p_high = fmin(fmax(p_a, p_b), curve->to);
    int was_joined = *joined;
    *joined = 0;
    if (!(p_low <= p_high)) {
        if (was_joined)
            (*branch)++;
        return MB_OK;
    }

    /* The ends of the piece inside the window: a break, or a window edge. */
    double p_start = increasing ? p_low : p_high;
    double p_end = increasing ? p_high : p_low;
    double m_start = a->m, m_end = b->m;
    int start_on_break = p_start == p_a;
    int end_on_break = p_end == p_b;
    int divide = a->kind == BREAK_PITCHFORK || b->kind == BREAK_PITCHFORK;
    mb_status status;
    if (!start_on_break
        && (status = m_of_parameter(curve, p_start, a->m, b->m, divide, &m_start)) != MB_OK)
        return status;
    if (!end_on_break
        && (status = m_of_parameter(curve, p_end, a->m, b->m, divide, &m_end)) != MB_OK)
        return status;

    /* Points as (p, m) pairs: both ends, then the samples in p and in m. */
    double samples[SAMPLES_IN_P + SAMPLES_IN_M + 2][2];
    int count = 0;
    samples[count][0] = p_start;
    samples[count++][1] = m_start;
    for (int i = 1; i < SAMPLES_IN_P - 1 && p_start != p_end; i++) {
        double p = p_start + (p_end - p_start) * i / (SAMPLES_IN_P - 1);
        double m;
        if ((status = m_of_parameter(curve, p, fmin(m_start, m_end), fmax(m_start, m_end),
                                     divide, &m)) != MB_OK)
            return status;
        samples[count][0] = p;
        samples[count++][1] = m;
    }
    for (int i = 1; i < SAMPLES_IN_M - 1; i++) {
        double m = m_start + (m_end - m_start) * i / (SAMPLES_IN_M - 1);
        if (m == m_start || m == m_end || m == 0.0)
            continue;
        double p = parameter_of_m(curve, m);
        if (!isfinite(p) || p < p_low || p > p_high)
            continue;
        samples[count][0] = p;
        samples[count++][1] = m;
    }
    samples[count][0] = p_end;
    samples[count++][1] = m_end;
    qsort(samples + 1, (size_t)(count - 2), sizeof samples[0],
          increasing ? compare_by_m_then_p_up : compare_by_m_then_p_down);

    /* The piece has one stability; it is read where |F'| is largest, away
     * from the folds at its ends, where F' vanishes. */
    double widest = 0.0;
    mb_stability stability = MB_STABLE;
    for (int i = 0; i < count; i++) {
        mb_model model = model_at(curve, samples[i][0]);
        double eigenvalue = mb_field_dm(&model, samples[i][1]);
        if (fabs(eigenvalue) > widest) {
            widest = fabs(eigenvalue);
            stability = eigenvalue < 0.0 ? MB_STABLE : MB_UNSTABLE;
        }
    }

    mb_branches *result = builder->result;
    for (int i = 0; i < count; i++) {
        double p = samples[i][0];
        double m = samples[i][1];
        int last = i == count - 1;
        if (i > 0 && !last && p == samples[i - 1][0] && m == samples[i - 1][1])
            continue;
        mb_point_kind kind = MB_POINT_REGULAR;
        const break_t *end = NULL;
        int on_break = 0;
        if (i == 0) {
            end = a;
            on_break = start_on_break;
        } else if (last) {
            end = b;
            on_break = end_on_break;
        }
        if (end != NULL && !on_break)
            kind = MB_POINT_BOUNDARY;
        else if (end != NULL)
            kind = end->kind == BREAK_FOLD ? MB_POINT_FOLD : MB_POINT_BRANCH;
        /* A piece that starts on the break where the previous one ended
         * shares that point instead of repeating it. */
        if (i == 0 && was_joined && on_break)
            continue;
        mb_stability point_stability = kind == MB_POINT_FOLD || kind == MB_POINT_BRANCH
                                           ? MB_MARGINAL : stability;
        status = append(builder, curve, p, m, kind, point_stability, *branch);
        if (status != MB_OK)
            return status;
        if (kind == MB_POINT_FOLD)
            result->points[result->point_count - 1].jump_m = jump_target(curve, p, m);
    }
    if (end_on_break && (b->kind == BREAK_FOLD || b->kind == BREAK_PITCHFORK))
        *joined = 1;
    else
        (*branch)++;
    return MB_OK;
}

/* The trivial branch m = 0 at H = 0 with K varying: stable for K < 1,
 * unstable for K > 1, with the pitchfork between. */
static mb_status trace_trivial_branch(builder_t *builder, const curve_t *curve, int branch)
{
    mb_status status = append(builder, curve, curve->from, 0.0, MB_POINT_BOUNDARY,
                              curve->from < 1.0 ? MB_STABLE : MB_UNSTABLE, branch);
    if (status == MB_OK && curve->from < 1.0 && curve->to > 1.0)
        status = append(builder, curve, 1.0, 0.0, MB_POINT_BRANCH, MB_MARGINAL, branch);
    if (status == MB_OK)
        status = append(builder, curve, curve->to, 0.0, MB_POINT_BOUNDARY,
                        curve->to <= 1.0 ? MB_STABLE : MB_UNSTABLE, branch);
    return status;
}

static mb_status check_window(mb_vary vary, double from, double to, double K, double H,
                              int max_points, mb_param *bad_param)
{
    mb_param varied = vary == MB_VARY_K ? MB_PARAM_K : MB_PARAM_H;
    mb_param fixed = vary == MB_VARY_K ? MB_PARAM_H : MB_PARAM_K;
    double fixed_value = vary == MB_VARY_K ? H : K;
    mb_param failed = MB_PARAM_COUNT;
    if (mb_param_check(fixed, fixed_value) != MB_OK)
        failed = fixed;
    else if (mb_param_check(varied, from) != MB_OK || mb_param_check(varied, to) != MB_OK)
        failed = varied;
    else if (mb_param_check(MB_PARAM_MAX_POINTS, max_points) != MB_OK)
        failed = MB_PARAM_MAX_POINTS;
    if (failed != MB_PARAM_COUNT) {
        if (bad_param != NULL)
            *bad_param = failed;
        return MB_ERR_OUT_OF_RANGE;
    }
    if (!(from < to))
        return MB_ERR_EMPTY_INTERVAL;
    return MB_OK;
}

mb_status mb_branches_compute(mb_link link, mb_vary vary, double from, double to, double K,
                              double H, int max_points, mb_branches **out, mb_param *bad_param)
{
    if (out == NULL)
        return MB_ERR_NULL_POINTER;
    *out = NULL;
    if (mb_link_name(link) == NULL || mb_vary_name(vary) == NULL)
        return MB_ERR_INVALID_ENUM;
    mb_status status = check_window(vary, from, to, K, H, max_points, bad_param);
    if (status != MB_OK)
        return status;

    curve_t curve = {link, vary, vary == MB_VARY_K ? H : K, from, to};
    break_t breaks[MAX_BREAKS];
    int break_count = 0;
    status = find_breaks(&curve, breaks, &break_count);
    if (status != MB_OK)
        return status;

    mb_branches *result = calloc(1, sizeof *result);
    if (result == NULL)
        return MB_ERR_NO_MEMORY;
    result->link = link;
    result->vary = vary;
    result->fixed = curve.fixed;
    result->from = from;
    result->to = to;
    builder_t builder = {result, 0, max_points};

    int branch = 0;
    int joined = 0;
    for (int i = 0; i + 1 < break_count && status == MB_OK; i++)
        status = trace_piece(&builder, &curve, &breaks[i], &breaks[i + 1], &branch, &joined);
    if (status == MB_OK && joined)
        branch++;
    if (status == MB_OK && vary == MB_VARY_K && H == 0.0)
        status = trace_trivial_branch(&builder, &curve, branch++);
    if (status != MB_OK) {
        mb_branches_free(result);
        return status;
    }
    result->branch_count = branch;
    *out = result;
    return MB_OK;
}

void mb_branches_free(mb_branches *branches)
{
    if (branches == NULL)
        return;
    free(branches->points);
    free(branches);
}

const char *mb_vary_name(mb_vary vary)
{
    switch (vary) {
    case MB_VARY_K: return "K";
    case MB_VARY_H: return "H";
    }
    return NULL;
}

const char *mb_point_kind_name(mb_point_kind kind)
{
    switch (kind) {
    case MB_POINT_REGULAR: return "regular";
    case MB_POINT_BOUNDARY: return "boundary";
    case MB_POINT_FOLD: return "fold";
    case MB_POINT_BRANCH: return "branch";
    }
    return "unknown";
}
