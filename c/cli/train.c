/* moe-bif train and moe-bif sweep: the trainable MoE on digits or on the
 * synthetic task, and the symmetry-breaking sweep over beta and seeds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mb_dataset.h"
#include "../mb_trainer.h"
#include "commands.h"
#include "json.h"
#include "options.h"

#define COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))
#define EXIT_USAGE 2
#define EXIT_COMPUTATION 1
#define DIGITS_INPUTS 64
#define DIGITS_CLASSES 10
#define DIGITS_MAX_VALUE 16.0
#define MAX_SWEEP_VALUES 64

/* Options shared by train and sweep; each command appends its own. */
#define MODEL_OPTIONS                                                                                           \
    {"task", OPTION_CHOICE, -1, "digits", "digits|synthetic", "Data: the 8x8 digits, or the synthetic task every expert can solve alone."}, \
    {"data", OPTION_TEXT, -1, OPTION_OPTIONAL, NULL, "Digits CSV (default: build/data/digits.csv beside this tool)."}, \
    {"preprocess", OPTION_CHOICE, -1, "scale", "scale|standardise", "Digits inputs: pixels/16 in [0, 1], or centred and scaled per pixel."}, \
    {"test-fraction", OPTION_NUMBER, MB_PARAM_TEST_FRACTION, "0.25", NULL, "Share of each class held out for testing."}, \
    {"examples", OPTION_INTEGER, MB_PARAM_EXAMPLES, "2000", NULL, "Examples of the synthetic task."}, \
    {"inputs", OPTION_INTEGER, MB_PARAM_INPUTS, "8", NULL, "Inputs of the synthetic task."}, \
    {"classes", OPTION_INTEGER, MB_PARAM_CLASSES, "4", NULL, "Classes of the synthetic task."}, \
    {"experts", OPTION_INTEGER, MB_PARAM_MOE_EXPERTS, "2", NULL, "Number of experts N."}, \
    {"expert-hidden", OPTION_INTEGER, MB_PARAM_EXPERT_HIDDEN, OPTION_OPTIONAL, NULL, "Hidden ReLU units per expert, 0 for linear experts (default: 32 on digits, 0 on synthetic)."}, \
    {"routing", OPTION_CHOICE, -1, "top1", "dense|top1|topk|sample", "Routing mode."}, \
    {"k", OPTION_INTEGER, MB_PARAM_TOP_K, "2", NULL, "Experts per token of topk routing."}, \
    {"loss", OPTION_CHOICE, -1, "cross-entropy", "cross-entropy|squared-error", "Task loss."}, \
    {"optimizer", OPTION_CHOICE, -1, "adam", "adam|sgd", "Optimiser."}, \
    {"learning-rate", OPTION_NUMBER, MB_PARAM_LEARNING_RATE, OPTION_OPTIONAL, NULL, "Learning rate (default: 0.003 on digits, 0.01 on synthetic)."}, \
    {"momentum", OPTION_NUMBER, MB_PARAM_MOMENTUM, "0.9", NULL, "Momentum of SGD."}, \
    {"aux-loss", OPTION_NUMBER, MB_PARAM_AUX_WEIGHT, "0", NULL, "Weight alpha of the auxiliary load-balancing loss."}, \
    {"z-loss", OPTION_NUMBER, MB_PARAM_Z_WEIGHT, "0", NULL, "Weight c_z of the router z-loss."}, \
    {"capacity-factor", OPTION_NUMBER, MB_PARAM_CAPACITY, OPTION_OPTIONAL, NULL, "Capacity factor cf (default: no limit)."}, \
    {"balance-rate", OPTION_NUMBER, MB_PARAM_BALANCE_RATE, "0", NULL, "Step gamma of the loss-free balancing bias (0: off)."}, \
    {"router-decay", OPTION_NUMBER, MB_PARAM_ROUTER_DECAY, "0", NULL, "Weight decay lambda_r of the router weights."}, \
    {"batch", OPTION_INTEGER, MB_PARAM_BATCH, "32", NULL, "Tokens per batch."}, \
    {"epochs", OPTION_INTEGER, MB_PARAM_EPOCHS, OPTION_OPTIONAL, NULL, "Passes over the training set (default: 30 on digits, 20 on synthetic)."}, \
    {"scalar", OPTION_FLAG, -1, OPTION_OPTIONAL, NULL, "Use the reference kernels instead of the SIMD ones."}

