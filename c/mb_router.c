#include "mb_router.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mb_random.h"

#define SQRT_PI 1.7724538509055160
#define LOG2_E 1.4426950408889634

struct mb_router {
    mb_router_config config;   /* bias and initial_scores pointers are not kept */
    mb_router_kernel_params kernel;
    float bias[MB_ROUTER_MAX_EXPERTS];
    float bias_log2e[MB_ROUTER_MAX_EXPERTS]; /* bias times log2(e), for sample mode */
    int stride;                /* replicas rounded up to a multiple of 4 */
    float *scores;             /* [experts][stride] */
    uint32_t *counts;          /* [experts][stride], tokens in the current window */
    uint32_t *key1;            /* [stride] */
    uint32_t *key2;
    long steps_done;
    long window_steps;         /* steps taken in the current window */
    int record_count;
    int record_capacity;
    double *tau;
    double *mean_loads;
    double *mean_window_loads;
    double *quantiles;
    double *mean_abs_m;
    double *traces;
    double *trace_window_loads;
    double *sort_buffer;       /* [replicas] */
    signed char *side;         /* [replicas]: -1, 0 or +1, for switching */
    long switch_events;
    double switch_exposure;    /* replica-time spent in a collapsed state after switch_after */
    double previous_tau;       /* tau of the previous record */
};

static mb_status check(mb_param param, double value, mb_param *bad_param)
{
    if (mb_param_check(param, value) == MB_OK)
        return MB_OK;
    if (bad_param != NULL)
        *bad_param = param;
    return MB_ERR_OUT_OF_RANGE;
}

static long planned_records(const mb_router_config *config)
{
    return config->steps / config->record_every;
}

double mb_router_memory_estimate(const mb_router_config *config)
{
    double stride = 4.0 * ceil(config->replicas / 4.0);
    double state = stride * config->experts * (sizeof(float) + sizeof(uint32_t)) + stride * 2 * sizeof(uint32_t)
                   + config->replicas * (sizeof(double) + 1.0);
    int traced_rows = config->traced > 0 ? config->traced : 1;
    double per_record = (1 + 2.0 * config->experts + MB_ROUTER_QUANTILES + 1
                         + 2.0 * traced_rows * config->experts) * sizeof(double);
    return state + per_record * (double)planned_records(config);
}

static mb_status validate(const mb_router_config *config, mb_param *bad_param)
{
    mb_status status;
    if ((status = check(MB_PARAM_EXPERTS, config->experts, bad_param)) != MB_OK
        || (status = check(MB_PARAM_BETA, config->beta, bad_param)) != MB_OK
        || (status = check(MB_PARAM_ETA, config->eta, bad_param)) != MB_OK
        || (status = check(MB_PARAM_LAMBDA, config->lambda, bad_param)) != MB_OK
        || (status = check(MB_PARAM_EPSILON, config->eta * config->lambda, bad_param)) != MB_OK
        || (status = check(MB_PARAM_REPLICAS, config->replicas, bad_param)) != MB_OK
        || (status = check(MB_PARAM_STEPS, (double)config->steps, bad_param)) != MB_OK
        || (status = check(MB_PARAM_RECORD_EVERY, (double)config->record_every, bad_param)) != MB_OK
        || (status = check(MB_PARAM_TRACED, config->traced, bad_param)) != MB_OK
        || (status = check(MB_PARAM_THRESHOLD, config->switch_threshold, bad_param)) != MB_OK
        || (status = check(MB_PARAM_SWITCH_AFTER, config->switch_after, bad_param)) != MB_OK)
        return status;
    if (config->mode == MB_ROUTE_NOISY_TOP1 && (status = check(MB_PARAM_SIGMA, config->sigma, bad_param)) != MB_OK)
        return status;
    if (mb_route_mode_name(config->mode) == NULL)
        return MB_ERR_INVALID_ENUM;
    if (config->bias != NULL && config->bias_count != config->experts)
        return MB_ERR_LENGTH_MISMATCH;
    for (int i = 0; config->bias != NULL && i < config->experts; i++)
        if ((status = check(MB_PARAM_BIAS, config->bias[i], bad_param)) != MB_OK)
            return status;
    for (int i = 0; config->initial_scores != NULL && i < config->experts; i++)
        if ((status = check(MB_PARAM_SCORE, config->initial_scores[i], bad_param)) != MB_OK)
            return status;
    if (config->traced > config->replicas)
        return check(MB_PARAM_TRACED, -1.0, bad_param);
    if (config->record_every > config->steps)
        return check(MB_PARAM_RECORD_EVERY, -1.0, bad_param);
    if (planned_records(config) > MB_ROUTER_MAX_RECORDS)
        return check(MB_PARAM_RECORD_EVERY, -1.0, bad_param);
    if ((double)config->replicas * (double)config->steps * config->experts > MB_ROUTER_MAX_WORK)
        return check(MB_PARAM_STEPS, -1.0, bad_param);
    if (mb_router_memory_estimate(config) > MB_ROUTER_MEMORY_LIMIT)
        return MB_ERR_MEMORY_LIMIT;
    return MB_OK;
}

