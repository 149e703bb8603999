/* compare.c — `tally compare`: keyness of two corpora. Each side is a list of items with counts
 * and a corpus size (compare.h: a summary's keywords and groups, or a vocabulary file's types;
 * a bucket of a summary is one more way to fill a side). The items of both sides are joined by
 * kind and name, scored by the engine (tally_keyness_score, lib/keyness.c), sorted and handed to
 * one writer per format. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "compare.h"
#include "outfile.h"
#include "table.h"
#include "tally.h"

enum {
    O_VOCAB = TALLY_CLI_LONG,
    O_SORT,
    O_MIN_COUNT,
    O_TOP,
    O_CONFIDENCE,
    O_NO_BONFERRONI,
    O_JSON,
    O_TSV,
    O_CSV,
    O_TABLE,
    O_BUCKET,
    O_BOM,
    O_CRLF,
};

static const tally_cli_option options[] = {
    {O_VOCAB, 0, "vocab", "FILE", "Items",
     "Compare every word type instead of the keywords and groups: --vocab A.tsv B.tsv (or --vocab A.tsv "
     "--vocab B.tsv) names the vocabulary files of the two summaries (tally scan --vocab), in their "
     "order. The summaries' counting settings must agree; their dictionaries may differ."},
    {O_BUCKET, 0, "bucket", "KEY", "Items",
     "Compare two buckets of one summary scanned with --by: --bucket KEY1 --bucket KEY2 with one "
     "SUMMARY. A key of several components is written with commas in --by order (2024-01,xinhua); "
     "inside a component \\, is a comma and \\\\ a backslash; null is the null key, \\null the string."},
    {O_MIN_COUNT, 0, "min-count", "N",
     "Items", "Compare only items counted at least N times in the two corpora together (default 1)."},
    {O_CONFIDENCE, 0, "confidence", "LEVEL", "Scores",
     "Confidence level of LRC's Clopper-Pearson interval, between 0 and 1 (default 0.95)."},
    {O_NO_BONFERRONI, 0, "no-bonferroni", NULL, "Scores",
     "Do not correct LRC's interval for the number of items compared (by default its level is "
     "1 - (1 - LEVEL)/m for m items)."},
    {O_SORT, 0, "sort", "KEY", "Output",
     "Order of the rows, largest first: g2 (signed G2, the default), log-ratio, lrc, a or b; ties by "
     "kind, then name."},
    {O_TOP, 0, "top", "N", "Output", "Write the first N rows only (all are still compared)."},
    {O_TABLE, 0, "table", NULL, "Output",
     "An aligned table with significance marks (the default when standard output is a terminal)."},
    {O_JSON, 0, "json", NULL, "Output", "JSON (the default otherwise)."},
    {O_TSV, 0, "tsv", NULL, "Output", "Tab-separated values, escaped as tally export escapes them."},
    {O_CSV, 0, "csv", NULL, "Output", "Comma-separated values, RFC 4180 quoting."},
    {O_BOM, 0, "bom", NULL, "Output", "With --csv or --tsv: start with a UTF-8 byte order mark, for Excel."},
    {O_CRLF, 0, "crlf", NULL, "Output", "With --csv or --tsv: end rows with CR LF instead of LF."},
    {'o', 'o', "output", "FILE", "Output", "Write to FILE (default standard output), replaced atomically."},
    {'h', 'h', "help", NULL, "Running", "This help."},
    {'V', 'V', "version", NULL, "Running", "Print the version."},
};

static const tally_cli_status statuses[] = {
    {"0", "The comparison was written."},
    {"1", "The output cannot be written; no output file is left behind."},
    {"2", "Usage error; a file that is not a valid summary or vocabulary file (the message names the file "
          "and line); summaries of different dictionaries or counting settings; a corpus without tokens."},
};

static const char *const examples[] = {
    "tally compare china.json us.json",
    "tally compare china.json us.json --vocab cn.tsv us.tsv --min-count 5 --top 50",
    "tally compare china.json us.json --sort lrc --csv -o keyness.csv",
};

static int run(const tally_cli_command *cmd, int argc, char **argv);

const tally_cli_command tally_compare_command = {
    .name = "compare",
    .synopsis = "[OPTIONS] SUMMARY1 SUMMARY2",
    .summary = "compare two corpora: keyness of keywords, groups or word types",
    .description =
        "Compare the first corpus with the second, item by item: each keyword and group of two\n"
        "summaries of the same dictionary and counting settings, or with --vocab each word type of\n"
        "their vocabulary files. For counts a of N1 tokens and b of N2 (the corpora's tokens):\n"
        "  g2         log-likelihood G2 of the 2x2 table, signed: + when relatively more frequent\n"
        "             in the first corpus; p from chi-squared with 1 degree of freedom\n"
        "  log_ratio  log2((a/N1)/(b/N2)), 0.5 in place of a zero count\n"
        "  lrc        conservative log ratio: the bound nearer to equal frequency of the\n"
        "             Clopper-Pearson interval for a/(a+b) as a log ratio, 0 when it holds\n"
        "             N1/(N1+N2); Bonferroni-corrected over the items compared\n"
        "  pct_diff   %DIFF, (f1 - f2) * 100 / f2 of relative frequencies, 0.5 for a zero count\n"
        "Items counted on neither side are left out. Significance marks in the table: * p < .05\n"
        "(|G2| >= 3.84), ** p < .01 (6.63), *** p < .001 (10.83), **** p < .0001 (15.13),\n"
        "uncorrected.\n",
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .statuses = statuses,
    .n_statuses = sizeof statuses / sizeof statuses[0],
    .examples = examples,
    .n_examples = sizeof examples / sizeof examples[0],
    .run = run,
};

const char *tally_compare_mark(double g2)
{
    double x = g2 < 0 ? -g2 : g2;
    return x >= 15.13 ? "****" : x >= 10.83 ? "***" : x >= 6.63 ? "**" : x >= 3.84 ? "*" : "";
}

/* ---- sides ---------------------------------------------------------------------------- */