enum { TASK, DATA, PREPROCESS, TEST_FRACTION, EXAMPLES, INPUTS, CLASSES, EXPERTS, HIDDEN, ROUTING, TOP_K, LOSS,
       OPTIMIZER, LEARNING_RATE, MOMENTUM, AUX, Z, CAPACITY, BALANCE, DECAY, BATCH, EPOCHS, SCALAR,
       MODEL_OPTION_COUNT };

static const char *const ROUTING_NAMES[] = {"dense", "top1", "topk", "sample"};

static int choice_index(const char *text, const char *choices)
{
    int index = 0;
    size_t length = strlen(text);
    for (const char *at = choices; *at != '\0'; index++) {
        const char *end = strchr(at, '|');
        size_t size = end != NULL ? (size_t)(end - at) : strlen(at);
        if (size == length && strncmp(at, text, size) == 0)
            return index;
        if (end == NULL)
            break;
        at = end + 1;
    }
    return -1;
}

/* Reads a whole file; NULL when it cannot. */
static char *read_file(const char *path, size_t *length)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    size_t capacity = 1 << 16, size = 0;
    char *text = malloc(capacity);
    while (text != NULL) {
        size_t got = fread(text + size, 1, capacity - size, file);
        size += got;
        if (size < capacity)
            break;
        char *grown = realloc(text, capacity * 2);
        if (grown == NULL) {
            free(text);
            text = NULL;
            break;
        }
        text = grown;
        capacity *= 2;
    }
    fclose(file);
    *length = size;
    return text;
}

/* The default digits path: ../data/digits.csv relative to this program. */
static void default_data_path(const char *program, char *path, size_t size)
{
    const char *slash = strrchr(program, '/');
    if (slash == NULL)
        snprintf(path, size, "build/data/digits.csv");
    else
        snprintf(path, size, "%.*s/../data/digits.csv", (int)(slash - program), program);
}

/* Loads the task's train and test sets. seed picks the split (digits) or the
 * draw (synthetic). Prints a message and returns an exit status on failure. */
static int load_task(const char *command, const char *program, const option_value *values, uint32_t seed,
                     mb_dataset *train, mb_dataset *test)
{
    int synthetic = strcmp(values[TASK].text, "synthetic") == 0;
    mb_dataset all;
    mb_status status;
    if (synthetic) {
        status = mb_dataset_synthetic((int)values[EXAMPLES].number, (int)values[INPUTS].number,
                                      (int)values[CLASSES].number, seed, &all);
    } else {
        char path[4096];
        if (values[DATA].present)
            snprintf(path, sizeof path, "%s", values[DATA].text);
        else
            default_data_path(program, path, sizeof path);
        size_t length = 0;
        char *text = read_file(path, &length);
        if (text == NULL) {
            fprintf(stderr, "moe-bif %s: cannot read the digits data '%s'; pass --data FILE with the CSV "
                            "(build.sh writes build/data/digits.csv from data/digits.csv.gz)\n", command, path);
            return EXIT_USAGE;
        }
        long line = 0;
        status = mb_dataset_parse(text, length, DIGITS_INPUTS, DIGITS_CLASSES, DIGITS_MAX_VALUE, &all, &line);
        free(text);
        if (status == MB_ERR_PARSE) {
            fprintf(stderr, "moe-bif %s: %s: line %ld is not %d pixel values in [0, 16] and a label 0-9\n",
                    command, path, line, DIGITS_INPUTS);
            return EXIT_USAGE;
        }
    }
    if (status == MB_OK)
        status = mb_dataset_split(&all, values[TEST_FRACTION].number, seed, train, test);
    mb_dataset_free(&all);
    if (status == MB_OK && !synthetic)
        status = mb_dataset_preprocess(train, test,
                                       strcmp(values[PREPROCESS].text, "scale") == 0 ? MB_PREPROCESS_SCALE
                                                                                     : MB_PREPROCESS_STANDARDISE,
                                       DIGITS_MAX_VALUE);
    if (status != MB_OK) {
        fprintf(stderr, "moe-bif %s: cannot prepare the data: %s\n", command, mb_status_string(status));
        return EXIT_COMPUTATION;
    }
    return EXIT_SUCCESS;
}

