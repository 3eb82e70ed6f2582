#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../../c/mb_fastmath.h"
#include "../../c/mb_equilibria.h"
#include "../../c/mb_field.h"
#include "../../c/mb_fokker_planck.h"
#include "../../c/mb_random.h"
#include "../../c/mb_router.h"
#include "../../c/mb_trajectory.h"
#include "check.h"

static mb_router_config base_config(int experts, mb_route_mode mode, int replicas, long steps)
{
    mb_router_config config;
    memset(&config, 0, sizeof config);
    config.experts = experts;
    config.mode = mode;
    config.beta = 1.6;
    config.eta = 0.02;
    config.lambda = 1.0;
    config.sigma = 0.8;
    config.replicas = replicas;
    config.steps = steps;
    config.record_every = steps;
    config.seed = 12345;
    config.vector = 1;
    return config;
}

static mb_router *create(const mb_router_config *config)
{
    mb_router *router = NULL;
    mb_param bad = MB_PARAM_COUNT;
    CHECK_INT(mb_router_create(config, &router, &bad), MB_OK);
    return router;
}

static float *final_scores(const mb_router_config *config, long chunk)
{
    mb_router *router = create(config);
    if (router == NULL)
        return NULL;
    for (long done = 0; done < config->steps; done += chunk)
        CHECK_INT(mb_router_advance(router, chunk), MB_OK);
    float *scores = malloc((size_t)config->replicas * config->experts * sizeof(float));
    CHECK_INT(mb_router_scores(router, scores, (long)config->replicas * config->experts), MB_OK);
    mb_router_free(router);
    return scores;
}

void test_router_fast_math(void)
{
    for (int i = 0; i <= 2000; i++) {
        float x = -126.0f + 126.0f * (float)i / 2000.0f;
        CHECK_CLOSE(mb_fast_exp2(x), exp2((double)x), 3e-7, 0.0);
        float fraction = -0.5f + (float)i / 2000.0f;
        CHECK_CLOSE(mb_fast_exp2(fraction), exp2((double)fraction), 2e-7, 0.0);
        float u = (float)(i + 1) / 2001.0f;
        CHECK_CLOSE(mb_fast_log(u), log((double)u), 0.0, 3e-7);
        float sine, cosine;
        mb_fast_sincos_turns(u * 0.9999f, &sine, &cosine);
        CHECK_CLOSE(sine, sin(2.0 * 3.14159265358979323846 * (double)(u * 0.9999f)), 0.0, 4e-7);
        CHECK_CLOSE(cosine, cos(2.0 * 3.14159265358979323846 * (double)(u * 0.9999f)), 0.0, 4e-7);
    }
    CHECK(mb_fast_exp2(-200.0f) == mb_fast_exp2(-126.0f));
    CHECK(mb_fast_exp2(-126.0f) > 0.0f);
    CHECK(mb_fast_exp2(0.0f) == 1.0f);
    CHECK(mb_fast_exp2(-0.0f) == 1.0f);
    CHECK(mb_fast_exp2(-3.0f) == 0.125f);
    /* The vector forms agree with the scalar ones bit for bit. */
    const mb_exp2_constants4 exp_constants = mb_exp2_constants4_make();
    for (int i = 0; i < 4000; i += 4) {
        float in[4], u[4], out[4], log_out[4], sine[4], cosine[4];
        for (int lane = 0; lane < 4; lane++) {
            in[lane] = -120.0f * (float)(i + lane) / 4000.0f;
            u[lane] = ((float)(i + lane) + 0.5f) / 4000.0f;
        }
        mb_f32x4_store(out, mb_fast_exp2_4(mb_f32x4_load(in), &exp_constants));
        mb_f32x4_store(log_out, mb_fast_log4(mb_f32x4_load(u)));
        mb_f32x4 s4, c4;
        mb_fast_sincos_turns4(mb_f32x4_load(u), &s4, &c4);
        mb_f32x4_store(sine, s4);
        mb_f32x4_store(cosine, c4);
        for (int lane = 0; lane < 4; lane++) {
            float s, c;
            mb_fast_sincos_turns(u[lane], &s, &c);
            CHECK(out[lane] == mb_fast_exp2(in[lane]));
            CHECK(log_out[lane] == mb_fast_log(u[lane]));
            CHECK(sine[lane] == s);
            CHECK(cosine[lane] == c);
        }
    }
}

