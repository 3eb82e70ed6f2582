#include <math.h>
#include <stddef.h>

#include "../../c/mb_branches.h"
#include "../../c/mb_fold.h"
#include "check.h"

static const mb_link links[] = {MB_LINK_TANH, MB_LINK_ERF};

static mb_model model_at(const mb_branches *branches, double p)
{
    mb_model model;
    double K = branches->vary == MB_VARY_K ? p : branches->fixed;
    double H = branches->vary == MB_VARY_K ? branches->fixed : p;
    CHECK_INT(mb_model_init(&model, branches->link, K, H, NULL), MB_OK);
    return model;
}

/* Counts the pieces of branch between consecutive points that cross p. */
static int crossings(const mb_branches *branches, double p)
{
    int count = 0;
    for (int i = 0; i + 1 < branches->point_count; i++) {
        const mb_branch_point *a = &branches->points[i];
        const mb_branch_point *b = &branches->points[i + 1];
        if (a->branch != b->branch)
            continue;
        if ((a->p < p && b->p > p) || (a->p > p && b->p < p))
            count++;
    }
    return count;
}

static void check_against_equilibria(mb_link link, mb_vary vary, double from, double to, double K, double H)
{
    mb_branches *branches = NULL;
    CHECK_INT(mb_branches_compute(link, vary, from, to, K, H, 100000, &branches, NULL), MB_OK);
    if (branches == NULL)
        return;
    CHECK(branches->branch_count >= 1);
    for (int i = 0; i < branches->point_count; i++) {
        const mb_branch_point *point = &branches->points[i];
        mb_model model = model_at(branches, point->p);
        CHECK(point->p >= from);
        CHECK(point->p <= to);
        CHECK_CLOSE(mb_field(&model, point->m), 0.0, 0.0, 1e-12);
        /* Each point is one of the equilibria that the bracketing search finds. */
        mb_equilibrium equilibria[MB_EQUILIBRIA_MAX];
        int count = 0;
        mb_equilibria_find(&model, equilibria, &count);
        double nearest = INFINITY;
        for (int e = 0; e < count; e++)
            nearest = fmin(nearest, fabs(equilibria[e].m - point->m));
        CHECK(nearest < 1e-6 || point->kind == MB_POINT_FOLD || point->kind == MB_POINT_BRANCH);
        if (point->kind == MB_POINT_REGULAR && fabs(point->eigenvalue) > 1e-6)
            CHECK_INT(point->stability, point->eigenvalue < 0.0 ? MB_STABLE : MB_UNSTABLE);
    }
    /* Every equilibrium at an interior p lies on exactly one branch piece. */
    for (int j = 1; j < 40; j++) {
        double p = from + (to - from) * (j + 0.37) / 40.0;
        mb_model model = model_at(branches, p);
        mb_equilibrium equilibria[MB_EQUILIBRIA_MAX];
        int count = 0;
        mb_equilibria_find(&model, equilibria, &count);
        CHECK_INT(crossings(branches, p), count);
    }
    mb_branches_free(branches);
}

void test_branches_lie_on_equilibria(void)
{
    for (int l = 0; l < 2; l++) {
        check_against_equilibria(links[l], MB_VARY_H, -1.0, 1.0, 2.0, 0.0);
        check_against_equilibria(links[l], MB_VARY_H, -0.1, 0.2, 3.0, 0.0);
        check_against_equilibria(links[l], MB_VARY_H, -2.0, 2.0, 0.7, 0.0);
        check_against_equilibria(links[l], MB_VARY_H, -100.0, 100.0, 1e6, 0.0);
        check_against_equilibria(links[l], MB_VARY_K, 0.0, 3.0, 0.0, 0.2);
        check_against_equilibria(links[l], MB_VARY_K, 0.0, 3.0, 0.0, -0.05);
        check_against_equilibria(links[l], MB_VARY_K, 0.0, 3.0, 0.0, 0.0);
        check_against_equilibria(links[l], MB_VARY_K, 1.5, 40.0, 0.0, 0.9);
        check_against_equilibria(links[l], MB_VARY_K, 0.0, 1e6, 0.0, 50.0);
    }
}

static int count_kind(const mb_branches *branches, mb_point_kind kind)
{
    int count = 0;
    for (int i = 0; i < branches->point_count; i++)
        count += branches->points[i].kind == kind;
    return count;
}

static const mb_branch_point *first_of_kind(const mb_branches *branches, mb_point_kind kind)
{
    for (int i = 0; i < branches->point_count; i++)
        if (branches->points[i].kind == kind)
            return &branches->points[i];
    return NULL;
}

