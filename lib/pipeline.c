/* pipeline.c — tally_scan_run: the libuv pipeline that streams inputs through the counters.
 *
 *   fill (thread pool)   open the input, read and decompress, cut the stream into a batch of
 *                        whole documents (or a piece of one huge document), carry the rest;
 *                        one fill per input at a time, several inputs at once
 *   count (thread pool)  parse JSON Lines, tokenize, match, count; write per-document records
 *                        into the batch
 *   loop thread          schedules, merges batch totals into the summary, writes per-document
 *                        records in input order, recycles batches
 *
 * Memory is bounded by a fixed number of batch slots (back-pressure: no slot, no read) and a
 * pool of matchers. Every batch is touched by one thread at a time; everything shared lives on
 * the loop thread (libuv runs after_work callbacks there), so nothing needs a lock.
 *
 * A document larger than a batch (a huge text file, or a huge line in `lines` format) is cut at
 * a point where word segmentation cannot change (tally__tok_safe_cut). Its pieces are counted
 * one after another with the same matcher, which keeps the phrase and group state, so the counts
 * are those of the whole document. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <uv.h>

#include "accum.h"
#include "by.h"
#include "kwic.h"
#include "common.h"
#include "dict.h"
#include "glob.h"
#include "jarray.h"
#include "inputs.h"
#include "jsonl.h"
#include "match.h"
#include "perdoc.h"
#include "reader.h"
#include "summary.h"
#include "tally.h"
#include "tokenize.h"
#include "vocab.h"

#define DEFAULT_BATCH (1u << 20)
#define DEFAULT_MAX_LINE ((size_t)256 << 20)
#define READ_CHUNK ((size_t)256 << 10)
#define PREFAULT_MAX ((size_t)16 << 20) /* batches up to this size get their memory at start */
#define MAX_KEYS_SEEN 32
#define PEEK_BYTES ((size_t)64 << 10) /* a NUL byte within these makes a walked text file binary */

typedef struct berr {
    uint64_t line;
    char *msg;
} berr;

/* An element of a JSON array, found by the fill: absolute offset, length, line. */
typedef struct jelem {
    uint64_t start;
    size_t len;
    uint64_t line;
} jelem;

typedef struct worker {
    tally_matcher *m;
    tally_jsonl_result jr;
    int jr_ready;
    void **accw;          /* each accumulator's state for this matcher */
    tally_buf extra;      /* the accumulators' members of the current per-document record */
    struct worker *next_free;
} worker;

struct scan;
struct input;

typedef struct batch {
    uv_work_t work;
    struct scan *s;
    struct input *in;
    uint64_t seq;
    tally_buf data;
    uint64_t bytes;       /* decompressed bytes read by this batch's fill, skipped ones included */
    uint64_t raw;         /* compressed bytes its fill consumed (only with opt->progress) */
    uint64_t first_line;  /* line number of data[0] */
    int cont_in;          /* data starts inside a document begun in the previous batch */
    int cont_out;         /* the last document goes on in the next batch */
    int last;             /* the input's last batch */
    int read_rc;          /* the input broke off after this batch's data */
    int open_failed;      /* the input could not be opened: nothing was read */
    int binary;           /* the input was left out as binary (no data) */
    uint64_t nul_at;      /* where, for the warning */
    char digest[33];      /* the input's content digest, on its last batch when read to the end */
    uint64_t data_off;    /* JSON array: the absolute offset of data[0] in the input */
    jelem *elems;         /* JSON array: the elements in data, in order */
    size_t n_elems, cap_elems;
    tally_error read_err;
    worker *w;
    /* results */
    tally_idcount *kw, *grp;
    size_t n_kw, n_grp;
    tally_totals tot;     /* what this batch counted: documents, tokens, invalid_utf8, skipped_documents */
    uint64_t objects, with_field;
    tally_buf perdoc;
    void **parts;         /* each accumulator's part of this batch (NULL once merged) */
    void **hints;         /* each accumulator's hint for counting it (accum.h), until counted */
    berr *errs;
    size_t n_errs, cap_errs;
    char *keys[MAX_KEYS_SEEN]; /* top-level keys of objects without a text field */
    size_t n_keys;
    struct batch *next;
} batch;

enum { IN_WAITING, IN_READING, IN_FINISHED };

typedef struct input {
    size_t index;
    const char *name;     /* borrowed from the input list */
    char *name_json;      /* the name as a JSON string, quotes included */
    const char *open_error;
    int open_enoent;
    int walked;           /* found in a folder walk: binary files are left out */
    int format;
    int sniffed;          /* the format is settled and the binary check done */
    int bom_checked;
    tally_jarray ja;      /* JSON array: the element cutter, fed each byte once */
    uint64_t ja_fed;      /* absolute offset of the first byte not yet fed */
    uint64_t carry_off;   /* absolute offset of carry[0] */
    uint64_t ja_skip;     /* start of an element too long to keep, being skipped; or UINT64_MAX */
    int ja_dead;          /* a fatal error in the array: the rest is read but not cut */
    tally_reader *r;
    int state;
    int filling;
    tally_buf carry;
    int carry_cont;
    uint64_t next_line;
    uint64_t raw_pos;     /* the reader's raw offset at the end of the last fill (fill thread) */
    uint64_t next_seq, next_write, outstanding;
    worker *held;         /* the worker holding this input's open document */
    int chain_busy;       /* a batch whose document continues is being counted */
    batch *wait_cont;     /* the next piece, waiting for it */
    batch *done;          /* counted batches waiting for their turn to be written, by seq */
} input;

typedef struct scan {
    uv_loop_t loop;
    const tally_dict *d;
    const tally_scan_options *opt;
    tally_jsonl_spec *spec;
    const char *const *fields;
    size_t n_fields;
    const char **keep; /* the distinct kept paths, in option order (borrowed strings) */
    size_t n_keep;
    tally_perdoc *perdoc; /* the record writer, read-only while counting */
    tally_acc *accs;      /* the accumulators switched on (accum.h) */
    size_t n_accs;
    int acc_rc;           /* an accumulator stopped the scan: its error */
    tally_error acc_err;
    input *inputs;
    size_t n_inputs;
    size_t first_open;    /* inputs before this one have finished reading */
    size_t n_reading, max_reading;
    size_t write_cursor;
    batch **free_slots;
    size_t n_free, n_slots;
    batch *all_slots;
    worker *free_workers;
    worker **all_workers;
    size_t n_workers;
    size_t in_flight;
    size_t counting, threads; /* counts started and not finished; at most threads of them */
    batch *ready, *ready_tail; /* filled batches waiting to be counted */
    tally_summary *sum;
    size_t batch_bytes, max_line;
    size_t force_cut;     /* a text document with no safe cut this long is cut anyway */
    size_t prefault;      /* bytes each batch slot gets written once on first use; 0: none */
    int window_log;
    int stopped;
    int io_error;
    /* progress (only with opt->progress): a timer on the loop reports counters it already has */
    uv_timer_t progress_timer;
    int has_timer;
    uint64_t t0, input_read, input_total;
} scan;

static void pump(scan *s);

/* ---- small helpers ------------------------------------------------------------------------ */

