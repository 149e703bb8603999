/* test_normalize.c — tests for lib/normalize.c: NFKC_Casefold and case-sensitive NFKC, ignorables,
 * apostrophe unification, ill-formed UTF-8, the cache (hits, and many distinct tokens beyond its
 * size, checked against utf8proc_map directly), and the code-point-by-code-point path for simple
 * code points (each alone and in pairs, and mixed with others, against utf8proc_map). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <utf8proc.h>

#include "normalize.h"
#include "unicode.h"

static void check(tally_normalizer *n, const char *in, size_t inlen, const char *want)
{
    size_t outlen = 12345;
    const uint8_t *out = tally__norm_token(n, (const uint8_t *)in, inlen, &outlen);
    assert_non_null(out);
    if (outlen != strlen(want) || memcmp(out, want, outlen) != 0)
        fail_msg("normalize(\"%.*s\") = \"%.*s\" (%zu bytes), expected \"%s\"", (int)inlen, in,
                 (int)outlen, (const char *)out, outlen, want);
}
#define CHECK(n, lit, want) check(n, lit, sizeof(lit) - 1, want)

static void test_ascii(void **state)
{
    (void)state;
    tally_normalizer *n = tally__norm_new(0);
    CHECK(n, "Hello", "hello");
    CHECK(n, "CHINA'S", "china's");
    CHECK(n, "U.S", "u.s");
    CHECK(n, "abc_XYZ-019@[`{", "abc_xyz-019@[`{");
    CHECK(n, "", "");
    tally__norm_free(n);

    n = tally__norm_new(1);
    CHECK(n, "Hello", "Hello");
    CHECK(n, "CHINA'S", "CHINA'S");
    tally__norm_free(n);
    tally__norm_free(NULL);
}

static void test_casefold(void **state)
{
    (void)state;
    tally_normalizer *n = tally__norm_new(0);
    CHECK(n, "China\xe2\x80\x99s", "china's");      /* U+2019 */
    CHECK(n, "China\xe2\x80\x98s", "china's");      /* U+2018 */
    CHECK(n, "China\xca\xbcs", "china's");          /* U+02BC */
    CHECK(n, "China\xef\xbc\x87s", "china's");      /* U+FF07 */
    CHECK(n, "co\xc2\xad" "operation", "cooperation"); /* soft hyphen is ignorable */
    CHECK(n, "a\xe2\x80\x8b" "b\xe2\x80\x8d" "c", "abc"); /* ZWSP, ZWJ */
    CHECK(n, "\xef\xac\x81", "fi");                  /* U+FB01 ligature */
    CHECK(n, "Stra\xc3\x9f" "e", "strasse");         /* ß */
    CHECK(n, "\xe1\xba\x9e", "ss");                  /* capital sharp s */
    CHECK(n, "\xce\x9f\xce\xb4\xcf\x85\xcf\x83\xcf\x83\xce\xb5\xcf\x8d\xcf\x82", /* Οδυσσεύς */
          "\xce\xbf\xce\xb4\xcf\x85\xcf\x83\xcf\x83\xce\xb5\xcf\x8d\xcf\x83");
    CHECK(n, "\xce\xa3", "\xcf\x83"); /* Σ -> σ */
    CHECK(n, "\xef\xbc\xa1\xef\xbd\x82\xef\xbc\x93", "ab3"); /* fullwidth Ａｂ３ */
    CHECK(n, "Cafe\xcc\x81", "caf\xc3\xa9");        /* composed */
    CHECK(n, "CAF\xc3\x89", "caf\xc3\xa9");
    CHECK(n, "\xe2\x91\xa0", "1");                  /* circled one */
    CHECK(n, "\xe5\x85\xa8\xe7\x90\x83", "\xe5\x85\xa8\xe7\x90\x83");
    CHECK(n, "\xef\xbe\x8a\xef\xbe\x9e", "\xe3\x83\x90"); /* halfwidth ﾊﾞ -> バ */
    CHECK(n, "\xc2\xad", "");                       /* ignorables only */
    CHECK(n, "\xe2\x80\x8b\xe2\x81\xa0", "");
    CHECK(n, "\xe2\x84\xaa", "k");                  /* Kelvin sign */
    CHECK(n, "\xc4\xb0", "i\xcc\x87");              /* İ: full folding */
    tally__norm_free(n);
}

