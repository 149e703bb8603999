/* fuzz_tokenize.c — libFuzzer target for the tokenizer (lib/tokenize.c) and the normalizer
 * (lib/normalize.c).
 *
 * The first two bytes are control bytes (window sizes and scan limits for the cuts); the rest is
 * the text. For both tokenizer modes the target checks:
 *   - tokens are in order, inside the text, non-empty and non-overlapping; the first token of a
 *     field is never LINKED; TALLY_TOK_ASCII is set exactly when every byte is < 0x80;
 *   - whitespace mode gives exactly the maximal runs of non-White_Space code points (computed
 *     here with an independent decoder), every token after the first LINKED;
 *   - Unicode mode gives exactly the segments of tally__wb_next_boundary that hold a letter or a
 *     number, LINKED exactly when only White_Space and Pd lie between the token and the previous
 *     one (README, counting rule 5);
 *   - invalid_utf8 equals the number of maximal ill-formed subsequences;
 *   - cutting the text into pieces at tally__tok_safe_cut points (window sizes and max_scan from
 *     the control bytes) and feeding them with tally__tok_continue_field gives the same tokens,
 *     flags and invalid_utf8 as the whole text;
 * and every token, normalized both with case folding and case-sensitively, equals utf8proc's own
 * mapping with the same options (after U+FFFD repair and the apostrophe rule). The normalizers
 * live across runs so that their cache is exercised too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "fuzz_util.h"
#include "normalize.h"
#include "tally.h"
#include "tokenize.h"
#include "unicode.h"

typedef struct toklist {
    tally_token *t;
    size_t n, cap;
    uint64_t invalid;
} toklist;

static void push(toklist *l, tally_token tok)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->t = realloc(l->t, l->cap * sizeof *l->t);
        if (!l->t)
            abort();
    }
    l->t[l->n++] = tok;
}

static void tokenize_whole(int mode, const uint8_t *s, size_t len, toklist *out)
{
    tally_tokenizer t;
    tally_token tok;
    tally__tok_init(&t, mode);
    tally__tok_begin_field(&t, s, len);
    out->n = 0;
    while (tally__tok_next(&t, &tok))
        push(out, tok);
    /* the end stays the end */
    FUZZ_CHECK(!tally__tok_next(&t, &tok), "token after the end");
    out->invalid = t.invalid_utf8;
}

/* Feeds the text in windows: each window is cut at its safe point, or grown when it has none. */
static void tokenize_pieces(int mode, const uint8_t *s, size_t len, fz_cursor *c, toklist *out)
{
    tally_tokenizer t;
    tally__tok_init(&t, mode);
    out->n = 0;
    size_t pos = 0;
    int first = 1;
    while (pos < len || first) {
        size_t rest = len - pos;
        size_t w = 1 + (rest ? fz_u16(c) % rest : 0);
        size_t max_scan = fz_byte(c) & 0x3F; /* 0: no limit */
        size_t piece;
        for (;;) {
            if (w >= rest) {
                piece = rest;
                break;
            }
            size_t p = tally__tok_safe_cut(s + pos, w, max_scan);
            if (max_scan) {
                size_t q = tally__tok_safe_cut(s + pos, w, 0);
                FUZZ_CHECK(p == 0 || p == q, "safe_cut with max_scan %zu gives %zu, without %zu",
                           max_scan, p, q);
                FUZZ_CHECK(p == 0 || p + max_scan >= w, "safe_cut %zu outside the last %zu of %zu",
                           p, max_scan, w);
            }
            if (p) {
                FUZZ_CHECK(p < w, "safe_cut %zu not below the length %zu", p, w);
                piece = p;
                break;
            }
            w = w * 2 + 1;
        }
        if (first)
            tally__tok_begin_field(&t, s + pos, piece);
        else
            tally__tok_continue_field(&t, s + pos, piece);
        first = 0;
        tally_token tok;
        while (tally__tok_next(&t, &tok)) {
            FUZZ_CHECK(tok.start <= piece && tok.len <= piece - tok.start,
                       "token %zu+%zu outside the piece of %zu", tok.start, tok.len, piece);
            tok.start += pos;
            push(out, tok);
        }
        pos += piece;
    }
    out->invalid = t.invalid_utf8;
}

static int all_ascii(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 0x80)
            return 0;
    return 1;
}