void test_router_random_uniformity(void)
{
    /* Chi-square over 100 bins of 10^6 draws of one replica; the 99.9 %
     * quantile of chi-square with 99 degrees of freedom is 148.2. */
    uint32_t key1, key2;
    mb_random_keys(2026, 3, &key1, &key2);
    double bins[100] = {0};
    const int draws = 1000000;
    double lag_sum = 0.0;
    float previous = 0.5f;
    for (int k = 0; k < draws; k++) {
        float u = mb_random_uniform(key1, key2, (uint32_t)k);
        CHECK(u > 0.0f);
        CHECK(u < 1.0f);
        int bin = (int)((double)u * 100.0);
        bins[bin < 100 ? bin : 99] += 1.0;
        lag_sum += (u - 0.5) * (previous - 0.5);
        previous = u;
    }
    double chi_square = 0.0;
    for (int b = 0; b < 100; b++)
        chi_square += (bins[b] - draws / 100.0) * (bins[b] - draws / 100.0) / (draws / 100.0);
    CHECK(chi_square < 148.2);
    /* Lag-1 correlation: standard error 1/sqrt(draws) = 0.001. */
    CHECK(fabs(lag_sum / draws * 12.0) < 0.004);
    /* Neighbouring replicas and seeds give different streams. */
    uint32_t other1, other2;
    mb_random_keys(2026, 4, &other1, &other2);
    CHECK(mb_random_bits(key1, key2, 0) != mb_random_bits(other1, other2, 0));
    mb_random_keys(2027, 3, &other1, &other2);
    CHECK(mb_random_bits(key1, key2, 7) != mb_random_bits(other1, other2, 7));
}

void test_router_vector_matches_scalar(void)
{
    const int experts[] = {2, 3, 5, 8, 17};
    const int replicas[] = {1, 5, 13};
    for (int mode = 0; mode < MB_ROUTE_COUNT; mode++) {
        for (int e = 0; e < 5; e++) {
            for (int r = 0; r < 3; r++) {
                mb_router_config config = base_config(experts[e], (mb_route_mode)mode, replicas[r], 300);
                double bias[17];
                for (int i = 0; i < experts[e]; i++)
                    bias[i] = 0.1 * i - 0.3;
                config.bias = bias;
                config.bias_count = experts[e];
                config.beta = 3.0;
                float *vector = final_scores(&config, 300);
                config.vector = 0;
                float *scalar = final_scores(&config, 300);
                if (vector != NULL && scalar != NULL) {
                    int same = memcmp(vector, scalar, (size_t)replicas[r] * experts[e] * sizeof(float)) == 0;
                    CHECK(same);
                }
                free(vector);
                free(scalar);
            }
        }
    }
}

void test_router_chunks_do_not_matter(void)
{
    mb_router_config config = base_config(3, MB_ROUTE_GUMBEL_TOP1, 9, 1000);
    float *whole = final_scores(&config, 1000);
    float *pieces = final_scores(&config, 125);
    CHECK(memcmp(whole, pieces, 9 * 3 * sizeof(float)) == 0);
    config.seed = 12346;
    float *other = final_scores(&config, 1000);
    CHECK(memcmp(whole, other, 9 * 3 * sizeof(float)) != 0);
    free(whole);
    free(pieces);
    free(other);
}

/* Two-sample Kolmogorov-Smirnov statistic of sorted samples a and b. */
static double ks_statistic(const double *a, int na, const double *b, int nb)
{
    int i = 0, j = 0;
    double largest = 0.0;
    while (i < na && j < nb) {
        double value = a[i] < b[j] ? a[i] : b[j];
        while (i < na && a[i] <= value)
            i++;
        while (j < nb && b[j] <= value)
            j++;
        largest = fmax(largest, fabs((double)i / na - (double)j / nb));
    }
    return largest;
}

static int compare_doubles(const void *left, const void *right)
{
    double a = *(const double *)left, b = *(const double *)right;
    return (a > b) - (a < b);
}

static double *final_m(mb_route_mode mode, uint64_t seed, int replicas)
{
    mb_router_config config = base_config(2, mode, replicas, 400);
    double bias[2] = {0.2, 0.0};
    config.bias = bias;
    config.bias_count = 2;
    config.beta = 1.2;
    config.eta = 0.05;
    config.seed = seed;
    float *scores = final_scores(&config, 400);
    double *m = malloc((size_t)replicas * sizeof(double));
    for (int r = 0; r < replicas; r++)
        m[r] = (double)scores[2 * r] - (double)scores[2 * r + 1];
    free(scores);
    qsort(m, (size_t)replicas, sizeof(double), compare_doubles);
    return m;
}

