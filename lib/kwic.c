/* kwic.c — concordance lines (see kwic.h).
 *
 * Positions: a match is known by byte offsets from its field's start (over all the pieces of a
 * cut field). Its context is found by tokenizing from a hand-over point some bytes before it (an
 * ASCII space followed by an ASCII byte that is not one: no word-break rule looks across it, so
 * the tokens from there are the field's own) to W tokens after it; when that runs into the
 * start of the piece, the kept end of the pieces before (the carry) is put in front of it.
 *
 * Order: each accepted match gets the batch's number (seq) and its rank among the batch's
 * accepted matches (ord): within an input that is the input order, since a batch counts its
 * documents in order, and the matcher reports one keyword's matches in the order of their
 * starts. Across inputs, lines go by the input's name as written, as the summary lists inputs. */
#include "kwic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "perdoc.h"
#include "tokenize.h"
#include "match.h"
#include "unicode.h"

/* a match waiting in a worker: byte range from the field's start, its order in its batch */
typedef struct khit {
    uint32_t kw;
    uint64_t s, e;
    uint64_t seq; /* UINT64_MAX: the current batch */
    uint64_t ord;
} khit;

/* a finished line, in a worker's or a part's arena */
typedef struct krec {
    uint32_t kw;
    uint64_t seq, ord;
    size_t off, len;
} krec;

typedef struct kwic_acc kwic_acc;

typedef struct kwic_worker {
    kwic_acc *acc;
    tally_tokenizer tk;
    int unicode;             /* the dictionary's tokenizer is UAX #29's (ascii_next applies) */

    /* the batch: matches taken per keyword */
    uint32_t *taken;
    uint32_t *taken_list;
    size_t n_taken;
    uint64_t ord;

    /* matches reported in the current piece (offsets from the piece), then waiting for their
     * right context in the next piece (offsets from the field) */
    khit *pend;
    size_t n_pend, cap_pend;
    khit *wait;
    size_t n_wait, cap_wait;

    /* the document */
    int doc_open;            /* between doc_begin and doc_end or doc_abort */
    size_t input;
    const char *input_name;  /* the last input seen (borrowed, for the cache below) */
    char *input_json;        /* its name as a JSON string */
    char *input_sort;        /* its name as written in the lines, decoded: the sort key */
    tally_buf id;            /* the document's "id" value as JSON */

    /* the field */
    uint64_t piece_off;      /* field offset of the current piece */
    size_t piece_len;
    uint64_t piece_line;     /* text format: the line of the piece's first byte (the pipeline
                              * does not count the lines of text inputs) */
    uint64_t next_line;      /* ... of the next piece's */
    tally_buf carry;         /* the end of the pieces before: field bytes [carry_off, piece_off) */
    uint64_t carry_off, carry_line;
    tally_buf comb;          /* carry + piece, made when needed */

    /* finished lines: of the batch, and from rec_doc0 on of the current document */
    krec *recs;
    size_t n_recs, cap_recs, rec_doc0;
    size_t arena_doc0;
    tally_buf arena;
    tally_buf tmp;
} kwic_worker;

typedef struct kwic_part {
    size_t input;
    char *input_sort;
    krec *recs;
    size_t n_recs;
    tally_buf arena;
} kwic_part;

/* a line kept on the loop thread */
typedef struct kent {
    const char *input_sort; /* borrowed from the accumulator's names */
    size_t input;
    uint64_t seq, ord;
    char *line;
    size_t len;
} kent;

typedef struct kwlist {
    kent *e;
    size_t n, cap;
} kwlist;

struct kwic_acc {
    const tally_dict *d;
    FILE *out;
    size_t max, window;
    char **kw_json;          /* each keyword's name as a JSON string */
    kwlist *lists;           /* per keyword, sorted, at most max (0: all) */
    char **names;            /* per input index: its sort name */
    size_t n_names;
    uint32_t *full;          /* keywords whose list holds max lines, in the order they filled */
    size_t n_full;
};

/* what a batch need not keep: keywords whose max first lines all come before it */
typedef struct khint {
    size_t n;
    uint32_t ids[];
} khint;

/* ---- text ----------------------------------------------------------------------------------- */

static int ascii_space(uint8_t b)
{
    return b == ' ' || (b >= '\t' && b <= '\r');
}

/* May tokenizing start at p[q] (0 < q) and give the field's own tokens? */
static int handover(const uint8_t *p, size_t q)
{
    return p[q] < 0x80 && !ascii_space(p[q]) && ascii_space(p[q - 1]);
}