static void batch_error(batch *b, uint64_t line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void batch_error(batch *b, uint64_t line, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (b->n_errs == b->cap_errs) {
        b->cap_errs = b->cap_errs ? b->cap_errs * 2 : 8;
        b->errs = tally_xrealloc(b->errs, b->cap_errs * sizeof *b->errs);
    }
    b->errs[b->n_errs].line = line;
    b->errs[b->n_errs].msg = tally_xstrdup(msg);
    b->n_errs++;
}

/* The input's format: `auto` looks at the name without a compression suffix, and where the name
 * is not conclusive, returns TALLY_FORMAT_AUTO: the content decides (sniff). */
static int format_for(const char *name, int fmt)
{
    if (fmt != TALLY_FORMAT_AUTO)
        return fmt;
    if (strcmp(name, "-") == 0)
        return TALLY_FORMAT_AUTO;
    size_t n = strlen(name);
    static const char *const comp[] = {".zst", ".zstd", ".gz", ".gzip"};
    for (size_t i = 0; i < sizeof comp / sizeof comp[0]; i++) {
        size_t cl = strlen(comp[i]);
        if (n > cl && strcmp(name + n - cl, comp[i]) == 0) {
            n -= cl;
            break;
        }
    }
    if ((n > 6 && memcmp(name + n - 6, ".jsonl", 6) == 0) || (n > 7 && memcmp(name + n - 7, ".ndjson", 7) == 0))
        return TALLY_FORMAT_JSONL;
    if (n > 4 && memcmp(name + n - 4, ".txt", 4) == 0)
        return TALLY_FORMAT_TEXT;
    return TALLY_FORMAT_AUTO;
}

static size_t skip_blanks(const uint8_t *p, size_t i, size_t n)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return i;
}

/* The format by content: JSON Lines when the first non-blank byte is '{', a JSON array when it
 * is '[' followed (after blanks) by '{' or ']', text otherwise. TALLY_FORMAT_AUTO while the
 * bytes seen so far cannot tell (and eof is not reached). */
static int sniff(const uint8_t *p, size_t n, int eof)
{
    size_t i = skip_blanks(p, 0, n);
    if (i == n)
        return eof ? TALLY_FORMAT_TEXT : TALLY_FORMAT_AUTO;
    if (p[i] == '{')
        return TALLY_FORMAT_JSONL;
    if (p[i] != '[')
        return TALLY_FORMAT_TEXT;
    size_t j = skip_blanks(p, i + 1, n);
    if (j == n)
        return eof ? TALLY_FORMAT_TEXT : TALLY_FORMAT_AUTO;
    return p[j] == '{' || p[j] == ']' ? TALLY_FORMAT_JSON : TALLY_FORMAT_TEXT;
}

/* ---- per-document records ----------------------------------------------------------------- */

/* Writes the record of the document just counted. jr: the document's scan, for its id and kept
 * fields, or NULL when its format has neither (text, lines). line: the document's 1-based line
 * in the decompressed stream, or 0 when it has none (a text file is one document); it is also
 * the id INPUT:LINE when the document has no id of its own. */
/* ---- accumulators (accum.h): nothing is called when none is switched on -------------------- */

static void acc_doc_begin(batch *b, const tally_jsonl_result *jr, uint64_t line)
{
    scan *s = b->s;
    tally_doc_ctx c = {jr, b->in->index, b->in->name, line, b->w->m};
    for (size_t i = 0; i < s->n_accs; i++)
        if (s->accs[i].cls->doc_begin)
            s->accs[i].cls->doc_begin(b->w->accw[i], &c);
}

static void acc_field(batch *b, const uint8_t *p, size_t n, int cont, size_t field, size_t element,
                      uint64_t first_line, int more)
{
    scan *s = b->s;
    int json = b->in->format == TALLY_FORMAT_JSONL || b->in->format == TALLY_FORMAT_JSON;
    tally_field_ctx f = {field, json ? s->fields[field] : NULL, element, first_line, more};
    for (size_t i = 0; i < s->n_accs; i++)
        if (s->accs[i].cls->field)
            s->accs[i].cls->field(b->w->accw[i], p, n, cont, &f);
}

static void acc_doc_end(batch *b, const tally_jsonl_result *jr, uint64_t line)
{
    scan *s = b->s;
    tally_doc_ctx c = {jr, b->in->index, b->in->name, line, b->w->m};
    for (size_t i = 0; i < s->n_accs; i++)
        if (s->accs[i].cls->doc_end)
            s->accs[i].cls->doc_end(b->w->accw[i], &c);
}

static void acc_doc_abort(batch *b)
{
    scan *s = b->s;
    for (size_t i = 0; i < s->n_accs; i++)
        if (s->accs[i].cls->doc_abort)
            s->accs[i].cls->doc_abort(b->w->accw[i]);
}

static void perdoc_record(batch *b, const tally_jsonl_result *jr, uint64_t line)
{
    const tally_matcher *m = b->w->m;
    tally_perdoc_doc doc = {0};
    scan *s = b->s;
    if (s->n_accs) {
        b->w->extra.len = 0;
        for (size_t i = 0; i < s->n_accs; i++)
            if (s->accs[i].cls->perdoc)
                s->accs[i].cls->perdoc(b->w->accw[i], &b->w->extra);
        doc.extra = (const char *)b->w->extra.data;
        doc.extra_len = b->w->extra.len;
    }
    if (jr && jr->id_kind == TALLY_JID_NUMBER)
        doc.id_kind = TALLY_PERDOC_ID_RAW;
    else if (jr && jr->id_kind == TALLY_JID_STRING)
        doc.id_kind = TALLY_PERDOC_ID_STRING;
    if (doc.id_kind != TALLY_PERDOC_ID_NONE) {
        doc.id = jr->id.ptr;
        doc.id_len = jr->id.len;
    }
    doc.input_json = b->in->name_json;
    doc.line = line;
    doc.tokens = tally__matcher_doc_tokens(m);
    doc.kept = jr ? jr->kept : NULL;
    tally__perdoc_write(b->s->perdoc, &b->perdoc, &doc, m);
}

/* ---- count: runs on the thread pool ------------------------------------------------------- */

/* Keeps the key in b's sorted set of the MAX_KEYS_SEEN smallest keys: the smallest of a union
 * are the smallest of each part's smallest, so the set the summary lists does not depend on
 * how the input was cut into batches. */
static void keep_key(batch *b, const char *k, size_t len)
{
    size_t i = 0;
    for (; i < b->n_keys; i++) {
        size_t bl = strlen(b->keys[i]);
        int c = memcmp(b->keys[i], k, bl < len ? bl : len);
        if (c == 0 && bl == len)
            return;
        if (c > 0 || (c == 0 && bl > len))
            break;
    }
    if (i == MAX_KEYS_SEEN)
        return;
    if (b->n_keys == MAX_KEYS_SEEN)
        free(b->keys[--b->n_keys]);
    memmove(b->keys + i + 1, b->keys + i, (b->n_keys - i) * sizeof *b->keys);
    b->keys[i] = tally_xstrndup(k, len);
    b->n_keys++;
}

/* One JSON Lines line, or one element of a JSON array (elem: its absolute offset, named in the
 * messages; UINT64_MAX for a line). */
