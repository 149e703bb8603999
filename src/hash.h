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

static inline uint64_t tally__load_le(const uint8_t *p, size_t n)
{
    /* n is 1..8; reads exactly n bytes (never past the end) */
    uint64_t v = 0;
    if (n == 8) {
        memcpy(&v, p, 8);
        return v;
    }
    memcpy(&v, p, n);
    return v;
}

static inline uint64_t tally__hash(const uint8_t *p, size_t n)
{
    const uint64_t k0 = 0x9E3779B97F4A7C15ull, k1 = 0xC2B2AE3D27D4EB4Full;
    uint64_t h = k1 ^ (n * k0);
    while (n > 8) {
        h = tally__mix64(h ^ tally__load_le(p, 8), k0);
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
