/* vocab.c — the vocabulary accumulator (see vocab.h) and the merge of vocabulary files.
 *
 * Counting. A worker tokenizes each field piece it is given (the pipeline cuts pieces only where
 * tokenizing them one by one gives the tokens of the whole) and counts each token's compared
 * form in a hash table whose type bytes live in an arena: nothing is allocated per token.
 * ASCII and the matcher's fast characters (Latin-1 letters, Cyrillic, CJK ideographs) are
 * tokenized here 64 bytes at a time from the bit masks of the matcher's classifier, as its fast
 * path does, and counted with the lower-cased bytes the classifier writes; everything else goes
 * through the general tokenizer and normalizer, between the same hand-over points the matcher
 * uses. A worker's table spills when it is full past its share, from within the insertion that
 * would make it grow, so the hot path tests nothing for it.
 *
 * Document frequency. An entry remembers the last document that used it (last_doc), so a type
 * counts a document once. A document that is cut (its batch ends, or its worker's table is
 * spilled, while it is open) gets a number of its own, split: its contribution to each type is
 * moved into a separate record keyed (type, split) holding one document, and records of the same
 * key from different batches count that document once. So every record is keyed (type, key):
 * key 0 holds whole documents, disjoint from every other record's; key k != 0 holds one piece of
 * document k. A type's document frequency is the sum over key 0 plus the number of distinct keys
 * beside it. A split document that is dropped (its input broke off) is listed as aborted and its
 * records are left out.
 *
 * Memory. The loop thread's table gets half of --memory; each worker's table gets a share of the
 * other half. A table past its share is sorted by (type, key) and written as a run to a temporary
 * file, unlinked as soon as it is made, so that no exit path (a signal included) leaves it
 * behind. Runs are merged 32 at a time; the merged stream is grouped by type and sorted again
 * by count the same way. The output is a function of the counts alone, so it is byte-identical
 * whatever was spilled. */
#include "vocab.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>


#include "hash.h"
#include "summary_vocab.h"
#include "unicode.h"

#define FANIN 32
#define MIN_SHARE ((size_t)64 << 10)
#define DEFAULT_MEMORY ((size_t)1 << 30)

/* ---- the arena: type bytes, never moved until the whole arena is cleared ------------------- */

typedef struct ablock {
    struct ablock *next;
    size_t size, used;
    uint8_t data[];
} ablock;

typedef struct arena {
    ablock *head;
    size_t bytes;
} arena;

static uint8_t *arena_put(arena *a, const uint8_t *p, size_t n)
{
    ablock *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t sz = n > ((size_t)32 << 10) ? n : ((size_t)32 << 10);
        b = tally_xmalloc(sizeof *b + sz);
        b->size = sz;
        b->used = 0;
        b->next = a->head;
        a->head = b;
        a->bytes += sizeof *b + sz;
    }
    uint8_t *d = b->data + b->used;
    if (n)
        memcpy(d, p, n);
    b->used += n;
    return d;
}

static void arena_clear(arena *a)
{
    while (a->head) {
        ablock *n = a->head->next;
        free(a->head);
        a->head = n;
    }
    a->bytes = 0;
}

/* ---- the table -------------------------------------------------------------------------------- */

/* An entry: what a token's lookup compares comes first, then what counting it updates, so a
 * token of up to 16 bytes is counted without reading the arena. */
typedef struct vent {
    uint64_t k0, k1;    /* the type's first 16 bytes, zero past its end */
    uint32_t len;
    uint32_t keyed;     /* key != 0: with len, one word that the fast path compares to its length */
    uint64_t key;       /* 0: whole documents; else the split document this piece belongs to */
    uint64_t count;
    uint64_t last_doc;  /* workers: the last document that counted this entry (0: none) */
    uint64_t doc_count; /* workers: occurrences in that document */
    uint64_t docs;
    const uint8_t *p;   /* the type's bytes (in the table's arena) */
} vent;

/* Open addressing over dense entries: a slot holds a tag, the high half of the hash with its top
 * bit set, and the entry's index; 0 is an empty slot, which no tag matches. A slot of another
 * type is passed over without reading its entry. */
#define TAG(h) (((h) | 0x8000000000000000ull) & 0xFFFFFFFF00000000ull)
#define TAG_CMP(h) ((h) | 0x8000000000000000ull) /* TAG but for the half compared: (s ^ it) >> 32 */
typedef struct vtab {
    vent *e;
    size_t n, cap;
    uint64_t *slot;
    size_t mask;
    arena ar;
    /* workers: called when the table is full and past share, before it grows; it spills and
     * empties the table (NULL: the table only grows) */
    void (*full)(void *ctx);
    void *full_ctx;
    size_t share;
} vtab;

/* An empty table with room for cap entries (a power of two, at least 256). */
static void vtab_init_cap(vtab *t, size_t cap)
{
    memset(t, 0, sizeof *t);
    t->cap = cap;
    t->e = tally_xmalloc(t->cap * sizeof *t->e);
    t->mask = 2 * cap - 1;
    t->slot = tally_xcalloc(t->mask + 1, sizeof *t->slot);
}

static void vtab_init(vtab *t)
{
    vtab_init_cap(t, 256);
}

static void vtab_cleanup(vtab *t)
{
    free(t->e);
    free(t->slot);
    arena_clear(&t->ar);
    memset(t, 0, sizeof *t);
}

static size_t vtab_bytes(const vtab *t)
{
    return t->cap * sizeof(vent) + (t->mask + 1) * sizeof(uint64_t) + t->ar.bytes;
}

/* mask_lo[m], mask_hi[m]: the bytes of the first and the second word that a string of m = 0..63
 * bytes fills (all of both from 16 on: a block's tokens index them without a bound) */
#define ONES8 ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull
static const uint64_t mask_lo[64] = {
    0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF, 0xFFFFFFFFFFull, 0xFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFull,
    ONES8, ONES8, ONES8, ONES8, ONES8, ONES8, ONES8,
};
static const uint64_t mask_hi[64] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF, 0xFFFFFFFFFFull,
    0xFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFull, ONES8, ONES8, ONES8, ONES8, ONES8, ONES8,
};
#undef ONES8

#define HK0 0x9E3779B97F4A7C15ull
#define HK1 0xC2B2AE3D27D4EB4Full

/* The hash of the bytes after a type's first 16 (n > 0 of them). */
static __attribute__((noinline)) uint64_t vhash_rest(const uint8_t *p, size_t n)
{
    uint64_t h = HK1;
    for (size_t i = 0; i < n; i += 8) {
        size_t r = n - i;
        h = tally__mix64(h ^ tally__load_le(p + i, r < 8 ? r : 8), HK0);
    }
    return h;
}

/* The type hash of p[0,n), given its first two words k0, k1 as vent holds them: one
 * multiplication of the two (mixed with constants) for a type of up to 16 bytes. */
static inline uint64_t vhash(const uint8_t *p, size_t n, uint64_t k0, uint64_t k1)
{
    if (__builtin_expect(n > 16, 0))
        k1 ^= vhash_rest(p + 16, n - 16);
    return tally__mix64(k0 ^ (HK1 + n), k1 ^ HK0);
}

/* k0 and k1 of p[0,n) without reading past p[n-1] */
static inline void words_of(const uint8_t *p, size_t n, uint64_t *k0, uint64_t *k1)
{
    *k0 = n ? tally__load_le(p, n < 8 ? n : 8) : 0;
    *k1 = n > 8 ? tally__load_le(p + 8, n < 16 ? n - 8 : 8) : 0;
}

static inline uint64_t key_hash(uint64_t h, uint64_t key)
{
    return key ? h ^ tally__hash_u64(key) : h;
}

static uint64_t entry_hash(const vent *e)
{
    return key_hash(vhash(e->p, e->len, e->k0, e->k1), e->key);
}

/* Puts every entry into the slots again (after they grew, or entries changed key). */
static void vtab_rehash(vtab *t)
{
    memset(t->slot, 0, (t->mask + 1) * sizeof *t->slot);
    for (size_t i = 0; i < t->n; i++) {
        uint64_t h = entry_hash(&t->e[i]);
        size_t j = h & t->mask;
        while (t->slot[j])
            j = (j + 1) & t->mask;
        t->slot[j] = TAG(h) | i;
    }
}

