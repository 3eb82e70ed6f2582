#include "mb_params.h"

#include <math.h>
#include <stddef.h>

/* The K and H limits keep every intermediate finite in double precision:
 * kappa*m + H stays below 1e6 + 100, and exp(-z^2) and cosh(z) are never
 * evaluated where they would overflow (see mb_link.c). The tau limit bounds
 * the work of one trajectory; every trajectory has settled long before it
 * unless it starts on an unstable equilibrium. */
static const mb_param_info_t param_table[MB_PARAM_COUNT] = {
    [MB_PARAM_K] = {"K", 0.0, 1e6, 1, 1, 0},
    [MB_PARAM_H] = {"H", -100.0, 100.0, 1, 1, 0},
    [MB_PARAM_M0] = {"m0", -1.0, 1.0, 0, 0, 0},
    [MB_PARAM_TAU] = {"tau", 0.0, 1e4, 0, 1, 0},
    [MB_PARAM_SAMPLES] = {"samples", 2.0, 100000.0, 1, 1, 1},
    [MB_PARAM_RTOL] = {"rtol", 1e-13, 1e-2, 1, 1, 0},
    [MB_PARAM_ATOL] = {"atol", 1e-15, 1e-2, 1, 1, 0},
    [MB_PARAM_M] = {"m", -1.0, 1.0, 1, 1, 0},
    [MB_PARAM_MAX_POINTS] = {"max-points", 16.0, 1000000.0, 1, 1, 1},
    [MB_PARAM_EXPERTS] = {"N", 2.0, 256.0, 1, 1, 1},
    [MB_PARAM_BETA] = {"beta", 0.0, 1e6, 0, 1, 0},
    [MB_PARAM_ETA] = {"eta", 0.0, 1.0, 0, 0, 0},
    [MB_PARAM_LAMBDA] = {"lambda", 0.0, 1e6, 0, 1, 0},
    /* float32 scores keep an increment within 1 % of rounding down to 1e-5. */
    [MB_PARAM_EPSILON] = {"eta*lambda", 1e-5, 1.0, 1, 0, 0},
    [MB_PARAM_SIGMA] = {"sigma", 0.0, 1e6, 0, 1, 0},
    [MB_PARAM_BIAS] = {"h", -100.0, 100.0, 1, 1, 0},
    [MB_PARAM_REPLICAS] = {"replicas", 1.0, 100000.0, 1, 1, 1},
    [MB_PARAM_STEPS] = {"steps", 1.0, 10000000.0, 1, 1, 1},
    [MB_PARAM_RECORD_EVERY] = {"record-every", 1.0, 10000000.0, 1, 1, 1},
    [MB_PARAM_TRACED] = {"traced", 0.0, 8.0, 1, 1, 1},
    [MB_PARAM_SCORE] = {"initial score", -1e6, 1e6, 1, 1, 0},
    [MB_PARAM_THRESHOLD] = {"threshold", 0.0, 1.0, 1, 0, 0},
    /* 32 bits, so that every seed is an exact JavaScript number too. */
    [MB_PARAM_SEED] = {"seed", 0.0, 4294967295.0, 1, 1, 1},
    [MB_PARAM_BINS] = {"bins", 1.0, 10000.0, 1, 1, 1},
    [MB_PARAM_SWITCH_AFTER] = {"switch-after", 0.0, 1e7, 1, 1, 0},
    [MB_PARAM_MOE_EXPERTS] = {"experts", 2.0, 64.0, 1, 1, 1},
    [MB_PARAM_EXPERT_HIDDEN] = {"expert-hidden", 0.0, 512.0, 1, 1, 1},
    [MB_PARAM_TOP_K] = {"k", 1.0, 64.0, 1, 1, 1},
    [MB_PARAM_LEARNING_RATE] = {"learning-rate", 0.0, 10.0, 0, 1, 0},
    [MB_PARAM_MOMENTUM] = {"momentum", 0.0, 1.0, 1, 0, 0},
    [MB_PARAM_AUX_WEIGHT] = {"aux-loss", 0.0, 1000.0, 1, 1, 0},
    [MB_PARAM_Z_WEIGHT] = {"z-loss", 0.0, 1000.0, 1, 1, 0},
    [MB_PARAM_CAPACITY] = {"capacity-factor", 0.0, 64.0, 0, 1, 0},
    [MB_PARAM_BALANCE_RATE] = {"balance-rate", 0.0, 100.0, 1, 1, 0},
    [MB_PARAM_ROUTER_DECAY] = {"router-decay", 0.0, 1000.0, 1, 1, 0},
    [MB_PARAM_DECAY_PER_STEP] = {"learning-rate*router-decay", 0.0, 1.0, 1, 0, 0},
    [MB_PARAM_BATCH] = {"batch", 1.0, 4096.0, 1, 1, 1},
    [MB_PARAM_EPOCHS] = {"epochs", 1.0, 10000.0, 1, 1, 1},
    [MB_PARAM_TEST_FRACTION] = {"test-fraction", 0.05, 0.95, 1, 1, 0},
    [MB_PARAM_INPUTS] = {"inputs", 1.0, 1024.0, 1, 1, 1},
    [MB_PARAM_CLASSES] = {"classes", 2.0, 256.0, 1, 1, 1},
    [MB_PARAM_EXAMPLES] = {"examples", 8.0, 200000.0, 1, 1, 1},
};

const mb_param_info_t *mb_param_info(mb_param param)
{
    if ((int)param < 0 || param >= MB_PARAM_COUNT)
        return NULL;
    return &param_table[param];
}

mb_status mb_param_check(mb_param param, double value)
{
    const mb_param_info_t *info = mb_param_info(param);
    if (info == NULL)
        return MB_ERR_INVALID_ENUM;
    if (!isfinite(value))
        return MB_ERR_OUT_OF_RANGE;
    if (value < info->min || (value == info->min && !info->min_inclusive))
        return MB_ERR_OUT_OF_RANGE;
    if (value > info->max || (value == info->max && !info->max_inclusive))
        return MB_ERR_OUT_OF_RANGE;
    if (info->integer && value != floor(value))
        return MB_ERR_OUT_OF_RANGE;
    return MB_OK;
}