/* Appends p[0,n) to o with each run of White_Space as one space, none at either end. The
 * result is never longer than p: one reserve, then plain stores. */
static void collapse(tally_buf *o, const uint8_t *p, size_t n)
{
    size_t i = 0;
    int space = 0;
    tally__buf_reserve(o, n);
    uint8_t *q = o->data + o->len, *q0 = q;
    while (i < n) {
        size_t l = 1;
        int ws;
        if (p[i] < 0x80) {
            if (p[i] > ' ') { /* the common case: a visible ASCII byte */
                if (space && q != q0)
                    *q++ = ' ';
                *q++ = p[i++];
                space = 0;
                continue;
            }
            ws = ascii_space(p[i]);
        } else {
            uint32_t cp;
            int bad = 0;
            l = tally__utf8_decode(p + i, n - i, &cp, &bad);
            ws = !bad && (tally__uprop(cp) & TALLY_UP_WSPACE);
        }
        if (ws) {
            space = 1;
        } else {
            if (space && q != q0)
                *q++ = ' ';
            memcpy(q, p + i, l);
            q += l;
            space = 0;
        }
        i += l;
    }
    o->len += (size_t)(q - q0);
}

/* Text of ASCII and the characters the matcher's fast path takes (tally__fast_char: Latin-1 and
 * Cyrillic letters, CJK ideographs), where the word-break rules reduce to a few, as that path
 * has them (match.c): letters, digits and '_' hold together; '.', '\'' and ':' join two letters;
 * '.', '\'', ',' and ';' join two digits; an ideograph is a token of its own; anything else
 * separates; a segment is a token when it holds a letter or a digit. The general tokenizer takes
 * a few dozen instructions a byte, this a few. Any other character stops it. */
enum { K_LETTER = 1, K_DIGIT = 2, K_USCORE = 4, K_MIDL = 8, K_MIDN = 16, K_IDEO = 32 };
#define K_WORD (K_LETTER | K_DIGIT | K_USCORE)

/* The class of the character at p[j] (j < n) in *cls and its length; 0 for one the rules above
 * do not cover. */
static inline size_t kchar(const uint8_t *p, size_t n, size_t j, uint8_t *cls)
{
    uint8_t b = p[j];
    if (b < 0x80) {
        if ((b | 0x20) >= 'a' && (b | 0x20) <= 'z')
            *cls = K_LETTER;
        else if (b >= '0' && b <= '9')
            *cls = K_DIGIT;
        else if (b == '_')
            *cls = K_USCORE;
        else if (b == '.' || b == '\'')
            *cls = K_MIDL | K_MIDN;
        else if (b == ':')
            *cls = K_MIDL;
        else if (b == ',' || b == ';')
            *cls = K_MIDN;
        else
            *cls = 0;
        return 1;
    }
    size_t l = tally__fast_char(p + j, n - j);
    *cls = l == 2 ? K_LETTER : K_IDEO;
    return l;
}

/* The next token of p[0,n) from *pos on, as [*s, *e): 1; 0 at the end; -1 at a character the
 * rules do not cover (the caller then asks the general tokenizer). */
static int ascii_next(const uint8_t *p, size_t n, size_t *pos, size_t *s, size_t *e)
{
    size_t i = *pos, l;
    uint8_t c;
    for (;;) {
        for (;;) {
            if (i == n)
                return *pos = i, 0;
            if ((l = kchar(p, n, i, &c)) == 0)
                return -1;
            if (c & (K_WORD | K_IDEO))
                break;
            i += l;
        }
        if (c & K_IDEO) {
            *s = i;
            *e = *pos = i + 3;
            return 1;
        }
        size_t j = i;
        uint8_t alnum = 0, prev = 0;
        while (j < n) {
            if ((l = kchar(p, n, j, &c)) == 0)
                return -1;
            if (c & K_WORD) {
                alnum |= c & (K_LETTER | K_DIGIT);
                prev = c;
                j += l;
                continue;
            }
            if ((c & (K_MIDL | K_MIDN)) && j + 1 < n) {
                uint8_t nc;
                if (kchar(p, n, j + 1, &nc) == 0)
                    return -1;
                if (((c & K_MIDL) && (prev & K_LETTER) && (nc & K_LETTER)) ||
                    ((c & K_MIDN) && (prev & K_DIGIT) && (nc & K_DIGIT))) {
                    j++;
                    continue;
                }
            }
            break;
        }
        if (alnum) {
            *s = i;
            *e = *pos = j;
            return 1;
        }
        i = j; /* underscores only: no token */
    }
}

