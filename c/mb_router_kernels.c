/* The per-step kernels of the discrete router: a 4-lane vector kernel and
 * its scalar twin. Both perform the same float32 operations in the same
 * order, so they agree bit for bit. The one exception, the tree max of the
 * sample kernel for 3 to 8 experts, cannot change a weight (see there). The
 * tests compare the kernels on awkward replica counts and every mode.
 *
 * Random draws per step, by counter (see mb_random.h):
 *   sample:            one uniform, counter = step
 *   gumbel-top1:       one uniform per expert, counter = step*M + i
 *   noisy-top1:        one uniform per expert, counter = step*M + i; experts
 *                      2j and 2j+1 share a Box-Muller pair, and the last
 *                      expert of an odd N uses the cosine half of the pair
 *                      (step*M + N - 1, step*M + N)
 * with M = N rounded up to even, so no two steps share a counter
 * (M*steps <= 256*10^7 < 2^32).
 */
#include <stdint.h>

#include "mb_fastmath.h"
#include "mb_random.h"
#include "mb_router.h"

/* The largest N with its own unrolled sample kernel. */
#define MB_FEW_EXPERTS 8

#if defined(__clang__)
#define MB_NO_VECTORIZE _Pragma("clang loop vectorize(disable) interleave(disable)")
#define MB_UNROLL _Pragma("clang loop unroll(full)")
#else
#define MB_NO_VECTORIZE
#define MB_UNROLL
#endif

/* Applies one step's selection to expert i of a group of 4 replicas: the
 * score decays and gains eta where i was chosen, and the count goes up by
 * one there (the selected lanes are all ones, that is -1, so subtracting
 * adds 1). */
static inline void apply_selection(float *score, uint32_t *count, mb_u32x4 chosen, int i,
                                   mb_f32x4 decay, mb_f32x4 eta)
{
    mb_u32x4 selected = mb_u32x4_eq(chosen, mb_u32x4_splat((uint32_t)i));
    mb_f32x4 s = mb_f32x4_mul(mb_f32x4_load(score), decay);
    mb_f32x4_store(score, mb_f32x4_add(s, mb_f32x4_select(selected, eta, mb_f32x4_splat(0.0f))));
    mb_u32x4_store(count, mb_u32x4_sub(mb_u32x4_load(count), selected));
}

/* Two experts in sample mode, the common case, for `groups` groups of 4
 * replicas at once. It computes what the scalar kernel computes, to the
 * bit: the larger weight is 2^0 = 1 exactly, so one 2^x per step gives
 * the smaller one, and the total and the comparison keep their order. Scores
 * and counts stay in registers across steps, and the groups' independent
 * dependency chains overlap in the pipeline. Of three to six groups, four
 * measured fastest in both Chromium 156 and Node 20. */
