/* scan.c — `tally scan`: its option table, and the run: build the dictionary, check that no
 * output is an input, run the engine's scan (include/tally.h) and write the outputs atomically
 * (outfile.c). No counting happens here. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "outfile.h"
#include "progress.h"
#include "state.h"
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
    O_FILES_FROM,
    O_SHARD,
    O_STATE,
    O_VERIFY,
    O_REBUILD,
    O_DICT_FORMAT,
    /* counts per bucket */
    O_BY,
    O_EPOCH,
    O_UTC_OFFSET,
    O_MAX_BUCKETS,
    /* concordance lines */
    O_KWIC,
    O_KWIC_MAX,
    O_KWIC_WINDOW,
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
     "prefix, phrases of several words; or a LIWC .dic, LIWC-22 .dicx, Lexicoder .lc3 or quanteda "
     "YAML file, whose categories are groups."},
    {O_DICT_FORMAT, 0, "dict-format", "FMT", "Terms",
     "Read every -d file as FMT: auto (the default: by extension, .dic LIWC, .dicx LIWC-22, .lc3 "
     "Lexicoder, .yml/.yaml YAML, anything else tally's format), tally, liwc, dicx, lexicoder or "
     "yaml."},
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
    {O_FILES_FROM, 0, "files-from", "FILE", "Input",
     "Also read the inputs named in FILE, one path per line (- is standard input); blank lines are "
     "skipped (repeatable)."},
    {'0', '0', "null", NULL, "Input", "--files-from lists are separated by NUL bytes instead of newlines."},
    {O_SHARD, 0, "shard", "K/N", "Input",
     "Scan only shard K of N (1 <= K <= N): the inputs, after folder walks, whose path hashes to K "
     "(README \"Scaling out\"); tally merge of the N shards' summaries is the summary of one scan."},
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
    {O_BY, 0, "by", "PATH", "Buckets",
     "Count per bucket: the document's value of this JSON field (dotted path) is its bucket key, a "
     "string as is, a number as written, anything else null; PATH:day, :week, :month or :year "
     "buckets it as a date; @input is the input's name. Repeatable: one bucket per combination."},
    {O_EPOCH, 0, "epoch", "s|ms", "Buckets",
     "JSON numbers as dates are Unix epoch seconds or milliseconds (default: milliseconds when "
     "their absolute value is at least 10^11)."},
    {O_UTC_OFFSET, 0, "utc-offset", "+HH:MM", "Buckets",
     "Bucket times by their day at this offset from UTC (default +00:00)."},
    {O_MAX_BUCKETS, 0, "max-buckets", "N", "Buckets",
     "At most N distinct bucket keys (default 100000); past it the scan stops with exit status 1 "
     "and writes nothing."},
    {'q', 'q', "quiet", NULL, "Output", "No report and no status line on standard error."},
    {O_STATS, 0, "stats", NULL, "Output", "Print totals, speed and peak memory on standard error."},
    {O_PROGRESS, 0, "progress", NULL, "Output",
     "Show the status line even when standard error is not a terminal (default: only on a "
     "terminal, and not with -q)."},
    {O_NO_PROGRESS, 0, "no-progress", NULL, "Output", "Never show the status line."},
    {O_STATE, 0, "state", "DIR", "Running",
     "Keep each input's results in DIR and reuse those of unchanged inputs on the next run; an "
     "interrupted run goes on where it stopped (README \"Nightly runs\")."},
    {O_VERIFY, 0, "verify", NULL, "Running",
     "With --state: reread every input and compare its content digest, not only its size and "
     "modification time."},
    {O_REBUILD, 0, "rebuild", NULL, "Running",
     "With --state: drop what the folder holds (it may be of other settings) and start afresh."},
    {O_KWIC, 0, "kwic", "FILE", "Concordance",
     "Concordance lines: each keyword's first matches in input order with their context, as JSON "
     "Lines, replaced atomically."},
    {O_KWIC_MAX, 0, "kwic-max", "N", "Concordance", "Matches per keyword in --kwic (default 20; 0: all)."},
    {O_KWIC_WINDOW, 0, "kwic-window", "W", "Concordance",
     "Tokens of context on each side in --kwic (default 8, at most 1000)."},
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

