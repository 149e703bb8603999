/* kwicmerge.c — merging concordance files (see kwicmerge.h). Each part's file already holds,
 * for each keyword, its first N matches in its own input order; parts count disjoint inputs
 * (tally merge refuses two that share one), so ordering all lines by (keyword, input name) and
 * keeping each file's order within an input gives the order one scan of everything gives, and
 * the first N of each keyword are the whole's. */
#include "kwicmerge.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tally.h"

typedef struct kline {
    char *kw, *input; /* decoded, NUL-terminated copies */
    size_t kw_len, input_len;
    size_t part, no;  /* the file's index, the line's index in it */
    char *text;       /* the line as written, with its newline */
    size_t len;
} kline;

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

static int cmp_line(const void *x, const void *y)
{
    const kline *a = x, *b = y;
    int c = bytes_cmp(a->kw, a->kw_len, b->kw, b->kw_len);
    if (c == 0)
        c = bytes_cmp(a->input, a->input_len, b->input, b->input_len);
    if (c == 0)
        c = a->part != b->part ? (a->part < b->part ? -1 : 1) : (a->no > b->no) - (a->no < b->no);
    return c;
}

/* A decoded string member of o, or NULL. */
static const char *member(json_t *o, const char *name, size_t *len)
{
    json_t *v = json_object_get(o, name);
    if (!json_is_string(v))
        return NULL;
    *len = json_string_length(v);
    return json_string_value(v);
}

static char *copy(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (!c) {
        fputs("tally: out of memory\n", stderr);
        exit(1);
    }
    memcpy(c, s, n);
    c[n] = 0;
    return c;
}

/* Lines kept per keyword so far, for a merge of parts given in input order (in_order): a line
 * past the first max of its keyword can never be written, so it is not kept. */
typedef struct kwcount {
    char *kw; /* borrowed from a kept line */
    size_t len, n;
} kwcount;

static uint64_t kw_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* The count slot of keyword kw[0,n) in t[0,cap) (cap a power of two, never full). */
static kwcount *kw_slot(kwcount *t, size_t cap, const char *kw, size_t n)
{
    size_t i = kw_hash(kw, n) & (cap - 1);
    while (t[i].kw && (t[i].len != n || memcmp(t[i].kw, kw, n) != 0))
        i = (i + 1) & (cap - 1);
    return &t[i];
}

int tally_kwic_merge_parts(size_t n, tally_part_open_fn open_part, void *ctx, size_t max, int in_order, FILE *out)
{
    int rc = 2;
    kline *l = NULL;
    size_t nl = 0, cap = 0;
    char *buf = NULL;
    size_t bcap = 0;
    kwcount *counts = NULL;
    size_t n_counts = 0, cap_counts = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = "", *digest = NULL;
        FILE *f = open_part(ctx, i, &name, &digest);
        if (!f) {
            fprintf(stderr, "tally: cannot read '%s': %s\n", name, strerror(errno));
            goto out;
        }
        ssize_t got;
        size_t no = 0;
        while ((got = getline(&buf, &bcap, f)) > 0) {
            no++;
            json_error_t je;
            json_t *o = json_loadb(buf, (size_t)got, 0, &je);
            size_t kl = 0, il = 0;
            const char *kw = o ? member(o, "keyword", &kl) : NULL;
            const char *in = o ? member(o, "input", &il) : NULL;
            if (!kw || !in || buf[got - 1] != '\n') {
                fprintf(stderr, "tally: %s:%zu: not a concordance line (%s)\n", name, no,
                        !o ? je.text : buf[got - 1] != '\n' ? "no newline at the end" : "no \"keyword\" or \"input\" string");
                json_decref(o);
                fclose(f);
                goto out;
            }
            kwcount *c = NULL;
            if (in_order && max) {
                if (2 * (n_counts + 1) > cap_counts) {
                    size_t nc = cap_counts ? 2 * cap_counts : 64;
                    kwcount *t = calloc(nc, sizeof *t);
                    if (!t) {
                        fputs("tally: out of memory\n", stderr);
                        exit(1);
                    }
                    for (size_t k = 0; k < cap_counts; k++)
                        if (counts[k].kw)
                            *kw_slot(t, nc, counts[k].kw, counts[k].len) = counts[k];
                    free(counts);
                    counts = t;
                    cap_counts = nc;
                }
                c = kw_slot(counts, cap_counts, kw, kl);
                if (c->kw && c->n >= max) {
                    json_decref(o);
                    continue;
                }
            }
            if (nl == cap) {
                cap = cap ? 2 * cap : 256;
                kline *g = realloc(l, cap * sizeof *l);
                if (!g) {
                    fputs("tally: out of memory\n", stderr);
                    exit(1);
                }
                l = g;
            }
            l[nl++] = (kline){copy(kw, kl), copy(in, il), kl, il, i, no, copy(buf, (size_t)got), (size_t)got};
            if (c) {
                if (!c->kw) {
                    c->kw = l[nl - 1].kw;
                    c->len = kl;
                    n_counts++;
                }
                c->n++;
            }
            json_decref(o);
        }
        int bad = ferror(f);
        fclose(f);
        if (bad) {
            fprintf(stderr, "tally: cannot read '%s'\n", name);
            goto out;
        }
    }
    if (nl > 1)
        qsort(l, nl, sizeof *l, cmp_line);
    rc = 1;
    size_t run = 0;
    for (size_t i = 0; i < nl; i++) {
        if (i == 0 || bytes_cmp(l[i].kw, l[i].kw_len, l[i - 1].kw, l[i - 1].kw_len) != 0)
            run = 0;
        if (max && run >= max)
            continue;
        run++;
        if (fwrite(l[i].text, 1, l[i].len, out) != l[i].len)
            goto out;
    }
    rc = fflush(out) != 0 || ferror(out) ? 1 : 0;
out:
    for (size_t i = 0; i < nl; i++) {
        free(l[i].kw);
        free(l[i].input);
        free(l[i].text);
    }
    free(l);
    free(buf);
    free(counts);
    return rc;
}

static FILE *open_named(void *ctx, size_t i, const char **name, const char **digest)
{
    char *const *parts = ctx;
    *name = parts[i];
    *digest = NULL;
    return fopen(parts[i], "rb");
}

int tally_kwic_merge(char *const *parts, size_t n, size_t max, FILE *out)
{
    return tally_kwic_merge_parts(n, open_named, (void *)parts, max, 0, out);
}
