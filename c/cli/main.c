/* moe-bif: the command-line front end of the core.
 *
 * Every subcommand prints one JSON document on stdout. Invalid options give a
 * message on stderr and exit status 2; a failed computation gives a message
 * and exit status 1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mb_branches.h"
#include "../mb_equilibria.h"
#include "../mb_field.h"
#include "../mb_fold.h"
#include "../mb_normal_form.h"
#include "../mb_trajectory.h"
#include "commands.h"
#include "json.h"
#include "options.h"

#define EXIT_USAGE 2
#define EXIT_COMPUTATION 1
#define COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))

static const char *const K_HELP = "Feedback strength K = kappa*g'(0); the pitchfork is at K = 1.";
static const char *const H_HELP = "External asymmetry H, the shift of the link's argument.";
static const char *const LINK_HELP = "Link g: tanh (softmax sampling) or erf (noisy hard top-1).";

static int report_failure(const char *command, mb_status status)
{
    fprintf(stderr, "moe-bif %s: computation failed: %s\n", command, mb_status_string(status));
    return EXIT_COMPUTATION;
}

/* Reports a status from the core: a range error names the parameter. */
static int report_status(const char *command, mb_status status, mb_param bad_param, double value)
{
    if (status == MB_ERR_OUT_OF_RANGE) {
        const mb_param_info_t *info = mb_param_info(bad_param);
        options_report_range(command, info != NULL ? info->name : "?", value, bad_param);
        return EXIT_USAGE;
    }
    return report_failure(command, status);
}

static void write_model(json_writer *json, mb_link link, double K, double H)
{
    json_key(json, "link");
    json_string(json, mb_link_name(link));
    /* Adding 0 turns -0 into 0, so "-0" is not echoed back. */
    json_key(json, "K");
    json_number(json, K + 0.0);
    json_key(json, "H");
    json_number(json, H + 0.0);
}

static int run_equilibria(int argc, char **argv)
{
    static const char *const command = "equilibria";
    static const char *const summary =
        "Prints every equilibrium of dm/dtau = g(kappa*m + H) - m, sorted by m, with its\n"
        "eigenvalue F'(m) and stability.";
    const option_spec specs[] = {
        {"K", OPTION_NUMBER, MB_PARAM_K, NULL, NULL, K_HELP},
        {"H", OPTION_NUMBER, MB_PARAM_H, "0", NULL, H_HELP},
        {"link", OPTION_LINK, -1, "tanh", NULL, LINK_HELP},
    };
    option_value values[COUNT(specs)];
    parse_result parsed = options_parse(command, summary, specs, COUNT(specs), argc, argv, values);
    if (parsed != PARSE_OK)
        return parsed == PARSE_HELP ? EXIT_SUCCESS : EXIT_USAGE;

    mb_model model;
    mb_param bad = MB_PARAM_K;
    mb_status status = mb_model_init(&model, values[2].link, values[0].number, values[1].number, &bad);
    if (status != MB_OK)
        return report_status(command, status, bad, bad == MB_PARAM_K ? values[0].number : values[1].number);
    mb_equilibrium equilibria[MB_EQUILIBRIA_MAX];
    int count = 0;
    status = mb_equilibria_find(&model, equilibria, &count);
    if (status != MB_OK)
        return report_failure(command, status);

    json_writer json;
    json_begin(&json, stdout);
    json_object_begin(&json);
    write_model(&json, model.link, model.K, model.H);
    json_key(&json, "equilibria");
    json_array_begin(&json);
    for (int i = 0; i < count; i++) {
        json_object_begin(&json);
        json_key(&json, "m");
        json_number(&json, equilibria[i].m);
        json_key(&json, "stable");
        json_bool(&json, equilibria[i].stability == MB_STABLE);
        json_key(&json, "stability");
        json_string(&json, mb_stability_name(equilibria[i].stability));
        json_key(&json, "eigenvalue");
        json_number(&json, equilibria[i].eigenvalue);
        json_object_end(&json);
    }
    json_array_end(&json);
    json_object_end(&json);
    json_end(&json);
    return EXIT_SUCCESS;
}

