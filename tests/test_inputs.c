/* test_inputs.c — what a scan reads, through the public API: folder walks with globs, the
 * run's own outputs left out, binary files left out of walks (and only of walks), the format
 * settled by content when the name is not conclusive, every decompressed byte counted (a byte
 * order mark too), the JSON line limit enforced exactly whatever the batch size, and the
 * status of a run that could read nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tally.h"

static char dir[64];

static char *path_of(const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    assert_non_null(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

/* Writes name (folders made as needed) with len bytes of data. */
static void write_file(const char *name, const void *data, size_t len)
{
    char *p = path_of(name);
    for (char *q = p + strlen(dir) + 1; (q = strchr(q, '/')) != NULL; q++) {
        *q = '\0';
        mkdir(p, 0700);
        *q = '/';
    }
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    free(p);
}

static void write_str(const char *name, const char *data)
{
    write_file(name, data, strlen(data));
}

static tally_dict *make_dict(void)
{
    tally_dict *d = tally_dict_new(TALLY_TOKENIZER_UNICODE, 0);
    tally_error err;
    assert_int_equal(tally_dict_add_term(d, "global", &err), 0);
    assert_int_equal(tally_dict_add_term(d, "text", &err), 0);
    assert_int_equal(tally_dict_compile(d, &err), 0);
    return d;
}

static tally_summary *scan(const tally_dict *d, const char *const *names, size_t n, const tally_scan_options *o0)
{
    char **paths = calloc(n ? n : 1, sizeof *paths);
    for (size_t i = 0; i < n; i++)
        paths[i] = path_of(names[i]);
    tally_scan_options o;
    if (o0)
        o = *o0;
    else
        tally_scan_options_init(&o);
    if (!o.threads)
        o.threads = 2;
    tally_summary *s = NULL;
    tally_error err;
    int rc = tally_scan_run(d, (const char *const *)paths, n, &o, &s, &err);
    if (rc)
        fail_msg("scan: %s", err.message);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return s;
}

static uint64_t kw(const tally_summary *s, size_t i)
{
    uint64_t c, docs;
    tally_summary_keyword(s, i, &c, &docs);
    return c;
}

/* The names of the inputs a walk yielded, as the errors and per-document records would show
 * them: collected from a per-document output of text documents (id = input name). */
static char *walked_names(const tally_dict *d, const char *folder, const char *const *globs, size_t n_globs,
                          const char *const *exclude, size_t n_exclude)
{
    tally_scan_options o;
    tally_scan_options_init(&o);
    o.format = TALLY_FORMAT_TEXT;
    o.globs = globs;
    o.n_globs = n_globs;
    o.exclude = exclude;
    o.n_exclude = n_exclude;
    o.binary = 1;
    FILE *pd = tmpfile();
    o.per_doc = pd;
    const char *in[1] = {folder};
    tally_summary *s = scan(d, in, 1, &o);
    tally_summary_free(s);
    long len = ftell(pd);
    rewind(pd);
    char *buf = calloc(1, (size_t)len + 1);
    assert_int_equal(fread(buf, 1, (size_t)len, pd), (size_t)len);
    fclose(pd);
    /* keep only the "input" values, relative to the test folder, one a line */
    char *out = calloc(1, (size_t)len + 1);
    size_t dl = strlen(dir) + 1;
    for (char *p = buf; (p = strstr(p, "\"input\":\"")) != NULL;) {
        p += 9;
        char *e = strchr(p, '"');
        strncat(out, p + dl, (size_t)(e - p) - dl);
        strcat(out, "\n");
        p = e;
    }
    free(buf);
    return out;
}

