/* scan.c — `tally scan`: its option table, and the run: build the dictionary, check that no
 * output is an input, run the engine's scan (include/tally.h) and write the outputs atomically
 * (outfile.c). No counting happens here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "outfile.h"
#include "progress.h"
#include "tally.h"

enum {
    O_FORMAT = TALLY_CLI_LONG,
    O_TEXT_FIELD,
    O_ID_FIELD,
    O_KEEP_FIELD,
    O_BINARY,
    O_MAX_LINE,
    O_ZSTD_WINDOW,
    O_CASE,
    O_TOKENIZER,
    O_PER_DOC,
    O_STATS,
    O_PROGRESS,
    O_NO_PROGRESS,
    O_BATCH,
    /* the vocabulary */
    O_VOCAB,
    O_VOCAB_MIN,
    O_VOCAB_TOP,
    O_MEMORY,
    O_TEMP_DIR,
};

#define MAX_THREADS 1024

static const tally_cli_option options[] = {
    {'d', 'd', "dict", "FILE", "Terms",
     "Dictionary file (repeatable): one term per line, '# comment', '[group]' headers, 'word*' for a "
     "prefix, phrases of several words."},
    {'k', 'k', "keyword", "TERM", "Terms", "A term on the command line (repeatable, ungrouped, in command-line order)."},
    {O_CASE, 0, "case-sensitive", NULL, "Terms", "Compare with case (default: Unicode case folding)."},
    {O_TOKENIZER, 0, "tokenizer", "KIND", "Terms", "unicode (UAX #29 words, the default) or whitespace."},
    {O_FORMAT, 0, "format", "FMT", "Input",
     "auto (the default: .jsonl/.ndjson are JSON Lines, anything else text), jsonl, json (one JSON "
     "array of objects, each a document), text (a file is one document) or lines (a line is one "
     "document)."},
    {O_TEXT_FIELD, 0, "text-field", "NAME", "Input",
     "JSON field holding text (repeatable, default text); a dotted path such as article.body reaches "
     "into objects."},
    {O_ID_FIELD, 0, "id-field", "NAME", "Input", "JSON field holding the document id (default id)."},
    {'g', 'g', "glob", "GLOB", "Input",
     "Folder walks read only the files whose path matches GLOB; !GLOB leaves matching files out "
     "(repeatable)."},
    {O_BINARY, 0, "binary", NULL, "Input",
     "Folder walks also read files that look binary (by default they are skipped and counted)."},
    {O_MAX_LINE, 0, "max-line-bytes", "N", "Input",
     "Longest JSON line kept (default 256M); longer ones are skipped with an error."},
    {O_ZSTD_WINDOW, 0, "zstd-window-log-max", "N", "Input",
     "Accept zstd frames with windows up to 2^N bytes (default 27, at most 31; memory grows with it)."},
    {'o', 'o', "output", "FILE", "Output",
     "The summary JSON (default standard output; - is standard output), replaced atomically."},
    {O_PER_DOC, 0, "per-doc", "FILE", "Output",
     "One JSON object per document, in input order, replaced atomically; - is standard output, "
     "which needs the summary in a file (-o FILE)."},
    {O_KEEP_FIELD, 0, "keep-field", "NAME", "Output",
     "Copy this JSON field, as written, into each per-document record (repeatable)."},
    {'q', 'q', "quiet", NULL, "Output", "No report and no status line on standard error."},
    {O_STATS, 0, "stats", NULL, "Output", "Print totals, speed and peak memory on standard error."},
    {O_PROGRESS, 0, "progress", NULL, "Output",
     "Show the status line even when standard error is not a terminal (default: only on a "
     "terminal, and not with -q)."},
    {O_NO_PROGRESS, 0, "no-progress", NULL, "Output", "Never show the status line."},
    {O_VOCAB, 0, "vocab", "FILE", "Vocabulary",
     "Count every token type (its compared form) and write them as TSV: type, count, documents, by "
     "count descending, replaced atomically; - is standard output, which needs -o FILE. Needs no "
     "dictionary."},
    {O_VOCAB_MIN, 0, "vocab-min-count", "N", "Vocabulary",
     "Leave types counted fewer than N times out of the file (after exact counting; default 1)."},
    {O_VOCAB_TOP, 0, "vocab-top", "N", "Vocabulary", "Types listed in the summary (default 100)."},
    {O_MEMORY, 0, "memory", "SIZE", "Vocabulary",
     "Memory for the vocabulary's tables (default 1G); past it they spill sorted runs to --temp-dir."},
    {O_TEMP_DIR, 0, "temp-dir", "DIR", "Vocabulary",
     "Folder for the vocabulary's spilled runs (default $TMPDIR, else /tmp); always removed."},
    {'j', 'j', "threads", "N", "Running", "Worker threads, 1 to 1024 (default: online CPUs)."},
    {O_BATCH, 0, "batch-bytes", "N", "Running", "Target batch size (default 1M; K, M, G suffixes)."},
    {'h', 'h', "help", NULL, "Running", "This help."},
    {'V', 'V', "version", NULL, "Running", "Print the version."},
};

