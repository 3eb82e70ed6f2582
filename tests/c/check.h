/* A minimal test harness: checks print the failing expression with its
 * values, and the runner exits non-zero when any check failed. */
#ifndef MB_TEST_CHECK_H
#define MB_TEST_CHECK_H

void check_true(int condition, const char *expression, const char *file, int line);
void check_close(double actual, double expected, double relative, double absolute,
                 const char *expression, const char *file, int line);
void check_int(long actual, long expected, const char *expression, const char *file, int line);

#define CHECK(condition) check_true((condition) != 0, #condition, __FILE__, __LINE__)
/* Passes when |actual - expected| <= absolute + relative * |expected|. */
#define CHECK_CLOSE(actual, expected, relative, absolute) \
    check_close((actual), (expected), (relative), (absolute), #actual, __FILE__, __LINE__)
#define CHECK_INT(actual, expected) check_int((long)(actual), (long)(expected), #actual, __FILE__, __LINE__)

/* Test functions, one group per file. */
void test_status_and_params(void);
void test_link_derivatives(void);
void test_link_inverse(void);
void test_link_extreme_arguments(void);
void test_field_potential(void);
void test_model_rejects_bad_parameters(void);
void test_equilibria_counts(void);
void test_equilibria_near_fold(void);
void test_equilibria_pitchfork_amplitude(void);
void test_equilibria_extreme_parameters(void);
void test_fold_closed_forms(void);
void test_fold_near_cusp(void);
void test_fold_parametrisation(void);
void test_normal_form(void);
void test_ode_exponential(void);
void test_ode_hostile_systems(void);
void test_trajectory_closed_form(void);
void test_trajectory_quadrature_reference(void);
void test_trajectory_sample_grid(void);
void test_trajectory_rejects_bad_parameters(void);
void test_branches_lie_on_equilibria(void);
void test_branches_folds(void);
void test_branches_pitchfork(void);
void test_branches_imperfect_pitchfork(void);
void test_branches_rejects_bad_parameters(void);
void test_router_fast_math(void);
void test_router_random_uniformity(void);
void test_router_vector_matches_scalar(void);
void test_router_chunks_do_not_matter(void);
void test_router_sample_matches_gumbel(void);
void test_router_approaches_mean_field(void);
void test_router_stationary_histogram(void);
void test_router_switching_time(void);
void test_router_records_and_histogram(void);
void test_router_rejects_bad_parameters(void);
void test_fokker_planck_density_normalised(void);
void test_fokker_planck_density_closed_form(void);
void test_fokker_planck_density_resolution(void);
void test_fokker_planck_density_peaks(void);
void test_fokker_planck_density_linear_noise(void);
void test_fokker_planck_passage_closed_form(void);
void test_fokker_planck_passage_monotone(void);
void test_fokker_planck_kramers_agreement(void);
void test_fokker_planck_overflow(void);
void test_fokker_planck_rejects_bad_input(void);

void test_moe_kernels_match_reference(void);
void test_moe_gradients(void);
void test_moe_capacity_drops_tokens(void);
void test_moe_rejects_bad_settings(void);
void test_dataset_parse(void);
void test_dataset_split_is_stratified(void);
void test_trainer_stops_on_divergence(void);
void test_trainer_learns_synthetic_task(void);
void test_trainer_mean_field_fit(void);

#endif
