/* The trainable MoE: kernels against their reference twins, gradients
 * against finite differences, data parsing and splitting, bad settings,
 * divergence, and the mean-field fit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../c/mb_dataset.h"
#include "../../c/mb_moe.h"
#include "../../c/mb_moe_kernels.h"
#include "../../c/mb_random.h"
#include "../../c/mb_trainer.h"
#include "check.h"

static void fill_random(float *values, int count, uint32_t stream)
{
    uint32_t key1, key2;
    mb_random_keys(99, stream, &key1, &key2);
    for (int i = 0; i < count; i++)
        values[i] = 2.0f * mb_random_uniform(key1, key2, (uint32_t)i) - 1.0f;
}

static double max_relative_gap(const float *a, const float *b, int count)
{
    double scale = 0.0, gap = 0.0;
    for (int i = 0; i < count; i++) {
        scale = fmax(scale, fabs(b[i]));
        gap = fmax(gap, fabs((double)a[i] - b[i]));
    }
    return gap / fmax(scale, 1e-30);
}

void test_moe_kernels_match_reference(void)
{
    enum { MAX = 40 };
    float W[MAX * MAX], x[MAX], bias[MAX], g[MAX];
    float out_v[MAX], out_r[MAX];
    float dW_v[MAX * MAX], dW_r[MAX * MAX], db_v[MAX], db_r[MAX];
    const mb_moe_kernels *v = &mb_moe_vector_kernels, *r = &mb_moe_reference_kernels;
    /* Sizes that are not multiples of 4, and 4-row blocks with tails. */
    const int sizes[][2] = {{1, 1}, {3, 5}, {4, 4}, {5, 7}, {9, 13}, {10, 33}, {17, 3}, {32, 40}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int rows = sizes[s][0], cols = sizes[s][1];
        fill_random(W, rows * cols, 1);
        fill_random(x, cols, 2);
        fill_random(bias, rows, 3);
        fill_random(g, rows, 4);
        g[0] = 0.0f; /* a row the vector kernel skips */
        v->linear_forward(out_v, W, bias, x, rows, cols);
        r->linear_forward(out_r, W, bias, x, rows, cols);
        CHECK(max_relative_gap(out_v, out_r, rows) < 1e-5);
        fill_random(dW_v, rows * cols, 5);
        memcpy(dW_r, dW_v, sizeof(float) * (size_t)(rows * cols));
        fill_random(db_v, rows, 6);
        memcpy(db_r, db_v, sizeof(float) * (size_t)rows);
        v->linear_backward_weights(dW_v, db_v, g, x, rows, cols);
        r->linear_backward_weights(dW_r, db_r, g, x, rows, cols);
        CHECK(max_relative_gap(dW_v, dW_r, rows * cols) < 1e-6);
        CHECK(max_relative_gap(db_v, db_r, rows) < 1e-6);
        v->linear_backward_input(out_v, W, g, rows, cols);
        r->linear_backward_input(out_r, W, g, rows, cols);
        CHECK(max_relative_gap(out_v, out_r, cols) < 1e-5);
    }
    for (int n = 1; n <= 11; n++) {
        float w_v[16], w_r[16], m_v[16], m_r[16], s_v[16], s_r[16], grad[16];
        fill_random(w_v, n, 7);
        fill_random(grad, n, 8);
        fill_random(m_v, n, 9);
        fill_random(s_v, n, 10);
        for (int i = 0; i < n; i++)
            s_v[i] = fabsf(s_v[i]);
        memcpy(w_r, w_v, sizeof w_r);
        memcpy(m_r, m_v, sizeof m_r);
        memcpy(s_r, s_v, sizeof s_r);
        v->adam(w_v, m_v, s_v, grad, n, 0.01f, 0.9f, 0.999f, 1e-8f, 0.001f);
        r->adam(w_r, m_r, s_r, grad, n, 0.01f, 0.9f, 0.999f, 1e-8f, 0.001f);
        CHECK(max_relative_gap(w_v, w_r, n) < 1e-6);
        CHECK(max_relative_gap(m_v, m_r, n) < 1e-6);
        CHECK(max_relative_gap(s_v, s_r, n) < 1e-6);
        v->sgd(w_v, m_v, grad, n, 0.1f, 0.9f, 0.01f);
        r->sgd(w_r, m_r, grad, n, 0.1f, 0.9f, 0.01f);
        CHECK(max_relative_gap(w_v, w_r, n) < 1e-6);
    }
}

