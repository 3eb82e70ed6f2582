#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "../../c/mb_equilibria.h"
#include "../../c/mb_field.h"
#include "../../c/mb_fokker_planck.h"
#include "../../c/mb_link.h"
#include "check.h"

#define TEST_PI 3.14159265358979323846

static const mb_link links[] = {MB_LINK_TANH, MB_LINK_ERF};

static mb_model make_model(mb_link link, double K, double H)
{
    mb_model model;
    mb_status status = mb_model_init(&model, link, K, H, NULL);
    CHECK_INT(status, MB_OK);
    return model;
}

static double diffusion_at(const mb_model *model, double m)
{
    double g = mb_link_g(model->link, model->kappa * m + model->H);
    return 1.0 - g * g;
}

/* Index of the largest entry of values[first .. last - 1]. */
static int index_of_max(const double *values, int first, int last)
{
    int best = first;
    for (int i = first + 1; i < last; i++) {
        if (values[i] > values[best])
            best = i;
    }
    return best;
}

void test_fokker_planck_density_normalised(void)
{
    const double Ks[] = {0.0, 0.5, 2.0, 10.0, 1e6};
    const double Hs[] = {-100.0, -50.0, 0.0, 0.3, 50.0};
    const double epsilons[] = {1e-6, 1e-3, 0.5};
    const int count = 200;
    const double width = 2.0 / count;
    double m[200];
    double density[200];
    for (int l = 0; l < 2; l++) {
        for (int k = 0; k < 5; k++) {
            for (int h = 0; h < 5; h++) {
                for (int e = 0; e < 3; e++) {
                    mb_model model = make_model(links[l], Ks[k], Hs[h]);
                    mb_status status = mb_fokker_planck_density(&model, epsilons[e], count, m,
                                                                density);
                    CHECK_INT(status, MB_OK);
                    if (status != MB_OK)
                        continue;
                    double total = 0.0;
                    int all_finite = 1;
                    int all_nonnegative = 1;
                    for (int i = 0; i < count; i++) {
                        all_finite &= isfinite(density[i]) != 0;
                        all_nonnegative &= density[i] >= 0.0;
                        total += density[i] * width;
                    }
                    CHECK(all_finite);
                    CHECK(all_nonnegative);
                    CHECK_CLOSE(total, 1.0, 1e-12, 0.0);
                    CHECK_CLOSE(m[0], -1.0 + 0.5 * width, 1e-15, 0.0);
                    CHECK_CLOSE(m[count - 1], 1.0 - 0.5 * width, 1e-15, 0.0);

                    /* At small epsilon the largest cell lies next to a stable
                     * (or marginal) equilibrium. */
                    if (epsilons[e] > 1e-3)
                        continue;
                    mb_equilibrium equilibria[MB_EQUILIBRIA_MAX];
                    int equilibrium_count = 0;
                    CHECK_INT(mb_equilibria_find(&model, equilibria, &equilibrium_count), MB_OK);
                    int peak = index_of_max(density, 0, count);
                    double distance = INFINITY;
                    for (int i = 0; i < equilibrium_count; i++) {
                        if (equilibria[i].stability != MB_UNSTABLE)
                            distance = fmin(distance, fabs(m[peak] - equilibria[i].m));
                    }
                    CHECK(distance <= width);
                }
            }
        }
    }

    /* K = 1e6, |H| = 50: the wells round to +-1 and the one H favours takes
     * all the mass, in the last or first cell. */
    for (int l = 0; l < 2; l++) {
        mb_model up = make_model(links[l], 1e6, 50.0);
        CHECK_INT(mb_fokker_planck_density(&up, 1e-6, count, m, density), MB_OK);
        CHECK(density[count - 1] * width > 0.999);
        mb_model down = make_model(links[l], 1e6, -50.0);
        CHECK_INT(mb_fokker_planck_density(&down, 1e-6, count, m, density), MB_OK);
        CHECK(density[0] * width > 0.999);
        /* At H = 0 the two wells share the mass equally. */
        mb_model symmetric = make_model(links[l], 1e6, 0.0);
        CHECK_INT(mb_fokker_planck_density(&symmetric, 1e-6, count, m, density), MB_OK);
        CHECK_CLOSE(density[0] * width, 0.5, 1e-12, 0.0);
        CHECK_CLOSE(density[count - 1] * width, 0.5, 1e-12, 0.0);
    }
}

