/* summary.c — the summary as a value (summary.h): made by a scan, added into another, and read
 * through the public accessors. The options fingerprint is computed here from the canonical text
 * that README "The summary" documents. The JSON form lives in summary_write.c and
 * summary_read.c. */
#include "summary.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <utf8proc.h>

#include "by.h"
#include "summary_vocab.h"
#include "unicode.h"

tally_summary *tally__summary_alloc(size_t n_kws, size_t n_groups, size_t n_inputs)
{
    tally_summary *s = tally_xcalloc(1, sizeof *s);
    s->n_kws = n_kws;
    s->n_groups = n_groups;
    s->kw_names = tally_xcalloc(n_kws ? n_kws : 1, sizeof *s->kw_names);
    s->kw_groups = tally_xcalloc(n_kws ? n_kws : 1, sizeof *s->kw_groups);
    s->kw_n_groups = tally_xcalloc(n_kws ? n_kws : 1, sizeof *s->kw_n_groups);
    s->group_names = tally_xcalloc(n_groups ? n_groups : 1, sizeof *s->group_names);
    s->group_members = tally_xcalloc(n_groups ? n_groups : 1, sizeof *s->group_members);
    s->group_n_members = tally_xcalloc(n_groups ? n_groups : 1, sizeof *s->group_n_members);
    s->kw = tally_xcalloc(n_kws ? n_kws : 1, sizeof *s->kw);
    s->grp = tally_xcalloc(n_groups ? n_groups : 1, sizeof *s->grp);
    s->tot.inputs = n_inputs;
    s->inputs = tally_xcalloc(n_inputs ? n_inputs : 1, sizeof *s->inputs);
    for (size_t i = 0; i < n_inputs; i++)
        s->inputs[i].format = -1;
    s->settings = tally_xstrdup("");
    s->text_field = tally_xstrdup("text");
    s->n_text_fields = 1;
    return s;
}

static uint32_t *copy_ids(const uint32_t *ids, uint32_t n)
{
    uint32_t *p = tally_xmalloc((n ? n : 1) * sizeof *p);
    if (n)
        memcpy(p, ids, n * sizeof *p);
    return p;
}

tally_summary *tally__summary_new(const tally_dict *d, size_t n_inputs)
{
    tally_summary *s = tally__summary_alloc(d->n_kws, d->n_groups, n_inputs);
    for (size_t k = 0; k < d->n_kws; k++) {
        s->kw_names[k] = tally_xstrdup(d->kws[k].name);
        s->kw_groups[k] = copy_ids(d->kws[k].groups, d->kws[k].n_groups);
        s->kw_n_groups[k] = d->kws[k].n_groups;
    }
    for (size_t g = 0; g < d->n_groups; g++) {
        s->group_names[g] = tally_xstrdup(d->groups[g].name);
        s->group_members[g] = copy_ids(d->groups[g].members, d->groups[g].n_members);
        s->group_n_members[g] = d->groups[g].n_members;
    }
    tally__summary_set_options(s, d, NULL, 0);
    return s;
}

static void free_entries(tally_entry *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i].input);
        free(list[i].message);
    }
    free(list);
}