void test_branches_folds(void)
{
    for (int l = 0; l < 2; l++) {
        /* The S-curve in H at K = 2: one branch, folds at +-H_c, jumps to the
         * other stable branch. */
        double critical_h, m_fold;
        mb_fold_critical_h(links[l], 2.0, &critical_h, &m_fold);
        mb_branches *branches = NULL;
        CHECK_INT(mb_branches_compute(links[l], MB_VARY_H, -1.0, 1.0, 2.0, 0.0, 100000, &branches, NULL), MB_OK);
        CHECK_INT(branches->branch_count, 1);
        CHECK_INT(count_kind(branches, MB_POINT_FOLD), 2);
        CHECK_INT(count_kind(branches, MB_POINT_BOUNDARY), 2);
        for (int i = 0; i < branches->point_count; i++) {
            const mb_branch_point *point = &branches->points[i];
            if (point->kind != MB_POINT_FOLD)
                continue;
            CHECK_CLOSE(fabs(point->p), critical_h, 1e-13, 0.0);
            CHECK_CLOSE(point->m, point->p > 0 ? -m_fold : m_fold, 1e-13, 0.0);
            CHECK_INT(point->stability, MB_MARGINAL);
            mb_model model = model_at(branches, point->p);
            mb_equilibrium equilibria[MB_EQUILIBRIA_MAX];
            int count;
            mb_equilibria_find(&model, equilibria, &count);
            double other = point->p > 0 ? equilibria[count - 1].m : equilibria[0].m;
            CHECK_CLOSE(point->jump_m, other, 1e-12, 0.0);
        }
        /* Points run in order of m along the branch. */
        for (int i = 1; i < branches->point_count; i++)
            CHECK(branches->points[i].m >= branches->points[i - 1].m);
        mb_branches_free(branches);

        /* In K at H = 0.2: the fold of the U-shaped branch is where H_c(K) = 0.2. */
        CHECK_INT(mb_branches_compute(links[l], MB_VARY_K, 0.0, 4.0, 0.0, 0.2, 100000, &branches, NULL), MB_OK);
        CHECK_INT(branches->branch_count, 2);
        CHECK_INT(count_kind(branches, MB_POINT_FOLD), 1);
        const mb_branch_point *fold = first_of_kind(branches, MB_POINT_FOLD);
        CHECK(fold != NULL);
        if (fold != NULL) {
            mb_fold_critical_h(links[l], fold->p, &critical_h, &m_fold);
            CHECK_CLOSE(critical_h, 0.2, 1e-12, 0.0);
            CHECK_CLOSE(fold->m, -m_fold, 1e-12, 0.0);
            CHECK(fold->jump_m > 0.0);
        }
        mb_branches_free(branches);

        /* Below the cusp there is no fold. */
        CHECK_INT(mb_branches_compute(links[l], MB_VARY_H, -1.0, 1.0, 0.9, 0.0, 100000, &branches, NULL), MB_OK);
        CHECK_INT(branches->branch_count, 1);
        CHECK_INT(count_kind(branches, MB_POINT_FOLD), 0);
        for (int i = 0; i < branches->point_count; i++)
            CHECK_INT(branches->points[i].stability, MB_STABLE);
        mb_branches_free(branches);
    }
}

void test_branches_pitchfork(void)
{
    for (int l = 0; l < 2; l++) {
        mb_branches *branches = NULL;
        CHECK_INT(mb_branches_compute(links[l], MB_VARY_K, 0.0, 3.0, 0.0, 0.0, 100000, &branches, NULL), MB_OK);
        CHECK_INT(branches->branch_count, 2);
        CHECK_INT(count_kind(branches, MB_POINT_FOLD), 0);
        CHECK(count_kind(branches, MB_POINT_BRANCH) >= 1);
        for (int i = 0; i < branches->point_count; i++) {
            const mb_branch_point *point = &branches->points[i];
            if (point->kind == MB_POINT_BRANCH) {
                CHECK_CLOSE(point->p, 1.0, 1e-15, 0.0);
                CHECK_CLOSE(point->m, 0.0, 0.0, 0.0);
            } else if (point->m == 0.0) {
                CHECK_INT(point->stability, point->p < 1.0 ? MB_STABLE : MB_UNSTABLE);
            } else {
                CHECK_INT(point->stability, MB_STABLE); /* the pitchfork is supercritical */
                CHECK(point->p >= 1.0);
                /* Near onset, m ~ sqrt(3*(K - 1)) for tanh. */
                if (l == 0 && point->p - 1.0 < 1e-4)
                    CHECK_CLOSE(fabs(point->m), sqrt(3.0 * (point->p - 1.0)), 2e-4, 1e-12);
            }
        }
        mb_branches_free(branches);
    }
}

