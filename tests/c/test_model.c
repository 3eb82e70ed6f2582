#include <math.h>
#include <stddef.h>
#include <string.h>

#include "../../c/mb_field.h"
#include "../../c/mb_link.h"
#include "../../c/mb_params.h"
#include "../../c/mb_status.h"
#include "check.h"

#define TEST_PI 3.14159265358979323846

static const mb_link links[] = {MB_LINK_TANH, MB_LINK_ERF};

void test_status_and_params(void)
{
    for (int status = MB_OK; status <= MB_ERR_FINISHED; status++)
        CHECK(strcmp(mb_status_string((mb_status)status), "unknown status") != 0);
    CHECK(strcmp(mb_status_string((mb_status)99), "unknown status") == 0);
    for (int param = 0; param < MB_PARAM_COUNT; param++) {
        const mb_param_info_t *info = mb_param_info((mb_param)param);
        CHECK(info != NULL);
        if (info == NULL)
            continue;
        CHECK(info->name != NULL);
        CHECK(info->min < info->max);
    }
    CHECK(mb_param_info(MB_PARAM_COUNT) == NULL);
    CHECK_INT(mb_param_check(MB_PARAM_K, 0.0), MB_OK);
    CHECK_INT(mb_param_check(MB_PARAM_K, 1e6), MB_OK);
    CHECK_INT(mb_param_check(MB_PARAM_K, -1e-300), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(mb_param_check(MB_PARAM_M0, 1.0), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(mb_param_check(MB_PARAM_M0, -1.0), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(mb_param_check(MB_PARAM_M0, 0.999999), MB_OK);
    CHECK_INT(mb_param_check(MB_PARAM_TAU, 0.0), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(mb_param_check(MB_PARAM_SAMPLES, 10.5), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(mb_param_check(MB_PARAM_H, NAN), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(mb_param_check(MB_PARAM_H, INFINITY), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(mb_param_check((mb_param)-1, 0.0), MB_ERR_INVALID_ENUM);
}

void test_link_derivatives(void)
{
    const double zs[] = {-3.0, -0.7, 0.0, 0.2, 1.1, 2.5};
    const double h = 1e-5;
    for (int l = 0; l < 2; l++) {
        mb_link link = links[l];
        for (int i = 0; i < 6; i++) {
            double z = zs[i];
            double dg = (mb_link_g(link, z + h) - mb_link_g(link, z - h)) / (2 * h);
            double d2g = (mb_link_dg(link, z + h) - mb_link_dg(link, z - h)) / (2 * h);
            double d3g = (mb_link_d2g(link, z + h) - mb_link_d2g(link, z - h)) / (2 * h);
            double integral = (mb_link_integral(link, z + h) - mb_link_integral(link, z - h)) / (2 * h);
            CHECK_CLOSE(mb_link_dg(link, z), dg, 1e-8, 1e-9);
            CHECK_CLOSE(mb_link_d2g(link, z), d2g, 1e-8, 1e-9);
            CHECK_CLOSE(mb_link_d3g(link, z), d3g, 1e-7, 1e-8);
            CHECK_CLOSE(mb_link_g(link, z), integral, 1e-8, 1e-9);
        }
        CHECK_CLOSE(mb_link_integral(link, 0.0), 0.0, 0.0, 0.0);
        /* K = g'(0)/g'(z_c) at the critical argument. */
        const double Ks[] = {1.0001, 1.5, 2.0, 10.0, 1e6};
        for (int i = 0; i < 5; i++) {
            double z = mb_link_critical_z(link, Ks[i]);
            CHECK_CLOSE(mb_link_slope_at_zero(link) / mb_link_dg(link, z), Ks[i], 1e-12, 0.0);
        }
        CHECK_CLOSE(mb_link_critical_z(link, 0.5), 0.0, 0.0, 0.0);
    }
    CHECK_CLOSE(mb_link_slope_at_zero(MB_LINK_ERF), 2.0 / sqrt(TEST_PI), 1e-15, 0.0);
    CHECK_CLOSE(mb_link_integral(MB_LINK_TANH, 1.3), log(cosh(1.3)), 1e-15, 0.0);
}

void test_link_inverse(void)
{
    const double ys[] = {-0.999999, -0.5, -1e-10, 0.0, 0.3, 0.9, 0.99999999};
    for (int l = 0; l < 2; l++) {
        for (int i = 0; i < 7; i++) {
            double z = mb_link_inverse(links[l], ys[i]);
            CHECK_CLOSE(mb_link_g(links[l], z), ys[i], 1e-15, 1e-300);
        }
        CHECK(isinf(mb_link_inverse(links[l], 1.0)));
        CHECK(mb_link_inverse(links[l], 1.0) > 0);
        CHECK(isinf(mb_link_inverse(links[l], -1.0)));
        CHECK(mb_link_inverse(links[l], -1.0) < 0);
        CHECK(isnan(mb_link_inverse(links[l], 1.5)));
        CHECK(isnan(mb_link_inverse(links[l], NAN)));
    }
    CHECK_CLOSE(mb_link_inverse(MB_LINK_ERF, 0.5), 0.47693627620446987, 1e-15, 0.0);
}

void test_link_extreme_arguments(void)
{
    const double zs[] = {-1e6 - 100, -50.0, 50.0, 1e6 + 100};
    for (int l = 0; l < 2; l++) {
        for (int i = 0; i < 4; i++) {
            double z = zs[i];
            CHECK(isfinite(mb_link_g(links[l], z)));
            CHECK(mb_link_dg(links[l], z) >= 0.0);
            CHECK(isfinite(mb_link_dg(links[l], z)));
            CHECK(isfinite(mb_link_d2g(links[l], z)));
            CHECK(isfinite(mb_link_d3g(links[l], z)));
            CHECK_CLOSE(mb_link_integral(links[l], z), fabs(z) - (l == 0 ? log(2.0) : 1.0 / sqrt(TEST_PI)),
                        1e-15, 1e-12);
        }
    }
}

void test_field_potential(void)
{
    const double h = 1e-6;
    const double Ks[] = {0.0, 1e-4, 0.999e-3, 1.001e-3, 0.5, 2.0, 40.0};
    for (int l = 0; l < 2; l++) {
        for (int k = 0; k < 7; k++) {
            mb_model model;
            CHECK_INT(mb_model_init(&model, links[l], Ks[k], 0.3, NULL), MB_OK);
            CHECK_CLOSE(mb_potential(&model, 0.0), 0.0, 0.0, 1e-15);
            for (double m = -0.9; m < 0.95; m += 0.3) {
                /* F = -V' */
                double slope = (mb_potential(&model, m + h) - mb_potential(&model, m - h)) / (2 * h);
                CHECK_CLOSE(-slope, mb_field(&model, m), 1e-6, 1e-7);
                double dF = (mb_field(&model, m + h) - mb_field(&model, m - h)) / (2 * h);
                CHECK_CLOSE(mb_field_dm(&model, m), dF, 1e-6, 1e-6);
                double d2F = (mb_field_dm(&model, m + h) - mb_field_dm(&model, m - h)) / (2 * h);
                CHECK_CLOSE(mb_field_dm2(&model, m), d2F, 1e-5, 1e-5);
                mb_model up = model, down = model;
                up.H += h;
                down.H -= h;
                CHECK_CLOSE(mb_field_dH(&model, m), (mb_field(&up, m) - mb_field(&down, m)) / (2 * h), 1e-6, 1e-8);
                CHECK_CLOSE(mb_field_dm_dH(&model, m), (mb_field_dm(&up, m) - mb_field_dm(&down, m)) / (2 * h), 1e-5, 1e-6);
                mb_model right, left;
                mb_model_init(&right, links[l], Ks[k] + h, 0.3, NULL);
                mb_model_init(&left, links[l], fmax(Ks[k] - h, 0.0), 0.3, NULL);
                double dK = (mb_field(&right, m) - mb_field(&left, m)) / (right.K - left.K);
                CHECK_CLOSE(mb_field_dK(&model, m), dK, 1e-5, 1e-7);
                double dmdK = (mb_field_dm(&right, m) - mb_field_dm(&left, m)) / (right.K - left.K);
                CHECK_CLOSE(mb_field_dm_dK(&model, m), dmdK, 1e-5, 1e-6);
            }
        }
    }
    /* The closed form of the tanh potential, shifted by its value at 0. */
    mb_model model;
    mb_model_init(&model, MB_LINK_TANH, 2.0, 0.3, NULL);
    double m = 0.4;
    double expected = m * m / 2 - (log(cosh(2 * m + 0.3)) - log(cosh(0.3))) / 2;
    CHECK_CLOSE(mb_potential(&model, m), expected, 1e-14, 0.0);
    double grid_m[5], grid_f[5], grid_v[5];
    CHECK_INT(mb_field_sample(&model, 5, grid_m, grid_f, grid_v), MB_OK);
    CHECK_CLOSE(grid_m[0], -1.0, 0.0, 0.0);
    CHECK_CLOSE(grid_m[4], 1.0, 0.0, 0.0);
    CHECK_CLOSE(grid_f[2], tanh(0.3), 1e-15, 0.0);
    CHECK_INT(mb_field_sample(&model, 1, grid_m, grid_f, grid_v), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(mb_field_sample(&model, 5, NULL, grid_f, grid_v), MB_ERR_NULL_POINTER);
}

void test_model_rejects_bad_parameters(void)
{
    mb_model model;
    mb_param bad = MB_PARAM_COUNT;
    CHECK_INT(mb_model_init(&model, MB_LINK_TANH, -1.0, 0.0, &bad), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(bad, MB_PARAM_K);
    bad = MB_PARAM_COUNT;
    CHECK_INT(mb_model_init(&model, MB_LINK_TANH, NAN, 0.0, &bad), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(bad, MB_PARAM_K);
    CHECK_INT(mb_model_init(&model, MB_LINK_TANH, 1e6 * (1 + 1e-15), 0.0, &bad), MB_ERR_OUT_OF_RANGE);
    bad = MB_PARAM_COUNT;
    CHECK_INT(mb_model_init(&model, MB_LINK_ERF, 1.0, INFINITY, &bad), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(bad, MB_PARAM_H);
    CHECK_INT(mb_model_init(&model, MB_LINK_ERF, 1.0, -100.5, &bad), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(mb_model_init(&model, (mb_link)7, 1.0, 0.0, &bad), MB_ERR_INVALID_ENUM);
    CHECK_INT(mb_model_init(NULL, MB_LINK_TANH, 1.0, 0.0, &bad), MB_ERR_NULL_POINTER);
    mb_link link;
    CHECK_INT(mb_link_parse("erf", &link), MB_OK);
    CHECK_INT(link, MB_LINK_ERF);
    CHECK_INT(mb_link_parse("relu", &link), MB_ERR_INVALID_ENUM);
    CHECK_INT(mb_link_parse(NULL, &link), MB_ERR_NULL_POINTER);
}
