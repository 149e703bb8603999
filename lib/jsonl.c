/* jsonl.c — the JSON Lines field scanner: one pass over a line that validates it strictly
 * (RFC 8259) and picks out the text fields, the id field and the kept fields without building a
 * DOM.
 *
 * The requested paths are compiled into a small trie of object keys. While scanning, the chain of
 * open objects that still lies on some path is "live"; a key of a live object is looked up among
 * its trie node's children, and the value that follows is the target of that child. Everything
 * else is validated only. Nesting is a bit stack (1 = object, 0 = array), so depth costs one bit
 * and no recursion.
 *
 * A kept value is only delimited, never copied or decoded: a scalar's bytes are known when it is
 * read; a kept object or array is pushed on a small stack when it opens and its end is set when
 * the scanner closes that depth. Kept containers nest only along the live chain (a kept object
 * with kept paths below it is itself live), so each trie node is open at most once and the stack
 * never needs more entries than there are nodes with kept paths.
 *
 * Speed comes from the string scanners: 16 bytes at a time (SSE2) to the next byte that needs a
 * look ('"', '\\', control characters and, when decoding, bytes >= 0x80). Strings that are only
 * validated ignore bytes >= 0x80 altogether: ill-formed UTF-8 inside a string never makes a line
 * invalid, and it is counted (r->invalid_utf8) only in the text fields' strings, because the
 * count describes document text. Ids and top-level keys are decoded with U+FFFD too, uncounted. */
#include "jsonl.h"

#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && defined(__GNUC__) && !defined(TALLY_JSONL_NO_SIMD)
#include <emmintrin.h>
#define JSONL_SSE2 1
#endif

#define MAX_KEYS 64

/* The scanner is compiled twice (see scan_line); its helpers stay inlined in both copies. */
#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* ---- the compiled spec -------------------------------------------------------------------- */

struct node {
    const char *key; /* path component (NUL-terminated, owned); NULL for the root */
    size_t key_len;
    size_t parent;
    size_t *children; /* node indices */
    size_t n_children;
    size_t *fields; /* text fields whose path ends here */
    size_t n_fields;
    int is_id;
    size_t *sub_fields; /* text fields ending here or below: reset when the key occurs again */
    size_t n_sub_fields;
    int sub_id;
    size_t *keeps; /* kept paths ending here */
    size_t n_keeps;
    size_t *sub_keeps; /* kept paths ending here or below */
    size_t n_sub_keeps;
};

/* A kept object or array being scanned. */
struct tally_jopen {
    size_t depth; /* its depth once open */
    const struct node *node;
    const uint8_t *start; /* its '{' or '[' */
};

struct tally_jsonl_spec {
    struct node *nodes; /* nodes[0] is the root (the top-level object) */
    size_t n_nodes;
    size_t n_fields;
    unsigned char *primary; /* primary[i]: first field with this path (counts invalid UTF-8) */
    size_t n_keeps;
    size_t n_keep_nodes; /* nodes where a kept path ends: the most kept containers open at once */
};

static size_t *push_index(size_t *a, size_t *n, size_t v)
{
    a = tally_xrealloc(a, (*n + 1) * sizeof *a);
    a[(*n)++] = v;
    return a;
}

/* Returns the node for a dotted path, creating the missing nodes. */
static size_t add_path(tally_jsonl_spec *s, const char *path)
{
    size_t cur = 0;
    for (;;) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        size_t next = SIZE_MAX;
        struct node *c = &s->nodes[cur];
        for (size_t i = 0; i < c->n_children; i++) {
            struct node *k = &s->nodes[c->children[i]];
            if (k->key_len == n && memcmp(k->key, path, n) == 0) {
                next = c->children[i];
                break;
            }
        }
        if (next == SIZE_MAX) {
            next = s->n_nodes;
            s->nodes = tally_xrealloc(s->nodes, (s->n_nodes + 1) * sizeof *s->nodes);
            memset(&s->nodes[next], 0, sizeof s->nodes[next]);
            s->nodes[next].key = tally_xstrndup(path, n);
            s->nodes[next].key_len = n;
            s->nodes[next].parent = cur;
            s->n_nodes++;
            c = &s->nodes[cur];
            c->children = push_index(c->children, &c->n_children, next);
        }
        cur = next;
        if (!dot)
            return cur;
        path = dot + 1;
    }
}

