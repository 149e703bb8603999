/* match.c — keyword, phrase, prefix and group counting over a token stream (see match.h).
 *
 * Per token that the filters let through (see the fast path below; the general path
 * filters the same way): look the word up in the vocabulary, take the prefixes it starts with
 * (known for a vocabulary word, else a walk of the prefix trie), then step every active trie
 * node and the root.
 * A trie node reached at depth k means a phrase of k tokens ends at this token, so keyword hits
 * are known at their last token; group matches need the longest match at each start position,
 * so they wait in a small sorted queue until no longer match starting there is possible. */
#include "match.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "unicode.h"

static tally_classify_fn pick_classifier(void);

tally_matcher *tally__matcher_new(const tally_dict *d)
{
    tally_matcher *m = tally_xcalloc(1, sizeof *m);
    size_t k = d->n_kws, g = d->n_groups ? d->n_groups : 1;
    m->d = d;
    m->norm = tally__norm_new(d->case_sensitive);
    tally__tok_init(&m->tk, d->tokenizer);
    m->doc_kw = tally_xcalloc(k, sizeof *m->doc_kw);
    m->doc_kw_list = tally_xmalloc(k * sizeof *m->doc_kw_list);
    m->doc_grp = tally_xcalloc(g, sizeof *m->doc_grp);
    m->doc_grp_list = tally_xmalloc(g * sizeof *m->doc_grp_list);
    m->b_kw_count = tally_xcalloc(k, sizeof *m->b_kw_count);
    m->b_kw_docs = tally_xcalloc(k, sizeof *m->b_kw_docs);
    m->b_kw_list = tally_xmalloc(k * sizeof *m->b_kw_list);
    m->b_grp_count = tally_xcalloc(g, sizeof *m->b_grp_count);
    m->b_grp_docs = tally_xcalloc(g, sizeof *m->b_grp_docs);
    m->b_grp_list = tally_xmalloc(g * sizeof *m->b_grp_list);
    size_t depth = d->max_tokens + 1;
    m->active = tally_xmalloc(depth * sizeof *m->active);
    m->next_active = tally_xmalloc(depth * sizeof *m->next_active);
    m->pids = tally_xmalloc((d->max_pfx_len + 1) * sizeof *m->pids);
    m->resume = tally_xcalloc(g, sizeof *m->resume);
    m->classify = pick_classifier();
    return m;
}

void tally__matcher_free(tally_matcher *m)
{
    if (!m)
        return;
    tally__norm_free(m->norm);
    free(m->doc_kw);
    free(m->doc_kw_list);
    free(m->doc_grp);
    free(m->doc_grp_list);
    free(m->b_kw_count);
    free(m->b_kw_docs);
    free(m->b_kw_list);
    free(m->b_grp_count);
    free(m->b_grp_docs);
    free(m->b_grp_list);
    free(m->active);
    free(m->next_active);
    free(m->pids);
    free(m->resume);
    free(m->pending);
    free(m->tok_start);
    free(m);
}

void tally__matcher_set_hits(tally_matcher *m, tally_hit_fn fn, void *ctx)
{
    m->hit_fn = fn;
    m->hit_ctx = ctx;
    if (fn && !m->tok_start) {
        size_t n = 1;
        while (n < m->d->max_tokens + 1u)
            n *= 2;
        m->tok_start = tally_xcalloc(n, sizeof *m->tok_start);
        m->tok_mask = n - 1;
    }
}

void tally__matcher_doc_begin(tally_matcher *m)
{
    for (size_t i = 0; i < m->n_doc_kw; i++)
        m->doc_kw[m->doc_kw_list[i]] = 0;
    for (size_t i = 0; i < m->n_doc_grp; i++)
        m->doc_grp[m->doc_grp_list[i]] = 0;
    m->n_doc_kw = 0;
    m->n_doc_grp = 0;
    m->doc_tokens = 0;
    m->doc_invalid0 = m->tk.invalid_utf8;
    m->doc_extra_invalid = 0;
    m->n_active = 0;
    m->in_doc = 1;
}

/* ---- groups ------------------------------------------------------------------------------- */

static void group_settle(tally_matcher *m, const tally_gevent *e)
{
    const tally_dict *d = m->d;
    for (uint32_t i = d->kw_grp_off[e->kw], end = d->kw_grp_off[e->kw + 1]; i < end; i++) {
        uint32_t g = d->kw_grp[i];
        if (e->start < m->resume[g])
            continue;
        m->resume[g] = e->start + e->len;
        if (m->doc_grp[g]++ == 0)
            m->doc_grp_list[m->n_doc_grp++] = g;
    }
}

/* Settles every pending event that starts at or before limit. */
static void groups_resolve(tally_matcher *m, uint64_t limit)
{
    while (m->n_pending && m->pending[m->pend_head].start <= limit) {
        group_settle(m, &m->pending[m->pend_head]);
        m->pend_head++;
        m->n_pending--;
    }
    if (m->n_pending == 0)
        m->pend_head = 0;
}

/* Makes room for one more pending event. */
static __attribute__((noinline)) void pending_room(tally_matcher *m)
{
    if (m->pend_head) {
        memmove(m->pending, m->pending + m->pend_head, m->n_pending * sizeof *m->pending);
        m->pend_head = 0;
    } else {
        m->cap_pending = m->cap_pending ? m->cap_pending * 2 : 64;
        m->pending = tally_xrealloc(m->pending, m->cap_pending * sizeof *m->pending);
    }
}

static inline __attribute__((always_inline)) void group_event(tally_matcher *m, uint64_t start,
                                                              uint32_t len, uint32_t kw)
{
    if (m->pend_head + m->n_pending == m->cap_pending)
        pending_room(m);
    /* insertion keeps (start asc, len desc); new events are usually last or near it */
    tally_gevent *q = m->pending + m->pend_head;
    size_t i = m->n_pending;
    while (i > 0 && (q[i - 1].start > start || (q[i - 1].start == start && q[i - 1].len < len))) {
        q[i] = q[i - 1];
        i--;
    }
    q[i].start = start;
    q[i].len = len;
    q[i].kw = kw;
    m->n_pending++;
}

/* ---- tokens ------------------------------------------------------------------------------- */

/* The match of kw whose last token is the one at m->pos, len tokens long: the byte range from its
 * first token's start to this token's end, counted from the current piece. */
static __attribute__((noinline)) void report_hit(tally_matcher *m, uint32_t kw, uint32_t len)
{
    uint64_t s = m->tok_start[(m->pos - len + 1) & m->tok_mask];
    m->hit_fn(m->hit_ctx, kw, (int64_t)s - (int64_t)m->piece_off, (int64_t)m->tok_end - (int64_t)m->piece_off);
}

/* The token at m->pos takes the full path: where it is, for report_hit (hit report set only). */
static inline void note_token(tally_matcher *m, size_t start, size_t len)
{
    m->tok_start[m->pos & m->tok_mask] = m->piece_off + start;
    m->tok_end = m->piece_off + start + len;
}

/* A match of kw ending at the token at m->pos; report says whether a hit report is set (a
 * constant where the fast path has a copy of its own for each case). */
static inline __attribute__((always_inline)) void hit_r(tally_matcher *m, uint32_t kw, uint32_t len,
                                                        const int report)
{
    if (report)
        report_hit(m, kw, len);
    if (m->doc_kw[kw]++ == 0)
        m->doc_kw_list[m->n_doc_kw++] = kw;
    if ((m->d->kw_in_group[kw >> 6] >> (kw & 63)) & 1)
        group_event(m, m->pos - len + 1, len, kw);
}

static inline __attribute__((always_inline)) void hit(tally_matcher *m, uint32_t kw, uint32_t len)
{
    hit_r(m, kw, len, __builtin_expect(m->hit_fn != NULL, 0));
}

