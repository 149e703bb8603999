/* summary.h — the exact totals of a scan and their JSON form.
 *
 * The pipeline adds batch results into a summary on the loop thread only. Everything but the
 * "run" object is a pure function of the inputs, the dictionary and the counting options, so
 * summaries of parts of a corpus add up to the summary of the whole. */
#ifndef TALLY_SUMMARY_H
#define TALLY_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "dict.h"
#include "match.h"
#include "tally.h"

typedef struct tally_serror {
    size_t input;      /* input index: errors are listed in input order, then by line */
    uint64_t line;
    char *message;     /* owned */
    char *name;        /* owned; when not NULL, names what the message is about instead of input
                        * (a folder that held no file); input is then the index it comes before */
} tally_serror;

/* Errors of one input, kept bounded: only the first TALLY_MAX_ERRORS_PER_INPUT by line. */
#define TALLY_MAX_ERRORS_PER_INPUT 1000

struct tally_summary {
    const tally_dict *d; /* borrowed: the dictionary must outlive the summary */
    uint64_t inputs, documents, tokens, bytes, invalid_utf8, skipped_documents, failed_inputs;
    uint64_t *kw_count, *kw_docs, *grp_count, *grp_docs;
    char **input_names;   /* owned, one per input */
    tally_serror *errors;
    size_t n_errors, cap_errors;
    uint64_t errors_omitted;
    uint64_t *input_errors; /* per input: errors seen (listed or not) */
    uint64_t skipped_inputs; /* folder-walk files left out as binary */
    uint64_t unopened;     /* inputs that could not be opened at all */
    tally_serror *warnings; /* facts that do not fail the run, ordered as errors */
    size_t n_warnings, cap_warnings;
    char *options_desc;   /* options.settings: the settings in the fingerprint (owned) */
    char fingerprint[33]; /* options.fingerprint (README "The summary") */
    unsigned threads;
    double seconds;
};

/* Returns a new, zeroed summary for d with n_inputs inputs. */
tally_summary *tally__summary_new(const tally_dict *d, size_t n_inputs);

/* Sets options.settings and options.fingerprint from what decides how an input is counted
 * beyond the dictionary itself: the dictionary's tokenizer and case rule, the text fields
 * (n_fields paths, in the order given; NULL or 0 means {"text"}), the Unicode version of the
 * tokenizer's tables and utf8proc's version. Nothing else (format, id field, threads, batch
 * size) may go in: summaries with equal fingerprints can be added. */
void tally__summary_set_options(tally_summary *s, const char *const *fields, size_t n_fields);

/* Adds sparse keyword and group counts. */
void tally__summary_add_counts(tally_summary *s, const tally_idcount *kw, size_t n_kw,
                               const tally_idcount *grp, size_t n_grp);

/* Records an error of input i (message copied). */
void tally__summary_add_error(tally_summary *s, size_t input, uint64_t line, const char *message);

/* Records an error about a name that is not an input (a folder), placed before input i. */
void tally__summary_add_named_error(tally_summary *s, size_t before, const char *name, const char *message);

/* Records a warning about input i (message copied). */
void tally__summary_add_warning(tally_summary *s, size_t input, uint64_t line, const char *message);

/* Sorts the errors into their final order. Call once after the scan. */
void tally__summary_finish(tally_summary *s);

#endif
