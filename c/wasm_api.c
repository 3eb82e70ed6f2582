/* The exported WebAssembly ABI: the only C file that the web page calls.
 *
 * The ABI is flat: scalars (int for enums and counts, double for values),
 * pointers into the module's memory for output arrays, and an opaque handle
 * for branch results. The caller allocates output arrays with
 * mb_wasm_alloc and frees them with mb_wasm_free. Functions return an
 * mb_status; where a range error can come from several parameters, the
 * mb_param id of the offending one is written to *bad_param.
 * Bump MB_WASM_ABI_VERSION on any change of a signature or meaning, and the
 * JavaScript loader (web/js/core.js) rejects a module of another version.
 */
#include <emscripten.h>
#include <stdlib.h>
#include <string.h>

#include "mb_branches.h"
#include "mb_dataset.h"
#include "mb_equilibria.h"
#include "mb_field.h"
#include "mb_fokker_planck.h"
#include "mb_fold.h"
#include "mb_normal_form.h"
#include "mb_params.h"
#include "mb_router.h"
#include "mb_trainer.h"
#include "mb_trajectory.h"

#define MB_WASM_ABI_VERSION 2
#define EXPORT EMSCRIPTEN_KEEPALIVE

EXPORT int mb_wasm_abi_version(void) { return MB_WASM_ABI_VERSION; }

EXPORT void *mb_wasm_alloc(int bytes) { return bytes > 0 ? malloc((size_t)bytes) : NULL; }

EXPORT void mb_wasm_free(void *pointer) { free(pointer); }

EXPORT const char *mb_wasm_status_string(int status) { return mb_status_string((mb_status)status); }

EXPORT int mb_wasm_param_count(void) { return MB_PARAM_COUNT; }

/* Writes min, max, min_inclusive, max_inclusive and integer of a parameter
 * to out[0..4] and returns its name, or NULL for an unknown id. */
EXPORT const char *mb_wasm_param_info(int param, double *out)
{
    const mb_param_info_t *info = mb_param_info((mb_param)param);
    if (info == NULL || out == NULL)
        return NULL;
    out[0] = info->min;
    out[1] = info->max;
    out[2] = info->min_inclusive;
    out[3] = info->max_inclusive;
    out[4] = info->integer;
    return info->name;
}

EXPORT int mb_wasm_param_check(int param, double value) { return mb_param_check((mb_param)param, value); }

static mb_status init_model(mb_model *model, int link, double K, double H, int *bad_param)
{
    mb_param bad = MB_PARAM_COUNT;
    mb_status status = mb_model_init(model, (mb_link)link, K, H, &bad);
    if (status == MB_ERR_OUT_OF_RANGE && bad_param != NULL)
        *bad_param = (int)bad;
    return status;
}

/* Writes m, eigenvalue and stability of each equilibrium to arrays of
 * MB_EQUILIBRIA_MAX entries and their number to *count. */
EXPORT int mb_wasm_equilibria(int link, double K, double H, double *m_out, double *eigenvalue_out,
                              int *stability_out, int *count, int *bad_param)
{
    if (m_out == NULL || eigenvalue_out == NULL || stability_out == NULL || count == NULL)
        return MB_ERR_NULL_POINTER;
    mb_model model;
    mb_status status = init_model(&model, link, K, H, bad_param);
    if (status != MB_OK)
        return status;
    mb_equilibrium equilibria[MB_EQUILIBRIA_MAX];
    status = mb_equilibria_find(&model, equilibria, count);
    if (status != MB_OK)
        return status;
    for (int i = 0; i < *count; i++) {
        m_out[i] = equilibria[i].m;
        eigenvalue_out[i] = equilibria[i].eigenvalue;
        stability_out[i] = (int)equilibria[i].stability;
    }
    return MB_OK;
}

EXPORT int mb_wasm_field_sample(int link, double K, double H, int count, double *m_out,
                                double *field_out, double *potential_out, int *bad_param)
{
    mb_model model;
    mb_status status = init_model(&model, link, K, H, bad_param);
    if (status != MB_OK)
        return status;
    status = mb_field_sample(&model, count, m_out, field_out, potential_out);
    if (status == MB_ERR_OUT_OF_RANGE && bad_param != NULL)
        *bad_param = MB_PARAM_SAMPLES;
    return status;
}

