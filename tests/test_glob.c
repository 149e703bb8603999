/* test_glob.c — tests for lib/glob.c: a table of cases for every construct, and a comparison
 * with the C library's fnmatch(FNM_PATHNAME) on random patterns and paths without '**' (the
 * two must agree on every one: fnmatch is the independent reference). */
#include <fnmatch.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "glob.h"

static void check(const char *pat, const char *path, int want)
{
    tally_error err = {0};
    assert_int_equal(tally__glob_check(pat, &err), 0);
    if (tally__glob_match(pat, path) != want) {
        fprintf(stderr, "glob '%s' on '%s': expected %d\n", pat, path, want);
        fail();
    }
}

static void test_table(void **state)
{
    (void)state;
    /* no '/': the name at any depth */
    check("*.json", "a.json", 1);
    check("*.json", "x/y/a.json", 1);
    check("*.json", "a.jsonl", 0);
    check("*.json", "a.json/b", 0);
    check("a?c", "abc", 1);
    check("a?c", "a/c", 0);
    check("a?c", "a\xC3\xA9" "c", 1); /* one code point, two bytes */
    check("a??c", "a\xC3\xA9" "c", 0);
    check("[ab]*", "b1", 1);
    check("[!ab]*", "b1", 0);
    check("[^ab]*", "c1", 1);
    check("[a-c]x", "bx", 1);
    check("[a-c]x", "dx", 0);
    check("[]]", "]", 1);
    check("[!]]", "]", 0);
    check("[\xC3\xA0-\xC3\xBF]", "\xC3\xA9", 1);
    check("\\*", "*", 1);
    check("\\*", "a", 0);
    check("news-2024-*", "archive/news-2024-01.jsonl.zst", 1);
    /* with '/': the whole relative path */
    check("2024/*.jsonl", "2024/a.jsonl", 1);
    check("2024/*.jsonl", "x/2024/a.jsonl", 0);
    check("2024/*.jsonl", "2024/x/a.jsonl", 0);
    check("/a.txt", "a.txt", 1);
    check("/a.txt", "x/a.txt", 0);
    /* '**' components */
    check("**/a.txt", "a.txt", 1);
    check("**/a.txt", "x/y/a.txt", 1);
    check("**/a.txt", "xa.txt", 0);
    check("x/**", "x/a", 1);
    check("x/**", "x/a/b", 1);
    check("x/**", "x", 0);
    check("x/**", "y/a", 0);
    check("x/**/b", "x/b", 1);
    check("x/**/b", "x/1/2/b", 1);
    check("x/**/b", "x/1/2/c", 0);
    check("x/**/b", "xb", 0);
    check("**", "a/b/c", 1);
    check("**/2024/**", "a/2024/b.txt", 1);
    check("**/2024/**", "a/2025/b.txt", 0);
    check("a**b/c", "axyb/c", 1); /* not a whole component: two stars */
    check("a**b/c", "ax/yb/c", 0);
    /* stars and backtracking */
    check("*a*b*c", "xxaxxbxxc", 1);
    check("*a*b*c", "xxaxxcxxb", 0);
    check("*/*", "a/b", 1);
    check("*/*", "a/b/c", 0);
}

static void test_check(void **state)
{
    (void)state;
    tally_error err = {0};
    assert_int_equal(tally__glob_check("[abc", &err), TALLY_EINVAL);
    assert_non_null(strstr(err.message, "unclosed"));
    assert_int_equal(tally__glob_check("abc\\", &err), TALLY_EINVAL);
    assert_int_equal(tally__glob_check("", &err), TALLY_EINVAL);
    assert_int_equal(tally__glob_check("[]]", &err), 0);
}

static uint64_t rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* fnmatch(FNM_PATHNAME) is the reference for patterns with '/' and without '**' */
static void test_against_fnmatch(void **state)
{
    (void)state;
    static const char *const atoms[] = {"a", "b", "/", "*", "?", "[ab]", "[!a]", "[a-c]", "\\*", "."};
    static const char pathc[] = "ab/c.*";
    unsigned checked = 0;
    for (int iter = 0; iter < 200000; iter++) {
        char pat[64] = "", path[32];
        unsigned na = 1 + rnd(6);
        int has_slash = 0;
        for (unsigned i = 0; i < na; i++) {
            const char *a = atoms[rnd(sizeof atoms / sizeof atoms[0])];
            if (strcmp(a, "*") == 0 && pat[0] && pat[strlen(pat) - 1] == '*')
                continue; /* '**' is ours, not fnmatch's */
            strcat(pat, a);
        }
        has_slash = strchr(pat, '/') != NULL;
        if (!has_slash || pat[0] == '/')
            continue; /* those match names and anchors, checked in the table */
        unsigned nl = rnd(8);
        for (unsigned i = 0; i < nl; i++)
            path[i] = pathc[rnd(sizeof pathc - 1)];
        path[nl] = '\0';
        int want = fnmatch(pat, path, FNM_PATHNAME) == 0;
        if (tally__glob_match(pat, path) != want) {
            fprintf(stderr, "glob '%s' on '%s': fnmatch says %d\n", pat, path, want);
            fail();
        }
        checked++;
    }
    assert_true(checked > 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_against_fnmatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
