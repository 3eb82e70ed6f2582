/* Valid ranges of every model and solver parameter, in one table.
 *
 * The core checks its inputs against this table and returns
 * MB_ERR_OUT_OF_RANGE on a NaN, an infinity or a value outside the range.
 * The command-line tool and the web page read the same table, through
 * mb_param_info(), to write error messages that name the parameter, the value
 * and the valid range.
 */
#ifndef MB_PARAMS_H
#define MB_PARAMS_H

#include "mb_status.h"

typedef enum {
    MB_PARAM_K = 0,           /* feedback strength K = kappa * g'(0) */
    MB_PARAM_H = 1,           /* external asymmetry H */
    MB_PARAM_M0 = 2,          /* initial imbalance m(0) */
    MB_PARAM_TAU = 3,         /* final time of a trajectory, in units of 1/lambda */
    MB_PARAM_SAMPLES = 4,     /* number of output samples of a trajectory or curve */
    MB_PARAM_RTOL = 5,        /* relative tolerance of the ODE integrator */
    MB_PARAM_ATOL = 6,        /* absolute tolerance of the ODE integrator */
    MB_PARAM_M = 7,           /* a point m of the state space */
    MB_PARAM_MAX_POINTS = 8,  /* point budget of one branch computation */
    MB_PARAM_EXPERTS = 9,     /* N, the number of experts of the discrete router */
    MB_PARAM_BETA = 10,       /* router sharpness (inverse temperature) */
    MB_PARAM_ETA = 11,        /* score increment of the selected expert */
    MB_PARAM_LAMBDA = 12,     /* decay rate of every score */
    MB_PARAM_EPSILON = 13,    /* eta*lambda, the decay per step */
    MB_PARAM_SIGMA = 14,      /* logit noise of noisy-top1 routing */
    MB_PARAM_BIAS = 15,       /* one entry of the bias vector h */
    MB_PARAM_REPLICAS = 16,   /* R, independent replicas of an ensemble */
    MB_PARAM_STEPS = 17,      /* steps of one run */
    MB_PARAM_RECORD_EVERY = 18, /* steps per recorded window */
    MB_PARAM_TRACED = 19,     /* replicas whose traces are recorded */
    MB_PARAM_SCORE = 20,      /* one initial score */
    MB_PARAM_THRESHOLD = 21,  /* |m| that marks an asymmetric state */
    MB_PARAM_SEED = 22,       /* seed of the random number generator */
    MB_PARAM_BINS = 23,       /* histogram bins */
    MB_PARAM_SWITCH_AFTER = 24, /* tau before which switches are not counted */
    MB_PARAM_MOE_EXPERTS = 25,  /* experts of the trainable MoE */
    MB_PARAM_EXPERT_HIDDEN = 26, /* hidden units per expert, 0 for linear experts */
    MB_PARAM_TOP_K = 27,        /* experts per token in topk routing */
    MB_PARAM_LEARNING_RATE = 28,
    MB_PARAM_MOMENTUM = 29,     /* momentum of SGD */
    MB_PARAM_AUX_WEIGHT = 30,   /* alpha, weight of the auxiliary load-balancing loss */
    MB_PARAM_Z_WEIGHT = 31,     /* c_z, weight of the router z-loss */
    MB_PARAM_CAPACITY = 32,     /* capacity factor cf */
    MB_PARAM_BALANCE_RATE = 33, /* gamma, step of the loss-free balancing bias */
    MB_PARAM_ROUTER_DECAY = 34, /* lambda_r, weight decay of the router weights */
    MB_PARAM_DECAY_PER_STEP = 35, /* learning rate * lambda_r, the decay per step */
    MB_PARAM_BATCH = 36,        /* tokens per batch */
    MB_PARAM_EPOCHS = 37,
    MB_PARAM_TEST_FRACTION = 38, /* share of the examples held out for testing */
    MB_PARAM_INPUTS = 39,       /* input dimension d */
    MB_PARAM_CLASSES = 40,      /* classes C */
    MB_PARAM_EXAMPLES = 41,     /* examples of a synthetic task */
    MB_PARAM_COUNT = 42
} mb_param;

typedef struct {
    const char *name;   /* the name used by the CLI (--name) and the page */
    double min;
    double max;
    int min_inclusive;  /* 1 when min itself is valid */
    int max_inclusive;  /* 1 when max itself is valid */
    int integer;        /* 1 when the value must be a whole number */
} mb_param_info_t;

/* Returns the range of a parameter, or NULL for an id outside mb_param. */
const mb_param_info_t *mb_param_info(mb_param param);

/* Returns MB_OK when value is finite and inside the range of param,
 * MB_ERR_OUT_OF_RANGE when it is not, MB_ERR_INVALID_ENUM for a bad id. */
mb_status mb_param_check(mb_param param, double value);

#endif