void test_fokker_planck_density_resolution(void)
{
    /* Each coarse cell must hold the mean of the 500 fine cells it contains,
     * also where one cell is far wider than the peak. */
    const struct {
        mb_link link;
        double K;
        double H;
        double epsilon;
    } cases[] = {
        {MB_LINK_TANH, 2.0, 0.0, 1e-6},
        {MB_LINK_ERF, 1.2, 0.01, 1e-4},
        {MB_LINK_TANH, 0.5, 0.2, 0.5},
        {MB_LINK_ERF, 30.0, 0.5, 1e-3},
        {MB_LINK_TANH, 5.0, 0.01, 1e-4},
    };
    const int coarse = 200;
    const int fine = 100000;
    double coarse_m[200];
    double coarse_density[200];
    double *fine_m = malloc(sizeof(double) * fine);
    double *fine_density = malloc(sizeof(double) * fine);
    CHECK(fine_m != NULL);
    CHECK(fine_density != NULL);
    if (fine_m == NULL || fine_density == NULL) {
        free(fine_m);
        free(fine_density);
        return;
    }
    for (int c = 0; c < 5; c++) {
        mb_model model = make_model(cases[c].link, cases[c].K, cases[c].H);
        CHECK_INT(mb_fokker_planck_density(&model, cases[c].epsilon, coarse, coarse_m,
                                           coarse_density),
                  MB_OK);
        CHECK_INT(mb_fokker_planck_density(&model, cases[c].epsilon, fine, fine_m, fine_density),
                  MB_OK);
        double peak = coarse_density[index_of_max(coarse_density, 0, coarse)];
        double worst = 0.0;
        for (int i = 0; i < coarse; i++) {
            double sum = 0.0;
            for (int j = 0; j < fine / coarse; j++)
                sum += fine_density[i * (fine / coarse) + j];
            double mean = sum / (fine / coarse);
            double error = fabs(mean - coarse_density[i]) / (coarse_density[i] + 1e-12 * peak);
            worst = fmax(worst, error);
        }
        CHECK(worst < 1e-7);
    }
    free(fine_m);
    free(fine_density);
}

/* Probability of [a, b] under the density proportional to
 * exp(-(x - mu)^2 / s^2), up to the factor s*sqrt(pi)/2, without cancellation
 * in the tails. */
static double gaussian_mass(double a, double b, double mu, double s)
{
    double u = (a - mu) / s;
    double v = (b - mu) / s;
    if (u >= 0.0)
        return erfc(u) - erfc(v);
    if (v <= 0.0)
        return erfc(-v) - erfc(-u);
    return erf(v) - erf(u);
}

void test_fokker_planck_density_closed_form(void)
{
    /* K = 0: A = g(H) - m and D = 1 - g(H)^2 are linear and constant, so P is
     * the Gaussian exp(-(m - g(H))^2 / (epsilon*D)) truncated to [-1, 1]. */
    const struct {
        mb_link link;
        double H;
        double epsilon;
    } cases[] = {
        {MB_LINK_TANH, 0.3, 0.01},
        {MB_LINK_ERF, -0.5, 1e-4},
        {MB_LINK_TANH, 2.0, 0.3},
        {MB_LINK_ERF, 0.0, 0.5},
        {MB_LINK_TANH, -1.2, 1e-6},
    };
    const int count = 1000;
    const double width = 2.0 / count;
    double *m = malloc(sizeof(double) * count);
    double *density = malloc(sizeof(double) * count);
    CHECK(m != NULL);
    CHECK(density != NULL);
    if (m == NULL || density == NULL) {
        free(m);
        free(density);
        return;
    }
    for (int c = 0; c < 5; c++) {
        mb_model model = make_model(cases[c].link, 0.0, cases[c].H);
        CHECK_INT(mb_fokker_planck_density(&model, cases[c].epsilon, count, m, density), MB_OK);
        double mu = mb_link_g(model.link, model.H);
        double s = sqrt(cases[c].epsilon * (1.0 - mu * mu));
        double total = gaussian_mass(-1.0, 1.0, mu, s);
        double peak = density[index_of_max(density, 0, count)];
        double worst = 0.0;
        for (int i = 0; i < count; i++) {
            double a = -1.0 + width * i;
            double expected = gaussian_mass(a, a + width, mu, s) / (total * width);
            double error = fabs(density[i] - expected) / (expected + 1e-12 * peak);
            worst = fmax(worst, error);
        }
        CHECK(worst < 1e-8);
    }
    free(m);
    free(density);
}

