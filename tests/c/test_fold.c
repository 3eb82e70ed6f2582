#include <math.h>
#include <stddef.h>

#include "../../c/mb_equilibria.h"
#include "../../c/mb_fold.h"
#include "../../c/mb_normal_form.h"
#include "check.h"

#define TEST_PI 3.14159265358979323846

static const mb_link links[] = {MB_LINK_TANH, MB_LINK_ERF};

static double closed_form(mb_link link, double K)
{
    if (link == MB_LINK_TANH)
        return sqrt(K * (K - 1.0)) - atanh(sqrt(1.0 - 1.0 / K));
    double z = sqrt(log(K));
    return sqrt(TEST_PI) / 2.0 * K * erf(z) - z;
}

void test_fold_closed_forms(void)
{
    const double Ks[] = {1.3, 2.0, 3.0, 10.0, 100.0, 1e4, 1e6};
    for (int l = 0; l < 2; l++) {
        for (int k = 0; k < 7; k++) {
            double critical_h, m_fold;
            CHECK_INT(mb_fold_critical_h(links[l], Ks[k], &critical_h, &m_fold), MB_OK);
            CHECK_CLOSE(critical_h, closed_form(links[l], Ks[k]), 1e-12, 0.0);
            CHECK_CLOSE(m_fold, mb_link_g(links[l], mb_link_critical_z(links[l], Ks[k])), 1e-15, 0.0);
        }
        double critical_h = 1, m_fold = 1;
        CHECK_INT(mb_fold_critical_h(links[l], 0.7, &critical_h, &m_fold), MB_OK);
        CHECK_CLOSE(critical_h, 0.0, 0.0, 0.0);
        CHECK_INT(mb_fold_critical_h(links[l], 1.0, &critical_h, &m_fold), MB_OK);
        CHECK_CLOSE(critical_h, 0.0, 0.0, 0.0);
        CHECK_INT(mb_fold_critical_h(links[l], -1.0, &critical_h, &m_fold), MB_ERR_OUT_OF_RANGE);
        CHECK_INT(mb_fold_critical_h(links[l], NAN, &critical_h, &m_fold), MB_ERR_OUT_OF_RANGE);
    }
    /* The documented example: H_c(2) = sqrt(2) - artanh(1/sqrt(2)). */
    double critical_h, m_fold;
    mb_fold_critical_h(MB_LINK_TANH, 2.0, &critical_h, &m_fold);
    CHECK_CLOSE(critical_h, 0.53283997535355188, 1e-15, 0.0);
    CHECK_CLOSE(m_fold, sqrt(0.5), 1e-15, 0.0);
}

void test_fold_near_cusp(void)
{
    /* H_c(K) = (2/3)*(K - 1)^(3/2) * (1 - c*(K - 1) + ...), c = 3/10 for tanh;
     * the series keeps full precision where the closed form cancels. */
    const double epsilons[] = {1e-2, 1e-4, 1e-8, 1e-12, 1e-15};
    for (int l = 0; l < 2; l++) {
        for (int i = 0; i < 5; i++) {
            double epsilon = epsilons[i];
            double critical_h, m_fold;
            CHECK_INT(mb_fold_critical_h(links[l], 1.0 + epsilon, &critical_h, &m_fold), MB_OK);
            double leading = 2.0 / 3.0 * pow(epsilon, 1.5);
            double K_exact = 1.0 + epsilon; /* the K actually passed, after rounding */
            double leading_exact = 2.0 / 3.0 * pow(K_exact - 1.0, 1.5);
            CHECK_CLOSE(critical_h, leading_exact, epsilon + 1e-14, 0.0);
            CHECK_CLOSE(mb_normal_form_critical_h(links[l], K_exact), leading_exact, 1e-14, 0.0);
            if (l == 0)
                CHECK_CLOSE(critical_h / leading_exact - 1.0, -0.3 * (K_exact - 1.0), 0.05, 1e-14);
            (void)leading;
        }
    }
}

