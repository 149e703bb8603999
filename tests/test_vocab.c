/* test_vocab.c — the vocabulary through the public API (tally_scan_run with opt.vocab): a small
 * case worked out by hand; the fast path (ASCII, Latin-1, Cyrillic, ideographs tokenized and
 * folded in vocab.c) against the general tokenizer and normalizer on seeded random text made of
 * adversarial pieces (mixed scripts, combining marks, apostrophes, digits with separators,
 * ill-formed bytes), case-folded and case-sensitive; and one document cut at every batch size
 * from 1 to 80 bytes, with spills forced, giving the bytes of the whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tally.h"

static char dir[64];

static int group_setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tally-test-vocab-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

typedef struct cfg {
    int format, case_sensitive, general_only;
    size_t batch, memory;
    unsigned threads;
} cfg;

/* The vocabulary file of one scan of path (a new string, *n bytes). */
static char *vocab_of(const char *path, const cfg *c, size_t *n)
{
    tally_dict *d = tally_dict_new(TALLY_TOKENIZER_UNICODE, c->case_sensitive);
    tally_error err;
    tally_dict_allow_empty(d);
    assert_int_equal(tally_dict_compile(d, &err), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    tally_scan_options opt;
    tally_scan_options_init(&opt);
    opt.format = c->format;
    opt.batch_bytes = c->batch;
    opt.threads = c->threads ? c->threads : 1;
    opt.vocab = out;
    opt.vocab_name = "v.tsv";
    opt.vocab_memory = c->memory;
    opt.vocab_temp_dir = dir;
    opt.vocab_general_only = c->general_only;
    const char *inputs[] = {path};
    tally_summary *s = NULL;
    int rc = tally_scan_run(d, inputs, 1, &opt, &s, &err);
    if (rc)
        fail_msg("scan: %s", err.message);
    assert_int_equal(fclose(out), 0);
    tally_summary_free(s);
    tally_dict_free(d);
    *n = len;
    return buf;
}

static void test_by_hand(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/hand.txt", dir);
    const char text[] = "The cat, the CAT's hat. 3.14 3,000 a_b _ \xE4\xB8\xAD\xE6\x96\x87\nthe dog\n";
    write_file(path, text, sizeof text - 1);
    const char want[] = "type\tcount\tdocuments\n"
                        "the\t3\t2\n"
                        "3,000\t1\t1\n"
                        "3.14\t1\t1\n"
                        "a_b\t1\t1\n"
                        "cat\t1\t1\n"
                        "cat's\t1\t1\n"
                        "dog\t1\t1\n"
                        "hat\t1\t1\n"
                        "\xE4\xB8\xAD\t1\t1\n"
                        "\xE6\x96\x87\t1\t1\n";
    for (int g = 0; g < 2; g++) {
        cfg c = {TALLY_FORMAT_LINES, 0, g, 0, 0, 1};
        size_t n;
        char *got = vocab_of(path, &c, &n);
        assert_int_equal(n, sizeof want - 1);
        assert_memory_equal(got, want, n);
        free(got);
    }
}

static const char *const pieces[] = {
    "a", "Z", "word", "The", "x", "\xC3\xA9", "\xC3\x89", "\xC3\x9F", "\xC3\x97", "\xD0\x96", "\xD0\xB6",
    "\xD1\xA0", "\xD0\x80", "\xE4\xB8\xAD", "\xE9\xBE\xA5", "\xE3\x82\xA2", "\xE3\x82\xAB\xE3\x82\xBF",
    "\xED\x95\x9C", "1", "2,5", "3.14", "7", ".", ",", ";", ":", "'", "\xE2\x80\x99", "_", " ", "  ", "\t",
    "-", "\xCC\x81", "\xE2\x80\x8D", "\xF0\x9F\x91\x8D", "\xE2\x80\xAF", "\xC2\xA0", "\xE3\x80\x80",
    "\xFF", "\xC3", "\xEF\xAC\x81", "\xC4\xB0", "\xC7\x85", "x\xCC\x88", "\xD7\x90", "\"", "\xD8\xA7",
    "\xF0\x9D\x90\x80", "\xEF\xBC\x87", "\xE2\x80\x8B", "\xC2\xAD", "!", "(", "\xEF\xBE\x9E",
};

/* Seeded random lines of adversarial pieces, into buf (n bytes at most); returns the length. */
static size_t random_text(uint64_t seed, char *buf, size_t n, int lines)
{
    size_t k = 0, np = sizeof pieces / sizeof pieces[0];
    uint64_t x = seed * 6364136223846793005ull + 1442695040888963407ull;
    while (k + 16 < n) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        const char *p = pieces[(x >> 33) % np];
        size_t l = strlen(p);
        memcpy(buf + k, p, l);
        k += l;
        if (lines && ((x >> 20) & 31) == 0)
            buf[k++] = '\n';
    }
    return k;
}

static void test_fast_equals_general(void **state)
{
    (void)state;
    static char text[400000];
    char path[128];
    snprintf(path, sizeof path, "%s/random.txt", dir);
    for (uint64_t seed = 1; seed <= 6; seed++) {
        size_t n = random_text(seed, text, sizeof text, 1);
        write_file(path, text, n);
        for (int cs = 0; cs < 2; cs++) {
            cfg fast = {TALLY_FORMAT_LINES, cs, 0, 0, 0, 1}, general = {TALLY_FORMAT_LINES, cs, 1, 0, 0, 1};
            size_t na, nb;
            char *a = vocab_of(path, &fast, &na), *b = vocab_of(path, &general, &nb);
            if (na != nb || memcmp(a, b, na) != 0)
                fail_msg("seed %llu, case-sensitive %d: the fast path's vocabulary differs from the general path's",
                         (unsigned long long)seed, cs);
            free(a);
            free(b);
        }
    }
}

static void test_every_split_point(void **state)
{
    (void)state;
    static char text[3000];
    char path[128];
    snprintf(path, sizeof path, "%s/one.txt", dir);
    size_t n = random_text(99, text, sizeof text, 0);
    write_file(path, text, n);
    cfg whole = {TALLY_FORMAT_TEXT, 0, 1, 0, 0, 1};
    size_t nw;
    char *want = vocab_of(path, &whole, &nw);
    for (size_t batch = 1; batch <= 80; batch++) {
        for (int g = 0; g < 2; g++) {
            cfg c = {TALLY_FORMAT_TEXT, 0, g, batch, batch % 3 ? 0 : 1, batch % 2 ? 1u : 2u};
            size_t ng;
            char *got = vocab_of(path, &c, &ng);
            if (ng != nw || memcmp(got, want, nw) != 0)
                fail_msg("batch %zu, general %d: a document cut in pieces gives another vocabulary", batch, g);
            free(got);
        }
    }
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_fast_equals_general),
        cmocka_unit_test(test_every_split_point),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
