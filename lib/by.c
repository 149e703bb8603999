/* by.c — the `--by` accumulator (by.h): each document ends in the bucket of its key, and the
 * bucket adds the document's counts as the matcher left them at doc_end (its sparse keyword and
 * group lists), so nothing is done per token. Per counting thread: a table of the keys seen in
 * the batch and a table of (bucket, keyword or group) cells; take moves both into the batch's
 * part, merge adds a part into the scan's tables on the loop thread, finish sorts them into the
 * summary's "buckets". Everything is keyed by the key's bytes, so the result does not depend on
 * the order batches finish in.
 *
 * A worker keeps its keys from batch to batch (until they grow many), so most documents fall
 * into a bucket the worker already has. With a dense dictionary (most are) the worker also keeps
 * its counts: a document adds into its bucket's row of cells, one per keyword and group, and the
 * worker hands its whole table over only when it grows past a bound or after the last batch
 * (flush). Each cell is then touched once per document that has it, on the counting thread,
 * with nothing written per batch: handing the counts over with every batch (as a log of each
 * document's cells, or as the batch's nonzero cells) cost a buffer per batch in fresh pages, a
 * second pass over every cell and most of a bucketed scan's extra time, on the loop thread.
 * Documents are added a thousand at a time (apply), each one's bucket fetched from memory while
 * those before it are added. Past the dense width, a worker keeps sparse cells, adds each
 * document as it ends and hands over the nonzero cells (and the rows the batch touched) with
 * every batch.
 *
 * The values come from the JSON scanner's kept values (jsonl.h): the pipeline appends this
 * accumulator's paths to the scanner's kept list, and a value arrives exactly as written. */
#include "by.h"

#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "hash.h"
#include "unicode.h"

enum { C_FIELD, C_DATE, C_INPUT };

typedef struct comp {
    int kind;
    size_t keep;            /* C_FIELD, C_DATE: the value's index in the scanner's kept values */
    const char *path;       /* the field's path (C_FIELD, C_DATE), for messages */
    tally_date_spec date;
} comp;

/* ---- keys --------------------------------------------------------------------------------- */

void tally__by_key_put(tally_buf *k, const uint8_t *v, size_t n)
{
    if (!v) {
        tally__buf_append(k, "\x02", 1);
        return;
    }
    tally__buf_reserve(k, 2 * n + 3);
    uint8_t *o = k->data + k->len;
    *o++ = 0x01;
    for (size_t i = 0; i < n; i++) {
        *o++ = v[i];
        if (v[i] == 0)
            *o++ = 0xFF;
    }
    *o++ = 0x00;
    *o++ = 0x01;
    k->len = (size_t)(o - k->data);
}

int tally__by_key_get(const uint8_t *key, size_t len, size_t j, tally_buf *out)
{
    size_t i = 0;
    if (out)
        out->len = 0;
    for (size_t c = 0;; c++) {
        if (i >= len)
            return -1;
        if (key[i] == 0x02) {
            if (c == j)
                return 1;
            i++;
            continue;
        }
        if (key[i] != 0x01)
            return -1;
        i++;
        size_t start = i;
        for (;;) {
            if (i + 1 >= len)
                return -1;
            if (key[i] == 0x00 && key[i + 1] == 0x01)
                break;
            i += key[i] == 0x00 ? 2 : 1;
        }
        if (c == j) {
            if (out)
                for (size_t p = start; p < i; p += key[p] == 0x00 ? 2 : 1)
                    tally__buf_append(out, key + p, 1);
            return 0;
        }
        i += 2;
    }
}

int tally__by_key_cmp(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    int c = memcmp(a, b, na < nb ? na : nb);
    if (c)
        return c;
    return na < nb ? -1 : na > nb;
}

/* ---- tables: keys to buckets, (bucket, id) to cells --------------------------------------- */

typedef struct row {
    size_t off, len;        /* the key in the table's arena */
    uint64_t hash;
    uint64_t documents, tokens;
    size_t part;            /* a worker's row touched in the batch: its index in the batch's part */
} row;

typedef struct cell {
    uint64_t key;           /* (bucket + 1) << 32 | id; 0 is an empty slot */
    uint64_t count, documents;
} cell;

/* A bucket's counts held densely: one per keyword and group. */
typedef struct dcell {
    uint64_t count, documents;
} dcell;

/* Dictionaries of up to this many keywords and groups count densely, a row of cells per bucket
 * (an add is an index, not a hash probe: the per-document work of a scan), while the table
 * holds at most DENSE_MAX_CELLS of them; past that it turns sparse, so that memory follows
 * the nonzero cells. */
#define DENSE_MAX_WIDTH 512
#define DENSE_MAX_CELLS ((size_t)1 << 22)

/* A hash slot holds a short key itself, so that finding a bucket reads one cache line (the
 * buckets of a scan's documents come in random order, and the text counted between two
 * documents of one bucket has pushed the table out of the cache). A longer key is compared in
 * the table's arena. */
#define SLOT_KEY 48

typedef struct slot {
    uint64_t hash;
    uint32_t row;           /* row index + 1; 0 empty */
    uint32_t len;
    uint8_t key[SLOT_KEY];  /* the key when len <= SLOT_KEY */
} slot;

/* Is the key of slot sl (of table t) k[0,n) with hash h? */
#define SLOT_IS(t, sl, k, n, h)                                                                    \
    ((sl)->hash == (h) && (sl)->len == (n) &&                                                      \
     memcmp((n) <= SLOT_KEY ? (sl)->key : (t)->keys.data + (t)->rows[(sl)->row - 1].off, (k), (n)) == 0)

typedef struct table {
    tally_buf keys;
    row *rows;
    size_t n_rows, cap_rows;
    slot *slots;
    size_t n_slots;         /* a power of two */
    size_t width;           /* dense: cells per row; 0: sparse */
    dcell *dense;           /* dense: rows × width */
    size_t cap_dense;       /* rows dense has room for */
    cell *cells;            /* sparse */
    size_t n_cells, cap_cells; /* cap_cells: a power of two */
} table;

