/* dictfmt.c — reads the dictionary formats of other tools into a tally_dict: LIWC 2001-2015
 * (.dic), LIWC-22 (.dicx, CSV) and Lexicoder (.lc3) here, quanteda's YAML in dict_yaml.c; and
 * tally_dict_add_{file,text}_format, which pick the reader by the file's extension or as told.
 * A category becomes a group named by its name and an entry a term of each of its groups, added
 * through dict.c, so that the same terms and groups give the same keywords, counts and
 * dictionary digest whatever format they were written in. What these formats can say and tally
 * cannot count (LIWC 2007's conditional categories and <of> markup, wildcards other than a
 * trailing '*') is refused with the file, line and term rather than read approximately. */
#include "dictfmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "dict.h"
#include "unicode.h"

/* ---- shared rules --------------------------------------------------------------------------- */

int tally__fmt_error(tally_fmt *f, uint64_t line, const char *fmt, ...)
{
    char reason[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return tally__seterr(f->err, TALLY_EDICT, line, UINT64_MAX, "%s:%llu: %s", f->name,
                         (unsigned long long)line, reason);
}

/* The first C0 control character of s[0,n) other than a tab, or -1. Names and terms hold none:
 * a group name is one line of the dictionary's canonical text (README "The summary"). */
static int control_char(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
            return (unsigned char)s[i];
    return -1;
}

int tally__fmt_category(tally_fmt *f, uint64_t line, const char *s, size_t n, const char *what,
                        uint32_t *group)
{
    s = tally__dict_trim(s, &n);
    if (n == 0)
        return tally__fmt_error(f, line, "a %s without a name", what);
    int c = control_char(s, n);
    if (c >= 0)
        return tally__fmt_error(f, line, "the %s name holds a control character (U+%04X)", what,
                                (unsigned)c);
    uint32_t g = tally__dict_group(f->d, s, n, f->name, line);
    if (g >= f->cap_defined) {
        size_t cap = f->cap_defined ? f->cap_defined : 16;
        while (cap <= g)
            cap *= 2;
        f->defined = tally_xrealloc(f->defined, cap * sizeof *f->defined);
        memset(f->defined + f->cap_defined, 0, (cap - f->cap_defined) * sizeof *f->defined);
        f->cap_defined = cap;
    }
    if (f->defined[g])
        return tally__fmt_error(f, line, "the %s '%.*s' is defined twice (first at line %llu)",
                                what, (int)n, s, (unsigned long long)f->defined[g]);
    f->defined[g] = line;
    *group = g;
    return 0;
}

int tally__fmt_term(tally_fmt *f, uint64_t line, const char *s, size_t n, uint32_t group)
{
    s = tally__dict_trim(s, &n);
    if (n == 0)
        return tally__fmt_error(f, line, "an empty term");
    int c = control_char(s, n);
    if (c >= 0)
        return tally__fmt_error(f, line, "the term holds a control character (U+%04X): %.*s",
                                (unsigned)c, (int)n, s);
    if (memchr(s, '?', n))
        return tally__fmt_error(f, line,
                                "'?' is a wildcard tally does not have (only a trailing '*', for "
                                "a prefix): %.*s",
                                (int)n, s);
    if (memchr(s, '*', n - 1))
        return tally__fmt_error(f, line,
                                "'*' is a wildcard only at the end of a term (a prefix), not "
                                "elsewhere: %.*s",
                                (int)n, s);
    int rc = tally__dict_term(f->d, f->name, line, s, n, group, f->err);
    if (rc == 0)
        f->terms++;
    return rc;
}

/* Every byte sequence well-formed UTF-8, no NUL (names are C strings in the API and the
 * summary) and no lone CR, before any reader looks at the text. */
static int check_text(tally_fmt *f, const char *buf, size_t len)
{
    uint64_t line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        int bad = 0;
        size_t l = tally__utf8_decode((const uint8_t *)buf + i, len - i, &cp, &bad);
        if (bad)
            return tally__fmt_error(f, line, "invalid UTF-8 at byte %zu of the line",
                                    i - line_start + 1);
        if (cp == 0)
            return tally__fmt_error(f, line, "a NUL byte at byte %zu of the line",
                                    i - line_start + 1);
        /* a CR ends a line only before a LF: YAML would count a lone one as a line break and
         * the other formats would not, and line numbers in messages must mean one thing */
        if (cp == '\r' && (i + 1 == len || buf[i + 1] != '\n'))
            return tally__fmt_error(f, line,
                                    "a carriage return (CR) at byte %zu of the line that does not "
                                    "end it (lines end in LF or CRLF)",
                                    i - line_start + 1);
        if (cp == '\n') {
            line++;
            line_start = i + 1;
        }
        i += l;
    }
    return 0;
}