static inline __attribute__((always_inline)) void
sample_two_experts(const mb_router_kernel_params *params, float *scores, uint32_t *counts,
                   const uint32_t *key1, const uint32_t *key2, int r, int groups,
                   uint32_t first_step, long steps)
{
    enum { MAX_GROUPS = 4 };
    const int stride = params->stride;
    const mb_f32x4 beta = mb_f32x4_splat(params->beta_log2e);
    const mb_f32x4 eta = mb_f32x4_splat(params->eta);
    const mb_f32x4 decay = mb_f32x4_splat(params->decay);
    const mb_exp2_constants4 exp_constants = mb_exp2_constants4_make();
    const mb_random_constants4 random_constants = mb_random_constants4_make();
    const mb_f32x4 bias0 = mb_f32x4_splat(params->bias_log2e[0]);
    const mb_f32x4 bias1 = mb_f32x4_splat(params->bias_log2e[1]);
    const mb_u32x4 sign_bit = mb_u32x4_splat(mb_opaque_u32(0x80000000u));
    const mb_f32x4 one = exp_constants.one;
    mb_f32x4 s0[MAX_GROUPS], s1[MAX_GROUPS];
    mb_u32x4 c0[MAX_GROUPS], c1[MAX_GROUPS], k1[MAX_GROUPS], k2[MAX_GROUPS];
    MB_UNROLL
    for (int g = 0; g < groups; g++) {
        int lane = r + 4 * g;
        s0[g] = mb_f32x4_load(scores + lane);
        s1[g] = mb_f32x4_load(scores + stride + lane);
        c0[g] = mb_u32x4_load(counts + lane);
        c1[g] = mb_u32x4_load(counts + stride + lane);
        k1[g] = mb_u32x4_load(key1 + lane);
        k2[g] = mb_u32x4_load(key2 + lane);
    }
    for (long t = 0; t < steps; t++) {
        uint32_t step = first_step + (uint32_t)t;
        MB_UNROLL
        for (int g = 0; g < groups; g++) {
            mb_f32x4 l0 = mb_f32x4_add(mb_f32x4_mul(s0[g], beta), bias0);
            mb_f32x4 l1 = mb_f32x4_add(mb_f32x4_mul(s1[g], beta), bias1);
            mb_u32x4 second_larger = mb_f32x4_lt(l0, l1);
            /* l_min - l_max = -|l0 - l1| exactly: IEEE subtraction is
             * correctly rounded, so l1 - l0 = -(l0 - l1). Setting the sign
             * bit gives -|l0 - l1|, and -0 where the scalar kernel has +0,
             * which 2^x maps to 1 all the same. */
            mb_u32x4 negative_gap = mb_u32x4_or(mb_u32x4_bits(mb_f32x4_sub(l0, l1)), sign_bit);
            mb_f32x4 smaller = mb_fast_exp2_4(mb_f32x4_from_bits(negative_gap), &exp_constants);
            mb_f32x4 w0 = mb_f32x4_select(second_larger, smaller, one);
            /* w0 + w1 is 1 + smaller in either order, because addition commutes. */
            mb_f32x4 target = mb_f32x4_mul(mb_random_uniform4(k1[g], k2[g], step, &random_constants), mb_f32x4_add(one, smaller));
            mb_u32x4 first = mb_f32x4_gt(w0, target);
            /* Masking eta by the selection adds eta or +0, as the select would. */
            mb_f32x4 eta_bits = mb_f32x4_from_bits(mb_u32x4_bits(eta));
            s0[g] = mb_f32x4_add(mb_f32x4_mul(s0[g], decay),
                                 mb_f32x4_from_bits(mb_u32x4_and(first, mb_u32x4_bits(eta_bits))));
            s1[g] = mb_f32x4_add(mb_f32x4_mul(s1[g], decay),
                                 mb_f32x4_from_bits(mb_u32x4_andnot(mb_u32x4_bits(eta_bits), first)));
            c0[g] = mb_u32x4_sub(c0[g], first);
        }
    }
    /* Every step selects one of the two, so expert 1 took the steps that
     * expert 0 did not. */
    mb_u32x4 all = mb_u32x4_splat((uint32_t)steps);
    MB_UNROLL
    for (int g = 0; g < groups; g++) {
        int lane = r + 4 * g;
        mb_u32x4 taken = mb_u32x4_sub(c0[g], mb_u32x4_load(counts + lane));
        mb_f32x4_store(scores + lane, s0[g]);
        mb_f32x4_store(scores + stride + lane, s1[g]);
        mb_u32x4_store(counts + lane, c0[g]);
        mb_u32x4_store(counts + stride + lane, mb_u32x4_add(c1[g], mb_u32x4_sub(all, taken)));
    }
}

/* Sample mode for more than MB_FEW_EXPERTS experts, for `groups` groups of
 * 4 replicas at once: the scalar kernel's loop, phase by phase for all
 * groups, so that the groups' independent work overlaps in the pipeline. */