/* The value of an option whose default depends on the task. */
static double task_option(const option_value *values, int index, double digits, double synthetic)
{
    if (values[index].present)
        return values[index].number;
    return strcmp(values[TASK].text, "synthetic") == 0 ? synthetic : digits;
}

static void config_from_options(const option_value *values, const mb_dataset *train, double beta, uint32_t seed,
                                mb_moe_config *config)
{
    mb_moe_config_default(config, train->inputs, train->classes);
    config->experts = (int)values[EXPERTS].number;
    config->hidden = (int)task_option(values, HIDDEN, 32, 0);
    config->routing = (mb_moe_routing)choice_index(values[ROUTING].text, "dense|top1|topk|sample");
    config->top_k = (int)values[TOP_K].number;
    config->loss = strcmp(values[LOSS].text, "cross-entropy") == 0 ? MB_MOE_CROSS_ENTROPY : MB_MOE_SQUARED_ERROR;
    config->optimizer = strcmp(values[OPTIMIZER].text, "adam") == 0 ? MB_MOE_ADAM : MB_MOE_SGD;
    config->learning_rate = task_option(values, LEARNING_RATE, 0.003, 0.01);
    config->momentum = values[MOMENTUM].number;
    config->aux_weight = values[AUX].number;
    config->z_weight = values[Z].number;
    config->capacity_factor = values[CAPACITY].present ? values[CAPACITY].number : MB_MOE_NO_CAPACITY;
    config->balance_rate = values[BALANCE].number;
    config->router_decay = values[DECAY].number;
    config->batch = (int)values[BATCH].number;
    config->beta = beta;
    config->seed = seed;
    config->reference_kernels = values[SCALAR].present;
}

/* Reports a failed trainer creation; a range error names the option. */
static int report_create(const char *command, mb_status status, mb_param bad, const mb_moe_config *config)
{
    if (status == MB_ERR_OUT_OF_RANGE && bad == MB_PARAM_TOP_K && config->top_k > config->experts) {
        fprintf(stderr, "moe-bif %s: invalid value for --k: %d is more than the %d experts\n", command,
                config->top_k, config->experts);
        return EXIT_USAGE;
    }
    if (status == MB_ERR_OUT_OF_RANGE && bad == MB_PARAM_DECAY_PER_STEP) {
        options_report_range(command, "learning-rate*router-decay", config->learning_rate * config->router_decay,
                             bad);
        return EXIT_USAGE;
    }
    if (status == MB_ERR_MEMORY_LIMIT) {
        fprintf(stderr, "moe-bif %s: the model would take %.0f MiB, over the limit of %.0f MiB\n", command,
                mb_moe_memory_estimate(config) / 1048576.0, MB_MOE_MEMORY_LIMIT / 1048576.0);
        return EXIT_USAGE;
    }
    fprintf(stderr, "moe-bif %s: cannot create the model: %s\n", command, mb_status_string(status));
    return EXIT_COMPUTATION;
}

static void write_doubles(json_writer *json, const double *values, int count)
{
    json_array_begin(json);
    for (int i = 0; i < count; i++)
        json_number(json, values[i]);
    json_array_end(json);
}

static void write_ints(json_writer *json, const int *values, int count)
{
    json_array_begin(json);
    for (int i = 0; i < count; i++)
        json_integer(json, values[i]);
    json_array_end(json);
}

/* Notes on stderr each given option that the chosen settings do not use,
 * so that a typo in a command line does not pass unnoticed. */
static void note_unused_options(const char *command, const option_value *values)
{
    int synthetic = strcmp(values[TASK].text, "synthetic") == 0;
    const struct { int index; int unused; const char *reason; } checks[] = {
        {TOP_K, strcmp(values[ROUTING].text, "topk") != 0, "applies to --routing topk only"},
        {MOMENTUM, strcmp(values[OPTIMIZER].text, "sgd") != 0, "applies to --optimizer sgd only"},
        {DATA, synthetic, "applies to --task digits only"},
        {PREPROCESS, synthetic, "applies to --task digits only"},
        {EXAMPLES, !synthetic, "applies to --task synthetic only"},
        {INPUTS, !synthetic, "applies to --task synthetic only"},
        {CLASSES, !synthetic, "applies to --task synthetic only"},
    };
    static const char *const names[MODEL_OPTION_COUNT] = {
        [TOP_K] = "k", [MOMENTUM] = "momentum", [DATA] = "data", [PREPROCESS] = "preprocess",
        [EXAMPLES] = "examples", [INPUTS] = "inputs", [CLASSES] = "classes",
    };
    for (int i = 0; i < COUNT(checks); i++)
        if (values[checks[i].index].present && checks[i].unused)
            fprintf(stderr, "moe-bif %s: note: --%s %s and is ignored\n", command, names[checks[i].index],
                    checks[i].reason);
}

