/* jarray.h — a streaming cutter for a JSON array of documents: `[{"id":1,"text":"…"}, …]`, the
 * other common export shape beside JSON Lines. It finds where each element of the top-level array
 * begins and ends, byte by byte, across any split of the input into pieces, with constant memory;
 * it does not validate the elements (the JSON Lines scanner lib/jsonl.c does that, element by
 * element, on the bytes this cutter points at).
 *
 * The rules (JSON whitespace is space, tab, LF and CR only):
 *   - before the array: whitespace, then '['; anything else is a fatal ERROR;
 *   - an element runs from its first non-whitespace byte to the last non-whitespace byte before
 *     the ',' or ']' that closes it, at the element's top level and outside strings. Inside a
 *     string ('"' to '"'), '\\' escapes the next byte, whatever it is;
 *   - nesting is one counter ('{' and '[' count up, '}' and ']' count down), not a stack, so
 *     memory stays constant at any depth. The counter never goes below the element's top level:
 *     a '}' there is just a byte of the element (`[}]` gives the element `}`), and a ']' there
 *     closes the array. So a closing bracket can never hide the array's end, but a mismatched one
 *     inside an element can pair with the wrong opener: `[{"a":1]]` gives the element `{"a":1]`
 *     and ends at the second ']'. Either way the element's bytes are invalid JSON and the strict
 *     scanner rejects them; the cut points are only as good as the input;
 *   - `[]` and `[ ]` have no element. An empty element (`[,1]`, `[1,,2]`, `[1,]`) is an ERROR
 *     "expected a value" at the ',' or ']', and the cutter goes on;
 *   - after the closing ']' only whitespace may follow; anything else is a fatal ERROR.
 * Line numbers count LF bytes everywhere, inside strings and elements too. */
#ifndef TALLY_JARRAY_H
#define TALLY_JARRAY_H

#include <stddef.h>
#include <stdint.h>

/* Embedded by the caller (no allocation); every field is private to lib/jarray.c. */
typedef struct tally_jarray {
    uint64_t pos;        /* absolute offset of the next byte to be fed */
    uint64_t line;       /* 1-based line of the next byte */
    uint64_t depth;      /* nesting inside the open element; 0 = its top level */
    uint64_t start;      /* the open element's first byte */
    uint64_t start_line; /* ... and its line */
    uint64_t last_end;   /* one past the open element's last non-whitespace byte so far */
    int state;           /* where we are (lib/jarray.c's enum) */
    int in_string;       /* inside a string of the open element */
    int escape;          /* the previous byte was a '\\' inside a string */
    int closed;          /* the closing ']' was seen */
} tally_jarray;

enum tally_ja_kind { TALLY_JA_ELEMENT = 1, TALLY_JA_ERROR = 2 };

typedef struct tally_ja_event {
    int kind;            /* enum tally_ja_kind */
    uint64_t start, end; /* ELEMENT: absolute offsets [start,end) of the element, first to last
                          * non-whitespace byte. ERROR: start = offset of the fault, end = start */
    uint64_t line;       /* 1-based physical line of start */
    const char *message; /* ERROR: the reason, a static string; ELEMENT: NULL */
} tally_ja_event;

/* Called for each event; e is borrowed for the duration of the call. */
typedef void (*tally_ja_cb)(void *ctx, const tally_ja_event *e);

/* offset: absolute offset of the first byte that will be fed (the caller may start past a byte
 * order mark); line numbers start at 1 there. */
void tally__jarray_init(tally_jarray *a, uint64_t offset);

/* Feeds the next n bytes of the stream (p may be NULL when n is 0). Calls cb for each event, in
 * stream order; an element is reported when its closing ',' or ']' is fed, so its bytes are all
 * in this piece or in bytes the caller kept (see tally__jarray_open_start). Returns 0 while the
 * caller should go on feeding, 1 once the stream is over: after a fatal error, or after
 * tally__jarray_finish. After the closing ']' it still returns 0, because the bytes that follow
 * must be checked to be whitespace (tally__jarray_closed says the array is complete). Allocates
 * nothing. */
int tally__jarray_feed(tally_jarray *a, const uint8_t *p, size_t n, tally_ja_cb cb, void *ctx);

/* End of the stream: reports an ERROR at the end offset when the array was never opened (empty
 * or whitespace-only input) or not closed (truncated); an element that was open is not reported.
 * Nothing is reported after a fatal error. Later feeds return 1. */
void tally__jarray_finish(tally_jarray *a, tally_ja_cb cb, void *ctx);

/* The absolute offset where the element being read started, or UINT64_MAX between elements (and
 * before and after the array): the caller must keep bytes from there on, and may drop all bytes
 * before it. */
uint64_t tally__jarray_open_start(const tally_jarray *a);

/* 1 once the array's closing ']' has been fed (and no fatal error came after it). */
int tally__jarray_closed(const tally_jarray *a);

#endif
