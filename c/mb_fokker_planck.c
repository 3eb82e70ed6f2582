#include "mb_fokker_planck.h"

#include <float.h>
#include <math.h>
#include <stddef.h>

#include "mb_equilibria.h"

#define FP_TWO_PI 6.283185307179586
#define FP_TWO_OVER_SQRT_PI 1.1283791670955126

/* Node spacing away from equilibria, the ends and the layer where D varies. */
#define UNIFORM_STEP (1.0 / 4096.0)
/* Near a focus each step is this fraction of the distance to it. */
#define FOCUS_GRADING 0.1
/* The smallest step, 8 ulp of 1, so that x + MIN_STEP > x for every |x| <= 1. */
#define MIN_STEP (8.0 * DBL_EPSILON)
/* D is clamped to max(DIFFUSION_FLOOR, FLOOR_TIMES_EPSILON/epsilon). Then
 * |U|/epsilon <= 8/(epsilon*D_min) <= 8e290, because |A| <= 2 on [-1, 1]. */
#define DIFFUSION_FLOOR 1e-250
#define FLOOR_TIMES_EPSILON 1e-290
/* Breakpoints of one walk: 2 layer edges, up to 3 equilibria, -1, 1, from, to. */
#define MAX_BREAKS 12
/* A panel sum stops once the rest of a monotone piece is below this fraction. */
#define PANEL_TAIL 1e-17
/* The outer integrand uses the exact derivative of log J only while
 * |terms| * h stays below this, so that cancellation costs at most about
 * 2e-6 in the cubic. Beyond it the chord slope is used. */
#define SLOPE_CANCELLATION_LIMIT 1e10

static const double gauss5_nodes[3] = {0.0, 0.5384693101056831, 0.9061798459386640};
static const double gauss5_weights[3] = {0.5688888888888889, 0.4786286704993665,
                                         0.2369268850561891};
static const double gauss8_nodes[4] = {0.1834346424956498, 0.5255324099163290,
                                       0.7966664774136267, 0.9602898564975363};
static const double gauss8_weights[4] = {0.3626837833783620, 0.3137066458778873,
                                         0.2223810344533745, 0.1012285362903763};

typedef struct {
    mb_link link;
    double kappa;
    double H;
    double epsilon;
    double diffusion_floor; /* D_min */
    double layer_z;         /* D >= D_min only for |z| < layer_z */
} fp_context;

/* A(m)/D(m), log D(m) and d(log D)/dm at one point, with D clamped. */
typedef struct {
    double drift_ratio;
    double log_diffusion;
    double log_diffusion_slope; /* 0 where D is clamped */
} fp_sample;

typedef struct {
    double x0;
    double x1;
    fp_sample s0;
    fp_sample s1;
    double potential_step; /* U(x1) - U(x0), independent of epsilon */
    int cell;              /* output cell that contains the interval, or -1 */
} fp_interval;

/* Generates the nodes of one walk from start to end, left to right. */
typedef struct {
    const fp_context *context;
    double x;
    double end;
    const double *breaks; /* sorted and strictly inside (start, end), each one a node */
    int break_count;
    int next_break;
    const double *foci; /* nodes are refined geometrically toward each */
    int focus_count;
    int cell_count; /* 0 when the walk has no output cells */
    int next_edge;
    fp_sample sample; /* at x */
} fp_walker;

static void context_init(fp_context *context, const mb_model *model, double epsilon)
{
    context->link = model->link;
    context->kappa = model->kappa;
    context->H = model->H;
    context->epsilon = epsilon;
    context->diffusion_floor = fmax(DIFFUSION_FLOOR, FLOOR_TIMES_EPSILON / epsilon);
    /* Bounds on |z| where D = D_min: D < 4 exp(-2|z|) for tanh and
     * D < 2 exp(-z^2) for erf. One unit of margin is added by the walker. */
    double log_inverse_floor = -log(context->diffusion_floor);
    if (context->link == MB_LINK_ERF)
        context->layer_z = sqrt(fmax(0.0, log(2.0) + log_inverse_floor));
    else
        context->layer_z = fmax(0.0, 0.5 * (log(4.0) + log_inverse_floor));
}

