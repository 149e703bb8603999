/* fuzz_reader.c — libFuzzer target for the reader (lib/reader.c: zstd, gzip, plain, BOM) and,
 * behind it, the per-line path of the pipeline (line splitting, lib/jsonl.c, lib/match.c).
 *
 * Bytes 0-3 are control bytes: a seed for piece and buffer sizes, the zstd window limit, and
 * whether to inject a read error. The rest is the raw input, fed through tally__reader_new_cb:
 *   run A: the source hands out everything it is asked for, read with a 1 MiB buffer;
 *   run B: the source hands out pieces of random size (1 byte, a few, thousands) and sometimes
 *          fails with EINTR (which the reader must retry), read with random caps (1, 2, 3, ...,
 *          128 KiB);
 *   run C: as B, with a read error (EIO) injected at a random call.
 * Checks: no crash, leak or hang (decompressed output is capped at OUT_LIMIT so that bombs end);
 * a read never returns more than its cap; once a read fails, every later read returns the same
 * code, offset and message; a clean end stays a clean end; A and B end with the same code and
 * compression, and the same output when clean (one output is a prefix of the other otherwise);
 * C ends cleanly with A's output, with A's error, or with TALLY_EIO.
 *
 * A's output then goes through what a count worker does with a batch, without libuv: split at
 * LF, blank lines skipped, each line scanned as JSON and its "text" field counted with a tiny
 * fixed dictionary; every line counted as a `lines` document; and the whole as one `text`
 * document cut into pieces at tally__tok_safe_cut points (or, failing that, at a code point
 * boundary), as the fill stage cuts a large document. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "common.h"
#include "dict.h"
#include "fuzz_util.h"
#include "jsonl.h"
#include "match.h"
#include "reader.h"
#include "tally.h"
#include "tokenize.h"

#define OUT_LIMIT ((size_t)4 << 20)
#define PIPE_LIMIT ((size_t)1 << 20)

static uint32_t rng(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

typedef struct src {
    const uint8_t *p;
    size_t len, pos;
    int random;     /* piece sizes from the generator; else whatever is asked */
    int eio_at;     /* > 0: that call fails with EIO */
    int calls;
    uint32_t rs;
} src;

static ssize_t src_cb(void *ctx, uint8_t *buf, size_t cap)
{
    src *s = ctx;
    s->calls++;
    if (s->eio_at && s->calls == s->eio_at) {
        errno = EIO;
        return -1;
    }
    size_t n = s->len - s->pos;
    if (n > cap)
        n = cap;
    if (s->random && n > 0) {
        uint32_t r = rng(&s->rs);
        if ((r & 15) == 0) {
            errno = EINTR;
            return -1;
        }
        size_t lim = (r >> 4) % 4 == 0 ? 1 : (r >> 4) % 4 == 1 ? 8 : (r >> 4) % 4 == 2 ? 700 : 20000;
        size_t k = 1 + (r >> 8) % lim;
        if (k < n)
            n = k;
    }
    memcpy(buf, s->p + s->pos, n);
    s->pos += n;
    return (ssize_t)n;
}

typedef struct result {
    tally_buf out;
    int code;
    int limited; /* stopped at OUT_LIMIT */
    tally_error err;
    int comp;
    uint64_t raw;
} result;

