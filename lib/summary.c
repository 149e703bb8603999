/* summary.c — accumulates a scan's exact totals, computes the options fingerprint (what decides the
 * counts, as README "The summary" documents it) and writes the summary JSON with jansson. */
#include "summary.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <utf8proc.h>

#include "unicode.h"

tally_summary *tally__summary_new(const tally_dict *d, size_t n_inputs)
{
    tally_summary *s = tally_xcalloc(1, sizeof *s);
    s->d = d;
    s->inputs = n_inputs;
    s->kw_count = tally_xcalloc(d->n_kws, sizeof *s->kw_count);
    s->kw_docs = tally_xcalloc(d->n_kws, sizeof *s->kw_docs);
    s->grp_count = tally_xcalloc(d->n_groups ? d->n_groups : 1, sizeof *s->grp_count);
    s->grp_docs = tally_xcalloc(d->n_groups ? d->n_groups : 1, sizeof *s->grp_docs);
    s->input_names = tally_xcalloc(n_inputs ? n_inputs : 1, sizeof *s->input_names);
    s->input_errors = tally_xcalloc(n_inputs ? n_inputs : 1, sizeof *s->input_errors);
    tally__summary_set_options(s, NULL, 0);
    return s;
}

void tally_summary_free(tally_summary *s)
{
    if (!s)
        return;
    free(s->kw_count);
    free(s->kw_docs);
    free(s->grp_count);
    free(s->grp_docs);
    for (uint64_t i = 0; i < s->inputs; i++)
        free(s->input_names[i]);
    free(s->input_names);
    for (size_t i = 0; i < s->n_errors; i++) {
        free(s->errors[i].message);
        free(s->errors[i].name);
    }
    free(s->errors);
    for (size_t i = 0; i < s->n_warnings; i++)
        free(s->warnings[i].message);
    free(s->warnings);
    free(s->input_errors);
    free(s->options_desc);
    free(s);
}

/* Appends s as a JSON string by a fixed rule that README states: '"' and '\\' escaped with a
 * backslash, bytes below 0x20 as \u00xx, every other byte as it is. */
static void append_quoted(tally_buf *b, const char *s)
{
    tally__buf_append(b, "\"", 1);
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            tally__buf_append(b, e, 2);
        } else if (c < 0x20) {
            char e[8];
            int n = snprintf(e, sizeof e, "\\u%04x", c);
            tally__buf_append(b, e, (size_t)n);
        } else {
            tally__buf_append(b, p, 1);
        }
    }
    tally__buf_append(b, "\"", 1);
}

/* The canonical texts are frozen and documented in README ("The summary"); a change there is a
 * new version line, never a silent change of meaning. */
void tally__summary_set_options(tally_summary *s, const char *const *fields, size_t n_fields)
{
    static const char *const default_field[] = {"text"};
    if (!fields || n_fields == 0) {
        fields = default_field;
        n_fields = 1;
    }
    tally_buf b;
    tally__buf_init(&b);
    char head[256];
    int hn = snprintf(head, sizeof head, "tokenizer=%s case=%s unicode=%s utf8proc=%s text-fields=[",
                      s->d->tokenizer == TALLY_TOKENIZER_WHITESPACE ? "whitespace" : "unicode",
                      s->d->case_sensitive ? "sensitive" : "insensitive", tally__unicode_version,
                      utf8proc_version());
    tally__buf_append(&b, head, (size_t)hn);
    for (size_t i = 0; i < n_fields; i++) {
        if (i)
            tally__buf_append(&b, ",", 1);
        append_quoted(&b, fields[i]);
    }
    tally__buf_append(&b, "]", 2); /* with the NUL */
    free(s->options_desc);
    s->options_desc = (char *)b.data; /* the buffer's bytes are now the string (owned) */

    tally_buf t;
    tally__buf_init(&t);
    tally__buf_append(&t, "tally-fingerprint\t1\nsettings\t", 29);
    tally__buf_append(&t, s->options_desc, strlen(s->options_desc));
    tally__buf_append(&t, "\ndictionary\t", 12);
    const char *dfp = tally_dict_fingerprint(s->d);
    tally__buf_append(&t, dfp, strlen(dfp));
    tally__buf_append(&t, "\n", 1);
    tally__xxh128_hex(t.data, t.len, s->fingerprint);
    tally__buf_cleanup(&t);
}

