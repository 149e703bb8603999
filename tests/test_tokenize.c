/* test_tokenize.c — tests for lib/tokenize.c: every case of the Unicode WordBreakTest.txt, the
 * token and link rules, ill-formed UTF-8, whitespace mode, and safe cut points (the tokens and
 * links of a document cut into pieces must equal those of the whole). The fast paths (ASCII, and
 * the common non-ASCII segments of multilingual text) are checked against a reference tokenizer
 * built on the raw segmentation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tally.h"
#include "tokenize.h"
#include "unicode.h"

#ifndef UNICODE_DIR
#define UNICODE_DIR "/usr/share/unicode"
#endif

#define MAXTOK 8192

typedef struct toklist {
    size_t n;
    tally_token t[MAXTOK];
    uint64_t invalid;
} toklist;

static void tokenize_all(int mode, const uint8_t *s, size_t len, toklist *out)
{
    tally_tokenizer t;
    tally__tok_init(&t, mode);
    tally__tok_begin_field(&t, s, len);
    out->n = 0;
    tally_token tok;
    while (tally__tok_next(&t, &tok)) {
        assert_true(out->n < MAXTOK);
        out->t[out->n++] = tok;
    }
    out->invalid = t.invalid_utf8;
}

/* Tokens as "text|flags" lines where flags is L (linked) and/or A (ASCII), for exact checks. */
static void render(int mode, const char *s, char *buf, size_t size)
{
    static toklist tl;
    tokenize_all(mode, (const uint8_t *)s, strlen(s), &tl);
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < tl.n; i++) {
        int w = snprintf(buf + o, size - o, "%s%.*s|%s%s", i ? " " : "", (int)tl.t[i].len,
                         s + tl.t[i].start, tl.t[i].flags & TALLY_TOK_LINKED ? "L" : "",
                         tl.t[i].flags & TALLY_TOK_ASCII ? "A" : "");
        assert_true(w > 0 && (size_t)w < size - o);
        o += (size_t)w;
    }
}

#define CHECK_TOKENS(mode, text, expect)                                                          \
    do {                                                                                          \
        char got_[4096];                                                                          \
        render(mode, text, got_, sizeof got_);                                                    \
        assert_string_equal(got_, expect);                                                        \
    } while (0)
#define U TALLY_TOKENIZER_UNICODE
#define W TALLY_TOKENIZER_WHITESPACE

/* ---- reference tokenizer on the raw segmentation ----------------------------------------- */

static void reference_tokens(const uint8_t *s, size_t len, toklist *out)
{
    out->n = 0;
    out->invalid = 0;
    int have_prev = 0, gap_ok = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t end = tally__wb_next_boundary(s, len, pos);
        assert_true(end > pos && end <= len);
        int alnum = 0, nongap = 0, ascii = 1;
        for (size_t i = pos; i < end;) {
            uint32_t cp;
            int bad;
            size_t l = tally__utf8_decode(s + i, end - i, &cp, &bad);
            unsigned p = tally__uprop(cp);
            alnum |= (p & TALLY_UP_ALNUM) != 0;
            nongap |= !(p & (TALLY_UP_WSPACE | TALLY_UP_DASH));
            ascii &= s[i] < 0x80;
            out->invalid += (unsigned)bad;
            i += l;
        }
        if (alnum) {
            tally_token *t = &out->t[out->n++];
            t->start = pos;
            t->len = end - pos;
            t->flags = (ascii ? TALLY_TOK_ASCII : 0) | (have_prev && gap_ok ? TALLY_TOK_LINKED : 0);
            have_prev = 1;
            gap_ok = 1;
        } else if (nongap) {
            gap_ok = 0;
        }
        pos = end;
    }
}

static void assert_same_tokens(const toklist *a, const toklist *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_int_equal(a->t[i].start, b->t[i].start);
        assert_int_equal(a->t[i].len, b->t[i].len);
        assert_int_equal(a->t[i].flags, b->t[i].flags);
    }
    assert_int_equal(a->invalid, b->invalid);
}

/* ---- WordBreakTest.txt ------------------------------------------------------------------- */

typedef struct wbcase {
    uint8_t text[256];
    size_t len;
    size_t bounds[64]; /* expected boundaries after position 0, ending with len */
    size_t nbounds;
} wbcase;

