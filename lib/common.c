/* common.c — allocation wrappers, error records and the byte buffer used across tally. */
#include "common.h"
#include "unicode.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
    fputs("tally: out of memory\n", stderr);
    abort();
}

void *tally_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *tally_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *tally_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

char *tally_xstrdup(const char *s)
{
    return tally_xstrndup(s, strlen(s));
}

char *tally_xstrndup(const char *s, size_t n)
{
    char *p = tally_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

int tally__seterr(tally_error *err, int code, uint64_t line, uint64_t offset, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    err->line = line;
    err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

void tally__buf_init(tally_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void tally__buf_cleanup(tally_buf *b)
{
    free(b->data);
    tally__buf_init(b);
}

void tally__buf_reserve(tally_buf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return;
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    b->data = tally_xrealloc(b->data, cap);
    b->cap = cap;
}

void tally__buf_append(tally_buf *b, const void *p, size_t n)
{
    tally__buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

const char *tally_strerror(int code)
{
    switch (code) {
    case TALLY_OK: return "success";
    case TALLY_EINVAL: return "invalid argument";
    case TALLY_EIO: return "input/output error";
    case TALLY_EDICT: return "invalid dictionary";
    case TALLY_ECORRUPT: return "corrupt or truncated compressed data";
    case TALLY_EJSON: return "invalid JSON";
    case TALLY_ELIMIT: return "limit exceeded";
    case TALLY_EINTR: return "interrupted";
    case TALLY_ENOENT: return "no such file or folder";
    case TALLY_EFIELD: return "missing or mistyped text field";
    default: return "unknown error";
    }
}

char *tally__utf8_sanitize(const char *s)
{
    tally_buf b;
    tally__buf_init(&b);
    const uint8_t *p = (const uint8_t *)s;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        uint32_t cp;
        int bad = 0;
        size_t l = tally__utf8_decode(p + i, n - i, &cp, &bad);
        if (bad)
            tally__buf_append(&b, "\xEF\xBF\xBD", 3);
        else
            tally__buf_append(&b, p + i, l);
        i += l;
    }
    tally__buf_append(&b, "", 1);
    return (char *)b.data;
}
