/* summary_by.c — the summary's "buckets" (by.h): how buckets add up in tally_summary_add, their
 * JSON form (written one bucket a line, read back with every check a merge relies on: rows in
 * key order, names of the summary's keywords and groups, counts that add up to the corpus's) and
 * the public accessors. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "by.h"

static void row_cleanup(tally_brow *r, size_t n_by)
{
    free(r->key);
    free(r->cells);
    if (r->comp)
        for (size_t j = 0; j < n_by; j++)
            free(r->comp[j]);
    free(r->comp);
    free(r->comp_len);
}

void tally__buckets_free(tally_buckets *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n_rows; i++)
        row_cleanup(&b->rows[i], b->n_by);
    for (size_t i = 0; i < b->n_by; i++)
        free(b->by[i]);
    free(b->by);
    free(b->rows);
    free(b);
}

static int is_date_spec(const char *spec)
{
    const char *u = strrchr(spec, ':');
    return u && spec[0] != '@' && (!strcmp(u, ":day") || !strcmp(u, ":week") || !strcmp(u, ":month") || !strcmp(u, ":year"));
}

static int cmp_cell(const void *x, const void *y)
{
    const tally_bcell *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* The bucketing part of options.settings: from " by=" to its end ("" when there is none). */
static const char *bucketing(const tally_summary *s)
{
    const char *p = strstr(s->settings, " by=[");
    return p ? p + 1 : "";
}

int tally__buckets_check_add(const tally_summary *a, const tally_summary *b, tally_error *err)
{
    const char *x = bucketing(a), *y = bucketing(b);
    if (strcmp(x, y) == 0)
        return 0;
    if (!x[0] || !y[0])
        return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX,
                             "one summary has counts per bucket (%s) and the other has none: scan both with the same bucketing",
                             x[0] ? x : y);
    return tally__seterr(err, TALLY_EINVAL, 0, UINT64_MAX,
                         "the summaries are bucketed differently: '%s' and '%s'", x, y);
}

/* Adds the sorted cells of y into x (x's array is replaced). */
static void add_cells(tally_brow *x, const tally_brow *y)
{
    tally_bcell *c = tally_xmalloc((x->n_cells + y->n_cells + 1) * sizeof *c);
    size_t i = 0, j = 0, n = 0;
    while (i < x->n_cells || j < y->n_cells) {
        if (j == y->n_cells || (i < x->n_cells && x->cells[i].id < y->cells[j].id)) {
            c[n++] = x->cells[i++];
        } else if (i == x->n_cells || y->cells[j].id < x->cells[i].id) {
            c[n++] = y->cells[j++];
        } else {
            c[n] = x->cells[i++];
            c[n].count += y->cells[j].count;
            c[n++].documents += y->cells[j++].documents;
        }
    }
    free(x->cells);
    x->cells = c;
    x->n_cells = n;
}

static void copy_row(tally_brow *to, const tally_brow *from, size_t n_by)
{
    memset(to, 0, sizeof *to);
    to->key = tally_xmalloc(from->key_len ? from->key_len : 1);
    memcpy(to->key, from->key, from->key_len);
    to->key_len = from->key_len;
    to->documents = from->documents;
    to->tokens = from->tokens;
    to->cells = tally_xmalloc((from->n_cells ? from->n_cells : 1) * sizeof *to->cells);
    memcpy(to->cells, from->cells, from->n_cells * sizeof *to->cells);
    to->n_cells = from->n_cells;
    tally__brow_decode(to, n_by);
}