/* Lines of the text: a BOM at the start is skipped, a CR before the LF dropped. */
typedef struct line_iter {
    const char *buf;
    size_t len, pos;
    uint64_t no;
} line_iter;

static void lines_init(line_iter *it, const char *buf, size_t len)
{
    it->buf = buf;
    it->len = len;
    it->pos = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    it->no = 0;
}

static int next_line(line_iter *it, const char **s, size_t *n)
{
    if (it->pos >= it->len)
        return 0;
    const char *p = it->buf + it->pos;
    const char *nl = memchr(p, '\n', it->len - it->pos);
    size_t end = nl ? (size_t)(nl - it->buf) : it->len;
    *s = p;
    *n = end - it->pos;
    it->pos = nl ? end + 1 : it->len;
    it->no++;
    if (*n && p[*n - 1] == '\r')
        (*n)--;
    return 1;
}

static int blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ---- LIWC 2001-2015 (.dic) -------------------------------------------------------------------
 *
 *     %
 *     1	posemo
 *     2	negemo
 *     	21	anx          a leading tab: a subcategory (LIWC 2015); named by its own name
 *     %
 *     happy*	1
 *     a lot	1	21       a term may be a phrase; its categories follow, tab-separated
 */

typedef struct liwc_cat {
    uint64_t id;
    uint32_t group;
    uint64_t line;
} liwc_cat;