void test_router_sample_matches_gumbel(void)
{
    /* Gumbel-max has the law of softmax sampling, so the imbalance after 400
     * steps must pass a two-sample KS test. With 4000 replicas each, the
     * critical value at significance 0.001 is 1.95*sqrt(2/4000) = 0.0436. */
    const int replicas = 4000;
    double *sample = final_m(MB_ROUTE_SAMPLE, 11, replicas);
    double *gumbel = final_m(MB_ROUTE_GUMBEL_TOP1, 29, replicas);
    double statistic = ks_statistic(sample, replicas, gumbel, replicas);
    CHECK(statistic < 0.0436);
    /* The test has power: noisy-top1 with sigma 0.8 follows another law. */
    double *noisy = final_m(MB_ROUTE_NOISY_TOP1, 29, replicas);
    CHECK(ks_statistic(sample, replicas, noisy, replicas) > 0.0436);
    free(sample);
    free(gumbel);
    free(noisy);
}

/* |ensemble mean of m - mean-field m| at tau = 1, for step size eta. */
static double mean_field_error(mb_route_mode mode, double eta)
{
    const int replicas = 20000;
    const double m0 = -0.8;
    mb_router_config config = base_config(2, mode, replicas, (long)(1.0 / eta + 0.5));
    double bias[2] = {1.6, 0.0};
    double initial[2] = {(1.0 + m0) / 2.0, (1.0 - m0) / 2.0};
    config.bias = bias;
    config.bias_count = 2;
    config.initial_scores = initial;
    config.beta = 1.0;
    config.eta = eta;
    config.seed = 99;
    float *scores = final_scores(&config, config.steps);
    double sum = 0.0;
    for (int r = 0; r < replicas; r++)
        sum += (double)scores[2 * r] - (double)scores[2 * r + 1];
    free(scores);
    double K, H;
    mb_router_mean_field(&config, &K, &H);
    mb_model model;
    mb_model_init(&model, mode == MB_ROUTE_NOISY_TOP1 ? MB_LINK_ERF : MB_LINK_TANH, K, H, NULL);
    double tau[2], m[2];
    mb_trajectory_compute(&model, m0, 1.0, 2, 1e-10, 1e-12, tau, m, NULL, NULL);
    return fabs(sum / replicas - m[1]);
}

void test_router_approaches_mean_field(void)
{
    /* The ensemble mean follows m_{n+1} = (1 - eps) m_n + eps g(kappa m_n + H)
     * up to fluctuations of order eps, an Euler step of the mean-field ODE,
     * so its distance from the ODE solution shrinks like eps: a 4 times
     * smaller eta should give a 4 times smaller error (3 to 6.5 allows for
     * sampling noise of about 3e-4 with 20000 replicas). Both etas reach
     * tau = 1 in a whole number of steps. */
    for (int mode = 0; mode < MB_ROUTE_COUNT; mode++) {
        double coarse = mean_field_error((mb_route_mode)mode, 0.04);
        double fine = mean_field_error((mb_route_mode)mode, 0.01);
        printf("# %s: error %.5f at eta 0.04, %.5f at eta 0.01\n", mb_route_mode_name((mb_route_mode)mode),
               coarse, fine);
        CHECK(coarse < 0.02);
        CHECK(fine < coarse / 3.0);
        CHECK(fine > coarse / 6.5);
    }
}

/* Total variation distance between the router's histogram of m after a long
 * run and the Fokker-Planck cell probabilities on the same 40 bins, with the
 * theory's epsilon scaled by theory_scale (1 for the real comparison). */
static double stationary_distance(double beta, double h1, double eta, long steps, double theory_scale)
{
    const int replicas = 10000;
    const int bins = 40;
    mb_router_config config = base_config(2, MB_ROUTE_SAMPLE, replicas, steps);
    double bias[2] = {h1, 0.0};
    config.bias = bias;
    config.bias_count = 2;
    config.beta = beta;
    config.eta = eta;
    config.seed = 2024;
    mb_router *router = create(&config);
    CHECK_INT(mb_router_advance(router, steps), MB_OK);
    double counts[40];
    CHECK_INT(mb_router_histogram(router, bins, -1.0, 1.0, counts), MB_OK);
    mb_router_free(router);

    double K, H;
    mb_router_mean_field(&config, &K, &H);
    mb_model model;
    mb_model_init(&model, MB_LINK_TANH, K, H, NULL);
    double m[40], density[40];
    CHECK_INT(mb_fokker_planck_density(&model, theory_scale * eta * config.lambda, bins, m, density), MB_OK);
    double distance = 0.0;
    for (int b = 0; b < bins; b++)
        distance += 0.5 * fabs(counts[b] / replicas - density[b] * 2.0 / bins);
    return distance;
}

