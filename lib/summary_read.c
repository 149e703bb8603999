/* summary_read.c — reads a summary back from its JSON (schema 2) into a value, checking
 * everything a merge relies on: the types of every field, and that the totals agree with each
 * other. A summary that fails a check is damaged (truncated, edited by hand, not a summary at
 * all); it is refused with a message that says which check failed, never half-read.
 *
 * What is checked (README "tally merge"): integers are whole numbers from 0 to 2^63 - 1; a
 * keyword or group is in at most corpus.documents documents and counted at least as often as
 * the documents it is in, per_10k follows from its count and corpus.tokens; groups and members
 * name each other both ways; the inputs are sorted by path, as many as corpus.inputs, and their
 * bytes and documents add up to the corpus's; errors and warnings are sorted; the fingerprint
 * follows from options.settings and options.dictionary. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "by.h"
#include "summary.h"
#include "summary_vocab.h"

typedef struct reader {
    tally_error *err;
    int rc;
} reader;

static int bad(reader *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int bad(reader *r, const char *fmt, ...)
{
    if (r->rc)
        return r->rc;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->rc = tally__seterr(r->err, TALLY_EJSON, 0, UINT64_MAX, "not a valid tally summary: %s", msg);
    return r->rc;
}

/* The member key of object o, which must be there and be of the given type. */
static json_t *member(reader *r, json_t *o, const char *where, const char *key, json_type type)
{
    static const char *const names[] = {"an object", "an array", "a string", "an integer", "a number",
                                        "true", "false", "null"};
    json_t *v = json_object_get(o, key);
    if (!v) {
        bad(r, "%s has no \"%s\"", where, key);
        return NULL;
    }
    int ok = json_typeof(v) == type || (type == JSON_REAL && json_is_number(v));
    if (!ok) {
        bad(r, "\"%s\" of %s is not %s", key, where, names[type]);
        return NULL;
    }
    return v;
}

static int get_u64(reader *r, json_t *o, const char *where, const char *key, uint64_t *out)
{
    json_t *v = member(r, o, where, key, JSON_INTEGER);
    if (!v)
        return -1;
    json_int_t n = json_integer_value(v);
    if (n < 0)
        return bad(r, "\"%s\" of %s is negative", key, where);
    *out = (uint64_t)n;
    return 0;
}

static char *dup_string(reader *r, json_t *o, const char *where, const char *key)
{
    json_t *v = member(r, o, where, key, JSON_STRING);
    return v ? tally_xstrdup(json_string_value(v)) : NULL;
}

/* per_10k must be what the writer would write for this count: equal to 10 significant digits */
static int check_rate(reader *r, const tally_summary *s, json_t *o, const char *what, const char *name,
                      const tally_count *c)
{
    json_t *v = member(r, o, what, "per_10k", JSON_REAL);
    if (!v)
        return -1;
    double got = json_number_value(v), want = tally_summary_rate(s, c->count);
    if (fabs(got - want) > 1e-9 * fabs(want) + 1e-300)
        return bad(r, "the per_10k of %s '%s' (%.10g) does not follow from its count %llu and the corpus's %llu tokens",
                   what, name, got, (unsigned long long)c->count, (unsigned long long)s->tot.tokens);
    if (c->documents > s->tot.documents)
        return bad(r, "%s '%s' is in %llu documents, more than the corpus's %llu", what, name,
                   (unsigned long long)c->documents, (unsigned long long)s->tot.documents);
    if (c->documents > c->count)
        return bad(r, "%s '%s' is in %llu documents but counted only %llu times", what, name,
                   (unsigned long long)c->documents, (unsigned long long)c->count);
    if (c->count > s->tot.tokens)
        return bad(r, "%s '%s' is counted %llu times, more than the corpus's %llu tokens", what, name,
                   (unsigned long long)c->count, (unsigned long long)s->tot.tokens);
    return 0;
}

