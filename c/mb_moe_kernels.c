#include "mb_moe_kernels.h"

#include <math.h>

#include "mb_simd.h"

static inline float lane_sum(mb_f32x4 v)
{
    float lanes[4];
    mb_f32x4_store(lanes, v);
    return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

/* Four rows at a time share each load of x; a row's sum keeps the lane
 * order of a single-row dot product, so the grouping changes no result. */
static void vector_linear_forward(float *out, const float *W, const float *bias, const float *x, int rows,
                                  int cols)
{
    int body = cols & ~3;
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *w0 = W + (long)r * cols;
        const float *w1 = w0 + cols;
        const float *w2 = w1 + cols;
        const float *w3 = w2 + cols;
        mb_f32x4 a0 = mb_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
        for (int j = 0; j < body; j += 4) {
            mb_f32x4 xv = mb_f32x4_load(x + j);
            a0 = mb_f32x4_add(a0, mb_f32x4_mul(mb_f32x4_load(w0 + j), xv));
            a1 = mb_f32x4_add(a1, mb_f32x4_mul(mb_f32x4_load(w1 + j), xv));
            a2 = mb_f32x4_add(a2, mb_f32x4_mul(mb_f32x4_load(w2 + j), xv));
            a3 = mb_f32x4_add(a3, mb_f32x4_mul(mb_f32x4_load(w3 + j), xv));
        }
        float s0 = lane_sum(a0), s1 = lane_sum(a1), s2 = lane_sum(a2), s3 = lane_sum(a3);
        for (int j = body; j < cols; j++) {
            s0 += w0[j] * x[j];
            s1 += w1[j] * x[j];
            s2 += w2[j] * x[j];
            s3 += w3[j] * x[j];
        }
        out[r] = bias[r] + s0;
        out[r + 1] = bias[r + 1] + s1;
        out[r + 2] = bias[r + 2] + s2;
        out[r + 3] = bias[r + 3] + s3;
    }
    for (; r < rows; r++) {
        const float *w = W + (long)r * cols;
        mb_f32x4 a = mb_f32x4_splat(0.0f);
        for (int j = 0; j < body; j += 4)
            a = mb_f32x4_add(a, mb_f32x4_mul(mb_f32x4_load(w + j), mb_f32x4_load(x + j)));
        float s = lane_sum(a);
        for (int j = body; j < cols; j++)
            s += w[j] * x[j];
        out[r] = bias[r] + s;
    }
}

static void vector_linear_backward_weights(float *dW, float *dbias, const float *g, const float *x, int rows,
                                           int cols)
{
    int body = cols & ~3;
    for (int r = 0; r < rows; r++) {
        float gr = g[r];
        dbias[r] += gr;
        if (gr == 0.0f)
            continue; /* a ReLU that is off passes no gradient: skip its row */
        float *d = dW + (long)r * cols;
        mb_f32x4 gv = mb_f32x4_splat(gr);
        for (int j = 0; j < body; j += 4)
            mb_f32x4_store(d + j, mb_f32x4_add(mb_f32x4_load(d + j), mb_f32x4_mul(gv, mb_f32x4_load(x + j))));
        for (int j = body; j < cols; j++)
            d[j] += gr * x[j];
    }
}

static void vector_linear_backward_input(float *dx, const float *W, const float *g, int rows, int cols)
{
    int body = cols & ~3;
    for (int j = 0; j < cols; j++)
        dx[j] = 0.0f;
    for (int r = 0; r < rows; r++) {
        float gr = g[r];
        if (gr == 0.0f)
            continue;
        const float *w = W + (long)r * cols;
        mb_f32x4 gv = mb_f32x4_splat(gr);
        for (int j = 0; j < body; j += 4)
            mb_f32x4_store(dx + j, mb_f32x4_add(mb_f32x4_load(dx + j), mb_f32x4_mul(gv, mb_f32x4_load(w + j))));
        for (int j = body; j < cols; j++)
            dx[j] += gr * w[j];
    }
}

static inline float adam_scalar(float *w, float *m, float *v, float g, float rate, float b1, float b2, float eps,
                                float keep)
{
    *m = b1 * *m + (1.0f - b1) * g;
    *v = b2 * *v + (1.0f - b2) * (g * g);
    *w = *w * keep - rate * *m / (sqrtf(*v) + eps);
    return *w;
}