/* The engine's message for another tool's dictionary read in tally's format ends "read it in
 * format 'NAME', or give the file that format's extension" (lib/dict.c keeps it stable); the
 * option that does so is ours to name. */
static const char *dict_hint(const char *msg)
{
    static char hint[64];
    const char *p = strstr(msg, "; read it in format '");
    if (!p)
        return "";
    p += strlen("; read it in format '");
    size_t n = strcspn(p, "'");
    snprintf(hint, sizeof hint, " (--dict-format %.*s)", (int)(n < 16 ? n : 16), p);
    return hint;
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
        if (line)
            fprintf(stderr, "tally: warning: %s:%llu: %s\n", in, (unsigned long long)line, msg);
        else
            fprintf(stderr, "tally: warning: %s: %s%s\n", in, msg, strstr(msg, "binary") ? " (--binary reads it)" : "");
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

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A growing list of input paths: the command line's (borrowed) and those read from --files-from
 * lists (owned, in owned[]). */
typedef struct path_list {
    const char **v;
    size_t n, cap;
    char **owned;
    size_t n_owned, cap_owned;
} path_list;

static int push_path(path_list *l, const char *p, int owned)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        const char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    if (owned) {
        if (l->n_owned == l->cap_owned) {
            size_t cap = l->cap_owned ? 2 * l->cap_owned : 64;
            char **o = realloc(l->owned, cap * sizeof *o);
            if (!o)
                return -1;
            l->owned = o;
            l->cap_owned = cap;
        }
        l->owned[l->n_owned++] = (char *)p;
    }
    l->v[l->n++] = p;
    return 0;
}

static void path_list_free(path_list *l)
{
    for (size_t i = 0; i < l->n_owned; i++)
        free(l->owned[i]);
    free(l->owned);
    free(l->v);
}

/* Appends the paths listed in the file at path ("-": standard input), separated by sep, to l.
 * A trailing CR is taken off a newline-separated entry (a list written on Windows); empty
 * entries are skipped. Returns 0, or -1 with a message printed. */