/* Writes every setting of a run, under the names of the options. */
static void write_settings(json_writer *json, const option_value *values, const mb_moe_config *config, int epochs)
{
    static const char *const loss_names[] = {"cross-entropy", "squared-error"};
    static const char *const optimizer_names[] = {"adam", "sgd"};
    json_object_begin(json);
    json_key(json, "task");
    json_string(json, values[TASK].text);
    json_key(json, "preprocess");
    json_string(json, values[PREPROCESS].text);
    json_key(json, "test_fraction");
    json_number(json, values[TEST_FRACTION].number);
    json_key(json, "inputs");
    json_integer(json, config->inputs);
    json_key(json, "classes");
    json_integer(json, config->classes);
    json_key(json, "experts");
    json_integer(json, config->experts);
    json_key(json, "expert_hidden");
    json_integer(json, config->hidden);
    json_key(json, "routing");
    json_string(json, ROUTING_NAMES[config->routing]);
    json_key(json, "k");
    json_integer(json, config->top_k);
    json_key(json, "beta");
    json_number(json, config->beta);
    json_key(json, "loss");
    json_string(json, loss_names[config->loss]);
    json_key(json, "optimizer");
    json_string(json, optimizer_names[config->optimizer]);
    const struct { const char *key; double value; } numbers[] = {
        {"learning_rate", config->learning_rate}, {"momentum", config->momentum}, {"aux_loss", config->aux_weight},
        {"z_loss", config->z_weight}, {"balance_rate", config->balance_rate}, {"router_decay", config->router_decay},
    };
    for (int i = 0; i < COUNT(numbers); i++) {
        json_key(json, numbers[i].key);
        json_number(json, numbers[i].value);
    }
    /* null: no capacity limit. */
    json_key(json, "capacity_factor");
    json_number(json, config->capacity_factor == MB_MOE_NO_CAPACITY ? NAN : config->capacity_factor);
    json_key(json, "batch");
    json_integer(json, config->batch);
    json_key(json, "epochs");
    json_integer(json, epochs);
    json_key(json, "seed");
    json_integer(json, (long)config->seed);
    json_object_end(json);
}

static void write_metrics(json_writer *json, const mb_trainer_metrics *m, int experts)
{
    json_object_begin(json);
    json_key(json, "epoch");
    json_integer(json, m->epoch);
    const struct { const char *key; double value; } fields[] = {
        {"train_loss", m->train_loss}, {"train_accuracy", m->train_accuracy}, {"test_loss", m->test_loss},
        {"test_accuracy", m->test_accuracy}, {"aux_loss", m->aux_loss}, {"z_loss", m->z_loss},
        {"router_entropy", m->router_entropy}, {"dropped_fraction", m->dropped_fraction},
        {"imbalance", m->imbalance},
    };
    for (int i = 0; i < COUNT(fields); i++) {
        json_key(json, fields[i].key);
        json_number(json, fields[i].value);
    }
    json_key(json, "dropped");
    json_integer(json, m->dropped);
    json_key(json, "loads");
    write_doubles(json, m->loads, experts);
    json_key(json, "test_loads");
    write_doubles(json, m->test_loads, experts);
    json_object_end(json);
}

static void write_matrix(json_writer *json, const int *values, int rows, int cols)
{
    json_array_begin(json);
    for (int r = 0; r < rows; r++)
        write_ints(json, values + (long)r * cols, cols);
    json_array_end(json);
}