static const tally_cli_status statuses[] = {
    {"0", "Every input and document was read."},
    {"1", "Fatal error: an output cannot be written, or inputs were named and not one could be "
          "read. No output file is written and an existing one is untouched."},
    {"2", "Usage error: a bad option, an output that is also an input, or an unreadable or invalid "
          "dictionary."},
    {"3", "Finished, but some inputs or documents were skipped; the summary lists them."},
    {"130, 143", "Interrupted by SIGINT or SIGTERM; no output written."},
};

static const char *const examples[] = {
    "tally scan -d policy.dict -o summary.json --per-doc docs.jsonl archive/",
    "tally scan archive/ -d policy.dict -g '*.jsonl.zst' -o summary.json",
    "zstdcat news.jsonl.zst | tally scan -k global -k 'joint build*' -",
    "tally scan -d policy.dict -o summary.json --per-doc - archive/ | jq .id",
    "tally scan --vocab words.tsv -o summary.json archive/",
};

static int run(const tally_cli_command *cmd, int argc, char **argv);

const tally_cli_command tally_scan_command = {
    .name = "scan",
    .synopsis = "[OPTIONS] INPUT...",
    .summary = "count dictionary terms in files, folders or standard input",
    .description =
        "Count dictionary terms in text archives: JSON Lines, a JSON array, plain text or one\n"
        "document per line, plain or compressed with zstd or gzip (detected from the content).\n"
        "INPUT is a file, a folder (walked recursively, sorted, hidden entries skipped) or - for\n"
        "standard input. Options may come before, between or after the inputs; -- ends them.\n",
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .statuses = statuses,
    .n_statuses = sizeof statuses / sizeof statuses[0],
    .examples = examples,
    .n_examples = sizeof examples / sizeof examples[0],
    .run = run,
};

/* The engine's zstd window error (TALLY_ELIMIT from the reader) states the fact only: "zstd frame
 * needs a window[ of N bytes], more than the limit of 2^K bytes". It reaches the program as a
 * per-input error of the summary, without its code, so it is recognised by the start of its
 * message, which the engine keeps stable (lib/reader.h). As zstd's own command line does, the
 * hint names the option only where it can help: not when the limit is already the highest, nor
 * when the frame needs more than the highest allows. */
#define ZSTD_WINDOW_MSG "zstd frame needs a window"
#define MAX_WINDOW_LOG 31

static const char *error_hint(uint64_t line, const char *msg, int window_log)
{
    size_t n = strlen(ZSTD_WINDOW_MSG);
    if (line != 0 || strncmp(msg, ZSTD_WINDOW_MSG, n) != 0 || window_log >= MAX_WINDOW_LOG)
        return "";
    if (strncmp(msg + n, " of ", 4) == 0) {
        char *end;
        errno = 0;
        unsigned long long need = strtoull(msg + n + 4, &end, 10);
        if (end != msg + n + 4 && errno == 0 && need > (1ull << MAX_WINDOW_LOG))
            return "";
    }
    return " (raise the limit with --zstd-window-log-max, at most 31)";
}