mb_status mb_router_create(const mb_router_config *config, mb_router **out, mb_param *bad_param)
{
    if (config == NULL || out == NULL)
        return MB_ERR_NULL_POINTER;
    *out = NULL;
    mb_status status = validate(config, bad_param);
    if (status != MB_OK)
        return status;

    mb_router *router = calloc(1, sizeof *router);
    if (router == NULL)
        return MB_ERR_NO_MEMORY;
    router->config = *config;
    router->config.bias = NULL;
    router->config.initial_scores = NULL;
    int n = config->experts;
    int stride = 4 * ((config->replicas + 3) / 4);
    router->stride = stride;
    int records = (int)planned_records(config);
    router->record_capacity = records;
    router->scores = malloc((size_t)n * stride * sizeof(float));
    router->counts = calloc((size_t)n * stride, sizeof(uint32_t));
    router->key1 = malloc((size_t)stride * sizeof(uint32_t));
    router->key2 = malloc((size_t)stride * sizeof(uint32_t));
    router->tau = malloc((size_t)(records + 1) * sizeof(double));
    router->mean_loads = malloc((size_t)(records + 1) * n * sizeof(double));
    router->mean_window_loads = malloc((size_t)(records + 1) * n * sizeof(double));
    router->quantiles = malloc((size_t)(records + 1) * MB_ROUTER_QUANTILES * sizeof(double));
    router->mean_abs_m = malloc((size_t)(records + 1) * sizeof(double));
    int traced_rows = config->traced > 0 ? config->traced : 1; /* one row so malloc never gets 0 */
    router->traces = malloc((size_t)(records + 1) * traced_rows * n * sizeof(double));
    router->trace_window_loads = malloc((size_t)(records + 1) * traced_rows * n * sizeof(double));
    router->sort_buffer = malloc((size_t)config->replicas * sizeof(double));
    router->side = calloc((size_t)config->replicas, 1);
    if (router->scores == NULL || router->counts == NULL || router->key1 == NULL || router->key2 == NULL
        || router->tau == NULL || router->mean_loads == NULL || router->mean_window_loads == NULL
        || router->quantiles == NULL || router->mean_abs_m == NULL || router->traces == NULL
        || router->trace_window_loads == NULL || router->sort_buffer == NULL || router->side == NULL) {
        mb_router_free(router);
        return MB_ERR_NO_MEMORY;
    }

    for (int i = 0; i < n; i++) {
        router->bias[i] = config->bias != NULL ? (float)config->bias[i] : 0.0f;
        router->bias_log2e[i] = config->bias != NULL ? (float)(config->bias[i] * LOG2_E) : 0.0f;
        float initial = config->initial_scores != NULL ? (float)config->initial_scores[i]
                                                       : (float)(1.0 / (n * config->lambda));
        for (int r = 0; r < stride; r++)
            router->scores[(long)i * stride + r] = initial;
    }
    for (int r = 0; r < stride; r++)
        mb_random_keys(config->seed, (uint32_t)r, &router->key1[r], &router->key2[r]);

    mb_router_kernel_params *kernel = &router->kernel;
    kernel->experts = n;
    kernel->mode = config->mode;
    kernel->beta = (float)config->beta;
    kernel->eta = (float)config->eta;
    kernel->decay = (float)(1.0 - config->eta * config->lambda);
    kernel->sigma = (float)config->sigma;
    kernel->bias = router->bias;
    kernel->beta_log2e = (float)(config->beta * LOG2_E);
    kernel->bias_log2e = router->bias_log2e;
    kernel->stride = stride;
    *out = router;
    return MB_OK;
}

