/* test_jarray.c — unit tests of the JSON array cutter (lib/jarray.c): hand-written cases (pretty
 * and compact arrays, scalars, nesting, strings holding brackets, commas, escaped quotes and
 * backslashes, CRLF, every error), each fed whole, byte by byte and split at every point into two
 * and three pieces, at offset 0 and at a large start offset, with identical events required; a
 * million-deep element; a differential test against jansson on generated arrays; and random byte
 * soup checked for invariants only.
 *
 * Every run goes through a caller that keeps only the bytes tally__jarray_open_start asks for,
 * each piece in an exact-size heap copy (ASan sees a read past a piece), and checks that every
 * reported element lies in the bytes it kept. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jarray.h"

/* ---- a caller that keeps what open_start asks for ----------------------------------------- */

struct ev {
    int kind;
    uint64_t start, end, line;
    const char *msg;
};

struct run {
    const uint8_t *in; /* the whole input, for checking element bytes */
    uint64_t off;      /* absolute offset of in[0] */
    struct ev *ev;
    size_t n_ev, cap_ev;
    uint8_t *keep; /* the kept bytes: absolute offsets [keep_base, keep_base + keep_len) */
    size_t keep_len, keep_cap;
    uint64_t keep_base;
    int stopped;       /* feed returned 1 */
    size_t stop_piece; /* ... for this piece */
    size_t piece;      /* the piece being fed */
};

static void on_event(void *ctx, const tally_ja_event *e)
{
    struct run *r = ctx;
    assert_true(e->kind == TALLY_JA_ELEMENT || e->kind == TALLY_JA_ERROR);
    if (e->kind == TALLY_JA_ELEMENT) {
        assert_null(e->message);
        assert_true(e->start < e->end);
        /* the element must be in what the caller kept, and be the input's bytes there */
        if (e->start < r->keep_base || e->end > r->keep_base + r->keep_len)
            fail_msg("element [%llu,%llu) outside the kept bytes [%llu,%llu)",
                     (unsigned long long)e->start, (unsigned long long)e->end,
                     (unsigned long long)r->keep_base,
                     (unsigned long long)(r->keep_base + r->keep_len));
        assert_memory_equal(r->keep + (e->start - r->keep_base), r->in + (e->start - r->off),
                            e->end - e->start);
    } else {
        assert_non_null(e->message);
        assert_true(e->start == e->end);
    }
    if (r->n_ev == r->cap_ev) {
        r->cap_ev = r->cap_ev ? 2 * r->cap_ev : 16;
        r->ev = realloc(r->ev, r->cap_ev * sizeof *r->ev);
        assert_non_null(r->ev);
    }
    r->ev[r->n_ev++] = (struct ev){e->kind, e->start, e->end, e->line, e->message};
}

static void run_free(struct run *r)
{
    free(r->ev);
    free(r->keep);
    memset(r, 0, sizeof *r);
}

/* Feeds in[0,n) in the pieces that end at cuts[0] < cuts[1] < ... (then the rest), as a
 * pipeline would: before each piece it drops the bytes before open_start. */
