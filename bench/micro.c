/* micro.c — micro benchmarks of tally's hot-path stages, linked against build/libtally.a and
 * calling the internal APIs directly (lib/tokenize.h, normalize.h, match.h, jsonl.h, reader.h):
 *
 *   micro [-r REPS] [-b BYTES] [-e ENGLISH] [-m MULTILINGUAL] [-j JSONL] [-z FILE]...
 *         [-d NAME=DICT]... [-s match]
 *
 * Every benchmark runs REPS times (default 5) over the same in-memory input (the first BYTES of
 * each file, default 16 MiB, cut at a line end) and reports the median. -s match runs only the
 * matcher stages (and the JSON Lines and reader stages asked for), for profiling. Output, one line each,
 * for bench/run.sh to format:
 *
 *   NAME BYTES TOKENS SECONDS
 *
 * BYTES are the input bytes of one repetition (decompressed bytes for the readers), TOKENS the
 * tokens in them (0 when not tokenized), SECONDS the median time of one repetition.
 *
 *   tok.LANG            tokenizer only (UAX #29), text fed as one field in 1 MiB pieces
 *   norm.LANG           tokenizer + normalizer (NFKC_Casefold) on every token
 *   match.NAME.LANG     full matcher (tally__matcher_field) with dictionary NAME, the text as one
 *                       document in 1 MiB pieces cut where tally__tok_safe_cut allows, as the
 *                       pipeline does for --format text
 *   jsonl.tally         tally__jsonl_scan of every line, extracting "text" and "id"
 *   jsonl.jansson       json_loadb of every line, then the same two fields
 *   read.FILE           tally__reader over a compressed file, into a 1 MiB buffer */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "dict.h"
#include "jsonl.h"
#include "match.h"
#include "normalize.h"
#include "reader.h"
#include "tokenize.h"

#define MAX_REPS 51
#define PIECE (1u << 20)

static int reps = 5;
static int match_only; /* -s match: skip the tokenizer stages (for profiling the matcher) */
static volatile uint64_t sink; /* keeps results alive so the compiler cannot drop the work */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

typedef struct text {
    uint8_t *p;
    size_t len;
} text;

/* The first max bytes of path, cut after the last newline. */
static text load(const char *path, size_t max)
{
    text t = {0};
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    t.p = tally_xmalloc(max + 1);
    t.len = fread(t.p, 1, max, f);
    fclose(f);
    if (t.len == max)
        while (t.len > 0 && t.p[t.len - 1] != '\n')
            t.len--;
    return t;
}

static void report(const char *name, size_t bytes, uint64_t tokens, double *t)
{
    printf("%s %zu %llu %.9f\n", name, bytes, (unsigned long long)tokens, median(t, reps));
    fflush(stdout);
}

/* ---- tokenizer and normalizer --------------------------------------------------------------- */

static uint64_t tokenize(const text *x, tally_normalizer *norm)
{
    tally_tokenizer tk;
    tally_token tok;
    uint64_t n = 0, acc = 0;
    tally__tok_init(&tk, TALLY_TOKENIZER_UNICODE);
    tally__tok_begin_field(&tk, x->p, x->len);
    while (tally__tok_next(&tk, &tok)) {
        n++;
        if (norm) {
            size_t outlen;
            const uint8_t *o = tally__norm_token(norm, x->p + tok.start, tok.len, &outlen);
            acc += outlen + o[0];
        } else {
            acc += tok.len;
        }
    }
    sink += acc;
    return n;
}

static uint64_t bench_tokenize(const char *lang, const text *x)
{
    double t[MAX_REPS];
    char name[64];
    uint64_t n = 0;
    if (match_only)
        return tokenize(x, NULL);
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        n = tokenize(x, NULL);
        t[r] = now() - t0;
    }
    snprintf(name, sizeof name, "tok.%s", lang);
    report(name, x->len, n, t);
    tally_normalizer *norm = tally__norm_new(0);
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        tokenize(x, norm);
        t[r] = now() - t0;
    }
    tally__norm_free(norm);
    snprintf(name, sizeof name, "norm.%s", lang);
    report(name, x->len, n, t);
    return n;
}

/* ---- matcher -------------------------------------------------------------------------------- */

static void bench_match(const char *dname, const char *path, const char *lang, const text *x, uint64_t ntok)
{
    tally_error err = {0};
    tally_dict *d = tally_dict_new(TALLY_TOKENIZER_UNICODE, 0);
    if (tally_dict_add_file(d, path, &err) != 0 || tally_dict_compile(d, &err) != 0) {
        fprintf(stderr, "micro: %s:%llu: %s\n", path, (unsigned long long)err.line, err.message);
        exit(1);
    }
    tally_matcher *m = tally__matcher_new(d);
    double t[MAX_REPS];
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        tally__matcher_doc_begin(m);
        size_t off = 0;
        int cont = 0;
        while (off < x->len) {
            size_t n = x->len - off;
            if (n > PIECE) {
                size_t cut = tally__tok_safe_cut(x->p + off, PIECE, 0);
                n = cut ? cut : PIECE;
            }
            tally__matcher_field(m, x->p + off, n, cont);
            cont = 1;
            off += n;
        }
        tally__matcher_doc_end(m);
        tally_idcount *kw, *grp;
        size_t nkw, ngrp;
        tally__matcher_take_batch(m, &kw, &nkw, &grp, &ngrp);
        sink += nkw + ngrp;
        free(kw);
        free(grp);
        t[r] = now() - t0;
    }
    char name[96];
    snprintf(name, sizeof name, "match.%s.%s", dname, lang);
    report(name, x->len, ntok, t);
    tally__matcher_free(m);
    tally_dict_free(d);
}

