/* dict.c — parses dictionaries (files, text, -k terms) into keywords and groups, and compiles
 * them into the matcher's tables (see dict.h for the layout). Terms go through the same
 * tokenizer and normalizer as the scanned text, so a term matches exactly the token sequences
 * it would produce itself; a term whose words that tokenizer would not link into a phrase is
 * refused, since it could never match. Files in other tools' dictionary formats, malformed
 * headers and files without terms are refused too; group names that differ only in case give
 * warnings. The fingerprint is a digest of a canonical text documented in README. */
#include "dict.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include <xxhash.h>

#include "hash.h"
#include "normalize.h"
#include "tokenize.h"
#include "unicode.h"

/* ---- string tables ------------------------------------------------------------------------ */

static void strtab_init(tally_strtab *t)
{
    memset(t, 0, sizeof *t);
    t->mask = 15;
    t->hashes = tally_xcalloc(16, sizeof *t->hashes);
    t->ids = tally_xcalloc(16, sizeof *t->ids);
    tally__buf_init(&t->arena);
}

static void strtab_cleanup(tally_strtab *t)
{
    free(t->hashes);
    free(t->ids);
    free(t->offs);
    free(t->lens);
    tally__buf_cleanup(&t->arena);
    memset(t, 0, sizeof *t);
}

static uint64_t strtab_key(uint64_t h)
{
    return h | (1ull << 63);
}

uint32_t tally__strtab_find(const tally_strtab *t, const uint8_t *s, size_t n, uint64_t h)
{
    uint64_t key = strtab_key(h);
    size_t i = (size_t)h & t->mask;
    for (;;) {
        uint64_t k = t->hashes[i];
        if (k == 0)
            return TALLY_NONE;
        if (k == key) {
            uint32_t id = t->ids[i];
            if (t->lens[id] == n) {
                const uint8_t *a = t->arena.data + t->offs[id];
                size_t j = 0;
                while (j < n && a[j] == s[j])
                    j++;
                if (j == n)
                    return id;
            }
        }
        i = (i + 1) & t->mask;
    }
}

static void strtab_grow(tally_strtab *t)
{
    size_t cap = (t->mask + 1) * 2;
    uint64_t *hashes = tally_xcalloc(cap, sizeof *hashes);
    uint32_t *ids = tally_xcalloc(cap, sizeof *ids);
    for (size_t i = 0; i <= t->mask; i++) {
        if (!t->hashes[i])
            continue;
        size_t j = (size_t)t->hashes[i] & (cap - 1);
        while (hashes[j])
            j = (j + 1) & (cap - 1);
        hashes[j] = t->hashes[i];
        ids[j] = t->ids[i];
    }
    free(t->hashes);
    free(t->ids);
    t->hashes = hashes;
    t->ids = ids;
    t->mask = cap - 1;
}

/* Returns the id of s, adding it when new; *added tells which. */
static uint32_t strtab_intern(tally_strtab *t, const uint8_t *s, size_t n, int *added)
{
    uint64_t h = tally__hash(s, n);
    uint32_t id = tally__strtab_find(t, s, n, h);
    if (added)
        *added = id == TALLY_NONE;
    if (id != TALLY_NONE)
        return id;
    if ((t->count + 1) * 2 > t->mask + 1)
        strtab_grow(t);
    if (t->count == t->cap_ids) {
        t->cap_ids = t->cap_ids ? t->cap_ids * 2 : 16;
        t->offs = tally_xrealloc(t->offs, t->cap_ids * sizeof *t->offs);
        t->lens = tally_xrealloc(t->lens, t->cap_ids * sizeof *t->lens);
    }
    id = (uint32_t)t->count++;
    t->offs[id] = (uint32_t)t->arena.len;
    t->lens[id] = (uint32_t)n;
    tally__buf_append(&t->arena, s, n);
    size_t i = (size_t)h & t->mask;
    while (t->hashes[i])
        i = (i + 1) & t->mask;
    t->hashes[i] = strtab_key(h);
    t->ids[i] = id;
    return id;
}

/* ---- construction ------------------------------------------------------------------------- */

tally_dict *tally_dict_new(int tokenizer, int case_sensitive)
{
    tally_dict *d = tally_xcalloc(1, sizeof *d);
    d->tokenizer = tokenizer;
    d->case_sensitive = case_sensitive;
    strtab_init(&d->vocab);
    strtab_init(&d->prefixes);
    strtab_init(&d->kwkeys);
    strtab_init(&d->grpnames);
    strtab_init(&d->grpfolds);
    d->norm = tally__norm_new(case_sensitive);
    return d;
}

void tally_dict_free(tally_dict *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_kws; i++) {
        free(d->kws[i].name);
        free(d->kws[i].words);
        free(d->kws[i].groups);
    }
    free(d->kws);
    for (size_t i = 0; i < d->n_groups; i++) {
        free(d->groups[i].name);
        free(d->groups[i].where);
        free(d->groups[i].members);
    }
    free(d->groups);
    strtab_cleanup(&d->vocab);
    strtab_cleanup(&d->prefixes);
    strtab_cleanup(&d->kwkeys);
    strtab_cleanup(&d->grpnames);
    strtab_cleanup(&d->grpfolds);
    free(d->grpfold_ids);
    for (size_t i = 0; i < d->n_warnings; i++)
        free(d->warnings[i]);
    free(d->warnings);
    free(d->nodes);
    free(d->edges);
    free(d->root_next);
    free(d->pfx_root_kw);
    free(d->word_pfx_off);
    free(d->word_pfx);
    free(d->vtab);
    free(d->pfx_edges);
    free(d->pfx_nodes);
    free(d->pfx_edge_byte);
    free(d->pfx_edge_node);
    free(d->kw_in_group);
    free(d->kw_grp_off);
    free(d->kw_grp);
    tally__norm_free(d->norm);
    free(d);
}

/* Decodes one well-formed UTF-8 code point; returns its length, or 0 when ill-formed. */
static size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
    int bad = 0;
    size_t l = tally__utf8_decode(s, n, cp, &bad);
    return bad ? 0 : l;
}

