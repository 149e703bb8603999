/* export.c — `tally export`: a summary's tables as CSV or TSV in long ("tidy") form, one row per
 * keyword, group, member, input, error or warning, with explicit name columns and a header row:
 * what read.csv, pandas and spreadsheets expect. It reads the summary through the public API
 * (include/tally.h) and writes through table.c. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "outfile.h"
#include "table.h"
#include "tally.h"

enum {
    O_TABLE = TALLY_CLI_LONG,
    O_CSV,
    O_TSV,
    O_BOM,
    O_CRLF,
    O_FILL,
    /* --table compare: as tally compare's */
    O_VOCAB,
    O_BUCKET,
    O_MIN_COUNT,
    O_CONFIDENCE,
    O_NO_BONFERRONI,
    O_SORT,
    O_TOP,
};

static const tally_cli_option options[] = {
    {O_TABLE, 0, "table", "NAME", "Tables",
     "The table to write: corpus, keywords (the default), groups, members (group, keyword), inputs, "
     "errors, warnings, buckets (a scan with --by) or compare (the keyness table of tally compare: "
     "two SUMMARY files, or one with --bucket KEY1 --bucket KEY2)."},
    {O_FILL, 0, "fill", NULL, "Tables",
     "With --table buckets: add the dates missing between the first and the last date bucket as "
     "rows of zeros, for every combination of the other key components."},
    {O_VOCAB, 0, "vocab", "FILE", "Compare", "With --table compare: as tally compare --vocab (twice, or FILE FILE)."},
    {O_BUCKET, 0, "bucket", "KEY", "Compare", "With --table compare: as tally compare --bucket (twice)."},
    {O_MIN_COUNT, 0, "min-count", "N", "Compare", "With --table compare: as tally compare --min-count."},
    {O_CONFIDENCE, 0, "confidence", "LEVEL", "Compare", "With --table compare: as tally compare --confidence."},
    {O_NO_BONFERRONI, 0, "no-bonferroni", NULL, "Compare", "With --table compare: as tally compare --no-bonferroni."},
    {O_SORT, 0, "sort", "KEY", "Compare", "With --table compare: as tally compare --sort."},
    {O_TOP, 0, "top", "N", "Compare", "With --table compare: as tally compare --top."},
    {O_CSV, 0, "csv", NULL, "Format", "Comma-separated values, RFC 4180 quoting (the default)."},
    {O_TSV, 0, "tsv", NULL, "Format",
     "Tab-separated values; a tab, CR, LF or backslash in a cell is written \\t, \\r, \\n or \\\\."},
    {O_BOM, 0, "bom", NULL, "Format",
     "Start with a UTF-8 byte order mark, for Excel (off by default: it breaks other readers)."},
    {O_CRLF, 0, "crlf", NULL, "Format", "End rows with CR LF instead of LF."},
    {'o', 'o', "output", "FILE", "Output", "Write to FILE (default standard output), replaced atomically."},
    {'h', 'h', "help", NULL, "Running", "This help."},
    {'V', 'V', "version", NULL, "Running", "Print the version."},
};

static const tally_cli_status statuses[] = {
    {"0", "The table was written."},
    {"1", "The table cannot be written; no output file is left behind."},
    {"2", "Usage error, or a file that is not a valid tally summary."},
};

static const char *const examples[] = {
    "tally export summary.json --table keywords --csv > keywords.csv",
    "tally export summary.json --table errors --tsv -o errors.tsv",
};

static int run(const tally_cli_command *cmd, int argc, char **argv);

