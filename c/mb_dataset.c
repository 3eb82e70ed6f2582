#include "mb_dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mb_fastmath.h"
#include "mb_params.h"
#include "mb_random.h"

/* Random streams (the replica argument of mb_random_keys) of this module;
 * mb_moe.c uses streams from 16 up. */
#define STREAM_SPLIT 1u
#define STREAM_SYNTHETIC_X 2u
#define STREAM_SYNTHETIC_TEACHER 3u

void mb_dataset_free(mb_dataset *dataset)
{
    if (dataset == NULL)
        return;
    free(dataset->x);
    free(dataset->labels);
    memset(dataset, 0, sizeof *dataset);
}

static mb_status dataset_alloc(mb_dataset *dataset, int count, int inputs, int classes)
{
    memset(dataset, 0, sizeof *dataset);
    dataset->x = malloc((size_t)(count > 0 ? count : 1) * (size_t)inputs * sizeof(float));
    dataset->labels = malloc((size_t)(count > 0 ? count : 1) * sizeof(int32_t));
    if (dataset->x == NULL || dataset->labels == NULL) {
        mb_dataset_free(dataset);
        return MB_ERR_NO_MEMORY;
    }
    dataset->count = count;
    dataset->inputs = inputs;
    dataset->classes = classes;
    return MB_OK;
}

/* Reads one decimal number (digits, an optional point and fraction, an
 * optional exponent, no sign) from text[*at] up to end. */
static int read_number(const char *text, size_t end, size_t *at, double *value)
{
    char buffer[64];
    size_t length = 0;
    size_t i = *at;
    while (i < end && text[i] == ' ')
        i++;
    while (i < end && length + 1 < sizeof buffer
           && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.' || text[i] == 'e' || text[i] == 'E'
               || ((text[i] == '-' || text[i] == '+') && length > 0
                   && (buffer[length - 1] == 'e' || buffer[length - 1] == 'E'))))
        buffer[length++] = text[i++];
    while (i < end && text[i] == ' ')
        i++;
    if (length == 0 || !(buffer[0] >= '0' && buffer[0] <= '9'))
        return 0;
    buffer[length] = '\0';
    char *stop = NULL;
    *value = strtod(buffer, &stop);
    if (*stop != '\0' || !isfinite(*value))
        return 0;
    *at = i;
    return 1;
}

mb_status mb_dataset_parse(const char *text, size_t length, int inputs, int classes, double max_value,
                           mb_dataset *out, long *error_line)
{
    if (text == NULL || out == NULL || error_line == NULL)
        return MB_ERR_NULL_POINTER;
    *error_line = 0;
    memset(out, 0, sizeof *out);
    if (mb_param_check(MB_PARAM_INPUTS, inputs) != MB_OK || mb_param_check(MB_PARAM_CLASSES, classes) != MB_OK
        || !(max_value > 0.0) || !isfinite(max_value))
        return MB_ERR_OUT_OF_RANGE;

    /* Count the lines that hold anything, for one allocation. */
    long examples = 0;
    for (size_t start = 0; start < length;) {
        size_t end = start;
        int blank = 1;
        while (end < length && text[end] != '\n') {
            if (text[end] != ' ' && text[end] != '\r')
                blank = 0;
            end++;
        }
        examples += !blank;
        start = end + 1;
    }
    if (examples == 0)
        return MB_ERR_PARSE;
    if (examples > MB_DATASET_MAX_EXAMPLES) {
        *error_line = MB_DATASET_MAX_EXAMPLES + 1;
        return MB_ERR_PARSE;
    }
    mb_status status = dataset_alloc(out, (int)examples, inputs, classes);
    if (status != MB_OK)
        return status;

    int row = 0;
    long line = 0;
    for (size_t start = 0; start < length;) {
        size_t end = start;
        while (end < length && text[end] != '\n')
            end++;
        size_t stop = end;
        if (stop > start && text[stop - 1] == '\r')
            stop--;
        line++;
        size_t at = start;
        while (at < stop && text[at] == ' ')
            at++;
        if (at < stop) {
            for (int field = 0; field <= inputs; field++) {
                double value = 0.0;
                int ok = read_number(text, stop, &at, &value);
                int last = field == inputs;
                if (ok && !last)
                    ok = at < stop && text[at] == ',' && value <= max_value;
                if (ok && last)
                    ok = at == stop && value == floor(value) && value < classes;
                if (!ok) {
                    *error_line = line;
                    mb_dataset_free(out);
                    return MB_ERR_PARSE;
                }
                if (last)
                    out->labels[row] = (int32_t)value;
                else
                    out->x[(size_t)row * (size_t)inputs + (size_t)field] = (float)value;
                at++;
            }
            row++;
        }
        start = end + 1;
    }
    return MB_OK;
}

