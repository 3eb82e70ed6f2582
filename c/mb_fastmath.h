/* Single-precision 2^x, log and sin/cos(2*pi*u), in scalar and 4-lane vector
 * form. They use only IEEE-754 basic operations, so the native build,
 * WebAssembly, the scalar and the vector paths agree bit for bit, which the C
 * library's expf and logf would not: they differ between glibc and musl.
 *
 *   2^x:     x = k + r with k = x rounded to the nearest integer, |r| <= 1/2
 *            (r is exact), 2^r by a degree-5 polynomial (error < 2e-7
 *            relative, float32 rounding included), times 2^k built in the
 *            exponent bits. Valid for x <= 127; x below -126 is raised to
 *            -126, so the result never drops under 2^-126 = 1.2e-38 (weights
 *            that small are 0 to the router). The router takes exp(y) as
 *            2^(y*log2(e)) with log2(e) folded into its beta and bias.
 *   log(u):  for positive normal floats: u = 2^e * f with f in
 *            [sqrt(1/2), sqrt(2)), log f = 2*atanh(s), s = (f - 1)/(f + 1),
 *            by its series to s^9 (error < 1e-7 absolute).
 *   sin/cos(2*pi*u) for u in [0, 1): quadrant by floor(4u), then Taylor
 *            polynomials on [0, pi/2] to degree 11 and 12 (error < 1e-7).
 */
#ifndef MB_FASTMATH_H
#define MB_FASTMATH_H

#include <stdint.h>

#include "mb_simd.h"

#define MB_LN2_HIGH 0.693145751953125f       /* ln 2 split so k*MB_LN2_HIGH is exact */
#define MB_LN2_LOW 1.42860682030941723212e-6f
#define MB_SQRT_HALF 0.70710678118654752f
#define MB_HALF_PI 1.57079632679489662f
/* 2^r ~ 1 + C1 r + ... + C5 r^5 on |r| <= 1/2: a degree-5 fit of exp(t) on
 * |t| <= ln(2)/2 (least squares of the relative error at 4000 Chebyshev
 * nodes, constant term held at 1) with t = r*ln(2), so Ck is that fit's
 * k-th coefficient times ln(2)^k, rounded to float. The largest relative
 * error over 2*10^7 points of [-1/2, 1/2], float32 evaluation included, is
 * 1.81e-7. */
#define MB_EXP2_C1 0.693146825f
#define MB_EXP2_C2 0.24022238f
#define MB_EXP2_C3 0.0555089302f
#define MB_EXP2_C4 0.00967169739f
#define MB_EXP2_C5 0.00132186722f
#define MB_EXP2_MIN -126.0f
/* 1.5 * 2^23 + 127. For x with |x| < 2^22, x + this constant rounds x to the
 * nearest integer k and contains k + 127 in its low mantissa bits, so
 * subtracting the constant again gives k exactly, and shifting its bits left
 * by 23 gives the exponent field of 2^k (the constant's own bits shift out).
 * This avoids float-to-int conversions, which are slow in vector form. */
#define MB_EXP2_SHIFTER 12583039.0f

static inline float mb_fast_exp2(float x)
{
    /* max(x, MB_EXP2_MIN) written as the vector path's max, (a < b) ? b : a. */
    x = x < MB_EXP2_MIN ? MB_EXP2_MIN : x;
    float shifted = x + MB_EXP2_SHIFTER;
    float k = shifted - MB_EXP2_SHIFTER;
    float r = x - k;
    float p = 1.0f + r * (MB_EXP2_C1 + r * (MB_EXP2_C2 + r * (MB_EXP2_C3 + r * (MB_EXP2_C4 + r * MB_EXP2_C5))));
    return p * mb_float_from_bits(mb_bits_from_float(shifted) << 23);
}

#define MB_LOG2E 1.44269504088896341f

/* exp(x) as 2^(x*log2(e)), for the trainer's softmax. Rounding the product
 * adds a relative error of up to |x| * 6e-8 (3e-7 at |x| = 5, 5e-6 at
 * x = -87, where the weight is below 1e-37 anyway). */
static inline float mb_fast_exp(float x)
{
    return mb_fast_exp2(x * MB_LOG2E);
}

/* mb_fast_exp2_4's constants as vectors, built once before a loop. */
typedef struct {
    mb_f32x4 min, shifter, c1, c2, c3, c4, c5, one;
} mb_exp2_constants4;

