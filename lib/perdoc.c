/* perdoc.c — the per-document record writer (see perdoc.h; the layout is README "The summary").
 *
 * Tally's own small JSON writer rather than jansson: an id and a kept value must come out
 * exactly as written in the input (`1.50` stays `1.50`), and a record is written once per
 * document on the counting threads, into a buffer without a value tree. */
#include "perdoc.h"

#include <stdlib.h>
#include <string.h>

#include "unicode.h"

struct tally_perdoc {
    const tally_dict *d;
    char **keep_json; /* each kept path as a JSON string, quotes included */
    size_t n_keep;
};

/* Appends p[0,n) as the inside of a JSON string; ill-formed UTF-8 becomes U+FFFD. */
static void json_escape(tally_buf *o, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    tally__buf_reserve(o, n + 8);
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            size_t j = i + 1;
            while (j < n && p[j] >= 0x20 && p[j] != '"' && p[j] != '\\' && p[j] < 0x80)
                j++;
            tally__buf_append(o, p + i, j - i);
            i = j;
            continue;
        }
        if (c < 0x80) {
            char e[7];
            switch (c) {
            case '"': tally__buf_append(o, "\\\"", 2); break;
            case '\\': tally__buf_append(o, "\\\\", 2); break;
            case '\n': tally__buf_append(o, "\\n", 2); break;
            case '\r': tally__buf_append(o, "\\r", 2); break;
            case '\t': tally__buf_append(o, "\\t", 2); break;
            default:
                e[0] = '\\', e[1] = 'u', e[2] = '0', e[3] = '0', e[4] = hex[c >> 4], e[5] = hex[c & 15];
                tally__buf_append(o, e, 6);
            }
            i++;
            continue;
        }
        /* a well-formed multi-byte sequence is copied; an ill-formed one becomes U+FFFD */
        uint32_t cp;
        int bad = 0;
        size_t len = tally__utf8_decode(p + i, n - i, &cp, &bad);
        if (bad)
            tally__buf_append(o, "\xEF\xBF\xBD", 3);
        else
            tally__buf_append(o, p + i, len);
        i += len;
    }
}

/* Appends a kept value as written. The scanner validated it, so it is JSON except that its
 * strings may hold ill-formed UTF-8: each maximal ill-formed subsequence becomes U+FFFD, as
 * everywhere else in tally's output. A CR (only ever insignificant whitespace here, since a raw
 * control character inside a string makes the line invalid) becomes a space, so that no reader
 * that also splits lines at CR cuts the record in two. */
static void json_raw(tally_buf *o, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && p[j] < 0x80 && p[j] != '\r')
            j++;
        tally__buf_append(o, p + i, j - i);
        if (j == n)
            break;
        if (p[j] == '\r') {
            tally__buf_append(o, " ", 1);
            i = j + 1;
            continue;
        }
        uint32_t cp;
        int bad = 0;
        size_t len = tally__utf8_decode(p + j, n - j, &cp, &bad);
        if (bad)
            tally__buf_append(o, "\xEF\xBF\xBD", 3);
        else
            tally__buf_append(o, p + j, len);
        i = j + len;
    }
}

/* Appends lead[0,n) and v in decimal, in one append: records are written once per document and
 * hold a number per keyword, where snprintf's parsing of its format would dominate. */
