/* test_perdoc.c — per-document records through the public API (tally_scan_run): "line" and the
 * kept fields ("fields", values as written), the error when no input can be JSON, null fields for
 * text inputs, and the same bytes whatever the thread count and batch size; and the record writer
 * itself (lib/perdoc.h) on a matcher's document, for every kind of id and the escapes. The
 * expected records are written out by hand from the inputs below. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "match.h"
#include "perdoc.h"
#include "tally.h"

static char dir[64];

static char *path_of(const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    assert_non_null(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static void write_str(const char *name, const char *data)
{
    char *p = path_of(name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, strlen(data), f), strlen(data));
    assert_int_equal(fclose(f), 0);
    free(p);
}

static tally_dict *make_dict(void)
{
    tally_dict *d = tally_dict_new(TALLY_TOKENIZER_UNICODE, 0);
    tally_error err;
    assert_int_equal(tally_dict_add_term(d, "global", &err), 0);
    assert_int_equal(tally_dict_compile(d, &err), 0);
    return d;
}

/* Scans the inputs with the kept paths and returns the per-document file (caller frees), or
 * NULL with *rc set when the scan fails. */
static char *scan_docs(const tally_dict *d, const char *const *names, size_t n, int format,
                       const char *const *keep, size_t n_keep, unsigned threads, size_t batch,
                       int *rc, tally_error *err)
{
    char **paths = calloc(n, sizeof *paths);
    for (size_t i = 0; i < n; i++)
        paths[i] = path_of(names[i]);
    FILE *f = tmpfile();
    assert_non_null(f);
    tally_scan_options o;
    tally_scan_options_init(&o);
    o.format = format;
    o.keep_fields = keep;
    o.n_keep_fields = n_keep;
    o.threads = threads;
    o.batch_bytes = batch;
    o.per_doc = f;
    tally_summary *s = NULL;
    *rc = tally_scan_run(d, (const char *const *)paths, n, &o, &s, err);
    tally_summary_free(s);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    char *out = NULL;
    if (*rc == 0) {
        long len = ftell(f);
        rewind(f);
        out = malloc((size_t)len + 1);
        assert_int_equal(fread(out, 1, (size_t)len, f), (size_t)len);
        out[len] = 0;
    }
    fclose(f);
    return out;
}

static const char k_jsonl[] =
    "{\"id\":1,\"meta\":{\"date\":\"2024-01-05\",\"src\":{\"name\":\"xinhua\", \"n\" : [1, 2.50]}},\"text\":\"global\",\"n\":1.50}\n"
    "\n"
    "{bad\n"
    "{\"meta\":{\"date\":\"a\"},\"text\":\"global global\",\"meta\":{\"date\":20240106},\"n\":\"\\u00e9\\\"\xff\"}\n";

static void test_kept_fields(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    write_str("k.jsonl", k_jsonl);
    static const char *const names[] = {"k.jsonl"};
    static const char *const keep[] = {"meta.date", "meta", "n", "meta.src.name", "missing", "meta"};
    int rc;
    tally_error err;
    char *got = scan_docs(d, names, 1, TALLY_FORMAT_AUTO, keep, 6, 1, 0, &rc, &err);
    assert_int_equal(rc, 0);
    char *p = path_of("k.jsonl");
    char want[2048];
    snprintf(want, sizeof want,
             "{\"id\":1,\"input\":\"%s\",\"line\":1,\"tokens\":1,\"keywords\":{\"global\":1},\"groups\":{},"
             "\"fields\":{\"meta.date\":\"2024-01-05\",\"meta\":{\"date\":\"2024-01-05\",\"src\":{\"name\":\"xinhua\", "
             "\"n\" : [1, 2.50]}},\"n\":1.50,\"meta.src.name\":\"xinhua\",\"missing\":null}}\n"
             "{\"id\":\"%s:4\",\"input\":\"%s\",\"line\":4,\"tokens\":2,\"keywords\":{\"global\":2},\"groups\":{},"
             "\"fields\":{\"meta.date\":20240106,\"meta\":{\"date\":20240106},\"n\":\"\\u00e9\\\"\xef\xbf\xbd\","
             "\"meta.src.name\":null,\"missing\":null}}\n",
             p, p, p);
    assert_string_equal(got, want);
    free(got);

    /* without kept paths the records only gain "line" */
    got = scan_docs(d, names, 1, TALLY_FORMAT_AUTO, NULL, 0, 1, 0, &rc, &err);
    assert_int_equal(rc, 0);
    snprintf(want, sizeof want,
             "{\"id\":1,\"input\":\"%s\",\"line\":1,\"tokens\":1,\"keywords\":{\"global\":1},\"groups\":{}}\n"
             "{\"id\":\"%s:4\",\"input\":\"%s\",\"line\":4,\"tokens\":2,\"keywords\":{\"global\":2},\"groups\":{}}\n",
             p, p, p);
    assert_string_equal(got, want);
    free(got);
    free(p);
    tally_dict_free(d);
}