static int run_fold(int argc, char **argv)
{
    static const char *const command = "fold";
    static const char *const summary =
        "Prints H_c(K), the half-width of the bistable interval |H| < H_c(K) (0 for K <= 1),\n"
        "the two fold points at H = -H_c and H = +H_c, and the normal-form estimate\n"
        "(2/3)*(K - 1)^(3/2) of H_c.";
    const option_spec specs[] = {
        {"K", OPTION_NUMBER, MB_PARAM_K, NULL, NULL, K_HELP},
        {"link", OPTION_LINK, -1, "tanh", NULL, LINK_HELP},
    };
    option_value values[COUNT(specs)];
    parse_result parsed = options_parse(command, summary, specs, COUNT(specs), argc, argv, values);
    if (parsed != PARSE_OK)
        return parsed == PARSE_HELP ? EXIT_SUCCESS : EXIT_USAGE;

    mb_link link = values[1].link;
    double K = values[0].number;
    double critical_h = 0.0;
    double m_fold = 0.0;
    mb_status status = mb_fold_critical_h(link, K, &critical_h, &m_fold);
    if (status != MB_OK)
        return report_failure(command, status);

    json_writer json;
    json_begin(&json, stdout);
    json_object_begin(&json);
    json_key(&json, "link");
    json_string(&json, mb_link_name(link));
    json_key(&json, "K");
    json_number(&json, K);
    json_key(&json, "H_c");
    json_number(&json, critical_h);
    json_key(&json, "normal_form_H_c");
    json_number(&json, mb_normal_form_critical_h(link, K));
    json_key(&json, "folds");
    json_array_begin(&json);
    if (K > 1.0) {
        double fold_h[2] = {-critical_h, critical_h};
        double fold_m[2] = {m_fold, -m_fold};
        for (int i = 0; i < 2; i++) {
            json_object_begin(&json);
            json_key(&json, "H");
            json_number(&json, fold_h[i]);
            json_key(&json, "m");
            json_number(&json, fold_m[i]);
            json_object_end(&json);
        }
    }
    json_array_end(&json);
    json_object_end(&json);
    json_end(&json);
    return EXIT_SUCCESS;
}

static void write_segment(json_writer *json, const mb_branch_point *points, int first, int last,
                          mb_stability stability)
{
    json_object_begin(json);
    json_key(json, "stable");
    json_bool(json, stability == MB_STABLE);
    json_key(json, "points");
    json_array_begin(json);
    for (int i = first; i <= last; i++) {
        json_array_begin(json);
        json_number(json, points[i].p);
        json_number(json, points[i].m);
        json_array_end(json);
    }
    json_array_end(json);
    json_object_end(json);
}

/* Writes the points of one branch as segments of equal stability. A fold or
 * branch point ends one segment and starts the next, so they join up. */
static void write_segments(json_writer *json, const mb_branch_point *points, int count)
{
    int start = 0;
    while (start < count - 1) {
        /* The start point may be a fold shared with the previous segment, so
         * the segment takes the stability of its first regular point. */
        mb_stability stability = points[start + 1].stability;
        if (stability == MB_MARGINAL)
            stability = points[start].stability;
        for (int i = start + 1; i < count && stability == MB_MARGINAL; i++)
            stability = points[i].stability;
        int end = start + 1;
        while (end < count && points[end].stability == stability)
            end++;
        if (end == count) {
            write_segment(json, points, start, count - 1, stability);
            break;
        }
        if (points[end].stability == MB_MARGINAL) {
            write_segment(json, points, start, end, stability);
            start = end;
            continue;
        }
        /* Stability changed between two regular points: the piece between
         * them goes to the next segment. */
        write_segment(json, points, start, end - 1, stability);
        start = end - 1;
    }
}

static void write_special_points(json_writer *json, const mb_branches *branches, mb_point_kind kind)
{
    const char *p_name = mb_vary_name(branches->vary);
    json_array_begin(json);
    for (int i = 0; i < branches->point_count; i++) {
        const mb_branch_point *point = &branches->points[i];
        if (point->kind != kind)
            continue;
        json_object_begin(json);
        json_key(json, p_name);
        json_number(json, point->p);
        json_key(json, "m");
        json_number(json, point->m);
        if (kind == MB_POINT_FOLD) {
            json_key(json, "jump_to");
            json_number(json, point->jump_m);
        }
        json_object_end(json);
    }
    json_array_end(json);
}