static void read_all(const uint8_t *in, size_t len, int wlog, int random, int eio_at, uint32_t seed,
                     result *res)
{
    src s = {.p = in, .len = len, .random = random, .eio_at = eio_at, .rs = seed | 1};
    tally_reader *r = tally__reader_new_cb(src_cb, &s, wlog);
    memset(res, 0, sizeof *res);
    tally__buf_init(&res->out);
    static const size_t caps[] = {1, 2, 3, 7, 64, 4096, 65536, 128 * 1024};
    size_t bigcap = (size_t)1 << 20;
    uint8_t *buf = tally_xmalloc(bigcap);
    uint32_t rs = seed * 2654435761u | 1;
    FUZZ_CHECK(tally__reader_read(r, buf, 0, &res->err) == 0, "a cap of 0 did not return 0");
    for (;;) {
        size_t cap = random ? caps[rng(&rs) % 8] : bigcap;
        if (random && rng(&rs) % 5 == 0)
            cap = 1 + rng(&rs) % 9000;
        ssize_t n = tally__reader_read(r, buf, cap, &res->err);
        if (n < 0) {
            res->code = (int)n;
            FUZZ_CHECK(res->err.code == res->code, "err.code %d, returned %d", res->err.code,
                       res->code);
            FUZZ_CHECK(n == TALLY_EIO || n == TALLY_ECORRUPT || n == TALLY_ELIMIT,
                       "unexpected code %zd", n);
            FUZZ_CHECK(res->err.message[0] && memchr(res->err.message, 0, sizeof res->err.message),
                       "no message");
            if (n != TALLY_EIO)
                FUZZ_CHECK(res->err.offset <= len, "offset %llu past the input of %zu",
                           (unsigned long long)res->err.offset, len);
            for (int again = 0; again < 2; again++) {
                tally_error e2;
                memset(&e2, 0, sizeof e2);
                ssize_t n2 = tally__reader_read(r, buf, again ? 1 : cap, &e2);
                FUZZ_CHECK(n2 == n, "error not sticky: %zd then %zd", n, n2);
                FUZZ_CHECK(e2.offset == res->err.offset && strcmp(e2.message, res->err.message) == 0,
                           "sticky error changed its offset or message");
            }
            break;
        }
        FUZZ_CHECK((size_t)n <= cap, "read %zd bytes into a cap of %zu", n, cap);
        if (n == 0) {
            FUZZ_CHECK(tally__reader_read(r, buf, 1, &res->err) == 0, "clean end did not stay");
            FUZZ_CHECK(tally__reader_raw_offset(r) == len || eio_at, "clean end after %llu of %zu bytes",
                       (unsigned long long)tally__reader_raw_offset(r), len);
            break;
        }
        tally__buf_append(&res->out, buf, (size_t)n);
        if (res->out.len >= OUT_LIMIT) {
            res->limited = 1;
            break;
        }
    }
    res->comp = tally__reader_compression(r);
    res->raw = tally__reader_raw_offset(r);
    free(buf);
    tally__reader_free(r);
}

