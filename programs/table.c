/* table.c — CSV and TSV writing (table.h). */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

void tally_table_begin(tally_table *t, FILE *f, int format, int crlf, int bom)
{
    t->f = f;
    t->format = format;
    t->crlf = crlf;
    t->col = 0;
    if (bom)
        fputs("\xEF\xBB\xBF", f);
}

static void sep(tally_table *t)
{
    if (t->col++)
        fputc(t->format == TALLY_TABLE_TSV ? '\t' : ',', t->f);
}

void tally_table_text(tally_table *t, const char *s)
{
    sep(t);
    if (!s)
        return;
    if (t->format == TALLY_TABLE_TSV) {
        for (const char *p = s; *p; p++) {
            switch (*p) {
            case '\t': fputs("\\t", t->f); break;
            case '\n': fputs("\\n", t->f); break;
            case '\r': fputs("\\r", t->f); break;
            case '\\': fputs("\\\\", t->f); break;
            default: fputc(*p, t->f);
            }
        }
        return;
    }
    size_t n = strlen(s);
    int quote = n && (s[0] == ' ' || s[n - 1] == ' ');
    for (const char *p = s; *p && !quote; p++)
        quote = *p == ',' || *p == '"' || *p == '\r' || *p == '\n';
    if (!quote) {
        fputs(s, t->f);
        return;
    }
    fputc('"', t->f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', t->f);
        fputc(*p, t->f);
    }
    fputc('"', t->f);
}

void tally_table_u64(tally_table *t, uint64_t v)
{
    sep(t);
    fprintf(t->f, "%llu", (unsigned long long)v);
}

void tally_table_real(tally_table *t, double v)
{
    sep(t);
    /* the very formatting of the summary's writer, so that a value reads the same in both */
    json_t *j = json_real(v);
    char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
    json_decref(j);
    if (!s) {
        fputs("tally: out of memory\n", stderr);
        abort();
    }
    fputs(s, t->f);
    free(s);
}

void tally_table_end_row(tally_table *t)
{
    fputs(t->crlf ? "\r\n" : "\n", t->f);
    t->col = 0;
}
