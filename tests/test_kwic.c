/* test_kwic.c — tests for lib/kwic.c: the word rules it uses for context where they hold give
 * the general tokenizer's tokens (random text of ASCII, the fast path's letters and ideographs
 * and characters they do not cover, at every length), and a document fed in two pieces at every
 * cut tally__tok_safe_cut allows, and in many random pieces, gives the concordance lines of the
 * whole document (the context crosses the cuts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "accum.h"
#include "dict.h"
#include "kwic.h"
#include "match.h"
#include "tally.h"
#include "tokenize.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static const char *const pieces[] = {
    "a", "b", "Global", "warming", "e.g", "don't", "x:y", "3.14", "1,000", "1;2", "a_b", "_", "__", "_a",
    "9", "a1", "1a", " ", " ", " ", "  ", "\t", "\n", ".", ",", ";", ":", "'", "-", "(", ")", "\"",
    "\xC3\xA9t\xC3\xA9",              /* été */
    "\xD0\xB4\xD0\xBE\xD0\xBC",       /* дом */
    "\xE4\xB8\x80",                   /* 一 */
    "\xE5\xBC\x80\xE6\x94\xBE",       /* 开放 */
    "\xE2\x80\x99",                   /* ’ (not covered) */
    "e\xCC\x81",                      /* e + combining acute (not covered) */
    "\xC3\x9F",                       /* ß (not covered) */
    "\xC2\xA0",                       /* no-break space (not covered) */
    "\xF0\x9F\x98\x80",               /* an emoji (not covered) */
    "\xD0\xB4'\xD0\xB4", "\xE4\xB8\x80_", "_\xD0\xB4", "1\xE4\xB8\x80", "\xE4\xB8\x80" "a",
};

static size_t general_tokens(const uint8_t *p, size_t n, size_t *s, size_t *e, size_t max)
{
    tally_tokenizer tk;
    tally__tok_init(&tk, TALLY_TOKENIZER_UNICODE);
    tally__tok_begin_field(&tk, p, n);
    tally_token t;
    size_t k = 0;
    while (k < max && tally__tok_next(&tk, &t)) {
        s[k] = t.start;
        e[k] = t.start + t.len;
        k++;
    }
    return k;
}

static void test_word_rules(void **state)
{
    (void)state;
    rng_state = 0x243F6A8885A308D3ull;
    uint8_t text[512];
    size_t s1[512], e1[512], s2[512], e2[512];
    size_t covered = 0, tried = 0;
    for (int it = 0; it < 3000; it++) {
        size_t len = 0, np = 1 + rnd(30);
        int only_covered = rnd(2); /* half the texts without the characters the rules leave out */
        for (size_t i = 0; i < np; i++) {
            size_t k = rnd((uint32_t)COUNT(pieces));
            if (only_covered)
                while (k >= 36 && k <= 40)
                    k = rnd((uint32_t)COUNT(pieces));
            size_t l = strlen(pieces[k]);
            if (len + l > sizeof text)
                break;
            memcpy(text + len, pieces[k], l);
            len += l;
        }
        for (size_t n = 0; n <= len; n++) {
            size_t k1 = tally__kwic_ascii_tokens(text, n, s1, e1, 512);
            tried++;
            if (k1 == SIZE_MAX)
                continue;
            covered++;
            size_t k2 = general_tokens(text, n, s2, e2, 512);
            int same = k1 == k2;
            for (size_t i = 0; same && i < k1; i++)
                same = s1[i] == s2[i] && e1[i] == e2[i];
            if (!same) {
                print_error("word rules differ on [%.*s]: %zu vs %zu tokens\n", (int)n, (const char *)text, k1, k2);
                for (size_t i = 0; i < k1 || i < k2; i++)
                    print_error("  %zu-%zu | %zu-%zu\n", i < k1 ? s1[i] : 0, i < k1 ? e1[i] : 0, i < k2 ? s2[i] : 0,
                                i < k2 ? e2[i] : 0);
                fail();
            }
        }
    }
    fprintf(stderr, "# %zu of %zu texts taken by the word rules\n", covered, tried);
    assert_true(covered > tried / 3);
    assert_true(covered < tried);
}

/* ---- the accumulator, fed by hand as the pipeline feeds it for a text file ---------------- */

typedef struct run {
    tally_dict *d;
    tally_matcher *m;
    tally_acc acc;
    void *w;
} run;

static void run_start(run *r, const char *terms, size_t max, size_t window, FILE *out)
{
    tally_error err;
    r->d = tally_dict_new(TALLY_TOKENIZER_UNICODE, 0);
    if (tally_dict_add_text(r->d, "t.dict", terms, strlen(terms), &err) != 0)
        fail_msg("dictionary: %s", err.message);
    assert_int_equal(tally_dict_compile(r->d, &err), 0);
    r->m = tally__matcher_new(r->d);
    static tally_scan_options opt;
    tally_scan_options_init(&opt);
    opt.kwic = out;
    opt.kwic_max = max;
    opt.kwic_window = window;
    tally_acc_env env = {r->d, &opt, NULL, 0, 0};
    assert_int_equal(tally__kwic_acc_new(&env, &r->acc, &err), 0);
    r->w = r->acc.cls->worker_new(r->acc.state, r->m);
}