static void evaluate(const fp_context *context, double m, fp_sample *sample)
{
    double z = context->kappa * m + context->H;
    double a = fabs(z);

    /* tail = 1 - g(|z|) keeps full relative precision where g rounds to +-1,
     * so D = tail*(2 - tail) and A stay accurate there. */
    double tail;
    if (context->link == MB_LINK_ERF) {
        tail = erfc(a);
    } else {
        double e = exp(-2.0 * a);
        tail = 2.0 * e / (1.0 + e);
    }
    double diffusion = tail * (2.0 - tail);
    double drift = z >= 0.0 ? (1.0 - m) - tail : tail - (1.0 + m);
    double g = z >= 0.0 ? 1.0 - tail : tail - 1.0;

    if (diffusion < context->diffusion_floor) {
        diffusion = context->diffusion_floor;
        sample->log_diffusion_slope = 0.0;
    } else {
        /* D' = -2*kappa*g*g', and g' = D for tanh. */
        double slope_ratio = context->link == MB_LINK_ERF
                                 ? FP_TWO_OVER_SQRT_PI * exp(-z * z) / diffusion
                                 : 1.0;
        sample->log_diffusion_slope = -2.0 * context->kappa * g * slope_ratio;
    }
    sample->drift_ratio = drift / diffusion;
    sample->log_diffusion = log(diffusion);
}

/* Returns U(b) - U(a) = integral_a^b 2A/D dx by 5-point Gauss-Legendre. */
static double potential_increment(const fp_context *context, double a, double b)
{
    double half = 0.5 * (b - a);
    double middle = 0.5 * (a + b);
    fp_sample sample;
    evaluate(context, middle, &sample);
    double sum = gauss5_weights[0] * sample.drift_ratio;
    for (int i = 1; i < 3; i++) {
        double offset = half * gauss5_nodes[i];
        evaluate(context, middle - offset, &sample);
        double left = sample.drift_ratio;
        evaluate(context, middle + offset, &sample);
        sum += gauss5_weights[i] * (left + sample.drift_ratio);
    }
    return 2.0 * half * sum;
}

/* Returns log(exp(a) + exp(b)). Either argument may be -INFINITY. */
static double log_add(double a, double b)
{
    if (a == -INFINITY)
        return b;
    if (b == -INFINITY)
        return a;
    double high = fmax(a, b);
    double low = fmin(a, b);
    return high + log1p(exp(low - high));
}

/* The cubic q(s) = s*(c1 + s*(c2 + c3*s)) on [0, 1], which has q(0) = 0. */
typedef struct {
    double c1;
    double c2;
    double c3;
    double rise;      /* q(1), exact */
    double end_slope; /* q'(1), exact */
} fp_cubic;

static double cubic_value(const fp_cubic *q, double s)
{
    if (s == 1.0)
        return q->rise;
    return s * (q->c1 + s * (q->c2 + q->c3 * s));
}

static double cubic_slope(const fp_cubic *q, double s)
{
    if (s == 1.0)
        return q->end_slope;
    return q->c1 + s * (2.0 * q->c2 + 3.0 * q->c3 * s);
}

/* Writes the roots of q' strictly inside (0, 1) in increasing order and
 * returns how many there are. */
static int cubic_critical_points(const fp_cubic *q, double roots[2])
{
    /* q' = 3*c3*s^2 + 2*c2*s + c1, scaled to avoid overflow in the
     * discriminant when the coefficients are near 1e291. */
    double scale = fmax(fabs(q->c1), fmax(fabs(q->c2), fabs(q->c3)));
    if (scale == 0.0)
        return 0;
    double a = 3.0 * q->c3 / scale;
    double b = 2.0 * q->c2 / scale;
    double c = q->c1 / scale;
    double candidates[2];
    int found = 0;
    if (a == 0.0) {
        if (b != 0.0)
            candidates[found++] = -c / b;
    } else {
        double discriminant = b * b - 4.0 * a * c;
        if (discriminant >= 0.0) {
            double t = -0.5 * (b + copysign(sqrt(discriminant), b));
            if (t != 0.0) {
                candidates[found++] = t / a;
                candidates[found++] = c / t;
            } else {
                candidates[found++] = 0.0; /* b = c = 0: double root at 0 */
            }
        }
    }
    int count = 0;
    for (int i = 0; i < found; i++) {
        if (candidates[i] > 0.0 && candidates[i] < 1.0)
            roots[count++] = candidates[i];
    }
    if (count == 2 && roots[0] > roots[1]) {
        double swap = roots[0];
        roots[0] = roots[1];
        roots[1] = swap;
    }
    return count;
}