static __attribute__((noinline)) void vtab_grow(vtab *t)
{
    if (t->n == t->cap) {
        t->cap *= 2;
        t->e = tally_xrealloc(t->e, t->cap * sizeof *t->e);
    }
    if (2 * (t->n + 1) > t->mask + 1) {
        size_t ns = 2 * (t->mask + 1);
        free(t->slot);
        t->slot = tally_xmalloc(ns * sizeof *t->slot);
        t->mask = ns - 1;
        vtab_rehash(t);
    }
}

/* Do the bytes after the first 16 of two types of n bytes agree? */
static inline int tail_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    return n <= 16 || memcmp(a + 16, b + 16, n - 16) == 0;
}

static vent *vtab_insert(vtab *t, const uint8_t *p, size_t n, uint64_t k0, uint64_t k1, uint64_t h,
                         uint64_t key, size_t j);

/* The entry of (p[0,n), key), k0 and k1 its first words, h its hash (key_hash of vhash), made
 * with zero counts when it is new. */
static inline __attribute__((always_inline)) vent *vtab_find(vtab *t, const uint8_t *p, size_t n, uint64_t k0,
                                                             uint64_t k1, uint64_t h, uint64_t key)
{
    size_t j = h & t->mask;
    uint64_t tag = TAG(h);
    for (;;) {
        uint64_t s = t->slot[j];
        if (__builtin_expect(!s, 0))
            break;
        if ((s & 0xFFFFFFFF00000000ull) == tag) {
            vent *e = &t->e[(uint32_t)s];
            if (((e->k0 ^ k0) | (e->k1 ^ k1) | (e->len ^ n) | (e->key ^ key)) == 0 && tail_eq(e->p, p, n))
                return e;
        }
        j = (j + 1) & t->mask;
    }
    return vtab_insert(t, p, n, k0, k1, h, key, j);
}

static __attribute__((noinline)) vent *vtab_insert(vtab *t, const uint8_t *p, size_t n, uint64_t k0, uint64_t k1,
                                                   uint64_t h, uint64_t key, size_t j)
{
    if (t->n == t->cap && t->full && vtab_bytes(t) > t->share) {
        t->full(t->full_ctx); /* empties the table: p is not in it */
        j = h & t->mask;
    }
    if (t->n == t->cap || 2 * (t->n + 1) > t->mask + 1) {
        vtab_grow(t);
        j = h & t->mask;
    }
    while (t->slot[j])
        j = (j + 1) & t->mask;
    vent *e = &t->e[t->n];
    e->k0 = k0;
    e->k1 = k1;
    e->len = (uint32_t)n;
    e->keyed = key != 0;
    e->key = key;
    e->count = e->docs = e->last_doc = e->doc_count = 0;
    e->p = arena_put(&t->ar, p, n);
    t->slot[j] = TAG(h) | t->n++;
    return e;
}

static inline vent *vtab_get(vtab *t, const uint8_t *p, size_t n, uint64_t key)
{
    uint64_t k0, k1;
    words_of(p, n, &k0, &k1);
    return vtab_find(t, p, n, k0, k1, key_hash(vhash(p, n, k0, k1), key), key);
}

/* Empties t, keeping its arrays. */
static void vtab_reset(vtab *t)
{
    t->n = 0;
    memset(t->slot, 0, (t->mask + 1) * sizeof *t->slot);
    arena_clear(&t->ar);
}

/* ---- orders ---------------------------------------------------------------------------------- */

static inline int cmp_bytes(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    int c = memcmp(a, b, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

/* by type byte-wise, then key */
static int cmp_type_key(const void *x, const void *y)
{
    const vent *a = x, *b = y;
    int c = cmp_bytes(a->p, a->len, b->p, b->len);
    return c ? c : (a->key > b->key) - (a->key < b->key);
}

/* the file's order: by count descending, then type byte-wise */
static int cmp_count(const void *x, const void *y)
{
    const vent *a = x, *b = y;
    if (a->count != b->count)
        return a->count < b->count ? 1 : -1;
    return cmp_bytes(a->p, a->len, b->p, b->len);
}

/* ---- runs: sorted records in unlinked temporary files ------------------------------------------ */

typedef struct runs {
    FILE **f;
    unsigned *lvl; /* how many merges made each run: runs of one level are merged together, so
                    * every record is rewritten a logarithmic number of times */
    size_t n, cap;
} runs;

static void runs_push(runs *rs, FILE *f, unsigned lvl)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? 2 * rs->cap : 8;
        rs->f = tally_xrealloc(rs->f, rs->cap * sizeof *rs->f);
        rs->lvl = tally_xrealloc(rs->lvl, rs->cap * sizeof *rs->lvl);
    }
    rs->f[rs->n] = f;
    rs->lvl[rs->n++] = lvl;
}

/* A temporary file in dir without a name: the kernel frees it whatever way the process ends, a
 * signal included. O_TMPFILE never gives it one; where the file system lacks it, the file is
 * unlinked at once (a signal between the two calls could then leave it). */
static FILE *temp_open(const char *dir, tally_error *err)
{
    size_t n = strlen(dir) + 32;
    char *path = tally_xmalloc(n);
    FILE *f = NULL;
    int fd = -1;
#ifdef O_TMPFILE
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
    if (fd < 0) {
        snprintf(path, n, "%s/.tally-vocab-XXXXXX", dir);
        fd = mkstemp(path);
        if (fd >= 0)
            unlink(path);
    }
    if (fd >= 0) {
        f = fdopen(fd, "w+b");
        if (!f)
            close(fd);
    }
    if (!f)
        tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "cannot make a temporary file for the vocabulary in '%s': %s",
                      dir, strerror(errno));
    free(path);
    return f;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

#define REC_HEAD 28 /* len u32, key, count, docs u64 (host byte order: runs never leave the run) */

static int rec_write(FILE *f, const vent *e)
{
    uint8_t h[REC_HEAD];
    uint32_t len = e->len;
    memcpy(h, &len, 4);
    put_u64(h + 4, e->key);
    put_u64(h + 12, e->count);
    put_u64(h + 20, e->docs);
    return fwrite(h, 1, REC_HEAD, f) == REC_HEAD && fwrite(e->p, 1, e->len, f) == e->len ? 0 : -1;
}

typedef struct rreader {
    FILE *f;
    uint8_t *buf;
    size_t cap;
    vent cur;
    int done;
} rreader;

/* Reads the next record into r->cur; returns 1, 0 at the end, -1 on a read error. */
static int rec_next(rreader *r)
{
    uint8_t h[REC_HEAD];
    size_t got = fread(h, 1, REC_HEAD, r->f);
    if (got == 0 && feof(r->f)) {
        r->done = 1;
        return 0;
    }
    if (got != REC_HEAD)
        return -1;
    uint32_t len;
    memcpy(&len, h, 4);
    if (len > r->cap) {
        r->cap = len + 64;
        r->buf = tally_xrealloc(r->buf, r->cap);
    }
    if (len && fread(r->buf, 1, len, r->f) != len)
        return -1;
    r->cur.p = r->buf;
    r->cur.len = len;
    r->cur.key = get_u64(h + 4);
    r->cur.count = get_u64(h + 12);
    r->cur.docs = get_u64(h + 20);
    return 1;
}

/* ---- a stream of records, sorted: from memory or by merging runs ------------------------------- */

typedef int (*cmp_fn)(const void *, const void *);

typedef struct kmerge {
    rreader *r;
    size_t n;
    size_t *heap, nh;
    cmp_fn cmp;
} kmerge;

static int kless(const kmerge *k, size_t a, size_t b)
{
    int c = k->cmp(&k->r[a].cur, &k->r[b].cur);
    return c < 0 || (c == 0 && a < b);
}

static void ksift(kmerge *k, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < k->nh && kless(k, k->heap[l], k->heap[m]))
            m = l;
        if (l + 1 < k->nh && kless(k, k->heap[l + 1], k->heap[m]))
            m = l + 1;
        if (m == i)
            return;
        size_t t = k->heap[i];
        k->heap[i] = k->heap[m];
        k->heap[m] = t;
        i = m;
    }
}