void tally__buckets_add(tally_summary *a, const tally_summary *b)
{
    tally_buckets *x = a->buckets;
    const tally_buckets *y = b->buckets;
    if (x && y) {
        tally_brow *rows = tally_xmalloc((x->n_rows + y->n_rows + 1) * sizeof *rows);
        size_t i = 0, j = 0, n = 0;
        while (i < x->n_rows || j < y->n_rows) {
            int c = i == x->n_rows   ? 1
                    : j == y->n_rows ? -1
                                     : tally__by_key_cmp(x->rows[i].key, x->rows[i].key_len, y->rows[j].key,
                                                         y->rows[j].key_len);
            if (c < 0) {
                rows[n++] = x->rows[i++];
            } else if (c > 0) {
                copy_row(&rows[n++], &y->rows[j++], x->n_by);
            } else {
                rows[n] = x->rows[i++];
                rows[n].documents += y->rows[j].documents;
                rows[n].tokens += y->rows[j].tokens;
                add_cells(&rows[n++], &y->rows[j]);
                j++;
            }
        }
        free(x->rows);
        x->rows = rows;
        x->n_rows = n;
        x->undated += y->undated;
    }
    /* the undated documents listed: the first ones of the whole, as one scan lists them */
    size_t seen = 0, w = 0;
    for (size_t k = 0; k < a->n_warnings; k++) {
        tally_entry *e = &a->warnings[k];
        if (strncmp(e->message, TALLY_UNDATED_PREFIX, sizeof TALLY_UNDATED_PREFIX - 1) == 0 &&
            seen++ >= TALLY_MAX_UNDATED_LISTED) {
            free(e->input);
            free(e->message);
            continue;
        }
        a->warnings[w++] = *e;
    }
    a->n_warnings = w;
}

/* ---- writing ----------------------------------------------------------------------------- */

void tally__buckets_corpus(const tally_summary *s, void *corpus_json)
{
    if (s->buckets && s->buckets->has_date)
        json_object_set_new(corpus_json, "undated", json_integer((json_int_t)s->buckets->undated));
}

/* The rows are written by hand rather than through jansson values: a summary with thousands of
 * buckets holds millions of cells, and building a value per cell costs more than the scan's
 * own work on them. Numbers come out as jansson writes them elsewhere in the summary. */

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes v in decimal at p (at most 20 bytes); returns the end. */
static char *put_u64_at(char *p, uint64_t v)
{
    static const uint64_t p10[] = {10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u,
                                   1000000000u, 10000000000u, 100000000000u, 1000000000000u,
                                   10000000000000u, 100000000000000u, 1000000000000000u,
                                   10000000000000000u, 100000000000000000u, 1000000000000000000u,
                                   10000000000000000000u};
    size_t n = 1;
    while (n < 20 && v >= p10[n - 1])
        n++;
    char *q = p + n;
    while (v >= 100) {
        q -= 2;
        memcpy(q, digit_pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        q -= 2;
        memcpy(q, digit_pairs + 2 * v, 2);
    } else {
        *--q = (char)('0' + v);
    }
    return p + n;
}

static void put_u64(tally_buf *o, uint64_t v)
{
    tally__buf_reserve(o, 20);
    o->len = (size_t)(put_u64_at((char *)o->data + o->len, v) - (char *)o->data);
}

/* %.10g of v when 1e-4 <= v < 1e10, without printf (a summary may hold millions of rates):
 * v scaled to ten integer digits, which is exact but for one rounding, far below the margin
 * kept from a tie or a power of ten. Returns 0 where it cannot be sure (the caller uses
 * snprintf then), else the length written to b (at most 16 bytes, with ".0" for a whole
 * number, as jansson writes it). */
static int real_fast(double v, char *b)
{
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13};
    static const double low[] = {1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    if (!(v >= 1e-4 && v < 1e10))
        return 0;
    int e = 0; /* v's decimal exponent: 10^e <= v < 10^(e+1), up to the rounding of low[] */
    while (e < 9 && v >= low[e + 5])
        e++;
    while (e > -4 && v < low[e + 4])
        e--;
    double x = v * p10[9 - e]; /* one rounding: within 2e-6 of the exact product */
    if (x < 1e9 + 1 || x > 1e10 - 1)
        return 0;
    uint64_t n = (uint64_t)x;
    double frac = x - (double)n;
    if (frac > 0.5 - 1e-5 && frac < 0.5 + 1e-5)
        return 0;
    n += frac > 0.5;
    /* ten digits, two at a time; then the fraction's trailing zeros go. The digits are placed
     * with fixed-size copies (the caller's 32 bytes of room take what runs past the end) */
    char d[32];
    memset(d + 10, '0', sizeof d - 10);
    uint32_t hi = (uint32_t)(n / 100000000u), lo = (uint32_t)(n % 100000000u);
    memcpy(d, digit_pairs + 2 * hi, 2);
    for (int i = 8; i >= 2; i -= 2, lo /= 100)
        memcpy(d + i, digit_pairs + 2 * (lo % 100), 2);
    int last = 9; /* the last digit kept */
    while (last > e && last > 0 && d[last] == '0')
        last--;
    int k;
    if (e < 0) {
        memcpy(b, "0.000000", 8); /* "0." and the -e - 1 zeros after the point */
        memcpy(b + 1 - e, d, 16);
        k = 1 - e + last + 1;
    } else if (last <= e) {
        memcpy(b, d, 16);
        memcpy(b + e + 1, ".0", 2);
        k = e + 3;
    } else {
        memcpy(b, d, 16);
        memcpy(b + e + 2, d + e + 1, 16);
        b[e + 1] = '.';
        k = last + 2;
    }
    return k;
}

/* v as jansson writes a real of precision 10 at p, which has room for 32 bytes; returns the
 * end */
static char *put_real10_at(char *p, double v)
{
    int n = real_fast(v, p);
    if (n)
        return p + n;
    char b[48];
    n = snprintf(b, sizeof b - 2, "%.10g", v);
    if (!strchr(b, '.') && !strchr(b, 'e')) {
        memcpy(b + n, ".0", 3);
        n += 2;
    }
    char *e = strchr(b, 'e');
    if (e) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, (size_t)(b + n - end) + 1);
            n -= (int)(end - start);
        }
    }
    memcpy(p, b, (size_t)n);
    return p + n;
}

