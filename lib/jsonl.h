/* jsonl.h — the JSON Lines field scanner. It validates one line strictly (RFC 8259: no NaN or
 * Infinity, no trailing commas, no raw control characters in strings, nothing after the value but
 * whitespace) without building a DOM, and extracts the requested text fields, the id field and
 * the kept fields (values returned exactly as written, for per-document records).
 *
 * Nesting depth is tracked with an explicit bit stack, so a 100,000-deep line cannot overflow
 * the C stack. Strings without escapes are returned as pointers into the line; strings with
 * escapes or ill-formed UTF-8 are decoded into the scratch buffer. A \u escape of a lone
 * surrogate becomes U+FFFD. Ill-formed UTF-8 inside a string is replaced by U+FFFD (one per
 * maximal ill-formed subsequence) and counted in invalid_utf8; anywhere else it makes the line
 * invalid. When a key occurs twice in one object, the last occurrence wins (as in jansson). */
#ifndef TALLY_JSONL_H
#define TALLY_JSONL_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

/* The fields to extract, compiled once and shared read-only by all threads. */
typedef struct tally_jsonl_spec tally_jsonl_spec;

/* Returns a new spec. text_paths: n dotted paths ("text", "article.body"); id_path: dotted path.
 * Aborts on out of memory. */
tally_jsonl_spec *tally__jsonl_spec_new(const char *const *text_paths, size_t n, const char *id_path);

/* The same with n_keep kept paths (dotted, as text paths): each line's value at each of them is
 * returned in tally_jsonl_result.kept. A path may also be a text or the id path, or a prefix of
 * another kept path (`meta` and `meta.date`); with n_keep 0 the scanner does no extra work. */
tally_jsonl_spec *tally__jsonl_spec_new_keep(const char *const *text_paths, size_t n, const char *id_path,
                                             const char *const *keep_paths, size_t n_keep);
void tally__jsonl_spec_free(tally_jsonl_spec *s);

typedef struct tally_jstr {
    const uint8_t *ptr; /* into the line or into the scratch buffer */
    size_t len;
} tally_jstr;

enum tally_jfield_kind {
    TALLY_JF_MISSING = 0, /* the path does not exist */
    TALLY_JF_STRINGS = 1, /* a string (one element) or an array of strings (0 or more elements) */
    TALLY_JF_OTHER = 2,   /* exists but is neither a string nor an array of strings */
};

enum tally_jid_kind {
    TALLY_JID_MISSING = 0, /* missing or of another type: the caller uses INPUT:LINE */
    TALLY_JID_STRING = 1,  /* decoded string value */
    TALLY_JID_NUMBER = 2,  /* the number exactly as written in the line */
};

typedef struct tally_jfield {
    int kind;          /* enum tally_jfield_kind */
    int is_array;      /* TALLY_JF_STRINGS: an array of strings (1) or one string (0) */
    size_t first;      /* index of its first string in tally_jsonl_result.strings */
    size_t count;      /* number of strings */
    uint64_t invalid_utf8; /* ill-formed subsequences replaced in this field's strings */
} tally_jfield;

/* Reused across lines by one thread; _init/_cleanup. */
typedef struct tally_jsonl_result {
    tally_jfield *fields;  /* one per text path, in spec order */
    tally_jstr *strings;   /* all extracted strings */
    size_t n_strings, cap_strings;
    int id_kind;           /* enum tally_jid_kind */
    tally_jstr id;
    int is_object;         /* the line's value is an object */
    tally_jstr *keys;      /* the top-level key names (decoded), for "which fields were seen" */
    size_t n_keys, cap_keys;
    uint64_t invalid_utf8; /* ill-formed subsequences replaced inside strings of this line */
    tally_buf scratch;     /* decoded strings live here */
    /* One per kept path, in spec order: the value's bytes exactly as written, always a pointer
     * into the line (a string with its quotes and escapes, `1.50`, a whole object or array with
     * its inner whitespace, `true`); ptr NULL when the path does not exist. Not decoded, so a
     * string may hold ill-formed UTF-8 (the line is valid JSON otherwise): the record writer
     * replaces it. */
    tally_jstr *kept;
    struct tally_jopen *open; /* kept containers open while scanning (scanner's own) */
} tally_jsonl_result;

void tally__jsonl_result_init(tally_jsonl_result *r, const tally_jsonl_spec *spec);
void tally__jsonl_result_cleanup(tally_jsonl_result *r);

/* Scans one line (without its newline; a trailing CR is JSON whitespace). Returns 0 when the
 * line is one valid JSON value (object or not: see r->is_object), or TALLY_EJSON with
 * err->offset = the 0-based byte offset of the fault in the line and err->message the reason.
 * The line must not be only whitespace (the caller skips those). */
int tally__jsonl_scan(const tally_jsonl_spec *spec, const uint8_t *line, size_t len,
                      tally_jsonl_result *r, tally_error *err);

#endif
