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
    double test_loads[MB_MOE_MAX_EXPERTS]; /* share of test tokens whose first expert is i */
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
/* Of the last evaluation of the test set: counts of test tokens of class c
 * whose first expert is i, C x N; the confusion matrix, true class by
 * predicted class, C x C; per test token its first expert (-1: dropped) and
 * its predicted class. */
const int *mb_trainer_routing_matrix(const mb_trainer *trainer);
const int *mb_trainer_confusion(const mb_trainer *trainer);
const int *mb_trainer_test_experts(const mb_trainer *trainer);
const int32_t *mb_trainer_test_predictions(const mb_trainer *trainer);
int mb_trainer_test_count(const mb_trainer *trainer);

/* The mean-field imbalance of two experts at H = 0: the positive root of
 * m = tanh(K m), 0 for K <= 1. */
double mb_trainer_mean_field_imbalance(double K);

/* Fits K_eff = gain * x to measured imbalances m_i at settings x_i (for
 * instance beta) by least squares in m against the mean-field curve; writes
 * the gain and the root-mean-square residual. MB_ERR_OUT_OF_RANGE when
 * count < 1 or an x_i is not positive and finite. */
mb_status mb_trainer_fit_gain(const double *x, const double *imbalance, int count, double *gain, double *rms);

#endif