static int is_white_space(uint32_t c)
{
    return (tally__uprop(c) & TALLY_UP_WSPACE) != 0;
}

/* Trims White_Space from both ends of s[0,*n); returns the new start. */
static const char *trim(const char *s, size_t *n)
{
    size_t a = 0, b = *n;
    while (a < b) {
        uint32_t c;
        size_t l = utf8_decode((const uint8_t *)s + a, b - a, &c);
        if (!l || !is_white_space(c))
            break;
        a += l;
    }
    while (b > a) {
        /* step back to the start of the last code point */
        size_t k = b - 1;
        while (k > a && ((uint8_t)s[k] & 0xC0) == 0x80 && b - k < 4)
            k--;
        uint32_t c;
        size_t l = utf8_decode((const uint8_t *)s + k, b - k, &c);
        if (!l || k + l != b || !is_white_space(c))
            break;
        b = k;
    }
    *n = b - a;
    return s + a;
}

static void add_warning(tally_dict *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void add_warning(tally_dict *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *w = tally_xmalloc((size_t)(n > 0 ? n : 0) + 1);
    va_start(ap, fmt);
    vsnprintf(w, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
    va_end(ap);
    if (d->n_warnings == d->cap_warnings) {
        d->cap_warnings = d->cap_warnings ? d->cap_warnings * 2 : 4;
        d->warnings = tally_xrealloc(d->warnings, d->cap_warnings * sizeof *d->warnings);
    }
    d->warnings[d->n_warnings++] = w;
}

/* A new group whose name differs from an earlier group's only in case ([economy], [Economy]) is
 * most likely a typo, but names are compared exactly, so it stays a group of its own: a warning,
 * not an error. Case is compared by utf8proc's full case folding after NFC. */
static void check_group_case(tally_dict *d, uint32_t g)
{
    const char *name = d->groups[g].name;
    utf8proc_uint8_t *fold = NULL;
    utf8proc_ssize_t fl = utf8proc_map((const utf8proc_uint8_t *)name, (utf8proc_ssize_t)strlen(name),
                                       &fold, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
    if (fl < 0) /* names are valid UTF-8 here; nothing to compare if utf8proc disagrees */
        return;
    int added;
    uint32_t f = strtab_intern(&d->grpfolds, fold, (size_t)fl, &added);
    free(fold);
    if (added) {
        d->grpfold_ids = tally_xrealloc(d->grpfold_ids, d->grpfolds.count * sizeof *d->grpfold_ids);
        d->grpfold_ids[f] = g;
        return;
    }
    const tally_group *first = &d->groups[d->grpfold_ids[f]];
    add_warning(d, "%s: the group [%s] differs only in case from the group [%s] (%s); they are two "
                   "groups",
                d->groups[g].where, name, first->name, first->where);
}

static uint32_t group_intern(tally_dict *d, const char *name, size_t n, const char *file,
                             uint64_t line)
{
    int added;
    uint32_t g = strtab_intern(&d->grpnames, (const uint8_t *)name, n, &added);
    if (added) {
        if (d->n_groups == d->cap_groups) {
            d->cap_groups = d->cap_groups ? d->cap_groups * 2 : 8;
            d->groups = tally_xrealloc(d->groups, d->cap_groups * sizeof *d->groups);
        }
        tally_group *gr = &d->groups[d->n_groups++];
        memset(gr, 0, sizeof *gr);
        gr->name = tally_xstrndup(name, n);
        int wn = snprintf(NULL, 0, "%s:%llu", file, (unsigned long long)line);
        gr->where = tally_xmalloc((size_t)wn + 1);
        snprintf(gr->where, (size_t)wn + 1, "%s:%llu", file, (unsigned long long)line);
        check_group_case(d, g);
    }
    return g;
}

static void kw_add_group(tally_dict *d, uint32_t kw, uint32_t g)
{
    tally_kw *k = &d->kws[kw];
    for (uint32_t i = 0; i < k->n_groups; i++)
        if (k->groups[i] == g)
            return;
    if (k->n_groups == k->cap_groups) {
        k->cap_groups = k->cap_groups ? k->cap_groups * 2 : 2;
        k->groups = tally_xrealloc(k->groups, k->cap_groups * sizeof *k->groups);
    }
    k->groups[k->n_groups++] = g;
    tally_group *gr = &d->groups[g];
    if (gr->n_members == gr->cap_members) {
        gr->cap_members = gr->cap_members ? gr->cap_members * 2 : 4;
        gr->members = tally_xrealloc(gr->members, gr->cap_members * sizeof *gr->members);
    }
    gr->members[gr->n_members++] = kw;
}

/* Where a message points: "FILE:LINE" for a line of a file, the bare name for a term given on
 * its own (line 0). */
static const char *where(char *buf, size_t size, const char *name, uint64_t line)
{
    if (line)
        snprintf(buf, size, "%s:%llu", name, (unsigned long long)line);
    else
        snprintf(buf, size, "%s", name);
    return buf;
}

/* The first code point of s[from,to) that is neither White_Space nor a dash (Pd): what stops a
 * phrase from going on across this gap (tokenize.h). Returns its offset, or to when none. */
static size_t gap_blocker(const uint8_t *s, size_t from, size_t to, uint32_t *cp, size_t *len)
{
    while (from < to) {
        size_t l = utf8_decode(s + from, to - from, cp);
        if (!l)
            return to; /* terms are valid UTF-8 by now */
        if (!(tally__uprop(*cp) & (TALLY_UP_WSPACE | TALLY_UP_DASH))) {
            *len = l;
            return from;
        }
        from += l;
    }
    return to;
}

/* The error for a term whose words prev_end..start cannot link: phrases span only White_Space
 * and dashes (README "Counting rules" 5), so the term would never match its own spelling. */
static int gap_error(tally_error *err, const char *loc, uint64_t line, const char *term, size_t n,
                     size_t prev_end, size_t start)
{
    uint32_t cp = 0;
    size_t l = 0;
    size_t at = gap_blocker((const uint8_t *)term, prev_end, start, &cp, &l);
    if (at == start) /* not expected: the tokenizer links across White_Space and Pd only */
        return tally__seterr(err, TALLY_EDICT, line, UINT64_MAX,
                             "%s: two words of the term cannot form a phrase (phrases span only "
                             "spaces and dashes): %.*s",
                             loc, (int)n, term);
    unsigned wb = tally__uprop(cp) & TALLY_UP_WB_MASK;
    int invisible = cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || wb == TALLY_WB_EXTEND ||
                    wb == TALLY_WB_FORMAT || wb == TALLY_WB_ZWJ;
    char shown[32];
    if (invisible)
        snprintf(shown, sizeof shown, "U+%04X", (unsigned)cp);
    else
        snprintf(shown, sizeof shown, "'%.*s' (U+%04X)", (int)l, term + at, (unsigned)cp);
    return tally__seterr(err, TALLY_EDICT, line, UINT64_MAX,
                         "%s: %s stands between two words of the term, and phrases span only "
                         "spaces and dashes, so the term could never match: %.*s",
                         loc, shown, (int)n, term);
}

/* Adds one term (already trimmed, valid UTF-8). group is a group id or TALLY_NONE. name and line
 * say where it comes from (line 0: a term given on its own). */
static int add_term(tally_dict *d, const char *name, uint64_t line, const char *term, size_t n,
                    uint32_t group, tally_error *err)
{
    if (d->compiled)
        return tally__seterr(err, TALLY_EINVAL, line, UINT64_MAX, "dictionary already compiled");
    char loc[320];
    where(loc, sizeof loc, name, line);
    int prefix = n > 0 && term[n - 1] == '*';
    size_t body = prefix ? n - 1 : n;
    if (memchr(term, '*', body))
        return tally__seterr(err, TALLY_EDICT, line, UINT64_MAX,
                             "%s: '*' is only allowed at the end of a term: %.*s", loc, (int)n, term);

    tally_tokenizer tk;
    tally__tok_init(&tk, d->tokenizer);
    tally__tok_begin_field(&tk, (const uint8_t *)term, body);
    tally_token tok;
    uint32_t ids_stack[16];
    uint32_t *ids = ids_stack;
    size_t n_ids = 0, cap_ids = 16;
    /* key: the word ids, then a marker and the prefix id when the term ends in '*' */
    int rc = 0;
    size_t last_start = 0, last_len = 0;
    while (tally__tok_next(&tk, &tok)) {
        /* The tokenizer's own link rule, the one the matcher counts by: a term whose words it
         * would not link could never match, not even its own spelling. */
        if (n_ids > 0 && !(tok.flags & TALLY_TOK_LINKED)) {
            rc = gap_error(err, loc, line, term, n, last_start + last_len, tok.start);
            goto out;
        }
        if (n_ids == cap_ids) {
            cap_ids *= 2;
            if (ids == ids_stack) {
                ids = tally_xmalloc(cap_ids * sizeof *ids);
                memcpy(ids, ids_stack, sizeof ids_stack);
            } else {
                ids = tally_xrealloc(ids, cap_ids * sizeof *ids);
            }
        }
        size_t nl;
        const uint8_t *nb = tally__norm_token(d->norm, (const uint8_t *)term + tok.start, tok.len, &nl);
        if (nl == 0) {
            /* only default-ignorable characters (whitespace tokenizer): no text token can match */
            rc = tally__seterr(err, TALLY_EDICT, line, UINT64_MAX,
                               "%s: a word of the term is only ignorable characters: %.*s", loc,
                               (int)n, term);
            goto out;
        }
        ids[n_ids++] = strtab_intern(&d->vocab, nb, nl, NULL);
        last_start = tok.start;
        last_len = tok.len;
    }
    if (n_ids == 0) {
        rc = tally__seterr(err, TALLY_EDICT, line, UINT64_MAX,
                           "%s: the term yields no word (it needs a letter or a number): %.*s", loc,
                           (int)n, term);
        goto out;
    }
    uint32_t pfx = TALLY_NONE;
    if (prefix) {
        size_t nl;
        const uint8_t *nb =
            tally__norm_token(d->norm, (const uint8_t *)term + last_start, last_len, &nl);
        pfx = strtab_intern(&d->prefixes, nb, nl, NULL);
        n_ids--;
    }
    /* the keyword's identity: its word ids, and the prefix id behind a marker */
    uint32_t keybuf[18];
    uint32_t *key = n_ids + 2 <= 18 ? keybuf : tally_xmalloc((n_ids + 2) * sizeof *key);
    memcpy(key, ids, n_ids * sizeof *key);
    size_t kn = n_ids;
    if (prefix) {
        key[kn++] = TALLY_NONE;
        key[kn++] = pfx;
    }
    int added;
    uint32_t kw = strtab_intern(&d->kwkeys, (const uint8_t *)key, kn * sizeof *key, &added);
    if (key != keybuf)
        free(key);
    if (added) {
        if (d->n_kws == d->cap_kws) {
            d->cap_kws = d->cap_kws ? d->cap_kws * 2 : 16;
            d->kws = tally_xrealloc(d->kws, d->cap_kws * sizeof *d->kws);
        }
        tally_kw *k = &d->kws[d->n_kws++];
        memset(k, 0, sizeof *k);
        k->name = tally_xstrndup(term, n);
        k->words = tally_xmalloc((n_ids ? n_ids : 1) * sizeof *k->words);
        memcpy(k->words, ids, n_ids * sizeof *k->words);
        k->n_words = (uint32_t)n_ids;
        k->prefix = pfx;
        k->n_tokens = (uint32_t)n_ids + (prefix ? 1 : 0);
    }
    if (group != TALLY_NONE)
        kw_add_group(d, kw, group);
out:
    if (ids != ids_stack)
        free(ids);
    return rc;
}

/* ---- hooks for the readers of other formats (dictfmt.c) ---------------------------------- */

const char *tally__dict_trim(const char *s, size_t *n)
{
    return trim(s, n);
}

uint32_t tally__dict_group(tally_dict *d, const char *name, size_t n, const char *file,
                           uint64_t line)
{
    return group_intern(d, name, n, file, line);
}

int tally__dict_term(tally_dict *d, const char *file, uint64_t line, const char *term, size_t n,
                     uint32_t group, tally_error *err)
{
    return add_term(d, file, line, term, n, group, err);
}

void tally__dict_warn(tally_dict *d, const char *msg)
{
    add_warning(d, "%s", msg);
}

/* ---- other dictionary formats ------------------------------------------------------------- */

/* One line of a file trimmed of ASCII blanks (enough to recognize another format's markers). */
typedef struct sniff_line {
    const char *s;
    size_t n;
    uint64_t line;
} sniff_line;

static int ascii_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    if (n <= e || name[n - e - 1] != '.')
        return 0;
    for (size_t i = 0; i < e; i++)
        if ((name[n - e + i] | 0x20) != ext[i])
            return 0;
    return 1;
}

static int starts_nocase(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++)
        if ((s[i] | 0x20) != (p[i] | 0x20))
            return 0;
    return 1;
}

/* A YAML list item: "-" then a blank and something. */
static int yaml_item(const sniff_line *l)
{
    return l->n >= 3 && l->s[0] == '-' && ascii_blank(l->s[1]);
}

/* When the text looks like a dictionary in another tool's format, returns what it looks like and
 * sets *line to the line that shows it; NULL otherwise. Decided by content; the file name's
 * extension only lowers the bar where the content alone would be ambiguous. The markers are
 * lines that are errors in tally's format anyway (a lone '%', '---', "key: [a, b]") or that no
 * one would write in it on purpose (a '+name' line, 'key:' followed by '- term', whose '+', ':'
 * and '-' the tokenizer would drop without a word). */
static const char *foreign_format(const char *name, const char *buf, size_t len, uint64_t *line,
                                  const char **fmt)
{
    sniff_line prev = {NULL, 0, 0};
    size_t pos = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    uint64_t no = 0;
    int first = 1;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        sniff_line l = {buf + pos, end - pos, ++no};
        pos = nl ? end + 1 : len;
        while (l.n && ascii_blank(l.s[0]))
            l.s++, l.n--;
        while (l.n && ascii_blank(l.s[l.n - 1]))
            l.n--;
        if (l.n == 0 || l.s[0] == '#')
            continue;
        *line = l.line;
        /* LIWC 2001-2015 .dic: the category legend sits between two lines of a lone '%' */
        if ((l.n == 1 && l.s[0] == '%') || (first && l.s[0] == '%' && has_ext(name, "dic")))
            return *fmt = "liwc", "a LIWC dictionary (a '%' legend line)";
        /* LIWC-22 .dicx: a CSV table whose header row starts with the DicTerm column */
        if (first && (starts_nocase(l.s, l.n, "DicTerm,") ||
                      (has_ext(name, "dicx") && memchr(l.s, ',', l.n))))
            return *fmt = "dicx", "a LIWC-22 dictionary (CSV rows with a 'DicTerm' column)";
        /* Lexicoder .lc3: "+category" lines head the terms of each category */
        if (l.n >= 2 && l.s[0] == '+' && !ascii_blank(l.s[1]) && !(l.s[1] >= '0' && l.s[1] <= '9'))
            return *fmt = "lexicoder", "a Lexicoder dictionary (a '+name' category line)";
        /* quanteda's YAML: "key:" lines, each followed by "- term" items, or "key: [a, b]" */
        if (first && l.n == 3 && memcmp(l.s, "---", 3) == 0)
            return *fmt = "yaml", "a YAML dictionary (a '---' document start)";
        if (yaml_item(&l) && prev.n >= 2 && prev.s[prev.n - 1] == ':') {
            *line = prev.line;
            return *fmt = "yaml", "a YAML dictionary (a 'key:' line followed by '- term' items)";
        }
        if (l.s[l.n - 1] == ']' && l.s[0] != '[' && memmem(l.s, l.n, ": [", 3))
            return *fmt = "yaml", "a YAML dictionary (a 'key: [term, ...]' line)";
        if ((has_ext(name, "yml") || has_ext(name, "yaml")) &&
            (yaml_item(&l) || l.s[l.n - 1] == ':'))
            return *fmt = "yaml", "a YAML dictionary (a 'key:' line or a '- term' item)";
        prev = l;
        first = 0;
    }
    return NULL;
}

