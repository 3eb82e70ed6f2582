#include "mb_trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mb_random.h"

#define STREAM_ORDER 18u

struct mb_trainer {
    mb_moe *model;
    mb_dataset train, test;
    int epochs_done;
    int diverged;
    int *order;
    float *batch_x;
    int32_t *batch_labels;
    int *batch_experts;
    int32_t *batch_predictions;
    int *routing_matrix; /* C x N */
    int *confusion;      /* C x C */
    int *test_experts;
    int32_t *test_predictions;
};

static mb_status copy_dataset(mb_dataset *to, const mb_dataset *from)
{
    memset(to, 0, sizeof *to);
    size_t values = (size_t)from->count * (size_t)from->inputs;
    to->x = malloc((values > 0 ? values : 1) * sizeof(float));
    to->labels = malloc((size_t)(from->count > 0 ? from->count : 1) * sizeof(int32_t));
    if (to->x == NULL || to->labels == NULL) {
        mb_dataset_free(to);
        return MB_ERR_NO_MEMORY;
    }
    memcpy(to->x, from->x, values * sizeof(float));
    memcpy(to->labels, from->labels, (size_t)from->count * sizeof(int32_t));
    to->count = from->count;
    to->inputs = from->inputs;
    to->classes = from->classes;
    return MB_OK;
}

void mb_trainer_free(mb_trainer *trainer)
{
    if (trainer == NULL)
        return;
    mb_moe_free(trainer->model);
    mb_dataset_free(&trainer->train);
    mb_dataset_free(&trainer->test);
    free(trainer->order);
    free(trainer->batch_x);
    free(trainer->batch_labels);
    free(trainer->batch_experts);
    free(trainer->batch_predictions);
    free(trainer->routing_matrix);
    free(trainer->confusion);
    free(trainer->test_experts);
    free(trainer->test_predictions);
    free(trainer);
}

mb_status mb_trainer_create(const mb_moe_config *config, const mb_dataset *train, const mb_dataset *test,
                            mb_trainer **out, mb_param *bad_param)
{
    if (config == NULL || train == NULL || test == NULL || out == NULL || train->x == NULL || test->x == NULL)
        return MB_ERR_NULL_POINTER;
    *out = NULL;
    if (train->inputs != config->inputs || test->inputs != config->inputs || train->classes != config->classes
        || test->classes != config->classes)
        return MB_ERR_LENGTH_MISMATCH;
    if (train->count < 1 || test->count < 1)
        return MB_ERR_OUT_OF_RANGE;
    for (int i = 0; i < train->count; i++)
        if (train->labels[i] < 0 || train->labels[i] >= config->classes)
            return MB_ERR_OUT_OF_RANGE;
    for (int i = 0; i < test->count; i++)
        if (test->labels[i] < 0 || test->labels[i] >= config->classes)
            return MB_ERR_OUT_OF_RANGE;
    mb_trainer *trainer = calloc(1, sizeof *trainer);
    if (trainer == NULL)
        return MB_ERR_NO_MEMORY;
    mb_status status = mb_moe_create(config, &trainer->model, bad_param);
    if (status == MB_OK)
        status = copy_dataset(&trainer->train, train);
    if (status == MB_OK)
        status = copy_dataset(&trainer->test, test);
    if (status != MB_OK) {
        mb_trainer_free(trainer);
        return status;
    }
    int batch = config->batch, n = config->experts, c = config->classes;
    trainer->order = malloc((size_t)train->count * sizeof(int));
    trainer->batch_x = malloc((size_t)batch * (size_t)config->inputs * sizeof(float));
    trainer->batch_labels = malloc((size_t)batch * sizeof(int32_t));
    trainer->batch_experts = malloc((size_t)batch * sizeof(int));
    trainer->batch_predictions = malloc((size_t)batch * sizeof(int32_t));
    trainer->routing_matrix = calloc((size_t)c * (size_t)n, sizeof(int));
    trainer->confusion = calloc((size_t)c * (size_t)c, sizeof(int));
    trainer->test_experts = calloc((size_t)test->count, sizeof(int));
    trainer->test_predictions = calloc((size_t)test->count, sizeof(int32_t));
    if (trainer->order == NULL || trainer->batch_x == NULL || trainer->batch_labels == NULL
        || trainer->batch_experts == NULL || trainer->batch_predictions == NULL || trainer->routing_matrix == NULL
        || trainer->confusion == NULL || trainer->test_experts == NULL || trainer->test_predictions == NULL) {
        mb_trainer_free(trainer);
        return MB_ERR_NO_MEMORY;
    }
    *out = trainer;
    return MB_OK;
}

