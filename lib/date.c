/* date.c — date values to bucket keys (date.h). Calendar arithmetic is on day numbers since
 * 1970-01-01 in the proleptic Gregorian calendar, counted in 400-year eras of 146,097 days with
 * years starting on 1 March, so that the leap day is the last day of its year and needs no
 * special case. */
#include "date.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int64_t tally__days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                          /* year of the era, 0..399 */
    int64_t mp = (m + 9) % 12;                            /* month from March, 0..11 */
    int64_t doy = (153 * mp + 2) / 5 + d - 1;             /* day of the March year, 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  /* day of the era */
    return era * 146097 + doe - 719468;                   /* 719468: 0000-03-01 to 1970-01-01 */
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : n[m - 1];
}

/* k decimal digits at p as a number, or -1 */
static int digits(const char *p, size_t k)
{
    int v = 0;
    for (size_t i = 0; i < k; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Writes v (0 to 10^k - 1) as k digits at p; returns p + k. (Not snprintf: a key is made for
 * every document.) */
static char *put_digits(char *p, int v, int k)
{
    for (int i = k - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + k;
}

/* The day, month or year key of a valid date of years 0000 to 9999. */
static size_t key_of_date(const tally_date_spec *spec, int y, int m, int d, char out[16])
{
    char *p = put_digits(out, y, 4);
    if (spec->unit != TALLY_DATE_YEAR) {
        *p++ = '-';
        p = put_digits(p, m, 2);
    }
    if (spec->unit == TALLY_DATE_DAY) {
        *p++ = '-';
        p = put_digits(p, d, 2);
    }
    *p = '\0';
    return (size_t)(p - out);
}

/* The key of day number z. */
static size_t key_of_day(const tally_date_spec *spec, int64_t z, char out[16])
{
    int64_t y;
    int m, d;
    civil_from_days(z, &y, &m, &d);
    if (y < 0 || y > 9999)
        return 0;
    char *p = out;
    switch (spec->unit) {
    case TALLY_DATE_DAY:
    case TALLY_DATE_MONTH:
    case TALLY_DATE_YEAR:
        return key_of_date(spec, (int)y, m, d, out);
    default: {
        /* ISO 8601: the week's Thursday decides its year */
        int64_t wd = ((z % 7) + 7 + 3) % 7; /* Monday 0: 1970-01-01 was a Thursday */
        int64_t thu = z - wd + 3;
        int64_t ty;
        int tm, td;
        civil_from_days(thu, &ty, &tm, &td);
        if (ty < 0 || ty > 9999)
            return 0;
        int64_t week = (thu - tally__days_from_civil(ty, 1, 1)) / 7 + 1;
        p = put_digits(p, (int)ty, 4);
        *p++ = '-';
        *p++ = 'W';
        p = put_digits(p, (int)week, 2);
        *p = '\0';
        return (size_t)(p - out);
    }
    }
}

/* A JSON number of epoch seconds or milliseconds. */
static size_t epoch_key(const tally_date_spec *spec, const char *v, size_t n, char out[16])
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return 0;
    memcpy(buf, v, n);
    buf[n] = '\0';
    char *end;
    double x = strtod(buf, &end);
    if (*end || !isfinite(x))
        return 0;
    int ms = spec->epoch == TALLY_EPOCH_MILLISECONDS || (spec->epoch == TALLY_EPOCH_AUTO && fabs(x) >= 1e11);
    double secs = floor(ms ? x / 1000.0 : x);
    /* years 0000..9999 lie within about ±3.2e11 s of 1970: anything beyond is not a date */
    if (fabs(secs) > 4e11)
        return 0;
    int64_t t = (int64_t)secs + (int64_t)spec->offset_min * 60;
    return key_of_day(spec, floor_div(t, 86400), out);
}

size_t tally__date_key(const tally_date_spec *spec, const char *v, size_t n, int is_number, char out[16])
{
    out[0] = '\0';
    if (is_number)
        return epoch_key(spec, v, n, out);
    int y, mo, d, h = 0, mi = 0, s = 0;
    size_t i;
    int has_time;
    if (n == 14) {
        /* GDELT: YYYYMMDDHHMMSS, UTC */
        y = digits(v, 4), mo = digits(v + 4, 2), d = digits(v + 6, 2);
        h = digits(v + 8, 2), mi = digits(v + 10, 2), s = digits(v + 12, 2);
        if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0)
            return 0;
        i = 14;
        has_time = 1;
    } else {
        if (n < 10 || v[4] != '-' || v[7] != '-')
            return 0;
        y = digits(v, 4), mo = digits(v + 5, 2), d = digits(v + 8, 2);
        if (y < 0 || mo < 0 || d < 0)
            return 0;
        i = 10;
        has_time = 0;
        if (i < n) {
            if (v[i] != 'T' && v[i] != ' ')
                return 0;
            if (n < i + 6 || v[i + 3] != ':')
                return 0;
            h = digits(v + i + 1, 2), mi = digits(v + i + 4, 2);
            if (h < 0 || mi < 0)
                return 0;
            i += 6;
            has_time = 1;
            if (i < n && v[i] == ':') {
                if (n < i + 3 || (s = digits(v + i + 1, 2)) < 0)
                    return 0;
                i += 3;
                if (i < n && v[i] == '.') {
                    size_t k = i + 1;
                    while (k < n && v[k] >= '0' && v[k] <= '9')
                        k++;
                    if (k == i + 1)
                        return 0;
                    i = k; /* a fraction of a second never moves the day */
                }
            }
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59)
        return 0;
    int zone = 0; /* minutes east of UTC that the value was written in */
    if (i < n) {
        if (n == 14)
            return 0;
        if (v[i] == 'Z' && i + 1 == n) {
            i++;
        } else if (v[i] == '+' || v[i] == '-') {
            int sign = v[i] == '-' ? -1 : 1;
            int zh, zm = 0;
            size_t rest = n - i - 1;
            const char *z = v + i + 1;
            if (rest == 2) {
                zh = digits(z, 2);
            } else if (rest == 4) {
                zh = digits(z, 2), zm = digits(z + 2, 2);
            } else if (rest == 5 && z[2] == ':') {
                zh = digits(z, 2), zm = digits(z + 3, 2);
            } else {
                return 0;
            }
            if (zh < 0 || zm < 0 || zh > 23 || zm > 59)
                return 0;
            zone = sign * (zh * 60 + zm);
            i = n;
        } else {
            return 0;
        }
    }
    if (i != n)
        return 0;
    if (!has_time && spec->unit != TALLY_DATE_WEEK) {
        /* a calendar date is its own day, and its key is the value's first 4, 7 or 10 bytes
         * (only the YYYY-MM-DD form has no time; its digits and dashes were checked above) */
        size_t k = spec->unit == TALLY_DATE_YEAR ? 4 : spec->unit == TALLY_DATE_MONTH ? 7 : 10;
        memcpy(out, v, k);
        out[k] = '\0';
        return k;
    }
    int64_t day = tally__days_from_civil(y, mo, d);
    if (has_time) {
        int64_t t = day * 86400 + h * 3600 + mi * 60 + s - (int64_t)zone * 60 + (int64_t)spec->offset_min * 60;
        day = floor_div(t, 86400);
    }
    return key_of_day(spec, day, out);
}