static inline mb_exp2_constants4 mb_exp2_constants4_make(void)
{
    mb_exp2_constants4 k;
    k.min = mb_f32x4_splat(mb_opaque_float(MB_EXP2_MIN));
    k.shifter = mb_f32x4_splat(mb_opaque_float(MB_EXP2_SHIFTER));
    k.c1 = mb_f32x4_splat(mb_opaque_float(MB_EXP2_C1));
    k.c2 = mb_f32x4_splat(mb_opaque_float(MB_EXP2_C2));
    k.c3 = mb_f32x4_splat(mb_opaque_float(MB_EXP2_C3));
    k.c4 = mb_f32x4_splat(mb_opaque_float(MB_EXP2_C4));
    k.c5 = mb_f32x4_splat(mb_opaque_float(MB_EXP2_C5));
    k.one = mb_f32x4_splat(mb_opaque_float(1.0f));
    return k;
}

static inline mb_f32x4 mb_fast_exp2_4(mb_f32x4 x, const mb_exp2_constants4 *k)
{
    x = mb_f32x4_max(x, k->min);
    mb_f32x4 shifted = mb_f32x4_add(x, k->shifter);
    mb_f32x4 r = mb_f32x4_sub(x, mb_f32x4_sub(shifted, k->shifter));
    mb_f32x4 p = k->c5;
    p = mb_f32x4_add(k->c4, mb_f32x4_mul(r, p));
    p = mb_f32x4_add(k->c3, mb_f32x4_mul(r, p));
    p = mb_f32x4_add(k->c2, mb_f32x4_mul(r, p));
    p = mb_f32x4_add(k->c1, mb_f32x4_mul(r, p));
    p = mb_f32x4_add(k->one, mb_f32x4_mul(r, p));
    return mb_f32x4_mul(p, mb_f32x4_from_bits(mb_u32x4_shl(mb_u32x4_bits(shifted), 23)));
}

static inline float mb_fast_log(float u)
{
    uint32_t bits = mb_bits_from_float(u);
    int32_t exponent = (int32_t)(bits >> 23) - 127;
    float f = mb_float_from_bits((bits & 0x007fffffu) | 0x3f800000u); /* in [1, 2) */
    if (f > 2.0f * MB_SQRT_HALF) {
        f = f * 0.5f;
        exponent += 1;
    }
    float s = (f - 1.0f) / (f + 1.0f);
    float s2 = s * s;
    float series = s * (2.0f + s2 * (2.0f / 3.0f + s2 * (2.0f / 5.0f + s2 * (2.0f / 7.0f + s2 * (2.0f / 9.0f)))));
    float e = (float)exponent;
    return (e * MB_LN2_HIGH + series) + e * MB_LN2_LOW;
}

static inline mb_f32x4 mb_fast_log4(mb_f32x4 u)
{
    mb_u32x4 bits = mb_u32x4_bits(u);
    mb_u32x4 exponent = mb_u32x4_sub(mb_u32x4_shr(bits, 23), mb_u32x4_splat(127));
    mb_f32x4 f = mb_f32x4_from_bits(mb_u32x4_add(mb_u32x4_and(bits, mb_u32x4_splat(0x007fffffu)),
                                                 mb_u32x4_splat(0x3f800000u)));
    mb_u32x4 high = mb_f32x4_gt(f, mb_f32x4_splat(2.0f * MB_SQRT_HALF));
    f = mb_f32x4_select(high, mb_f32x4_mul(f, mb_f32x4_splat(0.5f)), f);
    exponent = mb_u32x4_sub(exponent, high); /* high lanes are -1: adds one */
    mb_f32x4 one = mb_f32x4_splat(1.0f);
    mb_f32x4 s = mb_f32x4_div(mb_f32x4_sub(f, one), mb_f32x4_add(f, one));
    mb_f32x4 s2 = mb_f32x4_mul(s, s);
    mb_f32x4 p = mb_f32x4_splat(2.0f / 9.0f);
    p = mb_f32x4_add(mb_f32x4_splat(2.0f / 7.0f), mb_f32x4_mul(s2, p));
    p = mb_f32x4_add(mb_f32x4_splat(2.0f / 5.0f), mb_f32x4_mul(s2, p));
    p = mb_f32x4_add(mb_f32x4_splat(2.0f / 3.0f), mb_f32x4_mul(s2, p));
    p = mb_f32x4_add(mb_f32x4_splat(2.0f), mb_f32x4_mul(s2, p));
    mb_f32x4 series = mb_f32x4_mul(s, p);
    mb_f32x4 e = mb_f32x4_from_i32(exponent);
    return mb_f32x4_add(mb_f32x4_add(mb_f32x4_mul(e, mb_f32x4_splat(MB_LN2_HIGH)), series),
                        mb_f32x4_mul(e, mb_f32x4_splat(MB_LN2_LOW)));
}

