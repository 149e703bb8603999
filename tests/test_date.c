/* test_date.c — lib/date.c: every accepted form, every time zone form, leap days, ISO week 53,
 * bad values; and day numbers and ISO weeks against the C library's gmtime_r and strftime
 * (%G-W%V) for random instants across the years 0001 to 9999 — the independent reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "date.h"

static void check(int unit, int offset, const char *v, int is_number, const char *want)
{
    tally_date_spec spec = {unit, TALLY_EPOCH_AUTO, offset};
    char out[16];
    size_t n = tally__date_key(&spec, v, strlen(v), is_number, out);
    const char *got = n ? out : "(none)";
    if (strcmp(got, want) != 0)
        fail_msg("'%s' (unit %d, offset %d): got %s, expected %s", v, unit, offset, got, want);
    if (n)
        assert_int_equal(n, strlen(out));
}

enum { D = TALLY_DATE_DAY, W = TALLY_DATE_WEEK, M = TALLY_DATE_MONTH, Y = TALLY_DATE_YEAR };

static void test_forms(void **state)
{
    (void)state;
    check(D, 0, "2024-01-31", 0, "2024-01-31");
    check(M, 0, "2024-01-31", 0, "2024-01");
    check(Y, 0, "2024-01-31", 0, "2024");
    check(W, 0, "2024-01-31", 0, "2024-W05");
    check(D, 0, "2024-01-31T23:59", 0, "2024-01-31");
    check(D, 0, "2024-01-31T23:59:59", 0, "2024-01-31");
    check(D, 0, "2024-01-31T23:59:59.999999", 0, "2024-01-31");
    check(D, 0, "2024-01-31 23:59:59Z", 0, "2024-01-31");
    check(D, 0, "2024-01-31T23:30:00+01:00", 0, "2024-01-31");
    check(D, 0, "2024-01-31T23:30:00-01:00", 0, "2024-02-01");
    check(D, 0, "2024-01-31T23:30:00-0100", 0, "2024-02-01");
    check(D, 0, "2024-01-31T23:30:00-01", 0, "2024-02-01");
    check(D, 0, "2024-02-01T00:30:00+01", 0, "2024-01-31");
    check(D, 0, "2024-01-31T23:30Z", 0, "2024-01-31");
    check(D, 0, "20240131233000", 0, "2024-01-31");
    /* converted to an offset instead of UTC (+08:00 = 480 minutes) */
    check(D, 480, "2024-01-31T16:30:00Z", 0, "2024-02-01");
    check(D, 480, "2024-01-31T15:59:59Z", 0, "2024-01-31");
    check(D, 480, "20240131160000", 0, "2024-02-01");
    check(D, -300, "2024-01-01T03:00:00Z", 0, "2023-12-31");
    /* a calendar date has no time to convert */
    check(D, 480, "2024-01-31", 0, "2024-01-31");
    /* numbers: epoch seconds, milliseconds from 10^11 on */
    check(D, 0, "0", 1, "1970-01-01");
    check(D, 0, "1706745599", 1, "2024-01-31");
    check(D, 0, "1706745600", 1, "2024-02-01");
    check(D, 0, "1706745599999", 1, "2024-01-31");
    check(D, 0, "1706745600000", 1, "2024-02-01");
    check(D, 0, "1.7067456e9", 1, "2024-02-01");
    check(D, 0, "-1", 1, "1969-12-31");
    check(D, 0, "1706745599.9", 1, "2024-01-31");
    check(D, 480, "1706716800", 1, "2024-02-01");
    /* leap days */
    check(D, 0, "2024-02-29", 0, "2024-02-29");
    check(D, 0, "2000-02-29", 0, "2000-02-29");
    check(D, 0, "1900-02-29", 0, "(none)");
    check(D, 0, "2023-02-29", 0, "(none)");
    check(D, 0, "2024-02-28T23:00:00-02:00", 0, "2024-02-29");
    /* ISO weeks: week 53, and days that belong to the other year's week */
    check(W, 0, "2020-12-31", 0, "2020-W53");
    check(W, 0, "2021-01-03", 0, "2020-W53");
    check(W, 0, "2021-01-04", 0, "2021-W01");
    check(W, 0, "2026-12-31", 0, "2026-W53");
    check(W, 0, "2019-12-30", 0, "2020-W01");
    check(W, 0, "2024-12-30", 0, "2025-W01");
    /* not dates */
    static const char *const bad[] = {
        "2024-02-30", "2024-13-01", "2024-00-10", "2024-01-00", "2024-01-32", "2024-1-31", "24-01-31",
        "2024/01/31", "2024-01-31T24:00", "2024-01-31T23:60", "2024-01-31T23:59:60", "2024-01-31T23",
        "2024-01-31T23:59:5", "2024-01-31T23:59:59.", "2024-01-31Z", "2024-01-31T10:00+1", "2024-01-31T10:00+01:0",
        "2024-01-31T10:00+24:00", "2024-01-31T10:00 +01:00", "2024-01-31x", "2024-01-31T10:00Zx", "yesterday",
        "", "20241301000000", "2024013100000", "202401310000000", "20240131240000", "Jan 31, 2024"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check(D, 0, bad[i], 0, "(none)");
    check(D, 0, "nan", 1, "(none)");
    check(D, 0, "1e300", 1, "(none)");
    check(D, 0, "12abc", 1, "(none)");
    /* the epoch rule can be forced */
    tally_date_spec ms = {D, TALLY_EPOCH_MILLISECONDS, 0}, sec = {D, TALLY_EPOCH_SECONDS, 0};
    char out[16];
    assert_true(tally__date_key(&ms, "86400000", 8, 1, out) && strcmp(out, "1970-01-02") == 0);
    assert_true(tally__date_key(&sec, "200000000000", 12, 1, out) && strcmp(out, "8307-10-01") == 0 /* date -u -d @200000000000 */);
}

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint64_t rnd64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* random instants against gmtime_r and strftime, through every unit and a string form */
static void test_against_libc(void **state)
{
    (void)state;
    /* 0001-01-01 .. 9999-12-31 in seconds */
    const int64_t lo = -62135596800LL, hi = 253402300799LL;
    for (int i = 0; i < 200000; i++) {
        int64_t t = lo + (int64_t)(rnd64() % (uint64_t)(hi - lo));
        int offset = (int)(rnd64() % 2879) - 1439;
        time_t shifted = (time_t)(t + offset * 60);
        struct tm tm;
        assert_non_null(gmtime_r(&shifted, &tm));
        char want_day[32], want_week[32], got[16];
        strftime(want_day, sizeof want_day, "%Y-%m-%d", &tm);
        strftime(want_week, sizeof want_week, "%G-W%V", &tm);
        if (tm.tm_year + 1900 < 1000 || tm.tm_year + 1900 > 9999)
            continue; /* strftime does not pad years below 1000 to four digits everywhere */
        /* as epoch seconds */
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)t);
        tally_date_spec sd = {D, TALLY_EPOCH_SECONDS, offset}, sw = {W, TALLY_EPOCH_SECONDS, offset};
        assert_true(tally__date_key(&sd, num, strlen(num), 1, got) > 0);
        if (strcmp(got, want_day) != 0)
            fail_msg("%s s offset %d: got %s, libc %s", num, offset, got, want_day);
        assert_true(tally__date_key(&sw, num, strlen(num), 1, got) > 0);
        if (strcmp(got, want_week) != 0)
            fail_msg("%s s offset %d: week %s, libc %s", num, offset, got, want_week);
        /* the shifted day as a calendar date: every unit keys it as it is, whatever the offset */
        static const int units[4] = {D, W, M, Y};
        char date[16];
        strftime(date, sizeof date, "%Y-%m-%d", &tm);
        for (int u = 0; u < 4; u++) {
            char want[32];
            if (u == 0)
                strftime(want, sizeof want, "%Y-%m-%d", &tm);
            else if (u == 1)
                strftime(want, sizeof want, "%G-W%V", &tm);
            else if (u == 2)
                strftime(want, sizeof want, "%Y-%m", &tm);
            else
                strftime(want, sizeof want, "%Y", &tm);
            tally_date_spec su = {units[u], TALLY_EPOCH_AUTO, offset};
            assert_true(tally__date_key(&su, date, strlen(date), 0, got) > 0);
            if (strcmp(got, want) != 0)
                fail_msg("%s offset %d, unit %d: got %s, libc %s", date, offset, u, got, want);
        }
        /* as an ISO string in UTC, converted to the offset */
        time_t ut = (time_t)t;
        struct tm u;
        gmtime_r(&ut, &u);
        if (u.tm_year + 1900 < 1000 || u.tm_year + 1900 > 9999)
            continue;
        char iso[40];
        strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &u);
        assert_true(tally__date_key(&sd, iso, strlen(iso), 0, got) > 0);
        if (strcmp(got, want_day) != 0)
            fail_msg("%s offset %d: got %s, libc %s", iso, offset, got, want_day);
        /* the same instant written in a zone of its own */
        int zone = (int)(rnd64() % 1439) * ((rnd64() & 1) ? 1 : -1);
        time_t zt = (time_t)(t + zone * 60);
        struct tm z;
        gmtime_r(&zt, &z);
        if (z.tm_year + 1900 < 1000 || z.tm_year + 1900 > 9999)
            continue;
        char zs[48], zone_s[8];
        strftime(zs, sizeof zs, "%Y-%m-%dT%H:%M:%S", &z);
        snprintf(zone_s, sizeof zone_s, "%c%02d:%02d", zone < 0 ? '-' : '+', abs(zone) / 60, abs(zone) % 60);
        strcat(zs, zone_s);
        assert_true(tally__date_key(&sd, zs, strlen(zs), 0, got) > 0);
        if (strcmp(got, want_day) != 0)
            fail_msg("%s offset %d: got %s, libc %s", zs, offset, got, want_day);
    }
    /* day numbers round-trip over every day of 0000-9999 */
    for (int64_t y = 0; y <= 9999; y += 7)
        for (int m = 1; m <= 12; m++) {
            int64_t a = tally__days_from_civil(y, m, 1), b = tally__days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1);
            assert_true(b - a >= 28 && b - a <= 31);
        }
    assert_int_equal(tally__days_from_civil(1970, 1, 1), 0);
    assert_int_equal(tally__days_from_civil(2000, 3, 1), 11017);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_against_libc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
