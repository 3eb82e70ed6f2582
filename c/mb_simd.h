/* A small vocabulary of 4-lane vectors (float32 and 32-bit integer lanes),
 * mapped onto WebAssembly SIMD128 when __wasm_simd128__ is defined and onto
 * plain per-lane loops otherwise, so kernels are written once.
 *
 * Both mappings give bit-identical results: every operation is an IEEE-754
 * single-precision operation (add, sub, mul, div, sqrt, floor, min/max of
 * non-NaN values) or exact integer arithmetic modulo 2^32. Kernels must not
 * rely on lane order of reductions beyond what they write out explicitly.
 */
#ifndef MB_SIMD_H
#define MB_SIMD_H

#include <stdint.h>

/* Reinterprets the bits of a float as an integer and back. */
static inline float mb_float_from_bits(uint32_t bits)
{
    union { uint32_t u; float f; } value = {bits};
    return value.f;
}

static inline uint32_t mb_bits_from_float(float x)
{
    union { float f; uint32_t u; } value = {x};
    return value.u;
}

/* Return x unchanged, hidden from the optimizer by an empty asm statement.
 * Kernels splat their loop constants from these before the loop, so clang
 * emits one splat there instead of a v128.const at each use inside the loop.
 * V8 in Node 20 was seen to rebuild such a constant at each use, with a
 * 64-bit immediate move, a move to a vector register and a shuffle. */
static inline float mb_opaque_float(float x)
{
    __asm__("" : "+r"(x));
    return x;
}

static inline uint32_t mb_opaque_u32(uint32_t x)
{
    __asm__("" : "+r"(x));
    return x;
}

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

typedef v128_t mb_f32x4;
typedef v128_t mb_u32x4;

static inline mb_f32x4 mb_f32x4_splat(float x) { return wasm_f32x4_splat(x); }
static inline mb_f32x4 mb_f32x4_load(const float *p) { return wasm_v128_load(p); }
static inline void mb_f32x4_store(float *p, mb_f32x4 v) { wasm_v128_store(p, v); }
static inline mb_f32x4 mb_f32x4_add(mb_f32x4 a, mb_f32x4 b) { return wasm_f32x4_add(a, b); }
static inline mb_f32x4 mb_f32x4_sub(mb_f32x4 a, mb_f32x4 b) { return wasm_f32x4_sub(a, b); }
static inline mb_f32x4 mb_f32x4_mul(mb_f32x4 a, mb_f32x4 b) { return wasm_f32x4_mul(a, b); }
static inline mb_f32x4 mb_f32x4_div(mb_f32x4 a, mb_f32x4 b) { return wasm_f32x4_div(a, b); }
static inline mb_f32x4 mb_f32x4_sqrt(mb_f32x4 a) { return wasm_f32x4_sqrt(a); }
static inline mb_f32x4 mb_f32x4_floor(mb_f32x4 a) { return wasm_f32x4_floor(a); }
static inline mb_f32x4 mb_f32x4_abs(mb_f32x4 a) { return wasm_f32x4_abs(a); }
/* max(a, b) as (a < b) ? b : a, which is what the scalar path computes:
 * WebAssembly's pseudo-maximum, one maxps on x86. */
static inline mb_f32x4 mb_f32x4_max(mb_f32x4 a, mb_f32x4 b) { return wasm_f32x4_pmax(a, b); }
static inline mb_u32x4 mb_f32x4_lt(mb_f32x4 a, mb_f32x4 b) { return wasm_f32x4_lt(a, b); }
static inline mb_u32x4 mb_f32x4_gt(mb_f32x4 a, mb_f32x4 b) { return wasm_f32x4_gt(a, b); }
/* Lanes of a where mask is all ones, of b elsewhere. */
static inline mb_f32x4 mb_f32x4_select(mb_u32x4 mask, mb_f32x4 a, mb_f32x4 b) { return wasm_v128_bitselect(a, b, mask); }
static inline mb_f32x4 mb_f32x4_from_i32(mb_u32x4 a) { return wasm_f32x4_convert_i32x4(a); }
static inline mb_u32x4 mb_i32x4_from_f32(mb_f32x4 a) { return wasm_i32x4_trunc_sat_f32x4(a); }
static inline mb_f32x4 mb_f32x4_from_bits(mb_u32x4 a) { return a; }
static inline mb_u32x4 mb_u32x4_bits(mb_f32x4 a) { return a; }