/* the cells per dense row of a table for width keywords and groups; 0: sparse */
static size_t dense_width(size_t width)
{
    return width <= DENSE_MAX_WIDTH ? width : 0;
}

static void table_init(table *t, size_t width)
{
    memset(t, 0, sizeof *t);
    tally__buf_init(&t->keys);
    t->width = dense_width(width);
}

static void table_cleanup(table *t)
{
    tally__buf_cleanup(&t->keys);
    free(t->rows);
    free(t->slots);
    free(t->cells);
    free(t->dense);
    memset(t, 0, sizeof *t);
}

static void slot_set(table *t, slot *sl, size_t r)
{
    const row *rw = &t->rows[r];
    sl->hash = rw->hash;
    sl->row = (uint32_t)(r + 1);
    sl->len = (uint32_t)rw->len;
    if (rw->len <= SLOT_KEY)
        memcpy(sl->key, t->keys.data + rw->off, rw->len);
}

static void slots_grow(table *t)
{
    size_t n = t->n_slots ? 2 * t->n_slots : 64;
    slot *s = tally_xcalloc(n, sizeof *s);
    for (size_t r = 0; r < t->n_rows; r++) {
        size_t i = t->rows[r].hash & (n - 1);
        while (s[i].row)
            i = (i + 1) & (n - 1);
        slot_set(t, &s[i], r);
    }
    free(t->slots);
    t->slots = s;
    t->n_slots = n;
}

static void cell_add(table *t, size_t r, uint32_t id, uint64_t count, uint64_t documents);

/* Moves the dense cells into the sparse table. */
static void table_sparsify(table *t)
{
    size_t w = t->width;
    dcell *d = t->dense;
    t->width = 0;
    t->dense = NULL;
    for (size_t r = 0; r < t->n_rows; r++)
        for (size_t id = 0; id < w; id++)
            if (d[r * w + id].count)
                cell_add(t, r, (uint32_t)id, d[r * w + id].count, d[r * w + id].documents);
    free(d);
    t->cap_dense = 0;
}

/* The next nonzero cell from *pos on (start at 0): returns 0 at the end. */
static int cell_next(const table *t, size_t *pos, size_t *r, uint32_t *id, uint64_t *count, uint64_t *documents)
{
    if (t->width) {
        size_t end = t->n_rows * t->width;
        while (*pos < end && !t->dense[*pos].count)
            (*pos)++;
        if (*pos == end)
            return 0;
        *r = *pos / t->width;
        *id = (uint32_t)(*pos % t->width);
        *count = t->dense[*pos].count;
        *documents = t->dense[*pos].documents;
    } else {
        while (*pos < t->cap_cells && !t->cells[*pos].key)
            (*pos)++;
        if (*pos == t->cap_cells)
            return 0;
        const cell *c = &t->cells[*pos];
        *r = (size_t)(c->key >> 32) - 1;
        *id = (uint32_t)c->key;
        *count = c->count;
        *documents = c->documents;
    }
    (*pos)++;
    return 1;
}

/* The bucket of key k[0,n) with hash h, added when new. */
static size_t table_row(table *t, const uint8_t *k, size_t n, uint64_t h)
{
    if (2 * (t->n_rows + 1) > t->n_slots)
        slots_grow(t);
    size_t i = h & (t->n_slots - 1);
    for (;;) {
        const slot *sl = &t->slots[i];
        if (!sl->row)
            break;
        if (SLOT_IS(t, sl, k, n, h))
            return sl->row - 1;
        i = (i + 1) & (t->n_slots - 1);
    }
    if (t->n_rows == t->cap_rows) {
        t->cap_rows = t->cap_rows ? 2 * t->cap_rows : 64;
        t->rows = tally_xrealloc(t->rows, t->cap_rows * sizeof *t->rows);
    }
    if (t->width && (t->n_rows + 1) * t->width > DENSE_MAX_CELLS)
        table_sparsify(t);
    if (t->width && t->n_rows == t->cap_dense) {
        size_t cap = t->cap_dense ? 2 * t->cap_dense : 16;
        t->dense = tally_xrealloc(t->dense, cap * t->width * sizeof *t->dense);
        memset(t->dense + t->cap_dense * t->width, 0, (cap - t->cap_dense) * t->width * sizeof *t->dense);
        t->cap_dense = cap;
    }
    row *r = &t->rows[t->n_rows];
    r->off = t->keys.len;
    r->len = n;
    r->hash = h;
    r->documents = r->tokens = 0;
    tally__buf_append(&t->keys, k, n);
    slot_set(t, &t->slots[i], t->n_rows);
    return t->n_rows++;
}

static void cells_grow(table *t)
{
    size_t n = t->cap_cells ? 2 * t->cap_cells : 256;
    cell *c = tally_xcalloc(n, sizeof *c);
    for (size_t j = 0; j < t->cap_cells; j++) {
        if (!t->cells[j].key)
            continue;
        size_t i = tally__hash_u64(t->cells[j].key) & (n - 1);
        while (c[i].key)
            i = (i + 1) & (n - 1);
        c[i] = t->cells[j];
    }
    free(t->cells);
    t->cells = c;
    t->cap_cells = n;
}

static void cell_add(table *t, size_t r, uint32_t id, uint64_t count, uint64_t documents)
{
    if (t->width) {
        dcell *d = &t->dense[r * t->width + id];
        d->count += count;
        d->documents += documents;
        return;
    }
    if (2 * (t->n_cells + 1) > t->cap_cells)
        cells_grow(t);
    uint64_t key = ((uint64_t)(r + 1) << 32) | id;
    size_t i = tally__hash_u64(key) & (t->cap_cells - 1);
    while (t->cells[i].key && t->cells[i].key != key)
        i = (i + 1) & (t->cap_cells - 1);
    if (!t->cells[i].key) {
        t->cells[i].key = key;
        t->n_cells++;
    }
    t->cells[i].count += count;
    t->cells[i].documents += documents;
}

/* ---- the accumulator ---------------------------------------------------------------------- */

