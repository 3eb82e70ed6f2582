/* moe-bif simulate: an ensemble of the discrete router, summarised as JSON,
 * or its recorded time series as CSV. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mb_equilibria.h"
#include "../mb_router.h"
#include "commands.h"
#include "json.h"
#include "options.h"

#define COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))

static void write_array(json_writer *json, const double *values, int count)
{
    json_array_begin(json);
    for (int i = 0; i < count; i++)
        json_number(json, values[i]);
    json_array_end(json);
}

/* Writes one CSV row per recorded window: the ensemble's score loads and
 * window loads, the quantiles of m (or of the largest load), mean |m| for
 * N = 2, and the score loads and window loads of each traced replica. */
static void write_csv(const mb_router *router, int experts)
{
    int traced = mb_router_traced(router);
    const double *traces = mb_router_record_traces(router);
    const double *trace_window = mb_router_record_trace_window_loads(router);
    int records = mb_router_record_count(router);
    const double *tau = mb_router_record_tau(router);
    const double *loads = mb_router_record_mean_loads(router);
    const double *window = mb_router_record_mean_window_loads(router);
    const double *quantiles = mb_router_record_quantiles(router);
    const double *abs_m = mb_router_record_mean_abs_m(router);
    printf("tau");
    for (int i = 1; i <= experts; i++)
        printf(",score_load_%d", i);
    for (int i = 1; i <= experts; i++)
        printf(",window_load_%d", i);
    printf(",q05,q25,q50,q75,q95%s", experts == 2 ? ",mean_abs_m" : "");
    for (int k = 1; k <= traced; k++) {
        for (int i = 1; i <= experts; i++)
            printf(",replica_%d_score_load_%d", k, i);
        for (int i = 1; i <= experts; i++)
            printf(",replica_%d_window_load_%d", k, i);
    }
    printf("\n");
    for (int w = 0; w < records; w++) {
        printf("%.10g", tau[w]);
        for (int i = 0; i < experts; i++)
            printf(",%.10g", loads[(long)w * experts + i]);
        for (int i = 0; i < experts; i++)
            printf(",%.10g", window[(long)w * experts + i]);
        for (int q = 0; q < MB_ROUTER_QUANTILES; q++)
            printf(",%.10g", quantiles[(long)w * MB_ROUTER_QUANTILES + q]);
        if (experts == 2)
            printf(",%.10g", abs_m[w]);
        for (int k = 0; k < traced; k++) {
            long base = ((long)w * traced + k) * experts;
            for (int i = 0; i < experts; i++)
                printf(",%.10g", traces[base + i]);
            for (int i = 0; i < experts; i++)
                printf(",%.10g", trace_window[base + i]);
        }
        printf("\n");
    }
}

/* Finds the mean-field equilibria of a two-expert run; returns their number,
 * 0 when there is no mean field. */
static int mean_field_equilibria(const mb_router_config *config, mb_equilibrium *equilibria)
{
    if (config->experts != 2)
        return 0;
    double K, H;
    mb_router_mean_field(config, &K, &H);
    mb_model model;
    if (mb_model_init(&model, config->mode == MB_ROUTE_NOISY_TOP1 ? MB_LINK_ERF : MB_LINK_TANH, K, H, NULL) != MB_OK)
        return 0;
    int count = 0;
    if (mb_equilibria_find(&model, equilibria, &count) != MB_OK)
        return 0;
    return count;
}

/* Half the |m| of the nearer stable state when the mean field is bistable:
 * the default line between "collapsed to one side" and "in between". */
static double default_threshold(const mb_router_config *config)
{
    mb_equilibrium equilibria[MB_EQUILIBRIA_MAX];
    if (mean_field_equilibria(config, equilibria) != 3)
        return 0.0;
    return 0.5 * fmin(fabs(equilibria[0].m), fabs(equilibria[2].m));
}

/* Ten relaxation times 1/|F'(m*)| of the slower stable state: by then a
 * replica that started between the states has settled into one. */