static void check_basic(int mode, const uint8_t *s, size_t len, const toklist *l)
{
    size_t end = 0;
    for (size_t i = 0; i < l->n; i++) {
        const tally_token *k = &l->t[i];
        FUZZ_CHECK(k->len > 0, "mode %d: empty token %zu", mode, i);
        FUZZ_CHECK(k->start >= end, "mode %d: token %zu at %zu overlaps the previous end %zu", mode,
                   i, k->start, end);
        FUZZ_CHECK(k->start <= len && k->len <= len - k->start, "mode %d: token %zu out of bounds",
                   mode, i);
        FUZZ_CHECK(i > 0 || !(k->flags & TALLY_TOK_LINKED), "mode %d: first token LINKED", mode);
        FUZZ_CHECK(!(k->flags & ~(TALLY_TOK_LINKED | TALLY_TOK_ASCII)), "mode %d: unknown flags %x",
                   mode, k->flags);
        FUZZ_CHECK(!!(k->flags & TALLY_TOK_ASCII) == all_ascii(s + k->start, k->len),
                   "mode %d: token %zu ASCII flag %u wrong", mode, i, k->flags);
        end = k->start + k->len;
    }
    FUZZ_CHECK(l->invalid == fz_count_invalid(s, len), "mode %d: invalid_utf8 %llu, want %llu",
               mode, (unsigned long long)l->invalid, (unsigned long long)fz_count_invalid(s, len));
}

/* The expected tokens, computed independently of the tokenizer's iterator. */
static void expected_tokens(int mode, const uint8_t *s, size_t len, toklist *out)
{
    out->n = 0;
    if (mode == TALLY_TOKENIZER_WHITESPACE) {
        size_t i = 0, start = 0;
        int in_tok = 0;
        while (i < len) {
            uint32_t c;
            int bad;
            size_t l = fz_utf8(s + i, len - i, &c, &bad);
            int ws = !bad && fz_is_ws(c);
            if (!ws && !in_tok) {
                start = i;
                in_tok = 1;
            } else if (ws && in_tok) {
                tally_token t = {start, i - start, out->n ? TALLY_TOK_LINKED : 0};
                t.flags |= all_ascii(s + start, i - start) ? TALLY_TOK_ASCII : 0;
                push(out, t);
                in_tok = 0;
            }
            i += l;
        }
        if (in_tok) {
            tally_token t = {start, len - start, out->n ? TALLY_TOK_LINKED : 0};
            t.flags |= all_ascii(s + start, len - start) ? TALLY_TOK_ASCII : 0;
            push(out, t);
        }
        return;
    }
    size_t b = 0;
    int gap_ok = 1; /* only White_Space and Pd since the previous token */
    while (b < len) {
        size_t e = tally__wb_next_boundary(s, len, b);
        FUZZ_CHECK(e > b && e <= len, "wb_next_boundary(%zu) = %zu of %zu", b, e, len);
        int alnum = 0, gap = 1;
        for (size_t i = b; i < e;) {
            uint32_t c;
            int bad;
            i += fz_utf8(s + i, e - i, &c, &bad);
            unsigned prop = tally__uprop(c);
            alnum |= !!(prop & TALLY_UP_ALNUM);
            if (!fz_is_ws(c) && !(prop & TALLY_UP_DASH))
                gap = 0;
        }
        if (alnum) {
            unsigned f = out->n && gap_ok ? TALLY_TOK_LINKED : 0;
            f |= all_ascii(s + b, e - b) ? TALLY_TOK_ASCII : 0;
            tally_token t = {b, e - b, f};
            push(out, t);
            gap_ok = 1;
        } else {
            gap_ok = gap_ok && gap;
        }
        b = e;
    }
}

static void check_same(const char *what, int mode, const toklist *a, const toklist *b)
{
    FUZZ_CHECK(a->n == b->n, "%s, mode %d: %zu tokens, want %zu", what, mode, a->n, b->n);
    for (size_t i = 0; i < a->n; i++)
        FUZZ_CHECK(a->t[i].start == b->t[i].start && a->t[i].len == b->t[i].len &&
                       a->t[i].flags == b->t[i].flags,
                   "%s, mode %d: token %zu is %zu+%zu/%x, want %zu+%zu/%x", what, mode, i,
                   a->t[i].start, a->t[i].len, a->t[i].flags, b->t[i].start, b->t[i].len,
                   b->t[i].flags);
}