static int cmp_cat(const void *a, const void *b)
{
    const liwc_cat *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* The value of the digits s[0,n), or UINT64_MAX when there are more than 9 after leading zeros
 * (no LIWC dictionary numbers its categories past a few hundred). */
static uint64_t parse_id(const char *s, size_t n)
{
    while (n > 1 && *s == '0')
        s++, n--;
    if (n > 9)
        return UINT64_MAX;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (uint64_t)(s[i] - '0');
    return v;
}

/* The characters of a LIWC 2007 conditional code such as (02 134)125/464: the category depends
 * on the word before, which no word count can follow. */
static int conditional_char(char c)
{
    return c == '(' || c == ')' || c == '/';
}

static int liwc_legend_line(tally_fmt *f, uint64_t no, const char *s, size_t n, liwc_cat **cats,
                            size_t *n_cats, size_t *cap)
{
    size_t i = 0;
    while (i < n && blank(s[i]))
        i++;
    size_t id0 = i;
    while (i < n && is_digit(s[i]))
        i++;
    if (i == id0)
        return tally__fmt_error(f, no,
                                "a legend line must be a category number and a name, as "
                                "'1<TAB>posemo': %.*s",
                                (int)n, s);
    if (i < n && !blank(s[i]))
        return tally__fmt_error(f, no,
                                "the category number must be followed by a tab or spaces, then "
                                "the name: %.*s",
                                (int)n, s);
    uint64_t id = parse_id(s + id0, i - id0);
    if (id == UINT64_MAX)
        return tally__fmt_error(f, no, "the category number is too large: %.*s", (int)n, s);
    uint32_t g;
    int rc = tally__fmt_category(f, no, s + i, n - i, "category", &g);
    if (rc)
        return rc;
    if (*n_cats == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        *cats = tally_xrealloc(*cats, *cap * sizeof **cats);
    }
    (*cats)[(*n_cats)++] = (liwc_cat){id, g, no};
    return 0;
}

/* The categories of a term line and the term itself: with a tab, the term is what comes before
 * the first one; without (some files use spaces), the term is what comes before the run of
 * number-like words that ends the line. */
static int liwc_term_line(tally_fmt *f, uint64_t no, const char *s, size_t n, const liwc_cat *cats,
                          size_t n_cats)
{
    const char *lt = memchr(s, '<', n);
    if (lt && memchr(lt, '>', n - (size_t)(lt - s)))
        return tally__fmt_error(f, no,
                                "LIWC 2007 markup such as <of> (a term that depends on the words "
                                "around it) is not supported; list the term plainly or remove "
                                "the line: %.*s",
                                (int)n, s);
    while (n && blank(s[0]))
        s++, n--;
    while (n && blank(s[n - 1]))
        n--;
    const char *tab = memchr(s, '\t', n);
    size_t split;
    if (tab) {
        split = (size_t)(tab - s);
    } else {
        split = n;
        while (split > 0) {
            size_t b = split;
            while (b > 0 && !blank(s[b - 1]))
                b--;
            int num = 1;
            for (size_t i = b; i < split; i++)
                num &= is_digit(s[i]) || conditional_char(s[i]);
            if (!num)
                break;
            split = b;
            while (split > 0 && blank(s[split - 1]))
                split--;
        }
    }
    const char *term = s;
    size_t tn = split;
    term = tally__dict_trim(term, &tn);
    if (tn == 0)
        return tally__fmt_error(f, no,
                                "category numbers without a term (the term comes first, then a "
                                "tab and its categories): %.*s",
                                (int)n, s);
    uint32_t groups[64];
    size_t n_groups = 0;
    for (size_t i = split; i < n;) {
        while (i < n && blank(s[i]))
            i++;
        if (i == n)
            break;
        size_t b = i;
        int digits = 1, cond = 0;
        while (i < n && !blank(s[i])) {
            digits &= is_digit(s[i]);
            cond |= conditional_char(s[i]);
            i++;
        }
        if (cond)
            return tally__fmt_error(f, no,
                                    "LIWC 2007 conditional categories such as (02 134)125/464 "
                                    "(a category that depends on the word before) are not "
                                    "supported; give the term the categories it should always "
                                    "count in: %.*s",
                                    (int)tn, term);
        if (!digits)
            return tally__fmt_error(f, no, "'%.*s' is not a category number (term %.*s)",
                                    (int)(i - b), s + b, (int)tn, term);
        /* cats is sorted by id (and line): the first with this id */
        uint64_t id = parse_id(s + b, i - b);
        size_t lo = 0, hi = n_cats;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cats[mid].id < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        const liwc_cat *c = lo < n_cats && cats[lo].id == id ? &cats[lo] : NULL;
        if (!c)
            return tally__fmt_error(f, no, "category %.*s is not in the legend (term %.*s)",
                                    (int)(i - b), s + b, (int)tn, term);
        if (n_groups == sizeof groups / sizeof groups[0])
            return tally__fmt_error(f, no, "more than %zu categories for one term: %.*s",
                                    sizeof groups / sizeof groups[0], (int)tn, term);
        groups[n_groups++] = c->group;
    }
    if (n_groups == 0)
        return tally__fmt_error(f, no,
                                "the term has no category number (a tab, then the numbers of "
                                "its categories): %.*s",
                                (int)tn, term);
    for (size_t k = 0; k < n_groups; k++) {
        int rc = tally__fmt_term(f, no, term, tn, groups[k]);
        if (rc)
            return rc;
    }
    return 0;
}

static int read_liwc(tally_fmt *f, const char *buf, size_t len)
{
    line_iter it;
    lines_init(&it, buf, len);
    const char *s;
    size_t n;
    int state = 0, rc = 0; /* 0: before the legend, 1: in it, 2: terms */
    uint64_t open_line = 0;
    liwc_cat *cats = NULL;
    size_t n_cats = 0, cap = 0;
    while (next_line(&it, &s, &n)) {
        size_t tn = n;
        const char *t = tally__dict_trim(s, &tn);
        if (tn == 0)
            continue;
        int pct = tn == 1 && t[0] == '%';
        if (state == 0) {
            if (!pct) {
                rc = tally__fmt_error(f, it.no,
                                      "this does not look like a LIWC dictionary: it must begin "
                                      "with a line of a lone '%%' that opens the category legend");
                goto out;
            }
            open_line = it.no;
            state = 1;
        } else if (state == 1) {
            if (!pct) {
                rc = liwc_legend_line(f, it.no, s, n, &cats, &n_cats, &cap);
                if (rc)
                    goto out;
                continue;
            }
            if (n_cats == 0) {
                rc = tally__fmt_error(f, it.no, "the category legend is empty");
                goto out;
            }
            qsort(cats, n_cats, sizeof *cats, cmp_cat);
            for (size_t i = 1; i < n_cats; i++)
                if (cats[i].id == cats[i - 1].id) {
                    rc = tally__fmt_error(f, cats[i].line,
                                          "category number %llu is defined twice (first at line "
                                          "%llu)",
                                          (unsigned long long)cats[i].id,
                                          (unsigned long long)cats[i - 1].line);
                    goto out;
                }
            state = 2;
        } else {
            rc = liwc_term_line(f, it.no, s, n, cats, n_cats);
            if (rc)
                goto out;
        }
    }
    if (state == 0)
        rc = tally__fmt_error(f, 1, "this does not look like a LIWC dictionary: it has no '%%' "
                                    "line (the category legend sits between two)");
    else if (state == 1)
        rc = tally__fmt_error(f, open_line,
                              "the category legend opened here has no closing line of a lone '%%'");
out:
    free(cats);
    return rc;
}

/* ---- LIWC-22 (.dicx) -------------------------------------------------------------------------
 *
 *     DicTerm,posemo,negemo        the header: DicTerm (or Entry), then one column per category
 *     happy*,X,
 *     "a lot, really",X,X          CSV quoting (RFC 4180): commas, quotes ("") and line breaks
 */

typedef struct csv_reader {
    const char *buf;
    size_t len, pos;
    uint64_t line;    /* of buf[pos] */
    tally_buf arena;  /* the current record's cells, unquoted */
    size_t *offs, *lens;
    size_t n, cap;
} csv_reader;

static void csv_push(csv_reader *r, size_t off)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->offs = tally_xrealloc(r->offs, r->cap * sizeof *r->offs);
        r->lens = tally_xrealloc(r->lens, r->cap * sizeof *r->lens);
    }
    r->offs[r->n] = off;
    r->lens[r->n] = r->arena.len - off;
    r->n++;
}