static void test_kept_fields_need_json(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    write_str("t.txt", "global\nglobal x\n");
    write_str("k.jsonl", k_jsonl);
    static const char *const keep[] = {"date"};
    static const char *const txt[] = {"t.txt"};
    int rc;
    tally_error err;
    char *got = scan_docs(d, txt, 1, TALLY_FORMAT_LINES, keep, 1, 1, 0, &rc, &err);
    assert_null(got);
    assert_int_equal(rc, TALLY_EINVAL);
    assert_non_null(strstr(err.message, "needs JSON input"));
    got = scan_docs(d, txt, 1, TALLY_FORMAT_AUTO, keep, 1, 1, 0, &rc, &err);
    assert_int_equal(rc, TALLY_EINVAL);

    /* some input is JSON: the text document's record holds null, and has no "line" */
    static const char *const mixed[] = {"t.txt", "k.jsonl"};
    got = scan_docs(d, mixed, 2, TALLY_FORMAT_AUTO, keep, 1, 1, 0, &rc, &err);
    assert_int_equal(rc, 0);
    char *p = path_of("t.txt");
    char want[512];
    snprintf(want, sizeof want,
             "{\"id\":\"%s\",\"input\":\"%s\",\"tokens\":3,\"keywords\":{\"global\":2},\"groups\":{},\"fields\":{\"date\":null}}\n",
             p, p);
    assert_true(strncmp(got, want, strlen(want)) == 0);
    free(p);
    free(got);
    tally_dict_free(d);
}

/* The same bytes at every thread count and batch size, lines continuing across batches. */
static void test_same_bytes(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    for (int i = 0; i < 400; i++) {
        if (i % 9 == 0)
            len += (size_t)sprintf(buf + len, "\n");
        if (i % 13 == 0)
            len += (size_t)sprintf(buf + len, "{\"text\":}\n");
        len += (size_t)sprintf(buf + len,
                               "{\"id\":%d,\"meta\":{\"date\":\"2024-%02d-%02d\",\"tags\":[%d, \"t\\u00e9\"]},"
                               "\"text\":\"global %d global\",\"src\":%s}\n",
                               i, 1 + i % 12, 1 + i % 28, i, i, i % 3 ? "\"wire\"" : "null");
    }
    buf[len] = 0;
    write_str("g.jsonl", buf);
    free(buf);
    static const char *const names[] = {"g.jsonl", "k.jsonl"};
    static const char *const keep[] = {"meta", "meta.date", "src", "id"};
    int rc;
    tally_error err;
    char *ref = scan_docs(d, names, 2, TALLY_FORMAT_AUTO, keep, 4, 1, 0, &rc, &err);
    assert_int_equal(rc, 0);
    static const unsigned threads[] = {1, 2, 4};
    static const size_t batches[] = {1, 7, 4096, 1 << 20};
    for (size_t t = 0; t < 3; t++) {
        for (size_t b = 0; b < 4; b++) {
            char *got = scan_docs(d, names, 2, TALLY_FORMAT_AUTO, keep, 4, threads[t], batches[b], &rc, &err);
            assert_int_equal(rc, 0);
            if (strcmp(got, ref) != 0)
                fail_msg("-j %u --batch-bytes %zu: records differ", threads[t], batches[b]);
            free(got);
        }
    }
    /* record 10 is the input's 10th document, on line 10 + 2 blank + 1 bad lines before it */
    const char *r = ref;
    for (int i = 0; i < 10; i++)
        r = strchr(r, '\n') + 1;
    assert_true(strncmp(r, "{\"id\":10,", 9) == 0);
    assert_non_null(strstr(r, "\"line\":14,"));
    free(ref);
    tally_dict_free(d);
}

/* The writer on its own: names that need escapes, every kind of id, kept values with CR and
 * ill-formed UTF-8, a document without kept values, and one without a line. */