/* Returns the integral of exp(q(s) - top) over a piece [u, v] on which q is
 * monotone. Panels of 8-point Gauss-Legendre start at the end where q is
 * larger and double in width, from about the scale on which exp(q) changes
 * there. q is expanded around that end, so a layer of width 1e-290 next to
 * s = 1 is still resolved. */
static double integrate_monotone_piece(const fp_cubic *q, double u, double v, double top)
{
    double length = v - u;
    double value_u = cubic_value(q, u);
    double value_v = cubic_value(q, v);
    int start_at_u = value_u >= value_v;
    double anchor = start_at_u ? u : v;
    double direction = start_at_u ? 1.0 : -1.0;

    /* Taylor coefficients of q at the anchor, exact for a cubic. */
    double q0 = (start_at_u ? value_u : value_v) - top;
    double d1 = cubic_slope(q, anchor);
    double d2 = q->c2 + 3.0 * q->c3 * anchor;
    double d3 = q->c3;

    double rate = fabs(d1) + sqrt(fabs(2.0 * d2));
    double width = rate > 0.0 ? fmin(length, 1.0 / rate) : length;
    double start = 0.0;
    double sum = 0.0;
    while (start < length) {
        double stop = fmin(length, start + width);
        double half = 0.5 * (stop - start);
        double middle = start + half;
        for (int i = 0; i < 4; i++) {
            for (int side = -1; side <= 1; side += 2) {
                double delta = direction * (middle + side * half * gauss8_nodes[i]);
                double exponent = q0 + delta * (d1 + delta * (d2 + delta * d3));
                sum += gauss8_weights[i] * half * exp(exponent);
            }
        }
        double delta_stop = direction * stop;
        double rest = exp(q0 + delta_stop * (d1 + delta_stop * (d2 + delta_stop * d3)))
                      * (length - stop);
        start = stop;
        width *= 2.0;
        if (rest <= PANEL_TAIL * sum)
            break;
    }
    return sum;
}

/* Returns log of integral_0^h exp(f(t)) dt, where f is the cubic Hermite
 * interpolant with f(0) = f0, f(h) = f1, f'(0) = slope0 and f'(h) = slope1.
 * rise = f1 - f0 is passed separately because the caller can often compute
 * it more accurately than the difference of two large values. The result
 * is anchored at the end value nearest to the maximum of f, so f0 and f1 of
 * size 1e45 still give a result accurate to rounding of the result. */
static double log_integral_exp_cubic(double h, double f0, double f1, double rise, double slope0,
                                     double slope1)
{
    /* In s = t/h the interpolant is f0 + q(s), q(s) = s*(c1 + s*(c2 + c3*s)). */
    fp_cubic q;
    q.c1 = slope0 * h;
    q.end_slope = slope1 * h;
    q.c2 = 3.0 * rise - 2.0 * q.c1 - q.end_slope;
    q.c3 = q.c1 + q.end_slope - 2.0 * rise;
    q.rise = rise;

    double points[4];
    int point_count = 0;
    points[point_count++] = 0.0;
    double roots[2];
    int root_count = cubic_critical_points(&q, roots);
    for (int i = 0; i < root_count; i++)
        points[point_count++] = roots[i];
    points[point_count++] = 1.0;

    double top = -INFINITY;
    double top_point = 0.0;
    for (int i = 0; i < point_count; i++) {
        double value = cubic_value(&q, points[i]);
        if (value > top) {
            top = value;
            top_point = points[i];
        }
    }

    double sum = 0.0;
    for (int i = 0; i + 1 < point_count; i++)
        sum += integrate_monotone_piece(&q, points[i], points[i + 1], top);

    /* f0 + top, taken from the end nearest the maximum. */
    double anchor = top_point <= 0.5 ? f0 + top : f1 + (top - rise);
    return log(h) + anchor + log(sum);
}