void mb_router_free(mb_router *router)
{
    if (router == NULL)
        return;
    free(router->scores);
    free(router->counts);
    free(router->key1);
    free(router->key2);
    free(router->tau);
    free(router->mean_loads);
    free(router->mean_window_loads);
    free(router->quantiles);
    free(router->mean_abs_m);
    free(router->traces);
    free(router->trace_window_loads);
    free(router->sort_buffer);
    free(router->side);
    free(router);
}

static int compare_doubles(const void *left, const void *right)
{
    double a = *(const double *)left;
    double b = *(const double *)right;
    return (a > b) - (a < b);
}

/* The statistic of one replica: m = x_1 - x_2 for two experts, max_i x_i otherwise. */
static double replica_statistic(const mb_router *router, int r)
{
    int n = router->config.experts;
    double lambda = router->config.lambda;
    if (n == 2)
        return lambda * ((double)router->scores[r] - (double)router->scores[router->stride + r]);
    double top = -INFINITY;
    for (int i = 0; i < n; i++)
        top = fmax(top, lambda * router->scores[(long)i * router->stride + r]);
    return top;
}

static void record_window(mb_router *router)
{
    const mb_router_config *config = &router->config;
    int n = config->experts;
    int R = config->replicas;
    int w = router->record_count;
    double tau = config->lambda * config->eta * (double)router->steps_done;
    double window = (double)router->window_steps;
    router->tau[w] = tau;

    for (int i = 0; i < n; i++) {
        const float *scores = router->scores + (long)i * router->stride;
        const uint32_t *counts = router->counts + (long)i * router->stride;
        double score_sum = 0.0;
        double count_sum = 0.0;
        for (int r = 0; r < R; r++) {
            score_sum += scores[r];
            count_sum += counts[r];
        }
        router->mean_loads[(long)w * n + i] = config->lambda * score_sum / R;
        router->mean_window_loads[(long)w * n + i] = count_sum / (window * R);
        for (int k = 0; k < config->traced; k++) {
            long index = ((long)w * config->traced + k) * n + i;
            router->traces[index] = config->lambda * scores[k];
            router->trace_window_loads[index] = counts[k] / window;
        }
    }

    double abs_sum = 0.0;
    for (int r = 0; r < R; r++) {
        double value = replica_statistic(router, r);
        router->sort_buffer[r] = value;
        abs_sum += fabs(value);
    }
    router->mean_abs_m[w] = n == 2 ? abs_sum / R : NAN;
    qsort(router->sort_buffer, (size_t)R, sizeof(double), compare_doubles);
    static const double levels[MB_ROUTER_QUANTILES] = {0.05, 0.25, 0.5, 0.75, 0.95};
    for (int q = 0; q < MB_ROUTER_QUANTILES; q++) {
        /* Linear interpolation between order statistics. */
        double position = levels[q] * (R - 1);
        int low = (int)floor(position);
        int high = low + 1 < R ? low + 1 : low;
        double fraction = position - low;
        router->quantiles[(long)w * MB_ROUTER_QUANTILES + q] =
            router->sort_buffer[low] + fraction * (router->sort_buffer[high] - router->sort_buffer[low]);
    }

    if (n == 2 && config->switch_threshold > 0.0) {
        /* The window since the previous record counts for every replica that
         * sat in a collapsed state, from switch_after on. */
        double counted = tau - fmax(router->previous_tau, config->switch_after);
        for (int r = 0; r < R; r++) {
            if (counted > 0.0 && router->side[r] != 0)
                router->switch_exposure += counted;
            double m = replica_statistic(router, r);
            signed char side = 0;
            if (m > config->switch_threshold)
                side = 1;
            else if (m < -config->switch_threshold)
                side = -1;
            if (side == 0 || side == router->side[r])
                continue;
            if (router->side[r] != 0 && tau > config->switch_after)
                router->switch_events++;
            router->side[r] = side;
        }
    }
    router->previous_tau = tau;

    memset(router->counts, 0, (size_t)n * router->stride * sizeof(uint32_t));
    router->window_steps = 0;
    router->record_count++;
}

