/* test_keyness.c — lib/keyness.c against tests/keyness/reference.tsv, values computed once by
 * tests/keyness/make-reference.py with mpmath at 45 digits from the definitions (a positive
 * series for I_x, bisection for its inverse, G² from its four cells): the χ²(1) tail down to
 * the smallest subnormal, I_x and its inverse for small and huge parameters and tails of
 * 1e-200, and every score for zero counts on either side, equal frequencies, an item that is
 * every token, Bonferroni over a million items and corpora of 10^12 tokens. Also the issue's
 * worked example, its figures typed in from the issue, and the argument checks. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tally.h"

/* Relative tolerance against the reference: 1e-9 everywhere (the code aims at ~1e-13; a
 * double's input already limits I_x(a, b) with a, b near 1e8 to ~a·1e-16), and an absolute
 * 1e-12 beside it for values that are 0 or cancel to nearly 0 (a G² of equal frequencies). */
#define REL 1e-9
#define ABS 1e-12

static int close_to(double got, double want)
{
    if (got == want)
        return 1;
    if (isinf(want) || isnan(want) || isnan(got))
        return 0;
    return fabs(got - want) <= REL * fabs(want) || fabs(got - want) <= ABS;
}

#define REF_PATH "tests/keyness/reference.tsv"

typedef struct counts {
    int chi2, ibeta, ibetainv, keyness;
} counts;

static void check_line(char *line, size_t lineno, counts *c)
{
    char *f[16];
    size_t n = 0;
    for (char *p = strtok(line, "\t\n"); p && n < 16; p = strtok(NULL, "\t\n"))
        f[n++] = p;
    if (n == 0)
        return;
    double v[15];
    for (size_t i = 1; i < n; i++)
        v[i - 1] = strtod(f[i], NULL);
    if (strcmp(f[0], "chi2") == 0 && n == 3) {
        double got = tally_chi2_tail1(v[0]);
        if (!close_to(got, v[1]))
            fail_msg("line %zu: chi2 tail(%s) = %.17g, expected %s", lineno, f[1], got, f[2]);
        c->chi2++;
    } else if (strcmp(f[0], "ibeta") == 0 && n == 5) {
        double got = tally_beta_inc(v[0], v[1], v[2]);
        if (!close_to(got, v[3]))
            fail_msg("line %zu: I_%s(%s, %s) = %.17g, expected %s", lineno, f[3], f[1], f[2], got, f[4]);
        c->ibeta++;
    } else if (strcmp(f[0], "ibetainv") == 0 && n == 5) {
        double got = tally_beta_inc_inv(v[0], v[1], v[2]);
        if (!close_to(got, v[3]))
            fail_msg("line %zu: inverse I(%s, %s) at %s = %.17g, expected %s", lineno, f[1], f[2], f[3], got,
                     f[4]);
        c->ibetainv++;
    } else if (strcmp(f[0], "keyness") == 0 && n == 12) {
        tally_keyness k;
        uint64_t a = strtoull(f[1], NULL, 10), n1 = strtoull(f[2], NULL, 10);
        uint64_t b = strtoull(f[3], NULL, 10), n2 = strtoull(f[4], NULL, 10);
        assert_int_equal(tally_keyness_score(a, n1, b, n2, v[4], v[5], &k), 0);
        const char *names[] = {"G2", "p", "log ratio", "LRC", "%DIFF"};
        double got[] = {k.g2, k.p, k.log_ratio, k.lrc, k.pct_diff};
        for (int i = 0; i < 5; i++)
            if (!close_to(got[i], v[6 + i]))
                fail_msg("line %zu: a=%s n1=%s b=%s n2=%s conf=%s m=%s: %s = %.17g, expected %s", lineno, f[1],
                         f[2], f[3], f[4], f[5], f[6], names[i], got[i], f[7 + i]);
        c->keyness++;
    } else if (f[0][0] != '#') {
        fail_msg("line %zu of " REF_PATH ": not a reference row", lineno);
    }
}

static void test_reference(void **state)
{
    (void)state;
    FILE *fp = fopen(REF_PATH, "r");
    if (!fp)
        fail_msg("cannot open " REF_PATH " (run from the repository's top folder)");
    char line[1024];
    size_t lineno = 0;
    counts c = {0};
    while (fgets(line, sizeof line, fp))
        check_line(line, ++lineno, &c);
    fclose(fp);
    /* the table was read, every kind of row */
    assert_true(c.chi2 >= 10 && c.ibeta >= 10 && c.ibetainv >= 10 && c.keyness >= 15);
}