static int read_files_from(const tally_cli_command *cmd, const char *path, int sep, path_list *l)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        tally_cli_usage_error(cmd, "--files-from: cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t no = 0;
    int rc = 0;
    while ((n = getdelim(&line, &cap, sep, f)) > 0) {
        no++;
        if (line[n - 1] == sep)
            line[--n] = 0;
        if (sep == '\n' && n && line[n - 1] == '\r')
            line[--n] = 0;
        if (n == 0)
            continue;
        if (memchr(line, 0, (size_t)n)) {
            tally_cli_usage_error(cmd, "--files-from: %s:%llu: a NUL byte inside a path (use -0 for NUL-separated lists)",
                                  path, (unsigned long long)no);
            rc = -1;
            break;
        }
        char *p = strdup(line);
        if (!p || push_path(l, p, 1) != 0) {
            free(p);
            fputs("tally: out of memory\n", stderr);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        tally_cli_usage_error(cmd, "--files-from: cannot read '%s': %s", path, strerror(errno));
        rc = -1;
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* "K/N" with 1 <= K <= N <= 1,000,000 */
static int parse_shard(const char *v, unsigned *k, unsigned *n)
{
    char *end;
    errno = 0;
    unsigned long a = strtoul(v, &end, 10);
    if (errno || end == v || *end != '/' || v[0] < '0' || v[0] > '9')
        return -1;
    const char *q = end + 1;
    if (*q < '0' || *q > '9')
        return -1;
    unsigned long b = strtoul(q, &end, 10);
    if (errno || *end || b < 1 || b > 1000000 || a < 1 || a > b)
        return -1;
    *k = (unsigned)a;
    *n = (unsigned)b;
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
    path_list pl = {0};
    const char **inputs = NULL;
    int nul_lists = 0, stdin_list = 0, stdin_input = 0;
    tally_state_options state = {0};
    const char **fields = calloc(n_args + 1, sizeof *fields);
    const char **keep = calloc(n_args + 1, sizeof *keep);
    const char **globs = calloc(n_args + 1, sizeof *globs);
    const char **dicts = calloc(n_args + 1, sizeof *dicts);
    const char **by = calloc(n_args + 1, sizeof *by);
    size_t n_by = 0;
    int by_date_opt = 0; /* --epoch or --utc-offset given */
    char **exclude = calloc(TALLY_OUTFILE_MAX, sizeof *exclude);
    size_t n_inputs = 0, n_fields = 0, n_keep = 0, n_globs = 0, n_dicts = 0, n_terms = 0, n_exclude = 0;
    const char *output = NULL, *per_doc = NULL, *kwic = NULL, *vocab = NULL;
    int dict_format = TALLY_DICT_AUTO;
    long kwic_max = 20, kwic_window = 8;
    int case_sensitive = 0, quiet = 0, stats = 0, progress = -1, tokenizer = TALLY_TOKENIZER_UNICODE;
    tally_scan_options opt;
    tally_scan_options_init(&opt);
    tally_dict *dict = NULL;
    tally_summary *sum = NULL;
    tally_outfile out = {NULL, NULL, NULL, -1}, docs = {NULL, NULL, NULL, -1}, kw = {NULL, NULL, NULL, -1};
    tally_outfile voc = {NULL, NULL, NULL, -1};
    tally_status_line status = {0};
    tally_error err;
    memset(&err, 0, sizeof err);
    if (!fields || !keep || !globs || !dicts || !exclude || !by) {
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
            if (push_path(&pl, v, 0) != 0) {
                fputs("tally: out of memory\n", stderr);
                goto out;
            }
            stdin_input |= strcmp(v, "-") == 0;
            break;
        case '0':
            nul_lists = 1;
            break;
        case O_FILES_FROM:
            stdin_list |= strcmp(v, "-") == 0;
            break;
        case O_STATE:
            if (!v[0]) {
                tally_cli_usage_error(cmd, "--state: empty folder name");
                goto out;
            }
            state.dir = v;
            break;
        case O_VERIFY:
            state.verify = 1;
            break;
        case O_REBUILD:
            state.rebuild = 1;
            break;
        case O_SHARD:
            if (parse_shard(v, &opt.shard_k, &opt.shard_n) != 0) {
                tally_cli_usage_error(cmd, "--shard: expected K/N with 1 <= K <= N <= 1000000, not '%s'", v);
                goto out;
            }
            break;
        case 'd':
            dicts[n_dicts++] = v;
            n_terms++;
            break;
        case 'k':
            n_terms++;
            break;
        case O_DICT_FORMAT: {
            static const char *const names[] = {"auto", "tally", "liwc", "dicx", "lexicoder", "yaml"};
            size_t k = 0;
            while (k < sizeof names / sizeof names[0] && strcmp(v, names[k]) != 0)
                k++;
            if (k == sizeof names / sizeof names[0]) {
                tally_cli_usage_error(cmd, "--dict-format: expected auto, tally, liwc, dicx, lexicoder or yaml, not '%s'", v);
                goto out;
            }
            dict_format = (int)k; /* in the order of enum tally_dict_format */
            break;
        }
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
        case O_KWIC:
            kwic = v;
            break;
        case O_KWIC_MAX:
        case O_KWIC_WINDOW:
            if (parse_long(v, 0, args[i].id == O_KWIC_MAX ? LONG_MAX : 1000, &n) != 0) {
                tally_cli_usage_error(cmd, "%s: expected a number from 0%s, not '%s'", tally_cli_option_name(cmd, args[i].id),
                                      args[i].id == O_KWIC_MAX ? "" : " to 1000", v);
                goto out;
            }
            *(args[i].id == O_KWIC_MAX ? &kwic_max : &kwic_window) = n;
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
        case O_BY:
            by[n_by++] = v;
            break;
        case O_EPOCH:
            if (strcmp(v, "s") != 0 && strcmp(v, "ms") != 0) {
                tally_cli_usage_error(cmd, "--epoch: expected s or ms, not '%s'", v);
                goto out;
            }
            opt.by_epoch = v[0] == 's' ? TALLY_EPOCH_SECONDS : TALLY_EPOCH_MILLISECONDS;
            by_date_opt = 1;
            break;
        case O_UTC_OFFSET: {
            int hh, mm;
            char sign, end;
            if (sscanf(v, "%c%2d:%2d%c", &sign, &hh, &mm, &end) != 3 || (sign != '+' && sign != '-') || strlen(v) != 6 ||
                hh > 23 || mm > 59 || hh < 0 || mm < 0) {
                tally_cli_usage_error(cmd, "--utc-offset: expected +HH:MM or -HH:MM (such as +08:00), not '%s'", v);
                goto out;
            }
            opt.by_utc_offset = (sign == '-' ? -1 : 1) * (hh * 60 + mm);
            by_date_opt = 1;
            break;
        }
        case O_MAX_BUCKETS:
            if (parse_long(v, 1, 1000000000L, &n) != 0) {
                tally_cli_usage_error(cmd, "--max-buckets: expected a number from 1 to 1000000000, not '%s'", v);
                goto out;
            }
            opt.max_buckets = (size_t)n;
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
    if ((state.verify || state.rebuild) && !state.dir) {
        tally_cli_usage_error(cmd, "%s needs --state DIR", state.verify ? "--verify" : "--rebuild");
        goto out;
    }
    if (stdin_list && stdin_input) {
        tally_cli_usage_error(cmd, "standard input cannot be both an input (-) and a list (--files-from -)");
        goto out;
    }
    /* the lists are read in the order given, after the command line's inputs */
    size_t n_lists = 0;
    for (size_t i = 0; i < n_args; i++)
        if (args[i].id == O_FILES_FROM) {
            n_lists++;
            if (read_files_from(cmd, args[i].value, nul_lists ? 0 : '\n', &pl) != 0)
                goto out;
        }
    /* room for the dictionaries and the lists after the inputs, for the output check */
    for (size_t i = 0; i < n_dicts + n_lists; i++)
        if (push_path(&pl, "", 0) != 0) {
            fputs("tally: out of memory\n", stderr);
            goto out;
        }
    inputs = pl.v;
    n_inputs = pl.n - n_dicts - n_lists;
    if (n_inputs == 0) {
        tally_cli_usage_error(cmd, n_lists ? "no INPUT given (the --files-from lists are empty)"
                                           : "no INPUT given (use - for standard input)");
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
    opt.by = n_by ? by : NULL;
    opt.n_by = n_by;
    if (by_date_opt) {
        int dated = 0;
        for (size_t i = 0; i < n_by; i++) {
            const char *u = strrchr(by[i], ':');
            dated |= u && (!strcmp(u, ":day") || !strcmp(u, ":week") || !strcmp(u, ":month") || !strcmp(u, ":year"));
        }
        if (!dated) {
            tally_cli_usage_error(cmd, "--epoch and --utc-offset need a date bucket (--by PATH:day|week|month|year)");
            goto out;
        }
    }
    if (per_doc && strcmp(per_doc, "-") == 0 && (!output || strcmp(output, "-") == 0)) {
        tally_cli_usage_error(cmd, "--per-doc - needs the summary elsewhere: add -o FILE");
        goto out;
    }
    /* the dictionaries and the lists are inputs too: a summary written over one would lose it */
    for (size_t i = 0; i < n_dicts; i++)
        inputs[n_inputs + i] = dicts[i];
    for (size_t i = 0, k = 0; i < n_args; i++)
        if (args[i].id == O_FILES_FROM && strcmp(args[i].value, "-") != 0)
            inputs[n_inputs + n_dicts + k++] = args[i].value;
        else if (args[i].id == O_FILES_FROM)
            inputs[n_inputs + n_dicts + k++] = "-";
    if (kwic && vocab && strcmp(kwic, "-") == 0 && strcmp(vocab, "-") == 0) {
        tally_cli_usage_error(cmd, "--kwic - and --vocab - cannot share standard output: give one a FILE");
        goto out;
    }
    if (kwic && strcmp(kwic, "-") == 0 && (!output || strcmp(output, "-") == 0 || (per_doc && strcmp(per_doc, "-") == 0))) {
        tally_cli_usage_error(cmd, "--kwic - needs the summary and per-document records elsewhere: add -o FILE");
        goto out;
    }
    tally_outfile_spec outs[4] = {{output, "-o"}, {per_doc, "--per-doc"}, {kwic, "--kwic"}, {vocab, "--vocab"}};
    int cr = tally_outfile_check(cmd, outs, 4, inputs, n_inputs + n_dicts + n_lists);
    if (cr) {
        rc = cr;
        goto out;
    }
    /* a folder walk must not read the run's own outputs (their temporaries are hidden files) */
    for (size_t i = 0; i < 4; i++) {
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
            r = tally_dict_add_file_format(dict, args[i].value, dict_format, &err);
        else if (args[i].id == 'k')
            r = tally_dict_add_term(dict, args[i].value, &err);
        else
            continue;
        if (r) {
            fprintf(stderr, "tally: %s%s\n", err.message, dict_hint(err.message));
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
    if (kwic) {
        if (tally_outfile_open(&kw, kwic) != 0) {
            fprintf(stderr, "tally: cannot write '%s': %s\n", kwic, strerror(errno));
            goto out;
        }
        opt.kwic = kw.f;
        opt.kwic_max = (size_t)kwic_max;
        opt.kwic_window = (size_t)kwic_window;
    }
    if (vocab) {
        if (tally_outfile_open(&voc, vocab) != 0) {
            fprintf(stderr, "tally: cannot write '%s': %s\n", vocab, strerror(errno));
            goto out;
        }
        opt.vocab = voc.f;
        opt.vocab_name = strcmp(vocab, "-") == 0 ? "-" : vocab;
    }

    int r;
    if (state.dir) {
        state.quiet = quiet;
        state.report = stats;
        double t0 = now_seconds();
        r = tally_state_scan(&state, dict, inputs, n_inputs, &opt, &sum);
        tally_status_line_erase(&status);
        if (r) {
            rc = r;
            goto out;
        }
        tally_summary_set_run(sum, opt.threads ? opt.threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN),
                              now_seconds() - t0);
    } else {
        r = tally_scan_run(dict, inputs, n_inputs, &opt, &sum, &err);
    }
    tally_status_line_erase(&status);
    if (r != 0) {
        /* the engine refuses a malformed glob or kept fields without JSON input before reading
         * anything: a usage error, with the option to look at */
        if (r == TALLY_EINVAL) {
            fprintf(stderr, "tally: %s (%s)\n", err.message,
                    strstr(err.message, "glob") ? "-g, --glob" : strstr(err.message, "kept field") ? "--keep-field"
                    : strstr(err.message, "bucket specification") ? "--by"
                    : strstr(err.message, "epoch unit")           ? "--epoch"
                    : strstr(err.message, "UTC offset")           ? "--utc-offset"
                    : strstr(err.message, "temporary folder")     ? "--temp-dir"
                                                                  : "see tally scan --help");
            fprintf(stderr, "Try 'tally scan --help'.\n");
            rc = TALLY_EXIT_USAGE;
        } else if (r == TALLY_ELIMIT && strstr(err.message, "bucket keys")) {
            /* the engine states the fact; the option that moves the limit is the command line's */
            fprintf(stderr, "tally: %s; no output written (raise the limit with --max-buckets N, or bucket by "
                            "another field)\n", err.message);
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
    if (kwic) {
        int e = tally_outfile_commit(&kw);
        if (e) {
            fprintf(stderr, "tally: cannot write '%s': %s\n", kwic, strerror(e));
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
        tally_outfile_abort(&kw);
        tally_outfile_abort(&voc);
        tally_outfile_abort(&out);
    }
    tally_summary_free(sum);
    tally_dict_free(dict);
    for (size_t i = 0; exclude && i < n_exclude; i++)
        free(exclude[i]);
    free(exclude);
    path_list_free(&pl);
    free(fields);
    free(keep);
    free(globs);
    free(dicts);
    free(by);
    free(args);
    return rc;
}
