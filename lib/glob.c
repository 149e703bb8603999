/* glob.c — glob patterns for folder walks (see glob.h). Matching never backtracks more than a
 * '*' at a time within a path component (the last '*' seen absorbs whatever an earlier one
 * could, since neither crosses a '/'), and '**' components recurse only at '/' boundaries, so a
 * pattern costs time polynomial in the path's length, never exponential. */
#include "glob.h"

#include <string.h>

#include "common.h"

#define NONE ((size_t)-1)

/* Length of the UTF-8 sequence that starts with byte c (1 for anything ill-formed). */
static size_t cp_len(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    size_t k = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : 1;
    if (k > n)
        return 1;
    for (size_t i = 1; i < k; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            return 1;
    return k;
}

/* The code point at s (ill-formed bytes stand for themselves, as 0xDC80 + byte would; here the
 * byte value is enough for ranges of well-formed text). */
static unsigned long cp_at(const char *s, size_t k)
{
    const unsigned char *u = (const unsigned char *)s;
    if (k == 1)
        return u[0];
    unsigned long v = u[0] & (0x7F >> k);
    for (size_t i = 1; i < k; i++)
        v = (v << 6) | (u[i] & 0x3F);
    return v;
}

/* Reads one pattern character of a set at p (an escape or a code point); returns its length. */
static size_t set_char(const char *p, size_t n, unsigned long *cp)
{
    if (p[0] == '\\' && n > 1) {
        size_t k = cp_len(p + 1, n - 1);
        *cp = cp_at(p + 1, k);
        return k + 1;
    }
    size_t k = cp_len(p, n);
    *cp = cp_at(p, k);
    return k;
}

/* Length of the set that starts with '[' at p, or 0 when it is not closed. */
static size_t set_len(const char *p, size_t n)
{
    size_t i = 1;
    if (i < n && (p[i] == '!' || p[i] == '^'))
        i++;
    if (i < n && p[i] == ']')
        i++;
    while (i < n && p[i] != ']') {
        unsigned long cp;
        i += set_char(p + i, n - i, &cp);
    }
    return i < n ? i + 1 : 0;
}

static int set_match(const char *p, size_t len, unsigned long c)
{
    size_t i = 1, end = len - 1;
    int neg = 0, hit = 0;
    if (p[i] == '!' || p[i] == '^')
        neg = 1, i++;
    int first = 1;
    while (i < end && (first || p[i] != ']')) {
        first = 0;
        unsigned long lo, hi;
        i += set_char(p + i, end - i, &lo);
        hi = lo;
        if (i + 1 < end && p[i] == '-') {
            i++;
            i += set_char(p + i, end - i, &hi);
        }
        if (c >= lo && c <= hi)
            hit = 1;
    }
    return hit != neg;
}

/* Matches a pattern without '**' components against s; '*' and '?' never take a '/'. */
static int match_simple(const char *p, size_t pn, const char *s, size_t sn)
{
    size_t pi = 0, si = 0, star_p = NONE, star_s = 0;
    while (si < sn) {
        if (pi < pn) {
            char c = p[pi];
            if (c == '*') {
                while (pi < pn && p[pi] == '*')
                    pi++;
                star_p = pi;
                star_s = si;
                continue;
            }
            size_t sk = cp_len(s + si, sn - si);
            if (c == '?' && s[si] != '/') {
                pi++;
                si += sk;
                continue;
            }
            if (c == '[') {
                size_t l = set_len(p + pi, pn - pi);
                if (l && s[si] != '/' && set_match(p + pi, l, cp_at(s + si, sk))) {
                    pi += l;
                    si += sk;
                    continue;
                }
            } else if (c == '\\' && pi + 1 < pn) {
                if (p[pi + 1] == s[si]) {
                    pi += 2;
                    si++;
                    continue;
                }
            } else if (c != '?' && c == s[si]) {
                pi++;
                si++;
                continue;
            }
        }
        if (star_p != NONE && star_s < sn && s[star_s] != '/') {
            star_s += cp_len(s + star_s, sn - star_s);
            si = star_s;
            pi = star_p;
            continue;
        }
        return 0;
    }
    while (pi < pn && p[pi] == '*')
        pi++;
    return pi == pn;
}

/* Offset of the first '**' that is a whole component of p[0,pn), or NONE. */
static size_t find_globstar(const char *p, size_t pn)
{
    for (size_t i = 0; i + 1 < pn; i++) {
        if (p[i] == '\\') {
            i++;
            continue;
        }
        if (p[i] == '[') {
            size_t l = set_len(p + i, pn - i);
            if (l) {
                i += l - 1;
                continue;
            }
        }
        if (p[i] == '*' && p[i + 1] == '*' && (i == 0 || p[i - 1] == '/') && (i + 2 == pn || p[i + 2] == '/'))
            return i;
    }
    return NONE;
}

static int match_path(const char *p, size_t pn, const char *s, size_t sn)
{
    size_t g = find_globstar(p, pn);
    if (g == NONE)
        return match_simple(p, pn, s, sn);
    /* p = A '**' rest: A (empty or ending in '/') takes a prefix of s that ends at a '/' */
    const char *rest = p + g + 2;
    size_t rn = pn - g - 2;
    for (size_t i = 0; i <= sn; i++) {
        if (g > 0 && (i == 0 || s[i - 1] != '/'))
            continue;
        if (g > 0 && !match_simple(p, g, s, i))
            continue;
        if (rn == 0)
            return i < sn || g == 0; /* 'a/' + '**' needs something below a/ */
        /* rest = '/' B: B takes a suffix of s that starts at i or after a '/' */
        for (size_t j = i; j <= sn; j++) {
            if (j > i && s[j - 1] != '/')
                continue;
            if (match_path(rest + 1, rn - 1, s + j, sn - j))
                return 1;
        }
        if (g == 0)
            break;
    }
    return 0;
}

int tally__glob_check(const char *pat, tally_error *err)
{
    size_t n = strlen(pat);
    if (n == 0)
        return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "empty glob");
    for (size_t i = 0; i < n; i++) {
        if (pat[i] == '\\') {
            if (i + 1 == n)
                return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "glob '%s' ends with a lone '\\'", pat);
            i++;
        } else if (pat[i] == '[') {
            size_t l = set_len(pat + i, n - i);
            if (!l)
                return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "glob '%s' has an unclosed '['", pat);
            i += l - 1;
        }
    }
    return 0;
}

int tally__glob_match(const char *pat, const char *path)
{
    size_t pn = strlen(pat);
    if (pat[0] == '/')
        return match_path(pat + 1, pn - 1, path, strlen(path));
    int has_slash = 0;
    for (size_t i = 0; i < pn; i++) {
        if (pat[i] == '\\')
            i++;
        else if (pat[i] == '/')
            has_slash = 1;
    }
    if (has_slash)
        return match_path(pat, pn, path, strlen(path));
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return match_simple(pat, pn, base, strlen(base));
}