size_t tally__kwic_ascii_tokens(const uint8_t *p, size_t n, size_t *starts, size_t *ends, size_t max)
{
    size_t pos = 0, k = 0, s, e;
    int r;
    while (k < max && (r = ascii_next(p, n, &pos, &s, &e)) == 1) {
        starts[k] = s;
        ends[k] = e;
        k++;
    }
    return k < max && r < 0 ? SIZE_MAX : k;
}

/* Tokens of p[q, n): the ASCII rules while they hold, else the general tokenizer from q. */
typedef struct ktok {
    tally_tokenizer *tk;
    const uint8_t *p;
    size_t q, n, pos;
    int general;
} ktok;

static void kt_begin(ktok *k, tally_tokenizer *tk, int unicode, const uint8_t *p, size_t q, size_t n)
{
    *k = (ktok){tk, p, q, n, q, !unicode};
    if (k->general)
        tally__tok_begin_field(tk, p + q, n - q);
}

/* 1 and the next token [*s, *e) (offsets in p); 0 at the end; -1 when the ASCII rules stopped
 * before anything was taken from them: the caller starts again with kt_restart. */
static int kt_next(ktok *k, size_t *s, size_t *e)
{
    if (!k->general)
        return ascii_next(k->p, k->n, &k->pos, s, e);
    tally_token t;
    if (!tally__tok_next(k->tk, &t))
        return 0;
    *s = k->q + t.start;
    *e = *s + t.len;
    return 1;
}

static void kt_restart(ktok *k)
{
    k->general = 1;
    tally__tok_begin_field(k->tk, k->p + k->q, k->n - k->q);
}

/* A piece of field text, or the carry and the piece together. */
typedef struct view {
    const uint8_t *p;
    size_t len;
    uint64_t off;     /* field offset of p[0] */
    int at_start;     /* p[0] is the field's first byte */
    int more;         /* the field goes on after p[len) */
    uint64_t line;    /* text format: the line of p[0]; else the document's */
    int count_lines;  /* text format: lines inside the view count */
    size_t cur;       /* line cursor: the line of p[cur] is cur_line */
    uint64_t cur_line;
} view;

static uint64_t line_at(view *v, size_t at)
{
    if (!v->count_lines)
        return v->line;
    while (v->cur < at)
        v->cur_line += v->p[v->cur++] == '\n';
    while (v->cur > at)
        v->cur_line -= v->p[--v->cur] == '\n';
    return v->cur_line;
}

enum { CTX_OK = 0, CTX_NEED_LEFT = 1, CTX_NEED_RIGHT = 2 };

/* The context of the match at [rs, re) of v: left from *ls to rs, right from re to *re_out. */
static int context(kwic_worker *w, const view *v, size_t rs, size_t re, size_t *ls, size_t *rend)
{
    size_t W = w->acc->window;
    *ls = rs;
    *rend = re;
    if (W == 0)
        return CTX_OK;
    size_t back = 16 + 8 * W; /* about W English words: most matches need no second try */
    size_t ring[64], *L = W <= 64 ? ring : tally_xmalloc(W * sizeof *L);
    int rc = CTX_OK;
    for (;;) {
        size_t q = rs > back ? rs - back : 0;
        while (q > 0 && !handover(v->p, q))
            q--;
        ktok kt;
        kt_begin(&kt, &w->tk, w->unicode, v->p, q, v->len);
        size_t nl = 0, nr = 0, s, e;
        int r;
        while (nr < W && (r = kt_next(&kt, &s, &e)) != 0) {
            if (r < 0) { /* not ASCII: all again with the general tokenizer */
                kt_restart(&kt);
                nl = nr = 0;
                *rend = re;
                continue;
            }
            if (e <= rs) {
                L[nl % W] = s;
                nl++;
            } else if (s >= re) {
                nr++;
                *rend = e;
            }
        }
        if (nl < W && q > 0) {
            back *= 2;
            continue;
        }
        if (nl)
            *ls = L[nl < W ? 0 : nl % W];
        if (nl < W && !v->at_start)
            rc = CTX_NEED_LEFT;
        else if (nr < W && v->more)
            rc = CTX_NEED_RIGHT;
        break;
    }
    if (L != ring)
        free(L);
    return rc;
}

