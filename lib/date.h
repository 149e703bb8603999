/* date.h — dates of news archives turned into bucket keys, for counts per day, ISO week, month
 * or year (`--by PATH:day|week|month|year`, the per-date issue). A value is a JSON string in one
 * of the forms news archives use, or a JSON number of Unix epoch seconds or milliseconds:
 *
 *   YYYY-MM-DD                                   a calendar date, taken as it is
 *   YYYY-MM-DDTHH:MM[:SS[.fraction]][ZONE]       a time, 'T' or one space between date and time;
 *                                                ZONE is Z, ±HH:MM, ±HHMM, ±HH or nothing (UTC)
 *   YYYYMMDDHHMMSS                               14 digits (GDELT), UTC
 *   a number                                     epoch seconds; milliseconds when its absolute
 *                                                value is at least 10^11 (or as the spec says)
 *
 * A time is converted to UTC, or to the spec's offset, before its day is taken. Keys: day
 * 2024-01-31, week 2024-W05 (ISO 8601: weeks start on Monday, week 1 holds the year's first
 * Thursday, the year is the ISO week-year), month 2024-01, year 2024; byte-wise order is
 * chronological order. Years 0000 to 9999 only. Everything else is not a date: out-of-range
 * fields (2024-02-30, 24:00, :60), other separators, trailing text. */
#ifndef TALLY_DATE_H
#define TALLY_DATE_H

#include <stddef.h>
#include <stdint.h>

#include "tally.h"

enum tally_date_unit { TALLY_DATE_DAY, TALLY_DATE_WEEK, TALLY_DATE_MONTH, TALLY_DATE_YEAR };
/* epochs: enum tally_epoch of tally.h (TALLY_EPOCH_AUTO, _SECONDS, _MILLISECONDS) */

typedef struct tally_date_spec {
    int unit;        /* enum tally_date_unit */
    int epoch;       /* enum tally_epoch, for numbers */
    int offset_min;  /* minutes east of UTC that times are converted to (-1439 to 1439) */
} tally_date_spec;

/* The bucket key of the value v[0, n) (is_number: a JSON number as written, else a JSON string's
 * decoded bytes) into out, NUL-terminated. Returns the key's length, or 0 when v is not a date. */
size_t tally__date_key(const tally_date_spec *spec, const char *v, size_t n, int is_number, char out[16]);

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1-12, d 1-31, valid). */
int64_t tally__days_from_civil(int64_t y, int m, int d);

#endif