/* The issue's worked example, typed in from the issue (computed there independently). */
static void test_issue_example(void **state)
{
    (void)state;
    tally_keyness k;
    assert_int_equal(tally_keyness_score(20, 5000, 3, 6000, 0.95, 1, &k), 0);
    assert_true(fabs(k.g2 - 17.3968) < 0.00005);
    assert_true(fabs(k.p - 3.03333e-5) < 0.000005e-5);
    assert_true(k.log_ratio == 3);
    assert_true(fabs(k.lrc - 1.24647) < 0.000005);
    assert_true(fabs(k.pct_diff - 700) < 1e-9);
    /* the other way round: every score changes sign but %DIFF, which is (f2 − f1)/f1 then */
    tally_keyness r;
    assert_int_equal(tally_keyness_score(3, 6000, 20, 5000, 0.95, 1, &r), 0);
    assert_true(r.g2 == -k.g2 && r.p == k.p && r.log_ratio == -3 && fabs(r.lrc + k.lrc) < 1e-12);
    assert_true(fabs(r.pct_diff + 87.5) < 1e-9);
}

/* Identical corpora: nothing differs, every score is 0. */
static void test_identical(void **state)
{
    (void)state;
    tally_keyness k;
    assert_int_equal(tally_keyness_score(371, 151381, 371, 151381, 0.95, 7, &k), 0);
    assert_true(k.g2 == 0 && k.p == 1 && k.log_ratio == 0 && k.lrc == 0 && k.pct_diff == 0);
}

static void test_refusals(void **state)
{
    (void)state;
    tally_keyness k;
    assert_int_equal(tally_keyness_score(1, 0, 1, 10, 0.95, 1, &k), TALLY_EINVAL);
    assert_int_equal(tally_keyness_score(1, 10, 1, 0, 0.95, 1, &k), TALLY_EINVAL);
    assert_int_equal(tally_keyness_score(11, 10, 1, 10, 0.95, 1, &k), TALLY_EINVAL);
    assert_int_equal(tally_keyness_score(1, 10, 11, 10, 0.95, 1, &k), TALLY_EINVAL);
    assert_int_equal(tally_keyness_score(0, 10, 0, 10, 0.95, 1, &k), TALLY_EINVAL);
    assert_int_equal(tally_keyness_score(1, 10, 1, 10, 1, 1, &k), TALLY_EINVAL);
    assert_int_equal(tally_keyness_score(1, 10, 1, 10, 0, 1, &k), TALLY_EINVAL);
    assert_int_equal(tally_keyness_score(1, 10, 1, 10, 0.95, 0, &k), TALLY_EINVAL);
    double lo, hi;
    assert_int_equal(tally_clopper_pearson(3, 2, 0.95, &lo, &hi), TALLY_EINVAL);
    assert_true(isnan(tally_beta_inc(-1, 2, 0.5)) && isnan(tally_beta_inc(1, 2, 1.5)));
    assert_true(isnan(tally_beta_inc_inv(1, 2, -0.1)));
    assert_true(tally_chi2_tail1(0) == 1 && tally_chi2_tail1(-3) == 1);
}

/* Clopper–Pearson at the ends: k = 0 and k = n have the closed forms 1 − (α/2)^(1/n) and
 * (α/2)^(1/n); and the inverse returns to its p across a grid. */
static void test_clopper_pearson(void **state)
{
    (void)state;
    double lo, hi;
    assert_int_equal(tally_clopper_pearson(0, 10, 0.95, &lo, &hi), 0);
    assert_true(lo == 0 && close_to(hi, 1 - pow(0.025, 0.1)));
    assert_int_equal(tally_clopper_pearson(10, 10, 0.95, &lo, &hi), 0);
    assert_true(hi == 1 && close_to(lo, pow(0.025, 0.1)));
    const double ab[] = {0.5, 1, 2, 7, 30, 500, 1e4, 1e6};
    const double ps[] = {1e-300, 1e-30, 1e-5, 0.025, 0.3, 0.5, 0.9};
    for (size_t i = 0; i < 8; i++)
        for (size_t j = 0; j < 8; j++)
            for (size_t k = 0; k < 7; k++) {
                double x = tally_beta_inc_inv(ab[i], ab[j], ps[k]);
                double back = tally_beta_inc(ab[i], ab[j], x);
                /* a root below 1e-290 has lost its digits (subnormal or past them) */
                if (!(fabs(back - ps[k]) <= 1e-9 * ps[k] || x < 1e-290 || x == 1))
                    fail_msg("I(%g, %g) at the inverse of %g: x = %.17g gives %.17g", ab[i], ab[j], ps[k], x,
                             back);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference),       cmocka_unit_test(test_issue_example),
        cmocka_unit_test(test_identical),       cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_clopper_pearson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
