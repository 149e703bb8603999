/* outfile.h — the files a subcommand writes: each is written to a temporary file beside its final
 * path (.NAME.XXXXXX, dot-prefixed so that folder walks skip it) and renamed into place only when
 * complete, so a failed or interrupted run never leaves a half-written file and never touches the
 * previous one. Also: the check that no output is one of the run's inputs, and the SIGINT/SIGTERM
 * handler that removes the temporaries. Every subcommand that writes files goes through here. */
#ifndef TALLY_OUTFILE_H
#define TALLY_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

#include "cliopt.h"

/* at most this many outputs are open at once */
#define TALLY_OUTFILE_MAX 8

typedef struct tally_outfile {
    const char *path; /* borrowed: the final path; NULL for standard output */
    char *tmp;        /* owned: the temporary's path, NULL when written in place */
    FILE *f;
    int slot;         /* index in the signal handler's list of temporaries, -1 for none */
} tally_outfile;

/* Opens an output. NULL or "-" is standard output; a path that exists and is not a regular file
 * (a FIFO, /dev/null) is written in place; anything else goes to a temporary beside path.
 * Returns 0, or -1 with errno set (nothing is left behind). */
int tally_outfile_open(tally_outfile *o, const char *path);

/* Flushes, syncs, closes and renames the temporary over the final path. Returns 0 or an errno
 * value; on failure the temporary is removed. */
int tally_outfile_commit(tally_outfile *o);

/* The same, with sync = 0: without waiting for the data to reach the disk. For files whose
 * content carries its own digest (the state folder's parts): a process killed at any moment
 * leaves them whole, and one cut short by a power loss is detected and made again. */
int tally_outfile_commit_sync(tally_outfile *o, int sync);

/* Discards an output being written; safe on a zeroed or already finished tally_outfile. */
void tally_outfile_abort(tally_outfile *o);

/* SIGINT and SIGTERM: the handler removes every open temporary, erases the status line when one
 * is drawn, prints "tally: interrupted, no output written" and exits with 128 + the signal. */
void tally_outfile_catch_signals(void);

/* Tells the signal handler whether a status line is on standard error (it erases it first). */
void tally_outfile_status_line(int drawn);

/* One output named on the command line, for tally_outfile_check. */
typedef struct tally_outfile_spec {
    const char *path;   /* as given; "-" (standard output) is never checked */
    const char *option; /* "-o", "--per-doc": named in messages */
} tally_outfile_spec;

/* Refuses, before anything is read, outputs that are the same file as an input named on the
 * command line (same device and inode, or, when a file does not exist yet, the same canonical
 * path: the real path of its folder and its name), symbolic and hard links included, and two
 * outputs that are one file. Character devices (/dev/null) never conflict. Returns 0, or prints
 * a usage error naming both files and returns TALLY_EXIT_USAGE. */
int tally_outfile_check(const tally_cli_command *cmd, const tally_outfile_spec *outs, size_t n_outs,
                        const char *const *inputs, size_t n_inputs);

/* Returns a new string: the canonical path of path (realpath of its folder + "/" + its name),
 * or NULL when its folder cannot be resolved. */
char *tally_outfile_canonical(const char *path);

#endif