/* Writes accepted steps, rejected steps and evaluations to steps_out[0..2]. */
EXPORT int mb_wasm_trajectory(int link, double K, double H, double m0, double tau, int samples,
                              double rtol, double atol, double *tau_out, double *m_out,
                              double *steps_out, int *bad_param)
{
    mb_model model;
    mb_status status = init_model(&model, link, K, H, bad_param);
    if (status != MB_OK)
        return status;
    mb_ode_stats stats = {0, 0, 0};
    mb_param bad = MB_PARAM_COUNT;
    status = mb_trajectory_compute(&model, m0, tau, samples, rtol, atol, tau_out, m_out, &stats, &bad);
    if (status == MB_ERR_OUT_OF_RANGE && bad_param != NULL)
        *bad_param = (int)bad;
    if (steps_out != NULL) {
        steps_out[0] = (double)stats.accepted_steps;
        steps_out[1] = (double)stats.rejected_steps;
        steps_out[2] = (double)stats.evaluations;
    }
    return status;
}

/* Writes H_c(K) and the |m| of its folds to out[0] and out[1]. */
EXPORT int mb_wasm_fold_critical_h(int link, double K, double *out)
{
    if (out == NULL)
        return MB_ERR_NULL_POINTER;
    return mb_fold_critical_h((mb_link)link, K, &out[0], &out[1]);
}

EXPORT int mb_wasm_fold_curve(int link, double K_max, int count, double *K_out, double *H_out)
{
    return mb_fold_curve((mb_link)link, K_max, count, K_out, H_out);
}

/* Writes K, H and m of the fold point with parameter z to out[0..2]. */
EXPORT int mb_wasm_fold_point(int link, double z, double *out)
{
    if (out == NULL)
        return MB_ERR_NULL_POINTER;
    return mb_fold_point((mb_link)link, z, &out[0], &out[1], &out[2]);
}

/* Writes h_coefficient, mu, cubic, m_scale, a, b, the amplitude estimate and
 * the H_c estimate to out[0..7]. */
EXPORT int mb_wasm_normal_form(int link, double K, double H, double *out, int *bad_param)
{
    if (out == NULL)
        return MB_ERR_NULL_POINTER;
    mb_model model;
    mb_status status = init_model(&model, link, K, H, bad_param);
    if (status != MB_OK)
        return status;
    mb_normal_form form;
    status = mb_normal_form_compute(&model, &form);
    if (status != MB_OK)
        return status;
    out[0] = form.h_coefficient;
    out[1] = form.mu;
    out[2] = form.cubic;
    out[3] = form.m_scale;
    out[4] = form.a;
    out[5] = form.b;
    out[6] = mb_normal_form_amplitude(model.link, K);
    out[7] = mb_normal_form_critical_h(model.link, K);
    return MB_OK;
}

/* Returns a branch result to read with the accessors below and free
 * with mb_wasm_branches_free, or NULL with the status in *status_out. */
EXPORT mb_branches *mb_wasm_branches_compute(int link, int vary, double from, double to, double K,
                                             double H, int max_points, int *status_out,
                                             int *bad_param)
{
    mb_branches *branches = NULL;
    mb_param bad = MB_PARAM_COUNT;
    mb_status status = mb_branches_compute((mb_link)link, (mb_vary)vary, from, to, K, H,
                                           max_points, &branches, &bad);
    if (status_out != NULL)
        *status_out = status;
    if (status == MB_ERR_OUT_OF_RANGE && bad_param != NULL)
        *bad_param = (int)bad;
    return branches;
}

EXPORT int mb_wasm_branches_point_count(const mb_branches *branches)
{
    return branches != NULL ? branches->point_count : 0;
}

EXPORT int mb_wasm_branches_branch_count(const mb_branches *branches)
{
    return branches != NULL ? branches->branch_count : 0;
}

/* Copies every point into arrays of mb_wasm_branches_point_count entries:
 * p, m and jump_m as doubles; stability, kind and branch index as ints. */