/* Prefix edges of node (never the root: token_step steps the root itself) are sorted by prefix
 * id: one binary search per matched prefix. */
static void step_prefixes(tally_matcher *m, const tally_node *nd, const uint32_t *pids, size_t np)
{
    const tally_dict *d = m->d;
    const tally_pfx_edge *e = d->pfx_edges + nd->pfx_first;
    for (size_t i = 0; i < np; i++) {
        uint32_t p = pids[i];
        size_t lo = 0, hi = nd->pfx_count;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (e[mid].prefix < p)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < nd->pfx_count && e[lo].prefix == p)
            hit(m, e[lo].keyword, nd->depth + 1);
    }
}

static inline size_t step(tally_matcher *m, uint32_t node, uint32_t w, const uint32_t *pids,
                          size_t np, size_t n_next)
{
    const tally_dict *d = m->d;
    if (w != TALLY_NONE) {
        uint32_t c = tally__dict_child(d, node, w);
        if (c != TALLY_NONE) {
            const tally_node *cn = &d->nodes[c];
            if (cn->keyword != TALLY_NONE)
                hit(m, cn->keyword, cn->depth);
            if (cn->has_children || cn->pfx_count)
                m->next_active[n_next++] = c;
        }
    }
    if (np && d->nodes[node].pfx_count)
        step_prefixes(m, &d->nodes[node], pids, np);
    return n_next;
}

/* The root step of a vocabulary word (ws): its own keyword, and the phrase it may start, pushed
 * onto out[n]; returns the new n. A word that is no term's first has neither (root_kw is
 * TALLY_NONE and bit 0 of pfx_push is 0 when root is). */
static inline size_t root_step(tally_matcher *m, const tally_vslot *ws, uint32_t *out, size_t n,
                               const int report)
{
    if (ws->root_kw != TALLY_NONE)
        hit_r(m, ws->root_kw, 1, report);
    if (ws->pfx_push & 1)
        out[n++] = ws->root;
    return n;
}

/* The one-token terms "prefix*" of the prefixes pids[0,np) the token starts with. */
static inline void prefix_hits(tally_matcher *m, const tally_dict *d, const uint32_t *pids,
                               size_t np, const int report)
{
    for (size_t i = 0; i < np; i++)
        if (d->pfx_root_kw[pids[i]] != TALLY_NONE)
            hit_r(m, d->pfx_root_kw[pids[i]], 1, report);
}

/* The rest of a token nb[0,nl) that may be in the dictionary, ws its vocabulary slot (NULL when
 * it is no vocabulary word): find its prefixes, step the trie. Kept out of line so the common
 * cases stay small. */
static __attribute__((noinline)) void token_step(tally_matcher *m, const tally_vslot *ws,
                                                 const uint8_t *nb, size_t nl)
{
    const tally_dict *d = m->d;
    uint32_t w = TALLY_NONE;
    const uint32_t *pids = m->pids;
    size_t np = 0;
    if (ws) { /* a vocabulary word: its prefixes are known */
        w = ws->id;
        pids = d->word_pfx + ws->pfx_off;
        np = ws->pfx_push >> 1;
    } else {
        /* walk the prefix trie along the token: every node passed that ends a prefix is a match */
        for (uint32_t node = d->pfx_root[nb[0]], i = 1; node != TALLY_NONE; i++) {
            const tally_pfx_node *pn = &d->pfx_nodes[node];
            if (pn->prefix != TALLY_NONE)
                m->pids[np++] = pn->prefix;
            if (i == nl)
                break;
            uint32_t next = TALLY_NONE;
            const uint8_t *eb = d->pfx_edge_byte + pn->first;
            for (uint32_t k = 0; k < pn->count && eb[k] <= nb[i]; k++)
                if (eb[k] == nb[i])
                    next = d->pfx_edge_node[pn->first + k];
            node = next;
        }
        if (np == 0) {
            m->n_active = 0;
            return;
        }
    }
    size_t n_next = 0;
    for (size_t i = 0; i < m->n_active; i++)
        n_next = step(m, m->active[i], w, pids, np, n_next);
    /* the root, where a new match may start: the slot has what it needs */
    if (ws && ws->root != TALLY_NONE)
        n_next = root_step(m, ws, m->next_active, n_next, m->hit_fn != NULL);
    prefix_hits(m, d, pids, np, m->hit_fn != NULL);
    uint32_t *t = m->active;
    m->active = m->next_active;
    m->next_active = t;
    m->n_active = n_next;
}

/* token_step for a token whose word-filter bit is maybe_word, after its vocabulary lookup. */
static inline void token_lookup(tally_matcher *m, const uint8_t *nb, size_t nl, uint64_t head,
                                int maybe_word)
{
    token_step(m, maybe_word ? tally__dict_vslot(m->d, nb, nl, head) : NULL, nb, nl);
}

/* A token not linked to the one before: phrases break and pending group matches settle. */
static inline void unlink_prev(tally_matcher *m)
{
    m->n_active = 0;
    if (m->n_pending)
        groups_resolve(m, UINT64_MAX);
}

/* Every token of the general path: count it, and break phrases and settle groups where it is not
 * linked. */
static inline void token_begin(tally_matcher *m, unsigned flags)
{
    m->doc_tokens++;
    m->pos++;
    m->last_full = m->pos;
    if (!(flags & TALLY_TOK_LINKED))
        unlink_prev(m);
}

static inline void token_end(tally_matcher *m)
{
    const tally_dict *d = m->d;
    if (m->n_pending) {
        uint64_t limit = m->pos + 1 > d->max_group_tokens ? m->pos + 1 - d->max_group_tokens : 0;
        if (m->pending[m->pend_head].start <= limit)
            groups_resolve(m, limit);
    }
}

/* The token at m->pos, already counted and normalized to nb[0,nl). Most tokens are not in the
 * dictionary: the word filter and the prefix filter say so before any hash is computed. */
static inline void token_at(tally_matcher *m, const uint8_t *nb, size_t nl)
{
    const tally_dict *d = m->d;
    if (nl) {
        uint64_t head = tally__load_le(nb, nl < 8 ? nl : 8);
        unsigned bit = tally__filter_bit(head, nl);
        int maybe = tally__dict_bit(d->word_filter, bit);
        /* a word that continues no phrase and starts none cannot match but through a prefix */
        if (maybe && m->n_active == 0 && !tally__dict_bit(d->solo_filter, bit) &&
            !tally__dict_bit(d->start_filter, bit))
            maybe = 0;
        if (maybe || tally__dict_maybe_prefix(d, head)) {
            token_lookup(m, nb, nl, head, maybe);
            token_end(m);
            return;
        }
    }
    m->n_active = 0;
    token_end(m);
}

static void token(tally_matcher *m, const uint8_t *s, size_t len, unsigned flags)
{
    size_t nl;
    const uint8_t *nb = tally__norm_token(m->norm, s, len, &nl);
    token_begin(m, flags);
    if (__builtin_expect(m->hit_fn != NULL, 0))
        note_token(m, (size_t)(s - m->piece), len);
    token_at(m, nb, nl);
}