void tally__put_real10(tally_buf *o, double v)
{
    tally__buf_reserve(o, 32);
    o->len = (size_t)(put_real10_at((char *)o->data + o->len, v) - (char *)o->data);
}

/* jansson's form of a real with JSON_REAL_PRECISION(10): %.10g, ".0" when it would read back
 * as an integer, no '+' or leading zeros in the exponent */
/* A JSON string of valid UTF-8 bytes (the keys are; names come from the dictionary), escaped
 * as jansson escapes: \" \\ \b \f \n \r \t, other controls \u00XX, '/' as it is. */
static void put_string(tally_buf *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    tally__buf_append(o, "\"", 1);
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && (unsigned char)s[j] >= 0x20 && s[j] != '"' && s[j] != '\\')
            j++;
        tally__buf_append(o, s + i, j - i);
        if (j == n)
            break;
        unsigned char c = (unsigned char)s[j];
        char e[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t el = 2;
        switch (c) {
        case '"': case '\\': break;
        case '\b': e[1] = 'b'; break;
        case '\f': e[1] = 'f'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        case '\t': e[1] = 't'; break;
        default:
            e[1] = 'u', e[2] = '0', e[3] = '0', e[4] = hex[c >> 4], e[5] = hex[c & 15];
            el = 6;
        }
        tally__buf_append(o, e, el);
        i = j + 1;
    }
    tally__buf_append(o, "\"", 1);
}

/* Each cell's name written once: `"name":{"count":` for every keyword and group id, at
 * off[id] in text (ids as tally_bcell numbers them). */
typedef struct cell_names {
    tally_buf text;
    size_t *off;        /* n_kws + n_groups + 1 */
} cell_names;

static void cell_names_init(cell_names *cn, const tally_summary *s)
{
    size_t n = s->n_kws + s->n_groups;
    tally__buf_init(&cn->text);
    cn->off = tally_xmalloc((n + 1) * sizeof *cn->off);
    for (size_t id = 0; id < n; id++) {
        const char *name = id < s->n_kws ? s->kw_names[id] : s->group_names[id - s->n_kws];
        cn->off[id] = cn->text.len;
        put_string(&cn->text, name, strlen(name));
        tally__buf_append(&cn->text, ":{\"count\":", 10);
    }
    cn->off[n] = cn->text.len;
}

static void cell_names_free(cell_names *cn)
{
    tally__buf_cleanup(&cn->text);
    free(cn->off);
}

