/* accum.h — accumulators: the consumers of what counting reports.
 *
 * The matcher counts keywords and groups; everything else a scan can count (counts per bucket,
 * the vocabulary, concordance lines) is an accumulator that the pipeline feeds with what it and
 * the matcher see: a document begins, a field (or a piece of a field) was counted, a keyword
 * matched at a byte range of that piece, the document ended with its counts. Each accumulator
 * follows the same life as the keyword counts:
 *
 *   worker_new    one state per matcher (per counting thread); touched by one thread at a time
 *   doc_begin, field, hit, doc_end, doc_abort
 *                 called by the counting thread, in document order within a batch
 *   hint, batch_begin  (optional) what the loop thread already knows, handed to the batch
 *                 before it is counted, so that it can skip work merge would drop
 *   take          moves what the batch counted into a part (owned by the batch); a worker may
 *                 instead keep adding counts across batches and hand them over later
 *   flush         (optional) on the loop thread after the last batch, once per worker: a part of
 *                 what the worker still holds, merged like the batches' parts
 *   merge         on the loop thread, parts of every batch in the order batches finish (not input
 *                 order: a part says where it came from, batch_ctx), so what a merge makes must
 *                 not depend on that order
 *   finish        after the last batch: puts the results into the summary and writes the
 *                 accumulator's own output, if it has one
 *
 * An accumulator that is not switched on is not in the list: the pipeline's loops over the list
 * are empty and the matcher's hit report stays NULL, so a scan without one does exactly the work
 * it did before accumulators existed.
 *
 * A document larger than a batch is counted in pieces by one matcher (match.h): its worker state
 * goes with it from batch to batch, so an accumulator sees doc_begin in one batch, field pieces
 * with cont = 1 in the next ones and doc_end in the last. */
#ifndef TALLY_ACCUM_H
#define TALLY_ACCUM_H

#include <stddef.h>
#include <stdint.h>

#include "jsonl.h"
#include "match.h"
#include "summary.h"
#include "tally.h"

/* The document being counted. Borrowed for the call. */
typedef struct tally_doc_ctx {
    const tally_jsonl_result *jr; /* JSON Lines and JSON: the scanned object; NULL for text, lines */
    size_t input;                 /* the input's index */
    const char *input_name;       /* its name as given (may not be UTF-8) */
    uint64_t line;                /* JSON Lines, JSON, lines: the document's line; text: 0 */
    const tally_matcher *m;       /* doc_end: the document's counts (tally__matcher_doc_*) */
} tally_doc_ctx;

/* The field (or piece of a field) just counted. Borrowed for the call. */
typedef struct tally_field_ctx {
    size_t field;                 /* which text field (index into the scan's text paths); 0 for
                                   * text and lines */
    const char *path;             /* its dotted path ("text"), NULL for text and lines */
    size_t element;               /* the string's index in an array of strings; SIZE_MAX for a
                                   * string (and for text and lines) */
    uint64_t first_line;          /* text: the line of text[0] in the file; else the document's */
    int more;                     /* the field goes on in a next piece (given with cont = 1) */
} tally_field_ctx;

/* Where a batch came from. */
typedef struct tally_batch_ctx {
    size_t input;                 /* the input's index */
    uint64_t seq;                 /* the batch's number within its input, from 0 */
} tally_batch_ctx;

typedef struct tally_acc_class {
    const char *name;
    void *(*worker_new)(void *acc, tally_matcher *m);
    void (*worker_free)(void *w);
    void (*doc_begin)(void *w, const tally_doc_ctx *c);
    /* text[0,len) has just been given to the matcher (tally__matcher_field with this cont); the
     * matcher's hits in it were reported before this call */
    void (*field)(void *w, const uint8_t *text, size_t len, int cont, const tally_field_ctx *f);
    void (*doc_end)(void *w, const tally_doc_ctx *c);
    void (*doc_abort)(void *w);
    /* after doc_end, when per-document records are written: appends the accumulator's members
     * of the document's record to o, each with its leading comma (",\"bucket\":[\"2024-01\"]") */
    void (*perdoc)(void *w, tally_buf *o);
    void *(*take)(void *w, const tally_batch_ctx *b);
    /* optional: after the last batch, what the worker kept across batches, as a part for merge
     * (NULL for nothing); merge is then called with a batch_ctx of input SIZE_MAX */
    void *(*flush)(void *w);
    /* takes the part (frees it, or keeps what it holds); returns 0, or a negative TALLY_E* with
     * err filled: the scan stops with that error and writes nothing (a documented limit) */
    int (*merge)(void *acc, void *part, const tally_batch_ctx *b, tally_error *err);
    void (*part_free)(void *part);
    /* returns 0, or a negative TALLY_E* with err filled */
    int (*finish)(void *acc, tally_summary *sum, tally_error *err);
    void (*free)(void *acc);
    /* optional: on the loop thread, when batch b is handed to a counting thread: a hint of what
     * the batch need not do because merge would drop it anyway (one block, freed with free();
     * NULL for none). Read-only from then on; it goes to batch_begin */
    void *(*hint)(void *acc, const tally_batch_ctx *b);
    /* optional: on the counting thread, before the batch's first document; takes the hint (may be
     * NULL) and frees it */
    void (*batch_begin)(void *w, void *hint);
} tally_acc_class;

/* What an accumulator's constructor may read (borrowed for the scan). */
typedef struct tally_acc_env {
    const tally_dict *d;
    const tally_scan_options *opt;
    const char *const *fields;    /* the text paths */
    size_t n_fields;
    size_t keep_base;             /* where the accumulator's kept paths (tally_acc.keep) will be
                                   * in each document's tally_jsonl_result.kept */
} tally_acc_env;

/* At most this many accumulators in one scan. */
#define TALLY_MAX_ACCS 8

/* One accumulator of a scan: its class and its state (owned by the loop thread). */
typedef struct tally_acc {
    const tally_acc_class *cls;
    void *state;
    const char *const *keep;      /* JSON paths whose values (as written) it reads from each
                                   * document, from env.keep_base on; owned by the state */
    size_t n_keep;
} tally_acc;

#endif