EXPORT int mb_wasm_branches_copy(const mb_branches *branches, double *p_out, double *m_out,
                                 double *jump_out, int *stability_out, int *kind_out,
                                 int *branch_out)
{
    if (branches == NULL || p_out == NULL || m_out == NULL || jump_out == NULL
        || stability_out == NULL || kind_out == NULL || branch_out == NULL)
        return MB_ERR_NULL_POINTER;
    for (int i = 0; i < branches->point_count; i++) {
        const mb_branch_point *point = &branches->points[i];
        p_out[i] = point->p;
        m_out[i] = point->m;
        jump_out[i] = point->jump_m;
        stability_out[i] = (int)point->stability;
        kind_out[i] = (int)point->kind;
        branch_out[i] = point->branch;
    }
    return MB_OK;
}

EXPORT void mb_wasm_branches_free(mb_branches *branches) { mb_branches_free(branches); }

/* Creates a run of the discrete router; returns NULL with the status in
 * *status_out (and the parameter in *bad_param for a range error).
 * initial_scores may be NULL. steps and record_every are doubles so that
 * JavaScript numbers pass unchanged; the seed is a 32-bit unsigned value. */
EXPORT mb_router *mb_wasm_router_create(int experts, int mode, double beta, double eta, double lambda,
                                        double sigma, const double *bias, int bias_count,
                                        const double *initial_scores, int replicas, double steps,
                                        double record_every, int traced, double threshold,
                                        double switch_after, double seed, int vector, int *status_out,
                                        int *bad_param)
{
    mb_router_config config = {0};
    config.experts = experts;
    config.mode = (mb_route_mode)mode;
    config.beta = beta;
    config.eta = eta;
    config.lambda = lambda;
    config.sigma = sigma;
    config.bias = bias;
    config.bias_count = bias_count;
    config.initial_scores = initial_scores;
    config.replicas = replicas;
    config.steps = (long)steps;
    config.record_every = (long)record_every;
    config.traced = traced;
    config.switch_threshold = threshold;
    config.switch_after = switch_after;
    config.vector = vector;
    mb_param bad = MB_PARAM_COUNT;
    mb_status status = MB_OK;
    if (mb_param_check(MB_PARAM_STEPS, steps) != MB_OK) {
        status = MB_ERR_OUT_OF_RANGE;
        bad = MB_PARAM_STEPS;
    } else if (mb_param_check(MB_PARAM_RECORD_EVERY, record_every) != MB_OK) {
        status = MB_ERR_OUT_OF_RANGE;
        bad = MB_PARAM_RECORD_EVERY;
    } else if (mb_param_check(MB_PARAM_SEED, seed) != MB_OK) {
        status = MB_ERR_OUT_OF_RANGE;
        bad = MB_PARAM_SEED;
    }
    mb_router *router = NULL;
    if (status == MB_OK) {
        config.seed = (uint64_t)seed;
        status = mb_router_create(&config, &router, &bad);
    }
    if (status_out != NULL)
        *status_out = status;
    if (status == MB_ERR_OUT_OF_RANGE && bad_param != NULL)
        *bad_param = (int)bad;
    return router;
}

/* Returns the bytes that a run of this shape would need, for messages. */
EXPORT double mb_wasm_router_memory_estimate(int experts, int replicas, double steps, double record_every,
                                             int traced)
{
    mb_router_config config = {0};
    config.experts = experts;
    config.replicas = replicas;
    config.steps = (long)steps;
    config.record_every = record_every >= 1 ? (long)record_every : 1;
    config.traced = traced;
    return mb_router_memory_estimate(&config);
}

EXPORT double mb_wasm_router_memory_limit(void) { return MB_ROUTER_MEMORY_LIMIT; }

EXPORT int mb_wasm_router_advance(mb_router *router, double steps)
{
    /* long is 32 bits here; no run takes more than MB_ROUTER_MAX_STEPS. */
    if (!(steps >= 0.0))
        return MB_ERR_OUT_OF_RANGE;
    if (steps > (double)MB_ROUTER_MAX_STEPS)
        steps = (double)MB_ROUTER_MAX_STEPS;
    return mb_router_advance(router, (long)steps);
}

