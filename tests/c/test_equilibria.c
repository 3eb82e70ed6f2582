#include <math.h>
#include <stddef.h>

#include "../../c/mb_equilibria.h"
#include "../../c/mb_fold.h"
#include "../../c/mb_normal_form.h"
#include "check.h"

static const mb_link links[] = {MB_LINK_TANH, MB_LINK_ERF};

static int find(mb_link link, double K, double H, mb_equilibrium *out)
{
    mb_model model;
    int count = 0;
    CHECK_INT(mb_model_init(&model, link, K, H, NULL), MB_OK);
    CHECK_INT(mb_equilibria_find(&model, out, &count), MB_OK);
    /* Every result is a root, sorted, with a stability that matches F'. */
    for (int i = 0; i < count; i++) {
        CHECK_CLOSE(mb_field(&model, out[i].m), 0.0, 0.0, 1e-14);
        CHECK_CLOSE(out[i].eigenvalue, mb_field_dm(&model, out[i].m), 1e-15, 0.0);
        if (out[i].stability == MB_STABLE)
            CHECK(out[i].eigenvalue < 0.0);
        if (out[i].stability == MB_UNSTABLE)
            CHECK(out[i].eigenvalue > 0.0);
        if (i > 0)
            CHECK(out[i].m > out[i - 1].m);
    }
    return count;
}

void test_equilibria_counts(void)
{
    const double Ks[] = {0.0, 0.5, 0.99, 1.2, 1.5, 2.0, 5.0, 30.0};
    const double Hs[] = {-3.0, -0.6, -0.2, -0.01, 0.0, 0.01, 0.2, 0.6, 3.0};
    for (int l = 0; l < 2; l++) {
        for (int k = 0; k < 8; k++) {
            double critical_h = 0.0, m_fold = 0.0;
            CHECK_INT(mb_fold_critical_h(links[l], Ks[k], &critical_h, &m_fold), MB_OK);
            for (int h = 0; h < 9; h++) {
                mb_equilibrium out[MB_EQUILIBRIA_MAX];
                int count = find(links[l], Ks[k], Hs[h], out);
                int bistable = Ks[k] > 1.0 && fabs(Hs[h]) < critical_h;
                CHECK_INT(count, bistable ? 3 : 1);
                if (count == 3) {
                    CHECK_INT(out[0].stability, MB_STABLE);
                    CHECK_INT(out[1].stability, MB_UNSTABLE);
                    CHECK_INT(out[2].stability, MB_STABLE);
                } else {
                    CHECK_INT(out[0].stability, MB_STABLE);
                }
            }
        }
    }
    /* H = 0: m = 0 is stable below K = 1 and unstable above it. */
    mb_equilibrium out[MB_EQUILIBRIA_MAX];
    CHECK_INT(find(MB_LINK_TANH, 0.9, 0.0, out), 1);
    CHECK_CLOSE(out[0].m, 0.0, 0.0, 0.0);
    CHECK_INT(find(MB_LINK_TANH, 1.1, 0.0, out), 3);
    CHECK_CLOSE(out[1].m, 0.0, 0.0, 1e-300);
    CHECK_CLOSE(out[0].m, -out[2].m, 1e-14, 0.0);
    /* The documented example. */
    CHECK_INT(find(MB_LINK_TANH, 2.0, 0.3, out), 3);
    CHECK_CLOSE(out[0].m, -0.9079969872226669, 1e-14, 0.0);
}