static void test_writer(void **state)
{
    (void)state;
    static const char dict_text[] = "\"quoted\"\n[g\"1\\]\nglobal\ncaf\xc3\xa9\n";
    tally_dict *d = tally_dict_new(TALLY_TOKENIZER_UNICODE, 0);
    tally_error err;
    assert_int_equal(tally_dict_add_text(d, "w.dict", dict_text, strlen(dict_text), &err), 0);
    assert_int_equal(tally_dict_compile(d, &err), 0);
    tally_matcher *m = tally__matcher_new(d);
    static const char text[] = "global \"Quoted\" caf\xc3\xa9 global";
    tally__matcher_doc_begin(m);
    tally__matcher_field(m, (const uint8_t *)text, strlen(text), 0);
    tally__matcher_doc_end(m);

    static const char *const keep[] = {"a", "b.\"c"};
    tally_perdoc *p = tally__perdoc_new(d, keep, 2);
    char *in = tally__perdoc_quote("dir/x\"y\xff.jsonl");
    assert_string_equal(in, "\"dir/x\\\"y\xef\xbf\xbd.jsonl\"");
    static const char counts[] =
        "\"tokens\":4,\"keywords\":{\"\\\"quoted\\\"\":1,\"global\":2,\"caf\xc3\xa9\":1},\"groups\":{\"g\\\"1\\\\\":3}";
    static const char *const ids[] = {"12.50", "a\"\\\x01\t\xe2\x82"};
    const tally_jstr kept[2] = {{(const uint8_t *)"{\"x\":\r1}", 8}, {NULL, 0}};
    tally_buf o;
    tally__buf_init(&o);
    for (int kind = TALLY_PERDOC_ID_NONE; kind <= TALLY_PERDOC_ID_STRING; kind++) {
        for (int line = 0; line <= 7; line += 7) {
            tally_perdoc_doc doc = {0};
            doc.id_kind = kind;
            if (kind != TALLY_PERDOC_ID_NONE) {
                doc.id = (const uint8_t *)ids[kind - 1];
                doc.id_len = strlen(ids[kind - 1]);
            }
            doc.input_json = in;
            doc.line = (uint64_t)line;
            doc.tokens = tally__matcher_doc_tokens(m);
            doc.kept = line ? kept : NULL;
            tally__perdoc_write(p, &o, &doc, m);
        }
    }
    tally__buf_append(&o, "", 1);
    const char *in_id[] = {"\"dir/x\\\"y\xef\xbf\xbd.jsonl\"", "\"dir/x\\\"y\xef\xbf\xbd.jsonl:7\"", "12.50", "12.50",
                           "\"a\\\"\\\\\\u0001\\t\xef\xbf\xbd\"", "\"a\\\"\\\\\\u0001\\t\xef\xbf\xbd\""};
    char want[4096];
    size_t len = 0;
    for (int i = 0; i < 6; i++) {
        int line = i % 2 ? 7 : 0;
        len += (size_t)snprintf(want + len, sizeof want - len, "{\"id\":%s,\"input\":%s%s,%s,\"fields\":{\"a\":%s,\"b.\\\"c\":null}}\n",
                                in_id[i], in, line ? ",\"line\":7" : "", counts, line ? "{\"x\": 1}" : "null");
    }
    assert_string_equal((const char *)o.data, want);

    /* a document without matches, and a writer without kept paths */
    tally__perdoc_free(p);
    p = tally__perdoc_new(d, NULL, 0);
    tally__matcher_doc_begin(m);
    tally__matcher_field(m, (const uint8_t *)"quoted", 6, 0);
    tally__matcher_doc_end(m);
    tally__matcher_doc_begin(m);
    tally__matcher_field(m, (const uint8_t *)"none here", 9, 0);
    tally__matcher_doc_end(m);
    o.len = 0;
    tally_perdoc_doc doc = {TALLY_PERDOC_ID_RAW, (const uint8_t *)"1", 1, in, 3, tally__matcher_doc_tokens(m), NULL, NULL, 0};
    tally__perdoc_write(p, &o, &doc, m);
    tally__buf_append(&o, "", 1);
    snprintf(want, sizeof want, "{\"id\":1,\"input\":%s,\"line\":3,\"tokens\":2,\"keywords\":{},\"groups\":{}}\n", in);
    assert_string_equal((const char *)o.data, want);

    tally__buf_cleanup(&o);
    free(in);
    tally__perdoc_free(p);
    tally__perdoc_free(NULL);
    tally__matcher_free(m);
    tally_dict_free(d);
}

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/test_perdoc.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const files[] = {"k.jsonl", "t.txt", "g.jsonl"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char *p = path_of(files[i]);
        unlink(p);
        free(p);
    }
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kept_fields),
        cmocka_unit_test(test_kept_fields_need_json),
        cmocka_unit_test(test_same_bytes),
        cmocka_unit_test(test_writer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