/* ---- the fast path -----------------------------------------------------------------------
 *
 * English text is mostly ASCII, where UAX #29 reduces to a few rules: letters, digits and '_'
 * hold together (WB5, WB8-WB10, WB13a/b); '.', '\'' and ':' join two letters (WB6/7); '.',
 * '\'', ',' and ';' join two digits (WB11/12); everything else separates, and a segment is a
 * token only when it holds a letter or digit. ASCII White_Space and '-' (the only ASCII Pd)
 * keep a phrase linked. The letters of Latin-1 and Cyrillic (two bytes each) follow the same
 * rules as ASCII letters, and a CJK ideograph (three bytes) is a token of its own that nothing
 * joins (tally__fast_char lists them). Stretches of these are handled here; the stretch around
 * any other non-ASCII character goes through the general tokenizer and normalizer, cut at
 * points where segmentation cannot depend on the other side.
 *
 * The text is classified 64 bytes at a time into bit masks (word bytes, mid punctuation,
 * spaces, non-ASCII leads), from which token starts and ends follow with a few shifts. Each
 * token then costs a load, a case fold and two filter bits; only the tokens that pass the
 * filters (the dictionary may hold them) take the full path. The others are only counted: a
 * token that is not in the dictionary ends every phrase and cannot start one, so skipping it
 * changes nothing but the running position, and group matches waiting for it settle the same
 * way later. */

enum { A_LETTER = 1, A_DIGIT = 2, A_USCORE = 4, A_GAP = 8, A_MIDL = 16, A_MIDN = 32, A_SPACE = 64 };
#define A_WORD (A_LETTER | A_DIGIT | A_USCORE)
#define A_WS (A_GAP | A_SPACE)

#define L16(x)                                                                                   \
    [x] = A_LETTER, [x + 1] = A_LETTER, [x + 2] = A_LETTER, [x + 3] = A_LETTER,                  \
    [x + 4] = A_LETTER, [x + 5] = A_LETTER, [x + 6] = A_LETTER, [x + 7] = A_LETTER,              \
    [x + 8] = A_LETTER, [x + 9] = A_LETTER, [x + 10] = A_LETTER, [x + 11] = A_LETTER,            \
    [x + 12] = A_LETTER, [x + 13] = A_LETTER, [x + 14] = A_LETTER, [x + 15] = A_LETTER
static const uint8_t acls[256] = {
    ['\t'] = A_WS, ['\n'] = A_WS, ['\v'] = A_WS, ['\f'] = A_WS, ['\r'] = A_WS, [' '] = A_WS,
    ['-'] = A_GAP,
    ['.'] = A_MIDL | A_MIDN, ['\''] = A_MIDL | A_MIDN, [':'] = A_MIDL, [','] = A_MIDN, [';'] = A_MIDN,
    ['_'] = A_USCORE,
    ['0'] = A_DIGIT, ['1'] = A_DIGIT, ['2'] = A_DIGIT, ['3'] = A_DIGIT, ['4'] = A_DIGIT,
    ['5'] = A_DIGIT, ['6'] = A_DIGIT, ['7'] = A_DIGIT, ['8'] = A_DIGIT, ['9'] = A_DIGIT,
    ['A'] = A_LETTER, ['B'] = A_LETTER, ['C'] = A_LETTER, ['D'] = A_LETTER, ['E'] = A_LETTER,
    ['F'] = A_LETTER, ['G'] = A_LETTER, ['H'] = A_LETTER, ['I'] = A_LETTER, ['J'] = A_LETTER,
    ['K'] = A_LETTER, ['L'] = A_LETTER, ['M'] = A_LETTER, ['N'] = A_LETTER, ['O'] = A_LETTER,
    ['P'] = A_LETTER, ['Q'] = A_LETTER, ['R'] = A_LETTER, ['S'] = A_LETTER, ['T'] = A_LETTER,
    ['U'] = A_LETTER, ['V'] = A_LETTER, ['W'] = A_LETTER, ['X'] = A_LETTER, ['Y'] = A_LETTER,
    ['Z'] = A_LETTER,
    ['a'] = A_LETTER, ['b'] = A_LETTER, ['c'] = A_LETTER, ['d'] = A_LETTER, ['e'] = A_LETTER,
    ['f'] = A_LETTER, ['g'] = A_LETTER, ['h'] = A_LETTER, ['i'] = A_LETTER, ['j'] = A_LETTER,
    ['k'] = A_LETTER, ['l'] = A_LETTER, ['m'] = A_LETTER, ['n'] = A_LETTER, ['o'] = A_LETTER,
    ['p'] = A_LETTER, ['q'] = A_LETTER, ['r'] = A_LETTER, ['s'] = A_LETTER, ['t'] = A_LETTER,
    ['u'] = A_LETTER, ['v'] = A_LETTER, ['w'] = A_LETTER, ['x'] = A_LETTER, ['y'] = A_LETTER,
    ['z'] = A_LETTER,
    /* in a fast stretch (see tally__fast_char) these bytes are only ever parts of letters as far
     * as the mid-punctuation joins and tail_gap_ok ask; ideographs are told apart by the masks
     * (their continuation bytes never stand next to a joining ASCII byte) */
    [0xC3] = A_LETTER, [0xD0] = A_LETTER, [0xD1] = A_LETTER,
    L16(0x80), L16(0x90), L16(0xA0), L16(0xB0),
};
#undef L16

/* Is b the first byte of one of the fast path's two-byte letters (U+00C0..U+00FF, U+0400..U+047F;
 * see tally__fast_char)? */
static inline int lead2(unsigned b)
{
    return b == 0xC3 || b == 0xD0 || b == 0xD1;
}

/* Classifies 64 * nblk bytes at p: one bit per byte in each mask (bit j = p[j]); the bytes,
 * ASCII letters lower-cased, go to low (see tally_classify_fn). */
static void classify_scalar(const uint8_t *p, size_t nblk, tally_ablk *out, uint8_t *low)
{
    for (size_t k = 0; k < nblk; k++, p += 64, low += 64) {
        uint64_t w = 0, mid = 0, sp = 0, hi = 0, l2 = 0, l3 = 0;
        for (unsigned j = 0; j < 64; j++) {
            uint8_t b = p[j], c = b < 0x80 ? acls[b] : 0;
            low[j] = (uint8_t)(b | ((c & A_LETTER) ? 0x20 : 0));
            w |= (uint64_t)((c & A_WORD) != 0) << j;
            mid |= (uint64_t)((c & (A_MIDL | A_MIDN)) != 0) << j;
            sp |= (uint64_t)((c & A_WS) != 0) << j;
            hi |= (uint64_t)(b >= 0x80) << j;
            l2 |= (uint64_t)lead2(b) << j;
            l3 |= (uint64_t)(b - 0xE4u <= 5u) << j;
        }
        out[k].word = w;
        out[k].mid = mid;
        out[k].space = sp;
        out[k].hi = hi;
        out[k].lead2 = l2;
        out[k].lead3 = l3;
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* The lead2 and lead3 masks of the 64 bytes at p (see tally_ablk), for a block with non-ASCII
 * bytes; out of line, so that the ASCII classification keeps its constants in registers. */
__attribute__((target("avx2"), noinline)) static void classify_leads_avx2(const uint8_t *p,
                                                                         tally_ablk *out)
{
    uint64_t m2 = 0, m3 = 0;
    for (int h = 0; h < 2; h++) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32 * h));
        __m256i l2 = _mm256_or_si256(
            _mm256_cmpeq_epi8(x, _mm256_set1_epi8((char)0xC3)),
            _mm256_or_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8((char)0xD0)),
                            _mm256_cmpeq_epi8(x, _mm256_set1_epi8((char)0xD1))));
        __m256i d = _mm256_sub_epi8(x, _mm256_set1_epi8((char)0xE4));
        __m256i l3 = _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8(5)), d);
        m2 |= (uint64_t)(uint32_t)_mm256_movemask_epi8(l2) << (32 * h);
        m3 |= (uint64_t)(uint32_t)_mm256_movemask_epi8(l3) << (32 * h);
    }
    out->lead2 = m2;
    out->lead3 = m3;
}