/* Opens a merge of files f[0,n) (rewound here; the merge owns them). Returns 0 or -1. */
static int kmerge_open(kmerge *k, FILE **f, size_t n, cmp_fn cmp)
{
    k->r = tally_xcalloc(n, sizeof *k->r);
    k->heap = tally_xmalloc((n ? n : 1) * sizeof *k->heap);
    k->n = n;
    k->nh = 0;
    k->cmp = cmp;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        k->r[i].f = f[i];
        if (fflush(f[i]) != 0 || fseek(f[i], 0, SEEK_SET) != 0) {
            bad = 1;
            continue;
        }
        int r = rec_next(&k->r[i]);
        if (r < 0)
            bad = 1;
        else if (r > 0)
            k->heap[k->nh++] = i;
    }
    for (size_t i = k->nh; i-- > 0;)
        ksift(k, i);
    return bad ? -1 : 0;
}

/* The smallest record, borrowed until the next call; NULL at the end. *bad is set on a read
 * error. */
static const vent *kmerge_peek(kmerge *k)
{
    return k->nh ? &k->r[k->heap[0]].cur : NULL;
}

static int kmerge_pop(kmerge *k)
{
    rreader *r = &k->r[k->heap[0]];
    int rc = rec_next(r);
    if (rc <= 0)
        k->heap[0] = k->heap[--k->nh];
    if (k->nh)
        ksift(k, 0);
    return rc < 0 ? -1 : 0;
}

static void kmerge_close(kmerge *k)
{
    for (size_t i = 0; i < k->n; i++) {
        if (k->r[i].f)
            fclose(k->r[i].f);
        free(k->r[i].buf);
    }
    free(k->r);
    free(k->heap);
    memset(k, 0, sizeof *k);
}

/* ---- the sort of one kind of record with a memory share, spilling to runs ---------------------- */

typedef struct aborted {
    uint64_t *k;
    size_t n, cap;
    int sorted;
} aborted;

static int u64cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int is_aborted(aborted *a, uint64_t key)
{
    if (!key || !a->n)
        return 0;
    if (!a->sorted) {
        qsort(a->k, a->n, sizeof *a->k, u64cmp);
        a->sorted = 1;
    }
    return bsearch(&key, a->k, a->n, sizeof *a->k, u64cmp) != NULL;
}

static void aborted_add(aborted *a, uint64_t key)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 16;
        a->k = tally_xrealloc(a->k, a->cap * sizeof *a->k);
    }
    a->k[a->n++] = key;
    a->sorted = 0;
}

/* Writes t's entries (those with a count, not aborted) sorted by (type, key) to a new run. */
static int spill(vtab *t, runs *rs, const char *dir, aborted *ab, tally_error *err)
{
    qsort(t->e, t->n, sizeof *t->e, cmp_type_key);
    FILE *f = temp_open(dir, err);
    if (!f)
        return TALLY_EIO;
    int bad = 0;
    for (size_t i = 0; i < t->n && !bad; i++)
        if (t->e[i].count && !(ab && is_aborted(ab, t->e[i].key)))
            bad = rec_write(f, &t->e[i]) != 0;
    if (bad || fflush(f) != 0) {
        fclose(f);
        return tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "cannot write the vocabulary's temporary file in '%s': %s",
                             dir, strerror(errno ? errno : EIO));
    }
    runs_push(rs, f, 0);
    vtab_reset(t);
    return 0;
}

static void runs_free(runs *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        fclose(rs->f[i]);
    free(rs->f);
    free(rs->lvl);
    memset(rs, 0, sizeof *rs);
}

/* Adds record e (count, docs, key) into the aggregate a of the same (type, key). */
static inline void add_same_key(vent *a, const vent *e)
{
    a->count += e->count;
    a->docs = e->key ? 1 : a->docs + e->docs;
}

/* Merges the runs rs[from, n) into one run of the same order (records of equal type and key
 * added when by_key). */
static int merge_runs(runs *rs, size_t from, const char *dir, cmp_fn cmp, int by_key, aborted *ab, tally_error *err)
{
    kmerge k;
    FILE *out = temp_open(dir, err);
    if (!out)
        return TALLY_EIO;
    unsigned lvl = 0;
    for (size_t i = from; i < rs->n; i++)
        lvl = rs->lvl[i] > lvl ? rs->lvl[i] : lvl;
    int bad = kmerge_open(&k, rs->f + from, rs->n - from, cmp);
    rs->n = from;
    uint8_t *hold = NULL;
    size_t hold_cap = 0;
    vent acc;
    int have = 0;
    const vent *e;
    while (!bad && (e = kmerge_peek(&k)) != NULL) {
        if (!(ab && is_aborted(ab, e->key))) {
            if (have && by_key && acc.key == e->key && cmp_bytes(acc.p, acc.len, e->p, e->len) == 0) {
                add_same_key(&acc, e);
            } else {
                if (have)
                    bad |= rec_write(out, &acc) != 0;
                if (e->len > hold_cap) {
                    hold_cap = e->len + 64;
                    hold = tally_xrealloc(hold, hold_cap);
                }
                memcpy(hold, e->p, e->len);
                acc = *e;
                acc.p = hold;
                if (acc.key)
                    acc.docs = 1;
                have = 1;
            }
        }
        bad |= kmerge_pop(&k) != 0;
    }
    if (have && !bad)
        bad |= rec_write(out, &acc) != 0;
    free(hold);
    kmerge_close(&k);
    if (bad || fflush(out) != 0) {
        fclose(out);
        return tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "cannot merge the vocabulary's temporary files in '%s': %s",
                             dir, strerror(errno ? errno : EIO));
    }
    runs_push(rs, out, lvl + 1);
    return 0;
}

/* Merges the last FANIN runs while they are of one level; with all set (the end), until at most
 * FANIN are left. */
static int runs_settle(runs *rs, int all, const char *dir, cmp_fn cmp, int by_key, aborted *ab, tally_error *err)
{
    int rc = 0;
    while (rc == 0 && rs->n >= FANIN) {
        size_t from = rs->n - FANIN;
        int same = 1;
        for (size_t i = from + 1; i < rs->n && same; i++)
            same = rs->lvl[i] == rs->lvl[from];
        if (!same && !(all && rs->n > FANIN))
            break;
        if (all && rs->n <= FANIN)
            break;
        rc = merge_runs(rs, from, dir, cmp, by_key, ab, err);
    }
    return rc;
}

/* ---- the accumulator's state on the loop thread ------------------------------------------------ */

typedef struct vocab {
    const tally_scan_options *opt;
    int tokenizer, case_sensitive, general_only;
    char *dir;
    size_t share_main, share_worker;
    uint64_t next_worker;  /* numbers workers, for the keys of split documents */
    vtab tab;              /* every batch added */
    runs runs;             /* spilled, by (type, key) */
    aborted ab;
} vocab;

typedef struct vworker {
    vocab *v;
    tally_tokenizer tk;
    tally_normalizer *norm;
    tally_classify_fn classify; /* the matcher's block classifier (AVX2 where the CPU has it) */
    vtab tab;
    runs runs;             /* spilled by this worker in the current batch */
    aborted ab;            /* split documents dropped in the current batch */
    uint64_t id, cur_doc, split, n_split;
    int in_doc;
    int rc;                /* a spill failed: reported by the next merge */
    tally_error err;
    uint8_t fold[256 + 16]; /* a token folded here has 16 bytes readable from its start */
} vworker;

typedef struct vpart {
    vtab tab;
    runs runs;
    aborted ab;
    int rc;
    tally_error err;
} vpart;

/* Moves the current document's contribution to every type into records keyed by its split
 * number (given one when it has none yet): used when the document is cut while open. */