/* Returns edge k of count equal cells on [-1, 1]. Edge count is exactly 1. */
static double cell_edge(int k, int count)
{
    if (k >= count)
        return 1.0;
    return -1.0 + 2.0 * k / count;
}

/* Sorts values[0 .. count-1], drops duplicates and values outside the open
 * interval (low, high), and returns the new count. */
static int sort_inside(double *values, int count, double low, double high)
{
    int inside_count = 0;
    for (int i = 0; i < count; i++) {
        if (values[i] > low && values[i] < high)
            values[inside_count++] = values[i];
    }
    for (int i = 1; i < inside_count; i++) {
        double value = values[i];
        int j = i - 1;
        while (j >= 0 && values[j] > value) {
            values[j + 1] = values[j];
            j--;
        }
        values[j + 1] = value;
    }
    int unique = 0;
    for (int i = 0; i < inside_count; i++) {
        if (unique == 0 || values[i] != values[unique - 1])
            values[unique++] = values[i];
    }
    return unique;
}

/* Appends the edges of the layer where D > D_min varies fast. */
static int add_layer_edges(const fp_context *context, double *breaks, int count)
{
    if (context->kappa <= 0.0)
        return count;
    double z = context->layer_z + 1.0;
    breaks[count++] = (-z - context->H) / context->kappa;
    breaks[count++] = (z - context->H) / context->kappa;
    return count;
}

static void walker_init(fp_walker *walker, const fp_context *context, double start, double end,
                        const double *breaks, int break_count, const double *foci,
                        int focus_count, int cell_count)
{
    walker->context = context;
    walker->x = start;
    walker->end = end;
    walker->breaks = breaks;
    walker->break_count = break_count;
    walker->next_break = 0;
    walker->foci = foci;
    walker->focus_count = focus_count;
    walker->cell_count = cell_count;
    walker->next_edge = 1;
    evaluate(context, start, &walker->sample);
}

static double walker_step_size(const fp_walker *walker)
{
    const fp_context *context = walker->context;
    double x = walker->x;
    double step = UNIFORM_STEP;

    if (context->kappa > 0.0) {
        double z = fabs(context->kappa * x + context->H);
        if (z < context->layer_z + 1.0) {
            /* log D changes at rate 2*kappa*|tanh z| <= 2*kappa for tanh and
             * about 2*kappa*|z| for erf. */
            double rate = context->link == MB_LINK_ERF ? z + 1.0 : 1.0;
            step = fmin(step, 0.5 / (context->kappa * rate));
        }
    }
    double distance = INFINITY;
    for (int i = 0; i < walker->focus_count; i++)
        distance = fmin(distance, fabs(x - walker->foci[i]));
    return fmin(step, fmax(MIN_STEP, FOCUS_GRADING * distance));
}

/* Writes the next node interval; returns 0 when the walk has reached its end. */
static int walker_next(fp_walker *walker, fp_interval *interval)
{
    double x = walker->x;
    if (x >= walker->end)
        return 0;

    double target = walker->end;
    while (walker->next_break < walker->break_count && walker->breaks[walker->next_break] <= x)
        walker->next_break++;
    if (walker->next_break < walker->break_count)
        target = fmin(target, walker->breaks[walker->next_break]);
    if (walker->cell_count > 0) {
        while (walker->next_edge < walker->cell_count
               && cell_edge(walker->next_edge, walker->cell_count) <= x)
            walker->next_edge++;
        target = fmin(target, cell_edge(walker->next_edge, walker->cell_count));
    }

    double next = x + walker_step_size(walker);
    /* Snap to the target rather than leave a sliver before it. */
    if (next >= target - MIN_STEP)
        next = target;

    interval->x0 = x;
    interval->x1 = next;
    interval->s0 = walker->sample;
    evaluate(walker->context, next, &interval->s1);
    interval->potential_step = potential_increment(walker->context, x, next);
    interval->cell = walker->cell_count > 0 ? walker->next_edge - 1 : -1;

    walker->x = next;
    walker->sample = interval->s1;
    return 1;
}

