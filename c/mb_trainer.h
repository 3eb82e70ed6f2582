/* Epoch-by-epoch training of the MoE of mb_moe.h on a data set, with the
 * metrics the page and the CLI report after every epoch.
 *
 * One epoch: the training examples in a seeded order (a Fisher-Yates
 * shuffle per epoch), in batches of config.batch (the last one shorter);
 * for each batch route, loss and gradient, one optimiser step. Then the
 * test set is evaluated in batches of the same size with the training
 * routing, except that sample routing takes the argmax.
 *
 * Training metrics are means over the epoch's batches, taken while the
 * weights change (as a training loop logs them); test metrics come from the
 * weights at the end of the epoch.
 */
#ifndef MB_TRAINER_H
#define MB_TRAINER_H

#include "mb_dataset.h"
#include "mb_moe.h"

typedef struct {
    int epoch;                 /* 1-based */
    double train_loss;         /* mean task loss per token */
    double train_accuracy;     /* fraction */
    double aux_loss;           /* mean over batches, weighted */
    double z_loss;             /* mean c_z * (logsumexp z)^2 per token */
    double router_entropy;     /* mean entropy of p per token, nats */
    long dropped;              /* dropped training tokens in the epoch */
    double dropped_fraction;
    double test_loss;
    double test_accuracy;
    double loads[MB_MOE_MAX_EXPERTS];      /* dispatched share of each expert in training */
    double test_loads[MB_MOE_MAX_EXPERTS]; /* share of all test tokens kept by expert i as their first
                                            * expert; with a capacity limit these sum to less than 1 */
    double imbalance;          /* max_i loads - min_i loads; |f_1 - f_2| for two experts */
} mb_trainer_metrics;

typedef struct mb_trainer mb_trainer;

/* Copies both data sets. config->inputs and classes must match them
 * (MB_ERR_LENGTH_MISMATCH otherwise); config is checked as by mb_moe_create. */
mb_status mb_trainer_create(const mb_moe_config *config, const mb_dataset *train, const mb_dataset *test,
                            mb_trainer **out, mb_param *bad_param);
void mb_trainer_free(mb_trainer *trainer);

/* Runs one epoch and writes its metrics. On MB_ERR_DIVERGED the epoch is
 * abandoned: the trainer keeps the counts and metrics of the last finished
 * epoch and refuses further epochs with the same status. */
mb_status mb_trainer_epoch(mb_trainer *trainer, mb_trainer_metrics *metrics);

int mb_trainer_epochs_done(const mb_trainer *trainer);
mb_moe *mb_trainer_model(mb_trainer *trainer);
/* Of the last evaluation of the test set: the routing matrix, C x N, counts
 * test tokens of class c kept by expert i as their first expert (dropped
 * tokens are in no column); the confusion matrix, C x C, counts true class
 * by predicted class, where a dropped token predicts class 0; per test
 * token, its first expert (-1 when dropped) and its predicted class. */
const int *mb_trainer_routing_matrix(const mb_trainer *trainer);
const int *mb_trainer_confusion(const mb_trainer *trainer);
const int *mb_trainer_test_experts(const mb_trainer *trainer);
const int32_t *mb_trainer_test_predictions(const mb_trainer *trainer);
int mb_trainer_test_count(const mb_trainer *trainer);

/* The mean-field imbalance of two experts at H = 0: the positive root of
 * m = tanh(K m), 0 for K <= 1. */
double mb_trainer_mean_field_imbalance(double K);

/* Imbalances outside this range do not pin K_eff down: near 0 every K <= 1
 * fits, near 1 the curve is flat. */
#define MB_TRAINER_FIT_MIN_IMBALANCE 0.05
#define MB_TRAINER_FIT_MAX_IMBALANCE 0.95

/* Returns K_eff = artanh(m)/m, the K at which the mean-field curve passes
 * through the imbalance m, or NaN for m outside the range above. */
double mb_trainer_effective_feedback(double imbalance);

/* Fits K_eff = gain * x to imbalances m_i measured at settings x_i (for
 * instance beta): least squares in log K_eff over the settings whose m_i
 * pins K_eff down, so that the gain does not depend on settings where the
 * model is collapsed or balanced. Writes the gain, the root-mean-square
 * residual in log K_eff and the number of settings used. A residual near 0
 * means K_eff is proportional to x; a large one means it is not.
 * MB_ERR_OUT_OF_RANGE for an x_i that is not positive and finite or an m_i
 * that is not finite; MB_ERR_EMPTY_INTERVAL when no setting pins K_eff
 * down (gain and residual are then NaN). */
mb_status mb_trainer_fit_gain(const double *x, const double *imbalance, int count, double *gain, double *rms,
                              int *used);

#endif