static inline mb_u32x4 mb_u32x4_splat(uint32_t x) { return wasm_i32x4_splat((int32_t)x); }
static inline mb_u32x4 mb_u32x4_make(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    return wasm_i32x4_make((int32_t)a, (int32_t)b, (int32_t)c, (int32_t)d);
}
static inline mb_u32x4 mb_u32x4_load(const uint32_t *p) { return wasm_v128_load(p); }
static inline void mb_u32x4_store(uint32_t *p, mb_u32x4 v) { wasm_v128_store(p, v); }
static inline mb_u32x4 mb_u32x4_add(mb_u32x4 a, mb_u32x4 b) { return wasm_i32x4_add(a, b); }
static inline mb_u32x4 mb_u32x4_sub(mb_u32x4 a, mb_u32x4 b) { return wasm_i32x4_sub(a, b); }
static inline mb_u32x4 mb_u32x4_mul(mb_u32x4 a, mb_u32x4 b) { return wasm_i32x4_mul(a, b); }
static inline mb_u32x4 mb_u32x4_xor(mb_u32x4 a, mb_u32x4 b) { return wasm_v128_xor(a, b); }
static inline mb_u32x4 mb_u32x4_and(mb_u32x4 a, mb_u32x4 b) { return wasm_v128_and(a, b); }
static inline mb_u32x4 mb_u32x4_or(mb_u32x4 a, mb_u32x4 b) { return wasm_v128_or(a, b); }
static inline mb_u32x4 mb_u32x4_andnot(mb_u32x4 a, mb_u32x4 b) { return wasm_v128_andnot(a, b); }
static inline mb_u32x4 mb_u32x4_shr(mb_u32x4 a, int n) { return wasm_u32x4_shr(a, (uint32_t)n); }
static inline mb_u32x4 mb_u32x4_shl(mb_u32x4 a, int n) { return wasm_i32x4_shl(a, (uint32_t)n); }
static inline mb_u32x4 mb_u32x4_eq(mb_u32x4 a, mb_u32x4 b) { return wasm_i32x4_eq(a, b); }
static inline mb_u32x4 mb_u32x4_select(mb_u32x4 mask, mb_u32x4 a, mb_u32x4 b) { return wasm_v128_bitselect(a, b, mask); }
/* Signed 32-bit lane compare. */
static inline mb_u32x4 mb_i32x4_gt(mb_u32x4 a, mb_u32x4 b) { return wasm_i32x4_gt(a, b); }

#else

typedef struct { float v[4]; } mb_f32x4;
typedef struct { uint32_t v[4]; } mb_u32x4;

#define MB_LANES(expression) for (int lane = 0; lane < 4; lane++) expression

static inline mb_f32x4 mb_f32x4_splat(float x) { mb_f32x4 r; MB_LANES(r.v[lane] = x); return r; }
static inline mb_f32x4 mb_f32x4_load(const float *p) { mb_f32x4 r; MB_LANES(r.v[lane] = p[lane]); return r; }
static inline void mb_f32x4_store(float *p, mb_f32x4 a) { MB_LANES(p[lane] = a.v[lane]); }
static inline mb_f32x4 mb_f32x4_add(mb_f32x4 a, mb_f32x4 b) { MB_LANES(a.v[lane] = a.v[lane] + b.v[lane]); return a; }
static inline mb_f32x4 mb_f32x4_sub(mb_f32x4 a, mb_f32x4 b) { MB_LANES(a.v[lane] = a.v[lane] - b.v[lane]); return a; }
static inline mb_f32x4 mb_f32x4_mul(mb_f32x4 a, mb_f32x4 b) { MB_LANES(a.v[lane] = a.v[lane] * b.v[lane]); return a; }
static inline mb_f32x4 mb_f32x4_div(mb_f32x4 a, mb_f32x4 b) { MB_LANES(a.v[lane] = a.v[lane] / b.v[lane]); return a; }
static inline mb_f32x4 mb_f32x4_sqrt(mb_f32x4 a) { MB_LANES(a.v[lane] = __builtin_sqrtf(a.v[lane])); return a; }
static inline mb_f32x4 mb_f32x4_floor(mb_f32x4 a) { MB_LANES(a.v[lane] = __builtin_floorf(a.v[lane])); return a; }
static inline mb_f32x4 mb_f32x4_abs(mb_f32x4 a) { MB_LANES(a.v[lane] = __builtin_fabsf(a.v[lane])); return a; }
static inline mb_f32x4 mb_f32x4_max(mb_f32x4 a, mb_f32x4 b) { MB_LANES(a.v[lane] = a.v[lane] < b.v[lane] ? b.v[lane] : a.v[lane]); return a; }
static inline mb_u32x4 mb_f32x4_lt(mb_f32x4 a, mb_f32x4 b) { mb_u32x4 r; MB_LANES(r.v[lane] = a.v[lane] < b.v[lane] ? 0xffffffffu : 0u); return r; }
static inline mb_u32x4 mb_f32x4_gt(mb_f32x4 a, mb_f32x4 b) { mb_u32x4 r; MB_LANES(r.v[lane] = a.v[lane] > b.v[lane] ? 0xffffffffu : 0u); return r; }
static inline mb_f32x4 mb_f32x4_select(mb_u32x4 mask, mb_f32x4 a, mb_f32x4 b) { MB_LANES(a.v[lane] = mask.v[lane] ? a.v[lane] : b.v[lane]); return a; }
static inline mb_f32x4 mb_f32x4_from_i32(mb_u32x4 a) { mb_f32x4 r; MB_LANES(r.v[lane] = (float)(int32_t)a.v[lane]); return r; }
static inline mb_u32x4 mb_i32x4_from_f32(mb_f32x4 a) { mb_u32x4 r; MB_LANES(r.v[lane] = (uint32_t)(int32_t)a.v[lane]); return r; }
static inline mb_f32x4 mb_f32x4_from_bits(mb_u32x4 a) { mb_f32x4 r; MB_LANES(r.v[lane] = mb_float_from_bits(a.v[lane])); return r; }
static inline mb_u32x4 mb_u32x4_bits(mb_f32x4 a) { mb_u32x4 r; MB_LANES(r.v[lane] = mb_bits_from_float(a.v[lane])); return r; }