/* ---- lines ---------------------------------------------------------------------------------- */

static void append_u64(tally_buf *o, uint64_t v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%llu", (unsigned long long)v);
    tally__buf_append(o, b, (size_t)n);
}

static void push_rec(kwic_worker *w, uint32_t kw, uint64_t seq, uint64_t ord, size_t off)
{
    if (w->n_recs == w->cap_recs) {
        w->cap_recs = w->cap_recs ? 2 * w->cap_recs : 64;
        w->recs = tally_xrealloc(w->recs, w->cap_recs * sizeof *w->recs);
    }
    w->recs[w->n_recs++] = (krec){kw, seq, ord, off, w->arena.len - off};
}

/* Writes the line of match h, found at [rs, re) of v with context [ls, rend). */
static void write_line(kwic_worker *w, view *v, const khit *h, size_t rs, size_t re, size_t ls,
                       size_t rend, const tally_field_ctx *f)
{
    const kwic_acc *a = w->acc;
    tally_buf *o = &w->arena;
    size_t off = o->len;
    const char *kj = a->kw_json[h->kw];
    tally__buf_append(o, "{\"keyword\":", 11);
    tally__buf_append(o, kj, strlen(kj));
    tally__buf_append(o, ",\"id\":", 6);
    tally__buf_append(o, w->id.data, w->id.len);
    tally__buf_append(o, ",\"input\":", 9);
    tally__buf_append(o, w->input_json, strlen(w->input_json));
    tally__buf_append(o, ",\"line\":", 8);
    append_u64(o, line_at(v, rs));
    if (f->path) {
        tally__buf_append(o, ",\"field\":\"", 10);
        tally__json_escape(o, (const uint8_t *)f->path, strlen(f->path));
        if (f->element != SIZE_MAX) {
            tally__buf_append(o, "[", 1);
            append_u64(o, f->element);
            tally__buf_append(o, "]", 1);
        }
        tally__buf_append(o, "\"", 1);
    }
    static const char *const names[3] = {",\"left\":\"", "\",\"match\":\"", "\",\"right\":\""};
    const size_t from[3] = {ls, rs, re}, to[3] = {rs, re, rend};
    for (int k = 0; k < 3; k++) {
        tally__buf_append(o, names[k], strlen(names[k]));
        w->tmp.len = 0;
        collapse(&w->tmp, v->p + from[k], to[k] - from[k]);
        tally__json_escape(o, w->tmp.data, w->tmp.len);
    }
    tally__buf_append(o, "\"}\n", 3);
    push_rec(w, h->kw, h->seq, h->ord, off);
}

/* Finishes h in v (h->s >= v->off), or says what it still needs. */
static int finish_hit(kwic_worker *w, view *v, const khit *h, const tally_field_ctx *f)
{
    size_t rs = (size_t)(h->s - v->off), re = (size_t)(h->e - v->off), ls, rend;
    int rc = context(w, v, rs, re, &ls, &rend);
    if (rc == CTX_OK)
        write_line(w, v, h, rs, re, ls, rend, f);
    return rc;
}

static void push_hit(khit **a, size_t *n, size_t *cap, const khit *h)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        *a = tally_xrealloc(*a, *cap * sizeof **a);
    }
    (*a)[(*n)++] = *h;
}

/* ---- the worker ----------------------------------------------------------------------------- */

static void on_hit(void *ctx, uint32_t kw, int64_t start, int64_t end)
{
    kwic_worker *w = ctx;
    size_t max = w->acc->max;
    if (max && w->taken[kw] >= max)
        return;
    if (w->taken[kw]++ == 0)
        w->taken_list[w->n_taken++] = kw;
    /* offsets from the piece for now: the field hook knows where the piece is */
    khit h = {kw, (uint64_t)start, (uint64_t)end, UINT64_MAX, w->ord++};
    push_hit(&w->pend, &w->n_pend, &w->cap_pend, &h);
}

static void *worker_new(void *acc, tally_matcher *m)
{
    kwic_acc *a = acc;
    kwic_worker *w = tally_xcalloc(1, sizeof *w);
    w->acc = a;
    tally__tok_init(&w->tk, a->d->tokenizer);
    w->unicode = a->d->tokenizer == TALLY_TOKENIZER_UNICODE;
    size_t k = a->d->n_kws ? a->d->n_kws : 1;
    w->taken = tally_xcalloc(k, sizeof *w->taken);
    w->taken_list = tally_xmalloc(k * sizeof *w->taken_list);
    w->input = SIZE_MAX;
    tally__buf_init(&w->id);
    tally__buf_init(&w->carry);
    tally__buf_init(&w->comb);
    tally__buf_init(&w->arena);
    tally__buf_init(&w->tmp);
    tally__matcher_set_hits(m, on_hit, w);
    return w;
}