/* Parses one test line; returns 0 for comments and blank lines. */
static int parse_wb_line(const char *line, wbcase *c)
{
    const char *p = line;
    c->len = 0;
    c->nbounds = 0;
    if (strncmp(p, "\xc3\xb7", 2) != 0) /* ÷ */
        return 0;
    p += 2;
    for (;;) {
        while (*p == ' ')
            p++;
        if (*p == '\t' || *p == '#' || *p == '\n' || *p == '\0')
            break;
        if (strncmp(p, "\xc3\xb7", 2) == 0) { /* ÷ */
            c->bounds[c->nbounds++] = c->len;
            p += 2;
        } else if (strncmp(p, "\xc3\x97", 2) == 0) { /* × */
            p += 2;
        } else {
            char *end;
            unsigned long cp = strtoul(p, &end, 16);
            assert_true(end != p);
            assert_true(c->len + 4 <= sizeof c->text);
            c->len += tally__utf8_encode((uint32_t)cp, c->text + c->len);
            p = end;
        }
    }
    assert_true(c->nbounds > 0);
    assert_int_equal(c->bounds[c->nbounds - 1], c->len);
    return 1;
}

static void test_word_break_file(void **state)
{
    (void)state;
    FILE *f = fopen(UNICODE_DIR "/auxiliary/WordBreakTest.txt", "r");
    if (!f) {
        print_message("WordBreakTest.txt not found in " UNICODE_DIR "; skipped\n");
        skip();
        return;
    }
    char line[4096];
    static wbcase c;
    static toklist got, want;
    unsigned ncases = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!parse_wb_line(line, &c))
            continue;
        ncases++;
        size_t pos = 0, k = 0;
        while (pos < c.len) {
            size_t next = tally__wb_next_boundary(c.text, c.len, pos);
            if (k >= c.nbounds || next != c.bounds[k]) {
                fail_msg("WordBreakTest.txt line %u: boundary %zu, expected %zu", lineno, next,
                         k < c.nbounds ? c.bounds[k] : (size_t)-1);
            }
            k++;
            pos = next;
        }
        assert_int_equal(k, c.nbounds);
        /* The tokenizer (fast path included) agrees with the reference built on them. */
        tokenize_all(U, c.text, c.len, &got);
        reference_tokens(c.text, c.len, &want);
        assert_same_tokens(&got, &want);
    }
    fclose(f);
    print_message("WordBreakTest.txt: %u cases\n", ncases);
    assert_true(ncases >= 1800);
}

/* ---- examples ---------------------------------------------------------------------------- */

static void test_examples(void **state)
{
    (void)state;
    CHECK_TOKENS(U, "China's", "China's|A");
    CHECK_TOKENS(U, "China\xe2\x80\x99s", "China\xe2\x80\x99s|");
    CHECK_TOKENS(U, "the U.S. economy", "the|A U.S|LA economy|A");
    CHECK_TOKENS(U, "pi is 3.14, e is 2,718", "pi|A is|LA 3.14|LA e|A is|LA 2,718|LA");
    CHECK_TOKENS(U, "low-power", "low|A power|LA");
    CHECK_TOKENS(U, "\xe5\x85\xa8\xe7\x90\x83\xe5\x90\x88\xe4\xbd\x9c", /* 全球合作 */
                 "\xe5\x85\xa8| \xe7\x90\x83|L \xe5\x90\x88|L \xe4\xbd\x9c|L");
    CHECK_TOKENS(U, "I \xf0\x9f\x91\x8d it", "I|A it|A"); /* emoji breaks the link */
    CHECK_TOKENS(U, "... !!! ???", "");
    CHECK_TOKENS(U, "a.b a. b a:b 1:2 a_b _ __x a'b 'a' 3,5 3;5 a;b 1.a a.1",
                 "a.b|A a|LA b|A a:b|LA 1|LA 2|A a_b|LA __x|A a'b|LA a|A 3,5|A 3;5|LA a|LA b|A "
                 "1|LA a|A a|LA 1|A");
    CHECK_TOKENS(U, "end.", "end|A");
    CHECK_TOKENS(U, "x3.14.15y", "x3.14.15y|A");
    CHECK_TOKENS(U, "caf\xc3\xa9 na\xc3\xafve", "caf\xc3\xa9| na\xc3\xafve|L");
    CHECK_TOKENS(U, "cafe\xcc\x81s", "cafe\xcc\x81s|"); /* combining mark inside a word */
    CHECK_TOKENS(U, "a.\xc3\xa9", "a.\xc3\xa9|");       /* WB6/WB7 through a non-ASCII letter */
    CHECK_TOKENS(U, "a.\xcc\x81" "b", "a.\xcc\x81" "b|"); /* WB4 inside WB6 */
    /* Hebrew with gershayim as ASCII double quote (WB7b/c) and ' after Hebrew (WB7a). */
    CHECK_TOKENS(U, "\xd7\xa6\"\xd7\x94\xd7\x9c \xd7\x90'", "\xd7\xa6\"\xd7\x94\xd7\x9c| \xd7\x90'|L");
    CHECK_TOKENS(U, "\xe3\x82\xab\xe3\x82\xbf\xe3\x82\xab\xe3\x83\x8a", /* カタカナ */
                 "\xe3\x82\xab\xe3\x82\xbf\xe3\x82\xab\xe3\x83\x8a|");
    /* U+FF9E is Lm and Extend: after a space it joins the space's segment, which is then a token. */
    CHECK_TOKENS(U, "a \xef\xbe\x9e", "a|A  \xef\xbe\x9e|L");
    CHECK_TOKENS(U, "", "");
    CHECK_TOKENS(U, "x", "x|A");
    CHECK_TOKENS(U, "___", "");
}

