/* fuzz_jarray.c — libFuzzer target for the JSON array cutter (lib/jarray.c), differential against
 * jansson.
 *
 * The first two bytes are control bytes: a seed for the piece sizes and the start offset (0 or a
 * large one). The rest is the stream, cut three ways:
 *   run A: fed whole, from an exact-size copy;
 *   run B: fed in pieces of random size (empty, 1 byte, a few, hundreds, thousands), each in its
 *          own exact-size copy, by a caller that keeps only the bytes from open_start on;
 *   run C: fed one byte at a time.
 * Checks: the three give identical events; events are in stream order and inside the stream;
 * every element is non-empty, starts and ends on a non-whitespace byte, is followed (after
 * whitespace) by the ',' or ']' that closed it, lies in the bytes that run B's caller kept, and
 * has the line number of a naive LF count; after feed returns 1 nothing more is reported.
 * When jansson (json_loadb with JSON_DECODE_ANY) accepts the stream as an array, there must be
 * no ERROR and one element per array element, each parsing with jansson to an equal value (no
 * difference is excused: jansson, too, rejects a NUL byte after the closing ']', "[1]\0x"). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_util.h"
#include "jarray.h"

typedef struct ev {
    int kind;
    uint64_t start, end, line;
    const char *msg;
} ev;

typedef struct run {
    const uint8_t *in; /* the whole stream */
    uint64_t off;      /* absolute offset of in[0] */
    ev *ev;
    size_t n_ev, cap_ev;
    int over;         /* feed returned 1 */
    uint8_t *keep;    /* kept bytes: absolute [keep_base, keep_base + keep_len) */
    size_t keep_len, keep_cap;
    uint64_t keep_base;
    int keeping;      /* run B: check elements against the kept bytes */
} run;