void tally_summary_free(tally_summary *s)
{
    if (!s)
        return;
    for (size_t k = 0; k < s->n_kws; k++) {
        free(s->kw_names[k]);
        free(s->kw_groups[k]);
    }
    for (size_t g = 0; g < s->n_groups; g++) {
        free(s->group_names[g]);
        free(s->group_members[g]);
    }
    free(s->kw_names);
    free(s->kw_groups);
    free(s->kw_n_groups);
    free(s->group_names);
    free(s->group_members);
    free(s->group_n_members);
    free(s->kw);
    free(s->grp);
    for (uint64_t i = 0; i < s->tot.inputs; i++)
        free(s->inputs[i].path);
    free(s->inputs);
    free_entries(s->errors, s->n_errors);
    free_entries(s->warnings, s->n_warnings);
    tally__svocab_free(s->vocab);
    for (size_t i = 0; i < s->n_keys; i++)
        free(s->keys[i]);
    free(s->keys);
    free(s->text_field);
    free(s->settings);
    tally__buckets_free(s->buckets);
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

void tally__summary_fingerprint(const char *settings, const char *dictionary, char out[33])
{
    tally_buf t;
    tally__buf_init(&t);
    tally__buf_append(&t, "tally-fingerprint\t1\nsettings\t", 29);
    tally__buf_append(&t, settings, strlen(settings));
    tally__buf_append(&t, "\ndictionary\t", 12);
    tally__buf_append(&t, dictionary, strlen(dictionary));
    tally__buf_append(&t, "\n", 1);
    tally__xxh128_hex(t.data, t.len, out);
    tally__buf_cleanup(&t);
}

/* The canonical texts are frozen and documented in README ("The summary"); a change there is a
 * new version line, never a silent change of meaning. */
void tally__summary_set_options(tally_summary *s, const tally_dict *d, const char *const *fields, size_t n_fields)
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
                      d->tokenizer == TALLY_TOKENIZER_WHITESPACE ? "whitespace" : "unicode",
                      d->case_sensitive ? "sensitive" : "insensitive", tally__unicode_version,
                      utf8proc_version());
    tally__buf_append(&b, head, (size_t)hn);
    for (size_t i = 0; i < n_fields; i++) {
        if (i)
            tally__buf_append(&b, ",", 1);
        append_quoted(&b, fields[i]);
    }
    tally__buf_append(&b, "]", 2); /* with the NUL */
    free(s->settings);
    s->settings = (char *)b.data; /* the buffer's bytes are now the string (owned) */
    free(s->text_field);
    s->text_field = tally_xstrdup(fields[0]);
    s->n_text_fields = n_fields;
    snprintf(s->dictionary, sizeof s->dictionary, "%s", tally_dict_fingerprint(d));
    tally__summary_fingerprint(s->settings, s->dictionary, s->fingerprint);
}

void tally__totals_add(tally_totals *t, const tally_totals *u)
{
    t->inputs += u->inputs;
    t->documents += u->documents;
    t->tokens += u->tokens;
    t->bytes += u->bytes;
    t->invalid_utf8 += u->invalid_utf8;
    t->skipped_documents += u->skipped_documents;
    t->failed_inputs += u->failed_inputs;
    t->skipped_inputs += u->skipped_inputs;
    t->errors_omitted += u->errors_omitted;
    t->seconds += u->seconds;
}

void tally__summary_add_counts(tally_summary *s, const tally_idcount *kw, size_t n_kw,
                               const tally_idcount *grp, size_t n_grp)
{
    for (size_t i = 0; i < n_kw; i++) {
        s->kw[kw[i].id].count += kw[i].count;
        s->kw[kw[i].id].documents += kw[i].docs;
    }
    for (size_t i = 0; i < n_grp; i++) {
        s->grp[grp[i].id].count += grp[i].count;
        s->grp[grp[i].id].documents += grp[i].docs;
    }
}

/* ---- errors and warnings ------------------------------------------------------------------ */

static int cmp_entry(const void *a, const void *b)
{
    const tally_entry *x = a, *y = b;
    int c = strcmp(x->input, y->input);
    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return strcmp(x->message, y->message);
}

void tally__summary_push_entry(tally_entry **list, size_t *n, size_t *cap, const char *input, uint64_t line,
                               const char *message)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *list = tally_xrealloc(*list, *cap * sizeof **list);
    }
    tally_entry *e = &(*list)[(*n)++];
    e->input = tally_xstrdup(input);
    e->line = line;
    e->message = tally_xstrdup(message);
    e->idx = SIZE_MAX;
}

uint64_t tally__summary_sort_entries(tally_entry *list, size_t *n, int cap)
{
    if (*n > 1)
        qsort(list, *n, sizeof *list, cmp_entry);
    if (!cap)
        return 0;
    uint64_t dropped = 0;
    size_t w = 0, run = 0;
    for (size_t i = 0; i < *n; i++) {
        /* list[w - 1] is the last one kept: the same input as every one dropped since */
        run = w > 0 && strcmp(list[i].input, list[w - 1].input) == 0 ? run + 1 : 0;
        if (run >= TALLY_MAX_ERRORS_PER_INPUT) {
            free(list[i].input);
            free(list[i].message);
            dropped++;
            continue;
        }
        list[w++] = list[i];
    }
    *n = w;
    return dropped;
}

/* Keeps only the TALLY_MAX_ERRORS_PER_INPUT errors with the lowest lines of input i, so the
 * listed set does not depend on the order in which batches finished, and a run with millions of
 * bad lines stays in bounded memory. */