static void test_links(void **state)
{
    (void)state;
    CHECK_TOKENS(U, "joint building", "joint|A building|LA");
    CHECK_TOKENS(U, "joint-building", "joint|A building|LA");
    CHECK_TOKENS(U, "joint\nbuilding", "joint|A building|LA");
    CHECK_TOKENS(U, "joint \r\n\t -- building", "joint|A building|LA");
    CHECK_TOKENS(U, "joint\xe2\x80\x94" "building", "joint|A building|LA"); /* em dash, Pd */
    CHECK_TOKENS(U, "joint\xc2\xa0" "building", "joint|A building|LA");      /* NBSP */
    CHECK_TOKENS(U, "joint\xe3\x80\x80" "building", "joint|A building|LA");  /* U+3000 */
    CHECK_TOKENS(U, "joint. building", "joint|A building|A");
    CHECK_TOKENS(U, "joint (building", "joint|A building|A");
    CHECK_TOKENS(U, "joint, building", "joint|A building|A");
    CHECK_TOKENS(U, "joint _ building", "joint|A building|A");
    CHECK_TOKENS(U, "joint \xcc\x81 building", "joint|A building|A"); /* combining mark */
    CHECK_TOKENS(U, "joint \xe2\x80\x8b building", "joint|A building|A"); /* ZWSP is Format */
    CHECK_TOKENS(U, "joint \xf0\x9f\x98\x80 building", "joint|A building|A"); /* emoji */
    CHECK_TOKENS(U, "joint \xff building", "joint|A building|A");        /* U+FFFD */
    CHECK_TOKENS(U, "joint\xe2\x80\x93\xe2\x80\x90 building", "joint|A building|LA"); /* en dash, hyphen */
    CHECK_TOKENS(U, "joint\xe2\x88\x92" "building", "joint|A building|A"); /* minus sign is Sm */
    CHECK_TOKENS(U, " -first", "first|A");
    /* dashes whose Word_Break is ALetter (U+058A ARMENIAN HYPHEN) or Katakana (U+30A0): a
     * segment of them alone is no token and keeps the link (found by fuzz_tokenize) */
    CHECK_TOKENS(U, "joint \xd6\x8a building", "joint|A building|LA");
    CHECK_TOKENS(U, "joint\xe3\x82\xa0" "building", "joint|A building|LA");
    CHECK_TOKENS(U, "joint \xe3\x82\xa0\xe3\x82\xa0 building", "joint|A building|LA");
}

/* ---- ill-formed UTF-8 -------------------------------------------------------------------- */

static uint64_t invalid_count(int mode, const char *s, size_t len)
{
    static toklist tl;
    tokenize_all(mode, (const uint8_t *)s, len, &tl);
    return tl.invalid;
}