tally_jsonl_spec *tally__jsonl_spec_new(const char *const *text_paths, size_t n, const char *id_path)
{
    return tally__jsonl_spec_new_keep(text_paths, n, id_path, NULL, 0);
}

tally_jsonl_spec *tally__jsonl_spec_new_keep(const char *const *text_paths, size_t n, const char *id_path,
                                             const char *const *keep_paths, size_t n_keep)
{
    tally_jsonl_spec *s = tally_xcalloc(1, sizeof *s);
    s->nodes = tally_xcalloc(1, sizeof *s->nodes);
    s->n_nodes = 1;
    s->n_fields = n;
    s->primary = tally_xcalloc(n ? n : 1, 1);
    for (size_t i = 0; i < n; i++) {
        size_t at = add_path(s, text_paths[i]);
        struct node *d = &s->nodes[at];
        s->primary[i] = d->n_fields == 0;
        d->fields = push_index(d->fields, &d->n_fields, i);
        for (size_t up = at; up != 0; up = s->nodes[up].parent)
            s->nodes[up].sub_fields = push_index(s->nodes[up].sub_fields, &s->nodes[up].n_sub_fields, i);
    }
    if (id_path) {
        size_t at = add_path(s, id_path);
        s->nodes[at].is_id = 1;
        for (size_t up = at; up != 0; up = s->nodes[up].parent)
            s->nodes[up].sub_id = 1;
    }
    s->n_keeps = n_keep;
    for (size_t i = 0; i < n_keep; i++) {
        size_t at = add_path(s, keep_paths[i]);
        struct node *d = &s->nodes[at];
        if (d->n_keeps == 0)
            s->n_keep_nodes++;
        d->keeps = push_index(d->keeps, &d->n_keeps, i);
        for (size_t up = at; up != 0; up = s->nodes[up].parent)
            s->nodes[up].sub_keeps = push_index(s->nodes[up].sub_keeps, &s->nodes[up].n_sub_keeps, i);
    }
    return s;
}

void tally__jsonl_spec_free(tally_jsonl_spec *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_nodes; i++) {
        free((char *)s->nodes[i].key);
        free(s->nodes[i].children);
        free(s->nodes[i].fields);
        free(s->nodes[i].sub_fields);
        free(s->nodes[i].keeps);
        free(s->nodes[i].sub_keeps);
    }
    free(s->nodes);
    free(s->primary);
    free(s);
}

/* ---- the result --------------------------------------------------------------------------- */

void tally__jsonl_result_init(tally_jsonl_result *r, const tally_jsonl_spec *spec)
{
    memset(r, 0, sizeof *r);
    r->fields = tally_xcalloc(spec->n_fields ? spec->n_fields : 1, sizeof *r->fields);
    r->cap_strings = 16;
    r->strings = tally_xmalloc(r->cap_strings * sizeof *r->strings);
    r->cap_keys = 16;
    r->keys = tally_xmalloc(r->cap_keys * sizeof *r->keys);
    tally__buf_init(&r->scratch);
    r->kept = tally_xcalloc(spec->n_keeps ? spec->n_keeps : 1, sizeof *r->kept);
    r->open = tally_xcalloc(spec->n_keep_nodes ? spec->n_keep_nodes : 1, sizeof *r->open);
}

void tally__jsonl_result_cleanup(tally_jsonl_result *r)
{
    free(r->fields);
    free(r->strings);
    free(r->keys);
    free(r->kept);
    free(r->open);
    tally__buf_cleanup(&r->scratch);
    memset(r, 0, sizeof *r);
}

/* ---- byte classes and UTF-8 --------------------------------------------------------------- */

/* Bit 1: stops a validating string scan ('"', '\\', < 0x20). Bit 2: also stops a decoding scan
 * (bytes >= 0x80 in addition). */
static const uint8_t str_class[256] = {
#define C3 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3
#define C2 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2
    C3, C3,
    0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    C2, C2, C2, C2, C2, C2, C2, C2,
#undef C3
#undef C2
};

/* Returns the first byte in [p, end) whose class has any bit of stop, or end. */
static inline const uint8_t *find_stop(const uint8_t *p, const uint8_t *end, int stop)
{
#ifdef JSONL_SSE2
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');
    const __m128i sp = _mm_set1_epi8(0x20);
    const __m128i x1f = _mm_set1_epi8(0x1f);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash));
        if (stop & 2)
            /* signed compare: true for 0x00-0x1F and for 0x80-0xFF */
            m = _mm_or_si128(m, _mm_cmplt_epi8(v, sp));
        else
            m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_min_epu8(v, x1f), v));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask)
            return p + __builtin_ctz(mask);
        p += 16;
    }
