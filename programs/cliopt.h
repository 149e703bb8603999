/* cliopt.h — one definition per option, for every subcommand of the command line.
 *
 * Each subcommand describes itself once, in a tally_cli_command: its options (long name, short
 * name, argument name, help text, help section), its exit statuses and examples. From that one
 * table come the getopt_long tables, `tally SUBCOMMAND --help` and the man page (man/tally.1),
 * so the three cannot drift apart. The parser accepts options anywhere among the inputs, whatever
 * POSIXLY_CORRECT says; `--` ends the options and `-` alone is an input (standard input). */
#ifndef TALLY_CLIOPT_H
#define TALLY_CLIOPT_H

#include <stddef.h>
#include <stdio.h>

/* Exit statuses shared by every subcommand. */
enum {
    TALLY_EXIT_DONE = 0,
    TALLY_EXIT_FATAL = 1,
    TALLY_EXIT_USAGE = 2,
    TALLY_EXIT_PARTIAL = 3,
};

/* ids of options without a short name start here, above every character */
#define TALLY_CLI_LONG 256
/* the id of a non-option argument (an input), as getopt_long returns it in '-' mode */
#define TALLY_CLI_INPUT 1

typedef struct tally_cli_option {
    int id;               /* what the parser hands back: the short letter, or TALLY_CLI_LONG + n */
    char short_name;      /* 0 when there is none */
    const char *long_name;
    const char *arg;      /* argument name shown in help (FILE, N); NULL for a flag */
    const char *section;  /* heading the option is listed under */
    const char *help;     /* plain text, one paragraph; the help and man writers wrap it */
} tally_cli_option;

typedef struct tally_cli_status {
    const char *code;     /* "0", or "130, 143" */
    const char *meaning;
} tally_cli_status;

typedef struct tally_cli_command tally_cli_command;

struct tally_cli_command {
    const char *name;         /* "scan" */
    const char *synopsis;     /* after "tally NAME ": "[OPTIONS] INPUT..." */
    const char *summary;      /* one line for `tally --help` and the man page's NAME */
    const char *description;  /* paragraphs separated by blank lines, lines already short */
    const tally_cli_option *options;
    size_t n_options;
    const tally_cli_status *statuses;
    size_t n_statuses;
    const char *const *examples; /* command lines */
    size_t n_examples;
    int (*run)(const tally_cli_command *cmd, int argc, char **argv);
};

/* One parsed argument: an option (id from the table, value its argument or NULL) or an input
 * (id TALLY_CLI_INPUT, value the argument). */
typedef struct tally_cli_arg {
    int id;
    const char *value;
} tally_cli_arg;

/* Parses argv[1, argc) (argv[0] is the subcommand's name) against cmd's table. Options and inputs
 * may come in any order; after "--" every argument is an input. Returns 0 with a new array in *out
 * (free() it) of *n_out arguments in command-line order. Option 'h' prints the help to standard
 * output and 'V' the version: both return -1 (the caller exits 0, or 1 when standard output
 * fails). A usage error prints its message (unknown options get the nearest name, ambiguous
 * abbreviations their candidates) and returns TALLY_EXIT_USAGE. */
int tally_cli_parse(const tally_cli_command *cmd, int argc, char **argv, tally_cli_arg **out,
                    size_t *n_out);

/* Prints "tally: MESSAGE" and "Try 'tally NAME --help'." to standard error. */
void tally_cli_usage_error(const tally_cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The option's spelling for messages: "--dict" (never NULL). */
const char *tally_cli_option_name(const tally_cli_command *cmd, int id);

/* Writes `tally NAME --help` to f. */
void tally_cli_help(const tally_cli_command *cmd, FILE *f);

/* Writes the man page (roff): top is `tally` itself (its summary, description and options), then
 * one section per listed subcommand. */
void tally_cli_man(const tally_cli_command *top, const tally_cli_command *const *cmds, size_t n,
                   FILE *f);

/* Levenshtein distance between a and b (small strings: option and command names). */
size_t tally_cli_edit_distance(const char *a, size_t na, const char *b, size_t nb);

/* The candidate nearest to word when it is near enough to be a likely misspelling, else NULL. */
const char *tally_cli_nearest(const char *word, size_t len, const char *const *cands, size_t n);

#endif