void test_router_stationary_histogram(void)
{
    /* Sampling noise alone gives a distance of about 0.02 with 10000
     * replicas and 40 bins; the diffusion approximation adds O(eps). The
     * bound 0.05 is met at eps = 0.01 and fails for a density with the wrong
     * variance (twice eps, checked below). */
    double balanced = stationary_distance(1.0, 0.2, 0.01, 3000, 1.0);  /* K = 0.5, H = 0.1, tau = 30 */
    double bistable = stationary_distance(3.0, 0.0, 0.01, 3000, 1.0);  /* K = 1.5, H = 0 */
    double wrong = stationary_distance(3.0, 0.0, 0.01, 3000, 2.0);
    printf("# stationary distance: %.4f balanced, %.4f bistable, %.4f against twice eps\n", balanced, bistable, wrong);
    CHECK(balanced < 0.05);
    CHECK(bistable < 0.05);
    CHECK(wrong > 0.05);
}

void test_router_switching_time(void)
{
    /* At K = 1.3, H = 0, eps = 0.05 the barrier is low and switches are
     * frequent: the mean waiting time between the collapsed states (|m|
     * above half of m*) must match the diffusion approximation's mean
     * first-passage time from minus to plus that threshold within 30 %. At higher barriers the router switches
     * faster than the diffusion predicts, because a jump process has a
     * different large-deviation exponent, so no such bound is set there. */
    mb_router_config config = base_config(2, MB_ROUTE_SAMPLE, 1000, 20000);
    config.beta = 2.6;
    config.eta = 0.05;
    config.record_every = 5;
    double K, H;
    mb_router_mean_field(&config, &K, &H);
    mb_model model;
    mb_model_init(&model, MB_LINK_TANH, K, H, NULL);
    mb_equilibrium equilibria[MB_EQUILIBRIA_MAX];
    int count = 0;
    mb_equilibria_find(&model, equilibria, &count);
    CHECK_INT(count, 3);
    config.switch_threshold = 0.5 * equilibria[2].m;
    config.switch_after = 10.0 / fabs(equilibria[2].eigenvalue);
    mb_router *router = create(&config);
    CHECK_INT(mb_router_advance(router, config.steps), MB_OK);
    long events;
    double exposure, waiting;
    CHECK_INT(mb_router_switching(router, &events, &exposure, &waiting), MB_OK);
    mb_router_free(router);
    double passage;
    CHECK_INT(mb_fokker_planck_passage_time(&model, 0.05, -config.switch_threshold, config.switch_threshold, &passage), MB_OK);
    printf("# switching: %ld events, mean waiting time %.1f, passage time %.1f\n", events, waiting, passage);
    CHECK(events > 1000);
    CHECK(waiting > 0.7 * passage);
    CHECK(waiting < 1.3 * passage);
}