/* An undated document, for the summary's warnings. */
typedef struct undated {
    char *input;            /* the input's name, valid UTF-8 (owned; NULL in a worker's list) */
    uint64_t line;
    char *msg;              /* owned */
} undated;

typedef struct byacc {
    comp *comps;
    size_t n_comps;
    const char *const *specs;   /* borrowed from the options */
    const char **keep;          /* the kept paths the scanner gives this accumulator */
    size_t n_keep;
    uint32_t n_kws;
    size_t width;               /* keywords and groups: the cells of a bucket */
    size_t max;
    int epoch, offset, has_date;
    table t;                    /* the scan's buckets so far (loop thread) */
    undated *und;               /* the smallest undated documents so far, by input, line, msg */
    size_t n_und, cap_und;
} byacc;

/* A worker's table is dropped after a batch past these many rows or dense cells, so that a
 * worker holds no more than a few batches' worth of keys (`--by id` gives every document its
 * own key and nothing to reuse). */
#define WORKER_MAX_ROWS 16384
#define WORKER_MAX_CELLS ((size_t)1 << 20)

/* A field's value as written to its encoded key component, remembered for the next documents
 * with the same value: sources, outlets and languages take a few values each, and a value
 * written with \u escapes (as Python's json writes any non-ASCII text) costs far more to
 * decode than to compare. Direct-mapped by the value's hash; short values only. */
#define VC_SLOTS 64
#define VC_RAW 62
#define VC_ENC 128

typedef struct vcache {
    uint8_t raw_len, enc_len;   /* raw_len 0: empty (a JSON value is never empty) */
    uint8_t raw[VC_RAW];
    uint8_t enc[VC_ENC];
} vcache;

/* A counted document of a dense worker, waiting to be added into its bucket: adding documents a
 * thousand at a time lets the bucket of each be fetched from memory while the ones before it are
 * added, where adding each as it ends waits for its bucket's cache lines (see apply). */
typedef struct pdoc {
    uint64_t hash, tokens;
    size_t row;                 /* found by apply */
    uint32_t key_off, key_len;  /* in pkeys */
    uint32_t cnt_off, n_cnt;    /* in pc */
} pdoc;

typedef struct pcnt {
    uint32_t id, count;         /* keyword id, or n_kws + group id */
} pcnt;

#define PENDING_DOCS 1024

typedef struct byworker {
    const byacc *a;
    table t;                    /* the keys seen (kept across batches); sparse: this batch's cells */
    uint32_t *trows;            /* sparse: the rows this batch touched (documents went from 0) */
    size_t n_trows, cap_trows;
    int dense;                  /* the table is dense and kept across batches until flushed */
    tally_buf key;              /* the current document's key */
    uint64_t key_hash;
    pdoc *pd;                   /* dense: documents not yet added into the table */
    size_t n_pd, cap_pd;
    tally_buf pkeys;            /* their keys */
    pcnt *pc;                   /* their counts */
    size_t n_pc, cap_pc;
    tally_buf val;              /* a decoded value */
    undated und[TALLY_MAX_UNDATED_LISTED];
    size_t n_und;
    const char *und_input;      /* the input of the listed undated documents (borrowed) */
    size_t input_at;            /* @input: the input whose name is in input_key; SIZE_MAX none */
    tally_buf input_key;
    struct vcache *vc;          /* VC_SLOTS per component, for C_FIELD components */
} byworker;

/* One nonzero cell of a part: the part's row, keyword id or n_kws + group id. */
typedef struct pcell {
    uint32_t row, id;
    uint64_t count, documents;
} pcell;

typedef struct bypart {
    tally_buf keys;             /* the rows' keys */
    row *rows;                  /* off, len, hash, documents, tokens */
    size_t n_rows;
    pcell *cells;               /* sparse */
    size_t n_cells;
    table whole;                /* has_whole: a dense worker's whole table, handed over */
    int has_whole;
    undated *und;
    size_t n_und;
    const char *input;
} bypart;

static int parse_spec(const char *spec, comp *c, tally_error *err)
{
    static const char *const units[] = {"day", "week", "month", "year"};
    memset(c, 0, sizeof *c);
    c->path = spec;
    if (!spec[0])
        return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "a bucket specification is empty");
    if (spec[0] == '@') {
        if (strcmp(spec, "@input") != 0)
            return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX,
                                 "bucket specification '%s': the only name starting with @ is @input (the input's name)", spec);
        c->kind = C_INPUT;
        return 0;
    }
    c->kind = C_FIELD;
    const char *colon = strrchr(spec, ':');
    if (!colon)
        return 0;
    const char *u = colon + 1;
    size_t ul = strlen(u);
    if (ul == 0 || strspn(u, "abcdefghijklmnopqrstuvwxyz") != ul)
        return 0; /* a field name with a colon in it */
    for (int i = 0; i < 4; i++)
        if (strcmp(u, units[i]) == 0) {
            if (colon == spec)
                return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "bucket specification '%s': no field before ':%s'", spec, u);
            if (strncmp(spec, "@input:", 7) == 0)
                return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "bucket specification '%s': @input is not a date", spec);
            c->kind = C_DATE;
            c->date.unit = i == 0 ? TALLY_DATE_DAY : i == 1 ? TALLY_DATE_WEEK : i == 2 ? TALLY_DATE_MONTH : TALLY_DATE_YEAR;
            return 0;
        }
    return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX,
                         "bucket specification '%s': '%s' is not a date unit (day, week, month or year)", spec, u);
}

int tally__by_check(const tally_scan_options *opt, tally_error *err)
{
    if (opt->by_epoch < TALLY_EPOCH_AUTO || opt->by_epoch > TALLY_EPOCH_MILLISECONDS)
        return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "the epoch unit is neither seconds nor milliseconds");
    if (opt->by_utc_offset < -1439 || opt->by_utc_offset > 1439)
        return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "the UTC offset is more than 23:59");
    for (size_t i = 0; i < opt->n_by; i++) {
        comp c;
        if (parse_spec(opt->by[i], &c, err) != 0)
            return TALLY_EINVAL;
    }
    return 0;
}

