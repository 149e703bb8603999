/* dict.h — the dictionary's internal layout, shared with the matcher.
 *
 * A dictionary is parsed from files and -k terms into keywords (a normalized token sequence,
 * optionally ending in a prefix) and groups, then compiled into the tables the matcher reads:
 *   - vocab:   normalized word -> word id (every exact token of every term)
 *   - prefix:  normalized prefix -> prefix id, with the set of prefix byte lengths and a
 *              two-byte filter so that most tokens skip prefix probes
 *   - a trie over token sequences: node x word id -> child node; each node knows the keyword
 *     that ends there and its prefix edges (prefix id -> keyword) for terms ending in '*'.
 * After tally_dict_compile nothing changes, so any number of threads read it without locks. */
#ifndef TALLY_DICT_H
#define TALLY_DICT_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "hash.h"
#include "tally.h"

#define TALLY_NONE UINT32_MAX

/* The word, solo, start and pair filters have 2^TALLY_FILTER_LOG bits: 2 KiB each, so that the
 * ones the matcher reads for every token fit in L1 with the text and its records. They only
 * save work: with 10,000 words about half the word filter's bits are set, with 100,000 nearly
 * all, and more tokens then go on to the vocabulary table, which decides. */
#define TALLY_FILTER_LOG 14
#define TALLY_FILTER_WORDS (1u << (TALLY_FILTER_LOG - 6))

typedef struct tally_kw {
    char *name;          /* first spelling, trimmed (owned) */
    uint32_t *words;     /* word ids of the exact tokens (owned); the prefix token is not here */
    uint32_t n_words;
    uint32_t prefix;     /* prefix id of the last token, or TALLY_NONE */
    uint32_t n_tokens;   /* n_words + (prefix != TALLY_NONE) */
    uint32_t *groups;    /* group ids in listing order (owned) */
    uint32_t n_groups, cap_groups;
} tally_kw;

typedef struct tally_group {
    char *name;
    char *where;         /* "FILE:LINE" of its first header, for warnings (owned) */
    uint32_t *members;   /* keyword ids in listing order (owned) */
    uint32_t n_members, cap_members;
} tally_group;

/* A string table: open addressing over (hash, id), strings in one arena. */
typedef struct tally_strtab {
    uint64_t *hashes;    /* 0 = empty slot; stored hashes have their top bit set */
    uint32_t *ids;
    size_t mask;         /* capacity - 1 */
    size_t count;
    size_t cap_ids;      /* room in offs and lens */
    uint32_t *offs;      /* id -> offset in arena */
    uint32_t *lens;      /* id -> length */
    tally_buf arena;
} tally_strtab;

/* Trie node. Edges are in a separate hash table keyed by (node, word). */
typedef struct tally_node {
    uint32_t keyword;     /* keyword ending exactly here, or TALLY_NONE */
    uint32_t pfx_first;   /* first index into dict->pfx_edges, for prefix edges from this node */
    uint32_t pfx_count;
    uint32_t depth;       /* number of exact tokens on the path from the root */
    uint8_t has_children; /* some exact edge leaves this node */
} tally_node;

/* A trie edge below the root (the root's own edges are in root_next): parent node (0 = empty
 * slot), word and child together, so a step reads one cache line. */
typedef struct tally_edge {
    uint32_t node;
    uint32_t word;
    uint32_t child;
} tally_edge;

/* A slot of the matcher's vocabulary table: what the matcher needs about a word, in one
 * 32-byte slot (two to a cache line), so that a word in the text costs one memory access when
 * it starts no phrase in progress: its spelling's first 8 bytes and length (compared before
 * the arena, which holds longer words whole), its id, the node it reaches from the root with
 * that node's keyword, and the prefixes it starts with. */
typedef struct tally_vslot {
    uint64_t head;    /* the first min(len, 8) bytes, as tally__load_le reads them */
    uint32_t len;     /* byte length; 0 = empty slot */
    uint32_t id;      /* word id */
    uint32_t root;    /* the root's child by this word, or TALLY_NONE */
    uint32_t root_kw; /* the keyword ending at that child, or TALLY_NONE */
    uint32_t pfx_off; /* its prefixes: dict->word_pfx[pfx_off, pfx_off + (pfx_push >> 1)) */
    uint32_t pfx_push; /* the number of prefixes << 1, | 1 when the child has edges (a phrase may
                        * go on from it) */
} tally_vslot;

