/* match.h — the counting engine for one worker: feeds the tokens of each document field
 * through the dictionary's trie and counts keywords (every start position, independently),
 * groups (leftmost-longest without overlap within each group), per document and per batch.
 *
 * A matcher belongs to one thread at a time. All its arrays are sized once from the dictionary;
 * the hot path (tally__matcher_field) allocates nothing per token. A document may be fed in
 * several fields and, for a very large document, a field in several pieces (continue = 1),
 * even across batches: the matcher keeps the phrase and group state between calls. */
#ifndef TALLY_MATCH_H
#define TALLY_MATCH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dict.h"
#include "normalize.h"
#include "tokenize.h"

/* A group match candidate waiting until every longer match at its start is known. */
typedef struct tally_gevent {
    uint64_t start;
    uint32_t len;
    uint32_t kw;
} tally_gevent;

/* A keyword match, reported as soon as its last token is read: keyword kw spans the bytes
 * [start, end) of the field, counted from the first byte of the piece given to the current
 * tally__matcher_field call. A phrase that began in an earlier piece of a field cut into pieces
 * (cont = 1) has start < 0; end is always within the piece. Reports come in the order of the
 * matches' last tokens, so those of one keyword (all of one length in tokens) come in the order
 * of their starts. */
typedef void (*tally_hit_fn)(void *ctx, uint32_t kw, int64_t start, int64_t end);

/* Bit masks of 64 bytes (bit j = byte j), made by the matcher's classifier. */
typedef struct tally_ablk {
    uint64_t word;  /* ASCII letters, digits and '_' */
    uint64_t mid;   /* ' . : , ; (may join the bytes around them) */
    uint64_t space; /* ASCII White_Space and '-' */
    uint64_t hi;    /* bytes >= 0x80; when 0, the two below may be left unset */
    uint64_t lead2; /* 0xC3, 0xD0, 0xD1: first bytes of the fast path's two-byte letters */
    uint64_t lead3; /* 0xE4..0xE9: first bytes of its ideographs */
} tally_ablk;

/* Classifies 64 * nblk bytes at p into out[0,nblk) and writes them, ASCII letters lower-cased
 * (other bytes as they are), to low. */
typedef void (*tally_classify_fn)(const uint8_t *p, size_t nblk, tally_ablk *out, uint8_t *low);

/* The non-ASCII characters the matcher's fast path takes without the general tokenizer: returns
 * the length of the character at p[0,n) (p[0] >= 0x80) when it is one of them, else 0. */
size_t tally__fast_char(const uint8_t *p, size_t n);

/* Offset of the first byte in p[0,n) that is neither ASCII nor part of a tally__fast_char
 * character, or n; portable = 1 checks one character at a time (the reference tests compare). */
size_t tally__find_nonfast(const uint8_t *p, size_t n, int portable);

/* Case-folds s[0,n), made of ASCII and tally__fast_char characters, into out[0,n) as the
 * normalizer would (each fold keeps the byte length). */
void tally__fold_fast(const uint8_t *s, size_t n, uint8_t *out);

/* The classifier for this CPU (AVX2 where it has it), or the portable one when portable = 1;
 * tests compare the two. */
tally_classify_fn tally__matcher_classifier(int portable);

/* One chunk of a fast path (the matcher's, the vocabulary's): classifies up to max_blk blocks of
 * t from b into blk and low (the bytes left before end are padded with spaces in pad), zeroes the
 * low_tail bytes of low after them, and returns the number of blocks. *hi says whether the chunk
 * is to be taken as non-ASCII: it holds bytes >= 0x80, or the segment open from before (open;
 * SIZE_MAX for none) has some in its first 8 bytes, all that is read of its head. */
static inline size_t tally__fast_chunk(tally_classify_fn classify, const uint8_t *t, size_t b, size_t end,
                                       size_t max_blk, size_t open, tally_ablk *blk, uint8_t *low,
                                       size_t low_tail, uint8_t *pad, int *hi)
{
    size_t nblk = b < end ? (end - b) / 64 : 0;
    if (nblk > max_blk)
        nblk = max_blk;
    if (nblk) {
        classify(t + b, nblk, blk, low);
    } else { /* the last bytes, followed by spaces */
        memset(pad, ' ', 64);
        if (b < end)
            memcpy(pad, t + b, end - b);
        classify(pad, 1, blk, low);
        nblk = 1;
    }
    memset(low + nblk * 64, 0, low_tail);
    uint64_t any_hi = 0;
    if (open != SIZE_MAX)
        for (size_t j = open; j < b && j < open + 8; j++)
            any_hi |= t[j] & 0x80;
    for (size_t k = 0; k < nblk; k++)
        any_hi |= blk[k].hi;
    *hi = any_hi != 0;
    return nblk;
}