static inline void sample_many_experts(const mb_router_kernel_params *params, float *scores, uint32_t *counts,
                                       const uint32_t *key1, const uint32_t *key2, int r, int groups,
                                       uint32_t first_step, long steps)
{
    enum { MAX_GROUPS = 2 };
    const int n = params->experts;
    const int stride = params->stride;
    const mb_f32x4 beta = mb_f32x4_splat(params->beta_log2e);
    const mb_f32x4 eta = mb_f32x4_splat(params->eta);
    const mb_f32x4 decay = mb_f32x4_splat(params->decay);
    const mb_exp2_constants4 exp_constants = mb_exp2_constants4_make();
    const mb_random_constants4 random_constants = mb_random_constants4_make();
    const mb_f32x4 zero = mb_f32x4_splat(0.0f);
    mb_f32x4 weights[MAX_GROUPS][MB_ROUTER_MAX_EXPERTS];
    mb_u32x4 k1[MAX_GROUPS], k2[MAX_GROUPS];
    for (int g = 0; g < groups; g++) {
        k1[g] = mb_u32x4_load(key1 + r + 4 * g);
        k2[g] = mb_u32x4_load(key2 + r + 4 * g);
    }
    for (long t = 0; t < steps; t++) {
        uint32_t step = first_step + (uint32_t)t;
        mb_f32x4 top[MAX_GROUPS], total[MAX_GROUPS], target[MAX_GROUPS];
        mb_u32x4 chosen[MAX_GROUPS], found[MAX_GROUPS];
        for (int g = 0; g < groups; g++) {
            for (int i = 0; i < n; i++) {
                mb_f32x4 s = mb_f32x4_load(scores + (long)i * stride + r + 4 * g);
                weights[g][i] = mb_f32x4_add(mb_f32x4_mul(s, beta), mb_f32x4_splat(params->bias_log2e[i]));
            }
            top[g] = weights[g][0];
            for (int i = 1; i < n; i++)
                top[g] = mb_f32x4_max(top[g], weights[g][i]);
            total[g] = zero;
        }
        for (int i = 0; i < n; i++) {
            for (int g = 0; g < groups; g++) {
                weights[g][i] = mb_fast_exp2_4(mb_f32x4_sub(weights[g][i], top[g]), &exp_constants);
                total[g] = mb_f32x4_add(total[g], weights[g][i]);
            }
        }
        for (int g = 0; g < groups; g++) {
            target[g] = mb_f32x4_mul(mb_random_uniform4(k1[g], k2[g], step, &random_constants), total[g]);
            chosen[g] = mb_u32x4_splat((uint32_t)(n - 1));
            found[g] = mb_u32x4_splat(0);
            total[g] = zero; /* reused as the cumulative sum */
        }
        for (int i = 0; i < n - 1; i++) {
            for (int g = 0; g < groups; g++) {
                total[g] = mb_f32x4_add(total[g], weights[g][i]);
                mb_u32x4 hit = mb_u32x4_andnot(mb_f32x4_gt(total[g], target[g]), found[g]);
                chosen[g] = mb_u32x4_select(hit, mb_u32x4_splat((uint32_t)i), chosen[g]);
                found[g] = mb_u32x4_xor(found[g], hit);
            }
        }
        for (int i = 0; i < n; i++) {
            for (int g = 0; g < groups; g++) {
                long offset = (long)i * stride + r + 4 * g;
                apply_selection(scores + offset, counts + offset, chosen[g], i, decay, eta);
            }
        }
    }
}

/* Sample mode for 3 to MB_FEW_EXPERTS experts, for `groups` groups of 4
 * replicas at once. Each call site passes constant n and groups, so the
 * loops unroll and scores and counts stay in registers (or in the engine's
 * spill slots) across steps. It computes what the scalar kernel computes, to
 * the bit, for three reasons. The tree max can differ from a running max
 * only in the sign of a zero top, and 2^(l_i - top) does not depend on that
 * sign. The running sums of the weights are the cumulative sums that the
 * selection compares with, because both add the same weights in the same
 * order from 0. The running sums never decrease, so the lanes where expert i
 * is the first with sum_i > target are those above at i but not at i - 1,
 * and that mask updates expert i without an expert index. */