static void run_pieces(struct run *r, const uint8_t *in, size_t n, uint64_t off, const size_t *cuts,
                       size_t n_cuts)
{
    memset(r, 0, sizeof *r);
    r->in = in;
    r->off = off;
    r->keep_base = off;
    tally_jarray a;
    tally__jarray_init(&a, off);
    size_t pos = 0;
    for (size_t c = 0; c <= n_cuts && !r->stopped; c++) {
        size_t end = c < n_cuts ? cuts[c] : n;
        assert_true(end >= pos && end <= n);
        uint64_t os = tally__jarray_open_start(&a);
        uint64_t drop_to = os == UINT64_MAX ? off + pos : os;
        assert_true(drop_to >= r->keep_base && drop_to <= off + pos);
        size_t d = (size_t)(drop_to - r->keep_base);
        if (d)
            memmove(r->keep, r->keep + d, r->keep_len - d);
        r->keep_len -= d;
        r->keep_base = drop_to;
        if (r->keep_len + (end - pos) > r->keep_cap) {
            r->keep_cap = 2 * (r->keep_len + (end - pos)) + 16;
            r->keep = realloc(r->keep, r->keep_cap);
            assert_non_null(r->keep);
        }
        if (end > pos)
            memcpy(r->keep + r->keep_len, in + pos, end - pos);
        r->keep_len += end - pos;
        uint8_t *piece = malloc(end - pos ? end - pos : 1);
        assert_non_null(piece);
        memcpy(piece, in + pos, end - pos);
        r->piece = c;
        int rc = tally__jarray_feed(&a, end > pos ? piece : NULL, end - pos, on_event, r);
        free(piece);
        assert_true(rc == 0 || rc == 1);
        if (rc) {
            r->stopped = 1;
            r->stop_piece = c;
            /* the cutter is over: more bytes give no event */
            size_t before = r->n_ev;
            assert_int_equal(tally__jarray_feed(&a, (const uint8_t *)"x", 1, on_event, r), 1);
            assert_int_equal(r->n_ev, before);
        }
        pos = end;
        os = tally__jarray_open_start(&a);
        if (os != UINT64_MAX)
            assert_true(os >= off && os < off + pos);
    }
    tally__jarray_finish(&a, on_event, r);
    assert_int_equal(tally__jarray_open_start(&a), UINT64_MAX);
}

static void run_whole(struct run *r, const uint8_t *in, size_t n, uint64_t off)
{
    run_pieces(r, in, n, off, NULL, 0);
}

static void expect_same(const struct run *a, const struct run *b, const char *what)
{
    if (a->n_ev != b->n_ev)
        fail_msg("%s: %zu events, whole: %zu", what, b->n_ev, a->n_ev);
    for (size_t i = 0; i < a->n_ev; i++) {
        const struct ev *x = &a->ev[i], *y = &b->ev[i];
        if (x->kind != y->kind || x->start != y->start || x->end != y->end || x->line != y->line ||
            (x->msg != y->msg && (!x->msg || !y->msg || strcmp(x->msg, y->msg) != 0)))
            fail_msg("%s: event %zu differs: kind %d [%llu,%llu) line %llu %s, whole: kind %d "
                     "[%llu,%llu) line %llu %s",
                     what, i, y->kind, (unsigned long long)y->start, (unsigned long long)y->end,
                     (unsigned long long)y->line, y->msg ? y->msg : "-", x->kind,
                     (unsigned long long)x->start, (unsigned long long)x->end,
                     (unsigned long long)x->line, x->msg ? x->msg : "-");
    }
}

/* The input whole, byte by byte, and split at every point into two and three pieces: the events
 * must not change. Returns the whole run (the caller frees it). */
static struct run check_all_splits(const uint8_t *in, size_t n, uint64_t off)
{
    struct run whole, r;
    run_whole(&whole, in, n, off);

    size_t *cuts = malloc((n + 1) * sizeof *cuts);
    for (size_t i = 0; i < n; i++)
        cuts[i] = i + 1;
    run_pieces(&r, in, n, off, cuts, n);
    expect_same(&whole, &r, "byte by byte");
    run_free(&r);
    free(cuts);

    char what[64];
    for (size_t i = 0; i <= n; i++) {
        size_t c1[1] = {i};
        run_pieces(&r, in, n, off, c1, 1);
        snprintf(what, sizeof what, "split at %zu", i);
        expect_same(&whole, &r, what);
        run_free(&r);
        for (size_t j = i; j <= n; j++) {
            size_t c2[2] = {i, j};
            run_pieces(&r, in, n, off, c2, 2);
            snprintf(what, sizeof what, "split at %zu and %zu", i, j);
            expect_same(&whole, &r, what);
            run_free(&r);
        }
    }
    return whole;
}

