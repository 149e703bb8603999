/* hash.h — the one string hash used by the dictionary tables and the matcher: 8 bytes at a time,
 * multiply-and-fold mixing, seeded, so short tokens hash in a few instructions. */
#ifndef TALLY_HASH_H
#define TALLY_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t tally__mix64(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* Returns p[0,n) (n = 1..8) as a little-endian word with the unused high bytes zero, using
 * fixed-size loads only (a variable-length memcpy would be a library call on the hot path) and
 * never reading past p[n-1]. */
static inline uint64_t tally__load_le(const uint8_t *p, size_t n)
{
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        return (uint64_t)a | (((uint64_t)b >> (8 * (8 - n))) << 32);
    }
    uint64_t v = p[0];
    if (n > 1)
        v |= (uint64_t)p[1] << 8;
    if (n > 2)
        v |= (uint64_t)p[2] << 16;
    return v;
}

/* The hash of a string of n = 1..8 bytes given as tally__load_le(p, n) would return it: equal
 * to tally__hash(p, n), for callers that already hold the bytes in a register. */
static inline uint64_t tally__hash_word(uint64_t v, size_t n)
{
    const uint64_t k0 = 0x9E3779B97F4A7C15ull, k1 = 0xC2B2AE3D27D4EB4Full;
    return tally__mix64(tally__mix64((k1 ^ (n * k0)) ^ v, k0), k1);
}

static inline uint64_t tally__hash(const uint8_t *p, size_t n)
{
    const uint64_t k0 = 0x9E3779B97F4A7C15ull, k1 = 0xC2B2AE3D27D4EB4Full;
    uint64_t h = k1 ^ (n * k0);
    while (n > 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = tally__mix64(h ^ w, k0);
        p += 8;
        n -= 8;
    }
    if (n)
        h = tally__mix64(h ^ tally__load_le(p, n), k0);
    return tally__mix64(h, k1);
}

static inline uint64_t tally__hash_u64(uint64_t x)
{
    return tally__mix64(x ^ 0x9E3779B97F4A7C15ull, 0xC2B2AE3D27D4EB4Full);
}

#endif