static void gather(mb_trainer *trainer, const mb_dataset *data, const int *indices, int start, int count)
{
    size_t width = (size_t)data->inputs;
    for (int t = 0; t < count; t++) {
        int i = indices != NULL ? indices[start + t] : start + t;
        memcpy(trainer->batch_x + (size_t)t * width, data->x + (size_t)i * width, width * sizeof(float));
        trainer->batch_labels[t] = data->labels[i];
    }
}

/* Evaluates the test set: loss, accuracy, loads, routing and confusion. */
static mb_status evaluate_test(mb_trainer *trainer, mb_trainer_metrics *metrics)
{
    mb_moe *model = trainer->model;
    const mb_moe_config *c = mb_moe_get_config(model);
    const mb_dataset *test = &trainer->test;
    memset(trainer->routing_matrix, 0, (size_t)c->classes * (size_t)c->experts * sizeof(int));
    memset(trainer->confusion, 0, (size_t)c->classes * (size_t)c->classes * sizeof(int));
    double loss = 0.0;
    long correct = 0;
    long per_expert[MB_MOE_MAX_EXPERTS] = {0};
    for (int start = 0; start < test->count; start += c->batch) {
        int count = test->count - start < c->batch ? test->count - start : c->batch;
        gather(trainer, test, NULL, start, count);
        mb_status status = mb_moe_route(model, trainer->batch_x, count, 1, trainer->test_experts + start);
        mb_moe_batch_result result;
        if (status == MB_OK)
            status = mb_moe_batch_loss(model, trainer->batch_x, trainer->batch_labels, count, 0, &result,
                                       trainer->test_predictions + start);
        if (status != MB_OK)
            return status;
        loss += result.task_loss;
        correct += result.correct;
        for (int t = 0; t < count; t++) {
            int label = trainer->batch_labels[t];
            int expert = trainer->test_experts[start + t];
            trainer->confusion[label * c->classes + trainer->test_predictions[start + t]]++;
            if (expert >= 0) {
                trainer->routing_matrix[label * c->experts + expert]++;
                per_expert[expert]++;
            }
        }
    }
    metrics->test_loss = loss / test->count;
    metrics->test_accuracy = (double)correct / test->count;
    for (int i = 0; i < c->experts; i++)
        metrics->test_loads[i] = (double)per_expert[i] / test->count;
    return MB_OK;
}

mb_status mb_trainer_epoch(mb_trainer *trainer, mb_trainer_metrics *metrics)
{
    if (trainer == NULL || metrics == NULL)
        return MB_ERR_NULL_POINTER;
    if (trainer->diverged)
        return MB_ERR_DIVERGED;
    mb_moe *model = trainer->model;
    const mb_moe_config *c = mb_moe_get_config(model);
    const mb_dataset *train = &trainer->train;
    int n = train->count;
    mb_trainer_metrics m;
    memset(&m, 0, sizeof m);
    m.epoch = trainer->epochs_done + 1;

    uint32_t key1, key2;
    mb_random_keys(c->seed, STREAM_ORDER, &key1, &key2);
    uint32_t counter = (uint32_t)trainer->epochs_done * (uint32_t)n;
    for (int i = 0; i < n; i++)
        trainer->order[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(mb_random_uniform(key1, key2, counter++) * (float)(i + 1));
        j = j > i ? i : j;
        int swap = trainer->order[i];
        trainer->order[i] = trainer->order[j];
        trainer->order[j] = swap;
    }

    double task = 0.0, z = 0.0, entropy = 0.0, aux = 0.0;
    long correct = 0, dropped = 0, dispatched = 0;
    long counts[MB_MOE_MAX_EXPERTS] = {0};
    int batches = 0;
    for (int start = 0; start < n; start += c->batch) {
        int count = n - start < c->batch ? n - start : c->batch;
        gather(trainer, train, trainer->order, start, count);
        mb_moe_batch_result result;
        mb_status status = mb_moe_route(model, trainer->batch_x, count, 0, trainer->batch_experts);
        if (status == MB_OK)
            status = mb_moe_batch_loss(model, trainer->batch_x, trainer->batch_labels, count, 1, &result, NULL);
        if (status == MB_OK)
            status = mb_moe_step(model);
        if (status != MB_OK) {
            trainer->diverged = status == MB_ERR_DIVERGED;
            return status;
        }
        task += result.task_loss;
        z += result.z_loss;
        entropy += result.entropy;
        aux += result.aux_loss;
        correct += result.correct;
        dropped += result.dropped;
        batches++;
        const int *batch_counts = mb_moe_dispatched_counts(model);
        for (int i = 0; i < c->experts; i++) {
            counts[i] += batch_counts[i];
            dispatched += batch_counts[i];
        }
    }
    m.train_loss = task / n;
    m.train_accuracy = (double)correct / n;
    m.z_loss = c->z_weight * z / n;
    m.router_entropy = entropy / n;
    m.aux_loss = aux / batches;
    m.dropped = dropped;
    m.dropped_fraction = (double)dropped / n;
    double low = 1.0, high = 0.0;
    for (int i = 0; i < c->experts; i++) {
        m.loads[i] = (double)counts[i] / dispatched;
        low = m.loads[i] < low ? m.loads[i] : low;
        high = m.loads[i] > high ? m.loads[i] : high;
    }
    m.imbalance = high - low;
    mb_status status = evaluate_test(trainer, &m);
    if (status != MB_OK) {
        trainer->diverged = status == MB_ERR_DIVERGED;
        return status;
    }
    trainer->epochs_done++;
    *metrics = m;
    return MB_OK;
}

