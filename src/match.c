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
    m->pids = tally_xmalloc((d->n_pfx_lens + 1) * sizeof *m->pids);
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

static void token(tally_matcher *m, const uint8_t *s, size_t len, unsigned flags)
{
    const tally_dict *d = m->d;
    m->doc_tokens++;
    m->pos++;
    if (!(flags & TALLY_TOK_LINKED)) {
        m->n_active = 0;
        if (m->n_pending)
            groups_resolve(m, UINT64_MAX);
    }
    size_t nl;
    const uint8_t *nb = tally__norm_token(m->norm, s, len, &nl);
    uint32_t w = TALLY_NONE;
    if (nl)
        w = tally__strtab_find(&d->vocab, nb, nl, tally__hash(nb, nl));
    size_t np = 0;
    if (d->n_pfx_lens && nl && d->pfx_first_byte[nb[0]]) {
        for (size_t i = 0; i < d->n_pfx_lens && d->pfx_lens[i] <= nl; i++) {
            uint32_t l = d->pfx_lens[i];
            uint32_t p = tally__strtab_find(&d->prefixes, nb, l, tally__hash(nb, l));
            if (p != TALLY_NONE)
                m->pids[np++] = p;
        }
    }
    if (w == TALLY_NONE && np == 0) {
        m->n_active = 0;
    } else {
        size_t n_next = 0;
        for (size_t i = 0; i < m->n_active; i++)
            n_next = step(m, m->active[i], w, np, n_next);
        n_next = step(m, 0, w, np, n_next);
        uint32_t *t = m->active;
        m->active = m->next_active;
        m->next_active = t;
        m->n_active = n_next;
    }
    if (m->n_pending && d->max_group_tokens)
        groups_resolve(m, m->pos + 1 > d->max_group_tokens ? m->pos + 1 - d->max_group_tokens : 0);
}

void tally__matcher_field(tally_matcher *m, const uint8_t *text, size_t len, int cont)
{
    if (cont)
        tally__tok_continue_field(&m->tk, text, len);
    else
        tally__tok_begin_field(&m->tk, text, len);
    tally_token t;
    while (tally__tok_next(&m->tk, &t))
        token(m, text + t.start, t.len, t.flags);
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