static void worker_free(void *p)
{
    kwic_worker *w = p;
    if (!w)
        return;
    free(w->taken);
    free(w->taken_list);
    free(w->pend);
    free(w->wait);
    free(w->input_json);
    free(w->input_sort);
    tally__buf_cleanup(&w->id);
    tally__buf_cleanup(&w->carry);
    tally__buf_cleanup(&w->comb);
    tally__buf_cleanup(&w->arena);
    tally__buf_cleanup(&w->tmp);
    free(w->recs);
    free(w);
}

/* s as it reads once written into a line and read back: ill-formed UTF-8 as U+FFFD. */
static char *sort_name(const char *s)
{
    tally_buf b;
    tally__buf_init(&b);
    size_t n = strlen(s), i = 0;
    while (i < n) {
        uint32_t cp;
        int bad = 0;
        size_t l = (uint8_t)s[i] < 0x80 ? 1 : tally__utf8_decode((const uint8_t *)s + i, n - i, &cp, &bad);
        if (bad)
            tally__buf_append(&b, "\xEF\xBF\xBD", 3);
        else
            tally__buf_append(&b, s + i, l);
        i += l;
    }
    tally__buf_append(&b, "", 1);
    return (char *)b.data;
}

static void doc_begin(void *p, const tally_doc_ctx *c)
{
    kwic_worker *w = p;
    if (c->input != w->input || c->input_name != w->input_name) {
        free(w->input_json);
        free(w->input_sort);
        w->input = c->input;
        w->input_name = c->input_name;
        w->input_json = tally__perdoc_quote(c->input_name);
        w->input_sort = sort_name(c->input_name);
    }
    /* the id as a per-document record writes it */
    tally_buf *o = &w->id;
    o->len = 0;
    const tally_jsonl_result *jr = c->jr;
    if (jr && jr->id_kind == TALLY_JID_NUMBER) {
        tally__buf_append(o, jr->id.ptr, jr->id.len);
    } else if (jr && jr->id_kind == TALLY_JID_STRING) {
        tally__buf_append(o, "\"", 1);
        tally__json_escape(o, jr->id.ptr, jr->id.len);
        tally__buf_append(o, "\"", 1);
    } else {
        size_t nl = strlen(w->input_json);
        if (c->line) {
            tally__buf_append(o, w->input_json, nl - 1);
            tally__buf_append(o, ":", 1);
            append_u64(o, c->line);
            tally__buf_append(o, "\"", 1);
        } else {
            tally__buf_append(o, w->input_json, nl);
        }
    }
    w->rec_doc0 = w->n_recs;
    w->arena_doc0 = w->arena.len;
    w->n_wait = 0;
    w->carry.len = 0;
    w->doc_open = 1;
}

/* The carry and the piece together (made once per piece, when first needed). */
static view *combined(kwic_worker *w, view *cv, const view *pv, int *made)
{
    if (!*made) {
        w->comb.len = 0;
        tally__buf_append(&w->comb, w->carry.data, w->carry.len);
        tally__buf_append(&w->comb, pv->p, pv->len);
        *cv = (view){w->comb.data, w->comb.len, w->carry_off, w->carry_off == 0, pv->more,
                     w->carry_line, pv->count_lines, 0, w->carry_line};
        *made = 1;
    }
    return cv;
}

/* Keeps the end of v for the next piece: from where the left context of the first waiting match
 * begins, or where W + the longest phrase's tokens before v's end begin. */
