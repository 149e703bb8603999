/* test_summary.c — the summary as a value (lib/summary.c, summary_read.c, summary_write.c)
 * through the public API: a written summary reads back to the same bytes; adding the summaries
 * of the parts of a corpus gives the summary of the whole, byte for byte (but "run"), for many
 * random partitions of a multi-file corpus with bad inputs in it, merged in random orders and
 * groupings, in every format; and what cannot be added or read is refused with a reason. */
#include <pthread.h>
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
#include <zstd.h>

#include "tally.h"

static char dir[64];

static char *path_of(const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    assert_non_null(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static void write_file(const char *name, const void *data, size_t len)
{
    char *p = path_of(name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    free(p);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const char dict_text[] = "global\ninternational\njoint build*\n[coop]\ncooperation\nexchange*\n"
                                "[share]\nsharing\njoint building\nexchange*\n";

static tally_dict *make_dict(void)
{
    tally_dict *d = tally_dict_new(TALLY_TOKENIZER_UNICODE, 0);
    tally_error err;
    assert_int_equal(tally_dict_add_text(d, "t.dict", dict_text, strlen(dict_text), &err), 0);
    assert_int_equal(tally_dict_compile(d, &err), 0);
    return d;
}

/* The summary's JSON, without the "run" line (the only part that may differ). */
static char *json_of(const tally_summary *s)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(tally_summary_write(s, f), 0);
    long n = ftell(f);
    rewind(f);
    char *buf = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    char *run = strstr(buf, "\n  \"run\": ");
    assert_non_null(run);
    *run = '\0';
    return buf;
}

/* Writes s and reads it back. */
static tally_summary *round_trip(const tally_summary *s)
{
    FILE *f = tmpfile();
    assert_int_equal(tally_summary_write(s, f), 0);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    tally_summary *r = NULL;
    tally_error err;
    int rc = tally_summary_read_buffer(buf, (size_t)n, &r, &err);
    if (rc)
        fail_msg("read back: %s", err.message);
    free(buf);
    return r;
}

enum { N_GEN = 12, N_FILES = N_GEN + 5 };
static char *names[N_FILES + 1];

/* Documents with the dictionary's words, some bad lines, and inputs of every kind: JSON Lines,
 * a JSON array, text, a missing file, a file without the text field, an empty one. */
static void write_corpus(void)
{
    static const char *const words[] = {"global", "international", "joint", "building", "builders",
                                        "cooperation", "exchange", "exchanges", "sharing", "the", "of", "-"};
    for (int f = 0; f < N_GEN; f++) {
        char name[32];
        int kind = f % 6;
        snprintf(name, sizeof name, "%c%02d.%s", 'a' + rnd(26), f, kind == 3 ? "txt" : kind == 4 ? "json" : "jsonl");
        names[f] = strdup(name);
        char *buf = malloc(1 << 16);
        size_t n = 0;
        if (kind == 4)
            n += (size_t)sprintf(buf + n, "[\n");
        int docs = 1 + (int)rnd(30);
        for (int i = 0; i < docs; i++) {
            char text[512];
            size_t tn = 0;
            int nw = (int)rnd(40);
            for (int w = 0; w < nw; w++)
                tn += (size_t)sprintf(text + tn, "%s%s", w ? " " : "", words[rnd(sizeof words / sizeof words[0])]);
            text[tn] = '\0';
            if (kind == 3) {
                n += (size_t)sprintf(buf + n, "%s\n", text);
            } else if (kind == 5 && i % 2) {
                n += (size_t)sprintf(buf + n, "{\"body\":\"%s\"}\n", text); /* no text field */
            } else if (kind == 4) {
                n += (size_t)sprintf(buf + n, "%s{\"id\":%d,\"text\":\"%s\"}\n", i ? "," : "", i, text);
            } else {
                if (rnd(8) == 0)
                    n += (size_t)sprintf(buf + n, "{\"text\": bad}\n");
                n += (size_t)sprintf(buf + n, "{\"id\":\"%d\",\"text\":\"%s\"}\n", i, text);
            }
        }
        if (kind == 4)
            n += (size_t)sprintf(buf + n, "]\n");
        write_file(name, buf, n);
        free(buf);
    }
    /* invalid UTF-8 inside strings: replaced and counted */
    static const char u8[] = "{\"text\":\"global \377 x \340\200 exchange\"}\n{\"text\":\"sharing\"}\n";
    write_file("u8.jsonl", u8, sizeof u8 - 1);
    names[N_GEN] = strdup("u8.jsonl");
    /* more bad lines than the listing cap: the rest counted in errors_omitted */
    size_t cap = 1200 * 24, n = 0;
    char *buf = malloc(cap);
    for (int i = 0; i < 1100; i++)
        n += (size_t)sprintf(buf + n, i % 100 ? "{\"text\": nope}\n" : "{\"text\":\"global\"}\n");
    write_file("many-bad.jsonl", buf, n);
    free(buf);
    names[N_GEN + 1] = strdup("many-bad.jsonl");
    /* a compressed input cut short: its complete documents counted, the input failed */
    static const char plain[] = "{\"text\":\"global cooperation\"}\n{\"text\":\"international\"}\n";
    char z[256];
    size_t zn = ZSTD_compress(z, sizeof z, plain, sizeof plain - 1, 3);
    assert_false(ZSTD_isError(zn));
    write_file("cut.jsonl.zst", z, zn - 3);
    names[N_GEN + 2] = strdup("cut.jsonl.zst");
    /* a folder: a text file and a binary one left out of the walk */
    char *fold = path_of("folder");
    assert_int_equal(mkdir(fold, 0700), 0);
    free(fold);
    static const char speech[] = "global sharing of joint-building", png[] = "\x89PNG\0\0\0";
    write_file("folder/speech.txt", speech, sizeof speech - 1);
    write_file("folder/logo.png", png, sizeof png - 1);
    names[N_GEN + 3] = strdup("folder");
    /* JSON without the text field at all: a scan of it alone says so; a merge with inputs that
     * have it must not */
    static const char notext[] = "{\"title\":\"global\",\"body\":\"x\"}\n";
    write_file("notext.jsonl", notext, sizeof notext - 1);
    names[N_GEN + 4] = strdup("notext.jsonl");
    names[N_FILES] = strdup("zz-missing.jsonl");
}

static tally_summary *scan(const tally_dict *d, char **in_names, size_t n, int format)
{
    char **paths = calloc(n ? n : 1, sizeof *paths);
    for (size_t i = 0; i < n; i++)
        paths[i] = path_of(in_names[i]);
    tally_scan_options o;
    tally_scan_options_init(&o);
    o.format = format;
    o.threads = 2;
    o.batch_bytes = 1 + rnd(300);
    tally_summary *s = NULL;
    tally_error err;
    assert_int_equal(tally_scan_run(d, (const char *const *)paths, n, &o, &s, &err), 0);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return s;
}

/* Adds the summaries of parts[0, n) in a random grouping: pairs are added until one is left. */
static tally_summary *merge_random(tally_summary **parts, size_t n)
{
    while (n > 1) {
        size_t i = rnd((unsigned)n), j = rnd((unsigned)n - 1);
        if (j >= i)
            j++;
        tally_error err;
        if (tally_summary_add(parts[i], parts[j], 0, &err) != 0)
            fail_msg("add: %s", err.message);
        tally_summary_free(parts[j]);
        parts[j] = parts[--n];
        if (i == n)
            i = j;
    }
    return parts[0];
}

static void test_round_trip(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    tally_summary *s = scan(d, names, N_FILES + 1, TALLY_FORMAT_AUTO);
    char *a = json_of(s);
    tally_summary *r = round_trip(s);
    char *b = json_of(r);
    assert_string_equal(a, b);
    /* the accessors see what the file says */
    tally_totals t1, t2;
    tally_summary_totals(s, &t1);
    tally_summary_totals(r, &t2);
    assert_int_equal(t1.documents, t2.documents);
    assert_int_equal(tally_summary_input_count(r), N_FILES + 2); /* the folder holds two */
    assert_true(t2.errors_omitted > 0);
    assert_true(t2.invalid_utf8 > 0);
    assert_true(t2.failed_inputs == 2);
    assert_true(t2.skipped_inputs == 1);
    tally_input_info info;
    tally_summary_input(r, N_FILES + 1, &info);
    assert_string_equal(info.path + strlen(dir) + 1, "zz-missing.jsonl");
    assert_null(info.digest); /* the missing one */
    assert_null(info.format);
    tally_summary_input(r, 0, &info);
    assert_non_null(info.digest);
    free(a);
    free(b);
    tally_summary_free(s);
    tally_summary_free(r);
    tally_dict_free(d);
}

/* Merge = whole, over random partitions, orders, groupings and batch sizes; parts go through
 * their JSON on the way half of the time. */
static void test_merge_is_whole(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    static const int formats[] = {TALLY_FORMAT_AUTO, TALLY_FORMAT_LINES, TALLY_FORMAT_TEXT};
    for (size_t fi = 0; fi < sizeof formats / sizeof formats[0]; fi++) {
        tally_summary *whole = scan(d, names, N_FILES + 1, formats[fi]);
        char *want = json_of(whole);
        tally_summary_free(whole);
        for (int trial = 0; trial < 40; trial++) {
            size_t n_parts = 1 + rnd(N_FILES + 1);
            char **part_names[N_FILES + 1];
            size_t part_n[N_FILES + 1];
            for (size_t p = 0; p < n_parts; p++) {
                part_names[p] = calloc(N_FILES + 1, sizeof(char *));
                part_n[p] = 0;
            }
            /* every input in exactly one part, in a shuffled order within it */
            for (size_t f = 0; f < N_FILES + 1; f++) {
                size_t p = rnd((unsigned)n_parts);
                size_t at = rnd((unsigned)part_n[p] + 1);
                memmove(part_names[p] + at + 1, part_names[p] + at, (part_n[p] - at) * sizeof(char *));
                part_names[p][at] = names[f];
                part_n[p]++;
            }
            tally_summary *parts[N_FILES + 1];
            size_t n = 0;
            for (size_t p = 0; p < n_parts; p++) {
                if (part_n[p] == 0 && rnd(2))
                    continue; /* an empty part is a scan of nothing: it may be merged or not */
                tally_summary *s = scan(d, part_names[p], part_n[p], formats[fi]);
                if (rnd(2)) {
                    tally_summary *r = round_trip(s);
                    tally_summary_free(s);
                    s = r;
                }
                parts[n++] = s;
                free(part_names[p]);
                part_names[p] = NULL;
            }
            for (size_t p = 0; p < n_parts; p++)
                free(part_names[p]);
            tally_summary *m = merge_random(parts, n);
            char *got = json_of(m);
            if (strcmp(got, want) != 0) {
                fprintf(stderr, "format %d trial %d, %zu parts: merged\n%s\nwhole\n%s\n", formats[fi], trial, n, got, want);
                fail();
            }
            free(got);
            tally_summary_free(m);
        }
        free(want);
    }
    tally_dict_free(d);
}

static void test_refusals(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    tally_dict *d2 = tally_dict_new(TALLY_TOKENIZER_UNICODE, 0);
    tally_error err;
    assert_int_equal(tally_dict_add_text(d2, "u.dict", "global\n", 7, &err), 0);
    assert_int_equal(tally_dict_compile(d2, &err), 0);
    char *one[1] = {names[0]}, *two[1] = {names[1]};
    tally_summary *a = scan(d, one, 1, TALLY_FORMAT_AUTO);
    tally_summary *b = scan(d2, two, 1, TALLY_FORMAT_AUTO);
    char *before = json_of(a);
    assert_int_equal(tally_summary_add(a, b, 0, &err), TALLY_EINVAL);
    assert_non_null(strstr(err.message, "different dictionaries"));
    tally_summary_free(b);
    /* the same input twice: refused, and the message says the contents are equal */
    b = scan(d, one, 1, TALLY_FORMAT_AUTO);
    assert_int_equal(tally_summary_add(a, b, 0, &err), TALLY_EINVAL);
    assert_non_null(strstr(err.message, names[0]));
    assert_non_null(strstr(err.message, "same content"));
    /* a refused add leaves the summary as it was */
    char *after = json_of(a);
    assert_string_equal(before, after);
    free(after);
    /* allowed: both counted */
    assert_int_equal(tally_summary_add(a, b, TALLY_ADD_ALLOW_SAME_PATH, &err), 0);
    assert_int_equal(tally_summary_input_count(a), 2);
    tally_summary_free(b);
    /* the listing cap holds for a path counted twice, as for one input */
    char *bad[1] = {names[N_GEN + 1]};
    tally_summary *m1 = scan(d, bad, 1, TALLY_FORMAT_AUTO), *m2 = scan(d, bad, 1, TALLY_FORMAT_AUTO);
    tally_totals t1;
    tally_summary_totals(m1, &t1);
    assert_int_equal(tally_summary_error_count(m1), 1000);
    assert_int_equal(tally_summary_add(m1, m2, TALLY_ADD_ALLOW_SAME_PATH, &err), 0);
    tally_totals t2;
    tally_summary_totals(m1, &t2);
    assert_int_equal(tally_summary_error_count(m1), 1000);
    assert_int_equal(t2.errors_omitted, 2 * t1.errors_omitted + 1000);
    tally_summary_free(m1);
    tally_summary_free(m2);
    /* the error about a missing text field is the union's, not a part's */
    char *nt[1] = {names[N_GEN + 4]};
    m1 = scan(d, nt, 1, TALLY_FORMAT_AUTO);
    assert_int_equal(tally_summary_error_count(m1), 2);
    m2 = scan(d, two, 1, TALLY_FORMAT_AUTO);
    assert_int_equal(tally_summary_add(m1, m2, 0, &err), 0);
    for (size_t i = 0; i < tally_summary_error_count(m1); i++) {
        const char *ein, *emsg;
        uint64_t l;
        tally_summary_error(m1, i, &ein, &l, &emsg);
        assert_null(strstr(emsg, "not one document"));
    }
    tally_summary_free(m1);
    tally_summary_free(m2);
    /* with other settings: the message names them */
    tally_scan_options o;
    tally_scan_options_init(&o);
    const char *fields[1] = {"body"};
    o.text_fields = fields;
    o.n_text_fields = 1;
    char *p = path_of(names[1]);
    const char *in[1] = {p};
    assert_int_equal(tally_scan_run(d, in, 1, &o, &b, &err), 0);
    free(p);
    assert_int_equal(tally_summary_add(a, b, 0, &err), TALLY_EINVAL);
    assert_non_null(strstr(err.message, "different settings"));
    assert_non_null(strstr(err.message, "body"));
    tally_summary_free(b);
    tally_summary_free(a);
    free(before);
    tally_dict_free(d2);
    tally_dict_free(d);
}

/* Replaces the first occurrence of from in s by to (a new string). */
static char *edit(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    if (!at)
        fail_msg("no '%s' to edit", from);
    char *r = malloc(strlen(s) + strlen(to) + 1);
    size_t k = (size_t)(at - s);
    memcpy(r, s, k);
    strcpy(r + k, to);
    strcat(r, at + strlen(from));
    return r;
}

static void expect_refused(const char *json, int code, const char *why)
{
    tally_summary *s = NULL;
    tally_error err;
    int rc = tally_summary_read_buffer(json, strlen(json), &s, &err);
    if (rc != code || s || !strstr(err.message, why))
        fail_msg("expected %d '%s', got %d '%s'", code, why, rc, rc ? err.message : "(accepted)");
}

static void test_damaged(void **state)
{
    (void)state;
    tally_dict *d = make_dict();
    tally_summary *s = scan(d, names, N_FILES + 1, TALLY_FORMAT_AUTO);
    FILE *f = tmpfile();
    assert_int_equal(tally_summary_write(s, f), 0);
    long n = ftell(f);
    rewind(f);
    char *good = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(good, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    tally_totals t;
    tally_summary_totals(s, &t);
    uint64_t c, docs;
    tally_summary_keyword(s, 0, &c, &docs);
    char from[64], to[64];

    /* truncated at many points: never accepted, never a crash */
    for (long cut = 0; cut < n - 2; cut += 1 + cut / 7) {
        char *tr = strndup(good, (size_t)cut);
        tally_summary *r = NULL;
        tally_error err;
        assert_int_not_equal(tally_summary_read_buffer(tr, strlen(tr), &r, &err), 0);
        assert_null(r);
        free(tr);
    }
    char *e;
    e = edit(good, "\"tally\": 2", "\"tally\": 1");
    expect_refused(e, TALLY_EINVAL, "schema version 1");
    free(e);
    e = edit(good, "\"tally\": 2", "\"tally\": \"2\"");
    expect_refused(e, TALLY_EJSON, "schema version");
    free(e);
    snprintf(from, sizeof from, "\"tokens\":%llu", (unsigned long long)t.tokens);
    e = edit(good, from, "\"tokens\":\"many\"");
    expect_refused(e, TALLY_EJSON, "is not an integer");
    free(e);
    e = edit(good, from, "\"tokens\":99999999999999999999999");
    expect_refused(e, TALLY_EJSON, "too big");
    free(e);
    e = edit(good, from, "\"tokens\":-1");
    expect_refused(e, TALLY_EJSON, "negative");
    free(e);
    /* totals that disagree: a keyword count edited makes its per_10k wrong */
    snprintf(from, sizeof from, "\"global\": {\"count\":%llu,", (unsigned long long)c);
    snprintf(to, sizeof to, "\"global\": {\"count\":%llu,", (unsigned long long)c + 1);
    e = edit(good, from, to);
    expect_refused(e, TALLY_EJSON, "per_10k of keyword 'global'");
    free(e);
    /* documents edited: the inputs no longer add up */
    snprintf(from, sizeof from, "\"documents\":%llu,\"tokens\"", (unsigned long long)t.documents);
    snprintf(to, sizeof to, "\"documents\":%llu,\"tokens\"", (unsigned long long)t.documents + 5);
    e = edit(good, from, to);
    expect_refused(e, TALLY_EJSON, "do not add up");
    free(e);
    e = edit(good, "\"fingerprint\":\"", "\"fingerprint\":\"0");
    expect_refused(e, TALLY_EJSON, "");
    free(e);
    e = edit(good, "\"settings\":\"tokenizer=unicode", "\"settings\":\"tokenizer=whitespace");
    expect_refused(e, TALLY_EJSON, "fingerprint does not follow");
    free(e);
    e = edit(good, "\"corpus\": {", "\"corpus\": {\"inputs\":1,");
    expect_refused(e, TALLY_EJSON, "duplicate");
    free(e);
    e = edit(good, "\"members\":[\"cooperation\"", "\"members\":[\"sharing\"");
    expect_refused(e, TALLY_EJSON, "member");
    free(e);
    /* a group in fewer documents than one of its members */
    {
        const char *g = strstr(good, "\"share\": {\"count\":");
        assert_non_null(g);
        const char *dk = strstr(g, "\"documents\":");
        const char *de = strchr(dk + 12, ',');
        char *ge = malloc(strlen(good) + 2);
        size_t k = (size_t)(dk - good) + 12;
        memcpy(ge, good, k);
        strcpy(ge + k, "0");
        strcat(ge, de);
        expect_refused(ge, TALLY_EJSON, "does not agree with its members");
        free(ge);
    }
    expect_refused("[1,2]", TALLY_EJSON, "not an object");
    expect_refused("{\"text\":\"a news article\"}", TALLY_EJSON, "schema version");
    expect_refused("", TALLY_EJSON, "");
    /* two inputs swapped: out of order */
    tally_input_info i0, i1;
    tally_summary_input(s, 0, &i0);
    tally_summary_input(s, 1, &i1);
    char *x = edit(good, i0.path, "\x01");
    char *y = edit(x, i1.path, i0.path);
    char *z = edit(y, "\x01", i1.path);
    expect_refused(z, TALLY_EJSON, "out of order");
    free(x);
    free(y);
    free(z);
    free(good);
    tally_summary_free(s);
    tally_dict_free(d);
}

/* Summaries may be read on several threads at once (nothing shared between reads). */
typedef struct reader_job {
    const char *json;
    size_t len;
    int failures;
} reader_job;

static void *read_many(void *arg)
{
    reader_job *j = arg;
    for (int i = 0; i < 100; i++) {
        tally_summary *s = NULL;
        tally_error err;
        if (tally_summary_read_buffer(j->json, j->len, &s, &err) != 0)
            j->failures++;
        tally_summary_free(s);
    }
    return NULL;
}

static void test_concurrent_reads(void **state)
{
    (void)state;
    /* two summaries of different dictionaries with many keywords each */
    char *texts[2];
    reader_job jobs[2];
    for (int k = 0; k < 2; k++) {
        tally_dict *d = tally_dict_new(TALLY_TOKENIZER_UNICODE, 0);
        tally_error err;
        /* 3,000 terms in 300 groups: a read looks every group and member name up */
        size_t cap = 3000 * 40, len = 0;
        char *text = malloc(cap);
        for (int i = 0; i < 3000; i++) {
            if (i % 10 == 0)
                len += (size_t)snprintf(text + len, cap - len, "[%c-group-%d]\n", 'a' + k, (i * 7919) % 3000);
            len += (size_t)snprintf(text + len, cap - len, "%c%dword%d\n", 'a' + k, i % 97, i);
        }
        assert_int_equal(tally_dict_add_text(d, "many.dict", text, len, &err), 0);
        free(text);
        assert_int_equal(tally_dict_compile(d, &err), 0);
        char *one[1] = {names[0]};
        tally_summary *s = scan(d, one, 1, TALLY_FORMAT_AUTO);
        FILE *f = tmpfile();
        assert_int_equal(tally_summary_write(s, f), 0);
        long n = ftell(f);
        rewind(f);
        texts[k] = malloc((size_t)n);
        assert_int_equal(fread(texts[k], 1, (size_t)n, f), (size_t)n);
        fclose(f);
        jobs[k] = (reader_job){texts[k], (size_t)n, 0};
        tally_summary_free(s);
        tally_dict_free(d);
    }
    pthread_t t[2];
    for (int k = 0; k < 2; k++)
        assert_int_equal(pthread_create(&t[k], NULL, read_many, &jobs[k]), 0);
    for (int k = 0; k < 2; k++) {
        pthread_join(t[k], NULL);
        assert_int_equal(jobs[k].failures, 0);
        free(texts[k]);
    }
}

static int group_setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/test_summary.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    write_corpus();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (int i = 0; i <= N_FILES; i++)
        free(names[i]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_merge_is_whole),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_concurrent_reads),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
