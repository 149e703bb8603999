/* fuzz_match.c — libFuzzer target: a differential test of the matcher's fast path (lib/match.c)
 * against its general path.
 *
 * With the Unicode tokenizer, tally__matcher_field takes runs of ASCII, Latin-1 and Cyrillic
 * letters and CJK ideographs (tally__fast_char) through a fast path of its own (64-byte
 * classification, two passes, filters that skip tokens the dictionary cannot hold) and hands
 * the stretch around any other non-ASCII character to the tokenizer and normalizer, one token
 * at a time. A matcher with general_only = 1 takes everything the general way, so it is
 * the reference: two matchers on one compiled dictionary, one of each kind, must count the same.
 *
 * Input layout:
 *   byte 0   bit 0     case-sensitive dictionary
 *            bit 1     the dictionary comes from the input (below); else a built-in one
 *            bits 2-3  which built-in dictionary (see builtin_text); also the fallback when the
 *                      input's dictionary does not parse or holds no term
 *            bits 4-7  seed for the cut points; bit 7 also gives the fast matcher the portable
 *                      classifier instead of the one picked for this CPU (AVX2 here)
 *   rest     with bit 1 set: dictionary text (README format) up to the first NUL byte, then the
 *            document text. A dictionary can never hold a NUL, so it is a free separator. With
 *            bit 1 clear, or no NUL, the whole rest is document text.
 *
 * The text is scanned as four documents, each by both matchers:
 *   1. one field, whole, for both;
 *   2. one field, fed to the fast matcher in pieces cut at tally__tok_safe_cut points
 *      (continue = 1), to the general one whole;
 *   3. several fields (continue = 0) cut at arbitrary bytes, each field whole, for both;
 *   4. the same fields, the fast matcher's fields each in pieces as in 2.
 * After each document, doc_kw of every keyword, doc_grp of every group, doc_tokens and the
 * per-document lists must be equal; after the four, the batch totals (count and documents per
 * keyword and group, documents, tokens, invalid UTF-8). Every piece and field is copied to a
 * buffer of its exact size, so ASan sees any read past its end. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "fuzz_util.h"
#include "match.h"
#include "tally.h"
#include "tokenize.h"

#define N_BUILTIN 4
#define MAX_FIELDS 6

/* The built-in dictionaries. Each aims at a different part of the fast path:
 *   0  the counting rules in one place: phrases whose first word is no keyword by itself (the
 *      pair filter), phrase-then-prefix terms (the solo filter), groups whose members overlap,
 *      words joined by ' . , : (WB6/7, WB11/12), underscores, words past 8 bytes (the vocabulary
 *      slot's head) and, added by builtin_dict, past 256 bytes (the fast path's lower-case
 *      buffer), and terms with non-ASCII words beside ASCII ones;
 *   1  short ASCII words only, no prefix and no group: the fast path's copies without prefix
 *      probes, and words a mutator makes easily;
 *   2  short prefixes, phrases ending in prefixes, and groups of short words;
 *   3  non-ASCII terms, among them some whose normalized form is ASCII (ß -> ss, the fi
 *      ligature, the Kelvin sign, fullwidth letters, a soft hyphen), which ASCII text must match
 *      on the fast path just as the general path matches them. */