static void test_decoder(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        uint32_t cp;
        size_t used;
        int bad;
    } cases[] = {
        {"A", 1, 'A', 1, 0},
        {"\xc3\xa9", 2, 0xe9, 2, 0},
        {"\xe2\x82\xac", 3, 0x20ac, 3, 0},
        {"\xf0\x9f\x98\x80", 4, 0x1f600, 4, 0},
        {"\xf4\x8f\xbf\xbf", 4, 0x10ffff, 4, 0},
        {"\xe2\x82" "A", 3, 0xfffd, 2, 1},
        {"\xc0", 1, 0xfffd, 1, 1},
        {"\xc0\xaf", 2, 0xfffd, 1, 1},
        {"\xc1\xbf", 2, 0xfffd, 1, 1},
        {"\xe0\x80\xaf", 3, 0xfffd, 1, 1},
        {"\xed\xa0\x80", 3, 0xfffd, 1, 1},
        {"\xed\x9f\xbf", 3, 0xd7ff, 3, 0},
        {"\xf0\x8f\xbf\xbf", 4, 0xfffd, 1, 1},
        {"\xf4\x90", 2, 0xfffd, 1, 1},
        {"\xf4\x8f", 2, 0xfffd, 2, 1},
        {"\xf0\x9f\x98", 3, 0xfffd, 3, 1},
        {"\xf0\x9f\x98" "x", 4, 0xfffd, 3, 1},
        {"\x80", 1, 0xfffd, 1, 1},
        {"\xbf", 1, 0xfffd, 1, 1},
        {"\xf5\x80\x80\x80", 4, 0xfffd, 1, 1},
        {"\xff", 1, 0xfffd, 1, 1},
        {"\xc3", 1, 0xfffd, 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t cp;
        int bad;
        size_t used = tally__utf8_decode((const uint8_t *)cases[i].in, cases[i].len, &cp, &bad);
        assert_int_equal(cp, cases[i].cp);
        assert_int_equal(used, cases[i].used);
        assert_int_equal(bad, cases[i].bad);
    }
}

static void test_invalid_utf8(void **state)
{
    (void)state;
#define INV(mode, lit, n) assert_int_equal(invalid_count(mode, lit, sizeof(lit) - 1), n)
    for (int mode = 0; mode < 2; mode++) {
        INV(mode, "plain text", 0);
        INV(mode, "\xc0\xaf", 2);             /* overlong '/': C0 and AF, each alone */
        INV(mode, "\xe0\x80\xaf", 3);         /* overlong, three-byte */
        INV(mode, "\xf0\x80\x80\xaf", 4);     /* overlong, four-byte */
        INV(mode, "\xed\xa0\x80", 3);         /* surrogate D800 */
        INV(mode, "a\xed\xbf\xbf" "b", 3);    /* surrogate DFFF */
        INV(mode, "word\xe2\x82", 1);         /* truncated at the end */
        INV(mode, "word\xf0\x9f\x98", 1);
        INV(mode, "\xe2\x82" "A", 1);         /* truncated before ASCII */
        INV(mode, "a\x80" "b", 1);            /* lone continuation byte */
        INV(mode, "\x80\x81\x82", 3);
        INV(mode, "\xf5 \xf6 \xf7 \xf8 \xf9 \xfa \xfb \xfc \xfd \xfe \xff", 11);
        INV(mode, "\xf4\x90\x80\x80", 4);     /* above U+10FFFF */
        INV(mode, "\xc3\xa9\xe2\x82\xac", 0);
    }
#undef INV
    /* U+FFFD is neither a letter nor a separator of its own: it splits words and links. */
    CHECK_TOKENS(U, "ab\xff" "cd", "ab|A cd|A");
    CHECK_TOKENS(U, "ab\xe2\x82" "cd ef", "ab|A cd|A ef|LA");
    CHECK_TOKENS(U, "\xff" "ab\xe2\x82\xff", "ab|A");
    CHECK_TOKENS(W, "ab\xff" "cd ef", "ab\xff" "cd| ef|LA");
}

/* ---- whitespace mode --------------------------------------------------------------------- */

static void test_whitespace_mode(void **state)
{
    (void)state;
    CHECK_TOKENS(W, "", "");
    CHECK_TOKENS(W, " \t\n ", "");
    CHECK_TOKENS(W, "China's low-power U.S. (x)", "China's|A low-power|LA U.S.|LA (x)|LA");
    CHECK_TOKENS(W, "  a\xe3\x80\x80\xe5\x85\xa8\xe7\x90\x83\xc2\xa0" "b\n",
                 "a|A \xe5\x85\xa8\xe7\x90\x83|L b|LA");
    CHECK_TOKENS(W, "x\xc2\x85y\xe2\x80\xa8z\x1f", "x|A y|LA z\x1f|LA"); /* NEL, LS; 1F not WS */
    CHECK_TOKENS(W, "\xf0\x9f\x91\x8d . -", "\xf0\x9f\x91\x8d| .|LA -|LA");
}