/* utf8proc's mapping of the token with the normalizer's documented options. */
static void check_norm(tally_normalizer *n, int case_sensitive, const uint8_t *s, size_t len)
{
    size_t got_len;
    const uint8_t *got = tally__norm_token(n, s, len, &got_len);
    FUZZ_CHECK(got != NULL || got_len == 0, "NULL result");

    uint8_t *fixed = malloc(3 * len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        int bad;
        size_t l = fz_utf8(s + i, len - i, &c, &bad);
        if (bad) {
            memcpy(fixed + o, "\xEF\xBF\xBD", 3);
            o += 3;
        } else {
            memcpy(fixed + o, s + i, l);
            o += l;
        }
        i += l;
    }
    utf8proc_option_t opts = UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_IGNORE;
    if (!case_sensitive)
        opts |= UTF8PROC_CASEFOLD;
    utf8proc_uint8_t *ref = NULL;
    utf8proc_ssize_t r = utf8proc_map(fixed, (utf8proc_ssize_t)o, &ref, opts);
    FUZZ_CHECK(r >= 0, "utf8proc_map failed: %s", utf8proc_errmsg(r));
    /* apostrophe rule, in place: the replacement is never longer */
    size_t w = 0;
    for (utf8proc_ssize_t i = 0; i < r;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t l = utf8proc_iterate(ref + i, r - i, &c);
        FUZZ_CHECK(l > 0, "utf8proc output not UTF-8");
        if (c == 0x2018 || c == 0x2019 || c == 0x02BC || c == 0xFF07)
            ref[w++] = '\'';
        else
            memmove(ref + w, ref + i, (size_t)l), w += (size_t)l;
        i += l;
    }
    FUZZ_CHECK(got_len == w && (w == 0 || memcmp(got, ref, w) == 0),
               "case_sensitive %d: normalized token of %zu bytes differs from utf8proc (%zu vs %zu "
               "bytes)",
               case_sensitive, len, got_len, w);
    free(ref);
    free(fixed);
}

static tally_normalizer *norm_fold, *norm_case;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!norm_fold) {
        norm_fold = tally__norm_new(0);
        norm_case = tally__norm_new(1);
    }
    fz_cursor ctl = {data, size < 2 ? size : 2};
    size_t skip = size < 2 ? size : 2;
    const uint8_t *s = data + skip;
    size_t len = size - skip;
    /* The text gets its own exact-size copy so that ASan sees any read past its end, and the
     * control bytes for the pieces come from a cursor that wraps over the whole input. */
    uint8_t *text = malloc(len ? len : 1);
    memcpy(text, s, len);
    unsigned seed = fz_u16(&ctl);

    toklist whole = {0}, want = {0}, cut = {0};
    for (int mode = 0; mode < 2; mode++) {
        tokenize_whole(mode, text, len, &whole);
        check_basic(mode, text, len, &whole);
        expected_tokens(mode, text, len, &want);
        check_same("whole text against the specification", mode, &whole, &want);

        for (int round = 0; round < 2; round++) {
            /* control bytes for the windows: from the seed, then from the text itself */
            uint8_t ctlbuf[64];
            for (size_t i = 0; i < sizeof ctlbuf; i++)
                ctlbuf[i] = (uint8_t)((seed * 2654435761u + i * 40503u + round * 977u) >> 11) ^
                            (len ? text[(i * 7 + seed) % len] : 0);
            fz_cursor c = {ctlbuf, sizeof ctlbuf};
            tokenize_pieces(mode, text, len, &c, &cut);
            check_same("pieces against whole", mode, &cut, &whole);
            FUZZ_CHECK(cut.invalid == whole.invalid, "pieces: invalid_utf8 %llu, whole %llu",
                       (unsigned long long)cut.invalid, (unsigned long long)whole.invalid);
        }

        for (size_t i = 0; i < whole.n; i++) {
            check_norm(norm_fold, 0, text + whole.t[i].start, whole.t[i].len);
            check_norm(norm_case, 1, text + whole.t[i].start, whole.t[i].len);
        }
    }
    free(whole.t);
    free(want.t);
    free(cut.t);
    free(text);
    return 0;
}