/* Returns the root of 2A(m) - epsilon*D'(m) in [low, high] by bisection,
 * where D' = -2*kappa*g*g'; the two sides must differ in sign. */
static double density_mode(const mb_model *model, double epsilon, double low, double high)
{
    double value_low = 0.0;
    for (int i = 0; i < 200; i++) {
        double m = i == 0 ? low : 0.5 * (low + high);
        double z = model->kappa * m + model->H;
        double slope = -2.0 * model->kappa * mb_link_g(model->link, z) * mb_link_dg(model->link, z);
        double value = 2.0 * mb_field(model, m) - epsilon * slope;
        if (i == 0) {
            value_low = value;
        } else if ((value < 0.0) == (value_low < 0.0)) {
            low = m;
        } else {
            high = m;
        }
    }
    return 0.5 * (low + high);
}

void test_fokker_planck_density_peaks(void)
{
    const int count = 2000;
    const double width = 2.0 / count;
    double *m = malloc(sizeof(double) * count);
    double *density = malloc(sizeof(double) * count);
    CHECK(m != NULL);
    CHECK(density != NULL);
    if (m == NULL || density == NULL) {
        free(m);
        free(density);
        return;
    }
    for (int l = 0; l < 2; l++) {
        /* Symmetric double well: one peak on each side, at the wells. */
        mb_model symmetric = make_model(links[l], 2.0, 0.0);
        mb_equilibrium equilibria[MB_EQUILIBRIA_MAX];
        int equilibrium_count = 0;
        CHECK_INT(mb_equilibria_find(&symmetric, equilibria, &equilibrium_count), MB_OK);
        CHECK_INT(equilibrium_count, 3);
        CHECK_INT(mb_fokker_planck_density(&symmetric, 1e-3, count, m, density), MB_OK);
        int left = index_of_max(density, 0, count / 2);
        int right = index_of_max(density, count / 2, count);
        CHECK(fabs(m[left] - equilibria[0].m) <= width);
        CHECK(fabs(m[right] - equilibria[2].m) <= width);
        CHECK_CLOSE(density[left], density[right], 1e-9, 0.0);
        CHECK(density[count / 2] < 1e-6 * density[right]);

        /* H > 0 favours the upper well, which takes almost all the mass. */
        mb_model tilted = make_model(links[l], 2.0, 0.2);
        CHECK_INT(mb_equilibria_find(&tilted, equilibria, &equilibrium_count), MB_OK);
        CHECK_INT(equilibrium_count, 3);
        CHECK_INT(mb_fokker_planck_density(&tilted, 1e-3, count, m, density), MB_OK);
        int peak = index_of_max(density, 0, count);
        CHECK(fabs(m[peak] - equilibria[2].m) <= width);
        double upper_mass = 0.0;
        for (int i = 0; i < count; i++) {
            if (m[i] > equilibria[1].m)
                upper_mass += density[i] * width;
        }
        CHECK(upper_mass > 0.999);

        /* With a smaller tilt and more noise the lower well keeps a visible
         * local maximum. */
        mb_model slightly_tilted = make_model(links[l], 2.0, 0.02);
        CHECK_INT(mb_equilibria_find(&slightly_tilted, equilibria, &equilibrium_count), MB_OK);
        CHECK_INT(equilibrium_count, 3);
        CHECK_INT(mb_fokker_planck_density(&slightly_tilted, 0.01, count, m, density), MB_OK);
        int saddle_cell = (int)((equilibria[1].m + 1.0) / width);
        int lower = index_of_max(density, 0, saddle_cell);
        int upper = index_of_max(density, saddle_cell, count);
        /* The modes sit where (log P)' = 0, that is 2A = epsilon*D', an
         * O(epsilon) shift away from the wells. */
        double lower_mode = density_mode(&slightly_tilted, 0.01, equilibria[0].m - 0.05,
                                         equilibria[0].m + 0.05);
        double upper_mode = density_mode(&slightly_tilted, 0.01, equilibria[2].m - 0.05,
                                         fmin(equilibria[2].m + 0.05, 1.0));
        CHECK(fabs(m[lower] - lower_mode) <= width);
        CHECK(fabs(m[upper] - upper_mode) <= width);
        CHECK(fabs(lower_mode - equilibria[0].m) > width);
        CHECK(density[lower] > 10.0 * density[saddle_cell]);
        CHECK(density[lower] < density[upper]);
    }
    free(m);
    free(density);
}