/* Returns d/dm of U/epsilon - log D, the log of the density up to a constant. */
static double log_density_slope(const fp_sample *sample, double epsilon)
{
    return 2.0 * sample->drift_ratio / epsilon - sample->log_diffusion_slope;
}

static int epsilon_is_valid(double epsilon)
{
    return isfinite(epsilon) && epsilon > 0.0 && epsilon < 1.0;
}

static int point_is_valid(double m)
{
    return isfinite(m) && m > -1.0 && m < 1.0;
}

static mb_status check_model(const mb_model *model)
{
    if (mb_link_name(model->link) == NULL)
        return MB_ERR_INVALID_ENUM;
    if (mb_param_check(MB_PARAM_K, model->K) != MB_OK
        || mb_param_check(MB_PARAM_H, model->H) != MB_OK || !isfinite(model->kappa)
        || model->kappa < 0.0)
        return MB_ERR_OUT_OF_RANGE;
    return MB_OK;
}

/* Replaces values[i] and values[count - 1 - i] by their mean. */
static void symmetrise(double *values, int count)
{
    for (int i = 0; i < count / 2; i++) {
        int j = count - 1 - i;
        double mean = values[i] == -INFINITY || values[j] == -INFINITY
                          ? fmax(values[i], values[j])
                          : 0.5 * (values[i] + values[j]);
        values[i] = mean;
        values[j] = mean;
    }
}

/* Writes the points the quadrature grid is refined toward: -1, the given
 * extra points and every equilibrium of the model. */
static mb_status collect_foci(const mb_model *model, const double *extra, int extra_count,
                              double *foci, int *focus_count)
{
    mb_equilibrium equilibria[MB_EQUILIBRIA_MAX];
    int equilibrium_count = 0;
    mb_status status = mb_equilibria_find(model, equilibria, &equilibrium_count);
    if (status != MB_OK)
        return status;
    int count = 0;
    foci[count++] = -1.0;
    for (int i = 0; i < extra_count; i++)
        foci[count++] = extra[i];
    for (int i = 0; i < equilibrium_count; i++)
        foci[count++] = equilibria[i].m;
    *focus_count = count;
    return MB_OK;
}

mb_status mb_fokker_planck_density(const mb_model *model, double epsilon, int count,
                                   double *m_out, double *density_out)
{
    if (model == NULL || m_out == NULL || density_out == NULL)
        return MB_ERR_NULL_POINTER;
    mb_status status = check_model(model);
    if (status != MB_OK)
        return status;
    if (!epsilon_is_valid(epsilon) || mb_param_check(MB_PARAM_SAMPLES, count) != MB_OK)
        return MB_ERR_OUT_OF_RANGE;

    double foci[MB_EQUILIBRIA_MAX + 2];
    int focus_count = 0;
    const double right_end = 1.0;
    status = collect_foci(model, &right_end, 1, foci, &focus_count);
    if (status != MB_OK)
        return status;

    fp_context context;
    context_init(&context, model, epsilon);

    double breaks[MAX_BREAKS];
    int break_count = 0;
    for (int i = 0; i < focus_count; i++)
        breaks[break_count++] = foci[i];
    break_count = add_layer_edges(&context, breaks, break_count);
    break_count = sort_inside(breaks, break_count, -1.0, 1.0);

    /* density_out first holds the log of each cell's mass, relative to an
     * arbitrary reference. */
    for (int i = 0; i < count; i++)
        density_out[i] = -INFINITY;

    fp_walker walker;
    walker_init(&walker, &context, -1.0, 1.0, breaks, break_count, foci, focus_count, count);
    fp_interval interval;
    double potential = 0.0; /* U(x0) */
    while (walker_next(&walker, &interval)) {
        double log_density0 = potential / epsilon - interval.s0.log_diffusion;
        double log_density1 = (potential + interval.potential_step) / epsilon
                              - interval.s1.log_diffusion;
        double rise = interval.potential_step / epsilon
                      - (interval.s1.log_diffusion - interval.s0.log_diffusion);
        double log_mass = log_integral_exp_cubic(interval.x1 - interval.x0, log_density0,
                                                 log_density1, rise,
                                                 log_density_slope(&interval.s0, epsilon),
                                                 log_density_slope(&interval.s1, epsilon));
        density_out[interval.cell] = log_add(density_out[interval.cell], log_mass);
        potential += interval.potential_step;
    }

    /* At H = 0 the model is symmetric under m -> -m. Rounding makes the two
     * halves differ by about 1e-12 of |U|/epsilon, which decides where the
     * mass goes once D is clamped near both wells and |U|/epsilon ~ 1e290, so
     * the symmetry is restored exactly. NOTE: for 0 < |H| < ~1e-12*kappa in
     * that clamped regime, the side that takes the mass can still be wrong. */
    if (model->H == 0.0)
        symmetrise(density_out, count);

    double top = -INFINITY;
    for (int i = 0; i < count; i++)
        top = fmax(top, density_out[i]);
    double total = 0.0;
    for (int i = 0; i < count; i++)
        total += exp(density_out[i] - top);
    double width = 2.0 / count;
    for (int i = 0; i < count; i++) {
        m_out[i] = -1.0 + (2.0 * i + 1.0) / count;
        density_out[i] = exp(density_out[i] - top) / (total * width);
    }
    return MB_OK;
}