static void split_doc(vworker *w)
{
    if (!w->split)
        w->split = (w->id << 40) | ++w->n_split;
    vtab *t = &w->tab;
    void (*full)(void *) = t->full;
    t->full = NULL; /* the records go into this table, which may grow but not spill meanwhile */
    size_t n = t->n, whole = 0;
    for (size_t i = 0; i < n; i++) {
        vent *e = &t->e[i];
        if (e->key || e->last_doc != w->cur_doc || !e->doc_count)
            continue;
        if (e->count == e->doc_count) {
            whole++; /* only this document counted it: the entry itself becomes the record, below */
            continue;
        }
        uint64_t c = e->doc_count;
        e->count -= c;
        e->docs--;
        e->last_doc = 0;
        e->doc_count = 0;
        /* e may move when the table grows: copy what is needed first */
        const uint8_t *p = e->p;
        size_t len = e->len;
        vent *s = vtab_get(t, p, len, w->split);
        s->count += c;
        s->docs = 1;
    }
    if (whole) {
        /* a document as large as the batch (one text file) has all of them: re-keying the entries
         * and placing them again costs less than a record beside each */
        for (size_t i = 0; i < n; i++) {
            vent *e = &t->e[i];
            if (e->key || e->last_doc != w->cur_doc || !e->doc_count || e->count != e->doc_count)
                continue;
            e->key = w->split;
            e->keyed = 1;
            e->docs = 1;
            e->last_doc = 0;
            e->doc_count = 0;
        }
        vtab_rehash(t);
    }
    t->full = full;
}

static void worker_spill(vworker *w)
{
    if (w->in_doc)
        split_doc(w);
    if (w->rc == 0)
        w->rc = spill(&w->tab, &w->runs, w->v->dir, NULL, &w->err);
    else
        vtab_reset(&w->tab);
}

/* the worker table's full hook: called by vtab_insert, before the entry of the token being
 * counted is made */
static void worker_full(void *ctx)
{
    worker_spill(ctx);
}

/* The worker's table, with room for cap entries (the last batch's table had as many). */
static void worker_tab_init(vworker *w, size_t cap)
{
    vtab_init_cap(&w->tab, cap);
    w->tab.full = worker_full;
    w->tab.full_ctx = w;
    w->tab.share = w->v->share_worker;
}

/* Counts one occurrence in document cur, without a branch on whether it is the entry's first
 * there. */
static inline __attribute__((always_inline)) void bump(vent *e, uint64_t cur)
{
    uint64_t fresh = e->last_doc != cur;
    e->docs += fresh;
    e->doc_count = (e->doc_count & (fresh - 1)) + 1;
    e->last_doc = cur;
    e->count++;
}

/* What the fast path's lookups read of the worker's table, copied where the compiler can keep it
 * in registers (stores into entries cannot change it); loaded again after anything that may have
 * made an entry. */
typedef struct vlook {
    vent *e;
    const uint64_t *slot;
    size_t mask;
    uint64_t cur;
} vlook;

static inline void look_load(vlook *l, const vworker *w)
{
    l->e = w->tab.e;
    l->slot = w->tab.slot;
    l->mask = w->tab.mask;
    l->cur = w->cur_doc;
}

/* Counts the type p[0,n), read without going past p[n-1]. */
static void count_type(vworker *w, const uint8_t *p, size_t n)
{
    uint64_t k0, k1;
    words_of(p, n, &k0, &k1);
    bump(vtab_find(&w->tab, p, n, k0, k1, vhash(p, n, k0, k1), 0), w->cur_doc);
}

/* Is s[0,n) (starting with '_') made of underscores only? Such a segment is not a token. */
static int underscores_only(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '_')
            return 0;
    return 1;
}

/* count_fast's tokens of more than 16 bytes, and those starting with '_' */
static __attribute__((noinline)) void count_rare(vworker *w, const uint8_t *p, size_t n)
{
    if (!(p[0] == '_' && underscores_only(p, n)))
        count_type(w, p, n);
}

/* Counts the fast path's segment p[0,n) (n > 0, in its compared form; in_block: n < 64), where 16
 * bytes can be read from p: two loads and masks give the words the entry holds; one test sends the rare tokens (a
 * type longer than the entry holds, a segment that may be underscores only) elsewhere. */
static inline __attribute__((always_inline)) void count_fast(vworker *w, vlook *l, const uint8_t *p, size_t n,
                                                             const int in_block)
{
    uint64_t k0, k1;
    memcpy(&k0, p, 8);
    memcpy(&k1, p + 8, 8);
    size_t m = in_block ? n : n < 63 ? n : 63; /* in a block n < 64 */
    k0 &= mask_lo[m];
    k1 &= mask_hi[m];
    if (__builtin_expect(n > 16 || (k0 & 0xFF) == '_', 0)) {
        count_rare(w, p, n);
        look_load(l, w);
        return;
    }
    uint64_t h = tally__mix64(k0 ^ (HK1 + n), k1 ^ HK0), tag = TAG_CMP(h); /* vhash for n <= 16 */
    size_t j = h & l->mask;
    vent *e;
    for (;;) {
        uint64_t s = l->slot[j];
        if (__builtin_expect(((s ^ tag) >> 32) == 0, 1)) {
            e = &l->e[(uint32_t)s];
            uint64_t lk = (uint64_t)e->keyed << 32 | e->len;
            if (((e->k0 ^ k0) | (e->k1 ^ k1) | (lk ^ n)) == 0)
                break;
        } else if (!s) {
            e = vtab_insert(&w->tab, p, n, k0, k1, h, 0, j);
            look_load(l, w);
            break;
        }
        j = (j + 1) & l->mask;
    }
    bump(e, l->cur);
}

/* ---- tokens ----------------------------------------------------------------------------------- */

/* the general path over t[0,n), which starts and ends at hand-over points */
static void general(vworker *w, const uint8_t *t, size_t n)
{
    tally__tok_begin_field(&w->tk, t, n);
    tally_token tok;
    while (tally__tok_next(&w->tk, &tok)) {
        size_t nl;
        const uint8_t *nb = tally__norm_token(w->norm, t + tok.start, tok.len, &nl);
        count_type(w, nb, nl);
    }
}

enum { C_LETTER = 1, C_DIGIT = 2, C_USCORE = 4, C_MIDL = 8, C_MIDN = 16, C_SPACE = 32 };
#define C_WORD (C_LETTER | C_DIGIT | C_USCORE)

#define L16(x)                                                                                   \
    [x] = C_LETTER, [x + 1] = C_LETTER, [x + 2] = C_LETTER, [x + 3] = C_LETTER,                  \
    [x + 4] = C_LETTER, [x + 5] = C_LETTER, [x + 6] = C_LETTER, [x + 7] = C_LETTER,              \
    [x + 8] = C_LETTER, [x + 9] = C_LETTER, [x + 10] = C_LETTER, [x + 11] = C_LETTER,            \
    [x + 12] = C_LETTER, [x + 13] = C_LETTER, [x + 14] = C_LETTER, [x + 15] = C_LETTER
static const uint8_t vcls[256] = {
    ['\t'] = C_SPACE, ['\n'] = C_SPACE, ['\v'] = C_SPACE, ['\f'] = C_SPACE, ['\r'] = C_SPACE,
    [' '] = C_SPACE, ['\''] = C_MIDL | C_MIDN, ['.'] = C_MIDL | C_MIDN, [':'] = C_MIDL,
    [','] = C_MIDN, [';'] = C_MIDN, ['_'] = C_USCORE,
    ['0'] = C_DIGIT, ['1'] = C_DIGIT, ['2'] = C_DIGIT, ['3'] = C_DIGIT, ['4'] = C_DIGIT,
    ['5'] = C_DIGIT, ['6'] = C_DIGIT, ['7'] = C_DIGIT, ['8'] = C_DIGIT, ['9'] = C_DIGIT,
#define L(c) [c] = C_LETTER, [c + 32] = C_LETTER
    L('A'), L('B'), L('C'), L('D'), L('E'), L('F'), L('G'), L('H'), L('I'), L('J'), L('K'), L('L'),
    L('M'), L('N'), L('O'), L('P'), L('Q'), L('R'), L('S'), L('T'), L('U'), L('V'), L('W'), L('X'),
    L('Y'), L('Z'),
#undef L
    /* in a fast stretch these bytes are only ever parts of the two-byte letters (tally__fast_char:
     * Latin-1, Cyrillic) as far as the joins of mid punctuation ask: the masks tell the
     * ideographs' continuation bytes apart */
    [0xC3] = C_LETTER, [0xD0] = C_LETTER, [0xD1] = C_LETTER,
    L16(0x80), L16(0x90), L16(0xA0), L16(0xB0),
};
#undef L16