void tally__summary_add_counts(tally_summary *s, const tally_idcount *kw, size_t n_kw,
                               const tally_idcount *grp, size_t n_grp)
{
    for (size_t i = 0; i < n_kw; i++) {
        s->kw_count[kw[i].id] += kw[i].count;
        s->kw_docs[kw[i].id] += kw[i].docs;
    }
    for (size_t i = 0; i < n_grp; i++) {
        s->grp_count[grp[i].id] += grp[i].count;
        s->grp_docs[grp[i].id] += grp[i].docs;
    }
}

static int cmp_err(const void *a, const void *b)
{
    const tally_serror *x = a, *y = b;
    if (x->input != y->input)
        return x->input < y->input ? -1 : 1;
    /* a folder's error comes before the errors of the input that follows it */
    if (!x->name != !y->name)
        return x->name ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return strcmp(x->message, y->message);
}

/* Keeps only the TALLY_MAX_ERRORS_PER_INPUT errors with the lowest lines of input i, so the
 * listed set does not depend on the order in which batches finished. */
static void trim_input_errors(tally_summary *s, size_t input)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_errors; i++)
        if (s->errors[i].input == input && !s->errors[i].name)
            n++;
    if (n <= TALLY_MAX_ERRORS_PER_INPUT)
        return;
    qsort(s->errors, s->n_errors, sizeof *s->errors, cmp_err);
    size_t seen = 0, w = 0;
    for (size_t i = 0; i < s->n_errors; i++) {
        if (s->errors[i].input == input && !s->errors[i].name && seen++ >= TALLY_MAX_ERRORS_PER_INPUT) {
            free(s->errors[i].message);
            continue;
        }
        s->errors[w++] = s->errors[i];
    }
    s->n_errors = w;
}

void tally__summary_add_error(tally_summary *s, size_t input, uint64_t line, const char *message)
{
    if (s->n_errors == s->cap_errors) {
        s->cap_errors = s->cap_errors ? s->cap_errors * 2 : 16;
        s->errors = tally_xrealloc(s->errors, s->cap_errors * sizeof *s->errors);
    }
    tally_serror *e = &s->errors[s->n_errors++];
    e->input = input;
    e->line = line;
    e->message = tally_xstrdup(message);
    e->name = NULL;
    if (input < s->inputs && ++s->input_errors[input] % (2 * TALLY_MAX_ERRORS_PER_INPUT) == 0)
        trim_input_errors(s, input);
}

void tally__summary_add_named_error(tally_summary *s, size_t before, const char *name, const char *message)
{
    tally__summary_add_error(s, SIZE_MAX, 0, message);
    tally_serror *e = &s->errors[s->n_errors - 1];
    e->input = before;
    e->name = tally_xstrdup(name);
}

void tally__summary_add_warning(tally_summary *s, size_t input, uint64_t line, const char *message)
{
    if (s->n_warnings == s->cap_warnings) {
        s->cap_warnings = s->cap_warnings ? s->cap_warnings * 2 : 16;
        s->warnings = tally_xrealloc(s->warnings, s->cap_warnings * sizeof *s->warnings);
    }
    tally_serror *e = &s->warnings[s->n_warnings++];
    e->input = input;
    e->line = line;
    e->message = tally_xstrdup(message);
    e->name = NULL;
}

void tally__summary_finish(tally_summary *s)
{
    for (uint64_t i = 0; i < s->inputs; i++)
        if (s->input_errors[i] > TALLY_MAX_ERRORS_PER_INPUT)
            trim_input_errors(s, i);
    if (s->n_errors > 1)
        qsort(s->errors, s->n_errors, sizeof *s->errors, cmp_err);
    if (s->n_warnings > 1)
        qsort(s->warnings, s->n_warnings, sizeof *s->warnings, cmp_err);
    s->errors_omitted = 0;
    for (uint64_t i = 0; i < s->inputs; i++)
        if (s->input_errors[i] > TALLY_MAX_ERRORS_PER_INPUT)
            s->errors_omitted += s->input_errors[i] - TALLY_MAX_ERRORS_PER_INPUT;
}