static int read_entries(reader *r, json_t *root, const char *key, tally_entry **list, size_t *n, size_t *cap)
{
    json_t *a = member(r, root, "the summary", key, JSON_ARRAY);
    if (!a)
        return -1;
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e) {
        char where[64];
        snprintf(where, sizeof where, "%s[%zu]", key, i);
        if (!json_is_object(e))
            return bad(r, "%s is not an object", where);
        json_t *in = member(r, e, where, "input", JSON_STRING), *msg = member(r, e, where, "message", JSON_STRING);
        uint64_t line = 0;
        if (!in || !msg || get_u64(r, e, where, "line", &line))
            return -1;
        tally__summary_push_entry(list, n, cap, json_string_value(in), line, json_string_value(msg));
        if (*n > 1) {
            const tally_entry *p = &(*list)[*n - 2], *q = &(*list)[*n - 1];
            int c = strcmp(p->input, q->input);
            if (c > 0 || (c == 0 && (p->line > q->line || (p->line == q->line && strcmp(p->message, q->message) > 0))))
                return bad(r, "%s is out of order (by input, line and message)", where);
        }
    }
    return 0;
}

/* Names sorted for lookups: the group or keyword index of a name, by binary search. Each entry
 * carries its own name, so sorting needs no state outside the array (summaries may be read on
 * several threads at once). */
typedef struct name_entry {
    const char *name;
    size_t idx;
} name_entry;

typedef struct name_index {
    name_entry *e;
    size_t n;
} name_index;

static int cmp_entry_name(const void *a, const void *b)
{
    return strcmp(((const name_entry *)a)->name, ((const name_entry *)b)->name);
}

static void index_init(name_index *x, char **names, size_t n)
{
    x->n = n;
    x->e = tally_xmalloc((n ? n : 1) * sizeof *x->e);
    for (size_t i = 0; i < n; i++)
        x->e[i] = (name_entry){names[i], i};
    qsort(x->e, n, sizeof *x->e, cmp_entry_name);
}

