/* normalize.c — token normalization for matching: NFKC_Casefold (or NFKC without case folding)
 * through utf8proc, default-ignorables removed, apostrophe variants unified to U+0027.
 *
 * ASCII tokens never reach utf8proc: lower-casing is all NFKC_Casefold does to them. Non-ASCII
 * tokens go through utf8proc_decompose_custom + utf8proc_normalize_utf32 (exactly what
 * utf8proc_map does, with the options of utf8proc_NFKC_Casefold) into buffers the normalizer owns,
 * and the results are remembered in a bounded cache: an open-addressing table whose keys and
 * values live in one arena. When the table or the arena is full, everything is dropped at once, so
 * memory stays bounded and the steady state allocates nothing.
 *
 * Most non-ASCII tokens in news text skip both utf8proc and the cache: a token made only of
 * "simple" code points is normalized one code point at a time through a table. A code point is
 * simple when its normalization on its own is exactly one code point and it cannot interact with
 * its neighbours:
 *   - it is a letter or number (General_Category L* or N*) with Canonical_Combining_Class 0, so
 *     canonical reordering never moves anything across it;
 *   - its decomposition begins with such a character too, which is not a Hangul jamo: every
 *     character that can compose with a character before it (NFC_Quick_Check=Maybe) is a mark
 *     (Mn, Mc) or a Hangul jamo, so nothing from the previous code point composes across the
 *     boundary, and a starter blocks whatever comes before it from composing with what follows.
 * Then the normalization of the token is the concatenation of the code points' normalizations,
 * which the table holds. It is filled with utf8proc itself, 256 code points at a time as they are
 * first met, for the blocks in simple_eligible(); tests/test_normalize.c compares it with
 * utf8proc_map for each of those code points alone and in pairs. */
#include "normalize.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "common.h"
#include "unicode.h"

#define CACHE_SLOTS 4096u         /* power of two */
#define CACHE_MAX_ENTRIES 2048u   /* at most half the slots in use */
#define CACHE_ARENA (128u * 1024) /* bytes for keys and values together */
#define CACHE_MAX_KEY 256u        /* longer tokens are normalized each time */

/* A simple-map table entry: the UTF-8 form of what a simple code point maps to (apostrophe rule
 * applied; a BMP code point, so at most 3 bytes), or len 0 when the code point is not simple or
 * its block is not filled in yet. Four bytes, so one load and one store copy it. */
typedef struct simple_entry {
    uint8_t b[3];
    uint8_t len;
} simple_entry;

typedef struct cache_slot {
    uint64_t hash; /* 0: empty */
    uint32_t off;  /* key at arena + off, then the value right after it */
    uint32_t klen;
    uint32_t vlen;
} cache_slot;

struct tally_normalizer {
    int case_sensitive;
    utf8proc_option_t opts;
    uint8_t *out; /* result of the last uncached normalization */
    size_t out_cap;
    utf8proc_int32_t *cps; /* code points during normalization */
    size_t cps_cap;
    uint8_t *fixed; /* the token with ill-formed sequences replaced by U+FFFD */
    size_t fixed_cap;
    cache_slot *slots;
    size_t entries;
    uint8_t *arena;
    size_t arena_len;
    /* Simple-map table over the BMP: simple[cp >> 8][cp & 0xff]. Eligible blocks point at
     * unfilled_block until they are filled into a block of their own (owned), the others at
     * no_block. */
    const simple_entry *simple[256];
};

static const simple_entry no_block[256], unfilled_block[256]; /* all len 0 */

/* The BMP blocks of 256 code points that may hold simple code points: Latin-1 to NKo (the two-byte
 * UTF-8 range), Latin and Greek Extended Additional, CJK punctuation and kana, the CJK Unified
 * Ideographs, and the halfwidth and fullwidth forms. */
static int simple_eligible(unsigned blk)
{
    return blk < 0x08 || blk == 0x1e || blk == 0x1f || blk == 0x30 ||
           (blk >= 0x4e && blk <= 0x9f) || blk == 0xff;
}

