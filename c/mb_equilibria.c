#include "mb_equilibria.h"

#include <float.h>
#include <math.h>
#include <stddef.h>

#include "mb_roots.h"

/* A critical value |F(m_c)| at or below this is a double root: F is computed
 * from two terms of size at most 1, so its rounding error is a few ulp of 1. */
#define FOLD_RESIDUAL (8.0 * DBL_EPSILON)

static double field_with_derivative(double m, double *derivative, void *params)
{
    const mb_model *model = params;
    if (derivative != NULL)
        *derivative = mb_field_dm(model, m);
    return mb_field(model, m);
}

static void add_root(const mb_model *model, double m, int at_fold,
                     mb_equilibrium *out, int *count)
{
    if (*count > 0 && out[*count - 1].m == m)
        return;
    if (*count >= MB_EQUILIBRIA_MAX)
        return;
    double eigenvalue = mb_field_dm(model, m);
    mb_stability stability;
    if (at_fold || eigenvalue == 0.0)
        stability = MB_MARGINAL;
    else
        stability = eigenvalue < 0.0 ? MB_STABLE : MB_UNSTABLE;
    out[*count].m = m;
    out[*count].eigenvalue = eigenvalue;
    out[*count].stability = stability;
    (*count)++;
}

mb_status mb_equilibria_find(const mb_model *model, mb_equilibrium *out, int *count)
{
    if (model == NULL || out == NULL || count == NULL)
        return MB_ERR_NULL_POINTER;
    *count = 0;

    /* Nodes: -1, the critical points of F inside (-1, 1), and 1. */
    double nodes[4];
    int is_critical[4] = {0, 0, 0, 0};
    int node_count = 0;
    nodes[node_count++] = -1.0;
    if (model->K > 1.0) {
        double z = mb_link_critical_z(model->link, model->K);
        double low = (-z - model->H) / model->kappa;
        double high = (z - model->H) / model->kappa;
        if (low > -1.0 && low < 1.0) {
            is_critical[node_count] = 1;
            nodes[node_count++] = low;
        }
        if (high > -1.0 && high < 1.0 && high > low) {
            is_critical[node_count] = 1;
            nodes[node_count++] = high;
        }
    }
    nodes[node_count++] = 1.0;

    double values[4];
    int is_root[4];
    for (int i = 0; i < node_count; i++) {
        values[i] = mb_field(model, nodes[i]);
        if (is_critical[i])
            is_root[i] = fabs(values[i]) <= FOLD_RESIDUAL;
        else
            is_root[i] = values[i] == 0.0;
    }

    for (int i = 0; i < node_count; i++) {
        if (is_root[i])
            add_root(model, nodes[i], is_critical[i], out, count);
        if (i + 1 == node_count)
            break;
        if (is_root[i] || is_root[i + 1])
            continue;
        if ((values[i] > 0.0) != (values[i + 1] > 0.0)) {
            double m;
            mb_status status = mb_root_bracketed(field_with_derivative, (void *)model,
                                                 nodes[i], nodes[i + 1], &m);
            if (status != MB_OK)
                return status;
            add_root(model, m, 0, out, count);
        }
    }
    if (*count == 0)
        return MB_ERR_NO_CONVERGENCE; /* F(-1) >= 0 >= F(1) rules this out */
    return MB_OK;
}

const char *mb_stability_name(mb_stability stability)
{
    switch (stability) {
    case MB_STABLE: return "stable";
    case MB_UNSTABLE: return "unstable";
    case MB_MARGINAL: return "marginal";
    }
    return "unknown";
}
