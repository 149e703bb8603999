/* cli.c — the `tally` command line: parses options, builds the dictionary, runs the scan through
 * the engine (include/tally.h) and writes the outputs atomically. No counting happens here. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "tally.h"

enum {
    EXIT_DONE = 0,
    EXIT_FATAL = 1,
    EXIT_USAGE = 2,
    EXIT_PARTIAL = 3,
};

/* Temporary output files, for the signal handler: it removes them and exits at once, so an
 * interrupted run leaves nothing behind and never touches the previous outputs. Set with
 * signals blocked; cleared before a temporary is renamed or removed. */
static char tmp_paths[2][PATH_MAX];

static void on_signal(int sig)
{
    /* unlink and _exit are async-signal-safe */
    for (int i = 0; i < 2; i++)
        if (tmp_paths[i][0])
            unlink(tmp_paths[i]);
    _exit(128 + sig);
}

static void remember_tmp(int slot, const char *path)
{
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    if (path)
        snprintf(tmp_paths[slot], sizeof tmp_paths[slot], "%s", path);
    else
        tmp_paths[slot][0] = '\0';
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static const char *progname = "tally";

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", progname);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'tally scan --help'.\n");
    va_end(ap);
}

static void print_help(FILE *f)
{
    fputs(
        "Usage: tally scan [OPTIONS] INPUT...\n"
        "       tally bench [OPTIONS]   (measure this machine; see tally bench --help)\n"
        "Count dictionary terms in text archives: JSON Lines, plain text or one document per line,\n"
        "plain or compressed with zstd or gzip (detected from the content).\n"
        "INPUT is a file, a folder (walked recursively, sorted, hidden entries skipped) or - for\n"
        "standard input.\n"
        "\n"
        "Terms:\n"
        "  -d, --dict FILE          dictionary file (repeatable): one term per line, '# comment',\n"
        "                           '[group]' headers, 'word*' for a prefix, phrases of several words\n"
        "  -k, --keyword TERM       a term on the command line (repeatable, ungrouped)\n"
        "      --case-sensitive     compare with case (default: Unicode case folding)\n"
        "      --tokenizer KIND     unicode (UAX #29 words, default) or whitespace\n"
        "\n"
        "Input:\n"
        "      --format FMT         auto (default: .jsonl/.ndjson are JSON Lines, else text), jsonl,\n"
        "                           text (a file is one document) or lines (a line is one document)\n"
        "      --text-field NAME    JSON field holding text (repeatable, default text); a dotted\n"
        "                           path reaches into objects: article.body\n"
        "      --id-field NAME      JSON field holding the document id (default id)\n"
        "      --max-line-bytes N   longest JSON line kept (default 256M); longer ones are skipped\n"
        "      --zstd-window-log-max N  accept zstd frames with windows up to 2^N bytes (default 27,\n"
        "                           at most 31; memory grows with it)\n"
        "\n"
        "Output:\n"
        "  -o, --output FILE        summary JSON (default standard output), replaced atomically\n"
        "      --per-doc FILE       one JSON object per document, in input order\n"
        "  -q, --quiet              no report on standard error\n"
        "      --stats              print totals, speed and peak memory on standard error\n"
        "\n"
        "Running:\n"
        "  -j, --threads N          worker threads (default: online CPUs)\n"
        "      --batch-bytes N      target batch size (default 1M; K, M, G suffixes)\n"
        "  -h, --help               this help\n"
        "      --version            version\n"
        "\n"
        "Exit status: 0 all read; 1 fatal error (no output written); 2 usage error;\n"
        "3 finished, but some inputs or documents were skipped (listed in the summary).\n"
        "\n"
        "Example:\n"
        "  tally scan -d policy.dict -o summary.json --per-doc docs.jsonl archive/\n"
        "  zstdcat news.jsonl.zst | tally scan -k global -k 'joint build*' -\n",
        f);
}

/* Parses a size with an optional K/M/G suffix (powers of 1024). */
static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-')
        return -1;
    unsigned long long mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1024ull, end++;
    else if (*end == 'M' || *end == 'm')
        mul = 1024ull * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mul = 1024ull * 1024 * 1024, end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end || v == 0 || v > SIZE_MAX / mul)
        return -1;
    *out = (size_t)(v * mul);
    return 0;
}

/* An output file written next to its final path and renamed into place when complete. */
typedef struct outfile {
    const char *path; /* final path, NULL for standard output */
    char *tmp;
    FILE *f;
    int slot;         /* index in tmp_paths */
} outfile;

