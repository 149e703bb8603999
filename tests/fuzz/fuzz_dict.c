/* fuzz_dict.c — libFuzzer target for the dictionary parser and compiler (lib/dict.c), with the
 * matcher (lib/match.c) run over what it builds.
 *
 * Byte 0 chooses the tokenizer (bit 0), case sensitivity (bit 1) and whether a dictionary whose
 * text failed to parse is compiled anyway (bit 2: the terms before the bad line stay added, so
 * that must work too). The rest is dictionary text for tally_dict_add_text. Checks:
 *   - an error is TALLY_EDICT with a line inside the text and a message, or line 0 and
 *     "NAME has no terms" when the text has no term line;
 *   - compile succeeds exactly when there is a keyword; names, warnings and the fingerprint are
 *     sane; a term cannot be added after compiling;
 *   - split into pieces at its [group] header lines, the text gives the same keywords, groups,
 *     warning count and fingerprint as in one piece;
 *   - every keyword's words, as spelled, link into a phrase (a term that could not is refused),
 *     and every keyword matches its own spelling scanned as a document, and so does each of its
 *     groups;
 *   - the dictionary text itself, scanned as one document, gives the same counts whole and cut
 *     into pieces at tally__tok_safe_cut points (the matcher's continue = 1 path). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "fuzz_util.h"
#include "match.h"
#include "normalize.h"
#include "tally.h"
#include "tokenize.h"

static void check_error(int rc, const tally_error *err, const uint8_t *text, size_t len)
{
    FUZZ_CHECK(rc == TALLY_EDICT, "add_text returned %d (%s)", rc, tally_strerror(rc));
    FUZZ_CHECK(err->code == rc, "err.code %d, rc %d", err->code, rc);
    FUZZ_CHECK(memchr(err->message, 0, sizeof err->message), "message not terminated");
    if (err->line == 0) {
        FUZZ_CHECK(strcmp(err->message, "fuzz.dict has no terms") == 0, "line 0: '%s'", err->message);
        return;
    }
    uint64_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    FUZZ_CHECK(err->line >= 1 && err->line <= lines, "error line %llu of %llu lines",
               (unsigned long long)err->line, (unsigned long long)lines);
    FUZZ_CHECK(memchr(err->message, 0, sizeof err->message) && err->message[0], "no message");
}

/* The dictionary text in pieces that each begin with a [group] header line (so every piece
 * starts ungrouped exactly where the whole text would have switched groups anyway). */
static tally_dict *build_split(int tok, int cs, const uint8_t *text, size_t len, size_t *pieces)
{
    tally_dict *d = tally_dict_new(tok, cs);
    tally_error err;
    size_t start = 0;
    *pieces = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && !(i > 0 && text[i - 1] == '\n' && text[i] == '['))
            continue;
        if (i < len) {
            /* a header line: its last byte before the newline, bar spaces, tabs and CR, is ']' */
            const uint8_t *nl = memchr(text + i, '\n', len - i);
            size_t e = nl ? (size_t)(nl - text) : len;
            while (e > i && (text[e - 1] == ' ' || text[e - 1] == '\t' || text[e - 1] == '\r'))
                e--;
            if (e - i < 2 || text[e - 1] != ']')
                continue;
        }
        int rc = tally_dict_add_text(d, "piece", (const char *)text + start, i - start, &err);
        /* a piece may hold a header and no term (or, first, comments only): it adds what the
         * whole text adds for those lines, and says so */
        FUZZ_CHECK(rc == 0 || (err.line == 0 && strcmp(err.message, "piece has no terms") == 0),
                   "piece %zu at %zu failed (%s) but the whole text parsed", *pieces, start,
                   err.message);
        ++*pieces;
        start = i;
    }
    return d;
}