void test_branches_imperfect_pitchfork(void)
{
    /* For tiny H the branches come within ~H^(1/3) of each other near (1, 0);
     * the main branch must stay on its side of m = 0 and stay stable. */
    const double Hs[] = {1e-3, 1e-9, -1e-9};
    for (int l = 0; l < 2; l++) {
        for (int h = 0; h < 3; h++) {
            double H = Hs[h];
            mb_branches *branches = NULL;
            CHECK_INT(mb_branches_compute(links[l], MB_VARY_K, 0.0, 3.0, 0.0, H, 100000, &branches, NULL), MB_OK);
            CHECK_INT(branches->branch_count, 2);
            CHECK_INT(count_kind(branches, MB_POINT_FOLD), 1);
            const mb_branch_point *fold = first_of_kind(branches, MB_POINT_FOLD);
            double expected_shift = pow(1.5 * fabs(H), 2.0 / 3.0);
            CHECK_CLOSE(fold->p - 1.0, expected_shift, 0.05, 0.0);
            for (int i = 0; i < branches->point_count; i++) {
                const mb_branch_point *point = &branches->points[i];
                if (point->m * H > 0.0)
                    CHECK_INT(point->stability, MB_STABLE);
            }
            mb_branches_free(branches);
        }
    }
}

void test_branches_rejects_bad_parameters(void)
{
    mb_branches *branches = (mb_branches *)1;
    mb_param bad = MB_PARAM_COUNT;
    CHECK_INT(mb_branches_compute(MB_LINK_TANH, MB_VARY_H, 1.0, -1.0, 2.0, 0.0, 1000, &branches, &bad),
              MB_ERR_EMPTY_INTERVAL);
    CHECK(branches == NULL);
    CHECK_INT(mb_branches_compute(MB_LINK_TANH, MB_VARY_H, NAN, 1.0, 2.0, 0.0, 1000, &branches, &bad),
              MB_ERR_OUT_OF_RANGE);
    CHECK_INT(bad, MB_PARAM_H);
    CHECK_INT(mb_branches_compute(MB_LINK_TANH, MB_VARY_K, -1.0, 1.0, 2.0, 0.0, 1000, &branches, &bad),
              MB_ERR_OUT_OF_RANGE);
    CHECK_INT(bad, MB_PARAM_K);
    CHECK_INT(mb_branches_compute(MB_LINK_TANH, MB_VARY_K, 0.0, 1.0, 2.0, 500.0, 1000, &branches, &bad),
              MB_ERR_OUT_OF_RANGE);
    CHECK_INT(bad, MB_PARAM_H);
    CHECK_INT(mb_branches_compute(MB_LINK_TANH, MB_VARY_H, -1.0, 1.0, -2.0, 0.0, 1000, &branches, &bad),
              MB_ERR_OUT_OF_RANGE);
    CHECK_INT(bad, MB_PARAM_K);
    CHECK_INT(mb_branches_compute(MB_LINK_TANH, MB_VARY_H, -1.0, 1.0, 2.0, 0.0, 3, &branches, &bad),
              MB_ERR_OUT_OF_RANGE);
    CHECK_INT(bad, MB_PARAM_MAX_POINTS);
    CHECK_INT(mb_branches_compute(MB_LINK_TANH, MB_VARY_H, -1.0, 1.0, 2.0, 0.0, 20, &branches, &bad),
              MB_ERR_MAX_STEPS);
    CHECK(branches == NULL);
    CHECK_INT(mb_branches_compute((mb_link)5, MB_VARY_H, -1.0, 1.0, 2.0, 0.0, 1000, &branches, &bad),
              MB_ERR_INVALID_ENUM);
    CHECK_INT(mb_branches_compute(MB_LINK_TANH, (mb_vary)9, -1.0, 1.0, 2.0, 0.0, 1000, &branches, &bad),
              MB_ERR_INVALID_ENUM);
    CHECK_INT(mb_branches_compute(MB_LINK_TANH, MB_VARY_H, -1.0, 1.0, 2.0, 0.0, 1000, NULL, &bad),
              MB_ERR_NULL_POINTER);
    mb_branches_free(NULL);
}