void test_fokker_planck_density_linear_noise(void)
{
    /* Monostable models: for small epsilon P is close to a Gaussian at m*
     * with the Ornstein-Uhlenbeck variance epsilon*D(m*)/(2|F'(m*)|). Since
     * <A(m)> = 0 exactly under P, the mean is shifted by
     * -F''(m*) * variance / (2 F'(m*)) + O(epsilon^2). */
    const struct {
        mb_link link;
        double K;
        double H;
    } cases[] = {
        {MB_LINK_TANH, 0.5, 0.2},
        {MB_LINK_ERF, 0.8, -0.3},
        {MB_LINK_TANH, 0.9, 0.5},
    };
    const double epsilons[] = {1e-3, 1e-4};
    const int count = 4000;
    const double width = 2.0 / count;
    double *m = malloc(sizeof(double) * count);
    double *density = malloc(sizeof(double) * count);
    CHECK(m != NULL);
    CHECK(density != NULL);
    if (m == NULL || density == NULL) {
        free(m);
        free(density);
        return;
    }
    for (int c = 0; c < 3; c++) {
        mb_model model = make_model(cases[c].link, cases[c].K, cases[c].H);
        mb_equilibrium equilibria[MB_EQUILIBRIA_MAX];
        int equilibrium_count = 0;
        CHECK_INT(mb_equilibria_find(&model, equilibria, &equilibrium_count), MB_OK);
        CHECK_INT(equilibrium_count, 1);
        double star = equilibria[0].m;
        double slope = equilibria[0].eigenvalue;
        double curvature = mb_field_dm2(&model, star);
        double shifts[2];
        for (int e = 0; e < 2; e++) {
            double epsilon = epsilons[e];
            CHECK_INT(mb_fokker_planck_density(&model, epsilon, count, m, density), MB_OK);
            double mean = 0.0;
            for (int i = 0; i < count; i++)
                mean += m[i] * density[i] * width;
            double variance = 0.0;
            for (int i = 0; i < count; i++)
                variance += (m[i] - mean) * (m[i] - mean) * density[i] * width;
            variance -= width * width / 12.0; /* Sheppard's correction for binning */
            double linear_noise = epsilon * diffusion_at(&model, star) / (2.0 * fabs(slope));
            CHECK_CLOSE(variance / linear_noise, 1.0, 0.02, 0.0);
            shifts[e] = mean - star;
            CHECK_CLOSE(shifts[e], -curvature * variance / (2.0 * slope), 0.02, 1e-9);
        }
        /* The mean approaches m* linearly in epsilon. */
        CHECK(fabs(shifts[1]) < 0.2 * fabs(shifts[0]));
    }
    free(m);
    free(density);
}

/* Brute-force mean first-passage time for K = 0, where A = mu - m and D = d
 * is constant: the inner integral in closed form with erf, the outer one by
 * composite Simpson on 20000 intervals. */
static double passage_reference(double mu, double d, double epsilon, double from, double to)
{
    double s = sqrt(epsilon * d);
    int left_to_right = from < to;
    double low = left_to_right ? from : to;
    double high = left_to_right ? to : from;
    const int n = 20000;
    double step = (high - low) / n;
    double sum = 0.0;
    for (int i = 0; i <= n; i++) {
        double y = low + step * i;
        double inner = left_to_right ? gaussian_mass(-1.0, y, mu, s) : gaussian_mass(y, 1.0, mu, s);
        double value = exp((y - mu) * (y - mu) / (s * s)) * inner * s * sqrt(TEST_PI) / 2.0;
        double weight = (i == 0 || i == n) ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0);
        sum += weight * value;
    }
    return 2.0 / (epsilon * d) * sum * step / 3.0;
}