static void copy_examples(mb_dataset *to, const mb_dataset *from, const int *indices, int count)
{
    size_t width = (size_t)from->inputs;
    for (int i = 0; i < count; i++) {
        memcpy(to->x + (size_t)i * width, from->x + (size_t)indices[i] * width, width * sizeof(float));
        to->labels[i] = from->labels[indices[i]];
    }
}

static int compare_int(const void *a, const void *b)
{
    int x = *(const int *)a;
    int y = *(const int *)b;
    return (x > y) - (x < y);
}

mb_status mb_dataset_split(const mb_dataset *all, double test_fraction, uint32_t seed, mb_dataset *train,
                           mb_dataset *test)
{
    if (all == NULL || train == NULL || test == NULL || all->x == NULL || all->labels == NULL)
        return MB_ERR_NULL_POINTER;
    if (mb_param_check(MB_PARAM_TEST_FRACTION, test_fraction) != MB_OK)
        return MB_ERR_OUT_OF_RANGE;
    int n = all->count;
    int *by_class = malloc((size_t)n * sizeof(int));
    int *is_test = calloc((size_t)n, sizeof(int));
    if (by_class == NULL || is_test == NULL) {
        free(by_class);
        free(is_test);
        return MB_ERR_NO_MEMORY;
    }
    uint32_t key1, key2;
    mb_random_keys(seed, STREAM_SPLIT, &key1, &key2);
    uint32_t counter = 0;
    int test_count = 0;
    for (int c = 0; c < all->classes; c++) {
        int members = 0;
        for (int i = 0; i < n; i++)
            if (all->labels[i] == c)
                by_class[members++] = i;
        /* Fisher-Yates with the counter-based generator. */
        for (int i = members - 1; i > 0; i--) {
            int j = (int)(mb_random_uniform(key1, key2, counter++) * (float)(i + 1));
            j = j > i ? i : j;
            int swap = by_class[i];
            by_class[i] = by_class[j];
            by_class[j] = swap;
        }
        int take = (int)floor(test_fraction * members + 0.5);
        for (int i = 0; i < take; i++)
            is_test[by_class[i]] = 1;
        test_count += take;
    }
    int train_count = n - test_count;
    int *train_indices = by_class;
    int *test_indices = malloc((size_t)(test_count > 0 ? test_count : 1) * sizeof(int));
    if (test_indices == NULL) {
        free(by_class);
        free(is_test);
        return MB_ERR_NO_MEMORY;
    }
    int a = 0, b = 0;
    for (int i = 0; i < n; i++) {
        if (is_test[i])
            test_indices[b++] = i;
        else
            train_indices[a++] = i;
    }
    qsort(test_indices, (size_t)test_count, sizeof(int), compare_int);
    mb_status status = dataset_alloc(train, train_count, all->inputs, all->classes);
    if (status == MB_OK) {
        status = dataset_alloc(test, test_count, all->inputs, all->classes);
        if (status != MB_OK)
            mb_dataset_free(train);
    }
    if (status == MB_OK) {
        copy_examples(train, all, train_indices, train_count);
        copy_examples(test, all, test_indices, test_count);
    }
    free(by_class);
    free(is_test);
    free(test_indices);
    return status;
}