/* Does mid punctuation q[0] join q[-1] and q[1] (WB6/7: letters; WB11/12: digits)? */
static inline int joins(const uint8_t *q)
{
    unsigned m = vcls[q[0]], a = vcls[q[-1]], c = vcls[q[1]];
    return ((m & C_MIDL) && (a & c & C_LETTER)) || ((m & C_MIDN) && (a & c & C_DIGIT));
}

/* A segment that runs on past its chunk, or past its block with the chunk holding non-ASCII bytes:
 * t[s,s+n) folded from the text. */
static __attribute__((noinline)) void count_open(vworker *w, const uint8_t *s, size_t n, int fold)
{
    if (!fold) {
        if (!(s[0] == '_' && underscores_only(s, n)))
            count_type(w, s, n);
        return;
    }
    if (n > sizeof w->fold - 16) {
        if (s[0] == '_' && underscores_only(s, n))
            return;
        size_t nl;
        const uint8_t *nb = tally__norm_token(w->norm, s, n, &nl);
        count_type(w, nb, nl);
        return;
    }
    tally__fold_fast(s, n, w->fold);
    vlook l;
    look_load(&l, w);
    count_fast(w, &l, w->fold, n, 0);
}

#define VCHUNK 16 /* blocks of 64 bytes classified at once */

/* Where the fast path stands between chunks (as in match.c's fast_scan). */
typedef struct vscan {
    size_t b;               /* start of the next block */
    size_t open;            /* start of a segment that runs on into the next block, or SIZE_MAX */
    uint64_t wprev, tprev;  /* bit 63 of the previous block's word and segment masks */
    uint64_t l2prev, iprev; /* ... of its two-byte letter leads and its ideograph bytes */
} vscan;

/* The segments of nblk classified blocks from sc->b (low: the same bytes, ASCII letters
 * lower-cased, + 16 readable bytes), counted: the masks give each segment's start and end, the
 * lower-cased bytes its compared form (ideographs are their own; a two-byte letter is folded by
 * tally__fold_fast). fold and hi (the chunk may hold non-ASCII bytes) are constants in each copy,
 * so the ASCII loop tests neither. */
static inline __attribute__((always_inline)) void vblocks(vworker *vw, const uint8_t *t, size_t end, size_t lim,
                                                          const tally_ablk *blk, size_t nblk, const uint8_t *low,
                                                          vscan *sc, vlook *l, const int fold, const int hi)
{
    size_t b = sc->b, open = sc->open;
    const size_t c0 = b;
    uint64_t wprev = sc->wprev, tprev = sc->tprev, l2prev = sc->l2prev, iprev = sc->iprev;
    for (size_t k = 0; k < nblk; k++, b += 64) {
        uint64_t w = blk[k].word, ideo = 0, brk = 0, l2 = 0;
        if (hi) {
            /* two-byte letters join the word bytes; each ideograph is a token of its own, and
             * a word byte right after one starts a new token */
            uint64_t l3 = blk[k].hi ? blk[k].lead3 : 0;
            l2 = blk[k].hi ? blk[k].lead2 : 0;
            uint64_t letter2 = l2 | (l2 << 1) | l2prev;
            ideo = blk[k].hi & ~letter2;
            w |= letter2;
            brk = l3 | (w & ((ideo << 1) | iprev));
            l2prev = l2 >> 63;
            iprev = ideo >> 63;
        }
        uint64_t w64 = b + 64 < end && (vcls[t[b + 64]] & C_WORD);
        uint64_t cand = blk[k].mid & ((w << 1) | wprev) & ((w >> 1) | (w64 << 63)), jn = 0;
        while (cand) {
            unsigned j = (unsigned)__builtin_ctzll(cand);
            cand &= cand - 1;
            jn |= (uint64_t)joins(t + b + j) << j;
        }
        uint64_t tm = w | jn | ideo; /* bytes inside a segment */
        uint64_t starts = (tm & ~((tm << 1) | tprev)) | brk;
        uint64_t stop = ~tm | brk;
        wprev = w >> 63;
        tprev = tm >> 63;
        const uint8_t *bl = low + (b - c0), *bt = t + b;
        if (open != SIZE_MAX) {
            if (stop == 0)
                continue; /* the segment covers the whole block */
            size_t e = b + (size_t)__builtin_ctzll(stop);
            if (fold && !hi && open >= c0) {
                count_fast(vw, l, low + (open - c0), e - open, 0);
            } else {
                count_open(vw, t + open, e - open, fold);
                look_load(l, vw);
            }
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
            size_t n = (size_t)__builtin_ctzll(z); /* < 64 - s */
            if (!fold) {
                if (__builtin_expect(lim - (b + s) >= 16, 1)) {
                    count_fast(vw, l, bt + s, n, 1);
                } else {
                    count_open(vw, bt + s, n, 0);
                    look_load(l, vw);
                }
            } else if (hi && ((l2 >> s) & ((1ull << n) - 1))) {
                tally__fold_fast(bt + s, n, vw->fold);
                count_fast(vw, l, vw->fold, n, 1);
            } else {
                count_fast(vw, l, bl + s, n, 1);
            }
        }
    }
    sc->b = b;
    sc->open = open;
    sc->wprev = wprev;
    sc->tprev = tprev;
    sc->l2prev = l2prev;
    sc->iprev = iprev;
}

/* Tokenizes and counts t[i,end), made of ASCII and fast characters only (tally__find_nonfast),
 * where i and end are hand-over points or the piece's ends, so no segment runs across them; bytes
 * up to lim (the piece's end) may be read. UAX #29 restricted to these characters, as the
 * matcher's fast path has it: letters (ASCII, Latin-1, Cyrillic), digits and '_' hold together
 * (WB5, WB8-WB10, WB13a/b); ' . : join two letters (WB6/7); ' . , ; join two digits (WB11/12); an
 * ideograph is a token of its own (Word_Break Other); a segment of underscores only is no
 * token. */
static void fast(vworker *w, const uint8_t *t, size_t i, size_t end, size_t lim)
{
    const int fold = !w->v->case_sensitive;
    vscan sc = {i, SIZE_MAX, 0, 0, 0, 0};
    tally_ablk blk[VCHUNK];
    uint8_t pad[64];
    uint8_t low[VCHUNK * 64 + 16];
    vlook l;
    look_load(&l, w);
    while (sc.b < end || sc.open != SIZE_MAX) {
        /* the chunk step of the matcher's fast path (match.h), with 16 readable bytes after it */
        int any_hi;
        size_t nblk = tally__fast_chunk(w->classify, t, sc.b, end, VCHUNK, sc.open, blk, low, 16, pad, &any_hi);
        if (any_hi)
            fold ? vblocks(w, t, end, lim, blk, nblk, low, &sc, &l, 1, 1) : vblocks(w, t, end, lim, blk, nblk, low, &sc, &l, 0, 1);
        else
            fold ? vblocks(w, t, end, lim, blk, nblk, low, &sc, &l, 1, 0) : vblocks(w, t, end, lim, blk, nblk, low, &sc, &l, 0, 0);
    }
}

/* A point q > 0 where the two paths may hand over: after ASCII White_Space, before an ASCII byte
 * that is not (see match.c: no UAX #29 rule looks across it). */
static inline int handover(const uint8_t *t, size_t q)
{
    return t[q] < 0x80 && !(vcls[t[q]] & C_SPACE) && (vcls[t[q - 1]] & C_SPACE);
}

static size_t next_handover(const uint8_t *t, size_t q, size_t len)
{
    while (q < len && !handover(t, q))
        q++;
    return q;
}

/* May the general path start at the non-ASCII character t[q] that follows an ASCII space? Not
 * when the character could join the space (WB4, WB3d) or is ill-formed. */