static void trim_input_errors(tally_summary *s, size_t input)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_errors; i++)
        if (s->errors[i].idx == input)
            n++;
    if (n <= TALLY_MAX_ERRORS_PER_INPUT)
        return;
    qsort(s->errors, s->n_errors, sizeof *s->errors, cmp_entry);
    size_t seen = 0, w = 0;
    for (size_t i = 0; i < s->n_errors; i++) {
        if (s->errors[i].idx == input && seen++ >= TALLY_MAX_ERRORS_PER_INPUT) {
            free(s->errors[i].input);
            free(s->errors[i].message);
            s->tot.errors_omitted++;
            continue;
        }
        s->errors[w++] = s->errors[i];
    }
    s->n_errors = w;
}

void tally__summary_add_error(tally_summary *s, size_t input, uint64_t line, const char *message)
{
    const char *name = input < s->tot.inputs ? s->inputs[input].path : "";
    tally__summary_push_entry(&s->errors, &s->n_errors, &s->cap_errors, name ? name : "", line, message);
    if (input < s->tot.inputs) {
        s->errors[s->n_errors - 1].idx = input;
        if (++s->inputs[input].errors % (2 * TALLY_MAX_ERRORS_PER_INPUT) == 0)
            trim_input_errors(s, input);
    }
}

void tally__summary_add_named_error(tally_summary *s, const char *name, const char *message)
{
    tally__summary_push_entry(&s->errors, &s->n_errors, &s->cap_errors, name, 0, message);
}

void tally__summary_add_warning(tally_summary *s, size_t input, uint64_t line, const char *message)
{
    const char *name = input < s->tot.inputs ? s->inputs[input].path : "";
    tally__summary_push_entry(&s->warnings, &s->n_warnings, &s->cap_warnings, name ? name : "", line, message);
}

/* ---- the text-field check ---------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds keys to the sorted set s->keys, keeping the TALLY_MAX_KEYS_SEEN smallest. */
static void add_keys(tally_summary *s, char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *const *hit = s->n_keys ? bsearch(&keys[i], s->keys, s->n_keys, sizeof *s->keys, cmp_str) : NULL;
        if (hit)
            continue;
        s->keys = tally_xrealloc(s->keys, (s->n_keys + 1) * sizeof *s->keys);
        s->keys[s->n_keys++] = tally_xstrdup(keys[i]);
        qsort(s->keys, s->n_keys, sizeof *s->keys, cmp_str);
        if (s->n_keys > TALLY_MAX_KEYS_SEEN)
            free(s->keys[--s->n_keys]);
    }
}

void tally__summary_add_objects(tally_summary *s, uint64_t n, uint64_t without, char *const *keys, size_t n_keys)
{
    s->json_objects += n;
    s->without_text += without;
    add_keys(s, keys, n_keys);
}

static const char derived_prefix[] = "not one document had the text field";

void tally__summary_refresh_derived(tally_summary *s)
{
    size_t w = 0;
    for (size_t i = 0; i < s->n_errors; i++) {
        tally_entry *e = &s->errors[i];
        if (e->input[0] == '\0' && strncmp(e->message, derived_prefix, sizeof derived_prefix - 1) == 0) {
            free(e->input);
            free(e->message);
            continue;
        }
        s->errors[w++] = *e;
    }
    s->n_errors = w;
    if (s->json_objects == 0 || s->without_text != s->json_objects)
        return;
    tally_buf kb;
    tally__buf_init(&kb);
    for (size_t i = 0; i < s->n_keys; i++) {
        if (i)
            tally__buf_append(&kb, ", ", 2);
        tally__buf_append(&kb, s->keys[i], strlen(s->keys[i]));
    }
    tally__buf_append(&kb, "", 1);
    size_t n = strlen(s->text_field) + kb.len + 128;
    char *msg = tally_xmalloc(n);
    snprintf(msg, n, "%s%s '%s'; fields seen: %s", derived_prefix, s->n_text_fields > 1 ? "s" : "", s->text_field,
             kb.len > 1 ? (char *)kb.data : "(none)");
    tally__buf_cleanup(&kb);
    tally__summary_push_entry(&s->errors, &s->n_errors, &s->cap_errors, "", 0, msg);
    free(msg);
    tally__summary_sort_entries(s->errors, &s->n_errors, 0);
}

/* ---- finishing and adding ----------------------------------------------------------------- */

static int cmp_input(const void *a, const void *b)
{
    return strcmp(((const tally_sinput *)a)->path, ((const tally_sinput *)b)->path);
}

