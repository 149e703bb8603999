/* test_scan.c — end-to-end tests of the engine through the public API (tally_scan_run) on files
 * written to a temporary folder: corpus totals, keyword and group counts worked out by hand,
 * per-document records, formats chosen by name, errors in input then line order, a missing input,
 * an empty folder, the stop flag, and the same totals and per-document output for every batch
 * size from 1 to 64 bytes and several thread counts (documents larger than a batch are cut and
 * counted in pieces). libuv fixes its pool size at the first queued work of the process, so the
 * thread counts here only change the scan's own slot count. */
#include <setjmp.h>
#include <signal.h>
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

static const char dict_text[] =
    "global\n"
    "joint building\n"
    "exchange*\n"
    "[coop]\n"
    "cooperation\n"
    "exchange*\n"
    "[share]\n"
    "sharing\n"
    "joint building\n"
    "building\n"
    "[coop]\n"
    "\xE5\x90\x88\xE4\xBD\x9C\n"; /* 合作 */

enum { K_GLOBAL, K_JOINT_BUILDING, K_EXCHANGE, K_COOPERATION, K_SHARING, K_BUILDING, K_HEZUO, N_KW };
enum { G_COOP, G_SHARE, N_GRP };

static char *path_of(const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    assert_non_null(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static void write_file(const char *name, const char *data, size_t len)
{
    char *p = path_of(name);
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
    assert_int_equal(tally_dict_add_text(d, "t.dict", dict_text, strlen(dict_text), &err), 0);
    assert_int_equal(tally_dict_compile(d, &err), 0);
    assert_int_equal(tally_dict_keyword_count(d), N_KW);
    assert_int_equal(tally_dict_group_count(d), N_GRP);
    assert_string_equal(tally_dict_keyword_name(d, K_HEZUO), "\xE5\x90\x88\xE4\xBD\x9C");
    assert_string_equal(tally_dict_group_name(d, G_SHARE), "share");
    return d;
}

/* Reads the whole of f from its start into a new string. */
static char *slurp(FILE *f)
{
    assert_int_equal(fflush(f), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    return buf;
}

static void check_kw(const tally_summary *s, size_t i, uint64_t count, uint64_t docs)
{
    uint64_t c, d;
    tally_summary_keyword(s, i, &c, &d);
    if (c != count || d != docs)
        fail_msg("keyword %zu: count %llu docs %llu, expected %llu and %llu", i, (unsigned long long)c,
                 (unsigned long long)d, (unsigned long long)count, (unsigned long long)docs);
}

static void check_grp(const tally_summary *s, size_t i, uint64_t count, uint64_t docs)
{
    uint64_t c, d;
    tally_summary_group(s, i, &c, &d);
    if (c != count || d != docs)
        fail_msg("group %zu: count %llu docs %llu, expected %llu and %llu", i, (unsigned long long)c,
                 (unsigned long long)d, (unsigned long long)count, (unsigned long long)docs);
}

/* ---- the main corpus ------------------------------------------------------------------------ */

#define C_UNITS 40
/* One unit: joint building global exchange rate 全 球 合 作 joint building = 11 tokens; units
 * follow each other with only White_Space between, so phrases also run across them. */
static const char c_unit[] = "joint building, global exchange-rate \xE5\x85\xA8\xE7\x90\x83\xE5\x90\x88\xE4\xBD\x9C joint\nbuilding ";

static void write_corpus(void)
{
    write_str("a.jsonl",
              "{\"id\":\"d1\",\"text\":\"Global cooperation and joint-building.\"}\n"
              "{\"id\":2,\"text\":\"exchanges of sharing, exchange rates\"}\n"
              "not json\n"
              "{\"id\":\"d3\",\"text\":[\"joint\",\"building global\"]}\n"
              "{\"id\":\"d4\"}\n");
    write_str("b.txt", "Joint\nbuilding of global exchange.\n\nSharing\xE2\x80\x94" "cooperation");
    size_t ul = strlen(c_unit);
    char *c = malloc(ul * C_UNITS);
    assert_non_null(c);
    for (int i = 0; i < C_UNITS; i++)
        memcpy(c + (size_t)i * ul, c_unit, ul);
    write_file("c.txt", c, ul * C_UNITS);
    free(c);
}

static char *expected_perdoc(void)
{
    char *a = path_of("a.jsonl"), *b = path_of("b.txt"), *c = path_of("c.txt");
    size_t cap = 4096;
    char *out = malloc(cap);
    assert_non_null(out);
    snprintf(out, cap,
             "{\"id\":\"d1\",\"input\":\"%s\",\"line\":1,\"tokens\":5,\"keywords\":{\"global\":1,\"joint building\":1,"
             "\"cooperation\":1,\"building\":1},\"groups\":{\"coop\":1,\"share\":1}}\n"
             "{\"id\":2,\"input\":\"%s\",\"line\":2,\"tokens\":5,\"keywords\":{\"exchange*\":2,\"sharing\":1},"
             "\"groups\":{\"coop\":2,\"share\":1}}\n"
             "{\"id\":\"d3\",\"input\":\"%s\",\"line\":4,\"tokens\":3,\"keywords\":{\"global\":1,\"building\":1},"
             "\"groups\":{\"share\":1}}\n"
             "{\"id\":\"%s\",\"input\":\"%s\",\"tokens\":7,\"keywords\":{\"global\":1,\"joint building\":1,"
             "\"exchange*\":1,\"cooperation\":1,\"sharing\":1,\"building\":1},\"groups\":{\"coop\":2,\"share\":2}}\n"
             "{\"id\":\"%s\",\"input\":\"%s\",\"tokens\":%d,\"keywords\":{\"global\":%d,\"joint building\":%d,"
             "\"exchange*\":%d,\"building\":%d,\"\xE5\x90\x88\xE4\xBD\x9C\":%d},\"groups\":{\"coop\":%d,\"share\":%d}}\n",
             a, a, a, b, b, c, c, 11 * C_UNITS, C_UNITS, 2 * C_UNITS, C_UNITS, 2 * C_UNITS, C_UNITS,
             2 * C_UNITS, 2 * C_UNITS);
    free(a);
    free(b);
    free(c);
    return out;
}

static uint64_t file_size(const char *name)
{
    char *p = path_of(name);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    free(p);
    return (uint64_t)st.st_size;
}

/* Checks a summary of inputs {missing.txt, a.jsonl, b.txt, c.txt} against the hand counts:
 *   a.jsonl: d1 "Global cooperation and joint-building." 5 tokens; d2 "exchanges of sharing,
 *            exchange rates" 5; line 3 invalid; d3 fields "joint" | "building global" 3 (no
 *            phrase across fields); line 5 has no text field.
 *   b.txt:   Joint⏎building of global exchange. Sharing—cooperation: 7 tokens.
 *   c.txt:   C_UNITS units of 11 tokens: 2 joint building, 2 building, global, exchange*, 合作;
 *            group coop 2 (exchange*, 合作), share 2 (joint building twice, building inside it). */
static void check_corpus_summary(const tally_summary *s)
{
    tally_totals t;
    tally_summary_totals(s, &t);
    assert_int_equal(t.inputs, 4);
    assert_int_equal(t.documents, 5);
    assert_int_equal(t.tokens, 5 + 5 + 3 + 7 + 11 * C_UNITS);
    assert_int_equal(t.bytes, file_size("a.jsonl") + file_size("b.txt") + file_size("c.txt"));
    assert_int_equal(t.invalid_utf8, 0);
    assert_int_equal(t.skipped_documents, 2);
    assert_int_equal(t.failed_inputs, 1);
    assert_int_equal(t.errors_omitted, 0);
    assert_int_equal(tally_summary_status(s), 3);

    check_kw(s, K_GLOBAL, 3 + C_UNITS, 4);
    check_kw(s, K_JOINT_BUILDING, 2 + 2 * C_UNITS, 3);
    check_kw(s, K_EXCHANGE, 3 + C_UNITS, 3);
    check_kw(s, K_COOPERATION, 2, 2);
    check_kw(s, K_SHARING, 2, 2);
    check_kw(s, K_BUILDING, 3 + 2 * C_UNITS, 4);
    check_kw(s, K_HEZUO, C_UNITS, 1);
    check_grp(s, G_COOP, 1 + 2 + 2 + 2 * C_UNITS, 4);
    check_grp(s, G_SHARE, 1 + 1 + 1 + 2 + 2 * C_UNITS, 5);

    /* errors by input path (byte-wise), then line: a.jsonl before missing.txt */
    assert_int_equal(tally_summary_error_count(s), 3);
    char *miss = path_of("missing.txt"), *a = path_of("a.jsonl");
    const char *input, *msg;
    uint64_t line;
    tally_summary_error(s, 0, &input, &line, &msg);
    assert_string_equal(input, a);
    assert_int_equal(line, 3);
    tally_summary_error(s, 1, &input, &line, &msg);
    assert_string_equal(input, a);
    assert_int_equal(line, 5);
    tally_summary_error(s, 2, &input, &line, &msg);
    assert_string_equal(input, miss);
    assert_int_equal(line, 0);
    assert_true(strlen(msg) > 0);
    free(miss);
    free(a);
}

static void run_corpus(const tally_dict *d, unsigned threads, size_t batch, tally_summary **out, char **perdoc)
{
    char *in[4] = {path_of("missing.txt"), path_of("a.jsonl"), path_of("b.txt"), path_of("c.txt")};
    tally_scan_options o;
    tally_scan_options_init(&o);
    o.threads = threads;
    o.batch_bytes = batch;
    FILE *pd = tmpfile();
    assert_non_null(pd);
    o.per_doc = pd;
    tally_error err;
    memset(&err, 0, sizeof err);
    int rc = tally_scan_run(d, (const char *const *)in, 4, &o, out, &err);
    if (rc)
        fail_msg("scan: %d %s", rc, err.message);
    assert_non_null(*out);
    *perdoc = slurp(pd);
    fclose(pd);
    for (int i = 0; i < 4; i++)
        free(in[i]);
}

static void test_corpus_totals(void **state)
{
    (void)state;
    write_corpus();
    tally_dict *d = make_dict();
    tally_summary *s;
    char *perdoc;
    run_corpus(d, 2, 0, &s, &perdoc);
    check_corpus_summary(s);
    char *want = expected_perdoc();
    assert_string_equal(perdoc, want);

    /* the summary JSON can be written */
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(tally_summary_write(s, f), 0);
    char *json = slurp(f);
    fclose(f);
    assert_non_null(strstr(json, "\"tally\": 2"));
    free(json);

    free(want);
    free(perdoc);
    tally_summary_free(s);
    tally_dict_free(d);
}

static void test_batch_sizes_and_threads(void **state)
{
    (void)state;
    write_corpus();
    tally_dict *d = make_dict();
    char *want = expected_perdoc();
    static const unsigned threads[] = {1, 2, 3, 4, 8};
    for (size_t bb = 1; bb <= 64; bb++) {
        for (size_t ti = 0; ti < sizeof threads / sizeof threads[0]; ti++) {
            if (bb > 8 && ti % 2 == 1 && bb % 3 != 0)
                continue; /* keep the run short: every size with 1, 3 and 8 threads */
            tally_summary *s;
            char *perdoc;
            run_corpus(d, threads[ti], bb, &s, &perdoc);
            if (strcmp(perdoc, want) != 0)
                fail_msg("batch %zu threads %u: per-document output differs:\n%s", bb, threads[ti], perdoc);
            check_corpus_summary(s);
            free(perdoc);
            tally_summary_free(s);
        }
    }
    free(want);
    tally_dict_free(d);
}

/* ---- formats -------------------------------------------------------------------------------- */

/* Scans one file and returns its totals; *s_out receives the summary when not NULL. */
static void scan_one(const tally_dict *d, const char *name, int format, size_t batch, tally_totals *t,
                     tally_summary **s_out, char **perdoc)
{
    char *p = path_of(name);
    const char *in[1] = {p};
    tally_scan_options o;
    tally_scan_options_init(&o);
    o.format = format;
    o.threads = 2;
    o.batch_bytes = batch;
    FILE *pd = perdoc ? tmpfile() : NULL;
    o.per_doc = pd;
    tally_summary *s;
    tally_error err;
    assert_int_equal(tally_scan_run(d, in, 1, &o, &s, &err), 0);
    tally_summary_totals(s, t);
    if (perdoc) {
        *perdoc = slurp(pd);
        fclose(pd);
    }
    if (s_out)
        *s_out = s;
    else
        tally_summary_free(s);
    free(p);
}

static void test_formats_by_name(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    /* {"text":"global"} is 1 token as JSON Lines and 2 (text, global) as text; a name that is
     * not conclusive (.json, .dat, none) lets the content decide */
    static const struct {
        const char *name;
        int format;
        uint64_t tokens;
    } cases[] = {
        {"e.ndjson", TALLY_FORMAT_AUTO, 1},   {"e.jsonl", TALLY_FORMAT_AUTO, 1},
        {"e.jsonl.gz", TALLY_FORMAT_AUTO, 1}, {"e.ndjson.zst", TALLY_FORMAT_AUTO, 1},
        {"e.json", TALLY_FORMAT_AUTO, 1},     {"e.txt", TALLY_FORMAT_AUTO, 2},
        {"e.dat", TALLY_FORMAT_AUTO, 1},      {"e", TALLY_FORMAT_AUTO, 1},
        {"e.json.gz", TALLY_FORMAT_AUTO, 1},  {"e.txt.zst", TALLY_FORMAT_AUTO, 2},
        {"e.jsonl.txt", TALLY_FORMAT_AUTO, 2}, {"e.txt", TALLY_FORMAT_JSONL, 1},
        {"e.jsonl", TALLY_FORMAT_TEXT, 2},    {"e.jsonl", TALLY_FORMAT_LINES, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_str(cases[i].name, "{\"text\":\"global\"}\n");
        tally_totals t;
        tally_summary *s;
        scan_one(d, cases[i].name, cases[i].format, 0, &t, &s, NULL);
        if (t.tokens != cases[i].tokens)
            fail_msg("%s format %d: %llu tokens, expected %llu", cases[i].name, cases[i].format,
                     (unsigned long long)t.tokens, (unsigned long long)cases[i].tokens);
        assert_int_equal(t.documents, 1);
        check_kw(s, K_GLOBAL, 1, 1);
        tally_summary_free(s);
    }

    /* a BOM at the start of an input is ignored; invalid UTF-8 is counted, the document kept */
    write_str("bom.jsonl", "\xEF\xBB\xBF{\"text\":\"global\"}\n");
    tally_totals t;
    scan_one(d, "bom.jsonl", TALLY_FORMAT_AUTO, 0, &t, NULL, NULL);
    assert_int_equal(t.documents, 1);
    assert_int_equal(t.skipped_documents, 0);
    assert_int_equal(t.tokens, 1);
    write_str("inv.txt", "\xEF\xBB\xBFglo\xFF" "bal \xC3 global");
    tally_summary *s;
    scan_one(d, "inv.txt", TALLY_FORMAT_AUTO, 0, &t, &s, NULL);
    assert_int_equal(t.documents, 1);
    assert_int_equal(t.invalid_utf8, 2);
    assert_int_equal(t.tokens, 3); /* glo, bal, global */
    check_kw(s, K_GLOBAL, 1, 1);
    tally_summary_free(s);
    tally_dict_free(d);
}

static void test_lines_format(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    write_str("l.txt", "global joint\nbuilding\n\nexchange\r\n");
    char *p = path_of("l.txt");
    char want[2048];
    snprintf(want, sizeof want,
             "{\"id\":\"%s:1\",\"input\":\"%s\",\"line\":1,\"tokens\":2,\"keywords\":{\"global\":1},\"groups\":{}}\n"
             "{\"id\":\"%s:2\",\"input\":\"%s\",\"line\":2,\"tokens\":1,\"keywords\":{\"building\":1},\"groups\":{\"share\":1}}\n"
             "{\"id\":\"%s:3\",\"input\":\"%s\",\"line\":3,\"tokens\":0,\"keywords\":{},\"groups\":{}}\n"
             "{\"id\":\"%s:4\",\"input\":\"%s\",\"line\":4,\"tokens\":1,\"keywords\":{\"exchange*\":1},\"groups\":{\"coop\":1}}\n",
             p, p, p, p, p, p, p, p);
    for (size_t bb = 1; bb <= 40; bb++) {
        tally_totals t;
        tally_summary *s;
        char *perdoc;
        scan_one(d, "l.txt", TALLY_FORMAT_LINES, bb, &t, &s, &perdoc);
        assert_int_equal(t.documents, 4);
        assert_int_equal(t.tokens, 4);
        check_kw(s, K_GLOBAL, 1, 1);
        check_kw(s, K_JOINT_BUILDING, 0, 0);
        check_kw(s, K_BUILDING, 1, 1);
        check_kw(s, K_EXCHANGE, 1, 1);
        check_grp(s, G_SHARE, 1, 1);
        check_grp(s, G_COOP, 1, 1);
        if (strcmp(perdoc, want) != 0)
            fail_msg("batch %zu:\n%s", bb, perdoc);
        free(perdoc);
        tally_summary_free(s);
    }
    free(p);
    tally_dict_free(d);
}

/* ---- edges ---------------------------------------------------------------------------------- */

static void test_missing_and_empty(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    char *empty = path_of("emptydir");
    assert_int_equal(mkdir(empty, 0700), 0);
    const char *in[1] = {empty};
    tally_summary *s;
    tally_error err;
    assert_int_equal(tally_scan_run(d, in, 1, NULL, &s, &err), 0);
    tally_totals t;
    tally_summary_totals(s, &t);
    assert_int_equal(t.inputs, 0);
    assert_int_equal(t.documents, 0);
    assert_int_equal(t.tokens, 0);
    assert_int_equal(t.failed_inputs, 0);
    /* nothing found is not success: an error names the folder */
    assert_int_equal(tally_summary_error_count(s), 1);
    assert_int_equal(tally_summary_status(s), 3);
    {
        const char *ein, *emsg;
        uint64_t eline;
        tally_summary_error(s, 0, &ein, &eline, &emsg);
        assert_string_equal(ein, empty);
        assert_int_equal(eline, 0);
        assert_non_null(strstr(emsg, "no input files"));
    }
    check_kw(s, K_GLOBAL, 0, 0);
    tally_summary_free(s);

    /* no inputs at all */
    assert_int_equal(tally_scan_run(d, in, 0, NULL, &s, &err), 0);
    tally_summary_totals(s, &t);
    assert_int_equal(t.inputs, 0);
    assert_int_equal(tally_summary_status(s), 0);
    tally_summary_free(s);

    /* a missing path: an input, a failed one, an error with line 0 */
    char *miss = path_of("nope/none.jsonl");
    in[0] = miss;
    assert_int_equal(tally_scan_run(d, in, 1, NULL, &s, &err), 0);
    tally_summary_totals(s, &t);
    assert_int_equal(t.inputs, 1);
    assert_int_equal(t.failed_inputs, 1);
    assert_int_equal(t.documents, 0);
    /* not one input could be read: a failure, not "some lines skipped" */
    assert_int_equal(tally_summary_status(s), 1);
    assert_int_equal(tally_summary_error_count(s), 1);
    const char *input, *msg;
    uint64_t line;
    tally_summary_error(s, 0, &input, &line, &msg);
    assert_string_equal(input, miss);
    assert_int_equal(line, 0);
    tally_summary_free(s);

    /* an empty text file is one document of 0 tokens */
    write_str("empty.txt", "");
    tally_summary *s2;
    scan_one(d, "empty.txt", TALLY_FORMAT_AUTO, 0, &t, &s2, NULL);
    assert_int_equal(t.documents, 1);
    assert_int_equal(t.tokens, 0);
    assert_int_equal(tally_summary_status(s2), 0);
    tally_summary_free(s2);

    rmdir(empty);
    free(empty);
    free(miss);
    tally_dict_free(d);
}

static void test_errors_in_order(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    /* many invalid lines in two inputs, with a tiny batch so they are found by many batches */
    char buf[8192];
    size_t o = 0;
    for (int i = 1; i <= 60; i++)
        if (i % 3 == 0)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "{\"text\":\"global\"}\n");
        else
            o += (size_t)snprintf(buf + o, sizeof buf - o, "{bad %d}\n", i);
    write_file("x1.jsonl", buf, o);
    write_file("x2.jsonl", buf, o);
    char *p1 = path_of("x1.jsonl"), *p2 = path_of("x2.jsonl"), *pm = path_of("gone.jsonl");
    const char *in[3] = {p2, pm, p1};
    for (unsigned th = 1; th <= 4; th += 3) {
        tally_scan_options opt;
        tally_scan_options_init(&opt);
        opt.threads = th;
        opt.batch_bytes = 7;
        tally_summary *s;
        tally_error err;
        assert_int_equal(tally_scan_run(d, in, 3, &opt, &s, &err), 0);
        tally_totals t;
        tally_summary_totals(s, &t);
        assert_int_equal(t.documents, 40);
        assert_int_equal(t.skipped_documents, 80);
        check_kw(s, K_GLOBAL, 40, 40);
        assert_int_equal(tally_summary_error_count(s), 81);
        /* by path, whatever the order on the command line: gone, x1, x2 */
        const char *by_path[3] = {pm, p1, p2};
        size_t k = 0;
        for (int inp = 0; inp < 3; inp++) {
            for (int i = 1; i <= 60; i++) {
                if (inp == 0 && i > 1)
                    break;
                if (inp != 0 && i % 3 == 0)
                    continue;
                const char *input, *msg;
                uint64_t line;
                tally_summary_error(s, k, &input, &line, &msg);
                assert_string_equal(input, by_path[inp]);
                assert_int_equal(line, inp == 0 ? 0 : (uint64_t)i);
                k++;
            }
        }
        tally_summary_free(s);
    }
    free(p1);
    free(p2);
    free(pm);
    tally_dict_free(d);
}

static void test_no_text_field(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    write_str("nt.jsonl", "{\"body\":\"global\",\"id\":1}\n{\"title\":\"global\"}\n");
    tally_totals t;
    tally_summary *s;
    scan_one(d, "nt.jsonl", TALLY_FORMAT_AUTO, 0, &t, &s, NULL);
    assert_int_equal(t.documents, 0);
    assert_int_equal(t.skipped_documents, 2);
    assert_int_equal(tally_summary_status(s), 3);
    /* the one about the whole run (input "") naming the field and the fields seen, sorted,
     * then one per line */
    assert_int_equal(tally_summary_error_count(s), 3);
    const char *input, *msg;
    uint64_t line;
    tally_summary_error(s, 0, &input, &line, &msg);
    assert_string_equal(input, "");
    assert_int_equal(line, 0);
    assert_non_null(strstr(msg, "'text'; fields seen: body, id, title"));
    tally_summary_error(s, 1, &input, &line, &msg);
    assert_int_equal(line, 1);
    tally_summary_error(s, 2, &input, &line, &msg);
    assert_int_equal(line, 2);
    tally_summary_free(s);
    tally_dict_free(d);
}

static void test_stop_flag(void **state)
{
    (void)state;
    write_corpus();
    tally_dict *d = make_dict();
    char *p = path_of("c.txt");
    const char *in[1] = {p};
    static volatile sig_atomic_t stop = 1;
    tally_scan_options o;
    tally_scan_options_init(&o);
    o.stop = &stop;
    tally_summary *s = (tally_summary *)1;
    tally_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(tally_scan_run(d, in, 1, &o, &s, &err), TALLY_EINTR);
    assert_null(s);
    assert_int_equal(err.code, TALLY_EINTR);
    free(p);

    /* a dictionary that was not compiled */
    tally_dict *raw = tally_dict_new(TALLY_TOKENIZER_UNICODE, 0);
    assert_int_equal(tally_scan_run(raw, in, 0, NULL, &s, &err), TALLY_EINVAL);
    assert_null(s);
    tally_dict_free(raw);
    tally_dict_free(d);
}

static int group_setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/test_scan.XXXXXX");
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
        cmocka_unit_test(test_corpus_totals),
        cmocka_unit_test(test_batch_sizes_and_threads),
        cmocka_unit_test(test_formats_by_name),
        cmocka_unit_test(test_lines_format),
        cmocka_unit_test(test_missing_and_empty),
        cmocka_unit_test(test_errors_in_order),
        cmocka_unit_test(test_no_text_field),
        cmocka_unit_test(test_stop_flag),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
