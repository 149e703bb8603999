/* summary_write.c — the summary's JSON form (schema 2, README "The summary" and
 * docs/summary.schema.json), written one entry a line with jansson writing every value: a
 * small jansson value per entry, never a tree of the whole document, so memory stays flat with
 * a million keywords. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "by.h"
#include "summary.h"
#include "summary_vocab.h"

/* json_object_set_new with a check: jansson fails only on out of memory or invalid UTF-8 keys,
 * and every key here is valid UTF-8 (checked when the dictionary was read). */
static void set(json_t *o, const char *k, json_t *v)
{
    if (!v || json_object_set_new(o, k, v) != 0) {
        fputs("tally: out of memory\n", stderr);
        abort();
    }
}

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10) | JSON_ENCODE_ANY)

/* Writes v (stolen) with jansson, compact, on one line; returns 0 or -1. */
static int dump(FILE *f, json_t *v)
{
    int rc = json_dumpf(v, f, DUMP_FLAGS);
    json_decref(v);
    return rc;
}

/* Writes `  "key": ` with the key escaped by jansson. */
static int dump_key(FILE *f, const char *indent, const char *key)
{
    if (fputs(indent, f) == EOF || dump(f, json_string(key)) != 0 || fputs(": ", f) == EOF)
        return -1;
    return 0;
}

/* A JSON string of bytes that may not be UTF-8 (names from the file system): ill-formed
 * sequences become U+FFFD, as everywhere in tally. */
static json_t *string_of(const char *s)
{
    char *clean = tally__utf8_sanitize(s);
    json_t *v = json_string(clean);
    free(clean);
    return v;
}

/* Writes a list of errors or warnings, one entry a line: [{"input","line","message"}, ...]. */
static int write_entries(const tally_entry *list, size_t n, FILE *f)
{
    int bad = fputs("[", f) == EOF;
    for (size_t i = 0; i < n && !bad; i++) {
        json_t *o = json_object();
        set(o, "input", string_of(list[i].input));
        set(o, "line", json_integer((json_int_t)list[i].line));
        set(o, "message", string_of(list[i].message));
        bad |= fputs(i ? ",\n    " : "\n    ", f) == EOF;
        bad |= dump(f, o);
    }
    bad |= fputs(n ? "\n  ]" : "]", f) == EOF;
    return bad ? -1 : 0;
}

static json_t *counts(const tally_summary *s, const tally_count *c)
{
    json_t *o = json_object();
    set(o, "count", json_integer((json_int_t)c->count));
    set(o, "documents", json_integer((json_int_t)c->documents));
    set(o, "per_10k", json_real(tally_summary_rate(s, c->count)));
    return o;
}