const tally_cli_command tally_export_command = {
    .name = "export",
    .synopsis = "[OPTIONS] SUMMARY [SUMMARY2]",
    .summary = "write a summary's tables as CSV or TSV",
    .description =
        "Write one table of a summary in long form with a header row. Numbers are written as in\n"
        "the summary: counts as integers, per_10k with the same ten significant digits. Columns:\n"
        "  corpus     inputs, documents, tokens, bytes, invalid_utf8, skipped_documents,\n"
        "             failed_inputs, skipped_inputs, errors_omitted (one row)\n"
        "  keywords   keyword, count, documents, per_10k\n"
        "  groups     group, count, documents, per_10k\n"
        "  members    group, keyword (one row per member, in listing order)\n"
        "  inputs     path, format, bytes, documents, digest (empty when none)\n"
        "  errors     input, line, message\n"
        "  warnings   input, line, message\n"
        "  buckets    one column per --by component (empty for null), kind (keyword or\n"
        "             group), name, count, documents, per_10k, bucket_documents,\n"
        "             bucket_tokens (one row per bucket and keyword or group)\n"
        "  compare    kind, name, a, b, per_10k_a, per_10k_b, g2, p, log_ratio, lrc, pct_diff:\n"
        "             tally compare's table of two SUMMARY files (or, with --bucket KEY1\n"
        "             --bucket KEY2, of two buckets of one)\n",
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .statuses = statuses,
    .n_statuses = sizeof statuses / sizeof statuses[0],
    .examples = examples,
    .n_examples = sizeof examples / sizeof examples[0],
    .run = run,
};

static const char *const tables[] = {"corpus", "keywords", "groups", "members", "inputs", "errors", "warnings",
                                     "buckets", "compare"};
#define TABLE_COMPARE 8

/* --table compare: the same table as tally compare --csv or --tsv, made by it from the same
 * arguments (its checks and messages included). */
static int export_compare(const tally_cli_arg *args, size_t n_args, int format, int bom, int crlf, const char *output)
{
    static const struct {
        int id;
        const char *flag;
    } pass[] = {{O_VOCAB, "--vocab"}, {O_BUCKET, "--bucket"}, {O_MIN_COUNT, "--min-count"},
                {O_CONFIDENCE, "--confidence"}, {O_NO_BONFERRONI, "--no-bonferroni"}, {O_SORT, "--sort"},
                {O_TOP, "--top"}};
    char **av = calloc(2 * n_args + 8, sizeof *av);
    if (!av) {
        fputs("tally: out of memory\n", stderr);
        return TALLY_EXIT_FATAL;
    }
    int ac = 0;
    av[ac++] = (char *)"compare";
    for (size_t i = 0; i < n_args; i++) {
        for (size_t k = 0; k < sizeof pass / sizeof pass[0]; k++)
            if (pass[k].id == args[i].id) {
                av[ac++] = (char *)pass[k].flag;
                if (args[i].value)
                    av[ac++] = (char *)args[i].value;
            }
    }
    av[ac++] = (char *)(format == TALLY_TABLE_TSV ? "--tsv" : "--csv");
    if (bom)
        av[ac++] = (char *)"--bom";
    if (crlf)
        av[ac++] = (char *)"--crlf";
    if (output) {
        av[ac++] = (char *)"-o";
        av[ac++] = (char *)output;
    }
    /* the summaries last, after "--": a file may be named like an option */
    av[ac++] = (char *)"--";
    for (size_t i = 0; i < n_args; i++)
        if (args[i].id == TALLY_CLI_INPUT)
            av[ac++] = (char *)args[i].value;
    int rc = tally_compare_command.run(&tally_compare_command, ac, av);
    free(av);
    return rc;
}
#define N_TABLES (sizeof tables / sizeof tables[0])

static void header(tally_table *t, const char *const *cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tally_table_text(t, cols[i]);
    tally_table_end_row(t);
}

