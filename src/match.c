/* match.c — keyword, phrase, prefix and group counting over a token stream (see match.h).
 *
 * Per token: normalize, look the word up in the vocabulary, find the prefixes it starts with
 * (only when a prefix of that first byte exists), then step every active trie node and the root.
 * A trie node reached at depth k means a phrase of k tokens ends at this token, so keyword hits
 * are known at their last token; group matches need the longest match at each start position,
 * so they wait in a small sorted queue until no longer match starting there is possible. */
#include "match.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

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
    free(m);
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
    const tally_kw *kw = &m->d->kws[e->kw];
    for (uint32_t i = 0; i < kw->n_groups; i++) {
        uint32_t g = kw->groups[i];
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

static void group_event(tally_matcher *m, uint64_t start, uint32_t len, uint32_t kw)
{
    if (m->pend_head + m->n_pending == m->cap_pending) {
        if (m->pend_head) {
            memmove(m->pending, m->pending + m->pend_head, m->n_pending * sizeof *m->pending);
            m->pend_head = 0;
        } else {
            m->cap_pending = m->cap_pending ? m->cap_pending * 2 : 64;
            m->pending = tally_xrealloc(m->pending, m->cap_pending * sizeof *m->pending);
        }
    }
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

static inline void hit(tally_matcher *m, uint32_t kw, uint32_t len)
{
    if (m->doc_kw[kw]++ == 0)
        m->doc_kw_list[m->n_doc_kw++] = kw;
    if (m->d->kw_in_group[kw])
        group_event(m, m->pos - len + 1, len, kw);
}

/* Prefix edges of node are sorted by prefix id: one binary search per matched prefix. */
static void step_prefixes(tally_matcher *m, const tally_node *nd, size_t np)
{
    const tally_pfx_edge *e = m->d->pfx_edges + nd->pfx_first;
    for (size_t i = 0; i < np; i++) {
        uint32_t p = m->pids[i];
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

static inline size_t step(tally_matcher *m, uint32_t node, uint32_t w, size_t np, size_t n_next)
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
        step_prefixes(m, &d->nodes[node], np);
    return n_next;
}

/* The rest of a token that may be in the dictionary: look it up, find its prefixes, step the
 * trie. Kept out of line so the common case below stays small. */
static __attribute__((noinline)) void token_lookup(tally_matcher *m, const uint8_t *nb, size_t nl,
                                                   uint64_t h, uint64_t head, int maybe_word)
{
    const tally_dict *d = m->d;
    uint32_t w = maybe_word ? tally__dict_word(d, nb, nl, h, head) : TALLY_NONE;
    size_t np = 0;
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
    if (w == TALLY_NONE && np == 0) {
        m->n_active = 0;
        return;
    }
    size_t n_next = 0;
    for (size_t i = 0; i < m->n_active; i++)
        n_next = step(m, m->active[i], w, np, n_next);
    n_next = step(m, 0, w, np, n_next);
    uint32_t *t = m->active;
    m->active = m->next_active;
    m->next_active = t;
    m->n_active = n_next;
}

/* Every token: count it, and break phrases and settle groups where it is not linked. */
static inline void token_begin(tally_matcher *m, unsigned flags)
{
    m->doc_tokens++;
    m->pos++;
    if (!(flags & TALLY_TOK_LINKED)) {
        m->n_active = 0;
        if (m->n_pending)
            groups_resolve(m, UINT64_MAX);
    }
}

static inline void token_end(tally_matcher *m)
{
    const tally_dict *d = m->d;
    if (m->n_pending && d->max_group_tokens)
        groups_resolve(m, m->pos + 1 > d->max_group_tokens ? m->pos + 1 - d->max_group_tokens : 0);
}

/* One token, already normalized to nb[0,nl). Most tokens are not in the dictionary: the filter
 * and the prefix trie's first byte say so before any hash is computed. */
static inline void token_norm(tally_matcher *m, const uint8_t *nb, size_t nl, unsigned flags)
{
    const tally_dict *d = m->d;
    token_begin(m, flags);
    uint64_t head = nl ? tally__load_le(nb, nl < 8 ? nl : 8) : 0;
    int maybe = nl && tally__dict_maybe_word(d, head, nl);
    if (maybe || (nl && d->pfx_root[nb[0]] != TALLY_NONE))
        token_lookup(m, nb, nl, tally__hash(nb, nl), head, maybe);
    else
        m->n_active = 0;
    token_end(m);
}

/* An ASCII token of n <= 8 bytes, normalized, held in v as tally__load_le would read it. */
static inline void token_short(tally_matcher *m, uint64_t v, size_t n, unsigned flags)
{
    const tally_dict *d = m->d;
    token_begin(m, flags);
    int maybe = tally__dict_maybe_word(d, v, n);
    if (maybe || d->pfx_root[v & 0xFF] != TALLY_NONE) {
        memcpy(m->lower, &v, 8);
        token_lookup(m, m->lower, n, tally__hash_word(v, n), v, maybe);
    } else {
        m->n_active = 0;
    }
    token_end(m);
}

static void token(tally_matcher *m, const uint8_t *s, size_t len, unsigned flags)
{
    size_t nl;
    const uint8_t *nb = tally__norm_token(m->norm, s, len, &nl);
    token_norm(m, nb, nl, flags);
}

/* ---- the ASCII fast path ------------------------------------------------------------------
 *
 * English text is mostly ASCII, where UAX #29 reduces to a few rules: letters, digits and '_'
 * hold together (WB5, WB8-WB10, WB13a/b); '.', '\'' and ':' join two letters (WB6/7); '.',
 * '\'', ',' and ';' join two digits (WB11/12); everything else separates, and a segment is a
 * token only when it holds a letter or digit. ASCII White_Space and '-' (the only ASCII Pd)
 * keep a phrase linked. Runs of pure ASCII are tokenized here, lower-cased and hashed without
 * the general tokenizer and normalizer; the stretch around a non-ASCII byte goes through them,
 * cut at points where segmentation cannot depend on the other side. */

enum { A_LETTER = 1, A_DIGIT = 2, A_USCORE = 4, A_GAP = 8, A_MIDL = 16, A_MIDN = 32, A_SPACE = 64 };
#define A_WORD (A_LETTER | A_DIGIT | A_USCORE)
#define A_WS (A_GAP | A_SPACE)

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
};

static void ascii_token(tally_matcher *m, const uint8_t *s, size_t n, unsigned flags)
{
    if (m->d->case_sensitive) {
        token_norm(m, s, n, flags); /* NFKC of ASCII is the text itself */
        return;
    }
    if (n > sizeof m->lower) {
        token(m, s, n, flags);
        return;
    }
    uint8_t *b = m->lower;
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(s[i] | ((acls[s[i]] & A_LETTER) ? 0x20 : 0));
    token_norm(m, b, n, flags);
}

/* SWAR classification of 8 ASCII bytes (all < 0x80): 0x80 in each byte that is a letter, or
 * that is a letter, digit or '_'. Byte-wise additions cannot carry across bytes here because
 * every byte stays below 0x100. */
#define H8 0x8080808080808080ull
#define L8 0x0101010101010101ull

static inline uint64_t swar_letters(uint64_t w)
{
    uint64_t lo = w | (0x20 * L8);
    return ((lo + (0x80 - 'a') * L8) & ~(lo + (0x80 - 'z' - 1) * L8)) & H8;
}

static inline uint64_t swar_word(uint64_t w)
{
    uint64_t digit = (w + (0x80 - '0') * L8) & ~(w + (0x80 - '9' - 1) * L8);
    uint64_t t = w ^ ('_' * L8);
    uint64_t nonzero = ((t & ~H8) + ~H8) | t; /* high bit set where the byte is not '_' */
    return (swar_letters(w) | digit | ~nonzero) & H8;
}

/* Tokenizes and counts t[i,end), all ASCII. end is the field's end or just after ASCII
 * White_Space, so no token runs past it; bytes up to lim (the field's end) may be read. */
static void fast_ascii(tally_matcher *m, const uint8_t *t, size_t i, size_t end, size_t lim)
{
    int have_prev = m->tk.have_prev, gap_ok = m->tk.gap_ok;
    const int fold = !m->d->case_sensitive;
    while (i < end) {
        uint8_t c = acls[t[i]];
        if (!(c & A_WORD)) {
            if (!(c & A_GAP))
                gap_ok = 0;
            i++;
            continue;
        }
        size_t s = i;
        i++;
        for (;;) {
            /* the run of letters, digits and '_', 8 bytes at a time while they can be read */
            while (i + 8 <= end) {
                uint64_t w;
                memcpy(&w, t + i, 8);
                uint64_t stop = ~swar_word(w) & H8;
                if (stop) {
                    i += (size_t)__builtin_ctzll(stop) >> 3;
                    goto run_end;
                }
                i += 8;
            }
            while (i < end && (acls[t[i]] & A_WORD))
                i++;
        run_end:
            if (i + 1 < end && (acls[t[i]] & (A_MIDL | A_MIDN))) {
                uint8_t mid = acls[t[i]], pc = acls[t[i - 1]], nc = acls[t[i + 1]];
                if (((mid & A_MIDL) && (pc & A_LETTER) && (nc & A_LETTER)) ||
                    ((mid & A_MIDN) && (pc & A_DIGIT) && (nc & A_DIGIT))) {
                    i += 2;
                    continue;
                }
            }
            break;
        }
        size_t n = i - s;
        if (t[s] == '_') { /* a segment of underscores only is not a token */
            size_t k = s;
            while (k < i && t[k] == '_')
                k++;
            if (k == i) {
                gap_ok = 0;
                continue;
            }
        }
        unsigned flags = TALLY_TOK_ASCII | (have_prev && gap_ok ? TALLY_TOK_LINKED : 0);
        have_prev = 1;
        gap_ok = 1;
        if (n <= 8) {
            uint64_t v;
            if (s + 8 <= lim) {
                memcpy(&v, t + s, 8);
                if (n < 8)
                    v &= (1ull << (8 * n)) - 1;
            } else {
                v = tally__load_le(t + s, n);
            }
            if (fold)
                v |= swar_letters(v) >> 2; /* 'A'..'Z' + 0x20 = 'a'..'z' */
            token_short(m, v, n, flags);
        } else {
            ascii_token(m, t + s, n, flags);
        }
    }
    m->tk.have_prev = have_prev;
    m->tk.gap_ok = gap_ok;
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

/* A point q (0 < q) where the fast and the general path may hand over: just after ASCII
 * White_Space and before an ASCII byte that is not White_Space. No UAX #29 rule looks across
 * such a point: the rules that join across a boundary need a letter, digit or mid-punctuation
 * before it (WB5-WB13b), ZWJ (WB3c), a space after it (WB3d), a regional indicator (WB15/16),
 * or a non-ASCII Extend/Format after it (WB4). */
static inline int handover(const uint8_t *t, size_t q)
{
    return t[q] < 0x80 && !(acls[t[q]] & A_SPACE) && t[q - 1] < 0x80 && (acls[t[q - 1]] & A_SPACE);
}

void tally__matcher_field(tally_matcher *m, const uint8_t *text, size_t len, int cont)
{
    if (cont)
        tally__tok_continue_field(&m->tk, text, 0);
    else
        tally__tok_begin_field(&m->tk, text, 0);
    if (m->d->tokenizer != TALLY_TOKENIZER_UNICODE) {
        slow(m, text, len);
        return;
    }
    size_t pos = 0;
    while (pos < len) {
        size_t k = pos + find_high(text + pos, len - pos);
        if (k == len) {
            fast_ascii(m, text, pos, len, len);
            break;
        }
        /* fast up to the last hand-over point before the non-ASCII byte, general from there
         * to the first hand-over point after it */
        size_t q0 = k;
        while (q0 > pos && !(q0 < k && handover(text, q0)))
            q0--;
        fast_ascii(m, text, pos, q0, len);
        size_t q1 = k + 1;
        while (q1 < len && !handover(text, q1))
            q1++;
        slow(m, text + q0, q1 - q0);
        pos = q1;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

void tally__matcher_doc_end(tally_matcher *m)
{
    if (m->n_pending)
        groups_resolve(m, UINT64_MAX);
    m->n_active = 0;
    /* the next document must not continue a phrase: its first token starts unlinked anyway,
     * and the running position separates group matches of different documents */
    m->pos++;
    if (m->n_doc_kw > 1)
        qsort(m->doc_kw_list, m->n_doc_kw, sizeof *m->doc_kw_list, cmp_u32);
    if (m->n_doc_grp > 1)
        qsort(m->doc_grp_list, m->n_doc_grp, sizeof *m->doc_grp_list, cmp_u32);
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