static void run_kernel(mb_router *router, long steps)
{
    uint32_t first_step = (uint32_t)router->steps_done;
    if (router->config.vector)
        mb_router_kernel_vector(&router->kernel, router->scores, router->counts, router->key1, router->key2,
                                0, router->stride, first_step, steps);
    else
        mb_router_kernel_scalar(&router->kernel, router->scores, router->counts, router->key1, router->key2,
                                0, router->config.replicas, first_step, steps);
    router->steps_done += steps;
    router->window_steps += steps;
}

mb_status mb_router_advance(mb_router *router, long steps)
{
    if (router == NULL)
        return MB_ERR_NULL_POINTER;
    if (steps < 0)
        return MB_ERR_OUT_OF_RANGE;
    long remaining = router->config.steps - router->steps_done;
    if (remaining <= 0)
        return MB_ERR_FINISHED;
    if (steps > remaining)
        steps = remaining;
    while (steps > 0) {
        long to_window_end = router->config.record_every - router->window_steps;
        long chunk = steps < to_window_end ? steps : to_window_end;
        run_kernel(router, chunk);
        steps -= chunk;
        if (router->window_steps == router->config.record_every && router->record_count < router->record_capacity)
            record_window(router);
    }
    return MB_OK;
}

mb_status mb_router_set_bias(mb_router *router, const double *bias, int count)
{
    if (router == NULL || bias == NULL)
        return MB_ERR_NULL_POINTER;
    if (count != router->config.experts)
        return MB_ERR_LENGTH_MISMATCH;
    for (int i = 0; i < count; i++)
        if (mb_param_check(MB_PARAM_BIAS, bias[i]) != MB_OK)
            return MB_ERR_OUT_OF_RANGE;
    for (int i = 0; i < count; i++) {
        router->bias[i] = (float)bias[i];
        router->bias_log2e[i] = (float)(bias[i] * LOG2_E);
    }
    return MB_OK;
}

mb_status mb_router_set_beta(mb_router *router, double beta)
{
    if (router == NULL)
        return MB_ERR_NULL_POINTER;
    if (mb_param_check(MB_PARAM_BETA, beta) != MB_OK)
        return MB_ERR_OUT_OF_RANGE;
    router->config.beta = beta;
    router->kernel.beta = (float)beta;
    router->kernel.beta_log2e = (float)(beta * LOG2_E);
    return MB_OK;
}

long mb_router_steps_done(const mb_router *router) { return router != NULL ? router->steps_done : 0; }
int mb_router_record_count(const mb_router *router) { return router != NULL ? router->record_count : 0; }
int mb_router_experts(const mb_router *router) { return router != NULL ? router->config.experts : 0; }
int mb_router_traced(const mb_router *router) { return router != NULL ? router->config.traced : 0; }
const double *mb_router_record_tau(const mb_router *router) { return router->tau; }
const double *mb_router_record_mean_loads(const mb_router *router) { return router->mean_loads; }
const double *mb_router_record_mean_window_loads(const mb_router *router) { return router->mean_window_loads; }
const double *mb_router_record_quantiles(const mb_router *router) { return router->quantiles; }
const double *mb_router_record_mean_abs_m(const mb_router *router) { return router->mean_abs_m; }
const double *mb_router_record_traces(const mb_router *router) { return router->traces; }
const double *mb_router_record_trace_window_loads(const mb_router *router) { return router->trace_window_loads; }

