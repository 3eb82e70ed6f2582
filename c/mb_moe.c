#include "mb_moe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mb_fastmath.h"
#include "mb_moe_kernels.h"
#include "mb_random.h"

/* Random streams of this module (mb_dataset.c uses streams below 16). */
#define STREAM_SAMPLE 16u
#define STREAM_INIT 17u

#define ADAM_BETA1 0.9f
#define ADAM_BETA2 0.999f
#define ADAM_EPSILON 1e-8f

struct mb_moe {
    mb_moe_config config;
    const mb_moe_kernels *kernels;
    int param_count;
    int expert_size;          /* floats of one expert's block */
    int slots;                /* S */
    float *slab;              /* params, grads, moment1, moment2: 4 x param_count */
    float *params, *grads, *moment1, *moment2;
    float *balance_bias;      /* N */
    double beta1_power, beta2_power;
    uint32_t sample_counter;  /* tokens routed by sampling so far */
    /* Plan of the last routed batch. */
    int plan_tokens;
    int *plan_expert;         /* T x S, -1 for an empty slot */
    unsigned char *plan_kept; /* T x S */
    int *plan_counts;         /* N: dispatched assignments */
    double *plan_share;       /* N: f_i */
    /* Scratch of one token. */
    float *logits, *probs, *dprobs, *dlogits; /* N each */
    float *gates, *dgates;                    /* S each */
    float *hidden_pre, *hidden;               /* S x E */
    float *outputs;                           /* S x C */
    float *y, *dy, *dout;                     /* C each */
    float *dhidden;                           /* E */
    double *prob_sums;                        /* N: sum over the batch of p_i */
};

void mb_moe_config_default(mb_moe_config *config, int inputs, int classes)
{
    memset(config, 0, sizeof *config);
    config->inputs = inputs;
    config->classes = classes;
    config->experts = 2;
    config->hidden = 32;
    config->top_k = 2;
    config->routing = MB_MOE_TOP1;
    config->loss = MB_MOE_CROSS_ENTROPY;
    config->optimizer = MB_MOE_ADAM;
    config->beta = 1.0;
    config->learning_rate = 0.003;
    config->momentum = 0.9;
    config->capacity_factor = MB_MOE_NO_CAPACITY;
    config->batch = 32;
    config->seed = 1;
}

static mb_status check(mb_param param, double value, mb_param *bad_param)
{
    if (mb_param_check(param, value) == MB_OK)
        return MB_OK;
    if (bad_param != NULL)
        *bad_param = param;
    return MB_ERR_OUT_OF_RANGE;
}

mb_status mb_moe_config_check(const mb_moe_config *c, mb_param *bad_param)
{
    if (c == NULL)
        return MB_ERR_NULL_POINTER;
    if ((unsigned)c->routing > MB_MOE_SAMPLE || (unsigned)c->loss > MB_MOE_SQUARED_ERROR
        || (unsigned)c->optimizer > MB_MOE_SGD)
        return MB_ERR_INVALID_ENUM;
    mb_status status = MB_OK;
    const struct { mb_param param; double value; } fields[] = {
        {MB_PARAM_INPUTS, c->inputs},
        {MB_PARAM_CLASSES, c->classes},
        {MB_PARAM_MOE_EXPERTS, c->experts},
        {MB_PARAM_EXPERT_HIDDEN, c->hidden},
        {MB_PARAM_BETA, c->beta},
        {MB_PARAM_LEARNING_RATE, c->learning_rate},
        {MB_PARAM_MOMENTUM, c->momentum},
        {MB_PARAM_AUX_WEIGHT, c->aux_weight},
        {MB_PARAM_Z_WEIGHT, c->z_weight},
        {MB_PARAM_BALANCE_RATE, c->balance_rate},
        {MB_PARAM_ROUTER_DECAY, c->router_decay},
        {MB_PARAM_DECAY_PER_STEP, c->learning_rate * c->router_decay},
        {MB_PARAM_BATCH, c->batch},
        {MB_PARAM_SEED, c->seed},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0] && status == MB_OK; i++)
        status = check(fields[i].param, fields[i].value, bad_param);
    if (status == MB_OK && c->routing == MB_MOE_TOPK) {
        status = check(MB_PARAM_TOP_K, c->top_k, bad_param);
        if (status == MB_OK && c->top_k > c->experts) {
            if (bad_param != NULL)
                *bad_param = MB_PARAM_TOP_K;
            status = MB_ERR_OUT_OF_RANGE;
        }
    }
    if (status == MB_OK && c->capacity_factor != MB_MOE_NO_CAPACITY)
        status = check(MB_PARAM_CAPACITY, c->capacity_factor, bad_param);
    return status;
}