static int run_branches(int argc, char **argv)
{
    static const char *const command = "branches";
    static const char *const summary =
        "Prints the branches of equilibria as --vary K or H runs from --from to --to with the\n"
        "other parameter fixed, each traced through its folds by its coordinate m.\n"
        "Each branch is a list of segments of equal stability; folds carry the stable m\n"
        "that a jump at the fold reaches.";
    const option_spec specs[] = {
        {"vary", OPTION_CHOICE, -1, NULL, "K|H", "The parameter on the horizontal axis."},
        {"from", OPTION_NUMBER, -1, NULL, NULL, "Start of the window of the varied parameter."},
        {"to", OPTION_NUMBER, -1, NULL, NULL, "End of the window; must exceed --from."},
        {"K", OPTION_NUMBER, MB_PARAM_K, "2", NULL, "K while H varies; ignored when K varies."},
        {"H", OPTION_NUMBER, MB_PARAM_H, "0", NULL, "H while K varies; ignored when H varies."},
        {"link", OPTION_LINK, -1, "tanh", NULL, LINK_HELP},
        {"max-points", OPTION_INTEGER, MB_PARAM_MAX_POINTS, "100000", NULL,
         "Limit on the number of points of all branches together."},
    };
    option_value values[COUNT(specs)];
    parse_result parsed = options_parse(command, summary, specs, COUNT(specs), argc, argv, values);
    if (parsed != PARSE_OK)
        return parsed == PARSE_HELP ? EXIT_SUCCESS : EXIT_USAGE;

    mb_vary vary = strcmp(values[0].text, "K") == 0 ? MB_VARY_K : MB_VARY_H;
    mb_param varied = vary == MB_VARY_K ? MB_PARAM_K : MB_PARAM_H;
    double from = values[1].number;
    double to = values[2].number;
    if (mb_param_check(varied, from) != MB_OK) {
        options_report_range(command, "from", from, varied);
        return EXIT_USAGE;
    }
    if (mb_param_check(varied, to) != MB_OK) {
        options_report_range(command, "to", to, varied);
        return EXIT_USAGE;
    }
    if (!(from < to)) {
        fprintf(stderr, "moe-bif %s: invalid window: --from %.17g must be less than --to %.17g\n",
                command, from, to);
        return EXIT_USAGE;
    }

    mb_branches *branches = NULL;
    mb_param bad = MB_PARAM_K;
    mb_status status = mb_branches_compute(values[5].link, vary, from, to, values[3].number,
                                           values[4].number, (int)values[6].number, &branches, &bad);
    if (status == MB_ERR_MAX_STEPS) {
        fprintf(stderr, "moe-bif %s: the branches need more than --max-points %.0f points; "
                        "raise --max-points\n", command, values[6].number);
        return EXIT_COMPUTATION;
    }
    if (status != MB_OK)
        return report_failure(command, status);

    json_writer json;
    json_begin(&json, stdout);
    json_object_begin(&json);
    json_key(&json, "link");
    json_string(&json, mb_link_name(branches->link));
    json_key(&json, "vary");
    json_string(&json, mb_vary_name(vary));
    json_key(&json, vary == MB_VARY_K ? "H" : "K");
    json_number(&json, branches->fixed);
    json_key(&json, "from");
    json_number(&json, from);
    json_key(&json, "to");
    json_number(&json, to);
    json_key(&json, "branches");
    json_array_begin(&json);
    int start = 0;
    for (int b = 0; b < branches->branch_count; b++) {
        int end = start;
        while (end < branches->point_count && branches->points[end].branch == b)
            end++;
        json_object_begin(&json);
        json_key(&json, "segments");
        json_array_begin(&json);
        write_segments(&json, branches->points + start, end - start);
        json_array_end(&json);
        json_object_end(&json);
        start = end;
    }
    json_array_end(&json);
    json_key(&json, "folds");
    write_special_points(&json, branches, MB_POINT_FOLD);
    json_key(&json, "branch_points");
    write_special_points(&json, branches, MB_POINT_BRANCH);
    json_object_end(&json);
    json_end(&json);
    mb_branches_free(branches);
    return EXIT_SUCCESS;
}