/* ---- tally's format ----------------------------------------------------------------------- */

int tally_dict_add_text(tally_dict *d, const char *name, const char *buf, size_t len, tally_error *err)
{
    uint32_t group = TALLY_NONE;
    uint64_t line = 0, terms = 0;
    size_t pos = 0;
    const char *fmt = NULL;
    const char *other = foreign_format(name, buf, len, &line, &fmt);
    if (other)
        return tally__seterr(err, TALLY_EDICT, line, UINT64_MAX,
                             "%s:%llu: this looks like %s, but it is being read as a tally "
                             "dictionary (one term per line, [group] headers); read it in format "
                             "'%s', or give the file that format's extension",
                             name, (unsigned long long)line, other, fmt);
    line = 0;
    /* a UTF-8 BOM at the start of the file is not part of the first line */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        const char *s = buf + pos;
        size_t n = end - pos;
        line++;
        pos = nl ? end + 1 : len;

        for (size_t i = 0; i < n;) {
            uint32_t c;
            size_t l = utf8_decode((const uint8_t *)s + i, n - i, &c);
            if (!l)
                return tally__seterr(err, TALLY_EDICT, line, i, "%s:%llu: invalid UTF-8 at byte %zu of the line",
                                     name, (unsigned long long)line, i + 1);
            if (c == 0) /* names are C strings in the API and the summary */
                return tally__seterr(err, TALLY_EDICT, line, i, "%s:%llu: a NUL byte at byte %zu of the line",
                                     name, (unsigned long long)line, i + 1);
            i += l;
        }
        s = trim(s, &n);
        if (n == 0 || s[0] == '#')
            continue;
        if (s[0] == '[') {
            /* A header is the whole line; a name holds no bracket. Anything else that starts
             * with '[' is a mistake, not a term: as a term it would lose the bracket silently. */
            const char *close = memchr(s, ']', n);
            const char *open2 = memchr(s + 1, '[', n - 1);
            if (!close)
                return tally__seterr(err, TALLY_EDICT, line, UINT64_MAX,
                                     "%s:%llu: a group header lacks its closing ']': %.*s", name,
                                     (unsigned long long)line, (int)n, s);
            if (open2 && open2 < close)
                return tally__seterr(err, TALLY_EDICT, line, UINT64_MAX,
                                     "%s:%llu: a group name cannot hold '[': %.*s", name,
                                     (unsigned long long)line, (int)n, s);
            if (close != s + n - 1)
                return tally__seterr(err, TALLY_EDICT, line, UINT64_MAX,
                                     "%s:%llu: text after the group header's closing ']' (a header "
                                     "is a line of its own, and a group name cannot hold ']'): %.*s",
                                     name, (unsigned long long)line, (int)n, s);
            size_t gn = n - 2;
            const char *g = trim(s + 1, &gn);
            if (gn == 0)
                return tally__seterr(err, TALLY_EDICT, line, UINT64_MAX,
                                     "%s:%llu: empty group name", name, (unsigned long long)line);
            group = group_intern(d, g, gn, name, line);
            continue;
        }
        int rc = add_term(d, name, line, s, n, group, err);
        if (rc)
            return rc;
        terms++;
    }
    /* an empty file, or the wrong file, is a mistake even when other dictionaries have terms */
    if (terms == 0)
        return tally__seterr(err, TALLY_EDICT, 0, UINT64_MAX, "%s has no terms", name);
    return 0;
}

