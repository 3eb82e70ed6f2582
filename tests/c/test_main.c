/* Runs every native test and prints one TAP line per test. Exits 1 when any
 * check failed. --skip-slow leaves out the statistical runs, which take
 * minutes under the sanitizers and test no memory handling of their own. */
#include <math.h>
#include <stdio.h>
#include <string.h>

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
    int slow; /* statistical runs that --skip-slow leaves out, for the sanitizer build */
} test_case;

static const test_case tests[] = {
    {"status and parameter table", test_status_and_params, 0},
    {"link derivatives", test_link_derivatives, 0},
    {"link inverse", test_link_inverse, 0},
    {"link extreme arguments", test_link_extreme_arguments, 0},
    {"field and potential", test_field_potential, 0},
    {"model rejects bad parameters", test_model_rejects_bad_parameters, 0},
    {"equilibria counts inside and outside the cusp", test_equilibria_counts, 0},
    {"equilibria near a fold", test_equilibria_near_fold, 0},
    {"equilibria pitchfork amplitude", test_equilibria_pitchfork_amplitude, 0},
    {"equilibria extreme parameters", test_equilibria_extreme_parameters, 0},
    {"fold closed forms", test_fold_closed_forms, 0},
    {"fold near the cusp", test_fold_near_cusp, 0},
    {"fold parametrisation", test_fold_parametrisation, 0},
    {"normal form", test_normal_form, 0},
    {"ode exponential decay", test_ode_exponential, 0},
    {"ode hostile systems", test_ode_hostile_systems, 0},
    {"trajectory closed form at K = 0", test_trajectory_closed_form, 0},
    {"trajectory quadrature reference", test_trajectory_quadrature_reference, 0},
    {"trajectory sample grid", test_trajectory_sample_grid, 0},
    {"trajectory rejects bad parameters", test_trajectory_rejects_bad_parameters, 0},
    {"branches lie on equilibria", test_branches_lie_on_equilibria, 0},
    {"branches folds", test_branches_folds, 0},
    {"branches pitchfork", test_branches_pitchfork, 0},
    {"branches imperfect pitchfork", test_branches_imperfect_pitchfork, 0},
    {"branches reject bad parameters", test_branches_rejects_bad_parameters, 0},
    {"router fast math", test_router_fast_math, 0},
    {"router random uniformity", test_router_random_uniformity, 0},
    {"router vector matches scalar", test_router_vector_matches_scalar, 0},
    {"router chunks do not matter", test_router_chunks_do_not_matter, 0},
    {"router sample matches gumbel-top1", test_router_sample_matches_gumbel, 1},
    {"router approaches the mean field", test_router_approaches_mean_field, 1},
    {"router stationary histogram", test_router_stationary_histogram, 1},
    {"router switching time", test_router_switching_time, 1},
    {"router records and histogram", test_router_records_and_histogram, 0},
    {"router rejects bad parameters", test_router_rejects_bad_parameters, 0},
    {"fokker-planck density normalised", test_fokker_planck_density_normalised, 0},
    {"fokker-planck density closed form", test_fokker_planck_density_closed_form, 0},
    {"fokker-planck density resolution", test_fokker_planck_density_resolution, 0},
    {"fokker-planck density peaks", test_fokker_planck_density_peaks, 0},
    {"fokker-planck density linear noise", test_fokker_planck_density_linear_noise, 0},
    {"fokker-planck passage closed form", test_fokker_planck_passage_closed_form, 0},
    {"fokker-planck passage monotone", test_fokker_planck_passage_monotone, 0},
    {"fokker-planck kramers agreement", test_fokker_planck_kramers_agreement, 0},
    {"fokker-planck overflow", test_fokker_planck_overflow, 0},
    {"fokker-planck rejects bad input", test_fokker_planck_rejects_bad_input, 0},
    {"moe kernels match their reference twins", test_moe_kernels_match_reference, 0},
    {"moe gradients match finite differences", test_moe_gradients, 0},
    {"moe capacity drops tokens", test_moe_capacity_drops_tokens, 0},
    {"moe rejects bad settings", test_moe_rejects_bad_settings, 0},
    {"dataset parse", test_dataset_parse, 0},
    {"dataset split is stratified", test_dataset_split_is_stratified, 0},
    {"trainer stops on divergence", test_trainer_stops_on_divergence, 0},
    {"trainer learns the synthetic task", test_trainer_learns_synthetic_task, 0},
    {"trainer mean-field fit", test_trainer_mean_field_fit, 0},
};

int main(int argc, char **argv)
{
    int skip_slow = argc > 1 && strcmp(argv[1], "--skip-slow") == 0;
    int count = (int)(sizeof tests / sizeof tests[0]);
    int failed_tests = 0;
    printf("TAP version 13\n1..%d\n", count);
    for (int i = 0; i < count; i++) {
        if (skip_slow && tests[i].slow) {
            printf("ok %d - %s # SKIP slow statistical test, run by the plain build\n", i + 1, tests[i].name);
            continue;
        }
        failures_in_test = 0;
        tests[i].run();
        if (failures_in_test > 0)
            failed_tests++;
        printf("%s %d - %s\n", failures_in_test > 0 ? "not ok" : "ok", i + 1, tests[i].name);
    }
    printf("# %d checks, %d of %d tests failed\n", total_checks, failed_tests, count);
    return failed_tests > 0 ? 1 : 0;
}
