/* export.c — `tally export`: a summary's tables as CSV or TSV in long ("tidy") form, one row per
 * keyword, group, member, input, error or warning, with explicit name columns and a header row:
 * what read.csv, pandas and spreadsheets expect. It reads the summary through the public API
 * (include/tally.h) and writes through table.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
};

static const tally_cli_option options[] = {
    {O_TABLE, 0, "table", "NAME", "Tables",
     "The table to write: corpus, keywords (the default), groups, members (group, keyword), inputs, "
     "errors or warnings."},
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
    .synopsis = "[OPTIONS] SUMMARY",
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
        "  warnings   input, line, message\n",
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .statuses = statuses,
    .n_statuses = sizeof statuses / sizeof statuses[0],
    .examples = examples,
    .n_examples = sizeof examples / sizeof examples[0],
    .run = run,
};

static const char *const tables[] = {"corpus", "keywords", "groups", "members", "inputs", "errors", "warnings"};
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

static int run(const tally_cli_command *cmd, int argc, char **argv)
{
    int rc = TALLY_EXIT_USAGE;
    tally_cli_arg *args = NULL;
    size_t n_args = 0;
    const char *file = NULL, *output = NULL;
    int which = 1, format = TALLY_TABLE_CSV, bom = 0, crlf = 0;
    tally_summary *s = NULL;
    tally_outfile out = {0};
    int r = tally_cli_parse(cmd, argc, argv, &args, &n_args);
    if (r)
        return r < 0 ? TALLY_EXIT_DONE : r;
    for (size_t i = 0; i < n_args; i++) {
        const char *v = args[i].value;
        switch (args[i].id) {
        case TALLY_CLI_INPUT:
            if (file) {
                tally_cli_usage_error(cmd, "one SUMMARY at a time (merge them first with tally merge)");
                goto out;
            }
            file = v;
            break;
        case O_TABLE: {
            which = -1;
            for (size_t k = 0; k < N_TABLES; k++)
                if (strcmp(v, tables[k]) == 0)
                    which = (int)k;
            if (which < 0) {
                tally_cli_usage_error(cmd, "--table: expected corpus, keywords, groups, members, inputs, errors or warnings, not '%s'", v);
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
        case 'o':
            output = v;
            break;
        }
    }
    if (!file) {
        tally_cli_usage_error(cmd, "no SUMMARY given");
        goto out;
    }
    tally_outfile_spec outs[1] = {{output, "-o"}};
    if ((r = tally_outfile_check(cmd, outs, 1, &file, 1)) != 0)
        goto out;
    if (tally_cli_read_summary(file, &s) != 0)
        goto out;
    rc = TALLY_EXIT_FATAL;
    tally_outfile_catch_signals();
    if (tally_outfile_open(&out, output) != 0) {
        fprintf(stderr, "tally: cannot write '%s': %s\n", output, strerror(errno));
        goto out;
    }
    tally_table t;
    tally_table_begin(&t, out.f, format, crlf, bom);
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