mb_status mb_dataset_preprocess(mb_dataset *train, mb_dataset *test, mb_preprocess mode, double max_value)
{
    if (train == NULL || test == NULL || train->x == NULL || test->x == NULL)
        return MB_ERR_NULL_POINTER;
    if (train->inputs != test->inputs)
        return MB_ERR_LENGTH_MISMATCH;
    int d = train->inputs;
    if (mode == MB_PREPROCESS_SCALE) {
        if (!(max_value > 0.0) || !isfinite(max_value))
            return MB_ERR_OUT_OF_RANGE;
        float scale = (float)(1.0 / max_value);
        for (size_t i = 0; i < (size_t)train->count * (size_t)d; i++)
            train->x[i] *= scale;
        for (size_t i = 0; i < (size_t)test->count * (size_t)d; i++)
            test->x[i] *= scale;
        return MB_OK;
    }
    if (mode != MB_PREPROCESS_STANDARDISE)
        return MB_ERR_INVALID_ENUM;
    if (train->count < 2)
        return MB_ERR_OUT_OF_RANGE;
    for (int j = 0; j < d; j++) {
        double sum = 0.0, squares = 0.0;
        for (int i = 0; i < train->count; i++)
            sum += train->x[(size_t)i * d + j];
        double mean = sum / train->count;
        for (int i = 0; i < train->count; i++) {
            double deviation = train->x[(size_t)i * d + j] - mean;
            squares += deviation * deviation;
        }
        double std = sqrt(squares / train->count);
        /* A feature that never changes in training carries nothing: 0. */
        float inverse = std > 1e-12 ? (float)(1.0 / std) : 0.0f;
        for (int i = 0; i < train->count; i++)
            train->x[(size_t)i * d + j] = (float)((train->x[(size_t)i * d + j] - mean)) * inverse;
        for (int i = 0; i < test->count; i++)
            test->x[(size_t)i * d + j] = (float)((test->x[(size_t)i * d + j] - mean)) * inverse;
    }
    return MB_OK;
}

/* A standard normal number by Box-Muller from two uniforms of one stream. */
static float normal_draw(uint32_t key1, uint32_t key2, uint32_t counter)
{
    float u1 = mb_random_uniform(key1, key2, 2 * counter);
    float u2 = mb_random_uniform(key1, key2, 2 * counter + 1);
    float sine, cosine;
    mb_fast_sincos_turns(u2, &sine, &cosine);
    return sqrtf(-2.0f * mb_fast_log(u1)) * cosine;
}

mb_status mb_dataset_synthetic(int count, int inputs, int classes, uint32_t seed, mb_dataset *out)
{
    if (out == NULL)
        return MB_ERR_NULL_POINTER;
    memset(out, 0, sizeof *out);
    if (mb_param_check(MB_PARAM_EXAMPLES, count) != MB_OK || mb_param_check(MB_PARAM_INPUTS, inputs) != MB_OK
        || mb_param_check(MB_PARAM_CLASSES, classes) != MB_OK)
        return MB_ERR_OUT_OF_RANGE;
    float *teacher = malloc((size_t)classes * (size_t)inputs * sizeof(float));
    if (teacher == NULL)
        return MB_ERR_NO_MEMORY;
    mb_status status = dataset_alloc(out, count, inputs, classes);
    if (status != MB_OK) {
        free(teacher);
        return status;
    }
    uint32_t key1, key2;
    mb_random_keys(seed, STREAM_SYNTHETIC_TEACHER, &key1, &key2);
    for (int i = 0; i < classes * inputs; i++)
        teacher[i] = normal_draw(key1, key2, (uint32_t)i);
    mb_random_keys(seed, STREAM_SYNTHETIC_X, &key1, &key2);
    for (int n = 0; n < count; n++) {
        float *x = out->x + (size_t)n * (size_t)inputs;
        for (int j = 0; j < inputs; j++)
            x[j] = normal_draw(key1, key2, (uint32_t)((size_t)n * (size_t)inputs + (size_t)j));
        int best = 0;
        double best_score = -INFINITY;
        for (int c = 0; c < classes; c++) {
            double score = 0.0;
            for (int j = 0; j < inputs; j++)
                score += (double)teacher[c * inputs + j] * x[j];
            if (score > best_score) {
                best_score = score;
                best = c;
            }
        }
        out->labels[n] = best;
    }
    free(teacher);
    return MB_OK;
}