static void test_case_sensitive(void **state)
{
    (void)state;
    tally_normalizer *n = tally__norm_new(1);
    CHECK(n, "China\xe2\x80\x99s", "China's");
    CHECK(n, "Co\xc2\xad" "operation", "Cooperation");
    CHECK(n, "\xef\xac\x81", "fi");
    CHECK(n, "Stra\xc3\x9f" "e", "Stra\xc3\x9f" "e");
    CHECK(n, "\xce\xa3", "\xce\xa3");
    CHECK(n, "\xef\xbc\xa1\xef\xbd\x82", "Ab");
    CHECK(n, "Cafe\xcc\x81", "Caf\xc3\xa9");
    CHECK(n, "\xc2\xad", "");
    tally__norm_free(n);
}

static void test_invalid(void **state)
{
    (void)state;
    for (int cs = 0; cs < 2; cs++) {
        tally_normalizer *n = tally__norm_new(cs);
        CHECK(n, "ab\xff" "c", "ab\xef\xbf\xbd" "c");
        CHECK(n, "\xe2\x82", "\xef\xbf\xbd");
        CHECK(n, "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
        CHECK(n, "x\xc0\xaf", "x\xef\xbf\xbd\xef\xbf\xbd");
        CHECK(n, "\xe2\x82" "A", cs ? "\xef\xbf\xbd" "A" : "\xef\xbf\xbd" "a");
        CHECK(n, "\xc3\xa9\x80", "\xc3\xa9\xef\xbf\xbd");
        tally__norm_free(n);
    }
}

/* utf8proc_map with utf8proc_NFKC_Casefold's options, plus the apostrophe rule, for comparison. */
static size_t reference(const uint8_t *s, size_t len, uint8_t *out, int cs)
{
    utf8proc_uint8_t *r = NULL;
    utf8proc_option_t opts = UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_IGNORE;
    if (!cs)
        opts |= UTF8PROC_CASEFOLD;
    utf8proc_ssize_t rl = utf8proc_map(s, (utf8proc_ssize_t)len, &r, opts);
    assert_true(rl >= 0);
    size_t o = 0;
    for (utf8proc_ssize_t i = 0; i < rl;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t l = utf8proc_iterate(r + i, rl - i, &c);
        assert_true(l > 0);
        if (c == 0x2018 || c == 0x2019 || c == 0x2bc || c == 0xff07)
            out[o++] = '\'';
        else {
            memcpy(out + o, r + i, (size_t)l);
            o += (size_t)l;
        }
        i += l;
    }
    free(r);
    return o;
}

static uint64_t rng = 88172645463325252u;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* A random well-formed token of 1-6 code points from mixed blocks. */
static size_t random_token(uint8_t *buf)
{
    static const uint32_t base[] = {0x41, 0xc0, 0x300, 0x391, 0x410, 0x5d0, 0x1e00, 0x2018,
                                    0x3040, 0x4e00, 0xac00, 0xfb00, 0xff01, 0xff61, 0x1d400};
    size_t n = 1 + rnd() % 6, len = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = base[rnd() % (sizeof base / sizeof base[0])] + rnd() % 64;
        len += tally__utf8_encode(c, buf + len);
    }
    return len;
}