typedef struct tally_matcher {
    const tally_dict *d;
    tally_normalizer *norm;
    tally_tokenizer tk;
    tally_classify_fn classify; /* AVX2 or portable, chosen for this CPU */
    int general_only;           /* tests set 1 to send every field through the general path, the
                                 * reference for the fast path; 0 otherwise */

    /* the current document */
    uint32_t *doc_kw;        /* per keyword: count in this document */
    uint32_t *doc_kw_list;   /* keywords with doc_kw > 0, sorted by id after doc_end */
    size_t n_doc_kw;
    uint32_t *doc_grp;
    uint32_t *doc_grp_list;
    size_t n_doc_grp;
    uint64_t doc_tokens;
    uint64_t doc_invalid0;   /* tk.invalid_utf8 when the document began */
    uint64_t doc_extra_invalid; /* ill-formed sequences the caller replaced before tokenizing */
    int in_doc;

    /* the current batch: totals not yet handed to the loop thread */
    uint64_t *b_kw_count;
    uint32_t *b_kw_docs;
    uint32_t *b_kw_list;
    size_t n_b_kw;
    uint64_t *b_grp_count;
    uint32_t *b_grp_docs;
    uint32_t *b_grp_list;
    size_t n_b_grp;
    uint64_t b_docs, b_tokens, b_invalid;

    /* phrases: trie nodes reached by the tokens just before, one per start position */
    uint32_t *active, *next_active;
    size_t n_active;
    uint32_t *pids;          /* prefix ids the current token matches */
    uint8_t lower[256];      /* the current ASCII token, lower-cased */

    /* groups */
    uint64_t pos;            /* running token position, never reset */
    uint64_t last_full;      /* position of the last token that took the full path: the fast path
                              * skips tokens the dictionary cannot hold, so phrase state is current
                              * only when this is pos */
    uint64_t *resume;        /* per group: first position where the next match may start */
    tally_gevent *pending;   /* sorted by (start asc, len desc) from pend_head */
    size_t pend_head, n_pending, cap_pending;

    /* the hit report (tally__matcher_set_hits): with hit_fn NULL none of this is kept */
    tally_hit_fn hit_fn;
    void *hit_ctx;
    uint64_t *tok_start;     /* by position & tok_mask: field offset of the token's first byte,
                              * for the tokens that took the full path (a match's all do) */
    uint64_t tok_mask;
    uint64_t tok_end;        /* field offset just after the token at m->pos */
    uint64_t piece_off;      /* field offset of the current piece's first byte */
    const uint8_t *piece;    /* the current piece, piece_len bytes */
    size_t piece_len;
} tally_matcher;

/* Returns a new matcher for the compiled dictionary d (borrowed; must outlive the matcher). */
tally_matcher *tally__matcher_new(const tally_dict *d);
void tally__matcher_free(tally_matcher *m);

/* Reports every keyword match to fn(ctx, ...) from now on (fn NULL: none, the default). Costs
 * nothing on the hot path while none is set. */
void tally__matcher_set_hits(tally_matcher *m, tally_hit_fn fn, void *ctx);

/* Starts a document. */
void tally__matcher_doc_begin(tally_matcher *m);

/* Tokenizes text[0,len) and counts what it matches. cont = 0 starts a new field (phrases do not
 * continue from the previous one); cont = 1 continues the current field with its next piece (cut
 * where tally__tok_safe_cut allows). text is only read during the call. */
void tally__matcher_field(tally_matcher *m, const uint8_t *text, size_t len, int cont);

/* Ends the document: settles the group matches, sorts doc_kw_list/doc_grp_list by id (they and
 * doc_kw/doc_grp stay readable until the next doc_begin), and adds the document to the batch
 * totals. */
void tally__matcher_doc_end(tally_matcher *m);

/* The document just ended (tally__matcher_doc_end), for its per-document record; valid until
 * the next tally__matcher_doc_begin. Its keywords with a count above 0, as ids sorted ascending
 * in *ids[0,*n) (borrowed), and the count of keyword kw (0 when it is not among them); the same
 * for groups; and its number of tokens. */
static inline void tally__matcher_doc_keywords(const tally_matcher *m, const uint32_t **ids, size_t *n)
{
    *ids = m->doc_kw_list;
    *n = m->n_doc_kw;
}

static inline uint32_t tally__matcher_doc_keyword_count(const tally_matcher *m, uint32_t kw)
{
    return m->doc_kw[kw];
}

static inline void tally__matcher_doc_groups(const tally_matcher *m, const uint32_t **ids, size_t *n)
{
    *ids = m->doc_grp_list;
    *n = m->n_doc_grp;
}

static inline uint32_t tally__matcher_doc_group_count(const tally_matcher *m, uint32_t g)
{
    return m->doc_grp[g];
}

static inline uint64_t tally__matcher_doc_tokens(const tally_matcher *m)
{
    return m->doc_tokens;
}

/* Drops the current document without counting it (its input broke off in the middle). */
void tally__matcher_doc_abort(tally_matcher *m);

/* Moves the batch totals into the sparse arrays kw[0,*n_kw) and grp[0,*n_grp) (new, owned by the
 * caller; sorted by id) and clears them. */
void tally__matcher_take_batch(tally_matcher *m, tally_idcount **kw, size_t *n_kw,
                               tally_idcount **grp, size_t *n_grp);

#endif