/* ---- safe cut points --------------------------------------------------------------------- */

/* Tokenizes text[0,p) and then, continuing the field, text[p,len); tokens get whole-text offsets. */
static void tokenize_cut(int mode, const uint8_t *s, size_t len, size_t p, toklist *out)
{
    tally_tokenizer t;
    tally__tok_init(&t, mode);
    tally__tok_begin_field(&t, s, p);
    out->n = 0;
    tally_token tok;
    while (tally__tok_next(&t, &tok))
        out->t[out->n++] = tok;
    tally__tok_continue_field(&t, s + p, len - p);
    while (tally__tok_next(&t, &tok)) {
        tok.start += p;
        out->t[out->n++] = tok;
    }
    out->invalid = t.invalid_utf8;
}

/* Tokenizes text the way a reader with a window of `window` bytes would: cut each window at its
 * safe point, or grow it when it has none. */
static void tokenize_windows(int mode, const uint8_t *s, size_t len, size_t window, toklist *out)
{
    tally_tokenizer t;
    tally__tok_init(&t, mode);
    out->n = 0;
    size_t pos = 0;
    int first = 1;
    while (pos < len || first) {
        size_t w = window, piece;
        for (;;) {
            if (pos + w >= len) {
                piece = len - pos;
                break;
            }
            size_t p = tally__tok_safe_cut(s + pos, w, 0);
            if (p) {
                assert_true(p < w);
                piece = p;
                break;
            }
            w *= 2;
        }
        if (first)
            tally__tok_begin_field(&t, s + pos, piece);
        else
            tally__tok_continue_field(&t, s + pos, piece);
        first = 0;
        tally_token tok;
        while (tally__tok_next(&t, &tok)) {
            tok.start += pos;
            out->t[out->n++] = tok;
        }
        pos += piece;
    }
    out->invalid = t.invalid_utf8;
}

static unsigned cuts_checked;

static int same_tokens(const toklist *a, const toklist *b)
{
    if (a->n != b->n || a->invalid != b->invalid)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->t[i].start != b->t[i].start || a->t[i].len != b->t[i].len || a->t[i].flags != b->t[i].flags)
            return 0;
    return 1;
}

/* Whether a forward decode of s has a character (or ill-formed subsequence) starting at p. */
static int starts_char(const uint8_t *s, size_t len, size_t p)
{
    size_t i = 0;
    while (i < p) {
        uint32_t cp;
        int bad;
        i += tally__utf8_decode(s + i, len - i, &cp, &bad);
    }
    return i == p;
}

/* For every prefix length, the safe cut of that prefix must give the whole text's tokens.
 * DEBUG_CUT=1 in the environment prints the text of a failing case. */
static void check_all_cuts(const uint8_t *s, size_t len)
{
    static toklist whole, cut, ref;
    for (int mode = 0; mode < 2; mode++) {
        tokenize_all(mode, s, len, &whole);
        if (mode == U) {
            reference_tokens(s, len, &ref);
            if (getenv("DEBUG_CUT") && !same_tokens(&ref, &whole)) {
                fprintf(stderr, "reference text:");
                for (size_t z = 0; z < len; z++) fprintf(stderr, " %02x", s[z]);
                fprintf(stderr, "\n");
            }
            assert_same_tokens(&whole, &ref);
        }
        for (size_t l = 1; l <= len; l++) {
            size_t p = tally__tok_safe_cut(s, l, 0);
            assert_true(p < l || (p == 0 && l == 0));
            if (p == 0)
                continue;
            assert_true(starts_char(s, len, p));
            tokenize_cut(mode, s, len, p, &cut);
            if (getenv("DEBUG_CUT") && !same_tokens(&cut, &whole)) {
                fprintf(stderr, "mode %d l=%zu p=%zu text:", mode, l, p);
                for (size_t z = 0; z < len; z++) fprintf(stderr, " %02x", s[z]);
                fprintf(stderr, "\n");
            }
            assert_same_tokens(&whole, &cut);
            cuts_checked++;
            /* max_scan limits how far back it looks. */
            size_t q = tally__tok_safe_cut(s, l, 3);
            assert_true(q == 0 || q == p);
            if (q == 0)
                assert_true(p + 3 < l);
        }
        for (size_t w = 1; w <= len && w <= 40; w++) {
            tokenize_windows(mode, s, len, w, &cut);
            if (getenv("DEBUG_CUT") && !same_tokens(&cut, &whole)) {
                fprintf(stderr, "windows mode %d w=%zu text:", mode, w);
                for (size_t z = 0; z < len; z++) fprintf(stderr, " %02x", s[z]);
                fprintf(stderr, "\n");
            }
            assert_same_tokens(&whole, &cut);
        }
    }
}

