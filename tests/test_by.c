/* test_by.c — the --by accumulator (lib/by.c) and the summary's buckets (lib/summary_by.c): the
 * key encoding against a naive component-by-component comparison; specifications accepted and
 * refused; the accumulator driven as the pipeline drives it (scanner, matcher, doc_end, take,
 * merge in any order, finish) against buckets computed by a naive reference from the same
 * documents; and the buckets through write, read and add. The rates are written as jansson
 * writes them (compared with jansson itself). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "accum.h"
#include "by.h"
#include "dict.h"
#include "jsonl.h"
#include "match.h"
#include "summary.h"

static uint64_t rng = 12345;
static uint32_t rnd(uint32_t n)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng >> 33) % n;
}

/* A key of up to 3 components: each NULL or up to 4 bytes from {0, 1, 2, 'a', 0xFF}. */
typedef struct tkey {
    int null[3];
    uint8_t b[3][4];
    size_t n[3];
} tkey;

static void rand_key(tkey *k)
{
    static const uint8_t alpha[] = {0, 1, 2, 'a', 0xFF};
    for (int j = 0; j < 3; j++) {
        k->null[j] = rnd(4) == 0;
        k->n[j] = rnd(5);
        for (size_t i = 0; i < k->n[j]; i++)
            k->b[j][i] = alpha[rnd(5)];
    }
}

static int naive_cmp(const tkey *a, const tkey *b)
{
    for (int j = 0; j < 3; j++) {
        if (a->null[j] || b->null[j]) {
            if (a->null[j] != b->null[j])
                return a->null[j] ? 1 : -1;
            continue;
        }
        size_t n = a->n[j] < b->n[j] ? a->n[j] : b->n[j];
        int c = memcmp(a->b[j], b->b[j], n);
        if (c)
            return c < 0 ? -1 : 1;
        if (a->n[j] != b->n[j])
            return a->n[j] < b->n[j] ? -1 : 1;
    }
    return 0;
}

static void encode(const tkey *k, tally_buf *o)
{
    o->len = 0;
    for (int j = 0; j < 3; j++)
        tally__by_key_put(o, k->null[j] ? NULL : k->b[j], k->n[j]);
}

static int sign(int x)
{
    return x < 0 ? -1 : x > 0;
}

static void test_key_order(void **state)
{
    (void)state;
    tally_buf x, y, v;
    tally__buf_init(&x);
    tally__buf_init(&y);
    tally__buf_init(&v);
    for (int t = 0; t < 200000; t++) {
        tkey a, b;
        rand_key(&a);
        rand_key(&b);
        encode(&a, &x);
        encode(&b, &y);
        int want = naive_cmp(&a, &b), got = sign(tally__by_key_cmp(x.data, x.len, y.data, y.len));
        if (want != got)
            fail_msg("order of keys differs from the naive comparison (%d, %d)", got, want);
        for (int j = 0; j < 3; j++) {
            int r = tally__by_key_get(x.data, x.len, (size_t)j, &v);
            assert_int_equal(r, a.null[j] ? 1 : 0);
            if (!a.null[j]) {
                assert_int_equal(v.len, a.n[j]);
                assert_true(v.len == 0 || memcmp(v.data, a.b[j], v.len) == 0);
            }
        }
        assert_int_equal(tally__by_key_get(x.data, x.len, 3, &v), -1);
    }
    tally__buf_cleanup(&x);
    tally__buf_cleanup(&y);
    tally__buf_cleanup(&v);
}

static void test_specs(void **state)
{
    (void)state;
    static const char *const good[] = {"source", "meta.date:day", "d:week", "d:month", "d:year", "@input", "a:1",
                                       "a:B", "x:"};
    static const char *const bad[] = {"", "@file", "@input:day", ":day", "d:days", "d:quarter", "a:b:c"};
    tally_scan_options o;
    tally_error err;
    tally_scan_options_init(&o);
    o.n_by = 1;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        o.by = &good[i];
        if (tally__by_check(&o, &err) != 0)
            fail_msg("'%s' refused: %s", good[i], err.message);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.by = &bad[i];
        if (tally__by_check(&o, &err) != TALLY_EINVAL)
            fail_msg("'%s' accepted", bad[i]);
    }
    o.by = &good[0];
    o.by_utc_offset = 1440;
    assert_int_equal(tally__by_check(&o, &err), TALLY_EINVAL);
}