/* One text document t[0,len) cut at cuts[0,n) (each a safe cut), each piece in a batch of its
 * own, as the pipeline counts a text file larger than a batch. */
static void run_doc(run *r, const uint8_t *t, size_t len, const size_t *cuts, size_t n)
{
    const tally_acc_class *c = r->acc.cls;
    tally_doc_ctx dc = {NULL, 0, "t.txt", 0, r->m};
    tally__matcher_doc_begin(r->m);
    size_t from = 0;
    for (size_t i = 0; i <= n; i++) {
        size_t to = i < n ? cuts[i] : len;
        tally_batch_ctx bc = {0, i};
        c->batch_begin(r->w, c->hint(r->acc.state, &bc));
        if (i == 0)
            c->doc_begin(r->w, &dc);
        tally__matcher_field(r->m, t + from, to - from, i > 0);
        tally_field_ctx fc = {0, NULL, SIZE_MAX, 1, i < n};
        c->field(r->w, t + from, to - from, i > 0, &fc);
        if (i == n) {
            tally__matcher_doc_end(r->m);
            c->doc_end(r->w, &dc);
        }
        void *part = c->take(r->w, &bc);
        tally_error err;
        if (part)
            assert_int_equal(c->merge(r->acc.state, part, &bc, &err), 0);
        from = to;
    }
}

static void run_end(run *r)
{
    tally_error err;
    assert_int_equal(r->acc.cls->finish(r->acc.state, NULL, &err), 0);
    r->acc.cls->worker_free(r->w);
    r->acc.cls->free(r->acc.state);
    tally__matcher_free(r->m);
    tally_dict_free(r->d);
}

/* The concordance of t cut at cuts[0,n), in a new string. */
static char *kwic_of(const char *terms, size_t max, size_t window, const uint8_t *t, size_t len,
                     const size_t *cuts, size_t n)
{
    char *buf = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&buf, &blen);
    run r;
    run_start(&r, terms, max, window, f);
    run_doc(&r, t, len, cuts, n);
    run_end(&r);
    fclose(f);
    return buf;
}

static const char terms[] = "a b\nglobal warming\nwarm*\nb\n\xE5\xBC\x80\xE6\x94\xBE\ne.g\n";

static void test_pieces(void **state)
{
    (void)state;
    rng_state = 0x13198A2E03707344ull;
    uint8_t text[2048];
    size_t cuts[256];
    size_t checked = 0, lines = 0;
    for (int it = 0; it < 60; it++) {
        size_t len = 0, np = 1 + rnd(200);
        for (size_t i = 0; i < np; i++) {
            const char *p = rnd(3) ? pieces[rnd((uint32_t)COUNT(pieces))] : (rnd(2) ? "global warming" : "a b");
            size_t l = strlen(p);
            if (len + l > sizeof text)
                break;
            memcpy(text + len, p, l);
            len += l;
        }
        size_t window = 1 + rnd(8), max = rnd(2) ? 0 : 1 + rnd(3);
        char *whole = kwic_of(terms, max, window, text, len, NULL, 0);
        for (const char *q = whole; (q = strchr(q, '\n')) != NULL; q++)
            lines++;
        for (size_t l = 1; l < len; l++) {
            size_t p = tally__tok_safe_cut(text, l, 0);
            if (p == 0)
                continue;
            char *two = kwic_of(terms, max, window, text, len, &p, 1);
            if (strcmp(whole, two) != 0)
                fail_msg("cut at %zu of [%.*s]:\n%s---\n%s", p, (int)len, (const char *)text, whole, two);
            free(two);
            checked++;
        }
        size_t n = 0, from = 0;
        while (n < COUNT(cuts)) {
            size_t w = 1 + rnd(16);
            if (from + w >= len)
                break;
            size_t p = tally__tok_safe_cut(text + from, w, 0);
            if (p == 0)
                break;
            from += p;
            cuts[n++] = from;
        }
        char *many = kwic_of(terms, max, window, text, len, cuts, n);
        if (strcmp(whole, many) != 0)
            fail_msg("%zu pieces of [%.*s]:\n%s---\n%s", n + 1, (int)len, (const char *)text, whole, many);
        free(many);
        free(whole);
    }
    fprintf(stderr, "# %zu two-piece cuts, %zu lines\n", checked, lines);
    assert_true(checked > 1000);
    assert_true(lines > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_word_rules),
        cmocka_unit_test(test_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