/* ---- hand-written cases ------------------------------------------------------------------- */

/* An expected event: "=TEXT" an element with exactly these bytes, at the first place at or after
 * the previous event where the input holds them; "!OFFSET:MESSAGE" an error at that offset
 * (relative to the input) whose message contains MESSAGE; OFFSET "$" is the end of the input. */
struct jcase {
    const char *in;
    size_t len; /* 0: strlen */
    const char *want[8];
};

static uint64_t lf_before(const uint8_t *in, size_t at)
{
    uint64_t k = 1;
    for (size_t i = 0; i < at; i++)
        k += in[i] == '\n';
    return k;
}

static int is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void check_case(const struct jcase *c, uint64_t off)
{
    const uint8_t *in = (const uint8_t *)c->in;
    size_t n = c->len ? c->len : strlen(c->in);
    struct run r = check_all_splits(in, n, off);
    size_t w = 0, from = 0;
    for (; w < 8 && c->want[w]; w++) {
        const char *s = c->want[w];
        if (w >= r.n_ev)
            fail_msg("case '%s': %zu events, want more (next: %s)", c->in, r.n_ev, s);
        const struct ev *e = &r.ev[w];
        uint64_t at;
        if (s[0] == '=') {
            size_t tl = strlen(s + 1), i;
            for (i = from; i + tl <= n && memcmp(in + i, s + 1, tl) != 0; i++)
                ;
            assert_true(i + tl <= n); /* the case is written wrong otherwise */
            if (e->kind != TALLY_JA_ELEMENT || e->start != off + i || e->end != off + i + tl)
                fail_msg("case '%s' event %zu: kind %d [%llu,%llu), want element '%s' at [%llu,%llu)",
                         c->in, w, e->kind, (unsigned long long)(e->start - off),
                         (unsigned long long)(e->end - off), s + 1, (unsigned long long)i,
                         (unsigned long long)(i + tl));
            at = i;
            from = i + tl;
        } else {
            assert_int_equal(s[0], '!');
            at = s[1] == '$' ? n : strtoull(s + 1, NULL, 10);
            const char *msg = strchr(s, ':') + 1;
            if (e->kind != TALLY_JA_ERROR || e->start != off + at || !strstr(e->msg, msg))
                fail_msg("case '%s' event %zu: kind %d at %llu (%s), want error at %llu (%s)",
                         c->in, w, e->kind, (unsigned long long)(e->start - off),
                         e->msg ? e->msg : "-", (unsigned long long)at, msg);
            from = at;
        }
        if (e->line != lf_before(in, at))
            fail_msg("case '%s' event %zu: line %llu, want %llu", c->in, w,
                     (unsigned long long)e->line, (unsigned long long)lf_before(in, at));
    }
    if (r.n_ev != w)
        fail_msg("case '%s': %zu events, want %zu", c->in, r.n_ev, w);
    run_free(&r);
}

