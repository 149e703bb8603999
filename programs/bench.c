/* bench.c — `tally bench`: a built-in workload for measuring a machine, like `zstd -b`.
 *
 * It generates a fixed, seeded news-like corpus in memory (programs/gen.c: the same bytes on every
 * machine), then measures one stage, or the whole pipeline, at each requested thread count:
 *   tokenize  the tokenizer alone over the documents' text
 *   match     tokenizing, normalizing and counting with a 100-term dictionary
 *   jsonl     validating the JSON lines and extracting their text field
 *   zstd      decompressing the zstd-compressed corpus
 *   all       tally_scan_run over the compressed corpus, as `tally scan` would run it
 * Each measurement runs in a child process: libuv sizes its thread pool once per process, and a
 * fresh process also starts from the same memory state. The corpus lives in memfd files that
 * the children inherit, so `all` reads it through the real input path. */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>
#include <zstd.h>

#include "common.h"
#include "dict.h"
#include "gen.h"
#include "jsonl.h"
#include "match.h"
#include "reader.h"
#include "tokenize.h"

#define N_FILES 8           /* the corpus is split into this many inputs for `all` */
#define FRAME_BYTES (4u << 20) /* zstd frames, so threads can decompress frames in parallel */

typedef struct corpus {
    tally_buf text;   /* the documents' text, one per line */
    tally_buf jsonl;  /* the same documents as JSON Lines */
    tally_buf zst;    /* jsonl compressed, in frames of FRAME_BYTES input */
    size_t *frames;   /* offsets of the frames in zst, n_frames + 1 entries */
    size_t n_frames;
    size_t *frame_raw; /* uncompressed size of each frame */
    int fds[N_FILES]; /* memfd files holding the frames, split in N_FILES parts */
    char *dict;       /* the 100-term dictionary */
} corpus;

static double now(void)
{
    return (double)uv_hrtime() / 1e9;
}

/* The dictionary: the generator's planted terms, frequent and rare filler words, prefixes of
 * filler words, and phrases of two filler words, 100 terms in all. */
static char *make_dict(const tally_gen *g)
{
    tally_buf b;
    tally__buf_init(&b);
    tally__buf_append(&b, tally__gen_dictionary(), strlen(tally__gen_dictionary()));
    char line[160];
    int k;
    for (size_t i = 0; i < 63; i++) { /* ranks 0, 7, 14, ...: frequent to rare */
        k = snprintf(line, sizeof line, "%s\n", tally__gen_word(g, i * 7));
        tally__buf_append(&b, line, (size_t)k);
    }
    for (size_t i = 0; i < 12; i++) { /* prefixes */
        const char *w = tally__gen_word(g, 3 + i * 11);
        k = snprintf(line, sizeof line, "%.3s*\n", w);
        tally__buf_append(&b, line, (size_t)k);
    }
    for (size_t i = 0; i < 15; i++) { /* phrases */
        k = snprintf(line, sizeof line, "%s %s\n", tally__gen_word(g, i), tally__gen_word(g, i + 1));
        tally__buf_append(&b, line, (size_t)k);
    }
    tally__buf_append(&b, "", 1);
    return (char *)b.data;
}

