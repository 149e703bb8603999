/* gencorpus.c — writes a seeded news-like corpus (programs/gen.c) for tests and benchmarks.
 *
 *   gencorpus [--seed N] [--docs N] [--format jsonl|lines|text] [--multilingual PCT]
 *             [--plant-rate PCT] [--words N] [--dict-out FILE] [--manifest FILE]
 *             [--dates UNIT [--utc-offset MINUTES] --buckets FILE] > corpus
 *
 * --dict-out writes the generator's dictionary; --manifest the exact totals tally must report
 * for the corpus with that dictionary. --dates writes dated JSON Lines (dates in every form tally
 * accepts and some it refuses, sources of every JSON type) and --buckets the buckets that
 * `tally scan --by date:UNIT --by source [--utc-offset ±HH:MM]` must report for them. The same seed
 * gives the same bytes on every machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "tally.h"

static void usage(void)
{
    fputs("usage: gencorpus [--seed N] [--docs N] [--format jsonl|lines|text] [--multilingual PCT]\n"
          "                 [--plant-rate PCT] [--words N] [--dict-out FILE] [--manifest FILE]\n"
          "                 [--dates day|week|month|year [--utc-offset MINUTES] --buckets FILE]\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    unsigned long long seed = 1, docs = 100;
    const char *format = "jsonl", *dict_out = NULL, *manifest = NULL, *buckets = NULL;
    tally_gen_options o = {TALLY_FORMAT_JSONL, 20, 3, 300, 0, 0, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (strcmp(a, "--seed") == 0)
            seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "--docs") == 0)
            docs = strtoull(v, NULL, 10);
        else if (strcmp(a, "--format") == 0)
            format = v;
        else if (strcmp(a, "--multilingual") == 0)
            o.multilingual_pct = atoi(v);
        else if (strcmp(a, "--plant-rate") == 0)
            o.plant_pct = atoi(v);
        else if (strcmp(a, "--words") == 0)
            o.words = atoi(v);
        else if (strcmp(a, "--dict-out") == 0)
            dict_out = v;
        else if (strcmp(a, "--manifest") == 0)
            manifest = v;
        else if (strcmp(a, "--buckets") == 0)
            buckets = v;
        else if (strcmp(a, "--utc-offset") == 0)
            o.utc_offset = atoi(v);
        else if (strcmp(a, "--dates") == 0) {
            static const char *const units[] = {"day", "week", "month", "year"};
            o.dates = 1;
            o.date_unit = -1;
            for (int u = 0; u < 4; u++)
                if (strcmp(v, units[u]) == 0)
                    o.date_unit = u;
            if (o.date_unit < 0)
                usage();
        }
        else
            usage();
        i++;
    }
    if (strcmp(format, "jsonl") == 0)
        o.format = TALLY_FORMAT_JSONL;
    else if (strcmp(format, "lines") == 0)
        o.format = TALLY_FORMAT_LINES;
    else if (strcmp(format, "text") == 0)
        o.format = TALLY_FORMAT_TEXT;
    else
        usage();
    if (o.words < 1)
        usage();

    tally_gen *g = tally__gen_new(seed, &o);
    tally_buf out;
    tally__buf_init(&out);
    for (unsigned long long d = 0; d < docs; d++) {
        tally__gen_next(g, &out, d, d + 1 == docs);
        if (out.len >= (1u << 20) || d + 1 == docs) {
            if (fwrite(out.data, 1, out.len, stdout) != out.len)
                return 1;
            out.len = 0;
        }
    }
    tally__buf_cleanup(&out);
    if (fflush(stdout) != 0)
        return 1;
    if (dict_out) {
        FILE *f = fopen(dict_out, "w");
        if (!f || fputs(tally__gen_dictionary(), f) < 0 || fclose(f) != 0) {
            perror(dict_out);
            return 1;
        }
    }
    if (manifest) {
        json_t *m = tally__gen_manifest(g);
        if (json_dump_file(m, manifest, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
            perror(manifest);
            return 1;
        }
        json_decref(m);
    }
    if (buckets) {
        json_t *m = tally__gen_buckets(g);
        if (json_dump_file(m, buckets, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0) {
            perror(buckets);
            return 1;
        }
        json_decref(m);
    }
    tally__gen_free(g);
    return 0;
}