void test_fold_parametrisation(void)
{
    /* Every point of the fold set is a double root: F = F' = 0. */
    const double zs[] = {-2.0, -1.0, -0.01, 0.001, 0.5, 1.7, 2.0};
    for (int l = 0; l < 2; l++) {
        for (int i = 0; i < 7; i++) {
            double K, H, m;
            CHECK_INT(mb_fold_point(links[l], zs[i], &K, &H, &m), MB_OK);
            mb_model model;
            CHECK_INT(mb_model_init(&model, links[l], K, H, NULL), MB_OK);
            CHECK_CLOSE(mb_field(&model, m), 0.0, 0.0, 1e-14);
            CHECK_CLOSE(mb_field_dm(&model, m), 0.0, 0.0, 1e-12);
            double direct = zs[i] - mb_link_g(links[l], zs[i]) / mb_link_dg(links[l], zs[i]);
            CHECK_CLOSE(H, direct, 1e-9, 1e-15);
            double critical_h, m_fold;
            mb_fold_critical_h(links[l], K, &critical_h, &m_fold);
            /* K(z) - 1 = sinh^2(z) loses digits for small z, and H ~ z^3. */
            CHECK_CLOSE(fabs(H), critical_h, 1e-9, 0.0);
            CHECK(H * zs[i] < 0.0);
        }
        double K, H, m;
        CHECK_INT(mb_fold_point(links[l], 40.0, &K, &H, &m), MB_ERR_OUT_OF_RANGE);
        CHECK_INT(mb_fold_point(links[l], NAN, &K, &H, &m), MB_ERR_OUT_OF_RANGE);
    }
    double K_out[5], H_out[5];
    CHECK_INT(mb_fold_curve(MB_LINK_TANH, 3.0, 5, K_out, H_out), MB_OK);
    CHECK_CLOSE(K_out[0], 1.0, 0.0, 0.0);
    CHECK_CLOSE(H_out[0], 0.0, 0.0, 0.0);
    CHECK_CLOSE(K_out[4], 3.0, 0.0, 0.0);
    CHECK_CLOSE(H_out[4], closed_form(MB_LINK_TANH, 3.0), 1e-13, 0.0);
    CHECK_INT(mb_fold_curve(MB_LINK_TANH, 0.5, 5, K_out, H_out), MB_ERR_OUT_OF_RANGE);
}

void test_normal_form(void)
{
    mb_model model;
    mb_normal_form form;
    mb_model_init(&model, MB_LINK_TANH, 1.2, 0.01, NULL);
    CHECK_INT(mb_normal_form_compute(&model, &form), MB_OK);
    CHECK_CLOSE(form.cubic, -1.0 / 3.0, 1e-15, 0.0);
    CHECK_CLOSE(form.m_scale, sqrt(3.0), 1e-15, 0.0);
    CHECK_CLOSE(form.a, 0.01 / sqrt(3.0), 1e-15, 0.0);
    CHECK_CLOSE(form.b, 0.2, 1e-14, 0.0);
    mb_model_init(&model, MB_LINK_ERF, 1.2, 0.01, NULL);
    CHECK_INT(mb_normal_form_compute(&model, &form), MB_OK);
    CHECK_CLOSE(form.cubic, -TEST_PI / 12.0, 1e-15, 0.0);
    CHECK_CLOSE(form.h_coefficient, 2.0 / sqrt(TEST_PI), 1e-15, 0.0);
    /* The scaled form's fold set 27a^2 = 4b^3 maps onto H = (2/3)(K-1)^(3/2). */
    for (int l = 0; l < 2; l++) {
        double K = 1.05;
        double critical_h = mb_normal_form_critical_h(l == 0 ? MB_LINK_TANH : MB_LINK_ERF, K);
        mb_model_init(&model, l == 0 ? MB_LINK_TANH : MB_LINK_ERF, K, critical_h, NULL);
        mb_normal_form_compute(&model, &form);
        CHECK_CLOSE(27.0 * form.a * form.a, 4.0 * form.b * form.b * form.b, 1e-12, 0.0);
    }
    CHECK_INT(mb_normal_form_compute(NULL, &form), MB_ERR_NULL_POINTER);
}