static void undated_free(undated *u, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(u[i].input);
        free(u[i].msg);
    }
}

static void *w_new(void *acc, tally_matcher *m)
{
    (void)m;
    byworker *w = tally_xcalloc(1, sizeof *w);
    w->a = acc;
    table_init(&w->t, w->a->width);
    w->dense = w->t.width != 0;
    tally__buf_init(&w->key);
    tally__buf_init(&w->pkeys);
    tally__buf_init(&w->val);
    tally__buf_init(&w->input_key);
    w->input_at = SIZE_MAX;
    w->vc = tally_xcalloc(w->a->n_comps * VC_SLOTS, sizeof *w->vc);
    return w;
}

static void w_free(void *p)
{
    byworker *w = p;
    if (!w)
        return;
    table_cleanup(&w->t);
    free(w->pd);
    free(w->pc);
    tally__buf_cleanup(&w->pkeys);
    free(w->trows);
    tally__buf_cleanup(&w->key);
    tally__buf_cleanup(&w->val);
    tally__buf_cleanup(&w->input_key);
    free(w->vc);
    undated_free(w->und, w->n_und);
    free(w);
}

static uint32_t hex4(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = v * 16 + (uint32_t)(p[i] <= '9' ? p[i] - '0' : (p[i] | 0x20) - 'a' + 10);
    return v;
}

/* Decodes the JSON string p[0,n) (quotes included, validated by the scanner) into out; escapes
 * are resolved, a lone surrogate and ill-formed UTF-8 become U+FFFD. */
static void decode_string(const uint8_t *p, size_t n, tally_buf *out)
{
    if (n <= 64) {
        /* most values are short ASCII without escapes: one copy */
        uint8_t any = 0;
        for (size_t i = 1; i + 1 < n; i++)
            any |= (uint8_t)((p[i] & 0x80) | (p[i] == '\\'));
        if (!any) {
            out->len = 0;
            tally__buf_append(out, p + 1, n - 2);
            return;
        }
    }
    static const uint8_t fffd[3] = {0xEF, 0xBF, 0xBD};
    out->len = 0;
    size_t i = 1, end = n - 1;
    while (i < end) {
        uint8_t c = p[i];
        if (c == '\\') {
            uint8_t e = p[i + 1];
            i += 2;
            char ch;
            switch (e) {
            case 'b': ch = '\b'; break;
            case 'f': ch = '\f'; break;
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case 't': ch = '\t'; break;
            case 'u': {
                uint32_t cp = hex4(p + i);
                i += 4;
                if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= end && p[i] == '\\' && p[i + 1] == 'u') {
                    uint32_t lo = hex4(p + i + 2);
                    if (lo >= 0xDC00 && lo < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        i += 6;
                    }
                }
                if (cp >= 0xD800 && cp < 0xE000) {
                    tally__buf_append(out, fffd, 3);
                    continue;
                }
                uint8_t u[4];
                size_t k;
                if (cp < 0x80) {
                    u[0] = (uint8_t)cp, k = 1;
                } else if (cp < 0x800) {
                    u[0] = (uint8_t)(0xC0 | cp >> 6), u[1] = (uint8_t)(0x80 | (cp & 0x3F)), k = 2;
                } else if (cp < 0x10000) {
                    u[0] = (uint8_t)(0xE0 | cp >> 12), u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
                    u[2] = (uint8_t)(0x80 | (cp & 0x3F)), k = 3;
                } else {
                    u[0] = (uint8_t)(0xF0 | cp >> 18), u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
                    u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (uint8_t)(0x80 | (cp & 0x3F)), k = 4;
                }
                tally__buf_append(out, u, k);
                continue;
            }
            default: ch = (char)e; /* \" \\ \/ */
            }
            tally__buf_append(out, &ch, 1);
            continue;
        }
        size_t j = i;
        while (j < end && p[j] != '\\' && p[j] < 0x80)
            j++;
        if (j > i) {
            tally__buf_append(out, p + i, j - i);
            i = j;
            continue;
        }
        if (c < 0x80)
            continue;
        uint32_t cp;
        int bad = 0;
        size_t len = tally__utf8_decode(p + i, end - i, &cp, &bad);
        tally__buf_append(out, bad ? fffd : p + i, bad ? 3 : len);
        i += len;
    }
}

/* Lists an undated document (the first TALLY_MAX_UNDATED_LISTED of a batch: lines only grow
 * within one, but for a document that began in an earlier batch, so the smallest are kept). */
static void note_undated(byworker *w, const tally_doc_ctx *c, const comp *k, const tally_jstr *v)
{
    char msg[300];
    if (!v || !v->ptr) {
        snprintf(msg, sizeof msg, TALLY_UNDATED_PREFIX "'%s': %s", k->path,
                 c->jr ? "no such field" : "not a JSON document");
    } else {
        int n = v->len > 200 ? 200 : (int)v->len;
        /* cut at a code point boundary, so a cut value stays valid UTF-8 */
        while (n > 0 && n < (int)v->len && (v->ptr[n] & 0xC0) == 0x80)
            n--;
        snprintf(msg, sizeof msg, TALLY_UNDATED_PREFIX "'%s': %.*s%s", k->path, n, (const char *)v->ptr,
                 (size_t)n < v->len ? "..." : "");
    }
    w->und_input = c->input_name;
    size_t at = w->n_und;
    if (at == TALLY_MAX_UNDATED_LISTED) {
        if (w->und[at - 1].line <= c->line)
            return;
        free(w->und[--w->n_und].msg);
        at = w->n_und;
    }
    while (at > 0 && w->und[at - 1].line > c->line)
        at--;
    memmove(w->und + at + 1, w->und + at, (w->n_und - at) * sizeof *w->und);
    w->und[at] = (undated){NULL, c->line, tally_xstrdup(msg)};
    w->n_und++;
}

/* Appends p[0,n) to the document's key; called a few times per document, so inline. */
static inline void key_add(tally_buf *k, const void *p, size_t n)
{
    if (k->cap - k->len < n)
        tally__buf_reserve(k, n);
    memcpy(k->data + k->len, p, n);
    k->len += n;
}