/* The same with AVX2: each byte's class is the AND of a lookup by its low nibble and one by its
 * high nibble. Bits: 0x01 \t..\r, 0x02 ' ' '-', 0x04 '\'' ',' '.', 0x08 '0'..'9', 0x10 ':' ';',
 * 0x20 'A'..'O' 'a'..'o', 0x40 'P'..'Z' 'p'..'z', 0x80 '_'. */
__attribute__((target("avx2"))) static void classify_avx2(const uint8_t *p, size_t nblk,
                                                          tally_ablk *out, uint8_t *low)
{
    const __m256i lo_tab = _mm256_setr_epi8(
        0x4A, 0x68, 0x68, 0x68, 0x68, 0x68, 0x68, 0x6C, 0x68, 0x69, 0x71, 0x31, 0x25, 0x23, 0x24,
        (char)0xA0, 0x4A, 0x68, 0x68, 0x68, 0x68, 0x68, 0x68, 0x6C, 0x68, 0x69, 0x71, 0x31, 0x25,
        0x23, 0x24, (char)0xA0);
    const __m256i hi_tab = _mm256_setr_epi8(0x01, 0, 0x06, 0x18, 0x20, (char)0xC0, 0x20, 0x40, 0,
                                            0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0x06, 0x18, 0x20,
                                            (char)0xC0, 0x20, 0x40, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i nib = _mm256_set1_epi8(0x0F), zero = _mm256_setzero_si256();
    const __m256i wbits = _mm256_set1_epi8((char)0xE8), mbits = _mm256_set1_epi8(0x14),
                  sbits = _mm256_set1_epi8(0x03), lbits = _mm256_set1_epi8(0x60),
                  case_bit = _mm256_set1_epi8(0x20);
    for (size_t k = 0; k < nblk; k++, p += 64, low += 64) {
        uint64_t r[4] = {0, 0, 0, 0};
        for (int h = 0; h < 2; h++) {
            __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32 * h));
            r[3] |= (uint64_t)(uint32_t)_mm256_movemask_epi8(x) << (32 * h);
            __m256i lo = _mm256_and_si256(x, nib);
            __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), nib);
            __m256i c = _mm256_and_si256(_mm256_shuffle_epi8(lo_tab, lo),
                                         _mm256_shuffle_epi8(hi_tab, hi));
            uint32_t nw = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(c, wbits), zero));
            uint32_t nm = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(c, mbits), zero));
            uint32_t ns = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(c, sbits), zero));
            __m256i not_letter = _mm256_cmpeq_epi8(_mm256_and_si256(c, lbits), zero);
            _mm256_storeu_si256((__m256i *)(void *)(low + 32 * h),
                                _mm256_or_si256(x, _mm256_andnot_si256(not_letter, case_bit)));
            r[0] |= (uint64_t)(uint32_t)~nw << (32 * h);
            r[1] |= (uint64_t)(uint32_t)~nm << (32 * h);
            r[2] |= (uint64_t)(uint32_t)~ns << (32 * h);
        }
        out[k].word = r[0];
        out[k].mid = r[1];
        out[k].space = r[2];
        out[k].hi = r[3];
        if (r[3]) /* else lead2 and lead3 are left unset: see tally_ablk */
            classify_leads_avx2(p, &out[k]);
    }
}
#endif

tally_classify_fn tally__matcher_classifier(int portable)
{
    return portable ? classify_scalar : pick_classifier();
}

static tally_classify_fn pick_classifier(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx2"))
        return classify_avx2;
#endif
    return classify_scalar;
}

/* SWAR: 0x80 in each byte of w (all < 0x80) that is an ASCII letter. Byte-wise additions cannot
 * carry across bytes because every byte stays below 0x100. */
#define H8 0x8080808080808080ull
#define L8 0x0101010101010101ull

static inline uint64_t swar_letters(uint64_t w)
{
    uint64_t lo = w | (0x20 * L8);
    return ((lo + (0x80 - 'a') * L8) & ~(lo + (0x80 - 'z' - 1) * L8)) & H8;
}

/* Does the mid punctuation of class mid join its neighbours of classes pc and nc (WB6/7,
 * WB11/12)? */
static inline int joins(uint8_t mid, uint8_t pc, uint8_t nc)
{
    return ((mid & A_MIDL) && (pc & A_LETTER) && (nc & A_LETTER)) ||
           ((mid & A_MIDN) && (pc & A_DIGIT) && (nc & A_DIGIT));
}

/* A token of the fast path that passed the filters: s[0,n) as in the text, v its first
 * min(n, 8) bytes folded, maybe its word-filter bit; its position is m->pos, already counted.
 * fast_pass2 handles the words of up to 8 bytes that pass the word filter itself, so a short
 * token comes here only to find its prefixes. */
static __attribute__((noinline)) void fast_survivor(tally_matcher *m, const uint8_t *s, size_t n,
                                                    uint64_t v, int maybe, int linked)
{
    if (!linked)
        unlink_prev(m);
    if (n <= 8) {
        memcpy(m->lower, &v, 8);
        token_lookup(m, m->lower, n, v, maybe);
    } else if (m->d->case_sensitive) {
        token_lookup(m, s, n, v, maybe); /* the fast path's characters are their own NFKC */
    } else if (n <= sizeof m->lower) {
        uint64_t high = 0;
        size_t j = 0;
        for (; j + 8 <= n; j += 8) { /* ASCII letters lower-cased 8 at a time */
            uint64_t w;
            memcpy(&w, s + j, 8);
            high |= w & H8;
            w |= swar_letters(w & ~(((w & H8) >> 7) * 0xFF)) >> 2;
            memcpy(m->lower + j, &w, 8);
        }
        for (; j < n; j++) {
            high |= s[j] & 0x80;
            m->lower[j] = (uint8_t)(s[j] | ((s[j] < 0x80 && (acls[s[j]] & A_LETTER)) ? 0x20 : 0));
        }
        if (high)
            tally__fold_fast(s, n, m->lower);
        token_lookup(m, m->lower, n, v, maybe);
    } else {
        size_t nl;
        const uint8_t *nb = tally__norm_token(m->norm, s, n, &nl);
        token_at(m, nb, nl);
        return;
    }
    token_end(m);
}

/* Is s[0,n) (starting with '_') made of underscores only? Such a segment is not a token. */
static int underscores_only(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '_')
            return 0;
    return 1;
}

/* A token the fast path found that may be in the dictionary: its offset in the field, byte
 * length, running position, its head as the first pass read it (see fast_head; not yet folded
 * when it has bytes >= 0x80) and that head's filter bit (tally__filter_bit). */
typedef struct fast_rec {
    size_t s;
    size_t n;
    uint64_t pos;
    uint64_t v;
    unsigned bit;
} fast_rec;

#define FAST_CHUNK 16                      /* blocks of 64 bytes classified at once */
#define FAST_MAX_REC (FAST_CHUNK * 32 + 1) /* at most a token start every other byte, + 1 */

/* The first min(n, 8) bytes of the token at p (n > 0), folded when fold, as tally__load_le
 * reads them; room = bytes readable from p. */
static const uint64_t head_mask[9] = {
    0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF, 0xFFFFFFFFFFull, 0xFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFull,
    0xFFFFFFFFFFFFFFFFull,
};

static inline uint64_t fast_head(const uint8_t *p, size_t n, size_t room, int fold, int hi)
{
    uint64_t v;
    if (room >= 8) {
        memcpy(&v, p, 8);
        v &= head_mask[n < 8 ? n : 8];
    } else {
        v = tally__load_le(p, n); /* n < 8 here */
    }
    /* 'A'..'Z' + 0x20 = 'a'..'z'; when the text may have bytes >= 0x80 (hi), they are left out
     * of the test (swar_letters wants bytes < 0x80) and kept as they are */
    if (fold)
        v |= swar_letters(hi ? v & ~(((v & H8) >> 7) * 0xFF) : v) >> 2;
    return v;
}