/* A node of the prefix byte trie. */
typedef struct tally_pfx_node {
    uint32_t prefix; /* prefix id ending at this node, or TALLY_NONE */
    uint32_t first;  /* its edges: pfx_edge_byte/pfx_edge_node[first, first + count) */
    uint32_t count;
} tally_pfx_node;

typedef struct tally_pfx_edge {
    uint32_t prefix;
    uint32_t keyword;
} tally_pfx_edge;

struct tally_dict {
    int tokenizer;
    int case_sensitive;
    int compiled;
    int allow_empty;     /* tally_dict_allow_empty: no terms is fine (a vocabulary-only scan) */

    tally_kw *kws;
    size_t n_kws, cap_kws;
    tally_group *groups;
    size_t n_groups, cap_groups;

    tally_strtab vocab;   /* word -> word id */
    tally_strtab prefixes; /* prefix -> prefix id */
    tally_strtab kwkeys;  /* keyword identity (encoded word/prefix ids) -> keyword id */
    tally_strtab grpnames; /* group name -> group id */
    tally_strtab grpfolds; /* case-folded group name -> the first group with that fold */
    uint32_t *grpfold_ids; /* grpfolds id -> group id */
    char **warnings;      /* "FILE:LINE: reason" (owned) */
    size_t n_warnings, cap_warnings;

    /* compiled */
    tally_node *nodes;
    size_t n_nodes;
    tally_edge *edges;    /* the trie's edges, open addressing by tally__edge_slot */
    size_t edge_mask;
    uint32_t *root_next;  /* word id -> child of the root, TALLY_NONE if none */
    tally_pfx_edge *pfx_edges;
    size_t n_pfx_edges;
    /* prefixes as a byte trie, so a token finds every prefix it starts with in one walk */
    uint32_t pfx_root[256]; /* node for a one-byte start, TALLY_NONE when no prefix starts so */
    tally_pfx_node *pfx_nodes;
    uint8_t *pfx_edge_byte; /* edges of each node, sorted by byte */
    uint32_t *pfx_edge_node;
    size_t n_pfx_nodes, n_pfx_edges_trie;
    uint32_t max_pfx_len;   /* longest prefix in bytes: bounds the prefixes one token matches */
    uint32_t *pfx_root_kw;  /* prefix id -> keyword of the one-token term "prefix*", or TALLY_NONE */
    uint32_t *word_pfx_off; /* word id -> its prefixes (the ids of every prefix the word starts */
    uint32_t *word_pfx;     /*   with) at word_pfx[word_pfx_off[w], word_pfx_off[w + 1]) */
    uint64_t pfx_pair[1024]; /* bit b0 | b1 << 8 set when a prefix may start with bytes b0 b1 (b1 = 0
                              * stands for a one-byte token); see tally__dict_maybe_prefix */
    uint64_t pfx_short[1024]; /* the same, for the prefixes of one or two bytes only */
    uint64_t pfx_head[1024]; /* tally__pfx_head_bit of the first 3 bytes of every prefix of 3 bytes
                              * and of the first 4 of every longer one */
    uint32_t max_tokens;  /* longest keyword, in tokens */
    uint32_t max_group_tokens; /* longest keyword that belongs to a group */
    uint64_t *kw_in_group; /* bit k set when keyword k belongs to a group (a bit, so that the
                            * matcher finds it in L1 even for large dictionaries) */
    uint32_t *kw_grp_off; /* keyword id -> its groups, kw_grp[kw_grp_off[k], kw_grp_off[k + 1]) */
    uint32_t *kw_grp;     /*   (the same lists as kws[k].groups, in one array) */
    /* tally__filter_bit set for every vocabulary word */
    uint64_t word_filter[TALLY_FILTER_WORDS];
    /* ... for every word that may match whatever word follows it: a one-word keyword, or the
     * first word of a phrase whose second term is a prefix (word*) */
    uint64_t solo_filter[TALLY_FILTER_WORDS];
    /* ... for every word that starts a phrase */
    uint64_t start_filter[TALLY_FILTER_WORDS];
    /* tally__pair_bit set for the first two words of every phrase whose second term is a word */
    uint64_t pair_filter[TALLY_FILTER_WORDS];
    tally_vslot *vtab;    /* the vocabulary again, for the matcher (see tally_vslot) */
    size_t vmask;
    char fingerprint[33]; /* XXH128 of the dictionary's canonical text (README "The summary") */