#endif
    while (p < end && !(str_class[*p] & stop))
        p++;
    return p;
}

/* For a lead byte: sequence length (0 = never a lead) and the allowed range of the second byte
 * (Unicode 15, table 3-7); later bytes are always 80..BF. */
struct lead {
    uint8_t len, lo, hi;
};

static inline struct lead lead_of(uint8_t b)
{
    struct lead l = {0, 0x80, 0xBF};
    if (b >= 0xC2 && b <= 0xDF)
        l.len = 2;
    else if (b >= 0xE0 && b <= 0xEF) {
        l.len = 3;
        if (b == 0xE0)
            l.lo = 0xA0;
        else if (b == 0xED)
            l.hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        l.len = 4;
        if (b == 0xF0)
            l.lo = 0x90;
        else if (b == 0xF4)
            l.hi = 0x8F;
    }
    return l;
}

/* p points to a byte >= 0x80. Returns the length of the well-formed sequence starting there, or 0
 * and in *bad the length of the maximal ill-formed subpart to replace by one U+FFFD. */
static inline size_t utf8_seq(const uint8_t *p, const uint8_t *end, size_t *bad)
{
    struct lead l = lead_of(p[0]);
    if (l.len == 0) {
        *bad = 1;
        return 0;
    }
    size_t avail = (size_t)(end - p);
    if (avail < 2 || p[1] < l.lo || p[1] > l.hi) {
        *bad = 1;
        return 0;
    }
    for (size_t i = 2; i < l.len; i++) {
        if (i >= avail || p[i] < 0x80 || p[i] > 0xBF) {
            *bad = i;
            return 0;
        }
    }
    return l.len;
}

static inline int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Reads the 4 hex digits after "\u" at p (p + 4 <= end checked by the caller); -1 when bad. */
static inline long hex4(const uint8_t *p)
{
    int a = hexval(p[0]), b = hexval(p[1]), c = hexval(p[2]), d = hexval(p[3]);
    if ((a | b | c | d) < 0)
        return -1;
    return (long)((a << 12) | (b << 8) | (c << 4) | d);
}

/* ---- the scanner -------------------------------------------------------------------------- */

struct scan {
    const tally_jsonl_spec *spec;
    tally_jsonl_result *r;
    const uint8_t *line, *end;
    tally_error *err;
};

static const uint8_t *fail(struct scan *s, const uint8_t *at, const char *why)
{
    tally__seterr(s->err, TALLY_EJSON, 0, (uint64_t)(at - s->line), "%s", why);
    return NULL;
}

static const uint8_t *fail_char(struct scan *s, const uint8_t *at)
{
    if (at >= s->end)
        return fail(s, s->end, "unexpected end of line");
    if (*at > 0x20 && *at < 0x7F)
        tally__seterr(s->err, TALLY_EJSON, 0, (uint64_t)(at - s->line), "unexpected character '%c'", *at);
    else
        tally__seterr(s->err, TALLY_EJSON, 0, (uint64_t)(at - s->line), "unexpected byte 0x%02X", *at);
    return NULL;
}

/* Moves scratch to a larger block when fewer than extra bytes are free, and repoints every
 * extracted string that lived in the old block (they are recognised by address range). */
static void scratch_reserve(tally_jsonl_result *r, size_t extra)
{
    tally_buf *b = &r->scratch;
    if (b->cap - b->len >= extra)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra)
        cap *= 2;
    uint8_t *nb = tally_xmalloc(cap);
    if (b->len)
        memcpy(nb, b->data, b->len);
    uintptr_t lo = (uintptr_t)b->data, hi = lo + b->len;
    if (b->len) {
        for (size_t i = 0; i < r->n_strings; i++) {
            uintptr_t q = (uintptr_t)r->strings[i].ptr;
            if (q >= lo && q < hi)
                r->strings[i].ptr = nb + (q - lo);
        }
        for (size_t i = 0; i < r->n_keys; i++) {
            uintptr_t q = (uintptr_t)r->keys[i].ptr;
            if (q >= lo && q < hi)
                r->keys[i].ptr = nb + (q - lo);
        }
        uintptr_t q = (uintptr_t)r->id.ptr;
        if (r->id_kind == TALLY_JID_STRING && q >= lo && q < hi)
            r->id.ptr = nb + (q - lo);
    }
    free(b->data);
    b->data = nb;
    b->cap = cap;
}