void test_router_records_and_histogram(void)
{
    mb_router_config config = base_config(2, MB_ROUTE_SAMPLE, 101, 1000);
    config.record_every = 100;
    config.traced = 3;
    config.switch_threshold = 0.2;
    mb_router *router = create(&config);
    CHECK_INT(mb_router_advance(router, 650), MB_OK);
    CHECK_INT(mb_router_record_count(router), 6);
    CHECK_INT(mb_router_advance(router, 10000), MB_OK); /* clipped to the run */
    CHECK_INT(mb_router_steps_done(router), 1000);
    CHECK_INT(mb_router_record_count(router), 10);
    CHECK_INT(mb_router_advance(router, 1), MB_ERR_FINISHED);
    const double *tau = mb_router_record_tau(router);
    CHECK_CLOSE(tau[9], 1000 * 0.02, 1e-12, 0.0);
    const double *window_loads = mb_router_record_mean_window_loads(router);
    const double *loads = mb_router_record_mean_loads(router);
    const double *quantiles = mb_router_record_quantiles(router);
    for (int w = 0; w < 10; w++) {
        CHECK_CLOSE(window_loads[2 * w] + window_loads[2 * w + 1], 1.0, 1e-12, 0.0);
        CHECK_CLOSE(loads[2 * w] + loads[2 * w + 1], 1.0, 1e-3, 0.0);
        for (int q = 1; q < MB_ROUTER_QUANTILES; q++)
            CHECK(quantiles[w * MB_ROUTER_QUANTILES + q] >= quantiles[w * MB_ROUTER_QUANTILES + q - 1]);
    }
    double counts[20];
    CHECK_INT(mb_router_histogram(router, 20, -1.0, 1.0, counts), MB_OK);
    double total = 0.0;
    for (int b = 0; b < 20; b++)
        total += counts[b];
    CHECK_CLOSE(total, 101.0, 0.0, 0.0);
    /* Values far outside a tiny range land in the end bins, not in an
     * overflowed one. */
    CHECK_INT(mb_router_histogram(router, 4, -1e-12, 1e-12, counts), MB_OK);
    CHECK_CLOSE(counts[0] + counts[3], 101.0, 0.0, 0.0);
    long events;
    double exposure, wait;
    CHECK_INT(mb_router_switching(router, &events, &exposure, &wait), MB_OK);
    CHECK(events >= 0);
    CHECK(exposure >= 0.0);
    CHECK(exposure <= 101 * 20.0); /* at most every replica for the whole run */
    mb_router_free(router);
    mb_router_free(NULL);
}

void test_router_rejects_bad_parameters(void)
{
    const struct { const char *what; mb_param expected; } cases[] = {
        {"experts", MB_PARAM_EXPERTS}, {"beta", MB_PARAM_BETA}, {"eta", MB_PARAM_ETA},
        {"epsilon", MB_PARAM_EPSILON}, {"sigma", MB_PARAM_SIGMA}, {"replicas", MB_PARAM_REPLICAS},
        {"steps", MB_PARAM_STEPS}, {"bias", MB_PARAM_BIAS}, {"record", MB_PARAM_RECORD_EVERY},
    };
    for (int c = 0; c < 9; c++) {
        mb_router_config config = base_config(2, MB_ROUTE_NOISY_TOP1, 10, 100);
        double bias[2] = {0.0, 0.0};
        if (strcmp(cases[c].what, "experts") == 0) config.experts = 257;
        if (strcmp(cases[c].what, "beta") == 0) config.beta = NAN;
        if (strcmp(cases[c].what, "eta") == 0) config.eta = 1.0;
        if (strcmp(cases[c].what, "epsilon") == 0) config.lambda = 60.0; /* eta*lambda = 1.2 */
        if (strcmp(cases[c].what, "sigma") == 0) config.sigma = 0.0;
        if (strcmp(cases[c].what, "replicas") == 0) config.replicas = 100001;
        if (strcmp(cases[c].what, "steps") == 0) config.steps = 20000000;
        if (strcmp(cases[c].what, "bias") == 0) {
            bias[1] = INFINITY;
            config.bias = bias;
            config.bias_count = 2;
        }
        if (strcmp(cases[c].what, "record") == 0) config.record_every = 0;
        mb_router *router = (mb_router *)1;
        mb_param bad = MB_PARAM_COUNT;
        CHECK_INT(mb_router_create(&config, &router, &bad), MB_ERR_OUT_OF_RANGE);
        CHECK_INT(bad, cases[c].expected);
        CHECK(router == NULL);
    }
    mb_router_config config = base_config(3, MB_ROUTE_SAMPLE, 10, 100);
    double bias[2] = {0.0, 0.0};
    config.bias = bias;
    config.bias_count = 2;
    mb_router *router = NULL;
    CHECK_INT(mb_router_create(&config, &router, NULL), MB_ERR_LENGTH_MISMATCH);
    /* 256 experts x 100000 replicas x 8 bytes is over the memory limit. */
    config = base_config(256, MB_ROUTE_SAMPLE, 100000, 10);
    CHECK_INT(mb_router_create(&config, &router, NULL), MB_ERR_MEMORY_LIMIT);
    CHECK(mb_router_memory_estimate(&config) > MB_ROUTER_MEMORY_LIMIT);
    config = base_config(2, (mb_route_mode)7, 10, 100);
    CHECK_INT(mb_router_create(&config, &router, NULL), MB_ERR_INVALID_ENUM);
    CHECK_INT(mb_router_create(NULL, &router, NULL), MB_ERR_NULL_POINTER);
}