static const struct jcase valid_cases[] = {
    {"[]", 0, {NULL}},
    {"[ ]", 0, {NULL}},
    {" \r\n\t[ \n\r\t ] \r\n\t", 0, {NULL}},
    {"[1]", 0, {"=1"}},
    {"[1,2,3]", 0, {"=1", "=2", "=3"}},
    {"[ 1 , 22\t,\r\n333 ]", 0, {"=1", "=22", "=333"}},
    {"[true,false,null,-1.5e3,\"x\",0]", 0,
     {"=true", "=false", "=null", "=-1.5e3", "=\"x\"", "=0"}},
    {"[\"a]\",\"b,\",\"c[\",\"{\",\"}\"]", 0, {"=\"a]\"", "=\"b,\"", "=\"c[\"", "=\"{\"", "=\"}\""}},
    /* an escaped quote does not end the string; an escaped backslash does not escape the quote */
    {"[\"\\\"\",\"\\\\\",\"\\\\\\\"],\"]", 0, {"=\"\\\"\"", "=\"\\\\\"", "=\"\\\\\\\"],\""}},
    {"[\"\\\\\"]", 0, {"=\"\\\\\""}},
    {"[[1,[2,3]],[],[[]],[[\"]\"]]]", 0, {"=[1,[2,3]]", "=[]", "=[[]]", "=[[\"]\"]]"}},
    {"[{\"a\":[1,2],\"b\":{\"c\":\"],}\"}},{},{\"d\":\"\\\"}\"}]", 0,
     {"={\"a\":[1,2],\"b\":{\"c\":\"],}\"}}", "={}", "={\"d\":\"\\\"}\"}"}},
    /* pretty-printed with CRLF line ends: the trailing CR and spaces are not the element's */
    {"[\r\n  {\r\n    \"id\": 1,\r\n    \"text\": \"hello, world]\"\r\n  },\r\n  {\"id\": 2}\r\n]\r\n", 0,
     {"={\r\n    \"id\": 1,\r\n    \"text\": \"hello, world]\"\r\n  }", "={\"id\": 2}"}},
    {"[\n  {\n    \"id\": \"a\",\n    \"tags\": [\n      \"x\",\n      \"y\"\n    ]\n  },\n"
     "  [\n    1,\n    2\n  ],\n  \"s\"\n]\n",
     0,
     {"={\n    \"id\": \"a\",\n    \"tags\": [\n      \"x\",\n      \"y\"\n    ]\n  }",
      "=[\n    1,\n    2\n  ]", "=\"s\""}},
    /* LFs count inside strings, raw or escaped */
    {"[\"a\nb\",\n\"c\\\n\",\n3]", 0, {"=\"a\nb\"", "=\"c\\\n\"", "=3"}},
    {"[ \"\\u005d\" ]", 0, {"=\"\\u005d\""}},
    /* not validated: whatever lies between the separators is the element */
    {"[ 1 2 ,{\"a\" \"b\"}]", 0, {"=1 2", "={\"a\" \"b\"}"}},
    {"[\"\xc3\xa9\xf0\x9f\x98\x80\",\"\xff\"]", 0, {"=\"\xc3\xa9\xf0\x9f\x98\x80\"", "=\"\xff\""}},
    /* mismatched brackets (see jarray.h): a '}' at the top level is a byte of the element, a ']'
     * there closes the array; inside, any closer pairs with the last opener */
    {"[}]", 0, {"=}"}},
    {"[} ,}}]", 0, {"=}", "=}}"}},
    {"[{\"a\":1]]", 0, {"={\"a\":1]"}},
    {"[{\"a\":1}}, 2]", 0, {"={\"a\":1}}", "=2"}},
    {"[[1}, 2]", 0, {"=[1}", "=2"}},
    {"[1] \n\t\r ", 0, {"=1"}},
};