/* The document's key into w->key and its hash into w->key_hash; an undated document is listed. */
static void build_key(byworker *w, const tally_doc_ctx *c)
{
    const byacc *a = w->a;
    w->key.len = 0;
    int listed = 0;
    for (size_t i = 0; i < a->n_comps; i++) {
        const comp *k = &a->comps[i];
        if (k->kind == C_INPUT) {
            if (w->input_at != c->input) {
                char *clean = tally__utf8_sanitize(c->input_name);
                w->input_key.len = 0;
                tally__by_key_put(&w->input_key, (const uint8_t *)clean, strlen(clean));
                free(clean);
                w->input_at = c->input;
            }
            tally__buf_append(&w->key, w->input_key.data, w->input_key.len);
            continue;
        }
        const tally_jstr *v = c->jr ? &c->jr->kept[k->keep] : NULL;
        int kind = v && v->ptr && v->len ? v->ptr[0] : 0;
        int is_str = kind == '"', is_num = kind == '-' || (kind >= '0' && kind <= '9');
        if (k->kind == C_FIELD) {
            if (is_str) {
                vcache *vc = NULL;
                if (v->len <= VC_RAW) {
                    vc = &w->vc[i * VC_SLOTS + (tally__hash(v->ptr, v->len) & (VC_SLOTS - 1))];
                    if (vc->raw_len == v->len && memcmp(vc->raw, v->ptr, v->len) == 0) {
                        key_add(&w->key, vc->enc, vc->enc_len);
                        continue;
                    }
                }
                size_t at = w->key.len;
                decode_string(v->ptr, v->len, &w->val);
                tally__by_key_put(&w->key, w->val.data ? w->val.data : (const uint8_t *)"", w->val.len);
                if (vc && w->key.len - at <= VC_ENC) {
                    vc->raw_len = (uint8_t)v->len;
                    memcpy(vc->raw, v->ptr, v->len);
                    vc->enc_len = (uint8_t)(w->key.len - at);
                    memcpy(vc->enc, w->key.data + at, vc->enc_len);
                }
            } else if (is_num) {
                tally__by_key_put(&w->key, v->ptr, v->len);
            } else {
                tally__by_key_put(&w->key, NULL, 0);
            }
            continue;
        }
        char out[16];
        size_t n = 0;
        if (is_str) {
            /* a date without escapes (they all are) is read where it is */
            const uint8_t *q = memchr(v->ptr + 1, '\\', v->len - 2);
            if (q) {
                decode_string(v->ptr, v->len, &w->val);
                n = tally__date_key(&k->date, (const char *)w->val.data, w->val.len, 0, out);
            } else {
                n = tally__date_key(&k->date, (const char *)v->ptr + 1, v->len - 2, 0, out);
            }
        } else if (is_num) {
            n = tally__date_key(&k->date, (const char *)v->ptr, v->len, 1, out);
        }
        if (n) {
            /* a date key has no NUL byte to escape */
            uint8_t enc[19];
            enc[0] = 0x01;
            memcpy(enc + 1, out, n);
            enc[n + 1] = 0x00;
            enc[n + 2] = 0x01;
            key_add(&w->key, enc, n + 3);
        } else {
            key_add(&w->key, "\x02", 1);
        }
        if (!n && !listed) {
            note_undated(w, c, k, v);
            listed = 1;
        }
    }
    w->key_hash = tally__hash(w->key.data, w->key.len);
}

/* Adds the pending documents into the worker's table, in two passes over them: their rows (each
 * key's slot fetched AHEAD_KEY documents ahead), then their counts (each document's cells and
 * row fetched AHEAD_CELLS documents ahead). A bucket is rarely still in the cache from its last
 * document, and fetched one document at a time each waits for its own cache lines. */
#define AHEAD_KEY 8
#define AHEAD_CELLS 3

static void apply(byworker *w)
{
    table *t = &w->t;
    size_t n = w->n_pd;
    pdoc *pd = w->pd;
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD_KEY < n && t->n_slots)
            __builtin_prefetch(&t->slots[pd[i + AHEAD_KEY].hash & (t->n_slots - 1)]);
        pd[i].row = table_row(t, w->pkeys.data + pd[i].key_off, pd[i].key_len, pd[i].hash);
    }
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD_CELLS < n && t->width) {
            const pdoc *q = &pd[i + AHEAD_CELLS];
            const dcell *d = t->dense + q->row * t->width;
            __builtin_prefetch(&t->rows[q->row], 1);
            for (uint32_t k = 0; k < q->n_cnt; k++)
                __builtin_prefetch(&d[w->pc[q->cnt_off + k].id], 1);
        }
        const pdoc *q = &pd[i];
        row *r = &t->rows[q->row];
        r->documents++;
        r->tokens += q->tokens;
        const pcnt *c = w->pc + q->cnt_off;
        if (t->width) {
            dcell *d = t->dense + q->row * t->width;
            for (uint32_t k = 0; k < q->n_cnt; k++) {
                d[c[k].id].count += c[k].count;
                d[c[k].id].documents++;
            }
        } else {
            /* the table outgrew the dense bound within a batch */
            for (uint32_t k = 0; k < q->n_cnt; k++)
                cell_add(t, q->row, c[k].id, c[k].count, 1);
        }
    }
    w->n_pd = 0;
    w->n_pc = 0;
    w->pkeys.len = 0;
}