static double total_loss(const mb_moe_config *c, const mb_moe_batch_result *r, int count)
{
    return r->task_loss / count + c->z_weight * r->z_loss / count + r->aux_loss;
}

/* Central differences of the batch loss, selections held fixed, against
 * the analytic gradient, one tensor at a time: the error's norm must stay
 * under 2 % of the gradient's norm. */
static void check_gradients(mb_moe_config config, const char *label)
{
    enum { T = 7 };
    float x[T * 16];
    int32_t labels[T];
    fill_random(x, T * config.inputs, 11);
    for (int t = 0; t < T; t++)
        labels[t] = (int32_t)((t * 7 + 3) % config.classes);
    mb_moe *model = NULL;
    CHECK_INT(mb_moe_create(&config, &model, NULL), MB_OK);
    if (model == NULL)
        return;
    float *params = mb_moe_params(model);
    /* Move the biases off 0 so that every term has a gradient. */
    fill_random(params, mb_moe_param_count(model), 12);
    for (int i = 0; i < mb_moe_param_count(model); i++)
        params[i] *= 0.8f;
    CHECK_INT(mb_moe_route(model, x, T, 0, NULL), MB_OK);
    mb_moe_batch_result result;
    CHECK_INT(mb_moe_batch_loss(model, x, labels, T, 1, &result, NULL), MB_OK);
    int count = mb_moe_param_count(model);
    float *analytic = malloc((size_t)count * sizeof(float));
    memcpy(analytic, mb_moe_grads(model), (size_t)count * sizeof(float));
    for (int tensor = 0; tensor < mb_moe_tensor_count(model); tensor++) {
        char name[32];
        int offset = 0, size = 0;
        CHECK(mb_moe_tensor_info(model, tensor, name, sizeof name, &offset, &size));
        double error = 0.0, norm = 0.0;
        for (int i = offset; i < offset + size; i++) {
            float saved = params[i];
            float step = 1e-2f;
            params[i] = saved + step;
            mb_moe_batch_loss(model, x, labels, T, 0, &result, NULL);
            double up = total_loss(&config, &result, T);
            params[i] = saved - step;
            mb_moe_batch_loss(model, x, labels, T, 0, &result, NULL);
            double down = total_loss(&config, &result, T);
            params[i] = saved;
            double numeric = (up - down) / (2.0 * step);
            error += (numeric - analytic[i]) * (numeric - analytic[i]);
            norm += (double)analytic[i] * analytic[i];
        }
        int ok = sqrt(error) <= 0.02 * sqrt(norm) + 2e-5;
        if (!ok)
            printf("#   %s: tensor %s: |numeric - analytic| = %.3g, |analytic| = %.3g\n", label, name, sqrt(error),
                   sqrt(norm));
        CHECK(ok);
    }
    free(analytic);
    mb_moe_free(model);
}

void test_moe_gradients(void)
{
    static const char *const routing_names[] = {"dense", "top1", "topk", "sample"};
    for (int routing = MB_MOE_DENSE; routing <= MB_MOE_SAMPLE; routing++)
        for (int loss = MB_MOE_CROSS_ENTROPY; loss <= MB_MOE_SQUARED_ERROR; loss++)
            for (int hidden = 0; hidden <= 5; hidden += 5)
                for (int terms = 0; terms < 2; terms++) {
                    mb_moe_config config;
                    mb_moe_config_default(&config, 6, 3);
                    config.experts = 3;
                    config.hidden = hidden;
                    config.top_k = 2;
                    config.routing = (mb_moe_routing)routing;
                    config.loss = (mb_moe_loss)loss;
                    config.beta = 1.7;
                    config.batch = 8;
                    config.seed = 5;
                    if (terms) {
                        /* Every extra loss term, and a capacity that drops tokens. */
                        config.aux_weight = 0.3;
                        config.z_weight = 0.05;
                        config.capacity_factor = 1.0;
                    }
                    char label[96];
                    snprintf(label, sizeof label, "%s, %s, hidden %d, %s", routing_names[routing],
                             loss == MB_MOE_CROSS_ENTROPY ? "cross-entropy" : "squared error", hidden,
                             terms ? "aux + z + capacity" : "task loss only");
                    check_gradients(config, label);
                }
}

