/* fuzz_jsonl.c — libFuzzer target for the JSON Lines scanner (lib/jsonl.c), differential against
 * jansson.
 *
 * The input is one line: every LF becomes a space (the line splitter never hands one over), and
 * a blank line is skipped (the caller skips those too). The same bytes are then also scanned
 * line by line, split at the LFs, reusing one result record, the way a worker does.
 *
 * Accept/reject must agree with json_loadb(JSON_DECODE_ANY | JSON_ALLOW_NUL), except for the
 * documented differences, decided as in tests/test_jsonl.c's differential test (rewritten here):
 *   - we accept ill-formed UTF-8 inside strings and \u escapes of lone surrogates: when we
 *     accept and jansson rejects, the line with each ill-formed byte turned into '?' and each
 *     surrogate escape into \u0041 must be accepted by jansson (or hit one of its limits);
 *   - jansson's own limits ("too big" and overflowing numbers, NUL in object keys, its maximum
 *     nesting depth): we accept, it rejects;
 *   - jansson stops a number at a NUL byte and ignores the rest ("1\0x"): we reject at the NUL.
 * When both accept a clean line (nothing for the rule above to change), the extracted fields
 * ("text" and "meta.body"), the id and the listed top-level keys must equal jansson's, and each
 * kept value (paths that are also text or id paths, prefixes of each other, and one under an
 * escaped key) must be one JSON value, nothing around it, pointing into the line, that jansson
 * reads as the value its parse of the whole line has at that path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_util.h"
#include "jsonl.h"
#include "tally.h"

typedef struct sbuf {
    uint8_t *p;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
}

/* Strictly well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF). */
static int well_formed(const uint8_t *p, size_t n)
{
    return fz_count_invalid(p, n) == 0;
}

/* The line as jansson would need it for our excused differences (see the file comment).
 * Returns 1 when anything changed. */
static int sanitize(const uint8_t *in, size_t n, sbuf *out)
{
    int changed = 0;
    out->len = 0;
    sb_put(out, "", 0);
    for (size_t i = 0; i < n;) {
        if (in[i] == '\\' && i + 1 < n) {
            if (in[i + 1] == 'u' && i + 5 < n && (in[i + 2] | 0x20) == 'd' && in[i + 3] &&
                strchr("89abcdefABCDEF", in[i + 3])) {
                sb_put(out, "\\u0041", 6);
                i += 6;
                changed = 1;
            } else {
                sb_put(out, in + i, 2);
                i += 2;
            }
            continue;
        }
        if (in[i] >= 0x80) {
            size_t k = in[i] >= 0xF0 ? 4 : in[i] >= 0xE0 ? 3 : 2;
            if (i + k > n || !well_formed(in + i, k)) {
                sb_put(out, "?", 1);
                i++;
                changed = 1;
            } else {
                sb_put(out, in + i, k);
                i += k;
            }
            continue;
        }
        sb_put(out, in + i, 1);
        i++;
    }
    return changed;
}

static int jansson_limit(const json_error_t *e)
{
    return strstr(e->text, "too big") || strstr(e->text, "overflow") ||
           strstr(e->text, "NUL byte in object key") || strstr(e->text, "maximum parsing depth");
}

static void compare_field(const tally_jsonl_result *r, size_t i, json_t *v)
{
    const tally_jfield *f = &r->fields[i];
    if (!v) {
        FUZZ_CHECK(f->kind == TALLY_JF_MISSING, "field %zu: kind %d, jansson: missing", i, f->kind);
        return;
    }
    if (json_is_string(v)) {
        FUZZ_CHECK(f->kind == TALLY_JF_STRINGS && f->count == 1,
                   "field %zu: kind %d count %zu, jansson: a string", i, f->kind, f->count);
        const tally_jstr *s = &r->strings[f->first];
        FUZZ_CHECK(s->len == json_string_length(v) && memcmp(s->ptr, json_string_value(v), s->len) == 0,
                   "field %zu: %zu bytes differ from jansson's %zu", i, s->len, json_string_length(v));
        return;
    }
    if (json_is_array(v)) {
        size_t n = json_array_size(v), k;
        for (k = 0; k < n && json_is_string(json_array_get(v, k)); k++)
            ;
        if (k == n) {
            FUZZ_CHECK(f->kind == TALLY_JF_STRINGS && f->count == n,
                       "field %zu: kind %d count %zu, jansson: %zu strings", i, f->kind, f->count, n);
            for (k = 0; k < n; k++) {
                json_t *e = json_array_get(v, k);
                const tally_jstr *s = &r->strings[f->first + k];
                FUZZ_CHECK(s->len == json_string_length(e) &&
                               memcmp(s->ptr, json_string_value(e), s->len) == 0,
                           "field %zu element %zu differs from jansson", i, k);
            }
            return;
        }
    }
    FUZZ_CHECK(f->kind == TALLY_JF_OTHER, "field %zu: kind %d, jansson: another type", i, f->kind);
}

