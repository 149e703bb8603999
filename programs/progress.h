/* progress.h — the one-line status of a running scan on standard error: bytes read of the total,
 * speed, documents, errors, time left. Drawn by the engine's progress callback (at most 10 times
 * a second, on the scan's loop thread) and erased before the final report. */
#ifndef TALLY_PROGRESS_H
#define TALLY_PROGRESS_H

#include "tally.h"

typedef struct tally_status_line {
    int drawn;      /* a line is on the terminal now */
    int no_total;   /* an input is a stream (standard input, a FIFO): its size is not in the
                     * total, so no share or ETA is shown */
} tally_status_line;

/* A tally_progress_cb: ctx is a tally_status_line. Redraws the line in place ("\r" + line +
 * ESC[K), cut to the terminal's width. */
void tally_status_line_draw(const tally_progress *p, void *ctx);

/* Formats the line for p into buf (cap bytes, at least 1); returns its length. */
size_t tally_status_line_format(const tally_progress *p, int use_total, char *buf, size_t cap);

/* Erases the line when one is drawn ("\r" + ESC[K), so the next message starts on a clean line. */
void tally_status_line_erase(tally_status_line *s);

#endif