static int build_corpus(corpus *c, size_t bytes, tally_error *err)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < N_FILES; i++)
        c->fds[i] = -1;
    tally_gen_options jo = {TALLY_FORMAT_JSONL, 15, 2, 250, 0, 0, 0};
    tally_gen *g = tally__gen_new(20261128, &jo);
    c->dict = make_dict(g);
    tally__buf_init(&c->jsonl);
    tally__buf_init(&c->text);
    tally__buf_init(&c->zst);
    for (uint64_t d = 0; c->jsonl.len < bytes; d++)
        tally__gen_next(g, &c->jsonl, d, 0);
    tally__gen_free(g);
    /* the text stage reads the same documents' text: extract it once with the scanner */
    static const char *const field[] = {"text"};
    tally_jsonl_spec *spec = tally__jsonl_spec_new(field, 1, "id");
    tally_jsonl_result r;
    tally__jsonl_result_init(&r, spec);
    const uint8_t *p = c->jsonl.data, *end = p + c->jsonl.len;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        tally_error e;
        if (tally__jsonl_scan(spec, p, (size_t)(nl - p), &r, &e) == 0 && r.fields[0].count) {
            const tally_jstr *s = &r.strings[r.fields[0].first];
            tally__buf_append(&c->text, s->ptr, s->len);
            tally__buf_append(&c->text, "\n", 1);
        }
        p = nl + 1;
    }
    tally__jsonl_result_cleanup(&r);
    tally__jsonl_spec_free(spec);

    /* compress in frames that end at line ends */
    size_t cap = 0;
    p = c->jsonl.data;
    while (p < end) {
        size_t n = (size_t)(end - p) < FRAME_BYTES ? (size_t)(end - p) : FRAME_BYTES;
        const uint8_t *nl = n < (size_t)(end - p) ? memrchr(p, '\n', n) : NULL;
        if (nl)
            n = (size_t)(nl - p) + 1;
        size_t bound = ZSTD_compressBound(n);
        tally__buf_reserve(&c->zst, bound);
        size_t z = ZSTD_compress(c->zst.data + c->zst.len, bound, p, n, 3);
        if (ZSTD_isError(z))
            return tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "zstd: %s", ZSTD_getErrorName(z));
        if (c->n_frames + 2 > cap) {
            cap = cap ? cap * 2 : 64;
            c->frames = tally_xrealloc(c->frames, cap * sizeof *c->frames);
            c->frame_raw = tally_xrealloc(c->frame_raw, cap * sizeof *c->frame_raw);
        }
        c->frames[c->n_frames] = c->zst.len;
        c->frame_raw[c->n_frames] = n;
        c->n_frames++;
        c->zst.len += z;
        p += n;
    }
    c->frames[c->n_frames] = c->zst.len;

    /* N_FILES inputs of consecutive frames each */
    for (int i = 0; i < N_FILES; i++) {
        size_t a = c->n_frames * (size_t)i / N_FILES, b = c->n_frames * (size_t)(i + 1) / N_FILES;
        char name[48];
        snprintf(name, sizeof name, "tally-bench-%d.jsonl.zst", i);
        c->fds[i] = memfd_create(name, 0);
        if (c->fds[i] < 0)
            return tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "memfd_create: %s", strerror(errno));
        size_t off = c->frames[a], len = c->frames[b] - c->frames[a];
        while (len) {
            ssize_t w = write(c->fds[i], c->zst.data + off, len);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "memfd write: %s", strerror(errno));
            off += (size_t)w;
            len -= (size_t)w;
        }
    }
    return 0;
}

static void free_corpus(corpus *c)
{
    tally__buf_cleanup(&c->text);
    tally__buf_cleanup(&c->jsonl);
    tally__buf_cleanup(&c->zst);
    free(c->frames);
    free(c->frame_raw);
    free(c->dict);
    for (int i = 0; i < N_FILES; i++)
        if (c->fds[i] >= 0)
            close(c->fds[i]);
}

/* ---- stages on worker threads ------------------------------------------------------------- */

typedef struct job {
    const corpus *c;
    const tally_dict *d;
    int stage;
    size_t lo, hi;       /* byte range (text, jsonl) or frame range (zstd) */
    uint64_t units;      /* tokens seen, for ns per token */
    int failed;
} job;

static void run_job(void *arg)
{
    job *j = arg;
    const corpus *c = j->c;
    if (j->stage == TALLY_BENCH_TOKENIZE) {
        tally_tokenizer t;
        tally__tok_init(&t, TALLY_TOKENIZER_UNICODE);
        tally__tok_begin_field(&t, c->text.data + j->lo, j->hi - j->lo);
        tally_token tok;
        while (tally__tok_next(&t, &tok))
            j->units++;
    } else if (j->stage == TALLY_BENCH_MATCH) {
        tally_matcher *m = tally__matcher_new(j->d);
        const uint8_t *p = c->text.data + j->lo, *end = c->text.data + j->hi;
        while (p < end) {
            const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            tally__matcher_doc_begin(m);
            tally__matcher_field(m, p, n, 0);
            tally__matcher_doc_end(m);
            p += n + 1;
        }
        j->units = m->b_tokens;
        tally_idcount *kw, *grp;
        size_t nk, ng;
        tally__matcher_take_batch(m, &kw, &nk, &grp, &ng);
        free(kw);
        free(grp);
        tally__matcher_free(m);
    } else if (j->stage == TALLY_BENCH_JSONL) {
        static const char *const field[] = {"text"};
        tally_jsonl_spec *spec = tally__jsonl_spec_new(field, 1, "id");
        tally_jsonl_result r;
        tally__jsonl_result_init(&r, spec);
        const uint8_t *p = c->jsonl.data + j->lo, *end = c->jsonl.data + j->hi;
        while (p < end) {
            const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            tally_error e;
            if (tally__jsonl_scan(spec, p, n, &r, &e) != 0)
                j->failed = 1;
            j->units++;
            p += n + 1;
        }
        tally__jsonl_result_cleanup(&r);
        tally__jsonl_spec_free(spec);
    } else if (j->stage == TALLY_BENCH_ZSTD) {
        ZSTD_DCtx *dc = ZSTD_createDCtx();
        uint8_t *out = tally_xmalloc(FRAME_BYTES);
        for (size_t f = j->lo; f < j->hi; f++) {
            size_t z = ZSTD_decompressDCtx(dc, out, FRAME_BYTES, c->zst.data + c->frames[f],
                                           c->frames[f + 1] - c->frames[f]);
            if (ZSTD_isError(z) || z != c->frame_raw[f])
                j->failed = 1;
        }
        free(out);
        ZSTD_freeDCtx(dc);
    }
}