static void test_globs(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    write_str("g/a.json", "global");
    write_str("g/b.jsonl", "global");
    write_str("g/sub/c.json", "global");
    write_str("g/sub/deep/d.txt", "global");
    write_str("g/old/e.json", "global");
    write_str("g/.hidden.json", "global");
    char *g = path_of("g");
    static const struct {
        const char *globs[3];
        size_t n;
        const char *want;
    } cases[] = {
        {{NULL}, 0, "g/a.json\ng/b.jsonl\ng/old/e.json\ng/sub/c.json\ng/sub/deep/d.txt\n"},
        {{"*.json"}, 1, "g/a.json\ng/old/e.json\ng/sub/c.json\n"},
        {{"*.json", "!old/**"}, 2, "g/a.json\ng/sub/c.json\n"},
        {{"!old"}, 1, "g/a.json\ng/b.jsonl\ng/sub/c.json\ng/sub/deep/d.txt\n"},
        {{"sub/**"}, 1, "g/sub/c.json\ng/sub/deep/d.txt\n"},
        {{"**/deep/*"}, 1, "g/sub/deep/d.txt\n"},
        /* later globs win; with one that includes, a file must match an include */
        {{"!*.json", "c.json"}, 2, "g/sub/c.json\n"},
        {{"*", "!*.json", "c.json"}, 3, "g/b.jsonl\ng/sub/c.json\ng/sub/deep/d.txt\n"},
        {{"c.json", "!*.json"}, 2, ""},
        {{"/a.json"}, 1, "g/a.json\n"},
        {{"*.csv"}, 1, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = walked_names(d, "g", cases[i].globs, cases[i].n, NULL, 0);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu: walked\n%sexpected\n%s", i, got, cases[i].want);
        free(got);
    }
    /* a glob matching nothing: no input, an error naming the folder */
    const char *none[1] = {"*.csv"};
    tally_scan_options o;
    tally_scan_options_init(&o);
    o.globs = none;
    o.n_globs = 1;
    const char *in[1] = {"g"};
    tally_summary *s = scan(d, in, 1, &o);
    assert_int_equal(tally_summary_error_count(s), 1);
    assert_int_equal(tally_summary_status(s), 3);
    tally_summary_free(s);
    /* a bad glob is refused before anything is read */
    const char *bad[1] = {"[abc"};
    o.globs = bad;
    tally_error err;
    s = NULL;
    assert_int_equal(tally_scan_run(d, (const char *const *)&g, 1, &o, &s, &err), TALLY_EINVAL);
    assert_null(s);
    assert_non_null(strstr(err.message, "unclosed"));
    /* a file named as an argument is read whatever the globs say */
    o.globs = none;
    const char *file[1] = {"g/a.json"};
    s = scan(d, file, 1, &o);
    assert_int_equal(kw(s, 0), 1);
    tally_summary_free(s);
    free(g);
    tally_dict_free(d);
}

static void test_exclude_outputs(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    write_str("x/in.txt", "global");
    write_str("x/summary.json", "{\"tally\": 1}");
    write_str("x/docs.jsonl", "{\"id\":1}\n");
    char *x = path_of("x"), *o1 = path_of("x/summary.json"), *o2 = path_of("x/docs.jsonl");
    /* through another spelling of the folder: the same file by device and inode */
    char *o3 = path_of("x/../x/docs.jsonl");
    const char *ex[2] = {o1, o3};
    char *got = walked_names(d, "x", NULL, 0, ex, 2);
    assert_string_equal(got, "x/in.txt\n");
    free(got);
    /* an output that does not exist yet leaves everything in */
    const char *ex2[1] = {"/nonexistent/out.json"};
    got = walked_names(d, "x", NULL, 0, ex2, 1);
    assert_string_equal(got, "x/docs.jsonl\nx/in.txt\nx/summary.json\n");
    free(got);
    free(x);
    free(o1);
    free(o2);
    free(o3);
    tally_dict_free(d);
}

static void test_binary_in_walks(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    static char big[70000];
    memset(big, ' ', sizeof big);
    memcpy(big, "global", 6);
    big[sizeof big - 1] = '\0'; /* a NUL past the first 64 KiB: read as text */
    write_file("b/late-nul.txt", big, sizeof big);
    write_file("b/report.pdf", "%PDF-1.4\n\0\0global", 18);
    write_file("b/pic.png", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
    write_str("b/ok.txt", "global global");
    /* a NUL in JSON Lines is a bad line; the lines around it are counted */
    static const char news[] = "{\"text\":\"global\"}\n{\"text\":\"\0\"}\n{\"text\":\"global\"}\n";
    write_file("b/news.jsonl", news, sizeof news - 1);
    const char *in[1] = {"b"};
    tally_summary *s = scan(d, in, 1, NULL);
    tally_totals t;
    tally_summary_totals(s, &t);
    assert_int_equal(t.inputs, 5);
    assert_int_equal(t.skipped_inputs, 2);
    assert_int_equal(t.documents, 2 + 2);
    assert_int_equal(kw(s, 0), 1 + 2 + 2);
    assert_int_equal(t.skipped_documents, 1);
    assert_int_equal(tally_summary_warning_count(s), 2);
    const char *win, *wmsg;
    uint64_t wline;
    tally_summary_warning(s, 0, &win, &wline, &wmsg);
    assert_non_null(strstr(win, "b/pic.png"));
    assert_non_null(strstr(wmsg, "binary"));
    tally_summary_warning(s, 1, &win, &wline, &wmsg);
    assert_non_null(strstr(win, "b/report.pdf"));
    assert_non_null(strstr(wmsg, "at byte 9"));
    /* the bytes of a left-out file are not in the corpus */
    assert_int_equal(t.bytes, sizeof big + 13 + sizeof news - 1);
    tally_summary_free(s);

    /* binary = 1 reads them all */
    tally_scan_options o;
    tally_scan_options_init(&o);
    o.binary = 1;
    s = scan(d, in, 1, &o);
    tally_summary_totals(s, &t);
    assert_int_equal(t.skipped_inputs, 0);
    assert_int_equal(kw(s, 0), 1 + 2 + 2 + 1);
    tally_summary_free(s);

    /* a file named as an argument is read even when binary, in every format */
    const char *named[1] = {"b/report.pdf"};
    s = scan(d, named, 1, NULL);
    tally_summary_totals(s, &t);
    assert_int_equal(t.skipped_inputs, 0);
    assert_int_equal(kw(s, 0), 1);
    tally_summary_free(s);
    /* the lines format is checked as text is (the JSON Lines file too, read as lines) */
    o.binary = 0;
    o.format = TALLY_FORMAT_LINES;
    s = scan(d, in, 1, &o);
    tally_summary_totals(s, &t);
    assert_int_equal(t.skipped_inputs, 3);
    tally_summary_free(s);
    /* so is a file whose content the walk had to look at to choose its format */
    write_file("c/dump", "\0\0\0global", 9);
    write_file("c/dump.json", "{\"text\":\"global\"}\n", 18);
    const char *c[1] = {"c"};
    s = scan(d, c, 1, NULL);
    tally_summary_totals(s, &t);
    assert_int_equal(t.skipped_inputs, 1);
    assert_int_equal(kw(s, 0), 1);
    tally_summary_free(s);
    tally_dict_free(d);
}

/* A name that is not conclusive: the first non-blank byte decides. */
static void test_sniffing(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    static const struct {
        const char *name, *content;
        uint64_t docs, global, text;
    } cases[] = {
        {"s1.json", "{\"text\":\"global\"}\n{\"text\":\"global\"}\n", 2, 2, 0},
        {"s2.json", "\n \r\n\t{\"text\":\"global\"}\n", 1, 1, 0},
        {"s3.dat", "text: global", 1, 1, 1},
        {"s4", "{\"text\":\"global\"}", 1, 1, 0},
        {"s5.jsonl", "text global", 0, 0, 0}, /* the name is conclusive: an invalid line */
        {"s6.txt", "{\"text\":\"global\"}", 1, 1, 1},
        {"s7.json", "", 1, 0, 0},
        {"s8.json", "   \n", 1, 0, 0},
        {"s9.json", "[not json] global", 1, 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_str(cases[i].name, cases[i].content);
        for (size_t batch = 1; batch <= 8; batch *= 2) {
            const char *in[1] = {cases[i].name};
            tally_scan_options o;
            tally_scan_options_init(&o);
            o.batch_bytes = batch;
            tally_summary *s = scan(d, in, 1, &o);
            tally_totals t;
            tally_summary_totals(s, &t);
            if (t.documents != cases[i].docs || kw(s, 0) != cases[i].global || kw(s, 1) != cases[i].text)
                fail_msg("%s batch %zu: %llu documents, global %llu, text %llu", cases[i].name, batch,
                         (unsigned long long)t.documents, (unsigned long long)kw(s, 0),
                         (unsigned long long)kw(s, 1));
            tally_summary_free(s);
        }
    }
    tally_dict_free(d);
}

/* corpus.bytes is every decompressed byte, a byte order mark included */
static void test_bom_bytes(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    static const char *const content[3] = {"\xEF\xBB\xBFglobal text", "\xEF\xBB\xBF{\"text\":\"global\"}\n", "global text"};
    write_str("bom.txt", content[0]);
    write_str("bom.jsonl", content[1]);
    write_str("nobom.txt", content[2]);
    const uint64_t total = strlen(content[0]) + strlen(content[1]) + strlen(content[2]);
    const char *in[3] = {"bom.txt", "bom.jsonl", "nobom.txt"};
    for (size_t batch = 1; batch <= 1024; batch *= 4) {
        tally_scan_options o;
        tally_scan_options_init(&o);
        o.batch_bytes = batch;
        tally_summary *s = scan(d, in, 3, &o);
        tally_totals t;
        tally_summary_totals(s, &t);
        assert_int_equal(t.bytes, total);
        assert_int_equal(kw(s, 0), 3);
        assert_int_equal(kw(s, 1), 2);
        tally_summary_free(s);
    }
    tally_dict_free(d);
}

/* A JSON line longer than max_line_bytes is skipped, one of exactly that length is kept, for
 * every batch size: below, at and above the limit. */
static void test_max_line_exact(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    const size_t limit = 100;
    /* lines of limit-1, limit, limit+1 and 3*limit bytes (without the newline), and short ones */
    char *buf = malloc(8 * limit);
    size_t n = 0;
    size_t lens[] = {limit - 1, limit, limit + 1, 3 * limit, 20};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        const char *head = "{\"text\":\"global";
        size_t hl = strlen(head);
        memcpy(buf + n, head, hl);
        memset(buf + n + hl, ' ', lens[k] - hl - 2);
        memcpy(buf + n + lens[k] - 2, "\"}", 2);
        n += lens[k];
        buf[n++] = '\n';
    }
    write_file("long.jsonl", buf, n);
    free(buf);
    const char *in[1] = {"long.jsonl"};
    size_t batches[] = {1, 7, 64, 99, 100, 101, 150, 299, 300, 301, 4096, 1 << 20};
    for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++) {
        tally_scan_options o;
        tally_scan_options_init(&o);
        o.batch_bytes = batches[i];
        o.max_line_bytes = limit;
        tally_summary *s = scan(d, in, 1, &o);
        tally_totals t;
        tally_summary_totals(s, &t);
        if (t.documents != 3 || t.skipped_documents != 2 || kw(s, 0) != 3)
            fail_msg("batch %zu: %llu documents, %llu skipped", batches[i], (unsigned long long)t.documents,
                     (unsigned long long)t.skipped_documents);
        assert_int_equal(tally_summary_error_count(s), 2);
        const char *ein, *emsg;
        uint64_t l3, l4;
        tally_summary_error(s, 0, &ein, &l3, &emsg);
        assert_non_null(strstr(emsg, "longer than the limit of 100 bytes"));
        tally_summary_error(s, 1, &ein, &l4, &emsg);
        assert_int_equal(l3, 3);
        assert_int_equal(l4, 4);
        tally_summary_free(s);
    }
    tally_dict_free(d);
}

static void test_nothing_read(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    const char *missing[2] = {"nope1.txt", "nope2.jsonl"};
    tally_summary *s = scan(d, missing, 2, NULL);
    assert_int_equal(tally_summary_status(s), 1);
    tally_summary_free(s);
    /* one readable input among them: a partial run */
    write_str("here.txt", "global");
    const char *some[2] = {"nope1.txt", "here.txt"};
    s = scan(d, some, 2, NULL);
    assert_int_equal(tally_summary_status(s), 3);
    tally_summary_free(s);
    /* a folder of hidden files only: no input, an error naming it */
    write_str("hid/.a.txt", "global");
    const char *hid[1] = {"hid/"};
    s = scan(d, hid, 1, NULL);
    assert_int_equal(tally_summary_status(s), 3);
    const char *ein, *emsg;
    uint64_t line;
    tally_summary_error(s, 0, &ein, &line, &emsg);
    char *want = path_of("hid");
    assert_string_equal(ein, want);
    free(want);
    tally_summary_free(s);
    tally_dict_free(d);
}

/* A JSON array of objects counts as the same documents written as JSON Lines, pretty or
 * compact, for every batch size; elements longer than the limit are skipped while streaming. */
static void test_json_array(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    enum { N = 40 };
    size_t cap = 64 * 1024;
    char *jl = calloc(1, cap), *pretty = calloc(1, cap), *compact = calloc(1, cap);
    strcpy(pretty, "[\n");
    strcpy(compact, " \r\n[");
    for (int i = 0; i < N; i++) {
        char doc[512], pad[300];
        memset(pad, 'x', sizeof pad);
        pad[(i * 37) % 290] = '\0'; /* elements from 0 to 290 bytes of padding */
        snprintf(doc, sizeof doc, "{\"id\":%d,\"text\":\"global %s%s\",\"n\":[1,{\"a\":\"]}\\\"\"}]}", i,
                 i % 3 ? "text " : "", pad);
        strcat(jl, doc);
        strcat(jl, "\n");
        strcat(pretty, i ? ",\n  " : "  ");
        strcat(pretty, doc);
        strcat(compact, i ? "," : "");
        strcat(compact, doc);
    }
    strcat(pretty, "\n]\n");
    strcat(compact, "]");
    write_str("arr.jsonl", jl);
    write_str("arr-pretty.json", pretty);
    write_str("arr-compact", compact);
    const char *names[3] = {"arr.jsonl", "arr-pretty.json", "arr-compact"};
    size_t limits[] = {0, 200, 250};
    for (size_t li = 0; li < sizeof limits / sizeof limits[0]; li++) {
        for (size_t batch = 1; batch <= 4096; batch = batch < 64 ? batch + 7 : batch * 4) {
            uint64_t want_docs = 0, want_g = 0, want_t = 0, want_skipped = 0;
            for (int k = 0; k < 3; k++) {
                const char *in[1] = {names[k]};
                tally_scan_options o;
                tally_scan_options_init(&o);
                o.batch_bytes = batch;
                o.max_line_bytes = limits[li];
                tally_summary *s = scan(d, in, 1, &o);
                tally_totals t;
                tally_summary_totals(s, &t);
                if (k == 0) {
                    want_docs = t.documents, want_g = kw(s, 0), want_t = kw(s, 1);
                    want_skipped = t.skipped_documents;
                    assert_int_equal(want_docs + want_skipped, N);
                    assert_true(limits[li] == 0 ? want_skipped == 0 : want_skipped > 0);
                } else if (t.documents != want_docs || kw(s, 0) != want_g || kw(s, 1) != want_t ||
                           t.skipped_documents != want_skipped) {
                    fail_msg("%s batch %zu limit %zu: %llu docs (want %llu), %llu skipped (want %llu)", names[k],
                             batch, limits[li], (unsigned long long)t.documents, (unsigned long long)want_docs,
                             (unsigned long long)t.skipped_documents, (unsigned long long)want_skipped);
                }
                assert_int_equal(tally_summary_error_count(s), want_skipped);
                tally_summary_free(s);
            }
        }
    }
    free(jl);
    free(pretty);
    free(compact);

    /* errors name the element's line and byte offset; the elements around them are counted */
    write_str("arr-bad.json", "[{\"text\":\"global\"},\n {\"text\":glob},\n 5,, {\"x\":1},\n{\"text\":\"global\"}]\n");
    const char *in[1] = {"arr-bad.json"};
    tally_summary *s = scan(d, in, 1, NULL);
    tally_totals t;
    tally_summary_totals(s, &t);
    assert_int_equal(t.documents, 2);
    assert_int_equal(kw(s, 0), 2);
    assert_int_equal(t.skipped_documents, 3);
    assert_int_equal(tally_summary_error_count(s), 4);
    const char *ein, *emsg;
    uint64_t line;
    tally_summary_error(s, 0, &ein, &line, &emsg);
    assert_int_equal(line, 2);
    assert_non_null(strstr(emsg, "invalid JSON at byte 29"));
    assert_non_null(strstr(emsg, "array element at byte 21"));
    tally_summary_free(s);
    /* an empty array is no document; a truncated one keeps its complete elements */
    write_str("arr-empty.json", "[ ]");
    write_str("arr-cut.json", "[{\"text\":\"global\"}, {\"text\":\"glo");
    const char *in2[2] = {"arr-empty.json", "arr-cut.json"};
    s = scan(d, in2, 2, NULL);
    tally_summary_totals(s, &t);
    assert_int_equal(t.documents, 1);
    assert_int_equal(tally_summary_error_count(s), 1);
    tally_summary_error(s, 0, &ein, &line, &emsg);
    assert_non_null(strstr(ein, "arr-cut.json"));
    tally_summary_free(s);
    /* forced: a file that is not an array is an error, not text */
    write_str("notarr.txt", "global");
    const char *in3[1] = {"notarr.txt"};
    tally_scan_options o;
    tally_scan_options_init(&o);
    o.format = TALLY_FORMAT_JSON;
    s = scan(d, in3, 1, &o);
    tally_summary_totals(s, &t);
    assert_int_equal(t.documents, 0);
    assert_int_equal(tally_summary_status(s), 3);
    tally_summary_free(s);
    tally_dict_free(d);
}

static int group_setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/test_inputs.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_globs),
        cmocka_unit_test(test_exclude_outputs),
        cmocka_unit_test(test_binary_in_walks),
        cmocka_unit_test(test_sniffing),
        cmocka_unit_test(test_bom_bytes),
        cmocka_unit_test(test_max_line_exact),
        cmocka_unit_test(test_nothing_read),
        cmocka_unit_test(test_json_array),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