static long index_find(const name_index *x, const char *name)
{
    size_t lo = 0, hi = x->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(x->e[mid].name, name);
        if (c == 0)
            return (long)x->e[mid].idx;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int read_root(reader *r, json_t *root, tally_summary **out)
{
    tally_summary *s = NULL;
    name_index kx = {0}, gx = {0};
    if (!json_is_object(root))
        return bad(r, "the JSON value is not an object");
    json_t *ver = json_object_get(root, "tally");
    if (!json_is_integer(ver))
        return bad(r, "no \"tally\" schema version");
    if (json_integer_value(ver) != TALLY_SCHEMA) {
        r->rc = tally__seterr(r->err, TALLY_EINVAL, 0, UINT64_MAX,
                              "a summary of schema version %lld; this tally reads version %d (scan the inputs again)",
                              (long long)json_integer_value(ver), TALLY_SCHEMA);
        return r->rc;
    }
    json_t *corpus = member(r, root, "the summary", "corpus", JSON_OBJECT);
    json_t *kws = member(r, root, "the summary", "keywords", JSON_OBJECT);
    json_t *grps = member(r, root, "the summary", "groups", JSON_OBJECT);
    json_t *inputs = member(r, root, "the summary", "inputs", JSON_ARRAY);
    json_t *opts = member(r, root, "the summary", "options", JSON_OBJECT);
    json_t *js = member(r, root, "the summary", "json", JSON_OBJECT);
    if (r->rc)
        return r->rc;
    s = tally__summary_alloc(json_object_size(kws), json_object_size(grps), 0);
    tally_totals *t = &s->tot;
    uint64_t n_inputs = 0;
    if (get_u64(r, corpus, "corpus", "inputs", &n_inputs) || get_u64(r, corpus, "corpus", "documents", &t->documents) ||
        get_u64(r, corpus, "corpus", "tokens", &t->tokens) || get_u64(r, corpus, "corpus", "bytes", &t->bytes) ||
        get_u64(r, corpus, "corpus", "invalid_utf8", &t->invalid_utf8) ||
        get_u64(r, corpus, "corpus", "skipped_documents", &t->skipped_documents) ||
        get_u64(r, corpus, "corpus", "failed_inputs", &t->failed_inputs) ||
        get_u64(r, corpus, "corpus", "skipped_inputs", &t->skipped_inputs) ||
        get_u64(r, root, "the summary", "errors_omitted", &t->errors_omitted))
        goto out;

    /* names first, so that groups and members can be checked against each other */
    const char *key;
    json_t *v;
    size_t k = 0;
    json_object_foreach(kws, key, v) s->kw_names[k++] = tally_xstrdup(key);
    k = 0;
    json_object_foreach(grps, key, v) s->group_names[k++] = tally_xstrdup(key);
    index_init(&kx, s->kw_names, s->n_kws);
    index_init(&gx, s->group_names, s->n_groups);

    k = 0;
    json_object_foreach(kws, key, v) {
        if (!json_is_object(v)) {
            bad(r, "keyword '%s' is not an object", key);
            goto out;
        }
        if (get_u64(r, v, "a keyword", "count", &s->kw[k].count) ||
            get_u64(r, v, "a keyword", "documents", &s->kw[k].documents) ||
            check_rate(r, s, v, "keyword", key, &s->kw[k]))
            goto out;
        json_t *g = member(r, v, "a keyword", "groups", JSON_ARRAY);
        if (!g)
            goto out;
        s->kw_n_groups[k] = (uint32_t)json_array_size(g);
        s->kw_groups[k] = tally_xmalloc((json_array_size(g) + 1) * sizeof(uint32_t));
        size_t i;
        json_t *gn;
        json_array_foreach(g, i, gn) {
            long gi = json_is_string(gn) ? index_find(&gx, json_string_value(gn)) : -1;
            if (gi < 0) {
                bad(r, "keyword '%s' names a group that is not in \"groups\"", key);
                goto out;
            }
            s->kw_groups[k][i] = (uint32_t)gi;
        }
        k++;
    }
    k = 0;
    json_object_foreach(grps, key, v) {
        if (!json_is_object(v)) {
            bad(r, "group '%s' is not an object", key);
            goto out;
        }
        if (get_u64(r, v, "a group", "count", &s->grp[k].count) ||
            get_u64(r, v, "a group", "documents", &s->grp[k].documents) ||
            check_rate(r, s, v, "group", key, &s->grp[k]))
            goto out;
        json_t *m = member(r, v, "a group", "members", JSON_ARRAY);
        if (!m)
            goto out;
        s->group_n_members[k] = (uint32_t)json_array_size(m);
        s->group_members[k] = tally_xmalloc((json_array_size(m) + 1) * sizeof(uint32_t));
        size_t i;
        json_t *mn;
        json_array_foreach(m, i, mn) {
            long ki = json_is_string(mn) ? index_find(&kx, json_string_value(mn)) : -1;
            int listed = 0;
            for (uint32_t j = 0; ki >= 0 && j < s->kw_n_groups[ki]; j++)
                listed |= s->kw_groups[ki][j] == k;
            if (!listed) {
                bad(r, "group '%s' has a member that is not a keyword listing the group", key);
                goto out;
            }
            s->group_members[k][i] = (uint32_t)ki;
        }
        k++;
    }
    for (size_t x = 0; x < s->n_kws; x++) {
        for (uint32_t j = 0; j < s->kw_n_groups[x]; j++) {
            uint32_t g = s->kw_groups[x][j];
            int listed = 0;
            for (uint32_t m = 0; m < s->group_n_members[g]; m++)
                listed |= s->group_members[g][m] == x;
            if (!listed) {
                bad(r, "keyword '%s' lists the group '%s', which does not list it", s->kw_names[x], s->group_names[g]);
                goto out;
            }
        }
    }

    /* a group's matches are its members' matches, taken without overlap */
    for (size_t g = 0; g < s->n_groups; g++) {
        uint64_t sum_count = 0, sum_docs = 0, max_docs = 0;
        for (uint32_t m = 0; m < s->group_n_members[g]; m++) {
            const tally_count *c = &s->kw[s->group_members[g][m]];
            sum_count += c->count;
            sum_docs += c->documents;
            if (c->documents > max_docs)
                max_docs = c->documents;
        }
        const tally_count *gc = &s->grp[g];
        if (gc->count > sum_count || gc->documents > sum_docs || gc->documents < max_docs) {
            bad(r, "group '%s' (count %llu, in %llu documents) does not agree with its members' counts", s->group_names[g],
                (unsigned long long)gc->count, (unsigned long long)gc->documents);
            goto out;
        }
    }

    if (json_array_size(inputs) != n_inputs) {
        bad(r, "corpus.inputs is %llu but \"inputs\" lists %zu", (unsigned long long)n_inputs, json_array_size(inputs));
        goto out;
    }
    free(s->inputs);
    s->inputs = tally_xcalloc(n_inputs ? n_inputs : 1, sizeof *s->inputs);
    uint64_t sum_bytes = 0, sum_docs = 0;
    for (size_t i = 0; i < n_inputs; i++) {
        json_t *o = json_array_get(inputs, i);
        char where[48];
        snprintf(where, sizeof where, "inputs[%zu]", i);
        tally_sinput *in = &s->inputs[i];
        in->format = -1;
        if (!json_is_object(o)) {
            bad(r, "%s is not an object", where);
            goto out;
        }
        in->path = dup_string(r, o, where, "path");
        s->tot.inputs = i + 1; /* so that the path is freed with the summary */
        if (!in->path || get_u64(r, o, where, "bytes", &in->bytes) || get_u64(r, o, where, "documents", &in->documents))
            goto out;
        json_t *f = json_object_get(o, "format"), *d = json_object_get(o, "digest");
        if (!f || !(json_is_null(f) || json_is_string(f))) {
            bad(r, "%s has no \"format\" (a string or null)", where);
            goto out;
        }
        if (json_is_string(f)) {
            static const int fmts[] = {TALLY_FORMAT_JSONL, TALLY_FORMAT_JSON, TALLY_FORMAT_TEXT, TALLY_FORMAT_LINES};
            for (size_t q = 0; q < sizeof fmts / sizeof fmts[0]; q++)
                if (strcmp(json_string_value(f), tally__format_name(fmts[q])) == 0)
                    in->format = fmts[q];
            if (in->format < 0) {
                bad(r, "%s has an unknown format '%s'", where, json_string_value(f));
                goto out;
            }
        }
        if (!d || !(json_is_null(d) || (json_is_string(d) && strlen(json_string_value(d)) == 32 &&
                                        strspn(json_string_value(d), "0123456789abcdef") == 32))) {
            bad(r, "%s has no \"digest\" (32 hex digits or null)", where);
            goto out;
        }
        if (json_is_string(d))
            memcpy(in->digest, json_string_value(d), 33);
        if (i > 0 && strcmp(s->inputs[i - 1].path, in->path) > 0) {
            bad(r, "%s is out of order (inputs are sorted by path)", where);
            goto out;
        }
        sum_bytes += in->bytes;
        sum_docs += in->documents;
    }
    s->tot.inputs = n_inputs;
    if (sum_bytes != t->bytes || sum_docs != t->documents) {
        bad(r, "the inputs' bytes and documents (%llu, %llu) do not add up to the corpus's (%llu, %llu)",
            (unsigned long long)sum_bytes, (unsigned long long)sum_docs, (unsigned long long)t->bytes,
            (unsigned long long)t->documents);
        goto out;
    }
    if (read_entries(r, root, "errors", &s->errors, &s->n_errors, &s->cap_errors) ||
        read_entries(r, root, "warnings", &s->warnings, &s->n_warnings, &s->cap_warnings))
        goto out;

    if (get_u64(r, js, "json", "objects", &s->json_objects) || get_u64(r, js, "json", "without_text", &s->without_text))
        goto out;
    json_t *keys = member(r, js, "json", "keys_without_text", JSON_ARRAY);
    if (!keys)
        goto out;
    if (s->without_text > s->json_objects || json_array_size(keys) > TALLY_MAX_KEYS_SEEN) {
        bad(r, "\"json\" does not add up");
        goto out;
    }
    s->keys = tally_xcalloc(json_array_size(keys) + 1, sizeof *s->keys);
    size_t i;
    json_t *kv;
    json_array_foreach(keys, i, kv) {
        if (!json_is_string(kv) || (i > 0 && strcmp(s->keys[i - 1], json_string_value(kv)) >= 0)) {
            bad(r, "json.keys_without_text is not a sorted list of strings");
            goto out;
        }
        s->keys[s->n_keys++] = tally_xstrdup(json_string_value(kv));
    }

    char *fp = dup_string(r, opts, "options", "fingerprint");
    char *dict = dup_string(r, opts, "options", "dictionary");
    char *settings = dup_string(r, opts, "options", "settings");
    if (fp && dict && settings) {
        free(s->settings);
        s->settings = settings;
        settings = NULL;
        snprintf(s->dictionary, sizeof s->dictionary, "%s", dict);
        tally__summary_fingerprint(s->settings, s->dictionary, s->fingerprint);
        if (strcmp(s->fingerprint, fp) != 0)
            bad(r, "options.fingerprint does not follow from options.settings and options.dictionary");
    }
    free(fp);
    free(dict);
    free(settings);
    if (r->rc)
        goto out;
    /* the first text field and their number, for the error the summary derives */
    const char *tf = strstr(s->settings, "text-fields=");
    json_t *fields = tf ? json_loads(tf + 12, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, NULL) : NULL;
    if (!json_is_array(fields) || json_array_size(fields) == 0 || !json_is_string(json_array_get(fields, 0))) {
        json_decref(fields);
        bad(r, "options.settings has no text-fields list");
        goto out;
    }
    free(s->text_field);
    s->text_field = tally_xstrdup(json_string_value(json_array_get(fields, 0)));
    s->n_text_fields = json_array_size(fields);
    json_decref(fields);
    /* the derived error must be the one these counts give */
    size_t before = s->n_errors;
    tally__summary_refresh_derived(s);
    if (s->n_errors != before) {
        bad(r, "the error about the text field does not agree with \"json\"");
        goto out;
    }
    if ((r->rc = tally__buckets_read(root, s, r->err)) != 0)
        goto out;
    if (tally__svocab_read(root, s, r->err) != 0) {
        r->rc = TALLY_EJSON;
        goto out;
    }
    json_t *run = json_object_get(root, "run");
    s->merged = 1;
    if (json_is_object(run)) {
        /* a scan's summary read back counts as one scan: a merge of it alone says so */
        json_t *m = json_object_get(run, "merged");
        s->merged = json_is_integer(m) && json_integer_value(m) > 0 ? (uint64_t)json_integer_value(m) : 1;
        json_t *sec = json_object_get(run, "seconds");
        if (json_is_number(sec))
            s->tot.seconds = json_number_value(sec);
    }
    *out = s;
    s = NULL;
out:
    free(kx.e);
    free(gx.e);
    tally_summary_free(s);
    return r->rc;
}

static int load(json_t *root, const json_error_t *je, tally_summary **out, tally_error *err)
{
    *out = NULL;
    if (!root)
        return tally__seterr(err, TALLY_EJSON, (uint64_t)(je->line > 0 ? je->line : 0), UINT64_MAX,
                             "not a valid tally summary: %s", je->text);
    reader r = {err, 0};
    int rc = read_root(&r, root, out);
    json_decref(root);
    return rc;
}

/* Duplicate keys would make a summary mean two things: refused. Integers too large for 63 bits
 * are a JSON error in jansson ("too big integer"). */
#define LOAD_FLAGS (JSON_REJECT_DUPLICATES)

int tally_summary_read_buffer(const char *buf, size_t len, tally_summary **out, tally_error *err)
{
    json_error_t je;
    json_t *root = json_loadb(buf, len, LOAD_FLAGS, &je);
    return load(root, &je, out, err);
}

int tally_summary_read(const char *path, tally_summary **out, tally_error *err)
{
    *out = NULL;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return tally__seterr(err, errno == ENOENT ? TALLY_ENOENT : TALLY_EIO, 0, UINT64_MAX, "%s", strerror(errno));
    json_error_t je;
    json_t *root = json_loadf(f, LOAD_FLAGS, &je);
    int read_error = ferror(f);
    if (f != stdin)
        fclose(f);
    if (read_error) {
        json_decref(root);
        return tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "read failed");
    }
    return load(root, &je, out, err);
}
