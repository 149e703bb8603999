/* vocab.h — the vocabulary accumulator (`--vocab FILE`): every token type in its compared form,
 * with its count and document frequency, exact in bounded memory.
 *
 * Each counting thread counts the types of its batch in its own table; the loop thread adds the
 * batches' tables into one table, which is written as a sorted run to an unlinked temporary file
 * whenever it passes its share of the memory limit (a worker's table does the same). At the end
 * the runs are merged by type, the counts by count, and the TSV file is written with its
 * XXH3-128 digest. `tally merge` feeds the parts' TSV files through the same sort
 * (tally_vocab_merge in tally.h). */
#ifndef TALLY_VOCAB_H
#define TALLY_VOCAB_H

#include "accum.h"

/* Makes the vocabulary accumulator for the scan (env borrowed for the scan): 0, or a negative
 * TALLY_E* with err filled. */
int tally__vocab_acc_new(const tally_acc_env *env, tally_acc *out, tally_error *err);

#endif