static double default_switch_after(const mb_router_config *config)
{
    mb_equilibrium equilibria[MB_EQUILIBRIA_MAX];
    if (mean_field_equilibria(config, equilibria) != 3)
        return 0.0;
    double slowest = fmin(fabs(equilibria[0].eigenvalue), fabs(equilibria[2].eigenvalue));
    return slowest > 0.0 ? fmin(10.0 / slowest, 1e7) : 0.0;
}

int run_simulate(int argc, char **argv)
{
    static const char *const command = "simulate";
    static const char *const summary =
        "Runs an ensemble of independent replicas of the discrete router: each step routes one\n"
        "token with p = softmax(beta*s + h) by the given mode and updates\n"
        "s_i <- (1 - eta*lambda)*s_i + eta*[i selected]. Prints a JSON summary with the\n"
        "mean-field K and H, the final loads, the imbalance histogram and switching\n"
        "statistics, or with --csv the recorded time series.";
    const option_spec specs[] = {
        {"N", OPTION_INTEGER, MB_PARAM_EXPERTS, "2", NULL, "Number of experts."},
        {"beta", OPTION_NUMBER, MB_PARAM_BETA, NULL, NULL, "Router sharpness (inverse temperature)."},
        {"eta", OPTION_NUMBER, MB_PARAM_ETA, NULL, NULL, "Score increment of the selected expert; eta*lambda must lie in [1e-5, 1)."},
        {"lambda", OPTION_NUMBER, MB_PARAM_LAMBDA, "1", NULL, "Decay rate of every score."},
        {"h", OPTION_TEXT, -1, "0", NULL, "Bias per expert, comma-separated, N values (or one value for all)."},
        {"sigma", OPTION_NUMBER, MB_PARAM_SIGMA, "1", NULL, "Logit noise of noisy-top1."},
        {"mode", OPTION_CHOICE, -1, "sample", "sample|gumbel-top1|noisy-top1", "Routing mode."},
        {"replicas", OPTION_INTEGER, MB_PARAM_REPLICAS, "1000", NULL, "Independent replicas."},
        {"steps", OPTION_INTEGER, MB_PARAM_STEPS, NULL, NULL, "Steps (tokens) per replica."},
        {"seed", OPTION_INTEGER, MB_PARAM_SEED, "1", NULL, "Seed of the counter-based generator."},
        {"m0", OPTION_NUMBER, MB_PARAM_M0, OPTION_OPTIONAL, NULL, "Initial imbalance for N = 2 (default: balanced scores 1/(N*lambda))."},
        {"record-every", OPTION_INTEGER, MB_PARAM_RECORD_EVERY, OPTION_OPTIONAL, NULL, "Steps per recorded window (default: steps/1000, at least 1)."},
        {"bins", OPTION_INTEGER, MB_PARAM_BINS, "40", NULL, "Histogram bins of m on [-1, 1] (N = 2) or of max_i x_i on [0, 1]."},
        {"traced", OPTION_INTEGER, MB_PARAM_TRACED, "0", NULL, "Replicas (the first ones) whose loads --csv also prints, up to 8."},
        {"histogram-at", OPTION_TEXT, -1, OPTION_OPTIONAL, NULL, "Times tau, comma-separated, at which to take extra histograms (up to 64)."},
        {"threshold", OPTION_NUMBER, MB_PARAM_THRESHOLD, OPTION_OPTIONAL, NULL, "|m| that marks a collapsed state for switching (default: half the mean-field |m*|, N = 2)."},
        {"switch-after", OPTION_NUMBER, MB_PARAM_SWITCH_AFTER, OPTION_OPTIONAL, NULL, "Time tau before which switches are not counted (default: 10 relaxation times of the slower stable state)."},
        {"scalar", OPTION_FLAG, -1, OPTION_OPTIONAL, NULL, "Use the scalar kernel instead of the 4-lane one (same results)."},
        {"csv", OPTION_FLAG, -1, OPTION_OPTIONAL, NULL, "Print the recorded time series as CSV instead of JSON."},
    };
    enum { N_, BETA, ETA, LAMBDA, BIAS, SIGMA, MODE, REPLICAS, STEPS, SEED, M0, RECORD, BINS, TRACED, HISTOGRAM_AT,
           THRESHOLD, SWITCH_AFTER, SCALAR, CSV };
    option_value values[COUNT(specs)];
    parse_result parsed = options_parse(command, summary, specs, COUNT(specs), argc, argv, values);
    if (parsed != PARSE_OK)
        return parsed == PARSE_HELP ? EXIT_SUCCESS : 2;

    int experts = (int)values[N_].number;
    double bias[MB_ROUTER_MAX_EXPERTS];
    int bias_count = options_parse_list(command, "h", values[BIAS].text, bias, MB_ROUTER_MAX_EXPERTS);
    if (bias_count < 0)
        return 2;
    if (bias_count == 1) {
        for (int i = 1; i < experts; i++)
            bias[i] = bias[0];
        bias_count = experts;
    }
    if (bias_count != experts) {
        fprintf(stderr, "moe-bif %s: invalid value for --h: %d values given, but --N %d needs %d (or one for all)\n",
                command, bias_count, experts, experts);
        return 2;
    }

    mb_router_config config;
    memset(&config, 0, sizeof config);
    config.experts = experts;
    mb_route_mode_parse(values[MODE].text, &config.mode);
    config.beta = values[BETA].number;
    config.eta = values[ETA].number;
    config.lambda = values[LAMBDA].number;
    config.sigma = values[SIGMA].number;
    config.bias = bias;
    config.bias_count = bias_count;
    config.replicas = (int)values[REPLICAS].number;
    config.steps = (long)values[STEPS].number;
    config.seed = (uint64_t)values[SEED].number;
    config.traced = (int)values[TRACED].number;
    if (config.traced > config.replicas) {
        fprintf(stderr, "moe-bif %s: invalid value for --traced: %d is more than --replicas %d\n", command,
                config.traced, config.replicas);
        return 2;
    }
    config.vector = !values[SCALAR].present;
    config.record_every = values[RECORD].present ? (long)values[RECORD].number
                                                 : (config.steps + 999) / 1000;
    double initial[2];
    if (values[M0].present) {
        if (experts != 2) {
            fprintf(stderr, "moe-bif %s: --m0 needs --N 2\n", command);
            return 2;
        }
        initial[0] = (1.0 + values[M0].number) / (2.0 * config.lambda);
        initial[1] = (1.0 - values[M0].number) / (2.0 * config.lambda);
        config.initial_scores = initial;
    }
    config.switch_threshold = values[THRESHOLD].present ? values[THRESHOLD].number : default_threshold(&config);
    config.switch_after = values[SWITCH_AFTER].present ? values[SWITCH_AFTER].number : default_switch_after(&config);
    if (config.record_every > config.steps) {
        fprintf(stderr, "moe-bif %s: invalid value for --record-every: %ld is more than --steps %ld\n", command,
                config.record_every, config.steps);
        return 2;
    }

    mb_router *router = NULL;
    mb_param bad = MB_PARAM_COUNT;
    mb_status status = mb_router_create(&config, &router, &bad);
    if (status == MB_ERR_OUT_OF_RANGE) {
        double value = bad == MB_PARAM_EPSILON ? config.eta * config.lambda : NAN;
        const mb_param_info_t *info = mb_param_info(bad);
        if (bad == MB_PARAM_EPSILON) {
            char range[96];
            options_format_range(range, sizeof range, bad);
            fprintf(stderr, "moe-bif %s: invalid --eta and --lambda: eta*lambda = %.17g is out of range; "
                            "it must be in %s\n", command, value, range);
        } else if (bad == MB_PARAM_RECORD_EVERY) {
            fprintf(stderr, "moe-bif %s: invalid value for --record-every: %ld would record %ld windows; "
                            "at most %d are kept, so use at least %ld\n", command, config.record_every,
                    config.steps / config.record_every, MB_ROUTER_MAX_RECORDS,
                    (config.steps + MB_ROUTER_MAX_RECORDS - 1) / MB_ROUTER_MAX_RECORDS);
        } else if (bad == MB_PARAM_STEPS) {
            /* %.0f, because rounding to a few digits can print the limit itself. */
            fprintf(stderr, "moe-bif %s: the run is too long: replicas * steps * N = %.0f exceeds %.0f; "
                            "reduce --replicas or --steps\n", command,
                    (double)config.replicas * config.steps * config.experts, MB_ROUTER_MAX_WORK);
        } else if (bad == MB_PARAM_BIAS) {
            for (int i = 0; i < experts; i++) {
                if (mb_param_check(MB_PARAM_BIAS, bias[i]) != MB_OK) {
                    options_report_range(command, "h", bias[i], MB_PARAM_BIAS);
                    break;
                }
            }
        } else {
            fprintf(stderr, "moe-bif %s: invalid parameter %s\n", command, info != NULL ? info->name : "?");
        }
        return 2;
    }
    if (status == MB_ERR_MEMORY_LIMIT) {
        fprintf(stderr, "moe-bif %s: the run would need %.0f MiB, more than the limit of %.0f MiB; "
                        "reduce --replicas, --N or the number of recorded windows\n", command,
                mb_router_memory_estimate(&config) / 1048576.0, MB_ROUTER_MEMORY_LIMIT / 1048576.0);
        return 2;
    }
    if (status != MB_OK) {
        fprintf(stderr, "moe-bif %s: failed to start the run: %s\n", command, mb_status_string(status));
        return 1;
    }
    /* Extra histograms: the run advances to each requested time in turn. */
    enum { MAX_SNAPSHOTS = 64 };
    double snapshot_tau[MAX_SNAPSHOTS];
    int snapshot_count = 0;
    int bins = (int)values[BINS].number;
    double epsilon = config.eta * config.lambda;
    double tau_end = epsilon * (double)config.steps;
    if (values[HISTOGRAM_AT].present) {
        snapshot_count = options_parse_list(command, "histogram-at", values[HISTOGRAM_AT].text, snapshot_tau, MAX_SNAPSHOTS);
        if (snapshot_count < 0) {
            mb_router_free(router);
            return 2;
        }
        for (int k = 0; k < snapshot_count; k++) {
            if (!(snapshot_tau[k] >= 0.0 && snapshot_tau[k] <= tau_end) || (k > 0 && snapshot_tau[k] < snapshot_tau[k - 1])) {
                fprintf(stderr, "moe-bif %s: invalid value for --histogram-at: %.17g; times must increase and lie "
                                "in [0, %.17g], the run's end (eta*lambda*steps)\n", command, snapshot_tau[k], tau_end);
                mb_router_free(router);
                return 2;
            }
        }
    }
    double *snapshots = calloc((size_t)(snapshot_count > 0 ? snapshot_count : 1) * bins, sizeof(double));
    if (snapshots == NULL) {
        mb_router_free(router);
        fprintf(stderr, "moe-bif %s: out of memory\n", command);
        return 1;
    }
    double low = experts == 2 ? -1.0 : 0.0;
    for (int k = 0; k < snapshot_count && status == MB_OK; k++) {
        long target = (long)llround(snapshot_tau[k] / epsilon);
        if (target > mb_router_steps_done(router))
            status = mb_router_advance(router, target - mb_router_steps_done(router));
        snapshot_tau[k] = epsilon * (double)mb_router_steps_done(router);
        mb_router_histogram(router, bins, low, 1.0, snapshots + (long)k * bins);
    }
    if (status == MB_OK && mb_router_steps_done(router) < config.steps)
        status = mb_router_advance(router, config.steps - mb_router_steps_done(router));
    if (status != MB_OK) {
        fprintf(stderr, "moe-bif %s: the run failed: %s\n", command, mb_status_string(status));
        free(snapshots);
        mb_router_free(router);
        return 1;
    }

    if (values[CSV].present) {
        write_csv(router, experts);
        free(snapshots);
        mb_router_free(router);
        return EXIT_SUCCESS;
    }

    double *histogram = malloc((size_t)bins * sizeof *histogram);
    if (histogram == NULL) {
        free(snapshots);
        mb_router_free(router);
        fprintf(stderr, "moe-bif %s: out of memory\n", command);
        return 1;
    }
    mb_router_histogram(router, bins, low, 1.0, histogram);
    double K, H;
    mb_router_mean_field(&config, &K, &H);
    long events = 0;
    double exposure = 0.0;
    double waiting = NAN;
    mb_router_switching(router, &events, &exposure, &waiting);
    int records = mb_router_record_count(router);

    json_writer json;
    json_begin(&json, stdout);
    json_object_begin(&json);
    json_key(&json, "N");
    json_integer(&json, experts);
    json_key(&json, "mode");
    json_string(&json, mb_route_mode_name(config.mode));
    json_key(&json, "beta");
    json_number(&json, config.beta);
    json_key(&json, "eta");
    json_number(&json, config.eta);
    json_key(&json, "lambda");
    json_number(&json, config.lambda);
    json_key(&json, "sigma");
    json_number(&json, config.sigma);
    json_key(&json, "h");
    write_array(&json, bias, experts);
    json_key(&json, "replicas");
    json_integer(&json, config.replicas);
    json_key(&json, "steps");
    json_integer(&json, config.steps);
    json_key(&json, "seed");
    json_integer(&json, (long)config.seed);
    json_key(&json, "K");
    json_number(&json, K);
    json_key(&json, "H");
    json_number(&json, H);
    json_key(&json, "epsilon");
    json_number(&json, config.eta * config.lambda);
    json_key(&json, "tau_end");
    json_number(&json, config.eta * config.lambda * (double)config.steps);
    json_key(&json, "final_loads");
    write_array(&json, mb_router_record_mean_window_loads(router) + (long)(records - 1) * experts, experts);
    json_key(&json, "final_score_loads");
    write_array(&json, mb_router_record_mean_loads(router) + (long)(records - 1) * experts, experts);
    json_key(&json, "mean_abs_imbalance");
    json_number(&json, mb_router_record_mean_abs_m(router)[records - 1]);
    json_key(&json, "quantiles");
    write_array(&json, mb_router_record_quantiles(router) + (long)(records - 1) * MB_ROUTER_QUANTILES,
                MB_ROUTER_QUANTILES);
    json_key(&json, "histogram");
    json_object_begin(&json);
    json_key(&json, "variable");
    json_string(&json, experts == 2 ? "m" : "max_load");
    json_key(&json, "low");
    json_number(&json, low);
    json_key(&json, "high");
    json_number(&json, 1.0);
    json_key(&json, "counts");
    write_array(&json, histogram, bins);
    json_object_end(&json);
    json_key(&json, "histograms_at");
    json_array_begin(&json);
    for (int k = 0; k < snapshot_count; k++) {
        json_object_begin(&json);
        json_key(&json, "tau");
        json_number(&json, snapshot_tau[k]);
        json_key(&json, "counts");
        write_array(&json, snapshots + (long)k * bins, bins);
        json_object_end(&json);
    }
    json_array_end(&json);
    json_key(&json, "switching");
    json_object_begin(&json);
    json_key(&json, "threshold");
    json_number(&json, config.switch_threshold);
    json_key(&json, "after_tau");
    json_number(&json, config.switch_after);
    json_key(&json, "events");
    json_integer(&json, events);
    json_key(&json, "time_in_states");
    json_number(&json, exposure);
    json_key(&json, "mean_waiting_time");
    json_number(&json, waiting);
    json_object_end(&json);
    json_key(&json, "records");
    json_integer(&json, records);
    json_key(&json, "record_every");
    json_integer(&json, config.record_every);
    json_object_end(&json);
    json_end(&json);
    free(histogram);
    free(snapshots);
    mb_router_free(router);
    return EXIT_SUCCESS;
}
