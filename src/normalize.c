/* normalize.c — token normalization for matching: NFKC_Casefold (or NFKC without case folding)
 * through utf8proc, default-ignorables removed, apostrophe variants unified to U+0027.
 *
 * ASCII tokens never reach utf8proc: lower-casing is all NFKC_Casefold does to them. Non-ASCII
 * tokens go through utf8proc_decompose_custom + utf8proc_normalize_utf32 (exactly what
 * utf8proc_map does, with the options of utf8proc_NFKC_Casefold) into buffers the normalizer owns,
 * and the results are remembered in a bounded cache: an open-addressing table whose keys and
 * values live in one arena. When the table or the arena is full, everything is dropped at once, so
 * memory stays bounded and the steady state allocates nothing. */
#include "normalize.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "common.h"
#include "unicode.h"

#define CACHE_SLOTS 8192u         /* power of two */
#define CACHE_MAX_ENTRIES 4096u   /* at most half the slots in use */
#define CACHE_ARENA (512u * 1024) /* bytes for keys and values together */
#define CACHE_MAX_KEY 256u        /* longer tokens are normalized each time */

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
};

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

static void cache_clear(tally_normalizer *n)
{
    memset(n->slots, 0, CACHE_SLOTS * sizeof *n->slots);
    n->entries = 0;
    n->arena_len = 0;
}

const uint8_t *tally__norm_token(tally_normalizer *n, const uint8_t *s, size_t len, size_t *outlen)
{
    if (n->case_sensitive) {
        size_t i = 0;
        while (i < len && s[i] < 0x80)
            i++;
        if (i == len) {
            *outlen = len;
            return s;
        }
    } else {
        /* Lower-case while checking that the token is ASCII. */
        reserve_out(n, len);
        uint8_t *o = n->out, high = 0;
        for (size_t i = 0; i < len; i++) {
            uint8_t c = s[i];
            high |= c;
            o[i] = (uint8_t)(c + ((uint8_t)(c - 'A') < 26 ? 32 : 0));
        }
        if (!(high & 0x80)) {
            *outlen = len;
            return o;
        }
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