tally_normalizer *tally__norm_new(int case_sensitive)
{
    tally_normalizer *n = tally_xcalloc(1, sizeof *n);
    n->case_sensitive = case_sensitive;
    n->opts = UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_IGNORE;
    if (!case_sensitive)
        n->opts |= UTF8PROC_CASEFOLD;
    n->out_cap = 256;
    n->out = tally_xmalloc(n->out_cap);
    n->cps_cap = 256;
    n->cps = tally_xmalloc(n->cps_cap * sizeof *n->cps);
    n->slots = tally_xcalloc(CACHE_SLOTS, sizeof *n->slots);
    n->arena = tally_xmalloc(CACHE_ARENA);
    for (unsigned b = 0; b < 256; b++)
        n->simple[b] = simple_eligible(b) ? unfilled_block : no_block;
    return n;
}

void tally__norm_free(tally_normalizer *n)
{
    if (!n)
        return;
    free(n->out);
    free(n->cps);
    free(n->fixed);
    free(n->slots);
    free(n->arena);
    for (unsigned b = 0; b < 256; b++)
        if (n->simple[b] != no_block && n->simple[b] != unfilled_block)
            free((void *)n->simple[b]);
    free(n);
}

static void reserve_out(tally_normalizer *n, size_t need)
{
    if (need > n->out_cap) {
        while (n->out_cap < need)
            n->out_cap *= 2;
        free(n->out);
        n->out = tally_xmalloc(n->out_cap);
    }
}

static uint64_t hash_bytes(const uint8_t *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ s[i]) * 0x100000001b3u;
    return h | 1; /* 0 marks an empty slot */
}

/* Returns s with every maximal ill-formed subsequence replaced by U+FFFD (s itself when it is
 * well-formed); *outlen gets the new length. */
static const uint8_t *repair_utf8(tally_normalizer *n, const uint8_t *s, size_t len, size_t *outlen)
{
    size_t i = 0;
    uint32_t cp;
    int bad = 0;
    while (i < len) {
        i += tally__utf8_decode(s + i, len - i, &cp, &bad);
        if (bad)
            break;
    }
    *outlen = len;
    if (!bad)
        return s;
    if (n->fixed_cap < 3 * len) { /* each bad byte becomes at most 3 bytes */
        free(n->fixed);
        n->fixed_cap = 3 * len;
        n->fixed = tally_xmalloc(n->fixed_cap);
    }
    size_t o = 0;
    for (i = 0; i < len;) {
        size_t l = tally__utf8_decode(s + i, len - i, &cp, &bad);
        if (bad)
            o += tally__utf8_encode(0xfffd, n->fixed + o);
        else {
            memcpy(n->fixed + o, s + i, l);
            o += l;
        }
        i += l;
    }
    *outlen = o;
    return n->fixed;
}

/* Normalizes a token that holds a non-ASCII byte into n->out; returns the length. */
static size_t normalize_unicode(tally_normalizer *n, const uint8_t *s, size_t len)
{
    size_t srclen;
    const uint8_t *src = repair_utf8(n, s, len, &srclen);
    utf8proc_ssize_t r;
    for (;;) {
        r = utf8proc_decompose_custom(src, (utf8proc_ssize_t)srclen, n->cps,
                                      (utf8proc_ssize_t)n->cps_cap, n->opts, NULL, NULL);
        if (r < 0 || (size_t)r <= n->cps_cap)
            break;
        /* Too small: r is the size needed. */
        free(n->cps);
        n->cps_cap = (size_t)r;
        n->cps = tally_xmalloc(n->cps_cap * sizeof *n->cps);
    }
    if (r >= 0)
        r = utf8proc_normalize_utf32(n->cps, r, n->opts);
    if (r < 0) {
        /* Cannot happen for well-formed input with these options; keep the text as it is. */
        reserve_out(n, srclen);
        memcpy(n->out, src, srclen);
        return srclen;
    }
    reserve_out(n, 4 * (size_t)r);
    size_t o = 0;
    for (utf8proc_ssize_t i = 0; i < r; i++) {
        uint32_t c = (uint32_t)n->cps[i];
        if (c == 0x2018 || c == 0x2019 || c == 0x02bc || c == 0xff07)
            c = '\'';
        o += tally__utf8_encode(c, n->out + o);
    }
    return o;
}

static int letter_or_number(utf8proc_int32_t c)
{
    switch (utf8proc_get_property(c)->category) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return 1;
    default:
        return 0;
    }
}