/* ---- the accumulator, driven as the pipeline drives it ---- */

static const char *const WORDS[] = {"global", "cooperation", "joint", "building", "other", "words", "here"};
static const char *const SOURCES[] = {"\"ap\"", "\"xinhua\"", "\"a\\u0062\"", "7", "null", "true", "[1]", "\"ab\""};
static const char *const DATES[] = {"\"2024-01-31\"", "\"2024-02-01T03:00+05:00\"", "1706745600", "\"bad\"",
                                    "\"2024-02-29\"", "\"20240301120000\""};

typedef struct doc {
    char line[512];
    const char *src, *date; /* NULL: missing */
    int global;             /* times the text says "global" */
} doc;

static void make_doc(doc *d)
{
    char text[256] = "";
    int n = 1 + (int)rnd(12);
    d->global = 0;
    for (int i = 0; i < n; i++) {
        uint32_t w = rnd(7);
        d->global += w == 0;
        strcat(text, WORDS[w]);
        strcat(text, " ");
    }
    d->src = rnd(6) ? SOURCES[rnd(8)] : NULL;
    d->date = rnd(6) ? DATES[rnd(6)] : NULL;
    char *p = d->line;
    p += sprintf(p, "{\"text\":\"%s\"", text);
    if (d->src)
        p += sprintf(p, ",\"src\":%s", d->src);
    if (d->date)
        p += sprintf(p, ",\"meta\":{\"date\":%s}", d->date);
    sprintf(p, "}");
}

/* The naive reference: the key as text ("month|source", "~" for null) of a document, from what
 * the test itself planted. */
static void naive_key(const doc *d, char *out)
{
    static const char *const src_key[] = {"ap", "xinhua", "ab", "7", "~", "~", "~", "ab"};
    static const char *const date_key[] = {"2024-01", "2024-01", "2024-02", "~", "2024-02", "2024-03"};
    const char *s = "~", *m = "~";
    for (int i = 0; i < 8; i++)
        if (d->src == SOURCES[i])
            s = src_key[i];
    for (int i = 0; i < 6; i++)
        if (d->date == DATES[i])
            m = date_key[i];
    sprintf(out, "%s|%s", m, s);
}

/* Runs the documents through the accumulator in batches of 7, merging the parts in the order
 * perm gives; returns the summary's buckets written as JSON. */
