/* Runs every native test and prints one TAP line per test. Exits 1 when any
 * check failed, so the build fails. */
#include <math.h>
#include <stdio.h>

#include "check.h"

static int failures_in_test;
static int total_checks;

void check_true(int condition, const char *expression, const char *file, int line)
{
    total_checks++;
    if (condition)
        return;
    failures_in_test++;
    printf("#   %s:%d: check failed: %s\n", file, line, expression);
}

void check_close(double actual, double expected, double relative, double absolute,
                 const char *expression, const char *file, int line)
{
    total_checks++;
    double tolerance = absolute + relative * fabs(expected);
    if (fabs(actual - expected) <= tolerance)
        return;
    failures_in_test++;
    printf("#   %s:%d: %s = %.17g, expected %.17g within %.3g\n", file, line, expression, actual,
           expected, tolerance);
}

void check_int(long actual, long expected, const char *expression, const char *file, int line)
{
    total_checks++;
    if (actual == expected)
        return;
    failures_in_test++;
    printf("#   %s:%d: %s = %ld, expected %ld\n", file, line, expression, actual, expected);
}

typedef struct {
    const char *name;
    void (*run)(void);
} test_case;

static const test_case tests[] = {
    {"status and parameter table", test_status_and_params},
    {"link derivatives", test_link_derivatives},
    {"link inverse", test_link_inverse},
    {"link extreme arguments", test_link_extreme_arguments},
    {"field and potential", test_field_potential},
    {"model rejects bad parameters", test_model_rejects_bad_parameters},
    {"equilibria counts inside and outside the cusp", test_equilibria_counts},
    {"equilibria near a fold", test_equilibria_near_fold},
    {"equilibria pitchfork amplitude", test_equilibria_pitchfork_amplitude},
    {"equilibria extreme parameters", test_equilibria_extreme_parameters},
    {"fold closed forms", test_fold_closed_forms},
    {"fold near the cusp", test_fold_near_cusp},
    {"fold parametrisation", test_fold_parametrisation},
    {"normal form", test_normal_form},
    {"ode exponential decay", test_ode_exponential},
    {"ode hostile systems", test_ode_hostile_systems},
    {"trajectory closed form at K = 0", test_trajectory_closed_form},
    {"trajectory quadrature reference", test_trajectory_quadrature_reference},
    {"trajectory sample grid", test_trajectory_sample_grid},
    {"trajectory rejects bad parameters", test_trajectory_rejects_bad_parameters},
    {"branches lie on equilibria", test_branches_lie_on_equilibria},
    {"branches folds", test_branches_folds},
    {"branches pitchfork", test_branches_pitchfork},
    {"branches imperfect pitchfork", test_branches_imperfect_pitchfork},
    {"branches reject bad parameters", test_branches_rejects_bad_parameters},
    {"router fast math", test_router_fast_math},
    {"router random uniformity", test_router_random_uniformity},
    {"router vector matches scalar", test_router_vector_matches_scalar},
    {"router chunks do not matter", test_router_chunks_do_not_matter},
    {"router sample matches gumbel-top1", test_router_sample_matches_gumbel},
    {"router approaches the mean field", test_router_approaches_mean_field},
    {"router records and histogram", test_router_records_and_histogram},
    {"router rejects bad parameters", test_router_rejects_bad_parameters},
};

int main(void)
{
    int count = (int)(sizeof tests / sizeof tests[0]);
    int failed_tests = 0;
    printf("TAP version 13\n1..%d\n", count);
    for (int i = 0; i < count; i++) {
        failures_in_test = 0;
        tests[i].run();
        if (failures_in_test > 0)
            failed_tests++;
        printf("%s %d - %s\n", failures_in_test > 0 ? "not ok" : "ok", i + 1, tests[i].name);
    }
    printf("# %d checks, %d of %d tests failed\n", total_checks, failed_tests, count);
    return failed_tests > 0 ? 1 : 0;
}