static const char *const builtin_text[N_BUILTIN] = {
    "# counting rules\n"
    "global\n"
    "cooperation\n"
    "joint building\n"
    "joint build*\n"
    "exchange*\n"
    "climate change*\n"
    "the united nations\n"
    "of the\n"
    "state of the art\n"
    "new york\n"
    "new york city\n"
    "york\n"
    "high-speed rail\n"
    "don't\n"
    "o'clock\n"
    "rock'n'roll\n"
    "e.g\n"
    "u.s\n"
    "3.14\n"
    "3.14 pi\n"
    "1,000\n"
    "version 2.0\n"
    "snake_case\n"
    "__init__\n"
    "a\n"
    "i\n"
    "x*\n"
    "abcdefgh\n"
    "abcdefghi\n"
    "abcdefgh*\n"
    "internationalization\n"
    "pneumonoultramicroscopicsilicovolcanoconiosis\n"
    "[energy]\n"
    "solar\n"
    "solar power\n"
    "solar power plant\n"
    "power plant\n"
    "power\n"
    "nuclear*\n"
    "[places]\n"
    "new york\n"
    "new york city\n"
    "york\n"
    "москва\n"
    "москва river\n"
    "全球合作\n"
    "全球\n"
    "café\n"
    "naïve approach\n"
    "[overlap]\n"
    "joint building\n"
    "building\n"
    "joint\n"
    "the united nations\n"
    "united nations\n"
    "nations\n"
    "un*\n"
    "don't\n"
    "e.g\n",

    "a\n"
    "b\n"
    "ab\n"
    "a b\n"
    "b a\n"
    "a b c\n"
    "c d\n"
    "d c d\n"
    "aa aa\n"
    "1\n"
    "1 2\n"
    "1.2\n"
    "1,2\n"
    "a.b\n"
    "a'b\n"
    "a:b\n"
    "x_y\n"
    "_z\n"
    "abcdefgh\n"
    "abcdefghi\n"
    "abcdefgh i\n"
    "ABC\n",

    "a*\n"
    "ab*\n"
    "b a*\n"
    "c*\n"
    "d e*\n"
    "abcdefghij*\n"
    "1*\n"
    "[g]\n"
    "a\n"
    "a b\n"
    "a b c\n"
    "b\n"
    "c*\n"
    "[h]\n"
    "b\n"
    "b c\n"
    "c\n"
    "d e*\n"
    "d\n",

    "café\n"
    "москва\n"
    "москва river\n"
    "river москва\n"
    "全球合作\n"
    "全球\n"
    "a 全\n"
    "全 a\n"
    "straße\n"
    "\xef\xac\x81le\n"                                  /* U+FB01 fi ligature: "file" */
    "\xe2\x84\xaa" "elvin\n"                            /* U+212A Kelvin sign: "kelvin" */
    "\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3\n"            /* fullwidth ABC: "abc" */
    "co\xc2\xadoperation\n"                             /* soft hyphen: "cooperation" */
    "don\xe2\x80\x99t\n"                                /* right single quote: "don't" */
    "ж*\n"
    "[mixed]\n"
    "café au lait\n"
    "au\n"
    "straße sign\n"
    "sign\n"
    "жа\n",
};

static uint32_t rng(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Builds built-in dictionary i; NULL would be a bug in this file. Dictionary 0 also gets words
 * of 256, 257 and 300 bytes (the fast path folds words of up to 256 bytes in place and hands
 * longer ones to the normalizer) and a 10-byte prefix they share. */
static tally_dict *builtin_dict(int i, int cs)
{
    tally_dict *d = tally_dict_new(TALLY_TOKENIZER_UNICODE, cs);
    tally_error err;
    memset(&err, 0, sizeof err);
    const char *t = builtin_text[i];
    FUZZ_CHECK(tally_dict_add_text(d, "builtin", t, strlen(t), &err) == 0, "built-in %d: %s", i,
               err.message);
    if (i == 0) {
        char text[1024];
        size_t n = 0;
        static const size_t lens[] = {256, 257, 300};
        n += (size_t)snprintf(text + n, sizeof text - n, "[long]\n");
        for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
            /* "looo...ong": runs of one byte are what a mutator repeats and cuts */
            text[n++] = 'l';
            memset(text + n, 'o', lens[k] - 3);
            n += lens[k] - 3;
            memcpy(text + n, k == 1 ? "ng tail\n" : "ng\n", k == 1 ? 8 : 3);
            n += k == 1 ? 8 : 3;
        }
        n += (size_t)snprintf(text + n, sizeof text - n, "looooooooo*\n");
        FUZZ_CHECK(tally_dict_add_text(d, "builtin-long", text, n, &err) == 0, "long words: %s",
                   err.message);
    }
    FUZZ_CHECK(tally_dict_compile(d, &err) == 0, "built-in %d: %s", i, err.message);
    return d;
}

/* Compiled once and kept: compiling is what a run would otherwise spend most on. Read-only
 * after compiling, so keeping them makes no run depend on an earlier one. */
static const tally_dict *builtin(int i, int cs)
{
    static tally_dict *cache[N_BUILTIN][2];
    if (!cache[i][cs])
        cache[i][cs] = builtin_dict(i, cs);
    return cache[i][cs];
}

