/* bench.h — `tally bench`: measures the pipeline's stages on a generated corpus (bench.c). */
#ifndef TALLY_BENCH_H
#define TALLY_BENCH_H

#include <stddef.h>
#include <stdio.h>

#include "tally.h"

enum {
    TALLY_BENCH_TOKENIZE = 0,
    TALLY_BENCH_MATCH = 1,
    TALLY_BENCH_JSONL = 2,
    TALLY_BENCH_ZSTD = 3,
    TALLY_BENCH_ALL = 4,  /* the whole scan pipeline */
    TALLY_BENCH_EVERY = 5 /* every stage above, one after another */
};

typedef struct tally_bench_options {
    size_t bytes;            /* size of the generated JSON Lines corpus */
    const unsigned *threads; /* thread counts to measure, in order */
    size_t n_threads;
    int stage;               /* TALLY_BENCH_* */
    unsigned runs;           /* runs per measurement; the median is reported */
    int json;                /* machine-readable output */
} tally_bench_options;

/* Returns the TALLY_BENCH_* value named s ("tokenize", "match", "jsonl", "zstd", "all"), or -1. */
int tally_bench_stage_parse(const char *s);

/* Generates the corpus, runs the measurements and prints the table (or JSON) to out. Returns 0,
 * or a TALLY_E* code with err filled. */
int tally_bench_run(const tally_bench_options *o, FILE *out, tally_error *err);

#endif