static void put_cells(tally_buf *o, const tally_summary *s, const cell_names *cn, const tally_brow *r, int groups)
{
    int first = 1;
    tally__buf_append(o, groups ? ",\"groups\":{" : ",\"keywords\":{", groups ? 11 : 13);
    for (size_t c = 0; c < r->n_cells; c++) {
        const tally_bcell *x = &r->cells[c];
        if (x->count == 0 || (x->id >= s->n_kws) != groups)
            continue;
        size_t name_len = cn->off[x->id + 1] - cn->off[x->id];
        /* the name, two numbers of up to 20 digits, their labels, the rate's own bound */
        if (o->cap - o->len < name_len + 1 + 20 + 13 + 20 + 11 + 32 + 1)
            tally__buf_reserve(o, name_len + 1 + 20 + 13 + 20 + 11 + 32 + 1);
        char *p = (char *)o->data + o->len;
        if (!first)
            *p++ = ',';
        first = 0;
        memcpy(p, cn->text.data + cn->off[x->id], name_len);
        p += name_len;
        p = put_u64_at(p, x->count);
        memcpy(p, ",\"documents\":", 13);
        p = put_u64_at(p + 13, x->documents);
        memcpy(p, ",\"per_10k\":", 11);
        p = put_real10_at(p + 11, r->tokens ? (double)x->count * 10000.0 / (double)r->tokens : 0.0);
        *p++ = '}';
        o->len = (size_t)(p - (char *)o->data);
    }
    tally__buf_append(o, "}", 1);
}

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10) | JSON_ENCODE_ANY)

int tally__buckets_write(const tally_summary *s, FILE *f)
{
    const tally_buckets *b = s->buckets;
    if (!b)
        return 0;
    int bad = fputs(",\n  \"buckets\": {\"by\": ", f) == EOF;
    json_t *by = json_array();
    for (size_t j = 0; j < b->n_by; j++)
        json_array_append_new(by, json_string(b->by[j]));
    bad |= json_dumpf(by, f, DUMP_FLAGS) != 0;
    json_decref(by);
    bad |= fputs(", \"rows\": [", f) == EOF;
    tally_buf o;
    tally__buf_init(&o);
    cell_names cn;
    cell_names_init(&cn, s);
    /* rows go out a megabyte at a time: a write per row costs a system call per few KB */
    for (size_t i = 0; i < b->n_rows && !bad; i++) {
        const tally_brow *r = &b->rows[i];
        tally__buf_append(&o, i ? ",\n    {\"key\":[" : "\n    {\"key\":[", i ? 14 : 13);
        for (size_t j = 0; j < b->n_by; j++) {
            if (j)
                tally__buf_append(&o, ",", 1);
            if (r->comp[j])
                put_string(&o, r->comp[j], r->comp_len[j]);
            else
                tally__buf_append(&o, "null", 4);
        }
        tally__buf_append(&o, "],\"documents\":", 14);
        put_u64(&o, r->documents);
        tally__buf_append(&o, ",\"tokens\":", 10);
        put_u64(&o, r->tokens);
        put_cells(&o, s, &cn, r, 0);
        put_cells(&o, s, &cn, r, 1);
        tally__buf_append(&o, "}", 1);
        if (o.len >= ((size_t)1 << 20) || i + 1 == b->n_rows) {
            bad |= fwrite(o.data, 1, o.len, f) != o.len;
            o.len = 0;
        }
    }
    tally__buf_cleanup(&o);
    cell_names_free(&cn);
    bad |= fputs(b->n_rows ? "\n  ]}" : "]}", f) == EOF;
    return bad ? -1 : 0;
}