static inline void scratch_put(tally_jsonl_result *r, const void *p, size_t n)
{
    if (!n)
        return;
    scratch_reserve(r, n);
    memcpy(r->scratch.data + r->scratch.len, p, n);
    r->scratch.len += n;
}

static inline void put_utf8(tally_jsonl_result *r, unsigned long u)
{
    uint8_t b[4];
    size_t n;
    if (u < 0x80) {
        b[0] = (uint8_t)u;
        n = 1;
    } else if (u < 0x800) {
        b[0] = (uint8_t)(0xC0 | (u >> 6));
        b[1] = (uint8_t)(0x80 | (u & 0x3F));
        n = 2;
    } else if (u < 0x10000) {
        b[0] = (uint8_t)(0xE0 | (u >> 12));
        b[1] = (uint8_t)(0x80 | ((u >> 6) & 0x3F));
        b[2] = (uint8_t)(0x80 | (u & 0x3F));
        n = 3;
    } else {
        b[0] = (uint8_t)(0xF0 | (u >> 18));
        b[1] = (uint8_t)(0x80 | ((u >> 12) & 0x3F));
        b[2] = (uint8_t)(0x80 | ((u >> 6) & 0x3F));
        b[3] = (uint8_t)(0x80 | (u & 0x3F));
        n = 4;
    }
    scratch_put(r, b, n);
}

/* Validates the escape at p ('\\'); returns the byte after it or NULL (error set). */
static inline const uint8_t *check_escape(struct scan *s, const uint8_t *p, const uint8_t *open)
{
    if (p + 1 >= s->end)
        return fail(s, open, "unterminated string");
    switch (p[1]) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        return p + 2;
    case 'u':
        if (s->end - p < 6 || hex4(p + 2) < 0)
            return fail(s, p, "invalid \\u escape");
        return p + 6;
    default:
        return fail(s, p, "invalid escape");
    }
}

/* Validates a string whose opening quote is at open; returns the byte after the closing quote. */
static const uint8_t *skip_string(struct scan *s, const uint8_t *open)
{
    const uint8_t *p = open + 1;
    for (;;) {
        p = find_stop(p, s->end, 1);
        if (p == s->end)
            return fail(s, open, "unterminated string");
        if (*p == '"')
            return p + 1;
        if (*p != '\\')
            return fail(s, p, "control character in string");
        p = check_escape(s, p, open);
        if (!p)
            return NULL;
    }
}

/* Decodes a string whose opening quote is at open into *out: a pointer into the line when it
 * has no escape and is well-formed UTF-8, else into scratch. Adds the ill-formed subsequences
 * replaced to *invalid. Returns the byte after the closing quote, or NULL. */