void test_moe_capacity_drops_tokens(void)
{
    enum { T = 12 };
    mb_moe_config config;
    mb_moe_config_default(&config, 4, 2);
    config.batch = T;
    config.capacity_factor = 0.5; /* ceil(0.5 * 12 / 2) = 3 tokens per expert */
    mb_moe *model = NULL;
    CHECK_INT(mb_moe_create(&config, &model, NULL), MB_OK);
    float x[T * 4];
    int32_t labels[T] = {0};
    int primary[T];
    fill_random(x, T * 4, 13);
    CHECK_INT(mb_moe_route(model, x, T, 0, primary), MB_OK);
    int kept = 0;
    for (int t = 0; t < T; t++)
        kept += primary[t] >= 0;
    CHECK_INT(kept, 6);
    mb_moe_batch_result result;
    CHECK_INT(mb_moe_batch_loss(model, x, labels, T, 0, &result, NULL), MB_OK);
    CHECK_INT(result.dropped, 6);
    mb_moe_free(model);
}

void test_moe_rejects_bad_settings(void)
{
    mb_moe_config config;
    mb_moe *model = NULL;
    mb_param bad = MB_PARAM_COUNT;
    mb_moe_config_default(&config, 8, 3);
    config.experts = 0;
    CHECK_INT(mb_moe_create(&config, &model, &bad), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(bad, MB_PARAM_MOE_EXPERTS);
    CHECK(model == NULL);
    mb_moe_config_default(&config, 8, 3);
    config.routing = MB_MOE_TOPK;
    config.top_k = 3;
    CHECK_INT(mb_moe_create(&config, &model, &bad), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(bad, MB_PARAM_TOP_K);
    mb_moe_config_default(&config, 8, 3);
    config.learning_rate = -0.1;
    CHECK_INT(mb_moe_create(&config, &model, &bad), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(bad, MB_PARAM_LEARNING_RATE);
    mb_moe_config_default(&config, 8, 3);
    config.capacity_factor = 0.0;
    CHECK_INT(mb_moe_create(&config, &model, &bad), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(bad, MB_PARAM_CAPACITY);
    mb_moe_config_default(&config, 8, 3);
    config.beta = NAN;
    CHECK_INT(mb_moe_create(&config, &model, &bad), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(bad, MB_PARAM_BETA);
    mb_moe_config_default(&config, 8, 3);
    config.learning_rate = 0.5;
    config.router_decay = 2.0;
    CHECK_INT(mb_moe_create(&config, &model, &bad), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(bad, MB_PARAM_DECAY_PER_STEP);
    mb_moe_config_default(&config, 1024, 256);
    config.experts = 64;
    config.hidden = 512;
    CHECK_INT(mb_moe_create(&config, &model, &bad), MB_ERR_MEMORY_LIMIT);
    mb_moe_config_default(&config, 8, 3);
    config.routing = (mb_moe_routing)7;
    CHECK_INT(mb_moe_create(&config, &model, &bad), MB_ERR_INVALID_ENUM);
    CHECK(model == NULL);
    mb_moe_free(NULL);
    mb_trainer_free(NULL);
    mb_dataset_free(NULL);
}

void test_dataset_parse(void)
{
    mb_dataset data;
    long line = -1;
    const char *good = "1,2,0\n\n16,0.5,1\r\n";
    CHECK_INT(mb_dataset_parse(good, strlen(good), 2, 2, 16.0, &data, &line), MB_OK);
    CHECK_INT(data.count, 2);
    CHECK(data.x[2] == 16.0f);
    CHECK(data.x[3] == 0.5f);
    CHECK_INT(data.labels[1], 1);
    mb_dataset_free(&data);
    const struct { const char *text; long line; } bad[] = {
        {"1,2,0\n17,0,1\n", 2},        /* a pixel over the maximum */
        {"1,2,0\n1,2\n", 2},           /* a field short */
        {"1,2,0\n1,2,3,0\n", 2},       /* a field too many */
        {"1,2,2\n", 1},                /* label out of range */
        {"1,2,0.5\n", 1},              /* label not whole */
        {"1,-2,0\n", 1},               /* negative pixel */
        {"1,nan,0\n", 1},
        {"1,0x10,0\n", 1},
        {"<script>,2,0\n", 1},
        {"", 0},
        {"\n \n", 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        line = -1;
        CHECK_INT(mb_dataset_parse(bad[i].text, strlen(bad[i].text), 2, 2, 16.0, &data, &line), MB_ERR_PARSE);
        CHECK_INT(line, bad[i].line);
        CHECK(data.x == NULL);
    }
}

void test_dataset_split_is_stratified(void)
{
    mb_dataset all, train, test;
    CHECK_INT(mb_dataset_synthetic(1000, 4, 3, 7, &all), MB_OK);
    CHECK_INT(mb_dataset_split(&all, 0.25, 3, &train, &test), MB_OK);
    CHECK_INT(train.count + test.count, all.count);
    for (int c = 0; c < 3; c++) {
        int in_all = 0, in_test = 0;
        for (int i = 0; i < all.count; i++)
            in_all += all.labels[i] == c;
        for (int i = 0; i < test.count; i++)
            in_test += test.labels[i] == c;
        CHECK(in_all > 100);
        CHECK(fabs(in_test - 0.25 * in_all) <= 0.5);
    }
    /* Same seed, same split; another seed, another split. */
    mb_dataset train2, test2;
    CHECK_INT(mb_dataset_split(&all, 0.25, 3, &train2, &test2), MB_OK);
    CHECK(memcmp(test.x, test2.x, sizeof(float) * (size_t)test.count * 4) == 0);
    mb_dataset_free(&train2);
    mb_dataset_free(&test2);
    CHECK_INT(mb_dataset_split(&all, 0.25, 4, &train2, &test2), MB_OK);
    CHECK(memcmp(test.x, test2.x, sizeof(float) * (size_t)test.count * 4) != 0);
    /* Standardising leaves every training feature with mean 0 and std 1. */
    CHECK_INT(mb_dataset_preprocess(&train, &test, MB_PREPROCESS_STANDARDISE, 0.0), MB_OK);
    for (int j = 0; j < 4; j++) {
        double sum = 0.0, squares = 0.0;
        for (int i = 0; i < train.count; i++) {
            sum += train.x[i * 4 + j];
            squares += (double)train.x[i * 4 + j] * train.x[i * 4 + j];
        }
        CHECK_CLOSE(sum / train.count, 0.0, 0.0, 1e-5);
        CHECK_CLOSE(squares / train.count, 1.0, 1e-4, 0.0);
    }
    mb_dataset_free(&train2);
    mb_dataset_free(&test2);
    mb_dataset_free(&all);
    mb_dataset_free(&train);
    mb_dataset_free(&test);
}

void test_trainer_stops_on_divergence(void)
{
    mb_dataset all, train, test;
    CHECK_INT(mb_dataset_synthetic(400, 8, 4, 1, &all), MB_OK);
    CHECK_INT(mb_dataset_split(&all, 0.25, 1, &train, &test), MB_OK);
    mb_moe_config config;
    mb_moe_config_default(&config, 8, 4);
    config.hidden = 0;
    config.loss = MB_MOE_SQUARED_ERROR;
    config.optimizer = MB_MOE_SGD;
    config.learning_rate = 10.0;
    config.momentum = 0.99;
    mb_trainer *trainer = NULL;
    CHECK_INT(mb_trainer_create(&config, &train, &test, &trainer, NULL), MB_OK);
    mb_trainer_metrics metrics, last;
    memset(&last, 0, sizeof last);
    mb_status status = MB_OK;
    int epoch = 0;
    for (; epoch < 50 && status == MB_OK; epoch++) {
        status = mb_trainer_epoch(trainer, &metrics);
        if (status == MB_OK)
            last = metrics;
    }
    CHECK_INT(status, MB_ERR_DIVERGED);
    CHECK_INT(mb_trainer_epochs_done(trainer), epoch - 1);
    CHECK_INT(last.epoch, epoch - 1);
    CHECK_INT(mb_trainer_epoch(trainer, &metrics), MB_ERR_DIVERGED);
    mb_trainer_free(trainer);
    /* Mismatched data is refused. */
    config.inputs = 7;
    CHECK_INT(mb_trainer_create(&config, &train, &test, &trainer, NULL), MB_ERR_LENGTH_MISMATCH);
    mb_dataset_free(&all);
    mb_dataset_free(&train);
    mb_dataset_free(&test);
}

void test_trainer_learns_synthetic_task(void)
{
    mb_dataset all, train, test;
    CHECK_INT(mb_dataset_synthetic(2000, 8, 4, 2, &all), MB_OK);
    CHECK_INT(mb_dataset_split(&all, 0.25, 2, &train, &test), MB_OK);
    for (int reference = 0; reference <= 1; reference++) {
        mb_moe_config config;
        mb_moe_config_default(&config, 8, 4);
        config.hidden = 0;
        config.learning_rate = 0.01;
        config.reference_kernels = reference;
        mb_trainer *trainer = NULL;
        CHECK_INT(mb_trainer_create(&config, &train, &test, &trainer, NULL), MB_OK);
        mb_trainer_metrics metrics;
        for (int e = 0; e < 10; e++)
            CHECK_INT(mb_trainer_epoch(trainer, &metrics), MB_OK);
        /* A linear teacher: a linear expert gets nearly all of it. */
        CHECK(metrics.test_accuracy > 0.9);
        CHECK_CLOSE(metrics.loads[0] + metrics.loads[1], 1.0, 1e-12, 0.0);
        int routed = 0;
        const int *matrix = mb_trainer_routing_matrix(trainer);
        for (int i = 0; i < 4 * 2; i++)
            routed += matrix[i];
        CHECK_INT(routed, test.count);
        mb_trainer_free(trainer);
    }
    mb_dataset_free(&all);
    mb_dataset_free(&train);
    mb_dataset_free(&test);
}

void test_trainer_mean_field_fit(void)
{
    CHECK(mb_trainer_mean_field_imbalance(0.5) == 0.0);
    CHECK(mb_trainer_mean_field_imbalance(1.0) == 0.0);
    /* Near the pitchfork m ~ sqrt(3 (K - 1)). */
    CHECK_CLOSE(mb_trainer_mean_field_imbalance(1.0001), sqrt(3e-4), 2e-3, 0.0);
    for (double K = 1.1; K < 20.0; K *= 1.7) {
        double m = mb_trainer_mean_field_imbalance(K);
        CHECK_CLOSE(m, tanh(K * m), 0.0, 1e-12);
        CHECK(m > 0.0);
    }
    /* A known gain is recovered from exact data: 0.7 * beta = 0.35 to 1.75. */
    double beta[] = {0.5, 1.0, 1.5, 2.0, 2.5};
    double m[5];
    for (int i = 0; i < 5; i++)
        m[i] = mb_trainer_mean_field_imbalance(0.7 * beta[i]);
    double gain = 0.0, rms = 1.0;
    int used = 0;
    CHECK_INT(mb_trainer_fit_gain(beta, m, 5, &gain, &rms, &used), MB_OK);
    CHECK_CLOSE(gain, 0.7, 1e-9, 0.0);
    CHECK(rms < 1e-9);
    /* beta = 0.5 and 1 give m = 0 (K <= 1) and are left out. */
    CHECK_INT(used, 3);
    /* Adding more collapsed or balanced settings does not move the gain. */
    double wider_beta[] = {0.1, 0.5, 1.0, 1.5, 2.0, 2.5, 64.0, 512.0};
    double wider_m[8];
    for (int i = 0; i < 8; i++)
        wider_m[i] = mb_trainer_mean_field_imbalance(0.7 * wider_beta[i]);
    CHECK_INT(mb_trainer_fit_gain(wider_beta, wider_m, 8, &gain, &rms, &used), MB_OK);
    CHECK_CLOSE(gain, 0.7, 1e-9, 0.0);
    /* K_eff that does not grow with beta shows as a large residual. */
    double flat[5] = {0.3, 0.3, 0.3, 0.3, 0.3};
    CHECK_INT(mb_trainer_fit_gain(beta, flat, 5, &gain, &rms, &used), MB_OK);
    CHECK(rms > 0.4); /* the spread of log beta, 0.57 here */
    double balanced[5] = {0.0, 0.01, 0.02, 0.0, 0.03};
    CHECK_INT(mb_trainer_fit_gain(beta, balanced, 5, &gain, &rms, &used), MB_ERR_EMPTY_INTERVAL);
    CHECK(isnan(gain));
    CHECK(isnan(mb_trainer_effective_feedback(0.01)));
    CHECK_CLOSE(mb_trainer_effective_feedback(0.5), atanh(0.5) / 0.5, 1e-15, 0.0);
    beta[2] = -1.0;
    CHECK_INT(mb_trainer_fit_gain(beta, m, 5, &gain, &rms, &used), MB_ERR_OUT_OF_RANGE);
}