static int hangul(utf8proc_int32_t c)
{
    return (c >= 0x1100 && c <= 0x11ff) || (c >= 0x3130 && c <= 0x318f) ||
           (c >= 0xa960 && c <= 0xa97f) || (c >= 0xac00 && c <= 0xd7ff) ||
           (c >= 0xffa0 && c <= 0xffdc);
}

/* A starter that nothing before it can compose with (see the header comment). */
static int isolated_starter(utf8proc_int32_t c)
{
    return utf8proc_get_property(c)->combining_class == 0 && letter_or_number(c) && !hangul(c);
}

/* The simple-map table entry for cp, a non-ASCII BMP scalar value: see the header comment. */
static simple_entry make_entry(const tally_normalizer *n, uint32_t cp)
{
    simple_entry e = {{0, 0, 0}, 0};
    if (!isolated_starter((utf8proc_int32_t)cp))
        return e;
    uint8_t u[4];
    utf8proc_int32_t cps[8];
    size_t ul = tally__utf8_encode(cp, u);
    utf8proc_ssize_t r = utf8proc_decompose_custom(u, (utf8proc_ssize_t)ul, cps, 8, n->opts, NULL,
                                                   NULL);
    if (r < 1 || r > 8 || !isolated_starter(cps[0]))
        return e;
    r = utf8proc_normalize_utf32(cps, r, n->opts);
    if (r != 1 || cps[0] > 0xffff)
        return e;
    uint32_t m = (uint32_t)cps[0];
    if (m == 0x2018 || m == 0x2019 || m == 0x02bc || m == 0xff07)
        m = '\'';
    e.len = (uint8_t)tally__utf8_encode(m, u);
    memcpy(e.b, u, e.len);
    return e;
}

/* Gives the eligible block that holds cp, which is still unfilled_block, a table of its own and
 * returns cp's entry. */
static __attribute__((noinline)) simple_entry simple_fill(tally_normalizer *n, uint32_t cp)
{
    simple_entry *blk = tally_xmalloc(256 * sizeof *blk);
    uint32_t base = cp & ~0xffu;
    for (unsigned k = 0; k < 256; k++)
        blk[k] = base + k < 0x80 ? no_block[0] : make_entry(n, base + k);
    n->simple[cp >> 8] = blk;
    return blk[cp & 0xff];
}

/* Normalizes s[0,len) into out (room for 2 * len + 4 bytes) one code point at a time when every
 * code point of it is ASCII or simple; returns the length, or SIZE_MAX when it is not so (or s
 * is ill-formed). */
static size_t normalize_simple(tally_normalizer *n, const uint8_t *s, size_t len, uint8_t *out)
{
    const uint8_t fold = n->case_sensitive ? 0 : 32;
    size_t i = 0, o = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            out[o++] = (uint8_t)(c + ((uint8_t)(c - 'A') < 26 ? fold : 0));
            i++;
            continue;
        }
        uint32_t cp;
        if (c - 0xc2u < 0x1eu && i + 1 < len && (s[i + 1] & 0xc0) == 0x80) {
            cp = ((c & 0x1fu) << 6) | (s[i + 1] & 0x3fu);
            i += 2;
        } else if (c - 0xe0u < 0x10u && i + 2 < len && (s[i + 1] & 0xc0) == 0x80 &&
                   (s[i + 2] & 0xc0) == 0x80) {
            cp = ((c & 0x0fu) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3fu);
            if (cp < 0x800) /* overlong; surrogates are in no eligible block */
                return SIZE_MAX;
            i += 3;
        } else {
            return SIZE_MAX;
        }
        simple_entry e = n->simple[cp >> 8][cp & 0xff];
        if (!e.len) {
            if (n->simple[cp >> 8] != unfilled_block)
                return SIZE_MAX;
            e = simple_fill(n, cp);
            if (!e.len)
                return SIZE_MAX;
        }
        memcpy(out + o, &e, 4); /* the fourth byte is overwritten next, or lies past the end */
        o += e.len;
    }
    return o;
}

static void cache_clear(tally_normalizer *n)
{
    memset(n->slots, 0, CACHE_SLOTS * sizeof *n->slots);
    n->entries = 0;
    n->arena_len = 0;
}