int tally__dict_slurp(const char *path, tally_buf *b, tally_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return tally__seterr(err, errno == ENOENT ? TALLY_ENOENT : TALLY_EIO, 0, UINT64_MAX,
                             "%s: %s", path, strerror(errno));
    int rc = 0;
    for (;;) {
        tally__buf_reserve(b, 65536);
        size_t got = fread(b->data + b->len, 1, 65536, f);
        b->len += got;
        if (got < 65536) {
            if (ferror(f))
                rc = tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "%s: %s", path, strerror(errno));
            break;
        }
    }
    fclose(f);
    return rc;
}

int tally_dict_add_file(tally_dict *d, const char *path, tally_error *err)
{
    tally_buf b;
    tally__buf_init(&b);
    int rc = tally__dict_slurp(path, &b, err);
    if (rc == 0)
        rc = tally_dict_add_text(d, path, (const char *)b.data, b.len, err);
    tally__buf_cleanup(&b);
    return rc;
}

int tally_dict_add_term(tally_dict *d, const char *term, tally_error *err)
{
    size_t n = strlen(term);
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t l = utf8_decode((const uint8_t *)term + i, n - i, &c);
        if (!l)
            return tally__seterr(err, TALLY_EDICT, 0, i, "term: invalid UTF-8 at byte %zu", i + 1);
        i += l;
    }
    const char *s = trim(term, &n);
    if (n == 0)
        return tally__seterr(err, TALLY_EDICT, 0, UINT64_MAX, "term: the term is empty");
    return add_term(d, "term", 0, s, n, TALLY_NONE, err);
}

