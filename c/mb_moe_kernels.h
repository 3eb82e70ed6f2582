/* Dense-layer and optimiser kernels of the trainable MoE, written once
 * against the 4-lane vocabulary of mb_simd.h, each with a plain reference
 * twin (sequential loops, sums in double) that tests compare against.
 *
 * Dimension letters: R rows (outputs of a layer), D columns (its inputs).
 * W is row-major R x D: W[r * D + j].
 *
 *   linear_forward:          out[r] = bias[r] + sum_j W[r][j] x[j]
 *   linear_backward_weights: dW[r][j] += g[r] x[j],  dbias[r] += g[r]
 *   linear_backward_input:   dx[j] = sum_r g[r] W[r][j]   (overwrites dx)
 *   adam:  m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
 *          w = w * (1 - decay) - rate * m / (sqrt(v) + eps)
 *          (rate includes Adam's bias corrections)
 *   sgd:   u = momentum u + g,  w = w * (1 - decay) - rate * u
 *
 * The vector kernels sum four lanes apart and add the lanes as
 * (l0 + l1) + (l2 + l3), then the tail in order: deterministic, and the
 * same in the native build and WebAssembly, but not the reference's order.
 */
#ifndef MB_MOE_KERNELS_H
#define MB_MOE_KERNELS_H

typedef struct {
    void (*linear_forward)(float *out, const float *W, const float *bias, const float *x, int rows, int cols);
    void (*linear_backward_weights)(float *dW, float *dbias, const float *g, const float *x, int rows, int cols);
    void (*linear_backward_input)(float *dx, const float *W, const float *g, int rows, int cols);
    void (*adam)(float *w, float *m, float *v, const float *g, int n, float rate, float b1, float b2, float eps,
                 float decay);
    void (*sgd)(float *w, float *u, const float *g, int n, float rate, float momentum, float decay);
} mb_moe_kernels;

/* The SIMD kernels (plain per-lane loops in a native build). */
extern const mb_moe_kernels mb_moe_vector_kernels;
/* The reference twins. */
extern const mb_moe_kernels mb_moe_reference_kernels;

#endif