int run_train(int argc, char **argv)
{
    static const char *const command = "train";
    static const char *const summary =
        "Trains a small Mixture-of-Experts, a linear router and N experts (docs/TRAINER.md),\n"
        "and prints JSON: the settings, an 'epochs' array of per-epoch metrics and a 'final'\n"
        "object with test accuracy, loads, the per-class routing matrix and the confusion\n"
        "matrix. A run whose loss stops being finite ends early with 'diverged' set to the\n"
        "epoch, keeping the epochs before it.";
    const option_spec specs[] = {
        MODEL_OPTIONS,
        {"beta", OPTION_NUMBER, MB_PARAM_BETA, "1", NULL, "Router inverse temperature."},
        {"seed", OPTION_INTEGER, MB_PARAM_SEED, "1", NULL, "Seed of the split, initial weights, batch order and sampling."},
    };
    enum { BETA = MODEL_OPTION_COUNT, SEED };
    option_value values[COUNT(specs)];
    parse_result parsed = options_parse(command, summary, specs, COUNT(specs), argc, argv, values);
    if (parsed != PARSE_OK)
        return parsed == PARSE_HELP ? EXIT_SUCCESS : EXIT_USAGE;
    note_unused_options(command, values);
    uint32_t seed = (uint32_t)values[SEED].number;
    mb_dataset train, test;
    int exit_status = load_task(command, cli_program, values, seed, &train, &test);
    if (exit_status != EXIT_SUCCESS)
        return exit_status;
    mb_moe_config config;
    config_from_options(values, &train, values[BETA].number, seed, &config);
    mb_trainer *trainer = NULL;
    mb_param bad = MB_PARAM_COUNT;
    mb_status status = mb_trainer_create(&config, &train, &test, &trainer, &bad);
    if (status != MB_OK) {
        mb_dataset_free(&train);
        mb_dataset_free(&test);
        return report_create(command, status, bad, &config);
    }
    int epochs = (int)task_option(values, EPOCHS, 30, 20);
    mb_trainer_metrics *history = calloc((size_t)epochs, sizeof *history);
    if (history == NULL) {
        mb_trainer_free(trainer);
        mb_dataset_free(&train);
        mb_dataset_free(&test);
        fprintf(stderr, "moe-bif %s: %s\n", command, mb_status_string(MB_ERR_NO_MEMORY));
        return EXIT_COMPUTATION;
    }
    int done = 0;
    for (; done < epochs; done++) {
        status = mb_trainer_epoch(trainer, &history[done]);
        if (status != MB_OK)
            break;
    }
    json_writer json;
    json_begin(&json, stdout);
    json_object_begin(&json);
    json_key(&json, "task");
    json_string(&json, values[TASK].text);
    json_key(&json, "train_examples");
    json_integer(&json, train.count);
    json_key(&json, "test_examples");
    json_integer(&json, test.count);
    json_key(&json, "experts");
    json_integer(&json, config.experts);
    json_key(&json, "expert_hidden");
    json_integer(&json, config.hidden);
    json_key(&json, "routing");
    json_string(&json, ROUTING_NAMES[config.routing]);
    json_key(&json, "beta");
    json_number(&json, config.beta);
    json_key(&json, "seed");
    json_integer(&json, (long)seed);
    json_key(&json, "settings");
    write_settings(&json, values, &config, epochs);
    json_key(&json, "epochs");
    json_array_begin(&json);
    for (int e = 0; e < done; e++)
        write_metrics(&json, &history[e], config.experts);
    json_array_end(&json);
    json_key(&json, "diverged");
    if (status == MB_ERR_DIVERGED)
        json_integer(&json, done + 1);
    else
        json_bool(&json, 0);
    json_key(&json, "final");
    if (done == 0) {
        json_number(&json, NAN);
    } else {
        const mb_trainer_metrics *last = &history[done - 1];
        json_object_begin(&json);
        json_key(&json, "test_accuracy");
        json_number(&json, last->test_accuracy);
        json_key(&json, "test_loss");
        json_number(&json, last->test_loss);
        json_key(&json, "loads");
        write_doubles(&json, last->loads, config.experts);
        json_key(&json, "imbalance");
        json_number(&json, last->imbalance);
        json_key(&json, "routing_matrix");
        write_matrix(&json, mb_trainer_routing_matrix(trainer), config.classes, config.experts);
        json_key(&json, "confusion");
        write_matrix(&json, mb_trainer_confusion(trainer), config.classes, config.classes);
        json_object_end(&json);
    }
    json_object_end(&json);
    json_end(&json);
    if (status != MB_OK && status != MB_ERR_DIVERGED)
        fprintf(stderr, "moe-bif %s: training failed: %s\n", command, mb_status_string(status));
    else if (status == MB_ERR_DIVERGED)
        fprintf(stderr, "moe-bif %s: training diverged in epoch %d; the epochs before it are kept\n", command,
                done + 1);
    free(history);
    mb_trainer_free(trainer);
    mb_dataset_free(&train);
    mb_dataset_free(&test);
    return status == MB_OK ? EXIT_SUCCESS : EXIT_COMPUTATION;
}