static void keep_carry(kwic_worker *w, view *v)
{
    size_t keep = v->len; /* start of what is kept, in v */
    for (size_t i = 0; i < w->n_wait; i++) {
        size_t rs = (size_t)(w->wait[i].s - v->off), ls, rend;
        context(w, v, rs, rs, &ls, &rend);
        size_t q = ls;
        while (q > 0 && !handover(v->p, q))
            q--;
        if (q < keep)
            keep = q;
    }
    size_t need = w->acc->window + w->acc->d->max_tokens, back = 64 + 16 * need;
    for (;;) {
        size_t q = v->len > back ? v->len - back : 0;
        while (q > 0 && !handover(v->p, q))
            q--;
        size_t n = 0, ts, te;
        ktok kt;
        int r;
        kt_begin(&kt, &w->tk, w->unicode, v->p, q, v->len);
        while ((r = kt_next(&kt, &ts, &te)) != 0) {
            if (r < 0) {
                kt_restart(&kt);
                n = 0;
                continue;
            }
            n++;
        }
        if (n < need && q > 0) {
            back *= 2;
            continue;
        }
        if (q < keep)
            keep = q;
        break;
    }
    uint64_t line = line_at(v, keep);
    /* v is the piece or comb, never the carry itself */
    w->carry.len = 0;
    tally__buf_append(&w->carry, v->p + keep, v->len - keep);
    w->carry_off = v->off + keep;
    w->carry_line = line;
}

static void field(void *p, const uint8_t *text, size_t len, int cont, const tally_field_ctx *f)
{
    kwic_worker *w = p;
    if (!cont) {
        w->piece_off = 0;
        w->n_wait = 0;
        w->carry.len = 0;
        w->piece_line = f->first_line;
    } else {
        w->piece_off += w->piece_len;
        w->piece_line = w->next_line;
    }
    w->piece_len = len;
    if (f->more) {
        w->next_line = w->piece_line;
        if (!f->path)
            for (const uint8_t *q = text, *e = text + len; (q = memchr(q, '\n', (size_t)(e - q))) != NULL; q++)
                w->next_line++;
    }
    if (!w->n_pend && !w->n_wait && !f->more)
        return;
    view pv = {text, len, w->piece_off, w->piece_off == 0, f->more, w->piece_line, f->path == NULL,
               0, w->piece_line};
    view cv;
    int made = 0;
    int have_carry = cont && w->carry.len;
    /* the waiting ones first: they came before anything reported in this piece */
    size_t n_wait = w->n_wait;
    w->n_wait = 0;
    for (size_t i = 0; i < n_wait; i++) {
        khit h = w->wait[i];
        view *v = have_carry ? combined(w, &cv, &pv, &made) : &pv;
        if (h.s < v->off)
            continue; /* cannot happen: the carry keeps it */
        if (finish_hit(w, v, &h, f) == CTX_NEED_RIGHT)
            push_hit(&w->wait, &w->n_wait, &w->cap_wait, &h);
    }
    for (size_t i = 0; i < w->n_pend; i++) {
        khit h = w->pend[i];
        h.s += w->piece_off;
        h.e += w->piece_off;
        int rc = h.s >= pv.off ? finish_hit(w, &pv, &h, f) : CTX_NEED_LEFT;
        if (rc == CTX_NEED_LEFT && have_carry)
            rc = finish_hit(w, combined(w, &cv, &pv, &made), &h, f);
        if (rc == CTX_NEED_RIGHT)
            push_hit(&w->wait, &w->n_wait, &w->cap_wait, &h);
        else if (rc == CTX_NEED_LEFT && h.s >= pv.off) /* no carry: nothing before was kept */
            finish_hit(w, &(view){pv.p, pv.len, pv.off, 1, 0, pv.line, pv.count_lines, 0, pv.line}, &h, f);
    }
    w->n_pend = 0;
    if (f->more)
        keep_carry(w, have_carry ? combined(w, &cv, &pv, &made) : &pv);
    else
        w->carry.len = 0;
}

/* A field that ended where a piece ended: what still waits has all the right context there is. */
static void flush_waiting(kwic_worker *w)
{
    if (!w->n_wait)
        return;
    /* the carry holds the field's end and every waiting match */
    view v = {w->carry.data, w->carry.len, w->carry_off, w->carry_off == 0, 0, w->carry_line, 1, 0,
              w->carry_line};
    for (size_t i = 0; i < w->n_wait; i++) {
        tally_field_ctx f = {0, NULL, SIZE_MAX, 0, 0};
        finish_hit(w, &v, &w->wait[i], &f);
    }
    w->n_wait = 0;
}

static void doc_end(void *p, const tally_doc_ctx *c)
{
    kwic_worker *w = p;
    (void)c;
    flush_waiting(w);
    w->carry.len = 0;
    w->rec_doc0 = w->n_recs;
    w->arena_doc0 = w->arena.len;
    w->doc_open = 0;
}