#define ONES 0x0101010101010101u

/* v with 0x20 added to each byte 'A'..'Z', when every byte of v is below 0x80 (each byte is
 * handled on its own: no sum below carries into the next byte). */
static inline uint64_t lower8(uint64_t v)
{
    uint64_t ge_a = v + ONES * (0x80 - 'A');     /* top bit: byte >= 'A' */
    uint64_t gt_z = v + ONES * (0x80 - 'Z' - 1); /* top bit: byte > 'Z' */
    return v | ((ge_a & ~gt_z & ONES * 0x80) >> 2);
}

/* s[0,k), 0 < k < 8, as the first k bytes of a word in memory order; the others are 0. */
static inline uint64_t load_tail(const uint8_t *s, size_t k)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (k >= 4) { /* two overlapping 4-byte loads */
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + k - 4, 4);
        return a | ((uint64_t)b << (8 * (k - 4)));
    }
    return s[0] | ((uint64_t)s[k >> 1] << (8 * (k >> 1))) | ((uint64_t)s[k - 1] << (8 * (k - 1)));
#else
    uint64_t v = 0;
    memcpy(&v, s, k);
    return v;
#endif
}

const uint8_t *tally__norm_token(tally_normalizer *n, const uint8_t *s, size_t len, size_t *outlen)
{
    /* Each input byte gives at most two output bytes in normalize_simple: a two-byte code point
     * maps to at most three (simple maps stay in the BMP), a three-byte one to at most three.
     * The ASCII loop below writes whole words. */
    reserve_out(n, 2 * len + 8);
    if (n->case_sensitive) {
        size_t i = 0;
        while (i < len && s[i] < 0x80)
            i++;
        if (i == len) {
            *outlen = len;
            return s;
        }
    } else {
        /* Lower-case eight bytes at a time while checking that the token is ASCII. */
        uint8_t *o = n->out;
        uint64_t v = 0;
        size_t i = 0;
        if (len && s[0] >= 0x80)
            goto unicode;
        for (; i + 8 <= len; i += 8) {
            memcpy(&v, s + i, 8);
            if (v & ONES * 0x80)
                goto unicode;
            v = lower8(v);
            memcpy(o + i, &v, 8);
        }
        if (i < len) {
            v = load_tail(s + i, len - i);
            if (v & ONES * 0x80)
                goto unicode;
            v = lower8(v);
            memcpy(o + i, &v, 8);
        }
        *outlen = len;
        return o;
    }
unicode:;
    size_t simple_len = normalize_simple(n, s, len, n->out);
    if (simple_len != SIZE_MAX) {
        *outlen = simple_len;
        return n->out;
    }
    if (len > CACHE_MAX_KEY) {
        *outlen = normalize_unicode(n, s, len);
        return n->out;
    }
    uint64_t h = hash_bytes(s, len);
    size_t k = (size_t)h & (CACHE_SLOTS - 1);
    for (cache_slot *sl = &n->slots[k]; sl->hash; sl = &n->slots[k = (k + 1) & (CACHE_SLOTS - 1)]) {
        if (sl->hash == h && sl->klen == len && memcmp(n->arena + sl->off, s, len) == 0) {
            *outlen = sl->vlen;
            return n->arena + sl->off + sl->klen;
        }
    }
    size_t vlen = normalize_unicode(n, s, len);
    *outlen = vlen;
    if (len + vlen > CACHE_ARENA)
        return n->out;
    if (n->entries >= CACHE_MAX_ENTRIES || n->arena_len + len + vlen > CACHE_ARENA) {
        cache_clear(n);
        k = (size_t)h & (CACHE_SLOTS - 1);
    }
    while (n->slots[k].hash)
        k = (k + 1) & (CACHE_SLOTS - 1);
    cache_slot *sl = &n->slots[k];
    sl->hash = h;
    sl->off = (uint32_t)n->arena_len;
    sl->klen = (uint32_t)len;
    sl->vlen = (uint32_t)vlen;
    memcpy(n->arena + n->arena_len, s, len);
    memcpy(n->arena + n->arena_len + len, n->out, vlen);
    n->arena_len += len + vlen;
    n->entries++;
    return n->arena + sl->off + len;
}