EXPORT double mb_wasm_router_steps_done(const mb_router *router) { return (double)mb_router_steps_done(router); }
EXPORT int mb_wasm_router_record_count(const mb_router *router) { return mb_router_record_count(router); }
EXPORT const double *mb_wasm_router_record_tau(const mb_router *r) { return mb_router_record_tau(r); }
EXPORT const double *mb_wasm_router_record_mean_loads(const mb_router *r) { return mb_router_record_mean_loads(r); }
EXPORT const double *mb_wasm_router_record_mean_window_loads(const mb_router *r)
{
    return mb_router_record_mean_window_loads(r);
}
EXPORT const double *mb_wasm_router_record_quantiles(const mb_router *r) { return mb_router_record_quantiles(r); }
EXPORT const double *mb_wasm_router_record_mean_abs_m(const mb_router *r) { return mb_router_record_mean_abs_m(r); }
EXPORT const double *mb_wasm_router_record_traces(const mb_router *r) { return mb_router_record_traces(r); }
EXPORT const double *mb_wasm_router_record_trace_window_loads(const mb_router *r)
{
    return mb_router_record_trace_window_loads(r);
}

EXPORT int mb_wasm_router_histogram(const mb_router *router, int bins, double low, double high, double *counts)
{
    return mb_router_histogram(router, bins, low, high, counts);
}

EXPORT int mb_wasm_router_scores(const mb_router *router, float *out, double capacity)
{
    return mb_router_scores(router, out, (long)capacity);
}

/* Writes the switch count, the time spent in collapsed states and the mean
 * waiting time to out[0..2]. */
EXPORT int mb_wasm_router_switching(const mb_router *router, double *out)
{
    if (out == NULL)
        return MB_ERR_NULL_POINTER;
    long events = 0;
    mb_status status = mb_router_switching(router, &events, &out[1], &out[2]);
    out[0] = (double)events;
    return status;
}

EXPORT int mb_wasm_router_set_bias(mb_router *router, const double *bias, int count)
{
    return mb_router_set_bias(router, bias, count);
}

EXPORT int mb_wasm_router_set_beta(mb_router *router, double beta) { return mb_router_set_beta(router, beta); }

/* Writes the mean-field K and H of a router configuration to out[0..1]. */
EXPORT void mb_wasm_router_mean_field(int experts, int mode, double beta, double lambda, double sigma,
                                      const double *bias, int bias_count, double *out)
{
    mb_router_config config = {0};
    config.experts = experts;
    config.mode = (mb_route_mode)mode;
    config.beta = beta;
    config.lambda = lambda;
    config.sigma = sigma;
    config.bias = bias_count == experts ? bias : NULL;
    mb_router_mean_field(&config, &out[0], &out[1]);
}

EXPORT void mb_wasm_router_free(mb_router *router) { mb_router_free(router); }

/* Writes the stationary Fokker-Planck density on count cells of [-1, 1]:
 * cell midpoints to m_out and cell-averaged densities to density_out. */
EXPORT int mb_wasm_fokker_planck_density(int link, double K, double H, double epsilon, int count,
                                         double *m_out, double *density_out, int *bad_param)
{
    mb_model model;
    mb_status status = init_model(&model, link, K, H, bad_param);
    if (status != MB_OK)
        return status;
    if (mb_param_check(MB_PARAM_SAMPLES, count) != MB_OK) {
        if (bad_param != NULL)
            *bad_param = MB_PARAM_SAMPLES;
        return MB_ERR_OUT_OF_RANGE;
    }
    return mb_fokker_planck_density(&model, epsilon, count, m_out, density_out);
}

/* Writes log T of the mean first-passage time from `from` to `to`. */
EXPORT int mb_wasm_fokker_planck_log_passage_time(int link, double K, double H, double epsilon, double from,
                                                  double to, double *out, int *bad_param)
{
    mb_model model;
    mb_status status = init_model(&model, link, K, H, bad_param);
    if (status != MB_OK)
        return status;
    return mb_fokker_planck_log_passage_time(&model, epsilon, from, to, out);
}