static int out_open(outfile *o, const char *path, int slot)
{
    o->slot = slot;
    o->path = path;
    o->tmp = NULL;
    if (!path || strcmp(path, "-") == 0) {
        o->path = NULL;
        o->f = stdout;
        return 0;
    }
    /* a device, FIFO or the like is written in place: renaming over /dev/null would replace it */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        o->f = fopen(path, "w");
        return o->f ? 0 : -1;
    }
    size_t n = strlen(path) + 16;
    o->tmp = malloc(n);
    if (!o->tmp)
        return -1;
    /* the temporary lives in the same folder, so rename() is atomic; dot-prefixed and marked */
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
    snprintf(o->tmp, n, "%.*s.%s.XXXXXX", (int)dl, path, path + dl);
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    int fd = mkstemp(o->tmp);
    if (fd >= 0)
        snprintf(tmp_paths[slot], sizeof tmp_paths[slot], "%s", o->tmp);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        errno = e;
        return -1;
    }
    /* keep the permissions an ordinary new file would get */
    mode_t um = umask(0);
    umask(um);
    fchmod(fd, 0666 & ~um);
    o->f = fdopen(fd, "w");
    if (!o->f) {
        int e = errno;
        close(fd);
        remember_tmp(o->slot, NULL);
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        errno = e;
        return -1;
    }
    return 0;
}

/* Discards a file being written (no partial output is ever left behind). */
static void out_abort(outfile *o)
{
    if (!o->tmp && o->f && o->f != stdout) {
        fclose(o->f);
        o->f = NULL;
    }
    if (o->tmp) {
        if (o->f)
            fclose(o->f);
        remember_tmp(o->slot, NULL);
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
    o->f = NULL;
}

/* Completes a file: flush, sync, close, rename over the final path. Returns 0 or errno. */
static int out_commit(outfile *o)
{
    int e = 0;
    if (!o->tmp) {
        if (fflush(o->f) != 0 || ferror(o->f))
            e = errno ? errno : EIO;
        if (o->f != stdout && fclose(o->f) != 0 && !e)
            e = errno ? errno : EIO;
        o->f = NULL;
        return e;
    }
    if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0)
        e = errno ? errno : EIO;
    if (fclose(o->f) != 0 && !e)
        e = errno ? errno : EIO;
    o->f = NULL;
    if (!e) {
        remember_tmp(o->slot, NULL);
        if (rename(o->tmp, o->path) != 0)
            e = errno;
    }
    if (e) {
        remember_tmp(o->slot, NULL);
        unlink(o->tmp);
    }
    free(o->tmp);
    o->tmp = NULL;
    return e;
}

static void report_errors(const tally_summary *sum, int quiet);
static void report_stats(const tally_summary *sum);

