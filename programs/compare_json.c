/* compare_json.c — `tally compare` as JSON (compare.h): the two sides, how the items were
 * scored, then one item a line, so that a million word types are written in flat memory. Names
 * are escaped by jansson; numbers have ten significant digits, as in a summary. */
#include <stdlib.h>

#include <jansson.h>

#include "compare.h"

/* Writes the JSON value j as jansson writes it with flags, and releases it. */
static void dump(FILE *f, json_t *j, size_t flags)
{
    char *t = j ? json_dumps(j, flags | JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    if (!t) {
        fputs("tally: out of memory\n", stderr);
        abort();
    }
    fputs(t, f);
    free(t);
}

static void str(FILE *f, const char *s)
{
    dump(f, json_string(s), 0);
}

static void real(FILE *f, double v)
{
    dump(f, json_real(v), JSON_REAL_PRECISION(10));
}

static void side(FILE *f, const char *key, const tally_compare_side *s)
{
    fprintf(f, "  \"%s\": {\"summary\":", key);
    str(f, s->label);
    fputs(",\"source\":", f);
    str(f, s->source);
    fprintf(f, ",\"tokens\":%llu},\n", (unsigned long long)s->tokens);
}

void tally_compare_write_json(const tally_compare_result *r, FILE *f)
{
    fputs("{\n", f);
    side(f, "first", r->first);
    side(f, "second", r->second);
    fprintf(f, "  \"items\": \"%s\",\n  \"compared\": %zu,\n  \"confidence\": ", r->mode, r->compared);
    real(f, r->confidence);
    fprintf(f, ",\n  \"bonferroni\": %s,\n  \"sort\": \"%s\",\n  \"rows\": [", r->bonferroni ? "true" : "false",
            r->sort);
    for (size_t i = 0; i < r->n_rows; i++) {
        const tally_compare_row *w = &r->rows[i];
        fprintf(f, "%s\n    {\"kind\":\"%s\",\"name\":", i ? "," : "", w->kind);
        str(f, w->name);
        fprintf(f, ",\"a\":%llu,\"b\":%llu,\"per_10k_a\":", (unsigned long long)w->a, (unsigned long long)w->b);
        real(f, w->per_10k_a);
        fputs(",\"per_10k_b\":", f);
        real(f, w->per_10k_b);
        fputs(",\"g2\":", f);
        real(f, w->k.g2);
        fputs(",\"p\":", f);
        real(f, w->k.p);
        fputs(",\"log_ratio\":", f);
        real(f, w->k.log_ratio);
        fputs(",\"lrc\":", f);
        real(f, w->k.lrc);
        fputs(",\"pct_diff\":", f);
        real(f, w->k.pct_diff);
        fputc('}', f);
    }
    fputs(r->n_rows ? "\n  ]\n}\n" : "]\n}\n", f);
}
