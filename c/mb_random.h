/* A seeded, counter-based random number generator, identical in the native
 * build and in WebAssembly, and the same in scalar and 4-lane vector form.
 *
 * Draw number `counter` of replica `replica` under a 64-bit seed is
 *
 *   key1, key2 = mb_random_keys(seed, replica)
 *   x = fmix32(counter * 0x9E3779B9 + key1)
 *   bits = fmix32(x ^ key2)
 *
 * where fmix32 is the 32-bit finalizer of MurmurHash3 (x ^= x >> 16;
 * x *= 0x85ebca6b; x ^= x >> 13; x *= 0xc2b2ae35; x ^= x >> 16), a bijection
 * with full avalanche. Nothing is carried from draw to draw, so a run can be
 * split into chunks, or replicas into lanes, without changing any draw.
 * A uniform in (0, 1) takes the top 23 bits: ((bits >> 9) + 0.5) * 2^-23,
 * exact in float32 (24 significant bits) and never 0 or 1. It is computed
 * as the float with exponent 0 and mantissa bits >> 9, in [1, 2), minus
 * 1 - 2^-24, which is exact. Not for cryptography.
 */
#ifndef MB_RANDOM_H
#define MB_RANDOM_H

#include <stdint.h>

#include "mb_simd.h"

#define MB_RANDOM_WEYL 0x9E3779B9u
#define MB_RANDOM_ONE_MINUS_HALF_ULP 0.999999940395355224609375f /* 1 - 2^-24 */

static inline uint32_t mb_fmix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x85ebca6bu;
    x ^= x >> 13;
    x *= 0xc2b2ae35u;
    x ^= x >> 16;
    return x;
}

/* Derives the two 32-bit keys of one replica from the seed. */
static inline void mb_random_keys(uint64_t seed, uint32_t replica, uint32_t *key1, uint32_t *key2)
{
    uint32_t low = (uint32_t)seed;
    uint32_t high = (uint32_t)(seed >> 32);
    *key1 = mb_fmix32(mb_fmix32(low ^ mb_fmix32(replica + MB_RANDOM_WEYL)) + high);
    *key2 = mb_fmix32(*key1 ^ 0x5bd1e995u) ^ high;
}

static inline uint32_t mb_random_bits(uint32_t key1, uint32_t key2, uint32_t counter)
{
    return mb_fmix32(mb_fmix32(counter * MB_RANDOM_WEYL + key1) ^ key2);
}

static inline float mb_random_uniform(uint32_t key1, uint32_t key2, uint32_t counter)
{
    uint32_t bits = mb_random_bits(key1, key2, counter);
    return mb_float_from_bits((bits >> 9) | 0x3f800000u) - MB_RANDOM_ONE_MINUS_HALF_ULP;
}

/* mb_random_uniform4's constants as vectors, built once before a loop. */
typedef struct {
    mb_u32x4 multiplier1, multiplier2, exponent_one;
    mb_f32x4 one_minus_half_ulp;
} mb_random_constants4;

static inline mb_random_constants4 mb_random_constants4_make(void)
{
    mb_random_constants4 k;
    k.multiplier1 = mb_u32x4_splat(mb_opaque_u32(0x85ebca6bu));
    k.multiplier2 = mb_u32x4_splat(mb_opaque_u32(0xc2b2ae35u));
    k.exponent_one = mb_u32x4_splat(mb_opaque_u32(0x3f800000u));
    k.one_minus_half_ulp = mb_f32x4_splat(mb_opaque_float(MB_RANDOM_ONE_MINUS_HALF_ULP));
    return k;
}

static inline mb_u32x4 mb_fmix32x4(mb_u32x4 x, const mb_random_constants4 *k)
{
    x = mb_u32x4_xor(x, mb_u32x4_shr(x, 16));
    x = mb_u32x4_mul(x, k->multiplier1);
    x = mb_u32x4_xor(x, mb_u32x4_shr(x, 13));
    x = mb_u32x4_mul(x, k->multiplier2);
    x = mb_u32x4_xor(x, mb_u32x4_shr(x, 16));
    return x;
}

/* Four lanes with their own keys and a shared counter. */
static inline mb_f32x4 mb_random_uniform4(mb_u32x4 key1, mb_u32x4 key2, uint32_t counter,
                                          const mb_random_constants4 *k)
{
    mb_u32x4 x = mb_u32x4_add(mb_u32x4_splat(counter * MB_RANDOM_WEYL), key1);
    mb_u32x4 bits = mb_fmix32x4(mb_u32x4_xor(mb_fmix32x4(x, k), key2), k);
    mb_f32x4 one_to_two = mb_f32x4_from_bits(mb_u32x4_or(mb_u32x4_shr(bits, 9), k->exponent_one));
    return mb_f32x4_sub(one_to_two, k->one_minus_half_ulp);
}

#endif