static int cmd_scan(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dict", required_argument, NULL, 'd'},
        {"keyword", required_argument, NULL, 'k'},
        {"format", required_argument, NULL, 'F'},
        {"text-field", required_argument, NULL, 'T'},
        {"id-field", required_argument, NULL, 'I'},
        {"output", required_argument, NULL, 'o'},
        {"per-doc", required_argument, NULL, 'P'},
        {"threads", required_argument, NULL, 'j'},
        {"batch-bytes", required_argument, NULL, 'B'},
        {"max-line-bytes", required_argument, NULL, 'L'},
        {"zstd-window-log-max", required_argument, NULL, 'W'},
        {"case-sensitive", no_argument, NULL, 'C'},
        {"tokenizer", required_argument, NULL, 'K'},
        {"quiet", no_argument, NULL, 'q'},
        {"stats", no_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int rc = EXIT_FATAL;
    const char **dicts = calloc((size_t)argc, sizeof *dicts);
    const char **terms = calloc((size_t)argc, sizeof *terms);
    /* dictionary sources in command-line order: 'd' or 'k' */
    char *kinds = calloc((size_t)argc, 1);
    const char **fields = calloc((size_t)argc, sizeof *fields);
    size_t n_src = 0, n_fields = 0;
    const char *output = NULL, *per_doc = NULL;
    int case_sensitive = 0, quiet = 0, stats = 0, tokenizer = TALLY_TOKENIZER_UNICODE;
    tally_scan_options opt;
    tally_scan_options_init(&opt);
    tally_dict *dict = NULL;
    tally_summary *sum = NULL;
    outfile out = {0}, docs = {0};
    if (!dicts || !terms || !kinds || !fields) {
        fprintf(stderr, "%s: out of memory\n", progname);
        goto out;
    }

    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "+d:k:o:j:qh", longopts, NULL)) != -1) {
        size_t v;
        switch (c) {
        case 'd':
            kinds[n_src] = 'd';
            dicts[n_src++] = optarg;
            break;
        case 'k':
            kinds[n_src] = 'k';
            terms[n_src++] = optarg;
            break;
        case 'F':
            if (strcmp(optarg, "auto") == 0)
                opt.format = TALLY_FORMAT_AUTO;
            else if (strcmp(optarg, "jsonl") == 0)
                opt.format = TALLY_FORMAT_JSONL;
            else if (strcmp(optarg, "text") == 0)
                opt.format = TALLY_FORMAT_TEXT;
            else if (strcmp(optarg, "lines") == 0)
                opt.format = TALLY_FORMAT_LINES;
            else {
                usage_error("--format: expected auto, jsonl, text or lines, not '%s'", optarg);
                rc = EXIT_USAGE;
                goto out;
            }
            break;
        case 'T':
            if (!optarg[0]) {
                usage_error("--text-field: empty field name");
                rc = EXIT_USAGE;
                goto out;
            }
            fields[n_fields++] = optarg;
            break;
        case 'I':
            opt.id_field = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'P':
            per_doc = optarg;
            break;
        case 'j': {
            char *end;
            errno = 0;
            long n = strtol(optarg, &end, 10);
            if (errno || *end || n < 1 || n > 1024) {
                usage_error("--threads: expected a number from 1 to 1024, not '%s'", optarg);
                rc = EXIT_USAGE;
                goto out;
            }
            opt.threads = (unsigned)n;
            break;
        }
        case 'B':
            if (parse_size(optarg, &v) != 0) {
                usage_error("--batch-bytes: expected a positive size such as 4096 or 1M, not '%s'", optarg);
                rc = EXIT_USAGE;
                goto out;
            }
            opt.batch_bytes = v;
            break;
        case 'L':
            if (parse_size(optarg, &v) != 0) {
                usage_error("--max-line-bytes: expected a positive size such as 64M, not '%s'", optarg);
                rc = EXIT_USAGE;
                goto out;
            }
            opt.max_line_bytes = v;
            break;
        case 'W': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 10 || n > 31) {
                usage_error("--zstd-window-log-max: expected a number from 10 to 31, not '%s'", optarg);
                rc = EXIT_USAGE;
                goto out;
            }
            opt.zstd_window_log_max = (int)n;
            break;
        }
        case 'C':
            case_sensitive = 1;
            break;
        case 'K':
            if (strcmp(optarg, "unicode") == 0)
                tokenizer = TALLY_TOKENIZER_UNICODE;
            else if (strcmp(optarg, "whitespace") == 0)
                tokenizer = TALLY_TOKENIZER_WHITESPACE;
            else {
                usage_error("--tokenizer: expected unicode or whitespace, not '%s'", optarg);
                rc = EXIT_USAGE;
                goto out;
            }
            break;
        case 'q':
            quiet = 1;
            break;
        case 'S':
            stats = 1;
            break;
        case 'h':
            print_help(stdout);
            rc = fflush(stdout) == 0 ? EXIT_DONE : EXIT_FATAL;
            goto out;
        case 'V':
            printf("tally %s\n", TALLY_VERSION);
            rc = EXIT_DONE;
            goto out;
        default:
            fprintf(stderr, "Try 'tally scan --help'.\n");
            rc = EXIT_USAGE;
            goto out;
        }
    }
    if (optind >= argc) {
        usage_error("no INPUT given (use - for standard input)");
        rc = EXIT_USAGE;
        goto out;
    }
    if (n_src == 0) {
        usage_error("no terms: give a dictionary (-d FILE) or a keyword (-k TERM)");
        rc = EXIT_USAGE;
        goto out;
    }
    if (per_doc && strcmp(per_doc, "-") == 0 && (!output || strcmp(output, "-") == 0)) {
        usage_error("--per-doc - needs the summary elsewhere: add -o FILE");
        rc = EXIT_USAGE;
        goto out;
    }
    struct stat ost;
    if (output && per_doc && strcmp(output, per_doc) == 0 && strcmp(output, "-") != 0 &&
        !(stat(output, &ost) == 0 && !S_ISREG(ost.st_mode))) {
        usage_error("--output and --per-doc name the same file '%s'", output);
        rc = EXIT_USAGE;
        goto out;
    }

    dict = tally_dict_new(tokenizer, case_sensitive);
    tally_error err = {0};
    for (size_t i = 0; i < n_src; i++) {
        int r = kinds[i] == 'd' ? tally_dict_add_file(dict, dicts[i], &err)
                                : tally_dict_add_term(dict, terms[i], &err);
        if (r) {
            fprintf(stderr, "%s: %s\n", progname, err.message);
            rc = EXIT_USAGE;
            goto out;
        }
    }
    if (tally_dict_compile(dict, &err) != 0) {
        fprintf(stderr, "%s: %s\n", progname, err.message);
        rc = EXIT_USAGE;
        goto out;
    }
    opt.text_fields = n_fields ? fields : NULL;
    opt.n_text_fields = n_fields;

    if (out_open(&out, output, 0) != 0) {
        fprintf(stderr, "%s: cannot write '%s': %s\n", progname, output, strerror(errno));
        goto out;
    }
    if (per_doc) {
        if (out_open(&docs, per_doc, 1) != 0) {
            fprintf(stderr, "%s: cannot write '%s': %s\n", progname, per_doc, strerror(errno));
            goto out;
        }
        opt.per_doc = docs.f;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int r = tally_scan_run(dict, (const char *const *)argv + optind, (size_t)(argc - optind), &opt, &sum, &err);
    if (r != 0) {
        fprintf(stderr, "%s: %s\n", progname, err.message);
        goto out;
    }
    if (tally_summary_write(sum, out.f) != 0) {
        fprintf(stderr, "%s: cannot write the summary%s%s: %s\n", progname, output ? " to " : "",
                output ? output : "", strerror(errno ? errno : EIO));
        goto out;
    }
    if (per_doc) {
        int e = out_commit(&docs);
        if (e) {
            fprintf(stderr, "%s: cannot write '%s': %s\n", progname, per_doc, strerror(e));
            goto out;
        }
    }
    int e = out_commit(&out);
    if (e) {
        fprintf(stderr, "%s: cannot write the summary%s%s: %s\n", progname, output ? " to " : "",
                output ? output : "", strerror(e));
        goto out;
    }
    report_errors(sum, quiet);
    if (stats)
        report_stats(sum);
    rc = tally_summary_status(sum) ? EXIT_PARTIAL : EXIT_DONE;

out:
    if (rc != EXIT_DONE && rc != EXIT_PARTIAL) {
        out_abort(&docs);
        out_abort(&out);
    }
    tally_summary_free(sum);
    tally_dict_free(dict);
    free(dicts);
    free(terms);
    free(kinds);
    free(fields);
    return rc;
}