static void count_jsonl_line(batch *b, const uint8_t *p, size_t n, uint64_t line, uint64_t elem)
{
    scan *s = b->s;
    worker *w = b->w;
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
        i++;
    if (i == n)
        return; /* blank lines are skipped silently */
    if (!w->jr_ready) {
        tally__jsonl_result_init(&w->jr, s->spec);
        w->jr_ready = 1;
    }
    char where[64] = "";
    if (elem != UINT64_MAX)
        snprintf(where, sizeof where, " (array element at byte %llu)", (unsigned long long)elem);
    if (n > s->max_line) {
        batch_error(b, line, "%s of %zu bytes, longer than the limit of %zu bytes; skipped%s",
                    elem != UINT64_MAX ? "element" : "line", n, s->max_line, where);
        b->tot.skipped_documents++;
        return;
    }
    tally_error err;
    if (tally__jsonl_scan(s->spec, p, n, &w->jr, &err) != 0) {
        if (elem != UINT64_MAX)
            batch_error(b, line, "invalid JSON at byte %llu: %s%s", (unsigned long long)(elem + err.offset),
                        err.message, where);
        else
            batch_error(b, line, "invalid JSON at column %llu: %s", (unsigned long long)err.offset + 1,
                        err.message);
        b->tot.skipped_documents++;
        return;
    }
    if (!w->jr.is_object) {
        batch_error(b, line, "the %s is valid JSON but not an object%s", elem != UINT64_MAX ? "element" : "line",
                    where);
        b->tot.skipped_documents++;
        return;
    }
    b->objects++;
    int present = 0;
    for (size_t f = 0; f < s->n_fields; f++) {
        if (w->jr.fields[f].kind == TALLY_JF_OTHER) {
            batch_error(b, line, "field '%s' is neither a string nor an array of strings%s", s->fields[f], where);
            b->tot.skipped_documents++;
            return;
        }
        if (w->jr.fields[f].kind == TALLY_JF_STRINGS)
            present = 1;
    }
    if (!present) {
        if (s->n_fields == 1)
            batch_error(b, line, "no field '%s'%s", s->fields[0], where);
        else
            batch_error(b, line, "none of the text fields exists%s", where);
        b->tot.skipped_documents++;
        for (size_t k = 0; k < w->jr.n_keys; k++)
            keep_key(b, (const char *)w->jr.keys[k].ptr, w->jr.keys[k].len);
        return;
    }
    b->with_field++;
    tally_matcher *m = w->m;
    tally__matcher_doc_begin(m);
    if (s->n_accs)
        acc_doc_begin(b, &w->jr, line);
    for (size_t f = 0; f < s->n_fields; f++) {
        const tally_jfield *jf = &w->jr.fields[f];
        for (size_t k = 0; k < jf->count; k++) {
            const tally_jstr *str = &w->jr.strings[jf->first + k];
            tally__matcher_field(m, str->ptr, str->len, 0);
            if (s->n_accs)
                acc_field(b, str->ptr, str->len, 0, f, jf->is_array ? k : SIZE_MAX, line, 0);
        }
    }
    m->doc_extra_invalid = w->jr.invalid_utf8;
    tally__matcher_doc_end(m);
    if (s->n_accs)
        acc_doc_end(b, &w->jr, line);
    if (s->opt->per_doc)
        perdoc_record(b, &w->jr, line);
}

/* One line of `lines` format; first/last say whether it continues from / into another batch. */
static void count_text_line(batch *b, const uint8_t *p, size_t n, uint64_t line, int cont_in, int cont_out)
{
    tally_matcher *m = b->w->m;
    size_t n_accs = b->s->n_accs;
    if (!cont_out && n && p[n - 1] == '\r')
        n--;
    if (!cont_in) {
        tally__matcher_doc_begin(m);
        if (n_accs)
            acc_doc_begin(b, NULL, line);
    }
    tally__matcher_field(m, p, n, cont_in);
    if (n_accs)
        acc_field(b, p, n, cont_in, 0, SIZE_MAX, line, cont_out);
    if (cont_out)
        return;
    tally__matcher_doc_end(m);
    if (n_accs)
        acc_doc_end(b, NULL, line);
    if (b->s->opt->per_doc)
        perdoc_record(b, NULL, line);
}

static void count_work(uv_work_t *req)
{
    batch *b = req->data;
    scan *s = b->s;
    tally_matcher *m = b->w->m;
    const uint8_t *p = b->data.data;
    size_t n = b->data.len;
    int fmt = b->in->format;
    for (size_t i = 0; i < s->n_accs; i++)
        if (s->accs[i].cls->batch_begin) {
            s->accs[i].cls->batch_begin(b->w->accw[i], b->hints[i]);
            b->hints[i] = NULL;
        }

    if (fmt == TALLY_FORMAT_JSON) {
        for (size_t i = 0; i < b->n_elems; i++) {
            const jelem *e = &b->elems[i];
            count_jsonl_line(b, p + (e->start - b->data_off), e->len, e->line, e->start);
        }
        goto done;
    }

    if (fmt == TALLY_FORMAT_TEXT) {
        if (b->read_rc && !(b->cont_in || n))
            goto done; /* the input could not be read at all: no document */
        if (!b->cont_in) {
            tally__matcher_doc_begin(m);
            if (s->n_accs)
                acc_doc_begin(b, NULL, 0);
        }
        tally__matcher_field(m, p, n, b->cont_in);
        if (s->n_accs)
            acc_field(b, p, n, b->cont_in, 0, SIZE_MAX, b->first_line, b->cont_out && !b->read_rc);
        if (b->read_rc) {
            tally__matcher_doc_abort(m);
            if (s->n_accs)
                acc_doc_abort(b);
        } else if (!b->cont_out) {
            tally__matcher_doc_end(m);
            if (s->n_accs)
                acc_doc_end(b, NULL, 0);
            if (s->opt->per_doc)
                perdoc_record(b, NULL, 0);
        }
        goto done;
    }

    size_t pos = 0;
    uint64_t line = b->first_line;
    int first = 1;
    while (pos < n || (first && b->cont_in)) {
        const uint8_t *nl = memchr(p + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - p) : n;
        int cont_in = first && b->cont_in;
        /* a last line cut off by a broken stream stays open, and is dropped below */
        int cont_out = !nl && (b->cont_out || b->read_rc);
        if (fmt == TALLY_FORMAT_JSONL)
            count_jsonl_line(b, p + pos, end - pos, line, UINT64_MAX);
        else
            count_text_line(b, p + pos, end - pos, line, cont_in, cont_out);
        first = 0;
        if (!nl)
            break;
        pos = end + 1;
        line++;
    }
    if (b->read_rc && m->in_doc) {
        tally__matcher_doc_abort(m);
        if (s->n_accs)
            acc_doc_abort(b);
    }

done:
    b->tot.documents = m->b_docs;
    b->tot.tokens = m->b_tokens;
    b->tot.invalid_utf8 = m->b_invalid;
    tally__matcher_take_batch(m, &b->kw, &b->n_kw, &b->grp, &b->n_grp);
    if (s->n_accs) {
        tally_batch_ctx bc = {b->in->index, b->seq};
        for (size_t i = 0; i < s->n_accs; i++)
            b->parts[i] = s->accs[i].cls->take ? s->accs[i].cls->take(b->w->accw[i], &bc) : NULL;
    }
}

/* ---- fill: runs on the thread pool -------------------------------------------------------- */

static size_t count_newlines(const uint8_t *p, size_t n)
{
    size_t c = 0;
    const uint8_t *end = p + n;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        c++;
        p++;
    }
    return c;
}

/* A cut at a code point boundary, for a document piece with no safe cut in reach. */
static size_t forced_cut(const uint8_t *p, size_t n)
{
    size_t k = n;
    while (k > 0 && (p[k - 1] & 0xC0) == 0x80 && n - k < 3)
        k--;
    if (k > 0 && p[k - 1] >= 0xC0)
        k--;
    return k ? k : n;
}

/* Reads decompressed bytes into buf; counts them (a dropped byte order mark too: corpus.bytes is
 * every decompressed byte). Returns what tally__reader_read returns; an error is kept in b. */
