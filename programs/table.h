/* table.h — tables of plain text for spreadsheets, R and pandas: CSV (RFC 4180) or TSV, UTF-8,
 * a header row, one record a line. The writer of `tally export`; it knows nothing of summaries. */
#ifndef TALLY_TABLE_H
#define TALLY_TABLE_H

#include <stdint.h>
#include <stdio.h>

enum { TALLY_TABLE_CSV = 0, TALLY_TABLE_TSV = 1 };

typedef struct tally_table {
    FILE *f;
    int format;      /* TALLY_TABLE_CSV or TALLY_TABLE_TSV */
    int crlf;        /* end records with CR LF (RFC 4180's own line end) instead of LF */
    int col;         /* cells written in the current record */
} tally_table;

/* Starts a table on f; bom writes a UTF-8 byte order mark first (for Excel). */
void tally_table_begin(tally_table *t, FILE *f, int format, int crlf, int bom);

/* One cell of text (UTF-8): quoted in CSV when it holds a comma, a quote, CR or LF, or starts or
 * ends with a space; in TSV a tab, CR, LF and backslash are written \t \r \n \\. NULL is an
 * empty cell. */
void tally_table_text(tally_table *t, const char *s);
void tally_table_u64(tally_table *t, uint64_t v);
/* A number written exactly as the summary JSON writes it (10 significant digits). */
void tally_table_real(tally_table *t, double v);
void tally_table_end_row(tally_table *t);

#endif