static const uint8_t *decode_string(struct scan *s, const uint8_t *open, tally_jstr *out,
                                    uint64_t *invalid)
{
    const uint8_t *start = open + 1, *p = start, *end = s->end;
    size_t bad = 0;
    for (;;) {
        p = find_stop(p, end, 2);
        if (p == end)
            return fail(s, open, "unterminated string");
        if (*p == '"') {
            out->ptr = start;
            out->len = (size_t)(p - start);
            return p + 1;
        }
        if (*p < 0x80)
            break;
        size_t n = utf8_seq(p, end, &bad);
        if (!n)
            break;
        p += n;
    }

    /* Slow path: copy what was clean and decode the rest into scratch. */
    tally_jsonl_result *r = s->r;
    size_t at = r->scratch.len;
    scratch_put(r, start, (size_t)(p - start));
    for (;;) {
        const uint8_t *q = find_stop(p, end, 2);
        if (q == end)
            return fail(s, open, "unterminated string");
        if (q > p)
            scratch_put(r, p, (size_t)(q - p));
        p = q;
        uint8_t c = *p;
        if (c == '"')
            break;
        if (c >= 0x80) {
            size_t n = utf8_seq(p, end, &bad);
            if (n) {
                scratch_put(r, p, n);
                p += n;
            } else {
                scratch_put(r, "\xEF\xBF\xBD", 3);
                (*invalid)++;
                p += bad;
            }
            continue;
        }
        if (c != '\\')
            return fail(s, p, "control character in string");
        const uint8_t *next = check_escape(s, p, open);
        if (!next)
            return NULL;
        uint8_t e = p[1];
        if (e == 'u') {
            unsigned long u = (unsigned long)hex4(p + 2);
            if (u >= 0xD800 && u <= 0xDBFF) {
                long lo;
                if (end - next >= 6 && next[0] == '\\' && next[1] == 'u' &&
                    (lo = hex4(next + 2)) >= 0xDC00 && lo <= 0xDFFF) {
                    u = 0x10000 + ((u - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
                    next += 6;
                } else {
                    u = 0xFFFD; /* lone high surrogate */
                }
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                u = 0xFFFD; /* lone low surrogate */
            }
            put_utf8(r, u);
        } else {
            uint8_t ch = e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
            scratch_put(r, &ch, 1);
        }
        p = next;
    }
    out->ptr = r->scratch.data + at;
    out->len = r->scratch.len - at;
    return p + 1;
}

static ALWAYS_INLINE const uint8_t *skip_number(struct scan *s, const uint8_t *p)
{
    const uint8_t *end = s->end;
    if (*p == '-')
        p++;
    if (p == end)
        return fail(s, p, "invalid number");
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        p++;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    } else {
        return fail(s, p, "invalid number");
    }
    if (p < end && *p == '.') {
        p++;
        if (p == end || *p < '0' || *p > '9')
            return fail(s, p, "invalid number");
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p == end || *p < '0' || *p > '9')
            return fail(s, p, "invalid number");
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && *p >= '0' && *p <= '9')
        return fail(s, p, "invalid number"); /* a leading zero: 01, -00 */
    return p;
}