static void side_add(tally_compare_side *s, const char *kind, const char *name, uint64_t count, uint64_t line)
{
    if (s->n_items == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->items = realloc(s->items, s->cap * sizeof *s->items);
        if (!s->items) {
            fputs("tally: out of memory\n", stderr);
            abort();
        }
    }
    s->items[s->n_items++] = (tally_compare_item){kind, name, count, line};
}

/* The keywords and groups of a summary. */
static void side_from_summary(tally_compare_side *s, const tally_summary *sum)
{
    tally_totals t;
    tally_summary_totals(sum, &t);
    s->tokens = t.tokens;
    for (size_t i = 0; i < tally_summary_keyword_count(sum); i++) {
        uint64_t c, d;
        tally_summary_keyword(sum, i, &c, &d);
        side_add(s, "keyword", tally_summary_keyword_name(sum, i), c, 0);
    }
    for (size_t i = 0; i < tally_summary_group_count(sum); i++) {
        uint64_t c, d;
        tally_summary_group(sum, i, &c, &d);
        side_add(s, "group", tally_summary_group_name(sum, i), c, 0);
    }
}

/* A bucket key as --bucket writes it, split into its components: comp[i] owned (NULL for the
 * null key), len[i] its length. Returns the number of components, or 0 with a message printed
 * for a malformed key (a backslash before anything but a comma, a backslash or "null"). */