static void check_same_dict(const tally_dict *a, const tally_dict *b)
{
    size_t n = tally_dict_keyword_count(a);
    FUZZ_CHECK(n == tally_dict_keyword_count(b), "split: %zu keywords, whole %zu",
               tally_dict_keyword_count(b), n);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(strcmp(tally_dict_keyword_name(a, i), tally_dict_keyword_name(b, i)) == 0,
                   "split: keyword %zu differs", i);
    size_t g = tally_dict_group_count(a);
    FUZZ_CHECK(g == tally_dict_group_count(b), "split: %zu groups, whole %zu",
               tally_dict_group_count(b), g);
    for (size_t i = 0; i < g; i++)
        FUZZ_CHECK(strcmp(tally_dict_group_name(a, i), tally_dict_group_name(b, i)) == 0,
                   "split: group %zu differs", i);
    FUZZ_CHECK(tally_dict_warning_count(a) == tally_dict_warning_count(b),
               "split: %zu warnings, whole %zu", tally_dict_warning_count(b),
               tally_dict_warning_count(a));
    FUZZ_CHECK(strcmp(tally_dict_fingerprint(a), tally_dict_fingerprint(b)) == 0,
               "split: fingerprint %s, whole %s", tally_dict_fingerprint(b),
               tally_dict_fingerprint(a));
}

/* Can the keyword's words, as spelled, follow each other in a phrase? */
static int spelling_links(int tok, const char *s, size_t n)
{
    tally_tokenizer t;
    tally_token k;
    tally__tok_init(&t, tok);
    tally__tok_begin_field(&t, (const uint8_t *)s, n);
    int first = 1;
    while (tally__tok_next(&t, &k)) {
        if (!first && !(k.flags & TALLY_TOK_LINKED))
            return 0;
        first = 0;
    }
    return 1;
}

static void check_self_match(const tally_dict *d, tally_matcher *m)
{
    for (size_t i = 0; i < d->n_kws; i++) {
        const char *name = tally_dict_keyword_name(d, i);
        size_t n = strlen(name);
        if (d->kws[i].prefix != TALLY_NONE)
            n--; /* drop the '*' */
        FUZZ_CHECK(spelling_links(d->tokenizer, name, n),
                   "keyword %zu was accepted, but its words cannot link into a phrase", i);
        tally__matcher_doc_begin(m);
        tally__matcher_field(m, (const uint8_t *)name, n, 0);
        tally__matcher_doc_end(m);
        FUZZ_CHECK(m->doc_kw[i] >= 1, "keyword %zu does not match its own spelling (%zu bytes)", i,
                   n);
        for (uint32_t k = 0; k < d->kws[i].n_groups; k++)
            FUZZ_CHECK(m->doc_grp[d->kws[i].groups[k]] >= 1,
                       "group %u of keyword %zu has no match in its spelling", d->kws[i].groups[k], i);
    }
}