static inline mb_u32x4 mb_u32x4_splat(uint32_t x) { mb_u32x4 r; MB_LANES(r.v[lane] = x); return r; }
static inline mb_u32x4 mb_u32x4_make(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    mb_u32x4 r = {{a, b, c, d}};
    return r;
}
static inline mb_u32x4 mb_u32x4_load(const uint32_t *p) { mb_u32x4 r; MB_LANES(r.v[lane] = p[lane]); return r; }
static inline void mb_u32x4_store(uint32_t *p, mb_u32x4 a) { MB_LANES(p[lane] = a.v[lane]); }
static inline mb_u32x4 mb_u32x4_add(mb_u32x4 a, mb_u32x4 b) { MB_LANES(a.v[lane] = a.v[lane] + b.v[lane]); return a; }
static inline mb_u32x4 mb_u32x4_sub(mb_u32x4 a, mb_u32x4 b) { MB_LANES(a.v[lane] = a.v[lane] - b.v[lane]); return a; }
static inline mb_u32x4 mb_u32x4_mul(mb_u32x4 a, mb_u32x4 b) { MB_LANES(a.v[lane] = a.v[lane] * b.v[lane]); return a; }
static inline mb_u32x4 mb_u32x4_xor(mb_u32x4 a, mb_u32x4 b) { MB_LANES(a.v[lane] = a.v[lane] ^ b.v[lane]); return a; }
static inline mb_u32x4 mb_u32x4_and(mb_u32x4 a, mb_u32x4 b) { MB_LANES(a.v[lane] = a.v[lane] & b.v[lane]); return a; }
static inline mb_u32x4 mb_u32x4_or(mb_u32x4 a, mb_u32x4 b) { MB_LANES(a.v[lane] = a.v[lane] | b.v[lane]); return a; }
/* a & ~b */
static inline mb_u32x4 mb_u32x4_andnot(mb_u32x4 a, mb_u32x4 b) { MB_LANES(a.v[lane] = a.v[lane] & ~b.v[lane]); return a; }
static inline mb_u32x4 mb_u32x4_shr(mb_u32x4 a, int n) { MB_LANES(a.v[lane] = a.v[lane] >> n); return a; }
static inline mb_u32x4 mb_u32x4_shl(mb_u32x4 a, int n) { MB_LANES(a.v[lane] = a.v[lane] << n); return a; }
static inline mb_u32x4 mb_u32x4_eq(mb_u32x4 a, mb_u32x4 b) { MB_LANES(a.v[lane] = a.v[lane] == b.v[lane] ? 0xffffffffu : 0u); return a; }
static inline mb_u32x4 mb_u32x4_select(mb_u32x4 mask, mb_u32x4 a, mb_u32x4 b) { MB_LANES(a.v[lane] = mask.v[lane] ? a.v[lane] : b.v[lane]); return a; }
static inline mb_u32x4 mb_i32x4_gt(mb_u32x4 a, mb_u32x4 b) { MB_LANES(a.v[lane] = (int32_t)a.v[lane] > (int32_t)b.v[lane] ? 0xffffffffu : 0u); return a; }

#undef MB_LANES
#endif

#endif
