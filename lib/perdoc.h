/* perdoc.h — the per-document record writer: one JSON object a line per counted document
 * (README "The summary", per-document records), appended to a batch's buffer by the thread
 * that counts the batch; the pipeline writes the buffers out in input order.
 *
 * The writer knows the record's layout and JSON escaping only. What a record says comes from
 * its callers: the document's id, input and line from the pipeline, the kept values from the
 * JSON scanner, the counts from the matcher (through its accessors) and the names from the
 * dictionary. A tally_perdoc is made once per scan and then only read, so every counting thread
 * may use it at once. */
#ifndef TALLY_PERDOC_H
#define TALLY_PERDOC_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "dict.h"
#include "jsonl.h"
#include "match.h"

/* How a record's "id" is written. */
enum tally_perdoc_id {
    TALLY_PERDOC_ID_NONE = 0,   /* no id of its own: INPUT:LINE, or INPUT when line is 0 */
    TALLY_PERDOC_ID_RAW = 1,    /* bytes written as they are (a JSON number as written) */
    TALLY_PERDOC_ID_STRING = 2, /* decoded string bytes, escaped into a JSON string */
};

/* One document's record. Every pointer is borrowed for the call. */
typedef struct tally_perdoc_doc {
    int id_kind;              /* enum tally_perdoc_id */
    const uint8_t *id;        /* id_kind RAW or STRING: the id's bytes */
    size_t id_len;
    const char *input_json;   /* the input's name as a JSON string, quotes included
                               * (tally__perdoc_quote, made once per input) */
    uint64_t line;            /* 1-based line in the decompressed stream; 0: none (a text file) */
    uint64_t tokens;
    const tally_jstr *kept;   /* one value per kept path as written (ptr NULL: absent), or NULL
                               * when the document's format has none: every kept field is null */
    const char *extra;        /* more members, written last as they are (",\"bucket\":[...]"): the
                               * accumulators' (accum.h); extra_len 0 for none */
    size_t extra_len;
} tally_perdoc_doc;

typedef struct tally_perdoc tally_perdoc;

/* Returns a new writer for records of documents counted with dictionary d (borrowed; must
 * outlive the writer) holding the n_keep kept paths keep[] ("fields", in this order; the
 * strings are copied). Aborts on out of memory. */
tally_perdoc *tally__perdoc_new(const tally_dict *d, const char *const *keep, size_t n_keep);
void tally__perdoc_free(tally_perdoc *p);

/* Appends the record of doc, with the keyword and group counts of the document m has just
 * ended (tally__matcher_doc_end), and its newline, to o. */
void tally__perdoc_write(const tally_perdoc *p, tally_buf *o, const tally_perdoc_doc *doc,
                         const tally_matcher *m);

/* Appends p[0,n) to o as the inside of a JSON string; ill-formed UTF-8 becomes U+FFFD. */
void tally__json_escape(tally_buf *o, const uint8_t *p, size_t n);

/* Returns s as a new JSON string, quotes included (caller frees); ill-formed UTF-8 becomes
 * U+FFFD. */
char *tally__perdoc_quote(const char *s);

#endif