static const struct jcase error_cases[] = {
    /* empty elements: an error at the ',' or ']', and the cutter goes on */
    {"[1,,2]", 0, {"=1", "!3:expected a value", "=2"}},
    {"[,1]", 0, {"!1:expected a value", "=1"}},
    {"[1,]", 0, {"=1", "!3:expected a value"}},
    {"[1,] ", 0, {"=1", "!3:expected a value"}},
    {"[,]", 0, {"!1:expected a value", "!2:expected a value"}},
    {"[ ,\n , ]", 0, {"!2:expected a value", "!5:expected a value", "!7:expected a value"}},
    {"[1,\n\n , 2]", 0, {"=1", "!6:expected a value", "=2"}},
    {"[1,,]x", 0, {"=1", "!3:expected a value", "!4:expected a value", "!5:after the closing ']'"}},
    /* before the array */
    {"", 0, {"!0:the input is empty"}},
    {"  \n\r\n\t", 0, {"!$:the input is empty"}},
    {"{}", 0, {"!0:expected '['"}},
    {"x[1]", 0, {"!0:expected '['"}},
    {"\n \n1", 0, {"!3:expected '['"}},
    {"\xef\xbb\xbf[1]", 0, {"!0:expected '['"}},
    {"\f[1]", 0, {"!0:expected '['"}},
    {"\"[\"", 0, {"!0:expected '['"}},
    /* after the array */
    {"[1] x", 0, {"=1", "!4:unexpected data after the closing ']'"}},
    {"[1]]", 0, {"=1", "!3:unexpected data after the closing ']'"}},
    {"[1][2]", 0, {"=1", "!3:unexpected data after the closing ']'"}},
    {"[]\n,", 0, {"!3:unexpected data after the closing ']'"}},
    {"[] \f", 0, {"!3:unexpected data after the closing ']'"}},
    {"[]\0", 3, {"!2:unexpected data after the closing ']'"}},
    /* a fatal error ends everything: nothing after it is reported */
    {"x,,]", 0, {"!0:expected '['"}},
    {"[1]x,,]", 0, {"=1", "!3:unexpected data"}},
    /* truncated: the open element is not reported */
    {"[", 0, {"!$:before the array's closing ']'"}},
    {" [ \n", 0, {"!$:before the array's closing ']'"}},
    {"[1,", 0, {"=1", "!$:before the array's closing ']'"}},
    {"[1", 0, {"!$:inside an element"}},
    {"[1 \n", 0, {"!$:inside an element"}},
    {"[{\"a\":1]", 0, {"!$:inside an element"}},
    {"[[[]]", 0, {"!$:inside an element"}},
    {"[\"ab", 0, {"!$:inside a string"}},
    {"[\"a\\", 0, {"!$:inside a string"}},
    {"[\"a\\\"]", 0, {"!$:inside a string"}},
    {"[\"a\\\\\"", 0, {"!$:inside an element"}},
};

static void test_valid_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid_cases / sizeof *valid_cases; i++) {
        check_case(&valid_cases[i], 0);
        check_case(&valid_cases[i], 3);
        check_case(&valid_cases[i], (uint64_t)1 << 40);
    }
}

static void test_error_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof error_cases / sizeof *error_cases; i++) {
        check_case(&error_cases[i], 0);
        check_case(&error_cases[i], 7);
        check_case(&error_cases[i], (uint64_t)1 << 40);
    }
}

/* ---- feed's return value, finish, closed -------------------------------------------------- */

static void count_cb(void *ctx, const tally_ja_event *e)
{
    (void)e;
    ++*(int *)ctx;
}

static int feed_s(tally_jarray *a, const char *s, int *n)
{
    return tally__jarray_feed(a, (const uint8_t *)s, strlen(s), count_cb, n);
}

static void test_return_values(void **state)
{
    (void)state;
    tally_jarray a;
    int n = 0;
    tally__jarray_init(&a, 0);
    assert_int_equal(tally__jarray_feed(&a, NULL, 0, count_cb, &n), 0);
    assert_int_equal(feed_s(&a, " [1, ", &n), 0);
    assert_int_equal(tally__jarray_closed(&a), 0);
    assert_int_equal(tally__jarray_open_start(&a), UINT64_MAX);
    assert_int_equal(feed_s(&a, "\"ab", &n), 0);
    assert_int_equal(tally__jarray_open_start(&a), 5);
    assert_int_equal(feed_s(&a, "c\"]", &n), 0); /* closed, but what follows must be checked */
    assert_int_equal(n, 2);
    assert_int_equal(tally__jarray_closed(&a), 1);
    assert_int_equal(tally__jarray_open_start(&a), UINT64_MAX);
    assert_int_equal(feed_s(&a, " \n", &n), 0);
    assert_int_equal(feed_s(&a, " x y", &n), 1);
    assert_int_equal(n, 3);
    assert_int_equal(tally__jarray_closed(&a), 0);
    assert_int_equal(feed_s(&a, "]", &n), 1);
    tally__jarray_finish(&a, count_cb, &n);
    assert_int_equal(n, 3);

    tally__jarray_init(&a, 0);
    n = 0;
    assert_int_equal(feed_s(&a, "[]", &n), 0);
    tally__jarray_finish(&a, count_cb, &n);
    assert_int_equal(n, 0);
    assert_int_equal(tally__jarray_closed(&a), 1);
    assert_int_equal(feed_s(&a, "[]", &n), 1); /* fed after finish */
    assert_int_equal(n, 0);

    tally__jarray_init(&a, 0);
    n = 0;
    assert_int_equal(feed_s(&a, "{", &n), 1);
    tally__jarray_finish(&a, count_cb, &n);
    assert_int_equal(n, 1);
}