static int expert_block_size(const mb_moe_config *c)
{
    if (c->hidden == 0)
        return c->classes * c->inputs + c->classes;
    return c->hidden * c->inputs + c->hidden + c->classes * c->hidden + c->classes;
}

static int slot_count(const mb_moe_config *c)
{
    if (c->routing == MB_MOE_DENSE)
        return c->experts;
    return c->routing == MB_MOE_TOPK ? c->top_k : 1;
}

double mb_moe_memory_estimate(const mb_moe_config *c)
{
    double params = (double)c->experts * (c->inputs + 1) + (double)c->experts * expert_block_size(c);
    double plan = (double)c->batch * slot_count(c) * (sizeof(int) + 1);
    return 4.0 * params * sizeof(float) + plan;
}

void mb_moe_free(mb_moe *model)
{
    if (model == NULL)
        return;
    free(model->slab);
    free(model->balance_bias);
    free(model->plan_expert);
    free(model->plan_kept);
    free(model->plan_counts);
    free(model->plan_share);
    free(model->logits);
    free(model->gates);
    free(model->hidden_pre);
    free(model->outputs);
    free(model->y);
    free(model->prob_sums);
    free(model);
}

static void initialise(mb_moe *model)
{
    const mb_moe_config *c = &model->config;
    uint32_t key1, key2;
    mb_random_keys(c->seed, STREAM_INIT, &key1, &key2);
    uint32_t counter = 0;
    float *p = model->params;
    /* Weights uniform in +-1/sqrt(fan-in), biases 0. */
    #define FILL_WEIGHTS(count, fan_in)                                                              \
        do {                                                                                         \
            float bound = 1.0f / sqrtf((float)(fan_in));                                            \
            for (int i_ = 0; i_ < (count); i_++)                                                    \
                *p++ = (2.0f * mb_random_uniform(key1, key2, counter++) - 1.0f) * bound;            \
        } while (0)
    #define FILL_ZERO(count) do { memset(p, 0, (size_t)(count) * sizeof(float)); p += (count); } while (0)
    FILL_WEIGHTS(c->experts * c->inputs, c->inputs);
    FILL_ZERO(c->experts);
    for (int e = 0; e < c->experts; e++) {
        if (c->hidden == 0) {
            FILL_WEIGHTS(c->classes * c->inputs, c->inputs);
            FILL_ZERO(c->classes);
        } else {
            FILL_WEIGHTS(c->hidden * c->inputs, c->inputs);
            FILL_ZERO(c->hidden);
            FILL_WEIGHTS(c->classes * c->hidden, c->hidden);
            FILL_ZERO(c->classes);
        }
    }
    #undef FILL_WEIGHTS
    #undef FILL_ZERO
}