static int is_prefix(const tally_buf *a, const tally_buf *b) /* a is a prefix of b */
{
    return a->len <= b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static tally_dict *dict;
static tally_jsonl_spec *spec;

static void pipeline(const uint8_t *p, size_t n, uint32_t seed)
{
    tally_matcher *m = tally__matcher_new(dict);
    tally_jsonl_result jr;
    tally__jsonl_result_init(&jr, spec);
    uint64_t docs = 0;

    /* JSON Lines, as count_jsonl_line does */
    size_t pos = 0;
    while (pos < n) {
        const uint8_t *nl = memchr(p + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - p) : n;
        const uint8_t *line = p + pos;
        size_t len = end - pos, i = 0;
        pos = end + 1;
        while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
            i++;
        if (i == len)
            continue;
        tally_error err;
        if (tally__jsonl_scan(spec, line, len, &jr, &err) != 0 || !jr.is_object ||
            jr.fields[0].kind != TALLY_JF_STRINGS)
            continue;
        tally__matcher_doc_begin(m);
        for (size_t k = 0; k < jr.fields[0].count; k++) {
            const tally_jstr *s = &jr.strings[jr.fields[0].first + k];
            tally__matcher_field(m, s->ptr, s->len, 0);
        }
        m->doc_extra_invalid = jr.invalid_utf8;
        tally__matcher_doc_end(m);
        docs++;
    }

    /* lines: every line a document, a trailing CR dropped */
    pos = 0;
    while (pos < n) {
        const uint8_t *nl = memchr(p + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - p) : n, len = end - pos;
        if (len && p[pos + len - 1] == '\r')
            len--;
        tally__matcher_doc_begin(m);
        tally__matcher_field(m, p + pos, len, 0);
        tally__matcher_doc_end(m);
        docs++;
        pos = end + 1;
    }

    /* text: one document, cut like a document larger than a batch */
    size_t batch = 1 + seed % 5000;
    tally__matcher_doc_begin(m);
    pos = 0;
    int first = 1;
    while (pos < n || first) {
        size_t rest = n - pos, piece = rest;
        if (rest > batch) {
            piece = tally__tok_safe_cut(p + pos, batch, 65536);
            if (piece == 0) {
                /* no safe cut: a code point boundary, as forced_cut in pipeline.c */
                size_t k = batch;
                while (k > 0 && (p[pos + k - 1] & 0xC0) == 0x80 && batch - k < 3)
                    k--;
                if (k > 0 && p[pos + k - 1] >= 0xC0)
                    k--;
                piece = k ? k : batch;
            }
        }
        tally__matcher_field(m, p + pos, piece, !first);
        first = 0;
        pos += piece;
    }
    tally__matcher_doc_end(m);
    docs++;

    FUZZ_CHECK(m->b_docs == docs, "batch holds %llu documents, counted %llu",
               (unsigned long long)m->b_docs, (unsigned long long)docs);
    tally_idcount *kw, *grp;
    size_t nkw, ngrp;
    tally__matcher_take_batch(m, &kw, &nkw, &grp, &ngrp);
    for (size_t i = 0; i < nkw; i++)
        FUZZ_CHECK(kw[i].id < dict->n_kws && kw[i].docs <= docs && kw[i].count >= kw[i].docs &&
                       (i == 0 || kw[i - 1].id < kw[i].id),
                   "batch keyword entry %zu wrong", i);
    for (size_t i = 0; i < ngrp; i++)
        FUZZ_CHECK(grp[i].id < dict->n_groups && grp[i].docs <= docs &&
                       grp[i].count >= grp[i].docs && (i == 0 || grp[i - 1].id < grp[i].id),
                   "batch group entry %zu wrong", i);
    free(kw);
    free(grp);
    tally__jsonl_result_cleanup(&jr);
    tally__matcher_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dict) {
        static const char text[] = "global\ninternational\n[cooperation]\ncooperation\nexchange*\n"
                                   "[sharing]\nsharing\njoint building\ncollective effort\n"
                                   "[cn]\n\xe5\x85\xa8\xe7\x90\x83\xe5\x90\x88\xe4\xbd\x9c\n";
        tally_error err;
        dict = tally_dict_new(TALLY_TOKENIZER_UNICODE, 0);
        if (tally_dict_add_text(dict, "fuzz", text, sizeof text - 1, &err) ||
            tally_dict_compile(dict, &err))
            abort();
        static const char *const fields[] = {"text"};
        spec = tally__jsonl_spec_new(fields, 1, "id");
    }
    if (size < 4)
        return 0;
    uint32_t seed = (uint32_t)data[0] | (uint32_t)data[1] << 8;
    static const int wlogs[8] = {0, 10, 11, 12, 15, 17, 20, 23};
    int wlog = wlogs[data[2] & 7];
    int inject = data[3] & 1;
    const uint8_t *in = data + 4;
    size_t len = size - 4;

    result a, b, c;
    read_all(in, len, wlog, 0, 0, seed, &a);
    read_all(in, len, wlog, 1, 0, seed ^ 0x5bd1e995u, &b);
    if (!a.limited && !b.limited) {
        FUZZ_CHECK(a.code == b.code, "whole read ends with %d (%s), pieces with %d (%s)", a.code,
                   a.err.message, b.code, b.err.message);
        FUZZ_CHECK(a.comp == b.comp, "compression %d and %d", a.comp, b.comp);
        if (a.code == 0)
            FUZZ_CHECK(a.out.len == b.out.len && is_prefix(&a.out, &b.out),
                       "outputs differ: %zu and %zu bytes", a.out.len, b.out.len);
    }
    FUZZ_CHECK(is_prefix(&a.out, &b.out) || is_prefix(&b.out, &a.out),
               "outputs of %zu and %zu bytes disagree before their ends", a.out.len, b.out.len);
    if (inject && len) {
        read_all(in, len, wlog, 1, 1 + (int)(seed % 40), seed ^ 0x9e3779b9u, &c);
        if (!a.limited && !c.limited) {
            FUZZ_CHECK(c.code == a.code || c.code == TALLY_EIO,
                       "with a read error injected: %d (%s), without %d", c.code, c.err.message, a.code);
            if (c.code == 0)
                FUZZ_CHECK(c.out.len == a.out.len && is_prefix(&c.out, &a.out),
                           "with a read error injected, a clean end with other output");
        }
        FUZZ_CHECK(is_prefix(&c.out, &a.out) || is_prefix(&a.out, &c.out),
                   "injected read error: output disagrees");
        tally__buf_cleanup(&c.out);
    }
    pipeline(a.out.data ? a.out.data : (const uint8_t *)"", a.out.len < PIPE_LIMIT ? a.out.len : PIPE_LIMIT,
             seed);
    tally__buf_cleanup(&a.out);
    tally__buf_cleanup(&b.out);
    return 0;
}