static inline const uint8_t *skip_ws(const uint8_t *p, const uint8_t *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

static void add_string(tally_jsonl_result *r, tally_jstr v)
{
    if (r->n_strings == r->cap_strings) {
        r->cap_strings *= 2;
        r->strings = tally_xrealloc(r->strings, r->cap_strings * sizeof *r->strings);
    }
    r->strings[r->n_strings++] = v;
}

/* A key of a node's object occurs (again): whatever an earlier occurrence set below it is void. */
static void reset_subtree(tally_jsonl_result *r, const struct node *n)
{
    for (size_t i = 0; i < n->n_sub_fields; i++) {
        tally_jfield *f = &r->fields[n->sub_fields[i]];
        f->kind = TALLY_JF_MISSING;
        f->first = f->count = 0;
        f->invalid_utf8 = 0;
    }
    if (n->sub_id) {
        r->id_kind = TALLY_JID_MISSING;
        r->id.ptr = NULL;
        r->id.len = 0;
    }
}

static void reset_keeps(tally_jsonl_result *r, const struct node *n)
{
    for (size_t i = 0; i < n->n_sub_keeps; i++) {
        r->kept[n->sub_keeps[i]].ptr = NULL;
        r->kept[n->sub_keeps[i]].len = 0;
    }
}

/* The value at node n is about to be read (again): what an earlier one set is void. */
static ALWAYS_INLINE void reset_target(tally_jsonl_result *r, const struct node *n, const int keeping)
{
    reset_subtree(r, n);
    if (keeping)
        reset_keeps(r, n);
}

static void set_keeps(tally_jsonl_result *r, const struct node *n, const uint8_t *from, const uint8_t *to)
{
    for (size_t i = 0; i < n->n_keeps; i++) {
        r->kept[n->keeps[i]].ptr = from;
        r->kept[n->keeps[i]].len = (size_t)(to - from);
    }
}

static void set_fields(tally_jsonl_result *r, const struct node *n, int kind, int is_array,
                       size_t first, size_t count, uint64_t invalid)
{
    for (size_t i = 0; i < n->n_fields; i++) {
        tally_jfield *f = &r->fields[n->fields[i]];
        f->kind = kind;
        f->is_array = is_array;
        f->first = first;
        f->count = count;
        f->invalid_utf8 = invalid;
    }
}

static ALWAYS_INLINE const struct node *find_child(const tally_jsonl_spec *spec, const struct node *n, tally_jstr k)
{
    for (size_t i = 0; i < n->n_children; i++) {
        const struct node *c = &spec->nodes[n->children[i]];
        if (c->key_len == k.len && memcmp(c->key, k.ptr, k.len) == 0)
            return c;
    }
    return NULL;
}

/* The scanner, compiled twice through tally__jsonl_scan: keeping is a constant there, so a spec
 * without kept paths runs the code it ran before kept paths existed, not one test more. */
static ALWAYS_INLINE int scan_line(const tally_jsonl_spec *spec, const uint8_t *line, size_t len,
                                   tally_jsonl_result *r, tally_error *err, const int keeping)
{
    struct scan s = {spec, r, line, line + len, err};
    const uint8_t *p = line, *end = line + len;
    int rc = TALLY_EJSON;

    r->n_strings = 0;
    r->n_keys = 0;
    r->scratch.len = 0;
    r->id_kind = TALLY_JID_MISSING;
    r->id.ptr = NULL;
    r->id.len = 0;
    r->is_object = 0;
    r->invalid_utf8 = 0;
    memset(r->fields, 0, spec->n_fields * sizeof *r->fields);
    if (keeping)
        memset(r->kept, 0, spec->n_keeps * sizeof *r->kept);

    uint64_t stack_local[64];
    uint64_t *stack = stack_local;
    size_t stack_words = 64;
    size_t depth = 0; /* open containers; bit (depth-1) of the stack is the innermost */
    size_t live = 0;  /* containers 1..live are objects on some path */
    const struct node *cur = NULL;    /* trie node of container `live` */
    const struct node *target = NULL; /* trie node of the value about to be read */
    /* An array that is the value of a text path: its direct elements are collected. */
    size_t coll_depth = 0;
    const struct node *coll_node = NULL;
    size_t coll_first = 0;
    int coll_ok = 0;
    uint64_t coll_invalid = 0;
    /* Kept containers open: r->open[0, n_open), the innermost at depth open_depth (0: none). */
    size_t n_open = 0, open_depth = 0;

    p = skip_ws(p, end);

value:
    if (p == end) {
        fail_char(&s, p);
        goto out;
    }
    if (coll_depth && depth == coll_depth) {
        if (*p == '"' && coll_ok) {
            tally_jstr v;
            p = decode_string(&s, p, &v, &coll_invalid);
            if (!p)
                goto out;
            add_string(r, v);
            goto after;
        }
        coll_ok = 0;
    }
    switch (*p) {
    case '{':
    case '[': {
        int is_obj = *p == '{';
        if (depth == stack_words * 64) {
            uint64_t *ns = tally_xmalloc(stack_words * 2 * sizeof *ns);
            memcpy(ns, stack, stack_words * sizeof *ns);
            if (stack != stack_local)
                free(stack);
            stack = ns;
            stack_words *= 2;
        }
        uint64_t bit = (uint64_t)1 << (depth & 63);
        if (is_obj)
            stack[depth >> 6] |= bit;
        else
            stack[depth >> 6] &= ~bit;
        depth++;
        if (depth == 1 && is_obj) {
            r->is_object = 1;
            live = 1;
            cur = &spec->nodes[0];
        } else if (target) {
            reset_target(r, target, keeping);
            if (keeping && target->n_keeps) {
                struct tally_jopen *o = &r->open[n_open++];
                o->depth = open_depth = depth;
                o->node = target;
                o->start = p;
            }
            if (is_obj) {
                set_fields(r, target, TALLY_JF_OTHER, 0, 0, 0, 0);
                if (target->n_children) {
                    live = depth;
                    cur = target;
                }
            } else if (target->n_fields) {
                coll_depth = depth;
                coll_node = target;
                coll_first = r->n_strings;
                coll_ok = 1;
                coll_invalid = 0;
            }
        }
        target = NULL;
        p = skip_ws(p + 1, end);
        if (p < end && *p == (is_obj ? '}' : ']'))
            goto close;
        if (is_obj)
            goto key;
        goto value;
    }
    case '"':
        if (target && (target->n_fields || target->is_id)) {
            tally_jstr v;
            uint64_t bad = 0;
            const uint8_t *str_at = p;
            reset_target(r, target, keeping);
            p = decode_string(&s, p, &v, &bad);
            if (!p)
                goto out;
            if (keeping && target->n_keeps)
                set_keeps(r, target, str_at, p);
            if (target->n_fields) {
                set_fields(r, target, TALLY_JF_STRINGS, 0, r->n_strings, 1, bad);
                add_string(r, v);
            }
            if (target->is_id) {
                r->id_kind = TALLY_JID_STRING;
                r->id = v;
            }
        } else {
            const uint8_t *str_at = p;
            if (target)
                reset_target(r, target, keeping);
            p = skip_string(&s, p);
            if (!p)
                goto out;
            if (keeping && target && target->n_keeps)
                set_keeps(r, target, str_at, p);
        }
        target = NULL;
        goto after;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': {
        const uint8_t *q = skip_number(&s, p);
        if (!q)
            goto out;
        if (target) {
            reset_target(r, target, keeping);
            set_fields(r, target, TALLY_JF_OTHER, 0, 0, 0, 0);
            if (keeping && target->n_keeps)
                set_keeps(r, target, p, q);
            if (target->is_id) {
                r->id_kind = TALLY_JID_NUMBER;
                r->id.ptr = p;
                r->id.len = (size_t)(q - p);
            }
            target = NULL;
        }
        p = q;
        goto after;
    }
    case 't':
    case 'f':
    case 'n': {
        const char *lit = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
        size_t n = strlen(lit);
        if ((size_t)(end - p) < n || memcmp(p, lit, n) != 0) {
            fail(&s, p, "invalid literal");
            goto out;
        }
        if (target) {
            reset_target(r, target, keeping);
            set_fields(r, target, TALLY_JF_OTHER, 0, 0, 0, 0);
            if (keeping && target->n_keeps)
                set_keeps(r, target, p, p + n);
            target = NULL;
        }
        p += n;
        goto after;
    }
    default:
        fail_char(&s, p);
        goto out;
    }

key:
    if (p == end || *p != '"') {
        fail_char(&s, p);
        goto out;
    }
    if (depth == live && (cur->n_children || (depth == 1 && r->n_keys < MAX_KEYS))) {
        tally_jstr k;
        uint64_t ignored = 0;
        size_t mark = r->scratch.len;
        p = decode_string(&s, p, &k, &ignored);
        if (!p)
            goto out;
        target = find_child(spec, cur, k);
        if (depth == 1 && r->n_keys < MAX_KEYS) {
            if (r->n_keys == r->cap_keys) {
                r->cap_keys *= 2;
                r->keys = tally_xrealloc(r->keys, r->cap_keys * sizeof *r->keys);
            }
            r->keys[r->n_keys++] = k;
        } else {
            r->scratch.len = mark;
        }
    } else {
        p = skip_string(&s, p);
        if (!p)
            goto out;
    }
    p = skip_ws(p, end);
    if (p == end || *p != ':') {
        fail_char(&s, p);
        goto out;
    }
    p = skip_ws(p + 1, end);
    goto value;

after:
    p = skip_ws(p, end);
    if (depth == 0) {
        if (p != end) {
            fail(&s, p, "trailing characters after value");
            goto out;
        }
        rc = 0;
        goto out;
    }
    if (p == end) {
        fail_char(&s, p);
        goto out;
    }
    {
        int in_obj = (int)((stack[(depth - 1) >> 6] >> ((depth - 1) & 63)) & 1);
        if (*p == ',') {
            p = skip_ws(p + 1, end);
            if (in_obj)
                goto key;
            goto value;
        }
        if (*p != (in_obj ? '}' : ']')) {
            fail_char(&s, p);
            goto out;
        }
    }

close:
    if (coll_depth == depth) {
        if (coll_ok)
            set_fields(r, coll_node, TALLY_JF_STRINGS, 1, coll_first, r->n_strings - coll_first,
                       coll_invalid);
        else
            set_fields(r, coll_node, TALLY_JF_OTHER, 0, 0, 0, 0);
        coll_depth = 0;
    }
    if (keeping && depth == open_depth) {
        const struct tally_jopen *o = &r->open[--n_open];
        set_keeps(r, o->node, o->start, p + 1);
        open_depth = n_open ? r->open[n_open - 1].depth : 0;
    }
    if (depth == live) {
        live--;
        cur = live ? &spec->nodes[cur->parent] : NULL;
    }
    depth--;
    p++;
    goto after;

out:
    if (stack != stack_local)
        free(stack);
    if (rc == 0) {
        for (size_t i = 0; i < spec->n_fields; i++)
            if (spec->primary[i])
                r->invalid_utf8 += r->fields[i].invalid_utf8;
    }
    return rc;
}

int tally__jsonl_scan(const tally_jsonl_spec *spec, const uint8_t *line, size_t len,
                      tally_jsonl_result *r, tally_error *err)
{
    if (spec->n_keeps)
        return scan_line(spec, line, len, r, err, 1);
    return scan_line(spec, line, len, r, err, 0);
}