int mb_trainer_epochs_done(const mb_trainer *trainer) { return trainer->epochs_done; }
mb_moe *mb_trainer_model(mb_trainer *trainer) { return trainer->model; }
const int *mb_trainer_routing_matrix(const mb_trainer *trainer) { return trainer->routing_matrix; }
const int *mb_trainer_confusion(const mb_trainer *trainer) { return trainer->confusion; }
const int *mb_trainer_test_experts(const mb_trainer *trainer) { return trainer->test_experts; }
const int32_t *mb_trainer_test_predictions(const mb_trainer *trainer) { return trainer->test_predictions; }
int mb_trainer_test_count(const mb_trainer *trainer) { return trainer->test.count; }

double mb_trainer_mean_field_imbalance(double K)
{
    if (!(K > 1.0))
        return 0.0;
    /* Newton on g(m) = m - tanh(K m) from m = 1, which stays above the root
     * (g is convex on (0, 1]) and converges monotonically. */
    double m = 1.0;
    for (int i = 0; i < 200; i++) {
        double t = tanh(K * m);
        double g = m - t;
        double slope = 1.0 - K * (1.0 - t * t);
        double next = m - g / slope;
        if (!(next > 0.0) || fabs(next - m) < 1e-15)
            return next > 0.0 ? next : m;
        m = next;
    }
    return m;
}

double mb_trainer_effective_feedback(double imbalance)
{
    if (!(imbalance >= MB_TRAINER_FIT_MIN_IMBALANCE && imbalance <= MB_TRAINER_FIT_MAX_IMBALANCE))
        return NAN;
    return atanh(imbalance) / imbalance;
}

mb_status mb_trainer_fit_gain(const double *x, const double *imbalance, int count, double *gain, double *rms,
                              int *used)
{
    if (x == NULL || imbalance == NULL || gain == NULL || rms == NULL || used == NULL)
        return MB_ERR_NULL_POINTER;
    *gain = NAN;
    *rms = NAN;
    *used = 0;
    for (int i = 0; i < count; i++)
        if (!(x[i] > 0.0) || !isfinite(x[i]) || !isfinite(imbalance[i]))
            return MB_ERR_OUT_OF_RANGE;
    /* log K_eff = log gain + log x: the least-squares gain is the geometric
     * mean of K_eff / x over the settings that pin K_eff down. */
    double sum = 0.0;
    for (int i = 0; i < count; i++) {
        double K = mb_trainer_effective_feedback(imbalance[i]);
        if (isfinite(K)) {
            sum += log(K / x[i]);
            (*used)++;
        }
    }
    if (*used == 0)
        return MB_ERR_EMPTY_INTERVAL;
    double log_gain = sum / *used;
    double squares = 0.0;
    for (int i = 0; i < count; i++) {
        double K = mb_trainer_effective_feedback(imbalance[i]);
        if (isfinite(K)) {
            double deviation = log(K / x[i]) - log_gain;
            squares += deviation * deviation;
        }
    }
    *gain = exp(log_gain);
    *rms = sqrt(squares / *used);
    return MB_OK;
}
