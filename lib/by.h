/* by.h — counts per bucket (`--by`, README "Counts per date and per field"): the accumulator that
 * puts each document into the bucket of its key (by.c), and the summary's "buckets" part
 * (summary_by.c: add, write, read, free, accessors).
 *
 * A key has one component per --by specification: the document's value of a JSON field (a
 * string decoded, a number as written, anything else null), that value as a date bucket
 * (date.h), or the input's name (@input). Inside the engine a key is one byte string that
 * memcmp orders as the summary does, component by component, byte-wise, null last: each
 * component is 0x01, its bytes with 0x00 written 0x00 0xFF, and 0x00 0x01; a null component is
 * 0x02. So "a" < "a\0" < "ab" < null, and components never run into each other. */
#ifndef TALLY_BY_H
#define TALLY_BY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "accum.h"
#include "common.h"
#include "summary.h"

#define TALLY_DEFAULT_MAX_BUCKETS 100000
/* undated documents listed among the summary's warnings */
#define TALLY_MAX_UNDATED_LISTED 100
/* every listed undated document's message starts with this (merges find them by it) */
#define TALLY_UNDATED_PREFIX "not a date in "

/* One nonzero cell of a bucket: keyword id, or n_kws + group id. */
typedef struct tally_bcell {
    uint32_t id;
    uint64_t count, documents;
} tally_bcell;

typedef struct tally_brow {
    uint8_t *key;       /* the encoded key (owned) */
    size_t key_len;
    uint64_t documents, tokens;
    tally_bcell *cells; /* sorted by id (owned) */
    size_t n_cells;
    char **comp;        /* the decoded components, NULL for null (owned), NUL-terminated */
    size_t *comp_len;
} tally_brow;

/* The summary's "buckets" (one struct member of tally_summary). */
typedef struct tally_buckets {
    char **by;          /* the specifications as given ("date:month", "source", "@input") */
    size_t n_by;
    int has_date;       /* one of them is a date: corpus.undated is written */
    uint64_t undated;   /* documents with a null date component */
    tally_brow *rows;   /* sorted by key */
    size_t n_rows;
} tally_buckets;

/* The accumulator: returns 0, or TALLY_EINVAL with err filled for a malformed specification. */
int tally__by_acc_new(const tally_acc_env *env, tally_acc *out, tally_error *err);

/* Checks the specifications of opt (opt->by) without scanning: 0 or TALLY_EINVAL with err. */
int tally__by_check(const tally_scan_options *opt, tally_error *err);

/* Appends the encoding of one component to k: bytes v[0,n), or null when v is NULL. */
void tally__by_key_put(tally_buf *k, const uint8_t *v, size_t n);

/* Decodes component j of an encoded key: its bytes into out (reset first); returns 0 for a
 * string, 1 for null, -1 when the key has fewer components or is malformed. */
int tally__by_key_get(const uint8_t *key, size_t len, size_t j, tally_buf *out);

/* byte-wise order of two encoded keys */
int tally__by_key_cmp(const uint8_t *a, size_t na, const uint8_t *b, size_t nb);

/* ---- the summary part (summary_by.c) ---- */

void tally__buckets_free(tally_buckets *b);

/* Appends v as jansson writes a real with JSON_REAL_PRECISION(10) (the summary's per_10k). */
void tally__put_real10(tally_buf *o, double v);

/* Fills r->comp and r->comp_len from r->key (the accessors read them). */
void tally__brow_decode(tally_brow *r, size_t n_by);

/* Before anything of a changes in tally_summary_add: 0 when a and b are bucketed alike (or
 * neither is), else TALLY_EINVAL with a message saying how they differ. */
int tally__buckets_check_add(const tally_summary *a, const tally_summary *b, tally_error *err);

/* Adds b's buckets into a's, by key, and keeps the first TALLY_MAX_UNDATED_LISTED undated
 * warnings of a (already joined and sorted); call after a's warnings are joined. */
void tally__buckets_add(tally_summary *a, const tally_summary *b);

/* The corpus object's "undated", when the summary has a date bucket. */
void tally__buckets_corpus(const tally_summary *s, void *corpus_json);

/* Writes `,\n  "buckets": {...}` when the summary has buckets; returns 0 or -1. */
int tally__buckets_write(const tally_summary *s, FILE *f);

/* Reads "buckets" (and corpus.undated) from the parsed summary root (a json_t *) into s, whose
 * keywords, groups and totals are read already, checking that the buckets add up to them.
 * Returns 0, or TALLY_EJSON with err's message saying what is wrong. */
int tally__buckets_read(const void *root, tally_summary *s, tally_error *err);

/* The settings text of a bucketed scan, appended to options.settings (README "The summary"):
 * ` by=["date:month","source"]`, and with a date component ` epoch=auto utc-offset=+00:00`. */
void tally__buckets_settings(tally_buf *out, const char *const *by, size_t n_by, int epoch, int offset_min);

#endif
