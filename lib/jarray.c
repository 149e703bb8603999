/* jarray.c — the streaming cutter for a JSON array of documents (see jarray.h for the rules).
 *
 * One loop over the bytes, with the whole state in a few integers so that a piece can end
 * anywhere: inside a string, right after a '\\', between an element's last byte and its comma.
 * The state is copied into locals for the loop and written back at the end of each feed. */
#include "jarray.h"

enum {
    ST_BEFORE, /* before the '[' */
    ST_FIRST,  /* right after the '[': a ']' closes an empty array */
    ST_NEXT,   /* after a ',': a value must come */
    ST_ELEM,   /* inside an element */
    ST_AFTER,  /* after the closing ']': only whitespace may follow */
    ST_DEAD,   /* after a fatal error or tally__jarray_finish */
};

/* byte classes outside strings */
enum { C_PLAIN, C_WS, C_LF, C_QUOTE, C_BSL, C_OPEN, C_CLOSE_OBJ, C_CLOSE_ARR, C_COMMA };

static const uint8_t cls[256] = {
    [' '] = C_WS,        ['\t'] = C_WS,       ['\r'] = C_WS,       ['\n'] = C_LF,
    ['"'] = C_QUOTE,     ['\\'] = C_BSL,      ['{'] = C_OPEN,      ['['] = C_OPEN,
    ['}'] = C_CLOSE_OBJ, [']'] = C_CLOSE_ARR, [','] = C_COMMA,
};

/* the bytes that end a run of ordinary bytes inside a string ('\n' only for the line count) */
static const uint8_t str_stop[256] = {['"'] = 1, ['\\'] = 1, ['\n'] = 1};

static const char M_NOT_ARRAY[] = "not a JSON array: expected '['";
static const char M_EMPTY[] = "not a JSON array: the input is empty (expected '[')";
static const char M_VALUE[] = "expected a value";
static const char M_AFTER[] = "unexpected data after the closing ']'";
static const char M_TRUNC_STRING[] = "truncated: the input ends inside a string of an element";
static const char M_TRUNC_ELEM[] = "truncated: the input ends inside an element";
static const char M_TRUNC_ARRAY[] = "truncated: the input ends before the array's closing ']'";

static void emit(tally_ja_cb cb, void *ctx, int kind, uint64_t start, uint64_t end, uint64_t line,
                 const char *message)
{
    tally_ja_event e = {.kind = kind, .start = start, .end = end, .line = line, .message = message};
    cb(ctx, &e);
}

void tally__jarray_init(tally_jarray *a, uint64_t offset)
{
    *a = (tally_jarray){.pos = offset, .line = 1, .state = ST_BEFORE};
}

int tally__jarray_feed(tally_jarray *a, const uint8_t *p, size_t n, tally_ja_cb cb, void *ctx)
{
    if (a->state == ST_DEAD)
        return 1;
    const uint64_t base = a->pos; /* offset of p[0] */
    uint64_t line = a->line, depth = a->depth, last_end = a->last_end;
    int state = a->state, in_string = a->in_string, escape = a->escape, dead = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        int k = cls[p[i]];
        /* an LF is never where an event happens, so the count can move first */
        if (k == C_LF)
            line++;
        switch (state) {
        case ST_ELEM:
            if (in_string) {
                if (escape) {
                    escape = 0;
                } else if (k == C_QUOTE) {
                    in_string = 0;
                    last_end = base + i + 1;
                } else if (k == C_BSL) {
                    escape = 1;
                } else {
                    /* the text of a document is most of the input: skip it in one run */
                    while (i + 1 < n && !str_stop[p[i + 1]])
                        i++;
                }
                continue;
            }
            switch (k) {
            case C_WS:
            case C_LF:
                continue;
            case C_QUOTE:
                in_string = 1;
                break;
            case C_OPEN:
                depth++;
                break;
            case C_CLOSE_OBJ:
                /* at the top level it stays a byte of the element (see jarray.h) */
                if (depth)
                    depth--;
                break;
            case C_CLOSE_ARR:
                if (depth) {
                    depth--;
                    break;
                }
                emit(cb, ctx, TALLY_JA_ELEMENT, a->start, last_end, a->start_line, NULL);
                state = ST_AFTER;
                a->closed = 1;
                continue;
            case C_COMMA:
                if (depth)
                    break;
                emit(cb, ctx, TALLY_JA_ELEMENT, a->start, last_end, a->start_line, NULL);
                state = ST_NEXT;
                continue;
            default:
                break;
            }
            last_end = base + i + 1;
            continue;
        case ST_FIRST:
        case ST_NEXT:
            switch (k) {
            case C_WS:
            case C_LF:
                continue;
            case C_CLOSE_ARR:
                if (state == ST_NEXT)
                    emit(cb, ctx, TALLY_JA_ERROR, base + i, base + i, line, M_VALUE);
                state = ST_AFTER;
                a->closed = 1;
                continue;
            case C_COMMA:
                emit(cb, ctx, TALLY_JA_ERROR, base + i, base + i, line, M_VALUE);
                state = ST_NEXT;
                continue;
            default:
                /* the first byte of an element; it cannot close anything */
                state = ST_ELEM;
                a->start = base + i;
                a->start_line = line;
                in_string = k == C_QUOTE;
                escape = 0;
                depth = k == C_OPEN;
                last_end = base + i + 1;
                continue;
            }
        case ST_BEFORE:
            if (k == C_WS || k == C_LF)
                continue;
            if (p[i] == '[') {
                state = ST_FIRST;
                continue;
            }
            emit(cb, ctx, TALLY_JA_ERROR, base + i, base + i, line, M_NOT_ARRAY);
            dead = 1;
            break;
        case ST_AFTER:
            if (k == C_WS || k == C_LF)
                continue;
            emit(cb, ctx, TALLY_JA_ERROR, base + i, base + i, line, M_AFTER);
            a->closed = 0;
            dead = 1;
            break;
        }
        if (dead)
            break;
    }
    a->pos = base + i;
    a->line = line;
    a->depth = depth;
    a->last_end = last_end;
    a->state = dead ? ST_DEAD : state;
    a->in_string = in_string;
    a->escape = escape;
    return dead;
}

void tally__jarray_finish(tally_jarray *a, tally_ja_cb cb, void *ctx)
{
    const char *m = NULL;
    switch (a->state) {
    case ST_BEFORE:
        m = M_EMPTY;
        break;
    case ST_FIRST:
    case ST_NEXT:
        m = M_TRUNC_ARRAY;
        break;
    case ST_ELEM:
        m = a->in_string ? M_TRUNC_STRING : M_TRUNC_ELEM;
        break;
    default:
        break;
    }
    if (m)
        emit(cb, ctx, TALLY_JA_ERROR, a->pos, a->pos, a->line, m);
    a->state = ST_DEAD;
}

uint64_t tally__jarray_open_start(const tally_jarray *a)
{
    return a->state == ST_ELEM ? a->start : UINT64_MAX;
}

int tally__jarray_closed(const tally_jarray *a)
{
    return a->closed;
}