static int starts_after_space(const uint8_t *t, size_t q, size_t len)
{
    uint32_t cp;
    int bad;
    tally__utf8_decode(t + q, len - q, &cp, &bad);
    if (bad)
        return 0;
    unsigned wb = tally__uprop(cp) & TALLY_UP_WB_MASK;
    return wb != TALLY_WB_EXTEND && wb != TALLY_WB_FORMAT && wb != TALLY_WB_ZWJ && wb != TALLY_WB_WSEGSPACE;
}

static void vfield(void *wp, const uint8_t *text, size_t len, int cont, const tally_field_ctx *f)
{
    vworker *w = wp;
    (void)cont; /* pieces are cut where tokenizing them one by one gives the whole's tokens */
    (void)f;
    if (w->v->tokenizer != TALLY_TOKENIZER_UNICODE || w->v->general_only) {
        general(w, text, len);
        return;
    }
    size_t pos = 0;
    while (pos < len) {
        size_t k = pos + tally__find_nonfast(text + pos, len - pos, 0);
        if (k == len) {
            fast(w, text, pos, len, len);
            break;
        }
        size_t q0 = k;
        if (!(k > pos && (vcls[text[k - 1]] & C_SPACE) && starts_after_space(text, k, len)))
            while (q0 > pos && !(q0 < k && handover(text, q0)))
                q0--;
        if (q0 > pos)
            fast(w, text, pos, q0, len);
        size_t q1 = next_handover(text, k + 1, len);
        general(w, text + q0, q1 - q0);
        pos = q1;
    }
}

/* ---- the worker's hooks ------------------------------------------------------------------------ */

static void *vworker_new(void *acc, tally_matcher *m)
{
    (void)m;
    vocab *v = acc;
    vworker *w = tally_xcalloc(1, sizeof *w);
    w->v = v;
    w->id = ++v->next_worker; /* worker_new runs on the loop thread */
    tally__tok_init(&w->tk, v->tokenizer);
    w->norm = tally__norm_new(v->case_sensitive);
    w->classify = tally__matcher_classifier(0);
    worker_tab_init(w, 256);
    return w;
}

static void vworker_free(void *wp)
{
    vworker *w = wp;
    if (!w)
        return;
    tally__norm_free(w->norm);
    vtab_cleanup(&w->tab);
    runs_free(&w->runs);
    free(w->ab.k);
    free(w);
}

static void vdoc_begin(void *wp, const tally_doc_ctx *c)
{
    vworker *w = wp;
    (void)c;
    w->cur_doc++;
    w->in_doc = 1;
    w->split = 0;
}

static void vdoc_end(void *wp, const tally_doc_ctx *c)
{
    vworker *w = wp;
    (void)c;
    if (w->split)
        split_doc(w);
    w->in_doc = 0;
    w->split = 0;
}

static void vdoc_abort(void *wp)
{
    vworker *w = wp;
    if (w->split) {
        split_doc(w);
        aborted_add(&w->ab, w->split);
    } else {
        for (size_t i = 0; i < w->tab.n; i++) {
            vent *e = &w->tab.e[i];
            if (e->key || e->last_doc != w->cur_doc)
                continue;
            e->count -= e->doc_count;
            e->docs--;
            e->last_doc = 0;
            e->doc_count = 0;
        }
    }
    w->in_doc = 0;
    w->split = 0;
}

static void *vtake(void *wp, const tally_batch_ctx *b)
{
    vworker *w = wp;
    (void)b;
    if (w->in_doc)
        split_doc(w);
    vpart *p = tally_xcalloc(1, sizeof *p);
    p->tab = w->tab;
    p->runs = w->runs;
    p->ab = w->ab;
    p->rc = w->rc;
    p->err = w->err;
    p->tab.full = NULL;
    worker_tab_init(w, p->tab.cap);
    memset(&w->runs, 0, sizeof w->runs);
    memset(&w->ab, 0, sizeof w->ab);
    w->rc = 0;
    return p;
}

static void vpart_free(void *pp)
{
    vpart *p = pp;
    if (!p)
        return;
    vtab_cleanup(&p->tab);
    runs_free(&p->runs);
    free(p->ab.k);
    free(p);
}

/* ---- the loop thread ----------------------------------------------------------------------------- */

static int vmerge(void *acc, void *pp, const tally_batch_ctx *b, tally_error *err)
{
    vocab *v = acc;
    vpart *p = pp;
    (void)b;
    int rc = p->rc;
    if (rc) {
        *err = p->err;
        goto out;
    }
    for (size_t i = 0; i < p->tab.n; i++) {
        const vent *e = &p->tab.e[i];
        if (!e->count)
            continue;
        vent *g = vtab_get(&v->tab, e->p, e->len, e->key);
        g->count += e->count;
        g->docs = e->key ? 1 : g->docs + e->docs;
    }
    for (size_t i = 0; i < p->ab.n; i++)
        aborted_add(&v->ab, p->ab.k[i]);
    for (size_t i = 0; i < p->runs.n; i++) {
        runs_push(&v->runs, p->runs.f[i], p->runs.lvl[i]);
    }
    p->runs.n = 0;
    if (vtab_bytes(&v->tab) > v->share_main && (rc = spill(&v->tab, &v->runs, v->dir, &v->ab, err)) != 0)
        goto out;
    rc = runs_settle(&v->runs, 0, v->dir, cmp_type_key, 1, &v->ab, err);
out:
    vpart_free(p);
    return rc;
}

static XXH3_state_t *xxh_new(void)
{
    XXH3_state_t *x = XXH3_createState();
    if (!x) {
        fputs("tally: out of memory\n", stderr);
        abort();
    }
    XXH3_128bits_reset(x);
    return x;
}

/* ---- the end: group by type, sort by count, write ---------------------------------------------- */

typedef struct vwriter {
    FILE *f;
    XXH3_state_t *x;
    tally_buf line;
    int bad;
    tally_vtop *top;
    size_t n_top, top_n;
} vwriter;

/* Writes one line: the type with \ TAB LF CR NUL escaped as \\ \t \n \r \0, its count and its
 * documents. */
static void wr_put(vwriter *w, const uint8_t *p, size_t n, uint64_t count, uint64_t docs)
{
    w->line.len = 0;
    tally__buf_reserve(&w->line, 2 * n + 48);
    uint8_t *o = w->line.data;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        const char *esc = c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == 0 ? "\\0" : NULL;
        if (esc) {
            o[k++] = (uint8_t)esc[0];
            o[k++] = (uint8_t)esc[1];
        } else {
            o[k++] = c;
        }
    }
    k += (size_t)snprintf((char *)o + k, 48, "\t%llu\t%llu\n", (unsigned long long)count, (unsigned long long)docs);
    w->line.len = k;
    XXH3_128bits_update(w->x, o, k);
    if (fwrite(o, 1, k, w->f) != k)
        w->bad = 1;
    if (w->n_top < w->top_n) {
        tally_vtop *t = &w->top[w->n_top++];
        t->type = tally_xmalloc(n + 1);
        memcpy(t->type, p, n);
        t->type[n] = '\0';
        t->len = n;
        t->count = count;
        t->documents = docs;
    }
}

/* The phase-two sort: aggregated types, by count. */
typedef struct csort {
    vtab t; /* used as an array: no slots touched */
    runs runs;
    size_t share;
    const char *dir;
} csort;

static int csort_add(csort *s, const uint8_t *p, size_t n, uint64_t count, uint64_t docs, tally_error *err)
{
    vtab *t = &s->t;
    if (t->n == t->cap) {
        t->cap *= 2;
        t->e = tally_xrealloc(t->e, t->cap * sizeof *t->e);
    }
    vent *e = &t->e[t->n++];
    e->p = arena_put(&t->ar, p, n);
    e->len = (uint32_t)n;
    e->count = count;
    e->docs = docs;
    e->key = 0;
    if (vtab_bytes(t) <= s->share)
        return 0;
    qsort(t->e, t->n, sizeof *t->e, cmp_count);
    FILE *f = temp_open(s->dir, err);
    if (!f)
        return TALLY_EIO;
    int bad = 0;
    for (size_t i = 0; i < t->n && !bad; i++)
        bad = rec_write(f, &t->e[i]) != 0;
    if (bad || fflush(f) != 0) {
        fclose(f);
        return tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "cannot write the vocabulary's temporary file in '%s': %s",
                             s->dir, strerror(errno ? errno : EIO));
    }
    runs_push(&s->runs, f, 0);
    t->n = 0;
    arena_clear(&t->ar);
    return runs_settle(&s->runs, 0, s->dir, cmp_count, 0, NULL, err);
}