/* Case-folds s[0,n), made of ASCII and the fast path's letters and ideographs (see
 * tally__fast_char), into out: what the normalizer gives for them, which tests check code point
 * by code point. Every fold keeps the byte length. A two-byte letter cut off by n is left as it
 * is. */
void tally__fold_fast(const uint8_t *s, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b = s[i];
        if (b < 0x80) {
            out[i] = (uint8_t)(b | ((acls[b] & A_LETTER) ? 0x20 : 0));
            continue;
        }
        out[i] = b;
        if (i + 1 >= n || !lead2(b))
            continue;
        uint8_t c = s[++i];
        if (b == 0xC3) { /* U+00C0..U+00DE -> U+00E0..U+00FE (U+00D7 is not taken) */
            if (c <= 0x9E)
                c += 0x20;
        } else if (b == 0xD0) {
            if (c < 0x90) { /* U+0400..U+040F -> U+0450..U+045F */
                out[i - 1] = 0xD1;
                c += 0x10;
            } else if (c < 0xA0) { /* U+0410..U+041F -> U+0430..U+043F */
                c += 0x20;
            } else if (c < 0xB0) { /* U+0420..U+042F -> U+0440..U+044F */
                out[i - 1] = 0xD1;
                c -= 0x20;
            }
        } else if (c >= 0xA0) { /* U+0460..U+047F: even (capital) -> odd */
            c |= 1;
        }
        out[i] = c;
    }
}

/* The head of the recorded token r in t as the dictionary holds it, with its filter bit in *bit:
 * the first pass's, but folded by tally__fold_fast when it has bytes >= 0x80 (only when the
 * chunk may have such bytes: hi). */
static inline uint64_t rec_head(const uint8_t *t, const fast_rec *r, int fold, int hi, unsigned *bit)
{
    uint64_t v = r->v;
    *bit = r->bit;
    if (hi && fold && (v & H8)) {
        uint8_t tmp[16];
        size_t n = r->n;
        tally__fold_fast(t + r->s, n < 10 ? n : 10, tmp); /* 10: a letter at bytes 7-8 folds whole */
        v = tally__load_le(tmp, n < 8 ? n : 8);
        *bit = tally__filter_bit(v, n);
    }
    return v;
}

/* The head of a token of n bytes at p, where 8 bytes can be read and are already folded. */
static inline uint64_t cb_head(const uint8_t *p, size_t n)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v & head_mask[n < 8 ? n : 8];
}

/* One segment t[s,s+n) found by the fast path, v its first min(n, 8) bytes as fast_head reads
 * them: counts it (unless it is underscores only) and records it when the filters say the
 * dictionary may hold it. No branch depends on the filters, so a token that passes costs no
 * misprediction here. */
static inline void fast_token(const tally_dict *d, const uint8_t *t, size_t s, size_t n, uint64_t v,
                              int pfx, int hi, uint64_t *pos, fast_rec *rec, size_t *n_rec)
{
    if (__builtin_expect((v & 0xFF) == '_', 0) && underscores_only(t + s, n))
        return;
    ++*pos;
    /* a head with non-ASCII bytes is not folded yet: the second pass decides */
    unsigned bit = tally__filter_bit(v, n);
    int keep = tally__dict_bit(d->word_filter, bit) | (hi && (v & H8) != 0);
    if (pfx)
        keep |= tally__dict_maybe_prefix(d, v);
    fast_rec *r = &rec[*n_rec];
    r->s = s;
    r->n = n;
    r->bit = bit;
    r->v = v;
    r->pos = *pos;
    *n_rec += (size_t)keep;
}

/* Is t[from,to) only White_Space and '-'? */
static inline int all_gap(const uint8_t *t, size_t from, size_t to)
{
    for (size_t q = from; q < to; q++)
        if (!(acls[t[q]] & A_GAP))
            return 0;
    return 1;
}

/* Does t[i,end) end with a token followed only by spaces (1), with something else that is not a
 * space (0), or hold only spaces (keep)? */
static inline __attribute__((always_inline)) int tail_gap_ok(const uint8_t *t, size_t i, size_t end, int keep)
{
    size_t q = end;
    while (q > i && (acls[t[q - 1]] & A_GAP))
        q--;
    if (q == i)
        return keep;
    uint8_t c = acls[t[q - 1]];
    if (c & (A_LETTER | A_DIGIT))
        return 1;
    if (!(c & A_USCORE))
        return 0;
    while (q > i && t[q - 1] == '_')
        q--;
    if (q == i)
        return 0;
    /* the underscores belong to the token before them only if it ends with a letter or digit
     * (WB13a): an ASCII one, or a two-byte letter; not an ideograph */
    if (t[q - 1] < 0x80)
        return (acls[t[q - 1]] & (A_LETTER | A_DIGIT)) != 0;
    return q - i >= 2 && lead2(t[q - 2]);
}

/* Where the first pass stands between chunks. */
typedef struct fast_scan {
    size_t b;             /* start of the next block */
    size_t open;          /* start of a segment that runs on into the next block, or SIZE_MAX */
    uint64_t wprev, tprev; /* bit 63 of the previous block's word and segment masks */
    uint64_t l2prev, iprev; /* ... of its two-byte letter leads and its ideograph bytes */
    uint64_t pos;         /* position of the last token counted */
} fast_scan;

/* The first pass over nblk classified blocks from sc->b (low: the same bytes lower-cased):
 * finds the segments, counts the tokens and records those the filters let through. fold, pfx
 * and hi (the chunk may hold non-ASCII bytes, or a token open from before holds some) are
 * constants in each copy the compiler makes of this, so the loop tests none of them; without
 * hi it is the pure ASCII loop. */
static inline __attribute__((always_inline)) size_t
fast_pass1(const tally_dict *d, const uint8_t *t, size_t end, size_t lim, const tally_ablk *blk,
           size_t nblk, const uint8_t *low, fast_scan *sc, fast_rec *rec, const int fold,
           const int pfx, const int hi)
{
    size_t b = sc->b, open = sc->open, n_rec = 0;
    const size_t c0 = b;
    uint64_t wprev = sc->wprev, tprev = sc->tprev, pos = sc->pos;
    uint64_t l2prev = sc->l2prev, iprev = sc->iprev;
    for (size_t k = 0; k < nblk; k++, b += 64) {
        uint64_t w = blk[k].word, ideo = 0, brk = 0;
        if (hi) {
            /* two-byte letters join the word bytes; each ideograph is a token of its own, and
             * a word byte right after one starts a new token */
            uint64_t l2 = blk[k].hi ? blk[k].lead2 : 0, l3 = blk[k].hi ? blk[k].lead3 : 0;
            uint64_t letter2 = l2 | (l2 << 1) | l2prev;
            ideo = blk[k].hi & ~letter2;
            w |= letter2;
            brk = l3 | (w & ((ideo << 1) | iprev));
            l2prev = l2 >> 63;
            iprev = ideo >> 63;
        }
        uint64_t w64 = b + 64 < end && (acls[t[b + 64]] & A_WORD);
        /* mid punctuation between two word bytes: does it join them? */
        uint64_t cand = blk[k].mid & ((w << 1) | wprev) & ((w >> 1) | (w64 << 63)), jn = 0;
        while (cand) {
            unsigned j = (unsigned)__builtin_ctzll(cand);
            cand &= cand - 1;
            const uint8_t *q = t + b + j;
            if (joins(acls[q[0]], acls[q[-1]], acls[q[1]]))
                jn |= 1ull << j;
        }
        uint64_t tm = w | jn | ideo; /* bytes inside a segment */
        uint64_t starts = (tm & ~((tm << 1) | tprev)) | brk;
        uint64_t stop = ~tm | brk; /* bytes a token that started before them cannot take in */
        wprev = w >> 63;
        tprev = tm >> 63;
        const uint8_t *bl = low + (b - c0); /* this block, lower-cased */
        const uint8_t *bt = t + b;
        if (open != SIZE_MAX) {
            if (stop == 0)
                continue; /* the segment covers the whole block */
            size_t e = b + (size_t)__builtin_ctzll(stop);
            uint64_t v = fold && open >= c0 ? cb_head(low + (open - c0), e - open)
                                            : fast_head(t + open, e - open, lim - open, fold, hi);
            fast_token(d, t, open, e - open, v, pfx, hi, &pos, rec, &n_rec);
            open = SIZE_MAX;
        }
        while (starts) {
            size_t s = (size_t)__builtin_ctzll(starts);
            starts &= starts - 1;
            uint64_t z = hi ? (stop >> s) & ~1ull : ~tm >> s;
            if (z == 0) {
                open = b + s;
                break;
            }
            size_t n = (size_t)__builtin_ctzll(z);
            uint64_t v = fold ? cb_head(bl + s, n) : fast_head(bt + s, n, lim - b - s, 0, hi);
            fast_token(d, t, b + s, n, v, pfx, hi, &pos, rec, &n_rec);
        }
    }
    sc->b = b;
    sc->open = open;
    sc->wprev = wprev;
    sc->tprev = tprev;
    sc->l2prev = l2prev;
    sc->iprev = iprev;
    sc->pos = pos;
    return n_rec;
}