static void test_cache(void **state)
{
    (void)state;
    for (int cs = 0; cs < 2; cs++) {
        tally_normalizer *n = tally__norm_new(cs);
        /* The same input twice, with another call in between: equal results. */
        CHECK(n, "\xc3\x89t\xc3\xa9", cs ? "\xc3\x89t\xc3\xa9" : "\xc3\xa9t\xc3\xa9");
        CHECK(n, "\xc3\x8atre", cs ? "\xc3\x8atre" : "\xc3\xaatre");
        CHECK(n, "\xc3\x89t\xc3\xa9", cs ? "\xc3\x89t\xc3\xa9" : "\xc3\xa9t\xc3\xa9");
        /* Many distinct tokens, well past the cache's 4096 entries, each seen several times. */
        static uint8_t toks[20000][32];
        static size_t lens[20000];
        static uint8_t want[8192];
        for (size_t i = 0; i < 20000; i++)
            lens[i] = random_token(toks[i]);
        for (size_t round = 0; round < 60000; round++) {
            size_t i = round < 20000 ? round : rnd() % (round % 3 ? 200 : 20000);
            size_t wl = reference(toks[i], lens[i], want, cs);
            size_t ol;
            const uint8_t *o = tally__norm_token(n, toks[i], lens[i], &ol);
            assert_int_equal(ol, wl);
            assert_memory_equal(o, want, wl);
        }
        /* A long token bypasses the cache. */
        uint8_t big[3000];
        size_t bl = 0;
        while (bl < 2900)
            bl += tally__utf8_encode(0xc9, big + bl); /* É */
        size_t wl = reference(big, bl, want, cs), ol;
        const uint8_t *o = tally__norm_token(n, big, bl, &ol);
        assert_int_equal(ol, bl);
        assert_int_equal(wl, bl);
        assert_memory_equal(o, want, wl);
        assert_int_equal(o[1], cs ? 0x89 : 0xa9);
        tally__norm_free(n);
    }
}

/* A token whose normalized form is much longer than the buffers' first sizes. */
static void test_growth(void **state)
{
    (void)state;
    tally_normalizer *n = tally__norm_new(0);
    uint8_t in[1200];
    size_t len = 0;
    for (int i = 0; i < 300; i++)
        len += tally__utf8_encode(0xfdfa, in + len); /* expands to 18 code points */
    size_t ol;
    const uint8_t *o = tally__norm_token(n, in, len, &ol);
    static uint8_t want[30000];
    size_t wl = reference(in, len, want, 0);
    assert_int_equal(wl, 300 * 33); /* 15 Arabic letters and 3 spaces each */
    assert_int_equal(ol, wl);
    assert_memory_equal(o, want, wl);
    tally__norm_free(n);
}

/* Compares tally__norm_token with the reference on the code points c[0,k). */
static void check_cps(tally_normalizer *n, const uint32_t *c, size_t k, int cs)
{
    uint8_t in[16] = {0}, want[64];
    size_t len = 0;
    for (size_t i = 0; i < k; i++)
        len += tally__utf8_encode(c[i], in + len);
    size_t wl = reference(in, len, want, cs), ol;
    const uint8_t *o = tally__norm_token(n, in, len, &ol);
    if (ol != wl || memcmp(o, want, wl) != 0)
        fail_msg("normalize(U+%04X U+%04X) differs from utf8proc_map (cs=%d)", (unsigned)c[0],
                 k > 1 ? (unsigned)c[1] : 0u, cs);
}

/* The code points for which normalize.c may map code point by code point without utf8proc
 * (U+0080..U+07FF, U+1E00..U+1FFF, U+3000..U+30FF, U+4E00..U+9FFF, U+FF00..U+FFFF), with ASCII:
 * every one alone and every pair
 * of them in both orders (the CJK ideographs with a sample of the others) must normalize as
 * utf8proc_map does. */