/* ---- depth -------------------------------------------------------------------------------- */

static void test_deep(void **state)
{
    (void)state;
    const size_t depth = 1000000;
    size_t n = 2 * depth + 16, k = 0;
    uint8_t *in = malloc(n);
    in[k++] = '[';
    in[k++] = ' ';
    for (size_t i = 0; i < depth; i++)
        in[k++] = i % 3 ? '[' : '{';
    in[k++] = '"';
    in[k++] = ']';
    in[k++] = '"';
    for (size_t i = depth; i-- > 0;)
        in[k++] = i % 3 ? ']' : '}';
    size_t deep_end = k;
    memcpy(in + k, " , 1 ]", 6);
    k += 6;

    static const size_t sizes[] = {0, 1, 7, 4096};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        struct run r;
        size_t m = sizes[s] ? (k + sizes[s] - 1) / sizes[s] - 1 : 0, *cuts = malloc((m + 1) * sizeof *cuts);
        for (size_t i = 0; i < m; i++)
            cuts[i] = (i + 1) * sizes[s];
        run_pieces(&r, in, k, 100, cuts, m);
        free(cuts);
        assert_int_equal(r.n_ev, 2);
        assert_int_equal(r.ev[0].kind, TALLY_JA_ELEMENT);
        assert_int_equal(r.ev[0].start, 102);
        assert_int_equal(r.ev[0].end, 100 + deep_end);
        assert_int_equal(r.ev[1].kind, TALLY_JA_ELEMENT);
        assert_int_equal(r.ev[1].start, 100 + deep_end + 3);
        assert_int_equal(r.ev[1].end, 100 + deep_end + 4);
        run_free(&r);
    }
    free(in);
}

/* ---- random JSON: differential against jansson -------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

static uint32_t below(uint32_t n)
{
    return rnd() % n;
}

struct sb {
    char *p;
    size_t len, cap;
};

static void sb_put(struct sb *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = 2 * (b->len + n + 1);
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_puts(struct sb *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* Whitespace where JSON allows it: none, or a few of space, tab, LF, CR. */
static void gen_ws(struct sb *b, int pretty, int indent)
{
    if (pretty) {
        sb_puts(b, below(4) ? "\n" : "\r\n");
        for (int i = 0; i < indent; i++)
            sb_puts(b, "  ");
        return;
    }
    if (below(3))
        return;
    static const char ws[] = " \t\n\r";
    for (uint32_t k = below(4); k > 0; k--)
        sb_put(b, &ws[below(4)], 1);
}

static void gen_string(struct sb *b)
{
    static const char *const parts[] = {
        "a", "text", " ", "[", "]", "{", "}", ",", ":", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n",
        "\\r", "\\t", "\\u005d", "\\u00e9", "\\ud83d\\ude00", "\xc3\xa9", "\xe4\xb8\xad",
        "\xf0\x9f\x98\x80", "\\\\\\\"", "]}", "\\\\]",
    };
    sb_puts(b, "\"");
    for (uint32_t k = below(8); k > 0; k--)
        sb_puts(b, parts[below(sizeof parts / sizeof *parts)]);
    sb_puts(b, "\"");
}