/* window_log: the zstd window limit the scan had (--zstd-window-log-max; 0 for the default). */
static void report_errors(const tally_summary *s, int quiet, int tty, int window_log)
{
    if (quiet)
        return;
    tally_totals t;
    memset(&t, 0, sizeof t);
    tally_summary_totals(s, &t);
    size_t nw = tally_summary_warning_count(s);
    for (size_t i = 0; i < nw && i < 10; i++) {
        const char *in, *msg;
        uint64_t line;
        tally_summary_warning(s, i, &in, &line, &msg);
        fprintf(stderr, "tally: warning: %s: %s%s\n", in, msg,
                strstr(msg, "binary") ? " (--binary reads it)" : "");
    }
    if (nw > 10)
        fprintf(stderr, "tally: ... and %zu more warnings (listed in the summary)\n", nw - 10);
    size_t n = tally_summary_error_count(s);
    size_t shown = n < 10 ? n : 10;
    for (size_t i = 0; i < shown; i++) {
        const char *in, *msg;
        uint64_t line;
        tally_summary_error(s, i, &in, &line, &msg);
        const char *hint = error_hint(line, msg, window_log);
        if (line)
            fprintf(stderr, "tally: %s:%llu: %s%s\n", in, (unsigned long long)line, msg, hint);
        else if (in[0])
            fprintf(stderr, "tally: %s: %s%s\n", in, msg, hint);
        else
            fprintf(stderr, "tally: %s%s\n", msg, hint);
    }
    if (n + t.errors_omitted > shown)
        fprintf(stderr, "tally: ... and %llu more problems (listed in the summary)\n",
                (unsigned long long)(n + t.errors_omitted - shown));
    if (tty) {
        fprintf(stderr, "tally: %llu documents, %llu tokens, %llu inputs (%llu failed", (unsigned long long)t.documents,
                (unsigned long long)t.tokens, (unsigned long long)t.inputs, (unsigned long long)t.failed_inputs);
        if (t.skipped_inputs)
            fprintf(stderr, ", %llu skipped as binary", (unsigned long long)t.skipped_inputs);
        fprintf(stderr, "), %llu skipped documents, %.2f s\n", (unsigned long long)t.skipped_documents, t.seconds);
    }
}

/* One line for benchmarks and tests: totals, speed and the peak resident memory. */
static void report_stats(const tally_summary *s)
{
    tally_totals t;
    memset(&t, 0, sizeof t);
    tally_summary_totals(s, &t);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr, "tally: stats: documents=%llu tokens=%llu bytes=%llu seconds=%.3f mb_per_s=%.1f peak_rss_kib=%ld\n",
            (unsigned long long)t.documents, (unsigned long long)t.tokens, (unsigned long long)t.bytes, t.seconds,
            t.seconds > 0 ? (double)t.bytes / t.seconds / 1e6 : 0.0, ru.ru_maxrss);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (errno || end == s || *end || n < lo || n > hi)
        return -1;
    *out = n;
    return 0;
}