static void test_simple_map(void **state)
{
    (void)state;
    static uint32_t set[3100];
    size_t nset = 0;
    for (uint32_t c = 0x20; c < 0x7f; c++)
        set[nset++] = c;
    for (uint32_t c = 0x80; c < 0x800; c++)
        set[nset++] = c;
    for (uint32_t c = 0x1e00; c < 0x2000; c++)
        set[nset++] = c;
    for (uint32_t c = 0x3000; c < 0x3100; c++)
        set[nset++] = c;
    for (uint32_t c = 0xff00; c < 0x10000; c++)
        set[nset++] = c;
    for (int cs = 0; cs < 2; cs++) {
        tally_normalizer *n = tally__norm_new(cs);
        uint32_t c[2];
        for (size_t i = 0; i < nset; i++) {
            c[0] = set[i];
            check_cps(n, c, 1, cs);
            for (size_t j = 0; j < nset; j++) {
                c[1] = set[j];
                check_cps(n, c, 2, cs);
            }
        }
        for (uint32_t h = 0x4e00; h <= 0x9fff; h++) {
            c[0] = h;
            check_cps(n, c, 1, cs);
            if (h % 61 == 0) {
                for (size_t j = 0; j < nset; j++) {
                    c[1] = set[j];
                    check_cps(n, c, 2, cs);
                    c[0] = set[j];
                    c[1] = h;
                    check_cps(n, c, 2, cs);
                    c[0] = h;
                }
            }
            c[1] = 0x4e00 + rnd() % 0x5200;
            check_cps(n, c, 2, cs);
        }
        tally__norm_free(n);
    }
}

/* Longer tokens mixing simple code points with ASCII and with ones that are not simple (combining
 * marks, Hangul jamo, compatibility characters), and ill-formed sequences. */
static void test_simple_mixed(void **state)
{
    (void)state;
    static const uint32_t others[] = {0x300, 0x301, 0x327, 0x345, 0x653, 0x1100, 0x1161, 0x11a8,
                                      0x3099, 0x309a, 0x3131, 0x314f, 0xac00, 0xff9e, 0xfb01,
                                      0x212a, 0x2019, 0xad, 0x200d, 0x1d400, 0x1f642};
    uint8_t in[64], want[512];
    for (int cs = 0; cs < 2; cs++) {
        tally_normalizer *n = tally__norm_new(cs);
        for (int iter = 0; iter < 200000; iter++) {
            size_t k = 1 + rnd() % 8, len = 0;
            for (size_t i = 0; i < k; i++) {
                uint32_t c;
                switch (rnd() % 8) {
                case 0: c = 0x41 + rnd() % 58; break;
                case 1: case 2: c = 0x80 + rnd() % 0x780; break;
                case 3:
                    c = (rnd() % 3 == 0 ? 0x1e00 : rnd() % 2 ? 0x3000 : 0xff00) + rnd() % 0x100;
                    break;
                case 4: c = 0x4e00 + rnd() % 0x5200; break;
                case 5: c = others[rnd() % (sizeof others / sizeof others[0])]; break;
                default: c = 0x400 + rnd() % 0x60; break; /* Cyrillic */
                }
                len += tally__utf8_encode(c, in + len);
            }
            if (iter % 50 == 0 && len > 1)
                in[rnd() % len] = (uint8_t)(0x80 + rnd() % 0x80); /* often ill-formed */
            size_t ol, wl;
            const uint8_t *o = tally__norm_token(n, in, len, &ol);
            /* utf8proc_map rejects ill-formed input: compare with the repaired text's result. */
            uint8_t fixed[256];
            size_t fl = 0;
            for (size_t i = 0; i < len;) {
                uint32_t cp;
                int bad;
                size_t l = tally__utf8_decode(in + i, len - i, &cp, &bad);
                fl += tally__utf8_encode(cp, fixed + fl);
                i += l;
            }
            wl = reference(fixed, fl, want, cs);
            assert_int_equal(ol, wl);
            assert_memory_equal(o, want, wl);
        }
        tally__norm_free(n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii),          cmocka_unit_test(test_casefold),
        cmocka_unit_test(test_case_sensitive), cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_cache),          cmocka_unit_test(test_growth),
        cmocka_unit_test(test_simple_map),     cmocka_unit_test(test_simple_mixed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