static void gen_value(struct sb *b, int depth, int pretty, int indent)
{
    uint32_t pick = below(depth > 4 ? 6 : 9);
    char num[64];
    switch (pick) {
    case 0:
        sb_puts(b, below(2) ? "true" : "false");
        break;
    case 1:
        sb_puts(b, "null");
        break;
    case 2:
        snprintf(num, sizeof num, "%s%u", below(2) ? "-" : "", rnd());
        sb_puts(b, num);
        break;
    case 3:
        snprintf(num, sizeof num, "%s%u.%u%s", below(2) ? "-" : "", below(1000), below(1000),
                 below(2) ? "e-7" : "E+12");
        sb_puts(b, num);
        break;
    case 4:
    case 5:
        gen_string(b);
        break;
    case 6:
    case 7: {
        sb_puts(b, "[");
        uint32_t n = below(4);
        for (uint32_t i = 0; i < n; i++) {
            gen_ws(b, pretty, indent + 1);
            gen_value(b, depth + 1, pretty, indent + 1);
            gen_ws(b, 0, 0);
            if (i + 1 < n)
                sb_puts(b, ",");
        }
        if (n)
            gen_ws(b, pretty, indent);
        else if (below(2))
            gen_ws(b, 0, 0);
        sb_puts(b, "]");
        break;
    }
    default: {
        sb_puts(b, "{");
        uint32_t n = below(4);
        for (uint32_t i = 0; i < n; i++) {
            char key[32];
            gen_ws(b, pretty, indent + 1);
            /* distinct keys, so that jansson's "last one wins" plays no part */
            snprintf(key, sizeof key, "\"k%u]\\\"\"", i);
            sb_puts(b, key);
            gen_ws(b, 0, 0);
            sb_puts(b, pretty ? ": " : ":");
            gen_ws(b, 0, 0);
            gen_value(b, depth + 1, pretty, indent + 1);
            gen_ws(b, 0, 0);
            if (i + 1 < n)
                sb_puts(b, ",");
        }
        if (n)
            gen_ws(b, pretty, indent);
        sb_puts(b, "}");
        break;
    }
    }
}

/* Random pieces: mostly small, sometimes large or empty. */
static size_t random_cuts(size_t n, size_t *cuts, size_t max)
{
    size_t k = 0, pos = 0;
    while (k < max) {
        uint32_t r = below(8);
        size_t step = r == 0 ? 0 : r < 4 ? 1 + below(3) : r < 7 ? 1 + below(40) : 1 + below(2000);
        pos += step;
        if (pos >= n)
            break;
        cuts[k++] = pos;
    }
    return k;
}

