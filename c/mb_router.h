/* The discrete router: N experts with scores s, one token per step.
 *
 *   p = softmax(beta*s + h)
 *   I = the selected expert, by mode:
 *       sample:      I ~ Categorical(p)
 *       gumbel-top1: I = argmax_i (beta*s_i + h_i + G_i), G_i standard Gumbel
 *       noisy-top1:  I = argmax_i (beta*s_i + h_i + sigma*Z_i), Z_i standard normal
 *   s_i <- (1 - eta*lambda)*s_i + eta*[i == I]
 *
 * An ensemble of R independent replicas advances in chunks of steps
 * (mb_router_advance), so a long run can report progress. Replicas run four
 * at a time in the vector kernel (WebAssembly SIMD128, or its plain-C
 * mapping natively) or one at a time in the scalar twin. Both give identical
 * results, and so do the native and WebAssembly builds, because scores are
 * float32, every random draw comes from the counter-based
 * generator of mb_random.h, and exp, log, sin and cos come from
 * mb_fastmath.h.
 *
 * Recorded every record_every steps, at tau = lambda*eta*step:
 *   - the ensemble mean of the score-based loads x_i = lambda*s_i (they sum
 *     to 1 at the fixed point of sum(s), and x_1 - x_2 = m for N = 2);
 *   - the ensemble mean of the window loads: the fraction of the window's
 *     tokens that each expert received;
 *   - quantiles 5, 25, 50, 75, 95 % over replicas of m (N = 2) or of max_i x_i;
 *   - x and the window loads of the first `traced` replicas.
 * For N = 2 it also counts switches between the collapsed states m > threshold
 * and m < -threshold, checked at each record. Only switches after tau =
 * switch_after count, which leaves out the start-up transient. The mean
 * waiting time is the time replicas spent in a collapsed state after
 * switch_after, finished stays and unfinished ones alike, divided by the
 * number of switches. That is the maximum-likelihood estimate for
 * exponential waiting times, so it is comparable with the Kramers time even
 * when few stays end within the run.
 *
 * Accepted approximation: float32 scores resolve an increment eta next to
 * scores of order 1/lambda only while eta*lambda >= 1e-5 (rounding below 1 %
 * of an increment), hence that lower limit on eta*lambda.
 */
#ifndef MB_ROUTER_H
#define MB_ROUTER_H

#include <stdint.h>

#include "mb_params.h"
#include "mb_status.h"

#define MB_ROUTER_MAX_EXPERTS 256
#define MB_ROUTER_MAX_REPLICAS 100000
#define MB_ROUTER_MAX_STEPS 10000000L
#define MB_ROUTER_MAX_WORK 4e10           /* replicas * steps * experts of one run */
#define MB_ROUTER_MAX_RECORDS 20000
#define MB_ROUTER_MAX_TRACED 8
#define MB_ROUTER_MEMORY_LIMIT (128.0 * 1024 * 1024) /* bytes of state and records */
#define MB_ROUTER_QUANTILES 5

typedef enum {
    MB_ROUTE_SAMPLE = 0,
    MB_ROUTE_GUMBEL_TOP1 = 1,
    MB_ROUTE_NOISY_TOP1 = 2,
    MB_ROUTE_COUNT = 3
} mb_route_mode;

typedef struct {
    int experts;                  /* N */
    mb_route_mode mode;
    double beta;
    double eta;
    double lambda;
    double sigma;                 /* noise of noisy-top1; ignored otherwise */
    const double *bias;           /* h, `experts` values, or NULL for zeros */
    int bias_count;               /* number of values in bias; must equal experts */
    const double *initial_scores; /* `experts` values, or NULL for 1/(N*lambda) each */
    int replicas;                 /* R */
    long steps;                   /* total steps the run may take */
    long record_every;            /* steps per recorded window */
    int traced;                   /* replicas whose traces are recorded, 0 .. 8 */
    double switch_threshold;      /* |m| that marks an asymmetric state (N = 2); 0 disables */
    double switch_after;          /* tau before which switches and stays are not counted */
    uint64_t seed;
    int vector;                   /* 1: the 4-lane kernel, 0: the scalar twin */
} mb_router_config;

typedef struct mb_router mb_router;