static ssize_t read_some(input *in, batch *b, uint8_t *buf, size_t cap)
{
    ssize_t got = tally__reader_read(in->r, buf, cap, &b->read_err);
    if (!in->bom_checked) {
        in->bom_checked = 1;
        b->bytes += (uint64_t)tally__reader_bom_dropped(in->r);
    }
    if (got < 0)
        b->read_rc = (int)got;
    else
        b->bytes += (uint64_t)got;
    return got;
}

/* Called by the cutter on the fill thread, with the batch being filled. */
static void ja_event(void *ctx, const tally_ja_event *e)
{
    batch *b = ctx;
    input *in = b->in;
    if (e->kind == TALLY_JA_ERROR) {
        batch_error(b, e->line, "%s (at byte %llu)", e->message, (unsigned long long)e->start);
        return;
    }
    if (e->start == in->ja_skip) {
        in->ja_skip = UINT64_MAX;
        batch_error(b, e->line, "element of %llu bytes, longer than the limit of %zu bytes; skipped (array element at byte %llu)",
                    (unsigned long long)(e->end - e->start), b->s->max_line, (unsigned long long)e->start);
        b->tot.skipped_documents++;
        return;
    }
    if (b->n_elems == b->cap_elems) {
        b->cap_elems = b->cap_elems ? 2 * b->cap_elems : 64;
        b->elems = tally_xrealloc(b->elems, b->cap_elems * sizeof *b->elems);
    }
    b->elems[b->n_elems++] = (jelem){e->start, (size_t)(e->end - e->start), e->line};
}

/* Fills a batch of whole elements of a JSON array. d holds the bytes from b->data_off on (the
 * carry of the open element, and what the first fill read ahead); each byte goes through the
 * cutter once. An element longer than the line limit is not kept: while it stays open its bytes
 * are dropped as they come. Returns where the batch ends in d. */
static size_t fill_json(batch *b, input *in, int *eofp)
{
    scan *s = b->s;
    tally_buf *d = &b->data;
    size_t want = s->batch_bytes;
    int eof = *eofp;
    for (;;) {
        size_t fed = (size_t)(in->ja_fed - b->data_off);
        if (!in->ja_dead && fed < d->len &&
            tally__jarray_feed(&in->ja, d->data + fed, d->len - fed, ja_event, b))
            in->ja_dead = 1;
        in->ja_fed = b->data_off + d->len;
        uint64_t open = in->ja_dead ? UINT64_MAX : tally__jarray_open_start(&in->ja);
        if (in->ja_skip != UINT64_MAX && open == in->ja_skip) {
            /* no other element can start while this one is open: d holds only its bytes */
            b->data_off += d->len;
            d->len = 0;
        }
        if (eof)
            break;
        if (d->len >= want) {
            size_t cut = open == UINT64_MAX ? d->len : (size_t)(open - b->data_off);
            if (cut > 0) {
                *eofp = 0;
                return cut;
            }
            if (d->len > s->max_line) {
                in->ja_skip = open;
                continue;
            }
            want = d->len + s->batch_bytes;
        }
        size_t chunk = s->batch_bytes < READ_CHUNK ? s->batch_bytes : READ_CHUNK;
        tally__buf_reserve(d, chunk);
        ssize_t got = read_some(in, b, d->data + d->len, chunk);
        if (got <= 0) {
            eof = 1;
            if (got == 0 && !in->ja_dead)
                tally__jarray_finish(&in->ja, ja_event, b);
        } else {
            d->len += (size_t)got;
        }
    }
    *eofp = 1;
    /* at the end every element is complete; an open one was cut off and is dropped */
    return d->len;
}

static void fill_work(uv_work_t *req)
{
    batch *b = req->data;
    input *in = b->in;
    scan *s = b->s;
    tally_buf *d = &b->data;

    d->len = 0;
    b->bytes = 0;
    b->n_elems = 0;
    b->data_off = in->carry_off;
    b->raw = 0;
    b->cont_in = in->carry_cont;
    b->cont_out = 0;
    b->first_line = in->next_line;
    if (!in->r) {
        int rc = tally__reader_open(&in->r, in->name, s->window_log, &b->read_err);
        if (rc) {
            b->read_rc = rc;
            b->open_failed = 1;
            b->last = 1;
            return;
        }
    }
    tally__buf_append(d, in->carry.data, in->carry.len);
    in->carry.len = 0;

    int eof = 0;
    if (!in->sniffed) {
        /* The first bytes settle the format (when the name did not) and, for a file of a folder
         * walk read as text, whether it is binary: they are read ahead whatever the batch size. */
        int need_bin = 0;
        for (;;) {
            if (in->format == TALLY_FORMAT_AUTO)
                in->format = sniff(d->data, d->len, eof);
            need_bin = in->walked && !s->opt->binary &&
                       (in->format == TALLY_FORMAT_TEXT || in->format == TALLY_FORMAT_LINES);
            if (eof || (in->format != TALLY_FORMAT_AUTO && (!need_bin || d->len >= PEEK_BYTES)))
                break;
            size_t chunk = s->batch_bytes < READ_CHUNK ? s->batch_bytes : READ_CHUNK;
            tally__buf_reserve(d, chunk);
            ssize_t got = read_some(in, b, d->data + d->len, chunk);
            if (got <= 0)
                eof = 1;
            else
                d->len += (size_t)got;
        }
        in->sniffed = 1;
        if (in->format == TALLY_FORMAT_JSON) {
            b->data_off = (uint64_t)tally__reader_bom_dropped(in->r);
            tally__jarray_init(&in->ja, b->data_off);
            in->ja_fed = b->data_off;
        }
        const uint8_t *nul = need_bin ? memchr(d->data, 0, d->len < PEEK_BYTES ? d->len : PEEK_BYTES) : NULL;
        if (nul) {
            b->binary = 1;
            b->nul_at = (uint64_t)(nul - d->data);
            b->bytes = 0;
            b->read_rc = 0;
            b->last = 1;
            d->len = 0;
            return;
        }
    }
    int skipping = 0;     /* discarding an overlong JSON line up to its newline */
    size_t scan_from = 0; /* no newline before this offset */
    size_t cut = 0;
    size_t want = s->batch_bytes;
    if (in->format == TALLY_FORMAT_JSON) {
        cut = fill_json(b, in, &eof);
        goto tail;
    }
    for (;;) {
        if (skipping) {
            const uint8_t *nl = memchr(d->data, '\n', d->len);
            if (nl) {
                size_t drop = (size_t)(nl - d->data) + 1;
                memmove(d->data, d->data + drop, d->len - drop);
                d->len -= drop;
                skipping = 0;
                b->first_line++;
                scan_from = 0;
                continue;
            }
            d->len = 0;
            if (eof) {
                cut = 0;
                break;
            }
        } else if (eof) {
            cut = d->len;
            if (b->read_rc && in->format != TALLY_FORMAT_TEXT) {
                /* a line cut off by a broken stream is not a complete document */
                const uint8_t *nl = d->len ? memrchr(d->data, '\n', d->len) : NULL;
                cut = nl ? (size_t)(nl - d->data) + 1 : 0;
                if (b->cont_in && !nl)
                    cut = d->len; /* the open document is dropped by count_work */
            }
            break;
        } else if (d->len >= want) {
            if (in->format != TALLY_FORMAT_TEXT) {
                const uint8_t *nl = memrchr(d->data + scan_from, '\n', d->len - scan_from);
                if (nl) {
                    cut = (size_t)(nl - d->data) + 1;
                    break;
                }
                scan_from = d->len;
            }
            if (in->format != TALLY_FORMAT_JSONL) {
                size_t p = tally__tok_safe_cut(d->data, d->len, 65536);
                if (p == 0 && d->len >= s->force_cut)
                    p = forced_cut(d->data, d->len);
                if (p) {
                    cut = p;
                    b->cont_out = 1;
                    break;
                }
            } else if (d->len > s->max_line) {
                /* d is one line without its newline yet, already too long: it is skipped, not
                 * kept whole */
                batch_error(b, b->first_line, "line longer than the limit of %zu bytes; skipped", s->max_line);
                b->tot.skipped_documents++;
                d->len = 0;
                scan_from = 0;
                skipping = 1;
                continue;
            }
            want = d->len + s->batch_bytes;
        }
        /* reads are no larger than a batch, so tiny --batch-bytes really cut everywhere */
        size_t chunk = s->batch_bytes < READ_CHUNK ? s->batch_bytes : READ_CHUNK;
        tally__buf_reserve(d, chunk);
        size_t room = d->cap - d->len;
        if (s->batch_bytes < READ_CHUNK && room > chunk)
            room = chunk;
        ssize_t got = read_some(in, b, d->data + d->len, room);
        if (got <= 0)
            eof = 1;
        else
            d->len += (size_t)got;
    }
tail:
    b->digest[0] = '\0';
    if (eof && !b->read_rc)
        tally__reader_digest(in->r, b->digest);
    /* the rest goes back to the input for the next batch */
    in->carry_off = b->data_off + cut;
    tally__buf_append(&in->carry, d->data + cut, d->len - cut);
    if (b->read_rc)
        in->carry.len = 0; /* bytes after a fault are not counted as documents */
    d->len = cut;
    in->next_line = b->first_line;
    if (in->format != TALLY_FORMAT_TEXT && in->format != TALLY_FORMAT_JSON)
        in->next_line += count_newlines(d->data, d->len);
    in->carry_cont = b->cont_out;
    /* the reader belongs to this thread while it fills, so its offset is read here */
    if (s->opt->progress) {
        uint64_t off = tally__reader_raw_offset(in->r);
        b->raw = off - in->raw_pos;
        in->raw_pos = off;
    }
    b->last = eof && in->carry.len == 0;
    if (b->last && b->cont_out)
        b->last = 0;
}