mb_status mb_moe_create(const mb_moe_config *config, mb_moe **out, mb_param *bad_param)
{
    if (config == NULL || out == NULL)
        return MB_ERR_NULL_POINTER;
    *out = NULL;
    mb_status status = mb_moe_config_check(config, bad_param);
    if (status != MB_OK)
        return status;
    if (mb_moe_memory_estimate(config) > MB_MOE_MEMORY_LIMIT)
        return MB_ERR_MEMORY_LIMIT;
    mb_moe *model = calloc(1, sizeof *model);
    if (model == NULL)
        return MB_ERR_NO_MEMORY;
    model->config = *config;
    const mb_moe_config *c = &model->config;
    model->kernels = c->reference_kernels ? &mb_moe_reference_kernels : &mb_moe_vector_kernels;
    model->expert_size = expert_block_size(c);
    model->param_count = c->experts * (c->inputs + 1) + c->experts * model->expert_size;
    model->slots = slot_count(c);
    int n = c->experts, s = model->slots, width = c->hidden > 0 ? c->hidden : 1;
    size_t plan = (size_t)c->batch * (size_t)s;
    model->slab = calloc(4 * (size_t)model->param_count, sizeof(float));
    model->balance_bias = calloc((size_t)n, sizeof(float));
    model->plan_expert = malloc(plan * sizeof(int));
    model->plan_kept = malloc(plan);
    model->plan_counts = calloc((size_t)n, sizeof(int));
    model->plan_share = calloc((size_t)n, sizeof(double));
    model->logits = malloc(4 * (size_t)n * sizeof(float));
    model->gates = malloc(2 * (size_t)s * sizeof(float));
    model->hidden_pre = malloc((2 * (size_t)s + 1) * (size_t)width * sizeof(float));
    model->outputs = malloc((size_t)s * (size_t)c->classes * sizeof(float));
    model->y = malloc(3 * (size_t)c->classes * sizeof(float));
    model->prob_sums = calloc((size_t)n, sizeof(double));
    if (model->slab == NULL || model->balance_bias == NULL || model->plan_expert == NULL
        || model->plan_kept == NULL || model->plan_counts == NULL || model->plan_share == NULL
        || model->logits == NULL || model->gates == NULL || model->hidden_pre == NULL || model->outputs == NULL
        || model->y == NULL || model->prob_sums == NULL) {
        mb_moe_free(model);
        return MB_ERR_NO_MEMORY;
    }
    model->params = model->slab;
    model->grads = model->params + model->param_count;
    model->moment1 = model->grads + model->param_count;
    model->moment2 = model->moment1 + model->param_count;
    model->probs = model->logits + n;
    model->dprobs = model->probs + n;
    model->dlogits = model->dprobs + n;
    model->dgates = model->gates + s;
    model->hidden = model->hidden_pre + (size_t)s * (size_t)width;
    model->dhidden = model->hidden + (size_t)s * (size_t)width;
    model->dy = model->y + c->classes;
    model->dout = model->dy + c->classes;
    model->beta1_power = 1.0;
    model->beta2_power = 1.0;
    initialise(model);
    *out = model;
    return MB_OK;
}

const mb_moe_config *mb_moe_get_config(const mb_moe *model) { return &model->config; }
int mb_moe_param_count(const mb_moe *model) { return model->param_count; }
float *mb_moe_params(mb_moe *model) { return model->params; }
const float *mb_moe_grads(const mb_moe *model) { return model->grads; }
const float *mb_moe_balance_bias(const mb_moe *model) { return model->balance_bias; }
const int *mb_moe_dispatched_counts(const mb_moe *model) { return model->plan_counts; }

int mb_moe_tensor_count(const mb_moe *model)
{
    return 2 + model->config.experts * (model->config.hidden > 0 ? 4 : 2);
}

