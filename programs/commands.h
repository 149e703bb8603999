/* commands.h — the subcommands of `tally`, each defined in its own file with its option table;
 * cli.c dispatches to them. */
#ifndef TALLY_COMMANDS_H
#define TALLY_COMMANDS_H

#include "cliopt.h"

extern const tally_cli_command tally_scan_command;  /* scan.c */
extern const tally_cli_command tally_bench_command; /* bench_cmd.c */
extern const tally_cli_command tally_merge_command; /* merge.c */
extern const tally_cli_command tally_export_command; /* export.c */
extern const tally_cli_command tally_compare_command; /* compare.c */

/* Parses a size with an optional K/M/G suffix (powers of 1024, an optional B after it); returns
 * 0, or -1 for anything else, zero included. */
int tally_cli_parse_size(const char *s, size_t *out);

struct tally_summary;
/* Reads the summary at path for merge and export; on failure prints "tally: PATH[:LINE]: reason"
 * and returns -1 (*out NULL). */
int tally_cli_read_summary(const char *path, struct tally_summary **out);

#endif
