/* compare_text.c — `tally compare` as an aligned table for a terminal (compare.h): a line
 * naming the two corpora, then one row per item, the raw counts beside the scores, G² with its
 * significance mark, and a legend. Columns are as wide as their widest cell (names measured in
 * code points, so CJK names are a little off; the machine formats are for machines). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"

#define N_COLS 11

static size_t width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

void tally_compare_write_text(const tally_compare_result *r, FILE *f)
{
    static const char *const head[N_COLS] = {"kind", "item", "a", "b", "per_10k a", "per_10k b",
                                             "G2", "", "p", "log ratio", "LRC"};
    /* %DIFF is the last column, left ragged */
    size_t n = r->n_rows;
    char (*cells)[N_COLS][32] = calloc(n ? n : 1, sizeof *cells);
    size_t w[N_COLS + 1];
    if (!cells) {
        fputs("tally: out of memory\n", stderr);
        abort();
    }
    for (int c = 0; c < N_COLS; c++)
        w[c] = width(head[c]);
    for (size_t i = 0; i < n; i++) {
        const tally_compare_row *x = &r->rows[i];
        snprintf(cells[i][2], 32, "%llu", (unsigned long long)x->a);
        snprintf(cells[i][3], 32, "%llu", (unsigned long long)x->b);
        snprintf(cells[i][4], 32, "%.2f", x->per_10k_a);
        snprintf(cells[i][5], 32, "%.2f", x->per_10k_b);
        snprintf(cells[i][6], 32, "%.2f", x->k.g2);
        snprintf(cells[i][7], 32, "%s", tally_compare_mark(x->k.g2));
        snprintf(cells[i][8], 32, "%.3g", x->k.p);
        snprintf(cells[i][9], 32, "%.3f", x->k.log_ratio);
        snprintf(cells[i][10], 32, "%.3f", x->k.lrc);
        size_t wn = width(x->name), wk = strlen(x->kind);
        if (wn > w[1])
            w[1] = wn;
        if (wk > w[0])
            w[0] = wk;
        for (int c = 2; c < N_COLS; c++)
            if (strlen(cells[i][c]) > w[c])
                w[c] = strlen(cells[i][c]);
    }
    /* a bucket is named by its key; a summary or vocabulary by the file its counts came from */
    int bucket = strcmp(r->mode, "bucket") == 0;
    fprintf(f, "first: %s (%llu tokens)   second: %s (%llu tokens)\n", bucket ? r->first->label : r->first->source,
            (unsigned long long)r->first->tokens, bucket ? r->second->label : r->second->source,
            (unsigned long long)r->second->tokens);
    fprintf(f, "%zu %s compared; LRC at %g%% confidence%s\n\n", r->compared,
            r->compared == 1 ? "item" : "items", r->confidence * 100,
            r->bonferroni && r->compared > 1 ? ", Bonferroni-corrected" : "");
    for (size_t i = 0; i <= n; i++) {
        for (int c = 0; c < N_COLS; c++) {
            const char *s = i == 0 ? head[c] : c == 0 ? r->rows[i - 1].kind : c == 1 ? r->rows[i - 1].name : cells[i - 1][c];
            size_t pad = w[c] - width(s);
            if (c <= 1 || c == 7) /* text and the mark: left-aligned */
                fprintf(f, "%s%*s  ", s, (int)pad, "");
            else
                fprintf(f, "%*s%s  ", (int)pad, "", s);
        }
        if (i == 0)
            fputs("%DIFF\n", f);
        else
            fprintf(f, "%.1f\n", r->rows[i - 1].k.pct_diff);
    }
    fputs("\nG2 marks: * p < .05, ** p < .01, *** p < .001, **** p < .0001 (1 df, uncorrected)\n", f);
    free(cells);
}