/* ---- the loop thread ---------------------------------------------------------------------- */

static worker *worker_get(scan *s)
{
    worker *w = s->free_workers;
    if (w) {
        s->free_workers = w->next_free;
        return w;
    }
    w = tally_xcalloc(1, sizeof *w);
    w->m = tally__matcher_new(s->d);
    tally__buf_init(&w->extra);
    w->accw = tally_xcalloc(s->n_accs ? s->n_accs : 1, sizeof *w->accw);
    for (size_t i = 0; i < s->n_accs; i++)
        w->accw[i] = s->accs[i].cls->worker_new(s->accs[i].state, w->m);
    s->all_workers = tally_xrealloc(s->all_workers, (s->n_workers + 1) * sizeof *s->all_workers);
    s->all_workers[s->n_workers++] = w;
    return w;
}

static void worker_put(scan *s, worker *w)
{
    w->next_free = s->free_workers;
    s->free_workers = w;
}

static void parts_free(scan *s, batch *b)
{
    for (size_t i = 0; i < s->n_accs; i++) {
        if (b->parts[i]) {
            s->accs[i].cls->part_free(b->parts[i]);
            b->parts[i] = NULL;
        }
        free(b->hints[i]);
        b->hints[i] = NULL;
    }
}

static void release_slot(scan *s, batch *b)
{
    for (size_t i = 0; i < b->n_errs; i++)
        free(b->errs[i].msg);
    b->n_errs = 0;
    for (size_t i = 0; i < b->n_keys; i++)
        free(b->keys[i]);
    b->n_keys = 0;
    free(b->kw);
    free(b->grp);
    b->kw = b->grp = NULL;
    b->n_kw = b->n_grp = 0;
    b->perdoc.len = 0;
    parts_free(s, b);
    /* a slot that grew for one huge line gives the memory back */
    if (b->data.cap > 4 * s->batch_bytes + READ_CHUNK)
        tally__buf_cleanup(&b->data);
    if (b->perdoc.cap > 4 * s->batch_bytes)
        tally__buf_cleanup(&b->perdoc);
    b->in = NULL;
    b->w = NULL;
    b->read_rc = 0;
    b->open_failed = b->binary = 0;
    b->last = b->cont_in = b->cont_out = 0;
    memset(&b->tot, 0, sizeof b->tot);
    b->objects = b->with_field = 0;
    s->free_slots[s->n_free++] = b;
}

static int input_done(const input *in)
{
    return in->state == IN_FINISHED && !in->filling && in->outstanding == 0;
}

/* Writes the per-document records of finished batches in input order. */
static void flush_writes(scan *s)
{
    while (s->write_cursor < s->n_inputs) {
        input *in = &s->inputs[s->write_cursor];
        while (in->done && in->done->seq == in->next_write) {
            batch *b = in->done;
            in->done = b->next;
            if (s->opt->per_doc && b->perdoc.len && !s->io_error &&
                fwrite(b->perdoc.data, 1, b->perdoc.len, s->opt->per_doc) != b->perdoc.len)
                s->io_error = errno ? errno : EIO;
            in->next_write++;
            in->outstanding--;
            release_slot(s, b);
        }
        if (!input_done(in))
            break;
        s->write_cursor++;
    }
}

static void count_after(uv_work_t *req, int status);

static void start_count(scan *s, batch *b)
{
    input *in = b->in;
    if (b->cont_in) {
        b->w = in->held;
        in->held = NULL;
    } else {
        b->w = worker_get(s);
    }
    b->work.data = b;
    tally_batch_ctx bc = {in->index, b->seq};
    for (size_t i = 0; i < s->n_accs; i++)
        if (s->accs[i].cls->hint)
            b->hints[i] = s->accs[i].cls->hint(s->accs[i].state, &bc);
    s->in_flight++;
    s->counting++;
    uv_queue_work(&s->loop, &b->work, count_work, count_after);
}

/* Counts start at most `threads` at a time, so no more matchers exist than can run (each holds
 * per-keyword arrays); the others wait in arrival order. */
static void queue_count(scan *s, batch *b)
{
    if (b->cont_out)
        b->in->chain_busy = 1;
    if (s->counting < s->threads) {
        start_count(s, b);
        return;
    }
    b->next = NULL;
    if (s->ready_tail)
        s->ready_tail->next = b;
    else
        s->ready = b;
    s->ready_tail = b;
}

static void start_ready(scan *s)
{
    while (s->ready && s->counting < s->threads) {
        batch *b = s->ready;
        s->ready = b->next;
        if (!s->ready)
            s->ready_tail = NULL;
        start_count(s, b);
    }
}