/* Writes log T_K, the logarithm of the Kramers estimate. */
EXPORT int mb_wasm_fokker_planck_log_kramers(int link, double K, double H, double epsilon, double *out,
                                             int *bad_param)
{
    mb_model model;
    mb_status status = init_model(&model, link, K, H, bad_param);
    if (status != MB_OK)
        return status;
    return mb_fokker_planck_log_kramers(&model, epsilon, out);
}

/* ---- The trainable MoE ---- */

/* Parses a data set from text; NULL with *status_out (and the 1-based line
 * at fault in *line_out for MB_ERR_PARSE) on failure. */
EXPORT mb_dataset *mb_wasm_dataset_parse(const char *text, int length, int inputs, int classes, double max_value,
                                         int *status_out, double *line_out)
{
    mb_dataset *dataset = calloc(1, sizeof *dataset);
    long line = 0;
    mb_status status = dataset == NULL ? MB_ERR_NO_MEMORY
                                       : mb_dataset_parse(text, length > 0 ? (size_t)length : 0, inputs, classes,
                                                          max_value, dataset, &line);
    if (status_out != NULL)
        *status_out = status;
    if (line_out != NULL)
        *line_out = (double)line;
    if (status != MB_OK) {
        free(dataset);
        return NULL;
    }
    return dataset;
}

EXPORT mb_dataset *mb_wasm_dataset_synthetic(int count, int inputs, int classes, double seed, int *status_out)
{
    mb_dataset *dataset = calloc(1, sizeof *dataset);
    mb_status status = dataset == NULL ? MB_ERR_NO_MEMORY
                       : mb_param_check(MB_PARAM_SEED, seed) != MB_OK
                           ? MB_ERR_OUT_OF_RANGE
                           : mb_dataset_synthetic(count, inputs, classes, (uint32_t)seed, dataset);
    if (status_out != NULL)
        *status_out = status;
    if (status != MB_OK) {
        free(dataset);
        return NULL;
    }
    return dataset;
}

/* Splits all into two new data sets written to out[0] (train), out[1] (test). */
EXPORT int mb_wasm_dataset_split(const mb_dataset *all, double test_fraction, double seed, mb_dataset **out)
{
    if (all == NULL || out == NULL)
        return MB_ERR_NULL_POINTER;
    if (mb_param_check(MB_PARAM_SEED, seed) != MB_OK)
        return MB_ERR_OUT_OF_RANGE;
    mb_dataset *train = calloc(1, sizeof *train), *test = calloc(1, sizeof *test);
    mb_status status = train == NULL || test == NULL
                           ? MB_ERR_NO_MEMORY
                           : mb_dataset_split(all, test_fraction, (uint32_t)seed, train, test);
    if (status != MB_OK) {
        free(train);
        free(test);
        return status;
    }
    out[0] = train;
    out[1] = test;
    return MB_OK;
}

EXPORT int mb_wasm_dataset_preprocess(mb_dataset *train, mb_dataset *test, int mode, double max_value)
{
    return mb_dataset_preprocess(train, test, (mb_preprocess)mode, max_value);
}

EXPORT int mb_wasm_dataset_count(const mb_dataset *d) { return d->count; }
EXPORT int mb_wasm_dataset_inputs(const mb_dataset *d) { return d->inputs; }
EXPORT int mb_wasm_dataset_classes(const mb_dataset *d) { return d->classes; }
EXPORT const float *mb_wasm_dataset_x(const mb_dataset *d) { return d->x; }
EXPORT const int32_t *mb_wasm_dataset_labels(const mb_dataset *d) { return d->labels; }

EXPORT void mb_wasm_dataset_free(mb_dataset *dataset)
{
    mb_dataset_free(dataset);
    free(dataset);
}

/* The trainer's settings travel as one array of doubles in this order. */
enum {
    FIELD_INPUTS, FIELD_CLASSES, FIELD_EXPERTS, FIELD_HIDDEN, FIELD_TOP_K, FIELD_ROUTING, FIELD_LOSS,
    FIELD_OPTIMIZER, FIELD_BETA, FIELD_LEARNING_RATE, FIELD_MOMENTUM, FIELD_AUX, FIELD_Z, FIELD_CAPACITY,
    FIELD_BALANCE, FIELD_DECAY, FIELD_BATCH, FIELD_SEED, FIELD_REFERENCE, FIELD_COUNT
};