static int run_trajectory(int argc, char **argv)
{
    static const char *const command = "trajectory";
    static const char *const summary =
        "Integrates dm/dtau = g(kappa*m + H) - m from m(0) = m0 with the adaptive\n"
        "Dormand-Prince 5(4) method and prints m at evenly spaced times from 0 to tau\n"
        "(tau in units of the decay time 1/lambda).";
    const option_spec specs[] = {
        {"K", OPTION_NUMBER, MB_PARAM_K, NULL, NULL, K_HELP},
        {"H", OPTION_NUMBER, MB_PARAM_H, "0", NULL, H_HELP},
        {"m0", OPTION_NUMBER, MB_PARAM_M0, NULL, NULL, "Initial imbalance m(0)."},
        {"tau", OPTION_NUMBER, MB_PARAM_TAU, "10", NULL, "Final time."},
        {"samples", OPTION_INTEGER, MB_PARAM_SAMPLES, "101", NULL,
         "Number of output times, both ends included."},
        {"rtol", OPTION_NUMBER, MB_PARAM_RTOL, "1e-10", NULL, "Relative tolerance per step."},
        {"atol", OPTION_NUMBER, MB_PARAM_ATOL, "1e-12", NULL, "Absolute tolerance per step."},
        {"link", OPTION_LINK, -1, "tanh", NULL, LINK_HELP},
    };
    option_value values[COUNT(specs)];
    parse_result parsed = options_parse(command, summary, specs, COUNT(specs), argc, argv, values);
    if (parsed != PARSE_OK)
        return parsed == PARSE_HELP ? EXIT_SUCCESS : EXIT_USAGE;

    mb_model model;
    mb_param bad = MB_PARAM_K;
    mb_status status = mb_model_init(&model, values[7].link, values[0].number, values[1].number, &bad);
    if (status != MB_OK)
        return report_failure(command, status);
    int samples = (int)values[4].number;
    double *tau_out = malloc((size_t)samples * sizeof *tau_out);
    double *m_out = malloc((size_t)samples * sizeof *m_out);
    if (tau_out == NULL || m_out == NULL) {
        free(tau_out);
        free(m_out);
        return report_failure(command, MB_ERR_NO_MEMORY);
    }
    mb_ode_stats stats = {0, 0, 0};
    status = mb_trajectory_compute(&model, values[2].number, values[3].number, samples,
                                   values[5].number, values[6].number, tau_out, m_out, &stats, &bad);
    if (status != MB_OK) {
        free(tau_out);
        free(m_out);
        return report_failure(command, status);
    }

    json_writer json;
    json_begin(&json, stdout);
    json_object_begin(&json);
    write_model(&json, model.link, model.K, model.H);
    json_key(&json, "m0");
    json_number(&json, values[2].number);
    json_key(&json, "tau");
    json_array_begin(&json);
    for (int i = 0; i < samples; i++)
        json_number(&json, tau_out[i]);
    json_array_end(&json);
    json_key(&json, "m");
    json_array_begin(&json);
    for (int i = 0; i < samples; i++)
        json_number(&json, m_out[i]);
    json_array_end(&json);
    json_key(&json, "steps");
    json_object_begin(&json);
    json_key(&json, "accepted");
    json_integer(&json, stats.accepted_steps);
    json_key(&json, "rejected");
    json_integer(&json, stats.rejected_steps);
    json_key(&json, "evaluations");
    json_integer(&json, stats.evaluations);
    json_object_end(&json);
    json_object_end(&json);
    json_end(&json);
    free(tau_out);
    free(m_out);
    return EXIT_SUCCESS;
}

static int run_field(int argc, char **argv)
{
    static const char *const command = "field";
    static const char *const summary =
        "Prints the vector field F(m) = g(kappa*m + H) - m and the potential V(m), with\n"
        "V(0) = 0, at evenly spaced m on [-1, 1].";
    const option_spec specs[] = {
        {"K", OPTION_NUMBER, MB_PARAM_K, NULL, NULL, K_HELP},
        {"H", OPTION_NUMBER, MB_PARAM_H, "0", NULL, H_HELP},
        {"samples", OPTION_INTEGER, MB_PARAM_SAMPLES, "21", NULL, "Number of values of m."},
        {"link", OPTION_LINK, -1, "tanh", NULL, LINK_HELP},
    };
    option_value values[COUNT(specs)];
    parse_result parsed = options_parse(command, summary, specs, COUNT(specs), argc, argv, values);
    if (parsed != PARSE_OK)
        return parsed == PARSE_HELP ? EXIT_SUCCESS : EXIT_USAGE;

    mb_model model;
    mb_status status = mb_model_init(&model, values[3].link, values[0].number, values[1].number, NULL);
    if (status != MB_OK)
        return report_failure(command, status);
    int samples = (int)values[2].number;
    double *buffer = malloc((size_t)samples * 3 * sizeof *buffer);
    if (buffer == NULL)
        return report_failure(command, MB_ERR_NO_MEMORY);
    double *m = buffer;
    double *field = buffer + samples;
    double *potential = buffer + 2 * samples;
    status = mb_field_sample(&model, samples, m, field, potential);
    if (status != MB_OK) {
        free(buffer);
        return report_failure(command, status);
    }

    json_writer json;
    json_begin(&json, stdout);
    json_object_begin(&json);
    write_model(&json, model.link, model.K, model.H);
    const char *keys[3] = {"m", "F", "V"};
    for (int k = 0; k < 3; k++) {
        json_key(&json, keys[k]);
        json_array_begin(&json);
        for (int i = 0; i < samples; i++)
            json_number(&json, buffer[k * samples + i]);
        json_array_end(&json);
    }
    json_object_end(&json);
    json_end(&json);
    free(buffer);
    return EXIT_SUCCESS;
}