static void append_u64(tally_buf *o, const char *lead, size_t n, uint64_t v)
{
    char buf[48];
    char *end = buf + sizeof buf, *q = end;
    do {
        *--q = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    q -= n;
    memcpy(q, lead, n);
    tally__buf_append(o, q, (size_t)(end - q));
}

/* Appends one entry `"name":count` of a record's keywords or groups, the i-th. */
static void json_count(tally_buf *o, size_t i, const char *name, uint32_t count)
{
    tally__buf_append(o, i ? ",\"" : "\"", i ? 2 : 1);
    json_escape(o, (const uint8_t *)name, strlen(name));
    append_u64(o, "\":", 2, count);
}

void tally__json_escape(tally_buf *o, const uint8_t *p, size_t n)
{
    json_escape(o, p, n);
}

char *tally__perdoc_quote(const char *s)
{
    tally_buf b;
    tally__buf_init(&b);
    tally__buf_append(&b, "\"", 1);
    json_escape(&b, (const uint8_t *)s, strlen(s));
    tally__buf_append(&b, "\"", 2); /* closing quote and NUL */
    return (char *)b.data;
}

tally_perdoc *tally__perdoc_new(const tally_dict *d, const char *const *keep, size_t n_keep)
{
    tally_perdoc *p = tally_xcalloc(1, sizeof *p);
    p->d = d;
    p->keep_json = tally_xcalloc(n_keep ? n_keep : 1, sizeof *p->keep_json);
    for (size_t i = 0; i < n_keep; i++)
        p->keep_json[i] = tally__perdoc_quote(keep[i]);
    p->n_keep = n_keep;
    return p;
}

void tally__perdoc_free(tally_perdoc *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_keep; i++)
        free(p->keep_json[i]);
    free(p->keep_json);
    free(p);
}

void tally__perdoc_write(const tally_perdoc *p, tally_buf *o, const tally_perdoc_doc *doc,
                         const tally_matcher *m)
{
    tally__buf_append(o, "{\"id\":", 6);
    if (doc->id_kind == TALLY_PERDOC_ID_RAW) {
        tally__buf_append(o, doc->id, doc->id_len);
    } else if (doc->id_kind == TALLY_PERDOC_ID_STRING) {
        tally__buf_append(o, "\"", 1);
        json_escape(o, doc->id, doc->id_len);
        tally__buf_append(o, "\"", 1);
    } else {
        /* INPUT:LINE (the quoted name with ":LINE" put in before its closing quote), or the
         * input's name for a text document */
        size_t nl = strlen(doc->input_json);
        if (doc->line) {
            tally__buf_append(o, doc->input_json, nl - 1);
            append_u64(o, ":", 1, doc->line);
            tally__buf_append(o, "\"", 1);
        } else {
            tally__buf_append(o, doc->input_json, nl);
        }
    }
    tally__buf_append(o, ",\"input\":", 9);
    tally__buf_append(o, doc->input_json, strlen(doc->input_json));
    if (doc->line)
        append_u64(o, ",\"line\":", 8, doc->line);
    append_u64(o, ",\"tokens\":", 10, doc->tokens);

    const uint32_t *ids;
    size_t n;
    tally__buf_append(o, ",\"keywords\":{", 13);
    tally__matcher_doc_keywords(m, &ids, &n);
    for (size_t i = 0; i < n; i++)
        json_count(o, i, tally_dict_keyword_name(p->d, ids[i]), tally__matcher_doc_keyword_count(m, ids[i]));
    tally__buf_append(o, "},\"groups\":{", 12);
    tally__matcher_doc_groups(m, &ids, &n);
    for (size_t i = 0; i < n; i++)
        json_count(o, i, tally_dict_group_name(p->d, ids[i]), tally__matcher_doc_group_count(m, ids[i]));
    tally__buf_append(o, "}", 1);

    if (p->n_keep) {
        tally__buf_append(o, ",\"fields\":{", 11);
        for (size_t i = 0; i < p->n_keep; i++) {
            if (i)
                tally__buf_append(o, ",", 1);
            tally__buf_append(o, p->keep_json[i], strlen(p->keep_json[i]));
            tally__buf_append(o, ":", 1);
            if (doc->kept && doc->kept[i].ptr)
                json_raw(o, doc->kept[i].ptr, doc->kept[i].len);
            else
                tally__buf_append(o, "null", 4);
        }
        tally__buf_append(o, "}", 1);
    }
    if (doc->extra_len)
        tally__buf_append(o, doc->extra, doc->extra_len);
    tally__buf_append(o, "}\n", 2);
}