/* Returns the slope of log J at one node, from J' = 1/D - (U'/epsilon)*J,
 * and writes the size of the two terms to *scale. */
static double log_inner_slope(const fp_sample *sample, double log_inner, double epsilon,
                              double *scale)
{
    double source = exp(-sample->log_diffusion - log_inner);
    double decay = 2.0 * sample->drift_ratio / epsilon;
    *scale = source + fabs(decay);
    return source - decay;
}

/* Writes log T for from < to, reflecting at -1. */
static mb_status log_passage_left_to_right(const mb_model *model, double epsilon, double from,
                                           double to, double *log_time)
{
    double foci[MB_EQUILIBRIA_MAX + 3];
    int focus_count = 0;
    const double ends[2] = {from, to};
    mb_status status = collect_foci(model, ends, 2, foci, &focus_count);
    if (status != MB_OK)
        return status;

    fp_context context;
    context_init(&context, model, epsilon);

    double breaks[MAX_BREAKS];
    int break_count = 0;
    for (int i = 0; i < focus_count; i++)
        breaks[break_count++] = foci[i];
    break_count = add_layer_edges(&context, breaks, break_count);
    break_count = sort_inside(breaks, break_count, -1.0, to);

    fp_walker walker;
    walker_init(&walker, &context, -1.0, to, breaks, break_count, foci, focus_count, 0);
    fp_interval interval;
    double log_inner = -INFINITY; /* log J(x0), starting from J(-1) = 0 */
    double log_outer = -INFINITY; /* log of integral_{from}^{x0} J */
    while (walker_next(&walker, &interval)) {
        double h = interval.x1 - interval.x0;
        double step = interval.potential_step / epsilon;

        /* J(x1) = J(x0)*exp(-step) + integral_{x0}^{x1} exp(f), with
         * f = (U(x) - U(x1))/epsilon - log D(x). */
        double f0 = -step - interval.s0.log_diffusion;
        double f1 = -interval.s1.log_diffusion;
        double rise = step - (interval.s1.log_diffusion - interval.s0.log_diffusion);
        double log_new = log_integral_exp_cubic(h, f0, f1, rise,
                                                log_density_slope(&interval.s0, epsilon),
                                                log_density_slope(&interval.s1, epsilon));
        double log_inner_next = log_add(log_inner - step, log_new);

        /* from is a breakpoint, so no interval straddles it. */
        if (interval.x0 >= from) {
            double outer_rise = log_inner_next - log_inner;
            double scale0;
            double scale1;
            double slope0 = log_inner_slope(&interval.s0, log_inner, epsilon, &scale0);
            double slope1 = log_inner_slope(&interval.s1, log_inner_next, epsilon, &scale1);
            if (!isfinite(slope0) || !isfinite(slope1)
                || fmax(scale0, scale1) * h > SLOPE_CANCELLATION_LIMIT) {
                slope0 = outer_rise / h;
                slope1 = slope0;
            }
            log_outer = log_add(log_outer, log_integral_exp_cubic(h, log_inner, log_inner_next,
                                                                  outer_rise, slope0, slope1));
        }
        log_inner = log_inner_next;
    }
    *log_time = log(2.0 / epsilon) + log_outer;
    return MB_OK;
}

