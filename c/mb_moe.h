/* The small trainable Mixture-of-Experts of MODEL.md section 4.
 *
 * Dimension letters: T tokens of a batch, D inputs, N experts, E hidden units
 * per expert (0: linear experts), C outputs (classes), S slots per token
 * (N for dense routing, k for topk, 1 otherwise).
 *
 *   router:  u = W_r x + b_r,  z = beta * u,  p = softmax(z)
 *            selection scores s = z + b_bal (b_bal, the loss-free balancing
 *            bias, changes which experts are selected, never a gate value)
 *   experts: f_i(x) = W_i x + b_i, or W2_i relu(W1_i x + b1_i) + b2_i
 *   routing: dense  y = sum_i p_i f_i(x)
 *            top1   y = p_I f_I(x),  I = argmax_i s_i (lowest index on ties)
 *            topk   y = sum_{i in S} p_i / (sum_{j in S} p_j) f_i(x), S the k largest s_i
 *            sample y = p_I f_I(x),  I ~ softmax(s)
 *   capacity factor cf (not for dense): expert i takes at most ceil(cf T / N)
 *            assignments of a batch, in token order. An assignment beyond
 *            that is dropped and contributes nothing. A token with no
 *            assignment left is a dropped token, and its output y is 0.
 *   loss:    (1/T) sum_t [ task(y_t) + c_z * (logsumexp z_t)^2 ]
 *            + alpha * N * sum_i f_i * P_i,
 *            task = cross-entropy of softmax(y) or (1/C) |y - onehot|^2,
 *            f_i = dispatched share of expert i (selections before capacity,
 *            over T*S assignments; dense counts argmax s), P_i = mean_t p_i.
 *            The selections and f are held fixed: gradients flow through the
 *            gate values, P and the experts.
 *   update:  Adam (b1 = 0.9, b2 = 0.999, eps = 1e-8, bias-corrected) or SGD
 *            with momentum. The router's W_r and b_r also decay, decoupled:
 *            W_r <- (1 - rate * lambda_r) W_r and the same for b_r. b_r is
 *            shared by every token, like the scores of the minimal model
 *            that decay at rate lambda. After
 *            each step b_bal_i += gamma * sign(mean_j c_j - c_i) with c_i the
 *            dispatched count of expert i.
 *
 * Parameters live in one float slab: W_r (N x D), b_r (N), then per expert
 * W1 (E x D), b1 (E), W2 (C x E), b2 (C), or W (C x D), b (C) when E = 0.
 * Gradients, and the optimiser's moments, are slabs of the same layout.
 * Not modelled: expert parallelism, token choice beyond the batch order,
 * gradient clipping and learning-rate schedules.
 */
#ifndef MB_MOE_H
#define MB_MOE_H

#include <stdint.h>

#include "mb_params.h"
#include "mb_status.h"

#define MB_MOE_MAX_EXPERTS 64
/* Bytes of parameters, gradients and moments together that a model may take. */
#define MB_MOE_MEMORY_LIMIT (256.0 * 1024.0 * 1024.0)
/* capacity_factor meaning: every expert takes every token it is given. */
#define MB_MOE_NO_CAPACITY (-1.0)

typedef enum { MB_MOE_DENSE = 0, MB_MOE_TOP1 = 1, MB_MOE_TOPK = 2, MB_MOE_SAMPLE = 3 } mb_moe_routing;
typedef enum { MB_MOE_CROSS_ENTROPY = 0, MB_MOE_SQUARED_ERROR = 1 } mb_moe_loss;
typedef enum { MB_MOE_ADAM = 0, MB_MOE_SGD = 1 } mb_moe_optimizer;