static const char *const pieces[] = {
    "a", "Z", "7", "0", " ", " ", "  ", "\t", "\n", "\r", "\r\n", "\v", "\f", ".", ",", ";", ":", "'",
    "\"", "_", "-", "(", "!", "word", "U.S.", "3.14", "don't",
    "\xc3\xa9",             /* é */
    "\xcc\x81",             /* combining acute, Extend */
    "\xe5\x85\xa8",         /* 全 */
    "\xe3\x82\xab",         /* カ Katakana */
    "\xd7\x90",             /* א Hebrew */
    "\xc2\xa0",             /* NBSP */
    "\xe3\x80\x80",         /* ideographic space, WSegSpace */
    "\xe2\x80\x8d",         /* ZWJ */
    "\xf0\x9f\x91\x8d",     /* 👍 ExtPict */
    "\xe2\x9d\xa4",         /* ❤ ExtPict */
    "\xf0\x9f\x87\xa6",     /* regional indicator A */
    "\xf0\x9f\x87\xa7",     /* regional indicator B */
    "\xef\xbe\x9e",         /* halfwidth voiced mark, Lm + Extend */
    "\xe2\x80\x99",         /* right single quotation mark, MidNumLet */
    "\xc2\xad",             /* soft hyphen, Format */
    "\xe2\x80\x94",         /* em dash, Pd */
    "\xc2\x85",             /* NEL */
    "\xe2\x80\xa8",         /* line separator */
    "\xd9\xa3",             /* Arabic-Indic digit three */
    "\xff",                 /* ill-formed */
    "\xe2\x82",             /* truncated */
    "\x80",                 /* lone continuation */
    "\xed\xa0\x80",         /* surrogate */
};

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static void test_safe_cut_random(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t npieces = sizeof pieces / sizeof pieces[0];
    cuts_checked = 0;
    /* TALLY_TEST_ITER and TALLY_TEST_SEED run a longer or different random test. */
    int iters = getenv("TALLY_TEST_ITER") ? atoi(getenv("TALLY_TEST_ITER")) : 3000;
    if (getenv("TALLY_TEST_SEED"))
        rng_state = strtoull(getenv("TALLY_TEST_SEED"), NULL, 0) | 1;
    for (int iter = 0; iter < iters; iter++) {
        size_t len = 0, want = 1 + rnd() % 60;
        while (len < want) {
            const char *p = pieces[rnd() % npieces];
            size_t l = strlen(p);
            memcpy(buf + len, p, l);
            len += l;
        }
        check_all_cuts(buf, len);
    }
    print_message("safe_cut: %u cuts checked on random texts\n", cuts_checked);
    assert_true(cuts_checked > 10000);
}

/* Long, mostly ASCII texts exercise the 64-byte block fast path, its block edges and its
 * fallbacks; they must agree with the reference, whole and cut. */
static void test_long_texts(void **state)
{
    (void)state;
    static const char *const common[] = {"the", "Word", "x", "2024", "a1b2", " ", " ", " ", "  ",
                                         "\n", ", ", ". ", "-", "(", ")", "\"", "don't", "U.S.",
                                         "3.14", "a_b", "___", "e.g.", ":", ";", "'"};
    static uint8_t buf[3000];
    static toklist whole, ref, cut;
    size_t ncommon = sizeof common / sizeof common[0], npieces = sizeof pieces / sizeof pieces[0];
    int iters = getenv("TALLY_TEST_ITER") ? atoi(getenv("TALLY_TEST_ITER")) / 10 : 300;
    for (int iter = 0; iter < iters; iter++) {
        size_t len = 0, want = 64 + rnd() % 2800;
        unsigned rare = 2 + rnd() % 60; /* one piece in `rare` is from the full list */
        while (len < want) {
            const char *p = rnd() % rare ? common[rnd() % ncommon] : pieces[rnd() % npieces];
            size_t l = strlen(p);
            if (len + l > sizeof buf)
                break;
            memcpy(buf + len, p, l);
            len += l;
        }
        tokenize_all(U, buf, len, &whole);
        reference_tokens(buf, len, &ref);
        assert_same_tokens(&whole, &ref);
        for (int c = 0; c < 20; c++) {
            size_t p = tally__tok_safe_cut(buf, 1 + rnd() % len, 0);
            if (p) {
                tokenize_cut(U, buf, len, p, &cut);
                assert_same_tokens(&whole, &cut);
            }
        }
        for (size_t w = 1; w < 200; w += 1 + w / 4) {
            tokenize_windows(U, buf, len, w, &cut);
            assert_same_tokens(&whole, &cut);
        }
    }
}

