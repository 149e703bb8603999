/* test_vocab.c — the vocabulary through the public API (tally_scan_run with opt.vocab): a small
 * case worked out by hand; the fast path (ASCII, Latin-1, Cyrillic, ideographs tokenized and
 * folded in vocab.c) against the general tokenizer and normalizer on seeded random text made of
 * adversarial pieces (mixed scripts, combining marks, apostrophes, digits with separators,
 * ill-formed bytes), case-folded and case-sensitive; and one document cut at every batch size
 * from 1 to 80 bytes, with spills forced, giving the bytes of the whole; and the fast path's
 * blocks of 64 bytes and chunks of 1024: seeded text of the fast path's characters only, in lines
 * longer than a chunk, and fixed tricky strings at every offset across two blocks (tokens,
 * mid punctuation, two-byte letters and ideographs cut by a block's edge; tokens longer than a
 * block and than a chunk), each against the general path. */
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

/* The fast path's characters only: words of every length (some longer than an entry's 16 bytes,
 * a block, a chunk), mid punctuation, digits, underscores, Latin-1 and Cyrillic letters, both
 * cases, ideographs, spaces and '-'. */
static const char *const fast_pieces[] = {
    "a", "B", "the", "The", "THE", "word", "Words", "x", "q", "0", "7", "42", "3.14", "1,000", "2;5",
    "'", ".", ":", ",", ";", "_", "__", "a_b", "_x", "\xC3\xA9", "\xC3\x89", "\xC3\xBF", "\xC3\x80",
    "\xD0\x96", "\xD0\xB6", "\xD0\x80", "\xD1\x90", "\xD1\xA0", "\xD1\xA1", "\xE4\xB8\xAD",
    "\xE6\x96\x87", "\xE9\xBE\xA5", " ", " ", " ", "  ", "\t", "-", "don't", "e.g", "U.S.A",
};

/* Seeded text of fast_pieces (n bytes at most; lines of about 4 KB when lines), with a long
 * word now and then; returns the length. */
static size_t fast_text(uint64_t seed, char *buf, size_t n, int lines)
{
    size_t k = 0, np = sizeof fast_pieces / sizeof fast_pieces[0];
    uint64_t x = seed * 6364136223846793005ull + 1442695040888963407ull;
    while (k + 2100 < n) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        if (((x >> 40) & 255) == 0) { /* a word of 9 to 2056 letters */
            size_t l = 9 + ((x >> 8) & 2047);
            for (size_t i = 0; i < l; i++)
                buf[k++] = (char)('a' + (i * 7 + l) % 26 - (i % 5 == 0 ? 32 : 0));
            continue;
        }
        const char *p = fast_pieces[(x >> 33) % np];
        size_t l = strlen(p);
        memcpy(buf + k, p, l);
        k += l;
        if (lines && ((x >> 20) & 2047) == 0)
            buf[k++] = '\n';
    }
    return k;
}

static void expect_same(const char *path, int format, const char *what)
{
    for (int cs = 0; cs < 2; cs++) {
        cfg fast = {format, cs, 0, 0, 0, 1}, general = {format, cs, 1, 0, 0, 1};
        size_t na, nb;
        char *a = vocab_of(path, &fast, &na), *b = vocab_of(path, &general, &nb);
        if (na != nb || memcmp(a, b, na) != 0)
            fail_msg("%s, case-sensitive %d: the fast path's vocabulary differs from the general path's", what, cs);
        free(a);
        free(b);
    }
}

static void test_fast_blocks(void **state)
{
    (void)state;
    static char text[300000];
    char path[128], what[64];
    snprintf(path, sizeof path, "%s/fast.txt", dir);
    for (uint64_t seed = 1; seed <= 4; seed++) {
        size_t n = fast_text(seed, text, sizeof text, seed & 1);
        write_file(path, text, n);
        snprintf(what, sizeof what, "fast-only text, seed %llu", (unsigned long long)seed);
        expect_same(path, seed & 1 ? TALLY_FORMAT_LINES : TALLY_FORMAT_TEXT, what);
    }
}

/* Strings whose every byte must fall on both sides of a block's edge: joins and non-joins of mid
 * punctuation, two-byte letters and ideographs next to ASCII, a word of exactly 16 and 17 bytes,
 * a non-fast character between fast ones (the hand-over to the general path). */
static const char *const edge_cases[] = {
    "ab'cd", "ab.cd", "ab:cd", "12,345", "12;34", "1.5", "a.1", "1.a", "a,b", "x'", "'x", "a..b",
    "\xC3\xA9'\xC3\xA9", "\xD0\x96.\xD0\xB6", "\xE4\xB8\xAD'a", "a'\xE4\xB8\xAD",
    "\xE4\xB8\xAD\xE6\x96\x87" "abc\xE4\xB8\xAD", "x\xC3\x89y\xD1\xA0z", "a_\xE4\xB8\xAD_b", "__a", "a__", "___",
    "abcdefghijklmnop", "abcdefghijklmnopq", "ABCDEFGHIJKLMNOP'QRSTUVWXYZ", "caf\xC3\xA9s'\xC3\xA9t\xC3\xA9",
    "x\xE2\x80\x99y z\xCC\x81w", "\xC3\x9F\xC3\xA9", "3.14.15", "Don't-stop",
};

static void test_block_edges(void **state)
{
    (void)state;
    char path[128], what[96];
    static char text[8192];
    snprintf(path, sizeof path, "%s/edge.txt", dir);
    size_t nc = sizeof edge_cases / sizeof edge_cases[0];
    for (size_t c = 0; c < nc; c++) {
        size_t l = strlen(edge_cases[c]);
        for (size_t off = 40; off <= 130; off++) {
            /* off bytes of short words before the case, so that it starts at every offset of the
             * first two blocks and of the block after them; the case again after a chunk */
            size_t k = 0;
            for (; k < off; k++)
                text[k] = (k % 3 == 2 || k + 1 == off) ? ' ' : (char)('a' + k % 26);
            memcpy(text + k, edge_cases[c], l);
            k += l;
            text[k++] = ' ';
            for (; k < 1024 - off % 64; k++)
                text[k] = (char)(k % 4 == 3 ? ' ' : 'A' + k % 26);
            text[k++] = ' ';
            memcpy(text + k, edge_cases[c], l);
            k += l;
            write_file(path, text, k);
            snprintf(what, sizeof what, "case %zu at offset %zu", c, off);
            expect_same(path, TALLY_FORMAT_TEXT, what);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_fast_equals_general),
        cmocka_unit_test(test_every_split_point),
        cmocka_unit_test(test_fast_blocks),
        cmocka_unit_test(test_block_edges),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