int tally_summary_write(const tally_summary *s, FILE *f)
{
    const tally_totals *t = &s->tot;
    int bad = 0;
    bad |= fputs("{\n  \"tally\": ", f) == EOF;
    bad |= dump(f, json_integer(TALLY_SCHEMA));

    json_t *c = json_object();
    set(c, "inputs", json_integer((json_int_t)t->inputs));
    set(c, "documents", json_integer((json_int_t)t->documents));
    set(c, "tokens", json_integer((json_int_t)t->tokens));
    set(c, "bytes", json_integer((json_int_t)t->bytes));
    set(c, "invalid_utf8", json_integer((json_int_t)t->invalid_utf8));
    set(c, "skipped_documents", json_integer((json_int_t)t->skipped_documents));
    set(c, "failed_inputs", json_integer((json_int_t)t->failed_inputs));
    set(c, "skipped_inputs", json_integer((json_int_t)t->skipped_inputs));
    tally__buckets_corpus(s, c);
    bad |= fputs(",\n  \"corpus\": ", f) == EOF;
    bad |= dump(f, c);

    bad |= fputs(",\n  \"keywords\": {", f) == EOF;
    for (size_t k = 0; k < s->n_kws && !bad; k++) {
        json_t *o = counts(s, &s->kw[k]);
        json_t *g = json_array();
        for (uint32_t i = 0; i < s->kw_n_groups[k]; i++)
            json_array_append_new(g, json_string(s->group_names[s->kw_groups[k][i]]));
        set(o, "groups", g);
        bad |= dump_key(f, k ? ",\n    " : "\n    ", s->kw_names[k]);
        bad |= dump(f, o);
    }
    bad |= fputs(s->n_kws ? "\n  },\n  \"groups\": {" : "},\n  \"groups\": {", f) == EOF;
    for (size_t g = 0; g < s->n_groups && !bad; g++) {
        json_t *o = counts(s, &s->grp[g]);
        json_t *mem = json_array();
        for (uint32_t i = 0; i < s->group_n_members[g]; i++)
            json_array_append_new(mem, json_string(s->kw_names[s->group_members[g][i]]));
        set(o, "members", mem);
        bad |= dump_key(f, g ? ",\n    " : "\n    ", s->group_names[g]);
        bad |= dump(f, o);
    }
    bad |= fputs(s->n_groups ? "\n  },\n  \"inputs\": [" : "},\n  \"inputs\": [", f) == EOF;
    for (uint64_t i = 0; i < t->inputs && !bad; i++) {
        const tally_sinput *in = &s->inputs[i];
        const char *fmt = tally__format_name(in->format);
        json_t *o = json_object();
        set(o, "path", string_of(in->path));
        set(o, "format", fmt ? json_string(fmt) : json_null());
        set(o, "bytes", json_integer((json_int_t)in->bytes));
        set(o, "documents", json_integer((json_int_t)in->documents));
        set(o, "digest", in->digest[0] ? json_string(in->digest) : json_null());
        bad |= fputs(i ? ",\n    " : "\n    ", f) == EOF;
        bad |= dump(f, o);
    }
    bad |= fputs(t->inputs ? "\n  ],\n  \"errors\": " : "],\n  \"errors\": ", f) == EOF;
    bad |= bad || write_entries(s->errors, s->n_errors, f);
    bad |= fputs(",\n  \"errors_omitted\": ", f) == EOF;
    bad |= dump(f, json_integer((json_int_t)t->errors_omitted));
    bad |= fputs(",\n  \"warnings\": ", f) == EOF;
    bad |= bad || write_entries(s->warnings, s->n_warnings, f);

    json_t *j = json_object();
    set(j, "objects", json_integer((json_int_t)s->json_objects));
    set(j, "without_text", json_integer((json_int_t)s->without_text));
    json_t *keys = json_array();
    for (size_t i = 0; i < s->n_keys; i++)
        json_array_append_new(keys, string_of(s->keys[i]));
    set(j, "keys_without_text", keys);
    bad |= fputs(",\n  \"json\": ", f) == EOF;
    bad |= dump(f, j);

    json_t *opt = json_object();
    set(opt, "fingerprint", json_string(s->fingerprint));
    set(opt, "dictionary", json_string(s->dictionary));
    set(opt, "settings", string_of(s->settings));
    bad |= fputs(",\n  \"options\": ", f) == EOF;
    bad |= dump(f, opt);

    bad |= bad || tally__svocab_write(s, f);
    json_t *run = json_object();
    set(run, "version", json_string(TALLY_VERSION));
    if (s->merged) {
        set(run, "merged", json_integer((json_int_t)s->merged));
    } else {
        set(run, "threads", json_integer(s->threads));
        set(run, "seconds", json_real(t->seconds));
        set(run, "bytes_per_second", json_real(t->seconds > 0 ? (double)t->bytes / t->seconds : 0.0));
    }
    bad |= bad || tally__buckets_write(s, f);
    bad |= fputs(",\n  \"run\": ", f) == EOF;
    bad |= dump(f, run);
    bad |= fputs("\n}\n", f) == EOF;
    if (bad || fflush(f) != 0 || ferror(f))
        return TALLY_EIO;
    return 0;
}