/* ---- JSON Lines ----------------------------------------------------------------------------- */

static void bench_jsonl(const text *x)
{
    static const char *const fields[] = {"text"};
    tally_jsonl_spec *spec = tally__jsonl_spec_new(fields, 1, "id");
    tally_jsonl_result res;
    tally__jsonl_result_init(&res, spec);
    double t[MAX_REPS];
    size_t bad = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        uint64_t acc = 0;
        const uint8_t *p = x->p, *end = x->p + x->len;
        while (p < end) {
            const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            tally_error err;
            if (n && tally__jsonl_scan(spec, p, n, &res, &err) == 0) {
                for (size_t i = 0; i < res.n_strings; i++)
                    acc += res.strings[i].len;
                acc += res.id.len;
            } else if (n) {
                bad++;
            }
            p += n + 1;
        }
        sink += acc;
        t[r] = now() - t0;
    }
    report("jsonl.tally", x->len, 0, t);
    tally__jsonl_result_cleanup(&res);
    tally__jsonl_spec_free(spec);

    for (int r = 0; r < reps; r++) {
        double t0 = now();
        uint64_t acc = 0;
        const uint8_t *p = x->p, *end = x->p + x->len;
        while (p < end) {
            const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            json_error_t jerr;
            json_t *o = n ? json_loadb((const char *)p, n, 0, &jerr) : NULL;
            if (o) {
                json_t *tx = json_object_get(o, "text"), *id = json_object_get(o, "id");
                if (json_is_string(tx))
                    acc += json_string_length(tx);
                if (json_is_string(id))
                    acc += json_string_length(id);
                json_decref(o);
            } else if (n) {
                bad++;
            }
            p += n + 1;
        }
        sink += acc;
        t[r] = now() - t0;
    }
    report("jsonl.jansson", x->len, 0, t);
    if (bad)
        fprintf(stderr, "micro: %zu JSON lines failed to parse\n", bad);
}

/* ---- decompression -------------------------------------------------------------------------- */

static void bench_reader(const char *path)
{
    uint8_t *buf = tally_xmalloc(PIECE);
    double t[MAX_REPS];
    size_t total = 0;
    for (int r = 0; r < reps; r++) {
        tally_error err = {0};
        tally_reader *rd;
        double t0 = now();
        if (tally__reader_open(&rd, path, 0, &err) != 0) {
            fprintf(stderr, "micro: %s: %s\n", path, err.message);
            exit(1);
        }
        ssize_t n;
        total = 0;
        while ((n = tally__reader_read(rd, buf, PIECE, &err)) > 0)
            total += (size_t)n;
        if (n < 0) {
            fprintf(stderr, "micro: %s: %s\n", path, err.message);
            exit(1);
        }
        tally__reader_free(rd);
        t[r] = now() - t0;
    }
    free(buf);
    const char *base = strrchr(path, '/');
    char name[256];
    snprintf(name, sizeof name, "read.%s", base ? base + 1 : path);
    report(name, total, 0, t);
}

int main(int argc, char **argv)
{
    size_t max = 16u << 20;
    const char *en = NULL, *ml = NULL, *jl = NULL;
    const char *zfiles[8], *dicts[16];
    int nz = 0, nd = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v || a[0] != '-' || strlen(a) != 2)
            goto usage;
        switch (a[1]) {
        case 'r': reps = atoi(v); break;
        case 'b': max = strtoull(v, NULL, 10); break;
        case 'e': en = v; break;
        case 'm': ml = v; break;
        case 'j': jl = v; break;
        case 'z': if (nz < 8) zfiles[nz++] = v; break;
        case 'd': if (nd < 16 && strchr(v, '=')) dicts[nd++] = v; break;
        case 's': if (strcmp(v, "match") != 0) goto usage; match_only = 1; break;
        default: goto usage;
        }
        i++;
    }
    if (reps < 1 || reps > MAX_REPS)
        goto usage;
    json_object_seed(0);
    if (en) {
        text x = load(en, max);
        uint64_t n = bench_tokenize("en", &x);
        for (int i = 0; i < nd; i++) {
            char name[64];
            const char *eq = strchr(dicts[i], '=');
            snprintf(name, sizeof name, "%.*s", (int)(eq - dicts[i]), dicts[i]);
            if (strncmp(name, "ml", 2) != 0)
                bench_match(name, eq + 1, "en", &x, n);
        }
        free(x.p);
    }
    if (ml) {
        text x = load(ml, max);
        uint64_t n = bench_tokenize("ml", &x);
        for (int i = 0; i < nd; i++) {
            char name[64];
            const char *eq = strchr(dicts[i], '=');
            snprintf(name, sizeof name, "%.*s", (int)(eq - dicts[i]), dicts[i]);
            if (strncmp(name, "ml", 2) == 0)
                bench_match(name, eq + 1, "ml", &x, n);
        }
        free(x.p);
    }
    if (jl) {
        text x = load(jl, max);
        bench_jsonl(&x);
        free(x.p);
    }
    for (int i = 0; i < nz; i++)
        bench_reader(zfiles[i]);
    return fflush(stdout) != 0;
usage:
    fputs("usage: micro [-r REPS] [-b BYTES] [-e ENGLISH] [-m MULTILINGUAL] [-j JSONL] [-z FILE]... "
          "[-d NAME=DICT]... [-s match]\n   (dictionaries named ml* run on the multilingual text, others on "
          "the English text)\n", stderr);
    return 2;
}