static size_t parse_bucket(const char *key, char ***comp, size_t **len)
{
    size_t n = 1;
    for (const char *p = key; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == ',')
            n++;
    }
    *comp = calloc(n, sizeof **comp);
    *len = calloc(n, sizeof **len);
    char *buf = malloc(strlen(key) + 1);
    if (!*comp || !*len || !buf) {
        fputs("tally: out of memory\n", stderr);
        abort();
    }
    size_t k = 0, bl = 0;
    int escaped_null = 0;
    for (const char *p = key;; p++) {
        if (*p == ',' || !*p) {
            if (bl == 4 && memcmp(buf, "null", 4) == 0 && !escaped_null) {
                (*comp)[k] = NULL;
            } else {
                (*comp)[k] = malloc(bl + 1);
                if (!(*comp)[k]) {
                    fputs("tally: out of memory\n", stderr);
                    abort();
                }
                memcpy((*comp)[k], buf, bl);
                (*comp)[k][bl] = 0;
            }
            (*len)[k++] = bl;
            bl = 0;
            escaped_null = 0;
            if (!*p)
                break;
            continue;
        }
        if (*p == '\\') {
            if (p[1] == ',' || p[1] == '\\') {
                buf[bl++] = *++p;
            } else if (bl == 0 && strncmp(p + 1, "null", 4) == 0 && (p[5] == ',' || !p[5])) {
                escaped_null = 1;
            } else {
                fprintf(stderr, "tally: --bucket '%s': a backslash before '%c': write \\, for a comma, \\\\ for a "
                                "backslash, \\null for the string null\n", key, p[1] ? p[1] : ' ');
                free(buf);
                for (size_t i = 0; i < k; i++)
                    free((*comp)[i]);
                return 0;
            }
            continue;
        }
        buf[bl++] = *p;
    }
    free(buf);
    return n;
}

/* The keywords and groups of bucket KEY of a summary; its label "FILE bucket KEY". Returns 0, or
 * -1 with a message printed (no buckets, a key of another length, no such bucket). */
static int side_from_bucket(tally_compare_side *s, const tally_summary *sum, const char *file, const char *key,
                            char **label)
{
    size_t nb = tally_summary_by_count(sum);
    if (nb == 0) {
        fprintf(stderr, "tally: %s: the summary has no buckets (scan with --by to count per date or field)\n", file);
        return -1;
    }
    char **comp;
    size_t *len;
    size_t n = parse_bucket(key, &comp, &len);
    int rc = -1;
    if (n == 0)
        goto out;
    if (n != nb) {
        fprintf(stderr, "tally: --bucket '%s': %zu component%s, but %s is bucketed by %zu (", key, n, n == 1 ? "" : "s",
                file, nb);
        for (size_t j = 0; j < nb; j++)
            fprintf(stderr, "%s%s", j ? ", " : "", tally_summary_by(sum, j));
        fprintf(stderr, ")\n");
        goto out;
    }
    size_t found = SIZE_MAX;
    for (size_t i = 0; i < tally_summary_bucket_count(sum) && found == SIZE_MAX; i++) {
        size_t j = 0;
        for (; j < nb; j++) {
            size_t kl;
            const char *c = tally_summary_bucket_key(sum, i, j, &kl);
            if (!c != !comp[j] || (c && (kl != len[j] || memcmp(c, comp[j], kl) != 0)))
                break;
        }
        if (j == nb)
            found = i;
    }
    if (found == SIZE_MAX) {
        fprintf(stderr, "tally: %s has no bucket '%s' (%zu buckets; tally export --table buckets lists them)\n", file,
                key, tally_summary_bucket_count(sum));
        goto out;
    }
    uint64_t docs;
    tally_summary_bucket_totals(sum, found, &docs, &s->tokens);
    for (size_t i = 0; i < tally_summary_keyword_count(sum); i++) {
        uint64_t c, d;
        tally_summary_bucket_keyword(sum, found, i, &c, &d);
        side_add(s, "keyword", tally_summary_keyword_name(sum, i), c, 0);
    }
    for (size_t i = 0; i < tally_summary_group_count(sum); i++) {
        uint64_t c, d;
        tally_summary_bucket_group(sum, found, i, &c, &d);
        side_add(s, "group", tally_summary_group_name(sum, i), c, 0);
    }
    size_t ll = strlen(file) + strlen(key) + 16;
    *label = malloc(ll);
    if (!*label) {
        fputs("tally: out of memory\n", stderr);
        abort();
    }
    snprintf(*label, ll, "%s bucket %s", file, key);
    rc = 0;
out:
    for (size_t i = 0; i < n; i++)
        free(comp[i]);
    free(comp);
    free(len);
    return rc;
}

