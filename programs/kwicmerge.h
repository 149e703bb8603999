/* kwicmerge.h — `tally merge --kwic`: merges the concordance files of parts (scan --kwic) into
 * the one a scan of all the parts' inputs writes. */
#ifndef TALLY_KWICMERGE_H
#define TALLY_KWICMERGE_H

#include <stddef.h>
#include <stdio.h>

#include "tally.h"

/* Reads the concordance files parts[0,n) (each as tally scan --kwic wrote it) and writes to out,
 * for each keyword (byte-wise), its first max lines (0: all) in input order: by input name
 * byte-wise, then in each file's own order, then by the order of the files. Lines are copied as
 * they are. Returns 0; 2 after printing why a file cannot be read or is not a concordance file
 * (naming the file and line); 1 when out cannot be written. */
int tally_kwic_merge(char *const *parts, size_t n, size_t max, FILE *out);

/* The same with the n parts opened by open_part (tally.h), one at a time in order. in_order says
 * each part holds inputs that all come after those of the parts before it (by name, byte-wise),
 * as the per-input parts of tally scan --state given in input order: then only the first max
 * lines of each keyword are ever held, whatever the number of parts. */
int tally_kwic_merge_parts(size_t n, tally_part_open_fn open_part, void *ctx, size_t max, int in_order, FILE *out);

#endif