/* The second pass over the n_rec tokens the first pass recorded in a chunk of t[i,...), in
 * order (prev_end: the end of the last one taken through the dictionary, SIZE_MAX before the
 * first; entry_link: the token before t[i] may go on into a phrase). A token that continues no
 * phrase in progress only matters if it matches by itself (the solo and prefix filters) or
 * starts a phrase with the token after it (the pair filter; the start filter when that token
 * is not in this chunk); otherwise taking it through the dictionary would change nothing, and
 * it is skipped: the next token then starts afresh. hi as for fast_pass1; report: a hit report
 * is set (note_token). */
static inline __attribute__((always_inline)) void
fast_pass2(tally_matcher *m, const uint8_t *t, size_t i, const fast_rec *rec,
           size_t n_rec, int entry_link, size_t *prev_end, int fold, int pfx, const int hi,
           const int report)
{
    const tally_dict *d = m->d;
    uint64_t vn = 0;
    unsigned bn = 0;
    if (n_rec)
        vn = rec_head(t, &rec[0], fold, hi, &bn);
    for (size_t k = 0; k < n_rec; k++) {
        const fast_rec *r = &rec[k];
        uint64_t v = vn;
        unsigned bit = bn;
        if (k + 1 < n_rec)
            vn = rec_head(t, &rec[k + 1], fold, hi, &bn);
        int adjacent = m->last_full + 1 == r->pos; /* the token before took this path too */
        if (!(adjacent && m->n_active) && !tally__dict_bit(d->solo_filter, bit) &&
            !(pfx && tally__dict_maybe_prefix(d, v) && tally__dict_maybe_prefix_fine(d, v, r->n))) {
            if (k + 1 == n_rec) {
                if (!tally__dict_bit(d->start_filter, bit))
                    continue;
            } else if (rec[k + 1].pos != r->pos + 1 ||
                       !tally__dict_maybe_pair(d, v, r->n, vn, rec[k + 1].n)) {
                continue;
            }
        }
        int linked = 0;
        if (adjacent)
            linked = *prev_end == SIZE_MAX ? entry_link && all_gap(t, i, r->s)
                                           : all_gap(t, *prev_end, r->s);
        m->pos = r->pos;
        m->last_full = r->pos;
        *prev_end = r->s + r->n;
        if (report)
            note_token(m, r->s, r->n);
        int maybe = tally__dict_bit(d->word_filter, bit);
        if (r->n <= 8 && maybe) {
            /* a word of up to 8 bytes is its head; when it continues no phrase, token_step
             * would only take its root step and its prefixes' one-token terms */
            if (!linked)
                unlink_prev(m);
            const tally_vslot *ws = tally__dict_vslot_short(d, r->n, v);
            if (ws && m->n_active == 0) {
                m->n_active = root_step(m, ws, m->active, 0, report);
                prefix_hits(m, d, d->word_pfx + ws->pfx_off, ws->pfx_push >> 1, report);
                token_end(m);
                continue;
            }
            if (!ws) /* no vocabulary word after all: only its prefixes may match */
                memcpy(m->lower, &v, 8);
            token_step(m, ws, m->lower, r->n);
            token_end(m);
            continue;
        }
        fast_survivor(m, t + r->s, r->n, v, maybe, linked);
    }
}

/* Tokenizes and counts t[i,end), made of ASCII and tally__fast_char characters (find_nonfast
 * says so). end is the field's end or just after ASCII White_Space, so no token runs past it;
 * bytes up to lim (the field's end) may be read. Each chunk of blocks is done in two passes:
 * the first finds the tokens, counts them and records those the filters let through; the
 * second takes the recorded ones through the dictionary. report: a hit report is set; the
 * counting-only copy (0) is the code there was before hit reports. */
static inline __attribute__((always_inline)) void fast_text_t(tally_matcher *m, const uint8_t *t, size_t i,
                                                              size_t end, size_t lim, const int report)
{
    const tally_dict *d = m->d;
    const int fold = !d->case_sensitive;
    const int pfx = d->n_pfx_nodes != 0;
    const int entry_link = m->tk.have_prev && m->tk.gap_ok;
    const uint64_t pos0 = m->pos;
    size_t prev_end = SIZE_MAX; /* end of the last recorded token taken through the dictionary */
    fast_scan sc = {i, SIZE_MAX, 0, 0, 0, 0, m->pos};
    tally_ablk blk[FAST_CHUNK];
    fast_rec rec[FAST_MAX_REC];
    uint8_t pad[64];
    uint8_t low_buf[FAST_CHUNK * 64 + 8]; /* the chunk lower-cased, + 8 readable bytes */
    while (sc.b < end || sc.open != SIZE_MAX) {
        /* A letter cut by the chunk's start has its second byte here; an ideograph at the end of
         * the chunk before is the head of its open segment; so the non-ASCII state of the chunk
         * before (l2prev, iprev) is 0 whenever this one is taken as ASCII. */
        int hi;
        size_t nblk = tally__fast_chunk(m->classify, t, sc.b, end, FAST_CHUNK, sc.open, blk, low_buf, 8, pad, &hi);
        size_t n_rec;
#define PASS1(f, p, h) fast_pass1(d, t, end, lim, blk, nblk, low_buf, &sc, rec, f, p, h)
        if (hi)
            n_rec = fold ? (pfx ? PASS1(1, 1, 1) : PASS1(1, 0, 1))
                         : (pfx ? PASS1(0, 1, 1) : PASS1(0, 0, 1));
        else
            n_rec = fold ? (pfx ? PASS1(1, 1, 0) : PASS1(1, 0, 0))
                         : (pfx ? PASS1(0, 1, 0) : PASS1(0, 0, 0));
#undef PASS1
        if (hi)
            fast_pass2(m, t, i, rec, n_rec, entry_link, &prev_end, fold, pfx, 1, report);
        else
            fast_pass2(m, t, i, rec, n_rec, entry_link, &prev_end, fold, pfx, 0, report);
    }
    m->doc_tokens += sc.pos - pos0;
    if (m->last_full != sc.pos)
        m->n_active = 0; /* the last token was skipped: no phrase goes on from it */
    m->pos = sc.pos;
    if (sc.pos != pos0)
        m->tk.have_prev = 1;
    m->tk.gap_ok = tail_gap_ok(t, i, end, m->tk.gap_ok);
}

