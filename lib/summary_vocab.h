/* summary_vocab.h — the summary's "vocabulary" object: the vocabulary file's name and digest,
 * the number of types and the most frequent ones (README "The vocabulary"). */
#ifndef TALLY_SUMMARY_VOCAB_H
#define TALLY_SUMMARY_VOCAB_H

#include <stdio.h>

#include "summary.h"

typedef struct tally_vtop {
    char *type; /* owned; len bytes and a NUL (a type may hold NUL in whitespace mode) */
    size_t len;
    uint64_t count, documents;
} tally_vtop;

typedef struct tally_svocab {
    char *file;         /* owned: the file's name as given */
    char digest[33];    /* XXH3-128 of the file's bytes, hex */
    uint64_t min_count; /* --vocab-min-count (1 when every type is listed) */
    uint64_t types;     /* distinct types, before min_count */
    tally_vtop *top;    /* owned, n_top */
    size_t n_top;
    int stale;          /* added from parts (tally_summary_add): only tally_vocab_merge sets it again */
} tally_svocab;

void tally__svocab_free(tally_svocab *v);

/* Puts r (its members taken) into s as its vocabulary. */
void tally__svocab_set(tally_summary *s, tally_svocab *r);

/* The check tally_summary_add makes before it adds anything: both or neither have a vocabulary,
 * with the same min_count, and at most 1 (rarer types left out cannot be added back). Then a's
 * vocabulary becomes stale. Returns 0 or TALLY_EINVAL with err filled. */
int tally__svocab_add(tally_summary *a, const tally_summary *b, tally_error *err);

/* Writes ",\n  \"vocabulary\": {...}" when s has one; returns nonzero on a write error. */
int tally__svocab_write(const tally_summary *s, FILE *f);

/* Reads root's "vocabulary" into s when it is there (root is a jansson json_t *); returns 0 or
 * TALLY_EJSON with err filled. */
int tally__svocab_read(void *root, tally_summary *s, tally_error *err);

#endif