static void test_safe_cut_wordbreak_strings(void **state)
{
    (void)state;
    FILE *f = fopen(UNICODE_DIR "/auxiliary/WordBreakTest.txt", "r");
    if (!f) {
        print_message("WordBreakTest.txt not found; skipped\n");
        skip();
        return;
    }
    char line[4096];
    static wbcase c;
    uint8_t buf[1024];
    while (fgets(line, sizeof line, f)) {
        if (!parse_wb_line(line, &c))
            continue;
        /* Each test string with white space around it and in its middle. */
        size_t len = 0;
        buf[len++] = ' ';
        memcpy(buf + len, c.text, c.len);
        len += c.len;
        buf[len++] = ' ';
        memcpy(buf + len, c.text, c.len);
        len += c.len;
        buf[len++] = '\n';
        memcpy(buf + len, c.text, c.len);
        len += c.len;
        check_all_cuts(buf, len);
    }
    fclose(f);
}

static void test_safe_cut_cases(void **state)
{
    (void)state;
#define CUT(lit, expect) assert_int_equal(tally__tok_safe_cut((const uint8_t *)lit, sizeof(lit) - 1, 0), expect)
    CUT("", 0);
    CUT("a", 0);
    CUT("abc", 0);
    CUT(" abc", 1);
    CUT("ab cd", 3);
    CUT("ab cd ", 3);
    CUT("ab  cd", 4);           /* not inside a run of WSegSpace (WB3d) */
    CUT("ab \xe3\x80\x80" "cd", 6);
    CUT("ab\t cd", 4);           /* the last byte cannot be the cut's left side: p < len */
    CUT("ab\r\n", 0);           /* CR LF stays together; LF is the last byte */
    CUT("ab\r\nc", 4);
    CUT("ab\rc", 3);
    CUT("a \xcc\x81" "b", 0);   /* a space before a combining mark is not a cut */
    CUT("a\n\xcc\x81" "b", 2);  /* after LF it is (WB3a) */
    CUT("a \xe2\x82", 0);       /* the next character is cut off */
    CUT("a \xe2\x82\xac", 2);
    CUT("a\xe3\x80\x80" "b", 4);
    CUT("a\xe2\x80\xa8\xcc\x81", 4);
    CUT("a.b", 0);
    CUT("\xe5\x85\xa8\xe7\x90\x83", 0);
    assert_int_equal(tally__tok_safe_cut((const uint8_t *)"a b cdefgh", 10, 5), 0);
    assert_int_equal(tally__tok_safe_cut((const uint8_t *)"a b cdefgh", 10, 7), 4);
#undef CUT
}

static void test_link_across_cut(void **state)
{
    (void)state;
    static toklist tl;
    const uint8_t *s = (const uint8_t *)"joint building. next";
    size_t len = strlen((const char *)s);
    tokenize_cut(U, s, len, 6, &tl);
    assert_int_equal(tl.n, 3);
    assert_int_equal(tl.t[1].start, 6);
    assert_int_equal(tl.t[1].flags, TALLY_TOK_ASCII | TALLY_TOK_LINKED);
    assert_int_equal(tl.t[2].flags, TALLY_TOK_ASCII);
    tokenize_cut(U, s, len, 16, &tl);
    assert_int_equal(tl.t[2].start, 16);
    assert_int_equal(tl.t[2].flags, TALLY_TOK_ASCII);
    /* A new field never links to the previous one. */
    tally_tokenizer t;
    tally_token tok;
    tally__tok_init(&t, U);
    tally__tok_begin_field(&t, s, 5);
    assert_true(tally__tok_next(&t, &tok));
    tally__tok_begin_field(&t, s + 6, 8);
    assert_true(tally__tok_next(&t, &tok));
    assert_int_equal(tok.flags, TALLY_TOK_ASCII);
}