static char *run_acc(const tally_dict *dict, doc *docs, size_t n, int reverse)
{
    static const char *const by[] = {"meta.date:month", "src"};
    static const char *const fields[] = {"text"};
    tally_scan_options o;
    tally_scan_options_init(&o);
    o.by = by;
    o.n_by = 2;
    tally_acc_env env = {dict, &o, fields, 1, 0};
    tally_acc acc;
    tally_error err;
    assert_int_equal(tally__by_acc_new(&env, &acc, &err), 0);
    assert_int_equal(acc.n_keep, 2);
    tally_jsonl_spec *spec = tally__jsonl_spec_new_keep(fields, 1, "id", acc.keep, acc.n_keep);
    tally_jsonl_result jr;
    tally__jsonl_result_init(&jr, spec);
    tally_matcher *m = tally__matcher_new(dict);
    void *w = acc.cls->worker_new(acc.state, m);
    void *parts[64];
    size_t n_parts = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(tally__jsonl_scan(spec, (const uint8_t *)docs[i].line, strlen(docs[i].line), &jr, &err), 0);
        tally__matcher_doc_begin(m);
        tally_doc_ctx c = {&jr, 0, "in.jsonl", i + 1, m};
        if (acc.cls->doc_begin)
            acc.cls->doc_begin(w, &c);
        const tally_jstr *s = &jr.strings[jr.fields[0].first];
        tally__matcher_field(m, s->ptr, s->len, 0);
        tally__matcher_doc_end(m);
        acc.cls->doc_end(w, &c);
        if (i % 7 == 6 || i + 1 == n) {
            tally_batch_ctx bc = {0, n_parts};
            parts[n_parts++] = acc.cls->take(w, &bc);
        }
    }
    tally_summary *sum = tally__summary_new(dict, 0);
    /* what the worker kept across batches, merged first or last */
    void *rest = acc.cls->flush ? acc.cls->flush(w) : NULL;
    tally_batch_ctx rest_bc = {SIZE_MAX, 0};
    if (rest && reverse)
        assert_int_equal(acc.cls->merge(acc.state, rest, &rest_bc, &err), 0);
    for (size_t k = 0; k < n_parts; k++) {
        size_t at = reverse ? n_parts - 1 - k : k;
        tally_batch_ctx bc = {0, at};
        assert_int_equal(acc.cls->merge(acc.state, parts[at], &bc, &err), 0);
    }
    if (rest && !reverse)
        assert_int_equal(acc.cls->merge(acc.state, rest, &rest_bc, &err), 0);
    assert_int_equal(acc.cls->finish(acc.state, sum, &err), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(tally__buckets_write(sum, f), 0);
    fclose(f);
    /* against the naive reference: documents and the count of "global" per key */
    tally_buckets *b = sum->buckets;
    uint64_t all_docs = 0; /* every document is in a bucket */
    for (size_t r = 0; r < b->n_rows; r++) {
        char want[64];
        size_t l;
        const char *dk = tally_summary_bucket_key(sum, r, 0, &l), *sk = tally_summary_bucket_key(sum, r, 1, &l);
        uint64_t docs_here = 0, global = 0;
        for (size_t i = 0; i < n; i++) {
            char k[64];
            naive_key(&docs[i], k);
            snprintf(want, sizeof want, "%s|%s", dk ? dk : "~", sk ? sk : "~");
            if (strcmp(k, want) == 0) {
                docs_here++;
                global += (uint64_t)docs[i].global;
            }
        }
        uint64_t d_got, t_got, c_got, cd_got;
        tally_summary_bucket_totals(sum, r, &d_got, &t_got);
        tally_summary_bucket_keyword(sum, r, 0, &c_got, &cd_got);
        all_docs += d_got;
        if (d_got != docs_here || c_got != global)
            fail_msg("bucket %s: %llu documents, %llu global; naive %llu, %llu", want, (unsigned long long)d_got,
                     (unsigned long long)c_got, (unsigned long long)docs_here, (unsigned long long)global);
    }
    assert_int_equal(all_docs, n);
    acc.cls->worker_free(w);
    acc.cls->free(acc.state);
    tally__matcher_free(m);
    tally__jsonl_result_cleanup(&jr);
    tally__jsonl_spec_free(spec);
    tally_summary_free(sum);
    return text;
}

static void test_accumulator(void **state)
{
    (void)state;
    tally_error err;
    tally_dict *d = tally_dict_new(TALLY_TOKENIZER_UNICODE, 0);
    assert_int_equal(tally_dict_add_text(d, "t", "global\n[g]\njoint building\n", 26, &err), 0);
    assert_int_equal(tally_dict_compile(d, &err), 0);
    doc docs[300];
    for (size_t i = 0; i < 300; i++)
        make_doc(&docs[i]);
    char *a = run_acc(d, docs, 300, 0), *b = run_acc(d, docs, 300, 1);
    /* the parts' merge order does not change a byte */
    assert_string_equal(a, b);
    free(a);
    free(b);
    tally_dict_free(d);
}

/* ---- many keys, wide dictionaries: the worker's kept keys, its reset, sparse cells ---- */

/* Documents {"text": words w0..w{n_words-1}, "k": "kN"} with N < n_keys, through the accumulator
 * in batches of batch documents (the parts merged in reverse); checks every bucket's documents,
 * tokens, keyword counts and keyword documents against sums over the documents; returns the
 * buckets as JSON. */