int mb_moe_tensor_info(const mb_moe *model, int index, char *name, int name_size, int *offset, int *size)
{
    const mb_moe_config *c = &model->config;
    if (index < 0 || index >= mb_moe_tensor_count(model) || name == NULL || name_size <= 0)
        return 0;
    int router_w = c->experts * c->inputs;
    if (index < 2) {
        snprintf(name, (size_t)name_size, "%s", index == 0 ? "router.W" : "router.b");
        *offset = index == 0 ? 0 : router_w;
        *size = index == 0 ? router_w : c->experts;
        return 1;
    }
    int per_expert = c->hidden > 0 ? 4 : 2;
    int expert = (index - 2) / per_expert;
    int part = (index - 2) % per_expert;
    int sizes_hidden[4] = {c->hidden * c->inputs, c->hidden, c->classes * c->hidden, c->classes};
    int sizes_linear[2] = {c->classes * c->inputs, c->classes};
    const char *names_hidden[4] = {"W1", "b1", "W2", "b2"};
    const char *names_linear[2] = {"W", "b"};
    const int *sizes = c->hidden > 0 ? sizes_hidden : sizes_linear;
    int at = router_w + c->experts + expert * model->expert_size;
    for (int i = 0; i < part; i++)
        at += sizes[i];
    snprintf(name, (size_t)name_size, "expert%d.%s", expert + 1,
             c->hidden > 0 ? names_hidden[part] : names_linear[part]);
    *offset = at;
    *size = sizes[part];
    return 1;
}

/* p = softmax(z) over n entries; returns logsumexp(z). */
static float softmax(float *p, const float *z, int n)
{
    float top = z[0];
    for (int i = 1; i < n; i++)
        top = z[i] > top ? z[i] : top;
    float sum = 0.0f;
    for (int i = 0; i < n; i++) {
        p[i] = mb_fast_exp(z[i] - top);
        sum += p[i];
    }
    float inverse = 1.0f / sum;
    for (int i = 0; i < n; i++)
        p[i] *= inverse;
    return top + mb_fast_log(sum);
}

static void router_logits(mb_moe *model, const float *x)
{
    const mb_moe_config *c = &model->config;
    model->kernels->linear_forward(model->logits, model->params, model->params + c->experts * c->inputs, x,
                                   c->experts, c->inputs);
    float beta = (float)c->beta;
    for (int i = 0; i < c->experts; i++)
        model->logits[i] *= beta;
}

mb_status mb_moe_route(mb_moe *model, const float *x, int count, int evaluate, int *primary)
{
    if (model == NULL || x == NULL)
        return MB_ERR_NULL_POINTER;
    const mb_moe_config *c = &model->config;
    if (count < 1 || count > c->batch)
        return MB_ERR_OUT_OF_RANGE;
    int n = c->experts, s = model->slots;
    int routing = c->routing;
    if (evaluate && routing == MB_MOE_SAMPLE)
        routing = MB_MOE_TOP1;
    uint32_t key1, key2;
    mb_random_keys(c->seed, STREAM_SAMPLE, &key1, &key2);
    float *scores = model->dlogits; /* scratch */
    int kept_counts[MB_MOE_MAX_EXPERTS] = {0};
    int capacity = count * s; /* no limit */
    if (c->capacity_factor != MB_MOE_NO_CAPACITY && routing != MB_MOE_DENSE)
        capacity = (int)ceil(c->capacity_factor * count / n);
    memset(model->plan_counts, 0, (size_t)n * sizeof(int));
    for (int t = 0; t < count; t++) {
        router_logits(model, x + (size_t)t * (size_t)c->inputs);
        for (int i = 0; i < n; i++)
            scores[i] = model->logits[i] + model->balance_bias[i];
        int *chosen = model->plan_expert + (size_t)t * (size_t)s;
        unsigned char *kept = model->plan_kept + (size_t)t * (size_t)s;
        int first = 0;
        for (int i = 1; i < n; i++)
            first = scores[i] > scores[first] ? i : first;
        if (routing == MB_MOE_DENSE) {
            for (int i = 0; i < n; i++) {
                chosen[i] = i;
                kept[i] = 1;
            }
            model->plan_counts[first]++;
            if (primary != NULL)
                primary[t] = first;
            continue;
        }
        if (routing == MB_MOE_TOP1) {
            chosen[0] = first;
        } else if (routing == MB_MOE_TOPK) {
            unsigned long long taken = 0; /* n <= 64 */
            for (int j = 0; j < s; j++) {
                int best = -1;
                for (int i = 0; i < n; i++)
                    if (!(taken >> i & 1ull) && (best < 0 || scores[i] > scores[best]))
                        best = i;
                chosen[j] = best;
                taken |= 1ull << best;
            }
        } else {
            float *q = model->dprobs; /* scratch */
            softmax(q, scores, n);
            float u = mb_random_uniform(key1, key2, model->sample_counter++);
            int pick = n - 1;
            float cumulative = 0.0f;
            for (int i = 0; i < n - 1; i++) {
                cumulative += q[i];
                if (u < cumulative) {
                    pick = i;
                    break;
                }
            }
            chosen[0] = pick;
        }
        int any = 0;
        for (int j = 0; j < s; j++) {
            int e = chosen[j];
            model->plan_counts[e]++;
            kept[j] = kept_counts[e] < capacity;
            kept_counts[e] += kept[j];
            any |= kept[j];
        }
        if (primary != NULL)
            primary[t] = any ? chosen[0] : -1;
    }
    int per_token = routing == MB_MOE_DENSE ? 1 : s;
    for (int i = 0; i < n; i++)
        model->plan_share[i] = (double)model->plan_counts[i] / ((double)count * per_token);
    model->plan_tokens = count;
    return MB_OK;
}

