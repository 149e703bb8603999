/* fuzz_util.h — helpers shared by the libFuzzer targets in tests/fuzz/: a failed-check macro
 * that prints and aborts (so libFuzzer saves the input), a cursor that takes control bytes off
 * the fuzz input, and an independent strict UTF-8 decoder (maximal subparts, Unicode ch. 3,
 * Table 3-7) plus the White_Space list, written without the project's tables so the targets can
 * check the tokenizer against the Standard rather than against itself. */
#ifndef TALLY_FUZZ_UTIL_H
#define TALLY_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                                                   \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);            \
            fprintf(stderr, __VA_ARGS__);                                                       \
            fputc('\n', stderr);                                                                \
            abort();                                                                            \
        }                                                                                       \
    } while (0)

/* Control bytes taken from the front of the input; zeros once it is used up. */
typedef struct fz_cursor {
    const uint8_t *p;
    size_t n;
} fz_cursor;

static inline unsigned fz_byte(fz_cursor *c)
{
    if (!c->n)
        return 0;
    c->n--;
    return *c->p++;
}

static inline unsigned fz_u16(fz_cursor *c)
{
    unsigned a = fz_byte(c);
    return a | fz_byte(c) << 8;
}

/* Decodes one code point from p[0,n) (n >= 1). Ill-formed input gives U+FFFD, sets *bad and
 * consumes one maximal subpart: the longest prefix of a well-formed sequence that is present,
 * or else one byte. */
static inline size_t fz_utf8(const uint8_t *p, size_t n, uint32_t *cp, int *bad)
{
    uint8_t b = p[0];
    *bad = 0;
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t need;
    uint8_t lo = 0x80, hi = 0xBF;
    uint32_t c;
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1, c = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2, c = b & 0x0F;
        if (b == 0xE0)
            lo = 0xA0;
        if (b == 0xED)
            hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3, c = b & 0x07;
        if (b == 0xF0)
            lo = 0x90;
        if (b == 0xF4)
            hi = 0x8F;
    } else {
        *cp = 0xFFFD;
        *bad = 1;
        return 1;
    }
    size_t i = 1;
    for (; i <= need; i++) {
        if (i >= n || p[i] < lo || p[i] > hi) {
            *cp = 0xFFFD;
            *bad = 1;
            return i;
        }
        c = c << 6 | (p[i] & 0x3F);
        lo = 0x80, hi = 0xBF;
    }
    *cp = c;
    return i;
}

/* White_Space (PropList.txt; unchanged since Unicode 6.3). */
static inline int fz_is_ws(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* Number of maximal ill-formed subsequences in p[0,n). */
static inline uint64_t fz_count_invalid(const uint8_t *p, size_t n)
{
    uint64_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        int bad;
        i += fz_utf8(p + i, n - i, &c, &bad);
        k += (uint64_t)bad;
    }
    return k;
}

#endif