static char *run_keys(const tally_dict *dict, size_t n_words, size_t n_docs, uint32_t n_keys, size_t batch)
{
    static const char *const by[] = {"k"};
    static const char *const fields[] = {"text"};
    tally_scan_options o;
    tally_scan_options_init(&o);
    o.by = by;
    o.n_by = 1;
    tally_acc_env env = {dict, &o, fields, 1, 0};
    tally_acc acc;
    tally_error err;
    assert_int_equal(tally__by_acc_new(&env, &acc, &err), 0);
    tally_jsonl_spec *spec = tally__jsonl_spec_new_keep(fields, 1, NULL, acc.keep, acc.n_keep);
    tally_jsonl_result jr;
    tally__jsonl_result_init(&jr, spec);
    tally_matcher *m = tally__matcher_new(dict);
    void *w = acc.cls->worker_new(acc.state, m);
    size_t n_parts = 0, cap_parts = n_docs / batch + 2;
    void **parts = calloc(cap_parts, sizeof *parts);
    /* the reference: per key, documents, tokens and counts of each word */
    uint64_t *docs = calloc(n_keys, sizeof *docs), *toks = calloc(n_keys, sizeof *toks);
    uint64_t *cnt = calloc((size_t)n_keys * n_words, sizeof *cnt);
    uint64_t *cdocs = calloc((size_t)n_keys * n_words, sizeof *cdocs);
    size_t *seen = calloc(n_words, sizeof *seen); /* the document (+ 1) that last had the word */
    uint64_t seed = rng;
    for (size_t i = 0; i < n_docs; i++) {
        char line[1024];
        uint32_t key = rnd(n_keys);
        int n = 1 + (int)rnd(6);
        char *p = line + sprintf(line, "{\"k\":\"k%u\",\"text\":\"", key);
        for (int j = 0; j < n; j++) {
            uint32_t wd = rnd((uint32_t)n_words);
            cnt[(size_t)key * n_words + wd]++;
            if (seen[wd] != i + 1) {
                seen[wd] = i + 1;
                cdocs[(size_t)key * n_words + wd]++;
            }
            p += sprintf(p, "w%u ", wd);
        }
        sprintf(p, "\"}");
        docs[key]++;
        toks[key] += (uint64_t)n;
        assert_int_equal(tally__jsonl_scan(spec, (const uint8_t *)line, strlen(line), &jr, &err), 0);
        tally__matcher_doc_begin(m);
        tally_doc_ctx c = {&jr, 0, "in.jsonl", i + 1, m};
        if (acc.cls->doc_begin)
            acc.cls->doc_begin(w, &c);
        const tally_jstr *s = &jr.strings[jr.fields[0].first];
        tally__matcher_field(m, s->ptr, s->len, 0);
        tally__matcher_doc_end(m);
        acc.cls->doc_end(w, &c);
        if ((i + 1) % batch == 0 || i + 1 == n_docs) {
            tally_batch_ctx bc = {0, n_parts};
            parts[n_parts++] = acc.cls->take(w, &bc);
        }
    }
    rng = seed; /* every batching sees the same documents */
    tally_summary *sum = tally__summary_new(dict, 0);
    for (size_t k = n_parts; k-- > 0;) {
        tally_batch_ctx bc = {0, k};
        assert_int_equal(acc.cls->merge(acc.state, parts[k], &bc, &err), 0);
    }
    void *rest = acc.cls->flush ? acc.cls->flush(w) : NULL;
    tally_batch_ctx rest_bc = {SIZE_MAX, 0};
    if (rest)
        assert_int_equal(acc.cls->merge(acc.state, rest, &rest_bc, &err), 0);
    assert_int_equal(acc.cls->finish(acc.state, sum, &err), 0);
    size_t rows = 0;
    for (uint32_t k = 0; k < n_keys; k++)
        rows += docs[k] != 0;
    assert_int_equal(tally_summary_bucket_count(sum), rows);
    for (size_t r = 0; r < rows; r++) {
        size_t l;
        const char *key = tally_summary_bucket_key(sum, r, 0, &l);
        uint32_t k = (uint32_t)strtoul(key + 1, NULL, 10);
        uint64_t d, t;
        tally_summary_bucket_totals(sum, r, &d, &t);
        if (d != docs[k] || t != toks[k])
            fail_msg("bucket %s: %llu documents, %llu tokens; the documents say %llu, %llu", key, (unsigned long long)d,
                     (unsigned long long)t, (unsigned long long)docs[k], (unsigned long long)toks[k]);
        for (size_t wd = 0; wd < n_words; wd++) {
            uint64_t c, cd;
            tally_summary_bucket_keyword(sum, r, wd, &c, &cd);
            if (c != cnt[(size_t)k * n_words + wd] || cd != cdocs[(size_t)k * n_words + wd])
                fail_msg("bucket %s, w%zu: %llu in %llu documents, the documents say %llu in %llu", key, wd,
                         (unsigned long long)c, (unsigned long long)cd, (unsigned long long)cnt[(size_t)k * n_words + wd],
                         (unsigned long long)cdocs[(size_t)k * n_words + wd]);
        }
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(tally__buckets_write(sum, f), 0);
    fclose(f);
    acc.cls->worker_free(w);
    acc.cls->free(acc.state);
    tally__matcher_free(m);
    tally__jsonl_result_cleanup(&jr);
    tally__jsonl_spec_free(spec);
    tally_summary_free(sum);
    free(parts);
    free(docs);
    free(toks);
    free(cnt);
    free(cdocs);
    free(seen);
    return text;
}

static tally_dict *words_dict(size_t n)
{
    tally_error err;
    tally_dict *d = tally_dict_new(TALLY_TOKENIZER_UNICODE, 0);
    char *text = malloc(n * 12 + 1), *p = text;
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "w%zu\n", i);
    assert_int_equal(tally_dict_add_text(d, "t", text, (size_t)(p - text), &err), 0);
    assert_int_equal(tally_dict_compile(d, &err), 0);
    free(text);
    return d;
}

