/* state.h — `tally scan --state DIR` (state.c): incremental and resumable scans. */
#ifndef TALLY_STATE_H
#define TALLY_STATE_H

#include "tally.h"

typedef struct tally_state_options {
    const char *dir;  /* the state folder (made when missing) */
    int verify;       /* reread every input and compare content digests, not only size and time */
    int rebuild;      /* drop whatever the folder holds and start afresh */
    int quiet;        /* no warnings on standard error */
    int report;       /* one line on standard error: inputs reused, scanned, damaged files */
} tally_state_options;

/* Scans inputs as tally_scan_run would (opt's per-document output included), through the state
 * folder: the summary in *out. Returns 0, or an exit status (TALLY_EXIT_*) with the message
 * printed. */
int tally_state_scan(const tally_state_options *so, const tally_dict *d, const char *const *inputs, size_t n_inputs,
                     const tally_scan_options *opt, tally_summary **out);

#endif