static void doc_end(void *p, const tally_doc_ctx *c)
{
    byworker *w = p;
    const byacc *a = w->a;
    build_key(w, c);
    const uint32_t *ids, *gids;
    size_t n, ng;
    tally__matcher_doc_keywords(c->m, &ids, &n);
    tally__matcher_doc_groups(c->m, &gids, &ng);
    if (w->dense) {
        if (w->n_pd == w->cap_pd) {
            w->cap_pd = w->cap_pd ? 2 * w->cap_pd : 64;
            w->pd = tally_xrealloc(w->pd, w->cap_pd * sizeof *w->pd);
        }
        if (w->n_pc + n + ng > w->cap_pc) {
            w->cap_pc = 2 * (w->n_pc + n + ng) + 256;
            w->pc = tally_xrealloc(w->pc, w->cap_pc * sizeof *w->pc);
        }
        pdoc *q = &w->pd[w->n_pd++];
        q->hash = w->key_hash;
        q->tokens = tally__matcher_doc_tokens(c->m);
        q->key_off = (uint32_t)w->pkeys.len;
        q->key_len = (uint32_t)w->key.len;
        key_add(&w->pkeys, w->key.data, w->key.len);
        q->cnt_off = (uint32_t)w->n_pc;
        q->n_cnt = (uint32_t)(n + ng);
        pcnt *o = w->pc + w->n_pc;
        for (size_t i = 0; i < n; i++)
            o[i] = (pcnt){ids[i], tally__matcher_doc_keyword_count(c->m, ids[i])};
        o += n;
        for (size_t i = 0; i < ng; i++)
            o[i] = (pcnt){a->n_kws + gids[i], tally__matcher_doc_group_count(c->m, gids[i])};
        w->n_pc += n + ng;
        if (w->n_pd == PENDING_DOCS)
            apply(w);
        return;
    }
    size_t r = table_row(&w->t, w->key.data, w->key.len, w->key_hash);
    if (w->t.rows[r].documents++ == 0) {
        if (w->n_trows == w->cap_trows) {
            w->cap_trows = w->cap_trows ? 2 * w->cap_trows : 64;
            w->trows = tally_xrealloc(w->trows, w->cap_trows * sizeof *w->trows);
        }
        w->t.rows[r].part = w->n_trows;
        w->trows[w->n_trows++] = (uint32_t)r;
    }
    w->t.rows[r].tokens += tally__matcher_doc_tokens(c->m);
    for (size_t i = 0; i < n; i++)
        cell_add(&w->t, r, ids[i], tally__matcher_doc_keyword_count(c->m, ids[i]), 1);
    for (size_t i = 0; i < ng; i++)
        cell_add(&w->t, r, a->n_kws + gids[i], tally__matcher_doc_group_count(c->m, gids[i]), 1);
}

/* Appends s[0,n) as a JSON string. */
static void put_json_string(tally_buf *o, const uint8_t *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    tally__buf_append(o, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            tally__buf_append(o, e, 2);
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            tally__buf_append(o, e, 6);
        } else {
            tally__buf_append(o, &s[i], 1);
        }
    }
    tally__buf_append(o, "\"", 1);
}

static void perdoc(void *p, tally_buf *o)
{
    byworker *w = p;
    tally__buf_append(o, ",\"bucket\":[", 11);
    for (size_t j = 0; j < w->a->n_comps; j++) {
        if (j)
            tally__buf_append(o, ",", 1);
        if (tally__by_key_get(w->key.data, w->key.len, j, &w->val) == 0)
            put_json_string(o, w->val.data ? w->val.data : (const uint8_t *)"", w->val.len);
        else
            tally__buf_append(o, "null", 4);
    }
    tally__buf_append(o, "]", 1);
}

/* A dense worker's whole table into the part; the worker starts an empty one. */
static void hand_over(byworker *w, bypart *part)
{
    part->whole = w->t;
    part->has_whole = 1;
    table_init(&w->t, w->a->width);
}

/* Moves what the batch counted into a part. A dense worker keeps its rows and counts for the
 * next batches and hands them over only past WORKER_MAX_ROWS rows or WORKER_MAX_CELLS cells; a
 * sparse worker moves the rows the batch touched and their nonzero cells (copied and zeroed),
 * whose keys stay for the next batch. The batch's undated documents go with every part. */
static void *take(void *p, const tally_batch_ctx *b)
{
    byworker *w = p;
    (void)b;
    table *t = &w->t;
    bypart *part = tally_xcalloc(1, sizeof *part);
    tally__buf_init(&part->keys);
    if (w->dense) {
        apply(w);
        if (!t->width || t->n_rows > WORKER_MAX_ROWS || t->n_rows * t->width > WORKER_MAX_CELLS)
            hand_over(w, part); /* (no width: it outgrew the dense bound within the batch) */
    } else {
        part->n_rows = w->n_trows;
        part->rows = tally_xmalloc((w->n_trows ? w->n_trows : 1) * sizeof *part->rows);
        size_t key_bytes = 0;
        for (size_t i = 0; i < w->n_trows; i++)
            key_bytes += t->rows[w->trows[i]].len;
        tally__buf_reserve(&part->keys, key_bytes ? key_bytes : 1);
        for (size_t i = 0; i < w->n_trows; i++) {
            row *r = &t->rows[w->trows[i]];
            part->rows[i] = *r;
            part->rows[i].off = part->keys.len;
            tally__buf_append(&part->keys, t->keys.data + r->off, r->len);
            r->documents = r->tokens = 0;
        }
        part->cells = tally_xmalloc((t->n_cells ? t->n_cells : 1) * sizeof *part->cells);
        size_t pos = 0, r;
        uint32_t id;
        uint64_t count, docs;
        while (cell_next(t, &pos, &r, &id, &count, &docs))
            part->cells[part->n_cells++] = (pcell){(uint32_t)t->rows[r].part, id, count, docs};
        if (t->cap_cells)
            memset(t->cells, 0, t->cap_cells * sizeof *t->cells);
        t->n_cells = 0;
        w->n_trows = 0;
        if (t->n_rows > WORKER_MAX_ROWS || t->cap_cells > WORKER_MAX_CELLS) {
            table_cleanup(t);
            table_init(t, 0);
        }
    }
    if (w->n_und) {
        part->und = tally_xmalloc(w->n_und * sizeof *part->und);
        memcpy(part->und, w->und, w->n_und * sizeof *part->und);
        part->n_und = w->n_und;
        part->input = w->und_input;
        w->n_und = 0;
    }
    return part;
}