static inline __attribute__((always_inline)) void
sample_few_experts(const mb_router_kernel_params *params, float *scores, uint32_t *counts,
                   const uint32_t *key1, const uint32_t *key2, int r, const int n, const int groups,
                   uint32_t first_step, long steps)
{
    enum { MAX_GROUPS = 2 };
    const int stride = params->stride;
    const mb_f32x4 beta = mb_f32x4_splat(params->beta_log2e);
    const mb_f32x4 eta = mb_f32x4_splat(params->eta);
    const mb_f32x4 decay = mb_f32x4_splat(params->decay);
    const mb_exp2_constants4 exp_constants = mb_exp2_constants4_make();
    const mb_random_constants4 random_constants = mb_random_constants4_make();
    mb_f32x4 bias[MB_FEW_EXPERTS];
    mb_f32x4 s[MAX_GROUPS][MB_FEW_EXPERTS];
    mb_u32x4 c[MAX_GROUPS][MB_FEW_EXPERTS];
    mb_u32x4 k1[MAX_GROUPS], k2[MAX_GROUPS];
    for (int i = 0; i < n; i++)
        bias[i] = mb_f32x4_splat(params->bias_log2e[i]);
    MB_UNROLL
    for (int g = 0; g < groups; g++) {
        int lane = r + 4 * g;
        for (int i = 0; i < n; i++) {
            s[g][i] = mb_f32x4_load(scores + (long)i * stride + lane);
            c[g][i] = mb_u32x4_load(counts + (long)i * stride + lane);
        }
        k1[g] = mb_u32x4_load(key1 + lane);
        k2[g] = mb_u32x4_load(key2 + lane);
    }
    for (long t = 0; t < steps; t++) {
        uint32_t step = first_step + (uint32_t)t;
        MB_UNROLL
        for (int g = 0; g < groups; g++) {
            mb_f32x4 sum[MB_FEW_EXPERTS], top[MB_FEW_EXPERTS];
            for (int i = 0; i < n; i++)
                sum[i] = mb_f32x4_add(mb_f32x4_mul(s[g][i], beta), bias[i]);
            /* Tree max: top[0] ends as the max of sum[0 .. n-1]. */
            for (int i = 0; i < n; i++)
                top[i] = sum[i];
            for (int width = 1; width < n; width *= 2)
                for (int i = 0; i + width < n; i += 2 * width)
                    top[i] = mb_f32x4_max(top[i], top[i + width]);
            /* sum[i] becomes the running sum of weights 0 .. i. */
            sum[0] = mb_fast_exp2_4(mb_f32x4_sub(sum[0], top[0]), &exp_constants);
            for (int i = 1; i < n; i++)
                sum[i] = mb_f32x4_add(sum[i - 1], mb_fast_exp2_4(mb_f32x4_sub(sum[i], top[0]), &exp_constants));
            mb_f32x4 target = mb_f32x4_mul(mb_random_uniform4(k1[g], k2[g], step, &random_constants), sum[n - 1]);
            mb_u32x4 before = mb_u32x4_splat(0);
            for (int i = 0; i < n - 1; i++) {
                mb_u32x4 above = mb_f32x4_gt(sum[i], target);
                mb_u32x4 hit = mb_u32x4_andnot(above, before);
                s[g][i] = mb_f32x4_add(mb_f32x4_mul(s[g][i], decay),
                                       mb_f32x4_from_bits(mb_u32x4_and(hit, mb_u32x4_bits(eta))));
                c[g][i] = mb_u32x4_sub(c[g][i], hit);
                before = above;
            }
            /* The last expert takes the lanes where no running sum went
             * above the target. Its count is filled in after the loop. */
            s[g][n - 1] = mb_f32x4_add(mb_f32x4_mul(s[g][n - 1], decay),
                                       mb_f32x4_from_bits(mb_u32x4_andnot(mb_u32x4_bits(eta), before)));
        }
    }
    mb_u32x4 all = mb_u32x4_splat((uint32_t)steps);
    MB_UNROLL
    for (int g = 0; g < groups; g++) {
        int lane = r + 4 * g;
        mb_u32x4 others = mb_u32x4_splat(0);
        for (int i = 0; i < n - 1; i++) {
            long offset = (long)i * stride + lane;
            others = mb_u32x4_add(others, mb_u32x4_sub(c[g][i], mb_u32x4_load(counts + offset)));
            mb_f32x4_store(scores + offset, s[g][i]);
            mb_u32x4_store(counts + offset, c[g][i]);
        }
        long last = (long)(n - 1) * stride + lane;
        mb_f32x4_store(scores + last, s[g][n - 1]);
        mb_u32x4_store(counts + last, mb_u32x4_add(c[g][n - 1], mb_u32x4_sub(all, others)));
    }
}

/* Runs sample_few_experts over replicas [first, first + count), two groups
 * at a time and then one. Callers pass a constant n, which the inlining
 * carries into sample_few_experts. */