static void merge(scan *s, batch *b)
{
    tally_summary *sum = s->sum;
    size_t idx = b->in->index;
    tally__summary_add_counts(sum, b->kw, b->n_kw, b->grp, b->n_grp);
    tally__totals_add(&sum->tot, &b->tot);
    sum->inputs[idx].documents += b->tot.documents;
    for (size_t i = 0; i < b->n_errs; i++)
        tally__summary_add_error(sum, idx, b->errs[i].line, b->errs[i].msg);
    tally__summary_add_objects(sum, b->objects, b->objects - b->with_field, b->keys, b->n_keys);
    tally_batch_ctx bc = {idx, b->seq};
    for (size_t i = 0; i < s->n_accs; i++) {
        void *part = b->parts[i];
        b->parts[i] = NULL;
        if (!part)
            continue;
        /* the merge owns the part from here on */
        if (s->acc_rc == 0 && s->accs[i].cls->merge(s->accs[i].state, part, &bc, &s->acc_err) != 0) {
            s->acc_rc = s->acc_err.code ? s->acc_err.code : TALLY_ELIMIT;
            s->stopped = 1;
        } else if (s->acc_rc != 0) {
            s->accs[i].cls->part_free(part);
        }
    }
}

static void count_after(uv_work_t *req, int status)
{
    batch *b = req->data;
    scan *s = b->s;
    input *in = b->in;
    (void)status;
    s->in_flight--;
    s->counting--;
    merge(s, b);
    if (b->cont_out && !b->read_rc) {
        in->held = b->w;
        in->chain_busy = 0;
        if (in->wait_cont) {
            batch *next = in->wait_cont;
            in->wait_cont = NULL;
            queue_count(s, next);
        }
    } else {
        worker_put(s, b->w);
    }
    b->w = NULL;
    if (s->opt->per_doc) {
        batch **pp = &in->done;
        while (*pp && (*pp)->seq < b->seq)
            pp = &(*pp)->next;
        b->next = *pp;
        *pp = b;
        flush_writes(s);
    } else {
        in->outstanding--;
        release_slot(s, b);
        flush_writes(s);
    }
    start_ready(s);
    pump(s);
}

static void finish_input(scan *s, input *in)
{
    in->state = IN_FINISHED;
    s->sum->inputs[in->index].format = in->sniffed ? in->format : -1;
    s->n_reading--;
    tally__reader_free(in->r);
    in->r = NULL;
    tally__buf_cleanup(&in->carry);
}

static void fill_after(uv_work_t *req, int status)
{
    batch *b = req->data;
    scan *s = b->s;
    input *in = b->in;
    (void)status;
    s->in_flight--;
    in->filling = 0;
    if (b->binary) {
        char msg[160];
        snprintf(msg, sizeof msg, "binary file left out: a NUL byte at byte %llu",
                 (unsigned long long)b->nul_at);
        tally__summary_add_warning(s->sum, in->index, 0, msg);
        s->sum->tot.skipped_inputs++;
        finish_input(s, in);
        s->sum->inputs[in->index].format = -1; /* not read */
        release_slot(s, b);
        pump(s);
        return;
    }
    s->sum->tot.bytes += b->bytes;
    s->input_read += b->raw;
    s->sum->inputs[in->index].bytes += b->bytes;
    if (b->last && !b->read_rc && b->digest[0])
        memcpy(s->sum->inputs[in->index].digest, b->digest, sizeof b->digest);
    if (b->open_failed)
        s->sum->unopened++;
    if (b->read_rc) {
        char msg[700];
        if (b->read_err.offset != UINT64_MAX)
            snprintf(msg, sizeof msg, "%s (at byte %llu of the input)", b->read_err.message,
                     (unsigned long long)b->read_err.offset);
        else
            snprintf(msg, sizeof msg, "%s", b->read_err.message);
        tally__summary_add_error(s->sum, in->index, 0, msg);
        s->sum->tot.failed_inputs++;
    }
    if (b->last || b->read_rc)
        finish_input(s, in);
    b->seq = in->next_seq++;
    in->outstanding++;
    if (b->cont_in && in->chain_busy)
        in->wait_cont = b;
    else
        queue_count(s, b);
    pump(s);
}

/* Starts every fill that a free slot allows, earliest inputs first. */
static void pump(scan *s)
{
    if (s->stopped || (s->opt->stop && *s->opt->stop)) {
        s->stopped = 1;
        return;
    }
    if (s->io_error)
        return;
    while (s->first_open < s->n_inputs && s->inputs[s->first_open].state == IN_FINISHED)
        s->first_open++;
    for (size_t i = s->first_open; i < s->n_inputs && s->n_free > 0; i++) {
        input *in = &s->inputs[i];
        if (in->state == IN_FINISHED || in->filling)
            continue;
        if (in->state == IN_WAITING) {
            if (s->n_reading >= s->max_reading)
                break;
            if (in->open_error) {
                tally__summary_add_error(s->sum, in->index, 0, in->open_error);
                s->sum->tot.failed_inputs++;
                s->sum->unopened++;
                in->state = IN_FINISHED;
                continue;
            }
            in->state = IN_READING;
            s->n_reading++;
        }
        /* with ordered per-document output, only the input being written may take the last
         * free slot, so it can always go on */
        if (s->opt->per_doc && i != s->write_cursor && s->n_free < 2)
            continue;
        /* a piece of a document that is still being counted waits for it */
        if (in->wait_cont)
            continue;
        batch *b = s->free_slots[--s->n_free];
        if (s->prefault && b->data.cap < s->prefault) {
            /* written once, on the slot's first use: memory then stays flat over a long run,
             * and a run that needs few slots never pays for the others */
            tally__buf_reserve(&b->data, s->prefault);
            memset(b->data.data, 0, s->prefault);
        }
        b->in = in;
        b->s = s;
        b->work.data = b;
        in->filling = 1;
        s->in_flight++;
        uv_queue_work(&s->loop, &b->work, fill_work, fill_after);
    }
    flush_writes(s);
}

/* ---- progress ---------------------------------------------------------------------------- */

static void on_progress_timer(uv_timer_t *t)
{
    scan *s = t->data;
    tally_progress p;
    p.input_bytes_read = s->input_read;
    p.input_bytes_total = s->input_total;
    p.bytes = s->sum->tot.bytes;
    p.documents = s->sum->tot.documents;
    p.errors = s->sum->tot.skipped_documents + s->sum->tot.failed_inputs;
    p.seconds = (double)(uv_hrtime() - s->t0) / 1e9;
    s->opt->progress(&p, s->opt->progress_ctx);
}

/* ---- public entry ------------------------------------------------------------------------- */

/* The list of an expanded input set (tally_inputs_expand), as the walk would have made it. */
static void list_from_entries(tally_input_list *l, const tally_input_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (e[i].empty_folder) {
            l->empty = tally_xrealloc(l->empty, (l->n_empty + 1) * sizeof *l->empty);
            l->empty[l->n_empty++] = (tally_empty_folder){tally_xstrdup(e[i].path), l->n};
            continue;
        }
        if (l->n == l->cap) {
            l->cap = l->cap ? 2 * l->cap : 16;
            l->items = tally_xrealloc(l->items, l->cap * sizeof *l->items);
        }
        tally_input_item *it = &l->items[l->n++];
        memset(it, 0, sizeof *it);
        it->path = tally_xstrdup(e[i].path);
        it->error = e[i].error ? tally_xstrdup(e[i].error) : NULL;
        it->is_enoent = e[i].enoent;
        it->walked = e[i].walked;
        it->size = e[i].size;
        it->mtime_sec = e[i].mtime_sec;
        it->mtime_nsec = e[i].mtime_nsec;
    }
}