/* The input's dictionary, or NULL when it does not parse or holds no term. */
static tally_dict *input_dict(const uint8_t *p, size_t n, int cs)
{
    tally_dict *d = tally_dict_new(TALLY_TOKENIZER_UNICODE, cs);
    tally_error err;
    memset(&err, 0, sizeof err);
    if (tally_dict_add_text(d, "fuzz.dict", (const char *)p, n, &err) != 0 ||
        tally_dict_keyword_count(d) == 0 || tally_dict_compile(d, &err) != 0) {
        tally_dict_free(d);
        return NULL;
    }
    return d;
}

/* Feeds text[0,len) to m as one field: whole, or in pieces that end at tally__tok_safe_cut
 * points of random windows (a window without one is widened, as the pipeline's fill stage
 * does). Each piece is a copy of exactly its size. */
static void feed_field(tally_matcher *m, const uint8_t *text, size_t len, int pieces, uint32_t *rs)
{
    size_t pos = 0;
    int cont = 0;
    do {
        size_t rest = len - pos, piece = rest;
        if (pieces && rest > 1) {
            uint32_t r = rng(rs);
            size_t w = 1 + (r >> 8) % rest, cut = 0;
            size_t max_scan = (r & 3) ? 0 : 1 + (r >> 2) % 16;
            while (w < rest && !(cut = tally__tok_safe_cut(text + pos, w, max_scan)))
                w = 2 * w + 1;
            if (cut)
                piece = cut;
        }
        uint8_t *buf = malloc(piece ? piece : 1);
        memcpy(buf, text + pos, piece);
        tally__matcher_field(m, buf, piece, cont);
        free(buf);
        cont = 1;
        pos += piece;
    } while (pos < len);
}

/* Scans one document made of the fields text[ends[i-1], ends[i]) (ends[-1] = 0). */
static void scan_doc(tally_matcher *m, const uint8_t *text, const size_t *ends, size_t n_fields,
                     int pieces, uint32_t rs)
{
    tally__matcher_doc_begin(m);
    size_t start = 0;
    for (size_t i = 0; i < n_fields; i++) {
        feed_field(m, text + start, ends[i] - start, pieces, &rs);
        start = ends[i];
    }
    tally__matcher_doc_end(m);
}

static void compare_doc(const tally_dict *d, const tally_matcher *fast, const tally_matcher *ref,
                        const char *what)
{
    FUZZ_CHECK(fast->doc_tokens == ref->doc_tokens, "%s: %llu tokens on the fast path, %llu on "
               "the general path", what, (unsigned long long)fast->doc_tokens,
               (unsigned long long)ref->doc_tokens);
    for (size_t k = 0; k < d->n_kws; k++)
        FUZZ_CHECK(fast->doc_kw[k] == ref->doc_kw[k],
                   "%s: keyword %zu \"%s\" counted %u on the fast path, %u on the general path",
                   what, k, tally_dict_keyword_name(d, k), fast->doc_kw[k], ref->doc_kw[k]);
    for (size_t g = 0; g < d->n_groups; g++)
        FUZZ_CHECK(fast->doc_grp[g] == ref->doc_grp[g],
                   "%s: group %zu [%s] counted %u on the fast path, %u on the general path", what,
                   g, tally_dict_group_name(d, g), fast->doc_grp[g], ref->doc_grp[g]);
    /* equal counts give equal lists, unless one path lists a keyword twice or not at all */
    FUZZ_CHECK(fast->n_doc_kw == ref->n_doc_kw &&
                   !memcmp(fast->doc_kw_list, ref->doc_kw_list,
                           fast->n_doc_kw * sizeof *fast->doc_kw_list),
               "%s: keyword lists differ (%zu and %zu entries)", what, fast->n_doc_kw,
               ref->n_doc_kw);
    FUZZ_CHECK(fast->n_doc_grp == ref->n_doc_grp &&
                   !memcmp(fast->doc_grp_list, ref->doc_grp_list,
                           fast->n_doc_grp * sizeof *fast->doc_grp_list),
               "%s: group lists differ (%zu and %zu entries)", what, fast->n_doc_grp,
               ref->n_doc_grp);
}

static void compare_ids(const tally_idcount *a, size_t na, const tally_idcount *b, size_t nb,
                        const char *kind)
{
    FUZZ_CHECK(na == nb, "batch: %zu %ss counted on the fast path, %zu on the general path", na,
               kind, nb);
    for (size_t i = 0; i < na; i++)
        FUZZ_CHECK(a[i].id == b[i].id && a[i].count == b[i].count && a[i].docs == b[i].docs,
                   "batch: %s %u: count %llu in %u docs on the fast path, %s %u: %llu in %u "
                   "docs on the general path", kind, a[i].id, (unsigned long long)a[i].count,
                   a[i].docs, kind, b[i].id, (unsigned long long)b[i].count, b[i].docs);
}