/* ` by=["date:month","source"]` */
static void by_text(tally_buf *out, const char *const *by, size_t n_by)
{
    json_t *a = json_array();
    for (size_t j = 0; j < n_by; j++)
        json_array_append_new(a, json_string(by[j]));
    char *t = json_dumps(a, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(a);
    if (!t) {
        fputs("tally: out of memory\n", stderr);
        abort();
    }
    tally__buf_append(out, " by=", 4);
    tally__buf_append(out, t, strlen(t));
    free(t);
}

void tally__buckets_settings(tally_buf *out, const char *const *by, size_t n_by, int epoch, int offset_min)
{
    int has_date = 0;
    for (size_t j = 0; j < n_by; j++)
        has_date |= is_date_spec(by[j]);
    by_text(out, by, n_by);
    if (has_date) {
        char z[64];
        int m = offset_min < 0 ? -offset_min : offset_min;
        int n = snprintf(z, sizeof z, " epoch=%s utc-offset=%c%02d:%02d",
                         epoch == TALLY_EPOCH_SECONDS ? "s" : epoch == TALLY_EPOCH_MILLISECONDS ? "ms" : "auto",
                         offset_min < 0 ? '-' : '+', m / 60, m % 60);
        tally__buf_append(out, z, (size_t)n);
    }
}

/* ---- reading ----------------------------------------------------------------------------- */

static int bad(tally_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int bad(tally_error *err, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tally__seterr(err, TALLY_EJSON, 0, UINT64_MAX, "not a valid tally summary: %s", msg);
}

static int get_u64(json_t *o, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

/* The summary's name index: names sorted with their ids. */
typedef struct named {
    const char *name;
    uint32_t id;
} named;

static int cmp_named(const void *x, const void *y)
{
    return strcmp(((const named *)x)->name, ((const named *)y)->name);
}

static long find_named(const named *t, size_t n, const char *name)
{
    named k = {name, 0};
    const named *hit = n ? bsearch(&k, t, n, sizeof *t, cmp_named) : NULL;
    return hit ? (long)hit->id : -1;
}

/* Reads one row's "keywords" or "groups" into cells (appended); base: the first id of the kind. */
static int read_cells(json_t *o, const char *what, const named *idx, size_t n_idx, uint32_t base, tally_brow *r,
                      tally_error *err)
{
    const char *name;
    json_t *v;
    json_object_foreach(o, name, v) {
        long id = find_named(idx, n_idx, name);
        uint64_t count, docs;
        if (id < 0)
            return bad(err, "a bucket names the %s '%s', which the summary does not list", what, name);
        if (!json_is_object(v) || get_u64(v, "count", &count) || get_u64(v, "documents", &docs))
            return bad(err, "a bucket's %s '%s' has no count and documents", what, name);
        json_t *rate = json_object_get(v, "per_10k");
        double want = r->tokens ? (double)count * 10000.0 / (double)r->tokens : 0.0;
        if (!json_is_number(rate) || fabs(json_number_value(rate) - want) > 1e-9 * fabs(want) + 1e-300)
            return bad(err, "a bucket's per_10k of '%s' does not follow from its count and the bucket's tokens", name);
        if (count == 0 || docs > count || docs > r->documents)
            return bad(err, "a bucket's counts of '%s' do not agree with each other or with its documents", name);
        r->cells[r->n_cells++] = (tally_bcell){base + (uint32_t)id, count, docs};
    }
    return 0;
}

static int read_rows(json_t *jb, tally_summary *s, tally_buckets *b, tally_error *err)
{
    json_t *rows = json_object_get(jb, "rows");
    if (!json_is_array(rows))
        return bad(err, "\"buckets\" has no \"rows\" array");
    named *kx = tally_xmalloc((s->n_kws + 1) * sizeof *kx), *gx = tally_xmalloc((s->n_groups + 1) * sizeof *gx);
    for (size_t i = 0; i < s->n_kws; i++)
        kx[i] = (named){s->kw_names[i], (uint32_t)i};
    for (size_t i = 0; i < s->n_groups; i++)
        gx[i] = (named){s->group_names[i], (uint32_t)i};
    qsort(kx, s->n_kws, sizeof *kx, cmp_named);
    qsort(gx, s->n_groups, sizeof *gx, cmp_named);
    b->rows = tally_xcalloc(json_array_size(rows) + 1, sizeof *b->rows);
    tally_count *sum = tally_xcalloc(s->n_kws + s->n_groups + 1, sizeof *sum);
    uint64_t docs = 0, tokens = 0, undated = 0;
    tally_buf key;
    tally__buf_init(&key);
    int rc = 0;
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o) {
        json_t *k = json_object_get(o, "key"), *kw = json_object_get(o, "keywords"), *gr = json_object_get(o, "groups");
        if (!json_is_object(o) || !json_is_array(k) || json_array_size(k) != b->n_by || !json_is_object(kw) ||
            !json_is_object(gr)) {
            rc = bad(err, "buckets.rows[%zu] is not an object with a key of one value per key component, keywords and groups", i);
            goto out;
        }
        key.len = 0;
        int null_date = 0;
        for (size_t j = 0; j < b->n_by; j++) {
            json_t *c = json_array_get(k, j);
            if (json_is_string(c)) {
                tally__by_key_put(&key, (const uint8_t *)json_string_value(c), json_string_length(c));
            } else if (json_is_null(c)) {
                tally__by_key_put(&key, NULL, 0);
                null_date |= is_date_spec(b->by[j]);
            } else {
                rc = bad(err, "buckets.rows[%zu].key holds a value that is neither a string nor null", i);
                goto out;
            }
        }
        tally_brow *r = &b->rows[b->n_rows];
        r->key = tally_xmalloc(key.len);
        memcpy(r->key, key.data, key.len);
        r->key_len = key.len;
        tally__brow_decode(r, b->n_by);
        b->n_rows++;
        if (b->n_rows > 1 && tally__by_key_cmp(b->rows[b->n_rows - 2].key, b->rows[b->n_rows - 2].key_len, r->key,
                                               r->key_len) >= 0) {
            rc = bad(err, "buckets.rows[%zu] is out of order (rows are sorted by key, null last) or repeated", i);
            goto out;
        }
        if (get_u64(o, "documents", &r->documents) || get_u64(o, "tokens", &r->tokens)) {
            rc = bad(err, "buckets.rows[%zu] has no documents and tokens", i);
            goto out;
        }
        r->cells = tally_xmalloc((json_object_size(kw) + json_object_size(gr) + 1) * sizeof *r->cells);
        if ((rc = read_cells(kw, "keyword", kx, s->n_kws, 0, r, err)) != 0 ||
            (rc = read_cells(gr, "group", gx, s->n_groups, (uint32_t)s->n_kws, r, err)) != 0)
            goto out;
        qsort(r->cells, r->n_cells, sizeof *r->cells, cmp_cell);
        docs += r->documents;
        tokens += r->tokens;
        if (null_date)
            undated += r->documents;
        for (size_t c = 0; c < r->n_cells; c++) {
            sum[r->cells[c].id].count += r->cells[c].count;
            sum[r->cells[c].id].documents += r->cells[c].documents;
        }
    }
    if (docs != s->tot.documents || tokens != s->tot.tokens) {
        rc = bad(err, "the buckets' documents and tokens do not add up to the corpus's");
        goto out;
    }
    for (size_t x = 0; x < s->n_kws + s->n_groups; x++) {
        const tally_count *want = x < s->n_kws ? &s->kw[x] : &s->grp[x - s->n_kws];
        if (sum[x].count != want->count || sum[x].documents != want->documents) {
            rc = bad(err, "the buckets' counts of '%s' do not add up to its total",
                     x < s->n_kws ? s->kw_names[x] : s->group_names[x - s->n_kws]);
            goto out;
        }
    }
    if (b->has_date && undated != b->undated) {
        rc = bad(err, "corpus.undated (%llu) is not the documents of the buckets with a null date",
                 (unsigned long long)b->undated);
        goto out;
    }
out:
    tally__buf_cleanup(&key);
    free(kx);
    free(gx);
    free(sum);
    return rc;
}

int tally__buckets_read(const void *root_json, tally_summary *s, tally_error *err)
{
    json_t *root = (json_t *)root_json;
    json_t *jb = json_object_get(root, "buckets");
    const char *set = bucketing(s);
    if (!jb) {
        if (set[0])
            return bad(err, "options.settings has %s but the summary has no \"buckets\"", set);
        return 0;
    }
    json_t *by = json_object_get(jb, "by");
    if (!json_is_object(jb) || !json_is_array(by) || json_array_size(by) == 0)
        return bad(err, "\"buckets\" has no \"by\" list");
    tally_buckets *b = tally_xcalloc(1, sizeof *b);
    s->buckets = b;
    b->n_by = json_array_size(by);
    b->by = tally_xcalloc(b->n_by, sizeof *b->by);
    for (size_t j = 0; j < b->n_by; j++) {
        json_t *v = json_array_get(by, j);
        if (!json_is_string(v)) {
            b->n_by = j;
            return bad(err, "buckets.by holds a value that is not a string");
        }
        b->by[j] = tally_xstrdup(json_string_value(v));
    }
    /* the fingerprint covers options.settings: "by" must be what they say */
    tally_buf want;
    tally__buf_init(&want);
    by_text(&want, (const char *const *)b->by, b->n_by);
    size_t wl = want.len - 1;
    int same = strncmp(set, (const char *)want.data + 1, wl) == 0 && (set[wl] == '\0' || strncmp(set + wl, " epoch=", 7) == 0);
    tally__buf_cleanup(&want);
    if (!same)
        return bad(err, "buckets.by does not agree with options.settings (%s)", set);
    for (size_t j = 0; j < b->n_by; j++)
        b->has_date |= is_date_spec(b->by[j]);
    if (b->has_date) {
        json_t *corpus = json_object_get(root, "corpus");
        if (get_u64(corpus, "undated", &b->undated) || b->undated > s->tot.documents)
            return bad(err, "corpus.undated is missing or larger than corpus.documents");
    }
    return read_rows(jb, s, b, err);
}

/* ---- accessors ---------------------------------------------------------------------------- */

void tally__brow_decode(tally_brow *r, size_t n_by)
{
    r->comp = tally_xcalloc(n_by ? n_by : 1, sizeof *r->comp);
    r->comp_len = tally_xcalloc(n_by ? n_by : 1, sizeof *r->comp_len);
    tally_buf v;
    tally__buf_init(&v);
    for (size_t c = 0; c < n_by; c++) {
        if (tally__by_key_get(r->key, r->key_len, c, &v) != 0)
            continue;
        r->comp[c] = tally_xmalloc(v.len + 1);
        if (v.len)
            memcpy(r->comp[c], v.data, v.len);
        r->comp[c][v.len] = '\0';
        r->comp_len[c] = v.len;
    }
    tally__buf_cleanup(&v);
}

size_t tally_summary_by_count(const tally_summary *s)
{
    return s->buckets ? s->buckets->n_by : 0;
}

const char *tally_summary_by(const tally_summary *s, size_t j)
{
    return s->buckets && j < s->buckets->n_by ? s->buckets->by[j] : NULL;
}

size_t tally_summary_bucket_count(const tally_summary *s)
{
    return s->buckets ? s->buckets->n_rows : 0;
}

const char *tally_summary_bucket_key(const tally_summary *s, size_t i, size_t j, size_t *len)
{
    *len = 0;
    if (!s->buckets || i >= s->buckets->n_rows || j >= s->buckets->n_by)
        return NULL;
    const tally_brow *r = &s->buckets->rows[i];
    *len = r->comp_len[j];
    return r->comp[j];
}

void tally_summary_bucket_totals(const tally_summary *s, size_t i, uint64_t *documents, uint64_t *tokens)
{
    int ok = s->buckets && i < s->buckets->n_rows;
    *documents = ok ? s->buckets->rows[i].documents : 0;
    *tokens = ok ? s->buckets->rows[i].tokens : 0;
}

static void cell_of(const tally_summary *s, size_t i, uint32_t id, uint64_t *count, uint64_t *documents)
{
    *count = *documents = 0;
    if (!s->buckets || i >= s->buckets->n_rows)
        return;
    const tally_brow *r = &s->buckets->rows[i];
    size_t lo = 0, hi = r->n_cells;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->cells[mid].id < id) {
            lo = mid + 1;
        } else if (r->cells[mid].id > id) {
            hi = mid;
        } else {
            *count = r->cells[mid].count;
            *documents = r->cells[mid].documents;
            return;
        }
    }
}

void tally_summary_bucket_keyword(const tally_summary *s, size_t i, size_t kw, uint64_t *count, uint64_t *documents)
{
    cell_of(s, i, (uint32_t)kw, count, documents);
}

void tally_summary_bucket_group(const tally_summary *s, size_t i, size_t g, uint64_t *count, uint64_t *documents)
{
    cell_of(s, i, (uint32_t)(s->n_kws + g), count, documents);
}

double tally_summary_bucket_rate(const tally_summary *s, size_t i, uint64_t count)
{
    uint64_t docs, tokens;
    tally_summary_bucket_totals(s, i, &docs, &tokens);
    return tokens ? (double)count * 10000.0 / (double)tokens : 0.0;
}

uint64_t tally_summary_undated(const tally_summary *s)
{
    return s->buckets ? s->buckets->undated : 0;
}