/* The buckets of one run of run_keys in batches of b1 and of b2 documents are the same. */
static void same_in_batches(size_t n_words, size_t n_docs, uint32_t n_keys, size_t b1, size_t b2)
{
    tally_dict *d = words_dict(n_words);
    char *a = run_keys(d, n_words, n_docs, n_keys, b1), *b = run_keys(d, n_words, n_docs, n_keys, b2);
    assert_string_equal(a, b);
    free(a);
    free(b);
    tally_dict_free(d);
}

static void test_many_keys(void **state)
{
    (void)state;
    /* more keys than a worker keeps before handing them over, in small and large batches */
    same_in_batches(40, 60000, 30000, 20000, 997);
    /* a few keys over many batches: a worker keeps them and their counts from batch to batch */
    same_in_batches(40, 5000, 5, 5000, 3);
    /* a dense dictionary with more keys than dense rows hold: the worker's table turns sparse
     * within a batch and the scan's table when the workers' tables are added */
    same_in_batches(500, 30000, 12000, 30000, 5);
    /* a dictionary too wide for dense rows: sparse cells in the worker and the scan */
    same_in_batches(600, 4000, 40, 4000, 7);
}

/* ---- per_10k written as jansson writes a real of precision 10 ---- */

static void check_real(double v)
{
    tally_buf o;
    tally__buf_init(&o);
    tally__put_real10(&o, v);
    json_t *j = json_real(v);
    char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
    json_decref(j);
    if (o.len != strlen(want) || memcmp(o.data, want, o.len) != 0)
        fail_msg("%.17g: wrote %.*s, jansson %s", v, (int)o.len, (const char *)o.data, want);
    free(want);
    tally__buf_cleanup(&o);
}

static void test_rates(void **state)
{
    (void)state;
    /* rates as the buckets make them, counts and tokens from small to large */
    for (int i = 0; i < 200000; i++) {
        uint64_t tokens = 1 + rnd(i % 3 == 0 ? 100 : i % 3 == 1 ? 100000 : 2000000000);
        uint64_t count = 1 + rnd((uint32_t)(tokens < 100000 ? tokens : 100000));
        if (count > tokens)
            count = tokens;
        check_real((double)count * 10000.0 / (double)tokens);
    }
    /* powers of ten and their neighbours, ties at the tenth digit, every exponent */
    static const double fixed[] = {0, 1, 10, 100, 1e4, 1e9, 1e10, 1e11, 1e-4, 1e-5, 0.001, 0.1, 9999.999999,
                                   99999.999995, 9.9999999995, 9.99999999949, 1.00000000005, 1.23456789015,
                                   0.000123456789, 0.0001234567895, 12.5, 1.5e-7, 3.0e15, 2.5e-300};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        check_real(fixed[i]);
        check_real(nextafter(fixed[i], 0));
        check_real(nextafter(fixed[i], 1e308));
    }
    /* decimal ties in a double: n.5 at the eleventh digit, exact in binary */
    for (int e = 0; e < 10; e++)
        for (int k = 0; k < 200; k++) {
            double v = (1000000000.0 + rnd(1000000000u) * 8.0 + 0.5) / pow(10, 9 - e);
            check_real(v);
            check_real(nextafter(v, 0));
            check_real(nextafter(v, 1e308));
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_order),
        cmocka_unit_test(test_specs),
        cmocka_unit_test(test_accumulator),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_rates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