void test_fokker_planck_passage_closed_form(void)
{
    const struct {
        mb_link link;
        double H;
        double epsilon;
        double from;
        double to;
    } cases[] = {
        {MB_LINK_TANH, 0.2, 0.05, -0.6, 0.5},
        {MB_LINK_ERF, -0.4, 0.1, 0.7, -0.8},
        {MB_LINK_TANH, 0.0, 0.01, -0.5, 0.3},
        {MB_LINK_TANH, -0.2, 0.02, -0.9, 0.4},
        {MB_LINK_ERF, 0.5, 0.05, 0.95, -0.3},
        {MB_LINK_TANH, 1.0, 0.2, 0.9, 0.95},
    };
    for (int c = 0; c < 6; c++) {
        mb_model model = make_model(cases[c].link, 0.0, cases[c].H);
        double mu = mb_link_g(model.link, model.H);
        double expected = passage_reference(mu, 1.0 - mu * mu, cases[c].epsilon, cases[c].from,
                                            cases[c].to);
        double time = 0.0;
        CHECK_INT(mb_fokker_planck_passage_time(&model, cases[c].epsilon, cases[c].from,
                                                cases[c].to, &time),
                  MB_OK);
        CHECK_CLOSE(time, expected, 1e-7, 0.0);
    }

    /* Deterministic limit: with H = 50 the drift 1 - m dominates and T tends
     * to integral dm/(1 - m) = ln 3 from -0.5 to 0.5. */
    mb_model saturated = make_model(MB_LINK_TANH, 0.0, 50.0);
    double time = 0.0;
    CHECK_INT(mb_fokker_planck_passage_time(&saturated, 1e-6, -0.5, 0.5, &time), MB_OK);
    CHECK_CLOSE(time, log(3.0), 1e-6, 0.0);
}

void test_fokker_planck_passage_monotone(void)
{
    const double targets[] = {-0.8, -0.5, -0.2, 0.1, 0.4, 0.7, 0.9};
    const double starts[] = {-0.95, -0.6, -0.2, 0.2, 0.45};
    for (int l = 0; l < 2; l++) {
        mb_model model = make_model(links[l], 2.0, 0.1);
        double previous = 0.0;
        for (int i = 0; i < 7; i++) {
            double time = 0.0;
            CHECK_INT(mb_fokker_planck_passage_time(&model, 0.05, -0.9, targets[i], &time), MB_OK);
            CHECK(time > previous);
            previous = time;
        }
        previous = INFINITY;
        for (int i = 0; i < 5; i++) {
            double time = 0.0;
            CHECK_INT(mb_fokker_planck_passage_time(&model, 0.05, starts[i], 0.5, &time), MB_OK);
            CHECK(time < previous);
            CHECK(time > 0.0);
            previous = time;
        }
        /* Downward, reflecting at +1: farther targets take longer. */
        previous = 0.0;
        for (int i = 6; i >= 0; i--) {
            double time = 0.0;
            CHECK_INT(mb_fokker_planck_passage_time(&model, 0.05, 0.95, targets[i], &time), MB_OK);
            CHECK(time > previous);
            previous = time;
        }
    }
}

/* dPhi = -integral_a^s 2A/D dx by composite Simpson on 20000 intervals. */
static double barrier_reference(const mb_model *model, double well, double saddle)
{
    const int n = 20000;
    double step = (saddle - well) / n;
    double sum = 0.0;
    for (int i = 0; i <= n; i++) {
        double x = well + step * i;
        double value = 2.0 * mb_field(model, x) / diffusion_at(model, x);
        double weight = (i == 0 || i == n) ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0);
        sum += weight * value;
    }
    return -sum * step / 3.0;
}

