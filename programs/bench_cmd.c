/* bench_cmd.c — `tally bench`: its option table and the parsing in front of tally_bench_run
 * (bench.c does the measuring). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "commands.h"

enum {
    O_SIZE = TALLY_CLI_LONG,
    O_STAGE,
    O_RUNS,
    O_JSON,
};

#define MAX_LIST 64
#define MAX_THREADS 1024

static const tally_cli_option options[] = {
    {O_SIZE, 0, "size", "N", "Options", "Corpus size (default 256M; K, M, G suffixes)."},
    {'j', 'j', "threads", "LIST", "Options",
     "Comma-separated thread counts, each from 1 to 1024 (default 1,2,4,... up to the online CPUs)."},
    {O_STAGE, 0, "stage", "S", "Options",
     "tokenize, match, jsonl, zstd, all (the whole pipeline; the default) or every."},
    {O_RUNS, 0, "runs", "N", "Options", "Runs per measurement, 1 to 31; the median is shown (default 3)."},
    {O_JSON, 0, "json", NULL, "Options", "Machine-readable output."},
    {'h', 'h', "help", NULL, "Options", "This help."},
    {'V', 'V', "version", NULL, "Options", "Print the version."},
};

static const tally_cli_status statuses[] = {
    {"0", "The measurements ran."},
    {"1", "A measurement failed."},
    {"2", "Usage error."},
};

static const char *const examples[] = {
    "tally bench --size 1G --threads 1,2,4,8 --stage all",
};

static int run(const tally_cli_command *cmd, int argc, char **argv);

const tally_cli_command tally_bench_command = {
    .name = "bench",
    .synopsis = "[OPTIONS]",
    .summary = "measure this machine with tally's own workload",
    .description = "Measure this machine with tally's own workload: a seeded news-like corpus generated in\n"
                   "memory (the same bytes everywhere), scanned at each thread count.\n",
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .statuses = statuses,
    .n_statuses = sizeof statuses / sizeof statuses[0],
    .examples = examples,
    .n_examples = sizeof examples / sizeof examples[0],
    .run = run,
};

static int run(const tally_cli_command *cmd, int argc, char **argv)
{
    tally_cli_arg *args = NULL;
    size_t n_args = 0;
    int pr = tally_cli_parse(cmd, argc, argv, &args, &n_args);
    if (pr)
        return pr < 0 ? TALLY_EXIT_DONE : pr;
    int rc = TALLY_EXIT_USAGE;
    unsigned threads[MAX_LIST];
    tally_bench_options o = {(size_t)256 << 20, threads, 0, TALLY_BENCH_ALL, 3, 0};
    for (size_t i = 0; i < n_args; i++) {
        const char *v = args[i].value;
        char *end;
        long n;
        switch (args[i].id) {
        case TALLY_CLI_INPUT:
            tally_cli_usage_error(cmd, "bench takes no INPUT ('%s'): it generates its own corpus", v);
            goto out;
        case O_SIZE:
            if (tally_cli_parse_size(v, &o.bytes) != 0) {
                tally_cli_usage_error(cmd, "--size: expected a size such as 256M or 1G, not '%s'", v);
                goto out;
            }
            break;
        case 'j': {
            o.n_threads = 0;
            const char *p = v;
            for (;;) {
                n = strtol(p, &end, 10);
                if (end == p || n < 1 || n > MAX_THREADS || o.n_threads == MAX_LIST || (*end && *end != ',')) {
                    tally_cli_usage_error(cmd, "--threads: expected a list of at most %d numbers from 1 to %d "
                                          "such as 1,2,4, not '%s'", MAX_LIST, MAX_THREADS, v);
                    goto out;
                }
                threads[o.n_threads++] = (unsigned)n;
                if (!*end)
                    break;
                p = end + 1;
            }
            break;
        }
        case O_STAGE:
            o.stage = strcmp(v, "every") == 0 ? TALLY_BENCH_EVERY : tally_bench_stage_parse(v);
            if (o.stage < 0) {
                tally_cli_usage_error(cmd, "--stage: expected tokenize, match, jsonl, zstd, all or every, not '%s'", v);
                goto out;
            }
            break;
        case O_RUNS:
            n = strtol(v, &end, 10);
            if (end == v || *end || n < 1 || n > 31) {
                tally_cli_usage_error(cmd, "--runs: expected a number from 1 to 31, not '%s'", v);
                goto out;
            }
            o.runs = (unsigned)n;
            break;
        case O_JSON:
            o.json = 1;
            break;
        }
    }
    if (o.n_threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        for (unsigned t = 1; o.n_threads < MAX_LIST; t *= 2) {
            threads[o.n_threads++] = t;
            if ((long)t >= cpus)
                break;
        }
    }
    tally_error err;
    memset(&err, 0, sizeof err);
    if (tally_bench_run(&o, stdout, &err) != 0) {
        fprintf(stderr, "tally: bench: %s\n", err.message);
        rc = TALLY_EXIT_FATAL;
        goto out;
    }
    rc = TALLY_EXIT_DONE;
out:
    free(args);
    return rc;
}