/* ---- compilation -------------------------------------------------------------------------- */

typedef struct edge_builder {
    uint64_t *keys;
    uint32_t *vals;
    size_t mask, count;
} edge_builder;

static size_t edge_slot(uint64_t key, size_t mask)
{
    return tally__edge_slot(key, mask);
}

static void edges_grow(edge_builder *e)
{
    size_t cap = (e->mask + 1) * 2;
    uint64_t *keys = tally_xcalloc(cap, sizeof *keys);
    uint32_t *vals = tally_xcalloc(cap, sizeof *vals);
    for (size_t i = 0; i <= e->mask; i++) {
        if (!e->keys[i])
            continue;
        size_t j = edge_slot(e->keys[i], cap - 1);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = e->keys[i];
        vals[j] = e->vals[i];
    }
    free(e->keys);
    free(e->vals);
    e->keys = keys;
    e->vals = vals;
    e->mask = cap - 1;
}

static int cmp_pfx(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b; /* node, prefix, keyword */
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    if (x[1] != y[1])
        return x[1] < y[1] ? -1 : 1;
    return 0;
}

/* Builds the prefix byte trie: a node per distinct byte string that starts some prefix, edges
 * sorted by byte, the root's children in a 256-entry table. */
static void build_prefix_trie(tally_dict *d)
{
    for (int i = 0; i < 256; i++)
        d->pfx_root[i] = TALLY_NONE;
    size_t n_p = d->prefixes.count;
    /* while building, children are kept in per-node growable arrays */
    typedef struct tmp_node {
        uint32_t prefix;
        uint8_t *bytes;
        uint32_t *kids;
        uint32_t n, cap;
    } tmp_node;
    size_t cap = 16, n = 0;
    tmp_node *t = tally_xcalloc(cap, sizeof *t);
    uint32_t max_len = 0;
    for (size_t p = 0; p < n_p; p++) {
        const uint8_t *s = d->prefixes.arena.data + d->prefixes.offs[p];
        uint32_t len = d->prefixes.lens[p];
        if (len == 0)
            continue;
        if (len > max_len)
            max_len = len;
        for (unsigned b1 = 0; b1 < 256; b1++) {
            if (len > 1 && b1 != s[1])
                continue;
            unsigned k = s[0] | (b1 << 8);
            d->pfx_pair[k >> 6] |= 1ull << (k & 63);
            if (len <= 2)
                d->pfx_short[k >> 6] |= 1ull << (k & 63);
        }
        if (len >= 3) {
            unsigned hl = len >= 4 ? 4 : 3;
            unsigned b = tally__pfx_head_bit(tally__load_le(s, hl), hl);
            d->pfx_head[b >> 6] |= 1ull << (b & 63);
        }
        uint32_t node;
        if (d->pfx_root[s[0]] == TALLY_NONE) {
            if (n == cap) {
                t = tally_xrealloc(t, 2 * cap * sizeof *t);
                memset(t + cap, 0, cap * sizeof *t);
                cap *= 2;
            }
            t[n].prefix = TALLY_NONE;
            d->pfx_root[s[0]] = (uint32_t)n++;
        }
        node = d->pfx_root[s[0]];
        for (uint32_t i = 1; i < len; i++) {
            uint32_t k = 0;
            while (k < t[node].n && t[node].bytes[k] != s[i])
                k++;
            if (k == t[node].n) {
                if (n == cap) {
                    t = tally_xrealloc(t, 2 * cap * sizeof *t);
                    memset(t + cap, 0, cap * sizeof *t);
                    cap *= 2;
                }
                t[n].prefix = TALLY_NONE;
                tmp_node *nd = &t[node];
                if (nd->n == nd->cap) {
                    nd->cap = nd->cap ? nd->cap * 2 : 2;
                    nd->bytes = tally_xrealloc(nd->bytes, nd->cap);
                    nd->kids = tally_xrealloc(nd->kids, nd->cap * sizeof *nd->kids);
                }
                nd->bytes[nd->n] = s[i];
                nd->kids[nd->n] = (uint32_t)n++;
                nd->n++;
            }
            node = t[node].kids[k];
        }
        t[node].prefix = (uint32_t)p;
    }
    size_t n_edges = 0;
    for (size_t i = 0; i < n; i++)
        n_edges += t[i].n;
    d->pfx_nodes = tally_xmalloc((n ? n : 1) * sizeof *d->pfx_nodes);
    d->pfx_edge_byte = tally_xmalloc(n_edges ? n_edges : 1);
    d->pfx_edge_node = tally_xmalloc((n_edges ? n_edges : 1) * sizeof *d->pfx_edge_node);
    size_t e = 0;
    for (size_t i = 0; i < n; i++) {
        d->pfx_nodes[i].prefix = t[i].prefix;
        d->pfx_nodes[i].first = (uint32_t)e;
        d->pfx_nodes[i].count = t[i].n;
        /* insertion sort by byte: fan-out is small */
        for (uint32_t a = 0; a < t[i].n; a++) {
            uint32_t b = a;
            while (b > 0 && d->pfx_edge_byte[e + b - 1] > t[i].bytes[a]) {
                d->pfx_edge_byte[e + b] = d->pfx_edge_byte[e + b - 1];
                d->pfx_edge_node[e + b] = d->pfx_edge_node[e + b - 1];
                b--;
            }
            d->pfx_edge_byte[e + b] = t[i].bytes[a];
            d->pfx_edge_node[e + b] = t[i].kids[a];
        }
        e += t[i].n;
        free(t[i].bytes);
        free(t[i].kids);
    }
    free(t);
    d->n_pfx_nodes = n;
    d->n_pfx_edges_trie = n_edges;
    d->max_pfx_len = max_len;
}