void test_fokker_planck_kramers_agreement(void)
{
    const struct {
        mb_link link;
        double K;
        double H;
    } cases[] = {
        {MB_LINK_TANH, 2.0, 0.1},
        {MB_LINK_ERF, 1.5, -0.05},
        {MB_LINK_TANH, 1.5, 0.0},
    };
    for (int c = 0; c < 3; c++) {
        mb_model model = make_model(cases[c].link, cases[c].K, cases[c].H);
        mb_equilibrium equilibria[MB_EQUILIBRIA_MAX];
        int equilibrium_count = 0;
        CHECK_INT(mb_equilibria_find(&model, equilibria, &equilibrium_count), MB_OK);
        CHECK_INT(equilibrium_count, 3);
        double well = equilibria[0].m;
        double saddle = equilibria[1].m;
        double target = saddle + 0.5 * (equilibria[2].m - saddle);
        double barrier = barrier_reference(&model, well, saddle);
        CHECK(barrier > 0.0);

        /* epsilon = barrier/n: T ~ exp(n). */
        const double ns[] = {20.0, 30.0};
        double log_times[2];
        for (int i = 0; i < 2; i++) {
            double epsilon = barrier / ns[i];
            double time = 0.0;
            double kramers = 0.0;
            CHECK_INT(mb_fokker_planck_passage_time(&model, epsilon, well, target, &time), MB_OK);
            CHECK_INT(mb_fokker_planck_kramers(&model, epsilon, &kramers), MB_OK);
            CHECK_CLOSE(time / kramers, 1.0, 0.15, 0.0);
            log_times[i] = log(time);
        }
        double slope = (log_times[1] - log_times[0]) / ((ns[1] - ns[0]) / barrier);
        CHECK_CLOSE(slope, barrier, 0.03, 0.0);
    }
}

void test_fokker_planck_overflow(void)
{
    /* At epsilon = 1e-6 the switching time is about exp(1e5): the plain
     * functions report an overflow, the log versions stay finite. */
    mb_model model = make_model(MB_LINK_TANH, 2.0, 0.1);
    mb_equilibrium equilibria[MB_EQUILIBRIA_MAX];
    int equilibrium_count = 0;
    CHECK_INT(mb_equilibria_find(&model, equilibria, &equilibrium_count), MB_OK);
    CHECK_INT(equilibrium_count, 3);
    double well = equilibria[0].m;
    double saddle = equilibria[1].m;
    double target = saddle + 0.5 * (equilibria[2].m - saddle);
    double barrier = barrier_reference(&model, well, saddle);
    const double epsilon = 1e-6;

    double time = 0.0;
    CHECK_INT(mb_fokker_planck_passage_time(&model, epsilon, well, target, &time),
              MB_ERR_OUT_OF_RANGE);
    CHECK(isinf(time));
    CHECK(time > 0.0);
    double kramers = 0.0;
    CHECK_INT(mb_fokker_planck_kramers(&model, epsilon, &kramers), MB_ERR_OUT_OF_RANGE);
    CHECK(isinf(kramers));
    CHECK(kramers > 0.0);

    double log_time = 0.0;
    double log_kramers = 0.0;
    CHECK_INT(mb_fokker_planck_log_passage_time(&model, epsilon, well, target, &log_time), MB_OK);
    CHECK_INT(mb_fokker_planck_log_kramers(&model, epsilon, &log_kramers), MB_OK);
    CHECK(isfinite(log_time));
    CHECK_CLOSE(log_time * epsilon, barrier, 1e-4, 0.0);
    CHECK_CLOSE(log_time, log_kramers, 0.0, 1e-3);

    /* The same at the extremes of K and H. */
    const double Hs[] = {-100.0, -50.0, 0.0, 50.0};
    for (int l = 0; l < 2; l++) {
        for (int h = 0; h < 4; h++) {
            mb_model extreme = make_model(links[l], 1e6, Hs[h]);
            CHECK_INT(mb_fokker_planck_log_passage_time(&extreme, epsilon, -0.5, 0.5, &log_time),
                      MB_OK);
            CHECK(isfinite(log_time));
            CHECK_INT(mb_fokker_planck_log_passage_time(&extreme, epsilon, 0.5, -0.5, &log_time),
                      MB_OK);
            CHECK(isfinite(log_time));
        }
    }
}