static inline __attribute__((always_inline)) void
sample_few_experts_all(const mb_router_kernel_params *params, float *scores, uint32_t *counts,
                       const uint32_t *key1, const uint32_t *key2, int first, int count, const int n,
                       uint32_t first_step, long steps)
{
    int r = first;
    for (; r + 8 <= first + count; r += 8)
        sample_few_experts(params, scores, counts, key1, key2, r, n, 2, first_step, steps);
    for (; r < first + count; r += 4)
        sample_few_experts(params, scores, counts, key1, key2, r, n, 1, first_step, steps);
}

void mb_router_kernel_vector(const mb_router_kernel_params *params, float *scores, uint32_t *counts,
                             const uint32_t *key1, const uint32_t *key2, int first, int count,
                             uint32_t first_step, long steps)
{
    const int n = params->experts;
    const int stride = params->stride;
    const mb_f32x4 beta = mb_f32x4_splat(params->beta);
    const mb_f32x4 eta = mb_f32x4_splat(params->eta);
    const mb_f32x4 decay = mb_f32x4_splat(params->decay);
    const mb_random_constants4 random_constants = mb_random_constants4_make();
    const mb_f32x4 sigma = mb_f32x4_splat(params->sigma);
    const mb_f32x4 zero = mb_f32x4_splat(0.0f);
    mb_f32x4 logits[MB_ROUTER_MAX_EXPERTS];

    if (params->mode == MB_ROUTE_SAMPLE) {
        int r = first;
        if (n == 2) {
            for (; r + 16 <= first + count; r += 16)
                sample_two_experts(params, scores, counts, key1, key2, r, 4, first_step, steps);
            for (; r < first + count; r += 4)
                sample_two_experts(params, scores, counts, key1, key2, r, 1, first_step, steps);
            return;
        }
        /* One call per constant n, so each gets its own unrolled copy. */
        switch (n) {
        case 3: sample_few_experts_all(params, scores, counts, key1, key2, first, count, 3, first_step, steps); return;
        case 4: sample_few_experts_all(params, scores, counts, key1, key2, first, count, 4, first_step, steps); return;
        case 5: sample_few_experts_all(params, scores, counts, key1, key2, first, count, 5, first_step, steps); return;
        case 6: sample_few_experts_all(params, scores, counts, key1, key2, first, count, 6, first_step, steps); return;
        case 7: sample_few_experts_all(params, scores, counts, key1, key2, first, count, 7, first_step, steps); return;
        case 8: sample_few_experts_all(params, scores, counts, key1, key2, first, count, 8, first_step, steps); return;
        default: break;
        }
        for (; r + 8 <= first + count; r += 8)
            sample_many_experts(params, scores, counts, key1, key2, r, 2, first_step, steps);
        for (; r < first + count; r += 4)
            sample_many_experts(params, scores, counts, key1, key2, r, 1, first_step, steps);
        return;
    }

    for (int r = first; r < first + count; r += 4) {
        mb_u32x4 k1 = mb_u32x4_load(key1 + r);
        mb_u32x4 k2 = mb_u32x4_load(key2 + r);
        for (long t = 0; t < steps; t++) {
            uint32_t step = first_step + (uint32_t)t;
            for (int i = 0; i < n; i++) {
                mb_f32x4 s = mb_f32x4_load(scores + (long)i * stride + r);
                logits[i] = mb_f32x4_add(mb_f32x4_mul(s, beta), mb_f32x4_splat(params->bias[i]));
            }

            /* gumbel-top1 or noisy-top1 (sample mode returned above): the
             * expert with the largest noisy logit. */
            mb_f32x4 best = mb_f32x4_splat(-3.0e38f);
            mb_u32x4 chosen = mb_u32x4_splat(0);
            uint32_t base = step * (uint32_t)(n + (n & 1));
            for (int i = 0; i < n; i++) {
                mb_f32x4 noise;
                if (params->mode == MB_ROUTE_GUMBEL_TOP1) {
                    mb_f32x4 u = mb_random_uniform4(k1, k2, base + (uint32_t)i, &random_constants);
                    noise = mb_f32x4_sub(zero, mb_fast_log4(mb_f32x4_sub(zero, mb_fast_log4(u))));
                } else {
                    uint32_t pair = base + (uint32_t)(i & ~1);
                    mb_f32x4 u1 = mb_random_uniform4(k1, k2, pair, &random_constants);
                    mb_f32x4 u2 = mb_random_uniform4(k1, k2, pair + 1, &random_constants);
                    mb_f32x4 radius = mb_f32x4_sqrt(mb_f32x4_mul(mb_f32x4_splat(-2.0f), mb_fast_log4(u1)));
                    mb_f32x4 sine, cosine;
                    mb_fast_sincos_turns4(u2, &sine, &cosine);
                    noise = mb_f32x4_mul(sigma, mb_f32x4_mul(radius, (i & 1) ? sine : cosine));
                }
                mb_f32x4 value = mb_f32x4_add(logits[i], noise);
                mb_u32x4 better = mb_f32x4_gt(value, best);
                best = mb_f32x4_select(better, value, best);
                chosen = mb_u32x4_select(better, mb_u32x4_splat((uint32_t)i), chosen);
            }

            for (int i = 0; i < n; i++) {
                long offset = (long)i * stride + r;
                apply_selection(scores + offset, counts + offset, chosen, i, decay, eta);
            }
        }
    }
}