void test_equilibria_near_fold(void)
{
    /* A pair of roots 1e-5 apart just inside the fold is still found, and is
     * gone just outside it: no grid could resolve this. */
    const double Ks[] = {1.01, 2.0, 7.0};
    for (int l = 0; l < 2; l++) {
        for (int k = 0; k < 3; k++) {
            double critical_h, m_fold;
            mb_fold_critical_h(links[l], Ks[k], &critical_h, &m_fold);
            mb_equilibrium out[MB_EQUILIBRIA_MAX];
            double offset = 1e-10 * (1.0 + critical_h);
            CHECK_INT(find(links[l], Ks[k], critical_h - offset, out), 3);
            CHECK_INT(find(links[l], Ks[k], -critical_h + offset, out), 3);
            CHECK_INT(find(links[l], Ks[k], critical_h + offset, out), 1);
            CHECK_INT(find(links[l], Ks[k], -critical_h - offset, out), 1);
            /* Inside, the two close roots straddle the fold's m. */
            find(links[l], Ks[k], critical_h - offset, out);
            CHECK(out[0].m < -m_fold);
            CHECK(out[1].m > -m_fold);
        }
    }
}

void test_equilibria_pitchfork_amplitude(void)
{
    /* m* ~ sqrt(3*(K - 1)) for tanh (sqrt(12*(K - 1)/pi) for erf), with a
     * relative error of order K - 1. */
    const double epsilons[] = {1e-2, 1e-3, 1e-4, 1e-6};
    for (int l = 0; l < 2; l++) {
        for (int i = 0; i < 4; i++) {
            double epsilon = epsilons[i];
            mb_equilibrium out[MB_EQUILIBRIA_MAX];
            CHECK_INT(find(links[l], 1.0 + epsilon, 0.0, out), 3);
            double mu = (1.0 + epsilon) - 1.0; /* K - 1 after rounding */
            double closed_form = l == 0 ? sqrt(3.0 * mu) : sqrt(12.0 * mu / 3.14159265358979323846);
            CHECK_CLOSE(mb_normal_form_amplitude(links[l], 1.0 + epsilon), closed_form, 1e-14, 0.0);
            CHECK_CLOSE(out[2].m, closed_form, 2.0 * epsilon, 0.0);
            CHECK(fabs(out[2].m / closed_form - 1.0) > 0.1 * epsilon); /* the error really is O(epsilon) */
            CHECK_CLOSE(out[0].m, -out[2].m, 1e-12, 0.0);
        }
    }
}

void test_equilibria_extreme_parameters(void)
{
    mb_equilibrium out[MB_EQUILIBRIA_MAX];
    for (int l = 0; l < 2; l++) {
        CHECK_INT(find(links[l], 1e6, 0.0, out), 3);
        CHECK_CLOSE(out[0].m, -1.0, 0.0, 1e-15);
        CHECK_CLOSE(out[1].m, 0.0, 0.0, 0.0);
        CHECK_CLOSE(out[2].m, 1.0, 0.0, 1e-15);
        CHECK_INT(out[1].stability, MB_UNSTABLE);
        CHECK_CLOSE(out[0].eigenvalue, -1.0, 1e-12, 0.0);

        CHECK_INT(find(links[l], 1e6, 50.0, out), 3);
        /* g(x) ~ g'(0)*x near 0 gives m = -g'(0)*H/(K - 1). */
        CHECK_CLOSE(out[1].m, -mb_link_slope_at_zero(links[l]) * 50.0 / (1e6 - 1.0), 1e-9, 0.0);
        CHECK_INT(find(links[l], 1e6, -50.0, out), 3);

        CHECK_INT(find(links[l], 0.0, 50.0, out), 1);
        CHECK_CLOSE(out[0].m, 1.0, 0.0, 0.0);
        CHECK_INT(find(links[l], 0.0, -100.0, out), 1);
        CHECK_CLOSE(out[0].m, -1.0, 0.0, 0.0);
        CHECK_INT(find(links[l], 5.0, 100.0, out), 1);
        CHECK_INT(find(links[l], 1.0, 0.0, out), 1);
        CHECK_CLOSE(out[0].m, 0.0, 0.0, 0.0);
        CHECK_INT(out[0].stability, MB_MARGINAL); /* the cusp: a triple root */
    }
    mb_model model;
    mb_model_init(&model, MB_LINK_TANH, 1.0, 0.0, NULL);
    int count;
    CHECK_INT(mb_equilibria_find(&model, NULL, &count), MB_ERR_NULL_POINTER);
}
