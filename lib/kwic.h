/* kwic.h — concordance lines (`--kwic FILE`): the accumulator (accum.h) that keeps, for each
 * keyword, its first N matches in input order with up to W tokens of context on each side, and
 * writes them as JSON Lines when the scan ends (README "Concordance lines").
 *
 * The matcher reports each match's byte range (tally__matcher_set_hits); the counting thread
 * takes the context from the text around it, tokenizing only a few dozen bytes on each side, and
 * keeps a batch's first N matches per keyword as finished lines. A field cut into pieces keeps
 * the end of each piece (enough tokens for the left context of what comes next) and the matches
 * still waiting for their right context, and finishes them in the next piece. The loop thread
 * keeps the first N per keyword over all batches, ordered by (input name, position), which does
 * not depend on batch sizes or on the order batches finish. */
#ifndef TALLY_KWIC_H
#define TALLY_KWIC_H

#include <stddef.h>
#include <stdint.h>

#include "accum.h"

/* Makes the concordance accumulator for the scan in env (env->opt->kwic is the output) into
 * *acc. Returns 0. */
int tally__kwic_acc_new(const tally_acc_env *env, tally_acc *acc, tally_error *err);

/* For tests: the tokens of ASCII text p[0,n) by the rules the concordance uses where they hold,
 * as [starts[i], ends[i]) for i < the count returned (at most max); SIZE_MAX when a byte >= 0x80
 * stops them first. */
size_t tally__kwic_ascii_tokens(const uint8_t *p, size_t n, size_t *starts, size_t *ends, size_t max);

#endif