static const char *const keep_paths[] = {"text", "id", "meta", "meta.body", "meta.meta", "meta.meta.text", "a\"b"};
enum { N_KEEP = sizeof keep_paths / sizeof *keep_paths };

/* jansson's value at a dotted path through objects, or NULL. */
static json_t *at_path(json_t *v, const char *path)
{
    char key[32];
    while (v && *path) {
        size_t n = strcspn(path, ".");
        memcpy(key, path, n);
        key[n] = 0;
        v = json_is_object(v) ? json_object_get(v, key) : NULL;
        path += n + (path[n] == '.');
    }
    return v;
}

static void compare_kept(const tally_jsonl_result *r, json_t *root, const uint8_t *line, size_t n)
{
    for (size_t i = 0; i < N_KEEP; i++) {
        json_t *want = json_is_object(root) ? at_path(root, keep_paths[i]) : NULL;
        const tally_jstr *k = &r->kept[i];
        if (!want) {
            FUZZ_CHECK(k->ptr == NULL, "kept '%s': %zu bytes, jansson: missing", keep_paths[i], k->len);
            continue;
        }
        FUZZ_CHECK(k->ptr && k->len && k->ptr >= line && k->ptr + k->len <= line + n,
                   "kept '%s': missing or not in the line, jansson has it", keep_paths[i]);
        FUZZ_CHECK(!memchr(" \t\r\n", k->ptr[0], 4) && !memchr(" \t\r\n", k->ptr[k->len - 1], 4),
                   "kept '%s': whitespace around the value", keep_paths[i]);
        json_error_t je;
        json_t *got = json_loadb((const char *)k->ptr, k->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        FUZZ_CHECK(got, "kept '%s': jansson rejects the value as written: %s", keep_paths[i], je.text);
        FUZZ_CHECK(json_equal(got, want), "kept '%s': not jansson's value", keep_paths[i]);
        json_decref(got);
    }
}

static void compare_all(const tally_jsonl_result *r, json_t *root)
{
    FUZZ_CHECK(r->is_object == json_is_object(root), "is_object %d, jansson %d", r->is_object,
               json_is_object(root));
    int obj = json_is_object(root);
    compare_field(r, 0, obj ? json_object_get(root, "text") : NULL);
    json_t *meta = obj ? json_object_get(root, "meta") : NULL;
    compare_field(r, 1, json_is_object(meta) ? json_object_get(meta, "body") : NULL);
    json_t *id = obj ? json_object_get(root, "id") : NULL;
    if (json_is_string(id)) {
        FUZZ_CHECK(r->id_kind == TALLY_JID_STRING && r->id.len == json_string_length(id) &&
                       memcmp(r->id.ptr, json_string_value(id), r->id.len) == 0,
                   "id: kind %d, differs from jansson's string", r->id_kind);
    } else if (json_is_number(id)) {
        FUZZ_CHECK(r->id_kind == TALLY_JID_NUMBER, "id: kind %d, jansson: a number", r->id_kind);
        char tmp[512];
        FUZZ_CHECK(r->id.len < sizeof tmp, "id number of %zu bytes", r->id.len);
        memcpy(tmp, r->id.ptr, r->id.len);
        tmp[r->id.len] = 0;
        FUZZ_CHECK(strtod(tmp, NULL) == json_number_value(id), "id %s differs from jansson's %g",
                   tmp, json_number_value(id));
    } else {
        FUZZ_CHECK(r->id_kind == TALLY_JID_MISSING, "id: kind %d, jansson: missing or other",
                   r->id_kind);
    }
    if (obj && r->n_keys < 64) {
        const char *key;
        json_t *v;
        json_object_foreach(root, key, v) {
            size_t k, kl = strlen(key);
            for (k = 0; k < r->n_keys; k++)
                if (r->keys[k].len == kl && memcmp(r->keys[k].ptr, key, kl) == 0)
                    break;
            FUZZ_CHECK(k < r->n_keys, "key '%s' not listed", key);
        }
    }
}

/* The same fields and id, without and with kept paths: each line goes through both. */
static tally_jsonl_spec *spec, *spec_keep;

/* One line through both parsers. */
static void one_line(const tally_jsonl_spec *sp, tally_jsonl_result *r, const uint8_t *line, size_t n, sbuf *san)
{
    size_t i = 0;
    while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
        i++;
    if (i == n)
        return; /* blank: skipped by the caller */

    tally_error err;
    memset(&err, 0, sizeof err);
    int ours = tally__jsonl_scan(sp, line, n, r, &err);
    if (ours) {
        FUZZ_CHECK(ours == TALLY_EJSON && err.code == ours, "scan returned %d", ours);
        FUZZ_CHECK(err.offset <= n, "error offset %llu past the line of %zu",
                   (unsigned long long)err.offset, n);
        FUZZ_CHECK(err.message[0] != 0, "no message");
    } else {
        /* everything extracted points into the line or the scratch buffer */
        for (size_t k = 0; k < r->n_strings; k++) {
            const tally_jstr *s = &r->strings[k];
            int in_line = s->ptr && s->ptr >= line && s->ptr + s->len <= line + n;
            int in_scratch = r->scratch.data && s->ptr >= r->scratch.data &&
                             s->ptr + s->len <= r->scratch.data + r->scratch.len;
            FUZZ_CHECK(s->len == 0 || in_line || in_scratch, "string %zu points elsewhere", k);
        }
    }

    json_error_t je;
    json_t *root = json_loadb((const char *)line, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    const uint8_t *nul = memchr(line, 0, n);
    if (ours && root && nul && err.offset == (uint64_t)(nul - line)) {
        /* jansson ends a number at a NUL byte and ignores the rest; we reject at the NUL */
    } else if (ours && root) {
        FUZZ_CHECK(0, "we reject (%s at %llu), jansson accepts", err.message,
                   (unsigned long long)err.offset);
    } else if (!ours && !root) {
        int changed = sanitize(line, n, san);
        json_error_t je2;
        json_t *r2 = changed ? json_loadb((const char *)san->p, san->len,
                                          JSON_DECODE_ANY | JSON_ALLOW_NUL, &je2)
                             : NULL;
        FUZZ_CHECK((changed && (r2 || jansson_limit(&je2))) || (!changed && jansson_limit(&je)),
                   "we accept, jansson rejects: %s (sanitized: %s)", je.text,
                   changed ? (r2 ? "accepted" : je2.text) : "-");
        json_decref(r2);
    } else if (!ours && !sanitize(line, n, san)) {
        compare_all(r, root);
        if (sp == spec_keep)
            compare_kept(r, root, line, n);
    }
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!spec) {
        static const char *const paths[] = {"text", "meta.body"};
        spec = tally__jsonl_spec_new(paths, 2, "id");
        spec_keep = tally__jsonl_spec_new_keep(paths, 2, "id", keep_paths, N_KEEP);
        json_object_seed(1);
    }
    tally_jsonl_result r, rk;
    tally__jsonl_result_init(&r, spec);
    tally__jsonl_result_init(&rk, spec_keep);
    sbuf san = {0};

    /* the whole input as one line, LF replaced; an exact-size copy so ASan sees overreads */
    uint8_t *line = malloc(size ? size : 1);
    for (size_t i = 0; i < size; i++)
        line[i] = data[i] == '\n' ? ' ' : data[i];
    one_line(spec, &r, line, size, &san);
    one_line(spec_keep, &rk, line, size, &san);
    free(line);

    /* the pieces between LFs, each in its own exact-size buffer, one result record reused */
    if (memchr(data, '\n', size)) {
        size_t pos = 0;
        while (pos <= size) {
            const uint8_t *nl = memchr(data + pos, '\n', size - pos);
            size_t end = nl ? (size_t)(nl - data) : size;
            uint8_t *piece = malloc(end - pos ? end - pos : 1);
            memcpy(piece, data + pos, end - pos);
            one_line(spec, &r, piece, end - pos, &san);
            one_line(spec_keep, &rk, piece, end - pos, &san);
            free(piece);
            pos = end + 1;
        }
    }
    free(san.p);
    tally__jsonl_result_cleanup(&r);
    tally__jsonl_result_cleanup(&rk);
    return 0;
}