int tally_summary_status(const tally_summary *s)
{
    /* not one of the inputs that were to be read could be opened: a typo in the only path */
    if (s->unopened > 0 && s->unopened + s->skipped_inputs == s->inputs)
        return 1;
    return (s->failed_inputs || s->skipped_documents || s->n_errors) ? 3 : 0;
}

void tally_summary_totals(const tally_summary *s, tally_totals *t)
{
    t->inputs = s->inputs;
    t->documents = s->documents;
    t->tokens = s->tokens;
    t->bytes = s->bytes;
    t->invalid_utf8 = s->invalid_utf8;
    t->skipped_documents = s->skipped_documents;
    t->failed_inputs = s->failed_inputs;
    t->skipped_inputs = s->skipped_inputs;
    t->errors_omitted = s->errors_omitted;
    t->seconds = s->seconds;
}

void tally_summary_keyword(const tally_summary *s, size_t i, uint64_t *count, uint64_t *documents)
{
    *count = i < s->d->n_kws ? s->kw_count[i] : 0;
    *documents = i < s->d->n_kws ? s->kw_docs[i] : 0;
}

void tally_summary_group(const tally_summary *s, size_t i, uint64_t *count, uint64_t *documents)
{
    *count = i < s->d->n_groups ? s->grp_count[i] : 0;
    *documents = i < s->d->n_groups ? s->grp_docs[i] : 0;
}

size_t tally_summary_error_count(const tally_summary *s)
{
    return s->n_errors;
}

static const char *entry_name(const tally_summary *s, const tally_serror *e)
{
    if (e->name)
        return e->name;
    return e->input < s->inputs && s->input_names[e->input] ? s->input_names[e->input] : "";
}

void tally_summary_error(const tally_summary *s, size_t i, const char **input, uint64_t *line,
                         const char **message)
{
    const tally_serror *e = &s->errors[i];
    *input = entry_name(s, e);
    *line = e->line;
    *message = e->message;
}

size_t tally_summary_warning_count(const tally_summary *s)
{
    return s->n_warnings;
}

void tally_summary_warning(const tally_summary *s, size_t i, const char **input, uint64_t *line,
                           const char **message)
{
    const tally_serror *e = &s->warnings[i];
    *input = entry_name(s, e);
    *line = e->line;
    *message = e->message;
}

static double per_10k(uint64_t count, uint64_t tokens)
{
    return tokens ? (double)count * 10000.0 / (double)tokens : 0.0;
}

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

/* Writes a list of errors or warnings, one entry a line: [{"input","line","message"}, ...]. */
static int write_entries(const tally_summary *s, const tally_serror *list, size_t n, FILE *f)
{
    int bad = fputs("[", f) == EOF;
    for (size_t i = 0; i < n && !bad; i++) {
        const tally_serror *e = &list[i];
        /* names come from the file system and may be any bytes: jansson needs valid UTF-8 */
        char *name = tally__utf8_sanitize(entry_name(s, e)), *msg = tally__utf8_sanitize(e->message);
        json_t *o = json_object();
        set(o, "input", json_string(name));
        set(o, "line", json_integer((json_int_t)e->line));
        set(o, "message", json_string(msg));
        free(name);
        free(msg);
        bad |= fputs(i ? ",\n    " : "\n    ", f) == EOF;
        bad |= dump(f, o);
    }
    bad |= fputs(n ? "\n  ]" : "]", f) == EOF;
    return bad ? -1 : 0;
}

/* The summary is written one entry at a time, so memory stays flat with a million keywords:
 * a small jansson value per entry, never a tree of the whole document. */
