/* compare.h — what `tally compare` (compare.c) hands its writers: the two sides compared and
 * one row per item with its counts and scores. One writer per output format: compare_text.c
 * (the aligned table for a terminal), compare_json.c (JSON), compare_delim.c (CSV and TSV, on
 * table.c). */
#ifndef TALLY_COMPARE_H
#define TALLY_COMPARE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tally.h"

/* One side of the comparison: a summary's corpus today, a bucket of one later. Its items are
 * (kind, name, count); the side owns neither the names nor its label. */
typedef struct tally_compare_item {
    const char *kind; /* "keyword", "group", "type": static strings */
    const char *name; /* borrowed from the summary or the vocabulary file's arena */
    uint64_t count;
    uint64_t line;    /* where it was read (a vocabulary file's line), 0 for a summary */
} tally_compare_item;

typedef struct tally_compare_side {
    const char *label;  /* the summary file as named (later: "FILE bucket KEY") */
    const char *source; /* the file the items came from (the vocabulary file, or label) */
    uint64_t tokens;    /* N: the corpus's (or bucket's) tokens */
    tally_compare_item *items;
    size_t n_items, cap;
} tally_compare_side;

typedef struct tally_compare_row {
    const char *kind, *name;
    uint64_t a, b;
    double per_10k_a, per_10k_b;
    tally_keyness k;
} tally_compare_row;

typedef struct tally_compare_result {
    const tally_compare_side *first, *second;
    const char *mode;      /* "summary" or "vocabulary" */
    double confidence;
    int bonferroni;
    size_t compared;       /* items compared (after --min-count): Bonferroni's m */
    const char *sort;      /* the --sort key */
    const tally_compare_row *rows; /* sorted, --top applied */
    size_t n_rows;
} tally_compare_result;

void tally_compare_write_text(const tally_compare_result *r, FILE *f);
void tally_compare_write_json(const tally_compare_result *r, FILE *f);
/* format: TALLY_TABLE_CSV or TALLY_TABLE_TSV (table.h); crlf and bom as for tally export */
void tally_compare_write_delim(const tally_compare_result *r, FILE *f, int format, int crlf, int bom);

/* The significance mark of a G² (its absolute value against 3.84, 6.63, 10.83, 15.13: "*" to
 * "****" for p < .05, .01, .001, .0001 at one degree of freedom), "" below. */
const char *tally_compare_mark(double g2);

#endif