/* Precomputes what the matcher would otherwise work out per token: the prefixes each vocabulary
 * word starts with (by the same walk of the prefix trie), and the keyword of each one-token
 * prefix term, so that a word in the vocabulary needs no walk and the root no search. */
static void build_prefix_shortcuts(tally_dict *d)
{
    size_t n_p = d->prefixes.count, n_w = d->vocab.count;
    d->pfx_root_kw = tally_xmalloc((n_p ? n_p : 1) * sizeof *d->pfx_root_kw);
    for (size_t p = 0; p < n_p; p++)
        d->pfx_root_kw[p] = TALLY_NONE;
    const tally_node *root = &d->nodes[0];
    for (uint32_t i = 0; i < root->pfx_count; i++) {
        const tally_pfx_edge *e = &d->pfx_edges[root->pfx_first + i];
        d->pfx_root_kw[e->prefix] = e->keyword;
    }
    d->word_pfx_off = tally_xmalloc((n_w + 1) * sizeof *d->word_pfx_off);
    size_t n = 0, cap = 0;
    d->word_pfx = NULL;
    for (size_t w = 0; w < n_w; w++) {
        d->word_pfx_off[w] = (uint32_t)n;
        const uint8_t *s = d->vocab.arena.data + d->vocab.offs[w];
        uint32_t len = d->vocab.lens[w];
        if (len == 0)
            continue;
        for (uint32_t node = d->pfx_root[s[0]], i = 1; node != TALLY_NONE; i++) {
            const tally_pfx_node *pn = &d->pfx_nodes[node];
            if (pn->prefix != TALLY_NONE) {
                if (n == cap) {
                    cap = cap ? 2 * cap : 64;
                    d->word_pfx = tally_xrealloc(d->word_pfx, cap * sizeof *d->word_pfx);
                }
                d->word_pfx[n++] = pn->prefix;
            }
            if (i == len)
                break;
            uint32_t next = TALLY_NONE;
            for (uint32_t k = 0; k < pn->count; k++)
                if (d->pfx_edge_byte[pn->first + k] == s[i])
                    next = d->pfx_edge_node[pn->first + k];
            node = next;
        }
    }
    d->word_pfx_off[n_w] = (uint32_t)n;
    if (!d->word_pfx)
        d->word_pfx = tally_xmalloc(sizeof *d->word_pfx); /* never NULL: the matcher adds to it */
}

/* The matcher's vocabulary table (see tally_vslot), at most 2/3 full. */
static void build_vocab_table(tally_dict *d)
{
    size_t n_words = d->vocab.count, vcap = 16;
    while (vcap < n_words + n_words / 2)
        vcap *= 2;
    d->vtab = tally_xcalloc(vcap, sizeof *d->vtab);
    d->vmask = vcap - 1;
    for (size_t i = 0; i < n_words; i++) {
        const uint8_t *w = d->vocab.arena.data + d->vocab.offs[i];
        uint32_t len = d->vocab.lens[i];
        if (len == 0)
            continue;
        uint64_t head = tally__load_le(w, len < 8 ? len : 8);
        size_t j = (size_t)tally__vocab_hash(w, len, head) & d->vmask;
        while (d->vtab[j].len)
            j = (j + 1) & d->vmask;
        tally_vslot *v = &d->vtab[j];
        v->head = head;
        v->len = len;
        v->id = (uint32_t)i;
        v->root = d->root_next[i];
        v->root_kw = TALLY_NONE;
        v->pfx_off = d->word_pfx_off[i];
        v->pfx_push = (d->word_pfx_off[i + 1] - d->word_pfx_off[i]) << 1;
        if (v->root != TALLY_NONE) {
            const tally_node *c = &d->nodes[v->root];
            v->root_kw = c->keyword;
            v->pfx_push |= c->has_children || c->pfx_count;
        }
    }
}