/* A vocabulary file's names, kept for the side's lifetime. */
typedef struct arena {
    char **blocks;
    size_t n, cap;
} arena;

static char *arena_keep(arena *a, const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (p && a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 256;
        char **nb = realloc(a->blocks, a->cap * sizeof *nb);
        if (!nb)
            free(p), p = NULL;
        else
            a->blocks = nb;
    }
    if (!p) {
        fputs("tally: out of memory\n", stderr);
        abort();
    }
    memcpy(p, s, len);
    p[len] = 0;
    return a->blocks[a->n++] = p;
}

static void arena_free(arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->blocks[i]);
    free(a->blocks);
}

/* 1 when s[0, n) is well-formed UTF-8 */
static int utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (!len || i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F) || (c == 0xF0 && s[i + 1] < 0x90) ||
            (c == 0xF4 && s[i + 1] > 0x8F))
            return 0;
        i += len;
    }
    return 1;
}

/* A decimal count of 1 to 2^63 − 1; -1 when s is anything else. */
static int parse_count(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || (p == s && *p == '0' && p[1]))
            return -1;
        if (v > (UINT64_C(0x7FFFFFFFFFFFFFFF) - (uint64_t)(*p - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return 0;
}

/* Reads a vocabulary file (README "Comparing two corpora"): the header "type\tcount\tdocuments",
 * then one type a line with its count and documents, sorted by count descending, then type
 * byte-wise; the type in tally scan --vocab's escapes (\t \n \r \0 \\). Every fault is a message
 * "FILE:LINE: reason" and -1. */
static int side_from_vocab(tally_compare_side *s, const char *path, arena *names)
{
    int rc = -1;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *line = NULL, *prev = NULL, *dec = NULL;
    size_t cap = 0, prev_len = 0, dec_cap = 0;
    uint64_t lineno = 0, prev_count = 0, total = 0;
    if (!f) {
        fprintf(stderr, "tally: %s: %s\n", path, strerror(errno));
        return -1;
    }
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t n = (size_t)len;
        if (n && line[n - 1] == '\n')
            line[--n] = 0;
        if (n && line[n - 1] == '\r')
            line[--n] = 0;
        if (memchr(line, 0, n)) {
            fprintf(stderr, "tally: %s:%llu: a NUL byte\n", path, (unsigned long long)lineno);
            goto out;
        }
        if (lineno == 1) {
            const char *h = line;
            if (n >= 3 && memcmp(h, "\xEF\xBB\xBF", 3) == 0)
                h += 3;
            if (strcmp(h, "type\tcount\tdocuments") != 0) {
                fprintf(stderr, "tally: %s:1: not a vocabulary file: the first line is not the header "
                                "'type<TAB>count<TAB>documents'\n", path);
                goto out;
            }
            continue;
        }
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2 || strchr(t2 + 1, '\t')) {
            fprintf(stderr, "tally: %s:%llu: expected three tab-separated fields (type, count, documents)\n", path,
                    (unsigned long long)lineno);
            goto out;
        }
        *t1 = *t2 = 0;
        uint64_t count, docs;
        if (parse_count(t1 + 1, &count) || count == 0) {
            fprintf(stderr, "tally: %s:%llu: the count '%s' is not a whole number from 1 to 2^63 - 1\n", path,
                    (unsigned long long)lineno, t1 + 1);
            goto out;
        }
        if (parse_count(t2 + 1, &docs) || docs == 0 || docs > count) {
            fprintf(stderr, "tally: %s:%llu: the documents '%s' are not a whole number from 1 to the count\n",
                    path, (unsigned long long)lineno, t2 + 1);
            goto out;
        }
        /* the type, unescaped */
        size_t tl = (size_t)(t1 - line);
        if (tl + 1 > dec_cap) {
            dec_cap = 2 * (tl + 1);
            free(dec);
            dec = malloc(dec_cap);
            if (!dec) {
                fputs("tally: out of memory\n", stderr);
                abort();
            }
        }
        size_t dl = 0;
        for (size_t i = 0; i < tl; i++) {
            char c = line[i];
            if (c == '\\') {
                char e = i + 1 < tl ? line[++i] : 0;
                if (e != 't' && e != 'n' && e != 'r' && e != '\\' && e != '0') {
                    fprintf(stderr, "tally: %s:%llu: a backslash not followed by t, n, r, 0 or \\ in the type\n",
                            path, (unsigned long long)lineno);
                    goto out;
                }
                c = e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == '0' ? '\0' : '\\';
            }
            dec[dl++] = c;
        }
        if (dl == 0) {
            fprintf(stderr, "tally: %s:%llu: an empty type\n", path, (unsigned long long)lineno);
            goto out;
        }
        if (!utf8_ok((const unsigned char *)dec, dl)) {
            fprintf(stderr, "tally: %s:%llu: the type is not valid UTF-8\n", path, (unsigned long long)lineno);
            goto out;
        }
        if (prev) {
            /* < 0 in order: counts descend, equal counts' types ascend */
            int cmp = count < prev_count ? -1 : count > prev_count ? 1 : 0;
            if (cmp == 0) {
                size_t m = dl < prev_len ? dl : prev_len;
                int c = memcmp(prev, dec, m);
                cmp = c ? (c < 0 ? -1 : 1) : prev_len < dl ? -1 : prev_len > dl ? 1 : 0;
                if (cmp == 0) {
                    fprintf(stderr, "tally: %s:%llu: the type '%s' is listed twice\n", path,
                            (unsigned long long)lineno, prev);
                    goto out;
                }
            }
            if (cmp > 0) {
                fprintf(stderr, "tally: %s:%llu: out of order: the file must be sorted by count descending, "
                                "then type byte-wise\n", path, (unsigned long long)lineno);
                goto out;
            }
        }
        if (memchr(dec, 0, dl)) { /* cannot be: NUL was refused above; keeps names C strings */
            fprintf(stderr, "tally: %s:%llu: a NUL byte\n", path, (unsigned long long)lineno);
            goto out;
        }
        prev = arena_keep(names, dec, dl);
        prev_len = dl;
        prev_count = count;
        total += count;
        if (total > s->tokens || total < count) {
            fprintf(stderr, "tally: %s:%llu: the vocabulary counts more tokens than %s's corpus has (%llu): "
                            "it is not the vocabulary of that scan\n",
                    path, (unsigned long long)lineno, s->label, (unsigned long long)s->tokens);
            goto out;
        }
        side_add(s, "type", prev, count, lineno);
    }
    if (ferror(f)) {
        fprintf(stderr, "tally: %s: %s\n", path, strerror(errno ? errno : EIO));
        goto out;
    }
    if (lineno == 0) {
        fprintf(stderr, "tally: %s: an empty file, not a vocabulary file (no header line)\n", path);
        goto out;
    }
    rc = 0;
out:
    free(line);
    free(dec);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* ---- joining and scoring ---------------------------------------------------------------- */

static int kind_rank(const char *k)
{
    return k[0] == 'k' ? 0 : k[0] == 'g' ? 1 : 2;
}

static int item_cmp(const void *x, const void *y)
{
    const tally_compare_item *a = x, *b = y;
    int d = kind_rank(a->kind) - kind_rank(b->kind);
    return d ? d : strcmp(a->name, b->name);
}

enum { SORT_G2, SORT_LR, SORT_LRC, SORT_A, SORT_B };
static const char *const sort_names[] = {"g2", "log-ratio", "lrc", "a", "b"};
static int sort_key; /* qsort has no context argument; set once before sorting, one thread */

static int row_cmp(const void *x, const void *y)
{
    const tally_compare_row *a = x, *b = y;
    double va, vb;
    switch (sort_key) {
    case SORT_LR: va = a->k.log_ratio, vb = b->k.log_ratio; break;
    case SORT_LRC: va = a->k.lrc, vb = b->k.lrc; break;
    case SORT_A: va = (double)a->a, vb = (double)b->a; break;
    case SORT_B: va = (double)a->b, vb = (double)b->b; break;
    default: va = a->k.g2, vb = b->k.g2;
    }
    if (sort_key == SORT_A && a->a != b->a)
        return a->a > b->a ? -1 : 1;
    if (sort_key == SORT_B && a->b != b->b)
        return a->b > b->b ? -1 : 1;
    if (va != vb)
        return va > vb ? -1 : 1;
    int d = kind_rank(a->kind) - kind_rank(b->kind);
    return d ? d : strcmp(a->name, b->name);
}

/* Sorts both sides by (kind, name) and joins them into *rows (those with a + b ≥ min_count);
 * returns their number. A name twice on one side (impossible in a summary; a vocabulary file is
 * refused earlier) is joined once. */
static size_t join(tally_compare_side *s1, tally_compare_side *s2, uint64_t min_count, tally_compare_row **rows)
{
    qsort(s1->items, s1->n_items, sizeof *s1->items, item_cmp);
    qsort(s2->items, s2->n_items, sizeof *s2->items, item_cmp);
    size_t cap = s1->n_items + s2->n_items, n = 0, i = 0, j = 0;
    tally_compare_row *r = calloc(cap ? cap : 1, sizeof *r);
    if (!r) {
        fputs("tally: out of memory\n", stderr);
        abort();
    }
    while (i < s1->n_items || j < s2->n_items) {
        int c = i == s1->n_items ? 1 : j == s2->n_items ? -1 : item_cmp(&s1->items[i], &s2->items[j]);
        const tally_compare_item *it = c <= 0 ? &s1->items[i] : &s2->items[j];
        uint64_t a = c <= 0 ? s1->items[i].count : 0, b = c >= 0 ? s2->items[j].count : 0;
        if (c <= 0)
            i++;
        if (c >= 0)
            j++;
        if (a + b == 0 || a + b < min_count)
            continue;
        r[n++] = (tally_compare_row){.kind = it->kind, .name = it->name, .a = a, .b = b};
    }
    *rows = r;
    return n;
}

/* ---- the command ------------------------------------------------------------------------- */

static int same_or_explain(const char *f1, const tally_summary *x, const char *f2, const tally_summary *y, int vocab)
{
    if (strcmp(tally_summary_settings(x), tally_summary_settings(y)) != 0) {
        fprintf(stderr, "tally: cannot compare %s with %s: they were counted with different settings "
                        "(options.settings '%s' and '%s')\n",
                f1, f2, tally_summary_settings(x), tally_summary_settings(y));
        return -1;
    }
    if (!vocab && strcmp(tally_summary_dictionary(x), tally_summary_dictionary(y)) != 0) {
        fprintf(stderr, "tally: cannot compare %s with %s: they were counted with different dictionaries "
                        "(options.dictionary %s and %s)\n",
                f1, f2, tally_summary_dictionary(x), tally_summary_dictionary(y));
        return -1;
    }
    return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    return parse_count(s, out);
}

static int run(const tally_cli_command *cmd, int argc, char **argv)
{
    int rc = TALLY_EXIT_USAGE;
    tally_cli_arg *args = NULL;
    size_t n_args = 0;
    const char *files[2] = {NULL, NULL}, *vocab[2] = {NULL, NULL}, *bucket[2] = {NULL, NULL}, *output = NULL;
    size_t n_files = 0, n_vocab = 0, n_bucket = 0;
    char *blabel[2] = {NULL, NULL};
    uint64_t min_count = 1, top = 0;
    double confidence = 0.95;
    int bonferroni = 1, format = -1, bom = 0, crlf = 0; /* -1: by standard output; else O_TABLE, O_JSON, O_TSV, O_CSV */
    tally_summary *sum[2] = {NULL, NULL};
    tally_compare_side side[2] = {{0}, {0}};
    arena names = {0};
    tally_compare_row *rows = NULL;
    tally_outfile out = {0};
    sort_key = SORT_G2;
    int r = tally_cli_parse(cmd, argc, argv, &args, &n_args);
    if (r)
        return r < 0 ? TALLY_EXIT_DONE : r;
    for (size_t i = 0; i < n_args; i++) {
        const char *v = args[i].value;
        switch (args[i].id) {
        case TALLY_CLI_INPUT:
            /* --vocab A.tsv B.tsv: the argument right after a lone --vocab's is its pair */
            if (n_vocab == 1 && i > 0 && args[i - 1].id == O_VOCAB) {
                vocab[n_vocab++] = v;
                break;
            }
            if (n_files == 2) {
                tally_cli_usage_error(cmd, "more than two SUMMARY files: '%s'", v);
                goto out;
            }
            files[n_files++] = v;
            break;
        case O_BUCKET:
            if (n_bucket == 2) {
                tally_cli_usage_error(cmd, "--bucket: two buckets, no more: --bucket KEY1 --bucket KEY2");
                goto out;
            }
            bucket[n_bucket++] = v;
            break;
        case O_VOCAB:
            if (n_vocab == 2) {
                tally_cli_usage_error(cmd, "--vocab: two vocabulary files at most, one per summary");
                goto out;
            }
            vocab[n_vocab++] = v;
            break;
        case O_SORT: {
            int k = -1;
            for (int s = 0; s < 5; s++)
                if (strcmp(v, sort_names[s]) == 0)
                    k = s;
            if (k < 0) {
                tally_cli_usage_error(cmd, "--sort: expected g2, log-ratio, lrc, a or b, not '%s'", v);
                goto out;
            }
            sort_key = k;
            break;
        }
        case O_MIN_COUNT:
            if (parse_u64(v, &min_count)) {
                tally_cli_usage_error(cmd, "--min-count: expected a whole number, not '%s'", v);
                goto out;
            }
            break;
        case O_TOP:
            if (parse_u64(v, &top) || top == 0) {
                tally_cli_usage_error(cmd, "--top: expected a whole number from 1, not '%s'", v);
                goto out;
            }
            break;
        case O_CONFIDENCE: {
            char *end;
            errno = 0;
            confidence = strtod(v, &end);
            if (errno || end == v || *end || !(confidence > 0 && confidence < 1)) {
                tally_cli_usage_error(cmd, "--confidence: expected a number between 0 and 1 (such as 0.95), "
                                           "not '%s'", v);
                goto out;
            }
            break;
        }
        case O_NO_BONFERRONI:
            bonferroni = 0;
            break;
        case O_TABLE:
        case O_JSON:
        case O_TSV:
        case O_CSV:
            format = args[i].id;
            break;
        case 'o':
            output = v;
            break;
        case O_BOM:
            bom = 1;
            break;
        case O_CRLF:
            crlf = 1;
            break;
        }
    }
    if ((bom || crlf) && format != O_CSV && format != O_TSV) {
        tally_cli_usage_error(cmd, "%s goes with --csv or --tsv", bom ? "--bom" : "--crlf");
        goto out;
    }
    if (n_bucket && n_vocab) {
        tally_cli_usage_error(cmd, "--bucket compares a summary's buckets, which have no vocabulary: not with --vocab");
        goto out;
    }
    if (n_bucket == 1) {
        tally_cli_usage_error(cmd, "--bucket needs two keys: --bucket KEY1 --bucket KEY2");
        goto out;
    }
    if (n_bucket && n_files != 1) {
        tally_cli_usage_error(cmd, "--bucket compares two buckets of one SUMMARY, %zu given", n_files);
        goto out;
    }
    if (n_bucket)
        files[n_files++] = files[0]; /* both sides come from it */
    if (n_files != 2) {
        tally_cli_usage_error(cmd, "two SUMMARY files are needed, %s given", n_files ? "one" : "none");
        goto out;
    }
    if (n_vocab == 1) {
        tally_cli_usage_error(cmd, "--vocab needs two vocabulary files, one per summary: --vocab A.tsv B.tsv");
        goto out;
    }
    const char *ins[4] = {files[0], files[1], vocab[0], vocab[1]};
    tally_outfile_spec outs[1] = {{output, "-o"}};
    if ((r = tally_outfile_check(cmd, outs, 1, ins, n_vocab ? 4 : 2)) != 0)
        goto out;
    for (int k = 0; k < (n_bucket ? 1 : 2); k++)
        if (tally_cli_read_summary(files[k], &sum[k]) != 0)
            goto out;
    if (!n_bucket && same_or_explain(files[0], sum[0], files[1], sum[1], n_vocab != 0) != 0)
        goto out;
    for (int k = 0; k < 2; k++) {
        side[k].label = files[k];
        side[k].source = n_vocab ? vocab[k] : files[k];
        if (n_bucket) {
            if (side_from_bucket(&side[k], sum[0], files[0], bucket[k], &blabel[k]) != 0)
                goto out;
            side[k].label = blabel[k];
        } else if (n_vocab) {
            tally_totals t;
            tally_summary_totals(sum[k], &t);
            side[k].tokens = t.tokens;
            if (side_from_vocab(&side[k], vocab[k], &names) != 0)
                goto out;
        } else {
            side_from_summary(&side[k], sum[k]);
        }
        if (side[k].tokens == 0) {
            fprintf(stderr, "tally: %s: the corpus has no tokens: there is nothing to compare\n", side[k].label);
            goto out;
        }
    }
    size_t n_rows = join(&side[0], &side[1], min_count, &rows);
    double m = bonferroni && n_rows ? (double)n_rows : 1;
    for (size_t i = 0; i < n_rows; i++) {
        tally_compare_row *w = &rows[i];
        w->per_10k_a = (double)w->a * 10000 / (double)side[0].tokens;
        w->per_10k_b = (double)w->b * 10000 / (double)side[1].tokens;
        if (tally_keyness_score(w->a, side[0].tokens, w->b, side[1].tokens, confidence, m, &w->k) != 0) {
            /* only a count above its corpus's tokens gets here: a summary checks that, a
             * vocabulary file is checked against the summary */
            fprintf(stderr, "tally: cannot score '%s': counts %llu and %llu against corpora of %llu and %llu tokens\n",
                    w->name, (unsigned long long)w->a, (unsigned long long)w->b,
                    (unsigned long long)side[0].tokens, (unsigned long long)side[1].tokens);
            goto out;
        }
    }
    qsort(rows, n_rows, sizeof *rows, row_cmp);
    tally_compare_result res = {
        .first = &side[0],
        .second = &side[1],
        .mode = n_bucket ? "bucket" : n_vocab ? "vocabulary" : "summary",
        .confidence = confidence,
        .bonferroni = bonferroni,
        .compared = n_rows,
        .sort = sort_names[sort_key],
        .rows = rows,
        .n_rows = top && top < n_rows ? (size_t)top : n_rows,
    };
    if (format < 0)
        format = (!output || strcmp(output, "-") == 0) && isatty(STDOUT_FILENO) ? O_TABLE : O_JSON;
    rc = TALLY_EXIT_FATAL;
    tally_outfile_catch_signals();
    if (tally_outfile_open(&out, output) != 0) {
        fprintf(stderr, "tally: cannot write '%s': %s\n", output, strerror(errno));
        goto out;
    }
    if (format == O_TABLE)
        tally_compare_write_text(&res, out.f);
    else if (format == O_JSON)
        tally_compare_write_json(&res, out.f);
    else
        tally_compare_write_delim(&res, out.f, format == O_TSV ? TALLY_TABLE_TSV : TALLY_TABLE_CSV, crlf, bom);
    int e = tally_outfile_commit(&out);
    if (e) {
        fprintf(stderr, "tally: cannot write the comparison: %s\n", strerror(e));
        goto out;
    }
    rc = TALLY_EXIT_DONE;
out:
    if (rc != TALLY_EXIT_DONE)
        tally_outfile_abort(&out);
    free(rows);
    for (int k = 0; k < 2; k++) {
        free(side[k].items);
        tally_summary_free(sum[k]);
        free(blabel[k]);
    }
    arena_free(&names);
    free(args);
    return rc;
}