/* Reads the next record into r's cells; returns 1, 0 at the end, or a negative error. *start
 * is the line it begins on. */
static int csv_record(tally_fmt *f, csv_reader *r, uint64_t *start)
{
    if (r->pos >= r->len)
        return 0;
    *start = r->line;
    r->n = 0;
    r->arena.len = 0;
    const char *b = r->buf;
    for (;;) {
        size_t off = r->arena.len;
        if (r->pos < r->len && b[r->pos] == '"') {
            uint64_t qline = r->line;
            r->pos++;
            for (;;) {
                if (r->pos >= r->len)
                    return tally__fmt_error(f, qline, "a quoted cell is not closed");
                char c = b[r->pos];
                if (c == '"') {
                    if (r->pos + 1 < r->len && b[r->pos + 1] == '"') {
                        tally__buf_append(&r->arena, "\"", 1);
                        r->pos += 2;
                        continue;
                    }
                    r->pos++;
                    break;
                }
                if (c == '\n')
                    r->line++;
                tally__buf_append(&r->arena, &c, 1);
                r->pos++;
            }
            while (r->pos < r->len && blank(b[r->pos]))
                r->pos++;
            if (r->pos + 1 < r->len && b[r->pos] == '\r' && b[r->pos + 1] == '\n')
                r->pos++;
            if (r->pos < r->len && b[r->pos] != ',' && b[r->pos] != '\n')
                return tally__fmt_error(f, r->line, "text after the closing quote of a cell");
        } else {
            size_t e = r->pos;
            while (e < r->len && b[e] != ',' && b[e] != '\n')
                e++;
            size_t cn = e - r->pos;
            if (cn && b[e - 1] == '\r' && (e == r->len || b[e] == '\n'))
                cn--;
            tally__buf_append(&r->arena, b + r->pos, cn);
            r->pos = e;
        }
        csv_push(r, off);
        if (r->pos >= r->len)
            return 1;
        if (b[r->pos] == ',') {
            r->pos++;
            continue;
        }
        r->pos++;
        r->line++;
        return 1;
    }
}

static const char *csv_cell(const csv_reader *r, size_t i, size_t *n)
{
    *n = r->lens[i];
    return tally__dict_trim((const char *)r->arena.data + r->offs[i], n);
}

static int same_nocase(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    if (n != k)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 0x20) != w[i])
            return 0;
    return 1;
}