    /* parsing */
    void *norm;           /* tally_normalizer used while adding terms */
};

/* What the readers of other dictionary formats (dictfmt.c, dict_yaml.c) build on, so that their
 * terms and groups become keywords and groups by exactly the rules of tally's own format. */

/* Reads the whole file at path into b (appending). TALLY_ENOENT / TALLY_EIO with "PATH: reason". */
int tally__dict_slurp(const char *path, tally_buf *b, tally_error *err);
/* Trims White_Space from both ends of the valid UTF-8 s[0,*n); returns the new start. */
const char *tally__dict_trim(const char *s, size_t *n);
/* The id of the group called name[0,n), added when new (file and line say where, for the
 * warning about names that differ only in case). */
uint32_t tally__dict_group(tally_dict *d, const char *name, size_t n, const char *file,
                           uint64_t line);
/* Adds the trimmed, valid UTF-8 term[0,n) to group (TALLY_NONE: ungrouped) as a line of file
 * would be; errors name "FILE:LINE". */
int tally__dict_term(tally_dict *d, const char *file, uint64_t line, const char *term, size_t n,
                     uint32_t group, tally_error *err);
/* Adds a warning (a copy of msg, "FILE:LINE: reason"). */
void tally__dict_warn(tally_dict *d, const char *msg);

/* Writes the XXH3-128 digest of p[0,n) to out as 32 lowercase hex digits of its canonical
 * (big-endian) form, as `xxhsum -H2` prints it, and a NUL. */
void tally__xxh128_hex(const void *p, size_t n, char out[33]);

/* Looks up s in a table; returns its id or TALLY_NONE. Read-only, thread-safe. */
uint32_t tally__strtab_find(const tally_strtab *t, const uint8_t *s, size_t n, uint64_t h);

/* The filter bit of a word of n bytes whose first min(n, 8) bytes, as tally__load_le reads them,
 * are head: one multiply, so that the many tokens not in the dictionary cost no full hash. */
static inline unsigned tally__filter_bit(uint64_t head, size_t n)
{
    return (unsigned)(((head + n * 0xC2B2AE3D27D4EB4Full) * 0x9E3779B97F4A7C15ull) >>
                      (64 - TALLY_FILTER_LOG));
}

/* Bit bit (tally__filter_bit of a token's head and length) of one of the dictionary's filters
 * (TALLY_FILTER_LOG): word_filter is 0 when no vocabulary word has this head
 * and length; solo_filter is 0 when none can match on its own or with a prefix after it (such a
 * word only matters inside phrases, where the next word decides: tally__dict_maybe_pair);
 * start_filter is 0 when no phrase starts with one. */
static inline int tally__dict_bit(const uint64_t *filter, unsigned bit)
{
    return (int)((filter[bit >> 6] >> (bit & 63)) & 1);
}

/* The filter bit of two words in a row (heads and lengths as for tally__filter_bit). */
static inline unsigned tally__pair_bit(uint64_t h1, size_t n1, uint64_t h2, size_t n2)
{
    uint64_t a = (h1 + n1 * 0xC2B2AE3D27D4EB4Full) * 0x9E3779B97F4A7C15ull;
    uint64_t b = (h2 + n2 * 0x165667B19E3779F9ull) * 0xD6E8FEB86659FD93ull;
    return (unsigned)(((a ^ b ^ (b >> 29)) * 0x9E3779B97F4A7C15ull) >> (64 - TALLY_FILTER_LOG));
}

/* 0 when no phrase starts with these two words (h1, n1 then h2, n2): then a first word that
 * cannot match alone either (solo_filter, which also holds the words phrases go on from with a
 * prefix) starts nothing here. */
static inline int tally__dict_maybe_pair(const tally_dict *d, uint64_t h1, size_t n1, uint64_t h2,
                                         size_t n2)
{
    unsigned bit = tally__pair_bit(h1, n1, h2, n2);
    return (int)((d->pair_filter[bit >> 6] >> (bit & 63)) & 1);
}

/* 0 when no prefix can match a token whose head is v (its first min(n, 8) bytes as
 * tally__load_le reads them, so that the second byte is 0 for a one-byte token): one bit in
 * 8 KiB, by the first two bytes. */