/* Validates config and allocates a run. On MB_ERR_OUT_OF_RANGE, *bad_param
 * names the parameter; MB_ERR_LENGTH_MISMATCH means bias_count != experts;
 * MB_ERR_MEMORY_LIMIT means the run would need more than
 * MB_ROUTER_MEMORY_LIMIT bytes (mb_router_memory_estimate returns how many). */
mb_status mb_router_create(const mb_router_config *config, mb_router **out, mb_param *bad_param);

/* Returns the bytes of state and records that config needs. */
double mb_router_memory_estimate(const mb_router_config *config);

/* Advances every replica by up to `steps` steps (fewer at the end of the
 * run), recording each completed window. */
mb_status mb_router_advance(mb_router *router, long steps);

/* Replaces the bias h (experts values) or beta from the next step on, for
 * sweeps such as the hysteresis experiment. */
mb_status mb_router_set_bias(mb_router *router, const double *bias, int count);
mb_status mb_router_set_beta(mb_router *router, double beta);

long mb_router_steps_done(const mb_router *router);
int mb_router_record_count(const mb_router *router);
int mb_router_experts(const mb_router *router);
int mb_router_traced(const mb_router *router);

/* Record arrays, each valid until the next call that advances the run:
 * tau[record_count]; mean_loads and mean_window_loads [record_count][experts];
 * quantiles [record_count][5]; mean_abs_m [record_count] (N = 2, else NaN);
 * traces and trace_window_loads [record_count][traced][experts]. */
const double *mb_router_record_tau(const mb_router *router);
const double *mb_router_record_mean_loads(const mb_router *router);
const double *mb_router_record_mean_window_loads(const mb_router *router);
const double *mb_router_record_quantiles(const mb_router *router);
const double *mb_router_record_mean_abs_m(const mb_router *router);
const double *mb_router_record_traces(const mb_router *router);
const double *mb_router_record_trace_window_loads(const mb_router *router);

/* Histogram of the current m (N = 2) or max_i x_i (N > 2) over replicas, in
 * `bins` equal bins on [low, high]; values outside are clamped into the end
 * bins. counts receives `bins` values. */
mb_status mb_router_histogram(const mb_router *router, int bins, double low, double high, double *counts);

/* Copies the current scores of every replica, replica-major: out[r*N + i]. */
mb_status mb_router_scores(const mb_router *router, float *out, long capacity);

/* Switching statistics (N = 2): switches counted so far, the total time in
 * tau that replicas spent in a collapsed state (summed over replicas), and
 * the mean waiting time, their ratio (NaN before the first switch). */
mb_status mb_router_switching(const mb_router *router, long *events, double *exposure,
                              double *mean_waiting_time);

/* The mean-field parameters of the run: for N = 2, K and H of the two-expert
 * model (tanh for sample and gumbel-top1, erf for noisy-top1); for N > 2,
 * K = beta/(N*lambda) for sample and gumbel-top1 and NaN for noisy-top1,
 * which has no N-expert mean field here, and H = NaN. */
void mb_router_mean_field(const mb_router_config *config, double *K, double *H);

void mb_router_free(mb_router *router);

const char *mb_route_mode_name(mb_route_mode mode);
mb_status mb_route_mode_parse(const char *name, mb_route_mode *mode);

/* The two kernels, exposed for the tests. Each advances replicas
 * [first, first + count) by `steps` steps from step number first_step.
 * scores and counts are expert-major with `stride` values per expert;
 * the vector kernel needs first and count to be multiples of 4. */
typedef struct {
    int experts;
    mb_route_mode mode;
    float beta;
    float eta;
    float decay; /* 1 - eta*lambda */
    float sigma;
    const float *bias;
    /* beta and bias times log2(e): sample mode's logits in base 2, so its
     * softmax weights are 2^(l_i - max l) */
    float beta_log2e;
    const float *bias_log2e;
    int stride;
} mb_router_kernel_params;

void mb_router_kernel_vector(const mb_router_kernel_params *params, float *scores, uint32_t *counts,
                             const uint32_t *key1, const uint32_t *key2, int first, int count,
                             uint32_t first_step, long steps);
void mb_router_kernel_scalar(const mb_router_kernel_params *params, float *scores, uint32_t *counts,
                             const uint32_t *key1, const uint32_t *key2, int first, int count,
                             uint32_t first_step, long steps);

#endif