/* Scans text as one document, whole, then in pieces; the counts must agree. */
static void check_pieces(const tally_dict *d, tally_matcher *m, const uint8_t *text, size_t len,
                         unsigned seed)
{
    size_t nk = d->n_kws, ng = d->n_groups;
    uint32_t *kw = malloc((nk + 1) * sizeof *kw), *grp = malloc((ng + 1) * sizeof *grp);
    tally__matcher_doc_begin(m);
    tally__matcher_field(m, text, len, 0);
    tally__matcher_doc_end(m);
    memcpy(kw, m->doc_kw, nk * sizeof *kw);
    memcpy(grp, m->doc_grp, ng * sizeof *grp);
    uint64_t tokens = m->doc_tokens;

    tally__matcher_doc_begin(m);
    size_t pos = 0;
    int first = 1;
    while (pos < len || first) {
        size_t rest = len - pos;
        seed = seed * 1103515245u + 12345u;
        size_t w = 1 + (rest ? (seed >> 8) % rest : 0), piece;
        for (;;) {
            if (w >= rest) {
                piece = rest;
                break;
            }
            size_t p = tally__tok_safe_cut(text + pos, w, 0);
            if (p) {
                piece = p;
                break;
            }
            w = 2 * w + 1;
        }
        tally__matcher_field(m, text + pos, piece, !first);
        first = 0;
        pos += piece;
    }
    tally__matcher_doc_end(m);
    FUZZ_CHECK(m->doc_tokens == tokens, "pieces: %llu tokens, whole %llu",
               (unsigned long long)m->doc_tokens, (unsigned long long)tokens);
    for (size_t i = 0; i < nk; i++)
        FUZZ_CHECK(m->doc_kw[i] == kw[i], "pieces: keyword %zu counted %u, whole %u", i,
                   m->doc_kw[i], kw[i]);
    for (size_t i = 0; i < ng; i++)
        FUZZ_CHECK(m->doc_grp[i] == grp[i], "pieces: group %zu counted %u, whole %u", i,
                   m->doc_grp[i], grp[i]);
    free(kw);
    free(grp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int tok = data[0] & 1 ? TALLY_TOKENIZER_WHITESPACE : TALLY_TOKENIZER_UNICODE;
    int cs = (data[0] >> 1) & 1;
    int compile_after_error = (data[0] >> 2) & 1;
    size_t len = size - 1;
    uint8_t *text = malloc(len ? len : 1); /* exact size: ASan sees reads past the end */
    memcpy(text, data + 1, len);

    tally_dict *d = tally_dict_new(tok, cs);
    tally_error err;
    memset(&err, 0, sizeof err);
    int rc = tally_dict_add_text(d, "fuzz.dict", (const char *)text, len, &err);
    if (rc)
        check_error(rc, &err, text, len);
    if (rc && !compile_after_error)
        goto out;

    size_t nkw = tally_dict_keyword_count(d);
    memset(&err, 0, sizeof err);
    int crc = tally_dict_compile(d, &err);
    if (nkw == 0) {
        FUZZ_CHECK(crc == TALLY_EDICT, "compile of an empty dictionary returned %d", crc);
        goto out;
    }
    FUZZ_CHECK(crc == 0, "compile failed: %d %s", crc, err.message);
    const char *fp = tally_dict_fingerprint(d);
    FUZZ_CHECK(strlen(fp) == 32 && strspn(fp, "0123456789abcdef") == 32, "fingerprint '%s'", fp);
    for (size_t i = 0; i < tally_dict_warning_count(d); i++)
        FUZZ_CHECK(strncmp(tally_dict_warning(d, i), "fuzz.dict:", 10) == 0, "warning '%s'",
                   tally_dict_warning(d, i));
    FUZZ_CHECK(tally_dict_warning(d, tally_dict_warning_count(d)) == NULL, "warning past the end");
    for (size_t i = 0; i < nkw; i++)
        FUZZ_CHECK(tally_dict_keyword_name(d, i) && tally_dict_keyword_name(d, i)[0],
                   "keyword %zu has no name", i);
    for (size_t i = 0; i < tally_dict_group_count(d); i++)
        FUZZ_CHECK(tally_dict_group_name(d, i) && tally_dict_group_name(d, i)[0],
                   "group %zu has no name", i);
    FUZZ_CHECK(tally_dict_add_term(d, "x", &err) != 0, "add_term after compile succeeded");

    if (rc == 0) {
        size_t pieces;
        tally_dict *d2 = build_split(tok, cs, text, len, &pieces);
        if (pieces > 1) {
            memset(&err, 0, sizeof err);
            FUZZ_CHECK(tally_dict_compile(d2, &err) == 0, "split: compile failed: %s", err.message);
            check_same_dict(d, d2);
        }
        tally_dict_free(d2);
    }

    tally_matcher *m = tally__matcher_new(d);
    check_self_match(d, m);
    check_pieces(d, m, text, len, (unsigned)len * 2654435761u ^ data[0]);
    tally__matcher_free(m);
out:
    tally_dict_free(d);
    free(text);
    return 0;
}