static int run(const tally_cli_command *cmd, int argc, char **argv)
{
    int rc = TALLY_EXIT_FATAL;
    tally_cli_arg *args = NULL;
    size_t n_args = 0;
    int pr = tally_cli_parse(cmd, argc, argv, &args, &n_args);
    if (pr)
        return pr < 0 ? TALLY_EXIT_DONE : pr;

    /* every list below holds at most one entry per argument */
    const char **inputs = calloc(n_args + 1, sizeof *inputs);
    const char **fields = calloc(n_args + 1, sizeof *fields);
    const char **keep = calloc(n_args + 1, sizeof *keep);
    const char **globs = calloc(n_args + 1, sizeof *globs);
    const char **dicts = calloc(n_args + 1, sizeof *dicts);
    char **exclude = calloc(TALLY_OUTFILE_MAX, sizeof *exclude);
    size_t n_inputs = 0, n_fields = 0, n_keep = 0, n_globs = 0, n_dicts = 0, n_terms = 0, n_exclude = 0;
    const char *output = NULL, *per_doc = NULL, *vocab = NULL;
    int case_sensitive = 0, quiet = 0, stats = 0, progress = -1, tokenizer = TALLY_TOKENIZER_UNICODE;
    tally_scan_options opt;
    tally_scan_options_init(&opt);
    tally_dict *dict = NULL;
    tally_summary *sum = NULL;
    tally_outfile out = {NULL, NULL, NULL, -1}, docs = {NULL, NULL, NULL, -1}, voc = {NULL, NULL, NULL, -1};
    tally_status_line status = {0};
    tally_error err;
    memset(&err, 0, sizeof err);
    if (!inputs || !fields || !keep || !globs || !dicts || !exclude) {
        fputs("tally: out of memory\n", stderr);
        goto out;
    }

    rc = TALLY_EXIT_USAGE;
    for (size_t i = 0; i < n_args; i++) {
        const char *v = args[i].value;
        long n;
        size_t sz;
        switch (args[i].id) {
        case TALLY_CLI_INPUT:
            inputs[n_inputs++] = v;
            break;
        case 'd':
            dicts[n_dicts++] = v;
            n_terms++;
            break;
        case 'k':
            n_terms++;
            break;
        case O_FORMAT:
            if (strcmp(v, "auto") == 0)
                opt.format = TALLY_FORMAT_AUTO;
            else if (strcmp(v, "jsonl") == 0)
                opt.format = TALLY_FORMAT_JSONL;
            else if (strcmp(v, "json") == 0)
                opt.format = TALLY_FORMAT_JSON;
            else if (strcmp(v, "text") == 0)
                opt.format = TALLY_FORMAT_TEXT;
            else if (strcmp(v, "lines") == 0)
                opt.format = TALLY_FORMAT_LINES;
            else {
                tally_cli_usage_error(cmd, "--format: expected auto, jsonl, json, text or lines, not '%s'", v);
                goto out;
            }
            break;
        case O_TEXT_FIELD:
        case O_KEEP_FIELD:
            if (!v[0]) {
                tally_cli_usage_error(cmd, "%s: empty field name", tally_cli_option_name(cmd, args[i].id));
                goto out;
            }
            if (args[i].id == O_TEXT_FIELD)
                fields[n_fields++] = v;
            else
                keep[n_keep++] = v;
            break;
        case O_ID_FIELD:
            opt.id_field = v;
            break;
        case 'g':
            if (!v[0] || strcmp(v, "!") == 0) {
                tally_cli_usage_error(cmd, "--glob: empty pattern");
                goto out;
            }
            globs[n_globs++] = v;
            break;
        case O_BINARY:
            opt.binary = 1;
            break;
        case 'o':
            output = v;
            break;
        case O_PER_DOC:
            per_doc = v;
            break;
        case 'j':
            if (parse_long(v, 1, MAX_THREADS, &n) != 0) {
                tally_cli_usage_error(cmd, "--threads: expected a number from 1 to %d, not '%s'", MAX_THREADS, v);
                goto out;
            }
            opt.threads = (unsigned)n;
            break;
        case O_BATCH:
            if (tally_cli_parse_size(v, &sz) != 0) {
                tally_cli_usage_error(cmd, "--batch-bytes: expected a positive size such as 4096 or 1M, not '%s'", v);
                goto out;
            }
            opt.batch_bytes = sz;
            break;
        case O_MAX_LINE:
            if (tally_cli_parse_size(v, &sz) != 0) {
                tally_cli_usage_error(cmd, "--max-line-bytes: expected a positive size such as 64M, not '%s'", v);
                goto out;
            }
            opt.max_line_bytes = sz;
            break;
        case O_ZSTD_WINDOW:
            if (parse_long(v, 10, 31, &n) != 0) {
                tally_cli_usage_error(cmd, "--zstd-window-log-max: expected a number from 10 to 31, not '%s'", v);
                goto out;
            }
            opt.zstd_window_log_max = (int)n;
            break;
        case O_CASE:
            case_sensitive = 1;
            break;
        case O_TOKENIZER:
            if (strcmp(v, "unicode") == 0)
                tokenizer = TALLY_TOKENIZER_UNICODE;
            else if (strcmp(v, "whitespace") == 0)
                tokenizer = TALLY_TOKENIZER_WHITESPACE;
            else {
                tally_cli_usage_error(cmd, "--tokenizer: expected unicode or whitespace, not '%s'", v);
                goto out;
            }
            break;
        case 'q':
            quiet = 1;
            break;
        case O_VOCAB:
            vocab = v;
            break;
        case O_VOCAB_MIN:
        case O_VOCAB_TOP:
            if (parse_long(v, args[i].id == O_VOCAB_MIN ? 1 : 0, 1000000000L, &n) != 0) {
                tally_cli_usage_error(cmd, "%s: expected a number from %d to 1000000000, not '%s'",
                                      tally_cli_option_name(cmd, args[i].id), args[i].id == O_VOCAB_MIN ? 1 : 0, v);
                goto out;
            }
            if (args[i].id == O_VOCAB_MIN)
                opt.vocab_min_count = (uint64_t)n;
            else
                opt.vocab_top = (size_t)n;
            break;
        case O_MEMORY:
            if (tally_cli_parse_size(v, &sz) != 0) {
                tally_cli_usage_error(cmd, "--memory: expected a positive size such as 512M or 2G, not '%s'", v);
                goto out;
            }
            opt.vocab_memory = sz;
            break;
        case O_TEMP_DIR:
            opt.vocab_temp_dir = v;
            break;
        case O_STATS:
            stats = 1;
            break;
        case O_PROGRESS:
            progress = 1;
            break;
        case O_NO_PROGRESS:
            progress = 0;
            break;
        }
    }
    if (n_inputs == 0) {
        tally_cli_usage_error(cmd, "no INPUT given (use - for standard input)");
        goto out;
    }
    if (n_terms == 0 && !vocab) {
        tally_cli_usage_error(cmd, "no terms: give a dictionary (-d FILE) or a keyword (-k TERM), or --vocab FILE");
        goto out;
    }
    if (vocab && strcmp(vocab, "-") == 0 && (!output || strcmp(output, "-") == 0 || (per_doc && strcmp(per_doc, "-") == 0))) {
        tally_cli_usage_error(cmd, "--vocab - needs the summary elsewhere: add -o FILE");
        goto out;
    }
    if (per_doc && strcmp(per_doc, "-") == 0 && (!output || strcmp(output, "-") == 0)) {
        tally_cli_usage_error(cmd, "--per-doc - needs the summary elsewhere: add -o FILE");
        goto out;
    }
    /* the dictionaries are inputs too: a summary written over one would lose it */
    for (size_t i = 0; i < n_dicts; i++)
        inputs[n_inputs + i] = dicts[i];
    tally_outfile_spec outs[3] = {{output, "-o"}, {per_doc, "--per-doc"}, {vocab, "--vocab"}};
    int cr = tally_outfile_check(cmd, outs, 3, inputs, n_inputs + n_dicts);
    if (cr) {
        rc = cr;
        goto out;
    }
    /* a folder walk must not read the run's own outputs (their temporaries are hidden files) */
    for (size_t i = 0; i < 3; i++) {
        if (!outs[i].path || strcmp(outs[i].path, "-") == 0)
            continue;
        exclude[n_exclude] = tally_outfile_canonical(outs[i].path);
        if (!exclude[n_exclude])
            exclude[n_exclude] = strdup(outs[i].path);
        if (exclude[n_exclude])
            n_exclude++;
    }

    dict = tally_dict_new(tokenizer, case_sensitive);
    if (vocab)
        tally_dict_allow_empty(dict);
    for (size_t i = 0; i < n_args; i++) {
        int r;
        if (args[i].id == 'd')
            r = tally_dict_add_file(dict, args[i].value, &err);
        else if (args[i].id == 'k')
            r = tally_dict_add_term(dict, args[i].value, &err);
        else
            continue;
        if (r) {
            fprintf(stderr, "tally: %s\n", err.message);
            goto out;
        }
    }
    if (tally_dict_compile(dict, &err) != 0) {
        fprintf(stderr, "tally: %s\n", err.message);
        goto out;
    }
    if (!quiet)
        for (size_t i = 0; i < tally_dict_warning_count(dict); i++)
            fprintf(stderr, "tally: warning: %s\n", tally_dict_warning(dict, i));
    rc = TALLY_EXIT_FATAL;
    opt.text_fields = n_fields ? fields : NULL;
    opt.n_text_fields = n_fields;
    opt.keep_fields = n_keep ? keep : NULL;
    opt.n_keep_fields = n_keep;
    opt.globs = n_globs ? globs : NULL;
    opt.n_globs = n_globs;
    opt.exclude = n_exclude ? (const char *const *)exclude : NULL;
    opt.n_exclude = n_exclude;
    int tty = isatty(STDERR_FILENO);
    if (progress < 0)
        progress = tty && !quiet;
    if (progress) {
        /* the engine's total holds the regular files only: with a stream among the inputs a
         * share of it would mislead */
        for (size_t i = 0; i < n_inputs; i++) {
            struct stat ist;
            if (strcmp(inputs[i], "-") == 0 ||
                (stat(inputs[i], &ist) == 0 && !S_ISREG(ist.st_mode) && !S_ISDIR(ist.st_mode)))
                status.no_total = 1;
        }
        opt.progress = tally_status_line_draw;
        opt.progress_ctx = &status;
    }

    /* before the first temporary exists, so none can be left behind */
    tally_outfile_catch_signals();
    if (tally_outfile_open(&out, output) != 0) {
        fprintf(stderr, "tally: cannot write '%s': %s\n", output, strerror(errno));
        goto out;
    }
    if (per_doc) {
        if (tally_outfile_open(&docs, per_doc) != 0) {
            fprintf(stderr, "tally: cannot write '%s': %s\n", per_doc, strerror(errno));
            goto out;
        }
        opt.per_doc = docs.f;
    }
    if (vocab) {
        if (tally_outfile_open(&voc, vocab) != 0) {
            fprintf(stderr, "tally: cannot write '%s': %s\n", vocab, strerror(errno));
            goto out;
        }
        opt.vocab = voc.f;
        opt.vocab_name = strcmp(vocab, "-") == 0 ? "-" : vocab;
    }

    int r = tally_scan_run(dict, inputs, n_inputs, &opt, &sum, &err);
    tally_status_line_erase(&status);
    if (r != 0) {
        /* the engine refuses a malformed glob or kept fields without JSON input before reading
         * anything: a usage error, with the option to look at */
        if (r == TALLY_EINVAL) {
            fprintf(stderr, "tally: %s (%s)\n", err.message,
                    strstr(err.message, "glob") ? "-g, --glob" : strstr(err.message, "kept field") ? "--keep-field"
                    : strstr(err.message, "temporary folder") ? "--temp-dir" : "see tally scan --help");
            fprintf(stderr, "Try 'tally scan --help'.\n");
            rc = TALLY_EXIT_USAGE;
        } else {
            fprintf(stderr, "tally: %s\n", err.message);
        }
        goto out;
    }
    int st = tally_summary_status(sum);
    if (st == 1) {
        /* not one input could be read: no summary of nothing, and the previous outputs stay */
        report_errors(sum, quiet, 0, opt.zstd_window_log_max);
        fprintf(stderr, "tally: not one input could be read; no output written\n");
        goto out;
    }
    if (tally_summary_write(sum, out.f) != 0) {
        fprintf(stderr, "tally: cannot write the summary%s%s: %s\n", output ? " to " : "", output ? output : "",
                strerror(errno ? errno : EIO));
        goto out;
    }
    if (vocab) {
        int e = tally_outfile_commit(&voc);
        if (e) {
            fprintf(stderr, "tally: cannot write '%s': %s\n", vocab, strerror(e));
            goto out;
        }
    }
    if (per_doc) {
        int e = tally_outfile_commit(&docs);
        if (e) {
            fprintf(stderr, "tally: cannot write '%s': %s\n", per_doc, strerror(e));
            goto out;
        }
    }
    int e = tally_outfile_commit(&out);
    if (e) {
        fprintf(stderr, "tally: cannot write the summary%s%s: %s\n", output ? " to " : "", output ? output : "",
                strerror(e));
        goto out;
    }
    report_errors(sum, quiet, tty, opt.zstd_window_log_max);
    if (stats)
        report_stats(sum);
    rc = st ? TALLY_EXIT_PARTIAL : TALLY_EXIT_DONE;

out:
    if (rc != TALLY_EXIT_DONE && rc != TALLY_EXIT_PARTIAL) {
        tally_outfile_abort(&docs);
        tally_outfile_abort(&voc);
        tally_outfile_abort(&out);
    }
    tally_summary_free(sum);
    tally_dict_free(dict);
    for (size_t i = 0; exclude && i < n_exclude; i++)
        free(exclude[i]);
    free(exclude);
    free(inputs);
    free(fields);
    free(keep);
    free(globs);
    free(dicts);
    free(args);
    return rc;
}
