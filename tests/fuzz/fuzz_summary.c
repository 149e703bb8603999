/* fuzz_summary.c — libFuzzer target for the summary reader (lib/summary_read.c), the writer
 * (summary_write.c) and tally_summary_add (summary.c): whatever the bytes, a read either refuses
 * them with a message or gives a summary; a summary that was accepted is written, and that text
 * must read back and be written again to the very same bytes; adding it to a copy of itself with
 * the same paths allowed must succeed, and without must be refused exactly when it lists an
 * input. Damaged and hand-edited summaries must get a reason, never a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "tally.h"

static char *write_text(const tally_summary *s, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    FUZZ_CHECK(f != NULL, "open_memstream");
    FUZZ_CHECK(tally_summary_write(s, f) == 0, "write");
    fclose(f);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tally_summary *s = NULL;
    tally_error err;
    memset(&err, 0, sizeof err);
    int rc = tally_summary_read_buffer((const char *)data, size, &s, &err);
    if (rc != 0) {
        FUZZ_CHECK(s == NULL, "a refused read left a summary");
        FUZZ_CHECK(err.message[0] != '\0', "refused without a reason (rc %d)", rc);
        return 0;
    }
    FUZZ_CHECK(s != NULL, "accepted without a summary");
    size_t n1, n2;
    char *t1 = write_text(s, &n1);
    tally_summary *r = NULL;
    rc = tally_summary_read_buffer(t1, n1, &r, &err);
    FUZZ_CHECK(rc == 0, "its own output does not read back: %s", err.message);
    char *t2 = write_text(r, &n2);
    /* the run object may differ (a scan's read back counts as one merged scan): compare up to it */
    char *e1 = strstr(t1, "\n  \"run\": "), *e2 = strstr(t2, "\n  \"run\": ");
    FUZZ_CHECK(e1 && e2, "no run object");
    FUZZ_CHECK(e1 - t1 == e2 - t2 && memcmp(t1, t2, (size_t)(e1 - t1)) == 0, "a round trip changed the summary");
    /* adding it to itself */
    tally_totals before, after;
    tally_summary_totals(r, &before);
    rc = tally_summary_add(r, s, 0, &err);
    FUZZ_CHECK((rc != 0) == (before.inputs > 0), "adding to itself: rc %d with %llu inputs", rc,
               (unsigned long long)before.inputs);
    if (rc != 0) {
        FUZZ_CHECK(strstr(err.message, "both summaries count the input") != NULL, "refused for: %s", err.message);
        rc = tally_summary_add(r, s, TALLY_ADD_ALLOW_SAME_PATH, &err);
        FUZZ_CHECK(rc == 0, "allowed add refused: %s", err.message);
    }
    tally_summary_totals(r, &after);
    FUZZ_CHECK(after.documents == 2 * before.documents && after.tokens == 2 * before.tokens &&
                   after.inputs == 2 * before.inputs,
               "counts did not double");
    /* and the sum is a valid summary too */
    size_t n3;
    char *t3 = write_text(r, &n3);
    tally_summary *q = NULL;
    rc = tally_summary_read_buffer(t3, n3, &q, &err);
    FUZZ_CHECK(rc == 0, "the sum does not read back: %s", err.message);
    tally_summary_free(q);
    free(t3);
    free(t1);
    free(t2);
    tally_summary_free(r);
    tally_summary_free(s);
    return 0;
}