static void doc_abort(void *p)
{
    kwic_worker *w = p;
    w->n_recs = w->rec_doc0;
    w->arena.len = w->arena_doc0;
    w->n_wait = 0;
    w->n_pend = 0;
    w->carry.len = 0;
    w->doc_open = 0;
}

/* The lines of a document still open (cut, going on in the next batch) stay in the worker until
 * it ends, so that a document that breaks off gives none, as it gives no counts; and its matches
 * taken so far keep counting against --kwic-max, since those of the rest of it come after them:
 * a document of any size holds at most max lines per keyword. */
static void *take(void *p, const tally_batch_ctx *b)
{
    kwic_worker *w = p;
    if (!w->doc_open) {
        for (size_t i = 0; i < w->n_taken; i++)
            w->taken[w->taken_list[i]] = 0;
        w->n_taken = 0;
    }
    w->ord = 0;
    for (size_t i = 0; i < w->n_wait; i++)
        if (w->wait[i].seq == UINT64_MAX)
            w->wait[i].seq = b->seq;
    for (size_t i = 0; i < w->n_recs; i++)
        if (w->recs[i].seq == UINT64_MAX)
            w->recs[i].seq = b->seq;
    size_t give = w->doc_open ? w->rec_doc0 : w->n_recs;
    if (!give)
        return NULL;
    kwic_part *pt = tally_xcalloc(1, sizeof *pt);
    pt->input = w->input;
    pt->input_sort = tally_xstrdup(w->input_sort);
    pt->n_recs = give;
    pt->recs = tally_xmalloc(give * sizeof *pt->recs);
    memcpy(pt->recs, w->recs, give * sizeof *pt->recs);
    size_t bytes = w->doc_open ? w->arena_doc0 : w->arena.len;
    tally__buf_init(&pt->arena);
    tally__buf_append(&pt->arena, w->arena.data, bytes);
    /* what stays: the open document's lines, moved to the front */
    memmove(w->recs, w->recs + give, (w->n_recs - give) * sizeof *w->recs);
    w->n_recs -= give;
    for (size_t i = 0; i < w->n_recs; i++)
        w->recs[i].off -= bytes;
    memmove(w->arena.data, w->arena.data + bytes, w->arena.len - bytes);
    w->arena.len -= bytes;
    w->rec_doc0 = 0;
    w->arena_doc0 = 0;
    return pt;
}

static void part_free(void *p)
{
    kwic_part *pt = p;
    if (!pt)
        return;
    free(pt->input_sort);
    free(pt->recs);
    tally__buf_cleanup(&pt->arena);
    free(pt);
}

/* ---- the loop thread ------------------------------------------------------------------------ */

static int cmp_ent(const kent *a, const kent *b)
{
    int c = strcmp(a->input_sort, b->input_sort);
    if (c)
        return c;
    if (a->input != b->input)
        return a->input < b->input ? -1 : 1;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    return (a->ord > b->ord) - (a->ord < b->ord);
}

/* The keywords whose kept lines all come before every match batch b can report: their last
 * line is from an earlier batch of b's input, or from an input of a smaller name. */
static void *hint(void *acc, const tally_batch_ctx *b)
{
    kwic_acc *a = acc;
    if (!a->n_full)
        return NULL;
    const char *name = b->input < a->n_names ? a->names[b->input] : NULL;
    khint *h = tally_xmalloc(sizeof *h + a->n_full * sizeof h->ids[0]);
    h->n = 0;
    for (size_t i = 0; i < a->n_full; i++) {
        const kent *last = &a->lists[a->full[i]].e[a->max - 1];
        if (last->input == b->input ? last->seq < b->seq : name && strcmp(last->input_sort, name) < 0)
            h->ids[h->n++] = a->full[i];
    }
    return h;
}

static void batch_begin(void *p, void *hp)
{
    kwic_worker *w = p;
    khint *h = hp;
    for (size_t i = 0; h && i < h->n; i++) {
        uint32_t kw = h->ids[i];
        if (w->taken[kw] == 0)
            w->taken_list[w->n_taken++] = kw;
        w->taken[kw] = (uint32_t)w->acc->max;
    }
    free(h);
}