/* Splits buf into n ranges ending at line ends. */
static void split_lines(const tally_buf *buf, job *jobs, unsigned n)
{
    size_t start = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t end = buf->len * (i + 1) / n;
        if (i + 1 < n) {
            const uint8_t *nl = memchr(buf->data + end, '\n', buf->len - end);
            end = nl ? (size_t)(nl - buf->data) + 1 : buf->len;
            if (end < start)
                end = start;
        } else {
            end = buf->len;
        }
        jobs[i].lo = start;
        jobs[i].hi = end;
        start = end;
    }
}

/* One measurement in this (child) process: seconds, or a negative value on failure. */
static double measure(const corpus *c, const tally_dict *d, int stage, unsigned threads, uint64_t *units)
{
    if (stage == TALLY_BENCH_ALL) {
        char paths[N_FILES][64];
        const char *inputs[N_FILES];
        for (int i = 0; i < N_FILES; i++) {
            snprintf(paths[i], sizeof paths[i], "/proc/self/fd/%d", c->fds[i]);
            inputs[i] = paths[i];
        }
        tally_scan_options o;
        tally_scan_options_init(&o);
        o.threads = threads;
        o.format = TALLY_FORMAT_JSONL;
        tally_summary *sum = NULL;
        tally_error err;
        double t0 = now();
        int rc = tally_scan_run(d, inputs, N_FILES, &o, &sum, &err);
        double t = now() - t0;
        if (rc != 0 || tally_summary_status(sum) != 0) {
            tally_summary_free(sum);
            return -1;
        }
        tally_totals tt;
        tally_summary_totals(sum, &tt);
        *units = tt.tokens;
        tally_summary_free(sum);
        return t;
    }
    job *jobs = tally_xcalloc(threads, sizeof *jobs);
    uv_thread_t *tid = tally_xcalloc(threads, sizeof *tid);
    for (unsigned i = 0; i < threads; i++) {
        jobs[i].c = c;
        jobs[i].d = d;
        jobs[i].stage = stage;
    }
    if (stage == TALLY_BENCH_ZSTD) {
        for (unsigned i = 0; i < threads; i++) {
            jobs[i].lo = c->n_frames * i / threads;
            jobs[i].hi = c->n_frames * (i + 1) / threads;
        }
    } else {
        split_lines(stage == TALLY_BENCH_JSONL ? &c->jsonl : &c->text, jobs, threads);
    }
    double t0 = now();
    for (unsigned i = 0; i < threads; i++)
        uv_thread_create(&tid[i], run_job, &jobs[i]);
    int failed = 0;
    *units = 0;
    for (unsigned i = 0; i < threads; i++) {
        uv_thread_join(&tid[i]);
        failed |= jobs[i].failed;
        *units += jobs[i].units;
    }
    double t = now() - t0;
    free(jobs);
    free(tid);
    return failed ? -1 : t;
}

static size_t stage_bytes(const corpus *c, int stage)
{
    return stage == TALLY_BENCH_TOKENIZE || stage == TALLY_BENCH_MATCH ? c->text.len : c->jsonl.len;
}