static void fast_text_count(tally_matcher *m, const uint8_t *t, size_t i, size_t end, size_t lim)
{
    fast_text_t(m, t, i, end, lim, 0);
}

static __attribute__((noinline)) void fast_text_report(tally_matcher *m, const uint8_t *t, size_t i,
                                                       size_t end, size_t lim)
{
    fast_text_t(m, t, i, end, lim, 1);
}

/* fast_text_t for t[i,end): the copy for the matcher's hit report */
static inline void fast_text(tally_matcher *m, const uint8_t *t, size_t i, size_t end, size_t lim)
{
    if (__builtin_expect(m->hit_fn != NULL, 0))
        fast_text_report(m, t, i, end, lim);
    else
        fast_text_count(m, t, i, end, lim);
}

/* The general path for t[0,n), which starts at a hand-over point of the current field. */
static void slow(tally_matcher *m, const uint8_t *t, size_t n)
{
    tally__tok_continue_field(&m->tk, t, n);
    tally_token tok;
    while (tally__tok_next(&m->tk, &tok))
        token(m, t + tok.start, tok.len, tok.flags);
}

/* Offset of the first byte >= 0x80 in p[0,n), or n. */
static size_t find_high(const uint8_t *p, size_t n)
{
    size_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    for (; i + 32 <= n; i += 32) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16));
        unsigned hi = (unsigned)_mm_movemask_epi8(_mm_or_si128(a, b));
        if (hi)
            break;
    }
#endif
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ull)
            break;
    }
    while (i < n && p[i] < 0x80)
        i++;
    return i;
}

/* The length of the character at p[0,n) (p[0] >= 0x80) when the fast path takes it, else 0: the
 * letters U+00C0..U+00FF but U+00D7, U+00F7 and U+00DF (which folds to "ss"), U+0400..U+047F
 * (Cyrillic letters), and the ideographs U+4E00..U+9FFF. All are ALetter or (ideographs) Other
 * for UAX #29, their own NFKC, and case-fold to one character of the same length
 * (tally__fold_fast). */
static inline size_t fast_char(const uint8_t *p, size_t n)
{
    unsigned b = p[0];
    if (n < 2 || (p[1] & 0xC0) != 0x80)
        return 0;
    if (b == 0xD0 || b == 0xD1)
        return 2;
    if (b == 0xC3)
        return p[1] != 0x97 && p[1] != 0xB7 && p[1] != 0x9F ? 2 : 0;
    if (b - 0xE4u <= 5u && n >= 3 && (p[2] & 0xC0) == 0x80 && (b != 0xE4 || p[1] >= 0xB8))
        return 3;
    return 0;
}

size_t tally__fast_char(const uint8_t *p, size_t n)
{
    return fast_char(p, n);
}

#if defined(__x86_64__) && defined(__GNUC__)
/* Bit masks of 64 bytes for find_nonfast: bytes >= 0x80, continuation bytes (0x80..0xBF) and
 * those below 0xB8, the fast path's two-byte leads (0xC3, 0xD0, 0xD1) and 0xC3 alone, its
 * ideograph leads (0xE4..0xE9) and 0xE4 alone, and 0x97, 0x9F, 0xB7 (U+00D7, U+00DF and U+00F7
 * after 0xC3). SSE2, which every x86-64 has. */
typedef struct nf_blk {
    uint64_t hi, cont, cont_lt_b8, lead2, c3, lead3, e4, excl;
} nf_blk;

static inline uint64_t sse_mask(__m128i m, int h)
{
    return (uint64_t)(uint32_t)_mm_movemask_epi8(m) << (16 * h);
}

static inline void nf_classify(const uint8_t *p, nf_blk *o)
{
    memset(o, 0, sizeof *o);
    for (int h = 0; h < 4; h++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * h));
        __m128i cont = _mm_cmplt_epi8(x, _mm_set1_epi8((char)0xC0)); /* signed: 0x80..0xBF */
        __m128i c3 = _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xC3));
        __m128i e4 = _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xE4));
        __m128i y = _mm_sub_epi8(x, _mm_set1_epi8((char)0xE4));
        o->hi |= sse_mask(x, h);
        o->cont |= sse_mask(cont, h);
        o->cont_lt_b8 |= sse_mask(_mm_cmplt_epi8(x, _mm_set1_epi8((char)0xB8)), h);
        o->c3 |= sse_mask(c3, h);
        o->lead2 |= sse_mask(_mm_or_si128(c3, _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xD0)),
                                                        _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xD1)))),
                             h);
        o->e4 |= sse_mask(e4, h);
        o->lead3 |= sse_mask(_mm_cmpeq_epi8(_mm_min_epu8(y, _mm_set1_epi8(5)), y), h);
        o->excl |= sse_mask(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)0x97)),
                                         _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)0x9F)),
                                                      _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xB7)))),
                            h);
    }
    o->cont_lt_b8 &= o->cont;
}
#endif

/* find_nonfast one character at a time: the reference for the blocks below. */
static size_t find_nonfast_scalar(const uint8_t *p, size_t n)
{
    size_t i = find_high(p, n);
    while (i < n) {
        size_t l = fast_char(p + i, n - i);
        if (l == 0)
            return i;
        i += l;
        if (i < n && p[i] < 0x80) /* the letters of a word come one after the other */
            i += find_high(p + i, n - i);
    }
    return n;
}

/* Offset of the first byte in p[0,n) that is neither ASCII nor part of a character the fast
 * path takes (tally__fast_char), or n. 64 bytes at a time: a block passes when every byte >= 0x80
 * in it is a lead the fast path takes or a continuation byte one of them claims (the next byte
 * after a two-byte lead, the next two after an ideograph lead), and no claimed byte is missing
 * or excluded (0xC3 0x97, 0xC3 0x9F, 0xC3 0xB7; 0xE4 before 0xB8). Claims run on into the next
 * block. The first block that does not pass, and the bytes after the last whole block, are
 * left to find_nonfast_scalar from the start of the character the block begins in. */
static size_t find_nonfast(const uint8_t *p, size_t n, int portable)
{
    size_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    uint64_t c1 = 0, c2 = 0, cc3 = 0, ce4 = 0; /* claims and leads carried from the block before */
    for (; !portable && i + 64 <= n; i += 64) {
        if (!(c1 | c2)) { /* ASCII blocks first, as find_high would */
            const __m128i *q = (const __m128i *)(const void *)(p + i);
            __m128i o = _mm_or_si128(_mm_or_si128(_mm_loadu_si128(q), _mm_loadu_si128(q + 1)),
                                     _mm_or_si128(_mm_loadu_si128(q + 2), _mm_loadu_si128(q + 3)));
            if (!_mm_movemask_epi8(o))
                continue;
        }
        nf_blk b;
        nf_classify(p + i, &b);
        uint64_t claimed = (b.lead2 << 1) | (b.lead3 << 1) | c1 | (b.lead3 << 2) | c2;
        uint64_t bad = (b.cont ^ claimed) | (b.hi & ~(b.lead2 | b.lead3 | claimed));
        bad |= ((b.c3 << 1) | cc3) & b.excl;
        bad |= ((b.e4 << 1) | ce4) & b.cont_lt_b8;
        if (bad)
            break;
        c1 = (b.lead2 | b.lead3) >> 63;
        c2 = ((b.lead3 >> 62) & 1) | ((b.lead3 >> 63) << 1);
        cc3 = b.c3 >> 63;
        ce4 = b.e4 >> 63;
    }
    /* back to the start of a character cut by the block boundary */
    if (c2 & 2)
        i -= 1; /* an ideograph lead at the last byte */
    else if (c2 & 1)
        i -= 2; /* ... at the last but one */
    else if (c1)
        i -= 1; /* a two-byte lead at the last byte */
#else
    (void)portable;
#endif
    return i + find_nonfast_scalar(p + i, n - i);
}