/* sin(a) and cos(a) for a in [0, pi/2]. */
static inline void mb_quarter_sincos(float a, float *sine, float *cosine)
{
    float a2 = a * a;
    *sine = a * (1.0f + a2 * (-1.0f / 6.0f + a2 * (1.0f / 120.0f + a2 * (-1.0f / 5040.0f
            + a2 * (1.0f / 362880.0f + a2 * (-1.0f / 39916800.0f))))));
    *cosine = 1.0f + a2 * (-0.5f + a2 * (1.0f / 24.0f + a2 * (-1.0f / 720.0f + a2 * (1.0f / 40320.0f
              + a2 * (-1.0f / 3628800.0f + a2 * (1.0f / 479001600.0f))))));
}

/* sin(2*pi*u) and cos(2*pi*u) for u in [0, 1). */
static inline void mb_fast_sincos_turns(float u, float *sine, float *cosine)
{
    float quarter = __builtin_floorf(u * 4.0f);
    float a = (u * 4.0f - quarter) * MB_HALF_PI;
    float s, c;
    mb_quarter_sincos(a, &s, &c);
    int q = (int)quarter;
    /* 0 - x rather than -x, as in the vector path, so zeros keep their sign. */
    if (q == 0) {
        *sine = s;
        *cosine = c;
    } else if (q == 1) {
        *sine = c;
        *cosine = 0.0f - s;
    } else if (q == 2) {
        *sine = 0.0f - s;
        *cosine = 0.0f - c;
    } else {
        *sine = 0.0f - c;
        *cosine = s;
    }
}

static inline void mb_fast_sincos_turns4(mb_f32x4 u, mb_f32x4 *sine, mb_f32x4 *cosine)
{
    mb_f32x4 scaled = mb_f32x4_mul(u, mb_f32x4_splat(4.0f));
    mb_f32x4 quarter = mb_f32x4_floor(scaled);
    mb_f32x4 a = mb_f32x4_mul(mb_f32x4_sub(scaled, quarter), mb_f32x4_splat(MB_HALF_PI));
    mb_f32x4 a2 = mb_f32x4_mul(a, a);
    mb_f32x4 s = mb_f32x4_splat(-1.0f / 39916800.0f);
    s = mb_f32x4_add(mb_f32x4_splat(1.0f / 362880.0f), mb_f32x4_mul(a2, s));
    s = mb_f32x4_add(mb_f32x4_splat(-1.0f / 5040.0f), mb_f32x4_mul(a2, s));
    s = mb_f32x4_add(mb_f32x4_splat(1.0f / 120.0f), mb_f32x4_mul(a2, s));
    s = mb_f32x4_add(mb_f32x4_splat(-1.0f / 6.0f), mb_f32x4_mul(a2, s));
    s = mb_f32x4_add(mb_f32x4_splat(1.0f), mb_f32x4_mul(a2, s));
    s = mb_f32x4_mul(a, s);
    mb_f32x4 c = mb_f32x4_splat(1.0f / 479001600.0f);
    c = mb_f32x4_add(mb_f32x4_splat(-1.0f / 3628800.0f), mb_f32x4_mul(a2, c));
    c = mb_f32x4_add(mb_f32x4_splat(1.0f / 40320.0f), mb_f32x4_mul(a2, c));
    c = mb_f32x4_add(mb_f32x4_splat(-1.0f / 720.0f), mb_f32x4_mul(a2, c));
    c = mb_f32x4_add(mb_f32x4_splat(1.0f / 24.0f), mb_f32x4_mul(a2, c));
    c = mb_f32x4_add(mb_f32x4_splat(-0.5f), mb_f32x4_mul(a2, c));
    c = mb_f32x4_add(mb_f32x4_splat(1.0f), mb_f32x4_mul(a2, c));
    mb_u32x4 q = mb_i32x4_from_f32(quarter);
    mb_u32x4 q1 = mb_u32x4_eq(q, mb_u32x4_splat(1));
    mb_u32x4 q2 = mb_u32x4_eq(q, mb_u32x4_splat(2));
    mb_u32x4 q3 = mb_u32x4_eq(q, mb_u32x4_splat(3));
    mb_f32x4 zero = mb_f32x4_splat(0.0f);
    mb_f32x4 negative_s = mb_f32x4_sub(zero, s);
    mb_f32x4 negative_c = mb_f32x4_sub(zero, c);
    *sine = mb_f32x4_select(q1, c, mb_f32x4_select(q2, negative_s, mb_f32x4_select(q3, negative_c, s)));
    *cosine = mb_f32x4_select(q1, negative_s, mb_f32x4_select(q2, negative_c, mb_f32x4_select(q3, s, c)));
}

#endif