static void write_table(const tally_summary *s, int which, tally_table *t)
{
    switch (which) {
    case 0: {
        static const char *const cols[] = {"inputs", "documents", "tokens", "bytes", "invalid_utf8",
                                           "skipped_documents", "failed_inputs", "skipped_inputs", "errors_omitted"};
        header(t, cols, sizeof cols / sizeof cols[0]);
        tally_totals c;
        tally_summary_totals(s, &c);
        uint64_t v[] = {c.inputs, c.documents, c.tokens, c.bytes, c.invalid_utf8, c.skipped_documents,
                        c.failed_inputs, c.skipped_inputs, c.errors_omitted};
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
            tally_table_u64(t, v[i]);
        tally_table_end_row(t);
        break;
    }
    case 1:
    case 2: {
        const char *cols[] = {which == 1 ? "keyword" : "group", "count", "documents", "per_10k"};
        header(t, cols, 4);
        size_t n = which == 1 ? tally_summary_keyword_count(s) : tally_summary_group_count(s);
        for (size_t i = 0; i < n; i++) {
            uint64_t count, docs;
            if (which == 1)
                tally_summary_keyword(s, i, &count, &docs);
            else
                tally_summary_group(s, i, &count, &docs);
            tally_table_text(t, which == 1 ? tally_summary_keyword_name(s, i) : tally_summary_group_name(s, i));
            tally_table_u64(t, count);
            tally_table_u64(t, docs);
            tally_table_real(t, tally_summary_rate(s, count));
            tally_table_end_row(t);
        }
        break;
    }
    case 3: {
        static const char *const cols[] = {"group", "keyword"};
        header(t, cols, 2);
        for (size_t g = 0; g < tally_summary_group_count(s); g++) {
            const uint32_t *m;
            size_t n = tally_summary_group_members(s, g, &m);
            for (size_t i = 0; i < n; i++) {
                tally_table_text(t, tally_summary_group_name(s, g));
                tally_table_text(t, tally_summary_keyword_name(s, m[i]));
                tally_table_end_row(t);
            }
        }
        break;
    }
    case 4: {
        static const char *const cols[] = {"path", "format", "bytes", "documents", "digest"};
        header(t, cols, 5);
        for (size_t i = 0; i < tally_summary_input_count(s); i++) {
            tally_input_info in;
            tally_summary_input(s, i, &in);
            tally_table_text(t, in.path);
            tally_table_text(t, in.format);
            tally_table_u64(t, in.bytes);
            tally_table_u64(t, in.documents);
            tally_table_text(t, in.digest);
            tally_table_end_row(t);
        }
        break;
    }
    default: {
        static const char *const cols[] = {"input", "line", "message"};
        header(t, cols, 3);
        size_t n = which == 5 ? tally_summary_error_count(s) : tally_summary_warning_count(s);
        for (size_t i = 0; i < n; i++) {
            const char *in, *msg;
            uint64_t line;
            if (which == 5)
                tally_summary_error(s, i, &in, &line, &msg);
            else
                tally_summary_warning(s, i, &in, &line, &msg);
            tally_table_text(t, in);
            tally_table_u64(t, line);
            tally_table_text(t, msg);
            tally_table_end_row(t);
        }
    }
    }
}

/* ---- the buckets table ------------------------------------------------------------------- */

enum { B_DAY, B_WEEK, B_MONTH, B_YEAR };

/* The unit of a --by specification that is a date, or -1. */
static int date_unit(const char *spec)
{
    static const char *const units[] = {":day", ":week", ":month", ":year"};
    const char *u = strrchr(spec, ':');
    for (int i = 0; u && spec[0] != '@' && i < 4; i++)
        if (strcmp(u, units[i]) == 0)
            return i;
    return -1;
}

/* The date key after k (of the unit), into out; 0 when there is none (past year 9999, or k is
 * not a key of that unit). The C library's calendar does the arithmetic. */