static void vector_adam(float *w, float *m, float *v, const float *g, int n, float rate, float b1, float b2,
                        float eps, float decay)
{
    int body = n & ~3;
    float keep = 1.0f - decay;
    mb_f32x4 b1v = mb_f32x4_splat(b1), c1 = mb_f32x4_splat(1.0f - b1);
    mb_f32x4 b2v = mb_f32x4_splat(b2), c2 = mb_f32x4_splat(1.0f - b2);
    mb_f32x4 ratev = mb_f32x4_splat(rate), epsv = mb_f32x4_splat(eps), keepv = mb_f32x4_splat(keep);
    for (int i = 0; i < body; i += 4) {
        mb_f32x4 gv = mb_f32x4_load(g + i);
        mb_f32x4 mv = mb_f32x4_add(mb_f32x4_mul(b1v, mb_f32x4_load(m + i)), mb_f32x4_mul(c1, gv));
        mb_f32x4 vv = mb_f32x4_add(mb_f32x4_mul(b2v, mb_f32x4_load(v + i)), mb_f32x4_mul(c2, mb_f32x4_mul(gv, gv)));
        mb_f32x4 step = mb_f32x4_div(mb_f32x4_mul(ratev, mv), mb_f32x4_add(mb_f32x4_sqrt(vv), epsv));
        mb_f32x4_store(w + i, mb_f32x4_sub(mb_f32x4_mul(mb_f32x4_load(w + i), keepv), step));
        mb_f32x4_store(m + i, mv);
        mb_f32x4_store(v + i, vv);
    }
    for (int i = body; i < n; i++)
        adam_scalar(w + i, m + i, v + i, g[i], rate, b1, b2, eps, keep);
}

static void vector_sgd(float *w, float *u, const float *g, int n, float rate, float momentum, float decay)
{
    int body = n & ~3;
    float keep = 1.0f - decay;
    mb_f32x4 mv = mb_f32x4_splat(momentum), ratev = mb_f32x4_splat(rate), keepv = mb_f32x4_splat(keep);
    for (int i = 0; i < body; i += 4) {
        mb_f32x4 uv = mb_f32x4_add(mb_f32x4_mul(mv, mb_f32x4_load(u + i)), mb_f32x4_load(g + i));
        mb_f32x4_store(u + i, uv);
        mb_f32x4_store(w + i, mb_f32x4_sub(mb_f32x4_mul(mb_f32x4_load(w + i), keepv), mb_f32x4_mul(ratev, uv)));
    }
    for (int i = body; i < n; i++) {
        u[i] = momentum * u[i] + g[i];
        w[i] = w[i] * keep - rate * u[i];
    }
}

const mb_moe_kernels mb_moe_vector_kernels = {
    vector_linear_forward, vector_linear_backward_weights, vector_linear_backward_input, vector_adam, vector_sgd,
};

static void reference_linear_forward(float *out, const float *W, const float *bias, const float *x, int rows,
                                     int cols)
{
    for (int r = 0; r < rows; r++) {
        double sum = bias[r];
        for (int j = 0; j < cols; j++)
            sum += (double)W[(long)r * cols + j] * x[j];
        out[r] = (float)sum;
    }
}

static void reference_linear_backward_weights(float *dW, float *dbias, const float *g, const float *x, int rows,
                                              int cols)
{
    for (int r = 0; r < rows; r++) {
        dbias[r] += g[r];
        for (int j = 0; j < cols; j++)
            dW[(long)r * cols + j] += g[r] * x[j];
    }
}

static void reference_linear_backward_input(float *dx, const float *W, const float *g, int rows, int cols)
{
    for (int j = 0; j < cols; j++) {
        double sum = 0.0;
        for (int r = 0; r < rows; r++)
            sum += (double)g[r] * W[(long)r * cols + j];
        dx[j] = (float)sum;
    }
}

static void reference_adam(float *w, float *m, float *v, const float *g, int n, float rate, float b1, float b2,
                           float eps, float decay)
{
    for (int i = 0; i < n; i++) {
        double mi = (double)b1 * m[i] + (1.0 - b1) * g[i];
        double vi = (double)b2 * v[i] + (1.0 - b2) * ((double)g[i] * g[i]);
        m[i] = (float)mi;
        v[i] = (float)vi;
        w[i] = (float)(w[i] * (1.0 - decay) - rate * mi / (sqrt(vi) + eps));
    }
}

static void reference_sgd(float *w, float *u, const float *g, int n, float rate, float momentum, float decay)
{
    for (int i = 0; i < n; i++) {
        double ui = (double)momentum * u[i] + g[i];
        u[i] = (float)ui;
        w[i] = (float)(w[i] * (1.0 - decay) - rate * ui);
    }
}

const mb_moe_kernels mb_moe_reference_kernels = {
    reference_linear_forward, reference_linear_backward_weights, reference_linear_backward_input, reference_adam,
    reference_sgd,
};