/* A number as CSV writers print one: [+-]digits[.digits][e[+-]digits]. */
static int is_number(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < n && is_digit(s[i]))
        i++, digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && is_digit(s[i]); i++)
            digits++;
    if (digits == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e = i;
        while (i < n && is_digit(s[i]))
            i++;
        if (i == e)
            return 0;
    }
    return i == n;
}

static int read_dicx(tally_fmt *f, const char *buf, size_t len)
{
    csv_reader r;
    memset(&r, 0, sizeof r);
    r.buf = buf;
    r.len = len;
    r.pos = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    r.line = 1;
    tally__buf_init(&r.arena);
    tally__buf_reserve(&r.arena, 256); /* never NULL: cells point into it */
    uint32_t *cols = NULL; /* column -> group, TALLY_NONE for a column without a name */
    size_t n_cols = 0;
    uint64_t no = 0, weight_line = 0;
    char weight[64] = "";
    size_t weight_col = 0;
    int rc;
    while ((rc = csv_record(f, &r, &no)) > 0) {
        size_t n0;
        const char *c0 = csv_cell(&r, 0, &n0);
        int empty = 1;
        for (size_t i = 0; i < r.n && empty; i++) {
            size_t cn;
            csv_cell(&r, i, &cn);
            empty = cn == 0;
        }
        if (empty)
            continue;
        if (!cols) {
            if (!same_nocase(c0, n0, "dicterm") && !same_nocase(c0, n0, "entry")) {
                rc = tally__fmt_error(f, no,
                                      "this does not look like a LIWC-22 dictionary: its first row "
                                      "must begin with a DicTerm (or Entry) column, not '%.*s'",
                                      (int)(n0 > 64 ? 64 : n0), c0);
                goto out;
            }
            n_cols = r.n;
            cols = tally_xmalloc(n_cols * sizeof *cols);
            size_t named = 0;
            for (size_t i = 1; i < r.n; i++) {
                size_t cn;
                const char *c = csv_cell(&r, i, &cn);
                cols[i] = TALLY_NONE;
                if (cn == 0)
                    continue;
                rc = tally__fmt_category(f, no, c, cn, "category", &cols[i]);
                if (rc)
                    goto out;
                named++;
            }
            if (named == 0) {
                rc = tally__fmt_error(f, no, "the header names no category column");
                goto out;
            }
            continue;
        }
        uint32_t groups[256];
        size_t n_groups = 0;
        for (size_t i = 1; i < r.n; i++) {
            size_t cn;
            const char *c = csv_cell(&r, i, &cn);
            if (cn == 0)
                continue;
            if (i >= n_cols || cols[i] == TALLY_NONE) {
                rc = tally__fmt_error(f, no,
                                      "cell %zu is marked, but the header names no category for "
                                      "its column: %.*s",
                                      i + 1, (int)n0, c0);
                goto out;
            }
            if (is_number(c, cn) && weight_line == 0) {
                char num[64];
                snprintf(num, sizeof num, "%.*s", (int)(cn < 63 ? cn : 63), c);
                if (strtod(num, NULL) != 1.0) {
                    weight_line = no;
                    weight_col = i + 1;
                    snprintf(weight, sizeof weight, "%s", num);
                }
            }
            if (n_groups == sizeof groups / sizeof groups[0]) {
                rc = tally__fmt_error(f, no, "more than %zu categories for one term: %.*s",
                                      sizeof groups / sizeof groups[0], (int)n0, c0);
                goto out;
            }
            groups[n_groups++] = cols[i];
        }
        if (n0 == 0) {
            rc = tally__fmt_error(f, no, "a row with marks and no term in its first column");
            goto out;
        }
        if (n_groups == 0) {
            rc = tally__fmt_error(f, no, "the term is in no category (no cell of its row is "
                                         "marked): %.*s",
                                  (int)n0, c0);
            goto out;
        }
        for (size_t k = 0; k < n_groups; k++) {
            rc = tally__fmt_term(f, no, c0, n0, groups[k]);
            if (rc)
                goto out;
        }
    }
    if (rc < 0)
        goto out;
    if (!cols) {
        rc = tally__fmt_error(f, 1, "this does not look like a LIWC-22 dictionary: it has no "
                                    "header row (DicTerm, then one column per category)");
        goto out;
    }
    if (weight_line) {
        char w[512];
        snprintf(w, sizeof w,
                 "%s:%llu: numeric cells are weights (here '%s' in column %zu); tally counts "
                 "membership only, so a term counts once in each category whose cell is not "
                 "empty, and the weights are ignored",
                 f->name, (unsigned long long)weight_line, weight, weight_col);
        tally__dict_warn(f->d, w);
    }
    rc = 0;
out:
    free(cols);
    free(r.offs);
    free(r.lens);
    tally__buf_cleanup(&r.arena);
    return rc;
}