void tally_inputs_expand(const char *const *args, size_t n, const tally_scan_options *o, tally_input_entry **out,
                         size_t *n_out, int *found_any)
{
    tally_input_list list = {0};
    tally_walk_options wo = {0};
    if (o) {
        wo.globs = o->globs;
        wo.n_globs = o->n_globs;
        wo.exclude = o->exclude;
        wo.n_exclude = o->n_exclude;
    }
    tally__inputs_expand(&list, args, n, &wo);
    *found_any = list.n > 0 || list.n_empty > 0;
    if (o && o->shard_n && o->shard_k >= 1 && o->shard_k <= o->shard_n)
        tally__inputs_shard(&list, o->shard_k, o->shard_n);
    size_t total = list.n + list.n_empty, k = 0;
    tally_input_entry *e = tally_xcalloc(total ? total : 1, sizeof *e);
    for (size_t i = 0, f = 0; i <= list.n; i++) {
        for (; f < list.n_empty && list.empty[f].before == i; f++) {
            e[k].path = list.empty[f].path;
            list.empty[f].path = NULL;
            e[k++].empty_folder = 1;
        }
        if (i == list.n)
            break;
        tally_input_item *it = &list.items[i];
        e[k].path = it->path;
        e[k].error = it->error;
        it->path = it->error = NULL;
        e[k].enoent = it->is_enoent;
        e[k].walked = it->walked;
        e[k].size = it->size;
        e[k].mtime_sec = it->mtime_sec;
        e[k].mtime_nsec = it->mtime_nsec;
        k++;
    }
    tally__inputs_cleanup(&list);
    *out = e;
    *n_out = k;
}

void tally_inputs_free(tally_input_entry *e, size_t n)
{
    for (size_t i = 0; e && i < n; i++) {
        free(e[i].path);
        free(e[i].error);
    }
    free(e);
}

/* The accumulators the options switch on, in a fixed order (their outputs do not depend on it).
 * Each feature adds its own here; with none, n_accs stays 0 and counting calls nothing. */
static int accs_setup(scan *s, tally_error *err)
{
    tally_acc_env env = {s->d, s->opt, s->fields, s->n_fields, s->n_keep};
    s->accs = tally_xcalloc(TALLY_MAX_ACCS, sizeof *s->accs);
    int rc;
    if (s->opt->n_by) {
        if ((rc = tally__by_acc_new(&env, &s->accs[s->n_accs], err)) != 0)
            return rc;
        env.keep_base += s->accs[s->n_accs++].n_keep;
    }
    if (s->opt->kwic) {
        if ((rc = tally__kwic_acc_new(&env, &s->accs[s->n_accs], err)) != 0)
            return rc;
        s->n_accs++;
    }
    if (s->opt->vocab) {
        if ((rc = tally__vocab_acc_new(&env, &s->accs[s->n_accs], err)) != 0)
            return rc;
        s->n_accs++;
    }
    return 0;
}

static void accs_free(scan *s)
{
    for (size_t i = 0; i < s->n_accs; i++)
        if (s->accs[i].cls->free)
            s->accs[i].cls->free(s->accs[i].state);
    free(s->accs);
}

void tally_scan_options_init(tally_scan_options *o)
{
    memset(o, 0, sizeof *o);
    o->vocab_top = 100;
}

/* The fingerprint holds only what decides how an input is counted (README "The summary"): the
 * format is a property of each input, not of the run, and the id field, threads and batch size
 * change no count, so o and id_field stay out. */