/* Runs measure() in a child process; returns seconds or -1. */
static double measure_in_child(const corpus *c, const tally_dict *d, int stage, unsigned threads, uint64_t *units)
{
    int pfd[2];
    if (pipe(pfd) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    if (pid == 0) {
        close(pfd[0]);
        char num[16];
        snprintf(num, sizeof num, "%u", threads);
        setenv("UV_THREADPOOL_SIZE", num, 1);
        double r[2];
        uint64_t u = 0;
        r[0] = measure(c, d, stage, threads, &u);
        r[1] = (double)u;
        ssize_t w = write(pfd[1], r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
    close(pfd[1]);
    double r[2] = {-1, 0};
    ssize_t got;
    do
        got = read(pfd[0], r, sizeof r);
    while (got < 0 && errno == EINTR);
    close(pfd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (got != (ssize_t)sizeof r || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    *units = (uint64_t)r[1];
    return r[0];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static const char *stage_name(int s)
{
    static const char *const names[] = {"tokenize", "match", "jsonl", "zstd", "all"};
    return s >= 0 && s <= TALLY_BENCH_ALL ? names[s] : "?";
}

int tally_bench_stage_parse(const char *s)
{
    for (int i = 0; i <= TALLY_BENCH_ALL; i++)
        if (strcmp(s, stage_name(i)) == 0)
            return i;
    return -1;
}

static void machine_line(char *buf, size_t n)
{
    char model[128] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) == 0) {
                const char *v = strchr(line, ':');
                if (v) {
                    v++;
                    while (*v == ' ')
                        v++;
                    snprintf(model, sizeof model, "%.*s", (int)strcspn(v, "\n"), v);
                }
                break;
            }
        }
        fclose(f);
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
#if defined(__clang__)
    const char *cc = "clang " __clang_version__;
#elif defined(__GNUC__)
    const char *cc = "gcc " __VERSION__;
#else
    const char *cc = "unknown compiler";
#endif
    snprintf(buf, n, "%s, %ld online CPUs, %s", model, cpus, cc);
}

int tally_bench_run(const tally_bench_options *o, FILE *out, tally_error *err)
{
    corpus c;
    tally_dict *d = NULL;
    int rc = build_corpus(&c, o->bytes, err);
    if (rc)
        goto out;
    d = tally_dict_new(TALLY_TOKENIZER_UNICODE, 0);
    rc = tally_dict_add_text(d, "bench", c.dict, strlen(c.dict), err);
    if (rc == 0)
        rc = tally_dict_compile(d, err);
    if (rc)
        goto out;
    char machine[400];
    machine_line(machine, sizeof machine);

    int first = o->stage == TALLY_BENCH_EVERY ? 0 : o->stage;
    int last = o->stage == TALLY_BENCH_EVERY ? TALLY_BENCH_ALL : o->stage;
    if (o->json)
        fprintf(out, "{\"tally_bench\": 1, \"version\": \"%s\", \"seed\": 20261128, \"keywords\": %zu, "
                     "\"machine\": \"%s\", \"stages\": [",
                TALLY_VERSION, tally_dict_keyword_count(d), machine);
    else
        fprintf(out, "tally bench %s: %.1f MB of news-like JSON Lines (%.1f MB of text, %.1f MB zstd), "
                     "%zu keywords, median of %u runs\nmachine: %s\n\n%-9s %7s %10s %9s %9s %10s\n",
                TALLY_VERSION, (double)c.jsonl.len / 1e6, (double)c.text.len / 1e6,
                (double)c.zst.len / 1e6, tally_dict_keyword_count(d), o->runs, machine, "stage",
                "threads", "MB/s", "ns/token", "speed-up", "efficiency");
    for (int st = first; st <= last; st++) {
        double base = 0;
        if (o->json)
            fprintf(out, "%s{\"stage\": \"%s\", \"bytes\": %zu, \"results\": [", st == first ? "" : ", ",
                    stage_name(st), stage_bytes(&c, st));
        for (size_t ti = 0; ti < o->n_threads; ti++) {
            unsigned t = o->threads[ti];
            double times[32];
            uint64_t units = 0;
            unsigned runs = o->runs < 32 ? o->runs : 32;
            for (unsigned r = 0; r < runs; r++) {
                times[r] = measure_in_child(&c, d, st, t, &units);
                if (times[r] < 0) {
                    rc = tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "the %s stage failed with %u threads",
                                       stage_name(st), t);
                    goto out;
                }
            }
            qsort(times, runs, sizeof *times, cmp_double);
            double med = runs % 2 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
            double mbs = (double)stage_bytes(&c, st) / med / 1e6;
            if (ti == 0)
                base = mbs / t;
            double speedup = base > 0 ? mbs / base : 0;
            double ns = units && st != TALLY_BENCH_JSONL && st != TALLY_BENCH_ZSTD ? med * 1e9 * t / (double)units : 0;
            if (o->json)
                fprintf(out, "%s{\"threads\": %u, \"seconds\": %.6f, \"mb_per_s\": %.1f, \"ns_per_token\": %.2f, "
                             "\"speedup\": %.3f, \"efficiency\": %.3f}",
                        ti ? ", " : "", t, med, mbs, ns, speedup, speedup / t);
            else {
                char nsbuf[32] = "-"; /* ns per token only where the stage sees tokens */
                if (ns > 0)
                    snprintf(nsbuf, sizeof nsbuf, "%.2f", ns);
                fprintf(out, "%-9s %7u %10.1f %9s %9.2fx %9.0f%%\n", stage_name(st), t, mbs, nsbuf, speedup,
                        100.0 * speedup / t);
            }
            fflush(out);
        }
        if (o->json)
            fprintf(out, "]}");
    }
    if (o->json)
        fprintf(out, "]}\n");
    rc = ferror(out) ? TALLY_EIO : 0;
out:
    tally_dict_free(d);
    free_corpus(&c);
    return rc;
}