/* Offsets of expert e's tensors in a slab. */
typedef struct {
    int w1, b1, w2, b2; /* for linear experts: w1, b1 are W, b */
} expert_layout;

static expert_layout layout_of(const mb_moe *model, int e)
{
    const mb_moe_config *c = &model->config;
    expert_layout l;
    l.w1 = c->experts * (c->inputs + 1) + e * model->expert_size;
    if (c->hidden == 0) {
        l.b1 = l.w1 + c->classes * c->inputs;
        l.w2 = l.b2 = -1;
    } else {
        l.b1 = l.w1 + c->hidden * c->inputs;
        l.w2 = l.b1 + c->hidden;
        l.b2 = l.w2 + c->classes * c->hidden;
    }
    return l;
}

static void expert_forward(mb_moe *model, int e, const float *x, float *pre, float *act, float *out)
{
    const mb_moe_config *c = &model->config;
    const mb_moe_kernels *k = model->kernels;
    expert_layout l = layout_of(model, e);
    const float *p = model->params;
    if (c->hidden == 0) {
        k->linear_forward(out, p + l.w1, p + l.b1, x, c->classes, c->inputs);
        return;
    }
    k->linear_forward(pre, p + l.w1, p + l.b1, x, c->hidden, c->inputs);
    for (int h = 0; h < c->hidden; h++)
        act[h] = pre[h] > 0.0f ? pre[h] : 0.0f;
    k->linear_forward(out, p + l.w2, p + l.b2, act, c->classes, c->hidden);
}

/* Accumulates the gradients of expert e for output gradient dout. */
static void expert_backward(mb_moe *model, int e, const float *x, const float *pre, const float *act,
                            const float *dout)
{
    const mb_moe_config *c = &model->config;
    const mb_moe_kernels *k = model->kernels;
    expert_layout l = layout_of(model, e);
    float *g = model->grads;
    if (c->hidden == 0) {
        k->linear_backward_weights(g + l.w1, g + l.b1, dout, x, c->classes, c->inputs);
        return;
    }
    float *dhidden = model->dhidden;
    k->linear_backward_weights(g + l.w2, g + l.b2, dout, act, c->classes, c->hidden);
    k->linear_backward_input(dhidden, model->params + l.w2, dout, c->classes, c->hidden);
    for (int h = 0; h < c->hidden; h++)
        dhidden[h] = pre[h] > 0.0f ? dhidden[h] : 0.0f;
    k->linear_backward_weights(g + l.w1, g + l.b1, dhidden, x, c->hidden, c->inputs);
}