mb_status mb_router_histogram(const mb_router *router, int bins, double low, double high, double *counts)
{
    if (router == NULL || counts == NULL)
        return MB_ERR_NULL_POINTER;
    if (bins < 1 || bins > 100000 || !isfinite(low) || !isfinite(high))
        return MB_ERR_OUT_OF_RANGE;
    if (!(low < high))
        return MB_ERR_EMPTY_INTERVAL;
    for (int b = 0; b < bins; b++)
        counts[b] = 0.0;
    for (int r = 0; r < router->config.replicas; r++) {
        double value = replica_statistic(router, r);
        /* Clamp in floating point first: far-out values would overflow int. */
        double position = floor((value - low) / (high - low) * bins);
        int b = bins - 1;
        if (position < 0.0)
            b = 0;
        else if (position < bins)
            b = (int)position;
        counts[b] += 1.0;
    }
    return MB_OK;
}

mb_status mb_router_scores(const mb_router *router, float *out, long capacity)
{
    if (router == NULL || out == NULL)
        return MB_ERR_NULL_POINTER;
    int n = router->config.experts;
    if (capacity < (long)router->config.replicas * n)
        return MB_ERR_BUFFER_TOO_SMALL;
    for (int r = 0; r < router->config.replicas; r++)
        for (int i = 0; i < n; i++)
            out[(long)r * n + i] = router->scores[(long)i * router->stride + r];
    return MB_OK;
}

mb_status mb_router_switching(const mb_router *router, long *events, double *exposure,
                              double *mean_waiting_time)
{
    if (router == NULL || events == NULL || exposure == NULL || mean_waiting_time == NULL)
        return MB_ERR_NULL_POINTER;
    *events = router->switch_events;
    *exposure = router->switch_exposure;
    *mean_waiting_time = router->switch_events > 0 ? router->switch_exposure / router->switch_events : NAN;
    return MB_OK;
}

void mb_router_mean_field(const mb_router_config *config, double *K, double *H)
{
    int n = config->experts;
    double bias_difference = config->bias != NULL && n >= 2 ? config->bias[0] - config->bias[1] : 0.0;
    if (n != 2) {
        *K = config->mode == MB_ROUTE_NOISY_TOP1 ? NAN : config->beta / (n * config->lambda);
        *H = NAN;
    } else if (config->mode == MB_ROUTE_NOISY_TOP1) {
        *K = config->beta / (SQRT_PI * config->sigma * config->lambda);
        *H = bias_difference / (2.0 * config->sigma);
    } else {
        *K = config->beta / (2.0 * config->lambda);
        *H = bias_difference / 2.0;
    }
}

const char *mb_route_mode_name(mb_route_mode mode)
{
    switch (mode) {
    case MB_ROUTE_SAMPLE: return "sample";
    case MB_ROUTE_GUMBEL_TOP1: return "gumbel-top1";
    case MB_ROUTE_NOISY_TOP1: return "noisy-top1";
    case MB_ROUTE_COUNT: break;
    }
    return NULL;
}

mb_status mb_route_mode_parse(const char *name, mb_route_mode *mode)
{
    if (name == NULL || mode == NULL)
        return MB_ERR_NULL_POINTER;
    for (int m = 0; m < MB_ROUTE_COUNT; m++) {
        if (strcmp(name, mb_route_mode_name((mb_route_mode)m)) == 0) {
            *mode = (mb_route_mode)m;
            return MB_OK;
        }
    }
    return MB_ERR_INVALID_ENUM;
}