static int run_normal_form(int argc, char **argv)
{
    static const char *const command = "normal-form";
    static const char *const summary =
        "Prints the coefficients of the local normal form near the cusp (K, H) = (1, 0):\n"
        "dm/dtau = h_coefficient*H + mu*m + cubic*m^3, and with m = m_scale*y,\n"
        "dy/dtau = a + b*y - y^3.";
    const option_spec specs[] = {
        {"K", OPTION_NUMBER, MB_PARAM_K, NULL, NULL, K_HELP},
        {"H", OPTION_NUMBER, MB_PARAM_H, "0", NULL, H_HELP},
        {"link", OPTION_LINK, -1, "tanh", NULL, LINK_HELP},
    };
    option_value values[COUNT(specs)];
    parse_result parsed = options_parse(command, summary, specs, COUNT(specs), argc, argv, values);
    if (parsed != PARSE_OK)
        return parsed == PARSE_HELP ? EXIT_SUCCESS : EXIT_USAGE;

    mb_model model;
    mb_status status = mb_model_init(&model, values[2].link, values[0].number, values[1].number, NULL);
    if (status != MB_OK)
        return report_failure(command, status);
    mb_normal_form form;
    status = mb_normal_form_compute(&model, &form);
    if (status != MB_OK)
        return report_failure(command, status);

    json_writer json;
    json_begin(&json, stdout);
    json_object_begin(&json);
    write_model(&json, model.link, model.K, model.H);
    json_key(&json, "h_coefficient");
    json_number(&json, form.h_coefficient);
    json_key(&json, "mu");
    json_number(&json, form.mu);
    json_key(&json, "cubic");
    json_number(&json, form.cubic);
    json_key(&json, "m_scale");
    json_number(&json, form.m_scale);
    json_key(&json, "a");
    json_number(&json, form.a);
    json_key(&json, "b");
    json_number(&json, form.b);
    json_key(&json, "amplitude");
    json_number(&json, mb_normal_form_amplitude(model.link, model.K));
    json_key(&json, "H_c");
    json_number(&json, mb_normal_form_critical_h(model.link, model.K));
    json_object_end(&json);
    json_end(&json);
    return EXIT_SUCCESS;
}

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command_entry;

static const command_entry commands[] = {
    {"equilibria", run_equilibria, "all equilibria at (K, H) with their stability"},
    {"fold", run_fold, "H_c(K), the half-width of the bistable interval, and the folds"},
    {"branches", run_branches, "branches of equilibria over a window of K or H"},
    {"trajectory", run_trajectory, "m(tau) from an initial imbalance m0"},
    {"field", run_field, "the vector field F(m) and the potential V(m)"},
    {"normal-form", run_normal_form, "normal-form coefficients near the cusp"},
    {"simulate", run_simulate, "an ensemble of the discrete router, as JSON or CSV"},
    {"train", run_train, "train the small MoE on digits or the synthetic task"},
    {"sweep", run_sweep, "the symmetry-breaking sweep of a trained MoE over beta and seeds"},
};

const char *cli_program = "moe-bif";

static void print_usage(FILE *stream)
{
    fprintf(stream,
            "Usage: moe-bif COMMAND [options]\n\n"
            "The two-expert mean-field model of load imbalance in a softmax MoE router,\n"
            "dm/dtau = g(kappa*m + H) - m with g = tanh or erf and K = kappa*g'(0), the discrete\n"
            "router it comes from, and a small trainable MoE.\n\n"
            "Commands:\n");
    for (int i = 0; i < COUNT(commands); i++)
        fprintf(stream, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(stream, "\nRun 'moe-bif COMMAND --help' for the options of a command.\n");
}

int main(int argc, char **argv)
{
    if (argc > 0 && argv[0] != NULL)
        cli_program = argv[0];
    if (argc < 2) {
        print_usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        print_usage(stdout);
        return EXIT_SUCCESS;
    }
    for (int i = 0; i < COUNT(commands); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "moe-bif: unknown command '%s'. Run 'moe-bif --help' for the list.\n", argv[1]);
    return EXIT_USAGE;
}