mb_status mb_moe_batch_loss(mb_moe *model, const float *x, const int32_t *labels, int count, int want_grad,
                      mb_moe_batch_result *result, int32_t *predictions)
{
    if (model == NULL || x == NULL || labels == NULL || result == NULL)
        return MB_ERR_NULL_POINTER;
    if (count != model->plan_tokens)
        return MB_ERR_LENGTH_MISMATCH;
    const mb_moe_config *c = &model->config;
    int n = c->experts, s = model->slots, classes = c->classes, d = c->inputs;
    int width = c->hidden > 0 ? c->hidden : 1;
    memset(result, 0, sizeof *result);
    memset(model->prob_sums, 0, (size_t)n * sizeof(double));
    if (want_grad)
        memset(model->grads, 0, (size_t)model->param_count * sizeof(float));
    float inverse_count = 1.0f / (float)count;
    float beta = (float)c->beta;
    float *p = model->probs, *dp = model->dprobs, *dz = model->dlogits;
    float *y = model->y, *dy = model->dy, *dout = model->dout;
    for (int t = 0; t < count; t++) {
        const float *xt = x + (size_t)t * (size_t)d;
        int label = labels[t];
        if (label < 0 || label >= classes)
            return MB_ERR_OUT_OF_RANGE;
        router_logits(model, xt);
        float lse = softmax(p, model->logits, n);
        double entropy = 0.0;
        for (int i = 0; i < n; i++) {
            model->prob_sums[i] += p[i];
            if (p[i] > 1e-30f)
                entropy -= (double)p[i] * mb_fast_log(p[i]);
        }
        result->entropy += entropy;
        result->z_loss += (double)lse * lse;

        const int *chosen = model->plan_expert + (size_t)t * (size_t)s;
        const unsigned char *kept = model->plan_kept + (size_t)t * (size_t)s;
        float selected_sum = 0.0f; /* sum of p over the selected set, for topk */
        for (int j = 0; j < s; j++)
            selected_sum += p[chosen[j]];
        int any = 0;
        for (int j = 0; j < classes; j++)
            y[j] = 0.0f;
        for (int j = 0; j < s; j++) {
            float gate = p[chosen[j]];
            if (c->routing == MB_MOE_TOPK)
                gate /= selected_sum;
            model->gates[j] = gate;
            if (!kept[j])
                continue;
            any = 1;
            float *out = model->outputs + (size_t)j * (size_t)classes;
            expert_forward(model, chosen[j], xt, model->hidden_pre + (size_t)j * width,
                           model->hidden + (size_t)j * width, out);
            for (int k = 0; k < classes; k++)
                y[k] += gate * out[k];
        }
        result->dropped += !any;

        int predicted = 0;
        for (int k = 1; k < classes; k++)
            predicted = y[k] > y[predicted] ? k : predicted;
        result->correct += predicted == label;
        if (predictions != NULL)
            predictions[t] = predicted;
        if (c->loss == MB_MOE_CROSS_ENTROPY) {
            float output_lse = softmax(dy, y, classes); /* dy now contains softmax(y) */
            result->task_loss += (double)output_lse - y[label];
            dy[label] -= 1.0f;
            for (int k = 0; k < classes; k++)
                dy[k] *= inverse_count;
        } else {
            double squares = 0.0;
            float scale = 2.0f / (float)classes * inverse_count;
            for (int k = 0; k < classes; k++) {
                float error = y[k] - (k == label ? 1.0f : 0.0f);
                squares += (double)error * error;
                dy[k] = scale * error;
            }
            result->task_loss += squares / classes;
        }
        if (!want_grad)
            continue;

        for (int j = 0; j < s; j++) {
            model->dgates[j] = 0.0f;
            if (!kept[j])
                continue;
            const float *out = model->outputs + (size_t)j * (size_t)classes;
            float dgate = 0.0f;
            for (int k = 0; k < classes; k++) {
                dout[k] = model->gates[j] * dy[k];
                dgate += dy[k] * out[k];
            }
            model->dgates[j] = dgate;
            expert_backward(model, chosen[j], xt, model->hidden_pre + (size_t)j * width,
                            model->hidden + (size_t)j * width, dout);
        }
        for (int i = 0; i < n; i++)
            dp[i] = (float)(c->aux_weight * n * model->plan_share[i]) * inverse_count;
        if (c->routing == MB_MOE_TOPK) {
            /* gate_j = p_j / sum_S p: d/dp_e = dgate_e / sum - sum_j dgate_j gate_j / sum */
            float weighted = 0.0f;
            for (int j = 0; j < s; j++)
                weighted += model->dgates[j] * model->gates[j];
            for (int j = 0; j < s; j++)
                dp[chosen[j]] += (model->dgates[j] - weighted) / selected_sum;
        } else {
            for (int j = 0; j < s; j++)
                dp[chosen[j]] += model->dgates[j];
        }
        float dot = 0.0f;
        for (int i = 0; i < n; i++)
            dot += p[i] * dp[i];
        float z_scale = (float)(2.0 * c->z_weight) * lse * inverse_count;
        for (int i = 0; i < n; i++)
            dz[i] = beta * (p[i] * (dp[i] - dot) + z_scale * p[i]);
        model->kernels->linear_backward_weights(model->grads, model->grads + n * d, dz, xt, n, d);
    }
    double aux = 0.0;
    for (int i = 0; i < n; i++)
        aux += model->plan_share[i] * model->prob_sums[i] / count;
    result->aux_loss = c->aux_weight * n * aux;
    if (!isfinite(result->task_loss) || !isfinite(result->z_loss))
        return MB_ERR_DIVERGED;
    return MB_OK;
}

