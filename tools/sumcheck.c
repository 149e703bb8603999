/* sumcheck.c — compares a tally summary with a gencorpus manifest (the totals the generator
 * planted) and, with --same, two summaries with each other except for their "run" objects.
 *
 *   sumcheck SUMMARY MANIFEST...  exit 0 when documents, tokens and every keyword and group
 *                                 count and document frequency agree with the manifests added
 *                                 up; differences on stderr
 *   sumcheck --same A B           exit 0 when A and B are equal but for "run"
 *   sumcheck --perdoc SUMMARY DOCS  exit 0 when the per-document records add up to the summary:
 *                                 documents, tokens, every count and document frequency
 *   sumcheck --get FILE PATH      prints the value at a dotted path (a.b.0.c; numbers index
 *                                 arrays): strings raw, other values as compact JSON
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static json_t *load(const char *path)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (!j)
        fprintf(stderr, "sumcheck: %s:%d: %s\n", path, e.line, e.text);
    return j;
}

static int same_int(const char *what, json_t *a, json_t *b)
{
    if (!json_is_integer(a) || !json_is_integer(b) || json_integer_value(a) != json_integer_value(b)) {
        fprintf(stderr, "sumcheck: %s: expected %lld, got %lld\n", what,
                json_is_integer(a) ? (long long)json_integer_value(a) : -1LL,
                json_is_integer(b) ? (long long)json_integer_value(b) : -1LL);
        return 0;
    }
    return 1;
}

/* Adds manifest m into total (numbers add up, objects recursively). */
static void add_into(json_t *total, json_t *m)
{
    const char *k;
    json_t *v;
    json_object_foreach(m, k, v)
    {
        json_t *t = json_object_get(total, k);
        if (json_is_integer(v)) {
            json_int_t base = t ? json_integer_value(t) : 0;
            json_object_set_new(total, k, json_integer(base + json_integer_value(v)));
        } else if (json_is_object(v)) {
            if (!t) {
                t = json_object();
                json_object_set_new(total, k, t);
            }
            add_into(t, v);
        }
    }
}

static int check_set(const char *kind, json_t *want, json_t *got)
{
    int ok = 1;
    const char *name;
    json_t *w;
    json_object_foreach(want, name, w)
    {
        json_t *g = json_object_get(got, name);
        char what[256];
        if (!g) {
            fprintf(stderr, "sumcheck: %s '%s' missing from the summary\n", kind, name);
            ok = 0;
            continue;
        }
        snprintf(what, sizeof what, "%s '%s' count", kind, name);
        ok &= same_int(what, json_object_get(w, "count"), json_object_get(g, "count"));
        snprintf(what, sizeof what, "%s '%s' documents", kind, name);
        ok &= same_int(what, json_object_get(w, "documents"), json_object_get(g, "documents"));
    }
    return ok;
}