EXPORT int mb_wasm_trainer_field_count(void) { return FIELD_COUNT; }

/* Fills config from fields; MB_ERR_OUT_OF_RANGE with *bad for a value that
 * does not fit its C type (the full check is mb_moe_config_check). */
static mb_status config_from_fields(const double *f, mb_moe_config *config, mb_param *bad)
{
    const struct { int field; mb_param param; } integers[] = {
        {FIELD_INPUTS, MB_PARAM_INPUTS}, {FIELD_CLASSES, MB_PARAM_CLASSES}, {FIELD_EXPERTS, MB_PARAM_MOE_EXPERTS},
        {FIELD_HIDDEN, MB_PARAM_EXPERT_HIDDEN}, {FIELD_TOP_K, MB_PARAM_TOP_K}, {FIELD_BATCH, MB_PARAM_BATCH},
        {FIELD_SEED, MB_PARAM_SEED},
    };
    for (size_t i = 0; i < sizeof integers / sizeof integers[0]; i++)
        if (mb_param_check(integers[i].param, f[integers[i].field]) != MB_OK) {
            *bad = integers[i].param;
            return MB_ERR_OUT_OF_RANGE;
        }
    if (!(f[FIELD_ROUTING] >= 0 && f[FIELD_ROUTING] <= MB_MOE_SAMPLE) || !(f[FIELD_LOSS] >= 0 && f[FIELD_LOSS] <= 1)
        || !(f[FIELD_OPTIMIZER] >= 0 && f[FIELD_OPTIMIZER] <= 1))
        return MB_ERR_INVALID_ENUM;
    memset(config, 0, sizeof *config);
    config->inputs = (int)f[FIELD_INPUTS];
    config->classes = (int)f[FIELD_CLASSES];
    config->experts = (int)f[FIELD_EXPERTS];
    config->hidden = (int)f[FIELD_HIDDEN];
    config->top_k = (int)f[FIELD_TOP_K];
    config->routing = (mb_moe_routing)(int)f[FIELD_ROUTING];
    config->loss = (mb_moe_loss)(int)f[FIELD_LOSS];
    config->optimizer = (mb_moe_optimizer)(int)f[FIELD_OPTIMIZER];
    config->beta = f[FIELD_BETA];
    config->learning_rate = f[FIELD_LEARNING_RATE];
    config->momentum = f[FIELD_MOMENTUM];
    config->aux_weight = f[FIELD_AUX];
    config->z_weight = f[FIELD_Z];
    config->capacity_factor = f[FIELD_CAPACITY];
    config->balance_rate = f[FIELD_BALANCE];
    config->router_decay = f[FIELD_DECAY];
    config->batch = (int)f[FIELD_BATCH];
    config->seed = (uint32_t)f[FIELD_SEED];
    config->reference_kernels = f[FIELD_REFERENCE] != 0.0;
    return MB_OK;
}

EXPORT double mb_wasm_trainer_memory_estimate(const double *fields)
{
    mb_moe_config config;
    mb_param bad = MB_PARAM_COUNT;
    if (fields == NULL || config_from_fields(fields, &config, &bad) != MB_OK)
        return 0.0;
    return mb_moe_memory_estimate(&config);
}

EXPORT double mb_wasm_trainer_memory_limit(void) { return MB_MOE_MEMORY_LIMIT; }

EXPORT mb_trainer *mb_wasm_trainer_create(const double *fields, int field_count, const mb_dataset *train,
                                          const mb_dataset *test, int *status_out, int *bad_param)
{
    mb_param bad = MB_PARAM_COUNT;
    mb_moe_config config;
    mb_trainer *trainer = NULL;
    mb_status status = fields == NULL ? MB_ERR_NULL_POINTER
                       : field_count != FIELD_COUNT ? MB_ERR_LENGTH_MISMATCH
                                                    : config_from_fields(fields, &config, &bad);
    if (status == MB_OK)
        status = mb_trainer_create(&config, train, test, &trainer, &bad);
    if (status_out != NULL)
        *status_out = status;
    if (status == MB_ERR_OUT_OF_RANGE && bad_param != NULL)
        *bad_param = (int)bad;
    return trainer;
}