/* The filters that tell the matcher which words can begin a match (see solo_filter,
 * start_filter, pair_filter). */
static void build_lead_filters(tally_dict *d)
{
    size_t n_words = d->vocab.count;
    uint64_t *heads = tally_xmalloc((n_words ? n_words : 1) * sizeof *heads);
    uint32_t *first = tally_xmalloc(d->n_nodes * sizeof *first); /* depth-1 node -> its word */
    for (size_t i = 0; i < n_words; i++) {
        uint32_t c = d->root_next[i], len = d->vocab.lens[i];
        heads[i] = tally__load_le(d->vocab.arena.data + d->vocab.offs[i], len < 8 ? len : 8);
        if (c == TALLY_NONE || len == 0)
            continue;
        first[c] = (uint32_t)i;
        unsigned bit = tally__filter_bit(heads[i], len);
        const tally_node *nd = &d->nodes[c];
        if (nd->keyword != TALLY_NONE || nd->pfx_count)
            d->solo_filter[bit >> 6] |= 1ull << (bit & 63);
        if (nd->has_children || nd->pfx_count)
            d->start_filter[bit >> 6] |= 1ull << (bit & 63);
    }
    for (size_t i = 0; i <= d->edge_mask; i++) {
        const tally_edge *e = &d->edges[i];
        if (e->node == 0 || d->nodes[e->node].depth != 1)
            continue;
        uint32_t w1 = first[e->node], w2 = e->word;
        unsigned bit = tally__pair_bit(heads[w1], d->vocab.lens[w1], heads[w2], d->vocab.lens[w2]);
        d->pair_filter[bit >> 6] |= 1ull << (bit & 63);
    }
    free(first);
    free(heads);
}

void tally__xxh128_hex(const void *p, size_t n, char out[33])
{
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(p, n));
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", c.digest[i]);
}

/* The dictionary's canonical text, frozen and documented in README ("The summary"), so that
 * anyone can recompute the digest with `xxhsum -H2`: a version line, one line per keyword in
 * dictionary order (its normalized words; tabs separate fields, and no normalized word holds a
 * tab or a line feed, as both are White_Space), then each group with its members in listing
 * order. Spellings are left out: terms equal after normalization count alike. Kinds of line are
 * told apart by their first field, so a word that normalizes to '*' cannot pass for a prefix. */
static void dictionary_digest(tally_dict *d)
{
    tally_buf t;
    tally__buf_init(&t);
    tally__buf_append(&t, "tally-dictionary\t1\n", 19);
    for (size_t k = 0; k < d->n_kws; k++) {
        const tally_kw *kw = &d->kws[k];
        if (kw->prefix == TALLY_NONE)
            tally__buf_append(&t, "exact", 5);
        else
            tally__buf_append(&t, "prefix", 6);
        for (uint32_t i = 0; i < kw->n_words; i++) {
            uint32_t w = kw->words[i];
            tally__buf_append(&t, "\t", 1);
            tally__buf_append(&t, d->vocab.arena.data + d->vocab.offs[w], d->vocab.lens[w]);
        }
        if (kw->prefix != TALLY_NONE) {
            tally__buf_append(&t, "\t", 1);
            tally__buf_append(&t, d->prefixes.arena.data + d->prefixes.offs[kw->prefix],
                              d->prefixes.lens[kw->prefix]);
        }
        tally__buf_append(&t, "\n", 1);
    }
    for (size_t g = 0; g < d->n_groups; g++) {
        /* a group name is the rest of its line: it may hold a tab, never a line feed */
        tally__buf_append(&t, "group\t", 6);
        tally__buf_append(&t, d->groups[g].name, strlen(d->groups[g].name));
        tally__buf_append(&t, "\n", 1);
        for (uint32_t i = 0; i < d->groups[g].n_members; i++) {
            char num[32];
            int nn = snprintf(num, sizeof num, "member\t%u\n", d->groups[g].members[i] + 1);
            tally__buf_append(&t, num, (size_t)nn);
        }
    }
    tally__xxh128_hex(t.data, t.len, d->fingerprint);
    tally__buf_cleanup(&t);
}

void tally_dict_allow_empty(tally_dict *d)
{
    d->allow_empty = 1;
}

