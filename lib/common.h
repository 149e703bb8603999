/* common.h — small helpers shared by every module: the allocation wrappers that abort on
 * out-of-memory, the error record, and a growable byte buffer. */
#ifndef TALLY_COMMON_H
#define TALLY_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "tally.h"

/* Allocation that never returns NULL: on failure prints "tally: out of memory" and aborts. */
void *tally_xmalloc(size_t n);
void *tally_xcalloc(size_t count, size_t size);
void *tally_xrealloc(void *p, size_t n);
char *tally_xstrdup(const char *s);
char *tally_xstrndup(const char *s, size_t n);

/* Fills err (which may be NULL) with code, line, offset and a printf-style message; returns code. */
int tally__seterr(tally_error *err, int code, uint64_t line, uint64_t offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Returns a new copy of s in which every maximal ill-formed UTF-8 subsequence is U+FFFD. */
char *tally__utf8_sanitize(const char *s);

/* One sparse accumulator entry: an id with its count and document frequency. The matcher hands
 * a batch's counts over in this form and the summary adds them. */
typedef struct tally_idcount {
    uint32_t id;
    uint32_t docs;
    uint64_t count;
} tally_idcount;

/* A growable byte buffer. Embedded: _init/_cleanup. */
typedef struct tally_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} tally_buf;

void tally__buf_init(tally_buf *b);
void tally__buf_cleanup(tally_buf *b);
/* Makes room for at least extra more bytes after len. */
void tally__buf_reserve(tally_buf *b, size_t extra);
void tally__buf_append(tally_buf *b, const void *p, size_t n);

#endif