void tally__summary_finish(tally_summary *s)
{
    for (size_t i = 0; i < s->n_errors; i++)
        s->errors[i].idx = SIZE_MAX;
    /* the cap per input path, as in a merge (trim_input_errors only bounded memory during the
     * scan): the lowest lines of each path, the same path given twice included */
    s->tot.errors_omitted += tally__summary_sort_entries(s->errors, &s->n_errors, 1);
    tally__summary_sort_entries(s->warnings, &s->n_warnings, 0);
    if (s->tot.inputs > 1)
        qsort(s->inputs, s->tot.inputs, sizeof *s->inputs, cmp_input);
    tally__summary_refresh_derived(s);
}

/* Appends b's entries to *list (copies). */
static void join_entries(tally_entry **list, size_t *n, size_t *cap, const tally_entry *b, size_t nb)
{
    for (size_t i = 0; i < nb; i++)
        tally__summary_push_entry(list, n, cap, b[i].input, b[i].line, b[i].message);
}

int tally_summary_add(tally_summary *a, const tally_summary *b, unsigned flags, tally_error *err)
{
    if (tally__buckets_check_add(a, b, err) != 0)
        return TALLY_EINVAL;
    if (strcmp(a->fingerprint, b->fingerprint) != 0) {
        if (strcmp(a->settings, b->settings) != 0)
            return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX,
                                 "the summaries were counted with different settings: '%s' and '%s'",
                                 a->settings, b->settings);
        if (strcmp(a->dictionary, b->dictionary) != 0)
            return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX,
                                 "the summaries were counted with different dictionaries (options.dictionary %s and %s)",
                                 a->dictionary, b->dictionary);
        return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "the summaries have different fingerprints");
    }
    if (a->n_kws != b->n_kws || a->n_groups != b->n_groups)
        return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX,
                             "the summaries list different keywords or groups under one fingerprint");
    if (tally__svocab_add(a, b, err) != 0)
        return TALLY_EINVAL;
    /* the inputs of both, merged by path; a path in both is refused unless allowed */
    uint64_t na = a->tot.inputs, nb = b->tot.inputs;
    for (uint64_t i = 0, j = 0; i < na && j < nb;) {
        int c = strcmp(a->inputs[i].path, b->inputs[j].path);
        if (c == 0 && !(flags & TALLY_ADD_ALLOW_SAME_PATH)) {
            const char *da = a->inputs[i].digest, *db = b->inputs[j].digest;
            const char *same = !da[0] || !db[0] ? "one of them was not read to its end"
                               : strcmp(da, db) == 0 ? "with the same content"
                                                     : "with different contents";
            int rc = tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX, "both summaries count the input '%s' (%s)",
                                   a->inputs[i].path, same);
            return rc;
        }
        if (c <= 0)
            i++;
        if (c >= 0)
            j++;
    }
    tally_sinput *in = tally_xmalloc((na + nb ? na + nb : 1) * sizeof *in);
    uint64_t i = 0, j = 0, k = 0;
    while (i < na || j < nb) {
        if (j == nb || (i < na && strcmp(a->inputs[i].path, b->inputs[j].path) <= 0)) {
            in[k++] = a->inputs[i++];
        } else {
            in[k] = b->inputs[j++];
            in[k].path = tally_xstrdup(in[k].path);
            k++;
        }
    }
    free(a->inputs);
    a->inputs = in;

    tally_totals *t = &a->tot;
    tally__totals_add(t, &b->tot);
    for (size_t x = 0; x < a->n_kws; x++) {
        a->kw[x].count += b->kw[x].count;
        a->kw[x].documents += b->kw[x].documents;
        /* names that normalize alike may be spelled differently: the smaller spelling, so the
         * result does not depend on the order of the merge */
        if (strcmp(b->kw_names[x], a->kw_names[x]) < 0) {
            free(a->kw_names[x]);
            a->kw_names[x] = tally_xstrdup(b->kw_names[x]);
        }
    }
    for (size_t g = 0; g < a->n_groups; g++) {
        a->grp[g].count += b->grp[g].count;
        a->grp[g].documents += b->grp[g].documents;
    }
    join_entries(&a->errors, &a->n_errors, &a->cap_errors, b->errors, b->n_errors);
    t->errors_omitted += tally__summary_sort_entries(a->errors, &a->n_errors, 1);
    join_entries(&a->warnings, &a->n_warnings, &a->cap_warnings, b->warnings, b->n_warnings);
    tally__summary_sort_entries(a->warnings, &a->n_warnings, 0);
    tally__buckets_add(a, b);
    a->json_objects += b->json_objects;
    a->without_text += b->without_text;
    add_keys(a, b->keys, b->n_keys);
    tally__summary_refresh_derived(a);
    a->merged = (a->merged ? a->merged : 1) + (b->merged ? b->merged : 1);
    /* in memory only (not written): parts assembled by a program keep the scan's status */
    a->unopened += b->unopened;
    return 0;
}