void mb_router_kernel_scalar(const mb_router_kernel_params *params, float *scores, uint32_t *counts,
                             const uint32_t *key1, const uint32_t *key2, int first, int count,
                             uint32_t first_step, long steps)
{
    const int n = params->experts;
    const int stride = params->stride;
    float logits[MB_ROUTER_MAX_EXPERTS];

    /* Sample mode takes its logits in base 2, for 2^x. */
    const int sample = params->mode == MB_ROUTE_SAMPLE;
    const float beta = sample ? params->beta_log2e : params->beta;
    const float *bias = sample ? params->bias_log2e : params->bias;

    MB_NO_VECTORIZE
    for (int r = first; r < first + count; r++) {
        for (long t = 0; t < steps; t++) {
            uint32_t step = first_step + (uint32_t)t;
            for (int i = 0; i < n; i++)
                logits[i] = scores[(long)i * stride + r] * beta + bias[i];

            int chosen;
            if (sample) {
                float top = logits[0];
                for (int i = 1; i < n; i++)
                    top = top < logits[i] ? logits[i] : top;
                float total = 0.0f;
                for (int i = 0; i < n; i++) {
                    logits[i] = mb_fast_exp2(logits[i] - top);
                    total = total + logits[i];
                }
                float target = mb_random_uniform(key1[r], key2[r], step) * total;
                chosen = n - 1;
                float cumulative = 0.0f;
                for (int i = 0; i < n - 1; i++) {
                    cumulative = cumulative + logits[i];
                    if (cumulative > target) {
                        chosen = i;
                        break;
                    }
                }
            } else {
                float best = -3.0e38f;
                chosen = 0;
                uint32_t base = step * (uint32_t)(n + (n & 1));
                for (int i = 0; i < n; i++) {
                    float noise;
                    if (params->mode == MB_ROUTE_GUMBEL_TOP1) {
                        float u = mb_random_uniform(key1[r], key2[r], base + (uint32_t)i);
                        noise = 0.0f - mb_fast_log(0.0f - mb_fast_log(u));
                    } else {
                        uint32_t pair = base + (uint32_t)(i & ~1);
                        float u1 = mb_random_uniform(key1[r], key2[r], pair);
                        float u2 = mb_random_uniform(key1[r], key2[r], pair + 1);
                        float radius = __builtin_sqrtf(-2.0f * mb_fast_log(u1));
                        float sine, cosine;
                        mb_fast_sincos_turns(u2, &sine, &cosine);
                        noise = params->sigma * (radius * ((i & 1) ? sine : cosine));
                    }
                    float value = logits[i] + noise;
                    if (value > best) {
                        best = value;
                        chosen = i;
                    }
                }
            }

            for (int i = 0; i < n; i++) {
                long index = (long)i * stride + r;
                scores[index] = scores[index] * params->decay + (i == chosen ? params->eta : 0.0f);
                counts[index] += i == chosen;
            }
        }
    }
}