static void report_errors(const tally_summary *s, int quiet)
{
    if (quiet)
        return;
    tally_totals t;
    tally_summary_totals(s, &t);
    size_t n = tally_summary_error_count(s);
    size_t shown = n < 10 ? n : 10;
    for (size_t i = 0; i < shown; i++) {
        const char *in, *msg;
        uint64_t line;
        tally_summary_error(s, i, &in, &line, &msg);
        if (line)
            fprintf(stderr, "%s: %s:%llu: %s\n", progname, in, (unsigned long long)line, msg);
        else if (in[0])
            fprintf(stderr, "%s: %s: %s\n", progname, in, msg);
        else
            fprintf(stderr, "%s: %s\n", progname, msg);
    }
    if (n + t.errors_omitted > shown)
        fprintf(stderr, "%s: ... and %llu more problems (listed in the summary)\n", progname,
                (unsigned long long)(n + t.errors_omitted - shown));
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "%s: %llu documents, %llu tokens, %llu inputs (%llu failed), %llu skipped documents, %.2f s\n",
                progname, (unsigned long long)t.documents, (unsigned long long)t.tokens,
                (unsigned long long)t.inputs, (unsigned long long)t.failed_inputs,
                (unsigned long long)t.skipped_documents, t.seconds);
}

/* One line for benchmarks and tests: totals, speed and the peak resident memory. */
static void report_stats(const tally_summary *s)
{
    tally_totals t;
    tally_summary_totals(s, &t);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr, "%s: stats: documents=%llu tokens=%llu bytes=%llu seconds=%.3f mb_per_s=%.1f peak_rss_kib=%ld\n",
            progname, (unsigned long long)t.documents, (unsigned long long)t.tokens,
            (unsigned long long)t.bytes, t.seconds, t.seconds > 0 ? (double)t.bytes / t.seconds / 1e6 : 0.0,
            ru.ru_maxrss);
}