int tally_dict_compile(tally_dict *d, tally_error *err)
{
    if (d->compiled)
        return 0;
    if (d->n_kws == 0 && !d->allow_empty)
        return tally__seterr(err, TALLY_EDICT, 0, UINT64_MAX,
                             "the dictionary has no terms");
    size_t n_words = d->vocab.count;
    for (size_t i = 0; i < n_words; i++) {
        uint32_t len = d->vocab.lens[i];
        if (len == 0)
            continue;
        uint64_t head = tally__load_le(d->vocab.arena.data + d->vocab.offs[i], len < 8 ? len : 8);
        unsigned bit = tally__filter_bit(head, len);
        d->word_filter[bit >> 6] |= 1ull << (bit & 63);
    }
    d->root_next = tally_xmalloc((n_words ? n_words : 1) * sizeof *d->root_next);
    for (size_t i = 0; i < n_words; i++)
        d->root_next[i] = TALLY_NONE;

    size_t cap_nodes = 64;
    d->nodes = tally_xmalloc(cap_nodes * sizeof *d->nodes);
    d->n_nodes = 1;
    memset(&d->nodes[0], 0, sizeof d->nodes[0]);
    d->nodes[0].keyword = TALLY_NONE;

    edge_builder e = {tally_xcalloc(64, sizeof(uint64_t)), tally_xcalloc(64, sizeof(uint32_t)), 63, 0};
    uint32_t *pfx = NULL; /* triples: node, prefix, keyword */
    size_t n_pfx = 0, cap_pfx = 0;

    d->kw_in_group = tally_xcalloc(d->n_kws / 64 + 1, sizeof *d->kw_in_group);
    for (size_t k = 0; k < d->n_kws; k++) {
        tally_kw *kw = &d->kws[k];
        uint32_t node = 0;
        for (uint32_t i = 0; i < kw->n_words; i++) {
            uint32_t w = kw->words[i];
            uint32_t child;
            if (node == 0) {
                child = d->root_next[w];
            } else {
                uint64_t key = (((uint64_t)node << 32) | w) + 1;
                size_t j = edge_slot(key, e.mask);
                while (e.keys[j] && e.keys[j] != key)
                    j = (j + 1) & e.mask;
                child = e.keys[j] ? e.vals[j] : TALLY_NONE;
            }
            if (child == TALLY_NONE) {
                if (d->n_nodes == cap_nodes) {
                    cap_nodes *= 2;
                    d->nodes = tally_xrealloc(d->nodes, cap_nodes * sizeof *d->nodes);
                }
                child = (uint32_t)d->n_nodes++;
                tally_node *nd = &d->nodes[child];
                memset(nd, 0, sizeof *nd);
                nd->keyword = TALLY_NONE;
                nd->depth = i + 1;
                d->nodes[node].has_children = 1;
                if (node == 0) {
                    d->root_next[w] = child;
                } else {
                    if ((e.count + 1) * 2 > e.mask + 1)
                        edges_grow(&e);
                    uint64_t key = (((uint64_t)node << 32) | w) + 1;
                    size_t j = edge_slot(key, e.mask);
                    while (e.keys[j])
                        j = (j + 1) & e.mask;
                    e.keys[j] = key;
                    e.vals[j] = child;
                    e.count++;
                }
            }
            node = child;
        }
        if (kw->prefix == TALLY_NONE) {
            d->nodes[node].keyword = (uint32_t)k;
        } else {
            if (n_pfx == cap_pfx) {
                cap_pfx = cap_pfx ? cap_pfx * 2 : 16;
                pfx = tally_xrealloc(pfx, cap_pfx * 3 * sizeof *pfx);
            }
            pfx[n_pfx * 3] = node;
            pfx[n_pfx * 3 + 1] = kw->prefix;
            pfx[n_pfx * 3 + 2] = (uint32_t)k;
            n_pfx++;
        }
        if (kw->n_tokens > d->max_tokens)
            d->max_tokens = kw->n_tokens;
        if (kw->n_groups) {
            d->kw_in_group[k >> 6] |= 1ull << (k & 63);
            if (kw->n_tokens > d->max_group_tokens)
                d->max_group_tokens = kw->n_tokens;
        }
    }
    d->edges = tally_xmalloc((e.mask + 1) * sizeof *d->edges);
    for (size_t i = 0; i <= e.mask; i++) {
        uint64_t key = e.keys[i] ? e.keys[i] - 1 : 0; /* node 0 never appears: 0 = empty */
        d->edges[i].node = (uint32_t)(key >> 32);
        d->edges[i].word = (uint32_t)key;
        d->edges[i].child = e.keys[i] ? e.vals[i] : 0;
    }
    free(e.keys);
    free(e.vals);
    d->edge_mask = e.mask;
    size_t n_kg = 0;
    for (size_t k = 0; k < d->n_kws; k++)
        n_kg += d->kws[k].n_groups;
    d->kw_grp_off = tally_xmalloc((d->n_kws + 1) * sizeof *d->kw_grp_off);
    d->kw_grp = tally_xmalloc((n_kg ? n_kg : 1) * sizeof *d->kw_grp);
    n_kg = 0;
    for (size_t k = 0; k < d->n_kws; k++) {
        d->kw_grp_off[k] = (uint32_t)n_kg;
        for (uint32_t i = 0; i < d->kws[k].n_groups; i++)
            d->kw_grp[n_kg++] = d->kws[k].groups[i];
    }
    d->kw_grp_off[d->n_kws] = (uint32_t)n_kg;

    if (n_pfx)
        qsort(pfx, n_pfx, 3 * sizeof *pfx, cmp_pfx);
    d->pfx_edges = tally_xmalloc((n_pfx ? n_pfx : 1) * sizeof *d->pfx_edges);
    d->n_pfx_edges = n_pfx;
    for (size_t i = 0; i < n_pfx; i++) {
        uint32_t node = pfx[i * 3];
        if (d->nodes[node].pfx_count == 0)
            d->nodes[node].pfx_first = (uint32_t)i;
        d->nodes[node].pfx_count++;
        d->pfx_edges[i].prefix = pfx[i * 3 + 1];
        d->pfx_edges[i].keyword = pfx[i * 3 + 2];
    }
    free(pfx);

    build_prefix_trie(d);
    build_prefix_shortcuts(d);
    build_vocab_table(d);
    build_lead_filters(d);

    dictionary_digest(d);

    d->compiled = 1;
    return 0;
}

size_t tally_dict_keyword_count(const tally_dict *d)
{
    return d->n_kws;
}

size_t tally_dict_group_count(const tally_dict *d)
{
    return d->n_groups;
}

const char *tally_dict_keyword_name(const tally_dict *d, size_t i)
{
    return i < d->n_kws ? d->kws[i].name : NULL;
}

const char *tally_dict_group_name(const tally_dict *d, size_t i)
{
    return i < d->n_groups ? d->groups[i].name : NULL;
}

const char *tally_dict_fingerprint(const tally_dict *d)
{
    return d->compiled ? d->fingerprint : "";
}

size_t tally_dict_warning_count(const tally_dict *d)
{
    return d->n_warnings;
}

const char *tally_dict_warning(const tally_dict *d, size_t i)
{
    return i < d->n_warnings ? d->warnings[i] : NULL;
}