static uint32_t rng(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static int is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void on_event(void *ctx, const tally_ja_event *e)
{
    run *r = ctx;
    FUZZ_CHECK(!r->over, "an event after feed returned 1");
    FUZZ_CHECK(e->kind == TALLY_JA_ELEMENT || e->kind == TALLY_JA_ERROR, "kind %d", e->kind);
    if (e->kind == TALLY_JA_ELEMENT && r->keeping) {
        FUZZ_CHECK(e->start >= r->keep_base && e->end <= r->keep_base + r->keep_len,
                   "element [%llu,%llu) outside the kept bytes [%llu,+%zu)",
                   (unsigned long long)e->start, (unsigned long long)e->end,
                   (unsigned long long)r->keep_base, r->keep_len);
        FUZZ_CHECK(memcmp(r->keep + (e->start - r->keep_base), r->in + (e->start - r->off),
                          e->end - e->start) == 0,
                   "kept bytes differ from the stream");
    }
    if (r->n_ev == r->cap_ev) {
        r->cap_ev = r->cap_ev ? 2 * r->cap_ev : 16;
        r->ev = realloc(r->ev, r->cap_ev * sizeof *r->ev);
        if (!r->ev)
            abort();
    }
    r->ev[r->n_ev++] = (ev){e->kind, e->start, e->end, e->line, e->message};
}

static void feed_piece(run *r, tally_jarray *a, const uint8_t *p, size_t n)
{
    if (r->over)
        return;
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        abort();
    memcpy(copy, p, n);
    int rc = tally__jarray_feed(a, n ? copy : NULL, n, on_event, r);
    free(copy);
    FUZZ_CHECK(rc == 0 || rc == 1, "feed returned %d", rc);
    if (rc)
        r->over = 1;
}

/* The caller's side of open_start: drop what the cutter no longer needs, then add the piece. */
static void keep_piece(run *r, const tally_jarray *a, uint64_t pos, const uint8_t *p, size_t n)
{
    uint64_t os = tally__jarray_open_start(a);
    uint64_t to = os == UINT64_MAX ? pos : os;
    FUZZ_CHECK(to >= r->keep_base && to <= pos, "open_start %llu outside [%llu,%llu]",
               (unsigned long long)os, (unsigned long long)r->keep_base, (unsigned long long)pos);
    size_t d = (size_t)(to - r->keep_base);
    if (d)
        memmove(r->keep, r->keep + d, r->keep_len - d);
    r->keep_len -= d;
    r->keep_base = to;
    if (r->keep_len + n > r->keep_cap) {
        r->keep_cap = 2 * (r->keep_len + n) + 16;
        r->keep = realloc(r->keep, r->keep_cap);
        if (!r->keep)
            abort();
    }
    if (n)
        memcpy(r->keep + r->keep_len, p, n);
    r->keep_len += n;
}

static void run_init(run *r, tally_jarray *a, const uint8_t *in, uint64_t off)
{
    memset(r, 0, sizeof *r);
    r->in = in;
    r->off = off;
    r->keep_base = off;
    tally__jarray_init(a, off);
}

static void run_end(run *r, tally_jarray *a)
{
    int over = r->over;
    if (over) {
        size_t n0 = r->n_ev;
        r->over = 0;
        FUZZ_CHECK(tally__jarray_feed(a, (const uint8_t *)"x", 1, on_event, r) == 1 &&
                       r->n_ev == n0,
                   "fed after a fatal error: not over");
    }
    r->over = 0; /* finish may still report (truncation) unless a fatal error came */
    size_t before = r->n_ev;
    tally__jarray_finish(a, on_event, r);
    FUZZ_CHECK(!over || r->n_ev == before, "finish reported after a fatal error");
    FUZZ_CHECK(tally__jarray_open_start(a) == UINT64_MAX, "open after finish");
}

static void same(const run *a, const run *b, const char *what)
{
    FUZZ_CHECK(a->n_ev == b->n_ev, "%s: %zu events, whole %zu", what, b->n_ev, a->n_ev);
    for (size_t i = 0; i < a->n_ev; i++) {
        const ev *x = &a->ev[i], *y = &b->ev[i];
        FUZZ_CHECK(x->kind == y->kind && x->start == y->start && x->end == y->end &&
                       x->line == y->line && x->msg == y->msg,
                   "%s: event %zu: kind %d [%llu,%llu) line %llu, whole: kind %d [%llu,%llu) line %llu",
                   what, i, y->kind, (unsigned long long)y->start, (unsigned long long)y->end,
                   (unsigned long long)y->line, x->kind, (unsigned long long)x->start,
                   (unsigned long long)x->end, (unsigned long long)x->line);
    }
}

static void invariants(const run *r, const uint8_t *in, size_t n, uint64_t off)
{
    uint64_t last = off, line = 1;
    size_t counted = 0; /* LFs counted in in[0, counted) */
    for (size_t i = 0; i < r->n_ev; i++) {
        const ev *e = &r->ev[i];
        FUZZ_CHECK(e->start >= last && e->start >= off && e->end <= off + n,
                   "event %zu [%llu,%llu) out of order or outside the stream", i,
                   (unsigned long long)e->start, (unsigned long long)e->end);
        size_t s = (size_t)(e->start - off);
        for (; counted < s; counted++)
            line += in[counted] == '\n';
        FUZZ_CHECK(e->line == line, "event %zu: line %llu, LFs say %llu", i,
                   (unsigned long long)e->line, (unsigned long long)line);
        if (e->kind == TALLY_JA_ELEMENT) {
            size_t end = (size_t)(e->end - off);
            FUZZ_CHECK(s < end && !is_ws(in[s]) && !is_ws(in[end - 1]) && !e->msg,
                       "element %zu [%zu,%zu) empty or untrimmed", i, s, end);
            while (end < n && is_ws(in[end]))
                end++;
            FUZZ_CHECK(end < n && (in[end] == ',' || in[end] == ']'),
                       "element %zu not closed by ',' or ']'", i);
            last = e->end;
        } else {
            FUZZ_CHECK(e->end == e->start && e->msg && e->msg[0], "error %zu malformed", i);
            last = e->start;
        }
    }
}

/* When jansson takes the stream for an array, the elements must be its elements. */
static void against_jansson(const run *r, const uint8_t *in, size_t n, uint64_t off)
{
    json_error_t je;
    json_t *root = json_loadb((const char *)in, n, JSON_DECODE_ANY, &je);
    if (!root)
        return;
    if (json_is_array(root)) {
        size_t k = 0;
        for (size_t i = 0; i < r->n_ev; i++) {
            const ev *e = &r->ev[i];
            FUZZ_CHECK(e->kind == TALLY_JA_ELEMENT, "jansson accepts the array, we report '%s' at %llu",
                       e->msg, (unsigned long long)(e->start - off));
            FUZZ_CHECK(k < json_array_size(root), "more elements than jansson's %zu",
                       json_array_size(root));
            const char *p = (const char *)in + (e->start - off);
            size_t len = (size_t)(e->end - e->start);
            json_t *v = json_loadb(p, len, JSON_DECODE_ANY, &je);
            FUZZ_CHECK(v, "element %zu '%.*s' does not parse: %s", k, (int)len, p, je.text);
            FUZZ_CHECK(json_equal(v, json_array_get(root, k)), "element %zu '%.*s' differs", k,
                       (int)len, p);
            json_decref(v);
            k++;
        }
        FUZZ_CHECK(k == json_array_size(root), "%zu elements, jansson %zu", k,
                   json_array_size(root));
    }
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_cursor ctl = {data, size < 2 ? size : 2};
    size_t skip = size < 2 ? size : 2;
    const uint8_t *in = data + skip;
    size_t n = size - skip;
    unsigned c0 = fz_byte(&ctl), c1 = fz_byte(&ctl);
    uint32_t seed = (c0 | c1 << 8) * 2654435761u + 1;
    uint64_t off = c0 & 1 ? ((uint64_t)c1 << 33) + c0 : 0;
    tally_jarray a;

    run A;
    run_init(&A, &a, in, off);
    feed_piece(&A, &a, in, n);
    run_end(&A, &a);
    invariants(&A, in, n, off);

    run B;
    run_init(&B, &a, in, off);
    B.keeping = 1;
    for (size_t pos = 0; pos < n && !B.over;) {
        uint32_t x = rng(&seed);
        size_t lim = x % 5 == 0 ? 1 : x % 5 == 1 ? 4 : x % 5 == 2 ? 64 : x % 5 == 3 ? 700 : 9000;
        size_t k = (x >> 8) % (lim + 1); /* 0: an empty piece */
        if (k > n - pos)
            k = n - pos;
        keep_piece(&B, &a, off + pos, in + pos, k);
        feed_piece(&B, &a, in + pos, k);
        pos += k;
        uint64_t os = tally__jarray_open_start(&a);
        FUZZ_CHECK(os == UINT64_MAX || (os >= off && os < off + pos), "open_start %llu past %zu",
                   (unsigned long long)os, pos);
    }
    run_end(&B, &a);
    same(&A, &B, "random pieces");

    run C;
    run_init(&C, &a, in, off);
    for (size_t pos = 0; pos < n && !C.over; pos++)
        feed_piece(&C, &a, in + pos, 1);
    run_end(&C, &a);
    same(&A, &C, "byte by byte");

    against_jansson(&A, in, n, off);

    free(A.ev);
    free(B.ev);
    free(B.keep);
    free(C.ev);
    return 0;
}