mb_status mb_fokker_planck_log_passage_time(const mb_model *model, double epsilon, double from,
                                            double to, double *log_time_out)
{
    if (model == NULL || log_time_out == NULL)
        return MB_ERR_NULL_POINTER;
    mb_status status = check_model(model);
    if (status != MB_OK)
        return status;
    if (!epsilon_is_valid(epsilon) || !point_is_valid(from) || !point_is_valid(to))
        return MB_ERR_OUT_OF_RANGE;
    if (from == to) {
        *log_time_out = -INFINITY;
        return MB_OK;
    }
    if (from < to)
        return log_passage_left_to_right(model, epsilon, from, to, log_time_out);

    /* m -> -m maps the model with H to the one with -H and moves the
     * reflecting end from +1 to -1. */
    mb_model mirrored = *model;
    mirrored.H = -model->H;
    return log_passage_left_to_right(&mirrored, epsilon, -from, -to, log_time_out);
}

/* Writes exp(log_time), or +INFINITY with MB_ERR_OUT_OF_RANGE on overflow. */
static mb_status exponentiate_time(double log_time, double *time_out)
{
    double time = exp(log_time);
    *time_out = time;
    return isfinite(time) ? MB_OK : MB_ERR_OUT_OF_RANGE;
}

mb_status mb_fokker_planck_passage_time(const mb_model *model, double epsilon, double from,
                                        double to, double *time_out)
{
    if (time_out == NULL)
        return MB_ERR_NULL_POINTER;
    double log_time;
    mb_status status = mb_fokker_planck_log_passage_time(model, epsilon, from, to, &log_time);
    if (status != MB_OK)
        return status;
    return exponentiate_time(log_time, time_out);
}

mb_status mb_fokker_planck_log_kramers(const mb_model *model, double epsilon,
                                       double *log_time_out)
{
    if (model == NULL || log_time_out == NULL)
        return MB_ERR_NULL_POINTER;
    mb_status status = check_model(model);
    if (status != MB_OK)
        return status;
    if (!epsilon_is_valid(epsilon))
        return MB_ERR_OUT_OF_RANGE;

    mb_equilibrium equilibria[MB_EQUILIBRIA_MAX];
    int equilibrium_count = 0;
    status = mb_equilibria_find(model, equilibria, &equilibrium_count);
    if (status != MB_OK)
        return status;
    if (equilibrium_count != 3 || equilibria[0].stability != MB_STABLE
        || equilibria[1].stability != MB_UNSTABLE)
        return MB_ERR_OUT_OF_RANGE;
    double well = equilibria[0].m;
    double saddle = equilibria[1].m;

    fp_context context;
    context_init(&context, model, epsilon);
    double foci[2] = {well, saddle};
    double breaks[MAX_BREAKS];
    int break_count = add_layer_edges(&context, breaks, 0);
    break_count = sort_inside(breaks, break_count, well, saddle);

    /* dPhi = -(U(s) - U(a)). */
    fp_walker walker;
    walker_init(&walker, &context, well, saddle, breaks, break_count, foci, 2, 0);
    fp_interval interval;
    double barrier = 0.0;
    while (walker_next(&walker, &interval))
        barrier -= interval.potential_step;

    fp_sample at_well;
    fp_sample at_saddle;
    evaluate(&context, well, &at_well);
    evaluate(&context, saddle, &at_saddle);
    double curvature = -equilibria[0].eigenvalue * equilibria[1].eigenvalue;
    *log_time_out = log(FP_TWO_PI) - 0.5 * log(curvature)
                    + 0.5 * (at_saddle.log_diffusion - at_well.log_diffusion)
                    + barrier / epsilon;
    return MB_OK;
}

mb_status mb_fokker_planck_kramers(const mb_model *model, double epsilon, double *time_out)
{
    if (time_out == NULL)
        return MB_ERR_NULL_POINTER;
    double log_time;
    mb_status status = mb_fokker_planck_log_kramers(model, epsilon, &log_time);
    if (status != MB_OK)
        return status;
    return exponentiate_time(log_time, time_out);
}
