/* gen.h — a seeded generator of news-like corpora: pseudo-words with a Zipf distribution,
 * numbers, punctuation, and in multilingual documents Chinese, Cyrillic and accented Latin,
 * with dictionary terms planted in many spellings. It knows by construction what tally must
 * count for its own dictionary (tally__gen_dictionary), so tests compare against those totals
 * instead of figures written by hand; benchmarks use the same bytes on every machine. */
#ifndef TALLY_GEN_H
#define TALLY_GEN_H

#include <stdint.h>

#include <jansson.h>

#include "common.h"

typedef struct tally_gen_options {
    int format;           /* TALLY_FORMAT_JSONL, _LINES or _TEXT */
    int multilingual_pct; /* share of documents with non-Latin scripts */
    int plant_pct;        /* chance per word position of a planted dictionary term */
    int words;            /* mean words per document (uniform in [words/2, 3*words/2]) */
    /* JSON Lines with dated documents for `--by date:UNIT --by source`: dates in every form
     * tally accepts and in forms it refuses, sources of every JSON type; the generator knows
     * the bucket each document must land in (tally__gen_buckets). 0: the plain corpus. */
    int dates;
    int date_unit;        /* 0 day, 1 week, 2 month, 3 year */
    int utc_offset;       /* minutes east of UTC the scan will bucket times in */
} tally_gen_options;

typedef struct tally_gen tally_gen;

/* Returns a new generator (aborts on out of memory). */
tally_gen *tally__gen_new(uint64_t seed, const tally_gen_options *o);
void tally__gen_free(tally_gen *g);

/* Appends document d (0, 1, 2, ... in order) to out: a JSON line, a line, or a paragraph of the
 * single text document (last = 1 for the final one, which ends it). */
void tally__gen_next(tally_gen *g, tally_buf *out, uint64_t d, int last);

/* The totals tally must report for what was generated so far, with tally__gen_dictionary():
 * {"documents", "tokens", "keywords": {name: {"count", "documents"}}, "groups": {...}}.
 * Returns a new reference. */
json_t *tally__gen_manifest(const tally_gen *g);

/* With o.dates: the buckets of `--by date:UNIT --by source` for what was generated so far,
 * computed with the C library's calendar (gmtime, strftime), not tally's:
 * {"undated": N, "rows": [{"key": [date or null, source or null], "documents", "tokens",
 * "keywords": {name: {"count", "documents"}}, "groups": {...}}, ...]} in no particular order,
 * zero counts left out. Returns a new reference. */
json_t *tally__gen_buckets(const tally_gen *g);

/* The filler word of Zipf rank `rank` (0 is the most frequent), borrowed; NULL past the
 * vocabulary's 5,000 words. */
const char *tally__gen_word(const tally_gen *g, size_t rank);

/* The dictionary the plantings refer to (static text). */
const char *tally__gen_dictionary(void);

#endif