typedef struct {
    int inputs;               /* D */
    int classes;              /* C */
    int experts;              /* N, 2 to 64 */
    int hidden;               /* E, 0 for linear experts */
    int top_k;                /* k of topk routing */
    mb_moe_routing routing;
    mb_moe_loss loss;
    mb_moe_optimizer optimizer;
    double beta;              /* router inverse temperature */
    double learning_rate;
    double momentum;          /* SGD only */
    double aux_weight;        /* alpha */
    double z_weight;          /* c_z */
    double capacity_factor;   /* cf, or MB_MOE_NO_CAPACITY */
    double balance_rate;      /* gamma; 0 leaves b_bal at 0 */
    double router_decay;      /* lambda_r, for W_r and b_r */
    int batch;                /* largest T of one call */
    uint32_t seed;
    int reference_kernels;    /* 1: the plain reference twins instead of SIMD */
} mb_moe_config;

typedef struct mb_moe mb_moe;

/* Sums over the tokens of one batch. */
typedef struct {
    double task_loss;   /* sum of task losses */
    double z_loss;      /* sum of (logsumexp z)^2, before the weight c_z */
    double aux_loss;    /* alpha * N * sum_i f_i P_i of the batch */
    double entropy;     /* sum of router entropies, nats */
    int correct;        /* tokens whose argmax y is the label */
    int dropped;        /* dropped tokens */
} mb_moe_batch_result;

/* Fills config with the defaults of the digits experiment for the given
 * inputs and classes. */
void mb_moe_config_default(mb_moe_config *config, int inputs, int classes);

/* Checks every field; on MB_ERR_OUT_OF_RANGE *bad_param names the field.
 * k > N is reported as MB_PARAM_TOP_K. */
mb_status mb_moe_config_check(const mb_moe_config *config, mb_param *bad_param);

/* Bytes the model's slabs would take. */
double mb_moe_memory_estimate(const mb_moe_config *config);

/* Creates a model with seeded initial weights: uniform in +-1/sqrt(fan-in),
 * biases 0. MB_ERR_MEMORY_LIMIT when it would exceed MB_MOE_MEMORY_LIMIT. */
mb_status mb_moe_create(const mb_moe_config *config, mb_moe **out, mb_param *bad_param);
void mb_moe_free(mb_moe *model);

const mb_moe_config *mb_moe_get_config(const mb_moe *model);
int mb_moe_param_count(const mb_moe *model);
float *mb_moe_params(mb_moe *model);
const float *mb_moe_grads(const mb_moe *model);
const float *mb_moe_balance_bias(const mb_moe *model);
/* Dispatched assignments per expert in the last routed batch (before
 * capacity; dense routing counts each token's argmax). */
const int *mb_moe_dispatched_counts(const mb_moe *model);

/* Describes parameter tensor `index` (0 .. mb_moe_tensor_count - 1): writes
 * its name ("router.W", "expert1.W1", ...), its offset in the slab and its
 * size. Returns 1, or 0 for an index out of range. */
int mb_moe_tensor_count(const mb_moe *model);
int mb_moe_tensor_info(const mb_moe *model, int index, char *name, int name_size, int *offset, int *size);

/* Routes a batch of count <= batch tokens (x: count x D) and stores the
 * plan: selections, capacity and dispatched shares. With evaluate set,
 * sample routing takes the argmax and draws nothing. primary (may be NULL)
 * receives each token's first selected expert, or -1 when it was dropped. */
mb_status mb_moe_route(mb_moe *model, const float *x, int count, int evaluate, int *primary);

/* Evaluates the loss of the last routed batch under the stored plan, at the
 * current parameters; with want_grad, also writes the gradient of the mean
 * loss (the formula above) into the gradient slab. predictions (may be
 * NULL) receives argmax y per token. */
mb_status mb_moe_batch_loss(mb_moe *model, const float *x, const int32_t *labels, int count, int want_grad,
                      mb_moe_batch_result *result, int32_t *predictions);

/* Applies one optimiser step with the gradient slab, then the balancing
 * bias update with the stored plan's dispatched counts. */
mb_status mb_moe_step(mb_moe *model);

#endif
