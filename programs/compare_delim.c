/* compare_delim.c — `tally compare` as CSV or TSV (compare.h), through table.c: a header row,
 * then one row per item, numbers written as tally export writes them. */
#include "compare.h"
#include "table.h"

void tally_compare_write_delim(const tally_compare_result *r, FILE *f, int format, int crlf, int bom)
{
    static const char *const cols[] = {"kind", "name", "a", "b", "per_10k_a", "per_10k_b",
                                       "g2", "p", "log_ratio", "lrc", "pct_diff"};
    tally_table t;
    tally_table_begin(&t, f, format, crlf, bom);
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        tally_table_text(&t, cols[i]);
    tally_table_end_row(&t);
    for (size_t i = 0; i < r->n_rows; i++) {
        const tally_compare_row *w = &r->rows[i];
        tally_table_text(&t, w->kind);
        tally_table_text(&t, w->name);
        tally_table_u64(&t, w->a);
        tally_table_u64(&t, w->b);
        tally_table_real(&t, w->per_10k_a);
        tally_table_real(&t, w->per_10k_b);
        tally_table_real(&t, w->k.g2);
        tally_table_real(&t, w->k.p);
        tally_table_real(&t, w->k.log_ratio);
        tally_table_real(&t, w->k.lrc);
        tally_table_real(&t, w->k.pct_diff);
        tally_table_end_row(&t);
    }
}