static void test_differential_jansson(void **state)
{
    (void)state;
    struct sb b = {0};
    size_t *cuts = malloc(100000 * sizeof *cuts);
    size_t total_elements = 0;
    for (int iter = 0; iter < 3000; iter++) {
        int pretty = iter % 3 == 0;
        b.len = 0;
        gen_ws(&b, 0, 0);
        sb_puts(&b, "[");
        uint32_t n = below(7);
        for (uint32_t i = 0; i < n; i++) {
            gen_ws(&b, pretty, 1);
            gen_value(&b, 0, pretty, 1);
            gen_ws(&b, 0, 0);
            if (i + 1 < n)
                sb_puts(&b, ",");
        }
        gen_ws(&b, pretty && n, 0);
        sb_puts(&b, "]");
        gen_ws(&b, 0, 0);

        json_error_t je;
        json_t *want = json_loadb(b.p, b.len, 0, &je);
        if (!want || !json_is_array(want))
            fail_msg("the generator made invalid JSON (%s): %s", je.text, b.p);
        assert_int_equal(json_array_size(want), n);

        struct run whole, r;
        run_whole(&whole, (const uint8_t *)b.p, b.len, 5);
        size_t m = random_cuts(b.len, cuts, 100000);
        run_pieces(&r, (const uint8_t *)b.p, b.len, 5, cuts, m);
        expect_same(&whole, &r, "random pieces");
        run_free(&r);

        assert_int_equal(whole.n_ev, n);
        for (size_t i = 0; i < n; i++) {
            const struct ev *e = &whole.ev[i];
            assert_int_equal(e->kind, TALLY_JA_ELEMENT);
            const char *s = b.p + (e->start - 5);
            size_t len = (size_t)(e->end - e->start);
            assert_true(!is_ws((uint8_t)s[0]) && !is_ws((uint8_t)s[len - 1]));
            json_t *got = json_loadb(s, len, JSON_DECODE_ANY, &je);
            if (!got)
                fail_msg("element %zu '%.*s' does not parse: %s", i, (int)len, s, je.text);
            if (!json_equal(got, json_array_get(want, i)))
                fail_msg("element %zu '%.*s' differs from jansson's", i, (int)len, s);
            json_decref(got);
            assert_int_equal(e->line, lf_before((const uint8_t *)b.p, (size_t)(e->start - 5)));
        }
        total_elements += n;
        json_decref(want);
        run_free(&whole);
    }
    assert_true(total_elements > 5000);
    free(cuts);
    free(b.p);
}

/* ---- random byte soup: invariants only ---------------------------------------------------- */

static void check_invariants(const struct run *r, const uint8_t *in, size_t n, uint64_t off)
{
    uint64_t last = off;
    for (size_t i = 0; i < r->n_ev; i++) {
        const struct ev *e = &r->ev[i];
        assert_true(e->start >= last && e->end <= off + n && e->start >= off);
        if (e->kind == TALLY_JA_ELEMENT) {
            assert_true(e->start < e->end);
            assert_false(is_ws(in[e->start - off]));
            assert_false(is_ws(in[e->end - 1 - off]));
            /* the byte after an element (beyond its trailing whitespace) closes it */
            size_t k = (size_t)(e->end - off);
            while (k < n && is_ws(in[k]))
                k++;
            assert_true(k < n && (in[k] == ',' || in[k] == ']'));
            last = e->end;
        } else {
            assert_true(e->end == e->start);
            last = e->start;
        }
        assert_int_equal(e->line, lf_before(in, (size_t)(e->start - off)));
    }
}

static void test_byte_soup(void **state)
{
    (void)state;
    static const char alphabet[] = "[[[]]]{{}},,,\"\"\"\\\\  \n\r\ta1:";
    uint8_t in[96];
    size_t cuts[96];
    for (int iter = 0; iter < 30000; iter++) {
        size_t n = below(sizeof in);
        for (size_t i = 0; i < n; i++)
            in[i] = below(16) ? (uint8_t)alphabet[below(sizeof alphabet - 1)] : (uint8_t)rnd();
        if (n && below(2))
            in[0] = '[';
        uint64_t off = below(2) ? 0 : rnd();
        struct run whole, r;
        run_whole(&whole, in, n, off);
        check_invariants(&whole, in, n, off);
        size_t m = random_cuts(n, cuts, sizeof cuts / sizeof *cuts);
        run_pieces(&r, in, n, off, cuts, m);
        expect_same(&whole, &r, "random pieces");
        run_free(&r);
        for (size_t i = 0; i < n; i++)
            cuts[i] = i + 1;
        run_pieces(&r, in, n, off, cuts, n);
        expect_same(&whole, &r, "byte by byte");
        run_free(&r);
        run_free(&whole);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_cases),
        cmocka_unit_test(test_error_cases),
        cmocka_unit_test(test_return_values),
        cmocka_unit_test(test_deep),
        cmocka_unit_test(test_differential_jansson),
        cmocka_unit_test(test_byte_soup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
