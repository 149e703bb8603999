/* summary.h — a summary as a value: the exact totals of a scan, owning every name it holds.
 *
 * A summary is made by a scan (the pipeline adds batch results into it on the loop thread),
 * read back from its JSON (summary_read.c), added into another one (tally_summary_add: the
 * merge of two scans of disjoint inputs is the scan of their union, byte for byte) and written
 * (summary_write.c). It does not borrow the dictionary: keyword and group names, group members
 * and the options digests are copied in, so a summary read from a file is the same kind of value
 * as one a scan made.
 *
 * Everything but the "run" object is a pure function of the inputs, the dictionary and the
 * counting options; the orders that a scan could make depend on timing are fixed by sorting:
 * inputs by path (byte-wise), errors and warnings by input path, then line, then message. */
#ifndef TALLY_SUMMARY_H
#define TALLY_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "dict.h"
#include "tally.h"

/* Errors of one input, kept bounded: only the first TALLY_MAX_ERRORS_PER_INPUT by line. */
#define TALLY_MAX_ERRORS_PER_INPUT 1000
/* The JSON top-level keys of objects without a text field, named in the error that says not one
 * document had it: the smallest ones, byte-wise, so that the list adds up across summaries. */
#define TALLY_MAX_KEYS_SEEN 32

/* One accumulator cell: how often, and in how many documents. */
typedef struct tally_count {
    uint64_t count, documents;
} tally_count;

/* An error or a warning. */
typedef struct tally_entry {
    char *input;    /* owned: the input's path, a folder's path, or "" when about the whole run */
    uint64_t line;  /* 0 when about the input as a whole */
    char *message;  /* owned */
    size_t idx;     /* during a scan, the input's index (for the listing cap); SIZE_MAX otherwise */
} tally_entry;

/* One input, as the summary lists it. */
typedef struct tally_sinput {
    char *path;          /* owned */
    int format;          /* enum tally_format it was read as; -1 when it was never read */
    uint64_t bytes;      /* after decompression */
    uint64_t documents;  /* counted */
    char digest[33];     /* XXH3-128 of the input's bytes as read, hex; "" when not read to its end */
    uint64_t errors;     /* during a scan: errors seen, listed or not */
} tally_sinput;

struct tally_summary {
    tally_totals tot;        /* the corpus counters, errors_omitted; tot.seconds is the run's */
    size_t n_kws, n_groups;
    char **kw_names;         /* owned, n_kws */
    uint32_t **kw_groups;    /* owned: the groups of each keyword, in listing order */
    uint32_t *kw_n_groups;
    char **group_names;      /* owned, n_groups */
    uint32_t **group_members;/* owned: each group's keywords, in listing order */
    uint32_t *group_n_members;
    tally_count *kw, *grp;   /* the counts, n_kws and n_groups */
    tally_sinput *inputs;    /* n = tot.inputs, by path once the summary is finished */
    tally_entry *errors;
    size_t n_errors, cap_errors;
    tally_entry *warnings;
    size_t n_warnings, cap_warnings;
    char *settings;          /* options.settings (owned) */
    char dictionary[33];     /* options.dictionary */
    char fingerprint[33];    /* options.fingerprint (README "The summary") */
    /* the text-field check, kept as counts so that it adds up: JSON objects read, those with
     * none of the text fields, and the smallest of their top-level keys */
    uint64_t json_objects, without_text;
    char **keys;             /* owned, sorted byte-wise, at most TALLY_MAX_KEYS_SEEN */
    size_t n_keys;
    char *text_field;        /* the first text field, for the message (owned) */
    size_t n_text_fields;
    /* not part of what adds up */
    uint64_t unopened;       /* during a scan: inputs that could not be opened at all */
    unsigned threads;
    uint64_t merged;         /* summaries added into this one (0 for a scan) */
    struct tally_buckets *buckets; /* counts per bucket (by.h); NULL without --by */
    struct tally_svocab *vocab; /* the "vocabulary" object (summary_vocab.h), NULL without one */
};

/* Returns a new, zeroed summary with d's keywords and groups (copied) and n_inputs inputs. */
tally_summary *tally__summary_new(const tally_dict *d, size_t n_inputs);

/* An empty summary with room for names, for the reader: every array zeroed. */
tally_summary *tally__summary_alloc(size_t n_kws, size_t n_groups, size_t n_inputs);

/* Sets options.settings and options.fingerprint from what decides how an input is counted
 * beyond the dictionary itself: the dictionary's tokenizer and case rule, the text fields
 * (n_fields paths, in the order given; NULL or 0 means {"text"}), the Unicode version of the
 * tokenizer's tables and utf8proc's version. Nothing else (format, id field, threads, batch
 * size) may go in: summaries with equal fingerprints can be added. */
void tally__summary_set_options(tally_summary *s, const tally_dict *d, const char *const *fields, size_t n_fields);

/* options.fingerprint from options.settings and options.dictionary (README's canonical text). */
void tally__summary_fingerprint(const char *settings, const char *dictionary, char out[33]);

/* The one way corpus totals add up: every counter of u into t (a batch into a scan's summary,
 * one summary into another). */
void tally__totals_add(tally_totals *t, const tally_totals *u);

/* Adds sparse keyword and group counts. */
void tally__summary_add_counts(tally_summary *s, const tally_idcount *kw, size_t n_kw,
                               const tally_idcount *grp, size_t n_grp);

/* Records an error of input i (message copied). */
void tally__summary_add_error(tally_summary *s, size_t input, uint64_t line, const char *message);

/* Records an error about a name that is not an input (a folder; "" for the run as a whole). */
void tally__summary_add_named_error(tally_summary *s, const char *name, const char *message);

/* Records a warning about input i (message copied). */
void tally__summary_add_warning(tally_summary *s, size_t input, uint64_t line, const char *message);

/* Counts the JSON objects of a batch: n objects, of which without had no text field, whose
 * top-level keys were keys[0, n_keys). */
void tally__summary_add_objects(tally_summary *s, uint64_t n, uint64_t without, char *const *keys, size_t n_keys);

/* Puts everything in its final order: inputs by path, errors and warnings by input, line and
 * message, each input's errors cut to the listing cap. Call once after the scan. */
void tally__summary_finish(tally_summary *s);

/* Appends an entry (strings copied) to a list of errors or warnings. */
void tally__summary_push_entry(tally_entry **list, size_t *n, size_t *cap, const char *input, uint64_t line,
                               const char *message);

/* Sorts entries and keeps at most TALLY_MAX_ERRORS_PER_INPUT per input (when cap is set);
 * returns how many were dropped. */
uint64_t tally__summary_sort_entries(tally_entry *list, size_t *n, int cap);

/* Re-derives the error that says not one document had the text field. */
void tally__summary_refresh_derived(tally_summary *s);

/* The format's name as the summary writes it ("jsonl", "json", "text", "lines"), or NULL. */
const char *tally__format_name(int format);

#endif