/* Trains one run of the sweep and writes its final imbalance to *imbalance
 * (NaN when it diverged before finishing an epoch; a later divergence keeps
 * the last finished epoch's). Returns an exit status. */
static int sweep_run(const char *command, const option_value *values, double beta, double decay, uint32_t seed,
                     int epochs, double *imbalance)
{
    mb_dataset train, test;
    int exit_status = load_task(command, cli_program, values, seed, &train, &test);
    if (exit_status != EXIT_SUCCESS)
        return exit_status;
    mb_moe_config config;
    config_from_options(values, &train, beta, seed, &config);
    config.router_decay = decay;
    mb_trainer *trainer = NULL;
    mb_param bad = MB_PARAM_COUNT;
    mb_status status = mb_trainer_create(&config, &train, &test, &trainer, &bad);
    mb_dataset_free(&train);
    mb_dataset_free(&test);
    if (status != MB_OK)
        return report_create(command, status, bad, &config);
    mb_trainer_metrics metrics;
    memset(&metrics, 0, sizeof metrics);
    metrics.imbalance = NAN;
    for (int e = 0; e < epochs && status == MB_OK; e++)
        status = mb_trainer_epoch(trainer, &metrics);
    mb_trainer_free(trainer);
    if (status != MB_OK && status != MB_ERR_DIVERGED) {
        fprintf(stderr, "moe-bif %s: training failed: %s\n", command, mb_status_string(status));
        return EXIT_COMPUTATION;
    }
    *imbalance = metrics.imbalance;
    return EXIT_SUCCESS;
}

/* Parses a list option and checks every entry against param. Returns the
 * count, or -1 after printing an error. */
static int parse_checked_list(const char *command, const char *option, const char *text, mb_param param,
                              double *values)
{
    int count = options_parse_list(command, option, text, values, MAX_SWEEP_VALUES);
    for (int i = 0; i < count; i++)
        if (mb_param_check(param, values[i]) != MB_OK) {
            options_report_range(command, option, values[i], param);
            return -1;
        }
    return count;
}

