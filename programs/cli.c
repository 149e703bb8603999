/* cli.c — `tally SUBCOMMAND ...`: finds the subcommand and hands it the arguments; each
 * subcommand (scan.c, merge.c, export.c, compare.c, bench_cmd.c) parses its own options from its own table. Also `tally
 * --help`, `--version` and the hidden `tally __man`, which writes man/tally.1 from the tables. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "tally.h"

static const tally_cli_command *const commands[] = {&tally_scan_command, &tally_merge_command, &tally_export_command,
                                                    &tally_compare_command, &tally_bench_command};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const tally_cli_option top_options[] = {
    {'h', 'h', "help", NULL, "Options", "List the subcommands (also: tally help)."},
    {'V', 'V', "version", NULL, "Options", "Print the version (also: tally version)."},
};

static const tally_cli_command top = {
    .name = NULL,
    .synopsis = "SUBCOMMAND [OPTIONS] [INPUT...]",
    .summary = "count dictionary terms in large text archives",
    .description =
        "Count how often, in how many documents and at what rate per 10,000 words an archive uses\n"
        "each word, phrase or prefix of a dictionary, and each group of them. Inputs are JSON Lines,\n"
        "JSON arrays, plain text or one document per line, plain or compressed with zstd or gzip.\n"
        "\n"
        "Subcommands:\n"
        "  scan      count dictionary terms in files, folders or standard input\n"
        "  merge     add up summaries of parts of an archive\n"
        "  export    write a summary's tables as CSV or TSV\n"
        "  compare   compare two corpora: keyness of keywords, groups or word types\n"
        "  bench     measure this machine with tally's own workload\n"
        "  version   print the version\n"
        "  help      list the subcommands; tally help SUBCOMMAND shows one's options\n"
        "\n"
        "Run 'tally SUBCOMMAND --help' for the options of a subcommand.\n",
    .options = top_options,
    .n_options = sizeof top_options / sizeof top_options[0],
};

int tally_cli_parse_size(const char *s, size_t *out)
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

int tally_cli_read_summary(const char *path, tally_summary **out)
{
    tally_error err;
    if (tally_summary_read(path, out, &err) == 0)
        return 0;
    if (err.line)
        fprintf(stderr, "tally: %s:%llu: %s\n", path, (unsigned long long)err.line, err.message);
    else
        fprintf(stderr, "tally: %s: %s\n", path, err.message);
    return -1;
}

static const tally_cli_command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        tally_cli_usage_error(NULL, "no subcommand given: tally SUBCOMMAND [OPTIONS] [INPUT...], "
                                    "where SUBCOMMAND is scan, merge, export, compare, bench, version or help");
        return TALLY_EXIT_USAGE;
    }
    const char *name = argv[1];
    const tally_cli_command *cmd = find(name);
    if (cmd)
        return cmd->run(cmd, argc - 1, argv + 1);
    if (strcmp(name, "help") == 0) {
        if (argc > 2) {
            cmd = find(argv[2]);
            if (!cmd) {
                tally_cli_usage_error(NULL, "no subcommand '%s'", argv[2]);
                return TALLY_EXIT_USAGE;
            }
            tally_cli_help(cmd, stdout);
        } else {
            tally_cli_help(&top, stdout);
        }
        return TALLY_EXIT_DONE;
    }
    if (strcmp(name, "version") == 0) {
        printf("tally %s\n", TALLY_VERSION);
        return TALLY_EXIT_DONE;
    }
    if (strcmp(name, "__man") == 0) {
        tally_cli_man(&top, commands, N_COMMANDS, stdout);
        return TALLY_EXIT_DONE;
    }
    if (name[0] == '-' && name[1]) {
        /* tally's own options: -h, -V, and their misspellings */
        char *sub[] = {argv[0], argv[1], NULL};
        tally_cli_arg *args = NULL;
        size_t n = 0;
        int r = tally_cli_parse(&top, 2, sub, &args, &n);
        free(args);
        if (r)
            return r < 0 ? TALLY_EXIT_DONE : r;
    }
    const char *names[N_COMMANDS + 2];
    for (size_t i = 0; i < N_COMMANDS; i++)
        names[i] = commands[i]->name;
    names[N_COMMANDS] = "version";
    names[N_COMMANDS + 1] = "help";
    const char *near = tally_cli_nearest(name, strlen(name), names, N_COMMANDS + 2);
    if (near)
        tally_cli_usage_error(NULL, "unknown subcommand '%s'; did you mean %s?", name, near);
    else
        tally_cli_usage_error(NULL, "unknown subcommand '%s'", name);
    return TALLY_EXIT_USAGE;
}

int tally_cli_main(int argc, char **argv)
{
    int rc = dispatch(argc, argv);
    /* a full disk on standard output is an error, not success */
    if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
        if (rc == TALLY_EXIT_DONE || rc == TALLY_EXIT_PARTIAL) {
            fprintf(stderr, "tally: cannot write to standard output: %s\n", strerror(errno ? errno : EIO));
            rc = TALLY_EXIT_FATAL;
        }
    }
    return rc;
}