/* After the last batch: what a dense worker still holds. */
static void *flush(void *p)
{
    byworker *w = p;
    if (w->dense)
        apply(w);
    if (!w->dense || !w->t.n_rows)
        return NULL;
    bypart *part = tally_xcalloc(1, sizeof *part);
    tally__buf_init(&part->keys);
    hand_over(w, part);
    return part;
}

static void part_free(void *p)
{
    bypart *part = p;
    if (!part)
        return;
    tally__buf_cleanup(&part->keys);
    free(part->rows);
    free(part->cells);
    if (part->has_whole)
        table_cleanup(&part->whole);
    undated_free(part->und, part->n_und);
    free(part->und);
    free(part);
}

static int cmp_undated(const void *x, const void *y)
{
    const undated *a = x, *b = y;
    int c = strcmp(a->input, b->input);
    if (c)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return strcmp(a->msg, b->msg);
}

/* Keeps the TALLY_MAX_UNDATED_LISTED smallest, as the summary orders its warnings. */
static void trim_undated(byacc *a)
{
    if (a->n_und > 1)
        qsort(a->und, a->n_und, sizeof *a->und, cmp_undated);
    if (a->n_und > TALLY_MAX_UNDATED_LISTED) {
        undated_free(a->und + TALLY_MAX_UNDATED_LISTED, a->n_und - TALLY_MAX_UNDATED_LISTED);
        a->n_und = TALLY_MAX_UNDATED_LISTED;
    }
}

/* Adds rows[0,n) (keys in keys) into the scan's buckets, map[r] the scan's row of rows[r];
 * returns 0, or TALLY_ELIMIT past --max-buckets. */
static int add_rows(byacc *a, const row *rows, size_t n, const tally_buf *keys, size_t *map, tally_error *err)
{
    for (size_t r = 0; r < n; r++) {
        const row *pr = &rows[r];
        size_t g = table_row(&a->t, keys->data + pr->off, pr->len, pr->hash);
        a->t.rows[g].documents += pr->documents;
        a->t.rows[g].tokens += pr->tokens;
        map[r] = g;
        if (a->t.n_rows > a->max)
            return tally__seterr(err, TALLY_ELIMIT, 0, UINT64_MAX,
                                 "the documents have more than %zu distinct bucket keys", a->max);
    }
    return 0;
}

static int merge(void *acc, void *p, const tally_batch_ctx *b, tally_error *err)
{
    byacc *a = acc;
    bypart *part = p;
    (void)b;
    int rc = 0;
    size_t *map = tally_xmalloc((part->n_rows ? part->n_rows : 1) * sizeof *map);
    if ((rc = add_rows(a, part->rows, part->n_rows, &part->keys, map, err)) != 0)
        goto out;
    if (part->has_whole && a->t.n_rows == 0 && part->whole.width == a->t.width &&
        part->whole.n_rows <= a->max) {
        /* the first table handed over becomes the scan's: the same shape, nothing to add yet */
        table empty = a->t;
        a->t = part->whole;
        part->whole = empty;
    } else if (part->has_whole) {
        /* a worker's table (dense, or sparse if it outgrew the dense bound within a batch) */
        const table *wt = &part->whole;
        free(map);
        map = tally_xmalloc((wt->n_rows ? wt->n_rows : 1) * sizeof *map);
        if ((rc = add_rows(a, wt->rows, wt->n_rows, &wt->keys, map, err)) != 0)
            goto out;
        size_t pos = 0, r;
        uint32_t id;
        uint64_t count, docs;
        while (cell_next(wt, &pos, &r, &id, &count, &docs))
            cell_add(&a->t, map[r], id, count, docs);
    }
    for (size_t i = 0; i < part->n_cells; i++) {
        const pcell *c = &part->cells[i];
        cell_add(&a->t, map[c->row], c->id, c->count, c->documents);
    }
    if (part->n_und) {
        char *name = tally__utf8_sanitize(part->input);
        if (a->n_und + part->n_und > a->cap_und) {
            a->cap_und = 2 * (a->n_und + part->n_und);
            a->und = tally_xrealloc(a->und, a->cap_und * sizeof *a->und);
        }
        for (size_t i = 0; i < part->n_und; i++) {
            a->und[a->n_und] = part->und[i];
            a->und[a->n_und++].input = tally_xstrdup(name);
        }
        part->n_und = 0;
        free(name);
        if (a->n_und > 2 * TALLY_MAX_UNDATED_LISTED)
            trim_undated(a);
    }
out:
    free(map);
    part_free(part);
    return rc;
}

/* A bucket to sort: each entry carries its key, so sorting needs no state outside the array
 * (scans may run on several threads of one process). */
typedef struct sortrow {
    const uint8_t *key;
    size_t len, idx;
} sortrow;

static int cmp_row(const void *x, const void *y)
{
    const sortrow *a = x, *b = y;
    return tally__by_key_cmp(a->key, a->len, b->key, b->len);
}