void test_fokker_planck_rejects_bad_input(void)
{
    mb_model model = make_model(MB_LINK_TANH, 2.0, 0.1);
    double m[4];
    double density[4] = {-7.0, -7.0, -7.0, -7.0};
    const double bad_epsilons[] = {NAN, INFINITY, -1e-3, 0.0, 1.0, 2.0};
    for (int i = 0; i < 6; i++) {
        double time = -7.0;
        CHECK_INT(mb_fokker_planck_density(&model, bad_epsilons[i], 4, m, density),
                  MB_ERR_OUT_OF_RANGE);
        CHECK_INT(mb_fokker_planck_passage_time(&model, bad_epsilons[i], -0.5, 0.5, &time),
                  MB_ERR_OUT_OF_RANGE);
        CHECK_INT(mb_fokker_planck_kramers(&model, bad_epsilons[i], &time), MB_ERR_OUT_OF_RANGE);
        CHECK_CLOSE(time, -7.0, 0.0, 0.0);
    }
    CHECK_CLOSE(density[0], -7.0, 0.0, 0.0);

    CHECK_INT(mb_fokker_planck_density(&model, 0.01, 1, m, density), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(mb_fokker_planck_density(&model, 0.01, 100001, m, density), MB_ERR_OUT_OF_RANGE);
    CHECK_INT(mb_fokker_planck_density(NULL, 0.01, 4, m, density), MB_ERR_NULL_POINTER);
    CHECK_INT(mb_fokker_planck_density(&model, 0.01, 4, NULL, density), MB_ERR_NULL_POINTER);
    CHECK_INT(mb_fokker_planck_density(&model, 0.01, 4, m, NULL), MB_ERR_NULL_POINTER);
    CHECK_INT(mb_fokker_planck_density(&model, 0.01, 2, m, density), MB_OK);

    const double bad_points[] = {-1.0, 1.0, -1.5, 2.0, NAN, INFINITY};
    for (int i = 0; i < 6; i++) {
        double time = -7.0;
        CHECK_INT(mb_fokker_planck_passage_time(&model, 0.05, bad_points[i], 0.5, &time),
                  MB_ERR_OUT_OF_RANGE);
        CHECK_INT(mb_fokker_planck_passage_time(&model, 0.05, 0.5, bad_points[i], &time),
                  MB_ERR_OUT_OF_RANGE);
        CHECK_INT(mb_fokker_planck_log_passage_time(&model, 0.05, bad_points[i], 0.5, &time),
                  MB_ERR_OUT_OF_RANGE);
        CHECK_CLOSE(time, -7.0, 0.0, 0.0);
    }
    double time = -7.0;
    CHECK_INT(mb_fokker_planck_passage_time(NULL, 0.05, -0.5, 0.5, &time), MB_ERR_NULL_POINTER);
    CHECK_INT(mb_fokker_planck_passage_time(&model, 0.05, -0.5, 0.5, NULL), MB_ERR_NULL_POINTER);
    CHECK_INT(mb_fokker_planck_log_passage_time(&model, 0.05, -0.5, 0.5, NULL),
              MB_ERR_NULL_POINTER);
    CHECK_INT(mb_fokker_planck_kramers(NULL, 0.05, &time), MB_ERR_NULL_POINTER);
    CHECK_INT(mb_fokker_planck_kramers(&model, 0.05, NULL), MB_ERR_NULL_POINTER);
    CHECK_INT(mb_fokker_planck_log_kramers(&model, 0.05, NULL), MB_ERR_NULL_POINTER);
    CHECK_CLOSE(time, -7.0, 0.0, 0.0);

    /* from == to takes no time. */
    CHECK_INT(mb_fokker_planck_passage_time(&model, 0.05, 0.3, 0.3, &time), MB_OK);
    CHECK_CLOSE(time, 0.0, 0.0, 0.0);

    /* Kramers needs three equilibria. */
    mb_model monostable = make_model(MB_LINK_TANH, 0.5, 0.1);
    time = -7.0;
    CHECK_INT(mb_fokker_planck_kramers(&monostable, 0.05, &time), MB_ERR_OUT_OF_RANGE);
    CHECK_CLOSE(time, -7.0, 0.0, 0.0);
    mb_model outside_cusp = make_model(MB_LINK_ERF, 2.0, 5.0);
    CHECK_INT(mb_fokker_planck_kramers(&outside_cusp, 0.05, &time), MB_ERR_OUT_OF_RANGE);

    /* A model struct not built by mb_model_init. */
    mb_model broken = model;
    broken.link = (mb_link)7;
    CHECK_INT(mb_fokker_planck_density(&broken, 0.01, 4, m, density), MB_ERR_INVALID_ENUM);
    broken = model;
    broken.K = NAN;
    CHECK_INT(mb_fokker_planck_passage_time(&broken, 0.05, -0.5, 0.5, &time), MB_ERR_OUT_OF_RANGE);
}