void tally_summary_set_run(tally_summary *s, unsigned threads, double seconds)
{
    s->merged = 0;
    s->threads = threads;
    s->tot.seconds = seconds;
}

/* ---- accessors ---------------------------------------------------------------------------- */

int tally_summary_status(const tally_summary *s)
{
    /* not one of the inputs that were to be read could be opened: a typo in the only path */
    if (s->unopened > 0 && s->unopened + s->tot.skipped_inputs == s->tot.inputs)
        return 1;
    return (s->tot.failed_inputs || s->tot.skipped_documents || s->n_errors) ? 3 : 0;
}

void tally_summary_totals(const tally_summary *s, tally_totals *t)
{
    *t = s->tot;
}

double tally_summary_rate(const tally_summary *s, uint64_t count)
{
    return s->tot.tokens ? (double)count * 10000.0 / (double)s->tot.tokens : 0.0;
}

size_t tally_summary_keyword_count(const tally_summary *s)
{
    return s->n_kws;
}

const char *tally_summary_keyword_name(const tally_summary *s, size_t i)
{
    return i < s->n_kws ? s->kw_names[i] : NULL;
}

void tally_summary_keyword(const tally_summary *s, size_t i, uint64_t *count, uint64_t *documents)
{
    *count = i < s->n_kws ? s->kw[i].count : 0;
    *documents = i < s->n_kws ? s->kw[i].documents : 0;
}

size_t tally_summary_keyword_groups(const tally_summary *s, size_t i, const uint32_t **groups)
{
    if (i >= s->n_kws) {
        *groups = NULL;
        return 0;
    }
    *groups = s->kw_groups[i];
    return s->kw_n_groups[i];
}

size_t tally_summary_group_count(const tally_summary *s)
{
    return s->n_groups;
}

const char *tally_summary_group_name(const tally_summary *s, size_t i)
{
    return i < s->n_groups ? s->group_names[i] : NULL;
}

void tally_summary_group(const tally_summary *s, size_t i, uint64_t *count, uint64_t *documents)
{
    *count = i < s->n_groups ? s->grp[i].count : 0;
    *documents = i < s->n_groups ? s->grp[i].documents : 0;
}

size_t tally_summary_group_members(const tally_summary *s, size_t i, const uint32_t **members)
{
    if (i >= s->n_groups) {
        *members = NULL;
        return 0;
    }
    *members = s->group_members[i];
    return s->group_n_members[i];
}

const char *tally__format_name(int format)
{
    switch (format) {
    case TALLY_FORMAT_JSONL: return "jsonl";
    case TALLY_FORMAT_JSON: return "json";
    case TALLY_FORMAT_TEXT: return "text";
    case TALLY_FORMAT_LINES: return "lines";
    default: return NULL;
    }
}

size_t tally_summary_input_count(const tally_summary *s)
{
    return (size_t)s->tot.inputs;
}

void tally_summary_input(const tally_summary *s, size_t i, tally_input_info *out)
{
    const tally_sinput *in = &s->inputs[i];
    out->path = in->path;
    out->format = tally__format_name(in->format);
    out->bytes = in->bytes;
    out->documents = in->documents;
    out->digest = in->digest[0] ? in->digest : NULL;
}

size_t tally_summary_error_count(const tally_summary *s)
{
    return s->n_errors;
}

void tally_summary_error(const tally_summary *s, size_t i, const char **input, uint64_t *line,
                         const char **message)
{
    *input = s->errors[i].input;
    *line = s->errors[i].line;
    *message = s->errors[i].message;
}

size_t tally_summary_warning_count(const tally_summary *s)
{
    return s->n_warnings;
}

void tally_summary_warning(const tally_summary *s, size_t i, const char **input, uint64_t *line,
                           const char **message)
{
    *input = s->warnings[i].input;
    *line = s->warnings[i].line;
    *message = s->warnings[i].message;
}

const char *tally_summary_fingerprint(const tally_summary *s)
{
    return s->fingerprint;
}

const char *tally_summary_settings(const tally_summary *s)
{
    return s->settings;
}

const char *tally_summary_dictionary(const tally_summary *s)
{
    return s->dictionary;
}