/* Pieces of news-like multilingual text for the non-ASCII fast paths (letter runs, lone Other
 * characters, katakana runs), together with what makes them stop and hand the segment back to the
 * rule engine: Extend/Format/ZWJ after a character, Mid* and ExtendNumLet characters, Hebrew,
 * WSegSpace, 4-byte and ill-formed sequences, and the buffer's end. */
static const char *const ml_pieces[] = {
    " ", " ", " ", "  ", ". ", ", ", "\n", "-", "'", ".", ",", ":", ";", "_", "(", "\"", "a", "Z",
    "7", "word", "3.14",
    "\xd0\xba\xd0\xbe\xd1\x80\xd0\xb0\xd0\xbb",   /* корал */
    "\xd0\x9c\xd0\xb8",                       /* Ми */
    /* niño été Über résumé */
    "ni\xc3\xb1o", "\xc3\xa9t\xc3\xa9", "\xc3\x9c" "ber", "r\xc3\xa9sum\xc3\xa9",
    "\xce\x9f\xce\xb4\xcf\x8d",                 /* Οδύ */
    "\xd9\xa3",                                 /* Arabic-Indic digit three (Numeric) */
    "\xd7\x90\xd7\x91",                         /* Hebrew letters */
    "\xe4\xba\xba", "\xe5\x9b\xbd", "\xe5\x85\xa8\xe7\x90\x83", /* 人 国 全球 */
    "\xe3\x81\x8b\xe3\x81\xaa",                 /* かな hiragana */
    "\xe3\x82\xab\xe3\x82\xbf\xe3\x82\xab\xe3\x83\x8a", /* カタカナ */
    "\xe3\x83\xbc",                             /* ー prolonged sound mark (Katakana) */
    "\xe3\x80\x82", "\xe3\x80\x81",             /* 。 、 */
    "\xe2\x80\x9c", "\xe2\x80\x9d",             /* “ ” */
    "\xe2\x80\x94",                             /* em dash (Pd) */
    "\xe2\x80\x99",                             /* right single quotation mark (MidNumLet) */
    "\xc2\xb7",                                 /* middle dot (MidLetter) */
    "\xc2\xa0",                                 /* NBSP */
    "\xe3\x80\x80",                             /* ideographic space (WSegSpace) */
    "\xcc\x81",                                 /* combining acute (Extend) */
    "\xc2\xad",                                 /* soft hyphen (Format) */
    "\xe2\x80\x8d",                             /* ZWJ */
    "\xef\xbe\x9e",                             /* halfwidth voiced mark (Extend) */
    "\xe2\x80\xaf",                             /* narrow no-break space (ExtendNumLet) */
    "\xf0\x9f\x99\x82",                         /* 🙂 */
    "\xf0\xa0\x80\x80",                         /* U+20000, a Han ideograph in plane 2 */
    "\xff", "\xe4\xba", "\xc3", "\x80", "\xed\xa0\x80", /* ill-formed */
};

/* Multilingual texts: the tokenizer (fast paths included) must agree with the reference built on
 * the rule engine's segmentation, whole, cut at every safe point and read through windows. */
static void test_multilingual(void **state)
{
    (void)state;
    static uint8_t buf[400];
    static toklist whole, ref;
    size_t npieces = sizeof ml_pieces / sizeof ml_pieces[0];
    int iters = getenv("TALLY_TEST_ITER") ? atoi(getenv("TALLY_TEST_ITER")) : 3000;
    for (int iter = 0; iter < iters; iter++) {
        size_t len = 0, want = 1 + rnd() % (iter % 10 ? 40 : 300);
        while (len < want) {
            const char *p = ml_pieces[rnd() % npieces];
            size_t l = strlen(p);
            if (len + l > sizeof buf)
                break;
            memcpy(buf + len, p, l);
            len += l;
        }
        if (iter % 10) {
            check_all_cuts(buf, len);
        } else {
            tokenize_all(U, buf, len, &whole);
            reference_tokens(buf, len, &ref);
            assert_same_tokens(&whole, &ref);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_word_break_file),
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_decoder),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_whitespace_mode),
        cmocka_unit_test(test_safe_cut_cases),
        cmocka_unit_test(test_link_across_cut),
        cmocka_unit_test(test_safe_cut_random),
        cmocka_unit_test(test_safe_cut_wordbreak_strings),
        cmocka_unit_test(test_long_texts),
        cmocka_unit_test(test_multilingual),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