static int csort_write(csort *s, vwriter *w, tally_error *err)
{
    vtab *t = &s->t;
    if (s->runs.n == 0) {
        qsort(t->e, t->n, sizeof *t->e, cmp_count);
        for (size_t i = 0; i < t->n && !w->bad; i++)
            wr_put(w, t->e[i].p, t->e[i].len, t->e[i].count, t->e[i].docs);
        return 0;
    }
    /* the last chunk becomes a run too: one merge then writes the file */
    int rc = 0;
    if (t->n) {
        size_t keep = s->share;
        s->share = 0;
        t->n--; /* csort_add puts it back and spills */
        const vent last = t->e[t->n];
        rc = csort_add(s, last.p, last.len, last.count, last.docs, err);
        s->share = keep;
        if (rc)
            return rc;
    }
    if ((rc = runs_settle(&s->runs, 1, s->dir, cmp_count, 0, NULL, err)) != 0)
        return rc;
    kmerge k;
    int bad = kmerge_open(&k, s->runs.f, s->runs.n, cmp_count);
    s->runs.n = 0;
    const vent *e;
    while (!bad && !w->bad && (e = kmerge_peek(&k)) != NULL) {
        wr_put(w, e->p, e->len, e->count, e->docs);
        bad |= kmerge_pop(&k) != 0;
    }
    kmerge_close(&k);
    if (bad)
        return tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "cannot read the vocabulary's temporary files in '%s'", s->dir);
    return 0;
}

/* Groups v's records by type, leaves out types counted less than min_count, and writes the file
 * sorted by count to out; fills *res (the top list is new, owned by the caller). */
static int vocab_final(vocab *v, FILE *out, uint64_t min_count, size_t top_n, tally_svocab *res, tally_error *err)
{
    int rc = 0;
    csort cs;
    memset(&cs, 0, sizeof cs);
    vtab_init(&cs.t);
    cs.share = v->share_main;
    cs.dir = v->dir;
    vwriter w;
    memset(&w, 0, sizeof w);
    w.f = out;
    w.x = xxh_new();
    tally__buf_init(&w.line);
    w.top_n = top_n;
    w.top = tally_xcalloc(top_n ? top_n : 1, sizeof *w.top);
    uint64_t types = 0;

    static const char head[] = "type\tcount\tdocuments\n";
    XXH3_128bits_update(w.x, head, sizeof head - 1);
    if (fwrite(head, 1, sizeof head - 1, out) != sizeof head - 1)
        w.bad = 1;

    if (v->runs.n == 0) {
        /* all in memory: sort and group in place */
        vtab *t = &v->tab;
        qsort(t->e, t->n, sizeof *t->e, cmp_type_key);
        size_t j = 0;
        uint64_t prev_key = 0;
        for (size_t i = 0; i < t->n; i++) {
            vent e = t->e[i];
            if (!e.count || is_aborted(&v->ab, e.key))
                continue;
            if (j && cmp_bytes(t->e[j - 1].p, t->e[j - 1].len, e.p, e.len) == 0) {
                vent *a = &t->e[j - 1];
                a->count += e.count;
                if (!e.key)
                    a->docs += e.docs;
                else if (e.key != prev_key)
                    a->docs++;
            } else {
                t->e[j] = e;
                t->e[j].docs = e.key ? 1 : e.docs;
                j++;
            }
            prev_key = e.key;
        }
        types = j;
        size_t m = 0;
        for (size_t i = 0; i < j; i++)
            if (t->e[i].count >= min_count)
                t->e[m++] = t->e[i];
        qsort(t->e, m, sizeof *t->e, cmp_count);
        for (size_t i = 0; i < m && !w.bad; i++)
            wr_put(&w, t->e[i].p, t->e[i].len, t->e[i].count, t->e[i].docs);
    } else {
        if (v->tab.n && (rc = spill(&v->tab, &v->runs, v->dir, &v->ab, err)) != 0)
            goto out;
        vtab_cleanup(&v->tab);
        vtab_init(&v->tab);
        if ((rc = runs_settle(&v->runs, 1, v->dir, cmp_type_key, 1, &v->ab, err)) != 0)
            goto out;
        kmerge k;
        int bad = kmerge_open(&k, v->runs.f, v->runs.n, cmp_type_key);
        v->runs.n = 0;
        uint8_t *hold = NULL;
        size_t hold_cap = 0, hold_len = 0;
        uint64_t count = 0, docs = 0, prev_key = 0;
        int have = 0;
        const vent *e;
        while (!bad && rc == 0) {
            e = kmerge_peek(&k);
            if (e && is_aborted(&v->ab, e->key)) {
                bad |= kmerge_pop(&k) != 0;
                continue;
            }
            if (have && (!e || cmp_bytes(hold, hold_len, e->p, e->len) != 0)) {
                types++;
                if (count >= min_count)
                    rc = csort_add(&cs, hold, hold_len, count, docs, err);
                have = 0;
            }
            if (!e)
                break;
            if (!have) {
                if (e->len > hold_cap) {
                    hold_cap = e->len + 64;
                    hold = tally_xrealloc(hold, hold_cap);
                }
                memcpy(hold, e->p, e->len);
                hold_len = e->len;
                count = docs = 0;
                prev_key = 0;
                have = 1;
            }
            count += e->count;
            if (!e->key)
                docs += e->docs;
            else if (e->key != prev_key)
                docs++;
            prev_key = e->key;
            bad |= kmerge_pop(&k) != 0;
        }
        free(hold);
        kmerge_close(&k);
        if (bad && !rc)
            rc = tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "cannot read the vocabulary's temporary files in '%s'", v->dir);
        if (rc)
            goto out;
        if ((rc = csort_write(&cs, &w, err)) != 0)
            goto out;
    }
    if (w.bad || fflush(out) != 0 || ferror(out)) {
        rc = tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "cannot write the vocabulary: %s", strerror(errno ? errno : EIO));
        goto out;
    }
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(w.x));
    for (int i = 0; i < 16; i++)
        snprintf(res->digest + 2 * i, 3, "%02x", c.digest[i]);
    res->types = types;
    res->min_count = min_count ? min_count : 1;
    res->top = w.top;
    res->n_top = w.n_top;
    w.top = NULL;
out:
    if (w.top) {
        for (size_t i = 0; i < w.n_top; i++)
            free(w.top[i].type);
        free(w.top);
    }
    XXH3_freeState(w.x);
    tally__buf_cleanup(&w.line);
    vtab_cleanup(&cs.t);
    runs_free(&cs.runs);
    return rc;
}

static int vfinish(void *acc, tally_summary *sum, tally_error *err)
{
    vocab *v = acc;
    tally_svocab res;
    memset(&res, 0, sizeof res);
    int rc = vocab_final(v, v->opt->vocab, v->opt->vocab_min_count, v->opt->vocab_top, &res, err);
    if (rc)
        return rc;
    res.file = tally_xstrdup(v->opt->vocab_name ? v->opt->vocab_name : "");
    tally__svocab_set(sum, &res);
    return 0;
}

static void vocab_cleanup(vocab *v)
{
    vtab_cleanup(&v->tab);
    runs_free(&v->runs);
    free(v->ab.k);
    free(v->dir);
}

static void vfree(void *acc)
{
    vocab *v = acc;
    if (!v)
        return;
    vocab_cleanup(v);
    free(v);
}

static const tally_acc_class vocab_class = {
    .name = "vocabulary",
    .worker_new = vworker_new,
    .worker_free = vworker_free,
    .doc_begin = vdoc_begin,
    .field = vfield,
    .doc_end = vdoc_end,
    .doc_abort = vdoc_abort,
    .take = vtake,
    .merge = vmerge,
    .part_free = vpart_free,
    .finish = vfinish,
    .free = vfree,
};

