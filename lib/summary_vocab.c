/* summary_vocab.c — the summary's "vocabulary" object (see summary_vocab.h): set by the
 * vocabulary accumulator or by tally_vocab_merge, written, read back and checked, and refused
 * by tally_summary_add when only one side has it. */
#include "summary_vocab.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tally.h"

void tally__svocab_free(tally_svocab *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n_top; i++)
        free(v->top[i].type);
    free(v->top);
    free(v->file);
    free(v);
}

void tally__svocab_set(tally_summary *s, tally_svocab *r)
{
    tally__svocab_free(s->vocab);
    s->vocab = tally_xmalloc(sizeof *s->vocab);
    *s->vocab = *r;
    s->vocab->stale = 0;
    memset(r, 0, sizeof *r);
}

int tally__svocab_add(tally_summary *a, const tally_summary *b, tally_error *err)
{
    if (!a->vocab && !b->vocab)
        return 0;
    if (!a->vocab || !b->vocab)
        return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX,
                             "one summary has a vocabulary and the other has none");
    if (a->vocab->min_count != b->vocab->min_count || a->vocab->min_count > 1)
        return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX,
                             "vocabularies that leave out their rarer types cannot be added: those types "
                             "are lost (min_count %llu and %llu)",
                             (unsigned long long)a->vocab->min_count, (unsigned long long)b->vocab->min_count);
    a->vocab->stale = 1;
    return 0;
}

static void set(json_t *o, const char *k, json_t *v)
{
    if (!v || json_object_set_new(o, k, v) != 0) {
        fputs("tally: out of memory\n", stderr);
        abort();
    }
}

int tally__svocab_write(const tally_summary *s, FILE *f)
{
    const tally_svocab *v = s->vocab;
    if (!v)
        return 0;
    if (v->stale)
        return -1; /* added from parts and not merged again: its figures would be wrong */
    json_t *o = json_object();
    char *clean = tally__utf8_sanitize(v->file);
    set(o, "file", json_string(clean));
    free(clean);
    set(o, "digest", json_string(v->digest));
    set(o, "min_count", json_integer((json_int_t)v->min_count));
    set(o, "types", json_integer((json_int_t)v->types));
    json_t *top = json_array();
    for (size_t i = 0; i < v->n_top; i++) {
        json_t *row = json_array();
        json_array_append_new(row, json_stringn(v->top[i].type, v->top[i].len));
        json_array_append_new(row, json_integer((json_int_t)v->top[i].count));
        json_array_append_new(row, json_integer((json_int_t)v->top[i].documents));
        json_array_append_new(top, row);
    }
    set(o, "top", top);
    int bad = fputs(",\n  \"vocabulary\": ", f) == EOF;
    bad |= json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) != 0;
    json_decref(o);
    return bad;
}

static int bad(tally_error *err, const char *what)
{
    return tally__seterr(err, TALLY_EJSON, 0, UINT64_MAX, "not a valid tally summary: vocabulary: %s", what);
}

static int u64_of(json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

int tally__svocab_read(void *root_, tally_summary *s, tally_error *err)
{
    json_t *root = root_;
    json_t *o = json_object_get(root, "vocabulary");
    if (!o)
        return 0;
    if (!json_is_object(o))
        return bad(err, "not an object");
    json_t *file = json_object_get(o, "file"), *digest = json_object_get(o, "digest");
    json_t *top = json_object_get(o, "top");
    tally_svocab r;
    memset(&r, 0, sizeof r);
    if (!json_is_string(file) || !json_is_string(digest) || !json_is_array(top) ||
        u64_of(json_object_get(o, "min_count"), &r.min_count) != 0 ||
        u64_of(json_object_get(o, "types"), &r.types) != 0)
        return bad(err, "needs \"file\", \"digest\" (strings), \"min_count\", \"types\" (integers) and \"top\" (an array)");
    const char *d = json_string_value(digest);
    if (strlen(d) != 32 || strspn(d, "0123456789abcdef") != 32)
        return bad(err, "\"digest\" is not 32 lower-case hex digits");
    if (r.min_count < 1)
        return bad(err, "\"min_count\" is below 1");
    size_t n = json_array_size(top);
    if (n > r.types)
        return bad(err, "\"top\" lists more types than \"types\"");
    r.top = tally_xcalloc(n ? n : 1, sizeof *r.top);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        json_t *row = json_array_get(top, i);
        tally_vtop *t = &r.top[i];
        if (!json_is_array(row) || json_array_size(row) != 3 || !json_is_string(json_array_get(row, 0)) ||
            u64_of(json_array_get(row, 1), &t->count) != 0 || u64_of(json_array_get(row, 2), &t->documents) != 0) {
            rc = bad(err, "each entry of \"top\" is [type, count, documents]");
            break;
        }
        json_t *ty = json_array_get(row, 0);
        t->len = json_string_length(ty);
        t->type = tally_xmalloc(t->len + 1);
        memcpy(t->type, json_string_value(ty), t->len + 1);
        r.n_top = i + 1;
        if (t->documents < 1 || t->documents > t->count || t->documents > s->tot.documents ||
            t->count > s->tot.tokens || t->count < r.min_count)
            rc = bad(err, "an entry of \"top\" has a count or documents that cannot be");
        else if (i && (r.top[i - 1].count < t->count ||
                       (r.top[i - 1].count == t->count &&
                        (memcmp(r.top[i - 1].type, t->type, r.top[i - 1].len < t->len ? r.top[i - 1].len : t->len) > 0 ||
                         (memcmp(r.top[i - 1].type, t->type, r.top[i - 1].len < t->len ? r.top[i - 1].len : t->len) == 0 &&
                          r.top[i - 1].len >= t->len)))))
            rc = bad(err, "\"top\" is not sorted by count, then type");
    }
    if (rc) {
        for (size_t i = 0; i < r.n_top; i++)
            free(r.top[i].type);
        free(r.top);
        return rc;
    }
    r.file = tally_xstrdup(json_string_value(file));
    memcpy(r.digest, d, 33);
    tally__svocab_set(s, &r);
    return 0;
}

int tally_summary_vocabulary(const tally_summary *s, tally_vocab_info *out)
{
    const tally_svocab *v = s->vocab;
    memset(out, 0, sizeof *out);
    if (!v)
        return -1;
    out->file = v->file;
    out->digest = v->digest;
    out->min_count = v->min_count;
    out->types = v->types;
    out->n_top = v->n_top;
    return 0;
}

void tally_summary_vocabulary_top(const tally_summary *s, size_t i, const char **type, size_t *len, uint64_t *count,
                                  uint64_t *documents)
{
    const tally_vtop *t = &s->vocab->top[i];
    *type = t->type;
    *len = t->len;
    *count = t->count;
    *documents = t->documents;
}