static int cmp_cell(const void *x, const void *y)
{
    const tally_bcell *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int finish(void *acc, tally_summary *sum, tally_error *err)
{
    byacc *a = acc;
    (void)err;
    table *t = &a->t;
    tally_buckets *bk = tally_xcalloc(1, sizeof *bk);
    bk->n_by = a->n_comps;
    bk->by = tally_xcalloc(a->n_comps, sizeof *bk->by);
    for (size_t i = 0; i < a->n_comps; i++)
        bk->by[i] = tally_xstrdup(a->specs[i]);
    bk->has_date = a->has_date;
    bk->n_rows = t->n_rows;
    bk->rows = tally_xcalloc(t->n_rows ? t->n_rows : 1, sizeof *bk->rows);
    sortrow *order = tally_xmalloc((t->n_rows ? t->n_rows : 1) * sizeof *order);
    size_t *at = tally_xcalloc(t->n_rows ? t->n_rows : 1, sizeof *at); /* a bucket's place in order */
    for (size_t r = 0; r < t->n_rows; r++)
        order[r] = (sortrow){t->keys.data + t->rows[r].off, t->rows[r].len, r};
    qsort(order, t->n_rows, sizeof *order, cmp_row);
    for (size_t i = 0; i < t->n_rows; i++) {
        const row *r = &t->rows[order[i].idx];
        tally_brow *br = &bk->rows[i];
        at[order[i].idx] = i;
        br->key = tally_xmalloc(r->len);
        memcpy(br->key, t->keys.data + r->off, r->len);
        br->key_len = r->len;
        br->documents = r->documents;
        br->tokens = r->tokens;
        tally__brow_decode(br, a->n_comps);
    }
    if (t->width) {
        /* dense: each row's cells in id order, read where they lie */
        for (size_t i = 0; i < bk->n_rows; i++) {
            const dcell *d = t->dense + order[i].idx * t->width;
            size_t nz = 0;
            for (size_t id = 0; id < t->width; id++)
                nz += d[id].count != 0;
            tally_brow *br = &bk->rows[i];
            br->cells = tally_xmalloc((nz ? nz : 1) * sizeof(tally_bcell));
            for (size_t id = 0; id < t->width; id++)
                if (d[id].count)
                    br->cells[br->n_cells++] = (tally_bcell){(uint32_t)id, d[id].count, d[id].documents};
        }
    } else {
        size_t pos = 0, cr;
        uint32_t cid;
        uint64_t ccount, cdocs;
        while (cell_next(t, &pos, &cr, &cid, &ccount, &cdocs))
            bk->rows[at[cr]].n_cells++;
        for (size_t i = 0; i < bk->n_rows; i++) {
            bk->rows[i].cells = tally_xmalloc((bk->rows[i].n_cells ? bk->rows[i].n_cells : 1) * sizeof(tally_bcell));
            bk->rows[i].n_cells = 0;
        }
        pos = 0;
        while (cell_next(t, &pos, &cr, &cid, &ccount, &cdocs)) {
            tally_brow *br = &bk->rows[at[cr]];
            br->cells[br->n_cells++] = (tally_bcell){cid, ccount, cdocs};
        }
    }
    for (size_t i = 0; i < bk->n_rows; i++) {
        tally_brow *br = &bk->rows[i];
        /* dense rows come out in id order already */
        size_t k = 1;
        while (k < br->n_cells && br->cells[k - 1].id < br->cells[k].id)
            k++;
        if (k < br->n_cells)
            qsort(br->cells, br->n_cells, sizeof *br->cells, cmp_cell);
        for (size_t j = 0; a->has_date && j < a->n_comps; j++)
            if (a->comps[j].kind == C_DATE && tally__by_key_get(br->key, br->key_len, j, NULL) == 1) {
                bk->undated += br->documents;
                break;
            }
    }
    free(order);
    free(at);
    sum->buckets = bk;

    /* the undated documents among the warnings, in the summary's order */
    trim_undated(a);
    for (size_t i = 0; i < a->n_und; i++)
        tally__summary_push_entry(&sum->warnings, &sum->n_warnings, &sum->cap_warnings, a->und[i].input,
                                  a->und[i].line, a->und[i].msg);
    tally__summary_sort_entries(sum->warnings, &sum->n_warnings, 0);

    /* the bucketing is part of the fingerprint */
    tally_buf set;
    tally__buf_init(&set);
    tally__buf_append(&set, sum->settings, strlen(sum->settings));
    tally__buckets_settings(&set, a->specs, a->n_comps, a->epoch, a->offset);
    tally__buf_append(&set, "", 1);
    free(sum->settings);
    sum->settings = (char *)set.data;
    tally__summary_fingerprint(sum->settings, sum->dictionary, sum->fingerprint);
    return 0;
}

static void acc_free(void *p)
{
    byacc *a = p;
    if (!a)
        return;
    table_cleanup(&a->t);
    undated_free(a->und, a->n_und);
    free(a->und);
    free(a->comps);
    for (size_t i = 0; i < a->n_keep; i++)
        free((char *)a->keep[i]);
    free(a->keep);
    free(a);
}

static const tally_acc_class by_class = {
    .name = "by",
    .worker_new = w_new,
    .worker_free = w_free,
    .doc_end = doc_end,
    .perdoc = perdoc,
    .take = take,
    .flush = flush,
    .merge = merge,
    .part_free = part_free,
    .finish = finish,
    .free = acc_free,
};

int tally__by_acc_new(const tally_acc_env *env, tally_acc *out, tally_error *err)
{
    const tally_scan_options *opt = env->opt;
    if (tally__by_check(opt, err) != 0)
        return TALLY_EINVAL;
    byacc *a = tally_xcalloc(1, sizeof *a);
    a->n_comps = opt->n_by;
    a->comps = tally_xcalloc(opt->n_by, sizeof *a->comps);
    a->keep = tally_xcalloc(opt->n_by, sizeof *a->keep);
    a->specs = opt->by;
    a->n_kws = (uint32_t)tally_dict_keyword_count(env->d);
    a->max = opt->max_buckets ? opt->max_buckets : TALLY_DEFAULT_MAX_BUCKETS;
    a->epoch = opt->by_epoch;
    a->offset = opt->by_utc_offset;
    a->width = a->n_kws + tally_dict_group_count(env->d);
    table_init(&a->t, a->width);
    for (size_t i = 0; i < opt->n_by; i++) {
        comp *c = &a->comps[i];
        parse_spec(opt->by[i], c, err);
        if (c->kind == C_INPUT)
            continue;
        size_t plen = strlen(opt->by[i]);
        if (c->kind == C_DATE) {
            a->has_date = 1;
            c->date.epoch = opt->by_epoch;
            c->date.offset_min = opt->by_utc_offset;
            plen = (size_t)(strrchr(opt->by[i], ':') - opt->by[i]); /* the path without ":unit" */
        }
        c->keep = env->keep_base + a->n_keep;
        c->path = a->keep[a->n_keep++] = tally_xstrndup(opt->by[i], plen);
    }
    out->cls = &by_class;
    out->state = a;
    out->keep = a->keep;
    out->n_keep = a->n_keep;
    return 0;
}