int tally_summary_write(const tally_summary *s, FILE *f)
{
    const tally_dict *d = s->d;
    int bad = 0;
    bad |= fputs("{\n  \"tally\": ", f) == EOF;
    bad |= dump(f, json_integer(TALLY_SCHEMA));

    json_t *c = json_object();
    set(c, "inputs", json_integer((json_int_t)s->inputs));
    set(c, "documents", json_integer((json_int_t)s->documents));
    set(c, "tokens", json_integer((json_int_t)s->tokens));
    set(c, "bytes", json_integer((json_int_t)s->bytes));
    set(c, "invalid_utf8", json_integer((json_int_t)s->invalid_utf8));
    set(c, "skipped_documents", json_integer((json_int_t)s->skipped_documents));
    set(c, "failed_inputs", json_integer((json_int_t)s->failed_inputs));
    set(c, "skipped_inputs", json_integer((json_int_t)s->skipped_inputs));
    bad |= fputs(",\n  \"corpus\": ", f) == EOF;
    bad |= dump(f, c);

    bad |= fputs(",\n  \"keywords\": {", f) == EOF;
    for (size_t k = 0; k < d->n_kws && !bad; k++) {
        json_t *o = json_object();
        set(o, "count", json_integer((json_int_t)s->kw_count[k]));
        set(o, "documents", json_integer((json_int_t)s->kw_docs[k]));
        set(o, "per_10k", json_real(per_10k(s->kw_count[k], s->tokens)));
        json_t *g = json_array();
        for (uint32_t i = 0; i < d->kws[k].n_groups; i++)
            json_array_append_new(g, json_string(d->groups[d->kws[k].groups[i]].name));
        set(o, "groups", g);
        bad |= dump_key(f, k ? ",\n    " : "\n    ", d->kws[k].name);
        bad |= dump(f, o);
    }
    bad |= fputs(d->n_kws ? "\n  },\n  \"groups\": {" : "},\n  \"groups\": {", f) == EOF;
    for (size_t g = 0; g < d->n_groups && !bad; g++) {
        json_t *o = json_object();
        set(o, "count", json_integer((json_int_t)s->grp_count[g]));
        set(o, "documents", json_integer((json_int_t)s->grp_docs[g]));
        set(o, "per_10k", json_real(per_10k(s->grp_count[g], s->tokens)));
        json_t *mem = json_array();
        for (uint32_t i = 0; i < d->groups[g].n_members; i++)
            json_array_append_new(mem, json_string(d->kws[d->groups[g].members[i]].name));
        set(o, "members", mem);
        bad |= dump_key(f, g ? ",\n    " : "\n    ", d->groups[g].name);
        bad |= dump(f, o);
    }
    bad |= fputs(d->n_groups ? "\n  },\n  \"errors\": " : "},\n  \"errors\": ", f) == EOF;
    bad |= bad || write_entries(s, s->errors, s->n_errors, f);
    bad |= fputs(",\n  \"errors_omitted\": ", f) == EOF;
    bad |= dump(f, json_integer((json_int_t)s->errors_omitted));

    bad |= fputs(",\n  \"warnings\": ", f) == EOF;
    bad |= bad || write_entries(s, s->warnings, s->n_warnings, f);

    json_t *opt = json_object();
    set(opt, "fingerprint", json_string(s->fingerprint));
    set(opt, "dictionary", json_string(tally_dict_fingerprint(d)));
    set(opt, "settings", json_string(s->options_desc));
    bad |= fputs(",\n  \"options\": ", f) == EOF;
    bad |= dump(f, opt);

    json_t *run = json_object();
    set(run, "version", json_string(TALLY_VERSION));
    set(run, "threads", json_integer(s->threads));
    set(run, "seconds", json_real(s->seconds));
    set(run, "bytes_per_second", json_real(s->seconds > 0 ? (double)s->bytes / s->seconds : 0.0));
    bad |= fputs(",\n  \"run\": ", f) == EOF;
    bad |= dump(f, run);
    bad |= fputs("\n}\n", f) == EOF;
    if (bad || fflush(f) != 0 || ferror(f))
        return TALLY_EIO;
    return 0;
}