int tally_scan_run(const tally_dict *d, const char *const *inputs, size_t n_inputs,
                   const tally_scan_options *opt, tally_summary **out, tally_error *err)
{
    static const char *const default_field[] = {"text"};
    tally_scan_options defaults;
    if (!opt) {
        tally_scan_options_init(&defaults);
        opt = &defaults;
    }
    *out = NULL;
    if (!d->compiled)
        return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "the dictionary is not compiled");
    for (size_t i = 0; i < opt->n_globs; i++) {
        const char *g = opt->globs[i];
        if (tally__glob_check(g + (g[0] == '!'), err) != 0)
            return TALLY_EINVAL;
    }

    scan *s = tally_xcalloc(1, sizeof *s);
    tally_input_list list = {0}; /* here: an accumulator's setup may fail before the walk */
    int rc = 0;
    uint64_t t0 = uv_hrtime();
    s->d = d;
    s->opt = opt;
    s->fields = opt->text_fields && opt->n_text_fields ? opt->text_fields : default_field;
    s->n_fields = opt->text_fields && opt->n_text_fields ? opt->n_text_fields : 1;
    const char *id_field = opt->id_field ? opt->id_field : "id";
    /* a path kept twice is written once, where it was first given */
    s->keep = tally_xcalloc(opt->n_keep_fields ? opt->n_keep_fields : 1, sizeof *s->keep);
    for (size_t i = 0; opt->keep_fields && i < opt->n_keep_fields; i++) {
        size_t j = 0;
        while (j < s->n_keep && strcmp(s->keep[j], opt->keep_fields[i]) != 0)
            j++;
        if (j == s->n_keep)
            s->keep[s->n_keep++] = opt->keep_fields[i];
    }
    s->perdoc = tally__perdoc_new(d, s->keep, s->n_keep);
    if ((rc = accs_setup(s, err)) != 0)
        goto out;
    /* the scanner keeps the kept paths of the records, then those the accumulators read */
    size_t n_spec_keep = s->n_keep;
    for (size_t i = 0; i < s->n_accs; i++)
        n_spec_keep += s->accs[i].n_keep;
    const char **spec_keep = tally_xcalloc(n_spec_keep + 1, sizeof *spec_keep);
    for (size_t i = 0; i < s->n_keep; i++)
        spec_keep[i] = s->keep[i];
    for (size_t i = 0, at = s->n_keep; i < s->n_accs; at += s->accs[i++].n_keep)
        for (size_t k = 0; k < s->accs[i].n_keep; k++)
            spec_keep[at + k] = s->accs[i].keep[k];
    s->spec = tally__jsonl_spec_new_keep(s->fields, s->n_fields, id_field, spec_keep, n_spec_keep);
    free(spec_keep);
    s->batch_bytes = opt->batch_bytes ? opt->batch_bytes : DEFAULT_BATCH;
    s->max_line = opt->max_line_bytes ? opt->max_line_bytes : DEFAULT_MAX_LINE;
    s->force_cut = s->max_line < s->batch_bytes ? s->batch_bytes : s->max_line;
    s->window_log = opt->zstd_window_log_max;
    unsigned threads = opt->threads;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    if (threads > 1024)
        threads = 1024;
    /* libuv sizes its pool from this variable when the first work is queued in the process */
    char num[16];
    snprintf(num, sizeof num, "%u", threads);
    setenv("UV_THREADPOOL_SIZE", num, 1);
    json_object_seed(0);

    tally_walk_options wo = {opt->globs, opt->n_globs, opt->exclude, opt->n_exclude};
    int found_any = 1;
    if (opt->entries)
        list_from_entries(&list, opt->entries, opt->n_entries);
    else
        tally__inputs_expand(&list, inputs, n_inputs, &wo);
    if (!opt->entries)
        found_any = list.n > 0 || list.n_empty > 0;
    if (opt->shard_n && !opt->entries) {
        if (opt->shard_k < 1 || opt->shard_k > opt->shard_n) {
            rc = tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "shard %u of %u does not exist", opt->shard_k,
                               opt->shard_n);
            goto out;
        }
        tally__inputs_shard(&list, opt->shard_k, opt->shard_n);
    }
    s->n_inputs = list.n;
    s->inputs = tally_xcalloc(list.n ? list.n : 1, sizeof *s->inputs);
    s->sum = tally__summary_new(d, list.n);
    s->sum->threads = threads;
    tally__summary_set_options(s->sum, d, s->fields, s->n_fields);
    for (size_t i = 0; i < list.n; i++) {
        input *in = &s->inputs[i];
        in->index = i;
        in->name = list.items[i].path;
        in->name_json = tally__perdoc_quote(in->name);
        in->open_error = list.items[i].error;
        in->walked = list.items[i].walked;
        in->format = format_for(in->name, opt->format);
        in->next_line = 1;
        in->ja_skip = UINT64_MAX;
        tally__buf_init(&in->carry);
        /* the summary names inputs in valid UTF-8, so its order is the order of what it writes */
        s->sum->inputs[i].path = tally__utf8_sanitize(in->name);
        s->input_total += list.items[i].size;
    }
    for (size_t i = 0; i < list.n_empty; i++) {
        char msg[64];
        snprintf(msg, sizeof msg, "no input files under this folder");
        char *name = tally__utf8_sanitize(list.empty[i].path);
        tally__summary_add_named_error(s->sum, name, msg);
        free(name);
    }
    /* a shard may well hold no input: only a run that found none at all says so */
    if (!found_any && n_inputs > 0)
        tally__summary_add_named_error(s->sum, "", "no input files");
    /* Kept fields are read from JSON only. A run where no input can be JSON (standard input in
     * `auto` is decided on its first bytes, so it can) has them for nothing: almost surely a
     * mistake, said at once. With some inputs JSON, the others' records hold null for them. */
    if (s->n_keep && list.n && !opt->keep_unchecked) {
        size_t i = 0;
        while (i < list.n && (s->inputs[i].format == TALLY_FORMAT_TEXT || s->inputs[i].format == TALLY_FORMAT_LINES))
            i++;
        if (i == list.n) {
            rc = tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX,
                               "the kept field '%s' needs JSON input: no input is JSON Lines or a JSON array",
                               s->keep[0]);
            goto out;
        }
    }
    if (opt->setup_only) {
        tally_summary_free(s->sum);
        s->sum = tally__summary_new(d, 0);
        tally__summary_set_options(s->sum, d, s->fields, s->n_fields);
        tally__summary_finish(s->sum);
        /* what a scan of nothing would end with, the accumulators' parts (and settings) too */
        for (size_t i = 0; i < s->n_accs; i++)
            if (s->accs[i].cls->finish && (rc = s->accs[i].cls->finish(s->accs[i].state, s->sum, err)) != 0)
                goto out;
        *out = s->sum;
        s->sum = NULL;
        goto out;
    }
    s->max_reading = threads;
    s->threads = threads;
    s->n_slots = 2 * (size_t)threads + 2;
    s->all_slots = tally_xcalloc(s->n_slots, sizeof *s->all_slots);
    s->free_slots = tally_xcalloc(s->n_slots, sizeof *s->free_slots);
    /* Each slot's buffer gets the size a batch normally reaches, written once when the slot is
     * first used (pump): memory then never creeps up during a long run, while a run that uses
     * few slots (a small input with many threads) never pays for the rest. Very large
     * --batch-bytes are left to grow on demand. */
    s->prefault = s->batch_bytes <= PREFAULT_MAX ? s->batch_bytes + READ_CHUNK : 0;
    for (size_t i = 0; i < s->n_slots; i++) {
        tally__buf_init(&s->all_slots[i].data);
        tally__buf_init(&s->all_slots[i].perdoc);
        s->all_slots[i].parts = tally_xcalloc(s->n_accs ? s->n_accs : 1, sizeof(void *));
        s->all_slots[i].hints = tally_xcalloc(s->n_accs ? s->n_accs : 1, sizeof(void *));
        s->free_slots[s->n_free++] = &s->all_slots[i];
    }

    if (uv_loop_init(&s->loop) != 0) {
        rc = tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "cannot start the event loop");
        goto out;
    }
    s->t0 = t0;
    if (opt->progress) {
        uv_timer_init(&s->loop, &s->progress_timer);
        s->progress_timer.data = s;
        uv_timer_start(&s->progress_timer, on_progress_timer, 100, 100);
        /* the timer alone does not keep the loop running: it ends when the work does */
        uv_unref((uv_handle_t *)&s->progress_timer);
        s->has_timer = 1;
    }
    pump(s);
    uv_run(&s->loop, UV_RUN_DEFAULT);
    if (s->has_timer) {
        uv_close((uv_handle_t *)&s->progress_timer, NULL);
        uv_run(&s->loop, UV_RUN_DEFAULT);
    }
    uv_loop_close(&s->loop);

    if (s->io_error) {
        rc = tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "cannot write the per-document output: %s",
                           strerror(s->io_error));
        goto out;
    }
    if (s->acc_rc) {
        rc = s->acc_rc;
        if (err)
            *err = s->acc_err;
        goto out;
    }
    if (s->stopped) {
        rc = tally__seterr(err, TALLY_EINTR, 0, UINT64_MAX, "interrupted");
        goto out;
    }
    /* what workers kept across batches (every batch has been merged, the workers are idle) */
    for (size_t k = 0; k < s->n_workers; k++)
        for (size_t i = 0; i < s->n_accs; i++) {
            void *part = s->accs[i].cls->flush ? s->accs[i].cls->flush(s->all_workers[k]->accw[i]) : NULL;
            tally_batch_ctx bc = {SIZE_MAX, 0};
            if (part && (rc = s->accs[i].cls->merge(s->accs[i].state, part, &bc, err)) != 0)
                goto out;
        }
    tally__summary_finish(s->sum);
    for (size_t i = 0; i < s->n_accs; i++)
        if (s->accs[i].cls->finish && (rc = s->accs[i].cls->finish(s->accs[i].state, s->sum, err)) != 0)
            goto out;
    s->sum->tot.seconds = (double)(uv_hrtime() - t0) / 1e9;
    *out = s->sum;
    s->sum = NULL;

out:
    tally_summary_free(s->sum);
    for (size_t i = 0; i < s->n_inputs; i++) {
        tally__reader_free(s->inputs[i].r);
        tally__buf_cleanup(&s->inputs[i].carry);
        free(s->inputs[i].name_json);
    }
    free(s->inputs);
    for (size_t i = 0; s->all_slots && i < s->n_slots; i++) {
        batch *b = &s->all_slots[i];
        parts_free(s, b);
        free(b->parts);
        free(b->hints);
        tally__buf_cleanup(&b->data);
        tally__buf_cleanup(&b->perdoc);
        for (size_t k = 0; k < b->n_errs; k++)
            free(b->errs[k].msg);
        free(b->errs);
        for (size_t k = 0; k < b->n_keys; k++)
            free(b->keys[k]);
        free(b->kw);
        free(b->grp);
        free(b->elems);
    }
    free(s->all_slots);
    free(s->free_slots);
    for (size_t i = 0; i < s->n_workers; i++) {
        worker *w = s->all_workers[i];
        for (size_t k = 0; k < s->n_accs; k++)
            s->accs[k].cls->worker_free(w->accw[k]);
        free(w->accw);
        tally__buf_cleanup(&w->extra);
        tally__matcher_free(s->all_workers[i]->m);
        if (s->all_workers[i]->jr_ready)
            tally__jsonl_result_cleanup(&s->all_workers[i]->jr);
        free(s->all_workers[i]);
    }
    free(s->all_workers);
    tally__jsonl_spec_free(s->spec);
    tally__perdoc_free(s->perdoc);
    accs_free(s);
    free(s->keep);
    tally__inputs_cleanup(&list);
    free(s);
    return rc;
}