static inline int tally__dict_maybe_prefix(const tally_dict *d, uint64_t v)
{
    unsigned k = (unsigned)(v & 0xFFFF);
    return (int)((d->pfx_pair[k >> 6] >> (k & 63)) & 1);
}

/* The filter bit of the first len (3 or 4) bytes of a prefix or token, key as tally__load_le
 * reads them. */
static inline unsigned tally__pfx_head_bit(uint64_t key, unsigned len)
{
    return (unsigned)(((key + len * 0x9E3779B97F4A7C15ull) * 0xC2B2AE3D27D4EB4Full) >> 48);
}

/* A second look for a token that passed tally__dict_maybe_prefix (head and length n as there):
 * also its third and fourth bytes, so that the many words that only share their first two bytes
 * with a prefix ("he", "her" for hero*) stay out of the prefix trie. */
static inline int tally__dict_maybe_prefix_fine(const tally_dict *d, uint64_t head, size_t n)
{
    unsigned k = (unsigned)(head & 0xFFFF);
    int r = (int)((d->pfx_short[k >> 6] >> (k & 63)) & 1);
    if (n >= 3) {
        unsigned b = tally__pfx_head_bit(head & 0xFFFFFF, 3);
        r |= (int)((d->pfx_head[b >> 6] >> (b & 63)) & 1);
        if (n >= 4) {
            b = tally__pfx_head_bit(head & 0xFFFFFFFF, 4);
            r |= (int)((d->pfx_head[b >> 6] >> (b & 63)) & 1);
        }
    }
    return r;
}

/* The hash that places a word in the matcher's vocabulary table: one multiply over the head for
 * words of up to 8 bytes (the head is the whole word), the full string hash for longer ones. */
static inline uint64_t tally__vocab_hash(const uint8_t *nb, size_t nl, uint64_t head)
{
    if (nl <= 8)
        return tally__mix64(head ^ (nl * 0x9E3779B97F4A7C15ull), 0xC2B2AE3D27D4EB4Full);
    return tally__hash(nb, nl);
}

/* The vocabulary slot of a word of nl <= 8 bytes (nl > 0), which its head holds whole, or NULL. */
static inline const tally_vslot *tally__dict_vslot_short(const tally_dict *d, size_t nl,
                                                         uint64_t head)
{
    uint64_t h = tally__vocab_hash(NULL, nl, head);
    for (size_t i = (size_t)h & d->vmask;; i = (i + 1) & d->vmask) {
        const tally_vslot *v = &d->vtab[i];
        if (v->head == head && v->len == nl)
            return v;
        if (v->len == 0)
            return NULL;
    }
}

/* The vocabulary slot of nb[0,nl) (nl > 0) whose first min(nl, 8) bytes, as tally__load_le
 * reads them, are head, or NULL. */
static inline const tally_vslot *tally__dict_vslot(const tally_dict *d, const uint8_t *nb, size_t nl,
                                                   uint64_t head)
{
    if (nl <= 8)
        return tally__dict_vslot_short(d, nl, head);
    uint64_t h = tally__vocab_hash(nb, nl, head);
    for (size_t i = (size_t)h & d->vmask;; i = (i + 1) & d->vmask) {
        const tally_vslot *v = &d->vtab[i];
        if (v->len == 0)
            return NULL;
        if (v->len == nl && v->head == head) {
            const uint8_t *a = d->vocab.arena.data + d->vocab.offs[v->id];
            size_t j = 8;
            while (j < nl && a[j] == nb[j])
                j++;
            if (j == nl)
                return v;
        }
    }
}

/* The first slot to probe for an edge key ((node << 32 | word) + 1) in a table of mask + 1 slots.
 * Fully mixed: the same word leaves many nodes, so no part of the key may be left out. */
static inline size_t tally__edge_slot(uint64_t key, size_t mask)
{
    return (size_t)tally__hash_u64(key) & mask;
}

/* Trie step: the child of node by word, or TALLY_NONE. */
static inline uint32_t tally__dict_child(const tally_dict *d, uint32_t node, uint32_t word)
{
    if (node == 0)
        return d->root_next[word];
    uint64_t key = (((uint64_t)node << 32) | word) + 1;
    size_t i = tally__edge_slot(key, d->edge_mask);
    for (;;) {
        const tally_edge *e = &d->edges[i];
        if (e->node == node && e->word == word)
            return e->child;
        if (e->node == 0)
            return TALLY_NONE;
        i = (i + 1) & d->edge_mask;
    }
}

#endif