static void print_bench_help(FILE *f)
{
    fputs("Usage: tally bench [OPTIONS]\n"
          "Measure this machine with tally's own workload: a seeded news-like corpus generated in\n"
          "memory (the same bytes everywhere), scanned at each thread count.\n"
          "\n"
          "  --size N         corpus size (default 256M; K, M, G suffixes)\n"
          "  -j, --threads L  comma-separated thread counts (default 1,2,4,... up to the online CPUs)\n"
          "  --stage S        tokenize, match, jsonl, zstd, all (the whole pipeline; default) or every\n"
          "  --runs N         runs per measurement, the median is shown (default 3)\n"
          "  --json           machine-readable output\n"
          "  -h, --help       this help\n"
          "\n"
          "Example:\n"
          "  tally bench --size 1G --threads 1,2,4,8 --stage all\n",
          f);
}

static int cmd_bench(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"size", required_argument, NULL, 's'},     {"threads", required_argument, NULL, 'j'},
        {"stage", required_argument, NULL, 'S'},    {"runs", required_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'J'},           {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned threads[64];
    tally_bench_options o = {(size_t)256 << 20, threads, 0, TALLY_BENCH_ALL, 3, 0};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "+j:h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (parse_size(optarg, &o.bytes) != 0) {
                usage_error("--size: expected a size such as 256M or 1G, not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'j': {
            o.n_threads = 0;
            char *p = optarg;
            for (;;) {
                char *end;
                long n = strtol(p, &end, 10);
                if (end == p || n < 1 || n > 1024 || o.n_threads == 64 || (*end && *end != ',')) {
                    usage_error("--threads: expected a list such as 1,2,4, not '%s'", optarg);
                    return EXIT_USAGE;
                }
                threads[o.n_threads++] = (unsigned)n;
                if (!*end)
                    break;
                p = end + 1;
            }
            break;
        }
        case 'S':
            o.stage = strcmp(optarg, "every") == 0 ? TALLY_BENCH_EVERY : tally_bench_stage_parse(optarg);
            if (o.stage < 0) {
                usage_error("--stage: expected tokenize, match, jsonl, zstd, all or every, not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'r': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 31) {
                usage_error("--runs: expected a number from 1 to 31, not '%s'", optarg);
                return EXIT_USAGE;
            }
            o.runs = (unsigned)n;
            break;
        }
        case 'J':
            o.json = 1;
            break;
        case 'h':
            print_bench_help(stdout);
            return EXIT_DONE;
        default:
            fprintf(stderr, "Try 'tally bench --help'.\n");
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        usage_error("bench takes no INPUT: it generates its own corpus");
        return EXIT_USAGE;
    }
    if (o.n_threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        for (unsigned t = 1; o.n_threads < 64; t *= 2) {
            threads[o.n_threads++] = t;
            if ((long)t >= cpus)
                break;
        }
    }
    tally_error err = {0};
    if (tally_bench_run(&o, stdout, &err) != 0) {
        fprintf(stderr, "%s: bench: %s\n", progname, err.message);
        return EXIT_FATAL;
    }
    return EXIT_DONE;
}

int tally_cli_main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "Usage: tally scan [OPTIONS] INPUT...\nTry 'tally scan --help'.\n");
        return EXIT_USAGE;
    }
    int rc;
    if (strcmp(argv[1], "scan") == 0) {
        rc = cmd_scan(argc - 1, argv + 1);
    } else if (strcmp(argv[1], "bench") == 0) {
        rc = cmd_bench(argc - 1, argv + 1);
    } else if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        print_help(stdout);
        rc = EXIT_DONE;
    } else if (strcmp(argv[1], "--version") == 0) {
        printf("tally %s\n", TALLY_VERSION);
        rc = EXIT_DONE;
    } else {
        fprintf(stderr, "%s: unknown command '%s'\nTry 'tally scan --help'.\n", progname, argv[1]);
        return EXIT_USAGE;
    }
    /* a full disk on standard output is an error, not success */
    if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
        if (rc == EXIT_DONE || rc == EXIT_PARTIAL) {
            fprintf(stderr, "%s: cannot write to standard output: %s\n", progname, strerror(errno ? errno : EIO));
            rc = EXIT_FATAL;
        }
    }
    return rc;
}
