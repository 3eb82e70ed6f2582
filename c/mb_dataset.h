/* Data sets of the trainable MoE: parsing, a stratified split, input
 * preprocessing and a synthetic task.
 *
 * A data set contains `count` examples of `inputs` float features and an
 * integer class label each, row-major: x[i * inputs + j].
 *
 * Text format (the digits file): one example per line, `inputs` numbers and
 * then the label, separated by commas; no header. Blank lines are skipped.
 *
 * Stratified split: the examples of each class are shuffled with the seed and
 * the first round(test_fraction * class size) of them go to the test set, so
 * both sets keep the class proportions. Both sets keep the original order.
 *
 * Synthetic task: x ~ N(0, I) and label = argmax_c (W* x)_c for a random
 * teacher W* ~ N(0, 1), C x d. A linear classifier solves it exactly, so a
 * single expert can learn all of it and no expert is needed by any class:
 * the balanced routing state is symmetric.
 */
#ifndef MB_DATASET_H
#define MB_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "mb_status.h"

#define MB_DATASET_MAX_EXAMPLES 200000

typedef struct {
    int count;
    int inputs;
    int classes;
    float *x;         /* [count][inputs] */
    int32_t *labels;  /* [count], each in [0, classes) */
} mb_dataset;

typedef enum {
    MB_PREPROCESS_SCALE = 0,       /* x / max_value, into [0, 1] */
    MB_PREPROCESS_STANDARDISE = 1  /* per feature: (x - mean) / std of the training set */
} mb_preprocess;

/* Parses text into a new data set. Every feature must be a decimal number in
 * [0, max_value] and every label a whole number in [0, classes). On
 * MB_ERR_PARSE, *error_line is the 1-based line at fault (0 when the text
 * contains no example). */
mb_status mb_dataset_parse(const char *text, size_t length, int inputs, int classes, double max_value,
                           mb_dataset *out, long *error_line);

/* Splits all into new train and test sets, stratified by class. */
mb_status mb_dataset_split(const mb_dataset *all, double test_fraction, uint32_t seed, mb_dataset *train,
                           mb_dataset *test);

/* Preprocesses train and test in place, with statistics of train only.
 * max_value is the scale of MB_PREPROCESS_SCALE. A constant feature is set
 * to 0 by MB_PREPROCESS_STANDARDISE. */
mb_status mb_dataset_preprocess(mb_dataset *train, mb_dataset *test, mb_preprocess mode, double max_value);

/* Draws the synthetic task described above; the teacher depends on the seed only. */
mb_status mb_dataset_synthetic(int count, int inputs, int classes, uint32_t seed, mb_dataset *out);

/* Frees the arrays of a data set and zeroes it; NULL is allowed. */
void mb_dataset_free(mb_dataset *dataset);

#endif