mb_status mb_moe_step(mb_moe *model)
{
    if (model == NULL)
        return MB_ERR_NULL_POINTER;
    const mb_moe_config *c = &model->config;
    const mb_moe_kernels *k = model->kernels;
    /* W_r and b_r lead the slab and both decay: b_r is the part of the
     * logits that every token shares, the score s_i of the minimal model. */
    int router_weights = c->experts * (c->inputs + 1);
    int rest = model->param_count - router_weights;
    float decay = (float)(c->learning_rate * c->router_decay);
    if (c->optimizer == MB_MOE_ADAM) {
        /* Powers by repeated products, not pow(), whose last bit differs
         * between C libraries. */
        model->beta1_power *= (double)ADAM_BETA1;
        model->beta2_power *= (double)ADAM_BETA2;
        float rate = (float)(c->learning_rate * sqrt(1.0 - model->beta2_power) / (1.0 - model->beta1_power));
        k->adam(model->params, model->moment1, model->moment2, model->grads, router_weights, rate, ADAM_BETA1,
                ADAM_BETA2, ADAM_EPSILON, decay);
        k->adam(model->params + router_weights, model->moment1 + router_weights, model->moment2 + router_weights,
                model->grads + router_weights, rest, rate, ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON, 0.0f);
    } else {
        float rate = (float)c->learning_rate, momentum = (float)c->momentum;
        k->sgd(model->params, model->moment1, model->grads, router_weights, rate, momentum, decay);
        k->sgd(model->params + router_weights, model->moment1 + router_weights, model->grads + router_weights,
               rest, rate, momentum, 0.0f);
    }
    if (c->balance_rate > 0.0) {
        double mean = 0.0;
        for (int i = 0; i < c->experts; i++)
            mean += model->plan_counts[i];
        mean /= c->experts;
        float rate = (float)c->balance_rate;
        for (int i = 0; i < c->experts; i++) {
            double gap = mean - model->plan_counts[i];
            if (gap > 0.0)
                model->balance_bias[i] += rate;
            else if (gap < 0.0)
                model->balance_bias[i] -= rate;
        }
    }
    for (int i = 0; i < model->param_count; i++)
        if (!isfinite(model->params[i]))
            return MB_ERR_DIVERGED;
    return MB_OK;
}