/* Adds up a per-document file into the shape of a manifest and compares. */
static int check_perdoc(const char *sum_path, const char *docs_path)
{
    json_t *s = load(sum_path);
    FILE *f = fopen(docs_path, "r");
    if (!s || !f) {
        perror(docs_path);
        return 2;
    }
    json_t *m = json_object();
    json_t *kw = json_object(), *gr = json_object();
    json_object_set_new(m, "keywords", kw);
    json_object_set_new(m, "groups", gr);
    json_int_t docs = 0, tokens = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        json_error_t e;
        json_t *d = json_loadb(line, (size_t)n, 0, &e);
        if (!d || !json_is_object(d) || !json_object_get(d, "id") || !json_is_string(json_object_get(d, "input"))) {
            fprintf(stderr, "sumcheck: %s:%ld: not a per-document record\n", docs_path, lineno);
            return 1;
        }
        docs++;
        tokens += json_integer_value(json_object_get(d, "tokens"));
        const char *sets[2] = {"keywords", "groups"};
        json_t *into[2] = {kw, gr};
        for (int i = 0; i < 2; i++) {
            const char *k;
            json_t *v;
            json_object_foreach(json_object_get(d, sets[i]), k, v)
            {
                if (json_integer_value(v) <= 0) {
                    fprintf(stderr, "sumcheck: %s:%ld: zero count listed for '%s'\n", docs_path, lineno, k);
                    return 1;
                }
                json_t *t = json_object_get(into[i], k);
                if (!t) {
                    t = json_pack("{sIsI}", "count", (json_int_t)0, "documents", (json_int_t)0);
                    json_object_set_new(into[i], k, t);
                }
                json_object_set_new(t, "count", json_integer(json_integer_value(json_object_get(t, "count")) + json_integer_value(v)));
                json_object_set_new(t, "documents", json_integer(json_integer_value(json_object_get(t, "documents")) + 1));
            }
        }
        json_decref(d);
    }
    free(line);
    fclose(f);
    json_object_set_new(m, "documents", json_integer(docs));
    json_object_set_new(m, "tokens", json_integer(tokens));
    /* keywords and groups never seen in any document must be zero in the summary */
    const char *sets[2] = {"keywords", "groups"};
    json_t *into[2] = {kw, gr};
    for (int i = 0; i < 2; i++) {
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(s, sets[i]), k, v)
        {
            if (!json_object_get(into[i], k))
                json_object_set_new(into[i], k, json_pack("{sIsI}", "count", (json_int_t)0, "documents", (json_int_t)0));
        }
    }
    json_t *corpus = json_object_get(s, "corpus");
    int ok = 1;
    ok &= same_int("documents", json_object_get(m, "documents"), json_object_get(corpus, "documents"));
    ok &= same_int("tokens", json_object_get(m, "tokens"), json_object_get(corpus, "tokens"));
    ok &= check_set("keyword", kw, json_object_get(s, "keywords"));
    ok &= check_set("group", gr, json_object_get(s, "groups"));
    json_decref(m);
    json_decref(s);
    return ok ? 0 : 1;
}

static int get_path(const char *file, const char *path)
{
    json_t *root = load(file), *v = root;
    if (!v)
        return 2;
    char *p = strdup(path), *save = NULL;
    for (char *tok = strtok_r(p, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save)) {
        if (json_is_array(v)) {
            char *end;
            long i = strtol(tok, &end, 10);
            v = *end ? NULL : json_array_get(v, (size_t)i);
        } else {
            v = json_object_get(v, tok);
        }
    }
    free(p);
    if (!v) {
        fprintf(stderr, "sumcheck: %s: no value at %s\n", file, path);
        json_decref(root);
        return 1;
    }
    if (json_is_string(v)) {
        puts(json_string_value(v));
    } else {
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
        puts(t);
        free(t);
    }
    json_decref(root);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--get") == 0)
        return get_path(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "--perdoc") == 0)
        return check_perdoc(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "--same") == 0) {
        json_t *a = load(argv[2]), *b = load(argv[3]);
        if (!a || !b)
            return 2;
        json_object_del(a, "run");
        json_object_del(b, "run");
        int eq = json_equal(a, b);
        json_decref(a);
        json_decref(b);
        if (!eq) {
            fprintf(stderr, "sumcheck: %s and %s differ\n", argv[2], argv[3]);
            return 1;
        }
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: sumcheck SUMMARY MANIFEST... | sumcheck --same A B\n");
        return 2;
    }
    json_t *s = load(argv[1]);
    json_t *m = json_object();
    if (!s)
        return 2;
    for (int i = 2; i < argc; i++) {
        json_t *part = load(argv[i]);
        if (!part)
            return 2;
        add_into(m, part);
        json_decref(part);
    }
    json_t *corpus = json_object_get(s, "corpus");
    int ok = 1;
    ok &= same_int("documents", json_object_get(m, "documents"), json_object_get(corpus, "documents"));
    ok &= same_int("tokens", json_object_get(m, "tokens"), json_object_get(corpus, "tokens"));
    ok &= check_set("keyword", json_object_get(m, "keywords"), json_object_get(s, "keywords"));
    ok &= check_set("group", json_object_get(m, "groups"), json_object_get(s, "groups"));
    json_decref(m);
    json_decref(s);
    return ok ? 0 : 1;
}