static int next_date(int unit, const char *k, char out[16])
{
    int y, m = 1, d = 1, w = 1;
    char end;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    switch (unit) {
    case B_YEAR:
        if (sscanf(k, "%4d%c", &y, &end) != 1)
            return 0;
        return y < 9999 && snprintf(out, 16, "%04d", y + 1) == 4;
    case B_MONTH:
        if (sscanf(k, "%4d-%2d%c", &y, &m, &end) != 2)
            return 0;
        m = m == 12 ? (y++, 1) : m + 1;
        return y <= 9999 && snprintf(out, 16, "%04d-%02d", y, m) == 7;
    case B_DAY:
        if (sscanf(k, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3)
            return 0;
        tm.tm_year = y - 1900, tm.tm_mon = m - 1, tm.tm_mday = d + 1;
        break;
    default:
        /* week w of ISO year y: its Monday is 7(w - 1) days after the Monday of the week of 4 January */
        if (sscanf(k, "%4d-W%2d%c", &y, &w, &end) != 2)
            return 0;
        tm.tm_year = y - 1900, tm.tm_mon = 0, tm.tm_mday = 4;
        time_t jan4 = timegm(&tm);
        struct tm j;
        gmtime_r(&jan4, &j);
        tm.tm_mday = 4 - (j.tm_wday + 6) % 7 + 7 * w; /* the Monday of the next week */
        break;
    }
    time_t t = timegm(&tm);
    struct tm n;
    if (!gmtime_r(&t, &n) || n.tm_year + 1900 > 9999)
        return 0;
    return strftime(out, 16, unit == B_DAY ? "%Y-%m-%d" : "%G-W%V", &n) > 0;
}

/* A row of the table: the key's components (NULL for null) and its bucket, or -1 for a filled
 * date. */
typedef struct brow {
    const char **comp;
    size_t *len;
    long bucket;
} brow;

static size_t n_comp_sort; /* the number of components, for the comparison (one thread) */
static size_t skip_comp = SIZE_MAX; /* a component the comparison leaves out */

static int cmp_brow(const void *x, const void *y)
{
    const brow *a = x, *b = y;
    for (size_t j = 0; j < n_comp_sort; j++) {
        if (j == skip_comp)
            continue;
        if (!a->comp[j] || !b->comp[j]) {
            if (a->comp[j] || b->comp[j])
                return a->comp[j] ? -1 : 1;
            continue;
        }
        size_t n = a->len[j] < b->len[j] ? a->len[j] : b->len[j];
        int c = memcmp(a->comp[j], b->comp[j], n);
        if (c || a->len[j] != b->len[j])
            return c ? c : a->len[j] < b->len[j] ? -1 : 1;
    }
    return a->bucket < 0 ? (b->bucket < 0 ? 0 : 1) : b->bucket < 0 ? -1 : 0;
}

static void *xalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fputs("tally: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static void bucket_cells(tally_table *t, const tally_summary *s, const brow *r, size_t nb)
{
    uint64_t bdocs = 0, btok = 0;
    if (r->bucket >= 0)
        tally_summary_bucket_totals(s, (size_t)r->bucket, &bdocs, &btok);
    size_t nk = tally_summary_keyword_count(s), ng = tally_summary_group_count(s);
    for (size_t i = 0; i < nk + ng; i++) {
        uint64_t count = 0, docs = 0;
        if (r->bucket >= 0 && i < nk)
            tally_summary_bucket_keyword(s, (size_t)r->bucket, i, &count, &docs);
        else if (r->bucket >= 0)
            tally_summary_bucket_group(s, (size_t)r->bucket, i - nk, &count, &docs);
        for (size_t j = 0; j < nb; j++)
            tally_table_text(t, r->comp[j]);
        tally_table_text(t, i < nk ? "keyword" : "group");
        tally_table_text(t, i < nk ? tally_summary_keyword_name(s, i) : tally_summary_group_name(s, i - nk));
        tally_table_u64(t, count);
        tally_table_u64(t, docs);
        tally_table_real(t, btok ? (double)count * 10000.0 / (double)btok : 0.0);
        tally_table_u64(t, bdocs);
        tally_table_u64(t, btok);
        tally_table_end_row(t);
    }
}

/* Writes the buckets table; fill: with the missing dates of the first date component. */
static void write_buckets(const tally_summary *s, tally_table *t, int fill)
{
    size_t nb = tally_summary_by_count(s), n = tally_summary_bucket_count(s);
    for (size_t j = 0; j < nb; j++)
        tally_table_text(t, tally_summary_by(s, j));
    static const char *const cols[] = {"kind", "name", "count", "documents", "per_10k", "bucket_documents",
                                       "bucket_tokens"};
    header(t, cols, sizeof cols / sizeof cols[0]);
    size_t dc = 0;
    int unit = -1;
    for (size_t j = 0; j < nb && unit < 0; j++)
        if ((unit = date_unit(tally_summary_by(s, j))) >= 0)
            dc = j;
    size_t cap = n + 1, nr = 0;
    brow *rows = xalloc(cap * sizeof *rows);
    const char *first = NULL, *last = NULL;
    for (size_t i = 0; i < n; i++) {
        rows[nr].comp = xalloc(nb * sizeof(char *));
        rows[nr].len = xalloc(nb * sizeof(size_t));
        rows[nr].bucket = (long)i;
        for (size_t j = 0; j < nb; j++)
            rows[nr].comp[j] = tally_summary_bucket_key(s, i, j, &rows[nr].len[j]);
        const char *dv = rows[nr].comp[dc];
        if (fill && dv) {
            if (!first || strcmp(dv, first) < 0)
                first = dv;
            if (!last || strcmp(dv, last) > 0)
                last = dv;
        }
        nr++;
    }
    size_t n_real = nr;
    char **made = NULL; /* the filled date keys, owned */
    size_t n_made = 0;
    if (fill && first) {
        made = xalloc(sizeof *made);
        made[n_made++] = strdup(first);
        char next[16];
        while (strcmp(made[n_made - 1], last) < 0 && next_date(unit, made[n_made - 1], next)) {
            made = realloc(made, (n_made + 1) * sizeof *made);
            if (!made || !(made[n_made] = strdup(next))) {
                fputs("tally: out of memory\n", stderr);
                exit(1);
            }
            n_made++;
        }
        /* every combination of the other components seen: one row per date, unless a bucket
         * already has it (the bucket sorts first among equals and the filled copy is skipped) */
        n_comp_sort = nb;
        skip_comp = dc;
        brow *series = xalloc(n_real * sizeof *series);
        memcpy(series, rows, n_real * sizeof *series);
        for (size_t i = 0; i < n_real; i++)
            series[i].bucket = 0;
        qsort(series, n_real, sizeof *series, cmp_brow);
        for (size_t i = 0; i < n_real; i++) {
            if (i > 0 && cmp_brow(&series[i - 1], &series[i]) == 0)
                continue;
            for (size_t d = 0; d < n_made; d++) {
                if (nr == cap) {
                    cap *= 2;
                    rows = realloc(rows, cap * sizeof *rows);
                    if (!rows) {
                        fputs("tally: out of memory\n", stderr);
                        exit(1);
                    }
                }
                rows[nr].comp = xalloc(nb * sizeof(char *));
                rows[nr].len = xalloc(nb * sizeof(size_t));
                memcpy(rows[nr].comp, series[i].comp, nb * sizeof(char *));
                memcpy(rows[nr].len, series[i].len, nb * sizeof(size_t));
                rows[nr].comp[dc] = made[d];
                rows[nr].len[dc] = strlen(made[d]);
                rows[nr].bucket = -1;
                nr++;
            }
        }
        free(series);
        skip_comp = SIZE_MAX;
        qsort(rows, nr, sizeof *rows, cmp_brow);
    }
    for (size_t i = 0; i < nr; i++) {
        n_comp_sort = nb;
        if (i > 0 && rows[i].bucket < 0 && cmp_brow(&(brow){rows[i - 1].comp, rows[i - 1].len, -1}, &rows[i]) == 0)
            continue; /* a date the series has already */
        bucket_cells(t, s, &rows[i], nb);
    }
    for (size_t i = 0; i < nr; i++) {
        free(rows[i].comp);
        free(rows[i].len);
    }
    free(rows);
    for (size_t i = 0; i < n_made; i++)
        free(made[i]);
    free(made);
}

static int run(const tally_cli_command *cmd, int argc, char **argv)
{
    int rc = TALLY_EXIT_USAGE;
    tally_cli_arg *args = NULL;
    size_t n_args = 0;
    const char *file = NULL, *output = NULL;
    int which = 1, format = TALLY_TABLE_CSV, bom = 0, crlf = 0, fill = 0;
    size_t n_files = 0;
    const char *compare_opt = NULL;
    tally_summary *s = NULL;
    tally_outfile out = {0};
    int r = tally_cli_parse(cmd, argc, argv, &args, &n_args);
    if (r)
        return r < 0 ? TALLY_EXIT_DONE : r;
    for (size_t i = 0; i < n_args; i++) {
        const char *v = args[i].value;
        switch (args[i].id) {
        case TALLY_CLI_INPUT:
            n_files++;
            if (!file)
                file = v;
            break;
        case O_VOCAB:
        case O_BUCKET:
        case O_MIN_COUNT:
        case O_CONFIDENCE:
        case O_NO_BONFERRONI:
        case O_SORT:
        case O_TOP:
            compare_opt = tally_cli_option_name(cmd, args[i].id);
            break;
        case O_TABLE: {
            which = -1;
            for (size_t k = 0; k < N_TABLES; k++)
                if (strcmp(v, tables[k]) == 0)
                    which = (int)k;
            if (which < 0) {
                tally_cli_usage_error(cmd, "--table: expected corpus, keywords, groups, members, inputs, errors, warnings, buckets or compare, not '%s'", v);
                goto out;
            }
            break;
        }
        case O_CSV:
            format = TALLY_TABLE_CSV;
            break;
        case O_TSV:
            format = TALLY_TABLE_TSV;
            break;
        case O_BOM:
            bom = 1;
            break;
        case O_CRLF:
            crlf = 1;
            break;
        case O_FILL:
            fill = 1;
            break;
        case 'o':
            output = v;
            break;
        }
    }
    if (which == TABLE_COMPARE) {
        if (fill) {
            tally_cli_usage_error(cmd, "--fill goes with --table buckets");
            goto out;
        }
        rc = export_compare(args, n_args, format, bom, crlf, output);
        goto out;
    }
    if (compare_opt) {
        tally_cli_usage_error(cmd, "%s goes with --table compare", compare_opt);
        goto out;
    }
    if (n_files > 1) {
        tally_cli_usage_error(cmd, "one SUMMARY at a time (merge them first with tally merge), or two with --table compare");
        goto out;
    }
    if (!file) {
        tally_cli_usage_error(cmd, "no SUMMARY given");
        goto out;
    }
    tally_outfile_spec outs[1] = {{output, "-o"}};
    if ((r = tally_outfile_check(cmd, outs, 1, &file, 1)) != 0)
        goto out;
    if (fill && which != 7) {
        tally_cli_usage_error(cmd, "--fill goes with --table buckets");
        goto out;
    }
    if (tally_cli_read_summary(file, &s) != 0)
        goto out;
    if (which == 7 && tally_summary_by_count(s) == 0) {
        fprintf(stderr, "tally: %s has no buckets: it was scanned without --by\n", file);
        goto out;
    }
    if (fill) {
        size_t j = 0;
        while (j < tally_summary_by_count(s) && date_unit(tally_summary_by(s, j)) < 0)
            j++;
        if (j == tally_summary_by_count(s)) {
            fprintf(stderr, "tally: --fill needs a date component (--by PATH:day|week|month|year); %s has none\n", file);
            goto out;
        }
    }
    rc = TALLY_EXIT_FATAL;
    tally_outfile_catch_signals();
    if (tally_outfile_open(&out, output) != 0) {
        fprintf(stderr, "tally: cannot write '%s': %s\n", output, strerror(errno));
        goto out;
    }
    tally_table t;
    tally_table_begin(&t, out.f, format, crlf, bom);
    if (which == 7)
        write_buckets(s, &t, fill);
    else
        write_table(s, which, &t);
    int e = tally_outfile_commit(&out);
    if (e) {
        fprintf(stderr, "tally: cannot write the table: %s\n", strerror(e));
        goto out;
    }
    rc = TALLY_EXIT_DONE;
out:
    if (rc != TALLY_EXIT_DONE)
        tally_outfile_abort(&out);
    tally_summary_free(s);
    free(args);
    return rc;
}