size_t tally__find_nonfast(const uint8_t *p, size_t n, int portable)
{
    return find_nonfast(p, n, portable);
}

/* A point q (0 < q) where the fast and the general path may hand over: just after ASCII
 * White_Space and before an ASCII byte that is not White_Space. No UAX #29 rule looks across
 * such a point: the rules that join across a boundary need a letter, digit or mid-punctuation
 * before it (WB5-WB13b), ZWJ (WB3c), a space after it (WB3d), a regional indicator (WB15/16),
 * or a non-ASCII Extend/Format after it (WB4). */
static inline int handover(const uint8_t *t, size_t q)
{
    return t[q] < 0x80 && !(acls[t[q]] & A_SPACE) && t[q - 1] < 0x80 && (acls[t[q - 1]] & A_SPACE);
}

#if defined(__x86_64__) && defined(__GNUC__)
/* 0xFF in each byte of x that is ASCII White_Space (\t..\r or ' '). */
static inline __m128i sse_space(__m128i x)
{
    __m128i ctl = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(8)), _mm_cmplt_epi8(x, _mm_set1_epi8(14)));
    return _mm_or_si128(ctl, _mm_cmpeq_epi8(x, _mm_set1_epi8(' ')));
}
#endif

/* The first hand-over point q' >= q (1 <= q), or len: 16 positions at a time where SSE2 is there. */
static size_t next_handover(const uint8_t *t, size_t q, size_t len)
{
#if defined(__x86_64__) && defined(__GNUC__)
    for (; q + 16 <= len; q += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(t + q));
        __m128i xp = _mm_loadu_si128((const __m128i *)(const void *)(t + q - 1));
        __m128i ascii_nonspace = _mm_andnot_si128(sse_space(x), _mm_cmpgt_epi8(x, _mm_set1_epi8(-1)));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(ascii_nonspace, sse_space(xp)));
        if (mask)
            return q + (size_t)__builtin_ctz(mask);
    }
#endif
    while (q < len && !handover(t, q))
        q++;
    return q;
}

/* May the general path take over at the non-ASCII character t[q] (q < len, one the fast path
 * does not take) that follows an ASCII space? Yes unless the character could join the space:
 * Extend, Format or ZWJ (WB4), or WSegSpace (WB3d); ill-formed bytes are left to the usual
 * hand-over point too. No other rule joins anything to a preceding space. */
static int starts_after_space(const uint8_t *t, size_t q, size_t len)
{
    uint32_t cp;
    int bad;
    tally__utf8_decode(t + q, len - q, &cp, &bad);
    if (bad)
        return 0;
    unsigned wb = tally__uprop(cp) & TALLY_UP_WB_MASK;
    return wb != TALLY_WB_EXTEND && wb != TALLY_WB_FORMAT && wb != TALLY_WB_ZWJ &&
           wb != TALLY_WB_WSEGSPACE;
}

void tally__matcher_field(tally_matcher *m, const uint8_t *text, size_t len, int cont)
{
    if (cont)
        tally__tok_continue_field(&m->tk, text, 0);
    else
        tally__tok_begin_field(&m->tk, text, 0);
    if (__builtin_expect(m->hit_fn != NULL, 0)) {
        m->piece_off = cont ? m->piece_off + (uint64_t)(m->piece_len) : 0;
        m->piece = text;
        m->piece_len = len;
    }
    if (m->d->tokenizer != TALLY_TOKENIZER_UNICODE || m->general_only) {
        slow(m, text, len);
        return;
    }
    size_t pos = 0;
    while (pos < len) {
        size_t k = pos + find_nonfast(text + pos, len - pos, 0);
        if (k == len) {
            fast_text(m, text, pos, len, len);
            break;
        }
        /* fast up to the last hand-over point before the character the fast path does not
         * take, general from there to the first hand-over point after it */
        size_t q0 = k;
        if (!(k > pos && (acls[text[k - 1]] & A_SPACE) && starts_after_space(text, k, len)))
            while (q0 > pos && !(q0 < k && handover(text, q0)))
                q0--;
        if (q0 > pos)
            fast_text(m, text, pos, q0, len);
        size_t q1 = next_handover(text, k + 1, len);
        slow(m, text + q0, q1 - q0);
        pos = q1;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts a[0,n): by insertion when short (a news article matches a few dozen keywords at most,
 * where qsort's calls cost more than the moves), else by qsort. */
static void sort_ids(uint32_t *a, size_t n)
{
    if (n > 32) {
        qsort(a, n, sizeof *a, cmp_u32);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint32_t x = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > x; j--)
            a[j] = a[j - 1];
        a[j] = x;
    }
}

void tally__matcher_doc_end(tally_matcher *m)
{
    if (m->n_pending)
        groups_resolve(m, UINT64_MAX);
    m->n_active = 0;
    /* the next document must not continue a phrase: its first token starts unlinked anyway,
     * and the running position separates group matches of different documents */
    m->pos++;
    sort_ids(m->doc_kw_list, m->n_doc_kw);
    sort_ids(m->doc_grp_list, m->n_doc_grp);
    for (size_t i = 0; i < m->n_doc_kw; i++) {
        uint32_t k = m->doc_kw_list[i];
        if (m->b_kw_docs[k]++ == 0)
            m->b_kw_list[m->n_b_kw++] = k;
        m->b_kw_count[k] += m->doc_kw[k];
    }
    for (size_t i = 0; i < m->n_doc_grp; i++) {
        uint32_t g = m->doc_grp_list[i];
        if (m->b_grp_docs[g]++ == 0)
            m->b_grp_list[m->n_b_grp++] = g;
        m->b_grp_count[g] += m->doc_grp[g];
    }
    m->b_docs++;
    m->b_tokens += m->doc_tokens;
    m->b_invalid += m->tk.invalid_utf8 - m->doc_invalid0 + m->doc_extra_invalid;
    m->in_doc = 0;
}

void tally__matcher_doc_abort(tally_matcher *m)
{
    m->n_pending = 0;
    m->pend_head = 0;
    m->n_active = 0;
    m->pos++;
    tally__matcher_doc_begin(m);
    m->in_doc = 0;
}

static tally_idcount *take(uint32_t *list, size_t n, uint64_t *count, uint32_t *docs)
{
    tally_idcount *out = tally_xmalloc((n ? n : 1) * sizeof *out);
    if (n > 1)
        qsort(list, n, sizeof *list, cmp_u32);
    for (size_t i = 0; i < n; i++) {
        uint32_t id = list[i];
        out[i].id = id;
        out[i].count = count[id];
        out[i].docs = docs[id];
        count[id] = 0;
        docs[id] = 0;
    }
    return out;
}

void tally__matcher_take_batch(tally_matcher *m, tally_idcount **kw, size_t *n_kw,
                               tally_idcount **grp, size_t *n_grp)
{
    *kw = take(m->b_kw_list, m->n_b_kw, m->b_kw_count, m->b_kw_docs);
    *n_kw = m->n_b_kw;
    *grp = take(m->b_grp_list, m->n_b_grp, m->b_grp_count, m->b_grp_docs);
    *n_grp = m->n_b_grp;
    m->n_b_kw = 0;
    m->n_b_grp = 0;
    m->b_docs = 0;
    m->b_tokens = 0;
    m->b_invalid = 0;
}