/* ---- Lexicoder (.lc3) ------------------------------------------------------------------------
 *
 *     +positive              a category header; "+negative #FF0000": a colour, ignored
 *     happy*
 *     a good deal
 */

static int read_lexicoder(tally_fmt *f, const char *buf, size_t len)
{
    line_iter it;
    lines_init(&it, buf, len);
    const char *s;
    size_t n;
    uint32_t group = TALLY_NONE;
    while (next_line(&it, &s, &n)) {
        s = tally__dict_trim(s, &n);
        if (n == 0)
            continue;
        if (s[0] == '+') {
            const char *hash = memchr(s, '#', n);
            size_t nn = (hash ? (size_t)(hash - s) : n) - 1;
            int rc = tally__fmt_category(f, it.no, s + 1, nn, "category", &group);
            if (rc)
                return rc;
            continue;
        }
        if (group == TALLY_NONE)
            return tally__fmt_error(f, it.no,
                                    "this does not look like a Lexicoder dictionary: it must "
                                    "begin with a '+name' category header, not: %.*s",
                                    (int)n, s);
        int rc = tally__fmt_term(f, it.no, s, n, group);
        if (rc)
            return rc;
    }
    if (group == TALLY_NONE)
        return tally__fmt_error(f, 1, "this does not look like a Lexicoder dictionary: it has no "
                                      "'+name' category header");
    return 0;
}

/* ---- dispatch --------------------------------------------------------------------------------- */

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

static int format_of(const char *name)
{
    if (has_ext(name, "dic"))
        return TALLY_DICT_LIWC;
    if (has_ext(name, "dicx"))
        return TALLY_DICT_DICX;
    if (has_ext(name, "lc3"))
        return TALLY_DICT_LEXICODER;
    if (has_ext(name, "yml") || has_ext(name, "yaml"))
        return TALLY_DICT_YAML;
    return TALLY_DICT_TALLY;
}

int tally_dict_add_text_format(tally_dict *d, const char *name, const char *buf, size_t len,
                               int format, tally_error *err)
{
    if (format == TALLY_DICT_AUTO)
        format = format_of(name);
    if (format == TALLY_DICT_TALLY)
        return tally_dict_add_text(d, name, buf, len, err);
    if (format < TALLY_DICT_LIWC || format > TALLY_DICT_YAML)
        return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "unknown dictionary format %d",
                             format);
    if (d->compiled)
        return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "dictionary already compiled");
    tally_fmt f = {d, name, err, NULL, 0, 0};
    int rc = check_text(&f, buf, len);
    if (rc == 0) {
        if (format == TALLY_DICT_LIWC)
            rc = read_liwc(&f, buf, len);
        else if (format == TALLY_DICT_DICX)
            rc = read_dicx(&f, buf, len);
        else if (format == TALLY_DICT_LEXICODER)
            rc = read_lexicoder(&f, buf, len);
        else
            rc = tally__fmt_yaml(&f, buf, len);
    }
    /* as in tally's format: a file without terms is a mistake even beside others */
    if (rc == 0 && f.terms == 0)
        rc = tally__seterr(err, TALLY_EDICT, 0, UINT64_MAX, "%s has no terms", name);
    free(f.defined);
    return rc;
}

int tally_dict_add_file_format(tally_dict *d, const char *path, int format, tally_error *err)
{
    if (format < TALLY_DICT_AUTO || format > TALLY_DICT_YAML)
        return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "unknown dictionary format %d",
                             format);
    tally_buf b;
    tally__buf_init(&b);
    int rc = tally__dict_slurp(path, &b, err);
    if (rc == 0)
        rc = tally_dict_add_text_format(d, path, (const char *)b.data, b.len, format, err);
    tally__buf_cleanup(&b);
    return rc;
}