static void compare_batch(tally_matcher *fast, tally_matcher *ref)
{
    FUZZ_CHECK(fast->b_docs == ref->b_docs && fast->b_tokens == ref->b_tokens &&
                   fast->b_invalid == ref->b_invalid,
               "batch: docs/tokens/invalid %llu/%llu/%llu on the fast path, %llu/%llu/%llu on the "
               "general path", (unsigned long long)fast->b_docs,
               (unsigned long long)fast->b_tokens, (unsigned long long)fast->b_invalid,
               (unsigned long long)ref->b_docs, (unsigned long long)ref->b_tokens,
               (unsigned long long)ref->b_invalid);
    tally_idcount *fk, *fg, *rk, *rg;
    size_t nfk, nfg, nrk, nrg;
    tally__matcher_take_batch(fast, &fk, &nfk, &fg, &nfg);
    tally__matcher_take_batch(ref, &rk, &nrk, &rg, &nrg);
    compare_ids(fk, nfk, rk, nrk, "keyword");
    compare_ids(fg, nfg, rg, nrg, "group");
    free(fk);
    free(fg);
    free(rk);
    free(rg);
}

/* Up to MAX_FIELDS - 1 cut points at arbitrary bytes, sorted: a field may be empty or split a
 * UTF-8 sequence, which both paths must take the same way. */
static size_t field_ends(size_t len, uint32_t *rs, size_t *ends)
{
    size_t n = rng(rs) % MAX_FIELDS;
    for (size_t i = 0; i < n; i++) {
        size_t c = len ? rng(rs) % (len + 1) : 0;
        size_t j = i;
        for (; j > 0 && ends[j - 1] > c; j--)
            ends[j] = ends[j - 1];
        ends[j] = c;
    }
    ends[n] = len;
    return n + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int cs = data[0] & 1;
    int from_input = (data[0] >> 1) & 1;
    int which = (data[0] >> 2) & 3;
    const uint8_t *text = data + 1;
    size_t len = size - 1;

    tally_dict *own = NULL;
    if (from_input) {
        const uint8_t *nul = memchr(text, 0, len);
        if (nul) {
            own = input_dict(text, (size_t)(nul - text), cs);
            len -= (size_t)(nul - text) + 1;
            text = nul + 1;
        }
    }
    const tally_dict *d = own ? own : builtin(which, cs);

    tally_matcher *fast = tally__matcher_new(d);
    tally_matcher *ref = tally__matcher_new(d);
    ref->general_only = 1;
    if (data[0] & 0x80) /* the portable classifier, which a CPU with AVX2 never picks */
        fast->classify = tally__matcher_classifier(1);

    uint32_t rs = 0x9E3779B9u ^ (uint32_t)(data[0] >> 4) * 0x85EBCA6Bu ^ (uint32_t)len;
    rs += !rs; /* xorshift stays at 0 */
    size_t whole[1] = {len};
    size_t ends[MAX_FIELDS];
    size_t n_fields = field_ends(len, &rs, ends);
    uint32_t piece_seed = rng(&rs);

    scan_doc(fast, text, whole, 1, 0, 0);
    scan_doc(ref, text, whole, 1, 0, 0);
    compare_doc(d, fast, ref, "one field");

    scan_doc(fast, text, whole, 1, 1, piece_seed);
    scan_doc(ref, text, whole, 1, 0, 0);
    compare_doc(d, fast, ref, "one field in pieces");

    scan_doc(fast, text, ends, n_fields, 0, 0);
    scan_doc(ref, text, ends, n_fields, 0, 0);
    compare_doc(d, fast, ref, "fields");

    scan_doc(fast, text, ends, n_fields, 1, piece_seed ^ 0x5bd1e995u);
    scan_doc(ref, text, ends, n_fields, 0, 0);
    compare_doc(d, fast, ref, "fields in pieces");

    compare_batch(fast, ref);

    tally__matcher_free(fast);
    tally__matcher_free(ref);
    tally_dict_free(own);
    return 0;
}