static int merge(void *acc, void *p, const tally_batch_ctx *b, tally_error *err)
{
    kwic_acc *a = acc;
    kwic_part *pt = p;
    (void)b;
    (void)err;
    if (pt->input >= a->n_names) {
        size_t n = pt->input + 1 > 2 * a->n_names ? pt->input + 1 : 2 * a->n_names;
        a->names = tally_xrealloc(a->names, n * sizeof *a->names);
        memset(a->names + a->n_names, 0, (n - a->n_names) * sizeof *a->names);
        a->n_names = n;
    }
    if (!a->names[pt->input]) {
        a->names[pt->input] = pt->input_sort;
        pt->input_sort = NULL;
    }
    for (size_t i = 0; i < pt->n_recs; i++) {
        const krec *r = &pt->recs[i];
        kwlist *l = &a->lists[r->kw];
        kent e = {a->names[pt->input], pt->input, r->seq, r->ord, NULL, r->len};
        if (a->max && l->n == a->max && cmp_ent(&e, &l->e[l->n - 1]) > 0)
            continue;
        size_t at = l->n;
        while (at > 0 && cmp_ent(&e, &l->e[at - 1]) < 0)
            at--;
        int was_full = a->max && l->n == a->max;
        if (was_full) { /* e comes before the last one, which goes */
            free(l->e[l->n - 1].line);
            l->n--;
        }
        if (l->n == l->cap) {
            l->cap = l->cap ? 2 * l->cap : (a->max && a->max < 16 ? a->max : 16);
            l->e = tally_xrealloc(l->e, l->cap * sizeof *l->e);
        }
        memmove(l->e + at + 1, l->e + at, (l->n - at) * sizeof *l->e);
        e.line = tally_xmalloc(r->len);
        memcpy(e.line, pt->arena.data + r->off, r->len);
        l->e[at] = e;
        if (++l->n == a->max && !was_full)
            a->full[a->n_full++] = r->kw;
    }
    part_free(pt);
    return 0;
}

typedef struct kw_order {
    const char *name;
    uint32_t id;
} kw_order;

static int cmp_kw(const void *x, const void *y)
{
    return strcmp(((const kw_order *)x)->name, ((const kw_order *)y)->name);
}

static int finish(void *acc, tally_summary *sum, tally_error *err)
{
    kwic_acc *a = acc;
    (void)sum;
    size_t n = a->d->n_kws;
    kw_order *order = tally_xmalloc((n ? n : 1) * sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = (kw_order){tally_dict_keyword_name(a->d, i), (uint32_t)i};
    qsort(order, n, sizeof *order, cmp_kw);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const kwlist *l = &a->lists[order[i].id];
        for (size_t k = 0; k < l->n; k++)
            fwrite(l->e[k].line, 1, l->e[k].len, a->out);
    }
    free(order);
    if (fflush(a->out) != 0 || ferror(a->out))
        rc = tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "cannot write the concordance lines");
    return rc;
}

static void acc_free(void *p)
{
    kwic_acc *a = p;
    if (!a)
        return;
    for (size_t i = 0; i < a->d->n_kws; i++) {
        free(a->kw_json[i]);
        for (size_t k = 0; k < a->lists[i].n; k++)
            free(a->lists[i].e[k].line);
        free(a->lists[i].e);
    }
    for (size_t i = 0; i < a->n_names; i++)
        free(a->names[i]);
    free(a->names);
    free(a->full);
    free(a->kw_json);
    free(a->lists);
    free(a);
}

static const tally_acc_class kwic_class = {
    .name = "kwic",
    .worker_new = worker_new,
    .worker_free = worker_free,
    .doc_begin = doc_begin,
    .field = field,
    .doc_end = doc_end,
    .doc_abort = doc_abort,
    .take = take,
    .merge = merge,
    .part_free = part_free,
    .finish = finish,
    .free = acc_free,
    .hint = hint,
    .batch_begin = batch_begin,
};

int tally__kwic_acc_new(const tally_acc_env *env, tally_acc *acc, tally_error *err)
{
    (void)err;
    kwic_acc *a = tally_xcalloc(1, sizeof *a);
    a->d = env->d;
    a->out = env->opt->kwic;
    a->max = env->opt->kwic_max;
    a->window = env->opt->kwic_window;
    size_t n = env->d->n_kws ? env->d->n_kws : 1;
    a->kw_json = tally_xcalloc(n, sizeof *a->kw_json);
    a->lists = tally_xcalloc(n, sizeof *a->lists);
    a->full = tally_xmalloc(n * sizeof *a->full);
    for (size_t i = 0; i < env->d->n_kws; i++)
        a->kw_json[i] = tally__perdoc_quote(tally_dict_keyword_name(env->d, i));
    acc->cls = &kwic_class;
    acc->state = a;
    return 0;
}