/* The temporary folder: the one given, else $TMPDIR, else /tmp; checked before anything is read. */
static int vocab_init(vocab *v, size_t memory, const char *temp_dir, unsigned threads, tally_error *err)
{
    const char *dir = temp_dir && temp_dir[0] ? temp_dir : getenv("TMPDIR");
    if (!dir || !dir[0])
        dir = "/tmp";
    if (access(dir, W_OK | X_OK) != 0)
        return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX,
                             "the temporary folder '%s' for the vocabulary cannot be written: %s", dir, strerror(errno));
    v->dir = tally_xstrdup(dir);
    if (!memory)
        memory = DEFAULT_MEMORY;
    if (!threads)
        threads = 1;
    /* half for the loop thread's table; the other half shared by every table a batch can hold:
     * each worker's, and the parts of the batches (2 * threads + 2 slots) waiting to be added */
    v->share_main = memory / 2;
    v->share_worker = memory / 2 / (3 * (size_t)threads + 2);
    if (v->share_main < MIN_SHARE)
        v->share_main = MIN_SHARE;
    if (v->share_worker < MIN_SHARE)
        v->share_worker = MIN_SHARE;
    vtab_init(&v->tab);
    return 0;
}

int tally__vocab_acc_new(const tally_acc_env *env, tally_acc *out, tally_error *err)
{
    vocab *v = tally_xcalloc(1, sizeof *v);
    const tally_scan_options *o = env->opt;
    v->opt = o;
    v->tokenizer = env->d->tokenizer;
    v->case_sensitive = env->d->case_sensitive;
    v->general_only = o->vocab_general_only;
    unsigned threads = o->threads;
    if (!threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    int rc = vocab_init(v, o->vocab_memory, o->vocab_temp_dir, threads, err);
    if (rc) {
        free(v);
        return rc;
    }
    out->cls = &vocab_class;
    out->state = v;
    return 0;
}

/* ---- tally merge: the parts' files through the same sort ---------------------------------------- */

static int parse_u64(const char *s, const char *end, uint64_t *out)
{
    uint64_t v = 0;
    if (s == end || (*s == '0' && end - s > 1))
        return -1;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

/* Reads one part's file into v's table; digest, when not NULL, is what its summary records. */
/* Adds the vocabulary read from f (named path in messages) into v; f is closed. */
static int read_part_f(vocab *v, FILE *f, const char *path, const char *digest, tally_error *err)
{
    int rc = 0;
    XXH3_state_t *x = xxh_new();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t lineno = 0;
    uint8_t *type = NULL;
    size_t tcap = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        XXH3_128bits_update(x, line, (size_t)n);
        if (n == 0 || line[n - 1] != '\n') {
            rc = tally__seterr(err, TALLY_EINVAL, lineno, UINT64_MAX, "%s:%llu: the line does not end (a cut file?)",
                               path, (unsigned long long)lineno);
            goto out;
        }
        line[--n] = '\0';
        if (lineno == 1) {
            if (strcmp(line, "type\tcount\tdocuments") != 0) {
                rc = tally__seterr(err, TALLY_EINVAL, 1, UINT64_MAX,
                                   "%s:1: not a tally vocabulary (the header is not 'type<TAB>count<TAB>documents')", path);
                goto out;
            }
            continue;
        }
        char *t2 = memrchr(line, '\t', (size_t)n);
        char *t1 = t2 ? memrchr(line, '\t', (size_t)(t2 - line)) : NULL;
        uint64_t count, docs;
        if (!t1 || parse_u64(t1 + 1, t2, &count) != 0 || parse_u64(t2 + 1, line + n, &docs) != 0 || count == 0 ||
            docs == 0 || docs > count) {
            rc = tally__seterr(err, TALLY_EINVAL, lineno, UINT64_MAX,
                               "%s:%llu: expected a type, a count and a number of documents (1 <= documents <= count)",
                               path, (unsigned long long)lineno);
            goto out;
        }
        size_t tl = (size_t)(t1 - line), k = 0;
        if (tl + 1 > tcap) {
            tcap = tl + 64;
            type = tally_xrealloc(type, tcap);
        }
        for (size_t i = 0; i < tl; i++) {
            char c = line[i];
            if (c == '\t' || (c == '\\' && i + 1 == tl)) {
                rc = tally__seterr(err, TALLY_EINVAL, lineno, UINT64_MAX, "%s:%llu: a bad escape or TAB in the type",
                                   path, (unsigned long long)lineno);
                goto out;
            }
            if (c != '\\') {
                type[k++] = (uint8_t)c;
                continue;
            }
            c = line[++i];
            int u = c == '\\' ? '\\' : c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == '0' ? 0 : -1;
            if (u < 0) {
                rc = tally__seterr(err, TALLY_EINVAL, lineno, UINT64_MAX, "%s:%llu: unknown escape '\\%c' in the type",
                                   path, (unsigned long long)lineno, c);
                goto out;
            }
            type[k++] = (uint8_t)u;
        }
        vent *e = vtab_get(&v->tab, type, k, 0);
        e->count += count;
        e->docs += docs;
        if (vtab_bytes(&v->tab) > v->share_main) {
            if ((rc = spill(&v->tab, &v->runs, v->dir, NULL, err)) != 0)
                goto out;
            if ((rc = runs_settle(&v->runs, 0, v->dir, cmp_type_key, 1, NULL, err)) != 0)
                goto out;
        }
    }
    if (ferror(f)) {
        rc = tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "cannot read the vocabulary '%s': %s", path, strerror(errno));
        goto out;
    }
    if (lineno == 0) {
        rc = tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "%s: empty, not a tally vocabulary", path);
        goto out;
    }
    if (digest && digest[0]) {
        XXH128_canonical_t c;
        XXH128_canonicalFromHash(&c, XXH3_128bits_digest(x));
        char hex[33];
        for (int i = 0; i < 16; i++)
            snprintf(hex + 2 * i, 3, "%02x", c.digest[i]);
        if (strcmp(hex, digest) != 0)
            rc = tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX,
                               "%s: its digest %s is not the one its summary records (%s): another or a changed file",
                               path, hex, digest);
    }
out:
    free(line);
    free(type);
    XXH3_freeState(x);
    fclose(f);
    return rc;
}

int tally_vocab_merge_parts(tally_summary *total, size_t n, tally_part_open_fn open_part, void *ctx, FILE *out,
                            const char *out_name, const tally_vocab_merge_options *o, tally_error *err)
{
    tally_svocab *sv = total->vocab;
    if (!sv)
        return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "the summary has no vocabulary");
    vocab v;
    memset(&v, 0, sizeof v);
    int rc = vocab_init(&v, o ? o->memory : 0, o ? o->temp_dir : NULL, 1, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *name = "", *digest = NULL;
        errno = 0;
        FILE *f = open_part(ctx, i, &name, &digest);
        if (!f)
            rc = tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "cannot read the vocabulary '%s': %s", name,
                               strerror(errno ? errno : EIO));
        else
            rc = read_part_f(&v, f, name, digest, err);
    }
    tally_svocab res;
    memset(&res, 0, sizeof res);
    if (rc == 0)
        rc = vocab_final(&v, out, o && o->min_count ? o->min_count : sv->min_count, o ? o->top : 100, &res, err);
    if (rc == 0) {
        res.file = tally_xstrdup(out_name ? out_name : "");
        tally__svocab_set(total, &res);
    }
    vocab_cleanup(&v);
    return rc;
}

/* tally_vocab_merge's parts: files by name, each with the digest its summary records. */
typedef struct named_parts {
    const char *const *files, *const *digests;
} named_parts;

static FILE *open_named(void *ctx, size_t i, const char **name, const char **digest)
{
    const named_parts *np = ctx;
    *name = np->files[i];
    *digest = np->digests ? np->digests[i] : NULL;
    return fopen(np->files[i], "rb");
}

int tally_vocab_merge(tally_summary *total, const char *const *files, const char *const *digests, size_t n_files,
                      FILE *out, const char *out_name, const tally_vocab_merge_options *o, tally_error *err)
{
    named_parts np = {files, digests};
    return tally_vocab_merge_parts(total, n_files, open_named, &np, out, out_name, o, err);
}