/* Metrics of one epoch, in this order, then loads (N) and test loads (N). */
enum {
    METRIC_EPOCH, METRIC_TRAIN_LOSS, METRIC_TRAIN_ACCURACY, METRIC_TEST_LOSS, METRIC_TEST_ACCURACY, METRIC_AUX,
    METRIC_Z, METRIC_ENTROPY, METRIC_DROPPED, METRIC_DROPPED_FRACTION, METRIC_IMBALANCE, METRIC_COUNT
};

EXPORT int mb_wasm_trainer_metric_count(void) { return METRIC_COUNT; }

/* Runs one epoch and writes METRIC_COUNT + 2 N values to out. */
EXPORT int mb_wasm_trainer_epoch(mb_trainer *trainer, double *out)
{
    if (trainer == NULL || out == NULL)
        return MB_ERR_NULL_POINTER;
    mb_trainer_metrics m;
    mb_status status = mb_trainer_epoch(trainer, &m);
    if (status != MB_OK)
        return status;
    int n = mb_moe_get_config(mb_trainer_model(trainer))->experts;
    out[METRIC_EPOCH] = m.epoch;
    out[METRIC_TRAIN_LOSS] = m.train_loss;
    out[METRIC_TRAIN_ACCURACY] = m.train_accuracy;
    out[METRIC_TEST_LOSS] = m.test_loss;
    out[METRIC_TEST_ACCURACY] = m.test_accuracy;
    out[METRIC_AUX] = m.aux_loss;
    out[METRIC_Z] = m.z_loss;
    out[METRIC_ENTROPY] = m.router_entropy;
    out[METRIC_DROPPED] = (double)m.dropped;
    out[METRIC_DROPPED_FRACTION] = m.dropped_fraction;
    out[METRIC_IMBALANCE] = m.imbalance;
    for (int i = 0; i < n; i++) {
        out[METRIC_COUNT + i] = m.loads[i];
        out[METRIC_COUNT + n + i] = m.test_loads[i];
    }
    return MB_OK;
}

EXPORT int mb_wasm_trainer_epochs_done(const mb_trainer *t) { return mb_trainer_epochs_done(t); }
EXPORT int mb_wasm_trainer_test_count(const mb_trainer *t) { return mb_trainer_test_count(t); }
EXPORT const int *mb_wasm_trainer_routing_matrix(const mb_trainer *t) { return mb_trainer_routing_matrix(t); }
EXPORT const int *mb_wasm_trainer_confusion(const mb_trainer *t) { return mb_trainer_confusion(t); }
EXPORT const int *mb_wasm_trainer_test_experts(const mb_trainer *t) { return mb_trainer_test_experts(t); }
EXPORT const int32_t *mb_wasm_trainer_test_predictions(const mb_trainer *t) { return mb_trainer_test_predictions(t); }
EXPORT const float *mb_wasm_trainer_balance_bias(mb_trainer *t) { return mb_moe_balance_bias(mb_trainer_model(t)); }
EXPORT void mb_wasm_trainer_free(mb_trainer *trainer) { mb_trainer_free(trainer); }

EXPORT double mb_wasm_mean_field_imbalance(double K) { return mb_trainer_mean_field_imbalance(K); }

EXPORT double mb_wasm_effective_feedback(double imbalance) { return mb_trainer_effective_feedback(imbalance); }

/* Writes the fitted gain, the rms residual in log K_eff and the number of
 * settings used to out[0..2]. */
EXPORT int mb_wasm_fit_gain(const double *x, const double *imbalance, int count, double *out)
{
    if (out == NULL)
        return MB_ERR_NULL_POINTER;
    int used = 0;
    mb_status status = mb_trainer_fit_gain(x, imbalance, count, &out[0], &out[1], &used);
    out[2] = used;
    return status;
}