int run_sweep(int argc, char **argv)
{
    static const char *const command = "sweep";
    static const char *const summary =
        "The symmetry-breaking experiment: trains a two-expert model for every router decay,\n"
        "beta and seed, and prints per setting the final load imbalance |f_1 - f_2| of each\n"
        "seed and its mean, and K_eff = artanh(m)/m, the K at which the mean-field curve\n"
        "m = tanh(K m) passes through the mean (null for a mean below 0.05 or above 0.95).\n"
        "For each router decay it fits K_eff = gain * beta by least squares in log K_eff\n"
        "over the settings with a K_eff. Defaults: the synthetic task, sample routing,\n"
        "router decay 1, 20 epochs (the page sweeps the decays 0.25, 1 and 4).";
    option_spec specs[] = {
        MODEL_OPTIONS,
        {"betas", OPTION_TEXT, -1, "0.25,0.5,1,2,4,8,16", NULL, "Router inverse temperatures, comma-separated."},
        {"seeds", OPTION_TEXT, -1, "1,2,3,4,5,6", NULL, "Seeds, comma-separated."},
        {"router-decays", OPTION_TEXT, -1, OPTION_OPTIONAL, NULL, "Router weight decays, comma-separated: one sweep and fit each (default: --router-decay)."},
    };
    enum { BETAS = MODEL_OPTION_COUNT, SEEDS, DECAYS };
    specs[TASK].default_value = "synthetic";
    specs[ROUTING].default_value = "sample";
    specs[DECAY].default_value = "1";
    option_value values[COUNT(specs)];
    parse_result parsed = options_parse(command, summary, specs, COUNT(specs), argc, argv, values);
    if (parsed != PARSE_OK)
        return parsed == PARSE_HELP ? EXIT_SUCCESS : EXIT_USAGE;
    note_unused_options(command, values);
    double betas[MAX_SWEEP_VALUES], seeds[MAX_SWEEP_VALUES], decays[MAX_SWEEP_VALUES];
    int beta_count = parse_checked_list(command, "betas", values[BETAS].text, MB_PARAM_BETA, betas);
    int seed_count = parse_checked_list(command, "seeds", values[SEEDS].text, MB_PARAM_SEED, seeds);
    int decay_count = 1;
    decays[0] = values[DECAY].number;
    if (values[DECAYS].present)
        decay_count = parse_checked_list(command, "router-decays", values[DECAYS].text, MB_PARAM_ROUTER_DECAY, decays);
    if (beta_count < 0 || seed_count < 0 || decay_count < 0)
        return EXIT_USAGE;
    if (values[EXPERTS].number != 2) {
        fprintf(stderr, "moe-bif %s: invalid value for --experts: %g; the sweep trains two experts, because "
                        "K_eff and the mean-field curve are those of two experts\n", command, values[EXPERTS].number);
        return EXIT_USAGE;
    }
    int epochs = (int)task_option(values, EPOCHS, 30, 20);
    double learning_rate = task_option(values, LEARNING_RATE, 0.003, 0.01);
    for (int d = 0; d < decay_count; d++)
        if (mb_param_check(MB_PARAM_DECAY_PER_STEP, learning_rate * decays[d]) != MB_OK) {
            options_report_range(command, "learning-rate*router-decay", learning_rate * decays[d],
                                 MB_PARAM_DECAY_PER_STEP);
            return EXIT_USAGE;
        }

    json_writer json;
    json_begin(&json, stdout);
    json_object_begin(&json);
    json_key(&json, "task");
    json_string(&json, values[TASK].text);
    json_key(&json, "routing");
    json_string(&json, values[ROUTING].text);
    json_key(&json, "experts");
    json_integer(&json, (long)values[EXPERTS].number);
    json_key(&json, "epochs");
    json_integer(&json, epochs);
    json_key(&json, "sweeps");
    json_array_begin(&json);
    for (int d = 0; d < decay_count; d++) {
        double imbalance[MAX_SWEEP_VALUES][MAX_SWEEP_VALUES];
        double mean[MAX_SWEEP_VALUES];
        for (int b = 0; b < beta_count; b++) {
            mean[b] = 0.0;
            for (int s = 0; s < seed_count; s++) {
                int exit_status = sweep_run(command, values, betas[b], decays[d], (uint32_t)seeds[s], epochs,
                                            &imbalance[b][s]);
                if (exit_status != EXIT_SUCCESS)
                    return exit_status;
                mean[b] += imbalance[b][s] / seed_count;
            }
        }
        double gain = NAN, rms = NAN;
        int used = 0;
        int fitted = mb_trainer_fit_gain(betas, mean, beta_count, &gain, &rms, &used) == MB_OK;
        json_object_begin(&json);
        json_key(&json, "router_decay");
        json_number(&json, decays[d]);
        json_key(&json, "settings");
        json_array_begin(&json);
        for (int b = 0; b < beta_count; b++) {
            json_object_begin(&json);
            json_key(&json, "beta");
            json_number(&json, betas[b]);
            json_key(&json, "imbalance");
            write_doubles(&json, imbalance[b], seed_count);
            json_key(&json, "mean_imbalance");
            json_number(&json, mean[b]);
            /* null where the mean is too close to 0 or 1 to pin K_eff down. */
            json_key(&json, "K_eff");
            json_number(&json, mb_trainer_effective_feedback(mean[b]));
            json_key(&json, "fitted_K");
            json_number(&json, fitted ? gain * betas[b] : NAN);
            json_key(&json, "mean_field_imbalance");
            json_number(&json, fitted ? mb_trainer_mean_field_imbalance(gain * betas[b]) : NAN);
            json_object_end(&json);
        }
        json_array_end(&json);
        json_key(&json, "fit");
        json_object_begin(&json);
        json_key(&json, "model");
        json_string(&json, "K_eff = gain * beta, least squares in log K_eff");
        json_key(&json, "gain");
        json_number(&json, gain);
        json_key(&json, "rms_log_residual");
        json_number(&json, rms);
        json_key(&json, "settings_used");
        json_integer(&json, used);
        json_object_end(&json);
        json_object_end(&json);
    }
    json_array_end(&json);
    json_object_end(&json);
    json_end(&json);
    return EXIT_SUCCESS;
}
