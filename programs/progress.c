/* progress.c — the scan's status line (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "outfile.h"

static void human_bytes(char *buf, size_t cap, double b)
{
    if (b >= 1e9)
        snprintf(buf, cap, "%.2f GB", b / 1e9);
    else if (b >= 1e6)
        snprintf(buf, cap, "%.1f MB", b / 1e6);
    else
        snprintf(buf, cap, "%.0f kB", b / 1e3);
}

static void duration(char *buf, size_t cap, double s)
{
    unsigned long t = (unsigned long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, cap, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, cap, "%lu:%02lu", t / 60, t % 60);
}

size_t tally_status_line_format(const tally_progress *p, int use_total, char *buf, size_t cap)
{
    char done[32], total[32], eta[32];
    double rate = p->seconds > 0 ? (double)p->input_bytes_read / p->seconds : 0;
    human_bytes(done, sizeof done, (double)p->input_bytes_read);
    int n;
    /* a total is known when every input is a regular file (or a folder of them); reading past
     * it (a file that grows) drops the share rather than showing nonsense */
    if (use_total && p->input_bytes_total && p->input_bytes_read <= p->input_bytes_total) {
        human_bytes(total, sizeof total, (double)p->input_bytes_total);
        double left = (double)(p->input_bytes_total - p->input_bytes_read);
        if (rate > 0)
            duration(eta, sizeof eta, left / rate);
        else
            snprintf(eta, sizeof eta, "?");
        n = snprintf(buf, cap, "tally: %s of %s (%.0f%%), %.1f MB/s, %llu documents, %llu errors, ETA %s",
                     done, total, 100.0 * (double)p->input_bytes_read / (double)p->input_bytes_total,
                     rate / 1e6, (unsigned long long)p->documents, (unsigned long long)p->errors, eta);
    } else {
        n = snprintf(buf, cap, "tally: %s read, %.1f MB/s, %llu documents, %llu errors", done, rate / 1e6,
                     (unsigned long long)p->documents, (unsigned long long)p->errors);
    }
    if (n < 0)
        n = 0;
    return (size_t)n < cap ? (size_t)n : cap - 1;
}

void tally_status_line_draw(const tally_progress *p, void *ctx)
{
    tally_status_line *s = ctx;
    char line[256];
    size_t n = tally_status_line_format(p, !s->no_total, line, sizeof line);
    /* a line wider than the terminal wraps, and "\r" would then redraw only its last row */
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && n > (size_t)ws.ws_col - 1)
        n = (size_t)ws.ws_col - 1;
    char out[300];
    memcpy(out, "\r", 1);
    memcpy(out + 1, line, n);
    memcpy(out + 1 + n, "\033[K", 3);
    tally_outfile_status_line(1);
    s->drawn = 1;
    /* one write per redraw, so the line never shows half-drawn */
    ssize_t w = write(STDERR_FILENO, out, n + 4);
    (void)w;
}

void tally_status_line_erase(tally_status_line *s)
{
    if (!s->drawn)
        return;
    ssize_t w = write(STDERR_FILENO, "\r\033[K", 4);
    (void)w;
    s->drawn = 0;
    tally_outfile_status_line(0);
}
